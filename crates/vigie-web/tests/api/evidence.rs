//! The evidence vault: automatic preservation on removal under an order (TCO art. 6(1)),
//! instrument-based records, purge on expiry as an event, legal holds and art. 6(2) extensions,
//! blobs freed with their last record, KEK rotation, four-eyes exports that verify offline,
//! access only for custodians and granted authorities, and the chain of custody.

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use vigie_app::evidence::bundle;
use vigie_model::Duration;

use crate::console::attach;
use crate::helpers::*;

/// A custody line as the test compares it: action, user, basis, reason.
type CustodyRow = (String, Option<String>, Option<String>, Option<String>);

struct Removed {
    p: Member,
    custodian: Member,
    a: Member,
    order: String,
    case: String,
    image: Vec<u8>,
}

/// A platform with a custodian; an order on one URL; a synthetic image attached; the content
/// removed.
async fn removed_under_an_order(t: &TestApp) -> Removed {
    let p = t.platform("video.example").await;
    let custodian = t.person(&p.org, &["evidence_custodian"]).await;
    let a = t.authority().await;
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201)["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    let image = png(64, 48);
    attach(t, &p, &case, image.clone()).await;
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    Removed { p, custodian, a, order, case, image }
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn records(t: &TestApp, m: &Member, case: &str) -> Vec<Value> {
    t.get(&format!("/api/v1/evidence?case={case}"), &m.token).await.expect(200)["records"].as_array().unwrap().clone()
}

fn content(opened: &Value, kind: &str) -> Vec<u8> {
    let item = opened["items"].as_array().unwrap().iter().find(|i| i["kind"] == kind).expect("an item of the kind");
    base64::engine::general_purpose::STANDARD.decode(item["content_base64"].as_str().unwrap()).unwrap()
}

async fn open(t: &TestApp, m: &Member, record: &str, reason: &str) -> crate::helpers::Res {
    t.post(&format!("/api/v1/evidence/{record}/access"), &m.token, json!({ "reason": reason })).await
}

#[tokio::test]
async fn a_removal_under_an_order_is_preserved_for_six_months_then_purged_as_an_event() {
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let recs = records(&t, &r.custodian, &r.case).await;
    assert_eq!(recs.len(), 1, "one record, made with the removal");
    let rec = &recs[0];
    assert_eq!(
        (rec["basis"].as_str(), rec["purpose"].as_str()),
        (Some("removal_order"), Some("review_and_investigation"))
    );
    assert_eq!(rec["legal_basis"], "Regulation (EU) 2021/784 art. 6(1)");
    let preserved = vigie_model::Timestamp::parse_rfc3339(rec["preserved_at"].as_str().unwrap()).unwrap();
    let expires = vigie_model::Timestamp::parse_rfc3339(rec["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires.since(preserved), Duration::from_days(184), "six months");
    let id = rec["id"].as_str().unwrap().to_owned();

    // The related data and the file, opened with a reason: the bytes are the ones attached.
    let opened = open(&t, &r.custodian, &id, "Preparing the answer to a complaint").await.expect(200);
    assert_eq!(content(&opened, "media"), r.image);
    let related: Value = serde_json::from_slice(&content(&opened, "related_data")).unwrap();
    assert_eq!(related["url"], "https://video.example/v/1");
    assert_eq!(related["media"][0]["sha256"], sha(&r.image));
    assert_eq!(related["media"][0]["original_kept"], true, "the file is in the record too");
    assert_eq!(related["decision"]["action"], "remove");
    let media_sha = sha(&r.image);
    assert!(t.app.vault().has_blob(&media_sha));
    let log = serde_json::to_string(&t.events(None).await).unwrap();
    assert!(!log.contains("Preparing the answer"), "the reason is in the log only sealed");
    assert!(!log.contains("video.example/v/1"), "the related data is not in the log");
    assert!(
        !std::fs::read_dir(t.data_dir().join("evidence")).unwrap().any(|d| {
            std::fs::read_dir(d.unwrap().path()).unwrap().any(|f| std::fs::read(f.unwrap().path()).unwrap() == r.image)
        }),
        "the blob is stored encrypted"
    );

    let preserved = t.events(Some("evidence.preserved")).await;
    assert_eq!(data_of(&preserved[0])["basis"], "removal_order");

    // The last day is still preserved; the day after, the scheduler purges it.
    t.advance(Duration::from_days(184));
    t.tick().await;
    assert_eq!(records(&t, &r.custodian, &r.case).await[0]["state"], "preserved");
    t.advance(Duration::from_days(1));
    t.tick().await;
    let purged = &records(&t, &r.custodian, &r.case).await[0];
    assert_eq!((purged["state"].as_str(), purged["kek"].as_str()), (Some("purged"), Some("")));
    let events = t.events(Some("evidence.purged")).await;
    assert_eq!(
        (data_of(&events[0])["record"].as_str(), data_of(&events[0])["freed"].as_u64()),
        (Some(id.as_str()), Some(2))
    );
    assert!(!t.app.vault().has_blob(&media_sha), "the file's bytes are gone");
    assert_eq!(open(&t, &r.custodian, &id, "again").await.code(), "record_purged");
}

#[tokio::test]
async fn files_no_record_holds_are_swept_and_preserved_files_never_are() {
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let media_sha = sha(&r.image);
    assert!(t.app.vault().has_blob(&media_sha));
    // What a preservation whose transaction failed to commit leaves: a blob file under a key
    // nobody kept, and the temporary file of a write cut short by a crash.
    let orphan = sha(b"a blob whose record never committed");
    let dir = t.data_dir().join("evidence").join(&orphan[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&orphan), b"sealed bytes").unwrap();
    std::fs::write(dir.join(format!(".{orphan}.0123")), b"half written").unwrap();
    assert!(t.app.vault().has_blob(&orphan));

    assert_eq!(t.app.sweep_evidence_blobs().await.unwrap(), 2);
    assert!(!t.app.vault().has_blob(&orphan), "the orphan is gone");
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|f| f.unwrap().file_name()).collect();
    assert!(!left.iter().any(|f| f.to_string_lossy().contains(&orphan)), "and so is the temporary file: {left:?}");
    assert!(t.app.vault().has_blob(&media_sha), "the preserved file stays");
    let recs = records(&t, &r.custodian, &r.case).await;
    let opened = open(&t, &r.custodian, recs[0]["id"].as_str().unwrap(), "Checking the sweep").await.expect(200);
    assert_eq!(content(&opened, "media"), r.image, "and still opens");
    assert_eq!(t.app.sweep_evidence_blobs().await.unwrap(), 0, "a second sweep finds nothing");
    // Freeing a file some record still holds does nothing.
    assert_eq!(t.app.free_evidence_blobs(vec![media_sha.clone()]).await.unwrap(), 0);
    assert!(t.app.vault().has_blob(&media_sha));
}

#[tokio::test]
async fn a_pending_court_challenge_pauses_the_purge_and_alone_allows_an_extension() {
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let id = records(&t, &r.custodian, &r.case).await[0]["id"].as_str().unwrap().to_owned();
    let until = t.now().plus(Duration::from_days(300)).to_rfc3339();
    let extend = json!({ "proceeding": "TA Paris 2026/77", "ends_at": until });
    let path = format!("/api/v1/evidence/{id}/extend");
    let res = t.post(&path, &r.custodian.token, extend.clone()).await;
    assert_eq!((res.status.as_u16(), res.code()), (409, "no_review_pending"));

    // The platform challenges the order in court: a review proceeds.
    let filed =
        json!({ "court": "Tribunal administratif de Paris", "reference": "TA-2026-77", "filed_on": "2026-11-02" });
    let challenge = t.post(&format!("/api/v1/orders/{}/challenges", r.order), &r.p.token, filed).await.expect(201);
    let extended = t.post(&path, &r.custodian.token, extend).await.expect(200);
    assert_eq!(
        (extended["expires_at"].as_str(), extended["extension_proceeding"].as_str()),
        (Some(until.as_str()), Some("TA Paris 2026/77"))
    );

    // Past the extension, the pending challenge still holds the purge.
    t.advance(Duration::from_days(301));
    t.tick().await;
    assert_eq!(records(&t, &r.custodian, &r.case).await[0]["state"], "preserved");
    assert!(t.events(Some("evidence.purged")).await.is_empty());

    // The court upholds the order: nothing pauses the purge any more.
    let outcome = format!("/api/v1/orders/{}/challenges/{}/outcome", r.order, challenge["id"].as_str().unwrap());
    let upheld = json!({ "outcome": "upheld", "decided_on": "2026-11-20", "reference": "TA-2026-77/J" });
    t.post(&outcome, &r.a.token, upheld).await.expect(200);
    t.tick().await;
    assert_eq!(records(&t, &r.custodian, &r.case).await[0]["state"], "purged");
}

#[tokio::test]
async fn an_instrument_needs_its_reference_and_a_blob_is_freed_only_with_its_last_record() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let custodian = t.person(&p.org, &["evidence_custodian"]).await;
    let case = crate::console::case_of(&t, &t.notice("https://video.example/v/kept").await).await;
    let image = png(40, 40);
    attach(&t, &p, &case, image.clone()).await;
    let in_days = |d: i64| t.now().plus(Duration::from_days(d)).to_rfc3339();
    let body = |basis: &str, days: i64| json!({ "case": case, "basis": basis, "reference": "PO-2026-17", "issuing_authority": "Parquet national antiterroriste", "ends_at": in_days(days) });
    let res = t.post("/api/v1/evidence", &custodian.token, body("european_preservation_order", 61)).await;
    assert_eq!((res.status.as_u16(), res.field_codes()), (422, vec!["too_long".to_owned()]));
    let res = t.post("/api/v1/evidence", &custodian.token, body("removal_order", 30)).await;
    assert_eq!(res.field_codes(), ["not_an_instrument"]);
    let mut no_ref = body("national_preservation_order", 30);
    no_ref.as_object_mut().unwrap().remove("reference");
    assert_eq!(t.post("/api/v1/evidence", &custodian.token, no_ref).await.fields(), ["reference"]);
    assert_eq!(t.post("/api/v1/evidence", &p.token, body("national_preservation_order", 10)).await.status, 403);

    let first = t.post("/api/v1/evidence", &custodian.token, body("national_preservation_order", 10)).await.expect(201);
    assert_eq!(
        (first["purpose"].as_str(), first["reference"].as_str()),
        (Some("criminal_proceedings"), Some("PO-2026-17"))
    );
    // A second later, so that "newest first" has one answer.
    t.advance(Duration::from_secs(1));
    let second =
        t.post("/api/v1/evidence", &custodian.token, body("european_preservation_order", 40)).await.expect(201);
    let detail =
        t.get(&format!("/api/v1/evidence/{}", second["id"].as_str().unwrap()), &custodian.token).await.expect(200);
    assert!(detail["items"].as_array().unwrap().iter().any(|i| i["sha256"] == sha(&image)));

    t.advance(Duration::from_days(11));
    t.tick().await;
    let states: Vec<_> =
        records(&t, &custodian, &case).await.iter().map(|r| r["state"].as_str().unwrap().to_owned()).collect();
    assert_eq!(states, ["preserved", "purged"], "newest first: the national order ended");
    assert!(t.app.vault().has_blob(&sha(&image)), "the other record still holds the file");
    let opened = open(&t, &custodian, second["id"].as_str().unwrap(), "Answering the EPO").await.expect(200);
    assert_eq!(content(&opened, "media"), image);

    t.advance(Duration::from_days(30));
    t.tick().await;
    assert!(!t.app.vault().has_blob(&sha(&image)), "freed with its last record");
}

#[tokio::test]
async fn old_records_still_open_after_a_new_kek_and_a_rewrap() {
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let id = records(&t, &r.custodian, &r.case).await[0]["id"].as_str().unwrap().to_owned();
    let key_file = t.data_dir().join("evidence-keys");
    let first = std::fs::read_to_string(&key_file).unwrap();
    assert!(first.starts_with("k1:"));
    let new_key = format!("k2:{}\n", hex::encode([7u8; 32]));
    std::fs::write(&key_file, format!("{first}{new_key}")).unwrap();
    assert_eq!(t.post("/api/v1/evidence/rewrap", &r.custodian.token, json!({})).await.status, 403);
    let done = t.post("/api/v1/evidence/rewrap", ADMIN, json!({})).await.expect(200);
    assert_eq!((done["records"].as_u64(), done["kek"].as_str()), (Some(1), Some("k2")));
    assert_eq!(records(&t, &r.custodian, &r.case).await[0]["kek"], "k2");

    // The old key is retired: the record opens under the new one alone.
    std::fs::write(&key_file, &new_key).unwrap();
    let again = t.post("/api/v1/evidence/rewrap", ADMIN, json!({})).await.expect(200);
    assert_eq!(again["records"], 0);
    let opened = open(&t, &r.custodian, &id, "Checking the rotation").await.expect(200);
    assert_eq!(content(&opened, "media"), r.image);
    assert_eq!(data_of(&t.events(Some("evidence.rewrapped")).await[0])["kek"], "k2");
}

#[tokio::test]
async fn only_custodians_and_authorities_on_a_granted_request_open_a_record_and_custody_lists_each_access() {
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let id = records(&t, &r.custodian, &r.case).await[0]["id"].as_str().unwrap().to_owned();
    let other = t.platform("other.example").await;
    let other_custodian = t.person(&other.org, &["evidence_custodian"]).await;
    let stranger = t.authority().await;

    // A moderator of the same platform is not a custodian; another platform's custodian and an
    // authority without a granted request find nothing.
    assert_eq!(t.get("/api/v1/evidence", &r.p.token).await.status, 403);
    assert_eq!(open(&t, &r.p, &id, "curious").await.status.as_u16(), 403);
    assert_eq!(t.get(&format!("/api/v1/evidence/{id}"), &other_custodian.token).await.status, 404);
    assert_eq!(open(&t, &other_custodian, &id, "curious").await.status.as_u16(), 404);
    assert_eq!(open(&t, &r.a, &id, "Investigation 2026/118").await.status.as_u16(), 404);
    assert!(records(&t, &other_custodian, &r.case).await.is_empty());

    // The authority that issued the order asks; a stranger cannot even ask.
    let ask = json!({ "reference": "Réquisition 2026/118" });
    assert_eq!(t.post(&format!("/api/v1/evidence/{id}/requests"), &stranger.token, ask.clone()).await.status, 404);
    let q = t.post(&format!("/api/v1/evidence/{id}/requests"), &r.a.token, ask).await.expect(201);
    let qid = q["id"].as_str().unwrap();
    assert_eq!(open(&t, &r.a, &id, "Investigation 2026/118").await.status.as_u16(), 404, "not granted yet");
    assert_eq!(
        t.post(&format!("/api/v1/evidence/requests/{qid}/grant"), &other_custodian.token, json!({})).await.status,
        404
    );
    t.post(&format!("/api/v1/evidence/requests/{qid}/grant"), &r.custodian.token, json!({})).await.expect(200);
    let opened = open(&t, &r.a, &id, "Investigation 2026/118").await.expect(200);
    assert_eq!(content(&opened, "media"), r.image);
    assert_eq!(open(&t, &stranger, &id, "x").await.status.as_u16(), 404, "the grant is the asking authority's only");

    open(&t, &r.custodian, &id, "Quality check of the preserved copy").await.expect(200);
    let log = t.get(&format!("/api/v1/evidence/{id}/custody"), &r.custodian.token).await.expect(200);
    let lines: Vec<CustodyRow> = log["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_owned(),
                l["user"].as_str().map(str::to_owned),
                l["basis"].as_str().map(str::to_owned),
                l["reason"].as_str().map(str::to_owned),
            )
        })
        .collect();
    let expected = vec![
        ("preserved".to_owned(), Some(r.p.user.clone()), None, None),
        ("access_requested".to_owned(), Some(r.a.user.clone()), None, None),
        ("access_granted".to_owned(), Some(r.custodian.user.clone()), None, None),
        (
            "accessed".to_owned(),
            Some(r.a.user.clone()),
            Some("authority_request".to_owned()),
            Some("Investigation 2026/118".to_owned()),
        ),
        (
            "accessed".to_owned(),
            Some(r.custodian.user.clone()),
            Some("custody".to_owned()),
            Some("Quality check of the preserved copy".to_owned()),
        ),
    ];
    assert_eq!(lines, expected, "refused attempts open nothing and log nothing");
    let accessed = t.events(Some("evidence.accessed")).await;
    assert_eq!(accessed.len(), 2);
    let seqs: Vec<i64> = log["custody"].as_array().unwrap().iter().map(|l| l["event_seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "each line names its own event, in order");
}

#[tokio::test]
async fn an_export_needs_a_second_custodian_and_its_bundle_verifies_offline() {
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let second = t.person(&r.p.org, &["evidence_custodian"]).await;
    let (secret, public) = bundle::keypair();
    let ask =
        json!({ "case": r.case, "recipient": hex::encode(public), "reason": "Transfer to the investigating judge" });
    let bad = json!({ "case": r.case, "recipient": "abcd", "reason": "x" });
    assert_eq!(t.post("/api/v1/evidence/exports", &r.custodian.token, bad).await.field_codes(), ["invalid_key"]);
    let x = t.post("/api/v1/evidence/exports", &r.custodian.token, ask).await.expect(201);
    let xid = x["id"].as_str().unwrap();
    let bundle_path = format!("/api/v1/evidence/exports/{xid}/bundle");
    assert_eq!(t.get(&bundle_path, &r.custodian.token).await.code(), "export_not_approved");
    let same = t.post(&format!("/api/v1/evidence/exports/{xid}/approve"), &r.custodian.token, json!({})).await;
    assert_eq!((same.status.as_u16(), same.code()), (409, "four_eyes"));
    let approved =
        t.post(&format!("/api/v1/evidence/exports/{xid}/approve"), &second.token, json!({})).await.expect(200);
    assert_eq!(approved["approved_by"], second.user.as_str());

    let res = t.http.get(t.url(&bundle_path)).bearer_auth(&r.custodian.token).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    assert!(!bytes.windows(8).any(|w| w == &r.image[..8]), "the bundle is encrypted");
    let v = bundle::open_and_verify(&bytes, &secret).expect("the bundle verifies");
    assert_eq!(v.blobs[&sha(&r.image)], r.image);
    assert_eq!((v.manifest.case.as_str(), v.manifest.approved_by.as_str()), (r.case.as_str(), second.user.as_str()));
    assert_eq!(v.manifest.records[0].basis, "removal_order");
    let actions: Vec<_> = v.manifest.custody.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["preserved", "export_requested", "export_approved"]);
    let events = t.events(None).await;
    for e in &v.manifest.events {
        let logged = events.iter().find(|x| x["seq"].as_i64() == Some(e.seq)).expect("the event is in the log");
        assert_eq!(logged["hash"].as_str(), Some(e.hash.as_str()), "the manifest carries its chain hash");
    }
    // Each event has its inclusion proof in the checkpoint the export signed, which the log's
    // key opens; open_and_verify checked every proof against its root.
    assert_eq!(v.manifest.proofs.len(), v.manifest.events.len());
    assert!(!v.manifest.events.is_empty());
    let key = t.get("/api/v1/log/key", ADMIN).await.expect(200);
    let vkey = vigie_log::VerifierKey::parse(key["verifier_key"].as_str().unwrap()).unwrap();
    let note = v.manifest.checkpoint.clone().expect("the checkpoint");
    let signed = vigie_log::Checkpoint::open(note.as_bytes(), vkey.name(), std::slice::from_ref(&vkey)).unwrap();
    assert!(signed.checkpoint().size() >= v.manifest.events.iter().map(|e| e.seq as u64).max().unwrap());
    // A manifest whose proof is altered does not verify.
    let mut forged = v.manifest.clone();
    forged.proofs[0]["leaf_hash"] = json!(vigie_app::tlog::b64(&[7; 32]));
    let blobs: Vec<(String, Vec<u8>)> = v.blobs.iter().map(|(k, b)| (k.clone(), b.clone())).collect();
    let honest = bundle::seal_bundle(&v.manifest, &blobs, &bundle::public_of(&secret));
    assert!(bundle::open_and_verify(&honest, &secret).is_ok(), "resealed as it was, it verifies");
    let resealed = bundle::seal_bundle(&forged, &blobs, &bundle::public_of(&secret));
    let refused = bundle::open_and_verify(&resealed, &secret);
    assert!(matches!(refused, Err(bundle::BundleError::Proof(_))), "{refused:?}");
    let exported = t.events(Some("evidence.exported")).await;
    assert_eq!(data_of(&exported[0])["bundle_sha256"], sha(&bytes));

    // A flipped byte anywhere, or another recipient's key, fails.
    let mut tampered = bytes.clone();
    let at = tampered.len() / 2;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    assert!(bundle::open_and_verify(&tampered, &secret).is_err());
    let (other, _) = bundle::keypair();
    assert!(bundle::open_and_verify(&bytes, &other).is_err());
}

