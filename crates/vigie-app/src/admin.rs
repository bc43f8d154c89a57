//! The administrator's work: organisations, people, tokens, host claims.

use vigie_model::Conflict;
use vigie_model::event::{Word, kinds as k};
use vigie_model::location::{host_candidates, normalise_host};
use vigie_model::org::{NewOrg, OrgKind, Role, check_competences};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::auth::{is_admin, new_token, require, require_admin, secret_hash};
use crate::fold::route_parked_case;
use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal};

/// A change to an organisation, as an administrator asks for it.
#[derive(Clone, Debug, Default)]
pub struct OrgChange {
    /// Authorities: the competences their member state designated them for, replacing the old.
    pub competences: Option<Vec<String>>,
    /// Platforms: whether Vigie is their contact point's channel.
    pub designated_channel: Option<bool>,
}

/// The console login of the first administrator.
pub const BOOTSTRAP_LOGIN: &str = "admin";

/// What the operator may choose for the first administrator; what is left out is generated.
#[derive(Clone, Debug, Default)]
pub struct BootstrapInput {
    /// `VIGIE_ADMIN_TOKEN`: the bearer token for the API.
    pub token: Option<String>,
    /// `VIGIE_ADMIN_PASSWORD`: the console password of the login [`BOOTSTRAP_LOGIN`].
    pub password: Option<String>,
}

/// What the first start of an empty instance created.
#[derive(Debug)]
pub struct Bootstrap {
    pub org: OrgId,
    pub user: UserId,
    /// The administrator's token, to be shown once.
    pub token: String,
    /// Whether the token came from the operator (`VIGIE_ADMIN_TOKEN`) rather than being made here.
    pub token_was_given: bool,
    /// The console login ([`BOOTSTRAP_LOGIN`]) and its password, to be shown once.
    pub login: String,
    pub password: String,
    /// Whether the password came from the operator (`VIGIE_ADMIN_PASSWORD`). A generated one is
    /// good for one sign-in: the console then asks for a new one before anything else.
    pub password_was_given: bool,
}

/// A one-time password: 20 random characters from an alphabet without look-alikes.
fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
    crate::random32().iter().take(20).map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

/// A new token's optional settings.
#[derive(Clone, Debug, Default)]
pub struct NewTokenInput {
    pub label: Option<String>,
    /// RFC 3339: the token is refused from then on; must be in the future.
    pub expires_at: Option<String>,
}

/// A new person and their first token.
#[derive(Debug)]
pub struct NewUserInput {
    pub name: Option<String>,
    pub roles: Option<Vec<String>>,
    /// A console login and password, set with the person (both or neither).
    pub login: Option<String>,
    pub password: Option<String>,
}

