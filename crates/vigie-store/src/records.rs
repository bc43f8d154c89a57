//! Rows as the store keeps them. Plain data: the rules live in `vigie-model` and `vigie-app`.

use vigie_model::case::{CaseState, CaseStatus};
use vigie_model::decision::{Action, Purpose, Restriction};
use vigie_model::location::TargetKind;
use vigie_model::order::OrderClock;
use vigie_model::org::{Competence, Contact, MemberState, OrgKind, Role, host_member_state};
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::*;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgRecord {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub member_state: Option<String>,
    pub main_establishment: Option<String>,
    /// JSON of the legal representative contact, as given.
    pub legal_representative: Option<String>,
    /// JSON of the contact point, as given.
    pub contact_point: Option<String>,
    pub created_at: Timestamp,
    /// Authorities: what their member state designated them for (TCO art. 12(1)), sorted.
    pub competences: Vec<Competence>,
    /// Authorities: the organisation is Europol.
    pub europol: bool,
    /// Platforms: Vigie is the channel of their contact point (TCO art. 15): an order is received
    /// when it is available to them.
    pub designated_channel: bool,
}

impl OrgRecord {
    /// A platform's member state for TCO art. 4: its main establishment, or where its legal
    /// representative resides or is established.
    pub fn host_state(&self) -> Option<MemberState> {
        let lr: Option<Contact> = self.legal_representative.as_deref().and_then(|j| serde_json::from_str(j).ok());
        host_member_state(self.main_establishment.as_deref(), lr.as_ref())
    }
    pub fn has(&self, competence: Competence) -> bool {
        self.competences.contains(&competence)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub org: OrgId,
    /// The person's display name, an erasable personal value.
    pub name_ref: PersonalRef,
    pub roles: Vec<Role>,
    pub created_at: Timestamp,
    /// When an administrator removed the person: their tokens and sessions stop working, their
    /// past actions stay theirs.
    pub deactivated_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: TokenId,
    pub user: UserId,
    /// Hex SHA-256 of the secret token; the token itself is never stored.
    pub hash: String,
    pub label: Option<String>,
    pub created_at: Timestamp,
    /// The token is refused from this instant on, if set.
    pub expires_at: Option<Timestamp>,
    /// The token was revoked at this instant, and is refused since.
    pub revoked_at: Option<Timestamp>,
}

impl TokenRecord {
    /// Whether the token still opens the API at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostStatus {
    Pending,
    Approved,
}

impl HostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HostStatus::Pending => "pending",
            HostStatus::Approved => "approved",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostRecord {
    pub host: String,
    pub org: OrgId,
    pub status: HostStatus,
    pub claimed_at: Timestamp,
    pub claimed_by: UserId,
    pub approved_at: Option<Timestamp>,
    pub approved_by: Option<UserId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignalRecord {
    pub id: SignalId,
    pub kind: SignalKind,
    pub tier: Tier,
    pub submitter_org: Option<OrgId>,
    pub submitter_user: Option<UserId>,
    pub threat_to_life: bool,
    pub received_at: Timestamp,
    /// Hex SHA-256 of the tracking code given to the notifier; the code itself is never stored.
    pub tracking_hash: Option<String>,
    pub explanation_ref: Option<PersonalRef>,
    pub notifier_name_ref: Option<PersonalRef>,
    pub notifier_email_ref: Option<PersonalRef>,
    pub good_faith: Option<bool>,
    /// JSON of the non-personal details of the submission, kind by kind.
    pub details: String,
    /// The locations as submitted, JSON.
    pub locations: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: CaseId,
    /// `None` while the case is parked on an unknown host.
    pub platform: Option<OrgId>,
    /// Invariant: unique per platform (see `vigie_model::location::Target::case_key`).
    pub key: String,
    pub kind: TargetKind,
    /// The canonical URL; `None` for an account reported by its id alone.
    pub url: Option<String>,
    pub host: Option<String>,
    pub content_id: Option<String>,
    pub account_id: Option<String>,
    pub state: CaseState,
    pub tier: Tier,
    pub threat_to_life: bool,
    pub accountable_sources: u32,
    pub anonymous_signals: u32,
    /// Invariant: `vigie_model::signal::priority` of the fields above.
    pub priority: i64,
    /// The earliest legal deadline among the case's signals.
    pub due_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    pub acknowledged_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    /// When the case's current decision (its latest) was reversed, if it was: read with the case
    /// from its decisions, never written with it.
    pub reinstated_at: Option<Timestamp>,
}

impl CaseRecord {
    /// What the case shows: `vigie_model::case::CaseStatus`, from its state and its decision.
    pub fn status(&self) -> CaseStatus {
        CaseStatus::of(self.state, self.reinstated_at)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRecord {
    pub id: SignalId,
    pub authority: OrgId,
    pub platform: OrgId,
    pub reference: String,
    /// The Annex I form as issued, with its clarifications.
    pub form: vigie_model::order::IssuedOrder,
    pub emergency: bool,
    /// The platform's main establishment is in another member state (Annex I section D).
    pub cross_border: bool,
    pub intake_at: Timestamp,
    pub clock: OrderClock,
    /// The latest Annex III notice, if any.
    pub cannot_comply: Option<vigie_model::order::CannotComplyNotice>,
    /// The Annex II measure: `Remove` or `Disable` (the decisions' action).
    pub measure: Option<Action>,
    /// TCO art. 11(3): the authority's non-disclosure, while it runs and after.
    pub embargo: Option<vigie_model::redress::Embargo>,
    /// When the order stopped having effect (an infringement found on scrutiny, a court's
    /// annulment).
    pub ended_at: Option<Timestamp>,
    /// Why it ended: the scrutiny, or the court's ruling.
    pub ended_by: Option<vigie_model::order::OrderEnd>,
    /// TCO art. 4(1): the competent authority of the host member state that received a copy of a
    /// cross-border order, and when (in Vigie, when the order was sent).
    pub copy_to: Option<OrgId>,
    pub copy_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    pub id: DecisionId,
    pub case: CaseId,
    pub org: OrgId,
    pub decided_by: UserId,
    pub decided_at: Timestamp,
    pub action: Action,
    pub legal_basis: Option<String>,
    pub terms_clause: Option<String>,
    /// Member-state codes, sorted.
    pub territorial_scope: Vec<String>,
    /// The TCO art. 1(3) assessment, when one was made.
    pub purpose: Option<Purpose>,
    pub purpose_rationale: Option<String>,
    pub automated_detection: bool,
    pub automated_decision: bool,
    pub explanation: Option<String>,
    /// The registered clause a terms ground cites (`terms_clause` holds its code).
    pub terms_clause_id: Option<TermsClauseId>,
    /// The legal-basis taxonomy version the decision was taken under.
    pub taxonomy_version: Option<u32>,
    /// `no_action` only: the notices were found manifestly unfounded (DSA art. 23).
    pub manifestly_unfounded: bool,
    /// When the decision was reversed, and by what (a complaint, a scrutiny, an annulment).
    pub reversed_at: Option<Timestamp>,
    pub reversed_by: Option<String>,
    /// `restrict` only: how visibility is restricted.
    pub restriction: Option<Restriction>,
    /// The description of an `other` restriction.
    pub restriction_other: Option<String>,
    /// When the measure ends; always set for a suspension.
    pub until: Option<Timestamp>,
    /// `YYYY-MM-DD`: the day the content was uploaded, when the platform gave it.
    pub content_date: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRecord {
    pub id: WebhookId,
    pub org: OrgId,
    pub url: String,
    /// The HMAC key. Shown once to the platform; kept to sign deliveries.
    pub secret: String,
    pub created_at: Timestamp,
    pub created_by: UserId,
    /// When the webhook was deleted; nothing is sent to it since, and it is no longer listed.
    pub deleted_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Also the idempotency key the receiver sees.
    pub id: DeliveryId,
    pub org: OrgId,
    pub webhook: WebhookId,
    pub event_type: String,
    /// The JSON body, exactly as it will be signed and sent; erased (empty) once delivered.
    pub payload: String,
    /// A case whose receipt a successful delivery proves.
    pub case: Option<CaseId>,
    pub urgent: bool,
    pub created_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub attempts: u32,
    pub delivered_at: Option<Timestamp>,
    pub last_error: Option<String>,
    /// When it used up its attempts and was set aside as a dead letter; `None` while it is in its
    /// queue (see [`crate::OutboxReads::due_in_lane`]). Written only by
    /// [`crate::OutboxTx::bury_delivery`] and [`crate::OutboxTx::requeue_delivery`].
    pub dead_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdvanceNoticeRecord {
    pub id: AdvanceNoticeId,
    pub authority: OrgId,
    pub platform: OrgId,
    pub sent_at: Timestamp,
    pub sent_by: UserId,
    /// JSON: the procedures and deadlines the authority told the platform about.
    pub details: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonalRecord {
    pub id: PersonalRef,
    pub salt: Vec<u8>,
    pub value: String,
    /// What the value is, e.g. `notice.explanation`.
    pub purpose: String,
    pub retain_until: Timestamp,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BankRecord {
    pub id: BankId,
    pub owner: OrgId,
    /// Invariant: checked by `vigie_model::bank::RawBank::check`; unique among the owner's banks.
    pub spec: vigie_model::bank::BankSpec,
    pub created_at: Timestamp,
    pub created_by: UserId,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankShareRecord {
    pub bank: BankId,
    pub org: OrgId,
    pub mode: vigie_model::bank::ShareMode,
    pub granted_at: Timestamp,
    pub granted_by: UserId,
}

/// A `.tmk` file (TMK+PDQF of a video) that bank entries hold, content-addressed. Its level-1
/// vector (the pure average) is kept apart so the matcher loads 1 KB per video, not 263 KB.
#[derive(Clone, Debug, PartialEq)]
pub struct TmkFileRecord {
    /// Lower-case hex of the file's SHA-256: the value of every `tmk` entry that holds it.
    pub sha256: String,
    pub bytes: Vec<u8>,
    /// The pure average, little-endian `f32`s.
    pub level1: Vec<u8>,
    /// The frames the video had once resampled (the file's header).
    pub frames: i64,
    pub stored_at: Timestamp,
}

/// One hash in a bank (HMA's "bank content" with one signal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankEntryRecord {
    /// Assigned by the store, increasing (HMA's `bank_content_id`).
    pub id: i64,
    pub bank: BankId,
    pub signal_type: vigie_model::bank::SignalType,
    /// Canonical lower-case hex.
    pub value: String,
    /// PDQ quality when known (hashed here or given by the source).
    pub quality: Option<u8>,
    /// Where the entry came from: `api`, `hma`, `import:<format>`, `case`, or a collaboration.
    pub source: String,
    /// JSON of the source's own fields (collab, category, tags, file line...).
    pub provenance: Option<String>,
    /// The platform's content id and URI, for curators only.
    pub content_id: Option<String>,
    pub content_uri: Option<String>,
    pub note: Option<String>,
    pub added_at: Timestamp,
    pub added_by: Option<UserId>,
    /// Matching is off until then (`Timestamp::MAX`-like far future: until enabled again).
    pub disabled_until: Option<Timestamp>,
    /// Set when a flood of matches quarantined the entry; cleared by a curator.
    pub quarantined_at: Option<Timestamp>,
    pub removed_at: Option<Timestamp>,
    /// The case whose decision put this content in the bank, for stay-down links.
    pub case: Option<CaseId>,
    /// The event sequence of the entry's latest change (index snapshots catch up from it).
    pub changed_seq: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedbackRecord {
    pub entry: i64,
    pub org: OrgId,
    pub user: UserId,
    pub verdict: vigie_model::bank::Verdict,
    pub note: Option<String>,
    pub at: Timestamp,
}
