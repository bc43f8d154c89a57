//! The web console in a real browser (Debian's headless Chromium, over WebDriver), plus the
//! console's HTTP promises checked directly: CSRF refusals, cookie flags, media headers.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::webdriver::{Browser, ENTER, TAB};

pub(crate) const PASSWORD: &str = "a long test password";

/// Gives a member a console login and password; returns the login.
pub(crate) async fn with_password(t: &TestApp, m: &Member, login: &str) -> String {
    let body = json!({ "login": login, "password": PASSWORD });
    let res =
        t.send(reqwest::Method::PUT, &format!("/api/v1/users/{}/password", m.user), Some(ADMIN), Some(body)).await;
    assert_eq!(res.status.as_u16(), 204, "{}", res.body);
    login.to_owned()
}

pub(crate) async fn sign_in(t: &TestApp, b: &Browser, login: &str) {
    sign_in_to(t, b, login, "/queue").await;
}

/// Signs in and waits for the first page of the person's menu.
pub(crate) async fn sign_in_to(t: &TestApp, b: &Browser, login: &str, landing: &str) {
    b.goto(&t.url("/login")).await;
    let field = b.find("#login").await;
    b.type_into(&field, login).await;
    b.type_into(&b.find("#password").await, PASSWORD).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.wait_url(landing).await;
}

pub(crate) async fn case_of(t: &TestApp, receipt: &Value) -> String {
    let notice = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200);
    notice["cases"][0]["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn attach(t: &TestApp, m: &Member, case: &str, bytes: Vec<u8>) -> Value {
    let res = t
        .http
        .post(t.url(&format!("/api/v1/cases/{case}/media")))
        .bearer_auth(&m.token)
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_reviewer_signs_in_claims_reveals_media_and_decides_with_the_keyboard() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.one").await;
    let a = t.authority().await;
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    let public = case_of(&t, &t.notice("https://video.example/v/public").await).await;
    let flagged = t
        .post("/api/v1/notices", &flagger.token, notice_body("https://video.example/v/flagged"))
        .await
        .expect(201)["cases"][0]["case"]
        .as_str()
        .unwrap()
        .to_owned();
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/order"])).await.expect(201);
    let ordered = t.get(&format!("/api/v1/orders/{}", order["id"].as_str().unwrap()), &a.token).await.expect(200)["cases"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let b = Browser::start().await;
    b.goto(&t.url("/queue")).await;
    b.wait_url("/login").await;
    b.screenshot("login").await;
    sign_in(&t, &b, &login).await;
    let session = b.cookies().await.into_iter().find(|c| c["name"] == "vigie_session").expect("a session cookie");
    assert_eq!((session["httpOnly"].as_bool(), session["sameSite"].as_str()), (Some(true), Some("Strict")));

    // Deadline first (the order), then priority (the trusted flagger before the public).
    let mut order_in_queue = Vec::new();
    for row in b.find_all("tr[data-row]").await {
        order_in_queue.push(b.attribute(&row, "data-row").await.unwrap());
    }
    assert_eq!(order_in_queue, [ordered.clone(), flagged.clone(), public.clone()]);
    let countdown = b.find("tr[data-row] time.countdown").await;
    assert!(b.text(&countdown).await.starts_with("in "), "a live countdown to the order's hour");
    b.screenshot("queue").await;

    // j selects the first case, c claims it; the queue shows who holds it.
    b.keys("jc").await;
    // The claim posts and the queue comes back at the same address: wait for the new page.
    b.wait_gone(&format!("#row-{ordered} form.claim")).await;
    let held = b.find(&format!("#row-{ordered} td:nth-child(5)")).await;
    assert!(b.text(&held).await.starts_with("you, until"), "{}", b.text(&held).await);
    let claims = t.events(Some("case.claimed")).await;
    assert_eq!(claims.len(), 1);

    // Media attached by the platform: the page carries a blurred preview, not the original.
    let media = attach(&t, &p, &ordered, png(320, 240)).await;
    let mid = media["id"].as_str().unwrap().to_owned();
    assert_eq!((media["format"].as_str(), media["preview"].as_bool()), (Some("png"), Some(true)));
    b.goto(&t.url(&format!("/cases/{ordered}"))).await;
    b.find("img.preview").await;
    assert!(b.try_find("img.original").await.is_none());
    assert!(!b.source().await.contains(&format!("/media/{mid}/original")), "the original is not even linked");
    let preview = t.app.store().read({
        let mid = vigie_model::MediaId::parse(&mid).unwrap();
        move |r| r.get_media(&mid)
    });
    let preview = preview.await.unwrap().unwrap().preview.unwrap();
    assert!(preview.len() < 4_000, "a small re-encoded derivative, {} bytes", preview.len());
    b.screenshot("case-blurred").await;

    // r reveals: logged, and only then is the original sent.
    b.keys("r").await;
    b.wait_url("reveal=").await;
    b.find("img.original").await;
    assert_eq!(t.events(Some("media.revealed")).await.len(), 1);
    let caption = b.text(&b.find("figure.media .media-note").await).await;
    assert!(caption.starts_with("The original as sent") && !caption.contains("blurred"), "{caption}");
    b.screenshot("case-revealed").await;

    // d jumps to the decision form; everything else is typed and tabbed.
    b.keys("d").await;
    b.keys("Rem").await;
    b.keys(TAB).await;
    b.keys("Inc").await;
    b.keys(&format!("{TAB}{TAB}none{TAB}recruitment video with no news framing{TAB}Calls viewers to attack.")).await;
    b.keys(&format!("{TAB}{TAB}{TAB}{TAB}")).await; // three boxes, then the preview button
    b.keys(ENTER).await;
    let preview = b.find("#sor-preview").await;
    let shown = b.text(&preview).await;
    // As the uploader reads it, the Transparency Database's fields folded beneath.
    assert!(shown.contains("Incites the commission") && shown.contains("Calls viewers to attack."), "{shown}");
    let folded = b.script("return document.getElementById('sor-fields').textContent").await;
    assert!(folded.as_str().unwrap().contains("DECISION_GROUND_ILLEGAL_CONTENT"), "{folded}");
    assert!(
        t.get(&format!("/api/v1/cases/{ordered}"), &p.token).await.expect(200)["decision"].is_null(),
        "a preview decides nothing"
    );
    b.screenshot("decision-preview").await;
    // The form kept its values; Tab to the Decide button from the preview button.
    let decide = b.find("button[value=decide]").await;
    b.script("document.querySelector('button[value=preview]').focus()").await;
    b.keys(&format!("{TAB}{ENTER}")).await;
    b.wait_url("/queue").await;
    let _ = decide;
    // The queue confirms what was decided, with a link back to the case.
    let done = b.find("#decided").await;
    // The ground by its title, not its code; no undo under an order in force.
    let title = "Incites the commission of terrorist offences, advocating them directly or indirectly";
    assert!(b.text(&done).await.starts_with(&format!("You decided: Remove on {title}")), "{}", b.text(&done).await);
    assert!(b.try_find("#undo").await.is_none());
    let link = b.find("#decided a").await;
    assert_eq!(b.attribute(&link, "href").await.as_deref(), Some(format!("/cases/{ordered}").as_str()));
    let case = t.get(&format!("/api/v1/cases/{ordered}"), &p.token).await.expect(200);
    assert_eq!((case["state"].as_str(), case["decision"]["action"].as_str()), (Some("decided"), Some("remove")));
    assert_eq!(case["decision"]["legal_basis"], "eu.tco.2-7-a");
    assert_eq!(b.find_all("tr[data-row]").await.len(), 2, "the decided case left the queue");
    let held = t.app.store().read(move |r| r.claim(&vigie_model::CaseId::parse(&ordered).unwrap())).await.unwrap();
    assert!(held.is_none(), "deciding frees the claim");
}

#[tokio::test]
async fn the_public_report_form_gives_a_code_and_hostile_text_stays_text() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.two").await;
    let b = Browser::start().await;

    b.goto(&t.url("/report")).await;
    b.screenshot("report").await;
    let hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> javascript:alert(3)";
    b.type_into(&b.find("#urls").await, "https://video.example/v/hostile").await;
    b.type_into(&b.find("#explanation").await, hostile).await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    let code = b.text(&b.find("#tracking-code").await).await;
    assert!(code.len() >= 20, "a tracking code: {code}");
    b.screenshot("receipt").await;

    // The tracking page, from the receipt and by typing the code.
    b.click(&b.find("form.stack button[type=submit]").await).await;
    let state = b.text(&b.find("td.state").await).await;
    assert!(["open", "delivered"].contains(&state.as_str()), "{state}");
    b.goto(&t.url("/track")).await;
    b.type_into(&b.find("#code").await, &code).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    assert_eq!(b.text(&b.find("td.outcome").await).await, "not decided yet");
    b.screenshot("track").await;
    b.goto(&t.url("/track")).await;
    b.type_into(&b.find("#code").await, "not-a-code").await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    assert_eq!(b.text(&b.find("p.error").await).await, "No report has this tracking code.");

    // The reviewer sees the hostile text as text: nothing runs, nothing loads.
    sign_in(&t, &b, &login).await;
    b.click(&b.find("a.open").await).await;
    let quote = b.find("blockquote.claim-text").await;
    assert_eq!(b.text(&quote).await, hostile);
    assert_eq!(b.alert().await, None, "no script ran");
    assert!(b.try_find("img[src=x]").await.is_none());
    assert_eq!(b.script("return document.scripts.length").await, 1, "only the console's own script");
    assert!(b.try_find("a[href^='javascript']").await.is_none());
    b.screenshot("case-hostile-text").await;
}

