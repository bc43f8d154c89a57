//! What a use-case can answer besides success. `vigie-web` maps each to an HTTP status and a
//! stable code; nothing else decides how errors look.

use vigie_model::{Conflict, Invalid};
use vigie_store::StoreError;

use crate::egress::EgressError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request's fields are wrong; every problem is listed.
    #[error("invalid request: {0}")]
    Invalid(Invalid),
    /// No token, or a token that matches nobody.
    #[error("a valid bearer token is required")]
    Unauthenticated,
    /// The caller is known but may not do this.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Nothing with that id exists *for this caller*: another organisation's ids look the same.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is valid but the object's state does not allow it.
    #[error("{message}")]
    Conflict { code: Conflict, message: String },
    /// The request or the media it names is larger than allowed.
    #[error("{0}")]
    TooLarge(String),
    /// A server Vigie fetched from failed or refused.
    #[error("{0}")]
    Upstream(String),
    /// An outbound address that the egress policy refuses.
    #[error(transparent)]
    Egress(#[from] EgressError),
    /// The store failed. Its refusals that are a client's conflict (a unique name taken) arrive
    /// as [`AppError::Conflict`] instead (see the `From` below); anything here is internal.
    #[error(transparent)]
    Store(StoreError),
    /// The server is using all it allows itself of a resource (decoding memory); the request may
    /// be sent again after `retry_after_secs`.
    #[error("{detail}")]
    Busy { detail: &'static str, retry_after_secs: u64 },
    /// The caller's organisation holds its whole share of a resource; it may retry later.
    #[error("{detail}")]
    QuotaExceeded { detail: &'static str, retry_after_secs: u64 },
    /// A bug: something that cannot happen did. Logged; the client hears only "internal".
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { code, message } => AppError::Conflict { code, message: message.to_owned() },
            other => AppError::Store(other),
        }
    }
}

impl AppError {
    pub fn conflict(code: Conflict, message: impl Into<String>) -> Self {
        AppError::Conflict { code, message: message.into() }
    }
}

pub type AppResult<T> = Result<T, AppError>;
