//! The event log: every change is an event, chained by SHA-256 in commit order.
//!
//! Events hold ids and *sealed* personal values: a salted SHA-256 of the value, with the value and
//! its salt kept apart in an erasable table. Erasing a value when its retention ends leaves the
//! event, and so the chain, intact; without the salt the hash reveals nothing.

use sha2::{Digest, Sha256};

use crate::Timestamp;

pub mod data;
pub mod kinds;
pub mod leaf;
mod upcast;

pub use data::{Describe, FieldInfo, Sealed, Word};
pub use kinds::{Event, KindSpec, SeenBy};

/// Everything that can happen, by its stable name in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    OrgCreated,
    UserCreated,
    TokenIssued,
    HostClaimed,
    HostApproved,
    WebhookRegistered,
    AdvanceNoticeSent,
    SignalReceived,
    CaseOpened,
    CaseSignalAdded,
    CaseParked,
    CaseRouted,
    CaseDelivered,
    CaseAcknowledged,
    CaseDecided,
    CaseReopened,
    OrderReceived,
    OrderSuspended,
    OrderClarified,
    OrderRestarted,
    OrderEscalated,
    OrderOverdue,
    OrderComplied,
    ThreatToLifeEscalated,
    PersonalDataErased,
    BankCreated,
    BankUpdated,
    BankDeleted,
    BankShared,
    BankUnshared,
    BankEntriesAdded,
    BankEntryUpdated,
    BankEntryRemoved,
    BankEntryQuarantined,
    BankEntryReleased,
    BankFeedback,
    UploadMatched,
    TermsClauseRegistered,
    TermsClauseRetired,
    UploaderNoticeIssued,
    UploaderNoticeWithheld,
    EmbargoExtended,
    EmbargoLifted,
    ComplaintReceived,
    ComplaintReviewed,
    ComplaintOverdue,
    ContentReinstated,
    ScrutinyRequested,
    ScrutinyDecided,
    ScrutinyOverdue,
    OrderEnded,
    WatchlistCreated,
    WatchlistEntriesAdded,
    WatchlistClosed,
    WatchlistMatched,
    CaseHeld,
    HoldEnded,
    ThreatToLifeReferred,
    ThreatToLifeAcknowledged,
    NotifierOutcome,
    NotifierWarned,
    NotifierSuspended,
    TrustedFlaggerStatusChanged,
    UserPasswordSet,
    UserSignedIn,
    UserSignedOut,
    CaseClaimed,
    CaseReleased,
    MediaAttached,
    MediaRevealed,
    TokenRevoked,
    UserDeactivated,
    WebhookDeleted,
    CaseTakenOver,
    OrderChallenged,
    OrderChallengeDecided,
    OrgUpdated,
    OrderUnacknowledged,
    OrderPurposeConcern,
    ScrutinyIntention,
    UploaderNoticeInformed,
    UploaderNoticeOrderCopy,
    LogBreakAccepted,
    LogLineageStarted,
    DeliveryRequeued,
    CaseNoteAdded,
    CaseSkipped,
    CaseHandedOver,
    DecisionUndone,
    UserRolesChanged,
    GraphViewed,
    EvidencePreserved,
    EvidenceExtended,
    EvidenceAccessed,
    EvidenceAccessRequested,
    EvidenceAccessGranted,
    EvidenceExportRequested,
    EvidenceExportApproved,
    EvidenceExported,
    EvidencePurged,
    EvidenceRewrapped,
    CaseTextMatched,
}

