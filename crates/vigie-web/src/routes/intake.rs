//! Intake: notices (public), referrals, removal orders, advance notices, and reading them back.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use vigie_app::intake::{AdvanceNoticeInput, NoticeInput, OrderInput, ReferralInput};
use vigie_model::order::{RawOrderForm, Redress, Representative};
use vigie_model::signal::SignalKind;

use crate::AppState;
use crate::dto::{LocationDto, ReceiptDto, SignalDto, TrackingDto, locations};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Body, MaybeAuth, Params, in_range};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeRequest {
    /// Why the content is illegal (DSA art. 16(2)(a)).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub explanation: Option<String>,
    /// The exact locations (art. 16(2)(b)); up to 100.
    #[schema(value_type = Vec<crate::dto::LocationDto>, required = true, min_items = 1, max_items = 100)]
    pub locations: Option<Vec<LocationDto>>,
    #[schema(max_length = 200)]
    pub notifier_name: Option<String>,
    #[schema(max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    pub notifier_email: Option<String>,
    /// The good-faith statement (art. 16(2)(d)): `true`; `false` is refused as no statement.
    #[schema(value_type = bool, required = true)]
    pub good_faith: Option<bool>,
    /// An announced or live attack: outranks every other case.
    #[serde(default)]
    pub threat_to_life: bool,
    /// The content's language, by its ISO 639-1 code (two lower-case letters), if known.
    #[schema(value_type = Option<crate::schema::LanguageCode>)]
    pub language: Option<String>,
    /// The types of terrorist content (TCO art. 2(7), letters a to e) the notifier sees, if any.
    #[schema(value_type = Option<Vec<crate::schema::TcoType>>)]
    pub harm_types: Option<Vec<String>>,
}

/// The public routes' per-address limit: 429 `rate_limited` with `Retry-After` when spent.
pub(crate) fn public_gate(s: &AppState, peer: SocketAddr) -> ApiResult<()> {
    s.limiter.check(peer.ip()).map_err(|seconds| {
        ApiError::rate_limited(format!("too many requests from this address; try again in {seconds} s"), seconds)
    })
}

