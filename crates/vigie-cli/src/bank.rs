//! `vigie bank`: a running Vigie's banks over its HTTP API with a bearer token (the server keeps
//! the rules: who may curate, all-or-nothing imports): `list`, `show`, `create` and `set` for
//! their settings, `import` and `export` for bank files.
//!
//! Files are python-threatexchange's `local_file` (`<signal_type> <hash>` lines) or its CSV;
//! TMK+PDQF, binary, is a directory of `.tmk` files and a `manifest.json` naming each with its
//! SHA-256 and metadata (`--format tmk`), sent and fetched one file per request.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::{Value, json};

use vigie_model::bank::formats::{self, TmkManifest, TmkManifestFile};

use crate::client::{Client, Connection};

/// The `.tmk` files of a directory, read and checked against its manifest before any is sent:
/// each named file exists, has the manifest's size and SHA-256.
fn read_tmk_dir(dir: &std::path::Path) -> anyhow::Result<Vec<(TmkManifestFile, Vec<u8>)>> {
    let path = dir.join(formats::TMK_MANIFEST);
    let text = std::fs::read_to_string(&path).with_context(|| format!("while reading {}", path.display()))?;
    let manifest = TmkManifest::read(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut out = Vec::with_capacity(manifest.files.len());
    for f in manifest.files {
        let path = dir.join(&f.file);
        let meta = std::fs::metadata(&path).with_context(|| format!("while reading {}", path.display()))?;
        if meta.len() != f.bytes || f.bytes > (vigie_hash::tmk::FILE_BYTES as u64) * 2 {
            bail!("{}: {} bytes where the manifest says {}", path.display(), meta.len(), f.bytes);
        }
        let bytes = std::fs::read(&path).with_context(|| format!("while reading {}", path.display()))?;
        let sha = vigie_hash::sha256_hex(&bytes);
        if sha != f.sha256 {
            bail!("{}: its SHA-256 is {sha}, the manifest says {}", path.display(), f.sha256);
        }
        out.push((f, bytes));
    }
    Ok(out)
}

/// Sends each file on the bank's `.tmk` endpoint, one request each; returns the counts.
async fn import_tmk(client: &Client, bank: &str, files: Vec<(TmkManifestFile, Vec<u8>)>) -> anyhow::Result<Value> {
    let (mut added, mut duplicates) = (0u64, 0u64);
    let mut entries = Vec::new();
    for (f, bytes) in files {
        let mut url = reqwest::Url::parse(&format!("{}/api/v1/banks/{bank}/tmk", client.base))?;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in [("note", &f.note), ("content_id", &f.content_id), ("content_uri", &f.content_uri)] {
                if let Some(v) = v {
                    q.append_pair(k, v);
                }
            }
        }
        let res = client
            .send(client.http.post(url).header("content-type", "application/octet-stream").body(bytes))
            .await
            .with_context(|| format!("while sending {}", f.file))?;
        if res.status() == reqwest::StatusCode::CREATED {
            added += 1;
        } else {
            duplicates += 1;
        }
        let entry: Value = res.json().await?;
        entries.push(entry["id"].clone());
    }
    Ok(json!({ "added": added, "duplicates": duplicates, "entries": entries }))
}

/// Writes a bank's `.tmk` files (named by their SHA-256) and their manifest into `dir`, each file
/// checked against its entry's SHA-256; returns how many.
async fn export_tmk(client: &Client, bank: &str, dir: &std::path::Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("while making {}", dir.display()))?;
    let info = client.call(reqwest::Method::GET, &format!("/api/v1/banks/{bank}"), None).await?;
    let mut files = Vec::new();
    let mut after = 0i64;
    loop {
        let page = client
            .call(reqwest::Method::GET, &format!("/api/v1/banks/{bank}/entries?after={after}&limit=1000"), None)
            .await?;
        let list = page["entries"].as_array().cloned().unwrap_or_default();
        let Some(last) = list.last().and_then(|e| e["id"].as_i64()) else { break };
        after = last;
        for e in list.iter().filter(|e| e["signal_type"] == "tmk") {
            let (id, sha) = (e["id"].as_i64().unwrap_or_default(), e["value"].as_str().unwrap_or_default().to_owned());
            let url = format!("{}/api/v1/banks/{bank}/tmk/{id}", client.base);
            let bytes = client.send(client.http.get(url)).await?.bytes().await?;
            if vigie_hash::sha256_hex(&bytes) != sha {
                bail!("entry {id}'s file does not have the SHA-256 the bank lists ({sha})");
            }
            let name = format!("{sha}.tmk");
            let path = dir.join(&name);
            std::fs::write(&path, &bytes).with_context(|| format!("while writing {}", path.display()))?;
            let text = |k: &str| e[k].as_str().map(str::to_owned);
            files.push(TmkManifestFile {
                file: name,
                sha256: sha,
                bytes: bytes.len() as u64,
                note: text("note"),
                content_id: text("content_id"),
                content_uri: text("content_uri"),
            });
        }
    }
    let n = files.len();
    let manifest = TmkManifest::new(info["name"].as_str().map(str::to_owned), files);
    let path = dir.join(formats::TMK_MANIFEST);
    std::fs::write(&path, serde_json::to_string_pretty(&manifest)? + "\n")
        .with_context(|| format!("while writing {}", path.display()))?;
    Ok(n)
}

