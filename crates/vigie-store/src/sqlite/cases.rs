//! The SQL of signals, cases and decisions.

use rusqlite::{Row, params};
use vigie_model::case::CaseState;
use vigie_model::decision::{Action, Purpose, Restriction};
use vigie_model::location::TargetKind;
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt, ts, us};
use crate::*;

/// What report `?1`'s location `?2` says about case `?3`, by value (migration 22): the media
/// hashes and account id the location gives, and for an upload match the banked values it hit
/// and the uploader's account. The same extraction as the migration's backfill.
fn tier_from(code: i64) -> rusqlite::Result<Tier> {
    Tier::from_code(code).ok_or_else(|| corrupt("tier", &code.to_string()))
}

pub(super) fn signal_row(r: &Row<'_>) -> rusqlite::Result<SignalRecord> {
    let kind: String = r.get("kind")?;
    Ok(SignalRecord {
        id: SignalId::from_trusted(r.get("id")?),
        kind: SignalKind::parse(&kind).ok_or_else(|| corrupt("signal kind", &kind))?,
        tier: tier_from(r.get("tier")?)?,
        submitter_org: r.get::<_, Option<String>>("submitter_org")?.map(OrgId::from_trusted),
        submitter_user: r.get::<_, Option<String>>("submitter_user")?.map(UserId::from_trusted),
        threat_to_life: r.get("threat_to_life")?,
        received_at: Timestamp::from_micros(r.get("received_at")?),
        tracking_hash: r.get("tracking_hash")?,
        explanation_ref: r.get::<_, Option<String>>("explanation_ref")?.map(PersonalRef::from_trusted),
        notifier_name_ref: r.get::<_, Option<String>>("notifier_name_ref")?.map(PersonalRef::from_trusted),
        notifier_email_ref: r.get::<_, Option<String>>("notifier_email_ref")?.map(PersonalRef::from_trusted),
        good_faith: r.get("good_faith")?,
        details: r.get("details")?,
        locations: r.get("locations")?,
    })
}

pub(super) fn case_row(r: &Row<'_>) -> rusqlite::Result<CaseRecord> {
    let kind: String = r.get("kind")?;
    let state: String = r.get("state")?;
    Ok(CaseRecord {
        id: CaseId::from_trusted(r.get("id")?),
        platform: r.get::<_, Option<String>>("platform")?.map(OrgId::from_trusted),
        key: r.get("key")?,
        kind: TargetKind::parse(&kind).ok_or_else(|| corrupt("case kind", &kind))?,
        url: r.get("url")?,
        host: r.get("host")?,
        content_id: r.get("content_id")?,
        account_id: r.get("account_id")?,
        state: CaseState::parse(&state).ok_or_else(|| corrupt("case state", &state))?,
        tier: tier_from(r.get("tier")?)?,
        threat_to_life: r.get("threat_to_life")?,
        accountable_sources: r.get("accountable_sources")?,
        anonymous_signals: r.get("anonymous_signals")?,
        priority: r.get("priority")?,
        due_at: ts(r.get("due_at")?),
        created_at: Timestamp::from_micros(r.get("created_at")?),
        updated_at: Timestamp::from_micros(r.get("updated_at")?),
        delivered_at: ts(r.get("delivered_at")?),
        acknowledged_at: ts(r.get("acknowledged_at")?),
        decided_at: ts(r.get("decided_at")?),
        reinstated_at: ts(r.get("reinstated_at")?),
    })
}

