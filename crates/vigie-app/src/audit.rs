//! Reading and verifying the event log, for administrators and overseers.

use vigie_model::Principal;
use vigie_model::event::{ChainError, ChainedEvent, verify_chain};
use vigie_model::org::OrgKind;
use vigie_store::Reads;

use crate::auth::is_admin;
use crate::{App, AppError, AppResult};

/// The outcome of checking the whole chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    pub events: i64,
    /// The hash of the last event (the genesis hash for an empty log).
    pub head: String,
    /// `None` when every event verified.
    pub error: Option<ChainError>,
}

fn may_audit(p: &Principal) -> AppResult<()> {
    if is_admin(p) || p.org_kind == OrgKind::Overseer {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators and overseers read the event log"))
    }
}

/// Verifies the chain from the first event, page by page.
pub fn verify_all(r: &dyn Reads) -> vigie_store::Result<ChainReport> {
    let mut prev: Option<(i64, String)> = None;
    loop {
        let after = prev.as_ref().map_or(0, |(s, _)| *s);
        let page = r.events_after(after, 5_000)?;
        if page.is_empty() {
            let (events, head) = prev.unwrap_or((0, vigie_model::event::GENESIS_HASH.to_owned()));
            return Ok(ChainReport { events, head, error: None });
        }
        match verify_chain(prev.as_ref().map(|(s, h)| (*s, h.as_str())), &page) {
            Ok(next) => prev = Some(next),
            Err(e) => {
                let (events, head) = prev.unwrap_or((0, vigie_model::event::GENESIS_HASH.to_owned()));
                return Ok(ChainReport { events, head, error: Some(e) });
            }
        }
    }
}

impl App {
    pub async fn events(&self, p: &Principal, after: i64, limit: u32) -> AppResult<Vec<ChainedEvent>> {
        may_audit(p)?;
        Ok(self.store().read(move |r| r.events_after(after, limit.clamp(1, 5_000))).await?)
    }

    pub async fn verify_events(&self, p: &Principal) -> AppResult<ChainReport> {
        may_audit(p)?;
        Ok(self.store().read(|r| verify_all(r)).await?)
    }
}
