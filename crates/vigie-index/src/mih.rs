//! Multi-index hashing: exact radius search that probes buckets instead of scanning everything.
//!
//! Each table indexes one substring of the codes. Its entries live in two parts:
//!
//! - the *sorted part*, compressed sparse rows: `entries` holds every merged entry grouped by
//!   range, where a substring's range is its high `dir_bits` bits, and `dir[r][0]` is where
//!   range `r` starts. An entry is one `u32`: the substring's remaining `low` bits above the
//!   entry number, so the low bits filter the candidates of a range without touching the codes.
//!   A range holds about eight entries: its ids are one cache line, read at once.
//! - the *tail*, the entries added since the last merge: `dir[r][1]` is the latest of them in
//!   range `r`, and `tail[e - merged]` holds entry `e`'s low bits above the previous one. The
//!   range's start and its tail head share a directory slot, so an empty tail costs no extra load.
//!
//! Adding an entry is O(1) and makes it matchable at once (it joins its ranges' tails). When the
//! tail reaches 1/32 of the sorted part, it is merged into it in place: one sequential pass per
//! table, O(n), so O(1) amortised per add (about 0.1 s per merge at 10 M codes). A merge also
//! re-sizes the directories (`dir_bits`) to the bank, so ranges stay about eight entries long as
//! the bank grows. [`Extend`] lays out many codes at once, grouped so that the writes stay in
//! cache (about 2 s for 10 M codes).
//!
//! A query runs in passes, each a run of independent loads that the memory system overlaps
//! (this is what makes it fast: at 10 M codes nearly every load misses the caches).

use std::cell::RefCell;

use crate::{Code, Flat, Index, Match};

/// No entry (a directory's empty tail).
const NONE: u32 = u32::MAX;

/// The directory bits for a bank of about `n` codes: about `2^SLACK` entries per range.
const SLACK: u32 = 3;

/// The tail is merged once it holds `max(MIN_TAIL, merged / TAIL_FRACTION)` entries.
const MIN_TAIL: u32 = 256;
const TAIL_FRACTION: u32 = 32;

/// One table: the sorted part and the tail of the entries, by range of their substring.
#[derive(Clone, Debug)]
pub(crate) struct Table {
    /// Bits of the substring that pick the range: the high ones.
    pub(crate) dir_bits: u32,
    /// Bits of the substring kept in each entry: the low ones (`dir_bits + low` = its length).
    pub(crate) low: u32,
    /// `dir[r]`: [first position of range `r` in `entries`, latest tail entry of range `r` or
    /// `NONE`]. Length `2^dir_bits + 1`; the last slot's start is `entries.len()`.
    pub(crate) dir: Vec<[u32; 2]>,
    /// The sorted part: per range, `low bits << id_bits | entry`.
    pub(crate) entries: Vec<u32>,
    /// The tail: `tail[e - merged]` = `low bits << id_bits | previous tail entry of the range`
    /// (`id_mask` for none).
    pub(crate) tail: Vec<u32>,
}

impl Table {
    fn empty(len: u32) -> Self {
        Table { dir_bits: 0, low: len, dir: vec![[0, NONE]; 2], entries: Vec::new(), tail: Vec::new() }
    }

    #[inline(always)]
    fn id_bits(&self) -> u32 {
        32 - self.low
    }

    /// The largest entry number this layout packs (exclusive: `id_mask` itself means "none").
    #[inline(always)]
    fn id_mask(&self) -> u32 {
        (u64::from(u32::MAX) >> self.low) as u32
    }

    #[inline(always)]
    fn pack(&self, low_bits: u32, id: u32) -> u32 {
        ((u64::from(low_bits) << self.id_bits()) as u32) | id
    }

    #[inline(always)]
    fn low_of(&self, packed: u32) -> u32 {
        (u64::from(packed) >> self.id_bits()) as u32
    }
}

