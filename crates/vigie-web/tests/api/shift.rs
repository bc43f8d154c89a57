//! Working a shift in a real browser: "Start reviewing" and the next case, the undo of a decision,
//! passing a case on with a note, internal notes, and the case page at a glance (the order's
//! pre-filled panel, errors tied to their fields), with axe on the new pages.

use serde_json::{Value, json};

use crate::console::{PASSWORD, axe, axe_script, sign_in, with_password};
use crate::helpers::*;
use crate::webdriver::Browser;

/// A named moderator of the platform `p`, with a console login; returns the member and the login.
async fn colleague(t: &TestApp, p: &Member, name: &str, login: &str) -> (Member, String) {
    colleague_with(t, p, name, login, &["moderator"]).await
}

/// [`colleague`], with the given roles.
async fn colleague_with(t: &TestApp, p: &Member, name: &str, login: &str, roles: &[&str]) -> (Member, String) {
    let body = json!({ "name": name, "roles": roles });
    let user = t.post(&format!("/api/v1/orgs/{}/users", p.org), ADMIN, body).await.expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = t.post(&format!("/api/v1/users/{user}/tokens"), ADMIN, json!({})).await.expect(201)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = Member { org: p.org.clone(), user, token };
    let login = with_password(t, &m, login).await;
    (m, login)
}

/// Signs in over HTTP; returns the session cookie.
async fn session(t: &TestApp, login: &str) -> String {
    let (_, cookie) = t.console_login(login, PASSWORD).await;
    cookie.expect("a session")
}

