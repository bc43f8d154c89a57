//! Every role can do its job in the console: a platform answers an order with Annex III and
//! refers a threat to life, an authority follows its orders (running first, feedback in words)
//! and answers a clarification request, a trusted flagger follows its notices, an overseer reads
//! and verifies the log, an administrator changes roles and resets passwords. In Chromium, with
//! the refusals, and axe on each new page.

use serde_json::{Value, json};

use crate::console::{PASSWORD, sign_in_to, with_password};
use crate::helpers::*;
use crate::webdriver::Browser;

/// Signs in and waits for the person's landing page (the first entry of their menu).
async fn sign_in(t: &TestApp, b: &Browser, login: &str, landing: &str) {
    sign_in_to(t, b, login, landing).await;
    // "/log" is part of "/login": wait for the signed-in header too.
    b.find("header form.who").await;
}

async fn sign_out(t: &TestApp, b: &Browser) {
    // From a page with the header (an error page has none).
    b.goto(&t.url("/settings")).await;
    b.click(&b.find("header form.who button").await).await;
    b.wait_url("/login").await;
}

/// The menu's entries, by address.
async fn menu(b: &Browser) -> Vec<String> {
    let mut out = Vec::new();
    for a in b.find_all("header nav a").await {
        out.push(b.attribute(&a, "href").await.unwrap_or_default());
    }
    out
}

/// Issues an order to the platform for `url`; returns (order id, case id).
async fn order(t: &TestApp, a: &Member, p: &Member, url: &str, reference: &str) -> (String, String) {
    let mut body = order_body(&p.org, &[url]);
    body["reference"] = json!(reference);
    let id = t.post("/api/v1/orders", &a.token, body).await.expect(201)["id"].as_str().unwrap().to_owned();
    let case = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200)["cases"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, case)
}

fn axe_script() -> String {
    let path = std::env::var("VIGIE_AXE_JS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/axe/node_modules/axe-core/axe.min.js").to_owned()
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core is missing at {path} ({e})"))
}

/// Runs axe-core on the current page; fails on any serious or critical finding.
async fn axe(b: &Browser, page: &str) {
    b.script(&axe_script()).await;
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
    let serious: Vec<Value> = found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(serious.is_empty(), "axe on {page}: {serious:#?}");
}

#[tokio::test]
async fn a_platform_asks_for_clarification_under_annex_iii_and_the_authority_answers_it() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let moderator = with_password(&t, &p, "moderator.annex").await;
    let other = t.platform("other.example").await;
    let stranger = with_password(&t, &other, "moderator.other").await;
    let a = t.authority().await;
    let analyst = with_password(&t, &a, "analyst.annex").await;
    let (done_order, done_case) = order(&t, &a, &p, "https://video.example/v/done", "FR-1-DONE").await;
    let (id, case) = order(&t, &a, &p, "https://video.example/v/unclear", "FR-2-UNCLEAR").await;
    // The first order is complied with three minutes after receipt.
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(vigie_model::Duration::from_mins(3));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{done_case}/decision"), &p.token, remove).await.expect(201);

    let b = Browser::start().await;
    sign_in(&t, &b, &moderator, "/queue").await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    b.click(&b.find("#legal-link").await).await;
    b.wait_url(&format!("/cases/{case}/legal")).await;
    axe(&b, "legal").await;
    // Without a reason, nothing is sent: the refusal sits beside the order's form.
    b.click(&b.find(&format!("#order-{id} form.annex-iii-form button")).await).await;
    let refused = b.text(&b.find(&format!("#order-{id} div.error")).await).await;
    assert!(refused.contains("reasons"), "{refused}");
    b.click(&b.find(&format!("#insufficient_information-{id}")).await).await;
    b.type_into(&b.find(&format!("#explanation-{id}")).await, "The address points to a deleted channel.").await;
    b.click(&b.find(&format!("#order-{id} form.annex-iii-form button")).await).await;
    let done = b.text(&b.find("#legal-done").await).await;
    assert!(done.starts_with("Annex III answer sent"), "{done}");
    let clock = b.text(&b.find(&format!("#order-{id} .order-clock")).await).await;
    assert!(clock.contains("awaiting the authority's clarification"), "{clock}");
    assert!(b.try_find(&format!("#order-{id} form.annex-iii-form")).await.is_none(), "answered once");
    let state = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
    assert_eq!(state["state"], "awaiting_clarification", "{state}");
    sign_out(&t, &b).await;

    // Another platform's moderator cannot open the page (nor learn the case exists).
    sign_in(&t, &b, &stranger, "/queue").await;
    b.goto(&t.url(&format!("/cases/{case}/legal"))).await;
    assert!(b.source().await.contains("No such case"), "{}", b.source().await);
    sign_out(&t, &b).await;

    // The authority: the paused order first (still open), then the complied one, in words.
    sign_in(&t, &b, &analyst, "/orders").await;
    let rows = b.find_all("table.orders tbody tr").await;
    assert_eq!(b.attribute(&rows[0], "id").await.unwrap(), format!("order-{id}"));
    assert_eq!(b.attribute(&rows[1], "id").await.unwrap(), format!("order-{done_order}"));
    let paused = b.text(&b.find(&format!("#order-{id} td.feedback")).await).await;
    assert!(
        paused.starts_with("paused: Annex III, the platform asks for a clarification (insufficient information"),
        "{paused}"
    );
    let complied = b.text(&b.find(&format!("#order-{done_order} td.feedback")).await).await;
    assert!(complied.starts_with("removed in 3 min, within the hour"), "{complied}");
    axe(&b, "orders with a clarification form").await;
    b.screenshot("roles-orders-1280").await;
    b.type_into(&b.find(&format!("#clarify-{id}")).await, "The channel moved to /c/new-name; remove it there.").await;
    b.click(&b.find(&format!("#order-{id} form.clarify button")).await).await;
    b.wait_gone(&format!("#order-{id} form.clarify")).await;
    let sent = b.text(&b.find(&format!("#order-{id} td.feedback")).await).await;
    assert!(sent.contains("your clarification was sent"), "{sent}");
    assert_eq!(t.events(Some("order.clarified")).await.len(), 1);
    sign_out(&t, &b).await;

    // The platform reads the clarification beside the order.
    sign_in(&t, &b, &moderator, "/queue").await;
    b.goto(&t.url(&format!("/cases/{case}/legal"))).await;
    let said = b.text(&b.find(&format!("#order-{id} dd.clarification")).await).await;
    assert_eq!(said, "The channel moved to /c/new-name; remove it there.");
}

