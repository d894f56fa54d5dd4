//! `/priority/{slug}`: every indicator of one priority with the area's
//! latest value beside the region and the nation, worst first.

use super::NotFound;
use super::common::{
    EditionSelector, JudgementTag, NoData, dataset, href, interval_text, unit_text, use_area,
    use_view, value_text,
};
use crate::charts;
use crate::dataset::{Dataset, IndicatorData};
use crate::domain::Priority;
use crate::site::use_site;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PriorityPage() -> impl IntoView {
    let slug = use_params_map().with_untracked(|p| p.get("slug").unwrap_or_default());
    match Priority::from_slug(&slug) {
        Some(priority) => view! { <PriorityView priority /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}

#[component]
fn PriorityView(priority: Priority) -> impl IntoView {
    let view = use_view();
    let heading = view! {
        <Title text=priority.title() />
        <span class="caption">"Priority"</span>
        <h1 class="heading-xl">{priority.title()}</h1>
        <p class="lead">{priority.aim()}</p>
    };
    let Some(d) = dataset(&view) else {
        return view! { {heading} <NoData /> }.into_any();
    };
    let rows: Vec<&IndicatorData> = d
        .indicators
        .iter()
        .filter(|i| i.meta.as_ref().and_then(|m| m.priority()) == Some(priority))
        .collect();
    let path = format!("/priority/{}", priority.slug());
    view! { {heading} {indicator_table(&d, rows, priority.title(), &path)} }.into_any()
}

/// `/other`: the indicators an edition holds that the catalogue does not
/// list, judged with Fingertips's metadata or the polarity their file
/// implies, until an analyst places them under a priority.
#[component]
pub fn OtherIndicatorsPage() -> impl IntoView {
    let view = use_view();
    let heading = view! {
        <Title text="Other indicators" />
        <span class="caption">"Not yet placed under a priority"</span>
        <h1 class="heading-xl">"Other indicators in this edition"</h1>
        <p class="lead">"Indicators this edition holds that are not in the Board's catalogue. They are compared at 95% confidence, with the polarity Fingertips gives them or, for a file without metadata, the one its own comparisons imply (each indicator page says which)."</p>
    };
    let Some(d) = dataset(&view) else {
        return view! { {heading} <NoData /> }.into_any();
    };
    let rows: Vec<&IndicatorData> = d
        .indicators
        .iter()
        .filter(|i| i.meta.as_ref().is_none_or(|m| m.is_other()))
        .collect();
    view! { {heading} {indicator_table(&d, rows, "Other indicators", "/other")} }.into_any()
}

/// The indicators table, worst first, with the edition selector above it.
fn indicator_table(d: &Dataset, mut rows: Vec<&IndicatorData>, title: &str, path: &str) -> AnyView {
    let site = use_site();
    let view = use_view();
    let area = use_area();
    let area_name = d.area_name(&area);
    let (region, nation) = (&site.region, &site.nation);
    // Worst first: by the comparison with the nation, then the region.
    rows.sort_by_key(|ind| {
        let latest = ind.series(0, &area).and_then(|s| s.latest());
        let (r, n) = latest.map_or(
            (
                crate::stats::compare::Judgement::NotCompared,
                crate::stats::compare::Judgement::NotCompared,
            ),
            |p| ind.judged(p),
        );
        (latest.is_none(), n.tone(), r.tone())
    });
    let count = rows.len();
    let body = rows
        .into_iter()
        .map(|ind| {
            let series = ind.series(0, &area);
            let latest = series.and_then(|s| s.latest());
            let at = |code: &str| {
                latest.and_then(|p| ind.series(0, code).and_then(|s| s.at(p.period)))
            };
            let link = href(&format!("/indicator/{}", ind.id), &view, &area, &site);
            let breakdown = ind.breakdowns.first().map(|b| b.label()).unwrap_or_default();
            let (vs_region, vs_nation) = latest.map(|p| ind.judged(p)).unzip();
            let trend = series.and_then(|s| s.trend).map_or("Not available", |t| t.label());
            let spark = series.map(|s| {
                let values: Vec<Option<f64>> = (0..ind.periods.len())
                    .map(|i| s.at(i).and_then(|p| p.value))
                    .collect();
                charts::sparkline(&values)
            });
            view! {
                <tr class="indicator-row">
                    <th scope="row" class="table__header">
                        <a class="link" href=link>{ind.title().to_owned()}</a>
                        <span class="hint">{match unit_text(ind) {
                            u if u.is_empty() => breakdown,
                            u => format!("{breakdown}; {u}"),
                        }}</span>
                    </th>
                    <td class="table__cell">{latest.map(|p| ind.period_label(p.period).to_owned()).unwrap_or_default()}</td>
                    <td class="table__cell table__cell--numeric">
                        <span class="value">{value_text(ind, latest)}</span>
                        <span class="hint">{latest.map(|p| interval_text(ind, p)).unwrap_or_default()}</span>
                    </td>
                    <td class="table__cell table__cell--numeric">{value_text(ind, at(&region.code))}</td>
                    <td class="table__cell table__cell--numeric">{value_text(ind, at(&nation.code))}</td>
                    <td class="table__cell">{vs_region.map(|j| view! { <JudgementTag judgement=j /> })}</td>
                    <td class="table__cell">{vs_nation.map(|j| view! { <JudgementTag judgement=j /> })}</td>
                    <td class="table__cell">{trend}</td>
                    <td class="table__cell spark">{spark.map(|svg| view! { <div inner_html=svg></div> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <EditionSelector path=path.to_owned() />
        <p class="body">
            {format!(
                "{count} indicators for {area_name}, each at its most recent period, compared with the {} region and {}. Worst first: indicators worse than {} come first.",
                region.name, nation.name, nation.name
            )}
        </p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Indicators table">
            <table class="table indicators">
                <caption class="table__caption">{format!("{title}: {area_name} compared with {} and {}", region.name, nation.name)}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Indicator"</th>
                        <th scope="col">"Period"</th>
                        <th scope="col" class="table__cell--numeric">{area_name.clone()}</th>
                        <th scope="col" class="table__cell--numeric">{region.name.clone()}</th>
                        <th scope="col" class="table__cell--numeric">{nation.name.clone()}</th>
                        <th scope="col">{format!("Compared with {}", region.name)}</th>
                        <th scope="col">{format!("Compared with {}", nation.name)}</th>
                        <th scope="col">"Recent trend"</th>
                        <th scope="col">"Trend chart"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        <p class="no-print"><a class="link" href=href("/", &view, &area, &site)>"Back to all priorities"</a></p>
    }
    .into_any()
}
