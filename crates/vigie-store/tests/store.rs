//! The store's promises. `conformance` holds the engine-neutral suite, run here on SQLite; the
//! tests after it are the SQLite engine's own (its settings, its read-only mode).

// The suite is `pub` for this one binary (and the engines to come); nothing is exported.
#![allow(unreachable_pub)]

#[macro_use]
mod conformance;

use std::path::PathBuf;

use conformance::{Harness, event, org};
use vigie_model::{Conflict, EventId, Timestamp, UserId};
use vigie_store::{ConstraintKind, HostRecord, HostStatus};
use vigie_store::{KEPT_NODE_LEVEL, SqliteConfig, Store, StoreError};

/// A SQLite database in a temporary directory.
struct Sqlite {
    dir: tempfile::TempDir,
}

impl Sqlite {
    fn new() -> Self {
        Sqlite { dir: tempfile::tempdir().expect("temporary directory") }
    }
    fn file(&self) -> PathBuf {
        self.dir.path().join("vigie.sqlite3")
    }
}

impl Harness for Sqlite {
    fn open(&self) -> Store {
        Store::open_sqlite(self.dir.path(), SqliteConfig::default()).expect("the store opens")
    }
    fn tamper_with_event(&self, seq: i64, delete: bool) -> Result<(), String> {
        let raw = rusqlite::Connection::open(self.file()).map_err(|e| e.to_string())?;
        let sql =
            if delete { "DELETE FROM events WHERE seq = ?1" } else { "UPDATE events SET data = '{}' WHERE seq = ?1" };
        raw.execute(sql, [seq]).map(drop).map_err(|e| e.to_string())
    }
}

storetests! { Sqlite::new;
    a_committed_write_survives_a_restart,
    a_rolled_back_job_takes_its_events_and_the_chain_head_with_it,
    events_are_chained_in_commit_order_without_gaps,
    the_event_log_refuses_changes_and_deletions,
    a_failing_or_panicking_job_rolls_back_alone_in_a_grouped_commit,
    a_write_is_visible_to_every_read_once_it_returns,
    uniqueness_rules_answer_conflict_by_kind,
    the_outbox_hands_out_each_queue_in_order_and_sets_dead_letters_aside,
}

#[tokio::test]
async fn the_writer_uses_wal_with_full_synchronous_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    let d = store.durability().unwrap();
    assert_eq!(d.journal_mode, "wal");
    assert_eq!(d.synchronous, 2, "FULL: the WAL is fsync'd at every commit");
}

#[tokio::test]
async fn a_read_only_store_reads_beside_the_writer_and_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    assert!(Store::open_sqlite_read_only(dir.path(), 1).is_err(), "no database yet");
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    store.write(|tx| tx.insert_org(&org(1))).await.unwrap();

    // Beside the running writer: it sees what was committed, and then what comes next.
    let reader = Store::open_sqlite_read_only(dir.path(), 1).unwrap();
    assert_eq!(reader.read(|r| r.count_orgs()).await.unwrap(), 1);
    store.write(|tx| tx.insert_org(&org(2))).await.unwrap();
    assert_eq!(reader.read(|r| r.count_orgs()).await.unwrap(), 2);
    let refused = reader.write(|tx| tx.insert_org(&org(3))).await;
    assert!(matches!(refused, Err(StoreError::ReadOnly)), "{refused:?}");

    // After the server stopped (its last connection copied the WAL into the database and removed
    // it), still readable.
    reader.close().await;
    store.close().await;
    assert!(!dir.path().join("vigie.sqlite3-wal").exists(), "closing joined every connection");
    let reader = Store::open_sqlite_read_only(dir.path(), 1).unwrap();
    assert_eq!(reader.read(|r| r.count_orgs()).await.unwrap(), 2);
}

fn host(org: &vigie_store::OrgRecord, host: &str) -> HostRecord {
    HostRecord {
        host: host.into(),
        org: org.id.clone(),
        status: HostStatus::Pending,
        claimed_at: Timestamp::from_micros(1),
        claimed_by: UserId::from_random([7; 16]),
        approved_at: None,
        approved_by: None,
    }
}

