//! Tidy checks over this crate's source: every webhook message type it sends is documented.
//!
//! The drift step 9 found (`threat_to_life.escalated` sent for the event
//! `escalation.threat_to_life`, undocumented names) is caught here rather than by a reader.

use crate::outbox::messages;

/// The rows of the message-type table in `docs/api.md` (`| \`type\` | version | ... |`), after
/// its heading.
fn documented_types(api: &str) -> Vec<(String, u32)> {
    let start = api.find("### Message types").expect("docs/api.md has a *Message types* section");
    let mut rows = Vec::new();
    for line in api[start..].lines().skip(1) {
        if line.starts_with('#') {
            break;
        }
        let cells: Vec<_> = line.split('|').map(str::trim).collect();
        if cells.len() < 3 {
            continue;
        }
        let (Some(name), Ok(version)) =
            (cells[1].strip_prefix('`').and_then(|c| c.strip_suffix('`')), cells[2].parse())
        else {
            continue;
        };
        rows.push((name.to_owned(), version));
    }
    rows
}

/// The differences between the types Vigie sends and the table: (undocumented, documented but
/// not sent or with another version).
fn drift(sent: &[(&str, u32)], documented: &[(String, u32)]) -> (Vec<String>, Vec<String>) {
    let undocumented = sent
        .iter()
        .filter(|(t, v)| !documented.iter().any(|(d, dv)| d == t && dv == v))
        .map(|(t, v)| format!("{t} v{v}"));
    let unknown = documented
        .iter()
        .filter(|(d, dv)| !sent.iter().any(|(t, v)| d == t && dv == v))
        .map(|(d, dv)| format!("{d} v{dv}"));
    (undocumented.collect(), unknown.collect())
}

#[test]
fn every_webhook_type_sent_or_declared_is_documented() {
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md")).unwrap();
    let sent = messages::all();
    assert!(sent.len() > 20, "the list holds every message type: {sent:?}");
    // Every event kind's announcing message is one of them.
    for kind in vigie_model::event::EventKind::ALL {
        if let Some(w) = kind.spec().webhook {
            assert!(sent.iter().any(|(t, _)| *t == w), "{w} (the kind {}) is not listed", kind.as_str());
        }
    }
    let documented = documented_types(&api);
    let (undocumented, unknown) = drift(&sent, &documented);
    assert!(undocumented.is_empty(), "webhook types not in docs/api.md's table: {undocumented:?}");
    assert!(unknown.is_empty(), "docs/api.md's table lists types Vigie does not send: {unknown:?}");
}

#[test]
fn the_check_fails_on_an_undocumented_or_stale_type() {
    let table = "### Message types\n\n| Type | Version | Sent |\n|---|---|---|\n| `case.opened` | 1 | x |\n| `order.ended` | 2 | x |\n\n## Next\n| `hold.ended` | 1 | x |\n";
    let documented = documented_types(table);
    assert_eq!(documented, [("case.opened".to_owned(), 1), ("order.ended".to_owned(), 2)]);
    let (undocumented, unknown) = drift(&[("case.opened", 1), ("order.ended", 1), ("hold.ended", 1)], &documented);
    assert_eq!(undocumented, ["order.ended v1", "hold.ended v1"]);
    assert_eq!(unknown, ["order.ended v2"]);
}
