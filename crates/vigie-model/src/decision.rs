//! Decisions: what a platform did about a case, on which ground, where.
//!
//! A restrictive action cannot be built without a ground: [`Decision::Restrictive`] holds one by
//! construction, and [`RawDecision::check`] is the only way to make a decision from input.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::org::{EU_MEMBER_STATES, MemberState};
use crate::validation::Checker;

/// What the platform did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Removed the content (or terminated the account) everywhere.
    Remove,
    /// Disabled access in the listed territories.
    Disable,
    /// Restricted visibility (demotion, age gate, no recommendation).
    Restrict,
    /// Kept it up with a label or interstitial.
    Label,
    /// Suspended the account.
    SuspendAccount,
    /// Took no action.
    NoAction,
    /// Kept it up: disseminated for a purpose protected by TCO art. 1(3), so not terrorist content.
    Exempt,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Remove,
        Action::Disable,
        Action::Restrict,
        Action::Label,
        Action::SuspendAccount,
        Action::NoAction,
        Action::Exempt,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Remove => "remove",
            Action::Disable => "disable",
            Action::Restrict => "restrict",
            Action::Label => "label",
            Action::SuspendAccount => "suspend_account",
            Action::NoAction => "no_action",
            Action::Exempt => "exempt",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
    /// Whether the action restricts the content or account (and so owes a notice and a ground).
    pub fn is_restrictive(self) -> bool {
        !matches!(self, Action::NoAction | Action::Exempt)
    }
}

/// How a `restrict` decision limits the content's visibility: the Transparency Database's types of
/// visibility restriction (DSA art. 17(3)(a) asks for the type of measure).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Restriction {
    /// Shown lower or less often (ranking, recommendations, search).
    Demoted,
    /// Shown only to adults.
    AgeRestricted,
    /// Kept visible with sharing, replies or other interaction turned off.
    InteractionRestricted,
    /// Another restriction, described in words.
    Other,
}

impl Restriction {
    pub const ALL: [Restriction; 4] =
        [Restriction::Demoted, Restriction::AgeRestricted, Restriction::InteractionRestricted, Restriction::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Restriction::Demoted => "demoted",
            Restriction::AgeRestricted => "age_restricted",
            Restriction::InteractionRestricted => "interaction_restricted",
            Restriction::Other => "other",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }
}

/// The longest description of an `other` restriction (the database's `decision_visibility_other`).
pub const RESTRICTION_OTHER_MAX: usize = 500;

/// Where a legal basis applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Jurisdiction {
    /// Union law: may ground a decision in every member state.
    Eu,
    /// One member state's law: may ground a decision in that state only.
    National(MemberState),
}

impl Jurisdiction {
    pub fn code(&self) -> &'static str {
        match self {
            Jurisdiction::Eu => "EU",
            Jurisdiction::National(ms) => ms.code(),
        }
    }
}

/// One entry of the legal-basis taxonomy (`data/legal-bases.json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegalBasis {
    /// Stable id, e.g. `eu.tco.2-7-a`. Never reused for another provision.
    pub id: String,
    pub title: String,
    /// The provision, as a lawyer would cite it.
    pub citation: String,
    /// The offence it refers to (Directive (EU) 2017/541 for the TCO types).
    pub offence_reference: String,
    pub jurisdiction: Jurisdiction,
    /// Whether it defines terrorist content (so a purpose assessment under TCO art. 1(3) applies).
    pub terrorist_content: bool,
    /// The art. 2(7) letter, for the five TCO types.
    pub tco_type: Option<String>,
    /// Where the text of the law can be read.
    pub reference_url: String,
    /// The taxonomy version that added it.
    pub since_version: u32,
    /// The taxonomy version that retired it: decisions taken before keep citing it, no new
    /// decision may. Ids are never removed nor reused.
    pub retired_in_version: Option<u32>,
    /// The ids that replace a retired basis (e.g. one offence split in two).
    pub superseded_by: Vec<String>,
}

impl LegalBasis {
    /// Whether new decisions may cite it.
    pub fn is_current(&self) -> bool {
        self.retired_in_version.is_none()
    }
}

/// The versioned legal-basis taxonomy. Ids are only ever added: a decision names a basis by id
/// and records the version it was taken under.
#[derive(Clone, Debug)]
pub struct Taxonomy {
    pub version: u32,
    pub published: String,
    pub bases: Vec<LegalBasis>,
}

/// The taxonomy file as it is kept in the repository.
pub const TAXONOMY_JSON: &str = include_str!("../data/legal-bases.json");

#[derive(Deserialize)]
struct RawTaxonomy {
    version: u32,
    published: String,
    bases: Vec<RawBasis>,
}

#[derive(Deserialize)]
struct RawBasis {
    id: String,
    title: String,
    citation: String,
    offence_reference: String,
    jurisdiction: String,
    terrorist_content: bool,
    tco_type: Option<String>,
    reference_url: String,
    since_version: u32,
    #[serde(default)]
    retired_in_version: Option<u32>,
    #[serde(default)]
    superseded_by: Vec<String>,
}