#[tokio::test]
async fn only_the_documented_unique_rules_are_conflicts_and_other_rules_are_constraint_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    store.write(|tx| tx.insert_org(&org(1))).await.unwrap();
    // A host claimed twice is the client's conflict, by its code.
    store.write(|tx| tx.insert_host(&host(&org(1), "video.example"))).await.unwrap();
    let again = store.write(|tx| tx.insert_host(&host(&org(1), "video.example"))).await;
    assert!(matches!(again, Err(StoreError::Conflict { code: Conflict::HostTaken, .. })), "{again:?}");
    // An id used twice, or a reference to nothing, is not: a bug or damage, by its kind.
    let twice = store.write(|tx| tx.insert_org(&org(1))).await;
    assert!(matches!(twice, Err(StoreError::Constraint { kind: ConstraintKind::Unique, .. })), "{twice:?}");
    let dangling = store.write(|tx| tx.insert_host(&host(&org(2), "other.example"))).await;
    assert!(matches!(dangling, Err(StoreError::Constraint { kind: ConstraintKind::ForeignKey, .. })), "{dangling:?}");
}

#[tokio::test]
async fn the_log_check_reads_the_head_and_the_append_only_triggers() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    assert_eq!(store.read(|r| r.last_event_seq()).await.unwrap(), 0);
    for n in 0..3 {
        store.write(move |tx| tx.append_event(&EventId::from_random([n as u8; 16]), &event(n))).await.unwrap();
    }
    assert_eq!(store.read(|r| r.last_event_seq()).await.unwrap(), 3);
    assert_eq!(store.read(|r| r.missing_event_guards()).await.unwrap(), Vec::<String>::new());
    // A trigger changed so that it no longer refuses counts as missing, like one dropped.
    let conn = rusqlite::Connection::open(dir.path().join("vigie.sqlite3")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; \
         CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END;",
    )
    .unwrap();
    assert_eq!(
        store.read(|r| r.missing_event_guards()).await.unwrap(),
        ["events_no_update".to_owned(), "events_no_delete".to_owned()]
    );
}

/// Every leaf of the log's tree, recomputed here from the events and their seeds, as RFC 9162
/// leaf hashes; and the tree's own leaves, after checking that each kept node (every block of
/// `KEPT_NODE_LEVEL`) is the root of the recomputed leaves under it.
async fn leaves(store: &Store) -> (Vec<[u8; 32]>, Vec<[u8; 32]>) {
    store.settle_log().await.unwrap();
    store
        .read(|r| {
            let events = r.events_after(0, 10_000)?;
            let seeds = r.event_seeds(1, i64::MAX)?;
            assert_eq!(seeds.len(), events.len(), "one seed per event");
            let mut recomputed = Vec::new();
            let mut tree = Vec::new();
            for (e, (seq, seed)) in events.iter().zip(&seeds) {
                assert_eq!(e.seq, *seq);
                let leaf = vigie_model::event::leaf::Leaf::of(e, &e.event().unwrap(), *seed);
                recomputed.push(vigie_log::tree::leaf_hash(&leaf.hash()));
                tree.push(r.log_node(0, u64::try_from(e.seq - 1).unwrap())?.expect("a leaf per event"));
            }
            let width = 1usize << KEPT_NODE_LEVEL;
            for (b, block) in recomputed.chunks_exact(width).enumerate() {
                let mut f = vigie_log::tree::Frontier::new();
                block.iter().for_each(|l| f.push_hash(*l));
                assert_eq!(r.log_node(KEPT_NODE_LEVEL, b as u64)?, Some(f.root()), "block {b}");
            }
            assert_eq!(r.log_size()?, events.len() as u64);
            Ok((recomputed, tree))
        })
        .await
        .unwrap()
}

/// The levels of the rows `log_nodes` holds.
/// Appends events `numbers` (each made by `event(n)`, its id from `n`), one write each; returns
/// the last one's sequence number.
async fn append(store: &Store, numbers: std::ops::RangeInclusive<i64>) -> i64 {
    let mut seq = 0;
    for n in numbers {
        let e = event(n);
        seq = store.write(move |tx| tx.append_event(&EventId::from_random([n as u8; 16]), &e)).await.unwrap();
    }
    seq
}

fn kept_levels(file: &std::path::Path) -> Vec<u8> {
    let raw = rusqlite::Connection::open(file).unwrap();
    let mut stmt = raw.prepare("SELECT DISTINCT level FROM log_nodes ORDER BY level").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<rusqlite::Result<_>>().unwrap()
}

