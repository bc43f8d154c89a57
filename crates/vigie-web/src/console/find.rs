//! Finding cases again: one search box over the platform's cases (by case id, URL, account,
//! content id, hash or order), the decision log ("my decisions", "recent decisions") with its CSV
//! export, and an account's history across its cases. Moderators of a platform only, on their own
//! platform's cases (`vigie_app::finding`).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vigie_model::decision::taxonomy;
use vigie_model::{Timestamp, UserId};
use vigie_store::{CaseRecord, DecidedFilter, DecisionRecord};

use super::review::{action_label, require_reviewer, target_of};
use super::session::Viewer;
use super::views::account_href;
use super::{Me, PageError, page};
use crate::AppState;

/// A case in a list: where it is, its state, and a link to its account's history.
struct CaseRow {
    id: String,
    target: String,
    state: String,
    /// What found it: `hash`, `account`...
    by: String,
    account: Option<String>,
    created: String,
    /// Its current decision, in words: "Remove, on Incitement to commit terrorist offences".
    decision: String,
}

fn case_row(c: &CaseRecord, by: &str, decision: Option<&DecisionRecord>, grounds: &Grounds) -> CaseRow {
    CaseRow {
        id: c.id.as_str().to_owned(),
        target: target_of(c),
        state: c.status().as_str().replace('_', " "),
        by: by.to_owned(),
        account: c.account_id.as_deref().map(account_href),
        created: c.created_at.to_rfc3339(),
        decision: decision
            .map(|d| {
                let ground = grounds.title(d);
                if ground.is_empty() {
                    action_label(d.action).to_owned()
                } else {
                    format!("{}, on {ground}", action_label(d.action))
                }
            })
            .unwrap_or_default(),
    }
}

/// A decision's ground by its title: a basis of the taxonomy, or one of the platform's clauses.
struct Grounds(Vec<(String, String)>);

impl Grounds {
    async fn load(s: &AppState, v: &Viewer) -> Self {
        let clauses = s.app.list_terms_clauses(&v.principal, true).await.unwrap_or_default();
        Grounds(clauses.into_iter().map(|c| (c.code, c.title)).collect())
    }

