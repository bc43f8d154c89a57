//! What the event log's own integrity checks read: where the chain ends, whether the engine still
//! refuses to change or remove events, and the verifiable log kept beside the chain (step 12): the
//! nodes of its Merkle tree, the events' seeds and the signed checkpoints.

use vigie_model::Timestamp;

use crate::Result;

/// A 32-byte hash, as the tree keeps it.
pub type LogHash = [u8; 32];

/// The lowest level of the log's tree whose nodes an engine keeps: one node for every 16 leaves,
/// and half as many at each level above, about one row for eight events, where keeping every
/// node took two rows for each. A node below is hashed again from its events and their seeds
/// when a proof or a check needs it: at most 16 events read. An event changed in the database
/// after it was written no longer hashes to the kept node of its block of 16, nor to the signed
/// roots; the newest events, in a block not yet complete, are held by the checkpoints alone.
pub const KEPT_NODE_LEVEL: u8 = 4;

/// A checkpoint the log signed: its tree size and root, and the signed note (C2SP
/// `tlog-checkpoint`) with the witnesses' cosignatures gathered since.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub origin: String,
    pub size: u64,
    pub root: LogHash,
    pub signed_at: Timestamp,
    pub note: String,
}

/// Reads about the event log itself, for the checks at start (`vigie_app::audit`) and the proofs.
pub trait ChainReads {
    /// The sequence number of the last event; 0 for an empty log.
    fn last_event_seq(&self) -> Result<i64>;
    /// The append-only guards of the event log that are not in force, by name (for SQLite, the
    /// triggers that refuse `UPDATE` and `DELETE` on `events` and on the tree's nodes, as the
    /// schema created them). Empty when every guard is in place.
    fn missing_event_guards(&self) -> Result<Vec<String>>;
    /// The number of leaves in the log's tree: the events appended to it (event `seq` is leaf
    /// `seq − 1`).
    fn log_size(&self) -> Result<u64>;
    /// The hash of the complete subtree at `(level, index)`: as kept, at [`KEPT_NODE_LEVEL`]
    /// and above; hashed from its events and their seeds, below. `None` when the tree does not
    /// reach that far (or a kept node is missing).
    fn log_node(&self, level: u8, index: u64) -> Result<Option<LogHash>>;
    /// The seeds of events `from..=to` (their fields' salts derive from them), by sequence number.
    fn event_seeds(&self, from: i64, to: i64) -> Result<Vec<(i64, LogHash)>>;
    /// The checkpoints of `origin`, newest first, at most `limit`.
    fn log_checkpoints(&self, origin: &str, limit: u32) -> Result<Vec<CheckpointRecord>>;
    /// The smallest checkpoint (of any origin) that covers at least `size` events.
    fn log_checkpoint_covering(&self, size: u64) -> Result<Option<CheckpointRecord>>;
    /// The checkpoint of `origin` at `size`.
    fn log_checkpoint(&self, origin: &str, size: u64) -> Result<Option<CheckpointRecord>>;
}

/// Writes of the verifiable log that are not appends (the store appends a leaf with each event).
pub trait LogTx {
    /// Records a signed checkpoint, or replaces the note of the one at the same origin and size
    /// (once cosignatures were added to it; its root cannot change).
    fn put_checkpoint(&mut self, c: &CheckpointRecord) -> Result<()>;
}
