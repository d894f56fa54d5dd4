//! Islands: the only components compiled into the browser bundle.
//!
//! Every page is complete without JavaScript; an island only adds. Each one
//! renders the same markup on the server (from its props) and, once the
//! WASM has loaded, takes over in the browser.

use crate::domain::{CardLine, PrioritySummary, Split, matches_query};
use leptos::prelude::*;

/// Finds a priority as the user types. Without JavaScript the same form is
/// an ordinary GET search answered by the server with the same filter.
#[island]
pub fn PriorityFinder(cards: Vec<PrioritySummary>, initial_query: String) -> impl IntoView {
    let total = cards.len();
    let (query, set_query) = signal(initial_query.clone());
    let cards = StoredValue::new(cards);
    let visible = Memo::new(move |_| {
        let q = query.get();
        cards.with_value(|all| {
            all.iter()
                .filter(|c| matches_query(c, &q))
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    let status = move || {
        let shown = visible.with(Vec::len);
        if shown == 0 {
            format!("No priority matches “{}”.", query.get().trim())
        } else {
            format!("Showing {shown} of {total} priorities.")
        }
    };

    view! {
        <form class="finder" method="get" action="/" role="search">
            <label class="label" for="finder-q">"Find a priority"</label>
            <div class="finder__row">
                <input
                    id="finder-q"
                    class="input"
                    type="search"
                    name="q"
                    value=initial_query
                    autocomplete="off"
                    on:input=move |ev| set_query.set(event_target_value(&ev))
                />
                <button class="button button--secondary" type="submit">"Search"</button>
            </div>
        </form>
        <p class="finder__status" role="status" aria-live="polite">{status}</p>
        <ul class="cards">
            <For each=move || visible.get() key=|c| c.slug.clone() let(card)>
                <li class="card">
                    <h3 class="card__title">
                        <a class="link" href=card.href>{card.title}</a>
                    </h3>
                    <p class="card__body">{card.aim}</p>
                    <ul class="card__lines">
                        {card.lines.into_iter().map(card_line).collect_view()}
                    </ul>
                </li>
            </For>
        </ul>
    }
}

fn card_line(line: CardLine) -> impl IntoView {
    view! { <li>{line.text}{line.split.as_ref().map(split_bar)}</li> }
}

/// The bar's drawing units: CSS scales it to the card's width.
const BAR_WIDTH: usize = 240;
const BAR_HEIGHT: usize = 22;
/// Narrower segments show only their count; narrower still, nothing.
const WORD_WIDTH: usize = 72;
const COUNT_WIDTH: usize = 14;

/// A priority card's split drawn as one stacked bar: a segment per
/// judgement, its width the share of indicators, its count written on it.
/// It is drawn in markup, not by `crate::charts`, because the island
/// redraws cards in the browser, where plotters is not compiled. Like every
/// chart it is hidden from assistive technology: the line of words above
/// it says the same, in the same order. Colours come from the stylesheet
/// (`.split__seg--*`), the colours of `charts::judgement_colour`.
fn split_bar(split: &Split) -> impl IntoView + use<> {
    let total = split.total().max(1);
    let mut start = 0;
    let segments = split
        .segments()
        .into_iter()
        .map(|(class, word, count)| {
            let x = start * BAR_WIDTH / total;
            start += count;
            let end = start * BAR_WIDTH / total;
            // A white gap of one unit between segments.
            let width = end.saturating_sub(x + usize::from(end < BAR_WIDTH));
            let label = if width >= WORD_WIDTH {
                format!("{count} {word}")
            } else if width >= COUNT_WIDTH {
                count.to_string()
            } else {
                String::new()
            };
            view! {
                <rect class=format!("split__seg split__seg--{class}") x=x y="0" width=width height=BAR_HEIGHT />
                <text class=format!("split__label split__label--{class}") x=x + width / 2 y="15" text-anchor="middle">{label}</text>
            }
        })
        .collect_view();
    view! {
        <svg class="split" viewBox=format!("0 0 {BAR_WIDTH} {BAR_HEIGHT}") aria-hidden="true" focusable="false">
            {segments}
        </svg>
    }
}
