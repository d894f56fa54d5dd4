//! Row validation and frame building, in one pass: each row is checked and,
//! while the file has no error, appended to the canonical columns.
//!
//! A large file is validated in chunks on several threads (see
//! `super::read_csv`): each chunk has its own `Validator`, numbering rows
//! from 1, and `finish` merges them in file order, shifting row numbers, so
//! the report and frame equal those of one pass over the whole file.
//! Duplicate keys are found once, across chunks, by sorting.

use super::columns::{ColumnMap, FIELDS, Field};
use super::lenient;
use super::period::{self, Period};
use super::report::{Issue, Report, Severity};
use super::{Context, Format};
use crate::domain::ValueType;
use crate::frame as col;
use chrono::NaiveDate;
use polars::chunked_array::builder::CategoricalChunkedBuilder;
use polars::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Rows listed as examples in an aggregated warning.
const SAMPLE_ROWS: usize = 5;

/// The subject id of a warning about no particular string.
const NO_SUBJECT: u32 = u32::MAX;

/// The distinct strings of one file, shared by all its chunks: each gets one
/// id, which is also its category in the frame's categorical columns, so a
/// repeated name costs four bytes a row instead of a copy.
pub struct Strings {
    categories: Arc<Categories>,
    mapping: Arc<CategoricalMapping>,
}

impl Strings {
    pub fn new() -> Strings {
        // A mapping of this file's own, freed with its frame.
        let categories = Categories::random("hwb-ingest".into(), CategoricalPhysical::U32);
        let mapping = categories.mapping();
        Strings {
            categories,
            mapping,
        }
    }

    fn dtype(&self) -> DataType {
        DataType::Categorical(self.categories.clone(), self.mapping.clone())
    }

    fn text(&self, id: u32) -> &str {
        self.mapping.cat_to_str(id).unwrap_or_default()
    }
}

#[derive(Default)]
struct Aggregate {
    count: usize,
    rows: Vec<usize>,
    column: Option<Field>,
    value: Option<String>,
}

/// Per string id, what it is as a period, an indicator and an area, each
/// looked up once per chunk.
#[derive(Clone, Copy, Default)]
struct Known<'a> {
    /// The period and its start and end as days since 1970.
    period: Option<Option<(Period, i32, i32)>>,
    indicator: Option<Option<&'a crate::catalogue::Indicator>>,
    held_from: Option<Option<NaiveDate>>,
    area: Option<bool>,
    /// Bits: seen as an indicator (1), an area (2), a period (4).
    seen: u8,
}

pub struct Validator<'a> {
    ctx: &'a Context<'a>,
    map: ColumnMap,
    strings: &'a Strings,
    pub report: Report,
    building: bool,
    /// Stopped at the row cap.
    capped: bool,
    cols: Columns,
    /// Per string column, the previous row's string and id: consecutive
    /// rows mostly repeat them, and a comparison is cheaper than a lookup.
    last: Vec<(String, u32)>,
    /// This chunk's strings so far, before asking the shared mapping.
    local: FxHashMap<Box<str>, u32>,
    known: Vec<Known<'a>>,
    /// What `known` lends for a string that has no id.
    spare: Known<'a>,
    /// Every row's key and row number, sorted in `finish` to find duplicates.
    keys: Vec<([u32; 7], u32)>,
    /// Warnings counted once per kind and subject, not once per row.
    aggregates: FxHashMap<(u8, u32), Aggregate>,
    /// Added to every row number when the chunks are merged.
    row_offset: usize,
}

