//! Hash banks: who owns and curates them, who may match against them, their entries, feedback,
//! import and export, and lookups.
//!
//! Visibility is the first rule: an organisation sees a bank only if it owns it or the owner
//! shared it with it; for anyone else the bank does not exist (404, never 403). A match-only
//! subscriber sees which entry matched and may give feedback on it, never the entry's content
//! ids, notes or provenance.
//!
//! Every change is written with its event in one transaction, then applied to the in-memory
//! [`matcher::Matcher`] in commit order before the caller hears back.

pub mod hma;
pub mod matcher;
mod snapshot;
pub mod tmk;
pub mod uploads;
pub mod video;

use serde_json::json;
use vigie_model::Conflict;
use vigie_model::bank::formats::{self, FileSignal, Format};
use vigie_model::bank::{Access, MIN_PDQ_QUALITY, RawBank, ShareMode, SignalType, Verdict};
use vigie_model::event::{Word, kinds as k};
use vigie_model::org::{OrgKind, Role};
use vigie_model::validation::Checker;
use vigie_model::*;
use vigie_store::*;

use crate::{Actor, App, AppError, AppResult, Events, id_bytes, keep_personal};
pub use matcher::{Hit, Matcher, MatcherStatus, Query, Scope, TmkScores};

/// Most entries added by one import.
pub const MAX_IMPORT_ENTRIES: usize = 1_000_000;
/// Entries per page when listing.
pub const MAX_PAGE: u32 = 1000;

/// A bank as its reader may see it.
#[derive(Clone, Debug)]
pub struct BankView {
    pub bank: BankRecord,
    pub access: Access,
    pub entries: i64,
    /// The organisations it is shared with: for its owner only.
    pub shares: Option<Vec<BankShareRecord>>,
}

/// An entry to add, as submitted.
#[derive(Clone, Debug, Default)]
pub struct NewEntry {
    pub signal_type: Option<String>,
    pub value: Option<String>,
    /// PDQ quality, when the caller hashed the media itself.
    pub quality: Option<i64>,
    pub note: Option<String>,
    pub content_id: Option<String>,
    pub content_uri: Option<String>,
    /// The case that decided this content, for stay-down links.
    pub case: Option<String>,
    /// Free-form origin details (e.g. a hash list's own record id).
    pub provenance: Option<serde_json::Value>,
}

/// What adding one entry did.
#[derive(Clone, Debug)]
pub struct Added {
    pub entry: BankEntryRecord,
    /// The bank already held this value; nothing was added.
    pub duplicate: bool,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub added: usize,
    /// Values the bank already held, or that the file repeated.
    pub duplicates: usize,
    /// Lines of signal types Vigie does not hold, skipped on request.
    pub skipped_unknown: usize,
    pub first_entry: Option<i64>,
    pub last_entry: Option<i64>,
}

/// A change to an entry; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct EntryChange {
    /// `Some(None)`: enable; `Some(Some(t))`: disable until `t` (far future: until enabled).
    pub disabled_until: Option<Option<Timestamp>>,
    pub note: Option<Option<String>>,
    /// Lift a flood quarantine after looking at the entry.
    pub release_quarantine: bool,
}

/// An entry as its reader may see it: whole for curators, the bare facts for subscribers.
#[derive(Clone, Debug)]
pub struct EntryView {
    pub entry: BankEntryRecord,
    pub access: Access,
    pub feedback: Vec<FeedbackRecord>,
}

/// Roles that work with banks (everyone but read-only viewers).
fn works_with_banks(p: &Principal) -> bool {
    p.roles.iter().any(|r| matches!(r, Role::Admin | Role::Reporter | Role::Moderator | Role::Integrator))
}

pub(crate) fn require_bank_role(p: &Principal) -> AppResult<()> {
    if works_with_banks(p) && p.org_kind != OrgKind::Overseer {
        Ok(())
    } else {
        Err(AppError::Forbidden("working with hash banks needs an admin, reporter, moderator or integrator role"))
    }
}

pub(crate) fn parse_bank_id(raw: &str) -> AppResult<BankId> {
    BankId::parse(raw).ok_or(AppError::NotFound("bank"))
}

