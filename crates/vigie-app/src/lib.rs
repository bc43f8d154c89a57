//! Vigie's use-cases. Each public method of [`App`] is one thing a person or a platform does; it
//! checks who may do it, runs the domain rules from `vigie-model`, and writes the changes, their
//! events and their outbound deliveries in **one** transaction through `vigie-store`.
//!
//! Background work lives here too: the [`scheduler`] that escalates order clocks and erases
//! expired personal data, and the [`delivery`] worker that pushes the outbox to webhooks.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod authority;
pub mod banks;
pub mod budget;
pub mod case_video;
pub mod cases;
pub mod clock;
pub mod delivery;
pub mod dueprocess;
pub mod egress;
pub mod error;
pub mod evidence;
pub mod finding;
pub(crate) mod fold;
pub mod graph;
pub mod intake;
mod intake_text;
pub mod jobs;
pub mod media;
pub mod outbox;
pub mod platform;
pub mod retention;
pub mod reviewing;
pub mod scheduler;
pub mod secrets;
pub mod sessions;
pub mod shift;
pub mod statements;
pub mod teams;
pub mod tlog;
pub mod transparency;
pub mod wellbeing;

#[cfg(test)]
mod tidy;

use std::sync::Arc;

use tokio::sync::Notify;
use vigie_model::Principal;
use vigie_model::event::{Event, NewEvent, Sealed};
use vigie_model::{Duration, EventId, OrgId, Timestamp, UserId};
use vigie_store::{Store, Tx};

pub use clock::{Clock, SystemClock};
pub use egress::EgressPolicy;
pub use error::{AppError, AppResult};

/// Settings the operator chooses. No `Default`: `vigie-cli` decides and documents each one.
#[derive(Clone, Debug)]
pub struct AppConfig {
    pub egress: EgressPolicy,
    /// How long personal values (report texts, names, e-mails) are kept before erasure.
    pub personal_data_retention: Duration,
    /// How long the records tied to a case are kept once the case is closed (GDPR art. 5(1)(e)).
    pub record_retention: retention::RecordRetention,
    /// The pepper's file (`secrets`); `None`: `pepper` in the data directory.
    pub pepper_file: Option<std::path::PathBuf>,
    /// How often the scheduler looks for due clocks (real time).
    pub scheduler_interval: std::time::Duration,
    /// Timeout of one webhook delivery attempt.
    pub delivery_timeout: std::time::Duration,
    /// Limits on images to hash.
    pub hash_limits: vigie_hash::Limits,
    /// Hosts from which the server may fetch media to hash when a client names a URL. Empty: never.
    pub hash_fetch_allow: Vec<String>,
    /// Where the bank index is saved for fast restarts; `None`: rebuilt from the store each start.
    pub index_snapshot: Option<std::path::PathBuf>,
    /// How much memory image decoding may use, in all and per organisation.
    pub decode_budget: budget::DecodeBudgetConfig,
    /// Video uploads checked as jobs: where they wait, how many decode at once, how many wait.
    pub video: jobs::VideoJobsConfig,
    /// The verifiable log: its key, how often it signs checkpoints, its witnesses.
    pub log: tlog::LogConfig,
    /// The evidence vault: where its blobs live, where its key-encryption keys come from.
    pub evidence: evidence::keys::EvidenceConfig,
}

/// The application: the store, the clock and the wake-up handles of the background workers.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    config: AppConfig,
    pepper: secrets::Pepper,
    vault: Arc<evidence::Vault>,
    /// Wakes the delivery worker's normal lane after a commit that queued deliveries.
    delivery_wakeup: Notify,
    /// The delivery worker's lanes: what their passes share, and the urgent lane's wake-up.
    lanes: delivery::Lanes,
    /// One pass of the statement worker at a time (see [`App::submit_statements`]).
    statements_pass: tokio::sync::Mutex<()>,
    /// Every live bank entry, indexed; filled by [`App::load_banks`].
    matcher: banks::Matcher,
    floods: banks::uploads::FloodCounters,
    decode_budget: budget::DecodeBudget,
    /// The job worker (video uploads).
    jobs: jobs::Worker,
    /// Set when the operator started the server on an event log that failed its check.
    broken_log: std::sync::OnceLock<audit::AcceptedBreak>,
    /// The last event (sequence number, hash) up to which a view of the log verified the whole
    /// chain: the next view verifies from there (`audit::verify_from`).
    verified_chain: std::sync::Mutex<Option<(i64, String)>>,
    /// The key the log signs its checkpoints with (`tlog`).
    log_key: std::sync::OnceLock<vigie_log::SignerKey>,
    /// The tree size each witness last cosigned, by URL (the `old` of the next request).
    witnessed: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// A witness saw another history of this log's origin (`tlog`).
    lineage_problem: std::sync::Mutex<Option<String>>,
}

