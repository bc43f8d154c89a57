//! PDQ's bits, fast. The same floating-point operations as [`super::reference`], element by
//! element and in the same order, so the results are identical; what changes is the layout.
//!
//! - Every pass is one *running box filter* over a sequence of vectors: a row pass runs along
//!   the columns of a band of [`BAND`] rows (transposed, so the rows are the vector lanes); a
//!   column pass runs down the rows with all columns as lanes. Each lane's sum sees the same
//!   additions and subtractions as the reference's scalar loop, so it rounds the same way, but
//!   the compiler can keep many lanes in one SIMD register.
//! - The passes stream: the luma of one band of rows is computed (by the caller, from its
//!   pixels), filtered along the rows into a ring of recent rows, and the column pass advances as
//!   far as those rows allow; each band of its output is filtered along the rows again at once.
//!   So no image-sized buffer is written or read: the working set is a few bands.
//! - Only the 64 sampled columns of the second row pass and the 64 sampled rows of the second
//!   column pass are ever read, so the second column pass runs on those columns alone (its
//!   running sums must still see every row, and the second row pass every column, for the
//!   rounding to match).

use std::cell::RefCell;
use std::sync::OnceLock;

use super::reference::{dct_matrix, quality, sample_index, window_size};
use super::{Dct16, MIN_HASHABLE_DIM};

/// The DCT and quality of a luma image (`rows × cols`, row-major), or `None` below 5 pixels.
pub fn pdq_float(luma: Vec<f32>, rows: usize, cols: usize) -> Option<(Dct16, u8)> {
    pdq_float_in(&luma, rows, cols, Bypass::At64)
}

/// Whether a 64×64 image skips the blur, as `pdqHash256FromFloatLuma` does, or is filtered like
/// any other size, as the reference's dihedral function (`pdqDihedralHash256esFromFloatLuma`)
/// does. The two differ in the last bits of the sums, so in a few hash bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bypass {
    At64,
    Never,
}

pub fn pdq_float_with(luma: Vec<f32>, rows: usize, cols: usize, bypass: Bypass) -> Option<(Dct16, u8)> {
    pdq_float_in(&luma, rows, cols, bypass)
}

/// As [`pdq_float_with`], on a luma buffer the caller keeps.
pub fn pdq_float_in(luma: &[f32], rows: usize, cols: usize, bypass: Bypass) -> Option<(Dct16, u8)> {
    if rows >= MIN_HASHABLE_DIM && cols >= MIN_HASHABLE_DIM {
        assert_eq!(luma.len(), rows * cols, "the luma buffer holds rows × cols values");
    }
    pdq_float_rows(rows, cols, bypass, |first, out: &mut [f32]| {
        out.copy_from_slice(&luma[first * cols..first * cols + out.len()]);
    })
}

/// Where a run gets its luma.
pub trait LumaRows {
    /// Writes the luma of rows `first..first + out.len() / cols`, row-major, into `out`. Called
    /// once for each band of rows, in order. Implementations should be `#[inline(always)]`: they
    /// are then compiled into the vectorised passes, for the same vector unit.
    fn fill(&mut self, first: usize, out: &mut [f32]);
}

impl<F: FnMut(usize, &mut [f32])> LumaRows for F {
    #[inline(always)]
    fn fill(&mut self, first: usize, out: &mut [f32]) {
        self(first, out)
    }
}

/// The DCT and quality of a `rows × cols` image whose luma `fill` gives, band by band, or `None`
/// below 5 pixels.
#[inline(always)]
pub fn pdq_float_rows<F: LumaRows>(rows: usize, cols: usize, bypass: Bypass, mut fill: F) -> Option<(Dct16, u8)> {
    if rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM {
        return None;
    }
    let small = if rows == 64 && cols == 64 && bypass == Bypass::At64 {
        let mut flat = [0f32; 64 * 64];
        fill.fill(0, &mut flat);
        let mut out = Box::new([[0f32; 64]; 64]);
        for (row, values) in out.iter_mut().zip(flat.chunks_exact(64)) {
            row.copy_from_slice(values);
        }
        out
    } else {
        downsample(rows, cols, fill)
    };
    let q = quality(&small);
    static DCT: OnceLock<Box<[[f32; 64]; 16]>> = OnceLock::new();
    Some((dct(&small, DCT.get_or_init(dct_matrix)), q))
}

