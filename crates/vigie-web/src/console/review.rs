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
use vigie_model::order::{ClockStatus, OrderState, ReasonType};
use vigie_model::org::{OrgKind, Role};

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, all, field, page, page_with, redirect, text};
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

/// A moment as the console shows it: relative in words ("4 min ago"), with the exact time (UTC)
/// for `<time datetime title>`, which the script shows in the reader's local time.
pub(crate) struct When {
    pub(crate) iso: String,
    pub(crate) exact: String,
    pub(crate) rel: String,
}

pub(crate) fn when(at: Timestamp, now: Timestamp) -> When {
    let iso = at.to_rfc3339();
    let exact = format!("{} UTC", iso.get(..19).unwrap_or(&iso).replace('T', " "));
    When { iso, exact, rel: relative(at, now) }
}

/// A legal basis by its title, not its code (the code itself when the taxonomy does not know it).
pub(crate) fn ground_title(id: &str) -> String {
    taxonomy().bases.iter().find(|b| b.id == id).map_or_else(|| id.to_owned(), |b| b.title.clone())
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
    /// The content's languages by name ("Arabic, French"), or empty.
    languages: String,
    /// Its types in words ("incites; instructs on weapons"), or empty.
    harm_types: String,
    threat: bool,
    /// Escalated to the reader.
    escalated: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage {
    me: Option<Me>,
    csrf: String,
    /// What the person just decided, read back from the store, with its undo while it is open.
    decided: Option<super::shift::Confirmation>,
    /// "Start reviewing" found nothing to take.
    empty: bool,
    rows: Vec<Row>,
    tier: String,
    label: String,
    labels: Vec<String>,
    /// The language filter (a code), or empty; and the languages to choose from: those of the
    /// cases shown, and the one chosen.
    language: String,
    languages: Vec<(&'static str, &'static str)>,
    /// The type filter (a letter), or empty; and every type: letter and words.
    harm_type: String,
    harm_types: Vec<(&'static str, &'static str)>,
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
    /// A senior reviewer: the tab of the cases escalated to them, with their count.
    escalated_tab: Option<usize>,
    /// That tab is the one shown.
    escalated: bool,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    /// The case just decided, to confirm what was decided.
    decided: Option<String>,
    /// "Start reviewing" found nothing to take.
    empty: Option<String>,
    /// How many copies were decided alike with it.
    copies: Option<u32>,
    tier: Option<String>,
    label: Option<String>,
    language: Option<String>,
    harm_type: Option<String>,
    bank_match: Option<String>,
    overdue: Option<String>,
    unclaimed: Option<String>,
    /// One of the person's team queues.
    team: Option<String>,
    /// Only the cases escalated to the person (a senior reviewer).
    escalated: Option<String>,
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
    // A value that is no language or no type is refused by name, not read as no filter.
    let mut c = vigie_model::validation::Checker::new();
    let language = q.language.as_deref().filter(|l| !l.is_empty());
    let language = language.and_then(|raw| vigie_model::labels::check_language(&mut c, Some(raw), "language"));
    let harm_type = q.harm_type.as_deref().filter(|t| !t.is_empty());
    let harm_type = harm_type.and_then(|raw| vigie_model::labels::check_type(&mut c, raw, "harm_type"));
    c.finish().map_err(vigie_app::AppError::from)?;
    let filter = QueueFilter {
        tier: q.tier.clone().filter(|t| !t.is_empty()),
        bank_match: q.bank_match.is_some(),
        overdue: q.overdue.is_some(),
        label: q.label.clone().filter(|l| !l.is_empty()),
        language,
        harm_type,
        unclaimed: q.unclaimed.is_some(),
        escalated: q.escalated.is_some(),
    };
    // One read of the queue gives the page and the count of the senior's tab.
    let all = s.app.queue(&v.principal, &QueueFilter::default()).await?;
    let senior = v.principal.roles.contains(&Role::Senior);
    let escalated_tab = senior.then(|| all.iter().filter(|i| i.escalated_to(&v.principal.user)).count());
    let items: Vec<_> = all.into_iter().filter(|i| filter.keeps(i, &v.principal.user)).collect();
    let team = q.team.clone().filter(|t| !t.is_empty());
    let (tabs, items) = s.app.team_queues(&v.principal, items, team.as_deref()).await?;
    let now = s.app.now();
    let holders = items.iter().filter_map(|i| i.claim.as_ref().map(|c| c.user.clone())).collect();
    let names = s.app.person_names(&v.principal, holders).await?;
    let mut labels: Vec<String> =
        items.iter().flat_map(|i| i.labels.iter().cloned()).chain(filter.label.clone()).collect();
    labels.sort();
    labels.dedup();
    let languages =
        super::grounds::language_choices(items.iter().flat_map(|i| i.languages.iter().copied()).chain(filter.language));
    let rows = items
        .into_iter()
        .map(|i| {
            let mine = i.claim.as_ref().is_some_and(|c| c.user == v.principal.user);
            let escalated = i.escalated_to(&v.principal.user);
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
                languages: i.languages.iter().map(|l| l.name()).collect::<Vec<_>>().join(", "),
                harm_types: i.harm_types.iter().map(|t| super::grounds::harm_words(*t)).collect::<Vec<_>>().join("; "),
                threat: i.case.threat_to_life,
                escalated,
            }
        })
        .collect();
    let decided = match q.decided.as_deref() {
        Some(case) => super::shift::confirmation(&s, &v, case).await.map(|mut c| {
            if let Some(n @ 1..) = q.copies {
                c.text = format!(
                    "{} Also {n} cop{} of it, each with its own decision.",
                    c.text,
                    if n == 1 { "y" } else { "ies" }
                );
            }
            c
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
        escalated_tab,
        escalated: filter.escalated,
        me: Some(Me::load(&s.app, &v, "/queue").await),
        csrf: v.csrf.clone(),
        decided,
        empty: q.empty.is_some(),
        rows,
        tier: filter.tier.unwrap_or_default(),
        label: filter.label.unwrap_or_default(),
        labels,
        language: filter.language.map(|l| l.as_str().to_owned()).unwrap_or_default(),
        languages,
        harm_type: filter.harm_type.map(|t| t.letter().to_owned()).unwrap_or_default(),
        harm_types: ReasonType::ALL.iter().map(|t| (t.letter(), super::grounds::harm_words(*t))).collect(),
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
    received: When,
    explanation: String,
    threat: bool,
}

struct OrderRow {
    reference: String,
    clock: ClockView,
}

struct EventRow {
    at: When,
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

/// The statement of reasons before it is sent: as the uploader will read it, and the
/// Transparency Database's fields beneath.
struct Preview {
    reads: Vec<(String, String)>,
    fields: Vec<(String, String)>,
}

/// What the shift adds to a case page: the confirmation of the decision just taken, where the
/// reviewer came from, and the forms of notes and passing the case on shown again with errors.
#[derive(Default)]
pub(crate) struct CaseExtras {
    /// Reached through "Start reviewing": a decision or a skip moves on to the next case.
    pub(crate) reviewing: bool,
    /// The case just decided (its confirmation and undo are read back from the store).
    pub(crate) decided: Option<String>,
    pub(crate) undone: bool,
    pub(crate) passed: bool,
    pub(crate) note_error: Option<String>,
    pub(crate) note_body: String,
    /// Field and message, for the form that passes the case on.
    pub(crate) leave_errors: Vec<(String, String)>,
    pub(crate) leave_how: String,
    pub(crate) leave_note: String,
    /// The media the reviewer just revealed.
    pub(crate) reveal: Option<String>,
}

impl CaseExtras {
    fn leave_error(&self, field: &str) -> Option<&str> {
        self.leave_errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.as_str())
    }
}

struct NoteRow {
    author: String,
    at: When,
    reason: &'static str,
    body: String,
}

/// One legal ground in the decision form: its value, title, citation and plain explanation.
struct GroundRow {
    value: String,
    title: String,
    citation: String,
    plain: String,
    example: String,
}

/// The case in plain words, above the decision panel.
struct Summary {
    what: String,
    place: String,
    asked: Vec<String>,
    law: String,
    /// For an order: whether the uploader may be told yet (TCO art. 11(3)).
    disclosure: Option<String>,
}

/// A refused decision's errors: by form field, and those no field holds.
#[derive(Default)]
struct FieldErrors {
    by_field: Vec<(&'static str, String)>,
    general: Vec<String>,
}

impl FieldErrors {
    fn of(invalid: &[vigie_model::FieldError]) -> Self {
        let mut out = FieldErrors::default();
        for e in invalid {
            let field = match e.field.as_str() {
                "action" => Some("action"),
                "legal_basis" | "terms_clause" => Some("ground"),
                f if f.starts_with("territorial_scope") => Some("scope"),
                "purpose" => Some("purpose"),
                "purpose_rationale" => Some("purpose_rationale"),
                "explanation" => Some("explanation"),
                "restriction" => Some("restriction"),
                "restriction_other" => Some("restriction_other"),
                "until" => Some("until"),
                "content_date" => Some("content_date"),
                _ => None,
            };
            match field {
                Some(f) if !out.by_field.iter().any(|(g, _)| *g == f) => out.by_field.push((f, e.message.clone())),
                Some(_) => {}
                None => out.general.push(format!("{}: {}", e.field, e.message)),
            }
        }
        // The form's order, so that the first error is the first field in error.
        let order = [
            "action",
            "ground",
            "scope",
            "purpose",
            "purpose_rationale",
            "explanation",
            "restriction",
            "restriction_other",
            "until",
            "content_date",
        ];
        out.by_field.sort_by_key(|(f, _)| order.iter().position(|o| o == f));
        out
    }
    fn get(&self, field: &str) -> Option<&str> {
        self.by_field.iter().find(|(f, _)| *f == field).map(|(_, m)| m.as_str())
    }
    fn first(&self) -> &str {
        self.by_field.first().map_or("", |(f, _)| f)
    }
    fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.general.is_empty()
    }
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
    media: Vec<super::viewer::MediaItem>,
    /// This page, where a reveal comes back to.
    back: String,
    /// What someone who may not reveal the media here is told.
    reveal_refusal: String,
    matches: Vec<(String, i64, i64, String)>,
    /// Uploads' texts a text match cited, in parts, each marked where it repeats a banked text.
    texts: Vec<Vec<(String, bool)>>,
    accounts: Vec<String>,
    history: Vec<EventRow>,
    decision: Option<Vec<(String, String)>>,
    actions: Vec<(&'static str, &'static str)>,
    grounds: Vec<GroundRow>,
    clauses: Vec<(String, String)>,
    purposes: Vec<(&'static str, &'static str)>,
    restrictions: Vec<(&'static str, &'static str)>,
    form: DecisionForm,
    errors: FieldErrors,
    preview: Option<Preview>,
    /// How media are drawn for this person, and their reveals today.
    viewer: super::viewer::ViewerView,
    /// The form was filled in from the case's removal order.
    prefilled: Option<String>,
    summary: Summary,
    extras: CaseExtras,
    confirmation: Option<super::shift::Confirmation>,
    notes: Vec<NoteRow>,
    /// Who the case may be handed over to (moderators) and escalated to (senior reviewers).
    colleagues: Vec<(String, String)>,
    seniors: Vec<(String, String)>,
    /// The case's copies in other open cases, to decide alike (`templates/copies.html`).
    copies: Vec<CopyRow>,
    /// The case's account's history, when it names an account.
    account_history: Option<String>,
    /// The content's languages by name, and its types (art. 2(7)) in words, as its reports gave
    /// them; empty when none did.
    languages: String,
    harm_types: String,
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
    reviewing: Option<String>,
    decided: Option<String>,
    undone: Option<String>,
    passed: Option<String>,
}

async fn case_view(
    s: &AppState,
    v: &Viewer,
    id: &str,
    form: Option<DecisionForm>,
    errors: FieldErrors,
    preview: Option<Preview>,
    extras: CaseExtras,
) -> Result<CasePage, PageError> {
    let reveal = extras.reveal.clone();
    let reveal = reveal.as_deref();
    let view = s.app.get_case(&v.principal, id).await?;
    let notes = s.app.case_notes(&v.principal, id).await?;
    // Moderators for a hand-over, senior reviewers for an escalation (none for a reader who may
    // not pass cases on).
    let targets = s.app.pass_on_targets(&v.principal).await.unwrap_or_default();
    let named = |list: Vec<(vigie_model::UserId, String)>| -> Vec<(String, String)> {
        list.into_iter().map(|(u, n)| (u.as_str().to_owned(), n)).collect()
    };
    let colleagues = named(targets.moderators);
    let seniors = named(targets.seniors);
    let confirmation = match extras.decided.as_deref() {
        Some(case) => super::shift::confirmation(s, v, case)
            .await
            .map(|c| super::shift::Confirmation { reviewing: extras.reviewing, ..c }),
        None => None,
    };
    let media = s.app.case_media(&v.principal, id).await?;
    let clauses = s.app.list_terms_clauses(&v.principal, false).await.unwrap_or_default();
    let (claim, history) = {
        let case = view.case.id.clone();
        s.app.case_activity(&v.principal, &case).await?
    };
    let matches = s.app.case_matches(&v.principal, &view.case.id).await?;
    let mut accounts: Vec<String> = view.case.account_id.iter().cloned().collect();
    let mut texts = Vec::new();
    for (sig, _) in &view.signals {
        let d: serde_json::Value = serde_json::from_str(&sig.details).unwrap_or_default();
        if let Some(body) = d["text"]["body"].as_str() {
            let spans: Vec<(usize, usize)> = d["text"]["passages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p[0].as_u64()? as usize, p[1].as_u64()? as usize)))
                .collect();
            texts.push(super::viewer::marked_parts(body, &spans));
        }
        if let Some(u) = d["uploader"].as_str() {
            accounts.push(format!("{u} (uploaded the matching content)"));
        }
    }
    for t in s.app.case_texts(&v.principal, &view.case.id).await? {
        if let Some(body) = t.text.as_deref() {
            texts.push(super::viewer::marked_parts(body, &t.passages));
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
    people.extend(notes.iter().map(|n| n.author.clone()));
    people.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    people.dedup();
    let persons = s.app.person_names(&v.principal, people).await?;
    let order_text = |id: &str| {
        view.orders
            .iter()
            .map(|o| &o.order)
            .find(|o| o.id.as_str() == id)
            .map(|o| o.form.form.statement_of_reasons.clone())
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
    let grounds: Vec<GroundRow> = taxonomy()
        .bases
        .iter()
        .filter(|b| b.retired_in_version.is_none())
        .map(|b| {
            let (plain, example) = super::grounds::explain(&b.id).unwrap_or(("", ""));
            GroundRow {
                value: format!("law:{}", b.id),
                title: b.title.clone(),
                citation: b.citation.clone(),
                plain: plain.to_owned(),
                example: example.to_owned(),
            }
        })
        .collect();
    let clause_rows: Vec<(String, String)> =
        clauses.iter().map(|t| (format!("terms:{}", t.code), format!("Terms {}: {}", t.code, t.title))).collect();
    let orders_in_force: Vec<&vigie_store::OrderRecord> =
        view.orders.iter().map(|o| &o.order).filter(|o| o.ended_at.is_none()).collect();
    let (form, prefilled) = match form {
        Some(f) => (f, None),
        None => match orders_in_force.first() {
            Some(o) if view.decision.is_none() || c.status().is_decidable() => (
                order_prefill(o),
                Some(format!("Filled in from removal order {}: check it, then decide.", o.reference)),
            ),
            _ => (DecisionForm::default(), None),
        },
    };
    let summary = summarise(&view, &name);
    let (languages, harm_types) = super::grounds::label_words(&view.labels);
    let copies = copy_rows(s, v, c, &form).await?;
    Ok(CasePage {
        viewer: super::viewer::ViewerView::load(&s.app, v).await,
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
                received: when(sig.received_at, now),
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
        media: super::viewer::MediaItem::list(&media, reveal),
        back: format!("/cases/{}", c.id.as_str()),
        reveal_refusal: if c.state.is_pending() {
            "To reveal the original, claim the case first.".to_owned()
        } else {
            "To reveal the original, claim the case first (or review an open complaint about it, from its complaint page)."
                .to_owned()
        },
        matches: matches.into_iter().map(|m| (m.bank, m.entry, m.distance, m.labels.join("; "))).collect(),
        texts,
        accounts,
        history: history
            .iter()
            .map(|e| {
                let org = e.org.as_deref().map(name);
                let person = e.actor.as_deref().and_then(|a| persons.get(a));
                EventRow {
                    at: when(e.at, now),
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
            let decided = when(d.decided_at, now);
            let mut lines = vec![
                ("Action".to_owned(), action_label(d.action).to_owned()),
                ("Decided".to_owned(), format!("{} ({})", decided.rel, decided.exact)),
            ];
            if let Some(b) = &d.legal_basis {
                lines.push(("Legal basis".into(), ground_title(b)));
            }
            if let Some(p) = &d.purpose {
                lines.push(("Purpose assessed".into(), super::grounds::purpose_words(p.as_str())));
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
        clauses: clause_rows,
        purposes: Purpose::ALL.iter().map(|p| (p.as_str(), super::grounds::purpose_label(*p))).collect(),
        restrictions: vec![
            ("demoted", "Demoted (shown less)"),
            ("age_restricted", "Age-restricted"),
            ("interaction_restricted", "Interaction restricted"),
            ("other", "Other (describe it)"),
        ],
        form,
        account_history: c.account_id.as_deref().map(super::views::account_href),
        languages: languages.join(", "),
        harm_types: harm_types.join("; "),
        copies,
        errors,
        preview,
        prefilled,
        summary,
        extras,
        confirmation,
        notes: notes
            .iter()
            .map(|n| NoteRow {
                author: holder_name(&persons, &n.author),
                at: when(n.created_at, now),
                reason: n.reason.label(),
                body: n.body.clone().unwrap_or_else(|| "(erased at the end of its retention)".to_owned()),
            })
            .collect(),
        colleagues,
        seniors,
    })
}

/// The decision form as a removal order fills it in: removal on the ground the order gives (its
/// first art. 2(7) type), everywhere, with the order's reasons as the facts relied on.
fn order_prefill(o: &vigie_store::OrderRecord) -> DecisionForm {
    let form = &o.form.form;
    let letter = form.reasons.first().map(|r| r.letter()).unwrap_or_default();
    let ground = taxonomy()
        .bases
        .iter()
        .find(|b| b.tco_type.as_deref() == Some(letter) && b.retired_in_version.is_none())
        .map(|b| format!("law:{}", b.id))
        .unwrap_or_default();
    let reasons = form.statement_of_reasons.as_str();
    DecisionForm {
        action: "remove".to_owned(),
        ground,
        explanation: format!(
            "Removed under removal order {} (Regulation (EU) 2021/784 art. 3). {reasons}",
            o.reference
        ),
        ..DecisionForm::default()
    }
}

/// The case in plain words: what, where, who asked and why, and what the law allows here.
fn summarise(view: &vigie_app::platform::CaseView, name: &dyn Fn(&str) -> String) -> Summary {
    let c = &view.case;
    let what = match c.kind.as_str() {
        "account" => format!("An account{}", c.account_id.as_ref().map(|a| format!(" ({a})")).unwrap_or_default()),
        _ => "A piece of content".to_owned(),
    };
    let place = c
        .url
        .clone()
        .or_else(|| c.host.clone().map(|h| format!("on {h}")))
        .or_else(|| c.content_id.as_ref().map(|i| format!("content id {i}")))
        .unwrap_or_else(|| "(its address was erased)".to_owned());
    let mut asked = Vec::new();
    for (sig, text) in &view.signals {
        let who = sig.submitter_org.as_ref().map_or("A member of the public".to_owned(), |o| name(o.as_str()));
        let kind = match sig.kind.as_str() {
            "order" => "issued a removal order",
            "referral" => "sent a referral",
            "bank_match" => "matched a hash bank",
            _ => "sent a notice",
        };
        let why = match text {
            Some(t) => format!(": \u{201c}{t}\u{201d}"),
            None => String::new(),
        };
        asked.push(format!("{who} {kind}{why}"));
    }
    for o in view.orders.iter().map(|o| &o.order) {
        let r = &o.form.form.statement_of_reasons;
        asked.push(format!("Order {}'s reasons: \u{201c}{r}\u{201d}", o.reference));
    }
    let in_force: Vec<_> = view.orders.iter().map(|o| &o.order).filter(|o| o.ended_at.is_none()).collect();
    let law = if !in_force.is_empty() {
        "A removal order binds you: remove the content or disable access to it in every member state within the hour \
         (TCO art. 3(3)). If you cannot, say why with Annex III. A protected purpose (art. 1(3)) is for the authority \
         to weigh, but you may record your assessment."
            .to_owned()
    } else if view.signals.iter().any(|(s, _)| s.kind.as_str() == "referral") {
        "A referral asks you to check the content against your own terms (TCO art. 5): act on a terms clause, or \
         take no action."
            .to_owned()
    } else {
        "A notice asks you to act if the content is illegal or breaks your terms (DSA art. 16): remove, disable \
         access in some states, restrict or label it, suspend the account, or take no action; every restriction \
         needs a ground and a statement of reasons."
            .to_owned()
    };
    let disclosure = (!in_force.is_empty()).then(|| {
        match in_force.iter().filter_map(|o| o.embargo.as_ref()).find(|e| e.lifted_at.is_none()) {
            Some(e) => format!(
                "Not yet: the authority asked that the uploader not be told (TCO art. 11(3)) until {}. \
                 Their notice is kept and sent when that ends.",
                e.until.to_rfc3339().get(..10).unwrap_or_default()
            ),
            None => "Yes: the uploader is told when you decide (TCO art. 11(1)).".to_owned(),
        }
    });
    Summary { what, place, asked, law, disclosure }
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
    let extras = CaseExtras {
        reviewing: q.reviewing.is_some(),
        decided: q.decided.clone(),
        undone: q.undone.is_some(),
        passed: q.passed.is_some(),
        reveal: q.reveal.clone(),
        ..CaseExtras::default()
    };
    let t = case_view(&s, &v, &id, None, FieldErrors::default(), None, extras).await?;
    page(&t)
}

/// The case page again, after a refused note or hand-over.
pub(crate) async fn case_again(
    s: &AppState,
    v: &Viewer,
    id: &str,
    extras: CaseExtras,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = case_view(s, v, id, None, FieldErrors::default(), None, extras).await?;
    page_with(&t, status)
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
    let reviewing = field(&form, "reviewing") == Some("1");
    let extras = || CaseExtras { reviewing, ..CaseExtras::default() };
    let (raw, kept) = decision_of(&form);
    let outcome = if field(&form, "intent") == Some("preview") {
        let reads = uploader_reads(&kept);
        match s.app.preview_statement(&v.principal, &id, raw).await {
            Ok(statement) => {
                let preview = match statement {
                    Some(st) => Preview { reads, fields: statement_lines(&st) },
                    None => Preview {
                        reads: vec![(
                            "Statement".into(),
                            "This decision restricts nothing, so it owes no statement of reasons.".into(),
                        )],
                        fields: Vec::new(),
                    },
                };
                let t = case_view(&s, &v, &id, Some(kept), FieldErrors::default(), Some(preview), extras()).await?;
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
                let errors = FieldErrors {
                    general: done
                        .refused
                        .iter()
                        .map(|(copy, e)| format!("The copy {} was not decided: {e}", copy.as_str()))
                        .collect(),
                    ..FieldErrors::default()
                };
                let t = case_view(&s, &v, &id, None, errors, None, extras()).await?;
                return page_with(&t, StatusCode::CONFLICT);
            }
            Err(e) => Err(e),
        }
    } else {
        s.app.decide(&v.principal, &id, raw).await.map(|_| ())
    };
    match outcome {
        // The next case while reviewing, or the queue; both confirm what was decided, with its undo.
        Ok(()) => super::shift::onward(&s, &v, reviewing, Some(&id)).await,
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let errors = FieldErrors::of(invalid.errors());
            let t = case_view(&s, &v, &id, Some(kept), errors, None, extras()).await?;
            page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { code: vigie_model::Conflict::ClaimedByAnother, .. }) => {
            let errors = FieldErrors {
                general: vec!["The decision was not taken: another reviewer claimed the case meanwhile.".to_owned()],
                ..FieldErrors::default()
            };
            let t = case_view(&s, &v, &id, Some(kept), errors, None, extras()).await?;
            page_with(&t, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

/// The statement of reasons as the uploader will read it, from the form.
fn uploader_reads(f: &DecisionForm) -> Vec<(String, String)> {
    let action = Action::ALL.iter().find(|a| a.as_str() == f.action).map_or("(no action chosen)", |a| action_label(*a));
    let mut out = vec![("What we did".to_owned(), action.to_owned())];
    if !f.scope.trim().is_empty() {
        out.push(("Where it applies".into(), f.scope.clone()));
    }
    let why = match f.ground.split_once(':') {
        Some(("law", id)) => {
            let citation = taxonomy().bases.iter().find(|b| b.id == id).map(|b| b.citation.clone()).unwrap_or_default();
            format!("{} ({citation})", ground_title(id))
        }
        Some(("terms", code)) => format!("Our terms of service, clause {code}"),
        _ => "(no ground chosen)".to_owned(),
    };
    out.push(("Why".into(), why));
    out.push(("The facts we relied on".into(), f.explanation.clone()));
    if !f.until.is_empty() {
        out.push(("Until".into(), f.until.clone()));
    }
    out.push((
        "How it was done".into(),
        format!(
            "{}; {}.",
            if f.automated_detection { "found by automated means" } else { "found by people" },
            if f.automated_decision { "decided by automated means" } else { "decided by a person" }
        ),
    ));
    out.push((
        "What you can do".into(),
        "Complain to us from the link in this notice, or seek redress before a court; the notice explains how and by when."
            .into(),
    ));
    out
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
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let media = s.app.reveal_media(&v.principal, &id).await?;
    // A complaint's reviewer goes back to the complaint; anyone else to the case.
    let page = match back(&form, "") {
        r if r.starts_with("/complaints/") && !r.contains(['?', '#']) => r,
        _ => format!("/cases/{}", media.case.as_str()),
    };
    Ok(redirect(&format!("{page}?reveal={}#media-{}", media.id.as_str(), media.id.as_str())))
}

/// Media responses: never sniffed, never framed, never cached, and sandboxed if opened.
pub(crate) fn media_response(bytes: Vec<u8>, content_type: &'static str, attachment: Option<String>) -> Response {
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
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let (media, bytes) = s.app.media_original(&v.principal, &id).await?;
    // A video the browser plays goes out in the ranges its player asks for.
    if media.video.is_some()
        && let Some(ct) = super::player::playable_type(&media.format)
    {
        return Ok(super::player::ranged_response(bytes, ct, &headers));
    }
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