/// The bank, if `p`'s organisation may see it, with what it may do.
fn visible_bank(r: &dyn Reads, p: &Principal, id: &BankId) -> AppResult<(BankRecord, Access)> {
    let bank = r.get_bank(id)?.ok_or(AppError::NotFound("bank"))?;
    if bank.owner == p.org {
        return Ok((bank, Access::Own));
    }
    let share = r.bank_shares(id)?.into_iter().find(|s| s.org == p.org).ok_or(AppError::NotFound("bank"))?;
    Ok((bank, Access::from_share(share.mode)))
}

fn need(access: Access, at_least: Access, what: &'static str) -> AppResult<()> {
    if access >= at_least { Ok(()) } else { Err(AppError::Forbidden(what)) }
}

/// Checks an entry's free fields (note, content ids, provenance).
pub(crate) fn check_entry_meta(e: &NewEntry, c: &mut Checker, field: &str) {
    c.optional_text(e.note.as_deref(), &format!("{field}note"), 2000);
    c.optional_text(e.content_id.as_deref(), &format!("{field}content_id"), 500);
    c.spreadsheet_safe(e.note.as_deref(), &format!("{field}note"));
    c.spreadsheet_safe(e.content_id.as_deref(), &format!("{field}content_id"));
    // The CSV export writes these three from the provenance.
    if let Some(prov) = &e.provenance {
        for key in ["collab", "category"] {
            c.spreadsheet_safe(prov[key].as_str(), &format!("{field}provenance.{key}"));
        }
        for (i, tag) in prov["tags"].as_array().into_iter().flatten().enumerate() {
            c.spreadsheet_safe(tag.as_str(), &format!("{field}provenance.tags[{i}]"));
        }
    }
    c.optional_text(e.content_uri.as_deref(), &format!("{field}content_uri"), 2000);
}

/// Checks one entry's fields; returns the canonical type and value and the quality.
fn check_entry(e: &NewEntry, c: &mut Checker, field: &str) -> Option<(SignalType, String, Option<u8>)> {
    let signal_type = match e.signal_type.as_deref().map(SignalType::parse) {
        Some(Some(t)) => Some(t),
        Some(None) => {
            c.push(
                format!("{field}signal_type"),
                "unknown_signal_type",
                "pdq, md5 (video_md5) or sha256 (video_sha256)",
            );
            None
        }
        None => {
            c.push(format!("{field}signal_type"), "required", "is required");
            None
        }
    };
    let quality = match e.quality {
        None => None,
        Some(q) if (0..=100).contains(&q) => Some(q as u8),
        Some(_) => {
            c.push(format!("{field}quality"), "out_of_range", "a PDQ quality from 0 to 100");
            None
        }
    };
    check_entry_meta(e, c, field);
    let t = signal_type?;
    if t.is_file() {
        c.push(
            format!("{field}signal_type"),
            "file_signal_type",
            "a tmk entry is a binary .tmk file: POST it as application/octet-stream to /api/v1/banks/{id}/tmk",
        );
        return None;
    }
    if t == SignalType::Pdq && quality.is_some_and(|q| q < MIN_PDQ_QUALITY) {
        c.push(
            format!("{field}quality"),
            "low_quality",
            format!("a PDQ hash of quality below {MIN_PDQ_QUALITY} is unreliable and would never match"),
        );
        return None;
    }
    match t.normalise(e.value.as_deref().unwrap_or_default()) {
        Ok(v) => Some((t, v, quality)),
        Err(msg) => {
            c.push(format!("{field}value"), "invalid_hash", msg);
            None
        }
    }
}

impl App {
    /// The matcher every lookup uses.
    pub fn matcher(&self) -> &Matcher {
        &self.inner.matcher
    }

