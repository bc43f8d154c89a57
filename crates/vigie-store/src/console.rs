//! The records of the web console: passwords, sessions, claims on cases, media attached to cases
//! and their reveals. Kept in their own traits ([`ConsoleReads`], [`ConsoleTx`]), which
//! [`crate::Reads`] and [`crate::Tx`] extend.

use vigie_model::*;

use vigie_model::event::ChainedEvent;

use crate::{CaseRecord, DecisionRecord, OrderRecord, Result, SignalRecord, TokenRecord, UserRecord};

/// A person's password, as an Argon2id PHC string, and the login it goes with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialRecord {
    pub user: UserId,
    pub login: String,
    pub phc: String,
    pub updated_at: Timestamp,
    /// A one-time password (the first administrator's): the console asks for a new one before
    /// anything else.
    pub must_change: bool,
}

/// An authority's order profile: what fills in each new order form (Annex I sections on the
/// authority, its representative, its contact and the redress), set by an administrator.
///
/// Personal data: the representative's name and post and the contact address name officials
/// acting in their public role. Legal basis: GDPR art. 6(1)(e) and 6(1)(c) (Regulation (EU)
/// 2021/784 Annex I asks for them on every order). Kept while the profile stands: each change
/// replaces it whole, and each order keeps its own copy in its form. Read by the authority's own
/// people and the instance's administrators; never sent elsewhere but in the orders it fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorityProfileRecord {
    pub org: OrgId,
    pub authority_type: Option<String>,
    pub representative_name: Option<String>,
    pub representative_post: Option<String>,
    pub contact_email: Option<String>,
    pub redress_body: Option<String>,
    /// Invariant: positive.
    pub redress_deadline: Option<u32>,
    /// The deadline counts in hours (France: 48 hours), not days.
    pub redress_hours: bool,
    pub redress_from: Option<String>,
    pub updated_at: Timestamp,
    pub updated_by: Option<UserId>,
}

/// What a search of a platform's decided cases narrows to; `None` does not narrow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecidedFilter {
    pub case: Option<CaseId>,
    /// Lower-case: part of the case's URL or account id, or its host exactly.
    pub target: Option<String>,
    pub action: Option<String>,
    /// A legal-basis id or a terms clause's code.
    pub ground: Option<String>,
    /// Decided at or after.
    pub from: Option<Timestamp>,
    /// Decided before.
    pub to: Option<Timestamp>,
    pub decider: Option<UserId>,
    /// The page starts after this decision, in the newest-first order.
    pub after: Option<(Timestamp, DecisionId)>,
}

/// A signed-in browser. Only the SHA-256 of the cookie's secret is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRecord {
    pub hash: String,
    /// Names the session in [`Principal::token`] and in logs; not a secret.
    pub id: TokenId,
    pub user: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A reviewer's lease on a case: others see it and do not take the case meanwhile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRecord {
    pub case: CaseId,
    pub user: UserId,
    pub claimed_at: Timestamp,
    pub lease_until: Timestamp,
}

/// Media attached to a case. The original is read on its own ([`ConsoleReads::media_original`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaRecord {
    pub id: MediaId,
    pub case: CaseId,
    pub org: OrgId,
    pub by: UserId,
    pub sha256: String,
    pub size: i64,
    /// What the bytes are, found by decoding them, never by the sender's word: `png`, `jpeg`,
    /// `gif`, `webp`, `bmp`, `tiff`, or `unsupported`.
    pub format: String,
    pub pdq: Option<String>,
    pub quality: Option<i64>,
    /// The blurred greyscale derivative the console shows by default (PNG).
    pub preview: Option<Vec<u8>>,
    /// Why there is no preview, or what the derivative is.
    pub note: String,
    /// JSON: the bank entries the image matched when it was attached (bank, entry, distance).
    pub matches: String,
    /// For a video (JSON): its size, frame rate and duration, the storyboard's frames (their
    /// times, and whether each is in a matched segment) and the matched segments (seconds in this
    /// video and in the banked one); its `preview` is then the storyboard.
    pub video: Option<String>,
    pub created_at: Timestamp,
    /// Whether the original bytes are kept: not for a stay-down video larger than the case media
    /// limit, which is kept by its storyboard, hashes and timeline alone.
    pub original_kept: bool,
}