/// A bank's settings; what is not given keeps its value (or the server's default on creation).
#[derive(clap::Args, Default)]
pub(crate) struct Settings {
    /// `block` (the default) or `allow` (a match here suppresses block matches).
    #[arg(long)]
    kind: Option<String>,
    /// The PDQ distance within which a hash matches (0 to 63; the server's default is 31).
    #[arg(long)]
    threshold: Option<u32>,
    /// A block match opens a case for the platform that checked the upload (`--stay-down` or
    /// `--stay-down=false`).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    stay_down: Option<bool>,
    /// The share of lookups that search the bank, 0 to 1 (HMA's sampling).
    #[arg(long)]
    enabled_ratio: Option<f64>,
    /// Matches of one entry per hour before it is quarantined; 0 for no limit.
    #[arg(long)]
    flood_limit: Option<u32>,
    /// TMK+PDQF: the level-1 and level-2 scores a banked video's match needs (above 0, at most
    /// 1; the server's defaults are 0.7 and 0.7, `tmk-two-level-score`'s).
    #[arg(long)]
    tmk_level1: Option<f64>,
    #[arg(long)]
    tmk_level2: Option<f64>,
    #[arg(long)]
    description: Option<String>,
    /// Labels: the group, tier and crisis the content belongs to.
    #[arg(long)]
    group: Option<String>,
    #[arg(long)]
    tier: Option<String>,
    #[arg(long)]
    crisis: Option<String>,
}

impl Settings {
    /// The settings as a bank request body (only what was given). Labels are sent whole, so a
    /// label not given keeps its current value.
    fn body(&self, current_labels: Option<&Value>) -> Value {
        let mut body = serde_json::Map::new();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                body.insert(k.to_owned(), v);
            }
        };
        put("kind", self.kind.clone().map(Value::from));
        put("threshold", self.threshold.map(Value::from));
        put("stay_down", self.stay_down.map(Value::from));
        put("enabled_ratio", self.enabled_ratio.map(Value::from));
        put("flood_limit", self.flood_limit.map(Value::from));
        put("tmk_level1", self.tmk_level1.map(Value::from));
        put("tmk_level2", self.tmk_level2.map(Value::from));
        put("description", self.description.clone().map(Value::from));
        if self.group.is_some() || self.tier.is_some() || self.crisis.is_some() {
            let mut labels = current_labels.and_then(Value::as_object).cloned().unwrap_or_default();
            for (k, v) in [("group", &self.group), ("tier", &self.tier), ("crisis", &self.crisis)] {
                if let Some(v) = v {
                    labels.insert(k.to_owned(), v.clone().into());
                }
            }
            body.insert("labels".into(), Value::Object(labels));
        }
        Value::Object(body)
    }
}

