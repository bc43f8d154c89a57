//! A witness's rules (`c2sp.org/tlog-witness`), pure: the latest checkpoint seen of each log it
//! watches, and what it does with a new one.
//!
//! [`Witness::add_checkpoint`] takes the size of the checkpoint the log believes the witness last
//! cosigned, a consistency proof from that size, the new signed checkpoint and the time, and
//! either cosigns (and records the new checkpoint) or refuses, in the specification's order:
//!
//! | refusal | when | HTTP status the spec gives |
//! |---|---|---|
//! | [`Refusal::Malformed`] | the note or the checkpoint does not parse | 400 |
//! | [`Refusal::UnknownLog`] | the origin is not watched | 404 |
//! | [`Refusal::BadSignature`] | no watched key of the log signed it, or one signed it wrongly | 403 |
//! | [`Refusal::BadRequest`] | old size above the new size, more than 63 proof hashes, a proof from size 0 or between equal sizes | 400 |
//! | [`Refusal::Smaller`] | the checkpoint is smaller than the latest one seen | 409 |
//! | [`Refusal::OldSizeMismatch`] | the old size is not the latest size seen (the log should retry with it) | 409 |
//! | [`Refusal::Fork`] | same size, different root; or the proof does not lead from the latest root to the new one | 409 / 422 |
//!
//! A fork is an alarm: it carries both signed checkpoints (and the proof) as evidence. Two
//! checkpoints of one size with different roots, both signed by the log, prove by themselves that
//! the log showed two histories. A proof that fails is weaker evidence (anyone can send a bad
//! proof with a genuine checkpoint) and is told apart by [`ForkKind`].
//!
//! [`Witness::check_staleness`] is the separate check of a log that stopped growing: its size has
//! not increased for longer than the allowed staleness.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::cosignature::{CosignatureError, cosign};
use crate::note::{KeyType, NoteError, NoteSignature, SignerKey, VerifierKey};
use crate::tree::{Hash, ProofError, verify_consistency};

/// The most consistency proof hashes a request may carry.
pub const MAX_PROOF_HASHES: usize = 63;

/// Why a witness would not watch a log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("the log {0} is already watched")]
    AlreadyWatched(String),
    #[error("a log is watched with at least one key")]
    NoKey,
    #[error("the key {0} is a cosignature key, not a log's note key")]
    NotALogKey(String),
    #[error("the key {key} is not named after the origin {origin}")]
    KeyNotOrigin { key: String, origin: String },
    #[error("the log {0} is not watched")]
    NotWatched(String),
    #[error("the restored checkpoint does not open with the log's keys: {0}")]
    BadRestore(CheckpointError),
}

/// What a witness holds about one log.
#[derive(Clone, Debug)]
pub struct WatchedLog {
    keys: Vec<VerifierKey>,
    /// The latest checkpoint cosigned; `None` until the first.
    latest: Option<SignedCheckpoint>,
    /// When the size last grew (or when watching began).
    grew_at: u64,
    /// When a checkpoint was last cosigned.
    seen_at: Option<u64>,
}

impl WatchedLog {
    pub fn keys(&self) -> &[VerifierKey] {
        &self.keys
    }

    pub fn latest(&self) -> Option<&SignedCheckpoint> {
        self.latest.as_ref()
    }

    pub fn latest_size(&self) -> u64 {
        self.latest.as_ref().map_or(0, |c| c.checkpoint().size())
    }

    pub fn grew_at(&self) -> u64 {
        self.grew_at
    }

    pub fn seen_at(&self) -> Option<u64> {
        self.seen_at
    }
}

/// How a fork showed itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkKind {
    /// Two checkpoints of the same size with different roots, both signed by the log: proof that
    /// the log showed two histories.
    SameSizeDifferentRoot,
    /// The consistency proof does not lead from the latest root seen to the new one: the new
    /// checkpoint may not extend the old (or the proof sent was wrong).
    InconsistentProof(ProofError),
}

/// The evidence of a fork: both signed checkpoints, and the proof that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fork {
    pub kind: ForkKind,
    pub origin: String,
    /// The latest checkpoint the witness had cosigned.
    pub previous: SignedCheckpoint,
    /// The checkpoint offered now.
    pub offered: SignedCheckpoint,
    pub proof: Vec<Hash>,
    /// When the witness saw it.
    pub at: u64,
}

/// Why a witness did not cosign.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("malformed checkpoint: {0}")]
    Malformed(CheckpointError),
    #[error("the log {origin} is not watched")]
    UnknownLog { origin: String },
    #[error("not signed by the log: {0}")]
    BadSignature(NoteError),
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("the checkpoint of size {offered} is smaller than the latest seen, of size {latest}")]
    Smaller { latest: u64, offered: u64 },
    #[error("the old size does not match the latest size seen, {latest}")]
    OldSizeMismatch { latest: u64 },
    #[error("fork of {}: {:?}", .0.origin, .0.kind)]
    Fork(Box<Fork>),
    #[error("cannot cosign: {0}")]
    Cosign(CosignatureError),
}

