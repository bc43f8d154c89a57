//! The SQL behind [`FindReads`].

use rusqlite::params;
use vigie_model::labels::CaseLabel;
use vigie_model::*;

use super::cases::{CASE_READ, case_row};
use super::conn::{SqliteRead, SqliteTx};
use super::orders::order_row;
use crate::*;

/// The hashes known for one case (`?2`): of its attached media, the bank entries made from it,
/// and what its reports say (`case_signal_keys`: the media hashes they gave, the banked values
/// its upload matches hit).
const CASE_HASHES: &str = "SELECT sha256 AS v FROM case_media WHERE case_id = ?2 \
     UNION SELECT pdq FROM case_media WHERE case_id = ?2 AND pdq IS NOT NULL \
     UNION SELECT value FROM bank_entries WHERE case_id = ?2 \
     UNION SELECT value FROM case_signal_keys WHERE case_id = ?2 AND kind <> 'account'";

/// The cases that carry a hash of the set `hashes` (a subquery with one column `v`).
fn cases_with_hash(hashes: &str) -> String {
    format!(
        "SELECT case_id FROM case_media WHERE sha256 IN ({hashes}) OR pdq IN ({hashes}) \
         UNION SELECT case_id FROM bank_entries WHERE case_id IS NOT NULL AND value IN ({hashes}) \
         UNION SELECT case_id FROM case_signal_keys WHERE value IN ({hashes}) AND kind <> 'account'"
    )
}

/// A held case does not exist for its platform: no search or copy list shows it.
const NOT_HELD: &str = "NOT EXISTS (SELECT 1 FROM holds h WHERE h.case_id = cases.id AND h.ended_at IS NULL)";

/// A URL in the family `?n` (a canonical URL without its query): that URL, or it followed by a
/// query. A range, so that the index on `(platform, url)` answers it (`@` follows `?`).
fn in_family(n: u8) -> String {
    format!("(url = ?{n} OR (url >= ?{n} || '?' AND url < ?{n} || '@'))")
}

fn text_hit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TextHitRecord> {
    let id = |s: String, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what} {s}").into())
    };
    let case: String = r.get("case_id")?;
    let signal: String = r.get("signal")?;
    let bank: String = r.get("bank")?;
    let text_ref: String = r.get("text_ref")?;
    Ok(TextHitRecord {
        case: CaseId::parse(&case).ok_or_else(|| id(case.clone(), "case"))?,
        signal: SignalId::parse(&signal).ok_or_else(|| id(signal.clone(), "signal"))?,
        location: r.get("location")?,
        bank: BankId::parse(&bank).ok_or_else(|| id(bank.clone(), "bank"))?,
        entry: r.get("entry")?,
        signal_type: r.get("signal_type")?,
        similarity: r.get("similarity")?,
        distance: r.get("distance")?,
        text_ref: PersonalRef::parse(&text_ref).ok_or_else(|| id(text_ref.clone(), "personal value"))?,
        passages: r.get("passages")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
    })
}

