//! `vigie export sor --data DIR [--from DATE] [--to DATE]`: the statements of reasons owed for the
//! decisions in a data directory, in the DSA Transparency Database's schema, as
//! `{"statements": [...]}` on standard output. Offline: it reads the store, not a server.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use vigie_app::statements::{StatementOptions, statements};
use vigie_model::{Duration, Timestamp};
use vigie_store::Store;

#[derive(clap::Subcommand)]
pub(crate) enum ExportCommand {
    /// Statements of reasons (DSA art. 17) for the decisions taken in a period.
    Sor {
        #[arg(long, default_value = "./vigie-data", env = "VIGIE_DATA")]
        data: PathBuf,
        /// First day (YYYY-MM-DD, UTC) or instant (RFC 3339); default: everything.
        #[arg(long)]
        from: Option<String>,
        /// Last day, included (YYYY-MM-DD), or an instant, excluded (RFC 3339); default: now.
        #[arg(long)]
        to: Option<String>,
        /// Also decisions that answer removal orders, as SOURCE_TYPE_OTHER_NOTIFICATION
        /// (by default they yield none: DSA art. 17(5)).
        #[arg(long, env = "VIGIE_SOR_INCLUDE_ORDERS")]
        include_orders: bool,
    },
}

/// A day (its midnight, UTC; `end` moves to the next midnight) or an RFC 3339 instant.
pub(crate) fn parse_when(raw: &str, end: bool) -> anyhow::Result<Timestamp> {
    if raw.len() == 10 {
        let midnight = Timestamp::parse_rfc3339(&format!("{raw}T00:00:00Z"))
            .with_context(|| format!("{raw:?} is not a YYYY-MM-DD date"))?;
        return Ok(if end { midnight.plus(Duration::from_days(1)) } else { midnight });
    }
    Timestamp::parse_rfc3339(raw).with_context(|| format!("{raw:?} is neither YYYY-MM-DD nor RFC 3339"))
}

pub(crate) async fn run(cmd: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Sor { data, from, to, include_orders } = cmd;
    if !data.join("vigie.sqlite3").exists() {
        bail!("no Vigie database in {}", data.display());
    }
    let now = vigie_app::Clock::now(&vigie_app::SystemClock);
    let from = match from.as_deref() {
        Some(f) => parse_when(f, false)?,
        None => Timestamp::from_micros(0),
    };
    let to = match to.as_deref() {
        Some(t) => parse_when(t, true)?,
        None => now.plus(Duration::from_secs(1)),
    };
    let store = Store::open_sqlite_read_only(&data, 1).with_context(|| format!("while opening {}", data.display()))?;
    let owing = store.read(move |r| statements(r, from, to, now, StatementOptions { include_orders })).await?;
    let list = owing.statements;
    let mut invalid = owing.incomplete.len();
    for (decision, why) in &owing.incomplete {
        eprintln!("decision {decision} owes a statement that cannot be made: {why}");
    }
    for s in &list {
        if let Err(e) = s.check() {
            invalid += 1;
            eprintln!("statement {} does not pass the database's rules: {e}", s.puid);
        }
    }
    println!("{}", serde_json::json!({ "statements": list }));
    Ok(if invalid == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
