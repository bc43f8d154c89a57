//! `vigie user create` reads the password from standard input; the person then signs in to the
//! console with it.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

mod common;
use common::*;

fn create(server: &Server, org: &str, login: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["user", "create", "--org", org, "--name", "Ana Reviewer", "--login", login, "--roles", "moderator"])
        .env("VIGIE_URL", &server.base)
        .env("VIGIE_TOKEN", ADMIN)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn a_person_created_on_the_command_line_signs_in_with_the_password_from_stdin() {
    let s = start().await;
    let b = s.base.as_str();
    let platform = json!({ "name": "Tube", "kind": "platform", "main_establishment": "IE", "contact_point": { "email": "t@tube.example" } });
    let org = post(b, "/api/v1/orgs", ADMIN, platform).await["id"].as_str().unwrap().to_owned();

    let out = create(&s, &org, "ana", "a password of some length\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["login"], "ana");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("a password of some length"), "never echoed");
    let weak = create(&s, &org, "bob", "short\n");
    assert_eq!(weak.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&weak.stderr);
    assert!(stderr.contains("validation_failed") && stderr.contains("password: 12 to 1024 characters"), "{stderr}");
    let people =
        reqwest::Client::new().get(format!("{b}/api/v1/events?limit=1000")).bearer_auth(ADMIN).send().await.unwrap();
    let events: Value = people.json().await.unwrap();
    let created = events["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "user.created").count();
    assert_eq!(created, 2, "the administrator and ana; bob was never half-created");

    // Sign in through the console's form.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = client.get(format!("{b}/login")).send().await.unwrap();
    let pre = page.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let body = format!("csrf={csrf}&login=ana&password=a+password+of+some+length");
    let res = client
        .post(format!("{b}/login"))
        .header("cookie", pre)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/queue"));
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("vigie_session=vgs_"));
}
