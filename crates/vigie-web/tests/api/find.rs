//! Working a shift (step 10, "find"): the order clock's stepped warnings, the running orders in
//! the header and the tab's title, the search box, the decision log and its export, an account's
//! history, and deciding the copies of one content together. In a real Chromium, with and
//! without script.

use std::time::{Duration as StdDuration, Instant};

use serde_json::{Value, json};
use vigie_model::Duration;

use crate::console::{PASSWORD, attach, case_of, sign_in_to, with_password};
use crate::helpers::*;
use crate::webdriver::Browser;

async fn case_of_notice(t: &TestApp, body: Value) -> String {
    let receipt = t.post_anonymous("/api/v1/notices", body).await.expect(201);
    case_of(t, &receipt).await
}

async fn case_at(t: &TestApp, url: &str) -> String {
    case_of_notice(t, notice_body(url)).await
}

fn removal(explanation: &str) -> Value {
    json!({ "action": "remove", "explanation": explanation, "legal_basis": "eu.tco.2-7-a",
            "purpose": "none", "purpose_rationale": "recruitment" })
}

/// Moves the manual clock so that `left` remains before `deadline`.
fn leave(t: &TestApp, deadline: vigie_model::Timestamp, left: Duration) {
    let target = deadline.plus(Duration::from_micros(-left.as_micros()));
    let by = target.since(t.now());
    assert!(by.as_micros() >= 0, "the clock only moves forward");
    t.advance(by);
}

async fn classes(b: &Browser, css: &str) -> String {
    b.attribute(&b.find(css).await, "class").await.unwrap_or_default()
}

async fn title(b: &Browser) -> String {
    b.script("return document.title").await.as_str().unwrap_or_default().to_owned()
}

