//! Tidy checks over this crate's source: every webhook message type it sends is documented.
//!
//! The drift step 9 found (`threat_to_life.escalated` sent for the event
//! `escalation.threat_to_life`, undocumented names) is caught here rather than by a reader.

use std::path::Path;

/// The message types passed as string literals to `enqueue(...)` in `dir`, with their file.
fn enqueued_types(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            enqueued_types(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tidy.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("enqueue(") {
            // The call's arguments up to the end of its statement; the type is its first literal.
            let call = &text[at..];
            let call = &call[..call.find(';').unwrap_or(call.len())];
            let Some(open) = call.find('"') else { continue };
            let rest = &call[open + 1..];
            let name = &rest[..rest.find('"').unwrap_or(0)];
            if name.contains('.') && !name.contains(' ') {
                out.push((name.to_owned(), path.display().to_string()));
            }
        }
    }
}

#[test]
fn every_webhook_type_sent_or_declared_is_documented() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/");
    let api = std::fs::read_to_string(format!("{root}../../docs/api.md")).unwrap();
    let mut types = Vec::new();
    enqueued_types(Path::new(&format!("{root}src")), &mut types);
    assert!(types.len() > 20, "the scan finds the enqueue calls: {types:?}");
    for kind in vigie_model::event::EventKind::ALL {
        if let Some(w) = kind.spec().webhook {
            types.push((w.to_owned(), format!("the kind {}", kind.as_str())));
        }
    }
    let missing: Vec<_> = types.iter().filter(|(name, _)| !api.contains(&format!("`{name}`"))).collect();
    assert!(missing.is_empty(), "webhook types not documented in docs/api.md: {missing:?}");
}
