//! Which events an audience may see.
//!
//! - **Overseer**: every event, unchanged, so the export verifies as a chain.
//! - **Public**: only the kinds the transparency report reads, each reduced to the fields it reads
//!   (never a sealed personal value, a free text or a content hash), and without the acting person.
//!   The organisations stay: they are the institutions whose work the report shows.
//! - **An organisation**: the events it is a party to, unchanged: what it did, what was sent to it,
//!   and what happened to its cases, orders and reports. Holds and watch-list matches are seen only
//!   by the list's authority, whoever's action triggered them.
//!
//! Personal values never appear in any export: events only ever carry their salted hashes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};
use vigie_model::Timestamp;
use vigie_model::event::ChainedEvent;
use vigie_store::Reads;

/// Who an export or a report is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    Overseer,
    Public,
    Org(String),
}

impl Audience {
    /// `overseer`, `public`, or an organisation id.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "overseer" => Some(Audience::Overseer),
            "public" => Some(Audience::Public),
            id if vigie_model::OrgId::parse(id).is_some() => Some(Audience::Org(id.to_owned())),
            _ => None,
        }
    }

    pub fn org(&self) -> Option<&str> {
        match self {
            Audience::Org(o) => Some(o),
            _ => None,
        }
    }
}

/// The kinds the public sees, each with the data fields it keeps.
pub const PUBLIC_FIELDS: &[(&str, &[&str])] = &[
    ("org.created", &["kind"]),
    (
        "signal.received",
        &["kind", "tier", "threat_to_life", "authority", "platform", "cross_border", "emergency", "non_disclosure"],
    ),
    (
        "case.decided",
        &[
            "action",
            "legal_basis",
            "terms_ground",
            "territorial_scope",
            "automated_detection",
            "automated_decision",
            "manifestly_unfounded",
            "tier",
            "received_at",
        ],
    ),
    ("order.received", &[]),
    ("order.complied", &["late", "measure", "items", "at_intake"]),
    ("order.suspended", &["state", "reasons"]),
    ("order.overdue", &[]),
    ("order.escalated", &[]),
    ("order.ended", &["cause"]),
    ("order.challenged", &["brought_by"]),
    ("order.challenge_decided", &["brought_by", "outcome"]),
    ("scrutiny.requested", &["trigger"]),
    ("scrutiny.decided", &["outcome", "late"]),
    ("scrutiny.overdue", &[]),
    ("complaint.received", &["complainant"]),
    ("complaint.reviewed", &["outcome", "complainant", "first_automated", "received_at", "late"]),
    ("complaint.overdue", &[]),
    ("content.reinstated", &["cause"]),
    ("case.held", &[]),
    ("hold.ended", &["reason"]),
    ("watchlist.matched", &[]),
    ("escalation.threat_to_life", &[]),
    ("threat_to_life.referred", &["europol"]),
    ("threat_to_life.acknowledged", &[]),
    ("notifier.warned", &[]),
    ("notifier.suspended", &[]),
    ("upload.matched", &["case"]),
    ("bank.entries_added", &["count", "lines"]),
];

/// Kinds only the watch-list's authority may see.
const SECRET: [&str; 3] = ["case.held", "hold.ended", "watchlist.matched"];

/// Decides, event by event, what an audience sees.
pub struct Selector {
    audience: Audience,
    parties: Parties,
}

impl Selector {
    /// For an organisation, first reads the log up to `to` to learn who is party to what.
    pub fn build(r: &dyn Reads, to: Timestamp, audience: &Audience) -> vigie_store::Result<Self> {
        let mut parties = Parties::default();
        if matches!(audience, Audience::Org(_)) {
            super::each_event(r, to, |e| parties.learn(e))?;
        }
        Ok(Selector { audience: audience.clone(), parties })
    }

    /// A selector whose party map was learnt from `events` (for callers that hold them).
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a ChainedEvent>, audience: &Audience) -> Self {
        let mut parties = Parties::default();
        if matches!(audience, Audience::Org(_)) {
            for e in events {
                parties.learn(e);
            }
        }
        Selector { audience: audience.clone(), parties }
    }

    /// The event as the audience sees it, or `None`.
    pub fn view<'a>(&self, e: &'a ChainedEvent) -> Option<Cow<'a, ChainedEvent>> {
        match &self.audience {
            Audience::Overseer => Some(Cow::Borrowed(e)),
            Audience::Org(org) => self.parties.sees(e, org).then_some(Cow::Borrowed(e)),
            Audience::Public => {
                let (_, fields) = PUBLIC_FIELDS.iter().find(|(k, _)| *k == e.kind)?;
                let data: Value = serde_json::from_str(&e.data).unwrap_or(Value::Null);
                let kept: Map<String, Value> =
                    fields.iter().filter_map(|f| data.get(*f).map(|v| ((*f).to_owned(), v.clone()))).collect();
                Some(Cow::Owned(ChainedEvent { actor: None, data: Value::Object(kept).to_string(), ..e.clone() }))
            }
        }
    }
}

