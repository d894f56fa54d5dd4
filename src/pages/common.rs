//! What several pages share: the request's view, links that keep the
//! edition and area, number formatting, judgement badges, chart figures and
//! the edition selector.

use crate::dataset::{Dataset, IndicatorData, Point};
use crate::editions::View;
use crate::site::{Site, use_site};
use crate::stats::compare::{Judgement, Tone};
use leptos::prelude::*;
use std::sync::Arc;

pub use crate::numbers::number;

/// The edition (and the one before it) this request shows, resolved by the
/// server before rendering.
pub fn use_view() -> View {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<View>().cloned())
        .unwrap_or_else(|| View {
            dataset: None,
            previous: None,
            choices: Arc::new(Vec::new()),
            pinned: false,
            missing: None,
            generation: 0,
        })
}

/// The `area` query value when it names an upper-tier area of the region
/// (or the home area); otherwise the home area.
pub fn use_area() -> String {
    let site = use_site();
    let requested = use_context::<http::request::Parts>()
        .and_then(|p| crate::web::respond::query_param(&p.uri, "area"))
        .unwrap_or_default();
    if site.is_choosable(&requested) {
        requested
    } else {
        site.home.code.clone()
    }
}

/// A link to `path` that keeps the edition (when the reader chose one) and
/// the area (when it is not the home area), so links in a board paper
/// reproduce what the paper shows.
pub fn href(path: &str, view: &View, area: &str, site: &Site) -> String {
    let mut params = Vec::new();
    if view.pinned
        && let Some(d) = &view.dataset
    {
        params.push(format!("edition={}", d.edition.id));
    }
    if area != site.home.code {
        params.push(format!("area={area}"));
    }
    if params.is_empty() {
        path.to_owned()
    } else {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}{}", params.join("&"))
    }
}

/// Decimal places for an indicator's values.
pub fn decimals(ind: &IndicatorData) -> usize {
    match ind.meta.as_ref().map(|m| m.value_type) {
        Some(crate::domain::ValueType::Count) => 0,
        _ => 1,
    }
}

/// "307.4" or "307.4%"; "Suppressed" or "No data" when there is no value.
pub fn value_text(ind: &IndicatorData, p: Option<&Point>) -> String {
    match p {
        Some(Point { value: Some(v), .. }) => {
            let unit = ind.meta.as_ref().map_or("", |m| m.unit.as_str());
            let n = number(*v, decimals(ind));
            if unit == "%" { format!("{n}%") } else { n }
        }
        Some(Point { note: Some(_), .. }) => "Suppressed".to_owned(),
        _ => "No data".to_owned(),
    }
}

/// "(95% CI 280.1 to 336.2)", or empty without limits.
pub fn interval_text(ind: &IndicatorData, p: &Point) -> String {
    match (p.lower_95, p.upper_95) {
        (Some(l), Some(u)) => format!(
            "95% CI {} to {}",
            number(l, decimals(ind)),
            number(u, decimals(ind))
        ),
        _ => String::new(),
    }
}

/// The unit as a phrase after a value: "per 100,000", "years"; empty for %.
pub fn unit_text(ind: &IndicatorData) -> String {
    match ind.meta.as_ref().map(|m| m.unit.as_str()) {
        Some("%") | None => String::new(),
        Some(u) => u.to_owned(),
    }
}

pub fn tone_class(j: Judgement) -> &'static str {
    match j {
        Judgement::Higher => "tag tag--higher",
        Judgement::Lower => "tag tag--lower",
        _ => match j.tone() {
            Tone::Better => "tag tag--better",
            Tone::Similar => "tag tag--similar",
            Tone::Worse => "tag tag--worse",
            _ => "tag tag--none",
        },
    }
}

/// A judgement as a coloured tag that also says it in words.
#[component]
pub fn JudgementTag(judgement: Judgement) -> impl IntoView {
    view! { <strong class=tone_class(judgement)>{judgement.label()}</strong> }
}

/// A chart with its caption, screen-reader summary, data table and
/// downloads; the SVG itself is hidden from assistive technology.
#[component]
pub fn ChartFigure(
    id: String,
    caption: String,
    summary: String,
    svg: String,
    #[prop(optional)] downloads: Vec<(String, String)>,
    children: Children,
) -> impl IntoView {
    let summary_id = format!("{id}-summary");
    let described_by = summary_id.clone();
    view! {
        <figure class="figure" id=id aria-describedby=described_by>
            <figcaption class="figure__caption">{caption}</figcaption>
            <p class="figure__summary" id=summary_id>{summary}</p>
            <div class="figure__chart" inner_html=svg></div>
            {(!downloads.is_empty()).then(|| view! {
                <ul class="downloads">
                    {downloads.into_iter().map(|(label, url)| view! {
                        <li><a class="link" href=url download="">{label}</a></li>
                    }).collect_view()}
                </ul>
            })}
            <details class="figure__data" open>
                <summary>"Data for this chart"</summary>
                {children()}
            </details>
        </figure>
    }
}