/// The reference's box filter over `len` steps of `lanes` values each (step-major), calling
/// `emit(step, sums, count)` for each output step. Division happens in `emit`.
#[inline(always)]
fn running_box(
    input: &[f32],
    len: usize,
    lanes: usize,
    window: usize,
    sums: &mut [f32],
    emit: impl FnMut(usize, &[f32], f32),
) {
    let mut state = Running::new(len, window);
    sums.fill(0.0);
    state.advance(len, len, sums, |s| &input[s * lanes..(s + 1) * lanes], emit);
}

/// [`running_box`] that can stop when the next input step is not there yet and resume later:
/// the same additions, subtractions and outputs, in the same order.
struct Running {
    /// Ends of the four phases, in steps: adding only; adding and emitting (the window grows);
    /// adding, subtracting and emitting (it slides); subtracting and emitting (it shrinks).
    ends: [usize; 4],
    step: usize,
    /// The next input to add, the next to subtract, the next output.
    ri: usize,
    li: usize,
    oi: usize,
    count: u32,
}

impl Running {
    fn new(len: usize, window: usize) -> Self {
        let half = (window + 2) / 2;
        let p1 = half - 1;
        let p2 = p1 + window - half + 1;
        let p3 = p2 + len - window;
        Running { ends: [p1, p2, p3, p3 + half - 1], step: 0, ri: 0, li: 0, oi: 0, count: 0 }
    }

    /// Runs every step whose input is below `avail`, stopping before output `until`; `row(s)`
    /// is input step `s` (its lanes).
    #[inline(always)]
    fn advance<'a>(
        &mut self,
        avail: usize,
        until: usize,
        sums: &mut [f32],
        row: impl Fn(usize) -> &'a [f32],
        mut emit: impl FnMut(usize, &[f32], f32),
    ) {
        let [p1, p2, p3, p4] = self.ends;
        while self.step < p4 {
            if (self.step < p3 && self.ri >= avail) || (self.step >= p1 && self.oi >= until) {
                return;
            }
            if self.step < p3 {
                sums.iter_mut().zip(row(self.ri)).for_each(|(s, x)| *s += x);
                self.ri += 1;
                if self.step < p2 {
                    self.count += 1;
                } else {
                    sums.iter_mut().zip(row(self.li)).for_each(|(s, x)| *s -= x);
                    self.li += 1;
                }
            } else {
                sums.iter_mut().zip(row(self.li)).for_each(|(s, x)| *s -= x);
                self.li += 1;
                self.count -= 1;
            }
            if self.step >= p1 {
                emit(self.oi, sums, self.count as f32);
                self.oi += 1;
            }
            self.step += 1;
        }
    }
}

/// Where a row pass's outputs go. A trait rather than a closure: its `#[inline(always)]` method
/// is then always compiled into the vectorised caller, intrinsics included.
trait Sink<const N: usize> {
    /// Output `o`: the lanes' sums and the window's count (the division is the sink's).
    fn emit(&mut self, o: usize, sums: &[f32; N], count: f32);
}

