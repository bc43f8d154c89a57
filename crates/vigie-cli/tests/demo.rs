//! `vigie serve --demo`: seeds an empty directory, prints the people with their passwords, serves
//! a console with cases in every state; refuses a directory that holds other data.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

struct Demo {
    child: std::process::Child,
    lines: Arc<Mutex<Vec<String>>>,
    base: String,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve_demo(data: &std::path::Path) -> Demo {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--demo", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_LOG", "warn")
        .env_remove("VIGIE_ADMIN_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the demo server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Demo { child, lines, base }
}

/// Waits for the seeding's last line; returns every line printed.
async fn seeded(d: &Demo) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let lines = d.lines.lock().unwrap().clone();
        if lines.iter().any(|l| l.contains("public report form")) {
            return lines;
        }
        assert!(Instant::now() < deadline, "the demo was not seeded: {lines:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs in through the console's form; returns the session cookie.
async fn sign_in(base: &str, login: &str, password: &str) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{base}/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let res = client
        .post(format!("{base}/login"))
        .header("cookie", pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}&login={login}&password={password}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303, "{login} signs in");
    res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn page(base: &str, path: &str, cookie: &str) -> String {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_demo_seeds_a_whole_console_once_and_never_touches_real_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let d = serve_demo(&data).await;
    let lines = seeded(&d).await;
    let password = |login: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.contains(&format!("login {login} ")))
            .unwrap_or_else(|| panic!("{login}: {lines:?}"));
        line.rsplit(' ').next().unwrap().to_owned()
    };

    // The moderator's queue holds cases from every source, with media and a bank match.
    let ana = sign_in(&d.base, "ana", &password("ana")).await;
    let queue = page(&d.base, "/queue", &ana).await;
    assert!(queue.matches("data-row=").count() >= 6, "{queue}");
    for source in ["order", "referral", "trusted flagger", "public", "bank match"] {
        assert!(queue.contains(source), "the queue shows {source}");
    }
    assert!(page(&d.base, "/complaints", &ana).await.contains("Review"), "an open complaint");
    let claire = sign_in(&d.base, "claire", &password("claire")).await;
    let orders = page(&d.base, "/orders", &claire).await;
    for state in ["running", "awaiting clarification", "complied"] {
        assert!(orders.contains(state), "an order {state}: {orders}");
    }
    assert!(orders.contains("stopped having effect"), "an annulled order: {orders}");
    let dara = sign_in(&d.base, "dara", &password("dara")).await;
    let scrutiny = page(&d.base, "/scrutiny", &dara).await;
    assert!(scrutiny.contains("DEMO-ORDER-SCRUTINY-1") && scrutiny.contains("/decide\""), "a pending scrutiny");
    assert!(scrutiny.contains("DEMO-ORDER-SCRUTINY-2") && scrutiny.contains("no infringement: the order stands"));
    // The removals under orders were preserved; the custodians see the vault.
    let gus = sign_in(&d.base, "gus", &password("gus")).await;
    let vault = page(&d.base, "/evidence", &gus).await;
    assert!(vault.contains("Regulation (EU) 2021/784 art. 6(1)"), "a record preserved on removal: {vault}");
    sign_in(&d.base, "hana", &password("hana")).await;
    sign_in(&d.base, "operator", &password("operator")).await;
    sign_in(&d.base, "fay", &password("fay")).await;

    // Every due-process state is in the log, read offline while the server runs.
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["audit", "export", "--audience", "overseer", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let with = |kind: &str, key: &str, value: serde_json::Value| {
        events.iter().any(|e| {
            let data: serde_json::Value = serde_json::from_str(e["data"].as_str().unwrap()).unwrap();
            e["kind"] == kind && (key.is_empty() || data[key] == value)
        })
    };
    let states = [
        ("an embargoed order", "signal.received", "non_disclosure", serde_json::Value::Bool(true)),
        ("its withheld notice", "uploader_notice.withheld", "", serde_json::Value::Null),
        ("a watch-list hold", "case.held", "", serde_json::Value::Null),
        ("a scrutiny requested", "scrutiny.requested", "", serde_json::Value::Null),
        ("a scrutiny decided", "scrutiny.decided", "outcome", "no_infringement".into()),
        // A court's annulment (TCO art. 9): the court and the ruling's reference are sealed in the
        // log, never written there readable (they used to be).
        ("an annulled order", "order.ended", "cause", "annulment".into()),
        ("a watch-list match that held nothing", "watchlist.matched", "not_held", "hold_on_notice".into()),
        ("a reinstatement", "content.reinstated", "cause", "voluntary".into()),
        ("a threat-to-life referral", "threat_to_life.referred", "", serde_json::Value::Null),
    ];
    for (what, kind, key, value) in states {
        assert!(with(kind, key, value), "the demo has {what} ({kind})");
    }
    // Every event the use-cases wrote reads back as its typed kind (step 9).
    for e in &events {
        let (kind, data) = (e["kind"].as_str().unwrap(), e["data"].as_str().unwrap());
        if let Err(err) = vigie_model::event::Event::decode(kind, data) {
            panic!("event {} ({kind}) does not read: {err}", e["seq"]);
        }
    }
    assert!(
        events.iter().all(|e| !e["data"].as_str().unwrap().contains("DEMO-2601234")),
        "a ruling's reference is never in the log readable"
    );
    let requested = events.iter().filter(|e| e["kind"] == "scrutiny.requested").count();
    assert_eq!(requested, 2, "one scrutiny pending, one decided");
    drop(d);

    // Started again: served as it is, not seeded twice.
    let again = serve_demo(&data).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    let lines = loop {
        // The line the server prints once it started without seeding (after seeding, others).
        let lines = again.lines.lock().unwrap().clone();
        if lines.iter().any(|l| l.contains("served as it is")) {
            break lines;
        }
        assert!(Instant::now() < deadline, "the demo did not start as it was: {lines:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(lines.iter().all(|l| !l.contains("seeded")), "no second seeding: {lines:?}");
    drop(again);

    // A directory with other data is refused.
    let real = common::start().await;
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--demo", "--data"])
        .arg(real._dir.path().join("data"))
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing --demo"));
}