impl EventKind {
    pub const ALL: [EventKind; 102] = [
        EventKind::OrgCreated,
        EventKind::UserCreated,
        EventKind::TokenIssued,
        EventKind::HostClaimed,
        EventKind::HostApproved,
        EventKind::WebhookRegistered,
        EventKind::AdvanceNoticeSent,
        EventKind::SignalReceived,
        EventKind::CaseOpened,
        EventKind::CaseSignalAdded,
        EventKind::CaseParked,
        EventKind::CaseRouted,
        EventKind::CaseDelivered,
        EventKind::CaseAcknowledged,
        EventKind::CaseDecided,
        EventKind::CaseReopened,
        EventKind::OrderReceived,
        EventKind::OrderSuspended,
        EventKind::OrderClarified,
        EventKind::OrderRestarted,
        EventKind::OrderEscalated,
        EventKind::OrderOverdue,
        EventKind::OrderComplied,
        EventKind::ThreatToLifeEscalated,
        EventKind::PersonalDataErased,
        EventKind::BankCreated,
        EventKind::BankUpdated,
        EventKind::BankDeleted,
        EventKind::BankShared,
        EventKind::BankUnshared,
        EventKind::BankEntriesAdded,
        EventKind::BankEntryUpdated,
        EventKind::BankEntryRemoved,
        EventKind::BankEntryQuarantined,
        EventKind::BankEntryReleased,
        EventKind::BankFeedback,
        EventKind::UploadMatched,
        EventKind::TermsClauseRegistered,
        EventKind::TermsClauseRetired,
        EventKind::UploaderNoticeIssued,
        EventKind::UploaderNoticeWithheld,
        EventKind::EmbargoExtended,
        EventKind::EmbargoLifted,
        EventKind::ComplaintReceived,
        EventKind::ComplaintReviewed,
        EventKind::ComplaintOverdue,
        EventKind::ContentReinstated,
        EventKind::ScrutinyRequested,
        EventKind::ScrutinyDecided,
        EventKind::ScrutinyOverdue,
        EventKind::OrderEnded,
        EventKind::WatchlistCreated,
        EventKind::WatchlistEntriesAdded,
        EventKind::WatchlistClosed,
        EventKind::WatchlistMatched,
        EventKind::CaseHeld,
        EventKind::HoldEnded,
        EventKind::ThreatToLifeReferred,
        EventKind::ThreatToLifeAcknowledged,
        EventKind::NotifierOutcome,
        EventKind::NotifierWarned,
        EventKind::NotifierSuspended,
        EventKind::TrustedFlaggerStatusChanged,
        EventKind::UserPasswordSet,
        EventKind::UserSignedIn,
        EventKind::UserSignedOut,
        EventKind::CaseClaimed,
        EventKind::CaseReleased,
        EventKind::MediaAttached,
        EventKind::MediaRevealed,
        EventKind::TokenRevoked,
        EventKind::UserDeactivated,
        EventKind::WebhookDeleted,
        EventKind::CaseTakenOver,
        EventKind::OrderChallenged,
        EventKind::OrderChallengeDecided,
        EventKind::OrgUpdated,
        EventKind::OrderUnacknowledged,
        EventKind::OrderPurposeConcern,
        EventKind::ScrutinyIntention,
        EventKind::UploaderNoticeInformed,
        EventKind::UploaderNoticeOrderCopy,
        EventKind::LogBreakAccepted,
        EventKind::LogLineageStarted,
        EventKind::DeliveryRequeued,
        EventKind::CaseNoteAdded,
        EventKind::CaseSkipped,
        EventKind::CaseHandedOver,
        EventKind::DecisionUndone,
        EventKind::UserRolesChanged,
        EventKind::GraphViewed,
        EventKind::EvidencePreserved,
        EventKind::EvidenceExtended,
        EventKind::EvidenceAccessed,
        EventKind::EvidenceAccessRequested,
        EventKind::EvidenceAccessGranted,
        EventKind::EvidenceExportRequested,
        EventKind::EvidenceExportApproved,
        EventKind::EvidenceExported,
        EventKind::EvidencePurged,
        EventKind::EvidenceRewrapped,
        EventKind::CaseTextMatched,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::OrgCreated => "org.created",
            EventKind::UserCreated => "user.created",
            EventKind::TokenIssued => "token.issued",
            EventKind::HostClaimed => "host.claimed",
            EventKind::HostApproved => "host.approved",
            EventKind::WebhookRegistered => "webhook.registered",
            EventKind::AdvanceNoticeSent => "advance_notice.sent",
            EventKind::SignalReceived => "signal.received",
            EventKind::CaseOpened => "case.opened",
            EventKind::CaseSignalAdded => "case.signal_added",
            EventKind::CaseParked => "case.parked",
            EventKind::CaseRouted => "case.routed",
            EventKind::CaseDelivered => "case.delivered",
            EventKind::CaseAcknowledged => "case.acknowledged",
            EventKind::CaseDecided => "case.decided",
            EventKind::CaseReopened => "case.reopened",
            EventKind::OrderReceived => "order.received",
            EventKind::OrderSuspended => "order.suspended",
            EventKind::OrderClarified => "order.clarified",
            EventKind::OrderRestarted => "order.restarted",
            EventKind::OrderEscalated => "order.escalated",
            EventKind::OrderOverdue => "order.overdue",
            EventKind::OrderComplied => "order.complied",
            EventKind::ThreatToLifeEscalated => "threat_to_life.escalated",
            EventKind::PersonalDataErased => "personal_data.erased",
            EventKind::BankCreated => "bank.created",
            EventKind::BankUpdated => "bank.updated",
            EventKind::BankDeleted => "bank.deleted",
            EventKind::BankShared => "bank.shared",
            EventKind::BankUnshared => "bank.unshared",
            EventKind::BankEntriesAdded => "bank.entries_added",
            EventKind::BankEntryUpdated => "bank.entry_updated",
            EventKind::BankEntryRemoved => "bank.entry_removed",
            EventKind::BankEntryQuarantined => "bank.entry_quarantined",
            EventKind::BankEntryReleased => "bank.entry_released",
            EventKind::BankFeedback => "bank.feedback",
            EventKind::UploadMatched => "upload.matched",
            EventKind::TermsClauseRegistered => "terms_clause.registered",
            EventKind::TermsClauseRetired => "terms_clause.retired",
            EventKind::UploaderNoticeIssued => "uploader_notice.issued",
            EventKind::UploaderNoticeWithheld => "uploader_notice.withheld",
            EventKind::EmbargoExtended => "embargo.extended",
            EventKind::EmbargoLifted => "embargo.lifted",
            EventKind::ComplaintReceived => "complaint.received",
            EventKind::ComplaintReviewed => "complaint.reviewed",
            EventKind::ComplaintOverdue => "complaint.overdue",
            EventKind::ContentReinstated => "content.reinstated",
            EventKind::ScrutinyRequested => "scrutiny.requested",
            EventKind::ScrutinyDecided => "scrutiny.decided",
            EventKind::ScrutinyOverdue => "scrutiny.overdue",
            EventKind::OrderEnded => "order.ended",
            EventKind::WatchlistCreated => "watchlist.created",
            EventKind::WatchlistEntriesAdded => "watchlist.entries_added",
            EventKind::WatchlistClosed => "watchlist.closed",
            EventKind::WatchlistMatched => "watchlist.matched",
            EventKind::CaseHeld => "case.held",
            EventKind::HoldEnded => "hold.ended",
            EventKind::ThreatToLifeReferred => "threat_to_life.referred",
            EventKind::ThreatToLifeAcknowledged => "threat_to_life.acknowledged",
            EventKind::NotifierOutcome => "notifier.outcome",
            EventKind::NotifierWarned => "notifier.warned",
            EventKind::NotifierSuspended => "notifier.suspended",
            EventKind::TrustedFlaggerStatusChanged => "trusted_flagger.status_changed",
            EventKind::UserPasswordSet => "user.password_set",
            EventKind::UserSignedIn => "user.signed_in",
            EventKind::UserSignedOut => "user.signed_out",
            EventKind::CaseClaimed => "case.claimed",
            EventKind::CaseReleased => "case.released",
            EventKind::MediaAttached => "media.attached",
            EventKind::MediaRevealed => "media.revealed",
            EventKind::TokenRevoked => "token.revoked",
            EventKind::UserDeactivated => "user.deactivated",
            EventKind::WebhookDeleted => "webhook.deleted",
            EventKind::CaseTakenOver => "case.taken_over",
            EventKind::OrderChallenged => "order.challenged",
            EventKind::OrderChallengeDecided => "order.challenge_decided",
            EventKind::OrgUpdated => "org.updated",
            EventKind::OrderUnacknowledged => "order.unacknowledged",
            EventKind::OrderPurposeConcern => "order.purpose_concern",
            EventKind::ScrutinyIntention => "scrutiny.intention",
            EventKind::UploaderNoticeInformed => "uploader_notice.informed",
            EventKind::UploaderNoticeOrderCopy => "uploader_notice.order_copy",
            EventKind::LogBreakAccepted => "log.break_accepted",
            EventKind::LogLineageStarted => "log.lineage_started",
            EventKind::DeliveryRequeued => "delivery.requeued",
            EventKind::CaseNoteAdded => "case.note_added",
            EventKind::CaseSkipped => "case.skipped",
            EventKind::CaseHandedOver => "case.handed_over",
            EventKind::DecisionUndone => "decision.undone",
            EventKind::UserRolesChanged => "user.roles_changed",
            EventKind::GraphViewed => "graph.viewed",
            EventKind::EvidencePreserved => "evidence.preserved",
            EventKind::EvidenceExtended => "evidence.extended",
            EventKind::EvidenceAccessed => "evidence.accessed",
            EventKind::EvidenceAccessRequested => "evidence.access_requested",
            EventKind::EvidenceAccessGranted => "evidence.access_granted",
            EventKind::EvidenceExportRequested => "evidence.export_requested",
            EventKind::EvidenceExportApproved => "evidence.export_approved",
            EventKind::EvidenceExported => "evidence.exported",
            EventKind::EvidencePurged => "evidence.purged",
            EventKind::EvidenceRewrapped => "evidence.rewrapped",
            EventKind::CaseTextMatched => "case.text_matched",
        }
    }

    /// The kind of a stored name, including the names a kind had before: `threat_to_life.escalated`
    /// was written `escalation.threat_to_life` until step 9.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "escalation.threat_to_life" => Some(EventKind::ThreatToLifeEscalated),
            _ => Self::ALL.into_iter().find(|k| k.as_str() == raw),
        }
    }
}

