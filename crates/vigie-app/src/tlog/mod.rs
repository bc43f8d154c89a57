//! The verifiable log (step 12; `docs/log.md`): the store appends one leaf per event to a Merkle
//! tree in the event's own transaction; here the log signs checkpoints of that tree (at an interval
//! and on demand), answers inclusion and consistency proofs, and sends each new checkpoint to the
//! operator's witnesses (C2SP `tlog-witness`), keeping the cosignatures they return on the
//! checkpoint.
//!
//! The tree, the notes and the witness's rules are `vigie-log`'s; this module only reads the
//! store's nodes and decides when to sign.

pub mod export;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use vigie_log::tree::{Hash, NodeStore, Tree, TreeError};
use vigie_log::witness::AddCheckpoint;
use vigie_log::{Checkpoint, Note, NoteSignature, SignedCheckpoint, SignerKey, VerifierKey, verify_cosignature};
use vigie_model::Principal;
use vigie_model::org::OrgKind;
use vigie_store::{CheckpointRecord, Reads, StoreError};

use crate::auth::is_admin;
use crate::{App, AppError, AppResult};

/// The log's settings: its signing key, how often it signs, and its witnesses.
#[derive(Clone, Debug)]
pub struct LogConfig {
    /// The file holding the log's signing key (`PRIVATE+KEY+<origin>+...`); `None`: `log-key` in
    /// the data directory, created on the first start with a new origin.
    pub key_file: Option<PathBuf>,
    /// How often a checkpoint is signed when the log grew (real time).
    pub checkpoint_interval: std::time::Duration,
    /// The witnesses each checkpoint is sent to.
    pub witnesses: Vec<WitnessPeer>,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { key_file: None, checkpoint_interval: std::time::Duration::from_secs(60), witnesses: Vec::new() }
    }
}

/// A witness: the URL prefix of its `add-checkpoint` endpoint and its cosignature key.
#[derive(Clone, Debug)]
pub struct WitnessPeer {
    pub url: String,
    pub key: VerifierKey,
}

impl WitnessPeer {
    /// Reads `URL=VKEY`, as the command line takes it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (url, key) = raw.split_once('=').ok_or("a witness is URL=VERIFIER_KEY")?;
        let key = VerifierKey::parse(key).map_err(|e| format!("the witness key does not read: {e}"))?;
        if key.kind() != vigie_log::KeyType::CosignatureV1 {
            return Err("the witness key is not a cosignature (type 0x04) key".into());
        }
        url::Url::parse(url).map_err(|e| format!("the witness URL does not read: {e}"))?;
        Ok(WitnessPeer { url: url.trim_end_matches('/').to_owned(), key })
    }
}

/// A checkpoint and the witnesses whose cosignatures on it verify.
#[derive(Clone, Debug)]
pub struct CheckpointView {
    pub record: CheckpointRecord,
    pub witnessed: Vec<vigie_log::WitnessedBy>,
}

/// Why the log's key could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    #[error("could not read or create the log key file {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("the log key file {path} does not hold a signer key: {error}")]
    Malformed { path: String, error: vigie_log::NoteError },
}

/// Reads the log's signing key from `path`, or creates it there (owner-only) with a new origin,
/// `vigie/<16 hex digits>`: a log's origin names it for ever, so each data directory gets its own.
pub fn load_or_create_key(path: &Path) -> Result<SignerKey, LogKeyError> {
    let io = |source| LogKeyError::Io { path: path.display().to_string(), source };
    match std::fs::read_to_string(path) {
        Ok(text) => SignerKey::parse(text.trim())
            .map_err(|error| LogKeyError::Malformed { path: path.display().to_string(), error }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let origin = format!("vigie/{}", hex::encode(&crate::random16()[..8]));
            let key = SignerKey::from_seed(&origin, &crate::random32()).expect("the origin is a valid key name");
            crate::secrets::create_secret_file(path, format!("{}\n", key.encode_secret()).as_bytes()).map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}

/// The store's tree nodes, read-only, for [`Tree`].
pub struct ReadNodes<'a>(pub &'a dyn Reads);

impl NodeStore for ReadNodes<'_> {
    type Error = StoreError;
    fn get(&self, level: u8, index: u64) -> Result<Option<Hash>, StoreError> {
        self.0.log_node(level, index)
    }
    fn put(&mut self, _: u8, _: u64, _: Hash) -> Result<(), StoreError> {
        Err(StoreError::ReadOnly)
    }
}

