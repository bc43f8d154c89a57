//! The SQL behind [`DueReads`] and [`DueTx`].

use rusqlite::{Row, params};
use vigie_model::redress::{
    ChallengeParty, ChallengeState, Complainant, ComplaintState, FlaggerStatus, HoldEnd, MisuseActionKind,
    ReferralBasis, Route, ScrutinyState, ScrutinyTrigger,
};
use vigie_model::sor::SubmissionState;
use vigie_model::*;

use super::cases::decision_row;
use super::conn::{SqliteRead, SqliteTx, corrupt, ts, us, word};
use super::orders::order_row;
use crate::*;

fn clause_row(r: &Row<'_>) -> rusqlite::Result<TermsClauseRecord> {
    Ok(TermsClauseRecord {
        id: TermsClauseId::from_trusted(r.get("id")?),
        platform: OrgId::from_trusted(r.get("platform")?),
        code: r.get("code")?,
        title: r.get("title")?,
        url: r.get("url")?,
        body: r.get("body")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        created_by: UserId::from_trusted(r.get("created_by")?),
        retired_at: ts(r.get("retired_at")?),
    })
}

fn notice_row(r: &Row<'_>) -> rusqlite::Result<UploaderNoticeRecord> {
    let route: String = r.get("route")?;
    Ok(UploaderNoticeRecord {
        id: UploaderNoticeId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        decision: DecisionId::from_trusted(r.get("decision")?),
        platform: OrgId::from_trusted(r.get("platform")?),
        route: Route::parse(&route).ok_or_else(|| corrupt("route", &route))?,
        token_hash: r.get("token_hash")?,
        body: r.get("body")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        issued_at: ts(r.get("issued_at")?),
        informed_at: ts(r.get("informed_at")?),
    })
}

fn complaint_row(r: &Row<'_>) -> rusqlite::Result<ComplaintRecord> {
    let complainant: String = r.get("complainant")?;
    let state: String = r.get("state")?;
    Ok(ComplaintRecord {
        id: ComplaintId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        decision: DecisionId::from_trusted(r.get("decision")?),
        platform: OrgId::from_trusted(r.get("platform")?),
        complainant: Complainant::parse(&complainant).ok_or_else(|| corrupt("complainant", &complainant))?,
        signal: r.get::<_, Option<String>>("signal")?.map(SignalId::from_trusted),
        text_ref: r.get::<_, Option<String>>("text_ref")?.map(PersonalRef::from_trusted),
        received_at: Timestamp::from_micros(r.get("received_at")?),
        due_at: Timestamp::from_micros(r.get("due_at")?),
        state: ComplaintState::parse(&state).ok_or_else(|| corrupt("complaint state", &state))?,
        overdue_at: ts(r.get("overdue_at")?),
        reviewed_by: r.get::<_, Option<String>>("reviewed_by")?.map(UserId::from_trusted),
        reviewed_at: ts(r.get("reviewed_at")?),
        reasons: r.get("reasons")?,
        new_decision: r.get::<_, Option<String>>("new_decision")?.map(DecisionId::from_trusted),
    })
}

