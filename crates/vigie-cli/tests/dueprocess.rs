//! Due process through the `vigie` binary against a running server: every step a moderator, an
//! authority, an uploader, a notifier or an administrator takes has a command, and refusals come
//! back with the server's code. (The clocks are tested on the API with a manual clock; a release
//! binary cannot move time.)

use std::process::Output;

use serde_json::{Value, json};

mod common;
use common::*;

/// The JSON a successful command printed.
fn ok(out: Output) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "the command failed: {}{stdout}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

/// The refusal a failed command reported: its exit status and the server's code.
fn refused(out: Output, code: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("({code})")), "expected {code}: {stderr}");
}

/// An organisation of `kind` with a person of `roles`: (org id, token).
async fn member(base: &str, body: Value, roles: &[&str]) -> (String, String) {
    let org = post(base, "/api/v1/orgs", ADMIN, body).await["id"].as_str().unwrap().to_owned();
    (org.clone(), person(base, &org, roles).await)
}

#[tokio::test]
async fn every_step_of_due_process_has_a_command() {
    let mut s = start().await;
    let b = s.base.as_str();
    let platform = json!({ "name": "Tube", "kind": "platform", "main_establishment": "IE", "contact_point": { "email": "t@tube.example" } });
    let (p_org, p1) = member(b, platform, &["moderator", "integrator"]).await;
    let p2 = person(b, &p_org, &["moderator"]).await;
    post(b, "/api/v1/hosts", &p1, json!({ "host": "tube.example" })).await;
    post(b, "/api/v1/hosts/tube.example/approve", ADMIN, json!({})).await;
    let (fr_org, fr) = member(
        b,
        json!({ "name": "IRU", "kind": "authority", "member_state": "FR", "competences": ["issue_orders"] }),
        &["reporter"],
    )
    .await;
    let (ie_org, ie) =
        member(b, json!({ "name": "Coimisiún", "kind": "authority", "member_state": "IE" }), &["reporter"]).await;
    // The administrator records the Irish authority's designation for scrutiny (TCO art. 12(1)(b)).
    let patched = ok(vigie(&s, ADMIN, &["org", "update", &ie_org, "--competences", "scrutiny,penalties"]));
    assert_eq!(patched["competences"], json!(["scrutiny", "penalties"]));

    // 1. Legal bases offline; a terms clause registered and cited.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigie")).args(["legal-bases", "--json"]).output().unwrap();
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|l| l["id"] == "fr.cp.421-2-5" && l["jurisdiction"] == "FR"));
    ok(vigie(&s, &p1, &["terms", "add", "--code", "4.2", "--title", "Violent extremism"]));
    let listed = ok(vigie(&s, &p1, &["terms", "list"]));
    assert_eq!(listed["terms_clauses"][0]["code"], "4.2");

    // A notice, decided on a registered clause, then on a TCO type.
    let notice = json!({ "explanation": "calls for attacks", "locations": [{ "url": "https://tube.example/v/1" }], "good_faith": true });
    let r = reqwest::Client::new().post(format!("{b}/api/v1/notices")).json(&notice).send().await.unwrap();
    let code = r.json::<Value>().await.unwrap()["tracking_code"].as_str().unwrap().to_owned();
    let case = get(b, "/api/v1/inbox", &p1).await["cases"][0]["id"].as_str().unwrap().to_owned();
    refused(vigie(&s, &p1, &["decide", &case, "--action", "remove"]), "validation_failed");
    // 2. The purpose assessment, with its rationale.
    let d = ok(vigie(
        &s,
        &p1,
        &[
            "decide",
            &case,
            "--action",
            "remove",
            "--legal-basis",
            "eu.tco.2-7-a",
            "--purpose",
            "none",
            "--rationale",
            "propaganda",
            "--explanation",
            "glorifies the attack",
        ],
    ));
    assert_eq!(d["action"], "remove");

    // 3-4. The uploader's notice, a complaint, a review by someone else.
    let n = ok(vigie(&s, &p1, &["uploader-notice", "--case", &case]));
    let token = n["token"].as_str().unwrap().to_owned();
    let public = ok(vigie(&s, "", &["uploader-notice", "--notice-token", &token]));
    assert_eq!(public["notice"]["ground"]["legal_basis"], "eu.tco.2-7-a");
    let c = ok(vigie(&s, "", &["complaint", "file", "--notice-token", &token, "--text", "it is a news report"]));
    let complaint = c["id"].as_str().unwrap().to_owned();
    assert_eq!(ok(vigie(&s, &p1, &["complaint", "list"]))["complaints"][0]["id"], complaint.as_str());
    refused(
        vigie(&s, &p1, &["complaint", "review", &complaint, "--outcome", "reversed", "--reasons", "x"]),
        "same_decider",
    );
    let r =
        ok(vigie(&s, &p2, &["complaint", "review", &complaint, "--outcome", "upheld", "--reasons", "no news framing"]));
    assert_eq!(r["complaint"]["state"], "upheld");
    // 5. The notifier follows the outcome, and may contest the removal too (DSA art. 20(1); before
    // step 8 this was refused).
    ok(vigie(&s, "", &["complaint", "file", "--tracking-code", &code, "--text", "the account too"]));

    // An order under non-disclosure: embargo extended and lifted; scrutiny by the uploader.
    let order = json!({
        "addressee": p_org, "reference": "FR-1", "locations": [{ "url": "https://tube.example/v/2" }], "reasons": ["a"],
        "statement_of_reasons": "incites attacks", "non_disclosure": true, "authority_type": "law_enforcement",
        "representative": { "name": "J. Martin", "post": "Commissaire" }, "contact_email": "iru@police.example",
        "redress": { "body": "Tribunal administratif de Paris", "deadline_hours": 48 }, "emergency_justification": "attack under way"
    });
    let o = post(b, "/api/v1/orders", &fr, order).await;
    let (order_id, order_case) =
        (o["id"].as_str().unwrap().to_owned(), o["cases"][0]["case"].as_str().unwrap().to_owned());
    ok(vigie(
        &s,
        &p1,
        &[
            "decide",
            &order_case,
            "--action",
            "remove",
            "--legal-basis",
            "eu.tco.2-7-a",
            "--purpose",
            "none",
            "--rationale",
            "recruitment",
            "--explanation",
            "incites attacks, as the order says",
        ],
    ));
    assert_eq!(ok(vigie(&s, &p1, &["uploader-notice", "--case", &order_case]))["state"], "withheld");
    let until =
        get(b, &format!("/api/v1/orders/{order_id}"), &fr).await["non_disclosure_until"].as_str().unwrap().to_owned();
    let later =
        vigie_model::Timestamp::parse_rfc3339(&until).unwrap().plus(vigie_model::Duration::from_days(7)).to_rfc3339();
    ok(vigie(&s, &fr, &["order", "extend-embargo", &order_id, "--until", &later]));
    refused(vigie(&s, &fr, &["order", "extend-embargo", &order_id, "--until", &later]), "embargo_already_extended");
    ok(vigie(&s, &fr, &["order", "lift-embargo", &order_id]));
    let token = ok(vigie(&s, &p1, &["uploader-notice", "--case", &order_case]))["token"].as_str().unwrap().to_owned();
    refused(vigie(&s, "", &["complaint", "file", "--notice-token", &token, "--text", "mine"]), "removal_order_redress");
    // The platform challenges the order in court (TCO art. 9); the issuing authority sees it.
    let filed = ["--court", "Tribunal administratif de Paris", "--reference", "TA-1", "--filed-on", "2026-11-02"];
    let ch = ok(vigie(&s, &p1, &[&["order", "challenge", &order_id][..], &filed[..]].concat()));
    assert_eq!(ok(vigie(&s, &fr, &["order", "challenges", &order_id]))["challenges"][0]["id"], ch["id"]);
    let chid = ch["id"].as_str().unwrap().to_owned();
    let outcome = ["--outcome", "withdrawn", "--decided-on", "2026-11-03"];
    let w = ok(vigie(&s, &p1, &[&["order", "challenge-outcome", &order_id, &chid][..], &outcome[..]].concat()));
    assert_eq!(w["state"], "withdrawn");
    // The platform records when it passed the notice on; the uploader gets a copy of the order.
    let informed = ok(vigie(&s, &p1, &["uploader-informed", &order_case]));
    assert!(informed["notice"]["informed_at"].is_string());
    let copy = ok(vigie(&s, "", &["order-copy", "--notice-token", &token]));
    assert_eq!(copy["orders"][0]["reference"], "FR-1");
    let sc = ok(vigie(&s, "", &["scrutiny", "request", "--notice-token", &token, "--reasons", "documentary"]));
    let scrutiny = sc["id"].as_str().unwrap().to_owned();
    assert_eq!(ok(vigie(&s, &ie, &["scrutiny", "list"]))["scrutinies"][0]["id"], scrutiny.as_str());
    refused(
        vigie(&s, &ie, &["scrutiny", "decide", &scrutiny, "--outcome", "infringement", "--reasons", "journalism"]),
        "issuer_not_informed",
    );
    ok(vigie(&s, &ie, &["scrutiny", "intention", &scrutiny, "--reasons", "journalism"]));
    ok(vigie(&s, &ie, &["scrutiny", "decide", &scrutiny, "--outcome", "infringement", "--reasons", "journalism"]));
    let ended = get(b, &format!("/api/v1/orders/{order_id}"), &fr).await;
    assert_eq!(ended["ended_by"]["cause"], "scrutiny_infringement");

    // 6. A watch-list under a national legal instrument (without one, a notice is never held);
    // only counts come back; holds listed.
    let ends =
        vigie_model::Timestamp::parse_rfc3339(&until).unwrap().plus(vigie_model::Duration::from_days(30)).to_rfc3339();
    let w = ok(vigie(
        &s,
        &fr,
        &[
            "watchlist",
            "create",
            "--name",
            "Op",
            "--legal-basis-ref",
            "file 12",
            "--ends-at",
            &ends,
            "--instrument-reference",
            "JI-12",
            "--instrument-issuer",
            "Juge d'instruction",
            "--instrument-ends-at",
            &ends,
        ],
    ));
    assert_eq!(w["instrument"]["reference"], "JI-12");
    let list = w["id"].as_str().unwrap().to_owned();
    let added = ok(vigie(
        &s,
        &fr,
        &[
            "watchlist",
            "add",
            &list,
            "--url",
            "https://tube.example/v/3",
            "--account",
            &format!("{p_org}:acct-77"),
            "--media-sha256",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ],
    ));
    assert_eq!(added["added"], 3);
    let notice =
        json!({ "explanation": "x", "locations": [{ "url": "https://tube.example/v/3" }], "good_faith": true });
    reqwest::Client::new().post(format!("{b}/api/v1/notices")).json(&notice).send().await.unwrap();
    let holds = ok(vigie(&s, &fr, &["hold", "list"]));
    assert_eq!(holds["active"], 1);
    let hold = holds["holds"][0]["id"].as_str().unwrap().to_owned();
    ok(vigie(&s, &fr, &["hold", "release", &hold]));

    // 7. A threat to life: flagged, referred, acknowledged.
    let notice = json!({ "explanation": "live threat", "locations": [{ "url": "https://tube.example/live/1" }], "good_faith": true });
    reqwest::Client::new().post(format!("{b}/api/v1/notices")).json(&notice).send().await.unwrap();
    let inbox = get(b, "/api/v1/inbox", &p1).await;
    let live =
        inbox["cases"].as_array().unwrap().iter().find(|c| c["url"] == "https://tube.example/live/1").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    ok(vigie(&s, &p1, &["threat", "flag", &live]));
    refused(vigie(&s, &p1, &["threat", "ack", &live]), "referral_required");
    let r = ok(vigie(
        &s,
        &p1,
        &["threat", "refer", &live, "--basis", "dsa_18", "--member-state", "FR", "--authority", &fr_org],
    ));
    assert!(r["sent_at"].is_string());
    assert!(ok(vigie(&s, &p1, &["threat", "ack", &live]))["acknowledged_at"].is_string());

    // 8. Misuse: an unfounded notice counted, a warning, a suspension.
    let (tf_org, tf) =
        member(b, json!({ "name": "NGO", "kind": "trusted_flagger", "member_state": "FR" }), &["reporter"]).await;
    let notice =
        json!({ "explanation": "x", "locations": [{ "url": "https://tube.example/v/9" }], "good_faith": true });
    let r = post(b, "/api/v1/notices", &tf, notice).await;
    let flagged = r["cases"][0]["case"].as_str().unwrap().to_owned();
    get(b, "/api/v1/inbox", &p1).await;
    ok(vigie(&s, &p1, &["decide", &flagged, "--action", "no_action", "--manifestly-unfounded"]));
    // The platform decides on its own service (DSA art. 23(2)).
    let key = format!("org:{tf_org}");
    assert_eq!(ok(vigie(&s, &p1, &["notifier", "show", &key]))["unfounded"], 1);
    refused(vigie(&s, &p1, &["notifier", "suspend", &key, "--until", &ends, "--reason", "x"]), "warning_required");
    ok(vigie(&s, &p1, &["notifier", "warn", &key, "--reason", "an unfounded notice"]));
    let sus = ok(vigie(&s, &p1, &["notifier", "suspend", &key, "--until", &ends, "--reason", "repeated"]));
    assert!(sus["suspended_until"].is_string());
    assert_eq!(ok(vigie(&s, &p1, &["notifier", "list"]))["notifiers"][0]["key"], key.as_str());
    // The coordinator's decisions on the flagger's status, recorded by the hub (DSA art. 22).
    let award = ok(vigie(
        &s,
        ADMIN,
        &[
            "notifier",
            "flagger-award",
            &tf_org,
            "--coordinator",
            "Arcom",
            "--member-state",
            "FR",
            "--reference",
            "ARCOM-TF-1",
            "--awarded-on",
            "2026-01-15",
        ],
    ));
    assert_eq!(award["priority"], true);
    let status = ok(vigie(
        &s,
        ADMIN,
        &[
            "notifier",
            "flagger-status",
            &tf_org,
            "--status",
            "suspended",
            "--reference",
            "ARCOM-2026-9",
            "--decided-on",
            "2026-03-01",
        ],
    ));
    assert_eq!(status["status"], "suspended");

    // Statements of reasons, offline from the data directory once the server has stopped.
    let data = s._dir.path().join("data");
    let _ = s.child.kill();
    let _ = s.child.wait();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["export", "sor", "--data"])
        .arg(&data)
        .args(["--from", "2020-01-01"])
        .output()
        .unwrap();
    let exported = ok(out);
    let list = exported["statements"].as_array().unwrap();
    // The notice's removal; the order's is left out by default; the no-action decision owes none.
    assert_eq!(list.len(), 1, "{exported}");
    assert_eq!(
        (list[0]["puid"].as_str(), list[0]["source_type"].as_str()),
        (d["id"].as_str(), Some("SOURCE_ARTICLE_16"))
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["export", "sor", "--include-orders", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(ok(out)["statements"].as_array().unwrap().len(), 2);
}
