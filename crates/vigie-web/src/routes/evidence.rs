//! The evidence vault (`docs/evidence.md`): preservation records, access with a reason, an
//! authority's requests, four-eyes exports, the chain of custody and the operator's rewrap.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_app::evidence::{CustodyLine, ExportInput, ExtensionInput, InstrumentInput, RecordView};
use vigie_store::{EvidenceExportRecord, EvidenceItem, EvidenceRecord, EvidenceRequestRecord};

use crate::AppState;
use crate::dto::ot;
use crate::error::ApiResult;
use crate::extract::{Auth, Body, Params};

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceRecordDto {
    pub id: String,
    pub case: String,
    pub platform: String,
    /// removal_order, specific_measure, national_preservation_order, european_preservation_order.
    pub basis: String,
    /// The legal basis the record states.
    pub legal_basis: String,
    /// review_and_investigation or criminal_proceedings.
    pub purpose: String,
    pub reference: Option<String>,
    pub issuing_authority: Option<String>,
    pub decision: Option<String>,
    pub preserved_at: String,
    pub preserved_until: String,
    pub extension_proceeding: Option<String>,
    pub extension_ends_at: Option<String>,
    pub expires_at: String,
    /// preserved or purged.
    pub state: String,
    pub purged_at: Option<String>,
    /// The id of the key-encryption key that wraps its data key (empty once purged).
    pub kek: String,
}

