//! `/overview`: the "tartan rug": indicators down, areas across (the nation,
//! the region, the home area, then the region's other upper-tier areas),
//! each cell the area's latest value, coloured and lettered by its
//! comparison with the nation.

use super::common::{
    EditionSelector, NoData, dataset, decimals, href, number, table_region, tone_class, use_view,
};
use crate::dataset::IndicatorData;
use crate::site::use_site;
use crate::stats::compare::{Judgement, Tone};
use html_escape::{encode_double_quoted_attribute_to_string, encode_text_to_string};
use leptos::prelude::*;
use leptos_meta::Title;
use std::fmt::Write;

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
            (
                "Headline measures".to_owned(),
                board.headline_indicators().collect(),
                !board.headline.is_empty(),
            ),
            ("Other indicators in this edition".to_owned(), others, false),
        ])
        .map(|(title, ids, always)| {
            let members: Vec<_> = ids.iter().filter_map(|id| d.indicator(id)).collect();
            let empty = members.is_empty();
            let mut html = String::with_capacity(64 * 1024);
            group_html(&mut html, &title, areas.len() + 1);
            for ind in members {
                let link = href(
                    &format!("/indicator/{}", ind.id),
                    &view,
                    &site.home.code,
                    &site,
                );
                row_html(&mut html, ind, &link, &site.home.code, &areas);
            }
            // Most editions have no other indicators: no empty group then.
            (!empty || always).then(|| view! { <tbody inner_html=html /> })
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
        {table_region("Overview of all indicators", view! {
            <table class="table rug">
                <caption class="table__caption">{format!("Indicators by area, compared with {}", site.nation.name)}</caption>
                <thead><tr><th scope="col">"Indicator"</th>{head}</tr></thead>
                {groups}
            </table>
        })}
    }
    .into_any()
}

// The rug is the largest page: about 1,100 cells of three elements each. A
// view per cell cost most of its render time, so its rows are written
// straight into one buffer, every text and attribute escaped by html-escape
// (as tachys itself escapes them).

/// The group's heading row.
fn group_html(html: &mut String, title: &str, columns: usize) {
    let _ = write!(
        html,
        r#"<tr class="rug__group"><th scope="rowgroup" colspan="{columns}">"#
    );
    encode_text_to_string(title, html);
    html.push_str("</th></tr>");
}

/// One indicator's row: its title and period, then a cell per area at the
/// home area's latest period.
fn row_html(
    html: &mut String,
    ind: &IndicatorData,
    link: &str,
    home: &str,
    areas: &[(String, String)],
) {
    let period = ind
        .series(0, home)
        .and_then(|s| s.latest())
        .map(|p| p.period);
    html.push_str(r#"<tr><th scope="row" class="rug__indicator"><a class="link" href=""#);
    encode_double_quoted_attribute_to_string(link, html);
    html.push_str(r#"">"#);
    encode_text_to_string(ind.title(), html);
    html.push_str(r#"</a><span class="hint">"#);
    if let Some(p) = period {
        html.push(' ');
        encode_text_to_string(ind.period_label(p), html);
    }
    html.push_str("</span></th>");
    for (i, (code, name)) in areas.iter().enumerate() {
        let p = period.and_then(|t| ind.series(0, code)?.at(t));
        // The nation is the benchmark: it is not judged.
        let j = p
            .filter(|_| i > 0)
            .map_or(Judgement::NotCompared, |p| ind.judged(p).1);
        let shown = p.and_then(|p| p.value).map(|v| number(v, decimals(ind)));
        let _ = write!(html, r#"<td class="rug__cell {}" title=""#, tone_class(j));
        encode_double_quoted_attribute_to_string(name, html);
        html.push_str(": ");
        html.push_str(shown.as_deref().unwrap_or("no data"));
        if i > 0 {
            html.push_str(", ");
            html.push_str(&j.label().to_lowercase());
        }
        html.push_str(r#"">"#);
        html.push_str(shown.as_deref().unwrap_or("-"));
        let _ = write!(
            html,
            r#"<span class="rug__letter" aria-hidden="true">{}</span>"#,
            letter(j)
        );
        if i > 0 {
            let _ = write!(
                html,
                r#"<span class="visually-hidden"> {}</span>"#,
                j.label()
            );
        }
        html.push_str("</td>");
    }
    html.push_str("</tr>");
}
