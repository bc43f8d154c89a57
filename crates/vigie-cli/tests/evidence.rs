//! The evidence vault from the command line, against a running server: a recipient makes a key
//! pair, one custodian asks to export a case's preserved records, a second approves (the first
//! cannot), either writes the bundle, and the recipient checks it offline and gets the bytes back;
//! a changed byte or the wrong key fails the check. The operator rotates the key-encryption key.

use std::io::Cursor;
use std::process::Output;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

mod common;
use common::*;

fn json_of(out: &Output) -> Value {
    let text = stdout_ok(out);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// A synthetic picture: rings and gradients.
fn picture() -> Vec<u8> {
    let img = image::RgbImage::from_fn(96, 64, |x, y| {
        let d = ((x as f32 - 40.0).powi(2) + (y as f32 - 30.0).powi(2)).sqrt();
        image::Rgb([(127.0 + 120.0 * (d / 7.0).sin()) as u8, (x * 2) as u8, (y * 3) as u8])
    });
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

#[tokio::test]
async fn a_four_eyes_export_written_by_the_cli_verifies_offline_and_a_changed_byte_does_not() {
    let s = start().await;
    let b = s.base.as_str();
    let platform = json!({ "name": "Tube", "kind": "platform", "main_establishment": "IE", "contact_point": { "email": "t@tube.example" } });
    let p_org = post(b, "/api/v1/orgs", ADMIN, platform).await["id"].as_str().unwrap().to_owned();
    let moderator = person(b, &p_org, &["moderator", "integrator"]).await;
    let first = person(b, &p_org, &["evidence_custodian"]).await;
    let second = person(b, &p_org, &["evidence_custodian"]).await;
    post(b, "/api/v1/hosts", &moderator, json!({ "host": "tube.example" })).await;
    post(b, "/api/v1/hosts/tube.example/approve", ADMIN, json!({})).await;
    let authority =
        json!({ "name": "IRU", "kind": "authority", "member_state": "FR", "competences": ["issue_orders"] });
    let a_org = post(b, "/api/v1/orgs", ADMIN, authority).await["id"].as_str().unwrap().to_owned();
    let iru = person(b, &a_org, &["reporter"]).await;

    // A removal order, a picture attached to its case, the content removed: the vault preserves it.
    let order = json!({
        "addressee": p_org, "reference": "FR-IRU-2026-0099", "locations": [{ "url": "https://tube.example/v/9" }],
        "reasons": ["a"], "statement_of_reasons": "The video recruits for a listed group.", "non_disclosure": false,
        "authority_type": "law_enforcement", "representative": { "name": "J. Martin", "post": "Commissaire" },
        "contact_email": "iru@police.example", "redress": { "body": "Tribunal administratif de Paris", "deadline_hours": 48 },
        "emergency_justification": "The video is spreading."
    });
    let case = post(b, "/api/v1/orders", &iru, order).await["cases"][0]["case"].as_str().unwrap().to_owned();
    get(b, "/api/v1/inbox", &moderator).await;
    let image = picture();
    let res = reqwest::Client::new()
        .post(format!("{b}/api/v1/cases/{case}/media"))
        .bearer_auth(&moderator)
        .body(image.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let remove = json!({ "action": "remove", "explanation": "Recruits for a listed group.", "legal_basis": "eu.tco.2-7-a", "purpose": "none", "purpose_rationale": "recruitment" });
    post(b, &format!("/api/v1/cases/{case}/decision"), &moderator, remove).await;

    // The recipient's keys, made offline; the secret key file is the owner's alone.
    let dir = tempfile::tempdir().unwrap();
    let file = |n: &str| dir.path().join(n).to_str().unwrap().to_owned();
    let (key, bundle) = (file("recipient.key"), file("bundle.bin"));
    let public = stdout_ok(&offline(&["evidence", "keygen", "--out", &key])).trim().to_owned();
    assert_eq!(public.len(), 64, "{public}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o077, 0, "no one else reads the key");
    }
    assert!(!offline(&["evidence", "keygen", "--out", &key]).status.success(), "an existing key is never overwritten");

    // Four eyes: the one who asked cannot approve; nothing is written before a second approves.
    let asked = json_of(&vigie(
        &s,
        &first,
        &["evidence", "request-export", &case, "--recipient", &public, "--reason", "Answer to the investigating judge"],
    ));
    let export = asked["id"].as_str().unwrap().to_owned();
    let not_twice = vigie(&s, &first, &["evidence", "approve", &export]);
    assert!(!not_twice.status.success(), "the requester approved their own export");
    let early = vigie(&s, &first, &["evidence", "export", &case, "--out", &bundle]);
    assert!(!early.status.success() && !std::path::Path::new(&bundle).exists(), "a bundle before approval");
    json_of(&vigie(&s, &second, &["evidence", "approve", &export]));
    // A moderator is no custodian.
    assert!(!vigie(&s, &moderator, &["evidence", "export", &case, "--out", &file("x.bin")]).status.success());
    let written = json_of(&vigie(&s, &first, &["evidence", "export", &case, "--out", &bundle]));
    assert_eq!(written["export"], export.as_str());

    // Offline, with the recipient's key: verified, and the picture comes back byte for byte.
    let out = file("blobs");
    let verdict = json_of(&offline(&["evidence", "verify", &bundle, "--key", &key, "--extract", &out]));
    assert_eq!((verdict["verified"].as_bool(), verdict["case"].as_str()), (Some(true), Some(case.as_str())));
    assert!(verdict["proofs"].as_u64().unwrap() >= 1, "the events carry inclusion proofs: {verdict}");
    let sha = hex::encode(Sha256::digest(&image));
    assert_eq!(std::fs::read(dir.path().join("blobs").join(&sha)).unwrap(), image);

    // One changed byte anywhere, or another recipient's key: exit 1, never a partial answer.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(file("changed.bin"), &bytes).unwrap();
    let changed = offline(&["evidence", "verify", &file("changed.bin"), "--key", &key]);
    assert_eq!(changed.status.code(), Some(1), "{}", String::from_utf8_lossy(&changed.stdout));
    assert!(changed.stdout.is_empty());
    let other = file("other.key");
    stdout_ok(&offline(&["evidence", "keygen", "--out", &other]));
    assert_eq!(offline(&["evidence", "verify", &bundle, "--key", &other]).status.code(), Some(1));

    // Rotation: the operator adds a key to the key file and rewraps every record's data key with
    // it, without a restart; the record still opens.
    let keys = s._dir.path().join("data").join("evidence-keys");
    let mut text = std::fs::read_to_string(&keys).unwrap();
    text.push_str(&format!("k2:{}\n", hex::encode([7u8; 32])));
    std::fs::write(&keys, text).unwrap();
    assert!(!vigie(&s, &first, &["evidence", "rewrap"]).status.success(), "custodians do not rewrap");
    let rewrapped = json_of(&vigie(&s, ADMIN, &["evidence", "rewrap"]));
    assert_eq!((rewrapped["records"].as_u64(), rewrapped["kek"].as_str()), (Some(1), Some("k2")), "{rewrapped}");
    let records = get(b, &format!("/api/v1/evidence?case={case}"), &first).await;
    let record = records["records"][0]["id"].as_str().unwrap();
    let opened = reqwest::Client::new()
        .post(format!("{b}/api/v1/evidence/{record}/access"))
        .bearer_auth(&first)
        .json(&json!({ "reason": "After the rewrap" }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status().as_u16(), 200);
}