fn tree_error(e: TreeError<StoreError>) -> AppError {
    match e {
        TreeError::Store(e) => AppError::Store(e),
        TreeError::OutOfRange { .. } => AppError::NotFound("tree size or leaf"),
        other => AppError::Store(StoreError::Corrupt(other.to_string())),
    }
}

/// The log's tree as the store holds it now.
pub fn tree(r: &dyn Reads) -> AppResult<Tree<ReadNodes<'_>>> {
    let size = r.log_size()?;
    Tree::open(ReadNodes(r), size).map_err(tree_error)
}

/// An inclusion proof of an event: its leaf (index `seq − 1`) in the tree of `tree_size` leaves.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InclusionProof {
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The leaf hash (RFC 9162: SHA-256 of 0x00 and the event's leaf commitment), base64.
    pub leaf_hash: String,
    /// The sibling hashes from the leaf up, base64.
    pub hashes: Vec<String>,
}

/// A consistency proof between two tree sizes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConsistencyProof {
    pub from_size: u64,
    pub to_size: u64,
    pub hashes: Vec<String>,
}

pub fn b64(h: &Hash) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(h)
}

/// The inclusion proof of event `seq` in the tree of `size` leaves (`None`: the tree now).
pub fn inclusion(r: &dyn Reads, seq: i64, size: Option<u64>) -> AppResult<InclusionProof> {
    let t = tree(r)?;
    let size = size.unwrap_or(t.size());
    let index = u64::try_from(seq - 1).map_err(|_| AppError::NotFound("event"))?;
    if index >= size || size > t.size() {
        return Err(AppError::NotFound("event in a tree of that size"));
    }
    let hashes = t.inclusion_proof(index, size).map_err(tree_error)?;
    let leaf = t.leaf_hash(index).map_err(tree_error)?;
    Ok(InclusionProof {
        seq,
        leaf_index: index,
        tree_size: size,
        leaf_hash: b64(&leaf),
        hashes: hashes.iter().map(b64).collect(),
    })
}

/// The consistency proof from the tree of `from` leaves to the tree of `to`.
pub fn consistency(r: &dyn Reads, from: u64, to: u64) -> AppResult<ConsistencyProof> {
    let t = tree(r)?;
    if from > to || to > t.size() {
        return Err(AppError::NotFound("tree of that size"));
    }
    let hashes = t.consistency_proof(from, to).map_err(tree_error)?;
    Ok(ConsistencyProof { from_size: from, to_size: to, hashes: hashes.iter().map(b64).collect() })
}

/// Who may read checkpoints and proofs: every organisation (they hold hashes only: that is the
/// point of a log others can check).
fn may_read(_p: &Principal) -> AppResult<()> {
    Ok(())
}

/// Who may ask for a checkpoint now: administrators and overseers.
fn may_sign(p: &Principal) -> AppResult<()> {
    if is_admin(p) || p.org_kind == OrgKind::Overseer {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators and overseers ask the log to sign a checkpoint"))
    }
}

impl App {
    /// Gives the app the log's signing key (the server does at start).
    pub fn set_log_key(&self, key: SignerKey) {
        let _ = self.inner.log_key.set(key);
    }

    fn set_lineage_problem(&self, problem: &str) {
        tracing::error!(problem, "this log's witnesses saw another history");
        *self.inner.lineage_problem.lock().expect("not poisoned") = Some(problem.to_owned());
    }

    /// Set when a witness said it cosigned a larger or different history of this log's origin:
    /// the data directory is a restored backup, and `/healthz` reports it until a new lineage.
    pub fn log_lineage_problem(&self) -> Option<String> {
        self.inner.lineage_problem.lock().expect("not poisoned").clone()
    }

    /// The log's origin and its verifier key (`None` before [`App::set_log_key`]).
    pub fn log_verifier(&self) -> Option<VerifierKey> {
        self.inner.log_key.get().map(SignerKey::verifier)
    }

    fn log_key(&self) -> AppResult<&SignerKey> {
        self.inner
            .log_key
            .get()
            .ok_or_else(|| AppError::Store(StoreError::Corrupt("the log has no signing key".into())))
    }

