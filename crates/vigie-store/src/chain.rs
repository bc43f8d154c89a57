//! What the event log's own integrity checks read: where the chain ends, and whether the engine
//! still refuses to change or remove events.

use crate::Result;

/// Reads about the event log itself, for the checks at start (`vigie_app::audit`).
pub trait ChainReads {
    /// The sequence number of the last event; 0 for an empty log.
    fn last_event_seq(&self) -> Result<i64>;
    /// The append-only guards of the event log that are not in force, by name (for SQLite, the
    /// triggers that refuse `UPDATE` and `DELETE` on `events`, as the schema created them). Empty
    /// when every guard is in place.
    fn missing_event_guards(&self) -> Result<Vec<String>>;
}
