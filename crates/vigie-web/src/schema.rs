//! Schema-only types: the closed lists of values that request fields take, for the OpenAPI
//! document. Requests keep their fields as plain strings so that the use-cases report every bad
//! value with its own field code; these types only tell clients what is accepted.
#![allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]

use utoipa::ToSchema;

/// An organisation's kind.
#[derive(ToSchema)]
pub enum OrgKindName {
    authority,
    platform,
    trusted_flagger,
    overseer,
    hub,
}

/// An EU member state, by its ISO code.
#[derive(ToSchema)]
pub enum MemberStateCode {
    AT,
    BE,
    BG,
    CY,
    CZ,
    DE,
    DK,
    EE,
    ES,
    FI,
    FR,
    GR,
    HR,
    HU,
    IE,
    IT,
    LT,
    LU,
    LV,
    MT,
    NL,
    PL,
    PT,
    RO,
    SE,
    SI,
    SK,
}

/// A member state, or `EU` for all of them.
#[derive(ToSchema)]
pub enum TerritoryCode {
    EU,
    AT,
    BE,
    BG,
    CY,
    CZ,
    DE,
    DK,
    EE,
    ES,
    FI,
    FR,
    GR,
    HR,
    HU,
    IE,
    IT,
    LT,
    LU,
    LV,
    MT,
    NL,
    PL,
    PT,
    RO,
    SE,
    SI,
    SK,
}

/// A person's role.
#[derive(ToSchema)]
pub enum RoleName {
    admin,
    reporter,
    moderator,
    integrator,
    viewer,
}

/// What a location names.
#[derive(ToSchema)]
pub enum LocationKind {
    content,
    account,
}

/// The types of terrorist content of TCO art. 2(7), by letter.
#[derive(ToSchema)]
pub enum TcoType {
    a,
    b,
    c,
    d,
    e,
}

/// Annex I section E.
#[derive(ToSchema)]
pub enum AuthorityType {
    judicial,
    law_enforcement,
    other,
}

/// A platform's decision.
#[derive(ToSchema)]
pub enum DecisionAction {
    remove,
    disable,
    restrict,
    label,
    suspend_account,
    no_action,
    exempt,
}

/// TCO art. 1(3): the purpose the content serves.
#[derive(ToSchema)]
pub enum Purpose {
    educational,
    journalistic,
    artistic,
    research,
    countering_terrorism,
    public_debate,
    none,
}

/// DSA art. 17(3)(a): how a `restrict` decision limits visibility.
#[derive(ToSchema)]
pub enum Restriction {
    demoted,
    age_restricted,
    interaction_restricted,
    other,
}

/// TCO art. 9: how a court challenge of an order ended (annulled is recorded as an annulment).
#[derive(ToSchema)]
pub enum ChallengeOutcome {
    upheld,
    annulled,
    withdrawn,
}

/// Annex III: why an order cannot be complied with.
#[derive(ToSchema)]
pub enum CannotComplyReason {
    force_majeure,
    manifest_errors,
    insufficient_information,
}

/// A complaint review's outcome.
#[derive(ToSchema)]
pub enum ComplaintOutcome {
    upheld,
    reversed,
}

/// What a member state designated an authority for (TCO art. 12(1)).
#[derive(ToSchema)]
pub enum CompetenceName {
    issue_orders,
    scrutiny,
    specific_measures,
    penalties,
}

/// A scrutiny's outcome.
#[derive(ToSchema)]
pub enum ScrutinyOutcome {
    infringement,
    no_infringement,
}

/// The basis of a referral to law enforcement.
#[derive(ToSchema)]
pub enum PoliceBasis {
    dsa_18,
    tco_14_5,
}

/// A trusted flagger's status.
#[derive(ToSchema)]
pub enum FlaggerStatus {
    active,
    suspended,
    revoked,
}

/// A misuse measure.
#[derive(ToSchema)]
pub enum MisuseAction {
    warning,
    suspension,
    lift,
}

/// A bank's kind.
#[derive(ToSchema)]
pub enum BankKindName {
    block,
    allow,
}

/// How a bank is shared.
#[derive(ToSchema, serde::Serialize)]
pub enum ShareModeName {
    #[serde(rename = "match")]
    Match,
    #[serde(rename = "curate")]
    Curate,
}

/// A bank entry's signal type (python-threatexchange's names too).
#[derive(ToSchema)]
pub enum SignalTypeName {
    pdq,
    md5,
    sha256,
    video_md5,
    video_sha256,
}

/// Feedback on a bank entry.
#[derive(ToSchema)]
pub enum VerdictName {
    agree,
    disagree,
    false_positive,
}

/// A bank file's format.
#[derive(ToSchema)]
pub enum BankFormat {
    local_file,
    csv,
}

/// HMA's media kinds.
#[derive(ToSchema)]
pub enum ContentTypeName {
    photo,
    video,
}
