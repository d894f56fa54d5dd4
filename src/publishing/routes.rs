//! What analysts and administrators change, as plain HTML form posts (they
//! work without JavaScript): publishing and rolling back editions, managing
//! users, and the audit trail's CSV. Every handler checks the role on the
//! server; `auth::reject_cross_site` has already refused other sites.

use crate::auth::{SignedIn, require};
use crate::server::AppState;
use crate::store::{AuditEntry, Edition, Role, User};
use axum::Router;
use axum::extract::{Extension, Form, Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/editions/{id}/publish", post(publish))
        .route("/admin/users", post(add_user))
        .route("/admin/users/{id}/active", post(set_active))
        .route("/audit.csv", get(audit_csv))
}

/// What the management pages show, read from the store before they render
/// (pages render synchronously).
#[derive(Clone, Default)]
pub struct ManageData {
    pub editions: Arc<Vec<Edition>>,
    pub audit: Arc<Vec<AuditEntry>>,
    pub users: Arc<Vec<User>>,
    /// Per edition, the files it added (name, rows).
    pub files: Arc<std::collections::HashMap<i64, Vec<(String, i64)>>>,
}

/// Loads `ManageData` for the management pages, for signed-in users only.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let wanted = ["/editions", "/audit", "/admin/users"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    let signed_in = req
        .extensions()
        .get::<SignedIn>()
        .is_some_and(|s| s.0.is_some());
    if signed_in
        && let Some(token) = path.strip_prefix("/upload/")
        && let Some(result) = state.uploads.get(token)
    {
        req.extensions_mut().insert(result);
        return next.run(req).await;
    }
    if wanted
        && signed_in
        && let Some(store) = state.editions.store()
    {
        let data = ManageData {
            editions: Arc::new(store.editions().await.unwrap_or_default()),
            audit: Arc::new(if path.starts_with("/audit") {
                store.audit_log().await.unwrap_or_default()
            } else {
                Vec::new()
            }),
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

fn failure(message: String) -> Response {
    crate::server::plain_text(StatusCode::BAD_REQUEST, message)
}

/// `POST /editions/{id}/publish`: publish, or publish again (roll back).
async fn publish(
    State(state): State<AppState>,
    Extension(user): Extension<SignedIn>,
    Path(id): Path<i64>,
) -> Response {
    let user = match require(&user, Role::Analyst) {
        Ok(u) => u.clone(),
        Err(r) => return *r,
    };
    let Some(store) = state.editions.store() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    // The store serialises publishes; a failure leaves the published
    // edition as it was.
    if let Err(e) = store.publish(id, &user.email).await {
        return failure(format!("Edition {id} was not published: {e}"));
    }
    if let Err(e) = state.editions.refresh().await {
        tracing::error!(error = %e, "published, but cannot load the edition yet");
    }
    Redirect::to(&format!("/editions?published={id}")).into_response()
}

#[derive(serde::Deserialize)]
struct NewUser {
    email: String,
    role: String,
    password: String,
}

/// `POST /admin/users`: an admin adds a user with a first password.
async fn add_user(
    State(state): State<AppState>,
    Extension(user): Extension<SignedIn>,
    Form(form): Form<NewUser>,
) -> Response {
    let admin = match require(&user, Role::Admin) {
        Ok(u) => u.clone(),
        Err(r) => return *r,
    };
    let Some(store) = state.editions.store() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let back = |message: &str| {
        Redirect::to(&format!(
            "/admin/users?message={}",
            crate::auth::urlencode(message)
        ))
        .into_response()
    };
    let Some(role) = Role::parse(&form.role) else {
        return back("Choose a role: analyst or admin.");
    };
    if !form.email.contains('@') {
        return back("Enter an email address, such as name@example.org.");
    }
    let hash = match crate::auth::hash_password(&form.password) {
        Ok(h) => h,
        Err(e) => return back(&format!("Not added: {e}.")),
    };
    match store.add_user(&form.email, role, &hash, &admin.email).await {
        Ok(u) => back(&format!("Added {} as {}.", u.email, u.role.as_str())),
        Err(e) => back(&format!("Not added: {e}.")),
    }
}

#[derive(serde::Deserialize)]
struct Active {
    active: bool,
}

/// `POST /admin/users/{id}/active`: disable or re-enable a user.
async fn set_active(
    State(state): State<AppState>,
    Extension(user): Extension<SignedIn>,
    Path(id): Path<i64>,
    Form(form): Form<Active>,
) -> Response {
    let admin = match require(&user, Role::Admin) {
        Ok(u) => u.clone(),
        Err(r) => return *r,
    };
    if admin.id == id && !form.active {
        return Redirect::to("/admin/users?message=You%20cannot%20disable%20your%20own%20account.")
            .into_response();
    }
    let Some(store) = state.editions.store() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match store.set_user_active(id, form.active, &admin.email).await {
        Ok(u) => {
            let what = if u.active { "re-enabled" } else { "disabled" };
            Redirect::to(&format!(
                "/admin/users?message={}",
                crate::auth::urlencode(&format!("{} {what}.", u.email))
            ))
            .into_response()
        }
        Err(e) => failure(e.to_string()),
    }
}

/// `GET /audit.csv`: the whole audit trail for analysts and admins.
async fn audit_csv(
    State(state): State<AppState>,
    Extension(user): Extension<SignedIn>,
) -> Response {
    if let Err(r) = require(&user, Role::Analyst) {
        return *r;
    }
    let Some(store) = state.editions.store() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let log = match store.audit_log().await {
        Ok(l) => l,
        Err(e) => return failure(e.to_string()),
    };
    crate::server::csv_download(
        "audit.csv",
        &["at", "actor", "action", "detail"],
        log.into_iter().map(|e| [e.at, e.actor, e.action, e.detail]),
    )
}
