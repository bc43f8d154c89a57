//! De-confliction: an authority's blind watch-list, and the holds it places on new cases.
//!
//! Entries are canonicalised like reports (so the same URL or account matches however it is
//! written), or are media hashes (SHA-256, MD5) matched against the hashes a report gives for its
//! content, and are kept only as a domain-separated SHA-256 of that key: nobody reading the
//! database or the API learns what is on a list. The list's authority is told of every match.
//!
//! What may be held is narrow. A notice under DSA art. 16 (from the public, a trusted flagger or
//! anyone) always reaches its platform, unless a national legal instrument recorded on the list
//! (its reference, issuing body and end) orders it held; the authority may use its own powers.
//! Referrals, authorities' own tool, may be held to de-conflict between authorities. A removal
//! order or a threat to life is never held, and ends a running hold; so does a notice arriving on
//! a held case without such an instrument. A held case is bounded in time: the platform is not
//! told of it (no inbox entry, no webhook) until the hold ends, and notifiers see a neutral status.

use sha2::{Digest, Sha256};
use vigie_model::Conflict;
use vigie_model::event::{Word, kinds as k};
use vigie_model::location::{MAX_LOCATIONS, RawLocation, check_locations, check_media_hashes};
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{HoldEnd, HoldSubject, hold_until, may_hold};
use vigie_model::signal::SignalKind;
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::parse_time;
use crate::auth::{is_admin, require};
use crate::outbox::messages::{HoldEnded, WatchlistMatched};
use crate::outbox::{CaseChange, CaseMessage, enqueue};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal, seal_text};

/// The longest a watch-list may run before it is renewed.
pub const WATCHLIST_MAX: Duration = Duration::from_days(366);

/// A watch-list as an authority creates it.
#[derive(Clone, Debug, Default)]
pub struct WatchlistInput {
    pub name: Option<String>,
    /// The authority's legal basis for the investigation (provision, file number).
    pub legal_basis_ref: Option<String>,
    pub ends_at: Option<String>,
    pub hold_hours: Option<u32>,
    /// The national legal instrument that orders notices held, if there is one.
    pub instrument: Option<InstrumentInput>,
}

/// A national legal instrument, as the authority records it on its watch-list.
#[derive(Clone, Debug, Default)]
pub struct InstrumentInput {
    pub reference: Option<String>,
    pub issuing_body: Option<String>,
    pub ends_at: Option<String>,
}

/// Holds with the figures overseers count.
#[derive(Clone, Debug)]
pub struct HoldsReport {
    pub holds: Vec<HoldRecord>,
    pub active: usize,
    pub expired: usize,
    pub released: usize,
    /// Ended early because an order, a threat to life or a DSA notice arrived.
    pub overridden: usize,
}

/// The blind form of a case key.
pub(crate) fn watch_key(case_key: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"vigie-watch-v1\n");
    h.update(case_key.as_bytes());
    hex::encode(h.finalize())
}

/// What fold should do about the platform after the watch-lists had their say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HoldState {
    /// No hold: deliver as usual.
    Free,
    /// Held: say nothing to the platform.
    Held,
    /// A hold just ended (an order or a threat to life arrived): the platform has never heard of
    /// the case, so it is delivered as new.
    Released,
}

/// Called by intake for every case a signal touches.
/// The media keys (`sha256:<hex>`, `md5:<hex>`) the signal gave for its `idx`-th location.
fn reported_media_keys(signal: &SignalRecord, idx: u32) -> Vec<String> {
    let Ok(serde_json::Value::Array(list)) = serde_json::from_str(&signal.locations) else { return Vec::new() };
    let Some(loc) = list.get(idx as usize) else { return Vec::new() };
    let text = |k: &str| loc.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    RawLocation { media_sha256: text("media_sha256"), media_md5: text("media_md5"), ..Default::default() }.media_keys()
}

