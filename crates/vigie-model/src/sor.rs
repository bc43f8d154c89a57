//! Statements of reasons (DSA art. 17) in the schema (version 2) of the Commission's DSA
//! Transparency Database, with its validation rules: the enumerations, the fields that one value
//! makes required and another forbids, lengths, date ranges, the `puid` pattern and batches of 1
//! to 100. Pure: the application gives the facts, this module shapes and checks them.
//!
//! `decision_facts` and the explanations go through [`scrub`] first: the database must never
//! receive personal data (DSA art. 24(5)).

use serde::Serialize;

use crate::validation::Checker;

words! {
    /// Where a statement of reasons stands on its way to the Transparency Database.
    pub enum SubmissionState {
        /// Waiting for its next attempt.
        Pending => "pending",
        /// The database accepted it.
        Submitted => "submitted",
        /// The database refused it (the record says why); it is not tried again.
        Rejected => "rejected",
        /// It owes none: a removal order's, left out by the platform's setting.
        Skipped => "skipped",
    }
}

/// `decision_visibility` values.
pub const DECISION_VISIBILITY: [&str; 7] = [
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
];
pub const DECISION_MONETARY: [&str; 3] =
    ["DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"];
pub const DECISION_PROVISION: [&str; 4] = [
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
];
pub const DECISION_ACCOUNT: [&str; 2] = ["DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"];
pub const ACCOUNT_TYPE: [&str; 2] = ["ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"];
pub const DECISION_GROUND: [&str; 2] = ["DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"];
pub const CONTENT_TYPE: [&str; 8] = [
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
];
pub const SOURCE_TYPE: [&str; 4] =
    ["SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"];
pub const AUTOMATED_DECISION: [&str; 3] =
    ["AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"];
pub const CATEGORY: [&str; 16] = [
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
];
/// The `category_specification` keywords Vigie uses (the schema has 69; these are the ones a
/// terrorist-content system emits).
pub const KEYWORDS: [&str; 5] = [
    "KEYWORD_TERRORIST_CONTENT",
    "KEYWORD_ILLEGAL_ORGANIZATIONS",
    "KEYWORD_INCITEMENT_VIOLENCE_HATRED",
    "KEYWORD_COORDINATED_HARM",
    "KEYWORD_OTHER",
];
/// Territories the database accepts: the EEA (EU-27, Iceland, Liechtenstein, Norway).
pub const EEA: [&str; 30] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT",
    "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
];
/// The most statements one batch may carry.
pub const MAX_BATCH: usize = 100;

/// One statement of reasons, as the database's `POST /api/v1/statement(s)` takes it. Absent
/// optional fields are left out of the JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_visibility: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_visibility_other: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_monetary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_monetary_other: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_provision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    pub decision_ground: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_ground_reference_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_legal_ground: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub illegal_content_explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_ground: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_explanation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible_content_illegal: Option<String>,
    pub content_type: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type_other: Option<String>,
    pub category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_addition: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_specification: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_specification_other: Option<String>,
    pub territorial_scope: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_language: Option<String>,
    /// `YYYY-MM-DD`.
    pub content_date: String,
    pub application_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_visibility_restriction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_account_restriction: Option<String>,
    pub decision_facts: String,
    pub source_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// `Yes` or `No`.
    pub automated_detection: String,
    pub automated_decision: String,
    pub puid: String,
}

fn one_of(c: &mut Checker, field: &str, value: &str, allowed: &[&str]) {
    c.check(allowed.contains(&value), field, "unknown_value", &format!("{value} is not one of the schema's values"));
}

fn date_in(c: &mut Checker, field: &str, value: &str, from: &str, to: &str) {
    let shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shaped {
        c.push(field, "invalid_date", "must be YYYY-MM-DD");
        return;
    }
    // ISO dates of the same shape compare as text.
    c.check(value >= from && value <= to, field, "out_of_range", &format!("must be between {from} and {to}"));
}

fn max_len(c: &mut Checker, field: &str, value: Option<&str>, max: usize) {
    c.optional_text(value, field, max);
}

/// `required iff`: present exactly when the condition holds.
fn iff(c: &mut Checker, field: &str, value: &Option<String>, condition: bool, why: &str) {
    match (value.as_deref().map(str::trim).filter(|v| !v.is_empty()), condition) {
        (None, true) => c.push(field, "required", format!("required when {why}")),
        (Some(_), false) => c.push(field, "not_allowed", format!("only allowed when {why}")),
        _ => {}
    }
}

