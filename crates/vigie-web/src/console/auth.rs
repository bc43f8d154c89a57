//! Signing in and out.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::session::{self, CsrfForm, PreSession, Viewer};
use super::{Me, PageError, field, page, redirect};
use crate::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    me: Option<Me>,
    csrf: String,
    login: String,
    error: Option<String>,
}

/// `/`: the queue for reviewers, the report form for everyone else, the sign-in page if needed.
pub(crate) async fn home(viewer: Option<Viewer>) -> Response {
    match viewer {
        Some(v) => {
            let me = Me::of(&v.principal, &v.csrf, "/");
            redirect(me.menu.first().map_or("/report", |m| m.href))
        }
        None => redirect("/login"),
    }
}

pub(crate) async fn login_page(State(s): State<AppState>, headers: HeaderMap) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    let (csrf, cookie) = session::pre_session_token(&headers, secure);
    let mut res = page(&LoginPage { me: None, csrf, login: String::new(), error: None })?;
    session::with_cookies(res.headers_mut(), cookie);
    Ok(res)
}

pub(crate) async fn login(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<PreSession>,
) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    let login = field(&form, "login").unwrap_or_default().trim().to_owned();
    let again = |error: &str, status: StatusCode| -> Result<Response, PageError> {
        let (csrf, _) = session::pre_session_token(&headers, secure);
        let mut res = page(&LoginPage { me: None, csrf, login: login.clone(), error: Some(error.to_owned()) })?;
        *res.status_mut() = status;
        Ok(res)
    };
    if !s.login_limiter.allow(peer.ip()) {
        return again(
            "Too many attempts from your address. Wait a minute and try again.",
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    match s.app.sign_in(&login, field(&form, "password").unwrap_or_default()).await {
        Ok(new) => {
            let (name, pre) = session::names(secure);
            let max_age = new.expires_at.since(s.app.now()).as_micros() / 1_000_000;
            let me = Me::of(&new.principal, "", "/");
            let landing =
                if new.must_change_password { "/password" } else { me.menu.first().map_or("/report", |m| m.href) };
            let mut res = redirect(landing);
            session::with_cookies(
                res.headers_mut(),
                [session::set_cookie(name, &new.secret, max_age, secure), session::set_cookie(pre, "", 0, secure)],
            );
            Ok(res)
        }
        Err(vigie_app::AppError::Unauthenticated) => {
            again("The login or the password is wrong.", StatusCode::UNAUTHORIZED)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn logout(State(s): State<AppState>, v: Viewer, _: CsrfForm) -> Result<Response, PageError> {
    s.app.sign_out(&v.principal, &v.secret).await?;
    let (name, _) = session::names(s.console.secure_cookies);
    let mut res = redirect("/login");
    session::with_cookies(res.headers_mut(), [session::set_cookie(name, "", 0, s.console.secure_cookies)]);
    Ok(res.into_response())
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    me: Option<Me>,
    csrf: String,
    /// Which form was just saved: `reveal`, `viewer` or `organisation`.
    saved: String,
    viewer: super::viewer::SettingsView,
}

#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct SettingsQuery {
    saved: Option<String>,
}

async fn settings_page(s: &AppState, v: &Viewer, saved: &str) -> Result<Response, PageError> {
    let viewer = super::viewer::SettingsView::of(&s.app.viewer_settings(&v.principal).await?);
    let saved = if ["reveal", "viewer", "organisation"].contains(&saved) { saved } else { "" };
    page(&SettingsPage {
        me: Some(Me::load(&s.app, v, "/settings").await),
        csrf: v.csrf.clone(),
        saved: saved.to_owned(),
        viewer,
    })
}

/// A person's own choices: how media are revealed and shown to them (and, for an organisation's
/// leads, the organisation's defaults).
pub(crate) async fn settings(
    State(s): State<AppState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<SettingsQuery>,
) -> Result<Response, PageError> {
    settings_page(&s, &v, q.saved.as_deref().unwrap_or_default()).await
}

pub(crate) async fn save_settings(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    s.app.set_reveal_by_key(&v.principal, field(&form, "reveal") == Some("key")).await?;
    settings_page(&s, &v, "reveal").await
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    me: Option<Me>,
    csrf: String,
    /// The password was a one-time password, to be replaced before anything else.
    forced: bool,
    changed: bool,
    errors: Vec<String>,
}

/// A person changes their own password (and must, after signing in with a one-time password).
pub(crate) async fn password_page(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let (_, forced) = s.app.console_session(&v.secret).await?;
    let me = Me::load(&s.app, &v, "/settings").await;
    page(&PasswordPage { me: Some(me), csrf: v.csrf.clone(), forced, changed: false, errors: Vec::new() })
}

pub(crate) async fn change_password(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let new = field(&form, "new_password").unwrap_or_default().to_owned();
    let again = field(&form, "new_password_again").unwrap_or_default();
    let outcome = if new != again {
        Err(vec!["The two new passwords differ.".to_owned()])
    } else {
        match s.app.change_own_password(&v.principal, field(&form, "current_password").unwrap_or_default(), new).await {
            Ok(()) => Ok(()),
            Err(vigie_app::AppError::Invalid(i)) => Err(super::problems(&i)),
            Err(e) => return Err(e.into()),
        }
    };
    let me = Me::load(&s.app, &v, "/settings").await;
    match outcome {
        Ok(()) => {
            page(&PasswordPage { me: Some(me), csrf: v.csrf.clone(), forced: false, changed: true, errors: Vec::new() })
        }
        Err(errors) => {
            let (_, forced) = s.app.console_session(&v.secret).await?;
            let t = PasswordPage { me: Some(me), csrf: v.csrf.clone(), forced, changed: false, errors };
            super::page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}
