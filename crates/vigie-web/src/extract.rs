//! Extractors that answer in problem details: JSON bodies and bearer tokens.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
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

fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
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

/// The caller, from a valid bearer token. Missing or unknown tokens answer 401.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?.ok_or(vigie_app::AppError::Unauthenticated)?;
        Ok(Auth(state.app.authenticate(token).await?))
    }
}

/// The caller if a token was sent. A token that was sent but is not valid still answers 401:
/// a forged token never quietly becomes an anonymous request.
pub struct MaybeAuth(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match bearer(parts)? {
            None => Ok(MaybeAuth(None)),
            Some(token) => Ok(MaybeAuth(Some(state.app.authenticate(token).await?))),
        }
    }
}
