//! `/`: where the area stands on each of the Board's priorities.

use crate::app::use_site;
use crate::domain::{Priority, PrioritySummary};
use crate::islands::PriorityFinder;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn HomePage() -> impl IntoView {
    let site = use_site();
    let query = use_query_map().with_untracked(|q| q.get("q").unwrap_or_default());
    let cards: Vec<PrioritySummary> = Priority::ALL.into_iter().map(Into::into).collect();
    // The island filters by `q` when it renders on the server too, so a
    // search without JavaScript gives what typing gives with it.
    view! {
        <Title text="Home" />
        <h1 class="heading-xl">{format!("Health and wellbeing outcomes for {}", site.home.name)}</h1>
        <p class="lead">
            {format!(
                "How {} compares with the {} region and {} on the Board's six priorities.",
                site.home.name, site.region.name, site.nation.name,
            )}
        </p>
        <h2 class="heading-l">"Priorities"</h2>
        <PriorityFinder cards=cards initial_query=query />
    }
}
