//! Which format a header row is, and where each canonical field sits in it.
//!
//! Header names are compared ignoring case, spaces and punctuation, which
//! absorbs the real-world variants (`AreaName`, `Area Name`, a byte-order
//! mark) without a special case each.

use super::Format;

/// The fields a source file can carry, in canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    IndicatorId,
    IndicatorName,
    ParentCode,
    AreaCode,
    AreaName,
    AreaType,
    Sex,
    Age,
    CategoryType,
    Category,
    Period,
    Value,
    Lower95,
    Upper95,
    Lower998,
    Upper998,
    Count,
    Denominator,
    ValueNote,
    RecentTrend,
    ComparedEngland,
    ComparedParent,
    ComparedGoal,
}

impl Field {
    /// Fingertips's own judgements: kept as provenance, never needed.
    pub fn is_provenance(self) -> bool {
        matches!(
            self,
            Field::RecentTrend
                | Field::ComparedEngland
                | Field::ComparedParent
                | Field::ComparedGoal
        )
    }
}

pub const FIELDS: [Field; 23] = [
    Field::IndicatorId,
    Field::IndicatorName,
    Field::ParentCode,
    Field::AreaCode,
    Field::AreaName,
    Field::AreaType,
    Field::Sex,
    Field::Age,
    Field::CategoryType,
    Field::Category,
    Field::Period,
    Field::Value,
    Field::Lower95,
    Field::Upper95,
    Field::Lower998,
    Field::Upper998,
    Field::Count,
    Field::Denominator,
    Field::ValueNote,
    Field::RecentTrend,
    Field::ComparedEngland,
    Field::ComparedParent,
    Field::ComparedGoal,
];

/// The analyst template's columns, in the documented order (README).
pub const TEMPLATE_COLUMNS: [&str; 17] = [
    "indicator_id",
    "indicator_name",
    "area_code",
    "area_name",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "lower_ci_99_8",
    "upper_ci_99_8",
    "count",
    "denominator",
    "value_note",
];

/// Header names (normalised) each field answers to, Fingertips first.
fn aliases(field: Field) -> &'static [&'static str] {
    match field {
        Field::IndicatorId => &["indicatorid"],
        Field::IndicatorName => &["indicatorname"],
        Field::ParentCode => &["parentcode"],
        Field::AreaCode => &["areacode"],
        Field::AreaName => &["areaname"],
        Field::AreaType => &["areatype"],
        Field::Sex => &["sex"],
        Field::Age => &["age"],
        Field::CategoryType => &["categorytype"],
        Field::Category => &["category"],
        Field::Period => &["timeperiod", "period"],
        Field::Value => &["value"],
        Field::Lower95 => &["lowerci950limit", "lowerci95"],
        Field::Upper95 => &["upperci950limit", "upperci95"],
        Field::Lower998 => &["lowerci998limit", "lowerci998"],
        Field::Upper998 => &["upperci998limit", "upperci998"],
        Field::Count => &["count"],
        Field::Denominator => &["denominator"],
        Field::ValueNote => &["valuenote"],
        Field::RecentTrend => &["recenttrend"],
        Field::ComparedEngland => &["comparedtoenglandvalueorpercentiles"],
        Field::ComparedParent => &[],
        Field::ComparedGoal => &["comparedtogoal"],
    }
}

/// Lower case, letters and digits only.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The parent comparison column is named after the parent's area type:
/// "Compared to Region value or percentiles", "Compared to parent ...",
/// or "Compared to percentiles" when the parent is England.
fn is_parent_comparison(n: &str) -> bool {
    n == "comparedtopercentiles"
        || (n.starts_with("comparedto")
            && n.ends_with("valueorpercentiles")
            && n != "comparedtoenglandvalueorpercentiles")
}

#[derive(Debug, Clone)]
pub struct ColumnMap {
    pub format: Format,
    positions: [Option<usize>; FIELDS.len()],
    pub names: Vec<String>,
    /// Columns a row may leave off its end (an export's trailing extras).
    pub optional_from: usize,
}

impl ColumnMap {
    pub fn get(&self, field: Field) -> Option<usize> {
        self.positions[field as usize]
    }

    pub fn name(&self, field: Field) -> &str {
        self.get(field).map_or("", |i| self.names[i].as_str())
    }
}

