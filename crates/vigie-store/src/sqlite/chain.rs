//! The SQL behind [`ChainReads`] and [`LogTx`]: the chain's guards, and the verifiable log's
//! tree nodes, seeds and checkpoints.

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::Sha256;
use vigie_log::tree::{Frontier, NodeStore, leaf_hash};
use vigie_model::Timestamp;
use vigie_model::event::leaf::Leaf;
use vigie_model::event::{ChainedEvent, Event};

use super::conn::{SqliteRead, SqliteTx};
use super::err;
use crate::{ChainReads, CheckpointRecord, KEPT_NODE_LEVEL, LogHash, LogTx, Result, StoreError};

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
        seeds(self.conn, from, to).map_err(err)
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

/// The number of leaves in the tree, as the last commit left it (`log_state`, migration 26).
pub(super) fn log_size(conn: &Connection) -> rusqlite::Result<u64> {
    let size: i64 = conn.prepare_cached("SELECT tree_size FROM log_state WHERE id = 1")?.query_row([], |r| r.get(0))?;
    Ok(u64::try_from(size).unwrap_or(0))
}

/// The key from which the seeds of the events appended since migration 26 derive: an event's
/// seed is HMAC-SHA256 under it of a label and its sequence number. As unpredictable as the key,
/// which never leaves the store, and written nowhere per event.
#[derive(Clone)]
pub(crate) struct SeedKey(Hmac<Sha256>);

impl SeedKey {
    pub(crate) fn load(conn: &Connection) -> rusqlite::Result<SeedKey> {
        let key: Vec<u8> =
            conn.prepare_cached("SELECT seed_key FROM log_state WHERE id = 1")?.query_row([], |r| r.get(0))?;
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .map_err(|_| super::conn::corrupt("log seed key", &hex::encode(&key)))?;
        Ok(SeedKey(mac))
    }

    /// The seed of event `seq`.
    pub(crate) fn seed(&self, seq: i64) -> LogHash {
        let mut mac = self.0.clone();
        mac.update(b"vigie-event-seed-v1");
        mac.update(&seq.to_be_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// The seeds of the events `from..=to` that are leaves of the tree: the seed row an event
/// appended before migration 26 has, or the one derived from the key.
pub(super) fn seeds(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<Vec<(i64, LogHash)>> {
    let last = to.min(i64::try_from(log_size(conn)?).unwrap_or(i64::MAX));
    let first = from.max(1);
    if first > last {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached("SELECT seq, seed FROM event_seeds WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq")?;
    let stored: std::collections::HashMap<i64, LogHash> = stmt
        .query_map(params![first, last], |r| Ok((r.get::<_, i64>(0)?, hash_of(r.get(1)?)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let key = if stored.len() as i64 == last - first + 1 { None } else { Some(SeedKey::load(conn)?) };
    Ok((first..=last)
        .map(|seq| {
            let seed = stored.get(&seq).copied().unwrap_or_else(|| key.as_ref().expect("loaded when needed").seed(seq));
            (seq, seed)
        })
        .collect())
}

/// The leaf of event `ev` with its seed: the RFC 9162 leaf hash of its leaf commitment.
pub(super) fn event_leaf(ev: &ChainedEvent, event: &Event, seed: LogHash) -> LogHash {
    leaf_hash(&Leaf::hash_of(ev, event, &seed))
}

/// The tree's nodes: those at [`KEPT_NODE_LEVEL`] and above in `log_nodes`, those below hashed
/// again from the events, for [`vigie_log::tree::Tree`].
pub(super) struct Nodes<'c>(pub(super) &'c Connection);

impl Nodes<'_> {
    /// The root of the complete subtree at `(level, index)` below the kept level, from its events
    /// and their seeds; `None` beyond the tree.
    fn hashed(&self, level: u8, index: u64) -> rusqlite::Result<Option<LogHash>> {
        let width = 1u64 << level;
        let Some(first) = index.checked_mul(width).and_then(|f| i64::try_from(f).ok()) else { return Ok(None) };
        let last = first + i64::try_from(width).unwrap_or(1);
        if u64::try_from(last).unwrap_or(u64::MAX) > log_size(self.0)? {
            return Ok(None);
        }
        let seeds = seeds(self.0, first + 1, last)?;
        let mut stmt = self.0.prepare_cached("SELECT * FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq")?;
        let events = stmt
            .query_map(params![first + 1, last], super::events::event_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut block = Frontier::new();
        for (ev, (seq, seed)) in events.iter().zip(&seeds) {
            if ev.seq != *seq {
                return Err(super::conn::corrupt("event of the tree", &seq.to_string()));
            }
            let event = ev.event().map_err(|e| super::conn::corrupt("event", &format!("{}: {e}", ev.seq)))?;
            block.push_hash(event_leaf(ev, &event, *seed));
        }
        if block.size() != width {
            return Err(super::conn::corrupt(
                "events of a block",
                &format!("{} of {width} from {}", block.size(), first + 1),
            ));
        }
        Ok(Some(block.root()))
    }
}

impl NodeStore for Nodes<'_> {
    type Error = rusqlite::Error;

    fn get(&self, level: u8, index: u64) -> rusqlite::Result<Option<LogHash>> {
        if level < KEPT_NODE_LEVEL {
            return self.hashed(level, index);
        }
        let Ok(index) = i64::try_from(index) else { return Ok(None) };
        let mut stmt = self.0.prepare_cached("SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2")?;
        let raw: Option<Vec<u8>> = stmt.query_row(params![level, index], |r| r.get(0)).optional()?;
        raw.map(hash_of).transpose()
    }

    fn put(&mut self, level: u8, index: u64, hash: LogHash) -> rusqlite::Result<()> {
        if level < KEPT_NODE_LEVEL {
            // Hashed again from the events when needed (see `KEPT_NODE_LEVEL`).
            return Ok(());
        }
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
