//! The closed-loop load: a fixed number of tasks, each posting one notice after another, and the
//! statistics over the measured window.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

use crate::server::BENCH_HOST;

/// What to run.
pub(crate) struct LoadConfig {
    pub(crate) client: reqwest::Client,
    pub(crate) notices_url: String,
    pub(crate) concurrency: usize,
    pub(crate) distinct: u64,
    pub(crate) warmup: Duration,
    pub(crate) duration: Duration,
}

/// Results over the measured window: requests that completed after the warm-up and before the
/// end. Requests still in flight at the end are not counted.
#[derive(Default)]
pub(crate) struct Report {
    pub(crate) accepted: u64,
    /// Failed requests by status code, or `transport` when no answer came.
    pub(crate) errors: BTreeMap<String, u64>,
    /// The first failure seen (warm-up included), with its answer's body.
    pub(crate) first_error: Option<String>,
    /// Failures during the warm-up (not in `errors`).
    pub(crate) warmup_errors: u64,
    /// Latencies of accepted notices, sorted once merged.
    latencies: Vec<Duration>,
    measured: Duration,
}

impl Report {
    pub(crate) fn per_second(&self) -> f64 {
        self.accepted as f64 / self.measured.as_secs_f64()
    }

    /// The latency at quantile `q` (0 < q <= 1, nearest rank), in milliseconds.
    pub(crate) fn latency_ms(&self, q: f64) -> Option<f64> {
        let n = self.latencies.len();
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        Some(self.latencies[rank - 1].as_secs_f64() * 1000.0)
    }

    fn merge(&mut self, other: Report) {
        self.accepted += other.accepted;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.warmup_errors += other.warmup_errors;
        self.latencies.extend(other.latencies);
    }
}

/// Runs the warm-up then the measured window, and gathers the results of every task.
pub(crate) async fn run(config: LoadConfig) -> anyhow::Result<Report> {
    let start = Instant::now();
    let window = Window { from: start + config.warmup, to: start + config.warmup + config.duration };
    let config = Arc::new(config);
    let counter = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency {
        tasks.spawn(worker(config.clone(), counter.clone(), window));
    }
    let mut report = Report { measured: config.duration, ..Report::default() };
    while let Some(done) = tasks.join_next().await {
        report.merge(done.context("a load task failed")?);
    }
    report.latencies.sort_unstable();
    Ok(report)
}

#[derive(Clone, Copy)]
struct Window {
    from: Instant,
    to: Instant,
}

/// One in-flight slot: posts notices back to back until the window closes.
async fn worker(config: Arc<LoadConfig>, counter: Arc<AtomicU64>, window: Window) -> Report {
    let mut report = Report::default();
    loop {
        let sent = Instant::now();
        if sent >= window.to {
            return report;
        }
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let outcome = post_notice(&config, n).await;
        let done = Instant::now();
        let measured = done >= window.from && done <= window.to;
        let failure = match outcome {
            Ok(Outcome::Accepted) => {
                if measured {
                    report.accepted += 1;
                    report.latencies.push(done - sent);
                }
                continue;
            }
            Ok(Outcome::Refused(status, body)) => (status.as_u16().to_string(), format!("{status}: {body}")),
            Err(e) => ("transport".to_owned(), format!("{e:#}")),
        };
        if measured {
            *report.errors.entry(failure.0).or_default() += 1;
        } else if done < window.from {
            report.warmup_errors += 1;
        }
        if report.first_error.is_none() {
            report.first_error = Some(truncate(failure.1, 500));
        }
    }
}

enum Outcome {
    Accepted,
    Refused(StatusCode, String),
}

/// Posts notice number `n` and reads the whole answer. Accepted means 201 with an `id`.
async fn post_notice(config: &LoadConfig, n: u64) -> anyhow::Result<Outcome> {
    let body = format!(
        concat!(
            r#"{{"explanation":"synthetic benchmark notice {n}","#,
            r#""locations":[{{"url":"https://{host}/watch?v={v}"}}],"#,
            r#""good_faith":true,"notifier_email":"bench{n}@example.org"}}"#
        ),
        n = n,
        host = BENCH_HOST,
        v = n % config.distinct,
    );
    let resp = config
        .client
        .post(&config.notices_url)
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .context("sending the notice")?;
    let status = resp.status();
    let bytes = resp.bytes().await.context("reading the answer")?;
    let has_id = || {
        serde_json::from_slice::<serde_json::Value>(&bytes)
            .is_ok_and(|v| v.get("id").is_some_and(serde_json::Value::is_string))
    };
    if status == StatusCode::CREATED && has_id() {
        Ok(Outcome::Accepted)
    } else {
        Ok(Outcome::Refused(status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}