async fn flagged(t: &TestApp, flagger: &Member, url: &str) -> String {
    t.post("/api/v1/notices", &flagger.token, notice_body(url)).await.expect(201)["cases"][0]["case"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn ordered(t: &TestApp, a: &Member, p: &Member, url: &str) -> (String, String) {
    let order = t.post("/api/v1/orders", &a.token, order_body(&p.org, &[url])).await.expect(201);
    let id = order["id"].as_str().unwrap().to_owned();
    let case = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200)["cases"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, case)
}

async fn post_form(t: &TestApp, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Page {
    let page = t.console_get("/queue", cookie).await;
    let csrf = page.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    t.console_post(path, cookie, &all).await
}

fn active_id() -> &'static str {
    "return document.activeElement ? document.activeElement.id : ''"
}

#[tokio::test]
async fn start_reviewing_takes_the_most_urgent_case_decides_moves_on_and_undoes_as_a_reversal() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, login) = colleague(&t, &p, "Ana Reviewer", "ana.reviewer").await;
    let platform_rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": platform_rx.url })).await.expect(201);
    let flagger = t.member("trusted_flagger", "Watchdog NGO", &["reporter"]).await;
    let flagger_rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &flagger.token, json!({ "url": flagger_rx.url })).await.expect(201);
    // The notice comes first, the order later: the order's hour makes it the more urgent.
    let notice_case = flagged(&t, &flagger, "https://video.example/v/flagged").await;
    let a = t.authority().await;
    let (_, order_case) = ordered(&t, &a, &p, "https://video.example/v/order").await;

    let b = Browser::start().await;
    sign_in(&t, &b, &login).await;
    b.find("#start-queue").await;
    // The keyboard's "n" is the queue's "Start reviewing".
    b.keys("n").await;
    b.wait_url(&format!("/cases/{order_case}")).await;
    assert!(b.text(&b.find("#claim-state").await).await.starts_with("You hold this case"));
    // The order filled the panel in: remove, its ground, its reasons; the uploader may be told.
    assert!(b.text(&b.find("#prefilled").await).await.contains("FR-IRU-2026-0042"));
    assert_eq!(b.script("return document.getElementById('action').value").await, "remove");
    assert_eq!(b.script("return document.getElementById('ground').value").await, "law:eu.tco.2-7-a");
    let facts = b.script("return document.getElementById('explanation').value").await;
    assert!(facts.as_str().unwrap().contains("recruits for a listed group"), "{facts}");
    assert!(b.text(&b.find("#glance-disclosure").await).await.starts_with("Yes"));
    assert!(b.text(&b.find("#glance-asked").await).await.contains("Referral unit issued a removal order"));
    assert!(b.text(&b.find("#glance-law").await).await.contains("within the hour"));
    // Two columns at 1280 px: the decision panel beside the content.
    let beside = b
        .script(
            "var m = document.querySelector('.case-main').getBoundingClientRect();
             var d = document.querySelector('.case-decision').getBoundingClientRect();
             return d.left >= m.right && d.top < m.bottom;",
        )
        .await;
    assert_eq!(beside, true);
    b.screenshot("shift-case-order").await;
    // Narrower than 1024 px: the panel goes below the content.
    b.resize(390, 900).await;
    let below = b
        .script(
            "var m = document.querySelector('.case-main').getBoundingClientRect();
             var d = document.querySelector('.case-decision').getBoundingClientRect();
             return d.top >= m.bottom && Math.abs(d.left - m.left) < 2;",
        )
        .await;
    assert_eq!(below, true);
    b.screenshot("shift-case-order-390").await;
    b.resize(1280, 1000).await;

    // Decide: the next case opens, claimed, with what was decided (by the ground's title).
    b.click(&b.find("button[value=decide]").await).await;
    b.wait_url(&format!("/cases/{notice_case}")).await;
    let done = b.text(&b.find("#decided").await).await;
    assert!(done.starts_with("You decided: Remove on Incites the commission of terrorist offences"), "{done}");
    assert!(b.try_find("#undo").await.is_none(), "no undo under an order in force");
    assert!(b.text(&b.find("#no-undo").await).await.contains("only the order's redress"));
    assert!(b.text(&b.find("#claim-state").await).await.starts_with("You hold this case"));
    let order = t.get(&format!("/api/v1/cases/{order_case}"), &p.token).await.expect(200);
    assert_eq!(order["decision"]["action"], "remove");

    // The notice: removed under the terms; nothing waits after it, so the queue confirms.
    b.script(
        "document.getElementById('action').value = 'remove';
         document.getElementById('ground').value = 'terms:4.2';
         document.getElementById('explanation').value = 'A recruitment video, against clause 4.2.';",
    )
    .await;
    b.click(&b.find("button[value=decide]").await).await;
    b.wait_url(&format!("/queue?decided={notice_case}")).await;
    assert!(b.text(&b.find("#decided").await).await.starts_with("You decided: Remove under terms clause 4.2."));
    b.find("#queue-done").await;
    assert_eq!(t.get(&format!("/api/v1/cases/{notice_case}"), &p.token).await.expect(200)["state"], "decided");
    let serious = axe(&b, &axe_script(), "queue with a confirmation and its undo", &mut Vec::new()).await;
    assert!(serious.is_empty(), "{serious:?}");
    b.screenshot("shift-queue-undo").await;

    // Undo, within the window: its own event, the reversal sent, the case open and claimed again.
    b.click(&b.find("#undo").await).await;
    b.wait_url("undone=1").await;
    b.find("#undone").await;
    assert!(b.text(&b.find("#claim-state").await).await.starts_with("You hold this case"));
    let case = t.get(&format!("/api/v1/cases/{notice_case}"), &p.token).await.expect(200);
    assert_eq!(case["state"], "acknowledged", "{case}");
    let undone = t.events(Some("decision.undone")).await;
    assert_eq!(undone.len(), 1);
    assert_eq!(
        (undone[0]["subject"].as_str(), data_of(&undone[0])["action"].as_str()),
        (Some(&*notice_case), Some("remove"))
    );
    let reinstated = t.events(Some("content.reinstated")).await;
    assert_eq!(reinstated.len(), 1);
    assert_eq!(data_of(&reinstated[0])["cause"], "undo");
    t.deliver().await;
    let back = platform_rx.of_type_once("content.reinstated");
    assert_eq!((back.len(), back[0]["data"]["cause"].as_str()), (1, Some("undo")));
    let told = platform_rx.of_type_once("decision.undone");
    assert_eq!((told.len(), told[0]["data"]["case"].as_str()), (1, Some(&*notice_case)));
    // Its statement of reasons is not sent to the Transparency Database.
    let decision = undone_decision(&undone[0]).unwrap();
    let sor = t.get(&format!("/api/v1/statements/{decision}"), &p.token).await.expect(200);
    assert_eq!(sor["state"], "skipped", "{sor}");
    let notifier = flagger_rx.of_type_once("decision.undone");
    assert_eq!((notifier.len(), notifier[0]["data"]["decision"].as_str()), (1, undone_decision(&undone[0]).as_deref()));
    // The case may be decided anew.
    b.find("form.decision").await;
    b.screenshot("shift-undone").await;
}