pub(super) fn decision_row(r: &Row<'_>) -> rusqlite::Result<DecisionRecord> {
    let scope: String = r.get("territorial_scope")?;
    let action: String = r.get("action")?;
    let purpose: Option<String> = r.get("purpose")?;
    let restriction: Option<String> = r.get("restriction")?;
    Ok(DecisionRecord {
        id: DecisionId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        org: OrgId::from_trusted(r.get("org")?),
        decided_by: UserId::from_trusted(r.get("decided_by")?),
        decided_at: Timestamp::from_micros(r.get("decided_at")?),
        action: Action::parse(&action).ok_or_else(|| corrupt("action", &action))?,
        legal_basis: r.get("legal_basis")?,
        terms_clause: r.get("terms_clause")?,
        territorial_scope: scope.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        purpose: purpose.map(|p| Purpose::parse(&p).ok_or_else(|| corrupt("purpose", &p))).transpose()?,
        purpose_rationale: r.get("purpose_rationale")?,
        automated_detection: r.get("automated_detection")?,
        automated_decision: r.get("automated_decision")?,
        explanation: r.get("explanation")?,
        terms_clause_id: r.get::<_, Option<String>>("terms_clause_id")?.map(TermsClauseId::from_trusted),
        taxonomy_version: r.get("taxonomy_version")?,
        manifestly_unfounded: r.get("manifestly_unfounded")?,
        reversed_at: ts(r.get("reversed_at")?),
        reversed_by: r.get("reversed_by")?,
        restriction: restriction
            .map(|x| Restriction::parse(&x).ok_or_else(|| corrupt("restriction", &x)))
            .transpose()?,
        restriction_other: r.get("restriction_other")?,
        until: ts(r.get("until")?),
        content_date: r.get("content_date")?,
    })
}

/// The columns a case is written with.
macro_rules! case_cols {
    () => {
        "id, platform, key, kind, url, host, content_id, account_id, state, tier, threat_to_life, \
         accountable_sources, anonymous_signals, priority, due_at, created_at, updated_at, delivered_at, \
         acknowledged_at, decided_at"
    };
}
const CASE_COLS: &str = case_cols!();
/// The columns a case is read with: its own, and when its current decision (the latest, as in
/// `case_decision`) was reversed. Pending cases skip the lookup.
pub(super) const CASE_READ: &str = concat!(
    case_cols!(),
    ", CASE WHEN state = 'decided' THEN (SELECT d.reversed_at FROM decisions d WHERE d.case_id = cases.id \
     ORDER BY d.decided_at DESC, d.rowid DESC LIMIT 1) END AS reinstated_at"
);