#[tokio::test]
async fn a_platform_flags_a_threat_to_life_refers_it_to_the_police_and_acknowledges_the_alert() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let moderator = with_password(&t, &p, "moderator.threat").await;
    let case = t.notice("https://video.example/v/live").await;
    let case = t.get(&format!("/api/v1/notices/{}", case["id"].as_str().unwrap()), ADMIN).await.expect(200)["cases"][0]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Browser::start().await;
    sign_in(&t, &b, &moderator, "/queue").await;
    b.goto(&t.url(&format!("/cases/{case}/legal"))).await;
    b.find("p.empty").await; // no order on this case
    b.type_into(&b.find("#flag-note").await, "The uploader announces an attack tonight.").await;
    b.click(&b.find("form.flag-threat button").await).await;
    b.wait_text("#legal-done", |t| t.starts_with("Flagged as a threat to life")).await;
    b.wait_text("#threat-state", |t| t.contains("escalates every 15 minutes")).await;

    // Acknowledging without a referral nor a note is refused, beside the forms.
    b.click(&b.find("form.ack button").await).await;
    b.wait_text("#threat-h ~ div.error", |t| t.contains("record the referral to law enforcement first")).await;
    assert!(t.events(Some("threat_to_life.acknowledged")).await.is_empty());

    b.click(&b.find("#basis-dsa").await).await;
    b.type_into(&b.find("#member-states").await, "fr, be").await;
    b.click(&b.find("form.refer button").await).await;
    b.wait_text("#legal-done", |t| t.starts_with("Referral to law enforcement recorded")).await;
    b.wait_text("table.le-referrals tbody tr", |t| t.contains("DSA art. 18") && t.contains("BE, FR")).await;
    axe(&b, "legal with a threat").await;
    b.screenshot("roles-legal-1280").await;
    b.click(&b.find("form.ack button").await).await;
    b.wait_text("#legal-done", |t| t.starts_with("Alert acknowledged")).await;
    b.wait_text("#threat-state", |t| t.contains("acknowledged")).await;
    assert!(b.try_find("form.refer").await.is_none());
    let referred = t.events(Some("threat_to_life.referred")).await;
    assert_eq!(referred.len(), 1);
    assert_eq!(t.events(Some("threat_to_life.acknowledged")).await.len(), 1);
}

