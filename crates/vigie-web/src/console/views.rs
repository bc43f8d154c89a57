//! Links and saved views that several pages share: an account's history's address, and a
//! moderator's saved views of the queue (saved, listed, deleted). Below `review.rs` and
//! `find.rs`, which both use it.

use axum::extract::{Path, State};
use axum::response::Response;

use super::session::{CsrfForm, Viewer};
use super::{PageError, field, redirect};
use crate::AppState;

/// A value for a query string: unreserved bytes as they are, the rest percent-encoded.
pub(crate) fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The address of an account's history.
pub(crate) fn account_href(account: &str) -> String {
    format!("/accounts?id={}", enc(account))
}

/// The queue's filters as its query string, in the order a saved view writes them.
fn filters_query(f: &vigie_app::reviewing::QueueFilter) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &f.tier {
        parts.push(format!("tier={}", enc(t)));
    }
    if let Some(l) = &f.label {
        parts.push(format!("label={}", enc(l)));
    }
    if let Some(l) = f.language {
        parts.push(format!("language={}", l.as_str()));
    }
    if let Some(t) = f.harm_type {
        parts.push(format!("harm_type={}", t.letter()));
    }
    for (on, name) in [(f.bank_match, "bank_match"), (f.overdue, "overdue"), (f.unclaimed, "unclaimed")] {
        if on {
            parts.push(format!("{name}=1"));
        }
    }
    parts.join("&")
}

/// The person's saved views for the queue page: id, name, address, and whether `shown` is it.
pub(crate) async fn view_links(
    s: &AppState,
    v: &Viewer,
    shown: &vigie_app::reviewing::QueueFilter,
) -> Result<Vec<(String, String, String, bool)>, PageError> {
    let here = filters_query(shown);
    Ok(s.app
        .saved_views(&v.principal)
        .await?
        .into_iter()
        .map(|view| {
            let current = view.filters == here;
            (view.id, view.name, format!("/queue?{}", view.filters), current)
        })
        .collect())
}

/// Saves the queue's filters in force as one of the person's views, then shows it (the use-case
/// checks that the person is a platform's moderator).
pub(crate) async fn save_view(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let name = field(&form, "name").unwrap_or_default().to_owned();
    let view = s.app.save_view(&v.principal, &name, &form).await?;
    Ok(redirect(&format!("/queue?{}", view.filters)))
}

pub(crate) async fn delete_view(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    s.app.delete_view(&v.principal, &id).await?;
    Ok(redirect("/queue"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_link_keeps_its_id_whole() {
        assert_eq!(account_href("a b/c?d&e"), "/accounts?id=a%20b%2Fc%3Fd%26e");
    }
}