impl SqliteRead<'_> {
    pub(super) fn get_signal(&self, id: &SignalId) -> Result<Option<SignalRecord>> {
        self.one("SELECT * FROM signals WHERE id = ?1", [id.as_str()], signal_row)
    }
    pub(super) fn find_signal_by_tracking(&self, tracking_hash: &str) -> Result<Option<SignalRecord>> {
        self.one("SELECT * FROM signals WHERE tracking_hash = ?1", [tracking_hash], signal_row)
    }
    pub(super) fn list_signals(&self, after: Option<&SignalId>, limit: u32) -> Result<Vec<SignalRecord>> {
        let after = after.map(SignalId::as_str).unwrap_or("");
        self.many("SELECT * FROM signals WHERE id > ?1 ORDER BY id LIMIT ?2", params![after, limit], signal_row)
    }
    pub(super) fn signal_cases(&self, id: &SignalId) -> Result<Vec<CaseId>> {
        self.many("SELECT case_id FROM signal_cases WHERE signal = ?1 ORDER BY idx", [id.as_str()], |r| {
            Ok(CaseId::from_trusted(r.get(0)?))
        })
    }
    pub(super) fn get_case(&self, id: &CaseId) -> Result<Option<CaseRecord>> {
        self.one(&format!("SELECT {CASE_READ} FROM cases WHERE id = ?1"), [id.as_str()], case_row)
    }
    pub(super) fn find_case(&self, platform: Option<&OrgId>, key: &str) -> Result<Option<CaseRecord>> {
        let platform = platform.map(OrgId::as_str).unwrap_or("");
        self.one(
            &format!("SELECT {CASE_READ} FROM cases WHERE COALESCE(platform, '') = ?1 AND key = ?2"),
            params![platform, key],
            case_row,
        )
    }
    pub(super) fn case_signals(&self, id: &CaseId) -> Result<Vec<SignalRecord>> {
        // In commit order: the rowid grows with each insert, even within one clock reading.
        self.many(
            "SELECT * FROM signals WHERE id IN (SELECT signal FROM signal_cases WHERE case_id = ?1) \
             ORDER BY received_at, rowid",
            [id.as_str()],
            signal_row,
        )
    }
    pub(super) fn inbox(&self, platform: &OrgId, cursor: Option<&InboxCursor>, limit: u32) -> Result<Vec<CaseRecord>> {
        // Deadline first (cases without one last), then priority (highest first), then id.
        let sql = format!(
            "SELECT {CASE_READ} FROM cases \
             WHERE platform = ?1 AND state IN ('open','delivered','acknowledged') \
               AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.case_id = cases.id AND h.ended_at IS NULL) \
               AND (due_at IS NULL, COALESCE(due_at, 0), -priority, id) > (?2, ?3, ?4, ?5) \
             ORDER BY due_at IS NULL, COALESCE(due_at, 0), -priority, id LIMIT ?6"
        );
        let (null, due, neg_priority, id) = match cursor {
            Some(c) => {
                (c.due_at.is_none(), c.due_at.map_or(0, Timestamp::as_micros), -c.priority, c.id.as_str().to_owned())
            }
            None => (false, i64::MIN, i64::MIN, String::new()),
        };
        self.many(&sql, params![platform.as_str(), null, due, neg_priority, id, limit], case_row)
    }
    pub(super) fn parked_cases(&self, limit: u32) -> Result<Vec<CaseRecord>> {
        self.many(
            &format!("SELECT {CASE_READ} FROM cases WHERE platform IS NULL ORDER BY created_at, id LIMIT ?1"),
            [limit],
            case_row,
        )
    }
    pub(super) fn case_decision(&self, id: &CaseId) -> Result<Option<DecisionRecord>> {
        self.one(
            "SELECT * FROM decisions WHERE case_id = ?1 ORDER BY decided_at DESC, rowid DESC LIMIT 1",
            [id.as_str()],
            decision_row,
        )
    }
}

