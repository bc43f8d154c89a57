//! The account network (`docs/graph.md`): accounts linked by a shared media hash, URL or handle;
//! a platform sees its own cases' links; an authority sees across platforms only with a recorded
//! case reference and reason, and each view is a `graph.viewed` event with its values sealed; a
//! hub and other roles are refused; exempt decisions are flagged; the bounds hold. And the
//! console's page, drawn without script, in a real browser with axe-core.

use serde_json::{Value, json};

use crate::console::{PASSWORD, attach, axe, axe_script, case_of, sign_in_to, with_password};
use crate::helpers::*;
use crate::webdriver::Browser;

/// A notice about content at `url` that names the account that posted it, with optional hashes.
fn posted(url: &str, account: &str, extra: Value) -> Value {
    let mut location = json!({ "url": url, "account_id": account });
    if let Value::Object(m) = extra {
        for (k, v) in m {
            location[k] = v;
        }
    }
    json!({ "explanation": "The same propaganda video, posted again.", "locations": [location], "good_faith": true })
}

async fn report(t: &TestApp, body: Value) -> String {
    let receipt = t.post_anonymous("/api/v1/notices", body).await.expect(201);
    case_of(t, &receipt).await
}

async fn view(t: &TestApp, token: &str, body: Value) -> Value {
    t.post("/api/v1/graph", token, body).await.expect(200)
}

/// The node of `account`, if the view shows it.
fn node<'a>(g: &'a Value, account: &str) -> Option<&'a Value> {
    g["nodes"].as_array().unwrap().iter().find(|n| n["account"] == account)
}

/// The shares of the link between two accounts, as `(kind, value)`, sorted.
fn shares(g: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    let (Some(na), Some(nb)) = (node(g, a), node(g, b)) else { return Vec::new() };
    let (ia, ib) = (na["id"].as_str().unwrap(), nb["id"].as_str().unwrap());
    let mut out: Vec<(String, String)> = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| (e["from"] == ia && e["to"] == ib) || (e["from"] == ib && e["to"] == ia))
        .flat_map(|e| e["shares"].as_array().unwrap().clone())
        .map(|s| (s["kind"].as_str().unwrap().to_owned(), s["value"].as_str().unwrap().to_owned()))
        .collect();
    out.sort();
    out
}

fn accounts(g: &Value) -> Vec<String> {
    let mut out: Vec<String> =
        g["nodes"].as_array().unwrap().iter().map(|n| n["account"].as_str().unwrap().to_owned()).collect();
    out.sort();
    out
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[tokio::test]
async fn accounts_that_posted_the_same_media_are_linked_by_its_hash() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let image = png(160, 120);
    let a = report(&t, posted("https://video.example/v/1", "acct-a", json!({}))).await;
    let b = report(&t, posted("https://video.example/v/2", "acct-b", json!({}))).await;
    // A third account's post, reported with the file's SHA-256 computed by the reporter.
    let digest = sha256_hex(&image);
    report(&t, posted("https://video.example/v/3", "acct-c", json!({ "media_sha256": digest.to_uppercase() }))).await;
    // An unrelated account with other media.
    let d = report(&t, posted("https://video.example/v/4", "acct-d", json!({}))).await;
    attach(&t, &p, &a, image.clone()).await;
    attach(&t, &p, &b, image).await;
    attach(&t, &p, &d, png(90, 200)).await;

    let g = view(&t, &p.token, json!({ "account": "acct-a" })).await;
    assert_eq!(accounts(&g), ["acct-a", "acct-b", "acct-c"], "{g:#}");
    assert!(shares(&g, "acct-a", "acct-b").contains(&("hash".into(), digest.clone())), "{g:#}");
    assert!(shares(&g, "acct-a", "acct-c").contains(&("hash".into(), digest.clone())), "{g:#}");
    assert_eq!(node(&g, "acct-a").unwrap()["distance"], 0);
    assert_eq!(node(&g, "acct-b").unwrap()["distance"], 1);
    assert_eq!(g["scope"], "platform");
    assert_eq!(g["truncated"], false);
    assert_eq!(g["never_automated"], true);
    // Each share names the case of each end that carries it.
    let ab = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| [&e["from"], &e["to"]].contains(&&node(&g, "acct-b").unwrap()["id"]))
        .unwrap();
    let cases: Vec<&str> = ab["shares"][0]["cases"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let mut sorted = cases.clone();
    sorted.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(sorted, expected);
}

