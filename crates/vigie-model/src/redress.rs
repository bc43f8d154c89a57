//! Due process: the clocks and rules of notices to uploaders, the non-disclosure embargo,
//! complaints, cross-border scrutiny, holds for investigation, threat-to-life escalation and
//! measures against misuse. Pure: every rule takes the time it needs as an argument.

use serde::Serialize;

use crate::decision::Action;
use crate::{Conflict, Duration, Timestamp};

/// TCO art. 11(3): the longest non-disclosure, and the longest single extension.
pub const EMBARGO_MAX: Duration = Duration::from_days(42);
/// TCO art. 10(2): a complaint is answered within two weeks of its receipt.
pub const COMPLAINT_ANSWER: Duration = Duration::from_days(14);
/// DSA art. 20(1): complaints stay open for at least six months after the uploader (or notifier)
/// was informed. 184 days is the longest run of six calendar months, so never shorter.
pub const COMPLAINT_WINDOW: Duration = Duration::from_days(184);
/// TCO art. 4(4): the platform or the uploader asks for scrutiny within 48 hours.
pub const SCRUTINY_REQUEST_WINDOW: Duration = Duration::from_hours(48);
/// TCO art. 4(3) and (4): the scrutinising authority decides within 72 hours.
pub const SCRUTINY_DECISION: Duration = Duration::from_hours(72);
/// A hold for investigation lasts this long unless the watch-list says less.
pub const HOLD_DEFAULT: Duration = Duration::from_hours(72);
/// No hold lasts longer.
pub const HOLD_MAX: Duration = Duration::from_days(7);
/// An unacknowledged threat to life escalates this often.
pub const THREAT_ESCALATION_EVERY: Duration = Duration::from_mins(15);
/// DSA art. 23: a suspension is for a reasonable period; Vigie caps it at a year.
pub const SUSPENSION_MAX: Duration = Duration::from_days(365);

/// Why a step of due process is refused, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: Conflict,
    pub message: String,
}

fn refuse<T>(code: Conflict, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal { code, message: message.into() })
}

/// TCO art. 11(3): the issuing authority's decision that the uploader must not be told, yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Embargo {
    pub decided_at: Timestamp,
    pub until: Timestamp,
    /// The one extension has been used.
    pub extended: bool,
    pub lifted_at: Option<Timestamp>,
}

impl Embargo {
    /// An embargo decided at `decided_at`, until `until` (at most six weeks; six weeks by default).
    pub fn new(decided_at: Timestamp, until: Option<Timestamp>) -> Result<Embargo, Refusal> {
        let until = until.unwrap_or(decided_at.plus(EMBARGO_MAX));
        if until <= decided_at {
            return refuse(Conflict::EmbargoInThePast, "the embargo must end after it is decided");
        }
        if until > decided_at.plus(EMBARGO_MAX) {
            return refuse(Conflict::EmbargoTooLong, "a non-disclosure lasts at most six weeks (TCO art. 11(3))");
        }
        Ok(Embargo { decided_at, until, extended: false, lifted_at: None })
    }
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.lifted_at.is_none() && now < self.until
    }
    /// Whether the scheduler should lift it now.
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.lifted_at.is_none() && now >= self.until
    }
    /// The one extension, by at most six weeks past the current end, while the embargo runs.
    pub fn extend(&mut self, now: Timestamp, until: Timestamp) -> Result<(), Refusal> {
        if !self.is_active(now) {
            return refuse(Conflict::EmbargoNotActive, "only a running embargo can be extended");
        }
        if self.extended {
            return refuse(Conflict::EmbargoAlreadyExtended, "TCO art. 11(3) allows one extension only");
        }
        if until <= self.until {
            return refuse(Conflict::EmbargoNotExtended, "the new end must be later than the current one");
        }
        if until > self.until.plus(EMBARGO_MAX) {
            return refuse(Conflict::EmbargoTooLong, "an extension adds at most six weeks (TCO art. 11(3))");
        }
        self.until = until;
        self.extended = true;
        Ok(())
    }
    pub fn lift(&mut self, now: Timestamp) -> Result<(), Refusal> {
        if self.lifted_at.is_some() {
            return refuse(Conflict::EmbargoNotActive, "the embargo was already lifted");
        }
        self.lifted_at = Some(now);
        Ok(())
    }
}

/// Which redress applies to a decision: the platform's own complaint handling, or the removal
/// order's (its court or body, and cross-border scrutiny).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Route {
    /// The platform decided on its own assessment (a notice, a referral, a bank match).
    #[serde(rename = "platform_decision")]
    Platform,
    /// The platform complied with a removal order.
    #[serde(rename = "removal_order")]
    RemovalOrder,
}

