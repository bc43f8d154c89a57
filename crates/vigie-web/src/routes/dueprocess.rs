//! Due process over HTTP: terms clauses, uploader notices, complaints, embargoes, scrutiny and
//! annulments, watch-lists and holds, threats to life, misuse.
//!
//! Public (no bearer token, rate-limited per address, the secret in the path is the key): the
//! uploader's notice and its complaint and scrutiny forms, and the notifier's complaint.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_app::dueprocess::challenges::{ChallengeInput, ChallengeOutcomeInput};
use vigie_app::dueprocess::complaints::{ComplaintView, ReviewInput};
use vigie_app::dueprocess::holds::{InstrumentInput, WatchlistInput};
use vigie_app::dueprocess::misuse::{AwardInput, FlaggerStatusInput, MisuseInput, NotifierRecord};
use vigie_app::dueprocess::scrutiny::ScrutinyDecisionInput;
use vigie_app::dueprocess::threats::{ReferralToPoliceInput, ThreatView};
use vigie_app::dueprocess::{AnnulmentInput, EmbargoInput, TermsClauseInput, UploaderNoticeView};
use vigie_store::*;

use crate::AppState;
use crate::dto::{DecisionDto, LocationDto, OrderDto, locations, ot, t};
use crate::error::ApiResult;
use crate::extract::{Auth, Body, Params};
use crate::routes::intake::public_gate;
use crate::routes::platform::DecisionRequest;

// ---- terms clauses ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsClauseRequest {
    /// The platform's own numbering, e.g. `4.2`; unique, never reused.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 64, pattern = r"\S")]
    pub code: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub title: Option<String>,
    #[schema(max_length = 2000)]
    pub url: Option<String>,
    #[schema(max_length = 20000)]
    pub body: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermsClauseDto {
    pub id: String,
    pub code: String,
    pub title: String,
    pub url: Option<String>,
    pub body: Option<String>,
    pub created_at: String,
    pub retired_at: Option<String>,
}

