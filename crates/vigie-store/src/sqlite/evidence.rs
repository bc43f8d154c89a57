//! The SQL behind [`EvidenceReads`] and [`EvidenceTx`].

use rusqlite::{Row, params};
use vigie_model::evidence::{AccessBasis, Basis, Purpose, RecordState};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt, word};
use crate::*;

fn opt_ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp::from_micros)
}

fn record_row(r: &Row<'_>) -> rusqlite::Result<EvidenceRecord> {
    Ok(EvidenceRecord {
        id: EvidenceId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        basis: word(r, "basis", Basis::parse)?,
        purpose: word(r, "purpose", Purpose::parse)?,
        reference: r.get("reference")?,
        issuing_authority: r.get("issuing_authority")?,
        decision: r.get::<_, Option<String>>("decision")?.map(DecisionId::from_trusted),
        preserved_at: Timestamp::from_micros(r.get("preserved_at")?),
        preserved_until: Timestamp::from_micros(r.get("preserved_until")?),
        extension_proceeding: r.get("extension_proceeding")?,
        extension_ends_at: opt_ts(r.get("extension_ends_at")?),
        expires_at: Timestamp::from_micros(r.get("expires_at")?),
        state: word(r, "state", RecordState::parse)?,
        purged_at: opt_ts(r.get("purged_at")?),
        kek: r.get("kek")?,
        wrapped_key: r.get("wrapped_key")?,
        created_by: r.get::<_, Option<String>>("created_by")?.map(UserId::from_trusted),
    })
}

fn item_row(r: &Row<'_>) -> rusqlite::Result<EvidenceItem> {
    Ok(EvidenceItem {
        record: EvidenceId::from_trusted(r.get("record")?),
        sha256: r.get("sha256")?,
        size: r.get("size")?,
        kind: r.get("kind")?,
        name: r.get("name")?,
        wrapped_key: r.get("wrapped_key")?,
    })
}

fn request_row(r: &Row<'_>) -> rusqlite::Result<EvidenceRequestRecord> {
    Ok(EvidenceRequestRecord {
        id: EvidenceRequestId::from_trusted(r.get("id")?),
        record: EvidenceId::from_trusted(r.get("record")?),
        authority: OrgId::from_trusted(r.get("authority")?),
        requested_by: UserId::from_trusted(r.get("requested_by")?),
        reference: r.get("reference")?,
        requested_at: Timestamp::from_micros(r.get("requested_at")?),
        granted_by: r.get::<_, Option<String>>("granted_by")?.map(UserId::from_trusted),
        granted_at: opt_ts(r.get("granted_at")?),
    })
}

fn export_row(r: &Row<'_>) -> rusqlite::Result<EvidenceExportRecord> {
    let records: String = r.get("records")?;
    let ids: Vec<String> = serde_json::from_str(&records).map_err(|_| corrupt("export records", &records))?;
    let records = ids
        .iter()
        .map(|i| EvidenceId::parse(i).ok_or_else(|| corrupt("export record", i)))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(EvidenceExportRecord {
        id: EvidenceExportId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        records,
        recipient: r.get("recipient")?,
        reason: PersonalRef::from_trusted(r.get("reason")?),
        requested_by: UserId::from_trusted(r.get("requested_by")?),
        requested_at: Timestamp::from_micros(r.get("requested_at")?),
        approved_by: r.get::<_, Option<String>>("approved_by")?.map(UserId::from_trusted),
        approved_at: opt_ts(r.get("approved_at")?),
        bundle_sha256: r.get("bundle_sha256")?,
        exported_at: opt_ts(r.get("exported_at")?),
    })
}

fn custody_row(r: &Row<'_>) -> rusqlite::Result<CustodyRecord> {
    let basis: Option<String> = r.get("basis")?;
    Ok(CustodyRecord {
        record: EvidenceId::from_trusted(r.get("record")?),
        at: Timestamp::from_micros(r.get("at")?),
        user: r.get::<_, Option<String>>("user")?.map(UserId::from_trusted),
        org: r.get::<_, Option<String>>("org")?.map(OrgId::from_trusted),
        action: r.get("action")?,
        basis: match basis {
            Some(b) => Some(AccessBasis::parse(&b).ok_or_else(|| corrupt("custody basis", &b))?),
            None => None,
        },
        reason: r.get::<_, Option<String>>("reason")?.map(PersonalRef::from_trusted),
        event_seq: r.get("event_seq")?,
    })
}

