//! Vigie's persistence seam and its embedded engine.
//!
//! [`Store`] is the one door to state. Writes run as closures over a [`Tx`] inside one durable
//! transaction; reads run over [`Reads`] on a separate connection. The closures see domain-level
//! operations only, never SQL, so a second engine (PostgreSQL) implements the same two traits.
//!
//! The SQLite engine runs every write on one writer thread and **groups commits**: jobs that queue
//! while a transaction commits go into the next one, each inside its own savepoint, so one bad job
//! rolls back alone and one fsync acknowledges many jobs. A job's caller hears back only after the
//! commit that holds its changes is on disk.
//!
//! ```no_run
//! # async fn demo(store: vigie_store::Store) -> Result<(), vigie_store::StoreError> {
//! let n = store.read(|r| r.count_orgs()).await?;
//! # Ok(()) }
//! ```

mod chain;
mod console;
mod dueprocess;
mod evidence;
mod find;
mod graph;
mod jobs;
mod outbox;
mod records;
mod shift;
mod sqlite;
mod wellbeing;

use std::sync::Arc;

pub use chain::{ChainReads, CheckpointRecord, KEPT_NODE_LEVEL, LogHash, LogTx};
pub use console::*;
pub use dueprocess::*;
pub use evidence::*;
pub use find::*;
pub use graph::*;
pub use jobs::*;
pub use outbox::*;
pub use records::*;
pub use shift::*;
use vigie_model::event::{ChainedEvent, NewEvent};
use vigie_model::*;
pub use wellbeing::*;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule that is the client's conflict refused the write (a host already
    /// claimed, a name taken). Only the writes documented to fail so answer this.
    #[error("conflict: {message}")]
    Conflict { code: Conflict, message: &'static str },
    /// Any other rule of the database refused the write (a reference to nothing, a `CHECK`, an
    /// id used twice): a bug or a damaged database, never the client's conflict.
    #[error("{kind} constraint violated: {detail}")]
    Constraint { kind: ConstraintKind, detail: String },
    /// A row holds a value the code cannot read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The engine failed (I/O, disk full, ...).
    #[error("storage engine error: {0}")]
    Engine(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The store is shutting down.
    #[error("the store is closed")]
    Closed,
    /// A write on a store opened read-only ([`Store::open_sqlite_read_only`]).
    #[error("the store was opened read-only")]
    ReadOnly,
    /// The disk (or the database's configured size cap) is full: nothing was written.
    #[error("the storage is full")]
    Full,
}

/// Which kind of database rule a write broke, as the engine reports it (never read from its
/// message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstraintKind {
    /// A `UNIQUE` index or a primary key.
    Unique,
    ForeignKey,
    Check,
    NotNull,
    /// A trigger refused the write (the event log's append-only triggers).
    Trigger,
    Other,
}

impl std::fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::Check => "check",
            ConstraintKind::NotNull => "not null",
            ConstraintKind::Trigger => "trigger",
            ConstraintKind::Other => "database",
        })
    }
}