pub(crate) fn on_fold(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    case: &CaseRecord,
    is_new: bool,
    signal: &SignalRecord,
    idx: u32,
) -> AppResult<HoldState> {
    let urgent = signal.kind == SignalKind::Order || case.threat_to_life;
    if !is_new {
        let Some(hold) = tx.active_hold(&case.id)? else { return Ok(HoldState::Free) };
        if urgent {
            let reason = if signal.kind == SignalKind::Order { HoldEnd::Order } else { HoldEnd::ThreatToLife };
            end_hold(tx, ev, hold, reason)?;
            return Ok(HoldState::Released);
        }
        // A notice joins a held case: it reaches the platform, unless the list's instrument
        // orders it held too.
        if signal.kind == SignalKind::Notice {
            let list = tx.get_watchlist(&hold.watchlist)?;
            if !list.is_some_and(|l| instrument_in_force(&l, ev.now)) {
                end_hold(tx, ev, hold, HoldEnd::Notice)?;
                return Ok(HoldState::Released);
            }
        }
        return Ok(HoldState::Held);
    }
    // The platform's own stay-down detection is not a report from anyone: nothing to de-conflict.
    if signal.kind == SignalKind::BankMatch {
        return Ok(HoldState::Free);
    }
    let mut keys = vec![watch_key(&case.key)];
    keys.extend(reported_media_keys(signal, idx).iter().map(|k| watch_key(k)));
    let lists = tx.watching(&keys, ev.now)?;
    if lists.is_empty() {
        return Ok(HoldState::Free);
    }
    let subject = |l: &WatchlistRecord| HoldSubject {
        order: signal.kind == SignalKind::Order,
        threat_to_life: case.threat_to_life,
        dsa_notice: signal.kind == SignalKind::Notice,
        instrument: instrument_in_force(l, ev.now),
    };
    // The first list that may hold the case holds it; every other is told of the match.
    let holder = lists.iter().position(|l| may_hold(subject(l)).is_ok());
    for (i, list) in lists.iter().enumerate() {
        if Some(i) == holder {
            continue;
        }
        let why = match (holder, may_hold(subject(list))) {
            (_, Err(refusal)) => refusal.code.as_str(),
            (_, Ok(())) => "held_by_another_list",
        };
        tell_authority(tx, ev, list, case, None, Some(why))?;
    }
    let Some(list) = holder.map(|i| &lists[i]) else { return Ok(HoldState::Free) };
    let until = hold_until(ev.now, list.hold_hours, hold_end_bound(list, subject(list)))
        .map_err(|r| AppError::conflict(r.code, r.message))?;
    place(tx, ev, list, case, until)?;
    Ok(HoldState::Held)
}

/// Whether the list carries a national legal instrument in force at `now`.
fn instrument_in_force(list: &WatchlistRecord, now: Timestamp) -> bool {
    list.instrument.as_ref().is_some_and(|i| i.in_force(now))
}

/// The latest a hold may last: the list's end, and the instrument's when the hold rests on it.
fn hold_end_bound(list: &WatchlistRecord, subject: HoldSubject) -> Timestamp {
    match (&list.instrument, subject.dsa_notice) {
        (Some(i), true) => list.ends_at.min(i.ends_at),
        _ => list.ends_at,
    }
}

fn place(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    list: &WatchlistRecord,
    case: &CaseRecord,
    until: Timestamp,
) -> AppResult<HoldRecord> {
    let hold = HoldRecord {
        id: HoldId::from_random(id_bytes(ev.now)),
        case: case.id.clone(),
        watchlist: list.id.clone(),
        authority: list.authority.clone(),
        placed_at: ev.now,
        until,
        ended_at: None,
        end_reason: None,
    };
    tx.insert_hold(&hold)?;
    let held =
        k::CaseHeld { hold: hold.id.clone(), watchlist: list.id.clone(), authority: list.authority.clone(), until };
    ev.emit(tx, case.id.as_str(), held)?;
    tell_authority(tx, ev, list, case, Some(&hold), None)?;
    Ok(hold)
}

/// Tells the list's authority (and only it) that a case matched, and whether it is held.
fn tell_authority(
    tx: &mut dyn Tx,
    ev: &Events<'_>,
    list: &WatchlistRecord,
    case: &CaseRecord,
    hold: Option<&HoldRecord>,
    not_held: Option<&str>,
) -> Result<(), StoreError> {
    if hold.is_none() {
        let matched = k::WatchlistMatched {
            watchlist: list.id.clone(),
            authority: list.authority.clone(),
            not_held: not_held.map(Word::from),
        };
        ev.emit(tx, case.id.as_str(), matched)?;
    }
    enqueue(
        tx,
        ev.now,
        &list.authority,
        &WatchlistMatched {
            watchlist: list.id.clone(),
            case: case.id.clone(),
            platform: case.platform.clone(),
            url: case.url.clone(),
            account_id: case.account_id.clone(),
            held: hold.is_some(),
            hold: hold.map(|h| h.id.clone()),
            until: hold.map(|h| h.until),
            not_held: not_held.map(str::to_owned),
        },
        None,
        true,
    )
}

