//! Working a shift: "Start reviewing" takes the next case and claims it; a decision may be undone
//! by its decider for a short while; a case is skipped, released, handed over or escalated with a
//! note; internal notes on a case are kept for the next shift.
//!
//! - The next case is the first of the queue (nearest deadline, then priority) that nobody else
//!   holds and the reviewer did not skip within [`SKIP_FOR`]; taking it is a claim.
//! - The undo is the decider's alone, within [`UNDO_WINDOW`] of the decision, and never under a
//!   removal order in force (only the order's redress lifts its removal). It is its own event
//!   (`decision.undone`, also sent as a webhook to the platform and to the organisations that
//!   reported the case and were told the outcome); a restriction is reversed by the reinstatement
//!   path (`content.reinstated`, cause `undo`), and its statement of reasons, if not yet sent to
//!   the Transparency Database, is withdrawn (`skipped`). The case waits for a decision again,
//!   claimed by its decider.
//! - A hand-over goes to an active moderator of the same platform; an escalation to an active
//!   senior reviewer (`senior`, held with `moderator`). The escalation stands beyond the claim's
//!   lease, in the senior's "escalated to me" ([`QueueFilter::escalated`]), until the case is
//!   decided, handed over, escalated to someone else, or left by the senior (skipped, released).
//! - Internal notes are free text: they stay in `case_notes` (read by the platform's moderators
//!   only, erased with the case's other texts), and events carry only their ids.

use vigie_model::case::CaseState;
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{OrgKind, Role};
use vigie_model::review::{NoteReason, SKIP_FOR, UNDO_WINDOW, undo_open};
use vigie_model::signal::SignalKind;
use vigie_model::validation::Checker;
use vigie_model::{CaseId, Conflict, NoteId, Principal, Timestamp, UserId};
use vigie_store::{ClaimRecord, DecisionRecord, EscalationRecord, NoteRecord, Tx, UserRecord};

use crate::auth::require;
use crate::cases::{decidable_case, own_case, parse_case_id};
use crate::outbox::enqueue;
use crate::outbox::messages::DecisionUndone;
use crate::reviewing::{LEASE, QueueFilter, claimed_by_another};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes};

/// The longest internal note, in characters.
pub const NOTE_MAX: usize = 5_000;

/// How a reviewer leaves a case they are not deciding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Leave {
    /// Not now: others may take it, and "Start reviewing" passes over it for [`SKIP_FOR`].
    Skip,
    /// Give the claim back.
    Release,
    /// Give the case, with the claim, to a named colleague.
    HandOver(UserId),
    /// Give the case, with the claim, to a named senior colleague, marked as an escalation.
    Escalate(UserId),
}

impl Leave {
    fn reason(&self) -> NoteReason {
        match self {
            Leave::Skip => NoteReason::Skip,
            Leave::Release => NoteReason::Release,
            Leave::HandOver(_) => NoteReason::HandOver,
            Leave::Escalate(_) => NoteReason::Escalation,
        }
    }
}

fn moderator(p: &Principal, what: &'static str) -> AppResult<()> {
    require(p, &[OrgKind::Platform], Role::Moderator, what)
}

/// Whether `u` may receive a case of the platform `org` passed on by another: an active moderator
/// of it for a hand-over, who is also a senior reviewer for an escalation.
fn receives(u: &UserRecord, org: &vigie_model::OrgId, escalation: bool) -> bool {
    u.org == *org
        && u.deactivated_at.is_none()
        && u.roles.contains(&Role::Moderator)
        && (!escalation || u.roles.contains(&Role::Senior))
}

/// The colleagues a case may be passed on to, by name: moderators for a hand-over, senior
/// reviewers for an escalation (the caller left out of both).
#[derive(Clone, Debug, Default)]
pub struct PassOnTargets {
    pub moderators: Vec<(UserId, String)>,
    pub seniors: Vec<(UserId, String)>,
}

