//! Imminent threats to life (DSA art. 18, TCO art. 14(5)): an alert that escalates every quarter
//! of an hour until someone acknowledges it, and the record of each referral to law enforcement
//! (the competent member states, Europol where relevant) with its time. Under TCO art. 14(5), when
//! no member state can be identified, the platform informs both the contact point (art. 12(2)) of
//! the member state of its main establishment or legal representative and Europol; Vigie delivers
//! the referral to each of them that is registered.

use vigie_model::Conflict;
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{Competence, MemberState, OrgKind, Role};
use vigie_model::redress::{ReferralBasis, next_threat_escalation};
use vigie_model::signal::{PriorityInputs, priority};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::outbox::messages::{LawEnforcementReferral, Referral, ThreatToLifeEscalated};
use crate::outbox::{CaseChange, CaseMessage, enqueue};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, seal_text};

/// A referral to law enforcement as a platform (or the hub) records it.
#[derive(Clone, Debug, Default)]
pub struct ReferralToPoliceInput {
    /// `dsa_18` or `tco_14_5`.
    pub basis: Option<String>,
    /// Member states whose authorities were informed.
    pub member_states: Vec<String>,
    /// Europol was informed (when the member state cannot be identified, or as well).
    pub europol: bool,
    /// TCO art. 14(5): the contact point (art. 12(2)) of the member state of the platform's main
    /// establishment or legal representative was informed.
    pub contact_point: bool,
    /// An authority registered in Vigie that receives the referral through Vigie.
    pub authority: Option<String>,
    pub note: Option<String>,
}

/// A case's threat-to-life alert and referrals.
#[derive(Clone, Debug)]
pub struct ThreatView {
    pub alert: Option<ThreatAlertRecord>,
    pub referrals: Vec<LawEnforcementReferralRecord>,
}

/// Raises the alert for a case newly flagged as a threat to life (once per case).
/// `note`: why the platform flagged it, when it did.
pub(crate) fn raise(tx: &mut dyn Tx, ev: &Events<'_>, case: &CaseRecord, note: Option<&str>) -> Result<(), StoreError> {
    if tx.threat_alert(&case.id)?.is_some() {
        return Ok(());
    }
    tx.put_threat_alert(&ThreatAlertRecord {
        case: case.id.clone(),
        raised_at: ev.now,
        level: 0,
        next_at: Some(next_threat_escalation(ev.now, 0)),
        acknowledged_at: None,
        acknowledged_by: None,
        note: note.map(str::to_owned),
    })
}

fn hubs(tx: &dyn Reads) -> Result<Vec<OrgId>, StoreError> {
    Ok(tx.list_orgs()?.into_iter().filter(|o| o.kind == OrgKind::Hub).map(|o| o.id).collect())
}

/// Escalates every unacknowledged alert that is due: an event, and urgent messages to the
/// platform and the hub.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>) -> AppResult<usize> {
    let due = tx.due_threat_alerts(ev.now, 256)?;
    let hubs = if due.is_empty() { Vec::new() } else { hubs(tx)? };
    for mut alert in due.iter().cloned() {
        alert.level += 1;
        alert.next_at = Some(next_threat_escalation(alert.raised_at, alert.level));
        tx.put_threat_alert(&alert)?;
        let case = tx.get_case(&alert.case)?;
        let referred = !tx.le_referrals_of(&alert.case)?.is_empty();
        let data = ThreatToLifeEscalated {
            case: alert.case.clone(),
            level: alert.level,
            raised_at: alert.raised_at,
            referred,
        };
        let escalated = k::ThreatToLifeEscalated {
            case: Some(alert.case.clone()),
            platform: None,
            level: Some(alert.level),
            flagged_by: None,
            raised_at: Some(alert.raised_at),
            referred: Some(referred),
        };
        ev.emit(tx, alert.case.as_str(), escalated)?;
        if let Some(platform) = case.as_ref().and_then(|c| c.platform.clone()) {
            enqueue(tx, ev.now, &platform, &data, None, true)?;
        }
        for hub in &hubs {
            enqueue(tx, ev.now, hub, &data, None, true)?;
        }
    }
    Ok(due.len())
}

/// The authority of the platform's member state designated to issue orders, whose contact point
/// (TCO art. 12(2)) receives a referral under art. 14(5), if it is registered.
fn contact_point_authority(tx: &dyn Reads, case: &CaseRecord) -> Result<Option<OrgId>, StoreError> {
    let Some(platform) = case.platform.as_ref() else { return Ok(None) };
    let Some(state) = tx.get_org(platform)?.and_then(|p| p.host_state()) else { return Ok(None) };
    Ok(tx
        .list_orgs()?
        .into_iter()
        .find(|o| {
            o.kind == OrgKind::Authority
                && o.member_state.as_deref() == Some(state.code())
                && o.has(Competence::IssueOrders)
        })
        .map(|o| o.id))
}

