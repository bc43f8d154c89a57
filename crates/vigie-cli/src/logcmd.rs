//! The verifiable log from the command line (`docs/log.md`):
//!
//! - `vigie log key|checkpoint|sign|proof|consistency`: a running server's log key, checkpoints
//!   and proofs, each proof checked here against a checkpoint signed by the key you give;
//! - `vigie witness`: runs a witness (C2SP `tlog-witness`) that cosigns a log's checkpoints;
//! - `vigie audit verify --export FILE --checkpoint FILE --log-key VKEY`: an export checked
//!   offline against signed checkpoints;
//! - `vigie audit verify --data DIR`: the chain, and the tree recomputed from the events.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use base64::Engine as _;
use serde_json::Value;
use vigie_log::tree::{Hash, leaf_hash, verify_consistency, verify_inclusion};
use vigie_log::{Checkpoint, SignerKey, VerifierKey};

use crate::client::{Client, Connection};

#[derive(clap::Subcommand)]
pub(crate) enum LogCommand {
    /// The log's origin and verifier key.
    Key,
    /// The latest signed checkpoint (a signed note with its cosignatures), checked with --log-key.
    Checkpoint {
        /// The log's verifier key (`<origin>+<id>+<base64>`), obtained out of band.
        #[arg(long, env = "VIGIE_LOG_VKEY")]
        log_key: String,
        /// Also write the note to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Asks the log to sign a checkpoint now (administrators and overseers).
    Sign,
    /// An event's inclusion proof, checked against the checkpoint in FILE (or the latest).
    Proof {
        #[arg(long)]
        seq: i64,
        #[arg(long, env = "VIGIE_LOG_VKEY")]
        log_key: String,
        /// A checkpoint note (from `vigie log checkpoint --out`); default: the latest.
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// A verifiable export (`vigie audit export --verifiable`) holding the event: its leaf is
        /// recomputed from the export rather than taken from the server.
        #[arg(long)]
        export: Option<PathBuf>,
    },
    /// Declares a data directory restored from a backup a new log (server stopped): a new key
    /// and origin, the old key kept aside, and the event `log.lineage_started`.
    NewLineage {
        #[arg(long, default_value = "./vigie-data", env = "VIGIE_DATA")]
        data: PathBuf,
        /// The log's key file; default `log-key` in the data directory.
        #[arg(long, env = "VIGIE_LOG_KEY_FILE")]
        log_key_file: Option<PathBuf>,
    },
    /// Checks that the checkpoint in TO extends the one in FROM, with the server's proof.
    Consistency {
        #[arg(long)]
        from: PathBuf,
        #[arg(long)]
        to: PathBuf,
        #[arg(long, env = "VIGIE_LOG_VKEY")]
        log_key: String,
    },
}

#[derive(clap::Args)]
pub(crate) struct WitnessArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090", env = "VIGIE_WITNESS_LISTEN")]
    listen: std::net::SocketAddr,
    /// The witness's signing key file (`PRIVATE+KEY+<name>+...`), created with --name if absent.
    #[arg(long, env = "VIGIE_WITNESS_KEY_FILE")]
    key_file: PathBuf,
    /// The witness's name, for a new key.
    #[arg(long, default_value = "vigie-witness")]
    name: String,
    /// A log to watch, by its verifier key (`<origin>+<id>+<base64>`); repeat for several.
    #[arg(long = "log", required = true)]
    logs: Vec<String>,
    /// Where the witness keeps the latest checkpoint of each log, and the forks it saw.
    #[arg(long)]
    state: PathBuf,
    /// Seconds a log may go without growing before `/status` calls it stale.
    #[arg(long, default_value_t = 3600)]
    max_staleness: u64,
}

fn open_checkpoint(text: &str, key: &VerifierKey) -> anyhow::Result<vigie_log::SignedCheckpoint> {
    Checkpoint::open(text.as_bytes(), key.name(), std::slice::from_ref(key))
        .with_context(|| format!("the checkpoint is not one of {} signed by this key", key.name()))
}

