//! The backends a test's store can use: SQLite with its files in its
//! folder, always, and PostgreSQL with its files in an S3 bucket: a new
//! database on the server `HWB_TEST_POSTGRES` names and a new prefix in the
//! bucket `HWB_TEST_S3` names (the throwaway PostgreSQL and S3-compatible
//! servers `scripts/run-tests` starts, with the `AWS_*` variables that reach
//! the bucket). Without those servers that half of a test is skipped with a
//! message, except under CI, where it fails.

use hwb_outcomes::store::{Database, Objects};
use sqlx::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Where one store's rows and files live.
#[derive(Debug, Clone)]
pub struct Backend {
    pub database: Database,
    pub objects: Objects,
}

impl Backend {
    const LOCAL: Backend = Backend {
        database: Database::Sqlite,
        objects: Objects::Folder,
    };

    /// The environment a server or the CLI needs for this backend.
    #[allow(dead_code)]
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Database::Postgres(url) = &self.database {
            out.push(("HWB_DATABASE_URL", url.clone()));
        }
        if let Objects::S3(url) = &self.objects {
            out.push(("HWB_OBJECT_STORE", url.clone()));
        }
        out
    }
}

/// SQLite with a folder, then PostgreSQL with a bucket when their test
/// servers are there.
#[allow(dead_code)]
pub async fn engines() -> Vec<Backend> {
    let mut out = vec![Backend::LOCAL];
    out.extend(shared().await);
    out
}

/// The backend `HWB_TEST_STORE` chooses for suites that run once per
/// backend (`postgres`: PostgreSQL and the bucket; SQLite by default).
#[allow(dead_code)]
pub async fn chosen() -> Backend {
    match std::env::var("HWB_TEST_STORE").as_deref() {
        Ok("postgres") => shared()
            .await
            .expect("HWB_TEST_STORE=postgres needs HWB_TEST_POSTGRES and HWB_TEST_S3"),
        _ => Backend::LOCAL,
    }
}

/// A new database and a new bucket prefix, for stores shared by servers.
#[allow(dead_code)]
pub async fn shared() -> Option<Backend> {
    let database = fresh_postgres().await?;
    let objects = fresh_prefix()?;
    Some(Backend { database, objects })
}

fn required(var: &str, starts: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|v| !v.is_empty());
    if value.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test PostgreSQL and S3: set {var} (scripts/run-tests starts {starts})"
        );
        eprintln!("skipping PostgreSQL and S3: {var} is not set ({starts})");
    }
    value
}

static N: AtomicUsize = AtomicUsize::new(0);

fn unique() -> String {
    format!(
        "hwb_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The test bucket, `s3://BUCKET` (`HWB_TEST_S3`), its server reached by
/// the `AWS_*` variables.
#[allow(dead_code)]
pub fn chosen_bucket() -> Option<String> {
    required("HWB_TEST_S3", "scripts/s3 start")
}

/// A new prefix in the test bucket.
fn fresh_prefix() -> Option<Objects> {
    let bucket = chosen_bucket()?;
    Some(Objects::S3(format!("{bucket}/{}", unique())))
}

/// A new, empty database on the test server.
pub async fn fresh_postgres() -> Option<Database> {
    let server = required("HWB_TEST_POSTGRES", "scripts/postgres start")?;
    let name = unique();
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