/// May `p` act on this case's threat: its platform's moderators, or the hub's people.
fn threat_case(tx: &dyn Reads, p: &Principal, id: &CaseId) -> AppResult<CaseRecord> {
    let case = tx.get_case(id)?.ok_or(AppError::NotFound("case"))?;
    let platform_moderator =
        p.org_kind == OrgKind::Platform && case.platform.as_ref() == Some(&p.org) && p.roles.contains(&Role::Moderator);
    let hub = p.org_kind == OrgKind::Hub && (p.roles.contains(&Role::Reporter) || p.roles.contains(&Role::Admin));
    if platform_moderator || hub {
        Ok(case)
    } else if case.platform.as_ref() == Some(&p.org) {
        Err(AppError::Forbidden("only the platform's moderators act on a threat to life"))
    } else {
        Err(AppError::NotFound("case"))
    }
}

impl App {
    /// Flags a case as an imminent threat to life after intake (the platform found it so).
    pub async fn flag_threat(&self, p: &Principal, case: &str, note: Option<String>) -> AppResult<CaseRecord> {
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let mut c = Checker::new();
        c.optional_text(note.as_deref(), "note", 5_000);
        c.finish()?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let case = self
            .store()
            .write(move |tx| {
                let mut case = threat_case(tx, &principal, &id)?;
                let now = clock.now();
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                if !case.threat_to_life {
                    case.threat_to_life = true;
                    case.priority = priority(PriorityInputs {
                        tier: case.tier,
                        threat_to_life: true,
                        accountable_sources: case.accountable_sources,
                        anonymous_signals: case.anonymous_signals,
                        text_match: !tx.case_text_hits(&case.id)?.is_empty(),
                    });
                    case.updated_at = now;
                    tx.update_case(&case)?;
                    ev.emit(
                        tx,
                        case.id.as_str(),
                        k::ThreatToLifeEscalated {
                            case: None,
                            platform: None,
                            level: Some(0),
                            flagged_by: Some(Word::from("platform")),
                            raised_at: None,
                            referred: None,
                        },
                    )?;
                    if let Some(hold) = tx.active_hold(&case.id)? {
                        super::holds::end_hold(tx, &ev, hold, vigie_model::redress::HoldEnd::ThreatToLife)?;
                    }
                    if let Some(platform) = &case.platform {
                        let escalated = CaseMessage::new(CaseChange::Escalated, &case);
                        enqueue(tx, now, platform, &escalated, Some(&case.id), true)?;
                    }
                }
                raise(tx, &ev, &case, note.as_deref())?;
                Ok::<_, AppError>(case)
            })
            .await?;
        self.wake_delivery();
        Ok(case)
    }

