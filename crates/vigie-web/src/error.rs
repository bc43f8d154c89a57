//! Problem details (RFC 9457): the one way errors leave the server.
//!
//! Every error has a stable snake_case `code`; validation errors list each field. Internal errors
//! say nothing about their cause to the client and are logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_app::AppError;
use vigie_store::StoreError;

/// One problem with one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:vigie:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    /// Seconds after which the request may be sent again (`Retry-After`).
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: detail.into(), errors: Vec::new(), retry_after: None }
    }
    /// Adds a `Retry-After` header.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }
    pub fn status(&self) -> StatusCode {
        self.status
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(inv) => {
                let errors: Vec<_> = inv
                    .errors()
                    .iter()
                    .map(|f| FieldProblem {
                        field: f.field.clone(),
                        code: f.code.to_owned(),
                        message: f.message.clone(),
                    })
                    .collect();
                Self {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "validation_failed",
                    detail: format!("{} field(s) are invalid", errors.len()),
                    errors,
                    retry_after: None,
                }
            }
            AppError::Unauthenticated => Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", e.to_string()),
            AppError::Forbidden(_) => Self::new(StatusCode::FORBIDDEN, "forbidden", e.to_string()),
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Conflict { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            AppError::Upstream(msg) => Self::new(StatusCode::BAD_GATEWAY, "fetch_failed", msg),
            AppError::TooLarge(msg) => Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", msg),
            AppError::Egress(err) => Self::new(StatusCode::UNPROCESSABLE_ENTITY, "egress_refused", err.to_string()),
            AppError::Store(StoreError::Conflict(msg)) => Self::new(StatusCode::CONFLICT, "conflict", msg),
            AppError::Store(StoreError::Full) => Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                "storage_full",
                "the server's storage is full: nothing was changed; its operator must free space",
            )
            .retry_after(60),
            AppError::Busy { detail, retry_after_secs } => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", detail).retry_after(retry_after_secs)
            }
            AppError::QuotaExceeded { detail, retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "quota_exceeded", detail).retry_after(retry_after_secs)
            }
            AppError::Internal(what) => {
                tracing::error!(error = what, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; nothing was changed",
                )
            }
            AppError::Store(err) => {
                tracing::error!(error = %err, "store error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "an internal error occurred; nothing was changed",
                )
            }
        }
    }
}

fn title(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("Error").to_owned()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("urn:vigie:problem:{}", self.code),
            title: title(self.status),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.to_owned(),
            errors: self.errors,
        };
        let mut res = (self.status, Json(body)).into_response();
        res.headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
