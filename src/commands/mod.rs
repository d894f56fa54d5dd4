//! The analyst subcommands: thin wrappers that read files, call ingest and
//! the store, and print what happened. Exit codes: 0 success, 1 invalid
//! data or a failed operation, 2 usage or configuration errors.

pub mod fetch;
pub mod stats;

use crate::areas::Gazetteer;
use crate::catalogue::Catalogue;
use crate::cli::ReadArgs;
use crate::config::Config;
use crate::ingest::{self, Context, Extract, Limits};
use crate::store::{Database, Objects, Staged, StagedFrame, Store, StoreError};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Who made a change from the command line, for the audit trail.
fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

fn limits(read: &ReadArgs) -> Limits {
    Limits {
        max_bytes: read.max_bytes,
        max_rows: read.max_rows,
        ..Limits::default()
    }
}

/// A file read and validated, and (for `ingest`) its bytes staged in the
/// store meanwhile, then its frame when it is valid.
type Checked = (PathBuf, Stored, Extract);

/// A file's bytes and (when valid) its frame, staged in the store.
type Stored = Option<Result<(Staged, Option<StagedFrame>), StoreError>>;

/// Reads and validates each file, with a progress bar on a terminal. With a
/// store, each file's bytes are staged in it while they are validated.
fn read_all(
    files: &[PathBuf],
    read: &ReadArgs,
    held_from: std::collections::HashMap<String, chrono::NaiveDate>,
    store: Option<&Store>,
) -> Vec<Checked> {
    let catalogue = Catalogue::bundled();
    let gazetteer = Gazetteer::bundled();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
            )
            .expect("static template")
            .progress_chars("=> "),
        );
        bar
    });
    let progress = |done: u64, total: u64| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let mut ctx = Context::new(&catalogue, &gazetteer);
    ctx.limits = limits(read);
    ctx.held_from = held_from;
    ctx.progress = Some(&progress);
    let out = files
        .iter()
        .map(|path| {
            let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
            if let Some(bar) = &bar {
                bar.set_message(name.clone());
            }
            let refuse = |message: String| {
                let mut report = ingest::report::Report::new(&name);
                report.file_error(message);
                (None, Extract { frame: None, report })
            };
            // Check the size before reading, so an oversized file is never
            // loaded into memory.
            let (staged, extract) = match std::fs::metadata(path) {
                Err(e) => refuse(format!("cannot be read: {e}")),
                Ok(meta) if meta.len() > ctx.limits.max_bytes as u64 => refuse(format!(
                    "the file is {} bytes, over the limit of {} bytes: split it, or raise --max-bytes",
                    meta.len(),
                    ctx.limits.max_bytes
                )),
                Ok(_) => check_file(path, &name, read.sheet.as_deref(), &ctx, store).unwrap_or_else(refuse),
            };
            (path.clone(), staged, extract)
        })
        .collect();
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    out
}

/// Validates one file. With a store, the file is copied into it and mapped,
/// and validated while the copy is hashed and synced, so the file is never
/// held whole in memory; without, it is read into memory.
fn check_file(
    path: &Path,
    name: &str,
    sheet: Option<&str>,
    ctx: &Context,
    store: Option<&Store>,
) -> Result<(Stored, Extract), String> {
    let Some(store) = store else {
        let bytes = ingest::load(path).map_err(|e| format!("cannot be read: {e}"))?;
        return Ok((None, ingest::read(name, &bytes, sheet, ctx)));
    };
    let mapped = store
        .copy_in(path)
        .map_err(|e| format!("cannot be read: {e}"))?;
    let ((extract, frame), staged) = mapped.stage_during(|mapped| {
        let release = |text: &[u8]| mapped.release(text);
        let mut ctx = ctx.clone();
        ctx.release = Some(&release);
        let mut extract = ingest::read(name, mapped.bytes(), sheet, &ctx);
        let frame = extract.frame.as_mut().map(|f| store.stage_frame(f));
        (extract, frame.transpose())
    });
    let stored = staged.and_then(|staged| Ok((staged, frame?)));
    Ok((Some(stored), extract))
}

