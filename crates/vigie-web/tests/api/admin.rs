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
        ("GET", "/api/v1/webhooks"),
        ("GET", "/api/v1/tokens"),
        ("DELETE", "/api/v1/tokens/tok_00000000000000000000000000000000"),
        ("DELETE", "/api/v1/users/usr_00000000000000000000000000000000"),
        ("PATCH", "/api/v1/orgs/org_00000000000000000000000000000000"),
        ("POST", "/api/v1/scrutinies/scr_00000000000000000000000000000000/intention"),
        ("POST", "/api/v1/cases/cas_00000000000000000000000000000000/uploader-notice/informed"),
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
        ("POST", format!("/api/v1/uploader-notices/{code}/order-copy")),
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
        let at_root = ["/healthz", "/openapi.json", "/events.schema.json", "/h/", "/m/", "/c/"]
            .iter()
            .any(|p| path.starts_with(p));
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

/// The token ids of a person, as `GET /api/v1/users/{id}/tokens` lists them, with their state.
async fn token_states(t: &TestApp, user: &str, token: &str) -> Vec<(String, String)> {
    t.get(&format!("/api/v1/users/{user}/tokens"), token).await.expect(200)["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap().to_owned(), x["state"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_revoked_token_fails_at_once_and_tokens_may_expire() {
    let t = TestApp::start().await;
    let a = t.authority().await;
    let path = format!("/api/v1/users/{}/tokens", a.user);
    let second = t.post(&path, ADMIN, json!({ "label": "laptop" })).await.expect(201);
    let (second_id, second_token) =
        (second["id"].as_str().unwrap().to_owned(), second["token"].as_str().unwrap().to_owned());
    t.get("/api/v1/tokens", &second_token).await.expect(200);

    // A person lists their own tokens; never the secrets.
    let own = t.get("/api/v1/tokens", &a.token).await.expect(200);
    assert_eq!(own["tokens"].as_array().unwrap().len(), 2);
    assert!(!own.to_string().contains(&second_token), "a list never shows a secret");
    // Another organisation's person's tokens do not exist for them.
    let other = t.authority().await;
    assert_eq!(t.get(&path, &other.token).await.status, 404);
    assert_eq!(
        t.send(reqwest::Method::DELETE, &format!("/api/v1/tokens/{second_id}"), Some(&other.token), None).await.status,
        404
    );

    // Revoked by the administrator: the very next request is refused.
    let revoked = t.send(reqwest::Method::DELETE, &format!("/api/v1/tokens/{second_id}"), Some(ADMIN), None).await;
    assert_eq!(revoked.expect(200)["state"], "revoked");
    let res = t.get("/api/v1/tokens", &second_token).await;
    assert_eq!((res.status.as_u16(), res.code()), (401, "unauthenticated"));
    assert!(token_states(&t, &a.user, ADMIN).await.contains(&(second_id.clone(), "revoked".to_owned())));
    // Again: nothing changes, and no second event.
    t.send(reqwest::Method::DELETE, &format!("/api/v1/tokens/{second_id}"), Some(ADMIN), None).await.expect(200);
    let events = t.events(Some("token.revoked")).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0]["subject"].as_str(), data_of(&events[0])["user"].as_str()),
        (Some(second_id.as_str()), Some(a.user.as_str()))
    );
    assert_eq!(data_of(&events[0]).as_object().unwrap().len(), 1, "ids only: {}", data_of(&events[0]));

    // A person revokes their own token, the one they are using.
    let states = token_states(&t, &a.user, &a.token).await;
    let own_id = states.iter().find(|(_, state)| state == "active").unwrap().0.clone();
    t.send(reqwest::Method::DELETE, &format!("/api/v1/tokens/{own_id}"), Some(&a.token), None).await.expect(200);
    assert_eq!(t.get("/api/v1/tokens", &a.token).await.status, 401);

    // An expiry: the token works until then, is refused after, and lists as expired.
    let until = t.now().plus(vigie_model::Duration::from_hours(1));
    let timed = t.post(&path, ADMIN, json!({ "expires_at": until.to_rfc3339() })).await.expect(201);
    assert_eq!(timed["expires_at"], until.to_rfc3339());
    let timed_token = timed["token"].as_str().unwrap();
    t.get("/api/v1/tokens", timed_token).await.expect(200);
    t.advance(vigie_model::Duration::from_mins(61));
    assert_eq!(t.get("/api/v1/tokens", timed_token).await.status, 401);
    let states = token_states(&t, &a.user, ADMIN).await;
    assert!(states.contains(&(timed["id"].as_str().unwrap().to_owned(), "expired".to_owned())), "{states:?}");
    let past = t.post(&path, ADMIN, json!({ "expires_at": "2001-01-01T00:00:00Z" })).await;
    assert_eq!((past.status.as_u16(), past.field_codes()), (422, vec!["in_the_past".to_owned()]));
    let bad = t.post(&path, ADMIN, json!({ "expires_at": "tomorrow" })).await;
    assert_eq!(bad.field_codes(), ["invalid_time"]);
}

