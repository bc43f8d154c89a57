//! The evidence vault's rules: what may be preserved, on which basis, for how long, who may open
//! it and how it leaves (`docs/evidence.md`).
//!
//! - Content removed under a removal order or a specific measure is preserved with its related
//!   data for six months (TCO art. 6(1)), without anyone asking: [`Basis::RemovalOrder`],
//!   [`Basis::SpecificMeasure`].
//! - Any other preservation rests on a recorded instrument with its reference and end date: a
//!   national preservation order, or a European Preservation Order (Regulation (EU) 2023/1543,
//!   applicable since 18 August 2026), which preserves for at most 60 days (its art. 11(1)).
//! - An art. 6(2) extension exists only while a review of the removal proceeds, with the
//!   proceeding's reference and an end date.
//! - Purge comes when the record expires, unless something pauses it (a legal hold, a pending
//!   review); an export needs a second custodian (four eyes).

use crate::conflict::Conflict;
use crate::redress::Refusal;
use crate::validation::Checker;
use crate::{Duration, Timestamp};

/// TCO art. 6(1): six months. 184 days is the longest run of six calendar months, so never
/// shorter.
pub const PRESERVATION: Duration = Duration::from_days(184);

/// A European Preservation Order preserves for at most 60 days (Regulation (EU) 2023/1543 art.
/// 11(1)); its issuer's confirmation of a production order is recorded as a new record.
pub const EPO_MAX: Duration = Duration::from_days(60);

/// An instrument or an extension lasts at most this long in one record (a longer need is a new
/// instrument): bounded storage, GDPR art. 5(1)(e).
pub const INSTRUMENT_MAX: Duration = Duration::from_days(366);

fn refuse<T>(code: Conflict, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal { code, message: message.into() })
}

/// On what a record preserves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// TCO art. 6(1): removed under a removal order (art. 3).
    RemovalOrder,
    /// TCO art. 6(1): removed under a specific measure (art. 5): a stay-down bank match.
    SpecificMeasure,
    /// A national preservation order, by its reference.
    NationalPreservationOrder,
    /// A European Preservation Order (Regulation (EU) 2023/1543 art. 6), by its reference.
    EuropeanPreservationOrder,
}

impl Basis {
    pub const ALL: [Basis; 4] = [
        Basis::RemovalOrder,
        Basis::SpecificMeasure,
        Basis::NationalPreservationOrder,
        Basis::EuropeanPreservationOrder,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::RemovalOrder => "removal_order",
            Basis::SpecificMeasure => "specific_measure",
            Basis::NationalPreservationOrder => "national_preservation_order",
            Basis::EuropeanPreservationOrder => "european_preservation_order",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == raw)
    }
    /// The legal basis every record states.
    pub fn legal_basis(self) -> &'static str {
        match self {
            Basis::RemovalOrder | Basis::SpecificMeasure => "Regulation (EU) 2021/784 art. 6(1)",
            Basis::NationalPreservationOrder => "national preservation order (GDPR art. 6(1)(c))",
            Basis::EuropeanPreservationOrder => "Regulation (EU) 2023/1543 art. 6",
        }
    }
    /// Recorded by Vigie itself when the removal is recorded, not by anyone's request.
    pub fn automatic(self) -> bool {
        matches!(self, Basis::RemovalOrder | Basis::SpecificMeasure)
    }
}

/// What a record is kept for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// TCO art. 6(1)(a) and (b): review and complaints against the removal, and the prevention,
    /// detection, investigation and prosecution of terrorist offences.
    ReviewAndInvestigation,
    /// Criminal proceedings, as a preservation order names them.
    CriminalProceedings,
}

impl Purpose {
    pub const ALL: [Purpose; 2] = [Purpose::ReviewAndInvestigation, Purpose::CriminalProceedings];
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::ReviewAndInvestigation => "review_and_investigation",
            Purpose::CriminalProceedings => "criminal_proceedings",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
    /// The purpose a basis serves: art. 6(1) names its own; an instrument serves proceedings.
    pub fn of(basis: Basis) -> Self {
        if basis.automatic() { Purpose::ReviewAndInvestigation } else { Purpose::CriminalProceedings }
    }
}

/// The instrument a non-automatic record rests on, as the custodian records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instrument {
    pub basis: Basis,
    pub reference: String,
    pub issuing_authority: String,
    pub ends_at: Timestamp,
}

/// The raw fields of an instrument, checked by [`check_instrument`].
#[derive(Clone, Debug, Default)]
pub struct RawInstrument<'a> {
    pub basis: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub issuing_authority: Option<&'a str>,
    pub ends_at: Option<Timestamp>,
}