    /// The latest checkpoint, with the cosignatures gathered so far.
    pub async fn latest_checkpoint(&self, p: &Principal) -> AppResult<Option<CheckpointRecord>> {
        may_read(p)?;
        let origin = self.log_key()?.name().to_owned();
        Ok(self.store().read(move |r| r.log_checkpoints(&origin, 1)).await?.pop())
    }

    /// The latest checkpoint with the cosignatures of the configured witnesses that verify, for
    /// people to read (the console's log page).
    pub async fn checkpoint_view(&self, p: &Principal) -> AppResult<Option<CheckpointView>> {
        let Some(record) = self.latest_checkpoint(p).await? else { return Ok(None) };
        let key = self.log_key()?.verifier();
        let witnesses: Vec<VerifierKey> = self.config().log.witnesses.iter().map(|w| w.key.clone()).collect();
        let witnessed = Checkpoint::open(record.note.as_bytes(), key.name(), std::slice::from_ref(&key))
            .ok()
            .and_then(|c| c.witnessed_by(&witnesses).ok())
            .unwrap_or_default();
        Ok(Some(CheckpointView { record, witnessed }))
    }

    /// The checkpoints, newest first.
    pub async fn checkpoints(&self, p: &Principal, limit: u32) -> AppResult<Vec<CheckpointRecord>> {
        may_read(p)?;
        let origin = self.log_key()?.name().to_owned();
        Ok(self.store().read(move |r| r.log_checkpoints(&origin, limit.clamp(1, 1000))).await?)
    }

    /// The number of events in the log's tree.
    pub async fn log_size(&self, p: &Principal) -> AppResult<u64> {
        may_read(p)?;
        Ok(self.store().read(|r| r.log_size()).await?)
    }

    pub async fn log_inclusion(&self, p: &Principal, seq: i64, size: Option<u64>) -> AppResult<InclusionProof> {
        may_read(p)?;
        match self.read_app(move |r| inclusion(r, seq, size)).await {
            // An event committed a moment ago may wait for its leaf (one whose leaves could not
            // be added right after its commit waits for the next): one more commit puts it in.
            Err(AppError::NotFound(_)) if size.is_none() => {
                self.store().settle_log().await?;
                self.read_app(move |r| inclusion(r, seq, size)).await
            }
            other => other,
        }
    }

    pub async fn log_consistency(&self, p: &Principal, from: u64, to: u64) -> AppResult<ConsistencyProof> {
        may_read(p)?;
        self.read_app(move |r| consistency(r, from, to)).await
    }

    /// Signs a checkpoint of the tree now, on demand (administrators and overseers), and sends it
    /// to the witnesses.
    pub async fn checkpoint_on_demand(&self, p: &Principal) -> AppResult<CheckpointRecord> {
        may_sign(p)?;
        let c = self.sign_checkpoint().await?;
        Ok(self.send_to_witnesses(c).await)
    }

    /// One pass of the log's worker: a new checkpoint if the log grew and the latest is older than
    /// the interval (or there is none), sent to the witnesses; the latest again to the witnesses
    /// otherwise, so that they see the log is alive. Returns the checkpoint sent.
    pub async fn log_tick(&self) -> AppResult<Option<CheckpointRecord>> {
        let origin = self.log_key()?.name().to_owned();
        let (size, latest) = self
            .store()
            .read(move |r| Ok::<_, StoreError>((r.log_size()?, r.log_checkpoints(&origin, 1)?.pop())))
            .await?;
        let interval = vigie_model::Duration::from_micros(
            i64::try_from(self.config().log.checkpoint_interval.as_micros()).unwrap_or(i64::MAX),
        );
        let due = latest.as_ref().is_none_or(|c| c.size < size && self.now() >= c.signed_at.plus(interval));
        let c = match (due, latest) {
            (true, _) => self.sign_checkpoint().await?,
            (false, Some(c)) => c,
            (false, None) => return Ok(None),
        };
        Ok(Some(self.send_to_witnesses(c).await))
    }

    /// Signs the tree as it is now and records the checkpoint (the same size again keeps the
    /// checkpoint already signed at it).
    pub(crate) async fn sign_checkpoint(&self) -> AppResult<CheckpointRecord> {
        let key = self.log_key()?.clone();
        let now = self.now();
        self.store()
            .write(move |tx| {
                let t = tree(tx)?;
                let (size, root) = (t.size(), t.root());
                if let Some(c) = tx.log_checkpoint(key.name(), size)? {
                    return Ok(c);
                }
                let checkpoint = Checkpoint::new(key.name(), size, root)
                    .and_then(|c| c.sign(&key))
                    .map_err(|e| AppError::Store(StoreError::Corrupt(format!("cannot sign a checkpoint: {e}"))))?;
                let c = CheckpointRecord {
                    origin: key.name().to_owned(),
                    size,
                    root,
                    signed_at: now,
                    note: checkpoint.encode(),
                };
                tx.put_checkpoint(&c)?;
                Ok::<_, AppError>(c)
            })
            .await
    }

