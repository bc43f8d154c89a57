//! What a case's content is (step 10): the language and the types of terrorist content (TCO art.
//! 2(7)) that notices, referrals and orders give, folded into their cases; the queue's filters,
//! saved views and routing rules by them; the public form's new fields, without script.

use serde_json::{Value, json};
use vigie_model::{Duration, Timestamp};

use crate::console::{axe, axe_script, case_of, sign_in_to, with_password};
use crate::helpers::*;
use crate::look::sideways;
use crate::webdriver::Browser;

/// A notice about `url` in `language` naming `types`.
fn labelled(url: &str, language: &str, types: &[&str]) -> Value {
    let mut body = notice_body(url);
    body["language"] = json!(language);
    body["harm_types"] = json!(types);
    body
}

/// The case's languages and types, as its platform reads them over the API.
async fn labels_of(t: &TestApp, p: &Member, case: &str) -> (Value, Value) {
    let c = t.get(&format!("/api/v1/cases/{case}"), &p.token).await.expect(200);
    (c["languages"].clone(), c["harm_types"].clone())
}

/// The platform's case at `url`, from its inbox.
async fn case_at(t: &TestApp, p: &Member, url: &str) -> String {
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    let cases = inbox["cases"].as_array().unwrap();
    let case = cases.iter().find(|c| c["url"] == url).unwrap_or_else(|| panic!("no case at {url}: {inbox}"));
    case["id"].as_str().unwrap().to_owned()
}

/// The ids of the queue's rows, in order.
async fn rows(b: &Browser) -> Vec<String> {
    let mut ids = Vec::new();
    for row in b.find_all("tr[data-row]").await {
        ids.push(b.attribute(&row, "data-row").await.unwrap());
    }
    ids
}

#[tokio::test]
async fn reports_give_their_cases_a_language_and_types_and_only_valid_ones() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let arabic = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/1", "ar", &["d"])).await.expect(201),
    )
    .await;
    let french = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/2", "fr", &["a"])).await.expect(201),
    )
    .await;
    let bare = case_of(&t, &t.notice("https://video.example/v/3").await).await;
    assert_eq!(labels_of(&t, &p, &arabic).await, (json!(["ar"]), json!(["d"])));
    assert_eq!(labels_of(&t, &p, &french).await, (json!(["fr"]), json!(["a"])));
    assert_eq!(labels_of(&t, &p, &bare).await, (json!([]), json!([])), "nothing given, nothing recorded");

    // A case holds the union of its reports': a referral in Arabic naming (c) and (d) joins the
    // first; an order gives its Annex I types, and a language.
    let police = t.authority().await;
    let referral = json!({ "explanation": "Recruitment.", "locations": [{ "url": "https://video.example/v/1" }],
                           "language": "ar", "harm_types": ["c", "d", "d"] });
    t.post("/api/v1/referrals", &police.token, referral).await.expect(201);
    assert_eq!(labels_of(&t, &p, &arabic).await, (json!(["ar"]), json!(["c", "d"])));
    let mut order = order_body(&p.org, &["https://video.example/v/2"]);
    order["language"] = json!("ps");
    t.post("/api/v1/orders", &police.token, order).await.expect(201);
    assert_eq!(
        labels_of(&t, &p, &french).await,
        (json!(["fr", "ps"]), json!(["a", "c"])),
        "the order's reasons a and c"
    );

    // The log records them as words on the report's event, and the signal keeps them.
    let received: Vec<Value> = t.events(Some("signal.received")).await.iter().map(data_of).collect();
    assert_eq!(received[0]["language"], "ar");
    assert_eq!(received[0]["harm_types"], json!(["d"]));
    assert!(received[2].get("language").is_none() && received[2].get("harm_types").is_none(), "{}", received[2]);
    assert_eq!(received[3]["harm_types"], json!(["c", "d"]));
    assert_eq!((received[4]["language"].clone(), received[4]["reasons"].clone()), (json!("ps"), json!(["a", "c"])));

    // Invalid values are field errors, named, like any other; nothing is stored.
    for (field, value, code) in [
        ("language", json!("arabic"), "invalid_language"),
        ("language", json!("AR"), "invalid_language"),
        ("language", json!("xx"), "invalid_language"),
        ("harm_types", json!(["d", "f"]), "unknown_reason"),
    ] {
        let mut body = notice_body("https://video.example/v/refused");
        body[field] = value.clone();
        let res = t.post_anonymous("/api/v1/notices", body).await;
        assert_eq!(res.status.as_u16(), 422, "{field}={value}: {}", res.body);
        assert_eq!(res.code(), "validation_failed");
        let named = if field == "harm_types" { "harm_types[1]" } else { field };
        assert_eq!((res.fields(), res.field_codes()), (vec![named.to_owned()], vec![code.to_owned()]), "{value}");
    }
    let mut referral =
        json!({ "explanation": "x", "locations": [{ "url": "https://video.example/v/4" }], "language": "arabic" });
    assert_eq!(t.post("/api/v1/referrals", &police.token, referral.clone()).await.fields(), ["language"]);
    referral["language"] = json!("ar");
    referral["harm_types"] = json!(["z"]);
    assert_eq!(t.post("/api/v1/referrals", &police.token, referral).await.fields(), ["harm_types[0]"]);
    let mut order = order_body(&p.org, &["https://video.example/v/5"]);
    order["language"] = json!("arabic");
    assert_eq!(t.post("/api/v1/orders", &police.token, order).await.fields(), ["language"]);
    let inbox = t.get("/api/v1/inbox", &p.token).await.expect(200);
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 3, "no refused report opened a case");

    // A statement of reasons gives the Transparency Database the language when there is one,
    // upper-case; none without.
    let removal = json!({ "action": "remove", "explanation": "A bomb-making guide.", "legal_basis": "eu.tco.2-7-d",
                          "purpose": "none", "purpose_rationale": "instructions" });
    let mut decisions = Vec::new();
    for case in [&arabic, &bare] {
        let d = t.post(&format!("/api/v1/cases/{case}/decision"), &p.token, removal.clone()).await.expect(201);
        decisions.push(d["id"].as_str().unwrap().to_owned());
    }
    let now = t.now();
    let owing = t
        .app
        .store()
        .read(move |r| {
            let opts = vigie_app::statements::StatementOptions { include_orders: false };
            vigie_app::statements::statements(r, Timestamp::from_micros(0), now.plus(Duration::from_secs(1)), now, opts)
        })
        .await
        .unwrap();
    let language_of = |d: &str| owing.statements.iter().find(|s| s.puid == d).unwrap().content_language.clone();
    assert_eq!(language_of(&decisions[0]), Some("AR".to_owned()));
    assert_eq!(language_of(&decisions[1]), None);
    vigie_model::sor::check_batch(&owing.statements).expect("the database takes them");
}