fn print_report(report: &ingest::report::Report) {
    let status = if report.is_valid() {
        "valid"
    } else {
        "INVALID"
    };
    let format = report.format.map_or("unknown format", |f| f.label());
    println!(
        "{}: {status}: {format}, {} rows, {} indicators, {} areas, {} periods; {} errors, {} warnings",
        report.file,
        report.rows,
        report.indicators,
        report.areas,
        report.periods,
        report.error_count(),
        report.warnings.len()
    );
    for issue in report.errors.iter().chain(&report.warnings) {
        println!("  {issue}");
    }
    if report.errors_not_listed > 0 {
        println!(
            "  ... and {} more errors not listed",
            report.errors_not_listed
        );
    }
}

pub fn validate(files: &[PathBuf], json: bool, read: &ReadArgs) -> ExitCode {
    let results = read_all(files, read, Default::default(), None);
    let all_valid = results.iter().all(|(_, _, e)| e.report.is_valid());
    if json {
        let reports: Vec<_> = results.iter().map(|(_, _, e)| &e.report).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&reports).expect("reports serialise")
        );
    } else {
        for (_, _, e) in &results {
            print_report(&e.report);
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `hwb-outcomes board check FILE [--json]`.
pub fn board_check(file: &Path, json: bool) -> ExitCode {
    let board = match crate::board::load(file, &Catalogue::bundled()) {
        Ok(board) => board,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(1);
        }
    };
    let priorities: Vec<serde_json::Value> = board
        .priorities
        .iter()
        .map(|p| {
            serde_json::json!({
                "slug": p.slug,
                "title": p.title,
                "indicators": p.indicators().collect::<Vec<_>>(),
                "actions": p.actions.len(),
            })
        })
        .collect();
    if json {
        let out = serde_json::json!({
            "name": board.name,
            "area": board.area,
            "illustrative": board.illustrative,
            "priorities": priorities,
        });
        println!("{out}");
        return ExitCode::SUCCESS;
    }
    println!(
        "{}: {} ({}){}",
        file.display(),
        board.name,
        board.area,
        if board.illustrative {
            ", illustrative"
        } else {
            ""
        }
    );
    for p in &board.priorities {
        println!(
            "  {:<28} {} measures, {} indicators, {} actions",
            p.slug,
            p.measures.len(),
            p.indicators().count(),
            p.actions.len()
        );
    }
    if let Some(pa) = &board.partnership {
        println!(
            "  partnership: {} descriptors, {} assessments",
            board.descriptor_ids().len(),
            pa.assessments.len()
        );
    }
    ExitCode::SUCCESS
}

/// The command's one runtime. One for the whole process: a PostgreSQL
/// pool's connections and a bucket's HTTP client belong to the runtime they
/// were made on, and fail once it is dropped.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime starts")
    })
}

fn open_store(config: &Config) -> Result<Store, String> {
    config.prepare_data_dir().map_err(|e| e.to_string())?;
    runtime()
        .block_on(Store::open_with(
            &config.data_dir,
            &config.database,
            &config.objects,
        ))
        .map_err(|e| {
            format!(
                "cannot open the store in {}: {e}",
                config.data_dir.display()
            )
        })
}

/// Per indicator, the end of the earliest period in the published edition.
pub fn held_from(store: &Store) -> std::collections::HashMap<String, chrono::NaiveDate> {
    use polars::prelude::*;
    let mut held = std::collections::HashMap::new();
    let Ok(Some(edition)) = runtime().block_on(store.published()) else {
        return held;
    };
    let Ok(frame) = runtime().block_on(store.edition_frame(&edition)) else {
        return held;
    };
    let Ok(earliest) = frame
        .lazy()
        .group_by([col(crate::frame::INDICATOR_ID)])
        .agg([col(crate::frame::PERIOD_END).min()])
        .collect()
    else {
        return held;
    };
    if let (Ok(ids), Ok(ends)) = (
        earliest
            .column(crate::frame::INDICATOR_ID)
            .and_then(|c| c.str().cloned()),
        earliest
            .column(crate::frame::PERIOD_END)
            .and_then(|c| c.date().cloned()),
    ) {
        for (id, end) in ids.iter().zip(ends.physical().iter()) {
            if let (Some(id), Some(days)) = (id, end)
                && let Some(date) = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)
                    .and_then(|e| e.checked_add_signed(chrono::Duration::days(days.into())))
            {
                held.insert(id.to_owned(), date);
            }
        }
    }
    held
}

