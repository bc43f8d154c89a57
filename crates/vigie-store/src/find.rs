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

/// What one report says about the case its location `idx` reached, by value, as an engine
/// records it for [`CaseKey::Hash`] and the account network (`case_signal_keys` in SQLite): the
/// location's media hashes (lower-cased) and account id (trimmed of spaces); for an upload match,
/// its uploader (trimmed) and the bank entries it matched, whose banked values the engine reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignalKeys {
    /// `(kind, value)`: kind `sha256`, `md5` or `account`; never an empty value.
    pub values: Vec<(&'static str, String)>,
    /// The bank entries an upload match matched: each gives its value, of its own signal type.
    pub entries: Vec<i64>,
}

impl SignalKeys {
    /// The keys of `signal`'s location `idx`. Reads the JSON the report was stored with; what
    /// does not read, or is not a string where a string is expected, says nothing.
    pub fn of(signal: &crate::SignalRecord, idx: u32) -> SignalKeys {
        use serde_json::Value;
        let mut keys = SignalKeys::default();
        let mut add = |kind: &'static str, value: String| {
            if !value.is_empty() && !keys.values.iter().any(|(k, v)| *k == kind && *v == value) {
                keys.values.push((kind, value));
            }
        };
        let locations: Value = serde_json::from_str(&signal.locations).unwrap_or(Value::Null);
        if let Some(location) = locations.get(idx as usize) {
            let text = |field: &str| location.get(field).and_then(Value::as_str);
            if let Some(v) = text("media_sha256") {
                add("sha256", v.to_ascii_lowercase());
            }
            if let Some(v) = text("media_md5") {
                add("md5", v.to_ascii_lowercase());
            }
            if let Some(v) = text("account_id") {
                add("account", v.trim_matches(' ').to_owned());
            }
        }
        if signal.kind == vigie_model::signal::SignalKind::BankMatch {
            let details: Value = serde_json::from_str(&signal.details).unwrap_or(Value::Null);
            if let Some(v) = details.get("uploader").and_then(Value::as_str) {
                add("account", v.trim_matches(' ').to_owned());
            }
            let matches = details.get("matches").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            keys.entries = matches
                .iter()
                .filter_map(|m| match m.get("entry")? {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect();
            keys.entries.sort_unstable();
            keys.entries.dedup();
        }
        keys
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SignalRecord;
    use vigie_model::signal::{SignalKind, Tier};

    fn signal(kind: SignalKind, locations: &str, details: &str) -> SignalRecord {
        SignalRecord {
            id: SignalId::from_trusted("sig_1".into()),
            kind,
            tier: Tier::Public,
            submitter_org: None,
            submitter_user: None,
            threat_to_life: false,
            received_at: Timestamp::from_micros(0),
            tracking_hash: None,
            explanation_ref: None,
            notifier_name_ref: None,
            notifier_email_ref: None,
            good_faith: None,
            details: details.into(),
            locations: locations.into(),
        }
    }

    #[test]
    fn a_location_says_its_media_hashes_lower_cased_and_its_account_trimmed() {
        let s = signal(
            SignalKind::Notice,
            r#"[{"url":"https://a.example/1","media_sha256":"ABCDEF","media_md5":"Ff00","account_id":"  acct 9 "},
                {"url":"https://a.example/2","media_sha256":12,"account_id":"   "},
                {"url":"https://a.example/3","account_id":"\tx\t"}]"#,
            "{}",
        );
        let first = SignalKeys::of(&s, 0);
        assert_eq!(first.values, [("sha256", "abcdef".into()), ("md5", "ff00".into()), ("account", "acct 9".into())]);
        assert!(first.entries.is_empty(), "only an upload match names bank entries");
        // A number where a hash goes says nothing; an account id of spaces is empty, so nothing.
        assert_eq!(SignalKeys::of(&s, 1), SignalKeys::default());
        // Only spaces are trimmed, as before (SQLite's trim).
        assert_eq!(SignalKeys::of(&s, 2).values, [("account", "\tx\t".into())]);
        assert_eq!(SignalKeys::of(&s, 3), SignalKeys::default(), "past the last location");
        assert_eq!(SignalKeys::of(&signal(SignalKind::Notice, "not json", "{}"), 0), SignalKeys::default());
    }

    #[test]
    fn an_upload_match_says_its_uploader_and_the_entries_it_matched_once_each() {
        let details =
            r#"{"uploader":" u-1 ","matches":[{"entry":7},{"entry":"3"},{"entry":7},{"entry":null},{"bank":"x"}]}"#;
        let s = signal(SignalKind::BankMatch, r#"[{"content_id":"c1","account_id":"u-1"}]"#, details);
        let keys = SignalKeys::of(&s, 0);
        assert_eq!(keys.values, [("account", "u-1".into())], "the same account once");
        assert_eq!(keys.entries, [3, 7]);
        // A notice with the same details names no entries: only an upload match's are its own.
        assert!(SignalKeys::of(&signal(SignalKind::Notice, "[]", details), 0).entries.is_empty());
    }
}
