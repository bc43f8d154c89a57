//! The account network's page (`docs/graph.md`): a form (an account or a case, a depth; an
//! authority's case reference and reason), and the view it asks for drawn as an SVG on the server
//! (accounts on rings by their distance from the one asked about), with tables that list the same
//! accounts and links. It works without script. Each view is `vigie_app::graph`'s, logged there.

use std::f64::consts::PI;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::AppError;
use vigie_app::graph::{GraphInput, GraphView};
use vigie_model::org::{OrgKind, Role};

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, field, page, page_with, problems};
use crate::AppState;
use crate::routes::graph::node_id;

/// Whether `v` may ask for a view at all (the use-case decides the rest).
fn may_view(v: &Viewer) -> Result<bool, PageError> {
    let p = &v.principal;
    match p.org_kind {
        OrgKind::Platform if p.roles.contains(&Role::Moderator) => Ok(false),
        OrgKind::Authority if p.roles.iter().any(|r| matches!(r, Role::Reporter | Role::Viewer)) => Ok(true),
        _ => Err(AppError::Forbidden("the account network is for a platform's moderators and authorities").into()),
    }
}

/// The form as it was filled in, shown again with the view or the problems.
#[derive(Default)]
struct Asked {
    account: String,
    case: String,
    depth: String,
    max_nodes: String,
    reference: String,
    reason: String,
}

/// An account as drawn.
struct DrawnNode {
    id: String,
    x: String,
    y: String,
    /// Where its label sits (below the mark).
    label_y: String,
    label: String,
    /// For its `<title>` and the table: the account, its platform, its distance.
    account: String,
    platform: String,
    handle: String,
    distance: u32,
    exempt: String,
    cases: Vec<(String, String)>,
}

/// A link as drawn and listed.
struct DrawnEdge {
    x1: String,
    y1: String,
    x2: String,
    y2: String,
    /// `hash`, `url` or `handle` (its first share's kind): the line's dash pattern.
    kind: &'static str,
    dash: &'static str,
    from: String,
    to: String,
    from_account: String,
    to_account: String,
    /// "hash (sha256) 3f…: cas_a, cas_b" per share.
    shares: Vec<String>,
    exempt: bool,
}

struct Drawing {
    size: u32,
    nodes: Vec<DrawnNode>,
    edges: Vec<DrawnEdge>,
    truncated: bool,
    scope: &'static str,
    summary: String,
}

#[derive(Template)]
#[template(path = "graph.html")]
struct GraphPage {
    me: Option<Me>,
    authority: bool,
    asked: Asked,
    problems: Vec<String>,
    drawing: Option<Drawing>,
}

