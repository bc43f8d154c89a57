//! Working a shift in the console: "Start reviewing" (the next case, claimed), the confirmation
//! of a decision with its undo, passing a case on (skip, release, hand over, escalate) with a
//! note, and the internal notes on a case.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::reviewing::relative;
use vigie_app::shift::Leave;
use vigie_model::review::{UNDO_WINDOW, undo_open};

use super::review::{CaseExtras, action_label, ground_title, require_reviewer};
use super::session::{CsrfForm, Viewer};
use super::{PageError, field, redirect};
use crate::AppState;

/// What a decision just taken says, read back from the store (never from the address), and
/// whether the reader may still undo it.
pub(crate) struct Confirmation {
    pub case: String,
    pub text: String,
    /// Until when the undo is open (RFC 3339), when the reader may undo.
    pub undo_until: Option<String>,
    /// The same, in words.
    pub undo_left: String,
    /// The server's time, for the countdown.
    pub now: String,
    /// Why the decider may not undo it, when a removal order binds it.
    pub no_undo: Option<&'static str>,
    /// Shown while reviewing: the undo keeps the reviewer in the flow.
    pub reviewing: bool,
}

pub(crate) async fn confirmation(s: &AppState, v: &Viewer, case: &str) -> Option<Confirmation> {
    let view = s.app.get_case(&v.principal, case).await.ok()?;
    let d = view.decision?;
    let mine = d.decided_by == v.principal.user;
    let action = action_label(d.action);
    let ground = match (&d.legal_basis, &d.terms_clause) {
        (Some(b), _) => format!(" on {}", ground_title(b)),
        (None, Some(t)) => format!(" under terms clause {t}"),
        (None, None) => String::new(),
    };
    let who = if mine { "You decided" } else { "Decided" };
    let text = if d.reversed_at.is_some() {
        format!("{who}: {action}{ground}, then the decision was undone or reversed.")
    } else {
        format!("{who}: {action}{ground}.")
    };
    let now = s.app.now();
    // Under a removal order in force only the order's redress lifts the removal: no undo.
    let order_in_force = view.orders.iter().any(|o| o.order.ended_at.is_none());
    let open = mine && d.reversed_at.is_none() && !order_in_force && undo_open(d.decided_at, now);
    let until = d.decided_at.plus(UNDO_WINDOW);
    Some(Confirmation {
        case: view.case.id.as_str().to_owned(),
        text,
        undo_until: open.then(|| until.to_rfc3339()),
        undo_left: relative(until, now),
        now: now.to_rfc3339(),
        reviewing: false,
        no_undo: (mine && order_in_force)
            .then_some("No undo: a removal order in force binds this decision, and only the order's redress lifts it."),
    })
}

/// "Start reviewing": claims the next case and opens it; back to the queue when nothing waits.
pub(crate) async fn start(State(s): State<AppState>, v: Viewer, _: CsrfForm) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    Ok(match s.app.next_case(&v.principal).await? {
        Some(claim) => redirect(&format!("/cases/{}?reviewing=1", claim.case.as_str())),
        None => redirect("/queue?empty=1"),
    })
}

/// Where a reviewer goes after a decision or a skip: the next case while reviewing (with the
/// decided case's confirmation), the queue otherwise.
pub(crate) async fn onward(
    s: &AppState,
    v: &Viewer,
    reviewing: bool,
    decided: Option<&str>,
) -> Result<Response, PageError> {
    let confirm = decided.map(|d| format!("decided={d}")).unwrap_or_default();
    if reviewing && let Some(claim) = s.app.next_case(&v.principal).await? {
        let sep = if confirm.is_empty() { "" } else { "&" };
        return Ok(redirect(&format!("/cases/{}?reviewing=1{sep}{confirm}", claim.case.as_str())));
    }
    Ok(match decided {
        Some(_) => redirect(&format!("/queue?{confirm}{}", if reviewing { "&empty=1" } else { "" })),
        None => redirect(if reviewing { "/queue?empty=1" } else { "/queue" }),
    })
}

/// Undoes one's own decision within the window; the case opens again, claimed.
pub(crate) async fn undo(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    s.app.undo_decision(&v.principal, &id).await?;
    let reviewing = if field(&form, "reviewing") == Some("1") { "&reviewing=1" } else { "" };
    Ok(redirect(&format!("/cases/{id}?undone=1{reviewing}")))
}

/// Skip, release, hand over or escalate, with a note.
pub(crate) async fn leave(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let reviewing = field(&form, "reviewing") == Some("1");
    // A hand-over names a moderator (`to`), an escalation a senior reviewer (`senior`).
    let user = |name| field(&form, name).and_then(vigie_model::UserId::parse);
    let escalating = field(&form, "how") == Some("escalate");
    let how = match field(&form, "how") {
        Some("skip") => Some(Leave::Skip),
        Some("release") => Some(Leave::Release),
        Some("hand_over") => user("to").map(Leave::HandOver),
        Some("escalate") => user("senior").map(Leave::Escalate),
        _ => None,
    };
    let note = field(&form, "note");
    let result = match how {
        Some(how) => s.app.leave_case(&v.principal, &id, how, note).await,
        None => Err(match field(&form, "how") {
            Some("hand_over") => vigie_model::Invalid::one("to", "required", "choose a colleague"),
            Some("escalate") => vigie_model::Invalid::one("senior", "required", "choose a senior reviewer"),
            _ => vigie_model::Invalid::one("how", "required", "choose what to do with the case"),
        }
        .into()),
    };
    match result {
        Ok(()) => match field(&form, "how") {
            Some("skip") => onward(&s, &v, reviewing, None).await,
            Some("hand_over" | "escalate") => Ok(redirect(&format!("/cases/{id}?passed=1"))),
            // A released case is anyone's again, the releaser's too: back to the queue.
            _ => Ok(redirect("/queue")),
        },
        Err(vigie_app::AppError::Invalid(invalid)) => {
            // The use-case names the person `to`; an escalation's is the senior field here.
            let field_of = |f: &str| if escalating && f == "to" { "senior".to_owned() } else { f.to_owned() };
            let extras = CaseExtras {
                leave_errors: invalid.errors().iter().map(|e| (field_of(&e.field), e.message.clone())).collect(),
                leave_how: field(&form, "how").unwrap_or_default().to_owned(),
                leave_note: note.unwrap_or_default().to_owned(),
                reviewing,
                ..CaseExtras::default()
            };
            super::review::case_again(&s, &v, &id, extras, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Writes an internal note on a case.
pub(crate) async fn add_note(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    match s.app.add_case_note(&v.principal, &id, field(&form, "body")).await {
        Ok(_) => Ok(redirect(&format!("/cases/{id}#notes"))),
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let extras = CaseExtras {
                note_error: invalid.errors().first().map(|e| e.message.clone()),
                note_body: field(&form, "body").unwrap_or_default().to_owned(),
                reviewing: field(&form, "reviewing") == Some("1"),
                ..CaseExtras::default()
            };
            super::review::case_again(&s, &v, &id, extras, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
