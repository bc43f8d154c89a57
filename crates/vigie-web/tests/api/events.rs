//! The event log: chained, stamped by the clock that made it, free of personal values, and still
//! verifiable after those values are erased.

use serde_json::json;
use vigie_model::Duration;

use crate::helpers::*;

#[tokio::test]
async fn every_change_is_an_event_chained_in_commit_order() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    t.notice("https://video.example/v/1").await;
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": "4.2" }))
        .await
        .expect(201);
    let events = t.events(None).await;
    let kinds: Vec<_> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in [
        "org.created",
        "user.created",
        "token.issued",
        "host.claimed",
        "host.approved",
        "signal.received",
        "case.opened",
        "case.delivered",
        "case.decided",
    ] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    for pair in events.windows(2) {
        assert_eq!(pair[1]["seq"].as_i64(), pair[0]["seq"].as_i64().map(|s| s + 1));
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    assert!(events.iter().all(|e| e["clock"] == "manual"), "the test clock stamped every event");
    let v = t.get("/api/v1/events/verify", ADMIN).await.expect(200);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(true), Some(events.len() as i64)));
    assert_eq!(v["head"], events.last().unwrap()["hash"]);
}

#[tokio::test]
async fn events_carry_sealed_hashes_and_the_chain_survives_erasure() {
    let t = TestApp::start_with(|c| c.app.personal_data_retention = Duration::from_days(30)).await;
    t.platform("video.example").await;
    let email = "whistle.blower@example.org";
    let r = t
        .post_anonymous(
            "/api/v1/notices",
            json!({ "explanation": "Secret-ish explanation 8431", "locations": [{ "url": "https://video.example/v/1" }],
                    "notifier_name": "Alex Reporter", "notifier_email": email, "good_faith": true }),
        )
        .await
        .expect(201);
    let id = r["id"].as_str().unwrap().to_owned();
    let events = t.events(None).await;
    let all = serde_json::to_string(&events).unwrap();
    for secret in [email, "Alex Reporter", "Secret-ish explanation 8431"] {
        assert!(!all.contains(secret), "{secret} leaked into the event log");
    }
    let received = t.events(Some("signal.received")).await;
    let data: serde_json::Value = serde_json::from_str(received[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["notifier_email"]["sealed"].as_str().unwrap().len(), 64);
    // (Before step 8 an administrator read the address here; it is the operator's to mail, not to
    // read: GDPR art. 5(1)(c).)
    let n = t.get(&format!("/api/v1/notices/{id}"), ADMIN).await.expect(200);
    assert!(n["notifier_email"].is_null() && n["explanation"].is_string(), "{n}");
    let signal = vigie_model::SignalId::parse(&id).unwrap();
    let email_of = |t: &TestApp| {
        let signal = signal.clone();
        let store = t.app.store().clone();
        async move {
            store
                .read(move |r| {
                    let s = r.get_signal(&signal)?.unwrap();
                    r.personal_value(s.notifier_email_ref.as_ref().unwrap())
                })
                .await
                .unwrap()
        }
    };
    assert_eq!(email_of(&t).await.as_deref(), Some(email));

    t.advance(Duration::from_days(31));
    t.tick().await;
    let n = t.get(&format!("/api/v1/notices/{id}"), ADMIN).await.expect(200);
    assert!(n["explanation"].is_null(), "erased at the end of retention: {n}");
    assert_eq!(email_of(&t).await, None);
    assert_eq!(t.events(Some("personal_data.erased")).await.len(), 1);
    let v = t.get("/api/v1/events/verify", ADMIN).await.expect(200);
    assert_eq!(v["ok"], true, "the chain verifies after erasure");
    // Erasure is real: the value is gone from the database files once checkpointed.
    let _ = t.app.store().read(|r| r.count_orgs()).await;
    assert!(t.get("/api/v1/events?limit=1", &t.platform("x.example").await.token).await.status == 403);
}

#[tokio::test]
async fn overseers_read_and_verify_the_log_but_other_organisations_do_not() {
    let t = TestApp::start().await;
    let o = t.member("overseer", "Auditor", &["viewer"]).await;
    let a = t.authority().await;
    assert_eq!(t.get("/api/v1/events/verify", &o.token).await.expect(200)["ok"], true);
    assert_eq!(t.get("/api/v1/events", &a.token).await.status, 403);
}

#[tokio::test]
async fn verification_names_the_first_bad_event_and_how_many_verify_before_it() {
    let t = TestApp::start().await;
    t.platform("video.example").await;
    let events = t.events(None).await;
    assert!(events.len() > 5, "enough events to tamper with one in the middle");
    let conn = rusqlite::Connection::open(t.data_dir().join("vigie.sqlite3")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET subject = 'org_x' WHERE seq = 4;").unwrap();
    let v = t.get("/api/v1/events/verify", ADMIN).await.expect(200);
    assert_eq!((v["ok"].as_bool(), v["events"].as_i64()), (Some(false), Some(3)), "{v}");
    assert_eq!((v["first_bad_seq"].as_i64(), v["problem"].as_str()), (Some(4), Some("tampered")), "{v}");
    assert_eq!(v["first_bad_id"], events[3]["id"]);
    assert_eq!(v["head"], events[2]["hash"], "the head is the last event that verified");
    assert!(v["error"].as_str().unwrap().starts_with(&format!("event 4 ({})", events[3]["id"].as_str().unwrap())));
}

/// Step 9: the events' schemas are published by the server itself, the same document as
/// `docs/events.schema.json`, with a schema for each older version still in stored logs.
#[tokio::test]
async fn the_event_schemas_are_served_publicly_with_their_older_versions() {
    let t = TestApp::start().await;
    let res = t.http.get(t.url("/events.schema.json")).send().await.unwrap();
    assert_eq!(res.status(), 200, "shapes, not data: public");
    let served: serde_json::Value = res.json().await.unwrap();
    let file: serde_json::Value =
        serde_json::from_str(include_str!("../../../../docs/events.schema.json")).expect("the published file reads");
    assert_eq!(served, file, "the route and the file are one document");
    for (kind, spec) in served["kinds"].as_object().unwrap() {
        let version = spec["version"].as_u64().unwrap();
        let former = spec["former"].as_object().unwrap();
        let described: Vec<u64> = former.keys().map(|v| v.parse().unwrap()).collect();
        assert_eq!(described, (1..version).collect::<Vec<_>>(), "{kind}: every older version has its schema");
    }
    // Version 1 of `order.ended` nested the cause and kept the court in the clear.
    let v1 = &served["kinds"]["order.ended"]["former"]["1"];
    assert!(v1["properties"]["court"]["anyOf"].as_array().unwrap().iter().any(|s| s["type"] == "string"));
    assert!(v1["properties"].get("v").is_none(), "version 1 has no \"v\"");
}
