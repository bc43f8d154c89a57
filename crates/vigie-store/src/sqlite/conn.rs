//! The engine's connections as the queries see them: a read connection, a transaction with the
//! chain's head, and the helpers every area's queries share.

use rusqlite::{Connection, OptionalExtension, Row};
use vigie_model::Timestamp;
use vigie_model::event::GENESIS_HASH;

use super::err;
use crate::Result;

pub(crate) struct SqliteRead<'c> {
    pub(crate) conn: &'c Connection,
}

pub(crate) struct SqliteTx<'c> {
    pub(crate) read: SqliteRead<'c>,
    pub(crate) head: &'c mut ChainHead,
    /// The events appended in this transaction, waiting for their leaves (`leaves.rs`).
    pub(crate) leaves: &'c mut super::leaves::Leaves,
}

pub(super) fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_micros)
}
pub(super) fn us(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_micros)
}

/// A JSON column read as its type: a value that does not read is a corrupt row, never a default.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(what: &str, raw: &str) -> rusqlite::Result<T> {
    serde_json::from_str(raw).map_err(|_| corrupt(what, raw))
}

/// [`from_json`] for a column that may be NULL.
pub(super) fn from_json_opt<T: serde::de::DeserializeOwned>(
    what: &str,
    raw: Option<String>,
) -> rusqlite::Result<Option<T>> {
    raw.map(|r| from_json(what, &r)).transpose()
}

/// A value of the model as its JSON column: plain data, which always serialises.
pub(super) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("the model's records are plain data")
}

/// A column holding one word of a closed vocabulary (`parse` is the vocabulary's): a word it does
/// not know is a corrupt row.
pub(super) fn word<T>(r: &Row<'_>, column: &str, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let raw: String = r.get(column)?;
    parse(&raw).ok_or_else(|| corrupt(column, &raw))
}

pub(super) fn corrupt(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unreadable {what}: {value:?}").into(),
    )
}

impl SqliteRead<'_> {
    pub(super) fn one<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        stmt.query_row(p, f).optional().map_err(err)
    }
    pub(super) fn many<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        let rows = stmt.query_map(p, f).map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<T>>>().map_err(err)
    }
    pub(super) fn exec(&self, sql: &str, p: impl rusqlite::Params) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        stmt.execute(p).map_err(err)
    }
}

/// The last event in the chain and the right edge of the log's tree, kept in memory by the
/// writer.
#[derive(Clone, Debug)]
pub(crate) struct ChainHead {
    pub(super) seq: i64,
    pub(super) hash: String,
    pub(super) frontier: vigie_log::tree::Frontier,
}

impl ChainHead {
    /// Reads the head, and gives every event without a leaf its leaf (the events written before
    /// the tree existed, in one transaction), so that event `seq` is always leaf `seq − 1`.
    pub(crate) fn load(conn: &Connection) -> crate::Result<Self> {
        let last = conn
            .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()
            .map_err(err)?;
        let (seq, hash) = last.unwrap_or((0, GENESIS_HASH.to_owned()));
        let size = super::chain::log_size(conn).map_err(err)?;
        // The edge as the writer last recorded it; a database from before migration 26 has none
        // yet, and every node then (the levels below the kept one included), so it is read there.
        let recorded: Option<Vec<u8>> =
            conn.query_row("SELECT frontier FROM log_state WHERE id = 1", [], |r| r.get(0)).map_err(err)?;
        let frontier = match recorded {
            Some(raw) => {
                let nodes = raw.chunks_exact(32).map(|c| <[u8; 32]>::try_from(c).expect("32 bytes")).collect();
                vigie_log::tree::Frontier::from_parts(size, nodes).ok_or_else(|| {
                    crate::StoreError::Corrupt(format!("the log's recorded edge does not fit a tree of {size} leaves"))
                })?
            }
            None => vigie_log::tree::Tree::open(super::chain::Nodes(conn), size)
                .map_err(|e| crate::StoreError::Corrupt(format!("the log's tree at {size} leaves: {e}")))?
                .frontier()
                .clone(),
        };
        let mut head = ChainHead { seq, hash, frontier };
        let behind = u64::try_from(seq).unwrap_or(0);
        if size > behind {
            return Err(crate::StoreError::Corrupt(format!("the log's tree has {size} leaves for {seq} events")));
        }
        if size < behind {
            super::events::backfill_leaves(conn, &mut head)?;
        }
        Ok(head)
    }
}
