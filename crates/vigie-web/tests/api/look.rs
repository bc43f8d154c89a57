//! Step 10's layout and look, and wellbeing in the viewer, in a real browser: no page of any role
//! scrolls sideways at 390 px, the header holds one line at 1024 px, axe finds nothing serious;
//! revealing needs a claim, the viewer follows each person's settings over their organisation's,
//! the reveal counter and its break prompt, the leads' access to counts (off by default), and the
//! shift view's figures. (Each role's main page at 1280 and 390 px, and its screenshots: `shots.rs`.)

use serde_json::{Value, json};

use crate::console::{PASSWORD, attach, axe, axe_script, case_of, sign_in_to, with_password};
use crate::helpers::*;
use crate::webdriver::Browser;

/// A person with a name, roles and a console login in an organisation; returns their id and a
/// signed-in session cookie.
async fn named(t: &TestApp, org: &str, name: &str, roles: &[&str], login: &str) -> (String, String) {
    let body = json!({ "name": name, "roles": roles, "login": login, "password": PASSWORD });
    let user =
        t.post(&format!("/api/v1/orgs/{org}/users"), ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let (_, cookie) = t.console_login(login, PASSWORD).await;
    (user, cookie.expect("a session"))
}

/// Posts a console form with the page's CSRF token.
async fn post_form(t: &TestApp, cookie: &str, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = t.console_get(page, cookie).await.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    t.console_post(action, cookie, &all).await
}

/// The id of the first media of a case's page.
fn first_media(html: &str) -> String {
    html.split("/media/").nth(1).expect("media on the page").split('/').next().unwrap().to_owned()
}

/// The hub's id, where the instance's administrators are.
pub(crate) async fn hub(t: &TestApp) -> String {
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    orgs["orgs"].as_array().unwrap().iter().find(|o| o["kind"] == "hub").unwrap()["id"].as_str().unwrap().to_owned()
}

/// Whether the page scrolls sideways: its width beyond the viewport, and the widest offender.
pub(crate) async fn sideways(b: &Browser) -> Option<String> {
    let v: Value = b
        .script(
            "const d = document.documentElement; \
             if (d.scrollWidth <= d.clientWidth) return null; \
             let worst = null, right = 0; \
             for (const el of document.body.querySelectorAll('*')) { \
               const r = el.getBoundingClientRect(); \
               if (r.right > right) { right = r.right; worst = el; } } \
             return d.scrollWidth + ' > ' + d.clientWidth + ', widest: <' + worst.tagName.toLowerCase() + \
               ' class=\"' + worst.className + '\"> ' + (worst.textContent || '').slice(0, 60);",
        )
        .await;
    v.as_str().map(str::to_owned)
}

/// Whether the header's parts sit on one line: the tops of the brand, each menu entry and the
/// sign-out form are within a few pixels of each other, and the header is one row high.
async fn header_lines(b: &Browser) -> (f64, f64) {
    let v = b
        .script(
            "const h = document.querySelector('header.top'); \
             const parts = [h.querySelector('.brand'), ...h.querySelectorAll('nav li'), h.querySelector('.who')] \
               .filter(Boolean).map(e => e.getBoundingClientRect()); \
             const centres = parts.map(r => (r.top + r.bottom) / 2); \
             return [Math.max(...centres) - Math.min(...centres), h.getBoundingClientRect().height];",
        )
        .await;
    (v[0].as_f64().unwrap(), v[1].as_f64().unwrap())
}

/// A world with something on every page: a platform with cases (one with a long URL and media),
/// a decision with a complaint, an order; an authority with an order and a referral; the authority
/// designated for scrutiny, with the platform's request; an administrator; and the logins of each.
struct World {
    t: TestApp,
    moderator: String,
    analyst: String,
    scrutineer: String,
    admin: String,
    case: String,
    complaint: String,
    platform_org: String,
    code: String,
}

async fn world() -> World {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let moderator = with_password(&t, &p, "look.moderator").await;
    let a = t.authority().await;
    let analyst = with_password(&t, &a, "look.analyst").await;
    let body = json!({ "name": "Competent authority IE", "kind": "authority", "member_state": "IE", "competences": ["scrutiny"] });
    let ie = t.post("/api/v1/orgs", ADMIN, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let scrutineer = with_password(&t, &t.person(&ie, &["reporter"]).await, "look.scrutiny").await;
    let admin_member = t.person(&hub(&t).await, &["admin"]).await;
    let admin = with_password(&t, &admin_member, "look.admin").await;
    let long = format!("https://video.example/v/{}", "a-very-long-path-segment-without-any-break-".repeat(4));
    let receipt = t.notice(&long).await;
    let code = receipt["tracking_code"].as_str().unwrap().to_owned();
    let case = case_of(&t, &receipt).await;
    attach(&t, &p, &case, png(320, 240)).await;
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/ordered"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let asked = json!({ "text": "A news report about the attack." });
    t.post(&format!("/api/v1/orders/{}/scrutiny", order["id"].as_str().unwrap()), &p.token, asked).await.expect(201);
    let referral = json!({ "urls": ["https://video.example/v/referred"], "explanation": "Propaganda.", "category": "terrorist_content" });
    let _ = t.post("/api/v1/referrals", &a.token, referral).await;
    // A decided case with an uploader's complaint, for the complaint pages.
    let decided = case_of(&t, &t.notice("https://video.example/v/complained").await).await;
    attach(&t, &p, &decided, png(200, 150)).await;
    let removal = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment" });
    t.post(&format!("/api/v1/cases/{decided}/decision"), &p.token, removal).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{decided}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/uploader-notices/{token}/complaint");
    t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "My documentary." }))).await.expect(201);
    let complaints = t.get("/api/v1/complaints", &p.token).await.expect(200);
    let complaint = complaints["complaints"][0]["id"].as_str().unwrap().to_owned();
    World { moderator, analyst, scrutineer, admin, case, complaint, platform_org: p.org, code, t }
}

