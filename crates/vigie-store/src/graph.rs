//! Reads for the account network (`docs/graph.md`): which cases name an account, what a case
//! carries that links it to others (media hashes, its URL), and which cases carry the same.
//!
//! These reads are kept out of [`crate::Reads`] and [`crate::Tx`]: only [`crate::Store::read_graph`]
//! hands them out, on a read connection. So no write transaction (where folding, routing, the
//! stay-down check and every automated action happen) can read the network.

use vigie_model::*;

use crate::Result;

/// Which cases a view may see: one platform's, or every platform's (an authority's view).
/// Parked, held and erased cases are never seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphScope<'a> {
    Platform(&'a OrgId),
    AllPlatforms,
}

/// A media hash recorded on a case: its type (`sha256`, `md5`, `pdq`, or a bank entry's signal
/// type) and its value in lower-case hex (a bank entry's value as stored).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseHash {
    pub hash_type: String,
    pub value: String,
}

pub trait GraphReads {
    /// Whether a view in `scope` may see the case (routed, in scope, not held, not erased).
    fn graph_case_visible(&self, scope: GraphScope<'_>, case: &CaseId) -> Result<bool>;
    /// The cases in `scope` that name `account` (the case's account id, an account case's profile
    /// URL when it has no id, the account a report gave for content on the case, or the uploader
    /// of a stay-down match), oldest first.
    fn graph_account_cases(&self, scope: GraphScope<'_>, account: &str, limit: u32) -> Result<Vec<CaseId>>;
    /// The accounts a case names, as [`GraphReads::graph_account_cases`] reads them, sorted.
    fn graph_case_accounts(&self, case: &CaseId) -> Result<Vec<String>>;
    /// The media hashes recorded on a case: of its attached media, given by its reporters, of the
    /// bank entries made from it, and of the entries its bank matches hit. Sorted.
    fn graph_case_hashes(&self, case: &CaseId) -> Result<Vec<CaseHash>>;
    /// The cases in `scope` that carry the hash `value` (as [`GraphReads::graph_case_hashes`]
    /// reads them), oldest first.
    fn graph_hash_cases(&self, scope: GraphScope<'_>, value: &str, limit: u32) -> Result<Vec<CaseId>>;
    /// The cases in `scope` at the canonical URL `url`, oldest first.
    fn graph_url_cases(&self, scope: GraphScope<'_>, url: &str, limit: u32) -> Result<Vec<CaseId>>;
    /// The account cases in `scope` whose profile URL ends with `tail` (a handle, with or without
    /// its `@`), with their URLs, oldest first; the caller keeps those whose handle is the one it
    /// looks for.
    fn graph_profile_cases(&self, scope: GraphScope<'_>, tail: &str, limit: u32) -> Result<Vec<(CaseId, String)>>;
}
