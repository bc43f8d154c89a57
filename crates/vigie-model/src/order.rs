//! Removal orders (TCO art. 3): the Annex I fields and the one-hour clock.
//!
//! One order has one clock, however many URLs it lists. The clock runs from the platform's
//! receipt, not from intake: where Vigie is the platform's designated channel (art. 15), receipt is
//! the moment the order is available to it, which is when it is sent; otherwise its first fetch,
//! acknowledgement, answer or webhook delivery. A "cannot comply" notice (Annex III) suspends it;
//! the platform's receipt of a clarification (art. 3(8)) or the end of a force majeure (art. 3(7))
//! starts a fresh hour. An order the platform has not acknowledged a quarter of an hour after it
//! was sent escalates, to the platform and to the issuing authority.

use serde::{Deserialize, Serialize};

use crate::validation::Checker;
use crate::{Duration, Timestamp, is_overdue};

/// The time a platform has to act on a received order.
pub const ORDER_DEADLINE: Duration = Duration::from_hours(1);
/// When, before the deadline, the first escalation fires (45 minutes into the hour).
pub const FIRST_ESCALATION_BEFORE_DEADLINE: Duration = Duration::from_mins(15);
/// How long before a first order an authority must have sent its advance notice (art. 3(2)).
pub const ADVANCE_NOTICE_LEAD: Duration = Duration::from_hours(12);
/// When an order the platform has not acknowledged escalates, after it was sent.
pub const UNACKNOWLEDGED_AFTER: Duration = Duration::from_mins(15);

/// The five types of terrorist content of art. 2(7), the tick-boxes of Annex I section B.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ReasonType {
    /// (a) incites the commission of one of the offences of Directive (EU) 2017/541 art. 3(1)(a)
    /// to (i), where it advocates them directly or indirectly (e.g. by glorifying terrorist acts),
    /// thereby causing a danger that one or more such offences may be committed: without that
    /// danger, advocacy is speech, not terrorist content.
    #[serde(rename = "a")]
    Incites,
    /// (b) solicits a person or group to commit or contribute to such offences.
    #[serde(rename = "b")]
    SolicitsOffence,
    /// (c) solicits participation in the activities of a terrorist group.
    #[serde(rename = "c")]
    SolicitsGroup,
    /// (d) instructs on making or using weapons or hazardous substances for such offences.
    #[serde(rename = "d")]
    Instructs,
    /// (e) threatens to commit one of the offences of Directive (EU) 2017/541 art. 3(1)(a) to (i).
    #[serde(rename = "e")]
    Threatens,
}

impl ReasonType {
    pub const ALL: [ReasonType; 5] = [
        ReasonType::Incites,
        ReasonType::SolicitsOffence,
        ReasonType::SolicitsGroup,
        ReasonType::Instructs,
        ReasonType::Threatens,
    ];
    pub fn letter(self) -> &'static str {
        match self {
            ReasonType::Incites => "a",
            ReasonType::SolicitsOffence => "b",
            ReasonType::SolicitsGroup => "c",
            ReasonType::Instructs => "d",
            ReasonType::Threatens => "e",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.letter() == raw)
    }
    /// The matching legal-basis id in the seed taxonomy.
    pub fn legal_basis_id(self) -> &'static str {
        match self {
            ReasonType::Incites => "eu.tco.2-7-a",
            ReasonType::SolicitsOffence => "eu.tco.2-7-b",
            ReasonType::SolicitsGroup => "eu.tco.2-7-c",
            ReasonType::Instructs => "eu.tco.2-7-d",
            ReasonType::Threatens => "eu.tco.2-7-e",
        }
    }
}

/// Checks a type of terrorist content given by its letter (art. 2(7), `a` to `e`):
/// `unknown_reason` on `field` when it is none.
pub fn check_type(c: &mut Checker, letter: &str, field: &str) -> Option<ReasonType> {
    let t = ReasonType::parse(letter);
    c.check(t.is_some(), field, "unknown_reason", "must be one of a, b, c, d, e (art. 2(7))");
    t
}

/// Checks types given by letter, each as [`check_type`] on `field[i]`. The types, sorted, each once.
pub fn check_types(c: &mut Checker, raw: &[String], field: &str) -> Vec<ReasonType> {
    let mut types: Vec<ReasonType> =
        raw.iter().enumerate().filter_map(|(i, letter)| check_type(c, letter, &format!("{field}[{i}]"))).collect();
    types.sort();
    types.dedup();
    types
}

/// Annex I section E: what kind of authority issued the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorityType {
    Judicial,
    LawEnforcement,
    Other,
}

/// Annex I section G: redress for the platform and the content provider.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redress {
    /// The competent body or court.
    pub body: Option<String>,
    /// Days allowed to challenge the order.
    pub deadline_days: Option<u32>,
    /// Hours allowed to challenge the order, where the national law counts in hours (France:
    /// 48 hours, LCEN art. 6-1-5). One of `deadline_days` and `deadline_hours`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_hours: Option<u32>,
    /// From what the days run (e.g. "receipt of the order").
    pub deadline_from: Option<String>,
    /// Where the national provisions can be read.
    pub provisions_url: Option<String>,
}

