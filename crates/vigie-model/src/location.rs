//! What a report points at, and when two reports point at the same thing.
//!
//! A location is either a piece of content (a URL, optionally with the platform's own content id)
//! or an account (a profile URL, or the platform's account id). Reports fold into one case when
//! their [`CaseKey`]s are equal, so the canonical form decides what "the same" means.

use url::Url;

use crate::OrgId;
use crate::validation::Checker;

/// The longest URL we accept, in bytes.
pub const MAX_URL_LEN: usize = 4096;

/// Query parameters that only track the click and never change what the page shows.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gclsrc",
    "msclkid",
    "yclid",
    "igshid",
    "igsh",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "ref_src",
    "ref_url",
    "si",
    "feature",
    "spm",
    "mkt_tok",
    "oly_enc_id",
    "oly_anon_id",
    "vero_id",
    "wickedid",
    "_hsenc",
    "_hsmi",
];

fn is_tracking_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("utm_") || TRACKING_PARAMS.contains(&lower.as_str())
}

/// A URL in canonical form: http(s) only, lower-case scheme and host, no default port, no
/// fragment, no tracking parameters, remaining parameters sorted, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CanonicalUrl {
    url: String,
    host: String,
}

/// Why a URL was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("is not a valid absolute URL")]
    Malformed,
    #[error("must use http or https")]
    Scheme,
    #[error("must name a host")]
    NoHost,
    #[error("must not carry a user name or password")]
    Credentials,
    #[error("is longer than 4096 bytes")]
    TooLong,
}

impl UrlError {
    pub fn code(self) -> &'static str {
        match self {
            UrlError::Malformed => "malformed_url",
            UrlError::Scheme => "unsupported_scheme",
            UrlError::NoHost => "missing_host",
            UrlError::Credentials => "credentials_in_url",
            UrlError::TooLong => "too_long",
        }
    }
}

impl CanonicalUrl {
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        if raw.len() > MAX_URL_LEN {
            return Err(UrlError::TooLong);
        }
        let mut url = Url::parse(raw.trim()).map_err(|_| UrlError::Malformed)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlError::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlError::Credentials);
        }
        // The url crate already lower-cases scheme and host, punycodes IDNs and drops default ports.
        let host = url.host_str().ok_or(UrlError::NoHost)?.trim_end_matches('.').to_owned();
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        if url.host_str() != Some(host.as_str()) {
            url.set_host(Some(&host)).map_err(|_| UrlError::Malformed)?;
        }
        url.set_fragment(None);

        let mut params: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking_param(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        params.sort();
        if params.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(params);
        }

        let path = url.path().to_owned();
        if path.len() > 1 && path.ends_with('/') {
            url.set_path(path.trim_end_matches('/'));
        }
        let mut text = String::from(url);
        // `Url` always writes "/" for an empty path; drop it so `https://a.example/` and
        // `https://a.example` agree, as they name the same page.
        if let Some(stripped) = text.strip_suffix('/')
            && url_path_is_root(stripped)
        {
            text = stripped.to_owned();
        }
        Ok(Self { url: text, host })
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The host, lower-case, without a trailing dot.
    pub fn host(&self) -> &str {
        &self.host
    }
}

fn url_path_is_root(without_slash: &str) -> bool {
    // After the scheme's "//", a root URL has no further "/".
    without_slash.split_once("://").is_some_and(|(_, rest)| !rest.contains('/'))
}

/// The candidate hosts a platform may have claimed for `host`: the host itself, then each parent
/// domain, longest first (`a.b.example` → `a.b.example`, `b.example`, `example`).
pub fn host_candidates(host: &str) -> Vec<&str> {
    let mut out = vec![host];
    let mut rest = host;
    while let Some((_, parent)) = rest.split_once('.') {
        out.push(parent);
        rest = parent;
    }
    out
}

/// Checks the form of a host name a platform claims.
pub fn normalise_host(raw: &str) -> Option<String> {
    let url = Url::parse(&format!("https://{}/", raw.trim())).ok()?;
    let host = url.host_str()?.trim_end_matches('.').to_owned();
    let plain = url.path() == "/" && url.query().is_none() && url.port().is_none();
    let ok = plain && !host.is_empty() && url.username().is_empty() && raw.trim().len() <= 253;
    ok.then_some(host)
}

/// What a report points at, as the reporter gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A piece of content at a URL, optionally with the platform's own content id.
    Content { url: CanonicalUrl, content_id: Option<String> },
    /// An account, by its profile URL (and the platform's account id when known).
    AccountUrl { url: CanonicalUrl, account_id: Option<String> },
    /// An account, by the platform's own account id alone.
    AccountId { platform: OrgId, account_id: String },
}

