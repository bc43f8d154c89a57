//! PDQ: Meta's perceptual hash for images, bit-exact with the reference as python-threatexchange
//! (and so HMA) computes it.
//!
//! The pipeline: luma → two Jarosz box-filter passes → 64×64 samples → quality → the 16×16
//! low-frequency DCT → bits above the median. [`reference`] is a plain port that serves as the
//! oracle; [`fast`] computes the same bits with blocked, vectorised passes.

pub mod fast;
pub mod reference;

use std::fmt;
use std::str::FromStr;

/// Below this many rows or columns the reference gives an all-zero hash of quality 0.
pub const MIN_HASHABLE_DIM: usize = 5;

/// Hashes of quality below this are unreliable (python-threatexchange drops them).
pub const QUALITY_THRESHOLD: u8 = 50;

/// The 16×16 DCT coefficients a hash is thresholded from.
pub type Dct16 = [[f32; 16]; 16];

/// A 256-bit PDQ hash. Bit k (k = i·16 + j) is set when DCT cell (i, j) is above the median.
///
/// Invariant: stored big-endian, byte 0 holding bits 255..248, so the hex form is Meta's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PdqHash([u8; 32]);

impl PdqHash {
    pub const ZERO: PdqHash = PdqHash([0; 32]);

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    pub fn bit(&self, k: usize) -> bool {
        self.0[31 - k / 8] >> (k % 8) & 1 == 1
    }
    fn set_bit(&mut self, k: usize) {
        self.0[31 - k / 8] |= 1 << (k % 8);
    }
    /// Hamming distance: the number of differing bits.
    pub fn distance(&self, other: &PdqHash) -> u32 {
        self.0.iter().zip(other.0.iter()).map(|(a, b)| (a ^ b).count_ones()).sum()
    }
    /// Bits set where each DCT cell is strictly above the median (Torben's).
    pub fn from_dct(dct: &Dct16) -> Self {
        let flat: Vec<f32> = dct.iter().flatten().copied().collect();
        let median = reference::torben(&flat);
        let mut h = PdqHash::ZERO;
        for (k, v) in flat.iter().enumerate() {
            if *v > median {
                h.set_bit(k);
            }
        }
        h
    }
}

impl fmt::Display for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for PdqHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PdqHash({self})")
    }
}

/// Why a string is not a PDQ hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a PDQ hash is 64 hexadecimal digits")]
pub struct BadPdqHex;

impl FromStr for PdqHash {
    type Err = BadPdqHex;
    fn from_str(s: &str) -> Result<Self, BadPdqHex> {
        let s = s.trim();
        if s.len() != 64 {
            return Err(BadPdqHex);
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| BadPdqHex)?;
        Ok(PdqHash(out))
    }
}

/// A hash with its quality (0..=100).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pdq {
    pub hash: PdqHash,
    pub quality: u8,
}

impl Pdq {
    /// Below [`QUALITY_THRESHOLD`]: too little detail for a reliable match.
    pub fn is_reliable(&self) -> bool {
        self.quality >= QUALITY_THRESHOLD
    }
}

/// The eight dihedral variants, in the reference's order.
pub const DIHEDRAL_NAMES: [&str; 8] =
    ["original", "rotate90", "rotate180", "rotate270", "flip_x", "flip_y", "flip_plus1", "flip_minus1"];

/// The hashes of the image's eight rotations and flips, derived from its one DCT (as the
/// reference does; they can differ by a few bits from hashing a rotated image).
pub fn dihedral(dct: &Dct16) -> [PdqHash; 8] {
    let odd = |x: usize| x & 1 == 1;
    let make = |f: &dyn Fn(usize, usize, f32) -> (usize, usize, f32)| {
        let mut b = [[0f32; 16]; 16];
        for (i, row) in dct.iter().enumerate() {
            for (j, &a) in row.iter().enumerate() {
                let (bi, bj, v) = f(i, j, a);
                b[bi][bj] = v;
            }
        }
        PdqHash::from_dct(&b)
    };
    [
        PdqHash::from_dct(dct),
        make(&|i, j, a| (j, i, if odd(j) { a } else { -a })),
        make(&|i, j, a| (i, j, if odd(i + j) { -a } else { a })),
        make(&|i, j, a| (j, i, if odd(i) { a } else { -a })),
        make(&|i, j, a| (i, j, if odd(i) { a } else { -a })),
        make(&|i, j, a| (i, j, if odd(j) { a } else { -a })),
        make(&|i, j, a| (j, i, a)),
        make(&|i, j, a| (j, i, if odd(i + j) { -a } else { a })),
    ]
}

/// PDQ of a luma image (`rows × cols`, row-major), by the fast path.
pub fn pdq_from_luma(luma: Vec<f32>, rows: usize, cols: usize) -> (Pdq, Option<Dct16>) {
    match fast::pdq_float(luma, rows, cols) {
        Some((dct, quality)) => (Pdq { hash: PdqHash::from_dct(&dct), quality }, Some(dct)),
        None => (Pdq { hash: PdqHash::ZERO, quality: 0 }, None),
    }
}

#[cfg(test)]
mod tests;
