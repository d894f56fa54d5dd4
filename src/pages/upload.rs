//! `/upload` (the form) and `/upload/{token}` (what the upload found: the
//! validation report, or the preview of the change and the draft form).

use super::common::table_region;
use super::manage::guard;
use crate::numbers::number;
use crate::store::Role;
use crate::uploads::{LISTED, UploadResult};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

#[component]
pub fn UploadPage() -> impl IntoView {
    if let Err(v) = guard(Role::Analyst) {
        return v;
    }
    let error = use_query_map().with_untracked(|q| q.get("error"));
    view! {
        <Title text="Upload data" />
        <h1 class="heading-xl">"Upload data"</h1>
        {(error.as_deref() == Some("nofile")).then(|| view! {
            <div class="error-summary" role="alert"><p>"Choose at least one file to upload."</p></div>
        })}
        <p class="body">"Fingertips CSV exports, the analyst template (see the README), or .xlsx workbooks holding either. Files are checked first; nothing reaches the dashboard until you save an edition and publish it."</p>
        <form class="form" method="post" action="/upload" enctype="multipart/form-data" data-upload="">
            <div class="form-group">
                <label class="label" for="file">"Files"</label>
                <input class="file" id="file" name="file" type="file" multiple accept=".csv,.xlsx,text/csv" required />
            </div>
            <div class="form-group">
                <label class="label" for="sheet">"Workbook sheet (optional; the first sheet if empty)"</label>
                <input class="input" id="sheet" name="sheet" type="text" />
            </div>
            <button class="button" type="submit">"Upload and check"</button>
        </form>
        <h2 class="heading-l">"Get the latest from Fingertips"</h2>
        <p class="body">"Fetches every indicator in the Board's catalogue that has a Fingertips ID, for all upper-tier areas with their regions and England, and each indicator's metadata. The answers are checked and previewed like an upload; nothing changes until you save an edition and publish it."</p>
        <form class="form" method="post" action="/fetch">
            <button class="button button--secondary" type="submit">"Get the latest from Fingertips"</button>
        </form>
        <div id="upload-progress" class="upload-progress" role="status" aria-live="polite" hidden>
            <label class="label" for="upload-bar">"Upload progress"</label>
            <progress id="upload-bar" max="100" value="0"></progress>
            <p data-progress-text="">"Starting the upload…"</p>
        </div>
        <script src="/upload-progress.js" defer></script>
    }
    .into_any()
}

fn use_result() -> Option<Arc<UploadResult>> {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Arc<UploadResult>>().cloned())
}

