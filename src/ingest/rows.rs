//! Row validation and frame building, in one pass: each row is checked and,
//! while the file has no error, appended to the canonical columns.

use super::columns::{ColumnMap, FIELDS, Field};
use super::period::{self, Period};
use super::report::{Issue, Report, Severity};
use super::{Context, Format};
use crate::domain::ValueType;
use crate::frame as col;
use polars::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// Rows listed as examples in an aggregated warning.
const SAMPLE_ROWS: usize = 5;

#[derive(Default)]
struct Aggregate {
    count: usize,
    rows: Vec<usize>,
    column: Option<String>,
    value: Option<String>,
}

pub struct Validator<'a> {
    ctx: &'a Context<'a>,
    map: ColumnMap,
    pub report: Report,
    building: bool,
    cols: Columns,
    interner: FxHashMap<Box<str>, u32>,
    /// Per interned string: its parsed period, catalogue entry and whether
    /// the gazetteer knows it, each looked up once.
    periods: Vec<Option<Option<Period>>>,
    catalogue_entries: Vec<Option<Option<&'a crate::catalogue::Indicator>>>,
    known_areas: Vec<Option<bool>>,
    keys: FxHashMap<[u32; 7], usize>,
    indicators: FxHashSet<u32>,
    areas: FxHashSet<u32>,
    period_ids: FxHashSet<u32>,
    /// Warnings counted once per kind and subject, not once per row.
    aggregates: BTreeMap<(u8, String), Aggregate>,
}

struct Columns {
    strings: Vec<StringChunkedBuilder>,
    numbers: Vec<PrimitiveChunkedBuilder<Float64Type>>,
    start: PrimitiveChunkedBuilder<Int32Type>,
    end: PrimitiveChunkedBuilder<Int32Type>,
    source_row: PrimitiveChunkedBuilder<UInt32Type>,
}

const STRING_COLUMNS: [&str; 16] = [
    col::INDICATOR_ID,
    col::INDICATOR_NAME,
    col::AREA_CODE,
    col::AREA_NAME,
    col::AREA_TYPE,
    col::PARENT_CODE,
    col::SEX,
    col::AGE,
    col::CATEGORY_TYPE,
    col::CATEGORY,
    col::PERIOD,
    col::VALUE_NOTE,
    col::FT_RECENT_TREND,
    col::FT_COMPARED_ENGLAND,
    col::FT_COMPARED_PARENT,
    col::FT_COMPARED_GOAL,
];
const NUMBER_FIELDS: [(Field, &str); 7] = [
    (Field::Value, col::VALUE),
    (Field::Lower95, col::LOWER_95),
    (Field::Upper95, col::UPPER_95),
    (Field::Lower998, col::LOWER_99_8),
    (Field::Upper998, col::UPPER_99_8),
    (Field::Count, col::COUNT),
    (Field::Denominator, col::DENOMINATOR),
];

impl Columns {
    fn new(capacity: usize) -> Columns {
        Columns {
            strings: STRING_COLUMNS
                .iter()
                .map(|n| StringChunkedBuilder::new((*n).into(), capacity))
                .collect(),
            numbers: NUMBER_FIELDS
                .iter()
                .map(|(_, n)| PrimitiveChunkedBuilder::new((*n).into(), capacity))
                .collect(),
            start: PrimitiveChunkedBuilder::new(col::PERIOD_START.into(), capacity),
            end: PrimitiveChunkedBuilder::new(col::PERIOD_END.into(), capacity),
            source_row: PrimitiveChunkedBuilder::new(col::SOURCE_ROW.into(), capacity),
        }
    }
}

fn epoch_days(d: chrono::NaiveDate) -> i32 {
    d.signed_duration_since(chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"))
        .num_days() as i32
}

/// Numbers as analysts write them: plain decimals, optionally with an
/// exponent. Thousands separators, `#DIV/0!`, `NaN` and infinities are
/// errors, not guesses.
fn parse_number(s: &str) -> Result<Option<f64>, ()> {
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && !s.contains(['i', 'I', 'n', 'N']) => Ok(Some(v)),
        _ => Err(()),
    }
}

