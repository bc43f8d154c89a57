//! TMK+PDQF: Meta's whole-video hash (the `tmk/` reference in facebook/ThreatExchange), which GIFCT
//! shares as binary `.tmk` files. Pure: the frames come in as 64×64 RGB24 pixels, already resampled
//! to 15 frames a second (`vigie-video` has FFmpeg do that, as `tmk-hash-video` does).
//!
//! - Each frame's feature is PDQF: the 16×16 float DCT that PDQ thresholds into its bits, 256
//!   floats ([`frame_feature`]).
//! - The features are summed into a *pure average* and, for each of four periods `T` and 32
//!   Fourier coefficients `j`, into cosine and sine sums weighted by `cos(2πjt/T)` and
//!   `sin(2πjt/T)` of the (resampled) frame number `t`, over L2-normalised frame features
//!   ([`Accumulator`]). At the end the average is divided by the count and each cosine and sine
//!   vector is L2-normalised and scaled by the square root of its coefficient (Poullot's
//!   parameters: [`PERIODS`], [`COEFFICIENTS`]).
//! - Two videos compare in two levels ([`compare`]): level 1 is the cosine of their pure
//!   averages; level 2, computed when level 1 passes, is the best time alignment of their
//!   cosine/sine features modulo each period, normalised to at most 1. Both thresholds default to
//!   0.7, as in the reference's `tmk_default_thresholds.h`.
//! - [`TmkFeatures::from_bytes`] / [`TmkFeatures::to_bytes`]: the reference's file, a 32-byte
//!   header and little-endian `i32`s and `f32`s (263,344 bytes with the standard parameters). A
//!   malformed, truncated or oversized file is a [`TmkFileError`], never a panic.
//!
//! Every sum runs in the reference's order and precision (`f32` accumulators, `f64` angles, the
//! `f32` angle recurrence of its level-2 loop), so features agree with it to the last bits and
//! scores to round-off.

use crate::pdq::fast::{Bypass, pdq_float_rows};

/// The frame rate the reference resamples every video to.
pub const FRAMES_PER_SECOND: i32 = 15;
/// The side of the square frame FFmpeg scales every frame to.
pub const FRAME_SIZE: usize = 64;
/// The floats in one frame feature (PDQF: the 16×16 DCT).
pub const FEATURE_DIMENSION: usize = 256;
/// Poullot's periods, in resampled frames.
pub const PERIODS: [i32; 4] = [2731, 4391, 9767, 14653];
/// Poullot's Fourier coefficients (modified Bessel weights, β = 32), as the reference tabulates
/// them.
#[allow(clippy::excessive_precision)]
pub const COEFFICIENTS: [f32; 32] = [
    0.0708041893112,
    0.13937789309,
    0.132897260304,
    0.122765735552,
    0.109878684888,
    0.09529606433,
    0.0800986647852,
    0.0652590650356,
    0.0515478238322,
    0.0394851531195,
    0.0293374252025,
    0.0211492623679,
    0.0147973073245,
    0.0100512818746,
    0.0066306408014,
    0.00424947117334,
    0.0026467615764,
    0.00160270959695,
    0.000943882629639,
    0.000540841638603,
    0.000301633183798,
    0.000163800158855,
    8.66454753015e-05,
    4.46626303151e-05,
    2.24429442235e-05,
    1.09982139799e-05,
    5.25823487999e-06,
    2.45358229988e-06,
    1.11781474895e-06,
    4.97406489221e-07,
    2.16265487234e-07,
    9.19087006565e-08,
];
/// The default level-1 and level-2 thresholds.
pub const LEVEL1_THRESHOLD: f32 = 0.7;
pub const LEVEL2_THRESHOLD: f32 = 0.7;

const HEADER_BYTES: usize = 32;
/// The size of a `.tmk` file with the standard parameters.
pub const FILE_BYTES: usize = HEADER_BYTES
    + 4 * (PERIODS.len() + COEFFICIENTS.len() + FEATURE_DIMENSION)
    + 8 * PERIODS.len() * COEFFICIENTS.len() * FEATURE_DIMENSION;

