//! Hash banks (`/banks`): the banks an organisation owns or was given access to, the form that
//! creates one, and each owned bank's settings edited (threshold, stay-down, sampling, flood
//! limit, description). The same use-cases as `POST`/`GET /api/v1/banks` and
//! `PATCH /api/v1/banks/{id}`; who may do it is theirs to say. Entries, shares and imports stay
//! in the API and the CLI.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_model::bank::{Access, RawBank};

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, field, page, page_with, problems, redirect, text};
use crate::AppState;

struct BankRow {
    id: String,
    name: String,
    kind: &'static str,
    access: &'static str,
    owned: bool,
    threshold: u32,
    stay_down: bool,
    enabled_ratio: String,
    flood_limit: u32,
    vpdq_query_percent: f64,
    vpdq_compared_percent: f64,
    tmk_level1: f64,
    tmk_level2: f64,
    description: String,
}

#[derive(Template)]
#[template(path = "banks.html")]
struct BanksPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<BankRow>,
    /// The form refused (`new`, or a bank's id) and why.
    errors: Option<(String, Vec<String>)>,
}

async fn view(s: &AppState, v: &Viewer, errors: Option<(String, Vec<String>)>) -> Result<BanksPage, PageError> {
    let banks = s.app.list_banks(&v.principal).await?;
    let rows = banks
        .into_iter()
        .map(|(b, access)| BankRow {
            id: b.id.as_str().to_owned(),
            name: b.spec.name.clone(),
            kind: b.spec.kind.as_str(),
            access: access.as_str(),
            owned: access == Access::Own,
            threshold: b.spec.threshold,
            stay_down: b.spec.stay_down,
            enabled_ratio: b.spec.enabled_ratio.to_string(),
            flood_limit: b.spec.flood_limit,
            vpdq_query_percent: b.spec.vpdq_query_percent,
            vpdq_compared_percent: b.spec.vpdq_compared_percent,
            tmk_level1: b.spec.tmk_level1,
            tmk_level2: b.spec.tmk_level2,
            description: b.spec.description.clone().unwrap_or_default(),
        })
        .collect();
    Ok(BanksPage { me: Some(Me::load(&s.app, v, "/banks").await), csrf: v.csrf.clone(), rows, errors })
}

pub(crate) async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&view(&s, &v, None).await?)
}

/// A bank's settings from a form: blank fields keep their value (or the default).
fn raw(form: &[(String, String)]) -> Result<RawBank, Vec<String>> {
    let mut bad = Vec::new();
    let mut number = |name: &str| {
        text(form, name).and_then(|v| {
            let n = v.parse::<f64>().ok();
            if n.is_none() {
                bad.push(format!("{name}: not a number"));
            }
            n
        })
    };
    let threshold = number("threshold").map(|n| n as i64);
    let enabled_ratio = number("enabled_ratio");
    let flood_limit = number("flood_limit").map(|n| n as i64);
    let vpdq_query_percent = number("vpdq_query_percent");
    let vpdq_compared_percent = number("vpdq_compared_percent");
    let tmk_level1 = number("tmk_level1");
    let tmk_level2 = number("tmk_level2");
    if !bad.is_empty() {
        return Err(bad);
    }
    Ok(RawBank {
        name: text(form, "name"),
        kind: text(form, "kind"),
        threshold,
        stay_down: Some(field(form, "stay_down") == Some("yes")),
        enabled_ratio,
        labels: None,
        description: text(form, "description"),
        flood_limit,
        vpdq_query_percent,
        vpdq_compared_percent,
        tmk_level1,
        tmk_level2,
    })
}

pub(crate) async fn create(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let input = match raw(&form) {
        Ok(r) => r,
        Err(lines) => {
            return page_with(&view(&s, &v, Some(("new".into(), lines))).await?, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match s.app.create_bank(&v.principal, input).await {
        Ok(_) => Ok(redirect("/banks")),
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&view(&s, &v, Some(("new".into(), problems(&i)))).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&view(&s, &v, Some(("new".into(), vec![message]))).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn update(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let input = match raw(&form) {
        Ok(r) => r,
        Err(lines) => {
            return page_with(&view(&s, &v, Some((id, lines))).await?, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    match s.app.update_bank(&v.principal, &id, input).await {
        Ok(_) => Ok(redirect(&format!("/banks#bank-{id}"))),
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&view(&s, &v, Some((id, problems(&i)))).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&view(&s, &v, Some((id, vec![message]))).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
