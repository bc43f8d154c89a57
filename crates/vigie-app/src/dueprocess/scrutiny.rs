//! Cross-border scrutiny of removal orders (TCO art. 4). The competent authority designated for
//! scrutiny (art. 12(1)(b)) in the member state where the platform has its main establishment or
//! its legal representative receives a copy of the order when it is sent (art. 4(1)). It may
//! scrutinise the order on its own initiative within 72 hours of that copy (art. 4(3)); the
//! platform within 48 hours of receiving the order, and each content provider within 48 hours of
//! being informed, may ask it to, each in their own right (art. 4(4)). Before finding an
//! infringement it tells the issuing authority (art. 4(5)); its decision goes to the issuer, the
//! platform, the requester and Europol (art. 4(6)). An infringement ends the order and reinstates
//! the content.

use serde_json::{Value, json};
use vigie_model::Conflict;
use vigie_model::decision::Purpose;
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{Competence, OrgKind, Role};
use vigie_model::redress::{ScrutinyState, ScrutinyTrigger, may_find_infringement, scrutiny_due, scrutiny_in_time};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::{end_order, mark_informed, notice_by_token};
use crate::auth::{is_admin, require};
use crate::outbox::enqueue;
use crate::outbox::messages::{ScrutinyDecided, ScrutinyIntention, ScrutinyRequested};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal, seal_text};

/// The scrutinising authority's answer.
#[derive(Clone, Debug, Default)]
pub struct ScrutinyDecisionInput {
    /// `infringement` or `no_infringement`.
    pub outcome: Option<String>,
    pub reasons: Option<String>,
}

/// The competent authority of `state` designated for scrutiny (TCO art. 12(1)(b)), other than
/// the issuer itself.
pub(crate) fn competent_authority_of(tx: &dyn Reads, state: &str, issuer: &OrgId) -> Result<Option<OrgId>, StoreError> {
    Ok(tx
        .list_orgs()?
        .into_iter()
        .find(|o| {
            o.kind == OrgKind::Authority
                && o.member_state.as_deref() == Some(state)
                && o.has(Competence::Scrutiny)
                && &o.id != issuer
        })
        .map(|o| o.id))
}

/// The authority that scrutinises an order: the one that received its copy, or else the one now
/// designated in the platform's member state (main establishment, or legal representative).
pub(crate) fn scrutinising_authority(tx: &dyn Reads, order: &OrderRecord) -> AppResult<OrgId> {
    if let Some(to) = &order.copy_to {
        return Ok(to.clone());
    }
    let platform = tx.get_org(&order.platform)?.ok_or(AppError::Internal("order without platform"))?;
    let state = platform.host_state().ok_or_else(|| {
        AppError::conflict(
            Conflict::NoScrutinisingAuthority,
            "the platform's member state of establishment is not known",
        )
    })?;
    competent_authority_of(tx, state.code(), &order.authority)?.ok_or_else(|| {
        AppError::conflict(
            Conflict::NoScrutinisingAuthority,
            format!("no authority of {} designated for scrutiny (TCO art. 12(1)(b)) is registered", state.code()),
        )
    })
}

/// The platform's art. 1(3) purpose concerns about an order: the protected purposes its
/// moderators recorded when complying (they never blocked compliance).
pub(crate) fn purpose_concerns(tx: &dyn Reads, order: &OrderRecord) -> Result<Vec<Value>, StoreError> {
    let mut out = Vec::new();
    for case in tx.signal_cases(&order.id)? {
        if let Some(d) = tx.case_decision(&case)?
            && d.decided_at >= order.intake_at
            && let Some(purpose) = d.purpose
            && purpose != Purpose::None
        {
            out.push(json!({ "case": case.as_str(), "decision": d.id.as_str(), "purpose": purpose.as_str(), "rationale": d.purpose_rationale }));
        }
    }
    Ok(out)
}

