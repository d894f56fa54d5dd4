//! Accounts, sessions and the protection of every change, in-process
//! against a real store: anonymous and cross-site changes are refused,
//! sign-in is throttled, and publishing and rolling back need an analyst.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::config::Config;
use hwb_outcomes::editions::Editions;
use hwb_outcomes::store::{Role, Store};
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;

struct Site {
    router: axum::Router,
    store: Arc<Store>,
    editions: Arc<Editions>,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "a long enough password";

async fn site() -> Site {
    site_with(&[]).await
}

async fn site_with(env: &[(&str, &str)]) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> = [
        (
            "HWB_DATA_DIR".to_owned(),
            dir.path().join("data").to_string_lossy().into_owned(),
        ),
        (
            "LEPTOS_SITE_ROOT".to_owned(),
            dir.path().to_string_lossy().into_owned(),
        ),
    ]
    .into();
    vars.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let store = Arc::new(Store::open(&config.data_dir).await.unwrap());
    hwb_outcomes::demo::install_if_empty(&store, &config)
        .await
        .unwrap();
    // A second edition, a draft, to publish and roll back.
    let uploads = store.uploads().await.unwrap();
    let (catalogue, gazetteer) = (
        Catalogue::bundled(),
        hwb_outcomes::areas::Gazetteer::bundled(),
    );
    store
        .create_edition(
            "Board, 10 December 2026",
            &[uploads[0].id],
            false,
            "test",
            |df, meta| {
                hwb_outcomes::analysis::analyse_edition(
                    df,
                    meta,
                    &catalogue,
                    &gazetteer,
                    "E92000001",
                )
            },
        )
        .await
        .unwrap();
    for (email, role) in [
        ("analyst@example.org", Role::Analyst),
        ("admin@example.org", Role::Admin),
    ] {
        let hash = hwb_outcomes::auth::hash_password(PASSWORD).unwrap();
        store.add_user(email, role, &hash, "test").await.unwrap();
    }
    let editions = Arc::new(
        Editions::open(store.clone(), Arc::new(Catalogue::bundled()))
            .await
            .unwrap(),
    );
    Site {
        router: hwb_outcomes::server::router(&config, editions.clone()),
        store,
        editions,
        _dir: dir,
    }
}

async fn send(
    router: &axum::Router,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = router.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let body = to_bytes(body, usize::MAX).await.unwrap();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn post(uri: &str, form: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "dashboard.example")
        .header(header::ORIGIN, "http://dashboard.example");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::from(form.to_owned())).unwrap()
}

fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::empty()).unwrap()
}

/// Posts the sign-in form; `password` as typed (spaces become `+`).
async fn try_sign_in(
    site: &Site,
    email: &str,
    password: &str,
) -> (StatusCode, axum::http::HeaderMap) {
    let form = format!(
        "email={}&password={}&next=%2Feditions",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    );
    let (status, headers, _) = send(&site.router, post("/login", &form, None)).await;
    (status, headers)
}

async fn sign_in(site: &Site, email: &str) -> String {
    let (status, headers) = try_sign_in(site, email, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/editions");
    let cookie = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{cookie} has {attr}");
    }
    cookie.split(';').next().unwrap().to_owned()
}

fn published(site: &Site) -> i64 {
    site.editions.published().unwrap().edition.id
}

