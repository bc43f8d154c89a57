//! Case folding: each target of a signal joins the one case its platform holds for that content
//! or account (or opens it, or parks it at the hub when no platform claims its host), and the
//! case's tier, priority, sources, deadline and labels (languages, art. 2(7) types) take the
//! signal into account. Intake folds every
//! report; the stay-down check folds a bank match; an approved host claim routes parked cases.

use std::collections::HashSet;

use vigie_model::case::CaseState;
use vigie_model::decision::answers_order;
use vigie_model::event::{Word, kinds as k};
use vigie_model::location::{Target, host_candidates};
use vigie_model::org::OrgKind;
use vigie_model::signal::{PriorityInputs, SignalKind, priority};
use vigie_model::*;
use vigie_store::*;

use crate::dueprocess::holds::HoldState;
use crate::outbox::{CaseChange, CaseMessage, enqueue};
use crate::{AppResult, Events, id_bytes, keep_personal};

/// What a signal brings to each case it folds into.
pub(crate) struct Contribution<'a> {
    pub(crate) signal: &'a SignalRecord,
    /// The accountable source (an organisation), or `None` for an anonymous report.
    pub(crate) source: Option<&'a OrgId>,
    /// A legal deadline the signal imposes (orders).
    pub(crate) due_at: Option<Timestamp>,
    /// What the signal says the content is: its language, its art. 2(7) types.
    pub(crate) labels: &'a [vigie_model::labels::CaseLabel],
}