    /// Sends `c` to every witness; keeps the cosignatures that verify on the checkpoint. A
    /// witness that fails or refuses is logged and left for the next pass: the log does not wait
    /// for its witnesses.
    async fn send_to_witnesses(&self, mut c: CheckpointRecord) -> CheckpointRecord {
        let peers = self.config().log.witnesses.clone();
        if peers.is_empty() {
            return c;
        }
        let Ok(key) = self.log_key() else { return c };
        let Ok(mut signed) = Checkpoint::open(c.note.as_bytes(), key.name(), &[key.verifier()]) else { return c };
        let mut added = false;
        for peer in &peers {
            match self.ask_witness(peer, &signed).await {
                Ok(sig) => {
                    // A checkpoint sent again (so the witness sees the log is alive) keeps the
                    // witness's first cosignature of it.
                    let known = |s: &NoteSignature| s.name() == sig.name() && s.key_id() == sig.key_id();
                    if signed.note().signatures().iter().any(known) {
                        continue;
                    }
                    if signed.add_signature(sig).is_ok() {
                        added = true;
                    }
                }
                Err(e) => tracing::warn!(witness = %peer.url, error = %e, "the witness did not cosign"),
            }
        }
        if added {
            c.note = signed.encode();
            let record = c.clone();
            if let Err(e) = self.store().write(move |tx| tx.put_checkpoint(&record)).await {
                tracing::error!(error = %e, "could not keep the cosignatures");
            }
        }
        c
    }

    /// One `add-checkpoint` exchange, retried once with the size the witness says it last saw.
    async fn ask_witness(&self, peer: &WitnessPeer, signed: &SignedCheckpoint) -> Result<NoteSignature, String> {
        let size = signed.checkpoint().size();
        let mut old = self.inner.witnessed.lock().expect("not poisoned").get(&peer.url).copied().unwrap_or(0);
        for _ in 0..2 {
            let proof = if old == 0 || old >= size {
                Vec::new()
            } else {
                let p = self.read_app(move |r| consistency(r, old, size)).await.map_err(|e| e.to_string())?;
                p.hashes.iter().filter_map(|h| unb64(h)).collect()
            };
            let body = AddCheckpoint { old_size: old.min(size), proof, checkpoint: signed.encode().into_bytes() };
            let url = self
                .config()
                .egress
                .check_url_resolved(&format!("{}/add-checkpoint", peer.url))
                .await
                .map_err(|e| e.to_string())?;
            let client = self.config().egress.http_client(std::time::Duration::from_secs(10));
            let res = client.post(url).body(body.encode()).send().await.map_err(|e| e.to_string())?;
            let status = res.status().as_u16();
            let text = res.text().await.map_err(|e| e.to_string())?;
            match status {
                200 => {
                    let sig = cosignature_from(&text, signed.checkpoint(), &peer.key)?;
                    self.inner.witnessed.lock().expect("not poisoned").insert(peer.url.clone(), size);
                    return Ok(sig);
                }
                409 if text.trim().parse::<u64>().is_ok_and(|n| n != old && n <= size) => {
                    old = text.trim().parse().unwrap_or(0);
                }
                409 if text.trim().parse::<u64>().is_ok_and(|n| n > size) => {
                    let problem = format!(
                        "the witness {} cosigned {} events of this log, more than the {size} this data directory \
                         holds: it was restored from a backup older than a published checkpoint. Declare a new \
                         lineage with `vigie log new-lineage` (server stopped) rather than pass it off as the old log",
                        peer.url,
                        text.trim()
                    );
                    self.set_lineage_problem(&problem);
                    return Err(problem);
                }
                409 | 422 => {
                    let problem = format!(
                        "the witness {} refused this log's checkpoint as a fork ({}): this data directory's history \
                         differs from the one it cosigned; declare a new lineage with `vigie log new-lineage`",
                        peer.url,
                        text.trim()
                    );
                    self.set_lineage_problem(&problem);
                    return Err(problem);
                }
                _ => return Err(format!("HTTP {status}: {}", text.trim())),
            }
        }
        Err("the witness kept refusing the old size".into())
    }
}