/// A PNG whose header claims 50,000 × 50,000 pixels: a decompression bomb to any decoder that
/// trusts it.
fn bomb() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, 50_000, 50_000);
        enc.set_color(png::ColorType::Grayscale);
        let w = enc.write_header().unwrap();
        drop(w);
    }
    out
}

#[tokio::test]
async fn hostile_media_is_refused_and_originals_are_served_sandboxed() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.three").await;
    let case = case_of(&t, &t.notice("https://video.example/v/media").await).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#.to_vec();
    let mut polyglot = b"GIF89a".to_vec();
    polyglot.extend_from_slice(b"<html><body><script>alert(3)</script></body></html>");
    // Random bytes, as a file of any size could be: nothing Vigie cannot decode is kept.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..4 << 20)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    for (bytes, status, code) in [
        (svg, 422, "undecodable_image"),
        // Its "logical screen" is the bytes `<h` and `tm`: 26,684 × 27,956 pixels.
        (polyglot, 413, "payload_too_large"),
        (noise, 422, "undecodable_image"),
        (bomb(), 413, "payload_too_large"),
    ] {
        let res = t
            .http
            .post(t.url(&format!("/api/v1/cases/{case}/media")))
            .bearer_auth(&p.token)
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status);
        let problem: Value = res.json().await.unwrap();
        let found = problem["errors"][0]["code"].as_str().or(problem["code"].as_str()).unwrap_or_default().to_owned();
        assert_eq!(found, code, "{problem}");
    }
    let kept = t.get(&format!("/api/v1/cases/{case}/media"), &p.token).await.expect(200);
    assert!(kept["media"].as_array().unwrap().is_empty(), "nothing refused was stored: {kept}");

    // An image that decodes is kept; its original, once revealed, is served sandboxed.
    attach(&t, &p, &case, png(64, 48)).await;
    attach(&t, &p, &case, png(48, 64)).await;
    let b = Browser::start().await;
    sign_in(&t, &b, &login).await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    // Revealing needs the case in hand: claim it first.
    b.click(&b.find(".claim-box form.claim button").await).await;
    b.find(".claim-box form[action$='/release']").await;
    b.keys("r").await;
    let url = b.wait_url("reveal=").await;
    let revealed = url.split("reveal=").nth(1).unwrap().split('#').next().unwrap().to_owned();
    assert_eq!(b.alert().await, None);
    let cookie = b.cookies().await.into_iter().find(|c| c["name"] == "vigie_session").unwrap();
    let cookie = format!("vigie_session={}", cookie["value"].as_str().unwrap());
    let res = t.http.get(t.url(&format!("/media/{revealed}/original"))).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let h = res.headers();
    assert_eq!(h["content-type"], "image/png");
    assert!(h["content-security-policy"].to_str().unwrap().contains("sandbox"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h["cache-control"].to_str().unwrap().contains("no-store"));

    // A media never revealed by this reviewer is not served.
    let others: Vec<String> = t.get(&format!("/api/v1/cases/{case}/media"), &p.token).await.expect(200)["media"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .filter(|id| *id != revealed)
        .collect();
    assert_eq!(others.len(), 1);
    let res =
        t.http.get(t.url(&format!("/media/{}/original", others[0]))).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409, "reveal first");
}

/// `application/x-www-form-urlencoded`, as a browser sends a form.
fn form(req: reqwest::RequestBuilder, pairs: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect();
    req.header("content-type", "application/x-www-form-urlencoded").body(body.join("&"))
}

