//! Signed webhooks from the transactional outbox, with retries; and the egress policy.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use vigie_model::Duration;

use crate::helpers::*;

fn verify_signature(secret: &str, hit: &Hit) -> bool {
    let ts = hit.headers["vigie-timestamp"].to_str().unwrap();
    let sig = hit.headers["vigie-signature"].to_str().unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{}", hit.body).as_bytes());
    let expected = format!("v1={}", hex::encode(mac.finalize().into_bytes()));
    expected == sig
}

#[tokio::test]
async fn webhooks_to_private_or_plain_http_addresses_are_refused() {
    let t = TestApp::start_with(|c| c.app.egress = vigie_app::EgressPolicy::default()).await;
    let p = t.platform("video.example").await;
    for url in [
        "https://10.0.0.5/hook",
        "https://192.168.1.2/hook",
        "https://127.0.0.1:9/hook",
        "https://169.254.169.254/latest",
        "https://[::1]/hook",
        "https://[::127.0.0.1]/hook",
        "https://[64:ff9b::7f00:1]/hook",
        "https://[2002:7f00:1::1]/hook",
        "https://[fec0::1]/hook",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "https://localhost/hook",
        "http://example.org/hook",
        "not a url",
    ] {
        let res = t.post("/api/v1/webhooks", &p.token, json!({ "url": url })).await;
        assert_eq!((res.status.as_u16(), res.code()), (422, "egress_refused"), "{url}");
    }
}

#[tokio::test]
async fn a_new_case_is_pushed_signed_and_a_2xx_answer_is_receipt() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    let hook = t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let secret = hook["secret"].as_str().unwrap().to_owned();
    let a = t.authority().await;
    let order =
        t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let id = order["id"].as_str().unwrap().to_owned();

    let opened =
        eventually("the case.opened delivery", || async { rx.of_type("case.opened").into_iter().next() }).await;
    let hit = rx.hits().into_iter().find(|h| h.body.contains("case.opened")).unwrap();
    assert!(verify_signature(&secret, &hit), "the HMAC signature checks out");
    assert!(!verify_signature("whsec_wrong", &hit));
    assert_eq!(hit.headers["vigie-delivery"].to_str().unwrap(), opened["id"].as_str().unwrap(), "the idempotency key");
    assert_eq!(opened["data"]["case"]["url"], "https://video.example/v/1");

    // The 2xx answer is the platform's receipt: the order's clock runs from it.
    let o = eventually("receipt by webhook", || async {
        let o = t.get(&format!("/api/v1/orders/{id}"), &a.token).await.expect(200);
        (o["state"] == "running").then_some(o)
    })
    .await;
    assert!(o["received_at"].is_string());
    let received =
        eventually("the order.received delivery", || async { rx.of_type("order.received").into_iter().next() }).await;
    assert_eq!(received["data"]["order"], id.as_str());
    let case = t.get(&format!("/api/v1/cases/{}", o["cases"][0]["id"].as_str().unwrap()), &p.token).await.expect(200);
    assert_eq!(case["state"], "delivered");

    // Clock events are pushed too.
    t.advance(Duration::from_mins(46));
    t.tick().await;
    let esc =
        eventually("the escalation delivery", || async { rx.of_type("order.escalated").into_iter().next() }).await;
    assert_eq!(esc["data"]["level"], 1);
}

