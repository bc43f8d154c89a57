//! `vigie report transparency` and `vigie audit export` against a served data directory: the
//! three formats, an organisation's own report, the exports, and their independent recompute.

use std::process::{Command, Output};

use serde_json::{Value, json};

mod common;
use common::*;

fn vigie_offline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie")).args(args).output().expect("the vigie binary runs")
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "the command failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn reports_and_exports_from_a_data_directory() {
    let s = start().await;
    let b = s.base.as_str();
    let data = s._dir.path().join("data");
    let data = data.to_str().unwrap();
    let platform = json!({ "name": "Tube", "kind": "platform", "main_establishment": "IE", "contact_point": { "email": "t@tube.example" } });
    let org = post(b, "/api/v1/orgs", ADMIN, platform).await["id"].as_str().unwrap().to_owned();
    let user = post(
        b,
        &format!("/api/v1/orgs/{org}/users"),
        ADMIN,
        json!({ "name": "M", "roles": ["moderator", "integrator"] }),
    )
    .await;
    let token =
        post(b, &format!("/api/v1/users/{}/tokens", user["id"].as_str().unwrap()), ADMIN, json!({})).await["token"]
            .as_str()
            .unwrap()
            .to_owned();
    post(b, "/api/v1/hosts", &token, json!({ "host": "tube.example" })).await;
    post(b, "/api/v1/hosts/tube.example/approve", ADMIN, json!({})).await;
    for i in 0..2 {
        let notice = json!({ "explanation": "<script>alert(1)</script> calls for attacks", "locations": [{ "url": format!("https://tube.example/v/{i}") }], "good_faith": true });
        reqwest::Client::new().post(format!("{b}/api/v1/notices")).json(&notice).send().await.unwrap();
    }
    let inbox: Value = reqwest::Client::new()
        .get(format!("{b}/api/v1/inbox"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let case = inbox["cases"][0]["id"].as_str().unwrap();
    let removal = json!({ "action": "remove", "explanation": "Calls for attacks.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "calls for attacks" });
    post(b, &format!("/api/v1/cases/{case}/decision"), &token, removal).await;

    // Yesterday to tomorrow: a run across midnight still sees every event.
    let day = |offset: i64| now().plus(vigie_model::Duration::from_days(offset)).to_rfc3339()[..10].to_owned();
    let (from, to) = (day(-1), day(1));
    let period = ["--from", from.as_str(), "--to", to.as_str()];
    let run = |extra: &[&str]| {
        let mut args = vec!["report", "transparency", "--data", data];
        args.extend_from_slice(&period);
        args.extend_from_slice(extra);
        vigie_offline(&args)
    };

    // JSON: the figures, for the whole instance and for the platform alone.
    let report: Value = serde_json::from_str(&stdout(&run(&["--format", "json"]))).unwrap();
    assert_eq!(report["notices"]["by_source"]["public"], 2);
    assert_eq!(report["actions"]["by_action"]["remove"], 1);
    assert_eq!(report["tco_art7"]["a_notices"], 2);
    let own: Value = serde_json::from_str(&stdout(&run(&["--org", &org, "--format", "json"]))).unwrap();
    assert_eq!(
        (own["scope"]["org"].as_str(), own["scope"]["org_kind"].as_str()),
        (Some(org.as_str()), Some("platform"))
    );

    // CSV: one figure per row, with what it counts.
    let csv = stdout(&run(&["--format", "csv"]));
    assert!(csv.starts_with("figure,value,meaning\r\n"));
    assert!(csv.lines().any(|l| l.starts_with("actions.by_action.remove,1,")), "{csv}");

    // HTML: self-contained, charts in SVG, no script, nothing fetched from elsewhere.
    let html = stdout(&run(&["--format", "html"]));
    assert!(html.contains("<svg") && html.contains("Hosting provider report (TCO art. 7)"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="), "self-contained");

    // Clear errors.
    let bad = run(&["--org", "not-an-org"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an organisation id"));
    let backwards =
        vigie_offline(&["report", "transparency", "--data", data, "--from", "2026-12-31", "--to", "2026-01-01"]);
    assert!(String::from_utf8_lossy(&backwards.stderr).contains("--from must come before --to"));

    // Exports: the overseer's is every event; the public's has no actor; the recompute agrees.
    let export = |audience: &str| stdout(&vigie_offline(&["audit", "export", "--data", data, "--audience", audience]));
    let overseer = export("overseer");
    let verified = stdout(&vigie_offline(&["audit", "verify", "--data", data]));
    assert!(verified.contains(&format!("ok: {} events", overseer.lines().count())), "{verified}");
    let public = export("public");
    assert!(public.lines().all(|l| serde_json::from_str::<Value>(l).unwrap()["actor"].is_null()));
    assert!(!public.contains("<script>") && !overseer.contains("<script>"), "texts never leave as text");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("public.jsonl");
    std::fs::write(&file, &public).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tools/recompute_transparency.py");
    let out = Command::new("python3").arg(script).arg(&file).args(period).output().unwrap();
    let recomputed: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(recomputed["actions"], report["actions"]);
    assert_eq!(recomputed["tco_art7"], report["tco_art7"]);
    let unknown = vigie_offline(&["audit", "export", "--data", data, "--audience", "everyone"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("neither overseer, public nor an organisation id"));
}

fn now() -> vigie_model::Timestamp {
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros();
    vigie_model::Timestamp::from_micros(i64::try_from(micros).unwrap())
}