fn unb64(raw: &Value) -> anyhow::Result<Hash> {
    let s = raw.as_str().context("a hash is not a string")?;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("a hash is not the base64 of 32 bytes")
}

fn hashes(v: &Value) -> anyhow::Result<Vec<Hash>> {
    v.as_array().context("no list of hashes")?.iter().map(unb64).collect()
}

pub(crate) async fn run(conn: Connection, cmd: LogCommand) -> anyhow::Result<ExitCode> {
    if let LogCommand::NewLineage { data, log_key_file } = &cmd {
        return new_lineage(data, log_key_file.clone()).await;
    }
    let client = Client::new(&conn)?;
    let get = |path: &str| client.http.get(format!("{}/api/v1/log/{path}", client.base));
    match cmd {
        LogCommand::Key => {
            let v: Value = client.send(get("key")).await?.json().await?;
            println!("{}", v["verifier_key"].as_str().unwrap_or_default());
        }
        LogCommand::Checkpoint { log_key, out } => {
            let key = VerifierKey::parse(&log_key).context("--log-key")?;
            let text = client.send(get("checkpoint")).await?.text().await?;
            let signed = open_checkpoint(&text, &key)?;
            if let Some(out) = out {
                std::fs::write(&out, &text).with_context(|| format!("while writing {}", out.display()))?;
            }
            print!("{text}");
            eprintln!("ok: checkpoint of {} events, signed by {}", signed.checkpoint().size(), key.name());
        }
        LogCommand::Sign => {
            let res = client.send(client.http.post(format!("{}/api/v1/log/checkpoints", client.base))).await?;
            let v: Value = res.json().await?;
            print!("{}", v["note"].as_str().unwrap_or_default());
        }
        LogCommand::Proof { seq, log_key, checkpoint, export } => {
            let key = VerifierKey::parse(&log_key).context("--log-key")?;
            let text = match checkpoint {
                Some(path) => {
                    std::fs::read_to_string(&path).with_context(|| format!("while reading {}", path.display()))?
                }
                None => client.send(get("checkpoint")).await?.text().await?,
            };
            let signed = open_checkpoint(&text, &key)?;
            let c = signed.checkpoint();
            let proof: Value =
                client.send(get(&format!("proof/inclusion?seq={seq}&size={}", c.size()))).await?.json().await?;
            let leaf = match export {
                Some(path) => leaf_from_export(&path, seq)?,
                None => unb64(&proof["leaf_hash"])?,
            };
            let index = u64::try_from(seq - 1).context("--seq starts at 1")?;
            match verify_inclusion(&leaf, index, c.size(), &hashes(&proof["hashes"])?, c.root()) {
                Ok(()) => println!("ok: event {seq} is in the log of {} events signed by {}", c.size(), key.name()),
                Err(e) => {
                    println!("FAILED: event {seq} is not proved in the checkpoint of {} events: {e}", c.size());
                    return Ok(ExitCode::from(1));
                }
            }
        }
        LogCommand::NewLineage { .. } => unreachable!("handled above, offline"),
        LogCommand::Consistency { from, to, log_key } => {
            let key = VerifierKey::parse(&log_key).context("--log-key")?;
            let read = |p: &Path| std::fs::read_to_string(p).with_context(|| format!("while reading {}", p.display()));
            let (a, b) = (open_checkpoint(&read(&from)?, &key)?, open_checkpoint(&read(&to)?, &key)?);
            let (a, b) = (a.checkpoint(), b.checkpoint());
            if a.size() > b.size() {
                bail!("--from holds the larger checkpoint ({} > {})", a.size(), b.size());
            }
            let proof: Value =
                client.send(get(&format!("proof/consistency?from={}&to={}", a.size(), b.size()))).await?.json().await?;
            match verify_consistency(a.size(), b.size(), a.root(), b.root(), &hashes(&proof["hashes"])?) {
                Ok(()) => println!("ok: the checkpoint of {} events extends the one of {}", b.size(), a.size()),
                Err(e) => {
                    println!(
                        "FORK: the checkpoints of {} and {} events do not extend each other: {e}",
                        a.size(),
                        b.size()
                    );
                    return Ok(ExitCode::from(1));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The RFC 9162 leaf hash of event `seq`, recomputed from an export's line.
fn leaf_from_export(path: &Path, seq: i64) -> anyhow::Result<Hash> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).with_context(|| format!("while opening {}", path.display()))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let v: Value = serde_json::from_str(&line?).with_context(|| format!("line {}", i + 1))?;
        if v["seq"].as_i64() == Some(seq) {
            let (_, commitment) = vigie_app::tlog::export::leaf_of_line(&v, i as u64 + 1)?;
            return Ok(leaf_hash(&commitment));
        }
    }
    bail!("event {seq} is not in {}", path.display())
}

/// `vigie audit verify --export FILE --checkpoint FILE... --log-key VKEY`.
pub(crate) fn verify_export(export: &Path, checkpoints: &[PathBuf], log_key: &str) -> anyhow::Result<ExitCode> {
    let key = VerifierKey::parse(log_key).context("--log-key")?;
    if checkpoints.is_empty() {
        bail!("give at least one --checkpoint to verify the export against");
    }
    let mut expected = Vec::new();
    for path in checkpoints {
        let text = std::fs::read_to_string(path).with_context(|| format!("while reading {}", path.display()))?;
        let signed = open_checkpoint(&text, &key).with_context(|| path.display().to_string())?;
        let c = signed.checkpoint();
        expected.push(vigie_app::tlog::export::Expected { size: c.size(), root: *c.root() });
    }
    let file = std::fs::File::open(export).with_context(|| format!("while opening {}", export.display()))?;
    let verdict = vigie_app::tlog::export::verify(std::io::BufReader::new(file), &expected);
    if verdict.ok() {
        println!(
            "ok: {} events reproduce the checkpoints of size {}",
            verdict.events,
            verdict.matched.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    }
    for p in &verdict.problems {
        println!("FAILED: {p}");
    }
    Ok(ExitCode::from(1))
}

/// Reads the witness's key, or makes one named `name`.
fn witness_key(path: &Path, name: &str) -> anyhow::Result<SignerKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => SignerKey::parse(text.trim()).with_context(|| format!("{} holds no signer key", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no random source: {e}"))?;
            let key = SignerKey::from_seed(name, &seed).context("--name is not a valid key name")?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).with_context(|| format!("while creating {}", path.display()))?;
            std::io::Write::write_all(&mut file, format!("{}\n", key.encode_secret()).as_bytes())?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("while reading {}", path.display())),
    }
}

pub(crate) async fn witness(args: WitnessArgs) -> anyhow::Result<ExitCode> {
    let key = witness_key(&args.key_file, &args.name)?;
    let logs = args
        .logs
        .iter()
        .map(|k| VerifierKey::parse(k).with_context(|| format!("--log {k}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let now = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let service =
        vigie_web::witness::WitnessService::new(key, logs, Some(args.state), args.max_staleness, Box::new(now))?;
    println!("witness cosignature key: {}", service.verifier().encode());
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "the witness is listening");
    vigie_web::witness::serve(listener, Arc::new(service)).await?;
    Ok(ExitCode::SUCCESS)
}

async fn new_lineage(data: &Path, key_file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    if !data.join("vigie.sqlite3").exists() {
        bail!("no Vigie database in {}", data.display());
    }
    let key_file = key_file.unwrap_or_else(|| data.join("log-key"));
    if !key_file.exists() {
        bail!("no log key at {}: this directory's log never signed a checkpoint", key_file.display());
    }
    let store = vigie_store::Store::open_sqlite(data, vigie_store::SqliteConfig::default())
        .with_context(|| format!("while opening {}", data.display()))?;
    let done = vigie_app::tlog::new_lineage(&store, &key_file).await?;
    println!(
        "new lineage: {} (was {}, whose latest checkpoint here covers {} events; its key is kept in {})",
        done.key.name(),
        done.previous_origin,
        done.previous_size,
        done.retired.display()
    );
    println!("verifier key: {}", done.key.verifier().encode());
    println!("tell the witnesses to watch the new key");
    Ok(ExitCode::SUCCESS)
}
