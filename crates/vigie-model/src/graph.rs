//! The account network: what links two accounts (a media hash, a URL, a handle), the handle an
//! account's profile URL shows, and the bounds of one view.
//!
//! The network is for people to read. Nothing automated reads it: not the matcher, not routing,
//! not folding (`docs/graph.md`).

/// What two accounts share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ShareKind {
    /// A hash of media on their cases: an exact digest, or a bank entry a case was banked from or
    /// matched (PDQ or vPDQ within the bank's threshold).
    Hash,
    /// The same canonical URL.
    Url,
    /// The same handle in their profile URLs (across platforms).
    Handle,
}

impl ShareKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareKind::Hash => "hash",
            ShareKind::Url => "url",
            ShareKind::Handle => "handle",
        }
    }
}

/// The deepest a view goes from the account asked about.
pub const MAX_DEPTH: u32 = 3;
/// The depth when none is asked for.
pub const DEFAULT_DEPTH: u32 = 2;
/// The most accounts one view shows.
pub const MAX_NODES: u32 = 200;
/// The number of accounts when none is asked for.
pub const DEFAULT_NODES: u32 = 50;
/// The most cases read for one account, or for one shared hash, URL or handle.
pub const MAX_CASES_PER_KEY: u32 = 100;
/// The most shares listed on one link.
pub const MAX_SHARES_PER_EDGE: usize = 20;

/// The handle of an account's profile URL: its last path segment, without a leading `@`, in
/// lower case (`https://video.example/@Recruiter` → `recruiter`). `None` for a URL with a query
/// (the handle would be a parameter) or a segment that does not look like a name.
pub fn handle_of(profile_url: &str) -> Option<String> {
    let (_, rest) = profile_url.split_once("://")?;
    if rest.contains('?') || rest.contains('#') {
        return None;
    }
    let (_, path) = rest.split_once('/')?;
    let segment = path.rsplit('/').find(|s| !s.is_empty())?;
    let handle = segment.strip_prefix('@').unwrap_or(segment).to_lowercase();
    let plain = handle.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    let named = handle.chars().any(char::is_alphanumeric);
    (handle.chars().count() >= 2 && plain && named).then_some(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_the_profiles_last_segment_without_its_at() {
        assert_eq!(handle_of("https://video.example/@Recruiter").as_deref(), Some("recruiter"));
        assert_eq!(handle_of("https://other.example/users/recruiter").as_deref(), Some("recruiter"));
        assert_eq!(handle_of("https://other.example/@recruiter/").as_deref(), Some("recruiter"));
    }

    #[test]
    fn urls_without_a_name_have_no_handle() {
        assert_eq!(handle_of("https://video.example"), None);
        assert_eq!(handle_of("https://video.example/profile.php?id=4"), None);
        assert_eq!(handle_of("https://video.example/@x"), None);
        assert_eq!(handle_of("https://video.example/a%20b"), None);
        assert_eq!(handle_of("https://video.example/--"), None);
        assert_eq!(handle_of("not a url"), None);
    }
}