impl SqliteTx<'_> {
    pub(super) fn insert_signal(&mut self, r: &SignalRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO signals (id, kind, tier, submitter_org, submitter_user, threat_to_life, received_at, tracking_hash, \
             explanation_ref, notifier_name_ref, notifier_email_ref, good_faith, details, locations) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                r.id.as_str(),
                r.kind.as_str(),
                r.tier.code(),
                r.submitter_org.as_ref().map(OrgId::as_str),
                r.submitter_user.as_ref().map(UserId::as_str),
                r.threat_to_life,
                r.received_at.as_micros(),
                r.tracking_hash,
                r.explanation_ref.as_ref().map(PersonalRef::as_str),
                r.notifier_name_ref.as_ref().map(PersonalRef::as_str),
                r.notifier_email_ref.as_ref().map(PersonalRef::as_str),
                r.good_faith,
                r.details,
                r.locations,
            ],
        )?;
        Ok(())
    }
    pub(super) fn link_signal_case(&mut self, signal: &SignalRecord, idx: u32, case: &CaseId) -> Result<()> {
        self.read.exec(
            "INSERT INTO signal_cases (signal, idx, case_id) VALUES (?1, ?2, ?3)",
            params![signal.id.as_str(), idx, case.as_str()],
        )?;
        // What the report says by value (`case_signal_keys`), one plain row each.
        let keys = crate::SignalKeys::of(signal, idx);
        for (kind, value) in &keys.values {
            self.read.exec(
                "INSERT INTO case_signal_keys (value, case_id, kind) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![value, case.as_str(), kind],
            )?;
        }
        for entry in keys.entries {
            self.read.exec(
                "INSERT INTO case_signal_keys (value, case_id, kind) \
                 SELECT value, ?2, signal_type FROM bank_entries WHERE id = ?1 AND value <> '' ON CONFLICT DO NOTHING",
                params![entry, case.as_str()],
            )?;
        }
        Ok(())
    }
    pub(super) fn insert_case(&mut self, r: &CaseRecord) -> Result<()> {
        self.read.exec(
            &format!("INSERT INTO cases ({CASE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"),
            params![
                r.id.as_str(),
                r.platform.as_ref().map(OrgId::as_str),
                r.key,
                r.kind.as_str(),
                r.url,
                r.host,
                r.content_id,
                r.account_id,
                r.state.as_str(),
                r.tier.code(),
                r.threat_to_life,
                r.accountable_sources,
                r.anonymous_signals,
                r.priority,
                us(r.due_at),
                r.created_at.as_micros(),
                r.updated_at.as_micros(),
                us(r.delivered_at),
                us(r.acknowledged_at),
                us(r.decided_at),
            ],
        )?;
        Ok(())
    }
    pub(super) fn update_case(&mut self, r: &CaseRecord) -> Result<()> {
        self.read.exec(
            "UPDATE cases SET platform = ?2, state = ?3, tier = ?4, threat_to_life = ?5, accountable_sources = ?6, \
             anonymous_signals = ?7, priority = ?8, due_at = ?9, updated_at = ?10, delivered_at = ?11, \
             acknowledged_at = ?12, decided_at = ?13, content_id = ?14, account_id = ?15 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.platform.as_ref().map(OrgId::as_str),
                r.state.as_str(),
                r.tier.code(),
                r.threat_to_life,
                r.accountable_sources,
                r.anonymous_signals,
                r.priority,
                us(r.due_at),
                r.updated_at.as_micros(),
                us(r.delivered_at),
                us(r.acknowledged_at),
                us(r.decided_at),
                r.content_id,
                r.account_id,
            ],
        )?;
        Ok(())
    }
    pub(super) fn add_case_source(&mut self, case: &CaseId, source: &str) -> Result<bool> {
        let n = self.read.exec(
            "INSERT OR IGNORE INTO case_sources (case_id, source) VALUES (?1, ?2)",
            params![case.as_str(), source],
        )?;
        Ok(n == 1)
    }
    pub(super) fn parked_cases_on(&mut self, host: &str) -> Result<Vec<CaseRecord>> {
        let suffix = format!("%.{host}");
        self.read.many(
            &format!("SELECT {CASE_READ} FROM cases WHERE platform IS NULL AND (host = ?1 OR host LIKE ?2) ORDER BY created_at, id"),
            params![host, suffix],
            case_row,
        )
    }
    pub(super) fn insert_decision(&mut self, r: &DecisionRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO decisions (id, case_id, org, decided_by, decided_at, action, legal_basis, terms_clause, territorial_scope, \
             purpose, purpose_rationale, automated_detection, automated_decision, explanation, terms_clause_id, \
             taxonomy_version, manifestly_unfounded, reversed_at, reversed_by, restriction, restriction_other, until, \
             content_date) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.org.as_str(),
                r.decided_by.as_str(),
                r.decided_at.as_micros(),
                r.action.as_str(),
                r.legal_basis,
                r.terms_clause,
                r.territorial_scope.join(","),
                r.purpose.map(Purpose::as_str),
                r.purpose_rationale,
                r.automated_detection,
                r.automated_decision,
                r.explanation,
                r.terms_clause_id.as_ref().map(TermsClauseId::as_str),
                r.taxonomy_version,
                r.manifestly_unfounded,
                us(r.reversed_at),
                r.reversed_by,
                r.restriction.map(Restriction::as_str),
                r.restriction_other,
                us(r.until),
                r.content_date,
            ],
        )?;
        Ok(())
    }
}
