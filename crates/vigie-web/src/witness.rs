//! A witness's HTTP service (`vigie witness`; C2SP `tlog-witness`): `POST /add-checkpoint` checks a
//! log's new checkpoint against the latest one it cosigned, through a consistency proof, and
//! cosigns it, or refuses. A fork (two histories signed by one log) is an alarm: logged, kept as
//! evidence in the state file, and shown by `GET /status`. `GET /status` also names the logs that
//! stopped growing for longer than the allowed staleness.
//!
//! The rules are `vigie_log::Witness`'s; this module holds them behind a lock, keeps the state in
//! a file (written whole, then renamed, after every cosignature), and speaks HTTP.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use vigie_log::witness::AddCheckpoint;
use vigie_log::{Checkpoint, Fork, Refusal, SignerKey, VerifierKey, Witness};

/// What the witness keeps of one log between runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Kept {
    /// The latest checkpoint cosigned, as its signed note.
    latest: Option<String>,
    grew_at: u64,
    seen_at: Option<u64>,
}

/// A fork seen: both signed checkpoints, as evidence for anyone to check.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ForkEvidence {
    pub origin: String,
    pub at: u64,
    pub kind: String,
    pub previous: String,
    pub offered: String,
    pub proof: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct StateFile {
    logs: std::collections::BTreeMap<String, Kept>,
    forks: Vec<ForkEvidence>,
}

/// A running witness: its rules, where it keeps its state, and its clock.
pub struct WitnessService {
    witness: Mutex<(Witness, StateFile)>,
    state_file: Option<PathBuf>,
    max_staleness: u64,
    now: Box<dyn Fn() -> u64 + Send + Sync>,
}

