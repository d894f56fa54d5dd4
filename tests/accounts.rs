//! Accounts, sessions and the protection of every change, in-process
//! against a real store: anonymous and cross-site changes are refused,
//! sign-in is throttled, and publishing and rolling back need an analyst.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::editions::Editions;
use hwb_outcomes::store::{Role, Store};
use std::sync::Arc;
use tower::ServiceExt;

#[path = "support/html.rs"]
mod html;
use html::visible;
#[path = "support/demo_store.rs"]
mod demo_store;
use demo_store::demo_store;

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
    let (config, store, dir) = demo_store(env).await;
    // A second edition, a draft, to publish and roll back.
    add_edition(&store, "Board, 10 December 2026").await;
    for (email, role) in [
        ("analyst@example.org", Role::Analyst),
        ("admin@example.org", Role::Admin),
    ] {
        let hash = hwb_outcomes::accounts::password::hash_password(PASSWORD).unwrap();
        store.add_user(email, role, &hash, "test").await.unwrap();
    }
    let editions = Arc::new(
        Editions::open(store.clone(), Arc::new(Catalogue::bundled()))
            .await
            .unwrap(),
    );
    Site {
        router: hwb_outcomes::web::router(&config, editions.clone()),
        store,
        editions,
        _dir: dir,
    }
}

