//! A tampered event log: `vigie audit verify` names the first bad event, `vigie serve` refuses to
//! serve on it, and serves with `--accept-broken-log`, recording that choice and saying so in
//! `/healthz`.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use vigie_model::event::{ClockSource, NewEvent, kinds};
use vigie_model::{EventId, Timestamp};
use vigie_store::{SqliteConfig, Store};

const ADMIN: &str = "cli-audit-admin-token";

fn event_id(n: u8) -> EventId {
    EventId::from_random([n; 16])
}

/// A data directory whose log holds 30 events, then has event 23 changed and the trigger that
/// refuses updates dropped (as someone with the database file could).
async fn tampered_data_dir(dir: &Path) {
    let store = Store::open_sqlite(dir, SqliteConfig::default()).unwrap();
    for n in 1..=30u8 {
        let e = NewEvent {
            at: Timestamp::from_micros(1_700_000_000_000_000 + i64::from(n)),
            clock: ClockSource::System,
            actor: None,
            org: None,
            subject: format!("org_{n}"),
            event: kinds::WatchlistEntriesAdded { added: n as u64 }.into(),
        };
        store.write(move |tx| tx.append_event(&event_id(n), &e)).await.unwrap();
    }
    store.close().await;
    drop(store);
    let conn = rusqlite::Connection::open(dir.join("vigie.sqlite3")).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let refused = conn.execute("UPDATE events SET data = '{\"n\":99}' WHERE seq = 23", []);
    assert!(refused.is_err(), "the trigger refuses the change while it is there");
    conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET data = '{\"n\":99}' WHERE seq = 23;").unwrap();
}

fn vigie(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie")).args(args).output().expect("the vigie binary runs")
}

fn serve(data: &Path, port: u16, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(extra)
        .env("VIGIE_ADMIN_TOKEN", ADMIN)
        .env_remove("VIGIE_ACCEPT_BROKEN_LOG")
        .env("VIGIE_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the vigie binary starts")
}

/// Waits for `child` to exit (at most 30 s, else kills it and fails).
fn exit_of(mut child: Child) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
            return (status, stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server started on a broken log instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn a_tampered_event_is_named_and_stops_the_server_unless_the_operator_accepts_it() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tampered_data_dir(&data).await;
    let bad_id = event_id(23).as_str().to_owned();

    let out = vigie(&["audit", "verify", "--data", data.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let first = format!("BROKEN: event 23 ({bad_id}) does not match its hash");
    assert!(stdout.starts_with(&first), "{stdout}");
    assert!(stdout.contains("events 1 to 22 verify"), "{stdout}");

    // The server refuses, and says why and what the operator can do.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (status, stderr) = exit_of(serve(&data, port, &[]));
    assert_eq!(status.code(), Some(2), "{stderr}");
    for needed in ["event 23", &bad_id, "events_no_update", "--accept-broken-log"] {
        assert!(stderr.contains(needed), "{needed} in: {stderr}");
    }
    assert_eq!(Store::open_sqlite_read_only(&data, 1).unwrap().read(|r| r.last_event_seq()).await.unwrap(), 30);

    // With the override it serves, records the choice, and health says the log is broken.
    let mut child = serve(&data, port, &["--accept-broken-log"]);
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let health: Value = loop {
        if let Ok(res) = reqwest::get(format!("{base}/healthz")).await {
            assert_eq!(res.status().as_u16(), 200, "the operator chose to keep serving");
            break res.json().await.unwrap();
        }
        assert!(Instant::now() < deadline, "the server did not start with --accept-broken-log");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        (health["status"].as_str(), health["event_log"].as_str()),
        (Some("degraded"), Some("broken")),
        "{health}"
    );
    let problem = &health["event_log_problem"];
    assert_eq!(problem["first_bad_seq"], 23, "{health}");
    assert_eq!(problem["first_bad_id"], bad_id.as_str());
    assert_eq!(problem["problem"], "tampered");
    assert_eq!(problem["missing_guards"], serde_json::json!(["events_no_update"]));
    let events: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/events?after=30"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let accepted: Vec<&Value> =
        events["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "log.break_accepted").collect();
    assert_eq!(accepted.len(), 1, "{events}");
    assert_eq!(accepted[0]["seq"], problem["accepted_event_seq"]);
    let data_of: Value = serde_json::from_str(accepted[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!((data_of["first_bad_seq"].as_i64(), data_of["problem"].as_str()), (Some(23), Some("tampered")));
    let _ = child.kill();
    child.wait().unwrap();

    // The next start without the override refuses again: accepting is not repairing.
    let (status, _) = exit_of(serve(&data, port, &[]));
    assert_eq!(status.code(), Some(2));
}
