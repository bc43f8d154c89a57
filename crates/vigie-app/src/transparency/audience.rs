//! Which events an audience may see.
//!
//! - **Overseer**: every event, unchanged, so the export verifies as a chain.
//! - **Public**: only the kinds the transparency report reads, each reduced to the fields its kind
//!   declares public (`KindSpec::public`: ids, enumerations, counts, flags and times, never a
//!   sealed value; a test checks each field's type), read from the typed event, so an older shape
//!   is upcast before it is cut; without the acting person. The organisations stay: they are the
//!   institutions whose work the report shows.
//! - **An organisation**: the events it is a party to (`KindSpec::seen_by`), unchanged: what it
//!   did, what was sent to it, and what happened to its cases, orders and reports. Holds and
//!   watch-list matches are seen only by the list's authority, whoever's action triggered them.
//!
//! Personal values never appear in any export: events only ever carry their salted hashes.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use vigie_model::Timestamp;
use vigie_model::event::{ChainedEvent, Event, SeenBy, kinds};
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
                // What the kind declares public, from the typed event: an older shape is upcast
                // first, so a field it nested or kept in the clear never reaches the public.
                let event = e.event().ok()?;
                let data = event.public_view()?;
                let kind = event.kind().as_str().to_owned();
                Some(Cow::Owned(ChainedEvent { actor: None, kind, data: data.to_string(), ..e.clone() }))
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

impl Parties {
    fn learn(&mut self, e: &ChainedEvent) {
        let Ok(event) = e.event() else { return };
        match &event {
            Event::SignalReceived(d) => {
                if let Some(org) = &e.org {
                    self.signal_org.insert(e.subject.clone(), org.clone());
                }
                if let (Some(a), Some(p)) = (&d.authority, &d.platform) {
                    self.orders.insert(e.subject.clone(), (a.as_str().to_owned(), p.as_str().to_owned()));
                }
            }
            Event::CaseOpened(kinds::CaseOpened { platform, signal, .. })
            | Event::CaseSignalAdded(kinds::CaseSignalAdded { platform, signal, .. }) => {
                if let Some(p) = platform {
                    self.case_platform.insert(e.subject.clone(), p.as_str().to_owned());
                }
                if let Some(org) = self.signal_org.get(signal.as_str()) {
                    self.case_reporters.entry(e.subject.clone()).or_default().insert(org.clone());
                }
                self.signal_cases.entry(signal.as_str().to_owned()).or_default().push(e.subject.clone());
            }
            Event::CaseRouted(d) => {
                self.case_platform.insert(e.subject.clone(), d.platform.as_str().to_owned());
            }
            Event::ComplaintReceived(d) => {
                self.complaint_case.insert(e.subject.clone(), d.case.as_str().to_owned());
            }
            Event::ScrutinyRequested(d) => {
                self.scrutinies
                    .insert(e.subject.clone(), (d.order.as_str().to_owned(), d.authority.as_str().to_owned()));
            }
            Event::CaseHeld(d) => {
                self.hold_authority.insert(d.hold.as_str().to_owned(), d.authority.as_str().to_owned());
            }
            _ => {}
        }
    }

    /// Whether `org` may see `e`, by what its kind declares ([`SeenBy`]).
    fn sees(&self, e: &ChainedEvent, org: &str) -> bool {
        let Ok(event) = e.event() else { return false };
        let seen_by = event.kind().spec().seen_by;
        let platform_of = |case: &str| self.case_platform.get(case).is_some_and(|p| p == org);
        let party_to_order = |id: &str| self.orders.get(id).is_some_and(|(a, p)| a == org || p == org);
        if seen_by == SeenBy::WatchlistAuthority {
            // Secret from everyone else, whoever's action triggered it.
            return match &event {
                Event::CaseHeld(d) => d.authority.as_str() == org,
                Event::WatchlistMatched(d) => d.authority.as_str() == org,
                Event::HoldEnded(d) => self.hold_authority.get(d.hold.as_str()).is_some_and(|a| a == org),
                _ => false,
            };
        }
        if e.org.as_deref() == Some(org) {
            return true;
        }
        match seen_by {
            SeenBy::Actor | SeenBy::WatchlistAuthority => false,
            SeenBy::Subject => e.subject == org,
            SeenBy::Signal => {
                party_to_order(&e.subject)
                    || self.signal_cases.get(&e.subject).into_iter().flatten().any(|c| platform_of(c))
            }
            SeenBy::CaseReport => {
                let signal = match &event {
                    Event::CaseOpened(d) => Some(&d.signal),
                    Event::CaseSignalAdded(d) => Some(&d.signal),
                    _ => None,
                };
                platform_of(&e.subject)
                    || signal.and_then(|s| self.signal_org.get(s.as_str())).is_some_and(|o| o == org)
            }
            SeenBy::CaseParties => {
                platform_of(&e.subject) || self.case_reporters.get(&e.subject).is_some_and(|r| r.contains(org))
            }
            SeenBy::CasePlatform => platform_of(&e.subject),
            // The referral's addressee, when it is an organisation of the instance.
            SeenBy::CasePlatformOrAuthority => {
                platform_of(&e.subject)
                    || matches!(&event, Event::ThreatToLifeReferred(d) if d.authority.as_ref().is_some_and(|a| a.as_str() == org))
            }
            SeenBy::Platform => matches!(&event, Event::UploadMatched(d) if d.platform.as_str() == org),
            SeenBy::Order => party_to_order(&e.subject),
            SeenBy::Scrutiny => {
                self.scrutinies.get(&e.subject).is_some_and(|(o, authority)| authority == org || party_to_order(o))
            }
            SeenBy::Complaint => self.complaint_case.get(&e.subject).is_some_and(|c| platform_of(c)),
            SeenBy::NoticeCase => {
                let case = match &event {
                    Event::UploaderNoticeIssued(d) => Some(&d.case),
                    Event::UploaderNoticeWithheld(d) => Some(&d.case),
                    Event::UploaderNoticeInformed(d) => Some(&d.case),
                    Event::UploaderNoticeOrderCopy(d) => Some(&d.case),
                    _ => None,
                };
                case.is_some_and(|c| platform_of(c.as_str()))
            }
        }
    }
}