/// A signed-in session cookie and its page's CSRF token, through plain HTTP.
async fn http_session(t: &TestApp, login: &str) -> (String, String) {
    let page = t.http.get(t.url("/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = form(
        client.post(t.url("/login")).header("cookie", &pre),
        &[("csrf", &csrf), ("login", login), ("password", PASSWORD)],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let session = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let queue = client.get(t.url("/queue")).header("cookie", &session).send().await.unwrap().text().await.unwrap();
    let csrf = queue.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    (session, csrf)
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused_and_change_nothing() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.four").await;
    let case = case_of(&t, &t.notice("https://video.example/v/csrf").await).await;
    let (session, csrf) = http_session(&t, &login).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let post = |path: String, fields: Vec<(&'static str, String)>, cookie: Option<String>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut req = form(client.post(t.url(&path)), &pairs);
        if let Some(c) = cookie {
            req = req.header("cookie", c);
        }
        req.send()
    };

    let res = post(format!("/cases/{case}/claim"), vec![], Some(session.clone())).await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.text().await.unwrap().contains("CSRF"));
    let res =
        post(format!("/cases/{case}/claim"), vec![("csrf", "0".repeat(32))], Some(session.clone())).await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(t.events(Some("case.claimed")).await.is_empty(), "nothing changed");
    let decide = vec![("action", "no_action".to_owned())];
    assert_eq!(
        post(format!("/cases/{case}/decide"), decide, Some(session.clone())).await.unwrap().status().as_u16(),
        403
    );
    assert_eq!(post("/logout".into(), vec![], Some(session.clone())).await.unwrap().status().as_u16(), 403);
    let report = vec![
        ("urls", "https://video.example/v/x".to_owned()),
        ("explanation", "x".to_owned()),
        ("good_faith", "yes".to_owned()),
    ];
    assert_eq!(post("/report".into(), report, None).await.unwrap().status().as_u16(), 403);
    assert_eq!(t.events(Some("signal.received")).await.len(), 1, "no second notice");

    // With the token, the same post works; the session's token does not work for another session.
    let res = post(
        format!("/cases/{case}/claim"),
        vec![("csrf", csrf.clone()), ("return", "/queue".into())],
        Some(session.clone()),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(t.events(Some("case.claimed")).await.len(), 1);
    let (other, _) = http_session(&t, &login).await;
    let res = post(format!("/cases/{case}/release"), vec![("csrf", csrf)], Some(other)).await.unwrap();
    assert_eq!(res.status().as_u16(), 403, "a token belongs to its session");

    // Sessions are not API tokens, and API tokens do not open the console.
    let value = session.split_once('=').unwrap().1.to_owned();
    assert_eq!(t.get("/api/v1/inbox", &value).await.status.as_u16(), 401);
    let res = client.get(t.url("/queue")).header("cookie", format!("vigie_session={}", p.token)).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/login"));
}

/// Every state-changing console form, as `src/console/mod.rs` routes them: its path, and whether
/// it is a signed-in form (the session's token) or one before sign-in (the double-submit cookie).
const FORMS: &[(&str, bool)] = &[
    ("/login", false),
    ("/logout", true),
    ("/report", false),
    ("/track", false),
    ("/track/complaint", false),
    ("/notice/{token}/{what}", false),
    ("/settings", true),
    ("/settings/viewer", true),
    ("/settings/organisation", true),
    ("/password", true),
    ("/admin/orgs", true),
    ("/admin/orgs/{id}/users", true),
    ("/admin/orgs/{id}/profile", true),
    ("/admin/orgs/{id}/users/{user}/tokens", true),
    ("/admin/orgs/{id}/users/{user}/remove", true),
    ("/admin/orgs/{id}/users/{user}/roles", true),
    ("/admin/orgs/{id}/users/{user}/password", true),
    ("/admin/orgs/{id}/tokens/{token}/revoke", true),
    ("/admin/webhooks/{id}/delete", true),
    ("/admin/hosts/{host}/approve", true),
    ("/complaints/{id}/review", true),
    ("/orders", true),
    ("/orders/{id}/clarify", true),
    ("/terms", true),
    ("/banks", true),
    ("/banks/{id}", true),
    ("/holds/{id}/release", true),
    ("/terms/{id}/retire", true),
    ("/dead-letters/{id}/retry", true),
    ("/referrals", true),
    ("/scrutiny/{id}/decide", true),
    ("/scrutiny/{id}/intention", true),
    ("/cases/{id}/claim", true),
    ("/cases/{id}/release", true),
    ("/cases/{id}/takeover", true),
    ("/cases/{id}/decide", true),
    ("/cases/{id}/orders/{order}/cannot-comply", true),
    ("/cases/{id}/orders/{order}/resume", true),
    ("/cases/{id}/threat", true),
    ("/cases/{id}/threat/refer", true),
    ("/cases/{id}/threat/ack", true),
    ("/media/{id}/reveal", true),
    ("/media/{id}/viewed", true),
    ("/review/next", true),
    ("/cases/{id}/undo", true),
    ("/cases/{id}/leave", true),
    ("/cases/{id}/notes", true),
    ("/queue/views", true),
    ("/queue/views/{id}/delete", true),
    ("/admin/orgs/{id}/teams", true),
    ("/admin/orgs/{id}/teams/{team}/members", true),
    ("/admin/orgs/{id}/rules", true),
    ("/admin/orgs/{id}/rules/{rule}/delete", true),
    ("/graph", true),
    ("/evidence", true),
    ("/evidence/exports", true),
    ("/evidence/exports/{id}/approve", true),
    ("/evidence/{id}/open", true),
];

#[test]
fn the_list_of_forms_is_every_post_route_of_the_console() {
    let routes = include_str!("../../src/console/mod.rs");
    let mut posted: Vec<&str> = routes
        .lines()
        .filter(|l| l.trim_start().starts_with(".route(\"") && l.contains("post("))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    let mut listed: Vec<&str> = FORMS.iter().map(|(p, _)| *p).collect();
    posted.sort_unstable();
    listed.sort_unstable();
    assert_eq!(
        posted, listed,
        "a console route that takes a POST is missing from FORMS, or FORMS names one that is gone"
    );
}

#[tokio::test]
async fn every_state_changing_form_refuses_a_missing_or_wrong_csrf_token() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.six").await;
    let (session, _) = http_session(&t, &login).await;
    // A real token, but another session's.
    let (_, other_csrf) = http_session(&t, &login).await;
    let page = t.http.get(t.url("/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let n_events = t.events(None).await.len();
    for (path, signed_in) in FORMS {
        let mut url = String::new();
        for (i, part) in path.split(['{', '}']).enumerate() {
            // Odd parts are parameter names: any value will do, the token is checked first.
            url.push_str(if i % 2 == 1 { "x" } else { part });
        }
        let (cookie, wrong) = if *signed_in { (&session, other_csrf.clone()) } else { (&pre, "0".repeat(32)) };
        for fields in [vec![("good_faith", "yes")], vec![("csrf", wrong.as_str()), ("good_faith", "yes")]] {
            let res = form(client.post(t.url(&url)).header("cookie", cookie), &fields).send().await.unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            assert_eq!(status, 403, "{path} with {fields:?}: {body}");
            assert!(body.contains("CSRF"), "{path}: {body}");
        }
    }
    assert_eq!(t.events(None).await.len(), n_events, "no form changed anything");
}

#[tokio::test]
async fn over_tls_the_session_cookie_is_secure_and_host_prefixed() {
    let t = TestApp::start_with(|c| c.console.secure_cookies = true).await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.five").await;
    let page = t.http.get(t.url("/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(pre.starts_with("__Host-vigie_csrf=") && pre.contains("; Secure") && pre.contains("HttpOnly"), "{pre}");
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let req = client.post(t.url("/login")).header("cookie", pre.split(';').next().unwrap());
    let res = form(req, &[("csrf", &csrf), ("login", &login), ("password", PASSWORD)]).send().await.unwrap();
    let set: Vec<String> = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let session = set.iter().find(|c| c.starts_with("__Host-vigie_session=")).expect("the prefixed session cookie");
    assert!(session.contains("; Secure") && session.contains("SameSite=Strict") && session.contains("Path=/"));
}

#[tokio::test]
async fn a_wrong_password_is_refused_like_an_unknown_login() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.six").await;
    let b = Browser::start().await;
    for (who, pw) in [(login.as_str(), "the wrong password!"), ("nobody.here", PASSWORD)] {
        b.goto(&t.url("/login")).await;
        b.type_into(&b.find("#login").await, who).await;
        b.type_into(&b.find("#password").await, pw).await;
        b.click(&b.find("form.stack button[type=submit]").await).await;
        let error = b.find("p.error").await;
        assert_eq!(b.text(&error).await, "The login or the password is wrong.");
    }
    assert!(t.events(Some("user.signed_in")).await.is_empty());
    let weak = json!({ "login": "x", "password": "short" });
    let res =
        t.send(reqwest::Method::PUT, &format!("/api/v1/users/{}/password", p.user), Some(ADMIN), Some(weak)).await;
    assert_eq!(res.field_codes(), ["invalid_login", "weak_password"]);
}

/// axe-core's script: `VIGIE_AXE_JS` (set by `cargo xtask test`) or the copy xtask installs.
pub(crate) fn axe_script() -> String {
    let path = std::env::var("VIGIE_AXE_JS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/axe/node_modules/axe-core/axe.min.js").to_owned()
    });
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("axe-core is missing at {path} ({e}): run `cargo xtask test`, which installs it"))
}

/// Runs axe-core on the current page; returns its serious and critical findings.
pub(crate) async fn axe(b: &Browser, script: &str, page: &str, report: &mut Vec<Value>) -> Vec<Value> {
    b.script(script).await;
    let found = b
        .script_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(function (r) { done(r.violations.map(function (v) {
                 return { id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.map(function (n) { return n.target.join(' '); }) }; })); })
               .catch(function (e) { done({ error: String(e) }); });",
        )
        .await;
    assert!(found.get("error").is_none(), "axe failed on {page}: {found}");
    let all = found.as_array().cloned().unwrap_or_default();
    report.push(json!({ "page": page, "violations": all }));
    all.into_iter().filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical"))).collect()
}

#[tokio::test]
async fn axe_finds_nothing_serious_or_critical_on_the_main_pages() {
    let script = axe_script();
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.axe").await;
    let case = case_of(&t, &t.notice("https://video.example/v/axe").await).await;
    attach(&t, &p, &case, png(200, 160)).await;
    let b = Browser::start().await;
    let mut report = Vec::new();
    let mut serious = Vec::new();
    for (page, path) in [("login", "/login"), ("report", "/report"), ("track", "/track")] {
        b.goto(&t.url(path)).await;
        serious.extend(axe(&b, &script, page, &mut report).await);
    }
    b.goto(&t.url("/report")).await;
    b.type_into(&b.find("#urls").await, "https://video.example/v/axe-2").await;
    b.type_into(&b.find("#explanation").await, "A recruitment video.").await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("#tracking-code").await;
    serious.extend(axe(&b, &script, "receipt", &mut report).await);
    sign_in(&t, &b, &login).await;
    serious.extend(axe(&b, &script, "queue", &mut report).await);
    b.goto(&t.url("/settings")).await;
    serious.extend(axe(&b, &script, "settings", &mut report).await);
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    serious.extend(axe(&b, &script, "case", &mut report).await);
    let removal = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    b.goto(&t.url(&format!("/notice/{token}"))).await;
    serious.extend(axe(&b, &script, "uploader notice", &mut report).await);
    let complaint = json!({ "text": "My documentary." });
    let path = format!("/api/v1/uploader-notices/{token}/complaint");
    t.send(reqwest::Method::POST, &path, None, Some(complaint)).await.expect(201);
    b.goto(&t.url("/complaints")).await;
    serious.extend(axe(&b, &script, "complaints", &mut report).await);
    b.click(&b.find("a.open").await).await;
    b.find("#first-decision").await;
    serious.extend(axe(&b, &script, "complaint", &mut report).await);
    b.goto(&t.url("/decided")).await;
    b.find("table.decided").await;
    serious.extend(axe(&b, &script, "decided", &mut report).await);
    b.goto(&t.url("/password")).await;
    serious.extend(axe(&b, &script, "password", &mut report).await);
    let a = t.authority().await;
    let analyst = with_password(&t, &a, "analyst.axe").await;
    b.click(&b.find("header form.who button").await).await;
    b.wait_url("/login").await;
    sign_in_to(&t, &b, &analyst, "/orders").await;
    serious.extend(axe(&b, &script, "orders", &mut report).await);
    b.goto(&t.url("/referrals")).await;
    serious.extend(axe(&b, &script, "referrals", &mut report).await);
    b.goto(&t.url("/dashboard")).await;
    serious.extend(axe(&b, &script, "dashboard", &mut report).await);
    b.goto(&t.url("/orders")).await;
    // The checker itself can fail: an image without a text alternative is a critical finding.
    b.script("var i = document.createElement('img'); i.src = '/assets/none.png'; document.querySelector('main').appendChild(i);")
        .await;
    let planted = axe(&b, &script, "case with a planted fault", &mut Vec::new()).await;
    assert!(planted.iter().any(|v| v["id"] == "image-alt"), "axe did not see the planted fault: {planted:?}");
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/artefacts/console");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/axe.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();
    assert!(serious.is_empty(), "serious or critical accessibility problems: {}", Value::Array(serious));
}

