//! Health, the legal-basis taxonomy and the event log.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_model::decision::taxonomy;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Params, in_range};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`; or `degraded` while the server serves on an event log that failed its check at
    /// start, as its operator chose (`--accept-broken-log`): a monitor alerts on anything but
    /// `ok`. (Store failures answer a 503 problem instead.)
    pub status: String,
    /// The store: `ok` (it reads and the last write found room).
    pub store: String,
    pub journal_mode: String,
    /// SQLite `synchronous` level in force on the writer (2 = FULL).
    pub synchronous: i64,
    /// The event log as checked at start: `ok` (its latest events verify and it refuses changes),
    /// or `broken` (see `event_log_problem`) until a start finds it sound.
    pub event_log: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_log_problem: Option<EventLogProblem>,
    /// Set when a witness cosigned a larger or different history of this log: the data directory
    /// was restored from an older backup; `vigie log new-lineage` declares it a new log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_lineage_problem: Option<String>,
}

/// What the check at start found wrong with the event log, and when the operator chose to serve.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventLogProblem {
    /// The check's finding, in words.
    pub detail: String,
    /// The first event that does not verify, if one does not.
    pub first_bad_seq: Option<i64>,
    pub first_bad_id: Option<String>,
    /// `tampered`, `broken_link` or `gap`.
    pub problem: Option<String>,
    /// The append-only guards found missing or altered.
    pub missing_guards: Vec<String>,
    pub accepted_at: String,
    /// The `log.break_accepted` event that records the choice.
    pub accepted_event_seq: i64,
}

/// Public: 200 once the store is open and the server is serving (`status` is `degraded` while
/// it serves on a broken event log); 503 when the store cannot be read (`unavailable`) or
/// written (`storage_full`: a full disk or size cap; reads still work).
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, body = Health),
    (status = 503, body = crate::error::Problem,
     description = "`unavailable`: the store does not answer; `storage_full`: the last write found the disk or the database's size cap full, and writes are refused with 507 until space is freed")))]
