//! Backup and restore with the real binary: a copy taken while a server
//! serves the store and another process ingests and publishes into it comes
//! back whole; damaged backups and occupied targets are refused.

use hwb_outcomes::store::Store;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/template-example.csv");

fn hwb(data: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env("HWB_DATA_DIR", data).stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> std::process::Output {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Everything a store holds that a restore must bring back: editions (with
/// status), uploads, users and the audit trail, and every edition's frame
/// checked whole.
fn contents(data: &Path) -> String {
    rt().block_on(async {
        let store = Store::open(data).await.unwrap();
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

#[test]
fn a_backup_taken_while_the_store_is_in_use_restores_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(hwb(&data).args(["ingest", EXAMPLE, "--edition", "First", "--publish"]));
    let mut add = hwb(&data);
    add.args(["user", "add", "ana@example.org", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = add.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    assert!(child.wait().unwrap().success());

    // A server with the store open, and a larger ingest and publish under
    // way in another process, while the backup is taken.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = hwb(&data)
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
    let mut writer = hwb(&data)
        .arg("ingest")
        .arg(&big_path)
        .args(["--edition", "Second", "--publish"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let backup = dir.path().join("backup");
    let out = run(hwb(&data).arg("backup").arg(&backup));
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
    let restored = dir.path().join("restored");
    let out = run(hwb(&restored).arg("restore").arg(&backup));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("restored "));
    let restored_contents = contents(&restored);
    assert!(restored_contents.contains("ana@example.org Admin"));
    assert!(restored_contents.contains("label: \"First\""));

    // Taken again now that nothing writes, it equals the store exactly.
    let quiet = dir.path().join("quiet");
    run(hwb(&data).arg("backup").arg(&quiet));
    let again = dir.path().join("again");
    run(hwb(&again).arg("restore").arg(&quiet));
    assert_eq!(contents(&again), contents(&data));
    assert!(contents(&data).contains("label: \"Second\""));
}

#[test]
fn damaged_backups_and_occupied_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    run(hwb(&data).args(["ingest", EXAMPLE, "--edition", "First", "--publish"]));
    let backup = dir.path().join("backup");
    run(hwb(&data).arg("backup").arg(&backup));

    // Into a folder that is not empty: refused, the folder untouched.
    let out = hwb(&data).arg("backup").arg(&backup).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    let out = hwb(&data).arg("restore").arg(&backup).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));

    // One byte changed in an edition's frame: refused, nothing written.
    let edition = std::fs::read_dir(backup.join("editions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&edition).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&edition, bytes).unwrap();
    let target = dir.path().join("target");
    let out = hwb(&target).arg("restore").arg(&backup).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not match the MANIFEST"), "{err}");
    assert!(!target.exists(), "nothing restored from a damaged backup");
    assert!(!dir.path().join("target.partial").exists());

    // Without its MANIFEST it is not a backup.
    std::fs::remove_file(backup.join("MANIFEST")).unwrap();
    let out = hwb(&target).arg("restore").arg(&backup).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a complete backup"));
    assert!(!target.exists());
}
