//! The read model pages and the API use: one edition's frame turned, once,
//! into plain indexed structures (indicator → breakdown → area → points),
//! so a request looks values up instead of scanning a frame.
//!
//! Built from what the store holds, including the judgements `analysis`
//! stored with the edition; nothing here computes a statistic.

use crate::analysis;
use crate::catalogue::{Catalogue, Indicator};
use crate::frame as col;
use crate::stats::compare::Judgement;
use crate::stats::trend::Trend;
use crate::store::Edition;
use polars::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// A period as published, with the dates it covers (days since 1970).
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub label: String,
    pub start: Option<i32>,
    pub end: Option<i32>,
}

/// One breakdown of an indicator: sex, age and an optional category.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Breakdown {
    pub sex: String,
    pub age: String,
    pub category_type: String,
    pub category: String,
}

impl Breakdown {
    /// "Female, 65+ yrs" or "Persons, All ages, Most deprived decile".
    pub fn label(&self) -> String {
        let mut parts = vec![self.sex.as_str(), self.age.as_str()];
        if !self.category.is_empty() {
            parts.push(&self.category);
        }
        parts.retain(|p| !p.is_empty());
        parts.join(", ")
    }
}

/// One value of a series, with its limits and the stored judgements.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Index into `IndicatorData::periods`.
    pub period: usize,
    pub value: Option<f64>,
    pub lower_95: Option<f64>,
    pub upper_95: Option<f64>,
    pub lower_99_8: Option<f64>,
    pub upper_99_8: Option<f64>,
    pub count: Option<f64>,
    pub denominator: Option<f64>,
    pub note: Option<String>,
    pub vs_nation: Judgement,
    pub vs_region: Judgement,
    pub vs_goal: Judgement,
}

/// All the periods of one indicator for one area and breakdown, oldest first.
#[derive(Debug, Clone)]
pub struct Series {
    pub area_code: String,
    pub area_name: String,
    pub points: Vec<Point>,
    pub trend: Option<Trend>,
}

impl Series {
    /// The most recent period held (its value may be suppressed).
    pub fn latest(&self) -> Option<&Point> {
        self.points.last()
    }

    pub fn at(&self, period: usize) -> Option<&Point> {
        self.points
            .binary_search_by_key(&period, |p| p.period)
            .ok()
            .map(|i| &self.points[i])
    }

    /// The point before `period` that has a value (for "direction since the
    /// last period").
    pub fn previous_value(&self, period: usize) -> Option<&Point> {
        self.points
            .iter()
            .rev()
            .find(|p| p.period < period && p.value.is_some())
    }
}

#[derive(Debug, Clone)]
pub struct IndicatorData {
    pub id: String,
    /// The name the data gave, used when the catalogue does not know it.
    pub name: String,
    pub meta: Option<Indicator>,
    /// Oldest first.
    pub periods: Vec<Period>,
    /// The headline breakdown first (see `headline_breakdown`).
    pub breakdowns: Vec<Breakdown>,
    /// Per breakdown (same order), the series by area code.
    series: Vec<FxHashMap<String, Series>>,
}

impl IndicatorData {
    pub fn title(&self) -> &str {
        self.meta.as_ref().map_or(&self.name, |m| &m.title)
    }

    pub fn series(&self, breakdown: usize, area: &str) -> Option<&Series> {
        self.series.get(breakdown)?.get(area)
    }

    /// Every area's series for one breakdown.
    pub fn all_series(&self, breakdown: usize) -> impl Iterator<Item = &Series> {
        self.series
            .get(breakdown)
            .into_iter()
            .flat_map(|m| m.values())
    }

    /// Whether this indicator is judged against its goal, not against the
    /// region and the nation.
    pub fn judged_against_goal(&self) -> bool {
        self.meta
            .as_ref()
            .is_some_and(|m| m.comparison == crate::domain::ComparisonMethod::Goal)
    }

    /// The judgements to show for a point: against the region and the
    /// nation, or for goal indicators the goal's colour in both places.
    pub fn judged(&self, p: &Point) -> (Judgement, Judgement) {
        if self.judged_against_goal() {
            (p.vs_goal, p.vs_goal)
        } else {
            (p.vs_region, p.vs_nation)
        }
    }

