//! The webhook messages: one struct per message type, each with its wire name and version.
//!
//! A message's `data` is the struct serialized; the envelope (`crate::outbox::enqueue`) adds its
//! `type` and `version`. A version rises when a field is removed or changes meaning; adding an
//! optional field keeps it. `ALL` lists every type with its version, and `docs/api.md` documents
//! each (the tidy test checks both).

use serde::Serialize;
use serde_json::{Map, Value};
use vigie_model::decision::{Action, Purpose};
use vigie_model::order::OrderForm;
use vigie_model::redress::{Complainant, HoldEnd, Route, ScrutinyState, ScrutinyTrigger};
use vigie_model::*;
use vigie_store::*;

/// A webhook message: its wire type and version, and its `data` as it serializes.
pub(crate) trait Message: Serialize {
    /// The message's `type` and `version` on the wire.
    fn wire(&self) -> (&'static str, u32);
}

/// Declares message structs, each with its wire type and version, and `DECLARED`, their list.
macro_rules! messages {
    ($(
        $(#[$meta:meta])*
        $name:ident ($wire:literal, $version:literal) { $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)? }
    )*) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Debug, Serialize)]
            pub(crate) struct $name { $($(#[$fmeta])* pub $field: $ty),* }

            impl $name {
                pub(crate) const TYPE: &'static str = $wire;
                pub(crate) const VERSION: u32 = $version;
            }

            impl Message for $name {
                fn wire(&self) -> (&'static str, u32) {
                    (Self::TYPE, Self::VERSION)
                }
            }
        )*

        /// The types declared with a struct of their own.
        const DECLARED: &[(&str, u32)] = &[$(($wire, $version)),*];
    };
}

messages! {
    /// A cross-border removal order's copy, for the host member state's authority (TCO art. 4(1)).
    OrderCopy("order.copy", 1) {
        order: SignalId,
        reference: String,
        issuing_authority: OrgId,
        issuing_member_state: Option<String>,
        platform: OrgId,
        host_member_state: Option<&'static str>,
        sent_at: Timestamp,
        form: OrderForm,
        locations: Value,
    }

    /// An authority's advance notice of an order to come.
    AdvanceNoticeReceived("advance_notice.received", 1) {
        id: AdvanceNoticeId,
        authority: OrgId,
        information: String,
    }

    /// A decision on an order's content judged a purpose (TCO art. 1(3)) the issuer should know of.
    OrderPurposeConcern("order.purpose_concern", 1) {
        order: SignalId,
        reference: String,
        case: CaseId,
        decision: DecisionId,
        purpose: Purpose,
        rationale: String,
    }

    /// A court challenge against an order (TCO art. 9).
    OrderChallenged("order.challenged", 1) {
        order: SignalId,
        reference: String,
        challenge: ChallengeId,
        court: String,
        court_reference: String,
        filed_on: String,
    }

    /// An order stopped having effect. Version 2 is flat: `cause` (`annulment` or
    /// `scrutiny_infringement`) beside what the cause records (a ruling's court, `court_reference`,
    /// date and recorder; a scrutiny's id), where version 1 nested them in `{"cause": {"cause": ...}}`.
    OrderEnded("order.ended", 2) {
        order: SignalId,
        reference: String,
        cause: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        court: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        court_reference: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        decided_on: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        recorded_by: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        scrutiny: Option<ScrutinyId>,
    }

    /// An uploader's notice, to pass on.
    UploaderNoticeIssued("uploader_notice.issued", 1) {
        notice: UploaderNoticeId,
        case: CaseId,
        decision: DecisionId,
        route: Route,
        token: String,
        path: String,
        page: String,
    }

    /// The uploader was given a copy of the orders.
    UploaderNoticeOrderCopy("uploader_notice.order_copy", 1) {
        notice: UploaderNoticeId,
        case: CaseId,
        orders: Vec<SignalId>,
    }

    /// What became of a signal, for the organisation that sent it.
    SignalOutcome("signal.outcome", 1) {
        signal: SignalId,
        case: CaseId,
        outcome: Action,
        decided_at: Timestamp,
    }

    /// A video upload's check finished (`GET /api/v1/jobs/{job}` has the answer): its state
    /// (`done` or `failed`), the verdict and the stay-down case when done, the stable code when not.
    UploadChecked("upload.checked", 1) {
        job: JobId,
        state: &'static str,
        verdict: Option<String>,
        case: Option<CaseId>,
        error_code: Option<String>,
    }

    /// A video sent to HMA's `POST /h/hash` or `POST /m/lookup` was hashed (and looked up), or
    /// could not be: `GET /api/v1/jobs/{job}` has the answer. Its `kind` (`hma_hash`,
    /// `hma_lookup`), `state` (`done` or `failed`), and the stable code when failed.
    JobFinished("job.finished", 1) {
        job: JobId,
        kind: &'static str,
        state: &'static str,
        error_code: Option<String>,
    }

    /// A decision its decider undid within the undo window: the case waits for a decision again.
    DecisionUndone("decision.undone", 1) {
        case: CaseId,
        decision: DecisionId,
        action: Action,
        decided_at: Timestamp,
        undone_at: Timestamp,
    }

    /// What became of a member of the public's notice, for the operator to mail them.
    NotifierOutcome("notifier.outcome", 1) {
        #[serde(flatten)]
        outcome: SignalOutcome,
        email: String,
    }

    /// Content to put back.
    ContentReinstated("content.reinstated", 1) {
        case: CaseId,
        decision: DecisionId,
        cause: String,
        by: String,
        reasons: Option<String>,
    }

    /// A threat to life still unacknowledged, one level up.
    ThreatToLifeEscalated("threat_to_life.escalated", 1) {
        case: CaseId,
        level: u32,
        raised_at: Timestamp,
        referred: bool,
    }

    /// A case referred to law enforcement.
    LawEnforcementReferral("law_enforcement.referral", 1) {
        case: CaseView,
        referral: Referral,
    }

    /// A case matched an authority's watchlist.
    WatchlistMatched("watchlist.matched", 1) {
        watchlist: WatchlistId,
        case: CaseId,
        platform: Option<OrgId>,
        url: Option<String>,
        account_id: Option<String>,
        held: bool,
        hold: Option<HoldId>,
        until: Option<Timestamp>,
        not_held: Option<String>,
    }

    /// A hold ended.
    HoldEnded("hold.ended", 1) {
        hold: HoldId,
        case: CaseId,
        reason: HoldEnd,
    }

    /// An order's scrutiny was requested (TCO art. 4(4)); the scrutinising authority's copy
    /// carries the platform's purpose concerns.
    ScrutinyRequested("scrutiny.requested", 1) {
        scrutiny: ScrutinyId,
        order: SignalId,
        reference: String,
        trigger: ScrutinyTrigger,
        due_at: Timestamp,
        #[serde(skip_serializing_if = "Option::is_none")]
        purpose_concerns: Option<Vec<Value>>,
    }

    /// The scrutinising authority intends to find an infringement (TCO art. 4(5)).
    ScrutinyIntention("scrutiny.intention", 1) {
        scrutiny: ScrutinyId,
        order: SignalId,
        reference: String,
        intention: &'static str,
        reasons: String,
        due_at: Timestamp,
    }

    /// A scrutiny's decision.
    ScrutinyDecided("scrutiny.decided", 1) {
        scrutiny: ScrutinyId,
        order: SignalId,
        reference: String,
        outcome: ScrutinyState,
        reasons: Option<String>,
    }

    /// A complaint against a decision.
    ComplaintReceived("complaint.received", 1) {
        complaint: ComplaintId,
        case: CaseId,
        decision: DecisionId,
        complainant: Complainant,
        due_at: Timestamp,
    }
}

