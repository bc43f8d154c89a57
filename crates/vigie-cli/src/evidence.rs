//! `vigie evidence ...`: the evidence vault (`docs/evidence.md`). Exports over a running server's
//! API with a custodian's token (one requests, another approves, then either downloads the
//! bundle); `keygen` and `verify` work offline, with the recipient's key file.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use vigie_app::evidence::bundle;
use vigie_app::evidence::keys::SecretKey;

use crate::client::{Client, Connection};

#[derive(clap::Subcommand)]
pub(crate) enum EvidenceCommand {
    /// Makes a recipient's X25519 key pair: the secret key to a new owner-only file, the public
    /// key (64 hex digits) printed.
    Keygen {
        #[arg(long)]
        out: PathBuf,
    },
    /// Asks to export a case's preserved records to a recipient's public key (a custodian).
    RequestExport {
        /// The case (`cas_...`).
        case: String,
        /// The recipient's X25519 public key, 64 hex digits.
        #[arg(long)]
        recipient: String,
        /// Why (kept sealed in the log).
        #[arg(long)]
        reason: String,
    },
    /// Approves an export another custodian requested.
    Approve {
        /// The export (`exp_...`).
        export: String,
    },
    /// Writes the bundle of the case's newest approved export.
    Export {
        /// The case (`cas_...`).
        case: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Checks a bundle offline: decrypts it with the recipient's secret key, checks the
    /// manifest's hash and every blob's; prints the manifest's summary. Exit 1 if it fails.
    Verify {
        bundle: PathBuf,
        /// The recipient's secret key file (from `vigie evidence keygen`).
        #[arg(long)]
        key: PathBuf,
        /// Also write each blob into this directory, by its SHA-256.
        #[arg(long)]
        extract: Option<PathBuf>,
    },
    /// Wraps every record's data key with the newest key-encryption key, after the server reads
    /// its keys again (an administrator).
    Rewrap,
}

fn read_secret(path: &PathBuf) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("while reading {}", path.display()))?;
    let bytes: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{} does not hold a key: 64 hex digits", path.display()))?;
    Ok(SecretKey::from_bytes(bytes))
}

pub(crate) async fn run(conn: Connection, cmd: EvidenceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        EvidenceCommand::Keygen { out } => {
            let (secret, public) = bundle::keypair();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&out).with_context(|| format!("while creating {}", out.display()))?;
            std::io::Write::write_all(&mut file, format!("{}\n", hex::encode(secret.to_bytes())).as_bytes())?;
            println!("{}", hex::encode(public));
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Verify { bundle: path, key, extract } => {
            let bytes = std::fs::read(&path).with_context(|| format!("while reading {}", path.display()))?;
            let secret = read_secret(&key)?;
            match bundle::open_and_verify(&bytes, &secret) {
                Ok(v) => {
                    let m = &v.manifest;
                    let items: usize = m.records.iter().map(|r| r.items.len()).sum();
                    println!(
                        "{}",
                        json!({ "verified": true, "export": m.export, "case": m.case, "platform": m.platform,
                            "requested_by": m.requested_by, "approved_by": m.approved_by, "records": m.records.len(),
                            "items": items, "blobs": v.blobs.len(), "custody": m.custody.len(), "events": m.events.len(),
                            "proofs": m.proofs.len() })
                    );
                    if let Some(dir) = extract {
                        std::fs::create_dir_all(&dir)?;
                        for (sha, b) in &v.blobs {
                            std::fs::write(dir.join(sha), b)?;
                        }
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("the bundle does not verify: {e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        EvidenceCommand::RequestExport { case, recipient, reason } => {
            let client = Client::new(&conn)?;
            let body = json!({ "case": case, "recipient": recipient, "reason": reason });
            let x = client.call(reqwest::Method::POST, "/api/v1/evidence/exports", Some(body)).await?;
            println!("{}", serde_json::to_string_pretty(&x)?);
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Approve { export } => {
            let client = Client::new(&conn)?;
            let path = format!("/api/v1/evidence/exports/{export}/approve");
            let x = client.call(reqwest::Method::POST, &path, Some(json!({}))).await?;
            println!("{}", serde_json::to_string_pretty(&x)?);
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Export { case, out } => {
            let client = Client::new(&conn)?;
            let list = client.call(reqwest::Method::GET, "/api/v1/evidence/exports", None).await?;
            let Some(x) = list["exports"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["case"] == case.as_str() && x["approved_by"].is_string())
            else {
                bail!("no approved export of {case}: one custodian requests it, another approves it");
            };
            let id = x["id"].as_str().unwrap_or_default();
            let req = client.http.get(format!("{}/api/v1/evidence/exports/{id}/bundle", client.base));
            let bytes = client.send(req).await?.bytes().await?;
            std::fs::write(&out, &bytes).with_context(|| format!("while writing {}", out.display()))?;
            println!("{}", json!({ "export": id, "bundle": out.display().to_string(), "bytes": bytes.len() }));
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::Rewrap => {
            let client = Client::new(&conn)?;
            let done = client.call(reqwest::Method::POST, "/api/v1/evidence/rewrap", Some(json!({}))).await?;
            println!("{done}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
