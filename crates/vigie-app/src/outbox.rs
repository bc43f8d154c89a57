//! The outbox: what a change tells platforms, written as delivery rows in the change's own
//! transaction. Use-cases queue messages here; the delivery worker (`delivery.rs`) sends them.
//! This module depends on no use-case, so every use-case can queue without a loop back.

use serde_json::json;
use vigie_model::*;
use vigie_store::*;

use crate::id_bytes;

pub(crate) mod messages;

pub(crate) use messages::{Announced, CaseChange, CaseMessage, Message};

/// Queues `message` for every webhook of `platform`, in the caller's transaction. The envelope
/// is `{"id", "type", "version", "occurred_at", "data"}`.
pub(crate) fn enqueue(
    tx: &mut dyn Tx,
    now: Timestamp,
    platform: &OrgId,
    message: &impl Message,
    case: Option<&CaseId>,
    urgent: bool,
) -> Result<(), StoreError> {
    let (event_type, version) = message.wire();
    debug_assert!(messages::all().contains(&(event_type, version)), "{event_type} v{version} is not listed");
    let data = serde_json::to_value(message).map_err(|e| StoreError::Engine(Box::new(e)))?;
    for hook in tx.webhooks_of(platform)? {
        let id = DeliveryId::from_random(id_bytes(now));
        let payload =
            json!({ "id": id.as_str(), "type": event_type, "version": version, "occurred_at": now, "data": data });
        tx.insert_delivery(&DeliveryRecord {
            id,
            org: platform.clone(),
            webhook: hook.id,
            event_type: event_type.to_owned(),
            payload: payload.to_string(),
            case: case.cloned(),
            urgent,
            created_at: now,
            next_attempt_at: now,
            attempts: 0,
            delivered_at: None,
            last_error: None,
            dead_at: None,
        })?;
    }
    Ok(())
}
