//! TLSH, Trend Micro's locality-sensitive hash, in the form python-threatexchange's `text_tlsh`
//! signal uses (the `py-tlsh` binding of the reference library): 128 buckets, a 1-byte checksum,
//! written "T1" and 70 hexadecimal digits; and its distance (`tlsh.diff`, and `tlsh.diffxlen`
//! without the length term).
//!
//! The digest, as published (Oliver, Cheng and Chen, "TLSH – A Locality Sensitive Hash", 2013):
//!
//! - a window of 5 bytes slides over the input; at each position, six triplets of its bytes (the
//!   newest byte with two of the four before it) are each hashed with Pearson's 8-bit hash, salted
//!   differently, into one of 256 buckets, whose counts grow; the newest byte and the one before
//!   it update a running 1-byte Pearson checksum;
//! - only the first 128 buckets count: their quartiles q1 ≤ q2 ≤ q3 (the 32nd, 64th and 96th
//!   smallest counts) turn each bucket into 2 bits (0: ≤ q1, 1: ≤ q2, 2: ≤ q3, 3: above);
//! - the header holds the checksum, the input length on a logarithmic scale (one byte), and
//!   q1 and q2 as percentages of q3, modulo 16 (4 bits each);
//! - there is no digest for fewer than 50 bytes, when q3 is 0, or when half the buckets or more
//!   are empty (too little variety): py-tlsh then answers "TNULL" and python-threatexchange an
//!   empty hash.
//!
//! The distance adds the circular differences of the length byte (0, 1, else 12 a step) and of
//! the two ratios (0, 1, else 12 a step beyond the first), 1 if the checksums differ, and each
//! bucket's difference (1 or 2, and 6 for 0 against 3).
//!
//! The Pearson permutation and the length scale are tables of the published algorithm: the scale's
//! boundaries are the reference's (they were rounded from a logarithmic formula that no longer
//! reproduces them exactly), so they are data here too. `tests/reference.rs` checks every digest
//! and distance against py-tlsh, and `tests/vectors.rs` pins some of them.

use std::fmt;
use std::str::FromStr;

/// The fewest bytes that have a digest.
pub const MIN_LEN: usize = 50;

/// python-threatexchange's `text_tlsh` threshold: two texts match when their distance without
/// the length term (`diffxlen`) is at most this.
pub const TEXT_TLSH_THRESHOLD: u32 = 30;

const BUCKETS: usize = 128;
const CODE_BYTES: usize = BUCKETS / 4;

/// A TLSH digest (128 buckets, 1-byte checksum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tlsh {
    checksum: u8,
    length: u8,
    q1_ratio: u8,
    q2_ratio: u8,
    /// Bucket `4 * i + j`'s two bits are bits `2j..2j+2` of `code[i]`.
    code: [u8; CODE_BYTES],
}

/// Pearson's permutation of 0..=255 (Pearson, "Fast hashing of variable-length text strings",
/// CACM 33(6), 1990), as TLSH uses it.
const PEARSON: [u8; 256] = [
    1, 87, 49, 12, 176, 178, 102, 166, 121, 193, 6, 84, 249, 230, 44, 163, //
    14, 197, 213, 181, 161, 85, 218, 80, 64, 239, 24, 226, 236, 142, 38, 200, //
    110, 177, 104, 103, 141, 253, 255, 50, 77, 101, 81, 18, 45, 96, 31, 222, //
    25, 107, 190, 70, 86, 237, 240, 34, 72, 242, 20, 214, 244, 227, 149, 235, //
    97, 234, 57, 22, 60, 250, 82, 175, 208, 5, 127, 199, 111, 62, 135, 248, //
    174, 169, 211, 58, 66, 154, 106, 195, 245, 171, 17, 187, 182, 179, 0, 243, //
    132, 56, 148, 75, 128, 133, 158, 100, 130, 126, 91, 13, 153, 246, 216, 219, //
    119, 68, 223, 78, 83, 88, 201, 99, 122, 11, 92, 32, 136, 114, 52, 10, //
    138, 30, 48, 183, 156, 35, 61, 26, 143, 74, 251, 94, 129, 162, 63, 152, //
    170, 7, 115, 167, 241, 206, 3, 150, 55, 59, 151, 220, 90, 53, 23, 131, //
    125, 173, 15, 238, 79, 95, 89, 16, 105, 137, 225, 224, 217, 160, 37, 123, //
    118, 73, 2, 157, 46, 116, 9, 145, 134, 228, 207, 212, 202, 215, 69, 229, //
    27, 188, 67, 124, 168, 252, 42, 4, 29, 108, 21, 247, 19, 205, 39, 203, //
    233, 40, 186, 147, 198, 192, 155, 33, 164, 191, 98, 204, 165, 180, 117, 76, //
    140, 36, 210, 172, 41, 54, 159, 8, 185, 232, 113, 196, 231, 47, 146, 120, //
    51, 65, 28, 144, 254, 221, 93, 189, 194, 139, 112, 43, 71, 109, 184, 209, //
];