/// [`running_box`] for exactly `N` lanes, with the sums held in a local array the compiler can
/// keep in registers (passing them as a slice sent every step through memory). The phases and
/// operations must stay exactly those of [`running_box`]; the bit-for-bit tests hold both to the
/// reference.
#[inline(always)]
fn running_box_n<const N: usize>(input: &[f32], len: usize, window: usize, sink: &mut impl Sink<N>) {
    let half = (window + 2) / 2;
    let (phase1, phase2, phase3, phase4) = (half - 1, window - half + 1, len - window, half - 1);
    let step = |s: usize| -> &[f32; N] { input[s * N..(s + 1) * N].try_into().expect("N lanes") };
    let mut sums = [0f32; N];
    let (mut li, mut ri, mut oi, mut count) = (0usize, 0usize, 0usize, 0u32);
    for _ in 0..phase1 {
        let x = step(ri);
        for k in 0..N {
            sums[k] += x[k];
        }
        count += 1;
        ri += 1;
    }
    for _ in 0..phase2 {
        let x = step(ri);
        for k in 0..N {
            sums[k] += x[k];
        }
        count += 1;
        sink.emit(oi, &sums, count as f32);
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase3 {
        let (x, y) = (step(ri), step(li));
        for k in 0..N {
            sums[k] += x[k];
            sums[k] -= y[k];
        }
        sink.emit(oi, &sums, count as f32);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase4 {
        let y = step(li);
        for k in 0..N {
            sums[k] -= y[k];
        }
        count -= 1;
        sink.emit(oi, &sums, count as f32);
        li += 1;
        oi += 1;
    }
}

/// Runs [`downsample_in`] compiled for the widest vector unit this CPU has. The arithmetic is
/// the same in every version (IEEE single precision, no fused operations), only the number of
/// lanes per instruction changes, so the bits do not.
fn downsample<F: LumaRows>(rows: usize, cols: usize, fill: F) -> Box<[[f32; 64]; 64]> {
    with_scratch(|s| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F, as checked on the line above.
                #[allow(unsafe_code)]
                return unsafe { downsample_avx512(s, rows, cols, fill) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2, as checked on the line above.
                #[allow(unsafe_code)]
                return unsafe { downsample_avx2(s, rows, cols, fill) };
            }
        }
        downsample_in::<ScalarTile, F>(s, rows, cols, fill)
    })
}

// The whole filter, and the caller's luma, are inlined into each of these, so every loop is
// compiled for its vector unit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn downsample_avx512<F: LumaRows>(s: &mut Scratch, rows: usize, cols: usize, fill: F) -> Box<[[f32; 64]; 64]> {
    downsample_in::<Avx2Tile, F>(s, rows, cols, fill)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn downsample_avx2<F: LumaRows>(s: &mut Scratch, rows: usize, cols: usize, fill: F) -> Box<[[f32; 64]; 64]> {
    downsample_in::<Avx2Tile, F>(s, rows, cols, fill)
}

/// The buffers of one run, kept between images on the same thread: allocating (and faulting
/// in) them for each image costs more than the filtering. All of them together are about a band
/// and a half of the image, so that they stay in the L2 cache for photographs.
#[derive(Default)]
struct Scratch {
    /// Eight rows, row-major: the luma the caller fills; and pass 2's output being gathered
    /// (over two calls, when a band of luma comes between).
    rows: Vec<f32>,
    trows: Vec<f32>,
    /// One band transposed (rows as lanes): the input of pass 1, and pass 2's output being
    /// gathered for pass 3 (which lags a band behind, so it has its own).
    band: Vec<f32>,
    tband: Vec<f32>,
    /// Eight outputs of pass 1 (columns), before they are transposed into the ring.
    stage: Vec<f32>,
    /// Pass 1's output: a ring of recent rows, as many as the column pass needs.
    ring: Vec<f32>,
    col_sums: Vec<f32>,
    /// Pass 3's output on the sampled columns (rows × slots), and pass 4's.
    c: Vec<f32>,
    d: Vec<f32>,
    slot_sums: Vec<f32>,
}

