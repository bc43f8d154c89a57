//! Removal orders: Annex I validation, advance notice, the one-hour clock and its suspensions.

use serde_json::json;
use vigie_model::{Duration, Timestamp};

use crate::helpers::*;

fn ts(v: &serde_json::Value) -> Timestamp {
    Timestamp::parse_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"))).unwrap()
}

#[tokio::test]
async fn missing_annex_i_fields_are_each_named() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let res = t.post("/api/v1/orders", &a.token, json!({ "locations": [] })).await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "validation_failed"));
    let fields = res.fields();
    for f in [
        "addressee",
        "locations",
        "reference",
        "reasons",
        "statement_of_reasons",
        "redress.body",
        "redress.deadline_days",
        "non_disclosure",
        "authority_type",
        "representative.name",
        "representative.post",
        "contact_email",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} not named in {fields:?}");
    }
    let mut body = order_body("org_00000000000000000000000000000000", &["https://video.example/v/1"]);
    body["reasons"] = json!(["a", "z"]);
    let res = t.post("/api/v1/orders", &a.token, body).await;
    assert_eq!(res.fields(), ["reasons[1]"]);
}

#[tokio::test]
async fn every_url_of_an_order_must_be_on_a_host_of_the_addressee() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    t.platform("other.example").await;
    let a = t.authority().await;
    let res = t
        .post(
            "/api/v1/orders",
            &a.token,
            order_body(
                &p.org,
                &["https://video.example/v/1", "https://other.example/v/2", "https://nowhere.example/x"],
            ),
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(res.fields(), ["locations[1].url", "locations[2].url"]);
    assert_eq!(res.field_codes(), ["not_on_addressee_host", "not_on_addressee_host"]);
    assert!(
        t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"].as_array().unwrap().is_empty(),
        "a refused order writes nothing"
    );
    let res = t.post("/api/v1/orders", &a.token, order_body(&a.org, &["https://video.example/v/1"])).await;
    assert_eq!(res.field_codes(), ["unknown_platform"], "the addressee must be a platform");
}

#[tokio::test]
async fn a_first_order_needs_an_advance_notice_twelve_hours_earlier_unless_urgent() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let mut calm = order_body(&p.org, &["https://video.example/v/1"]);
    calm.as_object_mut().unwrap().remove("emergency_justification");

    let res = t.post("/api/v1/orders", &a.token, calm.clone()).await;
    assert_eq!(res.field_codes(), ["advance_notice_required"]);

    let notice = t
        .post(
            "/api/v1/advance-notices",
            &a.token,
            json!({ "platform": p.org, "information": "Orders arrive by Vigie; one hour to act." }),
        )
        .await
        .expect(201);
    assert_eq!(ts(&notice["orders_possible_from"]).since(ts(&notice["sent_at"])), Duration::from_hours(12));
    t.advance(Duration::from_hours(11));
    assert_eq!(t.post("/api/v1/orders", &a.token, calm.clone()).await.field_codes(), ["advance_notice_required"]);
    t.advance(Duration::from_hours(1));
    t.post("/api/v1/orders", &a.token, calm.clone()).await.expect(201);
    // Later orders between the same pair need no new notice.
    let mut second = calm.clone();
    second["locations"] = json!([{ "url": "https://video.example/v/2" }]);
    t.post("/api/v1/orders", &a.token, second).await.expect(201);
    // An emergency justification lets another authority's first order through at once.
    let b = t.authority().await;
    t.post("/api/v1/orders", &b.token, order_body(&p.org, &["https://video.example/v/3"])).await.expect(201);
}

