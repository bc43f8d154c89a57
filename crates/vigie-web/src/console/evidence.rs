//! The evidence custodian's page (`/evidence`): the platform's preservation records, an
//! instrument to record, a record opened with a reason (its related data shown, its files
//! counted), and exports requested by one custodian and approved by another. The same use-cases
//! as `/api/v1/evidence...`; who may do it is theirs to say (a platform's evidence custodians).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vigie_app::evidence::{ExportInput, InstrumentInput};
use vigie_app::reviewing::relative;

use super::session::{CsrfForm, Viewer};
use super::{Me, PageError, page, page_with, problems, redirect, text};
use crate::AppState;

struct RecordRow {
    id: String,
    case: String,
    basis: String,
    purpose: String,
    legal_basis: String,
    reference: String,
    expires: String,
    state: String,
    preserved: bool,
}

struct ExportRow {
    id: String,
    case: String,
    requested: String,
    /// Another custodian than the one signed in asked for it, and nobody approved it yet.
    approvable: bool,
    state: String,
}

/// A record just opened: its items, and the related data as text.
struct OpenedView {
    record: String,
    items: Vec<(String, String, i64)>,
    related: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    me: Option<Me>,
    csrf: String,
    rows: Vec<RecordRow>,
    exports: Vec<ExportRow>,
    opened: Option<OpenedView>,
    errors: Vec<String>,
}

async fn view(
    s: &AppState,
    v: &Viewer,
    opened: Option<OpenedView>,
    errors: Vec<String>,
) -> Result<EvidencePage, PageError> {
    let records = s.app.evidence_records(&v.principal, None).await?;
    let exports = s.app.evidence_exports(&v.principal).await?;
    let now = s.app.now();
    let rows = records
        .into_iter()
        .map(|r| RecordRow {
            id: r.id.to_string(),
            case: r.case.to_string(),
            basis: r.basis.as_str().replace('_', " "),
            purpose: r.purpose.as_str().replace('_', " "),
            legal_basis: r.basis.legal_basis().to_owned(),
            reference: r.reference.unwrap_or_default(),
            expires: relative(r.expires_at, now),
            state: r.state.as_str().to_owned(),
            preserved: r.state == vigie_model::evidence::RecordState::Preserved,
        })
        .collect();
    let exports = exports
        .into_iter()
        .map(|x| ExportRow {
            id: x.id.to_string(),
            case: x.case.to_string(),
            requested: relative(x.requested_at, now),
            approvable: x.approved_by.is_none() && x.requested_by != v.principal.user,
            state: match (&x.approved_by, x.exported_at) {
                (_, Some(at)) => format!("exported {}", relative(at, now)),
                (Some(_), None) => "approved: the bundle can be written (vigie evidence export)".to_owned(),
                (None, None) if x.requested_by == v.principal.user => "waiting for another custodian".to_owned(),
                (None, None) => "waiting for approval".to_owned(),
            },
        })
        .collect();
    Ok(EvidencePage {
        me: Some(Me::load(&s.app, v, "/evidence").await),
        csrf: v.csrf.clone(),
        rows,
        exports,
        opened,
        errors,
    })
}

pub(crate) async fn list(State(s): State<AppState>, v: Viewer) -> Result<Response, PageError> {
    page(&view(&s, &v, None, Vec::new()).await?)
}

/// A refusal the custodian can correct, shown on the page; anything else is an error page.
async fn refused(s: &AppState, v: &Viewer, e: vigie_app::AppError) -> Result<Response, PageError> {
    let (status, lines) = match e {
        vigie_app::AppError::Invalid(i) => (StatusCode::UNPROCESSABLE_ENTITY, problems(&i)),
        vigie_app::AppError::Conflict { message, .. } => (StatusCode::CONFLICT, vec![message]),
        other => return Err(other.into()),
    };
    page_with(&view(s, v, None, lines).await?, status)
}

pub(crate) async fn record(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    // A date from the form's date field is the end of that day, in UTC.
    let ends_at = text(&form, "ends_on").map(|d| format!("{d}T23:59:59Z"));
    let input = InstrumentInput {
        case: text(&form, "case"),
        basis: text(&form, "basis"),
        reference: text(&form, "reference"),
        issuing_authority: text(&form, "issuing_authority"),
        ends_at,
    };
    match s.app.record_instrument(&v.principal, input).await {
        Ok(_) => Ok(redirect("/evidence")),
        Err(e) => refused(&s, &v, e).await,
    }
}

pub(crate) async fn open(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    match s.app.access_evidence(&v.principal, &id, text(&form, "reason").as_deref()).await {
        Ok(opened) => {
            let related = opened
                .items
                .iter()
                .find(|(i, _)| i.kind == "related_data")
                .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            let view_of = OpenedView {
                record: opened.record.id.to_string(),
                items: opened.items.iter().map(|(i, _)| (i.name.clone(), i.sha256.clone(), i.size)).collect(),
                related,
            };
            page(&view(&s, &v, Some(view_of), Vec::new()).await?)
        }
        Err(e) => refused(&s, &v, e).await,
    }
}

pub(crate) async fn request_export(
    State(s): State<AppState>,
    v: Viewer,
    CsrfForm { form, .. }: CsrfForm,
) -> Result<Response, PageError> {
    let input =
        ExportInput { case: text(&form, "case"), recipient: text(&form, "recipient"), reason: text(&form, "reason") };
    match s.app.request_export(&v.principal, input).await {
        Ok(_) => Ok(redirect("/evidence")),
        Err(e) => refused(&s, &v, e).await,
    }
}

pub(crate) async fn approve(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    _: CsrfForm,
) -> Result<Response, PageError> {
    match s.app.approve_export(&v.principal, &id).await {
        Ok(_) => Ok(redirect("/evidence")),
        Err(e) => refused(&s, &v, e).await,
    }
}