impl Statement {
    /// Checks the statement against the database's documented rules (schema v2).
    pub fn check(&self) -> Result<(), crate::Invalid> {
        let mut c = Checker::new();
        let has_visibility = self.decision_visibility.as_ref().is_some_and(|v| !v.is_empty());
        c.check(
            has_visibility
                || self.decision_monetary.is_some()
                || self.decision_provision.is_some()
                || self.decision_account.is_some(),
            "decision_visibility",
            "required",
            "at least one of decision_visibility, decision_monetary, decision_provision, decision_account",
        );
        for v in self.decision_visibility.iter().flatten() {
            one_of(&mut c, "decision_visibility", v, &DECISION_VISIBILITY);
        }
        let vis_other = self.decision_visibility.iter().flatten().any(|v| v == "DECISION_VISIBILITY_OTHER");
        iff(
            &mut c,
            "decision_visibility_other",
            &self.decision_visibility_other,
            vis_other,
            "decision_visibility has DECISION_VISIBILITY_OTHER",
        );
        max_len(&mut c, "decision_visibility_other", self.decision_visibility_other.as_deref(), 500);
        if let Some(v) = &self.decision_monetary {
            one_of(&mut c, "decision_monetary", v, &DECISION_MONETARY);
        }
        let mon_other = self.decision_monetary.as_deref() == Some("DECISION_MONETARY_OTHER");
        iff(
            &mut c,
            "decision_monetary_other",
            &self.decision_monetary_other,
            mon_other,
            "decision_monetary is DECISION_MONETARY_OTHER",
        );
        max_len(&mut c, "decision_monetary_other", self.decision_monetary_other.as_deref(), 500);
        if let Some(v) = &self.decision_provision {
            one_of(&mut c, "decision_provision", v, &DECISION_PROVISION);
        }
        if let Some(v) = &self.decision_account {
            one_of(&mut c, "decision_account", v, &DECISION_ACCOUNT);
        }
        if let Some(v) = &self.account_type {
            one_of(&mut c, "account_type", v, &ACCOUNT_TYPE);
        }
        one_of(&mut c, "decision_ground", &self.decision_ground, &DECISION_GROUND);
        max_len(&mut c, "decision_ground_reference_url", self.decision_ground_reference_url.as_deref(), 500);
        let illegal = self.decision_ground == "DECISION_GROUND_ILLEGAL_CONTENT";
        let incompatible = self.decision_ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT";
        let why_illegal = "decision_ground is DECISION_GROUND_ILLEGAL_CONTENT";
        let why_incompatible = "decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT";
        iff(&mut c, "illegal_content_legal_ground", &self.illegal_content_legal_ground, illegal, why_illegal);
        iff(&mut c, "illegal_content_explanation", &self.illegal_content_explanation, illegal, why_illegal);
        iff(&mut c, "incompatible_content_ground", &self.incompatible_content_ground, incompatible, why_incompatible);
        iff(
            &mut c,
            "incompatible_content_explanation",
            &self.incompatible_content_explanation,
            incompatible,
            why_incompatible,
        );
        max_len(&mut c, "illegal_content_legal_ground", self.illegal_content_legal_ground.as_deref(), 500);
        max_len(&mut c, "illegal_content_explanation", self.illegal_content_explanation.as_deref(), 2000);
        max_len(&mut c, "incompatible_content_ground", self.incompatible_content_ground.as_deref(), 500);
        max_len(&mut c, "incompatible_content_explanation", self.incompatible_content_explanation.as_deref(), 2000);
        if let Some(v) = &self.incompatible_content_illegal {
            c.check(
                incompatible,
                "incompatible_content_illegal",
                "not_allowed",
                "only with DECISION_GROUND_INCOMPATIBLE_CONTENT",
            );
            c.check(v == "Yes" || v == "No", "incompatible_content_illegal", "unknown_value", "must be Yes or No");
        }
        c.check(!self.content_type.is_empty(), "content_type", "required", "at least one content type");
        for v in &self.content_type {
            one_of(&mut c, "content_type", v, &CONTENT_TYPE);
        }
        let ct_other = self.content_type.iter().any(|v| v == "CONTENT_TYPE_OTHER");
        iff(&mut c, "content_type_other", &self.content_type_other, ct_other, "content_type has CONTENT_TYPE_OTHER");
        max_len(&mut c, "content_type_other", self.content_type_other.as_deref(), 500);
        one_of(&mut c, "category", &self.category, &CATEGORY);
        for v in self.category_addition.iter().flatten() {
            one_of(&mut c, "category_addition", v, &CATEGORY);
        }
        for v in self.category_specification.iter().flatten() {
            c.check(
                v.starts_with("KEYWORD_"),
                "category_specification",
                "unknown_value",
                "keywords start with KEYWORD_",
            );
        }
        max_len(&mut c, "category_specification_other", self.category_specification_other.as_deref(), 500);
        c.check(!self.territorial_scope.is_empty(), "territorial_scope", "required", "at least one EEA country");
        for v in &self.territorial_scope {
            one_of(&mut c, "territorial_scope", v, &EEA);
        }
        if let Some(l) = &self.content_language {
            c.check(
                l.len() == 2 && l.bytes().all(|b| b.is_ascii_uppercase()),
                "content_language",
                "invalid_language",
                "an upper-case ISO 639-1 code",
            );
        }
        date_in(&mut c, "content_date", &self.content_date, "2000-01-01", "2038-01-01");
        date_in(&mut c, "application_date", &self.application_date, "2020-01-01", "2038-01-01");
        for (field, end) in [
            ("end_date_visibility_restriction", &self.end_date_visibility_restriction),
            ("end_date_account_restriction", &self.end_date_account_restriction),
        ] {
            if let Some(end) = end {
                date_in(&mut c, field, end, &self.application_date, "2038-01-01");
            }
        }
        c.text(Some(&self.decision_facts), "decision_facts", 5000);
        one_of(&mut c, "source_type", &self.source_type, &SOURCE_TYPE);
        max_len(&mut c, "source_identity", self.source_identity.as_deref(), 500);
        c.check(
            self.automated_detection == "Yes" || self.automated_detection == "No",
            "automated_detection",
            "unknown_value",
            "must be Yes or No",
        );
        one_of(&mut c, "automated_decision", &self.automated_decision, &AUTOMATED_DECISION);
        c.check(
            !self.puid.is_empty()
                && self.puid.len() <= 500
                && self.puid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "puid",
            "invalid_puid",
            "1 to 500 characters of letters, digits, _ and -",
        );
        c.finish()
    }
}

