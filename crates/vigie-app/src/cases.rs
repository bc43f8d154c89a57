//! What the case use-cases share, below all of them: loading a case a caller may see, an order
//! with its cases, an order clock's events and the receipt that starts them, whether an embargo
//! runs, and a decision's record and `case.decided` event. It depends on no use-case module, so
//! the platform's, the reviewer's, due process and the delivery worker all build on it without a
//! loop back.

use serde_json::json;
use vigie_model::case::CaseState;
use vigie_model::decision::TermsClause;
use vigie_model::event::{Event, Word, kinds as k};
use vigie_model::order::ClockEvent;
use vigie_model::*;
use vigie_store::*;

use crate::outbox::{Announced, enqueue};
use crate::{AppError, AppResult, Events, id_bytes};

/// Whether any order on the case forbids telling the uploader now.
pub fn embargoed(orders: &[OrderRecord], now: Timestamp) -> bool {
    orders.iter().any(|o| o.embargo.is_some_and(|e| e.is_active(now)))
}

/// An order with the cases it covers, for its authority or platform.
#[derive(Clone, Debug)]
pub struct OrderView {
    pub order: OrderRecord,
    pub cases: Vec<CaseRecord>,
}

/// Writes a clock event and tells the platform; Annex II (compliance) and Annex III (cannot
/// comply) answers, and an order left unacknowledged, go to the issuing authority too.
pub(crate) fn clock_event(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    order: &OrderRecord,
    event: ClockEvent,
) -> Result<(), StoreError> {
    clock_event_full(tx, ev, order, event, None, false)
}

/// [`clock_event`], saying how the platform received the order or its clarification (`via`:
/// `designated_channel`, `inbox`, `ack`, `webhook`, `decision`).
pub(crate) fn clock_event_via(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    order: &OrderRecord,
    event: ClockEvent,
    via: Option<&str>,
) -> Result<(), StoreError> {
    clock_event_full(tx, ev, order, event, via, false)
}

/// [`clock_event`], saying whether a compliance happened at the order's intake (its content was
/// already removed or disabled everywhere).
pub(crate) fn clock_event_with(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    order: &OrderRecord,
    event: ClockEvent,
    at_intake: bool,
) -> Result<(), StoreError> {
    clock_event_full(tx, ev, order, event, None, at_intake)
}

fn clock_event_full(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    order: &OrderRecord,
    event: ClockEvent,
    via: Option<&str>,
    at_intake: bool,
) -> Result<(), StoreError> {
    let via = via.map(Word::from);
    let logged: Event = match event {
        ClockEvent::Received { deadline } => {
            k::OrderReceived { deadline, sent_at: Some(order.clock.sent_at), received_at: order.clock.received_at, via }
                .into()
        }
        ClockEvent::ClarificationSent => k::OrderClarified { via }.into(),
        ClockEvent::Unacknowledged { sent_at } => k::OrderUnacknowledged { sent_at, via }.into(),
        ClockEvent::Suspended { state } => {
            // The Annex III grounds, which the provider's transparency report counts (TCO art. 7(3)(c)).
            let reasons = order
                .cannot_comply
                .as_ref()
                .map(|c| c.reasons.iter().map(|r| Word::from(r.as_str())).collect::<Vec<_>>());
            k::OrderSuspended { state: Word::new(state.as_str()), reasons, via }.into()
        }
        ClockEvent::Restarted { deadline } => k::OrderRestarted { deadline, via }.into(),
        ClockEvent::Escalated { level, deadline } => k::OrderEscalated { level, deadline, via }.into(),
        ClockEvent::Overdue { deadline } => k::OrderOverdue { deadline, via }.into(),
        ClockEvent::Complied { late } => {
            // TCO art. 7(3)(c) counts the items removed or disabled, whatever the ground the
            // platform chose and whenever it acted: every location the order names.
            let mut items = tx.signal_cases(&order.id)?;
            items.sort();
            items.dedup();
            let measure = order.measure.map(|a| Word::from(a.as_str()));
            k::OrderComplied { late, measure, items: items.len() as u64, at_intake, via }.into()
        }
    };
    let fields =
        json!({ "order": order.id.as_str(), "reference": order.reference, "state": order.clock.state.as_str() });
    let serde_json::Value::Object(fields) = fields else { unreachable!("an object literal") };
    let payload = Announced::new(&logged, fields).expect("every order clock event is announced");
    ev.emit(tx, order.id.as_str(), logged)?;
    // Every message about a removal order travels in the outbox's urgent lane: its hour runs.
    let urgent = true;
    enqueue(tx, ev.now, &order.platform, &payload, None, urgent)?;
    // TCO art. 3(6)-(8): Annex II and Annex III go to the issuing authority; so does an order
    // nobody acknowledged, which the authority may then send through another channel.
    if matches!(event, ClockEvent::Complied { .. } | ClockEvent::Suspended { .. } | ClockEvent::Unacknowledged { .. }) {
        enqueue(tx, ev.now, &order.authority, &payload, None, urgent)?;
    }
    Ok(())
}

