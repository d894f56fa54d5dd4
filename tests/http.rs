//! The HTTP surface, in-process: pages, status codes, security headers,
//! compression and caching.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use hwb_outcomes::config::Config;
use hwb_outcomes::store::Edition;
use std::collections::HashMap;
use std::path::PathBuf;
use tower::ServiceExt;

struct Fixture {
    router: axum::Router,
    _site: TempDir,
}

/// A throw-away directory, removed when dropped.
struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "hwb-http-{tag}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        TempDir(dir)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixture(tag: &str, env: &[(&str, &str)]) -> Fixture {
    fixture_with(tag, env, None)
}

fn fixture_with(tag: &str, env: &[(&str, &str)], edition: Option<Edition>) -> Fixture {
    let site = TempDir::new(tag);
    std::fs::write(
        site.0.join("pkg/hwb-outcomes.0123abcd.js"),
        "export default 1;\n".repeat(200),
    )
    .unwrap();
    std::fs::write(site.0.join("robots.txt"), "User-agent: *\n").unwrap();
    let mut vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    vars.insert(
        "LEPTOS_SITE_ROOT".into(),
        site.0.to_string_lossy().into_owned(),
    );
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    Fixture {
        router: hwb_outcomes::server::router(&config, edition.map(std::sync::Arc::new)),
        _site: site,
    }
}

