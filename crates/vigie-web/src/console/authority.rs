//! An authority's pages: removal orders (the Annex I form, and the list with each order's clock,
//! Annex II feedback, Annex III grounds and overdue flag) and referrals.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::intake::{OrderInput, ReferralInput};
use vigie_app::reviewing::relative;
use vigie_model::location::RawLocation;
use vigie_model::order::{OrderStatus, RawOrderForm, Redress, Representative};
use vigie_model::org::{OrgKind, Role};

use super::review::ClockView;
use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, all, field, page, page_with, problems, redirect, text};
use crate::AppState;

fn require_authority(v: &Viewer) -> Result<(), PageError> {
    let p = &v.principal;
    if p.org_kind == OrgKind::Authority && p.roles.contains(&Role::Reporter) {
        Ok(())
    } else {
        Err(vigie_app::AppError::Forbidden("these pages are for an authority's reporters").into())
    }
}

struct OrderRow {
    id: String,
    reference: String,
    platform: String,
    issued: String,
    state: String,
    clock: ClockView,
    overdue: bool,
    feedback: Option<String>,
    cannot_comply: Option<String>,
    ended: Option<String>,
    urls: Vec<String>,
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<OrderRow>,
    platforms: Vec<(String, String)>,
    form: OrderFormValues,
    errors: Vec<String>,
    reasons: Vec<(&'static str, &'static str)>,
}

/// The order form's values, shown again after a refusal.
#[derive(Default)]
struct OrderFormValues {
    addressee: String,
    reference: String,
    urls: String,
    reasons: Vec<String>,
    statement: String,
    non_disclosure: bool,
    non_disclosure_until: String,
    authority_type: String,
    representative_name: String,
    representative_post: String,
    file_number: String,
    contact_email: String,
    redress_body: String,
    redress_deadline: String,
    /// The deadline counts in hours (France: 48 hours, LCEN art. 6-1-5), not days.
    redress_hours: bool,
    redress_from: String,
    emergency: String,
    threat: bool,
}

const REASONS: [(&str, &str); 5] = [
    ("a", "(a) incites the commission of terrorist offences, causing a danger that they may be committed"),
    ("b", "(b) solicits a person or group to commit or contribute to such offences"),
    ("c", "(c) solicits participation in the activities of a terrorist group"),
    ("d", "(d) instructs on making or using weapons or hazardous substances"),
    ("e", "(e) threatens to commit a terrorist offence"),
];

async fn orders_view(
    s: &AppState,
    v: &Viewer,
    form: OrderFormValues,
    errors: Vec<String>,
) -> Result<OrdersPage, PageError> {
    let orders = s.app.authority_orders(&v.principal).await?;
    let platforms = s.app.platforms(&v.principal).await?;
    let now = s.app.now();
    let name = |id: &str| platforms.iter().find(|(p, _)| p == id).map_or_else(|| id.to_owned(), |(_, n)| n.clone());
    let rows = orders
        .iter()
        .map(|o| {
            let r = &o.order;
            let c = &r.clock;
            let reasons = r.cannot_comply.as_ref().map(|n| {
                let list: Vec<String> = n.reasons.iter().map(|x| x.as_str().replace('_', " ")).collect();
                format!("{}{}", list.join(", "), n.explanation.as_deref().map_or(String::new(), |e| format!(": {e}")))
            });
            OrderRow {
                id: r.id.as_str().to_owned(),
                reference: r.reference.clone(),
                platform: name(r.platform.as_str()),
                issued: relative(r.intake_at, now),
                state: OrderStatus::of(c.state, r.ended_at).as_str().replace('_', " "),
                clock: ClockView::of(c.status(r.ended_at, now), now),
                overdue: c.overdue_at.is_some(),
                feedback: c
                    .actioned_at
                    .map(|at| format!("{} at {}", r.measure.map_or("actioned", |m| m.as_str()), at.to_rfc3339())),
                cannot_comply: reasons,
                ended: r.ended_at.map(|at| format!("stopped having effect {}", relative(at, now))),
                urls: o.cases.iter().filter_map(|c| c.url.clone()).collect(),
            }
        })
        .collect();
    Ok(OrdersPage {
        me: Some(Me::load(&s.app, v, "/orders").await),
        csrf: v.csrf.clone(),
        rows,
        platforms,
        form,
        errors,
        reasons: REASONS.to_vec(),
    })
}

pub(crate) async fn orders(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    require_authority(&v)?;
    let form = OrderFormValues { authority_type: "law_enforcement".into(), ..OrderFormValues::default() };
    page(&orders_view(&s, &v, form, Vec::new()).await?)
}