/// The distance between two rings, and the margin around the outer one, in SVG units.
const RING: f64 = 150.0;
const MARGIN: f64 = 90.0;

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// Lays the view out: the accounts at each distance evenly on a ring of radius distance × RING
/// (several at distance 0 on a small ring), in the view's order, the first at the top. A pure
/// function of the view, so the same view is always drawn the same.
fn draw(view: &GraphView) -> Drawing {
    let depth = view.nodes.iter().map(|n| n.distance).max().unwrap_or(0);
    let half = f64::from(depth) * RING + MARGIN;
    let size = (2.0 * half).ceil() as u32;
    let mut positions = vec![(half, half); view.nodes.len()];
    for d in 0..=depth {
        let at: Vec<usize> = (0..view.nodes.len()).filter(|&i| view.nodes[i].distance == d).collect();
        let radius = if d == 0 { if at.len() > 1 { RING / 3.0 } else { 0.0 } } else { f64::from(d) * RING };
        for (k, &i) in at.iter().enumerate() {
            let angle = -PI / 2.0 + 2.0 * PI * k as f64 / at.len() as f64;
            positions[i] = (half + radius * angle.cos(), half + radius * angle.sin());
        }
    }
    let nodes = view
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let purposes: Vec<&str> = n.exempt_purposes().iter().map(|p| p.as_str()).collect();
            DrawnNode {
                id: node_id(i),
                x: coord(positions[i].0),
                y: coord(positions[i].1),
                label_y: coord(positions[i].1 + 30.0),
                label: short(&n.account, 22),
                account: n.account.clone(),
                platform: n.platform.to_string(),
                handle: n.handle.clone().unwrap_or_default(),
                distance: n.distance,
                exempt: purposes.join(", ").replace('_', " "),
                cases: n
                    .cases
                    .iter()
                    .map(|c| (c.id.to_string(), c.exempt.map(|p| p.as_str().replace('_', " ")).unwrap_or_default()))
                    .collect(),
            }
        })
        .collect::<Vec<_>>();
    let edges = view
        .edges
        .iter()
        .map(|e| {
            let kind = e.shares.first().map_or("hash", |s| s.kind.as_str());
            DrawnEdge {
                x1: coord(positions[e.from].0),
                y1: coord(positions[e.from].1),
                x2: coord(positions[e.to].0),
                y2: coord(positions[e.to].1),
                kind,
                dash: match kind {
                    "url" => "8 5",
                    "handle" => "2 4",
                    _ => "none",
                },
                from: node_id(e.from),
                to: node_id(e.to),
                from_account: view.nodes[e.from].account.clone(),
                to_account: view.nodes[e.to].account.clone(),
                shares: e
                    .shares
                    .iter()
                    .map(|s| {
                        let what = match &s.hash_type {
                            Some(t) => format!("{} ({t})", s.kind.as_str()),
                            None => s.kind.as_str().to_owned(),
                        };
                        let cases = if s.cases.0 == s.cases.1 {
                            s.cases.0.to_string()
                        } else {
                            format!("{} and {}", s.cases.0, s.cases.1)
                        };
                        format!("{what} {}: {cases}", short(&s.value, 40))
                    })
                    .collect(),
                exempt: !view.nodes[e.from].exempt_purposes().is_empty()
                    || !view.nodes[e.to].exempt_purposes().is_empty(),
            }
        })
        .collect::<Vec<_>>();
    let exempt = view.nodes.iter().filter(|n| !n.exempt_purposes().is_empty()).count();
    let summary = format!(
        "{} account{} and {} link{}, up to {} step{} from the account asked about{}.",
        nodes.len(),
        if nodes.len() == 1 { "" } else { "s" },
        edges.len(),
        if edges.len() == 1 { "" } else { "s" },
        view.depth,
        if view.depth == 1 { "" } else { "s" },
        if exempt > 0 {
            format!("; {exempt} decided exempt under art. 1(3) (journalism, research, education, art)")
        } else {
            String::new()
        },
    );
    Drawing {
        size,
        nodes,
        edges,
        truncated: view.truncated,
        scope: if view.scope == vigie_app::graph::ViewScope::CrossPlatform {
            "across platforms"
        } else {
            "among your platform's cases"
        },
        summary,
    }
}

pub(crate) async fn form(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let authority = may_view(&v)?;
    let t = GraphPage {
        me: Some(Me::load(&s.app, &v, "/graph").await),
        authority,
        asked: Asked { depth: "2".into(), max_nodes: "50".into(), ..Asked::default() },
        problems: Vec::new(),
        drawing: None,
    };
    page(&t)
}

pub(crate) async fn view(State(s): State<AppState>, v: Viewer, form: CsrfForm) -> Result<Response, PageError> {
    let authority = may_view(&v)?;
    let get = |name: &str| field(&form.form, name).unwrap_or_default().trim().to_owned();
    let asked = Asked {
        account: get("account"),
        case: get("case"),
        depth: get("depth"),
        max_nodes: get("max_nodes"),
        reference: get("reference"),
        reason: get("reason"),
    };
    let number = |raw: &str| if raw.is_empty() { Ok(None) } else { raw.parse::<u32>().map(Some) };
    let nonempty = |raw: &str| (!raw.is_empty()).then(|| raw.to_owned());
    let mut bad = Vec::new();
    let depth = number(&asked.depth).unwrap_or_else(|_| {
        bad.push("depth: a whole number from 1 to 3".to_owned());
        None
    });
    let max_nodes = number(&asked.max_nodes).unwrap_or_else(|_| {
        bad.push("max_nodes: a whole number from 1 to 200".to_owned());
        None
    });
    let me = Some(Me::load(&s.app, &v, "/graph").await);
    if !bad.is_empty() {
        let t = GraphPage { me, authority, asked, problems: bad, drawing: None };
        return page_with(&t, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let input = GraphInput {
        account: nonempty(&asked.account),
        case: nonempty(&asked.case),
        depth,
        max_nodes,
        reference: if authority { nonempty(&asked.reference) } else { None },
        reason: if authority { nonempty(&asked.reason) } else { None },
    };
    match s.app.account_network(&v.principal, input).await {
        Ok(view) => {
            let t = GraphPage { me, authority, asked, problems: Vec::new(), drawing: Some(draw(&view)) };
            page(&t)
        }
        Err(AppError::Invalid(invalid)) => {
            let t = GraphPage { me, authority, asked, problems: problems(&invalid), drawing: None };
            page_with(&t, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => Err(e.into()),
    }
}
