//! PDQ, written for clarity: the oracle the fast path is tested against.
//!
//! Every floating-point operation happens in the same order and precision as in Meta's C++
//! reference (`pdqhashing.cpp`, `downscaling.cpp`, `torben.cpp`), which is what makes the hash
//! bit-exact: `f32` throughout, running sums added then subtracted one value at a time, and no
//! fused multiply-adds (Rust never contracts `a * b + c`).

// Index loops mirror the reference's, so the two can be read side by side.
#![allow(clippy::needless_range_loop)]

use super::{Dct16, MIN_HASHABLE_DIM};

/// The Jarosz window for one dimension: half of `old / 64`, rounded up.
pub(crate) fn window_size(old: usize) -> usize {
    old.div_ceil(2 * 64)
}

/// One box-filter pass along a vector of `len` values spaced `stride` apart, with shrinking
/// windows at both ends.
fn box_1d(input: &[f32], output: &mut [f32], len: usize, stride: usize, window: usize) {
    let half = (window + 2) / 2;
    let phase1 = half - 1;
    let phase2 = window - half + 1;
    let phase3 = len - window;
    let phase4 = half - 1;
    let (mut li, mut ri, mut oi) = (0, 0, 0);
    let mut sum = 0.0f32;
    let mut count = 0u32;
    for _ in 0..phase1 {
        sum += input[ri];
        count += 1;
        ri += stride;
    }
    for _ in 0..phase2 {
        sum += input[ri];
        count += 1;
        output[oi] = sum / count as f32;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase3 {
        sum += input[ri];
        sum -= input[li];
        output[oi] = sum / count as f32;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase4 {
        sum -= input[li];
        count -= 1;
        output[oi] = sum / count as f32;
        li += stride;
        oi += stride;
    }
}

/// The two Jarosz passes (rows then columns, twice), then sampling at 64×64 centres.
fn downsample(luma: &[f32], rows: usize, cols: usize) -> Box<[[f32; 64]; 64]> {
    let mut out = Box::new([[0f32; 64]; 64]);
    if rows == 64 && cols == 64 {
        for i in 0..64 {
            out[i].copy_from_slice(&luma[i * 64..(i + 1) * 64]);
        }
        return out;
    }
    let along_rows = window_size(cols);
    let along_cols = window_size(rows);
    let mut a = luma.to_vec();
    let mut b = vec![0f32; rows * cols];
    for _ in 0..2 {
        for i in 0..rows {
            box_1d(&a[i * cols..], &mut b[i * cols..], cols, 1, along_rows);
        }
        for j in 0..cols {
            box_1d(&b[j..], &mut a[j..], rows, cols, along_cols);
        }
    }
    for (oi, row) in out.iter_mut().enumerate() {
        let ii = sample_index(oi, rows);
        for (oj, v) in row.iter_mut().enumerate() {
            *v = a[ii * cols + sample_index(oj, cols)];
        }
    }
    out
}

/// The input index sampled for output `o` of 64: the centre of its cell, computed in `f64`.
pub(crate) fn sample_index(o: usize, n: usize) -> usize {
    (((o as f64 + 0.5) * n as f64) / 64.0) as usize
}

/// Meta's quality: the sum of significant gradients, scaled to 0..=100.
pub(crate) fn quality(buf: &[[f32; 64]; 64]) -> u8 {
    let mut sum: i32 = 0;
    for i in 0..63 {
        for j in 0..64 {
            let d = ((buf[i][j] - buf[i + 1][j]) * 100.0 / 255.0) as i32;
            sum += d.abs();
        }
    }
    for row in buf.iter() {
        for j in 0..63 {
            let d = ((row[j] - row[j + 1]) * 100.0 / 255.0) as i32;
            sum += d.abs();
        }
    }
    (sum / 90).min(100) as u8
}

/// Rows 1..=16 of the 64-point DCT-II basis, as the reference computes them: a `f32` scale
/// times a `f64` cosine, rounded to `f32`.
pub(crate) fn dct_matrix() -> Box<[[f32; 64]; 16]> {
    let scale = (2.0f64 / 64.0).sqrt() as f32;
    let mut d = Box::new([[0f32; 64]; 16]);
    for (i, row) in d.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            let angle = (std::f64::consts::PI / 2.0 / 64.0) * (i as f64 + 1.0) * (2.0 * j as f64 + 1.0);
            *v = (f64::from(scale) * angle.cos()) as f32;
        }
    }
    d
}

/// `D · A · Dᵀ`, summing over k in order, in `f32`.
pub(crate) fn dct(a: &[[f32; 64]; 64], d: &[[f32; 64]; 16]) -> Dct16 {
    let mut t = [[0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += d[i][k] * a[k][j];
            }
            t[i][j] = sum;
        }
    }
    let mut b = [[0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut sum = 0f32;
            for k in 0..64 {
                sum += t[i][k] * d[j][k];
            }
            b[i][j] = sum;
        }
    }
    b
}

/// Torben's median, exactly as the reference picks it (including its tie rules).
pub(crate) fn torben(m: &[f32]) -> f32 {
    let n = m.len() as i32;
    let (mut min, mut max) = (m[0], m[0]);
    for &v in &m[1..] {
        if v < min {
            min = v;
        }
        if v > max {
            max = v;
        }
    }
    let (mut guess, mut less, mut equal, mut maxlt, mut mingt);
    loop {
        guess = (min + max) / 2.0;
        less = 0;
        let mut greater = 0;
        equal = 0;
        maxlt = min;
        mingt = max;
        for &v in m {
            if v < guess {
                less += 1;
                if v > maxlt {
                    maxlt = v;
                }
            } else if v > guess {
                greater += 1;
                if v < mingt {
                    mingt = v;
                }
            } else {
                equal += 1;
            }
        }
        if less <= (n + 1) / 2 && greater <= (n + 1) / 2 {
            break;
        } else if less > greater {
            max = maxlt;
        } else {
            min = mingt;
        }
    }
    if less >= (n + 1) / 2 {
        maxlt
    } else if less + equal >= (n + 1) / 2 {
        guess
    } else {
        mingt
    }
}

/// The DCT and quality of a luma image (`rows × cols`, row-major), or `None` below 5 pixels.
pub fn pdq_float(luma: &[f32], rows: usize, cols: usize) -> Option<(Dct16, u8)> {
    if rows < MIN_HASHABLE_DIM || cols < MIN_HASHABLE_DIM {
        return None;
    }
    let small = downsample(luma, rows, cols);
    let q = quality(&small);
    Some((dct(&small, &dct_matrix()), q))
}
