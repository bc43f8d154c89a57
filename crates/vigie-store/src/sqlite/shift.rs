//! The SQL behind [`ShiftReads`] and [`ShiftTx`].

use rusqlite::{Row, params};
use vigie_model::review::NoteReason;
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt};
use crate::*;

fn note_row(r: &Row<'_>) -> rusqlite::Result<NoteRecord> {
    let reason: String = r.get("reason")?;
    Ok(NoteRecord {
        id: NoteId::from_trusted(r.get("id")?),
        case: CaseId::from_trusted(r.get("case_id")?),
        org: OrgId::from_trusted(r.get("org")?),
        author: UserId::from_trusted(r.get("author")?),
        reason: NoteReason::parse(&reason).ok_or_else(|| corrupt("note reason", &reason))?,
        body: r.get("body")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
    })
}

impl ShiftReads for SqliteRead<'_> {
    fn case_notes(&self, case: &CaseId) -> Result<Vec<NoteRecord>> {
        self.many("SELECT * FROM case_notes WHERE case_id = ?1 ORDER BY created_at, id", [case.as_str()], note_row)
    }
    fn skipped_since(&self, user: &UserId, since: Timestamp) -> Result<Vec<CaseId>> {
        self.many(
            "SELECT case_id FROM case_skips WHERE user = ?1 AND skipped_at >= ?2",
            params![user.as_str(), since.as_micros()],
            |r| Ok(CaseId::from_trusted(r.get(0)?)),
        )
    }
}

impl ShiftReads for SqliteTx<'_> {
    fn case_notes(&self, case: &CaseId) -> Result<Vec<NoteRecord>> {
        self.read.case_notes(case)
    }
    fn skipped_since(&self, user: &UserId, since: Timestamp) -> Result<Vec<CaseId>> {
        self.read.skipped_since(user, since)
    }
}

impl ShiftTx for SqliteTx<'_> {
    fn insert_note(&mut self, r: &NoteRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO case_notes (id, case_id, org, author, reason, body, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id.as_str(),
                r.case.as_str(),
                r.org.as_str(),
                r.author.as_str(),
                r.reason.as_str(),
                r.body,
                r.created_at.as_micros()
            ],
        )?;
        Ok(())
    }
    fn put_skip(&mut self, case: &CaseId, user: &UserId, at: Timestamp) -> Result<()> {
        self.read.exec(
            "INSERT INTO case_skips (case_id, user, skipped_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (case_id, user) DO UPDATE SET skipped_at = excluded.skipped_at",
            params![case.as_str(), user.as_str(), at.as_micros()],
        )?;
        Ok(())
    }
}
