//! Passwords and console sessions.
//!
//! A person signs in with a login and a password (Argon2id, RustCrypto's default parameters:
//! 19 MiB, two passes, one lane) and gets a session: a random secret for a cookie, stored only as
//! SHA-256, valid for [`SESSION_LIFETIME`] unless the person signs out. A session is not an API
//! token: the API refuses it, and the console refuses API tokens.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use vigie_model::Conflict;
use vigie_model::Principal;
use vigie_model::event::{Word, kinds as k};
use vigie_model::validation::Checker;
use vigie_model::{Duration, Timestamp, TokenId, UserId};
use vigie_store::{CredentialRecord, SessionRecord};

use crate::auth::{is_admin, secret_hash};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes};

/// How long a session lasts: a working day.
pub const SESSION_LIFETIME: Duration = Duration::from_hours(12);
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
const MAX_PASSWORD: usize = 1024;
const SESSION_PREFIX: &str = "vgs_";

/// A new session: the cookie's secret, shown once.
#[derive(Clone, Debug)]
pub struct NewSession {
    pub secret: String,
    pub principal: Principal,
    pub expires_at: Timestamp,
    /// The password was a one-time password: the console asks for a new one first.
    pub must_change_password: bool,
}

pub(crate) fn check_login(login: &str, c: &mut Checker) {
    let ok = (3..=64).contains(&login.len())
        && login.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._@-".contains(&b));
    c.check(ok, "login", "invalid_login", "3 to 64 characters: a-z, 0-9, '.', '_', '@' or '-'");
}

pub(crate) fn check_password(password: &str, c: &mut Checker) {
    let n = password.chars().count();
    c.check(
        (MIN_PASSWORD..=MAX_PASSWORD).contains(&n),
        "password",
        "weak_password",
        &format!("{MIN_PASSWORD} to {MAX_PASSWORD} characters"),
    );
}

fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| AppError::Internal("the password could not be hashed"))
}

/// Hashes a password on a blocking thread (Argon2 takes tens of milliseconds of CPU).
pub(crate) async fn hash_off_thread(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| AppError::Internal("the password hasher panicked"))?
}

/// Checks a password against a stored hash; a malformed hash never matches.
fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to check against when the login is unknown, so that both answers take as long.
fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("a password nobody has, for timing").unwrap_or_default())
}

