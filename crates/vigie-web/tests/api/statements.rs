//! Statements of reasons from decisions: one per restrictive decision, none for no action or
//! exempt, orders only when the operator asks, nothing while an embargo runs, personal data
//! scrubbed, every statement valid for the Transparency Database.

use serde_json::{Value, json};
use vigie_app::statements::{StatementOptions, statements};
use vigie_model::sor::{Statement, check_batch};
use vigie_model::{Duration, Timestamp};

use crate::helpers::*;

async fn export(t: &TestApp, include_orders: bool) -> Vec<Statement> {
    let now = t.now();
    t.app
        .store()
        .read(move |r| {
            statements(
                r,
                Timestamp::from_micros(0),
                now.plus(Duration::from_secs(1)),
                now,
                StatementOptions { include_orders },
            )
        })
        .await
        .unwrap()
}

/// The puids of a list, sorted (decisions in the same instant have no order).
fn puids(list: &[Statement]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.puid.clone()).collect();
    v.sort();
    v
}

fn sorted<const N: usize>(mut v: [String; N]) -> Vec<String> {
    v.sort();
    v.to_vec()
}

async fn first_case(t: &TestApp, p: &Member) -> String {
    t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned()
}

async fn decide(t: &TestApp, p: &Member, case: &str, body: Value) -> String {
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_restrictive_decision_and_only_those_yield_a_valid_statement() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let flagger = t.member("trusted_flagger", "NGO", &["reporter"]).await;

    // A public notice, removed on a TCO type; the explanation names people and places.
    t.notice("https://video.example/v/1").await;
    let a = first_case(&t, &p).await;
    let removal = json!({
        "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment",
        "explanation": "Uploaded by jane.doe@example.org (see https://video.example/u/jane); it calls for attacks."
    });
    let da = decide(&t, &p, &a, removal).await;
    // A trusted flagger's notice, demoted under a terms clause.
    t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/v/2")).await.expect(201);
    let b = first_case(&t, &p).await;
    let db = decide(&t, &p, &b, json!({ "action": "restrict", "terms_clause": "4.2" })).await;
    // No action and exempt yield nothing.
    t.notice("https://video.example/v/3").await;
    let c = first_case(&t, &p).await;
    decide(&t, &p, &c, json!({ "action": "no_action" })).await;
    t.notice("https://video.example/v/4").await;
    let d = first_case(&t, &p).await;
    decide(&t, &p, &d, json!({ "action": "exempt", "purpose": "journalistic", "purpose_rationale": "news report" }))
        .await;

    let list = export(&t, false).await;
    assert_eq!(puids(&list), sorted([da.clone(), db.clone()]));
    check_batch(&list).expect("every statement passes the database's rules");
    let by = |puid: &str| list.iter().find(|s| s.puid == puid).unwrap().clone();
    let s = &by(&da);
    assert_eq!(s.source_type, "SOURCE_ARTICLE_16");
    assert_eq!(s.decision_ground, "DECISION_GROUND_ILLEGAL_CONTENT");
    assert_eq!(s.decision_visibility, Some(vec!["DECISION_VISIBILITY_CONTENT_REMOVED".to_owned()]));
    assert!(s.illegal_content_legal_ground.as_deref().unwrap().contains("2021/784 art. 2(7)(a)"));
    assert_eq!(s.territorial_scope.len(), 27);
    assert_eq!(s.category_specification, Some(vec!["KEYWORD_TERRORIST_CONTENT".to_owned()]));
    let text = serde_json::to_string(s).unwrap();
    for personal in ["jane.doe@example.org", "https://video.example/u/jane"] {
        assert!(!text.contains(personal), "{personal} reached the statement: {text}");
    }
    assert!(s.decision_facts.contains("calls for attacks"));
    let s = &by(&db);
    assert_eq!(
        (s.source_type.as_str(), s.decision_ground.as_str()),
        ("SOURCE_TRUSTED_FLAGGER", "DECISION_GROUND_INCOMPATIBLE_CONTENT")
    );
    assert_eq!(s.incompatible_content_ground.as_deref(), Some("Terms clause 4.2: Violent extremism"));
    assert_eq!(s.decision_ground_reference_url.as_deref(), Some("https://video.example/terms#4.2"));
    assert_eq!(s.decision_visibility, Some(vec!["DECISION_VISIBILITY_CONTENT_DEMOTED".to_owned()]));
}

#[tokio::test]
async fn orders_are_left_out_by_default_and_wait_for_their_embargo() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let o =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let mut secret = order_body(&p.org, &["https://video.example/v/2"]);
    secret["non_disclosure"] = json!(true);
    secret["non_disclosure_until"] = json!(t.now().plus(Duration::from_days(7)).to_rfc3339());
    let e = t.post("/api/v1/orders", &issuer.token, secret).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let removal = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "incitement" });
    let d1 = decide(&t, &p, o["cases"][0]["case"].as_str().unwrap(), removal.clone()).await;
    let d2 = decide(&t, &p, e["cases"][0]["case"].as_str().unwrap(), removal).await;

    assert!(export(&t, false).await.is_empty(), "orders under Union law yield none by default");
    let with = export(&t, true).await;
    assert_eq!(puids(&with), std::slice::from_ref(&d1), "the embargoed one waits");
    assert_eq!(with[0].source_type, "SOURCE_TYPE_OTHER_NOTIFICATION");
    t.advance(Duration::from_days(7));
    t.tick().await;
    let with = export(&t, true).await;
    assert_eq!(puids(&with), sorted([d1, d2]));
    check_batch(&with).unwrap();
}

#[tokio::test]
async fn a_suspended_account_is_an_account_decision() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let mut body = notice_body("https://video.example/u/recruiter");
    body["locations"][0]["kind"] = json!("account");
    t.post_anonymous("/api/v1/notices", body).await.expect(201);
    let case = first_case(&t, &p).await;
    decide(&t, &p, &case, json!({ "action": "suspend_account", "legal_basis": "eu.tco.2-7-c", "purpose": "none", "purpose_rationale": "recruits for a listed group" })).await;
    let list = export(&t, false).await;
    assert_eq!(
        (list[0].decision_account.as_deref(), list[0].decision_visibility.is_none()),
        (Some("DECISION_ACCOUNT_SUSPENDED"), true)
    );
    assert_eq!(list[0].content_type_other.as_deref(), Some("an account"));
    check_batch(&list).unwrap();
}
