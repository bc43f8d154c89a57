//! Every kind of event, with the data it carries, its version, who may see it and which webhook
//! message announces it.
//!
//! One declaration per kind: the struct its data is (field names are the stored JSON keys), the
//! current version, the organisations that are party to it ([`SeenBy`]), the fields the public
//! sees (`public(true; ...)`, or `public(false)` for a kind the public never sees) and the webhook
//! message it becomes, if any. The [`Event`] enum, the stored-name dispatch and each kind's
//! [`KindSpec`] are generated from it, so a kind cannot be added without all of them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::EventKind;
use super::data::{Sealed, Word, data_struct};
use crate::Timestamp;
use crate::ids::*;

/// Which organisations (besides the one that acted) are party to an event of a kind, and so see
/// it in their export. The overseer sees every event; the public sees a kind's public fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeenBy {
    /// Only the organisation that acted.
    Actor,
    /// The organisation the event is about (its subject).
    Subject,
    /// A report's parties: the order's issuing authority and addressed platform, and the
    /// platforms of the cases it was folded into.
    Signal,
    /// The case's platform and the organisation whose report opened or joined it.
    CaseReport,
    /// The case's platform and every organisation that reported it.
    CaseParties,
    /// The case's platform.
    CasePlatform,
    /// The case's platform and the authority a referral is addressed to (`authority`).
    CasePlatformOrAuthority,
    /// The platform named in the data (`platform`).
    Platform,
    /// The order's issuing authority and its platform.
    Order,
    /// The scrutinising authority and the order's parties.
    Scrutiny,
    /// The platform of the complaint's case.
    Complaint,
    /// The platform of the notice's case (`case`).
    NoticeCase,
    /// Only the watch-list's authority, whoever acted: holds are secret from the platform.
    WatchlistAuthority,
}

/// What a kind declares about itself.
#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    pub kind: EventKind,
    /// The version new events of this kind are written in.
    pub version: u32,
    pub seen_by: SeenBy,
    /// The data fields the public sees, or `None` when the public never sees the kind.
    pub public: Option<&'static [&'static str]>,
    /// The webhook message type that announces an event of this kind, if any.
    pub webhook: Option<&'static str>,
    /// The fields of the data, as their types describe them.
    pub fields: fn() -> Vec<super::data::FieldInfo>,
}

impl KindSpec {
    /// The JSON Schema of the data as the public export shows it: the public fields only (each
    /// required when the kind requires it), and the version above 1.
    pub fn public_schema(&self) -> Option<Value> {
        let public = self.public?;
        let fields: Vec<_> = (self.fields)().into_iter().filter(|f| public.contains(&f.name)).collect();
        Some(self.with_version(super::data::object_schema(&fields)))
    }

    fn with_version(&self, mut s: Value) -> Value {
        if self.version > 1
            && let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut)
        {
            props.insert("v".into(), serde_json::json!({ "const": self.version }));
            s["required"].as_array_mut().expect("object_schema lists required fields").push("v".into());
        }
        s
    }

    /// The JSON Schema of this kind's data in its current version.
    pub fn schema(&self) -> Value {
        self.with_version(super::data::object_schema(&(self.fields)()))
    }

    /// The JSON Schemas of the versions before the current one, by version (`{"1": ...}`), as
    /// they were stored; the upcasters read them in the current shape.
    pub fn former_schemas(&self) -> Value {
        let current = self.schema();
        let former = (1..self.version)
            .map(|v| {
                let s = super::upcast::former_schema(self.kind, v, &current)
                    .unwrap_or_else(|| panic!("{} has no schema for its version {v}", self.kind.as_str()));
                (v.to_string(), s)
            })
            .collect();
        Value::Object(former)
    }
}

/// The published description of every kind (`docs/events.schema.json`): for each, its current
/// version, the JSON Schema of its data (`schema`) and of the public export's cut (`public`), who
/// is party to it, and the webhook message that announces it.
pub fn schema_document() -> Value {
    let kinds: serde_json::Map<String, Value> = EventKind::ALL
        .iter()
        .map(|k| {
            let spec = k.spec();
            let entry = serde_json::json!({
                "version": spec.version,
                "seen_by": format!("{:?}", spec.seen_by),
                "webhook": spec.webhook,
                "public_fields": spec.public,
                "schema": spec.schema(),
                "public": spec.public_schema(),
                "former": spec.former_schemas(),
            });
            (k.as_str().to_owned(), entry)
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Vigie event data, per kind, in each kind's current version",
        "description": "Generated from vigie-model's event types (event/kinds.rs); a test keeps this file current. An event without \"v\" is version 1. `schema` is the current version's; `former` holds the schema of each older version still in stored logs, which upcasters read in the current shape (docs/transparency.md).",
        "former_names": { "escalation.threat_to_life": "threat_to_life.escalated" },
        "kinds": kinds,
    })
}

macro_rules! events {
    ($(
        $(#[$doc:meta])*
        $variant:ident version $version:literal seen_by($party:ident) public($public:literal $(; $($pf:ident),*)?)
            webhook($webhook:expr) { $($body:tt)* }
    )*) => {
        $(
            data_struct!($(#[$doc])* $variant { $($body)* });

            impl From<$variant> for Event {
                fn from(d: $variant) -> Self {
                    Event::$variant(d)
                }
            }
        )*

        /// An event's data, one variant per kind.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Event {
            $($variant($variant),)*
        }

        impl Event {
            pub fn kind(&self) -> EventKind {
                match self {
                    $(Event::$variant(_) => EventKind::$variant,)*
                }
            }

            /// The data as JSON, without the version.
            pub fn data_value(&self) -> Value {
                let v = match self {
                    $(Event::$variant(d) => serde_json::to_value(d),)*
                };
                v.expect("event data serializes: its fields are plain values")
            }

            /// The data of `kind` in its current shape.
            pub(super) fn from_current(kind: EventKind, data: Value) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    $(EventKind::$variant => Event::$variant(serde_json::from_value(data)?),)*
                })
            }
        }

        impl EventKind {
            /// What the kind declares: version, parties, public fields, webhook, schema.
            pub fn spec(self) -> KindSpec {
                match self {
                    $(EventKind::$variant => KindSpec {
                        kind: self,
                        version: $version,
                        seen_by: SeenBy::$party,
                        public: public_fields($public, &[$($(stringify!($pf)),*)?]),
                        webhook: $webhook,
                        fields: $variant::fields,
                    },)*
                }
            }
        }
    };
}