/// The custodians' page in a real browser: the record made with the removal is listed, opened
/// with a reason (its related data shown), an export requested by one custodian and approved by
/// the other, who alone is offered the button.
#[tokio::test]
async fn custodians_open_a_record_and_pass_an_export_between_them_in_the_console() {
    use crate::console::{PASSWORD, with_password};
    use crate::webdriver::Browser;
    let t = TestApp::start().await;
    let r = removed_under_an_order(&t).await;
    let second = t.person(&r.p.org, &["evidence_custodian"]).await;
    let first_login = with_password(&t, &r.custodian, "custodian.one").await;
    let second_login = with_password(&t, &second, "custodian.two").await;
    let id = records(&t, &r.custodian, &r.case).await[0]["id"].as_str().unwrap().to_owned();

    let b = Browser::start().await;
    let sign_in = |login: String| {
        let b = &b;
        let t = &t;
        async move {
            b.goto(&t.url("/login")).await;
            b.type_into(&b.find("#login").await, &login).await;
            b.type_into(&b.find("#password").await, PASSWORD).await;
            b.click(&b.find("form.stack button[type=submit]").await).await;
            b.wait_url("/evidence").await;
        }
    };
    sign_in(first_login).await;
    b.type_into(&b.find(&format!("#reason-{id}")).await, "Checking the copy before the hearing").await;
    b.click(&b.find(&format!("#record-{id} form.open-record button")).await).await;
    let related = b.wait_text("pre.related-data", |s| !s.is_empty()).await;
    assert!(related.contains("https://video.example/v/1"), "{related}");

    let (_, public) = bundle::keypair();
    b.type_into(&b.find("#export-case").await, &r.case).await;
    b.type_into(&b.find("#recipient").await, &hex::encode(public)).await;
    b.type_into(&b.find("#export-reason").await, "Transfer to the investigating judge").await;
    b.click(&b.find("form.request-export button").await).await;
    let state = b.wait_text("td.export-state", |s| !s.is_empty()).await;
    assert!(state.contains("waiting for another custodian"), "{state}");
    assert!(b.try_find("form.approve").await.is_none(), "the requester is not offered the approval");

    let b2 = Browser::start().await;
    b2.goto(&t.url("/login")).await;
    b2.type_into(&b2.find("#login").await, &second_login).await;
    b2.type_into(&b2.find("#password").await, PASSWORD).await;
    b2.click(&b2.find("form.stack button[type=submit]").await).await;
    b2.wait_url("/evidence").await;
    b2.click(&b2.find("form.approve button").await).await;
    let state = b2.wait_text("td.export-state", |s| s.contains("approved")).await;
    assert!(state.contains("approved"), "{state}");

    let log = t.get(&format!("/api/v1/evidence/{id}/custody"), &r.custodian.token).await.expect(200);
    let opened = log["custody"].as_array().unwrap().iter().find(|l| l["action"] == "accessed").unwrap().clone();
    assert_eq!(
        (opened["user"].as_str(), opened["reason"].as_str()),
        (Some(r.custodian.user.as_str()), Some("Checking the copy before the hearing"))
    );
    let exports = t.get("/api/v1/evidence/exports", &r.custodian.token).await.expect(200);
    assert_eq!(exports["exports"][0]["approved_by"], second.user.as_str());
}