impl Route {
    pub const ALL: [Route; 2] = [Route::Platform, Route::RemovalOrder];
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Platform => "platform_decision",
            Route::RemovalOrder => "removal_order",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// The redress a decision follows. A decision taken on a legal basis while a removal order on
    /// its case was in force (issued before it, not ended before it) complies with the order: it
    /// is contested through the order's own redress (TCO arts. 4 and 9). Every other decision is
    /// the platform's own, contested through its complaint handling (DSA art. 20), even on a case
    /// that has or had an order: a decision on its terms (TCO art. 4(7): "without prejudice to"
    /// them), one taken before the order came, or one taken after it stopped having effect.
    /// `orders`: each order's issue and, if it ended, its end.
    pub fn of_decision(
        on_legal_basis: bool,
        decided_at: Timestamp,
        orders: impl IntoIterator<Item = (Timestamp, Option<Timestamp>)>,
    ) -> Route {
        let under_order =
            orders.into_iter().any(|(issued, ended)| issued <= decided_at && ended.is_none_or(|e| e > decided_at));
        if on_legal_basis && under_order { Route::RemovalOrder } else { Route::Platform }
    }
}

/// Who complains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Complainant {
    /// The content provider, through the link in the notice.
    Uploader,
    /// The person or organisation who reported it, through the receipt's tracking code.
    Notifier,
}

impl Complainant {
    pub fn as_str(self) -> &'static str {
        match self {
            Complainant::Uploader => "uploader",
            Complainant::Notifier => "notifier",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "uploader" => Some(Complainant::Uploader),
            "notifier" => Some(Complainant::Notifier),
            _ => None,
        }
    }
}

/// Whether a complaint may be lodged: the route allows it, the decision is one this complainant
/// may contest, and the window is still open. DSA art. 20(1): the uploader contests a restriction;
/// a notifier contests any decision on its notice, whether or not to act and how (recital 58: a
/// label, a demotion or a disabling in one state may be no adequate answer to it). Art. 20(2):
/// the six months run from when the complainant was informed; `None` (not informed yet, so the
/// window has not started) never closes it.
pub fn may_complain(
    route: Route,
    who: Complainant,
    action: Action,
    informed_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<(), Refusal> {
    if route == Route::RemovalOrder {
        return refuse(
            Conflict::RemovalOrderRedress,
            "content removed under a removal order is not reinstated by the platform's complaint handling: \
             challenge the order before the court or body named in it, or ask for cross-border scrutiny (TCO arts. 4 and 9)",
        );
    }
    if who == Complainant::Uploader && !action.is_restrictive() {
        return refuse(Conflict::NothingToContest, "the content was not restricted");
    }
    if informed_at.is_some_and(|informed| now > informed.plus(COMPLAINT_WINDOW)) {
        return refuse(
            Conflict::ComplaintWindowClosed,
            "complaints close six months after the complainant was informed of the decision (DSA art. 20(1), (2))",
        );
    }
    Ok(())
}

/// The person who reviews a complaint is never the one who took the first decision.
pub fn check_reviewer(first_decider: &str, reviewer: &str) -> Result<(), Refusal> {
    if first_decider == reviewer {
        return refuse(
            Conflict::SameDecider,
            "a complaint is reviewed by a person other than the one who took the first decision (DSA art. 20; SCP 2.0)",
        );
    }
    Ok(())
}

/// Where a complaint stands: open until reviewed, then the review's outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintState {
    Open,
    Upheld,
    Reversed,
}

impl ComplaintState {
    pub const ALL: [ComplaintState; 3] = [ComplaintState::Open, ComplaintState::Upheld, ComplaintState::Reversed];
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintState::Open => "open",
            ComplaintState::Upheld => "upheld",
            ComplaintState::Reversed => "reversed",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl From<ReviewOutcome> for ComplaintState {
    fn from(outcome: ReviewOutcome) -> Self {
        match outcome {
            ReviewOutcome::Upheld => ComplaintState::Upheld,
            ReviewOutcome::Reversed => ComplaintState::Reversed,
        }
    }
}

/// The outcome of a complaint review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewOutcome {
    /// The first decision stands.
    Upheld,
    /// The first decision was wrong: restricted content is reinstated; a no-action decision is
    /// replaced by the reviewer's.
    Reversed,
}

impl ReviewOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Upheld => "upheld",
            ReviewOutcome::Reversed => "reversed",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "upheld" => Some(ReviewOutcome::Upheld),
            "reversed" => Some(ReviewOutcome::Reversed),
            _ => None,
        }
    }
}

/// Who asked for cross-border scrutiny (TCO art. 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScrutinyTrigger {
    /// The addressed platform (art. 4(4)).
    Platform,
    /// The content provider (art. 4(4)).
    Uploader,
    /// The authority of the platform's member state, on its own initiative (art. 4(3)).
    ExOfficio,
}