impl Target {
    pub fn url(&self) -> Option<&CanonicalUrl> {
        match self {
            Target::Content { url, .. } | Target::AccountUrl { url, .. } => Some(url),
            Target::AccountId { .. } => None,
        }
    }
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Content { .. } => TargetKind::Content,
            Target::AccountUrl { .. } | Target::AccountId { .. } => TargetKind::Account,
        }
    }
    pub fn content_id(&self) -> Option<&str> {
        match self {
            Target::Content { content_id, .. } => content_id.as_deref(),
            _ => None,
        }
    }
    pub fn account_id(&self) -> Option<&str> {
        match self {
            Target::AccountUrl { account_id, .. } => account_id.as_deref(),
            Target::AccountId { account_id, .. } => Some(account_id),
            Target::Content { .. } => None,
        }
    }
    /// The platform named by the reporter, for targets that have no URL to route by.
    pub fn named_platform(&self) -> Option<&OrgId> {
        match self {
            Target::AccountId { platform, .. } => Some(platform),
            _ => None,
        }
    }

    /// The key that decides which case on a platform this target belongs to. Content folds by
    /// canonical URL; an account by the platform's account id when it is known (handles and
    /// profile URLs change, ids do not), otherwise by its profile URL.
    pub fn case_key(&self) -> String {
        match (self, self.account_id()) {
            (Target::Content { url, .. }, _) => format!("content:{}", url.as_str()),
            (_, Some(id)) => format!("account-id:{id}"),
            (Target::AccountUrl { url, .. }, None) => format!("account:{}", url.as_str()),
            (Target::AccountId { .. }, None) => unreachable!("an AccountId target always has an id"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Content,
    Account,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Content => "content",
            TargetKind::Account => "account",
        }
    }
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "content" => Some(TargetKind::Content),
            "account" => Some(TargetKind::Account),
            _ => None,
        }
    }
}

/// An unchecked location as it arrives in a request.
#[derive(Clone, Debug, Default)]
pub struct RawLocation {
    pub kind: Option<String>,
    pub url: Option<String>,
    pub content_id: Option<String>,
    pub account_id: Option<String>,
    /// For an account given by id alone: the platform (organisation id) it is on.
    pub platform: Option<String>,
    /// Content: the SHA-256 of the media at the location, as the reporter computed it (hex).
    pub media_sha256: Option<String>,
    /// Content: the MD5 of the media (hex).
    pub media_md5: Option<String>,
    /// Content: its text (a post, a caption, a statement), as the reporter copied it. Looked up at
    /// intake in the text banks of the platform the case goes to; a match raises the case's
    /// priority for review and never triggers automatic action.
    pub text: Option<String>,
}

impl RawLocation {
    /// The media hashes given with a location, checked by [`check_locations`] or
    /// [`check_media_hashes`], as `sha256:<hex>` and `md5:<hex>` keys.
    pub fn media_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(h) = &self.media_sha256 {
            keys.push(format!("sha256:{}", h.trim().to_ascii_lowercase()));
        }
        if let Some(h) = &self.media_md5 {
            keys.push(format!("md5:{}", h.trim().to_ascii_lowercase()));
        }
        keys
    }
}

/// Checks a location's media hashes: hex of the right length, on content only.
pub fn check_media_hashes(loc: &RawLocation, i: usize, checker: &mut Checker) {
    for (value, name, len) in [(&loc.media_sha256, "media_sha256", 64), (&loc.media_md5, "media_md5", 32)] {
        if let Some(h) = value {
            let h = h.trim();
            checker.check(
                h.len() == len && h.bytes().all(|b| b.is_ascii_hexdigit()),
                &format!("locations[{i}].{name}"),
                "invalid_hash",
                &format!("must be {len} hexadecimal digits"),
            );
            checker.check(
                loc.kind.as_deref() != Some("account"),
                &format!("locations[{i}].{name}"),
                "not_applicable",
                "an account has no media hash",
            );
        }
    }
}

/// The most locations one submission may carry.
pub const MAX_LOCATIONS: usize = 100;