/// Who asks, and from when their time runs.
struct Request<'a> {
    trigger: ScrutinyTrigger,
    /// When the requester's time started (see `scrutiny_in_time`).
    from: Option<Timestamp>,
    /// A content provider's notice.
    notice: Option<&'a UploaderNoticeId>,
    reasons: &'a str,
}

fn open(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    retention: Duration,
    order: &OrderRecord,
    req: Request<'_>,
) -> AppResult<ScrutinyRecord> {
    if !order.cross_border {
        return Err(AppError::conflict(
            Conflict::NotCrossBorder,
            "the platform is established in the issuing member state: the order is challenged before its courts (TCO art. 9)",
        ));
    }
    if order.ended_at.is_some() {
        return Err(AppError::conflict(Conflict::OrderEnded, "the order has already stopped having effect"));
    }
    scrutiny_in_time(req.trigger, req.from, ev.now).map_err(|r| AppError::conflict(r.code, r.message))?;
    // Each requester has their own right: another's pending request does not stand in the way.
    if tx
        .scrutinies_of_order(&order.id)?
        .iter()
        .any(|s| s.state == ScrutinyState::Pending && s.trigger == req.trigger && s.notice.as_ref() == req.notice)
    {
        return Err(AppError::conflict(Conflict::ScrutinyPending, "your scrutiny of this order is already under way"));
    }
    let authority = scrutinising_authority(tx, order)?;
    let (reasons_ref, sealed) = keep_personal(tx, ev.now, "scrutiny.reasons", req.reasons, ev.now.plus(retention))?;
    let concerns = purpose_concerns(tx, order)?;
    let rec = ScrutinyRecord {
        id: ScrutinyId::from_random(id_bytes(ev.now)),
        order: order.id.clone(),
        trigger: req.trigger,
        requested_at: ev.now,
        due_at: scrutiny_due(req.trigger, ev.now, order.copy_at.unwrap_or(order.intake_at)),
        authority: authority.clone(),
        reasons_ref: Some(reasons_ref),
        state: ScrutinyState::Pending,
        overdue_at: None,
        decided_at: None,
        decided_by: None,
        decision_reasons: None,
        notice: req.notice.cloned(),
        intention_at: None,
        intention_reasons: None,
        purpose_concerns: (!concerns.is_empty()).then(|| Value::Array(concerns.clone()).to_string()),
    };
    tx.insert_scrutiny(&rec)?;
    let requested = k::ScrutinyRequested {
        order: order.id.clone(),
        trigger: Word::new(rec.trigger.as_str()),
        authority: authority.clone(),
        due_at: rec.due_at,
        reasons: Some(sealed),
        purpose_concerns: concerns.len() as u64,
    };
    ev.emit(tx, rec.id.as_str(), requested)?;
    let data = ScrutinyRequested {
        scrutiny: rec.id.clone(),
        order: order.id.clone(),
        reference: order.reference.clone(),
        trigger: rec.trigger,
        due_at: rec.due_at,
        purpose_concerns: None,
    };
    let to_authority = ScrutinyRequested { purpose_concerns: Some(concerns), ..data.clone() };
    enqueue(tx, ev.now, &authority, &to_authority, None, true)?;
    enqueue(tx, ev.now, &order.authority, &data, None, false)?;
    if req.trigger != ScrutinyTrigger::Platform {
        enqueue(tx, ev.now, &order.platform, &data, None, false)?;
    }
    Ok(rec)
}

/// A scrutiny request's reasons, which the API and the console take as `text`.
fn check_reasons(reasons: Option<&str>, field: &str) -> AppResult<String> {
    let mut c = Checker::new();
    c.text(reasons, field, 20_000);
    c.finish()?;
    Ok(reasons.unwrap_or_default().trim().to_owned())
}

/// The refusal of scrutiny to an authority not designated for it.
pub(crate) const NOT_DESIGNATED_FOR_SCRUTINY: &str = "only an authority designated for scrutiny (Regulation (EU) 2021/784 \
     art. 12(1)(b)) decides scrutinies; an administrator records the designation (PATCH /api/v1/orgs/{id})";