impl FindReads for SqliteRead<'_> {
    fn case_text_hits(&self, case: &CaseId) -> Result<Vec<TextHitRecord>> {
        self.many(
            "SELECT * FROM case_text_hits WHERE case_id = ?1 ORDER BY created_at, signal, location, entry",
            [case.as_str()],
            text_hit_row,
        )
    }
    fn case_labels(&self, case: &CaseId) -> Result<Vec<CaseLabel>> {
        let mut labels = self
            .many("SELECT kind, value FROM case_labels WHERE case_id = ?1", [case.as_str()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?
            .into_iter()
            .map(|(kind, value)| {
                CaseLabel::from_parts(&kind, &value)
                    .ok_or_else(|| StoreError::Corrupt(format!("a case label Vigie does not know: {kind}={value}")))
            })
            .collect::<Result<Vec<_>>>()?;
        labels.sort();
        Ok(labels)
    }
    fn teams_of(&self, org: &OrgId) -> Result<Vec<TeamRecord>> {
        self.many("SELECT * FROM teams WHERE org = ?1 ORDER BY name, id", [org.as_str()], team_row)
    }
    fn team_members_of(&self, org: &OrgId) -> Result<Vec<TeamMemberRecord>> {
        self.many(
            "SELECT m.team, m.user, m.lead FROM team_members m JOIN teams t ON t.id = m.team \
             WHERE t.org = ?1 ORDER BY m.team, m.user",
            [org.as_str()],
            |r| {
                Ok(TeamMemberRecord {
                    team: r.get("team")?,
                    user: UserId::from_trusted(r.get("user")?),
                    lead: r.get("lead")?,
                })
            },
        )
    }
    fn routing_rules(&self, org: &OrgId) -> Result<Vec<RoutingRuleRecord>> {
        self.many("SELECT * FROM routing_rules WHERE org = ?1 ORDER BY position, id", [org.as_str()], rule_row)
    }
    fn decision_times(&self, org: &OrgId, since: Timestamp) -> Result<Vec<(UserId, Duration)>> {
        self.many(
            "SELECT d.decided_by, d.decided_at - c.created_at FROM decisions d JOIN cases c ON c.id = d.case_id \
             WHERE d.org = ?1 AND d.decided_at >= ?2",
            params![org.as_str(), since.as_micros()],
            |r| Ok((UserId::from_trusted(r.get(0)?), Duration::from_micros(r.get(1)?))),
        )
    }
    fn saved_views(&self, user: &UserId) -> Result<Vec<SavedViewRecord>> {
        self.many("SELECT * FROM saved_views WHERE user = ?1 ORDER BY name, id", [user.as_str()], saved_view_row)
    }

    fn counting_orders(&self, org: &OrgId, as_authority: bool) -> Result<Vec<OrderRecord>> {
        let who = if as_authority { "authority" } else { "platform" };
        self.many(
            &format!(
                "SELECT * FROM orders WHERE {who} = ?1 AND state = 'running' AND ended_at IS NULL \
                 AND deadline IS NOT NULL ORDER BY deadline, id LIMIT 1000"
            ),
            [org.as_str()],
            order_row,
        )
    }

    fn find_cases(&self, platform: &OrgId, key: &CaseKey, limit: u32) -> Result<Vec<CaseRecord>> {
        let (cond, value) = match key {
            CaseKey::Case(id) => ("id = ?2".to_owned(), id.as_str().to_owned()),
            CaseKey::Url(url) => {
                let family = url.split('?').next().unwrap_or(url).to_owned();
                (in_family(2), family)
            }
            CaseKey::Account(a) => ("account_id = ?2".to_owned(), a.clone()),
            CaseKey::Content(c) => ("content_id = ?2".to_owned(), c.clone()),
            CaseKey::Hash(h) => (format!("id IN ({})", cases_with_hash("SELECT ?2")), h.to_ascii_lowercase()),
            CaseKey::Order(o) => (
                "id IN (SELECT sc.case_id FROM orders o JOIN signal_cases sc ON sc.signal = o.id \
                 WHERE o.platform = ?1 AND (o.id = ?2 OR o.reference = ?2))"
                    .to_owned(),
                o.clone(),
            ),
        };
        self.many(
            &format!(
                "SELECT {CASE_READ} FROM cases WHERE platform = ?1 AND {NOT_HELD} AND {cond} ORDER BY created_at DESC, id DESC LIMIT ?3"
            ),
            params![platform.as_str(), value, limit],
            case_row,
        )
    }

    fn open_copies(
        &self,
        platform: &OrgId,
        case: &CaseId,
        family: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(CaseRecord, CopyReason)>> {
        let open =
            format!("platform = ?1 AND id <> ?2 AND state IN ('open', 'delivered', 'acknowledged') AND {NOT_HELD}");
        let by_hash = self.many(
            &format!(
                "SELECT {CASE_READ} FROM cases WHERE {open} AND id IN ({}) ORDER BY created_at, id LIMIT ?3",
                cases_with_hash(CASE_HASHES)
            ),
            params![platform.as_str(), case.as_str(), limit],
            case_row,
        )?;
        let mut out: Vec<(CaseRecord, CopyReason)> = by_hash.into_iter().map(|c| (c, CopyReason::Hash)).collect();
        if let Some(family) = family {
            let by_url = self.many(
                &format!(
                    "SELECT {CASE_READ} FROM cases WHERE {open} AND {} ORDER BY created_at, id LIMIT ?3",
                    in_family(4)
                ),
                params![platform.as_str(), case.as_str(), limit, family],
                case_row,
            )?;
            for c in by_url {
                if !out.iter().any(|(o, _)| o.id == c.id) {
                    out.push((c, CopyReason::UrlFamily));
                }
            }
        }
        out.truncate(limit as usize);
        Ok(out)
    }
}

fn saved_view_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedViewRecord> {
    Ok(SavedViewRecord {
        id: r.get("id")?,
        user: UserId::from_trusted(r.get("user")?),
        name: r.get("name")?,
        filters: r.get("filters")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
    })
}

fn team_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TeamRecord> {
    Ok(TeamRecord {
        id: r.get("id")?,
        org: OrgId::from_trusted(r.get("org")?),
        name: r.get("name")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
    })
}

fn rule_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RoutingRuleRecord> {
    Ok(RoutingRuleRecord {
        id: r.get("id")?,
        org: OrgId::from_trusted(r.get("org")?),
        position: r.get("position")?,
        field: r.get("field")?,
        value: r.get("value")?,
        team: r.get("team")?,
        created_at: Timestamp::from_micros(r.get("created_at")?),
    })
}

impl FindTx for SqliteTx<'_> {
    fn insert_text_hit(&mut self, r: &TextHitRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO case_text_hits (case_id, signal, location, bank, entry, signal_type, similarity, distance, \
             text_ref, passages, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO NOTHING",
            params![
                r.case.as_str(),
                r.signal.as_str(),
                r.location,
                r.bank.as_str(),
                r.entry,
                r.signal_type,
                r.similarity,
                r.distance,
                r.text_ref.as_str(),
                r.passages,
                r.created_at.as_micros()
            ],
        )?;
        Ok(())
    }
    fn add_case_labels(&mut self, case: &CaseId, labels: &[CaseLabel]) -> Result<()> {
        for l in labels {
            self.read.exec(
                "INSERT INTO case_labels (case_id, kind, value) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![case.as_str(), l.kind(), l.value()],
            )?;
        }
        Ok(())
    }
    fn ensure_team(&mut self, r: &TeamRecord) -> Result<TeamRecord> {
        self.read.exec(
            "INSERT INTO teams (id, org, name, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (org, name) DO NOTHING",
            params![r.id, r.org.as_str(), r.name, r.created_at.as_micros()],
        )?;
        self.read
            .one("SELECT * FROM teams WHERE org = ?1 AND name = ?2", params![r.org.as_str(), r.name], team_row)?
            .ok_or_else(|| StoreError::Corrupt("a team just written is missing".into()))
    }
    fn put_team_member(&mut self, r: &TeamMemberRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO team_members (team, user, lead) VALUES (?1, ?2, ?3) \
             ON CONFLICT (team, user) DO UPDATE SET lead = excluded.lead",
            params![r.team, r.user.as_str(), r.lead],
        )?;
        Ok(())
    }
    fn leave_teams(&mut self, user: &UserId) -> Result<usize> {
        self.read.exec("DELETE FROM team_members WHERE user = ?1", [user.as_str()])
    }
    fn insert_routing_rule(&mut self, r: &RoutingRuleRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO routing_rules (id, org, position, field, value, team, created_at) VALUES \
             (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM routing_rules WHERE org = ?2), ?3, ?4, ?5, ?6)",
            params![r.id, r.org.as_str(), r.field, r.value, r.team, r.created_at.as_micros()],
        )?;
        Ok(())
    }
    fn delete_routing_rule(&mut self, org: &OrgId, id: &str) -> Result<bool> {
        Ok(self.read.exec("DELETE FROM routing_rules WHERE id = ?1 AND org = ?2", params![id, org.as_str()])? > 0)
    }
    fn upsert_saved_view(&mut self, r: &SavedViewRecord) -> Result<()> {
        self.read.exec(
            "INSERT INTO saved_views (id, user, name, filters, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (user, name) DO UPDATE SET filters = excluded.filters, created_at = excluded.created_at",
            params![r.id, r.user.as_str(), r.name, r.filters, r.created_at.as_micros()],
        )?;
        Ok(())
    }
    fn delete_saved_view(&mut self, user: &UserId, id: &str) -> Result<bool> {
        Ok(self.read.exec("DELETE FROM saved_views WHERE id = ?1 AND user = ?2", params![id, user.as_str()])? > 0)
    }
    fn delete_saved_views_of(&mut self, user: &UserId) -> Result<usize> {
        self.read.exec("DELETE FROM saved_views WHERE user = ?1", [user.as_str()])
    }
}

