//! Due process: what happens after a decision, and what keeps fast takedown lawful.
//!
//! - [`terms`](App::register_terms_clause): a platform's own clauses, the only terms grounds a
//!   decision may cite.
//! - Notices to uploaders (TCO art. 11, DSA art. 17), withheld while the authority's
//!   non-disclosure embargo runs and issued when it ends.
//! - [`complaints`]: the platform's complaint handling, reviewed by someone else.
//! - [`scrutiny`]: cross-border scrutiny of removal orders (TCO art. 4); with a court's annulment
//!   (art. 9), the only ways order-removed content comes back.
//! - [`challenges`]: court challenges of removal orders (TCO art. 9) and their outcome.
//! - [`holds`]: authorities' blind watch-lists and the holds they place.
//! - [`threats`]: threat-to-life alerts and referrals to law enforcement.
//! - [`misuse`]: manifestly unfounded notices, warnings, suspensions, trusted-flagger status.
//!
//! Every step is one transaction with its events and deliveries, like the rest of `vigie-app`.

pub mod challenges;
pub mod complaints;
pub mod holds;
pub mod misuse;
pub mod scrutiny;
pub mod threats;

use serde_json::{Value, json};
use vigie_model::Conflict;
use vigie_model::decision::legal_basis;
use vigie_model::event::{Event, Word, kinds as k};
use vigie_model::order::OrderEnd;
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{
    COMPLAINT_ANSWER, COMPLAINT_WINDOW, Complainant, ComplaintState, Embargo, Route, SCRUTINY_REQUEST_WINDOW,
};
use vigie_model::signal::SignalKind;
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::auth::{is_admin, require, secret_hash};
use crate::cases::OrderView;
use crate::outbox::messages::{
    ContentReinstated, NotifierOutcome, OrderEnded, SignalOutcome, UploaderNoticeIssued, UploaderNoticeOrderCopy,
};
use crate::outbox::{Announced, enqueue};
use crate::secrets::Pepper;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal};

/// Where an uploader reads the notice about a decision.
pub fn uploader_notice_path(token: &str) -> String {
    format!("/api/v1/uploader-notices/{token}")
}

/// Where the content provider gets a copy of the removal order (TCO art. 11(2)).
pub fn order_copy_path(token: &str) -> String {
    format!("/api/v1/uploader-notices/{token}/order-copy")
}

/// The page of the console where a person reads the notice and contests it.
pub fn uploader_notice_page(token: &str) -> String {
    format!("/notice/{token}")
}

/// An uploader notice as its reader sees it: the frozen reasons and redress, the deadlines that
/// run from when it was issued, and what has happened since.
#[derive(Clone, Debug)]
pub struct UploaderNoticeView {
    pub notice: UploaderNoticeRecord,
    /// The link's secret, for the platform to pass on: `None` while the notice is withheld, for
    /// the uploader (who holds it), and for notices whose secret was not derived from the pepper
    /// (issued before step 8: their secret was never kept).
    pub token: Option<String>,
    /// The body with the deadlines and the current status filled in.
    pub body: Value,
}

/// The secret of a notice's link: derived from the pepper and the notice's id, so that it need
/// not be stored (GDPR art. 32); only its hash is, to look the notice up.
pub(crate) fn notice_token(pepper: &Pepper, notice: &UploaderNoticeId) -> String {
    pepper.keyed("vigie-uploader-notice-v1", notice.as_str().as_bytes())
}

/// The link's secret for the notice's platform to pass on, derived again from the pepper: `None`
/// while the notice is withheld, and for a notice issued before step 8, whose secret was never
/// kept.
pub(crate) fn platform_token(pepper: &Pepper, notice: &UploaderNoticeRecord) -> Option<String> {
    let derived = notice_token(pepper, &notice.id);
    (notice.issued_at.is_some() && secret_hash(&derived) == notice.token_hash).then_some(derived)
}

/// The redress a decision follows: the order's, for a decision on a legal basis taken while an
/// order on its case was in force; the platform's complaint handling for every other (see
/// [`Route::of_decision`]).
pub(crate) fn route_of(orders: &[OrderRecord], d: &DecisionRecord) -> Route {
    Route::of_decision(d.legal_basis.is_some(), d.decided_at, orders.iter().map(|o| (o.intake_at, o.ended_at)))
}

/// Whether an order on the case is in force: its content stays removed whatever the platform's
/// own complaint handling or second thoughts conclude.
pub(crate) fn order_in_force(orders: &[OrderRecord]) -> bool {
    orders.iter().any(|o| o.ended_at.is_none())
}

pub use crate::cases::embargoed;

/// Whether the notifier may only see a neutral status: an embargo or a hold runs.
pub(crate) fn outcome_hidden(tx: &dyn Reads, case: &CaseRecord, now: Timestamp) -> Result<bool, StoreError> {
    Ok(tx.active_hold(&case.id)?.is_some() || embargoed(&tx.case_orders(&case.id)?, now))
}

fn ground_json(d: &DecisionRecord, tx: &dyn Reads) -> Result<Value, StoreError> {
    if let Some(id) = &d.legal_basis {
        let b = legal_basis(id);
        return Ok(json!({
            "type": "law",
            "legal_basis": id,
            "title": b.map(|b| b.title.clone()),
            "citation": b.map(|b| b.citation.clone()),
            "offence_reference": b.map(|b| b.offence_reference.clone()),
            "reference_url": b.map(|b| b.reference_url.clone()),
            "taxonomy_version": d.taxonomy_version,
        }));
    }
    let clause = match &d.terms_clause_id {
        Some(id) => tx.get_terms_clause(id)?,
        None => None,
    };
    Ok(json!({
        "type": "terms",
        "clause": d.terms_clause,
        "title": clause.as_ref().map(|c| c.title.clone()),
        "url": clause.as_ref().and_then(|c| c.url.clone()),
    }))
}

