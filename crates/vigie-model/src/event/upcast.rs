//! Older shapes of stored events, brought to the current shape when read.
//!
//! The stored bytes never change (the chain hashes them); only their reading does. A value that
//! an older version kept in the clear and the current one seals cannot be sealed after the fact:
//! it reads as absent, so no typed view (the public's, an organisation's report) ever shows it.

use serde_json::{Map, Value, json};

use super::EventKind;

/// `data` of `kind`, stored in `version`, in the kind's current shape.
pub(super) fn to_current(kind: EventKind, version: u64, mut data: Value) -> Value {
    let Some(obj) = data.as_object_mut() else { return data };
    if version < 2 {
        match kind {
            // `{count}` for one entry, `{lines}` for a file: one name.
            EventKind::BankEntriesAdded => {
                if let Some(lines) = obj.remove("lines")
                    && !obj.contains_key("count")
                {
                    obj.insert("count".into(), lines);
                }
            }
            // `{"cause": {"cause": "annulment", "court": "...", ...}}` before the TCO half of step 8;
            // flat after it, with the court and the reference sealed.
            EventKind::OrderEnded => {
                if let Some(Value::Object(inner)) = obj.get("cause").cloned() {
                    obj.remove("cause");
                    for (k, v) in inner {
                        obj.entry(k).or_insert(v);
                    }
                }
                unsealed_reads_as_absent(obj, &["court", "reference"]);
            }
            EventKind::ContentReinstated => unsealed_reads_as_absent(obj, &["reasons"]),
            EventKind::BankCreated | EventKind::BankUpdated | EventKind::BankDeleted => {
                unsealed_reads_as_absent(obj, &["name", "labels"]);
            }
            EventKind::TrustedFlaggerStatusChanged => unsealed_reads_as_absent(obj, &["reference"]),
            EventKind::WatchlistCreated => {
                obj.remove("legal_basis_ref_sha256");
            }
            // Before step 8 the notifier was a plain hash of its key; it reads as absent.
            EventKind::NotifierWarned | EventKind::NotifierSuspended => {
                obj.remove("notifier_sha256");
            }
            _ => {}
        }
    }
    data
}

/// Drops the listed fields unless they hold a sealed value (`{"ref", "sealed"}`).
fn unsealed_reads_as_absent(obj: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        let sealed = obj.get(*k).and_then(Value::as_object).is_some_and(|o| o.contains_key("sealed"));
        if !sealed {
            obj.remove(*k);
        }
    }
}

/// How version 1 of a kind differed from its current shape: what its published schema for
/// version 1 allows beyond the current one. Every kind above version 1 has one (a test checks).
struct Former {
    /// Fields the current version seals that version 1 kept in the clear (text, or a list of words).
    clear: &'static [&'static str],
    /// (old name, current name): either may appear, neither is required.
    renamed: &'static [(&'static str, &'static str)],
    /// Fields version 1 had that the current version dropped (plain strings).
    dropped: &'static [&'static str],
    /// A field that version 1 nested as an object around the others.
    nested: Option<&'static str>,
}

fn former_v1(kind: EventKind) -> Option<Former> {
    let none: &[&str] = &[];
    let f = |clear, renamed, dropped, nested| Some(Former { clear, renamed, dropped, nested });
    match kind {
        EventKind::BankEntriesAdded => f(none, &[("lines", "count")], none, None),
        EventKind::OrderEnded => f(&["court", "reference"], &[], none, Some("cause")),
        EventKind::ContentReinstated => f(&["reasons"], &[], none, None),
        EventKind::BankCreated | EventKind::BankUpdated => f(&["name", "labels"], &[], none, None),
        EventKind::BankDeleted => f(&["name"], &[], none, None),
        EventKind::TrustedFlaggerStatusChanged => f(&["reference"], &[], none, None),
        EventKind::WatchlistCreated => f(none, &[], &["legal_basis_ref_sha256"], None),
        _ => None,
    }
}

/// The JSON Schema of `kind`'s data as `version` stored it, from the current version's `schema`;
/// `None` when that version is not described (only version 1 is, as no kind is above 2 yet).
pub(super) fn former_schema(kind: EventKind, version: u32, schema: &Value) -> Option<Value> {
    let former = if version == 1 { former_v1(kind)? } else { return None };
    let mut s = schema.clone();
    let props = s["properties"].as_object_mut().expect("an object's schema has properties");
    props.remove("v");
    let mut optional = vec!["v"];
    for name in former.clear {
        let clear = if *name == "labels" {
            json!({ "type": "array", "items": { "type": "string" } })
        } else {
            json!({ "type": "string" })
        };
        if let Some(now) = props.get_mut(*name) {
            *now = json!({ "anyOf": [now.take(), clear] });
        }
    }
    for (old, new) in former.renamed {
        if let Some(now) = props.get(*new).cloned() {
            props.insert((*old).to_owned(), now);
        }
        optional.push(new);
    }
    for name in former.dropped {
        props.insert((*name).to_owned(), json!({ "type": "string" }));
    }
    if let Some(name) = former.nested {
        // The others sat inside it, so none of them is required at the top.
        let now = props.get_mut(name).expect("the nested field is a current field");
        *now = json!({ "anyOf": [now.take(), { "type": "object" }] });
        s["required"] = json!([]);
    }
    if let Some(required) = s["required"].as_array_mut() {
        required.retain(|r| !optional.contains(&r.as_str().unwrap_or_default()));
    }
    Some(s)
}
