//! Ingest: an uploaded file (Fingertips CSV export, the analyst template,
//! or either inside an .xlsx workbook) into the canonical frame
//! (`crate::frame`), with a report an analyst can act on.
//!
//! Nothing here panics or exhausts memory on input (a workbook is measured
//! unzipped and streamed, see `xlsx`): every problem becomes an `Issue` naming
//! the file, row, column and value. A file with any error yields no frame.

pub mod columns;
mod lenient;
mod metadata;
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
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use text::Sniffed;

/// The layout of the rows, whatever the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A Fingertips data export (26 or 27 columns).
    Fingertips,
    /// The project's analyst template (README, `data/template-example.csv`).
    AnalystTemplate,
    /// Fingertips's indicator metadata CSV (unit, value type, polarity).
    FingertipsMetadata,
}

impl Format {
    /// The name reports and the store use (as in the JSON report).
    pub fn label(self) -> &'static str {
        match self {
            Format::Fingertips => "fingertips",
            Format::AnalystTemplate => "analyst-template",
            Format::FingertipsMetadata => crate::metadata::FORMAT,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
    /// Errors listed one by one; the rest are counted.
    pub max_listed_errors: usize,
    /// A CSV file is validated in pieces of at least this size, one per
    /// core; a smaller file in one.
    pub piece_bytes: usize,
    /// A workbook's parts, decompressed, together (a zip can claim to be
    /// a thousand times its size).
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 100 * 1024 * 1024,
            max_rows: 2_000_000,
            max_listed_errors: 10_000,
            piece_bytes: 4 << 20,
            max_unzipped_bytes: 1 << 30,
        }
    }
}

/// Gives back a stretch of a mapped file's text the rows are done with.
pub type Release<'a> = dyn Fn(&[u8]) + Sync + 'a;

#[derive(Clone)]
pub struct Context<'a> {
    pub catalogue: &'a Catalogue,
    pub gazetteer: &'a Gazetteer,
    /// Per indicator, the end of the earliest period the published edition
    /// holds; older periods in a file draw a warning.
    pub held_from: HashMap<String, NaiveDate>,
    pub limits: Limits,
    /// Called now and then with (bytes read, total bytes).
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
    /// Called with each stretch of the file's text that the rows are done
    /// with, so a mapped file's pages can be given back
    /// (`store::Mapped::release`).
    pub release: Option<&'a Release<'a>>,
}

impl<'a> Context<'a> {
    fn released(&self, text: &[u8]) {
        if let Some(release) = self.release {
            release(text);
        }
    }

    pub fn new(catalogue: &'a Catalogue, gazetteer: &'a Gazetteer) -> Context<'a> {
        Context {
            catalogue,
            gazetteer,
            held_from: HashMap::new(),
            limits: Limits::default(),
            progress: None,
            release: None,
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
        Sniffed::Xlsx => match xlsx::read(bytes, sheet, &ctx.limits) {
            Err(message) => fail(report, message),
            Ok(book) => {
                report.file = format!("{file_name} (sheet {})", book.name);
                read_sheet(&book.rows, report, ctx, bytes.len())
            }
        },
        Sniffed::Text => {
            // UTF-8 is taken on trust and checked record by record as the
            // rows are read (no pass over the whole file first); only text
            // that turns out not to be is decoded and read again.
            let (utf8, encoding) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
                Some(rest) => (rest, text::Encoding::Utf8WithBom),
                None => (bytes, text::Encoding::Utf8),
            };
            report.encoding = Some(encoding);
            if let Some(extract) = read_csv(utf8, report.clone(), ctx, None) {
                return extract;
            }
            let (text, encoding) = text::decode(bytes);
            report.encoding = Some(encoding);
            read_csv(text.as_bytes(), report.clone(), ctx, None).unwrap_or_else(|| {
                fail(report, "the file could not be decoded as text: save it as CSV UTF-8".into())
            })
        }
    }
}

/// The format a header row announces, if any.
pub fn format_of_header(header: &[&str]) -> Option<Format> {
    if metadata::is_header(header) {
        return Some(Format::FingertipsMetadata);
    }
    columns::detect(header).ok().map(|m| m.format)
}

/// Reads a whole file; a large one in two halves on two threads, since
/// copying it from the page cache is otherwise a serial cost before
/// validation can start.
pub fn load(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len() as usize;
        if len >= PARALLEL_READ_BYTES {
            let mut bytes = vec![0u8; len];
            let (first, second) = bytes.split_at_mut(len / 2);
            std::thread::scope(|scope| {
                let file = &file;
                let rest = scope.spawn(move || file.read_exact_at(second, (len / 2) as u64));
                file.read_exact_at(first, 0)?;
                rest.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
            })?;
            return Ok(bytes);
        }
    }
    std::fs::read(path)
}

