//! `hwb-outcomes fetch` against a fake Fingertips API on loopback
//! (`tests/support/fingertips.rs`): an edition equal to what was served,
//! value for value; every indicator judged; and each failure (server
//! errors, a timeout, a cut-off answer, an HTML page, no data, no server)
//! refused with one line naming the URL, nothing stored.

#[path = "support/fingertips.rs"]
mod fingertips;

use fingertips::Mode;
use hwb_outcomes::store::Store;
use polars::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_hwb-outcomes");

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hwb-fetch-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs the binary (off the runtime that serves the fake).
async fn fetch(url: &str, data: &Path, args: &[&str]) -> Output {
    let (url, data) = (url.to_owned(), data.to_owned());
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .arg("fetch")
            .args(&args)
            .env("HWB_FINGERTIPS_URL", url)
            .env("HWB_DATA_DIR", data)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

type Key = (String, String, String, String, String);

/// (indicator, area, sex, age, period) -> value, from served CSV texts.
fn served_values(csvs: &[String]) -> HashMap<Key, Option<f64>> {
    let mut out = HashMap::new();
    for csv in csvs {
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        for rec in r.records() {
            let rec = rec.unwrap();
            let key = (
                rec[0].to_owned(),
                rec[4].to_owned(),
                rec[7].to_owned(),
                rec[8].to_owned(),
                rec[11].to_owned(),
            );
            let value = (!rec[12].is_empty()).then(|| rec[12].parse::<f64>().unwrap());
            assert!(
                out.insert(key, value).is_none(),
                "the fake serves each key once"
            );
        }
    }
    out
}

fn strings(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_owned())
        .collect()
}

#[test]
fn fetch_publish_builds_an_edition_equal_to_the_served_csv() {
    let rt = runtime();
    rt.block_on(async {
        let fake = fingertips::start().await;
        let data = scratch("whole");
        // A passing outage: the first two requests fail with 500.
        fake.state
            .fail_first
            .store(2, std::sync::atomic::Ordering::SeqCst);
        let out = fetch(
            &fake.url(),
            &data,
            &[
                "--publish",
                "--edition",
                "Board, 10 December 2026",
                "--indicator",
                "93999",
                "--indicator",
                "99001",
                "--indicator",
                "12345678",
                "--batch",
                "20",
                "--concurrency",
                "3",
                "--backoff-ms",
                "10",
            ],
        )
        .await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains("no data for 1 indicators") && stdout.contains("12345678"),
            "an indicator with no data is a warning: {stdout}"
        );
        assert!(
            stdout.contains("1 only for the earlier type 402"),
            "{stdout}"
        );
        assert!(stdout.contains("published"), "{stdout}");

        let requests = fake.state.requests.lock().unwrap().clone();
        let with = |s: &str| requests.iter().filter(|r| r.contains(s)).count();
        assert!(
            with("child_area_type_id=402") >= 1,
            "fell back to 402: {requests:?}"
        );
        assert!(
            with("metadata_by_id") >= 3,
            "metadata asked in batches of 20: {requests:?}"
        );
        for r in &requests {
            if let Some(list) = r
                .split('&')
                .find_map(|p| p.split('?').next_back()?.strip_prefix("indicator_ids="))
            {
                assert!(list.split(',').count() <= 20, "{r}");
            }
        }

        // The published edition holds exactly the served rows and values.
        let store = Store::open(&data).await.unwrap();
        let edition = store.published().await.unwrap().expect("published");
        let frame = store.edition_frame(&edition).await.unwrap();
        let served = served_values(&fake.state.served.lock().unwrap());
        assert_eq!(frame.height(), served.len(), "every served row, once");
        let cols =
            ["indicator_id", "area_code", "sex", "age", "period"].map(|c| strings(&frame, c));
        let values: Vec<Option<f64>> = frame
            .column("value")
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .collect();
        let mut suppressed = 0;
        for i in 0..frame.height() {
            let key = (
                cols[0][i].clone(),
                cols[1][i].clone(),
                cols[2][i].clone(),
                cols[3][i].clone(),
                cols[4][i].clone(),
            );
            assert_eq!(values[i], served[&key], "{key:?}");
            suppressed += usize::from(values[i].is_none());
        }
        assert!(suppressed > 0, "suppressed values stay missing");

        // The indicator outside the catalogue is judged with the fetched
        // polarity (low is good), as the fake's own column judged it.
        let others =
            hwb_outcomes::metadata::from_frame(&store.edition_indicators(&edition).await.unwrap())
                .unwrap();
        let other = others
            .iter()
            .find(|i| i.id == "93999")
            .expect("kept with the edition");
        assert_eq!(other.polarity, hwb_outcomes::domain::Polarity::Low);
        assert_eq!(
            other.origin,
            hwb_outcomes::catalogue::Origin::FingertipsMetadata
        );
        let (ours, theirs) = (
            strings(&frame, "compared_national"),
            strings(&frame, "ft_compared_england"),
        );
        let mut judged = 0;
        for i in 0..frame.height() {
            if cols[0][i] == "93999" {
                assert_eq!(ours[i], theirs[i], "{} {}", cols[1][i], cols[4][i]);
                judged += usize::from(theirs[i] != "Not compared");
            }
        }
        assert!(judged > 400, "{judged}");
        let _ = std::fs::remove_dir_all(&data);
    });
}

