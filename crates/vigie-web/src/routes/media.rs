//! Hashing: HMA's `/h/hash` (same request and answer shapes, Vigie's bearer tokens) and
//! Vigie's own `/api/v1/hash`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_app::media::{HashRequest, PDQ_MATCH_THRESHOLD};
use vigie_model::bank::JobKind;

use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Body, Params};
use crate::routes::banks::JobDto;

/// HMA's answer: one key per signal type. `pdq` is empty when the quality is below 50, as HMA's.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct HmaHashDto {
    /// What the eye sees (palette colours, CMYK converted, transparency over white); the same as
    /// HMA's wherever python-threatexchange's convention agrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq: Option<String>,
    /// Vigie's addition: python-threatexchange's (so HMA's) hash of the same photo, present when
    /// its convention gives another hash (palette indices, clipped 16-bit grey, CMYK taken as
    /// RGB...) of quality 50 or more.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_pytx: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video_md5: Option<String>,
}

/// A body that is not a multipart form: 400 `malformed_multipart`.
pub(crate) fn not_multipart(r: MultipartRejection) -> ApiError {
    ApiError::new(Code::MalformedMultipart, format!("send a multipart/form-data body ({})", r.body_text()))
}

/// A body that could not be read: too large (413, `payload_too_large`) or broken.
pub(crate) fn unreadable(status: StatusCode, detail: String) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(Code::PayloadTooLarge, "the upload is larger than the hashing limit")
    } else {
        ApiError::new(Code::MalformedMultipart, detail)
    }
}

async fn hma_answer(
    s: &AppState,
    p: &vigie_model::Principal,
    content_type: &str,
    bytes: Vec<u8>,
) -> ApiResult<HmaHashDto> {
    match content_type {
        "photo" => {
            let h = s.app.hash_image(p, bytes, HashRequest::default()).await?;
            let pdq = if h.pdq.is_reliable() { h.pdq.hash.to_string() } else { String::new() };
            let pdq_pytx = h.pdq_pytx.filter(|p| p.is_reliable()).map(|p| p.hash.to_string());
            Ok(HmaHashDto { pdq: Some(pdq), pdq_pytx, video_md5: None })
        }
        "video" => {
            let md5 = s.app.md5_of(&bytes);
            Ok(HmaHashDto { pdq: None, pdq_pytx: None, video_md5: Some(md5) })
        }
        other => Err(ApiError::new(Code::UnknownContentType, format!("content type {other:?}: use photo or video"))),
    }
}

/// The one file of an HMA multipart request: a photo in memory, or a video streamed to the jobs
/// directory (its name there).
pub(crate) enum HmaFile {
    Photo(Vec<u8>),
    Video(String),
}

/// Reads HMA's multipart form: exactly one file, its field named after its content type
/// (`photo` or `video`). A `video` is streamed to disk under the video size limit once the caller
/// may send a job of `kind` and the queue has room (checked before it is read); anything else is
/// held in memory under the hashing limit. With `every_field_is_file` (`/h/hash`) every field is
/// the file; otherwise (`/m/lookup`) fields without a file name other than `photo` and `video` are
/// read (within the hashing limit) and ignored. A video already on disk is removed if the form
/// then fails.
pub(crate) async fn read_hma_file(
    s: &AppState,
    p: &vigie_model::Principal,
    form: Result<Multipart, MultipartRejection>,
    kind: JobKind,
    every_field_is_file: bool,
) -> ApiResult<HmaFile> {
    let mut form = form.map_err(not_multipart)?;
    let mut video: Option<String> = None;
    let result = async {
        let mut file: Option<HmaFile> = None;
        let limit = s.app.config().hash_limits.max_bytes;
        while let Some(mut field) = form.next_field().await.map_err(|e| unreadable(e.status(), e.body_text()))? {
            let name = field.name().unwrap_or_default().to_owned();
            let is_file =
                every_field_is_file || field.file_name().is_some() || matches!(name.as_str(), "photo" | "video");
            if is_file && file.is_some() {
                return Err(ApiError::new(Code::OneFileOnly, "send exactly one file"));
            }
            if is_file && name == "video" {
                s.app.admit_video_job(p, kind).await?;
                let name = crate::routes::banks::stream_video(s, &mut field, Vec::new()).await?;
                video = Some(name.clone());
                file = Some(HmaFile::Video(name));
                continue;
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(e.status(), e.body_text()))? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > limit {
                    return Err(ApiError::new(Code::PayloadTooLarge, "the upload is larger than the hashing limit"));
                }
            }
            if !is_file {
                continue;
            }
            if name != "photo" {
                return Err(ApiError::new(
                    Code::UnknownContentType,
                    format!("content type {name:?}: use photo or video"),
                ));
            }
            file = Some(HmaFile::Photo(bytes));
        }
        file.ok_or_else(|| ApiError::new(Code::NoFile, "send one file, in a field named photo or video"))
    }
    .await;
    if result.is_err()
        && let Some(name) = video
        && let Ok(dir) = s.app.jobs_dir()
    {
        let _ = tokio::fs::remove_file(dir.join(name)).await;
    }
    result
}

