//! The platform's side: its inbox, acknowledgements, decisions, and the order clock's answers
//! (Annex II by deciding, Annex III by "cannot comply"); and the authority's clarification.

use vigie_model::Conflict;
use vigie_model::case::CaseState;
use vigie_model::decision::{DecisionContext, RawDecision, answers_order};
use vigie_model::event::{Word, kinds as k};
use vigie_model::order::{CannotComplyNotice, CannotComplyReason, Clarification, ClockEvent};
use vigie_model::org::{OrgKind, Role};
use vigie_model::signal::SignalKind;
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::auth::{is_admin, require};
use crate::cases::{
    OrderView, clause_of, clock_event, clock_event_via, decidable_case, decision_record, emit_decided,
    min_order_deadline, order_view, own_case, parse_case_id, receive_case,
};
use crate::outbox::messages::OrderPurposeConcern;
use crate::outbox::{CaseChange, CaseMessage, enqueue};
use crate::{Actor, App, AppError, AppResult, Events};

/// One page of a platform's inbox.
#[derive(Clone, Debug)]
pub struct InboxPage {
    pub cases: Vec<CaseRecord>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<InboxCursor>,
}

/// A case with everything its platform may see.
#[derive(Clone, Debug)]
pub struct CaseView {
    pub case: CaseRecord,
    /// Each signal with its explanation text (never the notifier's identity).
    pub signals: Vec<(SignalRecord, Option<String>)>,
    /// The orders that list the case, each with every case it covers.
    pub orders: Vec<OrderView>,
    pub decision: Option<DecisionRecord>,
    /// What the content is, as its reports said: its languages and art. 2(7) types.
    pub labels: Vec<vigie_model::labels::CaseLabel>,
}

fn parse_order_id(raw: &str) -> AppResult<SignalId> {
    SignalId::parse(raw).ok_or(AppError::NotFound("order"))
}

/// Loads an order addressed to the caller's platform.
fn own_order(tx: &dyn Reads, p: &Principal, id: &SignalId) -> AppResult<OrderRecord> {
    match tx.get_order(id)? {
        Some(o) if o.platform == p.org => Ok(o),
        _ => Err(AppError::NotFound("order")),
    }
}