impl App {
    /// Runs a read whose checks answer in [`AppError`]s (permissions, not-found).
    pub(crate) async fn read_app<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&dyn vigie_store::Reads) -> AppResult<T> + Send + 'static,
    {
        self.store().read(move |r| Ok(work(r))).await?
    }

    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: AppConfig,
        pepper: secrets::Pepper,
        vault: evidence::Vault,
    ) -> Self {
        let decode_budget = budget::DecodeBudget::new(config.decode_budget);
        let jobs = jobs::Worker::new(config.video.decodes);
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                config,
                pepper,
                vault: Arc::new(vault),
                delivery_wakeup: Notify::new(),
                lanes: delivery::Lanes::default(),
                statements_pass: tokio::sync::Mutex::new(()),
                matcher: banks::Matcher::new(0),
                floods: Default::default(),
                decode_budget,
                jobs,
                broken_log: std::sync::OnceLock::new(),
                verified_chain: std::sync::Mutex::new(None),
                log_key: std::sync::OnceLock::new(),
                witnessed: std::sync::Mutex::new(std::collections::HashMap::new()),
                lineage_problem: std::sync::Mutex::new(None),
            }),
        }
    }
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }
    pub fn config(&self) -> &AppConfig {
        &self.inner.config
    }
    pub(crate) fn pepper(&self) -> &secrets::Pepper {
        &self.inner.pepper
    }
    /// The evidence vault's keys and storage.
    pub fn vault(&self) -> Arc<evidence::Vault> {
        self.inner.vault.clone()
    }
    pub fn decode_budget(&self) -> &budget::DecodeBudget {
        &self.inner.decode_budget
    }
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }
    pub(crate) fn wake_delivery(&self) {
        self.inner.lanes.urgent_wakeup.notify_one();
        self.inner.delivery_wakeup.notify_one();
    }

    /// Starts the scheduler and the delivery worker on the current Tokio runtime.
    pub fn spawn_background(&self) {
        tokio::spawn(scheduler::run(self.clone()));
        tokio::spawn(delivery::run(self.clone()));
        tokio::spawn(statements::run(self.clone()));
        tokio::spawn(jobs::run(self.clone()));
        tokio::spawn(tlog::run(self.clone()));
    }
}

/// 16 bytes from the operating system's CSPRNG.
pub(crate) fn random16() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    b
}

/// The bytes of a new id: 48 bits of milliseconds since the epoch, then 80 random bits (the
/// layout of a UUIDv7). Ids made later sort later, so the store appends to the right edge of its
/// indexes instead of touching a random page per insert; 80 bits keep them unguessable.
pub(crate) fn id_bytes(now: Timestamp) -> [u8; 16] {
    let mut b = random16();
    let millis = u64::try_from(now.as_micros() / 1000).unwrap_or(0);
    b[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    b
}

/// 32 random bytes, for secrets.
pub(crate) fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random source is available");
    b
}

/// Who acts, as recorded on events: a person and their organisation, or nobody (anonymous
/// public reports, the scheduler).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Actor {
    pub user: Option<UserId>,
    pub org: Option<OrgId>,
}

impl Actor {
    pub fn of(p: &Principal) -> Self {
        Self { user: Some(p.user.clone()), org: Some(p.org.clone()) }
    }
    pub fn system() -> Self {
        Self::default()
    }
}

/// Writes events in the current transaction, stamped by one clock reading.
pub(crate) struct Events<'a> {
    pub(crate) clock: &'a dyn Clock,
    pub(crate) now: Timestamp,
    pub(crate) actor: &'a Actor,
}

impl Events<'_> {
    pub(crate) fn emit(
        &self,
        tx: &mut dyn Tx,
        subject: &str,
        event: impl Into<Event>,
    ) -> Result<i64, vigie_store::StoreError> {
        let e = NewEvent {
            at: self.now,
            clock: self.clock.source(),
            actor: self.actor.user.as_ref().map(|u| u.as_str().to_owned()),
            org: self.actor.org.as_ref().map(|o| o.as_str().to_owned()),
            subject: subject.to_owned(),
            event: event.into(),
        };
        tx.append_event(&EventId::from_random(id_bytes(self.now)), &e)
    }
}

/// Seals an optional free text for an event (`None` when there is none, or it is blank).
pub(crate) fn seal_text(
    tx: &mut dyn Tx,
    now: Timestamp,
    purpose: &str,
    text: Option<&str>,
    retain_until: Timestamp,
) -> Result<Option<Sealed>, vigie_store::StoreError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Ok(Some(keep_personal(tx, now, purpose, t, retain_until)?.1)),
        None => Ok(None),
    }
}

/// Keeps a personal value or a free text in the erasable table; returns its ref and the sealed
/// hash that events carry instead of the value.
pub(crate) fn keep_personal(
    tx: &mut dyn Tx,
    now: Timestamp,
    purpose: &str,
    value: &str,
    retain_until: Timestamp,
) -> Result<(vigie_model::PersonalRef, Sealed), vigie_store::StoreError> {
    let id = vigie_model::PersonalRef::from_random(id_bytes(now));
    let salt = random16().to_vec();
    let sealed = vigie_model::event::seal(&salt, value);
    tx.insert_personal(&vigie_store::PersonalRecord {
        id: id.clone(),
        salt,
        value: value.to_owned(),
        purpose: purpose.to_owned(),
        retain_until,
    })?;
    Ok((id.clone(), Sealed { reference: id, sealed }))
}
