//! The scheduler: escalates order clocks when they come due, runs the clocks of due process
//! (embargoes, complaints, scrutinies, holds, threats to life), and erases personal values and the
//! records of closed cases whose retention ended (`retention`). It reads time only from the app's clock, so a test moves it by moving the
//! clock.

use vigie_model::event::{Word, kinds as k};

use crate::cases::clock_event;
use crate::{Actor, App, AppError, AppResult, Events};

/// One pass: every due order escalated, a batch of expired personal values erased.
/// Returns how many clock events and erasures it wrote.
pub async fn tick(app: &App) -> AppResult<usize> {
    let clock = app.clock().clone();
    let pepper = app.pepper().clone();
    let keep = app.config().record_retention;
    let (n, freed) = app
        .store()
        .write(move |tx| {
            let now = clock.now();
            let actor = Actor::system();
            let ev = Events { clock: &*clock, now, actor: &actor };
            let mut n = 0;
            for mut order in tx.due_orders(now, 256)? {
                let events = order.clock.tick(now);
                tx.update_order(&order)?;
                for e in events {
                    clock_event(tx, &ev, &order, e)?;
                    n += 1;
                }
            }
            n += crate::dueprocess::tick(tx, &ev, &pepper)?;
            n += crate::retention::tick(tx, &ev, &keep)?;
            let mut freed = Vec::new();
            n += crate::evidence::tick(tx, &ev, &mut freed)?;
            let erased = tx.erase_expired_personal(now, 1000)?;
            if !erased.is_empty() {
                let refs = erased.iter().map(|r| Word::new(r.as_str())).collect();
                ev.emit(tx, "retention", k::PersonalDataErased { store: None, refs })?;
                n += erased.len();
            }
            Ok::<_, AppError>((n, freed))
        })
        .await?;
    // Only now that the purge committed may its files go.
    app.free_evidence_blobs(freed).await?;
    if n > 0 {
        app.wake_delivery();
    }
    Ok(n)
}

/// Runs [`tick`] forever at the configured interval.
pub async fn run(app: App) {
    match app.sweep_evidence_blobs().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(files = n, "evidence files no record holds were deleted"),
        Err(e) => tracing::error!(error = %e, "the evidence vault could not be swept"),
    }
    let mut interval = tokio::time::interval(app.config().scheduler_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if let Err(e) = tick(&app).await {
            tracing::error!(error = %e, "scheduler pass failed");
        }
    }
}
