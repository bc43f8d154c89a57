//! Vigie's domain vocabulary and rules.
//!
//! Everything here is pure: no I/O, no clock, no randomness. Time and random values come in as
//! arguments (a [`Timestamp`], bytes), so every rule can be tested by passing values.
//!
//! The main pieces:
//! - [`location`]: what a report points at (content or an account) and URL canonicalisation, which
//!   decides when two reports are about the same thing.
//! - [`org`]: organisations, their kinds, member states and roles.
//! - [`signal`]: notices, referrals and removal orders, and the priority a case gets from them.
//! - [`bank`]: hash banks, sharing, the upload verdict and the python-threatexchange formats.
//! - [`case`]: the states of a case.
//! - [`order`]: the Annex I fields of a removal order and its one-hour clock.
//! - [`labels`]: what a case's content is: its language and its types of terrorist content.
//! - [`decision`]: actions, grounds (legal bases and terms clauses) and the rules tying them.
//! - [`redress`]: the clocks and rules of due process: embargoes, complaints, scrutiny, holds,
//!   threat-to-life escalation, misuse.
//! - [`sor`]: statements of reasons in the DSA Transparency Database schema, and their checks.
//! - [`graph`]: the account network: what links accounts, and the bounds of a view.
//! - [`event`]: the hash-chained event log and salted hashes of personal values.
//! - [`conflict`]: the refusals by state, each with its stable code.

/// A closed vocabulary stored and sent as words: the enum, its words, `ALL`, `as_str` and `parse`.
macro_rules! words {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }
            pub fn parse(raw: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|w| w.as_str() == raw)
            }
        }
    };
}

pub mod bank;
pub mod case;
pub mod conflict;
pub mod decision;
pub mod event;
pub mod evidence;
pub mod graph;
pub mod ids;
pub mod labels;
pub mod location;
pub mod order;
pub mod org;
pub mod redress;
pub mod review;
pub mod signal;
pub mod sor;
pub mod time;
pub mod validation;

pub use conflict::Conflict;
pub use ids::*;
pub use org::Principal;
pub use time::{Duration, Timestamp, is_overdue};
pub use validation::{FieldError, Invalid};
