//! Older shapes of stored events, brought to the current shape when read.
//!
//! The stored bytes never change (the chain hashes them); only their reading does. A value that
//! an older version kept in the clear and the current one seals cannot be sealed after the fact:
//! it reads as absent, so no typed view (the public's, an organisation's report) ever shows it.

use serde_json::{Map, Value};

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
