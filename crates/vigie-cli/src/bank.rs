//! `vigie bank import|export`: moves a bank file in or out of a running Vigie, over its HTTP API
//! with a bearer token (the server keeps the rules: who may curate, all-or-nothing imports).
//!
//! Files are python-threatexchange's `local_file` (`<signal_type> <hash>` lines) or its CSV.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use crate::client::{Client, Connection};

#[derive(clap::Subcommand)]
pub(crate) enum BankCommand {
    /// Imports a file into a bank (all or nothing); prints a JSON report.
    Import {
        /// The bank: its name among the caller's banks, or its id (`bnk_...`).
        #[arg(long)]
        bank: String,
        /// Create the bank (owned by the token's organisation) if it does not exist.
        #[arg(long)]
        create: bool,
        /// `local_file` or `csv`; by default from the file's extension (`.csv`), else local_file.
        #[arg(long)]
        format: Option<String>,
        /// Skip lines of signal types Vigie does not hold instead of refusing the file.
        #[arg(long)]
        skip_unknown: bool,
        /// The file, or `-` for standard input.
        file: PathBuf,
    },
    /// Exports a bank's live entries.
    Export {
        #[arg(long)]
        bank: String,
        /// `local_file` (default) or `csv`.
        #[arg(long, default_value = "local_file")]
        format: String,
        /// Where to write; standard output by default.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Bank lookups on top of the shared client.
impl Client {
    /// The bank's id, from an id or a name the caller owns (or was shared, if unique).
    async fn bank_id(&self, bank: &str, create: bool) -> anyhow::Result<String> {
        if bank.starts_with("bnk_") {
            return Ok(bank.to_owned());
        }
        let list: Value = self.send(self.http.get(format!("{}/api/v1/banks", self.base))).await?.json().await?;
        let named: Vec<&Value> = list["banks"].as_array().into_iter().flatten().filter(|b| b["name"] == bank).collect();
        let own = named.iter().find(|b| b["access"] == "own").or(if named.len() == 1 { named.first() } else { None });
        match (own, named.len(), create) {
            (Some(b), _, _) => Ok(b["id"].as_str().unwrap_or_default().to_owned()),
            (None, 0, true) => {
                let created: Value = self
                    .send(self.http.post(format!("{}/api/v1/banks", self.base)).json(&json!({ "name": bank })))
                    .await?
                    .json()
                    .await?;
                eprintln!("created bank {bank} ({})", created["id"].as_str().unwrap_or(""));
                Ok(created["id"].as_str().unwrap_or_default().to_owned())
            }
            (None, 0, false) => bail!("no bank named {bank:?} (use --create to create it)"),
            (None, _, _) => bail!("several banks shared with you are named {bank:?}: give its id"),
        }
    }
}

pub(crate) async fn run(conn: Connection, cmd: BankCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BankCommand::Import { bank, create, format, skip_unknown, file } => {
            let format = format.unwrap_or_else(|| {
                if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) { "csv" } else { "local_file" }
                    .into()
            });
            let mut text = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut text).context("while reading standard input")?;
            } else {
                text = std::fs::read_to_string(&file).with_context(|| format!("while reading {}", file.display()))?;
            }
            let client = Client::new(&conn)?;
            let id = client.bank_id(&bank, create).await?;
            let url = format!("{}/api/v1/banks/{id}/import?format={format}&skip_unknown={skip_unknown}", client.base);
            let report: Value = client
                .send(client.http.post(url).header("content-type", "text/plain; charset=utf-8").body(text))
                .await?
                .json()
                .await?;
            println!("{}", json!({ "bank": id, "report": report }));
            Ok(ExitCode::SUCCESS)
        }
        BankCommand::Export { bank, format, output } => {
            let client = Client::new(&conn)?;
            let id = client.bank_id(&bank, false).await?;
            let url = format!("{}/api/v1/banks/{id}/export?format={format}", client.base);
            let body = client.send(client.http.get(url)).await?.bytes().await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &body).with_context(|| format!("while writing {}", path.display()))?
                }
                None => std::io::stdout().lock().write_all(&body).context("while writing standard output")?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
