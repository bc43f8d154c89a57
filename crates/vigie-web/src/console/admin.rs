//! The administrator's pages: organisations, people, their tokens and passwords, host claims,
//! webhooks and banks.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::admin::{NewTokenInput, NewUserInput};
use vigie_app::auth::is_admin;
use vigie_model::org::{Contact, NewOrg, Role};
use vigie_model::{OrgId, UserId};

use vigie_app::reviewing::relative;

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, all, field, page, page_with, problems, redirect, text};
use crate::AppState;

/// The administration pages' gate.
pub(crate) fn require_admin(v: &Viewer) -> Result<(), PageError> {
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

struct WebhookRow {
    id: String,
    org: String,
    url: String,
    registered: String,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    me: Option<Me>,
    csrf: String,
    orgs: Vec<OrgRow>,
    hosts: Vec<HostRow>,
    webhooks: Vec<WebhookRow>,
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
        webhooks: o
            .webhooks
            .iter()
            .map(|w| WebhookRow {
                id: w.id.as_str().to_owned(),
                org: name(&w.org),
                url: w.url.clone(),
                registered: w.created_at.to_rfc3339(),
            })
            .collect(),
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
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let input = NewOrg {
        name: text(&form, "name"),
        kind: text(&form, "kind"),
        member_state: text(&form, "member_state").map(|m| m.to_ascii_uppercase()),
        main_establishment: text(&form, "main_establishment").map(|m| m.to_ascii_uppercase()),
        legal_representative: None,
        contact_point: text(&form, "contact_email").map(|email| Contact { email: Some(email), ..Contact::default() }),
        competences: Some(all(&form, "competences").into_iter().map(str::to_owned).collect()),
        europol: None,
        designated_channel: Some(field(&form, "designated_channel") == Some("yes")),
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
    _: CsrfForm,
) -> Result<Response, PageError> {
    s.app.approve_host(&v.principal, &host).await?;
    Ok(redirect("/admin"))
}

struct TokenRow {
    id: String,
    label: String,
    created: String,
    expires: String,
    /// `active`, `expired` or `revoked …`.
    state: String,
    live: bool,
}

struct PersonRow {
    id: String,
    name: String,
    login: String,
    roles: String,
    /// The roles they hold, to tick the boxes of the roles form.
    held: Vec<&'static str>,
    tokens: Vec<TokenRow>,
    /// When an administrator removed them, if they did.
    removed: Option<String>,
    /// The person looking at the page (who cannot remove themselves).
    me: bool,
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
    /// The roles this organisation's kind allows, each with what it lets a person do.
    roles: Vec<(&'static str, &'static str)>,
    new_token: Option<(String, String)>,
    /// An authority's order profile, for its form (authorities only).
    profile: Option<super::authority::ProfileView>,
    /// A one-time password just given: (person, password), shown once.
    one_time: Option<(String, String)>,
    status: Option<String>,
    errors: Vec<String>,
}

/// What a role lets a person do, said where it is granted.
fn role_help(role: Role) -> &'static str {
    match role {
        Role::Admin => {
            "Runs this Vigie instance: organisations, people, their roles, passwords and tokens, host claims, webhooks. Only the hub's people may hold it."
        }
        Role::Reporter => {
            "Sends what the organisation reports: an authority's removal orders and referrals (and decides the scrutinies it receives), a trusted flagger's notices."
        }
        Role::Moderator => {
            "Reviews the platform's cases and decides them; answers removal orders (Annex III) and threats to life."
        }
        Role::Integrator => {
            "Connects the platform's systems: host claims, webhooks, terms clauses, banks, API tokens' use."
        }
        Role::Senior => {
            "Senior reviewer: receives escalated cases, with the colleague's note, under \"Escalated to me\" in the queue, and decides them. Held with the moderator role, which is what decides."
        }
        Role::EvidenceCustodian => {
            "Keeps the platform's evidence vault: records preservation orders, opens preserved content with a reason, grants authorities' requests, requests and approves exports (never one's own)."
        }
        Role::Viewer => "Reads the organisation's own records and figures; changes nothing.",
    }
}

async fn org_view(
    s: &AppState,
    v: &Viewer,
    id: &str,
    new_token: Option<(String, String)>,
    status: Option<String>,
    errors: Vec<String>,
) -> Result<OrgPage, PageError> {
    let (org, people) = s.app.org_people(&v.principal, id).await?;
    let now = s.app.now();
    let roles =
        Role::ALL.iter().copied().filter(|r| r.allowed_in(org.kind)).map(|r| (r.as_str(), role_help(r))).collect();
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
                held: p.user.roles.iter().map(|r| r.as_str()).collect(),
                tokens: p
                    .tokens
                    .iter()
                    .map(|t| TokenRow {
                        id: t.id.as_str().to_owned(),
                        label: t.label.clone().unwrap_or_else(|| t.id.as_str().to_owned()),
                        created: t.created_at.to_rfc3339(),
                        expires: t.expires_at.map_or_else(|| "never".to_owned(), |e| e.to_rfc3339()),
                        state: match (t.revoked_at, t.is_live(now)) {
                            (Some(at), _) => format!("revoked {}", relative(at, now)),
                            (None, true) => "active".to_owned(),
                            (None, false) => "expired".to_owned(),
                        },
                        live: t.is_live(now),
                    })
                    .collect(),
                removed: p.user.deactivated_at.map(|at| relative(at, now)),
                me: p.user.id == v.principal.user,
            })
            .collect(),
        roles,
        new_token,
        profile: if org.kind == vigie_model::org::OrgKind::Authority {
            Some(super::authority::ProfileView::of(s.app.authority_profile(&v.principal, id).await?))
        } else {
            None
        },
        one_time: None,
        status,
        errors,
    })
}