impl EvidenceReads for SqliteRead<'_> {
    fn get_evidence(&self, id: &EvidenceId) -> Result<Option<EvidenceRecord>> {
        self.one("SELECT * FROM evidence_records WHERE id = ?1", [id.as_str()], record_row)
    }
    fn evidence_records(&self, org: &OrgId, case: Option<&CaseId>, limit: u32) -> Result<Vec<EvidenceRecord>> {
        self.many(
            "SELECT * FROM evidence_records WHERE org = ?1 AND (?2 IS NULL OR case_id = ?2) \
             ORDER BY preserved_at DESC, id DESC LIMIT ?3",
            params![org.as_str(), case.map(CaseId::as_str), limit],
            record_row,
        )
    }
    fn expired_evidence(&self, now: Timestamp, limit: u32) -> Result<Vec<EvidenceRecord>> {
        self.many(
            "SELECT * FROM evidence_records WHERE state = 'preserved' AND expires_at < ?1 ORDER BY expires_at, id LIMIT ?2",
            params![now.as_micros(), limit],
            record_row,
        )
    }
    fn evidence_wrapped_by_other(&self, kek: &str, limit: u32) -> Result<Vec<EvidenceRecord>> {
        self.many(
            "SELECT * FROM evidence_records WHERE state = 'preserved' AND kek <> ?1 ORDER BY id LIMIT ?2",
            params![kek, limit],
            record_row,
        )
    }
    fn evidence_items(&self, record: &EvidenceId) -> Result<Vec<EvidenceItem>> {
        self.many(
            "SELECT i.*, b.size FROM evidence_items i JOIN evidence_blobs b ON b.sha256 = i.sha256 \
             WHERE i.record = ?1 ORDER BY i.kind DESC, i.name",
            [record.as_str()],
            item_row,
        )
    }
    fn evidence_item_of_blob(&self, sha256: &str) -> Result<Option<EvidenceItem>> {
        self.one(
            "SELECT i.*, b.size FROM evidence_items i JOIN evidence_blobs b ON b.sha256 = i.sha256 \
             WHERE i.sha256 = ?1 LIMIT 1",
            [sha256],
            item_row,
        )
    }
    fn get_evidence_request(&self, id: &EvidenceRequestId) -> Result<Option<EvidenceRequestRecord>> {
        self.one("SELECT * FROM evidence_requests WHERE id = ?1", [id.as_str()], request_row)
    }
    fn evidence_requests(&self, record: &EvidenceId) -> Result<Vec<EvidenceRequestRecord>> {
        self.many(
            "SELECT * FROM evidence_requests WHERE record = ?1 ORDER BY requested_at, id",
            [record.as_str()],
            request_row,
        )
    }
    fn evidence_granted_to(&self, record: &EvidenceId, authority: &OrgId) -> Result<Option<EvidenceRequestRecord>> {
        self.one(
            "SELECT * FROM evidence_requests WHERE record = ?1 AND authority = ?2 AND granted_at IS NOT NULL \
             ORDER BY granted_at DESC LIMIT 1",
            [record.as_str(), authority.as_str()],
            request_row,
        )
    }
    fn get_evidence_export(&self, id: &EvidenceExportId) -> Result<Option<EvidenceExportRecord>> {
        self.one("SELECT * FROM evidence_exports WHERE id = ?1", [id.as_str()], export_row)
    }
    fn evidence_exports(&self, org: &OrgId, limit: u32) -> Result<Vec<EvidenceExportRecord>> {
        self.many(
            "SELECT * FROM evidence_exports WHERE org = ?1 ORDER BY requested_at DESC, id DESC LIMIT ?2",
            params![org.as_str(), limit],
            export_row,
        )
    }
    fn custody_log(&self, record: &EvidenceId) -> Result<Vec<CustodyRecord>> {
        self.many("SELECT * FROM evidence_custody WHERE record = ?1 ORDER BY event_seq", [record.as_str()], custody_row)
    }
}

