//! Measures against misuse (DSA arts. 22(6) and 23): notices found manifestly unfounded are
//! counted per notifier; after a warning, the hub's administrator may suspend the processing of a
//! notifier's notices for a set time; a trusted flagger's status is reviewable, and a suspended or
//! revoked flagger's notices lose their priority.
//!
//! A notifier is an organisation (`org:<id>`) or, for the public, the SHA-256 of the e-mail
//! address it left (`email:<hex>`): a pseudonym that lets the counts work without keeping the
//! address past its retention. Anonymous notices without an address cannot be counted.

use serde_json::json;
use sha2::{Digest, Sha256};
use vigie_model::event::EventKind;
use vigie_model::org::OrgKind;
use vigie_model::redress::{MisuseCounts, check_suspension};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::parse_time;
use crate::auth::require_admin;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes};

/// The key under which a notifier's notices are counted.
pub(crate) fn notifier_key(org: Option<&OrgId>, email: Option<&str>) -> Option<String> {
    if let Some(org) = org {
        return Some(format!("org:{}", org.as_str()));
    }
    let email = email?.trim().to_lowercase();
    let mut h = Sha256::new();
    h.update(b"vigie-notifier-v1\n");
    h.update(email.as_bytes());
    Some(format!("email:{}", hex::encode(h.finalize())))
}

