//! The reviewer's pages: the queue, a case, claims, decisions, and media shown blurred until
//! revealed.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vigie_app::finding::ClockStep;
use vigie_app::reviewing::{QueueFilter, case_clock, relative};
use vigie_model::Timestamp;
use vigie_model::decision::{Action, Purpose, RawDecision, taxonomy};
use vigie_model::order::{ClockStatus, OrderState};
use vigie_model::org::{OrgKind, Role};

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, all, field, page, page_with, problems, redirect, text};
use crate::AppState;

/// How a deadline is coloured: past, within the hour, later, none.
fn urgency(due: Option<Timestamp>, now: Timestamp) -> &'static str {
    match due {
        None => "none",
        Some(d) if vigie_model::is_overdue(d, now) => "overdue",
        Some(d) if d.since(now).as_micros() <= 3_600_000_000 => "soon",
        Some(_) => "later",
    }
}

/// A deadline as text, and as an instant for the live countdown, with the server's time so that
/// the countdown runs on the server's clock, not the browser's.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    pub(crate) iso: String,
    pub(crate) now: String,
    pub(crate) text: String,
    pub(crate) urgency: &'static str,
}

pub(crate) fn deadline(due: Option<Timestamp>, now: Timestamp) -> Option<Deadline> {
    due.map(|d| Deadline {
        iso: d.to_rfc3339(),
        now: now.to_rfc3339(),
        text: relative(d, now),
        urgency: urgency(Some(d), now),
    })
}

/// A clock as the console shows it (`templates/clock.html`): a countdown only while it counts.
#[derive(Clone, Debug)]
pub(crate) struct ClockView {
    /// `running`, `late`, `paused`, `complied`, `ended`, `awaiting_receipt`, or `deadline` for a
    /// case's deadline without an order; the countdown script's `data-clock`.
    pub(crate) state: &'static str,
    /// What it says, without the script: "in 12 min", "late, due 3 min ago", "paused (Annex III):
    /// awaiting the authority's clarification", "complied 5 min ago, on time"...
    pub(crate) text: String,
    pub(crate) countdown: Option<Deadline>,
    /// An order's clock that counts: how loud it is (`step-calm`, `step-30`, `step-15`, `step-5`,
    /// `step-late`) and that in words; empty for any other clock.
    pub(crate) step: &'static str,
    pub(crate) step_words: &'static str,
}

impl ClockView {
    /// The one wording of an order clock's state, for the queue, the case page and the
    /// authority's list.
    pub(crate) fn of(status: ClockStatus, now: Timestamp) -> Self {
        let (text, countdown) = match status {
            ClockStatus::AwaitingReceipt => ("not received yet: the hour starts at receipt".to_owned(), None),
            ClockStatus::Running { deadline: d } => (relative(d, now), deadline(Some(d), now)),
            ClockStatus::Late { deadline: d } => (format!("late, due {}", relative(d, now)), deadline(Some(d), now)),
            ClockStatus::Paused { state } => {
                let why = match state {
                    OrderState::ForceMajeure => "force majeure, until the platform resumes",
                    _ => "awaiting the authority's clarification",
                };
                (format!("paused (Annex III): {why}"), None)
            }
            ClockStatus::Complied { at, late } => {
                (format!("complied {}, {}", relative(at, now), if late { "late" } else { "on time" }), None)
            }
            ClockStatus::Ended { at, executed } => (
                format!(
                    "stopped having effect {} ({})",
                    relative(at, now),
                    if executed { "it had been complied with" } else { "not executed" }
                ),
                None,
            ),
        };
        let step = match status {
            ClockStatus::Running { deadline: d } | ClockStatus::Late { deadline: d } => Some(ClockStep::of(d, now)),
            _ => None,
        };
        ClockView {
            state: status.as_str(),
            text,
            countdown,
            step: step.map_or("", ClockStep::as_str),
            step_words: step.map_or("", ClockStep::words),
        }
    }

    /// A case's clock: its orders' most pressing one, or else its own deadline, if any.
    pub(crate) fn of_case(clock: Option<ClockStatus>, due: Option<Timestamp>, now: Timestamp) -> Option<Self> {
        match clock {
            Some(status) => Some(Self::of(status, now)),
            None => deadline(due, now).map(|d| ClockView {
                state: "deadline",
                text: d.text.clone(),
                countdown: Some(d),
                step: "",
                step_words: "",
            }),
        }
    }
}