#[tokio::test]
async fn the_hour_runs_from_receipt_and_escalates_at_45_and_60_minutes() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let r = t
        .post(
            "/api/v1/orders",
            &a.token,
            order_body(&p.org, &["https://video.example/v/1", "https://video.example/v/2"]),
        )
        .await
        .expect(201);
    let id = r["id"].as_str().unwrap();
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "pending_receipt");
    assert!(o["deadline"].is_null());

    t.advance(Duration::from_mins(5));
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 2);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "running");
    let intake = ts(&o["intake_at"]);
    let received = ts(&o["received_at"]);
    assert_eq!(received.since(intake), Duration::from_mins(5), "intake and receipt are recorded apart");
    assert_eq!(ts(&o["deadline"]).since(received), Duration::from_hours(1));
    assert_eq!(ts(&inbox["cases"][0]["due_at"]), ts(&o["deadline"]), "cases carry the order's deadline");
    assert_eq!(t.events(Some("order.received")).await.len(), 1, "one order, one clock");

    t.advance(Duration::from_mins(44));
    t.tick().await;
    assert_eq!(t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200)["escalation_level"], 0);
    t.advance(Duration::from_mins(1));
    t.tick().await;
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!((o["escalation_level"].as_u64(), o["overdue"].as_bool()), (Some(1), Some(false)));
    t.advance(Duration::from_mins(15));
    t.tick().await;
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(
        (o["escalation_level"].as_u64(), o["overdue"].as_bool()),
        (Some(1), Some(false)),
        "60:00 is still on time"
    );
    t.advance(Duration::from_secs(1));
    t.tick().await;
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!((o["escalation_level"].as_u64(), o["overdue"].as_bool()), (Some(2), Some(true)));
    let escalations = t.events(Some("order.escalated")).await;
    let overdue = t.events(Some("order.overdue")).await;
    assert_eq!((escalations.len(), overdue.len()), (1, 1));
    assert!(escalations.iter().chain(&overdue).all(|e| e["clock"] == "manual" && e["actor"].is_null()));
}

#[tokio::test]
async fn cannot_comply_suspends_the_clock_and_clarification_restarts_a_fresh_hour() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let r = t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let id = r["id"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(Duration::from_mins(20));

    let res =
        t.post(&format!("/api/v1/orders/{id}/cannot-comply"), &p.token, json!({ "reasons": ["sometimes"] })).await;
    assert_eq!(res.fields(), ["reasons[0]", "explanation"]);
    let o = t
        .post(&format!("/api/v1/orders/{id}/cannot-comply"), &p.token, json!({ "reasons": ["insufficient_information"], "explanation": "The URL shows a cooking video; which one is meant?" }))
        .await
        .expect(200);
    assert_eq!(o["state"], "awaiting_clarification");
    assert_eq!(o["cannot_comply"]["reasons"], json!(["insufficient_information"]));
    // The log keeps the Annex III grounds, which the provider's transparency report counts.
    let suspended = t.events(Some("order.suspended")).await;
    let data: serde_json::Value = serde_json::from_str(suspended[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["reasons"], json!(["insufficient_information"]));
    t.advance(Duration::from_hours(3));
    t.tick().await;
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(
        (o["overdue"].as_bool(), o["escalation_level"].as_u64()),
        (Some(false), Some(0)),
        "a suspended clock does not run"
    );
    // Only the issuing authority clarifies; the platform cannot resume a clarification.
    assert_eq!(t.post(&format!("/api/v1/orders/{id}/resume"), &p.token, json!({})).await.status, 409);
    let other = t.authority().await;
    assert_eq!(
        t.post(&format!("/api/v1/orders/{id}/clarification"), &other.token, json!({ "clarification": "x" }))
            .await
            .status,
        404
    );
    let o = t
        .post(
            &format!("/api/v1/orders/{id}/clarification"),
            &a.token,
            json!({ "clarification": "The video at 02:10, uploaded on 3 May." }),
        )
        .await
        .expect(200);
    // The hour used to restart here, at the authority's clarification; it restarts when the
    // platform receives it (art. 3(8)): here, its next inbox fetch, at once.
    assert_eq!(o["state"], "awaiting_clarification");
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "running");
    let restarted_at = t.app.now();
    assert_eq!(ts(&o["deadline"]).since(restarted_at), Duration::from_hours(1), "a fresh hour from the receipt");
    assert_eq!(o["form"]["clarifications"][0]["text"], "The video at 02:10, uploaded on 3 May.");
    t.advance(Duration::from_mins(61));
    t.tick().await;
    assert_eq!(t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200)["overdue"], true);

    // The form, the Annex III notice and the clarifications are typed in the store: a stored form
    // that does not read as one is an internal error, never an empty form shown as the order.
    let conn = rusqlite::Connection::open(t.data_dir().join("vigie.sqlite3")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    conn.execute("UPDATE orders SET form = '{\"reference\": 7}' WHERE id = ?1", [&id]).unwrap();
    let res = t.get(&format!("/api/v1/orders/{id}"), &a.token).await;
    assert_eq!((res.status.as_u16(), res.body["code"].as_str()), (500, Some("internal")), "{}", res.body);
}

