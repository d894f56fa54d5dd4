//! The HTTP server: routes, security headers, compression, caching, request
//! logs and graceful shutdown. Pages come from `crate::app`; this module only
//! wires them to axum.

use crate::app::{App, Site, shell};
use crate::config::Config;
use crate::editions::Editions;
use crate::store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list_with_exclusions_and_ssg_and_context};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub site: Arc<Site>,
    pub editions: Arc<Editions>,
    pub uploads: Arc<crate::upload::Uploads>,
    pub max_body_bytes: usize,
    pub started: Instant,
    /// The Fingertips API the analysts' "Get the latest" reads.
    pub fingertips_url: String,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The Content-Security-Policy of every response. Pages pass the nonce of
/// their island loader; everything else gets the same policy without one.
/// `'wasm-unsafe-eval'` lets the browser compile the islands' WASM and
/// nothing more: no inline script runs without the nonce.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script = match nonce {
        Some(n) => format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

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
        board_name: config.board_name.clone(),
        home: config.home.clone(),
        region: config.region.clone(),
        nation: config.nation.clone(),
    });
    let state = AppState {
        leptos_options: leptos_options(config),
        site: site.clone(),
        editions: editions.clone(),
        uploads: Arc::new(crate::upload::Uploads::default()),
        max_body_bytes: config.max_body_bytes,
        started: Instant::now(),
        fingertips_url: config.fingertips_url.clone(),
    };
    let max_body_bytes = config.max_body_bytes;
    let context = move || {
        provide_context(site.clone());
    };
    let (routes, _) =
        generate_route_list_with_exclusions_and_ssg_and_context(App, None, context.clone());
    let pkg_dir = config.site_root.join("pkg");

    Router::new()
        .route("/healthz", get(healthz))
        .nest_service(
            "/pkg",
            Router::new()
                .fallback_service(ServeDir::new(pkg_dir))
                .layer(axum::middleware::map_response(immutable_when_ok)),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .merge(crate::api::routes())
        .merge(crate::manage::routes())
        .merge(crate::upload::routes())
        .route("/login", axum::routing::post(crate::auth::login))
        .route("/logout", axum::routing::post(crate::auth::logout))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::manage::load,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            resolve_view,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::auth::resolve_user,
        ))
        .layer(axum::middleware::from_fn(server_timing))
        .layer(axum::middleware::from_fn(crate::auth::reject_cross_site))
        .with_state(state)
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes))
        // A readable page, not an empty 413, for an over-size upload.
        .layer(axum::middleware::map_response(
            move |res: Response| async move {
                let html = res
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
                if res.status() == StatusCode::PAYLOAD_TOO_LARGE && !html {
                    crate::upload::too_large(max_body_bytes)
                } else {
                    res
                }
            },
        ))
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&content_security_policy(None)).expect("static policy is ASCII"),
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
        let requested = query_param(req.uri(), "edition");
        let view = state.editions.view(requested.as_deref()).await;
        req.extensions_mut().insert(view);
    }
    next.run(req).await
}

/// Renders pages whole before sending them, and says how long that took in
/// a `Server-Timing` header (shown by browsers' developer tools; read by
/// `scripts/bench-pages`). Pages are small and render synchronously, so
/// nothing is gained by streaming them, and a whole body gets a
/// Content-Length and compresses in one piece.
async fn server_timing(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let started = Instant::now();
    let res = next.run(req).await;
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !is_html {
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
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
        parts.headers.insert("server-timing", v);
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A short plain-text answer (refusals and failures of form posts).
pub fn plain_text(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into(),
    )
        .into_response()
}

/// A CSV file to download: a header and rows of text fields.
pub fn csv_download<R, F>(file_name: &str, columns: &[&str], rows: R) -> Response
where
    R: IntoIterator<Item = F>,
    F: IntoIterator,
    F::Item: AsRef<[u8]>,
{
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut written = out.write_record(columns).is_ok();
    for row in rows {
        written &= out.write_record(row).is_ok();
    }
    match out.into_inner() {
        Ok(body) if written => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
            ],
            body,
        )
            .into_response(),
        _ => plain_text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The CSV could not be written.",
        ),
    }
}

/// One query parameter, percent-decoded; `None` when absent or the query
/// string is malformed.
pub fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    use axum::extract::Query;
    use std::collections::HashMap;
    let Query(mut params) = Query::<HashMap<String, String>>::try_from_uri(uri).ok()?;
    params.remove(name)
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
    #[error("cannot open the store in HWB_DATA_DIR: {0}")]
    Store(String),
}

/// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
pub async fn serve(config: Config) -> Result<(), ServeError> {
    let store = Store::open(&config.data_dir)
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
    // A publish by the CLI or another process is picked up within seconds.
    tokio::spawn({
        let editions = editions.clone();
        async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                if let Err(e) = editions.refresh().await {
                    tracing::warn!(error = %e, "cannot refresh the published edition");
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
        "serving http://{}",
        config.site_addr
    );
    // The peer address is what sign-in throttling counts by.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
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
