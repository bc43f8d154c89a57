//! Hash banks: named sets of known content's hashes, owned by one organisation and shared with
//! others, and the rules that decide when an upload matches one.
//!
//! The file formats the field uses to move banks around live in [`formats`].

pub mod formats;
pub mod url;
pub mod vpdq;

use serde::{Deserialize, Serialize};

use crate::validation::{Checker, Invalid};

/// PDQ hashes of quality below this are unreliable: they are never added and never matched.
pub const MIN_PDQ_QUALITY: u8 = 50;
/// The PDQ distance at or under which a bank matches unless its owner chose otherwise (HMA's 31).
pub const DEFAULT_THRESHOLD: u32 = 31;
/// The largest per-bank PDQ threshold: past 63 bits, random images start to match.
pub const MAX_THRESHOLD: u32 = 63;
/// "Disabled until enabled again": 9999-12-31T23:59:59Z, a time no clock reaches.
pub const DISABLED_FOREVER: crate::Timestamp = crate::Timestamp::from_micros(253_402_300_799_000_000);
/// python-threatexchange's vPDQ rule: a query video matches a banked one when at least this
/// share of its distinct good frames is near one of the banked video's (per bank, overridable).
pub const DEFAULT_VPDQ_QUERY_PERCENT: f64 = 80.0;
/// ... and at least this share of the banked video's frames is near one of the query's.
pub const DEFAULT_VPDQ_COMPARED_PERCENT: f64 = 0.0;
/// TMK+PDQF: a query video matches a banked one when the cosine of their pure averages (level 1)
/// and their best time alignment (level 2) both reach these (`tmk-two-level-score`'s defaults;
/// per bank, overridable).
pub const DEFAULT_TMK_LEVEL1: f64 = 0.7;
pub const DEFAULT_TMK_LEVEL2: f64 = 0.7;
/// Default flood limit: matches of one entry per hour before it is quarantined.
pub const DEFAULT_FLOOD_LIMIT: u32 = 1000;

/// A kind of hash a bank holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignalType {
    /// 256-bit PDQ of an image, 64 hex digits; matched by Hamming distance.
    Pdq,
    /// MD5 of the file's bytes, 32 hex digits; matched exactly.
    Md5,
    /// SHA-256 of the file's bytes, 64 hex digits; matched exactly.
    Sha256,
    /// vPDQ of a video: one PDQ hash per hashed frame, with its quality and timestamp
    /// ([`vpdq`]); matched by python-threatexchange's rule over the frames.
    Vpdq,
    /// A URL in Vigie's canonical form ([`crate::location::CanonicalUrl`]); matched exactly.
    Url,
    /// python-threatexchange's `url_md5`: the MD5 of the URL as it normalises it
    /// ([`url::pytx_normalise`]), 32 hex digits; matched exactly.
    UrlMd5,
    /// A text (a statement, a manifesto), matched by near-duplicate similarity of its normal form
    /// (`vigie-text`); python-threatexchange's `raw_text`. Matches are for review only.
    RawText,
    /// python-threatexchange's `text_tlsh`: a TLSH digest, "T1" and 70 hex digits. For review only.
    TextTlsh,
    /// TMK+PDQF of a video: a binary `.tmk` file (263,344 bytes) that travels on its own
    /// endpoints, never in JSON. The entry's value is the file's SHA-256 (64 hex digits); the
    /// file itself is in the store. Matched in two levels (`vigie_hash::tmk`).
    Tmk,
}

/// The longest text a `raw_text` entry or a text lookup holds, in bytes.
pub const MAX_TEXT_BYTES: usize = 100_000;

impl SignalType {
    pub const ALL: [SignalType; 9] = [
        SignalType::Pdq,
        SignalType::Md5,
        SignalType::Sha256,
        SignalType::Vpdq,
        SignalType::Url,
        SignalType::UrlMd5,
        SignalType::RawText,
        SignalType::TextTlsh,
        SignalType::Tmk,
    ];