impl<'a> Validator<'a> {
    pub fn new(
        ctx: &'a Context<'a>,
        map: ColumnMap,
        report: Report,
        capacity: usize,
    ) -> Validator<'a> {
        Validator {
            ctx,
            map,
            report,
            building: true,
            cols: Columns::new(capacity),
            interner: FxHashMap::default(),
            periods: Vec::new(),
            catalogue_entries: Vec::new(),
            known_areas: Vec::new(),
            keys: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
            indicators: FxHashSet::default(),
            areas: FxHashSet::default(),
            period_ids: FxHashSet::default(),
            aggregates: BTreeMap::new(),
        }
    }

    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.interner.get(s) {
            return id;
        }
        let id = self.interner.len() as u32;
        self.interner.insert(s.into(), id);
        id
    }

    fn error(&mut self, row: usize, field: Option<Field>, value: &str, message: impl Into<String>) {
        self.building = false;
        if self.report.errors.len() >= self.ctx.limits.max_listed_errors {
            self.report.errors_not_listed += 1;
            return;
        }
        let column = field.map(|f| self.map.name(f).to_owned());
        let issue = self.report.issue(
            Severity::Error,
            Some(row),
            column.as_deref(),
            Some(value),
            message,
        );
        self.report.errors.push(issue);
    }

    /// Counts a warning of one kind about one subject (an indicator, an area).
    fn aggregate(
        &mut self,
        kind: u8,
        subject: &str,
        row: usize,
        column: Option<Field>,
        value: Option<&str>,
    ) {
        let column = column.map(|f| self.map.name(f).to_owned());
        let entry = self
            .aggregates
            .entry((kind, subject.to_owned()))
            .or_default();
        entry.count += 1;
        if entry.rows.len() < SAMPLE_ROWS {
            entry.rows.push(row);
        }
        if entry.column.is_none() {
            entry.column = column;
            entry.value = value.map(str::to_owned);
        }
    }

    pub fn rows(&self) -> usize {
        self.report.rows
    }

    /// Checks one data row (`row` as a spreadsheet numbers it).
    pub fn push(&mut self, row: usize, fields: &[&str]) {
        self.report.rows += 1;
        let width = self.map.names.len();
        if fields.len() > width {
            let extra = fields[width..].join(",");
            self.error(
                row,
                None,
                &extra,
                format!("the row has {} fields but the header has {width}: remove the extra fields or quote values that contain commas", fields.len()),
            );
            return;
        }
        if fields.len() < width {
            if fields.len() < self.map.optional_from {
                self.error(
                    row,
                    None,
                    fields.last().copied().unwrap_or(""),
                    format!("the row has {} fields but the header has {width}: fill in the missing fields", fields.len()),
                );
                return;
            }
            let first_missing = self.map.names[fields.len()].clone();
            self.aggregate(KIND_SHORT_ROW, "", row, None, Some(&first_missing));
        }
        let resolved: [&str; FIELDS.len()] = FIELDS.map(|f| {
            self.map
                .get(f)
                .and_then(|i| fields.get(i))
                .map_or("", |s| s.trim())
        });
        let get = |f: Field| resolved[f as usize];

        let indicator = get(Field::IndicatorId);
        let area = get(Field::AreaCode);
        let period_label = get(Field::Period);
        let before = self.report.error_count();
        if indicator.is_empty() {
            self.error(
                row,
                Some(Field::IndicatorId),
                "",
                "the indicator ID is empty: every row needs the indicator's Fingertips or local ID",
            );
        }
        if area.is_empty() {
            self.error(
                row,
                Some(Field::AreaCode),
                "",
                "the area code is empty: every row needs an ONS area code such as E06000006",
            );
        }
        let period_id = self.intern(period_label);
        let period = self.period(period_id, period_label);
        if period.is_none() {
            self.error(
                row,
                Some(Field::Period),
                period_label,
                format!("not a recognised time period: use {}", period::EXPECTED),
            );
        }

        let mut numbers = [None; NUMBER_FIELDS.len()];
        for (i, (field, _)) in NUMBER_FIELDS.iter().enumerate() {
            let raw = get(*field);
            match parse_number(raw) {
                Ok(v) => numbers[i] = v,
                Err(()) => self.error(row, Some(*field), raw, "not a number: write plain numbers such as 1234.5, without thousands separators or spreadsheet errors"),
            }
        }
        let [value, l95, u95, l998, u998, count, denominator] = numbers;
        let indicator_id = self.intern(indicator);
        let info = self.catalogue_entry(indicator_id, indicator);
        self.check_numbers(
            row,
            &resolved,
            info,
            [value, l95, u95, l998, u998, count, denominator],
        );

        let sex = default_if_empty(get(Field::Sex), self.map.format, "Persons");
        let age = default_if_empty(get(Field::Age), self.map.format, "All ages");
        let (category_type, category) = (get(Field::CategoryType), get(Field::Category));
        let area_id = self.intern(area);
        let key = [
            indicator_id,
            area_id,
            self.intern(sex),
            self.intern(age),
            self.intern(category_type),
            self.intern(category),
            period_id,
        ];
        if !indicator.is_empty() && !area.is_empty() {
            match self.keys.get(&key) {
                Some(&first) => {
                    let subject = format!(
                        "{indicator}, {area}, {sex}, {age}, {category_type} {category}, {period_label}"
                    );
                    self.error(row, None, &subject, format!("duplicate of row {first}: the same indicator, area, sex, age, category and period appear twice; keep one"));
                }
                None => {
                    self.keys.insert(key, row);
                }
            }
        }

        // Warnings, once the row is otherwise sound.
        let note = get(Field::ValueNote);
        if self.report.error_count() == before {
            if info.is_none() {
                self.aggregate(
                    KIND_UNKNOWN_INDICATOR,
                    indicator,
                    row,
                    Some(Field::IndicatorId),
                    Some(indicator),
                );
            }
            if !self.known_area(area_id, area) {
                self.aggregate(
                    KIND_UNKNOWN_AREA,
                    area,
                    row,
                    Some(Field::AreaCode),
                    Some(area),
                );
            }
            if value.is_none() {
                let kind = if note.is_empty() {
                    KIND_MISSING
                } else {
                    KIND_SUPPRESSED
                };
                self.aggregate(kind, indicator, row, Some(Field::Value), Some(note));
            }
            if let (Some(p), Some(held)) = (period, self.ctx.held_from.get(indicator))
                && p.end < *held
            {
                self.aggregate(
                    KIND_OLDER,
                    indicator,
                    row,
                    Some(Field::Period),
                    Some(period_label),
                );
            }
        }
        self.indicators.insert(key[0]);
        self.areas.insert(key[1]);
        self.period_ids.insert(period_id);

        if self.building {
            let Some(period) = period else { return };
            let c = &mut self.cols;
            fn opt(s: &str) -> Option<&str> {
                (!s.is_empty()).then_some(s)
            }
            let strings = [
                Some(indicator),
                opt(get(Field::IndicatorName)),
                Some(area),
                opt(get(Field::AreaName)),
                opt(get(Field::AreaType)),
                opt(get(Field::ParentCode)),
                Some(sex),
                Some(age),
                Some(category_type),
                Some(category),
                Some(period_label),
                opt(note),
                opt(get(Field::RecentTrend)),
                opt(get(Field::ComparedEngland)),
                opt(get(Field::ComparedParent)),
                opt(get(Field::ComparedGoal)),
            ];
            for (builder, s) in c.strings.iter_mut().zip(strings) {
                builder.append_option(s);
            }
            for (builder, v) in c.numbers.iter_mut().zip(numbers) {
                builder.append_option(v);
            }
            c.start.append_value(epoch_days(period.start));
            c.end.append_value(epoch_days(period.end));
            c.source_row.append_value(row as u32);
        }
    }

    fn catalogue_entry(
        &mut self,
        id: u32,
        indicator: &str,
    ) -> Option<&'a crate::catalogue::Indicator> {
        let i = id as usize;
        if self.catalogue_entries.len() <= i {
            self.catalogue_entries.resize(i + 1, None);
        }
        let catalogue = self.ctx.catalogue;
        *self.catalogue_entries[i].get_or_insert_with(|| catalogue.get(indicator))
    }

    fn known_area(&mut self, id: u32, code: &str) -> bool {
        let i = id as usize;
        if self.known_areas.len() <= i {
            self.known_areas.resize(i + 1, None);
        }
        let gazetteer = self.ctx.gazetteer;
        *self.known_areas[i].get_or_insert_with(|| gazetteer.get(code).is_some())
    }

    fn period(&mut self, id: u32, label: &str) -> Option<Period> {
        let i = id as usize;
        if self.periods.len() <= i {
            self.periods.resize(i + 1, None);
        }
        *self.periods[i].get_or_insert_with(|| period::parse(label))
    }

    fn check_numbers(
        &mut self,
        row: usize,
        fields: &[&str; FIELDS.len()],
        info: Option<&crate::catalogue::Indicator>,
        [value, l95, u95, l998, u998, count, denominator]: [Option<f64>; 7],
    ) {
        let get = |f: Field| fields[f as usize];
        for (field, limit_lower, limit_upper, level) in [
            (Field::Lower95, l95, u95, "95%"),
            (Field::Lower998, l998, u998, "99.8%"),
        ] {
            if let (Some(lo), Some(hi)) = (limit_lower, limit_upper)
                && lo > hi
            {
                self.error(row, Some(field), get(field), format!("the lower {level} limit is above the upper limit ({hi}): swap them or correct one"));
                continue;
            }
            if let Some(v) = value {
                if let Some(lo) = limit_lower.filter(|&lo| lo > v) {
                    self.error(row, Some(field), get(field), format!("the lower {level} limit {lo} is above the value {v}: a limit must not exceed the value"));
                }
                let upper_field = if field == Field::Lower95 {
                    Field::Upper95
                } else {
                    Field::Upper998
                };
                if let Some(hi) = limit_upper.filter(|&hi| hi < v) {
                    self.error(row, Some(upper_field), get(upper_field), format!("the value {v} is above the upper {level} limit {hi}: a limit must not be below the value"));
                }
            }
        }
        for (field, v) in [(Field::Count, count), (Field::Denominator, denominator)] {
            if let Some(v) = v.filter(|&v| v < 0.0) {
                self.error(
                    row,
                    Some(field),
                    get(field),
                    format!("{v} is negative: counts and denominators must be 0 or more"),
                );
            }
        }
        let Some(info) = info else { return };
        if info.value_type == ValueType::Proportion
            && let (Some(c), Some(d)) = (count, denominator)
            && c > d
            && d >= 0.0
        {
            self.error(row, Some(Field::Count), get(Field::Count), format!("the count {c} is above the denominator {d}: for a proportion the count is part of the denominator"));
        }
        if info.is_percentage() {
            for (field, v) in [
                (Field::Value, value),
                (Field::Lower95, l95),
                (Field::Upper95, u95),
                (Field::Lower998, l998),
                (Field::Upper998, u998),
            ] {
                if let Some(v) = v.filter(|v| !(0.0..=100.0).contains(v)) {
                    self.error(
                        row,
                        Some(field),
                        get(field),
                        format!(
                            "{v} is outside 0 to 100: indicator {} is a percentage",
                            info.id
                        ),
                    );
                }
            }
        }
    }

    /// Ends validation: turns aggregated warnings into report lines and, if
    /// the file had no error, returns the frame.
    pub fn finish(mut self) -> (Option<DataFrame>, Report) {
        self.report.indicators = self.indicators.len();
        self.report.areas = self.areas.len();
        self.report.periods = self.period_ids.len();
        if self.report.rows == 0 && self.report.errors.is_empty() {
            self.report
                .file_error("the file has a header but no data rows");
        }
        let aggregates = std::mem::take(&mut self.aggregates);
        for ((kind, subject), agg) in aggregates {
            let rows = agg
                .rows
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            let more = if agg.count > agg.rows.len() {
                ", ..."
            } else {
                ""
            };
            let n = agg.count;
            let message = match kind {
                KIND_SHORT_ROW => format!(
                    "{n} rows stop before the header's last columns (from {:?}); those trailing columns are optional and were taken as empty (rows {rows}{more})",
                    agg.value.as_deref().unwrap_or_default()
                ),
                KIND_UNKNOWN_INDICATOR => format!(
                    "indicator {subject} is not in the catalogue (data/indicators.toml): its {n} rows are kept but not shown on dashboard pages until it is added (rows {rows}{more})"
                ),
                KIND_UNKNOWN_AREA => format!(
                    "area {subject} is not in the gazetteer (data/areas.toml): its {n} rows are kept but not compared (rows {rows}{more})"
                ),
                KIND_SUPPRESSED => format!(
                    "{n} rows of indicator {subject} have a value note and no value: kept as suppressed, never as zero (rows {rows}{more})"
                ),
                KIND_MISSING => format!(
                    "{n} rows of indicator {subject} have no value and no value note: kept as missing (rows {rows}{more})"
                ),
                KIND_OLDER => format!(
                    "{n} rows of indicator {subject} are for periods older than any held in the published edition (rows {rows}{more})"
                ),
                _ => unreachable!("every kind has a message"),
            };
            let issue: Issue = self.report.issue(
                Severity::Warning,
                agg.rows.first().copied(),
                agg.column.as_deref(),
                agg.value.as_deref(),
                message,
            );
            self.report.warnings.push(issue);
        }
        if !self.building || !self.report.is_valid() {
            return (None, self.report);
        }
        match build_frame(self.cols) {
            Ok(frame) => (Some(frame), self.report),
            Err(e) => {
                self.report
                    .file_error(format!("internal error assembling the data: {e}"));
                (None, self.report)
            }
        }
    }
}

