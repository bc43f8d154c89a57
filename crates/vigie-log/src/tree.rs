//! RFC 9162 Merkle trees: hashing, an append-only tree over a store of complete subtrees, and
//! inclusion and consistency proofs with their verification (§2.1.3 and §2.1.4).
//!
//! Hashing is RFC 9162's (and RFC 6962's) with SHA-256:
//!
//! - a leaf's hash is `SHA-256(0x00 ‖ leaf input)`;
//! - an interior node's is `SHA-256(0x01 ‖ left ‖ right)`;
//! - the root of the empty tree is `SHA-256("")`;
//! - the root of `n > 1` leaves splits them at `k`, the largest power of two below `n`, and hashes
//!   the root of the first `k` with the root of the rest.
//!
//! **Vigie's leaf input** is the 32-byte leaf commitment of an event
//! (`vigie_model::event::leaf::Leaf::hash`): it commits to the event's header and to each of its
//! fields separately, so an export cut for one audience recomputes the same leaf input, and with
//! it the same Merkle leaf hash, from what it discloses.
//!
//! [`Tree`] keeps the hash of every *complete* subtree (`2^level` leaves starting at
//! `index · 2^level`) in a [`NodeStore`]. Each append writes its leaf and the subtrees it completes
//! (one node, amortised), and reads nothing: the tree holds the right edge ([`Frontier`]) in
//! memory. The root at any size, an inclusion proof and a consistency proof each read O(log n)
//! nodes: they follow RFC 9162's recursive definitions, where every range is a complete subtree
//! (one read) except at most one range that ends at the requested size (one read per set bit of
//! its length).

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf, a node or a root.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of the empty string.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// The hash of a leaf: `SHA-256(0x00 ‖ input)`.
pub fn leaf_hash(input: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(input);
    h.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (for `n ≥ 2`).
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// Where the hashes of complete subtrees are kept: the node at `(level, index)` covers the leaves
/// `index · 2^level .. (index + 1) · 2^level`; level 0 holds the leaf hashes.
///
/// A tree only ever writes a node once all its leaves exist, and never changes it; it may write
/// the same hash at the same place again (after a failed append), which must succeed.
pub trait NodeStore {
    /// Why a read or a write failed.
    type Error: std::error::Error + 'static;
    /// The hash of the complete subtree at `(level, index)`, if it was stored.
    fn get(&self, level: u8, index: u64) -> Result<Option<Hash>, Self::Error>;
    /// Stores the hash of the complete subtree at `(level, index)`.
    fn put(&mut self, level: u8, index: u64, hash: Hash) -> Result<(), Self::Error>;
}

/// A [`NodeStore`] in memory: one vector of hashes per level.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    levels: Vec<Vec<Hash>>,
}

/// A write to a [`MemoryStore`] that would leave a hole in a level.
#[derive(Debug, thiserror::Error)]
#[error("node ({level}, {index}) written after only {len} nodes of its level")]
pub struct MemoryStoreGap {
    pub level: u8,
    pub index: u64,
    pub len: u64,
}

impl MemoryStore {
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// The number of nodes stored, all levels together.
    pub fn node_count(&self) -> u64 {
        self.levels.iter().map(|l| l.len() as u64).sum()
    }
}

impl NodeStore for MemoryStore {
    type Error = MemoryStoreGap;

    fn get(&self, level: u8, index: u64) -> Result<Option<Hash>, MemoryStoreGap> {
        let found =
            self.levels.get(usize::from(level)).and_then(|l| usize::try_from(index).ok().and_then(|i| l.get(i)));
        Ok(found.copied())
    }

    fn put(&mut self, level: u8, index: u64, hash: Hash) -> Result<(), MemoryStoreGap> {
        let level_idx = usize::from(level);
        if self.levels.len() <= level_idx {
            self.levels.resize_with(level_idx + 1, Vec::new);
        }
        let nodes = &mut self.levels[level_idx];
        let len = nodes.len() as u64;
        match usize::try_from(index) {
            Ok(i) if index < len => nodes[i] = hash,
            Ok(_) if index == len => nodes.push(hash),
            _ => return Err(MemoryStoreGap { level, index, len }),
        }
        Ok(())
    }
}

