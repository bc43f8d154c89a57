//! The report as JSON, CSV (one figure per row, with its meaning) or a self-contained HTML page.

use std::fmt::Write;

use serde_json::Value;

use super::svg::{bars, esc, stacked};
use super::tally::{BUCKETS, Report, SOURCES};

/// What each figure means, by path; a figure without its own entry takes its parent's.
pub const MEANINGS: &[(&str, &str)] = &[
    ("notices.received", "Signals received: notices, referrals, removal orders and hash matches of uploads."),
    (
        "notices.by_source",
        "Signals by who sent them: removal orders and referrals from authorities, notices from trusted flaggers (DSA art. 22) and the public (art. 16), matches of uploads against hash banks.",
    ),
    ("notices.by_day", "Signals by UTC day, then by source."),
    ("notices.threat_to_life", "Signals that reported a threat to someone's life or safety."),
    (
        "actions.decisions",
        "Decisions taken on cases, of every kind, that stand: a decision its decider undid at once is left out.",
    ),
    (
        "actions.undone",
        "Decisions their decider undid within the minute that follows a decision, left out of every other decision figure; the case was then decided again, or waits.",
    ),
    (
        "actions.by_action",
        "Decisions by what was done: removal, disabling in some states, visibility restriction, label, account suspension, no action, or kept up as exempt (journalism, research, art, education).",
    ),
    ("actions.restrictive", "Decisions that restricted content or an account (every action but no action and exempt)."),
    (
        "actions.by_ground",
        "Restrictive decisions taken under the law (a legal basis) or under the platform's terms and conditions (DSA art. 15(1)(b)).",
    ),
    ("actions.by_legal_basis", "Restrictive decisions by the legal basis cited, from Vigie's versioned taxonomy."),
    (
        "actions.by_scope",
        "Restrictive decisions applied in every EU member state, or only in some (Santa Clara: global or only where requested).",
    ),
    ("actions.automated_detection", "Decisions on content first detected by automated means."),
    ("actions.automated_decision", "Decisions taken by automated means."),
    ("actions.automated_share", "Share of decisions taken by automated means."),
    ("actions.manifestly_unfounded", "No-action decisions on notices found manifestly unfounded (DSA art. 23)."),
    (
        "time_to_action.all",
        "Time from a case's first signal to a restrictive decision: median and 90th percentile (nearest rank).",
    ),
    (
        "time_to_action.by_tier",
        "The same, by the case's most serious signal: removal order, referral, trusted flagger, public notice.",
    ),
    ("time_to_action.histogram", "Restrictive decisions by how long they took."),
    ("orders.issued", "Removal orders issued (TCO art. 3)."),
    ("orders.cross_border", "Orders to a platform established in another member state (TCO art. 4)."),
    ("orders.emergency", "Orders issued without the 12-hour advance notice, for an emergency."),
    ("orders.non_disclosure", "Orders whose issuer asked that the uploader not be told yet (TCO art. 11(3))."),
    ("orders.received", "Orders the platform received; the hour starts then."),
    (
        "orders.time_to_receipt",
        "Time from issue to receipt by the platform (DSA art. 15(1)(a): time to confirm receipt).",
    ),
    ("orders.complied", "Orders complied with: every item removed or disabled in the whole Union."),
    (
        "orders.complied_within_hour",
        "Orders complied with within the hour from receipt, stopped clocks excluded (TCO art. 3(3)).",
    ),
    ("orders.complied_late", "Orders complied with after their deadline."),
    ("orders.within_hour_share", "Share of complied orders that met the hour."),
    ("orders.time_to_effect", "Time from issue to compliance (DSA art. 15(1)(a): time to give effect)."),
    ("orders.by_measure", "Complied orders by the measure reported in the Annex II feedback."),
    (
        "orders.items_removed_or_disabled",
        "Items removed or disabled following removal orders: every item a complied order named, on whatever ground the platform chose, and when it had already acted before the order came (TCO art. 7(3)(c)).",
    ),
    (
        "orders.complied_at_intake",
        "Orders complied with on arrival: their content was already removed or disabled everywhere.",
    ),
    (
        "orders.issued_outcomes",
        "What became of the orders issued in the period, by its end: complied with; not executed (Annex III); overdue (the hour passed without compliance or Annex III); never received; still within their hour; or ended before compliance (TCO art. 8(1)(a)).",
    ),
    (
        "orders.court",
        "Court challenges of orders (TCO art. 9): filed, by who brought them; decided, by outcome: upheld (the order stands), annulled, withdrawn; and the outcomes of those the platform brought.",
    ),
    ("orders.overdue", "Orders that passed their deadline without compliance."),
    ("orders.escalations", "Escalations of running orders (at 45 and 60 minutes)."),
    (
        "orders.cannot_comply",
        "Orders the platform could not execute (Annex III): force majeure (art. 3(7)) or manifest errors and insufficient information (art. 3(8)); not executed means never complied with by the end of the period.",
    ),
    (
        "orders.scrutiny",
        "Cross-border scrutiny (TCO art. 4): requests by trigger (the platform, the uploader, the authority ex officio), decisions, infringements found, late decisions and overdue ones.",
    ),
    (
        "orders.ended",
        "Orders that stopped having effect: an infringement found on scrutiny, or an annulment by a court or the issuer.",
    ),
    ("complaints.received", "Complaints against decisions (TCO art. 10, DSA art. 20)."),
    (
        "complaints.by_complainant",
        "Complaints by the uploader (against a restriction) or a notifier (against any decision on its notice).",
    ),
    ("complaints.decided", "Complaints decided by a reviewer who was not the first decider."),
    ("complaints.upheld", "Complaints where the first decision stood."),
    ("complaints.reversed", "Complaints where the first decision was reversed."),
    ("complaints.decided_late", "Complaints decided after the 14 days Vigie gives."),
    ("complaints.overdue", "Complaints flagged as overdue while still open."),
    ("complaints.time_to_decision", "Time from a complaint to its decision (DSA art. 15(1)(d): median decision time)."),
    ("complaints.outcomes_by_complainant", "Decided complaints by complainant (uploader, notifier), then outcome."),
    (
        "complaints.first_automated_decided",
        "Decided complaints against a decision taken by automated means (Santa Clara).",
    ),
    ("complaints.first_automated_reversed", "Of those, the reversed ones."),
    ("reinstatements.total", "Content reinstated."),
    (
        "reinstatements.by_cause",
        "Reinstatements by cause: a complaint, the platform's own correction (voluntary), an infringement found on scrutiny, an annulled order.",
    ),
    ("holds.placed", "Cases held for an authority's investigation (watch-list matches)."),
    (
        "holds.ended_by_reason",
        "Holds ended: expired, released by the authority, or ended at once by an order, a threat to life or a DSA notice (never held without a national legal instrument).",
    ),
    (
        "holds.matched_not_held",
        "Watch-list matches that did not hold the case (orders, threats to life, DSA notices without a national legal instrument, stay-down).",
    ),
    ("threat_to_life.signals", "Signals reporting a threat to life."),
    ("threat_to_life.escalations", "Escalations of unacknowledged threat-to-life alerts (every 15 minutes)."),
    ("threat_to_life.referred", "Referrals to law enforcement (DSA art. 18, TCO art. 14(5))."),
    ("threat_to_life.referred_to_europol", "Of those, referrals that included Europol."),
    ("threat_to_life.acknowledged", "Threat-to-life alerts acknowledged."),
    ("misuse.warnings", "Warnings to notifiers who sent manifestly unfounded notices (DSA art. 23)."),
    ("misuse.suspensions", "Suspensions of such notifiers (DSA art. 24(1)(b))."),
    ("misuse.manifestly_unfounded", "Notices found manifestly unfounded."),
    ("stay_down.upload_matches", "Uploads that matched a hash bank (TCO art. 7(3)(b): measures against reappearance)."),
    ("stay_down.upload_cases", "Distinct cases those matches opened or joined."),
    ("stay_down.bank_entries_added", "Hashes added to banks."),
    ("state_demands", "Per state actor (Santa Clara): removal orders, referrals, and orders complied with."),
    ("tco_art7.a_orders_received", "(a) Removal orders received (art. 3)."),
    ("tco_art7.a_referrals", "(a) Referrals from authorities, checked against the terms."),
    ("tco_art7.a_notices", "(a) Notices from trusted flaggers and the public."),
    ("tco_art7.a_decisions", "(a) Decisions taken on those reports, of every kind."),
    ("tco_art7.b_upload_matches", "(b) Measures against reappearance: uploads that matched a hash bank."),
    ("tco_art7.b_bank_entries_added", "(b) Hashes of removed material added to banks."),
    (
        "tco_art7.c_items_removed_or_disabled",
        "(c) Items removed or disabled following removal orders, at intake and on a terms ground too.",
    ),
    ("tco_art7.c_complied_at_intake", "(c) Orders complied with on arrival (content already removed)."),
    (
        "tco_art7.c_orders_not_executed",
        "(c) Removal orders not executed (Annex III, never complied with by the end of the period).",
    ),
    ("tco_art7.c_not_executed_force_majeure", "(c) Of those, on force majeure or de facto impossibility (art. 3(7))."),
    ("tco_art7.c_not_executed_errors", "(c) Of those, on manifest errors or insufficient information (art. 3(8))."),
    ("tco_art7.c_grounds", "(c) The grounds given, per order."),
    (
        "tco_art7.d_complaints",
        "(d) Complaints by content providers (art. 10); notifiers' complaints are not art. 10 complaints and are not counted here.",
    ),
    ("tco_art7.d_upheld", "(d) Of those, decided: the decision stood."),
    ("tco_art7.d_reversed", "(d) Of those, decided: the decision was reversed."),
    ("tco_art7.e_review_requested", "(e) Review proceedings the provider brought: scrutiny requests (art. 4(4))."),
    ("tco_art7.e_review_decided", "(e) Of those, decided."),
    ("tco_art7.e_review_infringement", "(e) Of those, where an infringement was found."),
    ("tco_art7.e_court_challenges", "(e) Court challenges of orders the provider brought (art. 9)."),
    ("tco_art7.e_court_upheld", "(e) Of those, decided: the order upheld."),
    ("tco_art7.e_court_annulled", "(e) Of those, decided: the order annulled."),
    ("tco_art7.e_court_withdrawn", "(e) Of those, withdrawn."),
    (
        "tco_art7.f_reinstated_after_review",
        "(f) Content the provider had to reinstate after such proceedings or an annulment.",
    ),
    ("tco_art7.g_reinstated_after_complaint", "(g) Content reinstated after the content provider's complaint."),
    ("tco_art8.a_orders_issued", "(a) Removal orders issued."),
    ("tco_art8.a_cross_border", "(a) Of those, to a provider established in another member state (art. 4(1))."),
    ("tco_art8.a_scrutinised", "(a) Orders submitted to scrutiny (art. 4)."),
    ("tco_art8.a_removed_or_disabled", "(a) Of the orders issued in the period, those complied with by its end."),
    (
        "tco_art8.a_not_removed",
        "(a) Of the orders issued in the period, those not complied with by its end (and not ended): not executed (Annex III), overdue, never received (ignored), or still within their hour.",
    ),
    ("tco_art8.a_not_removed_by_reason", "(a) The same, by why."),
    (
        "tco_art8.a_ended_before_compliance",
        "(a) Orders issued in the period that stopped having effect before compliance.",
    ),
    ("tco_art8.b_specific_measures", "(b) Decisions on specific measures (art. 5). Not recorded by Vigie: empty."),
    ("tco_art8.c_under_review", "(c) Orders brought under review: scrutiny requests and court challenges."),
    ("tco_art8.c_reviewed", "(c) Reviews decided: scrutiny decisions and court rulings (upheld or annulled)."),
    ("tco_art8.c_upheld", "(c) Of those, where the order was upheld: no infringement found, or upheld by the court."),
    ("tco_art8.c_infringement", "(c) Of those, where an infringement was found on scrutiny."),
    ("tco_art8.c_annulled", "(c) Orders annulled by a court or the issuer."),
    ("tco_art8.d_penalties", "(d) Penalty decisions (art. 18). Not recorded by Vigie: empty."),
];