    pub fn period_label(&self, period: usize) -> &str {
        self.periods.get(period).map_or("", |p| p.label.as_str())
    }
}

/// One edition, ready to read.
#[derive(Debug)]
pub struct Dataset {
    pub edition: Edition,
    /// Catalogue order first, then indicators the catalogue does not know.
    pub indicators: Vec<IndicatorData>,
    by_id: FxHashMap<String, usize>,
    /// Area names as the data gave them.
    pub area_names: BTreeMap<String, String>,
    /// Each area's parent code as the data gave it.
    parents: BTreeMap<String, String>,
    /// The plan's progress reports and key messages of this edition.
    pub plan: crate::board::EditionPlan,
}

impl Dataset {
    /// An area's name: the name the data gave, except that the nation and
    /// regions take the gazetteer's (so "North West", as the site names its
    /// benchmarks, not "North West region"); else the code.
    pub fn area_name(&self, code: &str) -> String {
        let gazetteer = crate::areas::Gazetteer::shared()
            .get(code)
            .filter(|a| a.kind != crate::areas::AreaKind::UpperTier);
        gazetteer
            .map(|a| a.name.clone())
            .or_else(|| self.area_names.get(code).cloned())
            .unwrap_or_else(|| code.to_owned())
    }

    /// The areas whose parent is `parent`, by the data's parent codes or the
    /// gazetteer (so areas an old extract holds under retired codes, such as
    /// Cumbria, still appear with their region).
    pub fn children_of(&self, parent: &str) -> Vec<String> {
        let mut codes: Vec<String> = crate::areas::Gazetteer::shared()
            .upper_tier_in(parent)
            .map(|a| a.code.clone())
            .collect();
        for (code, p) in &self.parents {
            if p == parent && !codes.contains(code) {
                codes.push(code.clone());
            }
        }
        codes
    }

    /// Per indicator, the end of its earliest period (for the "older than
    /// anything held" warning on upload).
    pub fn held_from(&self) -> std::collections::HashMap<String, chrono::NaiveDate> {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        self.indicators
            .iter()
            .filter_map(|ind| {
                let days = ind.periods.iter().filter_map(|p| p.end).min()?;
                Some((ind.id.clone(), epoch + chrono::Duration::days(days.into())))
            })
            .collect()
    }

    /// The point for an indicator, breakdown, area and period label.
    pub fn find(&self, id: &str, breakdown: &Breakdown, area: &str, period: &str) -> Lookup<'_> {
        let Some(ind) = self.indicator(id) else {
            return Lookup::NoIndicator;
        };
        let Some(b) = ind.breakdowns.iter().position(|b| b == breakdown) else {
            return Lookup::NoPeriod;
        };
        let Some(p) = ind.periods.iter().position(|p| p.label == period) else {
            return Lookup::NoPeriod;
        };
        match ind.series(b, area).and_then(|s| s.at(p)) {
            Some(point) => Lookup::Found(point),
            None => Lookup::NoValue,
        }
    }

    pub fn indicator(&self, id: &str) -> Option<&IndicatorData> {
        self.by_id.get(id).map(|&i| &self.indicators[i])
    }

    /// An empty dataset for an edition without data (and for tests).
    pub fn empty(edition: Edition) -> Dataset {
        Dataset {
            edition,
            indicators: Vec::new(),
            by_id: FxHashMap::default(),
            area_names: BTreeMap::new(),
            parents: BTreeMap::new(),
            plan: Default::default(),
        }
    }

    /// Builds the read model from an edition's stored frame.
    pub fn build(edition: Edition, df: &DataFrame, catalogue: &Catalogue) -> PolarsResult<Dataset> {
        let rows = Rows::read(df)?;
        let mut builders: BTreeMap<String, Builder> = BTreeMap::new();
        let mut area_names = BTreeMap::new();
        let mut parents = BTreeMap::new();
        for i in 0..df.height() {
            let id = rows.indicator.get(i).unwrap_or_default();
            let b = builders.entry(id.to_owned()).or_insert_with(|| Builder {
                name: rows.name.get(i).unwrap_or(id).to_owned(),
                ..Builder::default()
            });
            b.add(&rows, i);
            let code = rows.area.get(i).unwrap_or_default();
            if let Some(name) = rows.area_name.get(i)
                && !area_names.contains_key(code)
            {
                area_names.insert(code.to_owned(), name.to_owned());
            }
            if let Some(parent) = rows.parent.get(i).filter(|p| !p.is_empty())
                && !parents.contains_key(code)
            {
                parents.insert(code.to_owned(), parent.to_owned());
            }
        }
        let order = |id: &str| {
            catalogue
                .iter()
                .position(|m| m.id == id)
                .unwrap_or(usize::MAX)
        };
        let mut indicators: Vec<IndicatorData> = builders
            .into_iter()
            .map(|(id, b)| b.finish(id.clone(), catalogue.get(&id).cloned(), &area_names))
            .collect();
        indicators.sort_by(|a, b| order(&a.id).cmp(&order(&b.id)).then(a.id.cmp(&b.id)));
        let by_id = indicators
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        Ok(Dataset {
            edition,
            indicators,
            by_id,
            area_names,
            parents,
            plan: Default::default(),
        })
    }
}