impl Redress {
    /// How long the order may be challenged, from the moment each party's time starts (the
    /// platform's receipt, the content provider's being informed).
    pub fn deadline(&self) -> Option<Duration> {
        match (self.deadline_hours, self.deadline_days) {
            (Some(h), _) => Some(Duration::from_hours(i64::from(h))),
            (None, Some(d)) => Some(Duration::from_days(i64::from(d))),
            (None, None) => None,
        }
    }
}

/// Annex I section E: the person who signs for the authority.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Representative {
    pub name: Option<String>,
    /// Post, title and grade.
    pub post: Option<String>,
}

/// The order's fields as they arrive, before checking.
#[derive(Clone, Debug, Default)]
pub struct RawOrderForm {
    pub reference: Option<String>,
    pub reasons: Option<Vec<String>>,
    pub statement_of_reasons: Option<String>,
    pub redress: Option<Redress>,
    pub non_disclosure: Option<bool>,
    pub authority_type: Option<String>,
    pub representative: Option<Representative>,
    pub file_number: Option<String>,
    pub contact_email: Option<String>,
    pub emergency_justification: Option<String>,
}

/// The checked Annex I fields that do not depend on stored data (addressee and URLs are checked
/// against the host registry by the application).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderForm {
    pub reference: String,
    pub reasons: Vec<ReasonType>,
    pub statement_of_reasons: String,
    pub redress: Redress,
    pub non_disclosure: bool,
    pub authority_type: AuthorityType,
    pub representative: Representative,
    pub file_number: Option<String>,
    pub contact_email: String,
    pub emergency_justification: Option<String>,
}

impl RawOrderForm {
    /// Checks every field and records each problem in `c`; returns the form when all are good.
    pub fn check(self, c: &mut Checker) -> Option<OrderForm> {
        c.text(self.reference.as_deref(), "reference", 128);
        let mut reasons = Vec::new();
        match &self.reasons {
            None => c.push("reasons", "required", "tick at least one art. 2(7) type (a to e)"),
            Some(list) if list.is_empty() => c.push("reasons", "required", "tick at least one art. 2(7) type (a to e)"),
            Some(list) => reasons = check_types(c, list, "reasons"),
        }
        c.text(self.statement_of_reasons.as_deref(), "statement_of_reasons", 20_000);
        let redress = self.redress.unwrap_or_default();
        c.text(redress.body.as_deref(), "redress.body", 500);
        match (redress.deadline_days, redress.deadline_hours) {
            (None, None) => c.push(
                "redress.deadline_days",
                "required",
                "the deadline for challenging the order, in days (deadline_days) or hours (deadline_hours)",
            ),
            (Some(_), Some(_)) => {
                c.push("redress.deadline_hours", "two_deadlines", "give the deadline in days or in hours, not both")
            }
            (Some(0), None) => c.push("redress.deadline_days", "out_of_range", "must be at least one day"),
            (Some(d), None) if d > 3650 => c.push("redress.deadline_days", "out_of_range", "must be at most 3650 days"),
            (None, Some(0)) => c.push("redress.deadline_hours", "out_of_range", "must be at least one hour"),
            (None, Some(h)) if h > 87_600 => {
                c.push("redress.deadline_hours", "out_of_range", "must be at most 87600 hours")
            }
            _ => {}
        }
        c.optional_text(redress.deadline_from.as_deref(), "redress.deadline_from", 200);
        c.optional_text(redress.provisions_url.as_deref(), "redress.provisions_url", 2000);
        c.check(
            self.non_disclosure.is_some(),
            "non_disclosure",
            "required",
            "say whether the uploader may be told (Annex I section C)",
        );
        let authority_type = match self.authority_type.as_deref() {
            None => {
                c.push("authority_type", "required", "judicial, law_enforcement or other (Annex I section E)");
                None
            }
            Some("judicial") => Some(AuthorityType::Judicial),
            Some("law_enforcement") => Some(AuthorityType::LawEnforcement),
            Some("other") => Some(AuthorityType::Other),
            Some(_) => {
                c.push("authority_type", "unknown_authority_type", "must be judicial, law_enforcement or other");
                None
            }
        };
        let representative = self.representative.unwrap_or_default();
        c.text(representative.name.as_deref(), "representative.name", 200);
        c.text(representative.post.as_deref(), "representative.post", 200);
        c.optional_text(self.file_number.as_deref(), "file_number", 128);
        match &self.contact_email {
            None => c.push("contact_email", "required", "where the platform sends feedback and questions (section F)"),
            Some(e) => {
                c.check(crate::org::looks_like_email(e), "contact_email", "invalid_email", "is not an e-mail address")
            }
        }
        if let Some(e) = &self.emergency_justification {
            c.text(Some(e), "emergency_justification", 5_000);
        }
        if !c.is_empty() {
            return None;
        }
        Some(OrderForm {
            reference: self.reference?.trim().to_owned(),
            reasons,
            statement_of_reasons: self.statement_of_reasons?,
            redress,
            non_disclosure: self.non_disclosure?,
            authority_type: authority_type?,
            representative,
            file_number: self.file_number,
            contact_email: self.contact_email?,
            emergency_justification: self.emergency_justification,
        })
    }
}

