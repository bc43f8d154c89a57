//! Stay-down: a platform checks an upload against the banks it may use and hears at once what
//! matched and what the banks' policies make of it.
//!
//! - Vigie hashes the media two ways when they differ: as the eye sees it (`pdq`) and as
//!   python-threatexchange does (`pdq_pytx`); both are looked up, so banks built by HMA match
//!   and a colour-mode re-save does not evade.
//! - PDQ hashes of quality below 50 are not looked up (on the bank side they are never added).
//! - A match in an allow bank suppresses block matches of the same upload.
//! - An entry that matches more uploads within an hour than its bank's flood limit is
//!   quarantined (an event says so) until a curator releases it; the match that tripped the
//!   limit does not count.
//! - A block match in a bank marked for stay-down opens (or joins) a case for the platform: a
//!   `bank_match` signal, the platform's own-initiative automated detection, linked to the case
//!   that put the content in the bank when there is one.
//! - Every match is an event, written with the case in one transaction.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::json;
use sha2::{Digest, Sha256};
use vigie_hash::HashOptions;
use vigie_index::Code;
use vigie_model::bank::{BankKind, FloodCounter, MAX_TEXT_BYTES, MIN_PDQ_QUALITY, SignalType, UploadVerdict};
use vigie_model::event::{Word, kinds as k};
use vigie_model::location::{RawLocation, check_locations};
use vigie_model::org::{OrgKind, Role};
use vigie_model::signal::{SignalKind, Tier};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use super::{Hit, Query, Scope};
use crate::fold::{Contribution, fold};
use crate::{Actor, App, AppError, AppResult, Events, id_bytes};

/// What a platform knows about an upload.
#[derive(Clone, Debug, Default)]
pub struct UploadInput {
    /// Where the content is (or will be) published: needed to open a case.
    pub url: Option<String>,
    pub content_id: Option<String>,
    /// The uploader's account id on the platform.
    pub uploader: Option<String>,
    /// The media itself; hashed here.
    pub media: Option<Vec<u8>>,
    /// Or its hashes, computed by the platform.
    pub pdq: Option<String>,
    pub pdq_quality: Option<i64>,
    /// And python-threatexchange's, when the platform has it too (`vigie hash` gives it).
    pub pdq_pytx: Option<String>,
    pub pdq_pytx_quality: Option<i64>,
    pub md5: Option<String>,
    pub sha256: Option<String>,
    /// Also look up the media's seven rotations and flips (with `media`).
    pub dihedral: bool,
    /// Or the other variants of `pdq`, as `vigie hash --dihedral` gives them (up to seven).
    pub pdq_variants: Vec<String>,
    /// A video's vPDQ signal (python-threatexchange's string, as `vigie hash` gives its items).
    pub vpdq: Option<String>,
    /// Links the upload carries (a post's URLs), looked up in URL banks: by their canonical form
    /// and by python-threatexchange's `url_md5`.
    pub links: Vec<String>,
    /// The upload's text (a post, a caption), looked up in text banks: matches are for review.
    pub text: Option<String>,
    /// A video's TMK+PDQF, when its job computed it (never from the platform's request: a `.tmk`
    /// file is binary), looked up in two levels against `tmk` entries.
    pub tmk: Option<vigie_hash::tmk::TmkFeatures>,
}

/// One match, as the platform sees it.
#[derive(Clone, Debug)]
pub struct UploadMatch {
    pub hit: Hit,
    /// The flood limit tripped on this match: the entry is now quarantined.
    pub quarantined: bool,
}

/// The answer.
#[derive(Clone, Debug)]
pub struct UploadOutcome {
    pub verdict: UploadVerdict,
    pub matches: Vec<UploadMatch>,
    /// The PDQ hash looked up (computed here, or given) and its quality when known.
    pub pdq: Option<(String, Option<u8>)>,
    /// python-threatexchange's hash, when it differs (computed here, or given).
    pub pdq_pytx: Option<(String, Option<u8>)>,
    /// The PDQ hash (`pdq`) was not looked up: its quality is below 50.
    pub pdq_unreliable: bool,
    pub md5: Option<String>,
    pub sha256: Option<String>,
    /// The stay-down case opened or joined, if any.
    pub case: Option<CaseId>,
    /// Earlier cases on this platform that put matched content in a bank.
    pub linked_cases: Vec<CaseId>,
}