fn undone_decision(event: &Value) -> Option<String> {
    data_of(event)["decision"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn the_undo_is_the_deciders_alone_and_closes_after_its_window() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, ana) = colleague(&t, &p, "Ana Reviewer", "ana.reviewer").await;
    let (_, ben) = colleague(&t, &p, "Ben Colleague", "ben.colleague").await;
    let (ana, ben) = (session(&t, &ana).await, session(&t, &ben).await);
    let first = case_of_notice(&t, "https://video.example/v/one").await;
    let second = case_of_notice(&t, "https://video.example/v/two").await;
    let decide =
        [("action", "remove"), ("ground", "terms:4.2"), ("explanation", "Against clause 4.2."), ("intent", "decide")];
    for case in [&first, &second] {
        let res = post_form(&t, &ana, &format!("/cases/{case}/decide"), &decide).await;
        assert_eq!((res.status, res.location.as_deref()), (303, Some(format!("/queue?decided={case}").as_str())));
    }
    // A colleague cannot undo it.
    let refused = post_form(&t, &ben, &format!("/cases/{first}/undo"), &[]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("only the person who took the decision"));
    // The last instant of the window still undoes; one second later it is closed.
    t.advance(vigie_model::Duration::from_secs(60));
    let queue = t.console_get(&format!("/queue?decided={second}"), &ana).await.body;
    assert!(queue.contains(&format!("action=\"/cases/{second}/undo\"")));
    // While reviewing, the confirmation's undo keeps the reviewer in the flow.
    let next = t.console_get(&format!("/cases/{first}?reviewing=1&decided={second}"), &ana).await.body;
    let form = next.split(&format!("action=\"/cases/{second}/undo\"")).nth(1).unwrap().split("</form>").next().unwrap();
    assert!(form.contains("name=\"reviewing\" value=\"1\""), "{form}");
    let undone = post_form(&t, &ana, &format!("/cases/{second}/undo"), &[("reviewing", "1")]).await;
    let back = format!("/cases/{second}?undone=1&reviewing=1");
    assert_eq!((undone.status, undone.location.as_deref()), (303, Some(back.as_str())));
    t.advance(vigie_model::Duration::from_secs(1));
    let queue = t.console_get(&format!("/queue?decided={first}"), &ana).await.body;
    assert!(!queue.contains("/undo\""), "no undo offered after the window");
    let late = post_form(&t, &ana, &format!("/cases/{first}/undo"), &[]).await;
    assert_eq!(late.status, 409, "{}", late.body);
    assert!(late.body.contains("may be undone for 60 s"), "{}", late.body);
    assert_eq!(t.get(&format!("/api/v1/cases/{first}"), &p.token).await.expect(200)["state"], "decided");
    let undone = t.events(Some("decision.undone")).await;
    assert_eq!(undone.len(), 1);
    assert_eq!(undone[0]["subject"], second.as_str());
}

