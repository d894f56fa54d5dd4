//! The one CSV writer for every CSV we write (downloads, the audit trail,
//! error reports, the `stats` command): the `csv` crate's quoting, plus a
//! guard against spreadsheet formula injection. A cell that begins with
//! `=`, `+`, `-`, `@`, tab or carriage return and is not a number gets a
//! leading `'`, which Excel and LibreOffice show as text; numbers such as
//! `-1.5` stay numbers.

use std::borrow::Cow;
use std::io::Write;

/// The cell as it is safe to write.
pub fn guard(cell: &[u8]) -> Cow<'_, [u8]> {
    let risky = matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    let number = || {
        std::str::from_utf8(cell)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .is_some_and(f64::is_finite)
    };
    if risky && !number() {
        let mut safe = Vec::with_capacity(cell.len() + 1);
        safe.push(b'\'');
        safe.extend_from_slice(cell);
        Cow::Owned(safe)
    } else {
        Cow::Borrowed(cell)
    }
}

pub struct Writer<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> Writer<W> {
    pub fn from_writer(w: W) -> Writer<W> {
        Writer {
            inner: csv::Writer::from_writer(w),
        }
    }

    /// Writes one record, every cell guarded.
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let cells: Vec<Vec<u8>> = record
            .into_iter()
            .map(|c| guard(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    pub fn into_inner(self) -> Result<W, String> {
        self.inner.into_inner().map_err(|e| e.to_string())
    }
}

/// A whole CSV in memory: a header and rows.
pub fn to_bytes<R, F>(columns: &[&str], rows: R) -> Result<Vec<u8>, String>
where
    R: IntoIterator<Item = F>,
    F: IntoIterator,
    F::Item: AsRef<[u8]>,
{
    let mut out = Writer::from_writer(Vec::new());
    out.write_record(columns).map_err(|e| e.to_string())?;
    for row in rows {
        out.write_record(row).map_err(|e| e.to_string())?;
    }
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        let cases: [(&str, &str); 12] = [
            ("=1+2", "'=1+2"),
            (
                "=HYPERLINK(\"http://evil.example\")",
                "'=HYPERLINK(\"http://evil.example\")",
            ),
            ("+44 151 000", "'+44 151 000"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("-", "'-"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-1.5", "-1.5"),
            ("+2", "+2"),
            ("-inf", "'-inf"),
            ("Halton", "Halton"),
            ("", ""),
        ];
        for (cell, want) in cases {
            assert_eq!(guard(cell.as_bytes()).as_ref(), want.as_bytes(), "{cell:?}");
        }
        let csv = to_bytes(&["a", "b"], [["=1+2", "-3"]]).unwrap();
        assert_eq!(String::from_utf8(csv).unwrap(), "a,b\n'=1+2,-3\n");
    }
}
