//! What reviewers need beyond the inbox: the queue with its filters, claims with a lease, and
//! media attached to cases, shown blurred until a reviewer chooses to look.
//!
//! - A claim is a lease: others see who holds a case until when, and can neither claim nor
//!   decide it meanwhile; they may take it over, which is recorded. The lease is [`LEASE`] and
//!   renews when the holder claims again. Claims, take-overs and releases are events, so claim
//!   times are there for SLA figures. A decision frees the case.
//! - Media: the bytes are kept as sent, with their SHA-256. What they are is found by decoding
//!   them, never from the sender's word. An image gets its PDQ hash, a match against the banks the
//!   case's platform may use, and a blurred greyscale preview made here. Anything else (SVG,
//!   HTML, a broken file or a decompression bomb) is kept but never previewed, and is only ever
//!   served as a download.
//! - The original is sent only after the reviewer reveals it. The reveal is logged, and it grants
//!   the reviewer [`REVEAL_GRANT`] to load the original.

use serde_json::json;
use sha2::Digest;
use vigie_model::Conflict;
use vigie_model::Principal;
use vigie_model::event::{ChainedEvent, Word, kinds as k};
use vigie_model::labels::{CaseLabel, Language};
use vigie_model::order::{ClockStatus, ReasonType};
use vigie_model::org::{OrgKind, Role};
use vigie_model::signal::SignalKind;
use vigie_model::{Duration, MediaId, Timestamp};
use vigie_store::{CaseRecord, ClaimRecord, MediaRecord, Reads};

use crate::auth::{is_admin, require};
use crate::banks::matcher::{Query, Scope};
use crate::case_video::Examined;
use crate::cases::{decidable_case, own_case, parse_case_id};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes};

/// How long a claim keeps a case for its reviewer.
pub const LEASE: Duration = Duration::from_mins(10);
/// How long a reveal lets the reviewer load the original.
pub const REVEAL_GRANT: Duration = Duration::from_mins(10);

/// One line of a reviewer's queue.
#[derive(Clone, Debug)]
pub struct QueueItem {
    pub case: CaseRecord,
    /// The most pressing clock of the orders on the case; `None` without an order.
    pub clock: Option<ClockStatus>,
    pub claim: Option<ClaimRecord>,
    /// A hash bank matched the content (a stay-down signal, or media attached to the case).
    pub bank_match: bool,
    /// The labels of the banks the content matched (`group: …`, `tier: …`, `crisis: …`).
    pub labels: Vec<String>,
    /// The content's languages, as its reports gave them.
    pub languages: Vec<Language>,
    /// The types of terrorist content (art. 2(7)) its reports named.
    pub harm_types: Vec<ReasonType>,
    /// A legal deadline passed and nothing answered it: a late order, or another deadline gone.
    pub overdue: bool,
    /// The case's standing escalation to a senior reviewer, if any.
    pub escalation: Option<vigie_store::EscalationRecord>,
}

/// The clock a case shows: the most pressing of its orders' clocks.
pub fn case_clock<'a>(
    orders: impl IntoIterator<Item = &'a vigie_store::OrderRecord>,
    now: Timestamp,
) -> Option<ClockStatus> {
    ClockStatus::most_pressing(orders.into_iter().map(|o| o.clock.status(o.ended_at, now)))
}

/// A bank match shown with a case: the bank, the entry and the Hamming distance.
#[derive(Clone, Debug)]
pub struct CaseMatch {
    pub bank: String,
    pub entry: i64,
    pub distance: i64,
    pub labels: Vec<String>,
}

/// A reported text that matched banked texts at intake, as a case shows it.
#[derive(Clone, Debug)]
pub struct CaseText {
    pub signal: vigie_model::SignalId,
    /// The location's position in the signal.
    pub location: u32,
    /// The text, or `None` once its retention ended.
    pub text: Option<String>,
    /// Byte ranges of the text that repeat a banked text, in order, disjoint.
    pub passages: Vec<(usize, usize)>,
    /// Each match: the bank, the entry, `raw_text` or `text_tlsh`, and the similarity.
    pub matches: Vec<(vigie_model::BankId, i64, String, Option<f64>)>,
}

/// The labels of a bank, as the queue filters on them.
fn bank_labels(l: &vigie_model::bank::BankLabels) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in [("group", &l.group), ("tier", &l.tier), ("crisis", &l.crisis)] {
        if let Some(v) = v {
            out.push(format!("{k}: {v}"));
        }
    }
    out
}

