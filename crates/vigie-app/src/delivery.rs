//! Delivery to platforms by signed webhooks, from a transactional outbox.
//!
//! A change that a platform must hear about writes a delivery row in the same transaction as the
//! change itself (see [`crate::outbox::enqueue`]), so a crash can lose neither. The worker sends due rows,
//! records each outcome, and retries failures with exponential backoff: delivery is at least
//! once, and the delivery id is the idempotency key the receiver deduplicates on.
//!
//! The rows form queues (`vigie_store::outbox`): one webhook's messages about one case go out in
//! the order they were queued, each after the one before it was delivered, so a failing endpoint
//! holds back only its own queues. Queues holding a message about a threat to life or a removal
//! order form the urgent lane, which its own loop drains beside the normal one; in each lane a
//! pass sends to every endpoint at once and never waits for a slow one (an endpoint with attempts
//! under way is skipped until they end). A message that fails [`MAX_ATTEMPTS`] times becomes a
//! dead letter: listed for its organisation and the administrators, and put back by them.
//!
//! Signature: `Vigie-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with the
//! timestamp in `Vigie-Timestamp` (Unix seconds), so a receiver can refuse replays.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use vigie_model::case::CaseState;
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{OrgKind, Role};
use vigie_model::*;
use vigie_store::*;

use crate::cases::receive_case;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, random32};

/// The most messages one pass of a lane takes.
const BATCH: u32 = 64;
/// The most messages one pass takes for one webhook, so that one endpoint's backlog leaves room
/// in the pass for the others.
const PER_WEBHOOK: u32 = 16;
/// Longest wait between two attempts at one message.
const MAX_BACKOFF: Duration = Duration::from_mins(10);
/// Attempts at one message before it is set aside as a dead letter: with the backoff, about 77
/// minutes of failures.
pub const MAX_ATTEMPTS: u32 = 16;
/// The most dead letters one listing shows.
const DEAD_LETTERS_SHOWN: u32 = 500;

/// What the delivery worker's lanes share, and the passes a test runs ([`App::deliver_once`]).
#[derive(Default)]
pub(crate) struct Lanes {
    /// Webhooks with attempts under way, per lane: that lane's passes skip them until they end.
    busy: Mutex<HashSet<(Lane, WebhookId)>>,
    /// Messages being sent: a queue that moved to the urgent lane meanwhile is not sent twice.
    sending: Mutex<HashSet<DeliveryId>>,
    /// The attempts under way, for [`App::deliver_once`] to wait for.
    in_flight: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// One pass at a time in each lane.
    urgent_pass: tokio::sync::Mutex<()>,
    normal_pass: tokio::sync::Mutex<()>,
    /// Wakes the urgent lane's loop (the normal one waits on `Inner::delivery_wakeup`).
    pub(crate) urgent_wakeup: tokio::sync::Notify,
}

/// Takes the set's lock; a panic while holding it leaves nothing half-done, so it is recovered.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Attempts at one webhook's messages in one pass: frees the webhook and the messages when done,
/// even if a task panicked, and wakes the lanes, as the queues' next messages may go now.
struct Attempts {
    app: App,
    lane: Lane,
    webhook: WebhookId,
    messages: Vec<DeliveryId>,
}

impl Drop for Attempts {
    fn drop(&mut self) {
        let lanes = self.app.lanes();
        locked(&lanes.busy).remove(&(self.lane, self.webhook.clone()));
        let mut sending = locked(&lanes.sending);
        for id in &self.messages {
            sending.remove(id);
        }
        drop(sending);
        self.app.wake_delivery();
    }
}

/// The signature header value for a body sent at `unix_secs`.
pub fn sign(secret: &str, unix_secs: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(unix_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Who keeps an organisation's webhooks. Platforms receive their cases (their integrators);
/// authorities hear of their watch-lists, scrutinies and referrals; trusted flaggers of their
/// notices' outcomes; hubs mail notifiers and watch threats to life (their reporters, or the hub's
/// administrators).
fn require_webhook_keeper(p: &Principal) -> AppResult<()> {
    let allowed = match p.org_kind {
        OrgKind::Platform => p.roles.contains(&Role::Integrator),
        OrgKind::Authority | OrgKind::Hub | OrgKind::TrustedFlagger => {
            p.roles.contains(&Role::Reporter) || p.roles.contains(&Role::Admin)
        }
        OrgKind::Overseer => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "webhooks are kept by a platform's integrators, or the reporters of an authority, a trusted flagger or the hub",
        ))
    }
}

