//! The records and operations of due process: terms clauses, notices to uploaders, complaints,
//! cross-border scrutiny, watch-lists and holds, threat-to-life alerts, misuse. Kept in their own
//! traits ([`DueReads`], [`DueTx`]), which [`crate::Reads`] and [`crate::Tx`] extend.

use vigie_model::redress::{
    ChallengeState, Complainant, ComplaintState, FlaggerStatus, HoldEnd, Route, ScrutinyState, ScrutinyTrigger,
};
use vigie_model::*;

use crate::{OrderRecord, Result};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermsClauseRecord {
    pub id: TermsClauseId,
    pub platform: OrgId,
    /// The platform's own numbering; unique per platform, never reused.
    pub code: String,
    pub title: String,
    pub url: Option<String>,
    pub body: Option<String>,
    pub created_at: Timestamp,
    pub created_by: UserId,
    pub retired_at: Option<Timestamp>,
}

/// What an uploader is told about a restrictive decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploaderNoticeRecord {
    pub id: UploaderNoticeId,
    pub case: CaseId,
    pub decision: DecisionId,
    pub platform: OrgId,
    /// Which redress the decision follows.
    pub route: Route,
    /// SHA-256 of the secret of the link given to the uploader, by which it is looked up. The
    /// secret itself is never stored: it is derived from the pepper and the notice's id when its
    /// platform reads it to pass it on (GDPR art. 32).
    pub token_hash: String,
    /// JSON: the reasons and the redress, as fixed when the decision was taken.
    pub body: String,
    pub created_at: Timestamp,
    /// `None` while a non-disclosure embargo withholds the notice.
    pub issued_at: Option<Timestamp>,
    /// When the content provider was informed: the time the platform recorded, or the first
    /// opening of the link, whichever came first. Windows that run "from being informed" start
    /// here: the 48 hours to ask for scrutiny (TCO art. 4(4)), a court challenge where it runs
    /// from being informed, and the six months to complain (DSA art. 20(2)); `None`: not yet.
    pub informed_at: Option<Timestamp>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplaintRecord {
    pub id: ComplaintId,
    pub case: CaseId,
    /// The decision complained about.
    pub decision: DecisionId,
    pub platform: OrgId,
    pub complainant: Complainant,
    /// The notifier's notice, for a notifier's complaint.
    pub signal: Option<SignalId>,
    /// The complaint's text, an erasable personal value.
    pub text_ref: Option<PersonalRef>,
    pub received_at: Timestamp,
    /// TCO art. 10(2): two weeks after receipt.
    pub due_at: Timestamp,
    pub state: ComplaintState,
    pub overdue_at: Option<Timestamp>,
    pub reviewed_by: Option<UserId>,
    pub reviewed_at: Option<Timestamp>,
    pub reasons: Option<String>,
    /// The reviewer's replacement decision, when a decision was reversed on a notifier's complaint.
    pub new_decision: Option<DecisionId>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScrutinyRecord {
    pub id: ScrutinyId,
    pub order: SignalId,
    pub trigger: ScrutinyTrigger,
    pub requested_at: Timestamp,
    /// 72 hours after the request.
    pub due_at: Timestamp,
    /// The competent authority of the platform's member state.
    pub authority: OrgId,
    pub reasons_ref: Option<PersonalRef>,
    pub state: ScrutinyState,
    pub overdue_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
    pub decided_by: Option<UserId>,
    pub decision_reasons: Option<String>,
    /// The uploader's notice, for a content provider's request (one pending per notice).
    pub notice: Option<UploaderNoticeId>,
    /// TCO art. 4(5): when the issuing authority was told of an intention to find an
    /// infringement, and the reasons given.
    pub intention_at: Option<Timestamp>,
    pub intention_reasons: Option<String>,
    /// JSON: the platform's art. 1(3) purpose concerns about the order, for the authority.
    pub purpose_concerns: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchlistRecord {
    pub id: WatchlistId,
    pub authority: OrgId,
    pub name: String,
    /// The authority's legal basis for the investigation (a provision, a file number).
    pub legal_basis_ref: String,
    pub ends_at: Timestamp,
    /// How long a match holds a case; `None`: the default.
    pub hold_hours: Option<u32>,
    pub created_at: Timestamp,
    pub created_by: UserId,
    pub closed_at: Option<Timestamp>,
    /// The national legal instrument that orders holding notices, if one was recorded.
    pub instrument: Option<LegalInstrument>,
}

/// A national legal instrument (a judicial or prosecutorial order under national law) that orders
/// what reaches a platform to be held back, for its duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalInstrument {
    /// Its reference (file or decision number).
    pub reference: String,
    /// The court, judge or prosecutor that issued it.
    pub issuing_body: String,
    pub ends_at: Timestamp,
}

impl LegalInstrument {
    pub fn in_force(&self, now: Timestamp) -> bool {
        now < self.ends_at
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldRecord {
    pub id: HoldId,
    pub case: CaseId,
    pub watchlist: WatchlistId,
    pub authority: OrgId,
    pub placed_at: Timestamp,
    pub until: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub end_reason: Option<HoldEnd>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreatAlertRecord {
    pub case: CaseId,
    pub raised_at: Timestamp,
    /// Escalations so far.
    pub level: u32,
    /// The next escalation; `None` once acknowledged.
    pub next_at: Option<Timestamp>,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<UserId>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LawEnforcementReferralRecord {
    pub id: LawEnforcementReferralId,
    pub case: CaseId,
    /// The organisation that referred (the platform, or the hub).
    pub org: OrgId,
    pub basis: vigie_model::redress::ReferralBasis,
    pub member_states: Vec<String>,
    pub europol: bool,
    /// TCO art. 14(5): the contact point (art. 12(2)) of the platform's member state was informed.
    pub contact_point: bool,
    /// The authority in Vigie it was sent to, if it is one.
    pub authority: Option<OrgId>,
    pub sent_at: Timestamp,
    pub sent_by: UserId,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MisuseActionRecord {
    pub id: MisuseActionId,
    pub notifier_key: String,
    /// The platform that decided it, for its own service (DSA art. 23(2)). `None`: a hub-wide
    /// action recorded before step 8, which no longer applies.
    pub platform: Option<OrgId>,
    pub kind: vigie_model::redress::MisuseActionKind,
    pub at: Timestamp,
    pub by: UserId,
    pub until: Option<Timestamp>,
    pub reason: String,
    /// JSON of the DSA art. 23(3) figures when the action was taken.
    pub counts: String,
}

/// A Digital Services Coordinator's award of trusted-flagger status (DSA art. 22(2)) and its
/// later decisions on it (art. 22(6) suspension, 22(7) revocation), as recorded in Vigie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlaggerAwardRecord {
    pub org: OrgId,
    /// The coordinator that awarded it, e.g. `Arcom`.
    pub coordinator: String,
    /// Its member state (of the flagger's establishment).
    pub member_state: String,
    /// The coordinator's reference for the award.
    pub reference: String,
    /// The designated areas of expertise: Transparency Database categories, lower-case, without
    /// their `STATEMENT_CATEGORY_` prefix (e.g. `risk_for_public_security`).
    pub areas: Vec<String>,
    /// `YYYY-MM-DD`.
    pub awarded_on: String,
    /// As the coordinator last decided.
    pub status: FlaggerStatus,
    pub status_since: Timestamp,
    /// The coordinator's reference and date for the latest suspension, reinstatement or
    /// revocation; `None` while the award stands as given.
    pub status_reference: Option<String>,
    pub status_decided_on: Option<String>,
    pub reason: Option<String>,
    /// Who recorded the latest change (the coordinator decides; the hub records).
    pub recorded_by: UserId,
}

/// A court challenge of a removal order (TCO art. 9), as the party that brought it records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeRecord {
    pub id: ChallengeId,
    pub order: SignalId,
    pub brought_by: vigie_model::redress::ChallengeParty,
    /// The organisation that brought it.
    pub org: OrgId,
    pub court: String,
    /// The court's reference for the case.
    pub reference: String,
    /// `YYYY-MM-DD`.
    pub filed_on: String,
    pub recorded_at: Timestamp,
    pub recorded_by: UserId,
    pub state: ChallengeState,
    pub decided_on: Option<String>,
    pub outcome_reference: Option<String>,
    pub outcome_recorded_at: Option<Timestamp>,
}

/// Where a case stands on the way to the erasure of its records (GDPR art. 5(1)(e)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRetentionRecord {
    pub case: CaseId,
    /// The personal value behind the sealed key in `case.opened`, erased with the identifiers.
    pub key_ref: Option<PersonalRef>,
    /// When to look at the case again; `None`: not decided yet, or every record erased.
    pub check_at: Option<Timestamp>,
    /// The URL, content and account ids, and the reports' locations.
    pub identifiers_erased_at: Option<Timestamp>,
    /// The texts of decisions and complaint reviews.
    pub texts_erased_at: Option<Timestamp>,
    /// The bodies of notices to uploaders.
    pub notices_erased_at: Option<Timestamp>,
}

/// One statement of reasons on its way to the Transparency Database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SorSubmissionRecord {
    /// The decision; its id is the statement's `puid`.
    pub decision: DecisionId,
    /// The platform that decided, whose database credentials submit it.
    pub org: OrgId,
    pub created_at: Timestamp,
    /// When `Rejected`, `last_error` says why.
    pub state: vigie_model::sor::SubmissionState,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
    pub last_error: Option<String>,
    /// The database's id for the statement.
    pub tdb_uuid: Option<String>,
    pub submitted_at: Option<Timestamp>,
}

/// A platform's connection to the Transparency Database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TdbSettingsRecord {
    pub org: OrgId,
    /// E.g. `https://transparency.dsa.ec.europa.eu/api/v1`.
    pub base_url: String,
    /// The platform's API token (shown to nobody once set).
    pub token: String,
    /// Submit decisions that answer removal orders too (as other notifications).
    pub include_orders: bool,
    pub updated_at: Timestamp,
    pub updated_by: UserId,
}

/// Due-process queries.
pub trait DueReads {
    /// A platform's clauses, retired ones too when asked, by code.
    fn terms_clauses(&self, platform: &OrgId, with_retired: bool) -> Result<Vec<TermsClauseRecord>>;
    fn get_terms_clause(&self, id: &TermsClauseId) -> Result<Option<TermsClauseRecord>>;
    fn get_decision(&self, id: &DecisionId) -> Result<Option<crate::DecisionRecord>>;
    /// Decisions taken in `[from, to)`, in time order, after `after` (a keyset page).
    fn decisions_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        after: Option<&DecisionId>,
        limit: u32,
    ) -> Result<Vec<crate::DecisionRecord>>;
    fn uploader_notice_by_token(&self, token_hash: &str) -> Result<Option<UploaderNoticeRecord>>;
    fn uploader_notice_of_decision(&self, decision: &DecisionId) -> Result<Option<UploaderNoticeRecord>>;
    fn uploader_notices_of_case(&self, case: &CaseId) -> Result<Vec<UploaderNoticeRecord>>;
    fn get_complaint(&self, id: &ComplaintId) -> Result<Option<ComplaintRecord>>;
    /// A platform's complaints, open ones only when asked, earliest due first.
    fn complaints_of(&self, platform: &OrgId, open_only: bool) -> Result<Vec<ComplaintRecord>>;
    fn complaints_of_case(&self, case: &CaseId) -> Result<Vec<ComplaintRecord>>;
    /// Open complaints past their due time and not yet flagged.
    fn due_complaints(&self, now: Timestamp, limit: u32) -> Result<Vec<ComplaintRecord>>;
    fn get_scrutiny(&self, id: &ScrutinyId) -> Result<Option<ScrutinyRecord>>;
    fn scrutinies_of_order(&self, order: &SignalId) -> Result<Vec<ScrutinyRecord>>;
    fn scrutinies_for(&self, authority: &OrgId) -> Result<Vec<ScrutinyRecord>>;
    fn due_scrutinies(&self, now: Timestamp, limit: u32) -> Result<Vec<ScrutinyRecord>>;
    /// Orders whose embargo has reached its end and was not lifted yet.
    fn due_embargoes(&self, now: Timestamp, limit: u32) -> Result<Vec<OrderRecord>>;
    fn get_watchlist(&self, id: &WatchlistId) -> Result<Option<WatchlistRecord>>;
    fn watchlists_of(&self, authority: &OrgId) -> Result<Vec<WatchlistRecord>>;
    /// Live watch-lists (not closed, not ended at `now`) holding any of these keys.
    fn watching(&self, key_hashes: &[String], now: Timestamp) -> Result<Vec<WatchlistRecord>>;
    fn count_watch_entries(&self, watchlist: &WatchlistId) -> Result<i64>;
    fn active_hold(&self, case: &CaseId) -> Result<Option<HoldRecord>>;
    fn get_hold(&self, id: &HoldId) -> Result<Option<HoldRecord>>;
    /// Every hold a case has had, oldest first.
    fn case_holds(&self, case: &CaseId) -> Result<Vec<HoldRecord>>;
    /// Holds, newest first: one authority's, or every one (`None`, for overseers).
    fn holds(&self, authority: Option<&OrgId>, limit: u32) -> Result<Vec<HoldRecord>>;
    fn due_holds(&self, now: Timestamp, limit: u32) -> Result<Vec<HoldRecord>>;
    fn threat_alert(&self, case: &CaseId) -> Result<Option<ThreatAlertRecord>>;
    fn due_threat_alerts(&self, now: Timestamp, limit: u32) -> Result<Vec<ThreatAlertRecord>>;
    fn le_referrals_of(&self, case: &CaseId) -> Result<Vec<LawEnforcementReferralRecord>>;
    fn notifier_key_of(&self, signal: &SignalId) -> Result<Option<String>>;
    /// Every notifier key ever recorded that starts with `prefix` (signals and misuse actions).
    fn notifier_keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>>;
    /// When a notice's notifier was told of a decision (or could first see it with the tracking
    /// code), if they were.
    fn notifier_informed(&self, signal: &SignalId, decision: &DecisionId) -> Result<Option<Timestamp>>;
    /// (notices sent about content on `platform`, of which the platform decided manifestly
    /// unfounded) by a notifier.
    fn misuse_counts(&self, notifier_key: &str, platform: &OrgId) -> Result<(u64, u64)>;
    /// A platform's warnings, suspensions and lifts for a notifier, oldest first.
    fn misuse_actions(&self, notifier_key: &str, platform: &OrgId) -> Result<Vec<MisuseActionRecord>>;
    /// Notifiers with at least one notice `platform` found manifestly unfounded: (key, notices,
    /// unfounded), most unfounded first.
    fn unfounded_notifiers(&self, platform: &OrgId, limit: u32) -> Result<Vec<(String, u64, u64)>>;
    fn flagger_award(&self, org: &OrgId) -> Result<Option<FlaggerAwardRecord>>;
    fn sor_submission(&self, decision: &DecisionId) -> Result<Option<SorSubmissionRecord>>;
    /// Cases whose retention is to be looked at by `now`, earliest first.
    fn due_case_retention(&self, now: Timestamp, limit: u32) -> Result<Vec<CaseRetentionRecord>>;
    fn case_retention(&self, case: &CaseId) -> Result<Option<CaseRetentionRecord>>;
    /// An order's court challenges, oldest first.
    fn challenges_of_order(&self, order: &SignalId) -> Result<Vec<ChallengeRecord>>;
    /// Pending submissions whose attempt is due, of platforms connected to the database, oldest
    /// first.
    fn due_sor(&self, now: Timestamp, limit: u32) -> Result<Vec<SorSubmissionRecord>>;
    fn tdb_settings(&self, org: &OrgId) -> Result<Option<TdbSettingsRecord>>;
}