async fn case_of_notice(t: &TestApp, url: &str) -> String {
    let receipt = t.notice(url).await;
    let notice = t.get(&format!("/api/v1/notices/{}", receipt["id"].as_str().unwrap()), ADMIN).await.expect(200);
    notice["cases"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_claimed_case_is_passed_over_and_cases_are_skipped_handed_over_and_escalated_with_a_note() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (ana_m, ana) = colleague_with(&t, &p, "Ana Reviewer", "ana.reviewer", &["moderator", "senior"]).await;
    let (ben_m, ben) = colleague(&t, &p, "Ben Colleague", "ben.colleague").await;
    let (cy_m, _) = colleague(&t, &p, "Cy Colleague", "cy.colleague").await;
    let a = t.authority().await;
    let (_, urgent) = ordered(&t, &a, &p, "https://video.example/v/order").await;
    let later = case_of_notice(&t, "https://video.example/v/notice").await;
    // Ben holds the most urgent case: Ana's "Start reviewing" (from the header) passes over it.
    let ben_cookie = session(&t, &ben).await;
    let claimed = post_form(&t, &ben_cookie, &format!("/cases/{urgent}/claim"), &[]).await;
    assert_eq!(claimed.status, 303);
    let b = Browser::start().await;
    sign_in(&t, &b, &ana).await;
    b.click(&b.find("#start-reviewing").await).await;
    b.wait_url(&format!("/cases/{later}")).await;

    // Hand over without choosing a colleague: the error sits by its field, and focus goes there.
    b.click(&b.find("#how-hand").await).await;
    b.click(&b.find("#leave-submit").await).await;
    let error = b.find("#leave-to-error").await;
    assert_eq!(b.text(&error).await, "Colleague: choose a colleague");
    let field = b.find("#leave-to").await;
    assert_eq!(b.attribute(&field, "aria-invalid").await.as_deref(), Some("true"));
    assert_eq!(b.attribute(&field, "aria-describedby").await.as_deref(), Some("leave-to-error"));
    assert_eq!(b.script(active_id()).await, "leave-to");
    let script = axe_script();
    let mut report = Vec::new();
    let serious = axe(&b, &script, "case with an error", &mut report).await;
    assert!(serious.is_empty(), "{serious:?}");

    // Skip it, with a note: nothing else waits for Ana (the other case is Ben's).
    b.click(&b.find("#how-skip").await).await;
    b.type_into(&b.find("#leave-note").await, "Needs someone who reads Pashto.").await;
    b.click(&b.find("#leave-submit").await).await;
    b.wait_url("/queue?empty=1").await;
    let skipped = t.events(Some("case.skipped")).await;
    assert_eq!((skipped.len(), skipped[0]["subject"].as_str()), (1, Some(&*later)));
    assert!(data_of(&skipped[0])["note"].as_str().unwrap().starts_with("nte_"));
    assert_eq!(t.events(Some("case.note_added")).await.len(), 1);
    // A skipped case stays out of Ana's way...
    let ana_cookie = session(&t, &ana).await;
    let again = post_form(&t, &ana_cookie, "/review/next", &[]).await;
    assert_eq!(again.location.as_deref(), Some("/queue?empty=1"));
    // ...but not out of Ben's, who reads why it was skipped.
    let page = t.console_get(&format!("/cases/{later}"), &ben_cookie).await.body;
    assert!(page.contains("Needs someone who reads Pashto.") && page.contains("Ana Reviewer"), "{page}");

    // Ana hands the case over to Ben, with a note: Ben holds it.
    b.goto(&t.url(&format!("/cases/{later}"))).await;
    b.click(&b.find("#how-hand").await).await;
    b.script(&format!("document.getElementById('leave-to').value = '{}'", ben_m.user)).await;
    b.type_into(&b.find("#leave-note").await, "Over to you: you read Pashto.").await;
    b.click(&b.find("#leave-submit").await).await;
    b.wait_url("passed=1").await;
    b.find("#passed").await;
    assert!(b.text(&b.find("#claim-state").await).await.starts_with("Held by Ben Colleague"));
    let handed = t.events(Some("case.handed_over")).await;
    let d = data_of(&handed[0]);
    assert_eq!((d["to"].as_str(), d["escalated"].as_bool()), (Some(ben_m.user.as_str()), Some(false)));
    assert!(!handed[0].to_string().contains("Pashto"), "the note's text stays out of the log");

    // Ben escalates it to Ana as the senior; a hand-over without a note is refused.
    let bare =
        post_form(&t, &ben_cookie, &format!("/cases/{later}/leave"), &[("how", "escalate"), ("senior", &ana_m.user)])
            .await;
    assert_eq!(bare.status, 422);
    assert!(bare.body.contains("id=\"leave-note-error\"") && bare.body.contains("aria-invalid=\"true\""));
    // Only senior reviewers are offered for an escalation, every other moderator for a hand-over;
    // a moderator who is not a senior is refused on the senior's field.
    let select = |page: &str, id: &str| {
        let start = page.find(&format!("<select id=\"{id}\"")).unwrap();
        page[start..start + page[start..].find("</select>").unwrap()].to_owned()
    };
    let seniors = select(&bare.body, "leave-senior");
    assert!(seniors.contains(&ana_m.user) && !seniors.contains(&cy_m.user), "{seniors}");
    let moderators = select(&bare.body, "leave-to");
    assert!(moderators.contains(&ana_m.user) && moderators.contains(&cy_m.user), "{moderators}");
    let not_senior = post_form(
        &t,
        &ben_cookie,
        &format!("/cases/{later}/leave"),
        &[("how", "escalate"), ("senior", &cy_m.user), ("note", "Borderline: news footage?")],
    )
    .await;
    assert_eq!(not_senior.status, 422, "{}", not_senior.body);
    assert!(
        not_senior.body.contains("id=\"leave-senior-error\"")
            && not_senior.body.contains("choose another senior reviewer of your organisation"),
        "{}",
        not_senior.body
    );
    assert_eq!(t.events(Some("case.handed_over")).await.len(), 1, "the refused escalation wrote nothing");
    let escalated = post_form(
        &t,
        &ben_cookie,
        &format!("/cases/{later}/leave"),
        &[("how", "escalate"), ("senior", &ana_m.user), ("note", "Borderline: news footage?")],
    )
    .await;
    assert_eq!(escalated.status, 303, "{}", escalated.body);
    let handed = t.events(Some("case.handed_over")).await;
    let d = data_of(&handed[1]);
    assert_eq!((d["to"].as_str(), d["escalated"].as_bool()), (Some(ana_m.user.as_str()), Some(true)));
    b.goto(&t.url(&format!("/cases/{later}#notes"))).await;
    let notes = b.text(&b.find("ol.notes").await).await;
    assert!(notes.contains("Escalated to a senior") && notes.contains("Borderline: news footage?"), "{notes}");
    assert!(b.text(&b.find("#claim-state").await).await.starts_with("You hold this case"));

    // Ana finds it under "Escalated to me", also once her claim's lease has run out; Ben, who is
    // no senior, has no such tab.
    t.advance(vigie_model::Duration::from_mins(11));
    b.goto(&t.url("/queue")).await;
    let tab = b.find("#tab-escalated").await;
    assert_eq!(b.text(&tab).await, "Escalated to me (1)");
    b.click(&tab).await;
    b.wait_url("/queue?escalated=1").await;
    let row = b.find(&format!("#row-{later}")).await;
    assert!(b.text(&row).await.contains("escalated to you"));
    assert_eq!(b.script("return document.querySelectorAll('table.queue tbody tr').length").await, json!(1));
    let serious = axe(&b, &script, "queue escalated to me", &mut report).await;
    assert!(serious.is_empty(), "{serious:?}");
    let bens = t.console_get("/queue", &ben_cookie).await.body;
    assert!(bens.contains(&format!("row-{later}")) && !bens.contains("tab-escalated"), "{bens}");
    let ana_cookie = session(&t, &ana).await;
    let mine = t.console_get("/queue?escalated=1", &ana_cookie).await;
    assert!(mine.body.contains(&format!("row-{later}")) && !mine.body.contains(&format!("row-{urgent}")));

    // Decided, it is no longer escalated to anyone.
    let decision = json!({ "action": "no_action", "explanation": "News footage, kept up." });
    t.post(&format!("/api/v1/cases/{later}/decision"), &ana_m.token, decision).await.expect(201);
    let after = t.console_get("/queue?escalated=1", &ana_cookie).await.body;
    assert!(after.contains("Escalated to me (0)") && after.contains("Nothing is escalated to you."), "{after}");
}

#[tokio::test]
async fn internal_notes_reach_colleagues_only_never_the_notice_the_exports_or_the_log() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, ana) = colleague(&t, &p, "Ana Reviewer", "ana.reviewer").await;
    let (_, ben) = colleague(&t, &p, "Ben Colleague", "ben.colleague").await;
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let case = case_of_notice(&t, "https://video.example/v/noted").await;
    let secret = "Context for the next shift: uploader also posts as tiger-7731.";

    let b = Browser::start().await;
    sign_in(&t, &b, &ana).await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    // An empty note is refused beside its field.
    b.script("document.getElementById('note-body').removeAttribute('required')").await;
    b.click(&b.find("#note-submit").await).await;
    let error = b.find("#note-body-error").await;
    assert!(b.text(&error).await.starts_with("Note for the next shift:"));
    assert_eq!(b.script(active_id()).await, "note-body");
    b.type_into(&b.find("#note-body").await, secret).await;
    b.click(&b.find("#note-submit").await).await;
    b.wait_url("#notes").await;
    let listed = b.text(&b.find("li.note").await).await;
    assert!(listed.contains("Ana Reviewer") && listed.contains(secret) && listed.contains("now"), "{listed}");
    let time = b.find("li.note time").await;
    assert!(b.attribute(&time, "datetime").await.is_some() && b.attribute(&time, "title").await.is_some());
    let script = axe_script();
    let serious = axe(&b, &script, "case with a note", &mut Vec::new()).await;
    assert!(serious.is_empty(), "{serious:?}");

    // A colleague reads it; another organisation, and an authority, cannot.
    let ben = session(&t, &ben).await;
    assert!(t.console_get(&format!("/cases/{case}"), &ben).await.body.contains("uploader also posts as tiger-7731"));
    let other = t.platform("other.example").await;
    let other_login = with_password(&t, &other, "other.moderator").await;
    let other = session(&t, &other_login).await;
    assert_eq!(t.console_get(&format!("/cases/{case}"), &other).await.status, 404);

    // Decided: the uploader's notice, the statement of reasons, the API's case, the webhooks and
    // the log never carry it.
    let removal = json!({ "action": "remove", "terms_clause": "4.2", "explanation": "Against clause 4.2." });
    let decision = t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    t.deliver().await;
    let outside = [
        t.http.get(t.url(&format!("/notice/{token}"))).send().await.unwrap().text().await.unwrap(),
        t.get(&format!("/api/v1/uploader-notices/{token}"), ADMIN).await.body.to_string(),
        t.get(&format!("/api/v1/statements/{}", decision["id"].as_str().unwrap()), &p.token).await.body.to_string(),
        t.get(&format!("/api/v1/cases/{case}"), &p.token).await.body.to_string(),
        t.get("/api/v1/events?limit=5000", ADMIN).await.body.to_string(),
        rx.hits().iter().map(|h| h.body.clone()).collect::<Vec<_>>().join("\n"),
    ];
    for text in outside {
        assert!(!text.contains("tiger-7731"), "a note leaked: {text}");
    }
    assert_eq!(t.events(Some("case.note_added")).await.len(), 1);
}