#[tokio::test]
async fn a_delivered_message_carries_its_type_s_version_as_docs_api_md_lists_it() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let a = t.authority().await;
    t.post("/api/v1/orders", &a.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    // A message with a struct of its own, and one that carries an event's data.
    for t in ["case.opened", "order.received"] {
        let m = eventually(t, || async { rx.of_type(t).into_iter().next() }).await;
        let mut keys: Vec<_> = m.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["data", "id", "occurred_at", "type", "version"], "{t}'s envelope");
        let version = m["version"].as_u64().unwrap_or_else(|| panic!("{t} has a numeric version: {m}"));
        assert!(api.contains(&format!("| `{t}` | {version} |")), "docs/api.md lists {t} at version {version}");
    }
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_backoff_under_the_same_idempotency_key() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    rx.script.lock().unwrap().extend([500, 503]);
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let mut threat = notice_body("https://video.example/live");
    threat["threat_to_life"] = json!(true);
    t.post_anonymous("/api/v1/notices", threat).await.expect(201);

    let key = eventually("a first failed attempt", || async {
        rx.hits().first().map(|h| h.headers["vigie-delivery"].to_str().unwrap().to_owned())
    })
    .await;
    // Each retry waits for its backoff, measured on Vigie's clock: 2 s, then 4 s.
    for (attempts, backoff) in [(1, 2), (2, 4)] {
        eventually("the failure to be recorded", || async {
            let d = t.get(&format!("/api/v1/deliveries/{key}"), &p.token).await.expect(200);
            (d["attempts"] == attempts).then_some(())
        })
        .await;
        t.deliver().await;
        assert_eq!(rx.hits().len(), attempts as usize, "no retry before the backoff");
        t.advance(Duration::from_secs(backoff));
    }
    eventually("the successful third attempt", || async { (rx.hits().len() == 3).then_some(()) }).await;
    let keys: Vec<_> = rx.hits().iter().map(|h| h.headers["vigie-delivery"].to_str().unwrap().to_owned()).collect();
    assert!(keys.iter().all(|k| k == &keys[0]), "every attempt carries the same key: {keys:?}");
    let body: serde_json::Value = serde_json::from_str(&rx.hits()[0].body).unwrap();
    assert_eq!(body["data"]["case"]["threat_to_life"], true);
    let d = eventually("the success to be recorded", || async {
        let d = t.get(&format!("/api/v1/deliveries/{key}"), &p.token).await.expect(200);
        d["delivered_at"].is_string().then_some(d)
    })
    .await;
    assert_eq!(d["attempts"], 3);
    t.advance(Duration::from_mins(30));
    t.tick().await;
    t.deliver().await;
    assert_eq!(rx.of_type("case.opened").len(), 3, "a delivered message is not sent again");
}

#[tokio::test]
async fn a_webhook_is_listed_without_its_secret_deleted_and_sent_nothing_after() {
    let t = TestApp::start().await;
    let (kept_rx, deleted_rx) = (Receiver::start().await, Receiver::start().await);
    let p = t.platform("video.example").await;
    let kept = t.post("/api/v1/webhooks", &p.token, json!({ "url": kept_rx.url })).await.expect(201);
    // The endpoint to delete fails, so its messages wait for a retry.
    deleted_rx.script.lock().unwrap().extend([500; 20]);
    let doomed = t.post("/api/v1/webhooks", &p.token, json!({ "url": deleted_rx.url })).await.expect(201);
    let doomed_id = doomed["id"].as_str().unwrap().to_owned();
    t.notice("https://video.example/v/1").await;
    let waiting =
        eventually("a failed attempt", || async { deleted_rx.of_type("case.opened").into_iter().next() }).await;

    let list = t.get("/api/v1/webhooks", &p.token).await.expect(200);
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("whsec_"), "secrets are shown once, at registration");
    // Another platform does not see it and cannot delete it.
    let other = t.platform("other.example").await;
    assert!(t.get("/api/v1/webhooks", &other.token).await.expect(200)["webhooks"].as_array().unwrap().is_empty());
    let path = format!("/api/v1/webhooks/{doomed_id}");
    assert_eq!(t.send(reqwest::Method::DELETE, &path, Some(&other.token), None).await.status, 404);

    assert_eq!(t.send(reqwest::Method::DELETE, &path, Some(&p.token), None).await.status, 204);
    assert_eq!(t.send(reqwest::Method::DELETE, &path, Some(&p.token), None).await.status, 404, "already gone");
    let list = t.get("/api/v1/webhooks", &p.token).await.expect(200);
    assert_eq!(list["webhooks"][0]["id"], kept["id"]);
    assert_eq!(list["webhooks"].as_array().unwrap().len(), 1);
    let deleted = t.events(Some("webhook.deleted")).await;
    assert_eq!(
        (deleted[0]["subject"].as_str(), data_of(&deleted[0])["org"].as_str()),
        (Some(doomed_id.as_str()), Some(p.org.as_str()))
    );
    // What it had not received is dropped, not retried.
    let pending = waiting["id"].as_str().unwrap();
    assert_eq!(t.get(&format!("/api/v1/deliveries/{pending}"), &p.token).await.status, 404);

    // The next case reaches the kept webhook and only it.
    let before = deleted_rx.hits().len();
    t.notice("https://video.example/v/2").await;
    eventually("the second case at the kept webhook", || async {
        (kept_rx.of_type("case.opened").len() == 2).then_some(())
    })
    .await;
    assert_eq!(deleted_rx.hits().len(), before, "nothing was queued for the deleted webhook");
}

