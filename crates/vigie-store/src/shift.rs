//! The records of working a shift: internal notes on cases, the cases a reviewer skipped, and the
//! cases escalated to a senior reviewer.
//! Kept in their own traits ([`ShiftReads`], [`ShiftTx`]), which [`crate::Reads`] and
//! [`crate::Tx`] extend.

use vigie_model::review::NoteReason;
use vigie_model::*;

use crate::Result;

/// An internal note on a case, for the next shift: written by a moderator of the case's platform,
/// read by its moderators only; never sent to the uploader, a notifier, the Transparency Database
/// or any export. Legal basis: the platform's legitimate interest in handing work over between
/// reviewers (GDPR art. 6(1)(f)), as part of handling the case it must handle (DSA art. 16, TCO
/// art. 3). Retention: the body is erased with the case's other texts (decision texts, complaint
/// reasons) by the retention worker, once the case is closed and the record retention has run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: NoteId,
    pub case: CaseId,
    /// The case's platform.
    pub org: OrgId,
    pub author: UserId,
    pub reason: NoteReason,
    /// `None` once erased.
    pub body: Option<String>,
    pub created_at: Timestamp,
}

/// The skips (`case_skips`): which reviewer passed over which case, and when (the latest skip per
/// case and person). Legal basis: as for notes, the platform's handling of its cases (GDPR art.
/// 6(1)(f)): "Start reviewing" does not offer a reviewer the case they just skipped. Read only by
/// that use-case, and only for `vigie_model::review::SKIP_FOR`; deleted with the case's notes by
/// the retention worker. The rows carry no text; the event `case.skipped` records the same fact.
pub trait ShiftReads {
    /// The notes on a case, oldest first.
    fn case_notes(&self, case: &CaseId) -> Result<Vec<NoteRecord>>;
    /// The cases `user` skipped at or after `since`.
    fn skipped_since(&self, user: &UserId, since: Timestamp) -> Result<Vec<CaseId>>;
    /// The standing escalations of a platform's cases, oldest first.
    fn escalations_of(&self, platform: &OrgId) -> Result<Vec<EscalationRecord>>;
    /// A case's standing escalation, if any.
    fn escalation(&self, case: &CaseId) -> Result<Option<EscalationRecord>>;
}

/// A case escalated to a senior reviewer (`case_escalations`), standing until the case is decided,
/// passed on, or its senior is removed; one per case, the latest escalation. It is what the
/// senior's "Escalated to me" lists, beyond the claim's short lease. Legal basis: as for notes,
/// the platform's handling of its cases (GDPR art. 6(1)(f)). Read by the platform's moderators
/// (the senior sees their own); the rows carry ids and a time, no text (the note is a
/// [`NoteRecord`]), and the event `case.handed_over` (`escalated`) records the same fact.
/// Retention: deleted when the escalation ends, at the latest with the case's notes by the
/// retention worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscalationRecord {
    pub case: CaseId,
    /// The case's platform.
    pub org: OrgId,
    /// The senior reviewer it was escalated to.
    pub to: UserId,
    pub by: UserId,
    pub at: Timestamp,
    /// The escalation's note.
    pub note: Option<NoteId>,
}

pub trait ShiftTx {
    fn insert_note(&mut self, r: &NoteRecord) -> Result<()>;
    /// Records that `user` skipped `case` at `at` (the latest skip counts).
    fn put_skip(&mut self, case: &CaseId, user: &UserId, at: Timestamp) -> Result<()>;
    /// Records a case's escalation, replacing any before it.
    fn put_escalation(&mut self, r: &EscalationRecord) -> Result<()>;
    /// Ends a case's escalation, if it has one.
    fn end_escalation(&mut self, case: &CaseId) -> Result<()>;
    /// Ends every escalation to `user` (they were removed); returns the cases.
    fn end_escalations_to(&mut self, user: &UserId) -> Result<Vec<CaseId>>;
}