    /// Vigie's name.
    pub fn as_str(self) -> &'static str {
        match self {
            SignalType::Pdq => "pdq",
            SignalType::Md5 => "md5",
            SignalType::Sha256 => "sha256",
            SignalType::Vpdq => "vpdq",
            SignalType::Url => "url",
            SignalType::UrlMd5 => "url_md5",
            SignalType::RawText => "raw_text",
            SignalType::TextTlsh => "text_tlsh",
            SignalType::Tmk => "tmk",
        }
    }
    /// python-threatexchange's (and HMA's) name, used in the files and endpoints they read.
    pub fn pytx_name(self) -> &'static str {
        match self {
            SignalType::Pdq => "pdq",
            SignalType::Md5 => "video_md5",
            SignalType::Sha256 => "video_sha256",
            SignalType::Vpdq => "vpdq",
            SignalType::Url => "url",
            SignalType::UrlMd5 => "url_md5",
            SignalType::RawText => "raw_text",
            SignalType::TextTlsh => "text_tlsh",
            SignalType::Tmk => "tmk",
        }
    }
    /// Accepts Vigie's and python-threatexchange's names, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "pdq" => Some(SignalType::Pdq),
            "md5" | "video_md5" => Some(SignalType::Md5),
            "sha256" | "video_sha256" => Some(SignalType::Sha256),
            "vpdq" => Some(SignalType::Vpdq),
            "url" => Some(SignalType::Url),
            "url_md5" => Some(SignalType::UrlMd5),
            "raw_text" => Some(SignalType::RawText),
            "text_tlsh" => Some(SignalType::TextTlsh),
            "tmk" => Some(SignalType::Tmk),
            _ => None,
        }
    }
    /// Hex digits in a value; `None` for a vPDQ signal (a list of frames) and a URL.
    pub fn hex_len(self) -> Option<usize> {
        match self {
            SignalType::Md5 | SignalType::UrlMd5 => Some(32),
            SignalType::Pdq | SignalType::Sha256 | SignalType::Tmk => Some(64),
            SignalType::Vpdq | SignalType::Url | SignalType::RawText | SignalType::TextTlsh => None,
        }
    }
    /// Whether a match of this type is for a person to review, never automatic action: texts are
    /// quoted by news reports and research.
    pub fn is_text(self) -> bool {
        matches!(self, SignalType::RawText | SignalType::TextTlsh)
    }
    /// A canonical value as python-threatexchange writes it: a vPDQ signal's timestamps with three
    /// significant digits; every other type as it is.
    pub fn exchange_form(self, canonical: &str) -> std::borrow::Cow<'_, str> {
        match self {
            SignalType::Vpdq => match vpdq::parse(canonical) {
                Ok(frames) => vpdq::pytx(&frames).into(),
                Err(_) => canonical.into(),
            },
            _ => canonical.into(),
        }
    }
    /// Whether a value is a whole video's frames rather than one digest or hash.
    pub fn is_video_frames(self) -> bool {
        self == SignalType::Vpdq
    }
    /// Whether entries of this type are files added on their own endpoints (`.tmk`), never as a
    /// value in JSON or a line of a hash list.
    pub fn is_file(self) -> bool {
        self == SignalType::Tmk
    }
    /// The value in canonical form (lower-case hex of the right length; a vPDQ signal with
    /// its timestamps at full precision, [`vpdq::canonical`]), or why it is not one.
    pub fn normalise(self, raw: &str) -> Result<String, String> {
        let Some(hex_len) = self.hex_len() else {
            return match self {
                SignalType::Url => crate::location::CanonicalUrl::parse(raw)
                    .map(|u| u.as_str().to_owned())
                    .map_err(|e| format!("a url {e}")),
                SignalType::RawText => {
                    let t = raw.trim();
                    if t.is_empty() || t.len() > MAX_TEXT_BYTES {
                        Err(format!("a raw_text value is 1 to {MAX_TEXT_BYTES} bytes of text"))
                    } else {
                        Ok(t.to_owned())
                    }
                }
                SignalType::TextTlsh => {
                    let t = raw.trim();
                    let digits = t.strip_prefix("T1").or_else(|| t.strip_prefix("t1")).unwrap_or(t);
                    if digits.len() == 70 && digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                        Ok(format!("T1{}", digits.to_ascii_uppercase()))
                    } else {
                        Err("a text_tlsh value is \"T1\" and 70 hexadecimal digits".into())
                    }
                }
                _ => vpdq::parse(raw).map(|frames| vpdq::canonical(&frames)),
            };
        };
        let v = raw.trim().to_ascii_lowercase();
        if v.len() != hex_len || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!("a {} value is {hex_len} hexadecimal digits", self.as_str()));
        }
        Ok(v)
    }
}

