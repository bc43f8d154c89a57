//! Hashing media for clients: uploaded bytes, or a URL on an allow-listed host.

use vigie_hash::{DecodeError, HashOptions, ImageHashes};
use vigie_model::Principal;

use crate::{App, AppError, AppResult};

/// What a client asks to be computed.
#[derive(Clone, Copy, Debug, Default)]
pub struct HashRequest {
    pub dihedral: bool,
}

impl App {
    /// Hashes an image off the async threads. Any authenticated organisation may hash.
    pub async fn hash_image(&self, p: &Principal, bytes: Vec<u8>, req: HashRequest) -> AppResult<ImageHashes> {
        let options = HashOptions { limits: self.config().hash_limits, dihedral: req.dihedral };
        self.decode_within_budget(&p.org, bytes, move |bytes| vigie_hash::hash_image(&bytes, &options))
            .await?
            .map_err(decode_error)
    }

    /// The hex MD5 of a file (HMA's `video_md5`).
    pub fn md5_of(&self, bytes: &[u8]) -> String {
        vigie_hash::md5_hex(bytes)
    }

    /// Fetches media to hash, only from a host the operator allow-listed, through the egress
    /// policy, and never more than the byte limit.
    pub async fn fetch_media(&self, _p: &Principal, url: &str) -> AppResult<Vec<u8>> {
        let parsed =
            url::Url::parse(url).map_err(|_| vigie_model::Invalid::one("url", "malformed_url", "not a URL"))?;
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        if !self.config().hash_fetch_allow.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
            return Err(AppError::Forbidden("the server fetches media only from hosts its operator allow-listed"));
        }
        let url = self.config().egress.check_url_resolved(url).await?;
        let client = self.config().egress.http_client(std::time::Duration::from_secs(30));
        let mut res = client.get(url).send().await.map_err(|e| fetch_failed(&e))?;
        if !res.status().is_success() {
            return Err(AppError::Upstream(format!("the media host answered {}", res.status().as_u16())));
        }
        let max = self.config().hash_limits.max_bytes;
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| fetch_failed(&e))? {
            if body.len() + chunk.len() > max {
                return Err(AppError::TooLarge(format!("the media is larger than {max} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// A fetch that failed: the client hears what happened in a fixed sentence; the HTTP client's own
/// text (addresses, resolver and TLS details) goes to the log only.
fn fetch_failed(e: &reqwest::Error) -> AppError {
    tracing::warn!(error = %e, "fetching media failed");
    AppError::Upstream(
        if e.is_timeout() {
            "the media host did not answer in time"
        } else if e.is_connect() {
            "could not connect to the media host"
        } else if e.is_body() || e.is_decode() {
            "the download from the media host broke off"
        } else {
            "the request to the media host failed"
        }
        .to_owned(),
    )
}

/// An image that could not be hashed: too large (413) or not an image Vigie decodes (422,
/// `undecodable_image`, whose detail says why: e.g. a file cut short).
pub(crate) fn decode_error(e: DecodeError) -> AppError {
    match e {
        DecodeError::TooManyBytes { .. } | DecodeError::TooManyPixels { .. } => AppError::TooLarge(e.to_string()),
        e => AppError::Invalid(vigie_model::Invalid::one("file", "undecodable_image", e.to_string())),
    }
}

/// HMA's (and python-threatexchange's) PDQ match threshold: a distance up to 31 matches.
pub const PDQ_MATCH_THRESHOLD: u32 = 31;

/// The Hamming distance between two PDQ hashes given in hex.
pub fn pdq_distance(a: &str, b: &str) -> AppResult<u32> {
    let parse = |h: &str| {
        h.parse::<vigie_hash::PdqHash>().map_err(|_| {
            AppError::Invalid(vigie_model::Invalid::one("pdq", "invalid_hash", "a PDQ hash is 64 hexadecimal digits"))
        })
    };
    Ok(parse(a)?.distance(&parse(b)?))
}