#[component]
pub fn UploadResultPage() -> impl IntoView {
    let user = match guard(Role::Analyst) {
        Ok(u) => u,
        Err(v) => return v,
    };
    let Some(result) = use_result().filter(|r| r.by == user.email) else {
        return view! {
            <Title text="Upload not found" />
            <h1 class="heading-xl">"This upload's report has expired"</h1>
            <p class="body"><a class="link" href="/upload">"Upload the files again"</a></p>
        }
        .into_any();
    };
    // A fixed code in the query; the words come from the result itself.
    let error = use_query_map()
        .with_untracked(|q| q.get("error"))
        .filter(|e| e == "draft")
        .and_then(|_| result.draft_error.clone())
        .map(|e| format!("The draft was not saved: {e}"));
    let files = result
        .files
        .iter()
        .map(|f| {
            let r = &f.report;
            let errors = r.errors.iter().take(LISTED).map(|e| view! {
                <tr>
                    <td class="table__cell--numeric">{e.row.map(|r| r.to_string()).unwrap_or_else(|| "-".into())}</td>
                    <td>{e.column.clone().unwrap_or_default()}</td>
                    <td class="value-cell">{e.value.clone().unwrap_or_default()}</td>
                    <td>{e.message.clone()}</td>
                </tr>
            }).collect_view();
            let warnings = r.warnings.iter().take(LISTED).map(|w| view! {
                <li>{w.to_string()}</li>
            }).collect_view();
            let total_errors = r.error_count();
            view! {
                <section class="file-report">
                    <h2 class="heading-m">{f.name.clone()}</h2>
                    <p class="body">{format!(
                        "{} · {} bytes · {} rows · {} indicators · {} areas · {} periods",
                        r.format.map_or("format not recognised", |x| x.label()),
                        number(f.size as f64, 0), number(r.rows as f64, 0), r.indicators, r.areas, r.periods
                    )}</p>
                    {(total_errors > 0).then(|| view! {
                        <div class="error-summary" role="alert">
                            <p>{format!("{total_errors} errors: this file cannot be used until they are fixed.")}</p>
                        </div>
                        {table_region(format!("Errors in {}", f.name), view! {
                            <table class="table errors-table">
                                <caption class="table__caption">{format!("Errors (the first {} are listed; the CSV has them all)", LISTED.min(total_errors))}</caption>
                                <thead><tr><th scope="col" class="table__cell--numeric">"Row"</th><th scope="col">"Column"</th><th scope="col">"Value"</th><th scope="col">"What is wrong"</th></tr></thead>
                                <tbody>{errors}</tbody>
                            </table>
                        })}
                    })}
                    {(!r.warnings.is_empty()).then(|| view! {
                        <h3 class="heading-s">"Warnings (the data is kept)"</h3>
                        <ul class="list">{warnings}</ul>
                    })}
                </section>
            }
        })
        .collect_view();
    let token = result.token.clone();
    let body = if result.is_valid() {
        let p = result.preview.clone().unwrap_or_default();
        let base = result.base.clone().map_or(
            "no edition (nothing is published yet)".to_owned(),
            |(id, label)| format!("edition {id}, {label}"),
        );
        let revised = p.revised.iter().take(LISTED).map(|r| view! {
            <tr>
                <td>{r.indicator.clone()}</td>
                <td>{r.area.clone()}</td>
                <td>{r.breakdown.clone()}</td>
                <td>{r.period.clone()}</td>
                <td class="table__cell--numeric">{r.old.map(|v| v.to_string()).unwrap_or_else(|| "none".into())}</td>
                <td class="table__cell--numeric">{r.new.map(|v| v.to_string()).unwrap_or_else(|| "none".into())}</td>
                <td class="table__cell--numeric">{r.difference().map(|d| format!("{d:+}")).unwrap_or_default()}</td>
            </tr>
        }).collect_view();
        let new_indicators = p
            .new_indicators
            .iter()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let new_periods = p
            .new_periods
            .iter()
            .map(|(i, per)| format!("{i} {per}"))
            .collect::<Vec<_>>()
            .join(", ");
        view! {
            <h2 class="heading-l">"What would change"</h2>
            <p class="body">{format!("Compared with the published {base}:")}</p>
            <ul class="list" id="preview-summary">
                <li>{format!("{} new indicators{}", p.new_indicators.len(), if new_indicators.is_empty() { String::new() } else { format!(": {new_indicators}") })}</li>
                <li>{format!("{} new periods{}", p.new_periods.len(), if new_periods.is_empty() { String::new() } else { format!(": {new_periods}") })}</li>
                <li>{format!("{} new values for areas or breakdowns in periods already held", p.new_values)}</li>
                <li>{format!("{} revised values", p.revised_total)}</li>
                <li>{format!("{} values unchanged", p.unchanged)}</li>
            </ul>
            {(!p.revised.is_empty()).then(|| view! {
                {table_region("Revised values", view! {
                    <table class="table" id="revised-table">
                        <caption class="table__caption">{format!("Revised values (the first {} listed)", LISTED.min(p.revised.len()))}</caption>
                        <thead><tr><th scope="col">"Indicator"</th><th scope="col">"Area"</th><th scope="col">"Breakdown"</th><th scope="col">"Period"</th><th scope="col" class="table__cell--numeric">"Published"</th><th scope="col" class="table__cell--numeric">"New"</th><th scope="col" class="table__cell--numeric">"Difference"</th></tr></thead>
                        <tbody>{revised}</tbody>
                    </table>
                })}
            })}
            <h2 class="heading-l">"Save as a draft edition"</h2>
            {error.map(|e| view! { <div class="error-summary" role="alert"><p>{e}</p></div> })}
            <form class="form" method="post" action=format!("/upload/{token}/draft")>
                <div class="form-group">
                    <label class="label" for="label">"Edition name, as board papers will cite it"</label>
                    <input class="input" id="label" name="label" type="text" required placeholder="Board, 10 December 2026" />
                </div>
                <button class="button" type="submit">"Save draft and review publication"</button>
                " "
                <a class="link" href="/upload">"Discard (the dashboard stays as it is)"</a>
            </form>
        }
        .into_any()
    } else {
        view! {
            <p class="body"><a class="link" href=format!("/upload/{token}/errors.csv") download="">"Download every error (CSV)"</a></p>
            <p class="body">"Nothing was stored and the dashboard is unchanged. Fix the errors and "<a class="link" href="/upload">"upload again"</a>"."</p>
        }
        .into_any()
    };
    view! {
        <Title text="Upload checked" />
        <h1 class="heading-xl">{if result.is_valid() { "Files checked: no errors" } else { "The files have errors" }}</h1>
        {files}
        {body}
    }
    .into_any()
}