/// Bounds on what a file may declare, far above the standard parameters: they keep a forged
/// header from asking for gigabytes or for a level-2 loop of billions of steps.
const MAX_PERIODS: usize = 64;
const MAX_COEFFICIENTS: usize = 1024;
const MAX_DIMENSION: usize = 4096;
const MAX_PERIOD: i32 = 1 << 20;
const MAX_FILE_BYTES: u64 = 64 << 20;

const PI: f64 = std::f64::consts::PI;

/// The `f32` luma of one RGB24 pixel as PDQ's `fillFloatLumaFromRGB` computes it.
#[inline(always)]
fn luma(r: u8, g: u8, b: u8) -> f32 {
    0.299f32 * f32::from(r) + 0.587f32 * f32::from(g) + 0.114f32 * f32::from(b)
}

/// The PDQF feature of one 64×64 RGB24 frame (rows packed): PDQ's float DCT, row-major, as the
/// reference's `PDQFloatFrameBufferHasher` computes it (a 64×64 image skips PDQ's blur).
pub fn frame_feature(rgb: &[u8]) -> [f32; FEATURE_DIMENSION] {
    assert_eq!(rgb.len(), FRAME_SIZE * FRAME_SIZE * 3, "a TMK frame is 64×64 RGB24");
    let (dct, _) = pdq_float_rows(FRAME_SIZE, FRAME_SIZE, Bypass::At64, |first: usize, out: &mut [f32]| {
        let start = first * FRAME_SIZE * 3;
        for (v, px) in out.iter_mut().zip(rgb[start..].chunks_exact(3)) {
            *v = luma(px[0], px[1], px[2]);
        }
    })
    .expect("64 pixels a side is hashable");
    let mut out = [0f32; FEATURE_DIMENSION];
    for (o, v) in out.iter_mut().zip(dct.iter().flatten()) {
        *o = *v;
    }
    out
}

/// `computeNorm`: the square root of the `f32` sum of squares, in order.
fn norm(v: &[f32]) -> f32 {
    v.iter().fold(0f32, |s, e| s + e * e).sqrt()
}

/// `computeDot`, in order, in `f32`.
fn dot(u: &[f32], v: &[f32]) -> f32 {
    u.iter().zip(v).fold(0f32, |s, (a, b)| s + a * b)
}

/// `L2NormalizeVector`: divided by its norm, unless that is 0.
fn normalise(v: &mut [f32]) {
    let n = norm(v);
    if n > 0.0 {
        for e in v {
            *e /= n;
        }
    }
}

/// A video's TMK features: what a `.tmk` file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct TmkFeatures {
    frames_per_second: i32,
    frame_count: i32,
    periods: Vec<i32>,
    coefficients: Vec<f32>,
    pure_average: Vec<f32>,
    /// `periods × coefficients × dimension`, period-major.
    cos: Vec<f32>,
    sin: Vec<f32>,
}

/// The reference's parameters with no features: what [`TmkFeatures::compatible`] checks.
pub(crate) fn standard_parameters() -> TmkFeatures {
    TmkFeatures {
        frames_per_second: FRAMES_PER_SECOND,
        frame_count: 0,
        periods: PERIODS.to_vec(),
        coefficients: COEFFICIENTS.to_vec(),
        pure_average: vec![0.0; FEATURE_DIMENSION],
        cos: Vec::new(),
        sin: Vec::new(),
    }
}

/// Computes [`TmkFeatures`] one frame at a time, in frame order.
#[derive(Clone, Debug)]
pub struct Accumulator {
    features: TmkFeatures,
    normalised: Vec<f32>,
}

impl Default for Accumulator {
    fn default() -> Self {
        Accumulator::new()
    }
}

impl Accumulator {
    /// An empty accumulator with the reference's parameters.
    pub fn new() -> Self {
        let size = PERIODS.len() * COEFFICIENTS.len() * FEATURE_DIMENSION;
        Accumulator {
            features: TmkFeatures {
                frames_per_second: FRAMES_PER_SECOND,
                frame_count: 0,
                periods: PERIODS.to_vec(),
                coefficients: COEFFICIENTS.to_vec(),
                pure_average: vec![0.0; FEATURE_DIMENSION],
                cos: vec![0.0; size],
                sin: vec![0.0; size],
            },
            normalised: vec![0.0; FEATURE_DIMENSION],
        }
    }