impl From<EvidenceRecord> for EvidenceRecordDto {
    fn from(r: EvidenceRecord) -> Self {
        EvidenceRecordDto {
            id: r.id.to_string(),
            case: r.case.to_string(),
            platform: r.org.to_string(),
            basis: r.basis.as_str().to_owned(),
            legal_basis: r.basis.legal_basis().to_owned(),
            purpose: r.purpose.as_str().to_owned(),
            reference: r.reference,
            issuing_authority: r.issuing_authority,
            decision: r.decision.map(|d| d.to_string()),
            preserved_at: r.preserved_at.to_rfc3339(),
            preserved_until: r.preserved_until.to_rfc3339(),
            extension_proceeding: r.extension_proceeding,
            extension_ends_at: ot(r.extension_ends_at),
            expires_at: r.expires_at.to_rfc3339(),
            state: r.state.as_str().to_owned(),
            purged_at: ot(r.purged_at),
            kek: r.kek,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceItemDto {
    pub sha256: String,
    pub size: i64,
    /// media or related_data.
    pub kind: String,
    pub name: String,
    /// The bytes, base64, when the record was opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
}

impl EvidenceItemDto {
    fn of(i: EvidenceItem, bytes: Option<&[u8]>) -> Self {
        EvidenceItemDto {
            sha256: i.sha256,
            size: i.size,
            kind: i.kind,
            name: i.name,
            content_base64: bytes.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceRequestDto {
    pub id: String,
    pub record: String,
    pub authority: String,
    pub requested_by: String,
    pub reference: String,
    pub requested_at: String,
    pub granted_by: Option<String>,
    pub granted_at: Option<String>,
}

impl From<EvidenceRequestRecord> for EvidenceRequestDto {
    fn from(q: EvidenceRequestRecord) -> Self {
        EvidenceRequestDto {
            id: q.id.to_string(),
            record: q.record.to_string(),
            authority: q.authority.to_string(),
            requested_by: q.requested_by.to_string(),
            reference: q.reference,
            requested_at: q.requested_at.to_rfc3339(),
            granted_by: q.granted_by.map(|u| u.to_string()),
            granted_at: ot(q.granted_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceRecordDetail {
    pub record: EvidenceRecordDto,
    pub items: Vec<EvidenceItemDto>,
    pub requests: Vec<EvidenceRequestDto>,
}

impl From<RecordView> for EvidenceRecordDetail {
    fn from(v: RecordView) -> Self {
        EvidenceRecordDetail {
            record: v.record.into(),
            items: v.items.into_iter().map(|i| EvidenceItemDto::of(i, None)).collect(),
            requests: v.requests.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceRecordList {
    pub records: Vec<EvidenceRecordDto>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvidenceQuery {
    /// Only the records of this case.
    pub case: Option<String>,
}

/// A platform's evidence custodians list its records, newest first.
#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence", params(EvidenceQuery),
    responses((status = 200, body = EvidenceRecordList), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<EvidenceQuery>,
) -> ApiResult<Json<EvidenceRecordList>> {
    let records = s.app.evidence_records(&p, q.case.as_deref()).await?;
    Ok(Json(EvidenceRecordList { records: records.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentRequest {
    #[schema(value_type = String, required = true, max_length = 40)]
    pub case: Option<String>,
    /// national_preservation_order or european_preservation_order.
    #[schema(value_type = String, required = true)]
    pub basis: Option<String>,
    /// The instrument's reference.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub reference: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub issuing_authority: Option<String>,
    /// When the instrument ends (RFC 3339); at most 60 days ahead for a European Preservation Order.
    #[schema(value_type = String, required = true)]
    pub ends_at: Option<String>,
}

/// A custodian records a preservation instrument for a case of its platform: the case's content
/// and related data are preserved until it ends.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "evidence", request_body = InstrumentRequest,
    responses((status = 201, body = EvidenceRecordDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn record_instrument(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<InstrumentRequest>,
) -> ApiResult<(StatusCode, Json<EvidenceRecordDto>)> {
    let input = InstrumentInput {
        case: req.case,
        basis: req.basis,
        reference: req.reference,
        issuing_authority: req.issuing_authority,
        ends_at: req.ends_at,
    };
    Ok((StatusCode::CREATED, Json(s.app.record_instrument(&p, input).await?.into())))
}

/// A record, its items (without their bytes) and its authorities' requests.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = EvidenceRecordDetail), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<EvidenceRecordDetail>> {
    Ok(Json(s.app.evidence_record(&p, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtendRequest {
    /// The review proceeding's reference.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub proceeding: Option<String>,
    #[schema(value_type = String, required = true)]
    pub ends_at: Option<String>,
}

/// TCO art. 6(2): a custodian extends an art. 6(1) record while a review of the removal proceeds.
#[utoipa::path(post, path = "/api/v1/evidence/{id}/extend", tag = "evidence", params(("id" = String, Path)),
    request_body = ExtendRequest,
    responses((status = 200, body = EvidenceRecordDto), (status = 409, body = crate::error::Problem, description = "`no_review_pending`, `not_extensible`, `extension_not_later`, `record_purged`")), security(("bearer" = [])))]
pub async fn extend(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<ExtendRequest>,
) -> ApiResult<Json<EvidenceRecordDto>> {
    let input = ExtensionInput { proceeding: req.proceeding, ends_at: req.ends_at };
    Ok(Json(s.app.extend_evidence(&p, &id, input).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    /// Why the record is opened (kept sealed in the log).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OpenedDto {
    pub record: EvidenceRecordDto,
    pub items: Vec<EvidenceItemDto>,
}

/// Opens a record's bytes with a reason: its platform's custodians, or an authority whose request
/// was granted. The access is logged (who, when, why, on what basis).
#[utoipa::path(post, path = "/api/v1/evidence/{id}/access", tag = "evidence", params(("id" = String, Path)),
    request_body = AccessRequest,
    responses((status = 200, body = OpenedDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`record_purged`")), security(("bearer" = [])))]
pub async fn access(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<AccessRequest>,
) -> ApiResult<Json<OpenedDto>> {
    let opened = s.app.access_evidence(&p, &id, req.reason.as_deref()).await?;
    Ok(Json(OpenedDto {
        record: opened.record.into(),
        items: opened.items.into_iter().map(|(i, b)| EvidenceItemDto::of(i, Some(&b))).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorityRequestBody {
    /// The reference of the authority's request (its file, its legal instrument).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub reference: Option<String>,
}

/// A competent authority asks to open a record of a case it reported.
#[utoipa::path(post, path = "/api/v1/evidence/{id}/requests", tag = "evidence", params(("id" = String, Path)),
    request_body = AuthorityRequestBody,
    responses((status = 201, body = EvidenceRequestDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn request_access(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<AuthorityRequestBody>,
) -> ApiResult<(StatusCode, Json<EvidenceRequestDto>)> {
    let q = s.app.request_evidence_access(&p, &id, req.reference.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(q.into())))
}

/// A custodian grants an authority's request.
#[utoipa::path(post, path = "/api/v1/evidence/requests/{id}/grant", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = EvidenceRequestDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`already_granted`")), security(("bearer" = [])))]
pub async fn grant(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<EvidenceRequestDto>> {
    Ok(Json(s.app.grant_evidence_request(&p, &id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustodyLineDto {
    pub at: String,
    pub user: Option<String>,
    pub org: Option<String>,
    pub action: String,
    pub basis: Option<String>,
    /// Why, while it is kept (erased with the personal data's retention).
    pub reason: Option<String>,
    /// The event that records it, by its sequence number.
    pub event_seq: i64,
}

impl From<CustodyLine> for CustodyLineDto {
    fn from(c: CustodyLine) -> Self {
        CustodyLineDto {
            at: c.line.at.to_rfc3339(),
            user: c.line.user.map(|u| u.to_string()),
            org: c.line.org.map(|o| o.to_string()),
            action: c.line.action,
            basis: c.line.basis.map(|b| b.as_str().to_owned()),
            reason: c.reason,
            event_seq: c.line.event_seq,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustodyLog {
    pub custody: Vec<CustodyLineDto>,
}

/// A record's chain of custody, oldest first.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/custody", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = CustodyLog), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn custody(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<CustodyLog>> {
    let lines = s.app.custody_log(&p, &id).await?;
    Ok(Json(CustodyLog { custody: lines.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDto {
    pub id: String,
    pub case: String,
    pub records: Vec<String>,
    /// The recipient's X25519 public key, hex.
    pub recipient: String,
    pub requested_by: String,
    pub requested_at: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<String>,
    pub bundle_sha256: Option<String>,
    pub exported_at: Option<String>,
}

impl From<EvidenceExportRecord> for ExportDto {
    fn from(x: EvidenceExportRecord) -> Self {
        ExportDto {
            id: x.id.to_string(),
            case: x.case.to_string(),
            records: x.records.iter().map(|r| r.to_string()).collect(),
            recipient: x.recipient,
            requested_by: x.requested_by.to_string(),
            requested_at: x.requested_at.to_rfc3339(),
            approved_by: x.approved_by.map(|u| u.to_string()),
            approved_at: ot(x.approved_at),
            bundle_sha256: x.bundle_sha256,
            exported_at: ot(x.exported_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportList {
    pub exports: Vec<ExportDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    #[schema(value_type = String, required = true, max_length = 40)]
    pub case: Option<String>,
    /// The recipient's X25519 public key: 64 hex digits.
    #[schema(value_type = String, required = true, pattern = "^[0-9a-fA-F]{64}$")]
    pub recipient: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 2000, pattern = r"\S")]
    pub reason: Option<String>,
}

/// A custodian asks to export a case's preserved records; another approves.
#[utoipa::path(post, path = "/api/v1/evidence/exports", tag = "evidence", request_body = ExportRequest,
    responses((status = 201, body = ExportDto), (status = 404, body = crate::error::Problem, description = "`not_found`: no such case, or nothing of it preserved"), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn request_export(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<ExportRequest>,
) -> ApiResult<(StatusCode, Json<ExportDto>)> {
    let input = ExportInput { case: req.case, recipient: req.recipient, reason: req.reason };
    Ok((StatusCode::CREATED, Json(s.app.request_export(&p, input).await?.into())))
}

/// A platform's exports, newest first.
#[utoipa::path(get, path = "/api/v1/evidence/exports", tag = "evidence",
    responses((status = 200, body = ExportList), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn exports(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<ExportList>> {
    let list = s.app.evidence_exports(&p).await?;
    Ok(Json(ExportList { exports: list.into_iter().map(Into::into).collect() }))
}

/// Another custodian approves an export (four eyes: never the one who requested it).
#[utoipa::path(post, path = "/api/v1/evidence/exports/{id}/approve", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = ExportDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`four_eyes`, `already_approved`")), security(("bearer" = [])))]
pub async fn approve(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<ExportDto>> {
    Ok(Json(s.app.approve_export(&p, &id).await?.into()))
}

/// An approved export's bundle, encrypted to its recipient (`docs/evidence.md`); writing it is
/// logged as an access of each record.
#[utoipa::path(get, path = "/api/v1/evidence/exports/{id}/bundle", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/json", description = "the bundle (vigie-evidence-bundle/1)"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`export_not_approved`, `record_purged`")), security(("bearer" = [])))]
pub async fn bundle(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<impl IntoResponse> {
    let bytes = s.app.export_bundle(&p, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RewrapDto {
    /// How many records' data keys were wrapped again.
    pub records: u64,
    /// The newest key-encryption key's id, which now wraps every record.
    pub kek: String,
}

/// The operator rewraps every record's data key with the newest key-encryption key, reading the
/// configured keys again. Administrators.
#[utoipa::path(post, path = "/api/v1/evidence/rewrap", tag = "evidence",
    responses((status = 200, body = RewrapDto), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn rewrap(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<RewrapDto>> {
    let (records, kek) = s.app.rewrap_evidence(&p).await?;
    Ok(Json(RewrapDto { records, kek }))
}
