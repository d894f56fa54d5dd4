//! The rendered-page cache (`web::cache`), in-process against a real store:
//! what it serves equals a fresh render byte for byte in every encoding, a
//! publish is never answered from another edition's entry, ETags give 304,
//! signed-in and unknown requests pass through, and a crawl of every page
//! stays within the byte limit.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::config::Config;
use hwb_outcomes::editions::Editions;
use hwb_outcomes::store::Store;
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;
use tower::ServiceExt;

#[path = "support/demo_store.rs"]
mod demo_store;
use demo_store::demo_store;
#[path = "support/get.rs"]
mod get;
use get::get;

struct Site {
    router: axum::Router,
    config: Config,
    store: Arc<Store>,
    editions: Arc<Editions>,
    dir: tempfile::TempDir,
}

async fn site(env: &[(&str, &str)]) -> Site {
    let (config, store, dir) = demo_store(env).await;
    let editions = open(&store).await;
    Site {
        router: hwb_outcomes::web::router(&config, editions.clone()),
        config,
        store,
        editions,
        dir,
    }
}

async fn open(store: &Arc<Store>) -> Arc<Editions> {
    Arc::new(
        Editions::open(store.clone(), Arc::new(Catalogue::bundled()))
            .await
            .unwrap(),
    )
}

/// Another server on the same store: it has rendered nothing yet.
async fn fresh(site: &Site) -> axum::Router {
    hwb_outcomes::web::router(&site.config, open(&site.store).await)
}

/// Equal bytes, or a failure showing where they part.
fn same(a: &[u8], b: &[u8], what: &str) {
    if a == b {
        return;
    }
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let around = |s: &[u8]| {
        String::from_utf8_lossy(&s[at.saturating_sub(80)..(at + 80).min(s.len())]).into_owned()
    };
    panic!(
        "{what}: {} and {} bytes, first difference at {at}:\n{}\n---\n{}",
        a.len(),
        b.len(),
        around(a),
        around(b)
    );
}

fn cache_says(headers: &HeaderMap) -> String {
    headers
        .get_all("server-timing")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("cache;desc="))
        .unwrap_or("")
        .to_owned()
}

/// The body as sent, decoded from whatever encoding it came in.
fn decoded(headers: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap())
    {
        Some("br") => brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap(),
        Some("gzip") => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .unwrap();
        }
        None => out = body.to_vec(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    out
}

