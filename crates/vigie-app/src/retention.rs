//! Storage limitation (GDPR arts. 5(1)(c), (e) and 17): the records tied to a case are kept while
//! its due process may need them, then for a set time, then erased, store by store.
//!
//! A case **closes** once it is decided, nothing about it is pending (a hold, an open complaint, a
//! pending scrutiny or court challenge, a notice an embargo withholds), and every complaint
//! window has run out (six months from when each complainant was informed; an uploader never
//! informed counts from the notice's issue). From then on:
//!
//! | Store | What is erased | Kept after the case closed |
//! |---|---|---|
//! | cases, and the locations of the reports on them | URL, host, content and account ids; the report's locations once every case it named is erased; the sealed key's value | [`RecordRetention::cases`] |
//! | decisions, complaint reviews | explanations, purpose rationales, descriptions of restrictions, reviewers' reasons | [`RecordRetention::decision_texts`] |
//! | notices to uploaders | their bodies (the link's hash stays, so the link answers that the notice is erased) | [`RecordRetention::notice_bodies`] |
//!
//! The scheduler looks at a case when it is decided, and again when its next record is due; a new
//! decision starts it over. Each erasure is an event (`personal_data.erased`, with the case and
//! the store); events themselves hold only ids, enumerations and sealed values, so the chain
//! verifies as before.

use vigie_model::event::{Word, kinds as k};
use vigie_model::redress::{CaseActivity, closed_at};
use vigie_model::signal::SignalKind;
use vigie_model::*;
use vigie_store::*;

use crate::{AppResult, Events};

/// How long each store's records are kept once their case closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRetention {
    pub cases: Duration,
    pub decision_texts: Duration,
    pub notice_bodies: Duration,
}

impl RecordRetention {
    /// The same number of days for every store.
    pub fn days(days: i64) -> Self {
        let d = Duration::from_days(days);
        RecordRetention { cases: d, decision_texts: d, notice_bodies: d }
    }
}

/// A blocked case (something pending) is looked at again this much later.
const RECHECK: Duration = Duration::from_days(1);

/// What the case's due process still owes.
fn activity(tx: &dyn Reads, case: &CaseRecord) -> Result<CaseActivity, StoreError> {
    let mut a = CaseActivity::default();
    let decision = tx.case_decision(&case.id)?;
    a.decided = decision.is_some();
    let mut last = vec![case.updated_at];
    if let Some(d) = &decision {
        last.push(d.decided_at);
        last.extend(d.reversed_at);
        for s in tx.case_signals(&case.id)? {
            if s.kind == SignalKind::Notice
                && let Some(told) = tx.notifier_informed(&s.id, &d.id)?
            {
                a.windows_from.push(told);
            }
        }
    }
    a.pending |= tx.active_hold(&case.id)?.is_some();
    for c in tx.complaints_of_case(&case.id)? {
        a.pending |= c.state == vigie_model::redress::ComplaintState::Open;
        last.extend(c.reviewed_at);
    }
    for o in tx.case_orders(&case.id)? {
        last.extend(o.ended_at);
        for s in tx.scrutinies_of_order(&o.id)? {
            a.pending |= s.state == vigie_model::redress::ScrutinyState::Pending;
            last.extend(s.decided_at);
        }
        for ch in tx.challenges_of_order(&o.id)? {
            a.pending |= ch.state == vigie_model::redress::ChallengeState::Pending;
            last.extend(ch.outcome_recorded_at);
        }
    }
    for n in tx.uploader_notices_of_case(&case.id)? {
        match n.issued_at {
            None => a.pending = true,
            Some(issued) => a.windows_from.push(n.informed_at.unwrap_or(issued)),
        }
    }
    a.last = last.into_iter().max();
    Ok(a)
}

/// The scheduler's pass: the cases due to be looked at, their records erased when due.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>, keep: &RecordRetention) -> AppResult<usize> {
    let now = ev.now;
    let mut done = 0;
    for mut row in tx.due_case_retention(now, 128)? {
        let Some(case) = tx.get_case(&row.case)? else {
            row.check_at = None;
            tx.put_case_retention(&row)?;
            continue;
        };
        let Some(closed) = closed_at(&activity(tx, &case)?) else {
            row.check_at = Some(now.plus(RECHECK));
            tx.put_case_retention(&row)?;
            continue;
        };
        let mut next: Option<Timestamp> = None;
        let mut due = |erased: Option<Timestamp>, keep: Duration| -> bool {
            if erased.is_some() {
                return false;
            }
            let at = closed.plus(keep);
            if at <= now {
                return true;
            }
            next = Some(next.map_or(at, |n| n.min(at)));
            false
        };
        let ids = due(row.identifiers_erased_at, keep.cases);
        let texts = due(row.texts_erased_at, keep.decision_texts);
        let notices = due(row.notices_erased_at, keep.notice_bodies);
        if ids {
            tx.erase_case_identifiers(&case.id)?;
            let mut refs = Vec::new();
            if let Some(key) = &row.key_ref {
                tx.erase_personal(key, now)?;
                refs.push(key.as_str().to_owned());
            }
            row.identifiers_erased_at = Some(now);
            erased(tx, ev, &case.id, "cases", &refs)?;
        }
        if texts {
            tx.erase_decision_texts(&case.id)?;
            row.texts_erased_at = Some(now);
            erased(tx, ev, &case.id, "decision_texts", &[])?;
        }
        if notices {
            tx.erase_notice_bodies(&case.id)?;
            row.notices_erased_at = Some(now);
            erased(tx, ev, &case.id, "uploader_notices", &[])?;
        }
        done += usize::from(ids) + usize::from(texts) + usize::from(notices);
        row.check_at = next;
        tx.put_case_retention(&row)?;
    }
    Ok(done)
}

fn erased(tx: &mut dyn Tx, ev: &Events<'_>, case: &CaseId, store: &str, refs: &[String]) -> Result<(), StoreError> {
    let refs = refs.iter().map(Word::new).collect();
    ev.emit(tx, case.as_str(), k::PersonalDataErased { store: Some(Word::from(store)), refs })?;
    Ok(())
}