/// One match, as the transaction records it.
struct Recorded {
    entry: i64,
    bank: BankId,
    signal_type: SignalType,
    /// Which of the upload's hashes matched (`Hit::hash_name`).
    hash: &'static str,
    distance: u32,
    quarantined: bool,
    stay_down: bool,
    kind: BankKind,
    /// A video match's shares, whether it is a clip, and where the videos match.
    video: Option<serde_json::Value>,
}

/// What the upload said besides its hashes, kept on the case a match opens.
struct Found {
    content_id: Option<String>,
    uploader: Option<String>,
    /// The upload's text, cited with its passages that repeat banked texts.
    text: Option<String>,
}

/// The upload's text as a case cites it: the text, and the passages that repeat the banked
/// `raw_text` entries it matched (byte ranges, for the console to highlight); `None` without a
/// text match.
fn cited_text(
    tx: &dyn Tx,
    text: Option<&str>,
    matches: &[&Recorded],
) -> vigie_store::Result<Option<serde_json::Value>> {
    let Some(text) = text else { return Ok(None) };
    let texts: Vec<&&Recorded> = matches.iter().filter(|m| m.signal_type.is_text()).collect();
    if texts.is_empty() {
        return Ok(None);
    }
    let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
    for m in texts.iter().filter(|m| m.signal_type == SignalType::RawText) {
        if let Some(e) = tx.get_entry(m.entry)? {
            spans.extend(vigie_text::passages(text, &e.value));
        }
    }
    spans.sort_by_key(|r| (r.start, r.end));
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in spans {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Ok(Some(json!({
        "body": text,
        "passages": merged.iter().map(|r| [r.start, r.end]).collect::<Vec<_>>(),
    })))
}

/// Match counts per entry for flood control; in memory (a restart forgives the current hour).
#[derive(Default)]
pub struct FloodCounters(Mutex<HashMap<i64, FloodCounter>>);

impl FloodCounters {
    fn hit(&self, entry: i64, hour: i64, limit: u32) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 1_000_000 {
            map.retain(|_, c| c.window == hour);
        }
        map.entry(entry).or_default().hit(hour, limit)
    }
}

/// The most links one upload check looks up.
pub const MAX_LINKS: usize = 50;

/// What a case cites of a video match: both shares, whether the banked video is a clip inside
/// the upload, and the segments (seconds in the upload and in the banked video).
pub(crate) fn video_facts(v: &super::matcher::VideoHit) -> serde_json::Value {
    json!({
        "query_match_percent": v.comparison.query_match_percent,
        "compared_match_percent": v.comparison.compared_match_percent,
        "clip": v.is_clip,
        "segments": v.segments.iter().map(|s| json!({
            "upload": [s.query.0, s.query.1], "banked": [s.banked.0, s.banked.1],
        })).collect::<Vec<_>>(),
    })
}

/// Checks where an upload is and who uploaded it; the targets a stay-down case would open on.
fn upload_targets(
    c: &mut Checker,
    url: Option<&str>,
    content_id: Option<&str>,
    uploader: Option<&str>,
) -> Vec<vigie_model::location::Target> {
    c.optional_text(content_id, "content_id", 500);
    c.optional_text(uploader, "uploader", 500);
    match url {
        Some(url) => {
            let loc = RawLocation {
                kind: Some("content".into()),
                url: Some(url.to_owned()),
                content_id: content_id.map(str::to_owned),
                ..Default::default()
            };
            check_locations(std::slice::from_ref(&loc), c)
        }
        None => Vec::new(),
    }
}

/// The same checks, alone: a video job refuses bad fields before it is queued.
pub(crate) fn check_upload_fields(
    url: Option<&str>,
    content_id: Option<&str>,
    uploader: Option<&str>,
) -> AppResult<()> {
    let mut c = Checker::new();
    upload_targets(&mut c, url, content_id, uploader);
    Ok(c.finish()?)
}

fn hex_array<const N: usize>(c: &mut Checker, field: &str, t: SignalType, raw: Option<&str>) -> Option<[u8; N]> {
    let v = match t.normalise(raw?) {
        Ok(v) => v,
        Err(msg) => {
            c.push(field, "invalid_hash", msg);
            return None;
        }
    };
    let mut out = [0u8; N];
    hex::decode_to_slice(&v, &mut out).ok()?;
    Some(out)
}

