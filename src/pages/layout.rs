//! Header, navigation and footer, after the GOV.UK Design System patterns.

use super::common::use_view;
use super::manage::use_user;
use crate::site::use_site;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn SiteHeader() -> impl IntoView {
    let site = use_site();
    let priorities: Vec<(String, String)> = site
        .board
        .priorities
        .iter()
        .map(|p| (p.slug.clone(), p.title.clone()))
        .collect();
    view! {
        <header class="header">
            <div class="container header__inner">
                <a class="header__board" href="/">{site.board.name.clone()}</a>
                <span class="header__service">"Outcomes dashboard"</span>
                <AccountLinks />
            </div>
        </header>
        <nav class="nav" aria-label="Priorities">
            <ul class="container nav__list">
                <li class="nav__item">
                    <A href="/" exact=true>"Home"</A>
                </li>
                <li class="nav__item">
                    <A href="/overview">"Overview"</A>
                </li>
                <li class="nav__item">
                    <A href="/plan">"Plan"</A>
                </li>
                {priorities
                    .into_iter()
                    .map(|(slug, title)| {
                        view! {
                            <li class="nav__item">
                                <A href=format!("/priority/{slug}")>{title}</A>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>
    }
}

/// Sign-in link for analysts, or who is signed in with their pages and a
/// sign-out button (a POST form: signing out changes state).
#[component]
fn AccountLinks() -> impl IntoView {
    let account = match use_user() {
        None => view! { <a class="header__link" href="/login">"Analyst sign in"</a> }.into_any(),
        Some(u) => view! {
            <span class="header__user">{u.email.clone()}</span>
            <a class="header__link" href="/upload">"Upload"</a>
            <a class="header__link" href="/editions">"Editions"</a>
            <a class="header__link" href="/audit">"Audit"</a>
            {(u.role == crate::store::Role::Admin).then(|| view! { <a class="header__link" href="/admin/users">"Users"</a> })}
            <a class="header__link" href="/account/password">"Your password"</a>
            <form class="header__form" method="post" action="/logout">
                <button class="header__button" type="submit">"Sign out"</button>
            </form>
        }
        .into_any(),
    };
    view! { <div class="header__account no-print">{account}</div> }
}

#[component]
pub fn SiteFooter() -> impl IntoView {
    let site = use_site();
    view! {
        <footer class="footer">
            <div class="container">
                <p>
                    "Data: Office for Health Improvement and Disparities, "
                    <a class="link" href="https://fingertips.phe.org.uk/">"Public Health Profiles (Fingertips)"</a>
                    ", and local data from the " {site.home.name.clone()} " public health intelligence team."
                </p>
                <p>
                    "Contains public sector information licensed under the "
                    <a class="link" href="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/">
                        "Open Government Licence v3.0"
                    </a> "."
                </p>
                <p class="footer__meta">
                    {format!("hwb-outcomes {}", env!("CARGO_PKG_VERSION"))}
                </p>
            </div>
        </footer>
    }
}

/// Which edition the page shows, on every page; a warning when it is the
/// generated demo data, so nobody mistakes it for real figures.
#[component]
pub fn EditionBanner() -> impl IntoView {
    let site = use_site();
    let view = use_view();
    let edition = view.dataset.as_ref().map(|d| d.edition.clone());
    let current = edition.as_ref().is_some_and(|e| {
        view.choices.iter().any(|c| c.id == e.id && c.is_published) || view.choices.is_empty()
    });
    view! {
        <div class="edition-bar">
            <p class="container edition-bar__text">
                {match &edition {
                    Some(e) if current => format!("Edition: {}", e.label),
                    Some(e) => format!("Edition: {} (an earlier edition, not the current one)", e.label),
                    None => "No data edition has been published yet".to_owned(),
                }}
            </p>
        </div>
        {edition.filter(|e| e.illustrative).map(|_| view! {
            <div class="container">
                <div class="warning" role="note">
                    <strong class="warning__title">"Illustrative data"</strong>
                    <p>
                        {format!(
                            "The figures shown are generated to demonstrate this dashboard. They are not real statistics for {}, {} or {}.",
                            site.home.name, site.region.name, site.nation.name
                        )}
                    </p>
                    <p>
                        "To load real data, run "<code>"hwb-outcomes fetch --publish"</code>
                        " (the Board's indicators from Fingertips), or sign in and upload a Fingertips download on the Upload page."
                    </p>
                </div>
            </div>
        })}
    }
}
