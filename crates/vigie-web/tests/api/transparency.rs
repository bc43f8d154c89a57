//! Transparency reports from the event log, and their recomputation by independent code
//! (`tools/recompute_transparency.py`) from what `vigie audit export` gives each audience.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};
use vigie_app::transparency::{Audience, Period, Report, audience::Selector, export_line, render, report};
use vigie_model::{Duration, Timestamp};

use crate::helpers::*;

async fn case_of(t: &TestApp, receipt: &Value) -> String {
    let notice = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200);
    notice["cases"][0]["id"].as_str().unwrap().to_owned()
}

async fn decide(t: &TestApp, p: &Member, case: &str, body: Value) {
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, body).await.expect(201);
}

fn removal() -> Value {
    json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none",
            "purpose_rationale": "recruitment video", "explanation": "Calls viewers to repeat the attack." })
}

/// The order a receipt is about, and its one case (read by the platform's inbox, which is receipt).
async fn order(t: &TestApp, a: &Member, p: &Member, url: &str) -> (String, String) {
    let o = t.post("/api/v1/orders", &a.token, order_body(&p.org, &[url])).await.expect(201);
    let id = o["id"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let view = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    (id, view["cases"][0]["id"].as_str().unwrap().to_owned())
}

/// Every event of the log, as the store holds them.
async fn log(t: &TestApp) -> Vec<vigie_model::event::ChainedEvent> {
    t.app.store().read(|r| r.events_after(0, 100_000)).await.unwrap()
}

/// The events `audience` may see, written as `vigie audit export` writes them.
fn export(events: &[vigie_model::event::ChainedEvent], audience: &Audience) -> String {
    let select = Selector::from_events(events, audience);
    events.iter().filter_map(|e| select.view(e)).map(|e| format!("{}\n", export_line(&e))).collect()
}

/// Runs the independent recomputation on an export.
fn recompute(export: &str, period: Period, org: Option<&str>, extra: &[&str]) -> (bool, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, export).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/recompute_transparency.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(&file).args(["--from", &period.from.to_rfc3339(), "--to", &period.to.to_rfc3339()]);
    if let Some(o) = org {
        cmd.args(["--org", o]);
    }
    let out = cmd.args(extra).output().expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.success(), serde_json::from_str(&stdout).unwrap_or(Value::Null), stderr)
}

/// Every leaf of a JSON document by its path.
fn leaves(v: &Value) -> BTreeMap<String, Value> {
    fn walk(prefix: String, v: &Value, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    walk(if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") }, c, out);
                }
            }
            leaf => {
                out.insert(prefix, leaf.clone());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(String::new(), v, &mut out);
    out
}

/// The report and its recomputation agree on every figure, numbers compared as numbers.
#[track_caller]
fn assert_same(ours: &Report, theirs: &Value) {
    let ours = leaves(&serde_json::to_value(ours).unwrap());
    let theirs = leaves(theirs);
    assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "the same figures");
    for (path, a) in &ours {
        let b = &theirs[path];
        // serde_json reads decimal text to the nearest double only within a unit in the last
        // place (without its float_roundtrip feature), so shares like 1/11 may differ by one.
        let same = match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y || (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
            _ => a == b,
        };
        assert!(same, "{path}: the report says {a}, the recomputation {b}");
    }
}

struct World {
    t: TestApp,
    p: Member,
    q: Member,
    police: Member,
    start: Timestamp,
    watched_case: String,
    /// The other platform's own case, which the authority had no part in.
    other_case: String,
}

