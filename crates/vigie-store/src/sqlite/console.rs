//! The SQL behind [`ConsoleReads`] and [`ConsoleTx`].

use rusqlite::{Row, params};
use vigie_model::org::OrgKind;
use vigie_model::*;

use vigie_model::event::ChainedEvent;

use super::cases::{decision_row, signal_row};
use super::conn::{SqliteRead, SqliteTx, corrupt, ts, us};
use super::events::event_row;
use super::orders::order_row;
use super::orgs::{roles_from, roles_to, user_row};
use crate::*;

fn credential_row(r: &Row<'_>) -> rusqlite::Result<CredentialRecord> {
    Ok(CredentialRecord {
        user: UserId::from_trusted(r.get("user")?),
        login: r.get("login")?,
        phc: r.get("phc")?,
        updated_at: Timestamp::from_micros(r.get("updated_at")?),
        must_change: r.get("must_change")?,
    })
}

fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: TokenId::from_trusted(r.get("id")?),
        user: UserId::from_trusted(r.get("user")?),
        hash: r.get("hash")?,
        label: r.get("label")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        expires_at: ts(r.get("expires_at")?),
        revoked_at: ts(r.get("revoked_at")?),
    })
}

fn claim_row(r: &Row<'_>) -> rusqlite::Result<ClaimRecord> {
    Ok(ClaimRecord {
        case: CaseId::from_trusted(r.get("case_id")?),
        user: UserId::from_trusted(r.get("user")?),
        claimed_at: Timestamp::from_micros(r.get("claimed_at")?),
        lease_until: Timestamp::from_micros(r.get("lease_until")?),
    })
}

const MEDIA_COLS: &str = "id, case_id, org, by_user, sha256, size, format, pdq, quality, preview, note, matches, \
     video, created_at, original_kept";

fn media_row(r: &Row<'_>) -> rusqlite::Result<MediaRecord> {
    Ok(MediaRecord {
        id: MediaId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        org: OrgId::from_trusted(r.get("org")?),
        by: UserId::from_trusted(r.get("by_user")?),
        sha256: r.get("sha256")?,
        size: r.get("size")?,
        format: r.get("format")?,
        pdq: r.get("pdq")?,
        quality: r.get("quality")?,
        preview: r.get("preview")?,
        note: r.get("note")?,
        matches: r.get("matches")?,
        video: r.get("video")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        original_kept: r.get("original_kept")?,
    })
}