fn unb64(raw: &str) -> Option<Hash> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(raw).ok()?.try_into().ok()
}

/// The witness's cosignature among the signature lines of its answer, checked.
fn cosignature_from(text: &str, checkpoint: &Checkpoint, key: &VerifierKey) -> Result<NoteSignature, String> {
    // The answer is signature lines only; read them as a note's signature block.
    let note = Note::parse(format!("{}\n{}", checkpoint.body(), text).as_bytes()).map_err(|e| e.to_string())?;
    for sig in note.signatures() {
        if sig.name() == key.name() && sig.key_id() == key.key_id() {
            verify_cosignature(checkpoint, sig, key).map_err(|e| e.to_string())?;
            return Ok(sig.clone());
        }
    }
    Err("no cosignature of this witness in its answer".into())
}

/// Runs [`App::log_tick`] forever at the configured interval, from one interval after the start.
pub async fn run(app: App) {
    let mut interval = tokio::time::interval(app.config().log.checkpoint_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is at once: the first pass comes one interval after the start.
    interval.tick().await;
    loop {
        interval.tick().await;
        if app.inner.log_key.get().is_none() {
            continue;
        }
        if let Err(e) = app.log_tick().await {
            tracing::error!(error = %e, "checkpoint pass failed");
        }
    }
}

/// The outcome of recomputing the log's tree from the events in the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeReport {
    /// Events whose leaf was recomputed.
    pub events: u64,
    /// The checkpoints whose root the recomputed tree reproduced, by size.
    pub checkpoints_ok: Vec<u64>,
    /// What does not agree, in words; empty when all does.
    pub problems: Vec<String>,
}

/// Recomputes every event's leaf from the event and its seed, compares each block of 16 leaves
/// with the node the tree keeps for it (`vigie_store::KEPT_NODE_LEVEL`), and compares the
/// recomputed roots with the checkpoints of `origin` the store holds. An event changed in the
/// database after it was written (even with its chain hashes recomputed) no longer hashes to
/// its block's node, nor to the signed roots; in the newest block, not yet complete, the signed
/// roots alone hold it.
pub fn verify_store(r: &dyn Reads, origin: &str) -> vigie_store::Result<TreeReport> {
    use vigie_log::tree::{Frontier, leaf_hash};
    use vigie_model::event::leaf::Leaf;
    use vigie_store::KEPT_NODE_LEVEL;
    const MAX_PROBLEMS: usize = 20;
    let mut checkpoints = r.log_checkpoints(origin, u32::MAX)?;
    checkpoints.sort_by_key(|c| c.size);
    let mut next = checkpoints.iter().peekable();
    let mut report = TreeReport { events: 0, checkpoints_ok: Vec::new(), problems: Vec::new() };
    let mut frontier = Frontier::new();
    let compare = |frontier: &Frontier,
                   report: &mut TreeReport,
                   next: &mut std::iter::Peekable<std::slice::Iter<'_, CheckpointRecord>>| {
        while let Some(c) = next.next_if(|c| c.size == frontier.size()) {
            if c.root == frontier.root() {
                report.checkpoints_ok.push(c.size);
            } else {
                report.problems.push(format!("the events do not hash to the root the log signed at size {}", c.size));
            }
        }
    };
    compare(&frontier, &mut report, &mut next);
    let width = 1u64 << KEPT_NODE_LEVEL;
    // The current block: the edge before it, its leaves so far, and its events that do not read.
    let mut before_block = frontier.clone();
    let mut block = Frontier::new();
    let mut unreadable: Vec<String> = Vec::new();
    let mut after = 0;
    'pages: loop {
        let page = r.events_after(after, 2_000)?;
        let Some(tail) = page.last() else { break };
        let seeds: std::collections::BTreeMap<i64, Hash> = r.event_seeds(after + 1, tail.seq)?.into_iter().collect();
        for e in &page {
            let index = u64::try_from(e.seq - 1).unwrap_or(u64::MAX);
            if index.is_multiple_of(width) {
                before_block = frontier.clone();
                block = Frontier::new();
                unreadable.clear();
            }
            let Some(seed) = seeds.get(&e.seq) else {
                // Past the tree's end: events committed a moment ago wait for their leaves (or a
                // crash left them without, made when the store opens). Not judged here.
                break 'pages;
            };
            let leaf = match e.event() {
                Ok(event) => leaf_hash(&Leaf::of(e, &event, *seed).hash()),
                Err(_) => {
                    unreadable.push(format!("{} ({})", e.seq, e.id));
                    [0; 32]
                }
            };
            frontier.push_hash(leaf);
            block.push_hash(leaf);
            if block.size() == width {
                let (first, last) = (e.seq + 1 - width as i64, e.seq);
                match r.log_node(KEPT_NODE_LEVEL, index >> KEPT_NODE_LEVEL)? {
                    Some(kept) if kept == block.root() => {}
                    Some(kept) => {
                        if report.problems.len() < MAX_PROBLEMS {
                            report.problems.push(match unreadable.as_slice() {
                                [] => format!(
                                    "events {first} to {last} do not hash to the log tree's node for them: one of them was changed after it was written"
                                ),
                                events => format!(
                                    "event {} does not read and does not hash to the log tree's node for events {first} to {last}: it was changed after it was written",
                                    events.join(", event ")
                                ),
                            });
                        }
                        // Go on from the node the log holds, so that a later block is judged alone.
                        frontier = before_block.clone();
                        frontier.push_subtree(KEPT_NODE_LEVEL, kept);
                    }
                    None => {
                        report.problems.push(format!("events {first} to {last} have no node in the log's tree"));
                        return Ok(report);
                    }
                }
            }
            report.events += 1;
            compare(&frontier, &mut report, &mut next);
        }
        after = tail.seq;
    }
    if !unreadable.is_empty() && report.problems.len() < MAX_PROBLEMS {
        report
            .problems
            .push(format!("event {} does not read: it was changed after it was written", unreadable.join(", event ")));
    }
    for c in next {
        report.problems.push(format!(
            "the log signed a checkpoint of {} events but holds {}: events were removed",
            c.size,
            frontier.size()
        ));
    }
    Ok(report)
}