    /// Records a referral to law enforcement, with its time; an authority registered in Vigie
    /// receives it through its webhooks.
    pub async fn refer_to_police(
        &self,
        p: &Principal,
        case: &str,
        input: ReferralToPoliceInput,
    ) -> AppResult<LawEnforcementReferralRecord> {
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let mut c = Checker::new();
        let basis = match input.basis.as_deref().map(ReferralBasis::parse) {
            Some(Some(b)) => Some(b),
            Some(None) => {
                c.push("basis", "unknown_basis", "must be dsa_18 or tco_14_5");
                None
            }
            None => {
                c.push("basis", "required", "dsa_18 (DSA art. 18) or tco_14_5 (TCO art. 14(5))");
                None
            }
        };
        let mut states = Vec::new();
        for (i, s) in input.member_states.iter().enumerate() {
            match MemberState::parse(s) {
                Some(m) => states.push(m.code().to_owned()),
                None => c.push(format!("member_states[{i}]"), "unknown_member_state", "must be a member-state code"),
            }
        }
        c.check(
            !states.is_empty() || input.europol || input.contact_point,
            "member_states",
            "required",
            "name the member states informed, or Europol when none can be identified",
        );
        // TCO art. 14(5): no member state identified, so both the contact point of the platform's
        // own member state and Europol.
        if basis == Some(ReferralBasis::Tco14_5) && states.is_empty() {
            c.check(
                input.contact_point,
                "contact_point",
                "required",
                "with no member state identified, inform the contact point of the member state of your main establishment or legal representative (TCO art. 14(5))",
            );
            c.check(
                input.europol,
                "europol",
                "required",
                "with no member state identified, transmit the information to Europol as well (TCO art. 14(5))",
            );
        }
        c.optional_text(input.note.as_deref(), "note", 5_000);
        let authority = match input.authority.as_deref() {
            None => None,
            Some(a) => {
                let parsed = OrgId::parse(a);
                c.check(parsed.is_some(), "authority", "unknown_authority", "is not an organisation id");
                parsed
            }
        };
        c.finish()?;
        states.sort();
        states.dedup();
        let retention = self.config().personal_data_retention;
        let clock = self.clock().clone();
        let principal = p.clone();
        let rec = self
            .store()
            .write(move |tx| {
                let case = threat_case(tx, &principal, &id)?;
                if let Some(a) = &authority
                    && tx.get_org(a)?.is_none_or(|o| o.kind != OrgKind::Authority)
                {
                    return Err(
                        Invalid::one("authority", "unknown_authority", "is not an authority known to Vigie").into()
                    );
                }
                let now = clock.now();
                // The contact point of art. 12(2) sits in the authority that issues orders in the
                // platform's member state; Vigie delivers to it when the caller named no authority.
                let authority = match (&authority, input.contact_point) {
                    (None, true) => contact_point_authority(tx, &case)?,
                    (a, _) => a.clone(),
                };
                let rec = LawEnforcementReferralRecord {
                    id: LawEnforcementReferralId::from_random(id_bytes(now)),
                    case: case.id.clone(),
                    org: principal.org.clone(),
                    basis: basis.expect("checked"),
                    member_states: states,
                    europol: input.europol,
                    contact_point: input.contact_point,
                    authority,
                    sent_at: now,
                    sent_by: principal.user.clone(),
                    note: input.note,
                };
                tx.insert_le_referral(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let note =
                    seal_text(tx, now, "threat_to_life.referral_note", rec.note.as_deref(), now.plus(retention))?;
                ev.emit(
                    tx,
                    case.id.as_str(),
                    k::ThreatToLifeReferred {
                        referral: rec.id.clone(),
                        basis: Word::new(rec.basis.as_str()),
                        member_states: rec.member_states.iter().map(Word::new).collect(),
                        europol: rec.europol,
                        contact_point: rec.contact_point,
                        authority: rec.authority.clone(),
                        note,
                    },
                )?;
                let data = LawEnforcementReferral {
                    case: (&case).into(),
                    referral: Referral {
                        id: rec.id.clone(),
                        basis: rec.basis.as_str().to_owned(),
                        sent_at: now,
                        note: rec.note.clone(),
                    },
                };
                let mut to: Vec<OrgId> = rec.authority.iter().cloned().collect();
                if rec.europol {
                    for e in tx.list_orgs()?.into_iter().filter(|o| o.europol) {
                        if !to.contains(&e.id) {
                            to.push(e.id);
                        }
                    }
                }
                for a in &to {
                    enqueue(tx, now, a, &data, None, true)?;
                }
                Ok::<_, AppError>(rec)
            })
            .await?;
        self.wake_delivery();
        Ok(rec)
    }

    /// Stops the escalation: someone has taken charge. Needs a recorded referral, or a note
    /// saying why none was made.
    pub async fn acknowledge_threat(&self, p: &Principal, case: &str, note: Option<String>) -> AppResult<ThreatView> {
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let mut c = Checker::new();
        c.optional_text(note.as_deref(), "note", 5_000);
        c.finish()?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let case = threat_case(tx, &principal, &id)?;
                let mut alert = tx
                    .threat_alert(&case.id)?
                    .ok_or_else(|| AppError::conflict(Conflict::NoAlert, "the case has no threat-to-life alert"))?;
                if alert.acknowledged_at.is_some() {
                    return Err(AppError::conflict(
                        Conflict::AlreadyAcknowledged,
                        "the alert was already acknowledged",
                    ));
                }
                let referrals = tx.le_referrals_of(&case.id)?;
                if referrals.is_empty() && note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                    return Err(AppError::conflict(
                        Conflict::ReferralRequired,
                        "record the referral to law enforcement first, or say in a note why none was made",
                    ));
                }
                let now = clock.now();
                alert.acknowledged_at = Some(now);
                alert.acknowledged_by = Some(principal.user.clone());
                alert.next_at = None;
                // Keep why it was flagged beside why it was closed.
                alert.note = match (alert.note.take(), note) {
                    (Some(flagged), Some(closed)) => Some(format!("{flagged}\n{closed}")),
                    (flagged, closed) => closed.or(flagged),
                };
                tx.put_threat_alert(&alert)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(
                    tx,
                    case.id.as_str(),
                    k::ThreatToLifeAcknowledged {
                        level: alert.level,
                        referrals: referrals.len() as u64,
                        raised_at: alert.raised_at,
                    },
                )?;
                Ok(ThreatView { alert: Some(alert), referrals })
            })
            .await
    }

    /// A case's alert and referrals.
    pub async fn threat(&self, p: &Principal, case: &str) -> AppResult<ThreatView> {
        let id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                let case = match threat_case(r, &principal, &id) {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e)),
                };
                Ok(Ok(ThreatView { alert: r.threat_alert(&case.id)?, referrals: r.le_referrals_of(&case.id)? }))
            })
            .await?
    }
}