/// Which clock stamped an event: the system's, or a test's manual clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockSource {
    System,
    Manual,
}

impl ClockSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockSource::System => "system",
            ClockSource::Manual => "manual",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "system" => Some(ClockSource::System),
            "manual" => Some(ClockSource::Manual),
            _ => None,
        }
    }
}

/// An event before the store gives it its place in the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub at: Timestamp,
    pub clock: ClockSource,
    /// The person who acted, if any (anonymous public reports and the scheduler have none).
    pub actor: Option<String>,
    /// The organisation that acted, if any.
    pub org: Option<String>,
    /// The id of the object the event is about.
    pub subject: String,
    /// What happened: ids, enumerations, counts and sealed values. Stored as [`Event::encode`]
    /// makes it, and hashed as stored.
    pub event: Event,
}

/// Why a stored event cannot be read as a typed [`Event`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("unknown event kind {0:?}")]
    UnknownKind(String),
    #[error("{kind} version {version} is newer than this build knows ({known})")]
    FutureVersion { kind: &'static str, version: u64, known: u32 },
    #[error("{kind} version {version}: {source}")]
    Shape { kind: &'static str, version: u64, source: serde_json::Error },
}

impl Event {
    /// The version this build writes the event's kind in.
    pub fn version(&self) -> u32 {
        self.kind().spec().version
    }

    /// The JSON text the log stores: the data's fields, and `"v"` when the kind's version is
    /// above 1 (an event without `"v"` is version 1).
    pub fn encode(&self) -> String {
        let mut data = self.data_value();
        let version = self.version();
        if version > 1
            && let Some(obj) = data.as_object_mut()
        {
            obj.insert("v".into(), version.into());
        }
        data.to_string()
    }

    /// Reads a stored event (its kind's name and its data as stored), upcasting an older version
    /// to the current shape.
    pub fn decode(kind: &str, data: &str) -> Result<Event, ReadError> {
        let k = EventKind::parse(kind).ok_or_else(|| ReadError::UnknownKind(kind.to_owned()))?;
        let name = k.as_str();
        let mut value: serde_json::Value =
            serde_json::from_str(data).map_err(|source| ReadError::Shape { kind: name, version: 0, source })?;
        let version = value.as_object_mut().and_then(|o| o.remove("v")).and_then(|v| v.as_u64()).unwrap_or(1);
        let known = k.spec().version;
        if version > u64::from(known) {
            return Err(ReadError::FutureVersion { kind: name, version, known });
        }
        let current = upcast::to_current(k, version, value);
        Event::from_current(k, current).map_err(|source| ReadError::Shape { kind: name, version, source })
    }

    /// The data as the public sees it: the kind's public fields only (and the version, above 1),
    /// or `None` when the public never sees the kind.
    pub fn public_view(&self) -> Option<serde_json::Value> {
        let fields = self.kind().spec().public?;
        let data = self.data_value();
        let mut kept: serde_json::Map<String, serde_json::Value> =
            fields.iter().filter_map(|f| data.get(*f).map(|v| ((*f).to_owned(), v.clone()))).collect();
        if self.version() > 1 {
            kept.insert("v".into(), self.version().into());
        }
        Some(serde_json::Value::Object(kept))
    }
}

impl ChainedEvent {
    /// The typed event, read from its stored kind and data.
    pub fn event(&self) -> Result<Event, ReadError> {
        Event::decode(&self.kind, &self.data)
    }
}

/// An event in the chain, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedEvent {
    /// Position in commit order, from 1.
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub at: Timestamp,
    pub clock: String,
    pub actor: Option<String>,
    pub org: Option<String>,
    pub subject: String,
    /// The data exactly as hashed.
    pub data: String,
    /// Hex SHA-256 of the previous event (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this event's encoding and `prev_hash`.
    pub hash: String,
}

