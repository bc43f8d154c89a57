//! Jobs: work that takes minutes, acknowledged with 202 and answered later: a platform's video
//! upload to check against the banks (`upload_check`), and a video sent to HMA's `POST /h/hash`
//! (`hma_hash`) or `POST /m/lookup` (`hma_lookup`). Kept in their own traits
//! ([`JobReads`], [`JobTx`]), which [`crate::Reads`] and [`crate::Tx`] extend.

use vigie_model::bank::{JobKind, JobState};
use vigie_model::*;

use crate::Result;

/// One job. Legal basis: the platform's measures against the re-upload of content found to be
/// terrorist content (TCO art. 5 specific measures; DSA art. 7 own-initiative checks), on its own
/// request; for HMA's kinds, the submitting organisation's own hashing and matching of content it
/// holds (the same measures, or an authority's or flagger's assessment of content it reports).
/// Read by the organisation that submitted it only. Retention: the uploaded file is deleted as
/// soon as the job finishes (done or failed); the row (ids, state, the answer's enumerations and
/// ids, the upload's URL and content id, an HMA job's hashes and matches) is deleted by the job
/// worker once it has been finished for `AppConfig::video.keep_jobs`.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRecord {
    pub id: JobId,
    pub org: OrgId,
    pub user: UserId,
    pub kind: JobKind,
    pub state: JobState,
    /// What the job needs besides the file (JSON: for an upload check url, content id, uploader;
    /// for an HMA lookup the banks and the sampling coin).
    pub input: String,
    /// The file waiting to be decoded, by name in the jobs directory; `None` once deleted.
    pub file: Option<String>,
    /// The answer (JSON), once done.
    pub result: Option<String>,
    /// Why it failed: a stable code and a sentence.
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
}

pub trait JobReads {
    fn get_job(&self, id: &JobId) -> Result<Option<JobRecord>>;
    /// Jobs queued or running, oldest first (a start after a crash takes the running ones up
    /// again: their files are still on disk).
    fn unfinished_jobs(&self, limit: u32) -> Result<Vec<JobRecord>>;
    /// Queued jobs, for the bound on the queue.
    fn count_queued_jobs(&self) -> Result<i64>;
}

pub trait JobTx {
    fn insert_job(&mut self, r: &JobRecord) -> Result<()>;
    fn update_job(&mut self, r: &JobRecord) -> Result<()>;
    /// Deletes jobs finished before `before`; returns how many.
    fn delete_jobs_finished_before(&mut self, before: Timestamp) -> Result<usize>;
}
