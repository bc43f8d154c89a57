//! The web console: server-rendered pages (askama templates in `templates/`) over the same
//! use-cases as the API.
//!
//! - Every page works without JavaScript. `assets/console.js` adds live countdowns and keyboard
//!   shortcuts.
//! - Assets are compiled into the binary. Pages send a strict Content-Security-Policy: no inline
//!   script or style, and nothing from another origin.
//! - Media originals go out only from `/media/{id}/original`, sandboxed and as a download unless
//!   they decoded as a raster image.

mod admin;
mod auth;
mod authority;
mod banks;
mod complaints;
mod dashboard;
mod deadletters;
mod decided;
mod evidence;
mod find;
mod flagger;
mod graph;
mod grounds;
mod holds;
mod legal;
mod overseer;
mod player;
mod public;
mod review;
mod scrutiny;
pub(crate) mod session;
mod shift;
mod teams;
mod terms;
mod uploader;
mod viewer;
mod views;

use askama::Template;
use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use vigie_app::AppError;
use vigie_model::Principal;
use vigie_model::org::{OrgKind, Role};

use crate::AppState;
use crate::error::Code;

/// How the console is served.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConsoleSettings {
    /// Cookies are `Secure` and `__Host-` prefixed: set when Vigie terminates TLS itself or sits
    /// behind a reverse proxy that does.
    pub secure_cookies: bool,
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(auth::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/report", get(public::report_page).post(public::report))
        .route("/track", get(public::track_page).post(public::track))
        .route("/track/complaint", post(public::track_complaint))
        .route("/notice/{token}", get(uploader::notice))
        .route("/notice/{token}/{what}", post(uploader::contest))
        .route("/queue", get(review::queue))
        .route("/decided", get(decided::list))
        .route("/search", get(find::search))
        .route("/accounts", get(find::account))
        .route("/graph", get(graph::form).post(graph::view))
        .route("/decisions", get(find::decisions))
        .route("/decisions.csv", get(find::decisions_csv))
        .route("/queue/views", post(views::save_view))
        .route("/queue/views/{id}/delete", post(views::delete_view))
        .route("/figures", get(teams::figures))
        .route("/admin/orgs/{id}/teams", get(teams::page_of).post(teams::add_team))
        .route("/admin/orgs/{id}/teams/{team}/members", post(teams::add_member))
        .route("/admin/orgs/{id}/rules", post(teams::add_rule))
        .route("/admin/orgs/{id}/rules/{rule}/delete", post(teams::delete_rule))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/settings", get(auth::settings).post(auth::save_settings))
        .route("/settings/viewer", post(viewer::save_own))
        .route("/settings/organisation", post(viewer::save_org))
        .route("/password", get(auth::password_page).post(auth::change_password))
        .route("/admin", get(admin::home))
        .route("/admin/orgs", post(admin::create_org))
        .route("/admin/orgs/{id}", get(admin::org_page))
        .route("/admin/orgs/{id}/users", post(admin::create_person))
        .route("/admin/orgs/{id}/profile", post(admin::set_profile))
        .route("/admin/orgs/{id}/users/{user}/tokens", post(admin::issue_token))
        .route("/admin/orgs/{id}/users/{user}/remove", post(admin::remove_person))
        .route("/admin/orgs/{id}/users/{user}/roles", post(admin::set_roles))
        .route("/admin/orgs/{id}/users/{user}/password", post(admin::reset_password))
        .route("/admin/orgs/{id}/tokens/{token}/revoke", post(admin::revoke_token))
        .route("/admin/webhooks/{id}/delete", post(admin::delete_webhook))
        .route("/admin/hosts/{host}/approve", post(admin::approve_host))
        .route("/complaints", get(complaints::list))
        .route("/complaints/{id}", get(complaints::show))
        .route("/complaints/{id}/review", post(complaints::review))
        .route("/orders", get(authority::orders).post(authority::submit_order))
        .route("/orders/{id}/clarify", post(authority::clarify))
        .route("/referrals", get(authority::referrals).post(authority::submit_referral))
        .route("/notices", get(flagger::list))
        .route("/evidence", get(evidence::list).post(evidence::record))
        .route("/evidence/{id}/open", post(evidence::open))
        .route("/evidence/exports", post(evidence::request_export))
        .route("/evidence/exports/{id}/approve", post(evidence::approve))
        .route("/holds", get(holds::list))
        .route("/holds/{id}/release", post(holds::release))
        .route("/terms", get(terms::list).post(terms::register))
        .route("/banks", get(banks::list).post(banks::create))
        .route("/banks/{id}", post(banks::update))
        .route("/terms/{id}/retire", post(terms::retire))
        .route("/dead-letters", get(deadletters::list))
        .route("/dead-letters/{id}/retry", post(deadletters::retry))
        .route("/log", get(overseer::log))
        .route("/log/proof", get(overseer::log_proof))
        .route("/scrutiny", get(scrutiny::list))
        .route("/scrutiny/{id}/decide", post(scrutiny::decide))
        .route("/scrutiny/{id}/intention", post(scrutiny::intention))
        .route("/cases/{id}", get(review::case_page))
        .route("/cases/{id}/claim", post(review::claim))
        .route("/cases/{id}/release", post(review::release))
        .route("/cases/{id}/takeover", post(review::take_over))
        .route("/cases/{id}/decide", post(review::decide))
        .route("/review/next", post(shift::start))
        .route("/cases/{id}/undo", post(shift::undo))
        .route("/cases/{id}/leave", post(shift::leave))
        .route("/cases/{id}/notes", post(shift::add_note))
        .route("/cases/{id}/legal", get(legal::show))
        .route("/cases/{id}/orders/{order}/cannot-comply", post(legal::cannot_comply))
        .route("/cases/{id}/orders/{order}/resume", post(legal::resume))
        .route("/cases/{id}/threat", post(legal::flag))
        .route("/cases/{id}/threat/refer", post(legal::refer))
        .route("/cases/{id}/threat/ack", post(legal::acknowledge))
        .route("/media/{id}/reveal", post(review::reveal))
        .route("/media/{id}/preview", get(review::preview))
        .route("/media/{id}/original", get(review::original))
        .route("/media/{id}/viewed", post(player::viewed))
        .route("/assets/console.css", get(css))
        .route("/assets/console.js", get(js))
        .layer(axum::middleware::from_fn(page_headers))
}

