//! Cross-border scrutiny of removal orders (TCO art. 4): the platform or the uploader asks, within
//! 48 hours, the competent authority of the member state where the platform is established; it
//! decides within 72 hours. An infringement ends the order and reinstates the content.

use serde_json::json;
use vigie_model::event::EventKind;
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{SCRUTINY_DECISION, ScrutinyTrigger, scrutiny_in_time};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::{end_order, notice_by_token};
use crate::auth::{is_admin, require};
use crate::delivery::enqueue;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal};

/// The scrutinising authority's answer.
#[derive(Clone, Debug, Default)]
pub struct ScrutinyDecisionInput {
    /// `infringement` or `no_infringement`.
    pub outcome: Option<String>,
    pub reasons: Option<String>,
}

/// The competent authority of the member state where the platform has its main establishment
/// (or its legal representative), as registered in Vigie.
fn scrutinising_authority(tx: &dyn Reads, order: &OrderRecord) -> AppResult<OrgId> {
    let platform = tx.get_org(&order.platform)?.ok_or(AppError::Internal("order without platform"))?;
    let state = platform.main_establishment.or(platform.member_state).ok_or_else(|| {
        AppError::conflict("no_scrutinising_authority", "the platform's member state of establishment is not known")
    })?;
    tx.list_orgs()?
        .into_iter()
        .filter(|o| {
            o.kind == OrgKind::Authority && o.member_state.as_deref() == Some(&state) && o.id != order.authority
        })
        .map(|o| o.id)
        .next()
        .ok_or_else(|| {
            AppError::conflict(
                "no_scrutinising_authority",
                format!("no competent authority of {state} is registered to scrutinise the order"),
            )
        })
}

#[allow(clippy::too_many_arguments)]
fn open(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    retention: Duration,
    order: &OrderRecord,
    trigger: ScrutinyTrigger,
    received_at: Timestamp,
    reasons: &str,
) -> AppResult<ScrutinyRecord> {
    if !order.cross_border {
        return Err(AppError::conflict(
            "not_cross_border",
            "the platform is established in the issuing member state: the order is challenged before its courts (TCO art. 9)",
        ));
    }
    if order.ended_at.is_some() {
        return Err(AppError::conflict("order_ended", "the order has already stopped having effect"));
    }
    scrutiny_in_time(trigger, received_at, ev.now).map_err(|r| AppError::conflict(r.code, r.message))?;
    if tx.scrutinies_of_order(&order.id)?.iter().any(|s| s.state == "pending") {
        return Err(AppError::conflict("scrutiny_pending", "a scrutiny of this order is already under way"));
    }
    let authority = scrutinising_authority(tx, order)?;
    let (reasons_ref, sealed) = keep_personal(tx, ev.now, "scrutiny.reasons", reasons, ev.now.plus(retention))?;
    let rec = ScrutinyRecord {
        id: ScrutinyId::from_random(id_bytes(ev.now)),
        order: order.id.clone(),
        trigger: trigger.as_str().to_owned(),
        requested_at: ev.now,
        due_at: ev.now.plus(SCRUTINY_DECISION),
        authority: authority.clone(),
        reasons_ref: Some(reasons_ref),
        state: "pending".into(),
        overdue_at: None,
        decided_at: None,
        decided_by: None,
        decision_reasons: None,
    };
    tx.insert_scrutiny(&rec)?;
    ev.emit(
        tx,
        EventKind::ScrutinyRequested,
        rec.id.as_str(),
        json!({ "order": order.id.as_str(), "trigger": rec.trigger, "authority": authority.as_str(), "due_at": rec.due_at, "reasons": sealed }),
    )?;
    let data = json!({ "scrutiny": rec.id.as_str(), "order": order.id.as_str(), "reference": order.reference, "trigger": rec.trigger, "due_at": rec.due_at });
    enqueue(tx, ev.now, &authority, "scrutiny.requested", data.clone(), None, true)?;
    enqueue(tx, ev.now, &order.authority, "scrutiny.requested", data.clone(), None, false)?;
    if trigger != ScrutinyTrigger::Platform {
        enqueue(tx, ev.now, &order.platform, "scrutiny.requested", data, None, false)?;
    }
    Ok(rec)
}

/// A scrutiny request's reasons, which the API and the console take as `text`.
fn check_reasons(reasons: Option<&str>) -> AppResult<String> {
    let mut c = Checker::new();
    c.text(reasons, "text", 20_000);
    c.finish()?;
    Ok(reasons.unwrap_or_default().trim().to_owned())
}

