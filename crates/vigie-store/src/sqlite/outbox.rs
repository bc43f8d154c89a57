//! The SQL behind [`OutboxReads`] and [`OutboxTx`].

use rusqlite::params;
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx};
use super::events::delivery_row;
use crate::*;

impl OutboxReads for SqliteRead<'_> {
    fn due_in_lane(&self, lane: Lane, now: Timestamp, per_webhook: u32, limit: u32) -> Result<Vec<DeliveryRecord>> {
        // A due message that no earlier message of its queue precedes; its queue is urgent when
        // any of its messages is (a message about no case is its own queue).
        self.many(
            "SELECT * FROM ( \
               SELECT d.*, ROW_NUMBER() OVER (PARTITION BY d.webhook ORDER BY d.next_attempt_at, d.seq) AS nth \
               FROM deliveries d \
               WHERE d.delivered_at IS NULL AND d.dead_at IS NULL AND d.next_attempt_at <= ?1 \
                 AND NOT EXISTS (SELECT 1 FROM deliveries e \
                   WHERE e.webhook = d.webhook AND e.case_id = d.case_id AND e.seq < d.seq \
                     AND e.delivered_at IS NULL AND e.dead_at IS NULL) \
                 AND (d.urgent OR EXISTS (SELECT 1 FROM deliveries u \
                   WHERE u.webhook = d.webhook AND u.case_id = d.case_id AND u.urgent \
                     AND u.delivered_at IS NULL AND u.dead_at IS NULL)) = ?2 \
             ) WHERE nth <= ?3 ORDER BY next_attempt_at, seq LIMIT ?4",
            params![now.as_micros(), lane == Lane::Urgent, per_webhook, limit],
            delivery_row,
        )
    }
    fn dead_letters(&self, org: Option<&OrgId>, limit: u32) -> Result<Vec<DeliveryRecord>> {
        self.many(
            "SELECT * FROM deliveries WHERE dead_at IS NOT NULL AND delivered_at IS NULL \
             AND (?1 IS NULL OR org = ?1) ORDER BY dead_at, seq LIMIT ?2",
            params![org.map(OrgId::as_str), limit],
            delivery_row,
        )
    }
}

impl OutboxReads for SqliteTx<'_> {
    fn due_in_lane(&self, lane: Lane, now: Timestamp, per_webhook: u32, limit: u32) -> Result<Vec<DeliveryRecord>> {
        self.read.due_in_lane(lane, now, per_webhook, limit)
    }
    fn dead_letters(&self, org: Option<&OrgId>, limit: u32) -> Result<Vec<DeliveryRecord>> {
        self.read.dead_letters(org, limit)
    }
}

impl OutboxTx for SqliteTx<'_> {
    fn bury_delivery(&mut self, id: &DeliveryId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE deliveries SET dead_at = ?2 WHERE id = ?1 AND delivered_at IS NULL",
            params![id.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn requeue_delivery(&mut self, id: &DeliveryId, now: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE deliveries SET dead_at = NULL, attempts = 0, next_attempt_at = ?2 \
             WHERE id = ?1 AND dead_at IS NOT NULL AND delivered_at IS NULL",
            params![id.as_str(), now.as_micros()],
        )?;
        Ok(())
    }
}
