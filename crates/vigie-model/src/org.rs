//! Organisations, the people in them and what each may do.

use serde::{Deserialize, Serialize};

use crate::validation::Checker;

/// The 27 EU member states, by ISO 3166-1 alpha-2 code (Greece as `GR`).
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV",
    "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// An EU member state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberState(&'static str);

impl MemberState {
    /// Accepts an ISO code, case-insensitively; `EL` is taken as Greece.
    pub fn parse(raw: &str) -> Option<Self> {
        let upper = raw.trim().to_ascii_uppercase();
        let upper = if upper == "EL" { "GR".to_owned() } else { upper };
        EU_MEMBER_STATES.iter().find(|c| **c == upper).map(|c| MemberState(c))
    }
    pub fn code(self) -> &'static str {
        self.0
    }
}

/// What an organisation is, which fixes what it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A competent authority or referral unit: issues removal orders and referrals.
    Authority,
    /// A hosting service provider: receives cases, decides, reports back.
    Platform,
    /// A trusted flagger (DSA art. 22): its notices get priority.
    TrustedFlagger,
    /// An independent overseer or auditor: reads, verifies, never changes.
    Overseer,
    /// The operator of a Vigie instance (e.g. a national reporting platform).
    Hub,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] =
        [OrgKind::Authority, OrgKind::Platform, OrgKind::TrustedFlagger, OrgKind::Overseer, OrgKind::Hub];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Authority => "authority",
            OrgKind::Platform => "platform",
            OrgKind::TrustedFlagger => "trusted_flagger",
            OrgKind::Overseer => "overseer",
            OrgKind::Hub => "hub",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// What a competent authority is designated for by its member state (TCO art. 12(1)). An
/// authority without a designation (a referral unit) refers content; it issues no order and
/// scrutinises none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Competence {
    /// (a) issuing removal orders (art. 3); its contact point answers clarifications (art. 12(2)).
    IssueOrders,
    /// (b) scrutinising removal orders issued elsewhere (art. 4).
    Scrutiny,
    /// (c) overseeing specific measures (art. 5).
    SpecificMeasures,
    /// (d) imposing penalties (art. 18).
    Penalties,
}

impl Competence {
    pub const ALL: [Competence; 4] =
        [Competence::IssueOrders, Competence::Scrutiny, Competence::SpecificMeasures, Competence::Penalties];
    pub fn as_str(self) -> &'static str {
        match self {
            Competence::IssueOrders => "issue_orders",
            Competence::Scrutiny => "scrutiny",
            Competence::SpecificMeasures => "specific_measures",
            Competence::Penalties => "penalties",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == raw)
    }
    /// The point of TCO art. 12(1) that designates it.
    pub fn article(self) -> &'static str {
        match self {
            Competence::IssueOrders => "Regulation (EU) 2021/784 art. 12(1)(a)",
            Competence::Scrutiny => "Regulation (EU) 2021/784 art. 12(1)(b)",
            Competence::SpecificMeasures => "Regulation (EU) 2021/784 art. 12(1)(c)",
            Competence::Penalties => "Regulation (EU) 2021/784 art. 12(1)(d)",
        }
    }
}

