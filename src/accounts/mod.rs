//! Who may change things: passwords (argon2id), sessions (an HttpOnly,
//! SameSite cookie holding a random token; the store keeps its SHA-256),
//! sign-in throttling, the cross-site write check, and role checks used by
//! every state-changing route. Reading published pages needs no account.

use crate::server::AppState;
use crate::store::{Role, Store, User};
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, Form, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use std::net::SocketAddr;

pub const COOKIE: &str = "hwb_session";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins allowed per account and per address in the window.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;

/// The signed-in user of a request, if any (a request extension).
#[derive(Clone, Debug)]
pub struct SignedIn(pub Option<User>);

pub fn hash_password(password: &str) -> Result<String, String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD} characters long"
        ));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default() // argon2id, version 0x13, OWASP-recommended defaults
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// `bytes` random bytes from the operating system, as hex: session tokens
/// (32 bytes) and upload-report tokens (16).
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
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

/// Refuses state-changing requests that a browser says come from another
/// site (`Sec-Fetch-Site`), or whose `Origin` is not this host.
pub async fn reject_cross_site(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let cross = match fetch_site {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => match (
            headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
            headers.get(header::HOST).and_then(|v| v.to_str().ok()),
        ) {
            (Some(origin), Some(host)) => {
                let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
                origin_host != host
            }
            (Some(_), None) => true,
            (None, _) => false, // not a browser's cross-site form
        },
    };
    if cross {
        tracing::warn!(uri = %req.uri(), "cross-site write refused");
        return crate::server::plain_text(
            StatusCode::FORBIDDEN,
            "This change was refused because the request came from another site. Go back to the dashboard and try again from its own pages.",
        );
    }
    next.run(req).await
}

/// The user of a request if they hold `role` (an admin holds every role).
pub fn require(req_user: &SignedIn, role: Role) -> Result<&User, Box<Response>> {
    match &req_user.0 {
        None => Err(Box::new(Redirect::to("/login").into_response())),
        Some(u) if role == Role::Admin && u.role != Role::Admin => Err(Box::new(
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "Only an administrator can do this.",
            )
                .into_response(),
        )),
        Some(u) => Ok(u),
    }
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// Only paths on this site may follow a sign-in.
fn safe_next(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next
    } else {
        "/editions"
    }
}

fn secure(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .expect("cookie is ASCII")
}

/// `POST /login`: checks throttling first (so a correct password does not
/// reveal itself during a lock-out), then the password.
pub async fn login(
    State(state): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(store) = state.editions.store() else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let address = peer.map_or_else(
        || "unknown".to_owned(),
        |axum::Extension(ConnectInfo(a))| a.ip().to_string(),
    );
    let next = safe_next(&form.next).to_owned();
    let back = |error: &str| {
        Redirect::to(&format!("/login?error={error}&next={}", urlencode(&next))).into_response()
    };
    match check(&store, &form, &address).await {
        Ok(Outcome::SignedIn(user)) => {
            let token = random_token(32);
            let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
            if let Err(e) = store
                .create_session(&token_hash(&token), &user, &rfc3339(expires))
                .await
            {
                tracing::error!(error = %e, "cannot create a session");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
            let mut res = Redirect::to(&next).into_response();
            res.headers_mut().insert(
                header::SET_COOKIE,
                session_cookie(&token, SESSION_HOURS * 3600, secure(&headers)),
            );
            res
        }
        Ok(Outcome::Wrong) => back("invalid"),
        Ok(Outcome::Throttled) => {
            let _ = store
                .record(&form.email, "sign-in throttled", &address)
                .await;
            let mut res = back("throttled");
            *res.status_mut() = StatusCode::SEE_OTHER;
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "sign-in failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

enum Outcome {
    SignedIn(User),
    Wrong,
    Throttled,
}

async fn check(store: &Store, form: &LoginForm, address: &str) -> Result<Outcome, String> {
    let since = rfc3339(chrono::Utc::now() - chrono::Duration::minutes(FAILURE_WINDOW_MINUTES));
    let (by_account, by_address) = store
        .login_failures_since(&form.email, address, &since)
        .await
        .map_err(|e| e.to_string())?;
    if by_account >= MAX_FAILURES || by_address >= MAX_FAILURES {
        return Ok(Outcome::Throttled);
    }
    let found = store
        .user_for_login(&form.email)
        .await
        .map_err(|e| e.to_string())?;
    // Verify against a real hash even for unknown users, so timing does not
    // tell which emails have accounts.
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash_password("not a real password at all").unwrap_or_default()
    });
    let ok = match &found {
        Some((user, hash)) => verify_password(hash, &form.password) && user.active,
        None => {
            verify_password(&DUMMY, &form.password);
            false
        }
    };
    if ok {
        Ok(Outcome::SignedIn(found.map(|(u, _)| u).expect("found")))
    } else {
        store
            .record_login_failure(&form.email, address)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Outcome::Wrong)
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let user = req.extensions().get::<SignedIn>().and_then(|s| s.0.clone());
    if let (Some(token), Some(store), Some(user)) =
        (cookie_token(req.headers()), state.editions.store(), user)
        && let Err(e) = store.end_session(&token_hash(&token), &user).await
    {
        tracing::error!(error = %e, "cannot end a session");
    }
    let mut res = Redirect::to("/login?error=signed-out").into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, secure(req.headers())),
    );
    res
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery staple"));
        assert!(!verify_password(&hash, "correct horse battery stapler"));
        assert!(!verify_password("not a hash", "x"));
        assert!(hash_password("short").is_err());
    }

    #[test]
    fn only_local_paths_follow_a_sign_in_and_cookies_are_checked() {
        assert_eq!(safe_next("/upload"), "/upload");
        assert_eq!(safe_next("//evil.example/"), "/editions");
        assert_eq!(safe_next("https://evil.example/"), "/editions");
        let mut h = HeaderMap::new();
        let token = "a".repeat(64);
        h.insert(
            header::COOKIE,
            format!("x=1; {COOKIE}={token}").parse().unwrap(),
        );
        assert_eq!(cookie_token(&h), Some(token));
        h.insert(
            header::COOKIE,
            format!("{COOKIE}=../../etc").parse().unwrap(),
        );
        assert_eq!(cookie_token(&h), None);
    }
}
