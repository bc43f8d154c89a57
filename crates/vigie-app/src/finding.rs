//! Working a shift: the orders whose clock runs (for every page's header), the stepped warnings
//! of an order's clock, finding a platform's cases again (one search box, an account's history),
//! and deciding the copies of one content together.
//!
//! - Everything here reads the viewer's own organisation's cases only: a platform's cases, never
//!   a held one, and never another organisation's, whether or not it exists.
//! - Saved views are a moderator's own named sets of the queue's filters, read by them alone
//!   (legal basis, retention and readers: `vigie_store::SavedViewRecord`, `docs/privacy.md`).
//! - Deciding copies together is still one decision per case: each is taken by
//!   [`App::decide`], so each has its own `case.decided` event, its own statement of reasons and
//!   its own notice to its uploader. Nothing is stored here.

use vigie_model::Invalid;
use vigie_model::location::CanonicalUrl;
use vigie_model::order::ClockStatus;
use vigie_model::org::{OrgKind, Role};
use vigie_model::validation::Checker;
use vigie_model::{CaseId, Principal, Timestamp};
use vigie_store::{CaseKey, CaseRecord, CopyReason, DecisionRecord, OrderRecord, SavedViewRecord};

use crate::auth::require;
use crate::cases::{own_case, parse_case_id};
use crate::{App, AppError, AppResult, id_bytes};

/// How loud an order's clock is: quiet with more than 30 minutes left, then one step louder at
/// 30, 15 and 5 minutes left, and late once its deadline passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClockStep {
    Calm,
    Thirty,
    Fifteen,
    Five,
    Late,
}

impl ClockStep {
    /// The step of a clock counting to `deadline` (its last instant still in time).
    pub fn of(deadline: Timestamp, now: Timestamp) -> Self {
        if vigie_model::is_overdue(deadline, now) {
            return ClockStep::Late;
        }
        let left = deadline.since(now).as_micros();
        let min = 60_000_000;
        match left {
            l if l <= 5 * min => ClockStep::Five,
            l if l <= 15 * min => ClockStep::Fifteen,
            l if l <= 30 * min => ClockStep::Thirty,
            _ => ClockStep::Calm,
        }
    }

    /// Its class in the console (the script computes the same names).
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStep::Calm => "step-calm",
            ClockStep::Thirty => "step-30",
            ClockStep::Fifteen => "step-15",
            ClockStep::Five => "step-5",
            ClockStep::Late => "step-late",
        }
    }

    /// What it says in words beside the countdown; empty while calm.
    pub fn words(self) -> &'static str {
        match self {
            ClockStep::Calm => "",
            ClockStep::Thirty => "30 minutes or less left",
            ClockStep::Fifteen => "15 minutes or less left",
            ClockStep::Five => "5 minutes or less left: act now",
            ClockStep::Late => "the hour has passed",
        }
    }
}

/// The orders whose one-hour clock counts for an organisation: addressed to a platform, or
/// issued by an authority.
#[derive(Clone, Debug)]
pub struct CountingOrders {
    /// Running or late, not complied with, not ended.
    pub count: usize,
    /// The nearest deadline among them.
    pub most_urgent: Option<Timestamp>,
}

/// A case found by the search box, and by what.
#[derive(Clone, Debug)]
pub struct Found {
    pub case: CaseRecord,
    /// `case id`, `URL`, `account`, `content id`, `hash`, `order`.
    pub by: &'static str,
}

/// One of a case's copies, and why it is one.
#[derive(Clone, Debug)]
pub struct Copy {
    pub case: CaseRecord,
    pub reason: CopyReason,
}

/// What deciding copies together did: the cases decided, and those refused with why.
#[derive(Debug)]
pub struct CopiesDecided {
    pub decided: Vec<DecisionRecord>,
    pub refused: Vec<(CaseId, AppError)>,
}

/// The most cases one search, one account's history or one copy list shows.
pub const FOUND_LIMIT: u32 = 200;

