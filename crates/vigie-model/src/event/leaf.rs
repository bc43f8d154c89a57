//! One canonical encoding of an event, and a leaf hash that commits to each field separately.
//!
//! Step 12 puts these leaves in a Merkle tree under signed checkpoints. An export cut for one
//! audience must still verify against them, though it omits fields: so each field is committed on
//! its own, `SHA-256("vigie-field-v1" ‖ salt ‖ name ‖ canonical value)`, and the leaf hashes the
//! always-shown header (sequence, id, kind, version, time) with every field's commitment. A cut
//! ([`Disclosure`]) carries the disclosed fields with their salts and the commitments of the
//! withheld ones, from which anyone recomputes the leaf hash.
//!
//! The salts keep a withheld field secret even when it has few possible values (a flag, an
//! outcome): without its salt, its commitment cannot be matched by trying each value. Each event
//! has one random seed, kept apart from the log like a sealed value's salt; a field's salt is
//! derived from the seed and the field's name, so disclosing one field's salt tells nothing of
//! another's.
//!
//! Every length is written before its bytes (8 bytes, big-endian), so no field bleeds into the
//! next.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{ChainedEvent, Event};

/// The canonical text of a JSON value: object keys sorted by their UTF-8 bytes, no white space,
/// strings and numbers as serde_json writes them.
pub fn canonical(v: &Value) -> String {
    let mut out = Vec::new();
    write_canonical(&mut out, v);
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// Writes the canonical text of `v` ([`canonical`]) at the end of `out`, with no allocation of
/// its own beyond `out`'s growth: the log's writer does this for every field of every event.
pub fn write_canonical(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k).expect("a string writes to memory");
                out.push(b':');
                write_canonical(out, v);
            }
            out.push(b'}');
        }
        Value::Array(a) => {
            out.push(b'[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, v);
            }
            out.push(b']');
        }
        other => serde_json::to_writer(&mut *out, other).expect("a scalar writes to memory"),
    }
}

fn framed(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// A field's salt, derived from its event's seed.
pub fn field_salt(seed: &[u8; 32], name: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"vigie-salt-v1");
    framed(&mut h, seed);
    framed(&mut h, name.as_bytes());
    h.finalize().into()
}

/// The commitment to one field's value.
pub fn commit(salt: &[u8; 32], name: &str, value: &Value) -> [u8; 32] {
    commit_canonical(salt, name, canonical(value).as_bytes())
}

/// The commitment to one field whose value is given by its canonical text (what [`canonical`]
/// writes): an offline verifier hashes a value it has checked is canonical without rebuilding it.
pub fn commit_canonical(salt: &[u8; 32], name: &str, canonical_value: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"vigie-field-v1");
    framed(&mut h, salt);
    framed(&mut h, name.as_bytes());
    framed(&mut h, canonical_value);
    h.finalize().into()
}

/// What every cut shows: where the event is in the log, what kind it is, when it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub version: u32,
    pub at_micros: i64,
}

/// The fields of an event, by name: `_actor`, `_org` and `_subject` (the envelope, which the
/// public does not always see), then the data's fields as the current version has them.
pub fn fields_of(e: &ChainedEvent, event: &Event) -> BTreeMap<String, Value> {
    let mut fields = BTreeMap::new();
    fields.insert("_actor".to_owned(), e.actor.clone().map_or(Value::Null, Value::String));
    fields.insert("_org".to_owned(), e.org.clone().map_or(Value::Null, Value::String));
    fields.insert("_subject".to_owned(), Value::String(e.subject.clone()));
    if let Value::Object(data) = event.data_value() {
        fields.extend(data);
    }
    fields
}

/// An event with its fields and its seed: what the log's owner holds.
#[derive(Clone, Debug)]
pub struct Leaf {
    pub header: Header,
    fields: BTreeMap<String, Value>,
    seed: [u8; 32],
}

/// An event cut for an audience: the disclosed fields with their salts, the commitments of the
/// others. It verifies against the leaf hash without the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    pub header: Header,
    /// Field → (value, salt).
    pub disclosed: BTreeMap<String, (Value, [u8; 32])>,
    /// Field → commitment.
    pub withheld: BTreeMap<String, [u8; 32]>,
}

impl Leaf {
    /// The leaf of a stored event, read as its typed kind, with the event's seed.
    pub fn of(e: &ChainedEvent, event: &Event, seed: [u8; 32]) -> Self {
        let header = Header {
            seq: e.seq,
            id: e.id.clone(),
            kind: event.kind().as_str().to_owned(),
            version: event.version(),
            at_micros: e.at.as_micros(),
        };
        Leaf { header, fields: fields_of(e, event), seed }
    }

    /// The leaf hash, committing to every field separately.
    pub fn hash(&self) -> [u8; 32] {
        let h = &self.header;
        let fields = self.fields.iter().map(|(name, value)| (name.as_str(), value));
        hash_fields(h.seq, &h.id, &h.kind, h.version, h.at_micros, &self.seed, fields)
    }

