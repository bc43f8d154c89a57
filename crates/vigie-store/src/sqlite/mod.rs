//! The embedded engine: SQLite in WAL mode with full synchronous commits, one writer thread that
//! groups commits, and a few reader threads.

mod banks;
mod cases;
mod chain;
mod conn;
mod console;
mod dueprocess;
mod events;
mod evidence;
mod find;
mod graph;
mod jobs;
mod leaves;
mod orders;
mod orgs;
mod outbox;
mod queries;
mod schema;
mod shift;
mod wellbeing;

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::{Connection, OpenFlags};

use crate::{Completion, ConstraintKind, Durability, Engine, ReadJob, Result, SqliteConfig, StoreError, WriteJob};
use conn::{ChainHead, SqliteRead, SqliteTx};

pub(crate) struct SqliteEngine {
    /// `None` once the engine is closed.
    writer: Mutex<Option<Sender<WriteJob>>>,
    readers: Mutex<Option<Sender<ReadJob>>>,
    durability: Durability,
    /// Whether the writer's last grouped commit found the storage full.
    full: Arc<AtomicBool>,
    /// Dropping it stops the checkpoint thread.
    checkpoint_stop: Mutex<Option<Sender<()>>>,
    /// The writer, reader and checkpoint threads, joined by [`Engine::close`].
    threads: Mutex<Vec<thread::JoinHandle<()>>>,
    read_only: bool,
}

thread_local! {
    /// Set on the writer's thread when one of its statements found the storage full; read and
    /// cleared after each grouped commit (see `writer_loop`).
    static FULL_SEEN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn is_full(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull)
}

pub(crate) fn err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, detail) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::Constraint {
                kind: constraint_kind(f.extended_code),
                detail: detail.clone().unwrap_or_else(|| "no detail".to_owned()),
            }
        }
        e if is_full(e) => {
            FULL_SEEN.with(|f| f.set(true));
            StoreError::Full
        }
        _ => StoreError::Engine(Box::new(e)),
    }
}

/// The kind of a constraint violation, from SQLite's extended result code.
fn constraint_kind(extended_code: std::ffi::c_int) -> ConstraintKind {
    use rusqlite::ffi;
    match extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_ROWID => {
            ConstraintKind::Unique
        }
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
        ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
        ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
        ffi::SQLITE_CONSTRAINT_TRIGGER => ConstraintKind::Trigger,
        _ => ConstraintKind::Other,
    }
}

fn open_connection(path: &Path, write: bool) -> rusqlite::Result<Connection> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // A 16 MiB page cache and memory-mapped reads keep hot pages out of read(2) calls.
    conn.pragma_update(None, "cache_size", -16_384)?;
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    // Savepoint sub-journals and temporary indexes stay in memory, not in temporary files.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Plans do not depend on bound values, so cached statements are never re-prepared per bind.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    if write {
        // WAL lets readers run beside the writer; FULL makes every commit fsync the WAL, so a
        // commit that returned survives a crash or power loss.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidParameterName(format!("journal_mode stayed {mode}")));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        // Checkpoints run on their own thread (see `checkpoint_loop`), not in the writer's commits.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "journal_size_limit", 64i64 << 20)?;
    }
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
}

impl SqliteEngine {
    pub(crate) fn open(dir: &Path, config: SqliteConfig) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Engine(Box::new(e)))?;
        let path = dir.join("vigie.sqlite3");
        let mut conn = open_connection(&path, true).map_err(err)?;
        schema::migrate(&mut conn).map_err(err)?;
        if let Some(max) = config.max_db_bytes {
            let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(err)?;
            let pages = i64::try_from(max).unwrap_or(i64::MAX) / page.max(1);
            conn.query_row(&format!("PRAGMA max_page_count = {}", pages.max(1)), [], |_| Ok(())).map_err(err)?;
        }
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        if version != schema::latest_version() {
            return Err(StoreError::Corrupt(format!(
                "database schema is version {version}, this build knows {}",
                schema::latest_version()
            )));
        }
        let durability = Durability {
            journal_mode: conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(err)?,
            synchronous: conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).map_err(err)?,
        };
        let head = ChainHead::load(&conn)?;
        let wal_path = dir.join("vigie.sqlite3-wal");

        let (write_send, write_recv) = mpsc::channel::<WriteJob>();
        let max_batch = config.max_batch.max(1);
        let restart_due = Arc::new(AtomicBool::new(false));
        let due = Arc::clone(&restart_due);
        let full = Arc::new(AtomicBool::new(false));
        let full_flag = Arc::clone(&full);
        let writer = thread::Builder::new()
            .name("vigie-writer".into())
            .spawn(move || writer_loop(conn, head, write_recv, max_batch, &due, &full_flag))
            .map_err(|e| StoreError::Engine(Box::new(e)))?;

        let checkpointer = open_connection(&path, true).map_err(err)?;
        let (checkpoint_stop, stop_checkpoints) = mpsc::channel::<()>();
        let checkpoints = thread::Builder::new()
            .name("vigie-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpointer, stop_checkpoints, &wal_path, &restart_due))
            .map_err(|e| StoreError::Engine(Box::new(e)))?;

        let (read_send, mut threads) = spawn_readers(&path, config.readers)?;
        threads.extend([writer, checkpoints]);
        Ok(Self {
            writer: Mutex::new(Some(write_send)),
            readers: Mutex::new(Some(read_send)),
            durability,
            full,
            checkpoint_stop: Mutex::new(Some(checkpoint_stop)),
            threads: Mutex::new(threads),
            read_only: false,
        })
    }
}

