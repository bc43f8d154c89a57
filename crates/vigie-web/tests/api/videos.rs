//! Banked videos over HTTP: vPDQ entries added through HMA's and Vigie's endpoints, looked up by
//! signal (in the query string or, for long videos, in a JSON body), and the stay-down check of an
//! upload's vPDQ: a copy matches whole, a banked clip inside a longer upload is for review, each
//! bank's shares decide, and bad signals are clear errors.
//!
//! The signals are those Meta's `vpdq` computed from the committed synthetic videos
//! (`crates/vigie-video/tests/videos/*.vpdq.json`); a "re-encode" is the same frames with a few
//! bits of each hash flipped.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

/// The reference's frames of a committed video: (hash, quality, timestamp), one a second
/// (`"1"`) or every frame (`"0"`).
fn frames(video: &str, every: &str) -> Vec<(String, u64, f64)> {
    let path = format!("{}/../vigie-video/tests/videos/{video}.vpdq.json", env!("CARGO_MANIFEST_DIR"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json[every]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f[1].as_str().unwrap().to_owned(), f[2].as_u64().unwrap(), f[3].as_f64().unwrap()))
        .collect()
}

/// The reference's python-threatexchange signal string of a video, one hash a second.
fn reference_signal(video: &str) -> String {
    let path = format!("{}/../vigie-video/tests/videos/{video}.vpdq.json", env!("CARGO_MANIFEST_DIR"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["signal"].as_str().unwrap().to_owned()
}

/// `"hex,quality,timestamp"` items, the timestamps as given.
fn items(frames: &[(String, u64, f64)]) -> Vec<String> {
    frames.iter().map(|(h, q, t)| format!("{h},{q},{t:?}")).collect()
}

/// The frames with the first `bits` bits of each hash flipped: a re-encode's small drift.
fn drifted(frames: &[(String, u64, f64)], bits: usize) -> Vec<(String, u64, f64)> {
    frames
        .iter()
        .map(|(h, q, t)| {
            let mut b = hex::decode(h).unwrap();
            for k in 0..bits {
                b[k / 8] ^= 0x80 >> (k % 8);
            }
            (hex::encode(b), *q, *t)
        })
        .collect()
}

/// Percent-encodes a query parameter's value.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const BANKED: &str = "testsrc-h264-320x240.mp4";
const OTHER: &str = "mandelbrot-vp9-256x192.webm";

#[tokio::test]
async fn a_banked_video_matches_its_copies_and_is_found_as_a_clip_inside_a_longer_upload() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "videos", "stay_down": true })).await.expect(201);
    let bank_id = bank["id"].as_str().unwrap().to_owned();
    assert_eq!((bank["vpdq_query_percent"].as_f64(), bank["vpdq_compared_percent"].as_f64()), (Some(80.0), Some(0.0)));

    // HMA's add-by-signal with python-threatexchange's string; the answer gives it back unchanged.
    let signal = reference_signal(BANKED);
    let added = t.post("/c/bank/videos/signal", &p.token, json!({ "vpdq": signal })).await.expect(200);
    let entry = added["id"].as_i64().unwrap();
    assert_eq!(added["signals"]["vpdq"], signal.as_str(), "the exchange form round-trips");
    let status = t.get("/m/index/status?signal_type=vpdq", &p.token).await.expect(200);
    assert_eq!(status["vpdq"]["size"], 1, "{status}");

    // A copy with a few bits of each frame changed matches whole: 100 % both ways.
    let copy = items(&drifted(&frames(BANKED, "1"), 6));
    let by_body = t.post("/m/lookup", &p.token, json!({ "signal_type": "vpdq", "signal": copy })).await.expect(200);
    let hit = &by_body["videos"][0];
    assert_eq!(
        (hit["bank_content_id"].as_i64(), hit["distance"].as_str()),
        (Some(entry), Some("100%[100%]")),
        "{by_body}"
    );
    assert_eq!(hit["clip"], false);
    assert_eq!(hit["segments"][0]["query"], json!([0.0, 2.0]), "{hit}");
    let as_string = serde_json::to_string(&copy).unwrap();
    let by_query =
        t.get(&format!("/m/lookup?signal_type=vpdq&signal={}", encode(&as_string)), &p.token).await.expect(200);
    assert_eq!(by_query, by_body, "the same lookup by query string");
    // Another video shares no frame with it.
    let other = items(&frames(OTHER, "1"));
    assert_eq!(
        t.post("/m/lookup", &p.token, json!({ "signal_type": "vpdq", "signal": other })).await.expect(200),
        json!({})
    );

    // The stay-down check of the copy: a match, with its shares, and a case for the platform.
    let res = t
        .post("/api/v1/uploads/check", &p.token, json!({ "vpdq": copy, "url": "https://tube.example/watch/copy" }))
        .await
        .expect(200);
    assert_eq!(res["verdict"], "match", "{res}");
    let m = &res["matches"][0];
    assert_eq!((m["signal_type"].as_str(), m["entry"].as_i64()), (Some("vpdq"), Some(entry)));
    assert_eq!((m["video"]["query_match_percent"].as_f64(), m["video"]["clip"].as_bool()), (Some(100.0), Some(false)));
    let copy_case = res["case"].as_str().expect("a stay-down case").to_owned();

    // A longer upload (another video's 75 frames, then the banked clip): 3 of 78 frames match,
    // far below 80 %, but all of the banked video is there. A clip: for review, never a match.
    let mut long = frames(OTHER, "0");
    let start = long.last().unwrap().2 + 1.0;
    long.extend(drifted(&frames(BANKED, "1"), 4).into_iter().map(|(h, q, ts)| (h, q, start + ts)));
    let res = t
        .post(
            "/api/v1/uploads/check",
            &p.token,
            json!({ "vpdq": items(&long), "url": "https://tube.example/watch/long" }),
        )
        .await
        .expect(200);
    assert_eq!(res["verdict"], "review", "{res}");
    let video = &res["matches"][0]["video"];
    assert_eq!((video["clip"].as_bool(), video["compared_match_percent"].as_f64()), (Some(true), Some(100.0)));
    assert_eq!(video["segments"][0]["upload"], json!([start, start + 2.0]), "the clip's place in the upload");
    assert_eq!(video["segments"][0]["banked"], json!([0.0, 2.0]));
    let clip_case = res["case"].as_str().expect("a case for a person to look at").to_owned();
    assert_ne!(clip_case, copy_case);
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let ids: Vec<&str> = inbox["cases"].as_array().unwrap().iter().filter_map(|c| c["id"].as_str()).collect();
    assert!(ids.contains(&clip_case.as_str()) && ids.contains(&copy_case.as_str()), "{inbox}");

    // The bank's owner lowers the query share to 3 %: the same long upload now matches whole.
    t.send(
        Method::PATCH,
        &format!("/api/v1/banks/{bank_id}"),
        Some(&p.token),
        Some(json!({ "vpdq_query_percent": 3.0 })),
    )
    .await
    .expect(200);
    let res = t
        .post(
            "/api/v1/uploads/check",
            &p.token,
            json!({ "vpdq": items(&long), "url": "https://tube.example/watch/long" }),
        )
        .await
        .expect(200);
    assert_eq!((res["verdict"].as_str(), res["matches"][0]["video"]["clip"].as_bool()), (Some("match"), Some(false)));

    // Exported for python-threatexchange: its own string, three-digit timestamps.
    let exported = t.http.get(t.url(&format!("/api/v1/banks/{bank_id}/export"))).bearer_auth(&p.token).send().await;
    assert_eq!(exported.unwrap().text().await.unwrap(), format!("vpdq {signal}\n"));
}

