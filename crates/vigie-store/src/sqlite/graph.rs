//! The SQL behind [`GraphReads`]: queries over cases, what their reports say by value
//! (`case_signal_keys`: account ids, media hashes, banked values matched), their media and the
//! bank entries made from them. Nothing is stored for the network itself.

use rusqlite::params;
use vigie_model::*;

use super::conn::SqliteRead;
use crate::*;

/// The cases a view may see (`?1`: the platform, or NULL for every platform): routed, not held,
/// not erased.
const VISIBLE: &str = "platform IS NOT NULL AND (?1 IS NULL OR platform = ?1) \
     AND substr(key, 1, 7) <> 'erased:' \
     AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.case_id = cases.id AND h.ended_at IS NULL)";

fn scope_param(scope: GraphScope<'_>) -> Option<&str> {
    match scope {
        GraphScope::Platform(org) => Some(org.as_str()),
        GraphScope::AllPlatforms => None,
    }
}

impl SqliteRead<'_> {
    /// The visible cases among `candidates` (a subquery of case ids in `?2`'s terms), oldest
    /// first. Each candidate query reads one index: a view runs dozens of them, and a condition
    /// with `OR` over the cases' columns made each a scan of every case.
    fn visible_cases(&self, scope: GraphScope<'_>, candidates: &str, value: &str, limit: u32) -> Result<Vec<CaseId>> {
        self.many(
            &format!("SELECT id FROM cases WHERE {VISIBLE} AND id IN ({candidates}) ORDER BY created_at, id LIMIT ?3"),
            params![scope_param(scope), value, limit],
            |r| Ok(CaseId::from_trusted(r.get(0)?)),
        )
    }
}

impl GraphReads for SqliteRead<'_> {
    fn graph_case_visible(&self, scope: GraphScope<'_>, case: &CaseId) -> Result<bool> {
        Ok(!self.visible_cases(scope, "SELECT ?2", case.as_str(), 1)?.is_empty())
    }
    fn graph_account_cases(&self, scope: GraphScope<'_>, account: &str, limit: u32) -> Result<Vec<CaseId>> {
        self.visible_cases(
            scope,
            "SELECT id FROM cases WHERE account_id = ?2 \
             UNION SELECT id FROM cases WHERE url = ?2 AND kind = 'account' AND account_id IS NULL \
             UNION SELECT case_id FROM case_signal_keys WHERE value = ?2 AND kind = 'account'",
            account,
            limit,
        )
    }

    fn graph_case_accounts(&self, case: &CaseId) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .many(
                "SELECT account_id FROM cases WHERE id = ?1 AND account_id IS NOT NULL \
                 UNION SELECT url FROM cases WHERE id = ?1 AND kind = 'account' AND account_id IS NULL AND url IS NOT NULL \
                 UNION SELECT value FROM case_signal_keys WHERE case_id = ?1 AND kind = 'account'",
                [case.as_str()],
                |r| r.get::<_, String>(0),
            )?
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn graph_case_hashes(&self, case: &CaseId) -> Result<Vec<CaseHash>> {
        let mut out = self.many(
            "SELECT 'sha256', sha256 FROM case_media WHERE case_id = ?1 \
             UNION SELECT 'pdq', pdq FROM case_media WHERE case_id = ?1 AND pdq IS NOT NULL \
             UNION SELECT signal_type, value FROM bank_entries WHERE case_id = ?1 \
             UNION SELECT kind, value FROM case_signal_keys WHERE case_id = ?1 AND kind <> 'account'",
            [case.as_str()],
            |r| Ok(CaseHash { hash_type: r.get(0)?, value: r.get(1)? }),
        )?;
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn graph_hash_cases(&self, scope: GraphScope<'_>, value: &str, limit: u32) -> Result<Vec<CaseId>> {
        self.visible_cases(
            scope,
            "SELECT case_id FROM case_media WHERE sha256 = ?2 \
             UNION SELECT case_id FROM case_media WHERE pdq = ?2 \
             UNION SELECT case_id FROM bank_entries WHERE case_id IS NOT NULL AND value = ?2 \
             UNION SELECT case_id FROM case_signal_keys WHERE value = ?2 AND kind <> 'account'",
            value,
            limit,
        )
    }

    fn graph_url_cases(&self, scope: GraphScope<'_>, url: &str, limit: u32) -> Result<Vec<CaseId>> {
        self.visible_cases(scope, "SELECT id FROM cases WHERE url = ?2", url, limit)
    }

    fn graph_profile_cases(&self, scope: GraphScope<'_>, tail: &str, limit: u32) -> Result<Vec<(CaseId, String)>> {
        self.many(
            &format!(
                "SELECT id, url FROM cases WHERE {VISIBLE} AND kind = 'account' AND url IS NOT NULL \
                 AND (lower(url) LIKE '%/' || ?2 ESCAPE '\\' OR lower(url) LIKE '%/@' || ?2 ESCAPE '\\' \
                      OR lower(url) LIKE '%/' || ?2 || '/' ESCAPE '\\' OR lower(url) LIKE '%/@' || ?2 || '/' ESCAPE '\\') \
                 ORDER BY created_at, id LIMIT ?3"
            ),
            params![scope_param(scope), like_escaped(tail), limit],
            |r| Ok((CaseId::from_trusted(r.get(0)?), r.get(1)?)),
        )
    }
}

/// `text` with LIKE's wildcards and the escape character escaped.
fn like_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
