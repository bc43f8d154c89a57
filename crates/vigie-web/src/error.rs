//! Problem details (RFC 9457): the one way errors leave the server.
//!
//! Every error has a stable snake_case `code` from [`Code`], the one table of codes with their
//! HTTP status and title; validation errors list each field. Internal errors say nothing about
//! their cause to the client and are logged once, here.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use vigie_app::AppError;
use vigie_model::Conflict;
use vigie_store::StoreError;

/// Declares [`Code`]: every code Vigie answers, with its HTTP status (and the other statuses
/// one route may answer it with, for compatibility) and its title. The conflicts are
/// `vigie_model::Conflict`'s, each given a title here: a conflict missing from this table, or one
/// the model does not know, does not compile.
macro_rules! make_error_codes {
    (
        general {
            $($variant:ident = $status:ident $(| $also:ident)*, $code:literal, $title:literal;)+
        }
        conflicts {
            $($conflict:ident $(| $conflict_also:ident)*: $conflict_title:literal;)+
        }
    ) => {
        /// A problem's `code`: what went wrong, stable across versions.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Code {
            $($variant,)+
            /// A refusal by the state of what the request acts on (409).
            Conflict(Conflict),
        }

        impl Code {
            /// Every code, in the order of the table.
            pub const ALL: &[Code] = &[$(Code::$variant,)+ $(Code::Conflict(Conflict::$conflict),)+];

            /// The stable snake_case code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code,)+
                    Code::Conflict(c) => c.as_str(),
                }
            }

            /// The status the code is answered with.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Code::$variant => StatusCode::$status,)+
                    Code::Conflict(_) => StatusCode::CONFLICT,
                }
            }

            /// The statuses it may be answered with: [`Code::status`] first, then those a route
            /// answers it with for compatibility (`ApiError::with_status`).
            pub fn statuses(self) -> &'static [StatusCode] {
                match self {
                    $(Code::$variant => &[StatusCode::$status $(, StatusCode::$also)*],)+
                    $(Code::Conflict(Conflict::$conflict) => &[StatusCode::CONFLICT $(, StatusCode::$conflict_also)*],)+
                }
            }

            /// A short human summary, the same for every problem with this code (RFC 9457 `title`).
            pub fn title(self) -> &'static str {
                match self {
                    $(Code::$variant => $title,)+
                    $(Code::Conflict(Conflict::$conflict) => $conflict_title,)+
                }
            }
        }
    };
}