/// What a match against a bank means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BankKind {
    /// Known content to act on.
    Block,
    /// Known-good content (news footage, counter-speech, false positives): a match here
    /// suppresses a block match of the same upload.
    Allow,
}

impl BankKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BankKind::Block => "block",
            BankKind::Allow => "allow",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [BankKind::Block, BankKind::Allow].into_iter().find(|k| k.as_str() == raw)
    }
}

/// How a bank is shared with another organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareMode {
    /// The organisation's lookups search the bank; it sees which entry matched, never the
    /// entry's content ids, notes or provenance.
    Match,
    /// The organisation also adds, disables and removes entries, and sees them whole.
    Curate,
}

impl ShareMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareMode::Match => "match",
            ShareMode::Curate => "curate",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [ShareMode::Match, ShareMode::Curate].into_iter().find(|k| k.as_str() == raw)
    }
}

/// What an organisation may do with a bank. Ordered: each level includes the ones before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Match,
    Curate,
    Own,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Match => "match",
            Access::Curate => "curate",
            Access::Own => "own",
        }
    }
    pub fn from_share(mode: ShareMode) -> Self {
        match mode {
            ShareMode::Match => Access::Match,
            ShareMode::Curate => Access::Curate,
        }
    }
}

/// Feedback on one entry, from someone whose lookups matched it or who curates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Agree,
    Disagree,
    FalsePositive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Disagree => "disagree",
            Verdict::FalsePositive => "false_positive",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [Verdict::Agree, Verdict::Disagree, Verdict::FalsePositive].into_iter().find(|k| k.as_str() == raw)
    }
}

/// Where a bank entry stands at an instant: the one definition the matcher filters by and every
/// listing shows. Removal wins over quarantine, quarantine over a disabling; a disabling ends at
/// its `disabled_until` instant, from which the entry matches again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryState {
    /// It matches.
    Enabled,
    /// A curator turned matching off until a time (possibly `DISABLED_FOREVER`).
    Disabled,
    /// A flood of matches turned it off until a curator releases it.
    Quarantined,
    /// Removed from its bank; kept for the record.
    Removed,
}

impl EntryState {
    /// The state of an entry removed or not, quarantined or not, disabled until `disabled_until`.
    pub fn at(
        removed: bool,
        quarantined: bool,
        disabled_until: Option<crate::Timestamp>,
        now: crate::Timestamp,
    ) -> Self {
        if removed {
            EntryState::Removed
        } else if quarantined {
            EntryState::Quarantined
        } else if disabled_until.is_some_and(|until| now < until) {
            EntryState::Disabled
        } else {
            EntryState::Enabled
        }
    }
    /// Whether lookups may answer with the entry.
    pub fn matches(self) -> bool {
        self == EntryState::Enabled
    }
    pub fn as_str(self) -> &'static str {
        match self {
            EntryState::Enabled => "enabled",
            EntryState::Disabled => "disabled",
            EntryState::Quarantined => "quarantined",
            EntryState::Removed => "removed",
        }
    }
}

/// Labels a curator puts on a bank, for filtering and reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankLabels {
    /// The group or movement the content is attributed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The sharing tier the source assigned (e.g. GIFCT's tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// The crisis the content belongs to (e.g. a content incident protocol's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crisis: Option<String>,
}

