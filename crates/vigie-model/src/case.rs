//! Cases: one piece of content or one account on one platform.

use serde::{Deserialize, Serialize};

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
