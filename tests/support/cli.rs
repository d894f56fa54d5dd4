//! Running the release binary from a test: with text on its standard
//! input, and a runtime for the store calls made around it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `command` with `stdin` as its standard input, collecting both
/// outputs.
#[allow(dead_code)]
pub fn fed(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Dropped at once, so the command sees the end of its input.
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    written.unwrap();
    out
}

/// As `fed`, for a command that must succeed: its standard output, or a
/// failure showing what it said.
#[allow(dead_code)]
pub fn succeeds(command: &mut Command, stdin: &str) -> String {
    let out = fed(command, stdin);
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A runtime on this thread, for store calls between commands.
#[allow(dead_code)]
pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}
