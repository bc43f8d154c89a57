//! The platform's side: inbox, cases, decisions, order answers, webhooks; and the hub's parking.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_model::decision::RawDecision;
use vigie_model::{CaseId, Timestamp};
use vigie_store::InboxCursor;

use crate::AppState;
use crate::dto::{CaseDetailDto, CaseDto, DecisionDto, OrderDto};
use crate::error::{ApiError, ApiResult, Code};
use crate::extract::{Auth, Body, Params, in_range};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxDto {
    /// Deadline first, then priority, then id.
    pub cases: Vec<CaseDto>,
    /// Absent on the last page.
    pub next_cursor: Option<String>,
}

fn encode_cursor(c: &InboxCursor) -> String {
    let due = c.due_at.map_or("-".to_owned(), |d| d.as_micros().to_string());
    URL_SAFE_NO_PAD.encode(format!("{due}|{}|{}", c.priority, c.id))
}

fn decode_cursor(raw: &str) -> Option<InboxCursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
    let mut parts = text.splitn(3, '|');
    let due = match parts.next()? {
        "-" => None,
        n => Some(Timestamp::from_micros(n.parse().ok()?)),
    };
    let priority = parts.next()?.parse().ok()?;
    let id = CaseId::parse(parts.next()?)?;
    Some(InboxCursor { due_at: due, priority, id })
}

/// Fetching the inbox counts as receipt of the cases (and starts their orders' clocks).
#[utoipa::path(get, path = "/api/v1/inbox", tag = "platform", params(InboxQuery),
    responses((status = 200, body = InboxDto), (status = 400, body = crate::error::Problem, description = "`invalid_cursor`")), security(("bearer" = [])))]
