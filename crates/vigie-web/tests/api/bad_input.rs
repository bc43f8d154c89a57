//! Bad input gets a clear problem document and changes nothing.

use serde_json::json;

use crate::helpers::*;

async fn signal_count(t: &TestApp) -> usize {
    t.get("/api/v1/signals?limit=1000", ADMIN).await.expect(200)["signals"].as_array().unwrap().len()
}

#[tokio::test]
async fn malformed_mistyped_oversize_and_non_json_bodies_are_refused_cleanly() {
    let t = TestApp::start().await;
    t.platform("video.example").await;
    let post_raw = |body: Vec<u8>, ctype: &'static str| {
        let req = t.http.post(t.url("/api/v1/notices")).header("content-type", ctype).body(body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let ctype = res.headers()["content-type"].to_str().unwrap().to_owned();
            let body: serde_json::Value = res.json().await.unwrap();
            (status, ctype, body)
        }
    };
    let (s, ctype, b) = post_raw(b"{\"explanation\": \"x\", ".to_vec(), "application/json").await;
    assert_eq!((s, b["code"].as_str()), (400, Some("malformed_json")));
    assert_eq!(ctype, "application/problem+json");
    let (s, _, b) = post_raw(br#"{"explanation": 42, "locations": "no"}"#.to_vec(), "application/json").await;
    assert_eq!((s, b["code"].as_str()), (422, Some("invalid_json_shape")));
    let (s, _, b) = post_raw(b"explanation=x".to_vec(), "application/x-www-form-urlencoded").await;
    assert_eq!((s, b["code"].as_str()), (415, Some("unsupported_media_type")));
    let huge = json!({ "explanation": "x".repeat(400 * 1024), "locations": [{ "url": "https://video.example/1" }], "good_faith": true });
    let (s, _, b) = post_raw(serde_json::to_vec(&huge).unwrap(), "application/json").await;
    assert_eq!((s, b["code"].as_str()), (413, Some("payload_too_large")));
    let (s, _, b) = post_raw(vec![0xff, 0xfe, 0x00, 0x7b], "application/json").await;
    assert_eq!((s, b["code"].as_str()), (400, Some("malformed_json")));
    assert_eq!(signal_count(&t).await, 0, "nothing was written");
}

#[tokio::test]
async fn hostile_locations_are_refused_field_by_field_and_nothing_is_half_written() {
    let t = TestApp::start().await;
    let body = json!({
        "explanation": "x",
        "good_faith": true,
        "locations": [
            { "url": "https://fine.example/ok" },
            { "url": "javascript:alert(1)" },
            { "url": "https://user:pw@evil.example/" },
            { "kind": "planet", "url": "https://fine.example/2" },
            {}
        ]
    });
    let res = t.post_anonymous("/api/v1/notices", body).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.fields(), ["locations[1].url", "locations[2].url", "locations[3].kind", "locations[4].url"]);
    assert_eq!(res.field_codes(), ["unsupported_scheme", "credentials_in_url", "unknown_kind", "required"]);
    let res = t
        .post_anonymous("/api/v1/notices", json!({ "explanation": "x", "locations": [{ "url": "https://a.example" }] }))
        .await;
    assert_eq!(res.fields(), ["good_faith"]);
    // Saying "not in good faith" is no statement of good faith either (DSA art. 16(2)(d)).
    let res = t
        .post_anonymous(
            "/api/v1/notices",
            json!({ "explanation": "x", "good_faith": false, "locations": [{ "url": "https://a.example" }] }),
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!((res.fields(), res.field_codes()), (vec!["good_faith".to_owned()], vec!["not_confirmed".to_owned()]));
    let too_many: Vec<_> = (0..101).map(|i| json!({ "url": format!("https://a.example/{i}") })).collect();
    let res = t
        .post_anonymous("/api/v1/notices", json!({ "explanation": "x", "good_faith": true, "locations": too_many }))
        .await;
    assert_eq!(res.field_codes(), ["too_many"]);
    assert_eq!(signal_count(&t).await, 0);
}

#[tokio::test]
async fn unknown_routes_and_ids_answer_problem_documents() {
    let t = TestApp::start().await;
    let res = t.get("/api/v1/nothing-here", ADMIN).await;
    assert_eq!((res.status.as_u16(), res.code()), (404, "not_found"));
    for path in ["/api/v1/notices/sig_zz", "/api/v1/orders/../../etc/passwd", "/api/v1/cases/'%20OR%201=1"] {
        assert_eq!(t.get(path, ADMIN).await.status, 404, "{path}");
    }
}
