//! Crash test: the real binary is killed with SIGKILL while notices pour in; after a restart,
//! every notice that was answered 201 is there exactly once, and the event chain verifies.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const ADMIN: &str = "crash-test-admin";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn_server(data: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_ADMIN_TOKEN", ADMIN)
        .env("VIGIE_PUBLIC_RATE_LIMIT", "0")
        .env("VIGIE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the vigie binary starts")
}

async fn wait_healthy(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = http.get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "the server did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_notice_survives_a_sigkill_exactly_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    let mut child = spawn_server(&data, port);
    wait_healthy(&http, &base).await;

    // marker -> id, for every notice the server acknowledged with 201.
    let acked: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..32 {
        let (http, base, acked, stop, counter) =
            (http.clone(), base.clone(), acked.clone(), stop.clone(), counter.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let marker = format!("crash-marker-{n}");
                let body = json!({
                    "explanation": marker,
                    "locations": [{ "url": format!("https://video.example/v/{}", n % 50) }],
                    "good_faith": true
                });
                match http.post(format!("{base}/api/v1/notices")).json(&body).send().await {
                    Ok(r) if r.status() == 201 => {
                        let v: Value = match r.json().await {
                            Ok(v) => v,
                            Err(_) => continue, // the answer was cut: not acknowledged
                        };
                        acked.lock().unwrap().insert(marker, v["id"].as_str().unwrap().to_owned());
                    }
                    Ok(r) => panic!("unexpected answer {} before the crash", r.status()),
                    Err(_) => {
                        // The server is gone; stop quietly.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
        }));
    }
    // Let a good number of notices through, then pull the plug mid-load.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.lock().unwrap().len() < 400 {
        assert!(Instant::now() < deadline, "too few notices acknowledged before the crash");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let sent = counter.load(Ordering::Relaxed);
    assert!(sent > acked.len(), "some requests were in flight when the server died");

    let mut child = spawn_server(&data, port);
    wait_healthy(&http, &base).await;

    // Every signal now stored, with its explanation.
    let mut by_marker: HashMap<String, Vec<String>> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/signals?limit=1000");
        if let Some(a) = &after {
            url.push_str(&format!("&after={a}"));
        }
        let page: Value = http.get(url).bearer_auth(ADMIN).send().await.unwrap().json().await.unwrap();
        let list = page["signals"].as_array().unwrap().clone();
        if list.is_empty() {
            break;
        }
        for s in &list {
            let id = s["id"].as_str().unwrap();
            let full: Value = http
                .get(format!("{base}/api/v1/notices/{id}"))
                .bearer_auth(ADMIN)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            by_marker.entry(full["explanation"].as_str().unwrap().to_owned()).or_default().push(id.to_owned());
        }
        after = list.last().map(|s| s["id"].as_str().unwrap().to_owned());
    }
    for (marker, id) in &acked {
        assert_eq!(by_marker.get(marker), Some(&vec![id.clone()]), "{marker} must be stored exactly once, as {id}");
    }
    let verify: Value =
        http.get(format!("{base}/api/v1/events/verify")).bearer_auth(ADMIN).send().await.unwrap().json().await.unwrap();
    assert_eq!(verify["ok"], true, "the event chain survived the crash: {verify}");

    child.kill().unwrap();
    child.wait().unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_vigie")).args(["audit", "verify", "--data"]).arg(&data).output().unwrap();
    assert!(out.status.success(), "vigie audit verify: {}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));
}

#[test]
fn audit_verify_fails_loudly_on_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_vigie")).args(["audit", "verify", "--data"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Vigie database"));
}
