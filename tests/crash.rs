//! Killing the process during an ingest and publish, at many moments, never
//! loses or corrupts the published edition, and the next publish succeeds;
//! on SQLite with a folder and on PostgreSQL with an S3 bucket
//! (`support/database.rs`).

use hwb_outcomes::store::Store;
use std::process::{Command, Stdio};
use std::time::Instant;

#[path = "support/cli.rs"]
mod support_cli;
use support_cli::rt;
#[path = "support/database.rs"]
mod database;
use database::Backend;

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");

fn hwb(data: &std::path::Path, backend: &Backend) -> Command {
    let mut c = Command::new(BIN);
    c.env("HWB_DATA_DIR", data)
        .envs(backend.env())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The published edition, checked to read back whole, and a digest of its
/// frame (every value, as text) to tell "unchanged" from "same size".
fn published(data: &std::path::Path, backend: &Backend) -> (i64, String, u64) {
    rt().block_on(async {
        let store = Store::open_with(data, &backend.database, &backend.objects)
            .await
            .expect("the store opens after a kill");
        let edition = store
            .published()
            .await
            .unwrap()
            .expect("an edition stays published");
        let frame = store
            .edition_frame(&edition)
            .await
            .expect("its data file reads");
        assert_eq!(
            frame.height() as i64,
            edition.rows,
            "edition {} is complete",
            edition.id
        );
        use polars::prelude::{CsvWriter, SerWriter};
        use std::hash::{Hash, Hasher};
        let mut csv = Vec::new();
        CsvWriter::new(&mut csv).finish(&mut frame.clone()).unwrap();
        let mut digest = std::hash::DefaultHasher::new();
        csv.hash(&mut digest);
        (edition.id, edition.label, digest.finish())
    })
}

/// Runs a command that is not killed; on failure, says what it said.
fn succeeds(command: &mut Command) {
    let out = command.stderr(Stdio::piped()).output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sigkill_during_publish_never_loses_the_published_edition() {
    for backend in rt().block_on(database::engines()) {
        eprintln!("on {backend:?}");
        kill_during_publish(&backend);
    }
}

fn kill_during_publish(backend: &Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/data/template-example.csv");
    succeeds(hwb(&data, backend).args(["ingest", example, "--edition", "Baseline", "--publish"]));
    assert_eq!(published(&data, backend).1, "Baseline");

    // A larger file so the kill can land in validation, in writing the
    // upload, in assembling the edition or in publishing it.
    let big = hwb_outcomes::demo::csv_for("E12000002", "E92000001").unwrap();
    let big_path = dir.path().join("big.csv");
    std::fs::write(&big_path, &big).unwrap();

    // Time one full run to spread the kills across it.
    let started = Instant::now();
    succeeds(
        hwb(&data, backend)
            .arg("ingest")
            .arg(&big_path)
            .args(["--edition", "Timing run"]),
    );
    let full = started.elapsed();

    let mut previous = published(&data, backend);
    let mut survived = 0;
    const KILLS: u32 = 24;
    for i in 0..KILLS {
        // From the start to a little past the end of a full run.
        let delay = full.mul_f64(f64::from(i) / f64::from(KILLS - 4));
        let mut child = hwb(&data, backend)
            .arg("ingest")
            .arg(&big_path)
            .args(["--edition", &format!("Attempt {i}"), "--publish"])
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        let now = published(&data, backend);
        if status.success() {
            // It finished before the kill: the new edition is published, whole.
            assert_eq!(now.1, format!("Attempt {i}"));
        } else {
            // Killed: either the old edition, value for value, or the new
            // one if the publish row committed just before the kill. Never
            // anything else.
            assert!(
                now == previous || now.1 == format!("Attempt {i}"),
                "after kill {i}: {now:?} (was {previous:?})"
            );
            survived += 1;
        }
        previous = now;
    }
    eprintln!(
        "crash test on {backend:?}: {KILLS} kills over a {:.2} s ingest and publish of {} bytes; {survived} landed mid-way",
        full.as_secs_f64(),
        big.len()
    );
    assert!(
        survived >= KILLS / 3,
        "only {survived} runs were killed mid-way: the test did not test"
    );

    // The store still takes a normal publish.
    succeeds(hwb(&data, backend).arg("ingest").arg(example).args([
        "--edition",
        "After the kills",
        "--publish",
    ]));
    assert_eq!(published(&data, backend).1, "After the kills");
}