impl EvidenceReads for SqliteTx<'_> {
    fn get_evidence(&self, id: &EvidenceId) -> Result<Option<EvidenceRecord>> {
        self.read.get_evidence(id)
    }
    fn evidence_records(&self, org: &OrgId, case: Option<&CaseId>, limit: u32) -> Result<Vec<EvidenceRecord>> {
        self.read.evidence_records(org, case, limit)
    }
    fn expired_evidence(&self, now: Timestamp, limit: u32) -> Result<Vec<EvidenceRecord>> {
        self.read.expired_evidence(now, limit)
    }
    fn evidence_wrapped_by_other(&self, kek: &str, limit: u32) -> Result<Vec<EvidenceRecord>> {
        self.read.evidence_wrapped_by_other(kek, limit)
    }
    fn evidence_items(&self, record: &EvidenceId) -> Result<Vec<EvidenceItem>> {
        self.read.evidence_items(record)
    }
    fn evidence_item_of_blob(&self, sha256: &str) -> Result<Option<EvidenceItem>> {
        self.read.evidence_item_of_blob(sha256)
    }
    fn get_evidence_request(&self, id: &EvidenceRequestId) -> Result<Option<EvidenceRequestRecord>> {
        self.read.get_evidence_request(id)
    }
    fn evidence_requests(&self, record: &EvidenceId) -> Result<Vec<EvidenceRequestRecord>> {
        self.read.evidence_requests(record)
    }
    fn evidence_granted_to(&self, record: &EvidenceId, authority: &OrgId) -> Result<Option<EvidenceRequestRecord>> {
        self.read.evidence_granted_to(record, authority)
    }
    fn get_evidence_export(&self, id: &EvidenceExportId) -> Result<Option<EvidenceExportRecord>> {
        self.read.get_evidence_export(id)
    }
    fn evidence_exports(&self, org: &OrgId, limit: u32) -> Result<Vec<EvidenceExportRecord>> {
        self.read.evidence_exports(org, limit)
    }
    fn custody_log(&self, record: &EvidenceId) -> Result<Vec<CustodyRecord>> {
        self.read.custody_log(record)
    }
}