pub(crate) async fn submit_order(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_authority(&v)?;
    let get = |name: &str| field(&form, name).unwrap_or_default().to_owned();
    let kept = OrderFormValues {
        addressee: get("addressee"),
        reference: get("reference"),
        urls: get("urls"),
        reasons: all(&form, "reasons").into_iter().map(str::to_owned).collect(),
        statement: get("statement_of_reasons"),
        non_disclosure: field(&form, "non_disclosure") == Some("yes"),
        non_disclosure_until: get("non_disclosure_until"),
        authority_type: get("authority_type"),
        representative_name: get("representative_name"),
        representative_post: get("representative_post"),
        file_number: get("file_number"),
        contact_email: get("contact_email"),
        redress_body: get("redress_body"),
        redress_deadline: get("redress_deadline"),
        redress_hours: field(&form, "redress_unit") == Some("hours"),
        redress_from: get("redress_from"),
        emergency: get("emergency_justification"),
        threat: field(&form, "threat_to_life") == Some("yes"),
    };
    let until = text(&form, "non_disclosure_until").map(|d| if d.len() == 10 { format!("{d}T00:00:00Z") } else { d });
    let input = OrderInput {
        addressee: text(&form, "addressee"),
        locations: kept
            .urls
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|u| RawLocation { url: Some(u.to_owned()), ..RawLocation::default() })
            .collect(),
        form: RawOrderForm {
            reference: text(&form, "reference"),
            reasons: Some(kept.reasons.clone()),
            statement_of_reasons: text(&form, "statement_of_reasons"),
            redress: Some(Redress {
                body: text(&form, "redress_body"),
                deadline_days: (field(&form, "redress_unit") != Some("hours"))
                    .then(|| text(&form, "redress_deadline").and_then(|d| d.parse().ok()))
                    .flatten(),
                deadline_hours: (field(&form, "redress_unit") == Some("hours"))
                    .then(|| text(&form, "redress_deadline").and_then(|d| d.parse().ok()))
                    .flatten(),
                deadline_from: text(&form, "redress_from"),
                provisions_url: None,
            }),
            non_disclosure: Some(kept.non_disclosure),
            authority_type: text(&form, "authority_type"),
            representative: Some(Representative {
                name: text(&form, "representative_name"),
                post: text(&form, "representative_post"),
            }),
            file_number: text(&form, "file_number"),
            contact_email: text(&form, "contact_email"),
            emergency_justification: text(&form, "emergency_justification"),
        },
        non_disclosure_until: if kept.non_disclosure { until } else { None },
        threat_to_life: kept.threat,
    };
    match s.app.submit_order(&v.principal, input).await {
        Ok(_) => Ok(redirect("/orders")),
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let errors = problems(&invalid);
            page_with(&orders_view(&s, &v, kept, errors).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

struct ReferralRow {
    reference: String,
    received: String,
    cases: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<ReferralRow>,
    urls: String,
    explanation: String,
    reference: String,
    terms_clause: String,
    errors: Vec<String>,
}

async fn referrals_view(
    s: &AppState,
    v: &Viewer,
    (urls, explanation, reference, terms_clause): (String, String, String, String),
    errors: Vec<String>,
) -> Result<ReferralsPage, PageError> {
    let list = s.app.authority_referrals(&v.principal).await?;
    let now = s.app.now();
    let rows = list
        .iter()
        .map(|r| {
            let details: serde_json::Value = serde_json::from_str(&r.signal.details).unwrap_or_default();
            ReferralRow {
                reference: details["reference"].as_str().unwrap_or("").to_owned(),
                received: relative(r.signal.received_at, now),
                cases: r
                    .cases
                    .iter()
                    .map(|c| {
                        let state = c.status().as_str().replace('_', " ");
                        let outcome = if c.decided_at.is_some() { "decided" } else { "waiting for the platform" };
                        (c.url.clone().unwrap_or_else(|| c.key.clone()), state, outcome.to_owned())
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(ReferralsPage {
        me: Some(Me::load(&s.app, v, "/referrals").await),
        csrf: v.csrf.clone(),
        rows,
        urls,
        explanation,
        reference,
        terms_clause,
        errors,
    })
}

pub(crate) async fn referrals(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    require_authority(&v)?;
    page(&referrals_view(&s, &v, Default::default(), Vec::new()).await?)
}

pub(crate) async fn submit_referral(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_authority(&v)?;
    let get = |name: &str| field(&form, name).unwrap_or_default().to_owned();
    let input = ReferralInput {
        explanation: text(&form, "explanation"),
        locations: get("urls")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|u| RawLocation { url: Some(u.to_owned()), ..RawLocation::default() })
            .collect(),
        reference: text(&form, "reference"),
        terms_clause: text(&form, "terms_clause"),
        threat_to_life: field(&form, "threat_to_life") == Some("yes"),
    };
    match s.app.submit_referral(&v.principal, input).await {
        Ok(_) => Ok(redirect("/referrals")),
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let errors = problems(&invalid);
            let kept = (get("urls"), get("explanation"), get("reference"), get("terms_clause"));
            page_with(&referrals_view(&s, &v, kept, errors).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}