impl Refusal {
    /// The HTTP status `c2sp.org/tlog-witness` gives this refusal.
    pub fn http_status(&self) -> u16 {
        match self {
            Refusal::Malformed(_) | Refusal::BadRequest(_) => 400,
            Refusal::UnknownLog { .. } => 404,
            Refusal::BadSignature(_) => 403,
            Refusal::Smaller { .. } | Refusal::OldSizeMismatch { .. } => 409,
            Refusal::Fork(f) => match f.kind {
                ForkKind::SameSizeDifferentRoot => 409,
                ForkKind::InconsistentProof(_) => 422,
            },
            Refusal::Cosign(_) => 500,
        }
    }

    /// The fork this refusal reports, if it is one: the alarm to raise.
    pub fn fork(&self) -> Option<&Fork> {
        match self {
            Refusal::Fork(f) => Some(f),
            _ => None,
        }
    }
}

/// A log that did not grow within the allowed staleness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stale {
    pub origin: String,
    /// The latest size seen (0 if none).
    pub size: u64,
    /// When the size last grew, or when watching began.
    pub grew_at: u64,
    /// When a checkpoint was last cosigned.
    pub seen_at: Option<u64>,
    pub now: u64,
}

/// A witness: its cosigning key and the logs it watches, by origin.
#[derive(Debug)]
pub struct Witness {
    key: SignerKey,
    logs: BTreeMap<String, WatchedLog>,
}

impl Witness {
    pub fn new(key: SignerKey) -> Self {
        Witness { key, logs: BTreeMap::new() }
    }

    /// The key that checks this witness's cosignatures.
    pub fn verifier(&self) -> VerifierKey {
        self.key.cosigner_verifier()
    }

    /// Starts watching the log `origin`, whose checkpoints its `keys` sign (Ed25519 note keys named
    /// after the origin); `now` starts its staleness clock.
    pub fn watch(&mut self, origin: &str, keys: Vec<VerifierKey>, now: u64) -> Result<(), WitnessError> {
        if self.logs.contains_key(origin) {
            return Err(WitnessError::AlreadyWatched(origin.to_owned()));
        }
        if keys.is_empty() {
            return Err(WitnessError::NoKey);
        }
        for k in &keys {
            if k.kind() != KeyType::Ed25519 {
                return Err(WitnessError::NotALogKey(k.name().to_owned()));
            }
            if k.name() != origin {
                return Err(WitnessError::KeyNotOrigin { key: k.name().to_owned(), origin: origin.to_owned() });
            }
        }
        self.logs.insert(origin.to_owned(), WatchedLog { keys, latest: None, grew_at: now, seen_at: None });
        Ok(())
    }

    /// Restores what the witness had recorded of a watched log (from its own storage); the
    /// checkpoint is opened again with the log's keys.
    pub fn restore(
        &mut self,
        latest: SignedCheckpoint,
        grew_at: u64,
        seen_at: Option<u64>,
    ) -> Result<(), WitnessError> {
        let origin = latest.checkpoint().origin().to_owned();
        let Some(log) = self.logs.get_mut(&origin) else { return Err(WitnessError::NotWatched(origin)) };
        let reopened =
            Checkpoint::open(latest.encode().as_bytes(), &origin, &log.keys).map_err(WitnessError::BadRestore)?;
        log.latest = Some(reopened);
        log.grew_at = grew_at;
        log.seen_at = seen_at;
        Ok(())
    }

    pub fn log(&self, origin: &str) -> Option<&WatchedLog> {
        self.logs.get(origin)
    }