/// Every page each role reaches from its menu, and the pages one click further.
fn pages(w: &World) -> Vec<(&'static str, Vec<String>)> {
    let moderator = [
        "/queue",
        "/decided",
        "/complaints",
        "/dashboard",
        "/report",
        "/settings",
        "/password",
        "/search?q=video",
        "/decisions",
        "/decisions?who=recent",
        "/dead-letters",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .chain([format!("/cases/{}", w.case), format!("/cases/{}/legal", w.case), format!("/complaints/{}", w.complaint)])
    .collect();
    let analyst = ["/orders", "/referrals", "/holds", "/dashboard", "/report", "/settings"]
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    let scrutineer = vec!["/scrutiny".to_owned()];
    let admin = ["/admin", "/log", "/holds", "/dashboard", "/report", "/settings"]
        .iter()
        .map(|p| (*p).to_owned())
        .chain([
            format!("/admin/orgs/{}", w.platform_org),
            format!("/admin/orgs/{}/teams", w.platform_org),
            format!("/cases/{}", w.case),
        ])
        .collect();
    vec![("moderator", moderator), ("analyst", analyst), ("scrutineer", scrutineer), ("admin", admin)]
}

#[tokio::test]
async fn at_390_px_no_page_of_any_role_scrolls_sideways_at_1024_the_header_is_one_line_and_axe_finds_nothing() {
    let script = axe_script();
    let w = world().await;
    let t = &w.t;
    let b = Browser::start().await;
    let mut wide = Vec::new();
    let mut serious = Vec::new();
    let mut report = Vec::new();
    let mut checked = 0;

    // The public's pages, signed out: the form, its receipt, the tracking page with a result.
    b.viewport(Some((390, 844))).await;
    for path in ["/login", "/report", "/track"] {
        b.goto(&t.url(path)).await;
        b.find("main h1").await;
        if let Some(why) = sideways(&b).await {
            wide.push(format!("public {path}: {why}"));
        }
        serious.extend(axe(&b, &script, &format!("public {path} at 390 px"), &mut report).await);
        checked += 1;
    }
    b.goto(&t.url("/track")).await;
    b.type_into(&b.find("#code").await, &w.code).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("td.outcome").await;
    if let Some(why) = sideways(&b).await {
        wide.push(format!("public tracking result: {why}"));
    }
    b.goto(&t.url("/report")).await;
    b.type_into(&b.find("#urls").await, "https://video.example/v/from-a-phone").await;
    b.type_into(&b.find("#explanation").await, "A recruitment video.").await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("#tracking-code").await;
    if let Some(why) = sideways(&b).await {
        wide.push(format!("public receipt: {why}"));
    }
    checked += 2;

    let logins = [
        ("moderator", &w.moderator, "/queue"),
        ("analyst", &w.analyst, "/orders"),
        ("scrutineer", &w.scrutineer, "/orders"),
        ("admin", &w.admin, "/admin"),
    ];
    for (role, paths) in pages(&w) {
        let (_, login, landing) = logins.iter().find(|(r, _, _)| *r == role).unwrap();
        let fresh = Browser::start().await;
        sign_in_to(t, &fresh, login, landing).await;
        for path in &paths {
            fresh.viewport(Some((390, 844))).await;
            fresh.goto(&t.url(path)).await;
            fresh.find("main h1").await;
            if let Some(why) = sideways(&fresh).await {
                wide.push(format!("{role} {path}: {why}"));
            }
            serious.extend(axe(&fresh, &script, &format!("{role} {path} at 390 px"), &mut report).await);
            fresh.viewport(Some((1024, 768))).await;
            fresh.goto(&t.url(path)).await;
            fresh.find("main h1").await;
            let (spread, height) = header_lines(&fresh).await;
            assert!(
                spread <= 6.0 && height <= 64.0,
                "{role} {path} at 1024 px: header parts {spread} px apart, {height} px high"
            );
            checked += 1;
        }
    }
    assert!(wide.is_empty(), "pages wider than 390 px:\n{}", wide.join("\n"));
    assert!(serious.is_empty(), "axe: {}", serde_json::to_string_pretty(&serious).unwrap());
    assert!(checked >= 25, "{checked} pages checked");
}

#[tokio::test]
async fn a_page_wider_than_the_screen_is_caught() {
    // The check above can fail: a planted element wider than 390 px is found.
    let t = TestApp::start().await;
    let b = Browser::start().await;
    b.viewport(Some((390, 844))).await;
    b.goto(&t.url("/report")).await;
    b.find("main h1").await;
    assert_eq!(sideways(&b).await, None);
    b.script("const d = document.createElement('div'); d.style.width = '900px'; d.textContent = 'wide'; document.querySelector('main').append(d);").await;
    assert!(sideways(&b).await.is_some_and(|w| w.starts_with("9")), "the planted div is seen");
}

#[tokio::test]
async fn revealing_needs_a_claim_and_the_viewer_follows_the_persons_settings_over_the_organisations() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    // The platform's lead (an integrator) and a reviewer who is only a moderator.
    let (_, lead) = named(&t, &p.org, "Lea Lead", &["moderator", "integrator"], "lea.lead").await;
    let (_, rita) = named(&t, &p.org, "Rita Reviewer", &["moderator"], "rita.reviewer").await;
    let case = case_of(&t, &t.notice("https://video.example/v/viewer").await).await;
    attach(&t, &p, &case, png(320, 240)).await;
    let page = format!("/cases/{case}");
    let unclaimed = t.console_get(&page, &rita).await.body;
    let media = first_media(&unclaimed);
    assert!(
        unclaimed.contains("To reveal the original, claim the case first") && !unclaimed.contains("class=\"reveal\"")
    );

    // Without a claim, the reveal (an old tab, a crafted post) is refused with a message that says what to do, and nothing is
    // logged or counted.
    let refused = post_form(&t, &rita, &page, &format!("/media/{media}/reveal"), &[]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("claim the case before revealing its media"), "{}", refused.body);
    assert!(t.events(Some("media.revealed")).await.is_empty());
    assert!(t.console_get(&page, &rita).await.body.contains("You have revealed 0 media today."));

    // Vigie's default: a medium blur, colour once revealed.
    assert!(t.console_get(&page, &rita).await.body.contains("class=\"media blur-2\""));
    // The lead sets the organisation's defaults: a light blur, greyscale kept.
    let saved =
        post_form(&t, &lead, "/settings", "/settings/organisation", &[("blur", "1"), ("greyscale", "yes")]).await;
    assert_eq!((saved.status, saved.location.as_deref()), (303, Some("/settings?saved=organisation#organisation")));
    assert!(t.console_get(&page, &rita).await.body.contains("class=\"media blur-1 keep-grey\""));
    // A reviewer may not change the organisation's defaults.
    let refused = post_form(&t, &rita, "/settings", "/settings/organisation", &[("blur", "3")]).await;
    assert_eq!(refused.status, 403);

    // Rita chooses for herself in the browser: a strong blur, peek; greyscale follows the
    // organisation.
    let b = Browser::start().await;
    sign_in_to(&t, &b, "rita.reviewer", "/queue").await;
    b.goto(&t.url("/settings")).await;
    let org_default = b.text(&b.find("#greyscale option[selected]").await).await;
    assert_eq!(org_default, "Your organisation's default (yes)");
    b.script("document.getElementById('blur').value = '3'; document.getElementById('peek').value = 'yes';").await;
    b.click(&b.find("#viewer form button[type=submit]").await).await;
    b.find("#viewer-saved").await;
    b.goto(&t.url(&page)).await;
    let figure = b.find("figure.media").await;
    assert_eq!(b.attribute(&figure, "class").await.as_deref(), Some("media blur-3 keep-grey peek"));
    let filter = b.script("return getComputedStyle(document.querySelector('img.preview')).filter").await;
    assert_eq!(filter, "blur(14px) grayscale(1)");

    // Claimed, the reveal goes through; the original is shown in greyscale, as chosen.
    b.click(&b.find(".claim-box form.claim button").await).await;
    b.find(".claim-box form[action$='/release']").await;
    b.click(&b.find("form.reveal button").await).await;
    b.wait_url("reveal=").await;
    b.find("img.original").await;
    let filter = b.script("return getComputedStyle(document.querySelector('img.original')).filter").await;
    assert_eq!(filter, "grayscale(1)");
    assert_eq!(t.events(Some("media.revealed")).await.len(), 1);

    // In colour once Rita says so, whatever the organisation's default.
    let saved =
        post_form(&t, &rita, "/settings", "/settings/viewer", &[("blur", "3"), ("greyscale", "no"), ("reblur", "30")])
            .await;
    assert_eq!(saved.status, 303);
    let html = t.console_get(&format!("{page}?reveal={media}"), &rita).await.body;
    assert!(html.contains("class=\"media blur-3\"") && html.contains("data-reblur=\"30\""), "{html}");
    // Out-of-range choices are refused.
    let bad = post_form(&t, &rita, "/settings", "/settings/viewer", &[("blur", "9")]).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn the_re_blur_timer_blurs_a_revealed_original_again() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, rita) = named(&t, &p.org, "Rita Reviewer", &["moderator"], "rita.timer").await;
    let case = case_of(&t, &t.notice("https://video.example/v/timer").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    // The shortest choice the form offers is 30 s; the store takes any delay up to an hour.
    let user = t.app.viewer_settings(&principal_of(&t, &rita).await).await.unwrap();
    assert_eq!(user.effective.reblur_secs, 0, "never, by default");
    let saved = post_form(&t, &rita, "/settings", "/settings/viewer", &[("reblur", "1")]).await;
    assert_eq!(saved.status, 303);
    let b = Browser::start().await;
    sign_in_to(&t, &b, "rita.timer", "/queue").await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    b.click(&b.find(".claim-box form.claim button").await).await;
    b.find(".claim-box form[action$='/release']").await;
    b.click(&b.find("form.reveal button").await).await;
    b.wait_url("reveal=").await;
    // Polls for the positive change: the original gets the blurring class.
    b.find("img.original.reblurred").await;
    let alt = b.attribute(&b.find("img.original").await, "alt").await.unwrap();
    assert!(alt.contains("blurred again"), "{alt}");
}

