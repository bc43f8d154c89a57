//! Vigie's HTTP API: the only crate that knows HTTP, JSON field names and status codes.
//!
//! [`router`] builds the whole API over an [`AppState`]; [`start`] opens the store, checks the
//! event log, bootstraps the first administrator, starts the background workers and serves on a
//! socket. The `vigie`
//! binary and the integration tests both go through [`start`], so tests run the real server.

pub mod console;
pub mod dto;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod rate_limit;
pub mod routes;
pub mod schema;
pub mod serve;
pub mod witness;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};
use vigie_app::{App, AppConfig, Clock};
use vigie_store::{SqliteConfig, Store};

use crate::rate_limit::RateLimiter;
use crate::routes::{
    admin, banks, dueprocess, evidence, graph, hma, intake, log, media, platform, reviewing, statements, system, tmk,
};

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// The largest bank file accepted by an import (about a million PDQ lines).
/// Sign-in attempts per source address per minute.
pub const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;
pub const MAX_IMPORT_BYTES: usize = 128 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub limiter: Arc<RateLimiter>,
    /// Sign-in attempts per source address.
    pub login_limiter: Arc<RateLimiter>,
    pub console: console::ConsoleSettings,
}

pub fn router(state: AppState) -> Router {
    // Media uploads may be as large as the hashing limit (plus multipart framing).
    let media_limit = state.app.config().hash_limits.max_bytes.saturating_add(64 * 1024);
    let video_limit = usize::try_from(state.app.config().video.options.limits.max_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(128 * 1024)
        .max(media_limit / 3 * 4 + 4096);
    let api = Router::new()
        .route("/orgs", post(admin::create_org).get(admin::list_orgs))
        .route("/orgs/{id}", patch(admin::update_org))
        .route("/orgs/{id}/users", post(admin::create_user).get(admin::list_people))
        .route("/users/{id}", delete(admin::remove_user))
        .route("/users/{id}/tokens", post(admin::issue_token).get(admin::list_tokens))
        .route("/tokens", get(admin::own_tokens))
        .route("/tokens/{id}", delete(admin::revoke_token))
        .route("/hosts", post(admin::claim_host).get(admin::list_hosts))
        .route("/hosts/{host}/approve", post(admin::approve_host))
        .route("/notices", post(intake::submit_notice))
        .route("/notices/{id}", get(intake::get_notice))
        .route("/notices/track/{code}", get(intake::track_notice))
        .route("/referrals", post(intake::submit_referral))
        .route("/referrals/{id}", get(intake::get_referral))
        .route("/orders", post(intake::submit_order))
        .route("/orders/{id}", get(platform::get_order))
        .route("/orders/{id}/cannot-comply", post(platform::cannot_comply))
        .route("/orders/{id}/clarification", post(platform::clarify))
        .route("/orders/{id}/resume", post(platform::resume))
        .route("/advance-notices", post(intake::send_advance_notice))
        .route("/signals", get(intake::list_signals))
        .route("/inbox", get(platform::inbox))
        .route("/cases/{id}", get(platform::get_case))
        .route("/cases/{id}/ack", post(platform::acknowledge))
        .route("/cases/{id}/decision", post(platform::decide))
        .route("/cases/{id}/claim", post(reviewing::claim))
        .route("/cases/{id}/release", post(reviewing::release))
        .route("/cases/{id}/takeover", post(reviewing::take_over))
        .route(
            "/cases/{id}/media",
            post(reviewing::attach_media).get(reviewing::list_media).layer(DefaultBodyLimit::max(media_limit)),
        )
        .route("/users/{id}/password", put(reviewing::set_password))
        .route("/graph", post(graph::view))
        .route("/webhooks", post(platform::register_webhook).get(platform::list_webhooks))
        .route("/webhooks/{id}", delete(platform::delete_webhook))
        .route("/deliveries/dead", get(platform::dead_letters))
        .route("/deliveries/{id}", get(platform::get_delivery))
        .route("/deliveries/{id}/retry", post(platform::retry_delivery))
        .route("/parked", get(platform::parked))
        .route("/legal-bases", get(system::legal_bases))
        .route("/terms-clauses", post(dueprocess::register_terms_clause).get(dueprocess::list_terms_clauses))
        .route("/terms-clauses/{id}/retire", post(dueprocess::retire_terms_clause))
        .route("/uploader-notices/{token}", get(dueprocess::uploader_notice))
        .route("/uploader-notices/{token}/complaint", post(dueprocess::uploader_complaint))
        .route("/uploader-notices/{token}/scrutiny", post(dueprocess::uploader_scrutiny))
        .route("/uploader-notices/{token}/order-copy", post(dueprocess::order_copy))
        .route("/notices/track/{code}/complaint", post(dueprocess::notifier_complaint))
        .route("/cases/{id}/uploader-notice", get(dueprocess::case_uploader_notice))
        .route("/cases/{id}/uploader-notice/informed", post(dueprocess::uploader_informed))
        .route("/cases/{id}/reinstatement", post(dueprocess::reinstate))
        .route("/cases/{id}/threat-to-life", post(dueprocess::flag_threat).get(dueprocess::get_threat))
        .route("/cases/{id}/threat-to-life/ack", post(dueprocess::acknowledge_threat))
        .route("/cases/{id}/law-enforcement-referrals", post(dueprocess::refer_to_police))
        .route("/complaints", get(dueprocess::list_complaints))
        .route("/complaints/{id}", get(dueprocess::get_complaint))
        .route("/complaints/{id}/review", post(dueprocess::review_complaint))
        .route("/orders/{id}/embargo/extend", post(dueprocess::extend_embargo))
        .route("/orders/{id}/embargo/lift", post(dueprocess::lift_embargo))
        .route("/orders/{id}/annulment", post(dueprocess::annul_order))
        .route("/orders/{id}/scrutiny", post(dueprocess::request_scrutiny))
        .route("/orders/{id}/challenges", post(dueprocess::challenge_order).get(dueprocess::list_challenges))
        .route("/orders/{id}/challenges/{challenge}/outcome", post(dueprocess::challenge_outcome))
        .route("/scrutinies", get(dueprocess::list_scrutinies))
        .route("/scrutinies/{id}", get(dueprocess::get_scrutiny))
        .route("/scrutinies/{id}/intention", post(dueprocess::scrutiny_intention))
        .route("/scrutinies/{id}/decision", post(dueprocess::decide_scrutiny))
        .route("/watchlists", post(dueprocess::create_watchlist).get(dueprocess::list_watchlists))
        .route("/watchlists/{id}", delete(dueprocess::close_watchlist))
        .route("/watchlists/{id}/entries", post(dueprocess::add_watch_entries))
        .route("/holds", get(dueprocess::list_holds).post(dueprocess::hold_case))
        .route("/holds/{id}/release", post(dueprocess::release_hold))
        .route("/notifiers", get(dueprocess::list_notifiers))
        .route("/notifiers/{key}", get(dueprocess::get_notifier))
        .route("/notifiers/{key}/{action}", post(dueprocess::misuse_action))
        .route("/orgs/{id}/trusted-flagger-status", put(dueprocess::set_flagger_status))
        .route("/orgs/{id}/trusted-flagger-award", put(dueprocess::record_flagger_award).get(dueprocess::flagger_award))
        .route("/transparency-database", put(statements::set_tdb).get(statements::get_tdb))
        .route("/statements/{decision}", get(statements::submission))
        .route("/evidence", get(evidence::list).post(evidence::record_instrument))
        .route("/evidence/exports", get(evidence::exports).post(evidence::request_export))
        .route("/evidence/exports/{id}/approve", post(evidence::approve))
        .route("/evidence/exports/{id}/bundle", get(evidence::bundle))
        .route("/evidence/requests/{id}/grant", post(evidence::grant))
        .route("/evidence/rewrap", post(evidence::rewrap))
        .route("/evidence/{id}", get(evidence::get))
        .route("/evidence/{id}/extend", post(evidence::extend))
        .route("/evidence/{id}/access", post(evidence::access))
        .route("/evidence/{id}/requests", post(evidence::request_access))
        .route("/evidence/{id}/custody", get(evidence::custody))
        .route("/events", get(system::events))
        .route("/events/verify", get(system::verify))
        .route("/log/key", get(log::key))
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/checkpoints", get(log::list_checkpoints).post(log::sign_checkpoint))
        .route("/log/proof/inclusion", get(log::inclusion))
        .route("/log/proof/consistency", get(log::consistency))
        .route("/hash", post(media::hash).layer(DefaultBodyLimit::max(media_limit)))
        .route("/banks", post(banks::create_bank).get(banks::list_banks))
        .route("/banks/{id}", get(banks::get_bank).patch(banks::update_bank).delete(banks::delete_bank))
        .route("/banks/{id}/shares/{org}", put(banks::share_bank).delete(banks::unshare_bank))
        .route("/banks/{id}/entries", post(banks::add_entry).get(banks::list_entries))
        .route(
            "/banks/{id}/entries/{entry}",
            get(banks::get_entry).patch(banks::update_entry).delete(banks::remove_entry),
        )
        .route("/banks/{id}/entries/{entry}/feedback", post(banks::give_feedback))
        .route("/banks/{id}/import", post(banks::import_bank).layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
        .route("/banks/{id}/export", get(banks::export_bank))
        // `.tmk` files, binary, one per request.
        .route("/banks/{id}/tmk", post(tmk::add_tmk).layer(DefaultBodyLimit::max(tmk::MAX_TMK_BODY)))
        .route("/banks/{id}/tmk/{entry}", get(tmk::get_tmk))
        .route("/banks/tmk/lookup", post(tmk::lookup_tmk).layer(DefaultBodyLimit::max(tmk::MAX_TMK_BODY)))
        // Base64 media in JSON is a third larger than the media.
        // The route reads its own body, under the image limit for JSON and images and the video
        // limit for a video streamed to disk.
        .route("/uploads/check", post(banks::check_upload).layer(DefaultBodyLimit::max(video_limit)))
        .route("/jobs/{id}", get(banks::get_job));
    // HMA's API, at the root as HMA serves it.
    let hma = Router::new()
        .route(
            "/h/hash",
            // The routes read their own bodies: photos and JSON under the hashing limit, a video
            // streamed to disk under the video limit.
            post(media::hma_hash_upload).get(media::hma_hash_url).layer(DefaultBodyLimit::max(video_limit)),
        )
        .route("/m/compare", post(media::hma_compare))
        .route("/m/raw_lookup", get(hma::raw_lookup))
        .route("/m/lookup", get(hma::lookup_get).post(hma::lookup_post).layer(DefaultBodyLimit::max(video_limit)))
        .route("/m/index/status", get(hma::index_status))
        .route("/c/banks", get(hma::list_banks).post(hma::create_bank))
        .route("/c/bank/{name}", get(hma::get_bank).put(hma::update_bank).delete(hma::delete_bank))
        .route("/c/bank/{name}/signal", post(hma::add_signal))
        .route("/c/bank/{name}/content", post(hma::add_content).layer(DefaultBodyLimit::max(media_limit)));
    // Every API route, public ones included, authenticates a bearer token that is sent.
    let apis = Router::new()
        .nest("/api/v1", api)
        .merge(hma)
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), extract::authenticate));
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/openapi.json", get(openapi::openapi))
        .route("/events.schema.json", get(openapi::event_schemas))
        .merge(apis)
        .merge(console::routes())
        .fallback(|| async { error::ApiError::not_found("route") })
        // After every route is added: each path answers its other methods with a problem and
        // `Allow` (which axum adds).
        .method_not_allowed_fallback(|| async {
            error::ApiError::new(
                error::Code::MethodNotAllowed,
                "this path does not take that method; Allow lists those it takes",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// Everything the server needs to start.
pub struct ServerConfig {
    pub data_dir: PathBuf,
    /// The embedded store's settings (its size cap, its readers).
    pub store: SqliteConfig,
    pub listen: SocketAddr,
    /// Becomes the first administrator's token on an empty database.
    pub admin_token: Option<String>,
    /// Becomes the first administrator's console password (login `admin`) on an empty database;
    /// otherwise a one-time password is generated.
    pub admin_password: Option<String>,
    /// Anonymous reports per source address per minute; 0 turns the limit off.
    pub public_rate_limit: u32,
    pub console: console::ConsoleSettings,
    /// The cap on open connections and their timeouts.
    pub connections: serve::ConnectionLimits,
    pub app: AppConfig,
    pub clock: Arc<dyn Clock>,
    /// Serve even when the event log fails its check at start (a tampered recent event, a
    /// missing append-only trigger): the operator's explicit choice, recorded as the event
    /// `log.break_accepted` and reported by `/healthz` as `degraded`.
    pub accept_broken_log: bool,
}

/// A server that is up and serving.
pub struct Running {
    pub addr: SocketAddr,
    pub app: App,
    /// The administrator token, when this start created it (shown once).
    pub bootstrap: Option<vigie_app::admin::Bootstrap>,
    pub serve: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Opens the store, checks its event log, bootstraps, binds and serves in the background.
pub async fn start(config: ServerConfig) -> Result<Running, StartError> {
    let store = Store::open_sqlite(&config.data_dir, config.store)?;
    let pepper_file = config.app.pepper_file.clone().unwrap_or_else(|| config.data_dir.join("pepper"));
    let pepper = vigie_app::secrets::Pepper::load_or_create(&pepper_file)?;
    let log_key_file = config.app.log.key_file.clone().unwrap_or_else(|| config.data_dir.join("log-key"));
    let log_key = vigie_app::tlog::load_or_create_key(&log_key_file)?;
    let vault = vigie_app::evidence::Vault::open(&config.app.evidence)?;
    let app = App::new(store, config.clock, config.app, pepper, vault);
    tracing::info!(origin = log_key.name(), verifier_key = %log_key.verifier().encode(), "the log signs its checkpoints with this key");
    app.set_log_key(log_key);
    // Before anything is written: a broken chain or a log that accepts changes stops the start,
    // unless the operator says to serve anyway.
    let log = app.check_log().await?;
    if !log.is_sound() {
        if !config.accept_broken_log {
            return Err(StartError::BrokenLog(log));
        }
        tracing::error!(check = %log, "serving on an event log that failed its check, as the operator asked");
        app.accept_broken_log(log).await?;
    }
    // Keys recorded before the pepper existed are replaced by keyed ones before anyone is served.
    app.upgrade_notifier_keys().await?;
    let given = vigie_app::admin::BootstrapInput { token: config.admin_token, password: config.admin_password };
    let bootstrap = app.bootstrap(given).await?;
    let entries = app.load_banks().await?;
    tracing::info!(entries, "bank entries indexed from the store");
    if entries >= 100_000 {
        // A long load: save a snapshot now so that the next start, even after a crash, is quick.
        let app = app.clone();
        tokio::spawn(async move {
            if let Err(e) = app.save_index_snapshot().await {
                tracing::warn!(error = %e, "could not save the bank index snapshot");
            }
        });
    }
    app.spawn_background();
    let state = AppState {
        app: app.clone(),
        limiter: Arc::new(RateLimiter::new(config.public_rate_limit)),
        login_limiter: Arc::new(RateLimiter::new(LOGIN_ATTEMPTS_PER_MINUTE)),
        console: config.console,
    };
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let serve = tokio::spawn(serve::serve(listener, router(state), config.connections));
    Ok(Running { addr, app, bootstrap, serve })
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not open the store: {0}")]
    Store(#[from] vigie_store::StoreError),
    #[error("could not bootstrap: {0}")]
    App(#[from] vigie_app::AppError),
    #[error("could not listen: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Pepper(#[from] vigie_app::secrets::PepperError),
    #[error("{0}")]
    LogKey(#[from] vigie_app::tlog::LogKeyError),
    #[error("{0}")]
    EvidenceKeys(#[from] vigie_app::evidence::keys::KeyError),
    #[error(
        "the event log failed its check, so nothing is served: {0}. Repair it (restore the database from a \
         backup; recreate the triggers), or start with --accept-broken-log (VIGIE_ACCEPT_BROKEN_LOG=true) to \
         serve anyway: that choice is recorded in the log and /healthz reports it until a start finds the log sound"
    )]
    BrokenLog(vigie_app::audit::LogCheck),
}
