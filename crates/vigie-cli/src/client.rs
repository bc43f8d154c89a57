//! The HTTP client the CLI's remote commands share: the server's URL and the caller's token from
//! the environment (`VIGIE_URL`, `VIGIE_TOKEN`), problems turned into readable errors.

use anyhow::{Context, bail};
use serde_json::Value;

#[derive(clap::Args)]
pub(crate) struct Connection {
    /// The server's base URL (remote commands).
    #[arg(long, global = true, default_value = "http://127.0.0.1:8080", env = "VIGIE_URL")]
    pub(crate) server: String,
    /// The bearer token of the person acting (not needed for the public steps: an uploader's
    /// notice and complaints, a notifier's complaint).
    #[arg(long, global = true, env = "VIGIE_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
}

pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    token: Option<String>,
}

impl Client {
    pub(crate) fn new(c: &Connection) -> anyhow::Result<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(600))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("while building the HTTP client")?;
        Ok(Self {
            http,
            base: c.server.trim_end_matches('/').to_owned(),
            token: c.token.clone().filter(|t| !t.is_empty()),
        })
    }

    /// Sends a request; a non-success answer becomes an error carrying the server's problem.
    pub(crate) async fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let res = req.send().await.with_context(|| format!("while reaching {}", self.base))?;
        if res.status().is_success() {
            return Ok(res);
        }
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        let problem: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
        let mut msg = format!(
            "the server answered {status} ({}): {}",
            problem["code"].as_str().unwrap_or("?"),
            problem["detail"].as_str().unwrap_or("")
        );
        for e in problem["errors"].as_array().into_iter().flatten() {
            msg.push_str(&format!(
                "\n  {}: {}",
                e["field"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or("")
            ));
        }
        bail!(msg)
    }

    /// Sends `method path` with an optional JSON body; returns the JSON answer.
    pub(crate) async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        Ok(self.send(req).await?.json().await?)
    }
}