pub(crate) fn backoff(attempts: u32) -> Duration {
    let secs = 1i64 << attempts.min(10);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

impl App {
    /// A platform registers an endpoint; Vigie makes its signing secret and shows it once.
    pub async fn register_webhook(&self, p: &Principal, url: &str) -> AppResult<WebhookRecord> {
        require_webhook_keeper(p)?;
        if url.len() > 2048 {
            return Err(Invalid::one("url", "too_long", "must be at most 2048 bytes").into());
        }
        let url = self.config().egress.check_url_resolved(url).await?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let org = p.org.clone();
        let user = p.user.clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let rec = WebhookRecord {
                    id: WebhookId::from_random(id_bytes(now)),
                    org: org.clone(),
                    url: url.to_string(),
                    secret: format!("whsec_{}", hex::encode(random32())),
                    created_at: now,
                    created_by: user,
                    deleted_at: None,
                };
                tx.insert_webhook(&rec)?;
                Events { clock: &*clock, now, actor: &actor }.emit(
                    tx,
                    rec.id.as_str(),
                    k::WebhookRegistered { platform: org.clone(), url_host: url.host_str().map(Word::from) },
                )?;
                Ok::<_, AppError>(rec)
            })
            .await
    }

    /// The caller's organisation's webhooks (never their secrets' use beyond signing); an
    /// administrator sees every organisation's.
    pub async fn list_webhooks(&self, p: &Principal) -> AppResult<Vec<WebhookRecord>> {
        let admin = crate::auth::is_admin(p);
        if !admin {
            require_webhook_keeper(p)?;
        }
        let org = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                if !admin {
                    return r.webhooks_of(&org);
                }
                let mut all = Vec::new();
                for o in r.list_orgs()? {
                    all.extend(r.webhooks_of(&o.id)?);
                }
                Ok(all)
            })
            .await?)
    }

    /// Deletes a webhook: nothing more is sent to it, and what it had not received is dropped.
    /// Its organisation's keepers (as for registering) or an administrator.
    pub async fn delete_webhook(&self, p: &Principal, id: &str) -> AppResult<WebhookRecord> {
        let admin = crate::auth::is_admin(p);
        if !admin {
            require_webhook_keeper(p)?;
        }
        let id = WebhookId::parse(id).ok_or(AppError::NotFound("webhook"))?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let org = p.org.clone();
        self.store()
            .write(move |tx| {
                let mut hook = tx
                    .get_webhook(&id)?
                    .filter(|w| w.deleted_at.is_none() && (admin || w.org == org))
                    .ok_or(AppError::NotFound("webhook"))?;
                let now = clock.now();
                tx.delete_webhook(&hook.id, now)?;
                hook.deleted_at = Some(now);
                Events { clock: &*clock, now, actor: &actor }.emit(
                    tx,
                    hook.id.as_str(),
                    k::WebhookDeleted { org: hook.org.clone() },
                )?;
                Ok::<_, AppError>(hook)
            })
            .await
    }

    /// A delivery's state, for the platform it belongs to.
    pub async fn get_delivery(&self, p: &Principal, id: &str) -> AppResult<DeliveryRecord> {
        let id = DeliveryId::parse(id).ok_or(AppError::NotFound("delivery"))?;
        let org = p.org.clone();
        self.store()
            .read(move |r| Ok(r.get_delivery(&id)?.filter(|d| d.org == org)))
            .await?
            .ok_or(AppError::NotFound("delivery"))
    }

    /// Dead letters: messages that used up their attempts and were not put back. A webhook keeper
    /// sees their organisation's; an administrator sees every organisation's.
    pub async fn dead_letters(&self, p: &Principal) -> AppResult<Vec<DeliveryRecord>> {
        let admin = crate::auth::is_admin(p);
        if !admin {
            require_webhook_keeper(p)?;
        }
        let org = (!admin).then(|| p.org.clone());
        Ok(self.store().read(move |r| r.dead_letters(org.as_ref(), DEAD_LETTERS_SHOWN)).await?)
    }

    /// Puts a dead letter back in its queue, due now with its attempts counted afresh; the same
    /// people as [`App::dead_letters`]. A message that is not a dead letter is a conflict.
    pub async fn requeue_delivery(&self, p: &Principal, id: &str) -> AppResult<DeliveryRecord> {
        let admin = crate::auth::is_admin(p);
        if !admin {
            require_webhook_keeper(p)?;
        }
        let id = DeliveryId::parse(id).ok_or(AppError::NotFound("delivery"))?;
        let clock = self.clock().clone();
        let org = p.org.clone();
        let actor = Actor::of(p);
        let requeued = self
            .store()
            .write(move |tx| {
                let d =
                    tx.get_delivery(&id)?.filter(|d| admin || d.org == org).ok_or(AppError::NotFound("delivery"))?;
                if d.dead_at.is_none() || d.delivered_at.is_some() {
                    return Err(AppError::conflict(
                        vigie_model::Conflict::NotDeadLetter,
                        "the message is not a dead letter",
                    ));
                }
                let now = clock.now();
                tx.requeue_delivery(&d.id, now)?;
                let requeued = k::DeliveryRequeued {
                    delivery: d.id.clone(),
                    org: d.org.clone(),
                    webhook: d.webhook.clone(),
                    event_type: Word::new(d.event_type.as_str()),
                    attempts: d.attempts,
                    dead_at: d.dead_at.unwrap_or(now),
                };
                Events { clock: &*clock, now, actor: &actor }.emit(tx, d.id.as_str(), requeued)?;
                Ok(tx.get_delivery(&d.id)?.unwrap_or(d))
            })
            .await?;
        self.wake_delivery();
        Ok(requeued)
    }

    pub(crate) fn lanes(&self) -> &Lanes {
        &self.inner.lanes
    }

    /// One pass of `lane`: takes its due messages, leaving out the webhooks that have attempts
    /// under way in this lane and the messages being sent, and starts sending them, all
    /// webhooks at once; it does not wait for the answers. Returns how many messages it took.
    async fn start_pass(&self, lane: Lane, client: &reqwest::Client) -> AppResult<usize> {
        let lanes = self.lanes();
        let _one_at_a_time = match lane {
            Lane::Urgent => lanes.urgent_pass.lock().await,
            Lane::Normal => lanes.normal_pass.lock().await,
        };
        let now = self.now();
        let due = self.store().read(move |r| r.due_in_lane(lane, now, PER_WEBHOOK, BATCH)).await?;
        let mut by_webhook: BTreeMap<WebhookId, Vec<DeliveryRecord>> = BTreeMap::new();
        {
            let mut busy = locked(&lanes.busy);
            let mut sending = locked(&lanes.sending);
            for d in due {
                if busy.contains(&(lane, d.webhook.clone())) || sending.contains(&d.id) {
                    continue;
                }
                by_webhook.entry(d.webhook.clone()).or_default().push(d);
            }
            for (webhook, messages) in &by_webhook {
                busy.insert((lane, webhook.clone()));
                sending.extend(messages.iter().map(|d| d.id.clone()));
            }
        }
        let mut taken = 0;
        let mut in_flight = locked(&lanes.in_flight);
        in_flight.retain(|t| !t.is_finished());
        for (webhook, messages) in by_webhook {
            taken += messages.len();
            let guard = Attempts {
                app: self.clone(),
                lane,
                webhook,
                messages: messages.iter().map(|d| d.id.clone()).collect(),
            };
            let client = client.clone();
            in_flight.push(tokio::spawn(async move {
                let app = guard.app.clone();
                let mut attempts = tokio::task::JoinSet::new();
                for d in messages {
                    let (app, client) = (app.clone(), client.clone());
                    attempts.spawn(async move {
                        let outcome = app.attempt(&client, &d).await;
                        app.record_attempt(d, outcome).await
                    });
                }
                while let Some(res) = attempts.join_next().await {
                    match res {
                        Ok(Err(e)) => tracing::warn!(error = %e, "could not record a delivery attempt"),
                        Err(e) => tracing::error!(error = %e, "a delivery task failed"),
                        Ok(Ok(())) => {}
                    }
                }
                drop(guard);
            }));
        }
        drop(in_flight);
        Ok(taken)
    }

    /// Runs one pass of each lane, the urgent one first, then waits until every attempt under way
    /// (these passes' and any the background worker started before) is recorded. Returns how many
    /// messages the passes took plus how many webhooks' attempts it waited for: 0 when nothing was
    /// due nor under way. Tests step the worker with it: run one pass, then assert.
    pub async fn deliver_once(&self) -> AppResult<usize> {
        let client = self.config().egress.http_client(self.config().delivery_timeout);
        let taken = self.start_pass(Lane::Urgent, &client).await? + self.start_pass(Lane::Normal, &client).await?;
        let under_way = std::mem::take(&mut *locked(&self.lanes().in_flight));
        let waited = under_way.len();
        for attempt in under_way {
            let _ = attempt.await;
        }
        Ok(taken + waited)
    }

    async fn attempt(&self, client: &reqwest::Client, d: &DeliveryRecord) -> Result<(), String> {
        let hook = self
            .store()
            .read({
                let id = d.webhook.clone();
                move |r| r.get_webhook(&id)
            })
            .await
            .map_err(|e| e.to_string())?
            .filter(|w| w.deleted_at.is_none())
            .ok_or("the webhook was deleted")?;
        let url = self.config().egress.check_url(&hook.url).map_err(|e| e.to_string())?;
        let unix = self.now().as_unix_secs();
        let signature = sign(&hook.secret, unix, d.payload.as_bytes());
        let res = client
            .post(url)
            .header("content-type", "application/json")
            .header("vigie-delivery", d.id.as_str())
            .header("vigie-event", &d.event_type)
            .header("vigie-timestamp", unix.to_string())
            .header("vigie-signature", signature)
            .body(d.payload.clone())
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        if res.status().is_success() { Ok(()) } else { Err(format!("the endpoint answered {}", res.status())) }
    }

    async fn record_attempt(&self, d: DeliveryRecord, outcome: Result<(), String>) -> AppResult<()> {
        let clock = self.clock().clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let mut d = tx.get_delivery(&d.id)?.unwrap_or(d);
                if d.delivered_at.is_some() {
                    return Ok(());
                }
                d.attempts += 1;
                match outcome {
                    Ok(()) => {
                        d.delivered_at = Some(now);
                        d.last_error = None;
                        // Delivered: the body (which may carry a case's URL, a notice's link, a
                        // notifier's address) has served its purpose and is erased.
                        d.payload = String::new();
                        // A 2xx answer proves the platform received the case and any order on it.
                        if let Some(case_id) = &d.case
                            && let Some(case) = tx.get_case(case_id)?
                            && (case.state == CaseState::Open
                                || tx
                                    .case_orders(case_id)?
                                    .iter()
                                    .any(|o| o.ended_at.is_none() && o.clock.awaits_platform()))
                        {
                            let actor = Actor { user: None, org: Some(d.org.clone()) };
                            let ev = Events { clock: &*clock, now, actor: &actor };
                            receive_case(tx, &ev, case, "webhook")?;
                        }
                    }
                    Err(e) => {
                        d.last_error = Some(e);
                        d.next_attempt_at = now.plus(backoff(d.attempts));
                    }
                }
                tx.update_delivery(&d)?;
                if d.delivered_at.is_none() && d.attempts >= MAX_ATTEMPTS {
                    tx.bury_delivery(&d.id, now)?;
                    tracing::warn!(delivery = %d.id, webhook = %d.webhook, "a message used up its attempts: a dead letter");
                }
                Ok::<_, AppError>(())
            })
            .await
    }
}