/// Ends a hold and, when the case waits for its platform, delivers it now.
pub(crate) fn end_hold(tx: &mut dyn Tx, ev: &Events<'_>, mut hold: HoldRecord, reason: HoldEnd) -> AppResult<()> {
    hold.ended_at = Some(ev.now);
    hold.end_reason = Some(reason);
    tx.update_hold(&hold)?;
    let ended = k::HoldEnded { hold: hold.id.clone(), reason: Word::from(reason.as_str()), placed_at: hold.placed_at };
    ev.emit(tx, hold.case.as_str(), ended)?;
    enqueue(
        tx,
        ev.now,
        &hold.authority,
        &HoldEnded { hold: hold.id.clone(), case: hold.case.clone(), reason },
        None,
        false,
    )?;
    // Orders and threats to life deliver the case themselves, through intake.
    if !reason.is_override()
        && let Some(case) = tx.get_case(&hold.case)?
        && let Some(platform) = &case.platform
        && case.state.is_pending()
    {
        let opened = CaseMessage::new(CaseChange::Opened, &case);
        enqueue(tx, ev.now, platform, &opened, Some(&case.id), case.threat_to_life)?;
    }
    Ok(())
}

/// Ends holds whose time ran out.
pub(crate) fn tick(tx: &mut dyn Tx, ev: &Events<'_>) -> AppResult<usize> {
    let due = tx.due_holds(ev.now, 256)?;
    let n = due.len();
    for hold in due {
        end_hold(tx, ev, hold, HoldEnd::Expired)?;
    }
    Ok(n)
}

fn own_watchlist(tx: &dyn Reads, p: &Principal, id: &str) -> AppResult<WatchlistRecord> {
    let id = WatchlistId::parse(id).ok_or(AppError::NotFound("watch-list"))?;
    tx.get_watchlist(&id)?.filter(|w| w.authority == p.org).ok_or(AppError::NotFound("watch-list"))
}

