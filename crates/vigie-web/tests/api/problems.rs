//! Every error is a problem document: bad query strings, wrong methods, rate limits, failed
//! fetches, and fields a request does not know.

use serde_json::{Value, json};

use crate::helpers::*;

/// Status, content type, chosen headers and body of a raw answer.
struct Raw {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn raw(req: reqwest::RequestBuilder) -> Raw {
    let res = req.send().await.expect("request reaches the server");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let text = res.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Raw { status, content_type, headers, body }
}

#[tokio::test]
async fn a_bad_query_string_is_a_problem_naming_the_parameter() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    for (path, field, code) in [
        ("/api/v1/events?limit=many", "limit", "invalid"),
        ("/api/v1/inbox?limit=-3", "limit", "invalid"),
        ("/api/v1/banks/bnk_x/entries?after=x", "after", "invalid"),
        ("/h/hash", "url", "required"),
        ("/m/raw_lookup?signal=00", "signal_type", "required"),
    ] {
        let r = raw(t.http.get(t.url(path)).bearer_auth(ADMIN)).await;
        assert_eq!((r.status, r.body["code"].as_str()), (400, Some("invalid_query")), "{path}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json", "{path}");
        assert_eq!(r.body["errors"][0]["field"], field, "{path}");
        assert_eq!(r.body["errors"][0]["code"], code, "{path}");
    }
    // A well-formed query still works, and unknown parameters are ignored.
    let r = raw(t.http.get(t.url("/api/v1/events?limit=1&colour=blue")).bearer_auth(ADMIN)).await;
    assert_eq!(r.status, 200);
    let r = raw(t.http.get(t.url("/m/index/status?signal_type=pdq")).bearer_auth(&a.token)).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn a_wrong_method_is_a_problem_that_says_which_methods_the_path_takes() {
    let t = TestApp::start().await;
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/api/v1/notices", "POST"),
        (reqwest::Method::PUT, "/api/v1/orgs", "GET,HEAD,POST"),
        (reqwest::Method::POST, "/healthz", "GET,HEAD"),
        (reqwest::Method::PATCH, "/h/hash", "GET,HEAD,POST"),
    ] {
        let r = raw(t.http.request(method.clone(), t.url(path)).bearer_auth(ADMIN)).await;
        assert_eq!((r.status, r.body["code"].as_str()), (405, Some("method_not_allowed")), "{method} {path}");
        assert_eq!(r.content_type, "application/problem+json");
        let mut got: Vec<&str> = r.headers["allow"].to_str().unwrap().split(',').map(str::trim).collect();
        got.sort_unstable();
        let mut want: Vec<&str> = allow.split(',').collect();
        want.sort_unstable();
        assert_eq!(got, want, "{method} {path}");
    }
}