    /// Fills the matcher: from the index snapshot when there is a usable one, then the entries
    /// the store changed after it; otherwise from the store alone. Called once, before serving.
    /// Returns how many entries came from the store.
    pub async fn load_banks(&self) -> AppResult<usize> {
        let (banks, shares) = self.store().read(|r| Ok((r.all_banks()?, r.all_shares()?))).await?;
        let now = self.now();
        let with_shares: Vec<_> = banks
            .into_iter()
            .map(|b| {
                let mine: Vec<_> = shares.iter().filter(|s| s.bank == b.id).cloned().collect();
                (b, mine)
            })
            .collect();
        if let Some(path) = self.config().index_snapshot.clone() {
            let read = tokio::task::spawn_blocking(move || path.exists().then(|| snapshot::read(&path)))
                .await
                .map_err(|_| AppError::Internal("reading the index snapshot panicked"))?;
            match read {
                Some(Ok(image)) => {
                    let seq = image.seq;
                    self.matcher().restore(image, &with_shares, now);
                    let mut after = 0;
                    loop {
                        let page = self.store().read(move |r| r.entries_outside_snapshot(after, 10_000)).await?;
                        let Some(last) = page.last() else { break };
                        after = last.id;
                        self.matcher().load_entries(&page, now);
                    }
                    let mut changed = self.store().read(move |r| r.entries_changed_since(seq)).await?;
                    changed.sort_by_key(|e| e.id);
                    self.matcher().load_entries(&changed, now);
                    self.load_tmk().await?;
                    if self.matcher().applied().1 == 0 {
                        tracing::info!(seq, caught_up = changed.len(), "index loaded from its snapshot");
                        return Ok(changed.len());
                    }
                    tracing::warn!("the index snapshot disagrees with the store; rebuilding from the store");
                }
                Some(Err(e)) => tracing::warn!(error = %e, "the index snapshot is unusable; rebuilding from the store"),
                None => {}
            }
        }
        let expected = self.store().read(|r| r.count_all_entries()).await?;
        self.matcher().reset(usize::try_from(expected).unwrap_or(0));
        for (b, shares) in &with_shares {
            self.matcher().put_bank(b, shares, now);
        }
        let mut after = 0;
        let mut total = 0;
        loop {
            let page = self.store().read(move |r| r.entries_after(after, 50_000)).await?;
            let Some(last) = page.last() else { break };
            after = last.id;
            total += page.len();
            self.matcher().load_entries(&page, now);
        }
        self.load_tmk().await?;
        Ok(total)
    }

    /// Writes the index snapshot (when the operator configured a path). Safe at any time: the
    /// snapshot records how far it goes, and the next start catches up from there.
    pub async fn save_index_snapshot(&self) -> AppResult<()> {
        let Some(path) = self.config().index_snapshot.clone() else { return Ok(()) };
        let image = self.matcher().image();
        tokio::task::spawn_blocking(move || snapshot::write(&path, &image))
            .await
            .map_err(|_| AppError::Internal("writing the index snapshot panicked"))?
            .map_err(|e| AppError::Upstream(format!("could not write the index snapshot: {e}")))
    }

    pub async fn create_bank(&self, p: &Principal, raw: RawBank) -> AppResult<BankView> {
        require_bank_role(p)?;
        let spec = raw.check(None)?;
        let (actor, owner, user, clock) = (Actor::of(p), p.org.clone(), p.user.clone(), self.clock().clone());
        let matcher = self.clone();
        self.store()
            .write_applied(
                move |tx| {
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    if tx.find_bank(&owner, &spec.name)?.is_some() {
                        return Err(AppError::conflict(
                            Conflict::BankExists,
                            "the organisation already has a bank of that name",
                        ));
                    }
                    let bank = BankRecord {
                        id: BankId::from_random(id_bytes(now)),
                        owner,
                        spec,
                        created_at: now,
                        created_by: user,
                        updated_at: now,
                    };
                    tx.insert_bank(&bank)?;
                    let facts = bank_facts(tx, now, &bank)?;
                    ev.emit(tx, bank.id.as_str(), facts)?;
                    Ok(BankView { bank, access: Access::Own, entries: 0, shares: Some(Vec::new()) })
                },
                move |v: &BankView| matcher.matcher().put_bank(&v.bank, &[], v.bank.created_at),
            )
            .await
    }

    /// The banks `p`'s organisation owns or was shared, by name.
    pub async fn list_banks(&self, p: &Principal) -> AppResult<Vec<(BankRecord, Access)>> {
        let org = p.org.clone();
        Ok(self.store().read(move |r| r.banks_for(&org)).await?)
    }

    pub async fn get_bank(&self, p: &Principal, id: &str) -> AppResult<BankView> {
        let id = parse_bank_id(id)?;
        let principal = p.clone();
        self.store().read(move |r| Ok(bank_view(r, &principal, &id))).await?
    }