struct Row {
    id: String,
    clock: Option<ClockView>,
    priority: i64,
    tier: String,
    target: String,
    claim: Option<String>,
    mine: bool,
    bank_match: bool,
    labels: String,
    threat: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    me: Option<Me>,
    csrf: String,
    /// What the person just decided: the case's id and a sentence, read back from the store.
    decided: Option<(String, String)>,
    rows: Vec<Row>,
    tier: String,
    label: String,
    labels: Vec<String>,
    bank_match: bool,
    overdue: bool,
    unclaimed: bool,
    tiers: Vec<(&'static str, &'static str)>,
    /// The person's saved views: id, name, address, and whether it is the one shown.
    views: Vec<(String, String, String, bool)>,
    /// The person's team queues: id, name, cases routed to it, whether it is the one shown.
    teams: Vec<(String, String, usize, bool)>,
    /// The team queue shown, or empty for the whole queue.
    team: String,
    /// The person leads a team: a link to its figures.
    lead: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    /// The case just decided, to confirm what was decided.
    decided: Option<String>,
    /// How many copies were decided alike with it.
    copies: Option<u32>,
    tier: Option<String>,
    label: Option<String>,
    bank_match: Option<String>,
    overdue: Option<String>,
    unclaimed: Option<String>,
    /// One of the person's team queues.
    team: Option<String>,
}

pub(crate) fn target_of(case: &vigie_store::CaseRecord) -> String {
    case.url
        .clone()
        .or_else(|| case.account_id.as_ref().map(|a| format!("account {a}")))
        .or_else(|| case.content_id.as_ref().map(|c| format!("content {c}")))
        .unwrap_or_else(|| case.key.clone())
}

pub(crate) fn require_reviewer(v: &Viewer) -> Result<(), PageError> {
    let p = &v.principal;
    if p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Moderator) {
        Ok(())
    } else {
        Err(vigie_app::AppError::Forbidden("the queue is for a platform's moderators").into())
    }
}

pub(crate) async fn queue(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let filter = QueueFilter {
        tier: q.tier.clone().filter(|t| !t.is_empty()),
        bank_match: q.bank_match.is_some(),
        overdue: q.overdue.is_some(),
        label: q.label.clone().filter(|l| !l.is_empty()),
        unclaimed: q.unclaimed.is_some(),
    };
    let items = s.app.queue(&v.principal, &filter).await?;
    let team = q.team.clone().filter(|t| !t.is_empty());
    let (tabs, items) = s.app.team_queues(&v.principal, items, team.as_deref()).await?;
    let now = s.app.now();
    let holders = items.iter().filter_map(|i| i.claim.as_ref().map(|c| c.user.clone())).collect();
    let names = s.app.person_names(&v.principal, holders).await?;
    let mut labels: Vec<String> =
        items.iter().flat_map(|i| i.labels.iter().cloned()).chain(filter.label.clone()).collect();
    labels.sort();
    labels.dedup();
    let rows = items
        .into_iter()
        .map(|i| {
            let mine = i.claim.as_ref().is_some_and(|c| c.user == v.principal.user);
            let claim = i.claim.as_ref().map(|c| {
                if mine {
                    format!("you, until {}", relative(c.lease_until, now))
                } else {
                    format!("{}, until {}", holder_name(&names, &c.user), relative(c.lease_until, now))
                }
            });
            Row {
                id: i.case.id.as_str().to_owned(),
                clock: ClockView::of_case(i.clock, i.case.due_at, now),
                priority: i.case.priority,
                tier: i.case.tier.as_str().replace('_', " "),
                target: target_of(&i.case),
                claim,
                mine,
                bank_match: i.bank_match,
                labels: i.labels.join("; "),
                threat: i.case.threat_to_life,
            }
        })
        .collect();
    let decided = match q.decided.as_deref() {
        Some(case) => confirmation(&s, &v, case).await.map(|(case, what)| match q.copies {
            Some(n @ 1..) => (
                case,
                format!("{what} Also {n} cop{} of it, each with its own decision:", if n == 1 { "y" } else { "ies" }),
            ),
            _ => (case, what),
        }),
        None => None,
    };
    let views = super::views::view_links(&s, &v, &filter).await?;
    let t = QueuePage {
        views,
        lead: tabs.iter().any(|t| t.lead),
        teams: tabs
            .into_iter()
            .map(|t| {
                let current = team.as_deref() == Some(t.team.id.as_str());
                (t.team.id, t.team.name, t.count, current)
            })
            .collect(),
        team: team.unwrap_or_default(),
        me: Some(Me::load(&s.app, &v, "/queue").await),
        csrf: v.csrf.clone(),
        decided,
        rows,
        tier: filter.tier.unwrap_or_default(),
        label: filter.label.unwrap_or_default(),
        labels,
        bank_match: filter.bank_match,
        overdue: filter.overdue,
        unclaimed: filter.unclaimed,
        tiers: vec![
            ("order", "Removal order"),
            ("trusted_flagger", "Trusted flagger"),
            ("referral", "Referral"),
            ("bank_match", "Bank match (stay-down)"),
            ("public", "Public notice"),
        ],
    };
    page(&t)
}