/// Why a new lineage could not be declared.
#[derive(Debug, thiserror::Error)]
pub enum LineageError {
    #[error("{0}")]
    Key(#[from] LogKeyError),
    #[error("could not retire the old key file: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// What `vigie log new-lineage` did.
#[derive(Clone, Debug)]
pub struct NewLineage {
    pub previous_origin: String,
    pub previous_size: u64,
    pub key: SignerKey,
    /// Where the old key was moved.
    pub retired: PathBuf,
}

/// Declares a new lineage for a data directory restored from a backup (the server stopped): the
/// old key file is moved aside (kept, so that the old checkpoints stay checkable), a new key with a
/// new origin is made, and the event `log.lineage_started` names the old origin and the size of its
/// latest checkpoint this directory holds. Witnesses must then be told to watch the new key.
pub async fn new_lineage(store: &vigie_store::Store, key_file: &Path) -> Result<NewLineage, LineageError> {
    use vigie_model::event::{ClockSource, NewEvent, Word, kinds};
    let old = load_or_create_key(key_file)?;
    let previous_origin = old.name().to_owned();
    let origin = previous_origin.clone();
    let previous_size = store.read(move |r| r.log_checkpoints(&origin, 1)).await?.pop().map_or(0, |c| c.size);
    let retired = key_file.with_file_name(format!(
        "{}.retired-{}",
        key_file.file_name().and_then(|n| n.to_str()).unwrap_or("log-key"),
        hex::encode(&crate::random16()[..4])
    ));
    std::fs::rename(key_file, &retired)?;
    let key = match load_or_create_key(key_file) {
        Ok(k) => k,
        Err(e) => {
            // Put the old key back: the directory stays as it was.
            std::fs::rename(&retired, key_file)?;
            return Err(e.into());
        }
    };
    let now = crate::Clock::now(&crate::SystemClock);
    let e = NewEvent {
        at: now,
        clock: ClockSource::System,
        actor: None,
        org: None,
        subject: "log".into(),
        event: kinds::LogLineageStarted {
            origin: Word::new(key.name()),
            previous_origin: Word::new(previous_origin.as_str()),
            previous_size,
        }
        .into(),
    };
    let id = vigie_model::EventId::from_random(crate::id_bytes(now));
    store.write(move |tx| tx.append_event(&id, &e)).await?;
    Ok(NewLineage { previous_origin, previous_size, key, retired })
}
