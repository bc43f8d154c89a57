//! The scrutinising authority's page (TCO art. 4): the scrutiny requests it must decide, each with
//! the order, the requester's reasons, the platform's purpose concerns and the 72-hour deadline;
//! the form that tells the issuing authority of an intention to find an infringement (art. 4(5)),
//! and the decision form. The same use-cases as `GET /api/v1/scrutinies`,
//! `POST /api/v1/scrutinies/{id}/intention` and `POST /api/v1/scrutinies/{id}/decision`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vigie_app::dueprocess::scrutiny::ScrutinyDecisionInput;
use vigie_app::reviewing::relative;
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{ScrutinyState, ScrutinyTrigger};

use super::review::ClockView;
use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, page, page_with, problems, redirect, text};
use crate::AppState;

fn require_authority(v: &Viewer) -> Result<(), PageError> {
    let p = &v.principal;
    if p.org_kind == OrgKind::Authority && p.roles.contains(&Role::Reporter) {
        Ok(())
    } else {
        Err(vigie_app::AppError::Forbidden("scrutiny is decided by an authority's reporters").into())
    }
}

struct ScrutinyRow {
    id: String,
    reference: String,
    issuer: String,
    platform: String,
    urls: Vec<String>,
    statement: String,
    /// The order's grounds (Annex I section B), in words.
    grounds: Vec<&'static str>,
    /// Where the order itself stands: its one-hour clock (complied, paused, ended...).
    order_clock: ClockView,
    trigger: String,
    requested: String,
    reasons: String,
    pending: bool,
    due: Option<ClockView>,
    overdue: bool,
    /// The outcome and when, once decided.
    outcome: Option<String>,
    decision_reasons: String,
    /// When and why the issuing authority was told of an intention to find an infringement.
    intention: Option<String>,
    /// The platform's art. 1(3) purpose concerns: (purpose, rationale).
    concerns: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "scrutiny.html")]
struct ScrutinyPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<ScrutinyRow>,
    /// A sentence about the scrutiny just decided.
    done: Option<String>,
    /// The scrutiny whose form was refused, and why.
    errors: Option<(String, Vec<String>)>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ScrutinyQuery {
    decided: Option<String>,
}

/// The grounds of TCO art. 2(7) an order may give (Annex I section B), in words.
const GROUNDS: [(&str, &str); 5] = [
    ("a", "(a) incites the commission of terrorist offences"),
    ("b", "(b) solicits a person or group to commit or contribute to such offences"),
    ("c", "(c) solicits participation in the activities of a terrorist group"),
    ("d", "(d) instructs on making or using weapons or hazardous substances"),
    ("e", "(e) threatens to commit a terrorist offence"),
];

fn trigger_text(t: ScrutinyTrigger) -> &'static str {
    match t {
        ScrutinyTrigger::Platform => "the platform (within 48 hours of receiving the order)",
        ScrutinyTrigger::Uploader => "the content provider (within 48 hours of being informed)",
        ScrutinyTrigger::ExOfficio => "this authority, on its own initiative (within 72 hours of the copy)",
    }
}

fn outcome_text(state: ScrutinyState) -> &'static str {
    match state {
        ScrutinyState::Infringement => {
            "infringement found: the order stopped having effect and the content is reinstated"
        }
        ScrutinyState::NoInfringement => "no infringement: the order stands",
        ScrutinyState::Pending => "pending",
    }
}

async fn view(
    s: &AppState,
    v: &Viewer,
    done: Option<String>,
    errors: Option<(String, Vec<String>)>,
) -> Result<ScrutinyPage, PageError> {
    let desk = s.app.scrutiny_desk(&v.principal).await?;
    let now = s.app.now();
    let rows = desk
        .into_iter()
        .map(|x| {
            let sc = &x.scrutiny;
            let pending = sc.state == ScrutinyState::Pending;
            ScrutinyRow {
                id: sc.id.as_str().to_owned(),
                reference: x.order.reference.clone(),
                issuer: x.issuer,
                platform: x.platform,
                urls: x.cases.iter().filter_map(|c| c.url.clone()).collect(),
                statement: x.order.form.form.statement_of_reasons.clone(),
                grounds: x
                    .order
                    .form
                    .form
                    .reasons
                    .iter()
                    .filter_map(|r| GROUNDS.iter().find(|(code, _)| *code == r.letter()).map(|(_, words)| *words))
                    .collect(),
                order_clock: ClockView::of(x.order.clock.status(x.order.ended_at, now), now),
                trigger: trigger_text(sc.trigger).to_owned(),
                requested: format!("{} ({})", sc.requested_at, relative(sc.requested_at, now)),
                reasons: x.reasons.unwrap_or_else(|| "(erased at the end of its retention)".to_owned()),
                pending,
                due: pending.then(|| ClockView::of_case(None, Some(sc.due_at), now)).flatten(),
                overdue: sc.overdue_at.is_some() || (pending && vigie_model::is_overdue(sc.due_at, now)),
                outcome: sc.decided_at.map(|at| format!("{}, {}", outcome_text(sc.state), relative(at, now))),
                decision_reasons: sc.decision_reasons.clone().unwrap_or_default(),
                intention: sc.intention_at.map(|at| {
                    format!("told {}: {}", relative(at, now), sc.intention_reasons.clone().unwrap_or_default())
                }),
                concerns: sc
                    .purpose_concerns
                    .as_deref()
                    .and_then(|j| serde_json::from_str::<Vec<serde_json::Value>>(j).ok())
                    .unwrap_or_default()
                    .iter()
                    .map(|c| {
                        (
                            c["purpose"].as_str().unwrap_or_default().replace('_', " "),
                            c["rationale"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(ScrutinyPage { me: Some(Me::load(&s.app, v, "/scrutiny").await), csrf: v.csrf.clone(), rows, done, errors })
}

pub(crate) async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ScrutinyQuery>,
) -> Result<Response, PageError> {
    require_authority(&v)?;
    // The confirmation is read back from the store, never taken from the address.
    let done = match q.decided.as_deref() {
        Some(id) => s
            .app
            .get_scrutiny(&v.principal, id)
            .await
            .ok()
            .filter(|sc| sc.state != ScrutinyState::Pending)
            .map(|sc| format!("Scrutiny decided: {}.", outcome_text(sc.state))),
        None => None,
    };
    page(&view(&s, &v, done, None).await?)
}

/// TCO art. 4(5): the issuing authority is told of the intention to find an infringement.
pub(crate) async fn intention(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_authority(&v)?;
    match s.app.scrutiny_intention(&v.principal, &id, text(&form, "reasons")).await {
        Ok(_) => Ok(redirect("/scrutiny")),
        Err(vigie_app::AppError::Invalid(i)) => {
            let t = view(&s, &v, None, Some((id, problems(&i)))).await?;
            page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            let t = view(&s, &v, None, Some((id, vec![message]))).await?;
            page_with(&t, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn decide(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_authority(&v)?;
    let input = ScrutinyDecisionInput { outcome: text(&form, "outcome"), reasons: text(&form, "reasons") };
    match s.app.decide_scrutiny(&v.principal, &id, input).await {
        Ok(_) => Ok(redirect(&format!("/scrutiny?decided={id}"))),
        Err(vigie_app::AppError::Invalid(i)) => {
            let t = view(&s, &v, None, Some((id, problems(&i)))).await?;
            page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            let t = view(&s, &v, None, Some((id, vec![message]))).await?;
            page_with(&t, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
