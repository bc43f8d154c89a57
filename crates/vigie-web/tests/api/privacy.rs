//! GDPR: storage limitation of the records tied to a case (arts. 5(1)(c), (e), 17), keyed hashes
//! with a pepper kept apart instead of plain hashes of personal data, secrets stored as hashes
//! only (art. 32), and notifiers' addresses only to whoever must mail them (art. 5(1)(c)).

use serde_json::{Value, json};
use vigie_model::Duration;

use crate::helpers::*;

/// Whether the database files (not the pepper kept beside them) contain `needle`.
fn database_contains(t: &TestApp, needle: &[u8]) -> bool {
    t.data_files()
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vigie.sqlite3")))
        .any(|p| std::fs::read(p).unwrap_or_default().windows(needle.len()).any(|w| w == needle))
}

async fn case_of(t: &TestApp, receipt: &Value) -> String {
    let notice = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200);
    notice["cases"][0]["id"].as_str().unwrap().to_owned()
}

fn removal(why: &str) -> Value {
    json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "no framing",
            "explanation": why })
}

/// A server whose closed cases keep their identifiers 30 days, decision texts 60 and uploader
/// notices' bodies 90.
async fn with_short_retention() -> TestApp {
    TestApp::start_with(|c| {
        c.app.record_retention = vigie_app::retention::RecordRetention {
            cases: Duration::from_days(30),
            decision_texts: Duration::from_days(60),
            notice_bodies: Duration::from_days(90),
        }
    })
    .await
}

/// GDPR arts. 5(1)(e) and 17: a closed case's records are erased store by store when their own
/// retention ends (its URL and ids and the report's locations, then its decisions' texts, then
/// its uploader notice's body); a case with a complaint still open is kept; the chain verifies
/// throughout, and `case.opened` carries the URL sealed, never hashed plain. (Before step 8
/// cases, decision texts, notice bodies and locations were kept forever, and `case.opened` held
/// an unsalted SHA-256 of the URL.)
#[tokio::test]
async fn a_closed_cases_records_are_erased_when_each_retention_ends_gdpr_5_1_e() {
    let t = with_short_retention().await;
    let p = t.platform("video.example").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let url = "https://video.example/u/jane-doe/v/1";
    let r = t.notice(url).await;
    let case = case_of(&t, &r).await;
    let kept = case_of(&t, &t.notice("https://video.example/u/john-roe/v/2").await).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal("Posted by Jane Doe to recruit."))
        .await
        .expect(201);
    t.post(&format!("/api/v1/cases/{kept}/decision"), &p.token, removal("Posted by John Roe.")).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    // The other case's uploader complains, and nobody answers: it stays open.
    let other = t.get(&format!("/api/v1/cases/{kept}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/uploader-notices/{other}/complaint");
    t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "mine" }))).await.expect(201);

    let opened = t.events(Some("case.opened")).await;
    let data = data_of(&opened[0]);
    assert!(data.get("key_sha256").is_none() && data["key"]["sealed"].as_str().unwrap().len() == 64, "{data}");
    assert!(!serde_json::to_string(&opened).unwrap().contains("jane-doe"));

    // Still within the complaint window (184 days from when the uploader was informed): all kept.
    t.advance(Duration::from_days(184));
    t.tick().await;
    let c = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(c["url"], url);

    // Closed for 30 days: the identifiers go; the texts and the notice stay.
    t.advance(Duration::from_days(31));
    t.tick().await;
    let c = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert!(c["url"].is_null(), "{c}");
    assert_eq!(c["decision"]["explanation"], "Posted by Jane Doe to recruit.");
    let notice = t.get(&format!("/api/v1/notices/{}", r["id"].as_str().unwrap()), ADMIN).await.expect(200);
    assert_eq!(notice["locations"], json!([]), "the report's locations go with its only case");
    assert_eq!(
        t.get(&format!("/api/v1/cases/{kept}"), &p.token).await.expect(200)["url"],
        "https://video.example/u/john-roe/v/2",
        "a complaint is still open"
    );
    let key_ref = data["key"]["ref"].as_str().unwrap().to_owned();
    let key = t
        .app
        .store()
        .read(move |r| r.personal_value(&vigie_model::PersonalRef::parse(&key_ref).unwrap()))
        .await
        .unwrap();
    assert_eq!(key, None, "the sealed key's value is erased with the case");
    // A new report of the same URL opens a new case.
    let again = case_of(&t, &t.notice(url).await).await;
    assert_ne!(again, case);

    t.advance(Duration::from_days(30));
    t.tick().await;
    let c = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert!(c["decision"]["explanation"].is_null(), "the decision's texts after 60 days: {c}");
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    assert!(n["notice"]["statement_of_reasons"].is_string(), "the notice's body after 90 days");

    t.advance(Duration::from_days(30));
    t.tick().await;
    let n = t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    assert_eq!(n["notice"]["erased"], true, "{n}");
    assert!(n["notice"]["statement_of_reasons"].is_null());

    let stores: Vec<_> = t
        .events(Some("personal_data.erased"))
        .await
        .iter()
        .filter(|e| e["subject"] == case.as_str())
        .map(|e| data_of(e)["store"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stores, ["cases", "decision_texts", "uploader_notices"]);
    assert_eq!(t.get("/api/v1/events/verify", ADMIN).await.expect(200)["ok"], true, "the chain verifies");
    let _ = second;
}