#[tokio::test]
async fn a_rate_limited_answer_says_when_to_try_again() {
    let t = TestApp::start_with(|c| c.public_rate_limit = 2).await;
    t.platform("video.example").await;
    for _ in 0..2 {
        t.notice("https://video.example/v/1").await;
    }
    let r = raw(t.http.post(t.url("/api/v1/notices")).json(&notice_body("https://video.example/v/1"))).await;
    assert_eq!((r.status, r.body["code"].as_str()), (429, Some("rate_limited")));
    assert_eq!(r.content_type, "application/problem+json");
    let after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    // Two tokens a minute: the next one comes within 30 seconds.
    assert!((1..=30).contains(&after), "Retry-After: {after}");
    let r = raw(t.http.get(t.url("/api/v1/notices/track/whatever"))).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn a_failed_fetch_says_what_happened_without_the_http_clients_words() {
    // A port with no listener: bound, then closed.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    let app = axum::Router::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let served = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let t = TestApp::start_with(|c| c.app.hash_fetch_allow = vec!["127.0.0.1".into()]).await;
    let a = t.authority().await;
    let res = t.get(&format!("/h/hash?url=http://{closed}/x.png"), &a.token).await;
    assert_eq!((res.status.as_u16(), res.code()), (502, "fetch_failed"));
    assert_eq!(res.body["detail"], "could not connect to the media host");
    let res = t.get(&format!("/h/hash?url=http://{served}/missing.png"), &a.token).await;
    assert_eq!((res.status.as_u16(), res.code()), (502, "fetch_failed"));
    assert_eq!(res.body["detail"], "the media host answered 404");
}

#[tokio::test]
async fn an_unknown_field_is_refused_by_name_and_nothing_is_written() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    t.platform("video.example").await;
    let referral = json!({
        "explanation": "recruitment",
        "locations": [{ "url": "https://video.example/v/1" }],
        "legal_basis": "eu.tco.2-7-a"
    });
    let res = t.post("/api/v1/referrals", &a.token, referral).await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "unknown_field"), "{}", res.body);
    assert_eq!(res.fields(), ["legal_basis"]);
    assert_eq!(res.field_codes(), ["unknown_field"]);

    let mut notice = notice_body("https://video.example/v/2");
    notice["locations"][0]["title"] = json!("a title");
    let res = t.post_anonymous("/api/v1/notices", notice).await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "unknown_field"));
    assert_eq!(res.fields(), ["locations[0].title"]);

    let res = t.post("/api/v1/banks", &a.token, json!({ "name": "B", "labels": { "colour": "red" } })).await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "unknown_field"));
    assert_eq!(res.fields(), ["labels.colour"]);

    let signals = t.get("/api/v1/signals", ADMIN).await.expect(200);
    assert_eq!(signals["signals"].as_array().unwrap().len(), 0, "nothing was written");
    assert_eq!(t.get("/api/v1/banks", &a.token).await.expect(200)["banks"].as_array().unwrap().len(), 0);

    // A field of the wrong type names it too.
    let res = t.post("/api/v1/referrals", &a.token, json!({ "explanation": 7 })).await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "invalid_json_shape"));
    assert_eq!(res.fields(), ["explanation"]);
}

#[tokio::test]
async fn hma_routes_keep_tolerating_unknown_fields() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    // HMA's clients send fields Vigie does not use; they keep working.
    t.post("/c/banks", &a.token, json!({ "name": "HMA_BANK", "enabled_ratio": 1.0, "is_enabled": true }))
        .await
        .expect(201);
    let update = json!({ "enabled": true, "some_hma_field": 3 });
    t.send(reqwest::Method::PUT, "/c/bank/HMA_BANK", Some(&a.token), Some(update)).await.expect(200);
    let hash = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    t.post("/c/bank/HMA_BANK/signal", &a.token, json!({ "pdq": hash, "note": "x", "tags": ["a"] })).await.expect(200);
}

#[tokio::test]
async fn a_scrutiny_request_without_its_text_names_the_text() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    // The field is `text`, as documented; the refusal names it.
    let res = t.post("/api/v1/orders/sig_0/scrutiny", &p.token, json!({})).await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "validation_failed"));
    assert_eq!(res.fields(), ["text"]);
}

#[tokio::test]
async fn an_integral_number_is_an_integer() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    // JSON has one kind of number: 165.0 is 165.
    let ends = t.now().plus(vigie_model::Duration::from_days(30)).to_rfc3339();
    let body = json!({ "name": "List", "legal_basis_ref": "file 1", "ends_at": ends, "hold_hours": 72.0 });
    let w = t.post("/api/v1/watchlists", &a.token, body).await.expect(201);
    assert_eq!(w["hold_hours"], 72);
    let res = t
        .post(
            "/api/v1/watchlists",
            &a.token,
            json!({ "name": "L", "legal_basis_ref": "f", "ends_at": ends, "hold_hours": 7.5 }),
        )
        .await;
    assert_eq!((res.status.as_u16(), res.code()), (422, "invalid_json_shape"));
}