#[tokio::test]
async fn a_removed_person_loses_tokens_and_sessions_at_once_and_keeps_their_past() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let password = "a long test password";
    let body = json!({ "login": "ana", "password": password });
    let res =
        t.send(reqwest::Method::PUT, &format!("/api/v1/users/{}/password", p.user), Some(ADMIN), Some(body)).await;
    assert_eq!(res.status.as_u16(), 204);
    let (_, cookie) = t.console_login("ana", password).await;
    let cookie = cookie.expect("a session");
    assert_eq!(t.console_get("/queue", &cookie).await.status, 200);
    t.notice("https://video.example/v/1").await;
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    t.post(&format!("/api/v1/cases/{case}/claim"), &p.token, json!({})).await.expect(200);

    // Only an administrator removes, and not themselves.
    assert_eq!(
        t.send(reqwest::Method::DELETE, &format!("/api/v1/users/{}", p.user), Some(&p.token), None).await.status,
        403
    );
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    let hub = orgs["orgs"].as_array().unwrap().iter().find(|o| o["kind"] == "hub").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = t.get(&format!("/api/v1/orgs/{hub}/users"), ADMIN).await.expect(200)["people"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = t.send(reqwest::Method::DELETE, &format!("/api/v1/users/{me}"), Some(ADMIN), None).await;
    assert_eq!((res.status.as_u16(), res.code()), (409, "cannot_remove_self"));

    let removed =
        t.send(reqwest::Method::DELETE, &format!("/api/v1/users/{}", p.user), Some(ADMIN), None).await.expect(200);
    assert!(removed["removed_at"].is_string());
    // At once: the token, the console session, a new sign-in, a new token.
    assert_eq!(t.get("/api/v1/inbox", &p.token).await.status, 401);
    let page = t.console_get("/queue", &cookie).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/login")));
    let (page, again) = t.console_login("ana", password).await;
    assert_eq!((page.status, again), (401, None));
    let res = t.post(&format!("/api/v1/users/{}/tokens", p.user), ADMIN, json!({})).await;
    assert_eq!((res.status.as_u16(), res.code()), (409, "user_removed"));
    // Their claim is released, and recorded as such.
    let released = t.events(Some("case.released")).await;
    assert_eq!(released.len(), 1);
    assert_eq!(data_of(&released[0])["cause"], "user_removed");

    // The list shows them as removed; their past actions are still theirs, by id.
    let people = t.get(&format!("/api/v1/orgs/{}/users", p.org), ADMIN).await.expect(200);
    let row = people["people"].as_array().unwrap().iter().find(|x| x["id"] == p.user.as_str()).unwrap().clone();
    assert_eq!((row["login"].as_str(), row["live_tokens"].as_i64()), (Some("ana"), Some(0)));
    assert!(row["removed_at"].is_string());
    let claimed = t.events(Some("case.claimed")).await;
    assert_eq!(claimed[0]["actor"], p.user.as_str());
    let gone = t.events(Some("user.deactivated")).await;
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0]["subject"], p.user.as_str());
    assert_eq!(data_of(&gone[0])["sessions"], 1);
    assert!(!data_of(&gone[0]).to_string().contains("ana"), "ids and counts only");
}

#[tokio::test]
async fn the_first_administrator_has_a_console_login_from_the_first_start() {
    let password = "the operator chose this one";
    let t = TestApp::start_with(|c| c.admin_password = Some(password.into())).await;
    // A wrong password opens nothing; the given one opens the console, with no forced change.
    let (page, cookie) = t.console_login("admin", "not the password at all").await;
    assert_eq!((page.status, cookie), (401, None));
    let (page, cookie) = t.console_login("admin", password).await;
    assert_eq!((page.status, page.location.as_deref()), (303, Some("/admin")));
    let cookie = cookie.unwrap();
    assert_eq!(t.console_get("/admin", &cookie).await.status, 200);

    // Changing one's password needs the current one, and a new one that differs.
    let form = t.console_get("/password", &cookie).await;
    assert!(!form.body.contains("one-time password"), "a chosen password is not forced to change");
    let csrf = form.csrf();
    let wrong = [
        ("csrf", csrf.as_str()),
        ("current_password", "nope"),
        ("new_password", "a brand new password"),
        ("new_password_again", "a brand new password"),
    ];
    let page = t.console_post("/password", &cookie, &wrong).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("the current password is wrong"), "{}", page.body);
    let same = [
        ("csrf", csrf.as_str()),
        ("current_password", password),
        ("new_password", password),
        ("new_password_again", password),
    ];
    assert!(
        t.console_post("/password", &cookie, &same).await.body.contains("choose a password other than the current one")
    );
    let ok = [
        ("csrf", csrf.as_str()),
        ("current_password", password),
        ("new_password", "a brand new password"),
        ("new_password_again", "a brand new password"),
    ];
    assert_eq!(t.console_post("/password", &cookie, &ok).await.status, 200);
    assert_eq!(t.console_login("admin", "a brand new password").await.0.status, 303);
}
