//! TMK+PDQF in banks: `.tmk` files added one per request (binary, never in JSON), given back,
//! and looked up in two levels.
//!
//! A `tmk` entry's value is the SHA-256 of its file; the file is in the store (`tmk_files`),
//! content-addressed, with its level-1 vector apart. The matcher holds the level-1 vectors only;
//! a lookup scans them ([`super::Matcher::tmk_candidates`]), then reads the full features of the
//! survivors from the store, one file per distinct SHA-256, and scores level 2 under each
//! entry's own bank's threshold.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use vigie_hash::tmk::{self as hash_tmk, TmkFeatures, TmkFileError};
use vigie_model::bank::{Access, SignalType};
use vigie_model::validation::{Checker, Invalid};
use vigie_model::*;
use vigie_store::*;

use super::{Added, Hit, NewEntry, Scope, check_entry_meta, need, parse_bank_id, require_bank_role, visible_bank};
use crate::{App, AppError, AppResult};

/// The only size of `.tmk` file a bank holds: the reference's standard parameters.
pub const TMK_FILE_BYTES: usize = hash_tmk::FILE_BYTES;

/// A file refused, as the API answers it: a 422 naming the rule it broke with the stable code of
/// [`TmkFileError::code`] (`tmk_not_a_tmk_file`, `tmk_wrong_length`, `tmk_not_finite`...).
pub fn file_error(e: TmkFileError) -> AppError {
    AppError::Invalid(Invalid::one("file", e.code(), e.to_string()))
}

/// Reads a `.tmk` file of the reference's standard parameters, strictly.
pub fn read_file(bytes: &[u8]) -> AppResult<TmkFeatures> {
    TmkFeatures::from_standard_bytes(bytes).map_err(file_error)
}