impl App {
    /// On an empty database, creates the operator's hub, its administrator, a token for the API
    /// and a console login ([`BOOTSTRAP_LOGIN`]). Does nothing (returns `None`) once any
    /// organisation exists.
    pub async fn bootstrap(&self, given: BootstrapInput) -> AppResult<Option<Bootstrap>> {
        if self.store().read(|r| r.count_orgs()).await? > 0 {
            return Ok(None);
        }
        let password_was_given = given.password.is_some();
        let password = given.password.unwrap_or_else(one_time_password);
        let mut c = Checker::new();
        crate::sessions::check_password(&password, &mut c);
        c.finish()?;
        let phc = crate::sessions::hash_off_thread(password.clone()).await?;
        let clock = self.clock().clone();
        let retention = self.config().personal_data_retention;
        let given_token = given.token;
        self.store()
            .write(move |tx| {
                if tx.count_orgs()? > 0 {
                    return Ok(None);
                }
                let now = clock.now();
                let ev = Events { clock: &*clock, now, actor: &Actor::system() };
                let org = OrgId::from_random(id_bytes(now));
                tx.insert_org(&OrgRecord {
                    id: org.clone(),
                    name: "Vigie operator".into(),
                    kind: OrgKind::Hub,
                    member_state: None,
                    main_establishment: None,
                    legal_representative: None,
                    contact_point: None,
                    created_at: now,
                    competences: Vec::new(),
                    europol: false,
                    designated_channel: false,
                })?;
                ev.emit(
                    tx,
                    org.as_str(),
                    k::OrgCreated {
                        kind: Word::new(OrgKind::Hub.as_str()),
                        bootstrap: Some(true),
                        member_state: None,
                        main_establishment: None,
                        competences: None,
                        europol: None,
                        designated_channel: None,
                    },
                )?;
                let user = UserId::from_random(id_bytes(now));
                let (name_ref, name_sealed) =
                    keep_personal(tx, now, "user.name", "Administrator", now.plus(retention))?;
                tx.insert_user(&UserRecord {
                    id: user.clone(),
                    org: org.clone(),
                    name_ref,
                    roles: vec![Role::Admin],
                    created_at: now,
                    deactivated_at: None,
                })?;
                ev.emit(
                    tx,
                    user.as_str(),
                    k::UserCreated {
                        org: org.clone(),
                        roles: vec![Word::new(Role::Admin.as_str())],
                        name: name_sealed,
                    },
                )?;
                let token_was_given = given_token.is_some();
                let token = given_token.unwrap_or_else(new_token);
                let token_id = TokenId::from_random(id_bytes(now));
                tx.insert_token(&TokenRecord {
                    id: token_id.clone(),
                    user: user.clone(),
                    hash: secret_hash(&token),
                    label: Some("bootstrap".into()),
                    created_at: now,
                    expires_at: None,
                    revoked_at: None,
                })?;
                ev.emit(tx, token_id.as_str(), k::TokenIssued { user: user.clone(), expires_at: None })?;
                tx.upsert_credential(&vigie_store::CredentialRecord {
                    user: user.clone(),
                    login: BOOTSTRAP_LOGIN.to_owned(),
                    phc,
                    updated_at: now,
                    must_change: !password_was_given,
                })?;
                ev.emit(tx, user.as_str(), k::UserPasswordSet { one_time: Some(!password_was_given), own: None })?;
                Ok::<_, AppError>(Some(Bootstrap {
                    org,
                    user,
                    token,
                    token_was_given,
                    login: BOOTSTRAP_LOGIN.to_owned(),
                    password,
                    password_was_given,
                }))
            })
            .await
    }