/// An instrument is a national or European preservation order, with its reference, its issuer
/// and an end date in the future (within 60 days for a European one).
pub fn check_instrument(raw: &RawInstrument<'_>, now: Timestamp, c: &mut Checker) -> Option<Instrument> {
    let basis = match raw.basis.map(Basis::parse) {
        None => {
            c.push("basis", "required", "national_preservation_order or european_preservation_order");
            None
        }
        Some(Some(b)) if !b.automatic() => Some(b),
        Some(_) => {
            c.push(
                "basis",
                "not_an_instrument",
                "must be national_preservation_order or european_preservation_order: art. 6(1) preservation is recorded with the removal",
            );
            None
        }
    };
    c.text(raw.reference, "reference", 300);
    c.text(raw.issuing_authority, "issuing_authority", 300);
    let max = match basis {
        Some(Basis::EuropeanPreservationOrder) => EPO_MAX,
        _ => INSTRUMENT_MAX,
    };
    match raw.ends_at {
        None => c.push("ends_at", "required", "when the instrument ends"),
        Some(end) if end <= now => c.push("ends_at", "in_the_past", "must be in the future"),
        Some(end) if end > now.plus(max) => c.push(
            "ends_at",
            "too_long",
            if basis == Some(Basis::EuropeanPreservationOrder) {
                "a European Preservation Order preserves for at most 60 days (Regulation (EU) 2023/1543 art. 11(1))"
            } else {
                "an instrument is recorded for at most 366 days at a time"
            },
        ),
        Some(_) => {}
    }
    Some(Instrument {
        basis: basis?,
        reference: raw.reference?.trim().to_owned(),
        issuing_authority: raw.issuing_authority?.trim().to_owned(),
        ends_at: raw.ends_at?,
    })
}

/// When a record preserved at `at` on `basis` ends, before any extension.
pub fn preserved_until(basis: Basis, at: Timestamp, instrument_ends_at: Option<Timestamp>) -> Timestamp {
    match (basis.automatic(), instrument_ends_at) {
        (true, _) | (false, None) => at.plus(PRESERVATION),
        (false, Some(end)) => end,
    }
}

/// An art. 6(2) extension: its proceeding and its end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    pub proceeding: String,
    pub ends_at: Timestamp,
}

/// TCO art. 6(2): an art. 6(1) record is extended only while a review of the removal proceeds,
/// for that proceeding, until a later date than it had.
pub fn check_extension(
    basis: Basis,
    current_end: Timestamp,
    review_pending: bool,
    ends_at: Timestamp,
    now: Timestamp,
) -> Result<(), Refusal> {
    if !basis.automatic() {
        return refuse(
            Conflict::NotExtensible,
            "only art. 6(1) preservation is extended under art. 6(2); an instrument is renewed by a new one",
        );
    }
    if !review_pending {
        return refuse(
            Conflict::NoReviewPending,
            "an extension applies only while an administrative or judicial review or a complaint proceeds (TCO art. 6(2))",
        );
    }
    if ends_at <= current_end || ends_at <= now {
        return refuse(Conflict::ExtensionNotLater, "the extension must end later than the preservation does");
    }
    if ends_at > now.plus(INSTRUMENT_MAX) {
        return refuse(Conflict::ExtensionNotLater, "an extension runs for at most 366 days at a time");
    }
    Ok(())
}

/// When a record expires: its own end or its extension's, whichever is later.
pub fn expires_at(preserved_until: Timestamp, extension: Option<&Extension>) -> Timestamp {
    extension.map_or(preserved_until, |e| e.ends_at.max(preserved_until))
}

/// Whether the purge is due: strictly after expiry, and nothing pauses it.
pub fn purge_due(expires_at: Timestamp, now: Timestamp, paused: bool) -> bool {
    !paused && crate::is_overdue(expires_at, now)
}

/// Four eyes: the person who requested an export never approves it.
pub fn check_approval(requested_by: &crate::UserId, approver: &crate::UserId) -> Result<(), Refusal> {
    if requested_by == approver {
        return refuse(Conflict::FourEyes, "another custodian approves an export than the one who requested it");
    }
    Ok(())
}

/// Why a person opens a record, as the custody log records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessBasis {
    /// A custodian of the organisation that holds the record, for its duty.
    Custody,
    /// A competent authority, on its recorded request that a custodian granted.
    AuthorityRequest,
    /// An export both custodians agreed.
    Export,
}

impl AccessBasis {
    pub const ALL: [AccessBasis; 3] = [AccessBasis::Custody, AccessBasis::AuthorityRequest, AccessBasis::Export];
    pub fn as_str(self) -> &'static str {
        match self {
            AccessBasis::Custody => "custody",
            AccessBasis::AuthorityRequest => "authority_request",
            AccessBasis::Export => "export",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == raw)
    }
}

