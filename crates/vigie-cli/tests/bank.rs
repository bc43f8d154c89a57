//! `vigie bank import|export` against a running server, and a round trip through the real
//! python-threatexchange CLI (`threatexchange`, from PyPI, in the venv `cargo xtask test`
//! prepares): what Vigie exports, pytx reads and matches; what pytx exports, Vigie imports back
//! unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

mod common;

use common::*;

/// A platform's integrator token.
async fn curator(base: &str) -> String {
    let org = post(
        base,
        "/api/v1/orgs",
        ADMIN,
        json!({ "name": "Tube", "kind": "platform", "main_establishment": "IE", "contact_point": { "email": "t@tube.example" } }),
    )
    .await;
    let user = post(
        base,
        &format!("/api/v1/orgs/{}/users", org["id"].as_str().unwrap()),
        ADMIN,
        json!({ "name": "Ops", "roles": ["integrator"] }),
    )
    .await;
    post(base, &format!("/api/v1/users/{}/tokens", user["id"].as_str().unwrap()), ADMIN, json!({})).await["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Random-looking PDQ hashes and MD5s, from a fixed seed.
fn synthetic_bank(n: usize) -> Vec<String> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|i| {
            if i % 5 == 4 {
                format!("video_md5 {:016x}{:016x}", next(), next())
            } else {
                format!("pdq {:016x}{:016x}{:016x}{:016x}", next(), next(), next(), next())
            }
        })
        .collect()
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect();
    v.sort();
    v
}