/// The URL family of a canonical URL: the URL without its query.
pub fn url_family(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// What one search box query could be, most specific first.
pub fn keys_of(query: &str) -> Vec<(CaseKey, &'static str)> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    if let Some(id) = CaseId::parse(q) {
        return vec![(CaseKey::Case(id), "case id")];
    }
    let lower = q.get(..8).unwrap_or(q).to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return match CanonicalUrl::parse(q) {
            Ok(u) => vec![(CaseKey::Url(u.as_str().to_owned()), "URL")],
            Err(_) => Vec::new(),
        };
    }
    let mut keys = Vec::new();
    // A PDQ hash and a SHA-256 are 64 hexadecimal digits, an MD5 32.
    if (q.len() == 64 || q.len() == 32) && q.bytes().all(|b| b.is_ascii_hexdigit()) {
        keys.push((CaseKey::Hash(q.to_ascii_lowercase()), "hash"));
    }
    keys.push((CaseKey::Order(q.to_owned()), "order"));
    keys.push((CaseKey::Account(q.to_owned()), "account"));
    keys.push((CaseKey::Content(q.to_owned()), "content id"));
    keys
}

/// The queue's filters a saved view may hold, in the order its query string lists them.
pub const VIEW_FILTERS: [&str; 7] = ["tier", "label", "language", "harm_type", "bank_match", "overdue", "unclaimed"];
/// The most views one person keeps.
pub const MAX_VIEWS: usize = 50;

/// A value in a query string: unreserved bytes as they are, the rest percent-encoded.
fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A view's filters as the queue's query string, checked: a known source, a bank label, a
/// language (ISO 639-1), a type of terrorist content (art. 2(7)), and the flags; anything else is
/// refused by name. Blank values are left out.
pub fn view_filters(form: &[(String, String)]) -> Result<String, Invalid> {
    let mut c = Checker::new();
    let mut parts = Vec::new();
    for name in VIEW_FILTERS {
        let Some(value) = form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        match name {
            "tier" => {
                c.check(vigie_model::signal::Tier::parse(value).is_some(), "tier", "invalid_tier", "not a source");
                parts.push(format!("tier={}", query_value(value)));
            }
            "label" => {
                c.check(value.chars().count() <= 200, "label", "too_long", "at most 200 characters");
                parts.push(format!("label={}", query_value(value)));
            }
            "language" => {
                if let Some(l) = vigie_model::labels::check_language(&mut c, Some(value), "language") {
                    parts.push(format!("language={}", l.as_str()));
                }
            }
            "harm_type" => {
                if let Some(t) = vigie_model::labels::check_type(&mut c, value, "harm_type") {
                    parts.push(format!("harm_type={}", t.letter()));
                }
            }
            flag => parts.push(format!("{flag}=1")),
        }
    }
    c.check(!parts.is_empty(), "filters", "required", "choose at least one filter to save");
    c.finish()?;
    Ok(parts.join("&"))
}

fn require_moderator(p: &Principal) -> AppResult<()> {
    require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators search its cases")
}

impl App {
    /// The orders whose clock counts for `p`'s organisation: a platform's moderators see the
    /// orders addressed to it, an authority's reporters those it issued. `None` for anyone else.
    pub async fn counting_orders(&self, p: &Principal) -> AppResult<Option<CountingOrders>> {
        let as_authority = match p.org_kind {
            OrgKind::Platform if p.roles.contains(&Role::Moderator) => false,
            OrgKind::Authority if p.roles.contains(&Role::Reporter) => true,
            _ => return Ok(None),
        };
        let org = p.org.clone();
        let now = self.now();
        let orders: Vec<OrderRecord> = self.store().read(move |r| r.counting_orders(&org, as_authority)).await?;
        let deadlines: Vec<Timestamp> = orders
            .iter()
            .filter_map(|o| match o.clock.status(o.ended_at, now) {
                ClockStatus::Running { deadline } | ClockStatus::Late { deadline } => Some(deadline),
                _ => None,
            })
            .collect();
        Ok(Some(CountingOrders { count: deadlines.len(), most_urgent: deadlines.iter().min().copied() }))
    }

    /// The person's saved views of the queue, by name.
    pub async fn saved_views(&self, p: &Principal) -> AppResult<Vec<SavedViewRecord>> {
        require_moderator(p)?;
        let user = p.user.clone();
        Ok(self.store().read(move |r| r.saved_views(&user)).await?)
    }