    pub fn logs(&self) -> impl Iterator<Item = (&str, &WatchedLog)> {
        self.logs.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Checks the new checkpoint `signed` against the latest one seen of its log, through the
    /// consistency proof from `old_size`; cosigns it at `now` (POSIX seconds) and records it, or
    /// refuses. Nothing is recorded on a refusal.
    pub fn add_checkpoint(
        &mut self,
        old_size: u64,
        proof: &[Hash],
        signed: &[u8],
        now: u64,
    ) -> Result<NoteSignature, Refusal> {
        let note = crate::note::Note::parse(signed).map_err(|e| Refusal::Malformed(e.into()))?;
        let checkpoint = Checkpoint::parse_body(note.text()).map_err(Refusal::Malformed)?;
        let origin = checkpoint.origin().to_owned();
        let Some(log) = self.logs.get_mut(&origin) else { return Err(Refusal::UnknownLog { origin }) };
        let offered = match Checkpoint::open(signed, &origin, &log.keys) {
            Ok(c) => c,
            Err(CheckpointError::Note(e)) => return Err(Refusal::BadSignature(e)),
            Err(e) => return Err(Refusal::Malformed(e)),
        };
        let new_size = checkpoint.size();
        if old_size > new_size {
            return Err(Refusal::BadRequest("the old size is larger than the checkpoint's size"));
        }
        if proof.len() > MAX_PROOF_HASHES {
            return Err(Refusal::BadRequest("more than 63 consistency proof hashes"));
        }
        if old_size == 0 && !proof.is_empty() {
            return Err(Refusal::BadRequest("a proof from size 0 must be empty"));
        }
        if old_size == new_size && !proof.is_empty() {
            return Err(Refusal::BadRequest("a proof between equal sizes must be empty"));
        }
        let latest_size = log.latest_size();
        if new_size < latest_size {
            return Err(Refusal::Smaller { latest: latest_size, offered: new_size });
        }
        if old_size != latest_size {
            return Err(Refusal::OldSizeMismatch { latest: latest_size });
        }
        if let Some(previous) = &log.latest {
            let fork = |kind| {
                Refusal::Fork(Box::new(Fork {
                    kind,
                    origin: origin.clone(),
                    previous: previous.clone(),
                    offered: offered.clone(),
                    proof: proof.to_vec(),
                    at: now,
                }))
            };
            let old_root = previous.checkpoint().root();
            if old_size == new_size && old_root != checkpoint.root() {
                return Err(fork(ForkKind::SameSizeDifferentRoot));
            }
            if let Err(e) = verify_consistency(old_size, new_size, old_root, checkpoint.root(), proof) {
                return Err(fork(ForkKind::InconsistentProof(e)));
            }
        }
        let cosignature = cosign(&checkpoint, &self.key, now).map_err(Refusal::Cosign)?;
        if new_size > latest_size || log.latest.is_none() {
            log.grew_at = now;
        }
        log.latest = Some(offered);
        log.seen_at = Some(now);
        Ok(cosignature)
    }

    /// Whether the log `origin` grew within `max_staleness` seconds before `now`: `Err` with what
    /// is known of it when it did not. `None` for a log not watched.
    pub fn check_staleness(&self, origin: &str, now: u64, max_staleness: u64) -> Option<Result<(), Stale>> {
        let log = self.logs.get(origin)?;
        if now.saturating_sub(log.grew_at) <= max_staleness {
            return Some(Ok(()));
        }
        Some(Err(Stale {
            origin: origin.to_owned(),
            size: log.latest_size(),
            grew_at: log.grew_at,
            seen_at: log.seen_at,
            now,
        }))
    }

    /// Every watched log that did not grow within `max_staleness` seconds before `now`.
    pub fn stale_logs(&self, now: u64, max_staleness: u64) -> Vec<Stale> {
        self.logs.keys().filter_map(|o| self.check_staleness(o, now, max_staleness)?.err()).collect()
    }
}

/// Why an `add-checkpoint` request body could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the body is {len} bytes, more than the {max} accepted")]
    TooLarge { len: usize, max: usize },
    #[error("the body is not valid UTF-8")]
    NotUtf8,
    #[error("the first line is not `old <size>` with a decimal size without leading zeros")]
    BadOldSize,
    #[error("proof line {0} is not the base64 of a 32-byte hash")]
    BadProofLine(usize),
    #[error("more than 63 consistency proof hashes")]
    TooManyProofHashes,
    #[error("no blank line before the checkpoint")]
    NoCheckpoint,
}

/// The body of a `POST <prefix>/add-checkpoint` request: `old <size>`, one base64 hash per line of
/// the consistency proof, a blank line, then the signed checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    pub checkpoint: Vec<u8>,
}

impl AddCheckpoint {
    /// The largest body accepted: a note and a full proof.
    pub const MAX_BYTES: usize = crate::note::MAX_NOTE_BYTES + 64 + MAX_PROOF_HASHES * 45;

    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        if body.len() > Self::MAX_BYTES {
            return Err(RequestError::TooLarge { len: body.len(), max: Self::MAX_BYTES });
        }
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (first, mut rest) = text.split_once('\n').ok_or(RequestError::BadOldSize)?;
        let size = first.strip_prefix("old ").ok_or(RequestError::BadOldSize)?;
        let leading_zero = size.len() > 1 && size.starts_with('0');
        if size.is_empty() || leading_zero || !size.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RequestError::BadOldSize);
        }
        let old_size = size.parse().map_err(|_| RequestError::BadOldSize)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(RequestError::NoCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(RequestError::TooManyProofHashes);
            }
            let hash: Hash = B64
                .decode(line)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or(RequestError::BadProofLine(proof.len() + 1))?;
            proof.push(hash);
        }
        Ok(AddCheckpoint { old_size, proof, checkpoint: rest.as_bytes().to_vec() })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = format!("old {}\n", self.old_size);
        for h in &self.proof {
            out.push_str(&B64.encode(h));
            out.push('\n');
        }
        out.push('\n');
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.checkpoint);
        bytes
    }
}