/// Whether the caller's organisation is an authority designated for scrutiny (TCO art. 12(1)(b)):
/// none is presumed, as for issuing orders.
pub(crate) fn designated_for_scrutiny(r: &dyn Reads, p: &Principal) -> AppResult<bool> {
    Ok(p.org_kind == OrgKind::Authority && r.get_org(&p.org)?.is_some_and(|o| o.has(Competence::Scrutiny)))
}

/// [`designated_for_scrutiny`], or the refusal.
pub(crate) fn require_designated_for_scrutiny(r: &dyn Reads, p: &Principal) -> AppResult<()> {
    if designated_for_scrutiny(r, p)? { Ok(()) } else { Err(AppError::Forbidden(NOT_DESIGNATED_FOR_SCRUTINY)) }
}

/// Loads a pending scrutiny of the caller's authority, which must (still) be designated for
/// scrutiny; another organisation's is not found.
fn own_pending(tx: &dyn Reads, p: &Principal, id: &ScrutinyId) -> AppResult<ScrutinyRecord> {
    let s = tx.get_scrutiny(id)?.filter(|s| s.authority == p.org).ok_or(AppError::NotFound("scrutiny"))?;
    require_designated_for_scrutiny(tx, p)?;
    if s.state != ScrutinyState::Pending {
        return Err(AppError::conflict(Conflict::AlreadyDecided, format!("the scrutiny found {}", s.state.as_str())));
    }
    Ok(s)
}

impl App {
    /// The addressed platform asks for scrutiny of an order (within 48 hours of receiving it), or
    /// the competent authority of its member state opens one on its own initiative (within 72
    /// hours of receiving the copy).
    pub async fn request_scrutiny(
        &self,
        p: &Principal,
        order: &str,
        reasons: Option<String>,
    ) -> AppResult<ScrutinyRecord> {
        let reasons = check_reasons(reasons.as_deref(), "text")?;
        let id = SignalId::parse(order).ok_or(AppError::NotFound("order"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let order = tx.get_order(&id)?.ok_or(AppError::NotFound("order"))?;
                let (trigger, from) = if principal.org == order.platform {
                    require(
                        &principal,
                        &[OrgKind::Platform],
                        Role::Moderator,
                        "only the addressee's moderators ask for scrutiny",
                    )?;
                    (ScrutinyTrigger::Platform, order.clock.received_at)
                } else if principal.org_kind == OrgKind::Authority
                    && scrutinising_authority(tx, &order).ok().as_ref() == Some(&principal.org)
                {
                    require(
                        &principal,
                        &[OrgKind::Authority],
                        Role::Reporter,
                        "only the authority's reporters open a scrutiny",
                    )?;
                    (ScrutinyTrigger::ExOfficio, Some(order.copy_at.unwrap_or(order.intake_at)))
                } else {
                    return Err(AppError::NotFound("order"));
                };
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                open(tx, &ev, retention, &order, Request { trigger, from, notice: None, reasons: &reasons })
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The content provider asks for scrutiny through the notice's link, within 48 hours of
    /// being informed (art. 4(4)), whatever the platform asked.
    pub async fn request_scrutiny_as_uploader(
        &self,
        token: &str,
        reasons: Option<String>,
    ) -> AppResult<ScrutinyRecord> {
        let reasons = check_reasons(reasons.as_deref(), "text")?;
        let token = token.to_owned();
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let mut notice = notice_by_token(tx, &token)?;
                let orders = tx.case_orders(&notice.case)?;
                if orders.is_empty() {
                    return Err(AppError::conflict(
                        Conflict::NotAnOrder,
                        "scrutiny concerns removal orders, and this decision was not taken on one; contest it with a complaint",
                    ));
                }
                // The order in force, else the latest one, which `open` refuses as ended.
                let order = match orders.iter().position(|o| o.ended_at.is_none()) {
                    Some(i) => orders[i].clone(),
                    None => orders.into_iter().max_by_key(|o| o.ended_at).expect("not empty"),
                };
                let actor = Actor::system();
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                // Whoever asks through the link has been informed, at the latest now.
                mark_informed(tx, &ev, &mut notice, "opened")?;
                let req = Request {
                    trigger: ScrutinyTrigger::Uploader,
                    from: notice.informed_at,
                    notice: Some(&notice.id),
                    reasons: &reasons,
                };
                open(tx, &ev, retention, &order, req)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The scrutinies an authority designated for scrutiny must decide (pending first); any other
    /// organisation is refused.
    pub async fn list_scrutinies(&self, p: &Principal) -> AppResult<Vec<ScrutinyRecord>> {
        if p.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("scrutinies are decided by authorities"));
        }
        let principal = p.clone();
        self.read_app(move |r| {
            require_designated_for_scrutiny(r, &principal)?;
            Ok(r.scrutinies_for(&principal.org)?)
        })
        .await
    }

    /// Whether the caller decides scrutinies: a reporter of an authority designated for scrutiny
    /// (the console's menu offers the page to them alone).
    pub async fn decides_scrutinies(&self, p: &Principal) -> AppResult<bool> {
        if p.org_kind != OrgKind::Authority || !p.roles.contains(&Role::Reporter) {
            return Ok(false);
        }
        let principal = p.clone();
        self.read_app(move |r| designated_for_scrutiny(r, &principal)).await
    }

    /// A scrutiny, for the scrutinising authority, the issuer, the addressee and administrators.
    pub async fn get_scrutiny(&self, p: &Principal, id: &str) -> AppResult<ScrutinyRecord> {
        let id = ScrutinyId::parse(id).ok_or(AppError::NotFound("scrutiny"))?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                let Some(s) = r.get_scrutiny(&id)? else { return Ok(None) };
                let order = r.get_order(&s.order)?;
                let allowed = is_admin(&principal)
                    || s.authority == principal.org
                    || order.is_some_and(|o| o.authority == principal.org || o.platform == principal.org);
                Ok(allowed.then_some(s))
            })
            .await?
            .ok_or(AppError::NotFound("scrutiny"))
    }