/// Polls the page until `check` holds, or fails after 15 seconds of real time.
async fn until(b: &Browser, what: &str, js: &str) {
    let deadline = Instant::now() + StdDuration::from_secs(15);
    loop {
        if b.script(js).await == Value::Bool(true) {
            return;
        }
        assert!(Instant::now() < deadline, "{what} did not happen");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
}

/// A platform with a received order (its hour runs from now), and its moderator's login.
async fn ordered(t: &TestApp, login: &str) -> (Member, Member, String, vigie_model::Timestamp) {
    let p = t.platform("video.example").await;
    let login = with_password(t, &p, login).await;
    let a = t.authority().await;
    t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/order"])).await.expect(201);
    // Reading the inbox is receipt: the hour starts.
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let deadline = t.now().plus(Duration::from_hours(1));
    (p, a, login, deadline)
}

#[tokio::test]
async fn an_orders_clock_steps_up_at_30_15_and_5_minutes_drawn_by_the_server() {
    let t = TestApp::start().await;
    let (_, _, login, deadline) = ordered(&t, "moderator.steps").await;
    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    for (left, step, words) in [
        (31, "step-calm", ""),
        (29, "step-30", "30 minutes or less left"),
        (14, "step-15", "15 minutes or less left"),
        (4, "step-5", "5 minutes or less left: act now"),
    ] {
        leave(&t, deadline, Duration::from_mins(left));
        b.goto(&t.url("/queue")).await;
        // The queue's clock and the header's both say it, by class and in words.
        for scope in ["tr[data-row]", "#orders-running"] {
            let clock = classes(&b, &format!("{scope} time.countdown")).await;
            assert!(clock.split(' ').any(|c| c == step), "{left} min left, {scope}: {clock}");
            let said = b.find(&format!("{scope} .clock-step")).await;
            assert_eq!(b.text(&said).await, words, "{left} min left, {scope}");
            assert_eq!(b.attribute(&said, "aria-live").await.as_deref(), Some("polite"));
            assert!(classes(&b, &format!("{scope} .clock-step")).await.contains(step));
        }
        assert_eq!(title(&b).await, format!("(1 order · in {left} min) Queue · Vigie"));
        b.screenshot(&format!("find-clock-{left}")).await;
    }
    // Past the deadline: late, in words too.
    leave(&t, deadline.plus(Duration::from_mins(2)), Duration::from_mins(0));
    b.goto(&t.url("/queue")).await;
    assert_eq!(b.text(&b.find("#orders-running .clock-step").await).await, "the hour has passed");
    assert!(title(&b).await.starts_with("(1 order · late, due 2 min ago) "), "{}", title(&b).await);
}

#[tokio::test]
async fn an_orders_clock_steps_up_live_in_the_page_and_the_title() {
    let t = TestApp::start().await;
    let (_, _, login, deadline) = ordered(&t, "moderator.live").await;
    let b = Browser::start().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    for (step, words) in [
        ("step-30", "30 minutes or less left"),
        ("step-15", "15 minutes or less left"),
        ("step-5", "5 minutes or less left: act now"),
    ] {
        let mins: i64 = step.trim_start_matches("step-").parse().unwrap();
        // Three seconds before the step, drawn calm or one step lower; the script steps it up.
        leave(&t, deadline, Duration::from_secs(mins * 60 + 3));
        b.goto(&t.url("/queue")).await;
        let before = classes(&b, "tr[data-row] time.countdown").await;
        assert!(!before.contains(step), "not yet: {before}");
        until(
            &b,
            &format!("the queue's clock reaching {step}"),
            &format!(
                "var c = document.querySelector('tr[data-row] time.countdown');
                 var w = document.querySelector('tr[data-row] .clock-step');
                 return c.classList.contains('{step}') && w.textContent === '{words}';"
            ),
        )
        .await;
        until(
            &b,
            "the header's clock stepping up",
            &format!("return document.querySelector('#orders-running .clock-step').textContent === '{words}';"),
        )
        .await;
        let expect = format!("(1 order · in {} min) Queue · Vigie", mins - 1);
        until(&b, "the title following the clock", &format!("return document.title === '{expect}';")).await;
    }
    b.screenshot("find-clock-live").await;
}

#[tokio::test]
async fn the_running_orders_show_in_the_header_and_title_of_every_page() {
    let t = TestApp::start().await;
    let (p, a, login, _) = ordered(&t, "moderator.menu").await;
    t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/second"])).await.expect(201);
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.advance(Duration::from_mins(10));
    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    for (path, name) in
        [("/queue", "Queue"), ("/decided", "Decided cases"), ("/search", "Search cases"), ("/settings", "Settings")]
    {
        b.goto(&t.url(path)).await;
        let header = b.text(&b.find("#orders-running").await).await;
        assert!(header.starts_with("2 orders running, most urgent in 50 min"), "{path}: {header}");
        assert_eq!(title(&b).await, format!("(2 orders · in 50 min) {name} · Vigie"), "{path}");
    }
    // The issuing authority sees the orders it issued.
    let reporter = with_password(&t, &a, "analyst.menu").await;
    let b2 = Browser::without_javascript().await;
    sign_in_to(&t, &b2, &reporter, "/orders").await;
    for path in ["/orders", "/referrals", "/dashboard"] {
        b2.goto(&t.url(path)).await;
        let header = b2.text(&b2.find("#orders-running").await).await;
        assert!(header.starts_with("2 orders running, most urgent in 50 min"), "{path}: {header}");
        assert!(title(&b2).await.starts_with("(2 orders · in 50 min) "), "{path}");
        let link = b2.find("#orders-running a").await;
        assert_eq!(b2.attribute(&link, "href").await.as_deref(), Some("/orders"));
    }
    // Another platform has none: the header says so and the title stays plain.
    let other = t.platform("other.example").await;
    let other_login = with_password(&t, &other, "moderator.other").await;
    let b3 = Browser::without_javascript().await;
    sign_in_to(&t, &b3, &other_login, "/queue").await;
    assert_eq!(b3.text(&b3.find("#orders-running").await).await, "No order running");
    assert_eq!(title(&b3).await, "Queue · Vigie");
}

#[tokio::test]
async fn one_search_box_finds_a_case_by_each_key_within_the_platform_only() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.search").await;
    let q = t.platform("other.example").await;
    let a = t.authority().await;

    let by_url = case_at(&t, "https://video.example/v/1?b=2&utm_source=mail").await;
    let by_account = case_of_notice(
        &t,
        json!({ "explanation": "Recruiter.", "good_faith": true,
                "locations": [{ "kind": "account", "url": "https://video.example/@recruiter", "account_id": "acct-998877" }] }),
    )
    .await;
    let by_content = case_of_notice(
        &t,
        json!({ "explanation": "A clip.", "good_faith": true,
                "locations": [{ "url": "https://video.example/v/content", "content_id": "clip-4242" }] }),
    )
    .await;
    let md5 = "0123456789abcdef0123456789abcdef";
    let by_md5 = case_of_notice(
        &t,
        json!({ "explanation": "A picture.", "good_faith": true,
                "locations": [{ "url": "https://video.example/p/md5", "media_md5": md5.to_uppercase() }] }),
    )
    .await;
    let by_media = case_at(&t, "https://video.example/p/attached").await;
    let media = attach(&t, &p, &by_media, png(96, 80)).await;
    let sha = media["sha256"].as_str().unwrap().to_owned();
    let pdq = media["pdq"].as_str().unwrap().to_owned();
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/ordered"])).await.expect(201);
    let order_id = order["id"].as_str().unwrap().to_owned();
    let by_order = t.get(&format!("/api/v1/orders/{order_id}"), &a.token).await.expect(200)["cases"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Another platform's case on the same account id, content id and URL path.
    let theirs = case_of_notice(
        &t,
        json!({ "explanation": "Same id elsewhere.", "good_faith": true,
                "locations": [{ "kind": "account", "url": "https://other.example/@recruiter", "account_id": "acct-998877" }] }),
    )
    .await;
    let theirs_media = case_at(&t, "https://other.example/p/attached").await;
    attach(&t, &q, &theirs_media, png(96, 80)).await;

    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    let search = |query: String| {
        let b = &b;
        let t = &t;
        async move {
            b.goto(&t.url("/search")).await;
            b.type_into(&b.find("#q").await, &query).await;
            b.click(&b.find("form.search button[type=submit]").await).await;
            b.wait_url("/search?q=").await;
            let mut found = Vec::new();
            for row in b.find_all("#found tbody tr").await {
                let id = b.attribute(&row, "id").await.unwrap().trim_start_matches("found-").to_owned();
                let by = b.text(&b.find(&format!("#found-{id} td.by")).await).await;
                found.push((id, by));
            }
            found
        }
    };
    let one = |id: &str, by: &str| vec![(id.to_owned(), by.to_owned())];
    assert_eq!(search(by_url.clone()).await, one(&by_url, "case id"));
    assert_eq!(search("HTTPS://Video.Example/v/1/?utm_campaign=x#top".into()).await, one(&by_url, "URL"));
    assert_eq!(search("acct-998877".into()).await, one(&by_account, "account"));
    assert_eq!(search("clip-4242".into()).await, one(&by_content, "content id"));
    assert_eq!(search(md5.into()).await, one(&by_md5, "hash"));
    assert_eq!(search(sha.to_uppercase()).await, one(&by_media, "hash"), "SHA-256 of attached media");
    assert_eq!(search(pdq).await, one(&by_media, "hash"), "PDQ of attached media");
    assert_eq!(search("FR-IRU-2026-0042".into()).await, one(&by_order, "order"));
    assert_eq!(search(order_id).await, one(&by_order, "order"));
    b.screenshot("find-search-1280").await;
    // The other platform's case exists, but not here.
    assert!(search(theirs.clone()).await.is_empty());
    assert_eq!(b.text(&b.find("#no-result").await).await, format!("No case of your platform matches {theirs}."));
    assert!(search("https://other.example/p/attached".into()).await.is_empty());
    // And the account's history lists this platform's case only.
    b.goto(&t.url("/accounts?id=acct-998877")).await;
    let rows: Vec<String> = {
        let mut v = Vec::new();
        for r in b.find_all("#history tbody tr").await {
            v.push(b.attribute(&r, "id").await.unwrap());
        }
        v
    };
    assert_eq!(rows, [format!("history-{by_account}")]);
}

#[tokio::test]
async fn the_decision_log_shows_who_decided_what_on_which_ground_and_exports_it() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.log").await;
    let colleague = t.person(&p.org, &["moderator"]).await;
    let mine = case_at(&t, "https://video.example/v/mine").await;
    let theirs = case_at(&t, "https://video.example/v/theirs").await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let text = "Calls for attacks, with a \"quote\", a comma and =1+1.";
    let d1 = t.post(&format!("/api/v1/cases/{mine}/decision"), &p.token, removal(text)).await.expect(201);
    t.advance(Duration::from_mins(3));
    let terms = json!({ "action": "remove", "explanation": "Against clause 4.2.", "terms_clause": "4.2" });
    let d2 = t.post(&format!("/api/v1/cases/{theirs}/decision"), &colleague.token, terms).await.expect(201);

    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    b.goto(&t.url("/decisions")).await;
    let rows = b.find_all("#log tbody tr").await;
    assert_eq!(rows.len(), 1, "my decisions only");
    assert_eq!(b.text(&b.find(&format!("#log-{mine} td.who")).await).await, "you");
    let ground = b.text(&b.find(&format!("#log-{mine} td.ground")).await).await;
    let basis = vigie_model::decision::taxonomy().get("eu.tco.2-7-a").unwrap().title.clone();
    assert_eq!(ground, basis, "the ground by its title");
    let when = b.find(&format!("#log-{mine} time")).await;
    assert_eq!(b.text(&when).await, "3 min ago");
    assert_eq!(b.attribute(&when, "title").await.as_deref(), d1["decided_at"].as_str(), "the exact time on hover");
    b.screenshot("find-decisions-1280").await;

    b.goto(&t.url("/decisions?who=recent")).await;
    assert_eq!(b.find_all("#log tbody tr").await.len(), 2);
    let first = b.attribute(&b.find_all("#log tbody tr").await[0], "id").await.unwrap();
    assert_eq!(first, format!("log-{theirs}"), "the newest first");
    assert_eq!(b.text(&b.find(&format!("#log-{theirs} td.who")).await).await, "Test Person");
    assert_eq!(b.text(&b.find(&format!("#log-{theirs} td.ground")).await).await, "Terms 4.2: Violent extremism");

    // The export: exact times, ids and codes, and none of the statement's text.
    let (_, cookie) = t.console_login(&login, PASSWORD).await;
    let cookie = cookie.unwrap();
    let csv = t.console_get("/decisions.csv?who=recent", &cookie).await;
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[0].starts_with("decision_id,case_id,decided_at,decided_by,action,legal_basis,ground_title,"));
    let row: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(
        row[..6],
        [
            d1["id"].as_str().unwrap(),
            mine.as_str(),
            d1["decided_at"].as_str().unwrap(),
            p.user.as_str(),
            "remove",
            "eu.tco.2-7-a"
        ]
    );
    assert!(lines[1].starts_with(&format!("{},{theirs},", d2["id"].as_str().unwrap())));
    assert!(
        lines[1].contains(&format!(",{},remove,,Terms 4.2: Violent extremism,4.2,", colleague.user)),
        "{}",
        lines[1]
    );
    assert!(!csv.body.contains("Calls for attacks") && !csv.body.contains("Against clause"), "no free text");
    assert!(!csv.body.contains("Test Person"), "no names");
    let mine_only = t.console_get("/decisions.csv", &cookie).await;
    assert_eq!(mine_only.body.lines().count(), 2);
    // Another platform's moderator exports only its own (none).
    let q = t.platform("other.example").await;
    let other = with_password(&t, &q, "moderator.elsewhere").await;
    let (_, theirs_cookie) = t.console_login(&other, PASSWORD).await;
    let elsewhere = t.console_get("/decisions.csv?who=recent", &theirs_cookie.unwrap()).await;
    assert_eq!(elsewhere.body.lines().count(), 1, "{}", elsewhere.body);
}

