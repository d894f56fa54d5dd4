//! Islands: the only components compiled into the browser bundle.
//!
//! Every page is complete without JavaScript; an island only adds. Each one
//! renders the same markup on the server (from its props) and, once the
//! WASM has loaded, takes over in the browser.

use crate::domain::{PrioritySummary, matches_query};
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
                        {card.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
                    </ul>
                </li>
            </For>
        </ul>
    }
}