    pub async fn create_org(&self, p: &Principal, input: NewOrg) -> AppResult<OrgRecord> {
        require_admin(p)?;
        let spec = input.check()?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let rec = OrgRecord {
                    id: OrgId::from_random(id_bytes(now)),
                    name: spec.name,
                    kind: spec.kind,
                    member_state: spec.member_state.map(|m| m.code().to_owned()),
                    main_establishment: spec.main_establishment.map(|m| m.code().to_owned()),
                    legal_representative: spec.legal_representative.map(|c| to_json(&c)),
                    contact_point: spec.contact_point.map(|c| to_json(&c)),
                    created_at: now,
                    competences: spec.competences,
                    europol: spec.europol,
                    designated_channel: spec.designated_channel,
                };
                tx.insert_org(&rec)?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(
                    tx,
                    rec.id.as_str(),
                    k::OrgCreated {
                        kind: Word::new(rec.kind.as_str()),
                        bootstrap: None,
                        member_state: rec.member_state.as_deref().map(Word::from),
                        main_establishment: rec.main_establishment.as_deref().map(Word::from),
                        competences: Some(rec.competences.iter().map(|c| Word::new(c.as_str())).collect()),
                        europol: Some(rec.europol),
                        designated_channel: Some(rec.designated_channel),
                    },
                )?;
                Ok::<_, AppError>(rec)
            })
            .await
    }

    /// Records what an authority's member state designated it for (TCO art. 12(1)), or whether
    /// Vigie is a platform's designated channel (art. 15). Nothing else of an organisation changes.
    pub async fn update_org(&self, p: &Principal, id: &str, input: OrgChange) -> AppResult<OrgRecord> {
        require_admin(p)?;
        let id = OrgId::parse(id).ok_or(AppError::NotFound("organisation"))?;
        let mut c = Checker::new();
        let competences = input.competences.as_deref().map(|raw| check_competences(raw, "competences", &mut c));
        c.finish()?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let mut rec = tx.get_org(&id)?.ok_or(AppError::NotFound("organisation"))?;
                let mut c = Checker::new();
                if let Some(list) = competences {
                    c.check(
                        rec.kind == OrgKind::Authority && !rec.europol,
                        "competences",
                        "not_applicable",
                        "only an authority of a member state is designated under TCO art. 12(1)",
                    );
                    rec.competences = list;
                }
                if let Some(channel) = input.designated_channel {
                    c.check(
                        rec.kind == OrgKind::Platform,
                        "designated_channel",
                        "not_applicable",
                        "only a platform designates its contact point's channel",
                    );
                    rec.designated_channel = channel;
                }
                c.finish()?;
                tx.update_org(&rec)?;
                let now = clock.now();
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(
                    tx,
                    rec.id.as_str(),
                    k::OrgUpdated {
                        competences: rec.competences.iter().map(|c| Word::new(c.as_str())).collect(),
                        designated_channel: rec.designated_channel,
                    },
                )?;
                Ok::<_, AppError>(rec)
            })
            .await
    }

    pub async fn list_orgs(&self, p: &Principal) -> AppResult<Vec<OrgRecord>> {
        require_admin(p)?;
        Ok(self.store().read(|r| r.list_orgs()).await?)
    }

    /// Adds a person to an organisation, with roles that fit its kind.
    pub async fn create_user(&self, p: &Principal, org: OrgId, input: NewUserInput) -> AppResult<UserRecord> {
        require_admin(p)?;
        let mut c = Checker::new();
        c.text(input.name.as_deref(), "name", 200);
        let mut roles = Vec::new();
        match &input.roles {
            None => c.push("roles", "required", "at least one role"),
            Some(list) if list.is_empty() => c.push("roles", "required", "at least one role"),
            Some(list) => {
                for (i, r) in list.iter().enumerate() {
                    match Role::parse(r) {
                        Some(role) => roles.push(role),
                        None => c.push(
                            format!("roles[{i}]"),
                            "unknown_role",
                            "must be admin, reporter, moderator, integrator, senior or viewer",
                        ),
                    }
                }
            }
        }
        let login = input.login.as_deref().map(|l| l.trim().to_ascii_lowercase());
        match (&login, &input.password) {
            (Some(l), Some(pw)) => {
                crate::sessions::check_login(l, &mut c);
                crate::sessions::check_password(pw, &mut c);
            }
            (None, None) => {}
            (None, Some(_)) => c.push("login", "required", "a password goes with a login"),
            (Some(_), None) => c.push("password", "required", "a login goes with a password"),
        }
        c.finish()?;
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        let credential = match (login, input.password) {
            (Some(l), Some(pw)) => Some((l, crate::sessions::hash_off_thread(pw).await?)),
            _ => None,
        };
        let name = input.name.unwrap_or_default();
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let retention = self.config().personal_data_retention;
        self.store()
            .write(move |tx| {
                let target = tx.get_org(&org)?.ok_or(AppError::NotFound("organisation"))?;
                let mut c = Checker::new();
                vigie_model::org::check_roles(&roles, target.kind, &mut c);
                c.finish()?;
                let now = clock.now();
                let (name_ref, sealed) = keep_personal(tx, now, "user.name", name.trim(), now.plus(retention))?;
                let rec = UserRecord {
                    id: UserId::from_random(id_bytes(now)),
                    org: org.clone(),
                    name_ref,
                    roles,
                    created_at: now,
                    deactivated_at: None,
                };
                tx.insert_user(&rec)?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                let roles = rec.roles.iter().map(|r| Word::new(r.as_str())).collect();
                ev.emit(tx, rec.id.as_str(), k::UserCreated { org: org.clone(), roles, name: sealed })?;
                if let Some((login, phc)) = credential {
                    if tx.credential_by_login(&login)?.is_some() {
                        return Err(AppError::conflict(Conflict::LoginTaken, "another person has that login"));
                    }
                    tx.upsert_credential(&vigie_store::CredentialRecord {
                        user: rec.id.clone(),
                        login,
                        phc,
                        updated_at: now,
                        must_change: false,
                    })?;
                    ev.emit(tx, rec.id.as_str(), k::UserPasswordSet { one_time: None, own: None })?;
                }
                Ok::<_, AppError>(rec)
            })
            .await
    }

    /// Issues a new token for a person; the secret is returned once and never stored.
    pub async fn issue_token(
        &self,
        p: &Principal,
        user: UserId,
        input: NewTokenInput,
    ) -> AppResult<(TokenRecord, String)> {
        require_admin(p)?;
        let NewTokenInput { label, expires_at } = input;
        let mut c = Checker::new();
        c.optional_text(label.as_deref(), "label", 200);
        let expires_at = crate::dueprocess::parse_time(expires_at.as_deref(), "expires_at", &mut c);
        if let Some(e) = expires_at {
            c.check(e > self.now(), "expires_at", "in_the_past", "must be in the future");
        }
        c.finish()?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let person = tx.get_user(&user)?.ok_or(AppError::NotFound("user"))?;
                if person.deactivated_at.is_some() {
                    return Err(AppError::conflict(
                        Conflict::UserRemoved,
                        "the person was removed; they get no new token",
                    ));
                }
                let now = clock.now();
                let secret = new_token();
                let rec = TokenRecord {
                    id: TokenId::from_random(id_bytes(now)),
                    user: user.clone(),
                    hash: secret_hash(&secret),
                    label,
                    created_at: now,
                    expires_at,
                    revoked_at: None,
                };
                tx.insert_token(&rec)?;
                Events { clock: &*clock, now, actor: &actor }.emit(
                    tx,
                    rec.id.as_str(),
                    k::TokenIssued { user: user.clone(), expires_at: rec.expires_at },
                )?;
                Ok::<_, AppError>((rec, secret))
            })
            .await
    }

    /// A person's tokens (revoked and expired ones too), for an administrator or the person.
    pub async fn list_tokens(&self, p: &Principal, user: &str) -> AppResult<Vec<TokenRecord>> {
        let user = UserId::parse(user).ok_or(AppError::NotFound("user"))?;
        if !is_admin(p) && p.user != user {
            return Err(AppError::NotFound("user"));
        }
        self.read_app(move |r| {
            r.get_user(&user)?.ok_or(AppError::NotFound("user"))?;
            Ok(r.tokens_of(&user)?)
        })
        .await
    }

    /// Revokes a token: the next request that carries it is refused. An administrator revokes
    /// anyone's, a person their own. Revoking a revoked token changes nothing.
    pub async fn revoke_token(&self, p: &Principal, id: &str) -> AppResult<TokenRecord> {
        let id = TokenId::parse(id).ok_or(AppError::NotFound("token"))?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let mut token = tx
                    .get_token(&id)?
                    .filter(|t| is_admin(&principal) || t.user == principal.user)
                    .ok_or(AppError::NotFound("token"))?;
                let now = clock.now();
                if tx.revoke_token(&token.id, now)? {
                    token.revoked_at = Some(now);
                    Events { clock: &*clock, now, actor: &actor }.emit(
                        tx,
                        token.id.as_str(),
                        k::TokenRevoked { user: token.user.clone() },
                    )?;
                }
                Ok::<_, AppError>(token)
            })
            .await
    }

    /// Replaces a person's roles with `roles`, each allowed in their organisation's kind. An
    /// administrator cannot take the administrator role from themselves (another must), so an
    /// instance never loses its last administrator by a slip.
    pub async fn set_roles(&self, p: &Principal, user: &str, roles: Vec<String>) -> AppResult<UserRecord> {
        require_admin(p)?;
        let user = UserId::parse(user).ok_or(AppError::NotFound("user"))?;
        let mut c = Checker::new();
        let mut parsed = Vec::new();
        if roles.is_empty() {
            c.push("roles", "required", "at least one role");
        }
        for (i, r) in roles.iter().enumerate() {
            match Role::parse(r) {
                Some(role) => parsed.push(role),
                None => c.push(
                    format!("roles[{i}]"),
                    "unknown_role",
                    "must be admin, reporter, moderator, integrator, senior or viewer",
                ),
            }
        }
        c.check(
            user != p.user || parsed.contains(&Role::Admin),
            "roles",
            "own_admin_role",
            "ask another administrator to take the administrator role from you",
        );
        c.finish()?;
        parsed.sort_by_key(|r| r.as_str());
        parsed.dedup();
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let mut person = tx.get_user(&user)?.ok_or(AppError::NotFound("user"))?;
                if person.deactivated_at.is_some() {
                    return Err(AppError::NotFound("user"));
                }
                let kind = tx.get_org(&person.org)?.ok_or(AppError::NotFound("organisation"))?.kind;
                let mut c = Checker::new();
                vigie_model::org::check_roles(&parsed, kind, &mut c);
                c.finish()?;
                if person.roles == parsed {
                    return Ok(person);
                }
                let before = std::mem::replace(&mut person.roles, parsed);
                tx.set_user_roles(&person.id, &person.roles)?;
                let now = clock.now();
                let ev = Events { clock: &*clock, now, actor: &actor };
                let words = |list: &[Role]| -> Vec<Word> { list.iter().map(|r| Word::new(r.as_str())).collect() };
                ev.emit(
                    tx,
                    person.id.as_str(),
                    k::UserRolesChanged {
                        org: person.org.clone(),
                        roles: words(&person.roles),
                        before: words(&before),
                    },
                )?;
                Ok::<_, AppError>(person)
            })
            .await
    }

    /// Gives a person a new one-time password, to be changed at their next sign-in (as the
    /// first administrator's is). Returns it once; only its hash is kept. Their console sessions
    /// end. The person must already have a console login.
    pub async fn reset_password(&self, p: &Principal, user: &str) -> AppResult<String> {
        require_admin(p)?;
        let user = UserId::parse(user).ok_or(AppError::NotFound("user"))?;
        let password = one_time_password();
        let phc = crate::sessions::hash_off_thread(password.clone()).await?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let person = tx.get_user(&user)?.ok_or(AppError::NotFound("user"))?;
                if person.deactivated_at.is_some() {
                    return Err(AppError::NotFound("user"));
                }
                let Some(mut credential) = tx.credential_of(&user)? else {
                    let mut c = Checker::new();
                    c.push("login", "no_login", "this person has no console login to reset");
                    c.finish()?;
                    return Err(AppError::NotFound("login"));
                };
                let now = clock.now();
                credential.phc = phc;
                credential.updated_at = now;
                credential.must_change = true;
                tx.upsert_credential(&credential)?;
                tx.revoke_sessions_of(&user, now)?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, user.as_str(), k::UserPasswordSet { one_time: Some(true), own: None })?;
                Ok::<_, AppError>(())
            })
            .await?;
        Ok(password)
    }

    /// Removes a person: their tokens are revoked, their sessions end and their claims are
    /// released, at once. The person stays on record, so their past actions keep their name.
    pub async fn remove_user(&self, p: &Principal, user: &str) -> AppResult<UserRecord> {
        require_admin(p)?;
        let user = UserId::parse(user).ok_or(AppError::NotFound("user"))?;
        if user == p.user {
            return Err(AppError::conflict(Conflict::CannotRemoveSelf, "ask another administrator to remove you"));
        }
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let mut person = tx.get_user(&user)?.ok_or(AppError::NotFound("user"))?;
                if person.deactivated_at.is_some() {
                    return Ok(person);
                }
                let now = clock.now();
                let ev = Events { clock: &*clock, now, actor: &actor };
                tx.deactivate_user(&user, now)?;
                // A removed person's saved views and team places go with them (`finding.rs`).
                tx.delete_saved_views_of(&user)?;
                tx.leave_teams(&user)?;
                person.deactivated_at = Some(now);
                let tokens = tx.revoke_tokens_of(&user, now)?;
                let sessions = tx.revoke_sessions_of(&user, now)?;
                let claims = tx.claims_held_by(&user)?;
                // Cases escalated to them wait in the queue for anyone again.
                tx.end_escalations_to(&user)?;
                ev.emit(
                    tx,
                    user.as_str(),
                    k::UserDeactivated { org: person.org.clone(), tokens: tokens.clone(), sessions: sessions as u64 },
                )?;
                for t in &tokens {
                    ev.emit(tx, t.as_str(), k::TokenRevoked { user: user.clone() })?;
                }
                for claim in claims {
                    tx.delete_claim(&claim.case)?;
                    if claim.lease_until > now {
                        let held = now.since(claim.claimed_at).as_micros() / 1_000_000;
                        let data = k::CaseReleased {
                            held_seconds: held,
                            holder: Some(user.clone()),
                            cause: Some(Word::from("user_removed")),
                        };
                        ev.emit(tx, claim.case.as_str(), data)?;
                    }
                }
                Ok::<_, AppError>(person)
            })
            .await
    }

    /// A platform claims a host it serves; an administrator must approve it.
    pub async fn claim_host(&self, p: &Principal, raw_host: &str) -> AppResult<HostRecord> {
        require(p, &[OrgKind::Platform], Role::Integrator, "only a platform's integrator may claim hosts")?;
        let host = normalise_host(raw_host)
            .ok_or_else(|| Invalid::one("host", "invalid_host", "must be a plain host name such as video.example"))?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let org = p.org.clone();
        let user = p.user.clone();
        self.store()
            .write(move |tx| {
                if tx.get_host(&host)?.is_some() {
                    return Err(AppError::conflict(Conflict::HostTaken, format!("{host} is already claimed")));
                }
                let now = clock.now();
                let rec = HostRecord {
                    host: host.clone(),
                    org: org.clone(),
                    status: HostStatus::Pending,
                    claimed_at: now,
                    claimed_by: user,
                    approved_at: None,
                    approved_by: None,
                };
                tx.insert_host(&rec)?;
                Events { clock: &*clock, now, actor: &actor }.emit(
                    tx,
                    &host,
                    k::HostClaimed { platform: org.clone() },
                )?;
                Ok(rec)
            })
            .await
    }

    /// Approves a claim; cases parked on that host (or under it) move to the platform.
    pub async fn approve_host(&self, p: &Principal, raw_host: &str) -> AppResult<(HostRecord, usize)> {
        require_admin(p)?;
        let host = normalise_host(raw_host).ok_or(AppError::NotFound("host claim"))?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let approver = p.user.clone();
        let res = self
            .store()
            .write(move |tx| {
                let mut rec = tx.get_host(&host)?.ok_or(AppError::NotFound("host claim"))?;
                if rec.status == HostStatus::Approved {
                    return Err(AppError::conflict(Conflict::AlreadyApproved, format!("{host} is already approved")));
                }
                let now = clock.now();
                rec.status = HostStatus::Approved;
                rec.approved_at = Some(now);
                rec.approved_by = Some(approver);
                tx.update_host(&rec)?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, &host, k::HostApproved { platform: rec.org.clone() })?;
                let mut moved = 0;
                for case in tx.parked_cases_on(&host)? {
                    // A more specific host claimed by another platform keeps its cases.
                    let owner = tx.route_host(&host_candidates(case.host.as_deref().unwrap_or(&host)))?;
                    if owner.as_ref() == Some(&rec.org) {
                        route_parked_case(tx, &ev, case, &rec.org)?;
                        moved += 1;
                    }
                }
                Ok::<_, AppError>((rec, moved))
            })
            .await?;
        if res.1 > 0 {
            self.wake_delivery();
        }
        Ok(res)
    }

    /// Host claims: all of them for an administrator, its own for a platform.
    pub async fn list_hosts(&self, p: &Principal) -> AppResult<Vec<HostRecord>> {
        let org = if is_admin(p) {
            None
        } else if p.org_kind == OrgKind::Platform {
            Some(p.org.clone())
        } else {
            return Err(AppError::Forbidden("only administrators and platforms see host claims"));
        };
        Ok(self.store().read(move |r| r.list_hosts(org.as_ref())).await?)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data always serializes")
}

