//! The SQLite engine's promises: durable settings, grouped commits that isolate failures, an
//! append-only chained event log that survives restarts.

use vigie_model::event::{ClockSource, EventKind, NewEvent, verify_chain};
use vigie_model::org::OrgKind;
use vigie_model::{Conflict, EventId, OrgId, Timestamp, UserId};
use vigie_store::{ConstraintKind, HostRecord, HostStatus, OrgRecord, SqliteConfig, Store, StoreError};

fn org(n: u8) -> OrgRecord {
    OrgRecord {
        id: OrgId::from_random([n; 16]),
        name: format!("org {n}"),
        kind: OrgKind::Authority,
        member_state: Some("FR".into()),
        main_establishment: None,
        legal_representative: None,
        contact_point: None,
        created_at: Timestamp::from_micros(i64::from(n)),
        competences: vec![vigie_model::org::Competence::IssueOrders],
        europol: false,
        designated_channel: false,
    }
}

fn event(n: i64) -> NewEvent {
    NewEvent {
        kind: EventKind::OrgCreated,
        at: Timestamp::from_micros(n),
        clock: ClockSource::System,
        actor: None,
        org: None,
        subject: format!("subject {n}"),
        data: serde_json::json!({ "n": n }),
    }
}

#[derive(Debug)]
enum TestError {
    Store(StoreError),
    Refused,
}

impl From<StoreError> for TestError {
    fn from(e: StoreError) -> Self {
        TestError::Store(e)
    }
}

#[tokio::test]
async fn the_writer_uses_wal_with_full_synchronous_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    let d = store.durability().unwrap();
    assert_eq!(d.journal_mode, "wal");
    assert_eq!(d.synchronous, 2, "FULL: the WAL is fsync'd at every commit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grouped_commits_keep_each_jobs_outcome_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    let mut tasks = Vec::new();
    for n in 0..200u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .write(move |tx| {
                    tx.insert_org(&org(n))?;
                    tx.append_event(&EventId::from_random([n; 16]), &event(i64::from(n)))?;
                    // Every fifth job fails after writing: its rows and its event must vanish.
                    if n % 5 == 0 { Err(TestError::Refused) } else { Ok(n) }
                })
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(TestError::Refused) => {}
            Err(TestError::Store(e)) => panic!("store error: {e}"),
        }
    }
    assert_eq!(ok, 160);
    assert_eq!(store.read(|r| r.count_orgs()).await.unwrap(), 160);
    let events = store.read(|r| r.events_after(0, 1000)).await.unwrap();
    assert_eq!(events.len(), 160, "failed jobs left no event behind");
    verify_chain(None, &events).expect("the chain has no gap where failed jobs were");
    assert!(events.iter().all(|e| !e.data.contains("\"n\":0}") && !e.data.contains("\"n\":5}")));
}

#[tokio::test]
async fn a_panicking_job_is_rolled_back_and_the_writer_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    let res: Result<(), StoreError> = store
        .write(|tx| {
            tx.insert_org(&org(1))?;
            panic!("a bug in a use-case");
        })
        .await;
    assert!(matches!(res, Err(StoreError::Closed)));
    store.write(|tx| tx.insert_org(&org(2))).await.unwrap();
    assert_eq!(store.read(|r| r.count_orgs()).await.unwrap(), 1);
}

fn host(org: &OrgRecord, host: &str) -> HostRecord {
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

#[tokio::test]
async fn the_event_log_is_append_only_and_its_chain_continues_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
        for n in 0..3 {
            store.write(move |tx| tx.append_event(&EventId::from_random([n as u8; 16]), &event(n))).await.unwrap();
        }
    }
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    let seq = store.write(|tx| tx.append_event(&EventId::from_random([9; 16]), &event(9))).await.unwrap();
    assert_eq!(seq, 4);
    let events = store.read(|r| r.events_after(0, 100)).await.unwrap();
    assert_eq!(verify_chain(None, &events).unwrap().0, 4);

    let raw = rusqlite::Connection::open(dir.path().join("vigie.sqlite3")).unwrap();
    let update = raw.execute("UPDATE events SET data = '{}' WHERE seq = 2", []);
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = raw.execute("DELETE FROM events WHERE seq = 4", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
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

    // After the server stopped (its WAL checkpointed away), still readable.
    drop(reader);
    drop(store);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let reader = Store::open_sqlite_read_only(dir.path(), 1).unwrap();
    assert_eq!(reader.read(|r| r.count_orgs()).await.unwrap(), 2);
}