/// Why an order on a platform's first order from an authority may go ahead (art. 3(2)).
pub fn advance_notice_satisfied(
    now: Timestamp,
    earlier_orders: bool,
    advance_notice_sent_at: Option<Timestamp>,
    emergency: bool,
) -> bool {
    earlier_orders || emergency || advance_notice_sent_at.is_some_and(|sent| now.since(sent) >= ADVANCE_NOTICE_LEAD)
}

/// Annex III: why a platform cannot comply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CannotComplyReason {
    /// Force majeure or de facto impossibility not attributable to the platform (art. 3(7)).
    ForceMajeure,
    /// The order contains manifest errors (art. 3(8)).
    ManifestErrors,
    /// The order does not contain sufficient information (art. 3(8)).
    InsufficientInformation,
}

impl CannotComplyReason {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "force_majeure" => Some(Self::ForceMajeure),
            "manifest_errors" => Some(Self::ManifestErrors),
            "insufficient_information" => Some(Self::InsufficientInformation),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForceMajeure => "force_majeure",
            Self::ManifestErrors => "manifest_errors",
            Self::InsufficientInformation => "insufficient_information",
        }
    }
}

/// Where an order's clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Accepted by Vigie, not yet received by the platform: no clock yet.
    PendingReceipt,
    /// Received: the hour is running.
    Running,
    /// Suspended by a force majeure (art. 3(7)) until the platform resumes.
    ForceMajeure,
    /// Suspended until the authority clarifies (art. 3(8)).
    AwaitingClarification,
    /// The platform removed or disabled the content (Annex II).
    Complied,
}

impl OrderState {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::PendingReceipt => "pending_receipt",
            OrderState::Running => "running",
            OrderState::ForceMajeure => "force_majeure",
            OrderState::AwaitingClarification => "awaiting_clarification",
            OrderState::Complied => "complied",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::PendingReceipt, Self::Running, Self::ForceMajeure, Self::AwaitingClarification, Self::Complied]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }
}

/// An order as the issuer sent it and later clarified it: the Annex I form, then each
/// clarification in the order sent (art. 3(8)). Stored whole with the order; a form stored before
/// clarifications existed reads with none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedOrder {
    #[serde(flatten)]
    pub form: OrderForm,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clarifications: Vec<Clarification>,
}

impl From<OrderForm> for IssuedOrder {
    fn from(form: OrderForm) -> Self {
        IssuedOrder { form, clarifications: Vec::new() }
    }
}

impl IssuedOrder {
    /// Until when the order may be challenged, for a platform that received it at `received_at`.
    pub fn challenge_until(&self, received_at: Timestamp) -> Option<Timestamp> {
        self.form.redress.deadline().map(|d| received_at.plus(d))
    }
}

/// The issuing authority's answer to a platform's request for clarification (TCO art. 3(8)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clarification {
    pub at: Timestamp,
    pub text: String,
}

/// Annex III: the platform's notice that it cannot comply with an order, or not yet (TCO art. 3(7)
/// and (8)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannotComplyNotice {
    pub reasons: Vec<CannotComplyReason>,
    pub explanation: Option<String>,
    pub at: Timestamp,
}

/// Why a removal order stopped having effect (TCO arts. 4(6) and 9), as the order keeps it for its
/// parties: `{"cause": "annulment", ...}` or `{"cause": "scrutiny_infringement", ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum OrderEnd {
    /// A court annulled it; the issuing or the scrutinising authority recorded the ruling.
    Annulment { court: String, reference: String, decided_on: String, recorded_by: String },
    /// The scrutinising authority found an infringement.
    ScrutinyInfringement { scrutiny: crate::ScrutinyId },
}

impl OrderEnd {
    /// The cause, as a word.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderEnd::Annulment { .. } => "annulment",
            OrderEnd::ScrutinyInfringement { .. } => "scrutiny_infringement",
        }
    }
}

/// What an order shows, said from what happened to it: its clock's state while it has effect, and
/// `Ended` once it stopped having effect (an infringement found on scrutiny, art. 4(6); a court's
/// annulment, art. 9), whatever its clock said then. The API, the console and the authority's
/// list read it from here; [`OrderClock::status`] adds the time (running or late).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    PendingReceipt,
    Running,
    ForceMajeure,
    AwaitingClarification,
    Complied,
    Ended,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::PendingReceipt,
        OrderStatus::Running,
        OrderStatus::ForceMajeure,
        OrderStatus::AwaitingClarification,
        OrderStatus::Complied,
        OrderStatus::Ended,
    ];

    /// The status of an order whose clock is in `state` and that stopped having effect at
    /// `ended_at`, if it did.
    pub fn of(state: OrderState, ended_at: Option<Timestamp>) -> Self {
        if ended_at.is_some() {
            return OrderStatus::Ended;
        }
        match state {
            OrderState::PendingReceipt => OrderStatus::PendingReceipt,
            OrderState::Running => OrderStatus::Running,
            OrderState::ForceMajeure => OrderStatus::ForceMajeure,
            OrderState::AwaitingClarification => OrderStatus::AwaitingClarification,
            OrderState::Complied => OrderStatus::Complied,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::PendingReceipt => OrderState::PendingReceipt.as_str(),
            OrderStatus::Running => OrderState::Running.as_str(),
            OrderStatus::ForceMajeure => OrderState::ForceMajeure.as_str(),
            OrderStatus::AwaitingClarification => OrderState::AwaitingClarification.as_str(),
            OrderStatus::Complied => OrderState::Complied.as_str(),
            OrderStatus::Ended => "ended",
        }
    }
}