#[tokio::test]
async fn bad_video_signals_are_clear_errors_and_a_zero_share_is_refused() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let bank = t.post("/api/v1/banks", &p.token, json!({ "name": "videos" })).await.expect(201);
    let id = bank["id"].as_str().unwrap();
    for bad in [json!("[]"), json!("not json"), json!(["abc,90,0.0"]), json!([format!("{},101,0.0", "0".repeat(64))])] {
        let res = t
            .post(
                &format!("/api/v1/banks/{id}/entries"),
                &p.token,
                json!({ "signal_type": "vpdq", "value": bad.as_str().map_or(bad.to_string(), str::to_owned) }),
            )
            .await;
        assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["value".to_owned()]), "{bad}: {}", res.body);
        let res = t.post("/api/v1/uploads/check", &p.token, json!({ "vpdq": bad })).await;
        assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["vpdq".to_owned()]), "{bad}: {}", res.body);
        let res = t.post("/m/lookup", &p.token, json!({ "signal_type": "vpdq", "signal": bad })).await;
        assert_eq!((res.status.as_u16(), res.code()), (400, "invalid_signal"), "{bad}: {}", res.body);
    }
    let res = t.post("/m/lookup", &p.token, json!({ "signal_type": "vpdq", "signal": 42 })).await;
    assert_eq!((res.status.as_u16(), res.code()), (400, "invalid_signal"));
    let res = t.post("/m/lookup", &p.token, json!({ "signal_type": "vpdq" })).await;
    assert_eq!(res.status.as_u16() / 100, 4, "{}", res.body);
    // A share of 0 % would match every banked video.
    let res = t
        .send(Method::PATCH, &format!("/api/v1/banks/{id}"), Some(&p.token), Some(json!({ "vpdq_query_percent": 0 })))
        .await;
    assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["vpdq_query_percent".to_owned()]));
    // Closed by default.
    assert_eq!(
        t.send(Method::POST, "/m/lookup", None, Some(json!({ "signal_type": "vpdq", "signal": "[]" }))).await.status,
        401
    );
}

