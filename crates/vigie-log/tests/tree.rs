//! The tree against a naive implementation of RFC 9162's recursive definitions (`MTH`, `PATH`,
//! `PROOF`/`SUBPROOF`), for every size to 300 and for random pairs of sizes; and the number of
//! store reads each answer costs.

use std::cell::Cell;

use vigie_log::{
    EMPTY_ROOT, Frontier, Hash, MemoryStore, NodeStore, Tree, leaf_hash, node_hash, verify_consistency,
    verify_inclusion,
};

/// A small deterministic generator (SplitMix64), so that every run tests the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

// --- RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1, written as the definitions read, over leaf hashes ---

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => EMPTY_ROOT,
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn proof(m: usize, d: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == d.len() { vec![] } else { subproof(m, d, true) }
}

// --- The tests ---

fn input(i: u64) -> Vec<u8> {
    // Leaf inputs of several lengths, as the reference vectors have.
    i.to_be_bytes()[..(i % 9) as usize].iter().copied().chain(i.to_le_bytes()).collect()
}

#[test]
fn every_size_to_300_has_the_naive_roots_and_inclusion_proofs() {
    let mut tree = Tree::new(MemoryStore::new());
    let mut frontier = Frontier::new();
    let mut leaves = Vec::new();
    for n in 0..=300u64 {
        if n > 0 {
            let data = input(n - 1);
            assert_eq!(tree.append(&data).unwrap(), n - 1);
            frontier.push(&data);
            leaves.push(leaf_hash(&data));
        }
        let root = mth(&leaves);
        assert_eq!(tree.root(), root, "root of {n}");
        assert_eq!(frontier.root(), root, "frontier root of {n}");
        assert_eq!(frontier.size(), n);
        for i in 0..n {
            let p = tree.inclusion_proof(i, n).unwrap();
            assert_eq!(p, path(i as usize, &leaves), "leaf {i} in {n}");
            verify_inclusion(&leaves[i as usize], i, n, &p, &root).unwrap();
            assert_eq!(tree.leaf_hash(i).unwrap(), leaves[i as usize]);
        }
    }
    // The tree also answers for every earlier size.
    for n in 0..=300 {
        assert_eq!(tree.root_at(n).unwrap(), mth(&leaves[..n as usize]), "root at {n}");
    }
}

#[test]
fn every_pair_of_sizes_to_64_has_the_naive_consistency_proof() {
    let mut tree = Tree::new(MemoryStore::new());
    let leaves: Vec<Hash> = (0..64).map(|i| leaf_hash(&input(i))).collect();
    for l in &leaves {
        tree.append_hash(*l).unwrap();
    }
    for n in 0..=64usize {
        for m in 0..=n {
            let p = tree.consistency_proof(m as u64, n as u64).unwrap();
            assert_eq!(p, proof(m, &leaves[..n]), "{m} to {n}");
            verify_consistency(m as u64, n as u64, &mth(&leaves[..m]), &mth(&leaves[..n]), &p).unwrap();
        }
    }
}

#[test]
fn random_pairs_of_sizes_have_the_naive_consistency_proof() {
    let mut rng = Rng(0x0076_6967_6965);
    let mut tree = Tree::new(MemoryStore::new());
    let leaves: Vec<Hash> = (0..300).map(|i| leaf_hash(&input(i))).collect();
    for l in &leaves {
        tree.append_hash(*l).unwrap();
    }
    for _ in 0..3000 {
        let n = rng.range(1, 300) as usize;
        let m = rng.range(0, n as u64) as usize;
        let p = tree.consistency_proof(m as u64, n as u64).unwrap();
        assert_eq!(p, proof(m, &leaves[..n]), "{m} to {n}");
        let (rm, rn) = (mth(&leaves[..m]), mth(&leaves[..n]));
        verify_consistency(m as u64, n as u64, &rm, &rn, &p).unwrap();
        // The proof binds both roots and both sizes.
        if 0 < m && m < n {
            assert!(verify_consistency(m as u64, n as u64, &rn, &rn, &p).is_err(), "{m} to {n}, old root swapped");
            assert!(verify_consistency(m as u64, n as u64, &rm, &rm, &p).is_err(), "{m} to {n}, new root swapped");
            let other = mth(&leaves[..m - 1]);
            assert!(verify_consistency(m as u64 - 1, n as u64, &other, &rn, &p).is_err(), "{m} to {n} as {}", m - 1);
        }
    }
}