/// Recognises the header row, or says what a header needs.
pub fn detect(header: &[&str]) -> Result<ColumnMap, String> {
    let normal: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let has = |n: &str| normal.iter().any(|h| h == n);
    let format = if has("indicatorid") && has("areacode") && has("timeperiod") {
        Format::Fingertips
    } else if has("indicatorid") && has("areacode") && has("period") {
        Format::AnalystTemplate
    } else {
        let shown: Vec<&str> = header.iter().take(12).map(|h| h.trim()).collect();
        return Err(format!(
            "the header row matches neither a Fingertips export (it needs Indicator ID, Area Code, Time period, Value, ...) \
             nor the analyst template ({}); found: {}",
            TEMPLATE_COLUMNS.join(", "),
            shown.join(", ")
        ));
    };
    let mut positions = [None; FIELDS.len()];
    for (i, n) in normal.iter().enumerate() {
        let field = FIELDS
            .iter()
            .find(|&&f| aliases(f).contains(&n.as_str()))
            .copied()
            .or_else(|| is_parent_comparison(n).then_some(Field::ComparedParent));
        if let Some(f) = field {
            if positions[f as usize].is_some() {
                return Err(format!(
                    "the column {:?} appears twice in the header",
                    header[i].trim()
                ));
            }
            positions[f as usize] = Some(i);
        }
    }
    let required: &[Field] = &[
        Field::IndicatorId,
        Field::AreaCode,
        Field::Period,
        Field::Value,
    ];
    let missing: Vec<&str> = required
        .iter()
        .filter(|&&f| positions[f as usize].is_none())
        .map(|&f| match (format, f) {
            (Format::AnalystTemplate, Field::Value) => "value",
            (_, Field::Value) => "Value",
            _ => unreachable!("the other required columns decided the format"),
        })
        .collect();
    if !missing.is_empty() {
        return Err(format!("required column missing: {}", missing.join(", ")));
    }
    // Exports may end rows early, dropping trailing provenance columns; what
    // a row may drop is everything after the last column we need.
    let needed = FIELDS.iter().filter(|f| !f.is_provenance());
    let optional_from = needed
        .filter_map(|&f| positions[f as usize])
        .max()
        .map_or(0, |m| m + 1);
    Ok(ColumnMap {
        format,
        positions,
        names: header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect(),
        optional_from,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FINGERTIPS_26: &str = "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,AreaName,Area Type,Sex,Age,Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,Compared to England value or percentiles,Compared to parent value or percentiles,Time period Sortable,New data,Compared to goal";

    #[test]
    fn recognises_a_fingertips_export_with_its_quirks() {
        let header: Vec<&str> = FINGERTIPS_26.split(',').collect();
        let mut with_bom = header.clone();
        let first = format!("\u{feff}{}", header[0]);
        with_bom[0] = &first;
        let m = detect(&with_bom).unwrap();
        assert_eq!(m.format, Format::Fingertips);
        assert_eq!(m.get(Field::AreaName), Some(5));
        assert_eq!(m.get(Field::ComparedParent), Some(22));
        assert_eq!(m.get(Field::ComparedGoal), Some(25));
        assert_eq!(m.name(Field::IndicatorId), "Indicator ID");
        // Rows may drop Recent Trend onwards, never Value note.
        assert_eq!(m.optional_from, 20);

        let region = FINGERTIPS_26.replace("parent value", "Region value") + ",Time period range";
        let header: Vec<&str> = region.split(',').collect();
        assert_eq!(
            detect(&header).unwrap().get(Field::ComparedParent),
            Some(22)
        );
    }

    #[test]
    fn recognises_the_template_and_rejects_other_files() {
        let m = detect(&TEMPLATE_COLUMNS).unwrap();
        assert_eq!(m.format, Format::AnalystTemplate);
        assert_eq!(m.get(Field::Lower998), Some(12));
        let err = detect(&["name", "address"]).unwrap_err();
        assert!(
            err.contains("neither a Fingertips export") && err.contains("found: name, address"),
            "{err}"
        );
        let err = detect(&["indicator_id", "area_code", "period"]).unwrap_err();
        assert_eq!(err, "required column missing: value");
        let err =
            detect(&["Indicator ID", "Area Code", "Time period", "Value", "value"]).unwrap_err();
        assert!(err.contains("appears twice"), "{err}");
    }
}
