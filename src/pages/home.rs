//! `/`: where the area stands on each of the Board's priorities, what
//! changed since the previous edition, and the life-course tiles.

use super::common::{
    EditionSelector, JudgementTag, KeyMessage, NoData, dataset, day, href, use_area, use_view,
    value_text,
};
use crate::board::Board;
use crate::dataset::{Change, Dataset, IndicatorData, change};
use crate::domain::{CardLine, PrioritySummary, Split};
use crate::islands::PriorityFinder;
use crate::site::use_site;
use crate::stats::compare::{Judgement, Tone};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Counts a judgement into a card's split by its tone: a judgement with no
/// polarity (higher, lower) is not judged better or worse.
fn tally(split: &mut Split, j: Judgement) {
    match j.tone() {
        Tone::Better => split.better += 1,
        Tone::Similar => split.similar += 1,
        Tone::Worse => split.worse += 1,
        Tone::Neutral | Tone::NotCompared => split.not_judged += 1,
    }
}

fn split(benchmark: &str) -> Split {
    Split {
        benchmark: benchmark.to_owned(),
        ..Split::default()
    }
}

/// A card's summary lines for one priority.
fn card_lines(
    d: &Dataset,
    previous: Option<&Dataset>,
    priority: &crate::board::Priority,
    area: &str,
    region: &str,
    nation: &str,
) -> Vec<CardLine> {
    let ids: std::collections::HashSet<&str> = priority.indicators().collect();
    let members = |i: &IndicatorData| ids.contains(i.id.as_str());
    summary_lines(d, previous, &members, area, region, nation)
}

/// The summary lines of the edition's indicators that the Board's plan
/// does not name, if it has any.
fn other_indicators(
    d: &Dataset,
    previous: Option<&Dataset>,
    board: &Board,
    area: &str,
    region: &str,
    nation: &str,
) -> Option<Vec<CardLine>> {
    let members = |i: &IndicatorData| !board.monitors(&i.id);
    d.indicators
        .iter()
        .any(members)
        .then(|| summary_lines(d, previous, &members, area, region, nation))
}

fn summary_lines(
    d: &Dataset,
    previous: Option<&Dataset>,
    members: &dyn Fn(&IndicatorData) -> bool,
    area: &str,
    region: &str,
    nation: &str,
) -> Vec<CardLine> {
    let (mut vs_nation, mut vs_region) = (split(nation), split(region));
    let (mut shown, mut updated, mut revised, mut rejudged) = (0, 0, 0, 0);
    for ind in d.indicators.iter().filter(|i| members(i)) {
        let Some(p) = ind.series(0, area).and_then(|s| s.latest()) else {
            continue;
        };
        shown += 1;
        let (r, n) = ind.judged(p);
        tally(&mut vs_nation, n);
        tally(&mut vs_region, r);
        if let Some(prev) = previous {
            let (c, judged) = change(ind, prev, area);
            match c {
                Change::New | Change::NewPeriod => updated += 1,
                Change::Revised => revised += 1,
                Change::Unchanged => {}
            }
            rejudged += usize::from(judged);
        }
    }
    if shown == 0 {
        return vec![CardLine::text("No indicators in this edition.".to_owned())];
    }
    let compared = |s: Split| CardLine {
        text: s.line(),
        split: Some(s),
    };
    let mut lines = vec![
        CardLine::text(format!("{shown} indicators")),
        compared(vs_nation),
        compared(vs_region),
    ];
    if previous.is_some() {
        lines.push(CardLine::text(format!(
            "Since the previous edition: {updated} with new data, {revised} revised, {rejudged} {} with {nation} changed",
            if rejudged == 1 { "comparison" } else { "comparisons" }
        )));
    }
    lines
}

#[component]
pub fn HomePage() -> impl IntoView {
    let site = use_site();
    let view = use_view();
    let query = use_query_map().with_untracked(|q| q.get("q").unwrap_or_default());
    let Some(d) = dataset(&view) else {
        return view! {
            <Title text="Home" />
            <h1 class="heading-xl">{format!("Health and wellbeing outcomes for {}", site.home.name)}</h1>
            <NoData />
        }
        .into_any();
    };
    let area = use_area();
    let area_name = d.area_name(&area);
    let previous = view.previous.as_deref();
    let cards: Vec<PrioritySummary> = site
        .board
        .priorities
        .iter()
        .map(|p| PrioritySummary {
            slug: p.slug.clone(),
            title: p.title.clone(),
            aim: p.aim.clone(),
            lines: card_lines(&d, previous, p, &area, &site.region.name, &site.nation.name),
            href: href(&format!("/priority/{}", p.slug), &view, &area, &site),
        })
        .collect();
    let messages = key_messages(&d, &site.board, &view, &area);
    let published = d
        .edition
        .published_at
        .as_deref()
        .map(day)
        .unwrap_or("not yet published")
        .to_owned();
    let changes_note = match previous {
        Some(p) => format!(
            "Changes are counted against the previous edition, {}.",
            p.edition.label
        ),
        None => "This is the first published edition, so there are no changes to count.".to_owned(),
    };
    let others = other_indicators(&d, previous, &site.board, &area, &site.region.name, &site.nation.name).map(|lines| {
        let link = href("/other", &view, &area, &site);
        view! {
            <section class="others" aria-labelledby="others">
                <h2 class="heading-l" id="others">"Other indicators in this edition"</h2>
                <p class="body">"Indicators in this edition that no outcome measure of the Board's plan names."</p>
                <ul class="list">{lines.into_iter().map(|l| view! { <li>{l.text}</li> }).collect_view()}</ul>
                <p class="body"><a class="link" href=link>"See the other indicators"</a></p>
            </section>
        }
    });
    // The island filters by `q` when it renders on the server too, so a
    // search without JavaScript gives what typing gives with it.
    view! {
        <Title text="Home" />
        <h1 class="heading-xl">{format!("Health and wellbeing outcomes for {area_name}")}</h1>
        <p class="lead">
            {format!(
                "How {area_name} compares with the {} region and {} on the Board's {} priorities.",
                site.region.name, site.nation.name, site.board.priorities.len(),
            )}
        </p>
        <dl class="facts">
            <div><dt>"Edition"</dt><dd>{d.edition.label.clone()}</dd></div>
            <div><dt>"Published"</dt><dd>{published}</dd></div>
        </dl>
        <EditionSelector path="/".to_owned() />
        <h2 class="heading-l">"Priorities"</h2>
        <p class="body">{changes_note}</p>
        <PriorityFinder cards=cards initial_query=query />
        {messages}
        {others}
        <LifeCourseTiles dataset=d.clone() area=area.clone() />
    }
    .into_any()
}