#[tokio::test]
async fn anonymous_and_cross_site_changes_are_refused_and_change_nothing() {
    let site = site().await;
    assert_eq!(published(&site), 1);
    let (status, headers, _) = send(&site.router, post("/editions/2/publish", "", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    let (status, _, _) = send(&site.router, get("/editions", None)).await;
    assert_eq!(
        status,
        StatusCode::FOUND,
        "pages for analysts send visitors to sign in"
    );

    let cookie = sign_in(&site, "analyst@example.org").await;
    let mut cross = post("/editions/2/publish", "", Some(&cookie));
    cross
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    let (status, _, body) = send(&site.router, cross).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("came from another site"));
    let mut cross = post("/editions/2/publish", "", Some(&cookie));
    cross
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    let (status, _, _) = send(&site.router, cross).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(
        published(&site),
        1,
        "nothing refused changed the published edition"
    );
    assert_eq!(site.store.published().await.unwrap().unwrap().id, 1);
}

#[tokio::test]
async fn an_analyst_publishes_and_rolls_back_with_an_audit_trail() {
    let site = site().await;
    let cookie = sign_in(&site, "analyst@example.org").await;
    let (status, _, body) = send(&site.router, get("/editions", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Board, 10 December 2026") && body.contains("Draft"));
    assert!(
        body.contains("Edition 1 plus illustrative-demo-data.csv"),
        "what it changed: {body}"
    );
    let (status, _, body) = send(&site.router, get("/editions/2/publish", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Publish this edition?"),
        "a confirmation step"
    );

    let (status, headers, _) =
        send(&site.router, post("/editions/2/publish", "", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "published");
    assert_eq!(headers[header::LOCATION], "/editions?published=2");
    assert_eq!(published(&site), 2, "the dashboard shows it at once");
    let (_, _, body) = send(&site.router, get("/", None)).await;
    assert!(body.contains("Edition: Board, 10 December 2026"));

    let (_, _, body) = send(&site.router, get("/editions/1/publish", Some(&cookie))).await;
    assert!(body.contains("Roll back to this edition?"));
    send(&site.router, post("/editions/1/publish", "", Some(&cookie))).await;
    assert_eq!(published(&site), 1, "rolled back");

    let (status, _, csv) = send(&site.router, get("/audit.csv", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    for action in ["sign in", "publish", "roll back"] {
        assert!(
            csv.contains(&format!(",{action},")),
            "audit has {action}: {csv}"
        );
    }
    assert!(csv.contains("analyst@example.org"));
    let (status, _, body) = send(&site.router, get("/audit", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("id=\"audit-table\""));

    // Signing out ends the session on the server, not only in the browser.
    let (status, headers, _) = send(&site.router, post("/logout", "", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _, _) = send(&site.router, post("/editions/2/publish", "", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(published(&site), 1);
}

#[tokio::test]
async fn the_sixth_wrong_password_is_throttled_even_when_right() {
    let site = site().await;
    for _ in 0..5 {
        let (_, headers) = try_sign_in(&site, "analyst@example.org", "wrong password here").await;
        assert!(
            headers[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login?error=invalid")
        );
    }
    let (status, headers) = try_sign_in(&site, "analyst@example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers.get(header::SET_COOKIE).is_none(),
        "no session while throttled"
    );
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with("/login?error=throttled"), "{location}");
    let (status, _, body) = send(&site.router, get(&location, None)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("Too many failed attempts to sign in"));
}

#[tokio::test]
async fn only_admins_manage_users_and_disabled_users_cannot_sign_in() {
    let site = site().await;
    let analyst = sign_in(&site, "analyst@example.org").await;
    let (status, _, _) = send(&site.router, get("/admin/users", Some(&analyst))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(
        &site.router,
        post(
            "/admin/users",
            "email=new%40example.org&role=analyst&password=another+long+password",
            Some(&analyst),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = sign_in(&site, "admin@example.org").await;
    let (_, headers, _) = send(
        &site.router,
        post(
            "/admin/users",
            "email=new%40example.org&role=analyst&password=another+long+password",
            Some(&admin),
        ),
    )
    .await;
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("Added%20new%40example.org")
    );
    let (status, _, body) = send(&site.router, get("/admin/users", Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("new@example.org"));

    let id = site
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "analyst@example.org")
        .unwrap()
        .id;
    send(
        &site.router,
        post(
            &format!("/admin/users/{id}/active"),
            "active=false",
            Some(&admin),
        ),
    )
    .await;
    let (status, _, _) = send(&site.router, get("/editions", Some(&analyst))).await;
    assert_eq!(status, StatusCode::FOUND, "a disabled user's session ends");
    let (_, headers) = try_sign_in(&site, "analyst@example.org", PASSWORD).await;
    assert!(headers.get(header::SET_COOKIE).is_none());
}

fn multipart(files: &[(&str, &[u8])], cookie: Option<&str>) -> Request<Body> {
    let boundary = "hwbboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut req = Request::post("/upload")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::HOST, "dashboard.example")
        .header(header::ORIGIN, "http://dashboard.example");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.body(Body::from(body)).unwrap()
}

fn example() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/template-example.csv"
    ))
    .unwrap()
}

#[tokio::test]
async fn uploads_need_an_analyst_and_an_over_size_one_gets_a_readable_413() {
    let site = site_with(&[("HWB_MAX_BODY_BYTES", "2000")]).await;
    let (status, headers, _) = send(&site.router, multipart(&[("a.csv", b"x")], None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    let cookie = sign_in(&site, "analyst@example.org").await;
    let big = vec![b'a'; 5000];
    let (status, headers, body) =
        send(&site.router, multipart(&[("big.csv", &big)], Some(&cookie))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains("The file is too large") && body.contains("dashboard is unchanged"));
    assert_eq!(
        site.store.uploads().await.unwrap().len(),
        1,
        "only the demo upload"
    );
    assert_eq!(published(&site), 1);
}

#[tokio::test]
async fn a_broken_upload_shows_rows_and_columns_and_changes_nothing() {
    let site = site().await;
    let cookie = sign_in(&site, "analyst@example.org").await;
    let mut broken = String::from_utf8(example()).unwrap();
    broken.push_str("93085,Smoking status at time of delivery,E06000006,Halton,Persons,All ages,,,2024/25,abc,,,,,,,\n");
    let (status, headers, _) = send(
        &site.router,
        multipart(&[("broken.csv", broken.as_bytes())], Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let result = headers[header::LOCATION].to_str().unwrap().to_owned();
    let (status, _, body) = send(&site.router, get(&result, Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("The files have errors"), "{body}");
    let rows = broken.lines().count();
    assert!(
        body.contains(&format!("<td class=\"table__cell--numeric\">{rows}</td>")),
        "the row number"
    );
    assert!(body.contains("not a number"));
    let (status, _, csv) = send(
        &site.router,
        get(&format!("{result}/errors.csv"), Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with("file,row,column,value,message"));
    assert!(csv.contains(&format!("broken.csv,{rows},")));
    assert_eq!(
        site.store.uploads().await.unwrap().len(),
        1,
        "nothing stored"
    );
    assert_eq!(published(&site), 1);
    // Another analyst cannot read it.
    let admin = sign_in(&site, "admin@example.org").await;
    let (_, _, body) = send(&site.router, get(&result, Some(&admin))).await;
    assert!(body.contains("expired"));
}

#[tokio::test]
async fn a_valid_upload_previews_then_becomes_a_draft_then_is_published() {
    let site = site().await;
    let cookie = sign_in(&site, "analyst@example.org").await;
    let (_, headers, _) = send(
        &site.router,
        multipart(&[("example.csv", &example())], Some(&cookie)),
    )
    .await;
    let result = headers[header::LOCATION].to_str().unwrap().to_owned();
    let (_, _, body) = send(&site.router, get(&result, Some(&cookie))).await;
    assert!(body.contains("Files checked: no errors"), "{body}");
    assert!(body.contains("id=\"preview-summary\""));
    assert!(body.contains("values unchanged") && body.contains("revised values"));
    assert_eq!(published(&site), 1, "checking changes nothing");

    let (status, headers, _) = send(
        &site.router,
        post(
            &format!("{result}/draft"),
            "label=Board%2C+11+March+2027",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let confirm = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(confirm, "/editions/3/publish");
    assert_eq!(published(&site), 1, "a draft is not published");
    send(&site.router, post("/editions/3/publish", "", Some(&cookie))).await;
    assert_eq!(published(&site), 3);
    assert_eq!(
        site.editions.published().unwrap().edition.label,
        "Board, 11 March 2027"
    );
}

#[path = "support/fingertips.rs"]
mod fingertips;

/// "Get the latest from Fingertips": an analyst starts it, watches its
/// progress, and lands on the usual checked-and-previewed upload result;
/// a failure says what failed and changes nothing; anonymous visitors are
/// sent to sign in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysts_get_the_latest_from_fingertips_on_the_web() {
    let fake = fingertips::start().await;
    let site = site_with(&[("HWB_FINGERTIPS_URL", &fake.url())]).await;
    let (status, headers, _) = send(&site.router, post("/fetch", "", None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "anonymous: to sign in");
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );

    let cookie = sign_in(&site, "analyst@example.org").await;
    let (_, _, form) = send(&site.router, get("/upload", Some(&cookie))).await;
    assert!(form.contains("action=\"/fetch\"") && form.contains("Get the latest from Fingertips"));
    let watch = |fake_mode: fingertips::Mode| {
        fake.set(fake_mode);
        async {
            let (status, headers, _) = send(&site.router, post("/fetch", "", Some(&cookie))).await;
            assert_eq!(status, StatusCode::SEE_OTHER);
            let job = headers[header::LOCATION].to_str().unwrap().to_owned();
            assert!(job.starts_with("/fetch/"), "{job}");
            for _ in 0..600 {
                let (status, headers, body) = send(&site.router, get(&job, Some(&cookie))).await;
                if status == StatusCode::OK {
                    assert!(
                        body.contains("requests done") && body.contains("http-equiv=\"refresh\""),
                        "{body}"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
                return (status, headers, body);
            }
            panic!("the fetch never ended");
        }
    };
    let before = published(&site);
    let (status, headers, body) = watch(fingertips::Mode::Normal).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let result = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(result.starts_with("/upload/"), "{result}");
    let (_, _, page) = send(&site.router, get(&result, Some(&cookie))).await;
    assert!(page.contains("Files checked: no errors"), "{page}");
    assert!(page.contains("id=\"preview-summary\""), "previewed");
    assert_eq!(published(&site), before, "nothing is published by fetching");

    let (status, _, body) = watch(fingertips::Mode::ServerError).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        body.contains(&fake.url()) && body.contains("500") && body.contains("Nothing was stored"),
        "{body}"
    );
    assert_eq!(published(&site), before);
}