impl EvidenceTx for SqliteTx<'_> {
    fn insert_evidence(&mut self, r: &EvidenceRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO evidence_records (id, org, case_id, basis, purpose, reference, issuing_authority, decision, \
             preserved_at, preserved_until, extension_proceeding, extension_ends_at, expires_at, state, purged_at, \
             kek, wrapped_key, created_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            params![
                r.id.as_str(),
                r.org.as_str(),
                r.case.as_str(),
                r.basis.as_str(),
                r.purpose.as_str(),
                r.reference,
                r.issuing_authority,
                r.decision.as_ref().map(DecisionId::as_str),
                r.preserved_at.as_micros(),
                r.preserved_until.as_micros(),
                r.extension_proceeding,
                r.extension_ends_at.map(Timestamp::as_micros),
                r.expires_at.as_micros(),
                r.state.as_str(),
                r.purged_at.map(Timestamp::as_micros),
                r.kek,
                r.wrapped_key,
                r.created_by.as_ref().map(UserId::as_str)
            ],
        )?;
        Ok(())
    }
    fn update_evidence(&mut self, r: &EvidenceRecord) -> Result<()> {
        self.read.exec(
            "UPDATE evidence_records SET extension_proceeding = ?2, extension_ends_at = ?3, expires_at = ?4, \
             state = ?5, purged_at = ?6, kek = ?7, wrapped_key = ?8 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.extension_proceeding,
                r.extension_ends_at.map(Timestamp::as_micros),
                r.expires_at.as_micros(),
                r.state.as_str(),
                r.purged_at.map(Timestamp::as_micros),
                r.kek,
                r.wrapped_key
            ],
        )?;
        Ok(())
    }
    fn insert_evidence_item(&mut self, item: &EvidenceItem, now: Timestamp) -> Result<bool> {
        let new = self.read.exec(
            "INSERT OR IGNORE INTO evidence_blobs (sha256, size, stored_at) VALUES (?1, ?2, ?3)",
            params![item.sha256, item.size, now.as_micros()],
        )? == 1;
        self.read.exec(
            "INSERT INTO evidence_items (record, sha256, kind, name, wrapped_key) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![item.record.as_str(), item.sha256, item.kind, item.name, item.wrapped_key],
        )?;
        Ok(new)
    }
    fn delete_evidence_items(&mut self, record: &EvidenceId) -> Result<Vec<String>> {
        let blobs: Vec<String> =
            self.read.many("SELECT sha256 FROM evidence_items WHERE record = ?1", [record.as_str()], |r| r.get(0))?;
        self.read.exec("DELETE FROM evidence_items WHERE record = ?1", [record.as_str()])?;
        let mut freed = Vec::new();
        for sha in blobs {
            let held: i64 = self
                .read
                .one("SELECT COUNT(*) FROM evidence_items WHERE sha256 = ?1", [&sha], |r| r.get(0))?
                .unwrap_or(0);
            if held == 0 {
                self.read.exec("DELETE FROM evidence_blobs WHERE sha256 = ?1", [&sha])?;
                freed.push(sha);
            }
        }
        Ok(freed)
    }
    fn insert_evidence_request(&mut self, r: &EvidenceRequestRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO evidence_requests (id, record, authority, requested_by, reference, requested_at, granted_by, \
             granted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                r.id.as_str(),
                r.record.as_str(),
                r.authority.as_str(),
                r.requested_by.as_str(),
                r.reference,
                r.requested_at.as_micros(),
                r.granted_by.as_ref().map(UserId::as_str),
                r.granted_at.map(Timestamp::as_micros)
            ],
        )?;
        Ok(())
    }
    fn grant_evidence_request(&mut self, id: &EvidenceRequestId, by: &UserId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "UPDATE evidence_requests SET granted_by = ?2, granted_at = ?3 WHERE id = ?1",
            params![id.as_str(), by.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
    fn insert_evidence_export(&mut self, r: &EvidenceExportRecord) -> Result<()> {
        let records: Vec<&str> = r.records.iter().map(EvidenceId::as_str).collect();
        self.read.exec(
            "INSERT INTO evidence_exports (id, org, case_id, records, recipient, reason, requested_by, requested_at, \
             approved_by, approved_at, bundle_sha256, exported_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                r.id.as_str(),
                r.org.as_str(),
                r.case.as_str(),
                serde_json::to_string(&records).expect("ids serialise"),
                r.recipient,
                r.reason.as_str(),
                r.requested_by.as_str(),
                r.requested_at.as_micros(),
                r.approved_by.as_ref().map(UserId::as_str),
                r.approved_at.map(Timestamp::as_micros),
                r.bundle_sha256,
                r.exported_at.map(Timestamp::as_micros)
            ],
        )?;
        Ok(())
    }
    fn update_evidence_export(&mut self, r: &EvidenceExportRecord) -> Result<()> {
        self.read.exec(
            "UPDATE evidence_exports SET approved_by = ?2, approved_at = ?3, bundle_sha256 = ?4, exported_at = ?5 \
             WHERE id = ?1",
            params![
                r.id.as_str(),
                r.approved_by.as_ref().map(UserId::as_str),
                r.approved_at.map(Timestamp::as_micros),
                r.bundle_sha256,
                r.exported_at.map(Timestamp::as_micros)
            ],
        )?;
        Ok(())
    }
    fn insert_custody(&mut self, r: &CustodyRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO evidence_custody (record, at, user, org, action, basis, reason, event_seq) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                r.record.as_str(),
                r.at.as_micros(),
                r.user.as_ref().map(UserId::as_str),
                r.org.as_ref().map(OrgId::as_str),
                r.action,
                r.basis.map(AccessBasis::as_str),
                r.reason.as_ref().map(PersonalRef::as_str),
                r.event_seq
            ],
        )?;
        Ok(())
    }
}
