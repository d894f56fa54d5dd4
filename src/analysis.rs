//! The dashboard's own judgements, computed once when an edition is built
//! and stored with it, so pages never recompute statistics:
//!
//! - confidence limits from count and denominator where a file gave none
//!   (proportions: Wilson; crude rates: exact Poisson / Byar's), flagged in
//!   `limits_computed`;
//! - every area compared with the nation and with its region
//!   (`compared_national`, `compared_region`) by the indicator's method and
//!   polarity, or with its goal (`compared_goal`);
//! - the recent trend of every indicator x area x breakdown series
//!   (`recent_trend`), on every row of the series.
//!
//! Fingertips's own judgements in an extract stay as provenance (`ft_*`).

use crate::areas::Gazetteer;
use crate::catalogue::{Catalogue, Indicator};
use crate::domain::{ComparisonMethod, ValueType};
use crate::frame as col;
use crate::stats::{self, compare, compare::Judgement, trend};
use polars::prelude::*;
use rustc_hash::FxHashMap;

pub const COMPARED_NATIONAL: &str = "compared_national";
pub const COMPARED_REGION: &str = "compared_region";
pub const COMPARED_GOAL: &str = "compared_goal";
pub const RECENT_TREND: &str = "recent_trend";
pub const LIMITS_COMPUTED: &str = "limits_computed";

fn floats(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    Ok(df.column(name)?.f64()?.iter().collect())
}

fn strings<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Vec<Option<&'a str>>> {
    Ok(df.column(name)?.str()?.iter().collect())
}

/// Interns a string column to dense ids, for cheap keys and sorting.
fn ids(values: &[Option<&str>]) -> Vec<u32> {
    let mut map: FxHashMap<&str, u32> = FxHashMap::default();
    values
        .iter()
        .map(|v| {
            let next = map.len() as u32;
            *map.entry(v.unwrap_or("")).or_insert(next)
        })
        .collect()
}

/// Limits a file did not give, from its count and denominator, by the
/// indicator's method. Only proportions and crude rates can be computed
/// from those two numbers alone.
fn computed_limits(
    ind: &Indicator,
    count: f64,
    denominator: f64,
    confidence: f64,
) -> Option<(Option<f64>, Option<f64>)> {
    if !(denominator > 0.0) || count < 0.0 {
        return None;
    }
    let interval = match ind.value_type {
        ValueType::Proportion if count <= denominator => {
            stats::wilson(count, denominator, confidence).scaled(ind.multiplier)
        }
        ValueType::CrudeRate => stats::poisson_count(count, confidence)
            .0
            .scaled(ind.multiplier / denominator),
        _ => return None,
    };
    Some((interval.lower, interval.upper))
}

fn judge(
    ind: Option<&Indicator>,
    v: Option<f64>,
    ci95: (Option<f64>, Option<f64>),
    ci998: (Option<f64>, Option<f64>),
    benchmark: Option<f64>,
) -> Judgement {
    let Some(ind) = ind else {
        return Judgement::NotCompared;
    };
    match ind.comparison {
        ComparisonMethod::Ci95 => compare::compare(v, ci95.0, ci95.1, benchmark, ind.polarity),
        ComparisonMethod::Ci998 => compare::compare(v, ci998.0, ci998.1, benchmark, ind.polarity),
        ComparisonMethod::CiTwoLevel => {
            compare::compare_two_level(v, ci95, ci998, benchmark, ind.polarity)
        }
        // Goal indicators are judged against their goal, not a benchmark.
        ComparisonMethod::Goal | ComparisonMethod::NotCompared => Judgement::NotCompared,
    }
}

/// FingertipsNext computes recent trends for these value types only.
fn trend_applies(ind: &Indicator) -> bool {
    matches!(
        ind.value_type,
        ValueType::Proportion | ValueType::CrudeRate | ValueType::Dsr
    )
}

