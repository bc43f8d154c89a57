//! A platform integrator's page (`/terms`): the platform's terms-and-conditions clauses that its
//! decisions may cite as a ground (DSA art. 17(3)(e)), registered and retired. The same
//! use-cases as `POST /api/v1/terms-clauses`, `GET` and `POST /api/v1/terms-clauses/{id}/retire`;
//! who may do it is theirs to say (a platform's integrators).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::dueprocess::TermsClauseInput;
use vigie_app::reviewing::relative;

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, field, page, page_with, problems, redirect, text};
use crate::AppState;

struct ClauseRow {
    id: String,
    code: String,
    title: String,
    url: String,
    registered: String,
    retired: Option<String>,
}

#[derive(Template)]
#[template(path = "terms.html")]
struct TermsPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<ClauseRow>,
    /// The refused form's values: (code, title, url, body).
    form: (String, String, String, String),
    errors: Vec<String>,
}

async fn view(
    s: &AppState,
    v: &Viewer,
    form: (String, String, String, String),
    errors: Vec<String>,
) -> Result<TermsPage, PageError> {
    let clauses = s.app.list_terms_clauses(&v.principal, true).await?;
    let now = s.app.now();
    let rows = clauses
        .into_iter()
        .map(|c| ClauseRow {
            id: c.id.as_str().to_owned(),
            code: c.code,
            title: c.title,
            url: c.url.unwrap_or_default(),
            registered: relative(c.created_at, now),
            retired: c.retired_at.map(|at| relative(at, now)),
        })
        .collect();
    Ok(TermsPage { me: Some(Me::load(&s.app, v, "/terms").await), csrf: v.csrf.clone(), rows, form, errors })
}

pub(crate) async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&view(&s, &v, Default::default(), Vec::new()).await?)
}

pub(crate) async fn register(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let input = TermsClauseInput {
        code: text(&form, "code"),
        title: text(&form, "title"),
        url: text(&form, "url"),
        body: text(&form, "body"),
    };
    match s.app.register_terms_clause(&v.principal, input).await {
        Ok(_) => Ok(redirect("/terms")),
        Err(e @ (vigie_app::AppError::Invalid(_) | vigie_app::AppError::Conflict { .. })) => {
            let get = |name: &str| field(&form, name).unwrap_or_default().to_owned();
            let kept = (get("code"), get("title"), get("url"), get("body"));
            let (status, lines) = match e {
                vigie_app::AppError::Invalid(i) => (StatusCode::UNPROCESSABLE_ENTITY, problems(&i)),
                vigie_app::AppError::Conflict { message, .. } => (StatusCode::CONFLICT, vec![message]),
                _ => (StatusCode::UNPROCESSABLE_ENTITY, Vec::new()),
            };
            page_with(&view(&s, &v, kept, lines).await?, status)
        }
        Err(e) => Err(e.into()),
    }
}

/// Retires a clause: no new decision cites it; those that did keep it.
pub(crate) async fn retire(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    s.app.retire_terms_clause(&v.principal, &id).await?;
    Ok(redirect("/terms"))
}