/// Starts `n` (at least one) reader threads, each with its own read-only connection, sharing one
/// queue of jobs.
fn spawn_readers(path: &Path, n: usize) -> Result<(Sender<ReadJob>, Vec<thread::JoinHandle<()>>)> {
    let (read_send, read_recv) = mpsc::channel::<ReadJob>();
    let read_recv = Arc::new(Mutex::new(read_recv));
    let mut threads = Vec::new();
    for i in 0..n.max(1) {
        let conn = open_connection(path, false).map_err(err)?;
        let jobs = Arc::clone(&read_recv);
        threads.push(
            thread::Builder::new()
                .name(format!("vigie-reader-{i}"))
                .spawn(move || reader_loop(conn, jobs))
                .map_err(|e| StoreError::Engine(Box::new(e)))?,
        );
    }
    Ok((read_send, threads))
}

impl SqliteEngine {
    /// Read connections only: no migration, no writer, no checkpoints. For offline tools (audits,
    /// reports, exports) beside a running server, which alone writes and keeps the chain's head.
    pub(crate) fn open_read_only(dir: &Path, readers: usize) -> Result<Self> {
        let path = dir.join("vigie.sqlite3");
        if !path.exists() {
            return Err(StoreError::Engine(format!("no Vigie database in {}", dir.display()).into()));
        }
        let conn = open_connection(&path, false).map_err(err)?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
        if version != schema::latest_version() {
            return Err(StoreError::Corrupt(format!(
                "database schema is version {version}, this build knows {}: start this build's \
                 `vigie serve` on it once to migrate it, or use the build that wrote it",
                schema::latest_version()
            )));
        }
        let durability = Durability {
            journal_mode: conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).map_err(err)?,
            synchronous: conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).map_err(err)?,
        };
        drop(conn);
        let (read_send, threads) = spawn_readers(&path, readers)?;
        Ok(Self {
            // Never sent to: `submit_write` answers `ReadOnly` first.
            writer: Mutex::new(None),
            readers: Mutex::new(Some(read_send)),
            durability,
            full: Arc::new(AtomicBool::new(false)),
            checkpoint_stop: Mutex::new(None),
            threads: Mutex::new(threads),
            read_only: true,
        })
    }
}

impl Engine for SqliteEngine {
    fn submit_write(&self, job: WriteJob) -> Result<()> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        let sender = self.writer.lock().map_err(|_| StoreError::Closed)?;
        sender.as_ref().ok_or(StoreError::Closed)?.send(job).map_err(|_| StoreError::Closed)
    }
    fn submit_read(&self, job: ReadJob) -> Result<()> {
        let sender = self.readers.lock().map_err(|_| StoreError::Closed)?;
        sender.as_ref().ok_or(StoreError::Closed)?.send(job).map_err(|_| StoreError::Closed)
    }
    /// Drops the queues' senders (the writer finishes the jobs already queued, the readers theirs),
    /// stops the checkpoints, and joins every thread: their connections are closed on return, the
    /// last one checkpointing the WAL into the database.
    fn close(&self) {
        // One at a time, readers, then the writer, then the checkpointer: only a read-write
        // connection that closes last, alone, copies the WAL back and removes it (a read-only one
        // cannot), and thread exits would otherwise come in no particular order.
        if let Ok(mut s) = self.readers.lock() {
            s.take();
        }
        let threads = self.threads.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        let named = |t: &thread::JoinHandle<()>, name: &str| t.thread().name().is_some_and(|n| n.starts_with(name));
        let (readers, rest): (Vec<_>, Vec<_>) = threads.into_iter().partition(|t| named(t, "vigie-reader"));
        let (writer, checkpoints): (Vec<_>, Vec<_>) = rest.into_iter().partition(|t| named(t, "vigie-writer"));
        // A thread that panicked has nothing left to close.
        for t in readers {
            let _ = t.join();
        }
        if let Ok(mut s) = self.writer.lock() {
            s.take();
        }
        for t in writer {
            let _ = t.join();
        }
        if let Ok(mut s) = self.checkpoint_stop.lock() {
            s.take();
        }
        for t in checkpoints {
            let _ = t.join();
        }
    }
    fn durability(&self) -> Result<Durability> {
        Ok(self.durability.clone())
    }
    fn storage_full(&self) -> bool {
        self.full.load(Ordering::Acquire)
    }
}