impl ConsoleReads for SqliteRead<'_> {
    fn credential_by_login(&self, login: &str) -> Result<Option<CredentialRecord>> {
        self.one("SELECT * FROM credentials WHERE login = ?1", [login], credential_row)
    }
    fn credential_of(&self, user: &UserId) -> Result<Option<CredentialRecord>> {
        self.one("SELECT * FROM credentials WHERE user = ?1", [user.as_str()], credential_row)
    }
    fn session_principal(&self, hash: &str, now: Timestamp) -> Result<Option<(Principal, SessionRecord)>> {
        self.one(
            "SELECT s.hash, s.id, s.user, s.created_at, s.expires_at, s.revoked_at, u.roles, o.id AS org, o.kind \
             FROM sessions s JOIN users u ON u.id = s.user JOIN orgs o ON o.id = u.org \
             WHERE s.hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND u.deactivated_at IS NULL",
            params![hash, now.as_micros()],
            |r| {
                let kind: String = r.get("kind")?;
                let roles: String = r.get("roles")?;
                let session = SessionRecord {
                    hash: r.get("hash")?,
                    id: TokenId::from_trusted(r.get("id")?),
                    user: UserId::from_trusted(r.get("user")?),
                    created_at: Timestamp::from_micros(r.get("created_at")?),
                    expires_at: Timestamp::from_micros(r.get("expires_at")?),
                    revoked_at: ts(r.get("revoked_at")?),
                };
                let principal = Principal {
                    token: session.id.clone(),
                    user: session.user.clone(),
                    org: OrgId::from_trusted(r.get("org")?),
                    org_kind: OrgKind::parse(&kind).ok_or_else(|| corrupt("org kind", &kind))?,
                    roles: roles_from(&roles)?,
                };
                Ok((principal, session))
            },
        )
    }
    fn claim(&self, case: &CaseId) -> Result<Option<ClaimRecord>> {
        self.one("SELECT * FROM claims WHERE case_id = ?1", [case.as_str()], claim_row)
    }
    fn live_claims(&self, platform: &OrgId, now: Timestamp) -> Result<Vec<ClaimRecord>> {
        self.many(
            "SELECT c.* FROM claims c JOIN cases k ON k.id = c.case_id WHERE k.platform = ?1 AND c.lease_until > ?2",
            params![platform.as_str(), now.as_micros()],
            claim_row,
        )
    }
    fn case_media(&self, case: &CaseId) -> Result<Vec<MediaRecord>> {
        self.many(
            &format!("SELECT {MEDIA_COLS} FROM case_media WHERE case_id = ?1 ORDER BY created_at, id"),
            [case.as_str()],
            media_row,
        )
    }
    fn get_media(&self, id: &MediaId) -> Result<Option<MediaRecord>> {
        self.one(&format!("SELECT {MEDIA_COLS} FROM case_media WHERE id = ?1"), [id.as_str()], media_row)
    }
    fn media_original(&self, id: &MediaId) -> Result<Option<Vec<u8>>> {
        self.one("SELECT original FROM case_media WHERE id = ?1 AND original_kept = 1", [id.as_str()], |r| r.get(0))
    }
    fn revealed_since(&self, media: &MediaId, user: &UserId, since: Timestamp) -> Result<bool> {
        let n: Option<i64> = self.one(
            "SELECT COUNT(*) FROM media_reveals WHERE media = ?1 AND user = ?2 AND at >= ?3",
            params![media.as_str(), user.as_str(), since.as_micros()],
            |r| r.get(0),
        )?;
        Ok(n.unwrap_or(0) > 0)
    }
    fn latest_reveal(&self, media: &MediaId, user: &UserId, since: Timestamp) -> Result<Option<(Timestamp, i64)>> {
        self.one(
            "SELECT at, viewed FROM media_reveals WHERE media = ?1 AND user = ?2 AND at >= ?3 ORDER BY at DESC LIMIT 1",
            params![media.as_str(), user.as_str(), since.as_micros()],
            |r| Ok((Timestamp::from_micros(r.get(0)?), r.get(1)?)),
        )
    }
    fn reveal_by_key(&self, user: &UserId) -> Result<Option<bool>> {
        self.one("SELECT reveal_by_key FROM user_prefs WHERE user = ?1", [user.as_str()], |r| {
            r.get::<_, i64>(0).map(|v| v != 0)
        })
    }
    fn users_of(&self, org: &OrgId) -> Result<Vec<UserRecord>> {
        self.many("SELECT * FROM users WHERE org = ?1 ORDER BY created_at, id", [org.as_str()], user_row)
    }
    fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>> {
        self.many("SELECT * FROM tokens WHERE user = ?1 ORDER BY created_at, id", [user.as_str()], token_row)
    }
    fn get_token(&self, id: &TokenId) -> Result<Option<TokenRecord>> {
        self.one("SELECT * FROM tokens WHERE id = ?1", [id.as_str()], token_row)
    }
    fn claims_held_by(&self, user: &UserId) -> Result<Vec<ClaimRecord>> {
        self.many("SELECT * FROM claims WHERE user = ?1", [user.as_str()], claim_row)
    }
    fn decided_cases(
        &self,
        platform: &OrgId,
        filter: &DecidedFilter,
        limit: u32,
    ) -> Result<Vec<(DecisionRecord, CaseRecord)>> {
        let decisions = self.many(
            "SELECT d.* FROM decisions d JOIN cases c ON c.id = d.case_id \
             WHERE d.org = ?1 \
             AND (?2 IS NULL OR d.case_id = ?2) \
             AND (?3 IS NULL OR instr(lower(coalesce(c.url, '')), ?3) > 0 OR lower(coalesce(c.host, '')) = ?3 \
                  OR instr(lower(coalesce(c.account_id, '')), ?3) > 0) \
             AND (?4 IS NULL OR d.action = ?4) \
             AND (?5 IS NULL OR d.legal_basis = ?5 OR d.terms_clause = ?5) \
             AND (?6 IS NULL OR d.decided_at >= ?6) \
             AND (?7 IS NULL OR d.decided_at < ?7) \
             AND (?8 IS NULL OR d.decided_by = ?8) \
             AND (?9 IS NULL OR d.decided_at < ?9 OR (d.decided_at = ?9 AND d.id < ?10)) \
             ORDER BY d.decided_at DESC, d.id DESC LIMIT ?11",
            params![
                platform.as_str(),
                filter.case.as_ref().map(CaseId::as_str),
                filter.target,
                filter.action,
                filter.ground,
                us(filter.from),
                us(filter.to),
                filter.decider.as_ref().map(UserId::as_str),
                us(filter.after.as_ref().map(|(at, _)| *at)),
                filter.after.as_ref().map(|(_, id)| id.as_str()),
                limit
            ],
            decision_row,
        )?;
        let mut out = Vec::with_capacity(decisions.len());
        for d in decisions {
            if let Some(case) = crate::Reads::get_case(self, &d.case)? {
                out.push((d, case));
            }
        }
        Ok(out)
    }
    fn orders_of(&self, authority: &OrgId, limit: u32) -> Result<Vec<OrderRecord>> {
        self.many(
            "SELECT * FROM orders WHERE authority = ?1 ORDER BY intake_at DESC, id DESC LIMIT ?2",
            params![authority.as_str(), limit],
            order_row,
        )
    }
    fn referrals_of(&self, authority: &OrgId, limit: u32) -> Result<Vec<SignalRecord>> {
        self.many(
            "SELECT * FROM signals WHERE kind = 'referral' AND submitter_org = ?1 ORDER BY received_at DESC LIMIT ?2",
            params![authority.as_str(), limit],
            signal_row,
        )
    }
    fn authority_profile(&self, org: &OrgId) -> Result<Option<AuthorityProfileRecord>> {
        self.one("SELECT * FROM authority_profiles WHERE org = ?1", [org.as_str()], |r| {
            let unit: String = r.get("redress_unit")?;
            let deadline: Option<i64> = r.get("redress_deadline")?;
            let by: String = r.get("updated_by")?;
            Ok(AuthorityProfileRecord {
                org: org.clone(),
                authority_type: r.get("authority_type")?,
                representative_name: r.get("representative_name")?,
                representative_post: r.get("representative_post")?,
                contact_email: r.get("contact_email")?,
                redress_body: r.get("redress_body")?,
                redress_deadline: deadline.and_then(|d| u32::try_from(d).ok()),
                redress_hours: unit == "hours",
                redress_from: r.get("redress_from")?,
                updated_at: Timestamp::from_micros(r.get("updated_at")?),
                updated_by: UserId::parse(&by),
            })
        })
    }
    fn notices_of(&self, org: &OrgId, limit: u32) -> Result<Vec<SignalRecord>> {
        self.many(
            "SELECT * FROM signals WHERE kind = 'notice' AND submitter_org = ?1 ORDER BY received_at DESC LIMIT ?2",
            params![org.as_str(), limit],
            signal_row,
        )
    }
    fn events_about(&self, subject: &str, limit: u32) -> Result<Vec<ChainedEvent>> {
        let mut list = self.many(
            "SELECT * FROM events WHERE subject = ?1 ORDER BY seq DESC LIMIT ?2",
            params![subject, limit],
            event_row,
        )?;
        list.reverse();
        Ok(list)
    }
}

