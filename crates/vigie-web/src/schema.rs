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
    senior,
    evidence_custodian,
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

/// A language by its ISO 639-1 code, lower-case. Listed from the model's table
/// (`vigie_model::labels::LANGUAGES`), so the document cannot drift from what is accepted.
pub struct LanguageCode;

impl utoipa::PartialSchema for LanguageCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        let codes: Vec<&str> = vigie_model::labels::LANGUAGES.iter().map(|(code, _)| *code).collect();
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .description(Some("An ISO 639-1 language code, two lower-case letters (ar, fr, ps)."))
            .enum_values(Some(codes))
            .into()
    }
}

impl ToSchema for LanguageCode {}

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
    vpdq,
    url,
    url_md5,
    raw_text,
    text_tlsh,
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

#[cfg(test)]
mod tests {
    use utoipa::PartialSchema;
    use vigie_model::decision::{Action, Purpose as ModelPurpose, Restriction as ModelRestriction};
    use vigie_model::order::ReasonType;
    use vigie_model::org::{Competence, EU_MEMBER_STATES, OrgKind, Role};

    /// The values a schema-only enumeration lists, as the document gives them.
    fn values<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let list = schema["enum"].as_array().unwrap_or_else(|| panic!("no enum in {schema}"));
        list.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    }

    fn model<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Vec<String> {
        items.into_iter().map(Into::into).collect()
    }

    /// The document lists exactly the values the model accepts: these lists are written twice
    /// (the model's rules, the document's schema), so a value added to one must reach the other.
    #[test]
    fn each_schema_enumeration_is_the_models_list() {
        let pairs: Vec<(&str, Vec<String>, Vec<String>)> = vec![
            ("OrgKindName", values::<super::OrgKindName>(), model(OrgKind::ALL.map(OrgKind::as_str))),
            ("MemberStateCode", values::<super::MemberStateCode>(), model(EU_MEMBER_STATES)),
            ("TerritoryCode", values::<super::TerritoryCode>(), model(std::iter::once("EU").chain(EU_MEMBER_STATES))),
            ("RoleName", values::<super::RoleName>(), model(Role::ALL.map(Role::as_str))),
            ("TcoType", values::<super::TcoType>(), model(ReasonType::ALL.map(ReasonType::letter))),
            (
                "LanguageCode",
                values::<super::LanguageCode>(),
                model(vigie_model::labels::Language::all().map(|l| l.as_str())),
            ),
            ("DecisionAction", values::<super::DecisionAction>(), model(Action::ALL.map(Action::as_str))),
            ("Purpose", values::<super::Purpose>(), model(ModelPurpose::ALL.map(ModelPurpose::as_str))),
            ("Restriction", values::<super::Restriction>(), model(ModelRestriction::ALL.map(ModelRestriction::as_str))),
            ("CompetenceName", values::<super::CompetenceName>(), model(Competence::ALL.map(Competence::as_str))),
        ];
        for (name, mut schema, mut model) in pairs {
            schema.sort();
            model.sort();
            assert_eq!(schema, model, "{name}: the document's list differs from the model's");
        }
    }
}
