//! Identifier newtypes: one per kind of object, so an order id can never be passed as a case id.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident => $prefix:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// Makes an id from 16 random bytes supplied by the caller.
            pub fn from_random(bytes: [u8; 16]) -> Self {
                Self(format!("{}_{}", $prefix, hex::encode(bytes)))
            }

            /// Accepts an id from storage or from a request; `None` when it has the wrong shape.
            pub fn parse(raw: &str) -> Option<Self> {
                let rest = raw.strip_prefix($prefix)?.strip_prefix('_')?;
                let ok = rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
                ok.then(|| Self(raw.to_owned()))
            }

            /// Wraps a value read back from our own store, which only ever holds valid ids.
            pub fn from_trusted(raw: String) -> Self {
                Self(raw)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

id_type! {
    /// An organisation: an authority, a platform, a trusted flagger, an overseer or a hub.
    OrgId => "org";
    /// A person who acts for an organisation.
    UserId => "usr";
    /// An API token, which belongs to a person.
    TokenId => "tok";
    /// A notice, referral or removal order.
    SignalId => "sig";
    /// One piece of content or one account on one platform (or parked for the hub).
    CaseId => "cas";
    /// A platform's decision on a case.
    DecisionId => "dec";
    /// A webhook endpoint registered by a platform.
    WebhookId => "whk";
    /// One entry of the event log.
    EventId => "evt";
    /// One erasable personal or confidential value.
    PersonalRef => "pii";
    /// One message waiting in the delivery outbox.
    DeliveryId => "dlv";
    /// An advance notice (TCO art. 3(2)) from an authority to a platform.
    AdvanceNoticeId => "adv";
    /// A hash bank.
    BankId => "bnk";
    /// A platform's registered terms-and-conditions clause.
    TermsClauseId => "tcl";
    /// A notice to an uploader about a restrictive decision (TCO art. 11, DSA art. 17).
    UploaderNoticeId => "unt";
    /// A complaint against a decision (TCO art. 10, DSA art. 20).
    ComplaintId => "cpl";
    /// A cross-border scrutiny of a removal order (TCO art. 4).
    ScrutinyId => "scr";
    /// An authority's blind watch-list for de-confliction.
    WatchlistId => "wls";
    /// A hold that keeps a case up for an investigation.
    HoldId => "hld";
    /// A referral to law enforcement about a threat to life (DSA art. 18, TCO art. 14(5)).
    LawEnforcementReferralId => "ler";
    /// A warning or a suspension of a notifier for misuse (DSA art. 23).
    MisuseActionId => "mis";
    /// A piece of media attached to a case.
    MediaId => "med";
    /// A court challenge of a removal order (TCO art. 9).
    ChallengeId => "chl";
    /// An internal note on a case, for the platform's moderators.
    NoteId => "nte";
    /// Work that takes minutes (a video to decode and check), answered later.
    JobId => "job";
    /// A preservation record of the evidence vault (TCO art. 6).
    EvidenceId => "evd";
    /// An authority's recorded request to open an evidence record.
    EvidenceRequestId => "erq";
    /// An export of a case's evidence, requested by one custodian and approved by another.
    EvidenceExportId => "exp";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_other_kinds() {
        let id = CaseId::from_random([0xab; 16]);
        assert_eq!(CaseId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(SignalId::parse(id.as_str()), None);
        assert_eq!(CaseId::parse("cas_XYZ"), None);
        assert_eq!(CaseId::parse("cas_ABABABABABABABABABABABABABABABAB"), None);
    }
}