pub fn ingest(
    config: &Config,
    files: &[PathBuf],
    label: &str,
    publish: bool,
    read: &ReadArgs,
) -> ExitCode {
    let store = match open_store(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    let mut results = read_all(files, read, held_from(&store), Some(&store));
    for (_, _, e) in &results {
        print_report(&e.report);
    }
    if !results
        .iter()
        .all(|(_, _, e)| e.report.is_valid() && e.frame.is_some())
    {
        eprintln!(
            "hwb-outcomes: nothing was stored: correct the errors above and run ingest again"
        );
        return ExitCode::from(1);
    }
    let actor = cli_actor();
    let outcome: Result<_, crate::store::StoreError> = runtime().block_on(async {
        let mut ids = Vec::new();
        for (_, staged, extract) in &mut results {
            let format = extract.report.format.map_or("unknown", |f| f.label());
            let (staged, frame) = staged.take().expect("staged while validated")?;
            let frame = frame.expect("a valid file's frame is staged");
            ids.push(
                store
                    .keep_upload(&extract.report.file, staged, format, frame, &actor)
                    .await?
                    .id,
            );
        }
        let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
        let add_derived = |df, meta| {
            crate::analysis::analyse_edition(df, meta, &catalogue, &gazetteer, &config.nation.code)
        };
        let edition = store
            .create_edition(label, &ids, false, &actor, add_derived)
            .await?;
        if publish {
            return store.publish(edition.id, &actor).await;
        }
        Ok(edition)
    });
    match outcome {
        Ok(edition) => {
            let state = if edition.is_published {
                "published"
            } else {
                "draft (publish with `hwb-outcomes publish`)"
            };
            println!(
                "edition {} {:?}: {} rows, {state}",
                edition.id, edition.label, edition.rows
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            ExitCode::from(1)
        }
    }
}

/// `hwb-outcomes backup DIR`.
pub fn backup(config: &Config, dir: &std::path::Path) -> ExitCode {
    let store = match open_store(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    copied(
        "backed up",
        "backup",
        &dir.display().to_string(),
        runtime().block_on(store.backup(dir)),
    )
}

/// `hwb-outcomes restore DIR`.
pub fn restore(config: &Config, dir: &std::path::Path) -> ExitCode {
    let restored = runtime().block_on(crate::store::restore(
        dir,
        &config.data_dir,
        &config.database,
        &config.objects,
    ));
    // Where the rows and the files went: the folder, or the database and
    // the bucket (passwords not shown).
    let into = match (&config.database, &config.objects) {
        (Database::Sqlite, Objects::Folder) => config.data_dir.display().to_string(),
        (database, objects) => format!(
            "{} and {}",
            database.shown(&config.data_dir),
            objects.shown(&config.data_dir)
        ),
    };
    copied("restored", "restore", &into, restored)
}

/// What a backup or restore copied, or why it failed.
fn copied(
    done: &str,
    what: &str,
    into: &str,
    result: Result<crate::store::BackupSummary, StoreError>,
) -> ExitCode {
    match result {
        Ok(s) => {
            println!(
                "{done} {} uploads and {} editions into {}: {} files, {} bytes",
                s.uploads, s.editions, into, s.files, s.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hwb-outcomes: {what} failed: {e}");
            ExitCode::from(1)
        }
    }
}

/// `hwb-outcomes user add|list`.
pub fn user(config: &Config, command: &crate::cli::UserCommand) -> ExitCode {
    use crate::cli::UserCommand;
    use crate::store::Role;
    let store = match open_store(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    match command {
        UserCommand::Add { email, role } => {
            let Some(role) = Role::parse(role) else {
                eprintln!("hwb-outcomes: the role must be analyst or admin");
                return ExitCode::from(2);
            };
            if !email.contains('@') || email.trim() != email {
                eprintln!("hwb-outcomes: {email:?} is not an email address");
                return ExitCode::from(2);
            }
            if std::io::stdin().is_terminal() {
                eprint!(
                    "Password for {email} (at least {} characters; it will show as you type): ",
                    crate::accounts::password::MIN_PASSWORD
                );
            }
            let mut password = String::new();
            if std::io::stdin().read_line(&mut password).is_err() {
                eprintln!("hwb-outcomes: cannot read the password from standard input");
                return ExitCode::from(2);
            }
            let password = password.trim_end_matches(['\r', '\n']);
            let hash = match crate::accounts::password::hash_password(password) {
                Ok(h) => h,
                Err(e) => {
                    eprintln!("hwb-outcomes: {e}");
                    return ExitCode::from(2);
                }
            };
            match runtime().block_on(store.add_user(email, role, &hash, "hwb-outcomes user add")) {
                Ok(u) => {
                    println!("added {} ({})", u.email, u.role.as_str());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("hwb-outcomes: {e}");
                    ExitCode::from(1)
                }
            }
        }
        UserCommand::List => match runtime().block_on(store.users()) {
            Ok(users) => {
                for u in users {
                    let state = if u.active { "" } else { "  (disabled)" };
                    println!("{:<40} {}{state}", u.email, u.role.as_str());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("hwb-outcomes: {e}");
                ExitCode::from(1)
            }
        },
    }
}

pub fn editions(config: &Config) -> ExitCode {
    let store = match open_store(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime().block_on(store.editions()) {
        Ok(list) if list.is_empty() => {
            println!("no editions yet: create one with `hwb-outcomes ingest FILE --edition LABEL`");
            ExitCode::SUCCESS
        }
        Ok(list) => {
            for e in list {
                let mark = if e.is_published { "*" } else { " " };
                let demo = if e.illustrative {
                    " [illustrative data]"
                } else {
                    ""
                };
                println!(
                    "{mark} {:>4}  {}  {:>9} rows  {} by {}{demo}",
                    e.id, e.label, e.rows, e.created_at, e.created_by
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            ExitCode::from(1)
        }
    }
}

/// `hwb-outcomes rebuild ID`: a stale draft's uploads again, on the
/// published edition.
pub fn rebuild(config: &Config, id: i64) -> ExitCode {
    let store = match open_store(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    let (catalogue, gazetteer) = (Catalogue::bundled(), Gazetteer::bundled());
    let add_derived = |df, meta| {
        crate::analysis::analyse_edition(df, meta, &catalogue, &gazetteer, &config.nation.code)
    };
    match runtime().block_on(store.rebuild_edition(id, &cli_actor(), add_derived)) {
        Ok(e) => {
            println!(
                "edition {} {:?}: {} rows, draft built on edition {} (publish with `hwb-outcomes publish {}`)",
                e.id,
                e.label,
                e.rows,
                e.base_id.map_or("none".to_owned(), |b| b.to_string()),
                e.id
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            ExitCode::from(1)
        }
    }
}

pub fn publish(config: &Config, which: &str) -> ExitCode {
    let store = match open_store(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = runtime();
    let id = match which.parse::<i64>() {
        Ok(id) => Ok(id),
        Err(_) => rt
            .block_on(store.editions())
            .map_err(|e| e.to_string())
            .and_then(|list| {
                let matches: Vec<_> = list.iter().filter(|e| e.label == which).collect();
                match matches.as_slice() {
                    [one] => Ok(one.id),
                    [] => Err(format!(
                        "no edition is labelled {which:?}: `hwb-outcomes editions` lists them"
                    )),
                    _ => Err(format!(
                        "several editions are labelled {which:?}: give its number instead"
                    )),
                }
            }),
    };
    let result = id.and_then(|id| {
        rt.block_on(store.publish(id, &cli_actor()))
            .map_err(|e| e.to_string())
    });
    match result {
        Ok(e) => {
            println!("published edition {} {:?}", e.id, e.label);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("hwb-outcomes: {e}");
            ExitCode::from(1)
        }
    }
}
