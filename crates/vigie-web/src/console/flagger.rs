//! A trusted flagger's page (`/notices`): the notices it sent, newest first, and what became of
//! each location: its state, the decision by the title of its ground, and how long the platform
//! took to decide. What a notifier may be told is the use-case's rule (`App::flagger_notices`:
//! a held or embargoed case reads "under review").

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use vigie_app::reviewing::relative;
use vigie_model::decision::legal_basis;

use super::session::Viewer;
use super::{Me, PageError, page};
use crate::AppState;

struct LocationRow {
    target: String,
    state: String,
    /// "removed, under Terrorist content (TCO art. 2(7)(a))", or nothing yet.
    decision: Option<String>,
    took: Option<String>,
}

struct NoticeRow {
    id: String,
    received: String,
    threat: bool,
    locations: Vec<LocationRow>,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    me: Option<Me>,
    rows: Vec<NoticeRow>,
}

fn state_words(state: &str) -> String {
    match state {
        "under_review" => "under review".to_owned(),
        other => other.replace('_', " "),
    }
}

pub(crate) async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let notices = s.app.flagger_notices(&v.principal).await?;
    let now = s.app.now();
    let rows = notices
        .into_iter()
        .map(|n| NoticeRow {
            id: n.signal.id.as_str().to_owned(),
            received: format!("{} ({})", n.signal.received_at.to_rfc3339(), relative(n.signal.received_at, now)),
            threat: n.signal.threat_to_life,
            locations: n
                .locations
                .into_iter()
                .map(|l| LocationRow {
                    target: l.target,
                    state: state_words(l.state),
                    took: l
                        .decision
                        .as_ref()
                        .map(|d| super::authority::took(d.decided_at.since(n.signal.received_at).as_micros())),
                    decision: l.decision.map(|d| {
                        let ground = match (&d.legal_basis, &d.terms_clause) {
                            (Some(id), _) => match legal_basis(id) {
                                Some(b) => format!("under {} ({})", b.title, b.citation),
                                None => format!("under {id}"),
                            },
                            (None, Some((code, Some(title)))) => {
                                format!("under the platform's terms: {title} ({code})")
                            }
                            (None, Some((code, None))) => format!("under the platform's terms, clause {code}"),
                            (None, None) => "no restriction".to_owned(),
                        };
                        format!(
                            "{}, {ground}, {}{}",
                            d.action.as_str().replace('_', " "),
                            relative(d.decided_at, now),
                            if d.reversed { "; later reversed" } else { "" }
                        )
                    }),
                })
                .collect(),
        })
        .collect();
    page(&NoticesPage { me: Some(Me::load(&s.app, &v, "/notices").await), rows })
}
