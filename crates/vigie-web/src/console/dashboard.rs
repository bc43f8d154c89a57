//! The dashboard: the last 30 days drawn from the event log (the transparency report's figures,
//! for the viewer's audience), as server-drawn SVG charts.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use vigie_app::transparency::Period;
use vigie_app::transparency::svg::{bars, stacked};
use vigie_app::transparency::tally::{BUCKETS, SOURCES};
use vigie_model::{Duration, Timestamp};

use super::session::Viewer;
use super::{Me, PageError, page};
use crate::AppState;

/// Days the dashboard covers, today included.
const DAYS: i64 = 30;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    me: Option<Me>,
    scope: String,
    from: String,
    cards: Vec<(String, String)>,
    charts: Vec<(String, String)>,
}

fn seconds(s: Option<f64>) -> String {
    match s {
        None => "n/a".into(),
        Some(s) if s < 120.0 => format!("{s:.0} s"),
        Some(s) if s < 7_200.0 => format!("{:.1} min", s / 60.0),
        Some(s) => format!("{:.1} h", s / 3_600.0),
    }
}

fn count_rows(items: &[(&str, u64)]) -> Vec<(String, f64, String)> {
    items.iter().map(|(l, n)| ((*l).to_owned(), *n as f64, n.to_string())).collect()
}

pub(crate) async fn dashboard(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let now = s.app.now();
    let today = Timestamp::parse_rfc3339(&format!("{}T00:00:00Z", &now.to_rfc3339()[..10])).unwrap_or(now);
    let from = today.plus(Duration::from_days(-(DAYS - 1)));
    let period = Period { from, to: now.plus(Duration::from_secs(1)) };
    let r = s.app.dashboard(&v.principal, period).await?;
    let o = &r.orders;
    let cards = vec![
        ("Signals received".to_owned(), r.notices.received.to_string()),
        ("Restrictive decisions".to_owned(), r.actions.restrictive.to_string()),
        ("Median time to action".to_owned(), seconds(r.time_to_action.all.median_seconds)),
        ("90th percentile".to_owned(), seconds(r.time_to_action.all.p90_seconds)),
        ("Orders within the hour".to_owned(), format!("{} of {}", o.complied_within_hour, o.complied)),
    ];
    let histogram: Vec<(String, f64, String)> = BUCKETS
        .iter()
        .map(|(k, _)| {
            let n = r.time_to_action.histogram.get(*k).copied().unwrap_or(0);
            (k.replace('_', " "), n as f64, n.to_string())
        })
        .collect();
    let orders = count_rows(&[
        ("within the hour", o.complied_within_hour),
        ("late", o.complied_late),
        ("not executed", o.cannot_comply.not_executed),
    ]);
    let days: Vec<(String, Vec<u64>)> = (0..DAYS)
        .map(|i| {
            let day = from.plus(Duration::from_days(i)).to_rfc3339()[..10].to_owned();
            let counts = r.notices.by_day.get(&day);
            let values = SOURCES.iter().map(|src| counts.and_then(|c| c.get(*src)).copied().unwrap_or(0)).collect();
            (day, values)
        })
        .collect();
    let overdue = count_rows(&[
        ("orders overdue", o.overdue),
        ("order escalations", o.escalations),
        ("complaints overdue", r.complaints.overdue),
        ("scrutinies overdue", o.scrutiny.overdue),
        ("threat-to-life escalations", r.threat_to_life.escalations),
    ]);
    let charts = vec![
        ("Time from first report to restrictive decision".to_owned(), bars("tta", "Time to action", &histogram)),
        ("Removal orders: within the hour, late, not executed".to_owned(), bars("orders", "Removal orders", &orders)),
        ("Signals per day, by source".to_owned(), stacked("days", "Signals per day, by source", &SOURCES, &days)),
        ("Overdue and escalations".to_owned(), bars("overdue", "Overdue and escalations", &overdue)),
    ];
    let scope =
        if r.scope.org.is_some() { "your organisation's cases, orders and reports" } else { "the whole instance" };
    page(&DashboardPage {
        me: Some(Me::load(&s.app, &v, "/dashboard").await),
        scope: scope.to_owned(),
        from: from.to_rfc3339()[..10].to_owned(),
        cards,
        charts,
    })
}
