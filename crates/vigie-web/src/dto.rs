//! The JSON shapes of the API. Domain and store types never go on the wire directly: each is
//! converted here, so a field name in the API changes only when this file does.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_app::cases::OrderView;
use vigie_app::intake::{Receipt, SignalView, TrackingView};
use vigie_app::platform::CaseView;
use vigie_model::Timestamp;
use vigie_model::location::RawLocation;
use vigie_model::order::OrderStatus;
use vigie_model::org::Contact;
use vigie_store::*;

pub(crate) fn t(ts: Timestamp) -> String {
    ts.to_rfc3339()
}
pub(crate) fn ot(ts: Option<Timestamp>) -> Option<String> {
    ts.map(t)
}

/// A contact point or legal representative.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDto {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 254, pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    pub email: Option<String>,
    #[schema(max_length = 64)]
    pub phone: Option<String>,
    #[schema(max_length = 500)]
    pub address: Option<String>,
    /// ISO code of the member state where it is established.
    #[schema(value_type = Option<crate::schema::MemberStateCode>)]
    pub member_state: Option<String>,
}

impl From<ContactDto> for Contact {
    fn from(c: ContactDto) -> Self {
        Contact { name: c.name, email: c.email, phone: c.phone, address: c.address, member_state: c.member_state }
    }
}