#[tokio::test]
async fn a_trusted_flagger_sees_its_notices_with_the_decision_by_title_and_the_time_it_took() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    let login = with_password(&t, &flagger, "flagger.one").await;
    let sent = |url: &'static str| {
        let t = &t;
        let token = flagger.token.clone();
        async move {
            t.post("/api/v1/notices", &token, notice_body(url)).await.expect(201)["cases"][0]["case"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let decided = sent("https://video.example/v/decided").await;
    let waiting = sent("https://video.example/v/waiting").await;
    // Another organisation's notice is not listed.
    t.notice("https://video.example/v/anonymous").await;
    t.advance(vigie_model::Duration::from_mins(7));
    let remove = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    t.post(&format!("/api/v1/cases/{decided}/decision"), &p.token, remove).await.expect(201);

    let b = Browser::start().await;
    sign_in(&t, &b, &login, "/notices").await;
    assert_eq!(menu(&b).await.first().map(String::as_str), Some("/notices"));
    let rows = b.find_all("tr.notice-location").await;
    assert_eq!(rows.len(), 2, "its own two notices only");
    let mut decided_row = None;
    for r in &rows {
        let text = b.text(r).await;
        if text.contains("/v/decided") {
            decided_row = Some(text);
        } else {
            assert!(text.contains("/v/waiting") && text.contains("not decided yet"), "{text}");
        }
    }
    let decided_row = decided_row.expect("the decided notice");
    assert!(decided_row.contains("remove, under Incites the commission of terrorist offences"), "{decided_row}");
    assert!(
        decided_row.contains("Regulation (EU) 2021/784 art. 2(7)(a)") && decided_row.contains("7 min"),
        "{decided_row}"
    );
    let _ = waiting;
    axe(&b, "notices").await;
    b.screenshot("roles-notices-1280").await;
    sign_out(&t, &b).await;

    // A platform moderator has no such page.
    let moderator = with_password(&t, &p, "moderator.tf").await;
    sign_in(&t, &b, &moderator, "/queue").await;
    assert!(!menu(&b).await.contains(&"/notices".to_owned()));
    b.goto(&t.url("/notices")).await;
    assert!(b.source().await.contains("only a trusted flagger"), "{}", b.source().await);
}

#[tokio::test]
async fn an_overseer_filters_the_event_log_and_sees_that_it_verifies_and_a_moderator_is_refused() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let overseer = t.member("overseer", "Audit office", &["viewer"]).await;
    let login = with_password(&t, &overseer, "overseer.one").await;
    let receipt = t.notice("https://video.example/v/logged").await;
    let case = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200)["cases"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Browser::start().await;
    sign_in(&t, &b, &login, "/log").await;
    assert_eq!(menu(&b).await.first().map(String::as_str), Some("/log"));
    let verified = b.text(&b.find("#log-verified").await).await;
    let total = t.events(None).await.len();
    assert!(verified.starts_with(&format!("All {total} events verify")), "{verified} ({total} events)");
    axe(&b, "log").await;
    b.screenshot("roles-log-1280").await;
    assert!(b.text(&b.find("#log-checkpoint").await).await.contains("signed no checkpoint"));

    // Once the log signed a checkpoint, the page says so, and each event up to it links to its
    // inclusion proof, checked as a verifier would.
    let c = t.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    b.goto(&t.url("/log")).await;
    let said = b.text(&b.find("#log-checkpoint").await).await;
    assert!(said.starts_with(&format!("The log signed its first {} events", c["size"])), "{said}");
    b.goto(&t.url("/log/proof?seq=2")).await;
    let verdict = b.wait_text("#proof-verdict", |t| !t.is_empty()).await;
    assert!(verdict.starts_with("This proof leads from event 2's leaf"), "{verdict}");
    let proof = t.get(&format!("/api/v1/log/proof/inclusion?seq=2&size={}", c["size"]), ADMIN).await.expect(200);
    assert_eq!(b.text(&b.find("#proof-leaf").await).await, proof["leaf_hash"].as_str().unwrap());
    axe(&b, "log proof").await;
    b.goto(&t.url("/log")).await;

    // By kind: every row is of that kind, and there are as many as in the log.
    b.script("document.getElementById('kind').value = 'case.opened'").await;
    b.click(&b.find("form.filters button").await).await;
    b.wait_url("kind=case.opened").await;
    let kinds = b.find_all("td.event-kind").await;
    assert_eq!(kinds.len(), t.events(Some("case.opened")).await.len());
    for k in &kinds {
        assert_eq!(b.text(k).await, "case.opened");
    }
    // By subject: the case's own events, newest first.
    b.goto(&t.url(&format!("/log?subject={case}"))).await;
    let rows = b.find_all("table.log tbody tr").await;
    let about: Vec<Value> = t.events(None).await.into_iter().filter(|e| e["subject"] == case.as_str()).collect();
    assert_eq!(rows.len(), about.len());
    assert!(!rows.is_empty());
    let first: i64 = b.attribute(&rows[0], "data-seq").await.unwrap().parse().unwrap();
    assert_eq!(first, about.last().unwrap()["seq"].as_i64().unwrap(), "newest first");
    // By time: a range before everything finds nothing; a bad date is said, not guessed.
    b.goto(&t.url("/log?to=2000-01-01")).await;
    b.find("p.empty").await;
    b.goto(&t.url("/log?from=yesterday")).await;
    assert!(b.text(&b.find("div.error").await).await.contains("from: not a date"));
    sign_out(&t, &b).await;

    // A platform moderator is refused the log.
    let moderator = with_password(&t, &p, "moderator.log").await;
    sign_in(&t, &b, &moderator, "/queue").await;
    assert!(!menu(&b).await.contains(&"/log".to_owned()));
    b.goto(&t.url("/log")).await;
    assert!(b.source().await.contains("only administrators and overseers read the event log"));
}