/// Public: anyone may report, anonymously. A trusted flagger's token gives the notice priority.
#[utoipa::path(post, path = "/api/v1/notices", tag = "intake", request_body = NoticeRequest,
    responses((status = 409, body = crate::error::Problem, description = "`notifier_suspended`"), (status = 201, body = ReceiptDto), (status = 422, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn submit_notice(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    MaybeAuth(p): MaybeAuth,
    Body(req): Body<NoticeRequest>,
) -> ApiResult<(StatusCode, Json<ReceiptDto>)> {
    if p.is_none() {
        public_gate(&s, peer)?;
    }
    let input = NoticeInput {
        explanation: req.explanation,
        locations: locations(req.locations),
        notifier_name: req.notifier_name,
        notifier_email: req.notifier_email,
        good_faith: req.good_faith,
        threat_to_life: req.threat_to_life,
        language: req.language,
        harm_types: req.harm_types.unwrap_or_default(),
    };
    let authenticated = p.is_some();
    let receipt = s.app.submit_notice(p.as_ref(), input).await?;
    Ok((StatusCode::CREATED, Json(ReceiptDto::new(receipt, authenticated))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub explanation: Option<String>,
    #[schema(value_type = Vec<crate::dto::LocationDto>, required = true, min_items = 1, max_items = 100)]
    pub locations: Option<Vec<LocationDto>>,
    /// The authority's file reference.
    #[schema(max_length = 128)]
    pub reference: Option<String>,
    /// The platform's terms clause the content seems to breach.
    #[schema(max_length = 500)]
    pub terms_clause: Option<String>,
    #[serde(default)]
    pub threat_to_life: bool,
    /// The content's language, by its ISO 639-1 code (two lower-case letters), if known.
    #[schema(value_type = Option<crate::schema::LanguageCode>)]
    pub language: Option<String>,
    /// The types of terrorist content (TCO art. 2(7), letters a to e) the authority sees, if any.
    #[schema(value_type = Option<Vec<crate::schema::TcoType>>)]
    pub harm_types: Option<Vec<String>>,
}

#[utoipa::path(post, path = "/api/v1/referrals", tag = "intake", request_body = ReferralRequest,
    responses((status = 201, body = ReceiptDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn submit_referral(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<ReferralRequest>,
) -> ApiResult<(StatusCode, Json<ReceiptDto>)> {
    let input = ReferralInput {
        explanation: req.explanation,
        locations: locations(req.locations),
        reference: req.reference,
        terms_clause: req.terms_clause,
        threat_to_life: req.threat_to_life,
        language: req.language,
        harm_types: req.harm_types.unwrap_or_default(),
    };
    let receipt = s.app.submit_referral(&p, input).await?;
    Ok((StatusCode::CREATED, Json(ReceiptDto::new(receipt, true))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedressDto {
    /// The competent body or court.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 500, pattern = r"\S")]
    pub body: Option<String>,
    /// Days to challenge the order; or `deadline_hours`, one of the two.
    #[schema(minimum = 1, maximum = 3650)]
    pub deadline_days: Option<u32>,
    /// Hours to challenge the order where national law counts in hours (France: 48, LCEN art.
    /// 6-1-5); or `deadline_days`, one of the two.
    #[schema(minimum = 1, maximum = 87600)]
    pub deadline_hours: Option<u32>,
    #[schema(max_length = 200)]
    pub deadline_from: Option<String>,
    #[schema(max_length = 2000)]
    pub provisions_url: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeDto {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// Post, title and grade.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub post: Option<String>,
}

/// A removal order with the fields of Annex I of Regulation (EU) 2021/784.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRequest {
    /// Section A: the addressee platform's organisation id.
    #[schema(value_type = String, required = true)]
    pub addressee: Option<String>,
    /// Section A: the reference number.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 128, pattern = r"\S")]
    pub reference: Option<String>,
    /// Section B: URLs, each on a host of the addressee.
    #[schema(value_type = Vec<crate::dto::LocationDto>, required = true, min_items = 1, max_items = 100)]
    pub locations: Option<Vec<LocationDto>>,
    /// Section B: art. 2(7) types, letters a to e.
    #[schema(value_type = Vec<crate::schema::TcoType>, required = true, min_items = 1)]
    pub reasons: Option<Vec<String>>,
    /// Section B: the statement of reasons.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub statement_of_reasons: Option<String>,
    /// Section C: the uploader must not be told (art. 11(3)).
    #[schema(value_type = bool, required = true)]
    pub non_disclosure: Option<bool>,
    /// With non_disclosure: when it ends (RFC 3339; default and maximum six weeks from issue).
    #[schema(format = DateTime)]
    pub non_disclosure_until: Option<String>,
    /// Section E: judicial, law_enforcement or other.
    #[schema(value_type = crate::schema::AuthorityType, required = true)]
    pub authority_type: Option<String>,
    #[schema(value_type = RepresentativeDto, required = true)]
    pub representative: Option<RepresentativeDto>,
    #[schema(max_length = 128)]
    pub file_number: Option<String>,
    /// Section F: where feedback and questions go.
    #[schema(value_type = String, required = true, max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    pub contact_email: Option<String>,
    /// Section G: redress.
    #[schema(value_type = RedressDto, required = true)]
    pub redress: Option<RedressDto>,
    /// Required for a first order to a platform without a 12-hour advance notice (art. 3(2)).
    #[schema(min_length = 1, max_length = 5000, pattern = r"\S")]
    pub emergency_justification: Option<String>,
    #[serde(default)]
    pub threat_to_life: bool,
    /// The content's language, by its ISO 639-1 code (two lower-case letters), if known; its
    /// types are the `reasons`.
    #[schema(value_type = Option<crate::schema::LanguageCode>)]
    pub language: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "intake", request_body = OrderRequest,
    responses((status = 409, body = crate::error::Problem, description = "`order_state`"), (status = 201, body = ReceiptDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn submit_order(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<OrderRequest>,
) -> ApiResult<(StatusCode, Json<ReceiptDto>)> {
    let redress = req.redress.map(|r| Redress {
        body: r.body,
        deadline_days: r.deadline_days,
        deadline_hours: r.deadline_hours,
        deadline_from: r.deadline_from,
        provisions_url: r.provisions_url,
    });
    let input = OrderInput {
        addressee: req.addressee,
        locations: locations(req.locations),
        threat_to_life: req.threat_to_life,
        non_disclosure_until: req.non_disclosure_until,
        language: req.language,
        form: RawOrderForm {
            reference: req.reference,
            reasons: req.reasons,
            statement_of_reasons: req.statement_of_reasons,
            redress,
            non_disclosure: req.non_disclosure,
            authority_type: req.authority_type,
            representative: req.representative.map(|r| Representative { name: r.name, post: r.post }),
            file_number: req.file_number,
            contact_email: req.contact_email,
            emergency_justification: req.emergency_justification,
        },
    };
    let receipt = s.app.submit_order(&p, input).await?;
    Ok((StatusCode::CREATED, Json(ReceiptDto::new(receipt, true))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceNoticeRequest {
    /// The platform's organisation id.
    #[schema(value_type = String, required = true)]
    pub platform: Option<String>,
    /// The procedures and deadlines that apply to orders.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000, pattern = r"\S")]
    pub information: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdvanceNoticeDto {
    pub id: String,
    pub platform: String,
    pub sent_at: String,
    /// The earliest time a first order may follow without an emergency justification.
    pub orders_possible_from: String,
}

#[utoipa::path(post, path = "/api/v1/advance-notices", tag = "intake", request_body = AdvanceNoticeRequest,
    responses((status = 201, body = AdvanceNoticeDto)), security(("bearer" = [])))]
pub async fn send_advance_notice(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<AdvanceNoticeRequest>,
) -> ApiResult<(StatusCode, Json<AdvanceNoticeDto>)> {
    let rec = s
        .app
        .send_advance_notice(&p, AdvanceNoticeInput { platform: req.platform, information: req.information })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AdvanceNoticeDto {
            id: rec.id.to_string(),
            platform: rec.platform.to_string(),
            sent_at: rec.sent_at.to_rfc3339(),
            orders_possible_from: rec.sent_at.plus(vigie_model::order::ADVANCE_NOTICE_LEAD).to_rfc3339(),
        }),
    ))
}

async fn get_signal(
    s: AppState,
    p: vigie_model::Principal,
    id: String,
    kind: SignalKind,
) -> ApiResult<Json<SignalDto>> {
    let view = s.app.get_signal(&p, &id, kind).await?;
    Ok(Json(SignalDto::new(view, s.app.now())))
}

#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "intake", params(("id" = String, Path)),
    responses((status = 200, body = SignalDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_notice(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SignalDto>> {
    get_signal(s, p, id, SignalKind::Notice).await
}

#[utoipa::path(get, path = "/api/v1/referrals/{id}", tag = "intake", params(("id" = String, Path)),
    responses((status = 200, body = SignalDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn get_referral(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SignalDto>> {
    get_signal(s, p, id, SignalKind::Referral).await
}

/// Public: the notifier follows a notice with the receipt's tracking code.
#[utoipa::path(get, path = "/api/v1/notices/track/{code}", tag = "intake", params(("code" = String, Path)),
    responses((status = 200, body = TrackingDto), (status = 404, body = crate::error::Problem)))]
pub async fn track_notice(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> ApiResult<Json<TrackingDto>> {
    public_gate(&s, peer)?;
    Ok(Json(s.app.track_notice(&code).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Continue after this id.
    pub after: Option<String>,
    /// 1 to 1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignalList {
    pub signals: Vec<SignalDto>,
}

/// Administrators: every signal, in id order.
#[utoipa::path(get, path = "/api/v1/signals", tag = "admin", params(ListQuery),
    responses((status = 200, body = SignalList)), security(("bearer" = [])))]
pub async fn list_signals(
    State(s): State<AppState>,
    Auth(p): Auth,
    Params(q): Params<ListQuery>,
) -> ApiResult<Json<SignalList>> {
    let limit = in_range("limit", q.limit, 100, (1, 1000))?;
    let list = s.app.list_signals(&p, q.after, limit).await?;
    Ok(Json(SignalList { signals: list.into_iter().map(SignalDto::summary).collect() }))
}