fn contact_from_json(raw: &Option<String>) -> Option<ContactDto> {
    let c: Contact = serde_json::from_str(raw.as_deref()?).ok()?;
    Some(ContactDto { name: c.name, email: c.email, phone: c.phone, address: c.address, member_state: c.member_state })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDto {
    pub id: String,
    pub name: String,
    /// authority, platform, trusted_flagger, overseer or hub.
    pub kind: String,
    pub member_state: Option<String>,
    pub main_establishment: Option<String>,
    pub legal_representative: Option<ContactDto>,
    pub contact_point: Option<ContactDto>,
    pub created_at: String,
    /// Authorities: what their member state designated them for (TCO art. 12(1)).
    #[schema(value_type = Vec<crate::schema::CompetenceName>)]
    pub competences: Vec<String>,
    /// Authorities: the organisation is Europol.
    pub europol: bool,
    /// Platforms: the member state whose authority scrutinises orders to them (TCO art. 4(1)):
    /// the main establishment's, or the legal representative's.
    pub host_member_state: Option<String>,
    /// Platforms: Vigie is their contact point's channel (TCO art. 15): orders are received when
    /// they are available.
    pub designated_channel: bool,
}

impl From<OrgRecord> for OrgDto {
    fn from(o: OrgRecord) -> Self {
        OrgDto {
            competences: o.competences.iter().map(|c| c.as_str().to_owned()).collect(),
            europol: o.europol,
            host_member_state: (o.kind == vigie_model::org::OrgKind::Platform)
                .then(|| o.host_state().map(|s| s.code().to_owned()))
                .flatten(),
            designated_channel: o.designated_channel,
            legal_representative: contact_from_json(&o.legal_representative),
            contact_point: contact_from_json(&o.contact_point),
            id: o.id.to_string(),
            name: o.name,
            kind: o.kind.as_str().to_owned(),
            member_state: o.member_state,
            main_establishment: o.main_establishment,
            created_at: t(o.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostDto {
    pub host: String,
    pub platform: String,
    /// pending or approved.
    pub status: String,
    pub claimed_at: String,
    pub approved_at: Option<String>,
}

impl From<HostRecord> for HostDto {
    fn from(h: HostRecord) -> Self {
        HostDto {
            host: h.host,
            platform: h.org.to_string(),
            status: h.status.as_str().to_owned(),
            claimed_at: t(h.claimed_at),
            approved_at: ot(h.approved_at),
        }
    }
}

/// A location as submitted: content (a URL, optionally the platform's content id) or an account.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationDto {
    /// content (default) or account.
    #[schema(value_type = Option<crate::schema::LocationKind>)]
    pub kind: Option<String>,
    /// The exact URL of the content or the account's profile.
    #[schema(
        max_length = 4096,
        pattern = r"^https?://[a-z0-9]([a-z0-9-]{0,20}\.){1,3}[a-z]{2,10}(/[A-Za-z0-9._~/=-]{0,100})?$"
    )]
    pub url: Option<String>,
    #[schema(max_length = 256)]
    pub content_id: Option<String>,
    #[schema(max_length = 256)]
    pub account_id: Option<String>,
    /// For an account given by `account_id` alone: the platform's organisation id.
    pub platform: Option<String>,
    /// Content: the SHA-256 of the media (hex), as the reporter computed it (e.g. `vigie hash`).
    #[schema(pattern = r"^[0-9a-fA-F]{64}$")]
    pub media_sha256: Option<String>,
    /// Content: the MD5 of the media (hex).
    #[schema(pattern = r"^[0-9a-fA-F]{32}$")]
    pub media_md5: Option<String>,
    /// Content: its text (a post, a caption, a statement), 1 to 100,000 bytes. Looked up in the
    /// text banks of the platform the case goes to: a match raises the case's priority for review,
    /// never automatic action.
    #[schema(min_length = 1, max_length = 100000)]
    pub text: Option<String>,
}

pub fn locations(list: Option<Vec<LocationDto>>) -> Vec<RawLocation> {
    list.unwrap_or_default()
        .into_iter()
        .map(|l| RawLocation {
            kind: l.kind,
            url: l.url,
            content_id: l.content_id,
            account_id: l.account_id,
            platform: l.platform,
            media_sha256: l.media_sha256,
            media_md5: l.media_md5,
            text: l.text,
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptCaseDto {
    pub case: String,
    /// The platform the location was routed to; absent when parked for the hub.
    pub platform: Option<String>,
}

/// Proof that a submission was durably committed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptDto {
    pub id: String,
    /// notice, referral or order.
    pub kind: String,
    pub received_at: String,
    /// Notices only: keep it to follow the notice; it is shown once and stored only as a hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    /// Authenticated submitters only: where each location went.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cases: Option<Vec<ReceiptCaseDto>>,
}

impl ReceiptDto {
    pub fn new(r: Receipt, show_cases: bool) -> Self {
        ReceiptDto {
            id: r.id.to_string(),
            kind: r.kind.as_str().to_owned(),
            received_at: t(r.received_at),
            tracking_code: r.tracking_code,
            cases: show_cases.then(|| {
                r.cases
                    .into_iter()
                    .map(|(c, p)| ReceiptCaseDto { case: c.to_string(), platform: p.map(|p| p.to_string()) })
                    .collect()
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDto {
    pub id: String,
    /// Absent while parked.
    pub platform: Option<String>,
    /// content or account.
    pub kind: String,
    /// The canonical URL; absent for an account reported by its id alone.
    pub url: Option<String>,
    pub content_id: Option<String>,
    pub account_id: Option<String>,
    /// parked, open, delivered, acknowledged, decided, or reinstated (decided, and the decision
    /// reversed).
    pub state: String,
    /// The strongest source: public, bank_match, referral, trusted_flagger or order.
    pub tier: String,
    pub threat_to_life: bool,
    pub priority: i64,
    pub accountable_sources: u32,
    pub anonymous_signals: u32,
    /// The earliest legal deadline, if any.
    pub due_at: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub decided_at: Option<String>,
}

impl From<CaseRecord> for CaseDto {
    fn from(c: CaseRecord) -> Self {
        let status = c.status();
        CaseDto {
            id: c.id.to_string(),
            platform: c.platform.map(|p| p.to_string()),
            kind: c.kind.as_str().to_owned(),
            url: c.url,
            content_id: c.content_id,
            account_id: c.account_id,
            state: status.as_str().to_owned(),
            tier: c.tier.as_str().to_owned(),
            threat_to_life: c.threat_to_life,
            priority: c.priority,
            accountable_sources: c.accountable_sources,
            anonymous_signals: c.anonymous_signals,
            due_at: ot(c.due_at),
            created_at: t(c.created_at),
            delivered_at: ot(c.delivered_at),
            acknowledged_at: ot(c.acknowledged_at),
            decided_at: ot(c.decided_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionDto {
    pub id: String,
    pub case: String,
    pub action: String,
    pub legal_basis: Option<String>,
    pub terms_clause: Option<String>,
    /// Member-state codes where the decision applies.
    pub territorial_scope: Vec<String>,
    pub purpose: Option<String>,
    pub purpose_rationale: Option<String>,
    pub automated_detection: bool,
    pub automated_decision: bool,
    pub explanation: Option<String>,
    pub decided_by: String,
    pub decided_at: String,
    /// The registered terms clause cited, by id.
    pub terms_clause_id: Option<String>,
    /// The legal-basis taxonomy version the decision was taken under.
    pub taxonomy_version: Option<u32>,
    pub manifestly_unfounded: bool,
    /// Set when a complaint, a scrutiny or an annulment reversed the decision.
    pub reversed_at: Option<String>,
    pub reversed_by: Option<String>,
    /// restrict: demoted, age_restricted, interaction_restricted or other.
    pub restriction: Option<String>,
    pub restriction_other: Option<String>,
    /// When the measure ends (always for a suspension).
    pub until: Option<String>,
    /// The day the content was uploaded, as the platform gave it.
    pub content_date: Option<String>,
}

impl From<DecisionRecord> for DecisionDto {
    fn from(d: DecisionRecord) -> Self {
        DecisionDto {
            id: d.id.to_string(),
            case: d.case.to_string(),
            action: d.action.as_str().to_owned(),
            legal_basis: d.legal_basis,
            terms_clause: d.terms_clause,
            territorial_scope: d.territorial_scope,
            purpose: d.purpose.map(|p| p.as_str().to_owned()),
            purpose_rationale: d.purpose_rationale,
            automated_detection: d.automated_detection,
            automated_decision: d.automated_decision,
            explanation: d.explanation,
            decided_by: d.decided_by.to_string(),
            decided_at: t(d.decided_at),
            terms_clause_id: d.terms_clause_id.map(|c| c.to_string()),
            taxonomy_version: d.taxonomy_version,
            manifestly_unfounded: d.manifestly_unfounded,
            reversed_at: ot(d.reversed_at),
            reversed_by: d.reversed_by,
            restriction: d.restriction.map(|r| r.as_str().to_owned()),
            restriction_other: d.restriction_other,
            until: ot(d.until),
            content_date: d.content_date,
        }
    }
}

/// Annex II: what the platform did and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnnexIIDto {
    /// remove or disable (in all member states).
    pub measure: Option<String>,
    pub actioned_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    pub id: String,
    pub reference: String,
    pub authority: String,
    pub platform: String,
    /// pending_receipt, running, force_majeure, awaiting_clarification, complied, or ended (it
    /// stopped having effect: `ended_at`).
    pub state: String,
    pub intake_at: String,
    /// TCO art. 3(5): when it was sent, and made available to the platform in Vigie (the same
    /// instant as `intake_at`).
    pub sent_at: String,
    pub available_at: String,
    /// When the platform received it (art. 3(5)): its availability where Vigie is the platform's
    /// designated channel; else its inbox fetch, a webhook answered 2xx, its ack or its answer.
    pub received_at: Option<String>,
    /// When the platform first showed it has the order.
    pub acknowledged_at: Option<String>,
    /// When the order escalated for want of an acknowledgement, if it did.
    pub unacknowledged_at: Option<String>,
    /// Art. 3(8): a clarification sent and not yet received by the platform.
    pub clarification_sent_at: Option<String>,
    /// Art. 4(1): the host member state's competent authority that received a copy, and when.
    pub copy_to: Option<String>,
    pub copy_at: Option<String>,
    /// Until when the platform may challenge the order (Annex I section G, from its receipt).
    pub challenge_until: Option<String>,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub overdue_at: Option<String>,
    /// 0 none, 1 the 45-minute warning, 2 the deadline passed.
    pub escalation_level: u8,
    pub emergency: bool,
    pub cross_border: bool,
    /// TCO art. 11(3): the non-disclosure's end, whether it was extended, and when it was lifted.
    pub non_disclosure_until: Option<String>,
    pub non_disclosure_extended: bool,
    pub non_disclosure_lifted_at: Option<String>,
    /// When the order stopped having effect (infringement on scrutiny, annulment), and why.
    pub ended_at: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub ended_by: Option<serde_json::Value>,
    pub annex_ii: Option<AnnexIIDto>,
    /// The latest Annex III notice, if any.
    #[schema(value_type = Option<Object>)]
    pub cannot_comply: Option<serde_json::Value>,
    /// The Annex I form as issued (with any clarifications).
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub cases: Vec<CaseDto>,
}

impl OrderDto {
    pub fn new(v: OrderView, now: Timestamp) -> Self {
        let o = v.order;
        OrderDto {
            overdue: o.clock.is_overdue(now),
            id: o.id.to_string(),
            reference: o.reference,
            authority: o.authority.to_string(),
            platform: o.platform.to_string(),
            state: OrderStatus::of(o.clock.state, o.ended_at).as_str().to_owned(),
            intake_at: t(o.intake_at),
            sent_at: t(o.clock.sent_at),
            available_at: t(o.intake_at),
            received_at: ot(o.clock.received_at),
            acknowledged_at: ot(o.clock.acknowledged_at),
            unacknowledged_at: ot(o.clock.unacknowledged_at),
            clarification_sent_at: ot(o.clock.clarification_sent_at),
            copy_to: o.copy_to.as_ref().map(|c| c.to_string()),
            copy_at: ot(o.copy_at),
            challenge_until: ot(o.clock.received_at.and_then(|r| o.form.challenge_until(r))),
            deadline: ot(o.clock.deadline),
            overdue_at: ot(o.clock.overdue_at),
            escalation_level: o.clock.escalation_level,
            emergency: o.emergency,
            cross_border: o.cross_border,
            non_disclosure_until: ot(o.embargo.map(|e| e.until)),
            non_disclosure_extended: o.embargo.is_some_and(|e| e.extended),
            non_disclosure_lifted_at: ot(o.embargo.and_then(|e| e.lifted_at)),
            ended_at: ot(o.ended_at),
            ended_by: o.ended_by.as_ref().and_then(|e| serde_json::to_value(e).ok()),
            annex_ii: o
                .clock
                .actioned_at
                .map(|a| AnnexIIDto { measure: o.measure.map(|m| m.as_str().to_owned()), actioned_at: t(a) }),
            cannot_comply: o.cannot_comply.as_ref().and_then(|c| serde_json::to_value(c).ok()),
            form: serde_json::to_value(&o.form).unwrap_or_default(),
            cases: v.cases.into_iter().map(CaseDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignalDto {
    pub id: String,
    pub kind: String,
    pub tier: String,
    pub submitter_org: Option<String>,
    pub threat_to_life: bool,
    pub received_at: String,
    /// Absent once erased at the end of its retention.
    pub explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifier_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifier_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub good_faith: Option<bool>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub locations: serde_json::Value,
    pub cases: Vec<CaseDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<OrderDto>,
}

impl SignalDto {
    pub fn new(v: SignalView, now: Timestamp) -> Self {
        let s = v.signal;
        let cases: Vec<CaseDto> = v.cases.iter().cloned().map(CaseDto::from).collect();
        SignalDto {
            id: s.id.to_string(),
            kind: s.kind.as_str().to_owned(),
            tier: s.tier.as_str().to_owned(),
            submitter_org: s.submitter_org.map(|o| o.to_string()),
            threat_to_life: s.threat_to_life,
            received_at: t(s.received_at),
            explanation: v.explanation,
            notifier_name: v.notifier_name,
            notifier_email: v.notifier_email,
            good_faith: s.good_faith,
            details: serde_json::from_str(&s.details).unwrap_or_default(),
            locations: serde_json::from_str(&s.locations).unwrap_or_default(),
            order: v.order.map(|o| OrderDto::new(OrderView { order: o, cases: v.cases }, now)),
            cases,
        }
    }

    /// A short form for lists.
    pub fn summary(s: SignalRecord) -> Self {
        SignalDto {
            id: s.id.to_string(),
            kind: s.kind.as_str().to_owned(),
            tier: s.tier.as_str().to_owned(),
            submitter_org: s.submitter_org.map(|o| o.to_string()),
            threat_to_life: s.threat_to_life,
            received_at: t(s.received_at),
            explanation: None,
            notifier_name: None,
            notifier_email: None,
            good_faith: s.good_faith,
            details: serde_json::from_str(&s.details).unwrap_or_default(),
            locations: serde_json::from_str(&s.locations).unwrap_or_default(),
            cases: Vec::new(),
            order: None,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSignalDto {
    pub id: String,
    pub kind: String,
    pub tier: String,
    pub received_at: String,
    pub threat_to_life: bool,
    /// The reporter's explanation (the notifier's identity is never shown to the platform).
    pub explanation: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetailDto {
    #[serde(flatten)]
    pub case: CaseDto,
    /// The content's languages (ISO 639-1), as its reports gave them.
    #[schema(value_type = Vec<crate::schema::LanguageCode>)]
    pub languages: Vec<String>,
    /// The types of terrorist content (TCO art. 2(7), letters a to e) its reports named, an
    /// order's among them.
    #[schema(value_type = Vec<crate::schema::TcoType>)]
    pub harm_types: Vec<String>,
    pub signals: Vec<CaseSignalDto>,
    pub orders: Vec<OrderDto>,
    pub decision: Option<DecisionDto>,
}

impl CaseDetailDto {
    pub fn new(v: CaseView, now: Timestamp) -> Self {
        use vigie_model::labels::CaseLabel;
        let (mut languages, mut harm_types) = (Vec::new(), Vec::new());
        for l in &v.labels {
            match l {
                CaseLabel::Language(_) => languages.push(l.value().to_owned()),
                CaseLabel::HarmType(_) => harm_types.push(l.value().to_owned()),
            }
        }
        CaseDetailDto {
            languages,
            harm_types,
            signals: v
                .signals
                .into_iter()
                .map(|(s, text)| CaseSignalDto {
                    id: s.id.to_string(),
                    kind: s.kind.as_str().to_owned(),
                    tier: s.tier.as_str().to_owned(),
                    received_at: t(s.received_at),
                    threat_to_life: s.threat_to_life,
                    explanation: text,
                    details: serde_json::from_str(&s.details).unwrap_or_default(),
                })
                .collect(),
            orders: v.orders.into_iter().map(|o| OrderDto::new(o, now)).collect(),
            decision: v.decision.map(DecisionDto::from),
            case: CaseDto::from(v.case),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackedLocationDto {
    /// The case's state, `reinstated`, or `under_review` (all that is shown while the case is
    /// held for an investigation or under a non-disclosure).
    pub state: String,
    pub outcome: Option<String>,
    /// The notifier's complaints about this location.
    pub complaints: Vec<TrackedComplaintDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackedComplaintDto {
    pub id: String,
    /// open, upheld or reversed.
    pub state: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TrackingDto {
    pub received_at: String,
    pub locations: Vec<TrackedLocationDto>,
}

impl From<TrackingView> for TrackingDto {
    fn from(v: TrackingView) -> Self {
        TrackingDto {
            received_at: t(v.received_at),
            locations: v
                .locations
                .into_iter()
                .map(|l| TrackedLocationDto {
                    state: l.state.to_owned(),
                    outcome: l.outcome,
                    complaints: l.complaints.into_iter().map(|(id, state)| TrackedComplaintDto { id, state }).collect(),
                })
                .collect(),
        }
    }
}
