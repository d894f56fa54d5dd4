//! The HTTP surface, in-process: pages, status codes, security headers,
//! compression and caching.

use axum::http::{StatusCode, header};
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::config::Config;
use hwb_outcomes::dataset::Dataset;
use hwb_outcomes::editions::Editions;
use hwb_outcomes::store::Edition;
use std::collections::HashMap;
use std::path::PathBuf;

#[path = "support/html.rs"]
mod html;
use html::visible;
#[path = "support/get.rs"]
mod get;
use get::get;

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

/// A site showing the demo data as a real (not illustrative) edition.
fn fixture(tag: &str, env: &[(&str, &str)]) -> Fixture {
    fixture_with(tag, env, Some(edition("Board, 10 December 2026", false)))
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
        router: hwb_outcomes::web::router(
            &config,
            editions(edition.into_iter().collect(), &config),
        ),
        _site: site,
    }
}

/// Editions as the server holds them, without a store: the first is the
/// published one, each holding the demo data for the configured region.
fn editions(list: Vec<Edition>, config: &Config) -> std::sync::Arc<Editions> {
    let catalogue = Catalogue::bundled();
    let frame = hwb_outcomes::demo::frame(&config.region, &config.nation).unwrap();
    let datasets = list
        .into_iter()
        .map(|e| Dataset::build(e, &frame, &catalogue).unwrap())
        .collect();
    std::sync::Arc::new(Editions::fixed(datasets, std::sync::Arc::new(catalogue)))
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
async fn a_goal_judged_tile_says_it_is_compared_with_the_goal() {
    let f = fixture("goal-tile", &[]);
    let (status, _, body) = get(&f.router, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    let tiles: Vec<&str> = html.split(r#"<li class="tile">"#).skip(1).collect();
    let tile = |title: &str| {
        let found: Vec<&&str> = tiles.iter().filter(|t| t.contains(title)).collect();
        assert!(!found.is_empty(), "no tile for {title}");
        found
            .into_iter()
            .map(|t| t.split("</li>").next().unwrap())
            .collect::<Vec<_>>()
    };
    // MMR is judged against its 90% / 95% goal, not against the region.
    for t in tile("MMR vaccination (one dose, age 2)") {
        assert!(t.contains("Compared with the goal: "), "{t}");
        assert!(!t.contains("Compared with North West"), "{t}");
    }
    for t in tile("Adults who smoke") {
        assert!(t.contains("Compared with North West: "), "{t}");
    }
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
async fn pages_allow_their_inline_scripts_by_hash_and_carry_security_headers() {
    use base64::Engine;
    use sha2::Digest;
    let f = fixture("csp", &[]);
    for uri in ["/", "/login", "/no/such/page"] {
        let (_, headers, body) = get(&f.router, uri, &[]).await;
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("nonce"),
            "{csp}"
        );
        // Every inline script is allowed by its own hash, and nothing else is.
        let html = text(&body);
        let mut inline = Vec::new();
        for piece in html.split("<script").skip(1) {
            let (attributes, rest) = piece.split_once('>').unwrap();
            if !attributes.contains("src=") {
                let script = rest.split("</script>").next().unwrap();
                let hash = base64::engine::general_purpose::STANDARD
                    .encode(sha2::Sha256::digest(script.as_bytes()));
                inline.push(format!("'sha256-{hash}'"));
            }
        }
        assert!(!inline.is_empty(), "{uri}: the island loader is inline");
        let allowed: Vec<&str> = csp
            .split("script-src ")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split(' ')
            .filter(|s| s.starts_with("'sha256-"))
            .collect();
        inline.dedup();
        assert_eq!(allowed, inline, "{uri}: {csp}");
        assert!(!html.contains("nonce="), "{uri}");
    }
    let (_, headers, _) = get(&f.router, "/", &[]).await;
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(
        headers[header::REFERRER_POLICY],
        "strict-origin-when-cross-origin"
    );
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");

    // The same policy for every reader, so a page's bytes can be shared.
    let (_, again, _) = get(&f.router, "/", &[]).await;
    assert_eq!(
        again[header::CONTENT_SECURITY_POLICY],
        headers[header::CONTENT_SECURITY_POLICY]
    );

    // Responses that are not pages allow no inline script at all.
    let (_, headers, _) = get(&f.router, "/healthz", &[]).await;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval';") && !csp.contains("sha256"),
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
    let f = fixture_with("health", &[], None);
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
    let f = fixture_with("no-edition", &[], None);
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
async fn another_council_is_a_matter_of_its_board_file() {
    let york = [("HWB_BOARD_FILE", "data/boards/york-illustrative.toml")];
    let f = fixture("york", &york);
    let board = board("data/boards/york-illustrative.toml");
    let (_, _, body) = get(&f.router, "/", &[]).await;
    let html = text(&body);
    assert!(html.contains("Health and wellbeing outcomes for York"));
    assert!(html.contains(&board.name));
    assert!(html.contains("Yorkshire and The Humber region"));
    assert_eq!(
        html.matches(r#"<li class="card">"#).count(),
        board.priorities.len()
    );
    for p in &board.priorities {
        assert!(
            html.contains(&format!(r#"href="/priority/{}""#, p.slug)),
            "{}",
            p.slug
        );
        let (status, _, page) = get(&f.router, &format!("/priority/{}", p.slug), &[]).await;
        assert_eq!(status, StatusCode::OK, "{}", p.slug);
        let page = visible(&text(&page));
        for m in &p.measures {
            assert!(page.contains(&m.text), "{}: {}", p.slug, m.text);
        }
        for a in &p.actions {
            assert!(page.contains(&a.what), "{}: {}", p.slug, a.what);
        }
    }
    for stage in &board.stages {
        assert!(
            html.contains(&format!("id=\"stage-{}\"", stage.slug)),
            "{}",
            stage.slug
        );
    }
    // Halton's plan is not in the code: none of its priorities is served.
    let (status, _, _) = get(&f.router, "/priority/children-and-young-people", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for path in [
        "/",
        "/overview",
        "/plan",
        "/partnership",
        "/priority/healthy-lives",
    ] {
        let (status, _, body) = get(&f.router, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            !text(&body).contains("Halton"),
            "nothing may assume Halton: {path}"
        );
    }
    // Its targets are judged on the edition's numbers.
    let (_, _, csv) = get(&f.router, "/api/v1/board/targets.csv", &[]).await;
    let csv = text(&csv);
    let targets: usize = board
        .priorities
        .iter()
        .flat_map(|p| &p.measures)
        .map(|m| m.targets.len())
        .sum();
    assert_eq!(csv.lines().count(), targets + 1, "{csv}");
    let (_, smokers) = demo_value(&york, "92443", "E06000014", "Persons");
    let status = if smokers <= 5.0 {
        "Target met"
    } else {
        "Target not met"
    };
    assert!(
        csv.contains(&format!(
            "healthy-lives,Fewer adults smoking.,92443,5,at-most,2030,{smokers},"
        )),
        "{csv}"
    );
    assert!(csv.contains(&format!(",{status},")), "{csv}");
    let (_, _, page) = get(&f.router, "/priority/healthy-lives", &[]).await;
    let page = visible(&text(&page));
    assert!(
        page.contains(&format!("Local target: at most 5.0% by 2030. {status}")),
        "{page}"
    );
    let (_, _, page) = get(&f.router, "/indicator/92443", &[]).await;
    let page = text(&page);
    assert!(
        visible(&page).contains(&format!("{status} Local target: at most 5.0% by 2030")),
        "{}",
        visible(&page)
    );
    assert!(page.contains("The dotted line marks the target."));
}

/// A board file as the server reads it.
fn board(path: &str) -> hwb_outcomes::board::Board {
    hwb_outcomes::board::load(std::path::Path::new(path), &Catalogue::bundled()).unwrap()
}

#[tokio::test]
async fn halton_pages_show_every_measure_and_action_of_its_board_file() {
    let f = fixture("halton-plan", &[]);
    let board = board("data/boards/halton.toml");
    let (mut measures, mut actions) = (0, 0);
    for p in &board.priorities {
        let (status, _, page) = get(&f.router, &format!("/priority/{}", p.slug), &[]).await;
        assert_eq!(status, StatusCode::OK, "{}", p.slug);
        let page = visible(&text(&page));
        assert!(page.contains(&format!("Aim: {}", p.aim)), "{}", p.slug);
        for m in &p.measures {
            assert!(page.contains(&m.text), "{}: {}", p.slug, m.text);
            measures += 1;
        }
        for a in &p.actions {
            let row = [&a.what, &a.how, &a.who, &a.when]
                .iter()
                .filter(|t| !t.is_empty())
                .map(|t| t.as_str())
                .collect::<Vec<_>>();
            for cell in row {
                assert!(page.contains(cell), "{}: {} lacks {cell}", p.slug, a.id);
            }
            actions += 1;
        }
        // Every indicator a measure names is in the indicators table.
        for id in p.indicators() {
            if let Some(c) = Catalogue::bundled().get(id) {
                assert!(page.contains(&c.title), "{}: {id}", p.slug);
            }
        }
    }
    assert_eq!(
        (measures, actions),
        (39, 45),
        "the plan's measures and action rows"
    );
    // The one local target (the 100% vaccination goal) is judged.
    let (_, _, page) = get(&f.router, "/priority/children-and-young-people", &[]).await;
    let page = visible(&text(&page));
    assert!(
        page.contains("Local target: at least 100.0%. Target not met"),
        "{page}"
    );
    let (_, _, page) = get(&f.router, "/plan", &[]).await;
    let page = visible(&text(&page));
    assert!(
        page.contains("6 priorities, 1 local target (0 met for Halton), 45 actions."),
        "{page}"
    );
    let (_, _, page) = get(&f.router, "/partnership", &[]).await;
    let page = visible(&text(&page));
    assert!(
        page.contains("4 domains, 12 descriptors, each rated on 4 levels"),
        "{page}"
    );
    assert!(
        page.contains("Design & Delivery Digital Emerging"),
        "{page}"
    );
    assert!(page.contains("Governance Governance Established"), "{page}");
    assert!(
        page.contains("2 emerging, 8 evolving, 2 established, 0 thriving"),
        "{page}"
    );
    let (_, _, json) = get(&f.router, "/api/v1/board", &[]).await;
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let counts: Vec<usize> = json["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["actions"].as_array().unwrap().len())
        .collect();
    assert_eq!(counts, [3, 13, 7, 12, 6, 4]);
    // A link naming an edition that is not public says so.
    for path in [
        "/api/v1/board?edition=99",
        "/api/v1/board/actions.csv?edition=99",
        "/plan?edition=99",
    ] {
        let (status, _, _) = get(&f.router, path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, _, json) = get(&f.router, "/api/v1/partnership", &[]).await;
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["assessments"][0]["levels"]["digital"], "Emerging");
}

/// The demo edition's value for an indicator and area, straight from the
/// frame the pages are built from.
fn demo_value(config_env: &[(&str, &str)], id: &str, area: &str, sex: &str) -> (String, f64) {
    let vars: HashMap<String, String> = config_env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let df = hwb_outcomes::demo::frame(&config.region, &config.nation).unwrap();
    let s = |c: &str| df.column(c).unwrap().str().unwrap().clone();
    let (ids, areas, cats, periods, sexes) = (
        s("indicator_id"),
        s("area_code"),
        s("category_type"),
        s("period"),
        s("sex"),
    );
    let starts = df
        .column("period_start")
        .unwrap()
        .date()
        .unwrap()
        .physical()
        .clone();
    let values = df.column("value").unwrap().f64().unwrap().clone();
    let latest = (0..df.height())
        .filter(|&i| {
            ids.get(i) == Some(id)
                && areas.get(i) == Some(area)
                && cats.get(i) == Some("")
                && sexes.get(i) == Some(sex)
        })
        .max_by_key(|&i| starts.get(i))
        .unwrap();
    let period = periods.get(latest).unwrap().to_owned();
    let value = values.get(latest).unwrap();
    (period, value)
}

#[tokio::test]
async fn dashboard_pages_show_the_editions_numbers() {
    let f = fixture("pages", &[]);
    let (period, value) = demo_value(&[], "90366", "E06000006", "Male");
    let shown = format!("{value:.1}");
    for path in ["/", "/indicator/90366", "/overview"] {
        let (status, _, body) = get(&f.router, path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let html = text(&body);
        assert!(html.contains(&shown), "{path} shows {shown}");
    }
    let (_, cancer) = demo_value(&[], "40501", "E06000006", "Persons");
    let (_, _, body) = get(&f.router, "/priority/cancer", &[]).await;
    assert!(
        text(&body).contains(&format!("{cancer:.1}")),
        "priority page"
    );
    let (_, _, body) = get(&f.router, "/indicator/90366", &[]).await;
    let html = text(&body);
    assert!(
        html.contains(&format!("Halton {shown} years in {period}")),
        "headline sentence"
    );
    for needle in [
        "id=\"trend\"",
        "<figcaption",
        "<svg class=\"chart\" aria-hidden=\"true\"",
        "id=\"trend-table\"",
        "id=\"compare-table\"",
        "Download the data (CSV)",
        "A higher value is better",
    ] {
        assert!(html.contains(needle), "indicator page has {needle}");
    }
    let (status, _, _) = get(&f.router, "/indicator/no-such-indicator", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn api_serves_json_and_the_tables_csv() {
    let f = fixture("api", &[]);
    let (status, headers, body) = get(&f.router, "/api/v1/indicators", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["edition"]["label"], "Board, 10 December 2026");
    assert_eq!(
        json["indicators"].as_array().unwrap().len(),
        Catalogue::bundled().len(),
        "the demo covers every catalogued indicator"
    );

    let (period, value) = demo_value(&[], "90366", "E06000008", "Male");
    let (_, _, body) = get(&f.router, "/api/v1/indicators/90366?area=E06000008", &[]).await;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let last = json["rows"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["period"], period.as_str());
    assert_eq!(last["value"].as_f64().unwrap(), value, "exact, not rounded");
    assert_eq!(json["region"], "E12000002");

    let (status, headers, body) = get(
        &f.router,
        "/api/v1/indicators/90366.csv?area=E06000008",
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("90366-E06000008-edition-3.csv")
    );
    let csv = text(&body);
    assert!(csv.starts_with("period,area_code,area_name,value,lower_95,upper_95,region_value,nation_value,compared_region,compared_nation"));
    assert_eq!(
        csv.lines().count(),
        json["rows"].as_array().unwrap().len() + 1
    );
    assert!(csv.contains(&format!("{period},E06000008,")));
    assert!(csv.contains(&value.to_string()));

    for (uri, status) in [
        ("/api/v1/indicators/nope", StatusCode::NOT_FOUND),
        (
            "/api/v1/indicators/90366?breakdown=99",
            StatusCode::NOT_FOUND,
        ),
        ("/api/v1/indicators?edition=99", StatusCode::NOT_FOUND),
        ("/api/v1/indicators?edition=abc", StatusCode::NOT_FOUND),
        (
            "/api/v1/indicators/90366?breakdown=-1",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (got, _, body) = get(&f.router, uri, &[]).await;
        assert_eq!(got, status, "{uri}: {}", text(&body));
    }

    let (status, headers, body) = get(&f.router, "/indicator/90366/trend.svg", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "image/svg+xml; charset=utf-8"
    );
    assert!(text(&body).starts_with("<svg"));
    let (status, _, _) = get(&f.router, "/indicator/90366/pie.svg", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn links_keep_the_chosen_edition_and_area() {
    let vars: HashMap<String, String> = [(
        "LEPTOS_SITE_ROOT".to_owned(),
        std::env::temp_dir().to_string_lossy().into_owned(),
    )]
    .into();
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let mut older = edition("Board, 10 September 2026", false);
    older.id = 2;
    older.is_published = false;
    let router = hwb_outcomes::web::router(
        &config,
        editions(
            vec![edition("Board, 10 December 2026", false), older],
            &config,
        ),
    );
    let (_, _, body) = get(&router, "/priority/cancer?edition=2&area=E08000012", &[]).await;
    let html = text(&body);
    assert!(html.contains("Edition: Board, 10 September 2026 (an earlier edition"));
    assert!(
        html.contains("href=\"/indicator/40501?edition=2&amp;area=E08000012\""),
        "links keep edition and area"
    );
    assert!(
        html.contains("<select id=\"edition\" name=\"edition\""),
        "{html}"
    );
    assert!(html.contains("<option value=\"2\" selected>Board, 10 September 2026"));
    assert!(html.contains("Liverpool"), "the chosen area is shown");
    let (status, _, body) = get(&router, "/?edition=7", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text(&body).contains("There is no published edition 7."));
    // (That drafts stay private is shown against a real store, in
    // tests/accounts.rs: fixed editions are all public.)
    // An area outside the region falls back to the home area.
    let (_, _, body) = get(&router, "/priority/cancer?area=E09000001", &[]).await;
    assert!(text(&body).contains("indicators for Halton"));
}