/// The meaning of a figure: its own entry or its nearest parent's.
pub fn meaning(path: &str) -> &'static str {
    MEANINGS
        .iter()
        .filter(|(p, _)| path == *p || path.starts_with(&format!("{p}.")))
        .max_by_key(|(p, _)| p.len())
        .map_or("", |(_, m)| m)
}

/// Every figure of the report as `(path, value)`, sorted by path within each section.
pub fn figures(report: &Report) -> Vec<(String, Value)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    walk(&path, child, out);
                }
            }
            leaf => out.push((prefix.to_owned(), leaf.clone())),
        }
    }
    let mut out = Vec::new();
    walk("", &serde_json::to_value(report).unwrap_or(Value::Null), &mut out);
    out
}

pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

fn csv_field(raw: &str) -> String {
    if raw.contains([',', '"', '\n', '\r']) { format!("\"{}\"", raw.replace('"', "\"\"")) } else { raw.to_owned() }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `figure,value,meaning`, one row per figure (RFC 4180 quoting).
pub fn csv(report: &Report) -> String {
    let mut out = String::from("figure,value,meaning\r\n");
    for (path, v) in figures(report) {
        let _ = write!(out, "{},{},{}\r\n", csv_field(&path), csv_field(&shown(&v)), csv_field(meaning(&path)));
    }
    out
}

fn seconds(s: Option<f64>) -> String {
    let Some(s) = s else { return "n/a".into() };
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7_200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 172_800.0 {
        format!("{:.1} h", s / 3_600.0)
    } else {
        format!("{:.1} days", s / 86_400.0)
    }
}

fn percent(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

fn count_rows(map: &std::collections::BTreeMap<String, u64>, order: &[&str]) -> Vec<(String, f64, String)> {
    let mut keys: Vec<&str> = order.iter().copied().filter(|k| map.contains_key(*k)).collect();
    keys.extend(map.keys().map(String::as_str).filter(|k| !order.contains(k)));
    keys.into_iter().map(|k| (k.replace('_', " "), map[k] as f64, map[k].to_string())).collect()
}

/// A table of every figure under `prefix`, with its meaning.
fn table(out: &mut String, report_figures: &[(String, Value)], prefix: &str) {
    out.push_str("<table><thead><tr><th scope=\"col\">Figure</th><th scope=\"col\">Value</th><th scope=\"col\">What it counts</th></tr></thead><tbody>");
    // Daily volumes are drawn, not tabulated: a year would be 1,825 rows.
    for (path, v) in report_figures.iter().filter(|(p, _)| p.starts_with(prefix) && !p.starts_with("notices.by_day")) {
        let value = if v.is_null() { "not recorded".to_owned() } else { shown(v) };
        let _ = write!(
            out,
            "<tr><th scope=\"row\"><code>{}</code></th><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&path[prefix.len()..]),
            esc(&value),
            esc(meaning(path))
        );
    }
    out.push_str("</tbody></table>");
}

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;max-width:72rem;margin:0 auto;padding:1rem 1.5rem}\
h1,h2,h3{line-height:1.2}h2{border-bottom:2px solid #1f5f8b;padding-bottom:.2rem;margin-top:2.5rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}\
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}thead th{background:#eef3f7}\
.cards{display:flex;flex-wrap:wrap;gap:1rem;margin:1rem 0}.card{border:1px solid #bbb;border-radius:6px;padding:.6rem 1rem;min-width:11rem}\
.card strong{display:block;font-size:1.6rem}figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}code{font-size:.9em}";

/// A self-contained page: no script, no external asset; every chart also stated in text.
pub fn html(report: &Report) -> String {
    let all = figures(report);
    let s = &report.scope;
    let who = match (&s.org, &s.org_kind) {
        (Some(o), Some(k)) => format!("{k} {o}"),
        (Some(o), None) => o.clone(),
        (None, _) => "the whole instance".to_owned(),
    };
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>Transparency report, {period}</title><style>{STYLE}</style></head><body><main>\
<h1>Transparency report</h1><p>For {who}, from {from} to {to} (UTC, end excluded).</p>\
<p>Every figure is computed from Vigie's event log alone. <code>vigie audit export</code> gives the events this audience may see, \
and <code>tools/recompute_transparency.py</code> recomputes every figure from them independently. \
Durations give the median and the 90th percentile (nearest rank).</p>",
        period = esc(&format!("{} to {}", s.from, s.to)),
        who = esc(&who),
        from = esc(&s.from.to_rfc3339()),
        to = esc(&s.to.to_rfc3339()),
    );

    let o = &report.orders;
    let cards = [
        ("Signals received", report.notices.received.to_string()),
        ("Decisions", report.actions.decisions.to_string()),
        ("Restrictive decisions", report.actions.restrictive.to_string()),
        ("Median time to action", seconds(report.time_to_action.all.median_seconds)),
        (
            "Orders complied within the hour",
            format!("{} of {} ({})", o.complied_within_hour, o.complied, percent(o.within_hour_share)),
        ),
        ("Complaints reversed", format!("{} of {}", report.complaints.reversed, report.complaints.decided)),
    ];
    out.push_str("<section aria-labelledby=\"glance\"><h2 id=\"glance\">At a glance</h2><div class=\"cards\">");
    for (label, value) in cards {
        let _ = write!(out, "<div class=\"card\"><strong>{}</strong>{}</div>", esc(&value), esc(label));
    }
    out.push_str("</div>");

    let hist: Vec<(String, f64, String)> = BUCKETS
        .iter()
        .map(|(k, _)| {
            let n = report.time_to_action.histogram.get(*k).copied().unwrap_or(0);
            (k.replace('_', " "), n as f64, n.to_string())
        })
        .collect();
    let within = vec![
        ("within the hour".to_owned(), o.complied_within_hour as f64, o.complied_within_hour.to_string()),
        ("late".to_owned(), o.complied_late as f64, o.complied_late.to_string()),
        ("not executed".to_owned(), o.cannot_comply.not_executed as f64, o.cannot_comply.not_executed.to_string()),
    ];
    let c = &report.complaints;
    let complaints = vec![
        ("upheld".to_owned(), c.upheld as f64, c.upheld.to_string()),
        ("reversed".to_owned(), c.reversed as f64, c.reversed.to_string()),
        (
            "still open at the end".to_owned(),
            c.received.saturating_sub(c.decided) as f64,
            c.received.saturating_sub(c.decided).to_string(),
        ),
    ];
    let charts = [
        ("Signals by source", count_rows(&report.notices.by_source, &SOURCES)),
        ("Decisions by action", count_rows(&report.actions.by_action, &[])),
        ("Time from first signal to restrictive decision", hist),
        ("Removal orders: within the hour, late, not executed", within),
        ("Complaints by outcome", complaints),
        ("Reinstatements by cause", count_rows(&report.reinstatements.by_cause, &[])),
    ];
    for (i, (title, rows)) in charts.into_iter().enumerate() {
        let chart = bars(&format!("chart{i}"), title, &rows);
        let _ = write!(out, "<figure><figcaption>{}</figcaption>{chart}</figure>", esc(title));
    }
    let days: Vec<(String, Vec<u64>)> = report
        .notices
        .by_day
        .iter()
        .map(|(day, c)| (day.clone(), SOURCES.iter().map(|s| c.get(*s).copied().unwrap_or(0)).collect()))
        .collect();
    if days.len() <= 62 {
        let chart = stacked("chart-days", "Signals per day, by source", &SOURCES, &days);
        let _ = write!(out, "<figure><figcaption>Signals per day, by source</figcaption>{chart}</figure>");
    }
    out.push_str("</section>");

    let kind = s.org_kind.as_deref();
    if matches!(kind, None | Some("platform")) {
        out.push_str(
            "<section aria-labelledby=\"art7\"><h2 id=\"art7\">Hosting provider report (TCO art. 7)</h2>\
<p>The items of Regulation (EU) 2021/784, art. 7(3), (a) to (g), in order.</p>",
        );
        table(&mut out, &all, "tco_art7.");
        out.push_str("</section>");
    }
    if matches!(kind, None | Some("authority")) {
        out.push_str("<section aria-labelledby=\"art8\"><h2 id=\"art8\">Competent authority report (TCO art. 8)</h2>\
<p>The items of art. 8(1). Vigie does not record specific measures (art. 5) or penalties (art. 18): those stay empty.</p>");
        table(&mut out, &all, "tco_art8.");
        out.push_str("</section>");
    }
    out.push_str("<section aria-labelledby=\"dsa\"><h2 id=\"dsa\">DSA and Santa Clara figures</h2>");
    let sections = [
        ("Signals", "notices."),
        ("Decisions", "actions."),
        ("Time to action", "time_to_action."),
        ("Removal orders", "orders."),
        ("Complaints", "complaints."),
        ("Reinstatements", "reinstatements."),
        ("Holds for investigations", "holds."),
        ("Threats to life", "threat_to_life."),
        ("Misuse", "misuse."),
        ("Stay-down", "stay_down."),
        ("State actors", "state_demands."),
    ];
    for (title, prefix) in sections {
        let _ = write!(out, "<h3>{}</h3>", esc(title));
        table(&mut out, &all, prefix);
    }
    out.push_str("</section></main></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_has_a_meaning() {
        let period = super::super::Period {
            from: vigie_model::Timestamp::from_micros(0),
            to: vigie_model::Timestamp::from_micros(1),
        };
        let report = super::super::Tally::new(period, None).finish();
        for (path, _) in figures(&report) {
            if path.starts_with("report") || path.starts_with("version") || path.starts_with("scope.") {
                continue;
            }
            assert!(!meaning(&path).is_empty(), "{path} has no meaning");
        }
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
