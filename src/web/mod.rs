//! The axum adapter, and the one module that imports every handler: the
//! router (pages, the API, account, publishing and upload routes), layers
//! (security headers, compression, body limits, timeouts, request logs),
//! the per-request edition, and serving with graceful shutdown.
//!
//! Its children are leaves the handlers import: `state` (`AppState`),
//! `respond` (plain text, CSV downloads, file names, query values), `csp`,
//! and `guards` (the cross-site check, body limits).

pub mod api;
pub mod cache;
pub mod csp;
pub mod guards;
pub mod respond;
pub mod state;

use crate::accounts::Accounts;
use crate::app::{App, shell};
use crate::config::Config;
use crate::editions::Editions;
use crate::site::Site;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list_with_exclusions_and_ssg_and_context};
use respond::is_html;
use serde::Serialize;
pub use state::AppState;
use std::sync::Arc;
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

fn leptos_options(config: &Config) -> LeptosOptions {
    // cargo-leptos-style asset hashing: the build writes `hash.txt` beside
    // the binary; without it (in-process tests) plain names are used.
    let hash_file_exists = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name("hwb-outcomes")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .hash_files(hash_file_exists)
        .build()
}

/// The whole application as a tower service; `serve` runs it and the
/// integration tests call it in-process.
pub fn router(config: &Config, editions: Arc<Editions>) -> Router {
    let site = Arc::new(Site {
        board: config.board.clone(),
        home: config.home.clone(),
        region: config.region.clone(),
        nation: config.nation.clone(),
    });
    let state = AppState(Arc::new(state::Shared {
        leptos_options: leptos_options(config),
        site: site.clone(),
        editions: editions.clone(),
        uploads: Arc::new(crate::uploads::Uploads::new(editions.store())),
        accounts: Arc::new(Accounts::new(config)),
        max_body_bytes: config.max_body_bytes,
        started: Instant::now(),
        fingertips_url: config.fingertips_url.clone(),
        assessments: Default::default(),
        pages: Arc::new(cache::PageCache::new(config.page_cache_bytes)),
    }));
    let max_body_bytes = config.max_body_bytes;
    let secure_cookies = config.secure_cookies;
    let context = move || {
        provide_context(site.clone());
    };
    let (leptos_routes, _) =
        generate_route_list_with_exclusions_and_ssg_and_context(App, None, context.clone());
    let pkg_dir = config.site_root.join("pkg");

    // The routes. Matching a route clones its handler (the Leptos ones hold
    // the Leptos options), so the page cache sits in front of them all.
    let routes = Router::new()
        .route("/healthz", get(healthz))
        .nest_service(
            "/pkg",
            Router::new()
                .fallback_service(ServeDir::new(pkg_dir))
                .layer(axum::middleware::map_response(immutable_when_ok)),
        )
        .leptos_routes_with_context(&state, leptos_routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .merge(api::routes())
        .merge(crate::publishing::routes::routes())
        .merge(crate::plan::routes::routes())
        .merge(crate::accounts::routes::routes())
        // Form posts are small; only the upload takes large bodies.
        .layer(DefaultBodyLimit::max(guards::FORM_BODY_BYTES))
        .merge(crate::uploads::routes::routes(config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::publishing::routes::load,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::plan::routes::load,
        ))
        .with_state(state.clone());

    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn(finish_page))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            page_cache,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            resolve_view,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::accounts::routes::resolve_user,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::reject_cross_site,
        ))
        .with_state(state)
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        // A client that stops sending its body is cut off.
        .layer(RequestBodyTimeoutLayer::new(config.client_timeout))
        // A readable page, not an empty 413, for an over-size upload.
        .layer(axum::middleware::map_response(
            move |res: Response| async move {
                if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !is_html(&res) {
                    crate::uploads::routes::too_large(max_body_bytes)
                } else {
                    res
                }
            },
        ))
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp::content_security_policy(&[]))
                .expect("static policy is ASCII"),
        ))
        .layer(axum::middleware::map_response(
            move |mut res: Response| async move {
                if secure_cookies {
                    res.headers_mut().insert(
                        header::STRICT_TRANSPORT_SECURITY,
                        HeaderValue::from_static(csp::STRICT_TRANSPORT_SECURITY),
                    );
                }
                res
            },
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}

/// Files under /pkg carry a content hash in their names, so a browser may
/// keep them for a year. Errors must not be cached.
async fn immutable_when_ok(mut res: Response) -> Response {
    if res.status() == StatusCode::OK {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
    }
    res
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    uptime_seconds: u64,
    /// The published data edition; `null` until one is published.
    edition: Option<HealthEdition>,
    /// Rendered pages held in memory.
    page_cache: cache::CacheStats,
}

#[derive(Serialize)]
struct HealthEdition {
    id: i64,
    label: String,
    illustrative: bool,
    published_at: Option<String>,
}

/// Resolves which edition a request shows (`?edition=ID`, else the
/// published one) before it is handled, so one response never mixes two
/// editions, and hands it to pages and the API as a request extension.
async fn resolve_view(
    State(state): State<AppState>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !req.uri().path().starts_with("/pkg/") {
        let requested = respond::query_param(req.uri(), "edition");
        let view = state.editions.view(requested.as_deref()).await;
        req.extensions_mut().insert(view);
    }
    next.run(req).await
}

/// Public responses from the page cache, or rendered and kept there.
async fn page_cache(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    cache::serve(&state.pages, &state.editions, &state.assessments, req, next).await
}

/// Renders pages whole before sending them, gives each the policy that
/// allows exactly its inline scripts (by hash), and says how long rendering
/// took in a `Server-Timing` header (shown by browsers' developer tools;
/// read by `scripts/bench-pages`). Pages are small and render
/// synchronously, so nothing is gained by streaming them, and a whole body
/// gets a Content-Length, compresses in one piece and can be cached.
async fn finish_page(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    if !is_html(&res) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "page failed while rendering");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let bytes = csp::without_script_nonces(&bytes);
    parts.headers.remove(header::CONTENT_LENGTH);
    let policy = csp::content_security_policy(&csp::inline_script_hashes(&bytes));
    if let Ok(v) = HeaderValue::from_str(&policy) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        parts.headers.insert("server-timing", v);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    let edition = state.editions.published().map(|d| {
        let e = &d.edition;
        HealthEdition {
            id: e.id,
            label: e.label.clone(),
            illustrative: e.illustrative,
            published_at: e.published_at.clone(),
        }
    });
    let health = Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: state.started.elapsed().as_secs(),
        edition,
        page_cache: state.pages.stats(),
    };
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(health))
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr} (set by LEPTOS_SITE_ADDR): {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server stopped: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot open the store (HWB_DATA_DIR, HWB_DATABASE_URL, HWB_OBJECT_STORE): {0}")]
    Store(String),
}

