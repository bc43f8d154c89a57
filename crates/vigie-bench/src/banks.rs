//! `vigie-bench banks`: the matcher as a platform meets it, over HTTP on a spawned server: bulk
//! import, lookups and upload checks under load, how soon an added hash matches, and how long a
//! restart takes with N entries (from the index snapshot, after a crash, and from the store).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::server::{SpawnedServer, load_client, make_admin_token, spawn_with_platform};

#[derive(clap::Args)]
pub(crate) struct BanksArgs {
    /// Path to the `vigie` binary (a release build).
    #[arg(long)]
    spawn: PathBuf,
    /// PDQ hashes in the bank.
    #[arg(long, default_value_t = 1_000_000)]
    size: usize,
    /// Requests kept in flight during the load phases.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Measured seconds per load phase.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Hashes added one by one to time add-to-match.
    #[arg(long, default_value_t = 200)]
    adds: usize,
}

/// Deterministic pseudo-random 256-bit hashes.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn hash(&mut self) -> [u64; 4] {
        [self.next(), self.next(), self.next(), self.next()]
    }
}

pub(crate) fn hex(h: &[u64; 4]) -> String {
    h.iter().map(|w| format!("{w:016x}")).collect()
}

/// `h` with `bits` low bits flipped.
fn near(h: &[u64; 4], bits: u32) -> [u64; 4] {
    let mut c = *h;
    for k in 0..bits {
        c[3 - (k / 64) as usize] ^= 1 << (k % 64);
    }
    c
}

pub(crate) fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

pub(crate) struct Phase {
    pub(crate) ok: u64,
    pub(crate) errors: u64,
    pub(crate) latencies: Vec<Duration>,
    pub(crate) seconds: f64,
}

impl Phase {
    pub(crate) fn line(&self, what: &str) -> String {
        format!(
            "{what:<34} {:>9.0}/s  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} errors)",
            self.ok as f64 / self.seconds,
            quantile(&self.latencies, 0.5),
            quantile(&self.latencies, 0.99),
            quantile(&self.latencies, 1.0),
            self.errors
        )
    }
}

/// `concurrency` tasks, each sending `make(i)` after the previous answer, for `duration`.
pub(crate) async fn closed_loop<F>(client: &reqwest::Client, concurrency: usize, duration: Duration, make: F) -> Phase
where
    F: Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let end = Instant::now() + duration;
    let start = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|t| {
            let (client, make) = (client.clone(), make.clone());
            tokio::spawn(async move {
                let mut p = Phase { ok: 0, errors: 0, latencies: Vec::new(), seconds: 0.0 };
                let mut i = t as u64 * 1_000_000_007;
                while Instant::now() < end {
                    i += 1;
                    let sent = Instant::now();
                    match make(&client, i).send().await {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                            p.ok += 1;
                            p.latencies.push(sent.elapsed());
                        }
                        _ => p.errors += 1,
                    }
                }
                p
            })
        })
        .collect();
    let mut all = Phase { ok: 0, errors: 0, latencies: Vec::new(), seconds: 0.0 };
    for t in tasks {
        if let Ok(p) = t.await {
            all.ok += p.ok;
            all.errors += p.errors;
            all.latencies.extend(p.latencies);
        }
    }
    all.seconds = start.elapsed().as_secs_f64();
    all.latencies.sort();
    all
}

async fn wait_healthy_timed(s: &mut SpawnedServer, client: &reqwest::Client, since: Instant) -> anyhow::Result<f64> {
    s.wait_healthy_within(client, Duration::from_secs(900)).await?;
    Ok(since.elapsed().as_secs_f64())
}