macro_rules! delegate_console_reads {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        impl ConsoleReads for SqliteTx<'_> {
            $(fn $name(&self, $($arg: $ty),*) -> $ret { self.read.$name($($arg),*) })*
        }
    };
}

delegate_console_reads! {
    credential_by_login(login: &str) -> Result<Option<CredentialRecord>>;
    credential_of(user: &UserId) -> Result<Option<CredentialRecord>>;
    session_principal(hash: &str, now: Timestamp) -> Result<Option<(Principal, SessionRecord)>>;
    claim(case: &CaseId) -> Result<Option<ClaimRecord>>;
    live_claims(platform: &OrgId, now: Timestamp) -> Result<Vec<ClaimRecord>>;
    case_media(case: &CaseId) -> Result<Vec<MediaRecord>>;
    get_media(id: &MediaId) -> Result<Option<MediaRecord>>;
    media_original(id: &MediaId) -> Result<Option<Vec<u8>>>;
    revealed_since(media: &MediaId, user: &UserId, since: Timestamp) -> Result<bool>;
    reveal_by_key(user: &UserId) -> Result<Option<bool>>;
    latest_reveal(media: &MediaId, user: &UserId, since: Timestamp) -> Result<Option<(Timestamp, i64)>>;
    users_of(org: &OrgId) -> Result<Vec<UserRecord>>;
    tokens_of(user: &UserId) -> Result<Vec<TokenRecord>>;
    get_token(id: &TokenId) -> Result<Option<TokenRecord>>;
    claims_held_by(user: &UserId) -> Result<Vec<ClaimRecord>>;
    decided_cases(platform: &OrgId, filter: &DecidedFilter, limit: u32) -> Result<Vec<(DecisionRecord, CaseRecord)>>;
    orders_of(authority: &OrgId, limit: u32) -> Result<Vec<OrderRecord>>;
    referrals_of(authority: &OrgId, limit: u32) -> Result<Vec<SignalRecord>>;
    notices_of(org: &OrgId, limit: u32) -> Result<Vec<SignalRecord>>;
    authority_profile(org: &OrgId) -> Result<Option<AuthorityProfileRecord>>;
    events_about(subject: &str, limit: u32) -> Result<Vec<ChainedEvent>>;
}