/// The principal behind a console session, as the use-cases see it.
async fn principal_of(t: &TestApp, cookie: &str) -> vigie_model::Principal {
    let secret = cookie.split_once('=').unwrap().1.to_owned();
    t.app.console_session(&secret).await.unwrap().0
}

#[tokio::test]
async fn the_reveal_counter_counts_suggests_a_break_past_the_threshold_and_keeps_ninety_days() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, lead) = named(&t, &p.org, "Lea Lead", &["moderator", "integrator"], "lea.count").await;
    let (rita_id, rita) = named(&t, &p.org, "Rita Reviewer", &["moderator"], "rita.count").await;
    post_form(&t, &lead, "/settings", "/settings/organisation", &[("break_after", "2")]).await;
    let case = case_of(&t, &t.notice("https://video.example/v/count").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    attach(&t, &p, &case, png(120, 160)).await;
    let page = format!("/cases/{case}");
    post_form(&t, &rita, &page, &format!("/cases/{case}/claim"), &[]).await;
    let html = t.console_get(&page, &rita).await.body;
    let ids: Vec<String> =
        html.split("action=\"/media/").skip(1).map(|s| s.split('/').next().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), 2);

    let revealed = post_form(&t, &rita, &page, &format!("/media/{}/reveal", ids[0]), &[]).await;
    assert_eq!(revealed.status, 303);
    let html = t.console_get(&page, &rita).await.body;
    assert!(html.contains("You have revealed 1 media today.") && !html.contains("break-prompt"), "{html}");
    post_form(&t, &rita, &page, &format!("/media/{}/reveal", ids[1]), &[]).await;
    let b = Browser::start().await;
    sign_in_to(&t, &b, "rita.count", "/queue").await;
    b.goto(&t.url(&page)).await;
    let prompt = b.text(&b.find(".break-prompt").await).await;
    assert!(prompt.starts_with("You have revealed 2 media today.") && prompt.contains("break"), "{prompt}");
    // The lead's own count is their own: nothing yet.
    assert!(t.console_get(&page, &lead).await.body.contains("You have revealed 0 media today."));

    // Only counts are kept, one per person per day; past 90 days they are purged on the next count.
    let user = vigie_model::UserId::parse(&rita_id).unwrap();
    let days = {
        let user = user.clone();
        t.app.store().read(move |r| r.reveal_count_days(&user)).await.unwrap()
    };
    assert_eq!(days, [t.now().to_rfc3339()[..10].to_owned()]);
    // Which media a person revealed is kept only while the reveal's grant lasts.
    let reader = user.clone();
    let revealed = |media: &str| {
        let (media, user) = (vigie_model::MediaId::parse(media).unwrap(), reader.clone());
        let store = t.app.store().clone();
        async move {
            store.read(move |r| r.revealed_since(&media, &user, vigie_model::Timestamp::from_micros(0))).await.unwrap()
        }
    };
    assert!(revealed(&ids[1]).await, "the second reveal is on record");
    t.advance(vigie_model::Duration::from_days(90));
    // Signed in again: sessions do not last 90 days.
    let (_, rita) = t.console_login("rita.count", PASSWORD).await;
    let rita = rita.unwrap();
    post_form(&t, &rita, &page, &format!("/cases/{case}/claim"), &[]).await;
    post_form(&t, &rita, &page, &format!("/media/{}/reveal", ids[0]), &[]).await;
    let days = t.app.store().read(move |r| r.reveal_count_days(&user)).await.unwrap();
    assert_eq!(days, [t.now().to_rfc3339()[..10].to_owned()], "the count of 90 days ago is gone");
    assert!(!revealed(&ids[1]).await, "a reveal past its grant was deleted by the next one");
    assert!(revealed(&ids[0]).await);
    assert!(t.console_get(&page, &rita).await.body.contains("You have revealed 1 media today."));
}