/// The case a delivery (parsed body) is about.
fn case_of_message(m: &serde_json::Value) -> String {
    m["data"]["case"]["id"].as_str().unwrap_or_default().to_owned()
}

/// The answered deliveries a receiver saw, parsed, in the order they arrived.
fn messages(rx: &Receiver) -> Vec<serde_json::Value> {
    rx.hits().iter().map(|h| serde_json::from_str(&h.body).unwrap()).collect()
}

#[tokio::test]
async fn a_silent_endpoint_does_not_delay_an_urgent_message_to_another_endpoint() {
    // An attempt waits up to two minutes for an answer: far longer than the test waits.
    let t = TestApp::start_with(|c| c.app.delivery_timeout = std::time::Duration::from_secs(120)).await;
    let silent = Receiver::start().await;
    *silent.script.lock().unwrap() = vec![0; 50];
    let live = Receiver::start().await;
    let a = t.platform("silent.example").await;
    t.post("/api/v1/webhooks", &a.token, json!({ "url": silent.url })).await.expect(201);
    let b = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &b.token, json!({ "url": live.url })).await.expect(201);
    let issuer = t.authority().await;

    // The silent endpoint holds a normal message and an urgent one (an order's case), unanswered.
    t.notice("https://silent.example/v/1").await;
    t.post("/api/v1/orders", &issuer.token, order_body(&a.org, &["https://silent.example/v/2"])).await.expect(201);
    eventually("both messages at the silent endpoint", || async { (silent.hits().len() == 2).then_some(()) }).await;

    // An order to another platform: its case reaches that platform's endpoint meanwhile.
    let order =
        t.post("/api/v1/orders", &issuer.token, order_body(&b.org, &["https://video.example/v/1"])).await.expect(201);
    let opened = eventually("the urgent case.opened at the live endpoint", || async {
        live.of_type("case.opened").into_iter().next()
    })
    .await;
    assert_eq!(opened["data"]["case"]["id"], order["cases"][0]["case"]);
    assert_eq!(silent.hits().len(), 2, "the silent endpoint was not sent its messages again meanwhile");
}