/// The length scale: a length `n` is coded as the first `i` with `n <= LENGTH_BOUNDS[i]`.
const LENGTH_BOUNDS: [u32; 170] = [
    1, 2, 3, 5, 7, 11, 17, 25, 38, 57, 86, 129, 194, 291, 437, 656, 854, 1110, 1443, 1876, 2439, 3171, 3475, 3823,
    4205, 4626, 5088, 5597, 6157, 6772, 7450, 8195, 9014, 9916, 10907, 11998, 13198, 14518, 15970, 17567, 19323, 21256,
    23382, 25720, 28292, 31121, 34233, 37656, 41422, 45564, 50121, 55133, 60646, 66711, 73382, 80721, 88793, 97672,
    107439, 118183, 130002, 143002, 157302, 173032, 190335, 209369, 230306, 253337, 278670, 306538, 337191, 370911,
    408002, 448802, 493682, 543050, 597356, 657091, 722800, 795081, 874589, 962048, 1058252, 1164078, 1280486, 1408534,
    1549388, 1704327, 1874759, 2062236, 2268459, 2495305, 2744836, 3019320, 3321252, 3653374, 4018711, 4420582,
    4862641, 5348905, 5883796, 6472176, 7119394, 7831333, 8614467, 9475909, 10423501, 11465851, 12612437, 13873681,
    15261050, 16787154, 18465870, 20312458, 22343706, 24578077, 27035886, 29739474, 32713425, 35984770, 39583245,
    43541573, 47895730, 52685306, 57953837, 63749221, 70124148, 77136564, 84850228, 93335252, 102668779, 112935659,
    124229227, 136652151, 150317384, 165349128, 181884040, 200072456, 220079703, 242087671, 266296456, 292926096,
    322218735, 354440623, 389884688, 428873168, 471760495, 518936559, 570830240, 627913311, 690704607, 759775136,
    835752671, 919327967, 1011260767, 1112386880, 1223623232, 1345985727, 1480584256, 1628642751, 1791507135,
    1970657856, 2167723648, 2384496256, 2622945920, 2885240448, 3173764736, 3491141248, 3840255616, 4224281216,
];

/// Three rounds of Pearson's hash over `(salt, a, b, c)`, with the salt's round folded into
/// `salted` (the permutation's value at the salt).
#[inline]
fn triplet(salted: u8, a: u8, b: u8, c: u8) -> u8 {
    PEARSON[(PEARSON[(PEARSON[(salted ^ a) as usize] ^ b) as usize] ^ c) as usize]
}

/// The permutation's values at the salts 0, 2, 3, 5, 7, 11 and 13.
const SALT_CHECKSUM: u8 = PEARSON[0];
const SALTS: [u8; 6] = [PEARSON[2], PEARSON[3], PEARSON[5], PEARSON[7], PEARSON[11], PEARSON[13]];

