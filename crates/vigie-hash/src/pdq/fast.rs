//! PDQ's bits, fast. The same floating-point operations as [`super::reference`], element by
//! element and in the same order, so the results are identical; what changes is the layout.
//!
//! - Every pass is one *running box filter* over a sequence of vectors: a row pass runs along
//!   the columns of a block of [`LANES`] rows (transposed, so the rows are the vector lanes); a
//!   column pass runs down the rows with all columns as lanes. Each lane's sum sees the same
//!   additions and subtractions as the reference's scalar loop, so it rounds the same way, but
//!   the compiler can keep many lanes in one SIMD register.
//! - Only the 64 sampled columns of the second row pass and the 64 sampled rows of the second
//!   column pass are ever read, so the second column pass runs on those columns alone (its
//!   running sums must still see every row, and the second row pass every column, for the
//!   rounding to match).

use std::sync::OnceLock;

use super::reference::{dct_matrix, quality, sample_index, window_size};
use super::{Dct16, MIN_HASHABLE_DIM};

/// Rows filtered together in a row pass.
const LANES: usize = 16;

/// The DCT and quality of a luma image (`rows × cols`, row-major), or `None` below 5 pixels.
/// Takes the buffer by value: it is reused as scratch space.
pub fn pdq_float(luma: Vec<f32>, rows: usize, cols: usize) -> Option<(Dct16, u8)> {
    pdq_float_with(luma, rows, cols, Bypass::At64)
}

/// Whether a 64×64 image skips the blur, as `pdqHash256FromFloatLuma` does, or is filtered like
/// any other size, as the reference's dihedral function (`pdqDihedralHash256esFromFloatLuma`)
/// does. The two differ in the last bits of the sums, so in a few hash bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bypass {
    At64,
    Never,
}