pub async fn healthz(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    let store = s.app.store();
    let unavailable = |_| ApiError::new(Code::Unavailable, "the store does not answer");
    let d = store.durability().map_err(unavailable)?;
    // A read round-trip proves the reader threads answer.
    store.read(|r| r.count_orgs()).await.map_err(unavailable)?;
    if store.storage_full() {
        return Err(ApiError::new(
            Code::StorageFull,
            "the store is full: writes are refused until its operator frees space; reads still work",
        )
        .with_status(StatusCode::SERVICE_UNAVAILABLE));
    }
    let problem = s.app.broken_log().map(|b| EventLogProblem {
        detail: b.check.to_string(),
        first_bad_seq: b.check.bad.as_ref().map(|e| e.seq),
        first_bad_id: b.check.bad.as_ref().map(|e| e.id.clone()),
        problem: b.check.bad.as_ref().map(|e| e.kind().to_owned()),
        missing_guards: b.check.missing_guards.clone(),
        accepted_at: b.accepted_at.to_rfc3339(),
        accepted_event_seq: b.event_seq,
    });
    let lineage = s.app.log_lineage_problem();
    Ok(Json(Health {
        status: if problem.is_some() || lineage.is_some() { "degraded" } else { "ok" }.into(),
        store: "ok".into(),
        journal_mode: d.journal_mode,
        synchronous: d.synchronous,
        event_log: if problem.is_some() { "broken" } else { "ok" }.into(),
        event_log_problem: problem,
        log_lineage_problem: lineage,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalBasisDto {
    pub id: String,
    pub title: String,
    pub citation: String,
    /// The offence it refers to (Directive (EU) 2017/541 for the TCO types).
    pub offence_reference: String,
    /// `EU` or a member-state code: a national basis grounds decisions in that state only.
    pub jurisdiction: String,
    /// Whether it defines terrorist content (a purpose assessment under TCO art. 1(3) applies).
    pub terrorist_content: bool,
    /// The art. 2(7) letter, for the five TCO types.
    pub tco_type: Option<String>,
    pub reference_url: String,
    /// The taxonomy version that added it.
    pub since_version: u32,
    /// The version that retired it: past decisions keep citing it, new ones may not
    /// (`retired_legal_basis`).
    pub retired_in_version: Option<u32>,
    /// The ids that replace a retired basis.
    pub superseded_by: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LegalBasisList {
    /// The taxonomy's version (`crates/vigie-model/data/legal-bases.json`); decisions record it.
    pub version: u32,
    pub published: String,
    pub legal_bases: Vec<LegalBasisDto>,
}

#[utoipa::path(get, path = "/api/v1/legal-bases", tag = "platform", responses((status = 200, body = LegalBasisList)), security(("bearer" = [])))]
pub async fn legal_bases(Auth(_): Auth) -> Json<LegalBasisList> {
    let t = taxonomy();
    Json(LegalBasisList {
        version: t.version,
        published: t.published.clone(),
        legal_bases: t
            .bases
            .iter()
            .map(|b| LegalBasisDto {
                id: b.id.clone(),
                title: b.title.clone(),
                citation: b.citation.clone(),
                offence_reference: b.offence_reference.clone(),
                jurisdiction: b.jurisdiction.code().to_owned(),
                terrorist_content: b.terrorist_content,
                tco_type: b.tco_type.clone(),
                reference_url: b.reference_url.clone(),
                since_version: b.since_version,
                retired_in_version: b.retired_in_version,
                superseded_by: b.superseded_by.clone(),
            })
            .collect(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Return events after this sequence number.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 5000, default 1000.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub at: String,
    /// system, or manual in test builds.
    pub clock: String,
    pub actor: Option<String>,
    pub org: Option<String>,
    pub subject: String,
    /// The event data exactly as hashed (a JSON text).
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventDto>,
}

/// Administrators and overseers: the hash-chained event log, in commit order.
#[utoipa::path(get, path = "/api/v1/events", tag = "audit", params(EventsQuery), responses((status = 200, body = EventList)), security(("bearer" = [])))]
pub async fn events(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<EventsQuery>,
) -> ApiResult<Json<EventList>> {
    let after = in_range("after", q.after, 0, (0, i64::MAX))?;
    let limit = in_range("limit", q.limit, 1000, (1, 5000))?;
    let list = s.app.events(&p, after, limit).await?;
    Ok(Json(EventList {
        events: list
            .into_iter()
            .map(|e| EventDto {
                seq: e.seq,
                id: e.id,
                kind: e.kind,
                at: e.at.to_rfc3339(),
                clock: e.clock,
                actor: e.actor,
                org: e.org,
                subject: e.subject,
                data: e.data,
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainDto {
    pub ok: bool,
    /// Events that verified: all, or those before the first bad one.
    pub events: i64,
    /// The hash of the last event that verified.
    pub head: String,
    /// The first bad event and what is wrong with it, in words.
    pub error: Option<String>,
    /// The first bad event's sequence number and id.
    pub first_bad_seq: Option<i64>,
    pub first_bad_id: Option<String>,
    /// `tampered`, `broken_link` or `gap`.
    pub problem: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/events/verify", tag = "audit", responses((status = 200, body = ChainDto)), security(("bearer" = [])))]
pub async fn verify(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<ChainDto>> {
    let r = s.app.verify_events(&p).await?;
    Ok(Json(ChainDto {
        ok: r.error.is_none(),
        events: r.events,
        head: r.head,
        error: r.error.as_ref().map(|e| e.to_string()),
        first_bad_seq: r.error.as_ref().map(|e| e.seq),
        first_bad_id: r.error.as_ref().map(|e| e.id.clone()),
        problem: r.error.as_ref().map(|e| e.kind().to_owned()),
    }))
}