    /// The leaf hash of a stored event with its seed: `Leaf::of(e, event, seed).hash()`, without
    /// building the leaf (no copy of the fields and their names). The log's writer computes this
    /// for every event it appends.
    pub fn hash_of(e: &ChainedEvent, event: &Event, seed: &[u8; 32]) -> [u8; 32] {
        let data = event.data_value();
        let actor = e.actor.as_deref().map_or(Value::Null, |a| Value::String(a.to_owned()));
        let org = e.org.as_deref().map_or(Value::Null, |o| Value::String(o.to_owned()));
        let subject = Value::String(e.subject.clone());
        // As `fields_of`: the envelope, then the data's fields (which win on a shared name).
        let mut fields: Vec<(&str, &Value)> = vec![("_actor", &actor), ("_org", &org), ("_subject", &subject)];
        if let Value::Object(m) = &data {
            for (name, value) in m {
                match fields[..3].iter_mut().find(|(n, _)| *n == name) {
                    Some(envelope) => envelope.1 = value,
                    None => fields.push((name, value)),
                }
            }
        }
        fields.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let kind = event.kind();
        hash_fields(e.seq, &e.id, kind.as_str(), event.version(), e.at.as_micros(), seed, fields.into_iter())
    }

    /// The cut that shows `shown` fields (and withholds the rest by their commitments).
    pub fn disclose(&self, shown: &[&str]) -> Disclosure {
        let mut disclosed = BTreeMap::new();
        let mut withheld = BTreeMap::new();
        for (k, v) in &self.fields {
            let salt = field_salt(&self.seed, k);
            if shown.contains(&k.as_str()) {
                disclosed.insert(k.clone(), (v.clone(), salt));
            } else {
                withheld.insert(k.clone(), commit(&salt, k, v));
            }
        }
        Disclosure { header: self.header.clone(), disclosed, withheld }
    }
}

impl Disclosure {
    /// The leaf hash the cut stands for: equal to the full leaf's when nothing was changed.
    pub fn hash(&self) -> [u8; 32] {
        let mut all = self.withheld.clone();
        for (k, (v, salt)) in &self.disclosed {
            all.insert(k.clone(), commit(salt, k, v));
        }
        leaf_hash(&self.header, &all)
    }
}

/// The leaf hash of a header and of `fields` in name order, each committed under its salt from
/// `seed`, with one buffer for the fields' canonical texts.
fn hash_fields<'a>(
    seq: i64,
    id: &str,
    kind: &str,
    version: u32,
    at_micros: i64,
    seed: &[u8; 32],
    fields: impl ExactSizeIterator<Item = (&'a str, &'a Value)>,
) -> [u8; 32] {
    let mut text = Vec::with_capacity(128);
    let mut committed: Vec<(&str, [u8; 32])> = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        text.clear();
        write_canonical(&mut text, value);
        committed.push((name, commit_canonical(&field_salt(seed, name), name, &text)));
    }
    leaf_hash_of(seq, id, kind, version, at_micros, committed.len(), committed.iter().map(|(n, c)| (*n, c)))
}

fn leaf_hash(header: &Header, commitments: &BTreeMap<String, [u8; 32]>) -> [u8; 32] {
    let fields = commitments.iter().map(|(name, c)| (name.as_str(), c));
    leaf_hash_of(header.seq, &header.id, &header.kind, header.version, header.at_micros, commitments.len(), fields)
}

/// The leaf hash of a header given by its parts and of `count` field commitments, which `fields`
/// must give in name order (byte order of the names, as a `BTreeMap<String, _>` iterates), each
/// name once: what [`Disclosure::hash`] computes, for a verifier that reads a cut without
/// building one.
pub fn leaf_hash_of<'a>(
    seq: i64,
    id: &str,
    kind: &str,
    version: u32,
    at_micros: i64,
    count: usize,
    fields: impl IntoIterator<Item = (&'a str, &'a [u8; 32])>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    let mut digits = [0u8; 24];
    h.update(b"vigie-leaf-v1");
    framed(&mut h, decimal(&mut digits, seq.into()));
    framed(&mut h, id.as_bytes());
    framed(&mut h, kind.as_bytes());
    framed(&mut h, decimal(&mut digits, version.into()));
    framed(&mut h, decimal(&mut digits, at_micros.into()));
    h.update((count as u64).to_be_bytes());
    // In name order: the canonical order of the fields.
    for (name, c) in fields {
        framed(&mut h, name.as_bytes());
        h.update(c);
    }
    h.finalize().into()
}