data_struct!(
    /// A notifier's counts as a platform saw them when it acted (DSA art. 23).
    NotifierCounts { notices: u64, unfounded: u64, unfounded_percent: f64 }
);

data_struct!(
    /// One bank entry a media file matched when it was attached to a case.
    MediaMatch { bank: BankId, entry: i64, distance: u32, hash: Word }
);

data_struct!(
    /// The national legal instrument a watch-list relies on, its texts sealed.
    Instrument { reference: Sealed, issuing_body: Sealed, ends_at: Timestamp }
);

events! {
    /// An organisation was created (`bootstrap`: the hub the first start made, which operates the instance).
    OrgCreated version 1 seen_by(Subject) public(true; kind) webhook(None) {
        kind: Word,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bootstrap: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member_state: Option<Word>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        main_establishment: Option<Word>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        competences: Option<Vec<Word>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        europol: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        designated_channel: Option<bool>,
    }
    /// A person was created, with their roles; their name sealed.
    UserCreated version 1 seen_by(Actor) public(false) webhook(None) {
        org: OrgId,
        roles: Vec<Word>,
        name: Sealed,
    }
    /// An API token was issued to a person.
    TokenIssued version 1 seen_by(Actor) public(false) webhook(None) {
        user: UserId,
        #[serde(default)]
        expires_at: Option<Timestamp>,
    }
    /// A platform claimed a host (the subject).
    HostClaimed version 1 seen_by(Actor) public(false) webhook(None) { platform: OrgId }
    /// An administrator approved a host claim (the subject).
    HostApproved version 1 seen_by(Actor) public(false) webhook(None) { platform: OrgId }
    /// A platform registered a webhook; only its URL's host is logged.
    WebhookRegistered version 1 seen_by(Actor) public(false) webhook(None) {
        platform: OrgId,
        url_host: Option<Word>,
    }
    /// An authority sent an advance notice (TCO art. 3(2)) to a platform.
    AdvanceNoticeSent version 1 seen_by(Actor) public(false) webhook(Some("advance_notice.received")) { platform: OrgId }
    /// A notice, referral, removal order or bank match was received. Which fields are present
    /// depends on `kind` (`notice`, `referral`, `order`, `bank_match`). `reasons` are an order's
    /// Annex I types; `harm_types` the art. 2(7) types a notice or referral names, and
    /// `language` the content's ISO 639-1 code, when the report gave them (absent before step 10
    /// asked).
    SignalReceived version 1 seen_by(Signal)
        public(true; kind, tier, threat_to_life, authority, platform, cross_border, emergency, non_disclosure)
        webhook(None) {
        kind: Word,
        tier: Word,
        threat_to_life: bool,
        locations: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notifier_name: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notifier_email: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        good_faith: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authority: Option<OrgId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        platform: Option<OrgId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reasons: Option<Vec<Word>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        emergency: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cross_border: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        non_disclosure: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        non_disclosure_until: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        form_sha256: Option<Word>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        copy_to: Option<OrgId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        designated_channel: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        harm_types: Option<Vec<Word>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<Word>,
    }
    /// A case was opened by a signal; its URL or account id sealed (`key`).
    CaseOpened version 1 seen_by(CaseReport) public(false) webhook(Some("case.opened")) {
        signal: SignalId,
        signal_kind: Word,
        platform: Option<OrgId>,
        target: Word,
        tier: Word,
        priority: i64,
        threat_to_life: bool,
        /// The URL or account id, sealed (absent before step 8 sealed it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<Sealed>,
    }
    /// Another signal joined an open case.
    CaseSignalAdded version 1 seen_by(CaseReport) public(false) webhook(Some("case.updated")) {
        signal: SignalId,
        signal_kind: Word,
        platform: Option<OrgId>,
        target: Word,
        tier: Word,
        priority: i64,
        threat_to_life: bool,
    }
    /// A case waits for a platform to claim its host.
    CaseParked version 1 seen_by(CasePlatform) public(false) webhook(None) { host: Option<Word> }
    /// A parked case reached the platform that claimed its host.
    CaseRouted version 1 seen_by(CasePlatform) public(false) webhook(Some("case.opened")) { platform: OrgId }
    /// The platform received a case (`inbox`, `webhook`, `ack`, `decision`).
    CaseDelivered version 1 seen_by(CasePlatform) public(false) webhook(None) { via: Word }
    /// The platform acknowledged a case.
    CaseAcknowledged version 1 seen_by(CasePlatform) public(false) webhook(None) {}
    /// A decision on a case: what, on which ground, how automated.
    CaseDecided version 1 seen_by(CaseParties)
        public(true; decision, action, legal_basis, terms_ground, territorial_scope, automated_detection,
            automated_decision, manifestly_unfounded, tier, received_at)
        webhook(None) {
        decision: DecisionId,
        action: Word,
        legal_basis: Option<Word>,
        taxonomy_version: Option<u32>,
        terms_ground: bool,
        terms_clause: Option<TermsClauseId>,
        territorial_scope: Vec<Word>,
        restriction: Option<Word>,
        until: Option<Timestamp>,
        purpose: Option<Word>,
        automated_detection: bool,
        automated_decision: bool,
        /// Absent before step 4: false.
        #[serde(default)]
        manifestly_unfounded: bool,
        tier: Word,
        received_at: Timestamp,
    }
    /// A decided case was reopened by a new signal.
    CaseReopened version 1 seen_by(CaseParties) public(false) webhook(None) { signal: SignalId }
    /// A removal order's hour started (receipt).
    OrderReceived version 1 seen_by(Order) public(true) webhook(Some("order.received")) {
        deadline: Timestamp,
        /// Absent before step 8.
        #[serde(default)]
        sent_at: Option<Timestamp>,
        received_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// The platform cannot comply (Annex III): the clock is suspended, with the grounds.
    OrderSuspended version 1 seen_by(Order) public(true; state, reasons) webhook(Some("order.suspended")) {
        state: Word,
        reasons: Option<Vec<Word>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// The authority sent a clarification.
    OrderClarified version 1 seen_by(Order) public(false) webhook(Some("order.clarified")) {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// The hour restarted after a clarification was received (TCO art. 3(8)).
    OrderRestarted version 1 seen_by(Order) public(false) webhook(Some("order.restarted")) {
        deadline: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// An order's clock escalated to the next level.
    OrderEscalated version 1 seen_by(Order) public(true) webhook(Some("order.escalated")) {
        level: u8,
        deadline: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// An order's hour ran out.
    OrderOverdue version 1 seen_by(Order) public(true) webhook(Some("order.overdue")) {
        deadline: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// The platform complied (Annex II): how late, by which measure, how many items.
    OrderComplied version 1 seen_by(Order) public(true; late, measure, items, at_intake) webhook(Some("order.complied")) {
        late: bool,
        measure: Option<Word>,
        /// Events from before step 8 lack it: one item.
        #[serde(default = "one")]
        items: u64,
        #[serde(default)]
        at_intake: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// A threat to life was flagged or escalated. Three shapes: at intake (`case`, `platform`;
    /// the subject is the signal), flagged by the platform (`level` 0, `flagged_by`), and the
    /// scheduler's escalation (`case`, `level`, `raised_at`, `referred`).
    ThreatToLifeEscalated version 1 seen_by(CasePlatform) public(true) webhook(Some("threat_to_life.escalated")) {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case: Option<CaseId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        platform: Option<OrgId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        level: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        flagged_by: Option<Word>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raised_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        referred: Option<bool>,
    }
    /// Personal values were erased when their retention ended (`store`: which table of a closed case).
    PersonalDataErased version 1 seen_by(Actor) public(false) webhook(None) {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        store: Option<Word>,
        refs: Vec<Word>,
    }
    /// A hash bank was created. Version 2 seals the name and the labels (free text). The vPDQ
    /// shares are written from step 11 on (absent before: python-threatexchange's 80 % and 0 %),
    /// and so are the TMK+PDQF thresholds (absent before: 0.7 and 0.7).
    BankCreated version 2 seen_by(Actor) public(false) webhook(None) {
        name: Option<Sealed>,
        owner: OrgId,
        kind: Word,
        threshold: u32,
        stay_down: bool,
        enabled_ratio: f64,
        labels: Option<Sealed>,
        flood_limit: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vpdq_query_percent: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vpdq_compared_percent: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tmk_level1: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tmk_level2: Option<f64>,
    }
    /// A bank's settings changed. Version 2 seals the name and the labels.
    BankUpdated version 2 seen_by(Actor) public(false) webhook(None) {
        name: Option<Sealed>,
        owner: OrgId,
        kind: Word,
        threshold: u32,
        stay_down: bool,
        enabled_ratio: f64,
        labels: Option<Sealed>,
        flood_limit: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vpdq_query_percent: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vpdq_compared_percent: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tmk_level1: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tmk_level2: Option<f64>,
    }
    /// A bank was deleted. Version 2 seals its name.
    BankDeleted version 2 seen_by(Actor) public(false) webhook(None) { name: Option<Sealed> }
    /// A bank was shared with an organisation.
    BankShared version 1 seen_by(Actor) public(false) webhook(None) { org: OrgId, mode: Word }
    /// A bank stopped being shared with an organisation.
    BankUnshared version 1 seen_by(Actor) public(false) webhook(None) { org: OrgId }
    /// Entries were added to a bank (one, or a file's lines). Version 2 always says `count`
    /// (version 1 said `lines` for a file).
    BankEntriesAdded version 2 seen_by(Actor) public(true; count) webhook(None) {
        count: u64,
        source: Word,
        signal_types: BTreeMap<Word, u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case: Option<CaseId>,
    }
    /// A bank entry changed (its disabling; whether its note changed, never the note).
    BankEntryUpdated version 1 seen_by(Actor) public(false) webhook(None) {
        entry: i64,
        disabled_until: Option<Timestamp>,
        note_changed: bool,
    }
    /// A bank entry was removed.
    BankEntryRemoved version 1 seen_by(Actor) public(false) webhook(None) { entry: i64 }
    /// A bank entry was quarantined (a flood of matches).
    BankEntryQuarantined version 1 seen_by(Actor) public(false) webhook(None) {
        entry: i64,
        reason: Word,
        platform: OrgId,
    }
    /// A quarantined bank entry was released.
    BankEntryReleased version 1 seen_by(Actor) public(false) webhook(None) { entry: i64 }
    /// An organisation's verdict on a bank entry.
    BankFeedback version 1 seen_by(Actor) public(false) webhook(None) { entry: i64, verdict: Word, org: OrgId }
    /// An upload matched a bank entry (stay-down).
    UploadMatched version 1 seen_by(Platform) public(true; case) webhook(None) {
        bank: BankId,
        entry: i64,
        signal_type: Word,
        hash: Word,
        distance: u32,
        bank_kind: Word,
        stay_down: bool,
        quarantined: bool,
        verdict: Word,
        platform: OrgId,
        case: Option<CaseId>,
        content_id_sha256: Option<Word>,
    }
    /// A platform registered a terms clause.
    TermsClauseRegistered version 1 seen_by(Actor) public(false) webhook(None) { code: Word }
    /// A platform retired a terms clause.
    TermsClauseRetired version 1 seen_by(Actor) public(false) webhook(None) { code: Word }
    /// A notice to the uploader was issued (its link works from now on).
    UploaderNoticeIssued version 1 seen_by(NoticeCase) public(false) webhook(Some("uploader_notice.issued")) {
        case: CaseId,
        decision: DecisionId,
        route: Word,
    }
    /// A notice to the uploader is withheld while an embargo runs.
    UploaderNoticeWithheld version 1 seen_by(NoticeCase) public(false) webhook(None) { case: CaseId }
    /// An authority extended an order's non-disclosure.
    EmbargoExtended version 1 seen_by(Order) public(false) webhook(None) { until: Timestamp }
    /// An order's non-disclosure ended (`automatic`: at its end).
    EmbargoLifted version 1 seen_by(Order) public(false) webhook(None) { automatic: bool, until: Timestamp }
    /// A complaint against a decision was received; its text sealed.
    ComplaintReceived version 1 seen_by(Complaint) public(true; complainant) webhook(Some("complaint.received")) {
        case: CaseId,
        decision: DecisionId,
        complainant: Word,
        due_at: Timestamp,
        text: Sealed,
    }
    /// A complaint was reviewed: upheld or reversed.
    ComplaintReviewed version 1 seen_by(Complaint)
        public(true; outcome, complainant, first_automated, received_at, late)
        webhook(None) {
        case: CaseId,
        outcome: Word,
        complainant: Word,
        first_decision: DecisionId,
        first_automated: bool,
        new_decision: Option<DecisionId>,
        received_at: Timestamp,
        late: bool,
        /// The reviewer's reasons, sealed (from step 9 on).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reasons: Option<Sealed>,
    }
    /// A complaint's two weeks ran out.
    ComplaintOverdue version 1 seen_by(Complaint) public(true) webhook(Some("complaint.overdue")) {
        complaint: ComplaintId,
        case: CaseId,
        due_at: Timestamp,
    }
    /// Content came back: its decision was reversed (`cause`, `by`). Version 2 seals the
    /// platform's `reasons` (free text); version 1 kept them in the clear, and reads as none.
    ContentReinstated version 2 seen_by(CaseParties) public(true; cause) webhook(Some("content.reinstated")) {
        case: CaseId,
        decision: DecisionId,
        cause: Word,
        by: Word,
        reasons: Option<Sealed>,
    }
    /// Cross-border scrutiny of an order was requested; the request's reasons sealed.
    ScrutinyRequested version 1 seen_by(Scrutiny) public(true; trigger) webhook(Some("scrutiny.requested")) {
        order: SignalId,
        trigger: Word,
        authority: OrgId,
        due_at: Timestamp,
        reasons: Option<Sealed>,
        #[serde(default)]
        purpose_concerns: u64,
    }
    /// The scrutinising authority decided.
    ScrutinyDecided version 1 seen_by(Scrutiny) public(true; outcome, late) webhook(Some("scrutiny.decided")) {
        order: SignalId,
        outcome: Word,
        late: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trigger: Option<Word>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        europol: Option<u64>,
        /// The decision's reasons, sealed (from step 9 on).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reasons: Option<Sealed>,
    }
    /// A scrutiny's 72 hours ran out.
    ScrutinyOverdue version 1 seen_by(Scrutiny) public(true) webhook(Some("scrutiny.overdue")) {
        scrutiny: ScrutinyId,
        order: SignalId,
        due_at: Timestamp,
    }
    /// An order stopped having effect. Version 2 is flat: `cause` is `annulment` or
    /// `scrutiny_infringement`; an annulment's court and reference are sealed. Version 1 nested
    /// the cause (`{"cause": {"cause": ...}}`), its court and reference in the clear.
    OrderEnded version 2 seen_by(Order) public(true; cause) webhook(Some("order.ended")) {
        cause: Word,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scrutiny: Option<ScrutinyId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        court: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decided_on: Option<Word>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recorded_by: Option<Word>,
    }
    /// An authority created a watch-list, its legal basis and its instrument sealed. Version 2
    /// seals the legal basis's reference; version 1 kept its plain SHA-256
    /// (`legal_basis_ref_sha256`), which a short reference does not hide, and reads as absent.
    WatchlistCreated version 2 seen_by(Actor) public(false) webhook(None) {
        ends_at: Timestamp,
        hold_hours: Option<u32>,
        #[serde(default)]
        legal_basis_ref: Option<Sealed>,
        instrument: Option<Instrument>,
    }
    /// Entries (hashes) were added to a watch-list.
    WatchlistEntriesAdded version 1 seen_by(Actor) public(false) webhook(None) { added: u64 }
    /// A watch-list was closed.
    WatchlistClosed version 1 seen_by(Actor) public(false) webhook(None) {}
    /// A case matched a watch-list but was not held (`not_held`: why).
    WatchlistMatched version 1 seen_by(WatchlistAuthority) public(true) webhook(Some("watchlist.matched")) {
        watchlist: WatchlistId,
        authority: OrgId,
        not_held: Option<Word>,
    }
    /// A case is held for a watch-list's authority.
    CaseHeld version 1 seen_by(WatchlistAuthority) public(true) webhook(Some("watchlist.matched")) {
        hold: HoldId,
        watchlist: WatchlistId,
        authority: OrgId,
        until: Timestamp,
    }
    /// A hold ended (`reason`).
    HoldEnded version 1 seen_by(WatchlistAuthority) public(true; reason) webhook(Some("hold.ended")) {
        hold: HoldId,
        reason: Word,
        placed_at: Timestamp,
    }
    /// A threat to life was referred to law enforcement.
    ThreatToLifeReferred version 1 seen_by(CasePlatformOrAuthority) public(true; europol)
        webhook(Some("law_enforcement.referral")) {
        referral: LawEnforcementReferralId,
        basis: Word,
        member_states: Vec<Word>,
        europol: bool,
        #[serde(default)]
        contact_point: bool,
        authority: Option<OrgId>,
        /// The platform's note, sealed (from step 9 on).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<Sealed>,
    }
    /// A platform acknowledged a threat-to-life alert.
    ThreatToLifeAcknowledged version 1 seen_by(CasePlatform) public(true) webhook(None) {
        level: u32,
        referrals: u64,
        raised_at: Timestamp,
    }
    /// A notifier was told the outcome of their report.
    NotifierOutcome version 1 seen_by(Actor) public(false) webhook(Some("signal.outcome")) {
        signal: SignalId,
        case: CaseId,
        outcome: Word,
        decided_at: Timestamp,
    }
    /// A platform warned a notifier (DSA art. 23); the notifier's pseudonym sealed.
    NotifierWarned version 1 seen_by(Actor) public(true) webhook(None) {
        /// Absent before step 8 (which also sealed the notifier, then a plain `notifier_sha256`).
        #[serde(default)]
        platform: Option<OrgId>,
        #[serde(default)]
        notifier: Option<Sealed>,
        kind: Word,
        until: Option<Timestamp>,
        counts: NotifierCounts,
        /// The platform's reason, sealed (from step 9 on).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Sealed>,
    }
    /// A platform suspended a notifier (DSA art. 23); the notifier's pseudonym sealed.
    NotifierSuspended version 1 seen_by(Actor) public(true) webhook(None) {
        /// Absent before step 8 (which also sealed the notifier, then a plain `notifier_sha256`).
        #[serde(default)]
        platform: Option<OrgId>,
        #[serde(default)]
        notifier: Option<Sealed>,
        kind: Word,
        until: Option<Timestamp>,
        counts: NotifierCounts,
        /// The platform's reason, sealed (from step 9 on).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Sealed>,
    }
    /// A coordinator awarded, suspended or revoked a trusted flagger's status. Version 2 seals
    /// the decision's reference (free text).
    TrustedFlaggerStatusChanged version 2 seen_by(Subject) public(false) webhook(None) {
        status: Word,
        /// Absent before step 8: false.
        #[serde(default)]
        award: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member_state: Option<Word>,
        #[serde(default)]
        reference: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        areas: Option<Vec<Word>>,
    }
    /// A password was set (`one_time`: by an administrator, to change at first sign-in; `own`: by its holder).
    UserPasswordSet version 1 seen_by(Actor) public(false) webhook(None) {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        one_time: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        own: Option<bool>,
    }
    /// A person signed in to the console.
    UserSignedIn version 1 seen_by(Actor) public(false) webhook(None) { session: Word }
    /// A person signed out.
    UserSignedOut version 1 seen_by(Actor) public(false) webhook(None) {}
    /// A reviewer claimed a case (or renewed the claim).
    CaseClaimed version 1 seen_by(CasePlatform) public(false) webhook(None) { lease_until: Timestamp, renewed: bool }
    /// A claim was released (`cause` `user_removed`: its holder was removed).
    CaseReleased version 1 seen_by(CasePlatform) public(false) webhook(None) {
        held_seconds: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<UserId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<Word>,
    }
    /// Media was attached to a case, with its digests and bank matches (never a bank's name).
    MediaAttached version 1 seen_by(Actor) public(false) webhook(None) {
        media: MediaId,
        sha256: Word,
        format: Word,
        size: i64,
        pdq: Option<Word>,
        matches: Option<Vec<MediaMatch>>,
    }
    /// A reviewer revealed a case's media.
    MediaRevealed version 1 seen_by(Actor) public(false) webhook(None) { media: MediaId }
    /// A token was revoked.
    TokenRevoked version 1 seen_by(Actor) public(false) webhook(None) { user: UserId }
    /// A person was removed: their tokens and sessions revoked.
    UserDeactivated version 1 seen_by(Actor) public(false) webhook(None) {
        org: OrgId,
        tokens: Vec<TokenId>,
        sessions: u64,
    }
    /// A webhook was deleted.
    WebhookDeleted version 1 seen_by(Actor) public(false) webhook(None) { org: OrgId }
    /// A reviewer took over another's claim on a case.
    CaseTakenOver version 1 seen_by(CasePlatform) public(false) webhook(None) {
        from: UserId,
        held_seconds: i64,
        lease_until: Timestamp,
    }
    /// A moderator wrote an internal note on a case (`reason`: on its own, or with a skip, a
    /// release, a hand-over or an escalation). The note's text stays in `case_notes`, never here.
    CaseNoteAdded version 1 seen_by(CasePlatform) public(false) webhook(None) { note: NoteId, reason: Word }
    /// A reviewer passed over a case for now ("Start reviewing" offers it to others).
    CaseSkipped version 1 seen_by(CasePlatform) public(false) webhook(None) { note: Option<NoteId> }
    /// A reviewer handed a case to a named colleague (`escalated`: to a senior), with the claim.
    CaseHandedOver version 1 seen_by(CasePlatform) public(false) webhook(None) {
        to: UserId,
        escalated: bool,
        held_seconds: i64,
        lease_until: Timestamp,
        note: Option<NoteId>,
    }
    /// The person who decided undid the decision within the undo window; the case waits for a
    /// decision again. A restriction is reversed as well (`content.reinstated`, cause `undo`).
    /// Public: the transparency figures leave the undone decision out (`actions.undone`).
    DecisionUndone version 1 seen_by(CaseParties) public(true; decision, action, after_seconds)
        webhook(Some("decision.undone")) {
        decision: DecisionId,
        action: Word,
        after_seconds: i64,
    }
    /// An order was challenged in court (who brought it, when it was filed; the court and the
    /// case's reference sealed, from step 9 on).
    OrderChallenged version 1 seen_by(Order) public(true; brought_by) webhook(Some("order.challenged")) {
        challenge: ChallengeId,
        brought_by: Word,
        filed_on: Word,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        court: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<Sealed>,
    }
    /// A court challenge of an order was decided.
    OrderChallengeDecided version 1 seen_by(Order) public(true; brought_by, outcome) webhook(None) {
        challenge: ChallengeId,
        brought_by: Word,
        outcome: Word,
    }
    /// An authority's competences or a platform's designated channel changed.
    OrgUpdated version 1 seen_by(Actor) public(false) webhook(None) {
        competences: Vec<Word>,
        designated_channel: bool,
    }
    /// Nobody acknowledged an order sent outside the designated channel.
    OrderUnacknowledged version 1 seen_by(Order) public(false) webhook(Some("order.unacknowledged")) {
        sent_at: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        via: Option<Word>,
    }
    /// A platform complied while finding a protected purpose (TCO art. 1(3)); its rationale sealed.
    OrderPurposeConcern version 1 seen_by(Order) public(false) webhook(Some("order.purpose_concern")) {
        case: CaseId,
        decision: DecisionId,
        purpose: Word,
        rationale: Sealed,
    }
    /// The scrutinising authority told the issuer it intends to find an infringement; reasons sealed.
    ScrutinyIntention version 1 seen_by(Scrutiny) public(false) webhook(Some("scrutiny.intention")) {
        order: SignalId,
        reasons: Sealed,
    }
    /// The uploader was informed (`via`), which starts their windows.
    UploaderNoticeInformed version 1 seen_by(NoticeCase) public(false) webhook(None) {
        case: CaseId,
        via: Word,
        at: Timestamp,
    }
    /// The uploader was given a copy of the orders behind a removal.
    UploaderNoticeOrderCopy version 1 seen_by(NoticeCase) public(false) webhook(Some("uploader_notice.order_copy")) {
        case: CaseId,
        orders: Vec<SignalId>,
    }
    /// The server was started on an event log that failed its check at start, because its
    /// operator said so (`--accept-broken-log`): the first bad event by its sequence number (its
    /// stored id may be anything a tamperer wrote, so it is not repeated here), what is wrong
    /// with it (`tampered`, `broken_link`, `gap`), the append-only triggers found missing, and
    /// the range checked.
    LogBreakAccepted version 1 seen_by(Actor) public(false) webhook(None) {
        first_bad_seq: Option<i64>,
        problem: Option<Word>,
        missing_guards: Vec<Word>,
        checked_from_seq: i64,
        head_seq: i64,
    }
    /// The log began a new lineage: a data directory restored from a backup older than a
    /// published checkpoint declares itself a new log, with a new origin and key, instead of
    /// passing for the old one (`vigie log new-lineage`). The old origin, and the size of the old
    /// log's latest checkpoint this directory holds (0: none).
    LogLineageStarted version 1 seen_by(Actor) public(true) webhook(None) {
        origin: Word,
        previous_origin: Word,
        previous_size: u64,
    }
    /// A dead letter (a webhook message that used up its attempts) was put back in its queue,
    /// due at once with its attempts counted afresh.
    DeliveryRequeued version 1 seen_by(Actor) public(false) webhook(None) {
        delivery: DeliveryId,
        org: OrgId,
        webhook: WebhookId,
        event_type: Word,
        attempts: u32,
        dead_at: Timestamp,
    }
    /// An administrator changed a person's roles (`roles`: the new set; `before`: the old one).
    UserRolesChanged version 1 seen_by(Actor) public(false) webhook(None) {
        org: OrgId,
        roles: Vec<Word>,
        before: Vec<Word>,
    }
    /// Someone viewed the account network (`scope`: `platform`, its own cases, or
    /// `cross_platform`, an authority's view under the Law Enforcement Directive). The account
    /// asked about, and an authority's case reference and reason, are sealed; `case` is the case
    /// the view started from, if it started from one.
    GraphViewed version 1 seen_by(Actor) public(false) webhook(None) {
        scope: Word,
        start: Sealed,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        case: Option<CaseId>,
        depth: u32,
        nodes: u64,
        edges: u64,
        truncated: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<Sealed>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Sealed>,
    }
    /// The evidence vault preserved a case's content and related data (`basis`: `removal_order`
    /// and `specific_measure` by TCO art. 6(1), recorded with the removal; an instrument's
    /// reference sealed). `items`: the blobs the record holds.
    EvidencePreserved version 1 seen_by(CasePlatform) public(false) webhook(None) {
        record: EvidenceId,
        basis: Word,
        purpose: Word,
        expires_at: Timestamp,
        items: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        decision: Option<DecisionId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<Sealed>,
    }
    /// An art. 6(2) extension while a review proceeds; the proceeding's reference sealed.
    EvidenceExtended version 1 seen_by(CasePlatform) public(false) webhook(None) {
        record: EvidenceId,
        proceeding: Sealed,
        ends_at: Timestamp,
    }
    /// Someone opened a record (chain of custody): the actor and time are the event's; why
    /// (sealed) and on what basis (`custody`, `authority_request`, `export`) are here.
    EvidenceAccessed version 1 seen_by(CasePlatform) public(false) webhook(None) {
        record: EvidenceId,
        basis: Word,
        reason: Sealed,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<EvidenceRequestId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        export: Option<EvidenceExportId>,
    }
    /// A competent authority asked to open a record; its request's reference sealed.
    EvidenceAccessRequested version 1 seen_by(CasePlatform) public(false) webhook(None) {
        record: EvidenceId,
        request: EvidenceRequestId,
        reference: Sealed,
    }
    /// A custodian granted an authority's request.
    EvidenceAccessGranted version 1 seen_by(CasePlatform) public(false) webhook(None) {
        record: EvidenceId,
        request: EvidenceRequestId,
        authority: OrgId,
    }
    /// A custodian asked to export a case's evidence to a recipient's key (its fingerprint).
    EvidenceExportRequested version 1 seen_by(CasePlatform) public(false) webhook(None) {
        export: EvidenceExportId,
        records: Vec<EvidenceId>,
        recipient: Word,
        reason: Sealed,
    }
    /// Another custodian approved an export (four eyes).
    EvidenceExportApproved version 1 seen_by(CasePlatform) public(false) webhook(None) {
        export: EvidenceExportId,
        requested_by: UserId,
    }
    /// An approved export's bundle was written (the SHA-256 of the encrypted bundle).
    EvidenceExported version 1 seen_by(CasePlatform) public(false) webhook(None) {
        export: EvidenceExportId,
        bundle_sha256: Word,
    }
    /// A record expired and was purged; `freed`: the blobs no other record held, deleted.
    EvidencePurged version 1 seen_by(CasePlatform) public(false) webhook(None) {
        record: EvidenceId,
        freed: u64,
    }
    /// The records' data keys were wrapped again with the newest key-encryption key (`kek`, its id).
    EvidenceRewrapped version 1 seen_by(Actor) public(false) webhook(None) { records: u64, kek: Word }
    /// The text of a reported location matched a banked text at intake (`location`: its
    /// position in the signal): recorded on the case, whose priority it raises; for review only,
    /// never automatic action. The text itself is not in the log.
    CaseTextMatched version 1 seen_by(CasePlatform) public(false) webhook(None) {
        signal: SignalId,
        location: u32,
        bank: BankId,
        entry: i64,
        signal_type: Word,
        distance: u32,
        priority: i64,
    }
}

/// A bank's settings are the same facts whether it was created or changed.
impl From<BankCreated> for BankUpdated {
    fn from(c: BankCreated) -> Self {
        let BankCreated {
            name,
            owner,
            kind,
            threshold,
            stay_down,
            enabled_ratio,
            labels,
            flood_limit,
            vpdq_query_percent,
            vpdq_compared_percent,
            tmk_level1,
            tmk_level2,
        } = c;
        BankUpdated {
            name,
            owner,
            kind,
            threshold,
            stay_down,
            enabled_ratio,
            labels,
            flood_limit,
            vpdq_query_percent,
            vpdq_compared_percent,
            tmk_level1,
            tmk_level2,
        }
    }
}

impl SignalReceived {
    /// A signal of `kind` with none of the fields that depend on its kind.
    pub fn new(kind: &str, tier: &str, threat_to_life: bool, locations: u64) -> Self {
        SignalReceived {
            kind: Word::from(kind),
            tier: Word::from(tier),
            threat_to_life,
            locations,
            explanation: None,
            notifier_name: None,
            notifier_email: None,
            good_faith: None,
            authority: None,
            platform: None,
            reasons: None,
            emergency: None,
            cross_border: None,
            non_disclosure: None,
            non_disclosure_until: None,
            form_sha256: None,
            copy_to: None,
            designated_channel: None,
            harm_types: None,
            language: None,
        }
    }
}

/// A kind's public fields, or `None` when the public never sees it.
const fn public_fields(public: bool, fields: &'static [&'static str]) -> Option<&'static [&'static str]> {
    if public { Some(fields) } else { None }
}

fn one() -> u64 {
    1
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn org() -> OrgId {
        OrgId::from_trusted(format!("org_{}", "0".repeat(32)))
    }

    #[test]
    fn the_public_sees_only_declared_fields_of_ids_enumerations_counts_and_times() {
        for kind in EventKind::ALL {
            let spec = kind.spec();
            assert_eq!(spec.kind, kind);
            let fields = (spec.fields)();
            for name in spec.public.unwrap_or_default() {
                let f = fields.iter().find(|f| f.name == *name);
                let f = f.unwrap_or_else(|| panic!("{}: public field {name} is not a field", kind.as_str()));
                assert!(f.disclosable, "{}: public field {name} holds a sealed value", kind.as_str());
            }
        }
    }

    #[test]
    fn every_kind_has_a_schema_naming_its_fields() {
        for kind in EventKind::ALL {
            let spec = kind.spec();
            let schema = spec.schema();
            let props = schema["properties"].as_object().unwrap();
            assert_eq!(props.len(), (spec.fields)().len() + usize::from(spec.version > 1), "{}", kind.as_str());
            assert_eq!(schema["additionalProperties"], json!(false));
        }
    }

    /// Tidy: every kind, its public fields and its webhook are documented, and the docs name no
    /// kind that does not exist.
    #[test]
    fn every_kind_public_field_and_webhook_is_documented() {
        let docs = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/");
        let transparency = std::fs::read_to_string(format!("{docs}transparency.md")).unwrap();
        let api = std::fs::read_to_string(format!("{docs}api.md")).unwrap();
        let mut missing = Vec::new();
        for kind in EventKind::ALL {
            let spec = kind.spec();
            let row = format!("| `{}` |", kind.as_str());
            let Some(line) = transparency.lines().find(|l| l.starts_with(&row)) else {
                missing.push(format!("docs/transparency.md: no row for {}", kind.as_str()));
                continue;
            };
            for field in spec.public.unwrap_or_default() {
                if !line.contains(&format!("`{field}`")) {
                    missing.push(format!(
                        "docs/transparency.md: {} does not list its public field {field}",
                        kind.as_str()
                    ));
                }
            }
            if let Some(w) = spec.webhook
                && !api.contains(&format!("`{w}`"))
            {
                missing.push(format!("docs/api.md: webhook {w} of {} is not documented", kind.as_str()));
            }
        }
        for line in transparency.lines().filter(|l| l.starts_with("| `") && l.contains("` | ")) {
            let name = &line[3..line[3..].find('`').map_or(3, |i| i + 3)];
            let is_kind_row = line.split('|').nth(2).is_some_and(|v| v.trim().parse::<u32>().is_ok());
            if is_kind_row && EventKind::parse(name).is_none() {
                missing.push(format!("docs/transparency.md: {name} is not a kind"));
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn the_published_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/events.schema.json");
        let want = format!("{}\n", serde_json::to_string_pretty(&schema_document()).unwrap());
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/events.schema.json is stale: run `UPDATE_EXPECT=1 cargo test -p vigie-model`");
    }

    #[test]
    fn a_version_above_one_is_stored_and_read_back() {
        let e: Event = BankEntriesAdded {
            count: 3,
            source: Word::from("hma"),
            signal_types: [(Word::from("pdq"), 3)].into(),
            case: None,
        }
        .into();
        let stored = e.encode();
        let v: Value = serde_json::from_str(&stored).unwrap();
        assert_eq!((v["v"].as_u64(), v["count"].as_u64()), (Some(2), Some(3)));
        assert_eq!(Event::decode("bank.entries_added", &stored).unwrap(), e);
        let future = stored.replace("\"v\":2", "\"v\":3");
        assert!(matches!(
            Event::decode("bank.entries_added", &future),
            Err(super::super::ReadError::FutureVersion { version: 3, .. })
        ));
    }

    #[test]
    fn a_version_one_event_is_stored_without_a_version() {
        let e: Event = HostClaimed { platform: org() }.into();
        assert!(!e.encode().contains("\"v\""));
        assert_eq!(Event::decode("host.claimed", &e.encode()).unwrap(), e);
    }

    #[test]
    fn the_drifted_shapes_already_stored_read_as_the_current_one() {
        let lines = r#"{"lines":40,"source":"import:csv","signal_types":{"pdq":40}}"#;
        let Event::BankEntriesAdded(d) = Event::decode("bank.entries_added", lines).unwrap() else { panic!() };
        assert_eq!(d.count, 40);

        // Before step 8's TCO half, an annulment's court and reference were nested and readable.
        let nested = r#"{"cause":{"cause":"annulment","court":"High Court","reference":"HC-1","decided_on":"2026-01-02","recorded_by":"issuing_authority"}}"#;
        let e = Event::decode("order.ended", nested).unwrap();
        let Event::OrderEnded(d) = &e else { panic!() };
        assert_eq!((d.cause.as_str(), d.court.as_ref(), d.reference.as_ref()), ("annulment", None, None));
        assert_eq!(d.decided_on, Some(Word::from("2026-01-02")));
        assert_eq!(e.public_view().unwrap(), json!({ "cause": "annulment", "v": 2 }));

        let sealed = format!(
            r#"{{"cause":"annulment","court":{{"ref":"pii_{z}","sealed":"{h}"}},"reference":null,"decided_on":"2026-01-02","recorded_by":"issuing_authority"}}"#,
            z = "0".repeat(32),
            h = "a".repeat(64)
        );
        let Event::OrderEnded(d) = Event::decode("order.ended", &sealed).unwrap() else { panic!() };
        assert!(d.court.is_some(), "a sealed court stays");

        let reinstated = r#"{"case":"cas_1","decision":"dec_1","cause":"voluntary","by":"usr_1","reasons":"our error, says Jane Doe"}"#;
        let Event::ContentReinstated(d) = Event::decode("content.reinstated", reinstated).unwrap() else { panic!() };
        assert_eq!(d.reasons, None, "unsealed reasons are never read back");

        let watchlist = r#"{"ends_at":"2026-12-01T00:00:00.000000Z","hold_hours":24,"legal_basis_ref_sha256":"ab12","instrument":null}"#;
        let Event::WatchlistCreated(d) = Event::decode("watchlist.created", watchlist).unwrap() else { panic!() };
        assert_eq!((d.legal_basis_ref, d.hold_hours), (None, Some(24)));

        let old_name = Event::decode("escalation.threat_to_life", r#"{"level":0,"flagged_by":"platform"}"#).unwrap();
        assert_eq!(old_name.kind(), EventKind::ThreatToLifeEscalated);
    }

    /// Shapes written before step 8 (a case key not yet sealed, an order's receipt without its
    /// sending time, a misuse event naming its notifier by a plain hash, a decision before
    /// `manifestly_unfounded`) still read.
    #[test]
    fn shapes_from_before_step_8_still_read() {
        let z = |p: &str| format!("{p}_{}", "0".repeat(32));
        let opened = format!(
            r#"{{"signal":"{}","signal_kind":"notice","platform":null,"target":"content","tier":"public","priority":3,"threat_to_life":false}}"#,
            z("sig")
        );
        let Event::CaseOpened(d) = Event::decode("case.opened", &opened).unwrap() else { panic!() };
        assert_eq!(d.key, None);
        let Event::OrderReceived(d) =
            Event::decode("order.received", r#"{"deadline":"2026-11-30T10:00:00.000000Z"}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(d.sent_at, None);
        let warned = r#"{"notifier_sha256":"ab","kind":"warning","until":null,"counts":{"notices":2,"unfounded":2,"unfounded_percent":100.0}}"#;
        let Event::NotifierWarned(d) = Event::decode("notifier.warned", warned).unwrap() else { panic!() };
        assert_eq!((d.platform, d.notifier, d.counts.unfounded), (None, None, 2));
        let decided = format!(
            r#"{{"decision":"{}","action":"remove","legal_basis":"eu.tco.2-7-a","terms_ground":false,"territorial_scope":[],"restriction":null,"until":null,"purpose":null,"automated_detection":false,"automated_decision":false,"tier":"public","received_at":"2026-11-30T10:00:00.000000Z"}}"#,
            z("dec")
        );
        let Event::CaseDecided(d) = Event::decode("case.decided", &decided).unwrap() else { panic!() };
        assert!(!d.manifestly_unfounded);
        let Event::TrustedFlaggerStatusChanged(d) =
            Event::decode("trusted_flagger.status_changed", r#"{"status":"active"}"#).unwrap()
        else {
            panic!()
        };
        assert!(!d.award && d.reference.is_none());
    }

    #[test]
    fn a_misspelt_or_missing_key_is_an_error_not_a_zero() {
        assert!(Event::decode("order.ended", r#"{"kause":"annulment"}"#).is_err());
        assert!(Event::decode("case.frobbed", "{}").is_err());
    }
}
