//! Queues that fit a team (`vigie_app::teams`): an administrator's page of a platform's teams,
//! their people and the routing rules; the queue's tabs of the person's team queues; and a
//! team lead's per-person figures.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use vigie_app::teams::RULE_FIELDS;

use super::admin::require_admin;
use super::review::require_reviewer;
use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, field, page, redirect};
use crate::AppState;

struct TeamRow {
    id: String,
    name: String,
    /// "Ana (lead), Ben".
    people: String,
}

struct RuleRow {
    id: String,
    position: i64,
    field: String,
    value: String,
    team: String,
}

#[derive(Template)]
#[template(path = "teams.html")]
struct TeamsPage {
    me: Option<Me>,
    csrf: String,
    org: String,
    name: String,
    teams: Vec<TeamRow>,
    rules: Vec<RuleRow>,
    /// The platform's moderators: id and name.
    moderators: Vec<(String, String)>,
    fields: Vec<(&'static str, &'static str)>,
    /// The types of terrorist content a rule may test: letter and words.
    harms: Vec<(&'static str, &'static str)>,
}

pub(crate) async fn page_of(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let setup = s.app.teams_setup(&v.principal, &id).await?;
    let (org, people) = s.app.org_people(&v.principal, &id).await?;
    let name_of = |u: &vigie_model::UserId| {
        people.iter().find(|p| p.user.id == *u).and_then(|p| p.name.clone()).unwrap_or_else(|| u.as_str().to_owned())
    };
    let teams = setup
        .teams
        .iter()
        .map(|t| TeamRow {
            id: t.id.clone(),
            name: t.name.clone(),
            people: setup
                .members
                .iter()
                .filter(|m| m.team == t.id)
                .map(|m| if m.lead { format!("{} (lead)", name_of(&m.user)) } else { name_of(&m.user) })
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let team_name =
        |id: &str| setup.teams.iter().find(|t| t.id == id).map_or_else(|| id.to_owned(), |t| t.name.clone());
    let rules = setup
        .rules
        .iter()
        .map(|r| RuleRow {
            id: r.id.clone(),
            position: r.position,
            field: r.field.replace('_', " "),
            value: super::grounds::value_words(&r.field, &r.value),
            team: team_name(&r.team),
        })
        .collect();
    let moderators = people
        .iter()
        .filter(|p| p.user.deactivated_at.is_none() && p.user.roles.contains(&vigie_model::org::Role::Moderator))
        .map(|p| (p.user.id.as_str().to_owned(), p.name.clone().unwrap_or_else(|| p.user.id.as_str().to_owned())))
        .collect();
    let t = TeamsPage {
        me: Some(Me::load(&s.app, &v, "/admin").await),
        csrf: v.csrf.clone(),
        org: org.id.as_str().to_owned(),
        name: org.name.clone(),
        teams,
        rules,
        moderators,
        fields: RULE_FIELDS.to_vec(),
        harms: super::grounds::harm_choices().into_iter().map(|(letter, words, _)| (letter, words)).collect(),
    };
    page(&t)
}

pub(crate) async fn add_team(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    s.app.add_team(&v.principal, &id, field(&form, "name").unwrap_or_default()).await?;
    Ok(redirect(&format!("/admin/orgs/{id}/teams")))
}

pub(crate) async fn add_member(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, team)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let user = field(&form, "user").unwrap_or_default();
    let lead = field(&form, "lead") == Some("yes");
    s.app.put_team_member(&v.principal, &id, &team, user, lead).await?;
    Ok(redirect(&format!("/admin/orgs/{id}/teams")))
}

pub(crate) async fn add_rule(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    let (f, value, team) = (
        field(&form, "field").unwrap_or_default(),
        field(&form, "value").unwrap_or_default(),
        field(&form, "team").unwrap_or_default(),
    );
    s.app.add_routing_rule(&v.principal, &id, f, value, team).await?;
    Ok(redirect(&format!("/admin/orgs/{id}/teams")))
}

pub(crate) async fn delete_rule(
    State(s): State<AppState>,
    v: Viewer,
    Path((id, rule)): Path<(String, String)>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    require_admin(&v)?;
    s.app.delete_routing_rule(&v.principal, &id, &rule).await?;
    Ok(redirect(&format!("/admin/orgs/{id}/teams")))
}

struct FigureRow {
    name: String,
    decisions: usize,
    /// "12 min", or "none".
    median: String,
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage {
    me: Option<Me>,
    teams: Vec<(String, Vec<FigureRow>)>,
}

/// A duration as the figures show it: seconds under two minutes, then minutes, then hours.
fn span(d: vigie_model::Duration) -> String {
    let s = d.as_micros().max(0) / 1_000_000;
    match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3_600.0),
    }
}

pub(crate) async fn figures(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    require_reviewer(&v)?;
    let led = s.app.team_figures(&v.principal).await?;
    let names = s.app.colleagues(&v.principal).await?;
    let name = |u: &vigie_model::UserId| {
        names.iter().find(|(id, _)| id == u).map_or_else(|| u.as_str().to_owned(), |(_, n)| n.clone())
    };
    let teams = led
        .into_iter()
        .map(|(t, people)| {
            let rows = people
                .iter()
                .map(|p| FigureRow {
                    name: name(&p.user),
                    decisions: p.decisions,
                    median: p.median.map_or_else(|| "none".to_owned(), span),
                })
                .collect();
            (t.name, rows)
        })
        .collect();
    page(&FiguresPage { me: Some(Me::load(&s.app, &v, "/queue").await), teams })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_in_the_unit_that_fits() {
        assert_eq!(span(vigie_model::Duration::from_secs(90)), "90 s");
        assert_eq!(span(vigie_model::Duration::from_mins(12)), "12 min");
        assert_eq!(span(vigie_model::Duration::from_mins(150)), "2.5 h");
    }
}