make_error_codes! {
    general {
        // The request itself.
        MalformedJson = BAD_REQUEST, "malformed_json", "The body is not JSON";
        InvalidQuery = BAD_REQUEST, "invalid_query", "A query parameter is invalid";
        InvalidCursor = BAD_REQUEST, "invalid_cursor", "The cursor is not one this server issued";
        UnreadableBody = BAD_REQUEST, "unreadable_body", "The body could not be read";
        MalformedMultipart = BAD_REQUEST, "malformed_multipart", "The multipart body is malformed";
        UnknownPart = BAD_REQUEST, "unknown_part", "A multipart part is not one this route takes";
        NoFile = BAD_REQUEST, "no_file", "No file was sent";
        OneFileOnly = BAD_REQUEST, "one_file_only", "Only one file may be sent";
        NotUtf8 = BAD_REQUEST, "not_utf8", "The text is not UTF-8";
        InvalidBase64 = BAD_REQUEST, "invalid_base64", "The media is not base64";
        UnknownFormat = BAD_REQUEST, "unknown_format", "The file format is not known";
        UnknownContentType = BAD_REQUEST, "unknown_content_type", "The content type is not known";
        UnknownSignalType = BAD_REQUEST, "unknown_signal_type", "The signal type is not known";
        InvalidSignal = BAD_REQUEST, "invalid_signal", "The signal is not a valid hash";
        SignalOrUrl = BAD_REQUEST, "signal_or_url", "A signal or a URL is required";
        OneSignal = BAD_REQUEST, "one_signal", "Exactly one signal is required";
        TwoHashes = BAD_REQUEST, "two_hashes", "Exactly two hashes are required";
        Unauthenticated = UNAUTHORIZED, "unauthenticated", "A valid bearer token is required";
        Forbidden = FORBIDDEN, "forbidden", "Not allowed";
        NotFound = NOT_FOUND, "not_found", "Not found";
        MethodNotAllowed = METHOD_NOT_ALLOWED, "method_not_allowed", "The path does not take this method";
        RequestTimeout = REQUEST_TIMEOUT, "request_timeout", "The request took too long to arrive";
        PayloadTooLarge = PAYLOAD_TOO_LARGE, "payload_too_large", "The body is too large";
        UnsupportedMediaType = UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", "The body is not JSON";
        ValidationFailed = UNPROCESSABLE_ENTITY, "validation_failed", "Fields are invalid";
        InvalidJsonShape = UNPROCESSABLE_ENTITY, "invalid_json_shape", "A field is missing or of the wrong type";
        UnknownField = UNPROCESSABLE_ENTITY, "unknown_field", "A field is not one this request knows";
        EgressRefused = UNPROCESSABLE_ENTITY, "egress_refused", "The address is refused by the egress policy";
        RateLimited = TOO_MANY_REQUESTS, "rate_limited", "Too many requests from this address";
        QuotaExceeded = TOO_MANY_REQUESTS, "quota_exceeded", "The organisation's share is in use";
        // The server.
        Internal = INTERNAL_SERVER_ERROR, "internal", "Internal error";
        FetchFailed = BAD_GATEWAY, "fetch_failed", "The media could not be fetched";
        Busy = SERVICE_UNAVAILABLE, "busy", "The server is busy";
        Unavailable = SERVICE_UNAVAILABLE, "unavailable", "The store does not answer";
        // `/healthz` answers it 503: the server is not healthy.
        StorageFull = INSUFFICIENT_STORAGE | SERVICE_UNAVAILABLE, "storage_full", "The storage is full";
    }
    conflicts {
        AlreadyAcknowledged: "Already acknowledged";
        AlreadyApproved: "Already approved";
        AlreadyDecided: "Already decided";
        AlreadyGranted: "Already granted";
        AlreadyHeld: "Already held";
        AlreadyRetired: "Already retired";
        AlreadyReviewed: "Already reviewed";
        AmbiguousBankName: "Several banks have this name";
        // HMA's `/c/banks` answers it 403, as HMA does.
        BankExists | FORBIDDEN: "A bank has this name";
        CannotRemoveSelf: "One cannot remove oneself";
        CaseHeld: "The case is held";
        ChallengeDecided: "The challenge is decided";
        ClaimedByAnother: "Another reviewer holds the claim";
        ComplaintOpen: "A complaint is open";
        ComplaintWindowClosed: "The complaint window is closed";
        DuplicateCode: "The code is taken";
        DuplicateEntry: "The bank holds this entry";
        EmbargoAlreadyExtended: "The embargo was extended once already";
        EmbargoInThePast: "The embargo would end before it starts";
        EmbargoNotActive: "No embargo runs";
        EmbargoNotExtended: "The new end is not later";
        EmbargoTooLong: "The embargo is too long";
        ExportNotApproved: "The export is not approved";
        ExtensionNotLater: "The extension does not end later";
        FlaggerRevoked: "The trusted-flagger status is revoked";
        FourEyes: "Another person must approve";
        HoldEnded: "The hold has ended";
        HoldLength: "The hold's length is out of range";
        HoldOnNotice: "A notice is not held without a national instrument";
        HoldOnOrder: "A removal order is never held";
        HoldOnThreatToLife: "A threat to life is never held";
        HoldTooLate: "Too late to hold";
        HoldUsed: "The case was held once already";
        HostTaken: "The host is claimed";
        IssuerInformed: "The issuer was informed already";
        IssuerNotInformed: "The issuer was not informed";
        LoginTaken: "The login is taken";
        NoAlert: "No threat-to-life alert";
        NoAward: "No trusted-flagger award";
        NoEmbargo: "No embargo";
        NoReviewPending: "No review proceeds";
        NoScrutinisingAuthority: "No authority may scrutinise";
        NotATrustedFlagger: "Not a trusted flagger";
        NotAcknowledgeable: "Not acknowledgeable";
        NotAnOrder: "Not a removal order";
        NotDeadLetter: "Not a dead letter";
        NotCrossBorder: "Not a cross-border order";
        NotDecided: "Not decided";
        NotExtensible: "Not extensible under art. 6(2)";
        NotClaimed: "The case is not in your hands";
        NotTheDecider: "Only the person who decided may undo it";
        NotRevealed: "The media is not revealed";
        NotSuspended: "Not suspended";
        NothingToContest: "Nothing to contest";
        NothingToReinstate: "Nothing to reinstate";
        NothingUnfounded: "Nothing unfounded";
        NoticeWithheld: "The notice is withheld";
        NotifierSuspended: "The notifier is suspended";
        OrderEnded: "The order has ended";
        OrderInForce: "The order is in force";
        OrderState: "The order's state does not allow it";
        OriginalNotKept: "The original was not kept";
        OwnBank: "The bank is one's own";
        RecordAsAnnulment: "Record it as an annulment";
        RecordPurged: "The record was purged";
        ReferralRequired: "A law-enforcement referral is required";
        RemovalOrderRedress: "Only the order's redress applies";
        ReversalNotRestrictive: "A reversal does not restrict";
        SameDecider: "The same person decided first";
        ScrutinyPending: "A scrutiny request is pending";
        ScrutinyPeriodOver: "The scrutiny period is over";
        ScrutinyWindowClosed: "The scrutiny window is closed";
        StatusUnchanged: "The status is unchanged";
        SuspensionInThePast: "The suspension would end in the past";
        SuspensionTooLong: "The suspension is too long";
        UndoWindowClosed: "The time to undo has passed";
        UserRemoved: "The person was removed";
        WarningRequired: "A warning is required first";
        WatchlistClosed: "The watch-list is closed";
    }
}