#[tokio::test]
async fn an_administrator_changes_roles_resets_a_password_and_revokes_a_token() {
    let t = TestApp::start().await;
    let hub = t.member("hub", "Hub operations", &["admin"]).await;
    let admin = with_password(&t, &hub, "admin.one").await;
    let p = t.platform("video.example").await;
    let moderator = with_password(&t, &p, "moderator.roles").await;
    let b = Browser::start().await;
    sign_in(&t, &b, &admin, "/admin").await;
    b.goto(&t.url(&format!("/admin/orgs/{}", p.org))).await;
    // Each role is explained where it is granted; a platform is offered only its own roles.
    let offered = b.text(&b.find("form.stack:not(.roles-form) fieldset").await).await;
    assert!(
        offered.contains("Reviews the platform's cases") && !offered.contains("Runs this Vigie instance"),
        "{offered}"
    );
    assert!(
        offered.contains("Senior reviewer: receives escalated cases") && offered.contains("with the moderator role")
    );
    // A senior reviewer decides what is escalated to them: never without the moderator role.
    let alone = json!({ "name": "Sam Senior", "roles": ["senior"] });
    let refused = t.post(&format!("/api/v1/orgs/{}/users", p.org), ADMIN, alone).await;
    assert_eq!((refused.status.as_u16(), refused.field_codes()), (422, vec!["senior_needs_moderator".to_owned()]));
    let both = json!({ "name": "Sam Senior", "roles": ["moderator", "senior"] });
    let senior = t.post(&format!("/api/v1/orgs/{}/users", p.org), ADMIN, both).await.expect(201);
    assert_eq!(senior["roles"], json!(["moderator", "senior"]));
    let authority = t.authority().await;
    let wrong = json!({ "name": "Sam Senior", "roles": ["reporter", "senior"] });
    let wrong = t.post(&format!("/api/v1/orgs/{}/users", authority.org), ADMIN, wrong).await;
    assert_eq!(wrong.field_codes(), ["role_not_allowed"], "a platform's role only");
    axe(&b, "organisation").await;
    b.screenshot("roles-admin-org-1280").await;

    // Roles: the moderator becomes a viewer only, and loses the queue on their next request.
    let person = format!("#person-{}", p.user);
    b.click(&b.find(&format!("{person} details.roles-edit summary")).await).await;
    b.click(&b.find(&format!("#role-{}-moderator", p.user)).await).await;
    b.click(&b.find(&format!("#role-{}-integrator", p.user)).await).await;
    b.click(&b.find(&format!("#role-{}-viewer", p.user)).await).await;
    b.click(&b.find(&format!("{person} form.roles-form button")).await).await;
    let status = b.text(&b.find("#admin-status").await).await;
    assert!(status.starts_with("Roles changed: now viewer"), "{status}");
    let changed = t.events(Some("user.roles_changed")).await;
    assert_eq!(changed.len(), 1);
    assert_eq!(data_of(&changed[0])["before"], json!(["integrator", "moderator"]));
    assert_eq!(t.get("/api/v1/inbox", &p.token).await.status.as_u16(), 403, "no longer a moderator");
    // None at all is refused.
    b.click(&b.find(&format!("{person} details.roles-edit summary")).await).await;
    b.click(&b.find(&format!("#role-{}-viewer", p.user)).await).await;
    b.click(&b.find(&format!("{person} form.roles-form button")).await).await;
    assert!(b.text(&b.find("div.error").await).await.contains("at least one role"));

    // A one-time password, shown once; the old one stops working; the new one must be changed.
    b.goto(&t.url(&format!("/admin/orgs/{}", p.org))).await;
    b.click(&b.find(&format!("{person} form.reset button")).await).await;
    let one_time = b.text(&b.find("#one-time-password").await).await;
    assert_eq!(one_time.len(), 20);
    let set = t.events(Some("user.password_set")).await;
    assert_eq!(data_of(set.last().unwrap())["one_time"], json!(true));
    let (_, old) = t.console_login(&moderator, PASSWORD).await;
    assert!(old.is_none(), "the old password no longer signs in");
    let (fresh, cookie) = t.console_login(&moderator, &one_time).await;
    assert!(cookie.is_some(), "the one-time password signs in: {}", fresh.body);
    let next = t.console_get("/dashboard", &cookie.unwrap()).await;
    assert_eq!(next.location.as_deref(), Some("/password"), "and must be changed first");

    // Tokens: revoked from the page, refused by the API from the next request.
    assert_eq!(t.get("/api/v1/tokens", &p.token).await.status.as_u16(), 200);
    b.goto(&t.url(&format!("/admin/orgs/{}", p.org))).await;
    b.click(&b.find(&format!("{person} form.revoke button")).await).await;
    assert!(b.text(&b.find("#admin-status").await).await.contains("revoked"));
    assert_eq!(t.get("/api/v1/tokens", &p.token).await.status.as_u16(), 401);
    sign_out(&t, &b).await;

    // Nobody but an administrator: the platform's former moderator is refused the page.
    let other = t.person(&p.org, &["moderator"]).await;
    let login = with_password(&t, &other, "moderator.two").await;
    sign_in(&t, &b, &login, "/queue").await;
    assert!(!menu(&b).await.contains(&"/admin".to_owned()));
    b.goto(&t.url(&format!("/admin/orgs/{}", p.org))).await;
    assert!(b.source().await.contains("these pages are for administrators"));
}