fn scrutiny_row(r: &Row<'_>) -> rusqlite::Result<ScrutinyRecord> {
    let trigger: String = r.get("trigger")?;
    let state: String = r.get("state")?;
    Ok(ScrutinyRecord {
        id: ScrutinyId::from_trusted(r.get("id")?),
        order: SignalId::from_trusted(r.get("order_id")?),
        trigger: ScrutinyTrigger::parse(&trigger).ok_or_else(|| corrupt("scrutiny trigger", &trigger))?,
        requested_at: Timestamp::from_micros(r.get("requested_at")?),
        due_at: Timestamp::from_micros(r.get("due_at")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        reasons_ref: r.get::<_, Option<String>>("reasons_ref")?.map(PersonalRef::from_trusted),
        state: ScrutinyState::parse(&state).ok_or_else(|| corrupt("scrutiny state", &state))?,
        overdue_at: ts(r.get("overdue_at")?),
        decided_at: ts(r.get("decided_at")?),
        decided_by: r.get::<_, Option<String>>("decided_by")?.map(UserId::from_trusted),
        decision_reasons: r.get("decision_reasons")?,
        notice: r.get::<_, Option<String>>("notice")?.map(UploaderNoticeId::from_trusted),
        intention_at: ts(r.get("intention_at")?),
        intention_reasons: r.get("intention_reasons")?,
        purpose_concerns: r.get("purpose_concerns")?,
    })
}

fn watchlist_row(r: &Row<'_>) -> rusqlite::Result<WatchlistRecord> {
    Ok(WatchlistRecord {
        id: WatchlistId::from_trusted(r.get("id")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        name: r.get("name")?,
        legal_basis_ref: r.get("legal_basis_ref")?,
        ends_at: Timestamp::from_micros(r.get("ends_at")?),
        hold_hours: r.get("hold_hours")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        created_by: UserId::from_trusted(r.get("created_by")?),
        closed_at: ts(r.get("closed_at")?),
        instrument: match (
            r.get::<_, Option<String>>("instrument_reference")?,
            r.get::<_, Option<String>>("instrument_issuer")?,
            ts(r.get("instrument_ends_at")?),
        ) {
            (Some(reference), Some(issuing_body), Some(ends_at)) => {
                Some(LegalInstrument { reference, issuing_body, ends_at })
            }
            _ => None,
        },
    })
}

fn hold_row(r: &Row<'_>) -> rusqlite::Result<HoldRecord> {
    let end_reason: Option<String> = r.get("end_reason")?;
    Ok(HoldRecord {
        id: HoldId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        watchlist: WatchlistId::from_trusted(r.get("watchlist")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        placed_at: Timestamp::from_micros(r.get("placed_at")?),
        until: Timestamp::from_micros(r.get("until")?),
        ended_at: ts(r.get("ended_at")?),
        end_reason: end_reason.map(|e| HoldEnd::parse(&e).ok_or_else(|| corrupt("hold end", &e))).transpose()?,
    })
}

fn alert_row(r: &Row<'_>) -> rusqlite::Result<ThreatAlertRecord> {
    Ok(ThreatAlertRecord {
        case: CaseId::from_trusted(r.get("case_id")?),
        raised_at: Timestamp::from_micros(r.get("raised_at")?),
        level: r.get("level")?,
        next_at: ts(r.get("next_at")?),
        acknowledged_at: ts(r.get("acknowledged_at")?),
        acknowledged_by: r.get::<_, Option<String>>("acknowledged_by")?.map(UserId::from_trusted),
        note: r.get("note")?,
    })
}

fn referral_row(r: &Row<'_>) -> rusqlite::Result<LawEnforcementReferralRecord> {
    let states: String = r.get("member_states")?;
    Ok(LawEnforcementReferralRecord {
        id: LawEnforcementReferralId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        org: OrgId::from_trusted(r.get("org")?),
        basis: word(r, "basis", ReferralBasis::parse)?,
        member_states: states.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        europol: r.get("europol")?,
        contact_point: r.get("contact_point")?,
        authority: r.get::<_, Option<String>>("authority")?.map(OrgId::from_trusted),
        sent_at: Timestamp::from_micros(r.get("sent_at")?),
        sent_by: UserId::from_trusted(r.get("sent_by")?),
        note: r.get("note")?,
    })
}

fn misuse_row(r: &Row<'_>) -> rusqlite::Result<MisuseActionRecord> {
    Ok(MisuseActionRecord {
        id: MisuseActionId::from_trusted(r.get("id")?),
        notifier_key: r.get("notifier_key")?,
        platform: r.get::<_, Option<String>>("platform")?.map(OrgId::from_trusted),
        kind: word(r, "kind", MisuseActionKind::parse)?,
        at: Timestamp::from_micros(r.get("at")?),
        by: UserId::from_trusted(r.get("by_user")?),
        until: ts(r.get("until")?),
        reason: r.get("reason")?,
        counts: r.get("counts")?,
    })
}

fn retention_row(r: &Row<'_>) -> rusqlite::Result<CaseRetentionRecord> {
    Ok(CaseRetentionRecord {
        case: CaseId::from_trusted(r.get("case_id")?),
        key_ref: r.get::<_, Option<String>>("key_ref")?.map(PersonalRef::from_trusted),
        check_at: ts(r.get("check_at")?),
        identifiers_erased_at: ts(r.get("identifiers_erased_at")?),
        texts_erased_at: ts(r.get("texts_erased_at")?),
        notices_erased_at: ts(r.get("notices_erased_at")?),
    })
}

fn challenge_row(r: &Row<'_>) -> rusqlite::Result<ChallengeRecord> {
    let state: String = r.get("state")?;
    Ok(ChallengeRecord {
        id: ChallengeId::from_trusted(r.get("id")?),
        order: SignalId::from_trusted(r.get("order_id")?),
        brought_by: word(r, "brought_by", ChallengeParty::parse)?,
        org: OrgId::from_trusted(r.get("org")?),
        court: r.get("court")?,
        reference: r.get("reference")?,
        filed_on: r.get("filed_on")?,
        recorded_at: Timestamp::from_micros(r.get("recorded_at")?),
        recorded_by: UserId::from_trusted(r.get("recorded_by")?),
        state: ChallengeState::parse(&state).ok_or_else(|| corrupt("challenge state", &state))?,
        decided_on: r.get("decided_on")?,
        outcome_reference: r.get("outcome_reference")?,
        outcome_recorded_at: ts(r.get("outcome_recorded_at")?),
    })
}

fn sor_row(r: &Row<'_>) -> rusqlite::Result<SorSubmissionRecord> {
    Ok(SorSubmissionRecord {
        decision: DecisionId::from_trusted(r.get("decision")?),
        org: OrgId::from_trusted(r.get("org")?),
        created_at: Timestamp::from_micros(r.get("created_at")?),
        state: word(r, "state", SubmissionState::parse)?,
        attempts: r.get("attempts")?,
        next_attempt_at: Timestamp::from_micros(r.get("next_attempt_at")?),
        last_error: r.get("last_error")?,
        tdb_uuid: r.get("tdb_uuid")?,
        submitted_at: ts(r.get("submitted_at")?),
    })
}

impl DueReads for SqliteRead<'_> {
    fn terms_clauses(&self, platform: &OrgId, with_retired: bool) -> Result<Vec<TermsClauseRecord>> {
        self.many(
            "SELECT * FROM terms_clauses WHERE platform = ?1 AND (?2 OR retired_at IS NULL) ORDER BY code",
            params![platform.as_str(), with_retired],
            clause_row,
        )
    }
    fn get_terms_clause(&self, id: &TermsClauseId) -> Result<Option<TermsClauseRecord>> {
        self.one("SELECT * FROM terms_clauses WHERE id = ?1", [id.as_str()], clause_row)
    }
    fn get_decision(&self, id: &DecisionId) -> Result<Option<DecisionRecord>> {
        self.one("SELECT * FROM decisions WHERE id = ?1", [id.as_str()], decision_row)
    }
    fn decisions_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&DecisionId>,
        limit: u32,
    ) -> Result<Vec<DecisionRecord>> {
        // Decision ids begin with their time, so id order is time order.
        self.many(
            "SELECT * FROM decisions WHERE decided_at >= ?1 AND decided_at < ?2 AND id > ?3 ORDER BY id LIMIT ?4",
            params![from.as_micros(), to.as_micros(), after.map_or("", DecisionId::as_str), limit],
            decision_row,
        )
    }
    fn uploader_notice_by_token(&self, token_hash: &str) -> Result<Option<UploaderNoticeRecord>> {
        self.one("SELECT * FROM uploader_notices WHERE token_hash = ?1", [token_hash], notice_row)
    }
    fn uploader_notice_of_decision(&self, decision: &DecisionId) -> Result<Option<UploaderNoticeRecord>> {
        self.one("SELECT * FROM uploader_notices WHERE decision = ?1", [decision.as_str()], notice_row)
    }
    fn uploader_notices_of_case(&self, case: &CaseId) -> Result<Vec<UploaderNoticeRecord>> {
        self.many("SELECT * FROM uploader_notices WHERE case_id = ?1 ORDER BY created_at", [case.as_str()], notice_row)
    }
    fn get_complaint(&self, id: &ComplaintId) -> Result<Option<ComplaintRecord>> {
        self.one("SELECT * FROM complaints WHERE id = ?1", [id.as_str()], complaint_row)
    }
    fn complaints_of(&self, platform: &OrgId, open_only: bool) -> Result<Vec<ComplaintRecord>> {
        self.many(
            "SELECT * FROM complaints WHERE platform = ?1 AND (NOT ?2 OR state = 'open') ORDER BY due_at, id LIMIT 1000",
            params![platform.as_str(), open_only],
            complaint_row,
        )
    }
    fn complaints_of_case(&self, case: &CaseId) -> Result<Vec<ComplaintRecord>> {
        self.many("SELECT * FROM complaints WHERE case_id = ?1 ORDER BY received_at", [case.as_str()], complaint_row)
    }
    fn due_complaints(&self, now: Timestamp, limit: u32) -> Result<Vec<ComplaintRecord>> {
        self.many(
            "SELECT * FROM complaints WHERE state = 'open' AND overdue_at IS NULL AND due_at < ?1 ORDER BY due_at LIMIT ?2",
            params![now.as_micros(), limit],
            complaint_row,
        )
    }
    fn get_scrutiny(&self, id: &ScrutinyId) -> Result<Option<ScrutinyRecord>> {
        self.one("SELECT * FROM scrutinies WHERE id = ?1", [id.as_str()], scrutiny_row)
    }
    fn scrutinies_of_order(&self, order: &SignalId) -> Result<Vec<ScrutinyRecord>> {
        self.many("SELECT * FROM scrutinies WHERE order_id = ?1 ORDER BY requested_at", [order.as_str()], scrutiny_row)
    }
    fn scrutinies_for(&self, authority: &OrgId) -> Result<Vec<ScrutinyRecord>> {
        self.many(
            "SELECT * FROM scrutinies WHERE authority = ?1 ORDER BY state <> 'pending', due_at LIMIT 1000",
            [authority.as_str()],
            scrutiny_row,
        )
    }
    fn due_scrutinies(&self, now: Timestamp, limit: u32) -> Result<Vec<ScrutinyRecord>> {
        self.many(
            "SELECT * FROM scrutinies WHERE state = 'pending' AND overdue_at IS NULL AND due_at < ?1 ORDER BY due_at LIMIT ?2",
            params![now.as_micros(), limit],
            scrutiny_row,
        )
    }
    fn due_embargoes(&self, now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>> {
        self.many(
            "SELECT * FROM orders WHERE embargo_until IS NOT NULL AND embargo_lifted_at IS NULL AND embargo_until <= ?1 \
             ORDER BY embargo_until LIMIT ?2",
            params![now.as_micros(), limit],
            order_row,
        )
    }
    fn get_watchlist(&self, id: &WatchlistId) -> Result<Option<WatchlistRecord>> {
        self.one("SELECT * FROM watchlists WHERE id = ?1", [id.as_str()], watchlist_row)
    }
    fn watchlists_of(&self, authority: &OrgId) -> Result<Vec<WatchlistRecord>> {
        self.many(
            "SELECT * FROM watchlists WHERE authority = ?1 ORDER BY created_at",
            [authority.as_str()],
            watchlist_row,
        )
    }
    fn watching(&self, key_hashes: &[String], now: Timestamp) -> Result<Vec<WatchlistRecord>> {
        let mut out: Vec<WatchlistRecord> = Vec::new();
        for key in key_hashes {
            let found = self.many(
                "SELECT w.* FROM watch_entries e JOIN watchlists w ON w.id = e.watchlist \
                 WHERE e.key_hash = ?1 AND w.closed_at IS NULL AND w.ends_at > ?2 ORDER BY w.created_at",
                params![key, now.as_micros()],
                watchlist_row,
            )?;
            for w in found {
                if !out.iter().any(|x| x.id == w.id) {
                    out.push(w);
                }
            }
        }
        Ok(out)
    }
    fn count_watch_entries(&self, watchlist: &WatchlistId) -> Result<i64> {
        Ok(self
            .one("SELECT COUNT(*) FROM watch_entries WHERE watchlist = ?1", [watchlist.as_str()], |r| r.get(0))?
            .unwrap_or(0))
    }
    fn active_hold(&self, case: &CaseId) -> Result<Option<HoldRecord>> {
        self.one("SELECT * FROM holds WHERE case_id = ?1 AND ended_at IS NULL", [case.as_str()], hold_row)
    }
    fn get_hold(&self, id: &HoldId) -> Result<Option<HoldRecord>> {
        self.one("SELECT * FROM holds WHERE id = ?1", [id.as_str()], hold_row)
    }
    fn case_holds(&self, case: &CaseId) -> Result<Vec<HoldRecord>> {
        self.many("SELECT * FROM holds WHERE case_id = ?1 ORDER BY placed_at, id", [case.as_str()], hold_row)
    }
    fn holds(&self, authority: Option<&OrgId>, limit: u32) -> Result<Vec<HoldRecord>> {
        self.many(
            "SELECT * FROM holds WHERE ?1 IS NULL OR authority = ?1 ORDER BY placed_at DESC, id LIMIT ?2",
            params![authority.map(OrgId::as_str), limit],
            hold_row,
        )
    }
    fn due_holds(&self, now: Timestamp, limit: u32) -> Result<Vec<HoldRecord>> {
        self.many(
            "SELECT * FROM holds WHERE ended_at IS NULL AND until <= ?1 ORDER BY until LIMIT ?2",
            params![now.as_micros(), limit],
            hold_row,
        )
    }
    fn threat_alert(&self, case: &CaseId) -> Result<Option<ThreatAlertRecord>> {
        self.one("SELECT * FROM threat_alerts WHERE case_id = ?1", [case.as_str()], alert_row)
    }
    fn due_threat_alerts(&self, now: Timestamp, limit: u32) -> Result<Vec<ThreatAlertRecord>> {
        self.many(
            "SELECT * FROM threat_alerts WHERE next_at IS NOT NULL AND next_at <= ?1 ORDER BY next_at LIMIT ?2",
            params![now.as_micros(), limit],
            alert_row,
        )
    }
    fn le_referrals_of(&self, case: &CaseId) -> Result<Vec<LawEnforcementReferralRecord>> {
        self.many("SELECT * FROM le_referrals WHERE case_id = ?1 ORDER BY sent_at", [case.as_str()], referral_row)
    }
    fn notifier_key_of(&self, signal: &SignalId) -> Result<Option<String>> {
        self.one("SELECT notifier_key FROM signal_notifiers WHERE signal = ?1", [signal.as_str()], |r| r.get(0))
    }
    fn notifier_informed(&self, signal: &SignalId, decision: &DecisionId) -> Result<Option<Timestamp>> {
        Ok(self
            .one(
                "SELECT at FROM notifier_informed WHERE signal = ?1 AND decision = ?2",
                [signal.as_str(), decision.as_str()],
                |r| r.get::<_, i64>(0),
            )?
            .map(Timestamp::from_micros))
    }
    fn notifier_keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>> {
        // Scans: run once, when keys are upgraded at start.
        self.many(
            "SELECT notifier_key FROM signal_notifiers WHERE substr(notifier_key, 1, length(?1)) = ?1 \
             UNION SELECT notifier_key FROM misuse_actions WHERE substr(notifier_key, 1, length(?1)) = ?1",
            [prefix],
            |r| r.get(0),
        )
    }
    fn misuse_counts(&self, notifier_key: &str, platform: &OrgId) -> Result<(u64, u64)> {
        // Scans: misuse reviews are rare, notices are not (see migration 3). A notice counts once
        // for a platform, however many of its locations were on it.
        let notices: i64 = self
            .one(
                "SELECT COUNT(DISTINCT n.signal) FROM signal_notifiers n \
                 JOIN signal_cases sc ON sc.signal = n.signal JOIN cases c ON c.id = sc.case_id \
                 WHERE n.notifier_key = ?1 AND c.platform = ?2",
                [notifier_key, platform.as_str()],
                |r| r.get(0),
            )?
            .unwrap_or(0);
        let unfounded: i64 = self
            .one(
                // From the (few) unfounded decisions outwards; CROSS JOIN fixes that order.
                "SELECT COUNT(DISTINCT n.signal) FROM decisions d \
                 CROSS JOIN signal_cases sc ON sc.case_id = d.case_id \
                 CROSS JOIN signal_notifiers n ON n.signal = sc.signal \
                 WHERE d.manifestly_unfounded = 1 AND d.reversed_at IS NULL AND d.org = ?2 AND n.notifier_key = ?1",
                [notifier_key, platform.as_str()],
                |r| r.get(0),
            )?
            .unwrap_or(0);
        Ok((notices.max(0) as u64, unfounded.max(0) as u64))
    }
    fn misuse_actions(&self, notifier_key: &str, platform: &OrgId) -> Result<Vec<MisuseActionRecord>> {
        self.many(
            "SELECT * FROM misuse_actions WHERE notifier_key = ?1 AND platform = ?2 ORDER BY at, id",
            [notifier_key, platform.as_str()],
            misuse_row,
        )
    }
    fn unfounded_notifiers(&self, platform: &OrgId, limit: u32) -> Result<Vec<(String, u64, u64)>> {
        let keys: Vec<String> = self.many(
            "SELECT n.notifier_key FROM decisions d \
             CROSS JOIN signal_cases sc ON sc.case_id = d.case_id \
             CROSS JOIN signal_notifiers n ON n.signal = sc.signal \
             WHERE d.manifestly_unfounded = 1 AND d.reversed_at IS NULL AND d.org = ?1 \
             GROUP BY n.notifier_key ORDER BY COUNT(DISTINCT n.signal) DESC, n.notifier_key LIMIT ?2",
            params![platform.as_str(), limit],
            |r| r.get(0),
        )?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let (notices, unfounded) = self.misuse_counts(&k, platform)?;
            out.push((k, notices, unfounded));
        }
        Ok(out)
    }
    fn due_case_retention(&self, now: Timestamp, limit: u32) -> Result<Vec<CaseRetentionRecord>> {
        self.many(
            "SELECT * FROM case_retention WHERE check_at IS NOT NULL AND check_at <= ?1 ORDER BY check_at LIMIT ?2",
            params![now.as_micros(), limit],
            retention_row,
        )
    }
    fn case_retention(&self, case: &CaseId) -> Result<Option<CaseRetentionRecord>> {
        self.one("SELECT * FROM case_retention WHERE case_id = ?1", [case.as_str()], retention_row)
    }
    fn challenges_of_order(&self, order: &SignalId) -> Result<Vec<ChallengeRecord>> {
        self.many(
            "SELECT * FROM order_challenges WHERE order_id = ?1 ORDER BY recorded_at, id",
            [order.as_str()],
            challenge_row,
        )
    }
    fn sor_submission(&self, decision: &DecisionId) -> Result<Option<SorSubmissionRecord>> {
        self.one("SELECT * FROM sor_outbox WHERE decision = ?1", [decision.as_str()], sor_row)
    }
    fn due_sor(&self, now: Timestamp, limit: u32) -> Result<Vec<SorSubmissionRecord>> {
        self.many(
            "SELECT o.* FROM sor_outbox o JOIN tdb_settings t ON t.org = o.org \
             WHERE o.state = 'pending' AND o.next_attempt_at <= ?1 ORDER BY o.next_attempt_at, o.decision LIMIT ?2",
            params![now.as_micros(), limit],
            sor_row,
        )
    }
    fn tdb_settings(&self, org: &OrgId) -> Result<Option<TdbSettingsRecord>> {
        self.one("SELECT * FROM tdb_settings WHERE org = ?1", [org.as_str()], |r| {
            Ok(TdbSettingsRecord {
                org: OrgId::from_trusted(r.get("org")?),
                base_url: r.get("base_url")?,
                token: r.get("token")?,
                include_orders: r.get("include_orders")?,
                updated_at: Timestamp::from_micros(r.get("updated_at")?),
                updated_by: UserId::from_trusted(r.get("updated_by")?),
            })
        })
    }
    fn flagger_award(&self, org: &OrgId) -> Result<Option<FlaggerAwardRecord>> {
        self.one("SELECT * FROM flagger_awards WHERE org = ?1", [org.as_str()], |r| {
            let areas: String = r.get("areas")?;
            let status: String = r.get("status")?;
            Ok(FlaggerAwardRecord {
                org: OrgId::from_trusted(r.get("org")?),
                coordinator: r.get("coordinator")?,
                member_state: r.get("member_state")?,
                reference: r.get("reference")?,
                areas: serde_json::from_str(&areas).unwrap_or_default(),
                awarded_on: r.get("awarded_on")?,
                status: FlaggerStatus::parse(&status).ok_or_else(|| corrupt("flagger status", &status))?,
                status_since: Timestamp::from_micros(r.get("status_since")?),
                status_reference: r.get("status_reference")?,
                status_decided_on: r.get("status_decided_on")?,
                reason: r.get("reason")?,
                recorded_by: UserId::from_trusted(r.get("recorded_by")?),
            })
        })
    }
}

macro_rules! delegate_due_reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl DueReads for SqliteTx<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { self.read.$name($($arg),*) })*
        }
    };
}