/// One of everything the report counts, over about three days.
async fn world() -> World {
    let t = TestApp::start().await;
    let start = t.now();
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let q = t.platform("other.example").await;
    let police = t.authority().await;
    let host = {
        let body = json!({ "name": "Coimisiún na Meán", "kind": "authority", "member_state": "IE", "competences": ["scrutiny"] });
        let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
        t.person(&org, &["reporter"]).await
    };
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;

    // A watch-list holds a public report for the police under a national legal instrument (a DSA
    // notice is held under one only); the hold expires.
    let ends = t.now().plus(Duration::from_days(90)).to_rfc3339();
    let instrument = json!({ "reference": "JI-7", "issuing_body": "Juge d'instruction", "ends_at": ends });
    let w = t
        .post(
            "/api/v1/watchlists",
            &police.token,
            json!({ "name": "Op", "legal_basis_ref": "file 7", "ends_at": ends, "hold_hours": 24, "instrument": instrument }),
        )
        .await
        .expect(201);
    let entries = json!({ "entries": [{ "url": "https://video.example/v/watched" }] });
    t.post(&format!("/api/v1/watchlists/{}/entries", w["id"].as_str().unwrap()), &police.token, entries)
        .await
        .expect(200);
    let watched = t.notice("https://video.example/v/watched").await;
    let watched_case = case_of(&t, &watched).await;
    t.advance(Duration::from_hours(25));
    t.tick().await;

    // Three removal orders: one met within the hour, one late, one that cannot be executed.
    let (o1, c1) = order(&t, &police, &p, "https://video.example/v/o1").await;
    t.advance(Duration::from_mins(10));
    decide(&t, &p, &c1, removal()).await;
    t.advance(Duration::from_mins(1));
    let (o2, c2) = order(&t, &police, &p, "https://video.example/v/o2").await;
    t.advance(Duration::from_mins(75));
    decide(&t, &p, &c2, removal()).await;
    let (o3, _) = order(&t, &police, &p, "https://video.example/v/o3").await;
    let why = json!({ "reasons": ["insufficient_information"], "explanation": "Which video is meant?" });
    t.post(&format!("/api/v1/orders/{o3}/cannot-comply"), &p.token, why).await.expect(200);

    // An order about content the platform had already removed on its own terms: complied with on
    // arrival, on a terms ground; its item counts (TCO art. 7(3)(c)).
    let early = t.notice("https://video.example/v/early").await;
    let early_case = case_of(&t, &early).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let on_terms = json!({ "action": "remove", "terms_clause": "4.2", "explanation": "Praises the attack." });
    decide(&t, &p, &early_case, on_terms).await;
    t.advance(Duration::from_mins(1));
    t.post("/api/v1/orders", &police.token, order_body(&p.org, &["https://video.example/v/early"])).await.expect(201);
    // An order left to run out, and one to a platform that never reads its inbox: neither removed
    // (TCO art. 8(1)(a)).
    order(&t, &police, &p, "https://video.example/v/o5").await;
    t.post("/api/v1/orders", &police.token, order_body(&q.org, &["https://other.example/v/o6"])).await.expect(201);
    t.advance(Duration::from_mins(61));
    t.tick().await;
    // The platform challenges the late order in court, which upholds it (TCO art. 9).
    let filed =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-9", "filed_on": "2026-11-02" });
    let ch = t.post(&format!("/api/v1/orders/{o2}/challenges"), &p.token, filed).await.expect(201);
    let ruling = json!({ "outcome": "upheld", "decided_on": "2026-11-20", "reference": "TA-2026-9/J" });
    let path = format!("/api/v1/orders/{o2}/challenges/{}/outcome", ch["id"].as_str().unwrap());
    t.post(&path, &police.token, ruling).await.expect(200);

    // The platform has the first order scrutinised; an infringement brings the content back.
    let s =
        t.post(&format!("/api/v1/orders/{o1}/scrutiny"), &p.token, json!({ "text": "news report" })).await.expect(201);
    t.advance(Duration::from_hours(2));
    // The issuer is told first (TCO art. 4(5)).
    let intention = json!({ "reasons": "journalism" });
    t.post(&format!("/api/v1/scrutinies/{}/intention", s["id"].as_str().unwrap()), &host.token, intention)
        .await
        .expect(200);
    let infringement = json!({ "outcome": "infringement", "reasons": "journalism" });
    t.post(&format!("/api/v1/scrutinies/{}/decision", s["id"].as_str().unwrap()), &host.token, infringement)
        .await
        .expect(200);

    // Public notices: removed then reversed on complaint, restricted on terms then reinstated by
    // the platform itself, manifestly unfounded, exempt.
    let mut public = Vec::new();
    let mut codes = Vec::new();
    for i in 0..4 {
        let r = t.notice(&format!("https://video.example/v/n{i}")).await;
        public.push(case_of(&t, &r).await);
        codes.push(r["tracking_code"].as_str().unwrap().to_owned());
    }
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(Duration::from_hours(3));
    decide(&t, &p, &public[0], removal()).await;
    let n = t.get(&format!("/api/v1/cases/{}/uploader-notice", public[0]), &p.token).await.expect(200);
    let path = format!("/api/v1/uploader-notices/{}/complaint", n["token"].as_str().unwrap());
    let c = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "my documentary" }))).await.expect(201);
    t.advance(Duration::from_hours(30));
    let review = json!({ "outcome": "reversed", "reasons": "documentary" });
    t.post(&format!("/api/v1/complaints/{}/review", c["id"].as_str().unwrap()), &second.token, review)
        .await
        .expect(200);
    let terms = json!({ "action": "restrict", "restriction": "demoted", "terms_clause": "4.2", "automated_detection": true, "automated_decision": true, "explanation": "violent imagery" });
    decide(&t, &p, &public[1], terms).await;
    t.post(&format!("/api/v1/cases/{}/reinstatement", public[1]), &p.token, json!({ "reasons": "our mistake" }))
        .await
        .expect(200);
    let unfounded = json!({ "action": "no_action", "manifestly_unfounded": true, "explanation": "a cooking video" });
    decide(&t, &p, &public[2], unfounded.clone()).await;
    // Its notifier contests it (DSA art. 20); the review upholds it. Not an art. 10 complaint.
    let path = format!("/api/v1/notices/track/{}/complaint", codes[2]);
    let nc = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "it is propaganda" }))).await.expect(201);
    let review = json!({ "outcome": "upheld", "reasons": "a cooking video" });
    t.post(&format!("/api/v1/complaints/{}/review", nc["id"].as_str().unwrap()), &second.token, review)
        .await
        .expect(200);
    let exempt =
        json!({ "action": "exempt", "purpose": "journalistic", "purpose_rationale": "news report with commentary" });
    decide(&t, &p, &public[3], exempt).await;

    // A trusted flagger's notices: one removed, one manifestly unfounded, then a warning.
    let mut flagged = Vec::new();
    for i in 0..2 {
        let r = t
            .post("/api/v1/notices", &flagger.token, notice_body(&format!("https://video.example/f/{i}")))
            .await
            .expect(201);
        flagged.push(r["cases"][0]["case"].as_str().unwrap().to_owned());
    }
    t.advance(Duration::from_mins(20));
    decide(&t, &p, &flagged[0], removal()).await;
    decide(&t, &p, &flagged[1], unfounded).await;
    let key = format!("org:{}", flagger.org);
    // The platform warns, for its own service (DSA art. 23(2)).
    t.post(&format!("/api/v1/notifiers/{key}/warning"), &p.token, json!({ "reason": "unfounded notice" }))
        .await
        .expect(200);

    // A referral, labelled on the platform's terms: first removed by a slip, undone at once by
    // its decider and decided again; one decision counts, and one undone (step 10).
    let referral =
        json!({ "explanation": "Propaganda channel", "locations": [{ "url": "https://video.example/r/1" }] });
    let r = t.post("/api/v1/referrals", &police.token, referral).await.expect(201);
    let referred = r["cases"][0]["case"].as_str().unwrap().to_owned();
    t.advance(Duration::from_mins(5));
    decide(
        &t,
        &p,
        &referred,
        json!({ "action": "remove", "explanation": "Calls for attacks.", "terms_clause": "4.2" }),
    )
    .await;
    t.advance(Duration::from_secs(20));
    let decider = t.app.authenticate(&p.token).await.unwrap();
    t.app.undo_decision(&decider, &referred).await.unwrap();
    t.advance(Duration::from_secs(40));
    decide(&t, &p, &referred, json!({ "action": "label", "explanation": "Calls for attacks.", "terms_clause": "4.2" }))
        .await;

    // A threat to life, referred to the police and Europol, then acknowledged.
    let mut threat = notice_body("https://video.example/v/live");
    threat["threat_to_life"] = json!(true);
    let receipt = t.post_anonymous("/api/v1/notices", threat).await.expect(201);
    let live = case_of(&t, &receipt).await;
    t.advance(Duration::from_mins(16));
    t.tick().await;
    let referral = json!({ "basis": "tco_14_5", "member_states": ["FR"], "europol": true, "authority": police.org });
    t.post(&format!("/api/v1/cases/{live}/law-enforcement-referrals"), &p.token, referral).await.expect(201);
    t.post(&format!("/api/v1/cases/{live}/threat-to-life/ack"), &p.token, json!({})).await.expect(200);

    // A re-upload of known material caught by the platform's stay-down bank.
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "removed", "stay_down": true })).await.expect(201);
    let entry =
        json!({ "signal_type": "pdq", "value": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22" });
    t.post(&format!("/api/v1/banks/{}/entries", bank["id"].as_str().unwrap()), &p.token, entry).await.expect(201);
    let upload = json!({ "pdq": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", "url": "https://video.example/v/again" });
    t.post("/api/v1/uploads/check", &p.token, upload).await.expect(200);

    // Another platform's work, which the first platform's report must not show.
    let other = t.notice("https://other.example/x").await;
    let other_case = case_of(&t, &other).await;
    t.advance(Duration::from_mins(1));
    decide(&t, &q, &other_case, removal()).await;
    t.advance(Duration::from_secs(1));
    World { t, p, q, police, start, watched_case, other_case }
}

#[tokio::test]
async fn every_figure_is_recomputed_from_each_audiences_export_by_independent_code() {
    let w = world().await;
    let t = &w.t;
    let period = Period { from: w.start.plus(Duration::from_secs(-60)), to: t.now().plus(Duration::from_secs(60)) };
    let events = log(t).await;

    // The whole instance, as an overseer sees it, and the public export recomputes the same.
    let all = t.app.store().read(move |r| report(r, period, &Audience::Overseer)).await.unwrap();
    let o = &all.orders;
    // Six orders: met, late, not executable, complied on arrival, left to run out, never received.
    assert_eq!((o.issued, o.received, o.complied, o.complied_within_hour, o.complied_late), (6, 4, 3, 2, 1));
    assert_eq!((o.cannot_comply.orders, o.cannot_comply.not_executed), (1, 1));
    assert_eq!(o.cannot_comply.by_reason["insufficient_information"], 1);
    assert_eq!((o.scrutiny.requested, o.scrutiny.infringement, o.ended["scrutiny_infringement"]), (1, 1, 1));
    assert_eq!(all.orders.time_to_effect.count, 3);
    assert_eq!(all.orders.time_to_effect.median_seconds, Some(10.0 * 60.0));
    let n = &all.notices;
    assert_eq!((n.by_source["order"], n.by_source["referral"], n.by_source["trusted_flagger"]), (6, 1, 2));
    assert_eq!((n.by_source["public"], n.threat_to_life), (8, 1));
    let a = &all.actions;
    assert_eq!((a.by_action["remove"], a.by_action["restrict"], a.by_action["label"]), (6, 1, 1));
    assert_eq!((a.by_action["no_action"], a.by_action["exempt"], a.manifestly_unfounded), (2, 1, 2));
    assert_eq!((a.by_ground["law"], a.by_ground["terms"], a.automated_decision), (5, 3, 1));
    assert_eq!((a.decisions, a.undone, a.restrictive), (11, 1, 8), "the undone removal counts only as undone");
    let r = &all.reinstatements.by_cause;
    assert_eq!((r["complaint"], r["voluntary"], r["scrutiny_infringement"], r["undo"]), (1, 1, 1, 1));
    assert_eq!((all.complaints.received, all.complaints.reversed, all.complaints.upheld), (2, 1, 1));

    // TCO art. 7(3)(c): the order complied with on arrival and on a terms ground counts its item.
    // (Before step 8 only decisions on a legal basis under an order counted: 2.)
    let art7 = &all.tco_art7;
    assert_eq!((art7.c_items_removed_or_disabled, art7.c_complied_at_intake), (3, 1));
    // TCO art. 7(3)(d): art. 10 complaints are the content providers'; the notifier's is apart.
    // (Before step 8: 2 complaints, 1 upheld.)
    assert_eq!((art7.d_complaints, art7.d_upheld, art7.d_reversed), (1, 0, 1));
    assert_eq!(all.complaints.outcomes_by_complainant["notifier"]["upheld"], 1);
    // TCO art. 7(3)(e): the court challenge the platform brought, and its outcome.
    assert_eq!((art7.e_court_challenges, art7.e_court_upheld, art7.e_court_annulled), (1, 1, 0));
    // TCO art. 8(1)(a): of the six orders, three removed; the ignored and the overdue ones are
    // not removed with the one not executed. (Before step 8: only the Annex III one, 1.)
    let art8 = &all.tco_art8;
    assert_eq!((art8.a_orders_issued, art8.a_removed_or_disabled, art8.a_not_removed), (6, 3, 3));
    let why = &art8.a_not_removed_by_reason;
    assert_eq!((why["cannot_comply"], why["overdue"] + why["not_received"], why["within_time"]), (1, 2, 0));
    // TCO art. 8(1)(c): the reviews, including the one that upheld the order.
    assert_eq!((art8.c_under_review, art8.c_reviewed, art8.c_upheld, art8.c_infringement), (2, 2, 1, 1));
    assert_eq!((all.holds.placed, all.holds.ended_by_reason["expired"]), (1, 1));
    // Every reason a hold ends for is listed, even at zero: a DSA notice's too (step 8; it was
    // missing from the report's and the recomputation's lists).
    assert_eq!(all.holds.ended_by_reason.get("notice"), Some(&0));
    assert_eq!((all.threat_to_life.referred, all.threat_to_life.referred_to_europol), (1, 1));
    assert!(all.threat_to_life.escalations >= 1);
    assert_eq!(
        (all.misuse.warnings, all.tco_art7.g_reinstated_after_complaint, all.tco_art7.f_reinstated_after_review),
        (1, 1, 1)
    );
    assert_eq!(all.state_demands[&w.police.org].orders, 6);
    let sd = &all.stay_down;
    assert_eq!((sd.upload_matches, sd.upload_cases, sd.bank_entries_added, n.by_source["bank_match"]), (1, 1, 1, 1));
    assert_eq!(all.state_demands[&w.police.org].referrals, 1);

    // A sample for readers, kept as a build artefact.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/artefacts/transparency");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/report.json"), render::json(&all)).unwrap();
    std::fs::write(format!("{dir}/report.csv"), render::csv(&all)).unwrap();
    std::fs::write(format!("{dir}/report.html"), render::html(&all)).unwrap();
    let now = t.now();
    let opts = vigie_app::statements::StatementOptions { include_orders: false };
    let sor = t
        .app
        .store()
        .read(move |r| vigie_app::statements::statements(r, period.from, period.to, now, opts))
        .await
        .unwrap();
    assert!(sor.incomplete.is_empty(), "{:?}", sor.incomplete);
    let sor = sor.statements;
    assert!(sor.iter().all(|s| s.check().is_ok()));
    std::fs::write(
        format!("{dir}/statements.json"),
        serde_json::to_string_pretty(&json!({ "statements": sor })).unwrap(),
    )
    .unwrap();

    let public = export(&events, &Audience::Public);
    std::fs::write(format!("{dir}/events-public.jsonl"), &public).unwrap();
    let (ok, theirs, err) = recompute(&public, period, None, &[]);
    assert!(ok, "{err}");
    assert_same(&all, &theirs);
    // The public sees no actor and only the fields the report reads.
    for line in public.lines() {
        let e: Value = serde_json::from_str(line).unwrap();
        assert!(e["actor"].is_null(), "{line}");
        let data: Value = serde_json::from_str(e["data"].as_str().unwrap()).unwrap();
        let kind = vigie_model::event::EventKind::parse(e["kind"].as_str().unwrap()).unwrap();
        let allowed = kind.spec().public.expect("only the report's kinds");
        assert!(data.as_object().unwrap().keys().all(|k| k == "v" || allowed.contains(&k.as_str())), "{line}");
    }

    // The overseer's export is the whole chain: the independent code verifies it, and notices a change.
    let full = export(&events, &Audience::Overseer);
    let (ok, theirs, err) = recompute(&full, period, None, &["--verify-chain"]);
    assert!(ok && err.contains("chain ok"), "{err}");
    assert_same(&all, &theirs);
    let tampered = full.replacen("\"action\\\":\\\"label\\\"", "\"action\\\":\\\"remove\\\"", 1);
    assert_ne!(tampered, full);
    let (ok, _, err) = recompute(&tampered, period, None, &["--verify-chain"]);
    assert!(!ok && err.contains("chain breaks"), "{err}");

    // A platform's own report, from its own export.
    let mine = Audience::Org(w.p.org.clone());
    let scoped = t.app.store().read(move |r| report(r, period, &mine)).await.unwrap();
    assert_eq!(scoped.scope.org_kind.as_deref(), Some("platform"));
    assert_eq!(scoped.actions.by_action["remove"], all.actions.by_action["remove"] - 1, "not the other platform's");
    assert_eq!(scoped.holds.placed, 0, "a hold is the police's secret");
    let own = export(&events, &Audience::Org(w.p.org.clone()));
    let (ok, theirs, err) = recompute(&own, period, Some(&w.p.org), &[]);
    assert!(ok, "{err}");
    assert_same(&scoped, &theirs);
    assert!(!own.contains(&w.q.org), "nothing of the other platform");
    for secret in ["\"case.held\"", "\"hold.ended\"", "\"watchlist."] {
        assert!(!own.contains(secret), "nor of the police's hold: {secret}");
    }
    assert!(own.contains(&w.watched_case), "the held case reached the platform once the hold expired");

    // The authority's: its orders and referral, its hold, none of the platforms' other work.
    let theirs_org = Audience::Org(w.police.org.clone());
    let authority = t.app.store().read(move |r| report(r, period, &theirs_org)).await.unwrap();
    assert_eq!(authority.scope.org_kind.as_deref(), Some("authority"));
    assert_eq!((authority.tco_art8.a_orders_issued, authority.tco_art8.a_removed_or_disabled), (6, 3));
    assert_eq!((authority.tco_art8.a_scrutinised, authority.tco_art8.c_infringement), (1, 1));
    assert_eq!(authority.holds.placed, 1);
    assert_eq!(authority.notices.by_source["public"], 0, "the public's notices were not sent to it");
    let export_a = export(&events, &Audience::Org(w.police.org.clone()));
    // Its order to the other platform is its own; that platform's other work is not.
    assert!(!export_a.contains(&w.other_case));
    let (ok, recomputed, err) = recompute(&export_a, period, Some(&w.police.org), &[]);
    assert!(ok, "{err}");
    assert_same(&authority, &recomputed);
}

#[tokio::test]
async fn a_period_counts_what_happened_in_it_and_links_to_what_came_before() {
    let w = world().await;
    let t = &w.t;
    let events = log(t).await;
    // From just after the first order's removal: the first order's issue and receipt fall before.
    let complied = events.iter().find(|e| e.kind == "order.complied").unwrap().at;
    let period = Period { from: complied.plus(Duration::from_secs(1)), to: t.now().plus(Duration::from_secs(60)) };
    let later = t.app.store().read(move |r| report(r, period, &Audience::Overseer)).await.unwrap();
    assert_eq!((later.orders.issued, later.orders.complied, later.orders.complied_late), (5, 2, 1));
    // The late order took 75 minutes from its issue; the one complied on arrival, none.
    assert_eq!(later.orders.time_to_effect.median_seconds, Some(75.0 * 60.0 / 2.0));
    let (ok, theirs, err) = recompute(&export(&events, &Audience::Public), period, None, &[]);
    assert!(ok, "{err}");
    assert_same(&later, &theirs);
}

/// A hold ends at once when a DSA notice (never held without a national legal instrument) arrives
/// on the held case (`hold.ended`, reason `notice`, since step 8). The report counts it by its
/// reason beside the others, and the independent code agrees for the public, the overseer and
/// the list's authority.
#[tokio::test]
async fn a_hold_ended_by_a_notice_is_counted_by_its_reason() {
    let t = TestApp::start().await;
    let start = t.now();
    t.platform("video.example").await;
    let police = t.authority().await;
    let unit = t.authority().await;
    let ends = t.now().plus(Duration::from_days(30)).to_rfc3339();
    let body = json!({ "name": "Op", "legal_basis_ref": "file 7", "ends_at": ends });
    let w = t.post("/api/v1/watchlists", &police.token, body).await.expect(201);
    let entries = json!({ "entries": [{ "url": "https://video.example/v/referred" }] });
    t.post(&format!("/api/v1/watchlists/{}/entries", w["id"].as_str().unwrap()), &police.token, entries)
        .await
        .expect(200);
    // Another authority's referral is held (de-confliction); a public notice on it ends the hold.
    let referral =
        json!({ "explanation": "recruitment", "locations": [{ "url": "https://video.example/v/referred" }] });
    t.post("/api/v1/referrals", &unit.token, referral).await.expect(201);
    t.advance(Duration::from_mins(5));
    t.notice("https://video.example/v/referred").await;
    t.advance(Duration::from_secs(1));

    let period = Period { from: start.plus(Duration::from_secs(-60)), to: t.now().plus(Duration::from_secs(60)) };
    let events = log(&t).await;
    let all = t.app.store().read(move |r| report(r, period, &Audience::Overseer)).await.unwrap();
    let reasons: Vec<_> = all.holds.ended_by_reason.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        reasons,
        [("expired", 0), ("notice", 1), ("order", 0), ("released", 0), ("threat_to_life", 0)],
        "every reason, and the notice's hold"
    );
    assert_eq!(all.holds.placed, 1);
    for (audience, org) in [(Audience::Public, None), (Audience::Overseer, None)] {
        let (ok, theirs, err) = recompute(&export(&events, &audience), period, org, &[]);
        assert!(ok, "{err}");
        assert_same(&all, &theirs);
    }
    let mine = Audience::Org(police.org.clone());
    let scoped = t.app.store().read(move |r| report(r, period, &mine)).await.unwrap();
    assert_eq!(scoped.holds.ended_by_reason["notice"], 1, "the list's authority sees its hold end");
    let (ok, theirs, err) =
        recompute(&export(&events, &Audience::Org(police.org.clone())), period, Some(&police.org), &[]);
    assert!(ok, "{err}");
    assert_same(&scoped, &theirs);
}

/// Step 9: the recompute checks each event against its kind's published schema
/// (`docs/events.schema.json`); one that breaks it counts in no figure, only in
/// `scope.unreadable_events`, as the report counts an event it cannot read.
#[test]
fn the_recompute_counts_an_event_that_breaks_its_schema_in_no_figure() {
    let line = |seq: u32, data: Value| {
        json!({ "seq": seq, "id": format!("evt_{seq}"), "kind": "bank.entries_added", "at": "2026-03-01T10:00:00.000000Z",
                "clock": "system", "actor": null, "org": null, "subject": "bnk_1", "data": data.to_string(),
                "prev_hash": "", "hash": "" })
        .to_string()
    };
    let good = json!({ "count": 3, "source": "hma", "signal_types": { "pdq": 3 }, "v": 2 });
    let misspelt = json!({ "cuont": 5, "source": "hma", "signal_types": { "pdq": 5 }, "v": 2 });
    let old = json!({ "lines": 4, "source": "import:csv", "signal_types": { "pdq": 4 } });
    // Version 1 is checked against its own schema (`former`), not waved through.
    let old_misspelt = json!({ "lines": 6, "sourec": "import:csv", "signal_types": { "pdq": 6 } });
    let export = [line(1, good), line(2, misspelt), line(3, old), line(4, old_misspelt)].join("\n") + "\n";
    let period = Period {
        from: Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap(),
        to: Timestamp::parse_rfc3339("2026-03-02T00:00:00Z").unwrap(),
    };
    let (ok, theirs, err) = recompute(&export, period, None, &[]);
    assert!(ok, "{err}");
    assert_eq!(theirs["stay_down"]["bank_entries_added"], 7, "the good one and the version-1 file: {theirs}");
    assert_eq!(theirs["scope"]["unreadable_events"], 2, "{theirs}");
}