pub async fn inbox(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<InboxQuery>,
) -> ApiResult<Json<InboxDto>> {
    let cursor = match q.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(
            decode_cursor(raw)
                .ok_or_else(|| ApiError::new(Code::InvalidCursor, "the cursor is not one this server issued"))?,
        ),
    };
    let limit = in_range("limit", q.limit, 50, (1, 500))?;
    let page = s.app.inbox(&p, cursor, limit).await?;
    Ok(Json(InboxDto {
        next_cursor: page.next.as_ref().map(encode_cursor),
        cases: page.cases.into_iter().map(Into::into).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = CaseDetailDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CaseDetailDto>> {
    let view = s.app.get_case(&p, &id).await?;
    Ok(Json(CaseDetailDto::new(view, s.app.now())))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/ack", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = CaseDto), (status = 409, body = crate::error::Problem, description = "`not_acknowledgeable`")), security(("bearer" = [])))]
pub async fn acknowledge(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<CaseDto>> {
    Ok(Json(s.app.acknowledge(&p, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// remove, disable, restrict, label, suspend_account, no_action or exempt (TCO art. 1(3)).
    #[schema(value_type = crate::schema::DecisionAction, required = true)]
    pub action: Option<String>,
    /// A legal-basis id from `GET /api/v1/legal-bases`, or ...
    pub legal_basis: Option<String>,
    /// ... one of the platform's registered terms clauses, by id or code
    /// (`GET /api/v1/terms-clauses`).
    pub terms_clause: Option<String>,
    /// `["EU"]` or member-state codes. Required for disable; default EU-wide.
    #[schema(value_type = Option<Vec<crate::schema::TerritoryCode>>)]
    pub territorial_scope: Option<Vec<String>>,
    /// TCO art. 1(3): educational, journalistic, artistic, research, countering_terrorism,
    /// public_debate or none.
    #[schema(value_type = Option<crate::schema::Purpose>)]
    pub purpose: Option<String>,
    #[schema(max_length = 5000)]
    pub purpose_rationale: Option<String>,
    pub automated_detection: Option<bool>,
    pub automated_decision: Option<bool>,
    /// The statement of reasons: the facts relied on and why they make the content illegal on the
    /// ground cited or incompatible with the clause. Required for every restrictive action (DSA
    /// art. 17(3)(b), (d), (e)); optional for no_action and exempt.
    #[schema(max_length = 20000)]
    pub explanation: Option<String>,
    /// no_action only: the notices were manifestly unfounded (DSA art. 23).
    pub manifestly_unfounded: Option<bool>,
    /// restrict only, and required for it: demoted, age_restricted, interaction_restricted or
    /// other (DSA art. 17(3)(a)).
    #[schema(value_type = Option<crate::schema::Restriction>)]
    pub restriction: Option<String>,
    /// restriction = other only, and required for it: what the restriction is.
    #[schema(max_length = 500)]
    pub restriction_other: Option<String>,
    /// RFC 3339: when the measure ends. Required for suspend_account; optional for disable,
    /// restrict and label (never on a removal order's case); refused for remove.
    #[schema(format = DateTime)]
    pub until: Option<String>,
    /// YYYY-MM-DD: the day the content was uploaded (or the account created), when the platform
    /// knows it; between 2000-01-01 and the day of the decision. Restrictive actions only.
    #[schema(format = Date)]
    pub content_date: Option<String>,
}

impl From<DecisionRequest> for RawDecision {
    fn from(req: DecisionRequest) -> Self {
        RawDecision {
            action: req.action,
            legal_basis: req.legal_basis,
            terms_clause: req.terms_clause,
            territorial_scope: req.territorial_scope,
            purpose: req.purpose,
            purpose_rationale: req.purpose_rationale,
            automated_detection: req.automated_detection,
            automated_decision: req.automated_decision,
            explanation: req.explanation,
            manifestly_unfounded: req.manifestly_unfounded,
            restriction: req.restriction,
            restriction_other: req.restriction_other,
            until: req.until,
            content_date: req.content_date,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/decision", tag = "platform", params(("id" = String, Path)), request_body = DecisionRequest,
    responses((status = 201, body = DecisionDto), (status = 409, body = crate::error::Problem, description = "`already_decided`, `case_held`, `order_state`"), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<DecisionRequest>,
) -> ApiResult<(StatusCode, Json<DecisionDto>)> {
    let d = s.app.decide(&p, &id, req.into()).await?;
    Ok((StatusCode::CREATED, Json(d.into())))
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "intake", params(("id" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_order(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<OrderDto>> {
    let v = s.app.get_order(&p, &id).await?;
    Ok(Json(OrderDto::new(v, s.app.now())))
}

/// Annex III.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannotComplyRequest {
    /// force_majeure, manifest_errors, insufficient_information.
    #[schema(value_type = Vec<crate::schema::CannotComplyReason>, required = true, min_items = 1)]
    pub reasons: Option<Vec<String>>,
    /// What is wrong or missing, or what the force majeure is.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub explanation: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/cannot-comply", tag = "platform", params(("id" = String, Path)), request_body = CannotComplyRequest,
    responses((status = 200, body = OrderDto), (status = 409, body = crate::error::Problem, description = "`order_state`")), security(("bearer" = [])))]
pub async fn cannot_comply(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<CannotComplyRequest>,
) -> ApiResult<Json<OrderDto>> {
    let v = s.app.cannot_comply(&p, &id, req.reasons.unwrap_or_default(), req.explanation).await?;
    Ok(Json(OrderDto::new(v, s.app.now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClarificationRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub clarification: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/clarification", tag = "intake", params(("id" = String, Path)), request_body = ClarificationRequest,
    responses((status = 200, body = OrderDto), (status = 409, body = crate::error::Problem, description = "`order_state`")), security(("bearer" = [])))]
pub async fn clarify(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<ClarificationRequest>,
) -> ApiResult<Json<OrderDto>> {
    let v = s.app.clarify_order(&p, &id, req.clarification).await?;
    Ok(Json(OrderDto::new(v, s.app.now())))
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/resume", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 409, body = crate::error::Problem, description = "`order_state`")), security(("bearer" = [])))]
pub async fn resume(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<OrderDto>> {
    let v = s.app.resume_order(&p, &id).await?;
    Ok(Json(OrderDto::new(v, s.app.now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// https, on a public address (or an operator-allow-listed one).
    #[schema(max_length = 2048, pattern = r"^https://")]
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    pub id: String,
    pub url: String,
    /// The HMAC-SHA256 key for `Vigie-Signature`. Shown once.
    pub secret: String,
    pub created_at: String,
}

#[utoipa::path(post, path = "/api/v1/webhooks", tag = "platform", request_body = WebhookRequest,
    responses((status = 201, body = WebhookDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn register_webhook(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<WebhookRequest>,
) -> ApiResult<(StatusCode, Json<WebhookDto>)> {
    let w = s.app.register_webhook(&p, &req.url).await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookDto { id: w.id.to_string(), url: w.url, secret: w.secret, created_at: w.created_at.to_rfc3339() }),
    ))
}

/// A webhook as lists show it (its secret was shown once, at registration).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookInfo {
    pub id: String,
    pub org: String,
    pub url: String,
    pub created_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookInfo>,
}

/// The caller's organisation's webhooks (an administrator: every organisation's).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "platform",
    responses((status = 200, body = WebhookList), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_webhooks(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<WebhookList>> {
    let list = s.app.list_webhooks(&p).await?;
    Ok(Json(WebhookList {
        webhooks: list
            .into_iter()
            .map(|w| WebhookInfo {
                id: w.id.to_string(),
                org: w.org.to_string(),
                url: w.url,
                created_at: w.created_at.to_rfc3339(),
            })
            .collect(),
    }))
}

/// Deletes a webhook: nothing more is sent to it, and messages it had not yet received are
/// dropped.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "platform", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn delete_webhook(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    s.app.delete_webhook(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A message to a webhook, and where its delivery stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: String,
    /// The organisation it is for.
    pub org: String,
    pub webhook: String,
    pub event_type: String,
    /// The case it is about, if any: one webhook's messages about one case go out in order.
    pub case: Option<String>,
    /// About a threat to life or a removal order: sent in the urgent lane.
    pub urgent: bool,
    pub attempts: u32,
    pub delivered_at: Option<String>,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    /// When it used up its attempts and became a dead letter; null while it is in its queue.
    pub dead_at: Option<String>,
}

impl From<vigie_store::DeliveryRecord> for DeliveryDto {
    fn from(d: vigie_store::DeliveryRecord) -> Self {
        DeliveryDto {
            id: d.id.to_string(),
            org: d.org.to_string(),
            webhook: d.webhook.to_string(),
            event_type: d.event_type,
            case: d.case.map(|c| c.to_string()),
            urgent: d.urgent,
            attempts: d.attempts,
            delivered_at: d.delivered_at.map(|t| t.to_rfc3339()),
            next_attempt_at: d.next_attempt_at.to_rfc3339(),
            last_error: d.last_error,
            dead_at: d.dead_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/deliveries/{id}", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = DeliveryDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_delivery(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryDto>> {
    Ok(Json(s.app.get_delivery(&p, &id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLettersDto {
    /// Oldest first, at most 500.
    pub deliveries: Vec<DeliveryDto>,
}

/// Dead letters: messages that used up their attempts, not yet put back. The organisation's
/// webhook keepers see its own; an administrator sees every organisation's.
#[utoipa::path(get, path = "/api/v1/deliveries/dead", tag = "platform",
    responses((status = 200, body = DeadLettersDto), (status = 403, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn dead_letters(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<DeadLettersDto>> {
    let deliveries = s.app.dead_letters(&p).await?.into_iter().map(DeliveryDto::from).collect();
    Ok(Json(DeadLettersDto { deliveries }))
}

/// Puts a dead letter back in its queue: due now, with its attempts counted afresh.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/retry", tag = "platform", params(("id" = String, Path)),
    responses((status = 200, body = DeliveryDto), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "`not_dead_letter`")), security(("bearer" = [])))]
pub async fn retry_delivery(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DeliveryDto>> {
    Ok(Json(s.app.requeue_delivery(&p, &id).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub cases: Vec<CaseDto>,
}

/// The hub: cases reported on hosts no platform has claimed yet.
#[utoipa::path(get, path = "/api/v1/parked", tag = "admin", responses((status = 200, body = CaseList)), security(("bearer" = [])))]
pub async fn parked(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<CaseList>> {
    let cases = s.app.parked_cases(&p, 500).await?;
    Ok(Json(CaseList { cases: cases.into_iter().map(Into::into).collect() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c =
            InboxCursor { due_at: Some(Timestamp::from_micros(42)), priority: -7, id: CaseId::from_random([1; 16]) };
        assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        let c = InboxCursor { due_at: None, priority: 300, id: CaseId::from_random([2; 16]) };
        assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        assert_eq!(decode_cursor("not-a-cursor"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("1|2|cas_evil")), None);
    }
}