#[tokio::test]
async fn every_event_is_a_leaf_written_in_its_own_transaction_and_the_nodes_never_change() {
    let db = Sqlite::new();
    let store = db.open();
    append(&store, 1..=40).await;
    // A transaction that fails after its event leaves neither the event nor its leaf.
    let e = event(41);
    let failed = store
        .write(move |tx| {
            tx.append_event(&EventId::from_random([41; 16]), &e)?;
            Err::<(), _>(StoreError::Corrupt("the use-case failed".into()))
        })
        .await;
    assert!(failed.is_err());
    let seq = append(&store, 42..=42).await;
    assert_eq!(seq, 41, "the event after a failed transaction takes its place");
    let (recomputed, tree) = leaves(&store).await;
    assert_eq!(recomputed, tree);
    assert_eq!(tree.len(), 41);
    // 41 leaves: two blocks of 16 kept (level 4), one node above them (level 5), nothing below.
    assert_eq!(kept_levels(&db.file()), [KEPT_NODE_LEVEL, KEPT_NODE_LEVEL + 1]);
    store.close().await;
    drop(store);
    let raw = rusqlite::Connection::open(db.file()).unwrap();
    let refused = raw.execute("UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 1", []);
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    let refused = raw.execute("DELETE FROM log_nodes WHERE level = 4 AND idx = 0", []);
    assert!(refused.unwrap_err().to_string().contains("append-only"));
    raw.execute_batch("DROP TRIGGER log_nodes_no_delete").unwrap();
    drop(raw);
    let store = db.open();
    let missing = store.read(|r| r.missing_event_guards()).await.unwrap();
    assert_eq!(missing, ["log_nodes_no_delete"], "the check at start sees the tree's guards too");
}

#[tokio::test]
async fn a_database_that_kept_every_node_reads_on_and_grows_by_the_kept_levels_only() {
    // Before `KEPT_NODE_LEVEL`, every node was kept, the leaves too: such a database holds
    // rows below the kept level, which agree with the events and are no longer read.
    let db = Sqlite::new();
    let store = db.open();
    append(&store, 1..=20).await;
    let (recomputed, _) = leaves(&store).await;
    store.close().await;
    drop(store);
    let raw = rusqlite::Connection::open(db.file()).unwrap();
    let mut level = recomputed.clone();
    for l in 0..KEPT_NODE_LEVEL {
        for (i, h) in level.iter().enumerate() {
            raw.execute(
                "INSERT INTO log_nodes (level, idx, hash) VALUES (?1, ?2, ?3)",
                rusqlite::params![l, i as i64, h.as_slice()],
            )
            .unwrap();
        }
        level = level.chunks_exact(2).map(|p| vigie_log::tree::node_hash(&p[0], &p[1])).collect();
    }
    drop(raw);
    let store = db.open();
    append(&store, 21..=33).await;
    let (recomputed, tree) = leaves(&store).await;
    assert_eq!(recomputed, tree);
    assert_eq!(tree.len(), 33);
    assert_eq!(kept_levels(&db.file()), (0..=KEPT_NODE_LEVEL + 1).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_database_from_before_the_tree_gets_a_leaf_for_every_event_when_it_opens() {
    let db = Sqlite::new();
    let store = db.open();
    append(&store, 1..=40).await;
    store.close().await;
    drop(store);
    // The events as a database from before the tree holds them: migration 19 makes the tables
    // empty, so no leaf, no seed.
    let raw = rusqlite::Connection::open(db.file()).unwrap();
    raw.execute_batch(
        "DROP TRIGGER log_nodes_no_delete; DELETE FROM log_nodes; DELETE FROM event_seeds; UPDATE log_state SET tree_size = 0, frontier = NULL;
         CREATE TRIGGER log_nodes_no_delete BEFORE DELETE ON log_nodes BEGIN SELECT RAISE(ABORT, 'the log tree is append-only'); END;",
    )
    .unwrap();
    drop(raw);
    let store = db.open();
    let (recomputed, stored) = leaves(&store).await;
    assert_eq!(stored.len(), 40);
    assert_eq!(recomputed, stored);
    let seq = append(&store, 41..=41).await;
    assert_eq!(seq, 41);
    assert_eq!(leaves(&store).await.1.len(), 41, "new events go on after the filled-in ones");
    assert_eq!(
        kept_levels(&db.file()),
        [KEPT_NODE_LEVEL, KEPT_NODE_LEVEL + 1],
        "the fill-in keeps the kept levels only"
    );
}
