//! The verifiable log's core: what makes Vigie's event log checkable by outsiders, in the way
//! certificate transparency does it.
//!
//! - [`tree`]: RFC 9162 Merkle trees over the events' leaf commitments: an append-only [`Tree`]
//!   over a [`NodeStore`] of complete subtrees, inclusion and consistency proofs
//!   ([`verify_inclusion`], [`verify_consistency`]), and a [`Frontier`] that recomputes a root
//!   from the leaves alone.
//! - [`note`]: C2SP signed notes, their keys ([`SignerKey`], [`VerifierKey`], in the vkey text
//!   forms) and their strict parsing.
//! - [`checkpoint`]: C2SP tlog-checkpoint: the log's signed tree head ([`Checkpoint::sign`],
//!   [`Checkpoint::open`]).
//! - [`cosignature`]: C2SP tlog-cosignature v1 ([`cosign`], [`verify_cosignature`]): a witness's
//!   timestamped statement, the signed time of a checkpoint.
//! - [`witness`]: the rules of a C2SP tlog-witness ([`Witness`]): cosign what extends the latest
//!   checkpoint seen, raise a [`Fork`] alarm with its evidence otherwise, and notice a log that
//!   stopped growing.
//!
//! ```
//! use vigie_log::{Checkpoint, MemoryStore, SignerKey, Tree, Witness, verify_inclusion};
//!
//! let mut tree = Tree::new(MemoryStore::new());
//! for event in 0u8..5 {
//!     tree.append(&[event; 32]).unwrap(); // an event's 32-byte leaf commitment
//! }
//! let log_key = SignerKey::from_seed("vigie.example/log", &[1; 32]).unwrap();
//! let signed = Checkpoint::new("vigie.example/log", tree.size(), tree.root()).unwrap().sign(&log_key).unwrap();
//!
//! let proof = tree.inclusion_proof(3, 5).unwrap();
//! let leaf = vigie_log::leaf_hash(&[3; 32]);
//! verify_inclusion(&leaf, 3, 5, &proof, signed.checkpoint().root()).unwrap();
//!
//! let mut witness = Witness::new(SignerKey::from_seed("witness.example/w1", &[2; 32]).unwrap());
//! witness.watch("vigie.example/log", vec![log_key.verifier()], 1_700_000_000).unwrap();
//! let cosignature = witness.add_checkpoint(0, &[], signed.encode().as_bytes(), 1_700_000_060).unwrap();
//! ```
//!
//! Pure: no I/O, no clock, no randomness. Times and keys (as seeds) are arguments.

pub mod checkpoint;
pub mod cosignature;
pub mod note;
pub mod tree;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
pub use cosignature::{CosignatureError, WitnessedBy, cosign, verify_cosignature};
pub use note::{KeyType, Note, NoteError, NoteSignature, SignerKey, VerifierKey};
pub use tree::{
    EMPTY_ROOT, Frontier, Hash, MemoryStore, NodeStore, ProofError, Tree, TreeError, leaf_hash, node_hash,
    root_from_inclusion_proof, verify_consistency, verify_inclusion,
};
pub use witness::{AddCheckpoint, Fork, ForkKind, Refusal, Stale, Witness};
