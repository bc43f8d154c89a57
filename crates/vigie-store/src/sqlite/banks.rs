//! The SQL of hash banks: banks, shares, entries and feedback, and the `.tmk` files of TMK+PDQF
//! entries.
//!
//! `.tmk` files (`tmk_files`) are TMK+PDQF features of known terrorist videos: derived from the
//! content, not about a person, held for the same purpose and on the same basis as the bank's
//! other hashes (the owner's terms and its duty under TCO art. 5 and DSA art. 16, the sharing
//! agreement for shared banks). A file is kept while a live entry of a live bank holds it, and
//! deleted in the transaction that removes the last one (or deletes its bank); a file added again
//! is stored again. It is read only through an entry of a bank its reader may see (its owner, and
//! the organisations it is shared with for curation or matching), and by the matcher for level 2.

use rusqlite::{Row, params};
use vigie_model::bank::{Access, BankKind, BankSpec, ShareMode, SignalType as BankSignalType, Verdict};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt, ts, us};
use crate::*;

fn bank_row(r: &Row<'_>) -> rusqlite::Result<BankRecord> {
    let kind: String = r.get("kind")?;
    let labels: String = r.get("labels")?;
    Ok(BankRecord {
        id: BankId::from_trusted(r.get("id")?),
        owner: OrgId::from_trusted(r.get("owner")?),
        spec: BankSpec {
            name: r.get("name")?,
            kind: BankKind::parse(&kind).ok_or_else(|| corrupt("bank kind", &kind))?,
            threshold: r.get("threshold")?,
            stay_down: r.get("stay_down")?,
            enabled_ratio: r.get("enabled_ratio")?,
            labels: serde_json::from_str(&labels).map_err(|_| corrupt("bank labels", &labels))?,
            description: r.get("description")?,
            flood_limit: r.get("flood_limit")?,
            vpdq_query_percent: r.get("vpdq_query_percent")?,
            vpdq_compared_percent: r.get("vpdq_compared_percent")?,
            tmk_level1: r.get("tmk_level1")?,
            tmk_level2: r.get("tmk_level2")?,
        },
        created_at: Timestamp::from_micros(r.get("created_at")?),
        created_by: UserId::from_trusted(r.get("created_by")?),
        updated_at: Timestamp::from_micros(r.get("updated_at")?),
    })
}

fn share_row(r: &Row<'_>) -> rusqlite::Result<BankShareRecord> {
    let mode: String = r.get("mode")?;
    Ok(BankShareRecord {
        bank: BankId::from_trusted(r.get("bank")?),
        org: OrgId::from_trusted(r.get("org")?),
        mode: ShareMode::parse(&mode).ok_or_else(|| corrupt("share mode", &mode))?,
        granted_at: Timestamp::from_micros(r.get("granted_at")?),
        granted_by: UserId::from_trusted(r.get("granted_by")?),
    })
}

fn entry_row(r: &Row<'_>) -> rusqlite::Result<BankEntryRecord> {
    let signal_type: String = r.get("signal_type")?;
    Ok(BankEntryRecord {
        id: r.get("id")?,
        bank: BankId::from_trusted(r.get("bank")?),
        signal_type: BankSignalType::parse(&signal_type).ok_or_else(|| corrupt("signal type", &signal_type))?,
        value: r.get("value")?,
        quality: r.get("quality")?,
        source: r.get("source")?,
        provenance: r.get("provenance")?,
        content_id: r.get("content_id")?,
        content_uri: r.get("content_uri")?,
        note: r.get("note")?,
        added_at: Timestamp::from_micros(r.get("added_at")?),
        added_by: r.get::<_, Option<String>>("added_by")?.map(UserId::from_trusted),
        disabled_until: ts(r.get("disabled_until")?),
        quarantined_at: ts(r.get("quarantined_at")?),
        removed_at: ts(r.get("removed_at")?),
        case: r.get::<_, Option<String>>("case_id")?.map(CaseId::from_trusted),
        changed_seq: r.get("changed_seq")?,
    })
}

fn feedback_row(r: &Row<'_>) -> rusqlite::Result<FeedbackRecord> {
    let verdict: String = r.get("verdict")?;
    Ok(FeedbackRecord {
        entry: r.get("entry")?,
        org: OrgId::from_trusted(r.get("org")?),
        user: UserId::from_trusted(r.get("user")?),
        verdict: Verdict::parse(&verdict).ok_or_else(|| corrupt("verdict", &verdict))?,
        note: r.get("note")?,
        at: Timestamp::from_micros(r.get("at")?),
    })
}

