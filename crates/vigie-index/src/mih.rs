//! Multi-index hashing: exact radius search that probes buckets instead of scanning everything.

use crate::{Code, Flat, Index, Match};

/// The end of a bucket's chain.
const NONE: u32 = u32::MAX;

/// One table: for each substring value, a chain of the entries that have it, kept as two flat
/// arrays (no allocation per bucket, O(1) insertion).
#[derive(Clone, Debug)]
pub(crate) struct Table {
    /// `head[v]`: the latest entry whose substring is `v`, or `NONE`. Length `2^bits`.
    pub(crate) head: Vec<u32>,
    /// `next[e]`: the entry added before `e` with the same substring, or `NONE`.
    pub(crate) next: Vec<u32>,
}

/// `m` tables, one per substring of the code; the codes themselves live in a [`Flat`] for
/// verification (and for the scan that replaces probing when the radius is too large for it).
#[derive(Clone, Debug)]
pub struct Mih {
    /// (first bit, number of bits) of each substring; bit 0 is the most significant bit of word 0.
    /// Invariant: they tile the 256 bits, each 1..=24 bits long.
    pub(crate) substrings: Vec<(u32, u32)>,
    pub(crate) tables: Vec<Table>,
    pub(crate) codes: Flat,
}

/// Bits `start..start + len` of a code (len ≤ 32), as an integer.
#[inline]
fn substring(code: &Code, start: u32, len: u32) -> u32 {
    let (w, off) = ((start / 64) as usize, start % 64);
    // Take 128 bits starting at word `w` so that any run of ≤ 32 bits is inside.
    let hi = u128::from(code[w]) << 64 | u128::from(code.get(w + 1).copied().unwrap_or(0));
    ((hi << off) >> (128 - len)) as u32
}

fn binomial(n: u64, k: u64) -> u64 {
    (0..k).fold(1u64, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

impl Mih {
    /// An index with `m` substrings (11 to 64, so each has at most 24 bits and its directory at
    /// most 16 M slots). Around `256 / log2(n)` suits a bank of n codes.
    pub fn new(m: u32) -> Self {
        let m = m.clamp(11, 64);
        let (base, extra) = (256 / m, 256 % m);
        let mut substrings = Vec::with_capacity(m as usize);
        let mut start = 0;
        for i in 0..m {
            let len = base + u32::from(i < extra);
            substrings.push((start, len));
            start += len;
        }
        let tables =
            substrings.iter().map(|&(_, len)| Table { head: vec![NONE; 1 << len], next: Vec::new() }).collect();
        Self { tables, substrings, codes: Flat::new() }
    }

    /// The substring count suited to a bank of about `n` codes.
    pub fn for_size(n: usize) -> Self {
        let bits = (n.max(2) as f64).log2().round() as u32;
        Self::new((256 / bits.max(1)).clamp(11, 64))
    }

    /// The bit flips to probe in table `i` for `radius`, or `None` to skip the table.
    ///
    /// Pigeonhole, refined (Norouzi et al.): with `radius = m·r + a` (`a < m`), a code within
    /// `radius` differs by at most `r` bits on one of the first `a + 1` substrings, or by at most
    /// `r - 1` on one of the others, since otherwise it would differ by at least
    /// `(a + 1)(r + 1) + (m - a - 1)·r = radius + 1` bits in all.
    fn flips(&self, i: usize, radius: u32) -> Option<u32> {
        let m = self.substrings.len() as u32;
        let (r, a) = (radius / m, radius % m);
        let flips = if (i as u32) <= a { Some(r) } else { r.checked_sub(1) };
        flips.map(|f| f.min(self.substrings[i].1))
    }

    /// How many buckets a query at `radius` probes; above the bank's size a scan is cheaper.
    fn probes(&self, radius: u32) -> u64 {
        (0..self.substrings.len())
            .filter_map(|i| {
                let flips = self.flips(i, radius)?;
                let len = u64::from(self.substrings[i].1);
                Some((0..=u64::from(flips)).map(|k| binomial(len, k)).sum::<u64>())
            })
            .sum()
    }

    /// Calls `f` with every value within `flips` bit flips of `value` (a `len`-bit integer).
    fn neighbours(value: u32, len: u32, flips: u32, from: u32, f: &mut impl FnMut(u32)) {
        f(value);
        if flips == 0 {
            return;
        }
        for bit in from..len {
            Self::neighbours(value ^ (1 << bit), len, flips - 1, bit + 1, f);
        }
    }
}

impl Index for Mih {
    fn add(&mut self, code: Code) -> u32 {
        let entry = self.codes.add(code);
        for (table, &(start, len)) in self.tables.iter_mut().zip(&self.substrings) {
            let v = substring(&code, start, len) as usize;
            table.next.push(table.head[v]);
            table.head[v] = entry;
        }
        entry
    }

    fn set_enabled(&mut self, entry: u32, enabled: bool) {
        self.codes.set_enabled(entry, enabled);
    }

    fn query(&self, query: &Code, radius: u32) -> Vec<Match> {
        // Probing every bucket within radius / m costs more than a scan past some radius.
        if self.probes(radius) >= self.codes.len() as u64 {
            return self.codes.query(query, radius);
        }
        let mut candidates = Vec::new();
        let mut heads = Vec::new();
        for (i, (table, &(start, len))) in self.tables.iter().zip(&self.substrings).enumerate() {
            let Some(flips) = self.flips(i, radius) else { continue };
            let q = substring(query, start, len);
            // First every bucket's head, with no branch between the loads, so the memory system
            // fetches many of these (mostly uncached) slots at once; then the chains.
            heads.clear();
            Self::neighbours(q, len, flips, 0, &mut |v| heads.push(table.head[v as usize]));
            for &h in &heads {
                let mut e = h;
                while e != NONE {
                    candidates.push(e);
                    e = table.next[e as usize];
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut out: Vec<Match> = candidates
            .into_iter()
            .filter(|&e| self.codes.is_enabled(e))
            .filter_map(|e| {
                let d = crate::distance(query, &self.codes.code(e)?);
                (d <= radius).then_some(Match { distance: d, entry: e })
            })
            .collect();
        out.sort();
        out
    }

    fn len(&self) -> usize {
        self.codes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substrings_read_the_right_bits_across_word_boundaries() {
        let code: Code = [0x8000_0000_0000_0001, 0xffff_0000_0000_0000, 0, 1];
        assert_eq!(substring(&code, 0, 1), 1);
        assert_eq!(substring(&code, 63, 1), 1);
        assert_eq!(substring(&code, 62, 4), 0b0111);
        assert_eq!(substring(&code, 64, 16), 0xffff);
        assert_eq!(substring(&code, 255, 1), 1);
        assert_eq!(substring(&code, 224, 32), 1);
    }

    #[test]
    fn substrings_tile_all_256_bits() {
        for m in [11, 12, 16, 23, 32, 64] {
            let idx = Mih::new(m);
            assert_eq!(idx.substrings.iter().map(|s| s.1).sum::<u32>(), 256);
            assert!(idx.substrings.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0));
        }
    }

    #[test]
    fn neighbours_enumerates_every_value_within_the_flips_once() {
        let mut seen = Vec::new();
        Mih::neighbours(0b1010, 4, 2, 0, &mut |v| seen.push(v));
        seen.sort();
        let expected: Vec<u32> = (0..16u32).filter(|v| (v ^ 0b1010).count_ones() <= 2).collect();
        assert_eq!(seen, expected);
    }
}
