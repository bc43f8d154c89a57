//! The SQL behind [`Reads`] and [`Tx`].

use rusqlite::{Connection, OptionalExtension, Row, params};
use vigie_model::bank::{Access, BankKind, BankSpec, ShareMode, SignalType as BankSignalType, Verdict};
use vigie_model::case::CaseState;
use vigie_model::event::{ChainedEvent, GENESIS_HASH, NewEvent, chain_hash};
use vigie_model::location::TargetKind;
use vigie_model::order::{OrderClock, OrderState};
use vigie_model::org::{Competence, OrgKind, Role};
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::*;

use super::err;
use crate::*;

/// The last event in the chain, kept in memory by the writer.
#[derive(Clone, Debug)]
pub(crate) struct ChainHead {
    seq: i64,
    hash: String,
}

impl ChainHead {
    pub(crate) fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let last = conn
            .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok(ChainHead { seq: r.get(0)?, hash: r.get(1)? })
            })
            .optional()?;
        Ok(last.unwrap_or(ChainHead { seq: 0, hash: GENESIS_HASH.to_owned() }))
    }
}

pub(crate) struct SqliteRead<'c> {
    pub(crate) conn: &'c Connection,
}

pub(crate) struct SqliteTx<'c> {
    pub(crate) read: SqliteRead<'c>,
    pub(crate) head: &'c mut ChainHead,
}

pub(super) fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_micros)
}
pub(super) fn us(t: Option<Timestamp>) -> Option<i64> {
    t.map(Timestamp::as_micros)
}

pub(super) fn corrupt(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unreadable {what}: {value:?}").into(),
    )
}

fn org_row(r: &Row<'_>) -> rusqlite::Result<OrgRecord> {
    let kind: String = r.get("kind")?;
    Ok(OrgRecord {
        id: OrgId::from_trusted(r.get("id")?),
        name: r.get("name")?,
        kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
        member_state: r.get("member_state")?,
        main_establishment: r.get("main_establishment")?,
        legal_representative: r.get("legal_representative")?,
        contact_point: r.get("contact_point")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        competences: competences_from(&r.get::<_, String>("competences")?)?,
        europol: r.get("europol")?,
        designated_channel: r.get("designated_channel")?,
    })
}

fn competences_from(text: &str) -> rusqlite::Result<Vec<Competence>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| Competence::parse(s).ok_or_else(|| corrupt("competence", s)))
        .collect()
}

fn competences_text(list: &[Competence]) -> String {
    list.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) fn roles_from(text: &str) -> rusqlite::Result<Vec<Role>> {
    text.split(',').filter(|s| !s.is_empty()).map(|s| Role::parse(s).ok_or_else(|| corrupt("role", s))).collect()
}

fn roles_to(roles: &[Role]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

pub(super) fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let roles: String = r.get("roles")?;
    Ok(UserRecord {
        id: UserId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        name_ref: PersonalRef::from_trusted(r.get("name_ref")?),
        roles: roles_from(&roles)?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        deactivated_at: ts(r.get("deactivated_at")?),
    })
}

fn host_row(r: &Row<'_>) -> rusqlite::Result<HostRecord> {
    let status: String = r.get("status")?;
    Ok(HostRecord {
        host: r.get("host")?,
        org: OrgId::from_trusted(r.get("org")?),
        status: match status.as_str() {
            "pending" => HostStatus::Pending,
            "approved" => HostStatus::Approved,
            _ => return Err(corrupt("host status", &status)),
        },
        claimed_at: Timestamp::from_micros(r.get("claimed_at")?),
        claimed_by: UserId::from_trusted(r.get("claimed_by")?),
        approved_at: ts(r.get("approved_at")?),
        approved_by: r.get::<_, Option<String>>("approved_by")?.map(UserId::from_trusted),
    })
}

fn tier_from(rank: i64) -> rusqlite::Result<Tier> {
    Tier::from_rank(rank).ok_or_else(|| corrupt("tier", &rank.to_string()))
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

fn case_row(r: &Row<'_>) -> rusqlite::Result<CaseRecord> {
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
    })
}

