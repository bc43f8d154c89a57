//! Due process end to end: legal bases and terms clauses, notices to uploaders and the
//! non-disclosure embargo, complaints and their reviewers, cross-border scrutiny and annulment,
//! notifier feedback, watch-lists and holds, threats to life, misuse. Every clock runs on the
//! manual clock; every rule is tried and refused with its code.

use serde_json::{Value, json};
use vigie_model::Duration;

use crate::helpers::*;

/// The case an anonymous notice opened (its receipt does not say; the administrator may see).
async fn case_of(t: &TestApp, receipt: &Value) -> String {
    let notice = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200);
    notice["cases"][0]["id"].as_str().unwrap().to_owned()
}

/// A case of `p` about `url`, reported by an anonymous notice; returns (case id, tracking code).
async fn reported(t: &TestApp, p: &Member, url: &str) -> (String, String) {
    let receipt = t.notice(url).await;
    let case = case_of(t, &receipt).await;
    // Fetching the inbox is receipt.
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    (case, receipt["tracking_code"].as_str().unwrap().to_owned())
}

fn removal() -> Value {
    json!({
        "action": "remove", "legal_basis": "eu.tco.2-7-a",
        "purpose": "none", "purpose_rationale": "recruitment video with no news or research framing",
        "explanation": "The video glorifies the attack and calls viewers to repeat it."
    })
}

async fn decide(t: &TestApp, p: &Member, case: &str, body: Value) -> Value {
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, body).await.expect(201)
}

/// The link token of the notice about a case's current decision, as its platform reads it.
async fn notice_token(t: &TestApp, p: &Member, case: &str) -> String {
    let n = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200);
    assert_eq!(n["state"], "issued", "{n}");
    n["token"].as_str().unwrap().to_owned()
}

/// An authority of `member_state` designated for scrutiny (TCO art. 12(1)(b)), with a reporter.
async fn authority_of(t: &TestApp, member_state: &str) -> Member {
    let body = json!({ "name": format!("Competent authority {member_state}"), "kind": "authority", "member_state": member_state, "competences": ["scrutiny"] });
    let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    t.person(&org, &["reporter"]).await
}

fn codes_of(r: &Res) -> (u16, String) {
    (r.status.as_u16(), r.code().to_owned())
}

/// A national legal instrument that orders holding, in force `days` days from now.
fn instrument(t: &TestApp, days: i64) -> Value {
    json!({
        "reference": "JI-2026-118",
        "issuing_body": "Juge d'instruction, tribunal judiciaire de Paris",
        "ends_at": t.now().plus(Duration::from_days(days)).to_rfc3339(),
    })
}

/// The scrutinising authority tells the issuer it intends to find an infringement (art. 4(5)).
async fn intend_infringement(t: &TestApp, host: &Member, scrutiny: &str) {
    let why = json!({ "reasons": "the material is journalism; the order infringes freedom of expression" });
    t.post(&format!("/api/v1/scrutinies/{scrutiny}/intention"), &host.token, why).await.expect(200);
}

#[tokio::test]
async fn legal_bases_are_versioned_data_and_terms_clauses_belong_to_their_platform() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let other = t.platform("other.example").await;
    let bases = t.get("/api/v1/legal-bases", &p.token).await.expect(200);
    assert!(bases["version"].as_u64().unwrap() >= 1);
    let list = bases["legal_bases"].as_array().unwrap();
    let types: Vec<_> = list.iter().filter_map(|b| b["tco_type"].as_str()).collect();
    assert_eq!(types, ["a", "b", "c", "d", "e"]);
    let fr = list.iter().find(|b| b["id"] == "fr.cp.421-2-5.apologie").unwrap();
    assert_eq!((fr["jurisdiction"].as_str(), fr["terrorist_content"].as_bool()), (Some("FR"), Some(true)));
    // The retired joint entry is still listed, for the decisions that cite it, with its successors.
    let joint = list.iter().find(|b| b["id"] == "fr.cp.421-2-5").unwrap();
    assert_eq!(joint["retired_in_version"], 3);
    assert_eq!(joint["superseded_by"], json!(["fr.cp.421-2-5.provocation", "fr.cp.421-2-5.apologie"]));
    assert!(
        list.iter()
            .filter(|b| b["tco_type"].is_string())
            .all(|b| b["offence_reference"].as_str().unwrap().contains("2017/541"))
    );

    // Clauses: registered by the platform, unique by code, cited by id or code, retired.
    let dup = t.post("/api/v1/terms-clauses", &p.token, json!({ "code": "4.2", "title": "again" })).await;
    assert_eq!(codes_of(&dup), (409, "duplicate_code".into()));
    let c = t
        .post("/api/v1/terms-clauses", &p.token, json!({ "code": "7.1", "title": "Dangerous organisations" }))
        .await
        .expect(201);
    let clause = c["id"].as_str().unwrap().to_owned();
    let forbidden =
        t.post("/api/v1/terms-clauses", &t.authority().await.token, json!({ "code": "1", "title": "x" })).await;
    assert_eq!(forbidden.status, 403);

    let (case, _) = reported(&t, &other, "https://other.example/v/1").await;
    let borrowed = t
        .post(
            &format!("/api/v1/cases/{case}/decision"),
            &other.token,
            json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": clause }),
        )
        .await;
    assert_eq!(borrowed.field_codes(), ["unknown_terms_clause"], "another platform's clause grounds nothing");

    let (case, _) = reported(&t, &p, "https://video.example/v/1").await;
    t.post(&format!("/api/v1/terms-clauses/{clause}/retire"), &p.token, json!({})).await.expect(200);
    let retired = t
        .post(
            &format!("/api/v1/cases/{case}/decision"),
            &p.token,
            json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": "7.1" }),
        )
        .await;
    assert_eq!(retired.field_codes(), ["unknown_terms_clause"], "a retired clause grounds no new decision");
    let listed = t.get("/api/v1/terms-clauses?retired=true", &p.token).await.expect(200);
    assert_eq!(listed["terms_clauses"].as_array().unwrap().len(), 2);

    // A national basis cannot carry an EU-wide scope; a restrictive decision needs a ground.
    let wide = json!({ "action": "disable", "explanation": "Calls for attacks.", "legal_basis": "fr.cp.421-2-5.apologie", "territorial_scope": ["EU"], "purpose": "none", "purpose_rationale": "apology of the attack" });
    let res = t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, wide).await;
    assert_eq!(res.field_codes(), ["scope_beyond_jurisdiction"]);
    let bare = t
        .post(
            &format!("/api/v1/cases/{case}/decision"),
            &p.token,
            json!({ "action": "remove", "explanation": "Calls for attacks." }),
        )
        .await;
    assert_eq!(bare.field_codes(), ["required"]);
    let d = decide(&t, &p, &case, removal()).await;
    assert_eq!(d["taxonomy_version"], bases["version"]);
}

/// The notice's walk: a notice, a removal, the uploader told with reasons and redress, a
/// complaint, a refused review by the first decider, a reversal by someone else, reinstatement.
#[tokio::test]
async fn a_notice_from_intake_to_redress() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let second = t.person(&p.org, &["moderator"]).await;
    let (case, code) = reported(&t, &p, "https://video.example/v/1").await;
    decide(&t, &p, &case, removal()).await;

    // The platform hears of the notice by webhook, with the link's token.
    let issued =
        eventually("uploader_notice.issued", || async { rx.of_type("uploader_notice.issued").into_iter().next() })
            .await;
    let token = notice_token(&t, &p, &case).await;
    assert_eq!(issued["data"]["token"], token.as_str());
    assert_eq!(issued["data"]["path"], format!("/api/v1/uploader-notices/{token}"));

    // The uploader reads it without an account: reasons, ground, redress, the complaint link.
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let body = &n["notice"];
    assert_eq!(n["route"], "platform_decision");
    assert_eq!(body["measure"]["action"], "remove");
    assert_eq!(body["ground"]["citation"], "Regulation (EU) 2021/784 art. 2(7)(a)");
    assert_eq!(body["statement_of_reasons"], "The video glorifies the attack and calls viewers to repeat it.");
    assert_eq!(body["detection"]["sources"], json!(["notice"]));
    assert_eq!(body["redress"]["internal_complaint"]["available"], true);
    assert_eq!(body["redress"]["internal_complaint"]["link"], format!("/api/v1/uploader-notices/{token}/complaint"));
    assert!(body["redress"]["internal_complaint"]["open_until"].is_string());
    assert!(n["token"].is_null(), "the holder is not sent its own secret back");
    let guessed =
        t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{}", "ab".repeat(32)), None, None).await;
    assert_eq!(guessed.status, 404);

    // The notifier sees the outcome with the tracking code.
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["outcome"], "remove");

    // The uploader complains; the answer is due within two weeks.
    let path = format!("/api/v1/uploader-notices/{token}/complaint");
    let c = t
        .send(reqwest::Method::POST, &path, None, Some(json!({ "text": "This is my documentary about the attack." })))
        .await
        .expect(201);
    let complaint = c["id"].as_str().unwrap().to_owned();
    assert_eq!(c["state"], "open");
    let again = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "again" }))).await;
    assert_eq!(codes_of(&again), (409, "complaint_open".into()));
    let open = t.get("/api/v1/complaints", &p.token).await.expect(200);
    assert_eq!(open["complaints"][0]["id"], complaint.as_str());
    let detail = t.get(&format!("/api/v1/complaints/{complaint}"), &second.token).await.expect(200);
    assert_eq!(detail["first_decision"]["action"], "remove");
    assert_eq!(detail["text"], "This is my documentary about the attack.");

    // The first decider may not review it.
    let review = json!({ "outcome": "reversed", "reasons": "documentary with critical commentary" });
    let own = t.post(&format!("/api/v1/complaints/{complaint}/review"), &p.token, review.clone()).await;
    assert_eq!(codes_of(&own), (409, "same_decider".into()));
    let r = t.post(&format!("/api/v1/complaints/{complaint}/review"), &second.token, review).await.expect(200);
    assert_eq!(r["complaint"]["state"], "reversed");
    let reviewed = t.events(Some("complaint.reviewed")).await;
    let data: Value = serde_json::from_str(reviewed[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!((data["outcome"].as_str(), data["received_at"].is_string()), (Some("reversed"), true), "{data}");

    // Reinstated: the platform is told, the uploader and the notifier see it.
    let back = eventually("content.reinstated", || async { rx.of_type("content.reinstated").into_iter().next() }).await;
    assert_eq!(back["data"]["cause"], "complaint");
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    assert_eq!(
        (n["notice"]["status"].as_str(), n["notice"]["complaints"][0]["state"].as_str()),
        (Some("reinstated"), Some("reversed"))
    );
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["state"], "reinstated");
    let gone = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "thanks" }))).await;
    assert_eq!(codes_of(&gone), (409, "nothing_to_contest".into()));
    assert_eq!(t.events(Some("content.reinstated")).await.len(), 1);
}

/// Complaints are answered within two weeks, and close six months after the uploader was
/// informed (DSA art. 20(1), (2)). (Before step 8 the six months ran from the notice's issue to the
/// platform, which the uploader may hear of later: the uploader now opens the notice first.)
#[tokio::test]
async fn complaints_are_due_in_two_weeks_and_close_six_months_after_the_uploader_was_informed() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (a, _) = reported(&t, &p, "https://video.example/v/1").await;
    let (b, _) = reported(&t, &p, "https://video.example/v/2").await;
    decide(&t, &p, &a, removal()).await;
    decide(&t, &p, &b, json!({ "action": "restrict", "restriction": "demoted", "terms_clause": "4.2", "explanation": "extremist symbols" }))
        .await;
    let ta = notice_token(&t, &p, &a).await;
    let tb = notice_token(&t, &p, &b).await;
    // The uploader of b reads the notice at once: informed now.
    t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{tb}"), None, None).await.expect(200);
    let c = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{ta}/complaint"),
            None,
            Some(json!({ "text": "satire" })),
        )
        .await
        .expect(201);
    t.advance(Duration::from_days(14));
    t.tick().await;
    assert!(t.events(Some("complaint.overdue")).await.is_empty(), "due at the end of the 14th day, not before");
    t.advance(Duration::from_secs(1));
    t.tick().await;
    let overdue = t.events(Some("complaint.overdue")).await;
    assert_eq!((overdue.len(), overdue[0]["subject"].as_str()), (1, c["id"].as_str()));
    assert_eq!(t.get("/api/v1/complaints", &p.token).await.expect(200)["complaints"][0]["overdue"], true);

    t.advance(Duration::from_days(184 - 14));
    let late = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{tb}/complaint"),
            None,
            Some(json!({ "text": "late" })),
        )
        .await;
    assert_eq!(codes_of(&late), (409, "complaint_window_closed".into()));
}