impl From<Conflict> for Code {
    fn from(c: Conflict) -> Self {
        Code::Conflict(c)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One problem with one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    /// The rule the field breaks (`required`, `invalid_email`, ...): each operation's 422 lists
    /// its own.
    pub code: String,
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:vigie:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The code's title (the same for every problem with this code).
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code, one of the table in `docs/api.md`.
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: Code,
    detail: String,
    errors: Vec<FieldProblem>,
    /// Headers the answer carries besides the content type (`Retry-After`, `Allow`).
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl ApiError {
    /// A problem with `code`, answered with the code's status.
    pub fn new(code: impl Into<Code>, detail: impl Into<String>) -> Self {
        let code = code.into();
        Self { status: code.status(), code, detail: detail.into(), errors: Vec::new(), headers: Vec::new() }
    }
    /// A problem about fields, with each one listed.
    pub fn fields(code: Code, detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        Self { errors, ..Self::new(code, detail) }
    }
    /// Answers with another status the table allows for the code (HMA's compatibility, health).
    pub fn with_status(mut self, status: StatusCode) -> Self {
        debug_assert!(self.code.statuses().contains(&status), "{} is not answered {status}", self.code);
        self.status = status;
        self
    }
    pub fn status(&self) -> StatusCode {
        self.status
    }
    pub fn code(&self) -> Code {
        self.code
    }
    /// Adds a header to the answer.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
    /// 429: the caller may try again after `seconds`.
    pub fn rate_limited(detail: impl Into<String>, seconds: u64) -> Self {
        Self::new(Code::RateLimited, detail).retry_after(seconds)
    }
    /// Adds a `Retry-After` header: the request may be sent again after `seconds`.
    pub fn retry_after(self, seconds: u64) -> Self {
        self.with_header(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)))
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(Code::NotFound, format!("{what} not found"))
    }
    fn internal() -> Self {
        Self::new(Code::Internal, "an internal error occurred; nothing was changed")
    }
}