/// One period of an area's series beside its region and the nation: a row
/// of the indicator page's table, and of its CSV download.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ComparisonRow {
    pub period: String,
    pub area_code: String,
    pub area_name: String,
    pub value: Option<f64>,
    pub lower_95: Option<f64>,
    pub upper_95: Option<f64>,
    pub count: Option<f64>,
    pub denominator: Option<f64>,
    pub value_note: Option<String>,
    pub region_value: Option<f64>,
    pub nation_value: Option<f64>,
    pub compared_region: &'static str,
    pub compared_nation: &'static str,
}

impl IndicatorData {
    /// Every period of `area`'s series (oldest first) with the region's and
    /// the nation's values for the same period and breakdown.
    pub fn comparison_rows(
        &self,
        breakdown: usize,
        area: &str,
        region: &str,
        nation: &str,
    ) -> Vec<ComparisonRow> {
        let Some(series) = self.series(breakdown, area) else {
            return Vec::new();
        };
        let other = |code: &str, period: usize| {
            self.series(breakdown, code)
                .and_then(|s| s.at(period))
                .and_then(|p| p.value)
        };
        series
            .points
            .iter()
            .map(|p| ComparisonRow {
                period: self.period_label(p.period).to_owned(),
                area_code: series.area_code.clone(),
                area_name: series.area_name.clone(),
                value: p.value,
                lower_95: p.lower_95,
                upper_95: p.upper_95,
                count: p.count,
                denominator: p.denominator,
                value_note: p.note.clone(),
                region_value: other(region, p.period),
                nation_value: other(nation, p.period),
                compared_region: self.judged(p).0.label(),
                compared_nation: self.judged(p).1.label(),
            })
            .collect()
    }
}

/// Where a row of new data falls in an edition.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a> {
    NoIndicator,
    /// The indicator is held but not this period (or breakdown).
    NoPeriod,
    /// The period is held, but not for this area.
    NoValue,
    Found(&'a Point),
}

/// How one indicator's headline figure for an area moved between two
/// editions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Not in the previous edition (or not for this area).
    New,
    /// A more recent period than the previous edition had.
    NewPeriod,
    /// The same latest period with a different value.
    Revised,
    Unchanged,
}

/// What changed for `area`'s headline series of `ind` since `previous`,
/// and whether the comparison with the nation changed.
pub fn change(ind: &IndicatorData, previous: &Dataset, area: &str) -> (Change, bool) {
    let now = ind.series(0, area).and_then(|s| Some((s.latest()?, ind)));
    let before = previous.indicator(&ind.id).and_then(|old| {
        // The same breakdown, wherever it sits in the old edition.
        let b = old
            .breakdowns
            .iter()
            .position(|b| Some(b) == ind.breakdowns.first())?;
        Some((old.series(b, area)?.latest()?, old))
    });
    match (now, before) {
        (None, _) => (Change::Unchanged, false),
        (Some(_), None) => (Change::New, false),
        (Some((p, ind)), Some((q, old))) => {
            let judged = ind.judged(p).1 != old.judged(q).1;
            let change = if ind.period_label(p.period) != old.period_label(q.period) {
                Change::NewPeriod
            } else if p.value != q.value {
                Change::Revised
            } else {
                Change::Unchanged
            };
            (change, judged)
        }
    }
}