#[tokio::test]
async fn no_notice_goes_to_an_uploader_when_nothing_was_done() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (a, _) = reported(&t, &p, "https://video.example/v/1").await;
    let (b, _) = reported(&t, &p, "https://video.example/v/2").await;
    decide(&t, &p, &a, json!({ "action": "no_action", "explanation": "not terrorist content" })).await;
    decide(
        &t,
        &p,
        &b,
        json!({ "action": "exempt", "purpose": "research", "purpose_rationale": "an academic archive of propaganda" }),
    )
    .await;
    for case in [&a, &b] {
        assert_eq!(t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.status, 404);
    }
    assert!(t.events(Some("uploader_notice.issued")).await.is_empty());
    assert!(t.events(Some("uploader_notice.withheld")).await.is_empty());
    let exempt_without_purpose =
        t.post(&format!("/api/v1/cases/{a}/decision"), &p.token, json!({ "action": "exempt" })).await;
    assert_eq!(exempt_without_purpose.status, 409, "already decided");
}

/// The order's walk: an order under non-disclosure, complied with; the uploader's notice withheld
/// until the embargo (extended once) ends; then the order's redress, not the platform's: no
/// complaint, no reinstatement by the platform, cross-border scrutiny that finds an infringement,
/// and the content comes back.
#[tokio::test]
async fn an_order_from_intake_to_redress() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let issuer = t.authority().await; // FR
    let host = authority_of(&t, "IE").await; // where the platform is established
    let host_rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &host.token, json!({ "url": host_rx.url })).await.expect(201);

    let mut body = order_body(&p.org, &["https://video.example/v/9"]);
    body["non_disclosure"] = json!(true);
    let too_long = t.now().plus(Duration::from_days(43)).to_rfc3339();
    body["non_disclosure_until"] = json!(too_long);
    assert_eq!(t.post("/api/v1/orders", &issuer.token, body.clone()).await.field_codes(), ["embargo_too_long"]);
    body["non_disclosure_until"] = json!(t.now().plus(Duration::from_days(14)).to_rfc3339());
    let receipt = t.post("/api/v1/orders", &issuer.token, body).await.expect(201);
    let order = receipt["id"].as_str().unwrap().to_owned();
    let case = receipt["cases"][0]["case"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &case, removal()).await;

    // Withheld: the platform sees that a notice exists but not its link.
    let n = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200);
    assert_eq!((n["state"].as_str(), n["token"].is_null()), (Some("withheld"), true));
    assert_eq!(t.events(Some("uploader_notice.withheld")).await.len(), 1);
    assert!(rx.of_type("uploader_notice.issued").is_empty());

    // The issuer extends once, by at most six weeks.
    let until = t.now().plus(Duration::from_days(28)).to_rfc3339();
    let o = t
        .post(&format!("/api/v1/orders/{order}/embargo/extend"), &issuer.token, json!({ "until": until }))
        .await
        .expect(200);
    assert_eq!(o["non_disclosure_extended"], true);
    let twice = t
        .post(
            &format!("/api/v1/orders/{order}/embargo/extend"),
            &issuer.token,
            json!({ "until": t.now().plus(Duration::from_days(30)).to_rfc3339() }),
        )
        .await;
    assert_eq!(codes_of(&twice), (409, "embargo_already_extended".into()));
    let not_theirs = t.post(&format!("/api/v1/orders/{order}/embargo/lift"), &host.token, json!({})).await;
    assert_eq!(not_theirs.status, 404);

    // Lifted automatically at its end, with an event; the notice goes out.
    t.advance(Duration::from_days(28));
    t.tick().await;
    let lifted = t.events(Some("embargo.lifted")).await;
    assert_eq!(lifted.len(), 1);
    assert!(lifted[0]["data"].as_str().unwrap().contains("\"automatic\":true"));
    let token = notice_token(&t, &p, &case).await;
    eventually("uploader_notice.issued", || async { rx.of_type("uploader_notice.issued").into_iter().next() }).await;

    // The notice points to the order's redress.
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    assert_eq!(n["route"], "removal_order");
    let redress = &n["notice"]["redress"];
    assert_eq!(redress["internal_complaint"]["available"], false);
    let o = &redress["removal_orders"][0];
    assert_eq!(o["challenge"]["court_or_body"], "Tribunal administratif de Paris");
    // This used to read 48 days: LCEN art. 6-1-5 gives 48 hours.
    assert_eq!(o["challenge"]["deadline_hours"], 48);
    assert_eq!(
        (o["cross_border_scrutiny"]["available"].as_bool(), o["cross_border_scrutiny"]["member_state"].as_str()),
        (Some(true), Some("IE"))
    );
    assert_eq!(o["cross_border_scrutiny"]["link"], format!("/api/v1/uploader-notices/{token}/scrutiny"));
    assert_eq!(n["notice"]["detection"]["government_flag"], true);

    // Neither the platform's complaint handling nor the platform itself brings it back.
    let c = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token}/complaint"),
            None,
            Some(json!({ "text": "my video" })),
        )
        .await;
    assert_eq!(codes_of(&c), (409, "removal_order_redress".into()));
    let r = t.post(&format!("/api/v1/cases/{case}/reinstatement"), &p.token, json!({ "reasons": "we disagree" })).await;
    assert_eq!(codes_of(&r), (409, "order_in_force".into()));

    // The uploader asks for scrutiny within 48 hours of the notice; the host authority decides.
    t.advance(Duration::from_hours(47));
    let s = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token}/scrutiny"),
            None,
            Some(json!({ "text": "The video documents a war crime." })),
        )
        .await
        .expect(201);
    let scrutiny = s["id"].as_str().unwrap().to_owned();
    assert_eq!((s["trigger"].as_str(), s["authority"].as_str()), (Some("uploader"), Some(host.org.as_str())));
    eventually("scrutiny.requested", || async { host_rx.of_type("scrutiny.requested").into_iter().next() }).await;
    let listed = t.get("/api/v1/scrutinies", &host.token).await.expect(200);
    assert_eq!(listed["scrutinies"][0]["id"], scrutiny.as_str());
    let wrong = t
        .post(
            &format!("/api/v1/scrutinies/{scrutiny}/decision"),
            &issuer.token,
            json!({ "outcome": "no_infringement", "reasons": "mine" }),
        )
        .await;
    assert_eq!(wrong.status, 404, "only the scrutinising authority decides");
    // The issuer is told first (TCO art. 4(5); this step did not exist before).
    intend_infringement(&t, &host, &scrutiny).await;
    t.post(
        &format!("/api/v1/scrutinies/{scrutiny}/decision"),
        &host.token,
        json!({ "outcome": "infringement", "reasons": "manifestly journalistic; the order infringes freedom of expression" }),
    )
    .await
    .expect(200);

    // The order ends; the content is reinstated; everyone is told.
    let o = t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200);
    assert!(o["ended_at"].is_string());
    assert_eq!(o["ended_by"]["cause"], "scrutiny_infringement");
    eventually("content.reinstated", || async { rx.of_type("content.reinstated").into_iter().next() }).await;
    let ended = eventually("order.ended", || async { rx.of_type("order.ended").into_iter().next() }).await;
    // Version 2 of the message is flat: the cause is a word beside what it records.
    assert_eq!((ended["version"].as_u64(), ended["data"]["cause"].as_str()), (Some(2), Some("scrutiny_infringement")));
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    assert_eq!(
        (n["notice"]["status"].as_str(), n["notice"]["scrutinies"][0]["state"].as_str()),
        (Some("reinstated"), Some("infringement"))
    );
    for kind in ["scrutiny.requested", "scrutiny.decided", "order.ended", "content.reinstated"] {
        assert_eq!(t.events(Some(kind)).await.len(), 1, "{kind}");
    }
}

#[tokio::test]
async fn scrutiny_has_a_48_hour_request_window_and_a_72_hour_decision_clock() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let host = authority_of(&t, "IE").await;
    let first =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let second =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/2"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200); // receipt of both
    let (o1, o2) = (first["id"].as_str().unwrap(), second["id"].as_str().unwrap());

    t.advance(Duration::from_hours(48));
    let s = t
        .post(&format!("/api/v1/orders/{o1}/scrutiny"), &p.token, json!({ "text": "insufficient reasons" }))
        .await
        .expect(201);
    assert_eq!(s["trigger"], "platform");
    let pending = t.post(&format!("/api/v1/orders/{o1}/scrutiny"), &p.token, json!({ "text": "again" })).await;
    assert_eq!(codes_of(&pending), (409, "scrutiny_pending".into()));
    t.advance(Duration::from_secs(1));
    let late = t.post(&format!("/api/v1/orders/{o2}/scrutiny"), &p.token, json!({ "text": "too late" })).await;
    assert_eq!(codes_of(&late), (409, "scrutiny_window_closed".into()));

    t.advance(Duration::from_secs(72 * 3600 - 1));
    t.tick().await;
    assert!(t.events(Some("scrutiny.overdue")).await.is_empty(), "due at the end of the 72nd hour");
    t.advance(Duration::from_secs(1));
    t.tick().await;
    assert_eq!(t.events(Some("scrutiny.overdue")).await.len(), 1);
    let id = s["id"].as_str().unwrap();
    assert_eq!(t.get(&format!("/api/v1/scrutinies/{id}"), &host.token).await.expect(200)["overdue"], true);
    t.post(
        &format!("/api/v1/scrutinies/{id}/decision"),
        &host.token,
        json!({ "outcome": "no_infringement", "reasons": "the order is sound" }),
    )
    .await
    .expect(200);
    assert!(t.get(&format!("/api/v1/orders/{o1}"), &issuer.token).await.expect(200)["ended_at"].is_null());

    // An order to a platform established in the issuer's own state is challenged in its courts.
    let body = json!({ "name": "Plateforme locale", "kind": "platform", "main_establishment": "FR", "contact_point": { "email": "tco@local.example" } });
    let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let local = t.person(&org, &["moderator", "integrator"]).await;
    t.post("/api/v1/hosts", &local.token, json!({ "host": "local.example" })).await.expect(201);
    t.post("/api/v1/hosts/local.example/approve", ADMIN, json!({})).await.expect(200);
    let o = t
        .post("/api/v1/orders", &issuer.token, order_body(&local.org, &["https://local.example/v/1"]))
        .await
        .expect(201);
    let res = t
        .post(&format!("/api/v1/orders/{}/scrutiny", o["id"].as_str().unwrap()), &local.token, json!({ "text": "x" }))
        .await;
    assert_eq!(codes_of(&res), (409, "not_cross_border".into()));
}

#[tokio::test]
async fn an_annulment_ends_the_order_and_reinstates_the_content() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let (order, case) = (receipt["id"].as_str().unwrap(), receipt["cases"][0]["case"].as_str().unwrap());
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, case, removal()).await;
    let token = notice_token(&t, &p, case).await;
    let incomplete = t
        .post(
            &format!("/api/v1/orders/{order}/annulment"),
            &issuer.token,
            json!({ "court": "Tribunal administratif de Paris" }),
        )
        .await;
    // The ruling's reference and date are both required now (the date was optional).
    assert_eq!(incomplete.field_codes(), ["required", "required"]);
    let annul =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-1234", "decided_on": "2026-12-01" });
    t.post(&format!("/api/v1/orders/{order}/annulment"), &issuer.token, annul.clone()).await.expect(200);
    let twice = t.post(&format!("/api/v1/orders/{order}/annulment"), &issuer.token, annul).await;
    assert_eq!(codes_of(&twice), (409, "order_ended".into()));
    // The uploader's link still works, but there is no order left to scrutinise, and the
    // answer says so (it used to call the decision a complaint's).
    let late = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token}/scrutiny"),
            None,
            Some(json!({ "text": "x" })),
        )
        .await;
    assert_eq!(codes_of(&late), (409, "order_ended".into()));
    // A decision on a notice was never an order's.
    let (case2, _) = reported(&t, &p, "https://video.example/v/3").await;
    decide(&t, &p, &case2, removal()).await;
    let token2 = notice_token(&t, &p, &case2).await;
    let res = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token2}/scrutiny"),
            None,
            Some(json!({ "text": "x" })),
        )
        .await;
    assert_eq!(codes_of(&res), (409, "not_an_order".into()));
    assert!(res.body["detail"].as_str().unwrap().contains("complaint"));
    let d = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert!(d["decision"]["reversed_at"].is_string(), "{d}");
    let reinstated = t.events(Some("content.reinstated")).await;
    assert!(reinstated[0]["data"].as_str().unwrap().contains("annulment"));

    // An order annulled before it was executed stops its clock: no escalation, never overdue.
    let pending =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/2"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let annul =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-1235", "decided_on": "2026-12-02" });
    t.post(&format!("/api/v1/orders/{}/annulment", pending["id"].as_str().unwrap()), &issuer.token, annul)
        .await
        .expect(200);
    t.advance(Duration::from_hours(2));
    t.tick().await;
    assert!(t.events(Some("order.overdue")).await.is_empty());
    assert!(t.events(Some("order.escalated")).await.is_empty());
}