/// What a reviewer narrows the queue to.
#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    /// Only cases whose highest signal has this tier (`order`, `referral`, `trusted_flagger`,
    /// `public`).
    pub tier: Option<String>,
    pub bank_match: bool,
    pub overdue: bool,
    /// Only cases whose bank matches carry this label.
    pub label: Option<String>,
    /// Only cases in this language.
    pub language: Option<Language>,
    /// Only cases with this type of terrorist content.
    pub harm_type: Option<ReasonType>,
    /// Only cases nobody else holds.
    pub unclaimed: bool,
    /// Only cases escalated to the caller (a senior reviewer).
    pub escalated: bool,
}

impl QueueFilter {
    /// Whether the queue shown to `user` keeps `item`.
    pub fn keeps(&self, i: &QueueItem, user: &vigie_model::UserId) -> bool {
        self.tier.as_deref().is_none_or(|t| i.case.tier.as_str() == t)
            && (!self.bank_match || i.bank_match)
            && (!self.overdue || i.overdue)
            && self.label.as_ref().is_none_or(|l| i.labels.contains(l))
            && self.language.is_none_or(|l| i.languages.contains(&l))
            && self.harm_type.is_none_or(|t| i.harm_types.contains(&t))
            && (!self.unclaimed || i.claim.as_ref().is_none_or(|c| c.user == *user))
            && (!self.escalated || i.escalated_to(user))
    }
}

impl QueueItem {
    /// Whether the case stands escalated to `user`.
    pub fn escalated_to(&self, user: &vigie_model::UserId) -> bool {
        self.escalation.as_ref().is_some_and(|e| e.to == *user)
    }
}

/// The refusal while another person's claim holds a case: the holder (an id) and until when.
pub(crate) fn claimed_by_another(held: &ClaimRecord) -> AppError {
    AppError::conflict(
        Conflict::ClaimedByAnother,
        format!("{} holds the case until {}", held.user.as_str(), held.lease_until),
    )
}

fn parse_media_id(raw: &str) -> AppResult<MediaId> {
    MediaId::parse(raw).ok_or(AppError::NotFound("media"))
}

/// The ids of the banks a case's content matched: stay-down signals and attached media.
fn matched_banks(r: &dyn Reads, case: &vigie_model::CaseId) -> vigie_store::Result<Vec<String>> {
    let mut banks = Vec::new();
    for s in r.case_signals(case)?.iter().filter(|s| s.kind == SignalKind::BankMatch) {
        let d: serde_json::Value = serde_json::from_str(&s.details).unwrap_or_default();
        banks.extend(
            d["matches"].as_array().into_iter().flatten().filter_map(|m| m["bank"].as_str().map(str::to_owned)),
        );
    }
    for m in r.case_media(case)? {
        let list: Vec<serde_json::Value> = serde_json::from_str(&m.matches).unwrap_or_default();
        banks.extend(list.iter().filter_map(|m| m["bank"].as_str().map(str::to_owned)));
    }
    banks.sort();
    banks.dedup();
    Ok(banks)
}

/// Whether `p` may see `case`: its platform's people and administrators.
fn sees_case(p: &Principal, case: &CaseRecord) -> bool {
    is_admin(p) || (p.org_kind == OrgKind::Platform && case.platform.as_ref() == Some(&p.org))
}

fn visible_media(r: &dyn Reads, p: &Principal, id: &MediaId) -> AppResult<(MediaRecord, CaseRecord)> {
    let media = r.get_media(id)?.ok_or(AppError::NotFound("media"))?;
    let case = r.get_case(&media.case)?.ok_or(AppError::NotFound("media"))?;
    if !sees_case(p, &case) {
        return Err(AppError::NotFound("media"));
    }
    Ok((media, case))
}

fn examine(bytes: &[u8], limits: vigie_hash::Limits) -> Result<Examined, vigie_hash::DecodeError> {
    let pixels = vigie_hash::decode::decode(bytes, &limits)?;
    let (pdq, _) = vigie_hash::pdq_from_pixels(&pixels, vigie_hash::View::Eye);
    let pdq_pytx = pixels
        .views_differ()
        .then(|| vigie_hash::pdq_from_pixels(&pixels, vigie_hash::View::Pytx).0)
        .filter(|p| *p != pdq);
    Ok(Examined {
        format: pixels.format.as_str().to_owned(),
        pdq: Some((pdq.hash, i64::from(pdq.quality))),
        pdq_pytx,
        preview: Some(vigie_hash::blurred_preview(&pixels)),
        note: "blurred greyscale preview made by Vigie".to_owned(),
        video: None,
    })
}