impl Scratch {
    fn floats(&self) -> usize {
        [&self.rows, &self.trows, &self.band, &self.tband, &self.stage, &self.ring, &self.col_sums, &self.c, &self.d]
            .iter()
            .map(|v| v.len())
            .sum()
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Scratch space larger than this (64 MiB) is given back after use rather than kept.
pub(crate) const KEEP_SCRATCH_FLOATS: usize = 16 << 20;

/// Runs `f` on this thread's scratch buffers (contents unspecified; fresh ones if they are in use).
#[inline(always)]
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut s) => {
            let res = f(&mut s);
            if s.floats() > KEEP_SCRATCH_FLOATS {
                *s = Scratch::default();
            }
            res
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

/// The first `len` values of `v`, grown (with zeros) if it is shorter.
#[inline(always)]
fn sized(v: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if v.len() < len {
        v.resize(len, 0.0);
    }
    &mut v[..len]
}

/// Transposes one 8×8 tile: row `r` of `src` (rows `stride_in` apart) becomes column `r` of
/// `dst` (rows `stride_out` apart). Moving values changes none of them.
trait Tile {
    fn transpose8(src: &[f32], stride_in: usize, dst: &mut [f32], stride_out: usize);
}

/// Plain Rust, for any CPU.
struct ScalarTile;

impl Tile for ScalarTile {
    #[inline(always)]
    fn transpose8(src: &[f32], stride_in: usize, dst: &mut [f32], stride_out: usize) {
        for r in 0..8 {
            for c in 0..8 {
                dst[c * stride_out + r] = src[r * stride_in + c];
            }
        }
    }
}

/// AVX2 shuffles. Only instantiated inside functions compiled for AVX2, which run only after
/// the CPU was found to support it.
#[cfg(target_arch = "x86_64")]
struct Avx2Tile;

#[cfg(target_arch = "x86_64")]
impl Tile for Avx2Tile {
    #[inline(always)]
    #[allow(unsafe_code)]
    fn transpose8(src: &[f32], stride_in: usize, dst: &mut [f32], stride_out: usize) {
        use std::arch::x86_64::*;
        assert!(src.len() >= 7 * stride_in + 8 && dst.len() >= 7 * stride_out + 8, "the tile is in bounds");
        // SAFETY: the assertion keeps every 8-float load and store inside the slices, and this
        // type is used only in code compiled with AVX2 and run after `is_x86_feature_detected`.
        unsafe {
            let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
            let r: [__m256; 8] = std::array::from_fn(|k| _mm256_loadu_ps(s.add(k * stride_in)));
            let t0 = _mm256_unpacklo_ps(r[0], r[1]);
            let t1 = _mm256_unpackhi_ps(r[0], r[1]);
            let t2 = _mm256_unpacklo_ps(r[2], r[3]);
            let t3 = _mm256_unpackhi_ps(r[2], r[3]);
            let t4 = _mm256_unpacklo_ps(r[4], r[5]);
            let t5 = _mm256_unpackhi_ps(r[4], r[5]);
            let t6 = _mm256_unpacklo_ps(r[6], r[7]);
            let t7 = _mm256_unpackhi_ps(r[6], r[7]);
            let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
            let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
            let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
            let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
            let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
            let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
            let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
            let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
            let o = [
                _mm256_permute2f128_ps::<0x20>(u0, u4),
                _mm256_permute2f128_ps::<0x20>(u1, u5),
                _mm256_permute2f128_ps::<0x20>(u2, u6),
                _mm256_permute2f128_ps::<0x20>(u3, u7),
                _mm256_permute2f128_ps::<0x31>(u0, u4),
                _mm256_permute2f128_ps::<0x31>(u1, u5),
                _mm256_permute2f128_ps::<0x31>(u2, u6),
                _mm256_permute2f128_ps::<0x31>(u3, u7),
            ];
            for (k, v) in o.into_iter().enumerate() {
                _mm256_storeu_ps(d.add(k * stride_out), v);
            }
        }
    }
}

#[inline(always)]
fn downsample_in<K: Tile, F: LumaRows>(s: &mut Scratch, rows: usize, cols: usize, mut fill: F) -> Box<[[f32; 64]; 64]> {
    let along_rows = window_size(cols);
    let along_cols = window_size(rows);
    // The column pass needs the rows from the one it subtracts to the one it adds, a window's
    // worth, while a band is written ahead of them; groups of 8 rows never wrap.
    let ring_rows = (BAND + along_cols + 1).next_multiple_of(TILE);

    // The columns the decimation reads, each given a slot.
    let mut slot_of = vec![usize::MAX; cols];
    let mut n_slots = 0;
    for oj in 0..64 {
        let j = sample_index(oj, cols);
        if slot_of[j] == usize::MAX {
            slot_of[j] = n_slots;
            n_slots += 1;
        }
    }

    let Scratch { rows: eight, trows, band, tband, stage, ring, col_sums, c, d, slot_sums } = s;
    let eight = sized(eight, TILE * cols);
    let trows = sized(trows, TILE * cols);
    let band = sized(band, cols * BAND);
    let tband = sized(tband, cols * BAND);
    let stage = sized(stage, TILE * BAND);
    let ring = sized(ring, ring_rows * cols);
    let col_sums = sized(col_sums, cols);
    let c = sized(c, rows * n_slots);
    col_sums.fill(0.0);
    let mut columns = Running::new(rows, along_cols);

    for i0 in (0..rows).step_by(BAND) {
        let n = BAND.min(rows - i0);
        // This band's luma, eight rows at a time, transposed into the band; lanes past the end of
        // the image are zeros (their results are never used).
        if n < BAND {
            band.fill(0.0);
        }
        for g in (0..n).step_by(TILE) {
            let k = TILE.min(n - g);
            fill.fill(i0 + g, &mut eight[..k * cols]);
            load_rows::<K>(eight, k, cols, band, g);
        }
        // Pass 1, along the rows, into the ring.
        let mut to_ring = ToRing::<K> { stage, ring, ring_rows, first: i0, n, cols, tile: std::marker::PhantomData };
        running_box_n::<BAND>(band, cols, along_rows, &mut to_ring);

        // Pass 2, along the columns (all columns as lanes), as far as the ring's rows allow, eight
        // output rows at a time, each group transposed into the band at once; each full band
        // goes through pass 3.
        loop {
            let (t0, g0) = (columns.oi - columns.oi % BAND, columns.oi - columns.oi % TILE);
            let until = (g0 + TILE).min(rows);
            let ring: &[f32] = ring;
            let row = |r: usize| &ring[(r % ring_rows) * cols..(r % ring_rows + 1) * cols];
            columns.advance(i0 + n, until, col_sums, row, |oi, sums, count| {
                let k = oi % TILE;
                trows[k * cols..(k + 1) * cols].iter_mut().zip(sums).for_each(|(o, x)| *o = x / count);
            });
            if columns.oi < until || until == g0 {
                break;
            }
            if g0 == t0 && rows - t0 < BAND {
                tband.fill(0.0);
            }
            load_rows::<K>(trows, until - g0, cols, tband, g0 - t0);
            if until - t0 == BAND || until == rows {
                // Pass 3, along the rows of this band of pass 2's output, keeping only the
                // sampled columns (rows × slots).
                let mut to_slots = ToSlots { c, slot_of: &slot_of, first: t0, n: until - t0, n_slots };
                running_box_n::<BAND>(tband, cols, along_rows, &mut to_slots);
            }
            if until == rows {
                break;
            }
        }
    }

    // Pass 4, along the columns, on the sampled columns only.
    let d = sized(d, rows * n_slots);
    let slot_sums = sized(slot_sums, n_slots);
    running_box(c, rows, n_slots, along_cols, slot_sums, |oi, s, count| {
        d[oi * n_slots..(oi + 1) * n_slots].iter_mut().zip(s).for_each(|(o, x)| *o = x / count);
    });

    let mut out = Box::new([[0f32; 64]; 64]);
    for (oi, row) in out.iter_mut().enumerate() {
        let i = sample_index(oi, rows);
        for (oj, v) in row.iter_mut().enumerate() {
            *v = d[i * n_slots + slot_of[sample_index(oj, cols)]];
        }
    }
    out
}

/// Pass 1's sink: each output (a column of the band's rows) is divided into a stage of eight
/// columns, which goes into the ring's rows by 8×8 transposes.
struct ToRing<'a, K> {
    stage: &'a mut [f32],
    ring: &'a mut [f32],
    ring_rows: usize,
    /// The band's first row of the image, and its number of rows.
    first: usize,
    n: usize,
    cols: usize,
    tile: std::marker::PhantomData<K>,
}

impl<K: Tile> Sink<BAND> for ToRing<'_, K> {
    #[inline(always)]
    fn emit(&mut self, oj: usize, sums: &[f32; BAND], count: f32) {
        let k = oj % TILE;
        self.stage[k * BAND..(k + 1) * BAND].iter_mut().zip(sums).for_each(|(o, x)| *o = x / count);
        if k + 1 < TILE && oj + 1 < self.cols {
            return;
        }
        let (j0, width, cols) = (oj - k, k + 1, self.cols);
        let whole = if width == TILE { self.n - self.n % TILE } else { 0 };
        for t0 in (0..whole).step_by(TILE) {
            let at = ((self.first + t0) % self.ring_rows) * cols + j0;
            K::transpose8(&self.stage[t0..], BAND, &mut self.ring[at..], cols);
        }
        for r in whole..self.n {
            let at = ((self.first + r) % self.ring_rows) * cols + j0;
            for c in 0..width {
                self.ring[at + c] = self.stage[c * BAND + r];
            }
        }
    }
}