    /// The frames taken so far.
    pub fn frames(&self) -> i32 {
        self.features.frame_count
    }

    /// Takes the next resampled frame (64×64 RGB24).
    pub fn push_frame(&mut self, rgb: &[u8]) {
        self.push_feature(&frame_feature(rgb));
    }

    /// Takes the next frame's PDQF feature (`ingestFrameFeature`, with `t` the frame's number).
    pub fn push_feature(&mut self, feature: &[f32; FEATURE_DIMENSION]) {
        let f = &mut self.features;
        let t = f.frame_count;
        for (a, v) in f.pure_average.iter_mut().zip(feature) {
            *a += v;
        }
        self.normalised.copy_from_slice(feature);
        normalise(&mut self.normalised);
        let nf = &self.normalised;
        let (c, d) = (f.coefficients.len(), FEATURE_DIMENSION);
        for (i, &period) in f.periods.iter().enumerate() {
            let base = i * c * d;
            for (s, v) in f.cos[base..base + d].iter_mut().zip(nf) {
                *s += v;
            }
            for j in 1..c {
                // The reference's expression and order: `2.0 * pi * j * t / T` in f64; each sum
                // is widened, added to in f64 and rounded back to f32.
                let arg = 2.0 * PI * j as f64 * f64::from(t) / f64::from(period);
                let (sin_arg, cos_arg) = arg.sin_cos();
                let at = base + j * d;
                for ((cs, ss), v) in f.cos[at..at + d].iter_mut().zip(&mut f.sin[at..at + d]).zip(nf) {
                    let v = f64::from(*v);
                    *cs = (f64::from(*cs) + v * cos_arg) as f32;
                    *ss = (f64::from(*ss) + v * sin_arg) as f32;
                }
            }
        }
        f.frame_count += 1;
    }

    /// The features (`finishFrameFeatureIngest`). With no frame, everything stays zero, as in
    /// the reference.
    pub fn finish(self) -> TmkFeatures {
        let mut f = self.features;
        if f.frame_count > 0 {
            let count = f.frame_count as f32;
            for a in &mut f.pure_average {
                *a /= count;
            }
            let d = FEATURE_DIMENSION;
            for (n, chunk) in f.cos.chunks_exact_mut(d).zip(f.sin.chunks_exact_mut(d)).enumerate() {
                let scale = f.coefficients[n % f.coefficients.len()].sqrt();
                for v in [chunk.0, chunk.1] {
                    normalise(v);
                    for e in v {
                        *e *= scale;
                    }
                }
            }
        }
        f
    }
}

/// Why bytes are not a `.tmk` file Vigie reads. Each has a stable [`TmkFileError::code`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TmkFileError {
    #[error("not a TMK feature-vector file (expected the magic TMK1 FVEC)")]
    NotTmk,
    #[error("the frame features are not PDQF (algorithm {0:?})")]
    UnknownAlgorithm(String),
    #[error("the header declares impossible dimensions: {0}")]
    BadHeader(String),
    #[error("the file holds {got} bytes where its header declares {want}")]
    WrongLength { got: u64, want: u64 },
    #[error("the file holds a value that is not a finite number (at byte {0})")]
    NotFinite(usize),
    /// A well-formed file of other parameters than the reference's defaults (15 frames a second,
    /// Poullot's periods and coefficients, PDQF of 256 floats): banks hold only those.
    #[error("the file was computed with other parameters than the reference's: {0}")]
    NotStandard(String),
}

impl TmkFileError {
    /// The stable code the API and the CLI answer with.
    pub fn code(&self) -> &'static str {
        match self {
            TmkFileError::NotTmk => "tmk_not_a_tmk_file",
            TmkFileError::UnknownAlgorithm(_) => "tmk_unknown_algorithm",
            TmkFileError::BadHeader(_) => "tmk_bad_header",
            TmkFileError::WrongLength { .. } => "tmk_wrong_length",
            TmkFileError::NotFinite(_) => "tmk_not_finite",
            TmkFileError::NotStandard(_) => "tmk_not_standard",
        }
    }
}