/// A committed test video's bytes.
pub fn video_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../vigie-video/tests/videos/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A multipart upload check: the `meta` JSON part and the `media` file.
pub async fn upload(t: &TestApp, token: &str, meta: Value, media: &[u8]) -> (u16, Option<String>, Value) {
    let boundary = "vigie-video-boundary-51c";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"clip.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(media);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = t
        .http
        .post(t.url("/api/v1/uploads/check"))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    (status, location, res.json().await.unwrap_or(Value::Null))
}

/// Polls a job's status route until it has finished (a positive condition, with a deadline).
pub async fn finished(t: &TestApp, token: &str, location: &str) -> Value {
    eventually("the job to finish", || async {
        let job = t.get(location, token).await.expect(200);
        (job["state"] == "done" || job["state"] == "failed").then_some(job)
    })
    .await
}

/// Upload files left in the jobs directory.
fn leftovers(t: &TestApp) -> Vec<String> {
    let dir = t.data_dir().join("jobs");
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_video_upload_is_checked_as_a_job_and_answered_by_status_route_and_webhook() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    t.post("/api/v1/banks", &p.token, json!({ "name": "videos", "stay_down": true })).await.expect(201);
    let added =
        t.post("/c/bank/videos/signal", &p.token, json!({ "vpdq": reference_signal(BANKED) })).await.expect(200);

    // The video itself, under a name that says nothing: known by its bytes, decoded in a job.
    let bytes = video_file(BANKED);
    let (status, location, job) =
        upload(&t, &p.token, json!({ "url": "https://tube.example/watch/again", "content_id": "v-77" }), &bytes).await;
    assert_eq!(status, 202, "{job}");
    let location = location.expect("Location names the status route");
    assert_eq!(location, format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()));
    assert!(["queued", "running", "done"].contains(&job["state"].as_str().unwrap()), "{job}");

    let job = finished(&t, &p.token, &location).await;
    assert_eq!(job["state"], "done", "{job}");
    let result = &job["result"];
    assert_eq!(result["verdict"], "match", "{result}");
    assert_eq!(result["matches"][0]["entry"], added["id"]);
    assert_eq!(result["matches"][0]["video"]["query_match_percent"], 100.0, "the same frames as Meta's vpdq hashed");
    use sha2::Digest as _;
    assert_eq!(result["hashes"]["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!((result["video"]["frames_hashed"].as_u64(), result["video"]["width"].as_u64()), (Some(3), Some(320)));
    let case = result["case"].as_str().expect("a stay-down case").to_owned();
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")), "the upload is deleted: {:?}", leftovers(&t));

    let checked =
        eventually("the upload.checked delivery", || async { rx.of_type("upload.checked").into_iter().next() }).await;
    assert_eq!(
        (checked["data"]["job"].as_str(), checked["data"]["state"].as_str()),
        (job["id"].as_str(), Some("done"))
    );
    assert_eq!(
        (checked["data"]["verdict"].as_str(), checked["data"]["case"].as_str()),
        (Some("match"), Some(case.as_str()))
    );

    // Another platform does not see the job.
    let other = t.platform("other.example").await;
    assert_eq!(t.get(&location, &other.token).await.status, 404);
    assert_eq!(t.get("/api/v1/jobs/job_nonsense", &p.token).await.status, 404);
}

#[tokio::test]
async fn broken_and_hostile_videos_fail_their_jobs_with_a_stable_code_and_leave_nothing() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let good = video_file(BANKED);
    let mut forged = b"\0\0\0\x14ftypisom\0\0\0\0isom".to_vec();
    forged.extend_from_slice(b"#EXTM3U\n#EXTINF:3.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n");
    for (what, bytes, codes) in [
        ("truncated", good[..good.len() * 2 / 5].to_vec(), &["undecodable_video", "no_video_stream"][..]),
        ("no video stream", video_file("tone-no-video.mp4"), &["no_video_stream"][..]),
        ("a playlist behind an MP4 header", forged, &["undecodable_video", "no_video_stream"][..]),
    ] {
        let (status, location, job) = upload(&t, &p.token, json!({}), &bytes).await;
        assert_eq!(status, 202, "{what}: {job}");
        let job = finished(&t, &p.token, &location.unwrap()).await;
        assert_eq!(job["state"], "failed", "{what}: {job}");
        let code = job["error"]["code"].as_str().unwrap();
        assert!(codes.contains(&code), "{what}: {code}");
        assert!(job["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")), "{:?}", leftovers(&t));
    // Not a video and not an image: the image path's clear error, at once.
    let (status, _, res) = upload(&t, &p.token, json!({}), b"just some text, not media").await;
    assert_eq!((status, res["errors"][0]["code"].as_str()), (422, Some("undecodable_image")), "{res}");
    // A bad field is refused before the job exists, and its file is removed.
    let (status, _, res) = upload(&t, &p.token, json!({ "url": "not a url" }), &good).await;
    assert_eq!(status, 422, "{res}");
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")), "{:?}", leftovers(&t));
    // Only platforms check uploads.
    let a = t.authority().await;
    assert_eq!(upload(&t, &a.token, json!({}), &good).await.0, 403);
}

