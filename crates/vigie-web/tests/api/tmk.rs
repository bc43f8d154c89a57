//! TMK+PDQF in banks over HTTP: `.tmk` files added as binary bodies, given back, listed by their
//! SHA-256, looked up in two levels under each bank's thresholds; hostile files refused with
//! stable codes; another organisation neither reads nor matches them unless the bank is shared.
//!
//! The files are the pinned outputs of Meta's `tmk-hash-video` on the committed synthetic
//! videos (`crates/vigie-video/tests/videos/*.tmk`), so nothing is decoded here. Their scores
//! against `testsrc-h264-320x240.mp4` (`tmk-scores.json`): its VP9 re-encode 0.99999 / 0.99999,
//! its 4:4:4 97×61 copy 0.8505 / 0.8474, its rotated copy 0.7587 / 0.7480, mandelbrot 0.05 / 0.05.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const BANKED: &str = "testsrc-h264-320x240.mp4";
const REENCODED: &str = "testsrc-reencoded-vp9-240x180.webm";
const SMALL_444: &str = "testsrc-h264-444-97x61.mkv";
const ROTATED: &str = "testsrc-h264-rotated.mp4";
const OTHER: &str = "mandelbrot-vp9-256x192.webm";

fn tmk(video: &str) -> Vec<u8> {
    let path = format!("{}/../vigie-video/tests/videos/{video}.tmk", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    vigie_hash::sha256_hex(bytes)
}

/// Sends `body` as `application/octet-stream` (or `content_type`).
async fn send_bytes(t: &TestApp, path: &str, token: &str, body: Vec<u8>, content_type: &str) -> Res {
    let res = t
        .http
        .post(t.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request reaches the server");
    let status = res.status();
    let text = res.text().await.unwrap();
    Res { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

async fn add(t: &TestApp, bank: &str, token: &str, body: Vec<u8>) -> Res {
    send_bytes(t, &format!("/api/v1/banks/{bank}/tmk"), token, body, "application/octet-stream").await
}

/// The entries (and their scores) a lookup of `video`'s file finds.
async fn lookup(t: &TestApp, token: &str, video: &str) -> Vec<(i64, f64, f64)> {
    let res = send_bytes(t, "/api/v1/banks/tmk/lookup", token, tmk(video), "application/octet-stream").await;
    res.expect(200)["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["signal_type"], "tmk");
            (m["entry"].as_i64().unwrap(), m["level1"].as_f64().unwrap(), m["level2"].as_f64().unwrap())
        })
        .collect()
}

fn ids(found: &[(i64, f64, f64)]) -> Vec<i64> {
    found.iter().map(|m| m.0).collect()
}

async fn patch(t: &TestApp, token: &str, path: &str, body: Value) -> Res {
    t.send(Method::PATCH, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn a_tmk_file_is_banked_given_back_listed_and_matched_under_its_banks_thresholds() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "videos" })).await.expect(201);
    let id = bank["id"].as_str().unwrap().to_owned();
    assert_eq!((bank["tmk_level1"].as_f64(), bank["tmk_level2"].as_f64()), (Some(0.7), Some(0.7)), "the reference's");

    let file = tmk(BANKED);
    assert_eq!(file.len(), 263_344);
    let path = format!("/api/v1/banks/{id}/tmk?note=from%20the%20attack%20video&content_id=vid-7");
    let added = send_bytes(&t, &path, &p.token, file.clone(), "application/octet-stream").await.expect(201);
    let entry = added["id"].as_i64().unwrap();
    assert_eq!((added["signal_type"].as_str(), added["value"].as_str()), (Some("tmk"), Some(sha256(&file).as_str())));
    assert_eq!(added["note"], "from the attack video");
    let again = add(&t, &id, &p.token, file.clone()).await.expect(200);
    assert_eq!(again["id"].as_i64(), Some(entry), "the same file again is the same entry");

    // The file comes back byte for byte; the listing shows its SHA-256, not its features.
    let res = t.http.get(t.url(&format!("/api/v1/banks/{id}/tmk/{entry}"))).bearer_auth(&p.token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/octet-stream");
    assert_eq!(res.bytes().await.unwrap().to_vec(), file);
    let list = t.get(&format!("/api/v1/banks/{id}/entries"), &p.token).await.expect(200);
    assert_eq!(list["entries"][0]["value"], sha256(&file).as_str());
    assert!(serde_json::to_string(&list).unwrap().len() < 2000, "no features in the listing");
    assert_eq!(t.get(&format!("/api/v1/banks/{id}"), &p.token).await.expect(200)["entries"], 1);
    let status = t.get("/m/index/status?signal_type=tmk", &p.token).await.expect(200);
    assert_eq!(status["tmk"]["size"], 1, "{status}");
    // Text exports leave the binary entries out.
    let text = t.get(&format!("/api/v1/banks/{id}/export"), &p.token).await.expect(200);
    assert!(!text.as_str().unwrap_or_default().contains("tmk"), "{text}");

    // Its re-encode matches, the other source does not; the rotated copy passes the defaults.
    let found = lookup(&t, &p.token, REENCODED).await;
    assert_eq!(ids(&found), [entry]);
    assert!(found[0].1 > 0.999 && found[0].2 > 0.999, "{found:?}");
    assert!(lookup(&t, &p.token, OTHER).await.is_empty());
    let rotated = lookup(&t, &p.token, ROTATED).await;
    assert_eq!(ids(&rotated), [entry]);
    assert!((rotated[0].1 - 0.758664).abs() < 1e-3 && (rotated[0].2 - 0.747993).abs() < 1e-3, "{rotated:?}");

    // Level 1 at 0.8: the rotated copy (0.759) is out, the small copy (0.850) still in.
    patch(&t, &p.token, &format!("/api/v1/banks/{id}"), json!({ "tmk_level1": 0.8 })).await.expect(200);
    assert!(lookup(&t, &p.token, ROTATED).await.is_empty());
    assert_eq!(ids(&lookup(&t, &p.token, SMALL_444).await), [entry]);
    // Level 2 at 0.85: the small copy passes level 1 (0.850) but not level 2 (0.847).
    let b = patch(&t, &p.token, &format!("/api/v1/banks/{id}"), json!({ "tmk_level2": 0.85 })).await.expect(200);
    assert_eq!((b["tmk_level1"].as_f64(), b["tmk_level2"].as_f64()), (Some(0.8), Some(0.85)));
    assert!(lookup(&t, &p.token, SMALL_444).await.is_empty());
    assert_eq!(ids(&lookup(&t, &p.token, REENCODED).await), [entry]);
    for bad in [json!({ "tmk_level1": 0 }), json!({ "tmk_level2": 1.5 })] {
        let res = patch(&t, &p.token, &format!("/api/v1/banks/{id}"), bad.clone()).await;
        assert_eq!((res.status.as_u16(), res.field_codes()), (422, vec!["out_of_range".to_owned()]), "{bad}");
    }

    // Disabled: no match (unless asked for disabled entries too); removed: gone, file too.
    let entry_path = format!("/api/v1/banks/{id}/entries/{entry}");
    patch(&t, &p.token, &entry_path, json!({ "disabled_until": "forever" })).await.expect(200);
    assert!(lookup(&t, &p.token, REENCODED).await.is_empty());
    let raw = send_bytes(
        &t,
        "/api/v1/banks/tmk/lookup?include_disabled=true",
        &p.token,
        tmk(REENCODED),
        "application/octet-stream",
    )
    .await
    .expect(200);
    assert_eq!(raw["matches"][0]["entry"].as_i64(), Some(entry));
    patch(&t, &p.token, &entry_path, json!({ "disabled_until": null })).await.expect(200);
    assert_eq!(ids(&lookup(&t, &p.token, REENCODED).await), [entry]);
    t.send(Method::DELETE, &entry_path, Some(&p.token), None).await.expect(204);
    assert!(lookup(&t, &p.token, REENCODED).await.is_empty());
    assert_eq!(t.get(&format!("/api/v1/banks/{id}/tmk/{entry}"), &p.token).await.status, 404);
    // Added again: a new entry, matched again.
    let back = add(&t, &id, &p.token, file).await.expect(201);
    assert_ne!(back["id"].as_i64(), Some(entry));
    assert_eq!(ids(&lookup(&t, &p.token, REENCODED).await), [back["id"].as_i64().unwrap()]);

    // The event says a tmk entry was added, nothing of the file.
    let events = t.events(Some("bank.entries_added")).await;
    assert!(events.iter().any(|e| data_of(e)["signal_types"]["tmk"] == 1), "{events:?}");
}

#[tokio::test]
async fn hostile_tmk_files_are_refused_with_stable_codes_and_nothing_is_added() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let id = t.post("/api/v1/banks", &p.token, json!({ "name": "videos" })).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let good = tmk(BANKED);
    let mut wrong_magic = good.clone();
    wrong_magic[..4].copy_from_slice(b"RIFF");
    let mut nan = good.clone();
    // The first float of the pure average (after the header, periods and coefficients).
    let at = 32 + 4 * 4 + 4 * 32;
    nan[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let mut infinite = good.clone();
    let last = infinite.len() - 4;
    infinite[last..].copy_from_slice(&f32::INFINITY.to_le_bytes());
    let mut other_rate = good.clone();
    other_rate[12..16].copy_from_slice(&25i32.to_le_bytes());
    let mut bad_dims = good.clone();
    bad_dims[16..20].copy_from_slice(&(-1i32).to_le_bytes());
    let mut other_algorithm = good.clone();
    other_algorithm[8..12].copy_from_slice(b"ABCD");
    let mut longer = good.clone();
    longer.extend_from_slice(&[0; 64]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() - 1000].to_vec(), "tmk_wrong_length"),
        ("header only", good[..32].to_vec(), "tmk_wrong_length"),
        ("a few bytes", b"TMK".to_vec(), "tmk_not_a_tmk_file"),
        ("wrong magic", wrong_magic, "tmk_not_a_tmk_file"),
        ("a NaN", nan, "tmk_not_finite"),
        ("an infinity", infinite, "tmk_not_finite"),
        ("another frame rate", other_rate, "tmk_not_standard"),
        ("negative dimensions", bad_dims, "tmk_bad_header"),
        ("another algorithm", other_algorithm, "tmk_unknown_algorithm"),
        ("longer", longer, "tmk_wrong_length"),
    ];
    for path in [format!("/api/v1/banks/{id}/tmk"), "/api/v1/banks/tmk/lookup".to_owned()] {
        for (what, body, code) in &cases {
            let res = send_bytes(&t, &path, &p.token, body.clone(), "application/octet-stream").await;
            assert_eq!(res.status, 422, "{path} {what}: {}", res.body);
            assert_eq!(res.code(), "validation_failed");
            assert_eq!(
                (res.fields(), res.field_codes()),
                (vec!["file".to_owned()], vec![(*code).to_owned()]),
                "{what}"
            );
        }
        // Huge: refused before it is read whole.
        let res = send_bytes(&t, &path, &p.token, vec![0u8; 8 << 20], "application/octet-stream").await;
        assert_eq!((res.status.as_u16(), res.code()), (413, "payload_too_large"), "{path}");
        // In JSON, or empty: not a file.
        let res = send_bytes(&t, &path, &p.token, b"{\"tmk\": \"...\"}".to_vec(), "application/json").await;
        assert_eq!((res.status.as_u16(), res.code()), (415, "unsupported_media_type"), "{path}");
        let res = send_bytes(&t, &path, &p.token, Vec::new(), "application/octet-stream").await;
        assert_eq!((res.status.as_u16(), res.code()), (400, "no_file"), "{path}");
    }
    // Nothing was added; and a tmk "value" in JSON is refused: the file is the entry.
    let list = t.get(&format!("/api/v1/banks/{id}/entries"), &p.token).await.expect(200);
    assert_eq!(list["entries"], json!([]));
    let res = t
        .post(&format!("/api/v1/banks/{id}/entries"), &p.token, json!({ "signal_type": "tmk", "value": sha256(&good) }))
        .await;
    assert_eq!((res.status.as_u16(), res.field_codes()), (422, vec!["file_signal_type".to_owned()]));
    let res = t.get(&format!("/m/lookup?signal_type=tmk&signal={}", sha256(&good)), &p.token).await;
    assert_eq!((res.status.as_u16(), res.code()), (400, "unknown_signal_type"));
    // Without a token: closed.
    let res = t.http.post(t.url("/api/v1/banks/tmk/lookup")).body(good).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn another_organisation_neither_reads_nor_matches_a_tmk_entry_unless_the_bank_is_shared() {
    let t = TestApp::start().await;
    let owner = t.platform("tube.example").await;
    let other = t.platform("other.example").await;
    let id = t.post("/api/v1/banks", &owner.token, json!({ "name": "videos" })).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entry = add(&t, &id, &owner.token, tmk(BANKED)).await.expect(201)["id"].as_i64().unwrap();
    let file_path = format!("/api/v1/banks/{id}/tmk/{entry}");

    // Not shared: the bank does not exist for it.
    assert_eq!(t.get(&file_path, &other.token).await.status, 404);
    assert!(lookup(&t, &other.token, REENCODED).await.is_empty());
    assert_eq!(add(&t, &id, &other.token, tmk(OTHER)).await.status, 404);
    let only = format!("/api/v1/banks/tmk/lookup?banks={id}");
    let res = send_bytes(&t, &only, &other.token, tmk(REENCODED), "application/octet-stream").await.expect(200);
    assert_eq!(res["matches"], json!([]), "naming the bank does not reach it");

    // Match-only: it matches, but gets neither the file nor the listing, and adds nothing.
    let share = format!("/api/v1/banks/{id}/shares/{}", other.org);
    t.send(Method::PUT, &share, Some(&owner.token), Some(json!({ "mode": "match" }))).await.expect(200);
    assert_eq!(ids(&lookup(&t, &other.token, REENCODED).await), [entry]);
    assert_eq!(t.get(&file_path, &other.token).await.status, 403);
    assert_eq!(t.get(&format!("/api/v1/banks/{id}/entries"), &other.token).await.status, 403);
    assert_eq!(add(&t, &id, &other.token, tmk(OTHER)).await.status, 403);
    // The bank's thresholds hold for its subscribers too.
    patch(&t, &owner.token, &format!("/api/v1/banks/{id}"), json!({ "tmk_level1": 0.8 })).await.expect(200);
    assert!(lookup(&t, &other.token, ROTATED).await.is_empty());

    // Co-curator: reads the file. Unshared again: nothing.
    t.send(Method::PUT, &share, Some(&owner.token), Some(json!({ "mode": "curate" }))).await.expect(200);
    let res = t.http.get(t.url(&file_path)).bearer_auth(&other.token).send().await.unwrap();
    assert_eq!(res.bytes().await.unwrap().to_vec(), tmk(BANKED));
    t.send(Method::DELETE, &share, Some(&owner.token), None).await.expect(200);
    assert_eq!(t.get(&file_path, &other.token).await.status, 404);
    assert!(lookup(&t, &other.token, REENCODED).await.is_empty());
}

#[tokio::test]
async fn a_video_upload_job_matches_a_banked_tmk_file_and_says_which_signal_matched() {
    use crate::videos::{finished, upload, video_file};
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let id = t.post("/api/v1/banks", &p.token, json!({ "name": "videos", "stay_down": true })).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The bank holds the H.264 original's TMK only (no vPDQ, no digest of the upload).
    let entry = add(&t, &id, &p.token, tmk(BANKED)).await.expect(201)["id"].as_i64().unwrap();

    // Its VP9 re-encode, uploaded: the job computes TMK from the same decode and matches.
    let meta = json!({ "url": "https://tube.example/watch/reencoded" });
    let (status, location, job) = upload(&t, &p.token, meta, &video_file(REENCODED)).await;
    assert_eq!(status, 202, "{job}");
    let job = finished(&t, &p.token, &location.unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    let result = &job["result"];
    assert_eq!(result["verdict"], "match", "{result}");
    let m = &result["matches"][0];
    assert_eq!(
        (m["entry"].as_i64(), m["signal_type"].as_str(), m["hash"].as_str()),
        (Some(entry), Some("tmk"), Some("tmk")),
        "{m}"
    );
    assert!(m["tmk"]["level1"].as_f64().unwrap() > 0.99 && m["tmk"]["level2"].as_f64().unwrap() > 0.99, "{m}");
    assert!(result["case"].as_str().is_some(), "a stay-down case: {result}");

    // Another source does not match.
    let meta = json!({ "url": "https://tube.example/watch/other" });
    let (_, location, _) = upload(&t, &p.token, meta, &video_file(OTHER)).await;
    let job = finished(&t, &p.token, &location.unwrap()).await;
    assert_eq!((job["state"].as_str(), job["result"]["verdict"].as_str()), (Some("done"), Some("no_match")), "{job}");
}