#[tokio::test]
async fn a_complaint_reviewer_sees_the_media_with_the_same_protections_and_no_claim() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, rita) = named(&t, &p.org, "Rita Reviewer", &["moderator"], "rita.complaint").await;
    let case = case_of(&t, &t.notice("https://video.example/v/complaint").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    let page = format!("/cases/{case}");
    let media = first_media(&t.console_get(&page, &rita).await.body);
    // Decided (by the platform's API member), then complained about by the uploader.
    let removal = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment" });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal).await.expect(201);
    // Before any complaint, a decided case cannot be claimed, so its media stay hidden.
    let refused = post_form(&t, &rita, &page, &format!("/media/{media}/reveal"), &[]).await;
    assert_eq!(refused.status, 409);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/uploader-notices/{token}/complaint");
    t.send(reqwest::Method::POST, &path, None, Some(json!({ "text": "My documentary." }))).await.expect(201);
    let complaint =
        t.get("/api/v1/complaints", &p.token).await.expect(200)["complaints"][0]["id"].as_str().unwrap().to_owned();

    let b = Browser::start().await;
    sign_in_to(&t, &b, "rita.complaint", "/queue").await;
    b.goto(&t.url(&format!("/complaints/{complaint}"))).await;
    b.find("figure.media.blur-2 img.preview").await;
    assert!(b.try_find("img.original").await.is_none());
    b.click(&b.find("form.reveal button").await).await;
    let url = b.wait_url("reveal=").await;
    assert!(url.contains(&format!("/complaints/{complaint}?reveal={media}")), "{url}");
    b.find("img.original").await;
    assert_eq!(t.events(Some("media.revealed")).await.len(), 1);
    assert!(b.text(&b.find("#reveals-today").await).await.starts_with("You have revealed 1 media today."));

    // The first decider may not review, so may not reveal either.
    let decider_login = with_password(&t, &p, "first.decider").await;
    let (_, decider) = t.console_login(&decider_login, PASSWORD).await;
    let refused = post_form(&t, &decider.unwrap(), &page, &format!("/media/{media}/reveal"), &[]).await;
    assert_eq!(refused.status, 409);
}