impl Taxonomy {
    /// Reads and checks a taxonomy file: unique ids, known jurisdictions, versions in range.
    pub fn parse(json: &str) -> Result<Taxonomy, String> {
        let raw: RawTaxonomy = serde_json::from_str(json).map_err(|e| format!("legal-bases.json: {e}"))?;
        let mut bases = Vec::with_capacity(raw.bases.len());
        for b in raw.bases {
            let jurisdiction = match b.jurisdiction.as_str() {
                "EU" => Jurisdiction::Eu,
                code => Jurisdiction::National(
                    MemberState::parse(code).ok_or_else(|| format!("{}: unknown jurisdiction {code}", b.id))?,
                ),
            };
            if bases.iter().any(|x: &LegalBasis| x.id == b.id) {
                return Err(format!("{}: listed twice", b.id));
            }
            if b.since_version == 0 || b.since_version > raw.version {
                return Err(format!("{}: since_version {} is outside 1..={}", b.id, b.since_version, raw.version));
            }
            if b.tco_type.is_some() && jurisdiction != Jurisdiction::Eu {
                return Err(format!("{}: a TCO type is Union law", b.id));
            }
            match b.retired_in_version {
                Some(r) if r <= b.since_version || r > raw.version => {
                    return Err(format!(
                        "{}: retired_in_version {r} is outside {}..={}",
                        b.id,
                        b.since_version + 1,
                        raw.version
                    ));
                }
                None if !b.superseded_by.is_empty() => {
                    return Err(format!("{}: only a retired basis is superseded", b.id));
                }
                _ => {}
            }
            bases.push(LegalBasis {
                id: b.id,
                title: b.title,
                citation: b.citation,
                offence_reference: b.offence_reference,
                jurisdiction,
                terrorist_content: b.terrorist_content,
                tco_type: b.tco_type,
                reference_url: b.reference_url,
                since_version: b.since_version,
                retired_in_version: b.retired_in_version,
                superseded_by: b.superseded_by,
            });
        }
        for b in &bases {
            for s in &b.superseded_by {
                if !bases.iter().any(|x| &x.id == s && x.is_current()) {
                    return Err(format!("{}: superseded by {s}, which is not a current basis", b.id));
                }
            }
        }
        Ok(Taxonomy { version: raw.version, published: raw.published, bases })
    }
    pub fn get(&self, id: &str) -> Option<&LegalBasis> {
        self.bases.iter().find(|b| b.id == id)
    }
}

/// The taxonomy built into this binary.
pub fn taxonomy() -> &'static Taxonomy {
    static TAXONOMY: std::sync::OnceLock<Taxonomy> = std::sync::OnceLock::new();
    TAXONOMY.get_or_init(|| Taxonomy::parse(TAXONOMY_JSON).expect("data/legal-bases.json is checked by the tests"))
}

pub fn legal_basis(id: &str) -> Option<&'static LegalBasis> {
    taxonomy().get(id)
}

/// A platform's own terms-and-conditions clause, registered through the API before a decision
/// may cite it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TermsClause {
    /// The registered clause's id (`tcl_...`).
    pub id: String,
    /// The platform's own numbering, e.g. `4.2`.
    pub code: String,
    pub title: String,
    pub url: Option<String>,
}

/// The ground of a restrictive decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ground {
    /// Illegal content under a basis of the taxonomy.
    Law(&'static LegalBasis),
    /// Incompatible with the platform's terms: the registered clause cited.
    Terms(TermsClause),
}

/// The true purpose of the dissemination, as assessed under TCO art. 1(3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Educational,
    Journalistic,
    Artistic,
    Research,
    CounteringTerrorism,
    PublicDebate,
    /// None of the protected purposes applies.
    None,
}

impl Purpose {
    pub const ALL: [Purpose; 7] = [
        Purpose::Educational,
        Purpose::Journalistic,
        Purpose::Artistic,
        Purpose::Research,
        Purpose::CounteringTerrorism,
        Purpose::PublicDebate,
        Purpose::None,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Educational => "educational",
            Purpose::Journalistic => "journalistic",
            Purpose::Artistic => "artistic",
            Purpose::Research => "research",
            Purpose::CounteringTerrorism => "countering_terrorism",
            Purpose::PublicDebate => "public_debate",
            Purpose::None => "none",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// A purpose assessment with the reviewer's reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurposeAssessment {
    pub purpose: Purpose,
    pub rationale: String,
}

/// Facts about how the decision was reached, recorded with every decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Automation {
    pub detection: bool,
    pub decision: bool,
}

/// A checked decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Restrictive {
        action: Action,
        ground: Ground,
        /// Member states where the restriction applies. Invariant: not empty, sorted, deduplicated.
        scope: Vec<MemberState>,
        purpose: Option<PurposeAssessment>,
        automation: Automation,
        /// The statement of reasons: the facts relied on and why they make the content illegal or
        /// incompatible with the clause (DSA art. 17(3)(b), (d), (e)). Invariant: not blank.
        explanation: String,
        /// `restrict` only, and always for it: the type of restriction, with its description when
        /// `Other` (DSA art. 17(3)(a)).
        restriction: Option<(Restriction, Option<String>)>,
        /// When the measure ends (DSA art. 17(3)(a): its duration). Always set for a suspension;
        /// never for a removal. Invariant: after the decision.
        until: Option<Timestamp>,
        /// The day the content was uploaded (or the account created), `YYYY-MM-DD`, when the
        /// platform knows it.
        content_date: Option<String>,
    },
    NoAction {
        purpose: Option<PurposeAssessment>,
        automation: Automation,
        explanation: Option<String>,
        /// The platform found the notices behind the case manifestly unfounded (DSA art. 23(2)).
        manifestly_unfounded: bool,
    },
    /// Kept up because the purpose is protected (TCO art. 1(3)).
    Exempt { purpose: PurposeAssessment, automation: Automation, explanation: Option<String> },
}

