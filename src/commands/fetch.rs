//! `hwb-outcomes fetch`: the Board's indicators from the Fingertips API,
//! then the ordinary `ingest` of the answers (kept as uploads, validated,
//! made into an edition). A failed fetch stores nothing.

use super::{ingest, runtime};
use crate::catalogue::Catalogue;
use crate::cli::{FetchArgs, ReadArgs};
use crate::config::Config;
use crate::fetch::{self, Outcome, Plan, is_fingertips_id};
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The plan: every catalogue indicator with a Fingertips ID and every
/// other one the board file names (unless `--only`), plus `--indicator` and
/// `--profile`.
pub fn plan(config: &Config, args: &FetchArgs) -> Plan {
    let mut plan = if args.only {
        Plan::new(&config.fingertips_url, Vec::new())
    } else {
        let mut plan = Plan::for_catalogue(&config.fingertips_url, &Catalogue::bundled());
        // And the Fingertips indicators the board file names beyond them.
        let board = config
            .board
            .headline_indicators()
            .chain(config.board.priorities.iter().flat_map(|p| p.indicators()));
        for id in board {
            if is_fingertips_id(id) && !plan.indicators.iter().any(|i| i == id) {
                plan.indicators.push(id.to_owned());
            }
        }
        plan
    };
    plan.indicators.extend(args.indicators.iter().cloned());
    plan.profiles = args.profiles.clone();
    plan.batch = args.batch;
    plan.concurrency = args.concurrency;
    plan.timeout = Duration::from_secs_f64(args.timeout);
    plan.attempts = args.attempts;
    plan.backoff = Duration::from_millis(args.backoff_ms);
    plan
}

pub fn run(config: &Config, args: &FetchArgs) -> ExitCode {
    if let Some(bad) = args.indicators.iter().find(|i| !is_fingertips_id(i)) {
        eprintln!(
            "hwb-outcomes: --indicator {bad:?}: a Fingertips indicator ID is a whole number, such as 92443"
        );
        return ExitCode::from(2);
    }
    let plan = plan(config, args);
    if plan.indicators.is_empty() && plan.profiles.is_empty() {
        eprintln!("hwb-outcomes: nothing to fetch: name --indicator or --profile, or drop --only");
        return ExitCode::from(2);
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("Fingertips [{bar:30}] {pos}/{len} requests")
                .expect("static template")
                .progress_chars("=> "),
        );
        bar
    });
    let shown = bar.clone();
    let progress: Arc<fetch::Progress> = Arc::new(move |done, planned| {
        if let Some(bar) = &shown {
            bar.set_length(planned as u64);
            bar.set_position(done as u64);
        }
    });
    let fetched = runtime().block_on(fetch::run(&plan, progress));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let outcome = match fetched {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "hwb-outcomes: cannot fetch from Fingertips: {e}; nothing was stored and the published edition is unchanged"
            );
            return ExitCode::from(1);
        }
    };
    print_summary(&outcome, &plan);
    // The answers become files for `ingest`, named as they are kept.
    let dir = config
        .data_dir
        .join(format!("fetch-{}.partial", std::process::id()));
    let written = std::fs::create_dir_all(&dir).and_then(|()| {
        outcome
            .files
            .iter()
            .map(|f| {
                let path = dir.join(&f.file_name);
                std::fs::write(&path, &f.bytes).map(|()| path)
            })
            .collect::<std::io::Result<Vec<_>>>()
    });
    let code = match written {
        Ok(paths) => {
            let label = args.edition.clone().unwrap_or_else(|| {
                format!("Fingertips, {}", chrono::Local::now().format("%-d %B %Y"))
            });
            let read = ReadArgs {
                sheet: None,
                max_bytes: args.max_bytes,
                max_rows: args.max_rows,
            };
            ingest(config, &paths, &label, args.publish, &read)
        }
        Err(e) => {
            eprintln!(
                "hwb-outcomes: cannot write the answers into {}: {e}; nothing was stored",
                dir.display()
            );
            ExitCode::from(1)
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    code
}

fn print_summary(outcome: &Outcome, plan: &Plan) {
    let under = |t: u32| outcome.found.values().filter(|&&a| a == t).count();
    println!(
        "Fingertips: {} indicators with data ({} for area type {}, {} only for the earlier type {}), metadata for {}; {} requests",
        outcome.found.len(),
        under(plan.area_type),
        plan.area_type,
        under(plan.fallback_area_type),
        plan.fallback_area_type,
        outcome.described,
        outcome.requests
    );
    if !outcome.missing.is_empty() {
        println!(
            "  warning: no data for {} indicators under area type {} or {}: {}",
            outcome.missing.len(),
            plan.area_type,
            plan.fallback_area_type,
            outcome.missing.join(", ")
        );
    }
}