#[tokio::test]
async fn a_lead_reads_the_reveal_counts_only_when_the_organisation_allows_it() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, lead) = named(&t, &p.org, "Lea Lead", &["moderator", "integrator"], "lea.counts").await;
    let (_, rita) = named(&t, &p.org, "Rita Reviewer", &["moderator"], "rita.counts").await;
    let case = case_of(&t, &t.notice("https://video.example/v/counts").await).await;
    attach(&t, &p, &case, png(160, 120)).await;
    let page = format!("/cases/{case}");
    post_form(&t, &rita, &page, &format!("/cases/{case}/claim"), &[]).await;
    let media = first_media(&t.console_get(&page, &rita).await.body);
    assert_eq!(post_form(&t, &rita, &page, &format!("/media/{media}/reveal"), &[]).await.status, 303);

    // Off by default: the lead's dashboard has no counts, and the use-case refuses.
    let html = t.console_get("/dashboard", &lead).await.body;
    assert!(!html.contains("id=\"team-reveals\"") && !html.contains("revealed today, per person"), "{html}");
    let lead_p = principal_of(&t, &lead).await;
    assert!(matches!(t.app.team_reveals_today(&lead_p).await, Err(vigie_app::AppError::Forbidden(_))));
    // The settings page says so, unchecked.
    assert!(
        !t.console_get("/settings", &lead).await.body.contains("value=\"yes\" checked><label for=\"leads_see_counts\"")
    );

    // Turned on by the lead: the dashboard lists each person's count, never what was seen.
    post_form(&t, &lead, "/settings", "/settings/organisation", &[("leads_see_counts", "yes")]).await;
    let b = Browser::start().await;
    sign_in_to(&t, &b, "lea.counts", "/queue").await;
    b.goto(&t.url("/dashboard")).await;
    let table = b.text(&b.find("#team-reveals").await).await;
    assert!(table.contains("Rita Reviewer 1"), "{table}");
    assert!(!b.source().await.contains(&media), "which media were revealed is not shown");
    // A reviewer who is not a lead never reads them, whatever the setting.
    let html = t.console_get("/dashboard", &rita).await.body;
    assert!(!html.contains("id=\"team-reveals\""));
    let rita_p = principal_of(&t, &rita).await;
    assert!(t.app.team_reveals_today(&rita_p).await.is_err());
    // Turned off again: gone.
    post_form(&t, &lead, "/settings", "/settings/organisation", &[]).await;
    assert!(!t.console_get("/dashboard", &lead).await.body.contains("id=\"team-reveals\""));
}

