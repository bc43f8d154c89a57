//! Console sessions in cookies, and CSRF tokens.
//!
//! - The session cookie is `HttpOnly`, `SameSite=Strict` and `Path=/`. When the console is served
//!   over TLS it is also `Secure` and named with the `__Host-` prefix.
//! - Signed-in forms carry a CSRF token derived from the session's secret (SHA-256 with a domain
//!   tag), so it needs no storage and dies with the session.
//! - Forms before sign-in (the login and the public report) use a double-submit token: a random
//!   value in a `SameSite=Strict` cookie, repeated in the form.
//!
//! Every state-changing form is read through [`CsrfForm`], which checks its token before the
//! handler runs: a post whose token is missing or wrong is refused with 403 and changes nothing.

use std::marker::PhantomData;

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};
use vigie_model::Principal;

use super::{PageError, field};
use crate::AppState;

const SESSION: &str = "vigie_session";
const SECURE_SESSION: &str = "__Host-vigie_session";
const PRE_SESSION: &str = "vigie_csrf";
const SECURE_PRE_SESSION: &str = "__Host-vigie_csrf";

/// The names of the console's cookies, with the `__Host-` prefix over TLS.
pub(crate) fn names(secure: bool) -> (&'static str, &'static str) {
    if secure { (SECURE_SESSION, SECURE_PRE_SESSION) } else { (SESSION, PRE_SESSION) }
}

/// The value of cookie `name` in the request, if sent once.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value; `max_age` of 0 deletes the cookie.
pub(crate) fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The CSRF token of a session.
pub(crate) fn csrf_of(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"vigie-csrf-v1");
    h.update(session_secret.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Compares two tokens in time independent of where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A signed-in person: who they are, their session's secret and its CSRF token.
#[derive(Clone, Debug)]
pub(crate) struct Viewer {
    pub principal: Principal,
    pub secret: String,
    pub csrf: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let (name, _) = names(state.console.secure_cookies);
        let secret = cookie(&parts.headers, name).ok_or(PageError::SignIn)?.to_owned();
        let (principal, must_change) = state.app.console_session(&secret).await.map_err(|_| PageError::SignIn)?;
        // A one-time password is changed before anything else.
        if must_change && !PASSWORD_PATHS.contains(&parts.uri.path()) {
            return Err(PageError::ChangePassword);
        }
        let csrf = csrf_of(&secret);
        Ok(Viewer { principal, secret, csrf })
    }
}

/// What a person who must change a one-time password may still reach.
const PASSWORD_PATHS: [&str; 2] = ["/password", "/logout"];

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        match <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(v) => Ok(Some(v)),
            Err(PageError::ChangePassword) => Err(PageError::ChangePassword),
            Err(_) => Ok(None),
        }
    }
}

/// The pre-session CSRF token: the one in the cookie, or a fresh one to set.
pub(crate) fn pre_session_token(headers: &HeaderMap, secure: bool) -> (String, Option<HeaderValue>) {
    let (_, name) = names(secure);
    match cookie(headers, name).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit())) {
        Some(v) => (v.to_owned(), None),
        None => {
            let mut b = [0u8; 16];
            getrandom::fill(&mut b).expect("the operating system's random source is available");
            let token = hex::encode(b);
            let cookie = set_cookie(name, &token, 3_600, secure);
            (token, Some(cookie))
        }
    }
}

/// Where a form's expected CSRF token comes from.
pub(crate) trait CsrfScheme {
    /// The token a form must carry, from the request's cookies; `None` when it can carry none.
    fn expected(headers: &HeaderMap, secure: bool) -> Option<String>;
}

/// Signed-in forms: the token derived from the session cookie (the one [`Viewer`] reads).
pub(crate) struct Session;

/// Forms before sign-in (sign-in, the public report, tracking, the uploader's notice): the
/// double-submit token of the pre-session cookie.
pub(crate) struct PreSession;

impl CsrfScheme for Session {
    fn expected(headers: &HeaderMap, secure: bool) -> Option<String> {
        let (name, _) = names(secure);
        cookie(headers, name).map(csrf_of)
    }
}

impl CsrfScheme for PreSession {
    fn expected(headers: &HeaderMap, secure: bool) -> Option<String> {
        let (_, name) = names(secure);
        cookie(headers, name).map(str::to_owned)
    }
}

/// A state-changing form whose CSRF token (field `csrf`) was checked under scheme `S`: the only
/// way the console reads a posted form. A body that is not a form, or a missing or wrong token,
/// is refused with 403 before the handler runs.
pub(crate) struct CsrfForm<S = Session> {
    pub form: Vec<(String, String)>,
    scheme: PhantomData<S>,
}

impl<S: CsrfScheme> FromRequest<AppState> for CsrfForm<S> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let expected = S::expected(req.headers(), state.console.secure_cookies);
        let Form(form) = Form::<Vec<(String, String)>>::from_request(req, state).await.map_err(|_| PageError::Csrf)?;
        match (expected, field(&form, "csrf")) {
            (Some(expected), Some(sent)) if same(&expected, sent) => Ok(CsrfForm { form, scheme: PhantomData }),
            _ => Err(PageError::Csrf),
        }
    }
}

/// Adds `Set-Cookie` headers to a response's headers.
pub(crate) fn with_cookies(headers: &mut HeaderMap, cookies: impl IntoIterator<Item = HeaderValue>) {
    for c in cookies {
        headers.append(SET_COOKIE, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(COOKIE, HeaderValue::from_static("a=1; vigie_session_x=2; vigie_session=3"));
        assert_eq!(cookie(&h, "vigie_session"), Some("3"));
        assert_eq!(cookie(&h, "b"), None);
    }

    #[test]
    fn csrf_tokens_depend_on_the_session() {
        assert_ne!(csrf_of("vgs_a"), csrf_of("vgs_b"));
        assert_eq!(csrf_of("vgs_a").len(), 32);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn secure_cookies_carry_the_host_prefix_and_the_secure_flag() {
        let v = set_cookie(names(true).0, "x", 60, true);
        let v = v.to_str().unwrap();
        assert!(v.starts_with("__Host-vigie_session=x; Path=/; HttpOnly; SameSite=Strict"));
        assert!(v.ends_with("; Secure"));
        assert!(!set_cookie(names(false).0, "x", 60, false).to_str().unwrap().contains("Secure"));
    }
}
