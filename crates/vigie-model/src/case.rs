//! Cases: one piece of content or one account on one platform.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Where a case stands. Side states of an order (clarification, force majeure) live on the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// On no known host: waiting for the hub to route it.
    Parked,
    /// Routed to its platform, not yet fetched or pushed.
    Open,
    /// The platform has it (inbox fetch or webhook answered 2xx).
    Delivered,
    /// The platform acknowledged it.
    Acknowledged,
    /// The platform decided.
    Decided,
}

impl CaseState {
    pub const ALL: [CaseState; 5] =
        [CaseState::Parked, CaseState::Open, CaseState::Delivered, CaseState::Acknowledged, CaseState::Decided];
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Parked => "parked",
            CaseState::Open => "open",
            CaseState::Delivered => "delivered",
            CaseState::Acknowledged => "acknowledged",
            CaseState::Decided => "decided",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
    /// Whether the case still waits for the platform's decision.
    pub fn is_pending(self) -> bool {
        matches!(self, CaseState::Open | CaseState::Delivered | CaseState::Acknowledged)
    }
}

/// What a case shows, said from what happened to it: its state, except that a decided case whose
/// current decision was reversed (a complaint, an infringement found on scrutiny, an annulment, or
/// the platform's own reinstatement) reads `Reinstated` until a new decision. The API, the console
/// and the notifier's tracking page all read it from here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CaseStatus {
    Parked,
    Open,
    Delivered,
    Acknowledged,
    Decided,
    /// The decision was reversed and the content put back; the platform may decide anew on its
    /// own terms (TCO art. 4(7)).
    Reinstated,
}

impl CaseStatus {
    pub const ALL: [CaseStatus; 6] = [
        CaseStatus::Parked,
        CaseStatus::Open,
        CaseStatus::Delivered,
        CaseStatus::Acknowledged,
        CaseStatus::Decided,
        CaseStatus::Reinstated,
    ];

    /// The status of a case in `state` whose current decision (its latest) was reversed at
    /// `decision_reversed_at`, if it was. A case reopened by a new order is pending again, whatever
    /// became of its earlier decision.
    pub fn of(state: CaseState, decision_reversed_at: Option<Timestamp>) -> Self {
        match state {
            CaseState::Parked => CaseStatus::Parked,
            CaseState::Open => CaseStatus::Open,
            CaseState::Delivered => CaseStatus::Delivered,
            CaseState::Acknowledged => CaseStatus::Acknowledged,
            CaseState::Decided if decision_reversed_at.is_some() => CaseStatus::Reinstated,
            CaseState::Decided => CaseStatus::Decided,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Reinstated => "reinstated",
            CaseStatus::Parked => CaseState::Parked.as_str(),
            CaseStatus::Open => CaseState::Open.as_str(),
            CaseStatus::Delivered => CaseState::Delivered.as_str(),
            CaseStatus::Acknowledged => CaseState::Acknowledged.as_str(),
            CaseStatus::Decided => CaseState::Decided.as_str(),
        }
    }
    /// Whether the platform may decide the case: it waits for a decision, or its decision was
    /// reversed.
    pub fn is_decidable(self) -> bool {
        matches!(self, CaseStatus::Open | CaseStatus::Delivered | CaseStatus::Acknowledged | CaseStatus::Reinstated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decided_case_whose_decision_was_reversed_reads_reinstated_and_may_be_decided_again() {
        let at = Some(Timestamp::from_micros(5));
        assert_eq!(CaseStatus::of(CaseState::Decided, None), CaseStatus::Decided);
        assert_eq!(CaseStatus::of(CaseState::Decided, at), CaseStatus::Reinstated);
        assert_eq!(CaseStatus::of(CaseState::Decided, at).as_str(), "reinstated");
        assert!(CaseStatus::of(CaseState::Decided, at).is_decidable());
        assert!(!CaseStatus::of(CaseState::Decided, None).is_decidable());
        // Reopened by an order: pending again.
        assert_eq!(CaseStatus::of(CaseState::Open, at), CaseStatus::Open);
        assert!(!CaseStatus::of(CaseState::Parked, None).is_decidable());
        for state in CaseState::ALL {
            assert_eq!(CaseStatus::of(state, None).as_str(), state.as_str(), "the same words as the state");
        }
    }
}