/// Who is party to what, learnt from the log.
#[derive(Default)]
struct Parties {
    case_platform: HashMap<String, String>,
    case_reporters: HashMap<String, HashSet<String>>,
    signal_org: HashMap<String, String>,
    signal_cases: HashMap<String, Vec<String>>,
    /// Order → (issuing authority, addressed platform).
    orders: HashMap<String, (String, String)>,
    complaint_case: HashMap<String, String>,
    /// Scrutiny → (order, scrutinising authority).
    scrutinies: HashMap<String, (String, String)>,
    hold_authority: HashMap<String, String>,
}

fn field(e: &ChainedEvent) -> Value {
    serde_json::from_str(&e.data).unwrap_or(Value::Null)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Parties {
    fn learn(&mut self, e: &ChainedEvent) {
        let data = field(e);
        match e.kind.as_str() {
            "signal.received" => {
                if let Some(org) = &e.org {
                    self.signal_org.insert(e.subject.clone(), org.clone());
                }
                if let (Some(a), Some(p)) = (text(&data, "authority"), text(&data, "platform")) {
                    self.orders.insert(e.subject.clone(), (a, p));
                }
            }
            "case.opened" | "case.signal_added" => {
                if let Some(p) = text(&data, "platform") {
                    self.case_platform.insert(e.subject.clone(), p);
                }
                if let Some(signal) = text(&data, "signal") {
                    if let Some(org) = self.signal_org.get(&signal) {
                        self.case_reporters.entry(e.subject.clone()).or_default().insert(org.clone());
                    }
                    self.signal_cases.entry(signal).or_default().push(e.subject.clone());
                }
            }
            "case.routed" => {
                if let Some(p) = text(&data, "platform") {
                    self.case_platform.insert(e.subject.clone(), p);
                }
            }
            "complaint.received" => {
                if let Some(c) = text(&data, "case") {
                    self.complaint_case.insert(e.subject.clone(), c);
                }
            }
            "scrutiny.requested" => {
                if let (Some(o), Some(a)) = (text(&data, "order"), text(&data, "authority")) {
                    self.scrutinies.insert(e.subject.clone(), (o, a));
                }
            }
            "case.held" => {
                if let (Some(h), Some(a)) = (text(&data, "hold"), text(&data, "authority")) {
                    self.hold_authority.insert(h, a);
                }
            }
            _ => {}
        }
    }

    /// Whether `org` may see `e`.
    fn sees(&self, e: &ChainedEvent, org: &str) -> bool {
        let data = field(e);
        let kind = e.kind.as_str();
        let says = |key: &str| data.get(key).and_then(Value::as_str) == Some(org);
        if SECRET.contains(&kind) {
            return match kind {
                "hold.ended" => data
                    .get("hold")
                    .and_then(Value::as_str)
                    .and_then(|h| self.hold_authority.get(h))
                    .is_some_and(|a| a == org),
                _ => says("authority"),
            };
        }
        if e.org.as_deref() == Some(org) {
            return true;
        }
        let platform_of = |case: &str| self.case_platform.get(case).is_some_and(|p| p == org);
        let party_to_order = |id: &str| self.orders.get(id).is_some_and(|(a, p)| a == org || p == org);
        match kind {
            "org.created" | "trusted_flagger.status_changed" => e.subject == org,
            "signal.received" => {
                party_to_order(&e.subject)
                    || self.signal_cases.get(&e.subject).into_iter().flatten().any(|c| platform_of(c))
            }
            "case.opened" | "case.signal_added" => {
                platform_of(&e.subject)
                    || data
                        .get("signal")
                        .and_then(Value::as_str)
                        .and_then(|s| self.signal_org.get(s))
                        .is_some_and(|o| o == org)
            }
            "case.decided" | "case.reopened" | "content.reinstated" => {
                platform_of(&e.subject) || self.case_reporters.get(&e.subject).is_some_and(|r| r.contains(org))
            }
            // The referral's addressee, when it is an organisation of the instance.
            "threat_to_life.referred" => platform_of(&e.subject) || says("authority"),
            "upload.matched" => says("platform"),
            k if k.starts_with("case.") || k.starts_with("escalation.") || k.starts_with("threat_to_life.") => {
                platform_of(&e.subject)
            }
            k if k.starts_with("order.") || k.starts_with("embargo.") => party_to_order(&e.subject),
            k if k.starts_with("scrutiny.") => {
                self.scrutinies.get(&e.subject).is_some_and(|(o, authority)| authority == org || party_to_order(o))
            }
            k if k.starts_with("complaint.") => self.complaint_case.get(&e.subject).is_some_and(|c| platform_of(c)),
            k if k.starts_with("uploader_notice.") => data.get("case").and_then(Value::as_str).is_some_and(platform_of),
            _ => false,
        }
    }
}