/// How the content came to the platform's attention, as an uploader may be told (SCP 2.0: a
/// government flag is named as such; individual notifiers never are).
fn detection_json(tx: &dyn Reads, case: &CaseRecord) -> Result<Value, StoreError> {
    let signals = tx.case_signals(&case.id)?;
    let mut sources: Vec<&str> = signals
        .iter()
        .map(|s| match (s.kind, s.tier) {
            (SignalKind::Order, _) => "removal_order",
            (SignalKind::Referral, _) => "authority_referral",
            (SignalKind::BankMatch, _) => "automated_hash_match",
            (SignalKind::Notice, vigie_model::signal::Tier::TrustedFlagger) => "trusted_flagger_notice",
            (SignalKind::Notice, _) => "notice",
        })
        .collect();
    sources.sort_unstable();
    sources.dedup();
    let government = signals.iter().any(|s| matches!(s.kind, SignalKind::Order | SignalKind::Referral));
    Ok(json!({ "sources": sources, "government_flag": government }))
}

/// The static part of the redress information for a route.
fn redress_json(tx: &dyn Reads, route: Route, orders: &[OrderRecord]) -> Result<Value, StoreError> {
    Ok(match route {
        // DSA art. 20. TCO art. 10 governs complaints against removals under specific measures
        // (TCO art. 5), which a platform's own decisions are not as such; Vigie answers every
        // complaint within the two weeks of TCO art. 10(2), the stricter time.
        Route::Platform => json!({
            "internal_complaint": {
                "available": true,
                "answer_within_days": COMPLAINT_ANSWER.as_secs() / 86_400,
                "legal_basis": "Regulation (EU) 2022/2065 art. 20",
            },
            "out_of_court_dispute_settlement":
                "Any dispute settlement body certified under Regulation (EU) 2022/2065 art. 21; its decision is not binding.",
            "judicial": "The courts remain open at any time, whatever the outcome of a complaint.",
        }),
        Route::RemovalOrder => {
            let mut list = Vec::new();
            for o in orders {
                let form = Some(&o.form.form);
                let authority = tx.get_org(&o.authority)?;
                let platform = tx.get_org(&o.platform)?;
                let host_state = platform.as_ref().and_then(|p| p.host_state()).map(|s| s.code());
                // TCO art. 11(2): the order's own reasons (Annex I section B), not the platform's.
                let reasons: Vec<Value> = form
                    .as_ref()
                    .map(|f| {
                        f.reasons
                            .iter()
                            .map(|r| {
                                let basis = legal_basis(r.legal_basis_id());
                                json!({ "type": r.letter(), "citation": basis.map(|b| b.citation.clone()), "title": basis.map(|b| b.title.clone()) })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                list.push(json!({
                    "order": o.id.as_str(),
                    "reference": o.reference,
                    "issued_at": o.intake_at,
                    "issuing_authority": authority.as_ref().map(|a| a.name.clone()),
                    "issuing_member_state": authority.as_ref().and_then(|a| a.member_state.clone()),
                    "reasons": reasons,
                    "statement_of_reasons": form.as_ref().map(|f| f.statement_of_reasons.clone()),
                    "challenge": form.as_ref().map(|f| json!({
                        "court_or_body": f.redress.body,
                        "deadline_days": f.redress.deadline_days,
                        "deadline_hours": f.redress.deadline_hours,
                        "deadline_from": f.redress.deadline_from,
                        "provisions_url": f.redress.provisions_url,
                        "legal_basis": "Regulation (EU) 2021/784 art. 9",
                    })),
                    "cross_border_scrutiny": {
                        "available": o.cross_border,
                        "member_state": host_state,
                        "request_within_hours": SCRUTINY_REQUEST_WINDOW.as_secs() / 3600,
                        "decided_within_hours": 72,
                        "legal_basis": "Regulation (EU) 2021/784 art. 4",
                    },
                }));
            }
            json!({
                "internal_complaint": {
                    "available": false,
                    "why": "Content removed under a removal order is not reinstated by the platform's complaint handling; \
                            the order is challenged before the court or body it names (Regulation (EU) 2021/784 art. 9).",
                },
                "removal_orders": list,
                "copy_of_order": {
                    "available": true,
                    "legal_basis": "Regulation (EU) 2021/784 art. 11(2)",
                },
            })
        }
    })
}

/// Creates the notice owed to the uploader after a restrictive decision, and issues it unless
/// an embargo holds it back.
pub(crate) fn notice_uploader(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    pepper: &Pepper,
    case: &CaseRecord,
    d: &DecisionRecord,
) -> Result<(), StoreError> {
    if !d.action.is_restrictive() {
        return Ok(());
    }
    let orders = tx.case_orders(&case.id)?;
    let route = route_of(&orders, d);
    let body = json!({
        "case": case.id.as_str(),
        "decision": d.id.as_str(),
        "decided_at": d.decided_at,
        "content": { "kind": case.kind.as_str(), "url": case.url, "content_id": case.content_id, "account_id": case.account_id },
        "measure": {
            "action": d.action,
            "territorial_scope": d.territorial_scope,
            "restriction": d.restriction,
            "restriction_other": d.restriction_other,
            "until": d.until,
        },
        "ground": ground_json(d, tx)?,
        "statement_of_reasons": d.explanation,
        "purpose_assessment": d.purpose.as_ref().map(|p| json!({ "purpose": p, "rationale": d.purpose_rationale })),
        "detection": detection_json(tx, case)?,
        "automation": { "detection": d.automated_detection, "decision": d.automated_decision },
        "route": route.as_str(),
        "redress": redress_json(tx, route, &orders)?,
    });
    let id = UploaderNoticeId::from_random(id_bytes(ev.now));
    let mut notice = UploaderNoticeRecord {
        token_hash: secret_hash(&notice_token(pepper, &id)),
        id,
        case: case.id.clone(),
        decision: d.id.clone(),
        platform: d.org.clone(),
        route,
        body: body.to_string(),
        created_at: ev.now,
        issued_at: None,
        informed_at: None,
    };
    tx.insert_uploader_notice(&notice)?;
    if embargoed(&orders, ev.now) {
        ev.emit(tx, notice.id.as_str(), k::UploaderNoticeWithheld { case: case.id.clone() })?;
        return Ok(());
    }
    issue_notice(tx, ev, pepper, &mut notice)
}

/// Issues a notice: from now on its link works, and the platform is sent it to pass on.
pub(crate) fn issue_notice(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    pepper: &Pepper,
    notice: &mut UploaderNoticeRecord,
) -> Result<(), StoreError> {
    let token = notice_token(pepper, &notice.id);
    notice.issued_at = Some(ev.now);
    tx.update_uploader_notice(notice)?;
    let issued = k::UploaderNoticeIssued {
        case: notice.case.clone(),
        decision: notice.decision.clone(),
        route: Word::new(notice.route.as_str()),
    };
    ev.emit(tx, notice.id.as_str(), issued)?;
    enqueue(
        tx,
        ev.now,
        &notice.platform,
        &UploaderNoticeIssued {
            notice: notice.id.clone(),
            case: notice.case.clone(),
            decision: notice.decision.clone(),
            route: notice.route,
            path: uploader_notice_path(&token),
            page: uploader_notice_page(&token),
            token,
        },
        Some(&notice.case),
        false,
    )
}

/// The instance's operator: the hub organisation the first start made (its `org.created` is
/// marked `bootstrap`, at the head of the log).
pub(crate) fn operator(tx: &dyn Reads) -> Result<Option<OrgId>, StoreError> {
    let head = tx.events_after(0, 8)?;
    let made = head.iter().find(|e| matches!(e.event(), Ok(Event::OrgCreated(d)) if d.bootstrap == Some(true)));
    Ok(match made.and_then(|e| OrgId::parse(&e.subject)) {
        Some(org) => Some(org),
        // A log without its bootstrap event: the oldest hub.
        None => {
            tx.list_orgs()?.into_iter().filter(|o| o.kind == OrgKind::Hub).min_by_key(|o| o.created_at).map(|o| o.id)
        }
    })
}

/// Tells the people who reported a case what came of it: organisations by their webhooks, members
/// of the public who left an e-mail address through the hub's (which sends the mail). Nothing is
/// said while a hold or an embargo runs; the caller calls again when it ends.
pub(crate) fn tell_notifiers(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    case: &CaseRecord,
    d: &DecisionRecord,
) -> Result<(), StoreError> {
    if outcome_hidden(tx, case, ev.now)? {
        return Ok(());
    }
    // The one organisation that mails members of the public: the instance's operator (the hub made
    // at the first start). No other organisation gets their addresses (GDPR art. 5(1)(c)).
    let mut mailer: Option<Option<OrgId>> = None;
    for s in tx.case_signals(&case.id)? {
        if !matches!(s.kind, SignalKind::Notice | SignalKind::Referral) {
            continue;
        }
        // From now on the notifier knows, or can see with the tracking code: the complaint window
        // runs from here (DSA art. 20(2)).
        if s.kind == SignalKind::Notice {
            tx.set_notifier_informed(&s.id, &d.id, ev.now)?;
        }
        let outcome =
            SignalOutcome { signal: s.id.clone(), case: case.id.clone(), outcome: d.action, decided_at: d.decided_at };
        let told = if let Some(org) = &s.submitter_org {
            enqueue(tx, ev.now, org, &outcome, None, false)?;
            true
        } else if let Some(email_ref) = &s.notifier_email_ref
            && let Some(email) = tx.personal_value(email_ref)?
        {
            let message = NotifierOutcome { outcome: outcome.clone(), email };
            if mailer.is_none() {
                mailer = Some(operator(tx)?);
            }
            if let Some(hub) = mailer.iter().flatten().next() {
                enqueue(tx, ev.now, hub, &message, None, false)?;
            }
            true
        } else {
            false
        };
        if told {
            let logged = k::NotifierOutcome {
                signal: s.id.clone(),
                case: case.id.clone(),
                outcome: Word::new(d.action.as_str()),
                decided_at: d.decided_at,
            };
            ev.emit(tx, s.id.as_str(), logged)?;
        }
    }
    Ok(())
}

/// Reverses a restrictive decision: the content comes back, the platform is told to reinstate it
/// (urgently), and the uploader's notice shows it.
pub(crate) fn reinstate(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    d: &DecisionRecord,
    (cause, by): (&str, &str),
    reasons: Option<(&str, Duration)>,
) -> Result<(), StoreError> {
    if d.reversed_at.is_some() || !d.action.is_restrictive() {
        return Ok(());
    }
    tx.reverse_decision(&d.id, ev.now, by)?;
    // The reasons are free text: the log keeps them sealed, the platform is sent them.
    let sealed = match reasons {
        Some((text, retention)) => {
            Some(keep_personal(tx, ev.now, "content.reinstated", text, ev.now.plus(retention))?.1)
        }
        None => None,
    };
    let logged = k::ContentReinstated {
        case: d.case.clone(),
        decision: d.id.clone(),
        cause: Word::from(cause),
        by: Word::from(by),
        reasons: sealed,
    };
    ev.emit(tx, d.case.as_str(), logged)?;
    let data = ContentReinstated {
        case: d.case.clone(),
        decision: d.id.clone(),
        cause: cause.to_owned(),
        by: by.to_owned(),
        reasons: reasons.map(|(r, _)| r.to_owned()),
    };
    enqueue(tx, ev.now, &d.org, &data, Some(&d.case), true)
}

/// Ends a removal order's effect (an infringement found on scrutiny, art. 4(6), or a court's
/// annulment, art. 9) and reinstates every piece of content removed under it. `end` is what the
/// order keeps (readable, for its parties); `logged` what the event log keeps: the same with free
/// text sealed.
pub(crate) fn end_order(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    mut order: OrderRecord,
    end: OrderEnd,
    logged: k::OrderEnded,
) -> AppResult<()> {
    if order.ended_at.is_some() {
        return Err(AppError::conflict(Conflict::OrderEnded, "the order has already stopped having effect"));
    }
    order.ended_at = Some(ev.now);
    order.ended_by = Some(end.clone());
    tx.update_order(&order)?;
    ev.emit(tx, order.id.as_str(), logged)?;
    let by = format!("order_ended:{}", order.id.as_str());
    let label = end.as_str();
    for case_id in tx.signal_cases(&order.id)? {
        // Only what was removed under the order comes back: a removal the platform made on its own
        // terms, or before the order, stands (TCO art. 4(7): without prejudice to its terms).
        if let Some(d) = tx.case_decision(&case_id)?
            && d.decided_at >= order.intake_at
            && d.legal_basis.is_some()
        {
            reinstate(tx, ev, &d, (label, &by), None)?;
        }
    }
    let data = OrderEnded::new(&order, end);
    enqueue(tx, ev.now, &order.platform, &data, None, true)?;
    enqueue(tx, ev.now, &order.authority, &data, None, false)?;
    Ok(())
}

/// Fills the deadlines (which run from when the content provider was informed) and the current
/// status into a notice's body.
pub(crate) fn notice_view(
    tx: &dyn Reads,
    notice: UploaderNoticeRecord,
    token: Option<String>,
) -> AppResult<UploaderNoticeView> {
    let mut body: Value =
        serde_json::from_str(&notice.body).map_err(|_| AppError::Internal("unreadable notice body"))?;
    let decision = tx.get_decision(&notice.decision)?.ok_or(AppError::Internal("notice without its decision"))?;
    let path = token.as_deref().map(uploader_notice_path);
    let link = |tail: &str| path.as_ref().map(|p| format!("{p}/{tail}"));
    if notice.route == Route::Platform {
        // DSA art. 20(2): six months from when the uploader was informed (the time the platform
        // recorded, or the first opening of the link, whichever came first); until then, open.
        let until = notice.informed_at.map(|t| t.plus(COMPLAINT_WINDOW));
        body["redress"]["internal_complaint"]["open_until"] = json!(until);
        body["redress"]["internal_complaint"]["window_from"] = json!(
            "when you were informed of this decision: when the platform passed this notice on, or the first time it is opened with its link, whichever came first (DSA art. 20(2))"
        );
        body["redress"]["internal_complaint"]["link"] = json!(link("complaint"));
    } else if let Some(list) = body["redress"]["removal_orders"].as_array_mut() {
        // The content provider's times run from being informed (TCO arts. 4(4) and 9; in France,
        // 48 hours, LCEN art. 6-1-5); until then they have not started.
        let informed = notice.informed_at;
        for item in list {
            if item["cross_border_scrutiny"]["available"] == json!(true) {
                item["cross_border_scrutiny"]["request_until"] =
                    json!(informed.map(|at| at.plus(SCRUTINY_REQUEST_WINDOW)));
                item["cross_border_scrutiny"]["runs_from"] = json!("informed");
                item["cross_border_scrutiny"]["link"] = json!(link("scrutiny"));
            }
            if item["challenge"].is_object() {
                let length =
                    match (item["challenge"]["deadline_hours"].as_i64(), item["challenge"]["deadline_days"].as_i64()) {
                        (Some(h), _) => Some(Duration::from_hours(h)),
                        (None, Some(d)) => Some(Duration::from_days(d)),
                        _ => None,
                    };
                item["challenge"]["until"] = json!(informed.zip(length).map(|(at, l)| at.plus(l)));
                item["challenge"]["runs_from"] = json!("informed");
            }
        }
        body["redress"]["copy_of_order"]["link"] = json!(token.as_deref().map(order_copy_path));
    }
    body["informed_at"] = json!(notice.informed_at);
    let complaints: Vec<Value> = tx
        .complaints_of_case(&notice.case)?
        .into_iter()
        .filter(|c| c.decision == notice.decision && c.complainant == Complainant::Uploader)
        .map(|c| json!({ "id": c.id.as_str(), "state": c.state, "received_at": c.received_at, "answer_due_at": c.due_at, "reasons": c.reasons }))
        .collect();
    let mut scrutinies = Vec::new();
    for o in tx.case_orders(&notice.case)? {
        for s in tx.scrutinies_of_order(&o.id)? {
            scrutinies.push(json!({ "id": s.id.as_str(), "order": o.id.as_str(), "trigger": s.trigger, "state": s.state, "due_at": s.due_at, "reasons": s.decision_reasons }));
        }
    }
    // A decision reversed on a notifier's complaint was replaced by a stronger one, not lifted.
    let replaced_by = match decision.reversed_at {
        Some(_) => tx
            .complaints_of_case(&notice.case)?
            .into_iter()
            .find(|c| c.decision == decision.id && c.state == ComplaintState::Reversed)
            .and_then(|c| c.new_decision),
        None => None,
    };
    let status = match (decision.reversed_at, &replaced_by) {
        (None, _) => "in_force",
        (Some(_), Some(_)) => "replaced",
        (Some(_), None) => "reinstated",
    };
    body["status"] = json!(status);
    body["reinstated_at"] = json!(if replaced_by.is_none() { decision.reversed_at } else { None });
    body["replaced_by"] = json!(replaced_by.as_ref().map(DecisionId::as_str));
    body["informed_at"] = json!(notice.informed_at);
    body["issued_at"] = json!(notice.issued_at);
    body["complaints"] = Value::Array(complaints);
    body["scrutinies"] = Value::Array(scrutinies);
    Ok(UploaderNoticeView { notice, token, body })
}

/// A copy of a removal order for the content provider of `case` (TCO art. 11(2)): the order as
/// issued (Annex I, with any clarification), this content's location, and how many others the
/// order lists (their content providers are others).
fn copy_of_order(tx: &dyn Reads, o: &OrderRecord, case: &CaseRecord) -> Result<Value, StoreError> {
    let form = &o.form;
    let authority = tx.get_org(&o.authority)?;
    let platform = tx.get_org(&o.platform)?;
    let listed = tx
        .get_signal(&o.id)?
        .and_then(|s| serde_json::from_str::<Value>(&s.locations).ok())
        .and_then(|l| l.as_array().map(Vec::len))
        .unwrap_or(1);
    Ok(json!({
        "order": o.id.as_str(),
        "reference": o.reference,
        "issued_at": o.intake_at,
        "legal_basis": "Regulation (EU) 2021/784 art. 3",
        "issuing_authority": {
            "name": authority.as_ref().map(|a| a.name.clone()),
            "member_state": authority.as_ref().and_then(|a| a.member_state.clone()),
        },
        "addressee": {
            "name": platform.as_ref().map(|p| p.name.clone()),
            "member_state": platform.as_ref().and_then(|p| p.host_state()).map(|s| s.code()),
        },
        "cross_border": o.cross_border,
        "annex_i": form,
        "content": { "url": case.url, "content_id": case.content_id, "account_id": case.account_id },
        "other_locations": listed.saturating_sub(1),
        "ended_at": o.ended_at,
    }))
}

/// Loads the issued notice a token opens; unknown, malformed and withheld all look the same.
pub(crate) fn notice_by_token(tx: &dyn Reads, token: &str) -> AppResult<UploaderNoticeRecord> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound("notice"));
    }
    match tx.uploader_notice_by_token(&secret_hash(token))? {
        Some(n) if n.issued_at.is_some() => Ok(n),
        _ => Err(AppError::NotFound("notice")),
    }
}

/// A terms clause as a platform registers it.
#[derive(Clone, Debug, Default)]
pub struct TermsClauseInput {
    pub code: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub body: Option<String>,
}

/// The non-disclosure as an authority sets or extends it.
#[derive(Clone, Debug, Default)]
pub struct EmbargoInput {
    pub until: Option<String>,
}

/// A court's ruling that annulled an order (TCO art. 9), as the issuing authority or the
/// competent authority records it.
#[derive(Clone, Debug, Default)]
pub struct AnnulmentInput {
    pub court: Option<String>,
    /// The ruling's reference.
    pub reference: Option<String>,
    /// The ruling's date, `YYYY-MM-DD`.
    pub decided_on: Option<String>,
}

/// Who may change an order besides its issuer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recorder {
    /// The issuing authority alone (its non-disclosure, TCO art. 11(3)).
    Issuer,
    /// The issuing authority, or the competent authority that scrutinises the order (a court's
    /// ruling may concern either's decision, art. 9).
    IssuerOrScrutinising,
}

