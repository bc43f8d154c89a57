//! Measures against misuse and trusted flaggers (DSA arts. 22 and 23).
//!
//! - Each platform counts the notices it found manifestly unfounded per notifier, and after a
//!   warning may suspend the processing of a notifier's notices **on its own service**, for a set
//!   time (art. 23(2), (3)): a suspended notifier's notices about content on that platform are
//!   refused; other platforms are not concerned.
//! - Trusted-flagger status is the Digital Services Coordinator's to award, suspend and revoke
//!   (art. 22(2), (6), (7)). The hub records the coordinator's decisions, each with its reference,
//!   and Vigie follows them: a flagger's notices have priority only while its award stands and
//!   within its designated areas of expertise (art. 22(1)).
//!
//! A notifier is an organisation (`org:<id>`) or, for the public, a pseudonym of the e-mail
//! address it left (see [`notifier_key`]), so that the counts work without keeping the address
//! past its retention. Anonymous notices without an address cannot be counted.

use serde_json::json;
use sha2::{Digest, Sha256};
use vigie_model::Conflict;
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{OrgKind, Role};
use vigie_model::redress::{FlaggerStatus, MisuseActionKind, MisuseCounts, check_suspension, flagger_priority};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::parse_time;
use crate::auth::{is_admin, require, require_admin};
use crate::secrets::Pepper;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal, seal_text};

/// The prefix of a member of the public's pseudonym.
const EMAIL: &str = "email-hmac:";
/// The prefix of the unsalted pseudonyms recorded before step 8, upgraded at start.
const LEGACY_EMAIL: &str = "email:";

/// The key under which a notifier's notices are counted: `org:<id>` for an organisation; for a
/// member of the public, a keyed hash of the address it left (GDPR art. 32): without the pepper
/// it cannot be reversed by guessing addresses, as a plain SHA-256 could.
pub(crate) fn notifier_key(pepper: &Pepper, org: Option<&OrgId>, email: Option<&str>) -> Option<String> {
    if let Some(org) = org {
        return Some(format!("org:{}", org.as_str()));
    }
    let email = email?.trim().to_lowercase();
    let mut h = Sha256::new();
    h.update(b"vigie-notifier-v1\n");
    h.update(email.as_bytes());
    Some(keyed_from_legacy(pepper, &hex::encode(h.finalize())))
}

/// The keyed pseudonym from the unsalted hash of the address: keys recorded before the pepper
/// existed are upgraded without knowing the address (which may be erased by now).
fn keyed_from_legacy(pepper: &Pepper, legacy_hex: &str) -> String {
    format!("{EMAIL}{}", pepper.keyed("vigie-notifier-v2", legacy_hex.as_bytes()))
}

