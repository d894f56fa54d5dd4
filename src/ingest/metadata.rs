//! Fingertips's indicator metadata CSV (`indicator_metadata/csv/...`, 32
//! columns today): one row per indicator with its unit, value type and
//! polarity, which judge indicators the catalogue does not list
//! (`crate::metadata`). Read by name, since its text columns change.

use super::columns::normalise;
use super::report::{Report, Severity};
use super::{Extract, Format};
use crate::catalogue::{Indicator, Origin};
use crate::domain::{ComparisonMethod, ValueType};

/// A metadata header: an indicator ID and the three properties, and no
/// area code (so it is never a data file).
pub fn is_header(header: &[&str]) -> bool {
    let normal: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let has = |n: &str| normal.iter().any(|h| h == n);
    has("indicatorid") && has("polarity") && has("valuetype") && has("unit") && !has("areacode")
}

/// Validates the rows after `header` (`records`: spreadsheet row number and
/// fields) into the metadata frame.
pub fn read<'r>(
    header: &[&str],
    records: impl Iterator<Item = (usize, Vec<String>)> + 'r,
    mut report: Report,
    max_rows: usize,
) -> Extract {
    report.format = Some(Format::FingertipsMetadata);
    let normal: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let at = |n: &str| normal.iter().position(|h| h == n);
    let name_at =
        |i: Option<usize>| i.map(|i| header[i].trim().trim_start_matches('\u{feff}').to_owned());
    let (id_at, name, unit_at, type_at, polarity_at) = (
        at("indicatorid"),
        at("indicator").or(at("indicatorname")),
        at("unit"),
        at("valuetype"),
        at("polarity"),
    );
    let mut indicators: Vec<Indicator> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for (row, fields) in records {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        report.rows += 1;
        if report.rows > max_rows {
            report.file_error(format!(
                "the file has more than {max_rows} data rows, the limit"
            ));
            break;
        }
        let get = |i: Option<usize>| i.and_then(|i| fields.get(i)).map_or("", |s| s.trim());
        let id = get(id_at);
        let mut error = |column: Option<usize>, value: &str, message: String| {
            let issue = report.issue(
                Severity::Error,
                Some(row),
                name_at(column).as_deref(),
                Some(value),
                message,
            );
            report.errors.push(issue);
        };
        if id.is_empty() {
            error(
                id_at,
                "",
                "the indicator ID is empty: every metadata row needs one".into(),
            );
            continue;
        }
        if let Some(first) = seen.insert(id.to_owned(), row) {
            error(
                id_at,
                id,
                format!(
                    "indicator {id} is described twice (first in row {first}): keep one row per indicator"
                ),
            );
            continue;
        }
        let Some(polarity) = crate::metadata::polarity(get(polarity_at)) else {
            error(polarity_at, get(polarity_at), "not a Fingertips polarity: expected RAG - High is good, RAG - Low is good, BOB - Blue orange blue or Not applicable".into());
            continue;
        };
        let value_type = match crate::metadata::value_type(get(type_at)) {
            Some(t) => t,
            None => {
                let issue = report.issue(
                    Severity::Warning,
                    Some(row),
                    name_at(type_at).as_deref(),
                    Some(get(type_at)),
                    format!("indicator {id}: a value type the dashboard has no method for; it is compared as given, and no limits are computed for it"),
                );
                report.warnings.push(issue);
                ValueType::Score
            }
        };
        indicators.push(Indicator::outside_catalogue(
            id,
            get(name),
            value_type,
            get(unit_at),
            polarity,
            ComparisonMethod::Ci95,
            Origin::FingertipsMetadata,
        ));
    }
    report.indicators = indicators.len();
    if report.rows == 0 && report.errors.is_empty() {
        report.file_error("the metadata file has a header but no indicators");
    }
    if !report.is_valid() {
        return Extract {
            frame: None,
            report,
        };
    }
    match crate::metadata::to_frame(&indicators) {
        Ok(frame) => Extract {
            frame: Some(frame),
            report,
        },
        Err(e) => {
            report.file_error(format!("internal error assembling the metadata: {e}"));
            Extract {
                frame: None,
                report,
            }
        }
    }
}
