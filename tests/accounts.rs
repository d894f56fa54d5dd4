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
    let dir = tempfile::tempdir().unwrap();
    let vars: HashMap<String, String> = [
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
            |df| hwb_outcomes::analysis::analyse(df, &catalogue, &gazetteer, "E92000001"),
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

async fn sign_in(site: &Site, email: &str) -> String {
    let (status, headers, _) = send(
        &site.router,
        post(
            "/login",
            &format!("email={email}&password=a+long+enough+password&next=%2Feditions"),
            None,
        ),
    )
    .await;
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
    for action in ["sign in", "publish"] {
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
        let (_, headers, _) = send(
            &site.router,
            post(
                "/login",
                "email=analyst%40example.org&password=wrong+password+here",
                None,
            ),
        )
        .await;
        assert!(
            headers[header::LOCATION]
                .to_str()
                .unwrap()
                .starts_with("/login?error=invalid")
        );
    }
    let (status, headers, _) = send(
        &site.router,
        post(
            "/login",
            "email=analyst%40example.org&password=a+long+enough+password",
            None,
        ),
    )
    .await;
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
    let (_, headers, _) = send(
        &site.router,
        post(
            "/login",
            "email=analyst%40example.org&password=a+long+enough+password",
            None,
        ),
    )
    .await;
    assert!(headers.get(header::SET_COOKIE).is_none());
}