impl App {
    /// The platform's pending cases, deadline first, then priority. Fetching is receipt.
    pub async fn inbox(&self, p: &Principal, cursor: Option<InboxCursor>, limit: u32) -> AppResult<InboxPage> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators read its inbox")?;
        let limit = limit.clamp(1, 500);
        let clock = self.clock().clone();
        let principal = p.clone();
        let page = self
            .store()
            .write(move |tx| {
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let found = tx.inbox(&principal.org, cursor.as_ref(), limit)?;
                let next = (found.len() == limit as usize).then(|| {
                    let last = found.last().expect("page is full");
                    InboxCursor { due_at: last.due_at, priority: last.priority, id: last.id.clone() }
                });
                let mut cases = Vec::with_capacity(found.len());
                for case in found {
                    let needs_receipt = case.state == CaseState::Open
                        || (case.due_at.is_some()
                            && tx
                                .case_orders(&case.id)?
                                .iter()
                                .any(|o| o.ended_at.is_none() && o.clock.awaits_platform()));
                    cases.push(if needs_receipt { receive_case(tx, &ev, case, "inbox")? } else { case });
                }
                Ok::<_, AppError>(InboxPage { cases, next })
            })
            .await?;
        Ok(page)
    }

    /// A case, for its platform (unless held) or an administrator.
    pub async fn get_case(&self, p: &Principal, id: &str) -> AppResult<CaseView> {
        let id = parse_case_id(id)?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                let Some(case) = r.get_case(&id)? else {
                    return Ok(None);
                };
                // A held case does not exist for its platform, as in its inbox and searches.
                let allowed = is_admin(&principal)
                    || (principal.org_kind == OrgKind::Platform
                        && case.platform.as_ref() == Some(&principal.org)
                        && r.active_hold(&case.id)?.is_none());
                if !allowed {
                    return Ok(None);
                }
                let mut signals = Vec::new();
                for s in r.case_signals(&case.id)? {
                    let text = match &s.explanation_ref {
                        Some(x) => r.personal_value(x)?,
                        None => None,
                    };
                    signals.push((s, text));
                }
                let mut orders = Vec::new();
                for order in r.case_orders(&case.id)? {
                    orders.push(order_view(r, order)?);
                }
                Ok(Some(CaseView {
                    orders,
                    decision: r.case_decision(&case.id)?,
                    labels: r.case_labels(&case.id)?,
                    signals,
                    case,
                }))
            })
            .await?
            .ok_or(AppError::NotFound("case"))
    }

    /// The platform acknowledges a case (and so receives any order on it).
    pub async fn acknowledge(&self, p: &Principal, id: &str) -> AppResult<CaseRecord> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators acknowledge cases")?;
        let id = parse_case_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let case = self
            .store()
            .write(move |tx| {
                let case = own_case(tx, &principal, &id)?;
                if !matches!(case.state, CaseState::Open | CaseState::Delivered) {
                    return Err(AppError::conflict(
                        Conflict::NotAcknowledgeable,
                        format!("the case is {}", case.state.as_str()),
                    ));
                }
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let mut case = receive_case(tx, &ev, case, "ack")?;
                case.state = CaseState::Acknowledged;
                case.acknowledged_at = Some(now);
                case.updated_at = now;
                tx.update_case(&case)?;
                ev.emit(tx, case.id.as_str(), k::CaseAcknowledged {})?;
                Ok(case)
            })
            .await?;
        self.wake_delivery();
        Ok(case)
    }

    /// The platform decides a case. An order on it is complied with once all its cases are
    /// removed or disabled everywhere. While another person holds a live claim on the case, the
    /// decision is refused (`claimed_by_another`), whoever or whatever takes it.
    pub async fn decide(&self, p: &Principal, id: &str, input: RawDecision) -> AppResult<DecisionRecord> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators decide cases")?;
        let id = parse_case_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let pepper = self.pepper().clone();
        let retention = self.config().personal_data_retention;
        let vault = self.vault();
        let rec = self
            .store()
            .write(move |tx| {
                // A decided case is decided again only once its decision was reversed (the content
                // reinstated): the platform may still act on its own terms (TCO art. 4(7)).
                let case = decidable_case(tx, &principal, &id)?;
                let now = clock.now();
                // A live claim is a lease: while another person holds the case, only they decide.
                if let Some(held) = tx.claim(&case.id)?.filter(|c| c.lease_until > now && c.user != principal.user) {
                    return Err(crate::reviewing::claimed_by_another(&held));
                }
                let orders = tx.case_orders(&case.id)?;
                if tx.active_hold(&case.id)?.is_some() {
                    return Err(AppError::conflict(
                        Conflict::CaseHeld,
                        "the case is held for an investigation until its hold ends",
                    ));
                }
                let terms: Vec<_> = tx.terms_clauses(&principal.org, false)?.iter().map(clause_of).collect();
                let has_notice = tx.case_signals(&case.id)?.iter().any(|s| s.kind == SignalKind::Notice);
                let decision =
                    // Only an order in force constrains the decision; after it stopped having effect
                    // the platform decides on its own assessment again (TCO art. 4(7)).
                    input.check(DecisionContext {
                        now,
                        has_order: crate::dueprocess::order_in_force(&orders),
                        has_notice,
                        terms: &terms,
                    })?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let mut case = receive_case(tx, &ev, case, "decision")?;
                let rec = decision_record(&decision, &case, &principal, now);
                tx.insert_decision(&rec)?;
                case.state = CaseState::Decided;
                case.decided_at = Some(now);
                case.updated_at = now;
                tx.update_case(&case)?;
                emit_decided(tx, &ev, &case, &rec)?;
                // A decided case needs no reviewer: whoever held it is free, and its escalation
                // is answered.
                tx.delete_claim(&case.id)?;
                tx.end_escalation(&case.id)?;
                purpose_concern(tx, &ev, &orders, &rec, retention)?;
                // TCO art. 6(1): a removal under an order or a specific measure is preserved.
                crate::evidence::on_removal(tx, &ev, &vault, &case, &rec, &orders)?;
                for mut order in orders {
                    if order.clock.state == vigie_model::order::OrderState::Complied || order.ended_at.is_some() {
                        continue;
                    }
                    let mut all_actioned = true;
                    for other in tx.signal_cases(&order.id)? {
                        if other == case.id {
                            continue;
                        }
                        all_actioned &=
                            tx.case_decision(&other)?.is_some_and(|d| answers_order(d.action, &d.territorial_scope));
                    }
                    if all_actioned {
                        order.measure = Some(rec.action);
                        let e = order
                            .clock
                            .complied(now)
                            .map_err(|w| AppError::conflict(Conflict::OrderState, w.to_string()))?;
                        tx.update_order(&order)?;
                        clock_event(tx, &ev, &order, e)?;
                    }
                }
                crate::dueprocess::notice_uploader(tx, &ev, &pepper, &case, &rec)?;
                tx.schedule_case_retention(&case.id, now)?;
                crate::dueprocess::tell_notifiers(tx, &ev, &case, &rec)?;
                crate::statements::queue(tx, now, &rec)?;
                Ok::<_, AppError>(rec)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The statement of reasons a decision would get, without taking it: the same checks as
    /// [`App::decide`], nothing written. `None`: the decision owes no statement (no action, exempt).
    pub async fn preview_statement(
        &self,
        p: &Principal,
        id: &str,
        input: RawDecision,
    ) -> AppResult<Option<vigie_model::sor::Statement>> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators decide cases")?;
        let id = parse_case_id(id)?;
        let now = self.now();
        let principal = p.clone();
        self.read_app(move |r| {
            let case = own_case(r, &principal, &id)?;
            let terms: Vec<_> = r.terms_clauses(&principal.org, false)?.iter().map(clause_of).collect();
            let has_notice = r.case_signals(&case.id)?.iter().any(|s| s.kind == SignalKind::Notice);
            let has_order = crate::dueprocess::order_in_force(&r.case_orders(&case.id)?);
            let decision = input.check(DecisionContext { now, has_order, has_notice, terms: &terms })?;
            let rec = decision_record(&decision, &case, &principal, now);
            let opts = crate::statements::StatementOptions { include_orders: true };
            Ok(crate::statements::statement_for(r, &rec, now, opts)?)
        })
        .await
    }

    /// Annex III: the platform cannot comply (force majeure, manifest errors, insufficient
    /// information). The clock stops.
    pub async fn cannot_comply(
        &self,
        p: &Principal,
        id: &str,
        reasons: Vec<String>,
        explanation: Option<String>,
    ) -> AppResult<OrderView> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only the addressee's moderators answer an order")?;
        let id = parse_order_id(id)?;
        let mut c = Checker::new();
        let mut parsed = Vec::new();
        if reasons.is_empty() {
            c.push("reasons", "required", "force_majeure, manifest_errors and/or insufficient_information");
        }
        for (i, r) in reasons.iter().enumerate() {
            match CannotComplyReason::parse(r) {
                Some(x) => parsed.push(x),
                None => c.push(
                    format!("reasons[{i}]"),
                    "unknown_reason",
                    "must be force_majeure, manifest_errors or insufficient_information",
                ),
            }
        }
        c.text(explanation.as_deref(), "explanation", 20_000);
        c.finish()?;
        parsed.sort();
        parsed.dedup();
        self.order_transition(
            p,
            id,
            move |order, now| {
                let e = order
                    .clock
                    .cannot_comply(&parsed, now)
                    .map_err(|w| AppError::conflict(Conflict::OrderState, w.to_string()))?;
                order.cannot_comply = Some(CannotComplyNotice { reasons: parsed, explanation, at: now });
                Ok(vec![e])
            },
            Side::Platform,
        )
        .await
    }

    /// The platform's force majeure ended: a fresh hour starts.
    pub async fn resume_order(&self, p: &Principal, id: &str) -> AppResult<OrderView> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only the addressee's moderators resume an order")?;
        let id = parse_order_id(id)?;
        self.order_transition(
            p,
            id,
            |order, now| {
                Ok(vec![order.clock.resumed(now).map_err(|w| AppError::conflict(Conflict::OrderState, w.to_string()))?])
            },
            Side::Platform,
        )
        .await
    }

    /// The authority answers a request for clarification: a fresh hour starts when the platform
    /// receives it (art. 3(8)): at once where Vigie is its designated channel, else at its next
    /// fetch, acknowledgement or webhook answer.
    pub async fn clarify_order(&self, p: &Principal, id: &str, text: Option<String>) -> AppResult<OrderView> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only the issuing authority clarifies its order")?;
        let id = parse_order_id(id)?;
        let mut c = Checker::new();
        c.text(text.as_deref(), "clarification", 20_000);
        c.finish()?;
        self.order_transition(
            p,
            id,
            move |order, now| {
                let e =
                    order.clock.clarified(now).map_err(|w| AppError::conflict(Conflict::OrderState, w.to_string()))?;
                // The checker refused a missing text above.
                order.form.clarifications.push(Clarification { at: now, text: text.unwrap_or_default() });
                Ok(vec![e])
            },
            Side::Authority,
        )
        .await
    }

    async fn order_transition<F>(&self, p: &Principal, id: SignalId, change: F, side: Side) -> AppResult<OrderView>
    where
        F: FnOnce(&mut OrderRecord, Timestamp) -> AppResult<Vec<ClockEvent>> + Send + 'static,
    {
        let clock = self.clock().clone();
        let principal = p.clone();
        let view = self
            .store()
            .write(move |tx| {
                let mut order = match side {
                    Side::Platform => own_order(tx, &principal, &id)?,
                    Side::Authority => match tx.get_order(&id)? {
                        Some(o) if o.authority == principal.org => o,
                        _ => return Err(AppError::NotFound("order")),
                    },
                };
                let now = clock.now();
                let mut events = change(&mut order, now)?;
                // Where Vigie is the platform's designated channel, a clarification is received
                // when it is available to the platform: now (art. 3(8)).
                if side == Side::Authority && tx.get_org(&order.platform)?.is_some_and(|o| o.designated_channel) {
                    events.extend(order.clock.receive_clarification(now));
                }
                tx.update_order(&order)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                for e in events {
                    let via = matches!(e, ClockEvent::Restarted { .. }) && side == Side::Authority;
                    clock_event_via(tx, &ev, &order, e, via.then_some("designated_channel"))?;
                }
                let mut cases = Vec::new();
                for case_id in tx.signal_cases(&order.id)? {
                    if let Some(mut case) = tx.get_case(&case_id)? {
                        case.due_at = min_order_deadline(tx, &case.id)?.or(case.due_at);
                        tx.update_case(&case)?;
                        if side == Side::Authority {
                            // Its 2xx answer is the platform's receipt of the clarification.
                            enqueue(
                                tx,
                                now,
                                &order.platform,
                                &CaseMessage::new(CaseChange::Updated, &case),
                                Some(&case.id),
                                false,
                            )?;
                        }
                        cases.push(case);
                    }
                }
                Ok::<_, AppError>(OrderView { order, cases })
            })
            .await?;
        self.wake_delivery();
        Ok(view)
    }

    /// An order, for its issuing authority or an administrator.
    pub async fn get_order(&self, p: &Principal, id: &str) -> AppResult<OrderView> {
        let id = parse_order_id(id)?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                let Some(order) = r.get_order(&id)? else {
                    return Ok(None);
                };
                // The submitter and administrators; the addressee reads its orders through its cases.
                let allowed = order.authority == principal.org || is_admin(&principal);
                if !allowed {
                    return Ok(None);
                }
                Ok(Some(order_view(r, order)?))
            })
            .await?
            .ok_or(AppError::NotFound("order"))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Platform,
    Authority,
}