/// Checks a list of competences as given; sorted and deduplicated.
pub fn check_competences(raw: &[String], field: &str, c: &mut Checker) -> Vec<Competence> {
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        match Competence::parse(r.trim()) {
            Some(x) => out.push(x),
            None => c.push(
                format!("{field}[{i}]"),
                "unknown_competence",
                "must be issue_orders, scrutiny, specific_measures or penalties (TCO art. 12(1))",
            ),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The member state whose competent authority receives the copy of an order and scrutinises it
/// (TCO art. 4(1)): where the platform has its main establishment or, for a platform established
/// outside the Union, where its legal representative resides or is established (art. 17).
pub fn host_member_state(
    main_establishment: Option<&str>,
    legal_representative: Option<&Contact>,
) -> Option<MemberState> {
    main_establishment
        .and_then(MemberState::parse)
        .or_else(|| legal_representative.and_then(|lr| lr.member_state.as_deref()).and_then(MemberState::parse))
}

/// Who is asking: the person a bearer token or a console session speaks for, their organisation
/// and their roles. Every use-case takes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub token: crate::TokenId,
    pub user: crate::UserId,
    pub org: crate::OrgId,
    pub org_kind: OrgKind,
    pub roles: Vec<Role>,
}

/// What a person may do within their organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the Vigie instance: creates organisations, people and tokens, approves host claims.
    Admin,
    /// Submits notices, referrals and removal orders for the organisation.
    Reporter,
    /// Reviews cases and records decisions for a platform.
    Moderator,
    /// Configures a platform's integration: host claims, webhooks.
    Integrator,
    /// Receives a platform's escalated cases. Held only with [`Role::Moderator`], which is what
    /// decides them (see [`check_roles`]).
    Senior,
    /// Keeps a platform's evidence vault (TCO art. 6): records instruments, opens preserved
    /// content with a reason, grants authorities' requests, requests and approves exports.
    EvidenceCustodian,
    /// Reads the organisation's own records.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Reporter,
        Role::Moderator,
        Role::Integrator,
        Role::Senior,
        Role::EvidenceCustodian,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reporter => "reporter",
            Role::Moderator => "moderator",
            Role::Integrator => "integrator",
            Role::Senior => "senior",
            Role::EvidenceCustodian => "evidence_custodian",
            Role::Viewer => "viewer",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// Whether a person of an organisation of `kind` may hold this role.
    pub fn allowed_in(self, kind: OrgKind) -> bool {
        match self {
            Role::Admin => kind == OrgKind::Hub,
            Role::Reporter => matches!(kind, OrgKind::Authority | OrgKind::TrustedFlagger | OrgKind::Hub),
            Role::Moderator | Role::Integrator | Role::Senior | Role::EvidenceCustodian => kind == OrgKind::Platform,
            Role::Viewer => true,
        }
    }
}

/// Checks a person's roles for an organisation of `kind` (field `roles[i]`): each must be allowed
/// there, and `senior` comes only with `moderator`, since a senior reviewer decides the cases
/// escalated to them.
pub fn check_roles(roles: &[Role], kind: OrgKind, c: &mut Checker) {
    for (i, role) in roles.iter().enumerate() {
        c.check(
            role.allowed_in(kind),
            &format!("roles[{i}]"),
            "role_not_allowed",
            &format!("a {} organisation cannot hold the {} role", kind.as_str(), role.as_str()),
        );
        if *role == Role::Senior && role.allowed_in(kind) {
            c.check(
                roles.contains(&Role::Moderator),
                &format!("roles[{i}]"),
                "senior_needs_moderator",
                "a senior reviewer decides the cases escalated to them: give the moderator role too",
            );
        }
    }
}

/// A contact point or legal representative, as the law asks for them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// Member state where this contact is established (legal representative).
    pub member_state: Option<String>,
}

/// The fields of a new organisation, before they are checked.
#[derive(Clone, Debug, Default)]
pub struct NewOrg {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub member_state: Option<String>,
    /// Platforms: member state of the main establishment (TCO art. 2(9)).
    pub main_establishment: Option<String>,
    /// Platforms established outside the Union: their legal representative (TCO art. 17).
    pub legal_representative: Option<Contact>,
    /// Platforms: the contact point for removal orders (TCO art. 15).
    pub contact_point: Option<Contact>,
    /// Authorities: what their member state designated them for (TCO art. 12(1)).
    pub competences: Option<Vec<String>>,
    /// Authorities: the organisation is Europol, informed of scrutiny decisions (TCO art. 4(6))
    /// and of threats to life (art. 14(5)). It acts for no member state.
    pub europol: Option<bool>,
    /// Platforms: Vigie is the electronic channel of their contact point (TCO art. 15), so an
    /// order is received when it is available to them in Vigie (Directive 2000/31 art. 11(1)).
    pub designated_channel: Option<bool>,
}

/// A checked new organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgSpec {
    pub name: String,
    pub kind: OrgKind,
    pub member_state: Option<MemberState>,
    pub main_establishment: Option<MemberState>,
    pub legal_representative: Option<Contact>,
    pub contact_point: Option<Contact>,
    pub competences: Vec<Competence>,
    pub europol: bool,
    pub designated_channel: bool,
}