#[tokio::test]
async fn the_shift_view_shows_the_queue_the_oldest_case_the_running_orders_and_who_is_signed_in() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, ana) = named(&t, &p.org, "Ana Moderator", &["moderator"], "ana.shift").await;
    let (_, ben) = named(&t, &p.org, "Ben Moderator", &["moderator"], "ben.shift").await;
    let a = t.authority().await;
    let analyst = with_password(&t, &a, "analyst.shift").await;
    t.notice("https://video.example/v/first").await;
    t.advance(vigie_model::Duration::from_mins(42));
    t.notice("https://video.example/v/second").await;
    t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/order"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(vigie_model::Duration::from_mins(5));
    // Ben signs out: he is no longer on shift.
    let csrf = t.console_get("/queue", &ben).await.csrf();
    t.console_post("/logout", &ben, &[("csrf", &csrf)]).await;

    let b = Browser::start().await;
    b.viewport(Some((390, 844))).await;
    sign_in_to(&t, &b, "ana.shift", "/queue").await;
    b.goto(&t.url("/dashboard")).await;
    assert_eq!(stat(&b, "queue-depth").await, "3");
    assert_eq!(stat(&b, "oldest-waiting").await, "47 min");
    assert_eq!(stat(&b, "shift-orders").await, "1");
    let detail = b.text(&b.find("#shift-orders .stat-detail").await).await;
    assert_eq!(detail, "the most urgent is due in 55 min");
    assert_eq!(stat(&b, "signed-in").await, "1", "Ana, in two sessions, counted once; Ben signed out");
    b.click(&b.find("details.on-shift summary").await).await;
    let who = b.text(&b.find("#on-shift").await).await;
    assert!(who.contains("Ana Moderator (you)") && !who.contains("Ben"), "{who}");
    assert_eq!(sideways(&b).await, None);
    assert!(!ana.is_empty());

    // The authority sees its running orders, not a platform's queue, nor complaints.
    let b = Browser::start().await;
    sign_in_to(&t, &b, &analyst, "/orders").await;
    b.goto(&t.url("/dashboard")).await;
    assert_eq!(b.text(&b.find("#shift-orders .stat-value").await).await, "1");
    assert!(b.try_find("#queue-depth").await.is_none());
    let source = b.source().await;
    assert!(!source.contains("complaints overdue") && !source.contains("Time to action"), "figures of platforms");
}