/// Marks a case received by its platform (inbox fetch, webhook 2xx, or ack), which starts the
/// clock of every order on it that was still waiting for receipt, restarts the hour of one whose
/// clarification it had yet to receive (art. 3(8)), and acknowledges them all.
pub(crate) fn receive_case(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    mut case: CaseRecord,
    how: &str,
) -> Result<CaseRecord, StoreError> {
    if case.state == CaseState::Open {
        case.state = CaseState::Delivered;
        case.delivered_at = Some(ev.now);
        case.updated_at = ev.now;
        ev.emit(tx, case.id.as_str(), k::CaseDelivered { via: Word::from(how) })?;
    }
    let mut due = case.due_at;
    for mut order in tx.case_orders(&case.id)? {
        if order.ended_at.is_none() && order.clock.awaits_platform() {
            let mut events: Vec<ClockEvent> = order.clock.receive(ev.now).into_iter().collect();
            events.extend(order.clock.receive_clarification(ev.now));
            order.clock.acknowledge(ev.now);
            tx.update_order(&order)?;
            for e in events {
                clock_event_via(tx, ev, &order, e, Some(how))?;
            }
        }
        if let Some(d) = order.clock.deadline {
            due = Some(due.map_or(d, |x| x.min(d)));
        }
    }
    // The receipt fixes the real deadline, which replaces the provisional one from intake.
    if let Some(real) = min_order_deadline(tx, &case.id)? {
        due = Some(real);
    }
    case.due_at = due;
    tx.update_case(&case)?;
    Ok(case)
}

pub(crate) fn min_order_deadline(tx: &mut dyn Tx, case: &CaseId) -> Result<Option<Timestamp>, StoreError> {
    Ok(tx.case_orders(case)?.iter().filter_map(|o| o.clock.deadline).min())
}

/// Loads a case that belongs to the caller's platform.
/// [`own_case`], which must still be open to a decision (undecided, or its decision reversed):
/// claiming, passing on, taking over and deciding all start here.
pub(crate) fn decidable_case(tx: &dyn Reads, p: &Principal, id: &CaseId) -> AppResult<CaseRecord> {
    let case = own_case(tx, p, id)?;
    if !case.status().is_decidable() {
        return Err(AppError::conflict(Conflict::AlreadyDecided, format!("the case is {}", case.status().as_str())));
    }
    Ok(case)
}

pub(crate) fn own_case(tx: &dyn Reads, p: &Principal, id: &CaseId) -> AppResult<CaseRecord> {
    match tx.get_case(id)? {
        Some(c) if c.platform.as_ref() == Some(&p.org) => Ok(c),
        _ => Err(AppError::NotFound("case")),
    }
}

pub(crate) fn parse_case_id(raw: &str) -> AppResult<CaseId> {
    CaseId::parse(raw).ok_or(AppError::NotFound("case"))
}

/// An order with the cases it lists, in its order.
pub(crate) fn order_view(r: &dyn Reads, order: OrderRecord) -> Result<OrderView, StoreError> {
    let mut cases = Vec::new();
    for case_id in r.signal_cases(&order.id)? {
        if let Some(c) = r.get_case(&case_id)? {
            cases.push(c);
        }
    }
    Ok(OrderView { order, cases })
}