#[tokio::test]
async fn a_refused_decision_marks_its_fields_and_focuses_the_first_with_or_without_script() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, ana) = colleague(&t, &p, "Ana Reviewer", "ana.reviewer").await;
    let case = case_of_notice(&t, "https://video.example/v/errors").await;
    let b = Browser::start().await;
    sign_in(&t, &b, &ana).await;
    b.goto(&t.url(&format!("/cases/{case}"))).await;
    b.script("document.getElementById('action').value = 'remove'").await;
    b.click(&b.find("button[value=decide]").await).await;
    let first = b.find("[aria-invalid=true]").await;
    let id = b.attribute(&first, "id").await.unwrap();
    assert_eq!(b.script(active_id()).await, id.as_str(), "focus is on the first field in error");
    let described = b.attribute(&first, "aria-describedby").await.unwrap();
    let message = b.text(&b.find(&format!("#{described}")).await).await;
    // The label's own words, without its hint.
    let label =
        b.script(&format!("return document.querySelector('label[for={id}]').firstChild.textContent.trim()")).await;
    let label = label.as_str().unwrap().to_owned();
    assert!(!label.is_empty() && message.starts_with(&format!("{label}: ")), "{message} / {label}");
    // A restriction needs a ground and its facts: both are marked.
    let marked: Vec<String> = {
        let mut out = Vec::new();
        for e in b.find_all("[aria-invalid=true]").await {
            out.push(b.attribute(&e, "id").await.unwrap());
        }
        out
    };
    assert!(marked.contains(&"ground".to_owned()) && marked.contains(&"explanation".to_owned()), "{marked:?}");
    assert_eq!(b.attribute(&b.find("label[for=action] .required").await, "class").await.as_deref(), Some("required"));
    let serious = axe(&b, &axe_script(), "case with refused decision", &mut Vec::new()).await;
    assert!(serious.is_empty(), "{serious:?}");
    b.screenshot("shift-errors").await;

    // Without script: the first field in error carries `autofocus`.
    let cookie = session(&t, &ana).await;
    let refused =
        post_form(&t, &cookie, &format!("/cases/{case}/decide"), &[("action", "remove"), ("intent", "decide")]).await;
    assert_eq!(refused.status, 422);
    let tag = refused.body.split("autofocus").next().unwrap().rsplit('<').next().unwrap().to_owned();
    assert!(tag.contains(&format!("id=\"{id}\"")) && tag.contains("aria-invalid=\"true\""), "{tag}");

    // The preview reads as the uploader will read it, the database's fields folded beneath.
    let preview = post_form(
        &t,
        &cookie,
        &format!("/cases/{case}/decide"),
        &[
            ("action", "remove"),
            ("ground", "law:eu.tco.2-7-c"),
            ("purpose", "none"),
            ("purpose_rationale", "A recruitment poster, no framing."),
            ("explanation", "Recruits for a listed group."),
            ("intent", "preview"),
        ],
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.body.split("role=\"alert\"").nth(1).unwrap_or_default());
    let reads = preview.body.split("id=\"sor-reads\"").nth(1).unwrap().split("</dl>").next().unwrap();
    assert!(
        reads.contains("Solicits participation in the activities of a terrorist group")
            && reads.contains("Recruits for a listed group.")
    );
    assert!(!reads.contains("DECISION_GROUND"), "the codes are folded away: {reads}");
    let folded = preview.body.split("<details id=\"sor-fields\">").nth(1).unwrap();
    assert!(folded.contains("DECISION_GROUND_ILLEGAL_CONTENT"));
}

