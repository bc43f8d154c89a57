//! Court challenges of removal orders (TCO art. 9): the addressed platform records the
//! proceedings it brings before the courts of the issuing member state, and their outcome. They
//! are counted in the provider's report (art. 7(3)(e)) and the authority's (art. 8(1)(c)).
//!
//! A ruling that annuls the order is recorded as an annulment (`POST /api/v1/orders/{id}/annulment`,
//! by the issuing authority or the competent authority that scrutinises the order), which ends the
//! order and closes its pending challenges as `annulled`; a ruling that upholds the order, or a
//! withdrawal, is recorded here by the platform or the issuing authority.

use vigie_model::Conflict;
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{ChallengeOutcome, ChallengeParty, ChallengeState};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::auth::{is_admin, require};
use crate::outbox::enqueue;
use crate::outbox::messages::OrderChallenged;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, seal_text};

/// A challenge as the platform records it.
#[derive(Clone, Debug, Default)]
pub struct ChallengeInput {
    pub court: Option<String>,
    pub reference: Option<String>,
    pub filed_on: Option<String>,
}

/// The outcome of a challenge.
#[derive(Clone, Debug, Default)]
pub struct ChallengeOutcomeInput {
    pub outcome: Option<String>,
    pub decided_on: Option<String>,
    pub reference: Option<String>,
}

fn day(c: &mut Checker, raw: Option<&str>, field: &str) {
    match raw {
        None => c.push(field, "required", "is required"),
        Some(d) => c.check(vigie_model::decision::check_day(d), field, "invalid_date", "must be a day, YYYY-MM-DD"),
    }
}

fn decided(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    mut ch: ChallengeRecord,
    outcome: ChallengeOutcome,
) -> AppResult<ChallengeRecord> {
    ch.state = ChallengeState::from(outcome);
    ch.outcome_recorded_at = Some(ev.now);
    tx.put_challenge(&ch)?;
    let decided = k::OrderChallengeDecided {
        challenge: ch.id.clone(),
        brought_by: Word::new(ch.brought_by.as_str()),
        outcome: Word::new(ch.state.as_str()),
    };
    ev.emit(tx, ch.order.as_str(), decided)?;
    Ok(ch)
}

/// Closes an annulled order's pending challenges: the court's annulment is their outcome.
pub(crate) fn close_on_annulment(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    order: &SignalId,
    decided_on: Option<&str>,
    reference: Option<&str>,
) -> AppResult<()> {
    for mut ch in tx.challenges_of_order(order)? {
        if ch.state == ChallengeState::Pending {
            ch.decided_on = decided_on.map(str::to_owned);
            ch.outcome_reference = reference.map(str::to_owned);
            decided(tx, ev, ch, ChallengeOutcome::Annulled)?;
        }
    }
    Ok(())
}

