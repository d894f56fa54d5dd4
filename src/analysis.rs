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

/// A string column as dense ids (for cheap keys) and the distinct values.
struct Interned<'a> {
    ids: Vec<u32>,
    values: Vec<&'a str>,
}

fn intern<'a>(df: &'a DataFrame, name: &str) -> PolarsResult<Interned<'a>> {
    let mut map: FxHashMap<&'a str, u32> = FxHashMap::default();
    let mut values = Vec::new();
    let ids = df
        .column(name)?
        .str()?
        .iter()
        .map(|v| {
            let v = v.unwrap_or("");
            *map.entry(v).or_insert_with(|| {
                values.push(v);
                (values.len() - 1) as u32
            })
        })
        .collect();
    Ok(Interned { ids, values })
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

/// An edition's derived data: its other indicators resolved (`metadata`:
/// Fingertips metadata where the edition has it, else inferred from the
/// data's own comparisons), then every indicator judged. Returns the
/// analysed frame and the metadata to keep with it.
pub fn analyse_edition(
    df: DataFrame,
    metadata: DataFrame,
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    nation: &str,
) -> PolarsResult<(DataFrame, DataFrame)> {
    let df = col::as_text(&df)?;
    let known = crate::metadata::from_frame(&metadata)?;
    let others = crate::metadata::resolve(&df, catalogue, &known, nation)?;
    // Keep metadata fetched for indicators whose data is still to come.
    let mut kept = others.clone();
    for k in known {
        if k.origin == crate::catalogue::Origin::FingertipsMetadata
            && catalogue.get(&k.id).is_none()
            && !kept.iter().any(|o| o.id == k.id)
        {
            kept.push(k);
        }
    }
    let full = catalogue.with(others);
    let analysed = analyse(df, &full, gazetteer, nation)?;
    Ok((analysed, crate::metadata::to_frame(&kept)?))
}

/// Adds the judgement columns (and computed limits) to an edition frame.
pub fn analyse(
    mut df: DataFrame,
    catalogue: &Catalogue,
    gazetteer: &Gazetteer,
    nation: &str,
) -> PolarsResult<DataFrame> {
    // Editions are stored, and pages read, with plain string columns.
    df = col::as_text(&df)?;
    let n = df.height();
    let indicator = intern(&df, col::INDICATOR_ID)?;
    let area = intern(&df, col::AREA_CODE)?;
    let parent = intern(&df, col::PARENT_CODE)?;
    let (sex, age) = (intern(&df, col::SEX)?, intern(&df, col::AGE)?);
    let (cat_type, cat) = (
        intern(&df, col::CATEGORY_TYPE)?,
        intern(&df, col::CATEGORY)?,
    );
    let period = intern(&df, col::PERIOD)?;
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

    let (ind_ids, area_ids) = (&indicator.ids, &area.ids);
    let (sex_ids, age_ids, ct_ids, c_ids, period_ids) =
        (&sex.ids, &age.ids, &cat_type.ids, &cat.ids, &period.ids);
    let entries: Vec<Option<&Indicator>> = indicator
        .values
        .iter()
        .map(|id| catalogue.get(id))
        .collect();
    let info: Vec<Option<&Indicator>> = ind_ids.iter().map(|&id| entries[id as usize]).collect();

    // 1. Limits from count and denominator where the file gave none.
    let mut computed = vec![false; n];
    for i in 0..n {
        let (Some(ind), Some(c), Some(d)) = (info[i], count[i], denominator[i]) else {
            continue;
        };
        if value[i].is_none() {
            continue;
        }
        if l95[i].is_none()
            && u95[i].is_none()
            && let Some((l, u)) = computed_limits(ind, c, d, stats::CONFIDENCE_95)
        {
            (l95[i], u95[i], computed[i]) = (l, u, true);
        }
        if l998[i].is_none()
            && u998[i].is_none()
            && let Some((l, u)) = computed_limits(ind, c, d, stats::CONFIDENCE_998)
        {
            (l998[i], u998[i], computed[i]) = (l, u, true);
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
    // Per area, not per row: whether it is a benchmark, and its region.
    let area_code_ids: FxHashMap<&str, u32> = area
        .values
        .iter()
        .enumerate()
        .map(|(id, &code)| (code, id as u32))
        .collect();
    let nation_id = area_code_ids.get(nation).copied();
    let known: Vec<Option<&crate::areas::Area>> =
        area.values.iter().map(|code| gazetteer.get(code)).collect();
    let is_benchmark: Vec<bool> = area
        .values
        .iter()
        .zip(&known)
        .map(|(&code, k)| {
            code == nation || k.is_some_and(|a| a.kind == crate::areas::AreaKind::Region)
        })
        .collect();
    let mut by_area: FxHashMap<(u32, [u32; 6]), usize> = FxHashMap::default();
    for i in 0..n {
        if is_benchmark[area_ids[i] as usize] {
            by_area.insert((area_ids[i], breakdown(i)), i);
        }
    }
    let benchmark_value = |bench: Option<u32>, i: usize| {
        bench
            .and_then(|b| by_area.get(&(b, breakdown(i))))
            .and_then(|&j| value[j])
    };
    let mut national = Vec::with_capacity(n);
    let mut regional = Vec::with_capacity(n);
    let mut goal = Vec::with_capacity(n);
    for i in 0..n {
        let a = area_ids[i] as usize;
        let (code, known) = (area.values[a], known[a]);
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
            None => Some(parent.values[parent.ids[i] as usize])
                .filter(|p| !p.is_empty() && *p != nation),
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

    // 3. Recent trend per series, oldest period first: rows bucketed by
    // series (a counting sort), then each short series sorted by period.
    let mut series_ids: FxHashMap<[u32; 6], u32> = FxHashMap::default();
    let series: Vec<u32> = (0..n)
        .map(|i| {
            let next = series_ids.len() as u32;
            *series_ids
                .entry([
                    ind_ids[i],
                    area_ids[i],
                    sex_ids[i],
                    age_ids[i],
                    ct_ids[i],
                    c_ids[i],
                ])
                .or_insert(next)
        })
        .collect();
    let mut starts = vec![0usize; series_ids.len() + 1];
    for &s in &series {
        starts[s as usize + 1] += 1;
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut order = vec![0usize; n];
    let mut fill = starts.clone();
    for (i, &s) in series.iter().enumerate() {
        order[fill[s as usize]] = i;
        fill[s as usize] += 1;
    }
    let mut trends = vec![""; n];
    for k in 0..series_ids.len() {
        let members = &mut order[starts[k]..starts[k + 1]];
        members.sort_unstable_by_key(|&i| end[i]);
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
        for &i in members.iter() {
            trends[i] = label;
        }
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