/// The value of one figure of the shift view.
async fn stat(b: &Browser, id: &str) -> String {
    b.text(&b.find(&format!("#{id} .stat-value")).await).await
}

/// Relative luminance of an `rgb(r, g, b)` colour (WCAG 2).
fn luminance(css: &str) -> f64 {
    let inner = css.trim_start_matches("rgba(").trim_start_matches("rgb(").trim_end_matches(')');
    let c: Vec<f64> = inner.split(',').take(3).map(|v| v.trim().parse::<f64>().unwrap() / 255.0).collect();
    let lin = |v: f64| if v <= 0.040_45 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) };
    0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

#[tokio::test]
async fn the_focus_ring_has_at_least_3_to_1_contrast_on_the_page_and_on_the_header() {
    let t = TestApp::start().await;
    let b = Browser::start().await;
    b.goto(&t.url("/report")).await;
    b.find("main h1").await;
    // Tab from the top: the skip link, then the header's links, then the form's fields.
    let ring = |selector: &str| {
        format!(
            "const el = document.querySelector({selector:?}); el.focus(); const s = getComputedStyle(el); \
             let bg = el.closest('header') ? getComputedStyle(el.closest('header')).backgroundColor \
                                           : getComputedStyle(document.body).backgroundColor; \
             return [s.outlineStyle, s.outlineWidth, s.outlineColor, bg, document.activeElement === el];"
        )
    };
    for selector in ["header.top nav a", "#urls", "form.stack button[type=submit]"] {
        let v = b.script(&ring(selector)).await;
        let (style, width, colour, bg) =
            (v[0].as_str().unwrap(), v[1].as_str().unwrap(), v[2].as_str().unwrap(), v[3].as_str().unwrap());
        assert_eq!(v[4], true, "{selector} takes the focus");
        assert_eq!((style, width), ("solid", "3px"), "{selector}");
        let ratio = contrast(colour, bg);
        assert!(ratio >= 3.0, "{selector}: ring {colour} on {bg} is {ratio:.2}:1");
    }
    // The check can fail: the old yellow ring on the white page was under 3:1.
    assert!(contrast("rgb(242, 183, 5)", "rgb(255, 255, 255)") < 3.0);
}