/// What a decision says, in one sentence, read back from the store (never from the address).
async fn confirmation(s: &AppState, v: &Viewer, case: &str) -> Option<(String, String)> {
    let view = s.app.get_case(&v.principal, case).await.ok()?;
    let d = view.decision?;
    let action = action_label(d.action).to_owned();
    let ground = match (&d.legal_basis, &d.terms_clause) {
        (Some(b), _) => format!(" on {b}"),
        (None, Some(t)) => format!(" under terms clause {t}"),
        (None, None) => String::new(),
    };
    let who = if d.decided_by == v.principal.user { "You decided" } else { "Decided" };
    Some((view.case.id.as_str().to_owned(), format!("{who}: {action}{ground}.")))
}

/// A person's name for their colleagues, or a neutral word when it was erased.
fn holder_name(names: &std::collections::HashMap<String, String>, user: &vigie_model::UserId) -> String {
    names.get(user.as_str()).cloned().unwrap_or_else(|| "a colleague (name erased)".to_owned())
}

/// Where a form goes back to: a path of this console, never elsewhere.
fn back(form: &[(String, String)], default: &str) -> String {
    match field(form, "return") {
        Some(r) if r.starts_with('/') && !r.starts_with("//") && !r.contains('\\') => r.to_owned(),
        _ => default.to_owned(),
    }
}

pub(crate) async fn claim(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    s.app.claim_case(&v.principal, &id).await?;
    Ok(redirect(&back(&form, &format!("/cases/{id}"))))
}

/// Takes over a case another reviewer holds: recorded, and the claim passes to the caller.
pub(crate) async fn take_over(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    s.app.take_over_case(&v.principal, &id).await?;
    Ok(redirect(&format!("/cases/{id}")))
}

pub(crate) async fn release(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    s.app.release_case(&v.principal, &id).await?;
    Ok(redirect(&back(&form, "/queue")))
}

struct SignalRow {
    kind: String,
    tier: String,
    source: String,
    received: String,
    explanation: String,
    threat: bool,
}

struct OrderRow {
    reference: String,
    clock: ClockView,
}

struct MediaRow {
    id: String,
    format: String,
    size: i64,
    sha256: String,
    pdq: String,
    note: String,
    has_preview: bool,
    raster: bool,
    revealed: bool,
    matches: Vec<(String, String, String)>,
}

struct EventRow {
    at: String,
    kind: String,
    /// Who did it: the person (for their colleagues) and their organisation, or Vigie itself.
    by: String,
}

/// The decision form's values, to show them again after a preview or a refusal.
#[derive(Default)]
pub(crate) struct DecisionForm {
    action: String,
    ground: String,
    scope: String,
    purpose: String,
    rationale: String,
    explanation: String,
    restriction: String,
    restriction_other: String,
    until: String,
    content_date: String,
    automated_detection: bool,
    automated_decision: bool,
    unfounded: bool,
    /// The copies ticked to be decided alike.
    copies: Vec<String>,
}