/// A notifier contests a decision to take no action; the reviewer replaces it.
#[tokio::test]
async fn a_notifier_complains_against_no_action() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let (case, code) = reported(&t, &p, "https://video.example/v/1").await;
    let path = format!("/api/v1/notices/track/{code}/complaint");
    let early = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "nothing happened" }))).await;
    assert_eq!(codes_of(&early), (409, "not_decided".into()));
    decide(&t, &p, &case, json!({ "action": "no_action", "explanation": "looks like news" })).await;
    let c = t
        .send(reqwest::Method::POST, &path, None, Some(json!({ "text": "It is not news: it is a call to attack." })))
        .await
        .expect(201);
    assert_eq!(c["complainant"], "notifier");
    let id = c["id"].as_str().unwrap();

    let review = json!({ "outcome": "reversed", "reasons": "the video calls for attacks" });
    let missing = t.post(&format!("/api/v1/complaints/{id}/review"), &second.token, review).await;
    assert_eq!(missing.field_codes(), ["required"], "a reversal of no action says what replaces it");
    let review = json!({ "outcome": "reversed", "reasons": "the video calls for attacks", "decision": removal() });
    let r = t.post(&format!("/api/v1/complaints/{id}/review"), &second.token, review).await.expect(200);
    assert!(r["complaint"]["new_decision"].is_string());
    let d = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(
        (d["decision"]["action"].as_str(), d["decision"]["decided_by"].as_str()),
        (Some("remove"), Some(second.user.as_str()))
    );
    // The new removal owes the uploader a notice; the notifier sees the outcome and the complaint.
    notice_token(&t, &p, &case).await;
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["outcome"], "remove");
    assert_eq!(tracked["locations"][0]["complaints"][0]["state"], "reversed");
    // The notifier may contest the new decision too (DSA art. 20(1): any decision on the notice;
    // before step 8 this was refused as `notifier_against_no_action_only`).
    t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "the account should go too" }))).await.expect(201);
}

/// DSA art. 20(1) and recital 58: a notifier contests a measure it finds inadequate (a label, a
/// demotion, a disabling in one state), not only no action; a reversal replaces the measure with
/// the reviewer's, and the uploader's notice about the first one says it was replaced.
#[tokio::test]
async fn a_notifier_contests_an_inadequate_measure_dsa_20_1() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let (case, code) = reported(&t, &p, "https://video.example/v/1").await;
    let label =
        json!({ "action": "label", "terms_clause": "4.2", "explanation": "Graphic, but kept up with a warning." });
    decide(&t, &p, &case, label).await;
    let first = notice_token(&t, &p, &case).await;
    let path = format!("/api/v1/notices/track/{code}/complaint");
    let c = t
        .send(
            reqwest::Method::POST,
            &path,
            None,
            Some(json!({ "text": "A label is not enough: it calls for attacks." })),
        )
        .await
        .expect(201);
    let id = c["id"].as_str().unwrap();
    let review = json!({ "outcome": "reversed", "reasons": "it calls for attacks", "decision": removal() });
    t.post(&format!("/api/v1/complaints/{id}/review"), &second.token, review).await.expect(200);
    let d = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(d["decision"]["action"], "remove");
    let old = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{first}"), None, None).await.expect(200);
    assert_eq!(old["notice"]["status"], "replaced", "{old}");
    assert_eq!(old["notice"]["replaced_by"], d["decision"]["id"]);
    assert!(old["notice"]["reinstated_at"].is_null(), "a replaced measure was not lifted");
    assert!(t.events(Some("content.reinstated")).await.is_empty());
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["outcome"], "remove");
}

/// TCO art. 4(7): once an order stops having effect the platform may still act on its own terms;
/// such a decision is the platform's own, and its uploader keeps the internal complaint (DSA art.
/// 20), although the case once had an order. (Before step 8 any order on a case ever closed the
/// complaint for good.)
#[tokio::test]
async fn a_case_that_had_an_order_keeps_the_complaint_for_later_terms_decisions_tco_4_7() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let issuer = t.authority().await;
    let o =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let (order, case) = (o["id"].as_str().unwrap().to_owned(), o["cases"][0]["case"].as_str().unwrap().to_owned());
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &case, removal()).await;
    let under_order = notice_token(&t, &p, &case).await;
    let refused = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{under_order}/complaint"),
            None,
            Some(json!({ "text": "x" })),
        )
        .await;
    assert_eq!(codes_of(&refused), (409, "removal_order_redress".into()), "the order's redress, while under it");
    let annul =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-77", "decided_on": "2026-11-25" });
    t.post(&format!("/api/v1/orders/{order}/annulment"), &issuer.token, annul).await.expect(200);

    // The content is back; the platform now removes it under its own terms.
    let terms =
        json!({ "action": "remove", "terms_clause": "4.2", "explanation": "Breaks our rule on violent extremism." });
    decide(&t, &p, &case, terms).await;
    let own = notice_token(&t, &p, &case).await;
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{own}"), None, None).await.expect(200);
    assert_eq!(n["route"], "platform_decision");
    assert_eq!(n["notice"]["redress"]["internal_complaint"]["available"], true);
    let c = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{own}/complaint"),
            None,
            Some(json!({ "text": "my rules reading differs" })),
        )
        .await
        .expect(201);
    let review = json!({ "outcome": "reversed", "reasons": "the clause does not reach satire" });
    t.post(&format!("/api/v1/complaints/{}/review", c["id"].as_str().unwrap()), &second.token, review)
        .await
        .expect(200);
    assert_eq!(t.events(Some("content.reinstated")).await.len(), 2, "by the annulment, then by the complaint");
}

/// While an order is in force, the platform's own earlier decision may be complained about, but a
/// reversal cannot bring back what the order keeps removed.
#[tokio::test]
async fn a_complaint_cannot_reinstate_what_an_order_in_force_keeps_removed() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let issuer = t.authority().await;
    let (case, _) = reported(&t, &p, "https://video.example/v/1").await;
    decide(&t, &p, &case, removal()).await;
    let token = notice_token(&t, &p, &case).await;
    // The order comes after the removal: complied with at once.
    t.advance(Duration::from_mins(5));
    t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let c = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token}/complaint"),
            None,
            Some(json!({ "text": "news" })),
        )
        .await
        .expect(201);
    let review = json!({ "outcome": "reversed", "reasons": "news report" });
    let r = t.post(&format!("/api/v1/complaints/{}/review", c["id"].as_str().unwrap()), &second.token, review).await;
    assert_eq!(codes_of(&r), (409, "order_in_force".into()));
}

/// DSA art. 20(2): the six months run from the day the complainant was informed: the uploader
/// when the notice is first opened, a notifier when the outcome is told (here, when the
/// authority's non-disclosure ends), not from the decision. (Before step 8 both ran from the
/// decision or the notice's issue to the platform.)
#[tokio::test]
async fn complaint_windows_run_from_when_the_complainant_was_informed_dsa_20_2() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;

    // An uploader who hears of the notice 200 days after it was issued still has six months.
    let (a, _) = reported(&t, &p, "https://video.example/v/1").await;
    decide(&t, &p, &a, removal()).await;
    let token = notice_token(&t, &p, &a).await;
    t.advance(Duration::from_days(200));
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let open_until = t.now().plus(Duration::from_days(184));
    assert_eq!(n["notice"]["redress"]["internal_complaint"]["open_until"], json!(open_until));
    t.advance(Duration::from_days(180));
    t.send(
        reqwest::Method::POST,
        &format!("/api/v1/uploader-notices/{token}/complaint"),
        None,
        Some(json!({ "text": "late but in time" })),
    )
    .await
    .expect(201);

    // A notifier told only when a non-disclosure ends has six months from then.
    let (b, code) = reported(&t, &p, "https://video.example/v/2").await;
    let mut secret = order_body(&p.org, &["https://video.example/v/2"]);
    secret["non_disclosure"] = json!(true);
    secret["non_disclosure_until"] = json!(t.now().plus(Duration::from_days(42)).to_rfc3339());
    t.post("/api/v1/orders", &issuer.token, secret).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let mut on_terms =
        json!({ "action": "remove", "terms_clause": "4.2", "explanation": "Breaks our rule on violent extremism." });
    on_terms["purpose"] = json!("none");
    on_terms["purpose_rationale"] = json!("no protected purpose");
    decide(&t, &p, &b, on_terms).await;
    t.advance(Duration::from_days(42));
    t.tick().await;
    t.advance(Duration::from_days(150));
    let path = format!("/api/v1/notices/track/{code}/complaint");
    let c = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "the uploader's account too" }))).await;
    assert_eq!(c.status.as_u16(), 201, "192 days after the decision, 150 after being told: {}", c.body);
}

/// One time, one meaning: when the content provider was informed is the time the platform
/// recorded (it passed the notice on) or the link's first use, whichever came first, and the DSA
/// art. 20(2) six months run from it exactly as TCO art. 4(4)'s 48 hours do. (Step 8's two halves
/// each added an `informed_at`: the DSA half's was the first opening alone, so an uploader the
/// platform had told earlier would have got a later window than the law gives.)
#[tokio::test]
async fn the_complaint_window_runs_from_when_the_platform_informed_the_uploader_dsa_20_2_tco_4_4() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (a, _) = reported(&t, &p, "https://video.example/v/1").await;
    decide(&t, &p, &a, removal()).await;
    let token = notice_token(&t, &p, &a).await;
    let told = t.now().plus(Duration::from_hours(1));
    t.advance(Duration::from_days(10));
    let path = format!("/api/v1/cases/{a}/uploader-notice/informed");
    let recorded = t.post(&path, &p.token, json!({ "at": told.to_rfc3339() })).await.expect(200);
    assert_eq!(recorded["notice"]["informed_at"], json!(told));
    // The uploader opens the link only now: the earlier time stands.
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let open_until = told.plus(Duration::from_days(184));
    assert_eq!(n["notice"]["informed_at"], json!(told));
    assert_eq!(n["notice"]["redress"]["internal_complaint"]["open_until"], json!(open_until));
    assert_eq!(t.events(Some("uploader_notice.informed")).await.len(), 1, "recorded once");
    t.advance(Duration::from_days(175));
    let late = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{token}/complaint"),
            None,
            Some(json!({ "text": "within six months of opening, not of being told" })),
        )
        .await;
    assert_eq!(codes_of(&late), (409, "complaint_window_closed".into()));
}