#[tokio::test]
async fn an_authority_s_profile_set_by_an_administrator_fills_in_its_new_order_forms() {
    let t = TestApp::start().await;
    let hub = t.member("hub", "Hub operations", &["admin"]).await;
    let admin = with_password(&t, &hub, "admin.profile").await;
    let a = t.authority().await;
    let analyst = with_password(&t, &a, "analyst.profile").await;
    let other = t.member("authority", "Another unit", &["reporter"]).await;
    let other_analyst = with_password(&t, &other, "analyst.other").await;
    let b = Browser::start().await;
    sign_in(&t, &b, &admin, "/admin").await;
    b.goto(&t.url(&format!("/admin/orgs/{}", a.org))).await;
    b.script("document.getElementById('pf-type').value = 'judicial'").await;
    b.type_into(&b.find("#pf-rep-name").await, "Claire Dubois").await;
    b.type_into(&b.find("#pf-rep-post").await, "Vice-procureure").await;
    b.type_into(&b.find("#pf-email").await, "not an address").await;
    b.type_into(&b.find("#pf-redress-body").await, "Tribunal administratif de Paris").await;
    b.type_into(&b.find("#pf-redress-deadline").await, "48").await;
    b.click(&b.find("#pf-hours").await).await;
    b.type_into(&b.find("#pf-redress-from").await, "receipt of the order").await;
    // The browser's own check would stop the form: send it as a page without script would.
    b.script("document.getElementById('pf-email').type = 'text'").await;
    b.click(&b.find("form.profile button").await).await;
    assert!(b.text(&b.find("div.error").await).await.contains("contact_email"));
    // What was typed is still there: only the address is changed.
    assert_eq!(b.attribute(&b.find("#pf-rep-name").await, "value").await.as_deref(), Some("Claire Dubois"));
    b.script("document.getElementById('pf-email').value = 'parquet@justice.example'").await;
    b.click(&b.find("form.profile button").await).await;
    assert!(b.text(&b.find("#admin-status").await).await.starts_with("Order profile saved"));
    axe(&b, "organisation with its order profile").await;
    sign_out(&t, &b).await;

    // Its reporters find the form filled in; they can still change it per order.
    sign_in(&t, &b, &analyst, "/orders").await;
    let value = |id: &'static str| {
        let b = &b;
        async move { b.attribute(&b.find(&format!("#{id}")).await, "value").await.unwrap_or_default() }
    };
    assert_eq!(value("representative_name").await, "Claire Dubois");
    assert_eq!(value("representative_post").await, "Vice-procureure");
    assert_eq!(value("contact_email").await, "parquet@justice.example");
    assert_eq!(value("redress_body").await, "Tribunal administratif de Paris");
    assert_eq!(value("redress_deadline").await, "48");
    assert_eq!(b.script("return document.getElementById('authority_type').value").await, "judicial");
    assert_eq!(b.script("return document.getElementById('redress-hours').checked").await, true);
    sign_out(&t, &b).await;

    // Another authority's form is not.
    sign_in(&t, &b, &other_analyst, "/orders").await;
    assert_eq!(value("representative_name").await, "");
    // Nor may a reporter set a profile.
    b.goto(&t.url(&format!("/admin/orgs/{}", a.org))).await;
    assert!(b.source().await.contains("these pages are for administrators"));
}