impl Decision {
    pub fn action(&self) -> Action {
        match self {
            Decision::Restrictive { action, .. } => *action,
            Decision::NoAction { .. } => Action::NoAction,
            Decision::Exempt { .. } => Action::Exempt,
        }
    }
    pub fn is_restrictive(&self) -> bool {
        matches!(self, Decision::Restrictive { .. })
    }
    /// Whether the decision applies in every member state.
    pub fn is_eu_wide(&self) -> bool {
        match self {
            Decision::Restrictive { scope, .. } => scope.len() == EU_MEMBER_STATES.len(),
            _ => false,
        }
    }
}

/// A decision as it arrives, before checking.
#[derive(Clone, Debug, Default)]
pub struct RawDecision {
    pub action: Option<String>,
    pub legal_basis: Option<String>,
    /// A registered terms clause of the deciding platform, by id (`tcl_...`) or by its code.
    pub terms_clause: Option<String>,
    /// `["EU"]` or member-state codes.
    pub territorial_scope: Option<Vec<String>>,
    pub purpose: Option<String>,
    pub purpose_rationale: Option<String>,
    pub automated_detection: Option<bool>,
    pub automated_decision: Option<bool>,
    pub explanation: Option<String>,
    /// `no_action` only: the notices were manifestly unfounded (counted against their notifiers).
    pub manifestly_unfounded: Option<bool>,
    /// `restrict` only: demoted, age_restricted, interaction_restricted or other.
    pub restriction: Option<String>,
    /// `restriction = other` only: what the restriction is.
    pub restriction_other: Option<String>,
    /// RFC 3339: when the measure ends. Required for suspend_account; optional for disable,
    /// restrict and label; never for remove.
    pub until: Option<String>,
    /// `YYYY-MM-DD`: the day the content was uploaded (or the account created), when known.
    pub content_date: Option<String>,
}

/// Whether a decision answers a removal order: removal, or access disabled in every member state.
pub fn answers_order(action: Action, territorial_scope: &[String]) -> bool {
    match action {
        Action::Remove => true,
        Action::Disable => EU_MEMBER_STATES.iter().all(|c| territorial_scope.iter().any(|s| s == c)),
        _ => false,
    }
}

/// What the case and the platform impose on a decision.
#[derive(Clone, Copy, Debug)]
pub struct DecisionContext<'a> {
    /// When the decision is taken.
    pub now: Timestamp,
    /// The case carries a removal order: only removal or EU-wide disabling answers it.
    pub has_order: bool,
    /// The case carries at least one notice (which `manifestly_unfounded` is about).
    pub has_notice: bool,
    /// The deciding platform's live terms clauses.
    pub terms: &'a [TermsClause],
}

fn all_member_states() -> Vec<MemberState> {
    EU_MEMBER_STATES.iter().filter_map(|c| MemberState::parse(c)).collect()
}