/// A draft edition on the published one, adding the store's first upload.
async fn add_edition(store: &Store, label: &str) -> hwb_outcomes::store::Edition {
    let uploads = store.uploads().await.unwrap();
    let (catalogue, gazetteer) = (
        Catalogue::bundled(),
        hwb_outcomes::areas::Gazetteer::bundled(),
    );
    let analyse = |df, meta| {
        hwb_outcomes::analysis::analyse_edition(df, meta, &catalogue, &gazetteer, "E92000001")
    };
    store
        .create_edition(label, &[uploads[0].id], false, "test", analyse)
        .await
        .unwrap()
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
    let done = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(done.starts_with("/admin/users?done=added&user="), "{done}");
    let (status, _, body) = send(&site.router, get(&done, Some(&admin))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Added new@example.org as analyst."), "{body}");
    // The notice comes from fixed codes: a crafted link shows nothing.
    let (_, _, body) = send(
        &site.router,
        get(
            "/admin/users?message=Call+01234&done=Call+01234",
            Some(&admin),
        ),
    )
    .await;
    assert!(!body.contains("01234"));

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

/// Uploads the project's example file; the result page it leads to.
async fn upload_example(site: &Site, cookie: &str) -> String {
    let (_, headers, _) = send(
        &site.router,
        multipart(&[("example.csv", &example())], Some(cookie)),
    )
    .await;
    headers[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_valid_upload_previews_then_becomes_a_draft_then_is_published() {
    let site = site().await;
    let cookie = sign_in(&site, "analyst@example.org").await;
    let result = upload_example(&site, &cookie).await;
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

fn from(mut req: Request<Body>, address: &str) -> Request<Body> {
    let addr: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    req
}

fn sign_in_form(email: &str, password: &str) -> String {
    format!(
        "email={}&password={}&next=",
        email.replace('@', "%40"),
        password.replace(' ', "+")
    )
}

async fn location(site: &Site, req: Request<Body>) -> String {
    let (_, headers, _) = send(&site.router, req).await;
    headers[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_lock_out_holds_for_the_guessing_address_not_for_the_analyst() {
    let site = site().await;
    let wrong = sign_in_form("analyst@example.org", "wrong password here");
    for _ in 0..5 {
        let to = location(&site, from(post("/login", &wrong, None), "203.0.113.7")).await;
        assert!(to.contains("error=invalid"), "{to}");
    }
    let right = sign_in_form("analyst@example.org", PASSWORD);
    let to = location(&site, from(post("/login", &right, None), "203.0.113.7")).await;
    assert!(to.contains("error=throttled"), "{to}");
    // From the analyst's own desk the right password still works.
    let (_, headers, _) = send(
        &site.router,
        from(post("/login", &right, None), "198.51.100.2"),
    )
    .await;
    assert!(headers.get(header::SET_COOKIE).is_some(), "signed in");
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let site = site_with(&[("HWB_TRUSTED_PROXY", "10.0.0.1")]).await;
    let via = |client: &str, form: &str| {
        let mut req = from(post("/login", form, None), "10.0.0.1");
        req.headers_mut()
            .insert("x-forwarded-for", client.parse().unwrap());
        req
    };
    let wrong = sign_in_form("analyst@example.org", "wrong password here");
    for _ in 0..5 {
        location(&site, via("203.0.113.7", &wrong)).await;
    }
    let right = sign_in_form("analyst@example.org", PASSWORD);
    assert!(
        location(&site, via("203.0.113.7", &right))
            .await
            .contains("throttled")
    );
    // Everyone else behind the same proxy is not locked out.
    let (_, headers, _) = send(&site.router, via("198.51.100.2", &right)).await;
    assert!(headers.get(header::SET_COOKIE).is_some());
    // A client claiming an address through an untrusted peer is the peer.
    let direct = site_with(&[]).await;
    for _ in 0..5 {
        let mut req = from(post("/login", &wrong, None), "10.0.0.9");
        req.headers_mut()
            .insert("x-forwarded-for", "192.0.2.1".parse().unwrap());
        location(&direct, req).await;
    }
    let mut req = from(post("/login", &right, None), "10.0.0.9");
    req.headers_mut()
        .insert("x-forwarded-for", "192.0.2.99".parse().unwrap());
    assert!(location(&direct, req).await.contains("throttled"));
}

#[tokio::test]
async fn drafts_stay_private_until_published() {
    let site = site().await;
    // Edition 2 is a draft in the store.
    assert!(site.store.edition(2).await.unwrap().published_at.is_none());
    let (status, _, body) = send(&site.router, get("/?edition=2", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("There is no published edition 2."), "{body}");
    assert!(
        !body.contains("Board, 10 December 2026"),
        "the draft's label leaks"
    );
    let (status, _, _) = send(&site.router, get("/api/v1/indicators?edition=2", None)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let cookie = sign_in(&site, "analyst@example.org").await;
    send(&site.router, post("/editions/2/publish", "", Some(&cookie))).await;
    let (status, _, body) = send(&site.router, get("/?edition=2", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Board, 10 December 2026"));
}

#[tokio::test]
async fn a_new_sign_in_ends_old_sessions_and_cookies_can_be_forced_secure() {
    let site = site_with(&[("HWB_SECURE_COOKIES", "true")]).await;
    let (_, headers) = try_sign_in(&site, "analyst@example.org", PASSWORD).await;
    let set = headers[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.contains("Secure"), "{set}");
    let first = set.split(';').next().unwrap().to_owned();
    let (status, _, _) = send(&site.router, get("/editions", Some(&first))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, _) = send(&site.router, get("/", None)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=31536000")
    );
    let (_, headers) = try_sign_in(&site, "analyst@example.org", PASSWORD).await;
    let second = headers[header::SET_COOKIE].to_str().unwrap();
    let second = second.split(';').next().unwrap().to_owned();
    let (status, _, _) = send(&site.router, get("/editions", Some(&first))).await;
    assert_eq!(status, StatusCode::FOUND, "the old session ended");
    let (status, _, _) = send(&site.router, get("/editions", Some(&second))).await;
    assert_eq!(status, StatusCode::OK);
    // Without the setting, plain http gets no Secure cookie and no HSTS.
    let plain = site_with(&[]).await;
    let (_, headers) = try_sign_in(&plain, "analyst@example.org", PASSWORD).await;
    assert!(
        !headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    let (_, headers, _) = send(&plain.router, get("/", None)).await;
    assert!(headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

/// Posts the password form; where it leads.
async fn change_password(
    site: &Site,
    session: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> String {
    let form = format!(
        "current={}&new={}&confirm={}",
        current.replace(' ', "+"),
        new.replace(' ', "+"),
        confirm.replace(' ', "+")
    );
    location(site, post("/account/password", &form, Some(session))).await
}

#[tokio::test]
async fn users_change_their_password_and_admins_reset_one() {
    let site = site().await;
    let session = sign_in(&site, "analyst@example.org").await;
    for ((current, new, confirm), outcome) in [
        (
            (
                "not it at all",
                "a brand new password",
                "a brand new password",
            ),
            "error=current",
        ),
        (
            (PASSWORD, "a brand new password", "another one entirely"),
            "error=mismatch",
        ),
        ((PASSWORD, "short", "short"), "error=length"),
        (
            (PASSWORD, "a brand new password", "a brand new password"),
            "done=changed",
        ),
    ] {
        let to = change_password(&site, &session, current, new, confirm).await;
        assert_eq!(to, format!("/account/password?{outcome}"));
    }
    let (status, _, _) = send(&site.router, get("/editions", Some(&session))).await;
    assert_eq!(status, StatusCode::OK, "the session that changed it stays");
    let (_, headers) = try_sign_in(&site, "analyst@example.org", PASSWORD).await;
    assert!(
        headers.get(header::SET_COOKIE).is_none(),
        "the old password is gone"
    );
    let (_, headers) = try_sign_in(&site, "analyst@example.org", "a brand new password").await;
    assert!(headers.get(header::SET_COOKIE).is_some());

    // An admin resets it: the analyst's sessions end, and the temporary
    // password leads only to choosing a new one.
    let admin = sign_in(&site, "admin@example.org").await;
    let id = site
        .store
        .users()
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "analyst@example.org")
        .unwrap()
        .id;
    let to = location(
        &site,
        post(
            &format!("/admin/users/{id}/password"),
            "password=temporary+password+1",
            Some(&admin),
        ),
    )
    .await;
    assert_eq!(to, format!("/admin/users?done=reset&user={id}"));
    let (status, _, _) = send(&site.router, get("/editions", Some(&session))).await;
    assert_eq!(status, StatusCode::FOUND, "sessions ended by the reset");
    let (_, headers) = try_sign_in(&site, "analyst@example.org", "temporary password 1").await;
    assert_eq!(headers[header::LOCATION], "/account/password?reason=reset");
    let temp = headers[header::SET_COOKIE].to_str().unwrap();
    let temp = temp.split(';').next().unwrap().to_owned();
    let (status, headers, _) = send(&site.router, get("/editions", Some(&temp))).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers[header::LOCATION], "/account/password?reason=reset");
    let (status, headers, _) =
        send(&site.router, post("/editions/2/publish", "", Some(&temp))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/account/password?reason=reset");
    assert_eq!(published(&site), 1, "nothing changes before a new password");
    let (_, _, page) = send(&site.router, get("/account/password", Some(&temp))).await;
    assert!(
        page.contains("An administrator reset your password"),
        "{page}"
    );
    let to = change_password(
        &site,
        &temp,
        "temporary password 1",
        "my own password now",
        "my own password now",
    )
    .await;
    assert_eq!(to, "/account/password?done=changed");
    let (status, _, _) = send(&site.router, get("/editions", Some(&temp))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_stale_draft_is_refused_and_rebuilt_keeping_both_sets_of_rows() {
    let site = site().await;
    let cookie = sign_in(&site, "analyst@example.org").await;
    // Previewed against edition 1…
    let result = upload_example(&site, &cookie).await;
    // …then edition 2 is published…
    send(&site.router, post("/editions/2/publish", "", Some(&cookie))).await;
    assert_eq!(published(&site), 2);
    // …then the draft is saved from the old preview: built on 1.
    let confirm = location(
        &site,
        post(&format!("{result}/draft"), "label=Late", Some(&cookie)),
    )
    .await;
    assert_eq!(confirm, "/editions/3/publish");
    assert_eq!(site.store.edition(3).await.unwrap().base_id, Some(1));
    let (status, _, page) = send(&site.router, get(&confirm, Some(&cookie))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("This draft is out of date") && page.contains("Rebuild on edition 2"));
    let to = location(&site, post("/editions/3/publish", "", Some(&cookie))).await;
    assert_eq!(to, "/editions/3/publish?stale=1");
    assert_eq!(published(&site), 2, "refused: edition 2 stays");
    let to = location(&site, post("/editions/3/rebuild", "", Some(&cookie))).await;
    assert_eq!(to, "/editions/4/publish");
    let rebuilt = site.store.edition(4).await.unwrap();
    assert_eq!(rebuilt.base_id, Some(2));
    assert!(rebuilt.rows >= site.store.edition(2).await.unwrap().rows);
    send(&site.router, post("/editions/4/publish", "", Some(&cookie))).await;
    assert_eq!(published(&site), 4);
    // Rolling back says what it stops showing.
    let (_, _, page) = send(&site.router, get("/editions/1/publish", Some(&cookie))).await;
    assert!(page.contains("id=\"rollback-removes\""), "{page}");
    assert!(
        page.contains("edition 4 (Late)") && page.contains("edition 2 ("),
        "{page}"
    );
}

#[tokio::test]
async fn progress_and_key_messages_appear_only_in_editions_made_after_them() {
    let site = site().await;
    let cookie = sign_in(&site, "analyst@example.org").await;
    let message = "Screening uptake rose this year.\r\n\r\n- Bowel screening up\r\n- Breast screening flat <b>";
    let form = format!(
        "message={}&status-ca-1=on-track&note-ca-1=Two+centres+open&as_of-ca-1=2026-11-30&status-ca-2=",
        form_urlencoded::byte_serialize(message.as_bytes()).collect::<String>()
    );
    // Only an analyst may write, and only on this site.
    let (status, headers, _) =
        send(&site.router, post("/editions/2/plan/cancer", &form, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert!(
        site.store
            .edition_plan(2)
            .await
            .unwrap()
            .messages
            .is_empty()
    );

    let (status, headers, _) = send(
        &site.router,
        post("/editions/2/plan/cancer", &form, Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers[header::LOCATION],
        "/editions/2/plan?saved=cancer#cancer"
    );
    let (_, _, page) = send(&site.router, get("/editions/2/plan", Some(&cookie))).await;
    assert!(
        page.contains(r#"value="Two centres open""#),
        "the form shows what was saved"
    );

    // Edition 1 is published; the draft's reports are not public yet.
    let (_, _, before) = send(&site.router, get("/priority/cancer", None)).await;
    assert!(!visible(&before).contains("Screening uptake rose"));
    assert!(!visible(&before).contains("Two centres open"));

    send(&site.router, post("/editions/2/publish", "", Some(&cookie))).await;
    assert_eq!(published(&site), 2);
    let (_, _, now) = send(&site.router, get("/priority/cancer", None)).await;
    let text = visible(&now);
    assert!(
        text.contains("Key messages Screening uptake rose this year."),
        "{text}"
    );
    assert!(text.contains("Bowel screening up"));
    assert!(
        now.contains("Breast screening flat &lt;b&gt;"),
        "escaped on output"
    );
    assert!(
        text.contains(
            "On track Two centres open As of 2026-11-30 Changed since the previous edition"
        ),
        "{text}"
    );
    let (_, _, home) = send(&site.router, get("/", None)).await;
    assert!(visible(&home).contains("Screening uptake rose this year."));
    // A board paper's link to the earlier edition shows what it reported.
    let (_, _, earlier) = send(&site.router, get("/priority/cancer?edition=1", None)).await;
    assert!(!visible(&earlier).contains("Screening uptake rose"));
    assert!(!visible(&earlier).contains("Two centres open"));
    let (_, _, json) = send(&site.router, get("/api/v1/board", None)).await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let cancer = &json["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "cancer")
        .unwrap();
    assert_eq!(cancer["actions"][0]["progress"]["status"], "on-track");
    assert_eq!(cancer["actions"][0]["changed_since_previous"], true);
    assert!(
        cancer["key_message"]
            .as_str()
            .unwrap()
            .starts_with("Screening uptake rose")
    );
    let (_, _, csv) = send(&site.router, get("/api/v1/board/actions.csv", None)).await;
    assert!(csv.contains("cancer,ca-1,Early diagnosis,"), "{csv}");
    assert!(
        csv.contains(",on-track,Two centres open,2026-11-30,true"),
        "{csv}"
    );

    // Published, it is fixed.
    let (status, _, body) = send(
        &site.router,
        post("/editions/2/plan/cancer", "message=changed", Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("published"), "{body}");
    assert!(site.store.edition_plan(2).await.unwrap().messages["cancer"].starts_with("Screening"));

    // The next edition starts from the progress reported, not the messages.
    let next = add_edition(&site.store, "Board, March 2027").await;
    let plan = site.store.edition_plan(next.id).await.unwrap();
    assert_eq!(plan.progress["ca-1"].note, "Two centres open");
    assert!(plan.messages.is_empty());

    // A bad value names the field and what is valid; nothing is recorded.
    let (status, _, body) = send(
        &site.router,
        post(
            &format!("/editions/{}/plan/cancer", next.id),
            "status-ca-1=finished",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("ca-1") && body.contains("finished") && body.contains("on-track"),
        "{body}"
    );
    let (status, _, _) = send(
        &site.router,
        post(
            &format!("/editions/{}/plan/no-such-priority", next.id),
            "message=x",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(site.store.edition_plan(next.id).await.unwrap(), plan);

    let (_, _, audit) = send(&site.router, get("/audit.csv", Some(&cookie))).await;
    for action in ["record progress", "record key message"] {
        assert!(audit.contains(&format!(",{action},")), "audit has {action}");
    }
}

#[tokio::test]
async fn analysts_add_a_partnership_assessment_beside_the_baseline() {
    let site = site().await;
    let (_, _, page) = send(&site.router, get("/partnership", None)).await;
    let text = visible(&page);
    assert!(
        text.contains("Design & Delivery Digital Emerging"),
        "{text}"
    );
    assert!(text.contains("October 2021 baseline"));
    assert!(text.contains("Established by April 2022"), "the trajectory");
    assert!(page.contains("<svg"), "the chart");

    let form = "date=2027-04-01&label=April+2027+review&level-digital=Evolving&note-digital=Shared+care+record+live&level-governance=Thriving";
    let (status, headers, _) = send(&site.router, post("/partnership", form, None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert!(site.store.assessments().await.unwrap().is_empty());

    let cookie = sign_in(&site, "analyst@example.org").await;
    let (status, _, body) = send(
        &site.router,
        post(
            "/partnership",
            "date=2027-04-01&label=X&level-digital=Brilliant",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body.contains("Brilliant") && body.contains("Emerging"),
        "{body}"
    );
    let (status, _, body) = send(
        &site.router,
        post(
            "/partnership",
            "date=1+April&label=X&level-digital=Evolving",
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("YYYY-MM-DD"), "{body}");

    let (status, headers, _) = send(&site.router, post("/partnership", form, Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/partnership?added=1");
    let (_, _, page) = send(&site.router, get("/partnership", None)).await;
    let text = visible(&page);
    assert!(text.contains("April 2027 review"), "{text}");
    assert!(
        text.contains("Digital Emerging Evolving Shared care record live"),
        "{text}"
    );
    let (_, _, csv) = send(&site.router, get("/api/v1/partnership.csv", None)).await;
    assert!(
        csv.contains(
            "2021-10-01,October 2021 baseline,Design & Delivery,digital,Digital,Emerging,"
        ),
        "{csv}"
    );
    assert!(csv.contains("2027-04-01,April 2027 review,Design & Delivery,digital,Digital,Evolving,Shared care record live"), "{csv}");
    let (_, _, audit) = send(&site.router, get("/audit.csv", Some(&cookie))).await;
    assert!(audit.contains(",add assessment,"));
}
