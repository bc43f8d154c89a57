//! Every index returns exactly what brute force returns, on random and clustered banks.

use super::*;

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn code(&mut self) -> Code {
        [self.next(), self.next(), self.next(), self.next()]
    }
    /// `code` with `k` distinct random bits flipped.
    fn near(&mut self, code: &Code, k: u32) -> Code {
        let mut out = *code;
        let mut flipped = 0;
        while flipped < k {
            let bit = (self.next() % 256) as usize;
            let before = out;
            out[bit / 64] ^= 1 << (bit % 64);
            if distance(&out, code) > distance(&before, code) {
                flipped += 1;
            } else {
                out = before;
            }
        }
        out
    }
}

/// A bank: random codes, clusters of near-duplicates around a few seeds, and exact duplicates.
fn bank(rng: &mut Rng, n_random: usize, n_clusters: usize, per_cluster: usize) -> Vec<Code> {
    let mut codes: Vec<Code> = (0..n_random).map(|_| rng.code()).collect();
    for _ in 0..n_clusters {
        let seed = rng.code();
        for _ in 0..per_cluster {
            let k = (rng.next() % 40) as u32;
            let c = rng.near(&seed, k);
            codes.push(c);
        }
        codes.push(seed);
        codes.push(seed);
    }
    codes
}

fn check_all_agree(codes: &[Code], queries: &[Code], radii: &[u32]) {
    let mut oracle = BruteForce::default();
    let mut flat = Flat::new();
    let mut mih = Mih::for_size(codes.len());
    let mut mih16 = Mih::new(16);
    let mut mih8 = Mih::new(8);
    for c in codes {
        let e = oracle.add(*c);
        assert_eq!(flat.add(*c), e);
        assert_eq!(mih.add(*c), e);
        assert_eq!(mih16.add(*c), e);
        assert_eq!(mih8.add(*c), e);
    }
    // The same codes in one call, and in uneven batches between single adds.
    let mut bulk = Mih::for_size(codes.len());
    bulk.extend(codes.iter().copied());
    let mut batches = Mih::new(11);
    let mut rest = codes;
    for k in [1, 300, 2, 1000, 7].into_iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (batch, after) = rest.split_at(k.min(rest.len()));
        batches.extend(batch.iter().copied());
        if let Some((one, after)) = after.split_first() {
            batches.add(*one);
            rest = after;
        } else {
            rest = after;
        }
    }
    assert_eq!((bulk.len(), batches.len()), (codes.len(), codes.len()));
    for q in queries {
        for &r in radii {
            let expected = oracle.query(q, r);
            assert_eq!(flat.query(q, r), expected, "flat, radius {r}");
            // As chosen (often the scan, for banks this small), then always probing.
            for force in [false, true] {
                mih::FORCE_PROBE.with(|f| f.set(force));
                assert_eq!(mih.query(q, r), expected, "mih, radius {r}, probing forced: {force}");
                assert_eq!(mih16.query(q, r), expected, "mih16, radius {r}, probing forced: {force}");
                assert_eq!(mih8.query(q, r), expected, "mih8, radius {r}, probing forced: {force}");
                assert_eq!(bulk.query(q, r), expected, "mih in one call, radius {r}, probing forced: {force}");
                assert_eq!(batches.query(q, r), expected, "mih in batches, radius {r}, probing forced: {force}");
            }
            mih::FORCE_PROBE.with(|f| f.set(false));
        }
    }
}

/// At PDQ's radius a bank of useful size is probed, not scanned.
#[test]
fn a_bank_of_useful_size_is_probed_at_pdq_radius() {
    let mut rng = Rng(21);
    let mut mih = Mih::for_size(200_000);
    mih.extend((0..200_000).map(|_| rng.code()));
    assert!(mih.probes_at(31));
    assert!(!mih.probes_at(64), "the scan is cheaper at the largest radii");
}

#[test]
fn many_adds_merged_along_the_way_agree_with_brute_force() {
    let mut rng = Rng(0xadd);
    let mut oracle = BruteForce::default();
    let mut mih = Mih::new(12);
    let mut seeds: Vec<Code> = Vec::new();
    for i in 0..30_000u32 {
        // Half near-duplicates of earlier seeds (clusters fill some ranges), half random.
        let c = if i % 2 == 0 && !seeds.is_empty() {
            let s = seeds[(rng.next() % seeds.len() as u64) as usize];
            let k = (rng.next() % 30) as u32;
            rng.near(&s, k)
        } else {
            let c = rng.code();
            seeds.push(c);
            c
        };
        assert_eq!(mih.add(c), oracle.add(c));
        if i % 7 == 3 {
            let e = (rng.next() % (u64::from(i) + 1)) as u32;
            let on = rng.next().is_multiple_of(3);
            mih.set_enabled(e, on);
            oracle.set_enabled(e, on);
        }
        if i % 1_499 == 0 {
            let k = (rng.next() % 40) as u32;
            let q = rng.near(&c, k);
            mih::FORCE_PROBE.with(|f| f.set(true));
            for r in [0, 7, 24, 31, 32, 40] {
                assert_eq!(mih.query(&q, r), oracle.query(&q, r), "after {i} adds, radius {r}");
            }
            mih::FORCE_PROBE.with(|f| f.set(false));
        }
    }
}

