//! Hash banks over HTTP: visibility and sharing, thresholds, timed disable, allow banks, flood
//! quarantine, import and export, HMA's endpoints, and the stay-down check.

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use vigie_model::Duration;

use crate::helpers::*;

const H0: &str = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/// `hash` with its first `bits` bits flipped.
fn flip(hash: &str, bits: usize) -> String {
    let mut bytes = hex::decode(hash).unwrap();
    for k in 0..bits {
        bytes[k / 8] ^= 0x80 >> (k % 8);
    }
    hex::encode(bytes)
}

async fn bank(t: &TestApp, m: &Member, body: Value) -> String {
    t.post("/api/v1/banks", &m.token, body).await.expect(201)["id"].as_str().unwrap().to_owned()
}

async fn add(t: &TestApp, m: &Member, bank: &str, body: Value) -> i64 {
    t.post(&format!("/api/v1/banks/{bank}/entries"), &m.token, body).await.expect(201)["id"].as_i64().unwrap()
}

async fn check(t: &TestApp, m: &Member, body: Value) -> Value {
    t.post("/api/v1/uploads/check", &m.token, body).await.expect(200)
}

fn entries_of(check: &Value) -> Vec<i64> {
    check["matches"].as_array().unwrap().iter().map(|m| m["entry"].as_i64().unwrap()).collect()
}

async fn patch(t: &TestApp, m: &Member, path: &str, body: Value) -> Res {
    t.send(Method::PATCH, path, Some(&m.token), Some(body)).await
}

#[tokio::test]
async fn a_bank_exists_only_for_its_owner_and_those_it_is_shared_with() {
    let t = TestApp::start().await;
    let owner = t.member("trusted_flagger", "Hash list", &["reporter"]).await;
    let sub = t.platform("tube.example").await;
    let other = t.platform("other.example").await;
    let id = bank(&t, &owner, json!({ "name": "TERROR", "labels": { "group": "g1", "tier": "1" } })).await;
    let entry = add(
        &t,
        &owner,
        &id,
        json!({ "signal_type": "pdq", "value": H0, "note": "from the attack video", "content_id": "secret-42" }),
    )
    .await;
    let lookup = format!("/m/lookup?signal_type=pdq&signal={H0}");

    // Not shared: nothing shows that the bank exists.
    assert_eq!(t.get(&format!("/api/v1/banks/{id}"), &sub.token).await.status, 404);
    assert!(t.get("/api/v1/banks", &sub.token).await.expect(200)["banks"].as_array().unwrap().is_empty());
    assert_eq!(t.get("/c/bank/TERROR", &sub.token).await.status, 404);
    assert_eq!(t.get(&lookup, &sub.token).await.expect(200), json!({}));
    assert_eq!(t.get(&format!("/m/lookup?signal_type=pdq&signal={H0}&banks=TERROR"), &sub.token).await.status, 404);

    // Match-only: lookups match; the entry shows no content id, note or hash; no curation.
    let shared = t
        .send(
            Method::PUT,
            &format!("/api/v1/banks/{id}/shares/{}", sub.org),
            Some(&owner.token),
            Some(json!({ "mode": "match" })),
        )
        .await
        .expect(200);
    assert_eq!(shared["shares"][0]["mode"], "match");
    let found = t.get(&lookup, &sub.token).await.expect(200);
    assert_eq!(found, json!({ "TERROR": [{ "bank_content_id": entry, "distance": "0" }] }));
    let seen = t.get(&format!("/api/v1/banks/{id}"), &sub.token).await.expect(200);
    assert_eq!((seen["access"].as_str(), seen.get("shares")), (Some("match"), None), "{seen}");
    let e = t.get(&format!("/api/v1/banks/{id}/entries/{entry}"), &sub.token).await.expect(200);
    assert!(e.get("note").is_none() && e.get("content_id").is_none() && e.get("value").is_none(), "{e}");
    assert!(!serde_json::to_string(&e).unwrap().contains("secret-42"));
    let add_res = t
        .post(
            &format!("/api/v1/banks/{id}/entries"),
            &sub.token,
            json!({ "signal_type": "pdq", "value": flip(H0, 40) }),
        )
        .await;
    assert_eq!(add_res.status, 403);
    assert_eq!(t.get(&format!("/api/v1/banks/{id}/export"), &sub.token).await.status, 403);
    assert_eq!(patch(&t, &sub, &format!("/api/v1/banks/{id}"), json!({ "threshold": 5 })).await.status, 403);
    // Feedback, kept with who gave it; the owner sees it, other subscribers would not.
    t.post(
        &format!("/api/v1/banks/{id}/entries/{entry}/feedback"),
        &sub.token,
        json!({ "verdict": "false_positive", "note": "a news report" }),
    )
    .await
    .expect(201);
    let full = t.get(&format!("/api/v1/banks/{id}/entries/{entry}"), &owner.token).await.expect(200);
    assert_eq!(full["feedback"][0]["verdict"], "false_positive");
    assert_eq!(full["feedback"][0]["user"], sub.user.as_str());
    assert_eq!(full["content_id"], "secret-42");
    // The third organisation still sees nothing.
    assert_eq!(t.get(&lookup, &other.token).await.expect(200), json!({}));

    // Co-curator: adds entries.
    t.send(
        Method::PUT,
        &format!("/api/v1/banks/{id}/shares/{}", sub.org),
        Some(&owner.token),
        Some(json!({ "mode": "curate" })),
    )
    .await
    .expect(200);
    add(&t, &sub, &id, json!({ "signal_type": "pdq", "value": flip(H0, 40) })).await;

    // Unshared: gone again.
    t.send(Method::DELETE, &format!("/api/v1/banks/{id}/shares/{}", sub.org), Some(&owner.token), None)
        .await
        .expect(200);
    assert_eq!(t.get(&lookup, &sub.token).await.expect(200), json!({}));
    assert_eq!(t.get(&format!("/api/v1/banks/{id}"), &sub.token).await.status, 404);
    let kinds: Vec<_> = t.events(None).await.iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    for k in ["bank.created", "bank.entries_added", "bank.shared", "bank.feedback", "bank.unshared"] {
        assert!(kinds.iter().any(|x| x == k), "no {k} event");
    }
}