/// Below this size a file is read on one thread.
const PARALLEL_READ_BYTES: usize = 4 << 20;

/// Reads CSV text that should be UTF-8; `None` if any of it is not.
/// `chunks` overrides how many pieces the rows are validated in (tests).
fn read_csv(bytes: &[u8], report: Report, ctx: &Context, chunks: Option<usize>) -> Option<Extract> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let header_record = match reader.read_byte_record(&mut record) {
        Ok(true) => record.clone(),
        _ => csv::ByteRecord::new(),
    };
    let header_end = (reader.position().byte() as usize).min(bytes.len());
    simdutf8::basic::from_utf8(&bytes[..header_end]).ok()?;
    let body = &bytes[header_end..];
    // Fields of valid text cut at ASCII delimiters are valid text.
    let header: Vec<&str> = header_record
        .iter()
        .map(|field| std::str::from_utf8(field).unwrap_or_default())
        .collect();
    if metadata::is_header(&header) {
        // A small file: checked whole, then read as text.
        simdutf8::basic::from_utf8(body).ok()?;
        let records = reader.into_records().enumerate().map_while(|(i, r)| {
            r.ok()
                .map(|r| (i + 2, r.iter().map(str::to_owned).collect()))
        });
        return Some(metadata::read(
            &header,
            records,
            report,
            ctx.limits.max_rows,
        ));
    }
    let (map, report) = match start(&header, report) {
        Ok(started) => started,
        Err(extract) => return Some(*extract),
    };
    // A few pieces per thread, taken in turn, so that a thread slowed by
    // another process (or by the hashing beside it) does not hold the rest.
    let pieces = body.len() / ctx.limits.piece_bytes.max(1);
    let threads = rayon::current_num_threads().min(8);
    let chunks = chunks.unwrap_or(pieces.clamp(1, 4 * threads));
    read_body(body, chunks, &map, report, ctx, bytes.len())
}

/// Validates the rows after the header in `chunks` pieces, each thread
/// taking the next; `None` if the text is not all UTF-8. The pieces are cut
/// first at the line end after each even share, taking on trust that it
/// is not inside a quoted field (a line end inside one is rare in exports);
/// if one was, they are cut again where the count of quote marks says a
/// field cannot be open, and if a stray quote mark fooled that count too,
/// the rows are read in one piece.
fn read_body(
    body: &[u8],
    chunks: usize,
    map: &columns::ColumnMap,
    report: Report,
    ctx: &Context,
    total_bytes: usize,
) -> Option<Extract> {
    let mut tried: Vec<Vec<usize>> = Vec::new();
    for attempt in 0..3 {
        let cuts = match attempt {
            0 => line_cuts(body, chunks),
            1 => cut_points(body, chunks),
            _ => close_cuts(vec![0], body.len()),
        };
        if tried.contains(&cuts) {
            continue;
        }
        match read_pieces(body, &cuts, map, &report, ctx, total_bytes) {
            Ok(extract) => return Some(extract),
            Err(Refused::NotUtf8) => return None,
            Err(Refused::CutInQuotes) => tried.push(cuts),
        }
    }
    // Unreachable: one piece has no cut to fall inside quotes.
    None
}

/// Why a reading in pieces gave no answer.
#[derive(Debug, PartialEq)]
enum Refused {
    /// Some of the text is not UTF-8.
    NotUtf8,
    /// A cut fell inside a quoted field.
    CutInQuotes,
}

/// `read_body` in the pieces between `cuts`: refused if a cut fell
/// inside a quoted field or the text is not UTF-8.
fn read_pieces(
    body: &[u8],
    cuts: &[usize],
    map: &columns::ColumnMap,
    report: &Report,
    ctx: &Context,
    total_bytes: usize,
) -> Result<Extract, Refused> {
    let strings = rows::Strings::new();
    let done = std::sync::atomic::AtomicU64::new(0);
    let progress = Progress {
        ctx,
        done: &done,
        total: total_bytes as u64,
    };
    let parts: Vec<&[u8]> = cuts.windows(2).map(|w| &body[w[0]..w[1]]).collect();
    let last = parts.len() - 1;
    // Set by the first piece that finds the whole reading is in vain.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut results: Vec<Part> = {
        use rayon::prelude::*;
        parts
            .par_iter()
            .enumerate()
            .map(|(i, &part)| {
                let shared = Shared {
                    map,
                    report,
                    strings: &strings,
                    ctx,
                    progress: &progress,
                    stop: &stop,
                };
                read_part(part, i == last, &shared)
            })
            .collect()
    };
    if results.iter().any(|p| p.not_utf8) {
        return Err(Refused::NotUtf8);
    }
    if results[..last].iter().any(|p| p.ends_inside_quotes) {
        return Err(Refused::CutInQuotes);
    }
    let unbalanced = results[last].ends_inside_quotes;
    let mut offset = 1; // the header row
    for part in &mut results {
        part.validator.shift(offset);
        offset += part.records;
    }
    let (frame, report) = rows::finish(results.into_iter().map(|p| p.validator).collect());
    let mut extract = Extract { frame, report };
    if unbalanced {
        extract.frame = None;
        extract.report.file_error(
            "unbalanced quotes: the last row opens a quoted field that is never closed, so everything after it ran together; check the quote marks in that row",
        );
    }
    Ok(extract)
}