#[tokio::test]
async fn a_platform_integrator_registers_and_retires_terms_clauses_and_a_moderator_cannot() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await; // registers clause 4.2
    let integrator = with_password(&t, &p, "integrator.terms").await;
    let b = Browser::start().await;
    sign_in(&t, &b, &integrator, "/queue").await;
    assert!(menu(&b).await.contains(&"/terms".to_owned()));
    b.goto(&t.url("/terms")).await;
    assert!(b.text(&b.find("table.clauses tbody").await).await.contains("Violent extremism"));
    // A code is never reused.
    b.type_into(&b.find("#code").await, "4.2").await;
    b.type_into(&b.find("#title").await, "Something else").await;
    b.click(&b.find("form.new-clause button").await).await;
    b.find("div.error").await;
    assert_eq!(b.attribute(&b.find("#title").await, "value").await.as_deref(), Some("Something else"));
    b.goto(&t.url("/terms")).await;
    b.type_into(&b.find("#code").await, "5.1").await;
    b.type_into(&b.find("#title").await, "Glorification of violence").await;
    b.click(&b.find("form.new-clause button").await).await;
    b.wait_gone("div.error").await;
    let rows = b.find_all("table.clauses tbody tr").await;
    assert_eq!(rows.len(), 2);
    let clauses = t.get("/api/v1/terms-clauses", &p.token).await.expect(200);
    let id = clauses["terms_clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "5.1")
        .expect("the new clause, over the API too")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    axe(&b, "terms").await;
    b.screenshot("roles-terms-1280").await;
    b.click(&b.find(&format!("#clause-{id} form.retire button")).await).await;
    b.wait_gone(&format!("#clause-{id} form.retire")).await;
    assert!(b.text(&b.find(&format!("#clause-{id} .clause-state")).await).await.starts_with("retired"));
    sign_out(&t, &b).await;

    // A moderator reads the clauses (the decision form needs them) but does not register any.
    let moderator = t.person(&p.org, &["moderator"]).await;
    let login = with_password(&t, &moderator, "moderator.terms").await;
    sign_in(&t, &b, &login, "/queue").await;
    assert!(!menu(&b).await.contains(&"/terms".to_owned()));
    b.goto(&t.url("/terms")).await;
    b.type_into(&b.find("#code").await, "6.0").await;
    b.type_into(&b.find("#title").await, "Not theirs to add").await;
    b.click(&b.find("form.new-clause button").await).await;
    b.wait_gone("form.new-clause").await; // the refusal's page
    assert!(b.source().await.contains("only a platform's integrator registers its terms clauses"));
    assert_eq!(t.events(Some("terms_clause.registered")).await.len(), 2);
}