#[tokio::test]
async fn a_saved_view_of_arabic_instructions_lists_only_that_case_and_the_case_says_it_in_words() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.labels").await;
    let arabic = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/ar", "ar", &["d"])).await.expect(201),
    )
    .await;
    let french = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/fr", "fr", &["a"])).await.expect(201),
    )
    .await;
    // Arabic too, but of another type: the view needs both.
    let other = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/ar2", "ar", &["e"])).await.expect(201),
    )
    .await;

    let b = Browser::without_javascript().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    assert_eq!(rows(&b).await.len(), 3);
    // Each row says the content's language and types in words.
    let said = b.text(&b.find(&format!("#row-{arabic} .content-labels")).await).await;
    assert_eq!(said, "Arabic · instructs on weapons");
    assert_eq!(b.text(&b.find(&format!("#row-{french} .content-labels")).await).await, "French · incites");
    // The language list offers the queue's languages, by name.
    let mut offered = Vec::new();
    for o in b.find_all("#language option").await {
        offered.push(b.text(&o).await);
    }
    assert_eq!(offered, ["Any", "Arabic", "French"]);

    b.script("document.getElementById('language').value = 'ar'; document.getElementById('harm_type').value = 'd';")
        .await;
    b.click(&b.find("form.filters button[type=submit]").await).await;
    b.wait_url("language=ar").await;
    assert_eq!(rows(&b).await, [arabic.as_str()]);
    b.type_into(&b.find("#view-name").await, "ar + instructs").await;
    b.click(&b.find("form.save-view button[type=submit]").await).await;
    b.wait_url("/queue?language=ar&harm_type=d").await;
    assert_eq!(b.text(&b.find("#views a").await).await, "ar + instructs");
    b.screenshot("labels-view-1280").await;
    // The whole queue again, then the view: only the Arabic instructions.
    b.goto(&t.url("/queue")).await;
    assert_eq!(rows(&b).await.len(), 3);
    b.click(&b.find("#views a").await).await;
    b.wait_url("harm_type=d").await;
    assert_eq!(rows(&b).await, [arabic.as_str()]);
    assert!(!rows(&b).await.contains(&other));
    // One filter alone: every Arabic case.
    b.goto(&t.url("/queue?language=ar")).await;
    let mut shown = rows(&b).await;
    shown.sort();
    let mut expected = vec![arabic.clone(), other.clone()];
    expected.sort();
    assert_eq!(shown, expected);

    // The case page says it at a glance.
    b.goto(&t.url(&format!("/cases/{arabic}"))).await;
    assert_eq!(b.text(&b.find("#glance-language").await).await, "Arabic");
    assert_eq!(b.text(&b.find("#glance-types").await).await, "instructs on weapons");

    // A filter or a view with a value that is no language is refused by name.
    let (_, cookie) = t.console_login(&login, crate::console::PASSWORD).await;
    let cookie = cookie.unwrap();
    let page = t.console_get("/queue?language=arabic", &cookie).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("language"), "{}", page.body);
    let csrf = t.console_get("/queue", &cookie).await.csrf();
    let res = t.console_post("/queue/views", &cookie, &[("csrf", &csrf), ("name", "x"), ("language", "arabic")]).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("language"), "{}", res.body);
}

