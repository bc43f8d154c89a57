//! TMK+PDQF files in banks: binary `.tmk` files on their own endpoints, as NCMEC's API moves
//! binary hashes, never inside JSON. One file per request: added to a bank
//! (`POST /api/v1/banks/{id}/tmk`), given back (`GET /api/v1/banks/{id}/tmk/{entry}`), looked up
//! (`POST /api/v1/banks/tmk/lookup`). A `tmk` entry is listed with the other entries, its
//! `value` being the SHA-256 of its file.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_app::banks::NewEntry;
use vigie_model::BankId;
use vigie_model::bank::Access;

use super::banks::{EntryDto, MatchedBankDto, matched_bank};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Params};

/// The body limit of the routes that take a `.tmk` file: the one size a bank holds, and a
/// little more so that a longer file is refused as `tmk_wrong_length` rather than cut off.
pub const MAX_TMK_BODY: usize = vigie_app::banks::tmk::TMK_FILE_BYTES + 4096;

/// The body of a `.tmk` request: `application/octet-stream` (or no type), within the limit.
fn tmk_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let essence = ct.to_str().unwrap_or_default().split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        if essence != "application/octet-stream" {
            return Err(ApiError::new(
                Code::UnsupportedMediaType,
                "a .tmk file is sent as its bytes, with the type application/octet-stream",
            ));
        }
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                Code::PayloadTooLarge,
                format!("a .tmk file is {} bytes", vigie_app::banks::tmk::TMK_FILE_BYTES),
            )
        } else {
            ApiError::new(Code::UnreadableBody, e.body_text())
        }
    })?;
    if body.is_empty() {
        return Err(ApiError::new(Code::NoFile, "the body is empty: send the .tmk file's bytes"));
    }
    Ok(body)
}

/// What a curator says about a `.tmk` file it adds (query parameters: the body is the file).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TmkEntryParams {
    #[param(max_length = 2000)]
    pub note: Option<String>,
    #[param(max_length = 500)]
    pub content_id: Option<String>,
    #[param(max_length = 2000)]
    pub content_uri: Option<String>,
    /// The case whose decision put this video in the bank.
    pub case: Option<String>,
}

/// Adds one `.tmk` file (TMK+PDQF of a video, 263,344 bytes, the reference's parameters) to a
/// bank: 201 with the `tmk` entry (its `value` is the file's SHA-256), or 200 with the existing
/// one when the bank holds this file already. A file that is not exactly a `.tmk` of the
/// reference's parameters is a 422 naming the rule it broke in `errors[].code`:
/// `tmk_not_a_tmk_file`, `tmk_unknown_algorithm`, `tmk_bad_header`, `tmk_wrong_length`,
/// `tmk_not_finite` or `tmk_not_standard`.
#[utoipa::path(post, path = "/api/v1/banks/{id}/tmk", tag = "banks", params(("id" = String, Path), TmkEntryParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "One `.tmk` file"),
    responses((status = 201, body = EntryDto), (status = 200, body = EntryDto),
        (status = 413, body = crate::error::Problem, description = "`payload_too_large`"),
        (status = 415, body = crate::error::Problem, description = "`unsupported_media_type`"),
        (status = 400, body = crate::error::Problem, description = "`no_file`: the body is empty; `unreadable_body`: the body could not be read"),
        (status = 422, body = crate::error::Problem, description = "`validation_failed`: the file breaks a rule, named by its error's code: `tmk_not_a_tmk_file`, `tmk_unknown_algorithm`, `tmk_bad_header`, `tmk_wrong_length`, `tmk_not_finite`, `tmk_not_standard`; or `note`, `content_id`, `content_uri`: `too_long`, `formula_like`")),
    security(("bearer" = [])))]
pub async fn add_tmk(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Params(q): Params<TmkEntryParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<EntryDto>)> {
    let body = tmk_body(&headers, body)?;
    let meta = NewEntry {
        note: q.note,
        content_id: q.content_id,
        content_uri: q.content_uri,
        case: q.case,
        ..NewEntry::default()
    };
    let added = s.app.add_tmk(&p, &id, &body, meta, "api").await?;
    let status = if added.duplicate { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(EntryDto::new(added.entry, Access::Curate, Vec::new(), s.app.now()))))
}