#[tokio::test]
async fn a_force_majeure_is_resumed_by_the_platform_with_a_fresh_hour() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let id =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let o = t
        .post(
            &format!("/api/v1/orders/{id}/cannot-comply"),
            &p.token,
            json!({ "reasons": ["force_majeure"], "explanation": "Data-centre flood; storage offline." }),
        )
        .await
        .expect(200);
    assert_eq!(o["state"], "force_majeure");
    assert!(o["received_at"].is_string(), "answering an order is receipt of it");
    assert_eq!(
        t.post(&format!("/api/v1/orders/{id}/clarification"), &a.token, json!({ "clarification": "x" })).await.status,
        409
    );
    t.advance(Duration::from_hours(5));
    let o = t.post(&format!("/api/v1/orders/{id}/resume"), &p.token, json!({})).await.expect(200);
    assert_eq!(ts(&o["deadline"]).since(t.app.now()), Duration::from_hours(1));
    assert_eq!(t.events(Some("order.restarted")).await.len(), 1);
}

#[tokio::test]
async fn an_order_is_answered_only_by_eu_wide_removal_and_the_authority_sees_annex_ii() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let id = t
        .post(
            "/api/v1/orders",
            &a.token,
            order_body(&p.org, &["https://video.example/v/1", "https://video.example/v/2"]),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let cases: Vec<String> =
        inbox["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    let label = json!({ "action": "label", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment" });
    let res = t.post(&format!("/api/v1/cases/{}/decision", cases[0]), &p.token, label).await;
    assert_eq!(res.field_codes(), ["order_needs_removal"]);
    let fr_only = json!({ "action": "disable", "explanation": "Calls for attacks.", "territorial_scope": ["FR"], "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment" });
    assert_eq!(
        t.post(&format!("/api/v1/cases/{}/decision", cases[0]), &p.token, fr_only).await.field_codes(),
        ["order_needs_eu_scope"]
    );

    t.advance(Duration::from_mins(10));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{}/decision", cases[0]), &p.token, remove.clone()).await.expect(201);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "running", "one of two URLs actioned is not compliance");
    t.advance(Duration::from_mins(5));
    let disable = json!({ "action": "disable", "explanation": "Calls for attacks.", "territorial_scope": ["EU"], "legal_basis": "eu.tco.2-7-c", "purpose": "none", "purpose_rationale": "recruits for a group" });
    t.post(&format!("/api/v1/cases/{}/decision", cases[1]), &p.token, disable).await.expect(201);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "complied");
    assert_eq!(o["overdue"], false);
    assert_eq!(o["annex_ii"]["measure"], "disable");
    assert_eq!(ts(&o["annex_ii"]["actioned_at"]), t.app.now());
    assert_eq!(t.events(Some("order.complied")).await.len(), 1);

    // Nobody else sees the order.
    let stranger = t.authority().await;
    assert_eq!(t.get(&format!("/api/v1/orders/{id}"), &stranger.token).await.status, 404);
    let other_platform = t.platform("other.example").await;
    assert_eq!(t.get(&format!("/api/v1/orders/{id}"), &other_platform.token).await.status, 404);
}

#[tokio::test]
async fn a_late_removal_is_recorded_as_late() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let id =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    t.advance(Duration::from_mins(75));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!((o["state"].as_str(), o["overdue"].as_bool()), (Some("complied"), Some(true)));
}