/// The frame's columns, typed once.
struct Rows<'a> {
    indicator: &'a StringChunked,
    name: &'a StringChunked,
    area: &'a StringChunked,
    area_name: &'a StringChunked,
    parent: &'a StringChunked,
    sex: &'a StringChunked,
    age: &'a StringChunked,
    category_type: &'a StringChunked,
    category: &'a StringChunked,
    period: &'a StringChunked,
    start: Vec<Option<i32>>,
    end: Vec<Option<i32>>,
    floats: [Vec<Option<f64>>; 7],
    note: &'a StringChunked,
    judgements: [Option<&'a StringChunked>; 3],
    trend: Option<&'a StringChunked>,
}

impl<'a> Rows<'a> {
    fn read(df: &'a DataFrame) -> PolarsResult<Rows<'a>> {
        let s = |name: &str| df.column(name)?.str();
        let opt = |name: &str| df.column(name).ok().and_then(|c| c.str().ok());
        let dates = |name: &str| -> PolarsResult<Vec<Option<i32>>> {
            Ok(df.column(name)?.date()?.physical().iter().collect())
        };
        let f = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
            Ok(df.column(name)?.f64()?.iter().collect())
        };
        Ok(Rows {
            indicator: s(col::INDICATOR_ID)?,
            name: s(col::INDICATOR_NAME)?,
            area: s(col::AREA_CODE)?,
            area_name: s(col::AREA_NAME)?,
            parent: s(col::PARENT_CODE)?,
            sex: s(col::SEX)?,
            age: s(col::AGE)?,
            category_type: s(col::CATEGORY_TYPE)?,
            category: s(col::CATEGORY)?,
            period: s(col::PERIOD)?,
            start: dates(col::PERIOD_START)?,
            end: dates(col::PERIOD_END)?,
            floats: [
                f(col::VALUE)?,
                f(col::LOWER_95)?,
                f(col::UPPER_95)?,
                f(col::LOWER_99_8)?,
                f(col::UPPER_99_8)?,
                f(col::COUNT)?,
                f(col::DENOMINATOR)?,
            ],
            note: s(col::VALUE_NOTE)?,
            judgements: [
                opt(analysis::COMPARED_NATIONAL),
                opt(analysis::COMPARED_REGION),
                opt(analysis::COMPARED_GOAL),
            ],
            trend: opt(analysis::RECENT_TREND),
        })
    }

    fn judgement(&self, which: usize, i: usize) -> Judgement {
        self.judgements[which]
            .and_then(|c| c.get(i))
            .and_then(Judgement::from_label)
            .unwrap_or(Judgement::NotCompared)
    }
}

/// A row of a series before periods are ordered: label, point, trend.
type Pending = (String, Point, Option<Trend>);

#[derive(Default)]
struct Builder {
    name: String,
    periods: FxHashMap<String, (Option<i32>, Option<i32>)>,
    breakdowns: FxHashMap<Breakdown, usize>,
    /// (breakdown, area) → (period label, point, trend)
    series: FxHashMap<(usize, String), Vec<Pending>>,
}

impl Builder {
    fn add(&mut self, rows: &Rows, i: usize) {
        let text = |c: &StringChunked| c.get(i).unwrap_or_default().to_owned();
        let breakdown = Breakdown {
            sex: text(rows.sex),
            age: text(rows.age),
            category_type: text(rows.category_type),
            category: text(rows.category),
        };
        let next = self.breakdowns.len();
        let b = *self.breakdowns.entry(breakdown).or_insert(next);
        let period = text(rows.period);
        self.periods
            .entry(period.clone())
            .or_insert((rows.start[i], rows.end[i]));
        let [
            value,
            lower_95,
            upper_95,
            lower_99_8,
            upper_99_8,
            count,
            denominator,
        ] = std::array::from_fn(|k| rows.floats[k][i]);
        let point = Point {
            period: 0, // set in `finish`, once periods are ordered
            value,
            lower_95,
            upper_95,
            lower_99_8,
            upper_99_8,
            count,
            denominator,
            note: rows
                .note
                .get(i)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            vs_nation: rows.judgement(0, i),
            vs_region: rows.judgement(1, i),
            vs_goal: rows.judgement(2, i),
        };
        let trend = rows
            .trend
            .and_then(|c| c.get(i))
            .and_then(Trend::from_label);
        self.series
            .entry((b, text(rows.area)))
            .or_default()
            .push((period, point, trend));
    }