/// Where to cut CSV text into `n` pieces of about equal size: after the
/// first line end at or past each even share, quotes not counted.
fn line_cuts(bytes: &[u8], n: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    for k in 1..n {
        let target = (bytes.len() / n * k).max(*cuts.last().unwrap_or(&0));
        match memchr::memchr(b'\n', &bytes[target..]) {
            Some(i) if target + i + 1 < bytes.len() => cuts.push(target + i + 1),
            _ => break,
        }
    }
    close_cuts(cuts, bytes.len())
}

/// Where to cut CSV text into `n` pieces of about equal size: after a line
/// end with an even number of quote marks before it, which is outside any
/// quoted field in a well-formed file (`read_body` checks that it was).
fn cut_points(bytes: &[u8], n: usize) -> Vec<usize> {
    let targets: Vec<usize> = (0..n).map(|k| bytes.len() / n * k).collect();
    let odd_before = quotes_odd_before(bytes, &targets);
    let mut cuts = vec![0];
    let mut pos = 0;
    for k in 1..n {
        let target = targets[k];
        if target <= pos {
            continue;
        }
        let mut odd = odd_before[k];
        let mut i = target;
        while i < bytes.len() && (odd || bytes[i] != b'\n') {
            odd ^= bytes[i] == b'"';
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        pos = i + 1;
        cuts.push(pos);
    }
    close_cuts(cuts, bytes.len())
}

/// Cuts from 0 to `len`, each piece not empty (one empty piece for no text).
fn close_cuts(mut cuts: Vec<usize>, len: usize) -> Vec<usize> {
    cuts.push(len);
    cuts.dedup();
    if cuts.len() == 1 {
        cuts.push(0); // an empty body is one empty piece
    }
    cuts
}

/// For each target, whether an odd number of quote marks stand before it
/// (the stretches between targets counted on every thread: it reads nearly
/// the whole file).
fn quotes_odd_before(bytes: &[u8], targets: &[usize]) -> Vec<bool> {
    use rayon::prelude::*;
    let odd_stretch: Vec<bool> = (1..targets.len())
        .into_par_iter()
        .map(|k| memchr::memchr_iter(b'"', &bytes[targets[k - 1]..targets[k]]).count() % 2 == 1)
        .collect();
    let mut before = vec![false];
    for o in odd_stretch {
        before.push(before.last().copied().unwrap_or(false) ^ o);
    }
    before
}

/// Progress shared by the threads of one file.
struct Progress<'a> {
    ctx: &'a Context<'a>,
    done: &'a std::sync::atomic::AtomicU64,
    total: u64,
}

impl Progress<'_> {
    fn add(&self, bytes: u64) {
        use std::sync::atomic::Ordering;
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(progress) = self.ctx.progress {
            progress(done.min(self.total), self.total);
        }
    }
}

/// What every piece of one reading shares.
struct Shared<'a, 's> {
    map: &'s columns::ColumnMap,
    report: &'s Report,
    strings: &'a rows::Strings,
    ctx: &'a Context<'a>,
    progress: &'s Progress<'s>,
    stop: &'s std::sync::atomic::AtomicBool,
}

/// One piece of a file, validated.
struct Part<'a> {
    validator: rows::Validator<'a>,
    /// Records read, blank ones included: how far the next piece's rows
    /// are numbered on.
    records: usize,
    ends_inside_quotes: bool,
    /// Some of the piece is not UTF-8 (the rest of it then unread).
    not_utf8: bool,
}

/// Rows between looks at whether another piece has stopped the reading.
const STOP_EVERY: usize = 4096;