    /// A bank by name, as HMA's endpoints name them: the caller's own bank of that name, else the
    /// one shared bank of that name (several: a conflict, to be resolved by id).
    pub async fn find_bank_by_name(&self, p: &Principal, name: &str) -> AppResult<BankView> {
        let (principal, name) = (p.clone(), name.to_owned());
        self.store()
            .read(move |r| {
                let all = r.banks_for(&principal.org)?;
                let named: Vec<_> = all.into_iter().filter(|(b, _)| b.spec.name == name).collect();
                let pick = named.iter().find(|(_, a)| *a == Access::Own).or(if named.len() == 1 {
                    named.first()
                } else {
                    None
                });
                Ok(match (pick, named.len()) {
                    (Some((b, _)), _) => bank_view(r, &principal, &b.id),
                    (None, 0) => Err(AppError::NotFound("bank")),
                    (None, _) => Err(AppError::conflict(
                        Conflict::AmbiguousBankName,
                        "several banks shared with you have this name; use /api/v1/banks/{id}",
                    )),
                })
            })
            .await?
    }

    /// Changes a bank's settings. Owner only.
    pub async fn update_bank(&self, p: &Principal, id: &str, raw: RawBank) -> AppResult<BankView> {
        require_bank_role(p)?;
        let id = parse_bank_id(id)?;
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        let app = self.clone();
        self.store()
            .write_applied(
                move |tx| {
                    let (mut bank, access) = visible_bank(tx, &principal, &id)?;
                    need(access, Access::Own, "only the bank's owner changes its settings")?;
                    let spec = raw.check(Some(&bank.spec))?;
                    if spec.name != bank.spec.name && tx.find_bank(&bank.owner, &spec.name)?.is_some() {
                        return Err(AppError::conflict(
                            Conflict::BankExists,
                            "the organisation already has a bank of that name",
                        ));
                    }
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    bank.spec = spec;
                    bank.updated_at = now;
                    tx.update_bank(&bank)?;
                    let facts = k::BankUpdated::from(bank_facts(tx, now, &bank)?);
                    ev.emit(tx, bank.id.as_str(), facts)?;
                    bank_view(tx, &principal, &bank.id)
                },
                move |v: &BankView| {
                    app.matcher().put_bank(&v.bank, v.shares.as_deref().unwrap_or_default(), v.bank.updated_at)
                },
            )
            .await
    }

    /// Deletes a bank: it stops matching at once; its entries and events stay for the record.
    pub async fn delete_bank(&self, p: &Principal, id: &str) -> AppResult<()> {
        require_bank_role(p)?;
        let id = parse_bank_id(id)?;
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        let app = self.clone();
        self.store()
            .write_applied(
                move |tx| {
                    let (bank, access) = visible_bank(tx, &principal, &id)?;
                    need(access, Access::Own, "only the bank's owner deletes it")?;
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    tx.delete_bank(&bank.id, now)?;
                    let (_, name) =
                        keep_personal(tx, now, "bank.name", &bank.spec.name, Timestamp::from_micros(i64::MAX))?;
                    ev.emit(tx, bank.id.as_str(), k::BankDeleted { name: Some(name) })?;
                    Ok((bank.id, now))
                },
                move |(id, at): &(BankId, Timestamp)| app.matcher().delete_bank(id, *at),
            )
            .await
            .map(drop)
    }

    /// Shares a bank with another organisation (or changes how); `None` stops sharing. Owner only.
    pub async fn share_bank(&self, p: &Principal, id: &str, org: &str, mode: Option<ShareMode>) -> AppResult<BankView> {
        require_bank_role(p)?;
        let id = parse_bank_id(id)?;
        let org = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        let app = self.clone();
        self.store()
            .write_applied(
                move |tx| {
                    let (bank, access) = visible_bank(tx, &principal, &id)?;
                    need(access, Access::Own, "only the bank's owner shares it")?;
                    if tx.get_org(&org)?.is_none() {
                        return Err(AppError::NotFound("organisation"));
                    }
                    if org == bank.owner {
                        return Err(AppError::conflict(Conflict::OwnBank, "a bank is not shared with its owner"));
                    }
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    match mode {
                        Some(mode) => {
                            tx.put_share(&BankShareRecord {
                                bank: bank.id.clone(),
                                org: org.clone(),
                                mode,
                                granted_at: now,
                                granted_by: principal.user.clone(),
                            })?;
                            let facts = k::BankShared { org: org.clone(), mode: Word::new(mode.as_str()) };
                            ev.emit(tx, bank.id.as_str(), facts)?;
                        }
                        None => {
                            if tx.delete_share(&bank.id, &org)? {
                                ev.emit(tx, bank.id.as_str(), k::BankUnshared { org: org.clone() })?;
                            }
                        }
                    }
                    bank_view(tx, &principal, &bank.id)
                },
                move |v: &BankView| {
                    app.matcher().put_bank(&v.bank, v.shares.as_deref().unwrap_or_default(), v.bank.updated_at)
                },
            )
            .await
    }

