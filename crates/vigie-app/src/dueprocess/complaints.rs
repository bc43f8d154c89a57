//! Complaints against a platform's own decisions (TCO art. 10, DSA art. 20): lodged by the
//! uploader through the notice's link or by a notifier through the receipt's tracking code,
//! answered within two weeks, reviewed by a person other than the first decider.

use vigie_model::Conflict;
use vigie_model::decision::{DecisionContext, RawDecision};
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{
    COMPLAINT_ANSWER, Complainant, ComplaintState, ReviewOutcome, check_reviewer, may_complain,
};
use vigie_model::signal::SignalKind;
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::{
    mark_informed, notice_by_token, notice_uploader, order_in_force, outcome_hidden, reinstate, route_of,
    tell_notifiers,
};
use crate::auth::{require, secret_hash};
use crate::outbox::enqueue;
use crate::outbox::messages::ComplaintReceived;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal, seal_text};

/// A complaint with the decision it contests, for the platform's reviewers.
#[derive(Clone, Debug)]
pub struct ComplaintView {
    pub complaint: ComplaintRecord,
    pub text: Option<String>,
    /// The decision complained about, shown beside the complaint.
    pub first_decision: DecisionRecord,
    pub case: CaseRecord,
}

/// A reviewer's answer.
#[derive(Clone, Debug, Default)]
pub struct ReviewInput {
    pub outcome: Option<String>,
    pub reasons: Option<String>,
    /// For a decision reversed on a notifier's complaint: the decision that replaces it.
    pub decision: Option<RawDecision>,
}

const MAX_COMPLAINT: usize = 20_000;

#[allow(clippy::too_many_arguments)]
fn lodge(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    retention: Duration,
    case: &CaseRecord,
    d: &DecisionRecord,
    who: Complainant,
    signal: Option<&SignalId>,
    text: &str,
) -> AppResult<ComplaintRecord> {
    if tx.complaints_of_case(&case.id)?.iter().any(|c| c.decision == d.id && c.state == ComplaintState::Open) {
        return Err(AppError::conflict(
            Conflict::ComplaintOpen,
            "a complaint about this decision is already being reviewed",
        ));
    }
    let (text_ref, sealed) = keep_personal(tx, ev.now, "complaint.text", text, ev.now.plus(retention))?;
    let rec = ComplaintRecord {
        id: ComplaintId::from_random(id_bytes(ev.now)),
        case: case.id.clone(),
        decision: d.id.clone(),
        platform: d.org.clone(),
        complainant: who,
        signal: signal.cloned(),
        text_ref: Some(text_ref),
        received_at: ev.now,
        due_at: ev.now.plus(COMPLAINT_ANSWER),
        state: ComplaintState::Open,
        overdue_at: None,
        reviewed_by: None,
        reviewed_at: None,
        reasons: None,
        new_decision: None,
    };
    tx.insert_complaint(&rec)?;
    let received = k::ComplaintReceived {
        case: case.id.clone(),
        decision: d.id.clone(),
        complainant: Word::new(rec.complainant.as_str()),
        due_at: rec.due_at,
        text: sealed,
    };
    ev.emit(tx, rec.id.as_str(), received)?;
    enqueue(
        tx,
        ev.now,
        &d.org,
        &ComplaintReceived {
            complaint: rec.id.clone(),
            case: case.id.clone(),
            decision: d.id.clone(),
            complainant: rec.complainant,
            due_at: rec.due_at,
        },
        None,
        false,
    )?;
    Ok(rec)
}

fn check_text(text: Option<&str>) -> AppResult<String> {
    let mut c = Checker::new();
    c.text(text, "text", MAX_COMPLAINT);
    c.finish()?;
    Ok(text.unwrap_or_default().trim().to_owned())
}

