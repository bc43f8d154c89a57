//! Reading and verifying the event log, for administrators and overseers, and the check of its
//! tail and its append-only guards before the server serves.

use vigie_model::Principal;
use vigie_model::Timestamp;
use vigie_model::event::{ChainError, ChainedEvent, GENESIS_HASH, Word, kinds as k, verify_chain};
use vigie_model::org::OrgKind;
use vigie_store::Reads;

use crate::auth::is_admin;
use crate::{Actor, App, AppError, AppResult, Events};

/// The outcome of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// Events that verified, from the first: all of them, or those before the first bad one.
    pub events: i64,
    /// The hash of the last event that verified (the genesis hash when none did).
    pub head: String,
    /// The first event that does not verify; `None` when every event verified.
    pub error: Option<BadEvent>,
}

/// The first event of the chain that does not verify, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadEvent {
    pub seq: i64,
    pub id: String,
    pub problem: ChainError,
}

impl BadEvent {
    /// What is wrong, as a stable word: `tampered`, `broken_link` or `gap`.
    pub fn kind(&self) -> &'static str {
        match self.problem {
            ChainError::Tampered { .. } => "tampered",
            ChainError::BrokenLink { .. } => "broken_link",
            ChainError::Gap { .. } => "gap",
        }
    }
}

impl std::fmt::Display for BadEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (seq, id) = (self.seq, &self.id);
        match self.problem {
            ChainError::Tampered { .. } => write!(
                f,
                "event {seq} ({id}) does not match its hash: a field of it, or its hash, was changed after it was written"
            ),
            ChainError::BrokenLink { .. } => write!(
                f,
                "event {seq} ({id}) does not link to the hash of event {}: an event before it was changed, removed or replaced",
                seq - 1
            ),
            ChainError::Gap { expected, .. } => write!(
                f,
                "event {seq} ({id}) comes where event {expected} should: events {expected} to {} are missing",
                seq - 1
            ),
        }
    }
}

fn may_audit(p: &Principal) -> AppResult<()> {
    if is_admin(p) || p.org_kind == OrgKind::Overseer {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators and overseers read the event log"))
    }
}

/// How many events one page of [`App::log_view`] reads at most.
pub const LOG_SCAN: usize = 20_000;

/// What the overseer's view of the log filters by. `None`: any.
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    pub kind: Option<vigie_model::event::EventKind>,
    pub subject: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only events before this sequence number (the previous page's `next`).
    pub before: Option<i64>,
    pub limit: u32,
}

/// A page of the log, newest first, and the cursor of the next page if there may be one.
#[derive(Clone, Debug)]
pub struct LogView {
    pub events: Vec<ChainedEvent>,
    pub next: Option<i64>,
}

/// Verifies the chain from the first event, page by page.
pub fn verify_all(r: &dyn Reads) -> vigie_store::Result<ChainReport> {
    verify_after(r, None)
}

/// Verifies the chain from an anchor: the last event (sequence number, hash) of a prefix that
/// verified before. The anchor event is read again and must still carry that hash and match it;
/// then only the events after it are verified, and the report counts the prefix as verified.
/// Without an anchor, or when the anchor event changed, the whole chain is verified
/// ([`verify_all`]), so a change to the anchor event is named. A change to an event *before* the anchor is not seen here: the
/// check at start covers the latest [`TAIL_EVENTS`] and `vigie audit verify --data` everything.
pub fn verify_from(r: &dyn Reads, anchor: Option<(i64, String)>) -> vigie_store::Result<ChainReport> {
    if let Some((seq, hash)) = anchor
        && seq > 0
        && let Some(e) = r.events_after(seq - 1, 1)?.first()
        && e.seq == seq
        && e.hash == hash
        && verify_chain(Some((seq - 1, e.prev_hash.as_str())), std::iter::once(e)).is_ok()
    {
        let mut report = verify_after(r, Some((seq, hash)))?;
        report.events += seq;
        return Ok(report);
    }
    verify_all(r)
}

/// Verifies the events after `prev` (the sequence number and hash the next event must link to;
/// `None`: the genesis) event by event, so that a failure names the exact event.
fn verify_after(r: &dyn Reads, prev: Option<(i64, String)>) -> vigie_store::Result<ChainReport> {
    let (mut seq, mut hash) = prev.unwrap_or((0, GENESIS_HASH.to_owned()));
    let mut good = 0;
    loop {
        let page = r.events_after(seq, 5_000)?;
        if page.is_empty() {
            return Ok(ChainReport { events: good, head: hash, error: None });
        }
        for e in &page {
            match verify_chain(Some((seq, hash.as_str())), std::iter::once(e)) {
                Ok((s, h)) => (seq, hash, good) = (s, h, good + 1),
                Err(problem) => {
                    let error = Some(BadEvent { seq: e.seq, id: e.id.clone(), problem });
                    return Ok(ChainReport { events: good, head: hash, error });
                }
            }
        }
    }
}

