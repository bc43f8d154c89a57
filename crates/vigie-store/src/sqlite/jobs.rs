//! The SQL behind [`JobReads`] and [`JobTx`].

use rusqlite::{Row, params};
use vigie_model::bank::{JobKind, JobState};
use vigie_model::*;

use super::conn::{SqliteRead, SqliteTx, corrupt};
use crate::*;

fn job_row(r: &Row<'_>) -> rusqlite::Result<JobRecord> {
    let state: String = r.get("state")?;
    let kind: String = r.get("kind")?;
    let opt_ts = |v: Option<i64>| v.map(Timestamp::from_micros);
    Ok(JobRecord {
        id: JobId::from_trusted(r.get("id")?),
        org: OrgId::from_trusted(r.get("org")?),
        user: UserId::from_trusted(r.get("user")?),
        kind: JobKind::parse(&kind).ok_or_else(|| corrupt("job kind", &kind))?,
        state: JobState::parse(&state).ok_or_else(|| corrupt("job state", &state))?,
        input: r.get("input")?,
        file: r.get("file")?,
        result: r.get("result")?,
        error_code: r.get("error_code")?,
        error: r.get("error")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
        started_at: opt_ts(r.get("started_at")?),
        finished_at: opt_ts(r.get("finished_at")?),
    })
}

impl JobReads for SqliteRead<'_> {
    fn get_job(&self, id: &JobId) -> Result<Option<JobRecord>> {
        self.one("SELECT * FROM jobs WHERE id = ?1", [id.as_str()], job_row)
    }
    fn unfinished_jobs(&self, limit: u32) -> Result<Vec<JobRecord>> {
        self.many(
            "SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at, id LIMIT ?1",
            [limit],
            job_row,
        )
    }
    fn count_queued_jobs(&self) -> Result<i64> {
        Ok(self.one("SELECT COUNT(*) FROM jobs WHERE state = 'queued'", [], |r| r.get(0))?.unwrap_or(0))
    }
}

impl JobReads for SqliteTx<'_> {
    fn get_job(&self, id: &JobId) -> Result<Option<JobRecord>> {
        self.read.get_job(id)
    }
    fn unfinished_jobs(&self, limit: u32) -> Result<Vec<JobRecord>> {
        self.read.unfinished_jobs(limit)
    }
    fn count_queued_jobs(&self) -> Result<i64> {
        self.read.count_queued_jobs()
    }
}

impl JobTx for SqliteTx<'_> {
    fn insert_job(&mut self, r: &JobRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO jobs (id, org, user, kind, state, input, file, result, error_code, error, created_at, \
             started_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                r.id.as_str(),
                r.org.as_str(),
                r.user.as_str(),
                r.kind.as_str(),
                r.state.as_str(),
                r.input,
                r.file,
                r.result,
                r.error_code,
                r.error,
                r.created_at.as_micros(),
                r.started_at.map(Timestamp::as_micros),
                r.finished_at.map(Timestamp::as_micros)
            ],
        )?;
        Ok(())
    }
    fn update_job(&mut self, r: &JobRecord) -> Result<()> {
        self.read.exec(
            "UPDATE jobs SET state = ?2, file = ?3, result = ?4, error_code = ?5, error = ?6, started_at = ?7, \
             finished_at = ?8 WHERE id = ?1",
            params![
                r.id.as_str(),
                r.state.as_str(),
                r.file,
                r.result,
                r.error_code,
                r.error,
                r.started_at.map(Timestamp::as_micros),
                r.finished_at.map(Timestamp::as_micros)
            ],
        )?;
        Ok(())
    }
    fn delete_jobs_finished_before(&mut self, before: Timestamp) -> Result<usize> {
        self.read.exec("DELETE FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ?1", [before.as_micros()])
    }
}