struct Preview {
    lines: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    me: Option<Me>,
    csrf: String,
    id: String,
    state: String,
    pending: bool,
    decidable: bool,
    target: String,
    kind: String,
    tier: String,
    priority: i64,
    threat: bool,
    clock: Option<ClockView>,
    claim: Option<String>,
    mine: bool,
    /// Another person's live claim holds the case: no decision form, a take-over button.
    held_by_other: bool,
    signals: Vec<SignalRow>,
    orders: Vec<OrderRow>,
    media: Vec<MediaRow>,
    matches: Vec<(String, i64, i64, String)>,
    accounts: Vec<String>,
    history: Vec<EventRow>,
    decision: Option<Vec<(String, String)>>,
    actions: Vec<(&'static str, &'static str)>,
    grounds: Vec<(String, String)>,
    purposes: Vec<&'static str>,
    restrictions: Vec<(&'static str, &'static str)>,
    form: DecisionForm,
    errors: Vec<String>,
    preview: Option<Preview>,
    /// The case's copies in other open cases, to decide alike (`templates/copies.html`).
    copies: Vec<CopyRow>,
    /// The case's account's history, when it names an account.
    account_history: Option<String>,
}

/// A copy of the case's content in another open case.
struct CopyRow {
    id: String,
    target: String,
    /// "same hash", "same URL, other parameters".
    why: &'static str,
    /// Ticked in the form as sent back (a refused decision keeps the choice).
    checked: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CaseQuery {
    reveal: Option<String>,
}

async fn case_view(
    s: &AppState,
    v: &Viewer,
    id: &str,
    reveal: Option<&str>,
    form: DecisionForm,
    errors: Vec<String>,
    preview: Option<Preview>,
) -> Result<CasePage, PageError> {
    let view = s.app.get_case(&v.principal, id).await?;
    let media = s.app.case_media(&v.principal, id).await?;
    let clauses = s.app.list_terms_clauses(&v.principal, false).await.unwrap_or_default();
    let (claim, history) = {
        let case = view.case.id.clone();
        s.app.case_activity(&v.principal, &case).await?
    };
    let matches = s.app.case_matches(&v.principal, &view.case.id).await?;
    let mut accounts: Vec<String> = view.case.account_id.iter().cloned().collect();
    for (sig, _) in &view.signals {
        let d: serde_json::Value = serde_json::from_str(&sig.details).unwrap_or_default();
        if let Some(u) = d["uploader"].as_str() {
            accounts.push(format!("{u} (uploaded the matching content)"));
        }
    }
    accounts.dedup();
    let now = s.app.now();
    let mut orgs: Vec<vigie_model::OrgId> =
        view.signals.iter().filter_map(|(sig, _)| sig.submitter_org.clone()).collect();
    orgs.extend(history.iter().filter_map(|e| e.org.as_deref().and_then(vigie_model::OrgId::parse)));
    orgs.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    orgs.dedup();
    let names = s.app.org_names(orgs).await?;
    let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let mut people: Vec<vigie_model::UserId> =
        history.iter().filter_map(|e| e.actor.as_deref().and_then(vigie_model::UserId::parse)).collect();
    people.extend(claim.as_ref().map(|c| c.user.clone()));
    people.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    people.dedup();
    let persons = s.app.person_names(&v.principal, people).await?;
    let order_text = |id: &str| {
        view.orders
            .iter()
            .map(|o| &o.order)
            .find(|o| o.id.as_str() == id)
            .and_then(|o| serde_json::from_str::<serde_json::Value>(&o.form).ok())
            .and_then(|f| f["statement_of_reasons"].as_str().map(str::to_owned))
    };
    let mine = claim.as_ref().is_some_and(|c| c.user == v.principal.user);
    let claim_text = claim.as_ref().map(|c| {
        if mine {
            format!("You hold this case, {}.", relative(c.lease_until, now).replace("in ", "for "))
        } else {
            format!(
                "Held by {} since {} ({}), until {} ({}).",
                holder_name(&persons, &c.user),
                c.claimed_at,
                relative(c.claimed_at, now),
                c.lease_until,
                relative(c.lease_until, now)
            )
        }
    });
    let c = &view.case;
    let mut grounds: Vec<(String, String)> =
        taxonomy().bases.iter().map(|b| (format!("law:{}", b.id), format!("{} ({})", b.title, b.citation))).collect();
    grounds.extend(clauses.iter().map(|t| (format!("terms:{}", t.code), format!("Terms {}: {}", t.code, t.title))));
    let copies = copy_rows(s, v, c, &form).await?;
    Ok(CasePage {
        me: Some(Me::load(&s.app, v, "/queue").await),
        csrf: v.csrf.clone(),
        id: c.id.as_str().to_owned(),
        state: c.status().as_str().replace('_', " "),
        pending: c.state.is_pending(),
        // A reinstated case may be decided again (TCO art. 4(7): on the platform's own terms).
        decidable: c.status().is_decidable(),
        target: target_of(c),
        kind: c.kind.as_str().to_owned(),
        tier: c.tier.as_str().replace('_', " "),
        priority: c.priority,
        threat: c.threat_to_life,
        clock: ClockView::of_case(case_clock(view.orders.iter().map(|o| &o.order), now), c.due_at, now),
        held_by_other: claim.is_some() && !mine,
        claim: claim_text,
        mine,
        signals: view
            .signals
            .iter()
            .map(|(sig, text)| SignalRow {
                kind: sig.kind.as_str().replace('_', " "),
                tier: if sig.tier.as_str() == sig.kind.as_str() {
                    String::new()
                } else {
                    sig.tier.as_str().replace('_', " ")
                },
                source: sig
                    .submitter_org
                    .as_ref()
                    .map_or("an anonymous member of the public".into(), |o| name(o.as_str())),
                received: format!("{} ({})", sig.received_at, relative(sig.received_at, now)),
                explanation: match (text, &sig.explanation_ref) {
                    (Some(t), _) => t.clone(),
                    (None, Some(_)) => "(erased at the end of its retention)".into(),
                    (None, None) => order_text(sig.id.as_str()).unwrap_or_else(|| "(no text)".into()),
                },
                threat: sig.threat_to_life,
            })
            .collect(),
        orders: view
            .orders
            .iter()
            .map(|o| &o.order)
            .map(|o| OrderRow {
                reference: o.reference.clone(),
                clock: ClockView::of(o.clock.status(o.ended_at, now), now),
            })
            .collect(),
        media: media
            .iter()
            .map(|m| {
                let matches: Vec<serde_json::Value> = serde_json::from_str(&m.matches).unwrap_or_default();
                MediaRow {
                    id: m.id.as_str().to_owned(),
                    format: m.format.clone(),
                    size: m.size,
                    sha256: m.sha256.clone(),
                    pdq: m.pdq.clone().unwrap_or_default(),
                    // The stored note describes the derivative; a revealed original is captioned
                    // as what it is.
                    note: if reveal == Some(m.id.as_str()) && m.format != "unsupported" {
                        "The original as sent, in colour and full size: revealed to you, and the reveal is logged."
                            .to_owned()
                    } else {
                        m.note.clone()
                    },
                    has_preview: m.preview.is_some(),
                    raster: m.format != "unsupported",
                    revealed: reveal == Some(m.id.as_str()),
                    matches: matches
                        .iter()
                        .map(|h| {
                            (
                                h["bank_name"].as_str().unwrap_or_default().to_owned(),
                                h["entry"].to_string(),
                                h["distance"].to_string(),
                            )
                        })
                        .collect(),
                }
            })
            .collect(),
        matches: matches.into_iter().map(|m| (m.bank, m.entry, m.distance, m.labels.join("; "))).collect(),
        accounts,
        history: history
            .iter()
            .map(|e| {
                let org = e.org.as_deref().map(name);
                let person = e.actor.as_deref().and_then(|a| persons.get(a));
                EventRow {
                    at: e.at.to_rfc3339(),
                    kind: e.kind.clone(),
                    by: match (person, org) {
                        (Some(p), Some(o)) => format!("{p} ({o})"),
                        (None, Some(o)) => o,
                        (Some(p), None) => p.clone(),
                        (None, None) => "Vigie".into(),
                    },
                }
            })
            .collect(),
        decision: view.decision.as_ref().map(|d| {
            let mut lines = vec![
                ("Action".to_owned(), d.action.as_str().replace('_', " ")),
                ("Decided".to_owned(), d.decided_at.to_rfc3339()),
            ];
            if let Some(b) = &d.legal_basis {
                lines.push(("Legal basis".into(), b.clone()));
            }
            if let Some(t) = &d.terms_clause {
                lines.push(("Terms clause".into(), t.clone()));
            }
            if let Some(e) = &d.explanation {
                lines.push(("Statement of reasons".into(), e.clone()));
            }
            if d.reversed_at.is_some() {
                lines.push(("Reversed".into(), d.reversed_at.map(|t| t.to_rfc3339()).unwrap_or_default()));
            }
            lines
        }),
        actions: Action::ALL.iter().map(|a| (a.as_str(), action_label(*a))).collect(),
        grounds,
        purposes: Purpose::ALL.iter().map(|p| p.as_str()).collect(),
        restrictions: vec![
            ("demoted", "Demoted (shown less)"),
            ("age_restricted", "Age-restricted"),
            ("interaction_restricted", "Interaction restricted"),
            ("other", "Other (describe it)"),
        ],
        form,
        account_history: c.account_id.as_deref().map(super::views::account_href),
        copies,
        errors,
        preview,
    })
}

/// The copies of a case the decision form offers, ticked as `form` had them.
async fn copy_rows(
    s: &AppState,
    v: &Viewer,
    c: &vigie_store::CaseRecord,
    form: &DecisionForm,
) -> Result<Vec<CopyRow>, PageError> {
    Ok(if c.status().is_decidable() {
        s.app
            .case_copies(&v.principal, c.id.as_str())
            .await?
            .into_iter()
            .map(|copy| CopyRow {
                checked: form.copies.iter().any(|k| k == copy.case.id.as_str()),
                id: copy.case.id.as_str().to_owned(),
                target: target_of(&copy.case),
                why: match copy.reason {
                    vigie_store::CopyReason::Hash => "same hash",
                    vigie_store::CopyReason::UrlFamily => "same URL, other parameters",
                },
            })
            .collect()
    } else {
        Vec::new()
    })
}

pub(crate) fn action_label(a: Action) -> &'static str {
    match a {
        Action::Remove => "Remove",
        Action::Disable => "Disable access in some states",
        Action::Restrict => "Restrict visibility",
        Action::Label => "Label",
        Action::SuspendAccount => "Suspend the account",
        Action::NoAction => "No action",
        Action::Exempt => "Keep up: protected purpose",
    }
}

