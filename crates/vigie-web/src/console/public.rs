//! The public notice form (DSA art. 16) at `/report`, its receipt, and the tracking page. No
//! sign-in; rate-limited per source address like the API's anonymous notices.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use vigie_app::intake::NoticeInput;
use vigie_model::location::RawLocation;

use super::session::{self, CsrfForm, PreSession, Viewer};
use super::{Me, PageError, all, field, page, page_with, text};
use crate::AppState;

/// Most URLs one form takes (one per line).
const MAX_URLS: usize = 20;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    me: Option<Me>,
    csrf: String,
    urls: String,
    explanation: String,
    name: String,
    email: String,
    /// The language chosen (a code), or empty.
    language: String,
    /// The types ticked, by letter.
    harm_types: Vec<String>,
    /// Every language: code and name, by name.
    languages: Vec<(&'static str, &'static str)>,
    /// Every type of terrorist content: letter, words, sentence.
    harms: Vec<(&'static str, &'static str, &'static str)>,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "receipt.html")]
struct ReceiptPage {
    me: Option<Me>,
    csrf: String,
    code: String,
    received_at: String,
    locations: usize,
}

#[derive(Template)]
#[template(path = "track.html")]
struct TrackPage {
    me: Option<Me>,
    csrf: String,
    result: Option<Tracked>,
    error: Option<String>,
    message: Option<String>,
}

struct Tracked {
    code: String,
    received_at: String,
    locations: Vec<TrackedRow>,
}

struct TrackedRow {
    index: usize,
    state: String,
    outcome: String,
    /// The location was decided (whatever was decided, DSA art. 20(1)) and the notifier has no
    /// complaint open about it.
    can_complain: bool,
    complaints: Vec<String>,
}

async fn me_of(s: &AppState, v: &Option<Viewer>, here: &str) -> Option<Me> {
    match v {
        Some(v) => Some(Me::load(&s.app, v, here).await),
        None => None,
    }
}

pub(crate) async fn report_page(
    State(s): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, cookie) = session::pre_session_token(&headers, s.console.secure_cookies);
    let t = ReportPage {
        me: me_of(&s, &viewer, "/report").await,
        csrf,
        urls: String::new(),
        explanation: String::new(),
        name: String::new(),
        email: String::new(),
        language: String::new(),
        harm_types: Vec::new(),
        languages: super::grounds::language_choices(vigie_model::labels::Language::all()),
        harms: super::grounds::harm_choices(),
        errors: Vec::new(),
    };
    let mut res = page(&t)?;
    session::with_cookies(res.headers_mut(), cookie);
    Ok(res)
}