fn read_part<'a>(part: &[u8], is_last: bool, shared: &Shared<'a, '_>) -> Part<'a> {
    use std::sync::atomic::Ordering;
    let ctx = shared.ctx;
    let mut records = Records::new(part);
    let mut v = rows::Validator::new(
        ctx,
        shared.map.clone(),
        shared.strings,
        shared.report.clone(),
        capacity(part.len(), ctx),
    );
    let (mut row, mut last_start, mut reported) = (0usize, 0usize, 0usize);
    let mut capped = false;
    while let Some(record) = records.next_record() {
        row += 1;
        last_start = record.start;
        // The fields on the stack, not in a new vector per row.
        let mut inline = [""; 40];
        let spilled: Vec<&str>;
        let fields: &[&str] = if record.len() <= inline.len() {
            for (slot, field) in inline.iter_mut().zip(record.fields()) {
                *slot = field;
            }
            &inline[..record.len()]
        } else {
            spilled = record.fields().collect();
            &spilled
        };
        if !feed(&mut v, row, fields, ctx) {
            capped = true;
            break;
        }
        if row.is_multiple_of(STOP_EVERY) && shared.stop.load(Ordering::Relaxed) {
            break;
        }
        if row.is_multiple_of(65_536) {
            shared.progress.add((last_start - reported) as u64);
            ctx.released(&part[reported..last_start]);
            reported = last_start;
        }
    }
    // Rows past the cap are not read, but the text's encoding is still
    // decided by all of it, as it would be read whole.
    let not_utf8 =
        records.not_utf8 || (capped && simdutf8::basic::from_utf8(&part[records.pos..]).is_err());
    shared
        .progress
        .add((part.len() - reported.min(part.len())) as u64);
    // The last row is looked at again below, so it is kept.
    ctx.released(&part[reported.min(last_start)..last_start]);
    v.done();
    let ends_inside_quotes = ends_inside_quotes(part.get(last_start..).unwrap_or_default());
    if not_utf8 || (ends_inside_quotes && !is_last) {
        shared.stop.store(true, Ordering::Relaxed);
    }
    Part {
        validator: v,
        records: row,
        ends_inside_quotes,
        not_utf8,
    }
}

/// The records of CSV text, read as the csv crate reads them (its
/// defaults) straight from the text in memory: the csv crate's reader would
/// first copy it through a buffered reader. A line without quote marks or
/// carriage returns inside it, most of a Fingertips export, is split at its
/// commas in place; any other goes through `csv_core`, the csv crate's own
/// parser. The text is checked to be UTF-8 record by record, as it is read.
struct Records<'t> {
    core: csv_core::Reader,
    input: &'t [u8],
    pos: usize,
    /// One buffer for the whole piece: no allocation per row.
    out: Vec<u8>,
    ends: Vec<usize>,
    /// How many of `ends` the last record filled.
    ends_len: usize,
    /// A record was not UTF-8, and reading stopped before it.
    not_utf8: bool,
}

/// One record: its fields' text and where each ends.
struct Record<'r> {
    /// Byte offset of the record in the text.
    start: usize,
    text: &'r str,
    ends: &'r [usize],
    /// Bytes between one field's end and the next one's start: 1 (the
    /// comma) for a line split in place, 0 for `csv_core`'s output.
    gap: usize,
}

impl Record<'_> {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().map(|e| e + self.gap));
        // A field boundary is always a character boundary: fields are cut
        // only at ASCII delimiters, and csv_core removes only ASCII quote
        // marks.
        starts
            .zip(self.ends)
            .map(|(a, &b)| self.text.get(a..b).unwrap_or_default())
    }
}

impl<'t> Records<'t> {
    fn new(input: &'t [u8]) -> Records<'t> {
        let mut core = csv_core::Reader::new();
        // A blank line read first, so that csv_core never takes a byte
        // order mark at the start of a piece for the file's own (`read`
        // removed that): a piece cut anywhere reads as the whole text does.
        let _ = core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        Records {
            core,
            input,
            pos: 0,
            out: vec![0; 4096],
            ends: vec![0; 64],
            ends_len: 0,
            not_utf8: false,
        }
    }

    /// The next record, as `csv::Reader::read_record` reads it (blank lines
    /// skipped, any number of fields); `None` at the end, or before a
    /// record that is not UTF-8 (`not_utf8` then says so).
    fn next_record(&mut self) -> Option<Record<'_>> {
        let start = self.pos;
        let (text, gap) = match self.plain_line() {
            Some(line) => (line, 1),
            None => (self.parsed_record()?, 0),
        };
        // The record's own bytes, blank lines before it included: all the
        // records together are the whole text.
        if simdutf8::basic::from_utf8(&self.input[start..self.pos]).is_err() {
            self.not_utf8 = true;
            self.pos = start;
            return None;
        }
        let text = match gap {
            1 => &self.input[text],
            _ => &self.out[text],
        };
        // SAFETY: the text is the record's bytes, just checked to be UTF-8,
        // or csv_core's output from them: those bytes less ASCII
        // delimiters, quote marks and line ends. Taking whole ASCII
        // characters out of UTF-8 text leaves UTF-8 text.
        let text = unsafe { std::str::from_utf8_unchecked(text) };
        Some(Record {
            start,
            text,
            ends: &self.ends[..self.ends_len],
            gap,
        })
    }

