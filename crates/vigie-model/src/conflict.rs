//! Why a valid request is refused by the state of what it acts on: the conflicts, each with its
//! stable code.
//!
//! Use-cases and the rules of due process refuse with a [`Conflict`], never with a free string,
//! so a misspelt code does not compile. `vigie-web`'s table of error codes gives each one its
//! HTTP status and title, and `docs/api.md` lists them all (a test checks both).

macro_rules! conflicts {
    ($($variant:ident => $code:literal,)+) => {
        /// A refusal by state, by its stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Conflict {
            $($variant,)+
        }

        impl Conflict {
            /// Every conflict, in the order of the table.
            pub const ALL: &[Conflict] = &[$(Conflict::$variant,)+];

            /// The stable snake_case code clients match on.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Conflict::$variant => $code,)+
                }
            }
        }
    };
}

conflicts! {
    AlreadyAcknowledged => "already_acknowledged",
    AlreadyApproved => "already_approved",
    AlreadyDecided => "already_decided",
    AlreadyGranted => "already_granted",
    AlreadyHeld => "already_held",
    AlreadyRetired => "already_retired",
    AlreadyReviewed => "already_reviewed",
    AmbiguousBankName => "ambiguous_bank_name",
    BankExists => "bank_exists",
    CannotRemoveSelf => "cannot_remove_self",
    CaseHeld => "case_held",
    ChallengeDecided => "challenge_decided",
    ClaimedByAnother => "claimed_by_another",
    ComplaintOpen => "complaint_open",
    ComplaintWindowClosed => "complaint_window_closed",
    DuplicateCode => "duplicate_code",
    DuplicateEntry => "duplicate_entry",
    EmbargoAlreadyExtended => "embargo_already_extended",
    EmbargoInThePast => "embargo_in_the_past",
    EmbargoNotActive => "embargo_not_active",
    EmbargoNotExtended => "embargo_not_extended",
    EmbargoTooLong => "embargo_too_long",
    ExportNotApproved => "export_not_approved",
    ExtensionNotLater => "extension_not_later",
    FlaggerRevoked => "flagger_revoked",
    FourEyes => "four_eyes",
    HoldEnded => "hold_ended",
    HoldLength => "hold_length",
    HoldOnNotice => "hold_on_notice",
    HoldOnOrder => "hold_on_order",
    HoldOnThreatToLife => "hold_on_threat_to_life",
    HoldTooLate => "hold_too_late",
    HoldUsed => "hold_used",
    HostTaken => "host_taken",
    IssuerInformed => "issuer_informed",
    IssuerNotInformed => "issuer_not_informed",
    LoginTaken => "login_taken",
    NoAlert => "no_alert",
    NoAward => "no_award",
    NoEmbargo => "no_embargo",
    NoReviewPending => "no_review_pending",
    NoScrutinisingAuthority => "no_scrutinising_authority",
    NotATrustedFlagger => "not_a_trusted_flagger",
    NotAcknowledgeable => "not_acknowledgeable",
    NotAnOrder => "not_an_order",
    NotClaimed => "not_claimed",
    NotCrossBorder => "not_cross_border",
    NotDeadLetter => "not_dead_letter",
    NotDecided => "not_decided",
    NotExtensible => "not_extensible",
    NotRevealed => "not_revealed",
    NotSuspended => "not_suspended",
    NotTheDecider => "not_the_decider",
    NothingToContest => "nothing_to_contest",
    NothingToReinstate => "nothing_to_reinstate",
    NothingUnfounded => "nothing_unfounded",
    NoticeWithheld => "notice_withheld",
    NotifierSuspended => "notifier_suspended",
    OrderEnded => "order_ended",
    OrderInForce => "order_in_force",
    OrderState => "order_state",
    OriginalNotKept => "original_not_kept",
    OwnBank => "own_bank",
    RecordAsAnnulment => "record_as_annulment",
    RecordPurged => "record_purged",
    ReferralRequired => "referral_required",
    RemovalOrderRedress => "removal_order_redress",
    ReversalNotRestrictive => "reversal_not_restrictive",
    SameDecider => "same_decider",
    ScrutinyPending => "scrutiny_pending",
    ScrutinyPeriodOver => "scrutiny_period_over",
    ScrutinyWindowClosed => "scrutiny_window_closed",
    StatusUnchanged => "status_unchanged",
    SuspensionInThePast => "suspension_in_the_past",
    SuspensionTooLong => "suspension_too_long",
    UndoWindowClosed => "undo_window_closed",
    UserRemoved => "user_removed",
    WarningRequired => "warning_required",
    WatchlistClosed => "watchlist_closed",
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in Conflict::ALL {
            let code = c.as_str();
            assert!(seen.insert(code), "{code} twice");
            assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
        }
    }
}
