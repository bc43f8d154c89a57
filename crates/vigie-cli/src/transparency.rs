//! Offline tools over a data directory's event log:
//!
//! - `vigie report transparency --data DIR [--org ID] --from DATE --to DATE --format json|csv|html`
//! - `vigie audit export --data DIR [--audience overseer|public|ORG] [--to DATE] [--out FILE]`

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use vigie_app::transparency::{Audience, Period, audience::Selector, each_event, export_line, render, report_and_cut};
use vigie_model::Timestamp;
use vigie_store::Store;

use crate::export::parse_when;

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    Json,
    Csv,
    Html,
}

#[derive(clap::Subcommand)]
pub(crate) enum ReportCommand {
    /// The transparency report of a period: TCO art. 7 and 8, DSA and Santa Clara figures,
    /// computed from the event log alone.
    Transparency {
        #[arg(long, default_value = "./vigie-data", env = "VIGIE_DATA")]
        data: PathBuf,
        /// Only what this organisation is party to (its own report); default: the whole instance.
        #[arg(long)]
        org: Option<String>,
        /// First day (YYYY-MM-DD, UTC) or instant (RFC 3339).
        #[arg(long)]
        from: String,
        /// Last day, included (YYYY-MM-DD), or an instant, excluded (RFC 3339).
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
}

#[derive(clap::Args)]
pub(crate) struct ExportArgs {
    #[arg(long, default_value = "./vigie-data", env = "VIGIE_DATA")]
    data: PathBuf,
    /// `overseer` (every event, verifiable as a chain), `public` (what the transparency report
    /// reads, without actors or personal hashes) or an organisation id (what it is party to).
    #[arg(long, default_value = "public")]
    audience: String,
    /// Only events before this day (included, YYYY-MM-DD) or instant (RFC 3339); default: all.
    #[arg(long)]
    to: Option<String>,
    /// Where to write the JSON lines; default: standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the export that verifies against the log's latest checkpoint: every event up to it,
    /// the fields the audience may see with their salts, the others as commitments, and the
    /// events it may not see as their leaves only (`docs/log.md`). `--to` does not apply.
    #[arg(long)]
    verifiable: bool,
    /// With --verifiable: where to write that checkpoint (its signed note).
    #[arg(long)]
    checkpoint_out: Option<PathBuf>,
}

fn open(data: &Path) -> anyhow::Result<Store> {
    if !data.join("vigie.sqlite3").exists() {
        bail!("no Vigie database in {}", data.display());
    }
    Store::open_sqlite_read_only(data, 1).with_context(|| format!("while opening {}", data.display()))
}

pub(crate) async fn run_report(cmd: ReportCommand) -> anyhow::Result<ExitCode> {
    let ReportCommand::Transparency { data, org, from, to, format } = cmd;
    let period = Period { from: parse_when(&from, false)?, to: parse_when(&to, true)? };
    if period.from >= period.to {
        bail!("--from must come before --to");
    }
    let audience = match org {
        Some(o) => Audience::parse(&o)
            .filter(|a| matches!(a, Audience::Org(_)))
            .with_context(|| format!("{o:?} is not an organisation id"))?,
        None => Audience::Overseer,
    };
    let store = open(&data)?;
    let (r, cut) = store.read(move |r| report_and_cut(r, period, &audience)).await?;
    // The report names the signed checkpoint that commits to every event it read, so that anyone
    // can check its inputs (`vigie audit verify --export`).
    let named = cut
        .as_ref()
        .map(|c| serde_json::json!({ "origin": c.origin, "size": c.size, "root": vigie_app::tlog::b64(&c.root) }));
    let line = match &cut {
        Some(c) => format!(
            "computed from the log {} up to its signed checkpoint of {} events, root {}",
            c.origin,
            c.size,
            vigie_app::tlog::b64(&c.root)
        ),
        None => "computed from events not yet covered by a signed checkpoint".to_owned(),
    };
    let text = match format {
        Format::Json => {
            let mut v = serde_json::to_value(&r)?;
            v["log_checkpoint"] = named.unwrap_or(serde_json::Value::Null);
            serde_json::to_string_pretty(&v)? + "\n"
        }
        Format::Csv => render::csv(&r) + &format!("log_checkpoint,\"{line}\"\n"),
        Format::Html => {
            render::html(&r).replacen("</body>", &format!("<p class=\"log-cut\">This report was {line}.</p></body>"), 1)
        }
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let audience = Audience::parse(&args.audience)
        .with_context(|| format!("{:?} is neither overseer, public nor an organisation id", args.audience))?;
    let to = match args.to.as_deref() {
        Some(t) => parse_when(t, true)?,
        None => Timestamp::from_micros(i64::MAX),
    };
    let store = open(&args.data)?;
    let mut sink: Box<dyn Write + Send> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("while creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    if args.verifiable {
        let origin = crate::log_origin(&args.data)?;
        let cut = store.read(move |r| r.log_checkpoints(&origin, 1)).await?.pop();
        let Some(checkpoint) = cut else {
            bail!("the log in {} has signed no checkpoint yet: a verifiable export is cut at one", args.data.display())
        };
        if let Some(path) = &args.checkpoint_out {
            std::fs::write(path, &checkpoint.note).with_context(|| format!("while writing {}", path.display()))?;
        }
        let size = checkpoint.size;
        let shown = store
            .read(move |r| {
                let select = Selector::build(r, Timestamp::from_micros(i64::MAX), &audience)?;
                let shown = vigie_app::tlog::export::write(r, &select, size, &mut sink)?;
                sink.flush().map_err(|e| vigie_store::StoreError::Engine(Box::new(e)))?;
                Ok::<_, vigie_store::StoreError>(shown)
            })
            .await?;
        eprintln!("exported {size} events, {shown} of them disclosed to the audience {}", args.audience);
        return Ok(ExitCode::SUCCESS);
    }
    let (written, read, failed) = store
        .read(move |r| {
            let select = Selector::build(r, to, &audience)?;
            let (mut written, mut read, mut failed) = (0u64, 0u64, None);
            each_event(r, to, |e| {
                read += 1;
                if failed.is_some() {
                    return;
                }
                if let Some(v) = select.view(e) {
                    match writeln!(sink, "{}", export_line(&v)) {
                        Ok(()) => written += 1,
                        Err(err) => failed = Some(err),
                    }
                }
            })?;
            if failed.is_none()
                && let Err(err) = sink.flush()
            {
                failed = Some(err);
            }
            Ok((written, read, failed))
        })
        .await?;
    if let Some(err) = failed {
        return Err(err).context("while writing the export");
    }
    eprintln!("exported {written} of {read} events for the audience {}", args.audience);
    Ok(ExitCode::SUCCESS)
}