/// Copies the WAL back into the database in the background. PASSIVE never blocks the writer or
/// readers. Under sustained load it never quite catches up, so the WAL file would grow without
/// bound: when it passes `WAL_RESTART_BYTES` and the last pass left at most `MAX_BACKLOG` frames
/// uncopied, this thread asks the writer to restart it (`restart_due`). The writer does so between
/// two commits, copying those few frames: no commit waits for a large backlog (such as a bank
/// import's), and the writer never sleeps in a busy handler waiting for this thread's lock (which
/// is what made commits stall for up to a second when this thread restarted the WAL itself).
/// Past `WAL_HARD_BYTES` (a bank import's backlog) this thread restarts it itself, to bound the
/// file without putting the copy on the writer's time.
fn checkpoint_loop(conn: Connection, stop: Receiver<()>, wal_path: &Path, restart_due: &AtomicBool) {
    const WAL_RESTART_BYTES: u64 = 16 << 20;
    const WAL_HARD_BYTES: u64 = 1 << 30;
    const MAX_BACKLOG: i64 = 1024;
    // Runs until the engine, which holds the sender, is dropped.
    while let Err(mpsc::RecvTimeoutError::Timeout) = stop.recv_timeout(std::time::Duration::from_millis(100)) {
        // (busy, frames in the WAL, frames copied)
        let pass =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)));
        let backlog = match pass {
            Ok((log, copied)) => (log - copied).max(0),
            Err(e) => {
                // The writer reports disk failures on its own commits.
                tracing::debug!(error = %e, "checkpoint failed");
                continue;
            }
        };
        let size = std::fs::metadata(wal_path).map_or(0, |m| m.len());
        if size > WAL_HARD_BYTES {
            // A long backlog (a bank import's): copied here, never on the writer's time.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "could not restart the WAL");
            }
        } else if size > WAL_RESTART_BYTES && backlog <= MAX_BACKLOG {
            restart_due.store(true, Ordering::Release);
        }
    }
}