pub fn pdq_float_with(mut luma: Vec<f32>, rows: usize, cols: usize, bypass: Bypass) -> Option<(Dct16, u8)> {
    if rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM {
        return None;
    }
    assert_eq!(luma.len(), rows * cols, "the luma buffer holds rows × cols values");
    let small = if rows == 64 && cols == 64 && bypass == Bypass::At64 {
        let mut out = Box::new([[0f32; 64]; 64]);
        for (i, row) in out.iter_mut().enumerate() {
            row.copy_from_slice(&luma[i * 64..(i + 1) * 64]);
        }
        out
    } else {
        downsample(&mut luma, rows, cols)
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
    mut emit: impl FnMut(usize, &[f32], f32),
) {
    let half = (window + 2) / 2;
    let (phase1, phase2, phase3, phase4) = (half - 1, window - half + 1, len - window, half - 1);
    let step = |s: usize| &input[s * lanes..(s + 1) * lanes];
    sums.fill(0.0);
    let (mut li, mut ri, mut oi, mut count) = (0usize, 0usize, 0usize, 0u32);
    for _ in 0..phase1 {
        sums.iter_mut().zip(step(ri)).for_each(|(s, x)| *s += x);
        count += 1;
        ri += 1;
    }
    for _ in 0..phase2 {
        sums.iter_mut().zip(step(ri)).for_each(|(s, x)| *s += x);
        count += 1;
        emit(oi, sums, count as f32);
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase3 {
        sums.iter_mut().zip(step(ri)).for_each(|(s, x)| *s += x);
        sums.iter_mut().zip(step(li)).for_each(|(s, x)| *s -= x);
        emit(oi, sums, count as f32);
        li += 1;
        ri += 1;
        oi += 1;
    }
    for _ in 0..phase4 {
        sums.iter_mut().zip(step(li)).for_each(|(s, x)| *s -= x);
        count -= 1;
        emit(oi, sums, count as f32);
        li += 1;
        oi += 1;
    }
}

/// Copies rows `i0..i0 + n` of a row-major matrix into `block` with the rows as lanes.
#[inline(always)]
fn transpose_in(m: &[f32], cols: usize, i0: usize, n: usize, block: &mut [f32]) {
    if n < LANES {
        block.fill(0.0);
    }
    for r in 0..n {
        let row = &m[(i0 + r) * cols..(i0 + r + 1) * cols];
        for (j, &v) in row.iter().enumerate() {
            block[j * LANES + r] = v;
        }
    }
}

/// Runs [`downsample_any`] compiled for the widest vector unit this CPU has. The arithmetic is
/// the same in every version (IEEE single precision, no fused operations), only the number of
/// lanes per instruction changes, so the bits do not.
fn downsample(a: &mut [f32], rows: usize, cols: usize) -> Box<[[f32; 64]; 64]> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, as checked on the line above.
            #[allow(unsafe_code)]
            return unsafe { downsample_avx512(a, rows, cols) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, as checked on the line above.
            #[allow(unsafe_code)]
            return unsafe { downsample_avx2(a, rows, cols) };
        }
    }
    downsample_any(a, rows, cols)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn downsample_avx512(a: &mut [f32], rows: usize, cols: usize) -> Box<[[f32; 64]; 64]> {
    downsample_any(a, rows, cols)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn downsample_avx2(a: &mut [f32], rows: usize, cols: usize) -> Box<[[f32; 64]; 64]> {
    downsample_any(a, rows, cols)
}

#[inline(always)]
fn downsample_any(a: &mut [f32], rows: usize, cols: usize) -> Box<[[f32; 64]; 64]> {
    let along_rows = window_size(cols);
    let along_cols = window_size(rows);
    let mut b = vec![0f32; rows * cols];
    let mut block = vec![0f32; cols * LANES];
    let mut lane_sums = [0f32; LANES];

    // Pass 1: rows of `a` into `b`, every output kept.
    for i0 in (0..rows).step_by(LANES) {
        let n = LANES.min(rows - i0);
        transpose_in(a, cols, i0, n, &mut block);
        running_box(&block, cols, LANES, along_rows, &mut lane_sums, |oj, sums, count| {
            for r in 0..n {
                b[(i0 + r) * cols + oj] = sums[r] / count;
            }
        });
    }
    // Pass 2: columns of `b` into `a`, every output kept.
    let mut col_sums = vec![0f32; cols];
    running_box(&b, rows, cols, along_cols, &mut col_sums, |oi, sums, count| {
        a[oi * cols..(oi + 1) * cols].iter_mut().zip(sums).for_each(|(o, s)| *o = s / count);
    });

    // The columns the decimation reads, each given a slot.
    let mut slot_of = vec![usize::MAX; cols];
    let mut sampled_cols = Vec::with_capacity(64);
    for oj in 0..64 {
        let j = sample_index(oj, cols);
        if slot_of[j] == usize::MAX {
            slot_of[j] = sampled_cols.len();
            sampled_cols.push(j);
        }
    }
    let n_slots = sampled_cols.len();

    // Pass 3: rows of `a`, keeping only the sampled columns, into `c` (rows × slots).
    let mut c = vec![0f32; rows * n_slots];
    for i0 in (0..rows).step_by(LANES) {
        let n = LANES.min(rows - i0);
        transpose_in(a, cols, i0, n, &mut block);
        running_box(&block, cols, LANES, along_rows, &mut lane_sums, |oj, sums, count| {
            let slot = slot_of[oj];
            if slot != usize::MAX {
                for r in 0..n {
                    c[(i0 + r) * n_slots + slot] = sums[r] / count;
                }
            }
        });
    }
    // Pass 4: columns of `c` (the sampled ones only) into `d`.
    let mut d = vec![0f32; rows * n_slots];
    let mut slot_sums = vec![0f32; n_slots];
    running_box(&c, rows, n_slots, along_cols, &mut slot_sums, |oi, sums, count| {
        d[oi * n_slots..(oi + 1) * n_slots].iter_mut().zip(sums).for_each(|(o, s)| *o = s / count);
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