    /// Adds one entry. A value the bank already holds is not added twice: the existing entry is
    /// returned with `duplicate`.
    pub async fn add_entry(&self, p: &Principal, bank: &str, e: NewEntry, source: &str) -> AppResult<Added> {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let mut c = Checker::new();
        let checked = check_entry(&e, &mut c, "");
        c.finish()?;
        let checked = checked.ok_or(AppError::Internal("a checked entry has a value"))?;
        self.insert_checked_entry(p, bank, checked, e, source, None).await
    }

    /// Adds a checked entry (with its `.tmk` file for a `tmk` entry), unless the bank holds its
    /// value already.
    async fn insert_checked_entry(
        &self,
        p: &Principal,
        bank: BankId,
        (signal_type, value, quality): (SignalType, String, Option<u8>),
        e: NewEntry,
        source: &str,
        file: Option<TmkFileRecord>,
    ) -> AppResult<Added> {
        let (principal, actor, clock, source) = (p.clone(), Actor::of(p), self.clock().clone(), source.to_owned());
        let level1 = file.as_ref().map(|f| tmk::floats(&f.level1));
        let app = self.clone();
        self.store()
            .write_applied(
                move |tx| {
                    let (bank, access) = visible_bank(tx, &principal, &bank)?;
                    need(access, Access::Curate, "only the bank's owner and co-curators add entries")?;
                    if let Some(existing) = tx.find_entry(&bank.id, signal_type, &value)? {
                        return Ok(Added { entry: existing, duplicate: true });
                    }
                    let case = match e.case.as_deref() {
                        None => None,
                        Some(raw) => {
                            let id = CaseId::parse(raw).ok_or(AppError::NotFound("case"))?;
                            let case = tx.get_case(&id)?.ok_or(AppError::NotFound("case"))?;
                            if case.platform.as_ref() != Some(&principal.org) && !crate::auth::is_admin(&principal) {
                                return Err(AppError::NotFound("case"));
                            }
                            Some(id)
                        }
                    };
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    let seq = ev.emit(
                        tx,
                        bank.id.as_str(),
                        k::BankEntriesAdded {
                            count: 1,
                            source: Word::new(source.as_str()),
                            signal_types: [(Word::new(signal_type.as_str()), 1)].into(),
                            case: case.clone(),
                        },
                    )?;
                    let mut entry = BankEntryRecord {
                        id: 0,
                        bank: bank.id.clone(),
                        signal_type,
                        value,
                        quality,
                        source,
                        provenance: e.provenance.map(|v| v.to_string()),
                        content_id: e.content_id,
                        content_uri: e.content_uri,
                        note: e.note,
                        added_at: now,
                        added_by: Some(principal.user.clone()),
                        disabled_until: None,
                        quarantined_at: None,
                        removed_at: None,
                        case,
                        changed_seq: seq,
                    };
                    match tx.insert_entry(&entry)? {
                        Some(id) => entry.id = id,
                        // Added by another request since the check above.
                        None => {
                            return Err(AppError::conflict(
                                Conflict::DuplicateEntry,
                                "the bank already holds this value",
                            ));
                        }
                    }
                    if let Some(f) = &file {
                        tx.put_tmk_file(f)?;
                    }
                    Ok(Added { entry, duplicate: false })
                },
                move |a: &Added| {
                    if a.duplicate {
                        return;
                    }
                    match level1 {
                        Some(v) => app.matcher().apply_tmk(&[(a.entry.clone(), v)], a.entry.added_at),
                        None => app.matcher().apply_entries(std::slice::from_ref(&a.entry), a.entry.added_at),
                    }
                },
            )
            .await
    }