/// How many of the latest events the check at start verifies: enough to catch a recent
/// tampering at once, few enough that a start with millions of events stays quick.
pub const TAIL_EVENTS: i64 = 10_000;

/// The event log's state as checked before serving: its latest events and its guards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogCheck {
    /// The last event's sequence number: the head new events are chained to.
    pub last_seq: i64,
    /// The events checked: those after `from_seq`, up to the head.
    pub from_seq: i64,
    /// The first of those that does not verify.
    pub bad: Option<BadEvent>,
    /// The append-only guards (triggers) that are not in force.
    pub missing_guards: Vec<String>,
}

impl LogCheck {
    pub fn is_sound(&self) -> bool {
        self.bad.is_none() && self.missing_guards.is_empty()
    }
}

impl std::fmt::Display for LogCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(bad) = &self.bad {
            parts.push(format!("the event chain is broken: {bad}"));
        }
        if !self.missing_guards.is_empty() {
            let (what, are) = if self.missing_guards.len() == 1 { ("trigger", "is") } else { ("triggers", "are") };
            parts.push(format!(
                "the event log is no longer append-only: {what} {} {are} missing or altered",
                self.missing_guards.join(" and ")
            ));
        }
        if parts.is_empty() {
            write!(f, "events {} to {} verify and the log is append-only", self.from_seq + 1, self.last_seq)
        } else {
            f.write_str(&parts.join("; "))
        }
    }
}

/// Checks the last `tail` events (chained from the stored hash of the event before them, up to
/// the head the writer extends) and the log's append-only guards.
pub fn check_log(r: &dyn Reads, tail: i64) -> vigie_store::Result<LogCheck> {
    let last_seq = r.last_event_seq()?;
    let from_seq = (last_seq - tail.max(1)).max(0);
    let prev = match from_seq {
        0 => None,
        // The stored hash of the event before the tail. Were that event gone, no hash would
        // match and the first event of the tail would be reported as not linking.
        n => {
            let before = r.events_after(n - 1, 1)?.into_iter().find(|e| e.seq == n);
            Some((n, before.map(|e| e.hash).unwrap_or_default()))
        }
    };
    let bad = verify_after(r, prev)?.error;
    Ok(LogCheck { last_seq, from_seq, bad, missing_guards: r.missing_event_guards()? })
}

/// A broken event log the operator chose to serve on: health reports it until a start finds the
/// log sound again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AcceptedBreak {
    pub check: LogCheck,
    pub accepted_at: Timestamp,
    /// The `log.break_accepted` event that records the choice.
    pub event_seq: i64,
}

impl App {
    /// Checks the latest [`TAIL_EVENTS`] events and the log's append-only guards.
    pub async fn check_log(&self) -> AppResult<LogCheck> {
        Ok(self.store().read(|r| check_log(r, TAIL_EVENTS)).await?)
    }

    /// Records that the operator serves on a log that failed `check` (event
    /// `log.break_accepted`); [`App::broken_log`] answers it from now on.
    pub async fn accept_broken_log(&self, check: LogCheck) -> AppResult<()> {
        let clock = self.clock().clone();
        let data = k::LogBreakAccepted {
            first_bad_seq: check.bad.as_ref().map(|b| b.seq),
            problem: check.bad.as_ref().map(|b| Word::from(b.kind())),
            missing_guards: check.missing_guards.iter().map(|g| Word::new(g.as_str())).collect(),
            checked_from_seq: check.from_seq,
            head_seq: check.last_seq,
        };
        let (accepted_at, event_seq) = self
            .store()
            .write(move |tx| {
                let now = clock.now();
                let actor = Actor::system();
                let ev = Events { clock: &*clock, now, actor: &actor };
                let seq = ev.emit(tx, "events", data)?;
                Ok::<_, AppError>((now, seq))
            })
            .await?;
        let _ = self.inner.broken_log.set(AcceptedBreak { check, accepted_at, event_seq });
        Ok(())
    }

    /// The broken log this server was started on, if the operator accepted one.
    pub fn broken_log(&self) -> Option<&AcceptedBreak> {
        self.inner.broken_log.get()
    }

