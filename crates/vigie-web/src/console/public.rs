//! The public notice form (DSA art. 16) at `/report`, its receipt, and the tracking page. No
//! sign-in; rate-limited per source address like the API's anonymous notices.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use vigie_app::intake::NoticeInput;
use vigie_model::location::RawLocation;

use super::session::{self, Viewer};
use super::{Me, PageError, field, page, text};
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
}

struct Tracked {
    received_at: String,
    locations: Vec<(String, String)>,
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
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    session::check_pre_session(&headers, secure, field(&form, "csrf"))?;
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
            errors,
        };
        let mut res = page(&t)?;
        *res.status_mut() = status;
        Ok(res)
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
            let mut res = page(&t)?;
            *res.status_mut() = StatusCode::CREATED;
            Ok(res)
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
        other => other.into(),
    }
}

pub(crate) async fn track_page(
    State(s): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (csrf, cookie) = session::pre_session_token(&headers, s.console.secure_cookies);
    let mut res = page(&TrackPage { me: me_of(&s, &viewer, "/track").await, csrf, result: None, error: None })?;
    session::with_cookies(res.headers_mut(), cookie);
    Ok(res)
}

pub(crate) async fn track(
    State(s): State<AppState>,
    viewer: Option<Viewer>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let secure = s.console.secure_cookies;
    let (csrf, _) = session::pre_session_token(&headers, secure);
    let me = me_of(&s, &viewer, "/track").await;
    session::check_pre_session(&headers, secure, field(&form, "csrf"))?;
    let code = field(&form, "code").unwrap_or_default().trim().to_owned();
    match s.app.track_notice(&code).await {
        Ok(view) => {
            let locations = view
                .locations
                .iter()
                .map(|l| (l.state.replace('_', " "), l.outcome.clone().unwrap_or_else(|| "not decided yet".into())))
                .collect();
            let result = Tracked { received_at: view.received_at.to_rfc3339(), locations };
            page(&TrackPage { me, csrf, result: Some(result), error: None })
        }
        Err(vigie_app::AppError::NotFound(_)) => {
            let mut res =
                page(&TrackPage { me, csrf, result: None, error: Some("No report has this tracking code.".into()) })?;
            *res.status_mut() = StatusCode::NOT_FOUND;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
