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
use std::io::{BufRead, Read, Write};

use serde_json::{Value, json};
use vigie_log::tree::{Frontier, Hash};
use vigie_model::event::ChainedEvent;
use vigie_model::event::leaf::{Disclosure, Header, Leaf, fields_of};
use vigie_store::Reads;

use crate::transparency::audience::Selector;

pub(super) mod fast;

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
    #[error("line {line} does not read: stream did not contain valid UTF-8")]
    Unreadable { line: u64 },
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

/// How many bytes of whole lines are hashed on every core at a time (while the next are read).
const CHUNK: usize = 8 << 20;

/// A line's leaf commitment, or what is wrong with it (`None`: a blank line). A line as the
/// exporter writes it (canonical JSON) is read by [`fast::leaf`] without building a `Value`; any
/// other line, well formed or not, is read as before by [`leaf_of_line`], which gives the same leaf
/// or the same error.
pub(super) fn leaf_of_text(text: &str, line: u64) -> Option<Result<(i64, Hash), LineError>> {
    if text.trim().is_empty() {
        return None;
    }
    if let Some(leaf) = fast::leaf(text) {
        return Some(Ok(leaf));
    }
    Some(slow_leaf_of_text(text, line))
}

/// A line's leaf commitment through a `serde_json::Value`: reads any JSON.
pub(super) fn slow_leaf_of_text(text: &str, line: u64) -> Result<(i64, Hash), LineError> {
    serde_json::from_str::<Value>(text)
        .map_err(|e| LineError::Malformed { line, what: e.to_string() })
        .and_then(|v| leaf_of_line(&v, line))
}

/// What hashing one part of a chunk gave: each line's leaf (`None`: blank), numbered from 1
/// within the part, then how many lines the part held.
type Hashed = (Vec<Option<Result<(i64, Hash), LineError>>>, u64);

/// The leaves of the lines of `part` (whole lines, the last one's `\n` optional), numbered from 1.
fn hash_part(part: &[u8]) -> Hashed {
    let mut out = Vec::with_capacity(part.len() / 512 + 1);
    let mut at = 0;
    let mut n = 0u64;
    while at < part.len() {
        let end = memchr::memchr(b'\n', &part[at..]).map_or(part.len(), |i| at + i);
        let mut bytes = &part[at..end];
        if let Some(stripped) = bytes.strip_suffix(b"\r") {
            bytes = stripped;
        }
        n += 1;
        out.push(match std::str::from_utf8(bytes) {
            Ok(text) => leaf_of_text(text, n),
            Err(_) => Some(Err(LineError::Unreadable { line: n })),
        });
        at = end + 1;
    }
    (out, n)
}

/// `chunk` (whole lines) cut into `parts` pieces of about the same size, each ending a line.
fn split_lines(chunk: &[u8], parts: usize) -> Vec<&[u8]> {
    let mut out = Vec::with_capacity(parts);
    let mut rest = chunk;
    for left in (1..=parts).rev() {
        if rest.is_empty() {
            break;
        }
        let want = rest.len().div_ceil(left);
        let cut = if left == 1 || want >= rest.len() {
            rest.len()
        } else {
            memchr::memchr(b'\n', &rest[want - 1..]).map_or(rest.len(), |i| want + i)
        };
        let (part, tail) = rest.split_at(cut);
        out.push(part);
        rest = tail;
    }
    out
}

/// Reads the next chunk into `buf`: `carry` (a line begun in the last read) then at least
/// `size` bytes, cut after its last `\n` (what follows goes back to `carry`), or everything up
/// to the end of the input. Returns whether the input ended, or the read's error (`buf` then
/// holds the whole lines read before it).
fn read_chunk(
    input: &mut impl Read,
    size: usize,
    buf: &mut Vec<u8>,
    carry: &mut Vec<u8>,
) -> Result<bool, std::io::Error> {
    buf.clear();
    buf.append(carry);
    loop {
        if buf.len() >= size
            && let Some(nl) = memchr::memrchr(b'\n', buf)
        {
            carry.extend_from_slice(&buf[nl + 1..]);
            buf.truncate(nl + 1);
            return Ok(false);
        }
        match input.by_ref().take(size as u64).read_to_end(buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) => {
                let whole = memchr::memrchr(b'\n', buf).map_or(0, |nl| nl + 1);
                buf.truncate(whole);
                return Err(e);
            }
        }
    }
}

/// The tree as it is rebuilt, and what was found so far.
struct Tally {
    frontier: Frontier,
    verdict: Verdict,
    /// The checkpoints by size, and how many of them were compared.
    wanted: Vec<Expected>,
    compared: usize,
}

