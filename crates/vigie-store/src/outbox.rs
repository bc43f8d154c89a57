//! The outbox's queues: which messages a delivery pass takes, and the dead letters.
//!
//! A queue is one webhook's undelivered messages about one case, in the order they were queued; a
//! message about no case is a queue of its own. Only a queue's first message may be sent, when its
//! attempt is due, so a case's messages reach an endpoint in order and a failing endpoint holds
//! back its own queues only. A queue holding an urgent message (a threat to life, a removal order)
//! is in the urgent lane, its earlier messages with it, which a delivery worker drains apart from
//! the others. A message that used up its attempts is set aside as a dead letter: it leaves its
//! queue (the next message moves up) until someone puts it back.

use vigie_model::*;

use crate::{DeliveryRecord, Result};

/// Which of the two lanes of the outbox a delivery pass drains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lane {
    /// Queues holding a message about a threat to life or a removal order.
    Urgent,
    /// Every other queue.
    Normal,
}

/// Queries of the outbox. Implemented on read connections and inside write transactions.
pub trait OutboxReads {
    /// The first message of each queue of `lane` whose attempt is due at `now`, earliest due
    /// first (then in the order queued): at most `per_webhook` for one webhook, `limit` in all.
    fn due_in_lane(&self, lane: Lane, now: Timestamp, per_webhook: u32, limit: u32) -> Result<Vec<DeliveryRecord>>;
    /// Dead letters not put back yet, of one organisation (or of all), oldest first.
    fn dead_letters(&self, org: Option<&OrgId>, limit: u32) -> Result<Vec<DeliveryRecord>>;
}

/// Changes to the outbox's queues. Only available inside [`crate::Store::write`].
pub trait OutboxTx {
    /// Sets an undelivered message aside as a dead letter (`dead_at`).
    fn bury_delivery(&mut self, id: &DeliveryId, at: Timestamp) -> Result<()>;
    /// Puts a dead letter back in its queue, due at `now`, its attempts counted afresh (its last
    /// error stays until the next attempt).
    fn requeue_delivery(&mut self, id: &DeliveryId, now: Timestamp) -> Result<()>;
}
