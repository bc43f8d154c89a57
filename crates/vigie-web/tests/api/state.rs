//! State says what happened: a case, an order and a decision read, after each thing that changes
//! them, what the model's one definition of their state says (`CaseStatus`, `OrderStatus`), and an
//! order read inside a case lists the cases it covers. (Before step 9 each of these read as if
//! nothing had happened.)

use serde_json::{Value, json};

use crate::helpers::*;

/// A case of `p` about `url`, from an anonymous notice, received by the platform.
async fn reported(t: &TestApp, p: &Member, url: &str) -> String {
    let receipt = t.notice(url).await;
    let notice = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    notice["cases"][0]["id"].as_str().unwrap().to_owned()
}

fn removal_on_terms() -> Value {
    json!({ "action": "remove", "terms_clause": "4.2", "explanation": "looked like propaganda" })
}

fn removal_on_law() -> Value {
    json!({
        "action": "remove", "legal_basis": "eu.tco.2-7-a",
        "purpose": "none", "purpose_rationale": "recruitment video with no news or research framing",
        "explanation": "The video glorifies the attack and calls viewers to repeat it."
    })
}

async fn case_state(t: &TestApp, p: &Member, case: &str) -> String {
    t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200)["state"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_reinstated_case_reads_reinstated_until_it_is_decided_again() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let case = reported(&t, &p, "https://video.example/v/mistake").await;
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal_on_terms()).await.expect(201);
    assert_eq!(case_state(&t, &p, &case).await, "decided");

    t.post(&format!("/api/v1/cases/{case}/reinstatement"), &p.token, json!({ "reasons": "a documentary" }))
        .await
        .expect(200);
    assert_eq!(case_state(&t, &p, &case).await, "reinstated", "it read `decided` before step 9");

    // The platform may still decide anew on its own terms; the case is decided again.
    let label = json!({ "action": "label", "terms_clause": "4.2", "explanation": "graphic; shown with a warning" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, label).await.expect(201);
    assert_eq!(case_state(&t, &p, &case).await, "decided");
}

#[tokio::test]
async fn an_order_ended_on_scrutiny_reads_ended_and_its_case_reinstated() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await; // established in IE
    let issuer = t.authority().await; // FR
    let host = {
        let body = json!({ "name": "Competent authority IE", "kind": "authority", "member_state": "IE", "competences": ["scrutiny"] });
        let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
        t.person(&org, &["reporter"]).await
    };
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/9"])).await.expect(201);
    let order = receipt["id"].as_str().unwrap().to_owned();
    let case = receipt["cases"][0]["case"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal_on_law()).await.expect(201);
    let complied = t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200);
    assert_eq!(complied["state"], "complied");

    let s = t
        .post(&format!("/api/v1/orders/{order}/scrutiny"), &p.token, json!({ "text": "journalism" }))
        .await
        .expect(201);
    let scrutiny = s["id"].as_str().unwrap();
    let why = json!({ "reasons": "the material is journalism; the order infringes freedom of expression" });
    t.post(&format!("/api/v1/scrutinies/{scrutiny}/intention"), &host.token, why).await.expect(200);
    t.post(
        &format!("/api/v1/scrutinies/{scrutiny}/decision"),
        &host.token,
        json!({ "outcome": "infringement", "reasons": "manifestly journalistic" }),
    )
    .await
    .expect(200);

    let ended = t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200);
    assert!(ended["ended_at"].is_string());
    assert_eq!(ended["state"], "ended", "it read `complied` before step 9");
    let detail = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!((detail["state"].as_str(), detail["orders"][0]["state"].as_str()), (Some("reinstated"), Some("ended")));
}

#[tokio::test]
async fn a_complaint_review_answers_with_the_first_decision_as_it_now_stands() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let case = reported(&t, &p, "https://video.example/v/1").await;
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal_on_law()).await.expect(201);
    let n = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200);
    let token = n["token"].as_str().unwrap();
    let c = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token}/complaint"),
            None,
            Some(json!({ "text": "This is my documentary." })),
        )
        .await
        .expect(201);
    let complaint = c["id"].as_str().unwrap();

    let review = json!({ "outcome": "reversed", "reasons": "documentary with critical commentary" });
    let r = t.post(&format!("/api/v1/complaints/{complaint}/review"), &second.token, review).await.expect(200);
    assert_eq!(r["complaint"]["state"], "reversed");
    assert!(r["first_decision"]["reversed_at"].is_string(), "it answered null before step 9: {r}");
    assert_eq!(r["first_decision"]["reversed_by"], complaint);
    let again = t.get(&format!("/api/v1/complaints/{complaint}"), &second.token).await.expect(200);
    assert_eq!(again["first_decision"]["reversed_at"], r["first_decision"]["reversed_at"]);
    assert_eq!(case_state(&t, &p, &case).await, "reinstated");
}

#[tokio::test]
async fn an_order_read_inside_a_case_lists_the_cases_it_covers() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let urls = ["https://video.example/v/1", "https://video.example/v/2"];
    let receipt = t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &urls)).await.expect(201);
    let cases: Vec<&str> = receipt["cases"].as_array().unwrap().iter().map(|c| c["case"].as_str().unwrap()).collect();
    assert_eq!(cases.len(), 2);

    let detail = t.get(&format!("/api/v1/cases/{}", cases[0]), &p.token).await.expect(200);
    let listed: Vec<&str> =
        detail["orders"][0]["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, cases, "it was empty before step 9");
    // The same as the order itself says.
    let order = t.get(&format!("/api/v1/orders/{}", receipt["id"].as_str().unwrap()), &issuer.token).await.expect(200);
    let own: Vec<&str> = order["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(own, listed);
    // And as the answer to an annulment says, with the order ended.
    let annul =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-9", "decided_on": "2026-12-01" });
    let path = format!("/api/v1/orders/{}/annulment", receipt["id"].as_str().unwrap());
    let ended = t.post(&path, &issuer.token, annul).await.expect(200);
    let answered: Vec<&str> = ended["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!((ended["state"].as_str(), answered), (Some("ended"), cases), "it listed no case before step 9");
}

/// One vocabulary: a case opened by a stay-down bank match is tier `bank_match` in the inbox, on
/// the case and in the log the reports read (it was `referral` there and `hash_match` in the
/// reports before step 9).
#[tokio::test]
async fn a_bank_match_case_is_tier_bank_match_everywhere() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "removed", "stay_down": true })).await.expect(201);
    let path = format!("/api/v1/banks/{}/entries", bank["id"].as_str().unwrap());
    t.post(&path, &p.token, json!({ "signal_type": "pdq", "value": pdq })).await.expect(201);
    let upload = json!({ "pdq": pdq, "url": "https://video.example/v/again" });
    let res = t.post("/api/v1/uploads/check", &p.token, upload).await.expect(200);
    let case = res["case"].as_str().unwrap().to_owned();

    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"][0]["id"], case.as_str());
    assert_eq!(inbox["cases"][0]["tier"], "bank_match");
    let detail = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(
        (detail["tier"].as_str(), detail["signals"][0]["tier"].as_str()),
        (Some("bank_match"), Some("bank_match"))
    );
    let received = t.events(Some("signal.received")).await;
    assert_eq!(data_of(&received[0])["tier"], "bank_match");

    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal_on_terms()).await.expect(201);
    let decided = t.events(Some("case.decided")).await;
    assert_eq!(data_of(&decided[0])["tier"], "bank_match", "time_to_action.by_tier reads it");
}
