//! A platform integrator's dead letters (`/dead-letters`): the webhook messages that used up
//! their attempts, each with its type, delivery id, endpoint, attempts, last error and when it was
//! set aside, and a button that puts it back in its queue. The same use-cases as
//! `GET /api/v1/deliveries/dead` and `POST /api/v1/deliveries/{id}/retry`; who may do it is theirs
//! to say (an organisation's webhook keepers, or an administrator for every organisation's).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vigie_app::reviewing::relative;

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, page, page_with, redirect};
use crate::AppState;

struct LetterRow {
    id: String,
    event_type: String,
    /// The webhook's address, or a word when the webhook was deleted meanwhile.
    endpoint: String,
    case: Option<String>,
    attempts: u32,
    last_error: String,
    /// When it was set aside: relative, and exact (RFC 3339).
    dead: String,
    dead_at: String,
    urgent: bool,
}

#[derive(Template)]
#[template(path = "dead_letters.html")]
struct DeadLettersPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<LetterRow>,
    /// A sentence about the letter just put back.
    done: Option<String>,
    /// Why a retry was refused.
    error: Option<String>,
    /// Attempts before a message is set aside.
    max_attempts: u32,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeadLettersQuery {
    retried: Option<String>,
}

async fn view(
    s: &AppState,
    v: &Viewer,
    done: Option<String>,
    error: Option<String>,
) -> Result<DeadLettersPage, PageError> {
    let letters = s.app.dead_letters(&v.principal).await?;
    let endpoints: HashMap<String, String> =
        s.app.list_webhooks(&v.principal).await?.into_iter().map(|w| (w.id.as_str().to_owned(), w.url)).collect();
    let now = s.app.now();
    let rows = letters
        .into_iter()
        .map(|d| {
            let dead_at = d.dead_at.unwrap_or(d.next_attempt_at);
            LetterRow {
                id: d.id.as_str().to_owned(),
                event_type: d.event_type,
                endpoint: endpoints
                    .get(d.webhook.as_str())
                    .cloned()
                    .unwrap_or_else(|| format!("{} (deleted)", d.webhook.as_str())),
                case: d.case.map(|c| c.as_str().to_owned()),
                attempts: d.attempts,
                last_error: d.last_error.unwrap_or_default(),
                dead: relative(dead_at, now),
                dead_at: dead_at.to_rfc3339(),
                urgent: d.urgent,
            }
        })
        .collect();
    Ok(DeadLettersPage {
        me: Some(Me::load(&s.app, v, "/dead-letters").await),
        csrf: v.csrf.clone(),
        rows,
        done,
        error,
        max_attempts: vigie_app::delivery::MAX_ATTEMPTS,
    })
}

pub(crate) async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<DeadLettersQuery>,
) -> Result<Response, PageError> {
    // The id comes back from the address: it is only ever shown as text.
    let done = q.retried.filter(|id| vigie_model::DeliveryId::parse(id).is_some()).map(|id| {
        format!("Message {id} is back in its queue: the next delivery pass sends it, its attempts counted afresh.")
    });
    page(&view(&s, &v, done, None).await?)
}

/// Puts a dead letter back in its queue (`App::requeue_delivery`, as the API's retry).
pub(crate) async fn retry(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    match s.app.requeue_delivery(&v.principal, &id).await {
        Ok(d) => Ok(redirect(&format!("/dead-letters?retried={}", d.id.as_str()))),
        Err(vigie_app::AppError::Conflict { message, .. }) => {
            let t = view(&s, &v, None, Some(format!("Not put back: {message}."))).await?;
            page_with(&t, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}