const CSS: &str = include_str!("../../assets/console.css");
const JS: &str = include_str!("../../assets/console.js");

async fn css() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/css; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], CSS)
}

async fn js() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=3600")], JS)
}

/// The console's pages allow only their own assets; responses that set their own policy (media)
/// keep it.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
    media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn page_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(CONTENT_SECURITY_POLICY) {
        h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if !h.contains_key(CACHE_CONTROL) {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// One entry of the menu.
#[derive(Clone, Debug)]
pub(crate) struct MenuItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Who is looking at a page, for its header: the menu shows what their role may do.
#[derive(Clone, Debug)]
pub(crate) struct Me {
    /// Whether the `r` key may reveal media (the person's choice; a click always can).
    pub reveal_key: bool,
    pub org: String,
    pub kind: &'static str,
    pub roles: String,
    pub csrf: String,
    pub menu: Vec<MenuItem>,
    /// A platform's moderator: the header offers "Start reviewing".
    pub reviewer: bool,
    /// The orders whose hour runs, for a platform's moderators and an authority's reporters.
    pub orders: Option<OrdersRunning>,
}

/// The header's count of orders whose clock runs, with the most urgent one's clock; the tab's
/// title starts with the same (`title_prefix`).
#[derive(Clone, Debug)]
pub(crate) struct OrdersRunning {
    pub count: usize,
    /// "1 order running", "3 orders running", "No order running".
    pub label: String,
    /// Where they are listed: the queue, or the authority's orders.
    pub href: &'static str,
    pub clock: Option<review::ClockView>,
}

impl OrdersRunning {
    /// "(2 orders · in 12 min) ", or nothing without an order running.
    pub(crate) fn title_prefix(&self) -> String {
        match &self.clock {
            Some(c) if self.count > 0 => {
                format!("({} order{} · {}) ", self.count, if self.count == 1 { "" } else { "s" }, c.text)
            }
            _ => String::new(),
        }
    }
}

impl Me {
    pub(crate) fn of(p: &Principal, csrf: &str, here: &str) -> Self {
        let mut menu = Vec::new();
        let mut add = |href: &'static str, label: &'static str| {
            menu.push(MenuItem { href, label, current: here == href });
        };
        if p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Moderator) {
            add("/queue", "Queue");
            add("/decided", "Decided");
            add("/search", "Search");
            add("/complaints", "Complaints");
            // The account network ("/graph") is linked from the search page and an account's
            // history, which is where a moderator starts from an account.
        }
        if p.org_kind == OrgKind::Authority && p.roles.contains(&Role::Reporter) {
            add("/orders", "Removal orders");
            add("/referrals", "Referrals");
            // "Scrutiny" follows here for an authority designated for it (`Me::load`).
            add("/holds", "Holds");
        }
        if p.org_kind == OrgKind::Authority && p.roles.iter().any(|r| matches!(r, Role::Reporter | Role::Viewer)) {
            add("/graph", "Account network");
        }
        if p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Integrator) {
            add("/terms", "Terms clauses");
            add("/banks", "Banks");
            add("/dead-letters", "Dead letters");
        }
        if p.org_kind == OrgKind::Platform && p.roles.contains(&Role::EvidenceCustodian) {
            add("/evidence", "Evidence vault");
        }
        if p.org_kind == OrgKind::TrustedFlagger && p.roles.contains(&Role::Reporter) {
            add("/notices", "Our notices");
        }
        if p.org_kind == OrgKind::Overseer {
            add("/log", "Event log");
            add("/holds", "Holds");
        }
        if vigie_app::auth::is_admin(p) {
            add("/admin", "Administration");
        }
        add("/dashboard", "Dashboard");
        add("/report", "Report content");
        add("/settings", "Settings");
        let roles: Vec<&str> = p.roles.iter().map(|r| r.as_str()).collect();
        Me {
            reveal_key: true,
            org: p.org.as_str().to_owned(),
            kind: p.org_kind.as_str(),
            roles: roles.join(", "),
            csrf: csrf.to_owned(),
            menu,
            reviewer: p.org_kind == OrgKind::Platform && p.roles.contains(&Role::Moderator),
            orders: None,
        }
    }

    /// [`Me::of`], with the organisation's name for the header, and "Scrutiny" in the menu of an
    /// authority designated for scrutiny (TCO art. 12(1)(b)): the page refuses everyone else.
    pub(crate) async fn load(app: &vigie_app::App, v: &session::Viewer, here: &str) -> Self {
        let mut me = Me::of(&v.principal, &v.csrf, here);
        if app.decides_scrutinies(&v.principal).await.unwrap_or(false) {
            let at = me.menu.iter().position(|m| m.href == "/referrals").map_or(me.menu.len(), |i| i + 1);
            me.menu.insert(at, MenuItem { href: "/scrutiny", label: "Scrutiny", current: here == "/scrutiny" });
        }
        if let Ok(names) = app.org_names(vec![v.principal.org.clone()]).await
            && let Some(name) = names.get(v.principal.org.as_str())
        {
            me.org = name.clone();
        }
        me.reveal_key = app.reveal_by_key(&v.principal).await.unwrap_or(true);
        if let Ok(Some(running)) = app.counting_orders(&v.principal).await {
            let now = app.now();
            let count = running.count;
            me.orders = Some(OrdersRunning {
                count,
                label: match count {
                    0 => "No order running".to_owned(),
                    1 => "1 order running".to_owned(),
                    n => format!("{n} orders running"),
                },
                href: if v.principal.org_kind == OrgKind::Platform { "/queue" } else { "/orders" },
                clock: running.most_urgent.map(|d| {
                    let status = if vigie_model::is_overdue(d, now) {
                        vigie_model::order::ClockStatus::Late { deadline: d }
                    } else {
                        vigie_model::order::ClockStatus::Running { deadline: d }
                    };
                    review::ClockView::of(status, now)
                }),
            });
        }
        me
    }
}