/// A blind watch-list holds a matching new case: the platform hears nothing, the notifier sees
/// "under review", the authority is told, overseers count it; the hold expires by itself. The list
/// carries a national legal instrument, which alone may hold a DSA notice (this test held one on
/// the list's say-so before).
#[tokio::test]
async fn a_watch_list_holds_new_cases_without_leaking() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let prx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": prx.url })).await.expect(201);
    let police = t.authority().await;
    let arx = Receiver::start().await;
    t.post("/api/v1/webhooks", &police.token, json!({ "url": arx.url })).await.expect(201);
    let ends = t.now().plus(Duration::from_days(90)).to_rfc3339();
    let w = t
        .post("/api/v1/watchlists", &police.token, json!({ "name": "Operation Lantern", "legal_basis_ref": "CPP art. 706-16, file 2026/118", "ends_at": ends, "hold_hours": 48, "instrument": instrument(&t, 60) }))
        .await
        .expect(201);
    let list = w["id"].as_str().unwrap().to_owned();
    // Written differently from the reports to come: canonicalisation makes them match.
    let entries = json!({ "entries": [{ "url": "HTTPS://VIDEO.EXAMPLE/v/watched?utm_source=x" }] });
    let added = t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, entries).await.expect(200);
    assert_eq!((added["added"].as_u64(), added["entries"].as_i64()), (Some(1), Some(1)));
    let lists = t.get("/api/v1/watchlists", &police.token).await.expect(200);
    assert!(!serde_json::to_string(&lists).unwrap().contains("watched"), "entries are never shown back");
    assert!(!t.data_contains(b"video.example/v/watched"), "nor stored readable");
    assert_eq!(t.get("/api/v1/watchlists", &p.token).await.status, 403);

    let receipt = t.notice("https://video.example/v/watched").await;
    let case = case_of(&t, &receipt).await;
    let code = receipt["tracking_code"].as_str().unwrap();
    t.notice("https://video.example/v/other").await;

    // The authority is told; the platform's inbox and webhooks show only the other case.
    let told = eventually("watchlist.matched", || async { arx.of_type("watchlist.matched").into_iter().next() }).await;
    assert_eq!((told["data"]["case"].as_str(), told["data"]["held"].as_bool()), (Some(case.as_str()), Some(true)));
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let ids: Vec<_> = inbox["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
    assert!(!ids.contains(&case) && ids.len() == 1, "{ids:?}");
    eventually("the other case's delivery", || async { prx.of_type("case.opened").into_iter().next() }).await;
    let pushed = prx.hits();
    assert!(pushed.iter().all(|h| !h.body.contains(&case) && !h.body.contains(&list)), "nothing about the held case");
    assert_eq!(t.get(&format!("/api/v1/cases/{case}"), &p.token).await.status, 404, "nor does the case itself");
    let decide_held = t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal()).await;
    assert_eq!(codes_of(&decide_held), (409, "case_held".into()));
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0], json!({ "state": "under_review", "outcome": null, "complaints": [] }));

    // Overseers see and count holds; platforms do not.
    let overseer = t.member("overseer", "Arcom", &["viewer"]).await;
    let holds = t.get("/api/v1/holds", &overseer.token).await.expect(200);
    assert_eq!((holds["active"].as_u64(), holds["holds"][0]["case"].as_str()), (Some(1), Some(case.as_str())));
    assert_eq!(t.get("/api/v1/holds", &p.token).await.status, 403);

    // 48 hours later it ends by itself and the case reaches the platform.
    t.advance(Duration::from_hours(48));
    t.tick().await;
    let ended = t.events(Some("hold.ended")).await;
    assert!(ended[0]["data"].as_str().unwrap().contains("\"reason\":\"expired\""));
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert!(inbox["cases"].as_array().unwrap().iter().any(|c| c["id"] == case.as_str()));
    assert_eq!(t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200)["id"], case.as_str());
    let holds = t.get("/api/v1/holds", &police.token).await.expect(200);
    assert_eq!((holds["active"].as_u64(), holds["expired"].as_u64()), (Some(0), Some(1)));
}

#[tokio::test]
async fn holds_never_apply_to_orders_or_threats_to_life() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let police = t.authority().await;
    let arx = Receiver::start().await;
    t.post("/api/v1/webhooks", &police.token, json!({ "url": arx.url })).await.expect(201);
    let ends = t.now().plus(Duration::from_days(30)).to_rfc3339();
    let w = t
        .post(
            "/api/v1/watchlists",
            &police.token,
            json!({ "name": "Op", "legal_basis_ref": "file 7", "ends_at": ends }),
        )
        .await
        .expect(201);
    let list = w["id"].as_str().unwrap().to_owned();
    let urls = ["https://video.example/v/order", "https://video.example/v/threat", "https://video.example/v/later"];
    let entries: Vec<Value> = urls.iter().map(|u| json!({ "url": u })).collect();
    t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, json!({ "entries": entries }))
        .await
        .expect(200);

    // An order on a watched URL is delivered, not held; the authority hears why.
    let order = t.post("/api/v1/orders", &police.token, order_body(&p.org, &[urls[0]])).await.expect(201);
    let order_case = order["cases"][0]["case"].as_str().unwrap().to_owned();
    let told = eventually("watchlist.matched", || async { arx.of_type("watchlist.matched").into_iter().next() }).await;
    assert_eq!(
        (told["data"]["held"].as_bool(), told["data"]["not_held"].as_str()),
        (Some(false), Some("hold_on_order"))
    );
    let asked = t.post("/api/v1/holds", &police.token, json!({ "case": order_case, "watchlist": list })).await;
    assert_eq!(codes_of(&asked), (409, "hold_on_order".into()));
    let matched = t.events(Some("watchlist.matched")).await;
    assert!(
        matched[0]["data"].as_str().unwrap().contains("hold_on_order"),
        "overseers see the match that was not held"
    );

    // Nor a threat to life.
    let mut threat = notice_body(urls[1]);
    threat["threat_to_life"] = json!(true);
    let r = t.post_anonymous("/api/v1/notices", threat).await.expect(201);
    let threat_case = case_of(&t, &r).await;
    let asked = t.post("/api/v1/holds", &police.token, json!({ "case": threat_case, "watchlist": list })).await;
    assert_eq!(codes_of(&asked), (409, "hold_on_threat_to_life".into()));
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 2);

    // A held case that then receives an order loses its hold at once. (Held on another
    // authority's referral: a public notice, which this test used, is no longer held.)
    let other_unit = t.authority().await;
    let referral = json!({ "explanation": "recruitment", "locations": [{ "url": urls[2] }] });
    let r = t.post("/api/v1/referrals", &other_unit.token, referral).await.expect(201);
    let held = r["cases"][0]["case"].as_str().unwrap().to_owned();
    assert_eq!(t.get("/api/v1/holds", &police.token).await.expect(200)["active"], 1);
    t.post("/api/v1/orders", &police.token, order_body(&p.org, &[urls[2]])).await.expect(201);
    let holds = t.get("/api/v1/holds", &police.token).await.expect(200);
    assert_eq!((holds["active"].as_u64(), holds["overridden"].as_u64()), (Some(0), Some(1)));
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert!(inbox["cases"].as_array().unwrap().iter().any(|c| c["id"] == held.as_str()));
    // An authority cannot hold a case its lists do not match.
    let (other, _) = reported(&t, &p, "https://video.example/v/unwatched").await;
    let asked = t.post("/api/v1/holds", &police.token, json!({ "case": other, "watchlist": list })).await;
    assert_eq!(asked.status, 404);
}

#[tokio::test]
async fn a_threat_to_life_escalates_until_someone_acknowledges_it() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let police = t.authority().await;
    let arx = Receiver::start().await;
    t.post("/api/v1/webhooks", &police.token, json!({ "url": arx.url })).await.expect(201);
    let mut body = notice_body("https://video.example/live/1");
    body["threat_to_life"] = json!(true);
    let case = case_of(&t, &t.post_anonymous("/api/v1/notices", body).await.expect(201)).await;
    let escalations = || async { t.events(Some("threat_to_life.escalated")).await.len() };
    let at_intake = escalations().await;

    t.advance(Duration::from_mins(14));
    t.tick().await;
    assert_eq!(escalations().await, at_intake);
    t.advance(Duration::from_mins(1));
    t.tick().await;
    assert_eq!(escalations().await, at_intake + 1);
    t.advance(Duration::from_mins(15));
    t.tick().await;
    assert_eq!(escalations().await, at_intake + 2);
    let threat = t.get(&format!("/api/v1/cases/{case}/threat-to-life"), &p.token).await.expect(200);
    assert_eq!(threat["level"], 2);

    let ack = t.post(&format!("/api/v1/cases/{case}/threat-to-life/ack"), &p.token, json!({})).await;
    assert_eq!(codes_of(&ack), (409, "referral_required".into()));
    let bad = t
        .post(&format!("/api/v1/cases/{case}/law-enforcement-referrals"), &p.token, json!({ "basis": "tco_14_5" }))
        .await;
    // TCO art. 14(5): with no member state named, both the contact point and Europol are asked
    // for (this used to ask for member states or Europol only).
    assert_eq!(
        bad.field_codes(),
        ["required", "required", "required"],
        "member states, or the contact point and Europol"
    );
    let referral = json!({ "basis": "tco_14_5", "member_states": ["fr"], "europol": true, "authority": police.org, "note": "live stream announcing an attack" });
    let r = t.post(&format!("/api/v1/cases/{case}/law-enforcement-referrals"), &p.token, referral).await.expect(201);
    assert_eq!((r["member_states"].clone(), r["europol"].as_bool()), (json!(["FR"]), Some(true)));
    assert!(r["sent_at"].is_string());
    let got =
        eventually("law_enforcement.referral", || async { arx.of_type("law_enforcement.referral").into_iter().next() })
            .await;
    assert_eq!(got["data"]["case"]["url"], "https://video.example/live/1");
    let acked = t.post(&format!("/api/v1/cases/{case}/threat-to-life/ack"), &p.token, json!({})).await.expect(200);
    assert!(acked["acknowledged_at"].is_string());
    t.advance(Duration::from_hours(2));
    t.tick().await;
    assert_eq!(escalations().await, at_intake + 2, "no escalation after acknowledgement");
    let other = t.platform("other.example").await;
    assert_eq!(t.get(&format!("/api/v1/cases/{case}/threat-to-life"), &other.token).await.status, 404);
}

/// DSA art. 23(2), (3): each platform counts the notices it found manifestly unfounded, warns,
/// then suspends the processing of a notifier's notices **on its own service** for a set time;
/// another platform is not concerned. (Before step 8 the hub's administrator counted across every
/// platform and suspended a notifier for all of them.)
#[tokio::test]
async fn each_platform_suspends_a_notifier_on_its_own_service_dsa_23_2() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let q = t.platform("other.example").await;
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    let mut cases = Vec::new();
    for i in 0..3 {
        let r = t
            .post("/api/v1/notices", &flagger.token, notice_body(&format!("https://video.example/f/{i}")))
            .await
            .expect(201);
        cases.push(r["cases"][0]["case"].as_str().unwrap().to_owned());
    }
    t.post("/api/v1/notices", &flagger.token, notice_body("https://other.example/f/1")).await.expect(201);
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"][0]["tier"], "trusted_flagger");
    let unfounded = json!({ "action": "no_action", "manifestly_unfounded": true, "explanation": "a cooking video" });
    decide(&t, &p, &cases[0], unfounded.clone()).await;
    decide(&t, &p, &cases[1], unfounded).await;
    let key = format!("org:{}", flagger.org);
    let list = t.get("/api/v1/notifiers", &p.token).await.expect(200);
    let n = &list["notifiers"][0];
    assert_eq!(
        (n["key"].as_str(), n["notices"].as_u64(), n["unfounded"].as_u64()),
        (Some(key.as_str()), Some(3), Some(2)),
        "the notices about this platform's content, not the other's"
    );
    assert!(t.get("/api/v1/notifiers", &q.token).await.expect(200)["notifiers"].as_array().unwrap().is_empty());
    assert_eq!(t.get("/api/v1/notifiers", ADMIN).await.status, 403, "the hub does not decide this");
    let admin_warns = t.post(&format!("/api/v1/notifiers/{key}/warning"), ADMIN, json!({ "reason": "x" })).await;
    assert_eq!(admin_warns.status, 403);

    let until = t.now().plus(Duration::from_days(30)).to_rfc3339();
    let suspend = json!({ "reason": "repeated unfounded notices", "until": until });
    let early = t.post(&format!("/api/v1/notifiers/{key}/suspension"), &p.token, suspend.clone()).await;
    assert_eq!(codes_of(&early), (409, "warning_required".into()));
    let nothing = t.post(&format!("/api/v1/notifiers/{key}/warning"), &q.token, json!({ "reason": "x" })).await;
    assert_eq!(codes_of(&nothing), (409, "nothing_unfounded".into()), "the other platform found nothing unfounded");
    t.post(
        &format!("/api/v1/notifiers/{key}/warning"),
        &p.token,
        json!({ "reason": "two manifestly unfounded notices" }),
    )
    .await
    .expect(200);
    let s = t.post(&format!("/api/v1/notifiers/{key}/suspension"), &p.token, suspend).await.expect(200);
    assert!(s["suspended_until"].is_string());
    let refused = t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/f/9")).await;
    assert_eq!(codes_of(&refused), (409, "notifier_suspended".into()));
    assert!(refused.body["detail"].as_str().unwrap().contains("locations[0]"));
    // Its notices about the other platform's content are still processed.
    t.post("/api/v1/notices", &flagger.token, notice_body("https://other.example/f/2")).await.expect(201);
    t.advance(Duration::from_days(31));
    t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/f/10")).await.expect(201);
    // The event names the platform and seals the notifier.
    let e = t.events(Some("notifier.suspended")).await;
    let data = data_of(&e[0]);
    assert_eq!(data["platform"], p.org.as_str());
    assert!(data["notifier"]["sealed"].is_string() && !e[0]["data"].as_str().unwrap().contains(&flagger.org));

    // Members of the public who leave an address are counted under a pseudonym.
    let mut anon = notice_body("https://video.example/a/1");
    anon["notifier_email"] = json!("Someone@Example.org");
    let r = t.post_anonymous("/api/v1/notices", anon).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &case_of(&t, &r).await, json!({ "action": "no_action", "manifestly_unfounded": true })).await;
    let list = t.get("/api/v1/notifiers", &p.token).await.expect(200);
    let keys: Vec<_> =
        list["notifiers"].as_array().unwrap().iter().map(|n| n["key"].as_str().unwrap().to_owned()).collect();
    assert!(keys.iter().any(|k| k.starts_with("email") && !k.contains("example")), "{keys:?}");
}