#[tokio::test]
async fn an_accounts_history_lists_its_cases_with_their_decisions() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.account").await;
    let account = |url: &str| {
        json!({ "explanation": "Recruiter.", "good_faith": true,
                "locations": [{ "kind": "account", "url": url, "account_id": "acct-1" }] })
    };
    let first = case_of_notice(&t, account("https://video.example/@old-handle")).await;
    let other = case_of_notice(
        &t,
        json!({ "explanation": "Other.", "good_faith": true,
                "locations": [{ "kind": "account", "url": "https://video.example/@someone", "account_id": "acct-2" }] }),
    )
    .await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let suspend = json!({ "action": "suspend_account", "explanation": "Recruits.", "legal_basis": "eu.tco.2-7-a",
                          "purpose": "none", "purpose_rationale": "recruitment", "until": "2027-12-31T00:00:00Z" });
    t.post(&format!("/api/v1/cases/{first}/decision"), &p.token, suspend).await.expect(201);

    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    b.goto(&t.url(&format!("/cases/{first}"))).await;
    b.click(&b.find("#account-history").await).await;
    b.wait_url("/accounts?id=acct-1").await;
    let rows = b.find_all("#history tbody tr").await;
    assert_eq!(rows.len(), 1);
    let decision = b.text(&b.find(&format!("#history-{first} td.decision")).await).await;
    assert!(decision.starts_with("Suspend the account, on "), "{decision}");
    assert!(b.try_find(&format!("#history-{other}")).await.is_none());
    b.screenshot("find-account-1280").await;
}