pub(super) fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRecord> {
    let state: String = r.get("state")?;
    let level: i64 = r.get("escalation_level")?;
    Ok(OrderRecord {
        id: SignalId::from_trusted(r.get("id")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        platform: OrgId::from_trusted(r.get("platform")?),
        reference: r.get("reference")?,
        form: r.get("form")?,
        emergency: r.get("emergency")?,
        cross_border: r.get("cross_border")?,
        intake_at: Timestamp::from_micros(r.get("intake_at")?),
        clock: OrderClock {
            state: OrderState::parse(&state).ok_or_else(|| corrupt("order state", &state))?,
            sent_at: Timestamp::from_micros(r.get("intake_at")?),
            received_at: ts(r.get("received_at")?),
            acknowledged_at: ts(r.get("acknowledged_at")?),
            unacknowledged_at: ts(r.get("unacknowledged_at")?),
            clarification_sent_at: ts(r.get("clarification_sent_at")?),
            deadline: ts(r.get("deadline")?),
            escalation_level: u8::try_from(level).map_err(|_| corrupt("escalation level", &level.to_string()))?,
            overdue_at: ts(r.get("overdue_at")?),
            actioned_at: ts(r.get("actioned_at")?),
        },
        cannot_comply: r.get("cannot_comply")?,
        measure: r.get("measure")?,
        embargo: match (ts(r.get("embargo_decided_at")?), ts(r.get("embargo_until")?)) {
            (Some(decided_at), Some(until)) => Some(vigie_model::redress::Embargo {
                decided_at,
                until,
                extended: r.get("embargo_extended")?,
                lifted_at: ts(r.get("embargo_lifted_at")?),
            }),
            _ => None,
        },
        ended_at: ts(r.get("ended_at")?),
        ended_by: r.get("ended_by")?,
        copy_to: r.get::<_, Option<String>>("copy_to")?.map(OrgId::from_trusted),
        copy_at: ts(r.get("copy_at")?),
    })
}

pub(super) fn decision_row(r: &Row<'_>) -> rusqlite::Result<DecisionRecord> {
    let scope: String = r.get("territorial_scope")?;
    Ok(DecisionRecord {
        id: DecisionId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        org: OrgId::from_trusted(r.get("org")?),
        decided_by: UserId::from_trusted(r.get("decided_by")?),
        decided_at: Timestamp::from_micros(r.get("decided_at")?),
        action: r.get("action")?,
        legal_basis: r.get("legal_basis")?,
        terms_clause: r.get("terms_clause")?,
        territorial_scope: scope.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        purpose: r.get("purpose")?,
        purpose_rationale: r.get("purpose_rationale")?,
        automated_detection: r.get("automated_detection")?,
        automated_decision: r.get("automated_decision")?,
        explanation: r.get("explanation")?,
        terms_clause_id: r.get::<_, Option<String>>("terms_clause_id")?.map(TermsClauseId::from_trusted),
        taxonomy_version: r.get("taxonomy_version")?,
        manifestly_unfounded: r.get("manifestly_unfounded")?,
        reversed_at: ts(r.get("reversed_at")?),
        reversed_by: r.get("reversed_by")?,
        restriction: r.get("restriction")?,
        restriction_other: r.get("restriction_other")?,
        until: ts(r.get("until")?),
        content_date: r.get("content_date")?,
    })
}

fn webhook_row(r: &Row<'_>) -> rusqlite::Result<WebhookRecord> {
    Ok(WebhookRecord {
        id: WebhookId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        url: r.get("url")?,
        secret: r.get("secret")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        created_by: UserId::from_trusted(r.get("created_by")?),
        deleted_at: ts(r.get("deleted_at")?),
    })
}

pub(super) fn delivery_row(r: &Row<'_>) -> rusqlite::Result<DeliveryRecord> {
    Ok(DeliveryRecord {
        id: DeliveryId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        webhook: WebhookId::from_trusted(r.get("webhook")?),
        event_type: r.get("event_type")?,
        payload: r.get("payload")?,
        case: r.get::<_, Option<String>>("case_id")?.map(CaseId::from_trusted),
        urgent: r.get("urgent")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        next_attempt_at: Timestamp::from_micros(r.get("next_attempt_at")?),
        attempts: r.get("attempts")?,
        delivered_at: ts(r.get("delivered_at")?),
        last_error: r.get("last_error")?,
        dead_at: ts(r.get("dead_at")?),
    })
}

pub(super) fn event_row(r: &Row<'_>) -> rusqlite::Result<ChainedEvent> {
    Ok(ChainedEvent {
        seq: r.get("seq")?,
        id: r.get("id")?,
        kind: r.get("kind")?,
        at: Timestamp::from_micros(r.get("at")?),
        clock: r.get("clock")?,
        actor: r.get("actor")?,
        org: r.get("org")?,
        subject: r.get("subject")?,
        data: r.get("data")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
    })
}

fn advance_row(r: &Row<'_>) -> rusqlite::Result<AdvanceNoticeRecord> {
    Ok(AdvanceNoticeRecord {
        id: AdvanceNoticeId::from_trusted(r.get("id")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        platform: OrgId::from_trusted(r.get("platform")?),
        sent_at: Timestamp::from_micros(r.get("sent_at")?),
        sent_by: UserId::from_trusted(r.get("sent_by")?),
        details: r.get("details")?,
    })
}

fn bank_row(r: &Row<'_>) -> rusqlite::Result<BankRecord> {
    let kind: String = r.get("kind")?;
    let labels: String = r.get("labels")?;
    Ok(BankRecord {
        id: BankId::from_trusted(r.get("id")?),
        owner: OrgId::from_trusted(r.get("owner")?),
        spec: BankSpec {
            name: r.get("name")?,
            kind: BankKind::parse(&kind).ok_or_else(|| corrupt("bank kind", &kind))?,
            threshold: r.get("threshold")?,
            stay_down: r.get("stay_down")?,
            enabled_ratio: r.get("enabled_ratio")?,
            labels: serde_json::from_str(&labels).map_err(|_| corrupt("bank labels", &labels))?,
            description: r.get("description")?,
            flood_limit: r.get("flood_limit")?,
        },
        created_at: Timestamp::from_micros(r.get("created_at")?),
        created_by: UserId::from_trusted(r.get("created_by")?),
        updated_at: Timestamp::from_micros(r.get("updated_at")?),
    })
}

fn share_row(r: &Row<'_>) -> rusqlite::Result<BankShareRecord> {
    let mode: String = r.get("mode")?;
    Ok(BankShareRecord {
        bank: BankId::from_trusted(r.get("bank")?),
        org: OrgId::from_trusted(r.get("org")?),
        mode: ShareMode::parse(&mode).ok_or_else(|| corrupt("share mode", &mode))?,
        granted_at: Timestamp::from_micros(r.get("granted_at")?),
        granted_by: UserId::from_trusted(r.get("granted_by")?),
    })
}

fn entry_row(r: &Row<'_>) -> rusqlite::Result<BankEntryRecord> {
    let signal_type: String = r.get("signal_type")?;
    Ok(BankEntryRecord {
        id: r.get("id")?,
        bank: BankId::from_trusted(r.get("bank")?),
        signal_type: BankSignalType::parse(&signal_type).ok_or_else(|| corrupt("signal type", &signal_type))?,
        value: r.get("value")?,
        quality: r.get("quality")?,
        source: r.get("source")?,
        provenance: r.get("provenance")?,
        content_id: r.get("content_id")?,
        content_uri: r.get("content_uri")?,
        note: r.get("note")?,
        added_at: Timestamp::from_micros(r.get("added_at")?),
        added_by: r.get::<_, Option<String>>("added_by")?.map(UserId::from_trusted),
        disabled_until: ts(r.get("disabled_until")?),
        quarantined_at: ts(r.get("quarantined_at")?),
        removed_at: ts(r.get("removed_at")?),
        case: r.get::<_, Option<String>>("case_id")?.map(CaseId::from_trusted),
        changed_seq: r.get("changed_seq")?,
    })
}

fn feedback_row(r: &Row<'_>) -> rusqlite::Result<FeedbackRecord> {
    let verdict: String = r.get("verdict")?;
    Ok(FeedbackRecord {
        entry: r.get("entry")?,
        org: OrgId::from_trusted(r.get("org")?),
        user: UserId::from_trusted(r.get("user")?),
        verdict: Verdict::parse(&verdict).ok_or_else(|| corrupt("verdict", &verdict))?,
        note: r.get("note")?,
        at: Timestamp::from_micros(r.get("at")?),
    })
}

impl SqliteRead<'_> {
    pub(super) fn one<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        stmt.query_row(p, f).optional().map_err(err)
    }
    pub(super) fn many<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        let rows = stmt.query_map(p, f).map_err(err)?;
        rows.collect::<rusqlite::Result<Vec<T>>>().map_err(err)
    }
    pub(super) fn exec(&self, sql: &str, p: impl rusqlite::Params) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        stmt.execute(p).map_err(err)
    }
}

