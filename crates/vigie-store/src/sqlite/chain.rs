//! The SQL behind [`ChainReads`] and [`LogTx`]: the chain's guards, and the verifiable log's
//! tree nodes, seeds and checkpoints.

use rusqlite::{Connection, OptionalExtension, params};
use vigie_log::tree::NodeStore;
use vigie_model::Timestamp;

use super::conn::{SqliteRead, SqliteTx};
use super::err;
use crate::{ChainReads, CheckpointRecord, LogHash, LogTx, Result, StoreError};

/// The triggers that make `events` append-only, as the first migration created them. A trigger
/// that is missing, or whose text differs (say, one that no longer raises), is reported.
const EVENT_GUARDS: &[(&str, &str)] = &[
    (
        "events_no_update",
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    ),
    (
        "events_no_delete",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    ),
];

/// The triggers that make the tree's nodes append-only, as migration 19 created them.
const NODE_GUARDS: &[(&str, &str)] = &[
    (
        "log_nodes_no_update",
        "CREATE TRIGGER log_nodes_no_update BEFORE UPDATE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END",
    ),
    (
        "log_nodes_no_delete",
        "CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END",
    ),
];

/// SQL text with its runs of white space made one space, for comparison.
fn squeezed(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl ChainReads for SqliteRead<'_> {
    fn last_event_seq(&self) -> Result<i64> {
        Ok(self.one("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?.unwrap_or(0))
    }

    fn missing_event_guards(&self) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        let guards = EVENT_GUARDS.iter().map(|g| ("events", g)).chain(NODE_GUARDS.iter().map(|g| ("log_nodes", g)));
        for (table, (name, expected)) in guards {
            let sql: Option<String> = self
                .conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1 AND tbl_name = ?2",
                    [name, table],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err)?;
            if sql.is_none_or(|sql| squeezed(&sql) != *expected) {
                missing.push((*name).to_owned());
            }
        }
        Ok(missing)
    }

    fn log_size(&self) -> Result<u64> {
        log_size(self.conn).map_err(err)
    }

    fn log_node(&self, level: u8, index: u64) -> Result<Option<LogHash>> {
        Nodes(self.conn).get(level, index).map_err(err)
    }

    fn event_seeds(&self, from: i64, to: i64) -> Result<Vec<(i64, LogHash)>> {
        self.many(
            "SELECT seq, seed FROM event_seeds WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
            params![from, to],
            |r| Ok((r.get(0)?, hash_of(r.get(1)?)?)),
        )
    }

    fn log_checkpoints(&self, origin: &str, limit: u32) -> Result<Vec<CheckpointRecord>> {
        self.many(
            "SELECT * FROM log_checkpoints WHERE origin = ?1 ORDER BY size DESC LIMIT ?2",
            params![origin, limit],
            checkpoint_row,
        )
    }

    fn log_checkpoint_covering(&self, size: u64) -> Result<Option<CheckpointRecord>> {
        self.one(
            "SELECT * FROM log_checkpoints WHERE size >= ?1 ORDER BY size, signed_at DESC LIMIT 1",
            [i64::try_from(size).unwrap_or(i64::MAX)],
            checkpoint_row,
        )
    }

    fn log_checkpoint(&self, origin: &str, size: u64) -> Result<Option<CheckpointRecord>> {
        self.one(
            "SELECT * FROM log_checkpoints WHERE origin = ?1 AND size = ?2",
            params![origin, i64::try_from(size).unwrap_or(i64::MAX)],
            checkpoint_row,
        )
    }
}

fn hash_of(raw: Vec<u8>) -> rusqlite::Result<LogHash> {
    LogHash::try_from(raw.as_slice()).map_err(|_| super::conn::corrupt("log hash", &hex::encode(&raw)))
}

fn checkpoint_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckpointRecord> {
    Ok(CheckpointRecord {
        origin: r.get("origin")?,
        size: u64::try_from(r.get::<_, i64>("size")?).unwrap_or(0),
        root: hash_of(r.get("root")?)?,
        signed_at: Timestamp::from_micros(r.get("signed_at")?),
        note: r.get("note")?,
    })
}

/// The number of leaves in the tree: one more than the last leaf's index (read off the primary
/// key, not counted).
pub(super) fn log_size(conn: &Connection) -> rusqlite::Result<u64> {
    let last: Option<i64> = conn.query_row("SELECT MAX(idx) FROM log_nodes WHERE level = 0", [], |r| r.get(0))?;
    Ok(last.map_or(0, |i| u64::try_from(i).unwrap_or(0) + 1))
}

/// The tree's nodes in `log_nodes`, for [`vigie_log::tree::Tree`].
pub(super) struct Nodes<'c>(pub(super) &'c Connection);

impl NodeStore for Nodes<'_> {
    type Error = rusqlite::Error;

    fn get(&self, level: u8, index: u64) -> rusqlite::Result<Option<LogHash>> {
        let Ok(index) = i64::try_from(index) else { return Ok(None) };
        let mut stmt = self.0.prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")?;
        let raw: Option<Vec<u8>> = stmt.query_row(params![level, index], |r| r.get(0)).optional()?;
        raw.map(hash_of).transpose()
    }

    fn put(&mut self, level: u8, index: u64, hash: LogHash) -> rusqlite::Result<()> {
        let index = i64::try_from(index).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(1, i64::MAX))?;
        let mut stmt = self
            .0
            .prepare_cached("INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING")?;
        if stmt.execute(params![level, index, hash.as_slice()])? == 0 && self.get(level, index as u64)? != Some(hash) {
            // A node is written once; the same hash again is a retried append, another is not.
            return Err(super::conn::corrupt("log node", &format!("({level}, {index}) written with another hash")));
        }
        Ok(())
    }
}

impl ChainReads for SqliteTx<'_> {
    fn last_event_seq(&self) -> Result<i64> {
        self.read.last_event_seq()
    }
    fn missing_event_guards(&self) -> Result<Vec<String>> {
        self.read.missing_event_guards()
    }
    fn log_size(&self) -> Result<u64> {
        Ok(self.head.frontier.size())
    }
    fn log_node(&self, level: u8, index: u64) -> Result<Option<LogHash>> {
        self.read.log_node(level, index)
    }
    fn event_seeds(&self, from: i64, to: i64) -> Result<Vec<(i64, LogHash)>> {
        self.read.event_seeds(from, to)
    }
    fn log_checkpoints(&self, origin: &str, limit: u32) -> Result<Vec<CheckpointRecord>> {
        self.read.log_checkpoints(origin, limit)
    }
    fn log_checkpoint(&self, origin: &str, size: u64) -> Result<Option<CheckpointRecord>> {
        self.read.log_checkpoint(origin, size)
    }
    fn log_checkpoint_covering(&self, size: u64) -> Result<Option<CheckpointRecord>> {
        self.read.log_checkpoint_covering(size)
    }
}

impl LogTx for SqliteTx<'_> {
    fn put_checkpoint(&mut self, c: &CheckpointRecord) -> Result<()> {
        let size = i64::try_from(c.size).map_err(|_| StoreError::Corrupt(format!("tree size {}", c.size)))?;
        let changed = self.read.exec(
            "INSERT INTO log_checkpoints (origin, size, root, signed_at, note) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (origin, size) DO UPDATE SET note = excluded.note WHERE root = excluded.root",
            params![c.origin, size, c.root.as_slice(), c.signed_at.as_micros(), c.note],
        )?;
        if changed == 0 {
            return Err(StoreError::Corrupt(format!(
                "a checkpoint of {} at size {} with another root",
                c.origin, c.size
            )));
        }
        Ok(())
    }
}