impl RawDecision {
    pub fn check(self, ctx: DecisionContext<'_>) -> Result<Decision, crate::Invalid> {
        let mut c = Checker::new();
        let action = match self.action.as_deref() {
            None => {
                c.push("action", "required", "is required");
                None
            }
            Some(a) => {
                let parsed = Action::parse(a);
                c.check(
                    parsed.is_some(),
                    "action",
                    "unknown_action",
                    "must be remove, disable, restrict, label, suspend_account, no_action or exempt",
                );
                parsed
            }
        };
        let ground = match (self.legal_basis.as_deref(), self.terms_clause.as_deref()) {
            (Some(_), Some(_)) => {
                c.push("legal_basis", "two_grounds", "give either a legal basis or a terms clause, not both");
                None
            }
            (Some(id), None) => match legal_basis(id) {
                Some(b) if !b.is_current() => {
                    c.push(
                        "legal_basis",
                        "retired_legal_basis",
                        format!(
                            "{id} was retired in taxonomy version {}: cite {}",
                            b.retired_in_version.unwrap_or_default(),
                            b.superseded_by.join(" or ")
                        ),
                    );
                    None
                }
                Some(b) => Some(Ground::Law(b)),
                None => {
                    c.push("legal_basis", "unknown_legal_basis", format!("{id} is not in the legal-basis taxonomy"));
                    None
                }
            },
            (None, Some(clause)) => {
                let wanted = clause.trim();
                match ctx.terms.iter().find(|t| t.id == wanted || t.code == wanted) {
                    Some(t) => Some(Ground::Terms(t.clone())),
                    None => {
                        c.push(
                            "terms_clause",
                            "unknown_terms_clause",
                            "is not one of the platform's registered terms clauses (POST /api/v1/terms-clauses)",
                        );
                        None
                    }
                }
            }
            (None, None) => None,
        };
        let scope = match &self.territorial_scope {
            None => None,
            Some(list) if list.iter().any(|s| s.eq_ignore_ascii_case("EU")) => Some(all_member_states()),
            Some(list) => {
                let mut out = Vec::new();
                for (i, s) in list.iter().enumerate() {
                    match MemberState::parse(s) {
                        Some(ms) => out.push(ms),
                        None => c.push(
                            format!("territorial_scope[{i}]"),
                            "unknown_member_state",
                            "must be \"EU\" or member-state codes",
                        ),
                    }
                }
                out.sort_by_key(|m| m.code());
                out.dedup();
                Some(out)
            }
        };
        let purpose = match self.purpose.as_deref() {
            None => None,
            Some(p) => match Purpose::parse(p) {
                Some(purpose) => {
                    c.text(self.purpose_rationale.as_deref(), "purpose_rationale", 5_000);
                    Some(PurposeAssessment {
                        purpose,
                        rationale: self.purpose_rationale.as_deref().unwrap_or_default().trim().to_owned(),
                    })
                }
                None => {
                    c.push(
                        "purpose",
                        "unknown_purpose",
                        "must be educational, journalistic, artistic, research, countering_terrorism, public_debate or none",
                    );
                    None
                }
            },
        };
        c.optional_text(self.explanation.as_deref(), "explanation", 20_000);
        let until = match self.until.as_deref() {
            None => None,
            Some(raw) => match Timestamp::parse_rfc3339(raw) {
                Some(t) if t > ctx.now => Some(t),
                Some(_) => {
                    c.push("until", "in_the_past", "the measure must end after it is decided");
                    None
                }
                None => {
                    c.push("until", "invalid_time", "must be an RFC 3339 date and time");
                    None
                }
            },
        };
        if let Some(day) = self.content_date.as_deref() {
            let today = &ctx.now.to_rfc3339()[..10];
            match check_day(day) {
                false => c.push("content_date", "invalid_date", "must be a day, YYYY-MM-DD"),
                true if day < "2000-01-01" || day > today => {
                    c.push("content_date", "out_of_range", "must be between 2000-01-01 and the day of the decision")
                }
                true => {}
            }
        }
        let restriction = match self.restriction.as_deref() {
            None => None,
            Some(raw) => {
                let parsed = Restriction::parse(raw);
                c.check(
                    parsed.is_some(),
                    "restriction",
                    "unknown_restriction",
                    "must be demoted, age_restricted, interaction_restricted or other",
                );
                parsed
            }
        };
        c.optional_text(self.restriction_other.as_deref(), "restriction_other", RESTRICTION_OTHER_MAX);
        let automation = Automation {
            detection: self.automated_detection.unwrap_or(false),
            decision: self.automated_decision.unwrap_or(false),
        };
        let Some(action) = action else {
            return Err(c.finish().expect_err("action error recorded"));
        };

        let terrorist_ground = matches!(ground, Some(Ground::Law(b)) if b.terrorist_content);
        // Under a removal order the art. 1(3) assessment is the issuing authority's: the platform
        // complies (art. 3(3)) and may record a purpose concern, which never blocks compliance.
        if (!ctx.has_order && terrorist_ground || action == Action::Exempt) && self.purpose.is_none() {
            c.push(
                "purpose",
                "required",
                "a decision about terrorist content needs a purpose assessment (TCO art. 1(3))",
            );
        }
        if ctx.has_order && action != Action::Remove && action != Action::Disable {
            c.push(
                "action",
                "order_needs_removal",
                "a removal order is answered only by remove or disable (in all member states)",
            );
        }
        let unfounded = self.manifestly_unfounded.unwrap_or(false);
        if unfounded && (action != Action::NoAction || !ctx.has_notice) {
            c.push(
                "manifestly_unfounded",
                "not_applicable",
                "only a no_action decision on a case reported by notices can find them manifestly unfounded",
            );
        }

        if !action.is_restrictive() {
            if ground.is_some() {
                c.push("legal_basis", "ground_without_action", "no_action and exempt take no ground");
            }
            c.check(
                self.territorial_scope.is_none(),
                "territorial_scope",
                "scope_without_action",
                "no_action and exempt restrict nowhere",
            );
            for (field, given) in [
                ("restriction", self.restriction.is_some()),
                ("until", self.until.is_some()),
                ("content_date", self.content_date.is_some()),
            ] {
                c.check(!given, field, "not_applicable", "only a restrictive decision takes it");
            }
            if action == Action::Exempt {
                let protected = purpose.as_ref().filter(|p| p.purpose != Purpose::None);
                match protected {
                    Some(p) => {
                        c.finish()?;
                        return Ok(Decision::Exempt { purpose: p.clone(), automation, explanation: self.explanation });
                    }
                    None => {
                        if self.purpose.is_some() {
                            c.push(
                                "purpose",
                                "not_exempt",
                                "exempt needs a protected purpose (educational, journalistic, artistic, research, countering_terrorism or public_debate)",
                            );
                        }
                        return Err(c.finish().expect_err("purpose error recorded"));
                    }
                }
            }
            c.finish()?;
            return Ok(Decision::NoAction {
                purpose,
                automation,
                explanation: self.explanation,
                manifestly_unfounded: unfounded,
            });
        }

        let scope = match (action, scope) {
            (Action::Disable, None) => {
                c.push("territorial_scope", "required", "disable needs the territories where access is disabled");
                Vec::new()
            }
            (_, Some(s)) if s.is_empty() => {
                c.push("territorial_scope", "required", "name at least one member state, or \"EU\"");
                s
            }
            (_, Some(s)) => s,
            // A national basis reaches its own state by default; anything else the whole Union.
            (_, None) => match &ground {
                Some(Ground::Law(LegalBasis { jurisdiction: Jurisdiction::National(ms), .. })) => vec![*ms],
                _ => all_member_states(),
            },
        };
        if ctx.has_order && scope.len() != EU_MEMBER_STATES.len() {
            c.push("territorial_scope", "order_needs_eu_scope", "a removal order applies in all member states");
        }
        // DSA art. 17(3)(b), (d), (e) and 17(4): the facts and the reasons, in the platform's words.
        match self.explanation.as_deref() {
            None => c.push(
                "explanation",
                "required",
                "a restriction states its reasons: the facts relied on and why they make the content illegal \
                 on the ground cited or incompatible with the clause (DSA art. 17(3)(b), (d), (e))",
            ),
            Some(e) if e.trim().is_empty() => {
                c.push("explanation", "blank", "the statement of reasons must not be blank")
            }
            Some(_) => {}
        }
        // DSA art. 17(3)(a): the type of the measure and its duration.
        let restriction = match (action, restriction) {
            (Action::Restrict, None) if self.restriction.is_none() => {
                c.push(
                    "restriction",
                    "required",
                    "restrict needs its type: demoted, age_restricted, interaction_restricted or other",
                );
                None
            }
            (Action::Restrict, Some(Restriction::Other)) => {
                let described = self.restriction_other.as_deref().map(str::trim).filter(|t| !t.is_empty());
                if described.is_none() {
                    c.push("restriction_other", "required", "describe the restriction when its type is other");
                }
                Some((Restriction::Other, described.map(str::to_owned)))
            }
            (Action::Restrict, Some(r)) => {
                c.check(
                    self.restriction_other.is_none(),
                    "restriction_other",
                    "not_applicable",
                    "only an other restriction is described",
                );
                Some((r, None))
            }
            (Action::Restrict, None) => None,
            (_, _) => {
                c.check(self.restriction.is_none(), "restriction", "not_applicable", "only restrict takes a type");
                c.check(
                    self.restriction_other.is_none(),
                    "restriction_other",
                    "not_applicable",
                    "only restrict takes a type",
                );
                None
            }
        };
        match action {
            Action::SuspendAccount if self.until.is_none() => c.push(
                "until",
                "required",
                "a suspension is for a set time: give its end (DSA arts. 17(3)(a) and 23(1)); ending an account for good is remove",
            ),
            Action::Remove if self.until.is_some() => {
                c.push("until", "not_applicable", "a removal is permanent; a measure with an end is disable or restrict")
            }
            _ if ctx.has_order && self.until.is_some() => c.push(
                "until",
                "order_not_temporary",
                "a removal order is answered by a removal or disabling without an end",
            ),
            _ => {}
        }
        match &ground {
            // An unknown basis or clause was reported above; only a missing ground is reported here.
            None if self.legal_basis.is_none() && self.terms_clause.is_none() => {
                c.push("legal_basis", "required", "a restrictive decision needs a legal basis or a terms clause")
            }
            None => {}
            Some(Ground::Law(b)) => {
                if let Jurisdiction::National(ms) = &b.jurisdiction
                    && scope.iter().any(|m| m != ms)
                {
                    let code = ms.code();
                    c.push(
                        "territorial_scope",
                        "scope_beyond_jurisdiction",
                        format!("{} is {code} law: the decision may only apply in {code}", b.id),
                    );
                }
                if ctx.has_order && b.jurisdiction != Jurisdiction::Eu {
                    c.push(
                        "legal_basis",
                        "order_needs_union_basis",
                        "a removal order is answered on the art. 2(7) type it names, which is Union law",
                    );
                }
                if b.terrorist_content
                    && !ctx.has_order
                    && let Some(p) = &purpose
                    && p.purpose != Purpose::None
                {
                    c.push(
                        "purpose",
                        "exempt_purpose",
                        "material disseminated for this purpose is not terrorist content (TCO art. 1(3)): decide exempt",
                    );
                }
            }
            Some(Ground::Terms(_)) => {}
        }
        c.finish()?;
        Ok(Decision::Restrictive {
            action,
            ground: ground.expect("checked above"),
            scope,
            purpose,
            automation,
            explanation: self.explanation.unwrap_or_default().trim().to_owned(),
            restriction,
            until,
            content_date: self.content_date,
        })
    }
}

