//! The store's promises, written once against [`Store`], [`vigie_store::Reads`] and
//! [`vigie_store::Tx`] and never against an engine's types, so that every engine runs the same
//! suite: SQLite now (`store.rs`), PostgreSQL next (step 14).
//!
//! An engine joins by implementing [`Harness`] and calling `storetests!` with it: each test
//! below then becomes one `#[tokio::test]` for that engine, as ripgrep's `rgtest!` runs one body
//! per matcher. The promises are those of ARCHITECTURE.md's `vigie-store` section: durable after
//! commit, a rolled-back job rolls back its events and the chain head, events chained in commit
//! order with no gaps, an append-only log, grouped commits that isolate a failing job, and
//! read-your-write once `write` returns; and the outbox's queues, lanes and dead letters.

use std::sync::Arc;

use vigie_model::event::{ChainedEvent, ClockSource, GENESIS_HASH, NewEvent, kinds, verify_chain};
use vigie_model::org::{OrgKind, Role};
use vigie_model::{CaseId, DeliveryId, EventId, OrgId, PersonalRef, Timestamp, UserId, WebhookId};
use vigie_store::{ConstraintKind, DeliveryRecord, Lane, OrgRecord, Store, StoreError, UserRecord, WebhookRecord};

/// One engine's way to give the suite stores. Each harness owns one fresh database.
pub trait Harness: Send + Sync + 'static {
    /// A store over this harness's database: a second call after [`Store::close`] is a restart.
    fn open(&self) -> Store;
    /// Tries to change (`delete: false`) or remove (`delete: true`) the stored event `seq` behind
    /// the store's back, with the engine's own means; the error says why the engine refused.
    fn tamper_with_event(&self, seq: i64, delete: bool) -> Result<(), String>;
}

/// Runs each named test of this module with the harness `$make()` builds, one `#[tokio::test]`
/// per test and engine.
macro_rules! storetests {
    ($make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let harness: std::sync::Arc<dyn $crate::conformance::Harness> = std::sync::Arc::new($make());
                $crate::conformance::$name(harness).await;
            }
        )*
    };
}

pub fn org(n: u8) -> OrgRecord {
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

/// The one place the suite builds events (typed events change it, and only it).
pub fn event(n: i64) -> NewEvent {
    NewEvent {
        at: Timestamp::from_micros(n),
        clock: ClockSource::System,
        actor: None,
        org: None,
        subject: format!("subject {n}"),
        event: kinds::WatchlistEntriesAdded { added: u64::try_from(n).expect("positive") }.into(),
    }
}

fn event_id(n: i64) -> EventId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    EventId::from_random(bytes)
}

#[derive(Debug)]
pub enum TestError {
    Store(StoreError),
    Refused,
}

impl From<StoreError> for TestError {
    fn from(e: StoreError) -> Self {
        TestError::Store(e)
    }
}

async fn all_events(store: &Store) -> Vec<ChainedEvent> {
    store.read(|r| r.events_after(0, 100_000)).await.expect("events read")
}

/// What was acknowledged is there after the store is closed and opened again.
pub async fn a_committed_write_survives_a_restart(h: Arc<dyn Harness>) {
    let store = h.open();
    for n in 1..=3u8 {
        store
            .write(move |tx| {
                tx.insert_org(&org(n))?;
                tx.append_event(&event_id(n.into()), &event(n.into()))
            })
            .await
            .expect("write");
    }
    store.close().await;
    assert!(matches!(store.read(|r| r.count_orgs()).await, Err(StoreError::Closed)), "a closed store refuses reads");
    let closed = store.write(|tx| tx.insert_org(&org(9))).await;
    assert!(matches!(closed, Err(StoreError::Closed)), "a closed store refuses writes: {closed:?}");

    let store = h.open();
    assert_eq!(store.read(|r| r.count_orgs()).await.unwrap(), 3);
    assert_eq!(store.read(|r| r.get_org(&org(2).id)).await.unwrap(), Some(org(2)));
    // The chain goes on from where it was, not from the genesis.
    let seq = store.write(|tx| tx.append_event(&event_id(4), &event(4))).await.unwrap();
    assert_eq!(seq, 4);
    let events = all_events(&store).await;
    assert_eq!(verify_chain(None, &events).expect("one chain across the restart").0, 4);
    store.close().await;
}