/// Notes go with the case's other texts: kept while the case is open or its windows run, erased
/// by the retention worker when the decision texts are (GDPR art. 5(1)(e)).
#[tokio::test]
async fn internal_notes_are_erased_with_the_cases_texts() {
    let t = TestApp::start_with(|c| {
        c.app.record_retention = vigie_app::retention::RecordRetention {
            cases: vigie_model::Duration::from_days(30),
            decision_texts: vigie_model::Duration::from_days(60),
            notice_bodies: vigie_model::Duration::from_days(90),
        }
    })
    .await;
    let p = t.platform("video.example").await;
    let (ana_m, login) = colleague(&t, &p, "Ana Reviewer", "ana.reviewer").await;
    let ana = session(&t, &login).await;
    let case = case_of_notice(&t, "https://video.example/v/kept").await;
    let noted =
        post_form(&t, &ana, &format!("/cases/{case}/notes"), &[("body", "Same account as last week's case.")]).await;
    assert_eq!(noted.status, 303);
    let skipped = post_form(&t, &ana, &format!("/cases/{case}/leave"), &[("how", "skip")]).await;
    assert_eq!(skipped.status, 303);
    let user = vigie_model::UserId::parse(&ana_m.user).unwrap();
    let store = t.app.store().clone();
    let skips = || {
        let (user, store) = (user.clone(), store.clone());
        async move {
            let since = vigie_model::Timestamp::from_micros(0);
            store.read(move |r| r.skipped_since(&user, since)).await.unwrap()
        }
    };
    assert_eq!(skips().await.len(), 1);
    let removal = json!({ "action": "remove", "terms_clause": "4.2", "explanation": "Against clause 4.2." });
    t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal).await.expect(201);
    let token = t.get(&format!("/api/v1/cases/{case}/uploader-notice"), &p.token).await.expect(200)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    t.send(reqwest::Method::GET, &format!("/api/v1/uploader-notices/{token}"), None, None).await.expect(200);
    let id = vigie_model::CaseId::parse(&case).unwrap();
    let body = || {
        let id = id.clone();
        async { t.app.store().read(move |r| r.case_notes(&id)).await.unwrap()[0].body.clone() }
    };
    // The complaint window, then the case's identifiers: the note stays.
    t.advance(vigie_model::Duration::from_days(184));
    t.tick().await;
    t.advance(vigie_model::Duration::from_days(31));
    t.tick().await;
    assert_eq!(body().await.as_deref(), Some("Same account as last week's case."));
    // With the decision's texts, the note goes; its author and time stay, and the page says so.
    t.advance(vigie_model::Duration::from_days(30));
    t.tick().await;
    assert_eq!(body().await, None);
    assert!(skips().await.is_empty(), "the skips go with the notes");
    // Months later: a new session.
    let ana = session(&t, &login).await;
    let page = t.console_get(&format!("/cases/{case}"), &ana).await.body;
    assert!(page.contains("(erased at the end of its retention)") && !page.contains("last week"), "{page}");
}