/// The case, as the case messages show it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CaseView {
    id: CaseId,
    kind: &'static str,
    url: Option<String>,
    content_id: Option<String>,
    account_id: Option<String>,
    state: &'static str,
    tier: &'static str,
    priority: i64,
    threat_to_life: bool,
    due_at: Option<Timestamp>,
}

impl From<&CaseRecord> for CaseView {
    fn from(case: &CaseRecord) -> Self {
        CaseView {
            id: case.id.clone(),
            kind: case.kind.as_str(),
            url: case.url.clone(),
            content_id: case.content_id.clone(),
            account_id: case.account_id.clone(),
            state: case.status().as_str(),
            tier: case.tier.as_str(),
            priority: case.priority,
            threat_to_life: case.threat_to_life,
            due_at: case.due_at,
        }
    }
}

/// A referral to law enforcement, as `law_enforcement.referral` shows it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Referral {
    pub id: LawEnforcementReferralId,
    pub basis: String,
    pub sent_at: Timestamp,
    pub note: Option<String>,
}

/// What happened to a case, which its platform is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CaseChange {
    Opened,
    /// An order arrived about content the platform had left up.
    Reopened,
    Escalated,
    /// A new order on a pending case, or a priority raised by a text match.
    Updated,
}

impl CaseChange {
    const ALL: [(&str, u32); 4] =
        [("case.opened", 1), ("case.reopened", 1), ("case.escalated", 1), ("case.updated", 1)];

    fn wire(self) -> (&'static str, u32) {
        Self::ALL[self as usize]
    }
}

/// `case.opened`, `case.reopened`, `case.escalated` or `case.updated`: `{"case": {...}}`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct CaseMessage {
    #[serde(skip)]
    change: CaseChange,
    case: CaseView,
}

impl CaseMessage {
    pub(crate) fn new(change: CaseChange, case: &CaseRecord) -> Self {
        CaseMessage { change, case: case.into() }
    }
}

