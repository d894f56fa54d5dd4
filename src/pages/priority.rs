//! `/priority/{slug}`: one priority of the Board's plan (from its board
//! file) as a board paper: aim, key messages, outcome measures and targets,
//! every indicator with the area's latest value beside the region and the
//! nation (worst first), and the action plan with its progress.

use super::NotFound;
use super::common::{
    EditionSelector, JudgementTag, KeyMessage, NoData, dataset, href, interval_text, status_class,
    table_region, target_class, target_value_text, unit_text, use_area, use_view, value_text,
};
use crate::board::Priority;
use crate::charts;
use crate::dataset::{Dataset, IndicatorData};
use crate::site::use_site;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn PriorityPage() -> impl IntoView {
    let slug = use_params_map().with_untracked(|p| p.get("slug").unwrap_or_default());
    let site = use_site();
    match site.board.priority(&slug) {
        Some(priority) => view! { <PriorityView priority=priority.clone() /> }.into_any(),
        None => view! { <NotFound /> }.into_any(),
    }
}

/// A priority as one board paper: its aim, the edition's key message, the
/// outcome measures with their indicators and targets, the indicators
/// table, and the action plan with the progress reported in this edition.
#[component]
fn PriorityView(priority: Priority) -> impl IntoView {
    let site = use_site();
    let view = use_view();
    let stage = site
        .board
        .stage(&priority.stage)
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let heading = view! {
        <Title text=priority.title.clone() />
        <span class="caption">{format!("Priority · {stage}")}</span>
        <h1 class="heading-xl">{priority.title.clone()}</h1>
        <p class="lead">{format!("Aim: {}", priority.aim)}</p>
    };
    let Some(d) = dataset(&view) else {
        return view! { {heading} <NoData /> <Measures priority=priority.clone() /> <ActionPlan priority /> }
            .into_any();
    };
    let message = d.plan.messages.get(&priority.slug).cloned();
    let key_messages = view! {
        <section class="key-messages" aria-labelledby="key-messages">
            <h2 class="heading-l" id="key-messages">"Key messages"</h2>
            {match message {
                Some(text) => view! { <KeyMessage text /> }.into_any(),
                None => view! { <p class="body hint">"No key message was written for this priority in this edition."</p> }.into_any(),
            }}
        </section>
    };
    let ids: Vec<&str> = priority.indicators().collect();
    let rows: Vec<&IndicatorData> = ids.iter().filter_map(|id| d.indicator(id)).collect();
    let path = format!("/priority/{}", priority.slug);
    let table = indicator_table(&d, rows, &priority.title, &path, Some(&priority));
    view! {
        {heading}
        {key_messages}
        <Measures priority=priority.clone() />
        <h2 class="heading-l" id="indicators">"Indicators"</h2>
        {table}
        <ActionPlan priority />
    }
    .into_any()
}

