//! A platform's legal answers on one case (`/cases/{id}/legal`): each removal order with its clock
//! and the Annex III answer (cannot comply for force majeure, or a request for clarification for
//! manifest errors or missing information, TCO art. 3(7)-(8)), resuming after force majeure, and
//! an imminent threat to life: flagging it, referring it to law enforcement (DSA art. 18, TCO art.
//! 14(5)) and acknowledging the alert. The same use-cases as `POST /api/v1/orders/{id}/cannot-comply`,
//! `/resume`, `/cases/{id}/threat-to-life`, `/law-enforcement-referrals` and `/threat-to-life/ack`;
//! who may do what is decided there.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::dueprocess::threats::ReferralToPoliceInput;
use vigie_app::reviewing::relative;
use vigie_model::order::{CannotComplyReason, OrderState};

use super::review::ClockView;
use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, all, field, page, page_with, problems, redirect, text};
use crate::AppState;

/// The Annex III reasons, with what each means in plain words.
const REASONS: [(&str, &str); 3] = [
    (
        "force_majeure",
        "Force majeure or de facto impossibility not attributable to us (art. 3(7)), for example an outage of the service or the content being on a system we cannot reach. The clock stops until we resume.",
    ),
    (
        "manifest_errors",
        "The order contains manifest errors (art. 3(8)), for example an address that does not exist on our service or a wrong addressee. Asks the authority for a clarification.",
    ),
    (
        "insufficient_information",
        "The order lacks information we need to execute it (art. 3(8)), for example no exact address of the content. Asks the authority for a clarification.",
    ),
];

/// An Annex III answer as stored (`{"reasons": [...], "explanation": ...}`), in words.
pub(crate) fn annex_iii_text(notice: &vigie_model::order::CannotComplyNotice) -> String {
    let list: Vec<&str> = notice
        .reasons
        .iter()
        .map(|r| match r {
            CannotComplyReason::ForceMajeure => "force majeure",
            CannotComplyReason::ManifestErrors => "manifest errors",
            CannotComplyReason::InsufficientInformation => "insufficient information",
        })
        .collect();
    format!("{}{}", list.join(", "), notice.explanation.as_deref().map_or(String::new(), |e| format!(": {e}")))
}

struct OrderRow {
    id: String,
    reference: String,
    clock: ClockView,
    statement: String,
    /// The platform may still answer with Annex III (the clock is pending receipt or running).
    answerable: bool,
    /// Paused for force majeure: the platform resumes when it ends.
    resumable: bool,
    answered: Option<String>,
    clarifications: Vec<(String, String)>,
    /// Why this order's form was just refused.
    errors: Vec<String>,
}

struct ReferralRow {
    basis: String,
    to: String,
    sent: String,
}

#[derive(Template)]
#[template(path = "legal.html")]
struct LegalPage {
    me: Option<Me>,
    csrf: String,
    id: String,
    target: String,
    orders: Vec<OrderRow>,
    reasons: Vec<(&'static str, &'static str)>,
    threat: bool,
    /// The alert's state in words, when there is one.
    alert: Option<String>,
    acknowledged: bool,
    referrals: Vec<ReferralRow>,
    /// A sentence about what was just done.
    done: Option<String>,
    /// Why a threat-to-life form was just refused.
    threat_errors: Vec<String>,
}

/// Which form was refused: an order's Annex III form, or one of the threat-to-life forms.
enum Refused {
    Order(String),
    Threat,
}

async fn view(
    s: &AppState,
    v: &Viewer,
    id: &str,
    done: Option<String>,
    errors: Option<(Refused, Vec<String>)>,
) -> Result<LegalPage, PageError> {
    let case = s.app.get_case(&v.principal, id).await?;
    let threat = s.app.threat(&v.principal, id).await?;
    let now = s.app.now();
    let orders = case
        .orders
        .iter()
        .map(|o| {
            let r = &o.order;
            OrderRow {
                id: r.id.as_str().to_owned(),
                reference: r.reference.clone(),
                clock: ClockView::of(r.clock.status(r.ended_at, now), now),
                statement: r.form.form.statement_of_reasons.clone(),
                answerable: r.ended_at.is_none()
                    && matches!(r.clock.state, OrderState::PendingReceipt | OrderState::Running),
                resumable: r.ended_at.is_none() && r.clock.state == OrderState::ForceMajeure,
                answered: r.cannot_comply.as_ref().map(annex_iii_text),
                clarifications: r.form.clarifications.iter().map(|c| (relative(c.at, now), c.text.clone())).collect(),
                errors: match &errors {
                    Some((Refused::Order(o), lines)) if o == r.id.as_str() => lines.clone(),
                    _ => Vec::new(),
                },
            }
        })
        .collect();
    let alert = threat.alert.as_ref().map(|a| match a.acknowledged_at {
        Some(at) => format!("raised {}, acknowledged {}", relative(a.raised_at, now), relative(at, now)),
        None => format!(
            "raised {}, escalated {} time{} so far; it escalates every 15 minutes until acknowledged",
            relative(a.raised_at, now),
            a.level,
            if a.level == 1 { "" } else { "s" }
        ),
    });
    Ok(LegalPage {
        me: Some(Me::load(&s.app, v, "/queue").await),
        csrf: v.csrf.clone(),
        id: case.case.id.as_str().to_owned(),
        target: case.case.url.clone().unwrap_or_else(|| case.case.key.clone()),
        orders,
        reasons: REASONS.to_vec(),
        threat: case.case.threat_to_life,
        acknowledged: threat.alert.as_ref().is_some_and(|a| a.acknowledged_at.is_some()),
        alert,
        referrals: threat
            .referrals
            .iter()
            .map(|r| {
                let mut to = r.member_states.clone();
                if r.europol {
                    to.push("Europol".to_owned());
                }
                if r.contact_point {
                    to.push("the contact point of our member state".to_owned());
                }
                ReferralRow {
                    basis: match r.basis.as_str() {
                        "tco_14_5" => "TCO art. 14(5)".to_owned(),
                        _ => "DSA art. 18".to_owned(),
                    },
                    to: to.join(", "),
                    sent: format!("{} ({})", r.sent_at.to_rfc3339(), relative(r.sent_at, now)),
                }
            })
            .collect(),
        done,
        threat_errors: match errors {
            Some((Refused::Threat, lines)) => lines,
            _ => Vec::new(),
        },
    })
}