#[tokio::test]
async fn copies_of_one_content_are_decided_together_each_with_its_own_decision_and_statement() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.bulk").await;
    let image = png(120, 90);
    let main = case_at(&t, "https://video.example/v/original").await;
    let same_hash = case_at(&t, "https://video.example/v/reupload").await;
    let same_url = case_at(&t, "https://video.example/v/original?list=7").await;
    let unrelated = case_at(&t, "https://video.example/v/unrelated").await;
    let decided_already = case_at(&t, "https://video.example/v/decided-copy").await;
    for c in [&main, &same_hash, &decided_already] {
        attach(&t, &p, c, image.clone()).await;
    }
    attach(&t, &p, &unrelated, png(64, 64)).await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{decided_already}/decision"), &p.token, removal("Earlier.")).await.expect(201);
    let decisions_before = t.events(Some("case.decided")).await.len();

    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    b.goto(&t.url(&format!("/cases/{main}"))).await;
    let mut offered = Vec::new();
    for input in b.find_all("#copies input[name=copies]").await {
        offered.push(b.attribute(&input, "value").await.unwrap());
    }
    assert_eq!(offered, [same_hash.clone(), same_url.clone()], "open copies only, by hash then by URL family");
    let label = b.text(&b.find(&format!("label[for=copy-{same_url}]")).await).await;
    assert!(label.ends_with("same URL, other parameters"), "{label}");
    b.click(&b.find(&format!("#copy-{same_hash}")).await).await;
    b.click(&b.find(&format!("#copy-{same_url}")).await).await;
    b.script(
        "document.getElementById('action').value = 'remove';
         document.getElementById('ground').value = 'law:eu.tco.2-7-a';
         document.getElementById('purpose').value = 'none';",
    )
    .await;
    b.type_into(&b.find("#purpose_rationale").await, "recruitment").await;
    b.type_into(&b.find("#explanation").await, "The same recruitment video, posted again.").await;
    b.script("document.getElementById('copies').scrollIntoView()").await;
    b.screenshot("find-copies-1280").await;
    b.click(&b.find("button[value=decide]").await).await;
    b.wait_url("/queue?decided=").await;
    let said = b.text(&b.find("#decided").await).await;
    assert!(said.contains("Also 2 copies of it, each with its own decision"), "{said}");

    // Three decisions, three events, three statements of reasons, each about its own case.
    let events = t.events(Some("case.decided")).await;
    assert_eq!(events.len() - decisions_before, 3);
    let mut subjects: Vec<String> =
        events[decisions_before..].iter().map(|e| e["subject"].as_str().unwrap().to_owned()).collect();
    subjects.sort();
    let mut expected = vec![main.clone(), same_hash.clone(), same_url.clone()];
    expected.sort();
    assert_eq!(subjects, expected);
    let mut ids = Vec::new();
    for c in [&main, &same_hash, &same_url] {
        let case = t.get(&format!("/api/v1/cases/{c}"), &p.token).await.expect(200);
        assert_eq!(case["decision"]["action"], "remove");
        ids.push(case["decision"]["id"].as_str().unwrap().to_owned());
        t.get(&format!("/api/v1/statements/{}", ids.last().unwrap()), &p.token).await.expect(200);
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "one decision each");
    let now = t.now();
    let owing = t
        .app
        .store()
        .read(move |r| {
            vigie_app::statements::statements(
                r,
                vigie_model::Timestamp::from_micros(0),
                now.plus(Duration::from_secs(1)),
                now,
                vigie_app::statements::StatementOptions { include_orders: true },
            )
        })
        .await
        .unwrap();
    assert_eq!(owing.statements.len(), 4, "the three, and the earlier decision");
    let unrelated_case = t.get(&format!("/api/v1/cases/{unrelated}"), &p.token).await.expect(200);
    assert!(unrelated_case["decision"].is_null(), "what was not ticked is not decided");
}

