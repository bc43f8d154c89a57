//! Jobs: a platform's video upload is checked against the banks in minutes, not milliseconds, so
//! it is answered in two steps. The web layer streams the upload into the jobs directory; then
//! [`App::submit_video_check`] records the job (202: from here it is never lost) and wakes the
//! worker, which decodes at most `decodes` videos at once in FFmpeg's sandbox
//! (`vigie_video::hash_video_file`), checks the hashes as [`App::check_upload`] does (the vPDQ,
//! MD5 and SHA-256 together), stores the answer in the job, deletes the file, and sends the
//! platform the webhook `upload.checked`. The status route reads the job.
//!
//! A video sent to HMA's `POST /h/hash` or `POST /m/lookup` runs the same way
//! ([`App::submit_hma_video`]): the job decodes it once (vPDQ, MD5), and its answer is HMA's
//! answer, the hashes as python-threatexchange names them (`hma_hash`) or the matches per signal
//! type and bank (`hma_lookup`); its end is the webhook `job.finished`.
//!
//! - The queue is bounded (`queue` jobs waiting): one more is `503` with a retry time, before the
//!   upload is accepted.
//! - A crash loses nothing acknowledged: the file is on disk before the 202, a job found
//!   `running` at start is queued again, and a job's end (answer, file gone, webhook queued) is one
//!   transaction.
//! - A broken or hostile video fails its job with the decoder's stable code (`vigie_video`'s
//!   `VideoError::code`), never the server.
//! - Finished jobs are deleted after `keep_jobs`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use vigie_model::bank::{JobKind, JobState, vpdq};
use vigie_model::org::{OrgKind, Role};
use vigie_model::*;
use vigie_store::{JobRecord, Tx};

use crate::banks::uploads::{UploadInput, UploadOutcome};
use crate::banks::video::frames_of;
use crate::outbox::enqueue;
use crate::outbox::messages::{JobFinished, UploadChecked};
use crate::reviewing::Original;
use crate::{App, AppError, AppResult, id_bytes};

/// How video jobs run. No `Default`: `vigie-cli` decides and documents each value.
#[derive(Clone, Debug)]
pub struct VideoJobsConfig {
    /// Where uploads wait to be decoded (made private at start).
    pub dir: PathBuf,
    /// Videos decoded at once.
    pub decodes: usize,
    /// Jobs that may wait for a decoder; one more is refused with 503.
    pub queue: usize,
    /// How long a finished job's answer is kept for the status route.
    pub keep_jobs: Duration,
    /// FFmpeg's limits and vPDQ's rate (`limits.max_bytes` bounds an upload as it streams in).
    pub options: vigie_video::Options,
}

/// The worker's shared state: its wake-up, the decoders, and the jobs it is running.
#[derive(Default)]
pub(crate) struct Worker {
    wakeup: Notify,
    decoders: Option<Arc<Semaphore>>,
    running: Mutex<HashSet<JobId>>,
}

impl Worker {
    pub(crate) fn new(decodes: usize) -> Self {
        Worker { decoders: Some(Arc::new(Semaphore::new(decodes.max(1)))), ..Default::default() }
    }
}

/// What an upload's check needs besides its file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct UploadJobInput {
    url: Option<String>,
    content_id: Option<String>,
    uploader: Option<String>,
}

/// What an HMA lookup of a video needs besides its file: the banks named (`None`: every bank the
/// caller may use) and the sampling coin drawn when it was sent (`None`: every bank).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct HmaJobInput {
    banks: Option<Vec<BankId>>,
    coin: Option<f64>,
}