impl FindReads for SqliteTx<'_> {
    fn case_labels(&self, case: &CaseId) -> Result<Vec<CaseLabel>> {
        self.read.case_labels(case)
    }
    fn case_text_hits(&self, case: &CaseId) -> Result<Vec<TextHitRecord>> {
        self.read.case_text_hits(case)
    }
    fn saved_views(&self, user: &UserId) -> Result<Vec<SavedViewRecord>> {
        self.read.saved_views(user)
    }
    fn teams_of(&self, org: &OrgId) -> Result<Vec<TeamRecord>> {
        self.read.teams_of(org)
    }
    fn team_members_of(&self, org: &OrgId) -> Result<Vec<TeamMemberRecord>> {
        self.read.team_members_of(org)
    }
    fn routing_rules(&self, org: &OrgId) -> Result<Vec<RoutingRuleRecord>> {
        self.read.routing_rules(org)
    }
    fn decision_times(&self, org: &OrgId, since: Timestamp) -> Result<Vec<(UserId, Duration)>> {
        self.read.decision_times(org, since)
    }
    fn counting_orders(&self, org: &OrgId, as_authority: bool) -> Result<Vec<OrderRecord>> {
        self.read.counting_orders(org, as_authority)
    }
    fn find_cases(&self, platform: &OrgId, key: &CaseKey, limit: u32) -> Result<Vec<CaseRecord>> {
        self.read.find_cases(platform, key, limit)
    }
    fn open_copies(
        &self,
        platform: &OrgId,
        case: &CaseId,
        family: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(CaseRecord, CopyReason)>> {
        self.read.open_copies(platform, case, family, limit)
    }
}