/// Records an HMA job for a video on disk and answers `202` with it and its status route in
/// `Location`; the file is removed if the job cannot be recorded.
pub(crate) async fn hma_job(
    s: &AppState,
    p: &vigie_model::Principal,
    kind: JobKind,
    banks: Option<Vec<vigie_model::BankId>>,
    coin: Option<f64>,
    file: String,
) -> ApiResult<Response> {
    let path = s.app.config().video.dir.join(&file);
    super::banks::job_accepted(path, s.app.submit_hma_video(p, kind, banks, coin, file).await).await
}

/// HMA-compatible: exactly one file, its field named after its content type (`photo=@x.jpg`). A
/// photo is hashed at once (200); a `video` is streamed to disk and hashed as a job: `202` with
/// the job and its status route in `Location`, whose `result` is then HMA's answer,
/// `{"video_md5", "vpdq"}`.
#[utoipa::path(post, path = "/h/hash", tag = "hma", request_body(content_type = "multipart/form-data"),
    responses((status = 200, body = HmaHashDto), (status = 202, body = JobDto, description = "a video: hashed as a job, `Location` names its status route"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `undecodable_image`"), (status = 400, body = crate::error::Problem, description = "`no_file`, `one_file_only`, `unknown_content_type`, `malformed_multipart`"), (status = 403, body = crate::error::Problem, description = "a video, without a role that works with banks"), (status = 413, body = crate::error::Problem), (status = 503, body = crate::error::Problem, description = "`busy`: too many videos wait")),
    security(("bearer" = [])))]