impl Code {
    /// The code a use-case's error is answered with, by the API and the console alike.
    pub fn of(e: &AppError) -> Code {
        match e {
            AppError::Invalid(_) => Code::ValidationFailed,
            AppError::Unauthenticated => Code::Unauthenticated,
            AppError::Forbidden(_) => Code::Forbidden,
            AppError::NotFound(_) => Code::NotFound,
            AppError::Conflict { code, .. } => Code::Conflict(*code),
            AppError::Upstream(_) => Code::FetchFailed,
            AppError::TooLarge(_) => Code::PayloadTooLarge,
            AppError::Egress(_) => Code::EgressRefused,
            AppError::Store(StoreError::Full) => Code::StorageFull,
            AppError::Busy { .. } => Code::Busy,
            AppError::QuotaExceeded { .. } => Code::QuotaExceeded,
            // A constraint the database enforces that is not the client's conflict is a bug or a
            // damaged database: internal, like any other failure of the store.
            AppError::Internal(_) | AppError::Store(_) => Code::Internal,
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let code = Code::of(&e);
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
                Self::fields(code, format!("{} field(s) are invalid", errors.len()), errors)
            }
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Conflict { message, .. } => Self::new(code, message),
            AppError::Store(StoreError::Full) => {
                Self::new(code, "the server's storage is full: nothing was changed; its operator must free space")
                    .retry_after(60)
            }
            AppError::Busy { detail, retry_after_secs } | AppError::QuotaExceeded { detail, retry_after_secs } => {
                Self::new(code, detail).retry_after(retry_after_secs)
            }
            AppError::Internal(what) => {
                tracing::error!(error = what, "internal error");
                Self::internal()
            }
            // Logged with what the engine said; the client hears only "internal".
            AppError::Store(err) => {
                tracing::error!(error = %err, "store error");
                Self::internal()
            }
            other => Self::new(code, other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("urn:vigie:problem:{}", self.code),
            title: self.code.title().to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            code: self.code.as_str().to_owned(),
            errors: self.errors,
        };
        let mut res = (self.status, Json(body)).into_response();
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use vigie_store::ConstraintKind;

    use super::*;

    /// The table of `docs/api.md`, from [`Code`].
    fn docs_table() -> String {
        let mut out = String::from("| Code | Status | Title |\n|---|---|---|\n");
        for c in Code::ALL {
            let statuses: Vec<String> = c.statuses().iter().map(|s| s.as_u16().to_string()).collect();
            out.push_str(&format!("| `{}` | {} | {} |\n", c.as_str(), statuses.join(", "), c.title()));
        }
        out
    }

    #[test]
    fn docs_api_md_lists_every_code_with_its_status_and_title() {
        const START: &str = "<!-- error codes: generated from crates/vigie-web/src/error.rs -->\n";
        const END: &str = "<!-- end of error codes -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md");
        let text = std::fs::read_to_string(path).expect("docs/api.md");
        let begin = text.find(START).expect("docs/api.md marks where the table of error codes starts") + START.len();
        let end = begin + text[begin..].find(END).expect("and where it ends");
        let want = docs_table();
        if text[begin..end] == want {
            return;
        }
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(path, format!("{}{want}{}", &text[..begin], &text[end..])).expect("docs/api.md written");
        } else {
            panic!(
                "docs/api.md's table of error codes differs from error.rs; run this test with UPDATE_EXPECT=1 to rewrite it"
            );
        }
    }

    #[test]
    fn codes_are_distinct_and_each_is_answered_with_its_own_status_first() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(c.statuses()[0], c.status());
            assert!(c.status().is_client_error() || c.status().is_server_error(), "{c}");
        }
        // Every conflict of the model is in the table (the macro's matches make this a compile
        // error too).
        assert!(Conflict::ALL.iter().all(|c| Code::ALL.contains(&Code::Conflict(*c))));
    }

    #[test]
    fn a_broken_database_rule_is_an_internal_error_and_a_taken_name_a_conflict() {
        let broken =
            StoreError::Constraint { kind: ConstraintKind::ForeignKey, detail: "FOREIGN KEY constraint failed".into() };
        let e = ApiError::from(AppError::from(broken));
        assert_eq!((e.status(), e.code()), (StatusCode::INTERNAL_SERVER_ERROR, Code::Internal));
        assert!(!e.detail.contains("FOREIGN"), "the engine's words stay in the log");
        let taken = StoreError::Conflict { code: Conflict::HostTaken, message: "the host is already claimed" };
        let e = ApiError::from(AppError::from(taken));
        assert_eq!((e.status(), e.code()), (StatusCode::CONFLICT, Code::Conflict(Conflict::HostTaken)));
    }
}