/// The delivery worker: a loop per lane, each starting a pass, then sleeping until woken by a
/// commit or an attempt's end, or for a short while so that retries and a moved test clock are
/// noticed.
pub async fn run(app: App) {
    let client = app.config().egress.http_client(app.config().delivery_timeout);
    tokio::join!(run_lane(app.clone(), Lane::Urgent, client.clone()), run_lane(app, Lane::Normal, client));
}

async fn run_lane(app: App, lane: Lane, client: reqwest::Client) {
    loop {
        let taken = match app.start_pass(lane, &client).await {
            Ok(n) => n,
            Err(e) => {
                tracing::error!(error = %e, ?lane, "delivery pass failed");
                0
            }
        };
        if taken > 0 {
            continue;
        }
        let wakeup = match lane {
            Lane::Urgent => &app.lanes().urgent_wakeup,
            Lane::Normal => &app.inner.delivery_wakeup,
        };
        let _ = tokio::time::timeout(std::time::Duration::from_millis(250), wakeup.notified()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_cover_timestamp_and_body() {
        let a = sign("whsec_x", 1_700_000_000, b"{\"a\":1}");
        assert!(a.starts_with("v1="));
        assert_ne!(a, sign("whsec_x", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(a, sign("whsec_x", 1_700_000_000, b"{\"a\":2}"));
        assert_ne!(a, sign("whsec_y", 1_700_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(30), MAX_BACKOFF);
    }
}