/// The answer of an upload's check, as the job keeps it and the status route gives it: the same
/// fields as `POST /api/v1/uploads/check`'s answer, plus what the decoder saw.
pub fn upload_answer(o: &UploadOutcome) -> Value {
    use vigie_model::bank::BankKind;
    let matches: Vec<Value> = o
        .matches
        .iter()
        .map(|m| {
            let h = &m.hit;
            let action = match (h.bank.spec.kind, h.bank.spec.stay_down) {
                (BankKind::Allow, _) => "allow",
                (BankKind::Block, true) => "stay_down",
                (BankKind::Block, false) => "flag",
            };
            let mut j = json!({
                "bank": { "id": h.bank.id.as_str(), "name": h.bank.spec.name, "owner": h.bank.owner.as_str(),
                          "kind": h.bank.spec.kind.as_str() },
                "entry": h.entry, "signal_type": h.signal_type.as_str(), "hash": h.hash_name(),
                "distance": h.distance, "action": action, "quarantined": m.quarantined, "variant": h.variant,
            });
            if let Some(v) = &h.video {
                j["video"] = crate::banks::uploads::video_facts(v);
            }
            if let Some(at) = h.frame_at {
                j["frame_at"] = json!(at);
            }
            if let Some(s) = h.similarity {
                j["similarity"] = json!(s);
            }
            if let Some(t) = h.tmk {
                j["tmk"] = json!({ "level1": t.level1, "level2": t.level2 });
            }
            j
        })
        .collect();
    json!({
        "verdict": o.verdict.as_str(),
        "matches": matches,
        "hashes": { "md5": o.md5, "sha256": o.sha256 },
        "case": o.case.as_ref().map(CaseId::as_str),
        "linked_cases": o.linked_cases.iter().map(CaseId::as_str).collect::<Vec<_>>(),
    })
}

/// Whether a file's first bytes (64 are enough) are a video container Vigie decodes.
pub fn looks_like_video(head: &[u8]) -> bool {
    vigie_video::sniff::container(head).is_some()
}

fn check_uploader(p: &Principal) -> AppResult<()> {
    if p.org_kind != OrgKind::Platform || !p.roles.iter().any(|r| matches!(r, Role::Integrator | Role::Moderator)) {
        return Err(AppError::Forbidden("only a platform's integrator or moderator checks uploads"));
    }
    Ok(())
}

/// Who may send a job of this kind: an upload check is a platform's; HMA's hashing and lookups are
/// for whoever works with banks (as HMA's lookups by signal are).
fn check_submitter(p: &Principal, kind: JobKind) -> AppResult<()> {
    match kind {
        JobKind::UploadCheck => check_uploader(p),
        JobKind::HmaHash | JobKind::HmaLookup => crate::banks::require_bank_role(p),
    }
}

impl App {
    fn jobs(&self) -> &Worker {
        &self.inner.jobs
    }

    /// One of the video decoders, waited for: a video decoded within a request (attached to a
    /// case) shares them with the jobs.
    pub(crate) async fn video_decoder(&self) -> AppResult<Option<OwnedSemaphorePermit>> {
        match self.jobs().decoders.clone() {
            Some(d) => d.acquire_owned().await.map(Some).map_err(|_| AppError::Internal("the decoders are closed")),
            None => Ok(None),
        }
    }

