//! The account network over the API (`docs/graph.md`): one view, logged as `graph.viewed`.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_app::graph::{GraphInput, GraphView};

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Body};

/// What a view starts from (an account or a case, one of them) and its bounds. An authority
/// gives the reference of the case it records the view for and its reason; a platform gives
/// neither.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphRequest {
    /// An account: its id on its platform, or its canonical profile URL when it has no id.
    #[schema(max_length = 4096)]
    pub account: Option<String>,
    /// A case id: the accounts the case names.
    pub case: Option<String>,
    /// Steps from the start, 1 to 3 (default 2).
    #[schema(minimum = 1, maximum = 3)]
    pub depth: Option<u32>,
    /// The most accounts shown, 1 to 200 (default 50).
    #[schema(minimum = 1, maximum = 200)]
    pub max_nodes: Option<u32>,
    /// Authorities (required): the reference of the case the view is recorded for. Sealed in the log.
    #[schema(max_length = 200)]
    pub reference: Option<String>,
    /// Authorities (required): why the view is needed. Sealed in the log.
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphCaseDto {
    pub id: String,
    /// content or account.
    pub kind: String,
    pub url: Option<String>,
    /// The art. 1(3) purpose its current decision found it exempt for (educational,
    /// journalistic, artistic, research, countering_terrorism, public_debate), if it did.
    pub exempt_purpose: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphNodeDto {
    /// `n0`, `n1`, ...: by distance, then platform and account.
    pub id: String,
    pub platform: String,
    /// Its id on the platform, or its profile URL.
    pub account: String,
    pub handle: Option<String>,
    /// Steps from the account asked about.
    pub distance: u32,
    /// Whether one of its cases was decided exempt under art. 1(3): a reporter or researcher who
    /// posted the same footage, not a member.
    pub exempt: bool,
    pub exempt_purposes: Vec<String>,
    pub cases: Vec<GraphCaseDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphShareDto {
    /// hash, url or handle.
    pub kind: String,
    /// For a hash: sha256, md5, pdq, vpdq ...
    pub hash_type: Option<String>,
    pub value: String,
    /// The case of `from` and the case of `to` that carry it (the same case when one case names
    /// both accounts).
    pub cases: [String; 2],
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphEdgeDto {
    pub from: String,
    pub to: String,
    /// Whether either end was decided exempt under art. 1(3).
    pub exempt: bool,
    pub shares: Vec<GraphShareDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GraphDto {
    /// platform (a platform's own cases) or cross_platform (an authority's view).
    pub scope: String,
    pub depth: u32,
    pub max_nodes: u32,
    pub nodes: Vec<GraphNodeDto>,
    pub edges: Vec<GraphEdgeDto>,
    /// Whether a bound cut the view short (accounts past `max_nodes`, more than 100 cases for one
    /// account or shared key, more than 20 shares on one link).
    pub truncated: bool,
    /// The sequence number of the `graph.viewed` event that records this view.
    pub event_seq: i64,
    /// Always true: the network is for people to read, and nothing automated reads it.
    pub never_automated: bool,
}

pub(crate) fn node_id(i: usize) -> String {
    format!("n{i}")
}

impl From<GraphView> for GraphDto {
    fn from(v: GraphView) -> Self {
        let exempt: Vec<bool> = v.nodes.iter().map(|n| !n.exempt_purposes().is_empty()).collect();
        GraphDto {
            scope: v.scope.as_str().to_owned(),
            depth: v.depth,
            max_nodes: v.max_nodes,
            nodes: v
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| GraphNodeDto {
                    id: node_id(i),
                    platform: n.platform.to_string(),
                    account: n.account.clone(),
                    handle: n.handle.clone(),
                    distance: n.distance,
                    exempt: exempt[i],
                    exempt_purposes: n.exempt_purposes().iter().map(|p| p.as_str().to_owned()).collect(),
                    cases: n
                        .cases
                        .iter()
                        .map(|c| GraphCaseDto {
                            id: c.id.to_string(),
                            kind: c.kind.as_str().to_owned(),
                            url: c.url.clone(),
                            exempt_purpose: c.exempt.map(|p| p.as_str().to_owned()),
                        })
                        .collect(),
                })
                .collect(),
            edges: v
                .edges
                .iter()
                .map(|e| GraphEdgeDto {
                    from: node_id(e.from),
                    to: node_id(e.to),
                    exempt: exempt[e.from] || exempt[e.to],
                    shares: e
                        .shares
                        .iter()
                        .map(|s| GraphShareDto {
                            kind: s.kind.as_str().to_owned(),
                            hash_type: s.hash_type.clone(),
                            value: s.value.clone(),
                            cases: [s.cases.0.to_string(), s.cases.1.to_string()],
                        })
                        .collect(),
                })
                .collect(),
            truncated: v.truncated,
            event_seq: v.event_seq,
            never_automated: true,
        }
    }
}

/// The account network around an account or a case: the accounts linked to it by the media
/// hashes, URLs and handles their cases share, a few steps deep, bounded. A platform's moderators
/// see their own cases; an authority sees across platforms, with a recorded case reference and
/// reason. Every view is recorded as a `graph.viewed` event (sealed values). Never an input to
/// automated action.
#[utoipa::path(post, path = "/api/v1/graph", tag = "graph", request_body = GraphRequest,
    responses((status = 200, body = GraphDto)), security(("bearer" = [])))]
pub async fn view(
    State(s): State<AppState>,
    Auth(p): Auth,
    Body(req): Body<GraphRequest>,
) -> ApiResult<Json<GraphDto>> {
    let input = GraphInput {
        account: req.account,
        case: req.case,
        depth: req.depth,
        max_nodes: req.max_nodes,
        reference: req.reference,
        reason: req.reason,
    };
    Ok(Json(s.app.account_network(&p, input).await?.into()))
}
