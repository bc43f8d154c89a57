//! Synthetic videos of TMK frame features, for the tests of this module and its index.

use super::*;

/// A small deterministic generator (xorshift), so the tests need no dependency.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(super) fn unit(&mut self) -> f32 {
        (self.next() % 2001) as f32 / 1000.0 - 1.0
    }
}

/// A synthetic "scene": a random feature vector.
fn scene(rng: &mut Rng) -> [f32; FEATURE_DIMENSION] {
    let mut f = [0f32; FEATURE_DIMENSION];
    for v in &mut f {
        *v = rng.unit() * 100.0;
    }
    f
}

/// A video of `scenes` held for `hold` frames each, with a little per-frame noise.
pub(super) fn video(seed: u64, scenes: usize, hold: usize) -> Vec<[f32; FEATURE_DIMENSION]> {
    let mut rng = Rng(seed);
    let mut frames = Vec::new();
    for _ in 0..scenes {
        let s = scene(&mut rng);
        for _ in 0..hold {
            let mut f = s;
            for v in &mut f {
                *v += rng.unit() * 5.0;
            }
            frames.push(f);
        }
    }
    frames
}

pub(super) fn features(frames: &[[f32; FEATURE_DIMENSION]]) -> TmkFeatures {
    let mut acc = Accumulator::new();
    for f in frames {
        acc.push_feature(f);
    }
    acc.finish()
}