/// Checks a batch: 1 to 100 statements, each valid, no `puid` twice. Errors are keyed
/// `statement_<index>.<field>`, as the database keys them.
pub fn check_batch(statements: &[Statement]) -> Result<(), crate::Invalid> {
    let mut c = Checker::new();
    c.check(!statements.is_empty(), "statements", "required", "a batch holds 1 to 100 statements");
    c.check(statements.len() <= MAX_BATCH, "statements", "too_many", "a batch holds 1 to 100 statements");
    let mut seen = std::collections::HashSet::new();
    for (i, s) in statements.iter().enumerate() {
        if !seen.insert(s.puid.as_str()) {
            c.push(format!("statement_{i}.puid"), "duplicate_puid", "the puid appears twice in the batch");
        }
        if let Err(e) = s.check() {
            for fe in e.errors() {
                c.push(format!("statement_{i}.{}", fe.field), fe.code, fe.message.clone());
            }
        }
    }
    c.finish()
}

/// Removes what could identify a person from a free text before it leaves for the database:
/// e-mail addresses, URLs, @handles, telephone numbers and IP addresses become placeholders.
pub fn scrub(text: &str) -> String {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let bare = word.trim_matches(|c: char| ",;:()[]<>\"'!?".contains(c));
        let replaced = if bare.contains('@') && bare.len() > 1 && !bare.starts_with('@') {
            Some("[e-mail]")
        } else if bare.starts_with('@') && bare.len() > 1 {
            Some("[handle]")
        } else if bare.starts_with("http://") || bare.starts_with("https://") || bare.starts_with("www.") {
            Some("[link]")
        } else if looks_like_phone(bare) {
            Some("[phone]")
        } else if looks_like_ip(bare) {
            Some("[address]")
        } else {
            None
        };
        match replaced {
            Some(r) => out.push(word.replace(bare, r)),
            None => out.push(word.to_owned()),
        }
    }
    out.join(" ")
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    digits >= 8
        && s.bytes().all(|b| b.is_ascii_digit() || b"+-.()/".contains(&b))
        && !s.contains("..")
        && s.bytes().filter(|b| *b == b'.').count() != 3
}

