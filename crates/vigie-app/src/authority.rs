//! What an authority follows: its removal orders and referrals, newest first, with the cases they
//! opened, the platforms it may address, and the scrutiny requests it must decide; and what a
//! trusted flagger follows: its notices and their outcomes.

use vigie_model::OrgId;
use vigie_model::Principal;
use vigie_model::org::{OrgKind, Role};
use vigie_model::validation::Checker;
use vigie_store::{AuthorityProfileRecord, CaseRecord, OrderRecord, ScrutinyRecord, SignalRecord};

use crate::auth::{is_admin, require, require_admin};
use crate::cases::OrderView;
use crate::{App, AppError, AppResult};

/// The kinds of issuing authority of Annex I section E, as the order form takes them.
pub const AUTHORITY_TYPES: [&str; 3] = ["judicial", "law_enforcement", "other"];

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

/// An authority's order profile as an administrator sets it; `None` clears a field.
#[derive(Clone, Debug, Default)]
pub struct ProfileInput {
    pub authority_type: Option<String>,
    pub representative_name: Option<String>,
    pub representative_post: Option<String>,
    pub contact_email: Option<String>,
    pub redress_body: Option<String>,
    pub redress_deadline: Option<String>,
    pub redress_hours: bool,
    pub redress_from: Option<String>,
}

/// A trusted flagger's notice with what became of each location, as its notifier may be told
/// (DSA art. 16(5)): the same rule as the tracking page, so a held or embargoed case reads
/// "under review" and shows no decision.
#[derive(Clone, Debug)]
pub struct NoticeView {
    pub signal: SignalRecord,
    pub locations: Vec<NoticeOutcome>,
}

/// One location of a notice.
#[derive(Clone, Debug)]
pub struct NoticeOutcome {
    /// The case's URL or key.
    pub target: String,
    /// The case's status (`CaseStatus`), or `under_review` while a hold or an embargo runs.
    pub state: &'static str,
    /// The decision, once it may be told.
    pub decision: Option<NoticeDecision>,
}

/// What the notifier is told of a decision: the action, the ground, when.
#[derive(Clone, Debug)]
pub struct NoticeDecision {
    pub action: vigie_model::decision::Action,
    /// A basis of the taxonomy, by id.
    pub legal_basis: Option<String>,
    /// Or the platform's terms clause: (code, title).
    pub terms_clause: Option<(String, Option<String>)>,
    pub decided_at: vigie_model::Timestamp,
    pub reversed: bool,
}

impl App {
    /// An authority's order profile (what fills in its new order forms): for its own people and
    /// administrators. `None` when none was set.
    pub async fn authority_profile(&self, p: &Principal, org: &str) -> AppResult<Option<AuthorityProfileRecord>> {
        let org = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        if p.org != org && !is_admin(p) {
            return Err(AppError::NotFound("organisation"));
        }
        Ok(self.store().read(move |r| r.authority_profile(&org)).await?)
    }

    /// Sets an authority's order profile: an administrator, for an authority.
    pub async fn set_authority_profile(
        &self,
        p: &Principal,
        org: &str,
        input: ProfileInput,
    ) -> AppResult<AuthorityProfileRecord> {
        require_admin(p)?;
        let org = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        let mut c = Checker::new();
        for (field, value) in [
            ("authority_type", &input.authority_type),
            ("representative_name", &input.representative_name),
            ("representative_post", &input.representative_post),
            ("contact_email", &input.contact_email),
            ("redress_body", &input.redress_body),
            ("redress_from", &input.redress_from),
        ] {
            c.optional_text(value.as_deref(), field, 500);
        }
        if let Some(t) = &input.authority_type {
            c.check(
                AUTHORITY_TYPES.contains(&t.as_str()),
                "authority_type",
                "unknown_authority_type",
                "must be judicial, law_enforcement or other",
            );
        }
        if let Some(e) = &input.contact_email {
            c.check(
                vigie_model::org::looks_like_email(e),
                "contact_email",
                "invalid_email",
                "is not an e-mail address",
            );
        }
        let deadline = match input.redress_deadline.as_deref() {
            None => None,
            Some(d) => match d.parse::<u32>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    c.push("redress_deadline", "invalid_deadline", "a whole number of days or hours, above 0");
                    None
                }
            },
        };
        c.finish()?;
        let now = self.now();
        let rec = AuthorityProfileRecord {
            org: org.clone(),
            authority_type: input.authority_type,
            representative_name: input.representative_name,
            representative_post: input.representative_post,
            contact_email: input.contact_email,
            redress_body: input.redress_body,
            redress_deadline: deadline,
            redress_hours: input.redress_hours,
            redress_from: input.redress_from,
            updated_at: now,
            updated_by: Some(p.user.clone()),
        };
        self.store()
            .write(move |tx| {
                let target = tx.get_org(&org)?.ok_or(AppError::NotFound("organisation"))?;
                if target.kind != OrgKind::Authority {
                    let mut c = Checker::new();
                    c.push("org", "not_an_authority", "only an authority has an order profile");
                    c.finish()?;
                }
                tx.put_authority_profile(&rec)?;
                Ok::<_, AppError>(rec)
            })
            .await
    }

    /// A trusted flagger's latest notices, each with its outcomes.
    pub async fn flagger_notices(&self, p: &Principal) -> AppResult<Vec<NoticeView>> {
        require(
            p,
            &[OrgKind::TrustedFlagger],
            Role::Reporter,
            "only a trusted flagger's reporters follow its notices",
        )?;
        let org = p.org.clone();
        let now = self.now();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for signal in r.notices_of(&org, LIST_LIMIT)? {
                    let mut locations = Vec::new();
                    for id in r.signal_cases(&signal.id)? {
                        let Some(case) = r.get_case(&id)? else { continue };
                        let target = case.url.clone().unwrap_or_else(|| case.key.clone());
                        if crate::dueprocess::outcome_hidden(r, &case, now)? {
                            locations.push(NoticeOutcome { target, state: "under_review", decision: None });
                            continue;
                        }
                        let decision = match r.case_decision(&case.id)? {
                            Some(d) => {
                                let clause = match (&d.terms_clause, &d.terms_clause_id) {
                                    (Some(code), Some(id)) => {
                                        Some((code.clone(), r.get_terms_clause(id)?.map(|c| c.title)))
                                    }
                                    (Some(code), None) => Some((code.clone(), None)),
                                    _ => None,
                                };
                                Some(NoticeDecision {
                                    action: d.action,
                                    legal_basis: d.legal_basis.clone(),
                                    terms_clause: clause,
                                    decided_at: d.decided_at,
                                    reversed: d.reversed_at.is_some(),
                                })
                            }
                            None => None,
                        };
                        locations.push(NoticeOutcome { target, state: case.status().as_str(), decision });
                    }
                    out.push(NoticeView { signal, locations });
                }
                Ok(out)
            })
            .await?)
    }

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
        let principal = p.clone();
        let org = p.org.clone();
        self.read_app(move |r| {
            crate::dueprocess::scrutiny::require_designated_for_scrutiny(r, &principal)?;
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
        .await
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
