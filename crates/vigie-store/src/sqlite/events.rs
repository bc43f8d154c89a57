//! The SQL of the event chain, personal values, webhooks and the outbox.

use rusqlite::{Connection, Row, params};
use vigie_model::event::{ChainedEvent, NewEvent, chain_hash};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, ts, us};
use crate::*;

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

impl SqliteRead<'_> {
    pub(super) fn webhooks_of(&self, org: &OrgId) -> Result<Vec<WebhookRecord>> {
        self.many(
            "SELECT * FROM webhooks WHERE org = ?1 AND deleted_at IS NULL ORDER BY created_at, id",
            [org.as_str()],
            webhook_row,
        )
    }
    pub(super) fn get_webhook(&self, id: &WebhookId) -> Result<Option<WebhookRecord>> {
        self.one("SELECT * FROM webhooks WHERE id = ?1", [id.as_str()], webhook_row)
    }
    pub(super) fn get_delivery(&self, id: &DeliveryId) -> Result<Option<DeliveryRecord>> {
        self.one("SELECT * FROM deliveries WHERE id = ?1", [id.as_str()], delivery_row)
    }
    pub(super) fn events_after(&self, seq: i64, limit: u32) -> Result<Vec<ChainedEvent>> {
        self.many("SELECT * FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2", params![seq, limit], event_row)
    }
    pub(super) fn personal_value(&self, id: &PersonalRef) -> Result<Option<String>> {
        Ok(self.one("SELECT value FROM personal_data WHERE id = ?1", [id.as_str()], |r| r.get(0))?.flatten())
    }
}

impl SqliteTx<'_> {
    pub(super) fn insert_webhook(&mut self, r: &WebhookRecord) -> Result<()> {
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
    pub(super) fn insert_delivery(&mut self, r: &DeliveryRecord) -> Result<()> {
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
    pub(super) fn update_delivery(&mut self, r: &DeliveryRecord) -> Result<()> {
        self.read.exec(
            "UPDATE deliveries SET next_attempt_at = ?2, attempts = ?3, delivered_at = ?4, last_error = ?5, payload = ?6 \
             WHERE id = ?1",
            params![r.id.as_str(), r.next_attempt_at.as_micros(), r.attempts, us(r.delivered_at), r.last_error, r.payload],
        )?;
        Ok(())
    }
    pub(super) fn insert_personal(&mut self, r: &PersonalRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO personal_data (id, salt, value, purpose, retain_until) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![r.id.as_str(), r.salt, r.value, r.purpose, r.retain_until.as_micros()],
        )?;
        Ok(())
    }
    pub(super) fn erase_expired_personal(&mut self, now: Timestamp, limit: u32) -> Result<Vec<PersonalRef>> {
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
    pub(super) fn append_event(&mut self, id: &EventId, e: &NewEvent) -> Result<i64> {
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
        // Its leaf is hashed beside the writer once it is committed, and joins the tree at the
        // writer's next transaction (`leaves.rs`).
        self.leaves.push(&ev, &e.event);
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
}

/// Gives the events after the tree's last leaf their leaves, in order, in one transaction: the
/// events written before the tree existed (a database from before step 12), and those a crash
/// left between their commit and their leaves' (see `leaves.rs`).
pub(super) fn backfill_leaves(conn: &Connection, head: &mut super::conn::ChainHead) -> Result<()> {
    let tx = conn.unchecked_transaction().map_err(super::err)?;
    let key = super::chain::SeedKey::load(&tx).map_err(super::err)?;
    let mut frontier = head.frontier.clone();
    let after = i64::try_from(frontier.size()).unwrap_or(i64::MAX);
    super::leaves::each_leaf_after(&tx, &key, after, |seq, leaf| {
        super::leaves::put_leaf(&tx, &mut frontier, seq, leaf)
    })?;
    super::leaves::set_tree(&tx, &frontier)?;
    tx.commit().map_err(super::err)?;
    head.frontier = frontier;
    Ok(())
}
