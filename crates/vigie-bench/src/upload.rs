//! `vigie-bench upload`: the upload path as a platform runs it. A real server holds a bank of N
//! PDQ hashes (10 million by default); a load generator on the same machine posts camera-like
//! photographs, base64 in JSON, to `POST /api/v1/uploads/check`, which decodes each one, hashes
//! it (PDQ, MD5, SHA-256) and matches it against the bank. Reports photos per second and where the
//! CPU time goes, from the processes' CPU counters and from the same steps timed in this process.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use base64::Engine as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::banks::{Phase, Rng, closed_loop, hex};
use crate::photos::corpus;
use crate::server::{Api, SpawnedServer, cpu_seconds_of, load_client, make_admin_token};

#[derive(clap::Args)]
pub(crate) struct UploadArgs {
    /// Path to the `vigie` binary (a release build).
    #[arg(long)]
    spawn: PathBuf,
    /// PDQ hashes in the bank.
    #[arg(long, default_value_t = 10_000_000)]
    size: usize,
    /// Requests kept in flight.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 3)]
    warmup: u64,
    /// The Python that makes the photographs (`target/pyref`, with scikit-image).
    #[arg(long, default_value = "target/pyref/bin/python")]
    python: PathBuf,
    /// Photographs posted in turn.
    #[arg(long, default_value_t = 160)]
    count: usize,
    /// Their size, as WIDTHxHEIGHT.
    #[arg(long, default_value = "1464x1098")]
    photo_size: String,
    /// Keep the photographs in this directory (reused when it holds `count` of them).
    #[arg(long)]
    corpus_dir: Option<PathBuf>,
    /// Keep the server's data directory here, bank included, and reuse it on later runs (the
    /// import of 10 million hashes takes minutes).
    #[arg(long)]
    data: Option<PathBuf>,
}

/// What a kept data directory remembers between runs.
const STATE_FILE: &str = "bench-upload.json";

fn cpu(p: (f64, f64), q: (f64, f64)) -> f64 {
    (q.0 - p.0) + (q.1 - p.1)
}