impl App {
    /// Checks an upload against the banks the platform may use. Platforms only.
    pub async fn check_upload(&self, p: &Principal, input: UploadInput) -> AppResult<UploadOutcome> {
        if p.org_kind != OrgKind::Platform || !p.roles.iter().any(|r| matches!(r, Role::Integrator | Role::Moderator)) {
            return Err(AppError::Forbidden("only a platform's integrator or moderator checks uploads"));
        }
        let mut c = Checker::new();
        let targets =
            upload_targets(&mut c, input.url.as_deref(), input.content_id.as_deref(), input.uploader.as_deref());
        let mut quality = |field: &str, q: Option<i64>| match q {
            None => None,
            Some(q) if (0..=100).contains(&q) => Some(q as u8),
            Some(_) => {
                c.push(field, "out_of_range", "a PDQ quality from 0 to 100");
                None
            }
        };
        let (pdq_quality, pytx_quality) =
            (quality("pdq_quality", input.pdq_quality), quality("pdq_pytx_quality", input.pdq_pytx_quality));
        let mut pdq = hex_array::<32>(&mut c, "pdq", SignalType::Pdq, input.pdq.as_deref()).map(|b| (b, pdq_quality));
        let mut pdq_pytx =
            hex_array::<32>(&mut c, "pdq_pytx", SignalType::Pdq, input.pdq_pytx.as_deref()).map(|b| (b, pytx_quality));
        c.check(input.pdq_pytx.is_none() || input.pdq.is_some(), "pdq_pytx", "needs_pdq", "give pdq with pdq_pytx");
        let mut md5 = hex_array::<16>(&mut c, "md5", SignalType::Md5, input.md5.as_deref());
        let mut sha256 = hex_array::<32>(&mut c, "sha256", SignalType::Sha256, input.sha256.as_deref());
        c.check(input.pdq_variants.len() <= 7, "pdq_variants", "too_many", "at most the seven other variants");
        c.check(
            input.pdq_variants.is_empty() || pdq.is_some(),
            "pdq_variants",
            "needs_pdq",
            "give pdq with its variants",
        );
        let mut variants: Vec<Code> = input
            .pdq_variants
            .iter()
            .take(7)
            .enumerate()
            .filter_map(|(i, v)| hex_array::<32>(&mut c, &format!("pdq_variants[{i}]"), SignalType::Pdq, Some(v)))
            .map(|b| vigie_index::code_from_bytes(&b))
            .collect();
        let vpdq = match input.vpdq.as_deref().map(|v| SignalType::Vpdq.normalise(v)) {
            None => Vec::new(),
            Some(Ok(v)) => super::video::features_of_value(&v).unwrap_or_default(),
            Some(Err(msg)) => {
                c.push("vpdq", "invalid_hash", msg);
                Vec::new()
            }
        };
        c.check(
            vpdq.is_empty() || input.media.is_none(),
            "vpdq",
            "media_or_hashes",
            "send a video's vPDQ without media",
        );
        c.check(input.links.len() <= MAX_LINKS, "links", "too_many", "at most 50 links");
        let mut links = Vec::new();
        for (i, raw) in input.links.iter().take(MAX_LINKS).enumerate() {
            match super::matcher::link_keys(raw) {
                Ok(keys) => links.push(keys),
                Err(e) => c.push(format!("links[{i}]"), e.code(), format!("the link {e}")),
            }
        }
        if let Some(t) = &input.text {
            c.check(
                !t.trim().is_empty() && t.len() <= MAX_TEXT_BYTES,
                "text",
                "invalid_text",
                "a text of 1 to 100000 bytes",
            );
        }
        let no_hash = pdq.is_none()
            && md5.is_none()
            && sha256.is_none()
            && input.vpdq.is_none()
            && input.links.is_empty()
            && input.text.is_none()
            && input.tmk.is_none();
        c.check(input.media.is_some() || !no_hash, "media", "required", "send the media or at least one of its hashes");
        c.finish()?;

        if let Some(bytes) = input.media {
            let options = HashOptions { limits: self.config().hash_limits, dihedral: input.dihedral };
            let h = self
                .decode_within_budget(&p.org, bytes, move |bytes| vigie_hash::hash_image(&bytes, &options))
                .await?
                .map_err(crate::media::decode_error)?;
            pdq = Some((*h.pdq.hash.as_bytes(), Some(h.pdq.quality)));
            pdq_pytx = h.pdq_pytx.map(|p| (*p.hash.as_bytes(), Some(p.quality)));
            variants = h
                .dihedral
                .map(|d| d[1..].iter().map(|x| vigie_index::code_from_bytes(x.as_bytes())).collect())
                .unwrap_or_default();
            md5 = hex::decode(&h.md5).ok().and_then(|v| v.try_into().ok());
            sha256 = hex::decode(&h.sha256).ok().and_then(|v| v.try_into().ok());
        }
        let unreliable =
            |h: Option<([u8; 32], Option<u8>)>| h.is_some_and(|(_, q)| q.is_some_and(|q| q < MIN_PDQ_QUALITY));
        let pdq_unreliable = unreliable(pdq);
        let mut query = Query {
            pdq: Vec::new(),
            pdq_pytx: None,
            md5,
            sha256,
            vpdq,
            urls: links.iter().map(|(k, _)| *k).collect(),
            url_md5s: links.iter().map(|(_, m)| *m).collect(),
            text: input.text.clone(),
            text_tlsh: None,
        };
        if let Some((bytes, _)) = pdq.filter(|_| !pdq_unreliable) {
            query.pdq.push(vigie_index::code_from_bytes(&bytes));
            query.pdq.extend(variants);
        }
        if let Some((bytes, _)) = pdq_pytx.filter(|_| !unreliable(pdq_pytx)) {
            query.pdq_pytx = Some(vigie_index::code_from_bytes(&bytes));
        }

        let now = self.now();
        // Banks sampled at a ratio below 1 take part in that share of checks.
        let coin = f64::from(u32::from_le_bytes(crate::random16()[..4].try_into().expect("4 bytes"))) / 4_294_967_296.0;
        let scope = Scope { org: &p.org, only: None, coin: Some(coin), include_disabled: false };
        let mut hits = self.matcher().lookup(&query, &scope, now);
        if let Some(tmk) = &input.tmk {
            hits.extend(self.tmk_hits(tmk, &scope).await?);
        }
        let hour = now.as_micros().div_euclid(3_600_000_000);
        let matches: Vec<UploadMatch> = hits
            .into_iter()
            .map(|hit| {
                let quarantined = hit.bank.spec.kind == BankKind::Block
                    && self.inner.floods.hit(hit.entry, hour, hit.bank.spec.flood_limit);
                UploadMatch { hit, quarantined }
            })
            .collect();
        // A clip (a banked video inside a longer upload) and a text count for review only.
        let counted = |kind, review: bool| {
            matches.iter().any(|m| !m.quarantined && m.hit.bank.spec.kind == kind && m.hit.is_for_review() == review)
        };
        let verdict = UploadVerdict::of(
            counted(BankKind::Block, false),
            counted(BankKind::Block, true),
            counted(BankKind::Allow, false) || counted(BankKind::Allow, true),
        );
        let mut outcome = UploadOutcome {
            verdict,
            matches,
            pdq: pdq.map(|(b, q)| (hex::encode(b), q)),
            pdq_pytx: pdq_pytx.map(|(b, q)| (hex::encode(b), q)),
            pdq_unreliable,
            md5: md5.map(hex::encode),
            sha256: sha256.map(hex::encode),
            case: None,
            linked_cases: Vec::new(),
        };
        if outcome.matches.is_empty() {
            return Ok(outcome);
        }
        let found = Found { content_id: input.content_id, uploader: input.uploader, text: input.text };
        self.record_upload_matches(p, &mut outcome, targets, found).await?;
        Ok(outcome)
    }

