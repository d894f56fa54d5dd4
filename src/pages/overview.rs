//! `/overview`: the "tartan rug": indicators down, areas across (the nation,
//! the region, the home area, then the region's other upper-tier areas),
//! each cell the area's latest value, coloured and lettered by its
//! comparison with the nation.

use super::common::{
    EditionSelector, NoData, dataset, decimals, href, number, tone_class, use_view,
};
use crate::site::use_site;
use crate::stats::compare::{Judgement, Tone};
use leptos::prelude::*;
use leptos_meta::Title;

/// The letter a cell carries so colour never stands alone.
fn letter(j: Judgement) -> &'static str {
    match j {
        Judgement::Higher => "H",
        Judgement::Lower => "L",
        _ => match j.tone() {
            Tone::Better => "B",
            Tone::Similar => "S",
            Tone::Worse => "W",
            _ => "",
        },
    }
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let site = use_site();
    let view = use_view();
    let Some(d) = dataset(&view) else {
        return view! { <Title text="Overview" /> <h1 class="heading-xl">"Overview"</h1> <NoData /> }
            .into_any();
    };
    let mut areas: Vec<(String, String)> = vec![
        (site.nation.code.clone(), site.nation.name.clone()),
        (site.region.code.clone(), site.region.name.clone()),
        (site.home.code.clone(), site.home.name.clone()),
    ];
    areas.extend(
        crate::areas::Gazetteer::shared()
            .upper_tier_in(&site.region.code)
            .filter(|a| a.code != site.home.code)
            .map(|a| (a.code.clone(), a.name.clone())),
    );
    let head = areas
        .iter()
        .map(|(_, name)| view! { <th scope="col" class="rug__area"><span>{name.clone()}</span></th> })
        .collect_view();
    // The board's priorities, its headline measures (life expectancy),
    // then the edition's indicators that the plan does not name.
    let board = &site.board;
    let others: Vec<&str> = d
        .indicators
        .iter()
        .map(|i| i.id.as_str())
        .filter(|id| !board.monitors(id))
        .collect();
    let groups = board
        .priorities
        .iter()
        .map(|p| (p.title.clone(), p.indicators().collect::<Vec<_>>(), true))
        .chain([
            ("Headline measures".to_owned(), board.headline_indicators().collect(), !board.headline.is_empty()),
            ("Other indicators in this edition".to_owned(), others, false),
        ])
        .map(|(title, ids, always)| {
            let members: Vec<_> = ids.iter().filter_map(|id| d.indicator(id)).collect();
            let empty = members.is_empty();
            let rows = members
                .into_iter()
                .map(|ind| {
                    let home = ind.series(0, &site.home.code).and_then(|s| s.latest());
                    let period = home.map(|p| p.period);
                    let cells = areas
                        .iter()
                        .enumerate()
                        .map(|(i, (code, name))| {
                            let p = period.and_then(|t| ind.series(0, code)?.at(t));
                            let value = p.and_then(|p| p.value);
                            // The nation is the benchmark: it is not judged.
                            let j = p.filter(|_| i > 0).map_or(Judgement::NotCompared, |p| ind.judged(p).1);
                            let shown = value.map(|v| number(v, decimals(ind)));
                            let label = format!(
                                "{name}: {}{}",
                                shown.as_deref().unwrap_or("no data"),
                                if i > 0 { format!(", {}", j.label().to_lowercase()) } else { String::new() }
                            );
                            view! {
                                <td class=format!("rug__cell {}", tone_class(j)) title=label>
                                    {shown.unwrap_or_else(|| "-".into())}
                                    <span class="rug__letter" aria-hidden="true">{letter(j)}</span>
                                    <span class="visually-hidden">{if i > 0 { format!(" {}", j.label()) } else { String::new() }}</span>
                                </td>
                            }
                        })
                        .collect_view();
                    let link = href(&format!("/indicator/{}", ind.id), &view, &site.home.code, &site);
                    view! {
                        <tr>
                            <th scope="row" class="rug__indicator">
                                <a class="link" href=link>{ind.title().to_owned()}</a>
                                <span class="hint">{period.map(|p| format!(" {}", ind.period_label(p))).unwrap_or_default()}</span>
                            </th>
                            {cells}
                        </tr>
                    }
                })
                .collect_view();
            // Most editions have no other indicators: no empty group then.
            (!empty || always).then(|| view! {
                <tbody>
                    <tr class="rug__group"><th scope="rowgroup" colspan=areas.len() + 1>{title}</th></tr>
                    {rows}
                </tbody>
            })
        })
        .collect_view();
    view! {
        <Title text="Overview" />
        <h1 class="heading-xl">"Overview of all indicators"</h1>
        <p class="lead">{format!(
            "Every indicator for {}, the {} region and its upper-tier areas, at {}'s most recent period, compared with {}.",
            site.home.name, site.region.name, site.home.name, site.nation.name
        )}</p>
        <EditionSelector path="/overview".to_owned() />
        <p class="body rug__key">
            "Key: "
            <span class="tag tag--better">"B better"</span> " "
            <span class="tag tag--similar">"S similar"</span> " "
            <span class="tag tag--worse">"W worse"</span> " "
            <span class="tag tag--higher">"H higher"</span> " "
            <span class="tag tag--lower">"L lower"</span> " "
            <span class="tag tag--none">"not compared"</span>
            {format!(" than {}. A dash means no data.", site.nation.name)}
        </p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Overview of all indicators">
            <table class="table rug">
                <caption class="table__caption">{format!("Indicators by area, compared with {}", site.nation.name)}</caption>
                <thead><tr><th scope="col">"Indicator"</th>{head}</tr></thead>
                {groups}
            </table>
        </div>
    }
    .into_any()
}