#[tokio::test]
async fn a_full_queue_refuses_a_video_before_reading_it_and_a_job_interrupted_by_a_stop_runs_again() {
    let t = TestApp::start_with(|c| c.app.video.queue = 0).await;
    let p = t.platform("tube.example").await;
    let good = video_file(BANKED);
    let (status, _, res) = upload(&t, &p.token, json!({}), &good).await;
    assert_eq!((status, res["code"].as_str()), (503, Some("busy")), "{res}");
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")));

    // A job the last stop left running (its file on disk) is queued again and finishes.
    let dir = t.data_dir().join("jobs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("upload-interrupted"), &good).unwrap();
    // An upload a crash left before its job was recorded: never acknowledged, deleted.
    std::fs::write(dir.join("upload-orphan"), &good).unwrap();
    let now = t.app.now();
    let id = vigie_model::JobId::from_random([7; 16]);
    let record = vigie_store::JobRecord {
        id: id.clone(),
        org: vigie_model::OrgId::parse(&p.org).unwrap(),
        user: vigie_model::UserId::parse(&p.user).unwrap(),
        kind: vigie_model::bank::JobKind::UploadCheck,
        state: vigie_model::bank::JobState::Running,
        input: "{}".into(),
        file: Some("upload-interrupted".into()),
        result: None,
        error_code: None,
        error: None,
        created_at: now,
        started_at: Some(now),
        finished_at: None,
    };
    t.app.store().write(move |tx| tx.insert_job(&record)).await.unwrap();
    assert_eq!(t.app.recover_jobs().await.unwrap(), 1);
    assert!(!dir.join("upload-orphan").exists() && dir.join("upload-interrupted").exists());
    t.app.start_jobs().await.unwrap();
    let job = finished(&t, &p.token, &format!("/api/v1/jobs/{}", id.as_str())).await;
    assert_eq!((job["state"].as_str(), job["result"]["verdict"].as_str()), (Some("done"), Some("no_match")), "{job}");
    assert!(!dir.join("upload-interrupted").exists());
}

/// A multipart request to one of HMA's routes with one file part named `field`.
async fn hma_post(t: &TestApp, token: &str, path: &str, field: &str, bytes: &[u8]) -> (u16, Option<String>, Value) {
    let (ctype, body) = multipart(&[(field, bytes)]);
    let res =
        t.http.post(t.url(path)).bearer_auth(token).header("content-type", ctype).body(body).send().await.unwrap();
    let status = res.status().as_u16();
    let location = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    (status, location, res.json().await.unwrap_or(Value::Null))
}

/// `"hex,quality,timestamp"` items of a python-threatexchange signal string.
fn signal_items(signal: &str) -> Vec<String> {
    serde_json::from_str(signal).unwrap()
}

#[tokio::test]
async fn a_video_sent_to_hmas_hash_route_is_hashed_as_a_job_into_hmas_answer() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let bytes = video_file(BANKED);
    let (status, location, job) = hma_post(&t, &p.token, "/h/hash", "video", &bytes).await;
    assert_eq!((status, job["kind"].as_str()), (202, Some("hma_hash")), "{job}");
    let location = location.expect("Location names the status route");
    assert_eq!(location, format!("/api/v1/jobs/{}", job["id"].as_str().unwrap()));

    let job = finished(&t, &p.token, &location).await;
    assert_eq!(job["state"], "done", "{job}");
    let result = &job["result"];
    let keys: Vec<&String> = result.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["video_md5", "vpdq"], "HMA's answer, python-threatexchange's names: {result}");
    assert_eq!(result["video_md5"], vigie_hash::md5_hex(&bytes));
    // The frames Meta's vpdq 0.2.5 gives for the same file, one a second, in pytx's form.
    let vpdq = result["vpdq"].as_str().expect("pytx's signal string");
    assert_eq!(signal_items(vpdq), signal_items(&reference_signal(BANKED)));
    // And what `vigie hash` computes (the same library call, with its default rate).
    let local = vigie_video::hash_video(&bytes, &vigie_video::Options::default()).unwrap();
    let items: Vec<String> = local.vpdq.iter().map(|f| format!("{},{}", f.hash, f.quality)).collect();
    let answered: Vec<String> = signal_items(vpdq).iter().map(|i| i.rsplit_once(',').unwrap().0.to_owned()).collect();
    assert_eq!(answered, items);
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")), "{:?}", leftovers(&t));

    let done =
        eventually("the job.finished delivery", || async { rx.of_type("job.finished").into_iter().next() }).await;
    assert_eq!(
        (done["data"]["job"].as_str(), done["data"]["kind"].as_str(), done["data"]["state"].as_str()),
        (job["id"].as_str(), Some("hma_hash"), Some("done"))
    );

    // Only the organisation that sent it reads the job.
    let other = t.platform("other.example").await;
    assert_eq!(t.get(&location, &other.token).await.status, 404);
    let a = t.authority().await;
    assert_eq!(t.get(&location, &a.token).await.status, 404);
}