/// A `tmk` entry's `.tmk` file, as it was added: for the bank's owner and co-curators.
#[utoipa::path(get, path = "/api/v1/banks/{id}/tmk/{entry}", tag = "banks", params(("id" = String, Path), ("entry" = i64, Path)),
    responses((status = 200, description = "The `.tmk` file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn get_tmk(
    State(s): State<AppState>,
    Auth(p): Auth,
    path: Result<Path<(String, i64)>, PathRejection>,
) -> ApiResult<Response> {
    // An entry id that is no number (or past i64) names no entry, as for the other entry routes.
    let Path((id, entry)) = path.map_err(|_| ApiError::not_found("entry"))?;
    let (e, bytes) = s.app.tmk_file(&p, &id, entry).await?;
    let disposition = format!("attachment; filename=\"{}.tmk\"", e.value);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::ETAG, format!("\"{}\"", e.value)),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TmkLookupParams {
    /// Only these banks (ids, comma-separated; a bank the organisation may not use is not
    /// searched); by default every bank the organisation may use.
    pub banks: Option<String>,
    /// Search disabled entries too (never quarantined or removed ones).
    pub include_disabled: Option<bool>,
}

/// A banked video whose TMK+PDQF matches the query's under its bank's thresholds.
#[derive(Debug, Serialize, ToSchema)]
pub struct TmkMatchDto {
    pub bank: MatchedBankDto,
    pub entry: i64,
    /// `tmk`.
    pub signal_type: String,
    /// The cosine of the two videos' pure averages (level 1), -1 to 1.
    pub level1: f32,
    /// Their best time alignment (level 2), at most 1.
    pub level2: f32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TmkLookupDto {
    /// Best level 2 first.
    pub matches: Vec<TmkMatchDto>,
}

/// Looks one `.tmk` file up in the banks the organisation may use: level 1 over every banked
/// video, level 2 on those past their bank's level-1 threshold, each kept when it reaches its
/// bank's level-2 threshold. Nothing is recorded; an upload check is `/api/v1/uploads/check`.
#[utoipa::path(post, path = "/api/v1/banks/tmk/lookup", tag = "banks", params(TmkLookupParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "One `.tmk` file"),
    responses((status = 200, body = TmkLookupDto),
        (status = 413, body = crate::error::Problem, description = "`payload_too_large`"),
        (status = 415, body = crate::error::Problem, description = "`unsupported_media_type`"),
        (status = 400, body = crate::error::Problem, description = "`no_file`: the body is empty; `unreadable_body`: the body could not be read"),
        (status = 422, body = crate::error::Problem, description = "`validation_failed`: the file breaks a rule, named by its error's code: `tmk_not_a_tmk_file`, `tmk_unknown_algorithm`, `tmk_bad_header`, `tmk_wrong_length`, `tmk_not_finite`, `tmk_not_standard`; or a query parameter, named in its error's `field`")),
    security(("bearer" = [])))]
pub async fn lookup_tmk(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<TmkLookupParams>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<TmkLookupDto>> {
    let body = tmk_body(&headers, body)?;
    let only = match q.banks.as_deref().filter(|b| !b.trim().is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.split(',')
                .map(|b| {
                    BankId::parse(b.trim())
                        .ok_or_else(|| ApiError::new(Code::InvalidQuery, format!("banks: {b:?} is not a bank id")))
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
    };
    let query = vigie_app::banks::tmk::read_file(&body)?;
    let hits = s.app.lookup_tmk(&p, &query, only.as_deref(), q.include_disabled.unwrap_or(false)).await?;
    Ok(Json(TmkLookupDto {
        matches: hits
            .iter()
            .map(|h| TmkMatchDto {
                bank: matched_bank(h),
                entry: h.entry,
                signal_type: h.signal_type.as_str().to_owned(),
                level1: h.tmk.map_or(0.0, |t| t.level1),
                level2: h.tmk.map_or(0.0, |t| t.level2),
            })
            .collect(),
    }))
}