async fn get(
    router: &axum::Router,
    uri: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap().to_vec();
    (parts.status, parts.headers, bytes)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn home_page_is_complete_html_with_layout() {
    let f = fixture("home", &[]);
    let (status, headers, body) = get(&f.router, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = text(&body);
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(html.contains(r#"<html lang="en-GB""#));
    assert!(html.contains("<title>Home – Halton Health and Wellbeing Board</title>"));
    assert!(html.contains("Health and wellbeing outcomes for Halton"));
    for slug in [
        "children-and-young-people",
        "generally-well",
        "long-term-conditions",
        "mental-health",
        "cancer",
        "older-people",
    ] {
        assert!(
            html.contains(&format!(r#"href="/priority/{slug}""#)),
            "no link to {slug}"
        );
    }
    assert!(html.contains("Open Government Licence v3.0"));
    // The server renders all six cards: the page is complete without WASM.
    assert_eq!(html.matches(r#"<li class="card">"#).count(), 6);
}

#[tokio::test]
async fn search_without_javascript_is_answered_by_the_server() {
    let f = fixture("search", &[]);
    let (_, _, body) = get(&f.router, "/?q=cancer", &[]).await;
    let html = text(&body);
    assert_eq!(html.matches(r#"<li class="card">"#).count(), 1);
    assert!(html.contains("Showing 1 of 6 priorities."));
    // The query is echoed into the search box, escaped.
    let (_, _, body) = get(&f.router, "/?q=%22%3E%3Cscript%3Ex", &[]).await;
    let html = text(&body);
    assert!(!html.contains("\"><script>x"), "query must be escaped");
}

#[tokio::test]
async fn pages_carry_a_nonce_csp_and_security_headers() {
    let f = fixture("csp", &[]);
    let (_, headers, body) = get(&f.router, "/", &[]).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("script-src has a nonce");
    assert!(nonce.len() >= 16, "{nonce}");
    // Every inline script carries that nonce; none runs without it.
    let html = text(&body);
    let scripts = html.matches("<script").count();
    assert!(scripts >= 1);
    assert_eq!(
        html.matches(&format!(r#"nonce="{nonce}""#)).count(),
        scripts,
        "{html}"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");

    // A new nonce for every page.
    let (_, again, _) = get(&f.router, "/", &[]).await;
    assert_ne!(
        again[header::CONTENT_SECURITY_POLICY],
        headers[header::CONTENT_SECURITY_POLICY]
    );

    // Responses that are not pages get the policy without a nonce.
    let (_, headers, _) = get(&f.router, "/healthz", &[]).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';") && !csp.contains("nonce"),
        "{csp}"
    );
}

#[tokio::test]
async fn priorities_have_pages_and_unknown_paths_are_404_pages() {
    let f = fixture("routes", &[]);
    let (status, _, body) = get(&f.router, "/priority/older-people", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text(&body).contains("<h1 class=\"heading-xl\">Older People</h1>"));
    for path in ["/priority/not-a-priority", "/no/such/page"] {
        let (status, headers, body) = get(&f.router, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(text(&body).contains("Page not found"), "{path}");
    }
}

#[tokio::test]
async fn healthz_reports_version_uptime_and_edition() {
    let f = fixture("health", &[]);
    let (status, headers, body) = get(&f.router, "/healthz", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["uptime_seconds"].as_u64().is_some());
    assert!(json["edition"].is_null(), "no edition published: {json}");

    let f = fixture_with(
        "health-edition",
        &[],
        Some(edition("Board, 10 December 2026", false)),
    );
    let (_, _, body) = get(&f.router, "/healthz", &[]).await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["edition"]["label"], "Board, 10 December 2026");
    assert_eq!(json["edition"]["illustrative"], false);
}

fn edition(label: &str, illustrative: bool) -> Edition {
    Edition {
        id: 3,
        label: label.to_owned(),
        base_id: Some(2),
        rows: 100,
        illustrative,
        created_at: "2026-11-23T10:00:00Z".into(),
        created_by: "analyst@example.org".into(),
        published_at: Some("2026-11-23T10:05:00Z".into()),
        is_published: true,
    }
}

#[tokio::test]
async fn every_page_names_its_edition_and_flags_illustrative_data() {
    let f = fixture("no-edition", &[]);
    let (_, _, body) = get(&f.router, "/", &[]).await;
    assert!(text(&body).contains("No data edition has been published yet"));

    let f = fixture_with(
        "demo-edition",
        &[],
        Some(edition(
            "Illustrative data (generated, not real figures)",
            true,
        )),
    );
    for path in ["/", "/priority/cancer", "/missing"] {
        let (_, _, body) = get(&f.router, path, &[]).await;
        let html = text(&body);
        assert!(
            html.contains("Edition: Illustrative data (generated, not real figures)"),
            "{path}"
        );
        assert!(
            html.contains("<strong class=\"warning__title\">Illustrative data</strong>"),
            "{path}"
        );
    }
    let f = fixture_with(
        "real-edition",
        &[],
        Some(edition("Board, 10 December 2026", false)),
    );
    let (_, _, body) = get(&f.router, "/", &[]).await;
    let html = text(&body);
    assert!(html.contains("Edition: Board, 10 December 2026"));
    assert!(
        !html.contains("warning__title"),
        "real data carries no illustrative warning"
    );
}

#[tokio::test]
async fn html_and_assets_are_compressed_when_the_browser_asks() {
    let f = fixture("gzip", &[]);
    for (encoding, uri) in [
        ("br", "/"),
        ("gzip", "/"),
        ("br", "/pkg/hwb-outcomes.0123abcd.js"),
    ] {
        let (status, headers, _) = get(&f.router, uri, &[("accept-encoding", encoding)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_ENCODING], encoding, "{uri}");
    }
    let (_, headers, _) = get(&f.router, "/", &[]).await;
    assert!(headers.get(header::CONTENT_ENCODING).is_none());
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_but_errors_are_not() {
    let f = fixture("cache", &[]);
    let (status, headers, _) = get(&f.router, "/pkg/hwb-outcomes.0123abcd.js", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (status, headers, _) = get(&f.router, "/pkg/missing.js", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(headers.get(header::CACHE_CONTROL).is_none());
    let (status, _, body) = get(&f.router, "/robots.txt", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text(&body), "User-agent: *\n");
}

#[tokio::test]
async fn another_council_is_a_matter_of_configuration() {
    let f = fixture("leeds", &[("HWB_AREA_CODE", "E08000035")]);
    let (_, _, body) = get(&f.router, "/", &[]).await;
    let html = text(&body);
    assert!(html.contains("Health and wellbeing outcomes for Leeds"));
    assert!(html.contains("Leeds Health and Wellbeing Board"));
    assert!(html.contains("Yorkshire and The Humber region"));
    assert!(!html.contains("Halton"), "nothing may assume Halton");
}