fn looks_like_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn valid() -> Statement {
        Statement {
            decision_visibility: Some(vec!["DECISION_VISIBILITY_CONTENT_REMOVED".into()]),
            decision_ground: "DECISION_GROUND_ILLEGAL_CONTENT".into(),
            decision_ground_reference_url: Some("https://eur-lex.europa.eu/eli/reg/2021/784/oj".into()),
            illegal_content_legal_ground: Some("Regulation (EU) 2021/784 art. 2(7)(a)".into()),
            illegal_content_explanation: Some("glorifies an attack".into()),
            content_type: vec!["CONTENT_TYPE_VIDEO".into()],
            category: "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY".into(),
            category_specification: Some(vec!["KEYWORD_TERRORIST_CONTENT".into()]),
            territorial_scope: vec!["FR".into(), "DE".into()],
            content_date: "2026-11-01".into(),
            application_date: "2026-11-30".into(),
            decision_facts: "Removed after a notice.".into(),
            source_type: "SOURCE_ARTICLE_16".into(),
            automated_detection: "No".into(),
            automated_decision: "AUTOMATED_DECISION_NOT_AUTOMATED".into(),
            puid: "dec_0123abcd".into(),
            ..Default::default()
        }
    }

    fn fields(s: &Statement) -> Vec<(String, &'static str)> {
        s.check().unwrap_err().errors().iter().map(|e| (e.field.clone(), e.code)).collect()
    }

    #[test]
    fn a_complete_statement_passes_and_serialises_without_absent_fields() {
        let s = valid();
        s.check().unwrap();
        let json = serde_json::to_value(&s).unwrap();
        assert!(json.get("decision_monetary").is_none());
        assert_eq!(json["puid"], "dec_0123abcd");
    }

    #[test]
    fn the_conditional_rules_hold_both_ways() {
        let mut s = valid();
        s.illegal_content_legal_ground = None;
        s.incompatible_content_ground = Some("4.2".into());
        assert_eq!(
            fields(&s),
            [
                ("illegal_content_legal_ground".into(), "required"),
                ("incompatible_content_ground".into(), "not_allowed")
            ]
        );
        let mut s = valid();
        s.decision_visibility = Some(vec!["DECISION_VISIBILITY_OTHER".into()]);
        assert_eq!(fields(&s), [("decision_visibility_other".into(), "required")]);
        let mut s = valid();
        s.content_type = vec!["CONTENT_TYPE_OTHER".into()];
        assert_eq!(fields(&s), [("content_type_other".into(), "required")]);
        let mut s = valid();
        s.decision_visibility = None;
        assert_eq!(fields(&s), [("decision_visibility".into(), "required")]);
        s.decision_account = Some("DECISION_ACCOUNT_SUSPENDED".into());
        s.check().unwrap();
    }

    #[test]
    fn enumerations_dates_languages_and_puids_are_checked() {
        let mut s = valid();
        s.category = "STATEMENT_CATEGORY_TERRORISM".into();
        s.territorial_scope = vec!["US".into()];
        s.content_date = "1999-12-31".into();
        s.application_date = "2026-13-01".into();
        s.content_language = Some("fr".into());
        s.puid = "dec 1".into();
        s.automated_detection = "yes".into();
        let got: Vec<_> = fields(&s).into_iter().map(|(f, _)| f).collect();
        for f in ["category", "territorial_scope", "content_date", "content_language", "puid", "automated_detection"] {
            assert!(got.contains(&f.to_owned()), "{f} in {got:?}");
        }
        let mut s = valid();
        s.end_date_visibility_restriction = Some("2026-11-29".into());
        assert_eq!(fields(&s), [("end_date_visibility_restriction".into(), "out_of_range")]);
    }

    #[test]
    fn batches_hold_one_to_a_hundred_statements_with_unique_puids() {
        assert!(check_batch(&[]).is_err());
        assert!(check_batch(&vec![valid(); 1]).is_ok());
        let many: Vec<_> = (0..101)
            .map(|i| {
                let mut s = valid();
                s.puid = format!("p{i}");
                s
            })
            .collect();
        assert!(check_batch(&many).is_err());
        assert!(check_batch(&many[..100]).is_ok());
        let mut twice = vec![valid(), valid()];
        twice[1].category = "nope".into();
        let codes: Vec<_> = check_batch(&twice).unwrap_err().errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(codes, ["statement_1.puid", "statement_1.category"]);
    }

    #[test]
    fn scrubbing_removes_what_identifies_people() {
        let text = "Reported by jane.doe@example.org (@jdoe) from 192.168.1.20, call +33 6 12 34 56 78 or +33612345678; \
                    see https://video.example/u/jane. The video praises the attack.";
        let s = scrub(text);
        for gone in ["jane.doe@example.org", "@jdoe", "192.168.1.20", "+33612345678", "https://video.example/u/jane"] {
            assert!(!s.contains(gone), "{gone} left in {s}");
        }
        assert!(s.contains("The video praises the attack."), "{s}");
        assert!(s.contains("[e-mail]") && s.contains("[handle]") && s.contains("[link]"), "{s}");
    }
}
