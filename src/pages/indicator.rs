//! `/indicator/{id}`: one indicator in depth: the trend against the region
//! and the nation, the region's areas compared, a spine-chart row, the
//! breakdowns, the definition and the data, with downloads.

use super::NotFound;
use super::common::{
    ChartFigure, EditionSelector, JudgementTag, NoData, dataset, decimals, href, interval_text,
    number, table_region, target_class, target_value_text, unit_text, use_area, use_view,
    value_text,
};
use crate::catalogue::Origin;
use crate::charts;
use crate::dataset::{Dataset, IndicatorData};
use crate::figures::{self, Params, Selection};
use crate::site::use_site;
use crate::stats::quantiles::percentile;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn IndicatorPage() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let breakdown = use_query_map()
        .with_untracked(|q| q.get("breakdown"))
        .and_then(|b| b.parse::<usize>().ok());
    let view = use_view();
    let site = use_site();
    let Some(d) = dataset(&view) else {
        return view! { <Title text="Indicator" /> <h1 class="heading-xl">"Indicator"</h1> <NoData /> }
            .into_any();
    };
    let params = Params {
        area: Some(use_area()),
        breakdown,
    };
    match figures::select(&d, &site, &id, &params) {
        Ok(sel) => indicator_view(&d, &sel).into_any(),
        Err(_) => view! { <NotFound /> }.into_any(),
    }
}

fn opt_num(ind: &IndicatorData, v: Option<f64>) -> String {
    v.map(|v| number(v, decimals(ind))).unwrap_or_default()
}

