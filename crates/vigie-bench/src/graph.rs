//! `vigie-bench graph`: the account network at scale. A real server's platform has a stay-down
//! bank; N re-uploads of its entries, each by one of A invented accounts at its own URL, open N
//! stay-down cases (each an upload-match report naming the uploader and the banked hash it hit).
//! Then moderators ask for the network around random accounts (`POST /api/v1/graph`, two steps
//! deep): each view walks accounts to cases, cases to hashes and hashes back to cases. Reports the
//! seeding rate and the views' latencies.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::ensure;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::banks::{Rng, hex, quantile};
use crate::server::{load_client, make_admin_token, spawn_with_platform};

#[derive(clap::Args)]
pub(crate) struct GraphArgs {
    /// Path to the `vigie` binary (a release build).
    #[arg(long)]
    spawn: PathBuf,
    /// Stay-down cases to open.
    #[arg(long, default_value_t = 100_000)]
    cases: u64,
    /// Accounts that upload them.
    #[arg(long, default_value_t = 20_000)]
    accounts: u64,
    /// Entries of the bank the uploads match.
    #[arg(long, default_value_t = 5_000)]
    entries: u64,
    /// Requests kept in flight while seeding.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Network views to time, one at a time.
    #[arg(long, default_value_t = 200)]
    views: usize,
}

pub(crate) async fn run(args: GraphArgs) -> anyhow::Result<()> {
    ensure!(args.cases > 0 && args.accounts > 0 && args.entries > 0 && args.views > 0, "sizes must be positive");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = load_client(args.concurrency, Duration::from_secs(600))?;
    let (server, api, token) = spawn_with_platform(&args.spawn, &client, &make_admin_token()).await?;
    let bank = api
        .call(
            Method::POST,
            "/api/v1/banks",
            &token,
            json!({ "name": "bench-graph", "stay_down": true }),
            &[StatusCode::CREATED],
        )
        .await?;
    let bank = bank["id"].as_str().unwrap_or_default().to_owned();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let hashes: Vec<[u64; 4]> = (0..args.entries).map(|_| rng.hash()).collect();
    for h in &hashes {
        let entry = json!({ "signal_type": "pdq", "value": hex(h) });
        api.call(Method::POST, &format!("/api/v1/banks/{bank}/entries"), &token, entry, &[StatusCode::CREATED]).await?;
    }

    // Seeding: upload i re-uploads entry i mod E, by a random account.
    let hashes = Arc::new(hashes);
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.concurrency)
        .map(|t| {
            let (client, base, token, hashes, next) =
                (client.clone(), server.base_url.clone(), token.clone(), hashes.clone(), next.clone());
            let (cases, accounts) = (args.cases, args.accounts);
            tokio::spawn(async move {
                let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ (t as u64 + 1));
                let mut errors = 0u64;
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= cases {
                        return errors;
                    }
                    let h = hashes[(i % hashes.len() as u64) as usize];
                    let body = json!({
                        "pdq": hex(&h),
                        "url": format!("https://{}/v/{i}", crate::server::BENCH_HOST),
                        "content_id": format!("v{i}"),
                        "uploader": format!("acct-{}", rng.next() % accounts),
                    });
                    let res = client
                        .post(format!("{base}/api/v1/uploads/check"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    match res {
                        Ok(r) if r.status().is_success() => {
                            let _ = r.bytes().await;
                        }
                        _ => errors += 1,
                    }
                }
            })
        })
        .collect();
    let mut errors = 0;
    for t in tasks {
        errors += t.await?;
    }
    let seeding = started.elapsed().as_secs_f64();
    ensure!(errors == 0, "{errors} uploads failed while seeding");
    println!(
        "seeded {} stay-down cases by {} accounts over {} banked hashes in {seeding:.1} s ({:.0} uploads/s)",
        args.cases,
        args.accounts,
        args.entries,
        args.cases as f64 / seeding
    );

    // Views, one at a time, around random accounts.
    let mut latencies = Vec::with_capacity(args.views);
    let (mut nodes, mut edges) = (0u64, 0u64);
    for _ in 0..args.views {
        let account = format!("acct-{}", rng.next() % args.accounts);
        let sent = Instant::now();
        let view = api
            .call(Method::POST, "/api/v1/graph", &token, json!({ "account": account, "depth": 2 }), &[StatusCode::OK])
            .await?;
        latencies.push(sent.elapsed());
        nodes += view["nodes"].as_array().map_or(0, Vec::len) as u64;
        edges += view["edges"].as_array().map_or(0, Vec::len) as u64;
    }
    latencies.sort();
    println!(
        "network views (depth 2): p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms  ({:.1} accounts and {:.1} links a view)",
        quantile(&latencies, 0.5),
        quantile(&latencies, 0.95),
        quantile(&latencies, 1.0),
        nodes as f64 / args.views as f64,
        edges as f64 / args.views as f64,
    );
    server.stop(false);
    Ok(())
}
