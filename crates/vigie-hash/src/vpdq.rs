//! vPDQ: Meta's video hash, one PDQ hash per selected frame, bit-exact with the `vpdq` package
//! (0.2.5). Pure: the frames come in as RGB pixels (`vigie-video` decodes them with FFmpeg, in a
//! subprocess). The signal string python-threatexchange exchanges is `vigie-model`'s
//! (`bank::vpdq`), which keeps formats apart from hashing.
//!
//! The rules that make a frame's hash the reference's, from `vpdq`'s FFmpeg wrapper:
//! - frames are chosen by their index in decoding order, `n % step == 0`, where `step` is
//!   `seconds_per_hash × frame rate` *truncated* to an integer (at least 1; 0 seconds hashes every
//!   frame) and the frame rate is the stream's average rate, or its real base rate when the
//!   average is unknown ([`frame_step`]);
//! - a frame's timestamp is `n / frame rate` computed in `f32`, not its presentation time
//!   ([`timestamp`]);
//! - the frame is converted to RGB24 at its stream's size and its luma computed in `f32` with
//!   `f32` coefficients (`fillFloatLumaFromRGB`), then hashed as PDQ from float luma
//!   ([`frame_hash`]).
//!
//! Matching follows python-threatexchange's `VPDQSignal.compare_hash` (1.2.17: [`compare`]).

use std::collections::HashSet;

use crate::pdq::fast::{Bypass, pdq_float_rows};
use crate::pdq::{Pdq, PdqHash};

/// python-threatexchange's defaults for comparing two videos.
pub const QUALITY_THRESHOLD: u8 = 50;
pub const DISTANCE_THRESHOLD: u32 = 31;
pub const QUERY_MATCH_PERCENT: f64 = 80.0;
pub const COMPARED_MATCH_PERCENT: f64 = 0.0;

/// One hashed frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feature {
    pub hash: PdqHash,
    pub quality: u8,
    /// The frame's index in decoding order.
    pub frame: u64,
    /// Seconds from the start, as the reference computes it (`frame / frame rate`, in `f32`),
    /// kept at full precision; only the signal string rounds it.
    pub timestamp: f64,
}

/// Which frames are hashed: every `step`-th in decoding order.
pub fn frame_step(seconds_per_hash: f64, frame_rate: f64) -> u64 {
    // The reference casts the product to `int`: truncation toward zero.
    let step = (seconds_per_hash * frame_rate) as i64;
    u64::try_from(step).ok().filter(|s| *s > 0).unwrap_or(1)
}

/// A frame's timestamp as the reference computes it: both operands as `f32`.
pub fn timestamp(frame: u64, frame_rate: f64) -> f64 {
    f64::from(frame as f32 / frame_rate as f32)
}

/// The `f32` luma of one RGB24 pixel as `fillFloatLumaFromRGB` computes it: `f32` coefficients,
/// `f32` products and sums, left to right (Rust never fuses them).
#[inline(always)]
fn rgb_luma_f32(r: u8, g: u8, b: u8) -> f32 {
    const R: f32 = 0.299;
    const G: f32 = 0.587;
    const B: f32 = 0.114;
    R * f32::from(r) + G * f32::from(g) + B * f32::from(b)
}

/// The PDQ hash of one RGB24 frame (`width × height`, rows packed), or `None` below 5 pixels a
/// side, which the reference refuses too.
pub fn frame_hash(rgb: &[u8], width: usize, height: usize) -> Option<Pdq> {
    assert_eq!(rgb.len(), width * height * 3, "an RGB24 frame holds width × height × 3 bytes");
    let (dct, quality) = pdq_float_rows(height, width, Bypass::At64, |first: usize, out: &mut [f32]| {
        let start = first * width * 3;
        for (v, px) in out.iter_mut().zip(rgb[start..].chunks_exact(3)) {
            *v = rgb_luma_f32(px[0], px[1], px[2]);
        }
    })?;
    Some(Pdq { hash: PdqHash::from_dct(&dct), quality })
}

/// [`frame_hash`] of a frame that arrives band by band (from a pipe): `rgb_rows(first, band)`
/// fills `band` with the RGB24 bytes of rows `first..first + band.len() / (3 × width)`, called for
/// consecutive bands from row 0 to the last, each once. The frame is never held whole: each band
/// is turned into luma while it is still in the cache. `None` below 5 pixels a side, and then
/// `rgb_rows` is never called. The same hash as [`frame_hash`], to the bit.
pub fn frame_hash_by_bands(width: usize, height: usize, mut rgb_rows: impl FnMut(usize, &mut [u8])) -> Option<Pdq> {
    let mut band = Vec::new();
    let (dct, quality) = pdq_float_rows(height, width, Bypass::At64, |first: usize, out: &mut [f32]| {
        band.resize(out.len() * 3, 0);
        rgb_rows(first, &mut band);
        for (v, px) in out.iter_mut().zip(band.chunks_exact(3)) {
            *v = rgb_luma_f32(px[0], px[1], px[2]);
        }
    })?;
    Some(Pdq { hash: PdqHash::from_dct(&dct), quality })
}

/// How two videos compare: the share of each one's distinct good frames that some good frame of
/// the other is near.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Comparison {
    pub query_match_percent: f64,
    pub compared_match_percent: f64,
}

/// The thresholds of a comparison (python-threatexchange's defaults, which a bank may override).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Thresholds {
    pub quality: u8,
    pub distance: u32,
    pub query_match_percent: f64,
    pub compared_match_percent: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            quality: QUALITY_THRESHOLD,
            distance: DISTANCE_THRESHOLD,
            query_match_percent: QUERY_MATCH_PERCENT,
            compared_match_percent: COMPARED_MATCH_PERCENT,
        }
    }
}

