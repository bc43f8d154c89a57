//! Decisions: what a platform did about a case, on which ground, where.
//!
//! A restrictive action cannot be built without a ground: [`Decision::Restrictive`] holds one by
//! construction, and [`RawDecision::check`] is the only way to make a decision from input.

use serde::{Deserialize, Serialize};

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
}

impl Action {
    pub const ALL: [Action; 6] =
        [Action::Remove, Action::Disable, Action::Restrict, Action::Label, Action::SuspendAccount, Action::NoAction];
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Remove => "remove",
            Action::Disable => "disable",
            Action::Restrict => "restrict",
            Action::Label => "label",
            Action::SuspendAccount => "suspend_account",
            Action::NoAction => "no_action",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// Where a legal basis applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jurisdiction {
    /// Union law: may ground a decision in every member state.
    Eu,
    /// One member state's law: may ground a decision in that state only.
    National(&'static str),
}

/// One entry of the legal-basis taxonomy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegalBasis {
    /// Stable id, e.g. `eu.tco.2-7-a`.
    pub id: &'static str,
    pub title: &'static str,
    /// The provision, as a lawyer would cite it.
    pub citation: &'static str,
    pub jurisdiction: Jurisdiction,
    /// Whether it defines terrorist content (so a purpose assessment under TCO art. 1(3) applies).
    pub terrorist_content: bool,
}

/// The seed taxonomy: the five art. 2(7) types and one national offence. Step 4 makes it data.
pub const LEGAL_BASES: &[LegalBasis] = &[
    LegalBasis {
        id: "eu.tco.2-7-a",
        title: "Incites the commission of terrorist offences",
        citation: "Regulation (EU) 2021/784 art. 2(7)(a); Directive (EU) 2017/541 art. 3(1)(a)-(i)",
        jurisdiction: Jurisdiction::Eu,
        terrorist_content: true,
    },
    LegalBasis {
        id: "eu.tco.2-7-b",
        title: "Solicits the commission of terrorist offences",
        citation: "Regulation (EU) 2021/784 art. 2(7)(b); Directive (EU) 2017/541 art. 6",
        jurisdiction: Jurisdiction::Eu,
        terrorist_content: true,
    },
    LegalBasis {
        id: "eu.tco.2-7-c",
        title: "Solicits participation in a terrorist group",
        citation: "Regulation (EU) 2021/784 art. 2(7)(c); Directive (EU) 2017/541 art. 4(b)",
        jurisdiction: Jurisdiction::Eu,
        terrorist_content: true,
    },
    LegalBasis {
        id: "eu.tco.2-7-d",
        title: "Instructs on weapons or methods for terrorist offences",
        citation: "Regulation (EU) 2021/784 art. 2(7)(d); Directive (EU) 2017/541 art. 7",
        jurisdiction: Jurisdiction::Eu,
        terrorist_content: true,
    },
    LegalBasis {
        id: "eu.tco.2-7-e",
        title: "Threatens to commit a terrorist offence",
        citation: "Regulation (EU) 2021/784 art. 2(7)(e); Directive (EU) 2017/541 art. 3(1)(j)",
        jurisdiction: Jurisdiction::Eu,
        terrorist_content: true,
    },
    LegalBasis {
        id: "fr.cp.421-2-5",
        title: "Provocation to or apology of terrorist acts (France)",
        citation: "Code pénal art. 421-2-5",
        jurisdiction: Jurisdiction::National("FR"),
        terrorist_content: true,
    },
];

pub fn legal_basis(id: &str) -> Option<&'static LegalBasis> {
    LEGAL_BASES.iter().find(|b| b.id == id)
}

/// The ground of a restrictive decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ground {
    /// Illegal content under a basis of the taxonomy.
    Law(&'static LegalBasis),
    /// Incompatible with the platform's terms: the clause cited.
    Terms { clause: String },
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
        explanation: Option<String>,
    },
    NoAction {
        purpose: Option<PurposeAssessment>,
        automation: Automation,
        explanation: Option<String>,
    },
}

impl Decision {
    pub fn action(&self) -> Action {
        match self {
            Decision::Restrictive { action, .. } => *action,
            Decision::NoAction { .. } => Action::NoAction,
        }
    }
    pub fn is_restrictive(&self) -> bool {
        matches!(self, Decision::Restrictive { .. })
    }
    /// Whether the decision applies in every member state.
    pub fn is_eu_wide(&self) -> bool {
        match self {
            Decision::Restrictive { scope, .. } => scope.len() == EU_MEMBER_STATES.len(),
            Decision::NoAction { .. } => false,
        }
    }
}

/// A decision as it arrives, before checking.
#[derive(Clone, Debug, Default)]
pub struct RawDecision {
    pub action: Option<String>,
    pub legal_basis: Option<String>,
    pub terms_clause: Option<String>,
    /// `["EU"]` or member-state codes.
    pub territorial_scope: Option<Vec<String>>,
    pub purpose: Option<String>,
    pub purpose_rationale: Option<String>,
    pub automated_detection: Option<bool>,
    pub automated_decision: Option<bool>,
    pub explanation: Option<String>,
}

/// Whether a decision answers a removal order: removal, or access disabled in every member state.
pub fn answers_order(action: &str, territorial_scope: &[String]) -> bool {
    match Action::parse(action) {
        Some(Action::Remove) => true,
        Some(Action::Disable) => EU_MEMBER_STATES.iter().all(|c| territorial_scope.iter().any(|s| s == c)),
        _ => false,
    }
}

/// What the case imposes on its decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecisionContext {
    /// The case carries a removal order: only removal or EU-wide disabling answers it.
    pub has_order: bool,
}

fn all_member_states() -> Vec<MemberState> {
    EU_MEMBER_STATES.iter().filter_map(|c| MemberState::parse(c)).collect()
}

