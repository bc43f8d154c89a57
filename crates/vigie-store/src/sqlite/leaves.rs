//! The leaves of the events the writer appends, hashed beside it while their commit reaches the
//! disk, and joined to the tree right after.
//!
//! An event's leaf commitment (two salted SHA-256 for each of its fields,
//! `vigie_model::event::leaf`) and its seed's row were most of the verifiable log's cost on the
//! writer thread, where every report waits its turn. So an event's seed is derived from the log's
//! key (`SeedKey`: nothing written per event); when a grouped commit is about to go to the disk,
//! the writer hands its events to a hasher thread, all at once, and the hasher works while the
//! writer waits for the disk. After the commit the writer appends their leaves to the tree in a
//! small transaction of its own (the kept nodes they complete, the tree's size and edge, in
//! `log_state`), which it commits without waiting for the disk: a crash may lose it, never the
//! events, and `backfill_leaves` gives events without leaves their leaves when the store next
//! opens. Callers hear of their commit after that, so one who reads the log next finds its events
//! in the tree. The tree is always a prefix of the events.

use std::sync::mpsc::{self, Receiver, Sender};
use std::thread;

use rusqlite::{Connection, params};
use vigie_log::tree::{Frontier, Tree};
use vigie_model::event::{ChainedEvent, Event};

use super::chain::SeedKey;
use crate::{LogHash, Result, StoreError};

/// An event waiting for its leaf.
struct Work {
    event: ChainedEvent,
    typed: Event,
}

/// Leaves by their event's sequence number, in order.
type Hashed = Vec<(i64, LogHash)>;

/// The leaves of `work`, in order, by sequence number.
fn hash_all(key: &SeedKey, work: &[Work]) -> Hashed {
    work.iter().map(|w| (w.event.seq, super::chain::event_leaf(&w.event, &w.typed, key.seed(w.event.seq)))).collect()
}

/// The events appended but not yet in the tree, with the thread hashing their leaves.
pub(crate) struct Leaves {
    key: SeedKey,
    hasher: Option<(Sender<Vec<Work>>, Receiver<Hashed>)>,
    /// Appended in the open transaction.
    pending: Vec<Work>,
    /// Committed and handed to the hasher, not yet back.
    hashing: bool,
    /// Leaves back from the hasher, waiting for a committed transaction that puts them in the tree.
    ready: Hashed,
}

impl Leaves {
    /// With a hasher thread (the writer's), or, when it cannot start, hashing on the caller's.
    pub(crate) fn with_hasher(key: SeedKey) -> Self {
        let (work_send, work_recv) = mpsc::channel::<Vec<Work>>();
        let (done_send, done_recv) = mpsc::channel::<Hashed>();
        let thread_key = key.clone();
        let started = thread::Builder::new().name("vigie-leaves".into()).spawn(move || {
            for work in work_recv {
                if done_send.send(hash_all(&thread_key, &work)).is_err() {
                    break;
                }
            }
        });
        let hasher = match started {
            Ok(_) => Some((work_send, done_recv)),
            Err(e) => {
                tracing::warn!(error = %e, "no thread for the log's leaves: the writer hashes them itself");
                None
            }
        };
        Leaves { key, hasher, pending: Vec::new(), hashing: false, ready: Vec::new() }
    }

    /// Hashing on the caller's thread.
    #[cfg(test)]
    pub(crate) fn inline(key: SeedKey) -> Self {
        Leaves { key, hasher: None, pending: Vec::new(), hashing: false, ready: Vec::new() }
    }