/// Why a witness could not start.
#[derive(Debug, thiserror::Error)]
pub enum WitnessStartError {
    #[error("the state file {0} does not read: {1}")]
    State(String, String),
    #[error("{0}")]
    Watch(#[from] vigie_log::witness::WitnessError),
}

impl WitnessService {
    /// A witness cosigning with `key`, watching `logs` (each log's note verifier key, named after
    /// its origin), restoring what `state_file` holds. `now` gives POSIX seconds.
    pub fn new(
        key: SignerKey,
        logs: Vec<VerifierKey>,
        state_file: Option<PathBuf>,
        max_staleness: u64,
        now: Box<dyn Fn() -> u64 + Send + Sync>,
    ) -> Result<Self, WitnessStartError> {
        let mut witness = Witness::new(key);
        let start = now();
        for k in &logs {
            witness.watch(k.name(), vec![k.clone()], start)?;
        }
        let state: StateFile = match &state_file {
            Some(path) => match std::fs::read(path) {
                Ok(bytes) => serde_json::from_slice(&bytes)
                    .map_err(|e| WitnessStartError::State(path.display().to_string(), e.to_string()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => StateFile::default(),
                Err(e) => return Err(WitnessStartError::State(path.display().to_string(), e.to_string())),
            },
            None => StateFile::default(),
        };
        for (origin, kept) in &state.logs {
            let (Some(note), Some(k)) = (&kept.latest, logs.iter().find(|k| k.name() == origin)) else { continue };
            let signed = Checkpoint::open(note.as_bytes(), origin, std::slice::from_ref(k))
                .map_err(|e| WitnessStartError::State(origin.clone(), e.to_string()))?;
            witness.restore(signed, kept.grew_at, kept.seen_at)?;
        }
        Ok(WitnessService { witness: Mutex::new((witness, state)), state_file, max_staleness, now })
    }

    /// The key that checks this witness's cosignatures.
    pub fn verifier(&self) -> VerifierKey {
        self.witness.lock().expect("not poisoned").0.verifier()
    }

    fn save(&self, state: &StateFile) {
        let Some(path) = &self.state_file else { return };
        let tmp = path.with_extension("tmp");
        let written = std::fs::write(&tmp, serde_json::to_vec_pretty(state).expect("plain data"))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            tracing::error!(error = %e, path = %path.display(), "could not save the witness's state");
        }
    }

    /// Handles one `add-checkpoint` body: the HTTP status and body to answer.
    pub fn add_checkpoint(&self, body: &[u8]) -> (StatusCode, &'static str, String) {
        let req = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(e) => return (StatusCode::BAD_REQUEST, "text/plain", format!("{e}\n")),
        };
        let now = (self.now)();
        let mut guard = self.witness.lock().expect("not poisoned");
        let (witness, state) = &mut *guard;
        match witness.add_checkpoint(req.old_size, &req.proof, &req.checkpoint, now) {
            Ok(sig) => {
                let latest = Checkpoint::parse_body(
                    vigie_log::Note::parse(&req.checkpoint).map(|n| n.text().to_owned()).unwrap_or_default().as_str(),
                );
                if let Ok(c) = latest
                    && let Some(log) = witness.log(c.origin())
                {
                    state.logs.insert(
                        c.origin().to_owned(),
                        Kept {
                            latest: log.latest().map(|l| l.encode()),
                            grew_at: log.grew_at(),
                            seen_at: log.seen_at(),
                        },
                    );
                }
                self.save(state);
                (StatusCode::OK, "text/x.tlog.signature", sig.to_line())
            }
            Err(refusal) => {
                let status = StatusCode::from_u16(refusal.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                match &refusal {
                    Refusal::OldSizeMismatch { latest } | Refusal::Smaller { latest, .. } => {
                        (status, "text/x.tlog.size", format!("{latest}\n"))
                    }
                    Refusal::Fork(fork) => {
                        tracing::error!(origin = %fork.origin, kind = ?fork.kind, "ALARM: the log showed two histories (fork)");
                        state.forks.push(evidence(fork));
                        self.save(state);
                        (status, "text/plain", format!("{refusal}\n"))
                    }
                    _ => (status, "text/plain", format!("{refusal}\n")),
                }
            }
        }
    }

    /// What the witness knows: each log's latest size, whether it is stale, and the forks seen.
    pub fn status(&self) -> serde_json::Value {
        let now = (self.now)();
        let guard = self.witness.lock().expect("not poisoned");
        let (witness, state) = &*guard;
        let stale: Vec<String> = witness.stale_logs(now, self.max_staleness).into_iter().map(|s| s.origin).collect();
        let logs: Vec<_> = witness
            .logs()
            .map(|(origin, log)| {
                serde_json::json!({
                    "origin": origin,
                    "size": log.latest_size(),
                    "grew_at": log.grew_at(),
                    "seen_at": log.seen_at(),
                    "stale": stale.iter().any(|s| s == origin),
                })
            })
            .collect();
        serde_json::json!({ "logs": logs, "forks": state.forks, "max_staleness": self.max_staleness })
    }
}

fn evidence(f: &Fork) -> ForkEvidence {
    let b64 = base64::engine::general_purpose::STANDARD;
    ForkEvidence {
        origin: f.origin.clone(),
        at: f.at,
        kind: format!("{:?}", f.kind),
        previous: f.previous.encode(),
        offered: f.offered.encode(),
        proof: f.proof.iter().map(|h| b64.encode(h)).collect(),
    }
}

async fn add_checkpoint(State(w): State<Arc<WitnessService>>, body: Bytes) -> Response {
    let (status, content_type, text) = w.add_checkpoint(&body);
    (status, [(header::CONTENT_TYPE, content_type)], text).into_response()
}

async fn status(State(w): State<Arc<WitnessService>>) -> Response {
    axum::Json(w.status()).into_response()
}

/// The witness's routes: `POST /add-checkpoint`, `GET /status`.
pub fn router(w: Arc<WitnessService>) -> Router {
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/status", get(status))
        .layer(axum::extract::DefaultBodyLimit::max(AddCheckpoint::MAX_BYTES))
        .with_state(w)
}

/// Serves the witness on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener, w: Arc<WitnessService>) -> std::io::Result<()> {
    axum::serve(listener, router(w)).await
}