    /// Writes the matches' events, the quarantines and the stay-down case in one transaction.
    async fn record_upload_matches(
        &self,
        p: &Principal,
        outcome: &mut UploadOutcome,
        targets: Vec<vigie_model::location::Target>,
        found: Found,
    ) -> AppResult<()> {
        let Found { content_id, uploader, text } = found;
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        let verdict = outcome.verdict;
        let matches: Vec<Recorded> = outcome
            .matches
            .iter()
            .map(|m| Recorded {
                entry: m.hit.entry,
                bank: m.hit.bank.id.clone(),
                signal_type: m.hit.signal_type,
                hash: m.hit.hash_name(),
                distance: m.hit.distance,
                quarantined: m.quarantined,
                stay_down: m.hit.bank.spec.stay_down,
                kind: m.hit.bank.spec.kind,
                video: m.hit.video.as_ref().map(video_facts),
            })
            .collect();
        let content_sha = content_id.as_deref().map(|c| hex::encode(Sha256::digest(c.as_bytes())));
        let app = self.clone();
        let (case, linked, quarantined) = self
            .store()
            .write_applied(
                move |tx| {
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    // Quarantines first, so the case below is about matches that counted.
                    let mut quarantined = Vec::new();
                    for m in matches.iter().filter(|m| m.quarantined) {
                        let bank = &m.bank;
                        if let Some(mut e) = tx.get_entry(m.entry)?.filter(|e| e.quarantined_at.is_none()) {
                            e.quarantined_at = Some(now);
                            let facts = k::BankEntryQuarantined {
                                entry: e.id,
                                reason: Word::from("flood"),
                                platform: principal.org.clone(),
                            };
                            e.changed_seq = ev.emit(tx, bank.as_str(), facts)?;
                            tx.update_entry(&e)?;
                            quarantined.push(e);
                        }
                    }
                    let stay_down: Vec<_> =
                        matches.iter().filter(|m| !m.quarantined && m.stay_down && m.kind == BankKind::Block).collect();
                    let mut case = None;
                    let mut linked = Vec::new();
                    if verdict.opens_case() && !stay_down.is_empty() && !targets.is_empty() {
                        let mut tier = Tier::BankMatch;
                        for m in &stay_down {
                            let earlier = tx.get_entry(m.entry)?.and_then(|e| e.case);
                            if let Some(earlier) = earlier.and_then(|id| tx.get_case(&id).ok().flatten())
                                && earlier.platform.as_ref() == Some(&principal.org)
                                && !linked.contains(&earlier.id)
                            {
                                tier = tier.max(earlier.tier);
                                linked.push(earlier.id);
                            }
                        }
                        let signal = SignalRecord {
                            id: SignalId::from_random(id_bytes(now)),
                            kind: SignalKind::BankMatch,
                            tier,
                            submitter_org: Some(principal.org.clone()),
                            submitter_user: Some(principal.user.clone()),
                            threat_to_life: false,
                            received_at: now,
                            tracking_hash: None,
                            explanation_ref: None,
                            notifier_name_ref: None,
                            notifier_email_ref: None,
                            good_faith: None,
                            details: json!({
                                "source": "own_initiative",
                                "automated_detection": true,
                                "matches": stay_down.iter().map(|m| {
                                    let mut j = json!({
                                        "bank": m.bank.as_str(), "entry": m.entry, "signal_type": m.signal_type.as_str(),
                                        "hash": m.hash, "distance": m.distance,
                                    });
                                    if let Some(v) = &m.video {
                                        j["video"] = v.clone();
                                    }
                                    j
                                }).collect::<Vec<_>>(),
                                "linked_cases": linked.iter().map(CaseId::as_str).collect::<Vec<_>>(),
                                "content_id": content_id,
                                "uploader": uploader,
                                "text": cited_text(&*tx, text.as_deref(), &stay_down)?,
                            })
                            .to_string(),
                            locations: json!([{ "kind": "content", "url": targets[0].url().map(|u| u.as_str()),
                                                "content_id": content_id }])
                            .to_string(),
                        };
                        tx.insert_signal(&signal)?;
                        ev.emit(tx, signal.id.as_str(), k::SignalReceived::new("bank_match", tier.as_str(), false, 1))?;
                        let contribution =
                            Contribution { signal: &signal, source: Some(&principal.org), due_at: None, labels: &[] };
                        let mut seen = std::collections::HashSet::new();
                        let id = fold(tx, &ev, &contribution, 0, &targets[0], Some(&principal.org), &mut seen)?;
                        case = Some(id);
                    }
                    for m in &matches {
                        let bank = &m.bank;
                        let facts = k::UploadMatched {
                            bank: bank.clone(),
                            entry: m.entry,
                            signal_type: Word::new(m.signal_type.as_str()),
                            hash: Word::from(m.hash),
                            distance: m.distance,
                            bank_kind: Word::new(m.kind.as_str()),
                            stay_down: m.stay_down,
                            quarantined: m.quarantined,
                            verdict: Word::new(verdict.as_str()),
                            platform: principal.org.clone(),
                            case: case.clone(),
                            content_id_sha256: content_sha.as_deref().map(Word::from),
                        };
                        let subject = case.as_ref().map_or(bank.as_str(), CaseId::as_str);
                        ev.emit(tx, subject, facts)?;
                    }
                    Ok::<_, AppError>((case, linked, quarantined))
                },
                move |(_, _, quarantined): &(Option<CaseId>, Vec<CaseId>, Vec<BankEntryRecord>)| {
                    if let Some(first) = quarantined.first() {
                        app.matcher().apply_entries(quarantined, first.quarantined_at.unwrap_or(first.added_at));
                    }
                },
            )
            .await?;
        if case.is_some() {
            self.wake_delivery();
        }
        outcome.case = case;
        outcome.linked_cases = linked;
        drop(quarantined);
        Ok(())
    }
}