#[test]
fn random_proofs_in_a_large_tree_match_the_naive_ones_and_tampering_fails() {
    let mut rng = Rng(42);
    let size = 20_000u64;
    let mut tree = Tree::new(MemoryStore::new());
    let leaves: Vec<Hash> = (0..size).map(|i| leaf_hash(&input(i))).collect();
    for l in &leaves {
        tree.append_hash(*l).unwrap();
    }
    for _ in 0..40 {
        let n = rng.range(1, size);
        let m = rng.range(0, n);
        let (m_, n_) = (m as usize, n as usize);
        let root_n = tree.root_at(n).unwrap();
        assert_eq!(root_n, mth(&leaves[..n_]));
        let p = tree.consistency_proof(m, n).unwrap();
        assert_eq!(p, proof(m_, &leaves[..n_]), "{m} to {n}");
        verify_consistency(m, n, &tree.root_at(m).unwrap(), &root_n, &p).unwrap();

        let i = rng.range(0, n - 1);
        let p = tree.inclusion_proof(i, n).unwrap();
        assert_eq!(p, path(i as usize, &leaves[..n_]), "leaf {i} in {n}");
        verify_inclusion(&leaves[i as usize], i, n, &p, &root_n).unwrap();
        // Another leaf, another place, or a flipped bit: never verifies.
        let other = leaf_hash(b"not in the log");
        assert!(verify_inclusion(&other, i, n, &p, &root_n).is_err());
        if n > 1 {
            let j = (i + rng.range(1, n - 1)) % n;
            assert!(verify_inclusion(&leaves[i as usize], j, n, &p, &root_n).is_err(), "leaf {i} claimed at {j}");
        }
        if !p.is_empty() {
            let mut bad = p.clone();
            let at = rng.range(0, bad.len() as u64 - 1) as usize;
            bad[at][rng.range(0, 31) as usize] ^= 1 << rng.range(0, 7);
            assert!(verify_inclusion(&leaves[i as usize], i, n, &bad, &root_n).is_err());
        }
    }
}

#[test]
fn a_reopened_tree_answers_as_the_one_that_wrote_the_store() {
    let mut tree = Tree::new(MemoryStore::new());
    for i in 0..1000 {
        tree.append(&input(i)).unwrap();
    }
    let root = tree.root();
    let mut reopened = Tree::open(tree.into_store(), 1000).unwrap();
    assert_eq!(reopened.root(), root);
    // It goes on appending where the first stopped.
    let mut fresh = Tree::new(MemoryStore::new());
    for i in 0..1100 {
        fresh.append(&input(i)).unwrap();
    }
    for i in 1000..1100 {
        reopened.append(&input(i)).unwrap();
    }
    assert_eq!(reopened.root(), fresh.root());
    assert_eq!(reopened.inclusion_proof(7, 1050).unwrap(), fresh.inclusion_proof(7, 1050).unwrap());
    // A size past what the store holds is refused.
    assert!(Tree::open(fresh.into_store(), 1101).is_err());
}

#[test]
fn sizes_and_indexes_out_of_range_are_refused() {
    let mut tree = Tree::new(MemoryStore::new());
    for i in 0..10 {
        tree.append(&input(i)).unwrap();
    }
    assert!(tree.root_at(11).is_err());
    assert!(tree.inclusion_proof(10, 10).is_err());
    assert!(tree.inclusion_proof(0, 11).is_err());
    assert!(tree.consistency_proof(5, 11).is_err());
    assert!(tree.consistency_proof(6, 5).is_err());
    assert!(tree.leaf_hash(10).is_err());
    assert_eq!(tree.consistency_proof(0, 10).unwrap(), Vec::<Hash>::new());
    assert_eq!(tree.consistency_proof(10, 10).unwrap(), Vec::<Hash>::new());
}

/// A store that counts its reads and writes.
#[derive(Default)]
struct Counting {
    inner: MemoryStore,
    reads: Cell<u64>,
    writes: u64,
}

impl NodeStore for Counting {
    type Error = <MemoryStore as NodeStore>::Error;

    fn get(&self, level: u8, index: u64) -> Result<Option<Hash>, Self::Error> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get(level, index)
    }

    fn put(&mut self, level: u8, index: u64, hash: Hash) -> Result<(), Self::Error> {
        self.writes += 1;
        self.inner.put(level, index, hash)
    }
}

#[test]
fn appends_read_nothing_and_answers_read_a_logarithmic_number_of_nodes() {
    let size = 100_003u64;
    let mut tree = Tree::new(Counting::default());
    for i in 0..size {
        tree.append(&i.to_be_bytes()).unwrap();
    }
    assert_eq!(tree.store().reads.get(), 0, "appending reads nothing");
    // One leaf and, amortised, one interior node per leaf: fewer than 2n writes.
    assert!(tree.store().writes < 2 * size, "{} writes", tree.store().writes);

    let bits = |n: u64| u64::from(64 - n.leading_zeros());
    let mut rng = Rng(7);
    for _ in 0..500 {
        let n = rng.range(1, size);
        let m = rng.range(0, n);
        let i = rng.range(0, n - 1);
        let reads = |f: &dyn Fn()| {
            let before = tree.store().reads.get();
            f();
            tree.store().reads.get() - before
        };
        let r = reads(&|| {
            tree.root_at(n).unwrap();
        });
        assert!(r <= u64::from(n.count_ones()), "root at {n}: {r} reads");
        let r = reads(&|| {
            tree.inclusion_proof(i, n).unwrap();
        });
        assert!(r <= 2 * bits(n), "leaf {i} in {n}: {r} reads");
        let r = reads(&|| {
            tree.consistency_proof(m, n).unwrap();
        });
        assert!(r <= 2 * bits(n) + 1, "{m} to {n}: {r} reads");
    }
}
