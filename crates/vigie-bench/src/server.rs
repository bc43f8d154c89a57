//! The server under load: starting a `vigie` child on a temporary data directory, and the
//! setup calls (platform, person, token, approved host) made through the API.

use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The host claimed for the benchmark platform; every notice points at it.
pub(crate) const BENCH_HOST: &str = "bench-video.example";

/// A fresh administrator token in the server's format (`vgt_` + 64 hex digits). Not for
/// production use: std's hasher keys are random per process, which is enough for a benchmark.
pub(crate) fn make_admin_token() -> String {
    let state = RandomState::new();
    let hex: String = (0..4u64).map(|i| format!("{:016x}", state.hash_one((i, std::process::id())))).collect();
    format!("vgt_{hex}")
}

/// A `vigie serve` child with its temporary directory; both are cleaned up on drop.
pub(crate) struct SpawnedServer {
    child: Child,
    dir: PathBuf,
    /// The directory was given by the caller: it stays.
    keep: bool,
    log: PathBuf,
    port: u16,
    pub(crate) base_url: String,
}

impl SpawnedServer {
    /// Starts `binary serve` on a free loopback port, with its data and log in a new
    /// temporary directory. Does not wait for it to answer.
    pub(crate) fn start(binary: &Path, admin_token: &str) -> anyhow::Result<Self> {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("vigie-bench-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).with_context(|| format!("while creating {}", dir.display()))?;
        // From here on, a failure must still remove the directory.
        let cleanup = |e: anyhow::Error| {
            let _ = std::fs::remove_dir_all(&dir);
            e
        };
        let port = free_port().map_err(cleanup)?;
        let log = dir.join("server.log");
        let child = spawn(binary, &dir, port, admin_token).map_err(cleanup)?;
        Ok(Self { child, dir, keep: false, log, port, base_url: format!("http://127.0.0.1:{port}") })
    }

    /// Starts `binary serve` with its data and log in `dir` (made if missing), which stays after
    /// the server stops, so that a later run reuses its data.
    pub(crate) fn start_in(binary: &Path, dir: &Path, admin_token: &str) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("while creating {}", dir.display()))?;
        let port = free_port()?;
        let child = spawn(binary, dir, port, admin_token)?;
        let dir = dir.to_path_buf();
        let log = dir.join("server.log");
        Ok(Self { child, dir, keep: true, log, port, base_url: format!("http://127.0.0.1:{port}") })
    }

    /// The server process's user and system CPU seconds so far (Linux).
    pub(crate) fn cpu_seconds(&self) -> (f64, f64) {
        cpu_seconds_of(&format!("/proc/{}/stat", self.child.id()))
    }

    /// The server's data directory.
    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server process's resident memory, in bytes (Linux).
    pub(crate) fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok().map(|kb| kb * 1024)
    }

    /// Stops the server: SIGTERM and wait (a clean stop), or SIGKILL (a crash).
    pub(crate) fn halt(&mut self, graceful: bool) -> anyhow::Result<()> {
        if graceful {
            let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status()?;
            anyhow::ensure!(status.success(), "kill -TERM failed");
        } else {
            self.child.kill()?;
        }
        self.child.wait()?;
        Ok(())
    }

    /// Starts the server again on the same data directory and port.
    pub(crate) fn respawn(&mut self, binary: &Path, admin_token: &str) -> anyhow::Result<()> {
        self.child = spawn(binary, &self.dir, self.port, admin_token)?;
        Ok(())
    }

    /// Polls `GET /healthz` every 50 ms until it answers 200, for at most 30 s.
    pub(crate) async fn wait_healthy(&mut self, client: &reqwest::Client) -> anyhow::Result<()> {
        self.wait_healthy_within(client, Duration::from_secs(30)).await
    }

    /// Waits until `/healthz` answers 200 (a server answers only once its store and bank index
    /// are loaded), for at most `limit`.
    pub(crate) async fn wait_healthy_within(
        &mut self,
        client: &reqwest::Client,
        limit: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + limit;
        let url = format!("{}/healthz", self.base_url);
        loop {
            if let Some(status) = self.child.try_wait().context("while checking the server")? {
                bail!("the server exited ({status}) before answering; its log:\n{}", self.log_text());
            }
            let answer = client.get(&url).timeout(Duration::from_secs(1)).send().await;
            if let Ok(r) = answer
                && r.status() == StatusCode::OK
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("{url} did not answer 200 within {limit:?}; server log:\n{}", self.log_text());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the server; if `show_log`, prints a digest of its log (warnings and errors) first.
    pub(crate) fn stop(mut self, show_log: bool) {
        // Stop first, so that the log is complete.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if show_log {
            let text = self.log_text();
            let lines: Vec<&str> = text.lines().collect();
            let notable: Vec<&&str> = lines
                .iter()
                .filter(|l| ["WARN", "ERROR", "panicked", "took long"].iter().any(|k| l.contains(k)))
                .collect();
            eprintln!("server log: {} lines, {} warnings, errors or slow steps", lines.len(), notable.len());
            for l in notable.iter().skip(notable.len().saturating_sub(20)) {
                eprintln!("  {l}");
            }
        }
    }

    fn log_text(&self) -> String {
        match std::fs::read_to_string(&self.log) {
            Ok(text) if text.trim().is_empty() => "(empty)".to_owned(),
            Ok(text) => text,
            Err(e) => format!("(could not read {}: {e})", self.log.display()),
        }
    }
}