fn indicator_view(d: &Dataset, sel: &Selection) -> impl IntoView + use<> {
    let site = use_site();
    let view = use_view();
    let ind = sel.indicator;
    let name = |code: &str| d.area_name(code);
    let (area_name, region_name, nation_name) =
        (name(&sel.area), name(&sel.region), name(&sel.nation));
    let title = ind.title().to_owned();
    let unit = unit_text(ind);
    let rows = sel.rows();
    let series = ind.series(sel.breakdown, &sel.area);
    let latest = series.and_then(|s| s.latest());
    let breakdown_label = ind
        .breakdowns
        .get(sel.breakdown)
        .map(|b| b.label())
        .unwrap_or_default();

    // Links that keep edition, area and breakdown.
    let page = format!("/indicator/{}", ind.id);
    let with_breakdown = |path: &str| {
        let base = href(path, &view, &sel.area, &site);
        if sel.breakdown == 0 {
            base
        } else {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}breakdown={}", sel.breakdown)
        }
    };
    let csv_url = with_breakdown(&format!("/api/v1/indicators/{}.csv", ind.id));
    let trend_svg_url = with_breakdown(&format!("{page}/trend.svg"));
    let compare_svg_url = with_breakdown(&format!("{page}/compare.svg"));

    let headline = match latest {
        Some(p) => {
            let (r, n) = ind.judged(p);
            let at = |code: &str| {
                value_text(
                    ind,
                    ind.series(sel.breakdown, code).and_then(|s| s.at(p.period)),
                )
            };
            format!(
                "{area_name} {}{} in {}, {} and {}.",
                value_text(ind, Some(p)),
                if unit.is_empty() {
                    String::new()
                } else {
                    format!(" {unit}")
                },
                ind.period_label(p.period),
                phrase(n, &nation_name, &at(&sel.nation)),
                phrase(r, &region_name, &at(&sel.region)),
            )
        }
        None => format!("There are no values for {area_name} in this edition."),
    };

    // The Board's local target, judged on the latest value, beside the
    // comparisons with the region and the nation.
    let target = sel.target.as_ref().map(|t| {
        let status = t.judge(latest.and_then(|p| p.value));
        let text = format!(
            "Local target: {} ({}). {area_name}: {}.",
            t.describe(&target_value_text(Some(ind), t)),
            t.source,
            status.label().to_lowercase()
        );
        (status, text)
    });
    let target_view = target.clone().map(|(status, text)| {
        view! {
            <p class="body target" id="target">
                <strong class=target_class(status)>{status.label()}</strong>
                " "{text}
            </p>
        }
    });
    let in_plan: Vec<_> = site
        .board
        .priorities_of(&ind.id)
        .map(|p| {
            let link = href(&format!("/priority/{}", p.slug), &view, &sel.area, &site);
            view! { <li><a class="link" href=link>{p.title.clone()}</a></li> }
        })
        .collect();
    let in_plan = if in_plan.is_empty() {
        view! { "No outcome measure of the plan names it." }.into_any()
    } else {
        view! { <ul class="list">{in_plan}</ul> }.into_any()
    };

    // Trend figure and its table (which the CSV download reproduces).
    let trend_svg = figures::trend_chart(sel, d);
    let trend_summary = format!(
        "{headline} Recent trend: {}.{}",
        series
            .and_then(|s| s.trend)
            .map_or("not available", |t| t.label()),
        target
            .map(|(_, t)| format!(" {t} The dotted line marks the target."))
            .unwrap_or_default()
    );
    let trend_rows = rows
        .iter()
        .rev()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row">{r.period.clone()}</th>
                    <td class="table__cell--numeric">{r.value.map(|v| number(v, decimals(ind))).unwrap_or_else(|| if r.value_note.is_some() { "Suppressed".into() } else { String::new() })}</td>
                    <td class="table__cell--numeric">{opt_num(ind, r.lower_95)}</td>
                    <td class="table__cell--numeric">{opt_num(ind, r.upper_95)}</td>
                    <td class="table__cell--numeric">{opt_num(ind, r.region_value)}</td>
                    <td class="table__cell--numeric">{opt_num(ind, r.nation_value)}</td>
                    <td>{r.compared_region}</td>
                    <td>{r.compared_nation}</td>
                </tr>
            }
        })
        .collect_view();

    // Compare-areas figure.
    let (_, bars) = figures::compare_bars(sel, d);
    let compare_svg = figures::compare_chart(sel, d);
    let rank = bars.iter().position(|b| b.highlight).map(|i| i + 1);
    let compare_summary = match (latest, rank) {
        (Some(p), Some(rank)) => format!(
            "In {}, {area_name} has the {} highest value of {} upper-tier areas in {region_name} with data.",
            ind.period_label(p.period),
            ordinal(rank),
            bars.len()
        ),
        _ => format!("No comparison of areas is available for {area_name}."),
    };
    let compare_rows = bars
        .iter()
        .map(|b| {
            let (l, u) = b.ci.unzip();
            view! {
                <tr class=if b.highlight { "row--highlight" } else { "" }>
                    <th scope="row">{b.name.clone()}</th>
                    <td class="table__cell--numeric">{number(b.value, decimals(ind))}</td>
                    <td class="table__cell--numeric">{opt_num(ind, l)}</td>
                    <td class="table__cell--numeric">{opt_num(ind, u)}</td>
                    <td>{b.judgement.label()}</td>
                </tr>
            }
        })
        .collect_view();

    // Spine-chart row: the area among every upper-tier area in England.
    let spine = latest.and_then(|p| spine_row(d, sel, p.period));

    // Breakdowns: the area's latest value in each.
    let breakdown_rows = ind
        .breakdowns
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let p = ind.series(i, &sel.area)?.latest()?;
            let link = {
                let base = href(&page, &view, &sel.area, &site);
                if i == 0 {
                    base
                } else {
                    let sep = if base.contains('?') { '&' } else { '?' };
                    format!("{base}{sep}breakdown={i}")
                }
            };
            let current = i == sel.breakdown;
            Some(view! {
                <tr>
                    <th scope="row">
                        {if current {
                            view! { <span>{b.label()} " (shown)"</span> }.into_any()
                        } else {
                            view! { <a class="link" href=link>{b.label()}</a> }.into_any()
                        }}
                    </th>
                    <td>{ind.period_label(p.period).to_owned()}</td>
                    <td class="table__cell--numeric">{value_text(ind, Some(p))}</td>
                    <td><JudgementTag judgement=ind.judged(p).1 /></td>
                </tr>
            })
        })
        .collect_view();

    let area_choices: Vec<(String, String)> = crate::areas::Gazetteer::shared()
        .upper_tier_in(&site.region.code)
        .filter(|a| ind.series(sel.breakdown, &a.code).is_some())
        .map(|a| (a.code.clone(), a.name.clone()))
        .collect();

    let origin_note = |o: Origin| match o {
        Origin::Catalogue => "",
        Origin::FingertipsMetadata => {
            " (from Fingertips's indicator metadata; this indicator is not in the Board's catalogue)"
        }
        Origin::Inferred => {
            " (inferred from the Fingertips comparisons in the uploaded file, which came without metadata; unit and value type are not known)"
        }
    };
    let meta = ind.meta.clone();
    let about = meta.map(|m| {
        view! {
            <dl class="summary-list">
                <div><dt>"Definition"</dt><dd>{m.description.clone()}</dd></div>
                <div><dt>"Source"</dt><dd>{m.source.clone()}</dd></div>
                <div><dt>"Method"</dt><dd>{m.value_type.method()}</dd></div>
                <div><dt>"Unit"</dt><dd>{if m.unit == "%" { "Percentage".to_owned() } else { m.unit.clone() }}</dd></div>
                <div><dt>"Polarity"</dt><dd>{m.polarity.describe()}{origin_note(m.origin)}</dd></div>
                <div><dt>"Comparison"</dt><dd>{m.comparison.describe()}</dd></div>
                {m.goal.map(|g| view! { <div><dt>"Goal"</dt><dd>{format!("Red below {}, amber from {} to below {}, green at {} or above", g.lower, g.lower, g.upper, g.upper)}</dd></div> })}
                <div><dt>"Updated"</dt><dd>{m.frequency.clone()}</dd></div>
                <div><dt>"Fingertips indicator ID"</dt><dd>{m.id.clone()}</dd></div>
                <div><dt>"In the Board's plan"</dt><dd>{in_plan}</dd></div>
            </dl>
        }
    });

    let trend_caption =
        format!("{title}: {area_name}, {region_name} and {nation_name}, {breakdown_label}");
    // An unknown unit has no "()".
    let in_unit = match ind.meta.as_ref().map_or("", |m| m.unit.as_str()) {
        "" => String::new(),
        u => format!(" ({u})"),
    };
    let trend_table_caption = format!("{title}{in_unit} by period, most recent first");
    let compare_caption = format!(
        "{title}: upper-tier areas in {region_name}, highest first, with {nation_name} as a line"
    );
    let compare_table_caption = format!("{title}{in_unit}, areas in {region_name}");
    let vs_region = format!("Compared with {region_name}");
    let vs_nation = format!("Compared with {nation_name}");
    let areas_heading = format!("Areas in {region_name}");
    let breakdowns_caption = format!("{area_name}: latest value in each breakdown");
    let (h_area, h_region, h_nation) =
        (area_name.clone(), region_name.clone(), nation_name.clone());
    let (vs_nation2, vs_nation3) = (vs_nation.clone(), vs_nation.clone());
    view! {
        <Title text=title.clone() />
        <span class="caption">"Indicator"</span>
        <h1 class="heading-xl">{title.clone()}</h1>
        <p class="lead">{headline.clone()}</p>
        {target_view}
        <p class="body">{format!("Showing: {breakdown_label}.")}</p>
        <div class="controls no-print">
            <form class="area-form" method="get" action=page.clone()>
                <label class="label" for="area">"Area"</label>
                <select class="select" id="area" name="area">
                    {area_choices.into_iter().map(|(code, name)| {
                        let selected = code == sel.area;
                        view! { <option value=code selected=selected>{name}</option> }
                    }).collect_view()}
                </select>
                {view.pinned.then(|| view.dataset.as_ref().map(|d| view! { <input type="hidden" name="edition" value=d.edition.id.to_string() /> }))}
                {(sel.breakdown > 0).then(|| view! { <input type="hidden" name="breakdown" value=sel.breakdown.to_string() /> })}
                <button class="button button--secondary" type="submit">"Show area"</button>
            </form>
            <EditionSelector path=page.clone() />
        </div>

        <h2 class="heading-l">"Trend"</h2>
        <ChartFigure
            id="trend".to_owned()
            caption=trend_caption
            summary=trend_summary
            svg=trend_svg
            downloads=vec![
                ("Download the data (CSV)".to_owned(), csv_url),
                ("Download the chart (SVG)".to_owned(), trend_svg_url),
            ]
        >
            {table_region("Trend data", view! {
                <table class="table" id="trend-table">
                    <caption class="table__caption">{trend_table_caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Period"</th>
                            <th scope="col" class="table__cell--numeric">{h_area}</th>
                            <th scope="col" class="table__cell--numeric">"Lower 95% limit"</th>
                            <th scope="col" class="table__cell--numeric">"Upper 95% limit"</th>
                            <th scope="col" class="table__cell--numeric">{h_region}</th>
                            <th scope="col" class="table__cell--numeric">{h_nation}</th>
                            <th scope="col">{vs_region}</th>
                            <th scope="col">{vs_nation}</th>
                        </tr>
                    </thead>
                    <tbody>{trend_rows}</tbody>
                </table>
            })}
            <p class="hint">"Values are rounded to one decimal place; the CSV download holds them in full."</p>
        </ChartFigure>

        <h2 class="heading-l">{areas_heading}</h2>
        <ChartFigure
            id="compare".to_owned()
            caption=compare_caption
            summary=compare_summary
            svg=compare_svg
            downloads=vec![("Download the chart (SVG)".to_owned(), compare_svg_url)]
        >
            {table_region("Areas compared", view! {
                <table class="table" id="compare-table">
                    <caption class="table__caption">{compare_table_caption}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Area"</th>
                            <th scope="col" class="table__cell--numeric">"Value"</th>
                            <th scope="col" class="table__cell--numeric">"Lower 95% limit"</th>
                            <th scope="col" class="table__cell--numeric">"Upper 95% limit"</th>
                            <th scope="col">{vs_nation2}</th>
                        </tr>
                    </thead>
                    <tbody>{compare_rows}</tbody>
                </table>
            })}
        </ChartFigure>

        {spine}

        <h2 class="heading-l">"Breakdowns"</h2>
        {table_region("Breakdowns", view! {
            <table class="table" id="breakdowns-table">
                <caption class="table__caption">{breakdowns_caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Breakdown"</th>
                        <th scope="col">"Period"</th>
                        <th scope="col" class="table__cell--numeric">"Value"</th>
                        <th scope="col">{vs_nation3}</th>
                    </tr>
                </thead>
                <tbody>{breakdown_rows}</tbody>
            </table>
        })}

        <h2 class="heading-l">"About this indicator"</h2>
        {about}
        {latest.map(|p| view! { <p class="body">{format!("Latest: {} {}", value_text(ind, Some(p)), interval_text(ind, p))}</p> })}
    }
}

/// "worse than England (191.4)", "similar to North West (210.0)".
fn phrase(j: crate::stats::compare::Judgement, name: &str, value: &str) -> String {
    use crate::stats::compare::Judgement as J;
    match j {
        J::Similar => format!("similar to {name} ({value})"),
        J::NotCompared => format!("not compared with {name} ({value})"),
        J::Red | J::Amber | J::Green => {
            format!(
                "{} against the goal ({name} {value})",
                j.label().to_lowercase()
            )
        }
        J::Best | J::Better => format!("better than {name} ({value})"),
        J::Worst | J::Worse => format!("worse than {name} ({value})"),
        J::Higher => format!("higher than {name} ({value})"),
        J::Lower => format!("lower than {name} ({value})"),
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The spine-chart row: where the area sits among every upper-tier area in
/// England in the same period (range and middle half), with the nation.
fn spine_row(d: &Dataset, sel: &Selection<'_>, period: usize) -> Option<impl IntoView + use<>> {
    let ind = sel.indicator;
    let gazetteer = crate::areas::Gazetteer::shared();
    let mut values: Vec<f64> = ind
        .all_series(sel.breakdown)
        .filter(|s| {
            gazetteer
                .get(&s.area_code)
                .is_some_and(|a| a.kind == crate::areas::AreaKind::UpperTier)
        })
        .filter_map(|s| s.at(period)?.value)
        .collect();
    if values.len() < 5 {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let p = ind.series(sel.breakdown, &sel.area)?.at(period)?;
    let value = p.value?;
    let benchmark = ind
        .series(sel.breakdown, &sel.nation)
        .and_then(|s| s.at(period)?.value);
    let s = charts::Spine {
        min: values[0],
        q1: percentile(&values, 0.25)?,
        q3: percentile(&values, 0.75)?,
        max: *values.last()?,
        benchmark,
        value,
        judgement: ind.judged(p).1,
    };
    let f = |v: f64| number(v, decimals(ind));
    let name = d.area_name(&sel.area);
    let summary = format!(
        "{name} {} in {}. Across {} upper-tier areas in England the lowest is {}, the middle half runs from {} to {}, and the highest is {}{}.",
        f(value),
        ind.period_label(period),
        values.len(),
        f(s.min),
        f(s.q1),
        f(s.q3),
        f(s.max),
        benchmark
            .map(|b| format!("; England is {}", f(b)))
            .unwrap_or_default()
    );
    let svg = charts::spine(&format!("{}: spine chart", ind.title()), &s);
    let caption = format!("{}: {name} among upper-tier areas in England", ind.title());
    let cells = [
        (name.clone(), f(value)),
        ("Lowest".to_owned(), f(s.min)),
        ("25th percentile".to_owned(), f(s.q1)),
        ("75th percentile".to_owned(), f(s.q3)),
        ("Highest".to_owned(), f(s.max)),
    ];
    Some(view! {
        <h2 class="heading-l">"Among all upper-tier areas"</h2>
        <ChartFigure id="spine".to_owned() caption=caption summary=summary svg=svg>
            <table class="table">
                <caption class="table__caption">"Distribution across upper-tier areas"</caption>
                <tbody>
                    {cells.clone().into_iter().map(|(label, v)| view! {
                        <tr><th scope="row">{label}</th><td class="table__cell--numeric">{v}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </ChartFigure>
    })
}