struct Columns {
    strings: Vec<CategoricalChunkedBuilder<Categorical32Type>>,
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
// Positions in STRING_COLUMNS of the key's strings.
const S_INDICATOR: usize = 0;
const S_AREA: usize = 2;
const S_SEX: usize = 6;
const S_AGE: usize = 7;
const S_CATEGORY_TYPE: usize = 8;
const S_CATEGORY: usize = 9;
const S_PERIOD: usize = 10;

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
    fn new(capacity: usize, dtype: &DataType) -> Columns {
        Columns {
            strings: STRING_COLUMNS
                .iter()
                .map(|n| {
                    let mut b = CategoricalChunkedBuilder::new((*n).into(), dtype.clone());
                    b.reserve(capacity);
                    b
                })
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

fn epoch_days(d: NaiveDate) -> i32 {
    d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch"))
        .num_days() as i32
}

/// Numbers as analysts write them: plain decimals, optionally with an
/// exponent. Thousands separators, `#DIV/0!`, `NaN` and infinities are
/// errors, not guesses (`inf` and `nan` parse, but not as finite numbers).
/// `fast_float2` (Polars' own parser) accepts what `str::parse` accepts and
/// rounds the same, correctly, in about half the time (tested below).
fn parse_number(s: &str) -> Result<Option<f64>, ()> {
    if s.is_empty() {
        return Ok(None);
    }
    match fast_float2::parse::<f64, _>(s) {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        _ => Err(()),
    }
}

/// `str::trim`, without its work for the common field that has no space
/// at either end.
fn trim(s: &str) -> &str {
    match s.as_bytes() {
        [] => s,
        [first, .., last] | [first @ last]
            if first.is_ascii_graphic() && last.is_ascii_graphic() =>
        {
            s
        }
        _ => s.trim(),
    }
}

/// `a == b`, with the short strings most cells hold (codes, periods, sex,
/// age: up to 16 bytes) compared in registers rather than by a call to
/// `memcmp`, which was 7% of validation's time, mostly call overhead.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two overlapping words from each end cover every byte.
    fn word<const W: usize>(s: &[u8], at: usize) -> [u8; W] {
        s[at..at + W].try_into().unwrap_or([0; W])
    }
    match n {
        0 => true,
        1..4 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..8 => word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4),
        8..=16 => word::<8>(a, 0) == word::<8>(b, 0) && word::<8>(a, n - 8) == word::<8>(b, n - 8),
        _ => a == b,
    }
}

fn opt(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl<'a> Validator<'a> {
    pub fn new(
        ctx: &'a Context<'a>,
        map: ColumnMap,
        strings: &'a Strings,
        report: Report,
        capacity: usize,
    ) -> Validator<'a> {
        Validator {
            ctx,
            map,
            strings,
            report,
            building: true,
            capped: false,
            cols: Columns::new(capacity, &strings.dtype()),
            last: vec![(String::new(), NO_SUBJECT); STRING_COLUMNS.len()],
            local: FxHashMap::default(),
            known: Vec::new(),
            spare: Known::default(),
            keys: Vec::with_capacity(capacity),
            aggregates: FxHashMap::default(),
            row_offset: 0,
        }
    }

    /// The id of a string of string column `column`.
    fn id(&mut self, column: usize, s: &str) -> u32 {
        let last = &mut self.last[column];
        if last.1 != NO_SUBJECT && same(last.0.as_bytes(), s.as_bytes()) {
            return last.1;
        }
        let id = match self.local.get(s) {
            Some(&id) => id,
            None => {
                // Fails only past u32::MAX distinct strings, far beyond
                // any row cap.
                let Ok(id) = self.strings.mapping.insert_cat(s) else {
                    self.building = false;
                    return NO_SUBJECT;
                };
                self.local.insert(s.into(), id);
                id
            }
        };
        last.0.clear();
        last.0.push_str(s);
        last.1 = id;
        id
    }

    fn known(&mut self, id: u32) -> &mut Known<'a> {
        if id == NO_SUBJECT {
            self.spare = Known::default();
            return &mut self.spare;
        }
        if self.known.len() <= id as usize {
            self.known.resize(id as usize + 1, Known::default());
        }
        &mut self.known[id as usize]
    }

    fn error(&mut self, row: usize, field: Option<Field>, value: &str, message: impl Into<String>) {
        self.building = false;
        if self.report.errors.len() >= self.ctx.limits.max_listed_errors {
            self.report.errors_not_listed += 1;
            return;
        }
        let column = field.map(|f| self.map.name(f));
        let issue = self
            .report
            .issue(Severity::Error, Some(row), column, Some(value), message);
        self.report.errors.push(issue);
    }