/// The edition's key messages, one per priority that has one.
fn key_messages(
    d: &Dataset,
    board: &Board,
    view: &crate::editions::View,
    area: &str,
) -> Option<AnyView> {
    let site = use_site();
    let items: Vec<_> = board
        .priorities
        .iter()
        .filter_map(|p| Some((p, d.plan.messages.get(&p.slug)?.clone())))
        .collect();
    (!items.is_empty()).then(|| {
        let items = items
            .into_iter()
            .map(|(p, text)| {
                let link = href(&format!("/priority/{}", p.slug), view, area, &site);
                view! {
                    <div class="key-message">
                        <h3 class="heading-m"><a class="link" href=link>{p.title.clone()}</a></h3>
                        <KeyMessage text />
                    </div>
                }
            })
            .collect_view();
        view! {
            <section class="key-messages" aria-labelledby="key-messages">
                <h2 class="heading-l" id="key-messages">"Key messages"</h2>
                <p class="body">{format!("Written by the public health team for the edition {}.", d.edition.label)}</p>
                {items}
            </section>
        }
        .into_any()
    })
}

/// The board file's headline measures, then its life-course stages
/// (Starting Well, ...): a tile per indicator (of the priorities at that
/// stage), with the latest value, the direction since the period before,
/// and the comparison with the region.
#[component]
fn LifeCourseTiles(dataset: std::sync::Arc<Dataset>, area: String) -> impl IntoView {
    let site = use_site();
    let board = &site.board;
    let headline = (!board.headline.is_empty()).then(|| {
        let ids: Vec<&str> = board.headline_indicators().collect();
        tile_section("headline", "Headline measures", &ids, &dataset, &area)
    });
    let stages = board
        .stages
        .iter()
        .map(|stage| {
            let mut seen = std::collections::HashSet::new();
            let ids: Vec<&str> = board
                .priorities
                .iter()
                .filter(|p| p.stage == stage.slug)
                .flat_map(|p| p.indicators())
                .filter(|id| seen.insert(*id))
                .collect();
            tile_section(
                &format!("stage-{}", stage.slug),
                &stage.title,
                &ids,
                &dataset,
                &area,
            )
        })
        .collect_view();
    view! { {headline} {stages} }
}

fn tile_section(
    id: &str,
    title: &str,
    ids: &[&str],
    d: &Dataset,
    area: &str,
) -> impl IntoView + use<> {
    let site = use_site();
    let view = use_view();
    let tiles = ids
        .iter()
        .filter_map(|id| d.indicator(id))
        .filter_map(|ind| {
            let series = ind.series(0, area)?;
            let p = series.latest()?;
            let direction = match (p.value, series.previous_value(p.period)) {
                (Some(v), Some(q)) => {
                    let before = q.value.unwrap_or(v);
                    let word = if v > before { "Up" } else if v < before { "Down" } else { "No change" };
                    format!("{word} from {} in {}", value_text(ind, Some(q)), ind.period_label(q.period))
                }
                _ => "No earlier period".to_owned(),
            };
            let link = href(&format!("/indicator/{}", ind.id), &view, area, &site);
            // A goal indicator's colour says how it stands against its goal.
            let compared_with = if ind.judged_against_goal() {
                "Compared with the goal: ".to_owned()
            } else {
                format!("Compared with {}: ", site.region.name)
            };
            Some(view! {
                <li class="tile">
                    <h3 class="tile__title"><a class="link" href=link>{ind.title().to_owned()}</a></h3>
                    <p class="tile__value">{value_text(ind, Some(p))}
                        <span class="tile__period">{format!(" in {}", ind.period_label(p.period))}</span>
                    </p>
                    <p class="tile__direction">{direction}</p>
                    <p class="tile__judgement">{compared_with}<JudgementTag judgement=ind.judged(p).0 /></p>
                </li>
            })
        })
        .collect_view();
    view! {
        <section class="stage" aria-labelledby=id.to_owned()>
            <h2 class="heading-l" id=id.to_owned()>{title.to_owned()}</h2>
            <ul class="tiles">{tiles}</ul>
        </section>
    }
}
