//! The administrator's pages: organisations, people, their tokens and passwords, host claims,
//! webhooks and banks.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::admin::NewUserInput;
use vigie_app::auth::is_admin;
use vigie_model::org::{Contact, NewOrg, Role};
use vigie_model::{OrgId, UserId};

use super::session::Viewer;
use super::{Me, PageError, all, check_csrf, field, page, page_with, problems, redirect, text};
use crate::AppState;

fn require_admin(v: &Viewer) -> Result<(), PageError> {
    if is_admin(&v.principal) {
        Ok(())
    } else {
        Err(vigie_app::AppError::Forbidden("these pages are for administrators").into())
    }
}

struct OrgRow {
    id: String,
    name: String,
    kind: String,
    state: String,
}

struct HostRow {
    host: String,
    org: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    me: Option<Me>,
    csrf: String,
    orgs: Vec<OrgRow>,
    hosts: Vec<HostRow>,
    webhooks: Vec<(String, String, String)>,
    banks: Vec<(String, String, i64, bool)>,
    errors: Vec<String>,
}

async fn overview(s: &AppState, v: &Viewer, errors: Vec<String>) -> Result<AdminPage, PageError> {
    let o = s.app.admin_overview(&v.principal).await?;
    let name =
        |id: &OrgId| o.orgs.iter().find(|x| &x.id == id).map_or_else(|| id.as_str().to_owned(), |x| x.name.clone());
    Ok(AdminPage {
        me: Some(Me::load(&s.app, v, "/admin").await),
        csrf: v.csrf.clone(),
        orgs: o
            .orgs
            .iter()
            .map(|x| OrgRow {
                id: x.id.as_str().to_owned(),
                name: x.name.clone(),
                kind: x.kind.as_str().replace('_', " "),
                state: x.member_state.clone().or_else(|| x.main_establishment.clone()).unwrap_or_default(),
            })
            .collect(),
        hosts: o
            .hosts
            .iter()
            .map(|h| HostRow {
                host: h.host.clone(),
                org: name(&h.org),
                pending: h.status == vigie_store::HostStatus::Pending,
            })
            .collect(),
        webhooks: o.webhooks.iter().map(|w| (name(&w.org), w.url.clone(), w.created_at.to_rfc3339())).collect(),
        banks: o.banks.iter().map(|(b, n)| (name(&b.owner), b.spec.name.clone(), *n, b.spec.stay_down)).collect(),
        errors,
    })
}

pub(crate) async fn home(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    require_admin(&v)?;
    page(&overview(&s, &v, Vec::new()).await?)
}

pub(crate) async fn create_org(
    State(s): State<AppState>,
    v: Viewer,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&v, &form)?;
    require_admin(&v)?;
    let input = NewOrg {
        name: text(&form, "name"),
        kind: text(&form, "kind"),
        member_state: text(&form, "member_state").map(|m| m.to_ascii_uppercase()),
        main_establishment: text(&form, "main_establishment").map(|m| m.to_ascii_uppercase()),
        legal_representative: None,
        contact_point: text(&form, "contact_email").map(|email| Contact { email: Some(email), ..Contact::default() }),
    };
    match s.app.create_org(&v.principal, input).await {
        Ok(org) => Ok(redirect(&format!("/admin/orgs/{}", org.id.as_str()))),
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&overview(&s, &v, problems(&i)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn approve_host(
    State(s): State<AppState>,
    v: Viewer,
    Path(host): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&v, &form)?;
    s.app.approve_host(&v.principal, &host).await?;
    Ok(redirect("/admin"))
}

struct PersonRow {
    id: String,
    name: String,
    login: String,
    roles: String,
    tokens: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin_org.html")]
struct OrgPage {
    me: Option<Me>,
    csrf: String,
    id: String,
    name: String,
    kind: String,
    people: Vec<PersonRow>,
    roles: Vec<&'static str>,
    new_token: Option<(String, String)>,
    errors: Vec<String>,
}

async fn org_view(
    s: &AppState,
    v: &Viewer,
    id: &str,
    new_token: Option<(String, String)>,
    errors: Vec<String>,
) -> Result<OrgPage, PageError> {
    let (org, people) = s.app.org_people(&v.principal, id).await?;
    let roles = Role::ALL.iter().copied().filter(|r| r.allowed_in(org.kind)).map(|r| r.as_str()).collect();
    Ok(OrgPage {
        me: Some(Me::load(&s.app, v, "/admin").await),
        csrf: v.csrf.clone(),
        id: org.id.as_str().to_owned(),
        name: org.name.clone(),
        kind: org.kind.as_str().replace('_', " "),
        people: people
            .into_iter()
            .map(|p| PersonRow {
                id: p.user.id.as_str().to_owned(),
                name: p.name.unwrap_or_else(|| "(erased)".into()),
                login: p.login.unwrap_or_default(),
                roles: p.user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                tokens: p
                    .tokens
                    .iter()
                    .map(|t| (t.label.clone().unwrap_or_else(|| t.id.as_str().to_owned()), t.created_at.to_rfc3339()))
                    .collect(),
            })
            .collect(),
        roles,
        new_token,
        errors,
    })
}

pub(crate) async fn org_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    page(&org_view(&s, &v, &id, None, Vec::new()).await?)
}

pub(crate) async fn create_person(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&v, &form)?;
    require_admin(&v)?;
    let org = OrgId::parse(&id).ok_or(vigie_app::AppError::NotFound("organisation"))?;
    let input = NewUserInput {
        name: text(&form, "name"),
        roles: Some(all(&form, "roles").into_iter().map(str::to_owned).collect()),
        login: text(&form, "login"),
        password: field(&form, "password").filter(|p| !p.is_empty()).map(str::to_owned),
    };
    match s.app.create_user(&v.principal, org, input).await {
        Ok(_) => Ok(redirect(&format!("/admin/orgs/{id}"))),
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&org_view(&s, &v, &id, None, problems(&i)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&org_view(&s, &v, &id, None, vec![message]).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

/// Issues an API token; the page shows it once (it is never stored, only its hash).
pub(crate) async fn issue_token(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, user)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    check_csrf(&v, &form)?;
    require_admin(&v)?;
    let user_id = UserId::parse(&user).ok_or(vigie_app::AppError::NotFound("user"))?;
    let (_, secret) = s.app.issue_token(&v.principal, user_id, text(&form, "label")).await?;
    page(&org_view(&s, &v, &id, Some((user, secret)), Vec::new()).await?)
}
