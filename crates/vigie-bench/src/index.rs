//! `vigie-bench index`: Vigie's exact radius search against faiss's binary indexes, one thread,
//! radius 31, on random codes and on a clustered set, side by side.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::Value;
use vigie_index::{Code, Flat, Index, Mih};

#[derive(clap::Args)]
pub(crate) struct IndexArgs {
    /// The Python with `faiss-cpu` installed (`cargo xtask test` makes one in `target/pyref`).
    #[arg(long, default_value = "target/pyref/bin/python")]
    python: PathBuf,
    /// Bank sizes.
    #[arg(long, value_delimiter = ',', default_value = "1000000")]
    sizes: Vec<usize>,
    /// Queries per run.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// faiss indexes to run: flat, mih16x16, mih11x23 (or none).
    #[arg(long, value_delimiter = ',', default_value = "flat,mih16x16,mih11x23")]
    faiss: Vec<String>,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn code(&mut self) -> Code {
        [self.next(), self.next(), self.next(), self.next()]
    }
    fn near(&mut self, c: &Code, flips: u32) -> Code {
        let mut out = *c;
        for _ in 0..flips {
            let b = (self.next() % 256) as usize;
            out[b / 64] ^= 1 << (b % 64);
        }
        out
    }
}

/// Random codes, or clusters of near-duplicates (100 per seed, up to 24 bits apart), as real
/// banks hold re-encodes of the same picture.
fn bank(n: usize, clustered: bool, rng: &mut Rng) -> Vec<Code> {
    if !clustered {
        return (0..n).map(|_| rng.code()).collect();
    }
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let seed = rng.code();
        for _ in 0..100.min(n - out.len()) {
            let flips = (rng.next() % 25) as u32;
            out.push(rng.near(&seed, flips));
        }
    }
    out
}

/// Queries: half near-duplicates of bank entries (so there are matches), half random.
fn queries(bank: &[Code], n: usize, rng: &mut Rng) -> Vec<Code> {
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                let pick = (rng.next() as usize) % bank.len();
                rng.near(&bank[pick], 12)
            } else {
                rng.code()
            }
        })
        .collect()
}

fn to_bytes(codes: &[Code]) -> Vec<u8> {
    codes.iter().flat_map(|c| c.iter().flat_map(|w| w.to_be_bytes())).collect()
}

fn faiss_runs(python: &PathBuf, bank: &[Code], queries: &[Code], configs: &[String]) -> anyhow::Result<Vec<Value>> {
    let dir = std::env::temp_dir().join(format!("vigie-bench-index-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (codes, qs) = (dir.join("codes.bin"), dir.join("queries.bin"));
    std::fs::write(&codes, to_bytes(bank))?;
    std::fs::write(&qs, to_bytes(queries))?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/index_bench.py");
    let out = Command::new(python)
        .arg(script)
        .arg(&codes)
        .arg(&qs)
        .arg(configs.join(","))
        .env("OMP_NUM_THREADS", "1")
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("while starting {}", python.display()))?;
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        bail!("the faiss benchmark failed");
    }
    String::from_utf8(out.stdout)?.lines().map(|l| Ok(serde_json::from_str(l)?)).collect()
}

/// The resident set of this process, in bytes (Linux; 0 elsewhere).
fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().strip_suffix("kB"));
    kb.and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0) * 1024
}

fn time_queries(index: &impl Index, queries: &[Code]) -> (f64, usize) {
    let t = Instant::now();
    let matches: usize = queries.iter().map(|q| index.query(q, 31).len()).sum();
    (t.elapsed().as_secs_f64() * 1000.0 / queries.len() as f64, matches)
}

pub(crate) fn run(args: IndexArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for &n in &args.sizes {
        for clustered in [false, true] {
            let mut rng = Rng(0x1234_5678 ^ n as u64 ^ u64::from(clustered));
            let codes = bank(n, clustered, &mut rng);
            let qs = queries(&codes, args.queries, &mut rng);
            let kind = if clustered { "clustered" } else { "random" };

            // Built in one call (as faiss's `add` takes the whole array), measured for memory
            // and queried; then again one add at a time (the incremental path), for its time.
            let (t, rss_before) = (Instant::now(), rss_bytes());
            let mut mih = Mih::for_size(n);
            mih.extend(codes.iter().copied());
            let mih_build = t.elapsed().as_secs_f64();
            let rss = rss_bytes().saturating_sub(rss_before) as f64 / n as f64;
            let heap = mih.heap_bytes() as f64 / n as f64;
            let t = Instant::now();
            let mut one_by_one = Mih::for_size(n);
            codes.iter().for_each(|c| {
                one_by_one.add(*c);
            });
            let mih_adds = t.elapsed().as_secs_f64();
            drop(one_by_one);
            let (mih_ms, mih_matches) = time_queries(&mih, &qs);
            let t = Instant::now();
            let mut flat = Flat::with_capacity(n);
            codes.iter().for_each(|c| {
                flat.add(*c);
            });
            let flat_build = t.elapsed().as_secs_f64();
            let (flat_ms, flat_matches) = time_queries(&flat, &qs);
            anyhow::ensure!(mih_matches == flat_matches, "Vigie's indexes disagree: {mih_matches} vs {flat_matches}");

            writeln!(out, "{n} codes, {kind}, radius 31, one thread, {} queries:", qs.len())?;
            writeln!(
                out,
                "  vigie MIH   build {mih_build:7.2} s  query {mih_ms:9.4} ms  ({:.0} q/s)  matches {mih_matches}",
                1000.0 / mih_ms
            )?;
            writeln!(out, "              built one add at a time in {mih_adds:.2} s")?;
            writeln!(
                out,
                "              memory {heap:.1} B/hash allocated (capacities), {rss:.1} B/hash resident (RSS growth)"
            )?;
            writeln!(
                out,
                "  vigie flat  build {flat_build:7.2} s  query {flat_ms:9.4} ms  ({:.0} q/s)",
                1000.0 / flat_ms
            )?;
            let configs: Vec<String> = args.faiss.iter().filter(|c| *c != "none").cloned().collect();
            let runs = if configs.is_empty() { Vec::new() } else { faiss_runs(&args.python, &codes, &qs, &configs)? };
            for r in runs {
                let ms = r["query_ms"].as_f64().unwrap_or(f64::NAN);
                let agree = if r["matches"].as_u64() == Some(mih_matches as u64) {
                    "same matches"
                } else {
                    "DIFFERENT matches"
                };
                writeln!(
                    out,
                    "  faiss {:<9} build {:7.2} s  query {ms:9.4} ms  ({:.0} q/s)  vigie MIH is {:.1}× faster; {agree}",
                    r["index"].as_str().unwrap_or("?"),
                    r["build_s"].as_f64().unwrap_or(f64::NAN),
                    1000.0 / ms,
                    ms / mih_ms
                )?;
            }
            out.flush()?;
        }
    }
    Ok(())
}