/// A job that fails after appending events leaves no event, and the next event links to the last
/// committed one, not to the rolled-back one.
pub async fn a_rolled_back_job_takes_its_events_and_the_chain_head_with_it(h: Arc<dyn Harness>) {
    let store = h.open();
    let first = store.write(|tx| tx.append_event(&event_id(1), &event(1))).await.unwrap();
    let refused: Result<i64, TestError> = store
        .write(|tx| {
            tx.insert_org(&org(1))?;
            tx.append_event(&event_id(2), &event(2))?;
            tx.append_event(&event_id(3), &event(3))?;
            Err(TestError::Refused)
        })
        .await;
    assert!(matches!(refused, Err(TestError::Refused)), "{refused:?}");
    let next = store.write(|tx| tx.append_event(&event_id(4), &event(4))).await.unwrap();
    assert_eq!((first, next), (1, 2), "the rolled-back events left no gap in the numbers");
    let events = all_events(&store).await;
    assert_eq!(events.iter().map(|e| e.subject.as_str()).collect::<Vec<_>>(), ["subject 1", "subject 4"]);
    assert_eq!(events[0].prev_hash, GENESIS_HASH);
    assert_eq!(events[1].prev_hash, events[0].hash, "the head went back to the last committed event");
    verify_chain(None, &events).expect("the chain verifies");
    assert_eq!(store.read(|r| r.count_orgs()).await.unwrap(), 0, "the job's other changes are gone too");
    store.close().await;
}

/// Concurrent jobs each get the number their event has in the log, and the numbers run 1..=n.
pub async fn events_are_chained_in_commit_order_without_gaps(h: Arc<dyn Harness>) {
    let store = h.open();
    let mut tasks = Vec::new();
    for n in 1..=100i64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let seqs = store
                .write(move |tx| {
                    // Two events per job: they are adjacent, in the order the job appended them.
                    let a = tx.append_event(&event_id(2 * n), &event(2 * n))?;
                    let b = tx.append_event(&event_id(2 * n + 1), &event(2 * n + 1))?;
                    Ok::<_, StoreError>((a, b))
                })
                .await
                .expect("write");
            (n, seqs)
        }));
    }
    let mut acknowledged = Vec::new();
    for t in tasks {
        acknowledged.push(t.await.unwrap());
    }
    let events = all_events(&store).await;
    assert_eq!(events.len(), 200);
    assert_eq!(verify_chain(None, &events).expect("no gap, no broken link").0, 200);
    for (n, (a, b)) in acknowledged {
        assert_eq!(b, a + 1, "a job's events are adjacent");
        assert_eq!(events[usize::try_from(a - 1).unwrap()].subject, format!("subject {}", 2 * n));
        assert_eq!(events[usize::try_from(b - 1).unwrap()].subject, format!("subject {}", 2 * n + 1));
    }
    // Sequential writes: each one's events come after the previous one's.
    let mut last = 200;
    for n in 300..305i64 {
        let seq = store.write(move |tx| tx.append_event(&event_id(n), &event(n))).await.unwrap();
        assert_eq!(seq, last + 1);
        last = seq;
    }
    store.close().await;
}

/// The log refuses to have an event changed or removed, even by the engine's own means.
pub async fn the_event_log_refuses_changes_and_deletions(h: Arc<dyn Harness>) {
    let store = h.open();
    for n in 1..=3 {
        store.write(move |tx| tx.append_event(&event_id(n), &event(n))).await.unwrap();
    }
    let before = all_events(&store).await;
    let changed = h.tamper_with_event(2, false);
    assert!(changed.as_ref().is_err_and(|e| e.contains("append-only")), "{changed:?}");
    let removed = h.tamper_with_event(3, true);
    assert!(removed.as_ref().is_err_and(|e| e.contains("append-only")), "{removed:?}");
    let after = all_events(&store).await;
    assert_eq!(before, after);
    verify_chain(None, &after).expect("the chain verifies");
    store.close().await;
}

