//! Extractors that answer in problem details: JSON bodies and bearer tokens.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use vigie_store::Principal;

use crate::AppState;
use crate::error::ApiError;

/// A JSON body; malformed, mistyped, oversize or non-JSON bodies become problem details.
pub struct Body<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
    }
}

fn json_problem(r: JsonRejection) -> ApiError {
    let status = r.status();
    let text = r.body_text();
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(status, "payload_too_large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, "unsupported_media_type", "send the body as application/json")
        }
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::new(status, "invalid_json_shape", text),
        _ if matches!(r, JsonRejection::BytesRejection(_)) => ApiError::new(status, "unreadable_body", text),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", text),
    }
}

fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::from(vigie_app::AppError::Unauthenticated))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(vigie_app::AppError::Unauthenticated.into()),
    }
}

/// The principal a request's bearer token speaks for, put in its extensions by [`authenticate`].
#[derive(Clone)]
struct Authenticated(Principal);

/// Middleware over every API route: a request that carries an `Authorization` header is
/// authenticated once, here, before any handler runs. A token that is sent but is not valid
/// answers 401 on every route, public ones included, so a forged token never quietly becomes an
/// anonymous request; no handler has to remember it.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let principal = match bearer(req.headers()) {
        Err(e) => return e.into_response(),
        Ok(None) => None,
        Ok(Some(token)) => match state.app.authenticate(token).await {
            Ok(p) => Some(p),
            Err(e) => return ApiError::from(e).into_response(),
        },
    };
    if let Some(p) = principal {
        req.extensions_mut().insert(Authenticated(p));
    }
    next.run(req).await
}

/// The caller, from a valid bearer token. Missing tokens answer 401 (invalid ones never get this
/// far: [`authenticate`] refused them).
pub struct Auth(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Authenticated>() {
            Some(Authenticated(p)) => Ok(Auth(p.clone())),
            None => Err(vigie_app::AppError::Unauthenticated.into()),
        }
    }
}

/// The caller if a valid token was sent; `None` when no token was sent.
pub struct MaybeAuth(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(parts.extensions.get::<Authenticated>().map(|Authenticated(p)| p.clone())))
    }
}