#[tokio::test]
async fn an_authority_issues_an_order_and_sees_it_overdue_after_the_hour() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let a = t.authority().await;
    let login = with_password(&t, &a, "iru.analyst").await;
    let b = Browser::start().await;
    sign_in_to(&t, &b, &login, "/orders").await;
    let menu: Vec<String> = {
        let mut out = Vec::new();
        for e in b.find_all("header nav a").await {
            out.push(b.text(&e).await);
        }
        out
    };
    assert_eq!(
        menu,
        ["Removal orders", "Referrals", "Holds", "Account network", "Dashboard", "Report content", "Settings"],
        "the menu shows what the role may do: no scrutiny for an authority not designated for it"
    );

    // Annex I, through the form; a missing field is named and the form keeps what was typed.
    b.script(&format!("document.getElementById('addressee').value = '{}'", p.org)).await;
    b.type_into(&b.find("#reference").await, "FR-IRU-2026-0100").await;
    b.type_into(&b.find("#urls").await, "https://video.example/v/attack").await;
    b.click(&b.find("#reason-a").await).await;
    b.type_into(&b.find("#statement_of_reasons").await, "The video glorifies the attack and calls for more.").await;
    b.type_into(&b.find("#representative_name").await, "Jeanne Martin").await;
    b.type_into(&b.find("#representative_post").await, "Commissaire").await;
    b.type_into(&b.find("#contact_email").await, "iru@police.example").await;
    b.type_into(&b.find("#redress_body").await, "Tribunal administratif de Paris").await;
    // 48 hours, not days (LCEN art. 6-1-5): the form counts in either.
    b.type_into(&b.find("#redress_deadline").await, "48").await;
    b.click(&b.find("#redress-hours").await).await;
    b.type_into(&b.find("#redress_from").await, "receipt of the order").await;
    b.click(&b.find("section form.stack > button[type=submit]").await).await;
    let error = b.text(&b.find("div.error").await).await;
    assert!(
        error.contains("emergency_justification"),
        "a first order needs an advance notice or an emergency: {error}"
    );
    assert_eq!(b.attribute(&b.find("#reference").await, "value").await.as_deref(), Some("FR-IRU-2026-0100"));
    b.script(&format!("document.getElementById('addressee').value = '{}'", p.org)).await;
    b.type_into(&b.find("#emergency_justification").await, "A live attack; the video is spreading.").await;
    b.click(&b.find("section form.stack > button[type=submit]").await).await;
    b.wait_url("/orders").await;
    let row = b.find("table.orders tbody tr").await;
    assert!(b.text(&row).await.contains("pending receipt"), "{}", b.text(&row).await);

    // The platform receives it: the hour starts, and the page counts down on the server's clock.
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    b.goto(&t.url("/orders")).await;
    let countdown = b.find("table.orders time.countdown").await;
    assert!(b.text(&countdown).await.starts_with("in "));

    // An hour and a minute later, on the server's (moved) clock: overdue, in red, said in words.
    t.advance(vigie_model::Duration::from_mins(61));
    t.tick().await;
    b.goto(&t.url("/orders")).await;
    b.find("table.orders .overdue-flag").await;
    let countdown = b.find("table.orders time.countdown").await;
    let class = b.attribute(&countdown, "class").await.unwrap();
    assert!(class.contains("overdue") && class.contains("late"), "{class}");
    // The live countdown's next tick (every second) words it as late.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let shown = loop {
        let shown = b.text(&countdown).await;
        if shown.starts_with("late, due ") || std::time::Instant::now() > deadline {
            break shown;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(shown.starts_with("late, due ") && shown.ends_with("ago"), "{shown}");
    b.screenshot("orders-overdue").await;

    // The platform removes the content late: Annex II feedback appears.
    let case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    b.goto(&t.url("/orders")).await;
    let feedback = b.text(&b.find("td.feedback").await).await;
    assert!(feedback.starts_with("removed in 61 min, late: after the hour"), "{feedback}");

    // Referrals: sent from their page, listed with where they stand.
    b.click(&b.find("header nav a[href='/referrals']").await).await;
    b.type_into(&b.find("#urls").await, "https://video.example/v/channel").await;
    b.type_into(&b.find("#explanation").await, "A propaganda channel of a listed group.").await;
    b.type_into(&b.find("#reference").await, "REF-7").await;
    b.click(&b.find("section form.stack > button[type=submit]").await).await;
    b.wait_url("/referrals").await;
    let listed = b.text(&b.find("table tbody tr").await).await;
    assert!(listed.contains("REF-7") && listed.contains("https://video.example/v/channel"), "{listed}");
    b.screenshot("referrals").await;
}

#[tokio::test]
async fn an_uploader_complains_from_the_notice_and_another_reviewer_reverses_beside_the_first_decision() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let first = with_password(&t, &p, "moderator.first").await;
    let second = t.person(&p.org, &["moderator"]).await;
    let reviewer = with_password(&t, &second, "moderator.second").await;
    let case = case_of(&t, &t.notice("https://video.example/v/documentary").await).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let removal = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "purpose": "none",
                          "purpose_rationale": "no news framing", "explanation": "Glorifies the attack." });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // The uploader's page: what, why, how found, and the complaint form.
    let b = Browser::start().await;
    b.goto(&t.url(&format!("/notice/{token}"))).await;
    assert_eq!(b.text(&b.find("#notice-status").await).await, "in force");
    let page = b.text(&b.find("main").await).await;
    for part in [
        "Incites the commission of terrorist offences",
        "Glorifies the attack.",
        "a notice from a member of the public",
    ] {
        assert!(page.contains(part), "{part} missing from: {page}");
    }
    b.screenshot("uploader-notice").await;
    b.type_into(&b.find("#complaint-text").await, "This is my documentary; the attack is shown to condemn it.").await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.wait_url(&format!("/notice/{token}")).await;
    assert!(b.text(&b.find("li.complaint").await).await.starts_with("open"));
    assert!(b.try_find("#complaint-text").await.is_none(), "one open complaint at a time");

    // The first decider sees the complaint but may not review it.
    sign_in(&t, &b, &first).await;
    b.goto(&t.url("/complaints")).await;
    b.click(&b.find("a.open").await).await;
    assert!(b.source().await.contains("You took the first decision"));
    assert!(b.try_find("#reversed").await.is_none());
    b.click(&b.find("header form.who button").await).await;
    b.wait_url("/login").await;

    // Another reviewer reverses, with the first decision beside the complaint.
    sign_in(&t, &b, &reviewer).await;
    b.click(&b.find("header nav a[href='/complaints']").await).await;
    b.click(&b.find("a.open").await).await;
    let first_decision = b.text(&b.find("#first-decision").await).await;
    assert!(first_decision.contains("remove") && first_decision.contains("Glorifies the attack."), "{first_decision}");
    assert!(b.text(&b.find("#complaint-text").await).await.contains("my documentary"));
    b.screenshot("complaint-review").await;
    b.click(&b.find("#reversed").await).await;
    b.type_into(&b.find("#reasons").await, "A documentary that condemns the attack.").await;
    b.click(&b.find("form.stack > button[type=submit]").await).await;
    b.wait_gone("#reasons").await;
    assert_eq!(b.text(&b.find("p.empty").await).await, "No complaint waits for review.");

    b.goto(&t.url(&format!("/notice/{token}"))).await;
    assert!(b.text(&b.find("#notice-status").await).await.starts_with("reversed"));
    assert_eq!(t.events(Some("content.reinstated")).await.len(), 1);
}

