//! Backup and restore with the real binary: a copy taken while a server
//! serves the store and another process ingests and publishes into it comes
//! back whole; damaged backups and occupied targets are refused.

//! Backup and restore with the real binary: a copy taken while a server
//! serves the store and another process ingests and publishes into it comes
//! back whole, on SQLite with a folder and on PostgreSQL with an S3 bucket
//! (`support/database.rs`), and a backup moves a store from either to the
//! other; damaged backups and occupied targets are refused.

use hwb_outcomes::store::{Database, Objects, Store};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "support/cli.rs"]
mod support_cli;
use support_cli::{rt, succeeds};
#[path = "support/database.rs"]
mod database;
use database::Backend;

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/template-example.csv");

const LOCAL: Backend = Backend {
    database: Database::Sqlite,
    objects: Objects::Folder,
};

fn hwb(data: &Path, backend: &Backend) -> Command {
    let mut c = Command::new(BIN);
    c.env("HWB_DATA_DIR", data)
        .envs(backend.env())
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> std::process::Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs a command expected to fail; its standard error.
fn refused(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{c:?} should be refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A new, empty store of the same kind as `backend`.
fn fresh_like(backend: &Backend) -> Backend {
    match backend.database {
        Database::Sqlite => LOCAL,
        Database::Postgres(_) => rt().block_on(database::shared()).unwrap(),
    }
}

fn add_user(data: &Path, backend: &Backend, email: &str) {
    succeeds(
        hwb(data, backend).args(["user", "add", email, "--role", "admin"]),
        "a long enough password\n",
    );
}

/// Everything a store holds that a restore must bring back: editions (with
/// status), uploads, users and the audit trail, and every edition's frame
/// checked whole.
fn contents(data: &Path, backend: &Backend) -> String {
    rt().block_on(async {
        let store = Store::open_with(data, &backend.database, &backend.objects)
            .await
            .unwrap();
        let mut out = String::new();
        for e in store.editions().await.unwrap() {
            let frame = store.edition_frame(&e).await.unwrap();
            assert_eq!(frame.height() as i64, e.rows, "edition {} whole", e.id);
            out += &format!("edition {e:?}\n");
        }
        for u in store.uploads().await.unwrap() {
            let bytes = store.upload_bytes(&u.sha256).await.unwrap();
            assert_eq!(bytes.len() as i64, u.size, "upload {} bytes kept", u.id);
            out += &format!("upload {u:?}\n");
        }
        for u in store.users().await.unwrap() {
            out += &format!("user {} {:?}\n", u.email, u.role);
        }
        out += &format!("audit {}\n", store.audit_page(0, 1).await.unwrap().1);
        out
    })
}

/// A backup as text: every row of every table of its snapshot (sqlx's own
/// table aside, which each store writes for itself) and every file's line
/// of the MANIFEST but the snapshot's own.
fn backup_text(backup: &Path) -> String {
    use sqlx::Row;
    let manifest = std::fs::read_to_string(backup.join("MANIFEST")).unwrap();
    let mut out: String = manifest
        .lines()
        .filter(|l| !l.ends_with("\tstore.sqlite"))
        .map(|l| format!("{l}\n"))
        .collect();
    rt().block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(backup.join("store.sqlite"))
            .read_only(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        let tables: Vec<String> = sqlx::query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
        for table in tables {
            let columns: Vec<String> =
                sqlx::query("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(&table)
                    .fetch_all(&pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| format!("quote(\"{}\")", r.get::<String, _>(0)))
                    .collect();
            let select = format!(
                "SELECT {} FROM \"{table}\" ORDER BY 1",
                columns.join(" || '|' || ")
            );
            for row in sqlx::query(&select).fetch_all(&pool).await.unwrap() {
                out += &format!("{table}: {}\n", row.get::<String, _>(0));
            }
        }
        pool.close().await;
    });
    out
}

#[test]
fn a_backup_taken_while_the_store_is_in_use_restores_whole() {
    for backend in rt().block_on(database::engines()) {
        eprintln!("on {backend:?}");
        in_use_round_trip(&backend);
    }
}

fn in_use_round_trip(backend: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(hwb(&data, backend).args(["ingest", EXAMPLE, "--edition", "First", "--publish"]));
    add_user(&data, backend, "ana@example.org");

    // A server with the store open, and a larger ingest and publish under
    // way in another process, while the backup is taken.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = hwb(&data, backend)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let big = hwb_outcomes::demo::csv_for("E12000002", "E92000001").unwrap();
    let big_path = dir.path().join("big.csv");
    std::fs::write(&big_path, big).unwrap();
    let mut writer = hwb(&data, backend)
        .arg("ingest")
        .arg(&big_path)
        .args(["--edition", "Second", "--publish"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let backup = dir.path().join("backup");
    let out = run(hwb(&data, backend).arg("backup").arg(&backup));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("backed up "));
    assert!(writer.wait().unwrap().success());
    let _ = server.kill();
    let _ = server.wait();
    assert!(backup.join("MANIFEST").exists());
    assert!(
        !dir.path().join("backup.partial").exists(),
        "assembled, then renamed"
    );

    // The backup is one consistent moment: every edition and upload it
    // lists is whole. Restored, it equals what the backup holds.
    let target = fresh_like(backend);
    let restored = dir.path().join("restored");
    let out = run(hwb(&restored, &target).arg("restore").arg(&backup));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("restored "));
    let restored_contents = contents(&restored, &target);
    assert!(restored_contents.contains("ana@example.org Admin"));
    assert!(restored_contents.contains("label: \"First\""));

    // Taken again now that nothing writes, it equals the store exactly.
    let quiet = dir.path().join("quiet");
    run(hwb(&data, backend).arg("backup").arg(&quiet));
    let target = fresh_like(backend);
    let again = dir.path().join("again");
    run(hwb(&again, &target).arg("restore").arg(&quiet));
    assert_eq!(contents(&again, &target), contents(&data, backend));
    assert!(contents(&data, backend).contains("label: \"Second\""));
}

#[test]
fn a_backup_moves_a_store_between_sqlite_and_postgresql_with_s3() {
    let Some(shared) = rt().block_on(database::shared()) else {
        return; // said why (and fails under CI)
    };
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    run(hwb(&local, &LOCAL).args(["ingest", EXAMPLE, "--edition", "First", "--publish"]));
    run(hwb(&local, &LOCAL).args(["ingest", EXAMPLE, "--edition", "Draft"]));
    add_user(&local, &LOCAL, "ana@example.org");

    // SQLite and a folder into PostgreSQL and a bucket: every row of every
    // table and every file, the same.
    let from_sqlite = dir.path().join("from-sqlite");
    run(hwb(&local, &LOCAL).arg("backup").arg(&from_sqlite));
    let shared_dir = dir.path().join("shared");
    let out = run(hwb(&shared_dir, &shared).arg("restore").arg(&from_sqlite));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("editions into postgres hwb@") && said.contains(" and s3://hwb-test/"),
        "the restore names where the rows and files went: {said}"
    );
    assert_eq!(contents(&shared_dir, &shared), contents(&local, &LOCAL));
    let from_postgres = dir.path().join("from-postgres");
    run(hwb(&shared_dir, &shared).arg("backup").arg(&from_postgres));
    let text = backup_text(&from_sqlite);
    assert!(text.contains("users: ") && text.contains("editions/2.parquet"));
    assert_eq!(backup_text(&from_postgres), text);

    // The restored store goes on: new rows get new ids, past the restored
    // ones (PostgreSQL's sequences were moved), and publishing works.
    run(hwb(&shared_dir, &shared).args(["ingest", EXAMPLE, "--edition", "Third", "--publish"]));
    add_user(&shared_dir, &shared, "ben@example.org");
    let after = contents(&shared_dir, &shared);
    assert!(after.contains("id: 3, label: \"Third\""), "{after}");
    assert!(after.contains("ben@example.org"));

    // And back: PostgreSQL and a bucket into SQLite and a folder.
    let later = dir.path().join("later");
    run(hwb(&shared_dir, &shared).arg("backup").arg(&later));
    let back = dir.path().join("back");
    run(hwb(&back, &LOCAL).arg("restore").arg(&later));
    assert_eq!(contents(&back, &LOCAL), after);
    assert_eq!(backup_text(&later), {
        let again = dir.path().join("again");
        run(hwb(&back, &LOCAL).arg("backup").arg(&again));
        backup_text(&again)
    });
}

/// The keys under an S3 URL's prefix, two levels down as the store keeps
/// them (the test server's `AWS_*` variables).
fn bucket_keys(url: &str) -> Vec<String> {
    use object_store::ObjectStore;
    use object_store::path::Path as Key;
    let (bucket, prefix) = url.trim_start_matches("s3://").split_once('/').unwrap();
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_bucket_name(bucket)
        .build()
        .unwrap();
    rt().block_on(async {
        let top = store
            .list_with_delimiter(Some(&Key::from(prefix)))
            .await
            .unwrap();
        let mut keys: Vec<String> = top.objects.iter().map(|o| o.location.to_string()).collect();
        for folder in top.common_prefixes {
            let inner = store.list_with_delimiter(Some(&folder)).await.unwrap();
            keys.extend(inner.objects.iter().map(|o| o.location.to_string()));
        }
        keys.sort();
        keys
    })
}

#[test]
fn restores_into_postgresql_and_s3_overwrite_nothing() {
    let Some(first) = rt().block_on(database::shared()) else {
        return; // said why (and fails under CI)
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(hwb(&data, &first).args(["ingest", EXAMPLE, "--edition", "First", "--publish"]));
    let backup = dir.path().join("backup");
    run(hwb(&data, &first).arg("backup").arg(&backup));

    // Into a database that holds rows: refused before a file is written.
    let Objects::S3(unused) = rt().block_on(database::shared()).unwrap().objects else {
        unreachable!()
    };
    let occupied = Backend {
        database: first.database.clone(),
        objects: Objects::S3(unused.clone()),
    };
    let err = refused(
        hwb(&dir.path().join("t1"), &occupied)
            .arg("restore")
            .arg(&backup),
    );
    assert!(err.contains("already holds rows"), "{err}");
    assert_eq!(bucket_keys(&unused), Vec::<String>::new());

    // Into a bucket that holds another store's files under the same
    // names: refused, the database left empty.
    let other = dir.path().join("other");
    let Backend { objects, .. } = &first;
    let mut second = rt().block_on(database::shared()).unwrap();
    let example = std::fs::read_to_string(EXAMPLE).unwrap();
    let lines: Vec<&str> = example.lines().collect();
    let fewer = dir.path().join("fewer.csv");
    std::fs::write(&fewer, lines[..lines.len() / 2].join("\n")).unwrap();
    run(hwb(&other, &second)
        .arg("ingest")
        .arg(&fewer)
        .args(["--edition", "Other", "--publish"]));
    let other_backup = dir.path().join("other-backup");
    run(hwb(&other, &second).arg("backup").arg(&other_backup));
    second = Backend {
        database: rt().block_on(database::fresh_postgres()).unwrap(),
        objects: objects.clone(),
    };
    let t2 = dir.path().join("t2");
    let err = refused(hwb(&t2, &second).arg("restore").arg(&other_backup));
    assert!(err.contains("already holds a different"), "{err}");
    assert_eq!(contents(&t2, &second), "audit 0\n");

    // The same files, as an interrupted restore leaves them, are no bar:
    // the first store's backup restores beside its own bucket's files.
    let t3 = dir.path().join("t3");
    run(hwb(&t3, &second).arg("restore").arg(&backup));
    assert_eq!(contents(&t3, &second), contents(&data, &first));
}

#[test]
fn damaged_backups_and_occupied_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(hwb(&data, &LOCAL).args(["ingest", EXAMPLE, "--edition", "First", "--publish"]));
    let backup = dir.path().join("backup");
    run(hwb(&data, &LOCAL).arg("backup").arg(&backup));

    // Into a folder that is not empty: refused, the folder untouched.
    let out = hwb(&data, &LOCAL)
        .arg("backup")
        .arg(&backup)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    let out = hwb(&data, &LOCAL)
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));

    // One byte changed in an edition's frame: refused, nothing written.
    let edition = std::fs::read_dir(backup.join("editions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let original = std::fs::read(&edition).unwrap();
    let mut bytes = original.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&edition, bytes).unwrap();
    let target = dir.path().join("target");
    let out = hwb(&target, &LOCAL)
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match the MANIFEST"), "{err}");
    assert!(!target.exists(), "nothing restored from a damaged backup");
    assert!(!dir.path().join("target.partial").exists());

    // A MANIFEST naming a file outside the backup, or a snapshot that is
    // not a store (its MANIFEST line made to match): refused, nothing made.
    std::fs::write(&edition, original).unwrap();
    let manifest = std::fs::read_to_string(backup.join("MANIFEST")).unwrap();
    std::fs::write(
        backup.join("MANIFEST"),
        format!("{manifest}00\t1\t../outside\n"),
    )
    .unwrap();
    let err = refused(hwb(&target, &LOCAL).arg("restore").arg(&backup));
    assert!(err.contains("outside the backup"), "{err}");
    let junk = b"not a database, though the MANIFEST says it is fine";
    std::fs::write(backup.join("store.sqlite"), junk).unwrap();
    let sha256 = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(junk))
    };
    let fixed: String = manifest
        .lines()
        .map(|l| match l.strip_suffix("\tstore.sqlite") {
            Some(_) => format!("{sha256}\t{}\tstore.sqlite\n", junk.len()),
            None => format!("{l}\n"),
        })
        .collect();
    std::fs::write(backup.join("MANIFEST"), fixed).unwrap();
    let err = refused(hwb(&target, &LOCAL).arg("restore").arg(&backup));
    assert!(
        err.contains("is not a store this version can read"),
        "{err}"
    );
    assert!(
        !target.exists(),
        "nothing restored from a snapshot that is not a store"
    );

    // Without its MANIFEST it is not a backup.
    std::fs::remove_file(backup.join("MANIFEST")).unwrap();
    let out = hwb(&target, &LOCAL)
        .arg("restore")
        .arg(&backup)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a complete backup"));
    assert!(!target.exists());
}
