//! The dashboard: first the shift as it stands (queue depth, oldest waiting case, orders running
//! now, who is signed in), then the last 30 days drawn from the event log (the transparency
//! report's figures, for the viewer's audience), as server-drawn SVG charts. Each role sees the
//! figures that concern it: a platform its queue and complaints, an authority its orders.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use vigie_app::reviewing::relative;
use vigie_app::transparency::Period;
use vigie_app::transparency::svg::{bars, stacked};
use vigie_app::transparency::tally::{BUCKETS, SOURCES};
use vigie_model::org::{OrgKind, Role};
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
    /// The shift now: (id, label, value, detail), then who is signed in.
    shift: Vec<(&'static str, String, String, String)>,
    on_shift: Vec<String>,
    /// Each person's reveals today: for the organisation's leads, where it allows them.
    team_reveals: Option<Vec<(String, i64)>>,
    /// A platform integrator's dead letters (webhook messages that used up their attempts).
    dead_letters: Option<usize>,
    cards: Vec<(String, String)>,
    /// Title, SVG, and whether it spans the row.
    charts: Vec<(String, String, bool)>,
}

/// What a role is shown of the 30-day figures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// A platform: its cases, decisions, orders and complaints.
    Platform,
    /// An authority: its reports and orders.
    Authority,
    /// Any other reporter (trusted flaggers, notifiers): their reports and what came of them.
    Reporter,
    /// The instance's administrators and overseers: everything.
    All,
}

fn audience(p: &vigie_model::Principal) -> Audience {
    match p.org_kind {
        _ if vigie_app::auth::is_admin(p) => Audience::All,
        OrgKind::Overseer | OrgKind::Hub => Audience::All,
        OrgKind::Platform => Audience::Platform,
        OrgKind::Authority => Audience::Authority,
        _ => Audience::Reporter,
    }
}

/// The time-to-action buckets, in words.
fn bucket_words(key: &str) -> String {
    match key {
        "up_to_15m" => "within 15 minutes".into(),
        "up_to_1h" => "within the hour".into(),
        "up_to_6h" => "within 6 hours".into(),
        "up_to_24h" => "within a day".into(),
        "up_to_7d" => "within a week".into(),
        "over_7d" => "over a week".into(),
        other => other.replace('_', " "),
    }
}