fn reader_loop(conn: Connection, jobs: Arc<Mutex<Receiver<ReadJob>>>) {
    loop {
        let job = {
            let Ok(queue) = jobs.lock() else { return };
            match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        let reads = SqliteRead { conn: &conn };
        // A panicking job drops its reply channel; the caller sees `Closed`, the thread lives on.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&reads)));
    }
}

fn writer_loop(
    conn: Connection,
    mut head: ChainHead,
    jobs: Receiver<WriteJob>,
    max_batch: usize,
    restart_due: &AtomicBool,
    full: &AtomicBool,
) {
    let mut batch: Vec<WriteJob> = Vec::with_capacity(max_batch);
    let mut leaves = match chain::SeedKey::load(&conn) {
        Ok(key) => leaves::Leaves::with_hasher(key),
        Err(e) => {
            tracing::error!(error = %e, "the log's seed key does not read: the writer stops");
            return;
        }
    };
    while let Ok(first) = jobs.recv() {
        batch.push(first);
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let (jobs_run, started) = (batch.len(), std::time::Instant::now());
        FULL_SEEN.with(|f| f.set(false));
        let (wrote, committed) = run_batch(&conn, &mut head, &mut leaves, batch.drain(..));
        // Before anyone hears how the batch went: whether the storage is full.
        let found_full = FULL_SEEN.with(std::cell::Cell::get);
        if found_full && !full.swap(true, Ordering::AcqRel) {
            tracing::error!("the storage is full: writes are refused until space is freed");
        } else if wrote && !found_full && full.swap(false, Ordering::AcqRel) {
            tracing::warn!("the storage has room again: writes are accepted");
        }
        // The committed events' leaves join the tree before their callers hear of the commit,
        // so that one who reads the log next finds them (`leaves.rs`). Leaves that do not fit
        // stay for the next commit; the storage counts as full then too.
        if leaves.behind() {
            FULL_SEEN.with(|f| f.set(false));
            catch_up(&conn, &mut head, &mut leaves);
            if FULL_SEEN.with(std::cell::Cell::get) && !full.swap(true, Ordering::AcqRel) {
                tracing::error!("the storage is full: writes are refused until space is freed");
            }
        }
        for done in committed {
            done(Ok(()));
        }
        let took = started.elapsed();
        if took > std::time::Duration::from_millis(500) {
            tracing::info!(jobs = jobs_run, ms = took.as_millis() as u64, "a grouped commit took long");
        }
        // Between commits: restart the WAL when the checkpoint thread found it long and nearly
        // copied (see `checkpoint_loop`).
        if restart_due.swap(false, Ordering::AcqRel) {
            let started = std::time::Instant::now();
            // A restart waits for the checkpoint lock and for readers to leave the WAL; the
            // writer waits at most 20 ms for them (commits are queued meanwhile). If they are not
            // done by then the restart is skipped, and asked for again after the next pass.
            let _ = conn.busy_timeout(std::time::Duration::from_millis(20));
            match conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0)) {
                Ok(0) => {}
                Ok(_) => tracing::debug!("the WAL restart was busy; it will be asked for again"),
                Err(e) => tracing::warn!(error = %e, "could not restart the WAL"),
            }
            let _ = conn.busy_timeout(std::time::Duration::from_secs(10));
            let took = started.elapsed();
            if took > std::time::Duration::from_millis(200) {
                tracing::info!(ms = took.as_millis() as u64, "restarting the WAL took long");
            }
        }
    }
    // Closing: the last events' leaves join the tree before the writer stops.
    if leaves.behind() {
        catch_up(&conn, &mut head, &mut leaves);
    }
}

/// Runs one cached statement (savepoints run for every job: parsing them each time adds up).
fn step(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

fn rollback_job(conn: &Connection) {
    let _ = step(conn, "ROLLBACK TO job").and_then(|()| step(conn, "RELEASE job"));
}

/// Runs jobs in one transaction, each in its own savepoint, then commits once; `true` when the
/// commit went through with at least one job's changes in it.
///
/// A full disk (and some I/O errors) make SQLite roll the whole transaction back on its own, not
/// only the failing statement: the jobs already run in it then lost their changes, so they hear
/// the failure (never a success), and the jobs after them run in a new transaction.
fn run_batch(
    conn: &Connection,
    head: &mut ChainHead,
    leaves: &mut leaves::Leaves,
    jobs: impl Iterator<Item = WriteJob>,
) -> (bool, Vec<Completion>) {
    let mut head_at_start = head.clone();
    // Each job's completion, and whether it kept changes that the commit must carry.
    let mut completions: Vec<(bool, Completion)> = Vec::new();
    let mut jobs = jobs.peekable();
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let msg = e.to_string();
        for job in jobs {
            // The job never runs; its caller learns why.
            drop(job);
            tracing::error!(error = %msg, "could not begin a write transaction");
        }
        return (false, Vec::new());
    }
    let mut flushed = flush_leaves(conn, head, leaves);
    while let Some(job) = jobs.next() {
        if let Err(e) = step(conn, "SAVEPOINT job") {
            tracing::error!(error = %e, "could not open a savepoint");
            continue;
        }
        let head_before = head.clone();
        let leaves_before = leaves.mark();
        let outcome = {
            let mut tx = SqliteTx { read: SqliteRead { conn }, head: &mut *head, leaves: &mut *leaves };
            std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut tx)))
        };
        if conn.is_autocommit() {
            // The engine rolled the transaction back: nothing of this batch so far persists.
            *head = head_at_start.clone();
            leaves.rolled_back();
            let full = FULL_SEEN.with(std::cell::Cell::get);
            tracing::error!(full, "the engine rolled a write transaction back; its jobs are refused");
            let failure =
                || if full { StoreError::Full } else { StoreError::Engine("the transaction was rolled back".into()) };
            for (kept, done) in completions.drain(..) {
                // A job that kept nothing answers with its own outcome.
                done(if kept { Err(failure()) } else { Ok(()) });
            }
            match outcome {
                Ok((true, done)) => done(Err(failure())),
                Ok((false, done)) => done(Ok(())),
                Err(_) => tracing::error!("a write job panicked; its changes were rolled back"),
            }
            if jobs.peek().is_some() {
                if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                    tracing::error!(error = %e, "could not begin a write transaction");
                    return (false, Vec::new());
                }
                head_at_start = head.clone();
                flushed = flush_leaves(conn, head, leaves);
                continue;
            }
            return (false, Vec::new());
        }
        match outcome {
            Ok((true, done)) => match step(conn, "RELEASE job") {
                Ok(()) => completions.push((true, done)),
                Err(e) => {
                    *head = head_before;
                    leaves.rollback_to(leaves_before);
                    rollback_job(conn);
                    done(Err(err(e)));
                }
            },
            Ok((false, done)) => {
                *head = head_before;
                leaves.rollback_to(leaves_before);
                rollback_job(conn);
                completions.push((false, done));
            }
            Err(_) => {
                *head = head_before;
                leaves.rollback_to(leaves_before);
                rollback_job(conn);
                tracing::error!("a write job panicked; its changes were rolled back");
            }
        }
    }
    leaves.start_hashing();
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            leaves.committed(flushed);
            let wrote = completions.iter().any(|(kept, _)| *kept);
            (wrote, completions.into_iter().map(|(_, done)| done).collect())
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            *head = head_at_start;
            leaves.rolled_back();
            let (full, msg) = (is_full(&e), e.to_string());
            if full {
                FULL_SEEN.with(|f| f.set(true));
            }
            tracing::error!(error = %msg, "commit failed; the whole batch was rolled back");
            for (kept, done) in completions {
                done(if !kept {
                    Ok(())
                } else if full {
                    Err(StoreError::Full)
                } else {
                    Err(StoreError::Engine(msg.clone().into()))
                });
            }
            (false, Vec::new())
        }
    }
}