    pub async fn events(&self, p: &Principal, after: i64, limit: u32) -> AppResult<Vec<ChainedEvent>> {
        may_audit(p)?;
        Ok(self.store().read(move |r| r.events_after(after, limit.clamp(1, 5_000))).await?)
    }

    /// A page of the log as the overseer audience sees it (the transparency selector's
    /// `Audience::Overseer`), filtered: by kind, by subject (a case, order, organisation... id) and
    /// by time (`from` inclusive, `to` exclusive), newest first from `before` (a sequence number:
    /// the cursor of the next page). Reads at most [`LOG_SCAN`] events per page, so a filter that
    /// matches little still answers quickly; `next` says where to go on.
    pub async fn log_view(&self, p: &Principal, filter: LogFilter) -> AppResult<LogView> {
        may_audit(p)?;
        let limit = filter.limit.clamp(1, 500) as usize;
        Ok(self
            .store()
            .read(move |r| {
                let audience = crate::transparency::audience::Audience::Overseer;
                let selector = crate::transparency::audience::Selector::from_events(
                    std::iter::empty::<&ChainedEvent>(),
                    &audience,
                );
                let keep = |e: &ChainedEvent| {
                    filter.kind.is_none_or(|k| e.kind == k.as_str())
                        && filter.from.is_none_or(|f| e.at >= f)
                        && filter.to.is_none_or(|t| e.at < t)
                };
                let mut events = Vec::new();
                let mut next = None;
                if let Some(subject) = filter.subject.as_deref() {
                    // One subject's events are few: read them all, newest first.
                    let mut all = r.events_about(subject, 10_000)?;
                    all.reverse();
                    for e in all.iter().filter(|e| filter.before.is_none_or(|b| e.seq < b)).filter(|e| keep(e)) {
                        if events.len() == limit {
                            next = Some(e.seq + 1);
                            break;
                        }
                        events.extend(selector.view(e).map(|v| v.into_owned()));
                    }
                    return Ok(LogView { events, next });
                }
                // Newest first: pages of up to 1,000 events read backwards from `top`.
                let mut top = filter.before.unwrap_or(r.last_event_seq()? + 1);
                let mut scanned = 0;
                'pages: while top > 1 && scanned < LOG_SCAN {
                    let page = r.events_after((top - 1001).max(0), 1000)?;
                    let page: Vec<_> = page.into_iter().filter(|e| e.seq < top).collect();
                    let Some(first) = page.first() else { break };
                    top = first.seq;
                    for e in page.iter().rev() {
                        scanned += 1;
                        if keep(e) {
                            if events.len() == limit {
                                next = Some(e.seq + 1);
                                break 'pages;
                            }
                            events.extend(selector.view(e).map(|v| v.into_owned()));
                        }
                    }
                }
                if next.is_none() && top > 1 && scanned >= LOG_SCAN {
                    next = Some(top);
                }
                Ok(LogView { events, next })
            })
            .await?)
    }

    /// The whole chain's verification (the API's `GET /api/v1/events/verify`). A chain that
    /// verified becomes the anchor of [`App::verify_events_anchored`].
    pub async fn verify_events(&self, p: &Principal) -> AppResult<ChainReport> {
        self.verify_events_from(p, false).await
    }

    /// The chain's verification for the console's log page, shown on every view: from the last
    /// prefix a verification in this process found sound (see [`verify_from`]), which then moves
    /// to the new head when everything verified.
    pub async fn verify_events_anchored(&self, p: &Principal) -> AppResult<ChainReport> {
        self.verify_events_from(p, true).await
    }

    async fn verify_events_from(&self, p: &Principal, anchored: bool) -> AppResult<ChainReport> {
        may_audit(p)?;
        let cached = || self.inner.verified_chain.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let anchor = if anchored { cached().clone() } else { None };
        let report = self.store().read(move |r| verify_from(r, anchor)).await?;
        if report.error.is_none() && report.events > 0 {
            *cached() = Some((report.events, report.head.clone()));
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use vigie_model::EventId;
    use vigie_model::event::{ClockSource, NewEvent};
    use vigie_store::{SqliteConfig, Store};

    use super::*;

    async fn store_with_events(n: u8) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_sqlite(dir.path(), SqliteConfig::default()).unwrap();
        append(&store, 1..=n).await;
        (dir, store)
    }

    /// Appends events `numbers`, each numbered in its fields and id.
    async fn append(store: &Store, numbers: std::ops::RangeInclusive<u8>) {
        for i in numbers {
            let e = NewEvent {
                at: Timestamp::from_micros(i64::from(i)),
                clock: ClockSource::Manual,
                actor: None,
                org: None,
                subject: format!("org_{i}"),
                event: k::WatchlistEntriesAdded { added: u64::from(i) }.into(),
            };
            store.write(move |tx| tx.append_event(&EventId::from_random([i; 16]), &e)).await.unwrap();
        }
    }

    /// Changes event `seq` as someone with the database file could: the trigger first.
    fn tamper(dir: &std::path::Path, seq: i64) {
        let conn = rusqlite::Connection::open(dir.join("vigie.sqlite3")).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        conn.execute_batch("DROP TRIGGER events_no_update").unwrap();
        conn.execute("UPDATE events SET subject = 'org_x' WHERE seq = ?1", [seq]).unwrap();
    }

    #[tokio::test]
    async fn verification_names_the_first_bad_event_not_the_page_it_is_in() {
        let (dir, store) = store_with_events(30).await;
        tamper(dir.path(), 23);
        let report = store.read(|r| verify_all(r)).await.unwrap();
        let bad = report.error.expect("event 23 is found");
        assert_eq!((bad.seq, bad.id.as_str(), bad.kind()), (23, EventId::from_random([23; 16]).as_str(), "tampered"));
        assert_eq!(report.events, 22, "the events before it verify");
        let events = store.read(|r| r.events_after(21, 1)).await.unwrap();
        assert_eq!(report.head, events[0].hash, "the head is event 22's");
    }

    #[tokio::test]
    async fn a_view_anchored_on_a_verified_prefix_still_finds_a_tampered_event_after_it() {
        let (dir, store) = store_with_events(30).await;
        let first = store.read(|r| verify_from(r, None)).await.unwrap();
        assert_eq!((first.events, first.error.is_none()), (30, true));
        let anchor = Some((30, first.head.clone()));
        // Anchored, the same answer from reading the anchor alone.
        let again = store.read({
            let anchor = anchor.clone();
            move |r| verify_from(r, anchor)
        });
        assert_eq!(again.await.unwrap(), first);
        // More events, one of them changed after the anchor: shown as broken.
        append(&store, 31..=40).await;
        tamper(dir.path(), 35);
        let anchored = store.read({
            let anchor = anchor.clone();
            move |r| verify_from(r, anchor)
        });
        let report = anchored.await.unwrap();
        assert_eq!(report.error.as_ref().map(|b| (b.seq, b.kind())), Some((35, "tampered")), "{report:?}");
        assert_eq!(report.events, 34, "the prefix and the events after it up to the bad one");
        assert_eq!(report, store.read(|r| verify_all(r)).await.unwrap(), "the same report as a full verification");
    }

    #[tokio::test]
    async fn a_changed_anchor_event_sends_the_view_back_to_the_whole_chain() {
        let (dir, store) = store_with_events(30).await;
        let first = store.read(|r| verify_from(r, None)).await.unwrap();
        tamper(dir.path(), 30);
        let report = store.read(move |r| verify_from(r, Some((30, first.head)))).await.unwrap();
        assert_eq!(report.error.as_ref().map(|b| (b.seq, b.kind())), Some((30, "tampered")), "{report:?}");
        // An anchor that does not exist is not trusted either.
        let report = store.read(|r| verify_from(r, Some((99, "x".repeat(64))))).await.unwrap();
        assert_eq!(report.events, 29);
    }

    #[tokio::test]
    async fn the_check_at_start_reads_its_tail_and_the_triggers() {
        let (dir, store) = store_with_events(30).await;
        let sound = store.read(|r| check_log(r, 10)).await.unwrap();
        assert!(sound.is_sound(), "{sound}");
        assert_eq!((sound.from_seq, sound.last_seq), (20, 30));
        tamper(dir.path(), 23);
        let broken = store.read(|r| check_log(r, 10)).await.unwrap();
        assert_eq!(broken.bad.as_ref().map(|b| (b.seq, b.kind())), Some((23, "tampered")), "{broken}");
        assert_eq!(broken.missing_guards, ["events_no_update"]);
        assert!(!broken.is_sound());
        // Older than the tail, the change is beyond the check at start (the full verification
        // finds it); the missing trigger is still seen.
        let short = store.read(|r| check_log(r, 5)).await.unwrap();
        assert_eq!((short.bad, short.missing_guards.len()), (None, 1));
    }
}