pub(crate) async fn org_page(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    page(&org_view(&s, &v, &id, None, None, Vec::new()).await?)
}

pub(crate) async fn create_person(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
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
            page_with(&org_view(&s, &v, &id, None, None, problems(&i)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&org_view(&s, &v, &id, None, None, vec![message]).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

/// Issues an API token; the page shows it once (it is never stored, only its hash).
pub(crate) async fn issue_token(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, user)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let user_id = UserId::parse(&user).ok_or(vigie_app::AppError::NotFound("user"))?;
    // A date alone means the start of that day, UTC.
    let expires_at = text(&form, "expires").map(|d| if d.len() == 10 { format!("{d}T00:00:00Z") } else { d });
    let input = NewTokenInput { label: text(&form, "label"), expires_at };
    match s.app.issue_token(&v.principal, user_id, input).await {
        Ok((_, secret)) => page(&org_view(&s, &v, &id, Some((user, secret)), None, Vec::new()).await?),
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&org_view(&s, &v, &id, None, None, problems(&i)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes a token: it fails from the next request on.
pub(crate) async fn revoke_token(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, token)): Path<(String, String)>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let t = s.app.revoke_token(&v.principal, &token).await?;
    let status = format!("Token {} revoked: it no longer opens the API.", t.label.unwrap_or_else(|| token.clone()));
    page(&org_view(&s, &v, &id, None, Some(status), Vec::new()).await?)
}

/// Removes a person: their tokens and sessions stop working at once.
pub(crate) async fn remove_person(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, user)): Path<(String, String)>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    match s.app.remove_user(&v.principal, &user).await {
        Ok(_) => {
            let status = "Removed: their tokens and console sessions no longer work; what they did stays theirs.";
            page(&org_view(&s, &v, &id, None, Some(status.to_owned()), Vec::new()).await?)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&org_view(&s, &v, &id, None, None, vec![message]).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a webhook: nothing more is sent to it.
pub(crate) async fn delete_webhook(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    s.app.delete_webhook(&v.principal, &id).await?;
    Ok(redirect("/admin#hooks-h"))
}

/// Replaces a person's roles.
pub(crate) async fn set_roles(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, user)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let roles = all(&form, "roles").into_iter().map(str::to_owned).collect();
    match s.app.set_roles(&v.principal, &user, roles).await {
        Ok(p) => {
            let list: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
            let status = format!("Roles changed: now {}. It applies from their next request.", list.join(", "));
            page(&org_view(&s, &v, &id, None, Some(status), Vec::new()).await?)
        }
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&org_view(&s, &v, &id, None, None, problems(&i)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// Gives a person a one-time password, shown once; they choose their own at the next sign-in.
pub(crate) async fn reset_password(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, user)): Path<(String, String)>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    match s.app.reset_password(&v.principal, &user).await {
        Ok(password) => {
            let mut t = org_view(&s, &v, &id, None, None, Vec::new()).await?;
            t.one_time = Some((user, password));
            page(&t)
        }
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&org_view(&s, &v, &id, None, None, problems(&i)).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// Sets an authority's order profile: what fills in each of its new order forms.
pub(crate) async fn set_profile(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let input = vigie_app::authority::ProfileInput {
        authority_type: text(&form, "authority_type"),
        representative_name: text(&form, "representative_name"),
        representative_post: text(&form, "representative_post"),
        contact_email: text(&form, "contact_email"),
        redress_body: text(&form, "redress_body"),
        redress_deadline: text(&form, "redress_deadline"),
        redress_hours: field(&form, "redress_unit") == Some("hours"),
        redress_from: text(&form, "redress_from"),
    };
    let get = |name: &str| field(&form, name).unwrap_or_default().to_owned();
    // A refused form shows what was typed, not the profile as it stands.
    let kept = super::authority::ProfileView {
        authority_type: get("authority_type"),
        representative_name: get("representative_name"),
        representative_post: get("representative_post"),
        contact_email: get("contact_email"),
        redress_body: get("redress_body"),
        redress_deadline: get("redress_deadline"),
        redress_hours: input.redress_hours,
        redress_from: get("redress_from"),
    };
    match s.app.set_authority_profile(&v.principal, &id, input).await {
        Ok(_) => {
            let status = "Order profile saved: it fills in the authority's next order forms.".to_owned();
            page(&org_view(&s, &v, &id, None, Some(status), Vec::new()).await?)
        }
        Err(vigie_app::AppError::Invalid(i)) => {
            let mut t = org_view(&s, &v, &id, None, None, problems(&i)).await?;
            t.profile = Some(kept);
            page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}