/// Asks until the compressing thread has done this entry: at most 60 s,
/// since brotli at its best level on a large page queues behind others
/// and takes seconds on a machine busy with a build (10 s once failed so).
async fn get_precompressed(router: &axum::Router, uri: &str, coding: &str) -> (HeaderMap, Vec<u8>) {
    let mut last = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let (status, headers, body) = get(router, uri, &[("accept-encoding", coding)]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        if cache_says(&headers) == format!("hit-{coding}") {
            return (headers, body);
        }
        last = format!("{} ({} bytes)", cache_says(&headers), body.len());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{uri} was never served precompressed with {coding}: last {last}");
}

/// One of each public page type and file.
async fn public_targets(router: &axum::Router) -> Vec<String> {
    let (_, _, body) = get(router, "/api/v1/indicators", &[]).await;
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let id = list["indicators"][0]["id"].as_str().unwrap().to_owned();
    vec![
        "/".into(),
        "/priority/generally-well".into(),
        format!("/indicator/{id}"),
        format!("/indicator/{id}/trend.svg"),
        "/overview".into(),
        "/plan".into(),
        "/partnership".into(),
        "/api/v1/indicators".into(),
        format!("/api/v1/indicators/{id}"),
        "/api/v1/board".into(),
    ]
}

#[tokio::test]
async fn a_cached_response_equals_a_fresh_render_byte_for_byte_in_every_encoding() {
    let site = site(&[]).await;
    let targets = public_targets(&site.router).await;
    for uri in &targets {
        let (status, first_headers, first) = get(&site.router, uri, &[]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let (_, headers, again) = get(&site.router, uri, &[]).await;
        assert_eq!(cache_says(&headers), "hit", "{uri}");
        same(&again, &first, &format!("{uri}: the identity body changed"));
        for name in [
            header::CONTENT_TYPE,
            header::CONTENT_SECURITY_POLICY,
            header::ETAG,
        ] {
            assert_eq!(
                headers.get(&name),
                first_headers.get(&name),
                "{uri}: {name}"
            );
        }
        // Another server's first render: the same bytes.
        let other = fresh(&site).await;
        let (_, other_headers, rendered) = get(&other, uri, &[]).await;
        assert_eq!(cache_says(&other_headers), "miss", "{uri}");
        same(
            &rendered,
            &first,
            &format!("{uri}: a fresh render differs from the cached body"),
        );
        for coding in ["br", "gzip"] {
            let (headers, body) = get_precompressed(&site.router, uri, coding).await;
            assert_eq!(headers[header::CONTENT_ENCODING], coding, "{uri}");
            same(
                &decoded(&headers, &body),
                &first,
                &format!("{uri}: {coding} decodes to other bytes"),
            );
        }
    }
}

#[tokio::test]
async fn etags_give_304_and_urls_naming_an_edition_are_immutable() {
    let site = site(&[]).await;
    let (_, headers, _) = get(&site.router, "/overview", &[]).await;
    let etag = headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=60, must-revalidate"
    );
    assert!(
        headers[header::VARY]
            .to_str()
            .unwrap()
            .contains("accept-encoding")
    );

    let (status, not_modified, body) =
        get(&site.router, "/overview", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    assert_eq!(not_modified[header::ETAG], etag.as_str());
    // A different tag is answered in full.
    let (status, _, body) = get(
        &site.router,
        "/overview",
        &[("if-none-match", "W/\"0000\"")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.is_empty());

    let id = site.editions.published().unwrap().edition.id;
    let (status, headers, _) = get(&site.router, &format!("/overview?edition={id}"), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    // An edition that is not public is never marked immutable or kept.
    let (_, headers, _) = get(&site.router, "/overview?edition=999", &[]).await;
    assert!(headers.get(header::ETAG).is_none());
    assert_ne!(
        headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap()),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn an_edition_published_meanwhile_is_never_served_from_another_editions_entry() {
    let site = site(&[]).await;
    let old = site.editions.published().unwrap().edition.clone();
    let targets = public_targets(&site.router).await;
    let mut before = HashMap::new();
    for uri in &targets {
        let (_, _, body) = get(&site.router, uri, &[]).await;
        let (_, headers, _) = get(&site.router, uri, &[]).await;
        assert_eq!(cache_says(&headers), "hit", "{uri}");
        before.insert(uri.clone(), body);
    }
    let (_, headers, _) = get(&site.router, "/", &[]).await;
    let old_etag = headers[header::ETAG].clone();

    // Another process publishes a new edition; this server notices.
    let uploads = site.store.uploads().await.unwrap();
    let (catalogue, gazetteer) = (
        Catalogue::bundled(),
        hwb_outcomes::areas::Gazetteer::bundled(),
    );
    let analyse = |df, meta| {
        hwb_outcomes::analysis::analyse_edition(df, meta, &catalogue, &gazetteer, "E92000001")
    };
    let new = site
        .store
        .create_edition(
            "Board, 4 March 2027",
            &[uploads[0].id],
            false,
            "test",
            analyse,
        )
        .await
        .unwrap();
    site.store.publish(new.id, "test").await.unwrap();
    site.editions.refresh().await.unwrap();

    for uri in &targets {
        let (status, headers, body) = get(&site.router, uri, &[]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert_eq!(
            cache_says(&headers),
            "miss",
            "{uri} served from before the publish"
        );
        let other = fresh(&site).await;
        let (_, _, rendered) = get(&other, uri, &[]).await;
        same(&body, &rendered, uri);
        // Pages name their edition (files and JSON of unchanged data need not differ).
        if !uri.contains(".svg") && !uri.starts_with("/api/") {
            assert!(
                before.get(uri) != Some(&body),
                "{uri} did not change with the edition"
            );
        }
    }
    let (_, _, home) = get(&site.router, "/", &[]).await;
    assert!(String::from_utf8_lossy(&home).contains("Board, 4 March 2027"));
    // The old ETag no longer matches the current page.
    let (status, _, _) = get(
        &site.router,
        "/",
        &[("if-none-match", old_etag.to_str().unwrap())],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The earlier edition by its URL: its own figures, now "earlier".
    let (_, _, earlier) = get(&site.router, &format!("/?edition={}", old.id), &[]).await;
    let earlier = String::from_utf8_lossy(&earlier).into_owned();
    assert!(
        earlier.contains("an earlier edition, not the current one"),
        "{earlier}"
    );
    assert!(earlier.contains(&old.label));
}

#[tokio::test]
async fn signed_in_changing_and_unknown_requests_pass_through() {
    let site = site(&[]).await;
    // A query parameter no page reads: rendered, not kept.
    for _ in 0..2 {
        let (status, headers, _) = get(&site.router, "/?utm_source=email", &[]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(cache_says(&headers), "");
        assert!(headers.get(header::ETAG).is_none());
    }
    // The same parameter twice: which one a page reads is not the key's to guess.
    let (_, headers, _) = get(&site.router, "/?q=cancer&q=mental", &[]).await;
    assert!(headers.get(header::ETAG).is_none());
    // Parameters in another order share one entry.
    let id = site.editions.published().unwrap().edition.id;
    let (_, first, _) = get(
        &site.router,
        &format!("/overview?edition={id}&area=E06000006"),
        &[],
    )
    .await;
    let (_, second, _) = get(
        &site.router,
        &format!("/overview?area=E06000006&edition={id}"),
        &[],
    )
    .await;
    assert_eq!(cache_says(&first), "miss");
    assert_eq!(cache_says(&second), "hit");
    // Management pages and 404s are never kept.
    for uri in [
        "/login",
        "/editions",
        "/no/such/page",
        "/priority/not-a-priority",
    ] {
        let (_, headers, _) = get(&site.router, uri, &[]).await;
        assert!(headers.get(header::ETAG).is_none(), "{uri}");
    }

    // Signed in: private, and never from or into the cache.
    let hash = hwb_outcomes::accounts::password::hash_password("a long enough password").unwrap();
    site.store
        .add_user(
            "analyst@example.org",
            hwb_outcomes::store::Role::Analyst,
            &hash,
            "test",
        )
        .await
        .unwrap();
    let res = site
        .router
        .clone()
        .oneshot(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "dashboard.example")
                .header(header::ORIGIN, "http://dashboard.example")
                .body(Body::from(
                    "email=analyst%40example.org&password=a+long+enough+password&next=%2F",
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (_, anonymous, _) = get(&site.router, "/", &[]).await;
    assert!(anonymous.get(header::ETAG).is_some());
    let (status, headers, body) = get(&site.router, "/", &[("cookie", &cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
    assert!(headers.get(header::ETAG).is_none());
    assert!(String::from_utf8_lossy(&body).contains("Sign out"));
    let (_, _, body) = get(&site.router, "/", &[]).await;
    assert!(!String::from_utf8_lossy(&body).contains("Sign out"));
}

#[tokio::test]
async fn a_crawl_of_every_page_stays_within_the_byte_limit() {
    const LIMIT: u64 = 1_500_000;
    let site = site(&[("HWB_PAGE_CACHE_BYTES", &LIMIT.to_string())]).await;
    let (_, _, body) = get(&site.router, "/api/v1/indicators", &[]).await;
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mut targets: Vec<String> = vec!["/".into(), "/overview".into(), "/plan".into()];
    for slug in [
        "children-and-young-people",
        "generally-well",
        "long-term-conditions",
        "mental-health",
        "cancer",
        "older-people",
    ] {
        targets.push(format!("/priority/{slug}"));
    }
    let areas: Vec<String> = hwb_outcomes::areas::Gazetteer::bundled()
        .upper_tier_in(&site.config.region.code)
        .map(|a| a.code.clone())
        .collect();
    assert!(areas.len() > 5);
    for ind in list["indicators"].as_array().unwrap() {
        let id = ind["id"].as_str().unwrap();
        for area in &areas {
            targets.push(format!("/indicator/{id}?area={area}"));
            targets.push(format!("/indicator/{id}/trend.svg?area={area}"));
            targets.push(format!("/overview?area={area}"));
        }
    }
    let mut crawled: u64 = 0;
    for uri in &targets {
        let (status, _, body) = get(&site.router, uri, &[]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        crawled += body.len() as u64;
    }
    assert!(
        crawled > 5 * LIMIT,
        "the crawl must overflow the cache: {crawled} bytes"
    );
    let (_, _, body) = get(&site.router, "/healthz", &[]).await;
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let cache = &health["page_cache"];
    assert_eq!(cache["limit_bytes"], LIMIT);
    let bytes = cache["bytes"].as_u64().unwrap();
    assert!(bytes <= LIMIT, "{cache}");
    assert!(bytes > LIMIT / 4, "the cache should be in use: {cache}");
    assert!(cache["entries"].as_u64().unwrap() > 10, "{cache}");
    drop(site.dir);
}