pub(crate) async fn run(args: BanksArgs) -> anyhow::Result<()> {
    ensure!(args.size > 0 && args.duration > 0, "--size and --duration must be positive");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = load_client(args.concurrency, Duration::from_secs(600))?;
    let admin = make_admin_token();
    let (mut server, api, token) = spawn_with_platform(&args.spawn, &client, &admin).await?;
    let bank =
        api.call(Method::POST, "/api/v1/banks", &token, json!({ "name": "BENCH" }), &[StatusCode::CREATED]).await?;
    let bank_id = bank["id"].as_str().context("bank id")?.to_owned();
    let base = server.base_url.clone();
    println!(
        "vigie-bench banks: {} PDQ hashes, {} in flight, {} s per phase",
        args.size, args.concurrency, args.duration
    );

    // Bulk import, in files of 200,000 lines.
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut sample = Vec::new();
    let started = Instant::now();
    let mut left = args.size;
    while left > 0 {
        let n = left.min(200_000);
        let mut text = String::with_capacity(n * 69);
        for i in 0..n {
            let h = rng.hash();
            if i % 1000 == 0 {
                sample.push(h);
            }
            text.push_str("pdq ");
            text.push_str(&hex(&h));
            text.push('\n');
        }
        let res =
            client.post(format!("{base}/api/v1/banks/{bank_id}/import")).bearer_auth(&token).body(text).send().await?;
        if !res.status().is_success() {
            bail!("import answered {}: {}", res.status(), res.text().await.unwrap_or_default());
        }
        left -= n;
    }
    let import_s = started.elapsed().as_secs_f64();
    println!(
        "import                             {:>9.0} hashes/s  ({} in {import_s:.1} s)",
        args.size as f64 / import_s,
        args.size
    );
    if let Some(rss) = server.rss_bytes() {
        println!(
            "server memory (RSS)                {:>9.0} MiB  ({:.0} bytes per hash, whole process)",
            rss as f64 / 1048576.0,
            rss as f64 / args.size as f64
        );
    }

    // Lookups: half of them near a bank entry (5 bits off), half random.
    let sample = Arc::new(sample);
    let (t, s, b) = (token.clone(), sample.clone(), base.clone());
    let lookups = closed_loop(&client, args.concurrency, Duration::from_secs(args.duration), move |c, i| {
        let h = if i % 2 == 0 { near(&s[(i / 2) as usize % s.len()], 5) } else { Rng(i | 1).hash() };
        c.get(format!("{b}/m/lookup?signal_type=pdq&signal={}", hex(&h))).bearer_auth(&t)
    })
    .await;
    println!("{}", lookups.line("GET /m/lookup (half match)"));
    let (t, b) = (token.clone(), base.clone());
    let checks = closed_loop(&client, args.concurrency, Duration::from_secs(args.duration), move |c, i| {
        c.post(format!("{b}/api/v1/uploads/check")).bearer_auth(&t).json(&json!({ "pdq": hex(&Rng(i | 1).hash()) }))
    })
    .await;
    println!("{}", checks.line("POST /api/v1/uploads/check (new)"));

    // Add one hash, then look it up at once: the time until it matches.
    let mut to_match = Vec::with_capacity(args.adds);
    let mut add_only = Vec::with_capacity(args.adds);
    for _ in 0..args.adds {
        let h = hex(&rng.hash());
        let t0 = Instant::now();
        api.call(Method::POST, "/c/bank/BENCH/signal", &token, json!({ "pdq": h }), &[StatusCode::OK]).await?;
        add_only.push(t0.elapsed());
        let found: Value = client
            .get(format!("{base}/m/lookup?signal_type=pdq&signal={h}"))
            .bearer_auth(&token)
            .send()
            .await?
            .json()
            .await?;
        ensure!(found["BENCH"][0]["distance"] == "0", "an added hash did not match at once: {found}");
        to_match.push(t0.elapsed());
    }
    to_match.sort();
    add_only.sort();
    println!(
        "add (durable commit, then indexed)  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        quantile(&add_only, 0.5),
        quantile(&add_only, 0.99),
        quantile(&add_only, 1.0)
    );
    println!(
        "add, then match                    p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} adds, every one matched on the first lookup)",
        quantile(&to_match, 0.5),
        quantile(&to_match, 0.99),
        quantile(&to_match, 1.0),
        args.adds
    );

    // Restarts.
    let t0 = Instant::now();
    server.halt(true)?;
    let stop_s = t0.elapsed().as_secs_f64();
    let snapshot = server.data_dir().join("bank-index.snapshot");
    let snap_mib = std::fs::metadata(&snapshot).map(|m| m.len() as f64 / 1048576.0).unwrap_or(f64::NAN);
    server.respawn(&args.spawn, &admin)?;
    let from_snapshot = wait_healthy_timed(&mut server, &client, Instant::now()).await?;
    // A few changes after the snapshot, then a crash: the next start catches up from the store.
    for _ in 0..100 {
        api.call(Method::POST, "/c/bank/BENCH/signal", &token, json!({ "pdq": hex(&rng.hash()) }), &[StatusCode::OK])
            .await?;
    }
    server.halt(false)?;
    server.respawn(&args.spawn, &admin)?;
    let after_crash = wait_healthy_timed(&mut server, &client, Instant::now()).await?;
    server.halt(false)?;
    std::fs::remove_file(&snapshot).ok();
    server.respawn(&args.spawn, &admin)?;
    let from_store = wait_healthy_timed(&mut server, &client, Instant::now()).await?;
    let probe = hex(&sample[0]);
    let found: Value = client
        .get(format!("{base}/m/lookup?signal_type=pdq&signal={probe}"))
        .bearer_auth(&token)
        .send()
        .await?
        .json()
        .await?;
    ensure!(found["BENCH"][0]["distance"] == "0", "the bank did not survive the restarts: {found}");
    println!("clean stop (writes the snapshot)   {stop_s:.2} s  (snapshot {snap_mib:.0} MiB)");
    println!("restart from the snapshot          {from_snapshot:.2} s to healthy");
    println!("restart after a crash (catch-up)   {after_crash:.2} s to healthy");
    println!("restart without a snapshot (store) {from_store:.2} s to healthy");
    server.stop(true);
    Ok(())
}
