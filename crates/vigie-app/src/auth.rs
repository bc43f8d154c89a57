//! Bearer tokens and who may do what.
//!
//! Tokens are opaque random strings (`vgt_` + 64 hex digits); only their SHA-256 is stored, so a
//! database leak does not leak tokens. Every token belongs to a person.

use sha2::{Digest, Sha256};
use vigie_model::Principal;
use vigie_model::org::{OrgKind, Role};

use crate::{App, AppError, AppResult};

const TOKEN_PREFIX: &str = "vgt_";

/// A fresh secret token.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", hex::encode(crate::random32()))
}

/// The stored form of a secret (token or tracking code).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl App {
    /// Finds who a bearer token speaks for. Malformed, unknown, revoked and expired tokens, and
    /// the tokens of a removed person, are all refused. Nothing is cached: a revocation holds
    /// from the next request on.
    pub async fn authenticate(&self, token: &str) -> AppResult<Principal> {
        let well_formed = token.len() == TOKEN_PREFIX.len() + 64
            && token.starts_with(TOKEN_PREFIX)
            && token[TOKEN_PREFIX.len()..].bytes().all(|b| b.is_ascii_hexdigit());
        // The administrator's bootstrap token may be any string the operator chose.
        if !well_formed && (token.is_empty() || token.len() > 256) {
            return Err(AppError::Unauthenticated);
        }
        let hash = secret_hash(token);
        let now = self.now();
        self.store().read(move |r| r.find_principal(&hash, now)).await?.ok_or(AppError::Unauthenticated)
    }
}

/// Checks that `p` belongs to one of `kinds` and holds `role`.
pub fn require(p: &Principal, kinds: &[OrgKind], role: Role, what: &'static str) -> AppResult<()> {
    if kinds.contains(&p.org_kind) && p.roles.contains(&role) { Ok(()) } else { Err(AppError::Forbidden(what)) }
}

/// Whether `p` runs this Vigie instance.
pub fn is_admin(p: &Principal) -> bool {
    p.org_kind == OrgKind::Hub && p.roles.contains(&Role::Admin)
}

pub fn require_admin(p: &Principal) -> AppResult<()> {
    if is_admin(p) { Ok(()) } else { Err(AppError::Forbidden("only an administrator may do this")) }
}
