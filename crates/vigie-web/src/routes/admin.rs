//! Administration: organisations, people, tokens, host claims.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_app::admin::{NewTokenInput, NewUserInput, OrgChange, PersonView};
use vigie_model::org::NewOrg;
use vigie_model::{OrgId, Timestamp, UserId};
use vigie_store::{TokenRecord, UserRecord};

use crate::AppState;
use crate::dto::{ContactDto, HostDto, OrgDto};
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Body};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrgRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// authority, platform, trusted_flagger, overseer or hub.
    #[schema(value_type = crate::schema::OrgKindName, required = true)]
    pub kind: Option<String>,
    /// ISO code; required for authorities and trusted flaggers.
    #[schema(value_type = Option<crate::schema::MemberStateCode>)]
    pub member_state: Option<String>,
    /// Platforms: member state of the main establishment.
    #[schema(value_type = Option<crate::schema::MemberStateCode>)]
    pub main_establishment: Option<String>,
    /// Platforms without an EU establishment: their legal representative.
    pub legal_representative: Option<ContactDto>,
    /// Platforms: the contact point for removal orders (needs an e-mail).
    pub contact_point: Option<ContactDto>,
    /// Authorities: what their member state designated them for (TCO art. 12(1)); none for a
    /// referral unit. Only an authority with `issue_orders` issues removal orders; the one with
    /// `scrutiny` in a platform's member state scrutinises orders to it.
    #[schema(value_type = Option<Vec<crate::schema::CompetenceName>>)]
    pub competences: Option<Vec<String>>,
    /// Authorities: the organisation is Europol (no member state, no competence).
    pub europol: Option<bool>,
    /// Platforms: Vigie is their contact point's channel (TCO art. 15).
    pub designated_channel: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/orgs", tag = "admin", request_body = NewOrgRequest,
    responses((status = 201, body = OrgDto), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<NewOrgRequest>,
) -> ApiResult<(StatusCode, Json<OrgDto>)> {
    let input = NewOrg {
        name: req.name,
        kind: req.kind,
        member_state: req.member_state,
        main_establishment: req.main_establishment,
        legal_representative: req.legal_representative.map(Into::into),
        contact_point: req.contact_point.map(Into::into),
        competences: req.competences,
        europol: req.europol,
        designated_channel: req.designated_channel,
    };
    let org = s.app.create_org(&p, input).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgChangeRequest {
    /// Authorities: the competences designated (TCO art. 12(1)), replacing those recorded.
    #[schema(value_type = Option<Vec<crate::schema::CompetenceName>>)]
    pub competences: Option<Vec<String>>,
    /// Platforms: whether Vigie is their contact point's channel (TCO art. 15).
    pub designated_channel: Option<bool>,
}

/// An administrator records an authority's designated competences or a platform's channel.
#[utoipa::path(patch, path = "/api/v1/orgs/{id}", tag = "admin", params(("id" = String, Path)), request_body = OrgChangeRequest,
    responses((status = 200, body = OrgDto), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn update_org(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<OrgChangeRequest>,
) -> ApiResult<Json<OrgDto>> {
    let change = OrgChange { competences: req.competences, designated_channel: req.designated_channel };
    Ok(Json(s.app.update_org(&p, &id, change).await?.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgList {
    pub orgs: Vec<OrgDto>,
}

#[utoipa::path(get, path = "/api/v1/orgs", tag = "admin", responses((status = 200, body = OrgList)), security(("bearer" = [])))]
pub async fn list_orgs(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<OrgList>> {
    let orgs = s.app.list_orgs(&p).await?;
    Ok(Json(OrgList { orgs: orgs.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: Option<String>,
    /// admin (hub only), reporter, moderator, integrator (platforms), viewer.
    #[schema(value_type = Vec<crate::schema::RoleName>, required = true, min_items = 1)]
    pub roles: Option<Vec<String>>,
    /// A console login (3 to 64 of a-z, 0-9, `.`, `_`, `@`, `-`), with `password`.
    #[schema(pattern = r"^\s*[a-z0-9._@-]{3,64}\s*$")]
    pub login: Option<String>,
    /// At least 12 characters; stored only as an Argon2id hash.
    #[schema(min_length = 12, max_length = 1024)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: String,
    pub org: String,
    pub roles: Vec<String>,
    pub created_at: String,
    /// When an administrator removed the person; `null` while they are active.
    pub removed_at: Option<String>,
}

impl From<UserRecord> for UserDto {
    fn from(u: UserRecord) -> Self {
        UserDto {
            id: u.id.to_string(),
            org: u.org.to_string(),
            roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            created_at: u.created_at.to_rfc3339(),
            removed_at: u.deactivated_at.map(Timestamp::to_rfc3339),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/orgs/{id}/users", tag = "admin", request_body = NewUserRequest,
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 409, body = crate::error::Problem, description = "`login_taken`"), (status = 201, body = UserDto), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn create_user(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserDto>)> {
    let org = OrgId::parse(&id).ok_or(ApiError::not_found("organisation"))?;
    let u = s
        .app
        .create_user(
            &p,
            org,
            NewUserInput { name: req.name, roles: req.roles, login: req.login, password: req.password },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

/// A person as an administrator sees them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    #[serde(flatten)]
    pub user: UserDto,
    /// Their name, unless erased at the end of its retention.
    pub name: Option<String>,
    /// Their console login, if they have one.
    pub login: Option<String>,
    /// Tokens that still open the API.
    pub live_tokens: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeopleList {
    pub people: Vec<PersonDto>,
}

/// An organisation's people, removed ones too (administrators).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/users", tag = "admin",
    params(("id" = String, Path, description = "organisation id")),
    responses((status = 200, body = PeopleList), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_people(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<PeopleList>> {
    let (_, people) = s.app.org_people(&p, &id).await?;
    let now = s.app.now();
    let people = people
        .into_iter()
        .map(|v: PersonView| PersonDto {
            live_tokens: v.tokens.iter().filter(|t| t.is_live(now)).count(),
            name: v.name,
            login: v.login,
            user: v.user.into(),
        })
        .collect();
    Ok(Json(PeopleList { people }))
}

/// Removes a person (administrators): their tokens and console sessions stop working at once,
/// their live claims are released, and their past actions stay attributed to them.
#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = UserDto), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "`cannot_remove_self`")),
    security(("bearer" = [])))]
pub async fn remove_user(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<UserDto>> {
    Ok(Json(s.app.remove_user(&p, &id).await?.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    #[schema(max_length = 200)]
    pub label: Option<String>,
    /// RFC 3339, in the future: the token is refused from then on. Absent: it lasts until revoked.
    pub expires_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: String,
    pub user: String,
    /// The bearer token. Shown once; Vigie keeps only its hash.
    pub token: String,
    pub created_at: String,
    pub expires_at: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/tokens", tag = "admin", request_body = NewTokenRequest,
    params(("id" = String, Path, description = "user id")),
    responses((status = 201, body = TokenDto), (status = 409, body = crate::error::Problem, description = "`user_removed`"), (status = 422, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn issue_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Body(req): Body<NewTokenRequest>,
) -> ApiResult<(StatusCode, Json<TokenDto>)> {
    let user = UserId::parse(&id).ok_or(ApiError::not_found("user"))?;
    let input = NewTokenInput { label: req.label, expires_at: req.expires_at };
    let (rec, secret) = s.app.issue_token(&p, user, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenDto {
            id: rec.id.to_string(),
            user: rec.user.to_string(),
            token: secret,
            created_at: rec.created_at.to_rfc3339(),
            expires_at: rec.expires_at.map(Timestamp::to_rfc3339),
        }),
    ))
}

/// A token as lists show it: never the secret, which Vigie does not keep.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub user: String,
    pub label: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
}

impl TokenInfo {
    fn new(t: TokenRecord, now: Timestamp) -> Self {
        let state = match (t.revoked_at, t.is_live(now)) {
            (Some(_), _) => "revoked",
            (None, true) => "active",
            (None, false) => "expired",
        };
        TokenInfo {
            id: t.id.to_string(),
            user: t.user.to_string(),
            label: t.label,
            created_at: t.created_at.to_rfc3339(),
            expires_at: t.expires_at.map(Timestamp::to_rfc3339),
            revoked_at: t.revoked_at.map(Timestamp::to_rfc3339),
            state: state.to_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenInfo>,
}

/// A person's tokens, revoked and expired ones too: an administrator's view of anyone, or a
/// person's of their own.
#[utoipa::path(get, path = "/api/v1/users/{id}/tokens", tag = "admin",
    params(("id" = String, Path, description = "user id")),
    responses((status = 200, body = TokenList), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn list_tokens(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenList>> {
    let now = s.app.now();
    let tokens = s.app.list_tokens(&p, &id).await?;
    Ok(Json(TokenList { tokens: tokens.into_iter().map(|t| TokenInfo::new(t, now)).collect() }))
}

/// The caller's own tokens.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "admin",
    responses((status = 200, body = TokenList)), security(("bearer" = [])))]
pub async fn own_tokens(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<TokenList>> {
    let now = s.app.now();
    let tokens = s.app.list_tokens(&p, p.user.as_str()).await?;
    Ok(Json(TokenList { tokens: tokens.into_iter().map(|t| TokenInfo::new(t, now)).collect() }))
}

/// Revokes a token at once (an administrator any token, a person their own). Revoking a revoked
/// token changes nothing.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "admin",
    params(("id" = String, Path, description = "token id")),
    responses((status = 200, body = TokenInfo), (status = 404, body = crate::error::Problem)), security(("bearer" = [])))]
pub async fn revoke_token(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenInfo>> {
    let t = s.app.revoke_token(&p, &id).await?;
    Ok(Json(TokenInfo::new(t, s.app.now())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostClaimRequest {
    /// A plain host name such as `video.example`; it also covers its subdomains.
    #[schema(
        min_length = 1,
        max_length = 253,
        pattern = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.[a-z]{2,63}$"
    )]
    pub host: String,
}

#[utoipa::path(post, path = "/api/v1/hosts", tag = "platform", request_body = HostClaimRequest,
    responses((status = 201, body = HostDto), (status = 409, body = crate::error::Problem, description = "`host_taken`")), security(("bearer" = [])))]
pub async fn claim_host(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<HostClaimRequest>,
) -> ApiResult<(StatusCode, Json<HostDto>)> {
    let h = s.app.claim_host(&p, &req.host).await?;
    Ok((StatusCode::CREATED, Json(h.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostApproval {
    #[serde(flatten)]
    pub host: HostDto,
    /// Parked cases that moved to the platform with this approval.
    pub rerouted_cases: usize,
}

#[utoipa::path(post, path = "/api/v1/hosts/{host}/approve", tag = "admin",
    params(("host" = String, Path)), responses((status = 409, body = crate::error::Problem, description = "`already_approved`"), (status = 200, body = HostApproval)), security(("bearer" = [])))]
pub async fn approve_host(
    State(s): State<AppState>,
    Auth(p): Auth,
    Path(host): Path<String>,
) -> ApiResult<Json<HostApproval>> {
    let (h, moved) = s.app.approve_host(&p, &host).await?;
    Ok(Json(HostApproval { host: h.into(), rerouted_cases: moved }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostList {
    pub hosts: Vec<HostDto>,
}

#[utoipa::path(get, path = "/api/v1/hosts", tag = "platform", responses((status = 200, body = HostList)), security(("bearer" = [])))]
pub async fn list_hosts(State(s): State<AppState>, Auth(p): Auth) -> ApiResult<Json<HostList>> {
    let hosts = s.app.list_hosts(&p).await?;
    Ok(Json(HostList { hosts: hosts.into_iter().map(Into::into).collect() }))
}