/// Two feature sets computed with different parameters cannot be compared (`areCompatible`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the two TMK files were computed with different parameters: {0}")]
pub struct Incompatible(pub String);

fn le_i32(b: &[u8], at: usize) -> i32 {
    i32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl TmkFeatures {
    pub fn frames_per_second(&self) -> i32 {
        self.frames_per_second
    }

    /// Frames hashed after resampling (informational, as in the reference).
    pub fn frame_count(&self) -> i32 {
        self.frame_count
    }

    pub fn periods(&self) -> &[i32] {
        &self.periods
    }

    pub fn coefficients(&self) -> &[f32] {
        &self.coefficients
    }

    /// The mean PDQF feature: all level 1 needs.
    pub fn pure_average(&self) -> &[f32] {
        &self.pure_average
    }

    /// The cosine feature of period `i` and coefficient `j`.
    pub fn cos(&self, i: usize, j: usize) -> &[f32] {
        let d = self.pure_average.len();
        let at = (i * self.coefficients.len() + j) * d;
        &self.cos[at..at + d]
    }

    /// The sine feature of period `i` and coefficient `j`.
    pub fn sin(&self, i: usize, j: usize) -> &[f32] {
        let d = self.pure_average.len();
        let at = (i * self.coefficients.len() + j) * d;
        &self.sin[at..at + d]
    }

    /// Reads a `.tmk` file: its header, then the periods, coefficients, pure average and the
    /// cosine and sine features, all little-endian. Stricter than the reference: the length must
    /// be exactly what the header declares, within bounds, and every float finite.
    pub fn from_bytes(bytes: &[u8]) -> Result<TmkFeatures, TmkFileError> {
        if bytes.len() < 8 || &bytes[0..4] != b"TMK1" || &bytes[4..8] != b"FVEC" {
            return Err(TmkFileError::NotTmk);
        }
        if bytes.len() < HEADER_BYTES {
            return Err(TmkFileError::WrongLength { got: bytes.len() as u64, want: HEADER_BYTES as u64 });
        }
        if &bytes[8..12] != b"PDQF" {
            return Err(TmkFileError::UnknownAlgorithm(String::from_utf8_lossy(&bytes[8..12]).into_owned()));
        }
        let frames_per_second = le_i32(bytes, 12);
        let dims = [le_i32(bytes, 16), le_i32(bytes, 20), le_i32(bytes, 24)];
        let frame_count = le_i32(bytes, 28);
        let [p, c, d] = dims.map(|v| usize::try_from(v).unwrap_or(usize::MAX));
        if p > MAX_PERIODS || c > MAX_COEFFICIENTS || d > MAX_DIMENSION || frames_per_second <= 0 || frame_count < 0 {
            return Err(TmkFileError::BadHeader(format!(
                "{} frames a second, {} frames, {} periods, {} coefficients, dimension {}",
                frames_per_second, frame_count, dims[0], dims[1], dims[2]
            )));
        }
        // Within the bounds above this cannot overflow.
        let want = (HEADER_BYTES + 4 * (p + c + d) + 8 * p * c * d) as u64;
        if want > MAX_FILE_BYTES || bytes.len() as u64 != want {
            return Err(TmkFileError::WrongLength { got: bytes.len() as u64, want });
        }
        let mut at = HEADER_BYTES;
        let periods: Vec<i32> = (0..p).map(|n| le_i32(bytes, at + 4 * n)).collect();
        if let Some(bad) = periods.iter().find(|t| !(1..=MAX_PERIOD).contains(*t)) {
            return Err(TmkFileError::BadHeader(format!("a period of {bad} frames")));
        }
        at += 4 * p;
        let mut floats = |n: usize| -> Result<Vec<f32>, TmkFileError> {
            let start = at;
            at += 4 * n;
            bytes[start..at]
                .chunks_exact(4)
                .enumerate()
                .map(|(k, b)| {
                    let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                    if v.is_finite() { Ok(v) } else { Err(TmkFileError::NotFinite(start + 4 * k)) }
                })
                .collect()
        };
        let coefficients = floats(c)?;
        let pure_average = floats(d)?;
        let cos = floats(p * c * d)?;
        let sin = floats(p * c * d)?;
        Ok(TmkFeatures { frames_per_second, frame_count, periods, coefficients, pure_average, cos, sin })
    }

    /// The `.tmk` file, byte for byte as the reference writes it.
    /// Reads a `.tmk` file of the reference's standard parameters only ([`FILE_BYTES`] long,
    /// checked before anything else is read): what banks hold, so that any two compare.
    pub fn from_standard_bytes(bytes: &[u8]) -> Result<TmkFeatures, TmkFileError> {
        if bytes.len() != FILE_BYTES {
            if bytes.len() < 8 || &bytes[0..4] != b"TMK1" || &bytes[4..8] != b"FVEC" {
                return Err(TmkFileError::NotTmk);
            }
            return Err(TmkFileError::WrongLength { got: bytes.len() as u64, want: FILE_BYTES as u64 });
        }
        let f = TmkFeatures::from_bytes(bytes)?;
        standard_parameters().compatible(&f).map_err(|e| TmkFileError::NotStandard(e.0))?;
        Ok(f)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            HEADER_BYTES
                + 4 * (self.periods.len() + self.coefficients.len() + self.pure_average.len())
                + 4 * (self.cos.len() + self.sin.len()),
        );
        out.extend_from_slice(b"TMK1FVECPDQF");
        for v in [
            self.frames_per_second,
            self.periods.len() as i32,
            self.coefficients.len() as i32,
            self.pure_average.len() as i32,
            self.frame_count,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for t in &self.periods {
            out.extend_from_slice(&t.to_le_bytes());
        }
        for v in self.coefficients.iter().chain(&self.pure_average).chain(&self.cos).chain(&self.sin) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// `areCompatible`: same frame rate, periods, coefficients (to a relative 1e-6) and dimension.
    pub fn compatible(&self, other: &TmkFeatures) -> Result<(), Incompatible> {
        if self.frames_per_second != other.frames_per_second {
            return Err(Incompatible(format!(
                "{} and {} frames a second",
                self.frames_per_second, other.frames_per_second
            )));
        }
        if self.periods != other.periods {
            return Err(Incompatible(format!("periods {:?} and {:?}", self.periods, other.periods)));
        }
        let same = self.coefficients.len() == other.coefficients.len()
            && self.coefficients.iter().zip(&other.coefficients).all(|(a, b)| {
                let m = a.abs().max(b.abs());
                m == 0.0 || ((a - b) / m).abs() <= 1e-6
            });
        if !same {
            return Err(Incompatible("different Fourier coefficients".into()));
        }
        if self.pure_average.len() != other.pure_average.len() {
            return Err(Incompatible(format!(
                "feature dimensions {} and {}",
                self.pure_average.len(),
                other.pure_average.len()
            )));
        }
        Ok(())
    }

    /// `coefficients[0] + 2 × Σ coefficients[1..]`: the most a level-2 value can be. Rounded to
    /// `f32` at each step, as the reference accumulates it.
    fn pair_score_normaliser(&self) -> f32 {
        let Some((first, rest)) = self.coefficients.split_first() else { return 1.0 };
        rest.iter().fold(*first, |s, c| (f64::from(s) + 2.0 * f64::from(*c)) as f32)
    }
}

/// The level-1 score: the cosine of the two pure averages (`computeCosSim`). When both are zero
/// (no frame), 0, as in the reference; when only one is, 0 too (the reference divides 0 by 0).
pub fn level1(a: &TmkFeatures, b: &TmkFeatures) -> Result<f32, Incompatible> {
    a.compatible(b)?;
    Ok(cosine(&a.pure_average, &b.pure_average))
}

/// The cosine of two vectors, as `computeCosSim` computes it.
pub fn cosine(u: &[f32], v: &[f32]) -> f32 {
    let (nu, nv) = (norm(u), norm(v));
    if nu == 0.0 || nv == 0.0 { 0.0 } else { dot(u, v) / (nu * nv) }
}

/// The best alignment of two videos modulo one period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Offset {
    pub period: i32,
    /// In resampled frames, from 0 to `period - 1`.
    pub offset: i32,
    /// The kernel's value there, not normalised (what `tmk-show-pair-offsets` prints).
    pub value: f32,
}

/// `findPairOffsetsModuloPeriods`: for each period, the offset where the time kernel of the two
/// videos' cosine/sine features is largest (the first such offset on a tie).
pub fn best_offsets(a: &TmkFeatures, b: &TmkFeatures) -> Result<Vec<Offset>, Incompatible> {
    a.compatible(b)?;
    let c = a.coefficients.len();
    if c == 0 {
        return Ok(a.periods.iter().map(|&period| Offset { period, offset: 0, value: 0.0 }).collect());
    }
    let mut out = Vec::with_capacity(a.periods.len());
    let mut terms = vec![(0f32, 0f32); c];
    for (i, &period) in a.periods.iter().enumerate() {
        for (j, term) in terms.iter_mut().enumerate().skip(1) {
            let cc = dot(a.cos(i, j), b.cos(i, j));
            let ss = dot(a.sin(i, j), b.sin(i, j));
            let sc = dot(a.sin(i, j), b.cos(i, j));
            let cs = dot(a.cos(i, j), b.sin(i, j));
            *term = (cc + ss, sc - cs);
        }
        let base = dot(a.cos(i, 0), b.cos(i, 0));
        let mut best = Offset { period, offset: 0, value: f32::NEG_INFINITY };
        for offset in 0..period {
            // The reference's delta: f64 arithmetic on f32 operands, rounded to f32; its sines in
            // f64, rounded to f32; then the f32 recurrence for cos(jδ) and sin(jδ).
            let delta = (2.0 * PI * f64::from(offset as f32) / f64::from(period as f32)) as f32;
            let beta = f64::from(delta).sin() as f32;
            let half = f64::from(delta / 2.0).sin() as f32;
            let alpha = 2.0 * half * half;
            let (mut cos_jd, mut sin_jd) = (1f32, 0f32);
            let mut k = base;
            for &(sum, diff) in &terms[1..] {
                let n_cos = alpha * cos_jd + beta * sin_jd;
                let n_sin = alpha * sin_jd - beta * cos_jd;
                cos_jd -= n_cos;
                sin_jd -= n_sin;
                k += cos_jd * sum;
                k += sin_jd * diff;
            }
            if offset == 0 || k > best.value {
                best.offset = offset;
                best.value = k;
            }
        }
        out.push(best);
    }
    Ok(out)
}

/// The level-2 score: the largest of the per-period best values, divided by the pair-score
/// normaliser (`computeLevel2Score`); 1 for a video against itself.
pub fn level2(a: &TmkFeatures, b: &TmkFeatures) -> Result<f32, Incompatible> {
    let offsets = best_offsets(a, b)?;
    let max = offsets.iter().map(|o| o.value).reduce(|m, v| if m < v { v } else { m }).unwrap_or(0.0);
    Ok(max / a.pair_score_normaliser())
}

/// The thresholds of a TMK comparison; a bank may override them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub level1: f32,
    pub level2: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { level1: LEVEL1_THRESHOLD, level2: LEVEL2_THRESHOLD }
    }
}

/// How two videos compare: level 1 always, level 2 only when level 1 reached its threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    pub level1: f32,
    pub level2: Option<f32>,
}

impl Score {
    /// Both levels at or above their thresholds.
    pub fn is_match(&self, t: &Thresholds) -> bool {
        self.level1 >= t.level1 && self.level2.is_some_and(|s| s >= t.level2)
    }
}

/// Compares two videos as `tmk-two-level-score` (and `tmk-query`) do.
pub fn compare(a: &TmkFeatures, b: &TmkFeatures, t: &Thresholds) -> Result<Score, Incompatible> {
    let level1 = level1(a, b)?;
    let level2 = if level1 >= t.level1 { Some(level2(a, b)?) } else { None };
    Ok(Score { level1, level2 })
}

pub mod index;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_support;
