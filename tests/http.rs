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
    fixture_of(tag, env, |config| {
        editions(edition.into_iter().collect(), config)
    })
}

fn fixture_of(
    tag: &str,
    env: &[(&str, &str)],
    editions: impl FnOnce(&Config) -> std::sync::Arc<Editions>,
) -> Fixture {
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
        router: hwb_outcomes::web::router(&config, editions(&config)),
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
    // In a priority's table both comparison cells of a goal indicator say
    // that its colour is against the goal; other rows do not.
    let (status, _, body) = get(&f.router, "/priority/children-and-young-people", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let html = text(&body);
    let row = |title: &str| {
        let found = html
            .split(r#"<tr class="indicator-row">"#)
            .skip(1)
            .find(|r| r.contains(&format!(">{title}</a>")))
            .unwrap_or_else(|| panic!("no row {title}"));
        visible(found.split("</tr>").next().unwrap())
    };
    let mmr = row("MMR vaccination (one dose, age 2)");
    assert_eq!(mmr.matches("Against the goal").count(), 2, "{mmr}");
    let smoking = row("Smoking at time of delivery");
    assert!(!smoking.contains("goal"), "{smoking}");
}

/// A card's comparison line, "Compared with England: 4 better, 4 similar,
/// 1 worse[, 2 not judged]", as (benchmark, counts in the line's order).
fn split_counts(line: &str) -> (String, Vec<(String, usize)>) {
    let (benchmark, counts) = line
        .trim_start_matches("Compared with ")
        .split_once(": ")
        .unwrap();
    let counts = counts
        .split(", ")
        .map(|c| {
            let (n, word) = c.split_once(' ').unwrap();
            (word.to_owned(), n.parse().unwrap())
        })
        .collect();
    (benchmark.to_owned(), counts)
}

#[tokio::test]
async fn each_priority_card_draws_its_comparisons_as_stacked_bars() {
    let f = fixture("split-bars", &[]);
    let (_, _, body) = get(&f.router, "/", &[]).await;
    let html = text(&body);
    let lines: Vec<&str> = html
        .split("<li>Compared with ")
        .skip(1)
        .map(|l| l.split("</li>").next().unwrap())
        .collect();
    assert_eq!(lines.len(), 12, "two comparison lines on each of six cards");
    let (mut segments_seen, mut labelled) = (0, 0);
    for line in lines {
        let (words, svg) = line.split_once("<svg").expect("a bar after the words");
        let (benchmark, counts) = split_counts(&format!("Compared with {words}"));
        assert!(
            benchmark == "England" || benchmark == "North West",
            "{benchmark}"
        );
        assert!(
            svg.contains(r#"aria-hidden="true""#),
            "the words say it: {svg}"
        );
        let total: usize = counts.iter().map(|c| c.1).sum();
        // Each non-empty count is a segment, in the line's order, as wide
        // as its share of the bar's 240 units (less a 1-unit gap).
        let drawn: Vec<(String, usize, String)> = svg
            .split("<rect ")
            .skip(1)
            .map(|r| {
                let attr = |name: &str| {
                    r.split(&format!("{name}=\""))
                        .nth(1)
                        .unwrap()
                        .split('"')
                        .next()
                        .unwrap()
                        .to_owned()
                };
                let class = attr("class")
                    .trim_start_matches("split__seg split__seg--")
                    .to_owned();
                let label = r
                    .split("<text")
                    .nth(1)
                    .and_then(|t| t.split_once('>'))
                    .map_or("", |(_, rest)| rest.split('<').next().unwrap())
                    .to_owned();
                (class, attr("width").parse().unwrap(), label)
            })
            .collect();
        let expected: Vec<&(String, usize)> = counts.iter().filter(|c| c.1 > 0).collect();
        assert_eq!(drawn.len(), expected.len(), "{line}");
        for ((class, width, label), (word, n)) in drawn.iter().zip(expected) {
            let class_word = if class == "none" { "not judged" } else { class };
            assert!(word.starts_with(class_word), "{class} for {word} in {line}");
            let share = n * 240 / total;
            assert!(
                width.abs_diff(share) <= 1,
                "{word}: width {width}, share {share} in {line}"
            );
            assert!(
                label.is_empty() || *label == n.to_string() || *label == format!("{n} {word}"),
                "{label} on {n} {word}"
            );
            labelled += usize::from(!label.is_empty());
            segments_seen += 1;
        }
    }
    assert!(segments_seen >= 24, "{segments_seen} segments");
    assert!(labelled >= 24, "counts are written on the bars: {labelled}");
}

/// Every public page of the demo edition: home, plan, overview, other
/// indicators, each priority and each indicator (from the API's list).
async fn public_pages(router: &axum::Router) -> Vec<String> {
    let mut pages: Vec<String> = ["/", "/plan", "/overview", "/other"]
        .map(String::from)
        .into();
    for p in board("data/boards/halton.toml").priorities {
        pages.push(format!("/priority/{}", p.slug));
    }
    let (_, _, body) = get(router, "/api/v1/indicators", &[]).await;
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    for ind in list["indicators"].as_array().unwrap() {
        pages.push(format!("/indicator/{}", ind["id"].as_str().unwrap()));
    }
    pages
}

/// An edition from a Fingertips-shaped export of one indicator the
/// catalogue does not know, so it has no unit: its polarity comes from the
/// file's own comparisons.
fn unknown_unit_editions(config: &Config) -> std::sync::Arc<Editions> {
    use hwb_outcomes::{areas::Gazetteer, ingest};
    let mut csv = String::from(
        "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Compared to Region value or percentiles,Time period Sortable,New data,Compared to goal\n",
    );
    for (year, halton) in [(2021, 15.1), (2022, 14.2), (2023, 13.0)] {
        for (code, name, kind, v, vs) in [
            ("E92000001", "England", "England", 12.0, ""),
            ("E12000002", "North West region", "Region", 13.1, "Worse"),
            ("E06000006", "Halton", "UA", halton, "Worse"),
        ] {
            csv += &format!(
                "99901,Adults who smoke (local survey),E12000002,North West region,{code},{name},{kind},Persons,18+ yrs,,,{year},{v},{},{},,,,,,,{vs},,{year}0000,,\n",
                v - 0.4,
                v + 0.4
            );
        }
    }
    let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
    let read = ingest::read(
        "survey.csv",
        csv.as_bytes(),
        None,
        &ingest::Context::new(&c, &g),
    );
    assert!(read.report.is_valid(), "{:#?}", read.report.errors);
    let empty = hwb_outcomes::metadata::to_frame(&[]).unwrap();
    let (df, meta) = hwb_outcomes::analysis::analyse_edition(
        read.frame.unwrap(),
        empty,
        &c,
        &g,
        &config.nation.code,
    )
    .unwrap();
    let others = hwb_outcomes::metadata::from_frame(&meta).unwrap();
    assert!(others.iter().all(|o| o.unit.is_empty()), "{others:?}");
    let full = c.with(others);
    let dataset = Dataset::build(edition("Survey", false), &df, &full).unwrap();
    std::sync::Arc::new(Editions::fixed(vec![dataset], std::sync::Arc::new(full)))
}

#[tokio::test]
async fn no_page_prints_an_empty_unit_in_brackets() {
    let demo = fixture("brackets", &[]);
    let mut pages: Vec<(&axum::Router, String)> = public_pages(&demo.router)
        .await
        .into_iter()
        .map(|p| (&demo.router, p))
        .collect();
    assert!(pages.len() > 40, "{} pages", pages.len());
    let survey = fixture_of("brackets-survey", &[], unknown_unit_editions);
    for uri in ["/", "/other", "/overview", "/indicator/99901"] {
        pages.push((&survey.router, uri.to_owned()));
    }
    let mut captions = 0;
    for (router, uri) in &pages {
        let (status, _, body) = get(router, uri, &[]).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let html = text(&body);
        // Captions are where a unit is named: "Adults who smoke (%) by period".
        for caption in html.split("<caption").skip(1) {
            let caption = visible(&format!(
                "<caption{}",
                caption.split("</caption>").next().unwrap()
            ));
            assert!(
                !caption.contains("()") && !caption.contains("( )"),
                "{uri}: {caption}"
            );
            captions += 1;
        }
        // The page's words, without its scripts.
        let words: String = html
            .split("<script")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once("</script>").map_or("", |p| p.1)
                }
            })
            .collect();
        let page = visible(&words);
        assert!(
            !page.contains("()") && !page.contains("( )"),
            "{uri}: empty brackets in the text"
        );
    }
    assert!(captions > 100, "only {captions} captions read");
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