/// `n` in decimal as `to_string` writes it, in `buf`.
fn decimal(buf: &mut [u8; 24], n: i128) -> &[u8] {
    use std::io::Write;
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    write!(cursor, "{n}").expect("an i64 fits in 24 bytes");
    let len = usize::try_from(cursor.position()).expect("small");
    &buf[..len]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::kinds;
    use super::*;
    use crate::Timestamp;

    fn stored(event: &Event) -> ChainedEvent {
        ChainedEvent {
            seq: 7,
            id: format!("evt_{}", "1".repeat(32)),
            kind: event.kind().as_str().to_owned(),
            at: Timestamp::from_micros(1_700_000_000_000_000),
            clock: "system".into(),
            actor: Some(format!("usr_{}", "2".repeat(32))),
            org: Some(format!("org_{}", "3".repeat(32))),
            subject: format!("sig_{}", "4".repeat(32)),
            data: event.encode(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn ended() -> Event {
        kinds::OrderEnded {
            cause: "scrutiny_infringement".into(),
            scrutiny: None,
            court: None,
            reference: None,
            decided_on: Some("2026-11-21".into()),
            recorded_by: Some("issuing_authority".into()),
        }
        .into()
    }

    #[test]
    fn the_canonical_encoding_does_not_depend_on_key_order() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"d":[true,null],"c":"x"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{ "a": { "c": "x", "d": [true, null] }, "b": 1 }"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(canonical(&a), r#"{"a":{"c":"x","d":[true,null]},"b":1}"#);
    }

    #[test]
    fn a_public_cut_verifies_against_the_full_leaf() {
        let event = ended();
        let leaf = Leaf::of(&stored(&event), &event, [9; 32]);
        let public = leaf.disclose(event.kind().spec().public.unwrap());
        assert_eq!(public.disclosed.keys().collect::<Vec<_>>(), ["cause"]);
        assert!(public.withheld.contains_key("_actor") && public.withheld.contains_key("decided_on"));
        assert_eq!(public.hash(), leaf.hash());
        assert_eq!(leaf.disclose(&[]).hash(), leaf.hash());
        assert_eq!(leaf.disclose(&["_actor", "_org", "_subject", "cause", "decided_on"]).hash(), leaf.hash());
    }

    #[test]
    fn the_writers_leaf_hash_is_the_leafs_for_every_kind_of_field() {
        use kinds::*;
        let events: Vec<Event> = vec![
            ended(),
            OrderComplied { late: true, measure: None, items: 3, at_intake: false, via: Some("api".into()) }.into(),
            WatchlistEntriesAdded { added: 12 }.into(),
        ];
        for event in &events {
            for (actor, org) in [(Some("usr_a \"quoted\" é"), Some("org_b")), (None, None)] {
                let mut e = stored(event);
                e.actor = actor.map(str::to_owned);
                e.org = org.map(str::to_owned);
                for seed in [[0u8; 32], [0xA5; 32]] {
                    let leaf = Leaf::of(&e, event, seed);
                    assert_eq!(Leaf::hash_of(&e, event, &seed), leaf.hash(), "{}", event.kind().as_str());
                    assert_eq!(leaf.disclose(&["_org"]).hash(), leaf.hash());
                }
            }
        }
    }

    #[test]
    fn the_canonical_text_escapes_as_serde_json_and_nests() {
        let v = json!({"z": [1, -2.5, "a\"b\n\u{1}é"], "é": {"y": null, "x": false}, "A": {}});
        assert_eq!(canonical(&v), r#"{"A":{},"z":[1,-2.5,"a\"b\n\u0001é"],"é":{"x":false,"y":null}}"#);
    }

    #[test]
    fn a_changed_disclosed_value_or_header_no_longer_verifies() {
        let event = ended();
        let leaf = Leaf::of(&stored(&event), &event, [9; 32]);
        let mut cut = leaf.disclose(&["cause"]);
        cut.disclosed.get_mut("cause").unwrap().0 = json!("annulment");
        assert_ne!(cut.hash(), leaf.hash());
        let mut cut = leaf.disclose(&["cause"]);
        cut.header.seq += 1;
        assert_ne!(cut.hash(), leaf.hash());
        let mut cut = leaf.disclose(&["cause"]);
        cut.withheld.remove("decided_on");
        assert_ne!(cut.hash(), leaf.hash(), "a field cannot be dropped unseen");
    }

    #[test]
    fn a_withheld_flag_cannot_be_guessed_without_its_salt() {
        let late = |late: bool| -> Event {
            kinds::OrderComplied { late, measure: None, items: 1, at_intake: false, via: None }.into()
        };
        let (yes, no) = (late(true), late(false));
        let leaf = Leaf::of(&stored(&yes), &yes, [1; 32]);
        let withheld = leaf.disclose(&[]).withheld["late"];
        // Someone without the seed tries both values under a guessed salt: neither matches.
        for guess in [json!(true), json!(false)] {
            assert_ne!(commit(&[0; 32], "late", &guess), withheld);
        }
        // Salts differ per field and per event seed.
        assert_ne!(field_salt(&[1; 32], "late"), field_salt(&[1; 32], "items"));
        assert_ne!(field_salt(&[1; 32], "late"), field_salt(&[2; 32], "late"));
        assert_ne!(Leaf::of(&stored(&no), &no, [1; 32]).hash(), leaf.hash());
    }
}
