//! The SQL of removal orders and advance notices.

use rusqlite::{Row, params};
use vigie_model::decision::Action;
use vigie_model::order::{OrderClock, OrderState};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt, from_json, from_json_opt, to_json, ts, us};
use crate::*;

pub(super) fn order_row(r: &Row<'_>) -> rusqlite::Result<OrderRecord> {
    let state: String = r.get("state")?;
    let measure: Option<String> = r.get("measure")?;
    let level: i64 = r.get("escalation_level")?;
    Ok(OrderRecord {
        id: SignalId::from_trusted(r.get("id")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        platform: OrgId::from_trusted(r.get("platform")?),
        reference: r.get("reference")?,
        form: from_json("order form", &r.get::<_, String>("form")?)?,
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
        cannot_comply: from_json_opt("Annex III notice", r.get("cannot_comply")?)?,
        measure: measure.map(|m| Action::parse(&m).ok_or_else(|| corrupt("measure", &m))).transpose()?,
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
        ended_by: from_json_opt("order end", r.get("ended_by")?)?,
        copy_to: r.get::<_, Option<String>>("copy_to")?.map(OrgId::from_trusted),
        copy_at: ts(r.get("copy_at")?),
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

impl SqliteRead<'_> {
    pub(super) fn case_orders(&self, id: &CaseId) -> Result<Vec<OrderRecord>> {
        self.many(
            "SELECT DISTINCT o.* FROM signal_cases sc JOIN orders o ON o.id = sc.signal \
             WHERE sc.case_id = ?1 ORDER BY o.intake_at, o.id",
            [id.as_str()],
            order_row,
        )
    }
    pub(super) fn get_order(&self, id: &SignalId) -> Result<Option<OrderRecord>> {
        self.one("SELECT * FROM orders WHERE id = ?1", [id.as_str()], order_row)
    }
    pub(super) fn due_orders(&self, now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>> {
        self.many(
            // An order that stopped having effect (annulled, or infringing on scrutiny) no longer runs.
            "SELECT * FROM orders WHERE next_check_at IS NOT NULL AND next_check_at <= ?1 AND ended_at IS NULL \
             ORDER BY next_check_at LIMIT ?2",
            params![now.as_micros(), limit],
            order_row,
        )
    }
    pub(super) fn has_orders_between(&self, authority: &OrgId, platform: &OrgId) -> Result<bool> {
        Ok(self
            .one(
                "SELECT 1 FROM orders WHERE authority = ?1 AND platform = ?2 LIMIT 1",
                [authority.as_str(), platform.as_str()],
                |_| Ok(()),
            )?
            .is_some())
    }
    pub(super) fn latest_advance_notice(
        &self,
        authority: &OrgId,
        platform: &OrgId,
    ) -> Result<Option<AdvanceNoticeRecord>> {
        self.one(
            "SELECT * FROM advance_notices WHERE authority = ?1 AND platform = ?2 ORDER BY sent_at LIMIT 1",
            [authority.as_str(), platform.as_str()],
            advance_row,
        )
    }
}

impl SqliteTx<'_> {
    pub(super) fn insert_order(&mut self, r: &OrderRecord) -> Result<()> {
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
                to_json(&r.form),
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
                r.cannot_comply.as_ref().map(to_json),
                r.measure.map(Action::as_str),
                us(r.embargo.map(|e| e.decided_at)),
                us(r.embargo.map(|e| e.until)),
                r.embargo.is_some_and(|e| e.extended),
                us(r.embargo.and_then(|e| e.lifted_at)),
                us(r.ended_at),
                r.ended_by.as_ref().map(to_json),
                us(r.clock.acknowledged_at),
                us(r.clock.unacknowledged_at),
                us(r.clock.clarification_sent_at),
                r.copy_to.as_ref().map(OrgId::as_str),
                us(r.copy_at),
            ],
        )?;
        Ok(())
    }
    pub(super) fn update_order(&mut self, r: &OrderRecord) -> Result<()> {
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
                r.cannot_comply.as_ref().map(to_json),
                r.measure.map(Action::as_str),
                us(r.embargo.map(|e| e.decided_at)),
                us(r.embargo.map(|e| e.until)),
                r.embargo.is_some_and(|e| e.extended),
                us(r.embargo.and_then(|e| e.lifted_at)),
                us(r.ended_at),
                r.ended_by.as_ref().map(to_json),
                us(r.clock.acknowledged_at),
                us(r.clock.unacknowledged_at),
                us(r.clock.clarification_sent_at),
                to_json(&r.form),
            ],
        )?;
        Ok(())
    }
    pub(super) fn insert_advance_notice(&mut self, r: &AdvanceNoticeRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO advance_notices (id, authority, platform, sent_at, sent_by, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.id.as_str(), r.authority.as_str(), r.platform.as_str(), r.sent_at.as_micros(), r.sent_by.as_str(), r.details],
        )?;
        Ok(())
    }
}
