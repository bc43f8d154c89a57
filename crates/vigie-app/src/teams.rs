//! Queues that fit a team: a platform's teams and their people, an administrator's routing rules
//! that send cases to a team's queue, and per-person figures for a team's leads.
//!
//! - Routing is read from the rules when the queue is drawn: a case goes to the team of the first
//!   rule (by position) that holds for it: its source (the tier), its host (or a parent domain),
//!   a label of a bank its content matched, a language its reports gave, or a type of terrorist
//!   content (art. 2(7)) they named. A case no rule takes stays in the platform's
//!   queue alone; every case stays in the whole queue.
//! - Figures are aggregates only: for each person of a team the lead leads, how many decisions
//!   they took in the last 30 days and the median time from a case's opening to its decision.
//!   No list of their cases, no ranking. Only the team's leads read them (GDPR art. 88: monitoring
//!   of work kept to what organising it needs); nothing is stored, they are computed on demand.
//! - Teams, their people and the rules are configuration, not case facts: they are not events.
//!   Legal basis, retention and readers: `vigie_store::TeamRecord`, `docs/privacy.md`.

use vigie_model::org::{OrgKind, Role};
use vigie_model::validation::Checker;
use vigie_model::{Duration, OrgId, Principal, UserId};
use vigie_store::{RoutingRuleRecord, TeamMemberRecord, TeamRecord};

use crate::auth::{require, require_admin};
use crate::reviewing::QueueItem;
use crate::{App, AppError, AppResult, id_bytes};

/// What a rule may test.
pub const RULE_FIELDS: [(&str, &str); 5] = [
    ("source", "Source (order, trusted_flagger, referral, bank_match, public)"),
    ("host", "Host (or a parent domain)"),
    ("bank_label", "Bank label (e.g. group: x)"),
    ("language", "Language (ISO 639-1 code, e.g. ar)"),
    ("harm_type", "Type of terrorist content (art. 2(7) letter, a to e)"),
];

/// How far back the figures look.
pub const FIGURES_WINDOW: Duration = Duration::from_days(30);

/// A platform's teams, their people and its rules, for its administrator.
#[derive(Clone, Debug)]
pub struct TeamsSetup {
    pub teams: Vec<TeamRecord>,
    pub members: Vec<TeamMemberRecord>,
    pub rules: Vec<RoutingRuleRecord>,
}

/// One of the person's team queues, and how many cases it holds now.
#[derive(Clone, Debug)]
pub struct TeamTab {
    pub team: TeamRecord,
    pub lead: bool,
    pub count: usize,
}

/// One person's figures in a team: decisions in the window and the median time to decide.
#[derive(Clone, Debug)]
pub struct PersonFigures {
    pub user: UserId,
    pub decisions: usize,
    pub median: Option<Duration>,
}

/// Whether `rule` holds for a queue item.
pub fn rule_holds(rule: &RoutingRuleRecord, item: &QueueItem) -> bool {
    match rule.field.as_str() {
        "source" => item.case.tier.as_str() == rule.value,
        "host" => {
            item.case.host.as_deref().is_some_and(|h| h == rule.value || h.ends_with(&format!(".{}", rule.value)))
        }
        "bank_label" => item.labels.contains(&rule.value),
        "language" => item.languages.iter().any(|l| l.as_str() == rule.value),
        "harm_type" => item.harm_types.iter().any(|t| t.letter() == rule.value),
        _ => false,
    }
}

/// The team a queue item goes to: the first rule that holds.
pub fn route<'a>(rules: &'a [RoutingRuleRecord], item: &QueueItem) -> Option<&'a str> {
    rules.iter().find(|r| rule_holds(r, item)).map(|r| r.team.as_str())
}

/// The median of durations (the mean of the middle two for an even count).
pub fn median(mut all: Vec<Duration>) -> Option<Duration> {
    all.sort_by_key(|d| d.as_micros());
    let n = all.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(all[n / 2]),
        _ => Some(Duration::from_micros((all[n / 2 - 1].as_micros() + all[n / 2].as_micros()) / 2)),
    }
}