    fn finish(
        self,
        id: String,
        meta: Option<Indicator>,
        area_names: &BTreeMap<String, String>,
    ) -> IndicatorData {
        let mut periods: Vec<Period> = self
            .periods
            .into_iter()
            .map(|(label, (start, end))| Period { label, start, end })
            .collect();
        periods.sort_by(|a, b| (a.start, a.end, &a.label).cmp(&(b.start, b.end, &b.label)));
        let period_index: FxHashMap<&str, usize> = periods
            .iter()
            .enumerate()
            .map(|(i, p)| (p.label.as_str(), i))
            .collect();

        let mut breakdowns: Vec<(Breakdown, usize)> = self.breakdowns.into_iter().collect();
        let mut areas_per_breakdown = vec![0usize; breakdowns.len()];
        for (b, _) in self.series.keys() {
            areas_per_breakdown[*b] += 1;
        }
        let headline = headline_breakdown(meta.as_ref(), &breakdowns, |b| areas_per_breakdown[b]);
        breakdowns.sort_by(|(a, ai), (b, bi)| {
            (*bi == headline)
                .cmp(&(*ai == headline))
                .then_with(|| a.cmp(b))
        });
        let remap: FxHashMap<usize, usize> = breakdowns
            .iter()
            .enumerate()
            .map(|(new, (_, old))| (*old, new))
            .collect();

        let mut series: Vec<FxHashMap<String, Series>> =
            vec![FxHashMap::default(); breakdowns.len()];
        for ((b, area), mut rows) in self.series {
            for (label, point, _) in &mut rows {
                point.period = period_index[label.as_str()];
            }
            rows.sort_by_key(|(_, p, _)| p.period);
            let trend = rows.last().and_then(|(_, _, t)| *t);
            let area_name = area_names
                .get(&area)
                .cloned()
                .unwrap_or_else(|| area.clone());
            series[remap[&b]].insert(
                area.clone(),
                Series {
                    area_code: area,
                    area_name,
                    points: rows.into_iter().map(|(_, p, _)| p).collect(),
                    trend,
                },
            );
        }
        IndicatorData {
            id,
            name: self.name,
            meta,
            periods,
            breakdowns: breakdowns.into_iter().map(|(b, _)| b).collect(),
            series,
        }
    }
}

