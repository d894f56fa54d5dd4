//! Ingest: an uploaded file (Fingertips CSV export, the analyst template,
//! or either inside an .xlsx workbook) into the canonical frame
//! (`crate::frame`), with a report an analyst can act on.
//!
//! Nothing here panics on input: every problem becomes an `Issue` naming
//! the file, row, column and value. A file with any error yields no frame.

pub mod columns;
pub mod period;
pub mod report;
mod rows;
pub mod text;
mod xlsx;

use crate::areas::Gazetteer;
use crate::catalogue::Catalogue;
use chrono::NaiveDate;
use polars::prelude::DataFrame;
use report::Report;
use serde::Serialize;
use std::collections::HashMap;
use text::Sniffed;

/// The layout of the rows, whatever the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A Fingertips data export (26 or 27 columns).
    Fingertips,
    /// The project's analyst template (README, `data/template-example.csv`).
    AnalystTemplate,
}

impl Format {
    /// The name reports and the store use (as in the JSON report).
    pub fn label(self) -> &'static str {
        match self {
            Format::Fingertips => "fingertips",
            Format::AnalystTemplate => "analyst-template",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
    /// Errors listed one by one; the rest are counted.
    pub max_listed_errors: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 100 * 1024 * 1024,
            max_rows: 2_000_000,
            max_listed_errors: 10_000,
        }
    }
}

pub struct Context<'a> {
    pub catalogue: &'a Catalogue,
    pub gazetteer: &'a Gazetteer,
    /// Per indicator, the end of the earliest period the published edition
    /// holds; older periods in a file draw a warning.
    pub held_from: HashMap<String, NaiveDate>,
    pub limits: Limits,
    /// Called now and then with (bytes read, total bytes).
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

impl<'a> Context<'a> {
    pub fn new(catalogue: &'a Catalogue, gazetteer: &'a Gazetteer) -> Context<'a> {
        Context {
            catalogue,
            gazetteer,
            held_from: HashMap::new(),
            limits: Limits::default(),
            progress: None,
        }
    }
}

/// A validated file: the frame when it has no error, and the report.
pub struct Extract {
    pub frame: Option<DataFrame>,
    pub report: Report,
}

/// Reads and validates one file. `sheet` picks a workbook sheet (default:
/// the first).
pub fn read(file_name: &str, bytes: &[u8], sheet: Option<&str>, ctx: &Context) -> Extract {
    let mut report = Report::new(file_name);
    let fail = |mut report: Report, message: String| {
        report.file_error(message);
        Extract {
            frame: None,
            report,
        }
    };
    if bytes.len() > ctx.limits.max_bytes {
        let message = format!(
            "the file is {} bytes, over the limit of {} bytes: split it, or raise the limit",
            bytes.len(),
            ctx.limits.max_bytes
        );
        return fail(report, message);
    }
    match text::sniff(bytes) {
        Sniffed::Empty => fail(report, "the file is empty".into()),
        Sniffed::OldExcel => fail(report, "this is an old-style .xls workbook: save it from Excel as .xlsx or as CSV UTF-8".into()),
        Sniffed::Utf16 => fail(report, "the file is UTF-16 text: save it as CSV UTF-8 (or plain CSV) instead".into()),
        Sniffed::Binary => fail(report, "this is not a text file (it holds binary data): upload a CSV file or an .xlsx workbook".into()),
        Sniffed::Xlsx => match xlsx::read(bytes, sheet) {
            Err(message) => fail(report, message),
            Ok(book) => {
                report.file = format!("{file_name} (sheet {})", book.name);
                read_sheet(&book.rows, report, ctx, bytes.len())
            }
        },
        Sniffed::Text => {
            let (text, encoding) = text::decode(bytes);
            report.encoding = Some(encoding);
            read_csv(&text, report, ctx)
        }
    }
}