/// GDPR art. 5(1)(e): a stay-down case's upload-match report names the uploader's account and the
/// platform's content id; both go with the case's other identifiers, and the account network no
/// longer finds the case by them. (Before step 12's mend they stayed in the report forever.)
#[tokio::test]
async fn an_upload_matchs_uploader_goes_with_the_cases_identifiers() {
    let t = with_short_retention().await;
    let p = t.platform("video.example").await;
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "removed", "stay_down": true })).await.expect(201);
    let hash = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let entry = json!({ "signal_type": "pdq", "value": hash });
    t.post(&format!("/api/v1/banks/{}/entries", bank["id"].as_str().unwrap()), &p.token, entry).await.expect(201);
    let upload = json!({ "pdq": hash, "url": "https://video.example/v/7", "content_id": "vid-jane-7", "uploader": "acct-jane-doe" });
    let res = t.post("/api/v1/uploads/check", &p.token, upload).await.expect(200);
    let case = res["case"].as_str().expect("a stay-down case").to_owned();
    let graph = |account: &str| json!({ "account": account });
    let view = t.post("/api/v1/graph", &p.token, graph("acct-jane-doe")).await.expect(200);
    assert_eq!(view["nodes"][0]["cases"][0]["id"], case.as_str(), "{view}");
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal("The banked video again.")).await.expect(201);

    t.advance(Duration::from_days(184 + 31));
    t.tick().await;
    let c = t.get(&format!("/api/v1/cases/{case}"), ADMIN).await.expect(200);
    assert!(c["url"].is_null(), "{c}");
    let details = &c["signals"][0]["details"];
    assert!(details.get("uploader").is_none() && details.get("content_id").is_none(), "{details}");
    assert_eq!(details["matches"][0]["signal_type"], "pdq", "the match itself stays: {details}");
    let view = t.post("/api/v1/graph", &p.token, graph("acct-jane-doe")).await.expect(200);
    assert!(view["nodes"][0]["cases"].as_array().is_none_or(Vec::is_empty), "{view}");
}

