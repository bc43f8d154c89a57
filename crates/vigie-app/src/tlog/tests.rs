//! The verifiable log against tampering: exports of a real store, cut for two audiences, checked
//! against signed checkpoints after 100 random tamperings of each kind.

use vigie_log::tree::{Frontier, MemoryStore, Tree, verify_consistency};
use vigie_log::{Checkpoint, SignerKey};
use vigie_model::event::kinds as k;
use vigie_model::event::{ClockSource, NewEvent, Word};
use vigie_model::{EventId, OrgId, Timestamp};
use vigie_store::{SqliteConfig, Store};

use super::export::{Expected, leaf_of_line, verify, write};
use super::*;
use crate::transparency::audience::{Audience, Selector};

/// The offline verifier's fast reading against the `Value` reading it stands for.
mod fast;

/// A small deterministic generator (xorshift64*), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const ORIGIN: &str = "example.org/vigie-test-log";

fn key() -> SignerKey {
    SignerKey::from_seed(ORIGIN, &[7; 32]).unwrap()
}

/// A store whose log holds `n` events of three kinds: a third with a sealed personal value (a
/// person's name) kept in the erasable table, a third public (an order's escalation, which the
/// public sees without its actor), a third seen by overseers only.
async fn store_with_events(n: u8) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
    let org = OrgId::from_random([1; 16]);
    for i in 1..=n {
        let org = org.clone();
        store
            .write(move |tx| {
                let at = Timestamp::from_micros(1_700_000_000_000_000 + i64::from(i) * 1000);
                let event: vigie_model::event::Event = match i % 3 {
                    0 => {
                        let name = format!("Invented Person {i}");
                        let (_, sealed) =
                            crate::keep_personal(tx, at, "test", &name, at.plus(vigie_model::Duration::from_days(1)))?;
                        k::UserCreated { org: org.clone(), roles: vec![Word::new("moderator")], name: sealed }.into()
                    }
                    1 => k::WatchlistEntriesAdded { added: u64::from(i) }.into(),
                    _ => k::OrderEscalated { level: i % 4, deadline: at, via: None }.into(),
                };
                let e = NewEvent {
                    at,
                    clock: ClockSource::Manual,
                    actor: Some(vigie_model::UserId::from_random([2; 16]).as_str().to_owned()),
                    org: Some(org.as_str().to_owned()),
                    subject: org.as_str().to_owned(),
                    event,
                };
                tx.append_event(&EventId::from_random([i; 16]), &e)
            })
            .await
            .unwrap();
    }
    store.settle_log().await.unwrap();
    (dir, store)
}

/// The export for `audience` up to `size`, as lines.
async fn export_lines(store: &Store, audience: Audience, size: u64) -> Vec<String> {
    store
        .read(move |r| {
            let select = Selector::build(r, Timestamp::from_micros(i64::MAX), &audience)?;
            let mut out = Vec::new();
            write(r, &select, size, &mut out)?;
            Ok::<_, vigie_store::StoreError>(String::from_utf8(out).unwrap().lines().map(str::to_owned).collect())
        })
        .await
        .unwrap()
}

/// The root of the store's tree at `size`, signed by the test key, as a verifier reads it back.
async fn checkpoint_at(store: &Store, size: u64) -> Expected {
    let root =
        store.read(move |r| Ok::<_, StoreError>(tree(r).map(|t| t.root_at(size).unwrap()))).await.unwrap().unwrap();
    let signed = Checkpoint::new(ORIGIN, size, root).unwrap().sign(&key()).unwrap();
    let opened = Checkpoint::open(signed.encode().as_bytes(), ORIGIN, &[key().verifier()]).unwrap();
    Expected { size: opened.checkpoint().size(), root: *opened.checkpoint().root() }
}

fn check(lines: &[String], checkpoints: &[Expected]) -> export::Verdict {
    verify(std::io::Cursor::new(lines.join("\n")), checkpoints)
}