fn valid_key(key: &str) -> bool {
    match key.split_once(':') {
        Some(("org", id)) => OrgId::parse(id).is_some(),
        Some(("email", hex)) => hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
        _ => false,
    }
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

/// The suspension running for `key` at `now`, if any: the latest suspension not lifted since.
pub(crate) fn suspended_until(actions: &[MisuseActionRecord], now: Timestamp) -> Option<Timestamp> {
    let last = actions.iter().rev().find(|a| a.kind != "warning")?;
    (last.kind == "suspension").then_some(last.until).flatten().filter(|u| *u > now)
}

/// Refuses a notice from a suspended notifier, saying until when.
pub(crate) fn check_not_suspended(tx: &dyn Reads, key: &str, now: Timestamp) -> AppResult<()> {
    if let Some(until) = suspended_until(&tx.misuse_actions(key)?, now) {
        return Err(AppError::conflict(
            "notifier_suspended",
            format!("notices from this notifier are not processed until {} (DSA art. 23(2))", until.to_rfc3339()),
        ));
    }
    Ok(())
}

/// Whether a trusted flagger's notices keep their priority.
pub(crate) fn flagger_active(tx: &dyn Reads, org: &OrgId) -> Result<bool, StoreError> {
    Ok(tx.flagger_status(org)?.is_none_or(|s| s.status == "active"))
}

fn record(r: &dyn Reads, key: &str, now: Timestamp) -> Result<NotifierRecord, StoreError> {
    let (notices, unfounded) = r.misuse_counts(key)?;
    let actions = r.misuse_actions(key)?;
    Ok(NotifierRecord {
        key: key.to_owned(),
        counts: MisuseCounts { notices, unfounded },
        suspended_until: suspended_until(&actions, now),
        actions,
    })
}

/// A warning, a suspension or its lifting, as the administrator gives it.
#[derive(Clone, Debug, Default)]
pub struct MisuseInput {
    pub reason: Option<String>,
    /// Suspensions: when it ends.
    pub until: Option<String>,
}

impl App {
    /// Notifiers with manifestly unfounded notices, most first, for the administrator.
    pub async fn unfounded_notifiers(&self, p: &Principal) -> AppResult<Vec<NotifierRecord>> {
        require_admin(p)?;
        let now = self.now();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for (key, _, _) in r.unfounded_notifiers(500)? {
                    out.push(record(r, &key, now)?);
                }
                Ok(out)
            })
            .await?)
    }

    pub async fn notifier(&self, p: &Principal, key: &str) -> AppResult<NotifierRecord> {
        require_admin(p)?;
        if !valid_key(key) {
            return Err(AppError::NotFound("notifier"));
        }
        let key = key.to_owned();
        let now = self.now();
        Ok(self.store().read(move |r| record(r, &key, now)).await?)
    }

    /// Warns, suspends (after a warning, for a set time) or lifts a suspension.
    pub async fn misuse_action(
        &self,
        p: &Principal,
        key: &str,
        kind: &str,
        input: MisuseInput,
    ) -> AppResult<NotifierRecord> {
        require_admin(p)?;
        if !valid_key(key) {
            return Err(AppError::NotFound("notifier"));
        }
        let kind: &'static str = match kind {
            "warning" => "warning",
            "suspension" => "suspension",
            "lift" => "lift",
            _ => return Err(AppError::NotFound("action")),
        };
        let mut c = Checker::new();
        c.text(input.reason.as_deref(), "reason", 5_000);
        let until = parse_time(input.until.as_deref(), "until", &mut c);
        c.check(
            (kind == "suspension") == input.until.is_some(),
            "until",
            if kind == "suspension" { "required" } else { "not_applicable" },
            "a suspension, and only a suspension, has an end",
        );
        c.finish()?;
        let key = key.to_owned();
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let before = record(tx, &key, now)?;
                match kind {
                    "suspension" => {
                        let warned = before.actions.iter().filter(|a| a.kind == "warning").map(|a| a.at).max();
                        check_suspension(warned, now, until.expect("checked"))
                            .map_err(|r| AppError::conflict(r.code, r.message))?;
                    }
                    "lift" if before.suspended_until.is_none() => {
                        return Err(AppError::conflict("not_suspended", "no suspension is running"));
                    }
                    "warning" if before.counts.unfounded == 0 => {
                        return Err(AppError::conflict(
                            "nothing_unfounded",
                            "no notice of this notifier has been found manifestly unfounded",
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
                    kind: kind.to_owned(),
                    at: now,
                    by: principal.user.clone(),
                    until,
                    reason: input.reason.unwrap_or_default().trim().to_owned(),
                    counts: counts.to_string(),
                };
                tx.insert_misuse_action(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let event = if kind == "warning" { EventKind::NotifierWarned } else { EventKind::NotifierSuspended };
                let subject = Sha256::digest(key.as_bytes());
                ev.emit(
                    tx,
                    event,
                    rec.id.as_str(),
                    json!({ "notifier_sha256": hex::encode(subject), "kind": kind, "until": until, "counts": counts }),
                )?;
                Ok(record(tx, &key, now)?)
            })
            .await
    }

    /// Reviews a trusted flagger's status (DSA art. 22(6)-(7)): `active`, `suspended` or
    /// `revoked`. While not active, its notices are processed without priority.
    pub async fn set_flagger_status(
        &self,
        p: &Principal,
        org: &str,
        status: Option<String>,
        reason: Option<String>,
    ) -> AppResult<FlaggerStatusRecord> {
        require_admin(p)?;
        let org = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        let mut c = Checker::new();
        c.check(
            matches!(status.as_deref(), Some("active" | "suspended" | "revoked")),
            "status",
            "unknown_status",
            "must be active, suspended or revoked",
        );
        c.text(reason.as_deref(), "reason", 5_000);
        c.finish()?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let found = tx.get_org(&org)?.ok_or(AppError::NotFound("organisation"))?;
                if found.kind != OrgKind::TrustedFlagger {
                    return Err(AppError::conflict(
                        "not_a_trusted_flagger",
                        "the organisation is not a trusted flagger",
                    ));
                }
                let now = clock.now();
                let rec = FlaggerStatusRecord {
                    org: org.clone(),
                    status: status.unwrap_or_default(),
                    since: now,
                    reason: reason.unwrap_or_default().trim().to_owned(),
                    by: principal.user.clone(),
                };
                tx.put_flagger_status(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, EventKind::TrustedFlaggerStatusChanged, org.as_str(), json!({ "status": rec.status }))?;
                Ok(rec)
            })
            .await
    }
}
