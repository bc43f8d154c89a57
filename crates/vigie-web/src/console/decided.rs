//! A platform's decided cases: a list, newest decision first, searched by case, URL or host,
//! action, ground, date range and decider, a page at a time.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigie_model::decision::Action;
use vigie_model::{CaseId, DecisionId, Duration, Timestamp, UserId};
use vigie_store::DecidedFilter;

use super::review::{action_label, require_reviewer, target_of};
use super::session::Viewer;
use super::{Me, PageError, page};
use crate::AppState;

/// The search form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecidedQuery {
    #[serde(default)]
    case: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    ground: String,
    /// `YYYY-MM-DD`, from the start of that day (UTC).
    #[serde(default)]
    from: String,
    /// `YYYY-MM-DD`, to the end of that day (UTC).
    #[serde(default)]
    to: String,
    #[serde(default)]
    decider: String,
    /// Where the page starts: `<micros>.<decision id>` of the last decision of the page before.
    #[serde(default)]
    after: String,
}

struct DecidedRow {
    case: String,
    decided: String,
    target: String,
    action: String,
    ground: String,
    by: String,
    reversed: bool,
}

#[derive(Template)]
#[template(path = "decided.html")]
struct DecidedPageView {
    me: Option<Me>,
    q: DecidedQuery,
    rows: Vec<DecidedRow>,
    actions: Vec<(&'static str, &'static str)>,
    deciders: Vec<(String, String)>,
    errors: Vec<String>,
    /// The address of the next (older) page, with the same search.
    next: Option<String>,
}

/// A day as the start of that day, UTC.
fn day(raw: &str) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(&format!("{raw}T00:00:00Z"))
}

/// The search as the store reads it, and what could not be read.
fn filter_of(q: &DecidedQuery) -> (DecidedFilter, Vec<String>) {
    let mut errors = Vec::new();
    let mut f = DecidedFilter::default();
    let case = q.case.trim();
    if !case.is_empty() {
        match CaseId::parse(case) {
            Some(id) => f.case = Some(id),
            None => errors.push(format!("\"{case}\" is not a case id (cas_ and 32 hex digits).")),
        }
    }
    let target = q.target.trim().to_lowercase();
    f.target = (!target.is_empty()).then_some(target);
    if !q.action.is_empty() {
        match Action::parse(&q.action) {
            Some(a) => f.action = Some(a.as_str().to_owned()),
            None => errors.push("Choose an action from the list.".to_owned()),
        }
    }
    let ground = q.ground.trim();
    f.ground = (!ground.is_empty()).then(|| ground.to_owned());
    for (raw, name, slot, shift) in
        [(&q.from, "From", &mut f.from, Duration::from_micros(0)), (&q.to, "To", &mut f.to, Duration::from_days(1))]
    {
        if raw.is_empty() {
            continue;
        }
        match day(raw) {
            Some(t) => *slot = Some(t.plus(shift)),
            None => errors.push(format!("{name}: a date such as 2026-12-31.")),
        }
    }
    if !q.decider.is_empty() {
        match UserId::parse(&q.decider) {
            Some(u) => f.decider = Some(u),
            None => errors.push("Choose a decider from the list.".to_owned()),
        }
    }
    if let Some((micros, id)) = q.after.split_once('.')
        && let (Ok(micros), Some(id)) = (micros.parse(), DecisionId::parse(id))
    {
        f.after = Some((Timestamp::from_micros(micros), id));
    }
    (f, errors)
}

/// The query string of a page of the same search, starting after `after`.
fn page_address(q: &DecidedQuery, after: &(Timestamp, DecisionId)) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let fields = [
        ("case", q.case.as_str()),
        ("target", q.target.as_str()),
        ("action", q.action.as_str()),
        ("ground", q.ground.as_str()),
        ("from", q.from.as_str()),
        ("to", q.to.as_str()),
        ("decider", q.decider.as_str()),
    ];
    let mut parts: Vec<String> =
        fields.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}", enc(v))).collect();
    parts.push(format!("after={}.{}", after.0.as_micros(), after.1.as_str()));
    format!("/decided?{}", parts.join("&"))
}

pub(crate) async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<DecidedQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let (filter, errors) = filter_of(&q);
    let deciders = s.app.colleagues(&v.principal).await?;
    let (rows, next) = if errors.is_empty() {
        let found = s.app.decided_cases(&v.principal, filter).await?;
        let name = |u: &UserId| {
            deciders.iter().find(|(id, _)| id == u).map_or_else(|| u.as_str().to_owned(), |(_, n)| n.clone())
        };
        let rows = found
            .items
            .iter()
            .map(|(d, c)| DecidedRow {
                case: c.id.as_str().to_owned(),
                decided: d.decided_at.to_rfc3339(),
                target: target_of(c),
                action: action_label(d.action).to_owned(),
                ground: d
                    .legal_basis
                    .clone()
                    .or_else(|| d.terms_clause.as_ref().map(|t| format!("terms {t}")))
                    .unwrap_or_default(),
                by: name(&d.decided_by),
                reversed: d.reversed_at.is_some(),
            })
            .collect();
        (rows, found.next.as_ref().map(|n| page_address(&q, n)))
    } else {
        (Vec::new(), None)
    };
    let t = DecidedPageView {
        me: Some(Me::load(&s.app, &v, "/decided").await),
        actions: Action::ALL.iter().map(|a| (a.as_str(), action_label(*a))).collect(),
        deciders: deciders.into_iter().map(|(id, n)| (id.as_str().to_owned(), n)).collect(),
        q,
        rows,
        errors,
        next,
    };
    page(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_reads_its_fields_and_names_what_it_cannot() {
        let q = DecidedQuery {
            target: " Video.Example ".into(),
            action: "remove".into(),
            from: "2026-12-01".into(),
            to: "2026-12-01".into(),
            ..DecidedQuery::default()
        };
        let (f, errors) = filter_of(&q);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(f.target.as_deref(), Some("video.example"));
        assert_eq!(f.to.unwrap().since(f.from.unwrap()), Duration::from_days(1), "the whole day");
        let bad = DecidedQuery {
            case: "cas_nope".into(),
            from: "yesterday".into(),
            action: "x".into(),
            ..DecidedQuery::default()
        };
        assert_eq!(filter_of(&bad).1.len(), 3);
    }

    #[test]
    fn the_next_page_keeps_the_search() {
        let q = DecidedQuery { target: "a b".into(), ..DecidedQuery::default() };
        let id = DecisionId::from_random([7; 16]);
        let at = (Timestamp::from_micros(42), id.clone());
        let address = page_address(&q, &at);
        assert_eq!(address, format!("/decided?target=a%20b&after=42.{}", id.as_str()));
        let q = DecidedQuery { after: format!("42.{}", id.as_str()), ..DecidedQuery::default() };
        assert_eq!(filter_of(&q).0.after, Some(at));
    }
}