/// A registered clause as the decision rules see it.
pub(crate) fn clause_of(r: &TermsClauseRecord) -> TermsClause {
    TermsClause { id: r.id.as_str().to_owned(), code: r.code.clone(), title: r.title.clone(), url: r.url.clone() }
}

/// The `case.decided` event: what was decided, on which ground, how automated, never by whom
/// beyond the actor.
pub(crate) fn emit_decided(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    case: &CaseRecord,
    rec: &DecisionRecord,
) -> Result<(), StoreError> {
    let decided = k::CaseDecided {
        decision: rec.id.clone(),
        action: Word::new(rec.action.as_str()),
        legal_basis: rec.legal_basis.as_deref().map(Word::from),
        taxonomy_version: rec.taxonomy_version,
        terms_ground: rec.terms_clause.is_some(),
        terms_clause: rec.terms_clause_id.clone(),
        territorial_scope: rec.territorial_scope.iter().map(Word::new).collect(),
        restriction: rec.restriction.map(|r| Word::from(r.as_str())),
        until: rec.until,
        purpose: rec.purpose.map(|p| Word::from(p.as_str())),
        automated_detection: rec.automated_detection,
        automated_decision: rec.automated_decision,
        manifestly_unfounded: rec.manifestly_unfounded,
        tier: Word::new(case.tier.as_str()),
        received_at: case.created_at,
    };
    ev.emit(tx, case.id.as_str(), decided)?;
    Ok(())
}

pub(crate) fn decision_record(
    d: &vigie_model::decision::Decision,
    case: &CaseRecord,
    p: &Principal,
    now: Timestamp,
) -> DecisionRecord {
    use vigie_model::decision::{Decision, Ground};
    let mut clause_id = None;
    let mut unfounded = false;
    let mut measure = (None, None, None, None);
    let exempt_purpose;
    let (legal_basis, terms_clause, scope, purpose, automation, explanation) = match d {
        Decision::Restrictive {
            ground,
            scope,
            purpose,
            automation,
            explanation,
            restriction,
            until,
            content_date,
            ..
        } => {
            let (lb, tc) = match ground {
                Ground::Law(b) => (Some(b.id.clone()), None),
                Ground::Terms(clause) => {
                    clause_id = TermsClauseId::parse(&clause.id);
                    (None, Some(clause.code.clone()))
                }
            };
            measure = (
                restriction.as_ref().map(|(r, _)| *r),
                restriction.as_ref().and_then(|(_, text)| text.clone()),
                *until,
                content_date.clone(),
            );
            let scope = scope.iter().map(|m| m.code().to_owned()).collect();
            (lb, tc, scope, purpose, *automation, Some(explanation.clone()))
        }
        Decision::NoAction { purpose, automation, explanation, manifestly_unfounded } => {
            unfounded = *manifestly_unfounded;
            (None, None, Vec::new(), purpose, *automation, explanation.clone())
        }
        Decision::Exempt { purpose, automation, explanation } => {
            exempt_purpose = Some(purpose.clone());
            (None, None, Vec::new(), &exempt_purpose, *automation, explanation.clone())
        }
    };
    let (restriction, restriction_other, until, content_date) = measure;
    let taxonomy_version = legal_basis.is_some().then(|| vigie_model::decision::taxonomy().version);
    DecisionRecord {
        id: DecisionId::from_random(id_bytes(now)),
        case: case.id.clone(),
        org: p.org.clone(),
        decided_by: p.user.clone(),
        decided_at: now,
        action: d.action(),
        legal_basis,
        terms_clause,
        territorial_scope: scope,
        purpose: purpose.as_ref().map(|x| x.purpose),
        purpose_rationale: purpose.as_ref().map(|x| x.rationale.clone()),
        automated_detection: automation.detection,
        automated_decision: automation.decision,
        explanation,
        terms_clause_id: clause_id,
        taxonomy_version,
        manifestly_unfounded: unfounded,
        reversed_at: None,
        reversed_by: None,
        restriction,
        restriction_other,
        until,
        content_date,
    }
}