/// A bank's settings, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct BankSpec {
    pub name: String,
    pub kind: BankKind,
    pub threshold: u32,
    /// A block match opens a case for the platform that checked the upload.
    pub stay_down: bool,
    /// HMA's sampling ratio: the share of lookups that search the bank (1 = all, 0 = none).
    pub enabled_ratio: f64,
    pub labels: BankLabels,
    pub description: Option<String>,
    /// Matches of one entry within an hour after which it is quarantined; 0: never.
    pub flood_limit: u32,
    /// vPDQ: the share of a query video's good frames that must be near the banked video's
    /// (above 0, at most 100), and the share of the banked video's that must be near the query's.
    /// A frame is near within `threshold`.
    pub vpdq_query_percent: f64,
    pub vpdq_compared_percent: f64,
    /// TMK+PDQF: the level-1 and level-2 scores a banked video's match needs (each in 0..=1).
    pub tmk_level1: f64,
    pub tmk_level2: f64,
}

/// A bank's settings as submitted; `None` keeps the current value (or the default on creation).
#[derive(Clone, Debug, Default)]
pub struct RawBank {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub threshold: Option<i64>,
    pub stay_down: Option<bool>,
    pub enabled_ratio: Option<f64>,
    pub labels: Option<BankLabels>,
    pub description: Option<String>,
    pub flood_limit: Option<i64>,
    pub vpdq_query_percent: Option<f64>,
    pub vpdq_compared_percent: Option<f64>,
    pub tmk_level1: Option<f64>,
    pub tmk_level2: Option<f64>,
}

/// A bank name: 1 to 64 letters, digits, `_`, `-` or `.`, starting with a letter, digit or `_`.
/// HMA's names (`[A-Z_][A-Z0-9_]*`) are all valid.
pub fn valid_bank_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    first_ok && name.len() <= 64 && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

