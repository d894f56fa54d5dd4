//! The databases a test's store can use: SQLite in its folder, always, and
//! PostgreSQL: a new database on the server `HWB_TEST_POSTGRES` names (the
//! throwaway cluster `scripts/postgres` starts for `make test`). Without
//! that server the PostgreSQL half of a test is skipped with a message,
//! except under CI, where it fails.

use hwb_outcomes::store::Database;
use sqlx::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};

/// SQLite, then PostgreSQL when its test server is there.
#[allow(dead_code)]
pub async fn engines() -> Vec<Database> {
    let mut out = vec![Database::Sqlite];
    out.extend(fresh_postgres().await);
    out
}

/// The database `HWB_TEST_STORE` chooses for suites that run once per
/// engine (`postgres`, or SQLite by default).
#[allow(dead_code)]
pub async fn chosen() -> Database {
    match std::env::var("HWB_TEST_STORE").as_deref() {
        Ok("postgres") => fresh_postgres()
            .await
            .expect("HWB_TEST_STORE=postgres needs HWB_TEST_POSTGRES"),
        _ => Database::Sqlite,
    }
}

/// A new, empty database on the test server.
pub async fn fresh_postgres() -> Option<Database> {
    let Some(server) = std::env::var("HWB_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test PostgreSQL: set HWB_TEST_POSTGRES (scripts/run-tests starts a server with scripts/postgres)"
        );
        eprintln!("skipping PostgreSQL: HWB_TEST_POSTGRES is not set (scripts/postgres start)");
        return None;
    };
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "hwb_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("the PostgreSQL test server at HWB_TEST_POSTGRES: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, _) = server.rsplit_once('/').expect("a URL ending in /DATABASE");
    Some(Database::Postgres(format!("{base}/{name}")))
}