impl Tally {
    /// Compares every checkpoint of the tree's present size with its root.
    fn compare(&mut self) {
        while let Some(c) = self.wanted.get(self.compared).filter(|c| c.size == self.frontier.size()) {
            if self.frontier.root() == c.root {
                self.verdict.matched.push(c.size);
            } else {
                self.verdict.problems.push(format!(
                    "the export's first {} events do not hash to the root of the checkpoint of that size: an event \
                     was changed, removed, added or moved",
                    c.size
                ));
            }
            self.compared += 1;
        }
    }

    /// Adds the leaves of a chunk whose first line is line `first`, in order. Stops at the first
    /// line that is wrong (returns `false`).
    fn absorb(&mut self, chunk: Vec<Hashed>, first: u64) -> bool {
        let mut line = first;
        for (leaves, count) in chunk {
            for (i, leaf) in leaves.into_iter().enumerate() {
                let Some(leaf) = leaf else { continue };
                let at = line + i as u64;
                let (seq, leaf) = match leaf {
                    Ok(x) => x,
                    Err(e) => {
                        let e = match e {
                            LineError::Malformed { what, .. } => LineError::Malformed { line: at, what },
                            LineError::Unreadable { .. } => LineError::Unreadable { line: at },
                            other => other,
                        };
                        self.verdict.problems.push(e.to_string());
                        return false;
                    }
                };
                let expected = i64::try_from(self.frontier.size()).unwrap_or(i64::MAX) + 1;
                if seq != expected {
                    self.verdict.problems.push(LineError::OutOfOrder { line: at, expected, found: seq }.to_string());
                    return false;
                }
                self.frontier.push(&leaf);
                self.verdict.events += 1;
                self.compare();
            }
            line += count;
        }
        true
    }
}

/// Recomputes the tree from an export's lines and compares its root with each checkpoint's at
/// its size. The largest checkpoint must be the export's size: an export that stops short, or
/// goes on, is a truncation or an addition.
///
/// The input is read a chunk of [`CHUNK`] bytes at a time: while every core hashes the lines of
/// one chunk (cut into as many parts of equal size), this thread reads the next and adds the
/// leaves of the one before to the tree, in order.
pub fn verify(lines: impl BufRead, checkpoints: &[Expected]) -> Verdict {
    verify_in_chunks(lines, checkpoints, CHUNK)
}

/// [`verify`], reading `size` bytes at a time (tests cut lines across chunks with a small size).
pub(super) fn verify_in_chunks(mut lines: impl BufRead, checkpoints: &[Expected], size: usize) -> Verdict {
    let mut wanted: Vec<Expected> = checkpoints.to_vec();
    wanted.sort_by_key(|c| c.size);
    let mut tally = Tally {
        frontier: Frontier::new(),
        verdict: Verdict { events: 0, matched: Vec::new(), problems: Vec::new() },
        wanted,
        compared: 0,
    };
    tally.compare();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(16);
    let (mut chunk, mut ahead, mut carry) = (Vec::with_capacity(2 * size), Vec::with_capacity(2 * size), Vec::new());
    let mut state = read_chunk(&mut lines, size, &mut chunk, &mut carry);
    // The line number of `chunk`'s first line, and the leaves of the chunk before, not yet added.
    let mut first = 1u64;
    let mut pending: Option<(Vec<Hashed>, u64)> = None;
    loop {
        let more = matches!(state, Ok(false));
        let (stopped, next) = std::thread::scope(|scope| {
            let workers: Vec<_> =
                split_lines(&chunk, threads).into_iter().map(|part| scope.spawn(move || hash_part(part))).collect();
            let next = more.then(|| read_chunk(&mut lines, size, &mut ahead, &mut carry));
            let stopped = pending.take().is_some_and(|(hashed, from)| !tally.absorb(hashed, from));
            let hashed: Vec<Hashed> = workers.into_iter().map(|w| w.join().expect("hashing does not panic")).collect();
            let count: u64 = hashed.iter().map(|(_, n)| n).sum();
            pending = Some((hashed, first));
            first += count;
            (stopped, next)
        });
        if stopped {
            return tally.verdict;
        }
        match next {
            Some(next) => {
                std::mem::swap(&mut chunk, &mut ahead);
                state = next;
            }
            None => break,
        }
    }
    if let Some((hashed, from)) = pending.take()
        && !tally.absorb(hashed, from)
    {
        return tally.verdict;
    }
    if let Err(e) = state {
        tally.verdict.problems.push(format!("line {first} does not read: {e}"));
        return tally.verdict;
    }
    let Tally { frontier, mut verdict, wanted, compared } = tally;
    for c in &wanted[compared..] {
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