pub async fn hma_hash_upload(
    State(s): State<AppState>,
    Auth(p): Auth,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    match read_hma_file(&s, &p, form, JobKind::HmaHash, true).await? {
        HmaFile::Photo(bytes) => Ok(Json(hma_answer(&s, &p, "photo", bytes).await?).into_response()),
        HmaFile::Video(file) => hma_job(&s, &p, JobKind::HmaHash, None, None, file).await,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HmaUrlQuery {
    /// Media to fetch; only from hosts the operator allow-listed (`VIGIE_HASH_FETCH_ALLOW`).
    pub url: String,
    /// photo (default) or video.
    pub content_type: Option<String>,
}

/// HMA-compatible: hash media at a URL. Vigie fetches only from allow-listed hosts.
#[utoipa::path(get, path = "/h/hash", tag = "hma", params(HmaUrlQuery),
    responses((status = 200, body = HmaHashDto), (status = 413, body = crate::error::Problem, description = "`payload_too_large`"), (status = 502, body = crate::error::Problem, description = "`fetch_failed`"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `malformed_url`, `undecodable_image`, `egress_refused`"), (status = 400, body = crate::error::Problem, description = "`unknown_content_type`"), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn hma_hash_url(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<HmaUrlQuery>,
) -> ApiResult<Json<HmaHashDto>> {
    let bytes = s.app.fetch_media(&p, &q.url).await?;
    Ok(Json(hma_answer(&s, &p, q.content_type.as_deref().unwrap_or("photo"), bytes).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HashQuery {
    /// Also return the eight dihedral hashes.
    #[serde(default)]
    pub dihedral: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HashDto {
    /// PDQ of what the eye sees: palette entries as their colours, CMYK and YCCK converted to
    /// RGB, 16-bit samples by their high byte, transparency over white.
    pub pdq: String,
    /// 0 to 100; below 50 the hash is unreliable.
    pub quality: u8,
    pub unreliable: bool,
    /// python-threatexchange's (and so HMA's) PDQ of the same file, present exactly when it
    /// differs from `pdq` (palette indices, 16-bit grey clipped, 1-bit as 0 and 1, C, M and Y
    /// taken as R, G and B, alpha ignored). When absent, `pdq` is also pytx's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_pytx: Option<String>,
    /// `pdq_pytx`'s quality, with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdq_pytx_quality: Option<u8>,
    pub md5: String,
    pub sha256: String,
    pub width: usize,
    pub height: usize,
    pub format: String,
    /// original, rotate90, rotate180, rotate270, flip_x, flip_y, flip_plus1, flip_minus1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dihedral: Option<Vec<String>>,
}

/// The image is the raw request body.
#[utoipa::path(post, path = "/api/v1/hash", tag = "media", params(HashQuery), request_body(content_type = "application/octet-stream"),
    responses((status = 200, body = HashDto), (status = 400, body = crate::error::Problem, description = "`no_file`"), (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `undecodable_image`")),
    security(("bearer" = [])))]
pub async fn hash(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<HashQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<HashDto>> {
    let body = body.map_err(|e| unreadable(e.status(), e.body_text()))?;
    if body.is_empty() {
        return Err(ApiError::new(Code::NoFile, "send the image as the request body"));
    }
    let h = s.app.hash_image(&p, body.to_vec(), HashRequest { dihedral: q.dihedral }).await?;
    Ok(Json(HashDto {
        pdq: h.pdq.hash.to_string(),
        quality: h.pdq.quality,
        unreliable: !h.pdq.is_reliable(),
        pdq_pytx: h.pdq_pytx.map(|p| p.hash.to_string()),
        pdq_pytx_quality: h.pdq_pytx.map(|p| p.quality),
        md5: h.md5,
        sha256: h.sha256,
        width: h.width,
        height: h.height,
        format: h.format.as_str().to_owned(),
        dihedral: h.dihedral.map(|d| d.iter().map(|x| x.to_string()).collect()),
    }))
}

/// HMA-compatible: compares two hashes per signal type, e.g. `{"pdq": ["<hex>", "<hex>"]}`; the
/// answer is `{"pdq": [<match within 31>, {"distance": d}]}`, as HMA's. Only `pdq` is known.
#[utoipa::path(post, path = "/m/compare", tag = "hma", request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = crate::error::Problem, description = "`unknown_signal_type`, `two_hashes`"), (status = 422, body = crate::error::Problem, description = "`validation_failed`, `invalid_hash`")),
    security(("bearer" = [])))]
pub async fn hma_compare(
    Auth(_): Auth,
    Body(req): Body<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<serde_json::Value>> {
    let mut out = serde_json::Map::new();
    for (signal_type, pair) in req {
        if signal_type != "pdq" {
            return Err(ApiError::new(Code::UnknownSignalType, format!("{signal_type:?}: only pdq is compared")));
        }
        let distance = match pair.as_array().map(Vec::as_slice) {
            Some([a, b]) => match (a.as_str(), b.as_str()) {
                (Some(a), Some(b)) => vigie_app::media::pdq_distance(a, b)?,
                _ => return Err(ApiError::new(Code::TwoHashes, "give exactly two hashes, as strings")),
            },
            _ => return Err(ApiError::new(Code::TwoHashes, "give exactly two hashes to compare")),
        };
        out.insert(signal_type, serde_json::json!([distance <= PDQ_MATCH_THRESHOLD, { "distance": distance }]));
    }
    Ok(Json(serde_json::Value::Object(out)))
}