    /// Imports a file in python-threatexchange's `local_file` or CSV format. All or nothing: a
    /// file with an error imports nothing and says which lines are wrong.
    pub async fn import_bank(
        &self,
        p: &Principal,
        bank: &str,
        format: Format,
        text: &str,
        skip_unknown: bool,
    ) -> AppResult<ImportReport> {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let parsed = match format {
            Format::LocalFile => formats::read_local_file(text, None, skip_unknown)?,
            Format::Csv => formats::read_csv(text, skip_unknown)?,
        };
        if parsed.signals.len() > MAX_IMPORT_ENTRIES {
            return Err(AppError::TooLarge(format!("at most {MAX_IMPORT_ENTRIES} entries per import")));
        }
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        let skipped_unknown = parsed.skipped_unknown;
        let app = self.clone();
        let (report, entries) = self
            .store()
            .write_applied(
                move |tx| {
                    let (bank, access) = visible_bank(tx, &principal, &bank)?;
                    need(access, Access::Curate, "only the bank's owner and co-curators import entries")?;
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    let mut report = ImportReport { skipped_unknown, ..Default::default() };
                    let source = format!("import:{}", format.as_str());
                    // The event is written first: its sequence number stamps the entries. Its
                    // counts are of the file; the duplicates are in the answer.
                    let mut types = std::collections::BTreeMap::new();
                    for t in SignalType::ALL {
                        let n = parsed.signals.iter().filter(|s| s.signal_type == t).count();
                        if n > 0 {
                            types.insert(Word::new(t.as_str()), n as u64);
                        }
                    }
                    let seq = ev.emit(
                        tx,
                        bank.id.as_str(),
                        k::BankEntriesAdded {
                            count: parsed.signals.len() as u64,
                            source: Word::new(source.as_str()),
                            signal_types: types,
                            case: None,
                        },
                    )?;
                    let mut entries = Vec::with_capacity(parsed.signals.len());
                    for s in parsed.signals {
                        let provenance = (s.collab.is_some() || s.category.is_some() || !s.tags.is_empty())
                            .then(|| json!({ "collab": s.collab, "category": s.category, "tags": s.tags }).to_string());
                        let mut entry = BankEntryRecord {
                            id: 0,
                            bank: bank.id.clone(),
                            signal_type: s.signal_type,
                            value: s.value,
                            quality: None,
                            source: source.clone(),
                            provenance,
                            content_id: None,
                            content_uri: None,
                            note: None,
                            added_at: now,
                            added_by: Some(principal.user.clone()),
                            disabled_until: None,
                            quarantined_at: None,
                            removed_at: None,
                            case: None,
                            changed_seq: seq,
                        };
                        match tx.insert_entry(&entry)? {
                            Some(id) => {
                                entry.id = id;
                                entries.push(entry);
                            }
                            None => report.duplicates += 1,
                        }
                    }
                    report.added = entries.len();
                    report.first_entry = entries.first().map(|e| e.id);
                    report.last_entry = entries.last().map(|e| e.id);
                    Ok::<_, AppError>((report, entries))
                },
                move |(_, entries): &(ImportReport, Vec<BankEntryRecord>)| {
                    if let Some(first) = entries.first() {
                        app.matcher().apply_entries(entries, first.added_at);
                    }
                },
            )
            .await?;
        drop(entries);
        Ok(report)
    }