impl Tlsh {
    /// The digest of `data`, or `None` when it has none (under 50 bytes, too little variety,
    /// or over the length scale's last boundary, about 4.2 GB).
    pub fn of(data: &[u8]) -> Option<Tlsh> {
        if data.len() < MIN_LEN {
            return None;
        }
        let length = length_code(data.len())?;
        let mut counts = [0u32; 256];
        let mut checksum = 0u8;
        for w in data.windows(5) {
            // w[4] is the newest byte, w[0] the oldest.
            let (b0, b1, b2, b3, b4) = (w[4], w[3], w[2], w[1], w[0]);
            checksum = triplet(SALT_CHECKSUM, b0, b1, checksum);
            counts[triplet(SALTS[0], b0, b1, b2) as usize] += 1;
            counts[triplet(SALTS[1], b0, b1, b3) as usize] += 1;
            counts[triplet(SALTS[2], b0, b2, b3) as usize] += 1;
            counts[triplet(SALTS[3], b0, b2, b4) as usize] += 1;
            counts[triplet(SALTS[4], b0, b1, b4) as usize] += 1;
            counts[triplet(SALTS[5], b0, b3, b4) as usize] += 1;
        }
        let counts = &counts[..BUCKETS];
        let mut sorted = [0u32; BUCKETS];
        sorted.copy_from_slice(counts);
        sorted.sort_unstable();
        let (q1, q2, q3) = (sorted[BUCKETS / 4 - 1], sorted[BUCKETS / 2 - 1], sorted[BUCKETS - BUCKETS / 4 - 1]);
        if q3 == 0 {
            return None;
        }
        let non_empty = counts.iter().filter(|&&c| c > 0).count();
        if non_empty <= BUCKETS / 2 {
            return None;
        }
        let mut code = [0u8; CODE_BYTES];
        for (byte, four) in code.iter_mut().zip(counts.chunks_exact(4)) {
            for (j, &count) in four.iter().enumerate() {
                let level = if count > q3 {
                    3
                } else if count > q2 {
                    2
                } else {
                    u8::from(count > q1)
                };
                *byte |= level << (2 * j);
            }
        }
        let ratio = |q: u32| ((u64::from(q) * 100 / u64::from(q3)) % 16) as u8;
        Some(Tlsh { checksum, length, q1_ratio: ratio(q1), q2_ratio: ratio(q2), code })
    }

    /// `tlsh.diff` (`with_length`) or `tlsh.diffxlen`: 0 for identical digests, growing with the
    /// difference.
    pub fn distance(&self, other: &Tlsh, with_length: bool) -> u32 {
        let mut d = 0;
        if with_length {
            d += match circular_difference(self.length, other.length, 256) {
                0 => 0,
                1 => 1,
                n => n * 12,
            };
        }
        for (a, b) in [(self.q1_ratio, other.q1_ratio), (self.q2_ratio, other.q2_ratio)] {
            d += match circular_difference(a, b, 16) {
                n @ (0 | 1) => n,
                n => (n - 1) * 12,
            };
        }
        d += u32::from(self.checksum != other.checksum);
        for (&a, &b) in self.code.iter().zip(&other.code) {
            for j in 0..4 {
                let (x, y) = ((a >> (2 * j)) & 3, (b >> (2 * j)) & 3);
                d += match x.abs_diff(y) {
                    3 => 6,
                    n => u32::from(n),
                };
            }
        }
        d
    }
}

/// The length byte of `len` bytes: the first boundary of the scale at or above it (`None` past
/// the last).
pub fn length_code(len: usize) -> Option<u8> {
    let len = u32::try_from(len).ok()?;
    let i = LENGTH_BOUNDS.partition_point(|&bound| bound < len);
    u8::try_from(i).ok().filter(|_| i < LENGTH_BOUNDS.len())
}

fn circular_difference(a: u8, b: u8, range: u32) -> u32 {
    let d = u32::from(a.abs_diff(b));
    d.min(range - d)
}

/// A byte with its two hexadecimal digits swapped, as the digest's header is written.
fn swap_nibbles(b: u8) -> u8 {
    b.rotate_left(4)
}

