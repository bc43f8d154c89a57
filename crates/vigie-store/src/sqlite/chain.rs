//! The SQL behind [`ChainReads`].

use rusqlite::OptionalExtension;

use super::conn::{SqliteRead, SqliteTx};
use super::err;
use crate::{ChainReads, Result};

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
        for (name, expected) in EVENT_GUARDS {
            let sql: Option<String> = self
                .conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?1 AND tbl_name = 'events'",
                    [name],
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
}

impl ChainReads for SqliteTx<'_> {
    fn last_event_seq(&self) -> Result<i64> {
        self.read.last_event_seq()
    }
    fn missing_event_guards(&self) -> Result<Vec<String>> {
        self.read.missing_event_guards()
    }
}