/// The tier of the case a notice opened, as its platform sees it.
async fn tier_of(t: &TestApp, p: &Member, receipt: &Value) -> String {
    let case = receipt["cases"][0]["case"].as_str().unwrap();
    t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200)["tier"].as_str().unwrap().to_owned()
}

async fn put_json(t: &TestApp, path: &str, token: &str, body: Value) -> Res {
    t.send(reqwest::Method::PUT, path, Some(token), Some(body)).await
}

/// DSA art. 22(1), (2), (6), (7): trusted-flagger status is the Digital Services Coordinator's.
/// Vigie records its award (reference, areas of expertise) and later decisions, and follows them:
/// priority only with an award that stands, within its areas. (Before step 8 the hub's
/// administrator awarded, suspended and revoked the status itself, and any trusted-flagger
/// organisation had priority.)
#[tokio::test]
async fn trusted_flagger_priority_follows_the_coordinators_award_dsa_22() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let body = json!({ "name": "Unrecognised NGO", "kind": "trusted_flagger", "member_state": "FR" });
    let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let ngo = t.person(&org, &["reporter"]).await;
    let notice = |i: u32| notice_body(&format!("https://video.example/t/{i}"));
    let r = t.post("/api/v1/notices", &ngo.token, notice(1)).await.expect(201);
    assert_eq!(tier_of(&t, &p, &r).await, "public", "no award, no priority");

    let award_path = format!("/api/v1/orgs/{org}/trusted-flagger-award");
    let status_path = format!("/api/v1/orgs/{org}/trusted-flagger-status");
    let suspend = json!({ "status": "suspended", "reference": "ARCOM-2026-44", "decided_on": "2026-03-01",
                          "reason": "investigating imprecise notices (DSA art. 22(6))" });
    assert_eq!(codes_of(&put_json(&t, &status_path, ADMIN, suspend.clone()).await), (409, "no_award".into()));
    // Outside its areas: recorded, but no priority for terrorist content.
    let elsewhere = json!({ "coordinator": "Arcom", "member_state": "FR", "reference": "ARCOM-TF-7",
                            "areas": ["intellectual_property_infringements"], "awarded_on": "2026-01-10" });
    let a = put_json(&t, &award_path, ADMIN, elsewhere).await.expect(200);
    assert_eq!((a["status"].as_str(), a["priority"].as_bool()), (Some("active"), Some(false)));
    let r = t.post("/api/v1/notices", &ngo.token, notice(2)).await.expect(201);
    assert_eq!(tier_of(&t, &p, &r).await, "public", "outside its designated area of expertise");
    let bad = json!({ "coordinator": "Arcom", "member_state": "FR", "reference": "R", "areas": ["terrorism"], "awarded_on": "2026-01-10" });
    assert_eq!(put_json(&t, &award_path, ADMIN, bad).await.field_codes(), ["unknown_area"]);
    let ours = json!({ "coordinator": "Arcom", "member_state": "FR", "reference": "ARCOM-TF-8",
                       "areas": ["risk_for_public_security", "violence"], "awarded_on": "2026-02-01" });
    let a = put_json(&t, &award_path, ADMIN, ours).await.expect(200);
    assert_eq!((a["reference"].as_str(), a["priority"].as_bool()), (Some("ARCOM-TF-8"), Some(true)));
    let r = t.post("/api/v1/notices", &ngo.token, notice(3)).await.expect(201);
    assert_eq!(tier_of(&t, &p, &r).await, "trusted_flagger");
    // The flagger reads its own award; the platform may not record or read it.
    t.get(&award_path, &ngo.token).await.expect(200);
    assert_eq!(t.get(&award_path, &p.token).await.status, 404);
    assert_eq!(put_json(&t, &award_path, &p.token, json!({})).await.status, 403);

    // The coordinator suspends it while it investigates (art. 22(6)), then revokes it (22(7)).
    let s = put_json(&t, &status_path, ADMIN, suspend).await.expect(200);
    assert_eq!((s["status"].as_str(), s["status_reference"].as_str()), (Some("suspended"), Some("ARCOM-2026-44")));
    let r = t.post("/api/v1/notices", &ngo.token, notice(4)).await.expect(201);
    assert_eq!(tier_of(&t, &p, &r).await, "public");
    let no_reference = json!({ "status": "revoked", "decided_on": "2026-04-01" });
    assert_eq!(put_json(&t, &status_path, ADMIN, no_reference).await.field_codes(), ["required"]);
    let revoke = json!({ "status": "revoked", "reference": "ARCOM-2026-51", "decided_on": "2026-04-01" });
    put_json(&t, &status_path, ADMIN, revoke).await.expect(200);
    let back = json!({ "status": "active", "reference": "ARCOM-2026-60", "decided_on": "2026-05-01" });
    assert_eq!(codes_of(&put_json(&t, &status_path, ADMIN, back).await), (409, "flagger_revoked".into()));
    let not_flagger = put_json(
        &t,
        &format!("/api/v1/orgs/{}/trusted-flagger-status", p.org),
        ADMIN,
        json!({ "status": "revoked", "reference": "x", "decided_on": "2026-04-01" }),
    )
    .await;
    assert_eq!(codes_of(&not_flagger), (409, "not_a_trusted_flagger".into()));
    let changes = t.events(Some("trusted_flagger.status_changed")).await;
    let statuses: Vec<_> = changes.iter().map(|e| data_of(e)["status"].as_str().unwrap().to_owned()).collect();
    assert_eq!(statuses, ["active", "active", "suspended", "revoked"]);
}

/// Notifiers learn the outcome (an organisation by its webhook, a member of the public by the
/// hub's mail), and only a neutral status while an embargo runs.
#[tokio::test]
async fn notifiers_learn_the_outcome_but_nothing_while_an_embargo_runs() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let hub = Receiver::start().await;
    t.post("/api/v1/webhooks", ADMIN, json!({ "url": hub.url })).await.expect(201);
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    let frx = Receiver::start().await;
    t.post("/api/v1/webhooks", &flagger.token, json!({ "url": frx.url })).await.expect(201);

    // Decided at once: both hear.
    let mut anon = notice_body("https://video.example/v/1");
    anon["notifier_email"] = json!("reader@example.org");
    let r = t.post_anonymous("/api/v1/notices", anon).await.expect(201);
    let public_case = case_of(&t, &r).await;
    let f = t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/v/1")).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &public_case, removal()).await;
    let mail = eventually("notifier.outcome", || async { hub.of_type("notifier.outcome").into_iter().next() }).await;
    assert_eq!(
        (mail["data"]["email"].as_str(), mail["data"]["outcome"].as_str()),
        (Some("reader@example.org"), Some("remove"))
    );
    let told = eventually("signal.outcome", || async { frx.of_type("signal.outcome").into_iter().next() }).await;
    assert_eq!(told["data"]["signal"], f["id"]);

    // Under an embargo: a neutral status, no message, until it is lifted.
    let mut anon = notice_body("https://video.example/v/2");
    anon["notifier_email"] = json!("second@example.org");
    let r = t.post_anonymous("/api/v1/notices", anon).await.expect(201);
    let code = r["tracking_code"].as_str().unwrap().to_owned();
    let issuer = t.authority().await;
    let mut order = order_body(&p.org, &["https://video.example/v/2"]);
    order["non_disclosure"] = json!(true);
    let o = t.post("/api/v1/orders", &issuer.token, order).await.expect(201);
    let case = o["cases"][0]["case"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &case, removal()).await;
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["state"], "under_review");
    assert!(tracked["locations"][0]["outcome"].is_null());
    let complaint = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/notices/track/{code}/complaint"),
            None,
            Some(json!({ "text": "?" })),
        )
        .await;
    assert_eq!(codes_of(&complaint), (409, "not_decided".into()));
    t.deliver().await;
    assert!(hub.of_type("notifier.outcome").iter().all(|m| m["data"]["email"] != "second@example.org"));

    t.post(&format!("/api/v1/orders/{}/embargo/lift", o["id"].as_str().unwrap()), &issuer.token, json!({}))
        .await
        .expect(200);
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["outcome"], "remove");
    eventually("the second mail", || async {
        hub.of_type("notifier.outcome").into_iter().find(|m| m["data"]["email"] == "second@example.org")
    })
    .await;
    let lifted = t.events(Some("embargo.lifted")).await;
    assert!(lifted[0]["data"].as_str().unwrap().contains("\"automatic\":false"));
}

/// A watch-list entry may be a media hash: a report that gives the media's hash is held whatever
/// URL it names. (The list carries a national legal instrument: without one, a notice is never
/// held since DSA arts. 6 and 16 were followed, see `dsa_art_16_a_notice_reaches_its_platform_...`.)
#[tokio::test]
async fn a_watch_list_matches_the_media_hashes_a_report_gives() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let police = t.authority().await;
    let ends = t.now().plus(Duration::from_days(30)).to_rfc3339();
    let w = t
        .post(
            "/api/v1/watchlists",
            &police.token,
            json!({ "name": "Op", "legal_basis_ref": "file 9", "ends_at": ends, "instrument": instrument(&t, 20) }),
        )
        .await
        .expect(201);
    let list = w["id"].as_str().unwrap().to_owned();
    let sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let bad = json!({ "entries": [{ "media_sha256": sha }, { "media_md5": "not-hex" }] });
    let res = t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, bad).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.body["errors"][0]["field"], "entries[1].media_md5");
    let entries = json!({ "entries": [{ "media_sha256": sha.to_uppercase() }] });
    assert_eq!(
        t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, entries).await.expect(200)["added"],
        1
    );
    assert!(!t.data_contains(sha.as_bytes()), "the hash is not stored readable either");

    let flagger = t.member("trusted_flagger", "Hash-sharing NGO", &["reporter"]).await;
    let mut notice = notice_body("https://video.example/reupload/77");
    notice["locations"][0]["media_sha256"] = json!(sha);
    let r = t.post("/api/v1/notices", &flagger.token, notice).await.expect(201);
    let case = r["cases"][0]["case"].as_str().unwrap().to_owned();
    let holds = t.get("/api/v1/holds", &police.token).await.expect(200);
    assert_eq!((holds["active"].as_u64(), holds["holds"][0]["case"].as_str()), (Some(1), Some(case.as_str())));
    assert!(t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"].as_array().unwrap().is_empty());
    // Without the hash, the same kind of report is not held.
    t.post("/api/v1/notices", &flagger.token, notice_body("https://video.example/reupload/78")).await.expect(201);
    assert_eq!(t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"].as_array().unwrap().len(), 1);
    let mut account = notice_body("https://video.example/u/someone");
    account["locations"][0]["kind"] = json!("account");
    account["locations"][0]["media_md5"] = json!("d41d8cd98f00b204e9800998ecf8427e");
    let res = t.post("/api/v1/notices", &flagger.token, account).await;
    assert_eq!(res.field_codes(), ["not_applicable"], "an account has no media hash");
}

/// Ending an order brings back only what was removed under it: a removal the platform made on its
/// own terms stands.
#[tokio::test]
async fn an_annulled_order_does_not_undo_the_platforms_own_removal() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let (case, _) = reported(&t, &p, "https://video.example/v/own").await;
    decide(&t, &p, &case, json!({ "action": "remove", "terms_clause": "4.2", "explanation": "violent extremism" }))
        .await;
    // The order arrives after: it is complied with at once, by the earlier removal.
    let o =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/own"])).await.expect(201);
    let order = o["id"].as_str().unwrap();
    assert_eq!(t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200)["state"], "complied");
    let annul =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-9", "decided_on": "2026-12-01" });
    t.post(&format!("/api/v1/orders/{order}/annulment"), &issuer.token, annul).await.expect(200);
    let d = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert!(d["decision"]["reversed_at"].is_null(), "{d}");
    assert!(t.events(Some("content.reinstated")).await.is_empty());
}

