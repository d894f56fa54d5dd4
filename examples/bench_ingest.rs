//! Ingest benchmark (issue 3): a national-scale Fingertips extract in the
//! real 26-column export format, read by Polars' own CSV reader and by our
//! validate + ingest path, each in its own process so peak memory is clean.
//!
//! Driven by `scripts/bench-ingest`; modes:
//!   generate PATH          write the extract (about 1,000,000 rows)
//!   polars PATH            Polars CsvReader, default options
//!   ingest PATH DATA_DIR   read, validate, build the frame, store the upload
//!   analyse PATH           computed limits, comparisons and trends on the
//!                          ingested frame (issue 4's statistics benchmark)
//!   publish PATH DATA_DIR  ingest, build an analysed edition and publish it
//!                          (the national-scale store of scripts/bench-pages)
//! Each mode prints one JSON line with seconds and peak RSS (VmHWM).

use hwb_outcomes::areas::Gazetteer;
use hwb_outcomes::catalogue::Catalogue;
use hwb_outcomes::ingest::{self, Context, Limits};
use std::time::Instant;

const HEADER: [&str; 26] = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to Region value or percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
];

/// A KiB figure from `/proc/self/status` (`VmHWM:` is the peak, `VmRSS:`
/// the present resident set).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// With `BENCH_RSS_TRACE` set, samples the resident set every 5 ms on a
/// thread and prints to stderr when it peaked; `mark` prints each phase as
/// it ends, so the peak can be placed in the ingest.
struct RssTrace {
    start: Instant,
    peak: std::sync::Mutex<(f64, u64)>,
}

static TRACE: std::sync::OnceLock<RssTrace> = std::sync::OnceLock::new();

fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn start_trace() {
    if std::env::var_os("BENCH_RSS_TRACE").is_none() {
        return;
    }
    let trace = TRACE.get_or_init(|| RssTrace {
        start: Instant::now(),
        peak: Default::default(),
    });
    std::thread::spawn(move || {
        loop {
            let (t, rss) = (trace.start.elapsed().as_secs_f64(), rss_kib());
            let mut peak = trace.peak.lock().unwrap();
            if rss > peak.1 {
                *peak = (t, rss);
            }
            drop(peak);
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    });
}

fn mark(what: &'static str) {
    if let Some(trace) = TRACE.get() {
        let t = trace.start.elapsed().as_secs_f64();
        eprintln!("{t:.3} s {:>8} KiB {what}", rss_kib());
    }
}

fn report_trace() {
    if let Some(trace) = TRACE.get() {
        let (t, rss) = *trace.peak.lock().unwrap();
        eprintln!("sampled peak {rss} KiB at {t:.3} s");
    }
}

fn generate(path: &str) {
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let england = gazetteer.get("E92000001").unwrap();
    let mut areas = vec![england];
    for region in [
        "E12000001",
        "E12000002",
        "E12000003",
        "E12000004",
        "E12000005",
        "E12000006",
        "E12000007",
        "E12000008",
        "E12000009",
    ] {
        areas.push(gazetteer.get(region).unwrap());
        areas.extend(gazetteer.upper_tier_in(region));
    }
    let mut out = csv::Writer::from_path(path).unwrap();
    out.write_record(HEADER).unwrap();
    // A Fingertips export carries numeric IDs only (local IDs are for the
    // analyst template).
    let indicators: Vec<_> = catalogue
        .iter()
        .filter(|i| i.id.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let mut rows = 0usize;
    let mut x = 0x2545F4914F6CDD1Du64;
    // 42 indicators x 163 areas x 18 periods x 3 sexes x 3 ages = 1,109,052 rows.
    for ind in &indicators {
        for area in &areas {
            let parent = area.parent.clone().unwrap_or_default();
            let parent_name = gazetteer
                .get(&parent)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            for year in 2006..2024 {
                for sex in ["Persons", "Male", "Female"] {
                    for age in ["All ages", "18+ yrs", "65+ yrs"] {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let denominator = 1_000 + (x % 90_000);
                        let count = denominator * (5 + x % 40) / 100;
                        let p = count as f64 / denominator as f64;
                        let w95 = ind.multiplier.min(100.0)
                            * 1.96
                            * (p * (1.0 - p) / denominator as f64).sqrt();
                        let value = p * ind.multiplier.min(100.0);
                        let period = format!("{year}/{:02}", (year + 1) % 100);
                        let sortable = format!("{year}0000");
                        out.write_record([
                            ind.id.as_str(),
                            ind.name.as_str(),
                            parent.as_str(),
                            parent_name.as_str(),
                            area.code.as_str(),
                            area.name.as_str(),
                            "Counties & UAs (from Apr 2023)",
                            sex,
                            age,
                            "",
                            "",
                            &period,
                            &format!("{value:.6}"),
                            &format!("{:.6}", value - w95),
                            &format!("{:.6}", value + w95),
                            &format!("{:.6}", value - 1.6 * w95),
                            &format!("{:.6}", value + 1.6 * w95),
                            &count.to_string(),
                            &denominator.to_string(),
                            "",
                            "No significant change",
                            "Similar",
                            "Similar",
                            &sortable,
                            "",
                            "",
                        ])
                        .unwrap();
                        rows += 1;
                    }
                }
            }
        }
    }
    out.flush().unwrap();
    let bytes = std::fs::metadata(path).unwrap().len();
    println!("{{\"mode\":\"generate\",\"rows\":{rows},\"bytes\":{bytes}}}");
}

fn polars(path: &str) {
    use polars::prelude::*;
    let start = Instant::now();
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.into()))
        .unwrap()
        .finish()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"mode\":\"polars\",\"rows\":{},\"seconds\":{secs:.3},\"peak_rss_kib\":{}}}",
        df.height(),
        peak_rss_kib()
    );
}

