//! The outbox: what a change tells platforms, written as delivery rows in the change's own
//! transaction. Use-cases queue messages here; the delivery worker (`delivery.rs`) sends them.
//! This module depends on no use-case, so every use-case can queue without a loop back.

use serde_json::json;
use vigie_model::*;
use vigie_store::*;

use crate::id_bytes;

/// The webhook JSON for a case.
pub(crate) fn case_payload(case: &CaseRecord) -> serde_json::Value {
    json!({
        "case": {
            "id": case.id.as_str(),
            "kind": case.kind.as_str(),
            "url": case.url,
            "content_id": case.content_id,
            "account_id": case.account_id,
            "state": case.status().as_str(),
            "tier": case.tier.as_str(),
            "priority": case.priority,
            "threat_to_life": case.threat_to_life,
            "due_at": case.due_at,
        }
    })
}

/// Queues `event_type` for every webhook of `platform`, in the caller's transaction.
pub(crate) fn enqueue(
    tx: &mut dyn Tx,
    now: Timestamp,
    platform: &OrgId,
    event_type: &str,
    data: serde_json::Value,
    case: Option<&CaseId>,
    urgent: bool,
) -> Result<(), StoreError> {
    for hook in tx.webhooks_of(platform)? {
        let id = DeliveryId::from_random(id_bytes(now));
        let payload = json!({ "id": id.as_str(), "type": event_type, "occurred_at": now, "data": data });
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