/// Why a tree could not answer.
#[derive(Debug, thiserror::Error)]
pub enum TreeError<E: std::error::Error + 'static> {
    /// The store failed.
    #[error("node store: {0}")]
    Store(#[source] E),
    /// A node the tree's size implies is not in the store.
    #[error("node ({level}, {index}) is missing from the store")]
    Missing { level: u8, index: u64 },
    /// A leaf index or a size beyond the tree, or sizes in the wrong order.
    #[error("{what} {value} is out of range for a tree of {size} leaves")]
    OutOfRange { what: &'static str, value: u64, size: u64 },
    /// The tree holds 2^64 − 1 leaves and cannot grow.
    #[error("the tree is full")]
    Full,
}

/// The right edge of a tree: the roots of the complete subtrees its size decomposes into, largest
/// first. Enough to append and to compute the root, in O(log n) memory, without any store:
/// [`Frontier::push`] then [`Frontier::root`] recompute a log's root from its leaves alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// Invariant: one hash per set bit of `size`, from the highest bit to the lowest.
    nodes: Vec<Hash>,
}

impl Frontier {
    pub fn new() -> Self {
        Frontier::default()
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The roots of the complete subtrees the size decomposes into, largest first.
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// The edge of a tree of `size` leaves from its [`Frontier::nodes`]; `None` unless there is
    /// one node per set bit of `size`.
    pub fn from_parts(size: u64, nodes: Vec<Hash>) -> Option<Frontier> {
        (nodes.len() == size.count_ones() as usize).then_some(Frontier { size, nodes })
    }

    /// Appends a leaf by its input.
    pub fn push(&mut self, leaf_input: &[u8]) {
        self.push_hash(leaf_hash(leaf_input));
    }

    /// Appends a leaf by its hash (the [`leaf_hash`] of its input).
    pub fn push_hash(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let left = self.nodes.pop().expect("one node per set bit of the size");
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.nodes.push(hash);
        self.size += 1;
    }

    /// Appends a complete subtree of `2^level` leaves by its root, as pushing its leaves one by
    /// one would: possible only when the size is a multiple of `2^level` (the subtree then starts
    /// at a boundary of its level). Returns `false`, changing nothing, otherwise.
    pub fn push_subtree(&mut self, level: u8, root: Hash) -> bool {
        let Some(width) = 1u64.checked_shl(u32::from(level)) else { return false };
        if !self.size.is_multiple_of(width) || self.size.checked_add(width).is_none() {
            return false;
        }
        let mut hash = root;
        let mut above = self.size >> level;
        while above & 1 == 1 {
            let left = self.nodes.pop().expect("one node per set bit of the size");
            hash = node_hash(&left, &hash);
            above >>= 1;
        }
        self.nodes.push(hash);
        self.size += width;
        true
    }

    /// The root hash of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        let Some(last) = nodes.next() else { return EMPTY_ROOT };
        nodes.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

/// An append-only Merkle tree whose complete subtrees live in a [`NodeStore`].
#[derive(Debug)]
pub struct Tree<S: NodeStore> {
    store: S,
    frontier: Frontier,
}

impl<S: NodeStore> Tree<S> {
    /// An empty tree over an empty store.
    pub fn new(store: S) -> Self {
        Tree { store, frontier: Frontier::new() }
    }

    /// The tree of `size` leaves already in `store`: reads the right edge (one node per set bit of
    /// `size`), so a store that lacks a node of that size is refused here.
    pub fn open(store: S, size: u64) -> Result<Self, TreeError<S::Error>> {
        let mut tree = Tree { store, frontier: Frontier { size, nodes: Vec::new() } };
        let mut start = 0;
        for level in (0..64u8).rev() {
            if size & (1 << level) != 0 {
                tree.frontier.nodes.push(tree.node(level, start >> level)?);
                start += 1 << level;
            }
        }
        Ok(tree)
    }

    /// The tree whose right edge is `frontier`, over the store holding its nodes: what a writer
    /// that keeps the edge between transactions resumes from, reading nothing.
    pub fn resume(store: S, frontier: Frontier) -> Self {
        Tree { store, frontier }
    }

    /// The right edge: enough to [`Tree::resume`] the tree later.
    pub fn frontier(&self) -> &Frontier {
        &self.frontier
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn into_store(self) -> S {
        self.store
    }

    /// Appends a leaf by its input (for Vigie, an event's 32-byte leaf commitment); returns its
    /// index.
    pub fn append(&mut self, leaf_input: &[u8]) -> Result<u64, TreeError<S::Error>> {
        self.append_hash(leaf_hash(leaf_input))
    }

    /// Appends a leaf by its hash; returns its index. Writes the leaf and every subtree it
    /// completes; the size grows only once all are written.
    pub fn append_hash(&mut self, leaf: Hash) -> Result<u64, TreeError<S::Error>> {
        let index = self.frontier.size;
        if index == u64::MAX {
            return Err(TreeError::Full);
        }
        self.store.put(0, index, leaf).map_err(TreeError::Store)?;
        // The leaf completes one subtree per trailing one bit of its index, each the node of the
        // right edge's last subtree and the one just completed.
        let merged = index.trailing_ones() as usize;
        let edge = &self.frontier.nodes;
        let mut hash = leaf;
        for (level, left) in (1u8..).zip(edge[edge.len() - merged..].iter().rev()) {
            hash = node_hash(left, &hash);
            self.store.put(level, index >> level, hash).map_err(TreeError::Store)?;
        }
        // Only now that every write succeeded does the tree grow.
        let frontier = &mut self.frontier;
        frontier.nodes.truncate(frontier.nodes.len() - merged);
        frontier.nodes.push(hash);
        frontier.size += 1;
        Ok(index)
    }

    /// The root hash now.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// The root hash the tree had at `size` leaves (`size ≤ self.size()`).
    pub fn root_at(&self, size: u64) -> Result<Hash, TreeError<S::Error>> {
        self.check_size("size", size)?;
        if size == 0 {
            return Ok(EMPTY_ROOT);
        }
        if size == self.size() {
            return Ok(self.root());
        }
        self.mth(0, size)
    }

    /// The hash of the leaf at `index`.
    pub fn leaf_hash(&self, index: u64) -> Result<Hash, TreeError<S::Error>> {
        if index >= self.size() {
            return Err(TreeError::OutOfRange { what: "leaf index", value: index, size: self.size() });
        }
        self.node(0, index)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves: RFC 9162 §2.1.3.1's
    /// `PATH(index, D[size])`, the sibling nearest the leaf first.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, TreeError<S::Error>> {
        self.check_size("size", size)?;
        if index >= size {
            return Err(TreeError::OutOfRange { what: "leaf index", value: index, size });
        }
        let mut proof = Vec::new();
        self.path(index, 0, size, &mut proof)?;
        Ok(proof)
    }

    /// The consistency proof from the tree of `m` leaves to the tree of `n`: RFC 9162 §2.1.4.1's
    /// `PROOF(m, D[n])`. Empty when `m` is 0 or `m = n`, where nothing needs proving.
    pub fn consistency_proof(&self, m: u64, n: u64) -> Result<Vec<Hash>, TreeError<S::Error>> {
        self.check_size("size", n)?;
        if m > n {
            return Err(TreeError::OutOfRange { what: "old size", value: m, size: n });
        }
        let mut proof = Vec::new();
        if m > 0 && m < n {
            self.subproof(m, 0, n, true, &mut proof)?;
        }
        Ok(proof)
    }

    fn check_size(&self, what: &'static str, size: u64) -> Result<(), TreeError<S::Error>> {
        if size > self.size() {
            return Err(TreeError::OutOfRange { what, value: size, size: self.size() });
        }
        Ok(())
    }

    fn node(&self, level: u8, index: u64) -> Result<Hash, TreeError<S::Error>> {
        self.store.get(level, index).map_err(TreeError::Store)?.ok_or(TreeError::Missing { level, index })
    }

    /// `MTH(D[start:end])`, for `end > start`: one read when the range is a complete subtree,
    /// otherwise split as RFC 9162 splits it.
    fn mth(&self, start: u64, end: u64) -> Result<Hash, TreeError<S::Error>> {
        let len = end - start;
        if len.is_power_of_two() && start.is_multiple_of(len) {
            let level = len.trailing_zeros() as u8;
            return self.node(level, start >> level);
        }
        let k = split_point(len);
        Ok(node_hash(&self.mth(start, start + k)?, &self.mth(start + k, end)?))
    }

    /// `PATH(m, D[start:end])` appended to `out`, `m` being an absolute index.
    fn path(&self, m: u64, start: u64, end: u64, out: &mut Vec<Hash>) -> Result<(), TreeError<S::Error>> {
        let n = end - start;
        if n == 1 {
            return Ok(());
        }
        let k = split_point(n);
        if m - start < k {
            self.path(m, start, start + k, out)?;
            out.push(self.mth(start + k, end)?);
        } else {
            self.path(m, start + k, end, out)?;
            out.push(self.mth(start, start + k)?);
        }
        Ok(())
    }

    /// `SUBPROOF(m, D[start:end], whole)` appended to `out`, `m` counting from `start`.
    fn subproof(
        &self,
        m: u64,
        start: u64,
        end: u64,
        whole: bool,
        out: &mut Vec<Hash>,
    ) -> Result<(), TreeError<S::Error>> {
        let n = end - start;
        if m == n {
            if !whole {
                out.push(self.mth(start, end)?);
            }
            return Ok(());
        }
        let k = split_point(n);
        if m <= k {
            self.subproof(m, start, start + k, whole, out)?;
            out.push(self.mth(start + k, end)?);
        } else {
            self.subproof(m - k, start + k, end, false, out)?;
            out.push(self.mth(start, start + k)?);
        }
        Ok(())
    }
}

/// Why a proof does not verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("old size {old} is larger than new size {new}")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error("the proof has more hashes than the sizes allow")]
    TooLong,
    #[error("the proof has fewer hashes than the sizes need")]
    TooShort,
    #[error("a proof between equal sizes, or from the empty tree, must be empty")]
    NotEmpty,
    #[error("the proof does not lead to the old root")]
    OldRootMismatch,
    #[error("the proof does not lead to the root")]
    RootMismatch,
}

/// The root an inclusion proof leads to from `leaf` at `index` in a tree of `size` leaves
/// (RFC 9162 §2.1.3.2, steps 1 to 5 without the final comparison of roots).
pub fn root_from_inclusion_proof(leaf: &Hash, index: u64, size: u64, proof: &[Hash]) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::TooLong);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::TooShort);
    }
    Ok(r)
}