/// The clock of one order. Only the methods below change it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderClock {
    pub state: OrderState,
    /// When the order was sent and, in the same instant, made available to the platform in
    /// Vigie (art. 3(5): the time of sending).
    pub sent_at: Timestamp,
    /// When the platform received the order (art. 3(5): the time of receipt): its availability
    /// when Vigie is the platform's designated channel; otherwise its first fetch, webhook
    /// answered 2xx, acknowledgement or answer.
    pub received_at: Option<Timestamp>,
    /// When the platform first showed that it has the order (fetch, webhook 2xx, ack, answer).
    pub acknowledged_at: Option<Timestamp>,
    /// When the escalation for an unacknowledged order fired, if it did.
    pub unacknowledged_at: Option<Timestamp>,
    /// Art. 3(8): when the authority sent the clarification the platform asked for. While it is
    /// `Some` and the state is `AwaitingClarification`, the platform has yet to receive it.
    pub clarification_sent_at: Option<Timestamp>,
    /// Invariant: `Some` exactly while `state` is `Running`, or when it was `Running` before
    /// `Complied`.
    pub deadline: Option<Timestamp>,
    /// 0: none yet; 1: the 45-minute warning fired; 2: the deadline passed.
    pub escalation_level: u8,
    /// When the scheduler found the order overdue, if ever.
    pub overdue_at: Option<Timestamp>,
    /// When the platform complied (Annex II "time of the measure").
    pub actioned_at: Option<Timestamp>,
}

/// Something the clock says happened, to be written as an event and pushed to the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockEvent {
    Received {
        deadline: Timestamp,
    },
    Suspended {
        state: OrderState,
    },
    /// The authority sent a clarification (art. 3(8)); the hour restarts when it is received.
    ClarificationSent,
    Restarted {
        deadline: Timestamp,
    },
    /// Nobody at the platform has acknowledged the order `UNACKNOWLEDGED_AFTER` its sending.
    Unacknowledged {
        sent_at: Timestamp,
    },
    /// The first escalation, 45 minutes into the hour.
    Escalated {
        level: u8,
        deadline: Timestamp,
    },
    Overdue {
        deadline: Timestamp,
    },
    Complied {
        late: bool,
    },
}

/// A transition that the order's state does not allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the order is {state}, which does not allow this", state = .0.as_str())]
pub struct WrongState(pub OrderState);

impl OrderClock {
    /// The clock of an order sent (and made available) at `sent_at`.
    pub fn new(sent_at: Timestamp) -> Self {
        Self {
            state: OrderState::PendingReceipt,
            sent_at,
            received_at: None,
            acknowledged_at: None,
            unacknowledged_at: None,
            clarification_sent_at: None,
            deadline: None,
            escalation_level: 0,
            overdue_at: None,
            actioned_at: None,
        }
    }

    /// Records that the platform showed it has the order (its first sign only).
    pub fn acknowledge(&mut self, now: Timestamp) {
        if self.acknowledged_at.is_none() {
            self.acknowledged_at = Some(now);
        }
    }

    /// Whether something the platform does next counts as a receipt or an acknowledgement: the
    /// order, or a clarification, waits for it.
    pub fn awaits_platform(&self) -> bool {
        self.received_at.is_none() || self.acknowledged_at.is_none() || self.clarification_pending()
    }

    /// A clarification was sent and the platform has not received it yet.
    pub fn clarification_pending(&self) -> bool {
        self.state == OrderState::AwaitingClarification && self.clarification_sent_at.is_some()
    }

    /// Records the platform's receipt; only the first one starts the clock.
    pub fn receive(&mut self, now: Timestamp) -> Option<ClockEvent> {
        if self.received_at.is_some() {
            return None;
        }
        self.received_at = Some(now);
        if self.state != OrderState::PendingReceipt {
            return None;
        }
        let deadline = now.plus(ORDER_DEADLINE);
        self.state = OrderState::Running;
        self.deadline = Some(deadline);
        Some(ClockEvent::Received { deadline })
    }

    /// Annex III: the platform says it cannot comply; the clock stops.
    pub fn cannot_comply(&mut self, reasons: &[CannotComplyReason], now: Timestamp) -> Result<ClockEvent, WrongState> {
        if !matches!(self.state, OrderState::PendingReceipt | OrderState::Running) {
            return Err(WrongState(self.state));
        }
        if self.received_at.is_none() {
            self.received_at = Some(now);
        }
        self.acknowledge(now);
        self.clarification_sent_at = None;
        let needs_clarification = reasons.iter().any(|r| *r != CannotComplyReason::ForceMajeure);
        self.state = if needs_clarification { OrderState::AwaitingClarification } else { OrderState::ForceMajeure };
        self.deadline = None;
        Ok(ClockEvent::Suspended { state: self.state })
    }

