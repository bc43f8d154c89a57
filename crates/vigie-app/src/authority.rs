//! What an authority follows: its removal orders and referrals, newest first, with the cases they
//! opened, the platforms it may address, and the scrutiny requests it must decide.

use vigie_model::Principal;
use vigie_model::org::{OrgKind, Role};
use vigie_store::{CaseRecord, OrderRecord, ScrutinyRecord, SignalRecord};

use crate::auth::require;
use crate::cases::OrderView;
use crate::{App, AppResult};

/// How many of its latest orders or referrals an authority's pages list.
pub const LIST_LIMIT: u32 = 200;

/// A scrutiny request as the scrutinising authority reads it: the request's reasons, and the
/// order with what it covers.
#[derive(Clone, Debug)]
pub struct ScrutinyView {
    pub scrutiny: ScrutinyRecord,
    /// The requester's reasons, unless erased at the end of their retention.
    pub reasons: Option<String>,
    pub order: OrderRecord,
    pub cases: Vec<CaseRecord>,
    pub issuer: String,
    pub platform: String,
}

/// A referral with the cases it opened or joined.
#[derive(Clone, Debug)]
pub struct ReferralView {
    pub signal: SignalRecord,
    pub cases: Vec<CaseRecord>,
}

impl App {
    /// The authority's latest orders, each with its cases.
    pub async fn authority_orders(&self, p: &Principal) -> AppResult<Vec<OrderView>> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters follow its orders")?;
        let org = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for order in r.orders_of(&org, LIST_LIMIT)? {
                    let cases = cases_of(r, &order)?;
                    out.push(OrderView { order, cases });
                }
                Ok(out)
            })
            .await?)
    }

    /// The authority's latest referrals, each with its cases.
    pub async fn authority_referrals(&self, p: &Principal) -> AppResult<Vec<ReferralView>> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters follow its referrals")?;
        let org = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for signal in r.referrals_of(&org, LIST_LIMIT)? {
                    let mut cases = Vec::new();
                    for id in r.signal_cases(&signal.id)? {
                        cases.extend(r.get_case(&id)?);
                    }
                    out.push(ReferralView { signal, cases });
                }
                Ok(out)
            })
            .await?)
    }

    /// The scrutiny requests this authority must decide (pending first, by due date), with the
    /// orders they concern: the same list as `GET /api/v1/scrutinies`, for the console.
    pub async fn scrutiny_desk(&self, p: &Principal) -> AppResult<Vec<ScrutinyView>> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters decide scrutinies")?;
        let org = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for scrutiny in r.scrutinies_for(&org)? {
                    let Some(order) = r.get_order(&scrutiny.order)? else { continue };
                    let reasons = match &scrutiny.reasons_ref {
                        Some(x) => r.personal_value(x)?,
                        None => None,
                    };
                    let name = |id: &vigie_model::OrgId| -> vigie_store::Result<String> {
                        Ok(r.get_org(id)?.map_or_else(|| id.as_str().to_owned(), |o| o.name))
                    };
                    let (issuer, platform) = (name(&order.authority)?, name(&order.platform)?);
                    let cases = cases_of(r, &order)?;
                    out.push(ScrutinyView { scrutiny, reasons, order, cases, issuer, platform });
                }
                Ok(out)
            })
            .await?)
    }

    /// The platforms an authority may address, by name.
    pub async fn platforms(&self, p: &Principal) -> AppResult<Vec<(String, String)>> {
        require(p, &[OrgKind::Authority], Role::Reporter, "only an authority's reporters address platforms")?;
        Ok(self
            .store()
            .read(|r| {
                Ok(r.list_orgs()?
                    .into_iter()
                    .filter(|o| o.kind == OrgKind::Platform)
                    .map(|o| (o.id.as_str().to_owned(), o.name))
                    .collect())
            })
            .await?)
    }
}

fn cases_of(r: &dyn vigie_store::Reads, order: &OrderRecord) -> vigie_store::Result<Vec<CaseRecord>> {
    let mut cases = Vec::new();
    for id in r.signal_cases(&order.id)? {
        cases.extend(r.get_case(&id)?);
    }
    Ok(cases)
}