    /// Saves the queue's `filters` (form fields) under `name` for the person; a view of the same
    /// name is replaced.
    pub async fn save_view(
        &self,
        p: &Principal,
        name: &str,
        filters: &[(String, String)],
    ) -> AppResult<SavedViewRecord> {
        require_moderator(p)?;
        let name = name.trim().to_owned();
        let checked = view_filters(filters);
        let mut c = Checker::new();
        c.text(Some(&name), "name", 80);
        let filters = match (c.finish(), checked) {
            (Ok(()), Ok(f)) => f,
            (Err(a), Err(b)) => {
                let mut all = Checker::new();
                for e in a.errors().iter().chain(b.errors()) {
                    all.push(e.field.clone(), e.code, e.message.clone());
                }
                return Err(all.finish().unwrap_err().into());
            }
            (Err(e), _) | (_, Err(e)) => return Err(e.into()),
        };
        let now = self.now();
        let record = SavedViewRecord {
            id: format!("view_{}", id_bytes(now).iter().map(|b| format!("{b:02x}")).collect::<String>()),
            user: p.user.clone(),
            name,
            filters,
            created_at: now,
        };
        let r = record.clone();
        self.store()
            .write(move |tx| {
                let views = tx.saved_views(&r.user)?;
                if views.len() >= MAX_VIEWS && !views.iter().any(|v| v.name == r.name) {
                    return Err(AppError::from(Invalid::one(
                        "name",
                        "too_many",
                        format!("at most {MAX_VIEWS} views; delete one first"),
                    )));
                }
                tx.upsert_saved_view(&r)?;
                Ok::<(), AppError>(())
            })
            .await?;
        Ok(record)
    }

    /// Deletes one of the person's views; anyone else's is `NotFound`.
    pub async fn delete_view(&self, p: &Principal, id: &str) -> AppResult<()> {
        require_moderator(p)?;
        let user = p.user.clone();
        let id = id.to_owned();
        self.store()
            .write(move |tx| if tx.delete_saved_view(&user, &id)? { Ok(()) } else { Err(AppError::NotFound("view")) })
            .await
    }

    /// The platform's cases that one search box query names: by case id, URL (in canonical form,
    /// with the same URL under other parameters), account id, content id, hash (PDQ, MD5 or
    /// SHA-256 of media attached, banked, matched or reported) or order (id or reference).
    pub async fn search_cases(&self, p: &Principal, query: &str) -> AppResult<Vec<Found>> {
        require_moderator(p)?;
        let keys = keys_of(query);
        let org = p.org.clone();
        self.read_app(move |r| {
            let mut out: Vec<Found> = Vec::new();
            for (key, by) in keys {
                for case in r.find_cases(&org, &key, FOUND_LIMIT)? {
                    if !out.iter().any(|f| f.case.id == case.id) {
                        out.push(Found { case, by });
                    }
                }
            }
            out.truncate(FOUND_LIMIT as usize);
            Ok(out)
        })
        .await
    }

    /// An account's history on the platform: its cases, newest first, each with its current
    /// decision.
    pub async fn account_history(
        &self,
        p: &Principal,
        account: &str,
    ) -> AppResult<Vec<(CaseRecord, Option<DecisionRecord>)>> {
        require_moderator(p)?;
        let org = p.org.clone();
        let key = CaseKey::Account(account.trim().to_owned());
        self.read_app(move |r| {
            let mut out = Vec::new();
            for case in r.find_cases(&org, &key, FOUND_LIMIT)? {
                let decision = r.case_decision(&case.id)?;
                out.push((case, decision));
            }
            Ok(out)
        })
        .await
    }

    /// The platform's other undecided cases about the same content as `case`: sharing a hash with
    /// it, or at its URL under other parameters.
    pub async fn case_copies(&self, p: &Principal, case: &str) -> AppResult<Vec<Copy>> {
        require_moderator(p)?;
        let id = parse_case_id(case)?;
        let principal = p.clone();
        self.read_app(move |r| {
            let case = own_case(r, &principal, &id)?;
            let family = case.url.as_deref().map(url_family).map(str::to_owned);
            Ok(r.open_copies(&principal.org, &case.id, family.as_deref(), FOUND_LIMIT)?
                .into_iter()
                .map(|(case, reason)| Copy { case, reason })
                .collect())
        })
        .await
    }

