//! Excel workbooks: a sheet's cells as text rows, so the CSV checks apply
//! unchanged. Row numbers are the sheet's own, as Excel shows them.

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use std::io::Cursor;

pub struct Sheet {
    pub name: String,
    /// (row number as Excel shows it, cells as text)
    pub rows: Vec<(usize, Vec<String>)>,
}

/// Reads the named sheet, or the first one.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Sheet, String> {
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
    let range = book
        .worksheet_range(&name)
        .map_err(|e| format!("sheet {name:?} cannot be read: {e}"))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows: Vec<(usize, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut text: Vec<String> = vec![String::new(); first_col];
            text.extend(cells.iter().map(cell_text));
            (first_row + i + 1, text)
        })
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
        .collect();
    // Empty cells are not missing fields: every row spans the header's
    // columns, and only cells beyond them holding something count as extra.
    let width = rows.first().map_or(0, |(_, h)| {
        h.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1)
    });
    for (_, cells) in &mut rows {
        let used = cells
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |i| i + 1);
        cells.resize(used.max(width), String::new());
    }
    Ok(Sheet { name, rows })
}

/// A cell as the text a CSV export of it would hold. Whole numbers print
/// without a decimal point; others print exactly (shortest round trip).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(d) => d
            .as_datetime()
            .map_or_else(|| d.as_f64().to_string(), |dt| dt.date().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}