#[tokio::test]
async fn a_notifier_contests_no_action_from_the_tracking_page() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let receipt = t.notice("https://video.example/v/left-up").await;
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    let case = case_of(&t, &receipt).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(
        &format!("/api/v1/cases/{case}/decision"),
        &p.token,
        json!({ "action": "no_action", "explanation": "satire" }),
    )
    .await
    .expect(201);
    let b = Browser::start().await;
    b.goto(&t.url("/track")).await;
    b.type_into(&b.find("#code").await, &code).await;
    b.click(&b.find("form.stack.narrow button[type=submit]").await).await;
    assert_eq!(b.text(&b.find("td.outcome").await).await, "no action");
    b.type_into(&b.find("#complaint-0").await, "It is not satire: it names a target.").await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    assert!(b.text(&b.find("p.notice").await).await.starts_with("Your complaint was sent"));
    assert!(b.try_find("#complaint-0").await.is_none(), "one open complaint at a time");
    let complaints = t.get("/api/v1/complaints", &p.token).await.expect(200);
    assert_eq!(complaints["complaints"][0]["complainant"], "notifier");
    b.screenshot("track-complaint").await;
}

#[tokio::test]
async fn the_dashboard_draws_the_last_thirty_days_from_the_log() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.dash").await;
    let a = t.authority().await;
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/o"])).await.expect(201);
    let case = t.get(&format!("/api/v1/orders/{}", order["id"].as_str().unwrap()), &a.token).await.expect(200)["cases"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    for i in 0..3 {
        t.notice(&format!("https://video.example/v/{i}")).await;
    }
    // The day the reports came in (twenty minutes later may be the next day, near midnight).
    let received_on = t.now().to_rfc3339()[..10].to_owned();
    t.advance(vigie_model::Duration::from_mins(20));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    // Another platform's notice is not this platform's figure.
    t.platform("other.example").await;
    t.notice("https://other.example/x").await;

    let b = Browser::start().await;
    sign_in(&t, &b, &login).await;
    b.click(&b.find("header nav a[href='/dashboard']").await).await;
    let cards = b.text(&b.find("#period-cards").await).await;
    assert!(
        cards.contains("Signals received\n4") && cards.contains("Orders complied with within the hour\n1 of 1"),
        "{cards}"
    );
    assert!(cards.contains("Median time to action\n20.0 min"), "{cards}");
    // The chart's description, which screen readers read (not drawn, so read as text content).
    let days = b.script("return document.getElementById('days-d').textContent").await;
    let days = days.as_str().unwrap_or_default();
    assert!(days.contains(&format!("{received_on}: removal orders 1, public notices 3")), "{days}");
    assert_eq!(b.find_all("figure.chart-box svg").await.len(), 4);
    b.screenshot("dashboard").await;
}

#[tokio::test]
async fn an_administrator_sets_up_a_platform_from_the_console() {
    let script = axe_script();
    let t = TestApp::start().await;
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    let hub = orgs["orgs"].as_array().unwrap().iter().find(|o| o["kind"] == "hub").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = t.person(&hub, &["admin"]).await;
    let login = with_password(&t, &admin, "operator").await;
    let b = Browser::start().await;
    sign_in_to(&t, &b, &login, "/admin").await;
    let mut report = Vec::new();
    let mut serious = axe(&b, &script, "admin", &mut report).await;

    // A platform, with a person who can sign in.
    b.type_into(&b.find("#org-name").await, "Tube Ltd").await;
    b.script("document.getElementById('org-kind').value = 'platform'").await;
    b.type_into(&b.find("#org-est").await, "IE").await;
    b.type_into(&b.find("#org-contact").await, "tco@tube.example").await;
    b.click(&b.find("form[action='/admin/orgs'] button").await).await;
    let url = b.wait_url("/admin/orgs/org_").await;
    let org = url.rsplit('/').next().unwrap().to_owned();
    b.type_into(&b.find("#p-name").await, "Ana Reviewer").await;
    b.click(&b.find("#role-moderator").await).await;
    b.click(&b.find("#role-integrator").await).await;
    b.type_into(&b.find("#p-login").await, "ana.tube").await;
    b.type_into(&b.find("#p-password").await, PASSWORD).await;
    b.click(&b.find("form[action$='/users'] button").await).await;
    b.wait_url(&format!("/admin/orgs/{org}")).await;
    let row = b.text(&b.find("tbody tr").await).await;
    assert!(row.contains("ana.tube") && row.contains("integrator, moderator"), "{row}");

    // A token, shown once, that works on the API.
    b.click(&b.find("form.inline-form button").await).await;
    let token = b.text(&b.find("#new-token").await).await;
    assert!(token.starts_with("vgt_"));
    serious.extend(axe(&b, &script, "admin organisation", &mut report).await);
    b.screenshot("admin-org").await;
    b.goto(&t.url(&format!("/admin/orgs/{org}"))).await;
    assert!(b.try_find("#new-token").await.is_none(), "shown once");
    t.post("/api/v1/hosts", &token, json!({ "host": "tube.example" })).await.expect(201);
    let rx = Receiver::start().await;
    let hook = t.post("/api/v1/webhooks", &token, json!({ "url": rx.url })).await.expect(201);

    // The token is listed (never its secret), and revoked from the page: it fails at once.
    let listed = b.text(&b.find("ul.tokens").await).await;
    assert!(listed.contains("active") && listed.contains("expires never") && !listed.contains(&token), "{listed}");
    b.click(&b.find("form.revoke button").await).await;
    assert!(b.text(&b.find("#admin-status").await).await.contains("revoked"));
    assert!(b.text(&b.find("ul.tokens").await).await.contains("revoked"));
    assert_eq!(t.get("/api/v1/hosts", &token).await.status, 401);
    // A token with an expiry shows it.
    b.script("document.querySelector('form.issue input[type=date]').value = '2999-01-01'").await;
    b.click(&b.find("form.issue button").await).await;
    b.find("#new-token").await;
    assert!(b.text(&b.find("ul.tokens").await).await.contains("expires 2999-01-01T00:00:00.000000Z"));

    // The webhook is listed on the overview and deleted there.
    b.goto(&t.url("/admin")).await;
    let row = format!("#webhook-{}", hook["id"].as_str().unwrap());
    b.click(&b.find(&format!("{row} button")).await).await;
    b.wait_gone(&row).await;
    assert_eq!(t.events(Some("webhook.deleted")).await.len(), 1);

    // The host claim waits for approval on the overview.
    b.goto(&t.url("/admin")).await;
    b.click(&b.find("form[action='/admin/hosts/tube.example/approve'] button").await).await;
    b.wait_gone("form[action='/admin/hosts/tube.example/approve']").await;
    assert!(b.source().await.contains("approved"));
    b.screenshot("admin").await;
    let hosts = t.get("/api/v1/hosts", ADMIN).await.expect(200);
    assert_eq!(hosts["hosts"][0]["status"], "approved");

    // Only administrators see these pages.
    b.click(&b.find("header form.who button").await).await;
    b.wait_url("/login").await;
    sign_in(&t, &b, "ana.tube").await;
    assert!(b.try_find("header nav a[href='/admin']").await.is_none());
    b.goto(&t.url("/admin")).await;
    assert!(b.source().await.contains("these pages are for administrators"));

    // The administrator removes her: her session ends at once, and she cannot sign in again.
    let (_, ana_cookie) = t.console_login("ana.tube", PASSWORD).await;
    let ana_cookie = ana_cookie.unwrap();
    b.goto(&t.url("/settings")).await;
    b.click(&b.find("header form.who button").await).await;
    b.wait_url("/login").await;
    sign_in_to(&t, &b, &login, "/admin").await;
    b.goto(&t.url(&format!("/admin/orgs/{org}"))).await;
    assert!(b.try_find(&format!("#person-{} form.remove", admin.user)).await.is_none(), "not oneself");
    b.click(&b.find("form.remove button").await).await;
    assert!(b.text(&b.find("#admin-status").await).await.starts_with("Removed"));
    assert!(b.text(&b.find("tr.removed").await).await.contains("removed now"));
    assert_eq!(t.console_get("/queue", &ana_cookie).await.location.as_deref(), Some("/login"));
    assert_eq!(t.console_login("ana.tube", PASSWORD).await.0.status, 401);
    assert!(serious.is_empty(), "{}", Value::Array(serious));
}

