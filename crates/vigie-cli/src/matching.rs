//! `vigie match`: query hashes against a bank file, one JSON line per query.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;
use vigie_hash::PdqHash;
use vigie_index::{Index, Mih, code_from_bytes};

#[derive(clap::Args)]
pub(crate) struct MatchArgs {
    /// The bank: one hash per line, bare hex or `pdq <hex>` (python-threatexchange's
    /// `local_file` format; lines of other signal types are skipped, keeping line numbers).
    #[arg(long)]
    bank: PathBuf,
    /// Largest Hamming distance that matches.
    #[arg(long, default_value_t = 31)]
    radius: u32,
    /// Print timings as a last JSON line on stderr.
    #[arg(long)]
    stats: bool,
    /// Queries, one hex hash per line; `-` or nothing for standard input.
    queries: Option<PathBuf>,
}

#[derive(Serialize)]
struct Hit {
    entry: u32,
    distance: u32,
}

#[derive(Serialize)]
struct Line {
    query: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<Vec<Hit>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Reads a bank file. Entry numbers are line numbers (from 0); skipped lines keep theirs.
fn read_bank(path: &PathBuf) -> anyhow::Result<(Mih, usize, usize)> {
    let text = std::fs::read_to_string(path).with_context(|| format!("while reading the bank {}", path.display()))?;
    let lines: Vec<&str> = text.lines().collect();
    let mut index = Mih::for_size(lines.len());
    let mut codes = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let hex = match fields.as_slice() {
            [hex] => Some(*hex),
            [kind, hex, ..] if kind.eq_ignore_ascii_case("pdq") => Some(*hex),
            [] | [_, ..] => None,
        };
        codes.push(match hex {
            Some(h) => {
                let hash: PdqHash =
                    h.parse().map_err(|e| anyhow::anyhow!("{}: line {n}: {h:?}: {e}", path.display()))?;
                Some(code_from_bytes(hash.as_bytes()))
            }
            None => None,
        });
    }
    // Every line gets an entry number, so entries are line numbers; skipped lines are disabled.
    // All codes go in at once: the index lays its tables out once.
    index.extend(codes.iter().map(|c| c.unwrap_or_default()));
    let skipped = codes.iter().filter(|c| c.is_none()).count();
    for (entry, _) in codes.iter().enumerate().filter(|(_, c)| c.is_none()) {
        index.set_enabled(entry as u32, false);
    }
    let indexed = codes.len() - skipped;
    Ok((index, indexed, skipped))
}

pub(crate) fn run(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let start = Instant::now();
    let (index, bank_size, skipped) = read_bank(&args.bank)?;
    let build_ms = start.elapsed().as_secs_f64() * 1000.0;

    let input: Box<dyn BufRead> = match &args.queries {
        None => Box::new(std::io::stdin().lock()),
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdin().lock()),
        Some(p) => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("while opening the queries {}", p.display()))?,
        )),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut n_queries, mut failed, mut query_time) = (0usize, 0usize, 0f64);
    for (n, line) in input.lines().enumerate() {
        let line = line.context("while reading the queries")?;
        let hex = line.trim();
        let answer = match hex.parse::<PdqHash>() {
            Ok(h) => {
                let t = Instant::now();
                let hits = index.query(&code_from_bytes(h.as_bytes()), args.radius);
                query_time += t.elapsed().as_secs_f64();
                let matches = hits.into_iter().map(|m| Hit { entry: m.entry, distance: m.distance }).collect();
                Line { query: n, matches: Some(matches), error: None }
            }
            Err(e) => {
                failed += 1;
                Line { query: n, matches: None, error: Some(format!("{hex:?}: {e}")) }
            }
        };
        n_queries += 1;
        let text = serde_json::to_string(&answer).expect("a line always serializes");
        if let Err(e) = writeln!(out, "{text}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(ExitCode::SUCCESS);
            }
            return Err(e.into());
        }
    }
    out.flush()?;
    if args.stats {
        let stats = serde_json::json!({
            "bank_size": bank_size,
            "skipped_lines": skipped,
            "build_ms": build_ms,
            "queries": n_queries,
            "query_ms": query_time * 1000.0,
        });
        eprintln!("{stats}");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
