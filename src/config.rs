//! Configuration from environment variables, validated once at start-up.
//!
//! Every error names the variable, the value and what would be valid, so a
//! bad deployment stops with one clear line instead of a panic trace. The
//! variables and their defaults are documented in the README; keep the two
//! in step.

use crate::areas::{Area, AreaKind, Gazetteer};
use std::net::SocketAddr;
use std::path::PathBuf;

pub const DEFAULT_SITE_ADDR: &str = "127.0.0.1:3000";
pub const DEFAULT_SITE_ROOT: &str = "target/site";
pub const DEFAULT_DATA_DIR: &str = "hwb-data";
pub const DEFAULT_AREA_CODE: &str = "E06000006";
pub const DEFAULT_BOARD_FILE: &str = "data/boards/halton.toml";
pub const DEFAULT_NATIONAL_CODE: &str = "E92000001";
pub const DEFAULT_MAX_BODY_BYTES: usize = 100 * 1024 * 1024;
/// Rendered public pages kept in memory, compressed (`web::cache`).
pub const DEFAULT_PAGE_CACHE_BYTES: u64 = 128 * 1024 * 1024;
pub const DEFAULT_FINGERTIPS_URL: &str = "https://fingertips.phe.org.uk/api";
/// Seconds a client may take to send a request's headers, or between two
/// pieces of its body, and that an idle keep-alive connection stays open.
pub const DEFAULT_CLIENT_TIMEOUT_SECONDS: u64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub site_addr: SocketAddr,
    pub site_root: PathBuf,
    pub data_dir: PathBuf,
    /// Where the store's rows live (`HWB_DATABASE_URL`): SQLite in
    /// `data_dir` unless a PostgreSQL URL is given.
    pub database: crate::store::Database,
    /// Where the store's files live (`HWB_OBJECT_STORE`): `data_dir`
    /// unless an S3 URL is given.
    pub objects: crate::store::Objects,
    /// The place the Board reports on, its region and the national comparator.
    pub home: Area,
    pub region: Area,
    pub nation: Area,
    /// The Board's plan (`HWB_BOARD_FILE`): its name, area, priorities.
    pub board: std::sync::Arc<crate::board::Board>,
    pub board_file: PathBuf,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    /// The Fingertips API that `fetch` reads (a mirror or a test server can
    /// stand in), without a trailing slash.
    pub fingertips_url: String,
    /// Always mark the session cookie `Secure` and send HSTS: for
    /// deployments behind TLS (`HWB_SECURE_COOKIES=true`).
    pub secure_cookies: bool,
    /// Proxies whose `X-Forwarded-For` names the client (`HWB_TRUSTED_PROXY`);
    /// from any other peer the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The site's public origin (`https://host`), which a cross-site check
    /// compares `Origin` with; unset, the request's own `Host`.
    pub public_origin: Option<String>,
    pub client_timeout: std::time::Duration,
    /// At most this many bytes of rendered pages are kept (`HWB_PAGE_CACHE_BYTES`); 0 keeps none.
    pub page_cache_bytes: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration error: {var}={value:?} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub problem: String,
}

fn invalid(var: &'static str, value: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        value: value.to_owned(),
        problem: problem.into(),
    }
}

