//! Exact radius search over 256-bit codes (PDQ hashes): "which entries are within Hamming
//! distance r of this code", all of them, in (distance, entry) order.
//!
//! - [`BruteForce`]: the obvious loop; the oracle every other index is tested against.
//! - [`Flat`]: the same scan, laid out for the CPU: the first 128 bits of every code in one array
//!   and the last 128 in another, so most codes are rejected after half the work (a code's
//!   distance on half its bits is a lower bound on its full distance).
//! - [`Mih`]: multi-index hashing (Norouzi, Punjani and Fleet): the code split into `m`
//!   substrings, one table each; by pigeonhole a code within r has a substring within `r / m`, so
//!   probing those buckets finds every match, and only the candidates are verified. Each table
//!   keeps its entries in compressed sparse rows (one `u32` per entry, holding the substring's
//!   low bits beside the entry number) with a tail for recent additions; see `mih.rs`.
//! - [`Exact`]: MD5 and SHA-256 digests, by value.
//!
//! All are incremental: [`Index::add`] makes an entry matchable at once, [`Index::set_enabled`]
//! hides or shows it without a rebuild; `Mih` also takes many codes at once through [`Extend`].
//! [`Mih::write_snapshot`] and [`Mih::read_snapshot`] save and restore a whole index through any
//! writer and reader. No files, threads or clock of its own.

mod exact;
mod flat;
mod mih;
mod snapshot;

pub use exact::Exact;
pub use flat::Flat;
pub use mih::Mih;
pub use snapshot::SnapshotError;

/// A 256-bit code, as four words: word 0 holds bits 255..192 (the first 16 hex digits).
pub type Code = [u64; 4];

/// The code of a big-endian 32-byte hash (PDQ's byte order).
pub fn code_from_bytes(bytes: &[u8; 32]) -> Code {
    std::array::from_fn(|w| u64::from_be_bytes(bytes[w * 8..w * 8 + 8].try_into().expect("8 bytes")))
}

/// The number of differing bits.
#[inline]
pub fn distance(a: &Code, b: &Code) -> u32 {
    (a[0] ^ b[0]).count_ones() + (a[1] ^ b[1]).count_ones() + (a[2] ^ b[2]).count_ones() + (a[3] ^ b[3]).count_ones()
}

/// One entry within the radius.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Match {
    /// Invariant: sorted by (distance, entry) in every result.
    pub distance: u32,
    /// The entry's position, in the order entries were added (from 0).
    pub entry: u32,
}

/// What every index does.
pub trait Index {
    /// Adds a code; it is matchable as soon as this returns. Returns its entry number.
    fn add(&mut self, code: Code) -> u32;
    /// Hides (`false`) or shows an entry again; out-of-range entries are ignored.
    fn set_enabled(&mut self, entry: u32, enabled: bool);
    /// Every enabled entry within `radius` of `query`, sorted by (distance, entry).
    fn query(&self, query: &Code, radius: u32) -> Vec<Match>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The oracle: compares the query with every code.
#[derive(Clone, Debug, Default)]
pub struct BruteForce {
    codes: Vec<Code>,
    enabled: Vec<bool>,
}

impl Index for BruteForce {
    fn add(&mut self, code: Code) -> u32 {
        self.codes.push(code);
        self.enabled.push(true);
        (self.codes.len() - 1) as u32
    }
    fn set_enabled(&mut self, entry: u32, enabled: bool) {
        if let Some(e) = self.enabled.get_mut(entry as usize) {
            *e = enabled;
        }
    }
    fn query(&self, query: &Code, radius: u32) -> Vec<Match> {
        let mut out: Vec<Match> = self
            .codes
            .iter()
            .enumerate()
            .filter(|(i, _)| self.enabled[*i])
            .map(|(i, c)| Match { distance: distance(query, c), entry: i as u32 })
            .filter(|m| m.distance <= radius)
            .collect();
        out.sort();
        out
    }
    fn len(&self) -> usize {
        self.codes.len()
    }
}

#[cfg(test)]
mod tests;