impl RawBank {
    /// Checks the fields over `current` (or the defaults for a new bank).
    pub fn check(self, current: Option<&BankSpec>) -> Result<BankSpec, Invalid> {
        let mut c = Checker::new();
        let name = match (self.name, current) {
            (Some(n), _) => n.trim().to_owned(),
            (None, Some(cur)) => cur.name.clone(),
            (None, None) => String::new(),
        };
        c.check(
            valid_bank_name(&name),
            "name",
            "invalid_name",
            "1 to 64 letters, digits, '_', '-' or '.', not starting with '-' or '.'",
        );
        let kind = match self.kind.as_deref() {
            Some(k) => BankKind::parse(k).unwrap_or_else(|| {
                c.push("kind", "unknown_kind", "block or allow");
                BankKind::Block
            }),
            None => current.map_or(BankKind::Block, |b| b.kind),
        };
        let threshold = match self.threshold {
            Some(t) if (0..=i64::from(MAX_THRESHOLD)).contains(&t) => t as u32,
            Some(_) => {
                c.push("threshold", "out_of_range", format!("a PDQ distance from 0 to {MAX_THRESHOLD}"));
                DEFAULT_THRESHOLD
            }
            None => current.map_or(DEFAULT_THRESHOLD, |b| b.threshold),
        };
        let enabled_ratio = match self.enabled_ratio {
            Some(r) if (0.0..=1.0).contains(&r) => r,
            Some(_) => {
                c.push("enabled_ratio", "out_of_range", "a share of lookups from 0 to 1");
                1.0
            }
            None => current.map_or(1.0, |b| b.enabled_ratio),
        };
        let flood_limit = match self.flood_limit {
            Some(f) if (0..=i64::from(u32::MAX)).contains(&f) => f as u32,
            Some(_) => {
                c.push("flood_limit", "out_of_range", "a number of matches per hour, 0 for no limit");
                DEFAULT_FLOOD_LIMIT
            }
            None => current.map_or(DEFAULT_FLOOD_LIMIT, |b| b.flood_limit),
        };
        let vpdq_query_percent = match self.vpdq_query_percent {
            Some(p) if p > 0.0 && p <= 100.0 => p,
            Some(_) => {
                c.push(
                    "vpdq_query_percent",
                    "out_of_range",
                    "a share of the query's frames above 0 and at most 100 (0 would match every video)",
                );
                DEFAULT_VPDQ_QUERY_PERCENT
            }
            None => current.map_or(DEFAULT_VPDQ_QUERY_PERCENT, |b| b.vpdq_query_percent),
        };
        let vpdq_compared_percent = match self.vpdq_compared_percent {
            Some(p) if (0.0..=100.0).contains(&p) => p,
            Some(_) => {
                c.push("vpdq_compared_percent", "out_of_range", "a share of the banked video's frames from 0 to 100");
                DEFAULT_VPDQ_COMPARED_PERCENT
            }
            None => current.map_or(DEFAULT_VPDQ_COMPARED_PERCENT, |b| b.vpdq_compared_percent),
        };
        let mut score = |raw: Option<f64>, field: &'static str, old: Option<f64>, default: f64| match raw {
            Some(v) if v > 0.0 && v <= 1.0 => v,
            Some(_) => {
                c.push(field, "out_of_range", "a TMK score above 0 and at most 1 (0 would match every video)");
                default
            }
            None => old.unwrap_or(default),
        };
        let tmk_level1 = score(self.tmk_level1, "tmk_level1", current.map(|b| b.tmk_level1), DEFAULT_TMK_LEVEL1);
        let tmk_level2 = score(self.tmk_level2, "tmk_level2", current.map(|b| b.tmk_level2), DEFAULT_TMK_LEVEL2);
        let labels = self.labels.or_else(|| current.map(|b| b.labels.clone())).unwrap_or_default();
        for (field, v) in
            [("labels.group", &labels.group), ("labels.tier", &labels.tier), ("labels.crisis", &labels.crisis)]
        {
            c.optional_text(v.as_deref(), field, 200);
            c.spreadsheet_safe(v.as_deref(), field);
        }
        let description = self.description.or_else(|| current.and_then(|b| b.description.clone()));
        c.optional_text(description.as_deref(), "description", 2000);
        c.finish()?;
        Ok(BankSpec {
            name,
            kind,
            threshold,
            stay_down: self.stay_down.unwrap_or(current.is_some_and(|b| b.stay_down)),
            enabled_ratio,
            labels,
            description,
            flood_limit,
            vpdq_query_percent,
            vpdq_compared_percent,
            tmk_level1,
            tmk_level2,
        })
    }
}

/// The outcome of checking one upload against the banks its platform may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadVerdict {
    /// No bank matched.
    NoMatch,
    /// A block bank matched and no allow bank did.
    Match,
    /// A block bank matched, but so did an allow bank: the allow bank wins.
    Allowed,
    /// Only matches a person must look at: a banked video found as a clip inside a longer
    /// upload, or a banked text. Never automatic action.
    Review,
}

impl UploadVerdict {
    /// From whether any block bank matched for action, any matched for review only (a clip, a
    /// text), and any allow bank matched.
    pub fn of(block: bool, review: bool, allow: bool) -> Self {
        match (block, review, allow) {
            (false, false, _) => UploadVerdict::NoMatch,
            (_, _, true) => UploadVerdict::Allowed,
            (true, _, false) => UploadVerdict::Match,
            (false, true, false) => UploadVerdict::Review,
        }
    }
    /// Whether a stay-down case is opened for a person to decide.
    pub fn opens_case(self) -> bool {
        matches!(self, UploadVerdict::Match | UploadVerdict::Review)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            UploadVerdict::NoMatch => "no_match",
            UploadVerdict::Match => "match",
            UploadVerdict::Allowed => "allowed",
            UploadVerdict::Review => "review",
        }
    }
}

words! {
    /// What a job does.
    pub enum JobKind {
        /// A platform's video upload, checked against the banks it may use.
        UploadCheck => "upload_check",
        /// A video sent to HMA's `POST /h/hash`: its `video_md5` and `vpdq`.
        HmaHash => "hma_hash",
        /// A video sent to HMA's `POST /m/lookup`: its matches per signal type and bank.
        HmaLookup => "hma_lookup",
    }
}