impl ScrutinyTrigger {
    pub const ALL: [ScrutinyTrigger; 3] =
        [ScrutinyTrigger::Platform, ScrutinyTrigger::Uploader, ScrutinyTrigger::ExOfficio];
    pub fn as_str(self) -> &'static str {
        match self {
            ScrutinyTrigger::Platform => "platform",
            ScrutinyTrigger::Uploader => "uploader",
            ScrutinyTrigger::ExOfficio => "ex_officio",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw)
    }
}

/// Where a scrutiny stands: pending until the scrutinising authority decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScrutinyState {
    Pending,
    /// The order stands.
    NoInfringement,
    /// The order infringes the Regulation or fundamental rights: it stops having effect (art. 4(6)).
    Infringement,
}

impl ScrutinyState {
    pub const ALL: [ScrutinyState; 3] =
        [ScrutinyState::Pending, ScrutinyState::NoInfringement, ScrutinyState::Infringement];
    pub fn as_str(self) -> &'static str {
        match self {
            ScrutinyState::Pending => "pending",
            ScrutinyState::NoInfringement => "no_infringement",
            ScrutinyState::Infringement => "infringement",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// Whether a scrutiny may still be asked for or opened, given when its time started (`from`):
/// the platform within 48 hours of receiving the order, the content provider within 48 hours of
/// being informed (art. 4(4); `None`: not informed yet, so the time has not started), the
/// scrutinising authority on its own initiative within 72 hours of receiving the copy (art. 4(3)).
pub fn scrutiny_in_time(trigger: ScrutinyTrigger, from: Option<Timestamp>, now: Timestamp) -> Result<(), Refusal> {
    let Some(from) = from else { return Ok(()) };
    match trigger {
        ScrutinyTrigger::ExOfficio if now > from.plus(SCRUTINY_DECISION) => refuse(
            Conflict::ScrutinyWindowClosed,
            "the authority scrutinises on its own initiative within 72 hours of receiving the copy of the order (TCO art. 4(3))",
        ),
        ScrutinyTrigger::Platform | ScrutinyTrigger::Uploader if now > from.plus(SCRUTINY_REQUEST_WINDOW) => refuse(
            Conflict::ScrutinyWindowClosed,
            "scrutiny is requested within 48 hours of receiving the order, or of being informed of it (TCO art. 4(4))",
        ),
        _ => Ok(()),
    }
}

/// When a scrutiny must be decided: 72 hours after a request (art. 4(4)); on the authority's own
/// initiative "within the same period" as it may act, 72 hours after it received the copy
/// (art. 4(3)).
pub fn scrutiny_due(trigger: ScrutinyTrigger, requested_at: Timestamp, copy_received_at: Timestamp) -> Timestamp {
    match trigger {
        ScrutinyTrigger::ExOfficio => copy_received_at.plus(SCRUTINY_DECISION),
        _ => requested_at.plus(SCRUTINY_DECISION),
    }
}

/// Whether the scrutinising authority may find an infringement now. It first tells the issuing
/// authority of its intention and reasons (art. 4(5)). On its own initiative it may only do so
/// within the 72 hours of art. 4(3): after them, the order stands. A request (art. 4(4)) must be
/// decided within 72 hours too, but the requester's right does not lapse with the authority's
/// delay: a late decision on a request still takes effect, and is recorded as late.
pub fn may_find_infringement(
    trigger: ScrutinyTrigger,
    due_at: Timestamp,
    issuer_informed: bool,
    now: Timestamp,
) -> Result<(), Refusal> {
    if !issuer_informed {
        return refuse(
            Conflict::IssuerNotInformed,
            "before finding an infringement, tell the issuing authority of the intention and its reasons (TCO art. 4(5))",
        );
    }
    if trigger == ScrutinyTrigger::ExOfficio && crate::is_overdue(due_at, now) {
        return refuse(
            Conflict::ScrutinyPeriodOver,
            "an infringement is found on the authority's own initiative within 72 hours of receiving the copy (TCO art. 4(3))",
        );
    }
    Ok(())
}

words! {
    /// A platform's measure against a notifier who often sends manifestly unfounded notices
    /// (DSA art. 23(2)).
    pub enum MisuseActionKind {
        Warning => "warning",
        /// Notices are not processed until `until`.
        Suspension => "suspension",
        /// An earlier suspension ends now.
        Lift => "lift",
    }
}

words! {
    /// Why a platform refers a case to law enforcement.
    pub enum ReferralBasis {
        /// DSA art. 18: a suspicion of a criminal offence threatening life or safety.
        Dsa18 => "dsa_18",
        /// TCO art. 14(5): terrorist content involving an imminent threat to life.
        Tco14_5 => "tco_14_5",
    }
}

words! {
    /// Who brought a court challenge of a removal order that Vigie records (TCO art. 9): the
    /// addressee, whose proceedings TCO art. 7(3)(e) counts.
    pub enum ChallengeParty {
        Platform => "platform",
    }
}

/// Where a court challenge of a removal order stands: pending until its outcome is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeState {
    Pending,
    Upheld,
    Annulled,
    Withdrawn,
}

impl ChallengeState {
    pub const ALL: [ChallengeState; 4] =
        [ChallengeState::Pending, ChallengeState::Upheld, ChallengeState::Annulled, ChallengeState::Withdrawn];
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeState::Pending => "pending",
            ChallengeState::Upheld => "upheld",
            ChallengeState::Annulled => "annulled",
            ChallengeState::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

impl From<ChallengeOutcome> for ChallengeState {
    fn from(outcome: ChallengeOutcome) -> Self {
        match outcome {
            ChallengeOutcome::Upheld => ChallengeState::Upheld,
            ChallengeOutcome::Annulled => ChallengeState::Annulled,
            ChallengeOutcome::Withdrawn => ChallengeState::Withdrawn,
        }
    }
}

/// How a court challenge of a removal order ended (TCO art. 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeOutcome {
    /// The court upheld the order.
    Upheld,
    /// The court annulled it: the order stops having effect (recorded as an annulment).
    Annulled,
    /// The challenger withdrew it.
    Withdrawn,
}

impl ChallengeOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeOutcome::Upheld => "upheld",
            ChallengeOutcome::Annulled => "annulled",
            ChallengeOutcome::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "upheld" => Some(ChallengeOutcome::Upheld),
            "annulled" => Some(ChallengeOutcome::Annulled),
            "withdrawn" => Some(ChallengeOutcome::Withdrawn),
            _ => None,
        }
    }
}

