//! The verifiable log (`docs/log.md`): its key, its signed checkpoints, and inclusion and
//! consistency proofs. Any organisation may read them: they hold hashes, sizes and signatures.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_store::CheckpointRecord;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Params, in_range};

#[derive(Debug, Serialize, ToSchema)]
pub struct LogKeyDto {
    /// The log's origin: the first line of its checkpoints, and its key's name.
    pub origin: String,
    /// The key that signs its checkpoints, in the note verifier key form
    /// (`<origin>+<key id>+<base64>`).
    pub verifier_key: String,
}

#[utoipa::path(get, path = "/api/v1/log/key", tag = "log", responses((status = 200, body = LogKeyDto)), security(("bearer" = [])))]
pub async fn key(State(s): State<AppState>, Auth(_p): Auth) -> ApiResult<Json<LogKeyDto>> {
    let key = s.app.log_verifier().ok_or_else(|| ApiError::not_found("log key"))?;
    Ok(Json(LogKeyDto { origin: key.name().to_owned(), verifier_key: key.encode() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointDto {
    pub origin: String,
    pub size: u64,
    /// The tree's root hash, base64.
    pub root: String,
    /// When the log signed it (RFC 3339).
    pub signed_at: String,
    /// The signed note (C2SP `tlog-checkpoint`), with its witnesses' cosignatures.
    pub note: String,
}

impl From<CheckpointRecord> for CheckpointDto {
    fn from(c: CheckpointRecord) -> Self {
        CheckpointDto {
            origin: c.origin,
            size: c.size,
            root: vigie_app::tlog::b64(&c.root),
            signed_at: c.signed_at.to_rfc3339(),
            note: c.note,
        }
    }
}

/// The latest checkpoint as a signed note (`text/plain`), as transparency tools read it.
#[utoipa::path(get, path = "/api/v1/log/checkpoint", tag = "log",
    responses((status = 200, description = "The latest signed checkpoint with its cosignatures", content_type = "text/plain", body = String), (status = 404, body = crate::error::Problem, description = "`not_found`: no checkpoint signed yet")),
    security(("bearer" = [])))]
pub async fn checkpoint(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Response> {
    let c = s.app.latest_checkpoint(&p).await?.ok_or_else(|| ApiError::not_found("checkpoint"))?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], c.note).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointsQuery {
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointList {
    /// Newest first.
    pub checkpoints: Vec<CheckpointDto>,
}

#[utoipa::path(get, path = "/api/v1/log/checkpoints", tag = "log", params(CheckpointsQuery), responses((status = 200, body = CheckpointList)), security(("bearer" = [])))]
pub async fn list_checkpoints(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<CheckpointsQuery>,
) -> ApiResult<Json<CheckpointList>> {
    let limit = in_range("limit", q.limit, 100, (1, 1000))?;
    let list = s.app.checkpoints(&p, limit).await?;
    Ok(Json(CheckpointList { checkpoints: list.into_iter().map(Into::into).collect() }))
}

/// Administrators and overseers: sign a checkpoint of the log now (and send it to the witnesses).
#[utoipa::path(post, path = "/api/v1/log/checkpoints", tag = "log", responses((status = 201, body = CheckpointDto), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn sign_checkpoint(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<(StatusCode, Json<CheckpointDto>)> {
    Ok((StatusCode::CREATED, Json(s.app.checkpoint_on_demand(&p).await?.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The event's sequence number (its leaf is `seq − 1`).
    #[param(minimum = 1)]
    pub seq: Option<i64>,
    /// The tree size to prove against (a checkpoint's); default: the tree now.
    #[param(minimum = 1)]
    pub size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionDto {
    pub seq: i64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// RFC 9162's leaf hash, base64.
    pub leaf_hash: String,
    /// Sibling hashes from the leaf up, base64.
    pub hashes: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/log/proof/inclusion", tag = "log", params(InclusionQuery), responses((status = 200, body = InclusionDto), (status = 404, body = crate::error::Problem, description = "`not_found`")), security(("bearer" = [])))]
pub async fn inclusion(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<InclusionQuery>,
) -> ApiResult<Json<InclusionDto>> {
    let seq = in_range("seq", q.seq, 0, (1, i64::MAX))?;
    let size = q.size.map(|n| in_range("size", Some(n), 1, (1, u64::MAX))).transpose()?;
    let pr = s.app.log_inclusion(&p, seq, size).await?;
    Ok(Json(InclusionDto {
        seq: pr.seq,
        leaf_index: pr.leaf_index,
        tree_size: pr.tree_size,
        leaf_hash: pr.leaf_hash,
        hashes: pr.hashes,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The older tree size.
    #[param(minimum = 0)]
    pub from: Option<u64>,
    /// The newer tree size; default: the tree now.
    #[param(minimum = 0)]
    pub to: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyDto {
    pub from_size: u64,
    pub to_size: u64,
    /// RFC 9162's consistency proof, base64.
    pub hashes: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/log/proof/consistency", tag = "log", params(ConsistencyQuery), responses((status = 200, body = ConsistencyDto), (status = 404, body = crate::error::Problem, description = "`not_found`")), security(("bearer" = [])))]
pub async fn consistency(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<ConsistencyQuery>,
) -> ApiResult<Json<ConsistencyDto>> {
    let from = in_range("from", q.from, 0, (0, u64::MAX))?;
    let to = match q.to {
        Some(to) => to,
        None => s.app.log_size(&p).await?,
    };
    let pr = s.app.log_consistency(&p, from, to).await?;
    Ok(Json(ConsistencyDto { from_size: pr.from_size, to_size: pr.to_size, hashes: pr.hashes }))
}
