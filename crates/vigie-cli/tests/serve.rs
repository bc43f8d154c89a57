//! The server contract: `vigie serve --data DIR --listen ADDR` creates DIR, prints a generated
//! administrator token once when none is given, and answers `/healthz` when ready.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn serve(data: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env_remove("VIGIE_ADMIN_TOKEN")
        .env("VIGIE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the vigie binary starts")
}

fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(port, "/healthz", None).0 != 200 {
        assert!(Instant::now() < deadline, "the server did not become healthy");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A minimal blocking HTTP/1.1 GET over a std `TcpStream`: enough for a status and a body.
fn http_get(port: u16, path: &str, token: Option<&str>) -> (u16, String) {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return (0, String::new()) };
    let auth = token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new());
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn a_first_start_creates_the_data_directory_and_prints_a_token_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested").join("data");
    let port = free_port();
    let mut child = serve(&data, port);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let token = line.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(line.contains("administrator token (shown once)"), "{line}");
    assert!(token.starts_with("vgt_") && token.len() == 68, "{token}");
    wait_healthy(port);
    assert!(data.join("vigie.sqlite3").exists(), "the data directory and database were created");
    assert_eq!(http_get(port, "/api/v1/orgs", Some(&token)).0, 200, "the printed token is the administrator's");
    assert_eq!(http_get(port, "/api/v1/orgs", Some("vgt_wrong")).0, 401);
    child.kill().unwrap();
    child.wait().unwrap();

    // A restart keeps the administrator and prints no new token.
    let mut child = serve(&data, port);
    wait_healthy(port);
    assert_eq!(http_get(port, "/api/v1/orgs", Some(&token)).0, 200);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut rest).unwrap();
    assert!(rest.is_empty(), "no token is printed on later starts: {rest}");
}

#[test]
fn bad_settings_fail_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["serve", "--data", "/tmp/never-used-vigie", "--listen", "127.0.0.1:1", "--egress-allow", "not-an-ip"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("VIGIE_EGRESS_ALLOW") && err.contains("not-an-ip"), "{err}");
}

/// `application/x-www-form-urlencoded` for the few plain values these tests send.
fn form(pairs: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).expect("a form").split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_first_administrator_signs_in_to_the_console_with_what_the_first_start_printed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = serve(&dir.path().join("data"), port);
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        let done = line.contains("sign in at");
        printed.push(line);
        if done {
            break;
        }
    }
    let password_line = printed.iter().find(|l| l.contains("one-time password")).expect("a password is printed");
    assert!(password_line.contains("console login admin "), "{password_line}");
    let password = password_line.rsplit(' ').next().unwrap().to_owned();
    assert!(password.len() >= 12, "{password}");
    wait_healthy(port);

    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let csrf = csrf_in(&page.text().await.unwrap());
    let res = http
        .post(format!("{base}/login"))
        .header("cookie", &pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", &csrf), ("login", "admin"), ("password", &password)]))
        .send()
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/password"));
    let session = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    // Nothing else opens until the one-time password is replaced.
    let get = |path: &'static str| http.get(format!("{base}{path}")).header("cookie", &session).send();
    let admin = get("/admin").await.unwrap();
    assert_eq!((admin.status().as_u16(), admin.headers()["location"].to_str().unwrap()), (303, "/password"));
    let page = get("/password").await.unwrap().text().await.unwrap();
    assert!(page.contains("one-time password"), "{page}");
    let new_password = "the operator's own long password";
    let res = http
        .post(format!("{base}/password"))
        .header("cookie", &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("csrf", &csrf_in(&page)),
            ("current_password", &password),
            ("new_password", new_password),
            ("new_password_again", new_password),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("Your password is changed"));
    let admin = get("/admin").await.unwrap();
    assert_eq!(admin.status().as_u16(), 200);
    assert!(admin.text().await.unwrap().contains("Administration"));
    child.kill().unwrap();
    child.wait().unwrap();
}