words! {
    /// Where a job (a video being hashed or checked) stands.
    pub enum JobState {
        /// Received and on disk; waiting for a decoder.
        Queued => "queued",
        /// Being decoded and checked.
        Running => "running",
        /// Checked: the answer is in the job.
        Done => "done",
        /// Refused or broken: the job says why, with a stable code.
        Failed => "failed",
    }
}

impl JobState {
    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
}

/// A flood check over fixed one-hour windows: how many matches an entry had in the current
/// window, and whether one more crosses `limit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloodCounter {
    /// The window's start, in hours since the epoch.
    pub window: i64,
    pub count: u32,
}

impl FloodCounter {
    /// Counts one match at `hour`; `true` when it makes the count exceed `limit` (0: no limit).
    pub fn hit(&mut self, hour: i64, limit: u32) -> bool {
        if self.window != hour {
            *self = FloodCounter { window: hour, count: 0 };
        }
        self.count = self.count.saturating_add(1);
        limit > 0 && self.count > limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_entry_matches_again_at_its_disabled_until_instant() {
        let until = crate::Timestamp::from_micros(1_000_000);
        let at = |now: i64| EntryState::at(false, false, Some(until), crate::Timestamp::from_micros(now));
        assert_eq!(at(999_999), EntryState::Disabled);
        assert_eq!(at(1_000_000), EntryState::Enabled, "the disabling ends at its instant");
        assert!(at(1_000_000).matches() && !at(999_999).matches());
        let now = crate::Timestamp::from_micros(0);
        assert_eq!(EntryState::at(false, false, None, now), EntryState::Enabled);
        assert_eq!(EntryState::at(false, true, Some(until), now), EntryState::Quarantined);
        assert_eq!(EntryState::at(true, true, Some(until), now), EntryState::Removed);
        assert!(!EntryState::at(false, true, None, now).matches());
        assert!(!EntryState::at(true, false, None, now).matches());
    }

    #[test]
    fn signal_types_accept_both_vocabularies_and_normalise_values() {
        assert_eq!(SignalType::parse("video_md5"), Some(SignalType::Md5));
        assert_eq!(SignalType::parse("MD5"), Some(SignalType::Md5));
        assert_eq!(SignalType::parse("TMK"), Some(SignalType::Tmk));
        assert_eq!(SignalType::parse("VPDQ"), Some(SignalType::Vpdq));
        let frame = format!("\"{},80,0.5\"", "AB".repeat(32));
        assert_eq!(SignalType::Vpdq.normalise(&format!("[{frame}]")), Ok(format!("[\"{},80,0.5\"]", "ab".repeat(32))));
        assert!(SignalType::Vpdq.normalise("[]").is_err());
        assert!(SignalType::Vpdq.normalise(&"a".repeat(64)).is_err());
        assert_eq!(SignalType::Url.normalise("HTTPS://A.example/x/?utm_source=t#f"), Ok("https://a.example/x".into()));
        assert!(SignalType::Url.normalise("javascript:alert(1)").is_err());
        assert_eq!(SignalType::parse("url_md5"), Some(SignalType::UrlMd5));
        assert_eq!(SignalType::RawText.normalise("  A statement.  "), Ok("A statement.".into()));
        assert!(SignalType::RawText.normalise("   ").is_err());
        let tlsh = format!("t1{}", "ab".repeat(35));
        assert_eq!(SignalType::TextTlsh.normalise(&tlsh), Ok(format!("T1{}", "AB".repeat(35))));
        assert!(SignalType::TextTlsh.normalise("T1abc").is_err());
        assert_eq!(
            SignalType::Md5.normalise(" D41D8CD98F00B204E9800998ECF8427E "),
            Ok("d41d8cd98f00b204e9800998ecf8427e".into())
        );
        assert!(SignalType::Pdq.normalise("abc").is_err());
        assert!(SignalType::Sha256.normalise(&"g".repeat(64)).is_err());
    }

    #[test]
    fn bank_names_follow_hma_and_reject_the_rest() {
        assert!(valid_bank_name("TERROR_CONTENT"));
        assert!(valid_bank_name("gifct-2026.tier1"));
        assert!(!valid_bank_name(""));
        assert!(!valid_bank_name("-x"));
        assert!(!valid_bank_name("a b"));
        assert!(!valid_bank_name(&"a".repeat(65)));
    }

    #[test]
    fn a_new_bank_gets_defaults_and_an_update_keeps_what_it_does_not_name() {
        let spec = RawBank { name: Some("B".into()), ..Default::default() }.check(None).unwrap();
        assert_eq!((spec.kind, spec.threshold, spec.enabled_ratio), (BankKind::Block, 31, 1.0));
        let updated = RawBank { threshold: Some(10), ..Default::default() }.check(Some(&spec)).unwrap();
        assert_eq!((updated.name.as_str(), updated.threshold), ("B", 10));
        let bad =
            RawBank { threshold: Some(64), enabled_ratio: Some(1.5), kind: Some("x".into()), ..Default::default() }
                .check(Some(&spec))
                .unwrap_err();
        assert_eq!(bad.errors().len(), 3);
        assert_eq!((spec.vpdq_query_percent, spec.vpdq_compared_percent), (80.0, 0.0), "pytx's defaults");
        let video = RawBank { vpdq_query_percent: Some(0.0), vpdq_compared_percent: Some(100.5), ..Default::default() }
            .check(Some(&spec))
            .unwrap_err();
        let fields: Vec<&str> = video.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["vpdq_query_percent", "vpdq_compared_percent"], "0 % would match every video");
        let tuned = RawBank { vpdq_query_percent: Some(50.0), ..Default::default() }.check(Some(&spec)).unwrap();
        assert_eq!((tuned.vpdq_query_percent, tuned.vpdq_compared_percent), (50.0, 0.0));
    }