#[tokio::test]
async fn hma_clients_curate_and_match_and_a_one_entry_bank_matches() {
    let t = TestApp::start().await;
    let p = t.member("platform", "Tube", &["integrator"]).await;
    let created = t.post("/c/banks", &p.token, json!({ "name": "ONE" })).await.expect(201);
    assert_eq!(created, json!({ "name": "ONE", "matching_enabled_ratio": 1.0 }));
    assert_eq!(
        t.post("/c/banks", &p.token, json!({ "name": "ONE" })).await.status,
        403,
        "HMA answers 403 when it exists"
    );
    let added = t.post("/c/bank/ONE/signal", &p.token, json!({ "pdq": H0, "note": "n" })).await.expect(200);
    let id = added["id"].as_i64().unwrap();
    assert_eq!(added["signals"], json!({ "pdq": H0 }));

    // HMA's bug #1318 (a one-hash index matches nothing) does not exist here.
    let near = flip(H0, 5);
    let res = t.get(&format!("/m/lookup?signal_type=pdq&signal={near}"), &p.token).await.expect(200);
    assert_eq!(res, json!({ "ONE": [{ "bank_content_id": id, "distance": "5" }] }));
    let far = flip(H0, 32);
    assert_eq!(t.get(&format!("/m/lookup?signal_type=pdq&signal={far}"), &p.token).await.expect(200), json!({}));
    let raw = t
        .get(&format!("/m/raw_lookup?signal_type=pdq&signal={near}&include_distance=true"), &p.token)
        .await
        .expect(200);
    assert_eq!(raw, json!({ "matches": [{ "bank_content_id": id, "distance": "5" }] }));
    let raw = t.get(&format!("/m/raw_lookup?signal_type=pdq&signal={near}"), &p.token).await.expect(200);
    assert_eq!(raw, json!({ "matches": [id] }));
    let status = t.get("/m/index/status?signal_type=pdq", &p.token).await.expect(200);
    assert_eq!(status["pdq"]["size"], 1);
    assert_eq!(status["pdq"]["present"], true);

    // Content by upload: a photo becomes a PDQ entry; a lookup of the same photo finds it.
    let image = png(320, 240);
    let (ctype, body) = multipart(&[("photo", &image)]);
    let res = t
        .http
        .post(t.url("/c/bank/ONE/content"))
        .bearer_auth(&p.token)
        .header("content-type", &ctype)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let content: Value = res.json().await.unwrap();
    let expected = vigie_hash::hash_image(&image, &Default::default()).unwrap();
    assert_eq!(content["signals"]["pdq"], expected.pdq.hash.to_string());
    let res = t
        .http
        .post(t.url("/m/lookup"))
        .bearer_auth(&p.token)
        .header("content-type", &ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    let found: Value = res.json().await.unwrap();
    assert_eq!(found["pdq"]["ONE"][0]["bank_content_id"], content["id"], "{found}");

    // Sampling off: lookups skip the bank unless they bypass the coin flip.
    t.send(Method::PUT, "/c/bank/ONE", Some(&p.token), Some(json!({ "enabled": false }))).await.expect(200);
    assert_eq!(t.get(&format!("/m/lookup?signal_type=pdq&signal={H0}"), &p.token).await.expect(200), json!({}));
    let bypass =
        t.get(&format!("/m/lookup?signal_type=pdq&signal={H0}&bypass_coinflip=true"), &p.token).await.expect(200);
    assert_eq!(bypass["ONE"][0]["bank_content_id"], id);
    // Rename, then delete.
    t.send(Method::PUT, "/c/bank/ONE", Some(&p.token), Some(json!({ "name": "TWO", "enabled": true })))
        .await
        .expect(200);
    let list = t.get("/c/banks", &p.token).await.expect(200);
    assert_eq!(list, json!([{ "name": "TWO", "matching_enabled_ratio": 1.0 }]));
    assert_eq!(
        t.send(Method::DELETE, "/c/bank/TWO", Some(&p.token), None).await.expect(200),
        json!({ "message": "Done" })
    );
    assert_eq!(t.get(&format!("/m/lookup?signal_type=pdq&signal={H0}"), &p.token).await.expect(200), json!({}));
    // Closed by default, and unknown signal types are a clear error.
    assert_eq!(t.send(Method::GET, "/c/banks", None, None).await.status, 401);
    let bad = t.get(&format!("/m/lookup?signal_type=tmk&signal={H0}"), &p.token).await;
    assert_eq!((bad.status.as_u16(), bad.code()), (400, "unknown_signal_type"));
    let bad = t.get("/m/lookup?signal_type=pdq&signal=abc", &p.token).await;
    assert_eq!((bad.status.as_u16(), bad.code()), (400, "invalid_signal"));
}

#[tokio::test]
async fn thresholds_are_per_bank_and_exact_hashes_match_exactly() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let strict = bank(&t, &p, json!({ "name": "strict", "threshold": 8 })).await;
    let loose = bank(&t, &p, json!({ "name": "loose", "threshold": 63 })).await;
    let e_strict = add(&t, &p, &strict, json!({ "signal_type": "pdq", "value": H0 })).await;
    let e_loose = add(&t, &p, &loose, json!({ "signal_type": "pdq", "value": H0 })).await;
    let at = |bits| check(&t, &p, json!({ "pdq": flip(H0, bits) }));
    assert_eq!(entries_of(&at(8).await), [e_strict, e_loose]);
    assert_eq!(entries_of(&at(9).await), [e_loose]);
    assert_eq!(entries_of(&at(63).await), [e_loose]);
    assert!(entries_of(&at(64).await).is_empty());
    let bad = patch(&t, &p, &format!("/api/v1/banks/{strict}"), json!({ "threshold": 64 })).await;
    assert_eq!(bad.fields(), ["threshold"]);

    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let sha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    let e_md5 = add(&t, &p, &strict, json!({ "signal_type": "video_md5", "value": md5.to_uppercase() })).await;
    let e_sha = add(&t, &p, &strict, json!({ "signal_type": "sha256", "value": sha })).await;
    assert_eq!(entries_of(&check(&t, &p, json!({ "md5": md5 })).await), [e_md5]);
    assert_eq!(entries_of(&check(&t, &p, json!({ "sha256": sha })).await), [e_sha]);
    assert!(entries_of(&check(&t, &p, json!({ "md5": "d41d8cd98f00b204e9800998ecf8427f" })).await).is_empty());
    let dup = t
        .post(&format!("/api/v1/banks/{strict}/entries"), &p.token, json!({ "signal_type": "md5", "value": md5 }))
        .await;
    assert_eq!((dup.status.as_u16(), dup.body["id"].as_i64()), (200, Some(e_md5)), "a value is held once per bank");
    let bad = t
        .post(&format!("/api/v1/banks/{strict}/entries"), &p.token, json!({ "signal_type": "photodna", "value": md5 }))
        .await;
    assert_eq!(bad.field_codes(), ["unknown_signal_type"]);
    // A TMK entry is a binary file, added on its own endpoint (`tmk.rs`), never a JSON value.
    let bad = t
        .post(&format!("/api/v1/banks/{strict}/entries"), &p.token, json!({ "signal_type": "tmk", "value": sha }))
        .await;
    assert_eq!(bad.field_codes(), ["file_signal_type"]);
    let bad = t
        .post(&format!("/api/v1/banks/{strict}/entries"), &p.token, json!({ "signal_type": "sha256", "value": md5 }))
        .await;
    assert_eq!(bad.field_codes(), ["invalid_hash"]);
}