#[tokio::test]
async fn bank_matches_show_their_distance_and_labels_and_filter_the_queue() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.banks").await;
    let bank =
        json!({ "name": "crisis-bank", "stay_down": true, "labels": { "group": "Demo Group", "crisis": "CIP-1" } });
    let bank = t.post("/api/v1/banks", &p.token, bank).await.expect(201)["id"].as_str().unwrap().to_owned();
    let image = png(320, 240);
    let res = t.http.post(t.url("/api/v1/hash")).bearer_auth(&p.token).body(image.clone()).send().await.unwrap();
    let pdq = res.json::<Value>().await.unwrap()["pdq"].as_str().unwrap().to_owned();
    t.post(&format!("/api/v1/banks/{bank}/entries"), &p.token, json!({ "signal_type": "pdq", "value": pdq }))
        .await
        .expect(201);
    let upload = json!({ "pdq": pdq, "url": "https://video.example/v/again", "uploader": "acct-4242" });
    t.post("/api/v1/uploads/check", &p.token, upload).await.expect(200);
    t.notice("https://video.example/v/other").await;

    let b = Browser::start().await;
    sign_in(&t, &b, &login).await;
    assert_eq!(b.find_all("tr[data-row]").await.len(), 2);
    b.script("document.getElementById('label').value = 'crisis: CIP-1'").await;
    b.click(&b.find("form.filters button").await).await;
    b.wait_url("label=crisis").await;
    let rows = b.find_all("tr[data-row]").await;
    assert_eq!(rows.len(), 1, "only the matched case carries the label");
    assert!(b.text(&rows[0]).await.contains("group: Demo Group"));
    b.click(&b.find("a.open").await).await;
    let matches = b.text(&b.find("section[aria-labelledby=matches-h] tbody").await).await;
    assert!(matches.contains("crisis-bank") && matches.contains("crisis: CIP-1"), "{matches}");
    let distance = b.text(&b.find("section[aria-labelledby=matches-h] tbody td:nth-child(3)").await).await;
    assert_eq!(distance, "0");
    let accounts = b.text(&b.find("section[aria-labelledby=accounts-h]").await).await;
    assert!(accounts.contains("acct-4242"), "{accounts}");
    b.screenshot("case-bank-match").await;
}

#[tokio::test]
async fn a_reviewer_may_choose_to_reveal_only_by_a_click() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.careful").await;
    let case = case_of(&t, &t.notice("https://video.example/v/careful").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    let b = Browser::start().await;
    sign_in(&t, &b, &login).await;
    b.click(&b.find("header nav a[href='/settings']").await).await;
    b.click(&b.find("#reveal-click").await).await;
    b.click(&b.find("form.stack > button[type=submit]").await).await;
    b.find("p.notice").await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    b.click(&b.find(".claim-box form.claim button").await).await;
    b.find(".claim-box form[action$='/release']").await;
    // A submission of the reveal form is recorded and stopped, so that the page stays to tell.
    b.script(
        "window.revealSubmitted = false; document.querySelector('form.reveal').addEventListener('submit', \
         function (e) { e.preventDefault(); window.revealSubmitted = true; });",
    )
    .await;
    // Keys are handled in order and at once: once "?" opened the shortcuts, "r" was handled.
    b.keys("r?").await;
    assert_eq!(b.script("return document.getElementById('shortcuts').open").await, true);
    assert_eq!(b.script("return window.revealSubmitted").await, false, "the key does nothing now");
    assert!(!b.url().await.contains("reveal="));
    assert!(t.events(Some("media.revealed")).await.is_empty());
    // Loaded again (without the recorder), the button reveals.
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    b.click(&b.find("form.reveal button").await).await;
    b.wait_url("reveal=").await;
    b.find("img.original").await;
    assert_eq!(t.events(Some("media.revealed")).await.len(), 1);
}

#[tokio::test]
async fn the_core_flows_work_without_javascript() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.nojs").await;
    let case = case_of(&t, &t.notice("https://video.example/v/nojs").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    let b = Browser::without_javascript().await;

    // A public report and its tracking page.
    b.goto(&t.url("/report")).await;
    b.type_into(&b.find("#urls").await, "https://video.example/v/nojs-2").await;
    b.type_into(&b.find("#explanation").await, "A recruitment video.").await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    let code = b.text(&b.find("#tracking-code").await).await;
    b.goto(&t.url("/track")).await;
    b.type_into(&b.find("#code").await, &code).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("td.outcome").await;

    // Sign in, claim, reveal and decide with buttons and forms alone.
    sign_in(&t, &b, &login).await;
    b.keys("j").await;
    assert!(b.try_find("tr.selected").await.is_none(), "no script runs in this browser");
    b.click(&b.find(&format!("#row-{case} form.claim button")).await).await;
    b.wait_gone(&format!("#row-{case} form.claim")).await;
    b.click(&b.find(&format!("#row-{case} a.open")).await).await;
    b.find("img.preview").await;
    b.click(&b.find("form.reveal button").await).await;
    b.wait_url("reveal=").await;
    b.find("img.original").await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    let action = b.find("#action").await;
    b.click(&action).await;
    b.type_into(&action, "No").await;
    b.type_into(&b.find("#explanation").await, "Nothing unlawful here.").await;
    b.click(&b.find("button[value=decide]").await).await;
    b.wait_url("/queue").await;
    let decided = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    assert_eq!(decided["decision"]["action"], "no_action");
    assert_eq!(t.events(Some("media.revealed")).await.len(), 1);
}

/// The part of a page from `start` up to the next `</tr>`, `</li>` or `</dd>`.
fn fragment<'a>(html: &'a str, start: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} not in the page"));
    let rest = &html[from..];
    let end = ["</tr>", "</li>", "</dd>"].iter().filter_map(|e| rest.find(e)).min().unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test]
async fn an_order_clock_shows_its_true_state_paused_complied_and_late_on_every_page() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let moderator = with_password(&t, &p, "moderator.clock").await;
    let a = t.authority().await;
    let analyst = with_password(&t, &a, "analyst.clock").await;
    let (_, m) = t.console_login(&moderator, PASSWORD).await;
    let (_, an) = t.console_login(&analyst, PASSWORD).await;
    let (m, an) = (m.unwrap(), an.unwrap());
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/o1"])).await.expect(201);
    let order_id = order["id"].as_str().unwrap().to_owned();
    let case = order["cases"][0]["case"].as_str().unwrap().to_owned();
    let queue = t.console_get("/queue", &m).await.body;
    let row = fragment(&queue, &format!("id=\"row-{case}\""));
    assert!(row.contains("data-clock=\"running\"") && row.contains(">in 60 min<"), "{row}");

    // Annex III: the clock stops, and every page says so instead of counting.
    t.advance(vigie_model::Duration::from_mins(1));
    let annex = json!({ "reasons": ["manifest_errors"], "explanation": "Which video?" });
    t.post(&format!("/api/v1/orders/{order_id}/cannot-comply"), &p.token, annex).await.expect(200);
    let paused = "paused (Annex III): awaiting the authority&#39;s clarification";
    let queue = t.console_get("/queue", &m).await.body;
    let row = fragment(&queue, &format!("id=\"row-{case}\""));
    assert!(row.contains("data-clock=\"paused\"") && row.contains(paused), "{row}");
    assert!(!row.contains("data-deadline"), "a paused clock does not count down: {row}");
    let page = t.console_get(&format!("/cases/{case}"), &m).await.body;
    let header = fragment(&page, "id=\"case-clock\"");
    assert!(header.contains(paused) && !header.contains("data-deadline"), "{header}");
    assert!(fragment(&page, "<code>FR-IRU-2026-0042</code>").contains(paused));
    let orders = t.console_get("/orders", &an).await.body;
    let row = fragment(&orders, &format!("id=\"order-{order_id}\""));
    assert!(row.contains("awaiting clarification") && row.contains(paused), "the analyst sees it too: {row}");

    // Clarified: a fresh hour; then complied within it.
    t.post(&format!("/api/v1/orders/{order_id}/clarification"), &a.token, json!({ "clarification": "The first one." }))
        .await
        .expect(200);
    let queue = t.console_get("/queue", &m).await.body;
    assert!(fragment(&queue, &format!("id=\"row-{case}\"")).contains(">in 60 min<"));
    t.advance(vigie_model::Duration::from_mins(4));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    t.advance(vigie_model::Duration::from_mins(3));
    let page = t.console_get(&format!("/cases/{case}"), &m).await.body;
    let header = fragment(&page, "id=\"case-clock\"");
    assert!(header.contains("data-clock=\"complied\"") && header.contains("complied 3 min ago, on time"), "{header}");
    assert!(!page.contains("data-deadline"), "nothing counts down on a complied case");
    let orders = t.console_get("/orders", &an).await.body;
    let row = fragment(&orders, &format!("id=\"order-{order_id}\""));
    assert!(row.contains("complied 3 min ago, on time") && !row.contains("data-deadline"), "{row}");

    // A clock past its hour says late, in words, in the queue; the script keeps saying it.
    let late =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/o2"])).await.expect(201);
    let late_case = late["cases"][0]["case"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(vigie_model::Duration::from_mins(62));
    let queue = t.console_get("/queue", &m).await.body;
    let row = fragment(&queue, &format!("id=\"row-{late_case}\""));
    assert!(row.contains("data-clock=\"late\"") && row.contains("late, due 2 min ago"), "{row}");
    let b = Browser::start().await;
    sign_in(&t, &b, &moderator).await;
    let shown = b.text(&b.find(&format!("#row-{late_case} time.countdown")).await).await;
    assert!(shown.starts_with("late, due 2 min"), "{shown}");
    assert_eq!(
        b.attribute(&b.find(&format!("#row-{late_case} time")).await, "data-clock").await.as_deref(),
        Some("late")
    );
}