/// Changes one thing in one line: a disclosed value, a salt, a commitment, a leaf or a header field.
fn edit(rng: &mut Rng, lines: &mut [String]) {
    let i = rng.below(lines.len());
    let mut v: serde_json::Value = serde_json::from_str(&lines[i]).unwrap();
    let flip = |s: &str, at: usize| {
        let mut b = s.as_bytes().to_vec();
        let at = at % b.len();
        b[at] = if b[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    };
    let choice = rng.below(5);
    if let Some(leaf) = v.get("leaf").and_then(|l| l.as_str()).map(str::to_owned) {
        v["leaf"] = flip(&leaf, rng.below(64)).into();
    } else if choice == 0 && !v["disclosed"].as_object().unwrap().is_empty() {
        let names: Vec<String> = v["disclosed"].as_object().unwrap().keys().cloned().collect();
        let name = &names[rng.below(names.len())];
        let old = v["disclosed"][name]["value"].clone();
        v["disclosed"][name]["value"] = match old {
            serde_json::Value::Number(n) => (n.as_u64().unwrap_or(0) + 1).into(),
            serde_json::Value::String(s) => format!("{s}x").into(),
            serde_json::Value::Null => "someone".into(),
            other => serde_json::json!([other]),
        };
    } else if choice == 1 && !v["disclosed"].as_object().unwrap().is_empty() {
        let names: Vec<String> = v["disclosed"].as_object().unwrap().keys().cloned().collect();
        let name = &names[rng.below(names.len())];
        let salt = v["disclosed"][name]["salt"].as_str().unwrap().to_owned();
        v["disclosed"][name]["salt"] = flip(&salt, rng.below(64)).into();
    } else if choice == 2 && !v["withheld"].as_object().unwrap().is_empty() {
        let names: Vec<String> = v["withheld"].as_object().unwrap().keys().cloned().collect();
        let name = &names[rng.below(names.len())];
        let c = v["withheld"][name].as_str().unwrap().to_owned();
        v["withheld"][name] = flip(&c, rng.below(64)).into();
    } else if choice == 3 {
        v["at_micros"] = (v["at_micros"].as_i64().unwrap() + 1).into();
    } else {
        v["kind"] = "case.decided".into();
    }
    let changed = v.to_string();
    assert_ne!(changed, lines[i]);
    lines[i] = changed;
}

#[tokio::test]
async fn a_hundred_tamperings_of_each_kind_are_all_detected_and_the_untampered_export_is_not() {
    let n = 60u8;
    let (_dir, store) = store_with_events(n).await;
    let full = checkpoint_at(&store, u64::from(n)).await;
    let earlier = checkpoint_at(&store, 25).await;
    for audience in [Audience::Overseer, Audience::Public] {
        let lines = export_lines(&store, audience.clone(), u64::from(n)).await;
        assert_eq!(lines.len(), usize::from(n));
        let disclosed = lines.iter().filter(|l| l.contains("\"disclosed\"")).count();
        let withheld_actor = lines.iter().filter(|l| l.contains("\"withheld\":{\"_actor\"")).count();
        match audience {
            Audience::Overseer => assert_eq!((disclosed, withheld_actor), (usize::from(n), 0)),
            // The public sees the escalations, not who acted, and of the rest only that they exist.
            _ => assert_eq!((disclosed, withheld_actor), (usize::from(n) / 3, usize::from(n) / 3)),
        }
        let clean = check(&lines, &[earlier, full]);
        assert!(clean.ok(), "{audience:?}: {:?}", clean.problems);
        assert_eq!(clean.matched, [25, u64::from(n)]);
        let mut rng = Rng(0x5eed_0000 + u64::from(audience == Audience::Public));
        let mut detected = [0; 4];
        for round in 0..100 {
            // An edit of one line.
            let mut t = lines.clone();
            edit(&mut rng, &mut t);
            detected[0] += usize::from(!check(&t, &[full]).ok());
            // A deletion of one line.
            let mut t = lines.clone();
            t.remove(rng.below(t.len()));
            detected[1] += usize::from(!check(&t, &[full]).ok());
            // Two lines swapped.
            let mut t = lines.clone();
            let i = rng.below(t.len() - 1);
            let j = i + 1 + rng.below(t.len() - i - 1);
            t.swap(i, j);
            detected[2] += usize::from(!check(&t, &[full]).ok());
            // The newest events cut off.
            let mut t = lines.clone();
            t.truncate(rng.below(t.len()));
            detected[3] += usize::from(!check(&t, &[full]).ok());
            assert_eq!(detected.iter().min(), Some(&(round + 1)), "{audience:?} round {round}: {detected:?}");
        }
        assert_eq!(detected, [100; 4], "{audience:?}");
    }
}

#[tokio::test]
async fn a_hundred_forks_are_detected_by_the_export_and_by_the_consistency_proof() {
    let n = 40u8;
    let (_dir, store) = store_with_events(n).await;
    let lines = export_lines(&store, Audience::Overseer, u64::from(n)).await;
    let mut rng = Rng(0xf0f0);
    for _ in 0..100 {
        // The operator signed a checkpoint at m, then rewrote an event before m and signed the
        // rewritten history at n.
        let m = 2 + rng.below(usize::from(n) - 3);
        let honest = checkpoint_at(&store, m as u64).await;
        let mut forged = lines.clone();
        edit(&mut rng, &mut forged[..m]);
        let mut leaves = Tree::new(MemoryStore::new());
        for (i, l) in forged.iter().enumerate() {
            let (_, c) = leaf_of_line(&serde_json::from_str(l).unwrap(), i as u64 + 1).unwrap();
            leaves.append(&c).unwrap();
        }
        let forged_root = leaves.root();
        let forged_cp = Expected { size: u64::from(n), root: forged_root };
        let verdict = check(&forged, &[honest, forged_cp]);
        assert!(!verdict.ok());
        assert!(verdict.problems.iter().any(|p| p.contains("do not extend each other")), "{:?}", verdict.problems);
        // The witness's check: no consistency proof leads from the honest root to the forged one.
        let proof = leaves.consistency_proof(m as u64, u64::from(n)).unwrap();
        assert!(verify_consistency(m as u64, u64::from(n), &honest.root, &forged_root, &proof).is_err());
    }
}

#[tokio::test]
async fn erasing_personal_values_keeps_every_proof_valid() {
    let (dir, store) = store_with_events(30).await;
    let cp = checkpoint_at(&store, 30).await;
    let before = export_lines(&store, Audience::Overseer, 30).await;
    let proof = store.read(|r| Ok::<_, StoreError>(inclusion(r, 12, Some(30)))).await.unwrap().unwrap();
    let erased = store.write(|tx| tx.erase_expired_personal(Timestamp::from_micros(i64::MAX), 1000)).await.unwrap();
    assert_eq!(erased.len(), 10, "every name is erased");
    let conn = rusqlite::Connection::open(dir.path().join("vigie.sqlite3")).unwrap();
    let left: i64 =
        conn.query_row("SELECT COUNT(*) FROM personal_data WHERE value IS NOT NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
    let after = export_lines(&store, Audience::Overseer, 30).await;
    assert!(check(&after, &[cp]).ok());
    assert_eq!(before, after, "events hold sealed hashes only: erasure changes no line");
    let again = store.read(|r| Ok::<_, StoreError>(inclusion(r, 12, Some(30)))).await.unwrap().unwrap();
    assert_eq!(proof, again);
    let leaf = vigie_log::tree::Hash::try_from(
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &again.leaf_hash).unwrap(),
    )
    .unwrap();
    let path: Vec<_> = again
        .hashes
        .iter()
        .map(|h| {
            vigie_log::tree::Hash::try_from(
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, h).unwrap(),
            )
            .unwrap()
        })
        .collect();
    vigie_log::tree::verify_inclusion(&leaf, 11, 30, &path, &cp.root).unwrap();
}