    /// Decides `case` and the chosen copies of it alike: one decision per case, each by
    /// [`App::decide`]. Every chosen case must be one of the case's copies (else nothing is
    /// decided); a copy that cannot be decided (claimed by another, decided meanwhile) is
    /// refused with its reason and the others still are.
    pub async fn decide_with_copies(
        &self,
        p: &Principal,
        case: &str,
        copies: &[&str],
        input: vigie_model::decision::RawDecision,
    ) -> AppResult<CopiesDecided> {
        let known = self.case_copies(p, case).await?;
        let mut chosen: Vec<CaseId> = Vec::new();
        for raw in copies {
            let id = parse_case_id(raw)?;
            if !known.iter().any(|c| c.case.id == id) {
                return Err(AppError::NotFound("copy of this case"));
            }
            if !chosen.contains(&id) {
                chosen.push(id);
            }
        }
        let first = self.decide(p, case, input.clone()).await?;
        let mut done = CopiesDecided { decided: vec![first], refused: Vec::new() };
        for id in chosen {
            match self.decide(p, id.as_str(), input.clone()).await {
                Ok(d) => done.decided.push(d),
                Err(e) => done.refused.push((id, e)),
            }
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigie_model::Duration;

    #[test]
    fn the_clock_steps_up_at_30_15_and_5_minutes_and_when_late() {
        let deadline = Timestamp::from_micros(10_000_000_000_000);
        let at = |mins: i64| deadline.plus(Duration::from_mins(-mins));
        assert_eq!(ClockStep::of(deadline, at(31)), ClockStep::Calm);
        assert_eq!(ClockStep::of(deadline, at(30)), ClockStep::Thirty);
        assert_eq!(ClockStep::of(deadline, at(29)), ClockStep::Thirty);
        assert_eq!(ClockStep::of(deadline, at(15)), ClockStep::Fifteen);
        assert_eq!(ClockStep::of(deadline, at(14)), ClockStep::Fifteen);
        assert_eq!(ClockStep::of(deadline, at(6)), ClockStep::Fifteen);
        assert_eq!(ClockStep::of(deadline, at(4)), ClockStep::Five);
        assert_eq!(ClockStep::of(deadline, deadline), ClockStep::Five, "the deadline itself is still in time");
        assert_eq!(ClockStep::of(deadline, deadline.plus(Duration::from_secs(1))), ClockStep::Late);
    }

    #[test]
    fn a_query_is_read_as_the_keys_it_could_be() {
        let kinds = |q: &str| keys_of(q).into_iter().map(|(_, by)| by).collect::<Vec<_>>();
        assert_eq!(kinds("cas_0123456789abcdef0123456789abcdef"), ["case id"]);
        assert_eq!(
            keys_of("HTTPS://Video.Example/v/1/?utm_source=x#t")[0].0,
            CaseKey::Url("https://video.example/v/1".into())
        );
        assert_eq!(kinds(&"ab".repeat(32)), ["hash", "order", "account", "content id"]);
        assert_eq!(kinds(&"AB".repeat(16))[0], "hash");
        assert_eq!(kinds("acct-42"), ["order", "account", "content id"]);
        assert!(keys_of("   ").is_empty());
        assert_eq!(url_family("https://a.example/v?x=1"), "https://a.example/v");
    }

    #[test]
    fn a_view_keeps_a_language_and_a_type_in_the_queues_order_and_refuses_others_by_name() {
        let form = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        let saved = view_filters(&form(&[("unclaimed", "1"), ("harm_type", "d"), ("language", "ar"), ("name", "x")]));
        assert_eq!(saved.unwrap(), "language=ar&harm_type=d&unclaimed=1");
        let refused = view_filters(&form(&[("language", "arabic"), ("harm_type", "z"), ("overdue", "1")])).unwrap_err();
        let fields: Vec<(&str, &str)> = refused.errors().iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(fields, [("language", "invalid_language"), ("harm_type", "unknown_reason")]);
    }
}