impl App {
    /// The addressed platform asks for scrutiny of an order (within 48 hours of receiving it), or
    /// the competent authority of its member state opens one on its own initiative (within 72).
    pub async fn request_scrutiny(
        &self,
        p: &Principal,
        order: &str,
        reasons: Option<String>,
    ) -> AppResult<ScrutinyRecord> {
        let reasons = check_reasons(reasons.as_deref())?;
        let id = SignalId::parse(order).ok_or(AppError::NotFound("order"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let order = tx.get_order(&id)?.ok_or(AppError::NotFound("order"))?;
                let trigger = if principal.org == order.platform {
                    require(
                        &principal,
                        &[OrgKind::Platform],
                        Role::Moderator,
                        "only the addressee's moderators ask for scrutiny",
                    )?;
                    ScrutinyTrigger::Platform
                } else if principal.org_kind == OrgKind::Authority
                    && scrutinising_authority(tx, &order).ok().as_ref() == Some(&principal.org)
                {
                    require(
                        &principal,
                        &[OrgKind::Authority],
                        Role::Reporter,
                        "only the authority's reporters open a scrutiny",
                    )?;
                    ScrutinyTrigger::ExOfficio
                } else {
                    return Err(AppError::NotFound("order"));
                };
                let received = match trigger {
                    ScrutinyTrigger::Platform => order.clock.received_at.unwrap_or(order.intake_at),
                    _ => order.intake_at,
                };
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                open(tx, &ev, retention, &order, trigger, received, &reasons)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The uploader asks for scrutiny through the notice's link, within 48 hours of the notice.
    pub async fn request_scrutiny_as_uploader(
        &self,
        token: &str,
        reasons: Option<String>,
    ) -> AppResult<ScrutinyRecord> {
        let reasons = check_reasons(reasons.as_deref())?;
        let token = token.to_owned();
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let notice = notice_by_token(tx, &token)?;
                let orders = tx.case_orders(&notice.case)?;
                if orders.is_empty() {
                    return Err(AppError::conflict(
                        "not_an_order",
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
                open(tx, &ev, retention, &order, ScrutinyTrigger::Uploader, notice.issued_at.expect("issued"), &reasons)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// The scrutinies an authority must decide (pending first), or one it may read.
    pub async fn list_scrutinies(&self, p: &Principal) -> AppResult<Vec<ScrutinyRecord>> {
        if p.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("scrutinies are decided by authorities"));
        }
        let org = p.org.clone();
        Ok(self.store().read(move |r| r.scrutinies_for(&org)).await?)
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

    /// The scrutinising authority decides. An infringement ends the order: the content is
    /// reinstated and everyone concerned is told.
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
        let clock = self.clock().clone();
        let principal = p.clone();
        let rec = self
            .store()
            .write(move |tx| {
                let mut s = tx
                    .get_scrutiny(&id)?
                    .filter(|s| s.authority == principal.org)
                    .ok_or(AppError::NotFound("scrutiny"))?;
                if s.state != "pending" {
                    return Err(AppError::conflict("already_decided", format!("the scrutiny found {}", s.state)));
                }
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                s.state = if infringement { "infringement" } else { "no_infringement" }.to_owned();
                s.decided_at = Some(now);
                s.decided_by = Some(principal.user.clone());
                s.decision_reasons = input.reasons.map(|r| r.trim().to_owned());
                tx.update_scrutiny(&s)?;
                ev.emit(
                    tx,
                    EventKind::ScrutinyDecided,
                    s.id.as_str(),
                    json!({ "order": s.order.as_str(), "outcome": s.state, "late": now > s.due_at }),
                )?;
                let order = tx.get_order(&s.order)?.ok_or(AppError::Internal("scrutiny without order"))?;
                let data = json!({ "scrutiny": s.id.as_str(), "order": order.id.as_str(), "reference": order.reference, "outcome": s.state, "reasons": s.decision_reasons });
                enqueue(tx, now, &order.authority, "scrutiny.decided", data.clone(), None, true)?;
                enqueue(tx, now, &order.platform, "scrutiny.decided", data, None, true)?;
                if infringement {
                    end_order(tx, &ev, order, json!({ "cause": "scrutiny_infringement", "scrutiny": s.id.as_str() }))?;
                }
                Ok(s)
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
        let data = json!({ "scrutiny": s.id.as_str(), "order": s.order.as_str(), "due_at": s.due_at });
        super::overdue(tx, ev, (EventKind::ScrutinyOverdue, "scrutiny.overdue"), s.id.as_str(), &s.authority, data)?;
    }
    Ok(due.len())
}