/// Pass 3's sink: only the sampled columns are kept, divided, into their slots.
struct ToSlots<'a> {
    c: &'a mut [f32],
    slot_of: &'a [usize],
    first: usize,
    n: usize,
    n_slots: usize,
}

impl Sink<BAND> for ToSlots<'_> {
    #[inline(always)]
    fn emit(&mut self, oj: usize, sums: &[f32; BAND], count: f32) {
        let slot = self.slot_of[oj];
        if slot != usize::MAX {
            for (r, x) in sums.iter().enumerate().take(self.n) {
                self.c[(self.first + r) * self.n_slots + slot] = x / count;
            }
        }
    }
}

/// Rows in a band: four transposed 8×8 tiles side by side, so the running sums form four
/// independent chains and the additions do not wait on each other.
const BAND: usize = 64;
/// The side of a transposed tile.
const TILE: usize = 8;

/// Copies rows `i0..i0 + BAND` of `m` (`rows × cols`) into `band` (`cols × BAND`), transposed.
/// Rows past the end of the image read as zeros. (The tests' check of the tile kernels.)
#[cfg(test)]
fn load_band<K: Tile>(m: &[f32], rows: usize, cols: usize, i0: usize, band: &mut [f32]) {
    let n = BAND.min(rows - i0);
    let full_cols = cols - cols % TILE;
    if n < BAND {
        band.fill(0.0);
    }
    // Whole tiles where 8 rows exist, one value at a time for the rest.
    let whole = n - n % TILE;
    for t0 in (0..whole).step_by(TILE) {
        for j0 in (0..full_cols).step_by(TILE) {
            K::transpose8(&m[(i0 + t0) * cols + j0..], cols, &mut band[j0 * BAND + t0..], BAND);
        }
    }
    for r in 0..n {
        let from = if r < whole { full_cols } else { 0 };
        for j in from..cols {
            band[j * BAND + r] = m[(i0 + r) * cols + j];
        }
    }
}

