//! The log cut for an audience so that it still verifies against a checkpoint, and its offline
//! verification (`vigie audit export --verifiable`, `vigie audit verify --export`).
//!
//! One JSON line per event, in sequence order, from event 1 to the checkpoint's size:
//!
//! - an event the audience sees: its header (`seq`, `id`, `kind`, `version`, `at_micros`), the
//!   fields it may see with their salts (`disclosed`: name → `{"value", "salt"}`), and the
//!   commitments of the others (`withheld`: name → hex);
//! - an event it does not see: only `seq` and its leaf commitment (`leaf`, hex), which says that
//!   an event was there and nothing of it.
//!
//! From these lines anyone recomputes every leaf and so the tree's root at any size, and compares
//! it with signed checkpoints: an edited, removed, added or moved event changes a leaf or the
//! count, and so the root. Erasing a personal value changes nothing: events hold its sealed hash.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde_json::{Value, json};
use vigie_log::tree::{Frontier, Hash};
use vigie_model::event::ChainedEvent;
use vigie_model::event::leaf::{Disclosure, Header, Leaf, fields_of};
use vigie_store::Reads;

use crate::transparency::audience::Selector;

/// Writes the verifiable export of events `1..=size` for the audience `select` to `out`.
/// Returns how many events were disclosed (the others are leaves only).
pub fn write(r: &dyn Reads, select: &Selector, size: u64, out: &mut dyn Write) -> vigie_store::Result<u64> {
    let io = |e: std::io::Error| vigie_store::StoreError::Engine(Box::new(e));
    let last = i64::try_from(size).unwrap_or(i64::MAX);
    let (mut after, mut shown) = (0i64, 0u64);
    while after < last {
        let page = r.events_after(after, 2_000)?;
        let Some(tail) = page.last() else { break };
        let seeds: BTreeMap<i64, Hash> = r.event_seeds(after + 1, tail.seq)?.into_iter().collect();
        for e in page.iter().take_while(|e| e.seq <= last) {
            let seed = seeds
                .get(&e.seq)
                .ok_or_else(|| vigie_store::StoreError::Corrupt(format!("event {} has no seed", e.seq)))?;
            let event = e.event().map_err(|err| vigie_store::StoreError::Corrupt(format!("event {}: {err}", e.seq)))?;
            let leaf = Leaf::of(e, &event, *seed);
            let line = match select.view(e) {
                Some(view) => {
                    shown += 1;
                    let all = fields_of(e, &event);
                    let seen = visible_fields(&view);
                    let names: Vec<&str> =
                        all.iter().filter(|(k, v)| seen.get(*k) == Some(*v)).map(|(k, _)| k.as_str()).collect();
                    disclosure_line(&leaf.disclose(&names))
                }
                None => json!({ "seq": e.seq, "leaf": hex::encode(leaf.hash()) }),
            };
            writeln!(out, "{line}").map_err(io)?;
        }
        after = tail.seq;
    }
    Ok(shown)
}

/// The fields an audience's view of an event shows, by the names `fields_of` gives them.
fn visible_fields(view: &ChainedEvent) -> BTreeMap<String, Value> {
    let mut seen = BTreeMap::new();
    seen.insert("_actor".to_owned(), view.actor.clone().map_or(Value::Null, Value::String));
    seen.insert("_org".to_owned(), view.org.clone().map_or(Value::Null, Value::String));
    seen.insert("_subject".to_owned(), Value::String(view.subject.clone()));
    if let Ok(Value::Object(data)) = serde_json::from_str::<Value>(&view.data) {
        seen.extend(data);
    }
    seen
}

/// One line of a verifiable export for an event the audience sees.
pub fn disclosure_line(d: &Disclosure) -> Value {
    let disclosed: serde_json::Map<String, Value> = d
        .disclosed
        .iter()
        .map(|(k, (v, salt))| (k.clone(), json!({ "value": v, "salt": hex::encode(salt) })))
        .collect();
    let withheld: serde_json::Map<String, Value> =
        d.withheld.iter().map(|(k, c)| (k.clone(), Value::String(hex::encode(c)))).collect();
    json!({
        "seq": d.header.seq,
        "id": d.header.id,
        "kind": d.header.kind,
        "version": d.header.version,
        "at_micros": d.header.at_micros,
        "disclosed": disclosed,
        "withheld": withheld,
    })
}

/// What is wrong with a line of an export.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("line {line}: {what}")]
    Malformed { line: u64, what: String },
    #[error(
        "line {line} holds event {found} where event {expected} should be: events are missing, added or out of order"
    )]
    OutOfOrder { line: u64, expected: i64, found: i64 },
}

fn hash_hex(raw: Option<&Value>, line: u64, what: &str) -> Result<Hash, LineError> {
    raw.and_then(Value::as_str)
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| Hash::try_from(b.as_slice()).ok())
        .ok_or_else(|| LineError::Malformed { line, what: format!("{what} is not 64 hex digits") })
}