/// The hash before the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version 1 of the chain encoding: length-prefixed fields, so no field can bleed into the next.
pub fn chain_hash(prev_hash: &str, e: &ChainedEvent) -> String {
    let mut h = Sha256::new();
    h.update(b"vigie-event-v1");
    let seq = e.seq.to_string();
    let at = e.at.as_micros().to_string();
    let fields: [&[u8]; 10] = [
        prev_hash.as_bytes(),
        seq.as_bytes(),
        e.id.as_bytes(),
        e.kind.as_bytes(),
        at.as_bytes(),
        e.clock.as_bytes(),
        e.actor.as_deref().unwrap_or("").as_bytes(),
        e.org.as_deref().unwrap_or("").as_bytes(),
        e.subject.as_bytes(),
        e.data.as_bytes(),
    ];
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f);
    }
    hex::encode(h.finalize())
}

/// Where a chain stops verifying.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("event {seq} is out of order (expected {expected})")]
    Gap { seq: i64, expected: i64 },
    #[error("event {seq} does not link to the previous event's hash")]
    BrokenLink { seq: i64 },
    #[error("event {seq} does not match its hash")]
    Tampered { seq: i64 },
}

/// Checks a run of events that starts after `prev` (`None`: from the genesis).
/// Returns the last hash, to continue with the next run.
pub fn verify_chain<'a>(
    prev: Option<(i64, &str)>,
    events: impl IntoIterator<Item = &'a ChainedEvent>,
) -> Result<(i64, String), ChainError> {
    let (mut seq, mut hash) = match prev {
        Some((s, h)) => (s, h.to_owned()),
        None => (0, GENESIS_HASH.to_owned()),
    };
    for e in events {
        if e.seq != seq + 1 {
            return Err(ChainError::Gap { seq: e.seq, expected: seq + 1 });
        }
        if e.prev_hash != hash {
            return Err(ChainError::BrokenLink { seq: e.seq });
        }
        if chain_hash(&hash, e) != e.hash {
            return Err(ChainError::Tampered { seq: e.seq });
        }
        seq = e.seq;
        hash = e.hash.clone();
    }
    Ok((seq, hash))
}

