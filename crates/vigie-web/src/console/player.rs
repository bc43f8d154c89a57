//! Video in the viewer: the revealed original served in byte ranges (RFC 9110 §14), so that the
//! browser's player can seek without loading the whole file, to those who revealed it and only
//! for the reveal's grant; and the page's reports of the time a reviewer spent with a revealed
//! video playing, which the use-case bounds and counts in the person's own exposure figure.

use axum::extract::{Path, State};
use axum::http::header::{ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::session::{CsrfForm, Viewer};
use super::{PageError, field};
use crate::AppState;

/// The media type a browser plays a container as; `None` for containers browsers do not play
/// (they are downloaded instead).
pub(crate) fn playable_type(format: &str) -> Option<&'static str> {
    match format {
        "mp4" => Some("video/mp4"),
        // WebM is Matroska; browsers play WebM's codecs from either.
        "matroska" => Some("video/webm"),
        "ogg" => Some("video/ogg"),
        _ => None,
    }
}

/// One satisfiable range of a `Range` header, as `start..end` (end exclusive), or why not.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Ranged {
    /// No range asked (or one this server ignores, as RFC 9110 allows: several, or not bytes).
    Whole,
    Part(std::ops::Range<usize>),
    Unsatisfiable,
}

/// Reads a `Range` header against a representation of `len` bytes.
pub(crate) fn range_of(header: Option<&str>, len: usize) -> Ranged {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ranged::Whole };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Ranged::Whole };
    let (a, b) = (a.trim(), b.trim());
    let parsed = |v: &str| v.parse::<u64>().ok().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    match (a.is_empty(), b.is_empty()) {
        // The last `b` bytes.
        (true, false) => match parsed(b) {
            None => Ranged::Whole,
            Some(0) => Ranged::Unsatisfiable,
            Some(_) if len == 0 => Ranged::Unsatisfiable,
            Some(n) => Ranged::Part(len.saturating_sub(n)..len),
        },
        (false, _) => {
            let Some(start) = parsed(a) else { return Ranged::Whole };
            let end = if b.is_empty() { Some(len) } else { parsed(b).map(|e| e.saturating_add(1).min(len)) };
            match end {
                None => Ranged::Whole,
                Some(end) if start >= len || end <= start => Ranged::Unsatisfiable,
                Some(end) => Ranged::Part(start..end),
            }
        }
        (true, true) => Ranged::Whole,
    }
}

/// A revealed video, in the range asked: 206 with `Content-Range`, 416 for a range past its end,
/// or the whole file; never cached (`no-store` comes with every media response).
pub(crate) fn ranged_response(bytes: Vec<u8>, content_type: &'static str, headers: &HeaderMap) -> Response {
    let len = bytes.len();
    let asked = headers.get(RANGE).and_then(|v| v.to_str().ok());
    let mut res = match range_of(asked, len) {
        Ranged::Whole => super::review::media_response(bytes, content_type, None),
        Ranged::Part(r) => {
            let (start, end) = (r.start, r.end);
            let mut res = super::review::media_response(bytes[r].to_vec(), content_type, None);
            *res.status_mut() = StatusCode::PARTIAL_CONTENT;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)) {
                res.headers_mut().insert(CONTENT_RANGE, v);
            }
            res
        }
        Ranged::Unsatisfiable => {
            let mut res = super::review::media_response(Vec::new(), content_type, None);
            *res.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                res.headers_mut().insert(CONTENT_RANGE, v);
            }
            res.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
            res
        }
    };
    res.headers_mut().insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    res
}

/// The page reports time spent with a revealed video playing (`seconds`, a decimal number): the
/// use-case counts no more than has elapsed since the reveal. Answers 204.
pub(crate) async fn viewed(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let seconds = field(&form, "seconds").and_then(|v| v.trim().parse::<f64>().ok()).unwrap_or(f64::NAN);
    s.app.report_viewing(&v.principal, &id, seconds).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_as_rfc_9110_says() {
        let r = |h: &str| range_of(Some(h), 1000);
        assert_eq!(range_of(None, 1000), Ranged::Whole);
        assert_eq!(r("bytes=0-99"), Ranged::Part(0..100));
        assert_eq!(r("bytes=900-"), Ranged::Part(900..1000));
        assert_eq!(r("bytes=-100"), Ranged::Part(900..1000));
        assert_eq!(r("bytes=-5000"), Ranged::Part(0..1000));
        assert_eq!(r("bytes=990-5000"), Ranged::Part(990..1000), "an end past the last byte is cut to it");
        assert_eq!(r("bytes=1000-"), Ranged::Unsatisfiable);
        assert_eq!(r("bytes=-0"), Ranged::Unsatisfiable);
        assert_eq!(r("bytes=50-10"), Ranged::Unsatisfiable);
        assert_eq!(r("bytes=0-1,5-6"), Ranged::Whole, "several ranges: the whole file");
        assert_eq!(r("items=0-1"), Ranged::Whole);
        assert_eq!(r("bytes=x-1"), Ranged::Whole);
    }
}
