//! A platform's complaints: the open ones, earliest answer due first, and each one reviewed with
//! the first decision beside it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::dueprocess::complaints::ReviewInput;
use vigie_app::reviewing::relative;
use vigie_model::decision::{Action, Purpose, taxonomy};

use super::review::{Deadline, deadline, decision_of, require_reviewer};
use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, page, page_with, problems, redirect, text};
use crate::AppState;

struct ComplaintRow {
    id: String,
    complainant: String,
    received: String,
    due: Option<Deadline>,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "complaints.html")]
struct ComplaintsPage {
    me: Option<Me>,
    rows: Vec<ComplaintRow>,
}

pub(crate) async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let list = s.app.list_complaints(&v.principal, true).await?;
    let now = s.app.now();
    let rows = list
        .into_iter()
        .map(|c| ComplaintRow {
            id: c.id.as_str().to_owned(),
            complainant: c.complainant.as_str().to_owned(),
            received: relative(c.received_at, now),
            due: deadline(Some(c.due_at), now),
            overdue: vigie_model::is_overdue(c.due_at, now),
        })
        .collect();
    page(&ComplaintsPage { me: Some(Me::load(&s.app, &v, "/complaints").await), rows })
}

#[derive(Template)]
#[template(path = "complaint.html")]
struct ComplaintPage {
    me: Option<Me>,
    csrf: String,
    id: String,
    case: String,
    target: String,
    complainant: String,
    state: String,
    received: String,
    due: Option<Deadline>,
    text: String,
    first: Vec<(String, String)>,
    first_is_no_action: bool,
    same_decider: bool,
    actions: Vec<(&'static str, &'static str)>,
    grounds: Vec<(String, String)>,
    purposes: Vec<&'static str>,
    errors: Vec<String>,
    /// The case's media, with the same protections as on the case's page.
    media: Vec<super::viewer::MediaItem>,
    viewer: super::viewer::ViewerView,
    /// This page, where a reveal comes back to.
    back: String,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ComplaintQuery {
    reveal: Option<String>,
}

async fn view(
    s: &AppState,
    v: &Viewer,
    id: &str,
    errors: Vec<String>,
    reveal: Option<&str>,
) -> Result<ComplaintPage, PageError> {
    let c = s.app.get_complaint(&v.principal, id).await?;
    let media = s.app.case_media(&v.principal, c.case.id.as_str()).await?;
    let clauses = s.app.list_terms_clauses(&v.principal, false).await.unwrap_or_default();
    let now = s.app.now();
    let d = &c.first_decision;
    let mut first = vec![
        ("Action".to_owned(), d.action.as_str().replace('_', " ")),
        ("Decided".to_owned(), format!("{} ({})", d.decided_at.to_rfc3339(), relative(d.decided_at, now))),
    ];
    if let Some(b) = &d.legal_basis {
        first.push(("Legal basis".into(), b.clone()));
    }
    if let Some(t) = &d.terms_clause {
        first.push(("Terms clause".into(), t.clone()));
    }
    if let Some(p) = &d.purpose {
        first.push(("Purpose".into(), format!("{}: {}", p.as_str(), d.purpose_rationale.clone().unwrap_or_default())));
    }
    first.push(("Statement of reasons".into(), d.explanation.clone().unwrap_or_else(|| "(none)".into())));
    first.push((
        "Automation".into(),
        format!(
            "detection {}, decision {}",
            if d.automated_detection { "automated" } else { "human" },
            if d.automated_decision { "automated" } else { "human" }
        ),
    ));
    let mut grounds: Vec<(String, String)> =
        taxonomy().bases.iter().map(|b| (format!("law:{}", b.id), format!("{} ({})", b.title, b.citation))).collect();
    grounds.extend(clauses.iter().map(|t| (format!("terms:{}", t.code), format!("Terms {}: {}", t.code, t.title))));
    Ok(ComplaintPage {
        me: Some(Me::load(&s.app, v, "/complaints").await),
        csrf: v.csrf.clone(),
        id: c.complaint.id.as_str().to_owned(),
        case: c.case.id.as_str().to_owned(),
        target: c.case.url.clone().unwrap_or_else(|| c.case.key.clone()),
        complainant: c.complaint.complainant.as_str().to_owned(),
        state: c.complaint.state.as_str().to_owned(),
        received: format!("{} ({})", c.complaint.received_at.to_rfc3339(), relative(c.complaint.received_at, now)),
        due: deadline(Some(c.complaint.due_at), now),
        text: c.text.clone().unwrap_or_else(|| "(erased at the end of its retention)".into()),
        first_is_no_action: d.action == Action::NoAction,
        same_decider: d.decided_by == v.principal.user,
        first,
        actions: Action::ALL.iter().map(|a| (a.as_str(), a.as_str())).collect(),
        grounds,
        purposes: Purpose::ALL.iter().map(|p| p.as_str()).collect(),
        errors,
        media: super::viewer::MediaItem::list(&media, reveal),
        viewer: super::viewer::ViewerView::load(&s.app, v).await,
        back: format!("/complaints/{}", c.complaint.id.as_str()),
    })
}

pub(crate) async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ComplaintQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    page(&view(&s, &v, &id, Vec::new(), q.reveal.as_deref()).await?)
}

pub(crate) async fn review(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let replacing = text(&form, "action").map(|_| decision_of(&form).0);
    let input = ReviewInput { outcome: text(&form, "outcome"), reasons: text(&form, "reasons"), decision: replacing };
    match s.app.review_complaint(&v.principal, &id, input).await {
        Ok(_) => Ok(redirect("/complaints")),
        Err(vigie_app::AppError::Invalid(i)) => {
            let errors = problems(&i);
            page_with(&view(&s, &v, &id, errors, None).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&view(&s, &v, &id, vec![message], None).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
