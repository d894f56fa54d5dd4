//! What an indicator's figures show, shared by its page, the API and the
//! chart downloads: the request's selection (indicator, breakdown, area and
//! region) and the chart series drawn from the edition's `Dataset`. Drawing
//! itself is `crate::charts`.

use crate::charts;
use crate::dataset::{ComparisonRow, Dataset, IndicatorData};
use crate::site::Site;
use serde::Deserialize;

/// The query of an indicator request.
#[derive(Debug, Deserialize, Default)]
pub struct Params {
    pub area: Option<String>,
    pub breakdown: Option<usize>,
}

/// What one indicator request resolves to.
pub struct Selection<'a> {
    pub indicator: &'a IndicatorData,
    pub breakdown: usize,
    pub area: String,
    pub region: String,
    pub nation: String,
    /// The Board's local target, for the first breakdown (its plan's
    /// measure), if it sets one.
    pub target: Option<crate::board::Target>,
}

/// Resolves the indicator, breakdown and area of a request; the region is
/// the area's own (from the gazetteer) or else the site's.
pub fn select<'a>(
    d: &'a Dataset,
    site: &Site,
    id: &str,
    params: &Params,
) -> Result<Selection<'a>, String> {
    let indicator = d
        .indicator(id)
        .ok_or_else(|| format!("There is no indicator {id} in edition {}.", d.edition.id))?;
    let breakdown = params.breakdown.unwrap_or(0);
    if breakdown >= indicator.breakdowns.len().max(1) {
        return Err(format!(
            "breakdown {breakdown} does not exist: this indicator has {} (0 to {})",
            indicator.breakdowns.len(),
            indicator.breakdowns.len().saturating_sub(1)
        ));
    }
    let area = params
        .area
        .clone()
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| site.home.code.clone());
    // The pages' own policy: an area of the region, or the home area. So
    // no request value reaches a file name or a chart title unchecked.
    if !site.is_choosable(&area) {
        return Err(format!(
            "area {area:?} is not one of the areas this dashboard shows: use the ONS code of an upper-tier area in {}",
            site.region.name
        ));
    }
    let region = crate::areas::Gazetteer::shared()
        .get(&area)
        .and_then(|a| a.parent.clone())
        .filter(|p| *p != site.nation.code)
        .unwrap_or_else(|| site.region.code.clone());
    Ok(Selection {
        indicator,
        breakdown,
        area,
        region,
        nation: site.nation.code.clone(),
        target: site
            .board
            .target_for(id)
            .filter(|_| breakdown == 0)
            .cloned(),
    })
}

impl Selection<'_> {
    pub fn rows(&self) -> Vec<ComparisonRow> {
        self.indicator
            .comparison_rows(self.breakdown, &self.area, &self.region, &self.nation)
    }
}

fn name_of(d: &Dataset, code: &str) -> String {
    d.area_name(code)
}

/// The indicator page's trend chart.
pub fn trend_chart(sel: &Selection, d: &Dataset) -> String {
    let ind = sel.indicator;
    let line = |code: &str, role| {
        ind.series(sel.breakdown, code).map(|s| charts::Line {
            name: name_of(d, code),
            role,
            points: s
                .points
                .iter()
                .filter_map(|p| {
                    let ci = p.lower_95.zip(p.upper_95);
                    p.value.map(|v| (p.period, v, ci))
                })
                .collect(),
        })
    };
    let lines: Vec<charts::Line> = [
        line(&sel.nation, charts::Role::Nation),
        line(&sel.region, charts::Role::Region),
        line(&sel.area, charts::Role::Home),
    ]
    .into_iter()
    .flatten()
    .collect();
    let periods: Vec<String> = ind.periods.iter().map(|p| p.label.clone()).collect();
    let unit = ind.meta.as_ref().map_or("", |m| m.unit.as_str());
    let target = sel.target.as_ref().map(|t| charts::TargetLine {
        label: format!("Local target ({})", crate::numbers::number(t.value, 1)),
        value: t.value,
    });
    charts::trend_with_target(
        &format!("{}: trend", ind.title()),
        &periods,
        &lines,
        unit,
        target.as_ref(),
    )
}

/// The bars of the compare-areas chart: the region's upper-tier areas with
/// a value in the area's latest period, highest first.
pub fn compare_bars(sel: &Selection, d: &Dataset) -> (Option<usize>, Vec<charts::Bar>) {
    let ind = sel.indicator;
    let Some(period) = ind
        .series(sel.breakdown, &sel.area)
        .and_then(|s| s.latest())
        .map(|p| p.period)
    else {
        return (None, Vec::new());
    };
    let mut bars: Vec<charts::Bar> = d
        .children_of(&sel.region)
        .into_iter()
        .filter_map(|code| {
            let p = ind.series(sel.breakdown, &code)?.at(period)?;
            Some(charts::Bar {
                name: name_of(d, &code),
                value: p.value?,
                ci: p.lower_95.zip(p.upper_95),
                judgement: ind.judged(p).1,
                highlight: code == sel.area,
            })
        })
        .collect();
    bars.sort_by(|a, b| b.value.total_cmp(&a.value));
    (Some(period), bars)
}

pub fn compare_chart(sel: &Selection, d: &Dataset) -> String {
    let ind = sel.indicator;
    let (period, bars) = compare_bars(sel, d);
    let benchmark = period.and_then(|p| ind.series(sel.breakdown, &sel.nation)?.at(p)?.value);
    let nation_name = name_of(d, &sel.nation);
    let unit = ind.meta.as_ref().map_or("", |m| m.unit.as_str());
    charts::compare(
        &format!("{}: areas compared", ind.title()),
        &bars,
        benchmark.map(|b| (nation_name.as_str(), b)),
        unit,
    )
}
