//! vPDQ: Meta's video hash, one PDQ hash per selected frame, bit-exact with the `vpdq` package
//! (0.2.5) and read and written in python-threatexchange's signal format. Pure: the frames come in
//! as RGB pixels (`vigie-video` decodes them with FFmpeg, in a subprocess).
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
use std::fmt;

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

/// Why a signal string does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a vPDQ signal: {0}")]
pub struct SignalError(String);

/// A video's features in python-threatexchange's signal format: a JSON list of
/// `"hex,quality,timestamp"` strings, the timestamp with three significant digits as Python's
/// `format(t, ".3")` writes it.
pub fn to_signal(features: &[Feature]) -> String {
    let items: Vec<String> = features
        .iter()
        .map(|f| format!("\"{},{},{}\"", f.hash, f.quality, python_3_significant(f.timestamp)))
        .collect();
    format!("[{}]", items.join(", "))
}

/// Reads a signal string: each item's hash (64 hex digits), quality (0 to 100) and timestamp
/// (not negative). The frame numbers are not in the format: they are the items' positions.
pub fn parse_signal(signal: &str) -> Result<Vec<Feature>, SignalError> {
    if signal.trim().is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<String> = serde_json::from_str(signal).map_err(|_| SignalError("a JSON list of strings".into()))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let bad = || SignalError(format!("item {i} is not \"hex,quality,timestamp\""));
            let mut parts = item.split(',');
            let (Some(h), Some(q), Some(t), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
                return Err(bad());
            };
            let hash: PdqHash = h.parse().map_err(|_| SignalError(format!("item {i}: malformed PDQ hash")))?;
            let quality: u8 = q
                .parse()
                .ok()
                .filter(|q| *q <= 100)
                .ok_or_else(|| SignalError(format!("item {i}: the quality is an integer from 0 to 100")))?;
            let timestamp: f64 =
                t.parse().ok().filter(|t: &f64| t.is_finite() && *t >= 0.0).ok_or_else(|| {
                    SignalError(format!("item {i}: the timestamp is a number of seconds, not negative"))
                })?;
            Ok(Feature { hash, quality, frame: i as u64, timestamp })
        })
        .collect()
}

/// `format(x, ".3")` as Python writes a float: three significant digits, trailing zeros dropped
/// but one digit kept after the point, scientific from an exponent of 2 (p - 1) or below -4.
pub fn python_3_significant(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    // Correctly rounded to three significant digits, whatever the notation.
    let sci = format!("{x:.2e}");
    let (mantissa, exp) = sci.split_once('e').expect("scientific notation has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    if (-4..2).contains(&exp) {
        let digits = usize::try_from(2 - exp).expect("within -4..2");
        let fixed = format!("{x:.digits$}");
        let trimmed = if fixed.contains('.') { fixed.trim_end_matches('0') } else { &fixed };
        if trimmed.ends_with('.') { format!("{trimmed}0") } else { trimmed.to_owned() }
    } else {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
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

impl fmt::Display for Feature {
    /// One item of the signal format, without its quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{}", self.hash, self.quality, python_3_significant(self.timestamp))
    }
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

    #[test]
    fn timestamps_are_written_as_python_writes_them_with_three_digits() {
        for (x, want) in [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (0.5, "0.5"),
            (12.0, "12.0"),
            (12.34, "12.3"),
            (99.96, "1e+02"),
            (123.4, "1.23e+02"),
            (1000.0, "1e+03"),
            (0.001, "0.001"),
            (0.0001234, "0.000123"),
            (0.00001, "1e-05"),
            (f64::from(29f32 / 29.97f32), "0.968"),
        ] {
            assert_eq!(python_3_significant(x), want, "{x}");
        }
    }

    fn feature(hex_byte: u8, quality: u8, frame: u64) -> Feature {
        Feature { hash: PdqHash::from_bytes([hex_byte; 32]), quality, frame, timestamp: frame as f64 / 3.0 }
    }

    #[test]
    fn a_signal_round_trips_and_bad_items_are_named() {
        let features = vec![feature(0xab, 100, 0), feature(0x01, 49, 1), feature(0xff, 0, 2)];
        let s = to_signal(&features);
        assert!(s.starts_with("[\"abab"), "{s}");
        let back = parse_signal(&s).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!((back[1].hash, back[1].quality, back[1].frame), (features[1].hash, 49, 1));
        assert_eq!(back[2].timestamp, 0.667, "the string keeps three digits");
        assert_eq!(parse_signal("[]").unwrap(), vec![]);
        assert_eq!(parse_signal("").unwrap(), vec![]);
        for bad in ["{}", "[\"ab,1,0\"]", "[\"00,1\"]", &s.replace(",100,", ",101,"), &s.replace(",0.0\"", ",-1\"")] {
            assert!(parse_signal(bad).is_err(), "{bad}");
        }
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