    /// The authority sent a clarification. The clock stays suspended: the fresh hour starts when
    /// the platform receives it (art. 3(8)), see [`OrderClock::receive_clarification`].
    pub fn clarified(&mut self, now: Timestamp) -> Result<ClockEvent, WrongState> {
        if self.state != OrderState::AwaitingClarification {
            return Err(WrongState(self.state));
        }
        if self.clarification_sent_at.is_none() {
            self.clarification_sent_at = Some(now);
        }
        Ok(ClockEvent::ClarificationSent)
    }

    /// The platform received the clarification: a fresh hour starts now (art. 3(8)).
    pub fn receive_clarification(&mut self, now: Timestamp) -> Option<ClockEvent> {
        if !self.clarification_pending() {
            return None;
        }
        self.clarification_sent_at = None;
        Some(self.restart(now))
    }

    /// The force majeure ended: a fresh hour starts now (art. 3(7)).
    pub fn resumed(&mut self, now: Timestamp) -> Result<ClockEvent, WrongState> {
        if self.state != OrderState::ForceMajeure {
            return Err(WrongState(self.state));
        }
        Ok(self.restart(now))
    }

    fn restart(&mut self, now: Timestamp) -> ClockEvent {
        let deadline = now.plus(ORDER_DEADLINE);
        self.state = OrderState::Running;
        self.deadline = Some(deadline);
        self.escalation_level = 0;
        ClockEvent::Restarted { deadline }
    }

    /// The platform removed or disabled the content.
    pub fn complied(&mut self, now: Timestamp) -> Result<ClockEvent, WrongState> {
        if self.state == OrderState::Complied {
            return Err(WrongState(self.state));
        }
        if self.received_at.is_none() {
            self.received_at = Some(now);
        }
        self.acknowledge(now);
        self.clarification_sent_at = None;
        let late = self.deadline.is_some_and(|d| is_overdue(d, now)) || self.overdue_at.is_some();
        self.state = OrderState::Complied;
        self.actioned_at = Some(now);
        Ok(ClockEvent::Complied { late })
    }

    /// When an unacknowledged order escalates, if it still may.
    fn unacknowledged_check_at(&self) -> Option<Timestamp> {
        let waiting = self.acknowledged_at.is_none()
            && self.unacknowledged_at.is_none()
            && matches!(self.state, OrderState::PendingReceipt | OrderState::Running);
        waiting.then(|| self.sent_at.plus(UNACKNOWLEDGED_AFTER))
    }

    /// When the scheduler should next look at this order, if ever.
    pub fn next_check_at(&self) -> Option<Timestamp> {
        let running = match (self.state, self.deadline, self.escalation_level) {
            (OrderState::Running, Some(deadline), 0) => Some(deadline.minus(FIRST_ESCALATION_BEFORE_DEADLINE)),
            // Overdue is strictly after the deadline.
            (OrderState::Running, Some(deadline), 1) => Some(deadline.plus(Duration::from_micros(1))),
            _ => None,
        };
        match (running, self.unacknowledged_check_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances escalations that are due at `now`.
    pub fn tick(&mut self, now: Timestamp) -> Vec<ClockEvent> {
        let mut out = Vec::new();
        if self.unacknowledged_check_at().is_some_and(|at| now >= at) {
            self.unacknowledged_at = Some(now);
            out.push(ClockEvent::Unacknowledged { sent_at: self.sent_at });
        }
        let (OrderState::Running, Some(deadline)) = (self.state, self.deadline) else {
            return out;
        };
        if self.escalation_level < 1 && now >= deadline.minus(FIRST_ESCALATION_BEFORE_DEADLINE) {
            self.escalation_level = 1;
            out.push(ClockEvent::Escalated { level: 1, deadline });
        }
        // "Within one hour": the last instant of the hour is still on time.
        if self.escalation_level < 2 && is_overdue(deadline, now) {
            self.escalation_level = 2;
            if self.overdue_at.is_none() {
                self.overdue_at = Some(now);
            }
            out.push(ClockEvent::Overdue { deadline });
        }
        out
    }

    /// Whether the order is late: past its deadline while running, or complied after it.
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        match self.state {
            OrderState::Running => self.overdue_at.is_some() || self.deadline.is_some_and(|d| is_overdue(d, now)),
            OrderState::Complied => {
                self.overdue_at.is_some()
                    || matches!((self.actioned_at, self.deadline), (Some(a), Some(d)) if is_overdue(d, a))
            }
            _ => self.overdue_at.is_some(),
        }
    }
}

/// Where an order's clock stands, as people read it: the one answer the console's queue, case
/// page and authority's list all show, so that no page counts down a clock that has stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockStatus {
    /// Not yet received by the platform: the hour starts at receipt.
    AwaitingReceipt,
    /// The hour runs until `deadline` (inclusive).
    Running { deadline: Timestamp },
    /// Past `deadline` and not complied with.
    Late { deadline: Timestamp },
    /// Suspended by the platform's Annex III answer: `ForceMajeure` or `AwaitingClarification`.
    Paused { state: OrderState },
    /// The platform complied at `at`, within the hour or `late`.
    Complied { at: Timestamp, late: bool },
    /// The order stopped having effect at `at` (annulled, or an infringement found on scrutiny);
    /// `executed` says whether it had been complied with before.
    Ended { at: Timestamp, executed: bool },
}

