//! The Board's plan: `/plan` (every priority's targets, judged, and how its
//! actions stand), `/partnership` (the self-assessment framework and every
//! assessment, charted), and the analysts' forms: `/partnership/new` and
//! `/editions/{id}/plan` (a draft's progress and key messages).

use super::common::{
    EditionSelector, NoData, count, href, status_class, table_region, target_class, use_area,
    use_view,
};
use super::manage::guard;
use crate::board::{Board, Status};
use crate::plan::{Assessments, DraftPlan, action_rows, shown, target_rows};
use crate::site::use_site;
use crate::store::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn query(name: &str) -> Option<String> {
    use_query_map().with_untracked(|q| q.get(name))
}

/// `/plan`: the plan's targets per priority, judged for the home area, and
/// its actions counted by the status this edition reports.
#[component]
pub fn PlanPage() -> impl IntoView {
    let site = use_site();
    let view = use_view();
    let area = use_area();
    let board = site.board.clone();
    let (d, plan, previous) = shown(&view);
    let targets = target_rows(&board, d, &site.home.code);
    let actions = action_rows(&board, plan, previous);
    let sections = board
        .priorities
        .iter()
        .map(|p| {
            let mine: Vec<_> = targets.iter().filter(|t| std::ptr::eq(t.priority, p)).collect();
            let rows = mine
                .iter()
                .map(|t| {
                    let ind = d.and_then(|d| d.indicator(&t.target.indicator));
                    let value = super::common::target_value_text(ind, t.target);
                    let latest = match (t.latest, &t.period) {
                        (Some(v), Some(period)) => format!(
                            "{} in {period}",
                            super::common::target_value_text(ind, &crate::board::Target { value: v, ..t.target.clone() })
                        ),
                        _ => "No data".to_owned(),
                    };
                    let link = href(&format!("/indicator/{}", t.target.indicator), &view, &area, &site);
                    view! {
                        <tr>
                            <th scope="row" class="table__header"><a class="link" href=link>{t.indicator_title.clone()}</a>
                                <span class="hint">{t.measure.to_owned()}</span></th>
                            <td class="table__cell">{t.target.describe(&value)}<span class="hint">{t.target.source.clone()}</span></td>
                            <td class="table__cell table__cell--numeric">{latest}</td>
                            <td class="table__cell"><strong class=target_class(t.status)>{t.status.label()}</strong></td>
                        </tr>
                    }
                })
                .collect_view();
            let table = if mine.is_empty() {
                view! { <p class="body hint">"The plan sets no local target for this priority's measures."</p> }.into_any()
            } else { view! {
                {table_region(format!("Targets: {}", p.title), view! {
                    <table class="table">
                        <caption class="table__caption">{format!("Local targets: {}, {}", p.title, site.home.name)}</caption>
                        <thead><tr>
                            <th scope="col">"Indicator and measure"</th>
                            <th scope="col">"Target"</th>
                            <th scope="col" class="table__cell--numeric">"Latest"</th>
                            <th scope="col">"Status"</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                })}
            }.into_any() };
            let mut counts: Vec<(Status, usize)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
            let mut unreported = 0;
            let mut changed = 0;
            for a in actions.iter().filter(|a| std::ptr::eq(a.priority, p)) {
                match a.progress {
                    Some(pr) => {
                        if let Some(c) = counts.iter_mut().find(|(s, _)| *s == pr.status) {
                            c.1 += 1;
                        }
                    }
                    None => unreported += 1,
                }
                changed += usize::from(a.changed);
            }
            let tally = counts
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| view! { <li><strong class=status_class(s)>{s.label()}</strong>{format!(" {n}")}</li> })
                .collect_view();
            let link = href(&format!("/priority/{}", p.slug), &view, &area, &site);
            view! {
                <section class="plan-priority" aria-labelledby=format!("plan-{}", p.slug)>
                    <h2 class="heading-l" id=format!("plan-{}", p.slug)><a class="link" href=link>{p.title.clone()}</a></h2>
                    <p class="body">{format!("Aim: {}", p.aim)}</p>
                    {table}
                    <p class="body">{format!(
                        "{}{}{}.",
                        count(p.actions.len(), "action", "actions"),
                        if unreported > 0 { format!(", {unreported} with no progress reported") } else { String::new() },
                        if previous.is_some() { format!(", {changed} changed since the previous edition") } else { String::new() },
                    )}</p>
                    <ul class="list status-tally">{tally}</ul>
                </section>
            }
        })
        .collect_view();
    let met = targets
        .iter()
        .filter(|t| t.status == crate::board::TargetStatus::Met)
        .count();
    view! {
        <Title text="The Board's plan" />
        <span class="caption">{board.plan.clone()}</span>
        <h1 class="heading-xl">"The Board's plan: targets and actions"</h1>
        <p class="lead">{format!(
            "{}, {} ({met} met for {}), {}.",
            count(board.priorities.len(), "priority", "priorities"),
            count(targets.len(), "local target", "local targets"),
            site.home.name,
            count(actions.len(), "action", "actions")
        )}</p>
        {(!board.note.is_empty()).then(|| view! { <p class="body">{board.note.clone()}</p> })}
        {view.missing.is_some().then(|| view! { <NoData /> })}
        <EditionSelector path="/plan".to_owned() />
        <ul class="downloads no-print">
            <li><a class="link" href=href("/api/v1/board/targets.csv", &view, &site.home.code, &site) download="">"Targets (CSV)"</a></li>
            <li><a class="link" href=href("/api/v1/board/actions.csv", &view, &site.home.code, &site) download="">"Actions and progress (CSV)"</a></li>
        </ul>
        {board.partnership.is_some().then(|| view! {
            <p class="body"><a class="link" href="/partnership">"The partnership self-assessment"</a></p>
        })}
        {sections}
    }
}