impl App {
    /// The platform's queue: its open cases in inbox order (deadline, then priority), with who
    /// holds each. Reading it is receipt, as for the inbox.
    pub async fn queue(&self, p: &Principal, filter: &QueueFilter) -> AppResult<Vec<QueueItem>> {
        let page = self.inbox(p, None, 500).await?;
        let now = self.now();
        let principal = p.clone();
        let items = self
            .store()
            .read(move |r| {
                let claims = r.live_claims(&principal.org, now)?;
                let mut escalations = r.escalations_of(&principal.org)?;
                let mut items = Vec::with_capacity(page.cases.len());
                for case in page.cases {
                    let banks = matched_banks(r, &case.id)?;
                    let claim = claims.iter().find(|c| c.case == case.id).cloned();
                    let clock = case_clock(&r.case_orders(&case.id)?, now);
                    let overdue = match clock {
                        Some(c) => matches!(c, ClockStatus::Late { .. }),
                        None => case.due_at.is_some_and(|d| vigie_model::is_overdue(d, now)),
                    };
                    let bank_match = !banks.is_empty();
                    let (mut languages, mut harm_types) = (Vec::new(), Vec::new());
                    for l in r.case_labels(&case.id)? {
                        match l {
                            CaseLabel::Language(language) => languages.push(language),
                            CaseLabel::HarmType(t) => harm_types.push(t),
                        }
                    }
                    let escalation =
                        escalations.iter().position(|e| e.case == case.id).map(|i| escalations.swap_remove(i));
                    items.push(QueueItem {
                        case,
                        clock,
                        claim,
                        bank_match,
                        labels: banks,
                        languages,
                        harm_types,
                        overdue,
                        escalation,
                    });
                }
                Ok(items)
            })
            .await?;
        // Bank ids become their labels from the matcher's memory.
        let items: Vec<QueueItem> = items
            .into_iter()
            .map(|mut i| {
                let mut labels: Vec<String> = i
                    .labels
                    .iter()
                    .filter_map(|b| vigie_model::BankId::parse(b))
                    .filter_map(|b| self.matcher().bank(&b, &p.org))
                    .flat_map(|(meta, _)| bank_labels(&meta.spec.labels))
                    .collect();
                labels.sort();
                labels.dedup();
                i.labels = labels;
                i
            })
            .collect();
        Ok(items.into_iter().filter(|i| filter.keeps(i, &p.user)).collect())
    }

    /// The bank matches of a case: from stay-down signals and from media attached to it.
    pub async fn case_matches(&self, p: &Principal, case: &vigie_model::CaseId) -> AppResult<Vec<CaseMatch>> {
        let id = case.clone();
        let principal = p.clone();
        let raw = self
            .read_app(move |r| {
                let case = r.get_case(&id)?.filter(|c| sees_case(&principal, c)).ok_or(AppError::NotFound("case"))?;
                let mut out = Vec::new();
                for s in r.case_signals(&case.id)?.iter().filter(|s| s.kind == SignalKind::BankMatch) {
                    let d: serde_json::Value = serde_json::from_str(&s.details).unwrap_or_default();
                    out.extend(d["matches"].as_array().cloned().unwrap_or_default());
                }
                for m in r.case_media(&case.id)? {
                    out.extend(serde_json::from_str::<Vec<serde_json::Value>>(&m.matches).unwrap_or_default());
                }
                for h in r.case_text_hits(&case.id)? {
                    out.push(json!({ "bank": h.bank.as_str(), "entry": h.entry, "distance": h.distance }));
                }
                Ok(out)
            })
            .await?;
        Ok(raw
            .iter()
            .map(|m| {
                let bank = m["bank"].as_str().and_then(vigie_model::BankId::parse);
                let meta = bank.as_ref().and_then(|b| self.matcher().bank(b, &p.org));
                CaseMatch {
                    bank: meta
                        .as_ref()
                        .map_or_else(|| m["bank"].as_str().unwrap_or("?").to_owned(), |(b, _)| b.spec.name.clone()),
                    entry: m["entry"].as_i64().unwrap_or_default(),
                    distance: m["distance"].as_i64().unwrap_or_default(),
                    labels: meta.map(|(b, _)| bank_labels(&b.spec.labels)).unwrap_or_default(),
                }
            })
            .collect())
    }

