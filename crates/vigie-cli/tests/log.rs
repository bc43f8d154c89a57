//! The verifiable log from the command line: a served log's checkpoints and proofs checked by
//! `vigie log`, a public export checked offline against a checkpoint (and a tampered one
//! refused), the transparency report naming its checkpoint, and a restored copy of the data
//! directory declared a new lineage.

use std::process::Command;

use serde_json::{Value, json};

mod common;
use common::*;

async fn activity(base: &str, from: u32, to: u32) {
    for i in from..to {
        let notice = json!({ "explanation": "calls for attacks", "locations": [{ "url": format!("https://tube.example/v/{i}") }], "good_faith": true });
        let res = reqwest::Client::new().post(format!("{base}/api/v1/notices")).json(&notice).send().await.unwrap();
        assert!(res.status().is_success());
    }
}

#[tokio::test]
async fn proofs_exports_reports_and_a_new_lineage_from_the_command_line() {
    let mut s = start().await;
    let b = s.base.clone();
    let platform = json!({ "name": "Tube", "kind": "platform", "main_establishment": "IE", "contact_point": { "email": "t@tube.example" } });
    post(&b, "/api/v1/orgs", ADMIN, platform).await;
    activity(&b, 0, 4).await;
    let dir = tempfile::tempdir().unwrap();
    let file = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();

    let vkey = stdout_ok(&vigie(&s, ADMIN, &["log", "key"])).trim().to_owned();
    stdout_ok(&vigie(&s, ADMIN, &["log", "sign"]));
    let cp1 = file("cp1.txt");
    stdout_ok(&vigie(&s, ADMIN, &["log", "checkpoint", "--log-key", &vkey, "--out", &cp1]));
    let out = stdout_ok(&vigie(&s, ADMIN, &["log", "proof", "--seq", "3", "--log-key", &vkey, "--checkpoint", &cp1]));
    assert!(out.starts_with("ok: event 3 is in the log"), "{out}");
    // A checkpoint signed by another key is not taken.
    let other = vigie_log::SignerKey::from_seed("example.org/other", &[5; 32]).unwrap().verifier().encode();
    let refused = vigie(&s, ADMIN, &["log", "checkpoint", "--log-key", &other]);
    assert!(!refused.status.success());

    activity(&b, 4, 8).await;
    stdout_ok(&vigie(&s, ADMIN, &["log", "sign"]));
    let cp2 = file("cp2.txt");
    stdout_ok(&vigie(&s, ADMIN, &["log", "checkpoint", "--log-key", &vkey, "--out", &cp2]));
    let out = stdout_ok(&vigie(&s, ADMIN, &["log", "consistency", "--from", &cp1, "--to", &cp2, "--log-key", &vkey]));
    assert!(out.starts_with("ok: the checkpoint of"), "{out}");
    let size: u64 = std::fs::read_to_string(&cp2).unwrap().lines().nth(1).unwrap().parse().unwrap();

    // Offline: the public export up to the latest checkpoint verifies against it, and against the
    // earlier one; one changed character does not.
    let data = s._dir.path().join("data");
    let data = data.to_str().unwrap();
    let (export, cut) = (file("public.jsonl"), file("cut.txt"));
    stdout_ok(&offline(&[
        "audit",
        "export",
        "--data",
        data,
        "--audience",
        "public",
        "--verifiable",
        "--out",
        &export,
        "--checkpoint-out",
        &cut,
    ]));
    assert_eq!(std::fs::read_to_string(&cut).unwrap(), std::fs::read_to_string(&cp2).unwrap());
    let lines = std::fs::read_to_string(&export).unwrap();
    assert_eq!(lines.lines().count() as u64, size);
    let out = stdout_ok(&offline(&[
        "audit",
        "verify",
        "--export",
        &export,
        "--checkpoint",
        &cp1,
        "--checkpoint",
        &cut,
        "--log-key",
        &vkey,
    ]));
    assert!(out.starts_with(&format!("ok: {size} events")), "{out}");
    let out = stdout_ok(&vigie(&s, ADMIN, &["log", "proof", "--seq", "5", "--log-key", &vkey, "--export", &export]));
    assert!(out.starts_with("ok: event 5"), "{out}");
    // One character of event 3's line changed: its leaf, or its time.
    let mut tampered: Vec<String> = lines.lines().map(str::to_owned).collect();
    let mut v: Value = serde_json::from_str(&tampered[2]).unwrap();
    assert_eq!(v["seq"], 3);
    match v["leaf"].as_str().map(str::to_owned) {
        Some(leaf) => {
            let flipped = match leaf.strip_prefix('0') {
                Some(rest) => format!("1{rest}"),
                None => format!("0{}", &leaf[1..]),
            };
            v["leaf"] = json!(flipped);
        }
        None => v["at_micros"] = json!(v["at_micros"].as_i64().unwrap() + 1),
    }
    tampered[2] = v.to_string();
    let bad = file("tampered.jsonl");
    std::fs::write(&bad, tampered.join("\n")).unwrap();
    let out = offline(&["audit", "verify", "--export", &bad, "--checkpoint", &cut, "--log-key", &vkey]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED"));
    // The data directory itself: the chain, and the tree recomputed from the events.
    let out = stdout_ok(&offline(&["audit", "verify", "--data", data]));
    assert!(out.contains("the tree reproduces"), "{out}");

    // The transparency report names the checkpoint that covers what it read.
    let day = |offset: i64| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        vigie_model::Timestamp::from_micros((now + offset * 86_400) * 1_000_000).to_rfc3339()[..10].to_owned()
    };
    let report: Value = serde_json::from_str(&stdout_ok(&offline(&[
        "report",
        "transparency",
        "--data",
        data,
        "--from",
        &day(-1),
        "--to",
        &day(1),
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(report["log_checkpoint"]["size"], json!(size), "{}", report["log_checkpoint"]);
    assert_eq!(report["log_checkpoint"]["origin"], json!(vkey.split('+').next().unwrap()));

    // A copy of the directory restored elsewhere is declared a new log, not passed off as this one.
    let _ = s.child.kill();
    let _ = s.child.wait();
    let restored = tempfile::tempdir().unwrap();
    let copy = Command::new("cp").arg("-a").arg(data).arg(restored.path().join("data")).status().unwrap();
    assert!(copy.success());
    let rdata = restored.path().join("data");
    let out = stdout_ok(&offline(&["log", "new-lineage", "--data", rdata.to_str().unwrap()]));
    assert!(out.starts_with("new lineage: vigie/"), "{out}");
    assert!(out.contains(&format!("covers {size} events")), "{out}");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let r = start_in(restored, port).await;
    let new_key = stdout_ok(&vigie(&r, ADMIN, &["log", "key"])).trim().to_owned();
    assert_ne!(new_key.split('+').next(), vkey.split('+').next(), "a new origin");
    let events: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/events?limit=5000", r.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let started: Vec<&Value> =
        events["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "log.lineage_started").collect();
    assert_eq!(started.len(), 1);
    let data: Value = serde_json::from_str(started[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["previous_origin"], json!(vkey.split('+').next().unwrap()));
    assert_eq!(data["previous_size"], json!(size));
    // The old checkpoints still verify with the old key, which was kept.
    let out = stdout_ok(&offline(&["audit", "verify", "--export", &export, "--checkpoint", &cut, "--log-key", &vkey]));
    assert!(out.starts_with("ok:"));
}