/// `/partnership`: the framework, every assessment and its chart.
#[component]
pub fn PartnershipPage() -> impl IntoView {
    let site = use_site();
    let board: &Board = &site.board;
    let Some(framework) = board.partnership.clone() else {
        return view! {
            <Title text="Partnership self-assessment" />
            <h1 class="heading-xl">"Partnership self-assessment"</h1>
            <p class="body">"The board file sets no partnership self-assessment framework."</p>
        }
        .into_any();
    };
    let all = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Assessments>().cloned())
        .unwrap_or_default()
        .0;
    let added = query("added").is_some();
    let signed_in = super::manage::use_user().is_some();
    let descriptors: Vec<(String, String, String)> = framework
        .domains
        .iter()
        .flat_map(|d| {
            d.descriptors
                .iter()
                .map(move |x| (d.title.clone(), x.id.clone(), x.title.clone()))
        })
        .collect();
    let marks: Vec<Vec<Option<usize>>> = all
        .iter()
        .map(|a| {
            descriptors
                .iter()
                .map(|(_, id, _)| {
                    a.levels
                        .get(id)
                        .and_then(|l| framework.levels.iter().position(|x| x == l))
                })
                .collect()
        })
        .collect();
    let labels: Vec<String> = all
        .iter()
        .map(|a| format!("{} ({})", a.label, a.date))
        .collect();
    let titles: Vec<String> = descriptors.iter().map(|(_, _, t)| t.clone()).collect();
    let svg = crate::charts::levels(
        &framework.title,
        &titles,
        &framework.levels,
        &labels,
        &marks,
    );
    let latest = all.last();
    let summary = match latest {
        Some(a) => {
            let counts: Vec<String> = framework
                .levels
                .iter()
                .map(|l| {
                    format!(
                        "{} {}",
                        a.levels.values().filter(|v| *v == l).count(),
                        l.to_lowercase()
                    )
                })
                .collect();
            format!(
                "{}. The latest, {} ({}), rated {} descriptors: {}.{}",
                count(all.len(), "assessment", "assessments"),
                a.label,
                a.date,
                a.levels.len(),
                counts.join(", "),
                if a.trajectory.is_empty() {
                    String::new()
                } else {
                    format!(" Trajectory: {}", a.trajectory)
                }
            )
        }
        None => "No assessment has been recorded yet.".to_owned(),
    };
    let head = all
        .iter()
        .map(|a| view! { <th scope="col">{a.label.clone()}<span class="hint">{a.date.clone()}</span></th> })
        .collect_view();
    let rows = descriptors
        .iter()
        .map(|(domain, id, title)| {
            let cells = all
                .iter()
                .map(|a| {
                    let note = a.notes.get(id).cloned();
                    view! {
                        <td class="table__cell">{a.levels.get(id).cloned().unwrap_or_else(|| "Not assessed".to_owned())}
                            {note.map(|n| view! { <span class="hint">{n}</span> })}</td>
                    }
                })
                .collect_view();
            view! {
                <tr>
                    <td class="table__cell">{domain.clone()}</td>
                    <th scope="row" class="table__header">{title.clone()}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    let overall = all
        .iter()
        .filter(|a| !a.overall.is_empty() || !a.trajectory.is_empty())
        .map(|a| view! {
            <div class="assessment">
                <h3 class="heading-m">{format!("{} ({})", a.label, a.date)}</h3>
                {(!a.overall.is_empty()).then(|| view! { <p class="body">{format!("Overall: {}", a.overall)}</p> })}
                {(!a.trajectory.is_empty()).then(|| view! { <p class="body">{format!("Trajectory: {}", a.trajectory)}</p> })}
                {(!a.source.is_empty()).then(|| view! { <p class="hint">{format!("Source: {}", a.source)}</p> })}
            </div>
        })
        .collect_view();
    view! {
        <Title text="Partnership self-assessment" />
        <span class="caption">{site.board.name.clone()}</span>
        <h1 class="heading-xl">{framework.title.clone()}</h1>
        <p class="lead">{format!(
            "{} domains, {} descriptors, each rated on {} levels: {}.",
            framework.domains.len(), descriptors.len(), framework.levels.len(), framework.levels.join(", ")
        )}</p>
        {added.then(|| view! { <div class="notice" role="status"><p>"The assessment was recorded."</p></div> })}
        {signed_in.then(|| view! { <p class="body no-print"><a class="link" href="/partnership/new">"Record a new assessment"</a></p> })}
        <figure class="figure" id="levels" aria-describedby="levels-summary">
            <figcaption class="figure__caption">{format!("{}: levels by descriptor, each assessment a marker", framework.title)}</figcaption>
            <p class="figure__summary" id="levels-summary">{summary}</p>
            <div class="figure__chart" inner_html=svg></div>
            <ul class="downloads no-print">
                <li><a class="link" href="/api/v1/partnership.csv" download="">"Assessments (CSV)"</a></li>
            </ul>
            <details class="figure__data" open>
                <summary>"Data for this chart"</summary>
                {table_region("Assessments table", view! {
                    <table class="table">
                        <caption class="table__caption">"Level by descriptor in each assessment"</caption>
                        <thead><tr><th scope="col">"Domain"</th><th scope="col">"Descriptor"</th>{head}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                })}
            </details>
        </figure>
        <h2 class="heading-l">"Overall and trajectory"</h2>
        {overall}
    }
    .into_any()
}

/// `/partnership/new`: an analyst records a dated set of levels.
#[component]
pub fn NewAssessmentPage() -> impl IntoView {
    if let Err(page) = guard(Role::Analyst) {
        return page;
    }
    let site = use_site();
    let Some(framework) = site.board.partnership.clone() else {
        return view! { <p class="body">"The board file sets no partnership framework."</p> }
            .into_any();
    };
    let all = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Assessments>().cloned())
        .unwrap_or_default()
        .0;
    let last = all.last().cloned();
    let domains = framework
        .domains
        .iter()
        .map(|d| {
            let items = d
                .descriptors
                .iter()
                .map(|x| {
                    let before = last.as_ref().and_then(|a| a.levels.get(&x.id).cloned());
                    let options = framework
                        .levels
                        .iter()
                        .map(|l| view! { <option value=l.clone() selected=before.as_deref() == Some(l.as_str())>{l.clone()}</option> })
                        .collect_view();
                    let (level_id, note_id) = (format!("level-{}", x.id), format!("note-{}", x.id));
                    view! {
                        <div class="form-group">
                            <label class="label" for=level_id.clone()>{x.title.clone()}</label>
                            <select class="select" id=level_id.clone() name=level_id>
                                <option value="">"Not assessed"</option>
                                {options}
                            </select>
                            <label class="label label--small" for=note_id.clone()>{format!("Note on {} (optional)", x.title)}</label>
                            <input class="input" type="text" id=note_id.clone() name=note_id maxlength="500" />
                        </div>
                    }
                })
                .collect_view();
            view! { <fieldset class="fieldset"><legend class="fieldset__legend">{d.title.clone()}</legend>{items}</fieldset> }
        })
        .collect_view();
    view! {
        <Title text="Record a self-assessment" />
        <h1 class="heading-xl">"Record a partnership self-assessment"</h1>
        <p class="body">"Levels start at the latest assessment's. Recorded assessments are never changed; a later one is added beside them."</p>
        <form method="post" action="/partnership" class="form">
            <div class="form-group">
                <label class="label" for="date">"Date of the assessment (YYYY-MM-DD)"</label>
                <input class="input input--short" type="date" id="date" name="date" required="" />
            </div>
            <div class="form-group">
                <label class="label" for="label">"Name"</label>
                <input class="input" type="text" id="label" name="label" required="" maxlength="500" placeholder="April 2027 review" />
            </div>
            {domains}
            <div class="form-group">
                <label class="label" for="overall">"Overall view (optional)"</label>
                <input class="input" type="text" id="overall" name="overall" maxlength="500" />
            </div>
            <div class="form-group">
                <label class="label" for="trajectory">"Trajectory (optional)"</label>
                <input class="input" type="text" id="trajectory" name="trajectory" maxlength="500" />
            </div>
            <button class="button" type="submit">"Record the assessment"</button>
        </form>
    }
    .into_any()
}

/// `/editions/{id}/plan`: a draft's key messages and action progress, one
/// form per priority. A published edition's are shown, not editable.
#[component]
pub fn DraftPlanPage() -> impl IntoView {
    if let Err(page) = guard(Role::Analyst) {
        return page;
    }
    let site = use_site();
    let Some(draft) = use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<DraftPlan>().cloned())
    else {
        return view! { <Title text="Not found" /><h1 class="heading-xl">"There is no such edition"</h1> }.into_any();
    };
    let e = draft.edition.clone();
    let open = e.published_at.is_none();
    let saved = query("saved").filter(|s| site.board.priority(s).is_some());
    let forms = site
        .board
        .priorities
        .iter()
        .map(|p| {
            let message = draft.plan.messages.get(&p.slug).cloned().unwrap_or_default();
            let rows = p
                .actions
                .iter()
                .map(|a| {
                    let now = draft.plan.progress.get(&a.id).cloned();
                    let status = now.as_ref().map(|n| n.status);
                    let (s_id, n_id, d_id) = (format!("status-{}", a.id), format!("note-{}", a.id), format!("as_of-{}", a.id));
                    let options = Status::ALL
                        .iter()
                        .map(|st| view! { <option value=st.slug() selected=status == Some(*st)>{st.label()}</option> })
                        .collect_view();
                    view! {
                        <tr>
                            <th scope="row" class="table__header">{a.what.clone()}<span class="hint">{a.how.clone()}</span></th>
                            <td class="table__cell">
                                <label class="visually-hidden" for=s_id.clone()>{format!("Status of {}: {}", a.id, a.what)}</label>
                                <select class="select" id=s_id.clone() name=s_id disabled=!open>
                                    <option value="">"No report"</option>
                                    {options}
                                </select>
                            </td>
                            <td class="table__cell">
                                <label class="visually-hidden" for=n_id.clone()>{format!("Progress note for {}", a.id)}</label>
                                <input class="input" type="text" id=n_id.clone() name=n_id maxlength="500" value=now.as_ref().map(|n| n.note.clone()).unwrap_or_default() disabled=!open />
                            </td>
                            <td class="table__cell">
                                <label class="visually-hidden" for=d_id.clone()>{format!("Date of the report for {}", a.id)}</label>
                                <input class="input input--short" type="date" id=d_id.clone() name=d_id value=now.as_ref().map(|n| n.as_of.clone()).unwrap_or_default() disabled=!open />
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            let m_id = format!("message-{}", p.slug);
            view! {
                <section class="plan-form" id=p.slug.clone() aria-labelledby=format!("h-{}", p.slug)>
                    <h2 class="heading-l" id=format!("h-{}", p.slug)>{p.title.clone()}</h2>
                    {(saved.as_deref() == Some(p.slug.as_str())).then(|| view! { <div class="notice" role="status"><p>"Saved."</p></div> })}
                    <form method="post" action=format!("/editions/{}/plan/{}", e.id, p.slug)>
                        <div class="form-group">
                            <label class="label" for=m_id.clone()>"Key message"</label>
                            <p class="hint">"Plain text for the board paper. A blank line starts a paragraph; a line starting \"- \" is a bullet. At most 2,000 characters."</p>
                            <textarea class="textarea" id=m_id name="message" rows="5" maxlength="2000" disabled=!open>{message}</textarea>
                        </div>
                        {table_region(format!("Progress: {}", p.title), view! {
                            <table class="table">
                                <caption class="table__caption">{format!("Progress of the {} actions", p.title)}</caption>
                                <thead><tr>
                                    <th scope="col">"Action"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Note"</th><th scope="col">"As of"</th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        })}
                        {open.then(|| view! { <button class="button" type="submit">{format!("Save {}", p.title)}</button> })}
                    </form>
                </section>
            }
        })
        .collect_view();
    view! {
        <Title text="Progress and key messages" />
        <span class="caption">{format!("Edition {}: {}", e.id, e.label)}</span>
        <h1 class="heading-xl">"Progress and key messages"</h1>
        {if open {
            view! { <p class="body">"Progress starts as the edition it was built on reported it. What you save here is part of this edition: it is shown once the edition is published, and fixed from then on."</p> }.into_any()
        } else {
            view! { <p class="body">"This edition has been published, so its progress and key messages are fixed. Record new ones on a new draft."</p> }.into_any()
        }}
        <p class="body"><a class="link" href=format!("/editions/{}/publish", e.id)>"Back to publishing this edition"</a></p>
        {forms}
    }
    .into_any()
}
