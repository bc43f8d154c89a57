//! The leak test (step 9): hostile free text in every text input of every use-case never reaches
//! the public export, nor any event field in the clear. Free text enters the log only sealed.

use serde_json::{Value, json};
use vigie_app::transparency::{Audience, audience::Selector, export_line};
use vigie_model::Duration;
use vigie_model::event::{ChainedEvent, Event, EventKind};

use crate::helpers::*;

/// The marker: a person's name and address, the kind of thing free text holds.
const MARK: &str = "Zorblax Quimby, 7 rue Hostile";

/// A free text carrying the marker.
fn h(what: &str) -> String {
    format!("{what}: {MARK}")
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// Every string in a JSON value, at any depth.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|c| strings(c, out)),
        Value::Object(m) => m.iter().for_each(|(k, c)| {
            out.push(k.clone());
            strings(c, out);
        }),
        _ => {}
    }
}

/// The strings of an event's data outside its sealed fields, walked by the kind's schema: a field
/// whose schema is a sealed value (`{ref, sealed}`) is skipped, everything else is read.
fn unsealed_strings(schema: &Value, v: &Value, out: &mut Vec<String>) {
    let sealed = schema["properties"].get("sealed").is_some() && schema["properties"].get("ref").is_some();
    if sealed {
        return;
    }
    if let Some(options) = schema["anyOf"].as_array() {
        for s in options {
            unsealed_strings(s, v, out);
        }
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                out.push(k.clone());
                let sub = schema["properties"].get(k).or_else(|| schema.get("additionalProperties"));
                match sub {
                    Some(s) if s.is_object() => unsealed_strings(s, c, out),
                    _ => strings(c, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| unsealed_strings(&schema["items"], c, out)),
        Value::String(s) => out.push(s.clone()),
        _ => {}
    }
}

fn leaks(s: &str) -> bool {
    let s = s.to_lowercase();
    s.contains("zorblax") || s.contains("quimby") || s.contains("rue hostile")
}

#[tokio::test]
async fn hostile_free_text_reaches_neither_the_public_export_nor_an_unsealed_event_field() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let users = format!("/api/v1/orgs/{}/users", p.org);
    t.post(&users, ADMIN, json!({ "name": h("user name"), "roles": ["moderator"] })).await.expect(201);
    let police = t.authority().await;
    let host = {
        let body = json!({ "name": h("scrutinising authority"), "kind": "authority", "member_state": "IE", "competences": ["scrutiny"] });
        let org = id(&t.post("/api/v1/orgs", ADMIN, body).await.expect(201));
        t.person(&org, &["reporter"]).await
    };
    // The coordinator's award reference carries the organisation's name (see `member`).
    let flagger = t.member("trusted_flagger", &h("flagger"), &["reporter"]).await;
    let clause = json!({ "code": "9.1", "title": h("clause title"), "url": "https://video.example/terms#9.1", "body": h("clause body") });
    t.post("/api/v1/terms-clauses", &p.token, clause).await.expect(201);

    // A watch-list with its instrument, and a notice it holds.
    let ends = t.now().plus(Duration::from_days(90)).to_rfc3339();
    let instrument = json!({ "reference": h("instrument"), "issuing_body": h("judge"), "ends_at": ends });
    let list = json!({ "name": h("list name"), "legal_basis_ref": h("legal basis"), "ends_at": ends, "hold_hours": 24, "instrument": instrument });
    let w = t.post("/api/v1/watchlists", &police.token, list).await.expect(201);
    let entries = json!({ "entries": [{ "url": "https://video.example/v/watched" }] });
    t.post(&format!("/api/v1/watchlists/{}/entries", id(&w)), &police.token, entries).await.expect(200);

    // A public notice with its notifier's name, address and explanation.
    let notice = json!({ "explanation": h("explanation"), "locations": [{ "url": "https://video.example/v/n1" }],
                         "notifier_name": h("notifier"), "notifier_email": "zorblax.quimby@example.org", "good_faith": true });
    let n1 = t.post_anonymous("/api/v1/notices", notice).await.expect(201);
    t.post_anonymous(
        "/api/v1/notices",
        json!({ "explanation": h("watched"), "good_faith": true, "locations": [{ "url": "https://video.example/v/watched" }] }),
    )
    .await
    .expect(201);
    let referral = json!({ "explanation": h("referral"), "locations": [{ "url": "https://video.example/r/1" }] });
    t.post("/api/v1/referrals", &police.token, referral).await.expect(201);
    let advance = json!({ "platform": p.org, "information": h("advance notice") });
    t.post("/api/v1/advance-notices", &police.token, advance).await.expect(201);

    // Removal orders, every text of the form hostile.
    let order = |url: &str| {
        let mut o = order_body(&p.org, &[url]);
        o["reference"] = json!(h("order reference"));
        o["statement_of_reasons"] = json!(h("statement of reasons"));
        o["representative"] = json!({ "name": h("representative"), "post": h("post") });
        o["redress"]["body"] = json!(h("redress body"));
        o["redress"]["deadline_from"] = json!(h("redress from"));
        o["emergency_justification"] = json!(h("emergency"));
        o
    };
    let mut orders = Vec::new();
    for url in ["https://video.example/v/o1", "https://video.example/v/o2", "https://video.example/v/o3"] {
        let r = t.post("/api/v1/orders", &police.token, order(url)).await.expect(201);
        orders.push((id(&r), r["cases"][0]["case"].as_str().unwrap().to_owned()));
    }
    let [(o1, c1), (o2, c2), (o3, _)] = <[_; 3]>::try_from(orders).unwrap();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let n1_case = t.get(&format!("/api/v1/notices/{}", id(&n1)), ADMIN).await.expect(200)["cases"][0]["id"].clone();
    let n1_case = n1_case.as_str().unwrap().to_owned();
    // Under an order, a purpose the platform sees is a concern for the authority (TCO art. 3(3)).
    let concern = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "journalistic",
                          "purpose_rationale": h("purpose rationale"), "explanation": h("decision statement") });
    let removal = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none",
                          "purpose_rationale": h("rationale"), "explanation": h("decision statement") });
    for (case, body) in [(&c1, &concern), (&c2, &concern), (&n1_case, &removal)] {
        t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, body.clone()).await.expect(201);
    }
    let why = json!({ "reasons": ["insufficient_information"], "explanation": h("cannot comply") });
    t.post(&format!("/api/v1/orders/{o3}/cannot-comply"), &p.token, why).await.expect(200);

    // Court: a challenge, then an annulment with its court and reference.
    let filed = json!({ "court": h("court"), "reference": h("challenge reference"), "filed_on": "2026-11-02" });
    let ch = t.post(&format!("/api/v1/orders/{o2}/challenges"), &p.token, filed).await.expect(201);
    let ruling = json!({ "outcome": "upheld", "decided_on": "2026-11-20", "reference": h("ruling reference") });
    let path = format!("/api/v1/orders/{o2}/challenges/{}/outcome", id(&ch));
    t.post(&path, &police.token, ruling).await.expect(200);
    let annulment =
        json!({ "court": h("annulling court"), "reference": h("annulment reference"), "decided_on": "2026-11-21" });
    t.post(&format!("/api/v1/orders/{o2}/annulment"), &police.token, annulment).await.expect(200);

    // Scrutiny: the request, the intention and the decision.
    let s = t.post(&format!("/api/v1/orders/{o1}/scrutiny"), &p.token, json!({ "text": h("scrutiny request") })).await;
    let s = id(&s.expect(201));
    t.advance(Duration::from_hours(2));
    t.post(&format!("/api/v1/scrutinies/{s}/intention"), &host.token, json!({ "reasons": h("intention") }))
        .await
        .expect(200);
    let decision = json!({ "outcome": "no_infringement", "reasons": h("scrutiny decision") });
    t.post(&format!("/api/v1/scrutinies/{s}/decision"), &host.token, decision).await.expect(200);

    // The uploader's complaint, reversed with reasons; a reinstatement with reasons.
    let un = t.get(&format!("/api/v1/cases/{n1_case}/uploader-notice"), &p.token).await.expect(200);
    let path = format!("/api/v1/uploader-notices/{}/complaint", un["token"].as_str().unwrap());
    let c = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": h("complaint") }))).await.expect(201);
    let review = json!({ "outcome": "reversed", "reasons": h("review reasons") });
    t.post(&format!("/api/v1/complaints/{}/review", id(&c)), &second.token, review).await.expect(200);
    let n2 = t.notice("https://video.example/v/n2").await;
    let n2 = t.get(&format!("/api/v1/notices/{}", id(&n2)), ADMIN).await.expect(200)["cases"][0]["id"].clone();
    let n2 = n2.as_str().unwrap().to_owned();
    let terms = json!({ "action": "restrict", "restriction": "demoted", "terms_clause": "4.2", "explanation": h("restriction") });
    t.post(&format!("/api/v1/cases/{n2}/decision"), &p.token, terms).await.expect(201);
    t.post(&format!("/api/v1/cases/{n2}/reinstatement"), &p.token, json!({ "reasons": h("reinstatement reasons") }))
        .await
        .expect(200);

    // Misuse: a flagger's notice found manifestly unfounded, a warning with its reason, then the
    // coordinator suspends its status with a reference.
    let mut flagged = notice_body("https://video.example/f/1");
    flagged["explanation"] = json!(h("flagged"));
    let f = t.post("/api/v1/notices", &flagger.token, flagged).await.expect(201);
    let f = f["cases"][0]["case"].as_str().unwrap().to_owned();
    let unfounded = json!({ "action": "no_action", "manifestly_unfounded": true, "explanation": h("unfounded") });
    t.post(&format!("/api/v1/cases/{f}/decision"), &p.token, unfounded).await.expect(201);
    let key = format!("org:{}", flagger.org);
    t.post(&format!("/api/v1/notifiers/{key}/warning"), &p.token, json!({ "reason": h("warning") })).await.expect(200);
    let status = json!({ "status": "suspended", "reference": h("suspension reference"), "decided_on": "2026-02-01", "reason": h("why") });
    let path = format!("/api/v1/orgs/{}/trusted-flagger-status", flagger.org);
    t.send(reqwest::Method::PUT, &path, Some(ADMIN), Some(status)).await.expect(200);

    // A threat to life, referred with a note.
    let mut threat = notice_body("https://video.example/v/live");
    threat["threat_to_life"] = json!(true);
    threat["explanation"] = json!(h("threat"));
    let live = t.post_anonymous("/api/v1/notices", threat).await.expect(201);
    let live = t.get(&format!("/api/v1/notices/{}", id(&live)), ADMIN).await.expect(200)["cases"][0]["id"].clone();
    let live = live.as_str().unwrap().to_owned();
    let le = json!({ "basis": "tco_14_5", "member_states": ["FR"], "europol": true, "note": h("referral note") });
    t.post(&format!("/api/v1/cases/{live}/law-enforcement-referrals"), &p.token, le).await.expect(201);

    // Banks: labels (a bank's name is an identifier), an entry's note, feedback, an update and a
    // deletion.
    let bank = json!({ "name": "leak-bank", "stay_down": true, "labels": { "group": h("label") } });
    let bank = id(&t.post("/api/v1/banks", &p.token, bank).await.expect(201));
    let entry = json!({ "signal_type": "pdq", "value": "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22", "note": h("entry note") });
    let entry = t.post(&format!("/api/v1/banks/{bank}/entries"), &p.token, entry).await.expect(201);
    let entry = entry["id"].as_i64().unwrap();
    let feedback = json!({ "verdict": "false_positive", "note": h("feedback") });
    t.post(&format!("/api/v1/banks/{bank}/entries/{entry}/feedback"), &p.token, feedback).await.expect(201);
    let renamed = json!({ "name": "leak-bank-2", "stay_down": true, "labels": { "group": h("label 2") } });
    t.send(reqwest::Method::PATCH, &format!("/api/v1/banks/{bank}"), Some(&p.token), Some(renamed)).await.expect(200);
    t.send(reqwest::Method::DELETE, &format!("/api/v1/banks/{bank}"), Some(&p.token), None).await.expect(204);

    t.advance(Duration::from_days(2));
    t.tick().await;

    let events: Vec<ChainedEvent> = t.app.store().read(|r| r.events_after(0, 100_000)).await.unwrap();
    // The test reached the use-cases it means to: each of these kinds is in the log.
    for kind in [
        EventKind::SignalReceived,
        EventKind::CaseDecided,
        EventKind::OrderEnded,
        EventKind::ContentReinstated,
        EventKind::ComplaintReceived,
        EventKind::ScrutinyRequested,
        EventKind::ScrutinyIntention,
        EventKind::ScrutinyDecided,
        EventKind::OrderChallenged,
        EventKind::OrderPurposeConcern,
        EventKind::WatchlistCreated,
        EventKind::NotifierWarned,
        EventKind::TrustedFlaggerStatusChanged,
        EventKind::BankCreated,
        EventKind::BankUpdated,
        EventKind::BankDeleted,
        EventKind::ThreatToLifeReferred,
        EventKind::UserCreated,
    ] {
        assert!(events.iter().any(|e| e.kind == kind.as_str()), "the scenario reaches {}", kind.as_str());
    }
    let reinstated = events.iter().filter(|e| e.kind == "content.reinstated").count();
    assert_eq!(reinstated, 3, "by the annulment, the complaint and the platform");

    // The whole change is in the log: each of these free texts is there, sealed.
    for (kind, field) in [
        ("signal.received", "explanation"),
        ("order.challenged", "court"),
        ("order.challenged", "reference"),
        ("order.ended", "reference"),
        ("order.purpose_concern", "rationale"),
        ("complaint.received", "text"),
        ("complaint.reviewed", "reasons"),
        ("content.reinstated", "reasons"),
        ("scrutiny.requested", "reasons"),
        ("scrutiny.intention", "reasons"),
        ("scrutiny.decided", "reasons"),
        ("notifier.warned", "reason"),
        ("threat_to_life.referred", "note"),
        ("trusted_flagger.status_changed", "reference"),
        ("bank.created", "labels"),
        ("watchlist.created", "legal_basis_ref"),
    ] {
        let sealed = events
            .iter()
            .filter(|e| e.kind == kind)
            .any(|e| serde_json::from_str::<Value>(&e.data).unwrap()[field]["sealed"].is_string());
        assert!(sealed, "{kind}.{field} is in the log, sealed");
    }
    for e in &events {
        // Every stored event reads as its typed kind.
        let event: Event = e.event().unwrap_or_else(|err| panic!("event {} ({}) reads: {err}", e.seq, e.kind));
        let schema = event.kind().spec().schema();
        let mut found = Vec::new();
        unsealed_strings(&schema, &serde_json::from_str(&e.data).unwrap(), &mut found);
        for s in found {
            assert!(!leaks(&s), "event {} ({}) holds free text unsealed: {s:?}", e.seq, e.kind);
        }
        // The stored bytes as a whole (sealed values are hashes): nothing readable anywhere.
        assert!(!leaks(&e.data), "event {} ({}): {}", e.seq, e.kind, e.data);
    }

    let select = Selector::from_events(&events, &Audience::Public);
    let public: Vec<Value> = events.iter().filter_map(|e| select.view(e)).map(|e| export_line(&e)).collect();
    assert!(public.len() > 20, "the public sees the report's events");
    for line in &public {
        let mut found = Vec::new();
        strings(line, &mut found);
        let data: Value = serde_json::from_str(line["data"].as_str().unwrap()).unwrap();
        strings(&data, &mut found);
        assert!(found.iter().all(|s| !leaks(s)), "the public export leaks: {line}");
        // Ids, enumerations, counts, flags and times only: no object, so no sealed value either.
        for (k, v) in data.as_object().unwrap() {
            let flat = v.as_array().is_none_or(|a| a.iter().all(|x| !x.is_object()));
            assert!(!v.is_object() && flat, "{k} is not a plain value: {line}");
        }
    }
}
