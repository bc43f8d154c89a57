//! Statements of reasons: a platform's connection to the DSA Transparency Database, and where
//! each decision's statement stands.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_app::statements::TdbInput;
use vigie_store::{SorSubmissionRecord, TdbSettingsRecord};

use crate::AppState;
use crate::dto::{ot, t};
use crate::error::ApiResult;
use crate::extract::{Auth, Body};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TdbRequest {
    /// The database's API base, e.g. `https://transparency.dsa.ec.europa.eu/api/v1`.
    #[schema(value_type = String, required = true, max_length = 500, pattern = r"^https://")]
    pub base_url: Option<String>,
    /// The platform's API token for the database (never shown back).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = r"\S")]
    pub token: Option<String>,
    /// Also submit decisions that answer removal orders (as other notifications); default false.
    pub include_orders: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TdbDto {
    pub base_url: String,
    pub include_orders: bool,
    pub updated_at: String,
}

impl From<TdbSettingsRecord> for TdbDto {
    fn from(r: TdbSettingsRecord) -> Self {
        TdbDto { base_url: r.base_url, include_orders: r.include_orders, updated_at: t(r.updated_at) }
    }
}

/// A platform's integrator connects it to the Transparency Database; pending statements then go
/// out in batches.
#[utoipa::path(put, path = "/api/v1/transparency-database", tag = "statements", request_body = TdbRequest,
    responses((status = 200, body = TdbDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn set_tdb(State(s): State<AppState>, Auth(p): Auth, Body(req): Body<TdbRequest>) -> ApiResult<Json<TdbDto>> {
    let input = TdbInput { base_url: req.base_url, token: req.token, include_orders: req.include_orders };
    Ok(Json(s.app.set_transparency_database(&p, input).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/transparency-database", tag = "statements",
    responses((status = 200, body = TdbDto), (status = 404, body = crate::error::Problem, description = "`not_found`")), security(("bearer" = [])))]
pub async fn get_tdb(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<TdbDto>> {
    let found = s.app.transparency_database(&p).await?;
    Ok(Json(found.ok_or(vigie_app::AppError::NotFound("connection"))?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionDto {
    /// The decision, which is the statement's `puid`.
    pub decision: String,
    /// pending, submitted, rejected or skipped.
    pub state: String,
    pub attempts: u32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    /// The database's id for the statement.
    pub uuid: Option<String>,
    pub submitted_at: Option<String>,
}

impl From<SorSubmissionRecord> for SubmissionDto {
    fn from(r: SorSubmissionRecord) -> Self {
        SubmissionDto {
            decision: r.decision.to_string(),
            state: r.state.as_str().to_owned(),
            attempts: r.attempts,
            next_attempt_at: t(r.next_attempt_at),
            last_error: r.last_error,
            uuid: r.tdb_uuid,
            submitted_at: ot(r.submitted_at),
        }
    }
}

/// Where a decision's statement of reasons stands, for its platform.
#[utoipa::path(get, path = "/api/v1/statements/{decision}", tag = "statements", params(("decision" = String, Path)),
    responses((status = 200, body = SubmissionDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn submission(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(decision): Path<String>,
) -> ApiResult<Json<SubmissionDto>> {
    Ok(Json(s.app.statement_submission(&p, &decision).await?.into()))
}
