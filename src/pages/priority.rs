//! `/priority/{slug}`: every indicator of one priority.

use super::NotFound;
use crate::app::use_site;
use crate::domain::Priority;
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
    let site = use_site();
    view! {
        <Title text=priority.title() />
        <span class="caption">"Priority"</span>
        <h1 class="heading-xl">{priority.title()}</h1>
        <p class="lead">{priority.aim()}</p>
        <div class="notice" role="note">
            <p>
                {format!(
                    "This page will list every indicator of the priority for {} with {} and {} values, confidence intervals, comparisons and recent trends.",
                    site.home.name, site.region.name, site.nation.name,
                )}
            </p>
        </div>
        <p><a class="link" href="/">"Back to all priorities"</a></p>
    }
}