impl App {
    /// The uploader complains through the notice's link.
    pub async fn complain_as_uploader(&self, token: &str, text: Option<String>) -> AppResult<ComplaintRecord> {
        let text = check_text(text.as_deref())?;
        let token = token.to_owned();
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let mut notice = notice_by_token(tx, &token)?;
                let d = tx.get_decision(&notice.decision)?.ok_or(AppError::Internal("notice without decision"))?;
                let case = tx.get_case(&notice.case)?.ok_or(AppError::Internal("notice without case"))?;
                let now = clock.now();
                let actor = Actor::system();
                let ev = Events { clock: &*clock, now, actor: &actor };
                // Complaining through the link shows the uploader holds the notice: informed by
                // now, at the latest (the same time the scrutiny request and the copy record).
                mark_informed(tx, &ev, &mut notice, "opened")?;
                let route = route_of(&tx.case_orders(&case.id)?, &d);
                let action = d.action;
                may_complain(route, Complainant::Uploader, action, notice.informed_at, now)
                    .map_err(|r| AppError::conflict(r.code, r.message))?;
                if d.reversed_at.is_some() {
                    return Err(AppError::conflict(Conflict::NothingToContest, "the content was already reinstated"));
                }
                lodge(tx, &ev, retention, &case, &d, Complainant::Uploader, None, &text)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// A notifier complains, with the receipt's tracking code, about the decision (any decision,
    /// DSA art. 20(1))
    /// on the `location`-th location of the notice.
    pub async fn complain_as_notifier(
        &self,
        code: &str,
        location: usize,
        text: Option<String>,
    ) -> AppResult<ComplaintRecord> {
        let text = check_text(text.as_deref())?;
        if code.len() > 64 {
            return Err(AppError::NotFound("notice"));
        }
        let hash = secret_hash(code.trim());
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let signal = tx.find_signal_by_tracking(&hash)?.ok_or(AppError::NotFound("notice"))?;
                let mut cases = tx.signal_cases(&signal.id)?;
                cases.dedup();
                let case_id = cases.get(location).ok_or(AppError::NotFound("location"))?;
                let case = tx.get_case(case_id)?.ok_or(AppError::NotFound("location"))?;
                let now = clock.now();
                // While a hold or an embargo runs the notifier has been told nothing to contest.
                let d = match tx.case_decision(&case.id)? {
                    Some(d) if !outcome_hidden(tx, &case, now)? => d,
                    _ => return Err(AppError::conflict(Conflict::NotDecided, "there is no decision to contest yet")),
                };
                let route = route_of(&tx.case_orders(&case.id)?, &d);
                let action = d.action;
                // DSA art. 20(2): from when the notifier was informed. Decisions recorded before
                // Vigie kept that time count from the decision, when it was first shown.
                let informed = tx.notifier_informed(&signal.id, &d.id)?.unwrap_or(d.decided_at);
                may_complain(route, Complainant::Notifier, action, Some(informed), now)
                    .map_err(|r| AppError::conflict(r.code, r.message))?;
                let actor = Actor::system();
                let ev = Events { clock: &*clock, now, actor: &actor };
                lodge(tx, &ev, retention, &case, &d, Complainant::Notifier, Some(&signal.id), &text)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The platform's complaints, earliest answer due first.
    pub async fn list_complaints(&self, p: &Principal, open_only: bool) -> AppResult<Vec<ComplaintRecord>> {
        if p.org_kind != OrgKind::Platform {
            return Err(AppError::Forbidden("complaints are handled by platforms"));
        }
        let org = p.org.clone();
        Ok(self.store().read(move |r| r.complaints_of(&org, open_only)).await?)
    }

    /// One complaint with the first decision beside it.
    pub async fn get_complaint(&self, p: &Principal, id: &str) -> AppResult<ComplaintView> {
        let id = ComplaintId::parse(id).ok_or(AppError::NotFound("complaint"))?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                let Some(complaint) = r.get_complaint(&id)?.filter(|c| c.platform == principal.org) else {
                    return Ok(None);
                };
                let text = match &complaint.text_ref {
                    Some(t) => r.personal_value(t)?,
                    None => None,
                };
                let Some(first_decision) = r.get_decision(&complaint.decision)? else { return Ok(None) };
                let Some(case) = r.get_case(&complaint.case)? else { return Ok(None) };
                Ok(Some(ComplaintView { complaint, text, first_decision, case }))
            })
            .await?
            .ok_or(AppError::NotFound("complaint"))
    }