/// Why a record ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordState {
    Preserved,
    Purged,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Preserved => "preserved",
            RecordState::Purged => "purged",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "preserved" => Some(RecordState::Preserved),
            "purged" => Some(RecordState::Purged),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserId;

    fn t(days: i64) -> Timestamp {
        Timestamp::from_micros(1_800_000_000_000_000).plus(Duration::from_days(days))
    }

    #[test]
    fn art_6_1_preserves_six_months_whatever_the_instrument_says() {
        let at = t(0);
        assert_eq!(preserved_until(Basis::RemovalOrder, at, None), t(184));
        assert_eq!(preserved_until(Basis::SpecificMeasure, at, Some(t(3))), t(184));
        assert_eq!(preserved_until(Basis::EuropeanPreservationOrder, at, Some(t(30))), t(30));
        assert!(Basis::RemovalOrder.automatic() && !Basis::NationalPreservationOrder.automatic());
        assert_eq!(Purpose::of(Basis::SpecificMeasure), Purpose::ReviewAndInvestigation);
        assert_eq!(Purpose::of(Basis::NationalPreservationOrder), Purpose::CriminalProceedings);
        for b in Basis::ALL {
            assert_eq!(Basis::parse(b.as_str()), Some(b));
            assert!(!b.legal_basis().is_empty());
        }
    }

    fn instrument(basis: &str, ends_at: Option<Timestamp>) -> Result<Instrument, Vec<(String, &'static str)>> {
        let mut c = Checker::new();
        let raw = RawInstrument {
            basis: Some(basis),
            reference: Some(" PO-2026-17 "),
            issuing_authority: Some("Parquet national"),
            ends_at,
        };
        let got = check_instrument(&raw, t(0), &mut c);
        match c.finish() {
            Ok(()) => Ok(got.expect("a clean check gives an instrument")),
            Err(e) => Err(e.errors().iter().map(|e| (e.field.clone(), e.code)).collect()),
        }
    }

    #[test]
    fn an_instrument_needs_its_kind_reference_and_a_bounded_future_end() {
        let ok = instrument("national_preservation_order", Some(t(90))).unwrap();
        assert_eq!(
            (ok.basis, ok.reference.as_str(), ok.ends_at),
            (Basis::NationalPreservationOrder, "PO-2026-17", t(90))
        );
        assert!(instrument("european_preservation_order", Some(t(60))).is_ok());
        assert_eq!(
            instrument("european_preservation_order", Some(t(61))).unwrap_err(),
            vec![("ends_at".to_owned(), "too_long")]
        );
        assert_eq!(
            instrument("removal_order", Some(t(30))).unwrap_err(),
            vec![("basis".to_owned(), "not_an_instrument")]
        );
        assert_eq!(
            instrument("national_preservation_order", Some(t(0))).unwrap_err(),
            vec![("ends_at".to_owned(), "in_the_past")]
        );
        assert_eq!(
            instrument("national_preservation_order", None).unwrap_err(),
            vec![("ends_at".to_owned(), "required")]
        );
        let mut c = Checker::new();
        let none = check_instrument(&RawInstrument { ends_at: Some(t(5)), ..Default::default() }, t(0), &mut c);
        assert!(none.is_none());
        let fields: Vec<_> = c.finish().unwrap_err().errors().iter().map(|e| e.field.clone()).collect();
        assert_eq!(fields, ["basis", "reference", "issuing_authority"]);
    }

    #[test]
    fn an_extension_needs_a_pending_review_and_a_later_end() {
        let end = t(184);
        assert!(check_extension(Basis::RemovalOrder, end, true, t(200), t(100)).is_ok());
        let code = |r: Result<(), Refusal>| r.unwrap_err().code;
        assert_eq!(code(check_extension(Basis::RemovalOrder, end, false, t(200), t(100))), Conflict::NoReviewPending);
        assert_eq!(
            code(check_extension(Basis::NationalPreservationOrder, end, true, t(200), t(100))),
            Conflict::NotExtensible
        );
        assert_eq!(code(check_extension(Basis::RemovalOrder, end, true, t(184), t(100))), Conflict::ExtensionNotLater);
        assert_eq!(code(check_extension(Basis::RemovalOrder, end, true, t(500), t(100))), Conflict::ExtensionNotLater);
    }

    #[test]
    fn purge_comes_strictly_after_expiry_unless_paused() {
        let ext = Extension { proceeding: "TA Paris 2026/55".into(), ends_at: t(200) };
        assert_eq!(expires_at(t(184), Some(&ext)), t(200));
        assert_eq!(expires_at(t(184), None), t(184));
        assert!(!purge_due(t(184), t(184), false), "the last day is still preserved");
        assert!(purge_due(t(184), t(184).plus(Duration::from_micros(1)), false));
        assert!(!purge_due(t(184), t(300), true), "a hold pauses it");
    }

    #[test]
    fn four_eyes_refuses_the_requester_as_approver() {
        let a = UserId::from_random([1; 16]);
        let b = UserId::from_random([2; 16]);
        assert_eq!(check_approval(&a, &a).unwrap_err().code, Conflict::FourEyes);
        assert!(check_approval(&a, &b).is_ok());
        for x in AccessBasis::ALL {
            assert_eq!(AccessBasis::parse(x.as_str()), Some(x));
        }
    }
}