#[tokio::test]
async fn an_entry_disabled_for_a_while_matches_again_when_the_time_is_up() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let b = bank(&t, &p, json!({ "name": "b" })).await;
    let e = add(&t, &p, &b, json!({ "signal_type": "pdq", "value": H0 })).await;
    let path = format!("/api/v1/banks/{b}/entries/{e}");
    let until = t.app.now().plus(Duration::from_hours(1)).to_rfc3339();
    let res = patch(&t, &p, &path, json!({ "disabled_until": until })).await.expect(200);
    assert_eq!(res["state"], "disabled");
    assert!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await).is_empty());
    let raw = t.get(&format!("/m/raw_lookup?signal_type=pdq&signal={H0}"), &p.token).await.expect(200);
    assert_eq!(raw, json!({ "matches": [e] }), "a raw lookup ignores the disable, as HMA's");
    t.advance(Duration::from_mins(61));
    assert_eq!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await), [e]);
    patch(&t, &p, &path, json!({ "disabled_until": "forever" })).await.expect(200);
    t.advance(Duration::from_days(3650));
    assert!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await).is_empty());
    patch(&t, &p, &path, json!({ "disabled_until": null, "note": "reviewed" })).await.expect(200);
    assert_eq!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await), [e]);
    // Removed: never matches, even raw; the bank counts it no more.
    assert_eq!(t.get(&format!("/api/v1/banks/{b}"), &p.token).await.expect(200)["entries"], 1);
    t.send(Method::DELETE, &path, Some(&p.token), None).await.expect(204);
    assert_eq!(t.get(&format!("/api/v1/banks/{b}"), &p.token).await.expect(200)["entries"], 0);
    assert_eq!(t.send(Method::DELETE, &path, Some(&p.token), None).await.status, 404, "removed once");
    assert!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await).is_empty());
    assert_eq!(
        t.get(&format!("/m/raw_lookup?signal_type=pdq&signal={H0}"), &p.token).await.expect(200),
        json!({ "matches": [] })
    );
}

