//! The accept loop: HTTP/1.1 connections with a cap and timeouts.
//!
//! `axum::serve` holds every connection for as long as the client likes: an idle socket, or one
//! that sends its headers a byte at a time, costs a file descriptor forever, and enough of them
//! starve the process of descriptors (then SQLite cannot open a file and `/healthz` hangs). Here:
//!
//! - a request's head must arrive within `header_read_timeout`, which is also how long an idle
//!   keep-alive connection is kept (hyper starts that clock whenever it waits for a head);
//! - a request must be answered within `request_timeout`, body included;
//! - at most `max_connections` are open at once; one more is answered `503` with
//!   `Retry-After` and closed at once, so a flood costs one descriptor per connection for an
//!   instant, and the cap sits below the process's descriptor limit.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::response::IntoResponse;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::error::{ApiError, Code};

/// How connections are bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Open connections at most; 0: derived from the process's descriptor limit.
    pub max_connections: usize,
    /// Time to send a request's head, and to keep an idle connection.
    pub header_read_timeout: Duration,
    /// Time to answer one request, reading its body included.
    pub request_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 0,
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(300),
        }
    }
}

/// Descriptors kept for everything but client connections: the database and its WAL, the
/// snapshot, webhook and Transparency Database clients, log files.
const RESERVED_DESCRIPTORS: usize = 128;

/// The soft limit on open files, from `/proc/self/limits` (Linux); `None` elsewhere.
fn descriptor_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

impl ConnectionLimits {
    /// The cap in force: the one configured, or the descriptor limit less a reserve, at most
    /// 4,096 and at least 16.
    pub fn effective_max(&self) -> usize {
        if self.max_connections > 0 {
            return self.max_connections;
        }
        descriptor_limit().map_or(1024, |n| n.saturating_sub(RESERVED_DESCRIPTORS)).clamp(16, 4096)
    }
}

/// The answer to a connection beyond the cap, written without reading its request.
fn over_capacity() -> &'static [u8] {
    static ANSWER: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    ANSWER.get_or_init(|| {
        let code = Code::Busy;
        let body = serde_json::json!({
            "type": format!("urn:vigie:problem:{code}"), "title": code.title(), "status": code.status().as_u16(),
            "detail": "the server has as many connections open as it allows; try again shortly", "code": code.as_str(),
        })
        .to_string();
        format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\nretry-after: 1\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    })
}

/// Serves `app` on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, app: Router, limits: ConnectionLimits) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.effective_max()));
    loop {
        let (mut tcp, peer) = match listener.accept().await {
            Ok(c) => c,
            // Out of descriptors or a connection reset before it was accepted: wait and go on.
            Err(e) => {
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), tcp.write_all(over_capacity())).await;
                let _ = tcp.shutdown().await;
            });
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                let call = app.clone().oneshot(req.map(axum::body::Body::new));
                async move {
                    match tokio::time::timeout(limits.request_timeout, call).await {
                        Ok(res) => res,
                        Err(_) => Ok::<_, Infallible>(
                            ApiError::new(Code::RequestTimeout, "the request took too long to arrive").into_response(),
                        ),
                    }
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(tcp), service)
                .with_upgrades();
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_over_capacity_answer_declares_its_true_length() {
        let text = std::str::from_utf8(over_capacity()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let declared: usize = head.lines().find_map(|l| l.strip_prefix("content-length: ")).unwrap().parse().unwrap();
        assert_eq!(declared, body.len());
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!((problem["status"].as_u64(), problem["code"].as_str()), (Some(503), Some("busy")));
    }

    #[test]
    fn the_cap_defaults_below_the_descriptor_limit() {
        let derived = ConnectionLimits::default().effective_max();
        if let Some(n) = descriptor_limit() {
            assert!(derived <= n.saturating_sub(RESERVED_DESCRIPTORS).max(16), "{derived} for a limit of {n}");
        }
        assert_eq!(ConnectionLimits { max_connections: 7, ..Default::default() }.effective_max(), 7);
    }
}
