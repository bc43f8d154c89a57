//! An authority's pages: removal orders (the Annex I form, and the list with each order's clock,
//! Annex II feedback, Annex III grounds and overdue flag) and referrals.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::intake::{OrderInput, ReferralInput};
use vigie_app::reviewing::relative;
use vigie_model::location::RawLocation;
use vigie_model::order::{ClockStatus, ORDER_DEADLINE, OrderState, OrderStatus, RawOrderForm, Redress, Representative};
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
    /// Where the order stands, in words: "removed in 3 min, within the hour", "paused: Annex III".
    feedback: String,
    /// The platform asked for a clarification and none was sent yet: the answer form shows.
    awaiting_clarification: bool,
    cannot_comply: Option<String>,
    /// Running clocks first (late, then by deadline), then waiting, paused, done.
    rank: (u8, i64),
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
    /// Every language: code and name, by name; the one chosen is `form.language`.
    languages: Vec<(&'static str, &'static str)>,
    language: String,
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
    /// The content's language (a code), or empty.
    language: String,
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
    let mut rows: Vec<OrderRow> = orders
        .iter()
        .map(|o| {
            let r = &o.order;
            let c = &r.clock;
            OrderRow {
                id: r.id.as_str().to_owned(),
                reference: r.reference.clone(),
                platform: name(r.platform.as_str()),
                issued: relative(r.intake_at, now),
                state: OrderStatus::of(c.state, r.ended_at).as_str().replace('_', " "),
                clock: ClockView::of(c.status(r.ended_at, now), now),
                overdue: c.overdue_at.is_some(),
                feedback: feedback_words(r, now),
                awaiting_clarification: r.ended_at.is_none()
                    && c.state == OrderState::AwaitingClarification
                    && c.clarification_sent_at.is_none(),
                cannot_comply: r.cannot_comply.as_ref().map(super::legal::annex_iii_text),
                rank: (running_rank(c.status(r.ended_at, now)), c.deadline.map_or(i64::MAX, |d| d.as_micros())),
                ended: r.ended_at.map(|at| format!("stopped having effect {}", relative(at, now))),
                urls: o.cases.iter().filter_map(|c| c.url.clone()).collect(),
            }
        })
        .collect();
    // The running ones first, the most urgent at the top; then the rest, newest first (the
    // store's order, kept by the stable sort).
    rows.sort_by_key(|r| r.rank);
    Ok(OrdersPage {
        me: Some(Me::load(&s.app, v, "/orders").await),
        csrf: v.csrf.clone(),
        rows,
        platforms,
        errors,
        reasons: REASONS.to_vec(),
        languages: super::grounds::language_choices(vigie_model::labels::Language::all()),
        language: form.language.clone(),
        form,
    })
}

/// How long something took, in words: "40 s", "3 min", "1 h 05 min".
pub(crate) fn took(micros: i64) -> String {
    let secs = (micros / 1_000_000).max(0);
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s => format!("{} h {:02} min", s / 3_600, (s % 3_600) / 60),
    }
}

fn running_rank(status: ClockStatus) -> u8 {
    match status {
        ClockStatus::Late { .. } => 0,
        ClockStatus::Running { .. } => 1,
        ClockStatus::AwaitingReceipt => 2,
        ClockStatus::Paused { .. } => 3,
        ClockStatus::Complied { .. } | ClockStatus::Ended { .. } => 4,
    }
}

/// The platform's feedback on an order, in words: Annex II (what it did and how fast, against
/// the hour), or Annex III (why it paused), or where the hour stands.
fn feedback_words(r: &vigie_store::OrderRecord, now: vigie_model::Timestamp) -> String {
    let c = &r.clock;
    match c.status(r.ended_at, now) {
        ClockStatus::AwaitingReceipt => "sent; the platform has not received it yet".to_owned(),
        ClockStatus::Running { deadline } => {
            format!("received; {} left of the hour", took(deadline.since(now).as_micros()))
        }
        ClockStatus::Late { deadline } => {
            format!("not complied with: the hour ran out {}", relative(deadline, now))
        }
        ClockStatus::Paused { state } => {
            let why = r.cannot_comply.as_ref().map(super::legal::annex_iii_text).unwrap_or_default();
            match state {
                OrderState::ForceMajeure => {
                    format!("paused: Annex III, force majeure ({why}); the hour restarts when the platform resumes")
                }
                _ if c.clarification_sent_at.is_some() => format!(
                    "paused: Annex III ({why}); your clarification was sent {}, the hour restarts when the platform receives it",
                    relative(c.clarification_sent_at.unwrap_or(now), now)
                ),
                _ => format!("paused: Annex III, the platform asks for a clarification ({why})"),
            }
        }
        ClockStatus::Complied { at, late } => {
            let measure = match r.measure {
                Some(vigie_model::decision::Action::Disable) => "disabled",
                _ => "removed",
            };
            // The hour that counted: the last one started (at receipt, or again after a pause).
            let start = c.deadline.map(|d| d.minus(ORDER_DEADLINE)).or(c.received_at).unwrap_or(c.sent_at);
            format!(
                "{measure} in {}, {} (Annex II, {})",
                took(at.since(start).as_micros()),
                if late { "late: after the hour" } else { "within the hour" },
                relative(at, now)
            )
        }
        ClockStatus::Ended { at, executed } => format!(
            "stopped having effect {}{}",
            relative(at, now),
            if executed { ", after it had been complied with" } else { ", never executed" }
        ),
    }
}