fn check_contact(c: &Contact, field: &str, checker: &mut Checker) {
    checker.optional_text(c.name.as_deref(), &format!("{field}.name"), 200);
    checker.optional_text(c.phone.as_deref(), &format!("{field}.phone"), 64);
    checker.optional_text(c.address.as_deref(), &format!("{field}.address"), 500);
    if let Some(email) = &c.email {
        checker.check(looks_like_email(email), &format!("{field}.email"), "invalid_email", "is not an e-mail address");
    }
    if let Some(ms) = &c.member_state {
        checker.check(
            MemberState::parse(ms).is_some(),
            &format!("{field}.member_state"),
            "unknown_member_state",
            "must be the ISO code of an EU member state",
        );
    }
}

/// A deliberately loose check: one `@`, something on each side, no spaces, sane length.
pub fn looks_like_email(raw: &str) -> bool {
    let ok_len = raw.len() <= 254;
    match raw.split_once('@') {
        Some((local, domain)) => {
            ok_len
                && !local.is_empty()
                && domain.contains('.')
                && !raw.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

impl NewOrg {
    pub fn check(self) -> Result<OrgSpec, crate::Invalid> {
        let mut c = Checker::new();
        c.text(self.name.as_deref(), "name", 200);
        let kind = match self.kind.as_deref() {
            None => {
                c.push("kind", "required", "is required");
                None
            }
            Some(k) => {
                let kind = OrgKind::parse(k);
                c.check(
                    kind.is_some(),
                    "kind",
                    "unknown_kind",
                    "must be authority, platform, trusted_flagger, overseer or hub",
                );
                kind
            }
        };
        let ms = |c: &mut Checker, raw: Option<&str>, field: &str| -> Option<MemberState> {
            let raw = raw?;
            let parsed = MemberState::parse(raw);
            c.check(parsed.is_some(), field, "unknown_member_state", "must be the ISO code of an EU member state");
            parsed
        };
        let member_state = ms(&mut c, self.member_state.as_deref(), "member_state");
        let main_establishment = ms(&mut c, self.main_establishment.as_deref(), "main_establishment");
        let europol = self.europol.unwrap_or(false);
        if matches!(kind, Some(OrgKind::Authority | OrgKind::TrustedFlagger)) && self.member_state.is_none() && !europol
        {
            c.push("member_state", "required", "an authority or trusted flagger acts for a member state");
        }
        let competences = check_competences(self.competences.as_deref().unwrap_or_default(), "competences", &mut c);
        if kind.is_some() && kind != Some(OrgKind::Authority) {
            c.check(
                competences.is_empty(),
                "competences",
                "not_applicable",
                "only authorities are designated under TCO art. 12(1)",
            );
            c.check(!europol, "europol", "not_applicable", "Europol is registered as an authority");
        }
        if europol {
            c.check(
                competences.is_empty(),
                "competences",
                "not_applicable",
                "Europol is an agency of the Union, not an authority designated by a member state",
            );
            c.check(self.member_state.is_none(), "member_state", "not_applicable", "Europol acts for no member state");
        }
        let designated_channel = self.designated_channel.unwrap_or(false);
        if kind.is_some() && kind != Some(OrgKind::Platform) {
            c.check(
                !designated_channel,
                "designated_channel",
                "not_applicable",
                "only a platform designates its contact point's channel",
            );
        }
        if kind == Some(OrgKind::Platform) {
            if self.main_establishment.is_none() && self.legal_representative.is_none() {
                c.push(
                    "main_establishment",
                    "required",
                    "a platform needs a main establishment in the Union or a legal representative",
                );
            }
            match &self.contact_point {
                None => c.push("contact_point", "required", "a platform needs a contact point for removal orders"),
                Some(cp) if cp.email.is_none() => {
                    c.push("contact_point.email", "required", "the contact point needs an e-mail address")
                }
                Some(_) => {}
            }
        }
        if let Some(lr) = &self.legal_representative {
            check_contact(lr, "legal_representative", &mut c);
            if lr.member_state.is_none() {
                c.push(
                    "legal_representative.member_state",
                    "required",
                    "where the legal representative is established",
                );
            }
        }
        if let Some(cp) = &self.contact_point {
            check_contact(cp, "contact_point", &mut c);
        }
        c.finish()?;
        Ok(OrgSpec {
            name: self.name.unwrap_or_default().trim().to_owned(),
            kind: kind.expect("checked above"),
            member_state,
            main_establishment,
            legal_representative: self.legal_representative,
            contact_point: self.contact_point,
            competences,
            europol,
            designated_channel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_needs_its_legal_fields() {
        let err = NewOrg { name: Some("Tube".into()), kind: Some("platform".into()), ..Default::default() }
            .check()
            .unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["main_establishment", "contact_point"]);
    }

    /// TCO art. 12(1): each authority's designated competences are recorded, and only an
    /// authority has them.
    #[test]
    fn tco_art_12_1_competences_are_recorded_for_authorities_only() {
        let spec = NewOrg {
            name: Some("Arcom".into()),
            kind: Some("authority".into()),
            member_state: Some("FR".into()),
            competences: Some(vec![
                "scrutiny".into(),
                "penalties".into(),
                "specific_measures".into(),
                "scrutiny".into(),
            ]),
            ..Default::default()
        }
        .check()
        .unwrap();
        assert_eq!(spec.competences, [Competence::Scrutiny, Competence::SpecificMeasures, Competence::Penalties]);
        let err = NewOrg {
            name: Some("Tube".into()),
            kind: Some("platform".into()),
            main_establishment: Some("IE".into()),
            contact_point: Some(Contact { email: Some("t@tube.example".into()), ..Default::default() }),
            competences: Some(vec!["issue_orders".into()]),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(err.errors()[0].code, "not_applicable");
        let err = NewOrg {
            name: Some("Police".into()),
            kind: Some("authority".into()),
            member_state: Some("FR".into()),
            competences: Some(vec!["everything".into()]),
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert_eq!((err.errors()[0].field.as_str(), err.errors()[0].code), ("competences[0]", "unknown_competence"));
        let europol = NewOrg {
            name: Some("Europol EU IRU".into()),
            kind: Some("authority".into()),
            europol: Some(true),
            ..Default::default()
        };
        assert!(europol.check().unwrap().europol, "Europol acts for no member state");
    }

    /// TCO arts. 4(1) and 17: a platform established outside the Union is scrutinised where its
    /// legal representative resides or is established.
    #[test]
    fn tco_art_4_1_the_host_state_is_the_main_establishment_or_the_legal_representatives() {
        let lr = Contact { member_state: Some("NL".into()), ..Default::default() };
        assert_eq!(host_member_state(Some("IE"), Some(&lr)).map(MemberState::code), Some("IE"));
        assert_eq!(host_member_state(None, Some(&lr)).map(MemberState::code), Some("NL"));
        assert_eq!(host_member_state(None, None), None);
    }

    #[test]
    fn member_states_are_eu_codes() {
        assert_eq!(MemberState::parse("fr").map(MemberState::code), Some("FR"));
        assert_eq!(MemberState::parse("EL").map(MemberState::code), Some("GR"));
        assert_eq!(MemberState::parse("US"), None);
    }

    #[test]
    fn roles_fit_their_organisations() {
        assert!(Role::Moderator.allowed_in(OrgKind::Platform));
        assert!(!Role::Moderator.allowed_in(OrgKind::Authority));
        assert!(!Role::Admin.allowed_in(OrgKind::Platform));
        assert!(Role::Reporter.allowed_in(OrgKind::TrustedFlagger));
        assert!(Role::Senior.allowed_in(OrgKind::Platform));
        assert!(!Role::Senior.allowed_in(OrgKind::Authority));
        assert_eq!(Role::parse("senior"), Some(Role::Senior));
        assert!(Role::EvidenceCustodian.allowed_in(OrgKind::Platform));
        assert!(!Role::EvidenceCustodian.allowed_in(OrgKind::Hub));
        assert_eq!(Role::parse("evidence_custodian"), Some(Role::EvidenceCustodian));
    }

    #[test]
    fn a_senior_reviewer_is_a_moderator_too() {
        let codes = |roles: &[Role], kind| {
            let mut c = Checker::new();
            check_roles(roles, kind, &mut c);
            c.finish().err().map(|e| e.errors().iter().map(|e| (e.field.clone(), e.code)).collect::<Vec<_>>())
        };
        assert_eq!(codes(&[Role::Moderator, Role::Senior], OrgKind::Platform), None);
        assert_eq!(
            codes(&[Role::Senior], OrgKind::Platform),
            Some(vec![("roles[0]".to_owned(), "senior_needs_moderator")])
        );
        // Outside a platform the role itself is the error, said once.
        assert_eq!(
            codes(&[Role::Reporter, Role::Senior], OrgKind::Authority),
            Some(vec![("roles[1]".to_owned(), "role_not_allowed")])
        );
    }
}