/// A personal value's salted hash as it appears in events.
pub fn seal(salt: &[u8], value: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"vigie-pii-v1");
    h.update((salt.len() as u64).to_be_bytes());
    h.update(salt);
    h.update(value.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<ChainedEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut e = ChainedEvent {
                    seq,
                    id: format!("evt_{seq}"),
                    kind: "case.opened".into(),
                    at: Timestamp::from_micros(seq * 1000),
                    clock: "system".into(),
                    actor: None,
                    org: Some("org_x".into()),
                    subject: "cas_1".into(),
                    data: format!("{{\"n\":{seq}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = chain_hash(&prev, &e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies_and_can_be_continued() {
        let events = chain(5);
        let (seq, hash) = verify_chain(None, &events[..3]).unwrap();
        assert_eq!(verify_chain(Some((seq, &hash)), &events[3..]).unwrap().0, 5);
    }

    #[test]
    fn any_change_breaks_the_chain() {
        let mut events = chain(4);
        events[2].data = "{\"n\":99}".into();
        assert_eq!(verify_chain(None, &events), Err(ChainError::Tampered { seq: 3 }));

        let mut events = chain(4);
        events.remove(1);
        assert_eq!(verify_chain(None, &events), Err(ChainError::Gap { seq: 3, expected: 2 }));

        let mut events = chain(4);
        events[1].actor = Some("usr_evil".into());
        assert!(verify_chain(None, &events).is_err());
    }

    #[test]
    fn sealed_values_depend_on_the_salt() {
        assert_ne!(seal(b"salt-1", "a@b.example"), seal(b"salt-2", "a@b.example"));
        assert_eq!(seal(b"salt-1", "a@b.example"), seal(b"salt-1", "a@b.example"));
    }

    #[test]
    fn every_kind_round_trips_by_name() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
        }
    }
}