pub(crate) async fn run(args: UploadArgs) -> anyhow::Result<()> {
    ensure!(args.size > 0 && args.duration > 0 && args.concurrency > 0, "sizes and durations must be positive");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let photos = corpus(&args.python, args.corpus_dir.as_deref(), args.count, &args.photo_size)?;
    let client = load_client(args.concurrency, Duration::from_secs(600))?;

    // The server, and a platform with a bank of `size` hashes (from a kept directory if there is one).
    let state: Option<Value> = args
        .data
        .as_ref()
        .and_then(|d| std::fs::read_to_string(d.join(STATE_FILE)).ok())
        .and_then(|t| serde_json::from_str(&t).ok())
        .filter(|v: &Value| v["size"].as_u64() == Some(args.size as u64));
    let admin = state.as_ref().and_then(|s| s["admin"].as_str().map(str::to_owned)).unwrap_or_else(make_admin_token);
    let mut server = match &args.data {
        Some(dir) => SpawnedServer::start_in(&args.spawn, dir, &admin)?,
        None => SpawnedServer::start(&args.spawn, &admin)?,
    };
    server.wait_healthy_within(&client, Duration::from_secs(900)).await?;
    let base = server.base_url.clone();
    let token = match &state {
        Some(s) => s["token"].as_str().context("the kept token")?.to_owned(),
        None => {
            let api = Api { client: client.clone(), base_url: base.clone() };
            let token = api.set_up_platform(&admin).await?;
            let bank = api
                .call(Method::POST, "/api/v1/banks", &token, json!({ "name": "UPLOAD" }), &[StatusCode::CREATED])
                .await?;
            let bank_id = bank["id"].as_str().context("bank id")?.to_owned();
            let mut rng = Rng(0x5eed_0bad_cafe_f00d);
            let started = Instant::now();
            let mut left = args.size;
            while left > 0 {
                let n = left.min(200_000);
                let mut text = String::with_capacity(n * 69);
                for _ in 0..n {
                    text.push_str("pdq ");
                    text.push_str(&hex(&rng.hash()));
                    text.push('\n');
                }
                let res = client
                    .post(format!("{base}/api/v1/banks/{bank_id}/import"))
                    .bearer_auth(&token)
                    .body(text)
                    .send()
                    .await?;
                ensure!(res.status().is_success(), "import answered {}", res.status());
                left -= n;
            }
            println!("bank of {} PDQ hashes imported in {:.0} s", args.size, started.elapsed().as_secs_f64());
            if let Some(dir) = &args.data {
                let kept = json!({ "admin": admin, "token": token, "size": args.size });
                std::fs::write(dir.join(STATE_FILE), kept.to_string())?;
            }
            token
        }
    };

    // The requests, made once: {"media": "<base64>"}, and the same photo's hashes alone.
    let mut bodies = Vec::new();
    let mut hashes = Vec::new();
    for f in &photos.files {
        let bytes = std::fs::read(f)?;
        let h = vigie_hash::hash_image(&bytes, &Default::default())?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        bodies.push(serde_json::to_vec(&json!({ "media": b64 }))?);
        hashes.push(serde_json::to_vec(&json!({ "pdq": h.pdq.hash.to_string(), "md5": h.md5, "sha256": h.sha256 }))?);
    }
    let first: Value = client
        .post(format!("{base}/api/v1/uploads/check"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(bodies[0].clone())
        .send()
        .await?
        .json()
        .await?;
    let expected = vigie_hash::hash_image(&std::fs::read(&photos.files[0])?, &Default::default())?;
    ensure!(first["hashes"]["pdq"] == expected.pdq.hash.to_string(), "the server hashed the photo otherwise: {first}");
    let mean_bytes = bodies.iter().map(Vec::len).sum::<usize>() / bodies.len();

    let post = |bodies: Vec<Vec<u8>>| {
        let (t, b) = (token.clone(), base.clone());
        move |c: &reqwest::Client, i: u64| {
            c.post(format!("{b}/api/v1/uploads/check"))
                .bearer_auth(&t)
                .header("content-type", "application/json")
                .body(bodies[i as usize % bodies.len()].clone())
        }
    };
    let measure = async |bodies: Vec<Vec<u8>>| -> (Phase, f64, f64) {
        closed_loop(&client, args.concurrency, Duration::from_secs(args.warmup), post(bodies.clone())).await;
        let (s0, c0) = (server.cpu_seconds(), cpu_seconds_of("/proc/self/stat"));
        let phase = closed_loop(&client, args.concurrency, Duration::from_secs(args.duration), post(bodies)).await;
        let (s1, c1) = (server.cpu_seconds(), cpu_seconds_of("/proc/self/stat"));
        (phase, cpu(s0, s1), cpu(c0, c1))
    };
    let (by_hash, hash_server, hash_client) = measure(hashes).await;
    let (by_photo, photo_server, photo_client) = measure(bodies.clone()).await;
    let rss = server.rss_bytes();
    server.stop(true);

    // The server's steps for one photo, done here on one thread and measured in this thread's
    // CPU time (not wall time, which other work on the machine inflates): the JSON body and its
    // base64, then decoding, PDQ and the digests, as `hash_image` does them. Each run does the
    // first k steps over every photo; the differences are the steps.
    let thread_cpu = || {
        let (u, s) = cpu_seconds_of("/proc/thread-self/stat");
        u + s
    };
    let mut buf = Vec::new();
    let mut upto = [0.0f64; 5];
    for (k, total) in upto.iter_mut().enumerate().skip(1) {
        let mut runs = 0usize;
        let started = thread_cpu();
        let wall = Instant::now();
        // At least 2 s of CPU, so that the counter's 10 ms ticks do not matter.
        while thread_cpu() - started < 2.0 || wall.elapsed() < Duration::from_secs(2) {
            for body in &bodies {
                let v: Value = serde_json::from_slice(body)?;
                let b64 = v["media"].as_str().context("media")?;
                let bytes = base64::engine::general_purpose::STANDARD.decode(b64.trim())?;
                if k >= 2 {
                    let pixels =
                        vigie_hash::decode::decode_into(&bytes, &Default::default(), std::mem::take(&mut buf))?;
                    if k >= 3 {
                        std::hint::black_box(vigie_hash::pdq_from_pixels(&pixels, vigie_hash::View::Eye));
                    }
                    buf = pixels.data;
                }
                if k >= 4 {
                    std::hint::black_box((vigie_hash::md5_hex(&bytes), vigie_hash::sha256_hex(&bytes)));
                }
                std::hint::black_box(&bytes);
            }
            runs += bodies.len();
        }
        *total = (thread_cpu() - started) / runs as f64 * 1000.0;
    }
    let (json_b64, decode, pdq, digests) = (upto[1], upto[2] - upto[1], upto[3] - upto[2], upto[4] - upto[3]);

    let ms = |s: f64| s * 1000.0;
    let photos_s = by_photo.ok as f64 / by_photo.seconds;
    let per_photo = |cpu: f64| ms(cpu / by_photo.ok.max(1) as f64);
    let per_check = |cpu: f64| ms(cpu / by_hash.ok.max(1) as f64);
    println!(
        "vigie-bench upload: {} camera-like JPEGs of {} ({:.2} bits per pixel, {} KB of JSON each), bank of {} PDQ hashes, {} in flight, {} s",
        photos.files.len(),
        args.photo_size,
        photos.bits_per_pixel,
        mean_bytes / 1024,
        args.size,
        args.concurrency,
        args.duration
    );
    if let Some(rss) = rss {
        println!("  server memory (RSS)               {:.0} MiB", rss as f64 / 1048576.0);
    }
    println!("{}", by_hash.line("  checks by hashes (no media)"));
    println!("{}", by_photo.line("  checks with the photo"));
    println!(
        "  CPU per photo: server {:.2} ms, load generator {:.2} ms, together {:.2} ms of the {:.2} ms two cores give ({} CPUs)",
        per_photo(photo_server),
        per_photo(photo_client),
        per_photo(photo_server + photo_client),
        2000.0 / photos_s,
        crate::nproc()
    );
    println!(
        "  CPU per check by hashes: server {:.2} ms, load generator {:.2} ms (HTTP, JSON, auth, the match)",
        per_check(hash_server),
        per_check(hash_client)
    );
    println!(
        "  the server's steps for one photo, alone (CPU time, one thread): JSON + base64 {json_b64:.2} ms, decode {decode:.2} ms, PDQ {pdq:.2} ms, MD5 + SHA-256 {digests:.2} ms"
    );
    let accounted = json_b64 + decode + pdq + digests + per_check(hash_server);
    println!(
        "  unaccounted on the server: {:.2} ms per photo (receiving {} KB bodies, the blocking pool's hand-offs, cache misses under load)",
        per_photo(photo_server) - accounted,
        mean_bytes / 1024
    );
    Ok(())
}
