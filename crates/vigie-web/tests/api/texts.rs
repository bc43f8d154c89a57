//! Text banks over HTTP: a statement banked as `raw_text` (near-duplicate similarity) and as
//! python-threatexchange's `text_tlsh` is found again edited and reordered, by HMA's lookups and by
//! the stay-down check of an upload's text, always for review (news reports quote), never as a
//! `match` an automation acts on. The statements are invented: a club's notice.

use serde_json::json;

use crate::helpers::*;

const STATEMENT: &str = "The Riverside Allotment Society announces that the annual general meeting will be held \
on the first Saturday of March in the community hall beside the old mill. Members are asked to bring their \
membership cards and any proposals for the new season in writing. The committee will present the accounts for \
the past year, the plans for the new greenhouse and the schedule of working days on the common plots. Elections \
for treasurer and secretary will take place at the end of the meeting, and nominations must reach the committee \
two weeks before. Tea and cakes will be served by the volunteers of the orchard group. The society thanks every \
member who helped to repair the fences after the winter storms and reminds all that water butts must be covered.";

/// The statement with its sentences in another order and a few words changed, as re-posts do.
fn edited() -> String {
    let mut sentences: Vec<&str> = STATEMENT.split(". ").collect();
    sentences.rotate_left(2);
    sentences
        .join(". ")
        .replace("annual general meeting", "yearly general meeting")
        .replace("Tea and cakes", "Coffee and cakes")
}

const UNRELATED: &str = "The Hillside Chess Circle informs its players that the winter tournament will begin on \
the second Sunday of January in the library reading room. Players must register with the organiser before the \
end of December and pay the entry fee at the first round. The pairings will be published on the notice board each \
Friday, and games that are not finished by six o'clock will be adjudicated by the arbiter. Juniors under fourteen \
play in their own section with shorter time controls. The circle thanks the library staff for the use of the room.";

#[tokio::test]
async fn a_banked_statement_is_found_edited_and_reordered_for_review_only() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    t.post("/api/v1/banks", &p.token, json!({ "name": "texts", "stay_down": true })).await.expect(201);
    let raw = t.post("/c/bank/texts/signal", &p.token, json!({ "raw_text": STATEMENT })).await.expect(200);
    let digest = vigie_text::tlsh(STATEMENT).expect("long and varied enough for TLSH");
    let tlsh = t.post("/c/bank/texts/signal", &p.token, json!({ "text_tlsh": digest })).await.expect(200);
    let status = t.get("/m/index/status", &p.token).await.expect(200);
    assert_eq!((status["raw_text"]["size"].as_u64(), status["text_tlsh"]["size"].as_u64()), (Some(1), Some(1)));

    // HMA's lookup of the edited copy, its text in a JSON body.
    let found =
        t.post("/m/lookup", &p.token, json!({ "signal_type": "raw_text", "signal": edited() })).await.expect(200);
    assert_eq!(found["texts"][0]["bank_content_id"], raw["id"], "{found}");
    let found =
        t.post("/m/lookup", &p.token, json!({ "signal_type": "raw_text", "signal": UNRELATED })).await.expect(200);
    assert_eq!(found, json!({}), "a notice of the same kind by another club is not a copy");
    let found = t.get(&format!("/m/lookup?signal_type=text_tlsh&signal={digest}"), &p.token).await.expect(200);
    assert_eq!(found["texts"][0]["bank_content_id"], tlsh["id"]);

    // The stay-down check of a post with the edited text: for review, with a case, never "match".
    let res = t
        .post("/api/v1/uploads/check", &p.token, json!({ "text": edited(), "url": "https://tube.example/p/1" }))
        .await
        .expect(200);
    assert_eq!(res["verdict"], "review", "{res}");
    let m = res["matches"].as_array().unwrap().iter().find(|m| m["signal_type"] == "raw_text").expect("{res}");
    let similarity = m["similarity"].as_f64().unwrap();
    assert!((0.4..1.0).contains(&similarity), "{similarity}");
    assert!(res["case"].is_string(), "a stay-down bank opens a case to review: {res}");
    // The statement as banked matches by its TLSH too.
    let res = t.post("/api/v1/uploads/check", &p.token, json!({ "text": STATEMENT })).await.expect(200);
    let kinds: Vec<&str> =
        res["matches"].as_array().unwrap().iter().filter_map(|m| m["signal_type"].as_str()).collect();
    assert!(kinds.contains(&"raw_text") && kinds.contains(&"text_tlsh"), "{res}");
    assert_eq!(res["verdict"], "review");
    let res = t.post("/api/v1/uploads/check", &p.token, json!({ "text": UNRELATED })).await.expect(200);
    assert_eq!(res["verdict"], "no_match");

    // Bad values are clear errors.
    let res = t.post("/api/v1/uploads/check", &p.token, json!({ "text": "   " })).await;
    assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["text".to_owned()]), "{}", res.body);
    let res = t.post("/c/bank/texts/signal", &p.token, json!({ "text_tlsh": "T1ABC" })).await;
    assert_eq!(res.status.as_u16(), 422, "{}", res.body);
}

/// A notice about `url` whose location carries `text`; returns the case it opened.
async fn notice_with_text(t: &TestApp, url: &str, text: Option<&str>) -> String {
    let mut body = notice_body(url);
    if let Some(text) = text {
        body["locations"][0]["text"] = json!(text);
    }
    let receipt = t.post_anonymous("/api/v1/notices", body).await.expect(201);
    crate::console::case_of(t, &receipt).await
}