impl SqliteRead<'_> {
    pub(super) fn get_bank(&self, id: &BankId) -> Result<Option<BankRecord>> {
        self.one("SELECT * FROM banks WHERE id = ?1 AND deleted_at IS NULL", [id.as_str()], bank_row)
    }
    pub(super) fn find_bank(&self, owner: &OrgId, name: &str) -> Result<Option<BankRecord>> {
        self.one(
            "SELECT * FROM banks WHERE owner = ?1 AND name = ?2 AND deleted_at IS NULL",
            params![owner.as_str(), name],
            bank_row,
        )
    }
    pub(super) fn banks_for(&self, org: &OrgId) -> Result<Vec<(BankRecord, Access)>> {
        self.many(
            "SELECT b.*, CASE WHEN b.owner = ?1 THEN 'own' ELSE s.mode END AS access FROM banks b \
             LEFT JOIN bank_shares s ON s.bank = b.id AND s.org = ?1 \
             WHERE b.deleted_at IS NULL AND (b.owner = ?1 OR s.org IS NOT NULL) ORDER BY b.name, b.id",
            [org.as_str()],
            |r| {
                let access: String = r.get("access")?;
                let access = match access.as_str() {
                    "own" => Access::Own,
                    "curate" => Access::Curate,
                    "match" => Access::Match,
                    other => return Err(corrupt("access", other)),
                };
                Ok((bank_row(r)?, access))
            },
        )
    }
    pub(super) fn all_banks(&self) -> Result<Vec<BankRecord>> {
        self.many("SELECT * FROM banks WHERE deleted_at IS NULL ORDER BY id", [], bank_row)
    }
    pub(super) fn bank_shares(&self, bank: &BankId) -> Result<Vec<BankShareRecord>> {
        self.many("SELECT * FROM bank_shares WHERE bank = ?1 ORDER BY org", [bank.as_str()], share_row)
    }
    pub(super) fn all_shares(&self) -> Result<Vec<BankShareRecord>> {
        self.many(
            "SELECT s.* FROM bank_shares s JOIN banks b ON b.id = s.bank WHERE b.deleted_at IS NULL",
            [],
            share_row,
        )
    }
    pub(super) fn get_entry(&self, id: i64) -> Result<Option<BankEntryRecord>> {
        self.one("SELECT * FROM bank_entries WHERE id = ?1", [id], entry_row)
    }
    pub(super) fn bank_entries(&self, bank: &BankId, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>> {
        self.many(
            "SELECT * FROM bank_entries WHERE bank = ?1 AND id > ?2 AND removed_at IS NULL ORDER BY id LIMIT ?3",
            params![bank.as_str(), after, limit],
            entry_row,
        )
    }
    pub(super) fn count_entries(&self, bank: &BankId) -> Result<i64> {
        Ok(self.one("SELECT entry_count FROM banks WHERE id = ?1", [bank.as_str()], |r| r.get(0))?.unwrap_or(0))
    }
    pub(super) fn entries_after(&self, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>> {
        self.many("SELECT * FROM bank_entries WHERE id > ?1 ORDER BY id LIMIT ?2", params![after, limit], entry_row)
    }
    pub(super) fn entries_changed_since(&self, seq: i64) -> Result<Vec<BankEntryRecord>> {
        self.many(
            "SELECT * FROM bank_entries INDEXED BY bank_entries_changed WHERE changed_seq > ?1 ORDER BY changed_seq",
            [seq],
            entry_row,
        )
    }
    pub(super) fn entries_outside_snapshot(&self, after: i64, limit: u32) -> Result<Vec<BankEntryRecord>> {
        // The literal types let SQLite use the partial index `bank_entries_outside_snapshot`.
        self.many(
            "SELECT * FROM bank_entries WHERE signal_type IN ('vpdq', 'url', 'url_md5', 'raw_text', 'text_tlsh') \
             AND id > ?1 ORDER BY id LIMIT ?2",
            params![after, limit],
            entry_row,
        )
    }
    pub(super) fn count_all_entries(&self) -> Result<i64> {
        Ok(self.one("SELECT COUNT(*) FROM bank_entries", [], |r| r.get(0))?.unwrap_or(0))
    }
    pub(super) fn find_entry(
        &self,
        bank: &BankId,
        signal_type: BankSignalType,
        value: &str,
    ) -> Result<Option<BankEntryRecord>> {
        self.one(
            "SELECT * FROM bank_entries WHERE bank = ?1 AND signal_type = ?2 AND value = ?3 AND removed_at IS NULL \
             ORDER BY id LIMIT 1",
            params![bank.as_str(), signal_type.as_str(), value],
            entry_row,
        )
    }
    pub(super) fn tmk_file(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        self.one("SELECT bytes FROM tmk_files WHERE sha256 = ?1", [sha256], |r| r.get(0))
    }
    pub(super) fn tmk_entries_after(&self, after: i64, limit: u32) -> Result<Vec<(BankEntryRecord, Vec<u8>)>> {
        // A removed entry whose file is gone comes with no vector: it is loaded as removed.
        self.many(
            "SELECT e.*, f.level1 AS tmk_level1_vector FROM bank_entries e LEFT JOIN tmk_files f ON f.sha256 = e.value \
             WHERE e.signal_type = 'tmk' AND e.id > ?1 ORDER BY e.id LIMIT ?2",
            params![after, limit],
            |r| Ok((entry_row(r)?, r.get::<_, Option<Vec<u8>>>("tmk_level1_vector")?.unwrap_or_default())),
        )
    }
    pub(super) fn entry_feedback(&self, entry: i64) -> Result<Vec<FeedbackRecord>> {
        self.many("SELECT * FROM bank_feedback WHERE entry = ?1 ORDER BY at, rowid", [entry], feedback_row)
    }
}

impl SqliteTx<'_> {
    pub(super) fn insert_bank(&mut self, r: &BankRecord) -> Result<()> {
        let labels = serde_json::to_string(&r.spec.labels).map_err(|e| StoreError::Engine(Box::new(e)))?;
        self.read
            .exec(
                "INSERT INTO banks (id, owner, name, kind, threshold, stay_down, enabled_ratio, labels, description, \
                 flood_limit, created_at, created_by, updated_at, vpdq_query_percent, vpdq_compared_percent, \
                 tmk_level1, tmk_level2) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                params![
                    r.id.as_str(),
                    r.owner.as_str(),
                    r.spec.name,
                    r.spec.kind.as_str(),
                    r.spec.threshold,
                    r.spec.stay_down,
                    r.spec.enabled_ratio,
                    labels,
                    r.spec.description,
                    r.spec.flood_limit,
                    r.created_at.as_micros(),
                    r.created_by.as_str(),
                    r.updated_at.as_micros(),
                    r.spec.vpdq_query_percent,
                    r.spec.vpdq_compared_percent,
                    r.spec.tmk_level1,
                    r.spec.tmk_level2
                ],
            )
            .map_err(StoreError::unique_as(Conflict::BankExists, "the organisation already has a bank of that name"))?;
        Ok(())
    }
    pub(super) fn update_bank(&mut self, r: &BankRecord) -> Result<()> {
        let labels = serde_json::to_string(&r.spec.labels).map_err(|e| StoreError::Engine(Box::new(e)))?;
        self.read
            .exec(
                "UPDATE banks SET name = ?2, kind = ?3, threshold = ?4, stay_down = ?5, enabled_ratio = ?6, labels = ?7, \
                 description = ?8, flood_limit = ?9, updated_at = ?10, vpdq_query_percent = ?11, \
                 vpdq_compared_percent = ?12, tmk_level1 = ?13, tmk_level2 = ?14 WHERE id = ?1",
                params![
                    r.id.as_str(),
                    r.spec.name,
                    r.spec.kind.as_str(),
                    r.spec.threshold,
                    r.spec.stay_down,
                    r.spec.enabled_ratio,
                    labels,
                    r.spec.description,
                    r.spec.flood_limit,
                    r.updated_at.as_micros(),
                    r.spec.vpdq_query_percent,
                    r.spec.vpdq_compared_percent,
                    r.spec.tmk_level1,
                    r.spec.tmk_level2
                ],
            )
            .map_err(StoreError::unique_as(Conflict::BankExists, "the organisation already has a bank of that name"))?;
        Ok(())
    }
    pub(super) fn delete_bank(&mut self, id: &BankId, at: Timestamp) -> Result<()> {
        self.read.exec("UPDATE banks SET deleted_at = ?2 WHERE id = ?1", params![id.as_str(), at.as_micros()])?;
        self.read.exec("DELETE FROM bank_shares WHERE bank = ?1", [id.as_str()])?;
        let files: Vec<String> = self.read.many(
            "SELECT DISTINCT value FROM bank_entries WHERE bank = ?1 AND signal_type = 'tmk' AND removed_at IS NULL",
            [id.as_str()],
            |r| r.get(0),
        )?;
        for sha256 in files {
            self.prune_tmk_file(&sha256)?;
        }
        Ok(())
    }
    pub(super) fn put_share(&mut self, r: &BankShareRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO bank_shares (bank, org, mode, granted_at, granted_by) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (bank, org) DO UPDATE SET mode = excluded.mode, granted_at = excluded.granted_at, \
             granted_by = excluded.granted_by",
            params![r.bank.as_str(), r.org.as_str(), r.mode.as_str(), r.granted_at.as_micros(), r.granted_by.as_str()],
        )?;
        Ok(())
    }
    pub(super) fn delete_share(&mut self, bank: &BankId, org: &OrgId) -> Result<bool> {
        Ok(self
            .read
            .exec("DELETE FROM bank_shares WHERE bank = ?1 AND org = ?2", params![bank.as_str(), org.as_str()])?
            > 0)
    }
    pub(super) fn insert_entry(&mut self, r: &BankEntryRecord) -> Result<Option<i64>> {
        let inserted = self.read.exec(
            "INSERT INTO bank_entries (bank, signal_type, value, quality, source, provenance, content_id, content_uri, note, \
             added_at, added_by, disabled_until, quarantined_at, removed_at, case_id, changed_seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
             ON CONFLICT (bank, signal_type, value) WHERE removed_at IS NULL DO NOTHING",
            params![
                r.bank.as_str(),
                r.signal_type.as_str(),
                r.value,
                r.quality,
                r.source,
                r.provenance,
                r.content_id,
                r.content_uri,
                r.note,
                r.added_at.as_micros(),
                r.added_by.as_ref().map(UserId::as_str),
                us(r.disabled_until),
                us(r.quarantined_at),
                us(r.removed_at),
                r.case.as_ref().map(CaseId::as_str),
                r.changed_seq
            ],
        )?;
        if inserted == 0 {
            return Ok(None);
        }
        let id = self.read.conn.last_insert_rowid();
        if r.removed_at.is_none() {
            self.read.exec("UPDATE banks SET entry_count = entry_count + 1 WHERE id = ?1", [r.bank.as_str()])?;
        }
        Ok(Some(id))
    }
    pub(super) fn update_entry(&mut self, r: &BankEntryRecord) -> Result<()> {
        if r.removed_at.is_some() {
            // Counted out once: only when this update is the one that removes it.
            self.read.exec(
                "UPDATE banks SET entry_count = entry_count - 1 WHERE id = \
                 (SELECT bank FROM bank_entries WHERE id = ?1 AND removed_at IS NULL)",
                [r.id],
            )?;
        }
        self.read.exec(
            "UPDATE bank_entries SET note = ?2, content_id = ?3, content_uri = ?4, disabled_until = ?5, quarantined_at = ?6, \
             removed_at = ?7, case_id = ?8, changed_seq = ?9 WHERE id = ?1",
            params![
                r.id,
                r.note,
                r.content_id,
                r.content_uri,
                us(r.disabled_until),
                us(r.quarantined_at),
                us(r.removed_at),
                r.case.as_ref().map(CaseId::as_str),
                r.changed_seq
            ],
        )?;
        if r.signal_type == BankSignalType::Tmk && r.removed_at.is_some() {
            self.prune_tmk_file(&r.value)?;
        }
        Ok(())
    }
    /// Deletes a `.tmk` file no live entry of a live bank holds any more.
    fn prune_tmk_file(&mut self, sha256: &str) -> Result<()> {
        self.read.exec(
            "DELETE FROM tmk_files WHERE sha256 = ?1 AND NOT EXISTS (SELECT 1 FROM bank_entries e \
             JOIN banks b ON b.id = e.bank WHERE e.signal_type = 'tmk' AND e.value = ?1 AND e.removed_at IS NULL \
             AND b.deleted_at IS NULL)",
            [sha256],
        )?;
        Ok(())
    }
    pub(super) fn put_tmk_file(&mut self, f: &TmkFileRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO tmk_files (sha256, bytes, level1, frames, stored_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (sha256) DO NOTHING",
            params![f.sha256, f.bytes, f.level1, f.frames, f.stored_at.as_micros()],
        )?;
        Ok(())
    }
    pub(super) fn insert_feedback(&mut self, r: &FeedbackRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO bank_feedback (entry, org, user, verdict, note, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![r.entry, r.org.as_str(), r.user.as_str(), r.verdict.as_str(), r.note, r.at.as_micros()],
        )?;
        Ok(())
    }
}
