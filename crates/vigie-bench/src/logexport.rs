//! `vigie-bench log-export`: writes a verifiable export of N events (the overseer's cut, every
//! field disclosed with its salt) and the signed checkpoint of its tree, for timing
//! `vigie audit verify --export` at ten million events. The events are the kinds that make up most
//! of a real log (a report received, a case opened, watch-list entries), with sealed values where
//! real ones have them; their leaves are computed by the model, the lines written as the export
//! writer writes them.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use sha2::{Digest, Sha256};
use vigie_log::tree::Frontier;
use vigie_log::{Checkpoint, SignerKey};
use vigie_model::event::leaf::Leaf;
use vigie_model::event::{ChainedEvent, Event};
use vigie_model::{OrgId, PersonalRef, SignalId, Timestamp};

#[derive(clap::Args)]
pub(crate) struct LogExportArgs {
    /// Number of events.
    #[arg(long, default_value_t = 10_000_000)]
    events: u64,
    /// Where to write the export (JSON lines).
    #[arg(long)]
    out: PathBuf,
    /// Where to write the signed checkpoint.
    #[arg(long)]
    checkpoint_out: PathBuf,
    /// Where to write the log's verifier key.
    #[arg(long)]
    key_out: PathBuf,
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

fn bytes16(n: u64, tag: u8) -> [u8; 16] {
    let d = digest(&[&n.to_be_bytes(), &[tag]]);
    d[..16].try_into().expect("16 bytes")
}

/// Event `seq` (from 1) of the synthetic log, and its seed.
fn event(seq: u64) -> (ChainedEvent, Event, [u8; 32]) {
    let org = OrgId::from_random(bytes16(seq % 97, 1));
    let sealed = |tag: u8| {
        format!(
            r#"{{"ref":"{}","sealed":"{}"}}"#,
            PersonalRef::from_random(bytes16(seq, tag)).as_str(),
            hex::encode(digest(&[&seq.to_be_bytes(), &[tag, 9]]))
        )
    };
    let (kind, data) = match seq % 5 {
        0 | 1 => (
            "signal.received",
            format!(
                r#"{{"kind":"notice","tier":"public","threat_to_life":false,"locations":1,"explanation":{},"good_faith":true,"platform":"{}","language":"fr"}}"#,
                sealed(2),
                org.as_str()
            ),
        ),
        2 | 3 => (
            "case.opened",
            format!(
                r#"{{"signal":"{}","signal_kind":"notice","platform":"{}","target":"url","tier":"public","priority":40,"threat_to_life":false,"key":{}}}"#,
                SignalId::from_random(bytes16(seq, 3)).as_str(),
                org.as_str(),
                sealed(4)
            ),
        ),
        _ => ("watchlist.entries_added", format!(r#"{{"added":{}}}"#, seq % 1000)),
    };
    let event = Event::decode(kind, &data).expect("the synthetic events read");
    let at = Timestamp::from_micros(1_780_000_000_000_000 + i64::try_from(seq).expect("fits") * 1000);
    let ce = ChainedEvent {
        seq: i64::try_from(seq).expect("fits"),
        id: vigie_model::EventId::from_random(bytes16(seq, 5)).as_str().to_owned(),
        kind: kind.to_owned(),
        at,
        clock: "system".into(),
        actor: (seq % 5 >= 2).then(|| vigie_model::UserId::from_random(bytes16(seq % 13, 6)).as_str().to_owned()),
        org: Some(org.as_str().to_owned()),
        subject: org.as_str().to_owned(),
        data,
        prev_hash: String::new(),
        hash: String::new(),
    };
    (ce, event, digest(&[&seq.to_be_bytes(), b"seed"]))
}

/// The export line and the leaf commitment of event `seq`.
fn line(seq: u64) -> (String, [u8; 32]) {
    let (ce, event, seed) = event(seq);
    let leaf = Leaf::of(&ce, &event, seed);
    let names: Vec<String> = vigie_model::event::leaf::fields_of(&ce, &event).into_keys().collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let disclosure = leaf.disclose(&names);
    (vigie_app::tlog::export::disclosure_line(&disclosure).to_string(), leaf.hash())
}

pub(crate) fn run(args: LogExportArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let file = std::fs::File::create(&args.out).with_context(|| format!("while creating {}", args.out.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut frontier = Frontier::new();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    const BATCH: u64 = 65_536;
    let mut from = 1;
    while from <= args.events {
        let to = (from + BATCH - 1).min(args.events);
        let per = (to - from + 1).div_ceil(threads as u64);
        let lines: Vec<(String, [u8; 32])> = std::thread::scope(|s| {
            let parts: Vec<_> = (0..threads as u64)
                .map(|t| {
                    let (a, b) = (from + t * per, (from + (t + 1) * per - 1).min(to));
                    s.spawn(move || (a..=b).map(line).collect::<Vec<_>>())
                })
                .collect();
            parts.into_iter().flat_map(|h| h.join().expect("no panic")).collect()
        });
        for (text, leaf) in lines {
            out.write_all(text.as_bytes())?;
            out.write_all(b"\n")?;
            frontier.push(&leaf);
        }
        from = to + 1;
    }
    out.flush()?;
    let key = SignerKey::from_seed("bench.example/vigie-log", &[0x5a; 32]).context("key")?;
    let checkpoint = Checkpoint::new(key.name(), frontier.size(), frontier.root())?.sign(&key)?;
    std::fs::write(&args.checkpoint_out, checkpoint.encode())?;
    std::fs::write(&args.key_out, key.verifier().encode())?;
    let bytes = std::fs::metadata(&args.out)?.len();
    println!(
        "wrote {} events ({:.1} GB) in {:.1} s; checkpoint {}, key {}",
        frontier.size(),
        bytes as f64 / 1e9,
        started.elapsed().as_secs_f64(),
        args.checkpoint_out.display(),
        args.key_out.display()
    );
    Ok(())
}