#[tokio::test]
async fn the_text_of_a_reported_location_is_checked_at_intake_for_review_only() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    let rx = Receiver::start().await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    t.post("/api/v1/banks", &p.token, json!({ "name": "texts" })).await.expect(201);
    let raw = t.post("/c/bank/texts/signal", &p.token, json!({ "raw_text": STATEMENT })).await.expect(200);
    // Another platform's bank is not the receiving side's: never consulted for this case.
    let other = t.platform("other.example").await;
    t.post("/api/v1/banks", &other.token, json!({ "name": "theirs" })).await.expect(201);
    t.post("/c/bank/theirs/signal", &other.token, json!({ "raw_text": UNRELATED })).await.expect(200);

    let matched = notice_with_text(&t, "https://tube.example/p/edited", Some(&edited())).await;
    let plain = notice_with_text(&t, "https://tube.example/p/plain", None).await;
    let unrelated = notice_with_text(&t, "https://tube.example/p/unrelated", Some(UNRELATED)).await;
    let case = |id: String| {
        let (t, token) = (&t, p.token.clone());
        async move { t.get(&format!("/api/v1/cases/{id}"), &token).await.expect(200) }
    };
    let (m, pl, un) = (case(matched.clone()).await, case(plain).await, case(unrelated.clone()).await);
    let priority = |c: &serde_json::Value| c["case"]["priority"].as_i64().or(c["priority"].as_i64()).unwrap();
    assert!(priority(&m) > priority(&pl), "a text match raises the priority: {m} vs {pl}");
    assert_eq!(priority(&un), priority(&pl), "a text that matches nothing (or another platform's bank) does not");
    // The platform hears of the case, then of its raised priority; of the others, only once.
    let of_case = |kind: &str, id: &str| {
        rx.of_type(kind).into_iter().filter(|m| m["data"]["case"]["id"].as_str() == Some(id)).collect::<Vec<_>>()
    };
    let updated =
        eventually("the raised priority's webhook", || async { of_case("case.updated", &matched).into_iter().next() })
            .await;
    assert_eq!(updated["data"]["case"]["priority"].as_i64(), Some(priority(&m)), "{updated}");
    let opened =
        eventually("the case's webhook", || async { of_case("case.opened", &matched).into_iter().next() }).await;
    assert_eq!(opened["data"]["case"]["priority"].as_i64(), Some(priority(&pl)), "{opened}");
    let mut seen = std::collections::HashSet::new();
    let order: Vec<_> = (rx.hits().into_iter())
        .filter(|h| h.body.contains(&matched) && seen.insert(h.headers.get("vigie-delivery").cloned()))
        .map(|h| h.body)
        .collect();
    assert!(order.len() == 2 && order[0].contains("case.opened"), "opened before updated: {order:?}");
    eventually("the unrelated case's webhook", || async { of_case("case.opened", &unrelated).into_iter().next() })
        .await;
    assert!(of_case("case.updated", &unrelated).is_empty());

    // For review only: the case waits for a person (delivered to the platform now), nothing was
    // decided.
    let m = case(matched.clone()).await;
    let state = |c: &serde_json::Value| c["case"]["state"].as_str().or(c["state"].as_str()).map(str::to_owned);
    assert_eq!(state(&m).as_deref(), Some("delivered"), "{m}");
    assert!(m["decision"].is_null() && m["decided_at"].is_null(), "{m}");

    // The match is logged without the text, on the case.
    let events = t.events(Some("case.text_matched")).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    let data = data_of(e);
    assert_eq!((e["subject"].as_str(), &data["entry"]), (Some(matched.as_str()), &raw["id"]), "{e}");
    assert_eq!((data["signal_type"].as_str(), data["priority"].as_i64()), (Some("raw_text"), Some(priority(&m))));
    assert!(!e.to_string().contains("Allotment"), "the text never enters the log in clear: {e}");

    // The reviewer sees the passage highlighted and the bank entry among the case's matches.
    let body = json!({ "name": "Rita Reviewer", "roles": ["moderator"], "login": "rita", "password": crate::console::PASSWORD });
    t.post(&format!("/api/v1/orgs/{}/users", p.org), ADMIN, body).await.expect(201);
    let cookie = t.console_login("rita", crate::console::PASSWORD).await.1.expect("a session");
    let html = t.console_get(&format!("/cases/{matched}"), &cookie).await.body;
    assert!(html.contains("<mark>") && html.contains("Text of the content"), "{html}");
    assert!(html.contains("community hall beside the old mill"), "{html}");
    let html = t.console_get(&format!("/cases/{unrelated}"), &cookie).await.body;
    assert!(!html.contains("Text of the content"), "only a matched text is shown");

    // A later report of the same content keeps the raised priority.
    notice_with_text(&t, "https://tube.example/p/edited", None).await;
    assert!(priority(&case(matched).await) >= priority(&m));

    // Only content carries a text, of a sensible size.
    let mut body = notice_body("https://tube.example/u/someone");
    body["locations"][0]["kind"] = json!("account");
    body["locations"][0]["text"] = json!("a profile");
    let res = t.post_anonymous("/api/v1/notices", body).await;
    assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["locations[0].text".to_owned()]), "{}", res.body);
    let mut body = notice_body("https://tube.example/p/empty");
    body["locations"][0]["text"] = json!("   ");
    let res = t.post_anonymous("/api/v1/notices", body).await;
    assert_eq!((res.status.as_u16(), res.fields()), (422, vec!["locations[0].text".to_owned()]), "{}", res.body);
}