    /// The next record in place, if it is a line with no quote mark and no
    /// carriage return but the one before its line feed: where in the
    /// input its text is, its field ends in `ends` (relative to that text).
    /// Blank lines before it are skipped, as csv_core skips them. `None`,
    /// with nothing read, for any other record, left to `parsed_record`.
    fn plain_line(&mut self) -> Option<std::ops::Range<usize>> {
        let rest = &self.input[self.pos..];
        let skip = rest.iter().position(|&b| b != b'\n' && b != b'\r')?;
        let from = self.pos + skip;
        let newline = from + memchr::memchr(b'\n', &self.input[from..])?;
        let end = match self.input[newline - 1] {
            b'\r' => newline - 1,
            _ => newline,
        };
        let line = &self.input[from..end];
        if memchr::memchr2(b'"', b'\r', line).is_some() {
            return None;
        }
        // Room for a field per byte, so that the loop below needs no
        // bounds check or branch: commas come too often, and too
        // irregularly, for a search or a predicted branch to be quicker.
        if self.ends.len() <= line.len() {
            self.ends.resize(line.len() + 1, 0);
        }
        let ends = &mut self.ends[..=line.len()];
        let mut n = 0;
        for (i, &b) in line.iter().enumerate() {
            ends[n] = i;
            n += usize::from(b == b',');
        }
        ends[n] = line.len();
        self.ends_len = n + 1;
        self.pos = newline + 1;
        Some(from..end)
    }

    /// The next record by `csv_core`: where in `out` its text is, its
    /// field ends in `ends`; `None` at the end of the input.
    fn parsed_record(&mut self) -> Option<std::ops::Range<usize>> {
        use csv_core::ReadRecordResult as R;
        let (mut outlen, mut endlen) = (0, 0);
        loop {
            let (result, nin, nout, nend) = self.core.read_record(
                &self.input[self.pos..],
                &mut self.out[outlen..],
                &mut self.ends[endlen..],
            );
            self.pos += nin;
            outlen += nout;
            endlen += nend;
            match result {
                // The next call passes what is left, empty at the end,
                // which tells csv_core that the input has ended.
                R::InputEmpty => {}
                R::OutputFull => self.out.resize(self.out.len() * 2, 0),
                R::OutputEndsFull => self.ends.resize(self.ends.len() * 2, 0),
                R::Record => break,
                R::End => return None,
            }
        }
        self.ends_len = endlen;
        Some(0..outlen)
    }
}

/// Rows to make room for: a guess from the size, never past the row cap.
fn capacity(bytes: usize, ctx: &Context) -> usize {
    (bytes / 120).min(ctx.limits.max_rows).max(16)
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
    if metadata::is_header(&header) {
        let records = rows[1..].iter().map(|(n, cells)| (*n, cells.clone()));
        return metadata::read(&header, records, report, ctx.limits.max_rows);
    }
    let (map, report) = match start(&header, report) {
        Ok(started) => started,
        Err(extract) => return *extract,
    };
    let strings = rows::Strings::new();
    let mut v = rows::Validator::new(ctx, map, &strings, report, capacity(total_bytes, ctx));
    for (n, cells) in &rows[1..] {
        let fields: Vec<&str> = cells.iter().map(String::as_str).collect();
        if !feed(&mut v, *n, &fields, ctx) {
            break;
        }
    }
    // Sheet rows come numbered as the spreadsheet shows them.
    v.done();
    v.shift(0);
    let (frame, report) = rows::finish(vec![v]);
    Extract { frame, report }
}