const KIND_SHORT_ROW: u8 = 0;
const KIND_UNKNOWN_INDICATOR: u8 = 1;
const KIND_UNKNOWN_AREA: u8 = 2;
const KIND_SUPPRESSED: u8 = 3;
const KIND_MISSING: u8 = 4;
const KIND_OLDER: u8 = 5;

/// The template may leave sex and age empty; Fingertips always fills them.
fn default_if_empty<'s>(s: &'s str, format: Format, default: &'static str) -> &'s str {
    if s.is_empty() && format == Format::AnalystTemplate {
        default
    } else {
        s
    }
}

fn build_frame(c: Columns) -> PolarsResult<DataFrame> {
    let height = c.source_row.finish();
    let rows = height.len();
    let mut columns: Vec<Column> = Vec::with_capacity(26);
    let mut strings = c.strings.into_iter();
    let mut take = |n: usize, out: &mut Vec<Column>| {
        for b in strings.by_ref().take(n) {
            out.push(b.finish().into_series().into());
        }
    };
    take(11, &mut columns); // indicator_id .. period
    columns.push(c.start.finish().into_series().cast(&DataType::Date)?.into());
    columns.push(c.end.finish().into_series().cast(&DataType::Date)?.into());
    for b in c.numbers {
        columns.push(b.finish().into_series().into());
    }
    take(5, &mut columns); // value_note and the Fingertips provenance
    columns.push(height.into_series().into());
    DataFrame::new(rows, columns)
}
