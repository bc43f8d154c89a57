//! Holds (`/holds`): the cases a blind watch-list holds back from their platform, for the list's
//! authority (its own) and for overseers and administrators (all), with the counts by how they
//! ended; the authority releases one early. A platform never sees this page: it is not told of a
//! held case until the hold ends (step 8's rule, in `App::list_holds`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use vigie_app::reviewing::relative;
use vigie_model::org::OrgKind;
use vigie_model::redress::HoldEnd;

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, page, redirect};
use crate::AppState;

struct HoldRow {
    id: String,
    case: String,
    placed: String,
    state: String,
    /// The list's authority may release it while it runs.
    releasable: bool,
}

#[derive(Template)]
#[template(path = "holds.html")]
struct HoldsPage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<HoldRow>,
    counts: Vec<(&'static str, usize)>,
}

fn ended_words(reason: HoldEnd) -> &'static str {
    match reason {
        HoldEnd::Expired => "its time ran out",
        HoldEnd::Released => "released by the authority",
        HoldEnd::Order => "a removal order arrived (orders are never held)",
        HoldEnd::ThreatToLife => "a threat to life (never held)",
        HoldEnd::Notice => "a DSA notice arrived without an instrument that holds it",
    }
}

pub(crate) async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let report = s.app.list_holds(&v.principal).await?;
    let now = s.app.now();
    let own = v.principal.org_kind == OrgKind::Authority;
    let rows = report
        .holds
        .iter()
        .map(|h| HoldRow {
            id: h.id.as_str().to_owned(),
            case: h.case.as_str().to_owned(),
            placed: relative(h.placed_at, now),
            state: match (h.ended_at, h.end_reason) {
                (Some(at), Some(why)) => format!("ended {}: {}", relative(at, now), ended_words(why)),
                (Some(at), None) => format!("ended {}", relative(at, now)),
                (None, _) => format!("running, until {}", relative(h.until, now)),
            },
            releasable: own && h.ended_at.is_none() && h.authority == v.principal.org,
        })
        .collect();
    page(&HoldsPage {
        me: Some(Me::load(&s.app, &v, "/holds").await),
        csrf: v.csrf.clone(),
        rows,
        counts: vec![
            ("running", report.active),
            ("expired", report.expired),
            ("released", report.released),
            ("ended by an order, a threat to life or a notice", report.overridden),
        ],
    })
}

pub(crate) async fn release(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    s.app.release_hold(&v.principal, &id).await?;
    Ok(redirect("/holds"))
}
