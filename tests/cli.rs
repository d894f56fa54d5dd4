//! The real binary: help, configuration errors, and a clean stop on SIGTERM.

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");

fn scratch(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hwb-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn help_explains_each_subcommand_and_the_configuration() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("serve") && help.contains("Serve the dashboard"),
        "{help}"
    );
    assert!(
        help.contains("LEPTOS_SITE_ADDR") && help.contains("HWB_BOARD_FILE"),
        "{help}"
    );
}

#[test]
fn bad_configuration_stops_with_one_clear_line() {
    let data = scratch("bad-config");
    let not_a_dir = scratch("file");
    std::fs::write(&not_a_dir, b"x").unwrap();
    let cases = [
        ("LEPTOS_SITE_ADDR", "localhost:port".to_owned()),
        ("HWB_BOARD_FILE", "data/boards/nowhere.toml".to_owned()),
        (
            "HWB_DATA_DIR",
            not_a_dir.join("data").to_string_lossy().into_owned(),
        ),
    ];
    for (var, value) in cases {
        let out = Command::new(BIN)
            .arg("serve")
            .env("HWB_DATA_DIR", &data)
            .env(var, &value)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(var) && stderr.contains(&value), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let _ = std::fs::remove_file(&not_a_dir);
    let _ = std::fs::remove_dir_all(&data);
}

/// Every board file the repository ships.
fn board_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir("data/boards")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_board_file_passes_board_check() {
    let files = board_files();
    assert!(
        files.len() >= 2,
        "Halton and at least one other council: {files:?}"
    );
    for file in files {
        let out = Command::new(BIN)
            .args(["board", "check", "--json"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", file.display());
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let priorities = json["priorities"].as_array().unwrap();
        assert!(!priorities.is_empty());
        for p in priorities {
            assert!(p["slug"].as_str().is_some_and(|s| !s.is_empty()), "{p}");
            assert!(p["title"].is_string() && p["indicators"].is_array(), "{p}");
            assert!(p["actions"].as_u64().is_some(), "{p}");
        }
        // The text form lists the same priorities.
        let out = Command::new(BIN)
            .args(["board", "check"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for p in priorities {
            assert!(text.contains(p["slug"].as_str().unwrap()), "{text}");
        }
    }
}

#[test]
fn halton_board_check_lists_the_plan_as_the_file_has_it() {
    let out = Command::new(BIN)
        .args(["board", "check", "--json", "data/boards/halton.toml"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows: Vec<(String, u64)> = json["priorities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["slug"].as_str().unwrap().to_owned(),
                p["actions"].as_u64().unwrap(),
            )
        })
        .collect();
    // The action rows of each priority's table (BOARD-PLAN.md, section 1).
    let text = std::fs::read_to_string("data/boards/halton.toml").unwrap();
    let mut expected = Vec::new();
    for block in text.split("\n[[priority]]\n").skip(1) {
        let slug = block
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("slug = ")
            .trim_matches('"');
        let actions = block.matches("[[priority.action]]").count() as u64;
        expected.push((slug.to_owned(), actions));
    }
    assert_eq!(rows, expected);
    let counts: Vec<u64> = rows.iter().map(|r| r.1).collect();
    assert_eq!(counts, [3, 13, 7, 12, 6, 4], "the plan's action tables");
}

#[test]
fn a_broken_board_file_fails_check_and_stops_the_server_with_one_line() {
    let dir = scratch("broken-board");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("broken.toml");
    let text = std::fs::read_to_string("data/boards/york-illustrative.toml")
        .unwrap()
        .replacen("id = \"hl-1\"", "id = \"bs-1\"", 1);
    std::fs::write(&file, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("what = \"Reduce smoking\""))
        .unwrap();
    let out = Command::new(BIN)
        .args(["board", "check"])
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("broken.toml:") && stderr.contains("\"bs-1\" is used twice"),
        "{stderr}"
    );
    let at = stderr.split("broken.toml:").nth(1).unwrap();
    let reported: usize = at.split(':').next().unwrap().parse().unwrap();
    assert!(
        reported.abs_diff(line + 1) <= 2,
        "line {reported} for the action at {}",
        line + 1
    );

    let out = Command::new(BIN)
        .arg("serve")
        .env("HWB_DATA_DIR", dir.join("data"))
        .env("HWB_BOARD_FILE", &file)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("broken.toml") && stderr.contains(&format!("line {reported}:")),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_taken_port_is_reported_with_its_variable() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data = scratch("taken");
    let out = Command::new(BIN)
        .env("LEPTOS_SITE_ADDR", &addr)
        .env("HWB_DATA_DIR", &data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&addr) && stderr.contains("LEPTOS_SITE_ADDR"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = scratch("sigterm");
    let mut child = Command::new(BIN)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("HWB_DATA_DIR", &data)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // Wait until it answers /healthz.
    let deadline = Instant::now() + Duration::from_secs(20);
    let health = loop {
        if let Ok(body) = http_get(port, "/healthz") {
            break body;
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(health.contains("\"status\":\"ok\""), "{health}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");
    let mut logs = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("shutdown requested") && logs.contains("stopped"),
        "{logs}"
    );
    let _ = std::fs::remove_dir_all(&data);
}

/// A minimal HTTP/1.1 GET, enough for a readiness probe.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}
