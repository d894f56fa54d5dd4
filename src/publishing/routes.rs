//! The publishing handlers, as plain HTML form posts (they work without
//! JavaScript): publish, roll back, rebuild a stale draft, and the audit
//! trail's CSV. Every handler takes its role as an extractor;
//! `web::guards::reject_cross_site` has already refused other sites.

use super::{AUDIT_PAGE, ManageData};
use crate::accounts::{RequireAnalyst, SignedIn};
use crate::web::respond::{bad_request, csv_download, query_param};
use crate::web::state::{AppState, WithStore};
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;

/// The audit CSV holds at most this many entries, newest first.
const AUDIT_CSV_ROWS: i64 = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/editions/{id}/publish", post(publish))
        .route("/editions/{id}/rebuild", post(rebuild))
        .route("/audit.csv", get(audit_csv))
}

/// Loads `ManageData` for the management pages, for signed-in users only.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::GET {
        return next.run(req).await;
    }
    let path = req.uri().path();
    let wanted = ["/editions", "/audit", "/admin/users"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    let user = req
        .extensions()
        .get::<SignedIn>()
        .and_then(|s| s.0.as_ref())
        .map(|u| u.email.clone());
    let signed_in = user.is_some();
    // Only its owner sees an upload's result.
    if let Some(email) = &user
        && let Some(token) = path.strip_prefix("/upload/")
        && let Some(result) = state.uploads.get(token, email).await
    {
        req.extensions_mut().insert(result);
        return next.run(req).await;
    }
    let audit_page = query_param(req.uri(), "page")
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (1..=1_000_000).contains(p))
        .unwrap_or(1);
    if wanted
        && signed_in
        && let Some(store) = state.editions.store()
    {
        let (audit, audit_total) = if path.starts_with("/audit") {
            store
                .audit_page((audit_page - 1) * AUDIT_PAGE, AUDIT_PAGE)
                .await
                .unwrap_or_default()
        } else {
            Default::default()
        };
        let data = ManageData {
            editions: Arc::new(store.editions().await.unwrap_or_default()),
            audit: Arc::new(audit),
            audit_page,
            audit_total,
            users: Arc::new(if path.starts_with("/admin") {
                store.users().await.unwrap_or_default()
            } else {
                Vec::new()
            }),
            files: Arc::new(store.edition_files().await.unwrap_or_default()),
        };
        req.extensions_mut().insert(data);
    }
    next.run(req).await
}

/// `POST /editions/{id}/publish`: publish, or publish again (roll back).
/// A draft built on an edition that is no longer published is refused, and
/// the Editions page offers to rebuild it.
async fn publish(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    WithStore(store): WithStore,
    Path(id): Path<i64>,
) -> Response {
    // The store serialises publishes; a failure leaves the published
    // edition as it was.
    match store.publish(id, &user.email).await {
        Ok(_) => {}
        Err(crate::store::StoreError::Stale { .. }) => {
            return Redirect::to(&format!("/editions/{id}/publish?stale=1")).into_response();
        }
        Err(e) => return bad_request(format!("Edition {id} was not published: {e}")),
    }
    if let Err(e) = state.editions.refresh().await {
        tracing::error!(error = %e, "published, but cannot load the edition yet");
    }
    Redirect::to(&format!("/editions?published={id}")).into_response()
}

/// `POST /editions/{id}/rebuild`: the stale draft's uploads again, on the
/// published edition; then the new draft's confirmation page.
async fn rebuild(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    WithStore(store): WithStore,
    Path(id): Path<i64>,
) -> Response {
    let nation = state.site.nation.code.clone();
    let catalogue = state.editions.catalogue();
    let by = user.email.clone();
    let made = tokio::task::spawn_blocking(move || {
        let gazetteer = crate::areas::Gazetteer::shared();
        let derived =
            |df, meta| crate::analysis::analyse_edition(df, meta, &catalogue, gazetteer, &nation);
        tokio::runtime::Handle::current()
            .block_on(store.rebuild_edition(id, &by, derived))
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match made {
        Ok(e) => Redirect::to(&format!("/editions/{}/publish", e.id)).into_response(),
        Err(e) => bad_request(format!("Edition {id} was not rebuilt: {e}")),
    }
}

/// `GET /audit.csv`: the audit trail for analysts and admins, newest first.
async fn audit_csv(RequireAnalyst(_): RequireAnalyst, WithStore(store): WithStore) -> Response {
    let log = match store.audit_page(0, AUDIT_CSV_ROWS).await {
        Ok((l, _)) => l,
        Err(e) => return bad_request(e.to_string()),
    };
    csv_download(
        "audit.csv",
        &["at", "actor", "action", "detail"],
        log.into_iter().map(|e| [e.at, e.actor, e.action, e.detail]),
    )
}