const CASE_COLS: &str = "id, platform, key, kind, url, host, content_id, account_id, state, tier, threat_to_life, \
    accountable_sources, anonymous_signals, priority, due_at, created_at, updated_at, delivered_at, \
    acknowledged_at, decided_at";

impl Reads for SqliteRead<'_> {
    fn count_orgs(&self) -> Result<i64> {
        Ok(self.one("SELECT COUNT(*) FROM orgs", [], |r| r.get(0))?.unwrap_or(0))
    }
    fn get_org(&self, id: &OrgId) -> Result<Option<OrgRecord>> {
        self.one("SELECT * FROM orgs WHERE id = ?1", [id.as_str()], org_row)
    }
    fn list_orgs(&self) -> Result<Vec<OrgRecord>> {
        self.many("SELECT * FROM orgs ORDER BY created_at, id", [], org_row)
    }
    fn get_user(&self, id: &UserId) -> Result<Option<UserRecord>> {
        self.one("SELECT * FROM users WHERE id = ?1", [id.as_str()], user_row)
    }
    fn find_principal(&self, token_hash: &str, now: Timestamp) -> Result<Option<Principal>> {
        self.one(
            "SELECT t.id AS token, u.id AS user, u.roles AS roles, o.id AS org, o.kind AS kind \
             FROM tokens t JOIN users u ON u.id = t.user JOIN orgs o ON o.id = u.org \
             WHERE t.hash = ?1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?2) \
             AND u.deactivated_at IS NULL",
            params![token_hash, now.as_micros()],
            |r| {
                let kind: String = r.get("kind")?;
                let roles: String = r.get("roles")?;
                Ok(Principal {
                    token: TokenId::from_trusted(r.get("token")?),
                    user: UserId::from_trusted(r.get("user")?),
                    org: OrgId::from_trusted(r.get("org")?),
                    org_kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
                    roles: roles_from(&roles)?,
                })
            },
        )
    }
    fn get_host(&self, host: &str) -> Result<Option<HostRecord>> {
        self.one("SELECT * FROM hosts WHERE host = ?1", [host], host_row)
    }
    fn list_hosts(&self, org: Option<&OrgId>) -> Result<Vec<HostRecord>> {
        match org {
            Some(o) => self.many("SELECT * FROM hosts WHERE org = ?1 ORDER BY host", [o.as_str()], host_row),
            None => self.many("SELECT * FROM hosts ORDER BY host", [], host_row),
        }
    }
    fn route_host(&self, candidates: &[&str]) -> Result<Option<OrgId>> {
        for host in candidates {
            let found = self.one("SELECT org FROM hosts WHERE host = ?1 AND status = 'approved'", [host], |r| {
                r.get::<_, String>(0)
            })?;
            if let Some(org) = found {
                return Ok(Some(OrgId::from_trusted(org)));
            }
        }
        Ok(None)
    }
    fn get_signal(&self, id: &SignalId) -> Result<Option<SignalRecord>> {
        self.one("SELECT * FROM signals WHERE id = ?1", [id.as_str()], signal_row)
    }
    fn find_signal_by_tracking(&self, tracking_hash: &str) -> Result<Option<SignalRecord>> {
        self.one("SELECT * FROM signals WHERE tracking_hash = ?1", [tracking_hash], signal_row)
    }
    fn list_signals(&self, after: Option<&SignalId>, limit: u32) -> Result<Vec<SignalRecord>> {
        let after = after.map(SignalId::as_str).unwrap_or("");
        self.many("SELECT * FROM signals WHERE id > ?1 ORDER BY id LIMIT ?2", params![after, limit], signal_row)
    }
    fn signal_cases(&self, id: &SignalId) -> Result<Vec<CaseId>> {
        self.many("SELECT case_id FROM signal_cases WHERE signal = ?1 ORDER BY idx", [id.as_str()], |r| {
            Ok(CaseId::from_trusted(r.get(0)?))
        })
    }
    fn get_case(&self, id: &CaseId) -> Result<Option<CaseRecord>> {
        self.one(&format!("SELECT {CASE_COLS} FROM cases WHERE id = ?1"), [id.as_str()], case_row)
    }
    fn find_case(&self, platform: Option<&OrgId>, key: &str) -> Result<Option<CaseRecord>> {
        let platform = platform.map(OrgId::as_str).unwrap_or("");
        self.one(
            &format!("SELECT {CASE_COLS} FROM cases WHERE COALESCE(platform, '') = ?1 AND key = ?2"),
            params![platform, key],
            case_row,
        )
    }
    fn case_signals(&self, id: &CaseId) -> Result<Vec<SignalRecord>> {
        // In commit order: the rowid grows with each insert, even within one clock reading.
        self.many(
            "SELECT * FROM signals WHERE id IN (SELECT signal FROM signal_cases WHERE case_id = ?1) \
             ORDER BY received_at, rowid",
            [id.as_str()],
            signal_row,
        )
    }
    fn case_orders(&self, id: &CaseId) -> Result<Vec<OrderRecord>> {
        self.many(
            "SELECT DISTINCT o.* FROM signal_cases sc JOIN orders o ON o.id = sc.signal \
             WHERE sc.case_id = ?1 ORDER BY o.intake_at, o.id",
            [id.as_str()],
            order_row,
        )
    }
    fn inbox(&self, platform: &OrgId, cursor: Option<&InboxCursor>, limit: u32) -> Result<Vec<CaseRecord>> {
        // Deadline first (cases without one last), then priority (highest first), then id.
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases \
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
    fn parked_cases(&self, limit: u32) -> Result<Vec<CaseRecord>> {
        self.many(
            &format!("SELECT {CASE_COLS} FROM cases WHERE platform IS NULL ORDER BY created_at, id LIMIT ?1"),
            [limit],
            case_row,
        )
    }
    fn get_order(&self, id: &SignalId) -> Result<Option<OrderRecord>> {
        self.one("SELECT * FROM orders WHERE id = ?1", [id.as_str()], order_row)
    }
    fn due_orders(&self, now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>> {
        self.many(
            // An order that stopped having effect (annulled, or infringing on scrutiny) no longer runs.
            "SELECT * FROM orders WHERE next_check_at IS NOT NULL AND next_check_at <= ?1 AND ended_at IS NULL \
             ORDER BY next_check_at LIMIT ?2",
            params![now.as_micros(), limit],
            order_row,
        )
    }
    fn has_orders_between(&self, authority: &OrgId, platform: &OrgId) -> Result<bool> {
        Ok(self
            .one(
                "SELECT 1 FROM orders WHERE authority = ?1 AND platform = ?2 LIMIT 1",
                [authority.as_str(), platform.as_str()],
                |_| Ok(()),
            )?
            .is_some())
    }
    fn latest_advance_notice(&self, authority: &OrgId, platform: &OrgId) -> Result<Option<AdvanceNoticeRecord>> {
        self.one(
            "SELECT * FROM advance_notices WHERE authority = ?1 AND platform = ?2 ORDER BY sent_at LIMIT 1",
            [authority.as_str(), platform.as_str()],
            advance_row,
        )
    }
    fn case_decision(&self, id: &CaseId) -> Result<Option<DecisionRecord>> {
        self.one(
            "SELECT * FROM decisions WHERE case_id = ?1 ORDER BY decided_at DESC, rowid DESC LIMIT 1",
            [id.as_str()],
            decision_row,
        )
    }
    fn webhooks_of(&self, org: &OrgId) -> Result<Vec<WebhookRecord>> {
        self.many(
            "SELECT * FROM webhooks WHERE org = ?1 AND deleted_at IS NULL ORDER BY created_at, id",
            [org.as_str()],
            webhook_row,
        )
    }
    fn get_webhook(&self, id: &WebhookId) -> Result<Option<WebhookRecord>> {
        self.one("SELECT * FROM webhooks WHERE id = ?1", [id.as_str()], webhook_row)
    }
    fn get_delivery(&self, id: &DeliveryId) -> Result<Option<DeliveryRecord>> {
        self.one("SELECT * FROM deliveries WHERE id = ?1", [id.as_str()], delivery_row)
    }
    fn events_after(&self, seq: i64, limit: u32) -> Result<Vec<ChainedEvent>> {
        self.many("SELECT * FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2", params![seq, limit], event_row)
    }
    fn personal_value(&self, id: &PersonalRef) -> Result<Option<String>> {
        Ok(self.one("SELECT value FROM personal_data WHERE id = ?1", [id.as_str()], |r| r.get(0))?.flatten())
    }
    fn get_bank(&self, id: &BankId) -> Result<Option<BankRecord>> {
        self.one("SELECT * FROM banks WHERE id = ?1 AND deleted_at IS NULL", [id.as_str()], bank_row)
    }
    fn find_bank(&self, owner: &OrgId, name: &str) -> Result<Option<BankRecord>> {
        self.one(
            "SELECT * FROM banks WHERE owner = ?1 AND name = ?2 AND deleted_at IS NULL",
            params![owner.as_str(), name],
            bank_row,
        )
    }
    fn banks_for(&self, org: &OrgId) -> Result<Vec<(BankRecord, Access)>> {
        self.many(
            "SELECT b.*, CASE WHEN b.owner = ?1 THEN 'own' ELSE s.mode END AS access FROM banks b \
             LEFT JOIN bank_shares s ON s.bank = b.id AND s.org = ?1 \
             WHERE b.deleted_at IS NULL AND (b.owner = ?1 OR s.org IS NOT NULL) ORDER BY b.name, b.id",
            [org.as_str()],
            |r| {
                let access: String = r.get("access")?;
                let access = match access.as_str() {
                    "own" => Access::Own,
                    "curate" => Access::Curate,
                    "match" => Access::Match,
                    other => return Err(corrupt("access", other)),
                };
                Ok((bank_row(r)?, access))
            },
        )
    }
    fn all_banks(&self) -> Result<Vec<BankRecord>> {
        self.many("SELECT * FROM banks WHERE deleted_at IS NULL ORDER BY id", [], bank_row)
    }
    fn bank_shares(&self, bank: &BankId) -> Result<Vec<BankShareRecord>> {
        self.many("SELECT * FROM bank_shares WHERE bank = ?1 ORDER BY org", [bank.as_str()], share_row)
    }
    fn all_shares(&self) -> Result<Vec<BankShareRecord>> {
        self.many(
            "SELECT s.* FROM bank_shares s JOIN banks b ON b.id = s.bank WHERE b.deleted_at IS NULL",
            [],
            share_row,
        )
    }
    fn get_entry(&self, id: i64) -> Result<Option<BankEntryRecord>> {
        self.one("SELECT * FROM bank_entries WHERE id = ?1", [id], entry_row)
    }
    fn bank_entries(&self, bank: &BankId, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>> {
        self.many(
            "SELECT * FROM bank_entries WHERE bank = ?1 AND id > ?2 AND removed_at IS NULL ORDER BY id LIMIT ?3",
            params![bank.as_str(), after, limit],
            entry_row,
        )
    }
    fn count_entries(&self, bank: &BankId) -> Result<i64> {
        Ok(self.one("SELECT entry_count FROM banks WHERE id = ?1", [bank.as_str()], |r| r.get(0))?.unwrap_or(0))
    }
    fn entries_after(&self, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>> {
        self.many("SELECT * FROM bank_entries WHERE id > ?1 ORDER BY id LIMIT ?2", params![after, limit], entry_row)
    }
    fn entries_changed_since(&self, seq: i64) -> Result<Vec<BankEntryRecord>> {
        self.many(
            "SELECT * FROM bank_entries INDEXED BY bank_entries_changed WHERE changed_seq > ?1 ORDER BY changed_seq",
            [seq],
            entry_row,
        )
    }
    fn count_all_entries(&self) -> Result<i64> {
        Ok(self.one("SELECT COUNT(*) FROM bank_entries", [], |r| r.get(0))?.unwrap_or(0))
    }
    fn find_entry(&self, bank: &BankId, signal_type: BankSignalType, value: &str) -> Result<Option<BankEntryRecord>> {
        self.one(
            "SELECT * FROM bank_entries WHERE bank = ?1 AND signal_type = ?2 AND value = ?3 AND removed_at IS NULL \
             ORDER BY id LIMIT 1",
            params![bank.as_str(), signal_type.as_str(), value],
            entry_row,
        )
    }
    fn entry_feedback(&self, entry: i64) -> Result<Vec<FeedbackRecord>> {
        self.many("SELECT * FROM bank_feedback WHERE entry = ?1 ORDER BY at, rowid", [entry], feedback_row)
    }
}

/// Inside a transaction the same queries run on the writer connection.
macro_rules! delegate_reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl Reads for SqliteTx<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { self.read.$name($($arg),*) })*
        }
    };
}