/// The breakdown a page shows first: no category, the first sex the
/// catalogue lists that the data has, and of those the one with most areas.
fn headline_breakdown(
    meta: Option<&Indicator>,
    breakdowns: &[(Breakdown, usize)],
    areas: impl Fn(usize) -> usize,
) -> usize {
    let preferred: Vec<&str> = meta
        .map(|m| m.breakdowns.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let rank = |b: &Breakdown| {
        let sex = preferred
            .iter()
            .position(|s| *s == b.sex)
            .unwrap_or(preferred.len() + usize::from(b.sex != "Persons"));
        (!b.category_type.is_empty(), sex)
    };
    breakdowns
        .iter()
        .min_by(|(a, ai), (b, bi)| {
            rank(a)
                .cmp(&rank(b))
                .then(areas(*bi).cmp(&areas(*ai)))
                .then(a.cmp(b))
        })
        .map_or(0, |(_, i)| *i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bd(sex: &str, cat: &str) -> Breakdown {
        Breakdown {
            sex: sex.into(),
            age: "All ages".into(),
            category_type: if cat.is_empty() { "" } else { "Deprivation" }.into(),
            category: cat.into(),
        }
    }

    fn edition(id: i64) -> Edition {
        Edition {
            id,
            label: format!("edition {id}"),
            base_id: None,
            rows: 0,
            illustrative: false,
            created_at: String::new(),
            created_by: String::new(),
            published_at: None,
            is_published: false,
        }
    }

    #[test]
    fn changes_between_editions_are_new_periods_revisions_and_rejudgements() {
        let gazetteer = crate::areas::Gazetteer::bundled();
        let (region, nation) = (
            gazetteer.get("E12000002").unwrap(),
            gazetteer.get("E92000001").unwrap(),
        );
        let catalogue = Catalogue::bundled();
        let now = crate::demo::frame(region, nation).unwrap();
        let current = Dataset::build(edition(2), &now, &catalogue).unwrap();
        let halton = "E06000006";
        let latest = |id: &str| {
            let ind = current.indicator(id).unwrap();
            ind.period_label(ind.series(0, halton).unwrap().latest().unwrap().period)
                .to_owned()
        };
        // The previous edition: school readiness without its latest period,
        // and Halton's latest smoking figure different and judged otherwise.
        let (drop_period, smoking_period) = (latest("90631"), latest("92443"));
        let ids = now.column("indicator_id").unwrap().str().unwrap();
        let periods = now.column("period").unwrap().str().unwrap();
        let areas = now.column("area_code").unwrap().str().unwrap();
        let keep: BooleanChunked = ids
            .iter()
            .zip(periods.iter())
            .map(|(i, p)| Some(!(i == Some("90631") && p == Some(drop_period.as_str()))))
            .collect();
        let revise = |i: usize| {
            ids.get(i) == Some("92443")
                && areas.get(i) == Some(halton)
                && periods.get(i) == Some(smoking_period.as_str())
        };
        let values: Vec<Option<f64>> = (0..now.height())
            .map(|i| {
                let v = now.column("value").unwrap().f64().unwrap().get(i);
                if revise(i) { v.map(|v| v + 1.0) } else { v }
            })
            .collect();
        let judged = |i: usize, col: &str| {
            let v = now
                .column(col)
                .unwrap()
                .str()
                .unwrap()
                .get(i)
                .map(str::to_owned);
            if revise(i) {
                Some("Not compared".to_owned())
            } else {
                v
            }
        };
        let national: Vec<Option<String>> = (0..now.height())
            .map(|i| judged(i, analysis::COMPARED_NATIONAL))
            .collect();
        let mut before = now.clone();
        before
            .with_column(Column::new("value".into(), values))
            .unwrap();
        before
            .with_column(Column::new(analysis::COMPARED_NATIONAL.into(), national))
            .unwrap();
        let before = before.filter(&keep).unwrap();
        let previous = Dataset::build(edition(1), &before, &catalogue).unwrap();

        let school = current.indicator("90631").unwrap();
        assert_eq!(
            change(school, &previous, halton),
            (Change::NewPeriod, false)
        );
        let smoking = current.indicator("92443").unwrap();
        let (c, rejudged) = change(smoking, &previous, halton);
        assert_eq!(c, Change::Revised);
        assert_eq!(
            rejudged,
            smoking
                .judged(smoking.series(0, halton).unwrap().latest().unwrap())
                .1
                != Judgement::NotCompared
        );
        let other = current.indicator("90366").unwrap();
        assert_eq!(change(other, &previous, halton), (Change::Unchanged, false));
        assert_eq!(
            change(other, &Dataset::empty(edition(0)), halton).0,
            Change::New
        );
    }

    #[test]
    fn headline_prefers_no_category_then_catalogue_sex_order() {
        let list = vec![
            (bd("Persons", "Most deprived"), 0),
            (bd("Male", ""), 1),
            (bd("Female", ""), 2),
            (bd("Persons", ""), 3),
        ];
        assert_eq!(
            headline_breakdown(None, &list, |_| 1),
            3,
            "Persons by default"
        );
        let mut meta = Catalogue::bundled().iter().next().unwrap().clone();
        meta.breakdowns = vec!["Female".into(), "Male".into()];
        assert_eq!(headline_breakdown(Some(&meta), &list, |_| 1), 2);
        assert_eq!(
            bd("Persons", "Most deprived").label(),
            "Persons, All ages, Most deprived"
        );
    }
}