/// A URL as an error may show it: what precedes an `@` (a user and
/// password) replaced.
fn without_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `get`, so tests need not touch the
    /// process environment. Empty values count as unset.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str, default: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let gazetteer = Gazetteer::bundled();

        let addr = var("LEPTOS_SITE_ADDR", DEFAULT_SITE_ADDR);
        let site_addr = addr.parse().map_err(|_| {
            invalid(
                "LEPTOS_SITE_ADDR",
                &addr,
                "is not an IP address and port: use for example 127.0.0.1:3000 or 0.0.0.0:8080",
            )
        })?;

        let board_file = PathBuf::from(var("HWB_BOARD_FILE", DEFAULT_BOARD_FILE));
        let board = crate::board::load(&board_file, &crate::catalogue::Catalogue::bundled())
            .map_err(|e| {
                let problem = match e.line {
                    Some(line) => format!("line {line}: {}", e.problem),
                    None => e.problem,
                };
                invalid("HWB_BOARD_FILE", &e.file, problem)
            })?;
        // The board file names the area; its region is the first comparator.
        let home = area(
            &gazetteer,
            "HWB_BOARD_FILE",
            &board.area,
            AreaKind::UpperTier,
        )?;
        let region = area(
            &gazetteer,
            "HWB_BOARD_FILE",
            home.parent.as_deref().unwrap_or_default(),
            AreaKind::Region,
        )?;
        let nation = area(
            &gazetteer,
            "HWB_NATIONAL_CODE",
            &var("HWB_NATIONAL_CODE", DEFAULT_NATIONAL_CODE),
            AreaKind::Country,
        )?;

        let max_body = var("HWB_MAX_BODY_BYTES", &DEFAULT_MAX_BODY_BYTES.to_string());
        let max_body_bytes = max_body
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 1024)
            .ok_or_else(|| {
                invalid(
                    "HWB_MAX_BODY_BYTES",
                    &max_body,
                    "must be a whole number of bytes, at least 1024",
                )
            })?;
        let log = var("HWB_LOG_FORMAT", "text");
        let log_format = match log.as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            _ => return Err(invalid("HWB_LOG_FORMAT", &log, "must be text or json")),
        };

        let fingertips = var("HWB_FINGERTIPS_URL", DEFAULT_FINGERTIPS_URL);
        let fingertips_url = fingertips.trim_end_matches('/').to_owned();
        let host = fingertips_url
            .strip_prefix("https://")
            .or_else(|| fingertips_url.strip_prefix("http://"));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace)) {
            return Err(invalid(
                "HWB_FINGERTIPS_URL",
                &fingertips,
                format!("must be an http:// or https:// address, such as {DEFAULT_FINGERTIPS_URL}"),
            ));
        }

        let secure = var("HWB_SECURE_COOKIES", "false");
        let secure_cookies = match secure.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => {
                return Err(invalid(
                    "HWB_SECURE_COOKIES",
                    &secure,
                    "must be true or false",
                ));
            }
        };
        let proxies = var("HWB_TRUSTED_PROXY", "");
        let trusted_proxies = proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse().map_err(|_| {
                    invalid(
                        "HWB_TRUSTED_PROXY",
                        &proxies,
                        format!("holds {p:?}, which is not an IP address: list the proxies' addresses separated by commas, such as 127.0.0.1,::1"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let origin = var("HWB_PUBLIC_ORIGIN", "");
        let public_origin = if origin.is_empty() {
            None
        } else {
            let trimmed = origin.trim_end_matches('/').to_ascii_lowercase();
            let host = trimmed
                .strip_prefix("https://")
                .or_else(|| trimmed.strip_prefix("http://"));
            if host.is_none_or(|h| h.is_empty() || h.contains(['/', ' ', '?', '#'])) {
                return Err(invalid(
                    "HWB_PUBLIC_ORIGIN",
                    &origin,
                    "must be a scheme and host only, such as https://hwb.example.org",
                ));
            }
            Some(trimmed)
        };
        let timeout = var(
            "HWB_CLIENT_TIMEOUT_SECONDS",
            &DEFAULT_CLIENT_TIMEOUT_SECONDS.to_string(),
        );
        let client_timeout = timeout
            .parse::<u64>()
            .ok()
            .filter(|s| (1..=3600).contains(s))
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| {
                invalid(
                    "HWB_CLIENT_TIMEOUT_SECONDS",
                    &timeout,
                    "must be a whole number of seconds from 1 to 3600",
                )
            })?;

        let cache = var(
            "HWB_PAGE_CACHE_BYTES",
            &DEFAULT_PAGE_CACHE_BYTES.to_string(),
        );
        let page_cache_bytes = cache.parse::<u64>().ok().ok_or_else(|| {
            invalid(
                "HWB_PAGE_CACHE_BYTES",
                &cache,
                "must be a whole number of bytes (0 turns the page cache off)",
            )
        })?;

        let url = var("HWB_DATABASE_URL", "");
        let database = crate::store::Database::parse(&url)
            .map_err(|problem| invalid("HWB_DATABASE_URL", &without_password(&url), problem))?;
        let bucket = var("HWB_OBJECT_STORE", "");
        let objects = crate::store::Objects::parse(&bucket)
            .map_err(|problem| invalid("HWB_OBJECT_STORE", &bucket, problem))?;

        Ok(Config {
            database,
            objects,
            page_cache_bytes,
            secure_cookies,
            trusted_proxies,
            public_origin,
            client_timeout,
            fingertips_url,
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT", DEFAULT_SITE_ROOT).into(),
            data_dir: var("HWB_DATA_DIR", DEFAULT_DATA_DIR).into(),
            home,
            region,
            nation,
            board: std::sync::Arc::new(board),
            board_file,
            max_body_bytes,
            log_format,
        })
    }

    /// Creates the data folder if needed and proves it is writable, so a
    /// read-only mount fails at start-up rather than at the first publish.
    pub fn prepare_data_dir(&self) -> Result<(), ConfigError> {
        let shown = self.data_dir.display().to_string();
        let fail = |what: &str, e: std::io::Error| {
            invalid("HWB_DATA_DIR", &shown, format!("cannot be {what}: {e}"))
        };
        std::fs::create_dir_all(&self.data_dir).map_err(|e| fail("created", e))?;
        // One probe per process: a server and a CLI command starting
        // together must not remove each other's.
        let probe = self
            .data_dir
            .join(format!(".write-probe-{}", std::process::id()));
        std::fs::write(&probe, b"ok").map_err(|e| fail("written to", e))?;
        std::fs::remove_file(&probe).map_err(|e| fail("written to", e))?;
        Ok(())
    }
}

fn area(g: &Gazetteer, var: &'static str, code: &str, kind: AreaKind) -> Result<Area, ConfigError> {
    let found = g.get(code).ok_or_else(|| {
        invalid(
            var,
            code,
            format!(
                "is not a known area code: use the ONS code of {} (for example {}), see data/areas.toml",
                kind.describe(),
                match kind {
                    AreaKind::Country => DEFAULT_NATIONAL_CODE,
                    AreaKind::Region => "E12000002",
                    AreaKind::UpperTier => DEFAULT_AREA_CODE,
                }
            ),
        )
    })?;
    if found.kind != kind {
        return Err(invalid(
            var,
            code,
            format!(
                "is {} ({}), but must be {}",
                found.kind.describe(),
                found.name,
                kind.describe()
            ),
        ));
    }
    Ok(found.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_report_on_halton_against_north_west_and_england() {
        let c = config(&[]).unwrap();
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert_eq!(
            (c.home.code.as_str(), c.home.name.as_str()),
            ("E06000006", "Halton")
        );
        assert_eq!(c.region.name, "North West");
        assert_eq!(c.nation.name, "England");
        assert_eq!(c.board.name, "Halton Health and Wellbeing Board");
        assert_eq!(c.board.priorities.len(), 6);
        assert_eq!(c.max_body_bytes, 100 * 1024 * 1024);
    }

    #[test]
    fn another_council_takes_its_own_region_by_default() {
        let c = config(&[("HWB_BOARD_FILE", "data/boards/york-illustrative.toml")]).unwrap();
        assert_eq!(c.home.name, "York");
        assert_eq!(c.region.name, "Yorkshire and The Humber");
        assert!(c.board.illustrative);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            ("LEPTOS_SITE_ADDR", "localhost:port"),
            ("HWB_BOARD_FILE", "data/boards/no-such-board.toml"),
            ("HWB_NATIONAL_CODE", "E06000006"),
            ("HWB_MAX_BODY_BYTES", "lots"),
            ("HWB_LOG_FORMAT", "xml"),
            ("HWB_SECURE_COOKIES", "maybe"),
            ("HWB_TRUSTED_PROXY", "10.0.0.1,proxy.local"),
            ("HWB_PUBLIC_ORIGIN", "hwb.example.org"),
            ("HWB_CLIENT_TIMEOUT_SECONDS", "0"),
            ("HWB_PAGE_CACHE_BYTES", "-1"),
            ("HWB_DATABASE_URL", "mysql://db.example.org/hwb"),
            ("HWB_DATABASE_URL", "sqlite://elsewhere.sqlite"),
        ];
        for (var, value) in cases {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{err}");
            assert_eq!(err.value, value);
            let text = err.to_string();
            assert!(text.contains(var) && text.contains(value), "{text}");
        }
    }

    #[test]
    fn a_database_url_chooses_postgres_and_its_password_is_never_shown() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database, crate::store::Database::Sqlite);
        let url = "postgres://hwb:s3cret@db.example.org:5433/hwb";
        let c = config(&[("HWB_DATABASE_URL", url)]).unwrap();
        assert_eq!(c.database, crate::store::Database::Postgres(url.into()));
        assert_eq!(
            c.database.shown(&c.data_dir),
            "postgres hwb@db.example.org:5433/hwb"
        );
        let err = config(&[(
            "HWB_DATABASE_URL",
            "postgresql://hwb:s3cret@db:notaport/hwb",
        )])
        .unwrap_err();
        assert_eq!(err.var, "HWB_DATABASE_URL");
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert!(err.to_string().contains("***@db:notaport/hwb"), "{err}");
    }

    #[test]
    fn an_object_store_url_chooses_a_bucket_and_anything_else_is_named() {
        let c = config(&[]).unwrap();
        assert_eq!(c.objects, crate::store::Objects::Folder);
        let c = config(&[("HWB_OBJECT_STORE", "s3://hwb-editions/halton")]).unwrap();
        assert_eq!(
            c.objects,
            crate::store::Objects::S3("s3://hwb-editions/halton".into())
        );
        let err = config(&[("HWB_OBJECT_STORE", "/srv/hwb/files")]).unwrap_err();
        assert_eq!(err.var, "HWB_OBJECT_STORE");
        assert!(err.to_string().contains("s3://BUCKET"), "{err}");
    }

    #[test]
    fn a_broken_board_file_is_one_line_naming_file_line_and_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.toml");
        let text = std::fs::read_to_string(DEFAULT_BOARD_FILE)
            .unwrap()
            .replacen("slug = \"cancer\"", "slug = \"mental-health\"", 1);
        std::fs::write(&path, &text).unwrap();
        let err = config(&[("HWB_BOARD_FILE", path.to_str().unwrap())]).unwrap_err();
        let line = text
            .lines()
            .position(|l| l.contains("title = \"Cancer\""))
            .unwrap();
        let text = err.to_string();
        assert_eq!(err.var, "HWB_BOARD_FILE");
        assert!(
            text.contains("broken.toml") && text.contains("used twice"),
            "{text}"
        );
        assert!(
            text.contains(&format!("line {}:", line - 1)) && !text.contains('\n'),
            "{text}"
        );
    }

    #[test]
    fn unwritable_data_dir_is_reported_not_panicked() {
        let file = std::env::temp_dir().join(format!("hwb-not-a-dir-{}", std::process::id()));
        std::fs::write(&file, b"x").unwrap();
        let c = config(&[("HWB_DATA_DIR", file.join("sub").to_str().unwrap())]).unwrap();
        let err = c.prepare_data_dir().unwrap_err();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(err.var, "HWB_DATA_DIR");
        assert!(err.problem.starts_with("cannot be created"), "{err}");
    }
}