    /// Counts a warning of one kind about one subject (an indicator, an
    /// area, by string id).
    fn aggregate(
        &mut self,
        kind: u8,
        subject: u32,
        row: usize,
        column: Option<Field>,
        value: Option<&str>,
    ) {
        let entry = self.aggregates.entry((kind, subject)).or_default();
        entry.count += 1;
        if entry.rows.len() < SAMPLE_ROWS {
            entry.rows.push(row);
        }
        if entry.column.is_none() && entry.value.is_none() {
            entry.column = column;
            entry.value = value.map(str::to_owned);
        }
    }

    pub fn rows(&self) -> usize {
        self.report.rows
    }

    /// Stops reading at the row cap (reported once, by `finish`).
    pub fn cap(&mut self) {
        self.capped = true;
    }

    /// Ends this chunk's reading: sorts its keys here, on its own thread,
    /// so that `finish` only merges sorted runs.
    pub fn done(&mut self) {
        // Stable: a file's rows come in blocks of one indicator and area,
        // which the stable sort makes use of (a sixth fewer instructions
        // than the unstable sort on a national export).
        self.keys.sort();
    }

    /// Numbers this chunk's rows after `offset` rows of the file.
    pub fn shift(&mut self, offset: usize) {
        self.row_offset = offset;
        for issue in &mut self.report.errors {
            if let Some(row) = &mut issue.row {
                *row += offset;
            }
        }
        for agg in self.aggregates.values_mut() {
            agg.rows.iter_mut().for_each(|r| *r += offset);
        }
        self.keys.iter_mut().for_each(|(_, r)| *r += offset as u32);
    }