#[tokio::test]
async fn a_routing_rule_by_language_sends_the_case_to_a_teams_queue_tab() {
    let script = axe_script();
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.arabic").await;
    let orgs = t.get("/api/v1/orgs", ADMIN).await.expect(200);
    let hub = orgs["orgs"].as_array().unwrap().iter().find(|o| o["kind"] == "hub").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = t.person(&hub, &["admin"]).await;
    let admin_login = with_password(&t, &admin, "operator.labels").await;

    // The administrator makes an Arabic desk, puts the moderator in it, and routes Arabic there.
    let b = Browser::start().await;
    sign_in_to(&t, &b, &admin_login, "/admin").await;
    b.goto(&t.url(&format!("/admin/orgs/{}/teams", p.org))).await;
    b.type_into(&b.find("#team-name").await, "Arabic desk").await;
    b.click(&b.find("form.add-team button").await).await;
    let row = b.find("#teams tbody tr").await;
    let team = b.attribute(&row, "id").await.unwrap().trim_start_matches("team-").to_owned();
    b.script(&format!("document.getElementById('user-{team}').value = '{}';", p.user)).await;
    b.click(&b.find(&format!("#team-{team} form.add-member button")).await).await;
    b.find(&format!("#team-{team} td.people")).await;
    // The rule's field offers the language and the type.
    let mut fields = Vec::new();
    for o in b.find_all("#rule-field option").await {
        fields.push(b.attribute(&o, "value").await.unwrap());
    }
    assert_eq!(fields, ["source", "host", "bank_label", "language", "harm_type"]);
    b.script(&format!(
        "document.getElementById('rule-field').value = 'language'; document.getElementById('rule-team').value = '{team}';"
    ))
    .await;
    // Typed as a person might; kept as the code.
    b.type_into(&b.find("#rule-value").await, "AR").await;
    b.click(&b.find("form.add-rule button").await).await;
    let rule = b.find("#rules tbody tr").await;
    assert!(b.text(&rule).await.contains("Arabic (ar)"), "{}", b.text(&rule).await);
    let mut serious = Vec::new();
    let mut report = Vec::new();
    serious.extend(axe(&b, &script, "teams", &mut report).await);
    // A rule whose value is no language is refused by name.
    let (_, cookie) = t.console_login(&admin_login, crate::console::PASSWORD).await;
    let cookie = cookie.unwrap();
    let csrf = t.console_get(&format!("/admin/orgs/{}/teams", p.org), &cookie).await.csrf();
    let path = format!("/admin/orgs/{}/rules", p.org);
    let res = t
        .console_post(&path, &cookie, &[("csrf", &csrf), ("field", "language"), ("value", "arabic"), ("team", &team)])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("value"), "{}", res.body);

    // Cases arrive: Arabic and French.
    let arabic = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/ar", "ar", &["d"])).await.expect(201),
    )
    .await;
    let french = case_of(
        &t,
        &t.post_anonymous("/api/v1/notices", labelled("https://video.example/v/fr", "fr", &["a"])).await.expect(201),
    )
    .await;
    let m = Browser::start().await;
    sign_in_to(&t, &m, &login, "/queue").await;
    assert_eq!(m.text(&m.find(&format!("#tab-{team}")).await).await, "Arabic desk (1)");
    m.click(&m.find(&format!("#tab-{team}")).await).await;
    m.wait_url(&format!("team={team}")).await;
    assert_eq!(rows(&m).await, [arabic.as_str()]);
    // The whole queue still has both.
    m.goto(&t.url("/queue")).await;
    let all = rows(&m).await;
    assert!(all.contains(&arabic) && all.contains(&french), "{all:?}");
    serious.extend(axe(&m, &script, "queue with languages and types", &mut report).await);
    m.goto(&t.url(&format!("/cases/{arabic}"))).await;
    serious.extend(axe(&m, &script, "case with languages and types", &mut report).await);
    // Narrow screens: the queue with its new filters and the case page do not scroll sideways.
    m.viewport(Some((390, 844))).await;
    for path in ["/queue".to_owned(), format!("/cases/{arabic}")] {
        m.goto(&t.url(&path)).await;
        assert_eq!(sideways(&m).await, None, "{path} at 390 px");
    }
    assert!(serious.is_empty(), "{}", serde_json::to_string_pretty(&serious).unwrap());
}

