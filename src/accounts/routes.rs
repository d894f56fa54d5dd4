//! The account handlers: sign in and out, a user's own password, and the
//! administrators' user management. Results go back to the pages as fixed
//! codes (`?error=invalid`, `?done=added&user=7`), never as text taken from
//! the query string, so a crafted link cannot put words in an official
//! notice.

use super::password::{MAX_EMAIL_BYTES, MAX_PASSWORD_BYTES};
use super::session::{cookie_token, random_token, request_is_https, session_cookie, token_hash};
use super::{RequireAdmin, RequireUser, SESSION_HOURS, SignedIn, safe_next, throttle};
use crate::store::{Role, Store, User};
use crate::web::respond::{bad_request, urlencode};
use crate::web::state::{AppState, WithStore};
use axum::Router;
use axum::extract::{ConnectInfo, Extension, Form, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use std::net::SocketAddr;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/account/password", post(change_password))
        .route("/admin/users", post(add_user))
        .route("/admin/users/{id}/active", post(set_active))
        .route("/admin/users/{id}/password", post(reset_password))
}

/// Puts the signed-in user (if any) in the request's extensions. Only a
/// request carrying a session cookie costs a store lookup.
pub async fn resolve_user(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let mut user = None;
    if let (Some(token), Some(store)) = (cookie_token(req.headers()), state.editions.store()) {
        match store.session_user(&token_hash(&token)).await {
            Ok(found) => user = found,
            Err(e) => tracing::error!(error = %e, "cannot read sessions"),
        }
    }
    req.extensions_mut().insert(SignedIn(user));
    next.run(req).await
}

fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.accounts.secure_cookies || request_is_https(headers)
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

enum Outcome {
    SignedIn(User),
    Rejected,
    Throttled,
}

/// `POST /login`: reserves an attempt first (so a correct password does not
/// reveal itself during a lock-out), then checks the password.
async fn login(
    State(state): State<AppState>,
    WithStore(store): WithStore,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let address = throttle::client_address(
        peer.map(|Extension(ConnectInfo(a))| a.ip()),
        &headers,
        &state.accounts.trusted_proxies,
    );
    let next = safe_next(&form.next).to_owned();
    let back = |error: &str| {
        Redirect::to(&format!("/login?error={error}&next={}", urlencode(&next))).into_response()
    };
    match attempt_sign_in(&state, &store, &form, &address).await {
        Ok(Outcome::SignedIn(user)) => {
            let token = random_token(32);
            let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
            if let Err(e) = store
                .create_session(&token_hash(&token), &user, &crate::store::rfc3339(expires))
                .await
            {
                tracing::error!(error = %e, "cannot create a session");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            let to = if user.must_change_password {
                "/account/password?reason=reset".to_owned()
            } else {
                next
            };
            let mut res = Redirect::to(&to).into_response();
            res.headers_mut().insert(
                axum::http::header::SET_COOKIE,
                session_cookie(&token, SESSION_HOURS * 3600, secure(&state, &headers)),
            );
            res
        }
        Ok(Outcome::Rejected) => back("invalid"),
        Ok(Outcome::Throttled) => {
            tracing::warn!(%address, "sign-in throttled");
            back("throttled")
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn attempt_sign_in(
    state: &AppState,
    store: &Store,
    form: &LoginForm,
    address: &str,
) -> Result<Outcome, String> {
    // Over-long values are wrong without costing a hash or a row.
    if form.email.len() > MAX_EMAIL_BYTES || form.password.len() > MAX_PASSWORD_BYTES {
        return Ok(Outcome::Rejected);
    }
    let email = form.email.trim().to_lowercase();
    let Some(attempt) = store
        .reserve_login_attempt(&email, address, &throttle::window_start(), throttle::LIMITS)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(Outcome::Throttled);
    };
    let found = store
        .user_for_login(&email)
        .await
        .map_err(|e| e.to_string())?;
    // Verify against a real hash even for unknown users, so timing does not
    // tell which emails have accounts.
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        super::password::hash_password("not a real password at all").unwrap_or_default()
    });
    let hash = found
        .as_ref()
        .map_or_else(|| DUMMY.clone(), |(_, h)| h.clone());
    let matches = state
        .accounts
        .hasher
        .verify(hash, form.password.clone())
        .await;
    match found {
        Some((user, _)) if matches && user.active => {
            store
                .clear_login_attempt(attempt)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Outcome::SignedIn(user))
        }
        _ => Ok(Outcome::Rejected),
    }
}