pub(crate) async fn case_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let t = case_view(&s, &v, &id, q.reveal.as_deref(), DecisionForm::default(), Vec::new(), None).await?;
    page(&t)
}

pub(crate) fn decision_of(form: &[(String, String)]) -> (RawDecision, DecisionForm) {
    let ground = field(form, "ground").unwrap_or_default().to_owned();
    let (legal_basis, terms_clause) = match ground.split_once(':') {
        Some(("law", id)) => (Some(id.to_owned()), None),
        Some(("terms", code)) => (None, Some(code.to_owned())),
        _ => (None, None),
    };
    let scope = field(form, "scope").unwrap_or_default().to_owned();
    let territorial_scope: Vec<String> =
        scope.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_ascii_uppercase).collect();
    let yes = |name: &str| all(form, name).contains(&"yes");
    let raw = RawDecision {
        action: text(form, "action"),
        legal_basis,
        terms_clause,
        territorial_scope: (!territorial_scope.is_empty()).then_some(territorial_scope),
        purpose: text(form, "purpose"),
        purpose_rationale: text(form, "purpose_rationale"),
        automated_detection: Some(yes("automated_detection")),
        automated_decision: Some(yes("automated_decision")),
        explanation: text(form, "explanation"),
        manifestly_unfounded: Some(yes("manifestly_unfounded")),
        restriction: text(form, "restriction"),
        restriction_other: text(form, "restriction_other"),
        // A day in the form; the measure ends at its first instant (UTC).
        until: text(form, "until").map(|day| if day.len() == 10 { format!("{day}T00:00:00Z") } else { day }),
        content_date: text(form, "content_date"),
    };
    let kept = DecisionForm {
        action: field(form, "action").unwrap_or_default().to_owned(),
        ground,
        scope,
        purpose: field(form, "purpose").unwrap_or_default().to_owned(),
        rationale: field(form, "purpose_rationale").unwrap_or_default().to_owned(),
        explanation: field(form, "explanation").unwrap_or_default().to_owned(),
        restriction: field(form, "restriction").unwrap_or_default().to_owned(),
        restriction_other: field(form, "restriction_other").unwrap_or_default().to_owned(),
        until: field(form, "until").unwrap_or_default().to_owned(),
        content_date: field(form, "content_date").unwrap_or_default().to_owned(),
        automated_detection: yes("automated_detection"),
        automated_decision: yes("automated_decision"),
        unfounded: yes("manifestly_unfounded"),
        copies: all(form, "copies").into_iter().map(str::to_owned).collect(),
    };
    (raw, kept)
}