    /// TCO art. 4(5): before finding an infringement, the scrutinising authority tells the
    /// issuing authority of its intention and its reasons.
    pub async fn scrutiny_intention(
        &self,
        p: &Principal,
        id: &str,
        reasons: Option<String>,
    ) -> AppResult<ScrutinyRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only the scrutinising authority's reporters act on it")?;
        let reasons = check_reasons(reasons.as_deref(), "reasons")?;
        let id = ScrutinyId::parse(id).ok_or(AppError::NotFound("scrutiny"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let mut s = own_pending(tx, &principal, &id)?;
                if s.intention_at.is_some() {
                    return Err(AppError::conflict(Conflict::IssuerInformed, "the issuing authority was already told"));
                }
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                s.intention_at = Some(now);
                s.intention_reasons = Some(reasons.clone());
                tx.update_scrutiny(&s)?;
                let (_, sealed) = keep_personal(tx, now, "scrutiny.intention", &reasons, now.plus(retention))?;
                ev.emit(tx, s.id.as_str(), k::ScrutinyIntention { order: s.order.clone(), reasons: sealed })?;
                let order = tx.get_order(&s.order)?.ok_or(AppError::Internal("scrutiny without order"))?;
                let data = ScrutinyIntention {
                    scrutiny: s.id.clone(),
                    order: order.id.clone(),
                    reference: order.reference.clone(),
                    intention: "infringement",
                    reasons,
                    due_at: s.due_at,
                };
                enqueue(tx, now, &order.authority, &data, None, true)?;
                Ok::<_, AppError>(s)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The scrutinising authority decides. An infringement (after the issuer was told, and on its
    /// own initiative within its 72 hours) ends the order: the content is reinstated. The decision
    /// goes to the issuer, the platform, the content provider (through the notice) and Europol.
    pub async fn decide_scrutiny(
        &self,
        p: &Principal,
        id: &str,
        input: ScrutinyDecisionInput,
    ) -> AppResult<ScrutinyRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only the scrutinising authority's reporters decide")?;
        let id = ScrutinyId::parse(id).ok_or(AppError::NotFound("scrutiny"))?;
        let mut c = Checker::new();
        let infringement = match input.outcome.as_deref() {
            Some("infringement") => Some(true),
            Some("no_infringement") => Some(false),
            Some(_) => {
                c.push("outcome", "unknown_outcome", "must be infringement or no_infringement");
                None
            }
            None => {
                c.push("outcome", "required", "infringement or no_infringement");
                None
            }
        };
        c.text(input.reasons.as_deref(), "reasons", 20_000);
        c.finish()?;
        let infringement = infringement.expect("checked");
        let retention = self.config().personal_data_retention;
        let clock = self.clock().clone();
        let principal = p.clone();
        let rec = self
            .store()
            .write(move |tx| {
                let mut s = own_pending(tx, &principal, &id)?;
                let now = clock.now();
                if infringement {
                    may_find_infringement(s.trigger, s.due_at, s.intention_at.is_some(), now)
                        .map_err(|r| AppError::conflict(r.code, r.message))?;
                }
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                s.state = if infringement { ScrutinyState::Infringement } else { ScrutinyState::NoInfringement };
                s.decided_at = Some(now);
                s.decided_by = Some(principal.user.clone());
                s.decision_reasons = input.reasons.map(|r| r.trim().to_owned());
                tx.update_scrutiny(&s)?;
                let europol: Vec<OrgId> = tx.list_orgs()?.into_iter().filter(|o| o.europol).map(|o| o.id).collect();
                let decided = k::ScrutinyDecided {
                    order: s.order.clone(),
                    outcome: Word::new(s.state.as_str()),
                    late: now > s.due_at,
                    trigger: Some(Word::new(s.trigger.as_str())),
                    europol: Some(europol.len() as u64),
                    reasons: seal_text(
                        tx,
                        now,
                        "scrutiny.decision_reasons",
                        s.decision_reasons.as_deref(),
                        now.plus(retention),
                    )?,
                };
                ev.emit(tx, s.id.as_str(), decided)?;
                let order = tx.get_order(&s.order)?.ok_or(AppError::Internal("scrutiny without order"))?;
                let data = ScrutinyDecided {
                    scrutiny: s.id.clone(),
                    order: order.id.clone(),
                    reference: order.reference.clone(),
                    outcome: s.state,
                    reasons: s.decision_reasons.clone(),
                };
                enqueue(tx, now, &order.authority, &data, None, true)?;
                enqueue(tx, now, &order.platform, &data, None, true)?;
                // TCO arts. 4(6) and 14: Europol is informed of the decision.
                for e in &europol {
                    enqueue(tx, now, e, &data, None, false)?;
                }
                // Another finding or a court may have ended the order already; this one is
                // recorded all the same.
                if infringement && order.ended_at.is_none() {
                    let logged = k::OrderEnded {
                        cause: Word::from("scrutiny_infringement"),
                        scrutiny: Some(s.id.clone()),
                        court: None,
                        reference: None,
                        decided_on: None,
                        recorded_by: None,
                    };
                    let end = vigie_model::order::OrderEnd::ScrutinyInfringement { scrutiny: s.id.clone() };
                    end_order(tx, &ev, order, end, logged)?;
                }
                Ok::<_, AppError>(s)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }
}

/// Flags scrutinies whose 72 hours ran out, to the scrutinising authority.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>) -> AppResult<usize> {
    let due = tx.due_scrutinies(ev.now, 256)?;
    for mut s in due.iter().cloned() {
        s.overdue_at = Some(ev.now);
        tx.update_scrutiny(&s)?;
        let data = k::ScrutinyOverdue { scrutiny: s.id.clone(), order: s.order.clone(), due_at: s.due_at };
        super::overdue(tx, ev, s.id.as_str(), &s.authority, data.into())?;
    }
    Ok(due.len())
}
