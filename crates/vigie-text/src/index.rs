//! Near-duplicate search over texts: word shingles, MinHash, LSH banding, and exact verification.
//!
//! A text is [`normalise`](fn@crate::normalise)d and cut into [`tokens`]; its
//! **shingles** are the runs of [`SHINGLE_WORDS`] consecutive words (a text with fewer words has
//! one shingle, all of them), each hashed to 64 bits. Two texts' similarity is the Jaccard index
//! of their shingle sets: shared shingles over all shingles.
//!
//! Three words per shingle: a copy with one word in ten replaced, inserted or deleted keeps about
//! 0.9³ ≈ 73 % of its shingles (a Jaccard index near 0.57), while two unrelated texts on the same
//! subject, which share words and two-word stock phrases ("city council", "conseil municipal"),
//! rarely share three words in a row. Two words would let stock phrases through; four or more
//! would leave edited copies with too little in common.
//!
//! The index keeps every text's shingle set and, to find candidates without comparing with every
//! text, its MinHash signature cut into bands: [`PERMUTATIONS`] minima of salted hashes, as
//! [`BANDS`] bands of [`ROWS`] values. Two texts with Jaccard index `s` agree on a band with
//! probability `s^ROWS` and so share at least one band with probability `1 − (1 − s^ROWS)^BANDS`;
//! every text sharing a band with the query is a candidate, and its similarity is then computed
//! exactly from the two shingle sets. So the index never reports a text below the threshold, and
//! misses one above it only when no band agrees: with 64 bands of 2 rows, a chance of 2.4 × 10⁻³
//! at a similarity of 0.3, 1.4 × 10⁻⁵ at 0.4 and 10⁻⁸ at 0.5. Below [`MIN_INDEXED_THRESHOLD`] a
//! query compares with every text instead ([`TextIndex::brute_force`], the oracle).
//!
//! Hashes are fixed functions (FNV-1a and MurmurHash3's 64-bit finaliser), so sketches are the
//! same on every machine and in every version of Rust.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::normalise::{normalise, tokens};

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 3;
/// MinHash values per text.
pub const PERMUTATIONS: usize = BANDS * ROWS;
/// LSH bands.
pub const BANDS: usize = 64;
/// MinHash values per band.
pub const ROWS: usize = 2;
/// The lowest threshold the bands serve; lower thresholds compare with every text.
pub const MIN_INDEXED_THRESHOLD: f64 = 0.3;
/// The threshold Vigie suggests for a text match: on the generated corpus (`docs/text.md`),
/// copies with one word in ten edited kept a similarity of 0.39 or more (all but 2 of 4,000 at
/// 0.4 or more), and unrelated texts on the same subject reached 0.38 at most.
pub const DEFAULT_THRESHOLD: f64 = 0.4;

/// What the index needs of a text: its shingle set (which it keeps) and its band keys (which
/// find the candidates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSketch {
    /// Invariant: sorted, without duplicates.
    shingles: Box<[u64]>,
    /// One key per band; empty when there are no shingles.
    band_keys: Box<[u64]>,
}

impl TextSketch {
    /// The sketch of a text (normalised here).
    pub fn new(text: &str) -> TextSketch {
        TextSketch::of_normalised(&normalise(text))
    }

    /// The sketch of a text that is already normalised.
    pub fn of_normalised(normalised: &str) -> TextSketch {
        let words: Vec<u64> = tokens(normalised).map(|w| fnv1a(w.as_bytes())).collect();
        let mut shingles: Vec<u64> = if words.is_empty() {
            Vec::new()
        } else if words.len() < SHINGLE_WORDS {
            vec![shingle_hash(&words)]
        } else {
            words.windows(SHINGLE_WORDS).map(shingle_hash).collect()
        };
        shingles.sort_unstable();
        shingles.dedup();
        let band_keys = if shingles.is_empty() { Vec::new() } else { band_keys(&shingles) };
        TextSketch { shingles: shingles.into_boxed_slice(), band_keys: band_keys.into_boxed_slice() }
    }

    /// The number of distinct shingles.
    pub fn len(&self) -> usize {
        self.shingles.len()
    }