#[tokio::test]
async fn a_case_that_is_no_copy_cannot_be_slipped_into_a_decision() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.slip").await;
    let main = case_at(&t, "https://video.example/v/a").await;
    let stranger = case_at(&t, "https://video.example/v/b").await;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    let (page, cookie) = t.console_login(&login, PASSWORD).await;
    assert_eq!(page.status, 303);
    let cookie = cookie.unwrap();
    let csrf = t.console_get(&format!("/cases/{main}"), &cookie).await.csrf();
    let res = t
        .console_post(
            &format!("/cases/{main}/decide"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("intent", "decide"),
                ("action", "remove"),
                ("ground", "law:eu.tco.2-7-a"),
                ("purpose", "none"),
                ("purpose_rationale", "recruitment"),
                ("explanation", "Recruits."),
                ("copies", &stranger),
            ],
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert!(t.events(Some("case.decided")).await.is_empty(), "nothing was decided");
}

#[tokio::test]
async fn axe_finds_nothing_serious_on_the_finding_pages() {
    let path = std::env::var("VIGIE_AXE_JS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/axe/node_modules/axe-core/axe.min.js").to_owned()
    });
    let script = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core is missing at {path} ({e})"));
    let t = TestApp::start().await;
    let (p, _, login, deadline) = ordered(&t, "moderator.axe").await;
    let case = case_of_notice(
        &t,
        json!({ "explanation": "Recruiter.", "good_faith": true,
                "locations": [{ "kind": "account", "url": "https://video.example/@r", "account_id": "acct-axe" }] }),
    )
    .await;
    let copy = case_at(&t, "https://video.example/v/order?x=1").await;
    let _ = copy;
    t.get("/api/v1/inbox", &p.token).await.expect(200);
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal("Recruits.")).await.expect(201);
    leave(&t, deadline, Duration::from_mins(4));
    let b = Browser::start().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    let order_case = t.get("/api/v1/inbox", &p.token).await.expect(200)["cases"][0]["id"].as_str().unwrap().to_owned();
    let mut serious = Vec::new();
    for path in [
        "/queue".to_owned(),
        "/search?q=acct-axe".to_owned(),
        "/search?q=nothing".to_owned(),
        "/decisions".to_owned(),
        "/decisions?who=recent".to_owned(),
        "/accounts?id=acct-axe".to_owned(),
        "/queue?tier=order".to_owned(),
        format!("/cases/{order_case}"),
    ] {
        b.goto(&t.url(&path)).await;
        b.script(&script).await;
        let found = b
            .script_async(
                "var done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(function (r) { done(r.violations.map(function (v) {
                     return { id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.target.join(' '); }) }; })); })
                   .catch(function (e) { done({ error: String(e) }); });",
            )
            .await;
        assert!(found.get("error").is_none(), "axe failed on {path}: {found}");
        for v in found.as_array().cloned().unwrap_or_default() {
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                serious.push(json!({ "page": path, "violation": v }));
            }
        }
    }
    assert!(serious.is_empty(), "{}", serde_json::to_string_pretty(&serious).unwrap());
}

