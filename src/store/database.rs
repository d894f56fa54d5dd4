//! The store's database: SQLite in the data folder by default, PostgreSQL
//! when `HWB_DATABASE_URL` names one (issue 16), both through sqlx's `Any`
//! driver so that every query is written once.
//!
//! The dialects differ only in their migrations (`migrations/sqlite`,
//! `migrations/postgres`, the same versions) and in what this module hides:
//! how a connection is set up and how writers are serialised. Queries keep
//! to what both read: `$N` parameters, `TEXT` and 64-bit integers, flags as
//! the integers 0 and 1 (SQLite has no boolean), times as RFC 3339 text.

use super::Result;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Executor, Row};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the store's rows live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// `store.sqlite` in the data folder.
    Sqlite,
    /// A PostgreSQL URL (`postgres://user:pass@host:port/db`).
    Postgres(String),
}

/// The engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Database {
    /// Reads `HWB_DATABASE_URL`'s value: empty for the default, or a
    /// PostgreSQL URL. The message says what is valid.
    pub fn parse(url: &str) -> std::result::Result<Database, String> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(Database::Sqlite);
        }
        if url.starts_with("sqlite:") {
            return Err("SQLite is the default and lives in HWB_DATA_DIR (store.sqlite): leave HWB_DATABASE_URL unset for it, or give a postgres:// URL".into());
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(
                "must be a PostgreSQL URL, postgres://USER:PASSWORD@HOST:PORT/DATABASE, or unset for SQLite in HWB_DATA_DIR"
                    .into(),
            );
        }
        sqlx::postgres::PgConnectOptions::from_str(url)
            .map_err(|e| format!("is not a PostgreSQL URL sqlx can read: {e}"))?;
        Ok(Database::Postgres(url.to_owned()))
    }

    pub fn engine(&self) -> Engine {
        match self {
            Database::Sqlite => Engine::Sqlite,
            Database::Postgres(_) => Engine::Postgres,
        }
    }

    /// The database with any password replaced, for logs.
    pub fn shown(&self, dir: &Path) -> String {
        match self {
            Database::Sqlite => format!("sqlite {}", sqlite_file(dir).display()),
            Database::Postgres(url) => match sqlx::postgres::PgConnectOptions::from_str(url) {
                Ok(o) => format!(
                    "postgres {}@{}:{}/{}",
                    o.get_username(),
                    o.get_host(),
                    o.get_port(),
                    o.get_database().unwrap_or("")
                ),
                Err(_) => "postgres (URL not shown)".into(),
            },
        }
    }
}

pub(super) fn sqlite_file(dir: &Path) -> PathBuf {
    dir.join("store.sqlite")
}

static SQLITE: Migrator = sqlx::migrate!("src/store/migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("src/store/migrations/postgres");

/// Connects and brings the schema up to date.
pub(super) async fn connect(database: &Database, dir: &Path) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let pool = match database {
        Database::Sqlite => {
            // An absolute path, so the URL has no host part to misread.
            let file = std::path::absolute(sqlite_file(dir)).map_err(super::io(dir))?;
            let url = SqliteConnectOptions::new()
                .filename(file)
                .create_if_missing(true)
                .to_url_lossy();
            AnyPoolOptions::new()
                .max_connections(4)
                // What the Any driver cannot carry in a URL: write-ahead
                // log, a sync at every commit, foreign keys checked.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                        )
                        .await
                        .map(|_| ())
                    })
                })
                .connect_with(AnyConnectOptions::from_url(&url)?)
                .await?
        }
        Database::Postgres(url) => {
            AnyPoolOptions::new()
                .max_connections(8)
                .connect(url)
                .await?
        }
    };
    match database.engine() {
        Engine::Sqlite => SQLITE.run(&pool).await?,
        Engine::Postgres => POSTGRES.run(&pool).await?,
    }
    Ok(pool)
}

/// A backup's SQLite snapshot, one connection, created with the current
/// schema if missing or brought up to it: what a PostgreSQL store is
/// copied into, and what a restore into PostgreSQL copies from. Its
/// journal is the default one, so the snapshot is one file when closed.
pub(super) async fn open_snapshot(file: &Path) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let file = std::path::absolute(file).map_err(super::io(file))?;
    let url = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true)
        .to_url_lossy();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(AnyConnectOptions::from_url(&url)?)
        .await?;
    SQLITE.run(&pool).await?;
    Ok(pool)
}

/// Serialises writers across processes, from here to the end of the
/// transaction, so that what it reads next is still true when it commits:
/// on PostgreSQL an advisory lock, so two servers cannot publish at once;
/// on SQLite a write that changes nothing, which takes the database's one
/// write lock (another process waits, up to sqlx's 5 s busy timeout).
pub(super) async fn lock_writes(
    engine: Engine,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<()> {
    match engine {
        Engine::Postgres => sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK),
        Engine::Sqlite => sqlx::query("UPDATE publications SET id = id WHERE id < 0"),
    }
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The channel a publish is announced on (PostgreSQL), so every server
/// loads the new edition at once rather than at its next poll.
const PUBLISHED_CHANNEL: &str = "hwb_published";

/// Announces a publish, delivered when the transaction commits (and not
/// at all if it rolls back). SQLite has no such thing: its servers poll.
pub(super) async fn announce_publish(
    engine: Engine,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<()> {
    if engine == Engine::Postgres {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(PUBLISHED_CHANNEL)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Publishes announced by any process on the database (`Store::publishes`).
pub struct Publishes(sqlx::postgres::PgListener);

impl Publishes {
    pub(super) async fn listen(url: &str) -> Result<Publishes> {
        let mut listener = sqlx::postgres::PgListener::connect(url).await?;
        listener.listen(PUBLISHED_CHANNEL).await?;
        Ok(Publishes(listener))
    }

    /// Waits for the next publish. An error means the connection was lost
    /// (and announcements with it); the next call reconnects.
    pub async fn next(&mut self) -> Result<()> {
        self.0.recv().await?;
        Ok(())
    }
}

/// The advisory lock's key: "hwb" in ASCII, so it is recognisable in
/// `pg_locks`.
const WRITE_LOCK: i64 = 0x687762;

/// A flag column (0 or 1) as a bool.
pub(super) fn flag(row: &AnyRow, column: &str) -> bool {
    row.get::<i64, _>(column) != 0
}