/// Little-endian `f32`s, as the store keeps a level-1 vector.
pub(crate) fn floats(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn float_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A `.tmk` file ready to store: its SHA-256 and level-1 vector computed.
pub fn file_record(bytes: &[u8], features: &TmkFeatures, now: Timestamp) -> TmkFileRecord {
    TmkFileRecord {
        sha256: hex::encode(Sha256::digest(bytes)),
        bytes: bytes.to_vec(),
        level1: float_bytes(features.pure_average()),
        frames: i64::from(features.frame_count()),
        stored_at: now,
    }
}

impl App {
    /// Adds one `.tmk` file to a bank as a `tmk` entry (`meta`'s note, content ids, case and
    /// provenance; its type and value are the file's): 201 with the entry, or the existing
    /// entry when the bank holds this file already.
    pub async fn add_tmk(
        &self,
        p: &Principal,
        bank: &str,
        bytes: &[u8],
        meta: NewEntry,
        source: &str,
    ) -> AppResult<Added> {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let mut c = Checker::new();
        check_entry_meta(&meta, &mut c, "");
        c.finish()?;
        let features = read_file(bytes)?;
        let file = file_record(bytes, &features, self.now());
        let value = file.sha256.clone();
        self.insert_checked_entry(p, bank, (SignalType::Tmk, value, None), meta, source, Some(file)).await
    }

    /// A `tmk` entry's file, for its bank's curators (a match-only subscriber never gets the
    /// hashes themselves, as with every other export).
    pub async fn tmk_file(&self, p: &Principal, bank: &str, entry: i64) -> AppResult<(BankEntryRecord, Vec<u8>)> {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let principal = p.clone();
        self.read_app(move |r| {
            let (bank, access) = visible_bank(r, &principal, &bank)?;
            need(access, Access::Curate, "only the bank's owner and co-curators read its files")?;
            let e = r
                .get_entry(entry)?
                .filter(|e| e.bank == bank.id && e.signal_type == SignalType::Tmk && e.removed_at.is_none())
                .ok_or(AppError::NotFound("entry"))?;
            let bytes = r.tmk_file(&e.value)?.ok_or(AppError::Internal("a live tmk entry has its file"))?;
            Ok((e, bytes))
        })
        .await
    }

    /// The live `tmk` entries of a bank with their files, for its curators: an export. `after`
    /// and `limit` page through them in id order.
    pub async fn tmk_files(
        &self,
        p: &Principal,
        bank: &str,
        after: i64,
        limit: u32,
    ) -> AppResult<Vec<(BankEntryRecord, Vec<u8>)>> {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let principal = p.clone();
        self.read_app(move |r| {
            let (bank, access) = visible_bank(r, &principal, &bank)?;
            need(access, Access::Curate, "only the bank's owner and co-curators export it")?;
            let mut out = Vec::new();
            let mut after = after;
            while out.len() < limit as usize {
                let page = r.bank_entries(&bank.id, after, super::MAX_PAGE)?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for e in page.into_iter().filter(|e| e.signal_type == SignalType::Tmk) {
                    if out.len() == limit as usize {
                        break;
                    }
                    let bytes = r.tmk_file(&e.value)?.ok_or(AppError::Internal("a live tmk entry has its file"))?;
                    out.push((e, bytes));
                }
            }
            Ok(out)
        })
        .await
    }

    /// The banked TMK videos that match `query` in the banks `p`'s organisation may use (or
    /// only those of `only`): level 1 over every banked video's vector in memory, then level 2
    /// with the full features of the survivors read from the store; each under its own bank's
    /// thresholds. Sorted by level 2, best first, then entry.
    pub async fn lookup_tmk(
        &self,
        p: &Principal,
        query: &TmkFeatures,
        only: Option<&[BankId]>,
        raw: bool,
    ) -> AppResult<Vec<Hit>> {
        require_bank_role(p)?;
        let scope = Scope { org: &p.org, only, coin: None, include_disabled: raw };
        self.tmk_hits(query, &scope).await
    }

    /// The TMK lookup in `scope` (the caller checked who may do it).
    pub(crate) async fn tmk_hits(&self, query: &TmkFeatures, scope: &Scope<'_>) -> AppResult<Vec<Hit>> {
        let candidates = self
            .matcher()
            .tmk_candidates(query, scope, self.now())
            .map_err(|e| AppError::Invalid(Invalid::one("file", "tmk_not_standard", e.to_string())))?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        // One read per distinct file, a page at a time, so a popular query never holds many
        // files' features at once.
        let mut by_file: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in candidates.iter().enumerate() {
            by_file.entry(c.sha256.clone()).or_default().push(i);
        }
        let mut level2: Vec<Option<f32>> = vec![None; candidates.len()];
        let files: Vec<String> = by_file.keys().cloned().collect();
        for chunk in files.chunks(16) {
            let wanted = chunk.to_vec();
            let read = self
                .store()
                .read(move |r| wanted.into_iter().map(|f| Ok((r.tmk_file(&f)?, f))).collect::<Result<Vec<_>>>())
                .await?;
            for (bytes, sha256) in read {
                // A file deleted since the level-1 scan (its last entry removed): no match.
                let Some(bytes) = bytes else { continue };
                let banked = TmkFeatures::from_bytes(&bytes)
                    .map_err(|_| AppError::Internal("a stored .tmk file no longer reads"))?;
                let score = hash_tmk::level2(query, &banked)
                    .map_err(|_| AppError::Internal("a stored .tmk file is not standard"))?;
                for &i in &by_file[&sha256] {
                    level2[i] = Some(score);
                }
            }
        }
        let mut hits: Vec<Hit> = candidates
            .into_iter()
            .zip(level2)
            .filter_map(|(c, l2)| {
                let l2 = l2.filter(|s| *s >= c.level2_threshold)?;
                let scores = c.hit.tmk.map(|t| super::TmkScores { level2: l2, ..t });
                Some(Hit { tmk: scores, ..c.hit })
            })
            .collect();
        hits.sort_by(|a, b| {
            let (la, lb) = (a.tmk.map_or(0.0, |t| t.level2), b.tmk.map_or(0.0, |t| t.level2));
            lb.total_cmp(&la).then(a.entry.cmp(&b.entry))
        });
        Ok(hits)
    }

    /// Loads every banked TMK video's level-1 vector into the matcher (at start).
    pub(crate) async fn load_tmk(&self) -> AppResult<usize> {
        let now = self.now();
        let mut after = 0;
        let mut total = 0;
        loop {
            let page = self.store().read(move |r| r.tmk_entries_after(after, 10_000)).await?;
            let Some(last) = page.last() else { break };
            after = last.0.id;
            total += page.len();
            let page: Vec<(BankEntryRecord, Vec<f32>)> = page.into_iter().map(|(e, v)| (e, floats(&v))).collect();
            self.matcher().apply_tmk(&page, now);
        }
        Ok(total)
    }
}