impl RawDecision {
    pub fn check(self, ctx: DecisionContext) -> Result<Decision, crate::Invalid> {
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
                    "must be remove, disable, restrict, label, suspend_account or no_action",
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
                Some(b) => Some(Ground::Law(b)),
                None => {
                    c.push("legal_basis", "unknown_legal_basis", format!("{id} is not in the legal-basis taxonomy"));
                    None
                }
            },
            (None, Some(clause)) => {
                c.text(Some(clause), "terms_clause", 500);
                Some(Ground::Terms { clause: clause.trim().to_owned() })
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
                    Some(PurposeAssessment { purpose, rationale: self.purpose_rationale.clone().unwrap_or_default() })
                }
                None => {
                    c.push("purpose", "unknown_purpose", "must be educational, journalistic, artistic, research, countering_terrorism, public_debate or none");
                    None
                }
            },
        };
        c.optional_text(self.explanation.as_deref(), "explanation", 20_000);
        let automation = Automation {
            detection: self.automated_detection.unwrap_or(false),
            decision: self.automated_decision.unwrap_or(false),
        };
        let Some(action) = action else {
            return Err(c.finish().expect_err("action error recorded"));
        };

        let terrorist_ground = matches!(ground, Some(Ground::Law(b)) if b.terrorist_content);
        if (ctx.has_order || terrorist_ground) && purpose.is_none() && self.purpose.is_none() {
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

        if action == Action::NoAction {
            if ground.is_some() {
                c.push("legal_basis", "ground_without_action", "no_action takes no ground");
            }
            c.finish()?;
            return Ok(Decision::NoAction { purpose, automation, explanation: self.explanation });
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
            (_, None) => all_member_states(),
        };
        if ctx.has_order && scope.len() != EU_MEMBER_STATES.len() {
            c.push("territorial_scope", "order_needs_eu_scope", "a removal order applies in all member states");
        }
        match &ground {
            // An unknown basis was reported above; only a missing ground is reported here.
            None if self.legal_basis.is_none() && self.terms_clause.is_none() => {
                c.push("legal_basis", "required", "a restrictive decision needs a legal basis or a terms clause")
            }
            None => {}
            Some(Ground::Law(b)) => {
                if let Jurisdiction::National(code) = b.jurisdiction
                    && scope.iter().any(|m| m.code() != code)
                {
                    c.push(
                        "territorial_scope",
                        "scope_beyond_jurisdiction",
                        format!("{} is {code} law: the decision may only apply in {code}", b.id),
                    );
                }
                if b.terrorist_content
                    && let Some(p) = &purpose
                    && p.purpose != Purpose::None
                {
                    c.push(
                                "purpose",
                                "exempt_purpose",
                                "material disseminated for this purpose is not terrorist content (TCO art. 1(3)): decide no_action",
                            );
                }
            }
            Some(Ground::Terms { .. }) => {}
        }
        c.finish()?;
        Ok(Decision::Restrictive {
            action,
            ground: ground.expect("checked above"),
            scope,
            purpose,
            automation,
            explanation: self.explanation,
        })
    }
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
            ..Default::default()
        }
    }
    const FREE: DecisionContext = DecisionContext { has_order: false };
    const ORDER: DecisionContext = DecisionContext { has_order: true };

    fn codes(r: Result<Decision, crate::Invalid>) -> Vec<&'static str> {
        r.unwrap_err().errors().iter().map(|e| e.code).collect()
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
    fn an_order_is_answered_only_by_eu_wide_removal_or_disabling() {
        assert_eq!(codes(raw("label").check(ORDER)), ["order_needs_removal"]);
        let mut r = raw("disable");
        r.territorial_scope = Some(vec!["FR".into()]);
        assert_eq!(codes(r.check(ORDER)), ["order_needs_eu_scope"]);
        let mut r = raw("disable");
        r.territorial_scope = Some(vec!["EU".into()]);
        assert!(r.check(ORDER).is_ok());
    }

    #[test]
    fn a_national_basis_cannot_reach_the_whole_union() {
        let mut r = raw("disable");
        r.legal_basis = Some("fr.cp.421-2-5".into());
        r.territorial_scope = Some(vec!["EU".into()]);
        assert_eq!(codes(r.check(FREE)), ["scope_beyond_jurisdiction"]);
        let mut r = raw("disable");
        r.legal_basis = Some("fr.cp.421-2-5".into());
        r.territorial_scope = Some(vec!["fr".into()]);
        assert!(r.check(FREE).is_ok());
    }

    #[test]
    fn a_protected_purpose_forbids_removal_as_terrorist_content() {
        let mut r = raw("remove");
        r.purpose = Some("journalistic".into());
        assert_eq!(codes(r.check(FREE)), ["exempt_purpose"]);
        let exempt = RawDecision {
            action: Some("no_action".into()),
            purpose: Some("journalistic".into()),
            purpose_rationale: Some("news report quoting the video".into()),
            ..Default::default()
        };
        assert!(!exempt.check(FREE).unwrap().is_restrictive());
    }

    #[test]
    fn only_removal_or_eu_wide_disabling_answers_an_order() {
        let eu: Vec<String> = EU_MEMBER_STATES.iter().map(|c| c.to_string()).collect();
        assert!(answers_order("remove", &[]));
        assert!(answers_order("disable", &eu));
        assert!(!answers_order("disable", &eu[1..]));
        assert!(!answers_order("restrict", &eu));
        assert!(!answers_order("no_action", &[]));
    }

    #[test]
    fn terrorist_content_decisions_need_a_purpose_assessment() {
        let mut r = raw("remove");
        r.purpose = None;
        assert_eq!(codes(r.check(FREE)), ["required"]);
    }
}