impl Drop for SpawnedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// User and system CPU seconds of a process, from its `/proc/<pid>/stat` (or `/proc/self/stat`).
pub(crate) fn cpu_seconds_of(stat_path: &str) -> (f64, f64) {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    // Fields after the command name (which ends with the last ')'): utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<f64> = rest.split_whitespace().map(|f| f.parse().unwrap_or(0.0)).collect();
    let tick = 100.0; // USER_HZ on Linux
    (fields.get(11).copied().unwrap_or(0.0) / tick, fields.get(12).copied().unwrap_or(0.0) / tick)
}

/// A port that was free a moment ago: bind to port 0, read it, let it go.
/// `vigie serve` on `dir/data`, logging (appending) to `dir/server.log`.
fn spawn(binary: &Path, dir: &Path, port: u16, admin_token: &str) -> anyhow::Result<Child> {
    let log_file = File::options()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .context("while opening the server log")?;
    let log_file2 = log_file.try_clone().context("while duplicating the server log handle")?;
    Command::new(binary)
        .arg("serve")
        .arg("--data")
        .arg(dir.join("data"))
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("VIGIE_ADMIN_TOKEN", admin_token)
        .env("VIGIE_PUBLIC_RATE_LIMIT", "0")
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(log_file2)
        .spawn()
        .context("while spawning the server")
}

fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("while looking for a free port")?;
    Ok(listener.local_addr().context("while reading the free port")?.port())
}

/// The load generator's client: HTTP/1.1 over loopback without a proxy, Nagle off, and enough
/// idle connections kept for `concurrency` requests in flight.
pub(crate) fn load_client(concurrency: usize, timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .http1_only()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(concurrency.max(16))
        .timeout(timeout)
        .build()
        .context("while building the HTTP client")
}

/// Starts `binary` on a temporary data directory with the administrator token `admin` and sets
/// up a platform on it ([`Api::set_up_platform`]); returns the server, its API and the platform's
/// token.
pub(crate) async fn spawn_with_platform(
    binary: &Path,
    client: &reqwest::Client,
    admin: &str,
) -> anyhow::Result<(SpawnedServer, Api, String)> {
    let mut server = SpawnedServer::start(binary, admin)?;
    server.wait_healthy(client).await?;
    let api = Api { client: client.clone(), base_url: server.base_url.clone() };
    let token = api.set_up_platform(admin).await?;
    Ok((server, api, token))
}

/// The API of a running server, for the setup calls.
pub(crate) struct Api {
    pub(crate) client: reqwest::Client,
    pub(crate) base_url: String,
}

impl Api {
    /// Creates a platform with an integrator, has it claim [`BENCH_HOST`] and approves the claim,
    /// so that notices on that host route to the platform. A host left claimed or approved by an
    /// earlier run on the same server is accepted as it is.
    /// Creates a platform with an approved host; returns its integrator's token.
    pub(crate) async fn set_up_platform(&self, admin_token: &str) -> anyhow::Result<String> {
        let org = self
            .call(
                Method::POST,
                "/api/v1/orgs",
                admin_token,
                json!({
                    "name": "Bench Tube",
                    "kind": "platform",
                    "main_establishment": "IE",
                    "contact_point": {"email": "tco@bench.example"},
                }),
                &[StatusCode::CREATED],
            )
            .await?;
        let org_id = id_of(&org, "id")?;
        let user = self
            .call(
                Method::POST,
                &format!("/api/v1/orgs/{org_id}/users"),
                admin_token,
                json!({"name": "Bench integrator", "roles": ["integrator", "moderator"]}),
                &[StatusCode::CREATED],
            )
            .await?;
        let user_id = id_of(&user, "id")?;
        let token = self
            .call(
                Method::POST,
                &format!("/api/v1/users/{user_id}/tokens"),
                admin_token,
                json!({}),
                &[StatusCode::CREATED],
            )
            .await?;
        let platform_token = id_of(&token, "token")?;
        let (status, claim) = self
            .call_status(
                Method::POST,
                "/api/v1/hosts",
                &platform_token,
                json!({"host": BENCH_HOST}),
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            )
            .await?;
        if status == StatusCode::CONFLICT {
            eprintln!("note: {BENCH_HOST} was already claimed on this server: {claim}");
        }
        self.call_status(
            Method::POST,
            &format!("/api/v1/hosts/{BENCH_HOST}/approve"),
            admin_token,
            json!({}),
            &[StatusCode::OK, StatusCode::CONFLICT],
        )
        .await?;
        Ok(platform_token)
    }

    /// [`Self::call_status`] without the status.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
        expected: &[StatusCode],
    ) -> anyhow::Result<Value> {
        Ok(self.call_status(method, path, token, body, expected).await?.1)
    }

    /// One JSON call with a bearer token; any status outside `expected` is an error that
    /// carries the answer's body.
    async fn call_status(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Value,
        expected: &[StatusCode],
    ) -> anyhow::Result<(StatusCode, Value)> {
        let url = format!("{}{path}", self.base_url);
        let resp = self
            .client
            .request(method.clone(), &url)
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("{method} {path}: no answer"))?;
        let status = resp.status();
        let text = resp.text().await.with_context(|| format!("{method} {path}: while reading the answer"))?;
        if !expected.contains(&status) {
            bail!("{method} {path} answered {status}: {text}");
        }
        if text.is_empty() {
            return Ok((status, Value::Null));
        }
        let value = serde_json::from_str(&text)
            .with_context(|| format!("{method} {path} answered {status} with non-JSON: {text}"))?;
        Ok((status, value))
    }
}

/// A string field of a JSON answer.
fn id_of(v: &Value, field: &str) -> anyhow::Result<String> {
    v.get(field).and_then(Value::as_str).map(str::to_owned).with_context(|| format!("no string `{field}` in {v}"))
}
