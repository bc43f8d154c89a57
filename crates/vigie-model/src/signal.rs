//! Signals (notices, referrals, removal orders) and the priority they give a case.

use serde::{Deserialize, Serialize};

/// The legal kind of a signal. Each keeps its own legal effect; none is merged into another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// A notice under DSA art. 16, from anyone, or from a trusted flagger (art. 22).
    Notice,
    /// An authority's referral: a request to check content against the platform's terms.
    Referral,
    /// A removal order under TCO art. 3: binding, one-hour clock.
    Order,
    /// An upload matched a hash bank marked for stay-down: the platform's own-initiative,
    /// automated detection.
    BankMatch,
}

impl SignalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignalKind::Notice => "notice",
            SignalKind::Referral => "referral",
            SignalKind::Order => "order",
            SignalKind::BankMatch => "bank_match",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [SignalKind::Notice, SignalKind::Referral, SignalKind::Order, SignalKind::BankMatch]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// How strong a signal's source is, weakest first. A case takes the strongest of its signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A member of the public, possibly anonymous.
    Public,
    /// An upload matched a stay-down hash bank: the platform's own-initiative, automated
    /// detection (a `bank_match` signal). Not a referral: no authority asked.
    BankMatch,
    /// An authority's referral.
    Referral,
    /// A trusted flagger's notice.
    TrustedFlagger,
    /// A removal order.
    Order,
}

impl Tier {
    /// Strongest first, as reports list them.
    pub const ALL: [Tier; 5] = [Tier::Order, Tier::TrustedFlagger, Tier::Referral, Tier::BankMatch, Tier::Public];

    /// The one word for the tier, in the API, the console and the reports (`time_to_action.by_tier`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Public => "public",
            Tier::BankMatch => "bank_match",
            Tier::Referral => "referral",
            Tier::TrustedFlagger => "trusted_flagger",
            Tier::Order => "order",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
    /// The number the store keeps. The first four tiers kept theirs when bank matches got their
    /// own (until then a bank match was stored as a referral, 2).
    pub fn code(self) -> i64 {
        match self {
            Tier::Public => 1,
            Tier::Referral => 2,
            Tier::TrustedFlagger => 3,
            Tier::Order => 4,
            Tier::BankMatch => 5,
        }
    }
    pub fn from_code(code: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }
    /// The tier's weight in a case's priority: a bank match weighs what a referral does (as it did
    /// when it was counted as one), so priorities computed before stay comparable.
    pub fn weight(self) -> i64 {
        match self {
            Tier::Public => 1,
            Tier::BankMatch | Tier::Referral => 2,
            Tier::TrustedFlagger => 3,
            Tier::Order => 4,
        }
    }
}

/// What a case's priority is computed from. Kept on the case and updated with each signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PriorityInputs {
    /// The strongest tier among the case's signals.
    pub tier: Tier,
    /// Whether any signal flagged an imminent threat to life.
    pub threat_to_life: bool,
    /// Distinct organisations (authenticated sources) that reported the case.
    pub accountable_sources: u32,
    /// Signals without an accountable source (anonymous public notices).
    pub anonymous_signals: u32,
    /// The reported content's text matched a banked text at intake: for review sooner, never for
    /// automatic action.
    pub text_match: bool,
}

/// Points between two tiers. Nothing but a stronger tier can cross this gap.
const TIER_GAP: i64 = 100;
/// Each further accountable source adds this much, up to `MAX_SOURCE_BONUS`.
const PER_SOURCE: i64 = 10;
const MAX_SOURCE_BONUS: i64 = 50;
/// Anonymous duplicates add at most this much in total: a flood of anonymous reports about lawful
/// content cannot push it above a case that one accountable source reported.
const MAX_ANONYMOUS_BONUS: i64 = 5;
/// A text that matched a banked text at intake: below the gap between tiers, with the source
/// bonuses (50 + 5 + 40 < 100), so that it orders cases within their tier only.
const TEXT_MATCH_BONUS: i64 = 40;
/// A threat to life outranks every other case.
const THREAT_BONUS: i64 = 10 * TIER_GAP;