delegate_reads! {
    count_orgs() -> Result<i64>;
    get_org(id: &OrgId) -> Result<Option<OrgRecord>>;
    list_orgs() -> Result<Vec<OrgRecord>>;
    get_user(id: &UserId) -> Result<Option<UserRecord>>;
    find_principal(token_hash: &str, now: Timestamp) -> Result<Option<Principal>>;
    get_host(host: &str) -> Result<Option<HostRecord>>;
    list_hosts(org: Option<&OrgId>) -> Result<Vec<HostRecord>>;
    route_host(candidates: &[&str]) -> Result<Option<OrgId>>;
    get_signal(id: &SignalId) -> Result<Option<SignalRecord>>;
    find_signal_by_tracking(tracking_hash: &str) -> Result<Option<SignalRecord>>;
    list_signals(after: Option<&SignalId>, limit: u32) -> Result<Vec<SignalRecord>>;
    signal_cases(id: &SignalId) -> Result<Vec<CaseId>>;
    get_case(id: &CaseId) -> Result<Option<CaseRecord>>;
    find_case(platform: Option<&OrgId>, key: &str) -> Result<Option<CaseRecord>>;
    case_signals(id: &CaseId) -> Result<Vec<SignalRecord>>;
    case_orders(id: &CaseId) -> Result<Vec<OrderRecord>>;
    inbox(platform: &OrgId, cursor: Option<&InboxCursor>, limit: u32) -> Result<Vec<CaseRecord>>;
    parked_cases(limit: u32) -> Result<Vec<CaseRecord>>;
    get_order(id: &SignalId) -> Result<Option<OrderRecord>>;
    due_orders(now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>>;
    has_orders_between(authority: &OrgId, platform: &OrgId) -> Result<bool>;
    latest_advance_notice(authority: &OrgId, platform: &OrgId) -> Result<Option<AdvanceNoticeRecord>>;
    case_decision(id: &CaseId) -> Result<Option<DecisionRecord>>;
    webhooks_of(org: &OrgId) -> Result<Vec<WebhookRecord>>;
    get_webhook(id: &WebhookId) -> Result<Option<WebhookRecord>>;
    get_delivery(id: &DeliveryId) -> Result<Option<DeliveryRecord>>;
    events_after(seq: i64, limit: u32) -> Result<Vec<ChainedEvent>>;
    personal_value(id: &PersonalRef) -> Result<Option<String>>;
    get_bank(id: &BankId) -> Result<Option<BankRecord>>;
    find_bank(owner: &OrgId, name: &str) -> Result<Option<BankRecord>>;
    banks_for(org: &OrgId) -> Result<Vec<(BankRecord, Access)>>;
    all_banks() -> Result<Vec<BankRecord>>;
    bank_shares(bank: &BankId) -> Result<Vec<BankShareRecord>>;
    all_shares() -> Result<Vec<BankShareRecord>>;
    get_entry(id: i64) -> Result<Option<BankEntryRecord>>;
    bank_entries(bank: &BankId, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    count_entries(bank: &BankId) -> Result<i64>;
    entries_after(after: i64, limit: u32) -> Result<Vec<BankEntryRecord>>;
    entries_changed_since(seq: i64) -> Result<Vec<BankEntryRecord>>;
    count_all_entries() -> Result<i64>;
    find_entry(bank: &BankId, signal_type: BankSignalType, value: &str) -> Result<Option<BankEntryRecord>>;
    entry_feedback(entry: i64) -> Result<Vec<FeedbackRecord>>;
}

impl Tx for SqliteTx<'_> {
    fn insert_org(&mut self, r: &OrgRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO orgs (id, name, kind, member_state, main_establishment, legal_representative, contact_point, created_at, \
             competences, europol, designated_channel) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![r.id.as_str(), r.name, r.kind.as_str(), r.member_state, r.main_establishment, r.legal_representative, r.contact_point, r.created_at.as_micros(),
                competences_text(&r.competences), r.europol, r.designated_channel],
        )?;
        Ok(())
    }
    fn update_org(&mut self, r: &OrgRecord) -> Result<()> {
        self.read.exec(
            "UPDATE orgs SET competences = ?2, designated_channel = ?3 WHERE id = ?1",
            params![r.id.as_str(), competences_text(&r.competences), r.designated_channel],
        )?;
        Ok(())
    }
    fn insert_user(&mut self, r: &UserRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO users (id, org, name_ref, roles, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.id.as_str(), r.org.as_str(), r.name_ref.as_str(), roles_to(&r.roles), r.created_at.as_micros()],
        )?;
        Ok(())
    }
    fn insert_token(&mut self, r: &TokenRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO tokens (id, user, hash, label, created_at, expires_at, revoked_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id.as_str(),
                r.user.as_str(),
                r.hash,
                r.label,
                r.created_at.as_micros(),
                us(r.expires_at),
                us(r.revoked_at)
            ],
        )?;
        Ok(())
    }
    fn insert_host(&mut self, r: &HostRecord) -> Result<()> {
        self.read
            .exec(
                "INSERT INTO hosts (host, org, status, claimed_at, claimed_by, approved_at, approved_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![r.host, r.org.as_str(), r.status.as_str(), r.claimed_at.as_micros(), r.claimed_by.as_str(), us(r.approved_at), r.approved_by.as_ref().map(UserId::as_str)],
            )
            .map_err(StoreError::unique_as(Conflict::HostTaken, "the host is already claimed"))?;
        Ok(())
    }
    fn update_host(&mut self, r: &HostRecord) -> Result<()> {
        self.read.exec(
            "UPDATE hosts SET org = ?2, status = ?3, approved_at = ?4, approved_by = ?5 WHERE host = ?1",
            params![
                r.host,
                r.org.as_str(),
                r.status.as_str(),
                us(r.approved_at),
                r.approved_by.as_ref().map(UserId::as_str)
            ],
        )?;
        Ok(())
    }
    fn insert_signal(&mut self, r: &SignalRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO signals (id, kind, tier, submitter_org, submitter_user, threat_to_life, received_at, tracking_hash, \
             explanation_ref, notifier_name_ref, notifier_email_ref, good_faith, details, locations) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                r.id.as_str(),
                r.kind.as_str(),
                r.tier.rank(),
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
    fn link_signal_case(&mut self, signal: &SignalId, idx: u32, case: &CaseId) -> Result<()> {
        self.read.exec(
            "INSERT INTO signal_cases (signal, idx, case_id) VALUES (?1, ?2, ?3)",
            params![signal.as_str(), idx, case.as_str()],
        )?;
        Ok(())
    }
    fn insert_case(&mut self, r: &CaseRecord) -> Result<()> {
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
                r.tier.rank(),
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
    fn update_case(&mut self, r: &CaseRecord) -> Result<()> {
        self.read.exec(
            "UPDATE cases SET platform = ?2, state = ?3, tier = ?4, threat_to_life = ?5, accountable_sources = ?6, \
             anonymous_signals = ?7, priority = ?8, due_at = ?9, updated_at = ?10, delivered_at = ?11, \
             acknowledged_at = ?12, decided_at = ?13, content_id = ?14, account_id = ?15 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.platform.as_ref().map(OrgId::as_str),
                r.state.as_str(),
                r.tier.rank(),
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
    fn add_case_source(&mut self, case: &CaseId, source: &str) -> Result<bool> {
        let n = self.read.exec(
            "INSERT OR IGNORE INTO case_sources (case_id, source) VALUES (?1, ?2)",
            params![case.as_str(), source],
        )?;
        Ok(n == 1)
    }
    fn parked_cases_on(&mut self, host: &str) -> Result<Vec<CaseRecord>> {
        let suffix = format!("%.{host}");
        self.read.many(
            &format!("SELECT {CASE_COLS} FROM cases WHERE platform IS NULL AND (host = ?1 OR host LIKE ?2) ORDER BY created_at, id"),
            params![host, suffix],
            case_row,
        )
    }
    fn insert_order(&mut self, r: &OrderRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO orders (id, authority, platform, reference, form, emergency, cross_border, intake_at, state, \
             received_at, deadline, escalation_level, overdue_at, actioned_at, next_check_at, cannot_comply, measure, \
             embargo_decided_at, embargo_until, embargo_extended, embargo_lifted_at, ended_at, ended_by, \
             acknowledged_at, unacknowledged_at, clarification_sent_at, copy_to, copy_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, \
             ?24, ?25, ?26, ?27, ?28)",
            params![
                r.id.as_str(),
                r.authority.as_str(),
                r.platform.as_str(),
                r.reference,
                r.form,
                r.emergency,
                r.cross_border,
                r.intake_at.as_micros(),
                r.clock.state.as_str(),
                us(r.clock.received_at),
                us(r.clock.deadline),
                r.clock.escalation_level,
                us(r.clock.overdue_at),
                us(r.clock.actioned_at),
                us(r.clock.next_check_at()),
                r.cannot_comply,
                r.measure,
                us(r.embargo.map(|e| e.decided_at)),
                us(r.embargo.map(|e| e.until)),
                r.embargo.is_some_and(|e| e.extended),
                us(r.embargo.and_then(|e| e.lifted_at)),
                us(r.ended_at),
                r.ended_by,
                us(r.clock.acknowledged_at),
                us(r.clock.unacknowledged_at),
                us(r.clock.clarification_sent_at),
                r.copy_to.as_ref().map(OrgId::as_str),
                us(r.copy_at),
            ],
        )?;
        Ok(())
    }
    fn update_order(&mut self, r: &OrderRecord) -> Result<()> {
        self.read.exec(
            "UPDATE orders SET state = ?2, received_at = ?3, deadline = ?4, escalation_level = ?5, overdue_at = ?6, \
             actioned_at = ?7, next_check_at = ?8, cannot_comply = ?9, measure = ?10, embargo_decided_at = ?11, \
             embargo_until = ?12, embargo_extended = ?13, embargo_lifted_at = ?14, ended_at = ?15, ended_by = ?16, \
             acknowledged_at = ?17, unacknowledged_at = ?18, clarification_sent_at = ?19, form = ?20 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.clock.state.as_str(),
                us(r.clock.received_at),
                us(r.clock.deadline),
                r.clock.escalation_level,
                us(r.clock.overdue_at),
                us(r.clock.actioned_at),
                us(r.clock.next_check_at()),
                r.cannot_comply,
                r.measure,
                us(r.embargo.map(|e| e.decided_at)),
                us(r.embargo.map(|e| e.until)),
                r.embargo.is_some_and(|e| e.extended),
                us(r.embargo.and_then(|e| e.lifted_at)),
                us(r.ended_at),
                r.ended_by,
                us(r.clock.acknowledged_at),
                us(r.clock.unacknowledged_at),
                us(r.clock.clarification_sent_at),
                r.form,
            ],
        )?;
        Ok(())
    }
    fn insert_advance_notice(&mut self, r: &AdvanceNoticeRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO advance_notices (id, authority, platform, sent_at, sent_by, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.id.as_str(), r.authority.as_str(), r.platform.as_str(), r.sent_at.as_micros(), r.sent_by.as_str(), r.details],
        )?;
        Ok(())
    }
    fn insert_decision(&mut self, r: &DecisionRecord) -> Result<()> {
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
                r.action,
                r.legal_basis,
                r.terms_clause,
                r.territorial_scope.join(","),
                r.purpose,
                r.purpose_rationale,
                r.automated_detection,
                r.automated_decision,
                r.explanation,
                r.terms_clause_id.as_ref().map(TermsClauseId::as_str),
                r.taxonomy_version,
                r.manifestly_unfounded,
                us(r.reversed_at),
                r.reversed_by,
                r.restriction,
                r.restriction_other,
                us(r.until),
                r.content_date,
            ],
        )?;
        Ok(())
    }
    fn insert_webhook(&mut self, r: &WebhookRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO webhooks (id, org, url, secret, created_at, created_by, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id.as_str(),
                r.org.as_str(),
                r.url,
                r.secret,
                r.created_at.as_micros(),
                r.created_by.as_str(),
                us(r.deleted_at)
            ],
        )?;
        Ok(())
    }
    fn insert_delivery(&mut self, r: &DeliveryRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO deliveries (id, org, webhook, event_type, payload, case_id, urgent, created_at, next_attempt_at, attempts, delivered_at, last_error) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.id.as_str(),
                r.org.as_str(),
                r.webhook.as_str(),
                r.event_type,
                r.payload,
                r.case.as_ref().map(CaseId::as_str),
                r.urgent,
                r.created_at.as_micros(),
                r.next_attempt_at.as_micros(),
                r.attempts,
                us(r.delivered_at),
                r.last_error,
            ],
        )?;
        Ok(())
    }
    fn update_delivery(&mut self, r: &DeliveryRecord) -> Result<()> {
        self.read.exec(
            "UPDATE deliveries SET next_attempt_at = ?2, attempts = ?3, delivered_at = ?4, last_error = ?5, payload = ?6 \
             WHERE id = ?1",
            params![r.id.as_str(), r.next_attempt_at.as_micros(), r.attempts, us(r.delivered_at), r.last_error, r.payload],
        )?;
        Ok(())
    }
    fn insert_personal(&mut self, r: &PersonalRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO personal_data (id, salt, value, purpose, retain_until) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.id.as_str(), r.salt, r.value, r.purpose, r.retain_until.as_micros()],
        )?;
        Ok(())
    }
    fn erase_expired_personal(&mut self, now: Timestamp, limit: u32) -> Result<Vec<PersonalRef>> {
        let ids = self.read.many(
            "SELECT id FROM personal_data WHERE erased_at IS NULL AND retain_until <= ?1 ORDER BY retain_until LIMIT ?2",
            params![now.as_micros(), limit],
            |r| Ok(PersonalRef::from_trusted(r.get(0)?)),
        )?;
        for id in &ids {
            self.read.exec(
                "UPDATE personal_data SET value = NULL, salt = NULL, erased_at = ?2 WHERE id = ?1",
                params![id.as_str(), now.as_micros()],
            )?;
        }
        Ok(ids)
    }
    fn append_event(&mut self, id: &EventId, e: &NewEvent) -> Result<i64> {
        let mut ev = ChainedEvent {
            seq: self.head.seq + 1,
            id: id.as_str().to_owned(),
            kind: e.event.kind().as_str().to_owned(),
            at: e.at,
            clock: e.clock.as_str().to_owned(),
            actor: e.actor.clone(),
            org: e.org.clone(),
            subject: e.subject.clone(),
            data: e.event.encode(),
            prev_hash: self.head.hash.clone(),
            hash: String::new(),
        };
        ev.hash = chain_hash(&ev.prev_hash, &ev);
        self.read.exec(
            "INSERT INTO events (seq, id, kind, at, clock, actor, org, subject, data, prev_hash, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                ev.seq,
                ev.id,
                ev.kind,
                ev.at.as_micros(),
                ev.clock,
                ev.actor,
                ev.org,
                ev.subject,
                ev.data,
                ev.prev_hash,
                ev.hash
            ],
        )?;
        self.head.seq = ev.seq;
        self.head.hash = ev.hash;
        Ok(self.head.seq)
    }

    fn insert_bank(&mut self, r: &BankRecord) -> Result<()> {
        let labels = serde_json::to_string(&r.spec.labels).map_err(|e| StoreError::Engine(Box::new(e)))?;
        self.read
            .exec(
                "INSERT INTO banks (id, owner, name, kind, threshold, stay_down, enabled_ratio, labels, description, \
                 flood_limit, created_at, created_by, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    r.id.as_str(),
                    r.owner.as_str(),
                    r.spec.name,
                    r.spec.kind.as_str(),
                    r.spec.threshold,
                    r.spec.stay_down,
                    r.spec.enabled_ratio,
                    labels,
                    r.spec.description,
                    r.spec.flood_limit,
                    r.created_at.as_micros(),
                    r.created_by.as_str(),
                    r.updated_at.as_micros()
                ],
            )
            .map_err(StoreError::unique_as(Conflict::BankExists, "the organisation already has a bank of that name"))?;
        Ok(())
    }
    fn update_bank(&mut self, r: &BankRecord) -> Result<()> {
        let labels = serde_json::to_string(&r.spec.labels).map_err(|e| StoreError::Engine(Box::new(e)))?;
        self.read
            .exec(
                "UPDATE banks SET name = ?2, kind = ?3, threshold = ?4, stay_down = ?5, enabled_ratio = ?6, labels = ?7, \
                 description = ?8, flood_limit = ?9, updated_at = ?10 WHERE id = ?1",
                params![
                    r.id.as_str(),
                    r.spec.name,
                    r.spec.kind.as_str(),
                    r.spec.threshold,
                    r.spec.stay_down,
                    r.spec.enabled_ratio,
                    labels,
                    r.spec.description,
                    r.spec.flood_limit,
                    r.updated_at.as_micros()
                ],
            )
            .map_err(StoreError::unique_as(Conflict::BankExists, "the organisation already has a bank of that name"))?;
        Ok(())
    }
    fn delete_bank(&mut self, id: &BankId, at: Timestamp) -> Result<()> {
        self.read.exec("UPDATE banks SET deleted_at = ?2 WHERE id = ?1", params![id.as_str(), at.as_micros()])?;
        self.read.exec("DELETE FROM bank_shares WHERE bank = ?1", [id.as_str()])?;
        Ok(())
    }
    fn put_share(&mut self, r: &BankShareRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO bank_shares (bank, org, mode, granted_at, granted_by) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (bank, org) DO UPDATE SET mode = excluded.mode, granted_at = excluded.granted_at, \
             granted_by = excluded.granted_by",
            params![r.bank.as_str(), r.org.as_str(), r.mode.as_str(), r.granted_at.as_micros(), r.granted_by.as_str()],
        )?;
        Ok(())
    }
    fn delete_share(&mut self, bank: &BankId, org: &OrgId) -> Result<bool> {
        Ok(self
            .read
            .exec("DELETE FROM bank_shares WHERE bank = ?1 AND org = ?2", params![bank.as_str(), org.as_str()])?
            > 0)
    }
    fn insert_entry(&mut self, r: &BankEntryRecord) -> Result<Option<i64>> {
        let inserted = self.read.exec(
            "INSERT INTO bank_entries (bank, signal_type, value, quality, source, provenance, content_id, content_uri, note, \
             added_at, added_by, disabled_until, quarantined_at, removed_at, case_id, changed_seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
             ON CONFLICT (bank, signal_type, value) WHERE removed_at IS NULL DO NOTHING",
            params![
                r.bank.as_str(),
                r.signal_type.as_str(),
                r.value,
                r.quality,
                r.source,
                r.provenance,
                r.content_id,
                r.content_uri,
                r.note,
                r.added_at.as_micros(),
                r.added_by.as_ref().map(UserId::as_str),
                us(r.disabled_until),
                us(r.quarantined_at),
                us(r.removed_at),
                r.case.as_ref().map(CaseId::as_str),
                r.changed_seq
            ],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = self.read.conn.last_insert_rowid();
        if r.removed_at.is_none() {
            self.read.exec("UPDATE banks SET entry_count = entry_count + 1 WHERE id = ?1", [r.bank.as_str()])?;
        }
        Ok(Some(id))
    }
    fn update_entry(&mut self, r: &BankEntryRecord) -> Result<()> {
        if r.removed_at.is_some() {
            // Counted out once: only when this update is the one that removes it.
            self.read.exec(
                "UPDATE banks SET entry_count = entry_count - 1 WHERE id = \
                 (SELECT bank FROM bank_entries WHERE id = ?1 AND removed_at IS NULL)",
                [r.id],
            )?;
        }
        self.read.exec(
            "UPDATE bank_entries SET note = ?2, content_id = ?3, content_uri = ?4, disabled_until = ?5, quarantined_at = ?6, \
             removed_at = ?7, case_id = ?8, changed_seq = ?9 WHERE id = ?1",
            params![
                r.id,
                r.note,
                r.content_id,
                r.content_uri,
                us(r.disabled_until),
                us(r.quarantined_at),
                us(r.removed_at),
                r.case.as_ref().map(CaseId::as_str),
                r.changed_seq
            ],
        )?;
        Ok(())
    }
    fn insert_feedback(&mut self, r: &FeedbackRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO bank_feedback (entry, org, user, verdict, note, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.entry, r.org.as_str(), r.user.as_str(), r.verdict.as_str(), r.note, r.at.as_micros()],
        )?;
        Ok(())
    }
}