/// The sources of signals, in words, in the order of `SOURCES`.
fn source_words(key: &str) -> &'static str {
    match key {
        "order" => "removal orders",
        "referral" => "referrals",
        "trusted_flagger" => "trusted flaggers",
        "public" => "public notices",
        "bank_match" => "bank matches",
        _ => "other",
    }
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
    let who = audience(&v.principal);
    let o = &r.orders;
    let mut cards = vec![("Signals received".to_owned(), r.notices.received.to_string())];
    if who != Audience::Authority {
        cards.push(("Restrictive decisions".to_owned(), r.actions.restrictive.to_string()));
        cards.push(("Median time to action".to_owned(), seconds(r.time_to_action.all.median_seconds)));
        cards.push(("90th percentile time to action".to_owned(), seconds(r.time_to_action.all.p90_seconds)));
    }
    if who != Audience::Reporter {
        cards.push((
            "Orders complied with within the hour".to_owned(),
            format!("{} of {}", o.complied_within_hour, o.complied),
        ));
    }
    let histogram: Vec<(String, f64, String)> = BUCKETS
        .iter()
        .map(|(k, _)| {
            let n = r.time_to_action.histogram.get(*k).copied().unwrap_or(0);
            (bucket_words(k), n as f64, n.to_string())
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
    let mut overdue = vec![("orders overdue", o.overdue), ("order escalations", o.escalations)];
    if matches!(who, Audience::Platform | Audience::All) {
        overdue.push(("complaints overdue", r.complaints.overdue));
    }
    if matches!(who, Audience::Authority | Audience::All) {
        overdue.push(("scrutinies overdue", o.scrutiny.overdue));
    }
    if matches!(who, Audience::Platform | Audience::All) {
        overdue.push(("threat-to-life escalations", r.threat_to_life.escalations));
    }
    let overdue = count_rows(&overdue);
    let sources: Vec<&str> = SOURCES.iter().map(|k| source_words(k)).collect();
    let mut charts = Vec::new();
    if who != Audience::Authority {
        charts.push((
            "Time from first report to restrictive decision".to_owned(),
            bars("tta", "Time to action", &histogram),
            false,
        ));
    }
    if who != Audience::Reporter {
        charts.push((
            "Removal orders: complied with within the hour, late, not executed".to_owned(),
            bars("orders", "Removal orders", &orders),
            false,
        ));
    }
    if who != Audience::Reporter {
        charts.push((
            "Overdue and escalations".to_owned(),
            bars("overdue", "Overdue and escalations", &overdue),
            false,
        ));
    }
    charts.push((
        "Signals per day, by source".to_owned(),
        stacked("days", "Signals per day, by source", &sources, &days),
        true,
    ));
    let scope =
        if r.scope.org.is_some() { "your organisation's cases, orders and reports" } else { "the whole instance" };

    let now_shift = s.app.shift(&v.principal).await?;
    let mut shift = Vec::new();
    if let Some(depth) = now_shift.queue_depth {
        shift.push(("queue-depth", "Waiting in the queue".to_owned(), depth.to_string(), "open cases".to_owned()));
        let oldest = now_shift.oldest_waiting.map_or("none".to_owned(), |t| relative(t, now).replace(" ago", ""));
        let detail = now_shift.oldest_waiting.map_or(String::new(), |t| {
            let at = t.to_rfc3339();
            if at[..10] == now.to_rfc3339()[..10] {
                format!("since {} UTC today", &at[11..16])
            } else {
                format!("since {} {} UTC", &at[..10], &at[11..16])
            }
        });
        shift.push(("oldest-waiting", "Oldest waiting".to_owned(), oldest, detail));
    }
    if let Some(running) = now_shift.orders_running {
        let next = now_shift.next_order_deadline.map_or(String::new(), |d| {
            if vigie_model::is_overdue(d, now) {
                format!("the most urgent was due {}", relative(d, now))
            } else {
                format!("the most urgent is due {}", relative(d, now))
            }
        });
        shift.push(("shift-orders", "Removal orders running now".to_owned(), running.to_string(), next));
    }
    let people: Vec<vigie_model::UserId> = now_shift.on_shift.iter().map(|(u, _)| u.clone()).collect();
    let names = s.app.person_names(&v.principal, people).await?;
    let on_shift: Vec<String> = now_shift
        .on_shift
        .iter()
        .map(|(u, since)| {
            let name = names.get(u.as_str()).cloned().unwrap_or_else(|| "a colleague (name erased)".to_owned());
            let you = if *u == v.principal.user { " (you)" } else { "" };
            format!("{name}{you}, signed in {}", relative(*since, now))
        })
        .collect();
    shift.push((
        "signed-in",
        "Signed in now".to_owned(),
        on_shift.len().to_string(),
        "people of your organisation".to_owned(),
    ));
    let team_reveals = match s.app.team_reveals_today(&v.principal).await {
        Ok(counts) => {
            let people: Vec<vigie_model::UserId> = counts.iter().map(|c| c.user.clone()).collect();
            let names = s.app.person_names(&v.principal, people).await?;
            Some(
                counts
                    .into_iter()
                    .map(|c| {
                        let name =
                            names.get(c.user.as_str()).cloned().unwrap_or_else(|| "a colleague (name erased)".into());
                        (name, c.count)
                    })
                    .collect(),
            )
        }
        Err(vigie_app::AppError::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let p = &v.principal;
    let dead_letters = if p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Integrator) {
        Some(s.app.dead_letters(p).await?.len())
    } else {
        None
    };
    page(&DashboardPage {
        dead_letters,
        me: Some(Me::load(&s.app, &v, "/dashboard").await),
        scope: scope.to_owned(),
        from: from.to_rfc3339()[..10].to_owned(),
        shift,
        on_shift,
        team_reveals,
        cards,
        charts,
    })
}