/// Why a hold for investigation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldEnd {
    /// Its time ran out.
    Expired,
    /// The watch-list's authority released it.
    Released,
    /// A removal order arrived: orders are never held.
    Order,
    /// A threat to life: never held.
    ThreatToLife,
    /// A DSA notice arrived without a national instrument that orders it held: it reaches the
    /// platform.
    Notice,
}

impl HoldEnd {
    pub const ALL: [HoldEnd; 5] =
        [HoldEnd::Expired, HoldEnd::Released, HoldEnd::Order, HoldEnd::ThreatToLife, HoldEnd::Notice];
    pub fn as_str(self) -> &'static str {
        match self {
            HoldEnd::Expired => "expired",
            HoldEnd::Released => "released",
            HoldEnd::Order => "order",
            HoldEnd::ThreatToLife => "threat_to_life",
            HoldEnd::Notice => "notice",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == raw)
    }
    /// Whether something more urgent than the hold ended it (and delivers the case itself).
    pub fn is_override(self) -> bool {
        matches!(self, HoldEnd::Order | HoldEnd::ThreatToLife | HoldEnd::Notice)
    }
}

/// What a hold would withhold, and on what footing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HoldSubject {
    /// The case carries a removal order.
    pub order: bool,
    pub threat_to_life: bool,
    /// The case carries a notice under DSA art. 16 (from the public, a trusted flagger or anyone).
    pub dsa_notice: bool,
    /// A national legal instrument recorded on the watch-list, in force, orders the holding.
    pub instrument: bool,
}

/// Whether a case may be held for investigation. Never one under a removal order (it is executed
/// within the hour), never a threat to life. A notice under DSA art. 16 always reaches its
/// platform (holding it back would leave the platform without the knowledge DSA arts. 6 and 16
/// give it), unless a national legal instrument recorded on the watch-list orders otherwise;
/// the watch-list's authority is told of the match and may use its own powers. What remains is
/// de-confliction between authorities on their own referrals.
pub fn may_hold(case: HoldSubject) -> Result<(), Refusal> {
    if case.order {
        return refuse(Conflict::HoldOnOrder, "a removal order is never held: it must be executed within the hour");
    }
    if case.threat_to_life {
        return refuse(Conflict::HoldOnThreatToLife, "a threat to life is never held");
    }
    if case.dsa_notice && !case.instrument {
        return refuse(
            Conflict::HoldOnNotice,
            "a notice under DSA art. 16 always reaches its platform; only a recorded national legal instrument can order it held",
        );
    }
    Ok(())
}

/// When a hold placed at `now` ends: its length (default 72 h, at most 7 days), and never after
/// the watch-list itself ends.
pub fn hold_until(now: Timestamp, hours: Option<u32>, list_ends_at: Timestamp) -> Result<Timestamp, Refusal> {
    let length = match hours {
        None => HOLD_DEFAULT,
        Some(0) => return refuse(Conflict::HoldLength, "a hold lasts at least an hour"),
        Some(h) => Duration::from_hours(i64::from(h)),
    };
    if length > HOLD_MAX {
        return refuse(Conflict::HoldLength, "a hold lasts at most seven days");
    }
    Ok(now.plus(length).min(list_ends_at))
}

/// When the next escalation of an unacknowledged threat to life is due.
pub fn next_threat_escalation(raised_at: Timestamp, level: u32) -> Timestamp {
    raised_at.plus(Duration::from_micros(THREAT_ESCALATION_EVERY.as_micros() * (i64::from(level) + 1)))
}