    /// The texts of a case's reports that matched banked texts at intake, for those who see the
    /// case: each text (`None` once erased) with the passages that repeat the banked texts (byte
    /// ranges, merged), and the matches (bank entry, signal type, similarity).
    pub async fn case_texts(&self, p: &Principal, case: &vigie_model::CaseId) -> AppResult<Vec<CaseText>> {
        let id = case.clone();
        let principal = p.clone();
        self.read_app(move |r| {
            let case = r.get_case(&id)?.filter(|c| sees_case(&principal, c)).ok_or(AppError::NotFound("case"))?;
            let mut out: Vec<CaseText> = Vec::new();
            for h in r.case_text_hits(&case.id)? {
                let spans: Vec<(usize, usize)> =
                    serde_json::from_str::<Vec<(usize, usize)>>(&h.passages).unwrap_or_default();
                let matched = (h.bank.clone(), h.entry, h.signal_type.clone(), h.similarity);
                match out.iter_mut().find(|t| t.signal == h.signal && t.location == h.location) {
                    Some(t) => {
                        t.passages.extend(spans);
                        t.matches.push(matched);
                    }
                    None => out.push(CaseText {
                        signal: h.signal.clone(),
                        location: h.location,
                        text: r.personal_value(&h.text_ref)?,
                        passages: spans,
                        matches: vec![matched],
                    }),
                }
            }
            for t in &mut out {
                t.passages.sort_unstable();
                let mut merged: Vec<(usize, usize)> = Vec::new();
                for (a, b) in t.passages.drain(..) {
                    match merged.last_mut() {
                        Some(last) if a <= last.1 => last.1 = last.1.max(b),
                        _ => merged.push((a, b)),
                    }
                }
                t.passages = merged;
            }
            Ok(out)
        })
        .await
    }