impl StoreError {
    /// Turns a broken uniqueness rule into the client's conflict `code`; other errors (other
    /// constraints included) stay as they are. For the writes where a taken name is the client's
    /// business.
    pub fn unique_as(code: Conflict, message: &'static str) -> impl Fn(StoreError) -> StoreError {
        move |e| match e {
            StoreError::Constraint { kind: ConstraintKind::Unique, .. } => StoreError::Conflict { code, message },
            other => other,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A keyset position in the inbox order (deadline first, then priority, then id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxCursor {
    pub due_at: Option<Timestamp>,
    pub priority: i64,
    pub id: CaseId,
}

/// Durability settings in force on the writer connection, for tests and `/healthz` detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Durability {
    pub journal_mode: String,
    /// SQLite's `synchronous` level: 2 is FULL, 3 is EXTRA.
    pub synchronous: i64,
}

/// Queries. Implemented on read connections and inside write transactions.
pub trait Reads:
    DueReads + ConsoleReads + FindReads + OutboxReads + ChainReads + ShiftReads + WellbeingReads + JobReads + EvidenceReads
{
    fn count_orgs(&self) -> Result<i64>;
    fn get_org(&self, id: &OrgId) -> Result<Option<OrgRecord>>;
    fn list_orgs(&self) -> Result<Vec<OrgRecord>>;
    fn get_user(&self, id: &UserId) -> Result<Option<UserRecord>>;
    /// Who a live token speaks for: not revoked, not expired at `now`, its person not removed.
    fn find_principal(&self, token_hash: &str, now: Timestamp) -> Result<Option<Principal>>;
    fn get_host(&self, host: &str) -> Result<Option<HostRecord>>;
    fn list_hosts(&self, org: Option<&OrgId>) -> Result<Vec<HostRecord>>;
    /// The platform that owns the first approved host among `candidates` (most specific first).
    fn route_host(&self, candidates: &[&str]) -> Result<Option<OrgId>>;
    fn get_signal(&self, id: &SignalId) -> Result<Option<SignalRecord>>;
    fn find_signal_by_tracking(&self, tracking_hash: &str) -> Result<Option<SignalRecord>>;
    /// Signals in id order after `after`, for admins and audits.
    fn list_signals(&self, after: Option<&SignalId>, limit: u32) -> Result<Vec<SignalRecord>>;
    fn signal_cases(&self, id: &SignalId) -> Result<Vec<CaseId>>;
    fn get_case(&self, id: &CaseId) -> Result<Option<CaseRecord>>;
    fn find_case(&self, platform: Option<&OrgId>, key: &str) -> Result<Option<CaseRecord>>;
    fn case_signals(&self, id: &CaseId) -> Result<Vec<SignalRecord>>;
    /// The orders whose locations include this case.
    fn case_orders(&self, id: &CaseId) -> Result<Vec<OrderRecord>>;
    /// A platform's pending cases, deadline first, then priority, after `cursor`.
    fn inbox(&self, platform: &OrgId, cursor: Option<&InboxCursor>, limit: u32) -> Result<Vec<CaseRecord>>;
    /// Cases waiting for the hub, oldest first.
    fn parked_cases(&self, limit: u32) -> Result<Vec<CaseRecord>>;
    fn get_order(&self, id: &SignalId) -> Result<Option<OrderRecord>>;
    /// Running orders in force whose next escalation is due at `now`.
    fn due_orders(&self, now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>>;
    fn has_orders_between(&self, authority: &OrgId, platform: &OrgId) -> Result<bool>;
    fn latest_advance_notice(&self, authority: &OrgId, platform: &OrgId) -> Result<Option<AdvanceNoticeRecord>>;
    /// The case's current decision: the latest, when a reopened case was decided again.
    fn case_decision(&self, id: &CaseId) -> Result<Option<DecisionRecord>>;
    /// An organisation's webhooks, deleted ones left out.
    fn webhooks_of(&self, org: &OrgId) -> Result<Vec<WebhookRecord>>;
    /// A webhook, deleted or not.
    fn get_webhook(&self, id: &WebhookId) -> Result<Option<WebhookRecord>>;
    fn get_delivery(&self, id: &DeliveryId) -> Result<Option<DeliveryRecord>>;
    fn events_after(&self, seq: i64, limit: u32) -> Result<Vec<ChainedEvent>>;
    fn personal_value(&self, id: &PersonalRef) -> Result<Option<String>>;

    /// A bank that has not been deleted.
    fn get_bank(&self, id: &BankId) -> Result<Option<BankRecord>>;
    fn find_bank(&self, owner: &OrgId, name: &str) -> Result<Option<BankRecord>>;
    /// Every bank `org` owns or was shared, with what it may do, by name.
    fn banks_for(&self, org: &OrgId) -> Result<Vec<(BankRecord, vigie_model::bank::Access)>>;
    /// Every live bank, for the matcher.
    fn all_banks(&self) -> Result<Vec<BankRecord>>;
    fn bank_shares(&self, bank: &BankId) -> Result<Vec<BankShareRecord>>;
    /// Every share of every live bank, for the matcher.
    fn all_shares(&self) -> Result<Vec<BankShareRecord>>;
    fn get_entry(&self, id: i64) -> Result<Option<BankEntryRecord>>;
    /// A bank's entries not removed, in id order after `after`.
    fn bank_entries(&self, bank: &BankId, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    fn count_entries(&self, bank: &BankId) -> Result<i64>;
    /// Every entry (removed ones too) in id order after `after`, for loading the matcher.
    fn entries_after(&self, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    /// Entries (removed ones too) changed after event `seq`, to catch an index snapshot up.
    fn entries_changed_since(&self, seq: i64) -> Result<Vec<BankEntryRecord>>;
    /// Every entry an index snapshot leaves out (vPDQ and URLs; removed ones too), in id order
    /// after `after`.
    fn entries_outside_snapshot(&self, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    /// Entries in all banks, removed ones too.
    fn count_all_entries(&self) -> Result<i64>;
    /// The live entry of `bank` with this value, if any.
    fn find_entry(
        &self,
        bank: &BankId,
        signal_type: vigie_model::bank::SignalType,
        value: &str,
    ) -> Result<Option<BankEntryRecord>>;
    fn entry_feedback(&self, entry: i64) -> Result<Vec<FeedbackRecord>>;
    /// The bytes of the `.tmk` file of this SHA-256 (hex), while a live entry holds it.
    fn tmk_file(&self, sha256: &str) -> Result<Option<Vec<u8>>>;
    /// Every `tmk` entry (removed ones too) in id order after `after`, with its file's level-1
    /// vector (little-endian `f32`s), for loading the matcher without reading the files.
    fn tmk_entries_after(&self, after: i64, limit: u32) -> Result<Vec<(BankEntryRecord, Vec<u8>)>>;
}

/// Changes. Only available inside [`Store::write`].
pub trait Tx:
    Reads + DueTx + ConsoleTx + FindTx + OutboxTx + ShiftTx + WellbeingTx + JobTx + LogTx + EvidenceTx
{
    fn insert_org(&mut self, r: &OrgRecord) -> Result<()>;
    /// Changes an organisation's competences and designated channel (nothing else changes).
    fn update_org(&mut self, r: &OrgRecord) -> Result<()>;
    fn insert_user(&mut self, r: &UserRecord) -> Result<()>;
    fn insert_token(&mut self, r: &TokenRecord) -> Result<()>;
    /// Fails with [`StoreError::Conflict`] if the host is already claimed.
    fn insert_host(&mut self, r: &HostRecord) -> Result<()>;
    fn update_host(&mut self, r: &HostRecord) -> Result<()>;
    fn insert_signal(&mut self, r: &SignalRecord) -> Result<()>;
    /// Links the signal's location `idx` to the case it reached, with what it says of the case
    /// by value ([`SignalKeys`]).
    fn link_signal_case(&mut self, signal: &SignalRecord, idx: u32, case: &CaseId) -> Result<()>;
    /// The caller checks first that the platform has no case with that key.
    fn insert_case(&mut self, r: &CaseRecord) -> Result<()>;
    fn update_case(&mut self, r: &CaseRecord) -> Result<()>;
    /// Records that `source` reported `case`; `true` if it had not before.
    fn add_case_source(&mut self, case: &CaseId, source: &str) -> Result<bool>;
    /// Parked cases whose host is `host` or under it.
    fn parked_cases_on(&mut self, host: &str) -> Result<Vec<CaseRecord>>;
    fn insert_order(&mut self, r: &OrderRecord) -> Result<()>;
    fn update_order(&mut self, r: &OrderRecord) -> Result<()>;
    fn insert_advance_notice(&mut self, r: &AdvanceNoticeRecord) -> Result<()>;
    fn insert_decision(&mut self, r: &DecisionRecord) -> Result<()>;
    fn insert_webhook(&mut self, r: &WebhookRecord) -> Result<()>;
    fn insert_delivery(&mut self, r: &DeliveryRecord) -> Result<()>;
    fn update_delivery(&mut self, r: &DeliveryRecord) -> Result<()>;
    fn insert_personal(&mut self, r: &PersonalRecord) -> Result<()>;
    /// Erases values whose retention ended by `now`; returns their refs.
    fn erase_expired_personal(&mut self, now: Timestamp, limit: u32) -> Result<Vec<PersonalRef>>;
    /// Appends to the chain; returns the event's sequence number.
    fn append_event(&mut self, id: &EventId, e: &NewEvent) -> Result<i64>;

    /// Fails with [`StoreError::Conflict`] if the owner has a live bank of that name.
    fn insert_bank(&mut self, r: &BankRecord) -> Result<()>;
    fn update_bank(&mut self, r: &BankRecord) -> Result<()>;
    fn delete_bank(&mut self, id: &BankId, at: Timestamp) -> Result<()>;
    fn put_share(&mut self, r: &BankShareRecord) -> Result<()>;
    /// `true` if there was a share to remove.
    fn delete_share(&mut self, bank: &BankId, org: &OrgId) -> Result<bool>;
    /// Inserts an entry (its `id` field is ignored); returns the id the store gave it, or `None`
    /// when the bank already holds a live entry of that type and value (nothing is inserted).
    fn insert_entry(&mut self, r: &BankEntryRecord) -> Result<Option<i64>>;
    fn update_entry(&mut self, r: &BankEntryRecord) -> Result<()>;
    fn insert_feedback(&mut self, r: &FeedbackRecord) -> Result<()>;
    /// Stores a `.tmk` file under its SHA-256 (hex) with its level-1 vector, unless it is there.
    fn put_tmk_file(&mut self, file: &TmkFileRecord) -> Result<()>;
}

/// What a read connection offers: the ordinary reads and the account network's. A write
/// transaction ([`Tx`]) is not one, so nothing done in a write can read the network.
pub trait ReadConn: Reads + GraphReads {}
impl<T: Reads + GraphReads + ?Sized> ReadConn for T {}

type ReadJob = Box<dyn FnOnce(&dyn ReadConn) + Send>;
/// A write job runs inside the batch transaction and says whether its savepoint should be kept;
/// its completion runs after the commit with the commit's outcome.
type WriteJob = Box<dyn FnOnce(&mut dyn Tx) -> (bool, Completion) + Send>;
type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// An engine runs jobs; [`Store`] turns them into async calls.
trait Engine: Send + Sync {
    fn submit_write(&self, job: WriteJob) -> Result<()>;
    fn submit_read(&self, job: ReadJob) -> Result<()>;
    fn durability(&self) -> Result<Durability>;
    /// Whether the last write found the storage full (cleared by the next write that fits).
    fn storage_full(&self) -> bool;
    /// Refuses new jobs, finishes the queued ones and joins the engine's threads (blocking).
    fn close(&self);
}

/// The handle every part of Vigie shares. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    engine: Arc<dyn Engine>,
}

/// How the embedded engine is set up.
#[derive(Clone, Debug)]
pub struct SqliteConfig {
    /// Most jobs in one grouped commit.
    pub max_batch: usize,
    /// Read connections kept open.
    pub readers: usize,
    /// The most the database file may grow to, in bytes (SQLite's `max_page_count`); past it,
    /// writes fail as on a full disk. `None`: as large as the disk allows.
    pub max_db_bytes: Option<u64>,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        Self { max_batch: 512, readers: 4, max_db_bytes: None }
    }
}

impl Store {
    /// Opens (creating if needed) the embedded database `vigie.sqlite3` in `dir`.
    pub fn open_sqlite(dir: &std::path::Path, config: SqliteConfig) -> Result<Store> {
        let engine = sqlite::SqliteEngine::open(dir, config)?;
        Ok(Store { engine: Arc::new(engine) })
    }

    /// Opens the embedded store for reading only: no migration, no writer, no checkpoints, so
    /// offline tools can read a data directory while its server runs. Writes answer
    /// [`StoreError::ReadOnly`]; a schema of another version is refused.
    pub fn open_sqlite_read_only(dir: &std::path::Path, readers: usize) -> Result<Store> {
        let engine = sqlite::SqliteEngine::open_read_only(dir, readers)?;
        Ok(Store { engine: Arc::new(engine) })
    }

    /// Runs `work` in a durable transaction; returns once it is committed (or rolled back when
    /// `work` fails: its changes never persist, and no other job's do either way).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
    {
        self.write_applied(work, |_: &T| {}).await
    }

    /// Like [`Store::write`], and once the commit is on disk runs `apply` on its result before
    /// anyone hears back. `apply` runs in commit order (on the engine's writer), so in-memory
    /// copies of state (the hash index) see changes in the order the store made them.
    pub async fn write_applied<T, E, F, A>(&self, work: F, apply: A) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn Tx) -> Result<T, E> + Send + 'static,
        A: FnOnce(&T) + Send + 'static,
    {
        let (send, recv) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let job: WriteJob = Box::new(move |tx: &mut dyn Tx| {
            let res = work(tx);
            let keep = res.is_ok();
            let done: Completion = Box::new(move |commit: Result<(), StoreError>| {
                let out = match commit {
                    Ok(()) => res,
                    Err(e) => Err(E::from(e)),
                };
                if let Ok(v) = &out {
                    apply(v);
                }
                let _ = send.send(out);
            });
            (keep, done)
        });
        self.engine.submit_write(job).map_err(E::from)?;
        recv.await.map_err(|_| E::from(StoreError::Closed))?
    }

    /// Brings the log's tree level with the events: afterwards it holds every event committed
    /// before the call. The writer adds a grouped commit's leaves right after it, and those that
    /// could not be added then (a full disk) at its next commit; this is one more commit, empty.
    pub async fn settle_log(&self) -> Result<()> {
        self.write(|_| Ok::<_, StoreError>(())).await
    }

    /// Runs `work` on a read connection, off the async threads.
    pub async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Reads) -> Result<T> + Send + 'static,
    {
        let (send, recv) = tokio::sync::oneshot::channel();
        self.engine.submit_read(Box::new(move |r: &dyn ReadConn| {
            let _ = send.send(work(r));
        }))?;
        recv.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `work` on a read connection with the account network's reads ([`GraphReads`]). Only
    /// the network's use-case calls this (`vigie-app`'s `graph.rs`; a test there checks it).
    pub async fn read_graph<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn ReadConn) -> Result<T> + Send + 'static,
    {
        let (send, recv) = tokio::sync::oneshot::channel();
        self.engine.submit_read(Box::new(move |r: &dyn ReadConn| {
            let _ = send.send(work(r));
        }))?;
        recv.await.map_err(|_| StoreError::Closed)?
    }

    pub fn durability(&self) -> Result<Durability> {
        self.engine.durability()
    }

    /// Whether the storage was full at the last write: writes fail with [`StoreError::Full`]
    /// until space is freed (the next write that fits clears it).
    pub fn storage_full(&self) -> bool {
        self.engine.storage_full()
    }

    /// Closes the store for every clone of it: new reads and writes answer [`StoreError::Closed`],
    /// jobs already queued run to their end, and this returns once the engine's threads (writer,
    /// readers, checkpoints) have stopped and closed their connections. So a test or a shutdown
    /// can rely on the files being complete and released (the WAL copied into the database).
    pub async fn close(&self) {
        let engine = Arc::clone(&self.engine);
        // Joining threads blocks: off the async threads.
        let _ = tokio::task::spawn_blocking(move || engine.close()).await;
    }
}
