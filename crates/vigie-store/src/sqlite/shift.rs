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

fn escalation_row(r: &Row<'_>) -> rusqlite::Result<EscalationRecord> {
    let note: Option<String> = r.get("note")?;
    Ok(EscalationRecord {
        case: CaseId::from_trusted(r.get("case_id")?),
        org: OrgId::from_trusted(r.get("org")?),
        to: UserId::from_trusted(r.get("to_user")?),
        by: UserId::from_trusted(r.get("by_user")?),
        at: Timestamp::from_micros(r.get("escalated_at")?),
        note: note.map(NoteId::from_trusted),
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
    fn escalations_of(&self, platform: &OrgId) -> Result<Vec<EscalationRecord>> {
        self.many(
            "SELECT * FROM case_escalations WHERE org = ?1 ORDER BY escalated_at, case_id",
            [platform.as_str()],
            escalation_row,
        )
    }
    fn escalation(&self, case: &CaseId) -> Result<Option<EscalationRecord>> {
        self.one("SELECT * FROM case_escalations WHERE case_id = ?1", [case.as_str()], escalation_row)
    }
}

impl ShiftReads for SqliteTx<'_> {
    fn case_notes(&self, case: &CaseId) -> Result<Vec<NoteRecord>> {
        self.read.case_notes(case)
    }
    fn skipped_since(&self, user: &UserId, since: Timestamp) -> Result<Vec<CaseId>> {
        self.read.skipped_since(user, since)
    }
    fn escalations_of(&self, platform: &OrgId) -> Result<Vec<EscalationRecord>> {
        self.read.escalations_of(platform)
    }
    fn escalation(&self, case: &CaseId) -> Result<Option<EscalationRecord>> {
        self.read.escalation(case)
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
    fn put_escalation(&mut self, r: &EscalationRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO case_escalations (case_id, org, to_user, by_user, escalated_at, note) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (case_id) DO UPDATE SET org = excluded.org, \
             to_user = excluded.to_user, by_user = excluded.by_user, escalated_at = excluded.escalated_at, \
             note = excluded.note",
            params![
                r.case.as_str(),
                r.org.as_str(),
                r.to.as_str(),
                r.by.as_str(),
                r.at.as_micros(),
                r.note.as_ref().map(|n| n.as_str())
            ],
        )?;
        Ok(())
    }
    fn end_escalation(&mut self, case: &CaseId) -> Result<()> {
        self.read.exec("DELETE FROM case_escalations WHERE case_id = ?1", [case.as_str()])?;
        Ok(())
    }
    fn end_escalations_to(&mut self, user: &UserId) -> Result<Vec<CaseId>> {
        let cases = self.read.many(
            "SELECT case_id FROM case_escalations WHERE to_user = ?1 ORDER BY case_id",
            [user.as_str()],
            |r| Ok(CaseId::from_trusted(r.get(0)?)),
        )?;
        self.read.exec("DELETE FROM case_escalations WHERE to_user = ?1", [user.as_str()])?;
        Ok(cases)
    }
}