pub(crate) async fn report(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<PreSession>,
) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    let (csrf, _) = session::pre_session_token(&headers, secure);
    let urls: Vec<String> = field(&form, "urls")
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let me = me_of(&s, &viewer, "/report").await;
    let again = |errors: Vec<String>, status: StatusCode| -> Result<Response, PageError> {
        let t = ReportPage {
            me: me.clone(),
            csrf: csrf.clone(),
            urls: field(&form, "urls").unwrap_or_default().to_owned(),
            explanation: field(&form, "explanation").unwrap_or_default().to_owned(),
            name: field(&form, "name").unwrap_or_default().to_owned(),
            email: field(&form, "email").unwrap_or_default().to_owned(),
            language: field(&form, "language").unwrap_or_default().to_owned(),
            harm_types: all(&form, "harm_type").into_iter().map(str::to_owned).collect(),
            languages: super::grounds::language_choices(vigie_model::labels::Language::all()),
            harms: super::grounds::harm_choices(),
            errors,
        };
        page_with(&t, status)
    };
    if !s.limiter.allow(peer.ip()) {
        return again(
            vec!["Too many reports from your address. Please wait a minute.".into()],
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    if urls.len() > MAX_URLS {
        return again(vec![format!("At most {MAX_URLS} addresses per report.")], StatusCode::UNPROCESSABLE_ENTITY);
    }
    let input = NoticeInput {
        explanation: text(&form, "explanation"),
        locations: urls.into_iter().map(|u| RawLocation { url: Some(u), ..RawLocation::default() }).collect(),
        notifier_name: text(&form, "name"),
        notifier_email: text(&form, "email"),
        good_faith: Some(field(&form, "good_faith") == Some("yes")),
        threat_to_life: field(&form, "threat_to_life") == Some("yes"),
        // "Not known" is the empty choice.
        language: text(&form, "language"),
        harm_types: all(&form, "harm_type").into_iter().map(str::to_owned).collect(),
    };
    match s.app.submit_notice(None, input).await {
        Ok(receipt) => {
            let t = ReceiptPage {
                me: me.clone(),
                csrf,
                code: receipt.tracking_code.unwrap_or_default(),
                received_at: receipt.received_at.to_rfc3339(),
                locations: receipt.cases.len(),
            };
            page_with(&t, StatusCode::CREATED)
        }
        Err(vigie_app::AppError::Invalid(invalid)) => {
            let errors = invalid.errors().iter().map(|e| format!("{}: {}", label(&e.field), e.message)).collect();
            again(errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}

/// The form's words for the API's field names.
fn label(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("locations[")
        && let Some(Ok(i)) = rest.split_once(']').map(|(i, _)| i.parse::<usize>())
    {
        return format!("Address {}", i + 1);
    }
    match field {
        "locations" => "Addresses".into(),
        "explanation" => "Why it is illegal".into(),
        "good_faith" => "Statement of good faith".into(),
        "notifier_email" => "E-mail".into(),
        "notifier_name" => "Name".into(),
        "language" => "Language".into(),
        f if f.starts_with("harm_types") => "What it does".into(),
        other => other.into(),
    }
}

pub(crate) async fn track_page(
    State(s): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, cookie) = session::pre_session_token(&headers, s.console.secure_cookies);
    let mut res =
        page(&TrackPage { me: me_of(&s, &viewer, "/track").await, csrf, result: None, error: None, message: None })?;
    session::with_cookies(res.headers_mut(), cookie);
    Ok(res)
}

async fn tracked(s: &AppState, code: &str) -> Result<Option<Tracked>, PageError> {
    match s.app.track_notice(code).await {
        Ok(view) => Ok(Some(Tracked {
            code: code.to_owned(),
            received_at: view.received_at.to_rfc3339(),
            locations: view
                .locations
                .iter()
                .enumerate()
                .map(|(index, l)| TrackedRow {
                    index,
                    state: l.state.replace('_', " "),
                    outcome: l.outcome.clone().map_or_else(|| "not decided yet".into(), |o| o.replace('_', " ")),
                    can_complain: l.outcome.is_some() && !l.complaints.iter().any(|(_, st)| st == "open"),
                    complaints: l.complaints.iter().map(|(_, st)| st.clone()).collect(),
                })
                .collect(),
        })),
        Err(vigie_app::AppError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn track(
    State(s): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<PreSession>,
) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    let (csrf, _) = session::pre_session_token(&headers, secure);
    let me = me_of(&s, &viewer, "/track").await;
    let code = field(&form, "code").unwrap_or_default().trim().to_owned();
    match tracked(&s, &code).await? {
        Some(result) => page(&TrackPage { me, csrf, result: Some(result), error: None, message: None }),
        None => {
            let error = Some("No report has this tracking code.".into());
            page_with(&TrackPage { me, csrf, result: None, error, message: None }, StatusCode::NOT_FOUND)
        }
    }
}

/// A notifier contests the decision on a location (no action, or a measure it finds inadequate),
/// with the tracking code (DSA art. 20(1)).
pub(crate) async fn track_complaint(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<PreSession>,
) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    let (csrf, _) = session::pre_session_token(&headers, secure);
    let me = me_of(&s, &viewer, "/track").await;
    if !s.limiter.allow(peer.ip()) {
        let error = Some("Too many requests from your address. Please wait a minute.".into());
        return page_with(&TrackPage { me, csrf, result: None, error, message: None }, StatusCode::TOO_MANY_REQUESTS);
    }
    let code = field(&form, "code").unwrap_or_default().trim().to_owned();
    let index = field(&form, "location").and_then(|i| i.parse().ok()).unwrap_or(usize::MAX);
    let (message, error, status) = match s.app.complain_as_notifier(&code, index, text(&form, "text")).await {
        Ok(_) => (
            Some("Your complaint was sent. A person who did not take the decision will review it.".to_owned()),
            None,
            StatusCode::CREATED,
        ),
        Err(vigie_app::AppError::Invalid(i)) => (None, Some(i.to_string()), StatusCode::UNPROCESSABLE_ENTITY),
        Err(vigie_app::AppError::Conflict { message, .. }) => (None, Some(message), StatusCode::CONFLICT),
        Err(vigie_app::AppError::NotFound(_)) => {
            (None, Some("No report has this tracking code.".to_owned()), StatusCode::NOT_FOUND)
        }
        Err(e) => return Err(e.into()),
    };
    let result = tracked(&s, &code).await?;
    page_with(&TrackPage { me, csrf, result, error, message }, status)
}