/// Verifies that `leaf` (a [`leaf_hash`]) is at `index` in the tree of `size` leaves whose root
/// is `root` (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(leaf: &Hash, index: u64, size: u64, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `n` leaves with root `root_n` extends the tree of `m` leaves with
/// root `root_m` (RFC 9162 §2.1.4.2). Between equal sizes the roots must be equal and the proof
/// empty; from the empty tree (`m = 0`, whose root must be [`EMPTY_ROOT`]) the proof is empty.
pub fn verify_consistency(m: u64, n: u64, root_m: &Hash, root_n: &Hash, proof: &[Hash]) -> Result<(), ProofError> {
    if m > n {
        return Err(ProofError::SizesOutOfOrder { old: m, new: n });
    }
    if m == 0 || m == n {
        if !proof.is_empty() {
            return Err(ProofError::NotEmpty);
        }
        if m == 0 && *root_m != EMPTY_ROOT {
            return Err(ProofError::OldRootMismatch);
        }
        if m == n && root_m != root_n {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // 1. An empty path fails.
    if proof.is_empty() {
        return Err(ProofError::TooShort);
    }
    // 2. When m is a power of two, the old root is the path's first element.
    let mut path: Box<dyn Iterator<Item = &Hash>> =
        if m.is_power_of_two() { Box::new(std::iter::once(root_m).chain(proof)) } else { Box::new(proof.iter()) };
    // 3. and 4.
    let (mut fn_, mut sn) = (m - 1, n - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // 5.
    let first = path.next().expect("the path is not empty");
    let (mut fr, mut sr) = (*first, *first);
    // 6.
    for c in path {
        if sn == 0 {
            return Err(ProofError::TooLong);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // 7.
    if sn != 0 {
        return Err(ProofError::TooShort);
    }
    if fr != *root_m {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *root_n {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_root_is_the_hash_of_nothing() {
        assert_eq!(EMPTY_ROOT, <[u8; 32]>::from(Sha256::digest(b"")));
    }

    #[test]
    fn the_split_point_is_the_largest_power_of_two_below() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1 << 40, 1 << 39), ((1 << 40) + 1, 1 << 40)] {
            assert_eq!(split_point(n), k, "n = {n}");
        }
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn a_subtree_pushed_by_its_root_leaves_the_edge_its_leaves_would() {
        let leaf = |i: u64| leaf_hash(&i.to_be_bytes());
        for level in 0..6u8 {
            let width = 1u64 << level;
            for blocks_before in 0..9u64 {
                let mut by_leaf = Frontier::new();
                let mut by_block = Frontier::new();
                for b in 0..=blocks_before {
                    let mut block = Frontier::new();
                    for i in b * width..(b + 1) * width {
                        by_leaf.push_hash(leaf(i));
                        block.push_hash(leaf(i));
                    }
                    assert!(by_block.push_subtree(level, block.root()));
                }
                assert_eq!(by_block, by_leaf, "level {level}, {blocks_before} blocks before");
            }
        }
        // Off its level's boundary, or past the largest size, it is refused and changes nothing.
        let mut f = Frontier::new();
        f.push_hash(leaf(0));
        let before = f.clone();
        assert!(!f.push_subtree(1, leaf(1)));
        assert!(!f.push_subtree(64, leaf(1)));
        assert_eq!(f, before);
        // An edge taken apart and put back together is the same edge; a wrong count is refused.
        for n in 0..5 {
            f.push_hash(leaf(n + 1));
            assert_eq!(Frontier::from_parts(f.size(), f.nodes().to_vec()), Some(f.clone()));
            assert_eq!(
                Frontier::from_parts(f.size() + 1, f.nodes().to_vec()).is_some(),
                (f.size() + 1).count_ones() == f.size().count_ones()
            );
        }
    }

    #[test]
    fn a_store_that_lost_a_node_is_refused_when_opened_or_read() {
        let mut tree = Tree::new(MemoryStore::new());
        for i in 0..5u8 {
            tree.append(&[i]).unwrap();
        }
        let mut store = tree.into_store();
        // Keep level 0 but drop level 2, which the size 5 needs (leaves 0..4).
        store.levels.truncate(2);
        assert!(matches!(Tree::open(store.clone(), 5), Err(TreeError::Missing { level: 2, index: 0 })));
        // A size that does not need it opens, and reads that need it fail clearly.
        let tree = Tree::open(store, 3).unwrap();
        assert!(tree.root_at(2).is_ok());
        assert!(matches!(tree.inclusion_proof(0, 3), Ok(p) if p.len() == 2));
    }

    #[test]
    fn the_memory_store_refuses_a_hole() {
        let mut store = MemoryStore::new();
        store.put(0, 0, [1; 32]).unwrap();
        assert!(store.put(0, 2, [2; 32]).is_err());
        store.put(0, 0, [1; 32]).unwrap();
        assert_eq!(store.node_count(), 1);
    }
}
