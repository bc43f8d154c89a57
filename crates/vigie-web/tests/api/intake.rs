//! Notices, referrals, folding into cases, priority, tracking, rate limits.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn an_anonymous_notice_gets_a_receipt_with_a_tracking_code_stored_only_as_a_hash() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let r = t.notice("https://video.example/watch?v=1").await;
    let id = r["id"].as_str().unwrap();
    let code = r["tracking_code"].as_str().unwrap();
    assert!(id.starts_with("sig_"));
    assert!(!code.contains(&id[4..]) && code.len() >= 32, "the code is not derived from the id");
    assert!(r.get("cases").is_none(), "anonymous receipts do not reveal routing");

    let tracked = t.http.get(t.url(&format!("/api/v1/notices/track/{code}"))).send().await.unwrap();
    assert_eq!(tracked.status(), 200);
    let tracked: serde_json::Value = tracked.json().await.unwrap();
    assert_eq!(tracked["locations"][0]["state"], "open");
    let wrong = t.http.get(t.url("/api/v1/notices/track/0000-0000")).send().await.unwrap();
    assert_eq!(wrong.status(), 404);

    // Only the submitter and admins read a notice: anonymous notices are readable by admins only.
    assert_eq!(t.get(&format!("/api/v1/notices/{id}"), &p.token).await.status, 404);
    let n = t.get(&format!("/api/v1/notices/{id}"), ADMIN).await.expect(200);
    assert_eq!(n["explanation"], "This video glorifies an attack and calls for more.");

    // The code is not in the database: only its SHA-256 is.
    assert!(!t.data_contains(code.as_bytes()));
}

#[tokio::test]
async fn reports_of_the_same_canonical_url_fold_into_one_case_and_keep_their_signals() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let tf = t.member("trusted_flagger", "NGO", &["reporter"]).await;
    let a = t.notice("https://video.example/watch?v=7&utm_source=x").await;
    let b =
        t.post("/api/v1/notices", &tf.token, notice_body("HTTPS://Video.Example:443/watch/?v=7#t=3")).await.expect(201);
    let c = t.notice("https://video.example/watch?v=8").await;
    assert_eq!(b["cases"][0]["platform"], p.org.as_str());

    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let cases = inbox["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let folded = cases.iter().find(|c| c["url"] == "https://video.example/watch?v=7").unwrap();
    assert_eq!(folded["tier"], "trusted_flagger");
    assert_eq!(folded["accountable_sources"], 1);
    assert_eq!(folded["anonymous_signals"], 1);
    let detail = t.get(&format!("/api/v1/cases/{}", folded["id"].as_str().unwrap()), &p.token).await.expect(200);
    let signal_ids: Vec<_> =
        detail["signals"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(signal_ids, [a["id"].as_str().unwrap(), b["id"].as_str().unwrap()]);
    assert_ne!(c["id"], a["id"]);
}

#[tokio::test]
async fn priority_follows_the_strongest_signal_and_a_flood_of_anonymous_reports_counts_for_little() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let tf = t.member("trusted_flagger", "NGO", &["reporter"]).await;
    let tf2 = t.member("trusted_flagger", "NGO 2", &["reporter"]).await;
    let a = t.authority().await;
    for _ in 0..40 {
        t.notice("https://video.example/lawful-satire").await;
    }
    t.post("/api/v1/notices", &tf.token, notice_body("https://video.example/flagged")).await.expect(201);
    t.post(
        "/api/v1/referrals",
        &a.token,
        json!({ "explanation": "terms breach", "locations": [{ "url": "https://video.example/referred" }] }),
    )
    .await
    .expect(201);
    t.post("/api/v1/notices", &tf.token, notice_body("https://video.example/twice")).await.expect(201);
    t.post("/api/v1/notices", &tf2.token, notice_body("https://video.example/twice")).await.expect(201);
    let mut threat = notice_body("https://video.example/live-attack");
    threat["threat_to_life"] = json!(true);
    t.post_anonymous("/api/v1/notices", threat).await.expect(201);

    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let order: Vec<_> = inbox["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["live-attack", "twice", "flagged", "referred", "lawful-satire"]);
    assert_eq!(t.events(Some("threat_to_life.escalated")).await.len(), 1);
}

#[tokio::test]
async fn accounts_are_reported_like_content() {
    let t = TestApp::start().await;
    let p = t.platform("social.example").await;
    let body = json!({
        "explanation": "This account recruits for a terrorist group.",
        "locations": [{ "kind": "account", "url": "https://social.example/@recruiter", "account_id": "998877" }],
        "good_faith": true
    });
    t.post_anonymous("/api/v1/notices", body.clone()).await.expect(201);
    t.post_anonymous("/api/v1/notices", body).await.expect(201);
    t.notice("https://social.example/@recruiter").await;
    // The same account by the platform's id alone, after its handle changed.
    let by_id = json!({
        "explanation": "Same recruiter, new handle.",
        "locations": [{ "kind": "account", "account_id": "998877", "platform": p.org }],
        "good_faith": true
    });
    t.post_anonymous("/api/v1/notices", by_id).await.expect(201);
    let nowhere = json!({
        "explanation": "x",
        "locations": [{ "kind": "account", "account_id": "1", "platform": "org_00000000000000000000000000000000" }],
        "good_faith": true
    });
    assert_eq!(t.post_anonymous("/api/v1/notices", nowhere).await.field_codes(), ["unknown_platform"]);
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let cases = inbox["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "the account and the content at the same URL are different cases");
    let account = cases.iter().find(|c| c["kind"] == "account").unwrap();
    assert_eq!(account["account_id"], "998877");
    assert_eq!(account["url"], "https://social.example/@recruiter");
    assert_eq!(account["anonymous_signals"], 3);
}

#[tokio::test]
async fn referrals_come_from_authorities_only_and_are_read_by_their_submitter() {
    let t = TestApp::start().await;
    t.platform("video.example").await;
    let a = t.authority().await;
    let other = t.authority().await;
    let tf = t.member("trusted_flagger", "NGO", &["reporter"]).await;
    let body = json!({ "explanation": "Propaganda of a listed group", "locations": [{ "url": "https://video.example/v/1" }], "terms_clause": "4.2 violent extremism" });
    assert_eq!(t.post("/api/v1/referrals", &tf.token, body.clone()).await.status, 403);
    let r = t.post("/api/v1/referrals", &a.token, body).await.expect(201);
    let id = r["id"].as_str().unwrap();
    let got = t.get(&format!("/api/v1/referrals/{id}"), &a.token).await.expect(200);
    assert_eq!(got["details"]["terms_clause"], "4.2 violent extremism");
    assert_eq!(t.get(&format!("/api/v1/referrals/{id}"), &other.token).await.status, 404);
    assert_eq!(t.get(&format!("/api/v1/notices/{id}"), &a.token).await.status, 404, "a referral is not a notice");
}

#[tokio::test]
async fn anonymous_reports_are_rate_limited_per_source_but_tokens_are_not() {
    let t = TestApp::start_with(|c| c.public_rate_limit = 3).await;
    let tf = t.member("trusted_flagger", "NGO", &["reporter"]).await;
    for i in 0..3 {
        t.notice(&format!("https://unclaimed.example/{i}")).await;
    }
    let res = t.post_anonymous("/api/v1/notices", notice_body("https://unclaimed.example/4")).await;
    assert_eq!((res.status.as_u16(), res.code()), (429, "rate_limited"));
    t.post("/api/v1/notices", &tf.token, notice_body("https://unclaimed.example/5")).await.expect(201);
}