    /// The directory uploads are streamed into, made private (0700) if it does not exist.
    pub fn jobs_dir(&self) -> AppResult<&Path> {
        let dir = &self.config().video.dir;
        if !dir.exists() {
            std::fs::create_dir_all(dir).map_err(|_| AppError::Internal("the jobs directory cannot be made"))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
            }
        }
        Ok(dir)
    }

    /// Refuses an upload before it is read when the caller may not check uploads or the queue is
    /// full.
    pub async fn admit_video_check(&self, p: &Principal) -> AppResult<()> {
        self.admit_video_job(p, JobKind::UploadCheck).await
    }

    /// Refuses a video before it is read when the caller may not send a job of this kind or the
    /// queue (shared by every kind) is full.
    pub async fn admit_video_job(&self, p: &Principal, kind: JobKind) -> AppResult<()> {
        check_submitter(p, kind)?;
        let queued = self.store().read(|r| r.count_queued_jobs()).await?;
        if queued >= self.config().video.queue as i64 {
            return Err(AppError::Busy {
                detail: "too many videos wait to be checked; try again later",
                retry_after_secs: 30,
            });
        }
        Ok(())
    }

    /// Records a job for a video upload already written to `file` (a name in [`App::jobs_dir`]):
    /// from the answer on, it will be checked. The fields are checked first, as
    /// [`App::check_upload`] checks them.
    pub async fn submit_video_check(
        &self,
        p: &Principal,
        url: Option<String>,
        content_id: Option<String>,
        uploader: Option<String>,
        file: String,
    ) -> AppResult<JobRecord> {
        self.admit_video_check(p).await?;
        crate::banks::uploads::check_upload_fields(url.as_deref(), content_id.as_deref(), uploader.as_deref())?;
        let input = serde_json::to_string(&UploadJobInput { url, content_id, uploader })
            .map_err(|_| AppError::Internal("a job's input did not serialise"))?;
        self.record_job(p, JobKind::UploadCheck, input, file).await
    }

    /// Records a job for a video sent to HMA's `POST /h/hash` (`kind` `hma_hash`) or
    /// `POST /m/lookup` (`hma_lookup`, with the banks named and the coin drawn), already written
    /// to `file` (a name in [`App::jobs_dir`]).
    pub async fn submit_hma_video(
        &self,
        p: &Principal,
        kind: JobKind,
        banks: Option<Vec<BankId>>,
        coin: Option<f64>,
        file: String,
    ) -> AppResult<JobRecord> {
        if kind == JobKind::UploadCheck {
            return Err(AppError::Internal("an upload check is sent with its fields"));
        }
        self.admit_video_job(p, kind).await?;
        let input = serde_json::to_string(&HmaJobInput { banks, coin })
            .map_err(|_| AppError::Internal("a job's input did not serialise"))?;
        self.record_job(p, kind, input, file).await
    }

    /// Records a queued job and wakes the worker: from here on it is never lost.
    async fn record_job(&self, p: &Principal, kind: JobKind, input: String, file: String) -> AppResult<JobRecord> {
        let now = self.now();
        let job = JobRecord {
            id: JobId::from_random(id_bytes(now)),
            org: p.org.clone(),
            user: p.user.clone(),
            kind,
            state: JobState::Queued,
            input,
            file: Some(file),
            result: None,
            error_code: None,
            error: None,
            created_at: now,
            started_at: None,
            finished_at: None,
        };
        let rec = job.clone();
        self.store().write(move |tx| Ok::<_, AppError>(tx.insert_job(&rec)?)).await?;
        self.jobs().wakeup.notify_one();
        Ok(job)
    }

    /// A job, for the organisation that submitted it (404 for anyone else).
    pub async fn job(&self, p: &Principal, id: &str) -> AppResult<JobRecord> {
        let id = JobId::parse(id).ok_or(AppError::NotFound("job"))?;
        let job = self.store().read(move |r| r.get_job(&id)).await?;
        job.filter(|j| j.org == p.org).ok_or(AppError::NotFound("job"))
    }

    /// Starts every queued job a decoder is free for; returns how many started. The worker
    /// calls it when woken; tests may too.
    pub async fn start_jobs(&self) -> AppResult<usize> {
        let Some(decoders) = self.jobs().decoders.clone() else { return Ok(0) };
        let waiting = self.store().read(|r| r.unfinished_jobs(64)).await?;
        let mut started = 0;
        for job in waiting {
            if !self.jobs().running.lock().unwrap_or_else(|e| e.into_inner()).insert(job.id.clone()) {
                continue;
            }
            let Ok(permit) = decoders.clone().try_acquire_owned() else {
                self.jobs().running.lock().unwrap_or_else(|e| e.into_inner()).remove(&job.id);
                break;
            };
            let app = self.clone();
            started += 1;
            tokio::spawn(async move {
                let id = job.id.clone();
                if let Err(e) = app.run_job(job).await {
                    tracing::error!(job = %id, error = %e, "a job could not be recorded; it runs again at the next start");
                }
                app.jobs().running.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                drop(permit);
                app.jobs().wakeup.notify_one();
            });
        }
        Ok(started)
    }

    /// Decodes and checks one job's video, then records its end.
    async fn run_job(&self, mut job: JobRecord) -> AppResult<()> {
        job.state = JobState::Running;
        job.started_at = Some(self.now());
        let running = job.clone();
        self.store().write(move |tx| Ok::<_, AppError>(tx.update_job(&running)?)).await?;
        let path = job.file.as_ref().map(|f| self.config().video.dir.join(f));
        let outcome = match path.clone() {
            None => Err(("file_gone", "the upload's file is gone".to_owned())),
            Some(path) => match job.kind {
                JobKind::UploadCheck => self.check_video_file(&job, path).await,
                JobKind::HmaHash | JobKind::HmaLookup => self.hma_video_file(&job, path).await,
            },
        };
        let now = self.now();
        job.finished_at = Some(now);
        job.file = None;
        match &outcome {
            Ok(answer) => {
                job.state = JobState::Done;
                job.result = Some(answer.to_string());
            }
            Err((code, message)) => {
                job.state = JobState::Failed;
                job.error_code = Some((*code).to_owned());
                job.error = Some(message.clone());
            }
        }
        let done = job.clone();
        if job.kind == JobKind::UploadCheck {
            let message = UploadChecked {
                job: job.id.clone(),
                state: job.state.as_str(),
                verdict: outcome.as_ref().ok().and_then(|a| a["verdict"].as_str().map(str::to_owned)),
                case: outcome.as_ref().ok().and_then(|a| a["case"].as_str().and_then(CaseId::parse)),
                error_code: job.error_code.clone(),
            };
            self.store()
                .write(move |tx: &mut dyn Tx| {
                    tx.update_job(&done)?;
                    enqueue(tx, now, &done.org, &message, message.case.as_ref(), false)?;
                    Ok::<_, AppError>(())
                })
                .await?;
        } else {
            let message = JobFinished {
                job: job.id.clone(),
                kind: job.kind.as_str(),
                state: job.state.as_str(),
                error_code: job.error_code.clone(),
            };
            self.store()
                .write(move |tx: &mut dyn Tx| {
                    tx.update_job(&done)?;
                    enqueue(tx, now, &done.org, &message, None, false)?;
                    Ok::<_, AppError>(())
                })
                .await?;
        }
        if let Some(path) = path {
            let _ = std::fs::remove_file(path);
        }
        self.wake_delivery();
        Ok(())
    }

    /// The video's hashes, checked against the banks as its submitter; or why not, as a stable
    /// code and a sentence.
    async fn check_video_file(&self, job: &JobRecord, path: PathBuf) -> Result<Value, (&'static str, String)> {
        let p = self.job_principal(job).await.map_err(|e| ("submitter_gone", e.to_string()))?;
        let input: UploadJobInput = serde_json::from_str(&job.input)
            .map_err(|_| ("internal", "the job's recorded fields do not read".to_owned()))?;
        let mut options = self.config().video.options.clone();
        // TMK+PDQF from the same decode, when a bank holds TMK entries to match it against.
        options.tmk |= self.matcher().status().tmk > 0;
        let file = path.clone();
        // One decode: the hashes, and the blurred stills of a stay-down case's storyboard.
        let hashed = tokio::task::spawn_blocking(move || vigie_video::hash_video_file_with_stills(&file, &options))
            .await
            .map_err(|_| ("internal", "the decoder panicked".to_owned()))?;
        let (h, stills) = hashed.map_err(|e| (e.code(), e.to_string()))?;
        let vpdq_signal = (!h.vpdq.is_empty()).then(|| vpdq::canonical(&frames_of(&h.vpdq)));
        let upload = UploadInput {
            url: input.url,
            content_id: input.content_id,
            uploader: input.uploader,
            md5: Some(h.md5.clone()),
            sha256: Some(h.sha256.clone()),
            vpdq: vpdq_signal,
            tmk: h.tmk.clone(),
            ..Default::default()
        };
        let outcome = self.check_upload(&p, upload).await.map_err(|e| match e {
            AppError::Invalid(i) => ("validation_failed", i.to_string()),
            other => ("check_failed", other.to_string()),
        })?;
        let mut answer = upload_answer(&outcome);
        if let Some(case) = &outcome.case {
            let hits: Vec<crate::banks::Hit> = outcome.matches.iter().map(|m| m.hit.clone()).collect();
            let kept = self.keep_video_on_case(&p, case, &path, &h, &stills, &hits).await;
            answer["case_media"] = match kept {
                Ok(media) => json!(media.as_str()),
                Err(e) => {
                    // The case stands; the reviewer sees it without the storyboard.
                    tracing::warn!(job = %job.id, case = %case, error = %e, "a stay-down video could not be kept on its case");
                    Value::Null
                }
            };
        }
        answer["video"] = json!({
            "container": h.container.as_str(), "width": h.width, "height": h.height, "frame_rate": h.frame_rate,
            "duration_s": h.duration, "frames_hashed": h.vpdq.len(), "seconds_per_hash": h.seconds_per_hash,
        });
        Ok(answer)
    }

    /// Keeps a checked upload's video on the stay-down case its match opened (or folded into), as
    /// if attached: the original for the viewer, the blurred storyboard over the matched segments
    /// and the timeline's facts, from the job's one decode. A video already on the case (the same
    /// SHA-256: a re-upload folded in, or the job run again after a stop) is not kept twice, and
    /// one larger than the case media limit (`hash_limits.max_bytes`) is kept without its original:
    /// the reviewer sees its storyboard and timeline, and cannot play it.
    async fn keep_video_on_case(
        &self,
        p: &Principal,
        case: &CaseId,
        path: &Path,
        h: &vigie_video::VideoHashes,
        stills: &[vigie_video::Still],
        hits: &[crate::banks::Hit],
    ) -> AppResult<MediaId> {
        let size = std::fs::metadata(path).map_err(|_| AppError::Internal("the upload's file is gone"))?.len();
        let id = case.clone();
        let (record, media) = self.store().read(move |r| Ok((r.get_case(&id)?, r.case_media(&id)?))).await?;
        let record = record.ok_or(AppError::NotFound("case"))?;
        if let Some(kept) = media.into_iter().find(|m| m.sha256 == h.sha256) {
            return Ok(kept.id);
        }
        let original = if size > self.config().hash_limits.max_bytes as u64 {
            Original::NotKept { sha256: h.sha256.clone(), size }
        } else {
            Original::Kept(
                tokio::fs::read(path).await.map_err(|_| AppError::Internal("the upload's file cannot be read"))?,
            )
        };
        let (found, matches) = crate::case_video::examined(h, stills, hits);
        Ok(self.keep_media(p, record, original, found, matches).await?.id)
    }

    /// An HMA job's video: decoded once (vPDQ, MD5) as its submitter, and answered as HMA
    /// answers `POST /h/hash` (the hashes by python-threatexchange's names) or `POST /m/lookup`
    /// (each hash's matches by bank name); or why not, as a stable code and a sentence.
    async fn hma_video_file(&self, job: &JobRecord, path: PathBuf) -> Result<Value, (&'static str, String)> {
        let p = self.job_principal(job).await.map_err(|e| ("submitter_gone", e.to_string()))?;
        let input: HmaJobInput = serde_json::from_str(&job.input)
            .map_err(|_| ("internal", "the job's recorded fields do not read".to_owned()))?;
        let options = self.config().video.options.clone();
        let hashed = tokio::task::spawn_blocking(move || vigie_video::hash_video_file(&path, &options))
            .await
            .map_err(|_| ("internal", "the decoder panicked".to_owned()))?;
        let h = hashed.map_err(|e| (e.code(), e.to_string()))?;
        if job.kind == JobKind::HmaHash {
            let mut answer = json!({ "video_md5": h.md5 });
            if !h.vpdq.is_empty() {
                answer["vpdq"] = json!(vpdq::pytx(&frames_of(&h.vpdq)));
            }
            return Ok(answer);
        }
        let mut md5 = [0u8; 16];
        hex::decode_to_slice(&h.md5, &mut md5)
            .map_err(|_| ("internal", "the decoder's MD5 does not read".to_owned()))?;
        let by_md5 = crate::banks::Query { md5: Some(md5), ..Default::default() };
        let lookup = |q: &crate::banks::Query| {
            self.lookup(&p, q, input.banks.as_deref(), input.coin, false).map_err(|e| ("check_failed", e.to_string()))
        };
        let mut answer = json!({ "video_md5": crate::banks::hma::by_bank(&lookup(&by_md5)?) });
        if !h.vpdq.is_empty() {
            let by_vpdq = crate::banks::Query { vpdq: h.vpdq.clone(), ..Default::default() };
            answer["vpdq"] = json!(crate::banks::hma::by_bank(&lookup(&by_vpdq)?));
        }
        Ok(answer)
    }

    /// The job's submitter as they are now: a person removed since, or whose organisation no
    /// longer lets them send this kind of job, fails the job.
    async fn job_principal(&self, job: &JobRecord) -> AppResult<Principal> {
        let (user, org) = (job.user.clone(), job.org.clone());
        let found = self.store().read(move |r| Ok((r.get_user(&user)?, r.get_org(&org)?))).await?;
        let (Some(user), Some(org)) = found else { return Err(AppError::Forbidden("the job's submitter is gone")) };
        if user.deactivated_at.is_some() || user.org != job.org {
            return Err(AppError::Forbidden("the job's submitter was removed"));
        }
        let p = Principal {
            token: TokenId::from_random([0; 16]),
            user: user.id,
            org: org.id,
            org_kind: org.kind,
            roles: user.roles,
        };
        check_submitter(&p, job.kind)?;
        Ok(p)
    }

    /// Queues again the jobs a stop interrupted (their files are still on disk), and deletes the
    /// uploads a stop left without a job (received, never acknowledged).
    pub async fn recover_jobs(&self) -> AppResult<usize> {
        let (interrupted, files) = self
            .store()
            .write(move |tx| {
                let mut n = 0;
                let unfinished = tx.unfinished_jobs(u32::MAX)?;
                let files: HashSet<String> = unfinished.iter().filter_map(|j| j.file.clone()).collect();
                for mut job in unfinished.into_iter().filter(|j| j.state == JobState::Running) {
                    job.state = JobState::Queued;
                    job.started_at = None;
                    tx.update_job(&job)?;
                    n += 1;
                }
                Ok::<_, AppError>((n, files))
            })
            .await?;
        if let Ok(dir) = std::fs::read_dir(&self.config().video.dir) {
            for entry in dir.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with("upload-") && !files.contains(&name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(interrupted)
    }

    /// Deletes the jobs finished longer than `keep_jobs` ago; returns how many.
    pub async fn delete_old_jobs(&self) -> AppResult<usize> {
        let before = self.now().minus(self.config().video.keep_jobs);
        self.store().write(move |tx| Ok::<_, AppError>(tx.delete_jobs_finished_before(before)?)).await
    }
}

/// The worker: takes jobs up again after a stop, then starts queued jobs whenever woken (a
/// submission, a job's end) and at least every minute, deleting old finished jobs as it goes.
pub(crate) async fn run(app: App) {
    if let Err(e) = app.recover_jobs().await {
        tracing::error!(error = %e, "interrupted jobs could not be queued again");
    }
    loop {
        if let Err(e) = app.start_jobs().await {
            tracing::warn!(error = %e, "the job worker could not read the queue");
        }
        if let Err(e) = app.delete_old_jobs().await {
            tracing::warn!(error = %e, "old jobs could not be deleted");
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(60), app.jobs().wakeup.notified()).await;
    }
}