#[tokio::test]
async fn a_bank_match_links_the_uploader_to_the_account_the_entry_was_banked_from() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let original = report(&t, posted("https://video.example/v/orig", "acct-source", json!({}))).await;
    // The platform banks the video's PDQ from the case, in a stay-down bank.
    let bank =
        t.post("/api/v1/banks", &p.token, json!({ "name": "graph-stay-down", "stay_down": true })).await.expect(201);
    let pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
    let entry = json!({ "signal_type": "pdq", "value": pdq, "case": original });
    t.post(&format!("/api/v1/banks/{}/entries", bank["id"].as_str().unwrap()), &p.token, entry).await.expect(201);
    // A near copy uploaded by another account matches at upload time and opens a stay-down case.
    let mut near = hex::decode(pdq).unwrap();
    near[0] ^= 0b1010_0000;
    let upload =
        json!({ "pdq": hex::encode(near), "url": "https://video.example/v/reupload", "uploader": "acct-reuploader" });
    let outcome = t.post("/api/v1/uploads/check", &p.token, upload).await.expect(200);
    assert!(outcome["case"].is_string(), "the match opened a case: {outcome}");

    let g = view(&t, &p.token, json!({ "account": "acct-reuploader" })).await;
    assert_eq!(accounts(&g), ["acct-reuploader", "acct-source"], "{g:#}");
    assert_eq!(shares(&g, "acct-reuploader", "acct-source"), [("hash".to_owned(), pdq.to_owned())]);
}

#[tokio::test]
async fn accounts_named_at_the_same_url_are_linked_by_it() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    // Two reports name different accounts for the same post (a repost under another name).
    let case = report(&t, posted("https://video.example/watch?v=42&utm_source=x", "acct-first", json!({}))).await;
    let again = report(&t, posted("https://Video.Example/watch?v=42", "acct-second", json!({}))).await;
    assert_eq!(case, again, "the same canonical URL is one case");
    report(&t, posted("https://video.example/watch?v=43", "acct-other", json!({}))).await;

    let g = view(&t, &p.token, json!({ "account": "acct-first" })).await;
    assert_eq!(accounts(&g), ["acct-first", "acct-second"], "{g:#}");
    assert_eq!(
        shares(&g, "acct-first", "acct-second"),
        [("url".to_owned(), "https://video.example/watch?v=42".to_owned())]
    );
    // Started from the case, the view shows both accounts it names.
    let g = view(&t, &p.token, json!({ "case": case })).await;
    assert_eq!(accounts(&g), ["acct-first", "acct-second"]);
    assert!(g["nodes"].as_array().unwrap().iter().all(|n| n["distance"] == 0));
}

