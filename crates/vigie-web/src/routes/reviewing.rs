//! Claims, media attached to cases, and passwords: the API side of what the console uses.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_store::{ClaimRecord, MediaRecord};

use crate::AppState;
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Body};
use crate::routes::media::unreadable;

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimDto {
    pub case: String,
    pub user: String,
    pub claimed_at: String,
    pub lease_until: String,
}

impl From<ClaimRecord> for ClaimDto {
    fn from(c: ClaimRecord) -> Self {
        ClaimDto {
            case: c.case.as_str().to_owned(),
            user: c.user.as_str().to_owned(),
            claimed_at: c.claimed_at.to_rfc3339(),
            lease_until: c.lease_until.to_rfc3339(),
        }
    }
}

/// A platform's moderator claims a case for ten minutes, or renews their claim.
#[utoipa::path(post, path = "/api/v1/cases/{id}/claim", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = ClaimDto), (status = 409, body = crate::error::Problem, description = "`already_decided`, `claimed_by_another`")), security(("bearer" = [])))]
pub async fn claim(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<ClaimDto>> {
    Ok(Json(s.app.claim_case(&p, &id).await?.into()))
}

/// Takes a case over from the moderator whose claim holds it (recorded as `case.taken_over`);
/// without another's live claim, this is an ordinary claim.
#[utoipa::path(post, path = "/api/v1/cases/{id}/takeover", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = ClaimDto), (status = 409, body = crate::error::Problem, description = "`already_decided`")), security(("bearer" = [])))]
pub async fn take_over(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<ClaimDto>> {
    Ok(Json(s.app.take_over_case(&p, &id).await?.into()))
}

/// Gives a claimed case back.
#[utoipa::path(post, path = "/api/v1/cases/{id}/release", tag = "platform", params(("id" = String, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem, description = "`claimed_by_another`")), security(("bearer" = [])))]
pub async fn release(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.app.release_case(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaDto {
    pub id: String,
    pub case: String,
    pub sha256: String,
    pub size: i64,
    /// Found by decoding the bytes: `png`, `jpeg`, `gif`, `webp`, `bmp`, `tiff` or `unsupported`.
    pub format: String,
    pub pdq: Option<String>,
    pub quality: Option<i64>,
    pub preview: bool,
    pub note: String,
    /// Bank entries the image matched: `{bank, bank_name, entry, distance}`.
    #[schema(value_type = Vec<Object>)]
    pub matches: serde_json::Value,
    pub created_at: String,
    /// False for a stay-down video larger than the case media limit: kept by its storyboard,
    /// hashes and timeline, without the video itself.
    pub original_kept: bool,
}

impl From<MediaRecord> for MediaDto {
    fn from(m: MediaRecord) -> Self {
        MediaDto {
            id: m.id.as_str().to_owned(),
            case: m.case.as_str().to_owned(),
            sha256: m.sha256,
            size: m.size,
            format: m.format,
            pdq: m.pdq,
            quality: m.quality,
            preview: m.preview.is_some(),
            note: m.note,
            matches: serde_json::from_str(&m.matches).unwrap_or_default(),
            created_at: m.created_at.to_rfc3339(),
            original_kept: m.original_kept,
        }
    }
}

/// Attaches media to a case (the raw request body): the case's platform or an organisation that
/// reported it. Images are PDQ-hashed, matched against the banks and previewed blurred; videos
/// (told from their first bytes) are decoded in the FFmpeg sandbox, matched by vPDQ and given a
/// blurred storyboard of their matched frames; anything else is kept as sent and never rendered.
#[utoipa::path(post, path = "/api/v1/cases/{id}/media", tag = "platform", params(("id" = String, Path)),
    request_body(content_type = "application/octet-stream"),
    responses((status = 201, body = MediaDto), (status = 400, body = crate::error::Problem, description = "`no_file`"), (status = 413, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn attach_media(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<MediaDto>)> {
    let body = body.map_err(|e| unreadable(e.status(), e.body_text()))?;
    if body.is_empty() {
        return Err(ApiError::new(Code::NoFile, "send the media as the request body"));
    }
    let m = s.app.attach_media(&p, &id, body.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MediaList {
    pub media: Vec<MediaDto>,
}

/// The media of a case (never the bytes: the console shows them blurred until revealed).
#[utoipa::path(get, path = "/api/v1/cases/{id}/media", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = MediaList)), security(("bearer" = [])))]
pub async fn list_media(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<MediaList>> {
    let media = s.app.case_media(&p, &id).await?.into_iter().map(MediaDto::from).collect();
    Ok(Json(MediaList { media }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    #[schema(value_type = String, required = true, pattern = r"^\s*[a-z0-9._@-]{3,64}\s*$")]
    pub login: Option<String>,
    #[schema(value_type = String, required = true, min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

/// Sets a person's console login and password (an administrator, or the person).
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "admin", params(("id" = String, Path)),
    request_body = PasswordRequest, responses((status = 409, body = crate::error::Problem, description = "`login_taken`"), (status = 204), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn set_password(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<PasswordRequest>,
) -> ApiResult<StatusCode> {
    s.app.set_password(&p, &id, req.login.as_deref().unwrap_or_default(), req.password.unwrap_or_default()).await?;
    Ok(StatusCode::NO_CONTENT)
}