/// Copies `k` (at most 8) rows of `m` (row-major, `cols` wide) into lanes `lane0..lane0 + k` of
/// `band` (`cols × BAND`), transposed.
#[inline(always)]
fn load_rows<K: Tile>(m: &[f32], k: usize, cols: usize, band: &mut [f32], lane0: usize) {
    let full_cols = if k == TILE { cols - cols % TILE } else { 0 };
    for j0 in (0..full_cols).step_by(TILE) {
        K::transpose8(&m[j0..], cols, &mut band[j0 * BAND + lane0..], BAND);
    }
    for r in 0..k {
        for j in full_cols..cols {
            band[j * BAND + lane0 + r] = m[r * cols + j];
        }
    }
}

/// Writes `band` (`cols × BAND`) back as rows `i0..` of `m`, transposed; rows past the end are
/// dropped. (The tests' check of the tile kernels.)
#[cfg(test)]
fn store_band<K: Tile>(band: &[f32], m: &mut [f32], rows: usize, cols: usize, i0: usize) {
    let n = BAND.min(rows - i0);
    let full_cols = cols - cols % TILE;
    let whole = n - n % TILE;
    for t0 in (0..whole).step_by(TILE) {
        for j0 in (0..full_cols).step_by(TILE) {
            K::transpose8(&band[j0 * BAND + t0..], BAND, &mut m[(i0 + t0) * cols + j0..], cols);
        }
    }
    for r in 0..n {
        let from = if r < whole { full_cols } else { 0 };
        for j in from..cols {
            m[(i0 + r) * cols + j] = band[j * BAND + r];
        }
    }
}

