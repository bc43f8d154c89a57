//! The uploader's page, reached through the link in the notice (`/notice/{token}`): what was
//! decided, on which ground and why, how the content was found, and the redress that applies,
//! with the complaint form (platform decisions), or for removal orders the order's own reasons,
//! the scrutiny form and a copy of the order on request (TCO art. 11(2)). No sign-in: the token
//! is the key. Rate-limited like every public page.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::session::{self, CsrfForm, PreSession};
use super::{Me, PageError, page, page_with, redirect, text};
use crate::AppState;

struct OrderRedress {
    reference: String,
    authority: String,
    /// The order's Annex I reasons: the art. 2(7) types it names, with their citations.
    reasons: Vec<String>,
    /// The order's own statement of reasons.
    statement: String,
    challenge: String,
    scrutiny: Option<String>,
    scrutiny_open: bool,
}

/// A copy of a removal order, as the content provider asked for it (TCO art. 11(2)).
struct OrderCopy {
    reference: String,
    issued_at: String,
    authority: String,
    addressee: String,
    reasons: Vec<String>,
    statement: String,
    representative: String,
    redress: String,
    content: String,
    other_locations: u64,
}

#[derive(Template)]
#[template(path = "order_copy.html")]
struct OrderCopyPage {
    me: Option<Me>,
    token: String,
    copies: Vec<OrderCopy>,
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
                reasons: o["reasons"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| format!("{} ({})", s(&r["title"]), s(&r["citation"])))
                    .collect(),
                statement: s(&o["statement_of_reasons"]),
                challenge: challenge_text(ch),
                scrutiny: (sc["available"] == true).then(|| {
                    format!(
                        "You may ask the competent authority of {} to scrutinise the order within 48 hours of being informed, until {} (Regulation (EU) 2021/784 art. 4(4)).",
                        s(&sc["member_state"]),
                        until
                    )
                }),
                scrutiny_open: sc["available"] == true && in_force && (until.is_empty() || now < until),
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

/// How to challenge an order: the court, the time (hours or days) and until when, for the person
/// reading (it runs from when they were informed).
fn challenge_text(ch: &Value) -> String {
    let time = match (ch["deadline_hours"].as_u64(), ch["deadline_days"].as_u64()) {
        (Some(h), _) => format!("{h} hours"),
        (None, Some(d)) => format!("{d} days"),
        _ => "the time the law allows".to_owned(),
    };
    let until = ch["until"].as_str().map(|u| format!(", until {u}")).unwrap_or_default();
    format!("Before {}, within {time} of being informed{until}.", s(&ch["court_or_body"]))
}

fn copy_view(c: &Value) -> OrderCopy {
    let form = &c["annex_i"];
    let reasons = form["reasons"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|letter| {
            let id = format!("eu.tco.2-7-{letter}");
            match vigie_model::decision::legal_basis(&id) {
                Some(b) => format!("{} ({})", b.title, b.citation),
                None => letter.to_owned(),
            }
        })
        .collect();
    let content = [&c["content"]["url"], &c["content"]["account_id"], &c["content"]["content_id"]]
        .into_iter()
        .find_map(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let r = &form["redress"];
    OrderCopy {
        reference: s(&c["reference"]),
        issued_at: s(&c["issued_at"]),
        authority: format!("{} ({})", s(&c["issuing_authority"]["name"]), s(&c["issuing_authority"]["member_state"])),
        addressee: s(&c["addressee"]["name"]),
        reasons,
        statement: s(&form["statement_of_reasons"]),
        representative: format!("{}, {}", s(&form["representative"]["name"]), s(&form["representative"]["post"])),
        redress: format!(
            "{}: {}{}",
            s(&r["body"]),
            match (r["deadline_hours"].as_u64(), r["deadline_days"].as_u64()) {
                (Some(h), _) => format!("{h} hours"),
                (None, Some(d)) => format!("{d} days"),
                _ => String::new(),
            },
            r["deadline_from"].as_str().map(|f| format!(" from {f}")).unwrap_or_default()
        ),
        content,
        other_locations: c["other_locations"].as_u64().unwrap_or_default(),
    }
}

pub(crate) async fn notice(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    if !st.limiter.allow(peer.ip()) {
        return Err(PageError::RateLimited);
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
    CsrfForm { form, .. }: CsrfForm<PreSession>,
) -> Result<Response, PageError> {
    if !st.limiter.allow(peer.ip()) {
        return Err(PageError::RateLimited);
    }
    let (csrf, _) = session::pre_session_token(&headers, st.console.secure_cookies);
    if what == "order-copy" {
        let copies = st.app.order_copy(&token).await?;
        return page(&OrderCopyPage { me: None, token, copies: copies.iter().map(copy_view).collect() });
    }
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