#[test]
fn every_failure_is_one_clear_line_and_stores_nothing() {
    let rt = runtime();
    rt.block_on(async {
        let fake = fingertips::start().await;
        let data = scratch("failures");
        let base = [
            "--only",
            "--indicator",
            "93999",
            "--attempts",
            "2",
            "--backoff-ms",
            "10",
        ];
        let out = fetch(&fake.url(), &data, &[&base[..], &["--publish"]].concat()).await;
        assert!(out.status.success(), "{:?}", text(&out));
        let store = Store::open(&data).await.unwrap();
        let before = store.editions().await.unwrap();
        let uploads = store.uploads().await.unwrap().len();
        drop(store);

        let url = fake.url();
        let cases: Vec<(Mode, Vec<&str>, &str)> = vec![
            (Mode::ServerError, vec![], "500"),
            (
                Mode::Slow(Duration::from_secs(5)),
                vec!["--timeout", "0.5"],
                "time limit",
            ),
            (Mode::Truncated, vec![], "cut short"),
            (Mode::Html, vec![], "not a Fingertips"),
            (Mode::Normal, vec!["--indicator", "12345678"], ""),
        ];
        for (mode, extra, cause) in cases {
            fake.set(mode.clone());
            let args: Vec<&str> = if cause.is_empty() {
                // Only an unknown indicator: no data at all.
                vec!["--only", "--indicator", "12345678", "--publish"]
            } else {
                [&base[..], &extra[..], &["--publish"]].concat()
            };
            let out = fetch(&url, &data, &args).await;
            let (stdout, stderr) = text(&out);
            assert_eq!(out.status.code(), Some(1), "{mode:?}: {stdout}\n{stderr}");
            let line = stderr.trim();
            assert_eq!(line.lines().count(), 1, "{mode:?}: {stderr}");
            assert!(line.contains(&url), "{mode:?} names the URL: {line}");
            assert!(line.contains(cause), "{mode:?} says {cause:?}: {line}");
            assert!(line.contains("nothing was stored"), "{line}");
            if cause.is_empty() {
                assert!(line.contains("no data for any"), "{line}");
            }
            let store = Store::open(&data).await.unwrap();
            assert_eq!(
                store.editions().await.unwrap(),
                before,
                "{mode:?}: editions unchanged"
            );
            assert_eq!(
                store.uploads().await.unwrap().len(),
                uploads,
                "{mode:?}: no upload kept"
            );
        }

        // No server at all.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let offline = format!("http://127.0.0.1:{port}/api");
        let out = fetch(&offline, &data, &base).await;
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&offline) && stderr.contains("cannot connect"),
            "{stderr}"
        );
        let _ = std::fs::remove_dir_all(&data);
    });
}

#[test]
fn a_profile_brings_its_indicators_and_a_bad_id_is_a_usage_error() {
    let rt = runtime();
    rt.block_on(async {
        let fake = fingertips::start().await;
        let data = scratch("profile");
        let out = fetch(&fake.url(), &data, &["--only", "--profile", "999"]).await;
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stdout}\n{stderr}");
        assert!(
            stdout.contains("draft"),
            "not published without --publish: {stdout}"
        );
        let requests = fake.state.requests.lock().unwrap().clone();
        assert!(
            requests
                .iter()
                .any(|r| r.starts_with("by_profile_id") && r.contains("profile_id=999"))
        );
        let out = fetch(&fake.url(), &data, &["--indicator", "abc"]).await;
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out).1.contains("whole number"));
        let _ = std::fs::remove_dir_all(&data);
    });
}