/// TCO arts. 1(3) and 3(3): a platform that complies with an order while it thinks the material
/// is disseminated for a protected purpose records a concern. It goes to each issuing authority
/// in force and later into any scrutiny of the order; it never stood in the way of compliance.
fn purpose_concern(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    orders: &[OrderRecord],
    rec: &DecisionRecord,
    retention: Duration,
) -> Result<(), StoreError> {
    let Some(purpose) = rec.purpose.filter(|p| *p != vigie_model::decision::Purpose::None) else {
        return Ok(());
    };
    let rationale = rec.purpose_rationale.clone().unwrap_or_default();
    for order in orders.iter().filter(|o| o.ended_at.is_none()) {
        let (_, sealed) =
            crate::keep_personal(tx, ev.now, "order.purpose_concern", &rationale, ev.now.plus(retention))?;
        let concern = k::OrderPurposeConcern {
            case: rec.case.clone(),
            decision: rec.id.clone(),
            purpose: Word::from(purpose.as_str()),
            rationale: sealed,
        };
        ev.emit(tx, order.id.as_str(), concern)?;
        let data = OrderPurposeConcern {
            order: order.id.clone(),
            reference: order.reference.clone(),
            case: rec.case.clone(),
            decision: rec.id.clone(),
            purpose,
            rationale: rationale.clone(),
        };
        enqueue(tx, ev.now, &order.authority, &data, None, false)?;
    }
    Ok(())
}
