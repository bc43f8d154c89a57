//! `vigie-bench`: load generators that drive a running Vigie server over HTTP and report
//! throughput and latency.
//!
//! - `vigie-bench notices --spawn target/release/vigie`: starts a server on a fresh data
//!   directory, sets up a platform with an approved host, then posts anonymous notices with a
//!   fixed number of requests in flight.
//! - `vigie-bench notices --url http://127.0.0.1:8080 --admin-token vgt_…`: the same against a
//!   server that is already running.
//! - `vigie-bench pdq`: Vigie's PDQ against Meta's reference (pdqhash, python-threatexchange) on
//!   the same synthetic images, single-threaded.
//! - `vigie-bench photos`: file-to-hash on camera-like photographs against python-threatexchange,
//!   single-threaded, with where the time goes and the distances to pytx's hashes.
//! - `vigie-bench index`: Vigie's exact radius search against faiss's binary indexes.
//! - `vigie-bench banks --spawn target/release/vigie`: the bank matcher over HTTP: import,
//!   lookups, upload checks, add-to-match time and restarts.
//! - `vigie-bench upload --spawn target/release/vigie`: the upload path with the photo itself:
//!   photos per second through `POST /api/v1/uploads/check` against a 10 M-hash bank, and where
//!   the time goes.
//! - `vigie-bench vpdq`: video to vPDQ against Meta's `vpdq` on generated SD, HD and full-HD
//!   videos, every frame and one hash a second, with FFmpeg's decoding alone as the floor.
//! - `vigie-bench graph`: the account network's views over many stay-down cases.

mod banks;
mod graph;
mod index;
mod load;
mod logexport;
mod one_decode;
mod pdq;
mod photos;
mod server;
mod upload;
mod video;
mod vpdq;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::load::{LoadConfig, Report};
use crate::server::{Api, SpawnedServer};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Posts anonymous notices as fast as the server takes them.
    Notices(NoticesArgs),
    /// Times PDQ hashing against the Python reference.
    Pdq(pdq::PdqArgs),
    /// Times file-to-hash on camera-like photographs against python-threatexchange.
    Photos(photos::PhotosArgs),
    /// Times exact radius search against faiss.
    Index(index::IndexArgs),
    /// Times the bank matcher over HTTP on a spawned server.
    Banks(banks::BanksArgs),
    /// Times upload checks with the photo itself against a large bank, on a spawned server.
    Upload(upload::UploadArgs),
    /// Times a video lookup against a library of banked videos (one PDQ index of their frames).
    Video(video::VideoArgs),
    /// Writes a verifiable export of N events and its signed checkpoint, to time
    /// `vigie audit verify --export` on.
    LogExport(logexport::LogExportArgs),
    /// Times video to vPDQ against Meta's `vpdq`, with FFmpeg's decoding alone as the floor.
    Vpdq(vpdq::VpdqArgs),
    /// Times one decode feeding MD5, SHA-256, vPDQ and TMK+PDQF against decoding alone.
    OneDecode(one_decode::OneDecodeArgs),
    /// Times the account network over many stay-down cases, on a spawned server.
    Graph(graph::GraphArgs),
}

