//! Banked videos: between the vPDQ signal a bank entry stores (`vigie_model::bank::vpdq`, the
//! exchange format) and the frames `vigie-hash` compares.

use vigie_hash::PdqHash;
use vigie_hash::vpdq::Feature;
use vigie_model::bank::vpdq::{self, Frame};

/// A video's hashed frames as a signal's frames.
pub fn frames_of(features: &[Feature]) -> Vec<Frame> {
    features.iter().map(|f| Frame { hash: f.hash.to_string(), quality: f.quality, timestamp: f.timestamp }).collect()
}

/// A signal's frames as `vigie-hash` compares them (their numbers are their positions); `None`
/// when a hash does not read.
pub fn features_of(frames: &[Frame]) -> Option<Vec<Feature>> {
    frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let hash: PdqHash = f.hash.parse().ok()?;
            Some(Feature { hash, quality: f.quality, frame: i as u64, timestamp: f.timestamp })
        })
        .collect()
}

/// The frames of a vPDQ signal, in either form.
pub fn features_of_value(signal: &str) -> Option<Vec<Feature>> {
    features_of(&vpdq::parse(signal).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_and_features_convert_both_ways() {
        let features: Vec<Feature> = (0..3u8)
            .map(|i| Feature {
                hash: PdqHash::from_bytes([i * 40; 32]),
                quality: 50 + i,
                frame: u64::from(i),
                timestamp: f64::from(i) / 3.0,
            })
            .collect();
        let stored = vpdq::canonical(&frames_of(&features));
        assert_eq!(features_of_value(&stored), Some(features), "full precision survives the store");
        assert_eq!(features_of_value("[\"zz,1,0\"]"), None);
    }
}
