//! Transparency reports computed from the event log alone, and the exports that let anyone
//! recompute them.
//!
//! - [`tally`]: one pass over the events of a period builds a [`Report`]: the figures of TCO
//!   art. 7 (provider) and art. 8 (authority), DSA art. 15/24 and the Santa Clara Principles.
//! - [`audience`]: which events an audience may see (`vigie audit export`): an overseer sees the
//!   whole chain; the public sees the kinds and fields the report needs, without actors; an
//!   organisation sees what concerns it and nothing of another's.
//! - [`render`]: the report as JSON, CSV or a self-contained HTML page with SVG charts.
//!
//! The figures and their exact definitions are in `docs/transparency.md`; an independent
//! implementation, `tools/recompute_transparency.py`, recomputes them from an export.

pub mod audience;
pub mod render;
pub mod svg;
pub mod tally;

use vigie_model::Timestamp;
use vigie_model::event::ChainedEvent;
use vigie_store::Reads;

pub use audience::Audience;
pub use tally::{Report, Tally};

/// The half-open period `[from, to)` a report covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Period {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}

/// Calls `f` on every event committed before `to`, in commit order, a page at a time.
pub fn each_event(r: &dyn Reads, to: Timestamp, mut f: impl FnMut(&ChainedEvent)) -> vigie_store::Result<()> {
    let mut after = 0;
    loop {
        let page = r.events_after(after, 5_000)?;
        let Some(last) = page.last() else { return Ok(()) };
        after = last.seq;
        // Events are in commit order and stamped by one clock, so `at` never goes back far; a
        // page may still straddle `to`, so each event is checked.
        for e in page.iter().filter(|e| e.at < to) {
            f(e);
        }
    }
}

/// One event of an export, in the shape `GET /api/v1/events` answers with: `data` is the JSON
/// text exactly as hashed (for an overseer's export), so the chain can be checked line by line.
pub fn export_line(e: &ChainedEvent) -> serde_json::Value {
    serde_json::json!({
        "seq": e.seq,
        "id": e.id,
        "kind": e.kind,
        "at": e.at.to_rfc3339(),
        "clock": e.clock,
        "actor": e.actor,
        "org": e.org,
        "subject": e.subject,
        "data": e.data,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// Builds the report of `period` for `audience` from the store's event log.
pub fn report(r: &dyn Reads, period: Period, audience: &Audience) -> vigie_store::Result<Report> {
    Ok(report_and_cut(r, period, audience)?.0)
}

/// [`report`], and the signed checkpoint it was computed from: the first that commits to every
/// event the report read (`None` while the log has signed none that covers them).
pub fn report_and_cut(
    r: &dyn Reads,
    period: Period,
    audience: &Audience,
) -> vigie_store::Result<(Report, Option<vigie_store::CheckpointRecord>)> {
    let select = audience::Selector::build(r, period.to, audience)?;
    let mut tally = Tally::new(period, audience.org());
    let mut last = 0;
    // The tally reads the typed event whole; the audience decides which events count. A report
    // for the public reads only public fields (the Python recompute, from the public export,
    // checks that it does).
    each_event(r, period.to, |e| {
        last = e.seq;
        if select.view(e).is_some() {
            tally.add(e);
        }
    })?;
    let cut = r.log_checkpoint_covering(u64::try_from(last).unwrap_or(0))?;
    Ok((tally.finish(), cut))
}

impl crate::App {
    /// The figures of a period for a person's dashboard: the whole instance for administrators and
    /// overseers, otherwise only what their organisation is party to.
    pub async fn dashboard(&self, p: &vigie_model::Principal, period: Period) -> crate::AppResult<Report> {
        let audience = if crate::auth::is_admin(p) || p.org_kind == vigie_model::org::OrgKind::Overseer {
            Audience::Overseer
        } else {
            Audience::Org(p.org.as_str().to_owned())
        };
        Ok(self.store().read(move |r| report(r, period, &audience)).await?)
    }
}
