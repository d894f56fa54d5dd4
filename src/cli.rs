//! The command line. `serve` is the default; later subcommands (validate,
//! ingest, stats, user, ...) slot in beside it.

use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const CONFIG_HELP: &str = "\
Configuration (environment variables):
  LEPTOS_SITE_ADDR    address and port to listen on        [default: 127.0.0.1:3000]
  LEPTOS_SITE_ROOT    folder of the built site (CSS, WASM) [default: target/site]
  HWB_DATA_DIR        runtime data folder (store, uploads) [default: hwb-data]
  HWB_BOARD_FILE      the Board's plan: name, area (its region is the first comparator),
                      priorities, measures, targets, actions [default: data/boards/halton.toml]
  HWB_NATIONAL_CODE   the national comparator              [default: E92000001, England]
  HWB_MAX_BODY_BYTES  largest request body accepted        [default: 104857600]
  HWB_LOG_FORMAT      request log format: text or json     [default: text]
  HWB_FINGERTIPS_URL  the Fingertips API `fetch` reads     [default: https://fingertips.phe.org.uk/api]
  RUST_LOG            log filter                           [default: info]";

#[derive(Debug, Parser)]
#[command(
    name = "hwb-outcomes",
    version,
    about = "Outcomes dashboard of a local Health and Wellbeing Board",
    long_about = "Outcomes dashboard of a local Health and Wellbeing Board: the Board's \
                  priorities (from its board file), each indicator compared with the region \
                  and England, beside the plan's targets and actions.\n\n\
                  With no subcommand, serves the dashboard.",
    after_help = CONFIG_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, PartialEq)]