/// A platform corrects its own mistake: the reasons go into the log, the platform is told to put
/// the content back, and a threat flagged by the platform keeps the reason it was flagged.
#[tokio::test]
async fn a_platform_reinstates_its_own_removal_with_reasons() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (case, _) = reported(&t, &p, "https://video.example/v/mistake").await;
    decide(
        &t,
        &p,
        &case,
        json!({ "action": "remove", "terms_clause": "4.2", "explanation": "looked like propaganda" }),
    )
    .await;
    let missing = t.post(&format!("/api/v1/cases/{case}/reinstatement"), &p.token, json!({})).await;
    assert_eq!(missing.field_codes(), ["required"]);
    let d = t
        .post(
            &format!("/api/v1/cases/{case}/reinstatement"),
            &p.token,
            json!({ "reasons": "a documentary; our error" }),
        )
        .await
        .expect(200);
    assert!(d["reversed_at"].is_string());
    let ev = t.events(Some("content.reinstated")).await;
    let text = ev[0]["data"].as_str().unwrap();
    assert!(!text.contains("a documentary; our error"), "the reasons are sealed in the log: {text}");
    let data: Value = serde_json::from_str(text).unwrap();
    assert_eq!(data["cause"].as_str(), Some("voluntary"));
    assert!(data["reasons"]["sealed"].is_string(), "{data}");
    assert_eq!(data["v"], 2, "content.reinstated is written in version 2");
    let again = t.post(&format!("/api/v1/cases/{case}/reinstatement"), &p.token, json!({ "reasons": "again" })).await;
    assert_eq!(codes_of(&again), (409, "nothing_to_reinstate".into()));

    let (live, _) = reported(&t, &p, "https://video.example/live/2").await;
    t.post(&format!("/api/v1/cases/{live}/threat-to-life"), &p.token, json!({ "note": "names a school and a time" }))
        .await
        .expect(200);
    let ack = json!({ "note": "no credible target after checking; not referred" });
    let done = t.post(&format!("/api/v1/cases/{live}/threat-to-life/ack"), &p.token, ack).await.expect(200);
    assert_eq!(done["note"], "names a school and a time\nno credible target after checking; not referred");
}

/// TCO art. 9: the addressed platform records the court challenges it brings against an order,
/// and their outcome; an annulment, recorded as such, closes them. (Before step 8 court
/// challenges were not recorded at all, so TCO arts. 7(3)(e) and 8(1)(c) could not count them.)
#[tokio::test]
async fn a_platform_records_its_court_challenges_of_an_order_tco_9() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let other = t.platform("other.example").await;
    let issuer = t.authority().await;
    let o1 =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let o2 =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/2"])).await.expect(201);
    let (o1, o2) = (o1["id"].as_str().unwrap().to_owned(), o2["id"].as_str().unwrap().to_owned());
    let filed =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-1", "filed_on": "2026-11-02" });
    let path = format!("/api/v1/orders/{o1}/challenges");
    assert_eq!(t.post(&path, &other.token, filed.clone()).await.status, 404, "only the addressee");
    assert_eq!(t.post(&path, &issuer.token, filed.clone()).await.status, 403);
    let bad = json!({ "court": "TA", "reference": "R", "filed_on": "2 November" });
    assert_eq!(t.post(&path, &p.token, bad).await.field_codes(), ["invalid_date"]);
    let c1 = t.post(&path, &p.token, filed.clone()).await.expect(201);
    assert_eq!((c1["state"].as_str(), c1["brought_by"].as_str()), (Some("pending"), Some("platform")));
    let listed = t.get(&path, &issuer.token).await.expect(200);
    assert_eq!(listed["challenges"][0]["reference"], "TA-2026-1", "the issuing authority sees it");

    // The court upholds the order; the issuing authority records it. An annulment is not recorded here.
    let outcome = format!("/api/v1/orders/{o1}/challenges/{}/outcome", c1["id"].as_str().unwrap());
    let annulled = json!({ "outcome": "annulled", "decided_on": "2026-11-20" });
    assert_eq!(codes_of(&t.post(&outcome, &p.token, annulled).await), (409, "record_as_annulment".into()));
    let upheld = json!({ "outcome": "upheld", "decided_on": "2026-11-20", "reference": "TA-2026-1/J" });
    let c = t.post(&outcome, &issuer.token, upheld.clone()).await.expect(200);
    assert_eq!(c["state"], "upheld");
    assert_eq!(codes_of(&t.post(&outcome, &p.token, upheld).await), (409, "challenge_decided".into()));

    // The other order is annulled: its pending challenge closes as annulled; a new one is refused.
    let c2 = t.post(&format!("/api/v1/orders/{o2}/challenges"), &p.token, filed.clone()).await.expect(201);
    let annul =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-2", "decided_on": "2026-11-25" });
    t.post(&format!("/api/v1/orders/{o2}/annulment"), &issuer.token, annul).await.expect(200);
    let listed = t.get(&format!("/api/v1/orders/{o2}/challenges"), &p.token).await.expect(200);
    assert_eq!(
        (listed["challenges"][0]["id"].as_str(), listed["challenges"][0]["state"].as_str()),
        (c2["id"].as_str(), Some("annulled"))
    );
    let late = t.post(&format!("/api/v1/orders/{o2}/challenges"), &p.token, filed).await;
    assert_eq!(codes_of(&late), (409, "order_ended".into()));
    let decided: Vec<_> = t
        .events(Some("order.challenge_decided"))
        .await
        .iter()
        .map(|e| data_of(e)["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(decided, ["upheld", "annulled"]);
    assert_eq!(t.events(Some("order.challenged")).await.len(), 2);
}

// ---- The TCO Regulation as written (step 8) -----------------------------------------------------

/// An organisation created by the administrator with `body`, and one person with `roles`.
async fn org_with(t: &TestApp, body: Value, roles: &[&str]) -> Member {
    let org = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    t.person(&org, roles).await
}

/// A platform serving `host`, created from `body` (its legal fields), with the host approved.
async fn platform_from(t: &TestApp, host: &str, mut body: Value) -> Member {
    body["kind"] = json!("platform");
    body["contact_point"] = json!({ "email": format!("tco@{host}") });
    let p = org_with(t, body, &["moderator", "integrator"]).await;
    t.post("/api/v1/hosts", &p.token, json!({ "host": host })).await.expect(201);
    t.post(&format!("/api/v1/hosts/{host}/approve"), ADMIN, json!({})).await.expect(200);
    p
}

/// Europol, registered to be informed, with a webhook receiver.
async fn europol(t: &TestApp) -> (Member, Receiver) {
    let e = org_with(t, json!({ "name": "Europol EU IRU", "kind": "authority", "europol": true }), &["reporter"]).await;
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &e.token, json!({ "url": rx.url })).await.expect(201);
    (e, rx)
}

fn data(event: &Value) -> Value {
    serde_json::from_str(event["data"].as_str().unwrap()).unwrap()
}

/// TCO arts. 4(1), 17: a platform established outside the Union is scrutinised where its legal
/// representative is established. It never was: only `main_establishment` was read.
#[tokio::test]
async fn tco_art_4_1_a_platform_outside_the_union_is_scrutinised_where_its_legal_representative_is() {
    let t = TestApp::start().await;
    let lr = json!({ "name": "Offshore Tube", "legal_representative": { "name": "LR BV", "email": "lr@lr.example", "member_state": "NL" } });
    let p = platform_from(&t, "offshore.example", lr).await;
    let issuer = t.authority().await; // FR
    let nl = authority_of(&t, "NL").await;
    let o = t
        .post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://offshore.example/v/1"]))
        .await
        .expect(201);
    let order = o["id"].as_str().unwrap();
    let view = t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200);
    assert_eq!((view["cross_border"].as_bool(), view["copy_to"].as_str()), (Some(true), Some(nl.org.as_str())));
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let s = t
        .post(&format!("/api/v1/orders/{order}/scrutiny"), &p.token, json!({ "text": "no reasons" }))
        .await
        .expect(201);
    assert_eq!(s["authority"], nl.org.as_str());
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    let listed = orgs["orgs"].as_array().unwrap().iter().find(|x| x["id"] == p.org.as_str()).unwrap().clone();
    assert_eq!(listed["host_member_state"], "NL");
}

/// TCO art. 12(1): an authority acts only within what its member state designated it for. A
/// referral unit refers but issues no order; scrutiny goes to the authority designated for it
/// (Arcom rather than OFAC in France), whatever order they were registered in.
#[tokio::test]
async fn tco_art_12_1_only_designated_authorities_issue_orders_and_scrutinise_them() {
    let t = TestApp::start().await;
    let unit =
        org_with(&t, json!({ "name": "Referral unit", "kind": "authority", "member_state": "FR" }), &["reporter"])
            .await;
    let p = platform_from(&t, "fr-host.example", json!({ "name": "Plateforme", "main_establishment": "FR" })).await;
    let refused = t.post("/api/v1/orders", &unit.token, order_body(&p.org, &["https://fr-host.example/v/1"])).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body["detail"].as_str().unwrap().contains("12(1)(a)"), "{}", refused.body);
    let notice = json!({ "platform": p.org, "information": "orders come through Vigie" });
    assert_eq!(t.post("/api/v1/advance-notices", &unit.token, notice).await.status, 403);
    let referral = json!({ "explanation": "recruitment", "locations": [{ "url": "https://fr-host.example/v/2" }] });
    t.post("/api/v1/referrals", &unit.token, referral).await.expect(201);

    // France: OFAC issues orders, Arcom scrutinises them; OFAC is registered first.
    let ofac = org_with(
        &t,
        json!({ "name": "OFAC", "kind": "authority", "member_state": "FR", "competences": ["issue_orders"] }),
        &["reporter"],
    )
    .await;
    let arcom = org_with(&t, json!({ "name": "Arcom", "kind": "authority", "member_state": "FR", "competences": ["scrutiny", "specific_measures", "penalties"] }), &["reporter"]).await;
    let ie = org_with(
        &t,
        json!({ "name": "An Garda", "kind": "authority", "member_state": "IE", "competences": ["issue_orders"] }),
        &["reporter"],
    )
    .await;
    let o = t.post("/api/v1/orders", &ie.token, order_body(&p.org, &["https://fr-host.example/v/3"])).await.expect(201);
    let order = o["id"].as_str().unwrap();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let s =
        t.post(&format!("/api/v1/orders/{order}/scrutiny"), &p.token, json!({ "text": "satire" })).await.expect(201);
    assert_eq!(s["authority"], arcom.org.as_str(), "not {}", ofac.org);
    // OFAC, not designated for scrutiny, has none to decide: refused (TCO art. 12(1)(b)).
    assert_eq!(t.get("/api/v1/scrutinies", &ofac.token).await.status.as_u16(), 403);

    // The administrator records the unit's designation; then it may issue.
    let patched = t
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/orgs/{}", unit.org),
            Some(ADMIN),
            Some(json!({ "competences": ["issue_orders"] })),
        )
        .await
        .expect(200);
    assert_eq!(patched["competences"], json!(["issue_orders"]));
    t.post("/api/v1/orders", &unit.token, order_body(&p.org, &["https://fr-host.example/v/4"])).await.expect(201);
    let wrong = t
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/orgs/{}", p.org),
            Some(ADMIN),
            Some(json!({ "competences": ["scrutiny"] })),
        )
        .await;
    assert_eq!(wrong.field_codes(), ["not_applicable"]);
    assert_eq!(t.events(Some("org.updated")).await.len(), 1);
}