/// The case's priority: higher is more urgent.
pub fn priority(p: PriorityInputs) -> i64 {
    let base = p.tier.weight() * TIER_GAP;
    let sources = (i64::from(p.accountable_sources).saturating_sub(1) * PER_SOURCE).clamp(0, MAX_SOURCE_BONUS);
    let anonymous = i64::from(p.anonymous_signals).min(MAX_ANONYMOUS_BONUS);
    let threat = if p.threat_to_life { THREAT_BONUS } else { 0 };
    let text = if p.text_match { TEXT_MATCH_BONUS } else { 0 };
    base + sources + anonymous + threat + text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(tier: Tier, threat: bool, accountable: u32, anonymous: u32) -> i64 {
        priority(PriorityInputs {
            tier,
            threat_to_life: threat,
            accountable_sources: accountable,
            anonymous_signals: anonymous,
            text_match: false,
        })
    }

    #[test]
    fn a_text_match_raises_a_case_within_its_tier_only() {
        let with = |tier, accountable, anonymous| {
            priority(PriorityInputs {
                tier,
                threat_to_life: false,
                accountable_sources: accountable,
                anonymous_signals: anonymous,
                text_match: true,
            })
        };
        assert!(with(Tier::Public, 0, 1) > p(Tier::Public, false, 0, 1));
        assert!(with(Tier::Referral, 1, 0) > p(Tier::Referral, false, 1, 0));
        assert!(with(Tier::Public, 0, 1000) < p(Tier::Referral, false, 1, 0), "below the next tier");
        assert!(with(Tier::Referral, 100, 0) < p(Tier::TrustedFlagger, false, 1, 0), "with every bonus");
    }

    #[test]
    fn tiers_order_cases() {
        assert!(p(Tier::Order, false, 1, 0) > p(Tier::TrustedFlagger, false, 1, 0));
        assert!(p(Tier::TrustedFlagger, false, 1, 0) > p(Tier::Referral, false, 1, 0));
        assert!(p(Tier::Referral, false, 1, 0) > p(Tier::Public, false, 0, 1));
    }

    #[test]
    fn a_bank_match_is_its_own_tier_weighing_like_a_referral_and_weaker_than_one() {
        assert_eq!(Tier::BankMatch.as_str(), "bank_match");
        assert_eq!(p(Tier::BankMatch, false, 1, 0), p(Tier::Referral, false, 1, 0));
        assert!(Tier::Public < Tier::BankMatch && Tier::BankMatch < Tier::Referral);
        assert_eq!(Tier::BankMatch.max(Tier::Referral), Tier::Referral, "a case an authority referred says so");
        // Stored codes: the first four kept theirs; every code reads back.
        let codes = [Tier::Public, Tier::Referral, Tier::TrustedFlagger, Tier::Order].map(Tier::code);
        assert_eq!(codes, [1, 2, 3, 4]);
        for t in Tier::ALL {
            assert_eq!(Tier::from_code(t.code()), Some(t));
            assert_eq!(Tier::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(t.as_str()));
        }
        assert_eq!(Tier::from_code(6), None);
    }

    #[test]
    fn threat_to_life_outranks_everything() {
        assert!(p(Tier::Public, true, 0, 1) > p(Tier::Order, false, 50, 1_000_000));
    }

    #[test]
    fn accountable_sources_raise_priority_but_not_past_a_tier() {
        assert!(p(Tier::Public, false, 3, 0) > p(Tier::Public, false, 1, 0));
        assert!(p(Tier::Public, false, 1_000, 0) < p(Tier::Referral, false, 1, 0));
    }

    #[test]
    fn a_mass_reporting_campaign_counts_for_little() {
        let flood = p(Tier::Public, false, 0, 1_000_000);
        assert!(flood < p(Tier::Public, false, 2, 0), "two accountable sources outweigh a million anonymous ones");
        assert!(flood < p(Tier::Referral, false, 1, 0));
    }
}