    /// Event `ev` was appended in the open transaction.
    pub(crate) fn push(&mut self, ev: &ChainedEvent, event: &Event) {
        // What the leaf reads of the stored event: its header and envelope, not its encoded
        // data (the typed event gives the fields) nor its chain hashes.
        let header = ChainedEvent {
            seq: ev.seq,
            id: ev.id.clone(),
            kind: String::new(),
            at: ev.at,
            clock: String::new(),
            actor: ev.actor.clone(),
            org: ev.org.clone(),
            subject: ev.subject.clone(),
            data: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        self.pending.push(Work { event: header, typed: event.clone() });
    }

    /// Where the open transaction's events stand now, for [`Leaves::rollback_to`].
    pub(crate) fn mark(&self) -> usize {
        self.pending.len()
    }

    /// Forgets the events appended since `mark`: their job was rolled back.
    pub(crate) fn rollback_to(&mut self, mark: usize) {
        self.pending.truncate(mark);
    }

    /// Whether committed events still wait for their leaves to join the tree.
    pub(crate) fn behind(&self) -> bool {
        self.hashing || !self.ready.is_empty()
    }

    /// Appends the leaves of the committed events not yet in the tree (`events` is the last
    /// event's number) to the tree in the open transaction: the kept nodes they complete, and the
    /// tree's size and edge. Should the leaves at hand not be exactly those of the events after
    /// the tree (a hasher that stopped), hashes the events from the store instead. `frontier`
    /// (the tree's right edge) grows only when all are written; the leaves stay ready until
    /// [`Leaves::committed`] says the transaction holding them is on disk.
    pub(crate) fn flush(&mut self, conn: &Connection, frontier: &mut Frontier, events: i64) -> Result<()> {
        debug_assert!(!self.hashing, "leaves are taken back when their commit ends");
        let size = frontier.size();
        let behind = u64::try_from(events).unwrap_or(0).saturating_sub(size);
        let after = i64::try_from(size).unwrap_or(i64::MAX);
        let in_order = self.ready.len() as u64 == behind
            && self.ready.iter().zip(after + 1..).all(|((seq, _), want)| *seq == want);
        if !in_order {
            self.ready = leaves_after(conn, &self.key, after)?;
        }
        if self.ready.is_empty() {
            return Ok(());
        }
        let mut edge = frontier.clone();
        for (seq, leaf) in &self.ready {
            put_leaf(conn, &mut edge, *seq, *leaf)?;
        }
        set_tree(conn, &edge)?;
        *frontier = edge;
        Ok(())
    }

    /// The open transaction is about to commit: its events go to the hasher, which works while
    /// the commit reaches the disk (or they are hashed here when there is no hasher).
    pub(crate) fn start_hashing(&mut self) {
        if self.pending.is_empty() || self.hashing {
            return;
        }
        let work = std::mem::take(&mut self.pending);
        if let Some((send, _)) = &self.hasher {
            match send.send(work) {
                Ok(()) => self.hashing = true,
                Err(back) => {
                    self.hasher = None;
                    self.pending = back.0;
                }
            }
        } else {
            self.pending = work;
        }
    }

    /// The open transaction committed: the leaves it put in the tree (`flushed`) are done with,
    /// and its own events' leaves are taken back from the hasher, ready for the tree.
    pub(crate) fn committed(&mut self, flushed: bool) {
        if flushed {
            self.ready.clear();
        }
        if self.hashing {
            self.hashing = false;
            match self.hasher.as_ref().map(|(_, done)| done.recv()) {
                Some(Ok(leaves)) => self.ready.extend(leaves),
                // `flush` finds them missing and hashes them from the store.
                _ => self.hasher = None,
            }
        }
        if !self.pending.is_empty() {
            let work = std::mem::take(&mut self.pending);
            self.ready.extend(hash_all(&self.key, &work));
        }
    }

    /// The open transaction was rolled back: its events are gone, and so are their leaves if
    /// they were being hashed; the leaves of committed events stay ready for the next.
    pub(crate) fn rolled_back(&mut self) {
        self.pending.clear();
        if self.hashing {
            self.hashing = false;
            if self.hasher.as_ref().map(|(_, done)| done.recv()).is_none_or(|r| r.is_err()) {
                self.hasher = None;
            }
        }
    }
}

/// The leaves of every event after `after` in the store, hashed here.
fn leaves_after(conn: &Connection, key: &SeedKey, after: i64) -> Result<Hashed> {
    let mut out = Vec::new();
    each_leaf_after(conn, key, after, |seq, leaf| {
        out.push((seq, leaf));
        Ok(())
    })?;
    Ok(out)
}

/// Hashes the leaf of every event after `after` in the store, in order, and gives it to `f`
/// with its event's number; the events are read a page at a time.
pub(super) fn each_leaf_after(
    conn: &Connection,
    key: &SeedKey,
    after: i64,
    mut f: impl FnMut(i64, LogHash) -> Result<()>,
) -> Result<()> {
    let mut from = after;
    loop {
        let page = super::conn::SqliteRead { conn }.events_after(from, 5_000)?;
        let Some(tail) = page.last() else { return Ok(()) };
        from = tail.seq;
        for ev in &page {
            let event = ev.event().map_err(|e| StoreError::Corrupt(format!("event {} does not read: {e}", ev.seq)))?;
            f(ev.seq, super::chain::event_leaf(ev, &event, key.seed(ev.seq)))?;
        }
    }
}

/// Appends leaf `leaf` of event `seq` to the tree whose right edge is `frontier`: the nodes the
/// leaf completes at the kept levels.
pub(super) fn put_leaf(conn: &Connection, frontier: &mut Frontier, seq: i64, leaf: LogHash) -> Result<()> {
    if frontier.size() != u64::try_from(seq - 1).unwrap_or(u64::MAX) {
        return Err(StoreError::Corrupt(format!("event {seq} would be leaf {} of the log", frontier.size())));
    }
    let mut tree = Tree::resume(super::chain::Nodes(conn), std::mem::take(frontier));
    let appended = tree.append_hash(leaf);
    *frontier = tree.frontier().clone();
    appended.map_err(|e| StoreError::Corrupt(format!("appending event {seq} to the log's tree: {e}")))?;
    Ok(())
}

/// Records the tree's size and right edge, from which the writer resumes when the store opens
/// (no event is read again for it, so a tampered event cannot keep the store from opening for
/// the check at start to name it).
pub(super) fn set_tree(conn: &Connection, frontier: &Frontier) -> Result<()> {
    let size =
        i64::try_from(frontier.size()).map_err(|_| StoreError::Corrupt(format!("tree size {}", frontier.size())))?;
    let edge: Vec<u8> = frontier.nodes().concat();
    conn.prepare_cached("UPDATE log_state SET tree_size = ?1, frontier = ?2 WHERE id = 1")
        .and_then(|mut s| s.execute(params![size, edge]))
        .map_err(super::err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use vigie_model::Timestamp;
    use vigie_model::event::kinds;

    use super::*;

    fn event(seq: i64, added: u64) -> (ChainedEvent, Event) {
        let typed: Event = kinds::WatchlistEntriesAdded { added }.into();
        let ev = ChainedEvent {
            seq,
            id: format!("evt_{seq:032}"),
            kind: typed.kind().as_str().to_owned(),
            at: Timestamp::from_micros(seq * 1000),
            clock: "system".into(),
            actor: None,
            org: Some("org_1".into()),
            subject: format!("subject {seq}"),
            data: typed.encode(),
            prev_hash: String::new(),
            hash: String::new(),
        };
        (ev, typed)
    }

    fn insert(conn: &Connection, ev: &ChainedEvent) {
        conn.execute(
            "INSERT INTO events (seq, id, kind, at, clock, actor, org, subject, data, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![ev.seq, ev.id, ev.kind, ev.at.as_micros(), ev.clock, ev.actor, ev.org, ev.subject, ev.data, "", ""],
        )
        .unwrap();
    }

    fn db() -> (Connection, SeedKey) {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn).unwrap();
        let key = SeedKey::load(&conn).unwrap();
        (conn, key)
    }

    /// The edge of events 1..=n, hashed here from scratch.
    fn expected(key: &SeedKey, n: i64) -> Frontier {
        let mut f = Frontier::new();
        for seq in 1..=n {
            let (ev, typed) = event(seq, seq as u64);
            f.push_hash(super::super::chain::event_leaf(&ev, &typed, key.seed(seq)));
        }
        f
    }

    /// Three "commits" of events (one job of the second rolled back), each flushed at the next.
    fn run(conn: &Connection, mut leaves: Leaves) -> Frontier {
        let mut frontier = Frontier::new();
        let mut seq = 0;
        for (batch, size) in [(0, 5), (1, 20), (2, 15)] {
            leaves.flush(conn, &mut frontier, seq).unwrap();
            leaves.committed(true);
            for _ in 0..size {
                seq += 1;
                if batch == 1 && seq == 9 {
                    let mark = leaves.mark();
                    let (ev, typed) = event(seq, 999);
                    leaves.push(&ev, &typed);
                    leaves.rollback_to(mark);
                }
                let (ev, typed) = event(seq, seq as u64);
                insert(conn, &ev);
                leaves.push(&ev, &typed);
            }
            leaves.start_hashing();
            leaves.committed(false);
        }
        assert!(leaves.behind());
        leaves.flush(conn, &mut frontier, seq).unwrap();
        leaves.committed(true);
        assert!(!leaves.behind());
        frontier
    }

    #[test]
    fn the_hasher_gives_each_commits_leaves_in_order_and_skips_a_rolled_back_job() {
        for threaded in [true, false] {
            let (conn, key) = db();
            let leaves = if threaded { Leaves::with_hasher(key.clone()) } else { Leaves::inline(key.clone()) };
            let frontier = run(&conn, leaves);
            assert_eq!(frontier, expected(&key, 40), "threaded: {threaded}");
            assert_eq!(super::super::chain::log_size(&conn).unwrap(), 40);
            // Nothing is written per event but the kept nodes: no seed rows.
            let seeds: i64 = conn.query_row("SELECT count(*) FROM event_seeds", [], |r| r.get(0)).unwrap();
            assert_eq!(seeds, 0);
        }
    }

    #[test]
    fn an_event_from_before_the_key_keeps_its_stored_seed_and_the_tree_bounds_them() {
        let (conn, key) = db();
        conn.execute("INSERT INTO event_seeds (seq, seed) VALUES (2, zeroblob(32))", []).unwrap();
        conn.execute("UPDATE log_state SET tree_size = 3", []).unwrap();
        let seeds = super::super::chain::seeds(&conn, 0, 10).unwrap();
        assert_eq!(
            seeds,
            [(1, key.seed(1)), (2, [0; 32]), (3, key.seed(3))],
            "stored, else derived; none past the tree"
        );
        assert_ne!(key.seed(1), key.seed(3));
        // Another store's key gives other seeds.
        let (_, other) = db();
        assert_ne!(other.seed(1), key.seed(1));
        let changed = conn.execute("UPDATE log_state SET seed_key = zeroblob(32)", []);
        assert!(changed.unwrap_err().to_string().contains("never changes"));
    }

    #[test]
    fn leaves_lost_or_out_of_turn_are_hashed_again_from_the_store() {
        let (conn, key) = db();
        let mut leaves = Leaves::with_hasher(key.clone());
        let mut frontier = Frontier::new();
        for seq in 1..=20 {
            let (ev, typed) = event(seq, seq as u64);
            insert(&conn, &ev);
            leaves.push(&ev, &typed);
        }
        leaves.start_hashing();
        leaves.committed(false);
        // A transaction that put them in the tree and then did not commit: they stay ready.
        leaves.flush(&conn, &mut frontier, 20).unwrap();
        frontier = Frontier::new();
        conn.execute("UPDATE log_state SET tree_size = 0", []).unwrap();
        leaves.rolled_back();
        assert!(leaves.behind());
        // Events the hasher never saw (say, it stopped): the flush finds the count wrong and
        // hashes every event after the tree from the store.
        for seq in 21..=23 {
            let (ev, _) = event(seq, seq as u64);
            insert(&conn, &ev);
        }
        leaves.flush(&conn, &mut frontier, 23).unwrap();
        leaves.committed(true);
        assert_eq!(frontier, expected(&key, 23));
        // A leaf out of turn is refused and the edge does not move.
        let before = frontier.clone();
        assert!(
            put_leaf(&conn, &mut frontier, 30, [0; 32]).unwrap_err().to_string().contains("event 30 would be leaf 23")
        );
        assert_eq!(frontier, before);
    }
}
