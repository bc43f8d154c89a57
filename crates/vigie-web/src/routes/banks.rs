//! Vigie's own bank API (`/api/v1/banks...`) and the stay-down check (`/api/v1/uploads/check`).
//! HMA's shapes for the same things are in `routes::hma`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_app::banks::uploads::{UploadInput, UploadOutcome};
use vigie_app::banks::{BankView, EntryChange, EntryView, Hit, ImportReport, NewEntry};
use vigie_model::Timestamp;
use vigie_model::bank::formats::Format;
use vigie_model::bank::{Access, BankLabels, DISABLED_FOREVER, EntryState, RawBank, ShareMode};
use vigie_store::{BankEntryRecord, FeedbackRecord};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Body, Params, in_range};

fn t(ts: Timestamp) -> String {
    ts.to_rfc3339()
}

/// A bank's settings, as sent to create or change one. Absent fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankRequest {
    #[schema(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")]
    pub name: Option<String>,
    /// `block` (default) or `allow`: an allow bank's matches suppress block matches.
    #[schema(value_type = Option<crate::schema::BankKindName>)]
    pub kind: Option<String>,
    /// Largest PDQ distance that matches, 0 to 63 (default 31).
    #[schema(minimum = 0, maximum = 63)]
    pub threshold: Option<i64>,
    /// A block match opens a case for the platform that checked the upload.
    pub stay_down: Option<bool>,
    /// Share of lookups that search the bank (HMA's sampling), 0 to 1.
    #[schema(minimum = 0, maximum = 1)]
    pub enabled_ratio: Option<f64>,
    #[serde(default, deserialize_with = "crate::extract::object")]
    pub labels: Option<LabelsDto>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Matches of one entry per hour before it is quarantined; 0: no limit (default 1000).
    #[schema(minimum = 0, maximum = 4294967295_i64)]
    pub flood_limit: Option<i64>,
    /// Videos (vPDQ): the share of a query video's distinct good frames that must be near the
    /// banked video's, above 0 and at most 100 (default 80, python-threatexchange's).
    #[schema(exclusive_minimum = 0, maximum = 100)]
    pub vpdq_query_percent: Option<f64>,
    /// Videos (vPDQ): the share of the banked video's frames that must be near the query's, 0 to
    /// 100 (default 0).
    #[schema(minimum = 0, maximum = 100)]
    pub vpdq_compared_percent: Option<f64>,
    /// Videos (TMK+PDQF): the level-1 score (cosine of the pure averages) a banked video's match
    /// needs, above 0 and at most 1 (default 0.7, `tmk-two-level-score`'s).
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub tmk_level1: Option<f64>,
    /// Videos (TMK+PDQF): the level-2 score (best time alignment), above 0 and at most 1
    /// (default 0.7).
    #[schema(exclusive_minimum = 0, maximum = 1)]
    pub tmk_level2: Option<f64>,
}

/// Labels a curator puts on a bank, for filtering and reports.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LabelsDto {
    /// The group or movement the content is attributed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The sharing tier the source assigned (e.g. GIFCT's tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The crisis the content belongs to (e.g. a content incident protocol's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crisis: Option<String>,
}

impl From<LabelsDto> for BankLabels {
    fn from(l: LabelsDto) -> Self {
        BankLabels { group: l.group, tier: l.tier, crisis: l.crisis }
    }
}

impl From<BankLabels> for LabelsDto {
    fn from(l: BankLabels) -> Self {
        LabelsDto { group: l.group, tier: l.tier, crisis: l.crisis }
    }
}