impl fmt::Display for Tlsh {
    /// "T1", then the checksum, the length byte and the ratio byte (q1's ratio, then q2's), each
    /// with its digits swapped, then the code from its last byte to its first, in upper case.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("T1")?;
        let header = [swap_nibbles(self.checksum), swap_nibbles(self.length), (self.q1_ratio << 4) | self.q2_ratio];
        for b in header.iter().chain(self.code.iter().rev()) {
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// A string that is not a TLSH digest of this form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a TLSH digest (\"T1\" and 70 hexadecimal digits)")]
pub struct ParseTlshError;

impl FromStr for Tlsh {
    type Err = ParseTlshError;

    /// Reads "T1" and 70 hexadecimal digits, or the 70 digits alone (older digests), as py-tlsh
    /// does; digits in either case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("T1").unwrap_or(s);
        if digits.len() != 2 * (3 + CODE_BYTES) {
            return Err(ParseTlshError);
        }
        let mut bytes = [0u8; 3 + CODE_BYTES];
        hex::decode_to_slice(digits, &mut bytes).map_err(|_| ParseTlshError)?;
        let mut code = [0u8; CODE_BYTES];
        for (i, b) in bytes[3..].iter().rev().enumerate() {
            code[i] = *b;
        }
        Ok(Tlsh {
            checksum: swap_nibbles(bytes[0]),
            length: swap_nibbles(bytes[1]),
            q1_ratio: bytes[2] >> 4,
            q2_ratio: bytes[2] & 0x0f,
            code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pearson_table_is_a_permutation() {
        let mut seen = [false; 256];
        for &v in &PEARSON {
            assert!(!seen[v as usize]);
            seen[v as usize] = true;
        }
    }

    #[test]
    fn the_length_scale_grows() {
        assert!(LENGTH_BOUNDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(length_code(1), Some(0));
        assert_eq!(length_code(50), Some(9));
        assert_eq!(length_code(57), Some(9));
        assert_eq!(length_code(58), Some(10));
        assert_eq!(length_code(4_224_281_216), Some(169));
        assert_eq!(length_code(4_224_281_217), None);
    }

    #[test]
    fn short_or_uniform_input_has_no_digest() {
        assert_eq!(Tlsh::of(&[7u8; 49]), None);
        assert_eq!(Tlsh::of(&[b'a'; 5000]), None);
        let varied: Vec<u8> = (0..49u8).collect();
        assert_eq!(Tlsh::of(&varied), None);
    }

    #[test]
    fn a_digest_reads_back_from_its_string() {
        let data: Vec<u8> = (0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        let digest = Tlsh::of(&data).expect("varied input has a digest");
        let text = digest.to_string();
        assert_eq!(text.len(), 72);
        assert!(text.starts_with("T1"));
        assert_eq!(text.parse::<Tlsh>(), Ok(digest));
        assert_eq!(text[2..].parse::<Tlsh>(), Ok(digest));
        assert_eq!(text.to_lowercase()[2..].parse::<Tlsh>(), Ok(digest));
        assert_eq!(digest.distance(&digest, true), 0);
    }

    #[test]
    fn malformed_digests_are_refused() {
        for bad in ["", "T1", "TNULL", &"0".repeat(69), &"0".repeat(71), &format!("T1{}", "G".repeat(70))] {
            assert_eq!(bad.parse::<Tlsh>(), Err(ParseTlshError), "{bad:?}");
        }
    }

    #[test]
    fn distance_terms_follow_the_published_weights() {
        let base: Tlsh = format!("T1{}", "0".repeat(70)).parse().unwrap();
        let with = |f: &dyn Fn(&mut Tlsh)| {
            let mut t = base;
            f(&mut t);
            t
        };
        // Length: 1 step costs 1, 2 steps 24, and the scale is circular (255 is 1 step from 0).
        assert_eq!(base.distance(&with(&|t| t.length = 1), true), 1);
        assert_eq!(base.distance(&with(&|t| t.length = 2), true), 24);
        assert_eq!(base.distance(&with(&|t| t.length = 255), true), 1);
        assert_eq!(base.distance(&with(&|t| t.length = 2), false), 0);
        // Ratios: 1 step costs 1, 3 steps 24, circular modulo 16.
        assert_eq!(base.distance(&with(&|t| t.q1_ratio = 1), false), 1);
        assert_eq!(base.distance(&with(&|t| t.q2_ratio = 3), false), 24);
        assert_eq!(base.distance(&with(&|t| t.q2_ratio = 15), false), 1);
        // Checksum: 1.
        assert_eq!(base.distance(&with(&|t| t.checksum = 9), false), 1);
        // Buckets: 1, 2, and 6 for a difference of 3.
        assert_eq!(base.distance(&with(&|t| t.code[0] = 0b01), false), 1);
        assert_eq!(base.distance(&with(&|t| t.code[0] = 0b10), false), 2);
        assert_eq!(base.distance(&with(&|t| t.code[0] = 0b11), false), 6);
        assert_eq!(base.distance(&with(&|t| t.code[31] = 0xff), false), 24);
    }
}
