//! The overseer's page (`/log`): the event log as the overseer audience sees it, filtered by kind,
//! subject and time, newest first, a page at a time; and whether the chain verifies, from the last
//! prefix a verification in this process found sound (`audit::verify_from`; `vigie audit verify`
//! and `GET /api/v1/events/verify` check all of it). Who may read it is the use-cases' rule
//! (`App::log_view`, `App::verify_events_anchored`: overseers and administrators).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigie_app::audit::LogFilter;
use vigie_model::Timestamp;
use vigie_model::event::EventKind;

use super::session::Viewer;
use super::{Me, PageError, page};
use crate::AppState;

/// How many events one page shows.
const PAGE: u32 = 100;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogQuery {
    kind: Option<String>,
    subject: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

struct EventRow {
    seq: i64,
    at: String,
    kind: String,
    subject: String,
    org: String,
    actor: String,
    data: String,
}

#[derive(Template)]
#[template(path = "log.html")]
struct LogPage {
    me: Option<Me>,
    kinds: Vec<&'static str>,
    kind: String,
    subject: String,
    from: String,
    to: String,
    rows: Vec<EventRow>,
    /// The address of the next (older) page, with the same filters.
    next: Option<String>,
    /// Whether every event verifies, in words, and whether that is good news.
    verified: String,
    sound: bool,
    /// Filters that could not be read, in words.
    problems: Vec<String>,
    /// The latest signed checkpoint, in words, and its size (events up to it have proofs).
    checkpoint: Option<String>,
    checkpoint_size: i64,
}

/// A date (`2026-12-07`, the start of that day) or a minute (`2026-12-07T14:05`), in UTC.
fn instant(raw: &str) -> Option<Timestamp> {
    let raw = raw.trim();
    match raw.len() {
        10 => Timestamp::parse_rfc3339(&format!("{raw}T00:00:00Z")),
        16 => Timestamp::parse_rfc3339(&format!("{raw}:00Z")),
        _ => Timestamp::parse_rfc3339(raw),
    }
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

pub(crate) async fn log(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<LogQuery>,
) -> Result<Response, PageError> {
    let mut problems = Vec::new();
    let kind = blank(&q.kind).and_then(|k| {
        let parsed = EventKind::parse(k);
        if parsed.is_none() {
            problems.push(format!("kind: no event is of kind {k}"));
        }
        parsed
    });
    let mut time = |name: &str, raw: &Option<String>| {
        blank(raw).and_then(|r| {
            let t = instant(r);
            if t.is_none() {
                problems.push(format!("{name}: not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM), UTC"));
            }
            t
        })
    };
    let (from, to) = (time("from", &q.from), time("to", &q.to));
    let filter =
        LogFilter { kind, subject: blank(&q.subject).map(str::to_owned), from, to, before: q.before, limit: PAGE };
    let view = s.app.log_view(&v.principal, filter).await?;
    let report = s.app.verify_events_anchored(&v.principal).await?;
    let cp = s.app.checkpoint_view(&v.principal).await?;
    let checkpoint_size = cp.as_ref().map_or(0, |c| i64::try_from(c.record.size).unwrap_or(i64::MAX));
    let checkpoint = cp.map(|c| {
        let witnesses = if c.witnessed.is_empty() {
            "no witness's cosignature yet".to_owned()
        } else {
            let by: Vec<String> = c
                .witnessed
                .iter()
                .map(|w| {
                    let at = Timestamp::from_micros(i64::try_from(w.time).unwrap_or(0).saturating_mul(1_000_000));
                    format!("{} at {}", w.witness, at.to_rfc3339())
                })
                .collect();
            format!("cosigned by {}", by.join(", "))
        };
        format!(
            "The log signed its first {} events (root {}, origin {}) at {}; {}.",
            c.record.size,
            vigie_app::tlog::b64(&c.record.root),
            c.record.origin,
            c.record.signed_at.to_rfc3339(),
            witnesses
        )
    });
    let verified = match &report.error {
        None => format!(
            "All {} events verify: each matches its hash and links to the one before; the head is {}.",
            report.events, report.head
        ),
        Some(bad) => format!("The log does not verify: {bad}. The {} events before it verify.", report.events),
    };
    let next = view.next.map(|before| {
        let mut pairs = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [("kind", &q.kind), ("subject", &q.subject), ("from", &q.from), ("to", &q.to)] {
            if let Some(v) = blank(v) {
                pairs.append_pair(k, v);
            }
        }
        pairs.append_pair("before", &before.to_string());
        format!("/log?{}", pairs.finish())
    });
    let mut kinds: Vec<&'static str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    kinds.sort_unstable();
    let rows = view
        .events
        .into_iter()
        .map(|e| EventRow {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            kind: e.kind,
            subject: e.subject,
            org: e.org.unwrap_or_default(),
            actor: e.actor.unwrap_or_default(),
            data: e.data,
        })
        .collect();
    page(&LogPage {
        me: Some(Me::load(&s.app, &v, "/log").await),
        kinds,
        kind: blank(&q.kind).unwrap_or_default().to_owned(),
        subject: blank(&q.subject).unwrap_or_default().to_owned(),
        from: blank(&q.from).unwrap_or_default().to_owned(),
        to: blank(&q.to).unwrap_or_default().to_owned(),
        rows,
        next,
        sound: report.error.is_none(),
        verified,
        problems,
        checkpoint,
        checkpoint_size,
    })
}

#[derive(Deserialize)]
pub(crate) struct ProofQuery {
    seq: Option<String>,
}

#[derive(Template)]
#[template(path = "log_proof.html")]
struct ProofPage {
    me: Option<Me>,
    seq: i64,
    size: u64,
    origin: String,
    root: String,
    leaf: String,
    hashes: Vec<String>,
    /// Whether the proof leads to the signed root, checked here as any verifier would.
    verifies: bool,
}

/// An event's inclusion proof in the latest signed checkpoint, checked on the server as a
/// verifier would, for overseers to copy (`vigie log proof` checks it on their own machine).
pub(crate) async fn log_proof(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ProofQuery>,
) -> Result<Response, PageError> {
    let seq = q.seq.as_deref().and_then(|n| n.trim().parse::<i64>().ok()).filter(|n| *n >= 1);
    let Some(seq) = seq else { return Err(PageError::App(vigie_app::AppError::NotFound("checkpoint or event"))) };
    // Overseers and administrators, as for the log itself.
    s.app.log_view(&v.principal, LogFilter { limit: 1, ..Default::default() }).await?;
    let Some(cp) = s.app.latest_checkpoint(&v.principal).await? else {
        return Err(PageError::App(vigie_app::AppError::NotFound("checkpoint or event")));
    };
    let proof = s.app.log_inclusion(&v.principal, seq, Some(cp.size)).await?;
    let decode = |h: &str| -> Option<vigie_log::tree::Hash> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(h).ok()?.try_into().ok()
    };
    let path: Option<Vec<_>> = proof.hashes.iter().map(|h| decode(h)).collect();
    let verifies = match (decode(&proof.leaf_hash), path) {
        (Some(leaf), Some(path)) => {
            vigie_log::tree::verify_inclusion(&leaf, proof.leaf_index, cp.size, &path, &cp.root).is_ok()
        }
        _ => false,
    };
    page(&ProofPage {
        me: Some(Me::load(&s.app, &v, "/log").await),
        seq,
        size: cp.size,
        origin: cp.origin,
        root: vigie_app::tlog::b64(&cp.root),
        leaf: proof.leaf_hash,
        hashes: proof.hashes,
        verifies,
    })
}