/// `m` tables, one per substring of the code; the codes themselves live in a [`Flat`] for
/// verification (and for the scan that replaces probing when the radius is too large for it).
#[derive(Clone, Debug)]
pub struct Mih {
    /// (first bit, number of bits) of each substring; bit 0 is the most significant bit of word 0.
    /// Invariant: they tile the 256 bits, each 1..=32 bits long.
    pub(crate) substrings: Vec<(u32, u32)>,
    pub(crate) tables: Vec<Table>,
    pub(crate) codes: Flat,
    /// Entries `0..merged` are in the sorted parts, the others in the tails.
    pub(crate) merged: u32,
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

/// Number of values within `flips` bit flips of a `len`-bit value.
fn ball(len: u32, flips: u32) -> u64 {
    (0..=u64::from(flips.min(len))).map(|k| binomial(u64::from(len), k)).sum()
}

/// One range to read: where its entries are, its tail, and the low-bit filter.
#[derive(Clone, Copy, Debug, Default)]
struct Probe {
    start: u32,
    end: u32,
    tail: u32,
    table: u16,
    /// Entries pass when their low bits are within `flips` of `low`.
    flips: u16,
    low: u32,
}

/// Per-thread buffers, so a query allocates only its answer.
#[derive(Default)]
struct Scratch {
    probes: Vec<Probe>,
    candidates: Vec<u32>,
    /// Per (directory bits, flips): the masks of at most that many flips, with the flips left.
    masks: Vec<((u32, u32), Masks)>,
}

/// Masks of a directory's bits, each with the flips it leaves to the low bits.
type Masks = Vec<(u32, u16)>;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[cfg(test)]
thread_local! {
    /// Tests set it to probe even where the scan would be cheaper (small banks, large radii).
    pub(crate) static FORCE_PROBE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Mih {
    /// An index with `m` substrings (8 to 64, so each has at most 32 bits); [`Mih::for_size`]
    /// picks `m` for a bank's size.
    pub fn new(m: u32) -> Self {
        let m = m.clamp(8, 64);
        let (base, extra) = (256 / m, 256 % m);
        let mut substrings = Vec::with_capacity(m as usize);
        let mut start = 0;
        for i in 0..m {
            let len = base + u32::from(i < extra);
            substrings.push((start, len));
            start += len;
        }
        Self::from_parts(substrings, Flat::new())
    }

    /// An index of `codes` with these substrings (which must tile the 256 bits), laid out.
    pub(crate) fn from_parts(substrings: Vec<(u32, u32)>, codes: Flat) -> Self {
        let tables = substrings.iter().map(|&(_, len)| Table::empty(len)).collect();
        let mut index = Self { tables, substrings, codes, merged: 0 };
        index.merge(false);
        index
    }

    /// The substring count suited to a bank of about `n` codes, with room for `n` codes: the
    /// one with the least modelled cost at PDQ's radius, 31 (see `Mih::modelled_cost`).
    pub fn for_size(n: usize) -> Self {
        let mut index = Self::new(Self::tables_for(n));
        index.codes = Flat::with_capacity(n);
        index
    }

    /// The number of substrings (tables) [`Mih::for_size`] picks for `n` codes.
    pub fn tables_for(n: usize) -> u32 {
        (8..=32).min_by(|&a, &b| Self::modelled_cost(n, a).total_cmp(&Self::modelled_cost(n, b))).unwrap_or(16)
    }

    /// The number of substrings (tables) of this index.
    pub fn tables(&self) -> u32 {
        self.substrings.len() as u32
    }

    /// The same codes and enabled flags, laid out with the tables suited to their number: for an
    /// index that grew far past the size it was made for (entry numbers do not change).
    pub fn relaid(&self) -> Mih {
        let template = Self::new(Self::tables_for(self.len()));
        Self::from_parts(template.substrings, self.codes.clone())
    }

    /// The modelled time of a radius-31 query with `m` substrings on `n` uniformly random codes:
    /// about 44 ns per range probed (a directory slot, then the range: two dependent cache
    /// misses) and 9 ns per candidate verified (one miss, well overlapped), as measured on the
    /// benchmark machine. It picks 16 tables of 16 bits at 1 M codes and 11 of 23 or 24 at 10 M.
    fn modelled_cost(n: usize, m: u32) -> f64 {
        let radius = 31;
        let (base, extra) = (256 / m, 256 % m);
        let bits = (n.max(2) as f64).log2().round() as u32;
        let (r, a) = (radius / m, radius % m);
        (0..m)
            .filter_map(|i| {
                let len = base + u32::from(i < extra);
                let flips = if i <= a { r } else { r.checked_sub(1)? };
                let dir_bits = bits.saturating_sub(SLACK).min(len);
                let candidates = ball(len, flips) as f64 * n as f64 / (len as f64).exp2();
                Some(44.0 * ball(dir_bits, flips) as f64 + 9.0 * candidates)
            })
            .sum()
    }

    /// Bytes of heap this index holds (capacities, not lengths), for memory budgets.
    pub fn heap_bytes(&self) -> usize {
        let tables: usize =
            self.tables.iter().map(|t| t.dir.capacity() * 8 + t.entries.capacity() * 4 + t.tail.capacity() * 4).sum();
        tables + self.codes.heap_bytes() + self.substrings.capacity() * 8
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

    /// Whether scanning every code is cheaper than probing at `radius`, by the weights of
    /// `Mih::modelled_cost`, plus about 1 ns per entry of a range filtered; the scan streams at
    /// about 0.8 ns per code.
    fn scan_is_cheaper(&self, radius: u32) -> bool {
        #[cfg(test)]
        if FORCE_PROBE.with(|f| f.get()) {
            return false;
        }
        let n = self.codes.len() as f64;
        let mut probe_ns = 0.0;
        for (i, t) in self.tables.iter().enumerate() {
            let Some(flips) = self.flips(i, radius) else { continue };
            let len = self.substrings[i].1;
            let ranges = ball(t.dir_bits, flips) as f64;
            let per_range = n / f64::from(t.dir_bits).exp2();
            probe_ns += ranges * (44.0 + per_range) + 9.0 * ball(len, flips) as f64 * n / f64::from(len).exp2();
        }
        probe_ns >= 0.8 * n
    }

    /// Whether a query at `radius` probes the tables (rather than scanning).
    #[cfg(test)]
    pub(crate) fn probes_at(&self, radius: u32) -> bool {
        !self.scan_is_cheaper(radius)
    }

    /// Calls `f(h, k)` for every `len`-bit mask `h` with at most `flips` bits set, where `k` is
    /// `flips` minus the bits set.
    fn masks(len: u32, flips: u32, f: &mut impl FnMut(u32, u32)) {
        fn go(h: u32, len: u32, flips: u32, from: u32, f: &mut impl FnMut(u32, u32)) {
            f(h, flips);
            if flips == 0 {
                return;
            }
            for bit in from..len {
                go(h | 1 << bit, len, flips - 1, bit + 1, f);
            }
        }
        go(0, len, flips, 0, f)
    }

    /// Moves the tails into the sorted parts, re-sizing the directories for the bank.
    ///
    /// The sorted part only ever gains directory bits, and a range splits into the ranges of
    /// its entries' leading low bits, which the entries hold: so the old entries are read once,
    /// in order, and written within a window, with no need to read their codes. Only the tail's
    /// entries (or all of them, for a fresh layout) are read from the codes.
    fn merge(&mut self, chained: bool) {
        let n = self.codes.len() as u32;
        // Size the directories for the bank at the next merge.
        let target = u64::from(n) + u64::from(n / TAIL_FRACTION).max(u64::from(MIN_TAIL));
        let bits = (target as f64).log2().round() as u32;
        // Buffers for the entries read from the codes, reused by every table.
        let (mut new, mut grouped) = (Vec::<u64>::new(), Vec::<u64>::new());
        for i in 0..self.tables.len() {
            let (start, len) = self.substrings[i];
            let mut dir_bits = bits.saturating_sub(SLACK).min(len);
            // Entry numbers must fit beside the low bits, with room to grow until the next merge.
            while dir_bits < len && u64::from(u32::MAX) >> (len - dir_bits) <= 2 * target {
                dir_bits += 1;
            }
            let t = &mut self.tables[i];
            let keep = self.merged > 0 && dir_bits >= t.dir_bits;
            let dir_bits = if keep { dir_bits } else { dir_bits.max(t.dir_bits) };
            let from = if keep { self.merged } else { 0 };
            let old = Table {
                dir_bits: t.dir_bits,
                low: t.low,
                dir: std::mem::take(&mut t.dir),
                entries: std::mem::take(&mut t.entries),
                tail: std::mem::take(&mut t.tail),
            };
            t.dir_bits = dir_bits;
            t.low = len - dir_bits;
            let split = dir_bits - old.dir_bits.min(dir_bits);
            let new_low_mask = ((1u64 << t.low) as u32).wrapping_sub(1);
            let tail_entry = |e: u32| {
                let v = substring(&self.codes.code(e).expect("entry exists"), start, len);
                ((v >> t.low) as usize, t.pack(v & new_low_mask, e))
            };
            if keep && split == 0 && chained {
                // The same ranges: grow the entries in place and, from the last range down,
                // move the old entries up by the number of tail entries in the ranges at or
                // before theirs, each range's tail (its chain) right after its old entries.
                let Table { mut dir, mut entries, mut tail, .. } = old;
                let (added, id_mask) = ((n - from) as usize, t.id_mask());
                let mut shift = added;
                let mut moved_to = entries.len();
                entries.reserve_exact(added);
                entries.resize(moved_to + added, 0);
                for r in (0..dir.len() - 1).rev() {
                    let end = dir[r + 1][0] as usize;
                    dir[r + 1][0] += shift as u32;
                    let head = std::mem::replace(&mut dir[r][1], NONE);
                    if head == NONE {
                        continue;
                    }
                    entries.copy_within(end..moved_to, end + shift);
                    moved_to = end;
                    let mut e = head;
                    loop {
                        let node = tail[(e - from) as usize];
                        shift -= 1;
                        entries[end + shift] = node & !id_mask | e;
                        if node & id_mask == id_mask {
                            break;
                        }
                        e = node & id_mask;
                    }
                }
                debug_assert_eq!(shift, 0);
                tail.clear();
                (t.dir, t.entries, t.tail) = (dir, entries, tail);
                continue;
            }
            // Where an old entry goes: its new range and its new packed form.
            let moved = |r: usize, e: u32| {
                let low = old.low_of(e);
                let r2 = (r << split) | (low >> t.low) as usize;
                (r2, t.pack(low & new_low_mask, e & old.id_mask()))
            };
            let ranges = 1usize << dir_bits;
            // The new entries as (range << 32 | packed), grouped by the range's top 8 bits, so
            // that counting and placing them touch one window of the directory at a time.
            let top = dir_bits.saturating_sub(8);
            let mut groups = [0usize; 257];
            new.clear();
            new.extend((from..n).map(|e| {
                let (r, packed) = tail_entry(e);
                groups[(r >> top) + 1] += 1;
                (r as u64) << 32 | u64::from(packed)
            }));
            for g in 1..257 {
                groups[g] += groups[g - 1];
            }
            grouped.clear();
            grouped.resize(new.len(), 0);
            for &x in &new {
                let g = &mut groups[(x >> 32 >> top) as usize];
                grouped[*g] = x;
                *g += 1;
            }
            let mut pos = vec![0u32; ranges + 1];
            let old_ranges = if keep { old.dir.len() - 1 } else { 0 };
            for r in 0..old_ranges {
                for &e in &old.entries[old.dir[r][0] as usize..old.dir[r + 1][0] as usize] {
                    pos[moved(r, e).0] += 1;
                }
            }
            for &x in &grouped {
                pos[(x >> 32) as usize] += 1;
            }
            let mut dir = vec![[0, NONE]; ranges + 1];
            let mut at = 0u32;
            for r in 0..=ranges {
                dir[r][0] = at;
                at += pos[r];
                pos[r] = dir[r][0];
            }
            let mut entries = vec![0u32; at as usize];
            for r in 0..old_ranges {
                for &e in &old.entries[old.dir[r][0] as usize..old.dir[r + 1][0] as usize] {
                    let (r2, packed) = moved(r, e);
                    entries[pos[r2] as usize] = packed;
                    pos[r2] += 1;
                }
            }
            drop(old);
            for &x in &grouped {
                let r = (x >> 32) as usize;
                entries[pos[r] as usize] = x as u32;
                pos[r] += 1;
            }
            t.dir = dir;
            t.entries = entries;
        }
        self.merged = n;
    }

    /// The answer, with the instructions the CPU has.
    fn probe(&self, q: &Code, radius: u32, scratch: &mut Scratch) -> Vec<Match> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512vpopcntdq") {
                // SAFETY: the CPU supports AVX-512 VPOPCNTDQ (and so AVX-512F), checked just above.
                #[allow(unsafe_code)]
                return unsafe { self.probe_avx512(q, radius, scratch) };
            }
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU supports POPCNT, checked just above.
                #[allow(unsafe_code)]
                return unsafe { self.probe_popcnt(q, radius, scratch) };
            }
        }
        self.probe_any(q, radius, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
    fn probe_avx512(&self, q: &Code, radius: u32, scratch: &mut Scratch) -> Vec<Match> {
        self.probe_any(q, radius, scratch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn probe_popcnt(&self, q: &Code, radius: u32, scratch: &mut Scratch) -> Vec<Match> {
        self.probe_any(q, radius, scratch)
    }

    /// In passes, each a run of independent loads the memory system overlaps: the directory
    /// slots of every range to probe; the first word of each range; the ranges' entries,
    /// filtered by their low bits (now cached); the tails; the candidates' codes.
    #[inline(always)]
    fn probe_any(&self, q: &Code, radius: u32, scratch: &mut Scratch) -> Vec<Match> {
        let Scratch { probes, candidates, masks } = scratch;
        probes.clear();
        candidates.clear();
        for (i, (t, &(start, len))) in self.tables.iter().zip(&self.substrings).enumerate() {
            let Some(flips) = self.flips(i, radius) else { continue };
            let v = substring(q, start, len);
            let (high, low) = (v >> t.low, v & ((1u64 << t.low) as u32).wrapping_sub(1));
            let key = (t.dir_bits, flips);
            let list = match masks.iter().position(|(k, _)| *k == key) {
                Some(at) => &masks[at].1,
                None => {
                    let mut list = Vec::new();
                    Self::masks(t.dir_bits, flips, &mut |h, k| list.push((h, k as u16)));
                    masks.push((key, list));
                    &masks[masks.len() - 1].1
                }
            };
            probes.extend(list.iter().map(|&(h, k)| Probe {
                start: high ^ h,
                end: 0,
                tail: 0,
                table: i as u16,
                flips: k,
                low,
            }));
        }
        // The directory slots (`start` held the range number until now).
        for p in probes.iter_mut() {
            let dir = &self.tables[p.table as usize].dir;
            let r = p.start as usize;
            [p.start, p.tail] = dir[r];
            p.end = dir[r + 1][0];
        }
        // Touch each range, so its cache lines are on their way before the filter needs them.
        let mut touched = 0u32;
        for p in probes.iter() {
            let entries = &self.tables[p.table as usize].entries;
            touched ^= entries.get(p.start as usize).copied().unwrap_or(0);
            touched ^= entries.get(p.end as usize).copied().unwrap_or(0);
        }
        std::hint::black_box(touched);
        let total: usize = probes.iter().map(|p| (p.end - p.start) as usize).sum();
        candidates.resize(total, 0);
        let mut kept = 0;
        for p in probes.iter() {
            let t = &self.tables[p.table as usize];
            let range = &t.entries[p.start as usize..p.end as usize];
            let id_mask = t.id_mask();
            let (id_bits, low, flips) = (t.id_bits(), p.low, u32::from(p.flips));
            // Branch-free: write every id, keep those whose low bits are near enough.
            for &e in range {
                candidates[kept] = e & id_mask;
                kept += usize::from(((u64::from(e) >> id_bits) as u32 ^ low).count_ones() <= flips);
            }
        }
        candidates.truncate(kept);
        for p in probes.iter() {
            let t = &self.tables[p.table as usize];
            let id_mask = t.id_mask();
            let mut e = p.tail;
            while e != NONE {
                let node = t.tail[(e - self.merged) as usize];
                if (t.low_of(node) ^ p.low).count_ones() <= p.flips as u32 {
                    candidates.push(e);
                }
                let prev = node & id_mask;
                e = if prev == id_mask { NONE } else { prev };
            }
        }
        let (front, back, enabled) = (&self.codes.front[..], &self.codes.back[..], &self.codes.enabled[..]);
        let mut out = Vec::new();
        for &e in candidates.iter() {
            let f = front[e as usize];
            let h = (f[0] ^ q[0]).count_ones() + (f[1] ^ q[1]).count_ones();
            if h <= radius {
                let b = back[e as usize];
                let d = h + (b[0] ^ q[2]).count_ones() + (b[1] ^ q[3]).count_ones();
                if d <= radius && enabled[e as usize] {
                    out.push(Match { distance: d, entry: e });
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Mih {
    /// Adds entry `entry` (with this code) to the tails.
    fn chain(&mut self, entry: u32, code: &Code) {
        for (t, &(start, len)) in self.tables.iter_mut().zip(&self.substrings) {
            let v = substring(code, start, len);
            let r = (v >> t.low) as usize;
            let low_mask = ((1u64 << t.low) as u32).wrapping_sub(1);
            let prev = t.dir[r][1];
            let link = if prev == NONE { t.id_mask() } else { prev };
            let node = t.pack(v & low_mask, link);
            t.tail.push(node);
            t.dir[r][1] = entry;
        }
    }

    /// Whether the tail should be merged now: it is big enough, or the next entry number would
    /// not fit beside the low bits.
    fn tail_is_full(&self) -> bool {
        self.full_after(0)
    }

    fn full_after(&self, more: usize) -> bool {
        let n = (self.codes.len() + more).min(u32::MAX as usize) as u32;
        n - self.merged >= MIN_TAIL.max(self.merged / TAIL_FRACTION) || self.tables.iter().any(|t| n >= t.id_mask())
    }

    /// Adds codes to the tails only, so that no add waits for the tables to be laid out (unless
    /// an entry number would not fit the layout, which the layout leaves room to avoid); the
    /// caller lays them out with [`Mih::merge_tails`], e.g. on a copy it then swaps in. Entries
    /// are numbered as by `add`, and matchable at once.
    pub fn push_unmerged(&mut self, codes: impl IntoIterator<Item = Code>) {
        for code in codes {
            let entry = self.codes.add(code);
            if self.tables.iter().any(|t| entry >= t.id_mask()) {
                self.merge(false);
            } else {
                self.chain(entry, &code);
            }
        }
    }

    /// Lays out the entries waiting in the tails (nothing when there are none).
    pub fn merge_tails(&mut self) {
        if self.codes.len() as u32 > self.merged {
            self.merge(true);
        }
    }

    /// The code of an entry.
    pub fn code(&self, entry: u32) -> Option<Code> {
        self.codes.code(entry)
    }

    /// Whether the tail is full once `more` codes are added: then `add` or `extend` lays the
    /// tables out again, an O(n) pass (up to seconds at 10 M codes); with `more = 0`, whether
    /// [`Mih::merge_tails`] is due after [`Mih::push_unmerged`].
    pub fn merge_due(&self, more: usize) -> bool {
        self.full_after(more)
    }
}

/// Adds many codes at once, numbered in order from [`Index::len`]: like [`Index::add`] for each,
/// but when they are many, the tables are laid out once for all of them.
impl Extend<Code> for Mih {
    fn extend<I: IntoIterator<Item = Code>>(&mut self, codes: I) {
        let from = self.codes.len() as u32;
        for code in codes {
            self.codes.add(code);
        }
        let added = self.codes.len() as u32 - from;
        if added >= MIN_TAIL.max(self.merged / TAIL_FRACTION) {
            // Many at once: lay the tables out for all of them.
            self.merge(false);
        } else {
            // A few: as many adds, merged in place when the tail is full.
            for e in from..self.codes.len() as u32 {
                let code = self.codes.code(e).expect("entry exists");
                self.chain(e, &code);
            }
            if self.tail_is_full() {
                self.merge(true);
            }
        }
    }
}

impl Index for Mih {
    fn add(&mut self, code: Code) -> u32 {
        let entry = self.codes.add(code);
        self.chain(entry, &code);
        if self.tail_is_full() {
            self.merge(true);
        }
        entry
    }

    fn set_enabled(&mut self, entry: u32, enabled: bool) {
        self.codes.set_enabled(entry, enabled);
    }

    fn query(&self, query: &Code, radius: u32) -> Vec<Match> {
        if self.codes.is_empty() || self.scan_is_cheaper(radius) {
            return self.codes.query(query, radius);
        }
        SCRATCH.with(|s| self.probe(query, radius, &mut s.borrow_mut()))
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
        for m in [8, 11, 12, 16, 23, 32, 64] {
            let idx = Mih::new(m);
            assert_eq!(idx.substrings.iter().map(|s| s.1).sum::<u32>(), 256);
            assert!(idx.substrings.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0));
        }
    }

    #[test]
    fn masks_enumerates_every_mask_within_the_flips_once() {
        let mut seen = Vec::new();
        Mih::masks(5, 2, &mut |h, k| seen.push((h, k)));
        seen.sort();
        let expected: Vec<(u32, u32)> =
            (0..32u32).filter(|h| h.count_ones() <= 2).map(|h| (h, 2 - h.count_ones())).collect();
        assert_eq!(seen, expected);
    }
}