/// DSA art. 23(3): what a misuse assessment looks at, per notifier.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MisuseCounts {
    /// Notices sent (a).
    pub notices: u64,
    /// Of which decided manifestly unfounded (a).
    pub unfounded: u64,
}

impl MisuseCounts {
    /// Their share of all notices, in per cent (b).
    pub fn unfounded_percent(&self) -> f64 {
        if self.notices == 0 { 0.0 } else { self.unfounded as f64 * 100.0 / self.notices as f64 }
    }
}

/// DSA art. 23(1)-(2): a suspension comes after a prior warning, for a set time.
pub fn check_suspension(warned_at: Option<Timestamp>, now: Timestamp, until: Timestamp) -> Result<(), Refusal> {
    if warned_at.is_none_or(|w| w > now) {
        return refuse(Conflict::WarningRequired, "a notifier is warned before it is suspended (DSA art. 23(2))");
    }
    if until <= now {
        return refuse(Conflict::SuspensionInThePast, "a suspension ends in the future");
    }
    if until > now.plus(SUSPENSION_MAX) {
        return refuse(Conflict::SuspensionTooLong, "a suspension lasts at most a year");
    }
    Ok(())
}

/// What a case's due process still owes, for storage limitation (GDPR art. 5(1)(e)): a case is
/// closed once it was decided, nothing is pending, and every complaint window has run out; its
/// records are then kept for their retention, and erased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseActivity {
    /// The case has a decision.
    pub decided: bool,
    /// Something still runs: a hold, an open complaint, a pending scrutiny or court challenge, a
    /// notice withheld by an embargo.
    pub pending: bool,
    /// The latest step of its due process (a decision, a reversal, a review, a scrutiny decision,
    /// a ruling, the end of an order).
    pub last: Option<Timestamp>,
    /// When each complainant's six months began: an uploader when informed (or, never informed,
    /// when the notice was issued), a notifier when told.
    pub windows_from: Vec<Timestamp>,
}

/// When the case closed, if it has.
pub fn closed_at(a: &CaseActivity) -> Option<Timestamp> {
    if !a.decided || a.pending {
        return None;
    }
    let windows = a.windows_from.iter().map(|w| w.plus(COMPLAINT_WINDOW));
    a.last.into_iter().chain(windows).max()
}

/// The area of expertise that covers terrorist content: the Transparency Database's category
/// for it (lower-case, without `STATEMENT_CATEGORY_`).
pub const TERRORIST_CONTENT_AREA: &str = "risk_for_public_security";

/// A trusted flagger's status, as the Digital Services Coordinator decides it (DSA art. 22).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlaggerStatus {
    /// Awarded (art. 22(2)), or reinstated after a suspension.
    Active,
    /// Suspended while the coordinator investigates (art. 22(6)).
    Suspended,
    /// Revoked (art. 22(7)); only a new award restores it.
    Revoked,
}

impl FlaggerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FlaggerStatus::Active => "active",
            FlaggerStatus::Suspended => "suspended",
            FlaggerStatus::Revoked => "revoked",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "active" => Some(FlaggerStatus::Active),
            "suspended" => Some(FlaggerStatus::Suspended),
            "revoked" => Some(FlaggerStatus::Revoked),
            _ => None,
        }
    }
    /// Whether the coordinator's decision `next` can follow the current status.
    pub fn change_to(self, next: FlaggerStatus) -> Result<(), Refusal> {
        match (self, next) {
            (FlaggerStatus::Revoked, _) => refuse(
                Conflict::FlaggerRevoked,
                "a revoked status comes back only with a new award (DSA art. 22(2), (7))",
            ),
            (a, b) if a == b => refuse(Conflict::StatusUnchanged, format!("the status is already {}", a.as_str())),
            _ => Ok(()),
        }
    }
}

