//! Reads that find cases again: the running orders behind the console's clock summary, the search
//! box's keys, an account's cases, the open copies of a case's content, what a case's content is
//! (its languages and types), and a moderator's saved views of the queue. Kept in their own traits ([`FindReads`], [`FindTx`]), which [`crate::Reads`]
//! and [`crate::Tx`] extend.

use vigie_model::labels::CaseLabel;
use vigie_model::*;

use crate::{CaseRecord, OrderRecord, Result};

/// What one search looks a platform's cases up by. Every key is exact (no pattern matching), so
/// a search answers from an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseKey {
    Case(CaseId),
    /// A canonical URL: the case at that URL, and those at the same URL with other parameters.
    Url(String),
    Account(String),
    Content(String),
    /// Lower-case hex: a PDQ, MD5 or SHA-256 of media attached to a case, banked from it, matched
    /// against it at upload, or given by its reporter.
    Hash(String),
    /// An order by its id or by its issuer's reference.
    Order(String),
}

/// A reported location's text that matched a banked text at intake, recorded on the case.
///
/// Legal basis: handling the notice or order that carried the text (DSA art. 16, TCO art. 3 and
/// 5): the reviewer sees which banked text it repeats. The text itself is a personal value
/// (`text_ref`, sealed, erasable), kept for the personal-data retention like a notice's
/// explanation; the row (ids, the bank entry, the similarity, the passages' byte ranges) stays
/// with the case, whose row is never deleted. Readers: the case's platform (its reviewers), and
/// administrators.
#[derive(Clone, Debug, PartialEq)]
pub struct TextHitRecord {
    pub case: CaseId,
    pub signal: SignalId,
    /// The location's position in the signal.
    pub location: u32,
    pub bank: BankId,
    pub entry: i64,
    /// `raw_text` or `text_tlsh`.
    pub signal_type: String,
    /// `raw_text`: the similarity (0 to 1).
    pub similarity: Option<f64>,
    /// `text_tlsh`: the TLSH distance (0 for `raw_text`).
    pub distance: u32,
    pub text_ref: PersonalRef,
    /// The passages of the text that repeat the banked one: byte ranges, JSON `[[start, end], ...]`.
    pub passages: String,
    pub created_at: Timestamp,
}

/// A moderator's saved view of the queue: a name and the queue's filters as a query string.
///
/// Legal basis: organising the person's own work (GDPR art. 6(1)(b), the employment or service
/// contract). It holds no personal data beyond its owner's id. Retention: until its owner deletes
/// it, or an administrator removes the person. Readers: its owner only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedViewRecord {
    pub id: String,
    pub user: UserId,
    pub name: String,
    /// `tier=order&label=group%3A%20x&overdue=yes`: only the queue's own filters, checked.
    pub filters: String,
    pub created_at: Timestamp,
}

/// A platform's team. Legal basis of teams and their members: organising the platform's
/// moderation (GDPR art. 6(1)(b) and (f)). Retention: until an administrator changes them; a
/// removed person leaves every team. Readers: administrators, and the team's own people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamRecord {
    pub id: String,
    pub org: OrgId,
    pub name: String,
    pub created_at: Timestamp,
}

/// A person in a team; a lead sees the team's per-person figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMemberRecord {
    pub team: String,
    pub user: UserId,
    pub lead: bool,
}

/// An administrator's rule: cases whose `field` (`source`, `host`, `bank_label`, `language`,
/// `harm_type`) is `value` go to `team`'s queue; the org's rules are tried by `position`, the first that holds decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingRuleRecord {
    pub id: String,
    pub org: OrgId,
    pub position: i64,
    pub field: String,
    pub value: String,
    pub team: String,
    pub created_at: Timestamp,
}

/// Why a case is a copy of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyReason {
    /// It shares a hash with the case.
    Hash,
    /// Its URL is the case's URL with other query parameters.
    UrlFamily,
}

pub trait FindReads {
    /// Orders with a clock counting (running, or late and not complied), not ended: addressed to
    /// `org`, or issued by it when `as_authority`. Deadline first.
    fn counting_orders(&self, org: &OrgId, as_authority: bool) -> Result<Vec<OrderRecord>>;
    /// A platform's cases found by `key`, newest first.
    fn find_cases(&self, platform: &OrgId, key: &CaseKey, limit: u32) -> Result<Vec<CaseRecord>>;
    /// The platform's other undecided cases that share a hash with `case`, or whose URL is in
    /// `family` (a canonical URL without its query), oldest first.
    fn open_copies(
        &self,
        platform: &OrgId,
        case: &CaseId,
        family: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(CaseRecord, CopyReason)>>;
    /// What a case's content is, as its reports said: its languages and art. 2(7) types, sorted.
    fn case_labels(&self, case: &CaseId) -> Result<Vec<CaseLabel>>;
    /// The texts of a case's reports that matched banked texts at intake, oldest first.
    fn case_text_hits(&self, case: &CaseId) -> Result<Vec<TextHitRecord>>;
    /// A person's saved views, by name.
    fn saved_views(&self, user: &UserId) -> Result<Vec<SavedViewRecord>>;
    /// A platform's teams, by name.
    fn teams_of(&self, org: &OrgId) -> Result<Vec<TeamRecord>>;
    /// The people of a platform's teams.
    fn team_members_of(&self, org: &OrgId) -> Result<Vec<TeamMemberRecord>>;
    /// A platform's routing rules, in the order they are tried.
    fn routing_rules(&self, org: &OrgId) -> Result<Vec<RoutingRuleRecord>>;
    /// Each of a platform's decisions taken at or after `since`: who took it, and the time from
    /// the case's opening to the decision.
    fn decision_times(&self, org: &OrgId, since: Timestamp) -> Result<Vec<(UserId, Duration)>>;
}

pub trait FindTx {
    /// Adds labels to a case; those it has already are kept once.
    ///
    /// Not personal data (a language, a type of content). Retention: the case's row's, which is
    /// never deleted; readers: those who see the case.
    fn add_case_labels(&mut self, case: &CaseId, labels: &[CaseLabel]) -> Result<()>;
    /// Records a text match on a case (see [`TextHitRecord`]); the same one twice is kept once.
    fn insert_text_hit(&mut self, r: &TextHitRecord) -> Result<()>;
    /// Saves a view; one of the same name and owner is replaced (its filters and time).
    fn upsert_saved_view(&mut self, r: &SavedViewRecord) -> Result<()>;
    /// `true` if the person had that view.
    fn delete_saved_view(&mut self, user: &UserId, id: &str) -> Result<bool>;
    /// Deletes every view of a person (removed by an administrator); returns how many.
    fn delete_saved_views_of(&mut self, user: &UserId) -> Result<usize>;
    /// Adds a team, or returns the org's team of that name.
    fn ensure_team(&mut self, r: &TeamRecord) -> Result<TeamRecord>;
    /// Adds a person to a team, or changes whether they lead it.
    fn put_team_member(&mut self, r: &TeamMemberRecord) -> Result<()>;
    /// Takes a person out of every team (removed by an administrator).
    fn leave_teams(&mut self, user: &UserId) -> Result<usize>;
    /// Adds a rule after the org's last one.
    fn insert_routing_rule(&mut self, r: &RoutingRuleRecord) -> Result<()>;
    /// `true` if the org had that rule.
    fn delete_routing_rule(&mut self, org: &OrgId, id: &str) -> Result<bool>;
}