impl Message for CaseMessage {
    fn wire(&self) -> (&'static str, u32) {
        self.change.wire()
    }
}

/// The version of the messages that announce an event kind (its `spec().webhook`) with the
/// event's data: the order clock's and the overdue clocks'.
const ANNOUNCED_VERSION: u32 = 1;

/// A message announcing an event: its kind's webhook type, `fields` then the event's data
/// (which wins a clash), flattened into one object.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Announced {
    #[serde(skip)]
    wire: &'static str,
    #[serde(flatten)]
    fields: Map<String, Value>,
    #[serde(flatten)]
    event: Map<String, Value>,
}

impl Announced {
    /// The message announcing `event`, or `None` when its kind has no webhook message.
    pub(crate) fn new(event: &vigie_model::event::Event, fields: Map<String, Value>) -> Option<Self> {
        let wire = event.kind().spec().webhook?;
        let event = match event.data_value() {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        Some(Announced { wire, fields, event })
    }
}

impl Message for Announced {
    fn wire(&self) -> (&'static str, u32) {
        (self.wire, ANNOUNCED_VERSION)
    }
}

/// Every webhook message type with its version.
pub(crate) fn all() -> Vec<(&'static str, u32)> {
    let mut all: Vec<_> = DECLARED.iter().chain(&CaseChange::ALL).copied().collect();
    for kind in vigie_model::event::EventKind::ALL {
        if let Some(w) = kind.spec().webhook
            && !all.iter().any(|(t, _)| *t == w)
        {
            all.push((w, ANNOUNCED_VERSION));
        }
    }
    all
}

impl OrderEnded {
    /// The message for `order`, ended by `end`: a ruling's reference is `court_reference`, beside
    /// the order's own.
    pub(crate) fn new(order: &OrderRecord, end: vigie_model::order::OrderEnd) -> Self {
        use vigie_model::order::OrderEnd;
        let mut m = OrderEnded {
            order: order.id.clone(),
            reference: order.reference.clone(),
            cause: end.as_str(),
            court: None,
            court_reference: None,
            decided_on: None,
            recorded_by: None,
            scrutiny: None,
        };
        match end {
            OrderEnd::Annulment { court, reference, decided_on, recorded_by } => {
                (m.court, m.court_reference, m.decided_on, m.recorded_by) =
                    (Some(court), Some(reference), Some(decided_on), Some(recorded_by));
            }
            OrderEnd::ScrutinyInfringement { scrutiny } => m.scrutiny = Some(scrutiny),
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn keys(v: &Value) -> Vec<&str> {
        let mut k: Vec<_> = v.as_object().unwrap().keys().map(String::as_str).collect();
        k.sort();
        k
    }

    #[test]
    fn flattened_and_optional_fields_keep_the_shapes_sent_before_the_types() {
        let at = Timestamp::parse_rfc3339("2027-01-15T08:00:00Z").unwrap();
        let outcome = SignalOutcome {
            signal: SignalId::from_random([1; 16]),
            case: CaseId::from_random([2; 16]),
            outcome: Action::Remove,
            decided_at: at,
        };
        let told = serde_json::to_value(NotifierOutcome { outcome, email: "a@example.org".into() }).unwrap();
        assert_eq!(keys(&told), ["case", "decided_at", "email", "outcome", "signal"], "one flat object");

        let requested = ScrutinyRequested {
            scrutiny: ScrutinyId::from_random([3; 16]),
            order: SignalId::from_random([1; 16]),
            reference: "R-1".into(),
            trigger: ScrutinyTrigger::Platform,
            due_at: at,
            purpose_concerns: None,
        };
        assert!(serde_json::to_value(&requested).unwrap().get("purpose_concerns").is_none(), "absent, not null");
        let to_authority = ScrutinyRequested { purpose_concerns: Some(vec![json!({"case": "c"})]), ..requested };
        assert_eq!(serde_json::to_value(&to_authority).unwrap()["purpose_concerns"][0]["case"], "c");
    }

    #[test]
    fn an_announced_event_s_data_follows_the_fields_and_wins_a_clash() {
        let fields = json!({ "order": "sig_1", "state": "running" }).as_object().unwrap().clone();
        let event = json!({ "state": "suspended", "via": "api" }).as_object().unwrap().clone();
        let m = Announced { wire: "order.suspended", fields, event };
        assert_eq!(serde_json::to_value(&m).unwrap(), json!({ "order": "sig_1", "state": "suspended", "via": "api" }));
        assert_eq!(m.wire(), ("order.suspended", ANNOUNCED_VERSION));
    }

    #[test]
    fn every_listed_type_is_listed_once() {
        let all = all();
        let mut names: Vec<_> = all.iter().map(|(t, _)| *t).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "{all:?}");
    }
}