#[tokio::test]
async fn a_moderator_saves_a_view_of_the_queue_that_only_they_see() {
    let t = TestApp::start().await;
    let (p, _, login, _) = ordered(&t, "moderator.views").await;
    let public = case_at(&t, "https://video.example/v/public").await;
    let colleague = t.person(&p.org, &["moderator"]).await;
    let colleague_login = with_password(&t, &colleague, "moderator.colleague").await;
    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    assert_eq!(b.find_all("tr[data-row]").await.len(), 2);
    assert!(b.try_find("form.save-view").await.is_none(), "no filter, nothing to save");
    // Filter to removal orders nobody else holds, and save that as a view.
    b.script("document.getElementById('tier').value = 'order';").await;
    b.click(&b.find("#f-unclaimed").await).await;
    b.click(&b.find("form.filters button[type=submit]").await).await;
    b.wait_url("tier=order").await;
    b.type_into(&b.find("#view-name").await, "Orders, mine to take").await;
    b.click(&b.find("form.save-view button[type=submit]").await).await;
    b.wait_url("/queue?tier=order&unclaimed=1").await;
    let link = b.find("#views a").await;
    assert_eq!(b.text(&link).await, "Orders, mine to take");
    assert_eq!(b.attribute(&link, "aria-current").await.as_deref(), Some("page"));
    b.screenshot("find-views-1280").await;
    // Back to the whole queue; the view brings its filters back.
    b.goto(&t.url("/queue")).await;
    assert_eq!(b.find_all("tr[data-row]").await.len(), 2);
    b.click(&b.find("#views a").await).await;
    b.wait_url("tier=order").await;
    let rows = b.find_all("tr[data-row]").await;
    assert_eq!(rows.len(), 1);
    assert_ne!(b.attribute(&rows[0], "data-row").await.as_deref(), Some(public.as_str()));
    // A colleague of the same platform does not see it.
    let b2 = Browser::without_javascript().await;
    sign_in_to(&t, &b2, &colleague_login, "/queue").await;
    assert!(b2.find_all("#views a").await.is_empty());
    // Nor may they delete it.
    let id = b.attribute(&b.find("#views li").await, "id").await.unwrap().trim_start_matches("view-").to_owned();
    let (_, cookie) = t.console_login(&colleague_login, PASSWORD).await;
    let cookie = cookie.unwrap();
    let csrf = t.console_get("/queue", &cookie).await.csrf();
    let res = t.console_post(&format!("/queue/views/{id}/delete"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(res.status, 404);
    // A view of filters the queue does not know is refused by name.
    let res = t.console_post("/queue/views", &cookie, &[("csrf", &csrf), ("name", "x"), ("tier", "everything")]).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("tier"), "{}", res.body);
    // Its owner deletes it.
    b.click(&b.find(&format!("#view-{id} button")).await).await;
    b.wait_gone(&format!("#view-{id}")).await;
    assert_eq!(b.text(&b.find("#views p.muted").await).await, "No saved view yet.");
}

#[tokio::test]
async fn a_held_case_is_never_found_nor_offered_as_a_copy() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.held").await;
    let police = t.authority().await;
    let ends = t.now().plus(Duration::from_days(90)).to_rfc3339();
    let instrument = json!({ "reference": "JI-2026-7", "issuing_body": "Juge d'instruction, tribunal judiciaire de Paris",
                             "ends_at": t.now().plus(Duration::from_days(60)).to_rfc3339() });
    let list = t
        .post(
            "/api/v1/watchlists",
            &police.token,
            json!({ "name": "Operation Quiet", "legal_basis_ref": "CPP art. 706-16",
                                                         "ends_at": ends, "hold_hours": 48, "instrument": instrument }),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entries = json!({ "entries": [{ "url": "https://video.example/v/watched" }] });
    t.post(&format!("/api/v1/watchlists/{list}/entries"), &police.token, entries).await.expect(200);
    let held = case_at(&t, "https://video.example/v/watched").await;
    let open = case_at(&t, "https://video.example/v/watched?part=2").await;
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 1, "the held case is not in the inbox");

    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    for query in ["https://video.example/v/watched".to_owned(), held.clone()] {
        b.goto(&t.url(&format!("/search?q={}", query.replace(':', "%3A").replace('/', "%2F")))).await;
        let mut found = Vec::new();
        for row in b.find_all("#found tbody tr").await {
            found.push(b.attribute(&row, "id").await.unwrap());
        }
        let expected: Vec<String> = if query == held { vec![] } else { vec![format!("found-{open}")] };
        assert_eq!(found, expected, "{query}");
    }
    b.goto(&t.url(&format!("/cases/{open}"))).await;
    b.find("form.decision").await;
    assert!(b.try_find("#copies").await.is_none(), "the held case is no copy to offer");
}