#[tokio::test]
async fn a_video_sent_to_hmas_lookup_route_is_looked_up_as_a_job_into_hmas_answer() {
    let t = TestApp::start().await;
    let owner = t.authority().await;
    t.post("/c/banks", &owner.token, json!({ "name": "VIDEOS" })).await.expect(201);
    let by_vpdq =
        t.post("/c/bank/VIDEOS/signal", &owner.token, json!({ "vpdq": reference_signal(BANKED) })).await.expect(200);
    let bytes = video_file(BANKED);
    let by_md5 = t
        .post("/c/bank/VIDEOS/signal", &owner.token, json!({ "video_md5": vigie_hash::md5_hex(&bytes) }))
        .await
        .expect(200);
    t.post("/c/bank/VIDEOS/signal", &owner.token, json!({ "vpdq": reference_signal(OTHER) })).await.expect(200);

    let (status, location, job) = hma_post(&t, &owner.token, "/m/lookup", "video", &bytes).await;
    assert_eq!((status, job["kind"].as_str()), (202, Some("hma_lookup")), "{job}");
    let job = finished(&t, &owner.token, &location.unwrap()).await;
    assert_eq!(job["state"], "done", "{job}");
    let result = &job["result"];
    let md5_hits = result["video_md5"]["VIDEOS"].as_array().expect("the MD5's matches by bank");
    assert_eq!(md5_hits.len(), 1, "{result}");
    assert_eq!((&md5_hits[0]["bank_content_id"], md5_hits[0]["distance"].as_str()), (&by_md5["id"], Some("0")));
    let vpdq_hits = result["vpdq"]["VIDEOS"].as_array().expect("the vPDQ's matches by bank");
    assert_eq!(vpdq_hits.len(), 1, "the other banked video does not match: {result}");
    assert_eq!(
        (&vpdq_hits[0]["bank_content_id"], vpdq_hits[0]["distance"].as_str(), vpdq_hits[0]["clip"].as_bool()),
        (&by_vpdq["id"], Some("100%[100%]"), Some(false))
    );

    // The same answer as a lookup by the signal HMA's hash gives.
    let by_signal = t
        .post("/m/lookup", &owner.token, json!({ "signal_type": "vpdq", "signal": reference_signal(BANKED) }))
        .await
        .expect(200);
    assert_eq!(by_signal["VIDEOS"][0]["bank_content_id"], by_vpdq["id"]);

    // Another organisation, with no bank shared, finds nothing and cannot read the first's job.
    let p = t.platform("tube.example").await;
    let (status, location, _) = hma_post(&t, &p.token, "/m/lookup", "video", &bytes).await;
    assert_eq!(status, 202);
    let location = location.unwrap();
    let job = finished(&t, &p.token, &location).await;
    assert_eq!(job["result"], json!({ "video_md5": {}, "vpdq": {} }), "{job}");
    assert_eq!(t.get(&location, &owner.token).await.status, 404);
}