/// DSA art. 22(1): a trusted flagger's notices have priority only while its award stands and
/// within its designated areas of expertise (for Vigie, terrorist content).
pub fn flagger_priority(status: FlaggerStatus, areas: &[String]) -> bool {
    status == FlaggerStatus::Active && areas.iter().any(|a| a == TERRORIST_CONTENT_AREA)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records and event payloads hold these enums; they serialise as the words stored before.
    #[test]
    fn due_process_enums_serialise_as_their_stored_words() {
        fn same<T: Serialize + Copy>(all: &[T], word: impl Fn(T) -> &'static str) {
            for &x in all {
                assert_eq!(serde_json::to_value(x).unwrap(), serde_json::json!(word(x)));
            }
        }
        same(&Route::ALL, Route::as_str);
        same(&[Complainant::Uploader, Complainant::Notifier], Complainant::as_str);
        same(&ComplaintState::ALL, ComplaintState::as_str);
        same(&ScrutinyTrigger::ALL, ScrutinyTrigger::as_str);
        same(&ScrutinyState::ALL, ScrutinyState::as_str);
        same(&ChallengeState::ALL, ChallengeState::as_str);
        same(&HoldEnd::ALL, HoldEnd::as_str);
        for e in HoldEnd::ALL {
            assert_eq!(HoldEnd::parse(e.as_str()), Some(e));
        }
        same(&[FlaggerStatus::Active, FlaggerStatus::Suspended, FlaggerStatus::Revoked], FlaggerStatus::as_str);
        for s in ChallengeState::ALL {
            assert_eq!(ChallengeState::parse(s.as_str()), Some(s));
        }
        for s in ComplaintState::ALL {
            assert_eq!(ComplaintState::parse(s.as_str()), Some(s));
        }
        for s in ScrutinyState::ALL {
            assert_eq!(ScrutinyState::parse(s.as_str()), Some(s));
        }
        assert_eq!(Route::parse("removal_order"), Some(Route::RemovalOrder));
        assert_eq!(ScrutinyTrigger::parse("ex_officio"), Some(ScrutinyTrigger::ExOfficio));
    }

    const T0: Timestamp = Timestamp::from_micros(1_700_000_000_000_000);

    fn code<T: std::fmt::Debug>(r: Result<T, Refusal>) -> &'static str {
        r.unwrap_err().code.as_str()
    }

    #[test]
    fn an_embargo_lasts_at_most_six_weeks_plus_one_extension_of_six() {
        let mut e = Embargo::new(T0, None).unwrap();
        assert_eq!(e.until, T0.plus(EMBARGO_MAX));
        assert_eq!(code(Embargo::new(T0, Some(T0.plus(Duration::from_days(43))))), "embargo_too_long");
        assert_eq!(code(Embargo::new(T0, Some(T0))), "embargo_in_the_past");
        let now = T0.plus(Duration::from_days(40));
        assert_eq!(code(e.extend(now, e.until.plus(Duration::from_days(43)))), "embargo_too_long");
        e.extend(now, e.until.plus(EMBARGO_MAX)).unwrap();
        assert_eq!(e.until, T0.plus(Duration::from_days(84)));
        assert_eq!(code(e.extend(now, e.until.plus(Duration::from_days(1)))), "embargo_already_extended");
        assert!(e.is_active(T0.plus(Duration::from_days(83))));
        assert!(!e.is_due(T0.plus(Duration::from_days(83))));
        assert!(e.is_due(T0.plus(Duration::from_days(84))));
        e.lift(T0.plus(Duration::from_days(84))).unwrap();
        assert!(!e.is_due(T0.plus(Duration::from_days(90))));
    }

    #[test]
    fn an_expired_embargo_cannot_be_extended() {
        let mut e = Embargo::new(T0, Some(T0.plus(Duration::from_days(7)))).unwrap();
        let late = T0.plus(Duration::from_days(8));
        assert_eq!(code(e.extend(late, late.plus(Duration::from_days(7)))), "embargo_not_active");
    }

    #[test]
    fn complaints_follow_the_route_and_the_window() {
        let informed = Some(T0);
        let ok = T0.plus(Duration::from_days(100));
        assert!(may_complain(Route::Platform, Complainant::Uploader, Action::Remove, informed, ok).is_ok());
        assert_eq!(
            code(may_complain(Route::RemovalOrder, Complainant::Uploader, Action::Remove, informed, ok)),
            "removal_order_redress"
        );
        assert_eq!(
            code(may_complain(Route::Platform, Complainant::Uploader, Action::NoAction, informed, ok)),
            "nothing_to_contest"
        );
        assert!(may_complain(Route::Platform, Complainant::Notifier, Action::NoAction, informed, ok).is_ok());
        assert!(may_complain(Route::Platform, Complainant::Notifier, Action::Exempt, informed, ok).is_ok());
        let last = T0.plus(COMPLAINT_WINDOW);
        assert!(may_complain(Route::Platform, Complainant::Uploader, Action::Remove, informed, last).is_ok());
        let late = last.plus(Duration::from_secs(1));
        assert_eq!(
            code(may_complain(Route::Platform, Complainant::Uploader, Action::Remove, informed, late)),
            "complaint_window_closed"
        );
    }

    /// DSA art. 20(1) and recital 58: a notifier contests any decision on its notice, a measure
    /// it finds inadequate as well as no action. (Before step 8 Vigie refused a notifier's
    /// complaint about any restriction, `notifier_against_no_action_only`.)
    #[test]
    fn a_notifier_contests_any_decision_dsa_20_1() {
        let ok = T0.plus(Duration::from_days(1));
        for action in [Action::Label, Action::Restrict, Action::Disable, Action::Remove, Action::SuspendAccount] {
            assert!(may_complain(Route::Platform, Complainant::Notifier, action, Some(T0), ok).is_ok(), "{action:?}");
        }
    }

    /// DSA art. 20(2): the six months run from when the complainant was informed; a complainant
    /// not yet informed is not yet running out of time.
    #[test]
    fn the_window_runs_from_being_informed_dsa_20_2() {
        let years_later = T0.plus(Duration::from_days(1000));
        assert!(may_complain(Route::Platform, Complainant::Uploader, Action::Remove, None, years_later).is_ok());
        let informed = T0.plus(Duration::from_days(900));
        assert!(
            may_complain(Route::Platform, Complainant::Uploader, Action::Remove, Some(informed), years_later).is_ok()
        );
    }

    /// TCO arts. 4(7) and 9, DSA art. 20: only a decision on a legal basis taken while an order
    /// was in force follows the order's redress; the platform's own decisions, on a case that has
    /// or had an order, keep the complaint.
    #[test]
    fn only_decisions_under_an_order_in_force_follow_its_redress_tco_4_7() {
        let issued = T0;
        let ended = T0.plus(Duration::from_days(3));
        let during = T0.plus(Duration::from_hours(1));
        let after = T0.plus(Duration::from_days(10));
        let before = T0.minus(Duration::from_hours(1));
        assert_eq!(Route::of_decision(true, during, [(issued, None)]), Route::RemovalOrder);
        assert_eq!(Route::of_decision(true, during, [(issued, Some(ended))]), Route::RemovalOrder);
        assert_eq!(Route::of_decision(false, during, [(issued, None)]), Route::Platform, "on its terms");
        assert_eq!(Route::of_decision(true, after, [(issued, Some(ended))]), Route::Platform, "after the order ended");
        assert_eq!(Route::of_decision(true, before, [(issued, None)]), Route::Platform, "before the order came");
        assert_eq!(Route::of_decision(true, during, []), Route::Platform);
    }

    #[test]
    fn the_first_decider_never_reviews() {
        assert_eq!(code(check_reviewer("usr_a", "usr_a")), "same_decider");
        assert!(check_reviewer("usr_a", "usr_b").is_ok());
    }

    #[test]
    fn scrutiny_requests_close_after_48_hours_ex_officio_after_72() {
        let edge = T0.plus(SCRUTINY_REQUEST_WINDOW);
        assert!(scrutiny_in_time(ScrutinyTrigger::Platform, Some(T0), edge).is_ok());
        let late = edge.plus(Duration::from_secs(1));
        assert_eq!(code(scrutiny_in_time(ScrutinyTrigger::Uploader, Some(T0), late)), "scrutiny_window_closed");
        assert!(scrutiny_in_time(ScrutinyTrigger::ExOfficio, Some(T0), late).is_ok());
        let after = T0.plus(SCRUTINY_DECISION).plus(Duration::from_secs(1));
        assert_eq!(code(scrutiny_in_time(ScrutinyTrigger::ExOfficio, Some(T0), after)), "scrutiny_window_closed");
    }

    /// TCO art. 4(4): the content provider's 48 hours run from being informed; until then they
    /// have not started.
    #[test]
    fn tco_art_4_4_the_uploaders_window_has_not_started_before_they_are_informed() {
        let much_later = T0.plus(Duration::from_days(30));
        assert!(scrutiny_in_time(ScrutinyTrigger::Uploader, None, much_later).is_ok());
    }

    /// TCO art. 4(3): ex officio, the 72 hours run from the copy's receipt, whenever the
    /// scrutiny is opened; a request is decided 72 hours after it arrives.
    #[test]
    fn tco_art_4_3_ex_officio_scrutiny_is_due_72_hours_after_the_copy() {
        let opened = T0.plus(Duration::from_hours(60));
        assert_eq!(scrutiny_due(ScrutinyTrigger::ExOfficio, opened, T0), T0.plus(SCRUTINY_DECISION));
        assert_eq!(scrutiny_due(ScrutinyTrigger::Platform, opened, T0), opened.plus(SCRUTINY_DECISION));
    }

    /// TCO art. 4(3) and (5): no infringement without telling the issuer first; none on the
    /// authority's own initiative after its 72 hours; a late answer to a request still counts.
    #[test]
    fn tco_art_4_5_an_infringement_needs_the_issuer_told_and_ex_officio_its_72_hours() {
        let due = T0.plus(SCRUTINY_DECISION);
        let late = due.plus(Duration::from_secs(1));
        assert_eq!(code(may_find_infringement(ScrutinyTrigger::Platform, due, false, T0)), "issuer_not_informed");
        assert!(may_find_infringement(ScrutinyTrigger::Platform, due, true, late).is_ok());
        assert!(may_find_infringement(ScrutinyTrigger::ExOfficio, due, true, due).is_ok());
        assert_eq!(code(may_find_infringement(ScrutinyTrigger::ExOfficio, due, true, late)), "scrutiny_period_over");
    }

    /// DSA arts. 6 and 16: a notice always reaches its platform unless a recorded national legal
    /// instrument orders the hold; referrals between authorities may be held for de-confliction.
    #[test]
    fn dsa_art_16_notices_are_held_only_under_a_national_legal_instrument() {
        let notice = HoldSubject { dsa_notice: true, ..Default::default() };
        assert_eq!(code(may_hold(notice)), "hold_on_notice");
        assert!(may_hold(HoldSubject { instrument: true, ..notice }).is_ok());
        assert!(may_hold(HoldSubject::default()).is_ok(), "a referral, for de-confliction");
        let order = HoldSubject { order: true, instrument: true, ..Default::default() };
        assert_eq!(code(may_hold(order)), "hold_on_order", "no instrument holds an order");
    }

    #[test]
    fn holds_are_bounded_and_never_apply_to_orders_or_threats_to_life() {
        assert_eq!(code(may_hold(HoldSubject { order: true, ..Default::default() })), "hold_on_order");
        assert_eq!(
            code(may_hold(HoldSubject { threat_to_life: true, ..Default::default() })),
            "hold_on_threat_to_life"
        );
        assert!(may_hold(HoldSubject::default()).is_ok());
        let far = T0.plus(Duration::from_days(365));
        assert_eq!(hold_until(T0, None, far).unwrap(), T0.plus(HOLD_DEFAULT));
        assert_eq!(hold_until(T0, Some(24), far).unwrap(), T0.plus(Duration::from_hours(24)));
        assert_eq!(code(hold_until(T0, Some(24 * 8), far)), "hold_length");
        let soon = T0.plus(Duration::from_hours(5));
        assert_eq!(hold_until(T0, None, soon).unwrap(), soon);
    }

    #[test]
    fn threats_escalate_every_quarter_hour() {
        assert_eq!(next_threat_escalation(T0, 0), T0.plus(Duration::from_mins(15)));
        assert_eq!(next_threat_escalation(T0, 3), T0.plus(Duration::from_mins(60)));
    }

    /// DSA art. 22(1), (6), (7): priority follows the coordinator's award, within its areas; a
    /// suspension may be lifted by the coordinator; a revocation is final.
    #[test]
    fn trusted_flagger_priority_follows_the_coordinators_award_dsa_22() {
        let ours = vec![TERRORIST_CONTENT_AREA.to_owned(), "violence".to_owned()];
        let elsewhere = vec!["intellectual_property_infringements".to_owned()];
        assert!(flagger_priority(FlaggerStatus::Active, &ours));
        assert!(!flagger_priority(FlaggerStatus::Active, &elsewhere), "outside its designated area");
        assert!(!flagger_priority(FlaggerStatus::Suspended, &ours));
        assert!(!flagger_priority(FlaggerStatus::Revoked, &ours));
        assert!(FlaggerStatus::Active.change_to(FlaggerStatus::Suspended).is_ok());
        assert!(FlaggerStatus::Suspended.change_to(FlaggerStatus::Active).is_ok());
        assert!(FlaggerStatus::Suspended.change_to(FlaggerStatus::Revoked).is_ok());
        assert_eq!(code(FlaggerStatus::Revoked.change_to(FlaggerStatus::Active)), "flagger_revoked");
        assert_eq!(code(FlaggerStatus::Active.change_to(FlaggerStatus::Active)), "status_unchanged");
    }

    /// GDPR art. 5(1)(e): a case closes when decided, with nothing pending, once the last
    /// complaint window ran out.
    #[test]
    fn a_case_closes_after_its_last_window_gdpr_5_1_e() {
        let decided = CaseActivity {
            decided: true,
            pending: false,
            last: Some(T0),
            windows_from: vec![T0.plus(Duration::from_days(3)), T0.plus(Duration::from_days(1))],
        };
        assert_eq!(closed_at(&decided), Some(T0.plus(Duration::from_days(3)).plus(COMPLAINT_WINDOW)));
        assert_eq!(closed_at(&CaseActivity { pending: true, ..decided.clone() }), None);
        assert_eq!(closed_at(&CaseActivity { decided: false, ..decided.clone() }), None);
        let quiet = CaseActivity { windows_from: Vec::new(), ..decided };
        assert_eq!(closed_at(&quiet), Some(T0));
    }

    #[test]
    fn a_suspension_needs_a_prior_warning_and_an_end() {
        let now = T0.plus(Duration::from_days(1));
        let until = now.plus(Duration::from_days(30));
        assert_eq!(code(check_suspension(None, now, until)), "warning_required");
        assert!(check_suspension(Some(T0), now, until).is_ok());
        assert_eq!(code(check_suspension(Some(T0), now, now)), "suspension_in_the_past");
        assert_eq!(code(check_suspension(Some(T0), now, now.plus(Duration::from_days(400)))), "suspension_too_long");
        let counts = MisuseCounts { notices: 8, unfounded: 2 };
        assert_eq!(counts.unfounded_percent(), 25.0);
    }
}