    /// Whether the text had no words.
    pub fn is_empty(&self) -> bool {
        self.shingles.is_empty()
    }

    /// The Jaccard index of two sketches' shingle sets (0 when either is empty).
    pub fn similarity(&self, other: &TextSketch) -> f64 {
        jaccard(&self.shingles, &other.shingles)
    }
}

/// The Jaccard index of two texts' shingle sets.
pub fn similarity(a: &str, b: &str) -> f64 {
    TextSketch::new(a).similarity(&TextSketch::new(b))
}

fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / (a.len() + b.len() - shared) as f64
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// MurmurHash3's 64-bit finaliser: a bijection that spreads every input bit over the output.
#[inline]
fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A shingle's hash from its words' hashes, in order.
fn shingle_hash(words: &[u64]) -> u64 {
    words.iter().fold(0x5368_696e_676c_6573, |h, &w| mix(h ^ w).rotate_left(17))
}

/// The salts of the MinHash functions: `h_i(x) = mix(x ^ SALTS[i])`, from SplitMix64's sequence.
const SALTS: [u64; PERMUTATIONS] = {
    let mut salts = [0u64; PERMUTATIONS];
    let mut state = 0x7669_6769_652d_7478_u64;
    let mut i = 0;
    while i < PERMUTATIONS {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        salts[i] = z ^ (z >> 31);
        i += 1;
    }
    salts
};

/// The band keys of a non-empty shingle set: its MinHash signature, `ROWS` values a band, each
/// band's values hashed together with the band's number.
fn band_keys(shingles: &[u64]) -> Vec<u64> {
    let mut signature = [u64::MAX; PERMUTATIONS];
    for &s in shingles {
        for (min, salt) in signature.iter_mut().zip(SALTS) {
            *min = (*min).min(mix(s ^ salt));
        }
    }
    signature
        .chunks_exact(ROWS)
        .enumerate()
        .map(|(band, rows)| rows.iter().fold(band as u64, |key, &v| mix(key ^ v)))
        .collect()
}

/// Band keys are already well-mixed hashes: the tables use them as they are.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// No entry: the end of a chain.
const NONE: u32 = u32::MAX;

/// A text in the index, by the order it was added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextHandle(u32);

impl TextHandle {
    /// Its position in the order texts were added (from 0).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// A threshold outside (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("a similarity threshold is in (0, 1], not {0}")]
pub struct ThresholdError(pub f64);

struct Entry<Id> {
    id: Id,
    /// Invariant: sorted, without duplicates.
    shingles: Box<[u64]>,
    enabled: bool,
    /// Per band, the previous entry with the same band key (`NONE` at the end of the chain).
    next: [u32; BANDS],
}

/// Texts by near-duplicate similarity. Incremental: a text added is found by the next query;
/// a disabled one is skipped without a rebuild.
///
/// Memory ([`TextIndex::memory_bytes`]): a text keeps 8 bytes per distinct shingle (about one
/// per word) and, per band, 4 bytes of chain and a 17-byte slot of its band table (which is 44 to
/// 87 % full): from 1.3 to 2.7 KiB plus 8 bytes a word.
pub struct TextIndex<Id> {
    entries: Vec<Entry<Id>>,
    /// One table per band: band key → the last entry added with that key, whose `next` leads to
    /// the others.
    heads: Vec<HashMap<u64, u32, BuildHasherDefault<KeyHasher>>>,
}

impl<Id> Default for TextIndex<Id> {
    fn default() -> Self {
        TextIndex { entries: Vec::new(), heads: (0..BANDS).map(|_| HashMap::default()).collect() }
    }
}

impl<Id: Clone> TextIndex<Id> {
    /// An empty index.
    pub fn new() -> TextIndex<Id> {
        TextIndex::default()
    }

    /// Adds a text under `id` (ids need not be distinct); it is found by the next query.
    pub fn add(&mut self, id: Id, text: &str) -> TextHandle {
        self.add_sketch(id, TextSketch::new(text))
    }