/// In one grouped commit, failing and panicking jobs roll back alone; the others commit.
pub async fn a_failing_or_panicking_job_rolls_back_alone_in_a_grouped_commit(h: Arc<dyn Harness>) {
    let store = h.open();
    let mut tasks = Vec::new();
    for n in 0..200u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .write(move |tx| {
                    tx.insert_org(&org(n))?;
                    tx.append_event(&event_id(n.into()), &event(n.into()))?;
                    // Every fifth job fails after writing, every seventh panics: their rows and
                    // events must vanish, and nobody else's.
                    if n % 5 == 0 {
                        Err(TestError::Refused)
                    } else if n % 7 == 0 {
                        panic!("a bug in a use-case")
                    } else {
                        Ok(n)
                    }
                })
                .await
        }));
    }
    let mut kept = Vec::new();
    for t in tasks {
        match t.await.unwrap() {
            Ok(n) => kept.push(n),
            Err(TestError::Refused) => {}
            // A panicking job's caller hears that its job is gone.
            Err(TestError::Store(StoreError::Closed)) => {}
            Err(TestError::Store(e)) => panic!("store error: {e}"),
        }
    }
    let expected: Vec<u8> = (0..200u8).filter(|n| n % 5 != 0 && n % 7 != 0).collect();
    assert_eq!(kept, expected);
    assert_eq!(store.read(|r| r.count_orgs()).await.unwrap(), expected.len() as i64);
    let events = all_events(&store).await;
    verify_chain(None, &events).expect("the chain has no gap where failed jobs were");
    let mut subjects: Vec<String> = events.iter().map(|e| e.subject.clone()).collect();
    subjects.sort();
    let mut wanted: Vec<String> = expected.iter().map(|n| format!("subject {n}")).collect();
    wanted.sort();
    assert_eq!(subjects, wanted);
    // The writer lives on.
    store.write(|tx| tx.insert_org(&org(250))).await.unwrap();
    store.close().await;
}

/// Once `write` returns, every read (any connection) sees its change.
pub async fn a_write_is_visible_to_every_read_once_it_returns(h: Arc<dyn Harness>) {
    let store = h.open();
    for n in 1..=50u8 {
        store.write(move |tx| tx.insert_org(&org(n))).await.unwrap();
        // Several reads at once, so that more than one read connection answers.
        let reads: Vec<_> = (0..4)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.read(move |r| r.get_org(&org(n).id)).await })
            })
            .collect();
        for read in reads {
            assert_eq!(read.await.unwrap().unwrap(), Some(org(n)), "write {n} is visible");
        }
    }
    store.close().await;
}

/// An id used twice breaks a uniqueness rule the client does not own: a `Constraint` error of
/// kind `Unique` (not a client's `Conflict`), and the refused job changes nothing.
pub async fn uniqueness_rules_answer_conflict_by_kind(h: Arc<dyn Harness>) {
    let store = h.open();
    store.write(|tx| tx.insert_org(&org(1))).await.unwrap();
    let again = store
        .write(|tx| {
            tx.append_event(&event_id(1), &event(1))?;
            tx.insert_org(&org(1))
        })
        .await;
    assert!(matches!(again, Err(StoreError::Constraint { kind: ConstraintKind::Unique, .. })), "{again:?}");
    assert!(all_events(&store).await.is_empty(), "the refused job's event is gone");
    store.close().await;
}

/// A message for the outbox test: `n` names it (and orders its insertion), `case` its queue.
fn message(n: u8, webhook: &WebhookId, case: Option<u8>, urgent: bool, due: i64) -> DeliveryRecord {
    DeliveryRecord {
        id: DeliveryId::from_random([n; 16]),
        org: org(1).id,
        webhook: webhook.clone(),
        event_type: format!("message {n}"),
        payload: "{}".into(),
        case: case.map(|c| CaseId::from_random([c; 16])),
        urgent,
        created_at: Timestamp::from_micros(0),
        next_attempt_at: Timestamp::from_micros(due),
        attempts: 0,
        delivered_at: None,
        last_error: None,
        dead_at: None,
    }
}

/// The names (`message n`) of what a lane hands out at `now`.
async fn lane(store: &Store, lane: Lane, now: i64, per_webhook: u32) -> Vec<String> {
    let due = store
        .read(move |r| r.due_in_lane(lane, Timestamp::from_micros(now), per_webhook, 100))
        .await
        .expect("the lane is read");
    due.into_iter().map(|d| d.event_type).collect()
}