#[tokio::test]
async fn a_case_s_messages_arrive_in_order_and_a_failure_holds_back_only_its_own_case() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let issuer = t.authority().await;

    // The first message about the case fails; it is retried two seconds later.
    *rx.script.lock().unwrap() = vec![503];
    let first = t.notice("https://video.example/v/1").await;
    let notice = t.get(&format!("/api/v1/notices/{}", first["id"].as_str().unwrap()), ADMIN).await.expect(200);
    let case = notice["cases"][0]["id"].as_str().unwrap().to_owned();
    t.deliver().await;
    assert_eq!(messages(&rx).len(), 1);
    // Meanwhile an order about the same case (urgent), and a notice about another case.
    t.post("/api/v1/orders", &issuer.token, order_body(&p.org, &["https://video.example/v/1"])).await.expect(201);
    t.notice("https://video.example/v/2").await;
    t.deliver().await;
    let seen = messages(&rx);
    assert!(
        seen.iter().all(|m| m["type"] != "case.updated"),
        "the order's message waits for the case's first one: {seen:?}"
    );
    assert!(
        seen.iter().any(|m| m["type"] == "case.opened" && case_of_message(m) != case),
        "another case's message is not held back: {seen:?}"
    );

    // Once the first is delivered, the order's follows it.
    t.advance(Duration::from_secs(3));
    t.deliver().await;
    let about_case: Vec<String> = messages(&rx)
        .iter()
        .filter(|m| case_of_message(m) == case)
        .map(|m| m["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(about_case, ["case.opened", "case.opened", "case.updated"], "failed, retried, then the next");
}

#[tokio::test]
async fn a_message_that_used_up_its_attempts_is_a_dead_letter_until_put_back() {
    let t = TestApp::start().await;
    let rx = Receiver::start().await;
    let p = t.platform("video.example").await;
    t.post("/api/v1/webhooks", &p.token, json!({ "url": rx.url })).await.expect(201);
    let other = t.platform("other.example").await;
    let attempts = vigie_app::delivery::MAX_ATTEMPTS as usize;
    *rx.script.lock().unwrap() = vec![500; attempts];
    t.notice("https://video.example/v/1").await;

    let dead = || async { t.get("/api/v1/deliveries/dead", &p.token).await.expect(200)["deliveries"].clone() };
    t.deliver().await;
    let id = messages(&rx)[0]["id"].as_str().unwrap().to_owned();
    let tries = || messages(&rx).iter().filter(|m| m["id"] == id.as_str()).count();
    for n in 1..=attempts {
        if n > 1 {
            t.deliver().await;
        }
        assert_eq!(tries(), n, "attempt {n}");
        if n < attempts {
            assert_eq!(dead().await, json!([]), "not dead after {n} attempts");
        }
        // Past the longest backoff: the next attempt is due.
        t.advance(Duration::from_mins(10));
    }
    t.deliver().await;
    assert_eq!(tries(), attempts, "nothing more is tried");
    let listed = dead().await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let letter = &listed[0];
    assert_eq!(letter["id"], id.as_str());
    assert_eq!(
        (letter["event_type"].as_str(), letter["attempts"].as_u64()),
        (Some("case.opened"), Some(attempts as u64))
    );
    assert!(letter["last_error"].as_str().unwrap().contains("500"), "{letter}");
    assert!(letter["dead_at"].is_string() && letter["delivered_at"].is_null());
    let all = t.get("/api/v1/deliveries/dead", ADMIN).await.expect(200);
    assert_eq!(all["deliveries"][0]["id"], id.as_str(), "the administrator sees every organisation's");
    let theirs = t.get("/api/v1/deliveries/dead", &other.token).await.expect(200);
    assert_eq!(theirs["deliveries"], json!([]), "another platform sees none of them");
    let foreign = t.post(&format!("/api/v1/deliveries/{id}/retry"), &other.token, json!({})).await;
    assert_eq!(foreign.status, 404);

    // Put back: due at once, attempts counted afresh, delivered by the next pass.
    let back = t.post(&format!("/api/v1/deliveries/{id}/retry"), &p.token, json!({})).await.expect(200);
    assert_eq!((back["attempts"].as_u64(), back["dead_at"].is_null()), (Some(0), true));
    let again = t.post(&format!("/api/v1/deliveries/{id}/retry"), &p.token, json!({})).await;
    assert_eq!((again.status.as_u16(), again.code()), (409, "not_dead_letter"));
    // The log says who put it back, once: the refused second try wrote nothing.
    let requeued = t.events(Some("delivery.requeued")).await;
    assert_eq!(requeued.len(), 1, "{requeued:?}");
    assert_eq!(data_of(&requeued[0])["delivery"], json!(id));
    assert_eq!(data_of(&requeued[0])["attempts"], json!(attempts));
    t.deliver().await;
    assert_eq!(tries(), attempts + 1);
    let delivered = t.get(&format!("/api/v1/deliveries/{id}"), &p.token).await.expect(200);
    assert!(delivered["delivered_at"].is_string(), "{delivered}");
    assert_eq!(dead().await, json!([]));
}