/// A person with a name and a console login in an organisation; returns them and their session.
async fn colleague(t: &TestApp, org: &str, name: &str, login: &str) -> (String, String) {
    let body = json!({ "name": name, "roles": ["moderator"], "login": login, "password": PASSWORD });
    let user =
        t.post(&format!("/api/v1/orgs/{org}/users"), ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let (_, cookie) = t.console_login(login, PASSWORD).await;
    (user, cookie.unwrap())
}

#[tokio::test]
async fn a_held_case_names_its_holder_offers_no_decision_form_and_the_history_names_people() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, ana) = colleague(&t, &p.org, "Ana Holder", "ana.holder").await;
    let (_, ben) = colleague(&t, &p.org, "Ben Second", "ben.second").await;
    let case = case_of(&t, &t.notice("https://video.example/v/held").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    let ngo = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    let fiona = json!({ "name": "Fiona Flagger", "roles": ["reporter"] });
    let fiona = t.post(&format!("/api/v1/orgs/{}/users", ngo.org), ADMIN, fiona).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fiona = t.post(&format!("/api/v1/users/{fiona}/tokens"), ADMIN, json!({})).await.expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    t.post("/api/v1/notices", &fiona, notice_body("https://video.example/v/held")).await.expect(201);
    let page = t.console_get(&format!("/cases/{case}"), &ana).await;
    t.console_post(&format!("/cases/{case}/claim"), &ana, &[("csrf", &page.csrf())]).await;

    // Ben sees who holds it, since when, and no decision form: a take-over button instead.
    let queue = t.console_get("/queue", &ben).await.body;
    assert!(fragment(&queue, &format!("id=\"row-{case}\"")).contains("Ana Holder, until in 10 min"), "{queue}");
    let page = t.console_get(&format!("/cases/{case}"), &ben).await;
    let held = fragment(&page.body, "id=\"claim-state\"");
    assert!(held.contains("Held by Ana Holder since") && !held.contains("another reviewer"), "{held}");
    assert!(page.body.contains("id=\"decision-held\"") && !page.body.contains("class=\"stack decision\""));
    assert!(page.body.contains("action=\"/cases/") && page.body.contains("/takeover\""));
    // A decision posted anyway (an old tab) is refused and changes nothing.
    let decide = [
        ("csrf", page.csrf()),
        ("action", "no_action".into()),
        ("explanation", "x".into()),
        ("intent", "decide".into()),
    ];
    let pairs: Vec<(&str, &str)> = decide.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = t.console_post(&format!("/cases/{case}/decide"), &ben, &pairs).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("another reviewer claimed the case meanwhile"));
    assert!(t.events(Some("case.decided")).await.is_empty());

    // Ben takes it over; Ana's reveal, Ana's claim, Ben's take-over and Ben's decision each name
    // their person in the history.
    let csrf = page.csrf();
    let ana_page = t.console_get(&format!("/cases/{case}"), &ana).await;
    let media = ana_page.body.split("/media/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    t.console_post(&format!("/media/{media}/reveal"), &ana, &[("csrf", &ana_page.csrf())]).await;
    let taken = t.console_post(&format!("/cases/{case}/takeover"), &ben, &[("csrf", &csrf)]).await;
    assert_eq!(taken.status, 303);
    let page = t.console_get(&format!("/cases/{case}"), &ben).await;
    assert!(page.body.contains("You hold this case") && page.body.contains("class=\"stack decision\""));
    let decided = t.console_post(&format!("/cases/{case}/decide"), &ben, &pairs).await;
    assert_eq!((decided.status, decided.location.as_deref()), (303, Some(format!("/queue?decided={case}").as_str())));
    let history = t.console_get(&format!("/cases/{case}"), &ben).await.body;
    let history = &history[history.find("id=\"history-h\"").unwrap()..];
    let org = "Platform of video.example";
    for (kind, who) in [
        ("case.claimed", "Ana Holder"),
        ("media.revealed", "Ana Holder"),
        ("case.taken_over", "Ben Second"),
        ("case.decided", "Ben Second"),
    ] {
        let row = fragment(history, &format!("<td>{kind}</td>"));
        assert!(row.contains(&format!("{who} ({org})")), "{kind}: {row}");
    }
    // People of other organisations are not named: the trusted flagger's report shows its
    // organisation; the anonymous report shows nobody.
    let added = fragment(history, "<td>case.signal_added</td>");
    assert!(added.contains("Watchdog NGO") && !history.contains("Fiona Flagger"), "{added}");
    assert!(fragment(history, "<td>case.opened</td>").contains("<td>Vigie</td>"));
}

/// The case ids listed on a page of the decided-cases search, in order.
fn decided_ids(html: &str) -> Vec<String> {
    html.split("id=\"decided-").skip(1).map(|r| r.split('"').next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn decided_cases_are_listed_newest_first_searched_and_paged() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/hosts", &p.token, json!({ "host": "clips.example" })).await.expect(201);
    t.post("/api/v1/hosts/clips.example/approve", ADMIN, json!({})).await.expect(200);
    let (ben, _) = colleague(&t, &p.org, "Ben Decider", "ben.decider").await;
    let ben_token = t.post(&format!("/api/v1/users/{ben}/tokens"), ADMIN, json!({})).await.expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let decide = |url: &'static str, token: String, body: Value| {
        let t = &t;
        async move {
            let case = case_of(t, &t.notice(url).await).await;
            t.post(&format!("/api/v1/cases/{case}/decision"), &token, body).await.expect(201);
            case
        }
    };
    let removal = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    let removed = decide("https://video.example/v/a", p.token.clone(), removal).await;
    let day_one = t.now().to_rfc3339()[..10].to_owned();
    t.advance(vigie_model::Duration::from_days(2));
    let kept = decide(
        "https://video.example/v/b",
        ben_token.clone(),
        json!({ "action": "no_action", "explanation": "satire" }),
    )
    .await;
    t.advance(vigie_model::Duration::from_hours(1));
    let restricted =
        decide("https://clips.example/c/1", p.token.clone(), json!({ "action": "restrict", "explanation": "Calls for attacks.", "restriction": "demoted", "terms_clause": "4.2" }))
            .await;
    // Another platform's decision is not in this list.
    let other = t.platform("other.example").await;
    decide("https://other.example/x", other.token.clone(), json!({ "action": "no_action" })).await;
    // Signed in now: the days the clock moved outlast a session.
    let cookie = t.console_login("ben.decider", PASSWORD).await.1.unwrap();

    let search = |q: &'static str| {
        let (t, cookie) = (&t, cookie.clone());
        async move { decided_ids(&t.console_get(&format!("/decided{q}"), &cookie).await.body) }
    };
    assert_eq!(search("").await, [restricted.as_str(), kept.as_str(), removed.as_str()], "newest first");
    assert_eq!(search("?target=CLIPS.example").await, [restricted.as_str()]);
    assert_eq!(search("?target=v%2Fb").await, [kept.as_str()]);
    assert_eq!(search("?action=no_action").await, [kept.as_str()]);
    assert_eq!(search("?ground=eu.tco.2-7-a").await, [removed.as_str()]);
    assert_eq!(search("?ground=4.2").await, [restricted.as_str()]);
    let by_day = t.console_get(&format!("/decided?from={day_one}&to={day_one}"), &cookie).await.body;
    assert_eq!(decided_ids(&by_day), [removed.as_str()]);
    let by_ben = t.console_get(&format!("/decided?decider={ben}"), &cookie).await.body;
    assert_eq!(decided_ids(&by_ben), [kept.as_str()]);
    assert!(by_ben.contains("<td>Ben Decider</td>"));
    let one = t.console_get(&format!("/decided?case={removed}"), &cookie).await.body;
    assert_eq!(decided_ids(&one), [removed.as_str()]);
    let bad = t.console_get("/decided?case=nope&from=yesterday", &cookie).await.body;
    assert!(bad.contains("is not a case id") && bad.contains("a date such as"), "{bad}");

    // Pages of fifty, the next one linked with the same search.
    for i in 0..50 {
        let case = case_of(&t, &t.notice(&format!("https://video.example/bulk/{i}")).await).await;
        t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, json!({ "action": "no_action" })).await.expect(201);
    }
    let first = t.console_get("/decided?target=video.example", &cookie).await.body;
    assert_eq!(decided_ids(&first).len(), 50);
    let older =
        first.split("id=\"older\"").next().unwrap().rsplit("href=\"").next().unwrap().split('"').next().unwrap();
    let older = older.replace("&#38;", "&");
    assert!(older.starts_with("/decided?target=video.example&after="), "{older}");
    let rest = decided_ids(&t.console_get(&older, &cookie).await.body);
    assert_eq!(rest, [kept, removed], "the two oldest of video.example");
}