#[tokio::test]
async fn hostile_videos_sent_to_hmas_routes_fail_their_jobs_with_a_stable_code() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let good = video_file(BANKED);
    let mut forged = b"\0\0\0\x14ftypisom\0\0\0\0isom".to_vec();
    forged.extend_from_slice(b"#EXTM3U\n#EXTINF:3.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n");
    for (path, what, bytes, codes) in [
        ("/h/hash", "truncated", good[..good.len() * 2 / 5].to_vec(), &["undecodable_video", "no_video_stream"][..]),
        ("/m/lookup", "no video stream", video_file("tone-no-video.mp4"), &["no_video_stream"][..]),
        ("/h/hash", "a playlist behind an MP4 header", forged, &["undecodable_video", "no_video_stream"][..]),
        ("/m/lookup", "not a video", b"just some text".to_vec(), &["not_a_video"][..]),
    ] {
        let (status, location, job) = hma_post(&t, &p.token, path, "video", &bytes).await;
        assert_eq!(status, 202, "{what}: {job}");
        let job = finished(&t, &p.token, &location.unwrap()).await;
        assert_eq!(job["state"], "failed", "{what}: {job}");
        let code = job["error"]["code"].as_str().unwrap();
        assert!(codes.contains(&code), "{what}: {code}");
        assert!(job["result"].is_null(), "{what}: {job}");
    }
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")), "{:?}", leftovers(&t));
    // Two files: refused, and the video already on disk is removed.
    let (ctype, body) = multipart(&[("video", &good), ("photo", b"x")]);
    let res = t.http.post(t.url("/h/hash")).bearer_auth(&p.token).header("content-type", ctype).body(body).send().await;
    let res = res.unwrap();
    assert_eq!(res.status().as_u16(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "one_file_only");
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")), "{:?}", leftovers(&t));
}

#[tokio::test]
async fn hmas_video_jobs_are_closed_to_roles_without_banks_and_refused_when_the_queue_is_full() {
    let t = TestApp::start_with(|c| c.app.video.queue = 0).await;
    let p = t.platform("tube.example").await;
    let good = video_file(BANKED);
    for path in ["/h/hash", "/m/lookup"] {
        let (status, _, res) = hma_post(&t, &p.token, path, "video", &good).await;
        assert_eq!((status, res["code"].as_str()), (503, Some("busy")), "{path}: {res}");
    }
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")));
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let viewer = t.person(&p.org, &["viewer"]).await;
    for path in ["/h/hash", "/m/lookup"] {
        let (status, _, res) = hma_post(&t, &viewer.token, path, "video", &good).await;
        assert_eq!(status, 403, "{path}: {res}");
    }
    assert!(leftovers(&t).iter().all(|f| !f.starts_with("upload-")));
}

