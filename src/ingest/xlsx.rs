//! Excel workbooks: a sheet's cells as text rows, so the CSV checks apply
//! unchanged. Row numbers are the sheet's own, as Excel shows them.
//!
//! A workbook is a zip of XML, so a small file can claim to be enormous.
//! Before calamine opens it, every entry is decompressed once into nothing
//! to measure its real size against a cap; the sheet's declared dimension
//! is checked; and cells are then streamed (never a dense range over the
//! bounding box, which for a sheet with cells at A1 and XFD1048576 would
//! be 17 billion cells), stopping at the row, column and cell caps.

use calamine::{DataRef, Reader, Xlsx, open_workbook_from_rs};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Columns read: Fingertips files have 27; anything past this is refused.
pub const MAX_COLUMNS: u32 = 1024;
const MAX_ENTRIES: usize = 10_000;
/// Cells held (each row counted as wide as its last used column), per row
/// allowed: the template and Fingertips files have at most 27 columns.
const CELLS_PER_ROW: usize = 32;

pub struct Sheet {
    pub name: String,
    /// (row number as Excel shows it, cells as text)
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads the named sheet, or the first one, holding at most `max_rows`
/// rows; a refusal says which limit was reached.
pub fn read(bytes: &[u8], sheet: Option<&str>, limits: &super::Limits) -> Result<Sheet, String> {
    check_entries(bytes, limits.max_unzipped_bytes)?;
    let max_rows = limits.max_rows;
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| format!("not a readable .xlsx workbook ({e}): save it again from Excel as .xlsx, or as CSV UTF-8"))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet named {wanted:?}; its sheets are: {}",
                    names.join(", ")
                )
            })?,
        None => names.first().cloned().ok_or("the workbook has no sheets")?,
    };
    let rows = read_cells(&mut book, &name, max_rows)?;
    Ok(Sheet {
        name,
        rows: square(rows),
    })
}

/// Every zip entry's real decompressed size, against the caps.
fn check_entries(bytes: &[u8], max_unzipped: u64) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        format!("not a readable .xlsx workbook ({e}): save it again from Excel as .xlsx, or as CSV UTF-8")
    })?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "the workbook holds {} parts; the most accepted is {MAX_ENTRIES}: save it again from Excel, or as CSV UTF-8",
            zip.len()
        ));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("part {i} of the workbook cannot be read: {e}"))?;
        let room = max_unzipped - total;
        let read =
            std::io::copy(&mut (&mut entry).take(room + 1), &mut std::io::sink()).map_err(|e| {
                format!(
                    "part {:?} of the workbook cannot be read: {e}",
                    entry.name()
                )
            })?;
        total += read;
        if total > max_unzipped {
            return Err(format!(
                "the workbook expands to more than {} MB of data when unzipped, the most accepted: save the sheet as CSV UTF-8 instead, or split it",
                max_unzipped >> 20
            ));
        }
    }
    Ok(())
}

/// The sheet's non-empty cells by row, streamed, within the caps.
fn read_cells<RS: Read + std::io::Seek>(
    book: &mut Xlsx<RS>,
    name: &str,
    max_rows: usize,
) -> Result<BTreeMap<u32, Vec<(u32, String)>>, String> {
    let mut cells = book
        .worksheet_cells_reader(name)
        .map_err(|e| format!("sheet {name:?} cannot be read: {e}"))?;
    let dims = cells.dimensions();
    let declared_cols = dims.end.1.saturating_sub(dims.start.1) + 1;
    if dims.end.1 >= MAX_COLUMNS && declared_cols > 1 {
        return Err(format!(
            "sheet {name:?} says it uses columns up to {} ({} columns); the most read is {MAX_COLUMNS}: delete the cells beyond the data's last column, or save the sheet as CSV UTF-8",
            column_name(dims.end.1),
            dims.end.1 + 1
        ));
    }
    let max_cells = max_rows.saturating_mul(CELLS_PER_ROW);
    let mut rows: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    let mut held = 0usize;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(format!("sheet {name:?} cannot be read: {e}")),
        };
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let (row, col) = cell.get_position();
        if col >= MAX_COLUMNS {
            return Err(format!(
                "sheet {name:?} has a value in column {} (cell {}{}); the most read is {MAX_COLUMNS} columns: delete the cells beyond the data's last column",
                column_name(col),
                column_name(col),
                row as u64 + 1
            ));
        }
        // The header and `max_rows` data rows.
        if !rows.contains_key(&row) && rows.len() > max_rows {
            return Err(format!(
                "sheet {name:?} has more than {max_rows} rows, the most accepted: split it into several files"
            ));
        }
        let entry = rows.entry(row).or_default();
        // Count the row as wide as its last used column, as it will be held.
        let width_before = entry.iter().map(|(c, _)| c + 1).max().unwrap_or(0) as usize;
        entry.push((col, text));
        let width = width_before.max(col as usize + 1);
        held += width - width_before;
        if held > max_cells {
            return Err(format!(
                "sheet {name:?} holds more than {max_cells} cells (rows × columns used), the most accepted: split it into several files, or save it as CSV UTF-8"
            ));
        }
    }
    Ok(rows)
}

/// Rows as text in sheet order, each spanning the header's columns; only
/// cells beyond them holding something count as extra.
fn square(rows: BTreeMap<u32, Vec<(u32, String)>>) -> Vec<(usize, Vec<String>)> {
    let mut out: Vec<(usize, Vec<String>)> = rows
        .into_iter()
        .map(|(row, cells)| {
            let used = cells
                .iter()
                .map(|(c, _)| *c as usize + 1)
                .max()
                .unwrap_or(0);
            let mut text = vec![String::new(); used];
            for (col, value) in cells {
                text[col as usize] = value;
            }
            (row as usize + 1, text)
        })
        .collect();
    let width = out.first().map_or(0, |(_, h)| h.len());
    for (_, cells) in &mut out {
        if cells.len() < width {
            cells.resize(width, String::new());
        }
    }
    out
}

/// Excel's name of a zero-based column (0 is A, 16383 is XFD).
fn column_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        name.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// A cell as the text a CSV export of it would hold. Whole numbers print
/// without a decimal point; others print exactly (shortest round trip).
fn cell_text(cell: &DataRef) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        DataRef::DateTime(d) => d
            .as_datetime()
            .map_or_else(|| d.as_f64().to_string(), |dt| dt.date().to_string()),
        DataRef::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_excel_names_them() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16383), "XFD");
    }
}