impl App {
    /// Sets a person's login and password: an administrator for anyone, a person for themselves.
    pub async fn set_password(&self, p: &Principal, user: &str, login: &str, password: String) -> AppResult<()> {
        let user = UserId::parse(user).ok_or(AppError::NotFound("user"))?;
        if !is_admin(p) && p.user != user {
            return Err(AppError::Forbidden("only an administrator sets another person's password"));
        }
        let login = login.trim().to_ascii_lowercase();
        let mut c = Checker::new();
        check_login(&login, &mut c);
        check_password(&password, &mut c);
        c.finish()?;
        let phc = hash_off_thread(password).await?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                tx.get_user(&user)?.ok_or(AppError::NotFound("user"))?;
                let now = clock.now();
                if tx.credential_by_login(&login)?.is_some_and(|c| c.user != user) {
                    return Err(AppError::conflict(Conflict::LoginTaken, "another person has that login"));
                }
                tx.upsert_credential(&CredentialRecord {
                    user: user.clone(),
                    login,
                    phc,
                    updated_at: now,
                    must_change: false,
                })?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, user.as_str(), k::UserPasswordSet { one_time: None, own: None })?;
                Ok(())
            })
            .await
    }

    /// Signs a person in. A wrong login and a wrong password get the same answer, in the same time.
    pub async fn sign_in(&self, login: &str, password: &str) -> AppResult<NewSession> {
        let login = login.trim().to_ascii_lowercase();
        let found = {
            let login = login.clone();
            self.store().read(move |r| r.credential_by_login(&login)).await?
        };
        let (phc, user) = match &found {
            Some(c) => (c.phc.clone(), Some(c.user.clone())),
            None => (decoy().to_owned(), None),
        };
        let must_change_password = found.as_ref().is_some_and(|c| c.must_change);
        // A removed person's password still verifies (same time), but opens nothing.
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || verify(&password, &phc))
            .await
            .map_err(|_| AppError::Internal("the password verifier panicked"))?;
        let user = match (ok, user) {
            (true, Some(u)) => u,
            _ => return Err(AppError::Unauthenticated),
        };
        let secret = format!("{SESSION_PREFIX}{}", hex::encode(crate::random32()));
        let hash = secret_hash(&secret);
        let clock = self.clock().clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let rec = SessionRecord {
                    hash: hash.clone(),
                    id: TokenId::from_random(id_bytes(now)),
                    user: user.clone(),
                    created_at: now,
                    expires_at: now.plus(SESSION_LIFETIME),
                    revoked_at: None,
                };
                if tx.get_user(&user)?.is_none_or(|u| u.deactivated_at.is_some()) {
                    return Err(AppError::Unauthenticated);
                }
                tx.insert_session(&rec)?;
                let (principal, _) =
                    tx.session_principal(&hash, now)?.ok_or(AppError::Internal("a session just made is not found"))?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, user.as_str(), k::UserSignedIn { session: Word::new(rec.id.as_str()) })?;
                Ok::<_, AppError>(NewSession { secret, principal, expires_at: rec.expires_at, must_change_password })
            })
            .await
    }

    /// Who a session cookie speaks for, and whether they must first choose a new password (the
    /// first administrator's one-time password).
    pub async fn console_session(&self, secret: &str) -> AppResult<(Principal, bool)> {
        let principal = self.session(secret).await?;
        let user = principal.user.clone();
        let must_change = self.store().read(move |r| r.credential_of(&user)).await?.is_some_and(|c| c.must_change);
        Ok((principal, must_change))
    }

    /// A person changes their own password, giving the current one. Clears a one-time password.
    pub async fn change_own_password(&self, p: &Principal, current: &str, new: String) -> AppResult<()> {
        let user = p.user.clone();
        let found = self.store().read(move |r| r.credential_of(&user)).await?.ok_or(AppError::NotFound("login"))?;
        let (phc, current, candidate) = (found.phc.clone(), current.to_owned(), new.clone());
        let (ok, same) = tokio::task::spawn_blocking(move || (verify(&current, &phc), verify(&candidate, &phc)))
            .await
            .map_err(|_| AppError::Internal("the password verifier panicked"))?;
        let mut c = Checker::new();
        c.check(ok, "current_password", "wrong_password", "the current password is wrong");
        check_password(&new, &mut c);
        c.check(!same, "password", "same_password", "choose a password other than the current one");
        c.finish()?;
        let phc = hash_off_thread(new).await?;
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        let user = p.user.clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                tx.upsert_credential(&CredentialRecord {
                    user: user.clone(),
                    login: found.login,
                    phc,
                    updated_at: now,
                    must_change: false,
                })?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, user.as_str(), k::UserPasswordSet { one_time: None, own: Some(true) })?;
                Ok(())
            })
            .await
    }

    /// Who a session cookie speaks for.
    pub async fn session(&self, secret: &str) -> AppResult<Principal> {
        let well_formed = secret.len() == SESSION_PREFIX.len() + 64
            && secret.starts_with(SESSION_PREFIX)
            && secret[SESSION_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(AppError::Unauthenticated);
        }
        let hash = secret_hash(secret);
        let now = self.now();
        self.store()
            .read(move |r| r.session_principal(&hash, now))
            .await?
            .map(|(p, _)| p)
            .ok_or(AppError::Unauthenticated)
    }

    /// Ends a session at once.
    pub async fn sign_out(&self, p: &Principal, secret: &str) -> AppResult<()> {
        let hash = secret_hash(secret);
        let clock = self.clock().clone();
        let actor = Actor::of(p);
        self.store()
            .write(move |tx| {
                let now = clock.now();
                tx.revoke_session(&hash, now)?;
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, actor.user.as_ref().map_or("", |u| u.as_str()), k::UserSignedOut {})?;
                Ok(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let phc = hash_password("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn logins_and_passwords_are_checked() {
        let mut c = Checker::new();
        check_login("Alice Smith", &mut c);
        check_password("short", &mut c);
        let e = c.finish().unwrap_err();
        let codes: Vec<_> = e.errors().iter().map(|e| e.code).collect();
        assert_eq!(codes, ["invalid_login", "weak_password"]);
        let mut c = Checker::new();
        check_login("alice.smith@platform", &mut c);
        check_password("twelve chars!", &mut c);
        assert!(c.finish().is_ok());
    }
}