pub trait ConsoleReads {
    fn credential_by_login(&self, login: &str) -> Result<Option<CredentialRecord>>;
    fn credential_of(&self, user: &UserId) -> Result<Option<CredentialRecord>>;
    /// Who a live (unexpired, unrevoked) session speaks for.
    fn session_principal(&self, hash: &str, now: Timestamp) -> Result<Option<(Principal, SessionRecord)>>;
    fn claim(&self, case: &CaseId) -> Result<Option<ClaimRecord>>;
    /// Claims whose lease has not ended, on the cases of a platform.
    fn live_claims(&self, platform: &OrgId, now: Timestamp) -> Result<Vec<ClaimRecord>>;
    fn case_media(&self, case: &CaseId) -> Result<Vec<MediaRecord>>;
    fn get_media(&self, id: &MediaId) -> Result<Option<MediaRecord>>;
    /// The original bytes; `None` for no such media, or one kept without its original.
    fn media_original(&self, id: &MediaId) -> Result<Option<Vec<u8>>>;
    /// Whether `user` revealed `media` at or after `since`.
    fn revealed_since(&self, media: &MediaId, user: &UserId, since: Timestamp) -> Result<bool>;
    /// `user`'s latest reveal of `media` at or after `since`: when, and the viewing time already
    /// counted against it (microseconds).
    fn latest_reveal(&self, media: &MediaId, user: &UserId, since: Timestamp) -> Result<Option<(Timestamp, i64)>>;
    /// Whether a key press may reveal media for this reviewer (`None`: never chosen).
    fn reveal_by_key(&self, user: &UserId) -> Result<Option<bool>>;
    /// The people of an organisation, oldest first.
    fn users_of(&self, org: &OrgId) -> Result<Vec<UserRecord>>;
    /// A person's API tokens, revoked and expired ones too, oldest first.
    fn tokens_of(&self, user: &UserId) -> Result<Vec<TokenRecord>>;
    fn get_token(&self, id: &TokenId) -> Result<Option<TokenRecord>>;
    /// The claims a person holds, live or lapsed.
    fn claims_held_by(&self, user: &UserId) -> Result<Vec<ClaimRecord>>;
    /// A platform's decisions matching `filter`, newest first, each with its case.
    fn decided_cases(
        &self,
        platform: &OrgId,
        filter: &DecidedFilter,
        limit: u32,
    ) -> Result<Vec<(DecisionRecord, CaseRecord)>>;
    /// An authority's orders, newest first.
    fn orders_of(&self, authority: &OrgId, limit: u32) -> Result<Vec<OrderRecord>>;
    /// An authority's referrals, newest first.
    fn referrals_of(&self, authority: &OrgId, limit: u32) -> Result<Vec<SignalRecord>>;
    /// An authority's order profile, if one was set.
    fn authority_profile(&self, org: &OrgId) -> Result<Option<AuthorityProfileRecord>>;
    /// The notices an organisation sent (a trusted flagger's), newest first.
    fn notices_of(&self, org: &OrgId, limit: u32) -> Result<Vec<SignalRecord>>;
    /// The latest `limit` events about `subject`, oldest first.
    fn events_about(&self, subject: &str, limit: u32) -> Result<Vec<ChainedEvent>>;
}

pub trait ConsoleTx {
    fn upsert_credential(&mut self, r: &CredentialRecord) -> Result<()>;
    fn insert_session(&mut self, r: &SessionRecord) -> Result<()>;
    fn revoke_session(&mut self, hash: &str, at: Timestamp) -> Result<()>;
    fn put_claim(&mut self, r: &ClaimRecord) -> Result<()>;
    fn delete_claim(&mut self, case: &CaseId) -> Result<()>;
    /// `original` is empty when `r.original_kept` is false.
    fn insert_media(&mut self, r: &MediaRecord, original: &[u8]) -> Result<()>;
    /// Records that `user` revealed `media` at `at`, and deletes every reveal older than
    /// `expired_before` (a reveal is only needed while its grant lasts; the event
    /// `media.revealed` keeps the fact).
    fn insert_reveal(&mut self, media: &MediaId, user: &UserId, at: Timestamp, expired_before: Timestamp)
    -> Result<()>;
    fn set_reveal_by_key(&mut self, user: &UserId, on: bool, at: Timestamp) -> Result<()>;
    /// Counts `micros` of viewing against the reveal of `media` by `user` at `at`.
    fn add_reveal_viewing(&mut self, media: &MediaId, user: &UserId, at: Timestamp, micros: i64) -> Result<()>;
    /// `true` if the token was live and is now revoked.
    fn revoke_token(&mut self, id: &TokenId, at: Timestamp) -> Result<bool>;
    /// Revokes every unrevoked token of a person; returns their ids.
    fn revoke_tokens_of(&mut self, user: &UserId, at: Timestamp) -> Result<Vec<TokenId>>;
    /// Ends every live session of a person; returns how many.
    fn revoke_sessions_of(&mut self, user: &UserId, at: Timestamp) -> Result<usize>;
    /// Sets an authority's order profile, replacing the one it had.
    fn put_authority_profile(&mut self, r: &AuthorityProfileRecord) -> Result<()>;
    /// Replaces a person's roles (sorted, each allowed in their organisation's kind).
    fn set_user_roles(&mut self, user: &UserId, roles: &[vigie_model::org::Role]) -> Result<()>;
    fn deactivate_user(&mut self, user: &UserId, at: Timestamp) -> Result<()>;
    /// Marks a webhook deleted and gives up its undelivered messages.
    fn delete_webhook(&mut self, id: &WebhookId, at: Timestamp) -> Result<()>;
}
