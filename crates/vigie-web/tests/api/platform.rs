//! The platform's inbox, acknowledgements and decisions; one organisation never sees another's.

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_inbox_pages_by_deadline_then_priority_with_a_cursor() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let tf = t.member("trusted_flagger", "NGO", &["reporter"]).await;
    for i in 0..7 {
        t.notice(&format!("https://video.example/public/{i}")).await;
    }
    for i in 0..3 {
        t.post("/api/v1/notices", &tf.token, notice_body(&format!("https://video.example/tf/{i}"))).await.expect(201);
    }
    t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/ordered"])).await.expect(201);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/inbox?limit=4&cursor={c}"),
            None => "/api/v1/inbox?limit=4".to_owned(),
        };
        let page = t.get(&path, &p.token).await.expect(200);
        for c in page["cases"].as_array().unwrap() {
            seen.push(c["url"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 11);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 11, "no case twice across pages");
    assert_eq!(seen[0], "https://video.example/ordered", "the case with a deadline comes first");
    assert!(seen[1..4].iter().all(|u| u.contains("/tf/")), "then trusted flaggers: {seen:?}");
    assert!(seen[4..].iter().all(|u| u.contains("/public/")));
    let bad = t.get("/api/v1/inbox?cursor=garbage", &p.token).await;
    assert_eq!((bad.status.as_u16(), bad.code()), (400, "invalid_cursor"));
}

#[tokio::test]
async fn a_case_is_acknowledged_then_decided_on_a_precise_ground() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let r = t
        .post_anonymous(
            "/api/v1/notices",
            json!({
                "explanation": "Manifesto of the attacker.",
                "locations": [{ "url": "https://video.example/post/1", "content_id": "post-1" }],
                "notifier_name": "Camille Dupont",
                "notifier_email": "camille@example.org",
                "good_faith": true
            }),
        )
        .await
        .expect(201);
    let code = r["tracking_code"].as_str().unwrap().to_owned();
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0].clone();
    assert_eq!(case["state"], "delivered", "fetching the inbox is receipt");
    assert_eq!(case["content_id"], "post-1");
    let id = case["id"].as_str().unwrap();

    let detail = t.get(&format!("/api/v1/cases/{id}"), &p.token).await.expect(200);
    assert_eq!(detail["signals"][0]["explanation"], "Manifesto of the attacker.");
    assert!(!detail.to_string().contains("camille"), "the platform never sees the notifier's identity");

    let acked = t.post(&format!("/api/v1/cases/{id}/ack"), &p.token, json!({})).await.expect(200);
    assert_eq!(acked["state"], "acknowledged");
    assert_eq!(t.post(&format!("/api/v1/cases/{id}/ack"), &p.token, json!({})).await.status, 409);

    let no_ground = t
        .post(
            &format!("/api/v1/cases/{id}/decision"),
            &p.token,
            json!({ "action": "remove", "explanation": "Calls for attacks." }),
        )
        .await;
    assert_eq!(no_ground.field_codes(), ["required"]);
    let national_eu = t
        .post(&format!("/api/v1/cases/{id}/decision"), &p.token, json!({ "action": "disable", "explanation": "Calls for attacks.", "territorial_scope": ["EU"], "legal_basis": "fr.cp.421-2-5.apologie", "purpose": "none", "purpose_rationale": "apology" }))
        .await;
    assert_eq!(national_eu.field_codes(), ["scope_beyond_jurisdiction"]);
    let unknown = t
        .post(
            &format!("/api/v1/cases/{id}/decision"),
            &p.token,
            json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "xx.made-up" }),
        )
        .await;
    assert_eq!(unknown.field_codes(), ["unknown_legal_basis"]);
    // The joint 421-2-5 entry was retired in taxonomy version 3 (split into provocation and
    // apologie): it grounds no new decision.
    let retired = t
        .post(&format!("/api/v1/cases/{id}/decision"), &p.token, json!({ "action": "disable", "explanation": "Calls for attacks.", "territorial_scope": ["FR"], "legal_basis": "fr.cp.421-2-5", "purpose": "none", "purpose_rationale": "apology" }))
        .await;
    assert_eq!(retired.field_codes(), ["retired_legal_basis"]);

    let d = t
        .post(
            &format!("/api/v1/cases/{id}/decision"),
            &p.token,
            json!({
                "action": "disable", "territorial_scope": ["FR"], "legal_basis": "fr.cp.421-2-5.apologie",
                "purpose": "none", "purpose_rationale": "glorifies the attack, no journalistic framing",
                "automated_detection": false, "automated_decision": false,
                "explanation": "Praises the attack as an example to follow."
            }),
        )
        .await
        .expect(201);
    assert_eq!(d["territorial_scope"], json!(["FR"]));
    assert_eq!(d["decided_by"], p.user.as_str());
    let again = t.post(&format!("/api/v1/cases/{id}/decision"), &p.token, json!({ "action": "no_action" })).await;
    assert_eq!((again.status.as_u16(), again.code()), (409, "already_decided"));
    assert!(
        t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"].as_array().unwrap().is_empty(),
        "decided cases leave the inbox"
    );

    let tracked: serde_json::Value =
        t.http.get(t.url(&format!("/api/v1/notices/track/{code}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(tracked["locations"][0], json!({ "state": "decided", "outcome": "disable", "complaints": [] }));
}

#[tokio::test]
async fn terms_of_service_grounds_and_exempt_purposes_are_decisions_too() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    t.notice("https://video.example/a").await;
    t.notice("https://video.example/b").await;
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let ids: Vec<String> =
        inbox["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    t.post(
        &format!("/api/v1/cases/{}/decision", ids[0]),
        &p.token,
        json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": "4.9 graphic violence" }),
    )
    .await
    .field_codes()
    .contains(&"unknown_terms_clause".to_owned())
    .then_some(())
    .expect("only registered clauses ground a decision");
    let d = t
        .post(
            &format!("/api/v1/cases/{}/decision", ids[0]),
            &p.token,
            json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": "4.2" }),
        )
        .await
        .expect(201);
    assert_eq!(
        (d["terms_clause"].as_str(), d["terms_clause_id"].as_str().map(|s| &s[..4])),
        (Some("4.2"), Some("tcl_"))
    );
    let removal_of_news = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "journalistic", "purpose_rationale": "a news report" });
    assert_eq!(
        t.post(&format!("/api/v1/cases/{}/decision", ids[1]), &p.token, removal_of_news).await.field_codes(),
        ["exempt_purpose"]
    );
    let exempt = json!({ "action": "exempt", "purpose": "journalistic", "purpose_rationale": "a news report quoting the video" });
    let d = t.post(&format!("/api/v1/cases/{}/decision", ids[1]), &p.token, exempt).await.expect(201);
    assert_eq!((d["action"].as_str(), d["purpose"].as_str()), (Some("exempt"), Some("journalistic")));
}