/// Shows the page again with what was refused beside its form, or passes other errors on.
async fn refused(
    s: &AppState,
    v: &Viewer,
    id: &str,
    form: Refused,
    e: vigie_app::AppError,
) -> Result<Response, PageError> {
    let (status, lines) = match e {
        vigie_app::AppError::Invalid(i) => (StatusCode::UNPROCESSABLE_ENTITY, problems(&i)),
        vigie_app::AppError::Conflict { message, .. } => (StatusCode::CONFLICT, vec![message]),
        other => return Err(other.into()),
    };
    page_with(&view(s, v, id, None, Some((form, lines))).await?, status)
}

fn back(id: &str, what: &str) -> Response {
    redirect(&format!("/cases/{id}/legal?done={what}"))
}

/// Annex III: cannot comply, or a request for clarification.
pub(crate) async fn cannot_comply(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, order)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let reasons = all(&form, "reasons").into_iter().map(str::to_owned).collect();
    match s.app.cannot_comply(&v.principal, &order, reasons, text(&form, "explanation")).await {
        Ok(_) => Ok(back(&id, "answered")),
        Err(e) => refused(&s, &v, &id, Refused::Order(order), e).await,
    }
}

/// The force majeure ended: a fresh hour starts.
pub(crate) async fn resume(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, order)): Path<(String, String)>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    match s.app.resume_order(&v.principal, &order).await {
        Ok(_) => Ok(back(&id, "resumed")),
        Err(e) => refused(&s, &v, &id, Refused::Order(order), e).await,
    }
}

pub(crate) async fn flag(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    match s.app.flag_threat(&v.principal, &id, text(&form, "note")).await {
        Ok(_) => Ok(back(&id, "flagged")),
        Err(e) => refused(&s, &v, &id, Refused::Threat, e).await,
    }
}

pub(crate) async fn refer(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let input = ReferralToPoliceInput {
        basis: text(&form, "basis"),
        member_states: text(&form, "member_states")
            .unwrap_or_default()
            .split([',', ' '])
            .filter(|m| !m.is_empty())
            .map(str::to_ascii_uppercase)
            .collect(),
        europol: field(&form, "europol") == Some("yes"),
        contact_point: field(&form, "contact_point") == Some("yes"),
        authority: None,
        note: text(&form, "note"),
    };
    match s.app.refer_to_police(&v.principal, &id, input).await {
        Ok(_) => Ok(back(&id, "referred")),
        Err(e) => refused(&s, &v, &id, Refused::Threat, e).await,
    }
}

pub(crate) async fn acknowledge(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    match s.app.acknowledge_threat(&v.principal, &id, text(&form, "note")).await {
        Ok(_) => Ok(back(&id, "acknowledged")),
        Err(e) => refused(&s, &v, &id, Refused::Threat, e).await,
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// The page after a form: the confirmation is a fixed sentence chosen by a word, never text from
/// the address.
pub(crate) async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Done>,
) -> Result<Response, PageError> {
    let done = match q.done.as_deref() {
        Some("answered") => Some("Annex III answer sent to the issuing authority: the order's clock is suspended."),
        Some("resumed") => Some("Resumed: a fresh hour runs from now."),
        Some("flagged") => Some("Flagged as a threat to life: the alert escalates until acknowledged."),
        Some("referred") => Some("Referral to law enforcement recorded, with its time."),
        Some("acknowledged") => Some("Alert acknowledged: the escalation stopped."),
        _ => None,
    };
    page(&view(&s, &v, &id, done.map(str::to_owned), None).await?)
}