#[tokio::test]
async fn the_public_form_takes_a_language_and_types_without_script() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let b = Browser::without_javascript().await;
    b.goto(&t.url("/report")).await;
    // Every language, by name, after "Not known"; every type in a sentence.
    let options = b.find_all("#language option").await;
    assert_eq!(options.len(), 1 + vigie_model::labels::LANGUAGES.len());
    assert_eq!(b.text(&options[0]).await, "Not known");
    assert_eq!(b.find_all("fieldset.harm-types input[type=checkbox]").await.len(), 5);
    b.type_into(&b.find("#urls").await, "https://video.example/v/public").await;
    b.type_into(&b.find("#explanation").await, "A guide to making a bomb, in Arabic.").await;
    // Choosing an option is what a person does with the keyboard; WebDriver sets it.
    b.script("document.getElementById('language').value = 'ar';").await;
    b.click(&b.find("#harm-d").await).await;
    b.click(&b.find("#harm-a").await).await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("#tracking-code").await;
    let case = case_at(&t, &p, "https://video.example/v/public").await;
    assert_eq!(labels_of(&t, &p, &case).await, (json!(["ar"]), json!(["a", "d"])));

    // A refused report comes back with what was chosen.
    b.goto(&t.url("/report")).await;
    b.type_into(&b.find("#urls").await, "not an address").await;
    b.type_into(&b.find("#explanation").await, "Propaganda.").await;
    b.script("document.getElementById('language').value = 'fr';").await;
    b.click(&b.find("#harm-c").await).await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("div.error").await;
    assert_eq!(b.attribute(&b.find("#language option[selected]").await, "value").await.as_deref(), Some("fr"));
    assert!(b.try_find("#harm-c[checked]").await.is_some(), "the ticked type stays ticked");
    assert!(b.try_find("#harm-d[checked]").await.is_none());

    // Left as they are, they give nothing.
    b.goto(&t.url("/report")).await;
    b.type_into(&b.find("#urls").await, "https://video.example/v/plain").await;
    b.type_into(&b.find("#explanation").await, "Propaganda.").await;
    b.click(&b.find("#good_faith").await).await;
    b.click(&b.find("form.stack button[type=submit]").await).await;
    b.find("#tracking-code").await;
    let case = case_at(&t, &p, "https://video.example/v/plain").await;
    assert_eq!(labels_of(&t, &p, &case).await, (json!([]), json!([])));

    // A value the form does not offer is refused by name, as over the API.
    let client = t.no_redirects();
    let page = client.get(t.url("/report")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = csrf_in(&page.text().await.unwrap());
    let fields = [
        ("csrf", csrf.as_str()),
        ("urls", "https://video.example/v/forged"),
        ("explanation", "x"),
        ("good_faith", "yes"),
        ("language", "arabic"),
        ("harm_type", "z"),
    ];
    let res = form_post(client.post(t.url("/report")).header("cookie", &pre), &fields).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Language: must be") && body.contains("What it does: must be"), "{body}");
}