/// Due-process changes.
pub trait DueTx: DueReads {
    /// Fails with [`crate::StoreError::Conflict`] if the platform already used the code.
    fn insert_terms_clause(&mut self, r: &TermsClauseRecord) -> Result<()>;
    fn update_terms_clause(&mut self, r: &TermsClauseRecord) -> Result<()>;
    /// Marks a decision reversed (by a complaint, a scrutiny or an annulment).
    fn reverse_decision(&mut self, id: &DecisionId, at: Timestamp, by: &str) -> Result<()>;
    fn insert_uploader_notice(&mut self, r: &UploaderNoticeRecord) -> Result<()>;
    fn update_uploader_notice(&mut self, r: &UploaderNoticeRecord) -> Result<()>;
    fn insert_complaint(&mut self, r: &ComplaintRecord) -> Result<()>;
    fn update_complaint(&mut self, r: &ComplaintRecord) -> Result<()>;
    fn insert_scrutiny(&mut self, r: &ScrutinyRecord) -> Result<()>;
    fn update_scrutiny(&mut self, r: &ScrutinyRecord) -> Result<()>;
    fn insert_watchlist(&mut self, r: &WatchlistRecord) -> Result<()>;
    fn update_watchlist(&mut self, r: &WatchlistRecord) -> Result<()>;
    /// `true` if the entry was new to the list.
    fn insert_watch_entry(
        &mut self,
        watchlist: &WatchlistId,
        key_hash: &str,
        kind: &str,
        at: Timestamp,
    ) -> Result<bool>;
    fn insert_hold(&mut self, r: &HoldRecord) -> Result<()>;
    fn update_hold(&mut self, r: &HoldRecord) -> Result<()>;
    fn put_threat_alert(&mut self, r: &ThreatAlertRecord) -> Result<()>;
    fn insert_le_referral(&mut self, r: &LawEnforcementReferralRecord) -> Result<()>;
    fn set_notifier_key(&mut self, signal: &SignalId, key: &str) -> Result<()>;
    /// Records when a notice's notifier was informed of a decision; the first time stays.
    fn set_notifier_informed(&mut self, signal: &SignalId, decision: &DecisionId, at: Timestamp) -> Result<()>;
    fn insert_misuse_action(&mut self, r: &MisuseActionRecord) -> Result<()>;
    fn put_flagger_award(&mut self, r: &FlaggerAwardRecord) -> Result<()>;
    /// Starts tracking a new case's retention (its sealed key's personal value).
    fn insert_case_retention(&mut self, case: &CaseId, key_ref: Option<&PersonalRef>) -> Result<()>;
    /// The case was decided (again): look at it from `at`; what a new decision wrote is erased
    /// in its turn.
    fn schedule_case_retention(&mut self, case: &CaseId, at: Timestamp) -> Result<()>;
    fn put_case_retention(&mut self, r: &CaseRetentionRecord) -> Result<()>;
    /// Erases a case's URL, host, content and account ids (its key becomes `erased:<id>`), and
    /// the locations of the reports whose every case is erased.
    fn erase_case_identifiers(&mut self, case: &CaseId) -> Result<()>;
    /// Erases the texts of a case's decisions (explanation, purpose rationale, description of
    /// the restriction) and of its complaint reviews, the bodies of its internal notes, and its
    /// skips and escalation.
    fn erase_decision_texts(&mut self, case: &CaseId) -> Result<()>;
    /// Replaces the bodies of a case's notices to uploaders by `{"erased": true}`.
    fn erase_notice_bodies(&mut self, case: &CaseId) -> Result<()>;
    /// Erases one personal value now (its retention ended with the record it belongs to).
    fn erase_personal(&mut self, id: &PersonalRef, at: Timestamp) -> Result<()>;
    /// Inserts or replaces the challenge `r.id`.
    fn put_challenge(&mut self, r: &ChallengeRecord) -> Result<()>;
    /// Replaces a notifier key everywhere it is recorded (signals and misuse actions).
    fn rekey_notifier(&mut self, old: &str, new: &str) -> Result<()>;
    /// Inserts or replaces the row of `r.decision`.
    fn put_sor(&mut self, r: &SorSubmissionRecord) -> Result<()>;
    fn put_tdb_settings(&mut self, r: &TdbSettingsRecord) -> Result<()>;
}
