//! Organisations, people, tokens, hosts; and closed-by-default access.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn healthz_answers_and_the_writer_commits_with_full_sync_in_wal_mode() {
    let t = TestApp::start().await;
    let res = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["journal_mode"], "wal");
    assert_eq!(body["synchronous"], 2, "synchronous=FULL: every commit is fsync'd");
}

#[tokio::test]
async fn every_kind_of_organisation_is_created_with_its_legal_fields() {
    let t = TestApp::start().await;
    for kind in ["authority", "platform", "trusted_flagger", "overseer", "hub"] {
        let m = t.member(kind, &format!("A {kind}"), &["viewer"]).await;
        assert!(m.org.starts_with("org_"));
    }
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    assert_eq!(orgs["orgs"].as_array().unwrap().len(), 6, "five plus the operator's hub");

    let res = t.post("/api/v1/orgs", ADMIN, json!({ "name": "Tube", "kind": "platform" })).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.fields(), ["main_establishment", "contact_point"]);

    let res = t
        .post(
            "/api/v1/orgs",
            ADMIN,
            json!({ "name": "Offshore Tube", "kind": "platform", "contact_point": { "email": "x@tube.example" },
                    "legal_representative": { "name": "Rep SARL", "member_state": "LU" } }),
        )
        .await;
    let org = res.expect(201);
    assert_eq!(org["legal_representative"]["member_state"], "LU");

    let res =
        t.post("/api/v1/orgs", ADMIN, json!({ "name": "Police", "kind": "authority", "member_state": "US" })).await;
    assert_eq!(res.field_codes(), ["unknown_member_state"]);
}

#[tokio::test]
async fn roles_must_fit_the_organisation() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let res =
        t.post(&format!("/api/v1/orgs/{}/users", a.org), ADMIN, json!({ "name": "X", "roles": ["moderator"] })).await;
    assert_eq!(res.status, 422);
    assert_eq!(res.field_codes(), ["role_not_allowed"]);
}

#[tokio::test]
async fn every_write_records_the_acting_person() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let second = t.person(&a.org, &["reporter"]).await;
    let p = t.platform("video.example").await;
    t.post(
        "/api/v1/referrals",
        &second.token,
        json!({ "explanation": "recruitment", "locations": [{ "url": "https://video.example/v/1" }] }),
    )
    .await
    .expect(201);
    let received = t.events(Some("signal.received")).await;
    let last = received.last().unwrap();
    assert_eq!(last["actor"], second.user.as_str());
    assert_eq!(last["org"], a.org.as_str());
    assert_ne!(last["actor"], a.user.as_str());
    let claims = t.events(Some("host.claimed")).await;
    assert_eq!(claims[0]["actor"], p.user.as_str());
}

#[tokio::test]
async fn a_host_belongs_to_one_platform_and_only_an_admin_approves_it() {
    let t = TestApp::start().await;
    let p1 = t.member("platform", "One", &["integrator", "moderator"]).await;
    let p2 = t.member("platform", "Two", &["integrator", "moderator"]).await;
    t.post("/api/v1/hosts", &p1.token, json!({ "host": "Video.Example" })).await.expect(201);
    let res = t.post("/api/v1/hosts", &p2.token, json!({ "host": "video.example" })).await;
    assert_eq!((res.status.as_u16(), res.code()), (409, "host_taken"));
    let res = t.post("/api/v1/hosts/video.example/approve", &p1.token, json!({})).await;
    assert_eq!(res.status, 403);

    // Until approved, reports on the host are parked, not lost.
    let receipt = t
        .post(
            "/api/v1/notices",
            &t.member("trusted_flagger", "TF", &["reporter"]).await.token,
            notice_body("https://video.example/v/9"),
        )
        .await
        .expect(201);
    assert_eq!(receipt["cases"][0]["platform"], serde_json::Value::Null);
    let hub = t.get("/api/v1/parked", ADMIN).await.expect(200);
    assert_eq!(hub["cases"].as_array().unwrap().len(), 1);
    assert!(t.get("/api/v1/inbox", &p1.token).await.expect(200)["cases"].as_array().unwrap().is_empty());

    let approval = t.post("/api/v1/hosts/video.example/approve", ADMIN, json!({})).await.expect(200);
    assert_eq!(approval["rerouted_cases"], 1);
    let inbox = t.get("/api/v1/inbox", &p1.token).await.expect(200);
    assert_eq!(inbox["cases"][0]["url"], "https://video.example/v/9");
    assert!(t.get("/api/v1/parked", ADMIN).await.expect(200)["cases"].as_array().unwrap().is_empty());
    // Subdomains route to the owner of the parent host.
    let r = t
        .post(
            "/api/v1/notices",
            &t.member("trusted_flagger", "TF2", &["reporter"]).await.token,
            notice_body("https://m.video.example/v/10"),
        )
        .await
        .expect(201);
    assert_eq!(r["cases"][0]["platform"], p1.org.as_str());
}