/// Checks a list of locations field by field; returns the targets when all are good.
pub fn check_locations(raw: &[RawLocation], checker: &mut Checker) -> Vec<Target> {
    if raw.is_empty() {
        checker.push("locations", "required", "at least one location is required");
    }
    if raw.len() > MAX_LOCATIONS {
        checker.push("locations", "too_many", format!("at most {MAX_LOCATIONS} locations"));
    }
    let mut out = Vec::new();
    for (i, loc) in raw.iter().enumerate() {
        let field = |name: &str| format!("locations[{i}].{name}");
        let kind = match loc.kind.as_deref() {
            None => Some(TargetKind::Content),
            Some(k) => match TargetKind::parse(k) {
                Some(k) => Some(k),
                None => {
                    checker.push(field("kind"), "unknown_kind", "must be \"content\" or \"account\"");
                    None
                }
            },
        };
        checker.optional_text(loc.content_id.as_deref(), &field("content_id"), 256);
        checker.optional_text(loc.account_id.as_deref(), &field("account_id"), 256);
        check_media_hashes(loc, i, checker);
        if let Some(text) = &loc.text {
            if kind == Some(TargetKind::Account) {
                checker.push(field("text"), "content_only", "only content carries a text");
            } else if text.trim().is_empty() || text.len() > crate::bank::MAX_TEXT_BYTES {
                checker.push(
                    field("text"),
                    "invalid_text",
                    format!("a text of 1 to {} bytes", crate::bank::MAX_TEXT_BYTES),
                );
            }
        }
        let by_id_only = kind == Some(TargetKind::Account) && loc.url.is_none() && loc.account_id.is_some();
        if by_id_only {
            match loc.platform.as_deref().map(OrgId::parse) {
                Some(Some(platform)) => out.push(Target::AccountId {
                    platform,
                    account_id: loc.account_id.clone().unwrap_or_default().trim().to_owned(),
                }),
                Some(None) => checker.push(field("platform"), "unknown_platform", "is not a platform known to Vigie"),
                None => checker.push(
                    field("platform"),
                    "required",
                    "an account given by its id alone needs the platform it is on",
                ),
            }
            continue;
        }
        let url = match loc.url.as_deref() {
            None => {
                checker.push(field("url"), "required", "is required (the exact URL of the content or profile)");
                None
            }
            Some(raw) => match CanonicalUrl::parse(raw) {
                Ok(u) => Some(u),
                Err(e) => {
                    checker.push(field("url"), e.code(), e.to_string());
                    None
                }
            },
        };
        if let (Some(kind), Some(url)) = (kind, url) {
            out.push(match kind {
                TargetKind::Content => Target::Content { url, content_id: loc.content_id.clone() },
                TargetKind::Account => Target::AccountUrl { url, account_id: loc.account_id.clone() },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(raw: &str) -> String {
        CanonicalUrl::parse(raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn equivalent_urls_share_one_canonical_form() {
        let same = [
            "https://Video.Example/watch?v=42",
            "HTTPS://video.example:443/watch?v=42#t=10",
            "https://video.example/watch/?v=42&utm_source=x&fbclid=abc",
            "https://video.example./watch?utm_campaign=y&v=42",
        ];
        for raw in same {
            assert_eq!(canon(raw), "https://video.example/watch?v=42", "for {raw}");
        }
    }

    #[test]
    fn different_content_stays_different() {
        assert_ne!(canon("https://video.example/watch?v=42"), canon("https://video.example/watch?v=43"));
        assert_ne!(canon("http://video.example/a"), canon("https://video.example/a"));
        assert_ne!(canon("https://video.example/a"), canon("https://video.example/b"));
    }

    #[test]
    fn parameters_are_sorted_and_root_slash_dropped() {
        assert_eq!(canon("https://a.example/p?b=2&a=1"), "https://a.example/p?a=1&b=2");
        assert_eq!(canon("https://a.example/"), "https://a.example");
        assert_eq!(canon("http://a.example:8080/"), "http://a.example:8080");
    }

    #[test]
    fn hostile_urls_are_refused() {
        assert_eq!(CanonicalUrl::parse("javascript:alert(1)"), Err(UrlError::Scheme));
        assert_eq!(CanonicalUrl::parse("not a url"), Err(UrlError::Malformed));
        assert_eq!(CanonicalUrl::parse("https://u:p@a.example/"), Err(UrlError::Credentials));
        let long = format!("https://a.example/{}", "x".repeat(5000));
        assert_eq!(CanonicalUrl::parse(&long), Err(UrlError::TooLong));
    }

    #[test]
    fn host_candidates_walk_up_the_domain() {
        assert_eq!(host_candidates("a.b.example"), vec!["a.b.example", "b.example", "example"]);
    }

    #[test]
    fn accounts_fold_by_id_when_known_and_by_profile_url_otherwise() {
        let raw = |url: Option<&str>, id: Option<&str>, platform: Option<&str>| RawLocation {
            kind: Some("account".into()),
            url: url.map(Into::into),
            account_id: id.map(Into::into),
            platform: platform.map(Into::into),
            ..Default::default()
        };
        let platform = OrgId::from_random([7; 16]);
        let mut c = Checker::new();
        let targets = check_locations(
            &[
                raw(Some("https://social.example/@a"), Some("42"), None),
                raw(None, Some("42"), Some(platform.as_str())),
                raw(Some("https://social.example/@a"), None, None),
            ],
            &mut c,
        );
        assert!(c.is_empty());
        assert_eq!(targets[0].case_key(), targets[1].case_key());
        assert_eq!(targets[1].named_platform(), Some(&platform));
        assert_ne!(targets[0].case_key(), targets[2].case_key());
        assert_ne!(targets[2].case_key(), "content:https://social.example/@a");

        let mut c = Checker::new();
        check_locations(&[raw(None, Some("42"), None), raw(None, Some("42"), Some("org_nope"))], &mut c);
        let codes: Vec<_> = c.finish().unwrap_err().errors().iter().map(|e| (e.field.clone(), e.code)).collect();
        assert_eq!(
            codes,
            [
                ("locations[0].platform".to_owned(), "required"),
                ("locations[1].platform".to_owned(), "unknown_platform")
            ]
        );
    }

    #[test]
    fn claimed_hosts_are_plain_names() {
        assert_eq!(normalise_host("Video.Example"), Some("video.example".into()));
        assert_eq!(normalise_host("video.example/path"), None);
        assert_eq!(normalise_host("video.example:8080"), None);
    }
}