    fn title(&self, d: &DecisionRecord) -> String {
        if let Some(id) = &d.legal_basis {
            return taxonomy().get(id).map_or_else(|| id.clone(), |b| b.title.clone());
        }
        if let Some(code) = &d.terms_clause {
            return match self.0.iter().find(|(c, _)| c == code) {
                Some((_, title)) => format!("Terms {code}: {title}"),
                None => format!("Terms {code}"),
            };
        }
        String::new()
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    me: Option<Me>,
    q: String,
    searched: bool,
    rows: Vec<CaseRow>,
}

pub(crate) async fn search(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<SearchQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let query = q.q.trim().to_owned();
    let mut rows = Vec::new();
    if !query.is_empty() {
        let grounds = Grounds::load(&s, &v).await;
        for f in s.app.search_cases(&v.principal, &query).await? {
            rows.push(case_row(&f.case, f.by, None, &grounds));
        }
    }
    let t = SearchPage { me: Some(Me::load(&s.app, &v, "/search").await), searched: !query.is_empty(), q: query, rows };
    page(&t)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AccountQuery {
    #[serde(default)]
    id: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    me: Option<Me>,
    account: String,
    rows: Vec<CaseRow>,
}

pub(crate) async fn account(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<AccountQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let account = q.id.trim().to_owned();
    let grounds = Grounds::load(&s, &v).await;
    let rows = if account.is_empty() {
        Vec::new()
    } else {
        s.app
            .account_history(&v.principal, &account)
            .await?
            .iter()
            .map(|(c, d)| case_row(c, "account", d.as_ref(), &grounds))
            .collect()
    };
    let t = AccountPage { me: Some(Me::load(&s.app, &v, "/search").await), account, rows };
    page(&t)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LogQuery {
    /// `mine` (the default) or `recent` (everyone's).
    #[serde(default)]
    who: String,
}

impl LogQuery {
    fn mine(&self) -> bool {
        self.who != "recent"
    }
}

struct LogRow {
    case: String,
    target: String,
    decided: String,
    ago: String,
    action: String,
    ground: String,
    by: String,
    reversed: bool,
}

#[derive(Template)]
#[template(path = "decisions.html")]
struct LogPage {
    me: Option<Me>,
    mine: bool,
    rows: Vec<LogRow>,
    more: bool,
}

/// The most decisions the log's page shows; the export goes further.
const LOG_PAGE: usize = 50;
/// The most decisions one export holds.
const EXPORT_MAX: usize = 10_000;

/// The log's decisions, newest first: `mine`, or everyone's, at most `max`; and whether there
/// were more.
async fn log(
    s: &AppState,
    v: &Viewer,
    mine: bool,
    max: usize,
) -> Result<(Vec<(DecisionRecord, CaseRecord)>, bool), PageError> {
    let mut filter = DecidedFilter { decider: mine.then(|| v.principal.user.clone()), ..DecidedFilter::default() };
    let mut out = Vec::new();
    loop {
        let page = s.app.decided_cases(&v.principal, filter.clone()).await?;
        out.extend(page.items);
        match page.next {
            Some(next) if out.len() < max => filter.after = Some(next),
            Some(_) => return Ok((out, true)),
            None => return Ok((out, false)),
        }
    }
}

pub(crate) async fn decisions(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<LogQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let (mut items, more) = log(&s, &v, q.mine(), LOG_PAGE).await?;
    let more = more || items.len() > LOG_PAGE;
    items.truncate(LOG_PAGE);
    let names = s.app.colleagues(&v.principal).await?;
    let name = |u: &UserId| {
        if *u == v.principal.user {
            return "you".to_owned();
        }
        names.iter().find(|(id, _)| id == u).map_or_else(|| u.as_str().to_owned(), |(_, n)| n.clone())
    };
    let grounds = Grounds::load(&s, &v).await;
    let now = s.app.now();
    let rows = items
        .iter()
        .map(|(d, c)| LogRow {
            case: c.id.as_str().to_owned(),
            target: target_of(c),
            decided: d.decided_at.to_rfc3339(),
            ago: vigie_app::reviewing::relative(d.decided_at, now),
            action: action_label(d.action).to_owned(),
            ground: grounds.title(d),
            by: name(&d.decided_by),
            reversed: d.reversed_at.is_some(),
        })
        .collect();
    let t = LogPage { me: Some(Me::load(&s.app, &v, "/decisions").await), mine: q.mine(), rows, more };
    page(&t)
}

/// One CSV field: quoted when it must be, and a leading `=`, `+`, `-` or `@` defused so that a
/// spreadsheet never reads it as a formula.
fn csv_field(raw: &str) -> String {
    let defused = if raw.starts_with(['=', '+', '-', '@']) { format!("'{raw}") } else { raw.to_owned() };
    if defused.contains([',', '"', '\n', '\r']) { format!("\"{}\"", defused.replace('"', "\"\"")) } else { defused }
}

/// The header of the decision log's export: ids, exact times and enumerations; no free text
/// (no statement of reasons, no purpose rationale), no person's name.
pub(crate) const CSV_HEADER: &str = "decision_id,case_id,decided_at,decided_by,action,legal_basis,ground_title,terms_clause,\
taxonomy_version,territorial_scope,purpose,automated_detection,automated_decision,reversed_at,case_url,account_id,content_id";

fn csv_line(d: &DecisionRecord, c: &CaseRecord, grounds: &Grounds) -> String {
    let ts = |t: Option<Timestamp>| t.map(|t| t.to_rfc3339()).unwrap_or_default();
    let fields = [
        d.id.as_str().to_owned(),
        c.id.as_str().to_owned(),
        d.decided_at.to_rfc3339(),
        d.decided_by.as_str().to_owned(),
        d.action.as_str().to_owned(),
        d.legal_basis.clone().unwrap_or_default(),
        grounds.title(d),
        d.terms_clause.clone().unwrap_or_default(),
        d.taxonomy_version.map(|v| v.to_string()).unwrap_or_default(),
        d.territorial_scope.join(" "),
        d.purpose.map(|p| p.as_str().to_owned()).unwrap_or_default(),
        d.automated_detection.to_string(),
        d.automated_decision.to_string(),
        ts(d.reversed_at),
        c.url.clone().unwrap_or_default(),
        c.account_id.clone().unwrap_or_default(),
        c.content_id.clone().unwrap_or_default(),
    ];
    fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",")
}

pub(crate) async fn decisions_csv(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<LogQuery>,
) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let (mut items, _) = log(&s, &v, q.mine(), EXPORT_MAX).await?;
    items.truncate(EXPORT_MAX);
    let grounds = Grounds::load(&s, &v).await;
    let mut body = String::from(CSV_HEADER);
    body.push_str("\r\n");
    for (d, c) in &items {
        body.push_str(&csv_line(d, c, &grounds));
        body.push_str("\r\n");
    }
    let name = if q.mine() { "my-decisions.csv" } else { "recent-decisions.csv" };
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