#[tokio::test]
async fn a_platform_never_sees_or_touches_another_platforms_cases() {
    let t = TestApp::start().await;
    let p1 = t.platform("one.example").await;
    let p2 = t.platform("two.example").await;
    t.notice("https://one.example/x").await;
    let case = t.get("/api/v1/inbox", &p1.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    assert!(t.get("/api/v1/inbox", &p2.token).await.expect(200)["cases"].as_array().unwrap().is_empty());
    assert_eq!(t.get(&format!("/api/v1/cases/{case}"), &p2.token).await.status, 404);
    assert_eq!(t.post(&format!("/api/v1/cases/{case}/ack"), &p2.token, json!({})).await.status, 404);
    let remove = json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": "4.2" });
    assert_eq!(t.post(&format!("/api/v1/cases/{case}/decision"), &p2.token, remove).await.status, 404);
    // Ids that do not exist look exactly the same.
    let res = t.get("/api/v1/cases/cas_00000000000000000000000000000000", &p2.token).await;
    assert_eq!((res.status.as_u16(), res.code()), (404, "not_found"));
    // A viewer of a platform may not decide.
    let viewer = t.person(&p1.org, &["viewer"]).await;
    assert_eq!(t.get("/api/v1/inbox", &viewer.token).await.status, 403);
}

#[tokio::test]
async fn a_live_claim_stops_another_moderators_decision_until_it_lapses_or_is_taken_over() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let other = t.person(&p.org, &["moderator"]).await;
    t.notice("https://video.example/v/1").await;
    t.notice("https://video.example/v/2").await;
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let (first, second) =
        (inbox["cases"][0]["id"].as_str().unwrap().to_owned(), inbox["cases"][1]["id"].as_str().unwrap().to_owned());
    let no_action = json!({ "action": "no_action", "explanation": "nothing unlawful" });
    t.post(&format!("/api/v1/cases/{first}/claim"), &p.token, json!({})).await.expect(200);

    // Another moderator, by hand or by program, cannot decide what someone holds.
    let res = t.post(&format!("/api/v1/cases/{first}/decision"), &other.token, no_action.clone()).await;
    assert_eq!((res.status.as_u16(), res.code()), (409, "claimed_by_another"));
    assert!(res.body["detail"].as_str().unwrap().contains(&p.user), "{}", res.body);
    let automated = json!({ "action": "no_action", "automated_decision": true, "automated_detection": true });
    let res = t.post(&format!("/api/v1/cases/{first}/decision"), &other.token, automated).await;
    assert_eq!(res.code(), "claimed_by_another");
    assert!(t.events(Some("case.decided")).await.is_empty());

    // They may take it over, which is recorded; then the first holder is the one refused.
    let taken = t.post(&format!("/api/v1/cases/{first}/takeover"), &other.token, json!({})).await.expect(200);
    assert_eq!(taken["user"], other.user.as_str());
    let over = t.events(Some("case.taken_over")).await;
    assert_eq!((over.len(), over[0]["actor"].as_str()), (1, Some(other.user.as_str())));
    assert_eq!(data_of(&over[0])["from"], p.user.as_str());
    let res = t.post(&format!("/api/v1/cases/{first}/decision"), &p.token, no_action.clone()).await;
    assert_eq!(res.code(), "claimed_by_another");
    t.post(&format!("/api/v1/cases/{first}/decision"), &other.token, no_action.clone()).await.expect(201);

    // A lapsed claim stops nobody.
    t.post(&format!("/api/v1/cases/{second}/claim"), &p.token, json!({})).await.expect(200);
    t.advance(vigie_model::Duration::from_mins(11));
    t.post(&format!("/api/v1/cases/{second}/decision"), &other.token, no_action).await.expect(201);
}