/// TCO art. 11(3): non-disclosure is the issuing authority's decision alone. The hub's
/// administrator could extend and lift it.
#[tokio::test]
async fn tco_art_11_3_only_the_issuing_authority_extends_or_lifts_its_non_disclosure() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let mut body = order_body(&p.org, &["https://video.example/v/1"]);
    body["non_disclosure"] = json!(true);
    let order = t.post("/api/v1/orders", &issuer.token, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let until = json!({ "until": t.now().plus(Duration::from_days(50)).to_rfc3339() });
    let extend = t.post(&format!("/api/v1/orders/{order}/embargo/extend"), ADMIN, until.clone()).await;
    assert_eq!(extend.status, 403);
    assert_eq!(t.post(&format!("/api/v1/orders/{order}/embargo/lift"), ADMIN, json!({})).await.status, 403);
    t.post(&format!("/api/v1/orders/{order}/embargo/extend"), &issuer.token, until).await.expect(200);
    t.post(&format!("/api/v1/orders/{order}/embargo/lift"), &issuer.token, json!({})).await.expect(200);
}

/// TCO arts. 4(6) and 9: an order stops having effect only on an infringement found on scrutiny
/// or a court's ruling, which the issuing or the competent authority records with the ruling's
/// reference; the hub's administrator annuls nothing. The court and the reference never enter
/// the log readable.
#[tokio::test]
async fn tco_art_9_a_court_ruling_is_recorded_by_the_issuer_or_the_competent_authority_only() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let host = authority_of(&t, "IE").await;
    let bystander = authority_of(&t, "DE").await;
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let order = receipt["id"].as_str().unwrap();
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let ruling = json!({ "court": "High Court of Ireland", "reference": "HC-2026-777", "decided_on": "2026-12-03" });
    let admin = t.post(&format!("/api/v1/orders/{order}/annulment"), ADMIN, ruling.clone()).await;
    assert_eq!(admin.status, 403, "the administrator annuls nothing");
    let other = t.post(&format!("/api/v1/orders/{order}/annulment"), &bystander.token, ruling.clone()).await;
    assert_eq!(other.status, 404);
    let bad_date = json!({ "court": "High Court", "reference": "HC-1", "decided_on": "3 December" });
    assert_eq!(
        t.post(&format!("/api/v1/orders/{order}/annulment"), &host.token, bad_date).await.field_codes(),
        ["invalid_date"]
    );
    let o = t.post(&format!("/api/v1/orders/{order}/annulment"), &host.token, ruling).await.expect(200);
    assert_eq!(
        (o["ended_by"]["cause"].as_str(), o["ended_by"]["recorded_by"].as_str()),
        (Some("annulment"), Some("scrutinising_authority"))
    );
    assert_eq!(o["ended_by"]["reference"], "HC-2026-777");
    let ended = t.events(Some("order.ended")).await;
    let text = ended[0]["data"].as_str().unwrap();
    assert!(!text.contains("HC-2026-777") && !text.contains("High Court"), "sealed in the log: {text}");
    assert_eq!(data(&ended[0])["cause"], "annulment");
    assert!(data(&ended[0])["reference"]["sealed"].is_string());
    // The platform is told, readable and flat (version 2): the order's reference and the ruling's
    // side by side, never one key for both.
    t.deliver().await;
    let told = eventually("order.ended", || async { rx.of_type("order.ended").into_iter().next() }).await;
    let d = &told["data"];
    assert_eq!(told["version"], 2);
    assert_eq!((d["cause"].as_str(), d["court_reference"].as_str()), (Some("annulment"), Some("HC-2026-777")));
    assert_eq!(d["reference"], "FR-IRU-2026-0042", "the order's own reference: {d}");
}

/// TCO arts. 1(3), 3(3): under an order the platform complies; the purpose it sees is a concern
/// for the authority, never a reason its removal is refused (it was: `exempt_purpose`). The
/// concern goes to the issuer, and into the scrutiny the platform asks for.
#[tokio::test]
async fn tco_art_3_3_a_purpose_concern_never_blocks_compliance_and_reaches_the_authority() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let irx = Receiver::start().await;
    t.post("/api/v1/webhooks", &issuer.token, json!({ "url": irx.url })).await.expect(201);
    let host = authority_of(&t, "IE").await;
    let receipt = t
        .post(
            "/api/v1/orders",
            &issuer.token,
            order_body(&p.org, &["https://video.example/v/1", "https://video.example/v/2"]),
        )
        .await
        .expect(201);
    let order = receipt["id"].as_str().unwrap().to_owned();
    let (c1, c2) = (receipt["cases"][0]["case"].as_str().unwrap(), receipt["cases"][1]["case"].as_str().unwrap());
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let concern = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "journalistic", "purpose_rationale": "a news broadcast quoting the video", "explanation": "Removed as the order asks." });
    decide(&t, &p, c1, concern).await;
    // No purpose at all: the platform is not asked to assess the order's purposes.
    decide(
        &t,
        &p,
        c2,
        json!({ "action": "remove", "legal_basis": "eu.tco.2-7-c", "explanation": "Recruits for a listed group." }),
    )
    .await;
    assert_eq!(t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200)["state"], "complied");
    let told =
        eventually("order.purpose_concern", || async { irx.of_type("order.purpose_concern").into_iter().next() }).await;
    assert_eq!(
        (told["data"]["purpose"].as_str(), told["data"]["rationale"].as_str()),
        (Some("journalistic"), Some("a news broadcast quoting the video"))
    );
    let logged = t.events(Some("order.purpose_concern")).await;
    assert!(data(&logged[0])["rationale"]["sealed"].is_string(), "the rationale is sealed in the log");
    let s = t
        .post(&format!("/api/v1/orders/{order}/scrutiny"), &p.token, json!({ "text": "see our concern" }))
        .await
        .expect(201);
    assert_eq!(s["purpose_concerns"][0]["purpose"], "journalistic");
    let seen = t.get(&format!("/api/v1/scrutinies/{}", s["id"].as_str().unwrap()), &host.token).await.expect(200);
    assert_eq!(seen["purpose_concerns"][0]["case"], c1);
}

/// TCO art. 4(4): the content provider's 48 hours run from being informed, not from when the link
/// was handed to the platform; and the platform's pending request does not block theirs.
#[tokio::test]
async fn tco_art_4_4_the_uploaders_48_hours_run_from_being_informed_and_are_their_own() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let host = authority_of(&t, "IE").await;
    let receipt = t
        .post(
            "/api/v1/orders",
            &issuer.token,
            order_body(&p.org, &["https://video.example/v/1", "https://video.example/v/2"]),
        )
        .await
        .expect(201);
    let order = receipt["id"].as_str().unwrap().to_owned();
    let (c1, c2) = (
        receipt["cases"][0]["case"].as_str().unwrap().to_owned(),
        receipt["cases"][1]["case"].as_str().unwrap().to_owned(),
    );
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &c1, removal()).await;
    decide(&t, &p, &c2, removal()).await;
    t.post(&format!("/api/v1/orders/{order}/scrutiny"), &p.token, json!({ "text": "the platform's own request" }))
        .await
        .expect(201);
    let (first, second) = (notice_token(&t, &p, &c1).await, notice_token(&t, &p, &c2).await);

    // Three days after the notice was issued, the first content provider opens the link: their
    // time starts only now, and the platform's pending request is no obstacle.
    t.advance(Duration::from_days(3));
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{first}"), None, None).await.expect(200);
    assert_eq!(n["notice"]["informed_at"], t.now().to_rfc3339());
    let o = &n["notice"]["redress"]["removal_orders"][0];
    assert_eq!(o["cross_border_scrutiny"]["request_until"], t.now().plus(Duration::from_hours(48)).to_rfc3339());
    let path = format!("/api/v1/uploader-notices/{first}/scrutiny");
    let s = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "my reporting" }))).await.expect(201);
    assert_eq!(s["trigger"], "uploader");
    let again = t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "again" }))).await;
    assert_eq!(codes_of(&again), (409, "scrutiny_pending".into()), "one pending request each");

    // The second content provider was informed by the platform a day ago, as it records: 49
    // hours later their window is closed.
    let at = t.now().minus(Duration::from_days(1)).to_rfc3339();
    let informed = t
        .post(&format!("/api/v1/cases/{c2}/uploader-notice/informed"), &p.token, json!({ "at": at }))
        .await
        .expect(200);
    assert_eq!(informed["notice"]["informed_at"], at);
    let future = json!({ "at": t.now().plus(Duration::from_hours(1)).to_rfc3339() });
    assert_eq!(
        t.post(&format!("/api/v1/cases/{c2}/uploader-notice/informed"), &p.token, future).await.field_codes(),
        ["out_of_range"]
    );
    t.advance(Duration::from_hours(25));
    let late = t
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/uploader-notices/{second}/scrutiny"),
            None,
            Some(json!({ "text": "x" })),
        )
        .await;
    assert_eq!(codes_of(&late), (409, "scrutiny_window_closed".into()));
    assert_eq!(t.get("/api/v1/scrutinies", &host.token).await.expect(200)["scrutinies"].as_array().unwrap().len(), 2);
}

/// TCO art. 4(1) and (3): the host state's authority receives a copy when the order is sent; on
/// its own initiative it scrutinises within 72 hours of that copy, "within the same period",
/// whenever it opened the scrutiny; after them, it can no longer end the order.
#[tokio::test]
async fn tco_art_4_3_ex_officio_scrutiny_runs_72_hours_from_the_copy_and_then_lapses() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let host = authority_of(&t, "IE").await;
    let hrx = Receiver::start().await;
    t.post("/api/v1/webhooks", &host.token, json!({ "url": hrx.url })).await.expect(201);
    let sent = t.now();
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let order = receipt["id"].as_str().unwrap().to_owned();
    let copy = eventually("order.copy", || async { hrx.of_type("order.copy").into_iter().next() }).await;
    assert_eq!(
        (copy["data"]["order"].as_str(), copy["data"]["form"]["reference"].as_str()),
        (Some(order.as_str()), Some("FR-IRU-2026-0042"))
    );
    let o = t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200);
    assert_eq!(o["copy_at"], sent.to_rfc3339());

    t.advance(Duration::from_hours(60));
    let s = t
        .post(&format!("/api/v1/orders/{order}/scrutiny"), &host.token, json!({ "text": "on our own initiative" }))
        .await
        .expect(201);
    assert_eq!(s["trigger"], "ex_officio");
    assert_eq!(
        s["due_at"],
        sent.plus(Duration::from_hours(72)).to_rfc3339(),
        "72 hours from the copy, not from opening"
    );
    let id = s["id"].as_str().unwrap().to_owned();
    intend_infringement(&t, &host, &id).await;
    t.advance(Duration::from_secs(12 * 3600 + 1));
    let late = t
        .post(
            &format!("/api/v1/scrutinies/{id}/decision"),
            &host.token,
            json!({ "outcome": "infringement", "reasons": "late" }),
        )
        .await;
    assert_eq!(codes_of(&late), (409, "scrutiny_period_over".into()));
    assert!(t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200)["ended_at"].is_null());
    t.post(
        &format!("/api/v1/scrutinies/{id}/decision"),
        &host.token,
        json!({ "outcome": "no_infringement", "reasons": "out of time" }),
    )
    .await
    .expect(200);
    let closed = t.post(&format!("/api/v1/orders/{order}/scrutiny"), &host.token, json!({ "text": "again" })).await;
    assert_eq!(codes_of(&closed), (409, "scrutiny_window_closed".into()));
}