#[tokio::test]
async fn closed_by_default_every_endpoint_but_the_public_ones_needs_a_valid_token() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    for (method, path) in [
        ("GET", "/api/v1/orgs"),
        ("POST", "/api/v1/orgs"),
        ("GET", "/api/v1/inbox"),
        ("POST", "/api/v1/referrals"),
        ("POST", "/api/v1/orders"),
        ("GET", "/api/v1/events"),
        ("GET", "/api/v1/parked"),
        ("POST", "/api/v1/webhooks"),
        ("GET", "/api/v1/legal-bases"),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        for token in
            [None, Some("vgt_0000000000000000000000000000000000000000000000000000000000000000"), Some("forged")]
        {
            let res = t.send(m.clone(), path, token, Some(json!({}))).await;
            assert_eq!(res.status, 401, "{method} {path} with {token:?}");
            assert_eq!(res.code(), "unauthenticated");
        }
    }
    // The public routes take no token, but one that is sent must be valid: a forged token never
    // quietly becomes an anonymous request.
    let code = "0123456789abcdef0123456789abcdef";
    for (method, path) in [
        ("POST", "/api/v1/notices".to_owned()),
        ("GET", format!("/api/v1/notices/track/{code}")),
        ("POST", format!("/api/v1/notices/track/{code}/complaint")),
        ("GET", format!("/api/v1/uploader-notices/{code}")),
        ("POST", format!("/api/v1/uploader-notices/{code}/complaint")),
        ("POST", format!("/api/v1/uploader-notices/{code}/scrutiny")),
        ("GET", "/m/lookup?signal_type=pdq&signal=00".to_owned()),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        for token in ["vgt_0000000000000000000000000000000000000000000000000000000000000000", "forged"] {
            let res = t.send(m.clone(), &path, Some(token), Some(json!({}))).await;
            assert_eq!(res.status, 401, "{method} {path} with {token:?}");
            assert_eq!(res.code(), "unauthenticated");
        }
    }
    // A valid token of the wrong kind of organisation is forbidden, not unauthenticated.
    assert_eq!(t.get("/api/v1/orgs", &p.token).await.status, 403);
    assert_eq!(t.post("/api/v1/orders", &p.token, json!({})).await.status, 403);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_the_router_serves() {
    let t = TestApp::start().await;
    let res = t.http.get(t.url("/openapi.json")).send().await.unwrap();
    assert_eq!(res.status(), 200, "the document is public");
    let doc: serde_json::Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    // Read the routes from the router's source, so a route added without documentation fails.
    let source = include_str!("../../src/lib.rs");
    let mut n_routes = 0;
    // Each `.route(` call, up to the next one: its path, then the methods it registers.
    for call in source.split(".route(").skip(1) {
        let path = call.split('"').nth(1).unwrap();
        // HMA's routes (/h, /m, /c) and the system routes sit at the root; the rest under /api/v1.
        let at_root = ["/healthz", "/openapi.json", "/h/", "/m/", "/c/"].iter().any(|p| path.starts_with(p));
        let full = if at_root { path.to_owned() } else { format!("/api/v1{path}") };
        let call = call.split(".nest(").next().unwrap();
        for method in ["get", "post", "put", "patch", "delete"] {
            if call.contains(&format!("{method}(")) {
                assert!(doc["paths"][&full][method].is_object(), "{method} {full} is served but not documented");
                n_routes += 1;
            }
        }
    }
    assert!(n_routes >= 60, "found only {n_routes} routes in the router source");
}