/// The shift works without script: "Start reviewing", the order's pre-filled decision, the next
/// case with its confirmation, and the undo are plain forms.
#[tokio::test]
async fn working_a_shift_needs_no_script() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let (_, login) = colleague(&t, &p, "Ana Reviewer", "ana.reviewer").await;
    let a = t.authority().await;
    let (_, order_case) = ordered(&t, &a, &p, "https://video.example/v/order").await;
    let notice_case = case_of_notice(&t, "https://video.example/v/notice").await;
    let b = Browser::without_javascript().await;
    sign_in(&t, &b, &login).await;
    b.click(&b.find("#start-reviewing").await).await;
    b.wait_url(&format!("/cases/{order_case}")).await;
    b.click(&b.find("button[value=decide]").await).await;
    b.wait_url(&format!("/cases/{notice_case}")).await;
    assert!(b.text(&b.find("#decided").await).await.starts_with("You decided: Remove on Incites"));
    // With the keyboard's "n" unavailable, the header's button is the way on; a skip moves on too.
    b.click(&b.find("#how-skip").await).await;
    b.click(&b.find("#leave-submit").await).await;
    b.wait_url("/queue?empty=1").await;
    b.find("#queue-done").await;
    assert_eq!(t.events(Some("case.skipped")).await.len(), 1);
}
