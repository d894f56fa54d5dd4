//! Checks every request passes before a handler runs: the cross-site write
//! check and the body limit of form posts.

use super::respond::plain_text;
use super::state::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// The largest form post (sign-in, users, publishing). Only `POST /upload`
/// takes `HWB_MAX_BODY_BYTES`.
pub const FORM_BODY_BYTES: usize = 16 * 1024;

/// Why a write is refused as cross-site, or `None` when it may go on.
fn cross_site(headers: &HeaderMap, public_origin: Option<&str>) -> Option<&'static str> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        // "none": the user started it (a bookmark, the address bar).
        return (!matches!(site, "same-origin" | "none")).then_some(
            "This change was refused because the request came from another site. Go back to the dashboard and try again from its own pages.",
        );
    }
    let Some(origin) = text(header::ORIGIN.as_str()) else {
        return Some(
            "This change was refused because the request did not say which site it came from. Use the dashboard's own pages in a current browser.",
        );
    };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let same = match public_origin {
        Some(public) => origin == public,
        None => {
            let host = text(header::HOST.as_str()).map(str::to_ascii_lowercase);
            let origin_host = origin.split_once("://").map(|(_, h)| h);
            origin_host.is_some() && origin_host == host.as_deref()
        }
    };
    (!same).then_some(
        "This change was refused because the request came from another site. Go back to the dashboard and try again from its own pages.",
    )
}

/// Refuses state-changing requests that a browser says come from another
/// site (`Sec-Fetch-Site`), whose `Origin` is not this site, or that carry
/// neither header (no current browser sends a form post without one).
pub async fn reject_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    if let Some(why) = cross_site(req.headers(), state.accounts.public_origin.as_deref()) {
        tracing::warn!(path = %req.uri().path(), "cross-site write refused");
        return plain_text(StatusCode::FORBIDDEN, why);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn writes_must_say_they_come_from_this_site() {
        let ok = |h: &[(&'static str, &str)], public| cross_site(&headers(h), public).is_none();
        assert!(ok(&[("sec-fetch-site", "same-origin")], None));
        assert!(!ok(&[("sec-fetch-site", "same-site")], None));
        assert!(!ok(&[("sec-fetch-site", "cross-site")], None));
        assert!(ok(
            &[
                ("origin", "http://Dash.local:3000"),
                ("host", "dash.local:3000")
            ],
            None
        ));
        assert!(!ok(
            &[("origin", "http://evil.example"), ("host", "dash.local")],
            None
        ));
        assert!(!ok(&[("origin", "null"), ("host", "dash.local")], None));
        assert!(!ok(&[("host", "dash.local")], None));
        // Behind a proxy that rewrites Host, the configured origin counts.
        let public = Some("https://hwb.example.org");
        assert!(ok(
            &[
                ("origin", "https://hwb.example.org"),
                ("host", "127.0.0.1:3000")
            ],
            public
        ));
        assert!(!ok(
            &[
                ("origin", "http://hwb.example.org"),
                ("host", "hwb.example.org")
            ],
            public
        ));
    }
}