/// Refreshes the published edition whenever the database announces a
/// publish. After a lost connection it refreshes too, since announcements
/// made meanwhile are gone.
async fn listen_for_publishes(editions: &Arc<Editions>) {
    let Some(store) = editions.store() else {
        return;
    };
    let mut publishes = match store.publishes().await {
        Ok(Some(p)) => p,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for publishes; polling only");
            return;
        }
    };
    let editions = editions.clone();
    tokio::spawn(async move {
        loop {
            if let Err(e) = publishes.next().await {
                tracing::warn!(error = %e, "lost the publish announcements; reconnecting");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
            if let Err(e) = editions.refresh().await {
                tracing::warn!(error = %e, "cannot refresh the published edition");
            }
        }
    });
}

/// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let store = Store::open_with(&config.data_dir, &config.database, &config.objects)
        .await
        .map_err(|e| ServeError::Store(e.to_string()))?;
    crate::demo::install_if_empty(&store, &config)
        .await
        .map_err(ServeError::Store)?;
    let catalogue = Arc::new(crate::catalogue::Catalogue::bundled());
    let editions = Arc::new(
        Editions::open(Arc::new(store), catalogue)
            .await
            .map_err(ServeError::Store)?,
    );
    if let Some(d) = editions.published() {
        let e = &d.edition;
        tracing::info!(edition = e.id, label = %e.label, rows = e.rows, "published edition");
    }
    // A publish by the CLI or another server is picked up at once where the
    // database announces it (PostgreSQL), and within 5 s by the poll below.
    listen_for_publishes(&editions).await;
    tokio::spawn({
        let editions = editions.clone();
        async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                if let Err(e) = editions.refresh().await {
                    tracing::warn!(error = %e, "cannot refresh the published edition");
                }
                if let Some(store) = editions.store()
                    && let Err(e) = store
                        .prune_accounts(&crate::accounts::throttle::window_start())
                        .await
                {
                    tracing::warn!(error = %e, "cannot prune old sign-in failures");
                }
            }
        }
    });
    let app = router(&config, editions);
    let listener = tokio::net::TcpListener::bind(config.site_addr)
        .await
        .map_err(|source| ServeError::Bind {
            addr: config.site_addr,
            source,
        })?;
    tracing::info!(
        addr = %config.site_addr,
        area = %config.home.code,
        site_root = %config.site_root.display(),
        data_dir = %config.data_dir.display(),
        database = %config.database.shown(&config.data_dir),
        files = %config.objects.shown(&config.data_dir),
        "serving http://{}",
        config.site_addr
    );
    accept_loop(listener, app, config.client_timeout).await;
    tracing::info!("stopped");
    Ok(())
}

/// Serves HTTP/1.1 connections until a shutdown signal, then lets requests
/// in flight finish. hyper's header-read timeout (with a timer, which
/// `axum::serve` does not set) closes a connection whose headers stall and
/// an idle keep-alive connection; the body timeout is a layer.
async fn accept_loop(listener: tokio::net::TcpListener, app: Router, timeout: std::time::Duration) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(timeout)
        .keep_alive(true);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        // The peer address is what sign-in throttling counts by.
        let service = hyper::service::service_fn(
            move |mut req: axum::http::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                app.clone().oneshot(req.map(axum::body::Body::new))
            },
        );
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
    if tokio::time::timeout(std::time::Duration::from_secs(30), graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after 30 s: closing them");
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested: finishing requests in flight");
}