pub enum Command {
    /// Serve the dashboard over HTTP (the default). Stops cleanly on SIGTERM
    /// or Ctrl-C, finishing requests in flight.
    #[command(after_help = CONFIG_HELP)]
    Serve,
    /// Check files without changing anything: Fingertips CSV exports, the
    /// analyst template, or .xlsx workbooks holding either. Exit status 0
    /// when every file is valid, 1 when any has an error, 2 on a usage error.
    Validate {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the reports as JSON (format, rows, indicators, areas,
        /// periods, errors and warnings with row, column, value, message).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Validate files and, if all are valid, keep them and build a new
    /// edition from the published one plus these files. Nothing is stored
    /// if any file has an error.
    Ingest {
        /// Files to add, applied in order (a later row revises an earlier
        /// one with the same indicator, area, sex, age, category and period).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The new edition's label, e.g. "Board, 10 December 2026".
        #[arg(long)]
        edition: String,
        /// Publish the new edition at once.
        #[arg(long)]
        publish: bool,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Fetch the Board's indicators from the Fingertips API (every
    /// catalogue indicator with a Fingertips ID, for upper-tier areas with
    /// regions as parents, and their metadata) and ingest the answers as a
    /// new edition. Nothing is stored if a request fails or a file is
    /// invalid. The API's address is HWB_FINGERTIPS_URL.
    Fetch(FetchArgs),
    /// List the editions, newest first; * marks the published one.
    Editions,
    /// Publish an edition (by number or exact label); publishing an earlier
    /// edition again is how to roll back.
    Publish { edition: String },
    /// Build a draft again on the published edition (a draft made before
    /// another edition was published cannot be published as it is: it would
    /// drop that edition's rows). Prints the new draft's number.
    Rebuild { edition: i64 },
    /// Manage the accounts of analysts and administrators.
    #[command(subcommand)]
    User(UserCommand),
    /// Work with board files (the Board's plan as data).
    #[command(subcommand)]
    Board(BoardCommand),
    /// Write a consistent copy of the store (database, uploads, editions)
    /// into DIR, a new or empty folder; safe while servers run, on SQLite
    /// or PostgreSQL, from the data folder or a bucket. A MANIFEST with
    /// every file's size and SHA-256 is written last.
    Backup { dir: PathBuf },
    /// Bring a backup back as the store HWB_DATA_DIR, HWB_DATABASE_URL and
    /// HWB_OBJECT_STORE name, which must hold nothing (an empty folder, a
    /// database without rows, no different file in the bucket): nothing is
    /// overwritten. Every file is checked against the backup's MANIFEST
    /// before anything is written. A backup of either engine restores into
    /// either.
    Restore { dir: PathBuf },
    /// Compute public health statistics as PHEindicatormethods does: CSV on
    /// standard input, CSV on standard output with the input columns kept
    /// and the results added. See `hwb-outcomes stats --help`.
    #[command(long_about = STATS_HELP)]
    Stats {
        method: crate::commands::stats::Method,
        /// Confidence level(s): 95, 99.8 or 95,99.8.
        #[arg(long, default_value = "95")]
        confidence: String,
        /// Multiplier: proportion 1 (100 for a percentage), rate and DSR
        /// 100000, ISR ratio 1 (100 for x 100), ISR rate 100000.
        #[arg(long)]
        multiplier: Option<f64>,
        /// isr: the indirectly standardised rate instead of the ratio.
        #[arg(long)]
        rate: bool,
    },
}

#[derive(Debug, Subcommand, PartialEq)]
pub enum BoardCommand {
    /// Check a board file and list its priorities. Exit status 0 when it is
    /// valid, 1 with one line naming the file, line and problem when not.
    Check {
        file: PathBuf,
        /// Print {"priorities":[{"slug","title","indicators","actions"}]}.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand, PartialEq)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input (one line),
    /// never from an argument, so it stays out of shell history and process
    /// lists: `hwb-outcomes user add ana@example.org --role admin < file`,
    /// or type it when asked.
    Add {
        email: String,
        /// analyst (uploads and publishes) or admin (also manages users).
        #[arg(long, value_parser = ["analyst", "admin"])]
        role: String,
    },
    /// List users and their roles.
    List,
}

const STATS_HELP: &str = "Compute public health statistics as PHEindicatormethods does: CSV on standard input, \
CSV on standard output, the input columns kept and the results added under PHEindicatormethods' names \
(value, lowercl, uppercl, or for two levels lower95_0cl, upper95_0cl, lower99_8cl, upper99_8cl; \
confidence, statistic, method; error).

Input columns per method (an optional `group` column groups rows; grouped methods give one row per group):
  proportion       numerator,denominator                    Wilson score
  rate             numerator,denominator                    exact Poisson below 10 events, Byar's from 10
  dsr              group,numerator,denominator,stdpop       one row per age band; Dobson
  isr              group,numerator,denominator,ref_numerator,ref_denominator   ratio, or --rate
  mean             group,value                              Student's t
  life-expectancy  group,age,deaths,population              20 rows per group, age = band start; Chiang II
  compare          value,lowercl,uppercl,benchmark,polarity (+ lower99_8cl,upper99_8cl: two levels)
  trend            group,period,value,lowercl,uppercl,polarity   rows oldest first; Fingertips recent trend

polarity is high, low or none. A row or group that cannot be computed gets its reason in the `error`
column; the exit status is non-zero only for unreadable input.";

#[derive(Debug, Args, PartialEq, Clone)]
pub struct FetchArgs {
    /// Another Fingertips indicator ID to fetch (repeatable).
    #[arg(long = "indicator", value_name = "ID")]
    pub indicators: Vec<String>,
    /// Every indicator of a Fingertips profile too (repeatable), e.g. 19
    /// for the Public Health Outcomes Framework.
    #[arg(long = "profile", value_name = "ID")]
    pub profiles: Vec<u32>,
    /// Only the --indicator and --profile ones, not the catalogue's.
    #[arg(long)]
    pub only: bool,
    /// The new edition's label [default: "Fingertips, <today>"].
    #[arg(long)]
    pub edition: Option<String>,
    /// Publish the new edition at once.
    #[arg(long)]
    pub publish: bool,
    /// Seconds each request may take.
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
    /// Tries per request (connection errors, timeouts, 5xx, cut-off answers).
    #[arg(long, default_value_t = 5)]
    pub attempts: u32,
    /// Milliseconds before the first retry, doubled for each later one.
    #[arg(long, default_value_t = 1000)]
    pub backoff_ms: u64,
    /// Indicator IDs per request (the API takes at most 100).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=100).map(usize::from))]
    pub batch: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=8).map(usize::from))]
    pub concurrency: usize,
    /// Largest answer accepted, in bytes.
    #[arg(long, default_value_t = 100 * 1024 * 1024)]
    pub max_bytes: usize,
    /// Most data rows accepted in one answer.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_rows: usize,
}

#[derive(Debug, Args, PartialEq, Eq, Clone)]
pub struct ReadArgs {
    /// The workbook sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Largest file accepted, in bytes.
    #[arg(long, default_value_t = 100 * 1024 * 1024)]
    pub max_bytes: usize,
    /// Most data rows accepted in one file.
    #[arg(long, default_value_t = 2_000_000)]
    pub max_rows: usize,
}

impl Cli {
    pub fn into_command(self) -> Command {
        self.command.unwrap_or(Command::Serve)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn serve_is_the_default() {
        assert_eq!(
            Cli::try_parse_from(["hwb-outcomes"])
                .unwrap()
                .into_command(),
            Command::Serve
        );
        assert_eq!(
            Cli::try_parse_from(["hwb-outcomes", "serve"])
                .unwrap()
                .into_command(),
            Command::Serve
        );
        assert!(Cli::try_parse_from(["hwb-outcomes", "bogus"]).is_err());
        assert!(
            Cli::try_parse_from(["hwb-outcomes", "validate"]).is_err(),
            "validate needs a file"
        );
        assert!(
            Cli::try_parse_from(["hwb-outcomes", "ingest", "a.csv"]).is_err(),
            "ingest needs --edition"
        );
    }

    #[test]
    fn help_documents_every_subcommand_and_variable() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for sub in [
            "serve", "validate", "ingest", "fetch", "editions", "publish", "stats", "board",
        ] {
            assert!(help.contains(sub), "--help lacks {sub}: {help}");
        }
        for var in [
            "LEPTOS_SITE_ADDR",
            "HWB_DATA_DIR",
            "HWB_BOARD_FILE",
            "HWB_NATIONAL_CODE",
            "HWB_FINGERTIPS_URL",
        ] {
            assert!(help.contains(var), "--help lacks {var}");
        }
    }
}