/// A new order form, filled in from the authority's profile where it has one.
async fn blank_form(s: &AppState, v: &Viewer) -> Result<OrderFormValues, PageError> {
    let profile = ProfileView::of(s.app.authority_profile(&v.principal, v.principal.org.as_str()).await?);
    Ok(OrderFormValues {
        authority_type: if profile.authority_type.is_empty() {
            "law_enforcement".into()
        } else {
            profile.authority_type
        },
        representative_name: profile.representative_name,
        representative_post: profile.representative_post,
        contact_email: profile.contact_email,
        redress_body: profile.redress_body,
        redress_deadline: profile.redress_deadline,
        redress_hours: profile.redress_hours,
        redress_from: profile.redress_from,
        ..OrderFormValues::default()
    })
}

/// An authority's order profile as its form shows it (blank where unset).
pub(crate) struct ProfileView {
    pub(crate) authority_type: String,
    pub(crate) representative_name: String,
    pub(crate) representative_post: String,
    pub(crate) contact_email: String,
    pub(crate) redress_body: String,
    pub(crate) redress_deadline: String,
    pub(crate) redress_hours: bool,
    pub(crate) redress_from: String,
}

impl ProfileView {
    pub(crate) fn of(profile: Option<vigie_store::AuthorityProfileRecord>) -> Self {
        let Some(p) = profile else {
            return ProfileView {
                authority_type: String::new(),
                representative_name: String::new(),
                representative_post: String::new(),
                contact_email: String::new(),
                redress_body: String::new(),
                redress_deadline: String::new(),
                redress_hours: false,
                redress_from: String::new(),
            };
        };
        ProfileView {
            authority_type: p.authority_type.unwrap_or_default(),
            representative_name: p.representative_name.unwrap_or_default(),
            representative_post: p.representative_post.unwrap_or_default(),
            contact_email: p.contact_email.unwrap_or_default(),
            redress_body: p.redress_body.unwrap_or_default(),
            redress_deadline: p.redress_deadline.map(|d| d.to_string()).unwrap_or_default(),
            redress_hours: p.redress_hours,
            redress_from: p.redress_from.unwrap_or_default(),
        }
    }
}

pub(crate) async fn orders(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    require_authority(&v)?;
    let form = blank_form(&s, &v).await?;
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
        language: get("language"),
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
        language: text(&form, "language"),
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
    /// The content's language (a code), or empty; every language, by name.
    language: String,
    languages: Vec<(&'static str, &'static str)>,
    /// The types ticked (letters); every type: letter, words, sentence.
    harm_types: Vec<String>,
    harms: Vec<(&'static str, &'static str, &'static str)>,
    errors: Vec<String>,
}

/// The referral form's values, shown again after a refusal.
#[derive(Default)]
struct ReferralFormValues {
    urls: String,
    explanation: String,
    reference: String,
    terms_clause: String,
    language: String,
    harm_types: Vec<String>,
}

async fn referrals_view(
    s: &AppState,
    v: &Viewer,
    kept: ReferralFormValues,
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
        urls: kept.urls,
        explanation: kept.explanation,
        reference: kept.reference,
        terms_clause: kept.terms_clause,
        language: kept.language,
        languages: super::grounds::language_choices(vigie_model::labels::Language::all()),
        harm_types: kept.harm_types,
        harms: super::grounds::harm_choices(),
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
        language: text(&form, "language"),
        harm_types: all(&form, "harm_type").into_iter().map(str::to_owned).collect(),
    };
    match s.app.submit_referral(&v.principal, input).await {
        Ok(_) => Ok(redirect("/referrals")),
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let errors = problems(&invalid);
            let kept = ReferralFormValues {
                urls: get("urls"),
                explanation: get("explanation"),
                reference: get("reference"),
                terms_clause: get("terms_clause"),
                language: get("language"),
                harm_types: all(&form, "harm_type").into_iter().map(str::to_owned).collect(),
            };
            page_with(&referrals_view(&s, &v, kept, errors).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// Answers a platform's request for clarification (TCO art. 3(8)): the hour restarts when the
/// platform receives it.
pub(crate) async fn clarify(
    State(s): State<AppState>,
    v: Viewer,
    axum::extract::Path(id): axum::extract::Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_authority(&v)?;
    match s.app.clarify_order(&v.principal, &id, text(&form, "clarification")).await {
        Ok(_) => Ok(redirect(&format!("/orders#order-{id}"))),
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let form = blank_form(&s, &v).await?;
            page_with(&orders_view(&s, &v, form, problems(&invalid)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}
