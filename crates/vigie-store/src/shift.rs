//! The records of working a shift: internal notes on cases, and the cases a reviewer skipped.
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
}

pub trait ShiftTx {
    fn insert_note(&mut self, r: &NoteRecord) -> Result<()>;
    /// Records that `user` skipped `case` at `at` (the latest skip counts).
    fn put_skip(&mut self, case: &CaseId, user: &UserId, at: Timestamp) -> Result<()>;
}
