//! What a shift needs beyond the cases: how each person views media (their settings and their
//! organisation's defaults), how many media each person revealed today, and who is signed in.
//! Kept in their own traits ([`WellbeingReads`], [`WellbeingTx`]), which [`crate::Reads`] and
//! [`crate::Tx`] extend.
//!
//! - Viewer settings are a person's choices (GDPR art. 6(1)(b) and (f): the console's working
//!   tools) and their organisation's defaults; kept while the person or organisation exists; read
//!   by the person, and the organisation's defaults by its people.
//! - Reveal counts are aggregates only: one number per person per day (UTC), never which media.
//!   Legal basis: the employer's duty of care for reviewers' health (GDPR art. 6(1)(c) and 88,
//!   art. 9(2)(b)); kept [`REVEAL_COUNT_DAYS`] days, purged on each write; read by the person, and
//!   by the organisation's leads only where the organisation turned that on (off by default).

use vigie_model::*;

use crate::Result;

/// How many days a per-person reveal count is kept (today included).
pub const REVEAL_COUNT_DAYS: i64 = 90;

/// How media are shown to a person. In a person's own settings `None` follows the organisation's
/// default; an organisation's defaults may also leave a field `None` (then Vigie's default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ViewerRecord {
    /// How strongly previews are blurred: 1 (light), 2 (medium), 3 (strong).
    pub blur: Option<i64>,
    /// The revealed original stays in greyscale.
    pub greyscale: Option<bool>,
    /// Hovering or focusing a blurred preview shows it less blurred, while the pointer stays.
    pub peek: Option<bool>,
    /// Seconds after which a revealed original is blurred again by the page; 0: never.
    pub reblur_secs: Option<i64>,
}

/// An organisation's settings for its people's viewer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgViewerRecord {
    pub defaults: ViewerRecord,
    /// Reveals in a day after which the console suggests a break; `None`: Vigie's default.
    pub break_after: Option<i64>,
    /// Whether the organisation's leads may read each person's daily reveal counts.
    pub leads_see_counts: bool,
}

/// One person's reveals on one day (UTC, `YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevealCount {
    pub user: UserId,
    pub day: String,
    pub count: i64,
}

pub trait WellbeingReads {
    fn viewer_settings(&self, user: &UserId) -> Result<Option<ViewerRecord>>;
    fn org_viewer_settings(&self, org: &OrgId) -> Result<Option<OrgViewerRecord>>;
    /// A person's reveals on `day`: 0 when none.
    fn reveal_count(&self, user: &UserId, day: &str) -> Result<i64>;
    /// The reveal counts of an organisation's people on `day`.
    fn reveal_counts_of(&self, org: &OrgId, day: &str) -> Result<Vec<RevealCount>>;
    /// Every stored count, oldest day first (for tests and audits of the retention).
    fn reveal_count_days(&self, user: &UserId) -> Result<Vec<String>>;
    /// The people of an organisation with a live console session at `now`, with when they
    /// signed in (their latest live session).
    fn signed_in(&self, org: &OrgId, now: Timestamp) -> Result<Vec<(UserId, Timestamp)>>;
    /// A person's time with revealed videos on `day`, in microseconds: 0 when none.
    fn viewing_time(&self, user: &UserId, day: &str) -> Result<i64>;
}

pub trait WellbeingTx {
    fn set_viewer_settings(&mut self, user: &UserId, r: &ViewerRecord, at: Timestamp) -> Result<()>;
    fn set_org_viewer_settings(&mut self, org: &OrgId, r: &OrgViewerRecord, at: Timestamp) -> Result<()>;
    /// Adds one to a person's count for `day` and deletes counts of days before `keep_from`.
    fn count_reveal(&mut self, org: &OrgId, user: &UserId, day: &str, keep_from: &str) -> Result<()>;
    /// Adds `micros` (more than 0) to a person's viewing time for `day` and deletes the times of
    /// days before `keep_from`.
    fn count_viewing(&mut self, org: &OrgId, user: &UserId, day: &str, micros: i64, keep_from: &str) -> Result<()>;
}