/// GDPR arts. 25 and 32: a member of the public's pseudonym is a keyed hash (HMAC under a pepper
/// kept in its own file, owner-only, never in the database), not a plain SHA-256 anyone can
/// recompute from a guessed address; pseudonyms recorded before are upgraded at start to the
/// same keyed one, so the counts stay together. (Before step 8 the key was
/// `email:` + SHA-256 of the address.)
#[tokio::test]
async fn notifier_pseudonyms_are_keyed_with_a_pepper_kept_apart_gdpr_32() {
    use sha2::Digest;
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let email = "someone@example.org";
    let mut body = notice_body("https://video.example/v/1");
    body["notifier_email"] = json!(email);
    let r = t.post_anonymous("/api/v1/notices", body).await.expect(201);
    let case = case_of(&t, &r).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let unfounded = json!({ "action": "no_action", "manifestly_unfounded": true, "explanation": "a cooking video" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, unfounded).await.expect(201);
    let list = t.get("/api/v1/notifiers", &p.token).await.expect(200);
    let key = list["notifiers"][0]["key"].as_str().unwrap().to_owned();
    let plain = hex::encode(sha2::Sha256::digest(format!("vigie-notifier-v1\n{email}").as_bytes()));
    assert!(key.starts_with("email-hmac:") && !key.contains(&plain), "{key}");
    assert!(!database_contains(&t, plain.as_bytes()), "no plain hash of the address is stored");

    let pepper_path = t.data_dir().join("pepper");
    let pepper = std::fs::read(&pepper_path).unwrap();
    assert_eq!(pepper.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&pepper_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(!database_contains(&t, &pepper), "the pepper is never in the database");
    assert!(!serde_json::to_string(&t.events(None).await).unwrap().contains(&hex::encode(&pepper)));

    // A pseudonym recorded before step 8 (the plain hash) is upgraded to the same keyed one.
    let legacy = format!("email:{plain}");
    let (k, l) = (key.clone(), legacy.clone());
    t.app.store().write(move |tx| tx.rekey_notifier(&k, &l)).await.unwrap();
    assert_eq!(t.app.upgrade_notifier_keys().await.unwrap(), 1);
    let list = t.get("/api/v1/notifiers", &p.token).await.expect(200);
    assert_eq!(list["notifiers"][0]["key"], key.as_str());
    assert_eq!(list["notifiers"][0]["unfounded"], 1);
}

/// GDPR art. 32: the secret of the uploader's link is never stored, only its hash; the platform
/// reads the same link again (it is derived from the pepper). (Before step 8 the secret was
/// stored in clear beside its hash.)
#[tokio::test]
async fn the_uploader_link_is_stored_as_its_hash_only_gdpr_32() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let case = case_of(&t, &t.notice("https://video.example/v/1").await).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal("Calls for attacks.")).await.expect(201);
    let read = || async { t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200) };
    let token = read().await["token"].as_str().unwrap().to_owned();
    assert_eq!(read().await["token"], token.as_str(), "read again, the same link");
    t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let _ = t.app.store().read(|r| r.count_orgs()).await;
    assert!(!database_contains(&t, token.as_bytes()), "the link's secret is not in the database");
}

/// GDPR art. 5(1)(c): a member of the public's address goes only to the organisation that mails
/// them the outcome, the instance's operator; another hub organisation gets nothing, and an
/// administrator reading the notice does not see it. A delivered message's body is erased.
/// (Before step 8 every hub organisation was sent the address.)
#[tokio::test]
async fn a_notifiers_address_goes_only_to_the_operator_that_mails_it_gdpr_5_1_c() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let operator = Receiver::start().await;
    t.post("/api/v1/webhooks", ADMIN, json!({ "url": operator.url })).await.expect(201);
    let other_hub = t.member("hub", "Second reporting platform", &["reporter"]).await;
    let other = Receiver::start().await;
    t.post("/api/v1/webhooks", &other_hub.token, json!({ "url": other.url })).await.expect(201);
    let mut body = notice_body("https://video.example/v/1");
    body["notifier_email"] = json!("reader@example.org");
    let r = t.post_anonymous("/api/v1/notices", body).await.expect(201);
    let case = case_of(&t, &r).await;
    let seen = t.get(&format!("/api/v1/notices/{}", r["id"].as_str().unwrap()), ADMIN).await.expect(200);
    assert!(seen["notifier_email"].is_null(), "{seen}");
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal("Calls for attacks.")).await.expect(201);
    let mail =
        eventually("the operator's message", || async { operator.of_type("notifier.outcome").into_iter().next() })
            .await;
    assert_eq!(mail["data"]["email"], "reader@example.org");
    let delivery = mail["id"].as_str().unwrap().to_owned();
    eventually("delivered", || async {
        let d = t.get(&format!("/api/v1/deliveries/{delivery}"), ADMIN).await.expect(200);
        d["delivered_at"].is_string().then_some(())
    })
    .await;
    assert!(other.hits().is_empty(), "no other hub is sent the address");
    let id = vigie_model::DeliveryId::parse(&delivery).unwrap();
    let stored = t.app.store().read(move |r| r.get_delivery(&id)).await.unwrap().unwrap();
    assert_eq!(stored.payload, "", "the delivered body is erased");
}