#[tokio::test]
async fn the_store_check_finds_an_event_changed_in_the_database() {
    let (dir, store) = store_with_events(40).await;
    let clean = store.read(|r| verify_store(r, ORIGIN)).await.unwrap();
    assert!(clean.problems.is_empty(), "{:?}", clean.problems);
    assert_eq!(clean.events, 40);
    // The log signed its root at 40 events: the newest block (events 33 to 48) is not complete,
    // so that checkpoint is what holds events 33 to 40.
    let root = store.read(|r| Ok::<_, StoreError>(tree(r).map(|t| t.root()))).await.unwrap().unwrap();
    let note = Checkpoint::new(ORIGIN, 40, root).unwrap().sign(&key()).unwrap().encode();
    let cp = CheckpointRecord { origin: ORIGIN.into(), size: 40, root, signed_at: Timestamp::from_micros(0), note };
    store.write(move |tx| tx.put_checkpoint(&cp)).await.unwrap();
    assert_eq!(store.read(|r| verify_store(r, ORIGIN)).await.unwrap().checkpoints_ok, [40]);
    store.close().await;
    drop(store);
    // Event 7 says another count (it still reads), event 20 no longer reads, event 37 another
    // count: each with its chain hashes left as they were.
    let conn = rusqlite::Connection::open(dir.path().join("vigie.sqlite3")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_no_update;
         UPDATE events SET data = '{\"added\":999}' WHERE seq = 7;
         UPDATE events SET data = 'not an event' WHERE seq = 20;
         UPDATE events SET data = '{\"added\":998}' WHERE seq = 37;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open_sqlite_read_only(dir.path(), 1).unwrap();
    let report = store.read(|r| verify_store(r, ORIGIN)).await.unwrap();
    assert_eq!(report.events, 40);
    assert!(report.checkpoints_ok.is_empty());
    let [first, second, third] = report.problems.as_slice() else { panic!("{:?}", report.problems) };
    assert!(first.starts_with("events 1 to 16 do not hash to the log tree's node for them"), "{first}");
    assert!(second.starts_with("event 20 (") && second.contains("events 17 to 32"), "{second}");
    assert_eq!(third, "the events do not hash to the root the log signed at size 40");
}

#[tokio::test]
async fn events_past_the_trees_end_wait_for_their_leaves_and_are_no_problem() {
    let (dir, store) = store_with_events(20).await;
    store.close().await;
    drop(store);
    // As a crash between the events' commit and their leaves' would leave it: the tree at 16.
    let conn = rusqlite::Connection::open(dir.path().join("vigie.sqlite3")).unwrap();
    conn.execute("UPDATE log_state SET tree_size = 16", []).unwrap();
    drop(conn);
    let store = Store::open_sqlite_read_only(dir.path(), 1).unwrap();
    let report = store.read(|r| verify_store(r, ORIGIN)).await.unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.events, 16);
}

#[tokio::test]
async fn a_root_is_the_same_from_the_store_and_from_the_leaves_alone() {
    let (_dir, store) = store_with_events(33).await;
    let lines = export_lines(&store, Audience::Public, 33).await;
    let mut f = Frontier::new();
    for (i, l) in lines.iter().enumerate() {
        f.push(&leaf_of_line(&serde_json::from_str(l).unwrap(), i as u64 + 1).unwrap().1);
    }
    let stored = store.read(|r| Ok::<_, StoreError>(tree(r).map(|t| t.root()))).await.unwrap().unwrap();
    assert_eq!(f.root(), stored);
}