/// A stay-down bank holding `BANKED`'s vPDQ, then `bytes` (that video) uploaded with `meta` and
/// checked as a job: the bank entry, the stay-down case and the media kept on it.
async fn banked_video_uploaded(t: &TestApp, token: &str, meta: Value, bytes: &[u8]) -> (Value, String, String) {
    t.post("/api/v1/banks", token, json!({ "name": "videos", "stay_down": true })).await.expect(201);
    let added = t.post("/c/bank/videos/signal", token, json!({ "vpdq": reference_signal(BANKED) })).await.expect(200);
    let (status, location, job) = upload(t, token, meta, bytes).await;
    assert_eq!(status, 202, "{job}");
    let job = finished(t, token, &location.unwrap()).await;
    let result = &job["result"];
    assert_eq!(result["verdict"], "match", "{result}");
    let case = result["case"].as_str().expect("a stay-down case").to_owned();
    let media = result["case_media"].as_str().expect("the video kept on the case").to_owned();
    (added, case, media)
}

#[tokio::test]
async fn a_stay_down_video_job_keeps_the_video_on_its_case_for_the_storyboard_once() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let bytes = video_file(BANKED);
    let meta = json!({ "url": "https://tube.example/watch/kept", "content_id": "v-90" });
    let (added, case, media_id) = banked_video_uploaded(&t, &p.token, meta, &bytes).await;

    // The case carries the video as if attached: the original, the storyboard, the match.
    let listed = t.get(&format!("/api/v1/cases/{case}/media"), &p.token).await.expect(200);
    let media = listed["media"].as_array().unwrap();
    assert_eq!(media.len(), 1, "{listed}");
    use sha2::Digest as _;
    assert_eq!(media[0]["id"].as_str(), Some(media_id.as_str()));
    assert_eq!(media[0]["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    assert_eq!((media[0]["size"].as_u64(), media[0]["preview"].as_bool()), (Some(bytes.len() as u64), Some(true)));
    assert_eq!(media[0]["matches"][0]["entry"], added["id"], "{listed}");
    let stored = t.app.store().read({
        let id = vigie_model::MediaId::parse(&media_id).unwrap();
        move |r| r.get_media(&id)
    });
    let stored = stored.await.unwrap().unwrap();
    let facts: Value = serde_json::from_str(stored.video.as_deref().expect("the timeline's facts")).unwrap();
    assert_eq!(facts["matches"][0]["entry"], added["id"], "{facts}");
    assert_eq!(facts["matches"][0]["query_match_percent"], 100.0, "{facts}");
    let segments = facts["matches"][0]["segments"].as_array().unwrap();
    assert!(!segments.is_empty(), "{facts}");
    let frames = facts["frames"].as_array().unwrap();
    assert!(!frames.is_empty() && frames.iter().all(|f| f["matched"] == true), "{facts}");
    let original = t.app.store().read({
        let id = vigie_model::MediaId::parse(&media_id).unwrap();
        move |r| r.media_original(&id)
    });
    assert_eq!(original.await.unwrap().as_deref(), Some(bytes.as_slice()), "the original, for the viewer");

    // The console shows the case's storyboard to the platform's reviewer.
    let body = json!({ "name": "Rita Reviewer", "roles": ["moderator"], "login": "rita", "password": crate::console::PASSWORD });
    t.post(&format!("/api/v1/orgs/{}/users", p.org), ADMIN, body).await.expect(201);
    let cookie = t.console_login("rita", crate::console::PASSWORD).await.1.expect("a session");
    let html = t.console_get(&format!("/cases/{case}"), &cookie).await.body;
    assert!(html.contains("img class=\"preview storyboard\"") && html.contains("class=\"segment\""), "{html}");

    // The same video uploaded again folds into the case, which keeps it once.
    let meta = json!({ "url": "https://tube.example/watch/kept", "content_id": "v-91" });
    let (_, location, _) = upload(&t, &p.token, meta, &bytes).await;
    let again = finished(&t, &p.token, &location.unwrap()).await;
    assert_eq!(again["result"]["case"].as_str(), Some(case.as_str()), "{again}");
    assert_eq!(again["result"]["case_media"].as_str(), Some(media_id.as_str()), "{again}");
    let listed = t.get(&format!("/api/v1/cases/{case}/media"), &p.token).await.expect(200);
    assert_eq!(listed["media"].as_array().unwrap().len(), 1, "{listed}");

    // An upload that matches nothing opens no case and keeps nothing.
    let (_, location, _) =
        upload(&t, &p.token, json!({ "url": "https://tube.example/watch/other" }), &video_file(OTHER)).await;
    let other = finished(&t, &p.token, &location.unwrap()).await;
    assert_eq!((other["result"]["verdict"].as_str(), other["result"].get("case_media")), (Some("no_match"), None));
}

#[tokio::test]
async fn a_stay_down_video_over_the_case_media_limit_is_kept_by_its_storyboard_without_the_original() {
    let bytes = video_file(BANKED);
    let limit = bytes.len() / 2;
    let t = TestApp::start_with(|c| c.app.hash_limits.max_bytes = limit).await;
    let p = t.platform("tube.example").await;
    let meta = json!({ "url": "https://tube.example/watch/large", "content_id": "v-92" });
    let (_, case, media_id) = banked_video_uploaded(&t, &p.token, meta, &bytes).await;

    // Its facts, storyboard and size are kept; its bytes are not.
    let listed = t.get(&format!("/api/v1/cases/{case}/media"), &p.token).await.expect(200);
    let media = &listed["media"][0];
    use sha2::Digest as _;
    assert_eq!(media["sha256"], hex::encode(sha2::Sha256::digest(&bytes)), "{listed}");
    assert_eq!(media["size"].as_u64(), Some(bytes.len() as u64), "{listed}");
    assert_eq!((media["preview"].as_bool(), media["original_kept"].as_bool()), (Some(true), Some(false)), "{listed}");
    let id = vigie_model::MediaId::parse(&media_id).unwrap();
    let original = t.app.store().read(move |r| r.media_original(&id)).await.unwrap();
    assert_eq!(original, None, "no original in the store");
    let id = vigie_model::MediaId::parse(&media_id).unwrap();
    let stored = t.app.store().read(move |r| r.get_media(&id)).await.unwrap().unwrap();
    let facts: Value = serde_json::from_str(stored.video.as_deref().expect("the timeline's facts")).unwrap();
    assert!(!facts["matches"][0]["segments"].as_array().unwrap().is_empty(), "{facts}");

    // The reviewer sees the storyboard and the timeline, is told why there is no video, and has
    // nothing to reveal: a reveal is refused, and not counted.
    let body = json!({ "name": "Rita Reviewer", "roles": ["moderator"], "login": "rita", "password": crate::console::PASSWORD });
    t.post(&format!("/api/v1/orgs/{}/users", p.org), ADMIN, body).await.expect(201);
    let cookie = t.console_login("rita", crate::console::PASSWORD).await.1.expect("a session");
    let html = t.console_get(&format!("/cases/{case}"), &cookie).await.body;
    assert!(html.contains("img class=\"preview storyboard\"") && html.contains("class=\"segment\""), "{html}");
    assert!(html.contains("Only the storyboard was kept"), "{html}");
    assert!(!html.contains(&format!("id=\"reveal-{media_id}\"")), "no reveal button: {html}");
    let page = format!("/cases/{case}");
    let csrf = t.console_get(&page, &cookie).await.csrf();
    let refused = t.console_post(&format!("/media/{media_id}/reveal"), &cookie, &[("csrf", csrf.as_str())]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("larger than the case media limit and was not kept"), "{}", refused.body);
    assert!(t.events(Some("media.revealed")).await.is_empty());
    let original = t.console_get(&format!("/media/{media_id}/original"), &cookie).await;
    assert_eq!(original.status, 409, "{}", original.body);
    assert!(original.body.contains("was not kept"), "{}", original.body);
}