/// Folds one target of a signal into its case on `platform` (or the hub's parking lot).
pub(crate) fn fold(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    c: &Contribution<'_>,
    idx: u32,
    target: &Target,
    platform: Option<&OrgId>,
    seen: &mut HashSet<CaseId>,
) -> AppResult<CaseId> {
    let key = target.case_key();
    let existing = tx.find_case(platform, &key)?;
    let is_new = existing.is_none();
    let mut case = existing.unwrap_or_else(|| CaseRecord {
        id: CaseId::from_random(id_bytes(ev.now)),
        platform: platform.cloned(),
        key,
        kind: target.kind(),
        url: target.url().map(|u| u.as_str().to_owned()),
        host: target.url().map(|u| u.host().to_owned()),
        content_id: None,
        account_id: None,
        state: if platform.is_some() { CaseState::Open } else { CaseState::Parked },
        tier: c.signal.tier,
        threat_to_life: false,
        accountable_sources: 0,
        anonymous_signals: 0,
        priority: 0,
        due_at: None,
        created_at: ev.now,
        updated_at: ev.now,
        delivered_at: None,
        acknowledged_at: None,
        decided_at: None,
        reinstated_at: None,
    });
    if seen.contains(&case.id) {
        // The same signal listed this location twice: link it, count it once.
        tx.link_signal_case(c.signal, idx, &case.id)?;
        return Ok(case.id);
    }
    let was_threat = case.threat_to_life;
    // An order about content already decided: if the decision answers it, the case stays decided
    // (the order is complied with at intake, see `submit_order`); otherwise the case reopens.
    let mut reopened = false;
    if !is_new && case.state == CaseState::Decided && c.signal.kind == SignalKind::Order {
        let current = tx.case_decision(&case.id)?;
        if !current.is_some_and(|d| answers_order(d.action, &d.territorial_scope)) {
            case.state = CaseState::Open;
            case.decided_at = None;
            reopened = true;
        }
    }
    match (c.source, is_new) {
        (Some(_), true) => case.accountable_sources = 1,
        // The case row exists, so the source can be recorded now; only a new source counts.
        (Some(org), false) => {
            if tx.add_case_source(&case.id, org.as_str())? {
                case.accountable_sources += 1;
            }
        }
        (None, _) => case.anonymous_signals += 1,
    }
    case.tier = case.tier.max(c.signal.tier);
    case.threat_to_life |= c.signal.threat_to_life;
    case.due_at = match (case.due_at, c.due_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if case.content_id.is_none() {
        case.content_id = target.content_id().map(str::to_owned);
    }
    if case.account_id.is_none() {
        case.account_id = target.account_id().map(str::to_owned);
    }
    case.priority = priority(PriorityInputs {
        tier: case.tier,
        threat_to_life: case.threat_to_life,
        accountable_sources: case.accountable_sources,
        anonymous_signals: case.anonymous_signals,
        text_match: !is_new && !tx.case_text_hits(&case.id)?.is_empty(),
    });
    case.updated_at = ev.now;
    if is_new {
        tx.insert_case(&case)?;
        if let Some(org) = c.source {
            tx.add_case_source(&case.id, org.as_str())?;
        }
    } else {
        tx.update_case(&case)?;
    }
    tx.link_signal_case(c.signal, idx, &case.id)?;
    tx.add_case_labels(&case.id, c.labels)?;
    seen.insert(case.id.clone());

    let facts = k::CaseSignalAdded {
        signal: c.signal.id.clone(),
        signal_kind: Word::new(c.signal.kind.as_str()),
        platform: case.platform.clone(),
        target: Word::new(case.kind.as_str()),
        tier: Word::new(case.tier.as_str()),
        priority: case.priority,
        threat_to_life: case.threat_to_life,
    };
    if is_new {
        // The URL or account id the case is about, sealed (never a plain hash: the chain is never
        // rewritten, so what it holds must become unreadable once the value is erased). The value
        // is kept until the case's identifiers are erased (`retention`).
        let (key_ref, sealed) = keep_personal(tx, ev.now, "case.key", &case.key, Timestamp::from_micros(i64::MAX))?;
        tx.insert_case_retention(&case.id, Some(&key_ref))?;
        let k::CaseSignalAdded { signal, signal_kind, platform, target, tier, priority, threat_to_life } = facts;
        let opened =
            k::CaseOpened { signal, signal_kind, platform, target, tier, priority, threat_to_life, key: Some(sealed) };
        ev.emit(tx, case.id.as_str(), opened)?;
        if case.platform.is_none() {
            ev.emit(tx, case.id.as_str(), k::CaseParked { host: case.host.as_deref().map(Word::from) })?;
        }
    } else {
        ev.emit(tx, case.id.as_str(), facts)?;
    }
    if reopened {
        ev.emit(tx, case.id.as_str(), k::CaseReopened { signal: c.signal.id.clone() })?;
    }
    if case.threat_to_life {
        crate::dueprocess::threats::raise(tx, ev, &case, None)?;
    }
    let hold = crate::dueprocess::holds::on_fold(tx, ev, &case, is_new, c.signal, idx)?;
    if hold == HoldState::Held {
        return Ok(case.id);
    }
    if let Some(platform) = &case.platform {
        let push = if is_new || hold == HoldState::Released {
            // Threats to life and removal orders travel in the outbox's urgent lane.
            Some((CaseChange::Opened, case.threat_to_life || c.signal.kind == SignalKind::Order))
        } else if reopened {
            Some((CaseChange::Reopened, true))
        } else if case.threat_to_life && !was_threat {
            Some((CaseChange::Escalated, true))
        } else if c.signal.kind == SignalKind::Order && case.state.is_pending() {
            // A new order on a pending case: its clock starts when the platform hears of it.
            Some((CaseChange::Updated, true))
        } else {
            None
        };
        if let Some((change, urgent)) = push {
            enqueue(tx, ev.now, platform, &CaseMessage::new(change, &case), Some(&case.id), urgent)?;
        }
    }
    Ok(case.id)
}

/// Moves a parked case to the platform that now owns its host.
pub(crate) fn route_parked_case(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    mut case: CaseRecord,
    platform: &OrgId,
) -> AppResult<()> {
    if tx.find_case(Some(platform), &case.key)?.is_some() {
        // The platform already has this content as a case; the parked one stays for the hub to
        // merge by hand rather than two cases silently sharing a key.
        return Ok(());
    }
    case.platform = Some(platform.clone());
    case.state = CaseState::Open;
    case.updated_at = ev.now;
    tx.update_case(&case)?;
    ev.emit(tx, case.id.as_str(), k::CaseRouted { platform: platform.clone() })?;
    if tx.active_hold(&case.id)?.is_some() {
        return Ok(());
    }
    // Threats to life and removal orders travel in the outbox's urgent lane.
    let urgent = case.threat_to_life || !tx.case_orders(&case.id)?.is_empty();
    enqueue(tx, ev.now, platform, &CaseMessage::new(CaseChange::Opened, &case), Some(&case.id), urgent)?;
    Ok(())
}

/// The platform a reported location is on: the owner of its host, or the platform it names;
/// `None` for a host no platform claimed (the case is parked).
pub(crate) fn route_target(tx: &dyn Reads, target: &Target, idx: usize) -> AppResult<Option<OrgId>> {
    Ok(match (target.url(), target.named_platform()) {
        (Some(url), _) => tx.route_host(&host_candidates(url.host()))?,
        (None, Some(named)) => match tx.get_org(named)? {
            Some(org) if org.kind == OrgKind::Platform => Some(org.id),
            _ => {
                let field = format!("locations[{idx}].platform");
                return Err(Invalid::one(field, "unknown_platform", "is not a platform known to Vigie").into());
            }
        },
        (None, None) => unreachable!("a target has a URL or names its platform"),
    })
}

/// Folds every target of a signal; orders pass their addressee, others route by host.
pub(crate) fn fold_all(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    c: &Contribution<'_>,
    targets: &[Target],
    addressee: Option<&OrgId>,
) -> AppResult<Vec<(CaseId, Option<OrgId>)>> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(targets.len());
    for (idx, target) in targets.iter().enumerate() {
        let platform = match addressee {
            Some(a) => Some(a.clone()),
            None => route_target(tx, target, idx)?,
        };
        let idx = u32::try_from(idx).expect("at most MAX_LOCATIONS");
        let case = fold(tx, ev, c, idx, target, platform.as_ref(), &mut seen)?;
        if c.signal.threat_to_life && idx == 0 {
            ev.emit(
                tx,
                c.signal.id.as_str(),
                k::ThreatToLifeEscalated {
                    case: Some(case.clone()),
                    platform: platform.clone(),
                    level: None,
                    flagged_by: None,
                    raised_at: None,
                    referred: None,
                },
            )?;
        }
        out.push((case, platform));
    }
    Ok(out)
}