fn valid_key(key: &str) -> bool {
    if let Some(hex) = key.strip_prefix(EMAIL) {
        return hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    matches!(key.split_once(':'), Some(("org", id)) if OrgId::parse(id).is_some())
}

/// Everything about one notifier's record.
#[derive(Clone, Debug)]
pub struct NotifierRecord {
    pub key: String,
    pub counts: MisuseCounts,
    pub actions: Vec<MisuseActionRecord>,
    /// The running suspension's end, if one runs.
    pub suspended_until: Option<Timestamp>,
}

/// The suspension running at `now` among one platform's actions, if any: the latest suspension
/// not lifted since.
pub(crate) fn suspended_until(actions: &[MisuseActionRecord], now: Timestamp) -> Option<Timestamp> {
    let last = actions.iter().rev().find(|a| a.kind != MisuseActionKind::Warning)?;
    (last.kind == MisuseActionKind::Suspension).then_some(last.until).flatten().filter(|u| *u > now)
}

/// Refuses a notice from a notifier that a platform it reports to has suspended, naming the
/// location and until when (DSA art. 23(2): on that platform's service only).
pub(crate) fn check_not_suspended(
    tx: &dyn Reads,
    key: &str,
    platforms: &[(usize, OrgId)],
    now: Timestamp,
) -> AppResult<()> {
    for (i, platform) in platforms {
        if let Some(until) = suspended_until(&tx.misuse_actions(key, platform)?, now) {
            return Err(AppError::conflict(
                Conflict::NotifierSuspended,
                format!(
                    "locations[{i}]: the platform it is on does not process notices from this notifier until {} \
                     (DSA art. 23(2)); the other locations may be reported without it",
                    until.to_rfc3339()
                ),
            ));
        }
    }
    Ok(())
}

/// Whether a trusted flagger's notices have priority: a coordinator's award stands and covers
/// terrorist content (DSA art. 22(1)).
pub(crate) fn flagger_has_priority(tx: &dyn Reads, org: &OrgId) -> Result<bool, StoreError> {
    Ok(tx.flagger_award(org)?.is_some_and(|a| flagger_priority(a.status, &a.areas)))
}

fn record(r: &dyn Reads, key: &str, platform: &OrgId, now: Timestamp) -> Result<NotifierRecord, StoreError> {
    let (notices, unfounded) = r.misuse_counts(key, platform)?;
    let actions = r.misuse_actions(key, platform)?;
    Ok(NotifierRecord {
        key: key.to_owned(),
        counts: MisuseCounts { notices, unfounded },
        suspended_until: suspended_until(&actions, now),
        actions,
    })
}

/// A warning, a suspension or its lifting, as a platform's moderator gives it.
#[derive(Clone, Debug, Default)]
pub struct MisuseInput {
    pub reason: Option<String>,
    /// Suspensions: when it ends.
    pub until: Option<String>,
}

/// A coordinator's award, as the hub records it.
#[derive(Clone, Debug, Default)]
pub struct AwardInput {
    pub coordinator: Option<String>,
    pub member_state: Option<String>,
    pub reference: Option<String>,
    pub areas: Option<Vec<String>>,
    pub awarded_on: Option<String>,
}

/// A coordinator's later decision on the status, as the hub records it.
#[derive(Clone, Debug, Default)]
pub struct FlaggerStatusInput {
    pub status: Option<String>,
    pub reference: Option<String>,
    pub decided_on: Option<String>,
    pub reason: Option<String>,
}

fn require_moderator(p: &Principal) -> AppResult<()> {
    require(
        p,
        &[OrgKind::Platform],
        Role::Moderator,
        "a platform's moderators review misuse of notices on their own service (DSA art. 23)",
    )
}

fn check_day(c: &mut Checker, raw: Option<&str>, field: &str) {
    match raw {
        None => c.push(field, "required", "is required"),
        Some(d) => c.check(vigie_model::decision::check_day(d), field, "invalid_date", "must be a day, YYYY-MM-DD"),
    }
}

/// The organisation `org`, which must be a trusted flagger for a coordinator's decision on it.
fn require_trusted_flagger(tx: &dyn Reads, org: &OrgId) -> AppResult<()> {
    let found = tx.get_org(org)?.ok_or(AppError::NotFound("organisation"))?;
    if found.kind != OrgKind::TrustedFlagger {
        return Err(AppError::conflict(Conflict::NotATrustedFlagger, "the organisation is not a trusted flagger"));
    }
    Ok(())
}

impl App {
    /// Replaces the unsalted pseudonyms of notifiers recorded before step 8 (`email:<SHA-256>`)
    /// by keyed ones, wherever they are stored. Run at start, before anything is served; the
    /// upgrade keeps each notifier's counts and measures together. Returns how many were replaced.
    pub async fn upgrade_notifier_keys(&self) -> AppResult<usize> {
        let pepper = self.pepper().clone();
        let legacy = self.store().read(|r| r.notifier_keys_with_prefix(LEGACY_EMAIL)).await?;
        if legacy.is_empty() {
            return Ok(0);
        }
        self.store()
            .write(move |tx| {
                for old in &legacy {
                    let hex = old.strip_prefix(LEGACY_EMAIL).unwrap_or(old);
                    tx.rekey_notifier(old, &keyed_from_legacy(&pepper, hex))?;
                }
                Ok::<_, AppError>(legacy.len())
            })
            .await
    }

    /// The platform's notifiers with manifestly unfounded notices, most first.
    pub async fn unfounded_notifiers(&self, p: &Principal) -> AppResult<Vec<NotifierRecord>> {
        require_moderator(p)?;
        let now = self.now();
        let platform = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for (key, _, _) in r.unfounded_notifiers(&platform, 500)? {
                    out.push(record(r, &key, &platform, now)?);
                }
                Ok(out)
            })
            .await?)
    }

    /// One notifier's record on the caller's platform.
    pub async fn notifier(&self, p: &Principal, key: &str) -> AppResult<NotifierRecord> {
        require_moderator(p)?;
        if !valid_key(key) {
            return Err(AppError::NotFound("notifier"));
        }
        let key = key.to_owned();
        let now = self.now();
        let platform = p.org.clone();
        Ok(self.store().read(move |r| record(r, &key, &platform, now)).await?)
    }

    /// The platform warns, suspends (after a warning, for a set time) or lifts a suspension of a
    /// notifier's notices on its own service.
    pub async fn misuse_action(
        &self,
        p: &Principal,
        key: &str,
        kind: &str,
        input: MisuseInput,
    ) -> AppResult<NotifierRecord> {
        require_moderator(p)?;
        if !valid_key(key) {
            return Err(AppError::NotFound("notifier"));
        }
        let kind = MisuseActionKind::parse(kind).ok_or(AppError::NotFound("action"))?;
        let mut c = Checker::new();
        c.text(input.reason.as_deref(), "reason", 5_000);
        let until = parse_time(input.until.as_deref(), "until", &mut c);
        c.check(
            (kind == MisuseActionKind::Suspension) == input.until.is_some(),
            "until",
            if kind == MisuseActionKind::Suspension { "required" } else { "not_applicable" },
            "a suspension, and only a suspension, has an end",
        );
        c.finish()?;
        let key = key.to_owned();
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let platform = principal.org.clone();
                let before = record(tx, &key, &platform, now)?;
                match kind {
                    MisuseActionKind::Suspension => {
                        let warned =
                            before.actions.iter().filter(|a| a.kind == MisuseActionKind::Warning).map(|a| a.at).max();
                        check_suspension(warned, now, until.expect("checked"))
                            .map_err(|r| AppError::conflict(r.code, r.message))?;
                    }
                    MisuseActionKind::Lift if before.suspended_until.is_none() => {
                        return Err(AppError::conflict(Conflict::NotSuspended, "no suspension is running"));
                    }
                    MisuseActionKind::Warning if before.counts.unfounded == 0 => {
                        return Err(AppError::conflict(
                            Conflict::NothingUnfounded,
                            "this platform found no notice of this notifier manifestly unfounded",
                        ));
                    }
                    _ => {}
                }
                let counts = json!({
                    "notices": before.counts.notices,
                    "unfounded": before.counts.unfounded,
                    "unfounded_percent": before.counts.unfounded_percent(),
                });
                let rec = MisuseActionRecord {
                    id: MisuseActionId::from_random(id_bytes(now)),
                    notifier_key: key.clone(),
                    platform: Some(platform.clone()),
                    kind,
                    at: now,
                    by: principal.user.clone(),
                    until,
                    reason: input.reason.unwrap_or_default().trim().to_owned(),
                    counts: counts.to_string(),
                };
                tx.insert_misuse_action(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                // The notifier's pseudonym is personal data: sealed, never in the clear.
                let (_, notifier) = keep_personal(tx, now, "misuse.notifier_key", &key, now.plus(retention))?;
                let counts = k::NotifierCounts {
                    notices: before.counts.notices,
                    unfounded: before.counts.unfounded,
                    unfounded_percent: before.counts.unfounded_percent(),
                };
                let reason = seal_text(tx, now, "misuse.reason", Some(&rec.reason), now.plus(retention))?;
                let (platform_id, notifier, word) = (Some(platform.clone()), Some(notifier), Word::from(kind.as_str()));
                if kind == MisuseActionKind::Warning {
                    let warned =
                        k::NotifierWarned { platform: platform_id, notifier, kind: word, until, counts, reason };
                    ev.emit(tx, rec.id.as_str(), warned)?;
                } else {
                    let suspended =
                        k::NotifierSuspended { platform: platform_id, notifier, kind: word, until, counts, reason };
                    ev.emit(tx, rec.id.as_str(), suspended)?;
                }
                Ok(record(tx, &key, &platform, now)?)
            })
            .await
    }

    /// Records the Digital Services Coordinator's award of trusted-flagger status (DSA art.
    /// 22(2)): the coordinator, its reference, the designated areas of expertise. The hub's
    /// administrator records it; the coordinator decides it.
    pub async fn record_flagger_award(
        &self,
        p: &Principal,
        org: &str,
        input: AwardInput,
    ) -> AppResult<FlaggerAwardRecord> {
        require_admin(p)?;
        let org = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        let mut c = Checker::new();
        c.text(input.coordinator.as_deref(), "coordinator", 300);
        c.text(input.reference.as_deref(), "reference", 200);
        let member_state = match input.member_state.as_deref() {
            None => {
                c.push("member_state", "required", "the coordinator's member state");
                None
            }
            Some(raw) => {
                let ms = vigie_model::org::MemberState::parse(raw);
                c.check(ms.is_some(), "member_state", "unknown_member_state", "must be an EU member state code");
                ms
            }
        };
        check_day(&mut c, input.awarded_on.as_deref(), "awarded_on");
        let areas = input.areas.unwrap_or_default();
        c.check(!areas.is_empty(), "areas", "required", "the designated areas of expertise (art. 22(2)(a))");
        for (i, a) in areas.iter().enumerate() {
            let known = vigie_model::sor::CATEGORY
                .iter()
                .any(|cat| cat.strip_prefix("STATEMENT_CATEGORY_").is_some_and(|k| k.eq_ignore_ascii_case(a)));
            c.check(
                known,
                &format!("areas[{i}]"),
                "unknown_area",
                "must be a Transparency Database category, e.g. risk_for_public_security",
            );
        }
        c.finish()?;
        let mut areas: Vec<String> = areas.iter().map(|a| a.to_ascii_lowercase()).collect();
        areas.sort();
        areas.dedup();
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                require_trusted_flagger(tx, &org)?;
                let now = clock.now();
                let rec = FlaggerAwardRecord {
                    org: org.clone(),
                    coordinator: input.coordinator.unwrap_or_default().trim().to_owned(),
                    member_state: member_state.expect("checked").code().to_owned(),
                    reference: input.reference.unwrap_or_default().trim().to_owned(),
                    areas,
                    awarded_on: input.awarded_on.unwrap_or_default(),
                    status: FlaggerStatus::Active,
                    status_since: now,
                    status_reference: None,
                    status_decided_on: None,
                    reason: None,
                    recorded_by: principal.user.clone(),
                };
                tx.put_flagger_award(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let (_, reference) =
                    keep_personal(tx, now, "trusted_flagger.reference", &rec.reference, now.plus(retention))?;
                ev.emit(
                    tx,
                    org.as_str(),
                    k::TrustedFlaggerStatusChanged {
                        status: Word::new(rec.status.as_str()),
                        award: true,
                        member_state: Some(Word::new(rec.member_state.as_str())),
                        reference: Some(reference),
                        areas: Some(rec.areas.iter().map(Word::new).collect()),
                    },
                )?;
                Ok(rec)
            })
            .await
    }

    /// Records the coordinator's later decision on a trusted flagger's status: `suspended` while
    /// it investigates (art. 22(6)), `active` again, or `revoked` (art. 22(7)), with its
    /// reference and date. While not active, the flagger's notices have no priority.
    pub async fn set_flagger_status(
        &self,
        p: &Principal,
        org: &str,
        input: FlaggerStatusInput,
    ) -> AppResult<FlaggerAwardRecord> {
        require_admin(p)?;
        let org = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        let mut c = Checker::new();
        let status = input.status.as_deref().and_then(FlaggerStatus::parse);
        c.check(status.is_some(), "status", "unknown_status", "must be active, suspended or revoked");
        c.text(input.reference.as_deref(), "reference", 200);
        check_day(&mut c, input.decided_on.as_deref(), "decided_on");
        c.optional_text(input.reason.as_deref(), "reason", 5_000);
        c.finish()?;
        let status = status.expect("checked");
        let clock = self.clock().clone();
        let principal = p.clone();
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                require_trusted_flagger(tx, &org)?;
                let mut rec = tx.flagger_award(&org)?.ok_or_else(|| {
                    AppError::conflict(Conflict::NoAward, "no coordinator's award is recorded for this organisation")
                })?;
                rec.status.change_to(status).map_err(|r| AppError::conflict(r.code, r.message))?;
                let now = clock.now();
                rec.status = status;
                rec.status_since = now;
                rec.status_reference = input.reference.map(|r| r.trim().to_owned());
                rec.status_decided_on = input.decided_on;
                rec.reason = input.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
                rec.recorded_by = principal.user.clone();
                tx.put_flagger_award(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let reference = match &rec.status_reference {
                    Some(r) => Some(keep_personal(tx, now, "trusted_flagger.reference", r, now.plus(retention))?.1),
                    None => None,
                };
                ev.emit(
                    tx,
                    org.as_str(),
                    k::TrustedFlaggerStatusChanged {
                        status: Word::new(rec.status.as_str()),
                        award: false,
                        member_state: None,
                        reference,
                        areas: None,
                    },
                )?;
                Ok(rec)
            })
            .await
    }

    /// A trusted flagger's award, for administrators and the flagger itself.
    pub async fn flagger_award(&self, p: &Principal, org: &str) -> AppResult<FlaggerAwardRecord> {
        let org = OrgId::parse(org).ok_or(AppError::NotFound("award"))?;
        if !is_admin(p) && p.org != org {
            return Err(AppError::NotFound("award"));
        }
        self.store().read(move |r| r.flagger_award(&org)).await?.ok_or(AppError::NotFound("award"))
    }
}