#[tokio::test]
async fn a_platform_sees_only_its_own_cases_and_an_authority_sees_across_with_a_recorded_case() {
    let t = TestApp::start().await;
    let a = t.platform("video.example").await;
    let b = t.platform("other.example").await;
    let authority = t.authority().await;
    let profile = |url: &str, id: &str| {
        json!({ "explanation": "A recruiter's profile.", "good_faith": true,
                "locations": [{ "kind": "account", "url": url, "account_id": id }] })
    };
    // The same handle on two platforms, and a hash shared with another platform's post.
    report(&t, profile("https://video.example/@Recruiter", "va-1")).await;
    report(&t, profile("https://other.example/@recruiter", "ob-9")).await;
    let digest = "ab".repeat(32);
    report(&t, posted("https://video.example/v/9", "va-1", json!({ "media_sha256": digest }))).await;
    report(&t, posted("https://other.example/p/9", "ob-2", json!({ "media_sha256": digest }))).await;

    // Each platform sees its own account and nothing of the other's.
    let seen_by_a = view(&t, &a.token, json!({ "account": "va-1" })).await;
    assert_eq!(accounts(&seen_by_a), ["va-1"], "{seen_by_a:#}");
    let seen_by_b = view(&t, &b.token, json!({ "account": "va-1" })).await;
    assert_eq!(accounts(&seen_by_b), Vec::<String>::new(), "another platform's account is not there for it");
    let b_case = report(&t, posted("https://other.example/p/10", "ob-3", json!({}))).await;
    let res = t.post("/api/v1/graph", &a.token, json!({ "case": b_case })).await;
    assert_eq!(res.status, 404, "another platform's case does not exist for it: {}", res.body);

    // An authority without a recorded case reference and reason is refused, by field.
    let res = t.post("/api/v1/graph", &authority.token, json!({ "account": "va-1" })).await;
    assert_eq!(res.status, 422, "{}", res.body);
    let mut fields = res.fields();
    fields.sort();
    assert_eq!(fields, ["reason", "reference"]);
    assert_eq!(t.events(Some("graph.viewed")).await.len(), 2, "the two views answered; refused ones record nothing");

    // With them, it sees across platforms: the handle and the hash link them.
    let reference = "FR-PNAT-2026-0117";
    let reason = "Mapping the distribution network of a recruiter under investigation.";
    let g = view(&t, &authority.token, json!({ "account": "va-1", "reference": reference, "reason": reason })).await;
    assert_eq!(g["scope"], "cross_platform");
    assert_eq!(accounts(&g), ["ob-2", "ob-9", "va-1"], "{g:#}");
    assert_eq!(shares(&g, "va-1", "ob-9"), [("handle".to_owned(), "recruiter".to_owned())]);
    assert_eq!(shares(&g, "va-1", "ob-2"), [("hash".to_owned(), digest.clone())]);

    // The view is an event, its personal values sealed: neither the account, the reference nor
    // the reason is in the log in the clear.
    let events = t.events(Some("graph.viewed")).await;
    assert_eq!(events.len(), 3);
    let last = events.iter().max_by_key(|e| e["seq"].as_i64().unwrap()).unwrap();
    assert_eq!(last["seq"], g["event_seq"]);
    let data = data_of(last);
    assert_eq!(data["scope"], "cross_platform");
    assert_eq!(data["nodes"], 3);
    assert!(data["reference"]["sealed"].is_string() && data["reason"]["sealed"].is_string(), "{data}");
    let text = last.to_string();
    for clear in [reference, reason, "va-1"] {
        assert!(!text.contains(clear), "{clear} is in the event in the clear: {text}");
    }
    assert_eq!(last["org"], authority.org.as_str());
    // A platform's own views are recorded too, without a reference.
    let platform_views: Vec<Value> = events.iter().filter(|e| data_of(e)["scope"] == "platform").map(data_of).collect();
    assert_eq!(platform_views.len(), 2);
    assert!(platform_views.iter().all(|d| d.get("reference").is_none()));
    // A platform cannot give a reference for a view it is not entitled to widen.
    let res = t.post("/api/v1/graph", &a.token, json!({ "account": "va-1", "reference": "x", "reason": "y" })).await;
    assert_eq!(res.status, 422);
}

#[tokio::test]
async fn a_hub_and_other_roles_never_get_the_network() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    report(&t, posted("https://video.example/v/1", "acct-a", json!({}))).await;
    let integrator = t.person(&p.org, &["integrator"]).await;
    let platform_viewer = t.person(&p.org, &["viewer"]).await;
    let hub = t.member("hub", "A national hub", &["reporter", "viewer"]).await;
    let overseer = t.member("overseer", "An auditor", &["viewer"]).await;
    let flagger = t.member("trusted_flagger", "An NGO", &["reporter"]).await;
    let body = json!({ "account": "acct-a", "reference": "REF-1", "reason": "curious" });
    for (who, token) in [
        ("the administrator", ADMIN),
        ("a hub", hub.token.as_str()),
        ("an overseer", overseer.token.as_str()),
        ("a trusted flagger", flagger.token.as_str()),
        ("a platform's integrator", integrator.token.as_str()),
        ("a platform's viewer", platform_viewer.token.as_str()),
    ] {
        let res = t.post("/api/v1/graph", token, body.clone()).await;
        assert_eq!(res.status, 403, "{who}: {}", res.body);
        assert_eq!(res.code(), "forbidden", "{who}");
    }
    let res = t.send(reqwest::Method::POST, "/api/v1/graph", None, Some(body)).await;
    assert_eq!(res.status, 401);
    assert!(t.events(Some("graph.viewed")).await.is_empty(), "a refused view records nothing");
}

