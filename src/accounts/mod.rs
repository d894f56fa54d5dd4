//! Who may change things. Reading published pages needs no account; every
//! change needs a signed-in user holding the right role, checked on the
//! server by the extractors here (`RequireAnalyst`, `RequireAdmin`), which
//! pages share through `permits`.
//!
//! - `password`: argon2id, on the blocking pool behind a small semaphore;
//! - `session`: the cookie and its token (the store keeps a SHA-256);
//! - `throttle`: failed sign-ins per account and client address;
//! - `routes`: sign in and out, passwords, users (the axum handlers).

pub mod password;
pub mod routes;
pub mod session;
pub mod throttle;

use crate::store::{Role, User};
use crate::web::respond::plain_text;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

/// Account settings and shared limits, one per server.
pub struct Accounts {
    /// Always mark cookies `Secure` (and send HSTS).
    pub secure_cookies: bool,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub public_origin: Option<String>,
    pub hasher: password::Hasher,
}

impl Accounts {
    pub fn new(config: &crate::config::Config) -> Accounts {
        Accounts {
            secure_cookies: config.secure_cookies,
            trusted_proxies: config.trusted_proxies.clone(),
            public_origin: config.public_origin.clone(),
            hasher: password::Hasher::new(2),
        }
    }
}

/// The signed-in user of a request, if any (a request extension that
/// `routes::resolve_user` sets before anything else runs).
#[derive(Clone, Debug)]
pub struct SignedIn(pub Option<User>);

/// Why a request may not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    SignIn,
    MustChangePassword,
    AdminsOnly,
}

/// The one role policy: the user if they hold `role` (an admin holds every
/// role) and need not change their password first.
pub fn permits(user: Option<&User>, role: Role) -> Result<&User, Refusal> {
    match user {
        None => Err(Refusal::SignIn),
        Some(u) if u.must_change_password => Err(Refusal::MustChangePassword),
        Some(u) if role == Role::Admin && u.role != Role::Admin => Err(Refusal::AdminsOnly),
        Some(u) => Ok(u),
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn => Redirect::to("/login").into_response(),
            Refusal::MustChangePassword => {
                Redirect::to("/account/password?reason=reset").into_response()
            }
            Refusal::AdminsOnly => {
                plain_text(StatusCode::FORBIDDEN, "Only an administrator can do this.")
            }
        }
    }
}

fn signed_in(parts: &Parts) -> Option<&User> {
    parts
        .extensions
        .get::<SignedIn>()
        .and_then(|s| s.0.as_ref())
}

/// A handler argument: the signed-in analyst or admin, or the request is
/// answered with a redirect to sign in.
pub struct RequireAnalyst(pub User);

/// A handler argument: the signed-in admin, or 403.
pub struct RequireAdmin(pub User);

/// Any signed-in user, even one who must change their password (the
/// password form itself).
pub struct RequireUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for RequireAnalyst {
    type Rejection = Refusal;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        permits(signed_in(parts), Role::Analyst).map(|u| RequireAnalyst(u.clone()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireAdmin {
    type Rejection = Refusal;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        permits(signed_in(parts), Role::Admin).map(|u| RequireAdmin(u.clone()))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequireUser {
    type Rejection = Refusal;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Refusal> {
        signed_in(parts)
            .map(|u| RequireUser(u.clone()))
            .ok_or(Refusal::SignIn)
    }
}

/// Only a path on this site may follow a sign-in: one `/` then a path
/// character, no scheme-relative (`//`, `/\`) form, and no whitespace or
/// control character anywhere (browsers drop tabs and newlines, which would
/// turn `/<TAB>/evil.example` into `//evil.example`). The value arrives
/// already percent-decoded by the form reader; it must still parse as a
/// path and query.
pub fn safe_next(next: &str) -> &str {
    const HOME: &str = "/editions";
    let bytes = next.as_bytes();
    let well_formed = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        && next.parse::<axum::http::uri::PathAndQuery>().is_ok()
        && !next.to_ascii_lowercase().contains("%2f%2f");
    if well_formed { next } else { HOME }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_follow_a_sign_in() {
        assert_eq!(safe_next("/upload"), "/upload");
        assert_eq!(safe_next("/upload/abc?x=1"), "/upload/abc?x=1");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "/x\\..\\evil",
            "\t//evil.example",
            "",
            "evil.example",
            "/\u{2028}/evil.example",
        ] {
            assert_eq!(safe_next(hostile), "/editions", "{hostile:?}");
        }
    }

    fn user(role: Role, must_change_password: bool) -> User {
        User {
            id: 1,
            email: "a@example.org".into(),
            role,
            active: true,
            created_at: String::new(),
            must_change_password,
        }
    }

    #[test]
    fn one_policy_for_roles_and_resets() {
        assert_eq!(permits(None, Role::Analyst), Err(Refusal::SignIn));
        let analyst = user(Role::Analyst, false);
        assert!(permits(Some(&analyst), Role::Analyst).is_ok());
        assert_eq!(
            permits(Some(&analyst), Role::Admin),
            Err(Refusal::AdminsOnly)
        );
        let admin = user(Role::Admin, false);
        assert!(permits(Some(&admin), Role::Analyst).is_ok());
        let reset = user(Role::Admin, true);
        assert_eq!(
            permits(Some(&reset), Role::Analyst),
            Err(Refusal::MustChangePassword)
        );
    }
}