impl ClockStatus {
    /// The state's stable name (the console's `data-clock` attribute).
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStatus::AwaitingReceipt => "awaiting_receipt",
            ClockStatus::Running { .. } => "running",
            ClockStatus::Late { .. } => "late",
            ClockStatus::Paused { .. } => "paused",
            ClockStatus::Complied { .. } => "complied",
            ClockStatus::Ended { .. } => "ended",
        }
    }

    /// Whether a clock runs (or ran out) and someone must act: running or late.
    pub fn is_counting(self) -> bool {
        matches!(self, ClockStatus::Running { .. } | ClockStatus::Late { .. })
    }

    /// The most pressing of several clocks (a case under several orders): late first, then
    /// running, each by the nearest deadline; then awaiting receipt, paused, complied, ended.
    pub fn most_pressing(all: impl IntoIterator<Item = ClockStatus>) -> Option<ClockStatus> {
        all.into_iter().min_by_key(|c| match *c {
            ClockStatus::Late { deadline } => (0, deadline.as_micros()),
            ClockStatus::Running { deadline } => (1, deadline.as_micros()),
            ClockStatus::AwaitingReceipt => (2, 0),
            ClockStatus::Paused { .. } => (3, 0),
            ClockStatus::Complied { at, .. } => (4, -at.as_micros()),
            ClockStatus::Ended { at, .. } => (5, -at.as_micros()),
        })
    }
}