#[tokio::test]
async fn an_authority_sees_and_releases_its_holds_an_overseer_sees_them_and_a_platform_never_does() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let police = t.authority().await;
    let analyst = with_password(&t, &police, "analyst.holds").await;
    let ends = t.now().plus(vigie_model::Duration::from_days(90)).to_rfc3339();
    let instrument = json!({ "reference": "JI-2026-118", "issuing_body": "Juge d'instruction, tribunal judiciaire de Paris",
                             "ends_at": t.now().plus(vigie_model::Duration::from_days(60)).to_rfc3339() });
    let list = t
        .post("/api/v1/watchlists", &police.token, json!({ "name": "Operation Lantern", "legal_basis_ref": "CPP art. 706-16", "ends_at": ends, "hold_hours": 48, "instrument": instrument }))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entries = json!({ "entries": [{ "url": "https://video.example/v/watched" }] });
    t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, entries).await.expect(200);
    let receipt = t.notice("https://video.example/v/watched").await;
    let case = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200)["cases"]
        [0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let inbox = |t: &TestApp| {
        let token = p.token.clone();
        let url = t.url("/api/v1/inbox");
        let http = t.http.clone();
        async move {
            let v: Value = http.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
            v["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert!(!inbox(&t).await.contains(&case), "held from the platform");

    let b = Browser::start().await;
    // The platform: no page, no menu entry.
    let moderator = with_password(&t, &p, "moderator.holds").await;
    sign_in(&t, &b, &moderator, "/queue").await;
    assert!(!menu(&b).await.contains(&"/holds".to_owned()));
    b.goto(&t.url("/holds")).await;
    assert!(b.source().await.contains("holds are seen by their authority and by overseers"));
    assert!(!b.source().await.contains(&case));
    sign_out(&t, &b).await;

    // An overseer sees it, without a release button.
    let overseer = t.member("overseer", "Arcom", &["viewer"]).await;
    let watcher = with_password(&t, &overseer, "overseer.holds").await;
    sign_in(&t, &b, &watcher, "/log").await;
    b.click(&b.find("header nav a[href='/holds']").await).await;
    let row = b.text(&b.find("table.holds tbody tr").await).await;
    assert!(row.contains(&case) && row.contains("running, until in 48 h"), "{row}");
    assert!(b.try_find("form.release").await.is_none());
    sign_out(&t, &b).await;

    // The authority releases it: the case reaches its platform.
    sign_in(&t, &b, &analyst, "/orders").await;
    b.click(&b.find("header nav a[href='/holds']").await).await;
    axe(&b, "holds").await;
    b.screenshot("roles-holds-1280").await;
    b.click(&b.find("form.release button").await).await;
    b.wait_gone("form.release").await;
    assert!(b.text(&b.find("td.hold-state").await).await.contains("released by the authority"));
    assert!(inbox(&t).await.contains(&case));
}

#[tokio::test]
async fn a_platform_integrator_creates_and_edits_a_bank_from_its_menu() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let integrator = with_password(&t, &p, "integrator.banks").await;
    let b = Browser::start().await;
    sign_in(&t, &b, &integrator, "/queue").await;
    b.click(&b.find("header nav a[href='/banks']").await).await;
    b.find("p.empty").await;
    // A name a bank cannot have is refused beside the form.
    b.type_into(&b.find("#bank-name").await, "no spaces allowed").await;
    b.click(&b.find("form.new-bank button").await).await;
    assert!(b.text(&b.find("#new-bank-h ~ div.error").await).await.contains("name"));
    b.type_into(&b.find("#bank-name").await, "VIOLENT_EXTREMISM").await;
    b.click(&b.find("#bank-stay").await).await;
    b.click(&b.find("form.new-bank button").await).await;
    let section = b.find("section.bank").await;
    let id = b.attribute(&section, "id").await.unwrap().trim_start_matches("bank-").to_owned();
    let api = t.get(&format!("/api/v1/banks/{id}"), &p.token).await.expect(200);
    assert_eq!((api["name"].as_str(), api["stay_down"].as_bool()), (Some("VIOLENT_EXTREMISM"), Some(true)), "{api}");
    axe(&b, "banks").await;
    b.screenshot("roles-banks-1280").await;
    // Edit: a closer threshold, no stay-down.
    let threshold = b.find(&format!("#threshold-{id}")).await;
    b.script(&format!("document.getElementById('threshold-{id}').value = '10'")).await;
    let _ = threshold;
    b.click(&b.find(&format!("#stay-{id}")).await).await;
    b.click(&b.find(&format!("#bank-{id} form.bank-edit button")).await).await;
    b.wait_url(&format!("#bank-{id}")).await;
    let api = t.get(&format!("/api/v1/banks/{id}"), &p.token).await.expect(200);
    assert_eq!((api["threshold"].as_u64(), api["stay_down"].as_bool()), (Some(10), Some(false)), "{api}");
    sign_out(&t, &b).await;

    let moderator = t.person(&p.org, &["moderator"]).await;
    let login = with_password(&t, &moderator, "moderator.banks").await;
    sign_in(&t, &b, &login, "/queue").await;
    assert!(!menu(&b).await.contains(&"/banks".to_owned()));
}

/// A webhook message that used up its attempts is a dead letter: the platform's integrator finds
/// it on its own page (and its count on the dashboard), with its type, delivery id, endpoint,
/// attempts, last error and time, and puts it back, as the API's retry does. An endpoint that
/// answers 500 makes it; the delivery worker is stepped, never waited for.
#[tokio::test]
async fn a_platform_integrator_finds_its_dead_letters_and_puts_one_back() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let other = t.platform("other.example").await;
    let attempts = vigie_app::delivery::MAX_ATTEMPTS as usize;
    *rx.script.lock().unwrap() = vec![500; attempts];
    t.notice("https://video.example/v/1").await;
    for n in 1..=attempts {
        t.deliver().await;
        assert_eq!(rx.hits().len(), n, "attempt {n}");
        // Past the longest backoff: the next attempt is due.
        t.advance(vigie_model::Duration::from_mins(10));
    }
    t.deliver().await;
    assert_eq!(rx.hits().len(), attempts, "nothing more is tried");
    let dead = t.get("/api/v1/deliveries/dead", &p.token).await.expect(200)["deliveries"].clone();
    let id = dead[0]["id"].as_str().unwrap().to_owned();

    let integrator = with_password(&t, &p, "integrator.letters").await;
    let b = Browser::start().await;
    sign_in(&t, &b, &integrator, "/queue").await;
    b.goto(&t.url("/dashboard")).await;
    assert_eq!(b.text(&b.find("#dead-letters .stat-value").await).await, "1");
    b.click(&b.find("header nav a[href='/dead-letters']").await).await;
    let row = b.text(&b.find(&format!("#letter-{id}")).await).await;
    for part in ["case.opened", id.as_str(), rx.url.as_str(), &attempts.to_string(), "500", "ago"] {
        assert!(row.contains(part), "{part} missing from: {row}");
    }
    axe(&b, "dead letters").await;
    b.screenshot("roles-dead-letters-1280").await;

    // Put back: due at once, attempts counted afresh, delivered by the next pass.
    b.click(&b.find(&format!("#letter-{id} form.retry button")).await).await;
    b.wait_url("retried=").await;
    assert!(b.text(&b.find("#retried").await).await.contains(&id));
    b.find("#no-dead-letters").await;
    let back = t.get(&format!("/api/v1/deliveries/{id}"), &p.token).await.expect(200);
    assert!(back["dead_at"].is_null(), "{back}");
    let requeued = t.events(Some("delivery.requeued")).await;
    assert_eq!((requeued.len(), data_of(&requeued[0])["delivery"].as_str()), (1, Some(id.as_str())));
    assert_eq!(data_of(&requeued[0])["attempts"], json!(attempts));
    // The retry woke the worker; a pass stepped here ends after any it is already making.
    t.deliver().await;
    assert!(rx.hits().len() > attempts, "sent again");
    let delivered = t.get(&format!("/api/v1/deliveries/{id}"), &p.token).await.expect(200);
    assert!(delivered["delivered_at"].is_string(), "{delivered}");
    b.goto(&t.url("/dashboard")).await;
    assert_eq!(b.text(&b.find("#dead-letters .stat-value").await).await, "0");
    // A second retry of the same message (an old tab) is refused beside the list, nothing logged.
    let cookie = t.console_login(&integrator, PASSWORD).await.1.unwrap();
    let page = t.console_get("/dead-letters", &cookie).await;
    let again = t.console_post(&format!("/dead-letters/{id}/retry"), &cookie, &[("csrf", &page.csrf())]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("not a dead letter"), "{}", again.body);
    assert_eq!(t.events(Some("delivery.requeued")).await.len(), 1);
    sign_out(&t, &b).await;

    // Another platform's integrator sees none of them and cannot put one back; a moderator who
    // is not an integrator has no such page.
    let theirs = with_password(&t, &other, "integrator.other").await;
    let cookie = t.console_login(&theirs, PASSWORD).await.1.unwrap();
    let page = t.console_get("/dead-letters", &cookie).await;
    assert!(page.body.contains("id=\"no-dead-letters\""), "{}", page.body);
    let foreign = t.console_post(&format!("/dead-letters/{id}/retry"), &cookie, &[("csrf", &page.csrf())]).await;
    assert_eq!(foreign.status, 404);
    let moderator = t.person(&p.org, &["moderator"]).await;
    let login = with_password(&t, &moderator, "moderator.letters").await;
    sign_in(&t, &b, &login, "/queue").await;
    assert!(!menu(&b).await.contains(&"/dead-letters".to_owned()));
    b.goto(&t.url("/dashboard")).await;
    b.find("#signed-in").await;
    assert!(!b.source().await.contains("id=\"dead-letters\""));
    let cookie = t.console_login(&login, PASSWORD).await.1.unwrap();
    assert_eq!(t.console_get("/dead-letters", &cookie).await.status, 403);
}