    /// A moderator other than the first decider reviews a complaint: upheld, or reversed (the
    /// content reinstated; on a notifier's complaint, the decision replaced by the reviewer's own).
    pub async fn review_complaint(&self, p: &Principal, id: &str, input: ReviewInput) -> AppResult<ComplaintView> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators review complaints")?;
        let id = ComplaintId::parse(id).ok_or(AppError::NotFound("complaint"))?;
        let mut c = Checker::new();
        let outcome = match input.outcome.as_deref() {
            None => {
                c.push("outcome", "required", "upheld or reversed");
                None
            }
            Some(o) => {
                let parsed = ReviewOutcome::parse(o);
                c.check(parsed.is_some(), "outcome", "unknown_outcome", "must be upheld or reversed");
                parsed
            }
        };
        c.text(input.reasons.as_deref(), "reasons", 20_000);
        c.finish()?;
        let outcome = outcome.expect("checked");
        let retention = self.config().personal_data_retention;
        let pepper = self.pepper().clone();
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let mut complaint = tx
                    .get_complaint(&id)?
                    .filter(|c| c.platform == principal.org)
                    .ok_or(AppError::NotFound("complaint"))?;
                if complaint.state != ComplaintState::Open {
                    return Err(AppError::conflict(Conflict::AlreadyReviewed,
                        format!("the complaint was {}", complaint.state.as_str()),
                    ));
                }
                let first =
                    tx.get_decision(&complaint.decision)?.ok_or(AppError::Internal("complaint without decision"))?;
                check_reviewer(first.decided_by.as_str(), principal.user.as_str())
                    .map_err(|r| AppError::conflict(r.code, r.message))?;
                let mut case = tx.get_case(&complaint.case)?.ok_or(AppError::Internal("complaint without case"))?;
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let mut new_decision = None;
                if outcome == ReviewOutcome::Reversed {
                    let orders = tx.case_orders(&case.id)?;
                    if complaint.complainant == Complainant::Uploader {
                        // The platform's own decision may be wrong, but an order in force keeps the
                        // content removed: only the order's redress lifts it.
                        if order_in_force(&orders) {
                            return Err(AppError::conflict(
                                Conflict::OrderInForce,
                                "a removal order in force keeps this content removed: uphold the decision, or \
                                 review the complaint once the order stops having effect",
                            ));
                        }
                        let why = input.reasons.as_deref().map(str::trim);
                        reinstate(tx, &ev, &first, ("complaint", complaint.id.as_str()), why.map(|w| (w, retention)))?;
                    } else {
                        // A notifier's complaint against no action or an inadequate measure (DSA art.
                        // 20(1), recital 58): the reviewer decides anew; the new decision replaces
                        // the first.
                        let raw = input.decision.ok_or_else(|| {
                            AppError::from(Invalid::one(
                                "decision",
                                "required",
                                "reversing a decision on a notifier's complaint takes the decision that replaces it",
                            ))
                        })?;
                        let terms: Vec<_> =
                            tx.terms_clauses(&principal.org, false)?.iter().map(crate::cases::clause_of).collect();
                        let has_notice = tx.case_signals(&case.id)?.iter().any(|s| s.kind == SignalKind::Notice);
                        let ctx = DecisionContext { now, has_order: !orders.is_empty(), has_notice, terms: &terms };
                        let checked = raw.check(ctx)?;
                        if !checked.is_restrictive() {
                            return Err(AppError::conflict(
                                Conflict::ReversalNotRestrictive,
                                "a decision reversed on a notifier's complaint is replaced by a restriction; otherwise uphold it",
                            ));
                        }
                        tx.reverse_decision(&first.id, now, complaint.id.as_str())?;
                        let rec = crate::cases::decision_record(&checked, &case, &principal, now);
                        tx.insert_decision(&rec)?;
                        case.decided_at = Some(now);
                        case.updated_at = now;
                        tx.update_case(&case)?;
                        crate::cases::emit_decided(tx, &ev, &case, &rec)?;
                        notice_uploader(tx, &ev, &pepper, &case, &rec)?;
                        tx.schedule_case_retention(&case.id, now)?;
                        tell_notifiers(tx, &ev, &case, &rec)?;
                        crate::statements::queue(tx, now, &rec)?;
                        new_decision = Some(rec.id);
                    }
                }
                complaint.state = ComplaintState::from(outcome);
                complaint.reviewed_by = Some(principal.user.clone());
                complaint.reviewed_at = Some(now);
                complaint.reasons = input.reasons.map(|r| r.trim().to_owned());
                complaint.new_decision = new_decision;
                tx.update_complaint(&complaint)?;
                let reviewed = k::ComplaintReviewed {
                    case: complaint.case.clone(),
                    outcome: Word::new(complaint.state.as_str()),
                    complainant: Word::new(complaint.complainant.as_str()),
                    first_decision: first.id.clone(),
                    first_automated: first.automated_decision,
                    new_decision: complaint.new_decision.clone(),
                    received_at: complaint.received_at,
                    late: now > complaint.due_at,
                    reasons: seal_text(
                        tx,
                        now,
                        "complaint.review_reasons",
                        complaint.reasons.as_deref(),
                        now.plus(retention),
                    )?,
                };
                ev.emit(tx, complaint.id.as_str(), reviewed)?;
                let text = match &complaint.text_ref {
                    Some(t) => tx.personal_value(t)?,
                    None => None,
                };
                // As it stands now: the review may have reversed it.
                let first_decision = tx.get_decision(&first.id)?.unwrap_or(first);
                Ok(ComplaintView { complaint, text, first_decision, case })
            })
            .await
            .inspect(|_| self.wake_delivery())
    }
}

/// Flags open complaints whose two weeks ran out.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>) -> AppResult<usize> {
    let due = tx.due_complaints(ev.now, 256)?;
    for mut c in due.iter().cloned() {
        c.overdue_at = Some(ev.now);
        tx.update_complaint(&c)?;
        let data = k::ComplaintOverdue { complaint: c.id.clone(), case: c.case.clone(), due_at: c.due_at };
        super::overdue(tx, ev, c.id.as_str(), &c.platform, data.into())?;
    }
    Ok(due.len())
}