    /// Checks one data row (`row` as a spreadsheet numbers it, within the
    /// chunk).
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
            self.aggregate(KIND_SHORT_ROW, NO_SUBJECT, row, None, Some(&first_missing));
        }
        let resolved: [&str; FIELDS.len()] = FIELDS.map(|f| {
            self.map
                .get(f)
                .and_then(|i| fields.get(i))
                .map_or("", |s| trim(s))
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
        let period_id = self.id(S_PERIOD, period_label);
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
        let fingertips = self.map.format == Format::Fingertips;
        for (i, (field, _)) in NUMBER_FIELDS.iter().enumerate() {
            let raw = get(*field);
            match parse_number(raw) {
                Ok(v) => numbers[i] = v,
                // What Fingertips's own downloads write (cold path).
                Err(()) => match lenient::number(raw).filter(|_| fingertips) {
                    Some(v) => numbers[i] = v,
                    None if fingertips => self.error(row, Some(*field), raw, "not a number: write a number such as 1234.5 or 1,234.5, or leave the cell empty (or -) when it is suppressed"),
                    None => self.error(row, Some(*field), raw, "not a number: the analyst template takes plain numbers such as 1234.5, without thousands separators, placeholders or spreadsheet errors, so that a typing slip is never read as data; leave the cell empty when it is suppressed"),
                },
            }
        }
        let [value, l95, u95, l998, u998, count, denominator] = numbers;
        let indicator_id = self.id(S_INDICATOR, indicator);
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
        let area_id = self.id(S_AREA, area);
        let key = [
            indicator_id,
            area_id,
            self.id(S_SEX, sex),
            self.id(S_AGE, age),
            self.id(S_CATEGORY_TYPE, category_type),
            self.id(S_CATEGORY, category),
            period_id,
        ];
        if !indicator.is_empty() && !area.is_empty() {
            self.keys.push((key, row as u32));
        }

        // Warnings, once the row is otherwise sound.
        let note = match get(Field::ValueNote) {
            raw if fingertips => lenient::text(raw),
            raw => std::borrow::Cow::Borrowed(raw),
        };
        let note = note.as_ref();
        if self.report.error_count() == before {
            if info.is_none() {
                self.aggregate(
                    KIND_UNKNOWN_INDICATOR,
                    indicator_id,
                    row,
                    Some(Field::IndicatorId),
                    Some(indicator),
                );
            }
            if !self.known_area(area_id, area) {
                self.aggregate(
                    KIND_UNKNOWN_AREA,
                    area_id,
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
                self.aggregate(kind, indicator_id, row, Some(Field::Value), Some(note));
            }
            if let (Some((p, _, _)), Some(held)) = (period, self.held_from(indicator_id, indicator))
                && p.end < held
            {
                self.aggregate(
                    KIND_OLDER,
                    indicator_id,
                    row,
                    Some(Field::Period),
                    Some(period_label),
                );
            }
        }
        self.known(indicator_id).seen |= 1;
        self.known(area_id).seen |= 2;
        self.known(period_id).seen |= 4;

        if self.building {
            let Some((_, start, end)) = period else {
                return;
            };
            let key_strings = [
                (S_INDICATOR, indicator_id),
                (S_AREA, area_id),
                (S_SEX, key[2]),
                (S_AGE, key[3]),
                (S_CATEGORY_TYPE, key[4]),
                (S_CATEGORY, key[5]),
                (S_PERIOD, period_id),
            ];
            let others = [
                (1, opt(get(Field::IndicatorName))),
                (3, opt(get(Field::AreaName))),
                (4, opt(get(Field::AreaType))),
                (5, opt(get(Field::ParentCode))),
                (11, opt(note)),
                (12, opt(get(Field::RecentTrend))),
                (13, opt(get(Field::ComparedEngland))),
                (14, opt(get(Field::ComparedParent))),
                (15, opt(get(Field::ComparedGoal))),
            ];
            let mut ids = [None; STRING_COLUMNS.len()];
            for (i, id) in key_strings {
                ids[i] = Some(id);
            }
            for (i, s) in others {
                ids[i] = s.map(|s| self.id(i, s));
            }
            let mapping = &self.strings.mapping;
            let c = &mut self.cols;
            for (builder, id) in c.strings.iter_mut().zip(ids) {
                match id {
                    Some(id) => {
                        // Infallible: the id comes from this very mapping.
                        let _ = builder.append_cat(id, mapping);
                    }
                    None => builder.append_null(),
                }
            }
            for (builder, v) in c.numbers.iter_mut().zip(numbers) {
                builder.append_option(v);
            }
            c.start.append_value(start);
            c.end.append_value(end);
            c.source_row.append_value(row as u32);
        }
    }

    fn catalogue_entry(
        &mut self,
        id: u32,
        indicator: &str,
    ) -> Option<&'a crate::catalogue::Indicator> {
        let catalogue = self.ctx.catalogue;
        *self
            .known(id)
            .indicator
            .get_or_insert_with(|| catalogue.get(indicator))
    }

    fn held_from(&mut self, id: u32, indicator: &str) -> Option<NaiveDate> {
        let ctx = self.ctx;
        let held = &ctx.held_from;
        *self
            .known(id)
            .held_from
            .get_or_insert_with(|| held.get(indicator).copied())
    }

    fn known_area(&mut self, id: u32, code: &str) -> bool {
        let gazetteer = self.ctx.gazetteer;
        *self
            .known(id)
            .area
            .get_or_insert_with(|| gazetteer.get(code).is_some())
    }

    fn period(&mut self, id: u32, label: &str) -> Option<(Period, i32, i32)> {
        *self.known(id).period.get_or_insert_with(|| {
            period::parse(label).map(|p| (p, epoch_days(p.start), epoch_days(p.end)))
        })
    }

    /// A limit past a rounded value by less than its last digit: warned once
    /// per indicator, naming the rows.
    fn rounded_limit(
        &mut self,
        row: usize,
        field: Field,
        raw: &str,
        fields: &[&str; FIELDS.len()],
    ) {
        let indicator = fields[Field::IndicatorId as usize];
        let id = self.id(S_INDICATOR, indicator);
        self.aggregate(KIND_ROUNDED_LIMIT, id, row, Some(field), Some(raw));
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
                let upper_field = if field == Field::Lower95 {
                    Field::Upper95
                } else {
                    Field::Upper998
                };
                // Fingertips rounds some values but not their limits: a
                // limit past the value by less than the value's last written
                // digit is that rounding, not an error.
                // (Worked out only for a limit already past the value.)
                let fingertips = self.map.format == Format::Fingertips;
                let rounded =
                    |gap: f64| fingertips && gap < lenient::written_step(get(Field::Value));
                if let Some(lo) = limit_lower.filter(|&lo| lo > v) {
                    if rounded(lo - v) {
                        self.rounded_limit(row, field, get(field), fields);
                    } else {
                        self.error(row, Some(field), get(field), format!("the lower {level} limit {lo} is above the value {v}: a limit must not exceed the value"));
                    }
                }
                if let Some(hi) = limit_upper.filter(|&hi| hi < v) {
                    if rounded(v - hi) {
                        self.rounded_limit(row, upper_field, get(upper_field), fields);
                    } else {
                        self.error(row, Some(upper_field), get(upper_field), format!("the value {v} is above the upper {level} limit {hi}: a limit must not be below the value"));
                    }
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
}

const KIND_SHORT_ROW: u8 = 0;
const KIND_UNKNOWN_INDICATOR: u8 = 1;
const KIND_UNKNOWN_AREA: u8 = 2;
const KIND_SUPPRESSED: u8 = 3;
const KIND_MISSING: u8 = 4;
const KIND_OLDER: u8 = 5;
const KIND_ROUNDED_LIMIT: u8 = 6;

/// The template may leave sex and age empty; Fingertips always fills them.
fn default_if_empty<'s>(s: &'s str, format: Format, default: &'static str) -> &'s str {
    if s.is_empty() && format == Format::AnalystTemplate {
        default
    } else {
        s
    }
}

/// Ends validation of a file's chunks (in file order, each already
/// `shift`ed): merges their reports, finds duplicate keys across all of
/// them, turns aggregated warnings into report lines and, if the file had
/// no error, returns the frame.
pub fn finish(mut chunks: Vec<Validator>) -> (Option<DataFrame>, Report) {
    let Some(first) = chunks.first() else {
        unreachable!("a file has at least one chunk");
    };
    let (ctx, strings, map) = (first.ctx, first.strings, first.map.clone());
    let mut report = first.report.clone();
    report.errors.clear();
    report.warnings.clear();
    report.rows = 0;
    report.errors_not_listed = 0;
    let mut building = true;
    let mut capped = false;
    let mut seen: Vec<u8> = Vec::new();
    let mut keys = Vec::with_capacity(chunks.len());
    let mut aggregates: FxHashMap<(u8, u32), Aggregate> = FxHashMap::default();
    let mut frames = Vec::with_capacity(chunks.len());
    for chunk in &mut chunks {
        report.rows += chunk.report.rows;
        report.errors.append(&mut chunk.report.errors);
        report.errors_not_listed += chunk.report.errors_not_listed;
        building &= chunk.building;
        capped |= chunk.capped;
        if seen.len() < chunk.known.len() {
            seen.resize(chunk.known.len(), 0);
        }
        for (s, k) in seen.iter_mut().zip(&chunk.known) {
            *s |= k.seen;
        }
        keys.push(std::mem::take(&mut chunk.keys));
        for (k, agg) in chunk.aggregates.drain() {
            let into = aggregates.entry(k).or_default();
            into.count += agg.count;
            let room = SAMPLE_ROWS - into.rows.len();
            into.rows.extend(agg.rows.into_iter().take(room));
            if into.column.is_none() && into.value.is_none() {
                into.column = agg.column;
                into.value = agg.value;
            }
        }
    }
    let count = |bit: u8| seen.iter().filter(|s| *s & bit != 0).count();
    (report.indicators, report.areas, report.periods) = (count(1), count(2), count(4));

    let duplicates = duplicate_errors(&keys, strings, &report);
    drop(keys);
    building &= duplicates.is_empty();
    report.errors.extend(duplicates);
    // File order, as one pass would list them; then the listing cap.
    report.errors.sort_by_key(|i| i.row);
    let cap = ctx.limits.max_listed_errors;
    if report.errors.len() > cap {
        report.errors_not_listed += report.errors.len() - cap;
        report.errors.truncate(cap);
    }
    if capped || report.rows > ctx.limits.max_rows {
        report.file_error(format!(
            "the file has more than {} data rows, the limit: split it, or raise the limit",
            ctx.limits.max_rows
        ));
    }
    if report.rows == 0 && report.errors.is_empty() {
        report.file_error("the file has a header but no data rows");
    }
    report.warnings = warnings(aggregates, strings, &map, &report);

    if !building || !report.is_valid() {
        return (None, report);
    }
    for chunk in chunks {
        frames.push(build_frame(chunk.cols, chunk.row_offset));
    }
    let merged = frames
        .into_iter()
        .try_fold(None, |all: Option<DataFrame>, f| {
            let f = f?;
            Ok::<_, PolarsError>(Some(match all {
                None => f,
                Some(mut all) => {
                    all.vstack_mut_owned(f)?;
                    all
                }
            }))
        });
    match merged {
        Ok(frame) => (frame, report),
        Err(e) => {
            report.file_error(format!("internal error assembling the data: {e}"));
            (None, report)
        }
    }
}

type Key = ([u32; 7], u32);

/// Visits every chunk's keys and rows in order, from chunks whose own are
/// sorted (`done`): a merge, without copying them into one list. A chunk
/// is walked for as long as it stays below the other chunks' next keys, so
/// chunks that hardly overlap (a file in indicator order) cost one
/// comparison a row.
fn in_order(chunks: &[Vec<Key>], mut visit: impl FnMut(Key)) {
    use std::cmp::Reverse;
    // The next key of each chunk with keys left, and where the chunk stands.
    let mut heads: std::collections::BinaryHeap<Reverse<(Key, usize)>> = chunks
        .iter()
        .enumerate()
        .filter_map(|(c, keys)| keys.first().map(|&k| Reverse((k, c))))
        .collect();
    let mut at = vec![0usize; chunks.len()];
    while let Some(Reverse((_, c))) = heads.pop() {
        let bound = heads.peek().map(|Reverse((k, _))| *k);
        let keys = &chunks[c];
        let mut i = at[c];
        while let Some(&key) = keys.get(i) {
            if bound.is_some_and(|b| key > b) {
                break;
            }
            visit(key);
            i += 1;
        }
        at[c] = i;
        if let Some(&next) = keys.get(i) {
            heads.push(Reverse((next, c)));
        }
    }
}

/// One error per row whose key an earlier row already has, naming it.
fn duplicate_errors(keys: &[Vec<Key>], strings: &Strings, report: &Report) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut current: Option<Key> = None;
    in_order(keys, |(key, row)| match current {
        Some((same_key, first)) if same_key == key => {
            let [indicator, area, sex, age, category_type, category, period] =
                key.map(|id| strings.text(id));
            let subject =
                format!("{indicator}, {area}, {sex}, {age}, {category_type} {category}, {period}");
            out.push(report.issue(
                Severity::Error,
                Some(row as usize),
                None,
                Some(&subject),
                format!("duplicate of row {first}: the same indicator, area, sex, age, category and period appear twice; keep one"),
            ));
        }
        _ => current = Some((key, row)),
    });
    out
}

/// Aggregated warnings as report lines, by kind and then subject.
fn warnings(
    aggregates: FxHashMap<(u8, u32), Aggregate>,
    strings: &Strings,
    map: &ColumnMap,
    report: &Report,
) -> Vec<Issue> {
    let mut sorted: Vec<_> = aggregates
        .into_iter()
        .map(|((kind, subject), agg)| {
            let subject = if subject == NO_SUBJECT {
                ""
            } else {
                strings.text(subject)
            };
            (kind, subject, agg)
        })
        .collect();
    sorted.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    sorted
        .into_iter()
        .map(|(kind, subject, agg)| {
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
                    "indicator {subject} is not in the catalogue (data/indicators.toml): its {n} rows are kept and shown under Other indicators, judged by its Fingertips metadata or else by the file's own comparisons (rows {rows}{more})"
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
                KIND_ROUNDED_LIMIT => format!(
                    "{n} rows of indicator {subject} have a confidence limit beyond the value by less than the value's last written digit (Fingertips rounded the value but not its limits): kept as given (rows {rows}{more})"
                ),
                _ => unreachable!("every kind has a message"),
            };
            report.issue(
                Severity::Warning,
                agg.rows.first().copied(),
                agg.column.map(|f| map.name(f)),
                agg.value.as_deref(),
                message,
            )
        })
        .collect()
}