/// Writes a note in the caller's transaction and records its id (never its text) in the log.
fn write_note(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    p: &Principal,
    case: &CaseId,
    reason: NoteReason,
    body: &str,
) -> AppResult<NoteId> {
    let id = NoteId::from_random(id_bytes(ev.now));
    tx.insert_note(&NoteRecord {
        id: id.clone(),
        case: case.clone(),
        org: p.org.clone(),
        author: p.user.clone(),
        reason,
        body: Some(body.trim().to_owned()),
        created_at: ev.now,
    })?;
    ev.emit(tx, case.as_str(), k::CaseNoteAdded { note: id.clone(), reason: Word::from(reason.as_str()) })?;
    Ok(id)
}

/// A note's text, checked: required when `required`, never longer than [`NOTE_MAX`].
fn check_note(note: Option<&str>, required: bool) -> AppResult<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let mut c = Checker::new();
    if required {
        c.text(note, "note", NOTE_MAX);
    } else {
        c.optional_text(note, "note", NOTE_MAX);
    }
    c.finish()?;
    Ok(note.map(str::to_owned))
}

impl App {
    /// "Start reviewing": the first case of the queue (nearest deadline, then priority) that
    /// nobody else holds and that the caller did not skip within [`SKIP_FOR`], claimed for the
    /// caller. `None` when nothing waits.
    pub async fn next_case(&self, p: &Principal) -> AppResult<Option<ClaimRecord>> {
        moderator(p, "only a platform's moderators review cases")?;
        let filter = QueueFilter { unclaimed: true, ..QueueFilter::default() };
        let items = self.queue(p, &filter).await?;
        let since = self.now().minus(SKIP_FOR);
        let user = p.user.clone();
        let skipped = self.store().read(move |r| r.skipped_since(&user, since)).await?;
        for item in items.iter().filter(|i| !skipped.contains(&i.case.id)) {
            match self.claim_case(p, item.case.id.as_str()).await {
                Ok(claim) => return Ok(Some(claim)),
                // Taken or decided meanwhile: the next one.
                Err(AppError::Conflict { code: Conflict::ClaimedByAnother | Conflict::AlreadyDecided, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Leaves a case without deciding it (skip, release, hand over, escalate), with an optional
    /// note (required to hand over or escalate: the colleague needs to know why). The caller must
    /// not be kept out by another person's live claim; a colleague who receives the case must be
    /// an active moderator of the same platform, and a senior reviewer for an escalation (a field
    /// error on `to` otherwise).
    pub async fn leave_case(&self, p: &Principal, id: &str, how: Leave, note: Option<&str>) -> AppResult<()> {
        moderator(p, "only a platform's moderators hand cases on")?;
        let case_id = parse_case_id(id)?;
        let required = matches!(how, Leave::HandOver(_) | Leave::Escalate(_));
        let note = check_note(note, required)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let case = decidable_case(tx, &principal, &case_id)?;
                let now = clock.now();
                let held = tx.claim(&case.id)?.filter(|c| c.lease_until > now);
                if let Some(h) = &held
                    && h.user != principal.user
                {
                    return Err(claimed_by_another(h));
                }
                let to = match &how {
                    Leave::HandOver(to) | Leave::Escalate(to) => {
                        let escalation = matches!(how, Leave::Escalate(_));
                        let colleague = tx.get_user(to)?.filter(|u| receives(u, &principal.org, escalation));
                        if colleague.is_none() || *to == principal.user {
                            let (code, message) = if escalation {
                                ("not_a_senior", "choose another senior reviewer of your organisation")
                            } else {
                                ("not_a_colleague", "choose another moderator of your organisation")
                            };
                            return Err(vigie_model::Invalid::one("to", code, message).into());
                        }
                        Some(to.clone())
                    }
                    _ => None,
                };
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let note_id = match &note {
                    Some(text) => Some(write_note(tx, &ev, &principal, &case.id, how.reason(), text)?),
                    None => None,
                };
                let held_seconds = held.as_ref().map_or(0, |h| now.since(h.claimed_at).as_micros() / 1_000_000);
                match (&how, to) {
                    (Leave::HandOver(_) | Leave::Escalate(_), Some(to)) => {
                        let rec = ClaimRecord {
                            case: case.id.clone(),
                            user: to.clone(),
                            claimed_at: now,
                            lease_until: now.plus(LEASE),
                        };
                        tx.put_claim(&rec)?;
                        let escalated = matches!(how, Leave::Escalate(_));
                        if escalated {
                            tx.put_escalation(&EscalationRecord {
                                case: case.id.clone(),
                                org: principal.org.clone(),
                                to: to.clone(),
                                by: principal.user.clone(),
                                at: now,
                                note: note_id.clone(),
                            })?;
                        } else {
                            // Handed over: whoever it was escalated to no longer has it.
                            tx.end_escalation(&case.id)?;
                        }
                        let data = k::CaseHandedOver {
                            to,
                            escalated,
                            held_seconds,
                            lease_until: rec.lease_until,
                            note: note_id,
                        };
                        ev.emit(tx, case.id.as_str(), data)?;
                    }
                    _ => {
                        // The senior it was escalated to gives it back (released or skipped).
                        if tx.escalation(&case.id)?.is_some_and(|e| e.to == principal.user) {
                            tx.end_escalation(&case.id)?;
                        }
                        if held.is_some() {
                            tx.delete_claim(&case.id)?;
                            let data = k::CaseReleased { held_seconds, holder: None, cause: None };
                            ev.emit(tx, case.id.as_str(), data)?;
                        }
                        if how == Leave::Skip {
                            tx.put_skip(&case.id, &principal.user, now)?;
                            ev.emit(tx, case.id.as_str(), k::CaseSkipped { note: note_id })?;
                        }
                    }
                }
                Ok(())
            })
            .await
    }

    /// Who the caller may pass a case on to ([`PassOnTargets`]), by name; a person whose name was
    /// erased is left out.
    pub async fn pass_on_targets(&self, p: &Principal) -> AppResult<PassOnTargets> {
        moderator(p, "only a platform's moderators hand cases on")?;
        let principal = p.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = PassOnTargets::default();
                for u in r.users_of(&principal.org)? {
                    if u.id == principal.user || !receives(&u, &principal.org, false) {
                        continue;
                    }
                    let Some(name) = r.personal_value(&u.name_ref)?.filter(|n| !n.is_empty()) else { continue };
                    if receives(&u, &principal.org, true) {
                        out.seniors.push((u.id.clone(), name.clone()));
                    }
                    out.moderators.push((u.id, name));
                }
                Ok(out)
            })
            .await?)
    }