/// The edition selector: an ordinary GET form, so it works without
/// JavaScript and the chosen edition ends up in the URL.
#[component]
pub fn EditionSelector(path: String) -> impl IntoView {
    let view = use_view();
    let area = use_area();
    let site = use_site();
    let current = view.dataset.as_ref().map(|d| d.edition.id);
    let choices = view.choices.clone();
    (choices.len() > 1).then(|| {
        view! {
            <form class="edition-form no-print" method="get" action=path>
                <label class="label" for="edition">"Edition"</label>
                <select class="select" id="edition" name="edition">
                    {choices.iter().map(|e| {
                        let label = match (&e.published_at, e.is_published) {
                            (_, true) => format!("{} (current)", e.label),
                            (Some(at), false) => format!("{} (published {})", e.label, day(at)),
                            _ => e.label.clone(),
                        };
                        view! { <option value=e.id.to_string() selected=Some(e.id) == current>{label}</option> }
                    }).collect_view()}
                </select>
                {(area != site.home.code).then(|| view! { <input type="hidden" name="area" value=area.clone() /> })}
                <button class="button button--secondary" type="submit">"Show edition"</button>
            </form>
        }
    })
}

/// "2026-11-23" from a stored RFC 3339 time.
pub fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// Shown instead of a page's content when the request named an edition
/// that is not public, or nothing is published.
#[component]
pub fn NoData() -> impl IntoView {
    let view = use_view();
    if let (Some(_), Some(res)) = (&view.missing, use_context::<leptos_axum::ResponseOptions>()) {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    let message = view
        .missing
        .clone()
        .unwrap_or_else(|| "No data edition has been published yet.".to_owned());
    view! {
        <div class="notice" role="note">
            <p>{message}</p>
            <p><a class="link" href="/">"Go to the current edition"</a></p>
        </div>
    }
}

/// The dataset, or `None` (pages then render `NoData`).
pub fn dataset(view: &View) -> Option<Arc<Dataset>> {
    view.missing
        .is_none()
        .then(|| view.dataset.clone())
        .flatten()
}

/// A status of the plan as a tag that says it in words.
pub fn status_class(status: crate::board::Status) -> &'static str {
    use crate::board::Status;
    match status {
        Status::OnTrack | Status::Done => "tag tag--better",
        Status::AtRisk => "tag tag--similar",
        Status::OffTrack => "tag tag--worse",
        Status::NotStarted => "tag tag--none",
    }
}

pub fn target_class(status: crate::board::TargetStatus) -> &'static str {
    use crate::board::TargetStatus;
    match status {
        TargetStatus::Met => "tag tag--better",
        TargetStatus::NotMet => "tag tag--worse",
        TargetStatus::NoData => "tag tag--none",
    }
}

/// A target's value written like the indicator's values ("100.0%").
pub fn target_value_text(ind: Option<&IndicatorData>, target: &crate::board::Target) -> String {
    let places = ind.map_or(1, decimals);
    let n = number(target.value, places);
    match ind.and_then(|i| i.meta.as_ref()).map(|m| m.unit.as_str()) {
        Some("%") => format!("{n}%"),
        _ => n,
    }
}

/// A key message: plain text, where a blank line starts a paragraph and a
/// line starting "- " or "* " is a bullet. Leptos escapes every character.
#[component]
pub fn KeyMessage(text: String) -> impl IntoView {
    text.split("\n\n")
        .map(str::trim)
        .filter(|block| !block.is_empty())
        .map(|block| {
            let lines: Vec<&str> = block.lines().map(str::trim).collect();
            let bullet = |l: &&str| l.starts_with("- ") || l.starts_with("* ");
            if lines.iter().all(bullet) {
                let items = lines
                    .iter()
                    .map(|l| view! { <li>{l[2..].trim().to_owned()}</li> })
                    .collect_view();
                view! { <ul class="list list--bullet">{items}</ul> }.into_any()
            } else {
                view! { <p class="body">{lines.join(" ")}</p> }.into_any()
            }
        })
        .collect_view()
}

/// "1 target", "3 targets".
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A table in a labelled, focusable region that scrolls sideways when the
/// table is wider than the page (keyboard users scroll it with the arrow
/// keys once it has focus). While it can scroll, a hint says so and the
/// first column stays in view; print shows every column (`.table-wrap`).
///
/// Type-erased (`AnyView`): a page's nested view types otherwise outgrow
/// the compiler's query depth.
pub fn table_region(label: impl Into<String>, table: impl IntoView + 'static) -> AnyView {
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=label.into()>
            <p class="table-wrap__hint" aria-hidden="true">"Scroll sideways to see every column"</p>
            {table}
        </div>
    }
    .into_any()
}