#[tokio::test]
async fn routing_rules_send_new_cases_to_a_teams_queue_and_its_lead_sees_figures() {
    let path = std::env::var("VIGIE_AXE_JS").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/axe/node_modules/axe-core/axe.min.js").to_owned()
    });
    let axe = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("axe-core is missing at {path} ({e})"));
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let lead_login = with_password(&t, &p, "moderator.lead").await;
    let colleague = t.person(&p.org, &["moderator"]).await;
    let colleague_login = with_password(&t, &colleague, "moderator.member").await;
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    let hub = orgs["orgs"].as_array().unwrap().iter().find(|o| o["kind"] == "hub").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = t.person(&hub, &["admin"]).await;
    let admin_login = with_password(&t, &admin, "operator.teams").await;

    // The administrator sets up two teams and two rules: orders to the orders desk first, then
    // everything on video.example to the general desk.
    // With script: axe runs in the page.
    let b = Browser::start().await;
    sign_in_to(&t, &b, &admin_login, "/admin").await;
    b.goto(&t.url(&format!("/admin/orgs/{}", p.org))).await;
    b.click(&b.find("#teams-link").await).await;
    b.wait_url("/teams").await;
    for name in ["Orders desk", "General desk"] {
        b.type_into(&b.find("#team-name").await, name).await;
        b.click(&b.find("form.add-team button").await).await;
        b.wait_url("/teams").await;
        eventually_text(&b, "#teams", name).await;
    }
    let mut teams = Vec::new();
    for row in b.find_all("#teams tbody tr").await {
        let id = b.attribute(&row, "id").await.unwrap().trim_start_matches("team-").to_owned();
        teams.push((b.text(&b.find(&format!("#team-{id} td")).await).await, id));
    }
    let team = |name: &str| teams.iter().find(|(n, _)| n == name).unwrap().1.clone();
    let (orders_desk, general) = (team("Orders desk"), team("General desk"));
    // The lead leads the orders desk and sits in the general desk; the colleague only the latter.
    for (tid, who, lead, people) in [
        (&orders_desk, &p.user, true, "Test Person (lead)"),
        (&general, &p.user, false, "Test Person"),
        (&general, &colleague.user, false, "Test Person, Test Person"),
    ] {
        b.script(&format!("document.getElementById('user-{tid}').value = '{who}';")).await;
        if lead {
            b.click(&b.find(&format!("#lead-{tid}")).await).await;
        }
        b.click(&b.find(&format!("#team-{tid} form.add-member button")).await).await;
        // The page comes back at the same address: wait for what it says now.
        b.wait_text(&format!("#team-{tid} td.people"), |t| t == people).await;
    }
    for (n, (field, value, tid)) in
        [("source", "order", &orders_desk), ("host", "video.example", &general)].into_iter().enumerate()
    {
        b.script(&format!(
            "document.getElementById('rule-field').value = '{field}'; document.getElementById('rule-team').value = '{tid}';"
        ))
        .await;
        b.type_into(&b.find("#rule-value").await, value).await;
        b.click(&b.find("form.add-rule button").await).await;
        eventually_text(&b, &format!("#rules tbody tr:nth-child({})", n + 1), value).await;
    }
    assert_eq!(b.find_all("#rules tbody tr").await.len(), 2);
    b.screenshot("find-teams-admin-1280").await;
    b.script(&axe).await;
    let found = b
        .script_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
               done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) { return v.id; })); });",
        )
        .await;
    assert_eq!(found, json!([]), "axe on the teams page");

    // New cases arrive: an order and a public notice.
    let a = t.authority().await;
    t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/ordered"])).await.expect(201);
    let public = case_at(&t, "https://video.example/v/public").await;
    let other = t.platform("other.example").await;
    let _ = other;

    let lb = Browser::start().await;
    sign_in_to(&t, &lb, &lead_login, "/queue").await;
    assert_eq!(lb.text(&lb.find(&format!("#tab-{orders_desk}")).await).await, "Orders desk (1)");
    assert_eq!(lb.text(&lb.find(&format!("#tab-{general}")).await).await, "General desk (1)", "the first rule wins");
    lb.click(&lb.find(&format!("#tab-{general}")).await).await;
    lb.wait_url(&format!("team={general}")).await;
    let rows = lb.find_all("tr[data-row]").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(lb.attribute(&rows[0], "data-row").await.as_deref(), Some(public.as_str()));
    lb.click(&lb.find(&format!("#tab-{orders_desk}")).await).await;
    lb.wait_url(&format!("team={orders_desk}")).await;
    let rows = lb.find_all("tr[data-row]").await;
    assert_eq!(rows.len(), 1);
    assert_ne!(lb.attribute(&rows[0], "data-row").await.as_deref(), Some(public.as_str()));
    lb.screenshot("find-team-queue-1280").await;

    // The colleague sees the general desk only, and no figures.
    let cb = Browser::without_javascript().await;
    sign_in_to(&t, &cb, &colleague_login, "/queue").await;
    assert!(cb.try_find(&format!("#tab-{orders_desk}")).await.is_none());
    assert!(cb.try_find("#figures-link").await.is_none());
    cb.goto(&t.url(&format!("/queue?team={orders_desk}"))).await;
    assert!(cb.try_find("tr[data-row]").await.is_none(), "another team's queue is not theirs");
    let (_, cookie) = t.console_login(&colleague_login, PASSWORD).await;
    assert_eq!(t.console_get("/figures", &cookie.unwrap()).await.status, 403);

    // The lead's figures: the lead decided the public case 12 minutes after it opened.
    t.advance(Duration::from_mins(12));
    t.post(&format!("/api/v1/cases/{public}/decision"), &p.token, removal("Recruits.")).await.expect(201);
    lb.goto(&t.url("/queue")).await;
    lb.click(&lb.find("#figures-link").await).await;
    lb.wait_url("/figures").await;
    let mut figures = Vec::new();
    for row in lb.find_all("table.figures tbody tr").await {
        figures.push(lb.text(&row).await);
    }
    assert_eq!(figures, ["Test Person 1 12 min"], "the orders desk has the lead alone");
    lb.screenshot("find-figures-1280").await;
    lb.script(&axe).await;
    let found = lb
        .script_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(function (r) {
               done(r.violations.filter(function (v) { return v.impact === 'serious' || v.impact === 'critical'; })
                 .map(function (v) { return v.id; })); });",
        )
        .await;
    assert_eq!(found, json!([]), "axe on the figures page");
}

/// Waits until `css`'s text contains `text`.
async fn eventually_text(b: &Browser, css: &str, text: &str) {
    b.wait_text(css, |t| t.contains(text)).await;
}