/// A date as `YYYY-MM-DD`, plausibly a calendar date.
fn is_date(raw: &str) -> bool {
    let parts: Vec<&str> = raw.split('-').collect();
    let num = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 3
        && num(parts[0], 4)
        && num(parts[1], 2)
        && num(parts[2], 2)
        && (1..=12).contains(&parts[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&parts[2].parse::<u32>().unwrap_or(0))
}

/// Records that the content provider was informed, the first time only (`via`: `platform`, when
/// the platform says when it passed the notice on; `opened`, when the link was used).
pub(crate) fn mark_informed(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    notice: &mut UploaderNoticeRecord,
    via: &str,
) -> Result<(), StoreError> {
    mark_informed_at(tx, ev, notice, via, ev.now)
}

fn mark_informed_at(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    notice: &mut UploaderNoticeRecord,
    via: &str,
    at: Timestamp,
) -> Result<(), StoreError> {
    if notice.informed_at.is_some_and(|known| known <= at) {
        return Ok(());
    }
    notice.informed_at = Some(at);
    tx.update_uploader_notice(notice)?;
    ev.emit(tx, notice.id.as_str(), k::UploaderNoticeInformed { case: notice.case.clone(), via: Word::from(via), at })?;
    Ok(())
}

pub(crate) fn parse_time(raw: Option<&str>, field: &str, c: &mut Checker) -> Option<Timestamp> {
    let raw = raw?;
    let t = Timestamp::parse_rfc3339(raw);
    c.check(t.is_some(), field, "invalid_time", "must be an RFC 3339 date and time");
    t
}

impl App {
    /// Registers one of the platform's terms clauses, which decisions may then cite.
    pub async fn register_terms_clause(&self, p: &Principal, input: TermsClauseInput) -> AppResult<TermsClauseRecord> {
        require(p, &[OrgKind::Platform], Role::Integrator, "only a platform's integrator registers its terms clauses")?;
        let mut c = Checker::new();
        c.text(input.code.as_deref(), "code", 64);
        c.text(input.title.as_deref(), "title", 300);
        c.optional_text(input.url.as_deref(), "url", 2000);
        c.optional_text(input.body.as_deref(), "body", 20_000);
        if let Some(code) = input.code.as_deref() {
            c.check(
                !code.trim().starts_with("tcl_"),
                "code",
                "reserved",
                "codes starting with tcl_ are reserved for clause ids",
            );
        }
        c.finish()?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let rec = TermsClauseRecord {
                    id: TermsClauseId::from_random(id_bytes(now)),
                    platform: principal.org.clone(),
                    code: input.code.unwrap_or_default().trim().to_owned(),
                    title: input.title.unwrap_or_default().trim().to_owned(),
                    url: input.url,
                    body: input.body,
                    created_at: now,
                    created_by: principal.user.clone(),
                    retired_at: None,
                };
                // A code the platform used before is the store's conflict `duplicate_code`.
                tx.insert_terms_clause(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, rec.id.as_str(), k::TermsClauseRegistered { code: Word::new(rec.code.as_str()) })?;
                Ok(rec)
            })
            .await
    }

    /// The platform's clauses (retired ones too when asked).
    pub async fn list_terms_clauses(&self, p: &Principal, with_retired: bool) -> AppResult<Vec<TermsClauseRecord>> {
        if p.org_kind != OrgKind::Platform {
            return Err(AppError::Forbidden("terms clauses belong to platforms"));
        }
        let org = p.org.clone();
        Ok(self.store().read(move |r| r.terms_clauses(&org, with_retired)).await?)
    }

    /// Retires a clause: past decisions keep citing it; new ones cannot.
    pub async fn retire_terms_clause(&self, p: &Principal, id: &str) -> AppResult<TermsClauseRecord> {
        require(p, &[OrgKind::Platform], Role::Integrator, "only a platform's integrator retires its terms clauses")?;
        let id = TermsClauseId::parse(id).ok_or(AppError::NotFound("terms clause"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let mut rec = match tx.get_terms_clause(&id)? {
                    Some(r) if r.platform == principal.org => r,
                    _ => return Err(AppError::NotFound("terms clause")),
                };
                if rec.retired_at.is_some() {
                    return Err(AppError::conflict(Conflict::AlreadyRetired, "the clause is already retired"));
                }
                let now = clock.now();
                rec.retired_at = Some(now);
                tx.update_terms_clause(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, rec.id.as_str(), k::TermsClauseRetired { code: Word::new(rec.code.as_str()) })?;
                Ok(rec)
            })
            .await
    }

    /// The notice a token opens, for the uploader who holds it. Public: the token is the key.
    /// The first opening is, at the latest, when the content provider was informed (TCO art. 4(4),
    /// DSA art. 20(2)), and is recorded.
    pub async fn uploader_notice(&self, token: &str) -> AppResult<UploaderNoticeView> {
        let token = token.to_owned();
        let clock = self.clock().clone();
        self.store()
            .write(move |tx| {
                let mut notice = notice_by_token(tx, &token)?;
                let now = clock.now();
                if notice.informed_at.is_none() {
                    let actor = Actor::system();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    mark_informed(tx, &ev, &mut notice, "opened")?;
                }
                // The holder has the secret; it is not repeated.
                let mut view = notice_view(tx, notice, Some(token))?;
                view.token = None;
                Ok(view)
            })
            .await
    }

    /// The platform records when it informed the content provider (passed the notice on): their
    /// 48 hours to ask for scrutiny, the time to challenge an order (TCO arts. 4(4) and 9) and
    /// the six months to complain (DSA art. 20(2)) run from then. `at` defaults to now; it is neither before the notice was issued nor in
    /// the future. The earliest of this and the link's first opening counts.
    pub async fn record_uploader_informed(
        &self,
        p: &Principal,
        case: &str,
        at: Option<String>,
    ) -> AppResult<UploaderNoticeView> {
        if p.org_kind != OrgKind::Platform
            || !(p.roles.contains(&Role::Moderator) || p.roles.contains(&Role::Integrator))
        {
            return Err(AppError::Forbidden(
                "a platform's moderators or integrators record that the uploader was informed",
            ));
        }
        let mut c = Checker::new();
        let at = parse_time(at.as_deref(), "at", &mut c);
        c.finish()?;
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let pepper = self.pepper().clone();
        self.store()
            .write(move |tx| {
                let case = crate::cases::own_case(tx, &principal, &id)?;
                let d = tx.case_decision(&case.id)?.ok_or(AppError::NotFound("uploader notice"))?;
                let mut notice = tx.uploader_notice_of_decision(&d.id)?.ok_or(AppError::NotFound("uploader notice"))?;
                let Some(issued) = notice.issued_at else {
                    return Err(AppError::conflict(
                        Conflict::NoticeWithheld,
                        "a non-disclosure withholds the notice: the uploader may not be told yet",
                    ));
                };
                let now = clock.now();
                let at = at.unwrap_or(now);
                if at < issued || at > now {
                    return Err(Invalid::one("at", "out_of_range", "between the notice's issue and now").into());
                }
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                mark_informed_at(tx, &ev, &mut notice, "platform", at)?;
                let token = platform_token(&pepper, &notice);
                notice_view(tx, notice, token)
            })
            .await
    }

    /// TCO art. 11(2): the content provider asks for a copy of the removal order, through the
    /// notice's link; the platform is told that it was given. Not while a non-disclosure runs (the
    /// link does not open then).
    pub async fn order_copy(&self, token: &str) -> AppResult<Vec<Value>> {
        let token = token.to_owned();
        let clock = self.clock().clone();
        let copies = self
            .store()
            .write(move |tx| {
                let mut notice = notice_by_token(tx, &token)?;
                let orders = tx.case_orders(&notice.case)?;
                if orders.is_empty() {
                    return Err(AppError::conflict(
                        Conflict::NotAnOrder,
                        "this decision was not taken on a removal order: there is no order to copy",
                    ));
                }
                let now = clock.now();
                let actor = Actor::system();
                let ev = Events { clock: &*clock, now, actor: &actor };
                mark_informed(tx, &ev, &mut notice, "opened")?;
                let case = tx.get_case(&notice.case)?.ok_or(AppError::Internal("notice without case"))?;
                let mut copies = Vec::new();
                for o in &orders {
                    copies.push(copy_of_order(tx, o, &case)?);
                }
                let copied = k::UploaderNoticeOrderCopy {
                    case: notice.case.clone(),
                    orders: orders.iter().map(|o| o.id.clone()).collect(),
                };
                ev.emit(tx, notice.id.as_str(), copied)?;
                let told = UploaderNoticeOrderCopy {
                    notice: notice.id.clone(),
                    case: notice.case.clone(),
                    orders: orders.iter().map(|o| o.id.clone()).collect(),
                };
                enqueue(tx, now, &notice.platform, &told, Some(&notice.case), false)?;
                Ok(copies)
            })
            .await?;
        self.wake_delivery();
        Ok(copies)
    }

    /// The notice about a case's current decision, for its platform: withheld (without its link)
    /// while an embargo runs.
    pub async fn case_uploader_notice(&self, p: &Principal, case: &str) -> AppResult<UploaderNoticeView> {
        if p.org_kind != OrgKind::Platform && !is_admin(p) {
            return Err(AppError::NotFound("case"));
        }
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let principal = p.clone();
        let pepper = self.pepper().clone();
        self.store()
            .read(move |r| {
                let Some(case) = r.get_case(&id)? else { return Ok(Err(AppError::NotFound("case"))) };
                if case.platform.as_ref() != Some(&principal.org) && !is_admin(&principal) {
                    return Ok(Err(AppError::NotFound("case")));
                }
                let Some(d) = r.case_decision(&case.id)? else {
                    return Ok(Err(AppError::NotFound("uploader notice")));
                };
                let Some(notice) = r.uploader_notice_of_decision(&d.id)? else {
                    return Ok(Err(AppError::NotFound("uploader notice")));
                };
                let token = platform_token(&pepper, &notice);
                Ok(notice_view(r, notice, token))
            })
            .await?
    }

    /// The issuing authority extends its non-disclosure once, by at most six weeks. Nobody else
    /// may: the decision is the issuing authority's alone (TCO art. 11(3)).
    pub async fn extend_embargo(&self, p: &Principal, order: &str, input: EmbargoInput) -> AppResult<OrderView> {
        let mut c = Checker::new();
        c.check(input.until.is_some(), "until", "required", "the new end of the non-disclosure");
        let until = parse_time(input.until.as_deref(), "until", &mut c);
        c.finish()?;
        let until = until.expect("checked");
        self.authority_order_change(p, order, Recorder::Issuer, move |tx, ev, mut order| {
            let mut e = order
                .embargo
                .ok_or_else(|| AppError::conflict(Conflict::NoEmbargo, "the order has no non-disclosure"))?;
            e.extend(ev.now, until).map_err(|r| AppError::conflict(r.code, r.message))?;
            order.embargo = Some(e);
            tx.update_order(&order)?;
            ev.emit(tx, order.id.as_str(), k::EmbargoExtended { until })?;
            Ok(order)
        })
        .await
    }

    /// The issuing authority lifts its non-disclosure early; withheld notices go out. It alone
    /// may (TCO art. 11(3)).
    pub async fn lift_embargo(&self, p: &Principal, order: &str) -> AppResult<OrderView> {
        let pepper = self.pepper().clone();
        self.authority_order_change(p, order, Recorder::Issuer, move |tx, ev, order| {
            lift(tx, ev, &pepper, order, false)
        })
        .await
    }

    /// Records a court's ruling that annulled the order (TCO art. 9), with its reference: the
    /// order stops having effect and the content is reinstated. Recorded by the issuing
    /// authority, or by the competent authority that scrutinises it; Vigie's administrator annuls
    /// nothing. The court and the reference are sealed in the log.
    pub async fn annul_order(&self, p: &Principal, order: &str, input: AnnulmentInput) -> AppResult<OrderView> {
        let mut c = Checker::new();
        c.text(input.court.as_deref(), "court", 300);
        c.text(input.reference.as_deref(), "reference", 128);
        match input.decided_on.as_deref() {
            None => c.push("decided_on", "required", "the date of the ruling, YYYY-MM-DD"),
            Some(d) => c.check(is_date(d.trim()), "decided_on", "invalid_date", "must be a date, YYYY-MM-DD"),
        }
        c.finish()?;
        let retention = self.config().personal_data_retention;
        self.authority_order_change(p, order, Recorder::IssuerOrScrutinising, move |tx, ev, order| {
            let id = order.id.clone();
            let recorded_by = if ev.actor.org.as_ref() == Some(&order.authority) {
                "issuing_authority"
            } else {
                "scrutinising_authority"
            };
            let court = input.court.unwrap_or_default().trim().to_owned();
            let reference = input.reference.unwrap_or_default().trim().to_owned();
            let decided_on = input.decided_on.unwrap_or_default().trim().to_owned();
            let retain = ev.now.plus(retention);
            let (_, court_sealed) = keep_personal(tx, ev.now, "order.ruling_court", &court, retain)?;
            let (_, reference_sealed) = keep_personal(tx, ev.now, "order.ruling_reference", &reference, retain)?;
            let logged = k::OrderEnded {
                cause: Word::from("annulment"),
                scrutiny: None,
                court: Some(court_sealed),
                reference: Some(reference_sealed),
                decided_on: Some(Word::new(decided_on.as_str())),
                recorded_by: Some(Word::from(recorded_by)),
            };
            // The ruling is the outcome of the order's pending court challenges.
            challenges::close_on_annulment(tx, ev, &id, Some(&decided_on), Some(&reference))?;
            let end = OrderEnd::Annulment { court, reference, decided_on, recorded_by: recorded_by.to_owned() };
            end_order(tx, ev, order, end, logged)?;
            Ok(tx.get_order(&id)?.expect("just updated"))
        })
        .await
    }

    async fn authority_order_change<F>(
        &self,
        p: &Principal,
        order: &str,
        who: Recorder,
        change: F,
    ) -> AppResult<OrderView>
    where
        F: FnOnce(&mut dyn Tx, &Events<'_>, OrderRecord) -> AppResult<OrderRecord> + Send + 'static,
    {
        require(p, &[OrgKind::Authority], Role::Reporter, "only the issuing authority's reporters change its order")?;
        let id = SignalId::parse(order).ok_or(AppError::NotFound("order"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let out = self
            .store()
            .write(move |tx| {
                let order = match tx.get_order(&id)? {
                    Some(o) if o.authority == principal.org => o,
                    Some(o)
                        if who == Recorder::IssuerOrScrutinising
                            && o.cross_border
                            && scrutiny::scrutinising_authority(tx, &o).ok().as_ref() == Some(&principal.org) =>
                    {
                        o
                    }
                    _ => return Err(AppError::NotFound("order")),
                };
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                let order = change(tx, &ev, order)?;
                // With its cases as they now stand (an annulment reinstates them).
                Ok(crate::cases::order_view(&*tx, order)?)
            })
            .await?;
        self.wake_delivery();
        Ok(out)
    }

    /// The platform reinstates content it removed on its own assessment (an error it found
    /// itself). Content removed under an order in force is refused: only the order's redress
    /// brings it back.
    pub async fn reinstate_case(
        &self,
        p: &Principal,
        case: &str,
        reasons: Option<String>,
    ) -> AppResult<DecisionRecord> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators reinstate content")?;
        let mut c = Checker::new();
        c.text(reasons.as_deref(), "reasons", 5_000);
        c.finish()?;
        let retention = self.config().personal_data_retention;
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let out = self
            .store()
            .write(move |tx| {
                let case = match tx.get_case(&id)? {
                    Some(c) if c.platform.as_ref() == Some(&principal.org) => c,
                    _ => return Err(AppError::NotFound("case")),
                };
                let d = tx.case_decision(&case.id)?.filter(|d| d.action.is_restrictive()).ok_or_else(|| {
                    AppError::conflict(Conflict::NothingToReinstate, "the case has no restrictive decision")
                })?;
                if d.reversed_at.is_some() {
                    return Err(AppError::conflict(Conflict::NothingToReinstate, "the content was already reinstated"));
                }
                if tx.case_orders(&case.id)?.iter().any(|o| o.ended_at.is_none()) {
                    return Err(AppError::conflict(
                        Conflict::OrderInForce,
                        "content removed under a removal order in force comes back only through the order's redress \
                         (an infringement found on cross-border scrutiny, or an annulment)",
                    ));
                }
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                reinstate(
                    tx,
                    &ev,
                    &d,
                    ("voluntary", principal.user.as_str()),
                    reasons.as_deref().map(|r| (r, retention)),
                )?;
                Ok(tx.get_decision(&d.id)?.expect("exists"))
            })
            .await?;
        self.wake_delivery();
        Ok(out)
    }
}

/// Lifts an embargo (at its end, `automatic`, or early) and issues the notices it held back.
pub(crate) fn lift(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    pepper: &Pepper,
    mut order: OrderRecord,
    automatic: bool,
) -> AppResult<OrderRecord> {
    let mut e: Embargo =
        order.embargo.ok_or_else(|| AppError::conflict(Conflict::NoEmbargo, "the order has no non-disclosure"))?;
    e.lift(ev.now).map_err(|r| AppError::conflict(r.code, r.message))?;
    order.embargo = Some(e);
    tx.update_order(&order)?;
    ev.emit(tx, order.id.as_str(), k::EmbargoLifted { automatic, until: e.until })?;
    for case_id in tx.signal_cases(&order.id)? {
        let Some(case) = tx.get_case(&case_id)? else { continue };
        if embargoed(&tx.case_orders(&case.id)?, ev.now) {
            continue;
        }
        for mut n in tx.uploader_notices_of_case(&case.id)? {
            if n.issued_at.is_none() {
                issue_notice(tx, ev, pepper, &mut n)?;
            }
        }
        if let Some(d) = tx.case_decision(&case.id)? {
            tell_notifiers(tx, ev, &case, &d)?;
        }
    }
    Ok(order)
}

/// Records that a clock ran out: the event, and an urgent message (the kind's webhook, with the
/// event's data) to whoever must act on it.
pub(crate) fn overdue(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    subject: &str,
    to: &OrgId,
    event: Event,
) -> Result<(), StoreError> {
    let message = Announced::new(&event, serde_json::Map::new()).expect("an overdue clock is announced");
    ev.emit(tx, subject, event)?;
    enqueue(tx, ev.now, to, &message, None, true)
}

/// The scheduler's due-process pass: embargoes ending, complaints and scrutinies overdue, holds
/// expiring, threats to life escalating. Returns how many things it did.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>, pepper: &Pepper) -> AppResult<usize> {
    let mut n = 0;
    for order in tx.due_embargoes(ev.now, 256)? {
        lift(tx, ev, pepper, order, true)?;
        n += 1;
    }
    n += complaints::tick(tx, ev)?;
    n += scrutiny::tick(tx, ev)?;
    n += holds::tick(tx, ev)?;
    n += threats::tick(tx, ev)?;
    Ok(n)
}