#[tokio::test]
async fn bank_files_go_in_and_out_and_errors_name_their_lines() {
    let server = start().await;
    let token = curator(&server.base).await;
    let dir = tempfile::tempdir().unwrap();
    let lines = synthetic_bank(50);
    let file = dir.path().join("list.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let out = vigie(&server, &token, &["bank", "import", "--bank", "LIST"]);
    assert!(!out.status.success(), "a missing file argument is refused");
    let out = vigie(&server, &token, &["bank", "import", "--bank", "LIST", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--create"), "a missing bank is named");
    let out = vigie(&server, &token, &["bank", "import", "--create", "--bank", "LIST", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["report"]["added"], 50);

    let exported = dir.path().join("out.txt");
    let out = vigie(&server, &token, &["bank", "export", "--bank", "LIST", "-o", exported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(sorted_lines(&std::fs::read_to_string(&exported).unwrap()), sorted_lines(&lines.join("\n")));

    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, format!("{}\nphotodna 1234\n", lines[0])).unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--bank", "LIST", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("unknown signal type"), "{err}");
    // A tmk line is refused too: a .tmk file is binary and travels in a directory (`--format tmk`).
    std::fs::write(&bad, format!("{}\ntmk {}\n", lines[0], "ab".repeat(32))).unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--bank", "LIST", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2") && err.contains("binary files"), "{err}");
    let wrong = vigie(
        &server,
        "vgt_0000000000000000000000000000000000000000000000000000000000000000",
        &["bank", "export", "--bank", "LIST"],
    );
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("401"));
}

/// The `threatexchange` CLI next to the reference Python, if `cargo xtask test` prepared it.
#[tokio::test]
async fn a_bank_made_from_the_command_line_does_stay_down_and_its_settings_change_there() {
    let server = start().await;
    let token = curator(&server.base).await;
    let dir = tempfile::tempdir().unwrap();
    let lines = synthetic_bank(5);
    let file = dir.path().join("removed.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let pdq = lines[0].strip_prefix("pdq ").unwrap();
    let ok = |out: std::process::Output| {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let f = file.to_str().unwrap();
    let refused = vigie(&server, &token, &["bank", "import", "--bank", "NONE", "--stay-down", f]);
    assert_eq!(refused.status.code(), Some(2), "settings without --create are refused, not ignored");
    ok(vigie(&server, &token, &["bank", "import", "--create", "--stay-down", "--tier", "1", "--bank", "REMOVED", f]));
    let bank = ok(vigie(&server, &token, &["bank", "show", "REMOVED"]));
    assert_eq!((bank["stay_down"].as_bool(), bank["labels"]["tier"].as_str()), (Some(true), Some("1")), "{bank}");

    // An upload of banked content opens a case, as the README's walk says.
    let check = |url: &'static str| {
        let (base, token) = (server.base.clone(), token.clone());
        async move {
            let res = reqwest::Client::new()
                .post(format!("{base}/api/v1/uploads/check"))
                .bearer_auth(token)
                .json(&json!({ "pdq": pdq, "url": url }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    let first = check("https://video.example/v/2").await;
    assert_eq!((first["verdict"].as_str(), first["matches"][0]["action"].as_str()), (Some("match"), Some("stay_down")));
    assert!(first["case"].as_str().is_some_and(|c| c.starts_with("cas_")), "{first}");

    // `bank set` changes what it names and keeps the rest (labels too).
    let set = ok(vigie(
        &server,
        &token,
        &["bank", "set", "REMOVED", "--stay-down=false", "--group", "g-a", "--threshold", "20"],
    ));
    assert_eq!(
        (
            set["stay_down"].as_bool(),
            set["threshold"].as_u64(),
            set["labels"]["tier"].as_str(),
            set["labels"]["group"].as_str()
        ),
        (Some(false), Some(20), Some("1"), Some("g-a")),
        "{set}"
    );
    let later = check("https://video.example/v/3").await;
    assert_eq!(later["matches"][0]["action"], "flag");
    assert!(later["case"].is_null(), "{later}");
    let nothing = vigie(&server, &token, &["bank", "set", "REMOVED"]);
    assert_eq!(nothing.status.code(), Some(2));
    let listed = vigie(&server, &token, &["bank", "list"]);
    let names: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["REMOVED"]);
    let created = ok(vigie(&server, &token, &["bank", "create", "NEWS", "--kind", "allow"]));
    assert_eq!((created["kind"].as_str(), created["stay_down"].as_bool()), (Some("allow"), Some(false)));
}

fn threatexchange() -> Option<PathBuf> {
    match std::env::var("VIGIE_REFERENCE_PYTHON") {
        Ok(p) if !p.is_empty() => Some(Path::new(&p).with_file_name("threatexchange")),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "VIGIE_REFERENCE_PYTHON must be set under CI (cargo xtask test sets it)"
            );
            eprintln!(
                "VIGIE_REFERENCE_PYTHON is not set: the threatexchange round trip did not run (use cargo xtask test)"
            );
            None
        }
    }
}

fn tx(bin: &Path, home: &Path, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).env("HOME", home).output().expect("threatexchange runs");
    assert!(out.status.success(), "threatexchange {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_bank_round_trips_through_the_threatexchange_cli() {
    let Some(bin) = threatexchange() else { return };
    let server = start().await;
    let token = curator(&server.base).await;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();

    // A real image's PDQ among synthetic ones, so that pytx can be asked to match the image.
    let img = image::RgbImage::from_fn(240, 180, |x, y| {
        let v = ((x as f32 / 7.0).sin() * (y as f32 / 11.0).cos() * 120.0 + 128.0) as u8;
        image::Rgb([v, (x % 256) as u8, (y * 3 % 256) as u8])
    });
    let png = dir.path().join("photo.png");
    img.save(&png).unwrap();
    let pdq = vigie_hash::hash_image(&std::fs::read(&png).unwrap(), &Default::default()).unwrap().pdq;
    assert!(pdq.is_reliable());
    let mut lines = synthetic_bank(200);
    lines.push(format!("pdq {}", pdq.hash));
    let file = dir.path().join("bank.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--create", "--bank", "SOURCE", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Vigie's local_file export is a pytx collaboration.
    let exported = dir.path().join("vigie-export.txt");
    let out = vigie(&server, &token, &["bank", "export", "--bank", "SOURCE", "-o", exported.to_str().unwrap()]);
    assert!(out.status.success());
    tx(
        &bin,
        &home,
        &["config", "collab", "edit", "local_file", "--create", "--filename", exported.to_str().unwrap(), "vigie"],
    );
    tx(&bin, &home, &["fetch"]);
    let matched = tx(&bin, &home, &["match", "photo", png.to_str().unwrap()]);
    assert!(
        matched.contains("pdq") && matched.contains("vigie"),
        "pytx matched the photo against Vigie's bank: {matched}"
    );

    // pytx's CSV of what it fetched comes back into Vigie unchanged.
    let csv = tx(&bin, &home, &["dataset", "-P", "--csv"]);
    assert_eq!(csv.lines().count(), lines.len() + 1, "{csv}");
    let csv_file = dir.path().join("from-pytx.csv");
    std::fs::write(&csv_file, &csv).unwrap();
    let out =
        vigie(&server, &token, &["bank", "import", "--create", "--bank", "ROUNDTRIP", csv_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["report"]["added"], lines.len());
    let back = vigie(&server, &token, &["bank", "export", "--bank", "ROUNDTRIP"]);
    assert_eq!(sorted_lines(&String::from_utf8(back.stdout).unwrap()), sorted_lines(&lines.join("\n")));
    // The provenance pytx wrote (collaboration, category) is kept.
    let csv_back = vigie(&server, &token, &["bank", "export", "--bank", "ROUNDTRIP", "--format", "csv"]);
    assert!(String::from_utf8(csv_back.stdout).unwrap().contains(",vigie,INVESTIGATION_SEED,"));
}

/// Stops the server: `graceful` sends SIGTERM and waits, otherwise SIGKILL.
fn stop(mut server: Server, graceful: bool) -> tempfile::TempDir {
    if graceful {
        let pid = server.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let status = server.child.wait().unwrap();
        assert!(status.success(), "a SIGTERM is a clean stop: {status}");
    } else {
        server.child.kill().unwrap();
        server.child.wait().unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::mem::replace(&mut server._dir, dir)
}

/// A video of three frames at one a second, its hashes made up (vPDQ entries are not in the
/// index snapshot: they are reloaded from the store).
fn video_signal(seed: u8) -> Value {
    json!(
        (0..3u8)
            .map(|i| format!("{},90,{}.0", hex::encode([seed.wrapping_mul(31).wrapping_add(i * 77); 32]), i))
            .collect::<Vec<_>>()
    )
}

async fn video_matches(server: &Server, token: &str, signal: &Value) -> Value {
    let url = format!("{}/m/lookup", server.base);
    let body = json!({ "signal_type": "vpdq", "signal": signal });
    reqwest::Client::new().post(url).bearer_auth(token).json(&body).send().await.unwrap().json().await.unwrap()
}

async fn matches(server: &Server, token: &str, pdq: &str) -> Value {
    let url = format!("{}/m/lookup?signal_type=pdq&signal={pdq}", server.base);
    reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn a_restart_loads_the_index_snapshot_and_catches_up_with_the_store() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = start_in(tempfile::tempdir().unwrap(), port).await;
    let token = curator(&server.base).await;
    let lines = synthetic_bank(3000);
    let file = server._dir.path().join("bank.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--create", "--bank", "B", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let first = lines[0].strip_prefix("pdq ").unwrap().to_owned();
    let video: Value = reqwest::Client::new()
        .post(format!("{}/c/bank/B/signal", server.base))
        .bearer_auth(&token)
        .json(&json!({ "vpdq": video_signal(1) }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link: Value = reqwest::Client::new()
        .post(format!("{}/c/bank/B/signal", server.base))
        .bearer_auth(&token)
        .json(&json!({ "url": "https://propaganda.example/a" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dir = stop(server, true);
    let snapshot = dir.path().join("data").join("bank-index.snapshot");
    assert!(snapshot.exists(), "a clean stop saves the index");

    // After a crash, the entries added since the snapshot come from the store.
    let server = start_in(dir, port).await;
    assert_eq!(matches(&server, &token, &first).await["B"][0]["distance"], "0");
    let hit = video_matches(&server, &token, &video_signal(1)).await;
    assert_eq!(hit["B"][0]["bank_content_id"], video["id"], "banked videos are back after a snapshot load: {hit}");
    assert_eq!(video_matches(&server, &token, &video_signal(2)).await, json!({}));
    let url = format!("{}/m/lookup?signal_type=url&signal=http%3A%2F%2Fpropaganda.example%2Fa%2F", server.base);
    let hit: Value = reqwest::Client::new().get(url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(hit["B"][0]["bank_content_id"], link["id"], "URL entries are back too: {hit}");
    let added: Value = reqwest::Client::new()
        .post(format!("{}/c/bank/B/signal", server.base))
        .bearer_auth(&token)
        .json(&json!({ "pdq": "ffffffffffffffffffffffffffffffff00000000000000000000000000000000" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let dir = stop(server, false);
    let server = start_in(dir, port).await;
    let hit = matches(&server, &token, "ffffffffffffffffffffffffffffffff00000000000000000000000000000001").await;
    assert_eq!(hit["B"][0]["bank_content_id"], added["id"], "{hit}");
    assert_eq!(matches(&server, &token, &first).await["B"][0]["distance"], "0");

    // A damaged snapshot is refused and the index rebuilt from the store.
    let dir = stop(server, false);
    let snapshot = dir.path().join("data").join("bank-index.snapshot");
    let mut bytes = std::fs::read(&snapshot).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 1;
    std::fs::write(&snapshot, bytes).unwrap();
    let server = start_in(dir, port).await;
    assert_eq!(matches(&server, &token, &first).await["B"][0]["distance"], "0");
    let hit = matches(&server, &token, "ffffffffffffffffffffffffffffffff00000000000000000000000000000001").await;
    assert_eq!(hit["B"][0]["bank_content_id"], added["id"]);
}

/// A pinned `.tmk` file of a committed video (Meta's `tmk-hash-video` output).
fn tmk_file(video: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../vigie-video/tests/videos/{video}.tmk", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The entries a `.tmk` lookup finds, by bank name.
async fn tmk_matches(server: &Server, token: &str, video: &str) -> Vec<(String, i64)> {
    let res: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/banks/tmk/lookup", server.base))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(tmk_file(video))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut found: Vec<(String, i64)> = res["matches"]
        .as_array()
        .unwrap_or_else(|| panic!("{res}"))
        .iter()
        .map(|m| (m["bank"]["name"].as_str().unwrap().to_owned(), m["entry"].as_i64().unwrap()))
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn tmk_files_round_trip_through_a_directory_and_match_after_restarts() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = start_in(tempfile::tempdir().unwrap(), port).await;
    let token = curator(&server.base).await;
    let out = vigie(&server, &token, &["bank", "create", "B", "--tmk-level1", "0.8"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bank: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((bank["tmk_level1"].as_f64(), bank["tmk_level2"].as_f64()), (Some(0.8), Some(0.7)));

    // A directory of two files and its manifest.
    let src = tempfile::tempdir().unwrap();
    let (a, b) = (tmk_file("testsrc-h264-320x240.mp4"), tmk_file("mandelbrot-vp9-256x192.webm"));
    std::fs::write(src.path().join("attack.tmk"), &a).unwrap();
    std::fs::write(src.path().join("other.tmk"), &b).unwrap();
    let manifest = json!({ "format": "vigie-tmk", "version": 1, "files": [
        { "file": "attack.tmk", "sha256": vigie_hash::sha256_hex(&a), "bytes": a.len(), "note": "attack video", "content_id": "v1" },
        { "file": "other.tmk", "sha256": vigie_hash::sha256_hex(&b), "bytes": b.len() },
    ] });
    std::fs::write(src.path().join("manifest.json"), manifest.to_string()).unwrap();
    let dir = src.path().to_str().unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--bank", "B", dir]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["report"]["added"].as_u64(), report["report"]["duplicates"].as_u64()), (Some(2), Some(0)));
    let again: Value =
        serde_json::from_slice(&vigie(&server, &token, &["bank", "import", "--bank", "B", dir]).stdout).unwrap();
    assert_eq!((again["report"]["added"].as_u64(), again["report"]["duplicates"].as_u64()), (Some(0), Some(2)));
    let attack = report["report"]["entries"][0].as_i64().unwrap();

    // Exported: the same bytes, named by their SHA-256, with their metadata.
    let exported = tempfile::tempdir().unwrap();
    let out_dir = exported.path().join("out");
    let out =
        vigie(&server, &token, &["bank", "export", "--bank", "B", "--format", "tmk", "-o", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap()).unwrap();
    let files = written["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{written}");
    assert_eq!((written["format"].as_str(), written["bank"].as_str()), (Some("vigie-tmk"), Some("B")));
    let first = files.iter().find(|f| f["sha256"] == vigie_hash::sha256_hex(&a).as_str()).unwrap();
    assert_eq!((first["note"].as_str(), first["content_id"].as_str()), (Some("attack video"), Some("v1")));
    assert_eq!(std::fs::read(out_dir.join(first["file"].as_str().unwrap())).unwrap(), a);
    // ... which imports into another bank as it was.
    let out = vigie(&server, &token, &["bank", "import", "--create", "--bank", "C", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c["report"]["added"].as_u64(), Some(2));

    // A manifest that does not match its files sends nothing (and creates no bank).
    let mut tampered = a.clone();
    tampered[100] ^= 1;
    std::fs::write(src.path().join("attack.tmk"), &tampered).unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--create", "--bank", "D", dir]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SHA-256"), "{}", String::from_utf8_lossy(&out.stderr));
    let evil = json!({ "format": "vigie-tmk", "version": 1, "files": [
        { "file": "../attack.tmk", "sha256": vigie_hash::sha256_hex(&a), "bytes": a.len() } ] });
    std::fs::write(src.path().join("manifest.json"), evil.to_string()).unwrap();
    let out = vigie(&server, &token, &["bank", "import", "--create", "--bank", "D", dir]);
    assert!(!out.status.success(), "a name outside the directory is refused");
    let banks = vigie(&server, &token, &["bank", "list"]);
    assert!(!String::from_utf8_lossy(&banks.stdout).contains("\"D\""));

    // The re-encode matches in both banks; after a clean stop and after a crash too (the
    // level-1 vectors are reloaded from the store).
    let found = tmk_matches(&server, &token, "testsrc-reencoded-vp9-240x180.webm").await;
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&("B".to_owned(), attack)));
    let dir = stop(server, true);
    let server = start_in(dir, port).await;
    assert_eq!(tmk_matches(&server, &token, "testsrc-reencoded-vp9-240x180.webm").await, found);
    let dir = stop(server, false);
    let server = start_in(dir, port).await;
    assert_eq!(tmk_matches(&server, &token, "testsrc-reencoded-vp9-240x180.webm").await, found);
    // B's level 1 of 0.8 keeps the rotated copy (0.759) out; C has the defaults.
    let rotated = tmk_matches(&server, &token, "testsrc-h264-rotated.mp4").await;
    assert_eq!(rotated.iter().map(|(b, _)| b.as_str()).collect::<Vec<_>>(), ["C"], "{rotated:?}");
}