#[test]
fn random_and_clustered_banks_agree_with_brute_force_at_every_radius() {
    let mut rng = Rng(0x5eed);
    let codes = bank(&mut rng, 3_000, 40, 50);
    let mut queries: Vec<Code> = (0..30).map(|_| rng.code()).collect();
    for i in (0..codes.len()).step_by(97) {
        let k = (rng.next() % 48) as u32;
        let q = rng.near(&codes[i], k);
        queries.push(q);
    }
    check_all_agree(&codes, &queries, &[0, 1, 15, 31, 32, 47, 63, 64]);
}

#[test]
fn empty_and_one_entry_banks_work() {
    let mut rng = Rng(9);
    let only = rng.code();
    check_all_agree(&[], &[only], &[0, 31]);
    // A one-entry bank matches (HMA's bug #1318 must not exist here).
    let mut mih = Mih::for_size(1);
    mih.add(only);
    assert_eq!(mih.query(&only, 31), vec![Match { distance: 0, entry: 0 }]);
    let near = rng.near(&only, 9);
    assert_eq!(mih.query(&near, 31), vec![Match { distance: 9, entry: 0 }]);
    check_all_agree(&[only], &[only, near, rng.code()], &[0, 8, 9, 31, 63]);
}

#[test]
fn disabled_entries_vanish_and_return_without_a_rebuild() {
    let mut rng = Rng(77);
    let seed = rng.code();
    let mut mih = Mih::new(12);
    let a = mih.add(seed);
    let b = mih.add(rng.near(&seed, 5));
    assert_eq!(mih.query(&seed, 31).len(), 2);
    mih.set_enabled(a, false);
    assert_eq!(mih.query(&seed, 31), vec![Match { distance: 5, entry: b }]);
    mih.set_enabled(a, true);
    assert_eq!(mih.query(&seed, 31).len(), 2);
    mih.set_enabled(999, false); // out of range: ignored
}

#[test]
fn entries_added_between_queries_are_matchable_at_once() {
    let mut rng = Rng(3);
    let mut mih = Mih::new(11);
    let mut oracle = BruteForce::default();
    for round in 0..200 {
        let c = if round % 3 == 0 { rng.code() } else { rng.near(&[round as u64, 0, 0, 0], 20) };
        mih.add(c);
        oracle.add(c);
        let q = rng.near(&c, (round % 35) as u32);
        assert_eq!(mih.query(&q, 31), oracle.query(&q, 31), "after {round} adds");
    }
}

#[test]
fn codes_read_pdq_bytes_big_endian() {
    let mut bytes = [0u8; 32];
    bytes[0] = 0x80;
    bytes[31] = 0x01;
    assert_eq!(code_from_bytes(&bytes), [0x8000_0000_0000_0000, 0, 0, 1]);
}

#[test]
fn a_snapshot_restores_the_same_answers_and_bad_snapshots_are_refused() {
    let mut rng = Rng(11);
    let codes = bank(&mut rng, 2_000, 10, 30);
    let mut mih = Mih::for_size(codes.len());
    for c in &codes {
        mih.add(*c);
    }
    mih.set_enabled(5, false);
    let mut bytes = Vec::new();
    mih.write_snapshot(&mut bytes).unwrap();
    let back = Mih::read_snapshot(&mut bytes.as_slice()).unwrap();
    assert_eq!(back.len(), mih.len());
    for i in (0..codes.len()).step_by(37) {
        let q = rng.near(&codes[i], 10);
        assert_eq!(back.query(&q, 31), mih.query(&q, 31));
    }
    assert!(back.query(&codes[5], 0).iter().all(|m| m.entry != 5), "disabled entries stay disabled");

    assert!(matches!(Mih::read_snapshot(&mut &b"not a snapshot at all"[..]), Err(SnapshotError::NotASnapshot)));
    for cut in [10, 100, bytes.len() / 2, bytes.len() - 1] {
        assert!(Mih::read_snapshot(&mut &bytes[..cut]).is_err(), "truncated at {cut}");
    }
    let mut lying = bytes.clone();
    lying[16..24].copy_from_slice(&(u64::MAX / 2).to_le_bytes()); // an absurd entry count
    assert!(matches!(Mih::read_snapshot(&mut lying.as_slice()), Err(SnapshotError::Inconsistent(_))));
    let mut corrupt = bytes.clone();
    let last = corrupt.len() - 4;
    corrupt[last..].copy_from_slice(&999_999u32.to_le_bytes()); // enabled flags that are not 0 or 1
    assert!(matches!(Mih::read_snapshot(&mut corrupt.as_slice()), Err(SnapshotError::Inconsistent(_))));
    let mut version = bytes.clone();
    version[8..12].copy_from_slice(&3u32.to_le_bytes());
    assert!(matches!(Mih::read_snapshot(&mut version.as_slice()), Err(SnapshotError::Version(3))));
}