#[tokio::test]
async fn an_order_on_content_already_removed_is_complied_with_at_intake() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    t.notice("https://video.example/v/1").await;
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    let id =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!((o["state"].as_str(), o["annex_ii"]["measure"].as_str()), (Some("complied"), Some("remove")));
    assert_eq!(o["overdue"], false);
    // The addressee reads the order through its case, not through the submitter's endpoint.
    assert_eq!(t.get(&format!("/api/v1/orders/{id}"), &p.token).await.status, 404);
    let detail = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(detail["orders"][0]["id"], id.as_str());
}

#[tokio::test]
async fn an_order_reopens_a_case_the_platform_had_left_up() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let a = t.authority().await;
    t.notice("https://video.example/v/1").await;
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    let keep = json!({ "action": "no_action", "explanation": "no breach found" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, keep).await.expect(201);
    let id =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let reopened =
        eventually("the case.reopened delivery", || async { rx.of_type("case.reopened").into_iter().next() }).await;
    assert_eq!(reopened["data"]["case"]["id"], case.as_str());
    assert_eq!(t.events(Some("case.reopened")).await.len(), 1);
    // The 2xx answer to that delivery is the order's receipt.
    eventually("receipt of the order", || async {
        let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
        (o["state"] == "running").then_some(())
    })
    .await;
    let detail = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!((detail["state"].as_str(), detail["tier"].as_str()), (Some("delivered"), Some("order")));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "complied");
    let detail = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(detail["decision"]["action"], "remove", "the current decision is the latest");
}

/// A platform whose contact point's channel is Vigie (TCO art. 15), with `host` approved.
async fn designated_platform(t: &TestApp, host: &str) -> Member {
    let body = json!({ "name": "Channel Tube", "kind": "platform", "main_establishment": "IE", "designated_channel": true, "contact_point": { "email": format!("tco@{host}") } });
    let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let p = t.person(&org, &["moderator", "integrator"]).await;
    t.post("/api/v1/hosts", &p.token, json!({ "host": host })).await.expect(201);
    t.post(&format!("/api/v1/hosts/{host}/approve"), ADMIN, json!({})).await.expect(200);
    p
}

/// TCO art. 3(3) and (5), Directive 2000/31 art. 11(1): where Vigie is the platform's designated
/// channel, the order is received when it is available to the platform, so the hour runs from
/// then whether or not anyone fetches it. It used to wait for a fetch, forever if none came.
#[tokio::test]
async fn tco_art_3_5_on_the_designated_channel_the_hour_runs_from_availability() {
    let t = TestApp::start().await;
    let p = designated_platform(&t, "channel.example").await;
    let a = t.authority().await;
    let sent = t.now();
    let r = t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://channel.example/v/1"])).await.expect(201);
    let id = r["id"].as_str().unwrap();
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "running");
    assert_eq!((ts(&o["sent_at"]), ts(&o["available_at"]), ts(&o["received_at"])), (sent, sent, sent));
    assert_eq!(ts(&o["deadline"]), sent.plus(Duration::from_hours(1)));
    assert!(o["acknowledged_at"].is_null(), "nobody has looked yet");
    let received = t.events(Some("order.received")).await;
    let data: serde_json::Value = serde_json::from_str(received[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["via"], "designated_channel");
    t.advance(Duration::from_mins(61));
    t.tick().await;
    assert_eq!(t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200)["overdue"], true);
}

