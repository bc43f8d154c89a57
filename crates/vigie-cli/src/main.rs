//! The `vigie` binary.
//!
//! - `vigie serve --data DIR --listen ADDR`: the server, on its embedded store.
//! - `vigie audit verify --data DIR`: checks the event chain of a data directory offline.
//! - `vigie audit export --data DIR [--audience overseer|public|ORG]`: the events an audience may
//!   see, as JSON lines.
//! - `vigie report transparency --data DIR [--org ID] --from DATE --to DATE --format json|csv|html`:
//!   the transparency report of a period, from the event log alone.
//! - `vigie hash [--jobs N] [--dihedral] PATH...`: PDQ, MD5 and SHA-256 of image files.
//! - `vigie match --bank FILE [--radius R] [--stats] [QUERIES|-]`: PDQ hashes against a bank file.
//! - `vigie bank list|show|create|set|import|export`: banks, their settings and their files, in a
//!   running instance, over its API.
//! - `vigie user create|password|remove`: people and their console passwords (password on stdin).
//! - `vigie legal-bases`: the legal-basis taxonomy built into the binary.
//! - `vigie export sor --data DIR [--from DATE] [--to DATE]`: statements of reasons, offline.
//! - `vigie terms|decide|uploader-notice|uploader-informed|order-copy|complaint|order|scrutiny|
//!   watchlist|hold|threat|notifier|org`: due process over a running instance's API (`VIGIE_URL`,
//!   `VIGIE_TOKEN`).

mod bank;
mod client;
mod demo;
mod dueprocess;
mod evidence;
mod export;
mod hash;
mod logcmd;
mod matching;
mod transparency;
mod user;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use vigie_app::{AppConfig, EgressPolicy, SystemClock};
use vigie_model::Duration;
use vigie_store::Store;