pub(crate) async fn decide(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let (raw, kept) = decision_of(&form);
    let outcome = if field(&form, "intent") == Some("preview") {
        match s.app.preview_statement(&v.principal, &id, raw).await {
            Ok(statement) => {
                let lines = match statement {
                    Some(st) => statement_lines(&st),
                    None => vec![(
                        "Statement".into(),
                        "This decision restricts nothing, so it owes no statement of reasons.".into(),
                    )],
                };
                let t = case_view(&s, &v, &id, None, kept, Vec::new(), Some(Preview { lines })).await?;
                return page(&t);
            }
            Err(e) => Err(e),
        }
    } else if !kept.copies.is_empty() {
        // The copies ticked are decided alike, each its own decision; those refused are named.
        let copies: Vec<&str> = kept.copies.iter().map(String::as_str).collect();
        match s.app.decide_with_copies(&v.principal, &id, &copies, raw).await {
            Ok(done) if done.refused.is_empty() => {
                return Ok(redirect(&format!("/queue?decided={id}&copies={}", done.decided.len() - 1)));
            }
            Ok(done) => {
                let errors = done
                    .refused
                    .iter()
                    .map(|(copy, e)| format!("The copy {} was not decided: {e}", copy.as_str()))
                    .collect();
                let t = case_view(&s, &v, &id, None, DecisionForm::default(), errors, None).await?;
                return page_with(&t, StatusCode::CONFLICT);
            }
            Err(e) => Err(e),
        }
    } else {
        s.app.decide(&v.principal, &id, raw).await.map(|_| ())
    };
    match outcome {
        // The queue confirms what was decided, with a link back to the case.
        Ok(()) => Ok(redirect(&format!("/queue?decided={id}"))),
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let errors = problems(&invalid);
            let t = case_view(&s, &v, &id, None, kept, errors, None).await?;
            page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { code: vigie_model::Conflict::ClaimedByAnother, .. }) => {
            let errors = vec!["The decision was not taken: another reviewer claimed the case meanwhile.".to_owned()];
            let t = case_view(&s, &v, &id, None, kept, errors, None).await?;
            page_with(&t, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

/// The statement of reasons as the Transparency Database would receive it, field by field.
fn statement_lines(st: &vigie_model::sor::Statement) -> Vec<(String, String)> {
    let value = serde_json::to_value(st).unwrap_or_default();
    let mut out = Vec::new();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            out.push((k.clone(), shown));
        }
    }
    out
}

pub(crate) async fn reveal(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    let media = s.app.reveal_media(&v.principal, &id).await?;
    Ok(redirect(&format!("/cases/{}?reveal={}#media-{}", media.case.as_str(), media.id.as_str(), media.id.as_str())))
}

/// Media responses: never sniffed, never framed, never cached, and sandboxed if opened.
fn media_response(bytes: Vec<u8>, content_type: &'static str, attachment: Option<String>) -> Response {
    let mut res = Response::new(Body::from(bytes));
    let h = res.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox; default-src 'none'"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(name) = attachment
        && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        h.insert(CONTENT_DISPOSITION, v);
    }
    res
}

pub(crate) async fn preview(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let bytes = s.app.media_preview(&v.principal, &id).await?;
    Ok(media_response(bytes, "image/png", None))
}

pub(crate) async fn original(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (media, bytes) = s.app.media_original(&v.principal, &id).await?;
    // Only formats that decoded as raster images are shown inline; anything else downloads.
    let inline = match media.format.as_str() {
        "png" => Some("image/png"),
        "jpeg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        "bmp" => Some("image/bmp"),
        _ => None,
    };
    Ok(match inline {
        Some(ct) => media_response(bytes, ct, None),
        None => media_response(bytes, "application/octet-stream", Some(format!("{}.bin", media.id.as_str()))),
    }
    .into_response())
}