/// Whether `raw` is a calendar day written `YYYY-MM-DD`.
pub fn check_day(raw: &str) -> bool {
    raw.len() == 10 && Timestamp::parse_rfc3339(&format!("{raw}T00:00:00Z")).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(action: &str) -> RawDecision {
        RawDecision {
            action: Some(action.into()),
            legal_basis: Some("eu.tco.2-7-a".into()),
            purpose: Some("none".into()),
            purpose_rationale: Some("recruitment video, no journalistic framing".into()),
            explanation: Some("The video calls on viewers to repeat the attack it shows.".into()),
            ..Default::default()
        }
    }
    /// 2026-11-30T00:00:00Z.
    const NOW: Timestamp = Timestamp::from_micros(1_795_996_800_000_000);
    const FREE: DecisionContext<'static> = DecisionContext { now: NOW, has_order: false, has_notice: true, terms: &[] };
    const ORDER: DecisionContext<'static> =
        DecisionContext { now: NOW, has_order: true, has_notice: false, terms: &[] };

    fn codes(r: Result<Decision, crate::Invalid>) -> Vec<&'static str> {
        r.unwrap_err().errors().iter().map(|e| e.code).collect()
    }

    #[test]
    fn the_taxonomy_file_is_valid_and_holds_the_five_tco_types_and_national_offences() {
        let t = Taxonomy::parse(TAXONOMY_JSON).unwrap();
        assert_eq!(t.version, taxonomy().version);
        let letters: Vec<_> = t.bases.iter().filter_map(|b| b.tco_type.as_deref()).collect();
        assert_eq!(letters, ["a", "b", "c", "d", "e"]);
        for b in t.bases.iter().filter(|b| b.tco_type.is_some()) {
            assert_eq!(b.jurisdiction, Jurisdiction::Eu);
            assert!(b.offence_reference.contains("2017/541"), "{}", b.id);
        }
        let fr = t.get("fr.cp.421-2-5.apologie").unwrap();
        assert_eq!(fr.jurisdiction.code(), "FR");
        // Order answers map their Annex I letters onto the taxonomy.
        for r in crate::order::ReasonType::ALL {
            assert_eq!(t.get(r.legal_basis_id()).unwrap().tco_type.as_deref(), Some(r.letter()));
        }
    }

    /// TCO art. 2(7)(a): incitement is terrorist content only where advocating the offences
    /// causes a danger that one or more may be committed; the title keeps that limit.
    #[test]
    fn tco_art_2_7_a_is_titled_with_the_danger_that_offences_may_be_committed() {
        let a = taxonomy().get("eu.tco.2-7-a").unwrap();
        assert!(
            a.title.contains("thereby causing a danger that one or more such offences may be committed"),
            "{}",
            a.title
        );
    }

    /// TCO art. 2(7)(e): a threat to commit one of the offences of Directive (EU) 2017/541
    /// art. 3(1)(a) to (i), not (j) alone.
    #[test]
    fn tco_art_2_7_e_refers_to_the_offences_of_directive_2017_541_art_3_1_a_to_i() {
        let e = taxonomy().get("eu.tco.2-7-e").unwrap();
        assert!(e.offence_reference.starts_with("Directive (EU) 2017/541 art. 3(1)(a)-(i)"), "{}", e.offence_reference);
    }

    /// Code pénal art. 421-2-5 holds two offences, provocation and apologie, which TCO art.
    /// 2(7)(a) does not cover alike: each has its own id, linked to the article; the joint id is
    /// retired (kept for past decisions), never reused.
    #[test]
    fn code_penal_421_2_5_is_split_into_provocation_and_apologie_each_linked_to_the_article() {
        let t = taxonomy();
        let article = "https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000029755573";
        for id in ["fr.cp.421-2-5.provocation", "fr.cp.421-2-5.apologie"] {
            let b = t.get(id).unwrap();
            assert_eq!((b.reference_url.as_str(), b.is_current(), b.since_version), (article, true, 3), "{id}");
        }
        let joint = t.get("fr.cp.421-2-5").unwrap();
        assert_eq!(joint.retired_in_version, Some(3));
        assert_eq!(joint.superseded_by, ["fr.cp.421-2-5.provocation", "fr.cp.421-2-5.apologie"]);
        let mut r = raw("remove");
        r.legal_basis = Some("fr.cp.421-2-5".into());
        assert_eq!(codes(r.clone().check(FREE)), ["retired_legal_basis"], "a retired basis grounds no new decision");
        r.legal_basis = Some("fr.cp.421-2-5.provocation".into());
        assert!(r.check(FREE).is_ok());
    }

    #[test]
    fn a_broken_taxonomy_file_is_refused_with_the_reason() {
        let twice = TAXONOMY_JSON.replacen("\"fr.cp.421-2-5-1\"", "\"fr.cp.421-2-5\"", 1);
        assert!(Taxonomy::parse(&twice).unwrap_err().contains("listed twice"));
        let unknown = TAXONOMY_JSON.replacen("\"jurisdiction\": \"FR\"", "\"jurisdiction\": \"XX\"", 1);
        assert!(Taxonomy::parse(&unknown).unwrap_err().contains("unknown jurisdiction"));
        let future = TAXONOMY_JSON.replacen("\"since_version\": 2", "\"since_version\": 9", 1);
        assert!(Taxonomy::parse(&future).unwrap_err().contains("since_version"));
        let early = TAXONOMY_JSON.replacen("\"retired_in_version\": 3", "\"retired_in_version\": 1", 1);
        assert!(Taxonomy::parse(&early).unwrap_err().contains("retired_in_version"));
        let nowhere = TAXONOMY_JSON.replacen("[\"fr.cp.421-2-5.provocation\"", "[\"fr.cp.nowhere\"", 1);
        assert!(Taxonomy::parse(&nowhere).unwrap_err().contains("not a current basis"));
    }

    #[test]
    fn a_removal_on_a_tco_basis_is_eu_wide_by_default() {
        let d = raw("remove").check(FREE).unwrap();
        assert!(d.is_eu_wide());
        assert_eq!(d.action(), Action::Remove);
    }

    #[test]
    fn a_restrictive_decision_needs_a_ground() {
        let mut r = raw("remove");
        r.legal_basis = None;
        assert_eq!(codes(r.check(FREE)), ["required"]);
    }

    #[test]
    fn a_terms_ground_must_be_a_registered_clause_of_the_platform() {
        let clause =
            TermsClause { id: "tcl_1".into(), code: "4.2".into(), title: "Violent extremism".into(), url: None };
        let terms = [clause.clone()];
        let ctx = DecisionContext { terms: &terms, ..FREE };
        for cited in ["4.2", "tcl_1"] {
            let r = RawDecision {
                action: Some("restrict".into()),
                terms_clause: Some(cited.into()),
                restriction: Some("demoted".into()),
                explanation: Some("Shows the attack in close-up.".into()),
                ..Default::default()
            };
            match r.check(ctx).unwrap() {
                Decision::Restrictive { ground: Ground::Terms(t), .. } => assert_eq!(t, clause),
                other => panic!("{other:?}"),
            }
        }
        let r = RawDecision {
            action: Some("remove".into()),
            terms_clause: Some("9.9".into()),
            explanation: Some("Shows the attack in close-up.".into()),
            ..Default::default()
        };
        assert_eq!(codes(r.check(ctx)), ["unknown_terms_clause"]);
    }

    #[test]
    fn an_order_is_answered_only_by_eu_wide_removal_or_disabling() {
        assert_eq!(codes(raw("label").check(ORDER)), ["order_needs_removal"]);
        let mut r = raw("disable");
        r.territorial_scope = Some(vec!["EU".into()]);
        r.until = Some("2026-12-30T00:00:00Z".into());
        assert_eq!(codes(r.check(ORDER)), ["order_not_temporary"]);
        let mut r = raw("disable");
        r.territorial_scope = Some(vec!["FR".into()]);
        assert_eq!(codes(r.check(ORDER)), ["order_needs_eu_scope"]);
        let mut r = raw("disable");
        r.territorial_scope = Some(vec!["EU".into()]);
        assert!(r.check(ORDER).is_ok());
        let mut r = raw("exempt");
        r.legal_basis = None;
        r.purpose = Some("journalistic".into());
        assert_eq!(codes(r.check(ORDER)), ["order_needs_removal"]);
    }

    #[test]
    fn a_national_basis_cannot_reach_the_whole_union() {
        // On `fr.cp.421-2-5.apologie` since taxonomy version 3 retired the joint `fr.cp.421-2-5`.
        let mut r = raw("disable");
        r.legal_basis = Some("fr.cp.421-2-5.apologie".into());
        r.territorial_scope = Some(vec!["EU".into()]);
        assert_eq!(codes(r.check(FREE)), ["scope_beyond_jurisdiction"]);
        let mut r = raw("disable");
        r.legal_basis = Some("fr.cp.421-2-5.apologie".into());
        r.territorial_scope = Some(vec!["fr".into()]);
        assert!(r.check(FREE).is_ok());
        // Without a scope, a national basis reaches its own state only.
        let mut r = raw("remove");
        r.legal_basis = Some("fr.cp.421-2-5.apologie".into());
        match r.check(FREE).unwrap() {
            Decision::Restrictive { scope, .. } => assert_eq!(scope, [MemberState::parse("FR").unwrap()]),
            other => panic!("{other:?}"),
        }
        let mut r = raw("remove");
        r.legal_basis = Some("fr.cp.421-2-5.apologie".into());
        assert_eq!(codes(r.check(ORDER)), ["order_needs_eu_scope", "order_needs_union_basis"]);
    }

    #[test]
    fn a_protected_purpose_makes_the_content_exempt_not_removed() {
        let mut r = raw("remove");
        r.purpose = Some("journalistic".into());
        assert_eq!(codes(r.check(FREE)), ["exempt_purpose"]);
        let exempt = RawDecision {
            action: Some("exempt".into()),
            purpose: Some("journalistic".into()),
            purpose_rationale: Some("news report quoting the video".into()),
            ..Default::default()
        };
        let d = exempt.check(FREE).unwrap();
        assert_eq!(d.action(), Action::Exempt);
        assert!(!d.is_restrictive());
        let not_protected = RawDecision {
            action: Some("exempt".into()),
            purpose: Some("none".into()),
            purpose_rationale: Some("plain propaganda".into()),
            ..Default::default()
        };
        assert_eq!(codes(not_protected.check(FREE)), ["not_exempt"]);
        let no_reasons = RawDecision {
            action: Some("exempt".into()),
            purpose: Some("research".into()),
            purpose_rationale: Some("   ".into()),
            ..Default::default()
        };
        assert_eq!(codes(no_reasons.check(FREE)), ["blank"]);
    }

    #[test]
    fn only_removal_or_eu_wide_disabling_answers_an_order() {
        let eu: Vec<String> = EU_MEMBER_STATES.iter().map(|c| c.to_string()).collect();
        assert!(answers_order(Action::Remove, &[]));
        assert!(answers_order(Action::Disable, &eu));
        assert!(!answers_order(Action::Disable, &eu[1..]));
        assert!(!answers_order(Action::Restrict, &eu));
        assert!(!answers_order(Action::NoAction, &[]));
        assert!(!answers_order(Action::Exempt, &[]));
    }

    /// TCO arts. 1(3) and 3(3): the purpose of material under a removal order is the issuing
    /// authority's to assess. The platform complies within the hour without assessing it, and a
    /// protected purpose it records is a concern for the authority, never a bar to compliance.
    #[test]
    fn tco_art_3_3_an_order_is_complied_with_whatever_the_platform_thinks_of_its_purpose() {
        let mut plain = raw("remove");
        plain.purpose = None;
        plain.purpose_rationale = None;
        assert!(plain.check(ORDER).is_ok(), "no purpose assessment is asked of the platform");
        let mut concern = raw("remove");
        concern.purpose = Some("journalistic".into());
        concern.purpose_rationale = Some("a news report quoting the video".into());
        match concern.clone().check(ORDER).unwrap() {
            Decision::Restrictive { purpose: Some(p), .. } => assert_eq!(p.purpose, Purpose::Journalistic),
            other => panic!("{other:?}"),
        }
        assert_eq!(codes(concern.check(FREE)), ["exempt_purpose"], "on its own assessment the platform decides exempt");
    }

    #[test]
    fn terrorist_content_decisions_need_a_purpose_assessment_with_reasons() {
        let mut r = raw("remove");
        r.purpose = None;
        assert_eq!(codes(r.check(FREE)), ["required"]);
        let mut r = raw("remove");
        r.purpose_rationale = None;
        assert_eq!(codes(r.check(FREE)), ["required"]);
    }

    #[test]
    fn only_no_action_on_notices_can_be_manifestly_unfounded() {
        let no =
            RawDecision { action: Some("no_action".into()), manifestly_unfounded: Some(true), ..Default::default() };
        match no.clone().check(FREE).unwrap() {
            Decision::NoAction { manifestly_unfounded, .. } => assert!(manifestly_unfounded),
            other => panic!("{other:?}"),
        }
        let ctx = DecisionContext { has_notice: false, ..FREE };
        assert_eq!(codes(no.check(ctx)), ["not_applicable"]);
        let mut r = raw("remove");
        r.manifestly_unfounded = Some(true);
        assert_eq!(codes(r.check(FREE)), ["not_applicable"]);
    }

    #[test]
    fn a_restriction_states_its_facts_and_reasons_dsa_17_3_b_d_e() {
        let mut r = raw("remove");
        r.explanation = None;
        assert_eq!(codes(r.check(FREE)), ["required"]);
        let mut r = raw("label");
        r.explanation = Some("  ".into());
        assert_eq!(codes(r.check(FREE)), ["blank"]);
        match raw("remove").check(FREE).unwrap() {
            Decision::Restrictive { explanation, .. } => {
                assert_eq!(explanation, "The video calls on viewers to repeat the attack it shows.")
            }
            other => panic!("{other:?}"),
        }
        // Keeping content up owes no statement of reasons (DSA art. 17(1)).
        let keep = RawDecision { action: Some("no_action".into()), ..Default::default() };
        assert!(keep.check(FREE).is_ok());
    }

    #[test]
    fn a_restriction_names_its_type_and_a_suspension_its_end_dsa_17_3_a() {
        let mut r = raw("restrict");
        assert_eq!(codes(r.clone().check(FREE)), ["required"], "restrict needs its type");
        r.restriction = Some("other".into());
        assert_eq!(codes(r.clone().check(FREE)), ["required"], "other is described");
        r.restriction_other = Some("comments turned off and hidden from search".into());
        match r.check(FREE).unwrap() {
            Decision::Restrictive { restriction: Some((Restriction::Other, Some(text))), .. } => {
                assert_eq!(text, "comments turned off and hidden from search")
            }
            other => panic!("{other:?}"),
        }
        let mut r = raw("restrict");
        r.restriction = Some("age_restricted".into());
        assert!(matches!(
            r.check(FREE).unwrap(),
            Decision::Restrictive { restriction: Some((Restriction::AgeRestricted, None)), .. }
        ));
        let mut r = raw("remove");
        r.restriction = Some("demoted".into());
        assert_eq!(codes(r.check(FREE)), ["not_applicable"]);

        let mut r = raw("suspend_account");
        assert_eq!(codes(r.clone().check(FREE)), ["required"], "a suspension has an end");
        r.until = Some("2026-11-29T00:00:00Z".into());
        assert_eq!(codes(r.clone().check(FREE)), ["in_the_past"]);
        r.until = Some("2027-01-30T00:00:00Z".into());
        match r.check(FREE).unwrap() {
            Decision::Restrictive { until: Some(t), .. } => assert_eq!(t.to_rfc3339(), "2027-01-30T00:00:00.000000Z"),
            other => panic!("{other:?}"),
        }
        let mut r = raw("remove");
        r.until = Some("2027-01-30T00:00:00Z".into());
        assert_eq!(codes(r.check(FREE)), ["not_applicable"], "a removal is for good");
        let mut r = raw("disable");
        r.territorial_scope = Some(vec!["FR".into()]);
        r.until = Some("2027-01-30T00:00:00Z".into());
        assert!(r.check(FREE).is_ok(), "a disabling may be temporary");
    }

    #[test]
    fn the_upload_date_is_a_day_no_later_than_the_decision() {
        let mut r = raw("remove");
        r.content_date = Some("2026-11-02".into());
        match r.check(FREE).unwrap() {
            Decision::Restrictive { content_date, .. } => assert_eq!(content_date.as_deref(), Some("2026-11-02")),
            other => panic!("{other:?}"),
        }
        for (day, code) in
            [("2026-12-01", "out_of_range"), ("1999-12-31", "out_of_range"), ("2026-13-01", "invalid_date")]
        {
            let mut r = raw("remove");
            r.content_date = Some(day.into());
            assert_eq!(codes(r.check(FREE)), [code], "{day}");
        }
        let keep = RawDecision {
            action: Some("no_action".into()),
            content_date: Some("2026-11-02".into()),
            ..Default::default()
        };
        assert_eq!(codes(keep.check(FREE)), ["not_applicable"]);
    }
}