#[derive(Parser)]
#[command(name = "vigie", version, about = "The lawful fast channel for reports of terrorist content")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    conn: client::Connection,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server on the embedded store in DIR.
    Serve(ServeArgs),
    /// Hashes image files (PDQ, MD5, SHA-256), one JSON line per file, in input order.
    Hash(hash::HashArgs),
    /// Matches PDQ hashes against a bank file, exactly, within a Hamming radius.
    Match(matching::MatchArgs),
    /// A running instance's banks: their settings, and files in python-threatexchange's formats.
    Bank {
        #[command(subcommand)]
        command: bank::BankCommand,
    },
    /// People and their console passwords (over the API, with an administrator's token).
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// A running server's verifiable log: its key, checkpoints and proofs, checked here.
    Log {
        #[command(subcommand)]
        command: logcmd::LogCommand,
    },
    /// Runs a witness that cosigns logs' checkpoints (C2SP tlog-witness) and raises forks.
    Witness(logcmd::WitnessArgs),
    /// The evidence vault: export bundles (requested, approved, written) and their offline check,
    /// recipients' keys, the rewrap after a new key-encryption key.
    Evidence {
        #[command(subcommand)]
        command: evidence::EvidenceCommand,
    },
    /// Tools for auditors.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Reports computed from a data directory's event log (offline).
    Report {
        #[command(subcommand)]
        command: transparency::ReportCommand,
    },
    /// Exports from a data directory (offline).
    Export {
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// Prints the legal-basis taxonomy built into this binary (no server needed).
    LegalBases {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    #[command(flatten)]
    Due(dueprocess::DueCommand),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Data directory; created if missing. Holds the embedded database.
    #[arg(long, default_value = "./vigie-data", env = "VIGIE_DATA")]
    data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "VIGIE_LISTEN")]
    listen: SocketAddr,
    /// On first start, the first administrator's bearer token (otherwise one is generated and
    /// printed once).
    #[arg(long, env = "VIGIE_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// On first start, the first administrator's console password (login `admin`); otherwise a
    /// one-time password is generated and printed once, to be changed at the first sign-in.
    /// Read from the environment only, never from the command line.
    #[arg(skip)]
    admin_password: Option<String>,
    /// Anonymous reports per source address per minute; 0 turns the limit off (benchmarks).
    #[arg(long, default_value_t = 30, env = "VIGIE_PUBLIC_RATE_LIMIT")]
    public_rate_limit: u32,
    /// Comma-separated addresses or CIDR ranges that outbound requests (webhooks) may reach
    /// although they are loopback or private, e.g. `127.0.0.1/32`. Empty by default.
    #[arg(long, default_value = "", env = "VIGIE_EGRESS_ALLOW")]
    egress_allow: String,
    /// Comma-separated hosts from which `GET /h/hash?url=` may fetch media. Empty: never fetch.
    #[arg(long, default_value = "", env = "VIGIE_HASH_FETCH_ALLOW")]
    hash_fetch_allow: String,
    /// Open connections at most (one more is answered 503 and closed); 0: the process's
    /// descriptor limit less a reserve.
    #[arg(long, default_value_t = 0, env = "VIGIE_MAX_CONNECTIONS")]
    max_connections: usize,
    /// The most the database may grow to, in MiB (writes past it are refused with 507, as on a
    /// full disk, and /healthz says so); 0: as large as the disk allows.
    #[arg(long, default_value_t = 0, env = "VIGIE_MAX_DB_MIB")]
    max_db_mib: u64,
    /// Memory all image decodes in flight may use together, in MiB; past it, requests that
    /// decode images wait a moment, then are answered 503 `busy` with Retry-After.
    #[arg(long, default_value_t = 1536, env = "VIGIE_DECODE_MEMORY_MIB")]
    decode_memory_mib: u64,
    /// The share of that memory one organisation's decodes may hold at once, in MiB; past it,
    /// 429 `quota_exceeded`.
    #[arg(long, default_value_t = 1024, env = "VIGIE_DECODE_MEMORY_PER_ORG_MIB")]
    decode_memory_per_org_mib: u64,
    /// The largest video upload to check, in MiB. A video must arrive within the request timeout
    /// (300 s), so raise both together.
    #[arg(long, default_value_t = 1024, env = "VIGIE_VIDEO_MAX_MIB")]
    video_max_mib: u64,
    /// Videos decoded at once (each runs FFmpeg on one core).
    #[arg(long, default_value_t = 1, env = "VIGIE_VIDEO_DECODES")]
    video_decodes: usize,
    /// Video checks that may wait for a decoder; one more is answered 503 `busy`.
    #[arg(long, default_value_t = 32, env = "VIGIE_VIDEO_QUEUE")]
    video_queue: usize,
    /// Seed an empty data directory with invented organisations, people (printed with their
    /// passwords), synthetic media, a bank and cases in every state. Refused on a directory that
    /// holds other data; a directory the demo seeded starts again without seeding twice.
    #[arg(long)]
    demo: bool,
    /// Mark console cookies `Secure` with the `__Host-` prefix: set it when a reverse proxy
    /// terminates TLS in front of Vigie (browsers then send the cookies only over HTTPS).
    #[arg(long, env = "VIGIE_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Days that personal values (report texts, names, e-mails) are kept.
    #[arg(long, default_value_t = 365, env = "VIGIE_RETENTION_DAYS")]
    retention_days: i64,
    /// Days a closed case's URL, content and account ids, and its reports' locations are kept.
    #[arg(long, default_value_t = 365, env = "VIGIE_CASE_RETENTION_DAYS")]
    case_retention_days: i64,
    /// Days the texts of a closed case's decisions (explanations, purpose rationales, review
    /// reasons) are kept.
    #[arg(long, default_value_t = 365, env = "VIGIE_DECISION_TEXT_RETENTION_DAYS")]
    decision_text_retention_days: i64,
    /// Days the bodies of a closed case's notices to uploaders are kept.
    #[arg(long, default_value_t = 365, env = "VIGIE_NOTICE_RETENTION_DAYS")]
    notice_retention_days: i64,
    /// The file holding the pepper of keyed hashes (32 bytes, created if absent); default
    /// `pepper` in the data directory. Keep it out of the database's backups if you can.
    #[arg(long, env = "VIGIE_PEPPER_FILE")]
    pepper_file: Option<PathBuf>,
    /// The evidence vault's key-encryption keys: a file of lines `ID:HEX` (64 hex digits), oldest
    /// first, the last wrapping new records; default `evidence-keys` in the data directory
    /// (created with one random key). Add a line and run `vigie evidence rewrap` to rotate.
    #[arg(long, env = "VIGIE_EVIDENCE_KEY_FILE")]
    evidence_key_file: Option<PathBuf>,
    /// The same keys given in the environment instead of a file (lines or comma-separated).
    #[arg(long, env = "VIGIE_EVIDENCE_KEYS", hide_env_values = true)]
    evidence_keys: Option<String>,
    /// Serve even if the event log fails its check at start (its latest events do not verify, or
    /// its append-only triggers are gone). Without it such a start is refused. The choice is
    /// recorded as the event `log.break_accepted`, and /healthz answers `status: degraded` with
    /// the finding until a start finds the log sound.
    #[arg(long, env = "VIGIE_ACCEPT_BROKEN_LOG")]
    accept_broken_log: bool,
    /// The file holding the log's signing key (`PRIVATE+KEY+<origin>+...`, created with a new
    /// origin if absent); default `log-key` in the data directory.
    #[arg(long, env = "VIGIE_LOG_KEY_FILE")]
    log_key_file: Option<PathBuf>,
    /// Seconds between the log's checkpoints (when it grew).
    #[arg(long, default_value_t = 60, env = "VIGIE_CHECKPOINT_INTERVAL")]
    checkpoint_interval: u64,
    /// A witness to send each checkpoint to, as `URL=VERIFIER_KEY` (its `add-checkpoint` prefix
    /// and its cosignature key); repeat for several.
    #[arg(long = "witness", env = "VIGIE_WITNESSES", value_delimiter = ',')]
    witnesses: Vec<String>,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verifies a data directory (its hash chain, and its tree recomputed from the events), or,
    /// with --export, a verifiable export against signed checkpoints, offline.
    Verify {
        #[arg(long, default_value = "./vigie-data", env = "VIGIE_DATA")]
        data: PathBuf,
        /// A verifiable export (`vigie audit export --verifiable`) to check instead of a directory.
        #[arg(long)]
        export: Option<PathBuf>,
        /// A signed checkpoint (a note file) the export must reproduce; repeat for several.
        #[arg(long = "checkpoint")]
        checkpoints: Vec<PathBuf>,
        /// The log's verifier key (`<origin>+<id>+<base64>`), obtained out of band.
        #[arg(long, env = "VIGIE_LOG_VKEY")]
        log_key: Option<String>,
    },
    /// Writes the events an audience may see, one JSON object per line (personal values stay
    /// salted hashes).
    Export(transparency::ExportArgs),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("VIGIE_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let res = runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Audit { command: AuditCommand::Verify { data, export, checkpoints, log_key } } => match export {
                Some(export) => {
                    let key = log_key.context("--log-key is needed to check an export against checkpoints")?;
                    logcmd::verify_export(&export, &checkpoints, &key)
                }
                None => audit_verify(data).await,
            },
            Command::Log { command } => logcmd::run(cli.conn, command).await,
            Command::Witness(args) => logcmd::witness(args).await,
            Command::Hash(args) => hash::run(args),
            Command::Match(args) => matching::run(args),
            Command::Bank { command } => bank::run(cli.conn, command).await,
            Command::Audit { command: AuditCommand::Export(args) } => transparency::run_export(args).await,
            Command::Report { command } => transparency::run_report(command).await,
            Command::User { command } => user::run(cli.conn, command).await,
            Command::Evidence { command } => evidence::run(cli.conn, command).await,
            Command::Export { command } => export::run(command).await,
            Command::LegalBases { json } => Ok(dueprocess::legal_bases(json)),
            Command::Due(command) => dueprocess::run(cli.conn, command).await,
        }
    });
    match res {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(mut args: ServeArgs) -> anyhow::Result<ExitCode> {
    args.admin_password = std::env::var("VIGIE_ADMIN_PASSWORD").ok().filter(|p| !p.is_empty());
    let seed_demo = if args.demo { demo::check_dir(&args.data)? } else { false };
    if seed_demo && args.admin_token.is_none() {
        // The demo acts through the administrator; a token is made here and never printed.
        args.admin_token = Some(vigie_app::auth::new_token());
    }
    let egress = EgressPolicy::parse_allow_list(&args.egress_allow)
        .map_err(anyhow::Error::msg)
        .context("while reading VIGIE_EGRESS_ALLOW")?;
    anyhow::ensure!(
        [args.retention_days, args.case_retention_days, args.decision_text_retention_days, args.notice_retention_days]
            .iter()
            .all(|d| *d > 0),
        "every retention must be at least one day"
    );
    let config = vigie_web::ServerConfig {
        data_dir: args.data.clone(),
        store: vigie_store::SqliteConfig {
            max_db_bytes: (args.max_db_mib > 0).then_some(args.max_db_mib << 20),
            ..Default::default()
        },
        listen: args.listen,
        admin_token: args.admin_token.clone(),
        admin_password: args.admin_password.clone(),
        public_rate_limit: args.public_rate_limit,
        console: vigie_web::console::ConsoleSettings { secure_cookies: args.secure_cookies },
        connections: vigie_web::serve::ConnectionLimits { max_connections: args.max_connections, ..Default::default() },
        app: AppConfig {
            egress,
            personal_data_retention: Duration::from_days(args.retention_days),
            record_retention: vigie_app::retention::RecordRetention {
                cases: Duration::from_days(args.case_retention_days),
                decision_texts: Duration::from_days(args.decision_text_retention_days),
                notice_bodies: Duration::from_days(args.notice_retention_days),
            },
            pepper_file: args.pepper_file.clone(),
            scheduler_interval: std::time::Duration::from_millis(500),
            delivery_timeout: std::time::Duration::from_secs(10),
            hash_limits: vigie_hash::Limits::default(),
            hash_fetch_allow: args
                .hash_fetch_allow
                .split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            index_snapshot: Some(args.data.join("bank-index.snapshot")),
            decode_budget: vigie_app::budget::DecodeBudgetConfig {
                total_bytes: args.decode_memory_mib << 20,
                per_org_bytes: args.decode_memory_per_org_mib << 20,
                ..Default::default()
            },
            evidence: vigie_app::evidence::keys::EvidenceConfig {
                dir: args.data.join("evidence"),
                keys: match &args.evidence_keys {
                    Some(inline) => vigie_app::evidence::keys::KeySource::Inline(inline.clone()),
                    None => vigie_app::evidence::keys::KeySource::File(
                        args.evidence_key_file.clone().unwrap_or_else(|| args.data.join("evidence-keys")),
                    ),
                },
            },
            video: vigie_app::jobs::VideoJobsConfig {
                dir: args.data.join("jobs"),
                decodes: args.video_decodes.max(1),
                queue: args.video_queue,
                keep_jobs: Duration::from_days(7),
                options: vigie_video::Options {
                    limits: vigie_video::Limits { max_bytes: args.video_max_mib << 20, ..Default::default() },
                    scratch: Some(args.data.join("jobs")),
                    ..Default::default()
                },
            },
            log: vigie_app::tlog::LogConfig {
                key_file: args.log_key_file.clone(),
                checkpoint_interval: std::time::Duration::from_secs(args.checkpoint_interval.max(1)),
                witnesses: args
                    .witnesses
                    .iter()
                    .map(|w| vigie_app::tlog::WitnessPeer::parse(w).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<_>>()
                    .context("--witness")?,
            },
        },
        clock: Arc::new(SystemClock),
        accept_broken_log: args.accept_broken_log,
    };
    let running = vigie_web::start(config)
        .await
        .with_context(|| format!("while starting on {} with data in {}", args.listen, args.data.display()))?;
    if seed_demo {
        let admin = args.admin_token.clone().unwrap_or_default();
        let people = demo::seed(&running.app, &admin, &args.data).await.context("while seeding the demo")?;
        println!("demo: synthetic data seeded; console at http://{}/login", running.addr);
        for p in &people {
            println!("demo: {:<48} login {:<10} password {}", p.role, p.login, p.password);
        }
        println!("demo: the public report form needs no login: http://{}/report", running.addr);
    } else if args.demo {
        println!("demo: this directory holds an earlier demo, served as it is: http://{}/login", running.addr);
    } else if let Some(b) = &running.bootstrap {
        // Printed once, on standard output, so they can be captured; neither is stored.
        if b.token_was_given {
            eprintln!("first start: administrator created with the token from VIGIE_ADMIN_TOKEN");
        } else {
            println!("first start: administrator token (shown once): {}", b.token);
        }
        if b.password_was_given {
            eprintln!("first start: console login {} with the password from VIGIE_ADMIN_PASSWORD", b.login);
        } else {
            println!(
                "first start: console login {} one-time password (shown once, to change at first sign-in): {}",
                b.login, b.password
            );
        }
        println!("first start: sign in at http://{}/login", running.addr);
    }
    tracing::info!(addr = %running.addr, data = %args.data.display(), "vigie is serving");
    tokio::select! {
        res = running.serve => {
            res.context("the server task failed")?.context("the server stopped")?;
        }
        _ = shutdown_signal() => {
            tracing::info!("shutting down: saving the bank index for a fast restart");
            if let Err(e) = running.app.save_index_snapshot().await {
                tracing::warn!(error = %e, "the bank index was not saved; the next start rebuilds it");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM (what service managers send).
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match term.as_mut() {
                Some(t) => { t.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}

async fn audit_verify(data: PathBuf) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(data.join("vigie.sqlite3").exists(), "no Vigie database in {}", data.display());
    let store = Store::open_sqlite_read_only(&data, 1).with_context(|| format!("while opening {}", data.display()))?;
    let report = store.read(|r| vigie_app::audit::verify_all(r)).await?;
    let origin = log_origin(&data)?;
    let tree = store.read(move |r| vigie_app::tlog::verify_store(r, &origin)).await?;
    // The chain's verdict first (it names the first bad event), then the tree's.
    if let Some(bad) = &report.error {
        println!("BROKEN: {bad}");
        match report.events {
            0 => println!("no event verifies before it"),
            n => println!("events 1 to {n} verify (the last of them has hash {})", report.head),
        }
    }
    for p in &tree.problems {
        println!("BROKEN: {p}");
    }
    if report.error.is_some() || !tree.problems.is_empty() {
        return Ok(ExitCode::from(1));
    }
    println!(
        "ok: {} events, head {}; the tree reproduces {} signed checkpoints",
        report.events,
        report.head,
        tree.checkpoints_ok.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The origin of the log in a data directory, from its key file (`log-key`); empty when there is
/// none (a directory no server started on signs no checkpoints).
fn log_origin(data: &std::path::Path) -> anyhow::Result<String> {
    let path = data.join("log-key");
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(vigie_log::SignerKey::parse(text.trim())
            .with_context(|| format!("{} holds no log key", path.display()))?
            .name()
            .to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e).with_context(|| format!("while reading {}", path.display())),
    }
}