/// The leaf commitment a line stands for.
pub fn leaf_of_line(v: &Value, line: u64) -> Result<(i64, Hash), LineError> {
    let bad = |what: &str| LineError::Malformed { line, what: what.to_owned() };
    let seq = v.get("seq").and_then(Value::as_i64).ok_or_else(|| bad("no seq"))?;
    if v.get("leaf").is_some() {
        return Ok((seq, hash_hex(v.get("leaf"), line, "leaf")?));
    }
    let header = Header {
        seq,
        id: v.get("id").and_then(Value::as_str).ok_or_else(|| bad("no id"))?.to_owned(),
        kind: v.get("kind").and_then(Value::as_str).ok_or_else(|| bad("no kind"))?.to_owned(),
        version: v
            .get("version")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| bad("no version"))?,
        at_micros: v.get("at_micros").and_then(Value::as_i64).ok_or_else(|| bad("no at_micros"))?,
    };
    let mut disclosed = BTreeMap::new();
    for (k, f) in v.get("disclosed").and_then(Value::as_object).ok_or_else(|| bad("no disclosed fields"))? {
        let value = f.get("value").cloned().ok_or_else(|| bad("a disclosed field without its value"))?;
        disclosed.insert(k.clone(), (value, hash_hex(f.get("salt"), line, "a salt")?));
    }
    let mut withheld = BTreeMap::new();
    for (k, c) in v.get("withheld").and_then(Value::as_object).ok_or_else(|| bad("no withheld fields"))? {
        withheld.insert(k.clone(), hash_hex(Some(c), line, "a commitment")?);
    }
    Ok((seq, Disclosure { header, disclosed, withheld }.hash()))
}

/// A checkpoint to check an export against: its size and root.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected {
    pub size: u64,
    pub root: Hash,
}

/// The outcome of checking an export against checkpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Events read from the export.
    pub events: u64,
    /// The checkpoints (by size) whose root the export reproduced.
    pub matched: Vec<u64>,
    /// What failed, in words; empty when everything verified.
    pub problems: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How many lines are read, then hashed on every core, at a time.
const BATCH: usize = 16_384;

/// A line's leaf commitment, or what is wrong with it (`None`: a blank line).
fn leaf_of_text(text: &str, line: u64) -> Option<Result<(i64, Hash), LineError>> {
    if text.trim().is_empty() {
        return None;
    }
    Some(
        serde_json::from_str::<Value>(text)
            .map_err(|e| LineError::Malformed { line, what: e.to_string() })
            .and_then(|v| leaf_of_line(&v, line)),
    )
}

/// The leaves of a batch of lines (numbered from `first`), computed on every core, in order.
fn leaves_of(batch: &[String], first: u64) -> Vec<Option<Result<(i64, Hash), LineError>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(16);
    let per = batch.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = batch
            .chunks(per)
            .enumerate()
            .map(|(c, chunk)| {
                let from = first + (c * per) as u64;
                scope.spawn(move || {
                    chunk.iter().enumerate().map(|(i, t)| leaf_of_text(t, from + i as u64)).collect::<Vec<_>>()
                })
            })
            .collect();
        parts.into_iter().flat_map(|h| h.join().expect("hashing does not panic")).collect()
    })
}

/// Recomputes the tree from an export's lines and compares its root with each checkpoint's at
/// its size. The largest checkpoint must be the export's size: an export that stops short, or
/// goes on, is a truncation or an addition. Lines are hashed on every core, a batch at a time;
/// the tree is built in order.
pub fn verify(lines: impl BufRead, checkpoints: &[Expected]) -> Verdict {
    let mut wanted: Vec<Expected> = checkpoints.to_vec();
    wanted.sort_by_key(|c| c.size);
    let mut frontier = Frontier::new();
    let mut verdict = Verdict { events: 0, matched: Vec::new(), problems: Vec::new() };
    let mut next = wanted.iter().peekable();
    let check = |frontier: &Frontier, c: &Expected, verdict: &mut Verdict| {
        if frontier.root() == c.root {
            verdict.matched.push(c.size);
        } else {
            verdict.problems.push(format!(
                "the export's first {} events do not hash to the root of the checkpoint of that size: an event was \
                 changed, removed, added or moved",
                c.size
            ));
        }
    };
    while let Some(c) = next.next_if(|c| c.size == 0) {
        check(&frontier, c, &mut verdict);
    }
    let mut input = lines.lines();
    let mut read = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        batch.clear();
        for line in input.by_ref().take(BATCH) {
            match line {
                Ok(t) => batch.push(t),
                Err(e) => {
                    verdict.problems.push(format!("line {} does not read: {e}", read + batch.len() as u64 + 1));
                    return verdict;
                }
            }
        }
        if batch.is_empty() {
            break;
        }
        for (i, leaf) in leaves_of(&batch, read + 1).into_iter().enumerate() {
            let Some(leaf) = leaf else { continue };
            let (seq, leaf) = match leaf {
                Ok(x) => x,
                Err(e) => {
                    verdict.problems.push(e.to_string());
                    return verdict;
                }
            };
            let expected = i64::try_from(frontier.size()).unwrap_or(i64::MAX) + 1;
            if seq != expected {
                let line = read + 1 + i as u64;
                verdict.problems.push(LineError::OutOfOrder { line, expected, found: seq }.to_string());
                return verdict;
            }
            frontier.push(&leaf);
            verdict.events += 1;
            while let Some(c) = next.next_if(|c| c.size == frontier.size()) {
                check(&frontier, c, &mut verdict);
            }
        }
        read += batch.len() as u64;
    }
    for c in next {
        verdict.problems.push(format!(
            "the export holds {} events but a checkpoint covers {}: events at its end were removed (truncation)",
            frontier.size(),
            c.size
        ));
    }
    let failed: Vec<u64> = wanted.iter().map(|c| c.size).filter(|s| !verdict.matched.contains(s)).collect();
    if let (Some(good), Some(bad)) = (verdict.matched.last(), failed.first()) {
        verdict.problems.push(format!(
            "the checkpoints of sizes {bad} and {good} do not extend each other: the export reproduces the one of size \
             {good}, so either the log showed two histories (a fork) or events before {bad} were changed since"
        ));
    }
    if let Some(last) = wanted.last()
        && frontier.size() > last.size
    {
        verdict.problems.push(format!(
            "the export holds {} events, more than the {} of its latest checkpoint: events were added",
            frontier.size(),
            last.size
        ));
    }
    verdict
}