delegate_due_reads! {
    terms_clauses(platform: &OrgId, with_retired: bool) -> Result<Vec<TermsClauseRecord>>;
    get_terms_clause(id: &TermsClauseId) -> Result<Option<TermsClauseRecord>>;
    get_decision(id: &DecisionId) -> Result<Option<DecisionRecord>>;
    decisions_between(from: Timestamp, to: Timestamp, after: Option<&DecisionId>, limit: u32) -> Result<Vec<DecisionRecord>>;
    uploader_notice_by_token(token_hash: &str) -> Result<Option<UploaderNoticeRecord>>;
    uploader_notice_of_decision(decision: &DecisionId) -> Result<Option<UploaderNoticeRecord>>;
    uploader_notices_of_case(case: &CaseId) -> Result<Vec<UploaderNoticeRecord>>;
    get_complaint(id: &ComplaintId) -> Result<Option<ComplaintRecord>>;
    complaints_of(platform: &OrgId, open_only: bool) -> Result<Vec<ComplaintRecord>>;
    complaints_of_case(case: &CaseId) -> Result<Vec<ComplaintRecord>>;
    due_complaints(now: Timestamp, limit: u32) -> Result<Vec<ComplaintRecord>>;
    get_scrutiny(id: &ScrutinyId) -> Result<Option<ScrutinyRecord>>;
    scrutinies_of_order(order: &SignalId) -> Result<Vec<ScrutinyRecord>>;
    scrutinies_for(authority: &OrgId) -> Result<Vec<ScrutinyRecord>>;
    due_scrutinies(now: Timestamp, limit: u32) -> Result<Vec<ScrutinyRecord>>;
    due_embargoes(now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>>;
    get_watchlist(id: &WatchlistId) -> Result<Option<WatchlistRecord>>;
    watchlists_of(authority: &OrgId) -> Result<Vec<WatchlistRecord>>;
    watching(key_hashes: &[String], now: Timestamp) -> Result<Vec<WatchlistRecord>>;
    count_watch_entries(watchlist: &WatchlistId) -> Result<i64>;
    active_hold(case: &CaseId) -> Result<Option<HoldRecord>>;
    get_hold(id: &HoldId) -> Result<Option<HoldRecord>>;
    case_holds(case: &CaseId) -> Result<Vec<HoldRecord>>;
    holds(authority: Option<&OrgId>, limit: u32) -> Result<Vec<HoldRecord>>;
    due_holds(now: Timestamp, limit: u32) -> Result<Vec<HoldRecord>>;
    threat_alert(case: &CaseId) -> Result<Option<ThreatAlertRecord>>;
    due_threat_alerts(now: Timestamp, limit: u32) -> Result<Vec<ThreatAlertRecord>>;
    le_referrals_of(case: &CaseId) -> Result<Vec<LawEnforcementReferralRecord>>;
    notifier_key_of(signal: &SignalId) -> Result<Option<String>>;
    notifier_informed(signal: &SignalId, decision: &DecisionId) -> Result<Option<Timestamp>>;
    notifier_keys_with_prefix(prefix: &str) -> Result<Vec<String>>;
    challenges_of_order(order: &SignalId) -> Result<Vec<ChallengeRecord>>;
    due_case_retention(now: Timestamp, limit: u32) -> Result<Vec<CaseRetentionRecord>>;
    case_retention(case: &CaseId) -> Result<Option<CaseRetentionRecord>>;
    misuse_counts(notifier_key: &str, platform: &OrgId) -> Result<(u64, u64)>;
    misuse_actions(notifier_key: &str, platform: &OrgId) -> Result<Vec<MisuseActionRecord>>;
    unfounded_notifiers(platform: &OrgId, limit: u32) -> Result<Vec<(String, u64, u64)>>;
    flagger_award(org: &OrgId) -> Result<Option<FlaggerAwardRecord>>;
    sor_submission(decision: &DecisionId) -> Result<Option<SorSubmissionRecord>>;
    due_sor(now: Timestamp, limit: u32) -> Result<Vec<SorSubmissionRecord>>;
    tdb_settings(org: &OrgId) -> Result<Option<TdbSettingsRecord>>;
}

impl DueTx for SqliteTx<'_> {
    fn insert_terms_clause(&mut self, r: &TermsClauseRecord) -> Result<()> {
        self.read
            .exec(
                "INSERT INTO terms_clauses (id, platform, code, title, url, body, created_at, created_by, retired_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    r.id.as_str(),
                    r.platform.as_str(),
                    r.code,
                    r.title,
                    r.url,
                    r.body,
                    r.created_at.as_micros(),
                    r.created_by.as_str(),
                    us(r.retired_at)
                ],
            )
            .map_err(StoreError::unique_as(
                Conflict::DuplicateCode,
                "the platform already has a clause with that code",
            ))?;
        Ok(())
    }
    fn update_terms_clause(&mut self, r: &TermsClauseRecord) -> Result<()> {
        self.read.exec(
            "UPDATE terms_clauses SET title = ?2, url = ?3, body = ?4, retired_at = ?5 WHERE id = ?1",
            params![r.id.as_str(), r.title, r.url, r.body, us(r.retired_at)],
        )?;
        Ok(())
    }
    fn reverse_decision(&mut self, id: &DecisionId, at: Timestamp, by: &str) -> Result<()> {
        self.read.exec(
            "UPDATE decisions SET reversed_at = ?2, reversed_by = ?3 WHERE id = ?1 AND reversed_at IS NULL",
            params![id.as_str(), at.as_micros(), by],
        )?;
        Ok(())
    }
    fn insert_uploader_notice(&mut self, r: &UploaderNoticeRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO uploader_notices (id, case_id, decision, platform, route, token_hash, body, created_at, issued_at, \
             informed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.decision.as_str(),
                r.platform.as_str(),
                r.route.as_str(),
                r.token_hash,
                r.body,
                r.created_at.as_micros(),
                us(r.issued_at),
                us(r.informed_at),
            ],
        )?;
        Ok(())
    }
    fn update_uploader_notice(&mut self, r: &UploaderNoticeRecord) -> Result<()> {
        self.read.exec(
            "UPDATE uploader_notices SET body = ?2, issued_at = ?3, informed_at = ?4 WHERE id = ?1",
            params![r.id.as_str(), r.body, us(r.issued_at), us(r.informed_at)],
        )?;
        Ok(())
    }
    fn insert_complaint(&mut self, r: &ComplaintRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO complaints (id, case_id, decision, platform, complainant, signal, text_ref, received_at, due_at, state, \
             overdue_at, reviewed_by, reviewed_at, reasons, new_decision) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.decision.as_str(),
                r.platform.as_str(),
                r.complainant.as_str(),
                r.signal.as_ref().map(SignalId::as_str),
                r.text_ref.as_ref().map(PersonalRef::as_str),
                r.received_at.as_micros(),
                r.due_at.as_micros(),
                r.state.as_str(),
                us(r.overdue_at),
                r.reviewed_by.as_ref().map(UserId::as_str),
                us(r.reviewed_at),
                r.reasons,
                r.new_decision.as_ref().map(DecisionId::as_str),
            ],
        )?;
        Ok(())
    }
    fn update_complaint(&mut self, r: &ComplaintRecord) -> Result<()> {
        self.read.exec(
            "UPDATE complaints SET state = ?2, overdue_at = ?3, reviewed_by = ?4, reviewed_at = ?5, reasons = ?6, \
             new_decision = ?7 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.state.as_str(),
                us(r.overdue_at),
                r.reviewed_by.as_ref().map(UserId::as_str),
                us(r.reviewed_at),
                r.reasons,
                r.new_decision.as_ref().map(DecisionId::as_str),
            ],
        )?;
        Ok(())
    }
    fn insert_scrutiny(&mut self, r: &ScrutinyRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO scrutinies (id, order_id, trigger, requested_at, due_at, authority, reasons_ref, state, overdue_at, \
             decided_at, decided_by, decision_reasons, notice, intention_at, intention_reasons, purpose_concerns) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                r.id.as_str(),
                r.order.as_str(),
                r.trigger.as_str(),
                r.requested_at.as_micros(),
                r.due_at.as_micros(),
                r.authority.as_str(),
                r.reasons_ref.as_ref().map(PersonalRef::as_str),
                r.state.as_str(),
                us(r.overdue_at),
                us(r.decided_at),
                r.decided_by.as_ref().map(UserId::as_str),
                r.decision_reasons,
                r.notice.as_ref().map(UploaderNoticeId::as_str),
                us(r.intention_at),
                r.intention_reasons,
                r.purpose_concerns,
            ],
        )?;
        Ok(())
    }
    fn update_scrutiny(&mut self, r: &ScrutinyRecord) -> Result<()> {
        self.read.exec(
            "UPDATE scrutinies SET state = ?2, overdue_at = ?3, decided_at = ?4, decided_by = ?5, decision_reasons = ?6, \
             intention_at = ?7, intention_reasons = ?8 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.state.as_str(),
                us(r.overdue_at),
                us(r.decided_at),
                r.decided_by.as_ref().map(UserId::as_str),
                r.decision_reasons,
                us(r.intention_at),
                r.intention_reasons,
            ],
        )?;
        Ok(())
    }
    fn insert_watchlist(&mut self, r: &WatchlistRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO watchlists (id, authority, name, legal_basis_ref, ends_at, hold_hours, created_at, created_by, closed_at, \
             instrument_reference, instrument_issuer, instrument_ends_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.id.as_str(),
                r.authority.as_str(),
                r.name,
                r.legal_basis_ref,
                r.ends_at.as_micros(),
                r.hold_hours,
                r.created_at.as_micros(),
                r.created_by.as_str(),
                us(r.closed_at),
                r.instrument.as_ref().map(|i| i.reference.as_str()),
                r.instrument.as_ref().map(|i| i.issuing_body.as_str()),
                us(r.instrument.as_ref().map(|i| i.ends_at)),
            ],
        )?;
        Ok(())
    }
    fn update_watchlist(&mut self, r: &WatchlistRecord) -> Result<()> {
        self.read.exec(
            "UPDATE watchlists SET name = ?2, ends_at = ?3, hold_hours = ?4, closed_at = ?5 WHERE id = ?1",
            params![r.id.as_str(), r.name, r.ends_at.as_micros(), r.hold_hours, us(r.closed_at)],
        )?;
        Ok(())
    }
    fn insert_watch_entry(
        &mut self,
        watchlist: &WatchlistId,
        key_hash: &str,
        kind: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let n = self.read.exec(
            "INSERT INTO watch_entries (key_hash, watchlist, kind, added_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            params![key_hash, watchlist.as_str(), kind, at.as_micros()],
        )?;
        Ok(n == 1)
    }
    fn insert_hold(&mut self, r: &HoldRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO holds (id, case_id, watchlist, authority, placed_at, until, ended_at, end_reason) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.watchlist.as_str(),
                r.authority.as_str(),
                r.placed_at.as_micros(),
                r.until.as_micros(),
                us(r.ended_at),
                r.end_reason.map(HoldEnd::as_str),
            ],
        )?;
        Ok(())
    }
    fn update_hold(&mut self, r: &HoldRecord) -> Result<()> {
        self.read.exec(
            "UPDATE holds SET until = ?2, ended_at = ?3, end_reason = ?4 WHERE id = ?1",
            params![r.id.as_str(), r.until.as_micros(), us(r.ended_at), r.end_reason.map(HoldEnd::as_str)],
        )?;
        Ok(())
    }
    fn put_threat_alert(&mut self, r: &ThreatAlertRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO threat_alerts (case_id, raised_at, level, next_at, acknowledged_at, acknowledged_by, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (case_id) DO UPDATE SET level = excluded.level, \
             next_at = excluded.next_at, acknowledged_at = excluded.acknowledged_at, \
             acknowledged_by = excluded.acknowledged_by, note = excluded.note",
            params![
                r.case.as_str(),
                r.raised_at.as_micros(),
                r.level,
                us(r.next_at),
                us(r.acknowledged_at),
                r.acknowledged_by.as_ref().map(UserId::as_str),
                r.note,
            ],
        )?;
        Ok(())
    }
    fn insert_le_referral(&mut self, r: &LawEnforcementReferralRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO le_referrals (id, case_id, org, basis, member_states, europol, authority, sent_at, sent_by, note, \
             contact_point) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.org.as_str(),
                r.basis.as_str(),
                r.member_states.join(","),
                r.europol,
                r.authority.as_ref().map(OrgId::as_str),
                r.sent_at.as_micros(),
                r.sent_by.as_str(),
                r.note,
                r.contact_point,
            ],
        )?;
        Ok(())
    }
    fn set_notifier_informed(&mut self, signal: &SignalId, decision: &DecisionId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "INSERT OR IGNORE INTO notifier_informed (signal, decision, at) VALUES (?1, ?2, ?3)",
            params![signal.as_str(), decision.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn set_notifier_key(&mut self, signal: &SignalId, key: &str) -> Result<()> {
        self.read.exec(
            "INSERT INTO signal_notifiers (signal, notifier_key) VALUES (?1, ?2)",
            params![signal.as_str(), key],
        )?;
        Ok(())
    }
    fn insert_misuse_action(&mut self, r: &MisuseActionRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO misuse_actions (id, notifier_key, platform, kind, at, by_user, until, reason, counts) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.id.as_str(),
                r.notifier_key,
                r.platform.as_ref().map(OrgId::as_str),
                r.kind.as_str(),
                r.at.as_micros(),
                r.by.as_str(),
                us(r.until),
                r.reason,
                r.counts
            ],
        )?;
        Ok(())
    }
    fn put_flagger_award(&mut self, r: &FlaggerAwardRecord) -> Result<()> {
        self.read.exec(
            "INSERT OR REPLACE INTO flagger_awards (org, coordinator, member_state, reference, areas, awarded_on, status, \
             status_since, status_reference, status_decided_on, reason, recorded_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.org.as_str(),
                r.coordinator,
                r.member_state,
                r.reference,
                serde_json::to_string(&r.areas).expect("strings serialise"),
                r.awarded_on,
                r.status.as_str(),
                r.status_since.as_micros(),
                r.status_reference,
                r.status_decided_on,
                r.reason,
                r.recorded_by.as_str()
            ],
        )?;
        Ok(())
    }
    fn insert_case_retention(&mut self, case: &CaseId, key_ref: Option<&PersonalRef>) -> Result<()> {
        self.read.exec(
            "INSERT OR IGNORE INTO case_retention (case_id, key_ref) VALUES (?1, ?2)",
            params![case.as_str(), key_ref.map(PersonalRef::as_str)],
        )?;
        Ok(())
    }
    fn schedule_case_retention(&mut self, case: &CaseId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "INSERT INTO case_retention (case_id, check_at) VALUES (?1, ?2) ON CONFLICT (case_id) DO UPDATE SET \
             check_at = excluded.check_at, identifiers_erased_at = NULL, texts_erased_at = NULL, notices_erased_at = NULL",
            params![case.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn put_case_retention(&mut self, r: &CaseRetentionRecord) -> Result<()> {
        self.read.exec(
            "UPDATE case_retention SET check_at = ?2, identifiers_erased_at = ?3, texts_erased_at = ?4, \
             notices_erased_at = ?5 WHERE case_id = ?1",
            params![
                r.case.as_str(),
                us(r.check_at),
                us(r.identifiers_erased_at),
                us(r.texts_erased_at),
                us(r.notices_erased_at)
            ],
        )?;
        Ok(())
    }
    fn erase_case_identifiers(&mut self, case: &CaseId) -> Result<()> {
        self.read.exec(
            "UPDATE cases SET url = NULL, host = NULL, content_id = NULL, account_id = NULL, key = 'erased:' || id \
             WHERE id = ?1",
            [case.as_str()],
        )?;
        // An upload match's details name the uploader's account and the platform's content id:
        // identifiers too, erased with the locations once no case of the report keeps them.
        self.read.exec(
            "UPDATE signals SET locations = '[]', \
                 details = CASE WHEN kind = 'bank_match' THEN json_remove(details, '$.uploader', '$.content_id') \
                           ELSE details END \
             WHERE id IN (SELECT signal FROM signal_cases WHERE case_id = ?1) \
             AND NOT EXISTS (SELECT 1 FROM signal_cases sc JOIN cases c ON c.id = sc.case_id \
                             WHERE sc.signal = signals.id AND substr(c.key, 1, 7) <> 'erased:')",
            [case.as_str()],
        )?;
        self.read.exec("DELETE FROM case_signal_keys WHERE case_id = ?1", [case.as_str()])?;
        Ok(())
    }
    fn erase_decision_texts(&mut self, case: &CaseId) -> Result<()> {
        self.read.exec(
            "UPDATE decisions SET explanation = NULL, purpose_rationale = NULL, restriction_other = NULL WHERE case_id = ?1",
            [case.as_str()],
        )?;
        self.read.exec("UPDATE complaints SET reasons = NULL WHERE case_id = ?1", [case.as_str()])?;
        // Internal notes go with the case's other texts, and so does an upload's text a stay-down
        // match cited.
        self.read.exec("UPDATE case_notes SET body = NULL WHERE case_id = ?1", [case.as_str()])?;
        self.read.exec(
            "UPDATE signals SET details = json_remove(details, '$.text') \
             WHERE id IN (SELECT signal FROM signal_cases WHERE case_id = ?1) AND json_type(details, '$.text') = 'object'",
            [case.as_str()],
        )?;
        self.read.exec("DELETE FROM case_skips WHERE case_id = ?1", [case.as_str()])?;
        self.read.exec("DELETE FROM case_escalations WHERE case_id = ?1", [case.as_str()])?;
        self.read.exec(
            "DELETE FROM media_reveals WHERE media IN (SELECT id FROM case_media WHERE case_id = ?1)",
            [case.as_str()],
        )?;
        Ok(())
    }
    fn erase_notice_bodies(&mut self, case: &CaseId) -> Result<()> {
        self.read.exec("UPDATE uploader_notices SET body = '{\"erased\":true}' WHERE case_id = ?1", [case.as_str()])?;
        Ok(())
    }
    fn erase_personal(&mut self, id: &PersonalRef, at: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE personal_data SET value = NULL, salt = NULL, erased_at = ?2 WHERE id = ?1 AND erased_at IS NULL",
            params![id.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn put_challenge(&mut self, r: &ChallengeRecord) -> Result<()> {
        self.read.exec(
            "INSERT OR REPLACE INTO order_challenges (id, order_id, brought_by, org, court, reference, filed_on, recorded_at, \
             recorded_by, state, decided_on, outcome_reference, outcome_recorded_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                r.id.as_str(),
                r.order.as_str(),
                r.brought_by.as_str(),
                r.org.as_str(),
                r.court,
                r.reference,
                r.filed_on,
                r.recorded_at.as_micros(),
                r.recorded_by.as_str(),
                r.state.as_str(),
                r.decided_on,
                r.outcome_reference,
                us(r.outcome_recorded_at)
            ],
        )?;
        Ok(())
    }
    fn rekey_notifier(&mut self, old: &str, new: &str) -> Result<()> {
        self.read.exec("UPDATE signal_notifiers SET notifier_key = ?2 WHERE notifier_key = ?1", params![old, new])?;
        self.read.exec("UPDATE misuse_actions SET notifier_key = ?2 WHERE notifier_key = ?1", params![old, new])?;
        Ok(())
    }
    fn put_sor(&mut self, r: &SorSubmissionRecord) -> Result<()> {
        self.read.exec(
            "INSERT OR REPLACE INTO sor_outbox (decision, org, created_at, state, attempts, next_attempt_at, last_error, \
             tdb_uuid, submitted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.decision.as_str(),
                r.org.as_str(),
                r.created_at.as_micros(),
                r.state.as_str(),
                r.attempts,
                r.next_attempt_at.as_micros(),
                r.last_error,
                r.tdb_uuid,
                us(r.submitted_at),
            ],
        )?;
        Ok(())
    }
    fn put_tdb_settings(&mut self, r: &TdbSettingsRecord) -> Result<()> {
        self.read.exec(
            "INSERT OR REPLACE INTO tdb_settings (org, base_url, token, include_orders, updated_at, updated_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                r.org.as_str(),
                r.base_url,
                r.token,
                r.include_orders,
                r.updated_at.as_micros(),
                r.updated_by.as_str()
            ],
        )?;
        Ok(())
    }
}
