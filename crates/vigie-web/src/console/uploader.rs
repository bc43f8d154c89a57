//! The uploader's page, reached through the link in the notice (`/notice/{token}`): what was
//! decided, on which ground and why, how the content was found, and the redress that applies,
//! with the complaint form (platform decisions) or the scrutiny form (removal orders). No sign-in:
//! the token is the key. Rate-limited like every public page.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::session;
use super::{Me, PageError, field, page, page_with, redirect, text};
use crate::AppState;

struct OrderRedress {
    reference: String,
    authority: String,
    challenge: String,
    scrutiny: Option<String>,
    scrutiny_open: bool,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    me: Option<Me>,
    csrf: String,
    token: String,
    status: String,
    content: String,
    action: String,
    scope: String,
    ground: String,
    ground_url: String,
    reasons: String,
    sources: Vec<String>,
    government: bool,
    automated: String,
    platform_route: bool,
    complaint_open: bool,
    complaint_until: String,
    complaint_why: String,
    orders: Vec<OrderRedress>,
    complaints: Vec<(String, String, String)>,
    scrutinies: Vec<(String, String)>,
    error: Option<String>,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn source_label(raw: &str) -> String {
    match raw {
        "removal_order" => "a removal order from a public authority".into(),
        "authority_referral" => "a referral from a public authority".into(),
        "automated_hash_match" => "an automated match against known material".into(),
        "trusted_flagger_notice" => "a notice from a trusted flagger".into(),
        "notice" => "a notice from a member of the public".into(),
        other => other.replace('_', " "),
    }
}

async fn view(st: &AppState, csrf: String, token: &str, error: Option<String>) -> Result<NoticePage, PageError> {
    let view = st.app.uploader_notice(token).await?;
    let b = &view.body;
    let now = st.app.now().to_rfc3339();
    let content = [&b["content"]["url"], &b["content"]["account_id"], &b["content"]["content_id"]]
        .into_iter()
        .find_map(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let ground = &b["ground"];
    let (ground_text, ground_url) = if ground["type"] == "law" {
        (format!("{} ({})", s(&ground["title"]), s(&ground["citation"])), s(&ground["reference_url"]))
    } else {
        (format!("The platform's terms, clause {}: {}", s(&ground["clause"]), s(&ground["title"])), s(&ground["url"]))
    };
    let scope: Vec<String> = b["measure"]["territorial_scope"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect();
    let internal = &b["redress"]["internal_complaint"];
    let complaint_until = s(&internal["open_until"]);
    let complaints: Vec<(String, String, String)> = b["complaints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (s(&c["state"]), s(&c["received_at"]), c["reasons"].as_str().unwrap_or("").to_owned()))
        .collect();
    let has_open = complaints.iter().any(|(state, _, _)| state == "open");
    let in_force = b["status"] == "in_force";
    let orders = b["redress"]["removal_orders"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            let ch = &o["challenge"];
            let sc = &o["cross_border_scrutiny"];
            let until = s(&sc["request_until"]);
            OrderRedress {
                reference: s(&o["reference"]),
                authority: format!("{} ({})", s(&o["issuing_authority"]), s(&o["issuing_member_state"])),
                challenge: format!(
                    "Before {}, within {} days from {}.",
                    s(&ch["court_or_body"]),
                    ch["deadline_days"].as_u64().unwrap_or_default(),
                    s(&ch["deadline_from"])
                ),
                scrutiny: (sc["available"] == true).then(|| {
                    format!(
                        "You may ask the competent authority of {} to scrutinise the order until {} (Regulation (EU) 2021/784 art. 4).",
                        s(&sc["member_state"]),
                        until
                    )
                }),
                scrutiny_open: sc["available"] == true && in_force && !until.is_empty() && now < until,
            }
        })
        .collect();
    Ok(NoticePage {
        me: None,
        csrf,
        token: token.to_owned(),
        status: if in_force {
            "in force".into()
        } else {
            format!("reversed: your content was reinstated on {}", s(&b["reinstated_at"]))
        },
        content,
        action: s(&b["measure"]["action"]).replace('_', " "),
        scope: if scope.len() >= 27 { "every EU member state".into() } else { scope.join(", ") },
        ground: ground_text,
        ground_url,
        reasons: b["statement_of_reasons"].as_str().unwrap_or("(none given)").to_owned(),
        sources: b["detection"]["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(source_label)
            .collect(),
        government: b["detection"]["government_flag"] == true,
        automated: match (b["automation"]["detection"] == true, b["automation"]["decision"] == true) {
            (_, true) => "The decision was taken by automated means.".into(),
            (true, false) => "The content was found by automated means; a person decided.".into(),
            _ => "A person found the content's report and decided.".into(),
        },
        platform_route: b["route"] == "platform_decision",
        complaint_open: internal["available"] == true && in_force && !has_open && now < complaint_until,
        complaint_until,
        complaint_why: s(&internal["why"]),
        orders,
        complaints,
        scrutinies: b["scrutinies"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| (s(&x["state"]).replace('_', " "), x["reasons"].as_str().unwrap_or("").to_owned()))
            .collect(),
        error,
    })
}

pub(crate) async fn notice(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !st.limiter.allow(peer.ip()) {
        return Err(vigie_app::AppError::conflict(
            "rate_limited",
            "too many requests from your address; wait a minute",
        )
        .into());
    }
    let (csrf, cookie) = session::pre_session_token(&headers, st.console.secure_cookies);
    let t = view(&st, csrf, &token, None).await?;
    let mut res = page(&t)?;
    session::with_cookies(res.headers_mut(), cookie);
    Ok(res)
}

/// `/notice/{token}/complaint` and `/notice/{token}/scrutiny`.
pub(crate) async fn contest(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path((token, what)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    session::check_pre_session(&headers, st.console.secure_cookies, field(&form, "csrf"))?;
    if !st.limiter.allow(peer.ip()) {
        return Err(vigie_app::AppError::conflict(
            "rate_limited",
            "too many requests from your address; wait a minute",
        )
        .into());
    }
    let (csrf, _) = session::pre_session_token(&headers, st.console.secure_cookies);
    let body = text(&form, "text");
    let done = match what.as_str() {
        "complaint" => st.app.complain_as_uploader(&token, body).await.map(|_| ()),
        "scrutiny" => st.app.request_scrutiny_as_uploader(&token, body).await.map(|_| ()),
        _ => return Err(vigie_app::AppError::NotFound("page").into()),
    };
    match done {
        Ok(()) => Ok(redirect(&format!("/notice/{token}"))),
        Err(vigie_app::AppError::Invalid(i)) => {
            page_with(&view(&st, csrf.clone(), &token, Some(i.to_string())).await?, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            page_with(&view(&st, csrf.clone(), &token, Some(message)).await?, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