fn read_csv(text: &str, report: Report, ctx: &Context) -> Extract {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // One record buffer for the whole file: no allocation per row.
    let mut record = csv::StringRecord::new();
    let header_record = match reader.read_record(&mut record) {
        Ok(true) => record.clone(),
        _ => csv::StringRecord::new(),
    };
    let header: Vec<&str> = header_record.iter().collect();
    let mut v = match start(&header, report, ctx, text.len()) {
        Ok(v) => v,
        Err(extract) => return *extract,
    };
    let mut last_start = 0usize;
    let mut row = 1usize;
    while let Ok(true) = reader.read_record(&mut record) {
        row += 1;
        last_start = record.position().map_or(0, |p| p.byte() as usize);
        let fields: Vec<&str> = record.iter().collect();
        if !feed(&mut v, row, &fields, ctx, text.len()) {
            break;
        }
    }
    let (frame, report) = v.finish();
    let mut extract = Extract { frame, report };
    if ends_inside_quotes(&text[last_start.min(text.len())..]) {
        extract.frame = None;
        extract.report.file_error(
            "unbalanced quotes: the last row opens a quoted field that is never closed, so everything after it ran together; check the quote marks in that row",
        );
    }
    extract
}

fn read_sheet(
    rows: &[(usize, Vec<String>)],
    report: Report,
    ctx: &Context,
    total_bytes: usize,
) -> Extract {
    let Some((_, header)) = rows.first() else {
        let mut report = report;
        report.file_error("the sheet is empty");
        return Extract {
            frame: None,
            report,
        };
    };
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut v = match start(&header, report, ctx, total_bytes) {
        Ok(v) => v,
        Err(extract) => return *extract,
    };
    for (n, cells) in &rows[1..] {
        let fields: Vec<&str> = cells.iter().map(String::as_str).collect();
        if !feed(&mut v, *n, &fields, ctx, total_bytes) {
            break;
        }
    }
    let (frame, report) = v.finish();
    Extract { frame, report }
}

/// Recognises the header and sets up validation, or reports why not.
fn start<'a>(
    header: &[&str],
    mut report: Report,
    ctx: &'a Context<'a>,
    total_bytes: usize,
) -> Result<rows::Validator<'a>, Box<Extract>> {
    if header.is_empty() {
        report.file_error("the file is empty");
        return Err(Box::new(Extract {
            frame: None,
            report,
        }));
    }
    match columns::detect(header) {
        Ok(map) => {
            report.format = Some(map.format);
            // A guess from the file size; never trusted beyond the row cap.
            let capacity = (total_bytes / 120).min(ctx.limits.max_rows).max(16);
            Ok(rows::Validator::new(ctx, map, report, capacity))
        }
        Err(message) => {
            report.file_error(message);
            Err(Box::new(Extract {
                frame: None,
                report,
            }))
        }
    }
}

/// Validates one data row; false once the row cap stops reading.
fn feed(
    v: &mut rows::Validator,
    row: usize,
    fields: &[&str],
    ctx: &Context,
    total_bytes: usize,
) -> bool {
    if fields.iter().all(|f| f.trim().is_empty()) {
        return true; // blank spreadsheet rows
    }
    if v.rows() >= ctx.limits.max_rows {
        v.report.file_error(format!(
            "the file has more than {} data rows, the limit: split it, or raise the limit",
            ctx.limits.max_rows
        ));
        return false;
    }
    v.push(row, fields);
    if let Some(progress) = ctx.progress
        && v.rows().is_multiple_of(65_536)
    {
        progress((v.rows() * 120).min(total_bytes) as u64, total_bytes as u64);
    }
    true
}

/// Whether CSV text ends inside a quoted field (an unclosed quote).
fn ends_inside_quotes(tail: &str) -> bool {
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut chars = tail.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if c == '"' && at_field_start {
            in_quotes = true;
        }
        at_field_start = !in_quotes && matches!(c, ',' | '\n' | '\r');
    }
    in_quotes
}