    /// Adds a text by its sketch.
    pub fn add_sketch(&mut self, id: Id, sketch: TextSketch) -> TextHandle {
        let handle = u32::try_from(self.entries.len()).ok().filter(|&h| h != NONE).expect("fewer than 2^32 - 1 texts");
        let mut next = [NONE; BANDS];
        for ((heads, &key), next) in self.heads.iter_mut().zip(sketch.band_keys.iter()).zip(next.iter_mut()) {
            *next = heads.insert(key, handle).unwrap_or(NONE);
        }
        self.entries.push(Entry { id, shingles: sketch.shingles, enabled: true, next });
        TextHandle(handle)
    }

    /// Hides (`false`) or shows a text again; unknown handles are ignored.
    pub fn set_enabled(&mut self, handle: TextHandle, enabled: bool) {
        if let Some(entry) = self.entries.get_mut(handle.0 as usize) {
            entry.enabled = enabled;
        }
    }

    /// The number of texts, enabled or not.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no text was added.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// About how many bytes the index holds (its entries, shingles and tables; not what the ids
    /// point to).
    pub fn memory_bytes(&self) -> usize {
        let entries = self.entries.capacity() * std::mem::size_of::<Entry<Id>>();
        let shingles: usize = self.entries.iter().map(|e| e.shingles.len() * 8).sum();
        // A table of capacity c has about c × 8 / 7 slots of 16 bytes and a control byte each.
        let tables: usize = self.heads.iter().map(|h| h.capacity() * 8 / 7 * 17).sum();
        entries + shingles + tables
    }

    /// Every enabled text whose similarity with `text` is at least `threshold`, most similar
    /// first (then in the order they were added).
    pub fn query(&self, text: &str, threshold: f64) -> Result<Vec<(Id, f64)>, ThresholdError> {
        self.query_sketch(&TextSketch::new(text), threshold)
    }

    /// [`TextIndex::query`] by the query's sketch (to search several indexes with one).
    pub fn query_sketch(&self, query: &TextSketch, threshold: f64) -> Result<Vec<(Id, f64)>, ThresholdError> {
        check(threshold)?;
        if threshold < MIN_INDEXED_THRESHOLD {
            return self.brute_force_sketch(query, threshold);
        }
        let mut candidates: Vec<u32> = Vec::new();
        for (band, (heads, key)) in self.heads.iter().zip(query.band_keys.iter()).enumerate() {
            let mut at = heads.get(key).copied().unwrap_or(NONE);
            while at != NONE {
                candidates.push(at);
                at = self.entries[at as usize].next[band];
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        Ok(self.verified(query, threshold, candidates.into_iter()))
    }

    /// The oracle: [`TextIndex::query`]'s answer, by comparing with every text.
    pub fn brute_force(&self, text: &str, threshold: f64) -> Result<Vec<(Id, f64)>, ThresholdError> {
        self.brute_force_sketch(&TextSketch::new(text), threshold)
    }

    /// [`TextIndex::brute_force`] by the query's sketch.
    pub fn brute_force_sketch(&self, query: &TextSketch, threshold: f64) -> Result<Vec<(Id, f64)>, ThresholdError> {
        check(threshold)?;
        Ok(self.verified(query, threshold, 0..self.entries.len() as u32))
    }

    /// The candidates (in increasing order) that are enabled and similar enough, sorted.
    fn verified(&self, query: &TextSketch, threshold: f64, candidates: impl Iterator<Item = u32>) -> Vec<(Id, f64)> {
        let mut found: Vec<(u32, f64)> = candidates
            .filter_map(|handle| {
                let entry = &self.entries[handle as usize];
                if !entry.enabled {
                    return None;
                }
                let s = jaccard(&entry.shingles, &query.shingles);
                (s >= threshold).then_some((handle, s))
            })
            .collect();
        // Stable: equal similarities stay in the order they were added.
        found.sort_by(|a, b| b.1.total_cmp(&a.1));
        found.into_iter().map(|(handle, s)| (self.entries[handle as usize].id.clone(), s)).collect()
    }
}

fn check(threshold: f64) -> Result<(), ThresholdError> {
    if threshold > 0.0 && threshold <= 1.0 { Ok(()) } else { Err(ThresholdError(threshold)) }
}

#[cfg(test)]
mod tests;