    /// Claims a case for [`LEASE`], or renews one's own claim.
    pub async fn claim_case(&self, p: &Principal, id: &str) -> AppResult<ClaimRecord> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators claim cases")?;
        let id = parse_case_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let case = decidable_case(tx, &principal, &id)?;
                let now = clock.now();
                let current = tx.claim(&case.id)?.filter(|c| c.lease_until > now);
                if let Some(c) = &current
                    && c.user != principal.user
                {
                    return Err(claimed_by_another(c));
                }
                let rec = ClaimRecord {
                    case: case.id.clone(),
                    user: principal.user.clone(),
                    claimed_at: current.as_ref().map_or(now, |c| c.claimed_at),
                    lease_until: now.plus(LEASE),
                };
                tx.put_claim(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(
                    tx,
                    case.id.as_str(),
                    k::CaseClaimed { lease_until: rec.lease_until, renewed: current.is_some() },
                )?;
                Ok(rec)
            })
            .await
    }

    /// Takes a case over from the person whose live claim holds it (someone away from their
    /// desk while a clock runs): the claim passes to the caller, and `case.taken_over` records
    /// from whom. Without another's live claim, this is an ordinary claim.
    pub async fn take_over_case(&self, p: &Principal, id: &str) -> AppResult<ClaimRecord> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators take over cases")?;
        let case_id = parse_case_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        let taken = self
            .store()
            .write(move |tx| {
                let case = decidable_case(tx, &principal, &case_id)?;
                let now = clock.now();
                let Some(held) = tx.claim(&case.id)?.filter(|c| c.lease_until > now && c.user != principal.user) else {
                    return Ok::<_, AppError>(None);
                };
                let rec = ClaimRecord {
                    case: case.id.clone(),
                    user: principal.user.clone(),
                    claimed_at: now,
                    lease_until: now.plus(LEASE),
                };
                tx.put_claim(&rec)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let held_seconds = now.since(held.claimed_at).as_micros() / 1_000_000;
                let data = k::CaseTakenOver { from: held.user.clone(), held_seconds, lease_until: rec.lease_until };
                ev.emit(tx, case.id.as_str(), data)?;
                Ok(Some(rec))
            })
            .await?;
        match taken {
            Some(rec) => Ok(rec),
            None => self.claim_case(p, id).await,
        }
    }

    /// Gives a claimed case back. Only its holder releases a live claim.
    pub async fn release_case(&self, p: &Principal, id: &str) -> AppResult<()> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators release cases")?;
        let id = parse_case_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let case = own_case(tx, &principal, &id)?;
                let now = clock.now();
                let Some(claim) = tx.claim(&case.id)? else { return Ok(()) };
                if claim.user != principal.user && claim.lease_until > now {
                    return Err(AppError::conflict(Conflict::ClaimedByAnother, "another reviewer holds the case"));
                }
                tx.delete_claim(&case.id)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let held = now.since(claim.claimed_at).as_micros() / 1_000_000;
                ev.emit(tx, case.id.as_str(), k::CaseReleased { held_seconds: held, holder: None, cause: None })?;
                Ok(())
            })
            .await
    }

    /// A case's live claim and its history (the latest 200 events about it), for those who see it.
    pub async fn case_activity(
        &self,
        p: &Principal,
        case: &vigie_model::CaseId,
    ) -> AppResult<(Option<ClaimRecord>, Vec<ChainedEvent>)> {
        let id = case.clone();
        let now = self.now();
        let principal = p.clone();
        self.read_app(move |r| {
            let case = r.get_case(&id)?.filter(|c| sees_case(&principal, c)).ok_or(AppError::NotFound("case"))?;
            let claim = r.claim(&case.id)?.filter(|c| c.lease_until > now);
            Ok((claim, r.events_about(case.id.as_str(), 200)?))
        })
        .await
    }

    /// The names of people, for display to their colleagues: only people of the caller's own
    /// organisation (any, for an administrator) are named; others, and erased names, are left
    /// out. Names are resolved here, at display time: events hold only ids.
    pub async fn person_names(
        &self,
        p: &Principal,
        ids: Vec<vigie_model::UserId>,
    ) -> AppResult<std::collections::HashMap<String, String>> {
        let principal = p.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = std::collections::HashMap::new();
                for id in ids {
                    let Some(user) = r.get_user(&id)? else { continue };
                    if user.org != principal.org && !is_admin(&principal) {
                        continue;
                    }
                    if let Some(name) = r.personal_value(&user.name_ref)?.filter(|n| !n.is_empty()) {
                        out.insert(id.as_str().to_owned(), name);
                    }
                }
                Ok(out)
            })
            .await?)
    }

    /// The people of the caller's organisation with their names (erased ones left out), oldest
    /// first: for choosing a decider in a search.
    pub async fn colleagues(&self, p: &Principal) -> AppResult<Vec<(vigie_model::UserId, String)>> {
        let org = p.org.clone();
        Ok(self
            .store()
            .read(move |r| {
                let mut out = Vec::new();
                for u in r.users_of(&org)? {
                    if let Some(name) = r.personal_value(&u.name_ref)?.filter(|n| !n.is_empty()) {
                        out.push((u.id, name));
                    }
                }
                Ok(out)
            })
            .await?)
    }

    /// The names of organisations, for display to people who deal with them (unknown ids are left
    /// out).
    pub async fn org_names(
        &self,
        ids: Vec<vigie_model::OrgId>,
    ) -> AppResult<std::collections::HashMap<String, String>> {
        Ok(self
            .store()
            .read(move |r| {
                let mut out = std::collections::HashMap::new();
                for id in ids {
                    if let Some(o) = r.get_org(&id)? {
                        out.insert(id.as_str().to_owned(), o.name);
                    }
                }
                Ok(out)
            })
            .await?)
    }

    /// Attaches media to a case: the case's platform, or an organisation that reported it.
    pub async fn attach_media(&self, p: &Principal, case: &str, bytes: Vec<u8>) -> AppResult<MediaRecord> {
        let case_id = parse_case_id(case)?;
        let limits = self.config().hash_limits;
        if bytes.is_empty() {
            return Err(vigie_model::Invalid::one("media", "required", "send the media's bytes").into());
        }
        if bytes.len() > limits.max_bytes {
            return Err(AppError::TooLarge(format!("the media is larger than {} bytes", limits.max_bytes)));
        }
        let principal = p.clone();
        let case = self
            .read_app(move |r| {
                let case = r.get_case(&case_id)?.ok_or(AppError::NotFound("case"))?;
                let own = principal.org_kind == OrgKind::Platform && case.platform.as_ref() == Some(&principal.org);
                let reporter =
                    r.case_signals(&case.id)?.iter().any(|s| s.submitter_org.as_ref() == Some(&principal.org));
                let role =
                    principal.roles.iter().any(|r| matches!(r, Role::Moderator | Role::Integrator | Role::Reporter));
                if !(own || reporter) || !role {
                    return Err(AppError::NotFound("case"));
                }
                Ok(case)
            })
            .await?;
        // A video is told from its first bytes; anything else must decode as an image.
        if vigie_video::sniff::container(&bytes[..bytes.len().min(512)]).is_some() {
            let (bytes, found, matches) = self.examine_video(case.platform.as_ref(), bytes).await?;
            return self.keep_media(p, case, Original::Kept(bytes), found, matches).await;
        }
        let (bytes, found) = self
            .decode_within_budget(&p.org, bytes, move |bytes| {
                let found = examine(&bytes, limits);
                (bytes, found)
            })
            .await?;
        // Only media Vigie can decode is kept: anything else could be anything, of any size.
        let found = found.map_err(crate::media::decode_error)?;
        let matches = match (&found.pdq, &case.platform) {
            (Some((hash, _)), Some(platform)) => {
                let q = Query {
                    pdq: vec![vigie_index::code_from_bytes(hash.as_bytes())],
                    pdq_pytx: found.pdq_pytx.map(|p| vigie_index::code_from_bytes(p.hash.as_bytes())),
                    ..Default::default()
                };
                let scope = Scope { org: platform, only: None, coin: None, include_disabled: false };
                self.matcher()
                    .lookup(&q, &scope, self.now())
                    .iter()
                    .map(|h| {
                        let shown = json!({ "bank": h.bank.id.as_str(), "bank_name": h.bank.spec.name, "entry": h.entry, "distance": h.distance, "hash": h.hash_name() });
                        // The log keeps the match without the bank's name (free text).
                        let logged = k::MediaMatch {
                            bank: h.bank.id.clone(),
                            entry: h.entry,
                            distance: h.distance,
                            hash: Word::from(h.hash_name()),
                        };
                        (shown, logged)
                    })
                    .collect::<Vec<_>>()
            }
            _ => Vec::new(),
        };
        self.keep_media(p, case, Original::Kept(bytes), found, matches).await
    }

    /// Keeps attached media with what was found in it, and records the attachment.
    pub(crate) async fn keep_media(
        &self,
        p: &Principal,
        case: CaseRecord,
        original: Original,
        found: Examined,
        matches: Vec<(serde_json::Value, k::MediaMatch)>,
    ) -> AppResult<MediaRecord> {
        let (matches, logged): (Vec<_>, Vec<_>) = matches.into_iter().unzip();
        let (bytes, sha256, size, original_kept) = match original {
            Original::Kept(bytes) => {
                let (sha256, size) = (hex::encode(sha2::Sha256::digest(&bytes)), bytes.len() as i64);
                (bytes, sha256, size, true)
            }
            Original::NotKept { sha256, size } => (Vec::new(), sha256, i64::try_from(size).unwrap_or(i64::MAX), false),
        };
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let now = clock.now();
                let rec = MediaRecord {
                    id: MediaId::from_random(id_bytes(now)),
                    case: case.id.clone(),
                    org: principal.org.clone(),
                    by: principal.user.clone(),
                    sha256,
                    size,
                    format: found.format,
                    pdq: found.pdq.map(|(h, _)| h.to_string()),
                    quality: found.pdq.map(|(_, q)| q),
                    preview: found.preview,
                    note: found.note,
                    matches: serde_json::Value::Array(matches).to_string(),
                    video: found.video,
                    created_at: now,
                    original_kept,
                };
                tx.insert_media(&rec, &bytes)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                let data = k::MediaAttached {
                    media: rec.id.clone(),
                    sha256: Word::new(rec.sha256.as_str()),
                    format: Word::new(rec.format.as_str()),
                    size: rec.size,
                    pdq: rec.pdq.as_deref().map(Word::from),
                    matches: Some(logged),
                };
                ev.emit(tx, case.id.as_str(), data)?;
                Ok(rec)
            })
            .await
    }

    /// Whether a key press may reveal media for this person (the default), or only a click.
    pub async fn reveal_by_key(&self, p: &Principal) -> AppResult<bool> {
        let user = p.user.clone();
        Ok(self.store().read(move |r| r.reveal_by_key(&user)).await?.unwrap_or(true))
    }

    /// A person chooses how media are revealed to them.
    pub async fn set_reveal_by_key(&self, p: &Principal, on: bool) -> AppResult<()> {
        let clock = self.clock().clone();
        let user = p.user.clone();
        Ok(self.store().write(move |tx| tx.set_reveal_by_key(&user, on, clock.now())).await?)
    }

    /// The media of a case, for those who see the case (never the originals' bytes).
    pub async fn case_media(&self, p: &Principal, case: &str) -> AppResult<Vec<MediaRecord>> {
        let id = parse_case_id(case)?;
        let principal = p.clone();
        self.read_app(move |r| {
            let case = r.get_case(&id)?.filter(|c| sees_case(&principal, c)).ok_or(AppError::NotFound("case"))?;
            Ok(r.case_media(&case.id)?)
        })
        .await
    }

    /// The blurred preview of a piece of media, if it has one.
    pub async fn media_preview(&self, p: &Principal, id: &str) -> AppResult<Vec<u8>> {
        let id = parse_media_id(id)?;
        let principal = p.clone();
        self.read_app(move |r| {
            let (media, _) = visible_media(r, &principal, &id)?;
            media.preview.ok_or(AppError::NotFound("preview"))
        })
        .await
    }

    /// A reviewer chooses to look at the original: logged, and good for [`REVEAL_GRANT`].
    pub async fn reveal_media(&self, p: &Principal, id: &str) -> AppResult<MediaRecord> {
        let id = parse_media_id(id)?;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let (media, case) = visible_media(tx, &principal, &id)?;
                if !media.original_kept {
                    return Err(not_kept(&media));
                }
                let now = clock.now();
                crate::wellbeing::may_reveal(tx, &principal, &case, now)?;
                tx.insert_reveal(&media.id, &principal.user, now, now.minus(REVEAL_GRANT))?;
                crate::wellbeing::count_reveal(tx, &principal, now)?;
                let actor = Actor::of(&principal);
                let ev = Events { clock: &*clock, now, actor: &actor };
                ev.emit(tx, case.id.as_str(), k::MediaRevealed { media: media.id.clone() })?;
                Ok(media)
            })
            .await
    }

    /// The original bytes, only to a reviewer who revealed them within [`REVEAL_GRANT`].
    pub async fn media_original(&self, p: &Principal, id: &str) -> AppResult<(MediaRecord, Vec<u8>)> {
        let id = parse_media_id(id)?;
        let since = self.now().plus(Duration::from_micros(-REVEAL_GRANT.as_micros()));
        let principal = p.clone();
        self.read_app(move |r| {
            let (media, _) = visible_media(r, &principal, &id)?;
            if !media.original_kept {
                return Err(not_kept(&media));
            }
            if !r.revealed_since(&media.id, &principal.user, since)? {
                return Err(AppError::conflict(Conflict::NotRevealed, "reveal the media first; each reveal is logged"));
            }
            let bytes = r.media_original(&media.id)?.ok_or(AppError::NotFound("media"))?;
            Ok((media, bytes))
        })
        .await
    }
}