    #[test]
    fn labels_a_spreadsheet_would_run_are_refused() {
        for bad in ["=1+1", "+cmd", "-1", "@x", "\tx", "\rx"] {
            let labels = BankLabels { group: Some("ok".into()), tier: Some(bad.into()), crisis: None };
            let err =
                RawBank { name: Some("B".into()), labels: Some(labels), ..Default::default() }.check(None).unwrap_err();
            let found: Vec<_> = err.errors().iter().map(|e| (e.field.as_str(), e.code)).collect();
            assert_eq!(found, [("labels.tier", "formula_like")], "{bad:?}");
        }
        let labels = BankLabels { group: Some("group-a".into()), tier: Some("1".into()), crisis: Some("c=1".into()) };
        assert!(RawBank { name: Some("B".into()), labels: Some(labels), ..Default::default() }.check(None).is_ok());
    }

    #[test]
    fn an_allow_match_suppresses_a_block_match() {
        assert_eq!(UploadVerdict::of(true, false, true), UploadVerdict::Allowed);
        assert_eq!(UploadVerdict::of(true, false, false), UploadVerdict::Match);
        assert_eq!(UploadVerdict::of(false, false, true), UploadVerdict::NoMatch);
        // A clip inside a longer upload is for a person: never a match an automation acts on.
        assert_eq!(UploadVerdict::of(false, true, false), UploadVerdict::Review);
        assert_eq!(UploadVerdict::of(true, true, false), UploadVerdict::Match);
        assert_eq!(UploadVerdict::of(false, true, true), UploadVerdict::Allowed);
        assert!(UploadVerdict::Review.opens_case() && !UploadVerdict::Allowed.opens_case());
    }

    #[test]
    fn the_flood_counter_trips_past_the_limit_and_resets_each_hour() {
        let mut f = FloodCounter::default();
        assert!(!(0..3).any(|_| f.hit(7, 3)));
        assert!(f.hit(7, 3));
        assert!(!f.hit(8, 3));
        assert!(!(0..100).any(|_| f.hit(9, 0)));
    }
}