impl OrderClock {
    /// Where the clock stands at `now`, for an order that stopped having effect at `ended_at`.
    pub fn status(&self, ended_at: Option<Timestamp>, now: Timestamp) -> ClockStatus {
        if let Some(at) = ended_at {
            return ClockStatus::Ended { at, executed: self.state == OrderState::Complied };
        }
        match (self.state, self.deadline) {
            (OrderState::PendingReceipt, _) => ClockStatus::AwaitingReceipt,
            (OrderState::ForceMajeure | OrderState::AwaitingClarification, _) => {
                ClockStatus::Paused { state: self.state }
            }
            (OrderState::Complied, _) => ClockStatus::Complied {
                at: self.actioned_at.or(self.received_at).unwrap_or(now),
                late: self.is_overdue(now),
            },
            (OrderState::Running, Some(deadline)) if self.is_overdue(now) => ClockStatus::Late { deadline },
            (OrderState::Running, Some(deadline)) => ClockStatus::Running { deadline },
            // A running clock always has a deadline (see the field's invariant).
            (OrderState::Running, None) => ClockStatus::AwaitingReceipt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_that_stopped_having_effect_reads_ended_whatever_its_clock_said() {
        let end = Some(t(90));
        assert_eq!(OrderStatus::of(OrderState::Complied, None), OrderStatus::Complied);
        assert_eq!(OrderStatus::of(OrderState::Complied, end), OrderStatus::Ended);
        assert_eq!(OrderStatus::of(OrderState::Running, end).as_str(), "ended");
        assert_eq!(OrderStatus::of(OrderState::AwaitingClarification, None).as_str(), "awaiting_clarification");
        let mut c = OrderClock::new(t(0));
        c.receive(t(0));
        c.complied(t(10)).unwrap();
        assert_eq!(c.status(end, t(100)), ClockStatus::Ended { at: t(90), executed: true });
    }

    fn t(mins: i64) -> Timestamp {
        Timestamp::from_micros(0).plus(Duration::from_mins(mins))
    }

    #[test]
    fn the_hour_runs_from_receipt_and_escalates_at_45_and_60() {
        let mut c = OrderClock::new(t(0));
        // Before receipt only the unacknowledged escalation is pending, a quarter of an hour on.
        assert_eq!(c.next_check_at(), Some(t(15)), "no hour before receipt");
        assert_eq!(c.receive(t(10)), Some(ClockEvent::Received { deadline: t(70) }));
        c.acknowledge(t(10));
        assert_eq!(c.receive(t(20)), None, "a second receipt changes nothing");
        assert_eq!(c.next_check_at(), Some(t(55)));
        assert!(c.tick(t(54)).is_empty());
        assert_eq!(c.tick(t(55)), vec![ClockEvent::Escalated { level: 1, deadline: t(70) }]);
        assert!(c.tick(t(56)).is_empty());
        assert!(!c.is_overdue(t(70)));
        assert!(c.tick(t(70)).is_empty(), "the last instant of the hour is on time");
        assert_eq!(c.tick(t(71)), vec![ClockEvent::Overdue { deadline: t(70) }]);
        assert!(c.is_overdue(t(71)));
        assert_eq!(c.next_check_at(), None);
        assert_eq!(c.complied(t(80)), Ok(ClockEvent::Complied { late: true }));
        assert!(c.is_overdue(t(90)));
    }

    #[test]
    fn a_late_tick_fires_both_escalations_at_once() {
        let mut c = OrderClock::new(t(0));
        c.receive(t(0));
        c.acknowledge(t(0));
        assert_eq!(c.tick(t(61)).len(), 2);
    }

    #[test]
    fn cannot_comply_suspends_and_clarification_restarts_a_fresh_hour() {
        let mut c = OrderClock::new(t(0));
        c.receive(t(0));
        c.acknowledge(t(0));
        c.tick(t(50));
        let ev = c.cannot_comply(&[CannotComplyReason::InsufficientInformation], t(50)).unwrap();
        assert_eq!(ev, ClockEvent::Suspended { state: OrderState::AwaitingClarification });
        assert!(c.tick(t(500)).is_empty(), "a suspended clock never escalates");
        assert_eq!(c.resumed(t(500)), Err(WrongState(OrderState::AwaitingClarification)));
        // This test used to restart the hour at the authority's clarification; art. 3(8) runs it
        // from the platform's receipt of it (see the next test). Received at once here.
        assert_eq!(c.clarified(t(600)), Ok(ClockEvent::ClarificationSent));
        assert_eq!(c.receive_clarification(t(600)), Some(ClockEvent::Restarted { deadline: t(660) }));
        assert_eq!(c.escalation_level, 0);
        assert!(!c.is_overdue(t(659)));
    }

    /// TCO art. 3(8): the deadline "shall start to run as soon as the hosting service provider has
    /// received the necessary clarification", not when the authority sent it.
    #[test]
    fn tco_art_3_8_the_fresh_hour_runs_from_the_platforms_receipt_of_the_clarification() {
        let mut c = OrderClock::new(t(0));
        c.receive(t(0));
        c.acknowledge(t(0));
        c.cannot_comply(&[CannotComplyReason::ManifestErrors], t(10)).unwrap();
        assert_eq!(c.receive_clarification(t(20)), None, "nothing was sent yet");
        assert_eq!(c.clarified(t(30)), Ok(ClockEvent::ClarificationSent));
        assert_eq!(c.status(None, t(40)), ClockStatus::Paused { state: OrderState::AwaitingClarification });
        assert!(c.awaits_platform(), "the platform's next fetch is its receipt of the clarification");
        assert!(c.tick(t(200)).is_empty(), "still suspended until received");
        assert_eq!(c.receive_clarification(t(50)), Some(ClockEvent::Restarted { deadline: t(110) }));
        assert_eq!(c.receive_clarification(t(60)), None, "received once");
        assert!(!c.is_overdue(t(110)));
        assert!(c.is_overdue(t(111)));
    }

    /// TCO arts. 3(3) and 15(1): an order nobody at the platform has acknowledged a quarter of an
    /// hour after it was sent escalates once; an acknowledged one never does.
    #[test]
    fn tco_art_3_3_an_unacknowledged_order_escalates_once_a_quarter_of_an_hour_after_sending() {
        // Vigie is the designated channel: received (and its hour running) when sent.
        let mut c = OrderClock::new(t(0));
        assert_eq!(c.receive(t(0)), Some(ClockEvent::Received { deadline: t(60) }));
        assert_eq!(c.next_check_at(), Some(t(15)));
        assert!(c.tick(t(14)).is_empty());
        assert_eq!(c.tick(t(15)), vec![ClockEvent::Unacknowledged { sent_at: t(0) }]);
        assert!(c.tick(t(16)).is_empty(), "once");
        assert_eq!(c.next_check_at(), Some(t(45)), "the hour's own escalations follow");
        // Not received either (another channel): it still escalates.
        let mut pending = OrderClock::new(t(0));
        assert_eq!(pending.tick(t(20)), vec![ClockEvent::Unacknowledged { sent_at: t(0) }]);
        assert_eq!(pending.next_check_at(), None);
        let mut acked = OrderClock::new(t(0));
        acked.receive(t(5));
        acked.acknowledge(t(5));
        assert!(acked.tick(t(20)).is_empty());
    }

    #[test]
    fn force_majeure_resumes_on_the_platforms_word() {
        let mut c = OrderClock::new(t(0));
        c.receive(t(0));
        c.cannot_comply(&[CannotComplyReason::ForceMajeure], t(5)).unwrap();
        assert_eq!(c.state, OrderState::ForceMajeure);
        assert_eq!(c.clarified(t(6)), Err(WrongState(OrderState::ForceMajeure)));
        assert_eq!(c.resumed(t(100)), Ok(ClockEvent::Restarted { deadline: t(160) }));
        assert_eq!(c.complied(t(120)), Ok(ClockEvent::Complied { late: false }));
        assert_eq!(c.cannot_comply(&[CannotComplyReason::ForceMajeure], t(130)), Err(WrongState(OrderState::Complied)));
    }

    #[test]
    fn first_orders_need_twelve_hours_notice_unless_urgent() {
        let now = t(24 * 60);
        assert!(!advance_notice_satisfied(now, false, None, false));
        assert!(!advance_notice_satisfied(now, false, Some(now.minus(Duration::from_hours(11))), false));
        assert!(advance_notice_satisfied(now, false, Some(now.minus(Duration::from_hours(12))), false));
        assert!(advance_notice_satisfied(now, false, None, true));
        assert!(advance_notice_satisfied(now, true, None, false));
    }

    /// LCEN art. 6-1-5: an order is challenged before the French administrative court within 48
    /// hours; Annex I section G takes the deadline in hours as well as in days.
    #[test]
    fn lcen_6_1_5_a_challenge_deadline_may_be_counted_in_hours() {
        let form = |days: Option<u32>, hours: Option<u32>| RawOrderForm {
            reference: Some("R".into()),
            reasons: Some(vec!["a".into()]),
            statement_of_reasons: Some("calls for attacks".into()),
            redress: Some(Redress {
                body: Some("Tribunal administratif de Paris".into()),
                deadline_days: days,
                deadline_hours: hours,
                ..Default::default()
            }),
            non_disclosure: Some(false),
            authority_type: Some("law_enforcement".into()),
            representative: Some(Representative { name: Some("J. M.".into()), post: Some("Commissaire".into()) }),
            contact_email: Some("iru@police.example".into()),
            ..Default::default()
        };
        let mut c = Checker::new();
        let ok = form(None, Some(48)).check(&mut c).unwrap();
        assert_eq!(ok.redress.deadline(), Some(Duration::from_hours(48)));
        let mut c = Checker::new();
        assert!(form(Some(2), Some(48)).check(&mut c).is_none());
        assert_eq!(c.finish().unwrap_err().errors()[0].code, "two_deadlines");
        let mut c = Checker::new();
        assert_eq!(form(Some(30), None).check(&mut c).unwrap().redress.deadline(), Some(Duration::from_days(30)));
    }

    #[test]
    fn every_missing_annex_i_field_is_named() {
        let mut c = Checker::new();
        assert!(RawOrderForm::default().check(&mut c).is_none());
        let err = c.finish().unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        for f in [
            "reference",
            "reasons",
            "statement_of_reasons",
            "redress.body",
            "redress.deadline_days",
            "non_disclosure",
            "authority_type",
            "representative.name",
            "representative.post",
            "contact_email",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn the_status_says_what_the_clock_does_in_every_state() {
        let mut c = OrderClock::new(t(0));
        assert_eq!(c.status(None, t(0)), ClockStatus::AwaitingReceipt);
        c.receive(t(0));
        assert_eq!(c.status(None, t(60)), ClockStatus::Running { deadline: t(60) }, "the last instant is on time");
        assert_eq!(c.status(None, t(61)), ClockStatus::Late { deadline: t(60) });
        c.cannot_comply(&[CannotComplyReason::ManifestErrors], t(61)).unwrap();
        let paused = ClockStatus::Paused { state: OrderState::AwaitingClarification };
        assert_eq!(c.status(None, t(500)), paused, "a paused clock does not count, whatever the time");
        c.clarified(t(600)).unwrap();
        c.receive_clarification(t(600));
        assert_eq!(c.status(None, t(601)), ClockStatus::Running { deadline: t(660) });
        c.complied(t(610)).unwrap();
        assert_eq!(c.status(None, t(700)), ClockStatus::Complied { at: t(610), late: false });
        assert_eq!(c.status(Some(t(800)), t(900)), ClockStatus::Ended { at: t(800), executed: true });

        let mut late = OrderClock::new(t(0));
        late.receive(t(0));
        late.complied(t(75)).unwrap();
        assert_eq!(late.status(None, t(80)), ClockStatus::Complied { at: t(75), late: true });
        let mut force = OrderClock::new(t(0));
        force.receive(t(0));
        force.cannot_comply(&[CannotComplyReason::ForceMajeure], t(1)).unwrap();
        assert_eq!(force.status(None, t(2)), ClockStatus::Paused { state: OrderState::ForceMajeure });
        assert_eq!(force.status(Some(t(3)), t(4)), ClockStatus::Ended { at: t(3), executed: false });
    }

    #[test]
    fn the_most_pressing_clock_is_the_late_one_then_the_nearest_deadline() {
        let running = |m| ClockStatus::Running { deadline: t(m) };
        let complied = ClockStatus::Complied { at: t(1), late: false };
        let paused = ClockStatus::Paused { state: OrderState::ForceMajeure };
        assert_eq!(ClockStatus::most_pressing([complied, running(50), running(20), paused]), Some(running(20)));
        assert_eq!(
            ClockStatus::most_pressing([running(20), ClockStatus::Late { deadline: t(90) }]),
            Some(ClockStatus::Late { deadline: t(90) })
        );
        assert_eq!(ClockStatus::most_pressing([complied, paused]), Some(paused));
        assert_eq!(ClockStatus::most_pressing([]), None);
    }
}