/// Recognises the header, or reports why not.
fn start(
    header: &[&str],
    mut report: Report,
) -> Result<(columns::ColumnMap, Report), Box<Extract>> {
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
            Ok((map, report))
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
fn feed(v: &mut rows::Validator, row: usize, fields: &[&str], ctx: &Context) -> bool {
    if fields.iter().all(|f| f.trim().is_empty()) {
        return true; // blank spreadsheet rows
    }
    if v.rows() >= ctx.limits.max_rows {
        v.cap();
        return false;
    }
    v.push(row, fields);
    true
}

/// Whether CSV text ends inside a quoted field (an unclosed quote).
fn ends_inside_quotes(tail: &[u8]) -> bool {
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut bytes = tail.iter().peekable();
    while let Some(&c) = bytes.next() {
        if in_quotes {
            if c == b'"' {
                if bytes.peek() == Some(&&b'"') {
                    bytes.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if c == b'"' && at_field_start {
            in_quotes = true;
        }
        at_field_start = !in_quotes && matches!(c, b',' | b'\n' | b'\r');
    }
    in_quotes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::as_text;

    /// A template file with what makes chunking hard: quoted fields holding
    /// commas, newlines and doubled quotes; quote marks inside unquoted
    /// fields (which fool a quote count); blank lines; errors, warnings and
    /// a duplicate far from its first row.
    fn awkward_file(line_end: &str, with_errors: bool, stray_quotes: bool) -> String {
        let id = Catalogue::bundled()
            .iter()
            .next()
            .expect("an indicator")
            .id
            .clone();
        let mut out = columns::TEMPLATE_COLUMNS.join(",") + line_end;
        for i in 0..400 {
            let area = ["E06000006", "E06000007", "E06000008", "E06999999"][i % 4];
            let name = if i % 7 == 0 {
                format!("\"Name, with{line_end}a \"\"quote\"\"\"")
            } else {
                "Plain name".to_owned()
            };
            let category = if stray_quotes && i % 11 == 0 {
                "5\" decile"
            } else {
                ""
            };
            let value = match i {
                123 if with_errors => "x".to_owned(),
                _ if i % 17 == 0 => String::new(),
                _ => format!("{}.5", i % 90),
            };
            let note = if i % 17 == 0 { "suppressed" } else { "" };
            let period = if i == 350 && with_errors {
                2000
            } else {
                2000 + i / 4
            };
            out += &format!(
                "{id},{name},{area},,Persons,All ages,,{category},{period},{value},,,,,,,{note}{line_end}"
            );
            if i % 50 == 0 {
                out += line_end;
            }
        }
        out
    }

    /// The file in `chunks` pieces cut where quote marks are counted (the
    /// cuts tried after the line-end cuts); `None` when a cut fell inside
    /// quotes.
    fn read_in(text: &str, chunks: usize) -> Option<Extract> {
        let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
        let ctx = Context::new(&c, &g);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut header = csv::StringRecord::new();
        reader.read_record(&mut header).expect("a header");
        let body = &text[reader.position().byte() as usize..];
        let header: Vec<&str> = header.iter().collect();
        let (map, report) = start(&header, Report::new("awkward.csv"))
            .ok()
            .expect("a template header");
        let cuts = cut_points(body.as_bytes(), chunks);
        read_pieces(body.as_bytes(), &cuts, &map, &report, &ctx, text.len()).ok()
    }

    /// The UTF-8 file read as `read` reads it, in `chunks` pieces.
    fn read_chunked(text: &str, ctx: &Context, chunks: usize) -> Extract {
        read_csv(
            text.as_bytes(),
            Report::new("awkward.csv"),
            ctx,
            Some(chunks),
        )
        .expect("UTF-8")
    }

    /// Every record `Records` reads from `text`, as bytes.
    fn records_of(text: &str) -> Vec<Vec<Vec<u8>>> {
        let mut records = Records::new(text.as_bytes());
        let mut out = Vec::new();
        while let Some(r) = records.next_record() {
            out.push(r.fields().map(|f| f.as_bytes().to_vec()).collect());
        }
        assert!(!records.not_utf8);
        out
    }

    #[test]
    fn records_read_as_the_csv_crate_reads_them() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        // Plain text and commas most, so that many lines take the in-place
        // path, beside everything that must not: quotes, lone and paired
        // carriage returns, blank lines, byte order marks, a last line
        // with no line end.
        let tokens = [
            "ab", "ab", "ab", "é", ",", ",", ",", "\n", "\n", "\r\n", "\r", "\"", "\"\"", " ",
            "\u{feff}",
        ];
        for case in 0..20_000 {
            let n = rng.random_range(0..40);
            let text: String = (0..n)
                .map(|_| tokens[rng.random_range(0..tokens.len())])
                .collect();
            // The csv crate after a blank line, which it skips: it then
            // keeps a byte order mark at the start as text, as every piece
            // of a file after its header does.
            let after_blank = format!("\n{text}");
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(after_blank.as_bytes());
            let expected: Vec<Vec<Vec<u8>>> = reader
                .byte_records()
                .map(|r| r.expect("csv").iter().map(<[u8]>::to_vec).collect())
                .collect();
            assert_eq!(records_of(&text), expected, "case {case}: {text:?}");
        }
        // The in-place path itself: fields cut at commas, empty ones kept,
        // a carriage return before the line feed taken off.
        assert_eq!(
            records_of("a,,b\r\n\n,\nc\n"),
            [vec![&b"a"[..], b"", b"b"], vec![b"", b""], vec![b"c"]]
        );
    }

    fn assert_same(many: &Extract, one: &Extract, what: &str) {
        assert_eq!(many.report.errors, one.report.errors, "{what}");
        assert_eq!(many.report.warnings, one.report.warnings, "{what}");
        let counts = |r: &Report| (r.rows, r.indicators, r.areas, r.periods);
        assert_eq!(counts(&many.report), counts(&one.report), "{what}");
        match (&many.frame, &one.frame) {
            (Some(a), Some(b)) => {
                let (a, b) = (as_text(a).expect("text"), as_text(b).expect("text"));
                assert!(a.equals_missing(&b), "{what}");
            }
            (None, None) => {}
            _ => panic!("{what}: one has a frame, the other not"),
        }
    }

    #[test]
    fn any_number_of_chunks_gives_the_one_pass_result() {
        for line_end in ["\n", "\r\n"] {
            let text = awkward_file(line_end, true, false);
            let one = read_in(&text, 1).expect("one piece");
            // The file's own problems, found in one pass: record i is row
            // i + 2 (blank lines are not records).
            assert_eq!(one.report.rows, 400);
            assert!(
                one.report
                    .errors
                    .iter()
                    .any(|e| e.row == Some(125) && e.value.as_deref() == Some("x"))
            );
            let duplicate = one
                .report
                .errors
                .iter()
                .find(|e| e.message.starts_with("duplicate of row"))
                .expect("the repeated key is found");
            assert_eq!(duplicate.row, Some(352));
            assert!(
                duplicate.message.starts_with("duplicate of row 4:"),
                "{duplicate:?}"
            );
            assert!(!one.report.warnings.is_empty());
            assert!(one.frame.is_none());
            let valid = awkward_file(line_end, false, false);
            let one_valid = read_in(&valid, 1).expect("one piece");
            assert!(
                one_valid.report.is_valid(),
                "{:#?}",
                one_valid.report.errors
            );
            for chunks in 2..=13 {
                let what = format!("{chunks} chunks, {line_end:?}");
                let many = read_in(&text, chunks).expect("quotes are balanced at every cut");
                assert_same(&many, &one, &what);
                let many = read_in(&valid, chunks).expect("quotes are balanced at every cut");
                assert_same(&many, &one_valid, &what);
            }
        }
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_falls_back_to_one_pass() {
        let text = awkward_file("\n", true, true);
        let one = read_in(&text, 1).expect("one piece");
        assert!(
            (2..=13).any(|n| read_in(&text, n).is_none()),
            "the stray quotes fool the cut at some count"
        );
        // Whatever the count, the answer is the one-pass answer.
        let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
        let ctx = Context::new(&c, &g);
        for chunks in 2..=13 {
            let e = read_chunked(&text, &ctx, chunks);
            assert_same(&e, &one, &format!("{chunks} chunks"));
        }
    }

    #[test]
    fn line_cuts_inside_quotes_are_cut_again_to_the_same_answer() {
        let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
        let ctx = Context::new(&c, &g);
        for line_end in ["\n", "\r\n"] {
            let text = awkward_file(line_end, true, false);
            let one = read_in(&text, 1).expect("one piece");
            let (header_end, _) = text.split_once(line_end).expect("a header");
            let body = &text.as_bytes()[header_end.len() + line_end.len()..];
            let map =
                columns::detect(&header_end.split(',').collect::<Vec<_>>()).expect("template");
            let report = Report::new("awkward.csv");
            let mut fooled = 0;
            for chunks in 2..=13 {
                let cuts = line_cuts(body, chunks);
                if read_pieces(body, &cuts, &map, &report, &ctx, text.len()).err()
                    == Some(Refused::CutInQuotes)
                {
                    fooled += 1;
                }
                let e = read_chunked(&text, &ctx, chunks);
                assert_same(&e, &one, &format!("{chunks} chunks, {line_end:?}"));
            }
            assert!(fooled > 0, "some line-end cut falls inside a quoted name");
        }
    }

    #[test]
    fn line_cuts_follow_line_ends_and_leave_no_piece_empty() {
        let text = b"a,b\n\"x\ny\",z\nc,d\ne,f\n";
        for n in 1..=40 {
            let cuts = line_cuts(text, n);
            assert_eq!((cuts[0], *cuts.last().unwrap()), (0, text.len()), "{n}");
            assert!(cuts.windows(2).all(|w| w[0] < w[1]), "{n}: {cuts:?}");
            assert!(
                cuts[1..cuts.len() - 1]
                    .iter()
                    .all(|&c| text[c - 1] == b'\n')
            );
        }
        assert_eq!(line_cuts(b"no line end", 4), vec![0, 11]);
        assert_eq!(line_cuts(b"", 4), vec![0, 0]);
    }

    #[test]
    fn text_not_utf8_far_into_the_file_is_read_as_windows_1252_in_any_pieces() {
        let (c, g) = (Catalogue::bundled(), Gazetteer::bundled());
        let valid = awkward_file("\n", true, false);
        // "Ynys Môn – 5" as Excel saves it, in the last row's note: the first
        // pieces are UTF-8, the last is not.
        let mut excel = valid.trim_end().as_bytes().to_vec();
        excel.extend_from_slice(b"Ynys M\xF4n \x96 5\n");
        let read = |bytes: &[u8], piece_bytes: usize, max_rows: usize| {
            let mut ctx = Context::new(&c, &g);
            ctx.limits.piece_bytes = piece_bytes;
            ctx.limits.max_rows = max_rows;
            read("excel.csv", bytes, None, &ctx)
        };
        // Past the row cap (100) rows are not read, but the encoding is
        // still the whole text's.
        for max_rows in [usize::MAX, 100] {
            let one = read(&excel, usize::MAX, max_rows);
            assert_eq!(one.report.encoding, Some(text::Encoding::Windows1252));
            for piece_bytes in [256, 1000, 4096] {
                let many = read(&excel, piece_bytes, max_rows);
                assert_eq!(many.report.encoding, Some(text::Encoding::Windows1252));
                if max_rows == usize::MAX {
                    assert_same(&many, &one, &format!("{piece_bytes} bytes a piece"));
                }
            }
            // The same file in UTF-8 stays UTF-8.
            let utf8 = read(valid.as_bytes(), 256, max_rows);
            assert_eq!(utf8.report.encoding, Some(text::Encoding::Utf8));
        }
        let note = |e: &Extract| {
            let frame = as_text(e.frame.as_ref().expect("a frame")).expect("text");
            let notes = frame
                .column(crate::frame::VALUE_NOTE)
                .expect("note")
                .str()
                .expect("str")
                .clone();
            notes
                .iter()
                .flatten()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let valid_only = awkward_file("\n", false, false);
        let mut excel = valid_only.trim_end().as_bytes().to_vec();
        excel.extend_from_slice(b"Ynys M\xF4n \x96 5\n");
        let many = read(&excel, 256, usize::MAX);
        assert!(many.report.is_valid(), "{:#?}", many.report.errors);
        assert!(note(&many).iter().any(|n| n == "Ynys Môn – 5"));
    }

    #[test]
    fn cuts_fall_after_line_ends_outside_quotes() {
        let text = b"a,b\n\"x\ny\",z\nc,d\ne,f\n";
        for n in 1..=6 {
            let cuts = cut_points(text, n);
            assert_eq!((cuts[0], *cuts.last().unwrap()), (0, text.len()));
            for &cut in &cuts[1..cuts.len() - 1] {
                assert_eq!(text[cut - 1], b'\n');
                let quotes = text[..cut].iter().filter(|&&b| b == b'"').count();
                assert_eq!(quotes % 2, 0, "cut {cut} of {n}");
            }
        }
        assert_eq!(cut_points(b"", 4), vec![0, 0]);
    }

    #[test]
    fn cuts_fall_outside_quoted_line_ends_however_many_pieces() {
        // Quoted fields with line ends in them, all through the file.
        let record = "E06000006,\"a note\nover two lines\",12.5\nE06000007,plain,3\n";
        let text = record.repeat(1000);
        for n in 2..=40 {
            let cuts = cut_points(text.as_bytes(), n);
            assert_eq!(cuts.len(), n + 1, "{n} pieces");
            for &cut in &cuts[1..n] {
                let quotes = memchr::memchr_iter(b'"', &text.as_bytes()[..cut]).count();
                assert_eq!(
                    (text.as_bytes()[cut - 1], quotes % 2),
                    (b'\n', 0),
                    "cut {cut} of {n}"
                );
            }
        }
    }
}