fn build_frame(c: Columns, row_offset: usize) -> PolarsResult<DataFrame> {
    let source_row = c.source_row.finish() + row_offset as u32;
    let rows = source_row.len();
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
    columns.push(source_row.into_series().into());
    DataFrame::new(rows, columns)
}

#[cfg(test)]
mod tests {
    use super::{parse_number, same as same_bytes};

    /// What `parse_number` was defined by: the standard library's parser.
    fn by_std(s: &str) -> Result<Option<f64>, ()> {
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(()),
        }
    }

    fn same(s: &str) {
        let (ours, std) = (parse_number(s), by_std(s));
        assert_eq!(
            ours.map(|v| v.map(f64::to_bits)),
            std.map(|v| v.map(f64::to_bits)),
            "{s:?}"
        );
    }

    #[test]
    fn strings_compare_as_the_standard_library_compares_them() {
        let texts: Vec<String> = (0..=40)
            .map(|n| "abcdefghij".repeat(5)[..n].to_owned())
            .collect();
        for a in &texts {
            for b in &texts {
                assert_eq!(
                    same_bytes(a.as_bytes(), b.as_bytes()),
                    a == b,
                    "{a:?} {b:?}"
                );
            }
            // One byte changed anywhere is told apart.
            for i in 0..a.len() {
                let mut c = a.clone().into_bytes();
                c[i] = b'!';
                assert!(!same_bytes(a.as_bytes(), &c), "{a:?} at {i}");
            }
        }
    }

    #[test]
    fn numbers_parse_as_the_standard_library_parses_them() {
        for s in [
            "0",
            "-0",
            "+1",
            "1.",
            ".5",
            "-.5",
            "+.5",
            ".",
            "-",
            "+",
            "1e5",
            "1E-5",
            "1e",
            "e5",
            "1e+",
            "1.5e3",
            "00012",
            "1_000",
            "1,234.5",
            " 1",
            "1 ",
            "0x10",
            "inf",
            "-inf",
            "infinity",
            "NaN",
            "nan",
            "1e400",
            "-1e400",
            "1e-400",
            "4.9e-324",
            "2.2250738585072011e-308",
            "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            "0.1000000000000000055511151231257827021181583404541015625",
            "9007199254740993",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.0.0",
            "1e5e5",
            "--1",
            "12a",
            "\u{661}",
            "#DIV/0!",
            "-",
            "35.516123",
        ] {
            same(s);
        }
    }

    #[test]
    fn chunks_are_visited_in_the_order_one_sorted_list_has() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for round in 0..200 {
            // Few distinct keys, so that equal keys fall in several chunks;
            // rows numbered through the chunks in file order.
            let (mut row, chunks): (u32, usize) = (0, rng.random_range(0..6));
            let keys: Vec<Vec<super::Key>> = (0..chunks)
                .map(|_| {
                    let mut chunk: Vec<super::Key> = (0..rng.random_range(0..40))
                        .map(|_| {
                            row += 1;
                            (
                                [
                                    rng.random_range(0..4),
                                    0,
                                    0,
                                    0,
                                    0,
                                    0,
                                    rng.random_range(0..3),
                                ],
                                row,
                            )
                        })
                        .collect();
                    chunk.sort();
                    chunk
                })
                .collect();
            let mut expected: Vec<super::Key> = keys.concat();
            expected.sort();
            let mut visited = Vec::new();
            super::in_order(&keys, |k| visited.push(k));
            assert_eq!(visited, expected, "round {round}");
        }
    }

    #[test]
    fn random_numbers_parse_as_the_standard_library_parses_them() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
        let alphabet = b"0123456789.eE+-";
        for _ in 0..200_000 {
            let bits: u64 = rng.random();
            let x = f64::from_bits(bits);
            same(&format!("{x}"));
            same(&format!("{x:e}"));
            same(&format!("{:.6}", x.abs().fract() * 100.0));
            let len = rng.random_range(1..12);
            let noise: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect();
            same(&noise);
        }
    }
}