/// Puts the leaves of committed events in the tree, in the open transaction, in a savepoint of
/// their own: `true` when they are in. On failure the transaction goes on without them (they are
/// tried again at the next), and the tree's edge is as it was.
fn flush_leaves(conn: &Connection, head: &mut ChainHead, leaves: &mut leaves::Leaves) -> bool {
    if !leaves.behind() && u64::try_from(head.seq).unwrap_or(0) == head.frontier.size() {
        return true;
    }
    if let Err(e) = step(conn, "SAVEPOINT leaves") {
        tracing::error!(error = %e, "could not open a savepoint for the log's leaves");
        return false;
    }
    let before = head.frontier.clone();
    match leaves.flush(conn, &mut head.frontier, head.seq) {
        Ok(()) => match step(conn, "RELEASE leaves") {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "could not keep the log's leaves");
                head.frontier = before;
                let _ = step(conn, "ROLLBACK TO leaves").and_then(|()| step(conn, "RELEASE leaves"));
                false
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "the log's leaves could not join its tree; tried again at the next commit");
            head.frontier = before;
            let _ = step(conn, "ROLLBACK TO leaves").and_then(|()| step(conn, "RELEASE leaves"));
            false
        }
    }
}

/// A transaction of the leaves alone, right after a grouped commit (see `writer_loop`). It does
/// not wait for the disk (`synchronous = NORMAL` for it alone): a crash may lose it, never the
/// events, whose leaves are made again when the store opens. The next grouped commit's wait for
/// the disk covers it.
fn catch_up(conn: &Connection, head: &mut ChainHead, leaves: &mut leaves::Leaves) {
    if let Err(e) = step(conn, "PRAGMA synchronous = NORMAL").and_then(|()| step(conn, "BEGIN IMMEDIATE")) {
        tracing::error!(error = %e, "could not begin a write transaction for the log's leaves");
        let _ = step(conn, "PRAGMA synchronous = FULL");
        return;
    }
    let before = head.frontier.clone();
    let flushed = leaves.flush(conn, &mut head.frontier, head.seq);
    match flushed.map_err(|e| e.to_string()).and_then(|()| step(conn, "COMMIT").map_err(|e| e.to_string())) {
        Ok(()) => leaves.committed(true),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            head.frontier = before;
            tracing::error!(error = %e, "the log's leaves did not join its tree; tried again at the next commit");
        }
    }
    if let Err(e) = step(conn, "PRAGMA synchronous = FULL") {
        // Never left lower: the next commits would not wait for the disk.
        tracing::error!(error = %e, "could not set synchronous commits back; the writer stops");
        panic!("synchronous commits could not be restored: {e}");
    }
}