/// No caps: the national file is larger than an upload may be.
fn national_context<'a>(catalogue: &'a Catalogue, gazetteer: &'a Gazetteer) -> Context<'a> {
    let mut ctx = Context::new(catalogue, gazetteer);
    ctx.limits = Limits {
        max_bytes: usize::MAX,
        max_rows: 5_000_000,
        ..Limits::default()
    };
    ctx
}

/// The store in `data_dir`, its rows and files where `HWB_DATABASE_URL`
/// and `HWB_OBJECT_STORE` say (as the server reads them).
fn open_store(rt: &tokio::runtime::Runtime, data_dir: &str) -> hwb_outcomes::store::Store {
    use hwb_outcomes::store::{Database, Objects, Store};
    let var = |name| std::env::var(name).unwrap_or_default();
    let database = Database::parse(&var("HWB_DATABASE_URL")).expect("HWB_DATABASE_URL");
    let objects = Objects::parse(&var("HWB_OBJECT_STORE")).expect("HWB_OBJECT_STORE");
    rt.block_on(Store::open_with(
        std::path::Path::new(data_dir),
        &database,
        &objects,
    ))
    .unwrap()
}

fn ingest(path: &str, data_dir: &str) {
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let ctx = national_context(&catalogue, &gazetteer);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = open_store(&rt, data_dir);
    // As `hwb-outcomes ingest` does: the file is copied into the store and
    // mapped, and validated while the copy is hashed and synced on another
    // thread; the frame is written as Parquet meanwhile.
    start_trace();
    let start = Instant::now();
    let mapped = store.copy_in(std::path::Path::new(path)).unwrap();
    mark("copied in");
    let mut validated = 0.0;
    let mut frame_bytes = 0;
    let ((extract, stored), staged) = mapped.stage_during(|mapped| {
        let release = |text: &[u8]| mapped.release(text);
        let mut ctx = ctx.clone();
        ctx.release = Some(&release);
        let mut extract = ingest::read("national.csv", mapped.bytes(), None, &ctx);
        validated = start.elapsed().as_secs_f64();
        mark("validated and framed");
        assert!(
            extract.report.is_valid(),
            "{:?}",
            extract.report.errors.first()
        );
        let frame = extract.frame.as_mut().unwrap();
        frame_bytes = frame.estimated_size();
        let stored = store.stage_frame(frame).unwrap();
        mark("frame staged");
        (extract, stored)
    });
    let staged_at = start.elapsed().as_secs_f64();
    mark("bytes staged");
    drop(extract);
    mark("frame dropped");
    let upload = rt
        .block_on(store.keep_upload(
            "national.csv",
            staged.unwrap(),
            "fingertips",
            stored,
            "bench",
        ))
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    mark("kept");
    report_trace();
    println!(
        "{{\"mode\":\"ingest\",\"rows\":{},\"validate_seconds\":{validated:.3},\"staged_seconds\":{staged_at:.3},\"seconds\":{secs:.3},\"frame_bytes\":{frame_bytes},\"peak_rss_kib\":{}}}",
        upload.rows,
        peak_rss_kib()
    );
}

fn publish(path: &str, data_dir: &str) {
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let ctx = national_context(&catalogue, &gazetteer);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = open_store(&rt, data_dir);
    let start = Instant::now();
    let bytes = std::fs::read(path).unwrap();
    let mut frame = ingest::read("national.csv", &bytes, None, &ctx)
        .frame
        .unwrap();
    let edition = rt
        .block_on(async {
            let upload = store
                .add_upload("national.csv", &bytes, "fingertips", &mut frame, "bench")
                .await?;
            let derived = |df, meta| {
                hwb_outcomes::analysis::analyse_edition(
                    df,
                    meta,
                    &catalogue,
                    &gazetteer,
                    "E92000001",
                )
            };
            let e = store
                .create_edition("National benchmark", &[upload.id], false, "bench", derived)
                .await?;
            store.publish(e.id, "bench").await
        })
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"mode\":\"publish\",\"rows\":{},\"seconds\":{secs:.3}}}",
        edition.rows
    );
}

fn analyse(path: &str) {
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let ctx = national_context(&catalogue, &gazetteer);
    let bytes = std::fs::read(path).unwrap();
    // As an edition is analysed: from stored frames, read back as text.
    let mut frame = hwb_outcomes::frame::as_text(
        &ingest::read("national.csv", &bytes, None, &ctx)
            .frame
            .unwrap(),
    )
    .unwrap();
    drop(bytes);
    // Half the rows lose their limits, so they are computed from count and
    // denominator, as for a file that gives none.
    let n = frame.height();
    for name in ["lower_95", "upper_95", "lower_99_8", "upper_99_8"] {
        let col: Vec<Option<f64>> = frame
            .column(name)
            .unwrap()
            .f64()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, v)| if i % 2 == 0 { None } else { v })
            .collect();
        frame
            .with_column(polars::prelude::Column::new(name.into(), col))
            .unwrap();
    }
    let start = Instant::now();
    let out = hwb_outcomes::analysis::analyse(frame, &catalogue, &gazetteer, "E92000001").unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(out.height(), n);
    println!("{{\"mode\":\"analyse\",\"rows\":{n},\"seconds\":{secs:.3}}}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => generate(&args[2]),
        Some("polars") => polars(&args[2]),
        Some("ingest") => ingest(&args[2], &args[3]),
        Some("analyse") => analyse(&args[2]),
        Some("publish") => publish(&args[2], &args[3]),
        _ => {
            eprintln!(
                "usage: bench_ingest generate PATH | polars PATH | ingest PATH DATA_DIR | analyse PATH | publish PATH DATA_DIR"
            );
            std::process::exit(2);
        }
    }
}