#[tokio::test]
async fn an_allow_bank_match_suppresses_a_block_match() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let block = bank(&t, &p, json!({ "name": "block", "stay_down": true })).await;
    let allow = bank(&t, &p, json!({ "name": "news-footage", "kind": "allow", "threshold": 4 })).await;
    add(&t, &p, &block, json!({ "signal_type": "pdq", "value": H0 })).await;
    let near = flip(H0, 10);
    let res = check(&t, &p, json!({ "pdq": near, "url": "https://tube.example/v/1" })).await;
    assert_eq!((res["verdict"].as_str(), res["matches"][0]["action"].as_str()), (Some("match"), Some("stay_down")));
    assert!(res["case"].is_string());
    add(&t, &p, &allow, json!({ "signal_type": "pdq", "value": near })).await;
    let res = check(&t, &p, json!({ "pdq": near, "url": "https://tube.example/v/2" })).await;
    assert_eq!(res["verdict"], "allowed", "{res}");
    assert_eq!(res["case"], Value::Null, "no stay-down case for allowed content");
    let actions: Vec<_> = res["matches"].as_array().unwrap().iter().map(|m| m["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["allow", "stay_down"]);
}

#[tokio::test]
async fn hashes_of_low_quality_never_match_and_are_reported() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let b = bank(&t, &p, json!({ "name": "b" })).await;
    add(&t, &p, &b, json!({ "signal_type": "pdq", "value": H0, "quality": 50 })).await;
    let low = t
        .post(
            &format!("/api/v1/banks/{b}/entries"),
            &p.token,
            json!({ "signal_type": "pdq", "value": H0, "quality": 49 }),
        )
        .await;
    assert_eq!(low.field_codes(), ["low_quality"]);
    let res = check(&t, &p, json!({ "pdq": H0, "pdq_quality": 30 })).await;
    assert_eq!((res["verdict"].as_str(), res["pdq_unreliable"].as_bool()), (Some("no_match"), Some(true)));
    // A flat image hashes to quality 0: the upload is not looked up, the bank refuses it.
    let flat = image::RgbImage::from_pixel(100, 100, image::Rgb([90, 90, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    flat.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    let media = base64::engine::general_purpose::STANDARD.encode(bytes.get_ref());
    let res = check(&t, &p, json!({ "media": media })).await;
    assert_eq!((res["pdq_unreliable"].as_bool(), res["hashes"]["pdq_quality"].as_u64()), (Some(true), Some(0)));
    let (ctype, body) = multipart(&[("photo", bytes.get_ref())]);
    let res = t
        .http
        .post(t.url("/c/bank/b/content"))
        .bearer_auth(&p.token)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn an_entry_that_floods_is_quarantined_until_a_curator_releases_it() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let b = bank(&t, &p, json!({ "name": "b", "flood_limit": 3 })).await;
    let e = add(&t, &p, &b, json!({ "signal_type": "pdq", "value": H0 })).await;
    for _ in 0..3 {
        let res = check(&t, &p, json!({ "pdq": H0 })).await;
        assert_eq!((res["verdict"].as_str(), res["matches"][0]["quarantined"].as_bool()), (Some("match"), Some(false)));
    }
    let res = check(&t, &p, json!({ "pdq": H0 })).await;
    assert_eq!((res["verdict"].as_str(), res["matches"][0]["quarantined"].as_bool()), (Some("no_match"), Some(true)));
    assert!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await).is_empty(), "quarantined entries do not match");
    let quarantines = t.events(Some("bank.entry_quarantined")).await;
    assert_eq!(quarantines.len(), 1);
    let path = format!("/api/v1/banks/{b}/entries/{e}");
    assert_eq!(t.get(&path, &p.token).await.expect(200)["state"], "quarantined");
    patch(&t, &p, &path, json!({ "release_quarantine": true })).await.expect(200);
    assert_eq!(t.events(Some("bank.entry_released")).await.len(), 1);
    // The hour's count is spent; the next hour starts afresh.
    t.advance(Duration::from_hours(1));
    assert_eq!(entries_of(&check(&t, &p, json!({ "pdq": H0 })).await), [e]);
    assert_eq!(t.events(Some("upload.matched")).await.len(), 5);
}

#[tokio::test]
async fn removed_content_that_reappears_opens_a_case_linked_to_the_first() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    t.notice("https://tube.example/watch/1").await;
    let first = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    t.post(
        &format!("/api/v1/cases/{first}/decision"),
        &p.token,
        json!({ "action": "remove", "territorial_scope": ["FR"], "legal_basis": "fr.cp.421-2-5.apologie", "purpose": "none",
                "purpose_rationale": "glorifies the attack", "automated_detection": false, "automated_decision": false,
                "explanation": "Glorifies the attack in French." }),
    )
    .await
    .expect(201);
    let b = bank(&t, &p, json!({ "name": "removed", "stay_down": true })).await;
    let image = png(400, 300);
    let media = base64::engine::general_purpose::STANDARD.encode(&image);
    let pdq = vigie_hash::hash_image(&image, &Default::default()).unwrap().pdq.hash.to_string();
    let e = add(&t, &p, &b, json!({ "signal_type": "pdq", "value": pdq, "case": first })).await;

    // The same picture, uploaded again elsewhere on the platform.
    let res = check(
        &t,
        &p,
        json!({ "media": media, "url": "https://tube.example/watch/2", "content_id": "v2", "uploader": "acct-9" }),
    )
    .await;
    assert_eq!(res["verdict"], "match");
    assert_eq!(res["hashes"]["pdq"], pdq.as_str());
    assert_eq!(res["linked_cases"], json!([first]));
    let case = res["case"].as_str().unwrap().to_owned();
    assert_ne!(case, first);
    let detail = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(detail["signals"][0]["kind"], "bank_match", "{detail}");
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert!(inbox["cases"].as_array().unwrap().iter().any(|c| c["id"] == case.as_str()));
    let matched = t.events(Some("upload.matched")).await;
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0]["subject"], case.as_str());
    let data: Value = serde_json::from_str(matched[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!((data["entry"].as_i64(), data["verdict"].as_str()), (Some(e), Some("match")));

    // Checked again: the same case, not a second one.
    let again = check(&t, &p, json!({ "media": media, "url": "https://tube.example/watch/2" })).await;
    assert_eq!(again["case"], case.as_str());
    // A case id from another platform cannot be attached to an entry.
    let other = t.platform("other.example").await;
    let b2 = bank(&t, &other, json!({ "name": "x" })).await;
    let res = t
        .post(
            &format!("/api/v1/banks/{b2}/entries"),
            &other.token,
            json!({ "signal_type": "pdq", "value": H0, "case": first }),
        )
        .await;
    assert_eq!(res.status, 404);
    // Only platforms check uploads.
    let a = t.authority().await;
    assert_eq!(t.post("/api/v1/uploads/check", &a.token, json!({ "pdq": H0 })).await.status, 403);
}

/// The copies the console's decision form offers for `case`, by the ids in its checkboxes.
async fn offered_copies(t: &TestApp, cookie: &str, case: &str) -> Vec<String> {
    let page = t.console_get(&format!("/cases/{case}"), cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body.split("name=\"copies\" value=\"").skip(1).map(|rest| rest.split('"').next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn stay_down_cases_are_copies_only_when_they_matched_the_same_banked_hash() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let login = crate::console::with_password(&t, &p, "moderator.copies").await;
    let block = bank(&t, &p, json!({ "name": "block", "stay_down": true })).await;
    let far = flip(H0, 128);
    add(&t, &p, &block, json!({ "signal_type": "pdq", "value": H0 })).await;
    add(&t, &p, &block, json!({ "signal_type": "pdq", "value": far })).await;
    // Three uploads at three URLs: two near the first banked hash, one near the second.
    let case_of = |res: Value| res["case"].as_str().expect("a stay-down case").to_owned();
    let first = case_of(check(&t, &p, json!({ "pdq": flip(H0, 3), "url": "https://tube.example/v/a" })).await);
    let other = case_of(check(&t, &p, json!({ "pdq": flip(&far, 2), "url": "https://tube.example/v/b" })).await);
    let again = case_of(check(&t, &p, json!({ "pdq": flip(H0, 5), "url": "https://tube.example/v/c" })).await);
    assert!(first != other && first != again && other != again);
    t.get("/api/v1/inbox", &p.token).await.expect(200);

    let (_, cookie) = t.console_login(&login, crate::console::PASSWORD).await;
    let cookie = cookie.expect("signed in");
    // Each match names its hash's type ("pdq"), which all three share: only the banked value
    // makes them copies.
    assert_eq!(offered_copies(&t, &cookie, &first).await, std::slice::from_ref(&again));
    assert_eq!(offered_copies(&t, &cookie, &again).await, std::slice::from_ref(&first));
    assert_eq!(offered_copies(&t, &cookie, &other).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_palette_resave_matches_vigies_bank_and_the_bank_hma_built_from_it() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let (rgb, indexed) = palette_pair(320, 240);
    let original = vigie_hash::hash_image(&rgb, &Default::default()).unwrap().pdq.hash.to_string();
    let theirs = vigie_hash::hash_image(&indexed, &Default::default()).unwrap().pdq_pytx.expect("pytx differs");
    // A bank of the original photo, and one HMA built from the palette file (pytx's hash of it).
    let vigie_bank = bank(&t, &p, json!({ "name": "VIGIE", "stay_down": true })).await;
    let hma_bank = bank(&t, &p, json!({ "name": "HMA" })).await;
    let from_original = add(&t, &p, &vigie_bank, json!({ "signal_type": "pdq", "value": original })).await;
    let from_hma = add(&t, &p, &hma_bank, json!({ "signal_type": "pdq", "value": theirs.hash.to_string() })).await;

    // The palette re-save uploaded: both banks match, each by its own hash.
    let media = base64::engine::general_purpose::STANDARD.encode(&indexed);
    let res = check(&t, &p, json!({ "media": media, "url": "https://tube.example/v/palette" })).await;
    let mut by_entry: Vec<(i64, &str, u64)> = res["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["entry"].as_i64().unwrap(), m["hash"].as_str().unwrap(), m["distance"].as_u64().unwrap()))
        .collect();
    by_entry.sort();
    assert_eq!(by_entry, [(from_original, "pdq", 0), (from_hma, "pdq_pytx", 0)], "{res}");
    assert_eq!(res["verdict"], "match");
    assert!(res["case"].is_string(), "the stay-down bank opened a case: {res}");
    assert_eq!(res["hashes"]["pdq"], original);
    assert_eq!(res["hashes"]["pdq_pytx"], theirs.hash.to_string());
    assert_eq!(res["hashes"]["pdq_pytx_quality"], theirs.quality);
    // The original uploaded: one hash, Vigie's bank only.
    let res = check(&t, &p, json!({ "media": base64::engine::general_purpose::STANDARD.encode(&rgb) })).await;
    assert_eq!(entries_of(&res), [from_original], "{res}");
    assert!(res["hashes"].get("pdq_pytx").is_none(), "{res}");
    // Hashes the platform computed (`vigie hash` gives both): the same matches.
    let res = check(&t, &p, json!({ "pdq": original, "pdq_pytx": theirs.hash.to_string() })).await;
    assert_eq!(entries_of(&res).len(), 2, "{res}");
    let bad = t.post("/api/v1/uploads/check", &p.token, json!({ "pdq_pytx": original })).await;
    assert_eq!(bad.fields(), ["pdq_pytx", "media"], "pytx's hash goes with the eye's");

    // HMA's lookup by upload: HMA's shape, the pytx match marked as such.
    let (ctype, body) = multipart(&[("photo", &indexed)]);
    let res = t.http.post(t.url("/m/lookup")).bearer_auth(&p.token).header("content-type", ctype).body(body);
    let found: Value = res.send().await.unwrap().json().await.unwrap();
    assert_eq!(
        found,
        json!({ "pdq": {
            "VIGIE": [{ "bank_content_id": from_original, "distance": "0" }],
            "HMA": [{ "bank_content_id": from_hma, "distance": "0", "hash": "pdq_pytx" }],
        } })
    );
    // `/h/hash`'s pdq_pytx key works as a signal type.
    let url = format!("/m/lookup?signal_type=pdq_pytx&signal={}", theirs.hash);
    let found = t.get(&url, &p.token).await.expect(200);
    assert_eq!(found["HMA"][0]["bank_content_id"], from_hma, "{found}");
}

#[tokio::test]
async fn a_rotated_upload_matches_with_a_dihedral_lookup() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let b = bank(&t, &p, json!({ "name": "b" })).await;
    let original = image::DynamicImage::ImageRgb8(image::load_from_memory(&png(320, 240)).unwrap().to_rgb8());
    let mut png_bytes = std::io::Cursor::new(Vec::new());
    original.write_to(&mut png_bytes, image::ImageFormat::Png).unwrap();
    let pdq = vigie_hash::hash_image(png_bytes.get_ref(), &Default::default()).unwrap().pdq.hash.to_string();
    let e = add(&t, &p, &b, json!({ "signal_type": "pdq", "value": pdq })).await;
    let mut rotated = std::io::Cursor::new(Vec::new());
    original.rotate90().write_to(&mut rotated, image::ImageFormat::Png).unwrap();
    let media = base64::engine::general_purpose::STANDARD.encode(rotated.get_ref());
    let plain = check(&t, &p, json!({ "media": media })).await;
    assert!(entries_of(&plain).is_empty(), "a rotated image is far from the original: {plain}");
    let res = check(&t, &p, json!({ "media": media, "dihedral": true })).await;
    assert_eq!(entries_of(&res), [e], "{res}");
    assert_ne!(res["matches"][0]["variant"], 0);
    // The same with the hashes alone: the variants the hashing endpoint gives, in one call.
    let hashed = t
        .http
        .post(t.url("/api/v1/hash?dihedral=true"))
        .bearer_auth(&p.token)
        .body(rotated.get_ref().clone())
        .send()
        .await
        .unwrap();
    let hashed: Value = hashed.json().await.unwrap();
    let variants: Vec<Value> = hashed["dihedral"].as_array().unwrap()[1..].to_vec();
    let res = check(&t, &p, json!({ "pdq": hashed["pdq"], "pdq_variants": variants })).await;
    assert_eq!(entries_of(&res), [e], "{res}");
    let bad = t.post("/api/v1/uploads/check", &p.token, json!({ "pdq_variants": [pdq] })).await;
    assert_eq!(bad.fields(), ["pdq_variants", "media"], "variants need the hash they vary");
}

#[tokio::test]
async fn banks_import_and_export_the_python_threatexchange_formats() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let b = bank(&t, &p, json!({ "name": "list" })).await;
    let md5 = "d41d8cd98f00b204e9800998ecf8427e";
    let file = format!("pdq {H0}\nvideo_md5 {md5}\npdq {}\npdq {H0}\n", flip(H0, 100));
    let import = |body: String, query: &'static str| {
        let url = t.url(&format!("/api/v1/banks/{b}/import{query}"));
        let token = p.token.clone();
        let http = t.http.clone();
        async move {
            let res = http.post(url).bearer_auth(token).body(body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, report) = import(file.clone(), "").await;
    assert_eq!((status, report["added"].as_u64(), report["duplicates"].as_u64()), (200, Some(3), Some(1)), "{report}");
    assert_eq!(t.get(&format!("/api/v1/banks/{b}"), &p.token).await.expect(200)["entries"], 3);
    let (_, again) = import(file, "").await;
    assert_eq!((again["added"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(4)));
    let hits = t.get(&format!("/m/lookup?signal_type=video_md5&signal={md5}"), &p.token).await.expect(200);
    assert_eq!(hits["list"].as_array().unwrap().len(), 1);

    let exported = t.http.get(t.url(&format!("/api/v1/banks/{b}/export"))).bearer_auth(&p.token).send().await.unwrap();
    let text = exported.text().await.unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains(&format!("video_md5 {md5}\n")));
    let csv =
        t.http.get(t.url(&format!("/api/v1/banks/{b}/export?format=csv"))).bearer_auth(&p.token).send().await.unwrap();
    let csv = csv.text().await.unwrap();
    assert!(csv.starts_with("signal_type,signal_str,collab,category,tags\n"), "{csv}");
    assert!(csv.contains(&format!("pdq,{H0},list,,")));

    // A file with errors imports nothing and names its lines.
    let b2 = bank(&t, &p, json!({ "name": "other" })).await;
    let bad = format!(
        "signal_type,signal_str,collab,category,tags\npdq,{H0},c,POSITIVE_CLASS,a b\ntmk,xyz,c,,\npdq,123,c,,\n"
    );
    let res = t
        .http
        .post(t.url(&format!("/api/v1/banks/{b2}/import?format=csv")))
        .bearer_auth(&p.token)
        .body(bad.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let lines: Vec<_> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(lines, ["line 3", "line 4"]);
    assert_eq!(t.get(&format!("/api/v1/banks/{b2}"), &p.token).await.expect(200)["entries"], 0);
    // Skipping unknown types still refuses malformed values.
    let (status, _) = {
        let res = t
            .http
            .post(t.url(&format!("/api/v1/banks/{b2}/import?format=csv&skip_unknown=true")))
            .bearer_auth(&p.token)
            .body(bad)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), ())
    };
    assert_eq!(status, 422);
    let good = format!(
        "signal_type,signal_str,collab,category,tags\npdq,{H0},TAT,POSITIVE_CLASS,islamist video\ntrend_query,abc,TAT,,\n"
    );
    let res = t
        .http
        .post(t.url(&format!("/api/v1/banks/{b2}/import?format=csv&skip_unknown=true")))
        .bearer_auth(&p.token)
        .body(good)
        .send()
        .await
        .unwrap();
    let report: Value = res.json().await.unwrap();
    assert_eq!((report["added"].as_u64(), report["skipped_unknown"].as_u64()), (Some(1), Some(1)));
    let entries = t.get(&format!("/api/v1/banks/{b2}/entries"), &p.token).await.expect(200);
    assert_eq!(
        entries["entries"][0]["provenance"],
        json!({ "collab": "TAT", "category": "POSITIVE_CLASS", "tags": ["islamist", "video"] })
    );
}

#[tokio::test]
async fn values_a_spreadsheet_would_run_never_enter_a_bank_and_exports_round_trip_unchanged() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let res = t.post("/api/v1/banks", &p.token, json!({ "name": "x", "labels": { "tier": "=1+1" } })).await;
    assert_eq!(
        (res.status.as_u16(), res.fields(), res.field_codes()),
        (422, vec!["labels.tier".into()], vec!["formula_like".into()])
    );
    let b = bank(&t, &p, json!({ "name": "list", "labels": { "group": "group-a" } })).await;
    let entries = format!("/api/v1/banks/{b}/entries");
    for (body, field) in [
        (json!({ "signal_type": "pdq", "value": H0, "note": "@SUM(A1)" }), "note"),
        (json!({ "signal_type": "pdq", "value": H0, "note": "\tcmd" }), "note"),
        (json!({ "signal_type": "pdq", "value": H0, "provenance": { "tags": ["ok", "-2+3"] } }), "provenance.tags[1]"),
        (json!({ "signal_type": "pdq", "value": H0, "provenance": { "collab": "+x" } }), "provenance.collab"),
    ] {
        let res = t.post(&entries, &p.token, body).await;
        assert_eq!((res.status.as_u16(), res.fields()), (422, vec![field.to_owned()]));
    }
    // HMA's add-by-signal goes through the same check.
    let res = t.post("/c/bank/list/signal", &p.token, json!({ "pdq": H0, "note": "=HYPERLINK(\"x\")" })).await;
    assert_eq!((res.status.as_u16(), res.field_codes()), (422, vec!["formula_like".to_owned()]));
    let id = add(&t, &p, &b, json!({ "signal_type": "pdq", "value": H0, "note": "a - b" })).await;
    let res = patch(&t, &p, &format!("{entries}/{id}"), json!({ "note": "=1" })).await;
    assert_eq!(res.field_codes(), ["formula_like"]);

    let import = |bank: String, body: String| {
        let url = t.url(&format!("/api/v1/banks/{bank}/import?format=csv"));
        let req = t.http.post(url).bearer_auth(&p.token).body(body);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let header = "signal_type,signal_str,collab,category,tags";
    let (status, problem) =
        import(b.clone(), format!("{header}\npdq,{},TAT,,=cmd|' /C calc'!A0\n", flip(H0, 40))).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
        (422, Some("line 2"), Some("formula_like"))
    );
    // What does enter leaves exactly as it came: no escaping, so pytx reads back the same values.
    let file = format!("{header}\npdq,{},TAT,POSITIVE_CLASS,tier-1 a=b\n", flip(H0, 40));
    assert_eq!(import(b.clone(), file.clone()).await.0, 200);
    let export = |bank: String| {
        let req = t.http.get(t.url(&format!("/api/v1/banks/{bank}/export?format=csv"))).bearer_auth(&p.token);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let first = export(b.clone()).await;
    assert!(first.contains(&format!("pdq,{},TAT,POSITIVE_CLASS,tier-1 a=b\n", flip(H0, 40))), "{first}");
    let b2 = bank(&t, &p, json!({ "name": "copy" })).await;
    assert_eq!(import(b2.clone(), first.clone()).await.0, 200);
    assert_eq!(export(b2).await, first);
}