    /// Writes an internal note on a case, for the next shift.
    pub async fn add_case_note(&self, p: &Principal, id: &str, body: Option<&str>) -> AppResult<NoteRecord> {
        moderator(p, "only a platform's moderators write notes on its cases")?;
        let case_id = parse_case_id(id)?;
        let body = check_note(body, true)?.expect("required");
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let case = own_case(tx, &principal, &case_id)?;
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let id = write_note(tx, &ev, &principal, &case.id, NoteReason::Note, &body)?;
                Ok(tx.case_notes(&case.id)?.into_iter().find(|n| n.id == id).expect("just written"))
            })
            .await
    }

    /// The internal notes on a case, oldest first: for the moderators of the case's platform only.
    pub async fn case_notes(&self, p: &Principal, id: &str) -> AppResult<Vec<NoteRecord>> {
        moderator(p, "only a platform's moderators read notes on its cases")?;
        let case_id = parse_case_id(id)?;
        let principal = p.clone();
        self.read_app(move |r| {
            let case = own_case(r, &principal, &case_id)?;
            Ok(r.case_notes(&case.id)?)
        })
        .await
    }

    /// Undoes a decision: only the person who took it, within [`UNDO_WINDOW`], and not under a
    /// removal order in force. The decision is reversed (a restriction through the reinstatement
    /// path, cause `undo`), the case waits for a decision again with its decider's claim, and
    /// `decision.undone` is recorded and sent.
    pub async fn undo_decision(&self, p: &Principal, id: &str) -> AppResult<DecisionRecord> {
        moderator(p, "only a platform's moderators undo decisions")?;
        let case_id = parse_case_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let rec = self
            .store()
            .write(move |tx| {
                let mut case = own_case(tx, &principal, &case_id)?;
                let d = tx
                    .case_decision(&case.id)?
                    .filter(|d| case.state == CaseState::Decided && d.reversed_at.is_none())
                    .ok_or_else(|| AppError::conflict(Conflict::NotDecided, "the case has no decision to undo"))?;
                if d.decided_by != principal.user {
                    return Err(AppError::conflict(
                        Conflict::NotTheDecider,
                        "only the person who took the decision may undo it",
                    ));
                }
                let now = clock.now();
                if !undo_open(d.decided_at, now) {
                    return Err(AppError::conflict(
                        Conflict::UndoWindowClosed,
                        format!(
                            "a decision may be undone for {} s after it was taken; change it through a complaint or a reinstatement",
                            UNDO_WINDOW.as_secs()
                        ),
                    ));
                }
                if crate::dueprocess::order_in_force(&tx.case_orders(&case.id)?) {
                    return Err(AppError::conflict(
                        Conflict::OrderInForce,
                        "a decision under a removal order in force is not undone: only the order's redress lifts it",
                    ));
                }
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                if d.action.is_restrictive() {
                    crate::dueprocess::reinstate(tx, &ev, &d, ("undo", d.id.as_str()), None)?;
                    // A statement not yet sent to the Transparency Database is not sent: the
                    // decision it states no longer stands. (One already sent stays, as for any
                    // reversal.)
                    if let Some(mut sor) = tx.sor_submission(&d.id)?.filter(|s| s.state == vigie_model::sor::SubmissionState::Pending) {
                        sor.state = vigie_model::sor::SubmissionState::Skipped;
                        sor.last_error = Some("withdrawn: the decision was undone by its decider".into());
                        tx.put_sor(&sor)?;
                    }
                } else {
                    tx.reverse_decision(&d.id, now, d.id.as_str())?;
                }
                case.state = CaseState::Acknowledged;
                case.decided_at = None;
                case.updated_at = now;
                tx.update_case(&case)?;
                tx.put_claim(&ClaimRecord {
                    case: case.id.clone(),
                    user: principal.user.clone(),
                    claimed_at: now,
                    lease_until: now.plus(LEASE),
                })?;
                let after_seconds = now.since(d.decided_at).as_micros() / 1_000_000;
                let data =
                    k::DecisionUndone { decision: d.id.clone(), action: Word::from(d.action.as_str()), after_seconds };
                ev.emit(tx, case.id.as_str(), data)?;
                announce_undo(tx, now, &case, &d)?;
                Ok(tx.get_decision(&d.id)?.unwrap_or(d))
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }
}

/// Tells the platform, and the organisations that reported the case and were told its outcome,
/// that the decision was undone.
fn announce_undo(
    tx: &mut dyn Tx,
    now: Timestamp,
    case: &vigie_store::CaseRecord,
    d: &DecisionRecord,
) -> Result<(), vigie_store::StoreError> {
    let message = DecisionUndone {
        case: case.id.clone(),
        decision: d.id.clone(),
        action: d.action,
        decided_at: d.decided_at,
        undone_at: now,
    };
    enqueue(tx, now, &d.org, &message, Some(&case.id), false)?;
    if crate::dueprocess::outcome_hidden(tx, case, now)? {
        return Ok(());
    }
    let mut told = Vec::new();
    for s in tx.case_signals(&case.id)? {
        if !matches!(s.kind, SignalKind::Notice | SignalKind::Referral) {
            continue;
        }
        if let Some(org) = s.submitter_org
            && org != d.org
            && !told.contains(&org)
        {
            enqueue(tx, now, &org, &message, None, false)?;
            told.push(org);
        }
    }
    Ok(())
}