#[test]
fn a_snapshot_taken_between_merges_restores_every_entry() {
    let mut rng = Rng(12);
    let mut mih = Mih::new(14);
    let mut oracle = BruteForce::default();
    for _ in 0..5_000 {
        let c = rng.code();
        mih.add(c);
        oracle.add(c);
    }
    for _ in 0..77 {
        // Not merged yet: these are in the tails.
        let c = rng.near(&oracle.codes[3], 5);
        mih.add(c);
        oracle.add(c);
    }
    let mut bytes = Vec::new();
    mih.write_snapshot(&mut bytes).unwrap();
    let back = Mih::read_snapshot(&mut bytes.as_slice()).unwrap();
    for q in [oracle.codes[3], rng.near(&oracle.codes[4_000], 9), rng.code()] {
        assert_eq!(back.query(&q, 31), oracle.query(&q, 31));
    }
}

/// Version 1 files also held the chains of the old tables; they are read, the chains skipped.
#[test]
fn version_1_snapshots_are_still_read() {
    let mut rng = Rng(13);
    let codes: Vec<Code> = (0..50).map(|_| rng.code()).collect();
    let mut v1 = b"VIGIEMIH".to_vec();
    v1.extend(1u32.to_le_bytes());
    v1.extend(64u32.to_le_bytes()); // 64 substrings of 4 bits
    v1.extend(50u64.to_le_bytes());
    for i in 0..64u32 {
        v1.extend((4 * i).to_le_bytes());
        v1.extend(4u32.to_le_bytes());
    }
    for c in &codes {
        c.iter().for_each(|w| v1.extend(w.to_le_bytes()));
    }
    v1.extend([1u8; 50]);
    v1[12 + 4 + 8 + 64 * 8 + 50 * 32 + 7] = 0; // entry 7 disabled
    for _ in 0..64 {
        v1.extend([0xff; 4 * (16 + 50)]); // heads and nexts: all empty, and never read
    }
    let back = Mih::read_snapshot(&mut v1.as_slice()).unwrap();
    assert_eq!(back.len(), 50);
    assert_eq!(back.query(&codes[9], 0), vec![Match { distance: 0, entry: 9 }]);
    assert_eq!(back.query(&codes[7], 0), vec![]);
    assert!(Mih::read_snapshot(&mut &v1[..v1.len() - 1]).is_err(), "truncated chains");
}

#[test]
fn an_index_relaid_for_its_size_keeps_its_entries_and_flags() {
    let mut rng = Rng(91);
    let codes = bank(&mut rng, 3000, 20, 40);
    let mut small = Mih::new(8);
    let mut oracle = BruteForce::default();
    for c in &codes {
        small.add(*c);
        oracle.add(*c);
    }
    for e in (0..codes.len() as u32).step_by(7) {
        small.set_enabled(e, false);
        oracle.set_enabled(e, false);
    }
    let relaid = small.relaid();
    assert_eq!(relaid.tables(), Mih::tables_for(codes.len()));
    assert_ne!(relaid.tables(), small.tables(), "the test starts from the wrong layout");
    for q in codes.iter().step_by(50) {
        let near = rng.near(q, 12);
        assert_eq!(relaid.query(&near, 31), oracle.query(&near, 31));
    }
}

#[test]
fn merge_due_says_when_adds_lay_the_tables_out() {
    let mut rng = Rng(5);
    let mut mih = Mih::new(16);
    assert!(!mih.merge_due(0));
    let mut merges_seen = 0;
    for _ in 0..5000 {
        let due = mih.merge_due(1);
        let merged_before = mih.merged;
        mih.add(rng.code());
        assert_eq!(due, mih.merged != merged_before, "merge_due must foretell the merge");
        merges_seen += usize::from(due);
    }
    assert!(merges_seen > 3);
}

#[test]
fn unmerged_pushes_match_at_once_and_merge_later_to_the_same_answers() {
    let mut rng = Rng(13);
    let codes = bank(&mut rng, 4000, 30, 50);
    let mut mih = Mih::new(16);
    let mut oracle = BruteForce::default();
    for chunk in codes.chunks(700) {
        mih.push_unmerged(chunk.iter().copied());
        for c in chunk {
            oracle.add(*c);
        }
        let q = rng.near(&chunk[chunk.len() / 2], 9);
        assert_eq!(mih.query(&q, 31), oracle.query(&q, 31), "before the merge");
    }
    assert!(mih.merge_due(0), "the tail outgrew its bound, waiting for merge_tails");
    let before = mih.merged;
    mih.merge_tails();
    assert!(mih.merged > before && !mih.merge_due(0));
    for c in codes.iter().step_by(97) {
        let q = rng.near(c, 14);
        assert_eq!(mih.query(&q, 31), oracle.query(&q, 31), "after the merge");
    }
    assert_eq!(mih.code(3), Some(codes[3]));
}
