//! What one client may cost the server: connections, their timeouts, and image decoding memory.
//! Each test fails if the server holds what it should have let go (bounded waits, never sleeps
//! that then assert nothing happened).

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Reads until the server closes the connection; fails the test if it has not within `limit`.
async fn read_to_close(s: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    tokio::time::timeout(limit, s.read_to_end(&mut out))
        .await
        .expect("the server closed the connection in time")
        .expect("reading the socket");
    out
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed_and_a_flood_is_refused_not_queued() {
    let t = TestApp::start_with(|c| {
        c.connections.max_connections = 8;
        c.connections.header_read_timeout = Duration::from_millis(500);
    })
    .await;
    // Seven idle sockets and a slow-loris head (never finished) fill the cap.
    let mut idle = Vec::new();
    for _ in 0..7 {
        idle.push(TcpStream::connect(t.addr).await.unwrap());
    }
    let mut slow = TcpStream::connect(t.addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    // Let the server accept them all, then one more is answered 503 at once and closed.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let mut extra = TcpStream::connect(t.addr).await.unwrap();
            let answer = read_to_close(&mut extra, Duration::from_secs(5)).await;
            if !answer.is_empty() {
                return answer;
            }
        }
    })
    .await
    .map(|answer| {
        let text = String::from_utf8(answer).unwrap();
        assert!(text.starts_with("HTTP/1.1 503"), "{text}");
        assert!(text.contains("retry-after: 1"), "{text}");
        let problem: Value = serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(problem["code"], "busy");
    })
    .expect("a connection beyond the cap is answered");

    // The idle sockets and the slow one are all closed by the server.
    for s in &mut idle {
        read_to_close(s, Duration::from_secs(10)).await;
    }
    read_to_close(&mut slow, Duration::from_secs(10)).await;
    // With the sockets gone, the server answers again.
    let res = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// A lossless WebP header declaring `w × h` pixels, with no pixel data: a few bytes that would
/// cost gigabytes if a decoder trusted them.
fn webp_header(w: u32, h: u32) -> Vec<u8> {
    let bits = (w - 1) | ((h - 1) << 14);
    let mut chunk = vec![0x2f];
    chunk.extend_from_slice(&bits.to_le_bytes());
    chunk.resize(64, 0);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(4 + 8 + chunk.len() as u32).to_le_bytes());
    out.extend_from_slice(b"WEBPVP8L");
    out.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    out.extend_from_slice(&chunk);
    out
}

async fn hash(t: &TestApp, token: &str, bytes: Vec<u8>) -> (u16, Option<String>, Value) {
    let res = t.http.post(t.url("/api/v1/hash")).bearer_auth(token).body(bytes).send().await.unwrap();
    let status = res.status().as_u16();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (status, retry, res.json().await.unwrap())
}

#[tokio::test]
async fn image_decoding_has_a_memory_budget_and_each_organisation_a_share() {
    let t = TestApp::start_with(|c| {
        c.app.decode_budget = vigie_app::budget::DecodeBudgetConfig {
            total_bytes: 256 << 20,
            per_org_bytes: 128 << 20,
            wait: Duration::from_millis(50),
        };
    })
    .await;
    let a = t.platform("a.example").await;
    let b = t.platform("b.example").await;
    let viewer = t.person(&a.org, &["viewer"]).await;
    let photo = png(640, 480);

    // A few bytes that declare 98 megapixels are refused from the header, before any decoding.
    let (status, _, problem) = hash(&t, &viewer.token, webp_header(16383, 6000)).await;
    assert_eq!((status, problem["code"].as_str()), (413, Some("payload_too_large")), "{problem}");

    // Organisation A's images hold its whole share: A waits for nothing and hears 429; B still
    // hashes, within what is left of the server's budget.
    let org_a = vigie_model::OrgId::parse(&a.org).unwrap();
    let held = t.app.decode_budget().reserve(&org_a, 127 << 20).await.unwrap();
    let (status, retry, problem) = hash(&t, &viewer.token, photo.clone()).await;
    assert_eq!((status, retry.as_deref(), problem["code"].as_str()), (429, Some("1"), Some("quota_exceeded")));
    assert_eq!(hash(&t, &b.token, photo.clone()).await.0, 200);

    // The server's budget full: B waits a moment, then hears 503 with Retry-After.
    let org_c = vigie_model::OrgId::parse(&t.platform("c.example").await.org).unwrap();
    let also_held = t.app.decode_budget().reserve(&org_c, 128 << 20).await.unwrap();
    let (status, retry, problem) = hash(&t, &b.token, photo.clone()).await;
    assert_eq!((status, retry.as_deref(), problem["code"].as_str()), (503, Some("2"), Some("busy")));
    // The same goes for the stay-down check and case media, which decode too.
    let body =
        serde_json::json!({ "media": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &photo) });
    let res = t.post("/api/v1/uploads/check", &b.token, body).await;
    assert_eq!((res.status.as_u16(), res.code()), (503, "busy"));

    // Memory given back, everyone hashes again, and nothing stays reserved after a request.
    drop((held, also_held));
    assert_eq!(hash(&t, &viewer.token, photo.clone()).await.0, 200);
    assert_eq!(hash(&t, &b.token, photo).await.0, 200);
    assert_eq!(t.app.decode_budget().in_use(), 0);
}

#[tokio::test]
async fn a_full_store_refuses_writes_with_507_says_so_in_health_and_loses_nothing_acknowledged() {
    // The database's size cap fails writes exactly as a full disk does (SQLITE_FULL). The scheduler
    // passes once at start (a Tokio interval's first tick is immediate) and then not for an hour:
    // none of its small commits, which fit and so clear the flag, can fall between the 507 and the
    // health check (it passed every 50 ms, and now and then did).
    let t = TestApp::start_with(|c| {
        c.store.max_db_bytes = Some(3 << 20);
        c.app.scheduler_interval = std::time::Duration::from_secs(3600);
    })
    .await;
    // No platform claims the host: the cases wait parked, so no delivery to an inbox writes in the
    // background. Such a write, small enough to fit after the 507, would rightly say the storage
    // has room again, between the 507 and the health check.
    let health = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["store"], "ok");
    let mut acknowledged = Vec::new();
    let refused = loop {
        assert!(acknowledged.len() < 5_000, "the cap was never reached");
        let n = acknowledged.len();
        let body = serde_json::json!({
            "explanation": format!("report {n}: {}", "x".repeat(4000)),
            "locations": [{ "url": format!("https://video.example/v/{n}") }],
            "good_faith": true,
        });
        let res = t.http.post(t.url("/api/v1/notices")).json(&body).send().await.unwrap();
        if res.status() != 201 {
            break res;
        }
        acknowledged.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
    };
    let status = refused.status().as_u16();
    let headers = refused.headers().clone();
    let text = refused.text().await.unwrap();
    assert_eq!(status, 507, "{text}");
    assert_eq!(headers["retry-after"], "60");
    assert_eq!(headers["content-type"], "application/problem+json");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["code"], "storage_full");

    let health = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 503);
    let health: Value = health.json().await.unwrap();
    assert_eq!(health["code"], "storage_full", "{health}");
    // Reads still work, and every acknowledged notice is there.
    for id in acknowledged.iter().step_by(25).chain(acknowledged.last()) {
        t.get(&format!("/api/v1/notices/{id}"), ADMIN).await.expect(200);
    }
    let listed = t.get("/api/v1/signals?limit=1000", ADMIN).await.expect(200)["signals"].as_array().unwrap().len();
    assert_eq!(listed, acknowledged.len().min(1000));
}