/// The outbox hands out the first due message of each queue (one webhook, one case), urgent
/// queues in their own lane with their earlier messages, and sets dead letters aside until they
/// are put back.
pub async fn the_outbox_hands_out_each_queue_in_order_and_sets_dead_letters_aside(h: Arc<dyn Harness>) {
    let store = h.open();
    let (w1, w2) = (WebhookId::from_random([1; 16]), WebhookId::from_random([2; 16]));
    let (hooks, w) = ([w1.clone(), w2.clone()], w1.clone());
    store
        .write(move |tx| {
            tx.insert_org(&org(1))?;
            let user = UserRecord {
                id: UserId::from_random([1; 16]),
                org: org(1).id,
                name_ref: PersonalRef::from_random([1; 16]),
                roles: vec![Role::Integrator],
                created_at: Timestamp::from_micros(0),
                deactivated_at: None,
            };
            tx.insert_user(&user)?;
            for id in hooks {
                tx.insert_webhook(&WebhookRecord {
                    id,
                    org: org(1).id,
                    url: "https://hooks.example/in".into(),
                    secret: "whsec_test".into(),
                    created_at: Timestamp::from_micros(0),
                    created_by: user.id.clone(),
                    deleted_at: None,
                })?;
            }
            for m in [
                message(1, &w, Some(1), false, 50),
                message(2, &w, Some(1), true, 0),
                message(3, &w, Some(2), false, 0),
                message(4, &w2, Some(1), false, 0),
                message(5, &w, None, true, 0),
                message(6, &w, Some(3), false, 500),
            ] {
                tx.insert_delivery(&m)?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();

    // Case 1 at webhook 1 holds an urgent message: its queue, first message first, is urgent.
    assert_eq!(lane(&store, Lane::Urgent, 100, 10).await, ["message 5", "message 1"]);
    assert_eq!(lane(&store, Lane::Normal, 100, 10).await, ["message 3", "message 4"], "6 is not due yet");
    assert_eq!(lane(&store, Lane::Urgent, 100, 1).await, ["message 5"], "one per webhook");
    assert_eq!(lane(&store, Lane::Urgent, 40, 10).await, ["message 5"], "1 is not due yet, and 2 waits for it");

    // The first is delivered: the next of its queue moves up.
    let first = DeliveryId::from_random([1; 16]);
    store
        .write(move |tx| {
            let mut d = tx.get_delivery(&first)?.expect("queued");
            d.delivered_at = Some(Timestamp::from_micros(100));
            tx.update_delivery(&d)
        })
        .await
        .unwrap();
    assert_eq!(lane(&store, Lane::Urgent, 100, 10).await, ["message 2", "message 5"], "both due: queued order");

    // A dead letter leaves its queue: the next message moves up, in the lane its queue is now in.
    let second = DeliveryId::from_random([2; 16]);
    let w = w1.clone();
    store
        .write(move |tx| {
            tx.bury_delivery(&second, Timestamp::from_micros(100))?;
            tx.insert_delivery(&message(7, &w, Some(1), false, 0))
        })
        .await
        .unwrap();
    assert_eq!(lane(&store, Lane::Urgent, 100, 10).await, ["message 5"]);
    assert_eq!(lane(&store, Lane::Normal, 100, 10).await, ["message 3", "message 4", "message 7"]);
    let dead = store.read(|r| r.dead_letters(None, 10)).await.unwrap();
    assert_eq!(dead.iter().map(|d| d.event_type.as_str()).collect::<Vec<_>>(), ["message 2"]);
    assert_eq!(dead[0].dead_at, Some(Timestamp::from_micros(100)));
    assert!(store.read(|r| r.dead_letters(Some(&org(2).id), 10)).await.unwrap().is_empty(), "another org's");

    // Put back, it is first in its queue again, due at once, its attempts counted afresh.
    let second = DeliveryId::from_random([2; 16]);
    store
        .write(move |tx| {
            let mut d = tx.get_delivery(&second)?.expect("kept");
            d.attempts = 16;
            tx.update_delivery(&d)?;
            tx.requeue_delivery(&second, Timestamp::from_micros(100))
        })
        .await
        .unwrap();
    assert_eq!(lane(&store, Lane::Urgent, 100, 10).await, ["message 5", "message 2"]);
    assert_eq!(lane(&store, Lane::Normal, 100, 10).await, ["message 3", "message 4"]);
    let back = store.read(|r| r.get_delivery(&DeliveryId::from_random([2; 16]))).await.unwrap().unwrap();
    assert_eq!((back.attempts, back.dead_at, back.next_attempt_at), (0, None, Timestamp::from_micros(100)));
    assert!(store.read(|r| r.dead_letters(None, 10)).await.unwrap().is_empty());
    store.close().await;
}