#[derive(clap::Args)]
struct NoticesArgs {
    /// Base URL of a running server, e.g. `http://127.0.0.1:8080`.
    #[arg(long, required_unless_present = "spawn", conflicts_with = "spawn")]
    url: Option<String>,
    /// Path to the `vigie` binary: start a server on a temporary data directory instead.
    #[arg(long)]
    spawn: Option<PathBuf>,
    /// Administrator token, for the setup (needed with --url; made up with --spawn).
    #[arg(long, env = "VIGIE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Measured seconds.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Seconds of load before measuring; their results are discarded.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Requests kept in flight.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency: u16,
    /// Number of distinct content URLs; notices on the same URL fold into one case.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    distinct: u64,
    /// Print one JSON line instead of text.
    #[arg(long)]
    json: bool,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let res = match Cli::parse().command {
        Command::Notices(args) => notices(args).await,
        Command::Pdq(args) => pdq::run(args),
        Command::Photos(args) => photos::run(args),
        Command::Index(args) => index::run(args),
        Command::Banks(args) => banks::run(args).await,
        Command::Upload(args) => upload::run(args).await,
        Command::Video(args) => video::run(args),
        Command::LogExport(args) => logexport::run(args),
        Command::Vpdq(args) => vpdq::run(args),
        Command::OneDecode(args) => one_decode::run(args),
        Command::Graph(args) => graph::run(args).await,
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Plain chain of causes, without the backtrace `anyhow` would print from `main`.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn notices(args: NoticesArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.duration > 0, "--duration must be at least one second");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let concurrency = usize::from(args.concurrency);
    let client = server::load_client(concurrency, Duration::from_secs(60))?;

    // Declared before the work so that it is dropped (child killed, directory removed) on every
    // way out of this function, errors included.
    let mut spawned = None;
    let (base_url, admin_token) = match (&args.spawn, &args.url) {
        (Some(binary), _) => {
            let token = args.admin_token.clone().unwrap_or_else(server::make_admin_token);
            let s = spawned.insert(
                SpawnedServer::start(binary, &token).with_context(|| format!("while starting {}", binary.display()))?,
            );
            s.wait_healthy(&client).await?;
            (s.base_url.clone(), token)
        }
        (None, Some(url)) => {
            let token =
                args.admin_token.clone().context("--admin-token (or VIGIE_ADMIN_TOKEN) is needed with --url")?;
            (url.trim_end_matches('/').to_owned(), token)
        }
        (None, None) => anyhow::bail!("give --url or --spawn"),
    };

    let api = Api { client: client.clone(), base_url: base_url.clone() };
    api.set_up_platform(&admin_token).await.context("while setting up the benchmark platform")?;
    if !args.json {
        eprintln!(
            "setup done on {base_url}; {}s warm-up, then {}s measured with {concurrency} in flight",
            args.warmup, args.duration
        );
    }

    let report = load::run(LoadConfig {
        client,
        notices_url: format!("{base_url}/api/v1/notices"),
        concurrency,
        distinct: args.distinct,
        warmup: Duration::from_secs(args.warmup),
        duration: Duration::from_secs(args.duration),
    })
    .await?;

    if args.json {
        println!("{}", report_json(&args, &base_url, &report));
    } else {
        print_text(&args, &base_url, &report);
    }
    if let Some(s) = spawned.take() {
        s.stop(!args.json);
    }
    Ok(())
}

fn nproc() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn report_json(args: &NoticesArgs, base_url: &str, r: &Report) -> serde_json::Value {
    let errors: serde_json::Map<String, serde_json::Value> =
        r.errors.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(*v))).collect();
    serde_json::json!({
        "bench": "notices",
        "url": base_url,
        "spawned": args.spawn.is_some(),
        "nproc": nproc(),
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "distinct": args.distinct,
        "accepted": r.accepted,
        "errors": errors,
        "warmup_errors": r.warmup_errors,
        "first_error": r.first_error,
        "notices_per_s": r.per_second(),
        "latency_ms": {
            "p50": r.latency_ms(0.50),
            "p90": r.latency_ms(0.90),
            "p99": r.latency_ms(0.99),
            "p99_9": r.latency_ms(0.999),
            "max": r.latency_ms(1.0),
        },
    })
}

fn print_text(args: &NoticesArgs, base_url: &str, r: &Report) {
    println!("vigie-bench notices against {base_url}{}", if args.spawn.is_some() { " (spawned)" } else { "" });
    println!("  machine      {} CPUs (client and server share them when on one machine)", nproc());
    println!(
        "  load         {} in flight, {} s measured after {} s warm-up, {} distinct URLs",
        args.concurrency, args.duration, args.warmup, args.distinct
    );
    println!("  accepted     {} notices, {:.1} notices/s", r.accepted, r.per_second());
    if r.errors.is_empty() {
        println!("  errors       none");
    } else {
        let list: Vec<String> = r.errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        println!("  errors       {}", list.join(", "));
    }
    if r.warmup_errors > 0 {
        println!("  warm-up      {} errors (not counted above)", r.warmup_errors);
    }
    if let Some(e) = &r.first_error {
        println!("  first error  {e}");
    }
    let ms = |p| r.latency_ms(p).map_or_else(|| "-".to_owned(), |v| format!("{v:.2}"));
    println!(
        "  latency ms   p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (accepted notices)",
        ms(0.50),
        ms(0.90),
        ms(0.99),
        ms(0.999),
        ms(1.0)
    );
}