impl From<TermsClauseRecord> for TermsClauseDto {
    fn from(r: TermsClauseRecord) -> Self {
        TermsClauseDto {
            id: r.id.to_string(),
            code: r.code,
            title: r.title,
            url: r.url,
            body: r.body,
            created_at: t(r.created_at),
            retired_at: ot(r.retired_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TermsClauseList {
    pub terms_clauses: Vec<TermsClauseDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetiredQuery {
    /// Include retired clauses.
    pub retired: Option<bool>,
}

/// A platform's integrator registers a terms clause that decisions may cite.
#[utoipa::path(post, path = "/api/v1/terms-clauses", tag = "due process", request_body = TermsClauseRequest,
    responses((status = 201, body = TermsClauseDto), (status = 409, body = crate::error::Problem, description = "`duplicate_code`"), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn register_terms_clause(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<TermsClauseRequest>,
) -> ApiResult<(StatusCode, Json<TermsClauseDto>)> {
    let input = TermsClauseInput { code: req.code, title: req.title, url: req.url, body: req.body };
    Ok((StatusCode::CREATED, Json(s.app.register_terms_clause(&p, input).await?.into())))
}

#[utoipa::path(get, path = "/api/v1/terms-clauses", tag = "due process", params(RetiredQuery),
    responses((status = 200, body = TermsClauseList)), security(("bearer" = [])))]
pub async fn list_terms_clauses(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<RetiredQuery>,
) -> ApiResult<Json<TermsClauseList>> {
    let list = s.app.list_terms_clauses(&p, q.retired.unwrap_or(false)).await?;
    Ok(Json(TermsClauseList { terms_clauses: list.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(post, path = "/api/v1/terms-clauses/{id}/retire", tag = "due process", params(("id" = String, Path)),
    responses((status = 409, body = crate::error::Problem, description = "`already_retired`"), (status = 200, body = TermsClauseDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn retire_terms_clause(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<TermsClauseDto>> {
    Ok(Json(s.app.retire_terms_clause(&p, &id).await?.into()))
}

// ---- uploader notices ------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct UploaderNoticeDto {
    pub id: String,
    pub case: String,
    pub decision: String,
    /// platform_decision or removal_order: which redress applies.
    pub route: String,
    /// withheld (a non-disclosure runs) or issued.
    pub state: String,
    pub issued_at: Option<String>,
    /// The link's secret, for the platform to pass on; absent while withheld, and for notices
    /// issued before step 8 (their secret was never kept: only its hash is).
    pub token: Option<String>,
    /// The reasons, the redress that applies with its deadlines and links, and what happened since.
    #[schema(value_type = Object)]
    pub notice: serde_json::Value,
}

impl From<UploaderNoticeView> for UploaderNoticeDto {
    fn from(v: UploaderNoticeView) -> Self {
        let n = v.notice;
        UploaderNoticeDto {
            id: n.id.to_string(),
            case: n.case.to_string(),
            decision: n.decision.to_string(),
            route: n.route.as_str().to_owned(),
            state: if n.issued_at.is_some() { "issued" } else { "withheld" }.into(),
            issued_at: ot(n.issued_at),
            token: v.token,
            notice: v.body,
        }
    }
}

/// Public: the notice an uploader reaches through the link in it.
#[utoipa::path(get, path = "/api/v1/uploader-notices/{token}", tag = "due process", params(("token" = String, Path)),
    responses((status = 200, body = UploaderNoticeDto), (status = 404, body = crate::error::Problem)))]
pub async fn uploader_notice(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> ApiResult<Json<UploaderNoticeDto>> {
    public_gate(&s, peer)?;
    Ok(Json(s.app.uploader_notice(&token).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InformedRequest {
    /// When the platform informed the content provider (RFC 3339); default now.
    #[schema(format = DateTime)]
    pub at: Option<String>,
}

/// The platform records when it informed the content provider: their 48 hours to ask for
/// scrutiny (TCO art. 4(4)) and their time to challenge an order run from then.
#[utoipa::path(post, path = "/api/v1/cases/{id}/uploader-notice/informed", tag = "due process", params(("id" = String, Path)),
    request_body = InformedRequest,
    responses((status = 200, body = UploaderNoticeDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`notice_withheld`"), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn uploader_informed(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<InformedRequest>,
) -> ApiResult<Json<UploaderNoticeDto>> {
    Ok(Json(s.app.record_uploader_informed(&p, &id, req.at).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderCopyList {
    /// Each removal order on the content, as issued (Annex I, with any clarification), with this
    /// content's location and the number of other locations it lists.
    #[schema(value_type = Vec<Object>)]
    pub orders: Vec<serde_json::Value>,
}

/// Public: the content provider gets a copy of the removal order (TCO art. 11(2)); the platform is
/// told it was given.
#[utoipa::path(post, path = "/api/v1/uploader-notices/{token}/order-copy", tag = "due process", params(("token" = String, Path)),
    responses((status = 200, body = OrderCopyList), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`not_an_order`")))]
pub async fn order_copy(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> ApiResult<Json<OrderCopyList>> {
    public_gate(&s, peer)?;
    Ok(Json(OrderCopyList { orders: s.app.order_copy(&token).await? }))
}

/// The platform reads the notice about a case's current decision, to pass the link on.
#[utoipa::path(get, path = "/api/v1/cases/{id}/uploader-notice", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = UploaderNoticeDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn case_uploader_notice(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<UploaderNoticeDto>> {
    Ok(Json(s.app.case_uploader_notice(&p, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRequest {
    /// What the complainant or requester has to say.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDto {
    pub id: String,
    pub case: String,
    pub decision: String,
    /// uploader or notifier.
    pub complainant: String,
    /// open, upheld or reversed.
    pub state: String,
    pub received_at: String,
    /// Two weeks after receipt (TCO art. 10(2)).
    pub answer_due_at: String,
    pub overdue: bool,
    pub reviewed_at: Option<String>,
    pub reasons: Option<String>,
    pub new_decision: Option<String>,
}

impl From<ComplaintRecord> for ComplaintDto {
    fn from(c: ComplaintRecord) -> Self {
        ComplaintDto {
            id: c.id.to_string(),
            case: c.case.to_string(),
            decision: c.decision.to_string(),
            complainant: c.complainant.as_str().to_owned(),
            state: c.state.as_str().to_owned(),
            received_at: t(c.received_at),
            answer_due_at: t(c.due_at),
            overdue: c.overdue_at.is_some(),
            reviewed_at: ot(c.reviewed_at),
            reasons: c.reasons,
            new_decision: c.new_decision.map(|d| d.to_string()),
        }
    }
}

/// Public: the uploader complains about the decision, through the notice's link.
#[utoipa::path(post, path = "/api/v1/uploader-notices/{token}/complaint", tag = "due process", params(("token" = String, Path)),
    request_body = TextRequest,
    responses((status = 201, body = ComplaintDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`complaint_open`, `nothing_to_contest`, `removal_order_redress`, `complaint_window_closed`")))]
pub async fn uploader_complaint(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    Body(req): Body<TextRequest>,
) -> ApiResult<(StatusCode, Json<ComplaintDto>)> {
    public_gate(&s, peer)?;
    Ok((StatusCode::CREATED, Json(s.app.complain_as_uploader(&token, req.text).await?.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifierComplaintRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub text: Option<String>,
    /// Which location of the notice (its index in the tracking view), default 0.
    #[schema(minimum = 0, maximum = 99)]
    pub location: Option<usize>,
}

/// Public: a notifier complains, with the tracking code, about the decision on a location: no
/// action, or a measure it finds inadequate (DSA art. 20(1)). The window runs from when the
/// notifier was told of the decision (art. 20(2)).
#[utoipa::path(post, path = "/api/v1/notices/track/{code}/complaint", tag = "due process", params(("code" = String, Path)),
    request_body = NotifierComplaintRequest,
    responses((status = 201, body = ComplaintDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`complaint_open`, `not_decided`, `removal_order_redress`, `complaint_window_closed`")))]
pub async fn notifier_complaint(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    Body(req): Body<NotifierComplaintRequest>,
) -> ApiResult<(StatusCode, Json<ComplaintDto>)> {
    public_gate(&s, peer)?;
    let c = s.app.complain_as_notifier(&code, req.location.unwrap_or(0), req.text).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScrutinyDto {
    pub id: String,
    pub order: String,
    /// platform, uploader or ex_officio.
    pub trigger: String,
    pub authority: String,
    /// pending, no_infringement or infringement.
    pub state: String,
    pub requested_at: String,
    /// 72 hours after the request (TCO art. 4(4)); on the authority's own initiative, 72 hours
    /// after it received the copy of the order (art. 4(3)).
    pub due_at: String,
    pub overdue: bool,
    pub decided_at: Option<String>,
    pub reasons: Option<String>,
    /// TCO art. 4(5): when the issuing authority was told of an intention to find an
    /// infringement, and why.
    pub intention_at: Option<String>,
    pub intention_reasons: Option<String>,
    /// The platform's art. 1(3) purpose concerns about the order, when it complied.
    #[schema(value_type = Vec<Object>)]
    pub purpose_concerns: Vec<serde_json::Value>,
}

impl From<ScrutinyRecord> for ScrutinyDto {
    fn from(r: ScrutinyRecord) -> Self {
        ScrutinyDto {
            intention_at: ot(r.intention_at),
            intention_reasons: r.intention_reasons,
            purpose_concerns: r
                .purpose_concerns
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_default(),
            id: r.id.to_string(),
            order: r.order.to_string(),
            trigger: r.trigger.as_str().to_owned(),
            authority: r.authority.to_string(),
            state: r.state.as_str().to_owned(),
            requested_at: t(r.requested_at),
            due_at: t(r.due_at),
            overdue: r.overdue_at.is_some(),
            decided_at: ot(r.decided_at),
            reasons: r.decision_reasons,
        }
    }
}

/// Public: the uploader asks for cross-border scrutiny of the order, within 48 hours of being
/// informed, whatever the platform asked.
#[utoipa::path(post, path = "/api/v1/uploader-notices/{token}/scrutiny", tag = "due process", params(("token" = String, Path)),
    request_body = TextRequest,
    responses((status = 201, body = ScrutinyDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`not_an_order`, `no_scrutinising_authority`, `not_cross_border`, `order_ended`, `scrutiny_pending`, `scrutiny_window_closed`")))]
pub async fn uploader_scrutiny(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    Body(req): Body<TextRequest>,
) -> ApiResult<(StatusCode, Json<ScrutinyDto>)> {
    public_gate(&s, peer)?;
    Ok((StatusCode::CREATED, Json(s.app.request_scrutiny_as_uploader(&token, req.text).await?.into())))
}

// ---- complaints (platform) -------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintList {
    pub complaints: Vec<ComplaintDto>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenQuery {
    /// Only open complaints (default true).
    pub open: Option<bool>,
}

/// The platform's complaints, earliest answer due first.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "due process", params(OpenQuery),
    responses((status = 200, body = ComplaintList)), security(("bearer" = [])))]
pub async fn list_complaints(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<OpenQuery>,
) -> ApiResult<Json<ComplaintList>> {
    let list = s.app.list_complaints(&p, q.open.unwrap_or(true)).await?;
    Ok(Json(ComplaintList { complaints: list.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplaintDetailDto {
    pub complaint: ComplaintDto,
    pub text: Option<String>,
    /// The decision complained about, beside the complaint.
    pub first_decision: DecisionDto,
    pub case_url: Option<String>,
}

impl From<ComplaintView> for ComplaintDetailDto {
    fn from(v: ComplaintView) -> Self {
        ComplaintDetailDto {
            complaint: v.complaint.into(),
            text: v.text,
            first_decision: v.first_decision.into(),
            case_url: v.case.url,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = ComplaintDetailDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_complaint(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ComplaintDetailDto>> {
    Ok(Json(s.app.get_complaint(&p, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// upheld or reversed.
    #[schema(value_type = crate::schema::ComplaintOutcome, required = true)]
    pub outcome: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub reasons: Option<String>,
    /// Reversing a decision on a notifier's complaint (no action, or an inadequate measure): the
    /// decision that replaces it.
    pub decision: Option<DecisionRequest>,
}

/// A moderator other than the first decider reviews the complaint.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/review", tag = "due process", params(("id" = String, Path)),
    request_body = ReviewRequest,
    responses((status = 200, body = ComplaintDetailDto), (status = 409, body = crate::error::Problem, description = "`already_reviewed`, `same_decider`, `reversal_not_restrictive`, `order_in_force`"), (status = 422, body = crate::error::Problem)),
    security(("bearer" = [])))]
pub async fn review_complaint(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<ReviewRequest>,
) -> ApiResult<Json<ComplaintDetailDto>> {
    let input = ReviewInput { outcome: req.outcome, reasons: req.reasons, decision: req.decision.map(Into::into) };
    Ok(Json(s.app.review_complaint(&p, &id, input).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonsRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 5000, pattern = r"\S")]
    pub reasons: Option<String>,
}

/// The platform reinstates content it removed on its own assessment. Refused for content removed
/// under an order in force.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reinstatement", tag = "due process", params(("id" = String, Path)),
    request_body = ReasonsRequest,
    responses((status = 200, body = DecisionDto), (status = 409, body = crate::error::Problem, description = "`nothing_to_reinstate`, `order_in_force`")), security(("bearer" = [])))]
pub async fn reinstate(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<ReasonsRequest>,
) -> ApiResult<Json<DecisionDto>> {
    Ok(Json(s.app.reinstate_case(&p, &id, req.reasons).await?.into()))
}

// ---- orders: embargo, scrutiny, annulment ----------------------------------------------------

fn order_dto(s: &AppState, o: vigie_app::cases::OrderView) -> OrderDto {
    OrderDto::new(o, s.app.now())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmbargoRequest {
    /// The new end (RFC 3339): at most six weeks past the current one, once.
    #[schema(value_type = String, required = true, format = DateTime)]
    pub until: Option<String>,
}

/// The issuing authority extends its non-disclosure once (TCO art. 11(3)).
#[utoipa::path(post, path = "/api/v1/orders/{id}/embargo/extend", tag = "due process", params(("id" = String, Path)),
    request_body = EmbargoRequest,
    responses((status = 200, body = OrderDto), (status = 409, body = crate::error::Problem, description = "`no_embargo`, `embargo_in_the_past`, `embargo_too_long`, `embargo_not_active`, `embargo_already_extended`, `embargo_not_extended`")), security(("bearer" = [])))]
pub async fn extend_embargo(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<EmbargoRequest>,
) -> ApiResult<Json<OrderDto>> {
    let o = s.app.extend_embargo(&p, &id, EmbargoInput { until: req.until }).await?;
    Ok(Json(order_dto(&s, o)))
}

/// The issuing authority lifts its non-disclosure early; withheld notices go out.
#[utoipa::path(post, path = "/api/v1/orders/{id}/embargo/lift", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = OrderDto), (status = 409, body = crate::error::Problem, description = "`no_embargo`, `embargo_not_active`")), security(("bearer" = [])))]
pub async fn lift_embargo(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<OrderDto>> {
    let o = s.app.lift_embargo(&p, &id).await?;
    Ok(Json(order_dto(&s, o)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnulmentRequest {
    /// The court that annulled the order (TCO art. 9).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub court: Option<String>,
    /// The ruling's reference.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub reference: Option<String>,
    /// The ruling's date.
    #[schema(value_type = String, required = true, pattern = r"^\s*\d{4}-\d{2}-\d{2}\s*$")]
    pub decided_on: Option<String>,
}

/// The issuing authority, or the competent authority that scrutinises the order, records a
/// court's ruling that annulled it (TCO art. 9): the order stops having effect and the content
/// is reinstated. Nobody else ends an order this way.
#[utoipa::path(post, path = "/api/v1/orders/{id}/annulment", tag = "due process", params(("id" = String, Path)),
    request_body = AnnulmentRequest,
    responses((status = 200, body = OrderDto), (status = 409, body = crate::error::Problem, description = "`order_ended`")), security(("bearer" = [])))]
pub async fn annul_order(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<AnnulmentRequest>,
) -> ApiResult<Json<OrderDto>> {
    let input = AnnulmentInput { court: req.court, reference: req.reference, decided_on: req.decided_on };
    let o = s.app.annul_order(&p, &id, input).await?;
    Ok(Json(order_dto(&s, o)))
}

/// The addressed platform asks for cross-border scrutiny (48 hours from receipt), or the
/// competent authority of its member state opens one (72 hours from the copy).
#[utoipa::path(post, path = "/api/v1/orders/{id}/scrutiny", tag = "due process", params(("id" = String, Path)),
    request_body = TextRequest,
    responses((status = 201, body = ScrutinyDto), (status = 409, body = crate::error::Problem, description = "`no_scrutinising_authority`, `not_cross_border`, `order_ended`, `scrutiny_pending`, `scrutiny_window_closed`")), security(("bearer" = [])))]
pub async fn request_scrutiny(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<TextRequest>,
) -> ApiResult<(StatusCode, Json<ScrutinyDto>)> {
    Ok((StatusCode::CREATED, Json(s.app.request_scrutiny(&p, &id, req.text).await?.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScrutinyList {
    pub scrutinies: Vec<ScrutinyDto>,
}

/// The scrutinies an authority must decide, pending first.
#[utoipa::path(get, path = "/api/v1/scrutinies", tag = "due process",
    responses((status = 200, body = ScrutinyList)), security(("bearer" = [])))]
pub async fn list_scrutinies(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<ScrutinyList>> {
    let list = s.app.list_scrutinies(&p).await?;
    Ok(Json(ScrutinyList { scrutinies: list.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(get, path = "/api/v1/scrutinies/{id}", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = ScrutinyDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_scrutiny(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ScrutinyDto>> {
    Ok(Json(s.app.get_scrutiny(&p, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScrutinyDecisionRequest {
    /// infringement or no_infringement.
    #[schema(value_type = crate::schema::ScrutinyOutcome, required = true)]
    pub outcome: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub reasons: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntentionRequest {
    /// Why the authority intends to find an infringement; sent to the issuing authority.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub reasons: Option<String>,
}

/// The scrutinising authority tells the issuing authority that it intends to find an
/// infringement, and why (TCO art. 4(5)); it must before deciding so.
#[utoipa::path(post, path = "/api/v1/scrutinies/{id}/intention", tag = "due process", params(("id" = String, Path)),
    request_body = IntentionRequest,
    responses((status = 200, body = ScrutinyDto), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem, description = "`already_decided`, `issuer_informed`"), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn scrutiny_intention(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<IntentionRequest>,
) -> ApiResult<Json<ScrutinyDto>> {
    Ok(Json(s.app.scrutiny_intention(&p, &id, req.reasons).await?.into()))
}

/// The scrutinising authority decides; an infringement ends the order and reinstates the content.
/// The decision goes to the issuer, the platform, the content provider and Europol (art. 4(6)).
#[utoipa::path(post, path = "/api/v1/scrutinies/{id}/decision", tag = "due process", params(("id" = String, Path)),
    request_body = ScrutinyDecisionRequest,
    responses((status = 200, body = ScrutinyDto), (status = 409, body = crate::error::Problem, description = "`already_decided`, `issuer_not_informed`, `scrutiny_period_over`")), security(("bearer" = [])))]
pub async fn decide_scrutiny(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<ScrutinyDecisionRequest>,
) -> ApiResult<Json<ScrutinyDto>> {
    let input = ScrutinyDecisionInput { outcome: req.outcome, reasons: req.reasons };
    Ok(Json(s.app.decide_scrutiny(&p, &id, input).await?.into()))
}

// ---- watch-lists and holds -------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchlistRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// The legal basis of the investigation: a provision, a file number.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = r"\S")]
    pub legal_basis_ref: Option<String>,
    /// When the list stops matching (RFC 3339, within a year).
    #[schema(value_type = String, required = true, format = DateTime)]
    pub ends_at: Option<String>,
    /// How long a match holds a case: 1 to 168 hours, default 72.
    #[schema(minimum = 1, maximum = 168)]
    pub hold_hours: Option<u32>,
    /// A national legal instrument that orders notices held (without one, a notice under DSA
    /// art. 16 always reaches its platform and the authority is only told of the match).
    pub instrument: Option<InstrumentDto>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDto {
    /// Its reference (file or decision number).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub reference: Option<String>,
    /// The court, judge or prosecutor that issued it.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub issuing_body: Option<String>,
    /// When it ends (RFC 3339).
    #[schema(value_type = String, required = true, format = DateTime)]
    pub ends_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistDto {
    pub id: String,
    pub name: String,
    pub legal_basis_ref: String,
    pub ends_at: String,
    pub hold_hours: Option<u32>,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// How many entries it holds; the entries themselves are never shown.
    pub entries: i64,
    pub instrument: Option<InstrumentDto>,
}

fn watchlist_dto(w: WatchlistRecord, entries: i64) -> WatchlistDto {
    WatchlistDto {
        instrument: w.instrument.map(|i| InstrumentDto {
            reference: Some(i.reference),
            issuing_body: Some(i.issuing_body),
            ends_at: Some(t(i.ends_at)),
        }),
        id: w.id.to_string(),
        name: w.name,
        legal_basis_ref: w.legal_basis_ref,
        ends_at: t(w.ends_at),
        hold_hours: w.hold_hours,
        created_at: t(w.created_at),
        closed_at: ot(w.closed_at),
        entries,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchlistList {
    pub watchlists: Vec<WatchlistDto>,
}

#[utoipa::path(post, path = "/api/v1/watchlists", tag = "due process", request_body = WatchlistRequest,
    responses((status = 201, body = WatchlistDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_watchlist(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<WatchlistRequest>,
) -> ApiResult<(StatusCode, Json<WatchlistDto>)> {
    let input = WatchlistInput {
        name: req.name,
        legal_basis_ref: req.legal_basis_ref,
        ends_at: req.ends_at,
        hold_hours: req.hold_hours,
        instrument: req.instrument.map(|i| InstrumentInput {
            reference: i.reference,
            issuing_body: i.issuing_body,
            ends_at: i.ends_at,
        }),
    };
    Ok((StatusCode::CREATED, Json(watchlist_dto(s.app.create_watchlist(&p, input).await?, 0))))
}

#[utoipa::path(get, path = "/api/v1/watchlists", tag = "due process",
    responses((status = 200, body = WatchlistList)), security(("bearer" = [])))]
pub async fn list_watchlists(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<WatchlistList>> {
    let list = s.app.list_watchlists(&p).await?;
    Ok(Json(WatchlistList { watchlists: list.into_iter().map(|(w, n)| watchlist_dto(w, n)).collect() }))
}

#[utoipa::path(delete, path = "/api/v1/watchlists/{id}", tag = "due process", params(("id" = String, Path)),
    responses((status = 409, body = crate::error::Problem, description = "`watchlist_closed`"), (status = 200, body = WatchlistDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn close_watchlist(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<WatchlistDto>> {
    Ok(Json(watchlist_dto(s.app.close_watchlist(&p, &id).await?, 0)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchEntriesRequest {
    /// Up to 100 locations per call: URLs, accounts, content ids, as in notices.
    #[schema(value_type = Vec<crate::dto::LocationDto>, required = true, min_items = 1, max_items = 100)]
    pub entries: Option<Vec<LocationDto>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WatchEntriesDto {
    /// Entries new to the list.
    pub added: usize,
    /// Entries the list now holds.
    pub entries: i64,
}

#[utoipa::path(post, path = "/api/v1/watchlists/{id}/entries", tag = "due process", params(("id" = String, Path)),
    request_body = WatchEntriesRequest,
    responses((status = 409, body = crate::error::Problem, description = "`watchlist_closed`"), (status = 200, body = WatchEntriesDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn add_watch_entries(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<WatchEntriesRequest>,
) -> ApiResult<Json<WatchEntriesDto>> {
    let (added, entries) = s.app.add_watch_entries(&p, &id, locations(req.entries)).await?;
    Ok(Json(WatchEntriesDto { added, entries }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldDto {
    pub id: String,
    pub case: String,
    pub watchlist: String,
    pub authority: String,
    pub placed_at: String,
    pub until: String,
    pub ended_at: Option<String>,
    /// expired, released, order, threat_to_life or notice (a DSA notice arrived, which reaches
    /// the platform).
    pub end_reason: Option<String>,
}

impl From<HoldRecord> for HoldDto {
    fn from(h: HoldRecord) -> Self {
        HoldDto {
            id: h.id.to_string(),
            case: h.case.to_string(),
            watchlist: h.watchlist.to_string(),
            authority: h.authority.to_string(),
            placed_at: t(h.placed_at),
            until: t(h.until),
            ended_at: ot(h.ended_at),
            end_reason: h.end_reason.map(|e| e.as_str().to_owned()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoldsDto {
    pub active: usize,
    pub expired: usize,
    pub released: usize,
    /// Ended early by an order, a threat to life or a DSA notice.
    pub overridden: usize,
    pub holds: Vec<HoldDto>,
}

/// Holds: an authority's own; every hold for overseers and administrators, with counts.
#[utoipa::path(get, path = "/api/v1/holds", tag = "due process",
    responses((status = 200, body = HoldsDto)), security(("bearer" = [])))]
pub async fn list_holds(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<HoldsDto>> {
    let r = s.app.list_holds(&p).await?;
    Ok(Json(HoldsDto {
        active: r.active,
        expired: r.expired,
        released: r.released,
        overridden: r.overridden,
        holds: r.holds.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    #[schema(value_type = String, required = true)]
    pub case: Option<String>,
    /// The authority's watch-list that matches the case.
    #[schema(value_type = String, required = true)]
    pub watchlist: Option<String>,
}

/// An authority asks to hold a case its watch-list matches. Never an order or a threat to life;
/// a case with a DSA notice only under the list's national legal instrument.
#[utoipa::path(post, path = "/api/v1/holds", tag = "due process", request_body = HoldRequest,
    responses((status = 201, body = HoldDto), (status = 409, body = crate::error::Problem, description = "`hold_too_late`, `already_held`, `hold_used`, `hold_on_order`, `hold_on_threat_to_life`, `hold_on_notice`, `hold_length`")), security(("bearer" = [])))]
pub async fn hold_case(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<HoldRequest>,
) -> ApiResult<(StatusCode, Json<HoldDto>)> {
    let h = s.app.hold_case(&p, req.case.as_deref().unwrap_or(""), req.watchlist.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

#[utoipa::path(post, path = "/api/v1/holds/{id}/release", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = HoldDto), (status = 409, body = crate::error::Problem, description = "`hold_ended`")), security(("bearer" = [])))]
pub async fn release_hold(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<HoldDto>> {
    Ok(Json(s.app.release_hold(&p, &id).await?.into()))
}

// ---- threats to life -------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreatDto {
    pub raised_at: Option<String>,
    /// Escalations so far.
    pub level: u32,
    pub next_escalation_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<String>,
    pub note: Option<String>,
    pub referrals: Vec<PoliceReferralDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoliceReferralDto {
    pub id: String,
    /// dsa_18 or tco_14_5.
    pub basis: String,
    pub member_states: Vec<String>,
    pub europol: bool,
    /// TCO art. 14(5): the contact point of the platform's member state was informed.
    pub contact_point: bool,
    pub authority: Option<String>,
    pub sent_at: String,
    pub sent_by: String,
    pub note: Option<String>,
}

impl From<LawEnforcementReferralRecord> for PoliceReferralDto {
    fn from(r: LawEnforcementReferralRecord) -> Self {
        PoliceReferralDto {
            id: r.id.to_string(),
            basis: r.basis.as_str().to_owned(),
            member_states: r.member_states,
            europol: r.europol,
            contact_point: r.contact_point,
            authority: r.authority.map(|a| a.to_string()),
            sent_at: t(r.sent_at),
            sent_by: r.sent_by.to_string(),
            note: r.note,
        }
    }
}

impl From<ThreatView> for ThreatDto {
    fn from(v: ThreatView) -> Self {
        let a = v.alert;
        ThreatDto {
            raised_at: ot(a.as_ref().map(|a| a.raised_at)),
            level: a.as_ref().map_or(0, |a| a.level),
            next_escalation_at: ot(a.as_ref().and_then(|a| a.next_at)),
            acknowledged_at: ot(a.as_ref().and_then(|a| a.acknowledged_at)),
            acknowledged_by: a.as_ref().and_then(|a| a.acknowledged_by.as_ref().map(|u| u.to_string())),
            note: a.and_then(|a| a.note),
            referrals: v.referrals.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// Flags a case as an imminent threat to life: its alert escalates until acknowledged.
#[utoipa::path(post, path = "/api/v1/cases/{id}/threat-to-life", tag = "due process", params(("id" = String, Path)),
    request_body = NoteRequest, responses((status = 200, body = ThreatDto)), security(("bearer" = [])))]
pub async fn flag_threat(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<NoteRequest>,
) -> ApiResult<Json<ThreatDto>> {
    s.app.flag_threat(&p, &id, req.note).await?;
    Ok(Json(s.app.threat(&p, &id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/threat-to-life", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = ThreatDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_threat(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ThreatDto>> {
    Ok(Json(s.app.threat(&p, &id).await?.into()))
}

/// Stops the escalation; needs a recorded referral or a note saying why none was made.
#[utoipa::path(post, path = "/api/v1/cases/{id}/threat-to-life/ack", tag = "due process", params(("id" = String, Path)),
    request_body = NoteRequest,
    responses((status = 200, body = ThreatDto), (status = 409, body = crate::error::Problem, description = "`no_alert`, `already_acknowledged`, `referral_required`")), security(("bearer" = [])))]
pub async fn acknowledge_threat(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<NoteRequest>,
) -> ApiResult<Json<ThreatDto>> {
    Ok(Json(s.app.acknowledge_threat(&p, &id, req.note).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoliceReferralRequest {
    /// dsa_18 (DSA art. 18) or tco_14_5 (TCO art. 14(5)).
    #[schema(value_type = crate::schema::PoliceBasis, required = true)]
    pub basis: Option<String>,
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::MemberStateCode>)]
    pub member_states: Vec<String>,
    #[serde(default)]
    pub europol: bool,
    /// TCO art. 14(5): the contact point (art. 12(2)) of the member state of the platform's main
    /// establishment or legal representative was informed. With `tco_14_5` and no member state,
    /// both this and `europol` are required.
    #[serde(default)]
    pub contact_point: bool,
    /// An authority registered in Vigie that receives the referral through its webhooks.
    pub authority: Option<String>,
    #[schema(max_length = 5000)]
    pub note: Option<String>,
}

/// Records a referral to law enforcement, with its time.
#[utoipa::path(post, path = "/api/v1/cases/{id}/law-enforcement-referrals", tag = "due process", params(("id" = String, Path)),
    request_body = PoliceReferralRequest,
    responses((status = 201, body = PoliceReferralDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn refer_to_police(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<PoliceReferralRequest>,
) -> ApiResult<(StatusCode, Json<PoliceReferralDto>)> {
    let input = ReferralToPoliceInput {
        basis: req.basis,
        member_states: req.member_states,
        europol: req.europol,
        contact_point: req.contact_point,
        authority: req.authority,
        note: req.note,
    };
    Ok((StatusCode::CREATED, Json(s.app.refer_to_police(&p, &id, input).await?.into())))
}

// ---- court challenges (TCO art. 9) -----------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeRequest {
    /// The court of the issuing member state seized, e.g. Tribunal administratif de Paris.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub court: Option<String>,
    /// The court's reference for the case.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub reference: Option<String>,
    /// YYYY-MM-DD: when it was filed.
    #[schema(value_type = String, required = true, format = Date)]
    pub filed_on: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeOutcomeRequest {
    /// upheld (the order stands) or withdrawn; an annulment is recorded as one
    /// (`POST /api/v1/orders/{id}/annulment`), which closes the challenge.
    #[schema(value_type = crate::schema::ChallengeOutcome, required = true)]
    pub outcome: Option<String>,
    /// YYYY-MM-DD.
    #[schema(value_type = String, required = true, format = Date)]
    pub decided_on: Option<String>,
    /// The ruling's reference.
    #[schema(max_length = 128)]
    pub reference: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeDto {
    pub id: String,
    pub order: String,
    /// platform (the addressee).
    pub brought_by: String,
    pub court: String,
    pub reference: String,
    pub filed_on: String,
    pub recorded_at: String,
    /// pending, upheld, annulled or withdrawn.
    pub state: String,
    pub decided_on: Option<String>,
    pub outcome_reference: Option<String>,
}

impl From<vigie_store::ChallengeRecord> for ChallengeDto {
    fn from(c: vigie_store::ChallengeRecord) -> Self {
        ChallengeDto {
            id: c.id.to_string(),
            order: c.order.to_string(),
            brought_by: c.brought_by.as_str().to_owned(),
            court: c.court,
            reference: c.reference,
            filed_on: c.filed_on,
            recorded_at: t(c.recorded_at),
            state: c.state.as_str().to_owned(),
            decided_on: c.decided_on,
            outcome_reference: c.outcome_reference,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeList {
    pub challenges: Vec<ChallengeDto>,
}

/// The addressed platform records that it challenged the order before the courts of the issuing
/// member state (TCO art. 9); the issuing authority is told.
#[utoipa::path(post, path = "/api/v1/orders/{id}/challenges", tag = "due process", params(("id" = String, Path)),
    request_body = ChallengeRequest,
    responses((status = 201, body = ChallengeDto), (status = 409, body = crate::error::Problem, description = "`order_ended`")), security(("bearer" = [])))]
pub async fn challenge_order(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<ChallengeRequest>,
) -> ApiResult<(StatusCode, Json<ChallengeDto>)> {
    let input = ChallengeInput { court: req.court, reference: req.reference, filed_on: req.filed_on };
    Ok((StatusCode::CREATED, Json(s.app.challenge_order(&p, &id, input).await?.into())))
}

/// An order's court challenges, for its addressee and its issuing authority.
#[utoipa::path(get, path = "/api/v1/orders/{id}/challenges", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = ChallengeList), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_challenges(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ChallengeList>> {
    let list = s.app.order_challenges(&p, &id).await?;
    Ok(Json(ChallengeList { challenges: list.into_iter().map(Into::into).collect() }))
}

/// The platform that brought a challenge, or the issuing authority, records its outcome.
#[utoipa::path(post, path = "/api/v1/orders/{id}/challenges/{challenge}/outcome", tag = "due process",
    params(("id" = String, Path), ("challenge" = String, Path)),
    request_body = ChallengeOutcomeRequest,
    responses((status = 200, body = ChallengeDto), (status = 409, body = crate::error::Problem, description = "`challenge_decided`, `record_as_annulment`")), security(("bearer" = [])))]
pub async fn challenge_outcome(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((id, challenge)): Path<(String, String)>,
    Body(req): Body<ChallengeOutcomeRequest>,
) -> ApiResult<Json<ChallengeDto>> {
    let input = ChallengeOutcomeInput { outcome: req.outcome, decided_on: req.decided_on, reference: req.reference };
    Ok(Json(s.app.record_challenge_outcome(&p, &id, &challenge, input).await?.into()))
}

// ---- misuse ----------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct NotifierDto {
    /// `org:<id>` or `email:<sha256 of the address>`.
    pub key: String,
    pub notices: u64,
    /// Decided manifestly unfounded (DSA art. 23(3)(a)).
    pub unfounded: u64,
    /// Their share of all the notifier's notices (art. 23(3)(b)).
    pub unfounded_percent: f64,
    pub suspended_until: Option<String>,
    pub actions: Vec<MisuseActionDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MisuseActionDto {
    pub id: String,
    /// warning, suspension or lift.
    pub kind: String,
    pub at: String,
    pub until: Option<String>,
    pub reason: String,
}

impl From<NotifierRecord> for NotifierDto {
    fn from(r: NotifierRecord) -> Self {
        NotifierDto {
            unfounded_percent: r.counts.unfounded_percent(),
            key: r.key,
            notices: r.counts.notices,
            unfounded: r.counts.unfounded,
            suspended_until: ot(r.suspended_until),
            actions: r
                .actions
                .into_iter()
                .map(|a| MisuseActionDto {
                    id: a.id.to_string(),
                    kind: a.kind.as_str().to_owned(),
                    at: t(a.at),
                    until: ot(a.until),
                    reason: a.reason,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotifierList {
    pub notifiers: Vec<NotifierDto>,
}

/// A platform's moderators: notifiers whose notices this platform found manifestly unfounded,
/// most first (DSA art. 23(3)).
#[utoipa::path(get, path = "/api/v1/notifiers", tag = "due process",
    responses((status = 200, body = NotifierList)), security(("bearer" = [])))]
pub async fn list_notifiers(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<NotifierList>> {
    let list = s.app.unfounded_notifiers(&p).await?;
    Ok(Json(NotifierList { notifiers: list.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(get, path = "/api/v1/notifiers/{key}", tag = "due process", params(("key" = String, Path)),
    responses((status = 200, body = NotifierDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_notifier(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(key): Path<String>,
) -> ApiResult<Json<NotifierDto>> {
    Ok(Json(s.app.notifier(&p, &key).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MisuseRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 5000, pattern = r"\S")]
    pub reason: Option<String>,
    /// Suspensions only: when it ends (RFC 3339, within a year).
    #[schema(format = DateTime)]
    pub until: Option<String>,
}

/// A platform's moderators: `warning`, then `suspension` (for a set time), or `lift`, of the
/// processing of a notifier's notices on this platform's service (DSA art. 23(2)).
#[utoipa::path(post, path = "/api/v1/notifiers/{key}/{action}", tag = "due process",
    params(("key" = String, Path), ("action" = String, Path, description = "warning, suspension or lift")),
    request_body = MisuseRequest,
    responses((status = 200, body = NotifierDto), (status = 409, body = crate::error::Problem, description = "`warning_required`, `suspension_in_the_past`, `suspension_too_long`, `not_suspended`, `nothing_unfounded`")), security(("bearer" = [])))]
pub async fn misuse_action(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path((key, action)): Path<(String, String)>,
    Body(req): Body<MisuseRequest>,
) -> ApiResult<Json<NotifierDto>> {
    let r = s.app.misuse_action(&p, &key, &action, MisuseInput { reason: req.reason, until: req.until }).await?;
    Ok(Json(r.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlaggerAwardRequest {
    /// The Digital Services Coordinator that awarded the status, e.g. Arcom.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 300, pattern = r"\S")]
    pub coordinator: Option<String>,
    /// The coordinator's member state.
    #[schema(value_type = crate::schema::MemberStateCode, required = true)]
    pub member_state: Option<String>,
    /// The coordinator's reference for its decision.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub reference: Option<String>,
    /// The designated areas of expertise, as Transparency Database categories without their
    /// `STATEMENT_CATEGORY_` prefix; priority needs `risk_for_public_security` (terrorist content).
    #[schema(value_type = Vec<String>, required = true, min_items = 1)]
    pub areas: Option<Vec<String>>,
    /// YYYY-MM-DD.
    #[schema(value_type = String, required = true, format = Date)]
    pub awarded_on: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlaggerStatusRequest {
    /// suspended (art. 22(6)), active (the suspension lifted) or revoked (art. 22(7)).
    #[schema(value_type = crate::schema::FlaggerStatus, required = true)]
    pub status: Option<String>,
    /// The coordinator's reference for this decision.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub reference: Option<String>,
    /// YYYY-MM-DD: when the coordinator decided.
    #[schema(value_type = String, required = true, format = Date)]
    pub decided_on: Option<String>,
    #[schema(max_length = 5000)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggerAwardDto {
    pub org: String,
    pub coordinator: String,
    pub member_state: String,
    pub reference: String,
    pub areas: Vec<String>,
    pub awarded_on: String,
    /// active, suspended or revoked, as the coordinator last decided.
    pub status: String,
    pub status_since: String,
    pub status_reference: Option<String>,
    pub status_decided_on: Option<String>,
    pub reason: Option<String>,
    /// Whether its notices have priority now (active, and its areas cover terrorist content).
    pub priority: bool,
}

impl From<vigie_store::FlaggerAwardRecord> for FlaggerAwardDto {
    fn from(r: vigie_store::FlaggerAwardRecord) -> Self {
        let priority = vigie_model::redress::flagger_priority(r.status, &r.areas);
        FlaggerAwardDto {
            org: r.org.to_string(),
            coordinator: r.coordinator,
            member_state: r.member_state,
            reference: r.reference,
            areas: r.areas,
            awarded_on: r.awarded_on,
            status: r.status.as_str().to_owned(),
            status_since: t(r.status_since),
            status_reference: r.status_reference,
            status_decided_on: r.status_decided_on,
            reason: r.reason,
            priority,
        }
    }
}

/// Administrators record a Digital Services Coordinator's award of trusted-flagger status (DSA
/// art. 22(2)); Vigie follows it. Replaces an earlier award.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/trusted-flagger-award", tag = "due process", params(("id" = String, Path)),
    request_body = FlaggerAwardRequest,
    responses((status = 200, body = FlaggerAwardDto), (status = 409, body = crate::error::Problem, description = "`not_a_trusted_flagger`")), security(("bearer" = [])))]
pub async fn record_flagger_award(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<FlaggerAwardRequest>,
) -> ApiResult<Json<FlaggerAwardDto>> {
    let input = AwardInput {
        coordinator: req.coordinator,
        member_state: req.member_state,
        reference: req.reference,
        areas: req.areas,
        awarded_on: req.awarded_on,
    };
    Ok(Json(s.app.record_flagger_award(&p, &id, input).await?.into()))
}

/// The award and its status, for administrators and the flagger itself.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/trusted-flagger-award", tag = "due process", params(("id" = String, Path)),
    responses((status = 200, body = FlaggerAwardDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn flagger_award(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<FlaggerAwardDto>> {
    Ok(Json(s.app.flagger_award(&p, &id).await?.into()))
}

/// Administrators record the coordinator's later decision on the status (DSA art. 22(6), (7)).
#[utoipa::path(put, path = "/api/v1/orgs/{id}/trusted-flagger-status", tag = "due process", params(("id" = String, Path)),
    request_body = FlaggerStatusRequest,
    responses((status = 200, body = FlaggerAwardDto), (status = 409, body = crate::error::Problem, description = "`not_a_trusted_flagger`, `no_award`, `flagger_revoked`, `status_unchanged`")), security(("bearer" = [])))]
pub async fn set_flagger_status(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<FlaggerStatusRequest>,
) -> ApiResult<Json<FlaggerAwardDto>> {
    let input = FlaggerStatusInput {
        status: req.status,
        reference: req.reference,
        decided_on: req.decided_on,
        reason: req.reason,
    };
    Ok(Json(s.app.set_flagger_status(&p, &id, input).await?.into()))
}
