//! URL signals. Banks of known URLs (lists of links to terrorist content, as Tech Against
//! Terrorism keeps them) hold two kinds of entry:
//!
//! - `url`: the URL in Vigie's canonical form ([`crate::location::CanonicalUrl`], what intake
//!   computes for every report), so that the forms a link takes (case, default port, tracking
//!   parameters, trailing slash, fragment) match one entry;
//! - `url_md5`: python-threatexchange's, the MD5 of the URL as *it* normalises it
//!   ([`pytx_normalise`]: lower-cased whole, parsed and written back by Python's `urllib.parse`,
//!   its scheme and `://` removed), not Vigie's canonical form. Both are kept: a list exchanged with
//!   pytx matches only its own form.
//!
//! Hashing is the caller's (`vigie-hash`'s MD5): this module only says which text is hashed.

/// Schemes Python's `urllib.parse` writes with `//` even when the URL had no host
/// (`uses_netloc`, Python 3.11).
const USES_NETLOC: &[&str] = &[
    "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp", "snews", "prospero",
    "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss",
];

/// The text python-threatexchange (1.2.17, `common.normalize_url`) hashes for `url_md5`: the URL
/// lower-cased, split and joined again as Python 3.11's `urlparse(...).geturl()` does (leading
/// spaces and control characters and every tab and line break dropped, an empty query or
/// fragment dropped), then the first `"<scheme>://"` removed.
pub fn pytx_normalise(raw: &str) -> String {
    let lower = raw.to_lowercase();
    // urlsplit's clean-up: leading C0 controls and spaces, and tabs and line breaks anywhere.
    let cleaned: String =
        lower.trim_start_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\r' | '\n')).collect();
    let mut rest = cleaned.as_str();
    let mut scheme = "";
    if let Some(i) = rest.find(':')
        && i > 0
        && rest.as_bytes()[0].is_ascii_alphabetic()
        && rest[..i].bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        scheme = &rest[..i];
        rest = &rest[i + 1..];
    }
    let mut netloc = None;
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = Some(&after[..end]);
        rest = &after[end..];
    }
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    // urlunsplit.
    let mut url = String::with_capacity(cleaned.len() + 3);
    let netloc = netloc.unwrap_or("");
    if !netloc.is_empty() || (!scheme.is_empty() && USES_NETLOC.contains(&scheme) && !path.starts_with("//")) {
        url.push_str("//");
        url.push_str(netloc);
        if !path.is_empty() && !path.starts_with('/') {
            url.push('/');
        }
    }
    url.push_str(path);
    if !scheme.is_empty() {
        url.insert_str(0, &format!("{scheme}:"));
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(query);
    }
    if !fragment.is_empty() {
        url.push('#');
        url.push_str(fragment);
    }
    url.replacen(&format!("{scheme}://"), "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_goes_and_the_rest_is_lower_cased() {
        assert_eq!(pytx_normalise("HtTPs://wWw.faCeBook.cOM/Path?Q=1#F"), "www.facebook.com/path?q=1#f");
        assert_eq!(pytx_normalise("http://a.example/?"), "a.example/", "an empty query is dropped");
        assert_eq!(pytx_normalise("http://a.example/x#"), "a.example/x", "an empty fragment too");
        assert_eq!(pytx_normalise("  \thttp://a.exa\nmple/"), "a.example/", "as urlsplit cleans it");
        assert_eq!(pytx_normalise("a.example/x"), "a.example/x", "no scheme: nothing removed");
        assert_eq!(pytx_normalise("http:a.example"), "/a.example", "Python writes http:///a.example");
        assert_eq!(pytx_normalise("HTTP://A.example:80/X?"), "a.example:80/x", "the port stays");
        assert_eq!(pytx_normalise("mailto:a@b"), "mailto:a@b", "no :// to remove");
        assert_eq!(pytx_normalise("//host/p"), "//host/p");
    }
}