/// The plan's outcome measures in its own words, each with the indicators
/// that measure it, their latest value and any local target's status.
#[component]
fn Measures(priority: Priority) -> impl IntoView {
    let site = use_site();
    let view = use_view();
    let area = use_area();
    let d = dataset(&view);
    let items = priority
        .measures
        .iter()
        .map(|m| {
            let indicators = m
                .indicators
                .iter()
                .map(|id| {
                    let ind = d.as_ref().and_then(|d| d.indicator(id));
                    let title = ind.map(|i| i.title().to_owned()).unwrap_or_else(|| format!("Indicator {id}"));
                    let latest = ind.and_then(|i| i.series(0, &area)).and_then(|s| s.latest());
                    let value = match (ind, latest) {
                        (Some(i), Some(p)) => format!("{} in {}", value_text(i, Some(p)), i.period_label(p.period)),
                        _ => "not in this edition".to_owned(),
                    };
                    let targets = m
                        .targets
                        .iter()
                        .filter(|t| &t.indicator == id)
                        .map(|t| {
                            let status = t.judge(latest.and_then(|p| p.value));
                            let text = t.describe(&target_value_text(ind, t));
                            view! {
                                <span class="measure__target">
                                    {format!(" Local target: {text}. ")}
                                    <strong class=target_class(status)>{status.label()}</strong>
                                </span>
                            }
                        })
                        .collect_view();
                    let link = href(&format!("/indicator/{id}"), &view, &area, &site);
                    view! {
                        <li>
                            <a class="link" href=link>{title}</a>
                            {format!(": {value}.")}
                            {targets}
                        </li>
                    }
                })
                .collect_view();
            let none = m.indicators.is_empty().then(|| {
                view! { <p class="hint">"No indicator measures this yet."</p> }
            });
            view! {
                <li class="measure">
                    <p class="measure__text">{m.text.clone()}</p>
                    {none}
                    {(!m.indicators.is_empty()).then(|| view! { <ul class="list measure__indicators">{indicators}</ul> })}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="measures" aria-labelledby="measures">
            <h2 class="heading-l" id="measures">"Outcome measures"</h2>
            <p class="body">{format!("What the Board monitors for this priority, as the plan words it ({}).", site.board.plan)}</p>
            <ol class="list list--number">{items}</ol>
        </section>
    }
}

/// The action plan: what, how, who, when, and the progress reported in the
/// edition shown, marked where it changed since the previous edition.
#[component]
fn ActionPlan(priority: Priority) -> impl IntoView {
    let view = use_view();
    let d = dataset(&view);
    let plan = d.as_ref().map(|d| d.plan.clone()).unwrap_or_default();
    let previous = view.previous.as_ref().map(|p| &p.plan);
    let edition = d.as_ref().map(|d| d.edition.label.clone());
    let since = view.previous.as_ref().map(|p| p.edition.label.clone());
    let changed = priority
        .actions
        .iter()
        .filter(|a| plan.changed_since(previous, &a.id))
        .count();
    let rows = priority
        .actions
        .iter()
        .map(|a| {
            let progress = plan.progress.get(&a.id).map(|p| {
                view! {
                    <strong class=status_class(p.status)>{p.status.label()}</strong>
                    {(!p.note.is_empty()).then(|| view! { <span class="action__note">{p.note.clone()}</span> })}
                    <span class="hint">{format!("As of {}", p.as_of)}</span>
                }
            });
            let is_changed = plan.changed_since(previous, &a.id);
            view! {
                <tr>
                    <th scope="row" class="table__header">
                        {a.what.clone()}
                        {(!a.note.is_empty()).then(|| view! { <span class="hint">{format!("Note: {}", a.note)}</span> })}
                    </th>
                    <td class="table__cell">{a.how.clone()}</td>
                    <td class="table__cell">{a.who.clone()}</td>
                    <td class="table__cell">{a.when.clone()}</td>
                    <td class="table__cell action__progress">
                        {progress.map(IntoAny::into_any).unwrap_or_else(|| view! { <span class="hint">"No progress reported"</span> }.into_any())}
                        {is_changed.then(|| view! { <strong class="tag tag--changed">"Changed since the previous edition"</strong> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let summary = match (&edition, &since) {
        (Some(e), Some(s)) => format!(
            "{} actions; progress as reported in the edition {e}. {changed} changed since the previous edition, {s}.",
            priority.actions.len()
        ),
        (Some(e), None) => format!(
            "{} actions; progress as reported in the edition {e}.",
            priority.actions.len()
        ),
        _ => format!("{} actions.", priority.actions.len()),
    };
    view! {
        <section class="actions" aria-labelledby="actions">
            <h2 class="heading-l" id="actions">"Action plan"</h2>
            <p class="body">{summary}</p>
            {table_region("Action plan table", view! {
                <table class="table action-plan">
                    <caption class="table__caption">{format!("Action plan: {}", priority.title)}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"What are we going to do?"</th>
                            <th scope="col">"How?"</th>
                            <th scope="col">"Who?"</th>
                            <th scope="col">"When?"</th>
                            <th scope="col">"Progress"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            })}
        </section>
    }
}

/// `/other`: the indicators an edition holds that the Board's plan does not
/// name, judged with the catalogue, Fingertips's metadata or the polarity
/// their file implies.
#[component]
pub fn OtherIndicatorsPage() -> impl IntoView {
    let view = use_view();
    let heading = view! {
        <Title text="Other indicators" />
        <span class="caption">"Not in the Board's plan"</span>
        <h1 class="heading-xl">"Other indicators in this edition"</h1>
        <p class="lead">"Indicators this edition holds that no outcome measure of the Board's plan names. Those the dashboard's catalogue does not describe are compared at 95% confidence, with the polarity Fingertips gives them or, for a file without metadata, the one its own comparisons imply (each indicator page says which)."</p>
    };
    let Some(d) = dataset(&view) else {
        return view! { {heading} <NoData /> }.into_any();
    };
    let board = use_site().board.clone();
    let rows: Vec<&IndicatorData> = d
        .indicators
        .iter()
        .filter(|i| !board.monitors(&i.id))
        .collect();
    view! { {heading} {indicator_table(&d, rows, "Other indicators", "/other", None)} }.into_any()
}

/// The indicators table, worst first, with the edition selector above it.
fn indicator_table(
    d: &Dataset,
    mut rows: Vec<&IndicatorData>,
    title: &str,
    path: &str,
    priority: Option<&Priority>,
) -> AnyView {
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
    let with_targets = priority.is_some_and(|p| p.measures.iter().any(|m| !m.targets.is_empty()));
    let body = rows
        .into_iter()
        .map(|ind| {
            let series = ind.series(0, &area);
            let latest = series.and_then(|s| s.latest());
            let at = |code: &str| {
                latest.and_then(|p| ind.series(0, code).and_then(|s| s.at(p.period)))
            };
            let target = priority.filter(|_| with_targets).map(|p| {
                let text = p
                    .targets_for(&ind.id)
                    .map(|t| {
                        let status = t.judge(latest.and_then(|p| p.value));
                        view! {
                            <span class="hint">{t.describe(&target_value_text(Some(ind), t))}</span>
                            <strong class=target_class(status)>{status.label()}</strong>
                        }
                    })
                    .collect_view();
                view! { <td class="table__cell">{text}</td> }
            });
            let link = href(&format!("/indicator/{}", ind.id), &view, &area, &site);
            let breakdown = ind.breakdowns.first().map(|b| b.label()).unwrap_or_default();
            let (vs_region, vs_nation) = latest.map(|p| ind.judged(p)).unzip();
            let trend = series.and_then(|s| s.trend).map_or("Not available", |t| t.label());
            // A goal indicator's colour is its standing against the goal,
            // the same in both columns: say so, not only under the heading.
            let goal_hint = || {
                ind.judged_against_goal()
                    .then(|| view! { <span class="hint">"Against the goal"</span> })
            };
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
                    <td class="table__cell">{vs_region.map(|j| view! { <JudgementTag judgement=j />{goal_hint()} })}</td>
                    <td class="table__cell">{vs_nation.map(|j| view! { <JudgementTag judgement=j />{goal_hint()} })}</td>
                    {target}
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
        {table_region("Indicators table", view! {
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
                        {with_targets.then(|| view! { <th scope="col">"Local target"</th> })}
                        <th scope="col">"Recent trend"</th>
                        <th scope="col">"Trend chart"</th>
                    </tr>
                </thead>
                <tbody>{body}</tbody>
            </table>
        })}
        <p class="no-print"><a class="link" href=href("/", &view, &area, &site)>"Back to all priorities"</a></p>
    }
    .into_any()
}