/// Adds the judgement columns (and computed limits) to an edition frame.
pub fn analyse(
    mut df: DataFrame,
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    nation: &str,
) -> PolarsResult<DataFrame> {
    let n = df.height();
    let indicator = strings(&df, col::INDICATOR_ID)?;
    let area = strings(&df, col::AREA_CODE)?;
    let parent = strings(&df, col::PARENT_CODE)?;
    let (sex, age) = (strings(&df, col::SEX)?, strings(&df, col::AGE)?);
    let (cat_type, cat) = (
        strings(&df, col::CATEGORY_TYPE)?,
        strings(&df, col::CATEGORY)?,
    );
    let period = strings(&df, col::PERIOD)?;
    let end: Vec<Option<i32>> = df
        .column(col::PERIOD_END)?
        .date()?
        .physical()
        .iter()
        .collect();
    let value = floats(&df, col::VALUE)?;
    let (mut l95, mut u95) = (floats(&df, col::LOWER_95)?, floats(&df, col::UPPER_95)?);
    let (mut l998, mut u998) = (floats(&df, col::LOWER_99_8)?, floats(&df, col::UPPER_99_8)?);
    let (count, denominator) = (floats(&df, col::COUNT)?, floats(&df, col::DENOMINATOR)?);

    let ind_ids = ids(&indicator);
    let area_ids = ids(&area);
    let (sex_ids, age_ids, ct_ids, c_ids, period_ids) = (
        ids(&sex),
        ids(&age),
        ids(&cat_type),
        ids(&cat),
        ids(&period),
    );
    let mut entries: FxHashMap<u32, Option<&Indicator>> = FxHashMap::default();
    let info: Vec<Option<&Indicator>> = (0..n)
        .map(|i| {
            *entries
                .entry(ind_ids[i])
                .or_insert_with(|| indicator[i].and_then(|id| catalogue.get(id)))
        })
        .collect();

    // 1. Limits from count and denominator where the file gave none.
    let mut computed = vec![false; n];
    for i in 0..n {
        let (Some(ind), Some(c), Some(d)) = (info[i], count[i], denominator[i]) else {
            continue;
        };
        if value[i].is_none() {
            continue;
        }
        if l95[i].is_none() && u95[i].is_none() {
            if let Some((l, u)) = computed_limits(ind, c, d, stats::CONFIDENCE_95) {
                (l95[i], u95[i], computed[i]) = (l, u, true);
            }
        }
        if l998[i].is_none() && u998[i].is_none() {
            if let Some((l, u)) = computed_limits(ind, c, d, stats::CONFIDENCE_998) {
                (l998[i], u998[i], computed[i]) = (l, u, true);
            }
        }
    }

    // 2. Benchmarks: the nation's row, and each region's row, for the same
    // indicator, breakdown and period.
    let breakdown = |i: usize| {
        [
            ind_ids[i],
            sex_ids[i],
            age_ids[i],
            ct_ids[i],
            c_ids[i],
            period_ids[i],
        ]
    };
    // Per area (not per row): its code, its gazetteer entry, its region.
    let mut areas: FxHashMap<u32, (&str, Option<&crate::areas::Area>)> = FxHashMap::default();
    for i in 0..n {
        areas.entry(area_ids[i]).or_insert_with(|| {
            let code = area[i].unwrap_or("");
            (code, gazetteer.get(code))
        });
    }
    let area_code_ids: FxHashMap<&str, u32> =
        areas.iter().map(|(&id, &(code, _))| (code, id)).collect();
    let is_benchmark = |id: u32| {
        let (code, known) = areas[&id];
        code == nation || known.is_some_and(|a| a.kind == crate::areas::AreaKind::Region)
    };
    let mut by_area: FxHashMap<(u32, [u32; 6]), usize> = FxHashMap::default();
    for i in 0..n {
        if is_benchmark(area_ids[i]) {
            by_area.insert((area_ids[i], breakdown(i)), i);
        }
    }
    let nation_id = area_code_ids.get(nation).copied();
    let benchmark_value = |bench: Option<u32>, i: usize| {
        bench
            .and_then(|b| by_area.get(&(b, breakdown(i))))
            .and_then(|&j| value[j])
    };
    let mut national = Vec::with_capacity(n);
    let mut regional = Vec::with_capacity(n);
    let mut goal = Vec::with_capacity(n);
    for i in 0..n {
        let (code, known) = areas[&area_ids[i]];
        let ci95 = (l95[i], u95[i]);
        let ci998 = (l998[i], u998[i]);
        // An area is never compared with itself.
        let vs_nation = if code == nation {
            Judgement::NotCompared
        } else {
            judge(
                info[i],
                value[i],
                ci95,
                ci998,
                benchmark_value(nation_id, i),
            )
        };
        let region_code = match known {
            Some(a) if a.kind == crate::areas::AreaKind::UpperTier => a.parent.as_deref(),
            None => parent[i].filter(|p| *p != nation),
            _ => None,
        };
        let region_id = region_code.and_then(|r| area_code_ids.get(r).copied());
        let vs_region = if region_id.is_some() {
            judge(
                info[i],
                value[i],
                ci95,
                ci998,
                benchmark_value(region_id, i),
            )
        } else {
            Judgement::NotCompared
        };
        let vs_goal = match info[i] {
            Some(ind) if ind.comparison == ComparisonMethod::Goal => {
                ind.goal.map_or(Judgement::NotCompared, |g| {
                    compare::compare_goal(value[i], g.lower, g.upper, ind.polarity)
                })
            }
            _ => Judgement::NotCompared,
        };
        national.push(vs_nation.label());
        regional.push(vs_region.label());
        goal.push(vs_goal.label());
    }

    // 3. Recent trend per series, oldest period first.
    let mut order: Vec<usize> = (0..n).collect();
    let series = |i: usize| {
        (
            ind_ids[i],
            area_ids[i],
            sex_ids[i],
            age_ids[i],
            ct_ids[i],
            c_ids[i],
        )
    };
    order.sort_unstable_by_key(|&i| (series(i), end[i]));
    let mut trends = vec![""; n];
    let mut start = 0;
    while start < n {
        let key = series(order[start]);
        let mut stop = start;
        while stop < n && series(order[stop]) == key {
            stop += 1;
        }
        let members = &order[start..stop];
        let label = match info[members[0]] {
            Some(ind) if trend_applies(ind) => {
                let points: Vec<trend::Point> = members
                    .iter()
                    .map(|&i| trend::Point {
                        value: value[i],
                        lower: l95[i],
                        upper: u95[i],
                    })
                    .collect();
                trend::recent_trend(&points, ind.polarity).label()
            }
            Some(_) => trend::Trend::CannotBeCalculated.label(),
            None => "",
        };
        for &i in members {
            trends[i] = label;
        }
        start = stop;
    }

    let float_col = |name: &str, v: Vec<Option<f64>>| Column::new(name.into(), v);
    df.with_column(float_col(col::LOWER_95, l95))?;
    df.with_column(float_col(col::UPPER_95, u95))?;
    df.with_column(float_col(col::LOWER_99_8, l998))?;
    df.with_column(float_col(col::UPPER_99_8, u998))?;
    df.with_column(Column::new(LIMITS_COMPUTED.into(), computed))?;
    df.with_column(Column::new(COMPARED_NATIONAL.into(), national))?;
    df.with_column(Column::new(COMPARED_REGION.into(), regional))?;
    df.with_column(Column::new(COMPARED_GOAL.into(), goal))?;
    df.with_column(Column::new(RECENT_TREND.into(), trends))?;
    Ok(df)
}