fn new_id(prefix: &str, now: vigie_model::Timestamp) -> String {
    format!("{prefix}_{}", id_bytes(now).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn platform_of(r: &dyn vigie_store::Reads, org: &str) -> AppResult<OrgId> {
    let id = OrgId::parse(org).ok_or(AppError::NotFound("organisation"))?;
    match r.get_org(&id)? {
        Some(o) if o.kind == OrgKind::Platform => Ok(id),
        Some(_) => Err(vigie_model::Invalid::one("org", "not_a_platform", "teams and queues are a platform's").into()),
        None => Err(AppError::NotFound("organisation")),
    }
}

impl App {
    /// A platform's teams, people in them and routing rules (administrators).
    pub async fn teams_setup(&self, p: &Principal, org: &str) -> AppResult<TeamsSetup> {
        require_admin(p)?;
        let org = org.to_owned();
        self.read_app(move |r| {
            let id = platform_of(r, &org)?;
            Ok(TeamsSetup { teams: r.teams_of(&id)?, members: r.team_members_of(&id)?, rules: r.routing_rules(&id)? })
        })
        .await
    }

    /// Adds a team to a platform (administrators); a team of that name is kept as it is.
    pub async fn add_team(&self, p: &Principal, org: &str, name: &str) -> AppResult<TeamRecord> {
        require_admin(p)?;
        let name = name.trim().to_owned();
        let mut c = Checker::new();
        c.text(Some(&name), "name", 80);
        c.finish()?;
        let org = org.to_owned();
        let now = self.now();
        self.store()
            .write(move |tx| {
                let id = platform_of(tx, &org)?;
                Ok::<_, AppError>(tx.ensure_team(&TeamRecord {
                    id: new_id("team", now),
                    org: id,
                    name,
                    created_at: now,
                })?)
            })
            .await
    }

    /// Puts one of the platform's moderators in one of its teams, as a lead or not
    /// (administrators).
    pub async fn put_team_member(&self, p: &Principal, org: &str, team: &str, user: &str, lead: bool) -> AppResult<()> {
        require_admin(p)?;
        let (org, team) = (org.to_owned(), team.to_owned());
        let user = UserId::parse(user).ok_or(AppError::NotFound("user"))?;
        self.store()
            .write(move |tx| {
                let id = platform_of(tx, &org)?;
                if !tx.teams_of(&id)?.iter().any(|t| t.id == team) {
                    return Err(AppError::NotFound("team"));
                }
                match tx.get_user(&user)? {
                    Some(u) if u.org == id && u.deactivated_at.is_none() && u.roles.contains(&Role::Moderator) => {}
                    Some(u) if u.org == id => {
                        return Err(vigie_model::Invalid::one(
                            "user",
                            "not_a_moderator",
                            "only moderators work a queue",
                        )
                        .into());
                    }
                    _ => return Err(AppError::NotFound("user")),
                }
                tx.put_team_member(&TeamMemberRecord { team, user, lead })?;
                Ok(())
            })
            .await
    }

    /// Adds a routing rule after the platform's others (administrators).
    pub async fn add_routing_rule(
        &self,
        p: &Principal,
        org: &str,
        field: &str,
        value: &str,
        team: &str,
    ) -> AppResult<RoutingRuleRecord> {
        require_admin(p)?;
        let value = value.trim();
        // A language is written lower-case (`ar`), whoever typed it.
        let value = if field == "language" { value.to_ascii_lowercase() } else { value.to_owned() };
        let mut c = Checker::new();
        c.check(RULE_FIELDS.iter().any(|(f, _)| *f == field), "field", "invalid_field", "choose what the rule tests");
        c.text(Some(&value), "value", 200);
        match field {
            "source" => {
                c.check(vigie_model::signal::Tier::parse(&value).is_some(), "value", "invalid_tier", "not a source")
            }
            "language" => {
                vigie_model::labels::check_language(&mut c, Some(&value), "value");
            }
            "harm_type" => {
                vigie_model::labels::check_type(&mut c, &value, "value");
            }
            _ => {}
        }
        c.finish()?;
        let (org, team, field) = (org.to_owned(), team.to_owned(), field.to_owned());
        let now = self.now();
        self.store()
            .write(move |tx| {
                let id = platform_of(tx, &org)?;
                if !tx.teams_of(&id)?.iter().any(|t| t.id == team) {
                    return Err(AppError::NotFound("team"));
                }
                let rule = RoutingRuleRecord {
                    id: new_id("rule", now),
                    org: id.clone(),
                    position: 0,
                    field,
                    value,
                    team,
                    created_at: now,
                };
                tx.insert_routing_rule(&rule)?;
                let stored = tx.routing_rules(&id)?.into_iter().find(|r| r.id == rule.id);
                stored.ok_or(AppError::NotFound("rule"))
            })
            .await
    }

    /// Deletes a routing rule (administrators).
    pub async fn delete_routing_rule(&self, p: &Principal, org: &str, rule: &str) -> AppResult<()> {
        require_admin(p)?;
        let (org, rule) = (org.to_owned(), rule.to_owned());
        self.store()
            .write(move |tx| {
                let id = platform_of(tx, &org)?;
                if tx.delete_routing_rule(&id, &rule)? { Ok(()) } else { Err(AppError::NotFound("rule")) }
            })
            .await
    }

    /// The person's team queues over `items` (their platform's queue): each team they are in,
    /// with how many of the items its rules send it; and, when `team` is given (one of theirs),
    /// only the items routed to it.
    pub async fn team_queues(
        &self,
        p: &Principal,
        items: Vec<QueueItem>,
        team: Option<&str>,
    ) -> AppResult<(Vec<TeamTab>, Vec<QueueItem>)> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's moderators work its queues")?;
        let org = p.org.clone();
        let (teams, members, rules) = self
            .store()
            .read(move |r| {
                Ok::<_, vigie_store::StoreError>((r.teams_of(&org)?, r.team_members_of(&org)?, r.routing_rules(&org)?))
            })
            .await?;
        let mine: Vec<(TeamRecord, bool)> = teams
            .into_iter()
            .filter_map(|t| members.iter().find(|m| m.team == t.id && m.user == p.user).map(|m| (t.clone(), m.lead)))
            .collect();
        let routed: Vec<Option<&str>> = items.iter().map(|i| route(&rules, i)).collect();
        let tabs = mine
            .iter()
            .map(|(t, lead)| TeamTab {
                team: t.clone(),
                lead: *lead,
                count: routed.iter().filter(|r| **r == Some(t.id.as_str())).count(),
            })
            .collect();
        let items = match team {
            None => items,
            Some(team) => {
                if !mine.iter().any(|(t, _)| t.id == team) {
                    return Err(AppError::NotFound("team"));
                }
                let keep: Vec<bool> = routed.iter().map(|r| *r == Some(team)).collect();
                items.into_iter().zip(keep).filter(|(_, k)| *k).map(|(i, _)| i).collect()
            }
        };
        Ok((tabs, items))
    }

    /// The figures of the teams the person leads: each of the team's people, their decisions in
    /// the last 30 days and the median time from a case's opening to its decision.
    pub async fn team_figures(&self, p: &Principal) -> AppResult<Vec<(TeamRecord, Vec<PersonFigures>)>> {
        require(p, &[OrgKind::Platform], Role::Moderator, "only a platform's team leads read its figures")?;
        let org = p.org.clone();
        let since = self.now().plus(Duration::from_micros(-FIGURES_WINDOW.as_micros()));
        let (teams, members, times) = self
            .store()
            .read(move |r| {
                Ok::<_, vigie_store::StoreError>((
                    r.teams_of(&org)?,
                    r.team_members_of(&org)?,
                    r.decision_times(&org, since)?,
                ))
            })
            .await?;
        let led: Vec<TeamRecord> = teams
            .into_iter()
            .filter(|t| members.iter().any(|m| m.team == t.id && m.user == p.user && m.lead))
            .collect();
        if led.is_empty() {
            return Err(AppError::Forbidden("only a team's leads read its figures"));
        }
        Ok(led
            .into_iter()
            .map(|t| {
                let people = members
                    .iter()
                    .filter(|m| m.team == t.id)
                    .map(|m| {
                        let own: Vec<Duration> = times.iter().filter(|(u, _)| *u == m.user).map(|(_, d)| *d).collect();
                        PersonFigures { user: m.user.clone(), decisions: own.len(), median: median(own) }
                    })
                    .collect();
                (t, people)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_or_the_mean_of_the_middle_two() {
        let m =
            |v: &[i64]| median(v.iter().map(|s| Duration::from_secs(*s)).collect()).map(|d| d.as_micros() / 1_000_000);
        assert_eq!(m(&[]), None);
        assert_eq!(m(&[30, 10, 20]), Some(20));
        assert_eq!(m(&[40, 10, 20, 30]), Some(25));
    }
}