/// Why media kept without its original cannot be revealed or read.
fn not_kept(media: &MediaRecord) -> AppError {
    AppError::conflict(
        Conflict::OriginalNotKept,
        format!(
            "the original ({} bytes) was larger than the case media limit and was not kept; its storyboard and hashes \
             were",
            media.size
        ),
    )
}

/// What a case keeps of media's own bytes.
pub(crate) enum Original {
    Kept(Vec<u8>),
    /// Too large for the case media limit: the media is kept by what was found in it (a video's
    /// storyboard, hashes and timeline), and by its SHA-256 and size.
    NotKept {
        sha256: String,
        size: u64,
    },
}

/// The longest stretch of viewing one report may claim, in seconds (the page reports far more
/// often).
pub const MAX_VIEWING_REPORT_SECS: f64 = 600.0;

impl App {
    /// The page reports time spent with a revealed video (playing, or shown unpaused): counted in
    /// the reviewer's own figure for today, and bounded by the server: never more, over all the
    /// reports against one reveal, than the time elapsed since that reveal. Returns the
    /// microseconds counted (0 when the reveal's time is used up).
    pub async fn report_viewing(&self, p: &Principal, id: &str, seconds: f64) -> AppResult<i64> {
        let id = parse_media_id(id)?;
        if !(seconds.is_finite() && seconds > 0.0 && seconds <= MAX_VIEWING_REPORT_SECS) {
            return Err(vigie_model::Invalid::one(
                "seconds",
                "out_of_range",
                format!("a number of seconds above 0 and at most {MAX_VIEWING_REPORT_SECS}"),
            )
            .into());
        }
        let claimed = (seconds * 1_000_000.0).round() as i64;
        let clock = self.clock().clone();
        let principal = p.clone();
        self.store()
            .write(move |tx| {
                let (media, _) = visible_media(tx, &principal, &id)?;
                if media.video.is_none() {
                    return Err(
                        vigie_model::Invalid::one("media", "not_a_video", "only videos report viewing time").into()
                    );
                }
                let now = clock.now();
                let since = now.plus(Duration::from_micros(-REVEAL_GRANT.as_micros()));
                let Some((at, viewed)) = tx.latest_reveal(&media.id, &principal.user, since)? else {
                    return Err(AppError::conflict(
                        Conflict::NotRevealed,
                        "reveal the media first; each reveal is logged",
                    ));
                };
                let elapsed = now.since(at).as_micros().max(0);
                let counted = claimed.min(elapsed - viewed).max(0);
                if counted > 0 {
                    tx.add_reveal_viewing(&media.id, &principal.user, at, counted)?;
                    crate::wellbeing::count_viewing(tx, &principal, now, counted)?;
                }
                Ok(counted)
            })
            .await
    }
}

