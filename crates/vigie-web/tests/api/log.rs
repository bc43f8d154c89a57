//! The verifiable log over the API: signed checkpoints, inclusion and consistency proofs checked
//! with `vigie-log` alone, and a witness that cosigns each checkpoint, raises a fork and notices a
//! log that stopped growing.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine as _;
use serde_json::{Value, json};
use vigie_log::tree::{Hash, verify_consistency, verify_inclusion};
use vigie_log::witness::AddCheckpoint;
use vigie_log::{Checkpoint, SignerKey, VerifierKey};

use crate::helpers::*;

fn unb64(v: &Value) -> Hash {
    base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap().try_into().unwrap()
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array().unwrap().iter().map(unb64).collect()
}

async fn checkpoint_text(t: &TestApp, token: &str) -> (u16, String) {
    let res = t.http.get(t.url("/api/v1/log/checkpoint")).bearer_auth(token).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn checkpoints_and_proofs_verify_with_the_log_key_and_only_overseers_and_administrators_sign() {
    let t = TestApp::start().await;
    let p = t.platform("tube.example").await;
    for i in 0..5 {
        t.notice(&format!("https://tube.example/v/{i}")).await;
    }
    let key = t.get("/api/v1/log/key", &p.token).await.expect(200);
    let vkey = VerifierKey::parse(key["verifier_key"].as_str().unwrap()).unwrap();
    assert_eq!(vkey.name(), key["origin"].as_str().unwrap());
    assert_eq!(t.send(reqwest::Method::GET, "/api/v1/log/key", None, None).await.status, 401);

    let refused = t.post("/api/v1/log/checkpoints", &p.token, json!({})).await;
    assert_eq!(refused.status, 403, "a platform does not sign the log");
    let c = t.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    let (status, text) = checkpoint_text(&t, &p.token).await;
    assert_eq!(status, 200);
    let signed = Checkpoint::open(text.as_bytes(), vkey.name(), std::slice::from_ref(&vkey)).unwrap();
    let size = signed.checkpoint().size();
    assert_eq!(size, c["size"].as_u64().unwrap());
    let events = t.events(None).await;
    assert!(size as usize <= events.len() && size >= 5, "the checkpoint covers the events so far");
    let root = *signed.checkpoint().root();
    assert_eq!(vigie_app::tlog::b64(&root), c["root"].as_str().unwrap());

    // Every event's inclusion proof leads to the signed root; a proof for another leaf does not.
    for seq in 1..=size {
        let pr = t.get(&format!("/api/v1/log/proof/inclusion?seq={seq}&size={size}"), &p.token).await.expect(200);
        let (leaf, path) = (unb64(&pr["leaf_hash"]), hashes(&pr["hashes"]));
        assert!(path.len() <= 64 - size.leading_zeros() as usize, "O(log n) hashes");
        verify_inclusion(&leaf, seq - 1, size, &path, &root).unwrap();
        if seq > 1 {
            assert!(verify_inclusion(&leaf, seq - 2, size, &path, &root).is_err());
        }
    }

    // The log grows; the next checkpoint extends the first, by its consistency proof.
    for i in 5..9 {
        t.notice(&format!("https://tube.example/v/{i}")).await;
    }
    let c2 = t.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    let size2 = c2["size"].as_u64().unwrap();
    assert!(size2 > size);
    let root2 = unb64(&c2["root"]);
    let pr = t.get(&format!("/api/v1/log/proof/consistency?from={size}&to={size2}"), &p.token).await.expect(200);
    verify_consistency(size, size2, &root, &root2, &hashes(&pr["hashes"])).unwrap();
    let mut wrong = root;
    wrong[0] ^= 1;
    assert!(verify_consistency(size, size2, &wrong, &root2, &hashes(&pr["hashes"])).is_err());
    let list = t.get("/api/v1/log/checkpoints", &p.token).await.expect(200);
    let sizes: Vec<u64> = list["checkpoints"].as_array().unwrap().iter().map(|c| c["size"].as_u64().unwrap()).collect();
    assert_eq!(sizes[..2], [size2, size], "newest first");

    // Proofs beyond the tree, or of no event, are refused clearly.
    let beyond = t.get(&format!("/api/v1/log/proof/inclusion?seq={}", size2 + 1000), &p.token).await;
    assert_eq!(beyond.status, 404);
    assert_eq!(t.get("/api/v1/log/proof/inclusion?seq=0", &p.token).await.status, 400);
    assert_eq!(t.get("/api/v1/log/proof/inclusion", &p.token).await.status, 400);
    let ahead = t.get(&format!("/api/v1/log/proof/consistency?from={}&to={}", size2, size), &p.token).await;
    assert_eq!(ahead.status, 404);
}

/// A witness on a free port, watching `log`, with a clock the test moves.
async fn witness(
    log: &SignerKey,
    max_staleness: u64,
) -> (String, Arc<vigie_web::witness::WitnessService>, Arc<AtomicU64>) {
    let now = Arc::new(AtomicU64::new(1_800_000_000));
    let clock = now.clone();
    let key = SignerKey::from_seed("witness.example/w1", &[3; 32]).unwrap();
    let service = Arc::new(
        vigie_web::witness::WitnessService::new(
            key,
            vec![log.verifier()],
            None,
            max_staleness,
            Box::new(move || clock.load(Ordering::SeqCst)),
        )
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(vigie_web::witness::serve(listener, service.clone()));
    (url, service, now)
}

#[tokio::test]
async fn a_witness_cosigns_each_checkpoint_raises_a_fork_and_notices_a_stalled_log() {
    let log_key = SignerKey::from_seed("example.org/vigie-witnessed", &[9; 32]).unwrap();
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("log-key");
    std::fs::write(&key_file, log_key.encode_secret()).unwrap();
    let (url, service, now) = witness(&log_key, 600).await;
    let witness_vkey = service.verifier();
    let peer = vigie_app::tlog::WitnessPeer::parse(&format!("{url}={}", witness_vkey.encode())).unwrap();
    let t = TestApp::start_with(|c| {
        c.app.log.key_file = Some(key_file.clone());
        c.app.log.witnesses = vec![peer];
        c.app.log.checkpoint_interval = std::time::Duration::from_secs(3600);
    })
    .await;
    let p = t.platform("tube.example").await;
    t.notice("https://tube.example/v/1").await;

    let c = t.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    let signed =
        Checkpoint::open(c["note"].as_str().unwrap().as_bytes(), log_key.name(), &[log_key.verifier()]).unwrap();
    let by = signed.witnessed_by(std::slice::from_ref(&witness_vkey)).unwrap();
    assert_eq!(by.len(), 1, "the witness cosigned: {}", c["note"]);
    assert_eq!(by[0].time, 1_800_000_000, "at the witness's time: signed time");
    let (_, latest) = checkpoint_text(&t, &p.token).await;
    assert_eq!(latest, c["note"].as_str().unwrap(), "the published checkpoint carries the cosignature");

    // The log grows: the witness checks the consistency proof from what it saw, and cosigns again.
    now.fetch_add(60, Ordering::SeqCst);
    t.notice("https://tube.example/v/2").await;
    let c2 = t.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    let signed2 =
        Checkpoint::open(c2["note"].as_str().unwrap().as_bytes(), log_key.name(), &[log_key.verifier()]).unwrap();
    assert_eq!(signed2.witnessed_by(std::slice::from_ref(&witness_vkey)).unwrap()[0].time, 1_800_000_060);
    let status: Value = reqwest::get(format!("{url}/status")).await.unwrap().json().await.unwrap();
    assert_eq!(status["logs"][0]["size"], c2["size"]);
    assert_eq!(status["logs"][0]["stale"], false);
    assert!(status["forks"].as_array().unwrap().is_empty());

    // Another history at the same size, signed by the log's key: the witness refuses and keeps the
    // two checkpoints as evidence.
    let size = c2["size"].as_u64().unwrap();
    let forged = Checkpoint::new(log_key.name(), size, [0x42; 32]).unwrap().sign(&log_key).unwrap();
    let body = AddCheckpoint { old_size: size, proof: Vec::new(), checkpoint: forged.encode().into_bytes() };
    let res = reqwest::Client::new().post(format!("{url}/add-checkpoint")).body(body.encode()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let status: Value = reqwest::get(format!("{url}/status")).await.unwrap().json().await.unwrap();
    let forks = status["forks"].as_array().unwrap();
    assert_eq!(forks.len(), 1);
    let previous = forks[0]["previous"].as_str().unwrap();
    assert!(c2["note"].as_str().unwrap().starts_with(previous), "the evidence is the checkpoint it cosigned");
    assert!(
        Checkpoint::open(forks[0]["offered"].as_str().unwrap().as_bytes(), log_key.name(), &[log_key.verifier()])
            .is_ok()
    );

    // Nothing new for longer than the allowed staleness: the witness says the log is stale.
    now.fetch_add(601, Ordering::SeqCst);
    t.app.log_tick().await.unwrap();
    let status: Value = reqwest::get(format!("{url}/status")).await.unwrap().json().await.unwrap();
    assert_eq!(status["logs"][0]["stale"], true, "{status}");
    t.notice("https://tube.example/v/3").await;
    t.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    let status: Value = reqwest::get(format!("{url}/status")).await.unwrap().json().await.unwrap();
    assert_eq!(status["logs"][0]["stale"], false, "{status}");

    // Another data directory signing with the same key (a restored backup, say) cannot pass for
    // the log the witness follows: the server says so, and /healthz reports it.
    let peer = vigie_app::tlog::WitnessPeer::parse(&format!("{url}={}", witness_vkey.encode())).unwrap();
    let restored = TestApp::start_with(|c| {
        c.app.log.key_file = Some(key_file.clone());
        c.app.log.witnesses = vec![peer];
        c.app.log.checkpoint_interval = std::time::Duration::from_secs(3600);
    })
    .await;
    let before: Value = reqwest::get(format!("{url}/status")).await.unwrap().json().await.unwrap();
    restored.post("/api/v1/log/checkpoints", ADMIN, json!({})).await.expect(201);
    let health = reqwest::get(restored.url("/healthz")).await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(health["status"], "degraded", "{health}");
    assert!(health["log_lineage_problem"].as_str().unwrap().contains("new-lineage"), "{health}");
    let after: Value = reqwest::get(format!("{url}/status")).await.unwrap().json().await.unwrap();
    assert_eq!(after["logs"][0]["size"], before["logs"][0]["size"], "the witness kept the history it saw");
    let health = reqwest::get(t.url("/healthz")).await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(health["status"], "ok", "the original log is not affected: {health}");
}