/// What a page handler answers besides a page.
#[derive(Debug)]
pub(crate) enum PageError {
    /// Not signed in (or the session ended): go to the sign-in page.
    SignIn,
    /// Signed in with a one-time password: go and choose a new one.
    ChangePassword,
    /// A form without its CSRF token, or with a wrong one.
    Csrf,
    /// Too many requests from one address on a public page.
    RateLimited,
    App(AppError),
    Render,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Unauthenticated => PageError::SignIn,
            other => PageError::App(other),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(_: askama::Error) -> Self {
        PageError::Render
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    me: Option<Me>,
    title: String,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::SignIn => return redirect("/login"),
            PageError::ChangePassword => return redirect("/password"),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form refused",
                "This form was not sent from a page of this console (its CSRF token is missing or wrong). Nothing was changed.".to_owned(),
            ),
            PageError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "Too many requests came from your address. Wait a minute and try again.".to_owned(),
            ),
            PageError::Render => (StatusCode::INTERNAL_SERVER_ERROR, "Error", "The page could not be drawn.".to_owned()),
            // The status and title of the API's table (`error::Code`), in the console's words
            // where the table's are too terse for a page.
            PageError::App(e) => {
                let code = Code::of(&e);
                match e {
                    AppError::Unauthenticated => return redirect("/login"),
                    AppError::Invalid(i) => (code.status(), "Please check the form", i.to_string()),
                    AppError::NotFound(what) => (code.status(), code.title(), format!("No such {what}.")),
                    AppError::Forbidden(why) => (code.status(), code.title(), why.to_owned()),
                    e @ (AppError::Conflict { .. }
                    | AppError::TooLarge(_)
                    | AppError::Busy { .. }
                    | AppError::QuotaExceeded { .. }
                    | AppError::Upstream(_)
                    | AppError::Egress(_)) => (code.status(), code.title(), e.to_string()),
                    other => {
                        tracing::error!(error = %other, "console request failed");
                        (code.status(), "Error", "Something went wrong on our side.".to_owned())
                    }
                }
            }
        };
        let page = ErrorPage { me: None, title: title.to_owned(), message };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, title.to_owned()).into_response(),
        }
    }
}

/// A page, rendered.
pub(crate) fn page(t: &impl Template) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}

/// A page with another status than 200: a refused form shown again, a lookup that found nothing.
pub(crate) fn page_with(t: &impl Template, status: StatusCode) -> Result<Response, PageError> {
    let mut res = page(t)?;
    *res.status_mut() = status;
    Ok(res)
}

/// The lines a refused form shows, one per field in error.
pub(crate) fn problems(invalid: &vigie_model::Invalid) -> Vec<String> {
    invalid.errors().iter().map(|e| format!("{}: {}", e.field, e.message)).collect()
}

/// "See other": where a form post goes next.
pub(crate) fn redirect(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(LOCATION, v);
    }
    res
}

/// The value of a form field (the first, when repeated).
pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A form field, trimmed, `None` when blank.
pub(crate) fn text(form: &[(String, String)], name: &str) -> Option<String> {
    field(form, name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Every value of a repeated form field.
pub(crate) fn all<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
}