impl App {
    /// The addressed platform records that it challenged the order in court (TCO art. 9).
    pub async fn challenge_order(
        &self,
        p: &Principal,
        order: &str,
        input: ChallengeInput,
    ) -> AppResult<ChallengeRecord> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only the addressee's moderators record its challenges")?;
        let id = SignalId::parse(order).ok_or(AppError::NotFound("order"))?;
        let mut c = Checker::new();
        c.text(input.court.as_deref(), "court", 300);
        c.text(input.reference.as_deref(), "reference", 128);
        day(&mut c, input.filed_on.as_deref(), "filed_on");
        c.finish()?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        let rec = self
            .store()
            .write(move |tx| {
                let order = match tx.get_order(&id)? {
                    Some(o) if o.platform == principal.org => o,
                    _ => return Err(AppError::NotFound("order")),
                };
                if order.ended_at.is_some() {
                    return Err(AppError::conflict(
                        Conflict::OrderEnded,
                        "the order has already stopped having effect",
                    ));
                }
                let now = clock.now();
                let rec = ChallengeRecord {
                    id: ChallengeId::from_random(id_bytes(now)),
                    order: order.id.clone(),
                    brought_by: ChallengeParty::Platform,
                    org: principal.org.clone(),
                    court: input.court.unwrap_or_default().trim().to_owned(),
                    reference: input.reference.unwrap_or_default().trim().to_owned(),
                    filed_on: input.filed_on.unwrap_or_default(),
                    recorded_at: now,
                    recorded_by: principal.user.clone(),
                    state: ChallengeState::Pending,
                    decided_on: None,
                    outcome_reference: None,
                    outcome_recorded_at: None,
                };
                tx.put_challenge(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let retain = now.plus(retention);
                let court = seal_text(tx, now, "order.challenge_court", Some(&rec.court), retain)?;
                let reference = seal_text(tx, now, "order.challenge_reference", Some(&rec.reference), retain)?;
                ev.emit(
                    tx,
                    order.id.as_str(),
                    k::OrderChallenged {
                        challenge: rec.id.clone(),
                        brought_by: Word::new(rec.brought_by.as_str()),
                        filed_on: Word::new(rec.filed_on.as_str()),
                        court,
                        reference,
                    },
                )?;
                let data = OrderChallenged {
                    order: order.id.clone(),
                    reference: order.reference.clone(),
                    challenge: rec.id.clone(),
                    court: rec.court.clone(),
                    court_reference: rec.reference.clone(),
                    filed_on: rec.filed_on.clone(),
                };
                enqueue(tx, now, &order.authority, &data, None, false)?;
                Ok(rec)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// An order's challenges, for its addressee, its issuing authority and administrators.
    pub async fn order_challenges(&self, p: &Principal, order: &str) -> AppResult<Vec<ChallengeRecord>> {
        let id = SignalId::parse(order).ok_or(AppError::NotFound("order"))?;
        let principal = p.clone();
        self.read_app(move |r| {
            match r.get_order(&id)? {
                Some(o) if o.platform == principal.org || o.authority == principal.org || is_admin(&principal) => {}
                _ => return Err(AppError::NotFound("order")),
            }
            Ok(r.challenges_of_order(&id)?)
        })
        .await
    }

    /// Records a challenge's outcome: `upheld` (the court upheld the order) or `withdrawn`, by the
    /// platform that brought it or the issuing authority. An annulment is recorded as such.
    pub async fn record_challenge_outcome(
        &self,
        p: &Principal,
        order: &str,
        challenge: &str,
        input: ChallengeOutcomeInput,
    ) -> AppResult<ChallengeRecord> {
        let order_id = SignalId::parse(order).ok_or(AppError::NotFound("order"))?;
        let id = ChallengeId::parse(challenge).ok_or(AppError::NotFound("challenge"))?;
        let mut c = Checker::new();
        let outcome = input.outcome.as_deref().and_then(ChallengeOutcome::parse);
        c.check(outcome.is_some(), "outcome", "unknown_outcome", "must be upheld, annulled or withdrawn");
        day(&mut c, input.decided_on.as_deref(), "decided_on");
        c.optional_text(input.reference.as_deref(), "reference", 128);
        c.finish()?;
        let outcome = outcome.expect("checked");
        if outcome == ChallengeOutcome::Annulled {
            return Err(AppError::conflict(
                Conflict::RecordAsAnnulment,
                "an annulment ends the order: the issuing authority or the scrutinising authority records it \
                 (POST /api/v1/orders/{id}/annulment), which closes this challenge",
            ));
        }
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let order = tx.get_order(&order_id)?.ok_or(AppError::NotFound("order"))?;
                let allowed = (principal.org_kind == OrgKind::Platform && order.platform == principal.org)
                    || (principal.org_kind == OrgKind::Authority && order.authority == principal.org);
                let ch = tx
                    .challenges_of_order(&order.id)?
                    .into_iter()
                    .find(|ch| ch.id == id)
                    .filter(|_| allowed)
                    .ok_or(AppError::NotFound("challenge"))?;
                if ch.state != ChallengeState::Pending {
                    return Err(AppError::conflict(
                        Conflict::ChallengeDecided,
                        format!("the challenge was {}", ch.state.as_str()),
                    ));
                }
                let mut ch = ch;
                ch.decided_on = input.decided_on;
                ch.outcome_reference = input.reference.map(|r| r.trim().to_owned());
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                decided(tx, &ev, ch, outcome)
            })
            .await
    }
}
