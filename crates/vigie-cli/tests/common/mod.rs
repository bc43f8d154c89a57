//! The harness the CLI's tests share: the real `vigie` binary serving a temporary data
//! directory on a free port, and the binary run as a client against it.

#![allow(dead_code, unreachable_pub)]

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const ADMIN: &str = "cli-test-admin-token";

pub struct Server {
    pub child: Child,
    pub base: String,
    pub _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    start_in(dir, port).await
}

pub async fn start_in(dir: tempfile::TempDir, port: u16) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--data"])
        .arg(dir.path().join("data"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("VIGIE_ADMIN_TOKEN", ADMIN)
        .env("VIGIE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the vigie binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(Instant::now() < deadline, "the server did not become healthy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Server { child, base, _dir: dir }
}

pub async fn post(base: &str, path: &str, token: &str, body: Value) -> Value {
    let res = reqwest::Client::new().post(format!("{base}{path}")).bearer_auth(token).json(&body).send().await.unwrap();
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {answer}");
    answer
}

pub fn vigie(server: &Server, token: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .env("VIGIE_URL", &server.base)
        .env("VIGIE_TOKEN", token)
        .output()
        .expect("the vigie binary runs")
}

/// The binary run with `args` and no server: offline commands.
pub fn offline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie")).args(args).output().expect("the vigie binary runs")
}

/// What a command that must succeed printed.
pub fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "the command failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A person with `roles` in `org`, made by the administrator; returns their new token.
pub async fn person(base: &str, org: &str, roles: &[&str]) -> String {
    let body = serde_json::json!({ "name": "P", "roles": roles });
    let user = post(base, &format!("/api/v1/orgs/{org}/users"), ADMIN, body).await;
    let id = user["id"].as_str().unwrap();
    post(base, &format!("/api/v1/users/{id}/tokens"), ADMIN, serde_json::json!({})).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A GET's JSON answer, whatever its status.
pub async fn get(base: &str, path: &str, token: &str) -> Value {
    reqwest::Client::new().get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}