/// TCO art. 4(5) and (6): the issuing authority is told of an intended infringement before it is
/// found; the decision then reaches the issuer, the platform and Europol.
#[tokio::test]
async fn tco_art_4_5_the_issuer_is_told_before_an_infringement_and_europol_after_the_decision() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let irx = Receiver::start().await;
    t.post("/api/v1/webhooks", &issuer.token, json!({ "url": irx.url })).await.expect(201);
    let host = authority_of(&t, "IE").await;
    let (_, erx) = europol(&t).await;
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let order = receipt["id"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let s = t
        .post(&format!("/api/v1/orders/{order}/scrutiny"), &p.token, json!({ "text": "journalism" }))
        .await
        .expect(201);
    let id = s["id"].as_str().unwrap().to_owned();
    let infringement = json!({ "outcome": "infringement", "reasons": "journalism" });
    let first = t.post(&format!("/api/v1/scrutinies/{id}/decision"), &host.token, infringement.clone()).await;
    assert_eq!(codes_of(&first), (409, "issuer_not_informed".into()));
    let other = t.post(&format!("/api/v1/scrutinies/{id}/intention"), &issuer.token, json!({ "reasons": "x" })).await;
    assert_eq!(other.status, 404, "the scrutinising authority tells, not the issuer");
    intend_infringement(&t, &host, &id).await;
    let told =
        eventually("scrutiny.intention", || async { irx.of_type("scrutiny.intention").into_iter().next() }).await;
    assert!(told["data"]["reasons"].as_str().unwrap().contains("journalism"));
    assert!(t.get(&format!("/api/v1/scrutinies/{id}"), &issuer.token).await.expect(200)["intention_at"].is_string());
    t.post(&format!("/api/v1/scrutinies/{id}/decision"), &host.token, infringement).await.expect(200);
    let to_europol =
        eventually("scrutiny.decided at Europol", || async { erx.of_type("scrutiny.decided").into_iter().next() })
            .await;
    assert_eq!(to_europol["data"]["outcome"], "infringement");
    assert_eq!(data(&t.events(Some("scrutiny.decided")).await[0])["europol"], 1);
}

/// DSA arts. 6, 16: a notice (from the public or a trusted flagger) always reaches its platform; a
/// watch-list match tells the list's authority, which may use its own powers. Holding is kept for
/// de-confliction between authorities, on their referrals; a notice joining such a held case
/// ends the hold. The notifier is told the truth, never "under review".
#[tokio::test]
async fn dsa_art_16_a_notice_reaches_its_platform_and_the_watch_list_authority_is_told() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let police = t.authority().await;
    let arx = Receiver::start().await;
    t.post("/api/v1/webhooks", &police.token, json!({ "url": arx.url })).await.expect(201);
    let ends = t.now().plus(Duration::from_days(30)).to_rfc3339();
    let w = t
        .post(
            "/api/v1/watchlists",
            &police.token,
            json!({ "name": "Op", "legal_basis_ref": "file 7", "ends_at": ends }),
        )
        .await
        .expect(201);
    let list = w["id"].as_str().unwrap().to_owned();
    let urls =
        ["https://video.example/v/public", "https://video.example/v/flagged", "https://video.example/v/referred"];
    let entries: Vec<Value> = urls.iter().map(|u| json!({ "url": u })).collect();
    t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, json!({ "entries": entries }))
        .await
        .expect(200);

    let public = t.notice(urls[0]).await;
    let code = public["tracking_code"].as_str().unwrap();
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    t.post("/api/v1/notices", &flagger.token, notice_body(urls[1])).await.expect(201);
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 2, "both notices reach the platform");
    let told = eventually("two matches", || async {
        let m = arx.of_type("watchlist.matched");
        (m.len() == 2).then_some(m)
    })
    .await;
    assert!(told.iter().all(|m| m["data"]["held"] == false && m["data"]["not_held"] == "hold_on_notice"));
    let tracked = t.send(reqwest::Method::GET, &format!("/api/v1/notices/track/{code}"), None, None).await.expect(200);
    assert_eq!(tracked["locations"][0]["state"], "delivered", "the notifier is not told 'under review'");
    let public_case = case_of(&t, &public).await;
    let asked = t.post("/api/v1/holds", &police.token, json!({ "case": public_case, "watchlist": list })).await;
    assert_eq!(codes_of(&asked), (409, "hold_on_notice".into()));

    // Another authority's referral is held for de-confliction; a notice on it ends the hold.
    let unit = t.authority().await;
    let referral = json!({ "explanation": "recruitment", "locations": [{ "url": urls[2] }] });
    let r = t.post("/api/v1/referrals", &unit.token, referral).await.expect(201);
    let referred = r["cases"][0]["case"].as_str().unwrap().to_owned();
    assert_eq!(t.get("/api/v1/holds", &police.token).await.expect(200)["active"], 1);
    assert!(
        !t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == referred.as_str())
    );
    t.notice(urls[2]).await;
    let holds = t.get("/api/v1/holds", &police.token).await.expect(200);
    assert_eq!((holds["active"].as_u64(), holds["holds"][0]["end_reason"].as_str()), (Some(0), Some("notice")));
    assert!(
        t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == referred.as_str())
    );
}

/// A notice held under a national legal instrument is held no longer than the instrument runs.
#[tokio::test]
async fn a_hold_under_a_national_instrument_ends_with_the_instrument() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let police = t.authority().await;
    let ends = t.now().plus(Duration::from_days(30)).to_rfc3339();
    let body = json!({ "name": "Op", "legal_basis_ref": "file 8", "ends_at": ends, "hold_hours": 168, "instrument": instrument(&t, 1) });
    let w = t.post("/api/v1/watchlists", &police.token, body).await.expect(201);
    assert_eq!(w["instrument"]["reference"], "JI-2026-118");
    let missing =
        json!({ "name": "Op", "legal_basis_ref": "file 8", "ends_at": ends, "instrument": { "reference": "JI-1" } });
    let res = t.post("/api/v1/watchlists", &police.token, missing).await;
    assert_eq!(res.fields(), ["instrument.issuing_body", "instrument.ends_at"]);
    let list = w["id"].as_str().unwrap();
    t.post(
        &format!("/api/v1/watchlists/{list}/entries"),
        &police.token,
        json!({ "entries": [{ "url": "https://video.example/v/1" }] }),
    )
    .await
    .expect(200);
    t.notice("https://video.example/v/1").await;
    let holds = t.get("/api/v1/holds", &police.token).await.expect(200);
    assert_eq!(holds["holds"][0]["until"], t.now().plus(Duration::from_days(1)).to_rfc3339());
    assert!(t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"].as_array().unwrap().is_empty());
    let created = t.events(Some("watchlist.created")).await;
    assert!(!created[0]["data"].as_str().unwrap().contains("JI-2026-118"), "the instrument is sealed in the log");
}

/// TCO art. 11(2): the content provider's notice gives the order's own reasons (its Annex I types
/// and statement of reasons), and a copy of the order on request, through a route that exists.
#[tokio::test]
async fn tco_art_11_2_the_uploader_gets_the_orders_own_reasons_and_a_copy_on_request() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let issuer = t.authority().await;
    let receipt = t
        .post(
            "/api/v1/orders",
            &issuer.token,
            order_body(&p.org, &["https://video.example/v/1", "https://video.example/v/2"]),
        )
        .await
        .expect(201);
    let case = receipt["cases"][0]["case"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    decide(&t, &p, &case, json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "explanation": "as ordered" }))
        .await;
    let token = notice_token(&t, &p, &case).await;
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let o = &n["notice"]["redress"]["removal_orders"][0];
    assert_eq!(o["statement_of_reasons"], "The video calls for attacks on civilians and recruits for a listed group.");
    let types: Vec<_> = o["reasons"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["a", "c"]);
    assert_eq!(o["reasons"][1]["citation"], "Regulation (EU) 2021/784 art. 2(7)(c)");
    let link = n["notice"]["redress"]["copy_of_order"]["link"].as_str().unwrap().to_owned();
    assert_eq!(link, format!("/api/v1/uploader-notices/{token}/order-copy"));

    let copy = t.send(reqwest::Method::POST, &link, None, None).await.expect(200);
    let c = &copy["orders"][0];
    assert_eq!(c["annex_i"]["statement_of_reasons"], o["statement_of_reasons"]);
    assert_eq!(
        (c["content"]["url"].as_str(), c["other_locations"].as_u64()),
        (Some("https://video.example/v/1"), Some(1))
    );
    assert_eq!(c["issuing_authority"]["member_state"], "FR");
    eventually("the platform is told", || async { rx.of_type("uploader_notice.order_copy").into_iter().next() }).await;
    assert_eq!(t.events(Some("uploader_notice.order_copy")).await.len(), 1);
    // A decision on a notice has no order to copy.
    let (other, _) = reported(&t, &p, "https://video.example/v/3").await;
    decide(&t, &p, &other, removal()).await;
    let plain = notice_token(&t, &p, &other).await;
    let none = t.send(reqwest::Method::POST, &format!("/api/v1/uploader-notices/{plain}/order-copy"), None, None).await;
    assert_eq!(codes_of(&none), (409, "not_an_order".into()));
}

/// LCEN art. 6-1-5: the French challenge is 48 hours, not days; it runs from receipt for the
/// platform and from being informed for the content provider.
#[tokio::test]
async fn lcen_6_1_5_the_french_challenge_runs_48_hours_from_receipt_and_from_being_informed() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let (order, case) =
        (receipt["id"].as_str().unwrap().to_owned(), receipt["cases"][0]["case"].as_str().unwrap().to_owned());
    t.advance(Duration::from_mins(10));
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let received = t.now();
    let o = t.get(&format!("/api/v1/orders/{order}"), &issuer.token).await.expect(200);
    assert_eq!(o["challenge_until"], received.plus(Duration::from_hours(48)).to_rfc3339());
    decide(&t, &p, &case, removal()).await;
    let token = notice_token(&t, &p, &case).await;
    t.advance(Duration::from_hours(5));
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let challenge = &n["notice"]["redress"]["removal_orders"][0]["challenge"];
    assert_eq!((challenge["deadline_hours"].as_u64(), challenge["deadline_days"].as_u64()), (Some(48), None));
    assert_eq!(challenge["until"], t.now().plus(Duration::from_hours(48)).to_rfc3339());
    let mut both = order_body(&p.org, &["https://video.example/v/2"]);
    both["redress"]["deadline_days"] = json!(2);
    assert_eq!(t.post("/api/v1/orders", &issuer.token, both).await.field_codes(), ["two_deadlines"]);
}

/// TCO art. 14(5): where no member state can be identified, the platform informs both the
/// contact point of its own member state and Europol (Europol alone was accepted); Vigie
/// delivers to each that is registered.
#[tokio::test]
async fn tco_art_14_5_with_no_member_state_both_the_contact_point_and_europol_are_informed() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await; // established in IE
    let ie = org_with(
        &t,
        json!({ "name": "An Garda", "kind": "authority", "member_state": "IE", "competences": ["issue_orders"] }),
        &["reporter"],
    )
    .await;
    let irx = Receiver::start().await;
    t.post("/api/v1/webhooks", &ie.token, json!({ "url": irx.url })).await.expect(201);
    let (_, erx) = europol(&t).await;
    let mut body = notice_body("https://video.example/live/1");
    body["threat_to_life"] = json!(true);
    let case = case_of(&t, &t.post_anonymous("/api/v1/notices", body).await.expect(201)).await;
    let path = format!("/api/v1/cases/{case}/law-enforcement-referrals");
    let europol_only = t.post(&path, &p.token, json!({ "basis": "tco_14_5", "europol": true })).await;
    assert_eq!(
        (europol_only.fields(), europol_only.field_codes()),
        (vec!["contact_point".to_owned()], vec!["required".to_owned()])
    );
    let r = t
        .post(&path, &p.token, json!({ "basis": "tco_14_5", "europol": true, "contact_point": true }))
        .await
        .expect(201);
    assert_eq!((r["contact_point"].as_bool(), r["authority"].as_str()), (Some(true), Some(ie.org.as_str())));
    eventually("the contact point", || async { irx.of_type("law_enforcement.referral").into_iter().next() }).await;
    eventually("Europol", || async { erx.of_type("law_enforcement.referral").into_iter().next() }).await;
    // DSA art. 18(2) asks for one or the other; a member state named needs neither.
    t.post(&path, &p.token, json!({ "basis": "dsa_18", "europol": true })).await.expect(201);
}

/// TCO art. 10 covers removals under specific measures (art. 5): the redress of a platform's own
/// decision cites DSA art. 20, not TCO art. 10 (it cited both for every decision).
#[tokio::test]
async fn tco_art_10_is_not_cited_as_the_basis_of_every_platform_complaint() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (case, _) = reported(&t, &p, "https://video.example/v/1").await;
    decide(&t, &p, &case, removal()).await;
    let token = notice_token(&t, &p, &case).await;
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let basis = n["notice"]["redress"]["internal_complaint"]["legal_basis"].as_str().unwrap();
    assert_eq!(basis, "Regulation (EU) 2022/2065 art. 20");
}