impl Comparison {
    /// Whether the two videos match under `t`.
    pub fn is_match(&self, t: &Thresholds) -> bool {
        self.query_match_percent >= t.query_match_percent && self.compared_match_percent >= t.compared_match_percent
    }
}

/// The frames a comparison uses, as python-threatexchange 1.2.17 chooses them: the first frame of
/// each distinct hash, then only those of quality at least `quality` (in that order: a hash whose
/// first frame is poor is left out even if a later frame with it is good).
pub fn prepared(features: &[Feature], quality: u8) -> Vec<PdqHash> {
    let mut seen = HashSet::new();
    features.iter().filter(|f| seen.insert(f.hash)).filter(|f| f.quality >= quality).map(|f| f.hash).collect()
}

/// The brute-force comparison, frame against frame: the rule every faster path must agree with.
/// Where python-threatexchange divides by zero (no frame left on a side), the share is 0 %.
pub fn compare(query: &[Feature], compared: &[Feature], t: &Thresholds) -> Comparison {
    let q = prepared(query, t.quality);
    let c = prepared(compared, t.quality);
    let mut q_hit = vec![false; q.len()];
    let mut c_hit = vec![false; c.len()];
    for (i, a) in q.iter().enumerate() {
        for (j, b) in c.iter().enumerate() {
            if a.distance(b) <= t.distance {
                q_hit[i] = true;
                c_hit[j] = true;
            }
        }
    }
    Comparison { query_match_percent: percent(&q_hit), compared_match_percent: percent(&c_hit) }
}

fn percent(hits: &[bool]) -> f64 {
    if hits.is_empty() {
        return 0.0;
    }
    hits.iter().filter(|h| **h).count() as f64 * 100.0 / hits.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_truncates_the_product_and_is_never_zero() {
        assert_eq!(frame_step(1.0, 29.97), 29, "truncated, not rounded");
        assert_eq!(frame_step(1.0, 30.0), 30);
        assert_eq!(frame_step(0.0, 25.0), 1, "0 seconds: every frame");
        assert_eq!(frame_step(1.0, 0.5), 1, "below one frame per second");
        assert_eq!(frame_step(2.5, 24.0), 60);
    }

    #[test]
    fn timestamps_are_computed_in_f32() {
        assert_eq!(timestamp(0, 30.0), 0.0);
        assert_eq!(timestamp(29, 29.97), f64::from(29f32 / 29.97f32));
        assert_ne!(timestamp(29, 29.97), 29.0 / 29.97, "f32, not f64");
    }

    /// Frames given band by band hash as whole frames do, at sizes that take the 64×64 bypass,
    /// the box filters with a last band shorter than the others, and none at all; every row is
    /// asked for once, in order.
    #[test]
    fn bands_hash_as_the_whole_frame_does() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for (w, h) in [(64, 64), (97, 61), (320, 240), (5, 5), (4, 9), (33, 1000)] {
            let rgb: Vec<u8> = (0..w * h * 3)
                .map(|i| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    ((seed >> 24) as u8) / 2 + ((i / 3 % w) * 255 / w) as u8 / 2
                })
                .collect();
            let mut next = 0;
            let banded = frame_hash_by_bands(w, h, |first, band| {
                assert_eq!(first, next, "{w}x{h}: bands in order");
                assert_eq!(band.len() % (w * 3), 0);
                band.copy_from_slice(&rgb[first * w * 3..first * w * 3 + band.len()]);
                next += band.len() / (w * 3);
            });
            assert_eq!(banded, frame_hash(&rgb, w, h), "{w}x{h}");
            assert_eq!(next, if banded.is_some() { h } else { 0 }, "{w}x{h}: every row once, or none");
        }
    }

    fn feature(hex_byte: u8, quality: u8, frame: u64) -> Feature {
        Feature { hash: PdqHash::from_bytes([hex_byte; 32]), quality, frame, timestamp: frame as f64 / 3.0 }
    }

    #[test]
    fn comparison_dedupes_drops_poor_frames_and_counts_each_side() {
        let t = Thresholds::default();
        // Query: two distinct good frames (one repeated) and a poor one; compared: one near the
        // first query frame and one far from everything.
        let q = [feature(0x00, 90, 0), feature(0x00, 90, 1), feature(0xf0, 90, 2), feature(0x0f, 10, 3)];
        let mut near = PdqHash::from_bytes([0; 32]).as_bytes().to_owned();
        near[0] = 0b0000_0111; // 3 bits away
        let c =
            [Feature { hash: PdqHash::from_bytes(near), quality: 80, frame: 0, timestamp: 0.0 }, feature(0x55, 80, 1)];
        let r = compare(&q, &c, &t);
        assert_eq!(r, Comparison { query_match_percent: 50.0, compared_match_percent: 50.0 });
        assert!(!r.is_match(&t), "50 % of the query is below 80 %");
        // Deduplication comes first: a hash whose first frame is poor does not count, even when a
        // later frame with the same hash is good.
        let poor_first = [feature(0x00, 10, 0), feature(0x00, 90, 1), feature(0xf0, 90, 2)];
        assert_eq!(prepared(&poor_first, t.quality), vec![PdqHash::from_bytes([0xf0; 32])]);
        let all = compare(&q[..2], &c[..1], &t);
        assert!(all.is_match(&t));
        assert_eq!(compare(&[], &c, &t).query_match_percent, 0.0);
    }
}
