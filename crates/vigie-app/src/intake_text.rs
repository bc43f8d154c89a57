//! The text of reported content, checked at intake. A notice, referral or order may give each
//! content location the text it carries (a post, a caption, a statement). Once the report is
//! folded, each such text is looked up, normalised by `vigie-text`, in the text banks
//! (`raw_text`, `text_tlsh`) of the platform its case went to (a parked case, with no platform
//! yet, is not checked). A match is recorded on the case (the bank entry, the similarity, the
//! passages of the text that repeat the banked one, the text kept as a sealed personal value),
//! logged as `case.text_matched`, and raises the case's priority within its tier (the platform
//! hears the raised priority as `case.updated`). It is for review only: it never opens a decision
//! or any automatic action (news reports quote).
//!
//! URL banks are not consulted here: a report's URL is the case's key, and banked URLs are
//! matched where content is published (`POST /api/v1/uploads/check`'s `links`).

use serde_json::json;
use vigie_model::bank::{BankKind, SignalType};
use vigie_model::event::{Word, kinds as k};
use vigie_model::signal::{PriorityInputs, priority};
use vigie_model::*;
use vigie_store::*;

use crate::banks::{Query, Scope};
use crate::outbox::{CaseChange, CaseMessage, enqueue};
use crate::{App, AppError, AppResult, Events, keep_personal};

/// Looks up the text of each location (`texts`, in the signal's order) in the text banks of the
/// platform its case went to (`cases`, as folding answered), and records the matches.
pub(crate) fn check_texts(
    app: &App,
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    signal: &SignalId,
    texts: &[Option<String>],
    cases: &[(CaseId, Option<OrgId>)],
    retain: Timestamp,
) -> AppResult<()> {
    for (location, (text, (case_id, platform))) in texts.iter().zip(cases).enumerate() {
        let (Some(text), Some(platform)) = (text.as_deref(), platform.as_ref()) else { continue };
        let query = Query { text: Some(text.to_owned()), ..Default::default() };
        let scope = Scope { org: platform, only: None, coin: None, include_disabled: false };
        let hits: Vec<_> = app
            .matcher()
            .lookup(&query, &scope, ev.now)
            .into_iter()
            .filter(|h| h.signal_type.is_text() && h.bank.spec.kind == BankKind::Block)
            .collect();
        if hits.is_empty() {
            continue;
        }
        let location = u32::try_from(location).expect("at most MAX_LOCATIONS");
        let (text_ref, _) = keep_personal(tx, ev.now, "intake.text", text, retain)?;
        let mut case = tx.get_case(case_id)?.ok_or(AppError::Internal("a case just folded is missing"))?;
        let before = case.priority;
        case.priority = priority(PriorityInputs {
            tier: case.tier,
            threat_to_life: case.threat_to_life,
            accountable_sources: case.accountable_sources,
            anonymous_signals: case.anonymous_signals,
            text_match: true,
        });
        tx.update_case(&case)?;
        // The platform heard of the case (or of this report on it) with its priority before the
        // match: it hears the raised one too, unless the case is held from it.
        if case.priority != before && tx.active_hold(&case.id)?.is_none() {
            enqueue(tx, ev.now, platform, &CaseMessage::new(CaseChange::Updated, &case), Some(&case.id), false)?;
        }
        for h in hits {
            let passages = match h.signal_type {
                SignalType::RawText => match tx.get_entry(h.entry)? {
                    Some(e) => vigie_text::passages(text, &e.value).into_iter().map(|r| [r.start, r.end]).collect(),
                    None => Vec::new(),
                },
                _ => Vec::new(),
            };
            tx.insert_text_hit(&TextHitRecord {
                case: case.id.clone(),
                signal: signal.clone(),
                location,
                bank: h.bank.id.clone(),
                entry: h.entry,
                signal_type: h.signal_type.as_str().to_owned(),
                similarity: h.similarity,
                distance: h.distance,
                text_ref: text_ref.clone(),
                passages: json!(passages).to_string(),
                created_at: ev.now,
            })?;
            let facts = k::CaseTextMatched {
                signal: signal.clone(),
                location,
                bank: h.bank.id.clone(),
                entry: h.entry,
                signal_type: Word::new(h.signal_type.as_str()),
                distance: h.distance,
                priority: case.priority,
            };
            ev.emit(tx, case.id.as_str(), facts)?;
        }
    }
    Ok(())
}