#[tokio::test]
async fn the_scrutinising_authority_decides_a_scrutiny_from_its_page() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let body = json!({ "name": "Competent authority IE", "kind": "authority", "member_state": "IE", "competences": ["scrutiny"] });
    let ie = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let host = t.person(&ie, &["reporter"]).await;
    let login = with_password(&t, &host, "scrutiny.ie").await;
    let order =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/s"])).await.expect(201);
    let order_id = order["id"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let asked = json!({ "text": "The video is a news report about the attack." });
    let s = t.post(&format!("/api/v1/orders/{order_id}/scrutiny"), &p.token, asked).await.expect(201);
    let id = s["id"].as_str().unwrap().to_owned();

    let b = Browser::start().await;
    sign_in_to(&t, &b, &login, "/orders").await;
    b.click(&b.find("header nav a[href='/scrutiny']").await).await;
    let section = b.find(&format!("#scrutiny-{id}")).await;
    let shown = b.text(&section).await;
    for part in [
        "FR-IRU-2026-0042",
        "a news report about the attack",
        "https://video.example/v/s",
        "the platform (within 48 hours",
        // The order's grounds in words, and where its own clock stands.
        "(a) incites the commission of terrorist offences",
        "(c) solicits participation in the activities of a terrorist group",
    ] {
        assert!(shown.contains(part), "{part} missing from: {shown}");
    }
    let clock = b.text(&b.find(&format!("#scrutiny-{id} .order-clock")).await).await;
    assert!(clock.starts_with("in "), "the order's hour still runs: {clock}");
    let mut report = Vec::new();
    let serious = axe(&b, &axe_script(), "scrutiny", &mut report).await;
    assert!(serious.is_empty(), "{}", Value::Array(serious));
    let due = b.find(&format!("#scrutiny-{id} .scrutiny-due time.countdown")).await;
    let left = b.text(&due).await;
    // In hours, on the server's page and in the script alike (it was "3 days" from one and
    // "2 days" from the other a second later).
    assert!(left == "in 72 h" || left == "in 71 h", "72 hours to decide: {left}");
    b.screenshot("scrutiny").await;

    // No outcome chosen: refused, nothing decided.
    b.type_into(&b.find(&format!("#reasons-{id}")).await, "The order names no offence.").await;
    b.click(&b.find(&format!("#scrutiny-{id} form.decide button[type=submit]")).await).await;
    assert!(b.text(&b.find(&format!("#scrutiny-{id} div.error")).await).await.contains("outcome"));
    assert!(t.events(Some("scrutiny.decided")).await.is_empty());
    // An infringement before the issuer was told (TCO art. 4(5)): refused, with the reason.
    b.click(&b.find(&format!("#yes-{id}")).await).await;
    b.type_into(&b.find(&format!("#reasons-{id}")).await, "The order names no offence.").await;
    b.click(&b.find(&format!("#scrutiny-{id} form.decide button[type=submit]")).await).await;
    // The page is replaced by the answer: wait for the new refusal, not the old one.
    let query = format!("var e = document.querySelector('#scrutiny-{id} div.error'); return e ? e.textContent : '';");
    let refusal = eventually("the art. 4(5) refusal", || async {
        let text = b.script(&query).await.as_str().unwrap_or_default().to_owned();
        text.contains("art. 4(5)").then_some(text)
    })
    .await;
    assert!(t.events(Some("scrutiny.decided")).await.is_empty(), "{refusal}");
    // The issuer is told first; then the infringement: the order ends, and the page says so.
    b.type_into(&b.find(&format!("#intention-{id}")).await, "The order names no offence.").await;
    b.click(&b.find(&format!("#scrutiny-{id} form.intention button[type=submit]")).await).await;
    b.wait_gone(&format!("#intention-{id}")).await;
    assert!(b.text(&b.find(&format!("#scrutiny-{id} .scrutiny-intention")).await).await.starts_with("told "));
    b.click(&b.find(&format!("#yes-{id}")).await).await;
    b.type_into(&b.find(&format!("#reasons-{id}")).await, "The order names no offence.").await;
    b.click(&b.find(&format!("#scrutiny-{id} form.decide button[type=submit]")).await).await;
    b.wait_url("decided=").await;
    assert!(b.text(&b.find("#scrutiny-done").await).await.starts_with("Scrutiny decided: infringement found"));
    assert!(
        b.text(&b.find(&format!("#scrutiny-{id} .scrutiny-outcome")).await)
            .await
            .contains("The order names no offence.")
    );
    let o = t.get(&format!("/api/v1/orders/{order_id}"), &issuer.token).await.expect(200);
    assert_eq!(o["ended_by"]["cause"], "scrutiny_infringement");
    // Only authorities designated for scrutiny (TCO art. 12(1)(b)) have this page, in their menu
    // alone: the issuing authority is refused it, as by the API, and so is a platform.
    let menu = b.text(&b.find("header nav").await).await;
    assert!(menu.contains("Scrutiny"), "{menu}");
    let m = with_password(&t, &p, "moderator.scrutiny").await;
    let (_, cookie) = t.console_login(&m, PASSWORD).await;
    assert_eq!(t.console_get("/scrutiny", &cookie.unwrap()).await.status, 403);
    let issuing = with_password(&t, &issuer, "issuer.scrutiny").await;
    let (_, cookie) = t.console_login(&issuing, PASSWORD).await;
    let cookie = cookie.unwrap();
    let refused = t.console_get("/scrutiny", &cookie).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("designated for scrutiny"), "{}", refused.body);
    let orders = t.console_get("/orders", &cookie).await.body;
    assert!(orders.contains("href=\"/referrals\"") && !orders.contains("href=\"/scrutiny\""), "{orders}");
    let posted = t
        .console_post(
            &format!("/scrutiny/{id}/decide"),
            &cookie,
            &[("csrf", &csrf_in(&orders)), ("outcome", "no_infringement"), ("reasons", "Not ours to decide.")],
        )
        .await;
    assert_eq!(posted.status, 404, "another authority's scrutiny: {}", posted.body);
    assert_eq!(t.get("/api/v1/scrutinies", &issuer.token).await.status.as_u16(), 403);
    assert_eq!(t.get("/api/v1/scrutinies", &host.token).await.expect(200)["scrutinies"][0]["id"], id.as_str());
}

/// TCO art. 11(2) and LCEN art. 6-1-5: the content provider's page gives the order's own reasons,
/// the 48 hours to challenge it from being informed, and a copy of the order on request.
#[tokio::test]
async fn tco_art_11_2_the_uploaders_page_gives_the_orders_reasons_and_a_copy_of_it() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let issuer = t.authority().await;
    let receipt =
        t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/o"])).await.expect(201);
    let case = receipt["cases"][0]["case"].as_str().unwrap().to_owned();
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let remove = json!({ "action": "remove", "legal_basis": "eu.tco.2-7-a", "explanation": "Calls for attacks, as the order says." });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, remove).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Browser::start().await;
    b.goto(&t.url(&format!("/notice/{token}"))).await;
    let reasons = b.text(&b.find("dl.order-reasons").await).await;
    for part in ["Regulation (EU) 2021/784 art. 2(7)(c)", "recruits for a listed group"] {
        assert!(reasons.contains(part), "{part} missing from: {reasons}");
    }
    assert!(b.text(&b.find("p.challenge").await).await.contains("within 48 hours of being informed, until "));
    let mut report = Vec::new();
    let script = axe_script();
    let mut serious = axe(&b, &script, "uploader notice (order)", &mut report).await;
    b.click(&b.find("form[action$='/order-copy'] button[type=submit]").await).await;
    let copy = b.text(&b.find("section.order-copy").await).await;
    for part in ["FR-IRU-2026-0042", "Jeanne Martin, Commissaire", "https://video.example/v/o", "48 hours"] {
        assert!(copy.contains(part), "{part} missing from: {copy}");
    }
    serious.extend(axe(&b, &script, "copy of the order", &mut report).await);
    assert!(serious.is_empty(), "{}", Value::Array(serious));
    assert_eq!(t.events(Some("uploader_notice.order_copy")).await.len(), 1);
}