#[derive(clap::Subcommand)]
pub(crate) enum BankCommand {
    /// Lists the banks the token's organisation owns or was shared, one JSON line each.
    List,
    /// Prints one bank with its settings.
    Show {
        /// The bank: its name among the caller's banks, or its id (`bnk_...`).
        bank: String,
    },
    /// Creates a bank owned by the token's organisation; prints it.
    Create {
        /// 1 to 64 letters, digits, `_`, `-` or `.`.
        name: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Changes a bank's settings (owner only); prints it.
    Set {
        bank: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Imports a file into a bank (all or nothing); prints a JSON report.
    Import {
        /// The bank: its name among the caller's banks, or its id (`bnk_...`).
        #[arg(long)]
        bank: String,
        /// Create the bank (owned by the token's organisation) if it does not exist, with the
        /// settings given (e.g. `--stay-down`); settings are refused without `--create`.
        #[arg(long)]
        create: bool,
        #[command(flatten)]
        settings: Settings,
        /// `local_file`, `csv` or `tmk` (a directory of `.tmk` files and its `manifest.json`); by
        /// default `tmk` for a directory, else from the file's extension (`.csv`), else local_file.
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
        /// `local_file` (default), `csv`, or `tmk`: the bank's `.tmk` files and a `manifest.json`
        /// written into the `--output` directory (made if missing; files there are overwritten).
        #[arg(long, default_value = "local_file")]
        format: String,
        /// Where to write; standard output by default (a directory, required, for `tmk`).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
}

/// Bank lookups on top of the shared client.
impl Client {
    /// The bank's id, from an id or a name the caller owns (or was shared, if unique); with
    /// `create`, a missing bank is created with `settings`.
    async fn bank_id(&self, bank: &str, create: Option<&Settings>) -> anyhow::Result<String> {
        if bank.starts_with("bnk_") {
            return Ok(bank.to_owned());
        }
        let list: Value = self.send(self.http.get(format!("{}/api/v1/banks", self.base))).await?.json().await?;
        let named: Vec<&Value> = list["banks"].as_array().into_iter().flatten().filter(|b| b["name"] == bank).collect();
        let own = named.iter().find(|b| b["access"] == "own").or(if named.len() == 1 { named.first() } else { None });
        match (own, named.len(), create) {
            (Some(b), _, _) => Ok(b["id"].as_str().unwrap_or_default().to_owned()),
            (None, 0, Some(settings)) => {
                let mut body = settings.body(None);
                body["name"] = bank.into();
                let created: Value =
                    self.send(self.http.post(format!("{}/api/v1/banks", self.base)).json(&body)).await?.json().await?;
                eprintln!("created bank {bank} ({})", created["id"].as_str().unwrap_or(""));
                Ok(created["id"].as_str().unwrap_or_default().to_owned())
            }
            (None, 0, None) => bail!("no bank named {bank:?} (use --create to create it)"),
            (None, _, _) => bail!("several banks shared with you are named {bank:?}: give its id"),
        }
    }
}

pub(crate) async fn run(conn: Connection, cmd: BankCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BankCommand::List => {
            let client = Client::new(&conn)?;
            let list = client.call(reqwest::Method::GET, "/api/v1/banks", None).await?;
            for b in list["banks"].as_array().into_iter().flatten() {
                println!("{b}");
            }
            Ok(ExitCode::SUCCESS)
        }
        BankCommand::Show { bank } => {
            let client = Client::new(&conn)?;
            let id = client.bank_id(&bank, None).await?;
            println!("{}", client.call(reqwest::Method::GET, &format!("/api/v1/banks/{id}"), None).await?);
            Ok(ExitCode::SUCCESS)
        }
        BankCommand::Create { name, settings } => {
            let client = Client::new(&conn)?;
            let mut body = settings.body(None);
            body["name"] = name.into();
            println!("{}", client.call(reqwest::Method::POST, "/api/v1/banks", Some(body)).await?);
            Ok(ExitCode::SUCCESS)
        }
        BankCommand::Set { bank, settings } => {
            let client = Client::new(&conn)?;
            let id = client.bank_id(&bank, None).await?;
            let path = format!("/api/v1/banks/{id}");
            let current = client.call(reqwest::Method::GET, &path, None).await?;
            let body = settings.body(Some(&current["labels"]));
            if body.as_object().is_some_and(serde_json::Map::is_empty) {
                bail!("nothing to change: give at least one setting (see `vigie bank set --help`)");
            }
            println!("{}", client.call(reqwest::Method::PATCH, &path, Some(body)).await?);
            Ok(ExitCode::SUCCESS)
        }
        BankCommand::Import { bank, create, settings, format, skip_unknown, file } => {
            if !create && settings.body(None).as_object().is_some_and(|b| !b.is_empty()) {
                bail!(
                    "bank settings on import apply only with --create; change an existing bank with `vigie bank set`"
                );
            }
            let format = format.unwrap_or_else(|| {
                if file.is_dir() {
                    "tmk"
                } else if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                    "csv"
                } else {
                    "local_file"
                }
                .into()
            });
            if format == "tmk" {
                let files = read_tmk_dir(&file)?;
                let client = Client::new(&conn)?;
                let id = client.bank_id(&bank, create.then_some(&settings)).await?;
                let report = import_tmk(&client, &id, files).await?;
                println!("{}", json!({ "bank": id, "report": report }));
                return Ok(ExitCode::SUCCESS);
            }
            let mut text = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin().read_to_string(&mut text).context("while reading standard input")?;
            } else {
                text = std::fs::read_to_string(&file).with_context(|| format!("while reading {}", file.display()))?;
            }
            let client = Client::new(&conn)?;
            let id = client.bank_id(&bank, create.then_some(&settings)).await?;
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
            let id = client.bank_id(&bank, None).await?;
            if format == "tmk" {
                let Some(dir) = output else { bail!("--format tmk writes a directory: give it with --output") };
                let written = export_tmk(&client, &id, &dir).await?;
                eprintln!("wrote {written} .tmk files and {} to {}", formats::TMK_MANIFEST, dir.display());
                return Ok(ExitCode::SUCCESS);
            }
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