    /// Exports a bank's live entries. Curators only: a match-only subscriber never gets the
    /// hashes wholesale.
    pub async fn export_bank(&self, p: &Principal, bank: &str, format: Format) -> AppResult<String> {
        let bank = parse_bank_id(bank)?;
        let principal = p.clone();
        let entries = self
            .store()
            .read(move |r| {
                let (bank, access) = match visible_bank(r, &principal, &bank) {
                    Ok(v) => v,
                    Err(e) => return Ok(Err(e)),
                };
                if let Err(e) = need(access, Access::Curate, "only the bank's owner and co-curators export it") {
                    return Ok(Err(e));
                }
                let mut all = Vec::new();
                let mut after = 0;
                loop {
                    let page = r.bank_entries(&bank.id, after, 10_000)?;
                    let Some(last) = page.last() else { break };
                    after = last.id;
                    all.extend(page);
                }
                Ok(Ok((bank, all)))
            })
            .await??;
        let (bank, mut entries) = entries;
        // `.tmk` files are binary: they leave on their own endpoint, never as a line of a list.
        entries.retain(|e| !e.signal_type.is_file());
        Ok(match format {
            Format::LocalFile => formats::write_local_file(entries.iter().map(|e| (e.signal_type, e.value.as_str()))),
            Format::Csv => {
                let rows: Vec<FileSignal> = entries
                    .iter()
                    .map(|e| {
                        let prov: serde_json::Value =
                            e.provenance.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_default();
                        FileSignal {
                            signal_type: e.signal_type,
                            value: e.value.clone(),
                            collab: prov["collab"].as_str().map(str::to_owned).or_else(|| Some(bank.spec.name.clone())),
                            category: prov["category"].as_str().map(str::to_owned),
                            tags: prov["tags"]
                                .as_array()
                                .map(|t| t.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
                                .unwrap_or_default(),
                            line: 0,
                        }
                    })
                    .collect();
                formats::write_csv(&rows)
            }
        })
    }

    pub async fn list_entries(
        &self,
        p: &Principal,
        bank: &str,
        after: i64,
        limit: u32,
    ) -> AppResult<Vec<BankEntryRecord>> {
        let bank = parse_bank_id(bank)?;
        let principal = p.clone();
        self.store()
            .read(move |r| {
                Ok((|| {
                    let (bank, access) = visible_bank(r, &principal, &bank)?;
                    need(access, Access::Curate, "only the bank's owner and co-curators list its entries")?;
                    Ok(r.bank_entries(&bank.id, after, limit.clamp(1, MAX_PAGE))?)
                })())
            })
            .await?
    }

    pub async fn get_entry(&self, p: &Principal, bank: &str, entry: i64) -> AppResult<EntryView> {
        let bank = parse_bank_id(bank)?;
        let principal = p.clone();
        self.store().read(move |r| Ok(entry_view(r, &principal, &bank, entry))).await?
    }

    /// Disables (for a while or until enabled), enables, annotates or releases an entry.
    pub async fn update_entry(
        &self,
        p: &Principal,
        bank: &str,
        entry: i64,
        change: EntryChange,
    ) -> AppResult<EntryView> {
        if let Some(Some(note)) = &change.note {
            let mut c = Checker::new();
            c.optional_text(Some(note), "note", 2000);
            c.spreadsheet_safe(Some(note), "note");
            c.finish()?;
        }
        self.change_entry(p, bank, entry, "only the bank's owner and co-curators change entries", move |e, ev, tx| {
            let was_quarantined = e.quarantined_at.is_some();
            let note_changed = change.note.is_some();
            if let Some(until) = change.disabled_until {
                e.disabled_until = until;
            }
            if let Some(note) = change.note {
                e.note = note;
            }
            if change.release_quarantine {
                e.quarantined_at = None;
            }
            let facts = k::BankEntryUpdated { entry: e.id, disabled_until: e.disabled_until, note_changed };
            e.changed_seq = ev.emit(tx, e.bank.as_str(), facts)?;
            if was_quarantined && e.quarantined_at.is_none() {
                ev.emit(tx, e.bank.as_str(), k::BankEntryReleased { entry: e.id })?;
            }
            Ok(())
        })
        .await
    }

    /// Removes an entry: it stops matching; the row and its events stay for the record.
    pub async fn remove_entry(&self, p: &Principal, bank: &str, entry: i64) -> AppResult<()> {
        self.change_entry(p, bank, entry, "only the bank's owner and co-curators remove entries", |e, ev, tx| {
            e.removed_at = Some(ev.now);
            e.changed_seq = ev.emit(tx, e.bank.as_str(), k::BankEntryRemoved { entry: e.id })?;
            Ok(())
        })
        .await
        .map(drop)
    }

    /// Changes a live entry as one of its bank's curators: `change` edits it and records its
    /// events; the entry is saved and applied to the matcher.
    async fn change_entry<F>(
        &self,
        p: &Principal,
        bank: &str,
        entry: i64,
        forbidden: &'static str,
        change: F,
    ) -> AppResult<EntryView>
    where
        F: FnOnce(&mut BankEntryRecord, &Events<'_>, &mut dyn Tx) -> AppResult<()> + Send + 'static,
    {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        let app = self.clone();
        self.store()
            .write_applied(
                move |tx| {
                    let view = entry_view(tx, &principal, &bank, entry)?;
                    need(view.access, Access::Curate, forbidden)?;
                    let mut e = view.entry;
                    if e.removed_at.is_some() {
                        return Err(AppError::NotFound("entry"));
                    }
                    let now = clock.now();
                    let ev = Events { clock: &*clock, now, actor: &actor };
                    change(&mut e, &ev, tx)?;
                    tx.update_entry(&e)?;
                    let feedback = tx.entry_feedback(e.id)?;
                    Ok(EntryView { entry: e, access: view.access, feedback })
                },
                move |v: &EntryView| app.matcher().apply_entries(std::slice::from_ref(&v.entry), v.entry.added_at),
            )
            .await
    }

    /// Records an organisation's opinion of an entry (any organisation that may match against
    /// the bank), with who gave it.
    pub async fn give_feedback(
        &self,
        p: &Principal,
        bank: &str,
        entry: i64,
        verdict: Option<&str>,
        note: Option<String>,
    ) -> AppResult<FeedbackRecord> {
        require_bank_role(p)?;
        let bank = parse_bank_id(bank)?;
        let mut c = Checker::new();
        let verdict = match verdict.map(Verdict::parse) {
            Some(Some(v)) => Some(v),
            Some(None) => {
                c.push("verdict", "unknown_verdict", "agree, disagree or false_positive");
                None
            }
            None => {
                c.push("verdict", "required", "is required");
                None
            }
        };
        c.optional_text(note.as_deref(), "note", 2000);
        c.finish()?;
        let verdict = verdict.ok_or(AppError::Internal("a checked verdict"))?;
        let (principal, actor, clock) = (p.clone(), Actor::of(p), self.clock().clone());
        self.store()
            .write(move |tx| {
                let view = entry_view(tx, &principal, &bank, entry)?;
                let now = clock.now();
                let ev = Events { clock: &*clock, now, actor: &actor };
                let fb = FeedbackRecord {
                    entry: view.entry.id,
                    org: principal.org.clone(),
                    user: principal.user.clone(),
                    verdict,
                    note,
                    at: now,
                };
                tx.insert_feedback(&fb)?;
                let facts =
                    k::BankFeedback { entry: fb.entry, verdict: Word::new(verdict.as_str()), org: fb.org.clone() };
                ev.emit(tx, view.entry.bank.as_str(), facts)?;
                Ok(fb)
            })
            .await
    }

    /// Every entry within threshold of the query in the banks `p`'s organisation may use.
    pub fn lookup(
        &self,
        p: &Principal,
        q: &Query,
        only: Option<&[BankId]>,
        coin: Option<f64>,
        raw: bool,
    ) -> AppResult<Vec<Hit>> {
        require_bank_role(p)?;
        let scope = Scope { org: &p.org, only, coin, include_disabled: raw };
        Ok(self.matcher().lookup(q, &scope, self.now()))
    }
}

/// A bank's settings for the log, its name and labels (free text) sealed. They are kept as long
/// as the bank's own row keeps them.
fn bank_facts(tx: &mut dyn Tx, now: Timestamp, b: &BankRecord) -> Result<k::BankCreated, StoreError> {
    let keep = Timestamp::from_micros(i64::MAX);
    let (_, name) = keep_personal(tx, now, "bank.name", &b.spec.name, keep)?;
    let labels = serde_json::to_string(&b.spec.labels).map_err(|e| StoreError::Engine(Box::new(e)))?;
    let (_, labels) = keep_personal(tx, now, "bank.labels", &labels, keep)?;
    Ok(k::BankCreated {
        name: Some(name),
        owner: b.owner.clone(),
        kind: Word::new(b.spec.kind.as_str()),
        threshold: b.spec.threshold,
        stay_down: b.spec.stay_down,
        enabled_ratio: b.spec.enabled_ratio,
        labels: Some(labels),
        flood_limit: b.spec.flood_limit,
        vpdq_query_percent: Some(b.spec.vpdq_query_percent),
        vpdq_compared_percent: Some(b.spec.vpdq_compared_percent),
        tmk_level1: Some(b.spec.tmk_level1),
        tmk_level2: Some(b.spec.tmk_level2),
    })
}

fn bank_view(r: &dyn Reads, p: &Principal, id: &BankId) -> AppResult<BankView> {
    let (bank, access) = visible_bank(r, p, id)?;
    let entries = r.count_entries(&bank.id)?;
    let shares = if access == Access::Own { Some(r.bank_shares(&bank.id)?) } else { None };
    Ok(BankView { bank, access, entries, shares })
}

fn entry_view(r: &dyn Reads, p: &Principal, bank: &BankId, entry: i64) -> AppResult<EntryView> {
    let (bank, access) = visible_bank(r, p, bank)?;
    let e = r.get_entry(entry)?.filter(|e| e.bank == bank.id).ok_or(AppError::NotFound("entry"))?;
    // Subscribers see their own organisation's feedback only; curators see all of it.
    let feedback = r.entry_feedback(e.id)?.into_iter().filter(|f| access >= Access::Curate || f.org == p.org).collect();
    Ok(EntryView { entry: e, access, feedback })
}