impl ConsoleTx for SqliteTx<'_> {
    fn upsert_credential(&mut self, r: &CredentialRecord) -> Result<()> {
        self.read
            .exec(
                "INSERT INTO credentials (user, login, phc, updated_at, must_change) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (user) DO UPDATE SET login = excluded.login, phc = excluded.phc, \
                 updated_at = excluded.updated_at, must_change = excluded.must_change",
                params![r.user.as_str(), r.login, r.phc, r.updated_at.as_micros(), r.must_change],
            )
            .map_err(StoreError::unique_as(Conflict::LoginTaken, "the login is taken"))?;
        Ok(())
    }
    fn insert_session(&mut self, r: &SessionRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO sessions (hash, id, user, created_at, expires_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                r.hash,
                r.id.as_str(),
                r.user.as_str(),
                r.created_at.as_micros(),
                r.expires_at.as_micros(),
                us(r.revoked_at)
            ],
        )?;
        Ok(())
    }
    fn revoke_session(&mut self, hash: &str, at: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE sessions SET revoked_at = ?2 WHERE hash = ?1 AND revoked_at IS NULL",
            params![hash, at.as_micros()],
        )?;
        Ok(())
    }
    fn put_claim(&mut self, r: &ClaimRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO claims (case_id, user, claimed_at, lease_until) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (case_id) DO UPDATE SET user = excluded.user, claimed_at = excluded.claimed_at, \
             lease_until = excluded.lease_until",
            params![r.case.as_str(), r.user.as_str(), r.claimed_at.as_micros(), r.lease_until.as_micros()],
        )?;
        Ok(())
    }
    fn delete_claim(&mut self, case: &CaseId) -> Result<()> {
        self.read.exec("DELETE FROM claims WHERE case_id = ?1", [case.as_str()])?;
        Ok(())
    }
    fn insert_media(&mut self, r: &MediaRecord, original: &[u8]) -> Result<()> {
        self.read.exec(
            "INSERT INTO case_media (id, case_id, org, by_user, sha256, size, format, pdq, quality, preview, note, \
             matches, created_at, original, video, original_kept) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
             ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.org.as_str(),
                r.by.as_str(),
                r.sha256,
                r.size,
                r.format,
                r.pdq,
                r.quality,
                r.preview,
                r.note,
                r.matches,
                r.created_at.as_micros(),
                original,
                r.video,
                r.original_kept
            ],
        )?;
        Ok(())
    }
    fn set_reveal_by_key(&mut self, user: &UserId, on: bool, at: Timestamp) -> Result<()> {
        self.read.exec(
            "INSERT INTO user_prefs (user, reveal_by_key, updated_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user) DO UPDATE SET reveal_by_key = excluded.reveal_by_key, updated_at = excluded.updated_at",
            params![user.as_str(), i64::from(on), at.as_micros()],
        )?;
        Ok(())
    }
    fn add_reveal_viewing(&mut self, media: &MediaId, user: &UserId, at: Timestamp, micros: i64) -> Result<()> {
        self.read.exec(
            "UPDATE media_reveals SET viewed = viewed + ?4 WHERE media = ?1 AND user = ?2 AND at = ?3",
            params![media.as_str(), user.as_str(), at.as_micros(), micros],
        )?;
        Ok(())
    }
    fn insert_reveal(
        &mut self,
        media: &MediaId,
        user: &UserId,
        at: Timestamp,
        expired_before: Timestamp,
    ) -> Result<()> {
        self.read.exec("DELETE FROM media_reveals WHERE at < ?1", [expired_before.as_micros()])?;
        self.read.exec(
            "INSERT OR IGNORE INTO media_reveals (media, user, at) VALUES (?1, ?2, ?3)",
            params![media.as_str(), user.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn revoke_token(&mut self, id: &TokenId, at: Timestamp) -> Result<bool> {
        let n = self.read.exec(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            params![id.as_str(), at.as_micros()],
        )?;
        Ok(n > 0)
    }
    fn revoke_tokens_of(&mut self, user: &UserId, at: Timestamp) -> Result<Vec<TokenId>> {
        let ids = self.read.many(
            "SELECT id FROM tokens WHERE user = ?1 AND revoked_at IS NULL ORDER BY created_at, id",
            [user.as_str()],
            |r| Ok(TokenId::from_trusted(r.get(0)?)),
        )?;
        self.read.exec(
            "UPDATE tokens SET revoked_at = ?2 WHERE user = ?1 AND revoked_at IS NULL",
            params![user.as_str(), at.as_micros()],
        )?;
        Ok(ids)
    }
    fn revoke_sessions_of(&mut self, user: &UserId, at: Timestamp) -> Result<usize> {
        self.read.exec(
            "UPDATE sessions SET revoked_at = ?2 WHERE user = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            params![user.as_str(), at.as_micros()],
        )
    }
    fn put_authority_profile(&mut self, r: &AuthorityProfileRecord) -> Result<()> {
        let by = r.updated_by.as_ref().map(|u| u.as_str().to_owned()).unwrap_or_default();
        self.read.exec(
            "INSERT OR REPLACE INTO authority_profiles (org, authority_type, representative_name, representative_post, \
             contact_email, redress_body, redress_deadline, redress_unit, redress_from, updated_at, updated_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                r.org.as_str(),
                r.authority_type,
                r.representative_name,
                r.representative_post,
                r.contact_email,
                r.redress_body,
                r.redress_deadline.map(i64::from),
                if r.redress_hours { "hours" } else { "days" },
                r.redress_from,
                r.updated_at.as_micros(),
                by,
            ],
        )?;
        Ok(())
    }
    fn set_user_roles(&mut self, user: &UserId, roles: &[vigie_model::org::Role]) -> Result<()> {
        self.read.exec("UPDATE users SET roles = ?2 WHERE id = ?1", params![user.as_str(), roles_to(roles)])?;
        Ok(())
    }
    fn deactivate_user(&mut self, user: &UserId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE users SET deactivated_at = ?2 WHERE id = ?1 AND deactivated_at IS NULL",
            params![user.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn delete_webhook(&mut self, id: &WebhookId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE webhooks SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id.as_str(), at.as_micros()],
        )?;
        // Nobody is listening any more: what was not delivered is dropped, not retried forever.
        self.read.exec("DELETE FROM deliveries WHERE webhook = ?1 AND delivered_at IS NULL", [id.as_str()])?;
        Ok(())
    }
}