/// `D · A · Dᵀ` with every sum taken over k in order, as the reference does, but with the
/// independent sums side by side.
fn dct(a: &[[f32; 64]; 64], d: &[[f32; 64]; 16]) -> Dct16 {
    let mut t = [[0f32; 64]; 16];
    for (ti, di) in t.iter_mut().zip(d.iter()) {
        for (k, ak) in a.iter().enumerate() {
            let dik = di[k];
            ti.iter_mut().zip(ak.iter()).for_each(|(t, &x)| *t += dik * x);
        }
    }
    let mut b = [[0f32; 16]; 16];
    for (bi, ti) in b.iter_mut().zip(t.iter()) {
        for (bij, dj) in bi.iter_mut().zip(d.iter()) {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += ti[k] * dj[k];
            }
            *bij = sum;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(rows: usize, cols: usize) -> Vec<f32> {
        (0..rows * cols).map(|k| ((k * 7919) % 1013) as f32 * 0.37).collect()
    }

    #[test]
    fn bands_round_trip_exactly_with_every_tile_kernel_including_ragged_edges() {
        for (rows, cols) in [(1, 1), (8, 8), (9, 17), (32, 40), (64, 5), (45, 100)] {
            let src = ramp(rows, cols);
            for i0 in (0..rows).step_by(BAND) {
                let n = BAND.min(rows - i0);
                let mut scalar = vec![0f32; cols * BAND];
                load_band::<ScalarTile>(&src, rows, cols, i0, &mut scalar);
                for r in 0..n {
                    for j in 0..cols {
                        assert_eq!(scalar[j * BAND + r], src[(i0 + r) * cols + j]);
                    }
                }
                let mut back = vec![0f32; rows * cols];
                store_band::<ScalarTile>(&scalar, &mut back, rows, cols, i0);
                assert_eq!(back[i0 * cols..(i0 + n) * cols], src[i0 * cols..(i0 + n) * cols]);
                #[cfg(target_arch = "x86_64")]
                if std::arch::is_x86_feature_detected!("avx2") {
                    let mut simd = vec![0f32; cols * BAND];
                    load_band::<Avx2Tile>(&src, rows, cols, i0, &mut simd);
                    assert_eq!(simd, scalar, "{rows}×{cols} at {i0}");
                    let mut back_simd = vec![0f32; rows * cols];
                    store_band::<Avx2Tile>(&simd, &mut back_simd, rows, cols, i0);
                    assert_eq!(back_simd, back);
                }
            }
        }
    }

    #[test]
    fn the_portable_path_gives_the_same_bits_as_the_dispatched_one() {
        for (rows, cols) in [(70, 90), (200, 131), (640, 480), (3000, 20)] {
            let luma = ramp(rows, cols);
            let fill = |first: usize, out: &mut [f32]| out.copy_from_slice(&luma[first * cols..][..out.len()]);
            let dispatched = downsample(rows, cols, fill);
            let portable = downsample_in::<ScalarTile, _>(&mut Scratch::default(), rows, cols, fill);
            let same =
                dispatched.iter().flatten().zip(portable.iter().flatten()).all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{rows}×{cols}");
        }
    }
}