impl App {
    /// An authority registers a watch-list for an investigation, with its legal basis and end.
    pub async fn create_watchlist(&self, p: &Principal, input: WatchlistInput) -> AppResult<WatchlistRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters keep watch-lists")?;
        let now = self.now();
        let mut c = Checker::new();
        c.text(input.name.as_deref(), "name", 200);
        c.text(input.legal_basis_ref.as_deref(), "legal_basis_ref", 500);
        let instrument = input.instrument.as_ref().map(|i| {
            c.text(i.reference.as_deref(), "instrument.reference", 300);
            c.text(i.issuing_body.as_deref(), "instrument.issuing_body", 300);
            c.check(i.ends_at.is_some(), "instrument.ends_at", "required", "when the instrument ends");
            let end = parse_time(i.ends_at.as_deref(), "instrument.ends_at", &mut c);
            if let Some(end) = end {
                c.check(end > now, "instrument.ends_at", "in_the_past", "must be in the future");
            }
            LegalInstrument {
                reference: i.reference.as_deref().unwrap_or_default().trim().to_owned(),
                issuing_body: i.issuing_body.as_deref().unwrap_or_default().trim().to_owned(),
                ends_at: end.unwrap_or(now),
            }
        });
        c.check(input.ends_at.is_some(), "ends_at", "required", "a watch-list has an end date");
        let ends_at = parse_time(input.ends_at.as_deref(), "ends_at", &mut c);
        if let Some(end) = ends_at {
            c.check(end > now, "ends_at", "in_the_past", "must be in the future");
            c.check(
                end <= now.plus(WATCHLIST_MAX),
                "ends_at",
                "too_long",
                "a watch-list runs at most a year before renewal",
            );
        }
        if let Some(h) = input.hold_hours {
            c.check(
                hold_until(now, Some(h), now.plus(WATCHLIST_MAX)).is_ok(),
                "hold_hours",
                "out_of_range",
                "between 1 and 168 hours",
            );
        }
        c.finish()?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let rec = WatchlistRecord {
                    id: WatchlistId::from_random(id_bytes(now)),
                    authority: principal.org.clone(),
                    name: input.name.unwrap_or_default().trim().to_owned(),
                    legal_basis_ref: input.legal_basis_ref.unwrap_or_default().trim().to_owned(),
                    ends_at: ends_at.expect("checked"),
                    hold_hours: input.hold_hours,
                    created_at: now,
                    created_by: principal.user.clone(),
                    closed_at: None,
                    instrument,
                };
                tx.insert_watchlist(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let instrument = match &rec.instrument {
                    Some(i) => {
                        let retain = now.plus(retention);
                        let (_, reference) =
                            keep_personal(tx, now, "watchlist.instrument_reference", &i.reference, retain)?;
                        let (_, body) = keep_personal(tx, now, "watchlist.instrument_issuer", &i.issuing_body, retain)?;
                        Some(k::Instrument { reference, issuing_body: body, ends_at: i.ends_at })
                    }
                    None => None,
                };
                let retain = now.plus(retention);
                let legal_basis_ref =
                    seal_text(tx, now, "watchlist.legal_basis_ref", Some(&rec.legal_basis_ref), retain)?;
                let created = k::WatchlistCreated {
                    ends_at: rec.ends_at,
                    hold_hours: rec.hold_hours,
                    legal_basis_ref,
                    instrument,
                };
                ev.emit(tx, rec.id.as_str(), created)?;
                Ok(rec)
            })
            .await
    }

    /// Adds entries to a watch-list: locations (URLs, accounts, content ids) and media hashes
    /// (`media_sha256`, `media_md5`, with or without a URL); returns how many were new. Nothing
    /// about them is ever shown back.
    pub async fn add_watch_entries(
        &self,
        p: &Principal,
        id: &str,
        entries: Vec<RawLocation>,
    ) -> AppResult<(usize, i64)> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters keep watch-lists")?;
        let mut c = Checker::new();
        c.check(!entries.is_empty(), "entries", "required", "at least one entry");
        c.check(entries.len() <= MAX_LOCATIONS, "entries", "too_many", "at most 100 entries per call");
        // Hash-only entries need no URL; the others are checked like a report's locations.
        let mut targets = Vec::new();
        for (i, l) in entries.iter().enumerate() {
            let mut one = Checker::new();
            if l.url.is_none() && l.account_id.is_none() && !l.media_keys().is_empty() {
                check_media_hashes(l, 0, &mut one);
            } else {
                targets.extend(check_locations(std::slice::from_ref(l), &mut one));
            }
            if let Err(invalid) = one.finish() {
                for e in invalid.errors() {
                    c.push(e.field.replacen("locations[0]", &format!("entries[{i}]"), 1), e.code, e.message.clone());
                }
            }
        }
        c.finish()?;
        let mut keys: Vec<(String, &'static str)> =
            targets.iter().map(|t| (watch_key(&t.case_key()), t.kind().as_str())).collect();
        for l in &entries {
            keys.extend(l.media_keys().iter().map(|k| (watch_key(k), "media")));
        }
        let id = id.to_owned();
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let list = own_watchlist(tx, &principal, &id)?;
                if list.closed_at.is_some() {
                    return Err(AppError::conflict(Conflict::WatchlistClosed, "the watch-list is closed"));
                }
                let now = clock.now();
                let mut added = 0;
                for (key, kind) in &keys {
                    if tx.insert_watch_entry(&list.id, key, kind, now)? {
                        added += 1;
                    }
                }
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, list.id.as_str(), k::WatchlistEntriesAdded { added: added as u64 })?;
                Ok((added, tx.count_watch_entries(&list.id)?))
            })
            .await
    }

    /// The authority's own watch-lists, with their sizes.
    pub async fn list_watchlists(&self, p: &Principal) -> AppResult<Vec<(WatchlistRecord, i64)>> {
        if p.org_kind != OrgKind::Authority {
            return Err(AppError::Forbidden("watch-lists belong to authorities"));
        }
        let org = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for w in r.watchlists_of(&org)? {
                    let n = r.count_watch_entries(&w.id)?;
                    out.push((w, n));
                }
                Ok(out)
            })
            .await?)
    }

    /// Closes a watch-list: it matches nothing more; running holds run out.
    pub async fn close_watchlist(&self, p: &Principal, id: &str) -> AppResult<WatchlistRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters keep watch-lists")?;
        let id = id.to_owned();
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let mut list = own_watchlist(tx, &principal, &id)?;
                if list.closed_at.is_some() {
                    return Err(AppError::conflict(Conflict::WatchlistClosed, "the watch-list is already closed"));
                }
                let now = clock.now();
                list.closed_at = Some(now);
                tx.update_watchlist(&list)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, list.id.as_str(), k::WatchlistClosed {})?;
                Ok(list)
            })
            .await
    }

    /// An authority asks to hold a case that one of its lists matches (for instance one its list
    /// matched while an order made a hold impossible). Refused for orders, threats to life,
    /// decided cases and cases already held once by that list.
    pub async fn hold_case(&self, p: &Principal, case: &str, watchlist: &str) -> AppResult<HoldRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters ask for holds")?;
        let case_id = CaseId::parse(case).ok_or(AppError::NotFound("case"))?;
        let watchlist = watchlist.to_owned();
        let clock = self.clock().clone();
        let principal = p.clone();
        let hold = self
            .store()
            .write(move |tx| {
                let list = own_watchlist(tx, &principal, &watchlist)?;
                let now = clock.now();
                let case = tx.get_case(&case_id)?.ok_or(AppError::NotFound("case"))?;
                // Only a case the list itself matches: an authority cannot hold arbitrary cases.
                if !tx.watching(&[watch_key(&case.key)], now)?.iter().any(|w| w.id == list.id) {
                    return Err(AppError::NotFound("case"));
                }
                let subject = HoldSubject {
                    order: !tx.case_orders(&case.id)?.is_empty(),
                    threat_to_life: case.threat_to_life,
                    dsa_notice: tx.case_signals(&case.id)?.iter().any(|s| s.kind == SignalKind::Notice),
                    instrument: instrument_in_force(&list, now),
                };
                may_hold(subject).map_err(|r| AppError::conflict(r.code, r.message))?;
                if !case.state.is_pending() && case.state != vigie_model::case::CaseState::Parked {
                    return Err(AppError::conflict(Conflict::HoldTooLate, "the platform has already decided the case"));
                }
                if tx.active_hold(&case.id)?.is_some() {
                    return Err(AppError::conflict(Conflict::AlreadyHeld, "the case is already held"));
                }
                if tx.case_holds(&case.id)?.iter().any(|h| h.watchlist == list.id) {
                    return Err(AppError::conflict(
                        Conflict::HoldUsed,
                        "this watch-list has already held the case once",
                    ));
                }
                let until = hold_until(now, list.hold_hours, hold_end_bound(&list, subject))
                    .map_err(|r| AppError::conflict(r.code, r.message))?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                place(tx, &ev, &list, &case, until)
            })
            .await?;
        self.wake_delivery();
        Ok(hold)
    }

    /// The authority ends its hold early; the case goes to its platform.
    pub async fn release_hold(&self, p: &Principal, id: &str) -> AppResult<HoldRecord> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters release holds")?;
        let id = HoldId::parse(id).ok_or(AppError::NotFound("hold"))?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let out = self
            .store()
            .write(move |tx| {
                let hold =
                    tx.get_hold(&id)?.filter(|h| h.authority == principal.org).ok_or(AppError::NotFound("hold"))?;
                if hold.ended_at.is_some() {
                    return Err(AppError::conflict(Conflict::HoldEnded, "the hold has already ended"));
                }
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now: clock.now(), actor: &actor };
                end_hold(tx, &ev, hold, HoldEnd::Released)?;
                Ok(tx.get_hold(&id)?.expect("exists"))
            })
            .await?;
        self.wake_delivery();
        Ok(out)
    }

    /// Holds and their counts: an authority sees its own; overseers and administrators see all.
    pub async fn list_holds(&self, p: &Principal) -> AppResult<HoldsReport> {
        let scope = match p.org_kind {
            OrgKind::Overseer => None,
            _ if is_admin(p) => None,
            OrgKind::Authority => Some(p.org.clone()),
            _ => return Err(AppError::Forbidden("holds are seen by their authority and by overseers")),
        };
        let holds = self.store().read(move |r| r.holds(scope.as_ref(), 10_000)).await?;
        let count = |when: fn(HoldEnd) -> bool| holds.iter().filter(|h| h.end_reason.is_some_and(when)).count();
        Ok(HoldsReport {
            active: holds.iter().filter(|h| h.ended_at.is_none()).count(),
            expired: count(|e| e == HoldEnd::Expired),
            released: count(|e| e == HoldEnd::Released),
            overridden: count(HoldEnd::is_override),
            holds,
        })
    }
}