/// Everything an administrator oversees on one page.
#[derive(Clone, Debug)]
pub struct AdminOverview {
    pub orgs: Vec<OrgRecord>,
    pub hosts: Vec<HostRecord>,
    /// Each bank with its number of entries.
    pub banks: Vec<(BankRecord, i64)>,
    /// Each organisation's webhooks (never their secrets).
    pub webhooks: Vec<WebhookRecord>,
}

/// A person as an administrator sees them.
#[derive(Clone, Debug)]
pub struct PersonView {
    pub user: UserRecord,
    /// The name, unless erased at the end of its retention.
    pub name: Option<String>,
    pub login: Option<String>,
    /// Every token, revoked and expired ones too.
    pub tokens: Vec<TokenRecord>,
}

impl App {
    pub async fn admin_overview(&self, p: &Principal) -> AppResult<AdminOverview> {
        require_admin(p)?;
        Ok(self
            .store()
            .read(|r| {
                let orgs = r.list_orgs()?;
                let mut webhooks = Vec::new();
                for o in &orgs {
                    webhooks.extend(r.webhooks_of(&o.id)?);
                }
                let mut banks = Vec::new();
                for b in r.all_banks()? {
                    let n = r.count_entries(&b.id)?;
                    banks.push((b, n));
                }
                Ok(AdminOverview { hosts: r.list_hosts(None)?, orgs, banks, webhooks })
            })
            .await?)
    }

    /// An organisation and its people, for an administrator.
    pub async fn org_people(&self, p: &Principal, org: &str) -> AppResult<(OrgRecord, Vec<PersonView>)> {
        require_admin(p)?;
        let id = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        self.read_app(move |r| {
            let org = r.get_org(&id)?.ok_or(AppError::NotFound("organisation"))?;
            let mut people = Vec::new();
            for user in r.users_of(&org.id)? {
                let name = r.personal_value(&user.name_ref)?;
                let login = r.credential_of(&user.id)?.map(|c| c.login);
                let tokens = r.tokens_of(&user.id)?;
                people.push(PersonView { user, name, login, tokens });
            }
            Ok((org, people))
        })
        .await
    }
}