/// `POST /logout`.
async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let user = req.extensions().get::<SignedIn>().and_then(|s| s.0.clone());
    if let (Some(token), Some(store), Some(user)) =
        (cookie_token(req.headers()), state.editions.store(), user)
        && let Err(e) = store.end_session(&token_hash(&token), &user).await
    {
        tracing::error!(error = %e, "cannot end a session");
    }
    let mut res = Redirect::to("/login?error=signed-out").into_response();
    res.headers_mut().insert(
        axum::http::header::SET_COOKIE,
        session_cookie("", 0, secure(&state, req.headers())),
    );
    res
}

#[derive(serde::Deserialize)]
struct PasswordChange {
    current: String,
    new: String,
    confirm: String,
}

/// `POST /account/password`: a signed-in user changes their own password
/// (also the way out of an administrator's reset). Their other sessions
/// end; this one stays.
async fn change_password(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    WithStore(store): WithStore,
    headers: HeaderMap,
    Form(form): Form<PasswordChange>,
) -> Response {
    let back =
        |error: &str| Redirect::to(&format!("/account/password?error={error}")).into_response();
    if form.new != form.confirm {
        return back("mismatch");
    }
    if super::password::check_new(&form.new).is_err() {
        return back("length");
    }
    let current_hash = match store.user_for_login(&user.email).await {
        Ok(Some((_, h))) => h,
        Ok(None) => return back("current"),
        Err(e) => return bad_request(e.to_string()),
    };
    if !state
        .accounts
        .hasher
        .verify(current_hash, form.current)
        .await
    {
        return back("current");
    }
    let hash = match state.accounts.hasher.hash(form.new).await {
        Ok(h) => h,
        Err(_) => return back("length"),
    };
    let keep = cookie_token(&headers).map(|t| token_hash(&t));
    match store
        .set_password(&user, &hash, &user, keep.as_deref())
        .await
    {
        Ok(()) => Redirect::to("/account/password?done=changed").into_response(),
        Err(e) => bad_request(format!("The password was not changed: {e}")),
    }
}

#[derive(serde::Deserialize)]
struct NewUser {
    email: String,
    role: String,
    password: String,
}

fn users_page(query: &str) -> Response {
    Redirect::to(&format!("/admin/users?{query}")).into_response()
}

/// `POST /admin/users`: an admin adds a user with a first password.
async fn add_user(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    WithStore(store): WithStore,
    Form(form): Form<NewUser>,
) -> Response {
    let Some(role) = Role::parse(&form.role) else {
        return users_page("error=role");
    };
    let email = form.email.trim();
    if !email.contains('@') || email.len() > MAX_EMAIL_BYTES || email.chars().any(char::is_control)
    {
        return users_page("error=email");
    }
    let hash = match state.accounts.hasher.hash(form.password).await {
        Ok(h) => h,
        Err(_) => return users_page("error=password"),
    };
    match store.add_user(email, role, &hash, &admin.email).await {
        Ok(u) => users_page(&format!("done=added&user={}", u.id)),
        Err(_) => users_page("error=exists"),
    }
}

#[derive(serde::Deserialize)]
struct Active {
    active: bool,
}

/// `POST /admin/users/{id}/active`: disable or re-enable a user.
async fn set_active(
    RequireAdmin(admin): RequireAdmin,
    WithStore(store): WithStore,
    Path(id): Path<i64>,
    Form(form): Form<Active>,
) -> Response {
    if admin.id == id && !form.active {
        return users_page("error=self");
    }
    match store.set_user_active(id, form.active, &admin.email).await {
        Ok(u) => {
            let done = if u.active { "enabled" } else { "disabled" };
            users_page(&format!("done={done}&user={}", u.id))
        }
        Err(e) => bad_request(e.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct Reset {
    password: String,
}

/// `POST /admin/users/{id}/password`: an admin sets a temporary password;
/// the user's sessions end and they choose their own at next sign-in.
async fn reset_password(
    State(state): State<AppState>,
    RequireAdmin(admin): RequireAdmin,
    WithStore(store): WithStore,
    Path(id): Path<i64>,
    Form(form): Form<Reset>,
) -> Response {
    if admin.id == id {
        return users_page("error=own-reset");
    }
    let user = match store.user(id).await {
        Ok(u) => u,
        Err(e) => return bad_request(e.to_string()),
    };
    let hash = match state.accounts.hasher.hash(form.password).await {
        Ok(h) => h,
        Err(_) => return users_page("error=password"),
    };
    match store.set_password(&user, &hash, &admin, None).await {
        Ok(()) => users_page(&format!("done=reset&user={id}")),
        Err(e) => bad_request(e.to_string()),
    }
}