/// TCO arts. 3(3) and 15(1): an order nobody at the platform has acknowledged a quarter of an hour
/// after it was sent escalates, to the platform and to the issuing authority, once.
#[tokio::test]
async fn tco_art_3_3_an_unacknowledged_order_escalates_to_the_platform_and_the_issuer() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let arx = Receiver::start().await;
    t.post("/api/v1/webhooks", &a.token, json!({ "url": arx.url })).await.expect(201);
    let r = t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let id = r["id"].as_str().unwrap().to_owned();
    t.advance(Duration::from_mins(14));
    t.tick().await;
    assert!(t.events(Some("order.unacknowledged")).await.is_empty());
    t.advance(Duration::from_mins(1));
    t.tick().await;
    t.advance(Duration::from_mins(30));
    t.tick().await;
    assert_eq!(t.events(Some("order.unacknowledged")).await.len(), 1, "once");
    let told =
        eventually("order.unacknowledged", || async { arx.of_type("order.unacknowledged").into_iter().next() }).await;
    assert_eq!(told["data"]["order"], id.as_str());
    assert!(t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200)["unacknowledged_at"].is_string());
    // An order fetched in time never escalates so.
    let r = t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/2"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(Duration::from_mins(20));
    t.tick().await;
    let second = t.get(&format!("/api/v1/orders/{}", r["id"].as_str().unwrap()), &a.token).await.expect(200);
    assert!(second["acknowledged_at"].is_string() && second["unacknowledged_at"].is_null());
}

/// TCO art. 3(8): after a clarification, the fresh hour runs from the platform's receipt of it,
/// not from the authority's sending (it ran from the sending).
#[tokio::test]
async fn tco_art_3_8_after_a_clarification_the_hour_runs_from_the_platforms_receipt() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let id =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let why = json!({ "reasons": ["manifest_errors"], "explanation": "The URL points to a cooking video." });
    t.post(&format!("/api/v1/orders/{id}/cannot-comply"), &p.token, why).await.expect(200);
    t.post(&format!("/api/v1/orders/{id}/clarification"), &a.token, json!({ "clarification": "The second video." }))
        .await
        .expect(200);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "awaiting_clarification");
    assert!(o["clarification_sent_at"].is_string());
    t.advance(Duration::from_mins(20));
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(o["state"], "running");
    assert_eq!(
        ts(&o["deadline"]),
        t.now().plus(Duration::from_hours(1)),
        "an hour from the receipt, 20 minutes after sending"
    );
    // On the designated channel, the clarification is received when sent.
    let q = designated_platform(&t, "channel.example").await;
    let id = t.post("/api/v1/orders", &a.token, order_body(&q.org, &["https://channel.example/v/1"])).await.expect(201)
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post(
        &format!("/api/v1/orders/{id}/cannot-comply"),
        &q.token,
        json!({ "reasons": ["insufficient_information"], "explanation": "which?" }),
    )
    .await
    .expect(200);
    let o = t
        .post(&format!("/api/v1/orders/{id}/clarification"), &a.token, json!({ "clarification": "this one" }))
        .await
        .expect(200);
    assert_eq!((o["state"].as_str(), ts(&o["deadline"])), (Some("running"), t.now().plus(Duration::from_hours(1))));
}

/// TCO art. 3(6)-(8): the Annex II answer (compliance, with its time) and the Annex III answer
/// (cannot comply) reach the issuing authority, not only the platform's own feed.
#[tokio::test]
async fn tco_art_3_6_annex_ii_and_iii_answers_reach_the_issuing_authority() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let arx = Receiver::start().await;
    t.post("/api/v1/webhooks", &a.token, json!({ "url": arx.url })).await.expect(201);
    let first =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let second =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/2"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let why = json!({ "reasons": ["force_majeure"], "explanation": "storage offline" });
    t.post(&format!("/api/v1/orders/{}/cannot-comply", second["id"].as_str().unwrap()), &p.token, why)
        .await
        .expect(200);
    let case = first["cases"][0]["case"].as_str().unwrap();
    let remove = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "explanation": "Calls for attacks, as the order says." });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    let annex_iii = eventually("order.suspended", || async { arx.of_type("order.suspended").into_iter().next() }).await;
    assert_eq!(annex_iii["data"]["reasons"], json!(["force_majeure"]));
    let annex_ii = eventually("order.complied", || async { arx.of_type("order.complied").into_iter().next() }).await;
    assert_eq!(
        (annex_ii["data"]["order"].as_str(), annex_ii["data"]["measure"].as_str()),
        (first["id"].as_str(), Some("remove"))
    );
}