#[tokio::test]
async fn an_exempt_decision_is_flagged_on_the_account_and_its_links() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let digest = "cd".repeat(32);
    report(&t, posted("https://video.example/v/attack", "acct-member", json!({ "media_sha256": digest }))).await;
    let news =
        report(&t, posted("https://video.example/v/news", "acct-newsroom", json!({ "media_sha256": digest }))).await;
    let decision = json!({ "action": "exempt", "purpose": "journalistic",
                           "purpose_rationale": "a news report showing the footage with commentary" });
    t.post(&format!("/api/v1/cases/{news}/decision"), &p.token, decision).await.expect(201);

    let g = view(&t, &p.token, json!({ "account": "acct-member" })).await;
    let reporter = node(&g, "acct-newsroom").expect("the newsroom shares the footage");
    assert_eq!(reporter["exempt"], true);
    assert_eq!(reporter["exempt_purposes"], json!(["journalistic"]));
    assert_eq!(reporter["cases"][0]["exempt_purpose"], "journalistic");
    assert_eq!(node(&g, "acct-member").unwrap()["exempt"], false);
    assert_eq!(g["edges"][0]["exempt"], true);
}

#[tokio::test]
async fn a_view_is_bounded_and_says_when_it_was_cut() {
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let digest = "ef".repeat(32);
    for i in 0..6 {
        report(
            &t,
            posted(&format!("https://video.example/v/{i}"), &format!("acct-{i}"), json!({ "media_sha256": digest })),
        )
        .await;
    }
    let all = view(&t, &p.token, json!({ "account": "acct-0" })).await;
    assert_eq!(accounts(&all).len(), 6);
    assert_eq!(all["truncated"], false);
    let cut = view(&t, &p.token, json!({ "account": "acct-0", "max_nodes": 3 })).await;
    assert_eq!(accounts(&cut).len(), 3, "{cut:#}");
    assert_eq!(cut["truncated"], true);
    assert_eq!(cut["max_nodes"], 3);
    // Edges join only accounts the view shows.
    let ids: Vec<&Value> = cut["nodes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
    for e in cut["edges"].as_array().unwrap() {
        assert!(ids.contains(&&e["from"]) && ids.contains(&&e["to"]), "{e}");
    }
    // Out-of-range bounds and a start that is neither or both are refused by field.
    for (body, field) in [
        (json!({ "account": "acct-0", "depth": 4 }), "depth"),
        (json!({ "account": "acct-0", "depth": 0 }), "depth"),
        (json!({ "account": "acct-0", "max_nodes": 201 }), "max_nodes"),
        (json!({}), "account"),
        (json!({ "account": "acct-0", "case": "cas_x" }), "account"),
    ] {
        let res = t.post("/api/v1/graph", &p.token, body.clone()).await;
        assert_eq!(res.status, 422, "{body}: {}", res.body);
        assert_eq!(res.fields(), [field], "{body}");
    }
    // Depth 1 stops at the accounts next to the start.
    let chain = |i: usize, a: &str, h: &str| {
        posted(&format!("https://video.example/c/{i}"), a, json!({ "media_sha256": h.repeat(32) }))
    };
    report(&t, chain(1, "chain-0", "01")).await;
    report(&t, chain(2, "chain-1", "01")).await;
    report(&t, chain(3, "chain-1", "02")).await;
    report(&t, chain(4, "chain-2", "02")).await;
    let near = view(&t, &p.token, json!({ "account": "chain-0", "depth": 1 })).await;
    assert_eq!(accounts(&near), ["chain-0", "chain-1"]);
    let far = view(&t, &p.token, json!({ "account": "chain-0", "depth": 2 })).await;
    assert_eq!(accounts(&far), ["chain-0", "chain-1", "chain-2"]);
    assert_eq!(node(&far, "chain-2").unwrap()["distance"], 2);
}

#[tokio::test]
async fn the_console_draws_the_network_as_an_accessible_svg_without_script() {
    let script = axe_script();
    let t = TestApp::start().await;
    let p = t.platform("video.example").await;
    let login = with_password(&t, &p, "moderator.graph").await;
    let digest = "9a".repeat(32);
    report(&t, posted("https://video.example/v/a", "acct-a", json!({ "media_sha256": digest }))).await;
    report(&t, posted("https://video.example/v/b", "acct-b", json!({ "media_sha256": digest }))).await;
    let news = report(&t, posted("https://video.example/v/n", "acct-news", json!({ "media_sha256": digest }))).await;
    let decision = json!({ "action": "exempt", "purpose": "research", "purpose_rationale": "an archive" });
    t.post(&format!("/api/v1/cases/{news}/decision"), &p.token, decision).await.expect(201);

    let b = Browser::start().await;
    sign_in_to(&t, &b, &login, "/queue").await;
    b.goto(&t.url("/search")).await;
    b.click(&b.find("#network-link").await).await;
    b.wait_url("/graph").await;
    b.type_into(&b.find("#graph-account").await, "acct-a").await;
    b.click(&b.find("#graph-show").await).await;
    b.find("#graph-svg").await;

    // The drawing: one mark per account, one line per link, the exempt account as a square.
    let nodes = b.find_all("#graph-svg g.graph-nodes > g").await;
    assert_eq!(nodes.len(), 3);
    assert_eq!(b.find_all("#graph-svg line").await.len(), 3);
    assert_eq!(b.find_all("#graph-svg g[data-exempt='yes'] rect").await.len(), 1);
    let title = b.text(&b.find("#graph-svg-title").await).await;
    assert!(!title.is_empty());
    // The table alternative lists the same links, with what they share.
    let rows = b.find_all("#graph-links tbody tr").await;
    assert_eq!(rows.len(), 3);
    let links = b.text(&b.find("#graph-links").await).await;
    assert!(links.contains(&digest[..20]), "{links}");
    let accounts_table = b.text(&b.find("#graph-accounts").await).await;
    assert!(accounts_table.contains("exempt: research") || accounts_table.contains("research"), "{accounts_table}");
    assert!(b.text(&b.find("#never-automated").await).await.contains("Nothing automated"));
    let mut report_out = Vec::new();
    let serious = axe(&b, &script, "graph", &mut report_out).await;
    assert!(serious.is_empty(), "axe: {serious:#?}");
    b.screenshot("graph-1280").await;
    // The view was logged like the API's.
    assert_eq!(t.events(Some("graph.viewed")).await.len(), 1);
    // An account's history leads to its network.
    b.goto(&t.url("/accounts?id=acct-b")).await;
    b.click(&b.find("#account-network").await).await;
    b.find("#graph-svg").await;
    let title = b.script("return document.querySelector(\"#graph-svg g[data-distance='0'] title\").textContent").await;
    assert!(title.as_str().unwrap().starts_with("acct-b on "), "{title}");
    assert_eq!(t.events(Some("graph.viewed")).await.len(), 2);
}

#[tokio::test]
async fn an_authority_asks_through_the_console_with_a_plain_form_and_its_view_is_logged() {
    let t = TestApp::start().await;
    t.platform("video.example").await;
    t.platform("other.example").await;
    let authority = t.authority().await;
    let login = with_password(&t, &authority, "iru.graph").await;
    let digest = "5e".repeat(32);
    report(&t, posted("https://video.example/v/1", "va-1", json!({ "media_sha256": digest }))).await;
    report(&t, posted("https://other.example/p/1", "ob-1", json!({ "media_sha256": digest }))).await;
    let (_, cookie) = t.console_login(&login, PASSWORD).await;
    let cookie = cookie.expect("signed in");
    let form = t.console_get("/graph", &cookie).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("id=\"graph-reference\""), "an authority's form asks for the case reference");
    let csrf = form.csrf();
    // Without the reference and reason: the form again, with the problems, and nothing logged.
    let refused = t.console_post("/graph", &cookie, &[("csrf", &csrf), ("account", "va-1"), ("depth", "2")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"problems\"") && !refused.body.contains("id=\"graph-svg\""));
    assert!(t.events(Some("graph.viewed")).await.is_empty());
    let shown = t
        .console_post(
            "/graph",
            &cookie,
            &[
                ("csrf", &csrf),
                ("account", "va-1"),
                ("depth", "2"),
                ("max_nodes", "50"),
                ("reference", "FR-PNAT-2026-0200"),
                ("reason", "Distribution network"),
            ],
        )
        .await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    // The SVG is in the page as served: no script draws it.
    assert!(shown.body.contains("<svg id=\"graph-svg\""), "{}", shown.body);
    assert!(shown.body.contains("ob-1") && shown.body.contains("across platforms"));
    assert_eq!(t.events(Some("graph.viewed")).await.len(), 1);
    // A form without its CSRF token is refused.
    let forged = t.console_post("/graph", &cookie, &[("account", "va-1")]).await;
    assert_eq!(forged.status, 403);
}