/// How many decided cases one page of the search lists.
pub const DECIDED_PAGE: u32 = 50;

/// One page of a platform's decided cases, newest decision first.
#[derive(Clone, Debug)]
pub struct DecidedPage {
    pub items: Vec<(vigie_store::DecisionRecord, CaseRecord)>,
    /// Where the next (older) page starts; `None` on the last page.
    pub next: Option<(Timestamp, vigie_model::DecisionId)>,
}

impl App {
    /// The platform's decided cases, newest decision first, narrowed by `filter` (case id, part of
    /// the URL or the host, action, ground, date range, decider), a page at a time.
    pub async fn decided_cases(&self, p: &Principal, filter: vigie_store::DecidedFilter) -> AppResult<DecidedPage> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators search its decisions")?;
        let org = p.org.clone();
        let mut items = self.store().read(move |r| r.decided_cases(&org, &filter, DECIDED_PAGE + 1)).await?;
        let next = (items.len() > DECIDED_PAGE as usize).then(|| {
            items.truncate(DECIDED_PAGE as usize);
            let (last, _) = items.last().expect("a full page");
            (last.decided_at, last.id.clone())
        });
        Ok(DecidedPage { items, next })
    }
}

/// A moment as the console shows it, relative to `now`: `in 12 min`, `3 h ago`.
pub fn relative(at: Timestamp, now: Timestamp) -> String {
    let secs = at.since(now).as_micros() / 1_000_000;
    if secs == 0 {
        return "now".to_owned();
    }
    let (n, unit) = match secs.unsigned_abs() {
        s if s < 120 => (s, "s"),
        s if s < 7_200 => (s / 60, "min"),
        // Hours up to four days: the law's windows (48 and 72 hours) read in hours, and a
        // 72-hour clock does not jump from "3 days" to "2 days" a second after it starts.
        s if s < 345_600 => (s / 3_600, "h"),
        s => (s / 86_400, "days"),
    };
    if secs >= 0 { format!("in {n} {unit}") } else { format!("{n} {unit} ago") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_bytes_are_refused_never_kept_or_previewed() {
        let limits = vigie_hash::Limits::default();
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#;
        let html = b"<html><body><img src=x onerror=alert(1)></body></html>";
        for bytes in [&svg[..], &html[..], b"\x89PNG\r\n\x1a\n broken"] {
            assert!(examine(bytes, limits).is_err());
        }
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = Timestamp::from_micros(1_000_000_000_000);
        assert_eq!(relative(now.plus(Duration::from_mins(12)), now), "in 12 min");
        assert_eq!(relative(now.plus(Duration::from_hours(-3)), now), "3 h ago");
        assert_eq!(relative(now.plus(Duration::from_secs(30)), now), "in 30 s");
        assert_eq!(relative(now, now), "now");
        assert_eq!(relative(now.plus(Duration::from_hours(72)), now), "in 72 h");
        assert_eq!(relative(now.plus(Duration::from_secs(72 * 3_600 - 1)), now), "in 71 h");
        assert_eq!(relative(now.plus(Duration::from_days(5)), now), "in 5 days");
    }
}