impl From<BankRequest> for RawBank {
    fn from(r: BankRequest) -> Self {
        RawBank {
            name: r.name,
            kind: r.kind,
            threshold: r.threshold,
            stay_down: r.stay_down,
            enabled_ratio: r.enabled_ratio,
            labels: r.labels.map(Into::into),
            description: r.description,
            flood_limit: r.flood_limit,
            vpdq_query_percent: r.vpdq_query_percent,
            vpdq_compared_percent: r.vpdq_compared_percent,
            tmk_level1: r.tmk_level1,
            tmk_level2: r.tmk_level2,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareDto {
    pub org: String,
    /// `match` or `curate`.
    pub mode: String,
    pub granted_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BankDto {
    pub id: String,
    pub name: String,
    pub owner: String,
    /// What the caller may do: `own`, `curate` or `match`.
    pub access: String,
    pub kind: String,
    pub threshold: u32,
    pub stay_down: bool,
    pub enabled_ratio: f64,
    pub labels: LabelsDto,
    pub description: Option<String>,
    pub flood_limit: u32,
    pub vpdq_query_percent: f64,
    pub vpdq_compared_percent: f64,
    pub tmk_level1: f64,
    pub tmk_level2: f64,
    /// Live entries; present on single-bank answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<i64>,
    /// Owner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<Vec<ShareDto>>,
    pub created_at: String,
    pub updated_at: String,
}

impl BankDto {
    fn new(b: vigie_store::BankRecord, access: Access, entries: Option<i64>, shares: Option<Vec<ShareDto>>) -> Self {
        Self {
            id: b.id.as_str().to_owned(),
            name: b.spec.name,
            owner: b.owner.as_str().to_owned(),
            access: access.as_str().to_owned(),
            kind: b.spec.kind.as_str().to_owned(),
            threshold: b.spec.threshold,
            stay_down: b.spec.stay_down,
            enabled_ratio: b.spec.enabled_ratio,
            labels: b.spec.labels.into(),
            description: b.spec.description,
            flood_limit: b.spec.flood_limit,
            vpdq_query_percent: b.spec.vpdq_query_percent,
            vpdq_compared_percent: b.spec.vpdq_compared_percent,
            tmk_level1: b.spec.tmk_level1,
            tmk_level2: b.spec.tmk_level2,
            entries,
            shares,
            created_at: t(b.created_at),
            updated_at: t(b.updated_at),
        }
    }
}

impl From<BankView> for BankDto {
    fn from(v: BankView) -> Self {
        let shares = v.shares.map(|list| {
            list.into_iter()
                .map(|s| ShareDto {
                    org: s.org.as_str().to_owned(),
                    mode: s.mode.as_str().to_owned(),
                    granted_at: t(s.granted_at),
                })
                .collect()
        });
        BankDto::new(v.bank, v.access, Some(v.entries), shares)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BankListDto {
    pub banks: Vec<BankDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackDto {
    pub org: String,
    pub user: String,
    /// `agree`, `disagree` or `false_positive`.
    pub verdict: String,
    pub note: Option<String>,
    pub at: String,
}

impl From<FeedbackRecord> for FeedbackDto {
    fn from(f: FeedbackRecord) -> Self {
        Self {
            org: f.org.as_str().to_owned(),
            user: f.user.as_str().to_owned(),
            verdict: f.verdict.as_str().to_owned(),
            note: f.note,
            at: t(f.at),
        }
    }
}

/// An entry. Match-only subscribers get `id`, `bank`, `signal_type`, `state`, `added_at` and
/// their own feedback; the other fields are for the bank's curators.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: i64,
    pub bank: String,
    pub signal_type: String,
    /// `enabled`, `disabled`, `quarantined` or `removed`.
    pub state: String,
    pub added_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<serde_json::Value>)]
    pub provenance: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantined_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub feedback: Vec<FeedbackDto>,
}

impl EntryDto {
    pub(crate) fn new(e: BankEntryRecord, access: Access, feedback: Vec<FeedbackRecord>, now: Timestamp) -> Self {
        let state = EntryState::at(e.removed_at.is_some(), e.quarantined_at.is_some(), e.disabled_until, now)
            .as_str()
            .to_owned();
        let mut dto = EntryDto {
            id: e.id,
            bank: e.bank.as_str().to_owned(),
            signal_type: e.signal_type.as_str().to_owned(),
            state,
            added_at: t(e.added_at),
            value: None,
            quality: None,
            source: None,
            provenance: None,
            content_id: None,
            content_uri: None,
            note: None,
            added_by: None,
            disabled_until: None,
            quarantined_at: None,
            case: None,
            feedback: feedback.into_iter().map(Into::into).collect(),
        };
        if access >= Access::Curate {
            dto.value = Some(e.value);
            dto.quality = e.quality;
            dto.source = Some(e.source);
            dto.provenance = e.provenance.and_then(|p| serde_json::from_str(&p).ok());
            dto.content_id = e.content_id;
            dto.content_uri = e.content_uri;
            dto.note = e.note;
            dto.added_by = e.added_by.map(|u| u.as_str().to_owned());
            dto.disabled_until = e.disabled_until.map(t);
            dto.quarantined_at = e.quarantined_at.map(t);
            dto.case = e.case.map(|c| c.as_str().to_owned());
        }
        dto
    }
    fn from_view(v: EntryView, now: Timestamp) -> Self {
        Self::new(v.entry, v.access, v.feedback, now)
    }
}

#[utoipa::path(post, path = "/api/v1/banks", tag = "banks", request_body = BankRequest,
    responses((status = 201, body = BankDto), (status = 409, body = crate::error::Problem, description = "`bank_exists`"), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn create_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<BankRequest>,
) -> ApiResult<(StatusCode, Json<BankDto>)> {
    let v = s.app.create_bank(&p, req.into()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// The banks the caller's organisation owns or was shared.
#[utoipa::path(get, path = "/api/v1/banks", tag = "banks", responses((status = 200, body = BankListDto)), security(("bearer" = [])))]
pub async fn list_banks(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<BankListDto>> {
    let list = s.app.list_banks(&p).await?;
    Ok(Json(BankListDto { banks: list.into_iter().map(|(b, a)| BankDto::new(b, a, None, None)).collect() }))
}

#[utoipa::path(get, path = "/api/v1/banks/{id}", tag = "banks", params(("id" = String, Path)),
    responses((status = 200, body = BankDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_bank(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<BankDto>> {
    Ok(Json(s.app.get_bank(&p, &id).await?.into()))
}

#[utoipa::path(patch, path = "/api/v1/banks/{id}", tag = "banks", params(("id" = String, Path)), request_body = BankRequest,
    responses((status = 409, body = crate::error::Problem, description = "`bank_exists`"), (status = 200, body = BankDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn update_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<BankRequest>,
) -> ApiResult<Json<BankDto>> {
    Ok(Json(s.app.update_bank(&p, &id, req.into()).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/banks/{id}", tag = "banks", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete_bank(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.app.delete_bank(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// `match` (lookups only) or `curate` (also add, disable and remove entries).
    #[schema(value_type = crate::schema::ShareModeName)]
    pub mode: String,
}

#[utoipa::path(put, path = "/api/v1/banks/{id}/shares/{org}", tag = "banks", params(("id" = String, Path), ("org" = String, Path)),
    request_body = ShareRequest, responses((status = 409, body = crate::error::Problem, description = "`own_bank`"), (status = 200, body = BankDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn share_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, org)): Path<(String, String)>,
    Body(req): Body<ShareRequest>,
) -> ApiResult<Json<BankDto>> {
    let mode = ShareMode::parse(&req.mode).ok_or_else(|| {
        ApiError::from(vigie_app::AppError::Invalid(vigie_model::Invalid::one(
            "mode",
            "unknown_mode",
            "match or curate",
        )))
    })?;
    Ok(Json(s.app.share_bank(&p, &id, &org, Some(mode)).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/banks/{id}/shares/{org}", tag = "banks", params(("id" = String, Path), ("org" = String, Path)),
    responses((status = 200, body = BankDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn unshare_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, org)): Path<(String, String)>,
) -> ApiResult<Json<BankDto>> {
    Ok(Json(s.app.share_bank(&p, &id, &org, None).await?.into()))
}

/// One entry to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRequest {
    /// `pdq`, `md5`, `sha256`, `vpdq`, `url` or `url_md5` (python-threatexchange's `video_md5` and
    /// `video_sha256` too).
    #[schema(value_type = crate::schema::SignalTypeName, required = true)]
    pub signal_type: Option<String>,
    /// Hexadecimal (32 or 64 digits); for `vpdq`, python-threatexchange's signal string, a JSON
    /// list of `"hex,quality,timestamp"` items; for `url`, a link (stored canonical).
    #[schema(value_type = String, required = true)]
    pub value: Option<String>,
    /// PDQ quality, when known: below 50 the entry is refused (it would never match reliably).
    #[schema(minimum = 0, maximum = 100)]
    pub quality: Option<i64>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[schema(max_length = 500)]
    pub content_id: Option<String>,
    #[schema(max_length = 2000)]
    pub content_uri: Option<String>,
    /// The case whose decision put this content in the bank (links stay-down cases to it).
    pub case: Option<String>,
    /// Any JSON.
    #[schema(value_type = Option<serde_json::Value>)]
    pub provenance: Option<serde_json::Value>,
}

impl From<EntryRequest> for NewEntry {
    fn from(r: EntryRequest) -> Self {
        NewEntry {
            signal_type: r.signal_type,
            value: r.value,
            quality: r.quality,
            note: r.note,
            content_id: r.content_id,
            content_uri: r.content_uri,
            case: r.case,
            provenance: r.provenance,
        }
    }
}

/// Adds an entry: 201, or 200 with the existing entry when the bank already holds the value.
#[utoipa::path(post, path = "/api/v1/banks/{id}/entries", tag = "banks", params(("id" = String, Path)), request_body = EntryRequest,
    responses((status = 201, body = EntryDto), (status = 200, body = EntryDto), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn add_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<EntryRequest>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let added = s.app.add_entry(&p, &id, req.into(), "api").await?;
    let status = if added.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(EntryDto::new(added.entry, Access::Curate, Vec::new(), s.app.now()))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryPage {
    /// Entries with a larger id than this (the last id of the previous page).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryListDto {
    pub entries: Vec<EntryDto>,
}

#[utoipa::path(get, path = "/api/v1/banks/{id}/entries", tag = "banks", params(("id" = String, Path), EntryPage),
    responses((status = 200, body = EntryListDto), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_entries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Params(q): Params<EntryPage>,
) -> ApiResult<Json<EntryListDto>> {
    let after = in_range("after", q.after, 0, (0, i64::MAX))?;
    let limit = in_range("limit", q.limit, 100, (1, 1000))?;
    let list = s.app.list_entries(&p, &id, after, limit).await?;
    let now = s.app.now();
    Ok(Json(EntryListDto {
        entries: list.into_iter().map(|e| EntryDto::new(e, Access::Curate, Vec::new(), now)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/banks/{id}/entries/{entry}", tag = "banks", params(("id" = String, Path), ("entry" = i64, Path)),
    responses((status = 200, body = EntryDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> ApiResult<Json<EntryDto>> {
    let Path((id, entry)) = path.map_err(|_| ApiError::not_found("entry"))?;
    let v = s.app.get_entry(&p, &id, entry).await?;
    Ok(Json(EntryDto::from_view(v, s.app.now())))
}

/// A change to an entry. `disabled_until`: an RFC 3339 time, `"forever"`, or `null` to enable.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub disabled_until: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
    /// Lift a flood quarantine.
    #[serde(default)]
    pub release_quarantine: bool,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[utoipa::path(patch, path = "/api/v1/banks/{id}/entries/{entry}", tag = "banks", params(("id" = String, Path), ("entry" = i64, Path)),
    request_body = EntryPatch, responses((status = 200, body = EntryDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn update_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: Result<Path<(String, i64)>, PathRejection>,
    Body(req): Body<EntryPatch>,
) -> ApiResult<Json<EntryDto>> {
    let Path((id, entry)) = path.map_err(|_| ApiError::not_found("entry"))?;
    let disabled_until = match req.disabled_until {
        None => None,
        Some(None) => Some(None),
        Some(Some(raw)) if raw == "forever" => Some(Some(DISABLED_FOREVER)),
        Some(Some(raw)) => Some(Some(Timestamp::parse_rfc3339(&raw).ok_or_else(|| {
            ApiError::from(vigie_app::AppError::Invalid(vigie_model::Invalid::one(
                "disabled_until",
                "invalid_time",
                "an RFC 3339 time, \"forever\" or null",
            )))
        })?)),
    };
    let change = EntryChange { disabled_until, note: req.note, release_quarantine: req.release_quarantine };
    let v = s.app.update_entry(&p, &id, entry, change).await?;
    Ok(Json(EntryDto::from_view(v, s.app.now())))
}

#[utoipa::path(delete, path = "/api/v1/banks/{id}/entries/{entry}", tag = "banks", params(("id" = String, Path), ("entry" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn remove_entry(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> ApiResult<StatusCode> {
    let Path((id, entry)) = path.map_err(|_| ApiError::not_found("entry"))?;
    s.app.remove_entry(&p, &id, entry).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// `agree`, `disagree` or `false_positive`.
    #[schema(value_type = crate::schema::VerdictName, required = true)]
    pub verdict: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/banks/{id}/entries/{entry}/feedback", tag = "banks", params(("id" = String, Path), ("entry" = i64, Path)),
    request_body = FeedbackRequest, responses((status = 201, body = FeedbackDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn give_feedback(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: Result<Path<(String, i64)>, PathRejection>,
    Body(req): Body<FeedbackRequest>,
) -> ApiResult<(StatusCode, Json<FeedbackDto>)> {
    let Path((id, entry)) = path.map_err(|_| ApiError::not_found("entry"))?;
    let fb = s.app.give_feedback(&p, &id, entry, req.verdict.as_deref(), req.note).await?;
    Ok((StatusCode::CREATED, Json(fb.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `local_file` (default: `<signal_type> <hash>` lines) or `csv` (python-threatexchange's).
    #[param(value_type = Option<crate::schema::BankFormat>)]
    pub format: Option<String>,
    /// Import only: skip lines of signal types Vigie does not hold instead of refusing the file.
    #[serde(default)]
    pub skip_unknown: bool,
}

fn format_of(q: &FormatQuery) -> ApiResult<Format> {
    Format::parse(q.format.as_deref().unwrap_or("local_file"))
        .ok_or_else(|| ApiError::new(Code::UnknownFormat, "the format is local_file or csv"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportDto {
    pub added: usize,
    pub duplicates: usize,
    pub skipped_unknown: usize,
    pub first_entry: Option<i64>,
    pub last_entry: Option<i64>,
}

impl From<ImportReport> for ImportDto {
    fn from(r: ImportReport) -> Self {
        Self {
            added: r.added,
            duplicates: r.duplicates,
            skipped_unknown: r.skipped_unknown,
            first_entry: r.first_entry,
            last_entry: r.last_entry,
        }
    }
}

/// The file is the request body (UTF-8 text). All or nothing: a file with errors imports nothing
/// and the problem lists the lines.
#[utoipa::path(post, path = "/api/v1/banks/{id}/import", tag = "banks", params(("id" = String, Path), FormatQuery),
    request_body(content_type = "text/plain"),
    responses((status = 200, body = ImportDto), (status = 400, body = crate::error::Problem, description = "`unknown_format`, `not_utf8`"), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem, description = "`validation_failed`")),
    security(("bearer" = [])))]
pub async fn import_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Params(q): Params<FormatQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ImportDto>> {
    let format = format_of(&q)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(Code::PayloadTooLarge, "the file is larger than the import limit")
        } else {
            ApiError::new(Code::UnreadableBody, e.body_text())
        }
    })?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::new(Code::NotUtf8, "the file must be UTF-8 text"))?;
    Ok(Json(s.app.import_bank(&p, &id, format, text, q.skip_unknown).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/banks/{id}/export", tag = "banks", params(("id" = String, Path), FormatQuery),
    responses((status = 200, description = "The bank file: `local_file` lines as `text/plain`, or pytx's CSV as `text/csv`", content((String = "text/plain"), (String = "text/csv"))), (status = 400, body = crate::error::Problem, description = "`unknown_format`"), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn export_bank(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Params(q): Params<FormatQuery>,
) -> ApiResult<Response> {
    let format = format_of(&q)?;
    let text = s.app.export_bank(&p, &id, format).await?;
    let content_type = if format == Format::Csv { "text/csv; charset=utf-8" } else { "text/plain; charset=utf-8" };
    Ok(([(header::CONTENT_TYPE, content_type)], text).into_response())
}

/// What a platform knows about an upload. Send the media (base64, or as the `media` part of a
/// multipart form whose `meta` part holds these fields) or at least one of its hashes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    /// Where the content is published; needed to open a stay-down case.
    #[schema(
        max_length = 4096,
        pattern = r"^https?://[a-z0-9]([a-z0-9-]{0,20}\.){1,3}[a-z]{2,10}(/[A-Za-z0-9._~/=-]{0,100})?$"
    )]
    pub url: Option<String>,
    #[schema(max_length = 500)]
    pub content_id: Option<String>,
    /// The uploader's account id on the platform.
    #[schema(max_length = 500)]
    pub uploader: Option<String>,
    /// The media, base64.
    #[schema(format = Byte)]
    pub media: Option<String>,
    #[schema(pattern = r"^[0-9a-fA-F]{64}$")]
    pub pdq: Option<String>,
    /// The PDQ hash's quality when the platform computed it; below 50 it is not looked up.
    #[schema(minimum = 0, maximum = 100)]
    pub pdq_quality: Option<i64>,
    /// With `pdq`: python-threatexchange's hash of the same media, when it differs (as
    /// `vigie hash` and `POST /api/v1/hash` give it); looked up too.
    #[schema(pattern = r"^[0-9a-fA-F]{64}$")]
    pub pdq_pytx: Option<String>,
    #[schema(minimum = 0, maximum = 100)]
    pub pdq_pytx_quality: Option<i64>,
    #[schema(pattern = r"^[0-9a-fA-F]{32}$")]
    pub md5: Option<String>,
    #[schema(pattern = r"^[0-9a-fA-F]{64}$")]
    pub sha256: Option<String>,
    /// Also look up the media's rotations and flips.
    #[serde(default)]
    pub dihedral: bool,
    /// Or, with `pdq`, its other dihedral variants (up to seven, as `vigie hash --dihedral` or
    /// `POST /api/v1/hash?dihedral=true` give them): all are looked up in one call.
    #[serde(default)]
    #[schema(max_items = 7)]
    pub pdq_variants: Vec<String>,
    /// A video's vPDQ (instead of media): python-threatexchange's signal string, or the list of
    /// its `"hex,quality,timestamp"` items as `vigie hash` prints them.
    #[schema(value_type = Option<Object>)]
    pub vpdq: Option<serde_json::Value>,
    /// Links the upload carries (a post's URLs, up to 50), looked up in URL banks by their
    /// canonical form and by python-threatexchange's `url_md5`; a match's `variant` says which.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub links: Vec<String>,
    /// The upload's text (a post, a caption; up to 100,000 bytes), looked up in text banks by
    /// near-duplicate similarity and TLSH: a match is for review (`verdict` `review`), never
    /// automatic action.
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MatchedBankDto {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadMatchDto {
    pub bank: MatchedBankDto,
    pub entry: i64,
    pub signal_type: String,
    /// Which of the upload's hashes matched: `pdq` (what the eye sees), `pdq_pytx`
    /// (python-threatexchange's, when it differs), `md5` or `sha256`; for a video job also
    /// `vpdq` or `tmk`.
    pub hash: String,
    pub distance: u32,
    /// `stay_down` (block bank marked for stay-down), `flag` (other block bank) or `allow`.
    pub action: String,
    /// The entry tripped its bank's flood limit with this match and is quarantined.
    pub quarantined: bool,
    /// Which dihedral variant matched: 0 is the upload as it is; for a link, which one.
    pub variant: usize,
    /// A text match (`raw_text`): how similar the texts are, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// A still matched one frame of a video: the frame's time in seconds, in the banked video (an
    /// image upload against a `vpdq` entry) or in the uploaded video (against a `pdq` entry).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_at: Option<f64>,
    /// A video match (`signal_type` `vpdq`): how the videos compare.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<VideoMatchDto>,
    /// A TMK+PDQF match (`signal_type` `tmk`, a video job's): the two scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmk: Option<TmkScoresDto>,
}

/// How an uploaded video's TMK+PDQF compares with a banked one's.
#[derive(Debug, Serialize, ToSchema)]
pub struct TmkScoresDto {
    /// The cosine of the pure averages.
    pub level1: f32,
    /// The best time alignment.
    pub level2: f32,
}

/// How an uploaded video compares with a banked one.
#[derive(Debug, Serialize, ToSchema)]
pub struct VideoMatchDto {
    /// The share of the upload's distinct good frames near the banked video's.
    pub query_match_percent: f64,
    /// The share of the banked video's distinct good frames near the upload's.
    pub compared_match_percent: f64,
    /// The banked video is inside a longer upload (a clip): for review, never automatic action.
    pub clip: bool,
    pub segments: Vec<SegmentDto>,
}

/// Where two videos match: a time range (seconds) in each.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentDto {
    pub upload: [f64; 2],
    pub banked: [f64; 2],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadHashesDto {
    /// PDQ of what the eye sees.
    pub pdq: Option<String>,
    pub pdq_quality: Option<u8>,
    /// python-threatexchange's PDQ of the same media, present when it differs from `pdq`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_pytx: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_pytx_quality: Option<u8>,
    pub md5: Option<String>,
    pub sha256: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadCheckDto {
    /// `no_match`, `match`, `allowed` (an allow bank matched too), or `review` (only matches for a
    /// person: a banked video found as a clip inside the upload, or a banked text; never automatic
    /// action).
    pub verdict: String,
    pub matches: Vec<UploadMatchDto>,
    pub hashes: UploadHashesDto,
    /// The PDQ hash's quality is below 50: it was not looked up.
    pub pdq_unreliable: bool,
    /// The stay-down case opened or joined in the platform's inbox.
    pub case: Option<String>,
    /// The platform's earlier cases that put the matched content in a bank.
    pub linked_cases: Vec<String>,
}

pub(crate) fn matched_bank(h: &Hit) -> MatchedBankDto {
    MatchedBankDto {
        id: h.bank.id.as_str().to_owned(),
        name: h.bank.spec.name.clone(),
        owner: h.bank.owner.as_str().to_owned(),
        kind: h.bank.spec.kind.as_str().to_owned(),
    }
}

impl From<UploadOutcome> for UploadCheckDto {
    fn from(o: UploadOutcome) -> Self {
        use vigie_model::bank::BankKind;
        let (pdq, pdq_quality) = o.pdq.map_or((None, None), |(h, q)| (Some(h), q));
        let (pdq_pytx, pdq_pytx_quality) = o.pdq_pytx.map_or((None, None), |(h, q)| (Some(h), q));
        Self {
            verdict: o.verdict.as_str().to_owned(),
            matches: o
                .matches
                .into_iter()
                .map(|m| UploadMatchDto {
                    bank: matched_bank(&m.hit),
                    entry: m.hit.entry,
                    signal_type: m.hit.signal_type.as_str().to_owned(),
                    hash: m.hit.hash_name().to_owned(),
                    distance: m.hit.distance,
                    action: match (m.hit.bank.spec.kind, m.hit.bank.spec.stay_down) {
                        (BankKind::Allow, _) => "allow",
                        (BankKind::Block, true) => "stay_down",
                        (BankKind::Block, false) => "flag",
                    }
                    .to_owned(),
                    quarantined: m.quarantined,
                    variant: m.hit.variant,
                    similarity: m.hit.similarity,
                    frame_at: m.hit.frame_at,
                    video: m.hit.video.as_ref().map(|v| VideoMatchDto {
                        query_match_percent: v.comparison.query_match_percent,
                        compared_match_percent: v.comparison.compared_match_percent,
                        clip: v.is_clip,
                        segments: v
                            .segments
                            .iter()
                            .map(|s| SegmentDto { upload: [s.query.0, s.query.1], banked: [s.banked.0, s.banked.1] })
                            .collect(),
                    }),
                    tmk: m.hit.tmk.map(|t| TmkScoresDto { level1: t.level1, level2: t.level2 }),
                })
                .collect(),
            hashes: UploadHashesDto { pdq, pdq_quality, pdq_pytx, pdq_pytx_quality, md5: o.md5, sha256: o.sha256 },
            pdq_unreliable: o.pdq_unreliable,
            case: o.case.map(|c| c.as_str().to_owned()),
            linked_cases: o.linked_cases.into_iter().map(|c| c.as_str().to_owned()).collect(),
        }
    }
}

/// What an upload check carries: the fields, and the media in memory (an image) or on disk (a
/// video, for a job).
enum Upload {
    Now(UploadRequest, Option<Vec<u8>>),
    Video(UploadRequest, String),
}

/// The largest JSON body of an upload check: an image's base64 and the fields.
fn json_limit(s: &AppState) -> usize {
    let media = s.app.config().hash_limits.max_bytes.saturating_add(64 * 1024);
    media / 3 * 4 + 4096
}

/// Reads the request as JSON (an image as base64, or hashes), or as a multipart form with a
/// `meta` JSON part and a `media` file. A file whose first bytes are a video container is streamed
/// into the jobs directory under the video size limit (never held in memory); anything else is an
/// image, held in memory under the image limit.
async fn upload_request(s: &AppState, p: &vigie_model::Principal, req: Request) -> ApiResult<Upload> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        if !crate::extract::json_content_type(req.headers()) {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "send the body as application/json or multipart/form-data",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), json_limit(s)).await.map_err(|_| {
            ApiError::new(Code::PayloadTooLarge, "the request body is too large; send a video as multipart")
        })?;
        let r: UploadRequest = crate::extract::parse_json(&bytes)?;
        let media = match r.media.as_deref() {
            None => None,
            Some(b64) => Some(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|_| ApiError::new(Code::InvalidBase64, "media must be base64"))?,
            ),
        };
        return Ok(Upload::Now(r, media));
    }
    let mut form =
        Multipart::from_request(req, s).await.map_err(|e| ApiError::new(Code::MalformedMultipart, e.body_text()))?;
    let (mut meta, mut media, mut video) = (None, None, None);
    let unreadable =
        |e: axum::extract::multipart::MultipartError| crate::routes::media::unreadable(e.status(), e.body_text());
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "meta" => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if bytes.len() > 64 * 1024 {
                    return Err(ApiError::new(Code::PayloadTooLarge, "meta is larger than 64 KiB"));
                }
                meta = Some(
                    serde_json::from_slice::<UploadRequest>(&bytes)
                        .map_err(|e| ApiError::new(Code::MalformedJson, format!("meta: {e}")))?,
                )
            }
            "media" => {
                let mut head = Vec::new();
                while head.len() < 64 {
                    match field.chunk().await.map_err(unreadable)? {
                        Some(chunk) => head.extend_from_slice(&chunk),
                        None => break,
                    }
                }
                if vigie_app::jobs::looks_like_video(&head) {
                    // Refused before the video is read: a caller who may not check, a full queue.
                    s.app.admit_video_check(p).await?;
                    video = Some(stream_video(s, &mut field, head).await?);
                } else {
                    let limit = s.app.config().hash_limits.max_bytes;
                    while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                        head.extend_from_slice(&chunk);
                        if head.len() > limit {
                            return Err(ApiError::new(
                                Code::PayloadTooLarge,
                                "the image is larger than the hashing limit",
                            ));
                        }
                    }
                    media = Some(head);
                }
            }
            other => {
                return Err(ApiError::new(
                    Code::UnknownPart,
                    format!("unexpected part {other:?}: send meta and media"),
                ));
            }
        }
    }
    let meta = meta.unwrap_or_default();
    Ok(match video {
        Some(file) => Upload::Video(meta, file),
        None => Upload::Now(meta, media),
    })
}

/// Writes a video part into the jobs directory, `head` first, under the video size limit; a
/// partial file is removed. Returns the file's name.
pub(crate) async fn stream_video(
    s: &AppState,
    field: &mut axum::extract::multipart::Field<'_>,
    head: Vec<u8>,
) -> ApiResult<String> {
    use tokio::io::AsyncWriteExt;
    let dir = s.app.jobs_dir()?.to_owned();
    let limit = s.app.config().video.options.limits.max_bytes;
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|_| internal("no random source"))?;
    let name = format!("upload-{}", hex::encode(random));
    let path = dir.join(&name);
    let mut file = tokio::fs::File::create(&path).await.map_err(|_| internal("the upload cannot be stored"))?;
    let mut written = 0u64;
    let mut pending = Some(Bytes::from(head));
    let result: ApiResult<()> = async {
        loop {
            let chunk = match pending.take() {
                Some(c) => c,
                None => match field
                    .chunk()
                    .await
                    .map_err(|e| crate::routes::media::unreadable(e.status(), e.body_text()))?
                {
                    Some(c) => c,
                    None => break,
                },
            };
            written += chunk.len() as u64;
            if written > limit {
                return Err(ApiError::new(Code::PayloadTooLarge, format!("the video is larger than {limit} bytes")));
            }
            file.write_all(&chunk).await.map_err(|_| internal("the upload cannot be stored"))?;
        }
        file.sync_all().await.map_err(|_| internal("the upload cannot be stored"))?;
        Ok(())
    }
    .await;
    if let Err(e) = result {
        drop(file);
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    Ok(name)
}

pub(crate) fn internal(what: &'static str) -> ApiError {
    ApiError::from(vigie_app::AppError::Internal(what))
}

/// A job: a video upload being checked, or a video sent to HMA's `POST /h/hash` or
/// `POST /m/lookup`.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDto {
    pub id: String,
    /// `upload_check`, `hma_hash` or `hma_lookup`.
    pub kind: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// When done: the answer. An upload check's has the fields of `POST /api/v1/uploads/check`'s,
    /// and `video` (the container, size, frame rate, duration and frames hashed); `hma_hash`'s is
    /// HMA's hash answer (`video_md5`, `vpdq`); `hma_lookup`'s HMA's lookup answer (`video_md5`
    /// and `vpdq`, each with its matches by bank name).
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// When failed: a stable code (`not_a_video`, `no_video_stream`, `video_too_long`, ...) and
    /// what it means.
    pub error: Option<JobErrorDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobErrorDto {
    pub code: String,
    pub message: String,
}

/// `202` with a job just recorded for a video on disk at `path`, and its status route in
/// `Location`; when it could not be recorded, the file is removed and the refusal answered.
pub(crate) async fn job_accepted(
    path: std::path::PathBuf,
    submitted: vigie_app::AppResult<vigie_store::JobRecord>,
) -> ApiResult<Response> {
    let job = match submitted {
        Ok(job) => job,
        Err(e) => {
            let _ = tokio::fs::remove_file(path).await;
            return Err(e.into());
        }
    };
    let location = format!("/api/v1/jobs/{}", job.id.as_str());
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(JobDto::from(job))).into_response())
}

impl From<vigie_store::JobRecord> for JobDto {
    fn from(j: vigie_store::JobRecord) -> Self {
        JobDto {
            id: j.id.as_str().to_owned(),
            kind: j.kind.as_str().to_owned(),
            state: j.state.as_str().to_owned(),
            created_at: t(j.created_at),
            started_at: j.started_at.map(t),
            finished_at: j.finished_at.map(t),
            result: j.result.and_then(|r| serde_json::from_str(&r).ok()),
            error: j.error_code.map(|code| JobErrorDto { code, message: j.error.unwrap_or_default() }),
        }
    }
}

/// A job of the caller's organisation (404 for any other): its state, and its answer once done.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "banks", params(("id" = String, Path)),
    responses((status = 200, body = JobDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_job(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<JobDto>> {
    Ok(Json(s.app.job(&p, &id).await?.into()))
}

/// Checks an upload against every bank the platform may use; answers at once with the matches,
/// the verdict, and the stay-down case it opened.
#[utoipa::path(post, path = "/api/v1/uploads/check", tag = "banks",
    request_body(content((UploadRequest = "application/json"), (Object = "multipart/form-data")),
        description = "JSON (an image as base64, or hashes), or multipart with a `meta` JSON part and a `media` file: a video (known by its first bytes) is checked as a job"),
    responses((status = 200, body = UploadCheckDto), (status = 202, body = JobDto, description = "a video: checked as a job, `Location` names its status route"), (status = 400, body = crate::error::Problem, description = "`invalid_base64`, `malformed_multipart`, `malformed_json`, `unknown_part`"), (status = 403, body = crate::error::Problem), (status = 413, body = crate::error::Problem, description = "`payload_too_large`"), (status = 415, body = crate::error::Problem, description = "`unsupported_media_type`"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `undecodable_image`"), (status = 503, body = crate::error::Problem, description = "`busy`: too many videos wait")),
    security(("bearer" = [])))]
pub async fn check_upload(State(s): State<AppState>, Auth(p): Auth, req: Request) -> ApiResult<Response> {
    let (r, media) = match upload_request(&s, &p, req).await? {
        Upload::Now(r, media) => (r, media),
        Upload::Video(r, file) => {
            let path = s.app.config().video.dir.join(&file);
            let submitted = s.app.submit_video_check(&p, r.url, r.content_id, r.uploader, file).await;
            return job_accepted(path, submitted).await;
        }
    };
    let input = UploadInput {
        url: r.url,
        content_id: r.content_id,
        uploader: r.uploader,
        media,
        pdq: r.pdq,
        pdq_quality: r.pdq_quality,
        pdq_pytx: r.pdq_pytx,
        pdq_pytx_quality: r.pdq_pytx_quality,
        md5: r.md5,
        sha256: r.sha256,
        dihedral: r.dihedral,
        pdq_variants: r.pdq_variants,
        links: r.links,
        text: r.text,
        vpdq: match r.vpdq {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s),
            Some(list @ serde_json::Value::Array(_)) => Some(list.to_string()),
            Some(_) => {
                return Err(ApiError::from(vigie_app::AppError::Invalid(vigie_model::Invalid::one(
                    "vpdq",
                    "invalid_hash",
                    "a vpdq signal is a string or a list of \"hex,quality,timestamp\" strings",
                ))));
            }
        },
        // A video's TMK is computed by its job, never sent in JSON.
        tmk: None,
    };
    Ok(Json(UploadCheckDto::from(s.app.check_upload(&p, input).await?)).into_response())
}
