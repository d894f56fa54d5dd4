//! Pages for analysts and administrators: sign in, editions (publish and
//! roll back, with a confirmation step), the audit trail and users. The
//! forms post to `crate::auth` and `crate::manage`, which check roles on
//! the server; these pages only decide what to show.

use super::common::day;
use crate::auth::SignedIn;
use crate::manage::ManageData;
use crate::store::{Role, User};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// The signed-in user of this request.
pub fn use_user() -> Option<User> {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<SignedIn>().cloned())
        .and_then(|s| s.0)
}

fn use_manage_data() -> ManageData {
    use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<ManageData>().cloned())
        .unwrap_or_default()
}

fn query(name: &str) -> Option<String> {
    use_query_map().with_untracked(|q| q.get(name))
}

/// The user if they hold `role`; otherwise sends them to sign in (or
/// answers 403) and returns `None`.
pub(super) fn guard(role: Role) -> Result<User, AnyView> {
    let path = use_context::<http::request::Parts>()
        .map(|p| p.uri.to_string())
        .unwrap_or_else(|| "/".to_owned());
    match use_user() {
        None => {
            let to = format!("/login?next={}", crate::auth::urlencode(&path));
            if let (Some(res), Ok(location)) = (
                use_context::<leptos_axum::ResponseOptions>(),
                http::HeaderValue::from_str(&to),
            ) {
                res.set_status(http::StatusCode::FOUND);
                res.insert_header(http::header::LOCATION, location);
            }
            Err(view! { <p>"Sign in to continue."</p> }.into_any())
        }
        Some(u) if role == Role::Admin && u.role != Role::Admin => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::FORBIDDEN);
            }
            Err(view! {
                <Title text="Not allowed" />
                <h1 class="heading-xl">"Only administrators can see this page"</h1>
                <p class="body">"Ask an administrator if you need a user added or changed."</p>
            }
            .into_any())
        }
        Some(u) => Ok(u),
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let next = query("next").unwrap_or_default();
    let error = query("error");
    let message = match error.as_deref() {
        Some("invalid") => Some((
            "error-summary",
            "The email address or password is not right. Check them and try again.".to_owned(),
        )),
        Some("throttled") => Some((
            "error-summary",
            format!(
                "Too many failed attempts to sign in. For your security, signing in to this account or from this address is paused: try again in {} minutes.",
                crate::auth::FAILURE_WINDOW_MINUTES
            ),
        )),
        Some("signed-out") => Some(("notice", "You have signed out.".to_owned())),
        _ => None,
    };
    if error.as_deref() == Some("throttled")
        && let Some(res) = use_context::<leptos_axum::ResponseOptions>()
    {
        res.set_status(http::StatusCode::TOO_MANY_REQUESTS);
    }
    view! {
        <Title text="Sign in" />
        <h1 class="heading-xl">"Sign in"</h1>
        {message.map(|(class, text)| view! {
            <div class=class role="alert" tabindex="-1"><p>{text}</p></div>
        })}
        <p class="body">"Analysts and administrators sign in to upload data and publish editions. The dashboard itself needs no account."</p>
        <form class="form" method="post" action="/login">
            <input type="hidden" name="next" value=next />
            <div class="form-group">
                <label class="label" for="email">"Email address"</label>
                <input class="input" id="email" name="email" type="email" autocomplete="username" required />
            </div>
            <div class="form-group">
                <label class="label" for="password">"Password"</label>
                <input class="input" id="password" name="password" type="password" autocomplete="current-password" required />
            </div>
            <button class="button" type="submit">"Sign in"</button>
        </form>
    }
}

#[component]
pub fn EditionsPage() -> impl IntoView {
    let user = match guard(Role::Analyst) {
        Ok(u) => u,
        Err(v) => return v,
    };
    let data = use_manage_data();
    let published = query("published");
    let rows = data
        .editions
        .iter()
        .map(|e| {
            let status = if e.is_published {
                "Published (current)".to_owned()
            } else if let Some(at) = &e.published_at {
                format!("Published before, last on {}", day(at))
            } else {
                "Draft".to_owned()
            };
            let action = if e.is_published {
                None
            } else {
                let verb = if e.published_at.is_some() { "Roll back to this edition" } else { "Publish" };
                Some(view! {
                    <a class="link" href=format!("/editions/{}/publish", e.id)>
                        {verb} <span class="visually-hidden">{format!(" {}", e.label)}</span>
                    </a>
                })
            };
            view! {
                <tr>
                    <td class="table__cell--numeric">{e.id}</td>
                    <th scope="row">{e.label.clone()}{e.illustrative.then_some(" (illustrative data)")}</th>
                    <td>{status}</td>
                    <td class="table__cell--numeric">{crate::numbers::number(e.rows as f64, 0)}</td>
                    <td>{format!("{} by {}", day(&e.created_at), e.created_by)}</td>
                    <td>{changed(e, data.files.get(&e.id))}</td>
                    <td>{action}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text="Editions" />
        <h1 class="heading-xl">"Editions"</h1>
        {published.map(|id| view! {
            <div class="notice" role="status"><p>{format!("Edition {id} is now published. The dashboard shows it.")}</p></div>
        })}
        <p class="body">{format!(
            "Signed in as {}. Every edition stays readable; publishing an earlier one again rolls back to it. Publishing asks you to confirm first.",
            user.email
        )}</p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Editions">
            <table class="table" id="editions-table">
                <caption class="table__caption">"Editions, newest first"</caption>
                <thead>
                    <tr>
                        <th scope="col" class="table__cell--numeric">"Number"</th>
                        <th scope="col">"Label"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col" class="table__cell--numeric">"Rows"</th>
                        <th scope="col">"Made"</th>
                        <th scope="col">"What it changed"</th>
                        <th scope="col">"Action"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="body"><a class="link" href="/audit">"Audit trail"</a></p>
    }
    .into_any()
}

/// What an edition changed: the edition it was built on and the files it
/// added.
fn changed(e: &crate::store::Edition, files: Option<&Vec<(String, i64)>>) -> String {
    let base = e
        .base_id
        .map_or("A first edition".to_owned(), |b| format!("Edition {b}"));
    match files {
        Some(files) if !files.is_empty() => format!(
            "{base} plus {}",
            files
                .iter()
                .map(|(name, rows)| format!(
                    "{name} ({} rows)",
                    crate::numbers::number(*rows as f64, 0)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => base,
    }
}

/// `GET /editions/{id}/publish`: the confirmation step.
#[component]
pub fn PublishConfirmPage() -> impl IntoView {
    if let Err(v) = guard(Role::Analyst) {
        return v;
    }
    let id: i64 = use_params_map()
        .with_untracked(|p| p.get("id"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(-1);
    let data = use_manage_data();
    let Some(edition) = data.editions.iter().find(|e| e.id == id).cloned() else {
        return view! { <super::NotFound /> }.into_any();
    };
    let current = data.editions.iter().find(|e| e.is_published).cloned();
    let rollback = edition.published_at.is_some();
    view! {
        <Title text="Confirm publication" />
        <span class="caption">"Editions"</span>
        <h1 class="heading-xl">{if rollback { "Roll back to this edition?" } else { "Publish this edition?" }}</h1>
        <p class="lead">{format!("Edition {}: {} ({} rows)", edition.id, edition.label, crate::numbers::number(edition.rows as f64, 0))}</p>
        <p class="body">{changed(&edition, data.files.get(&edition.id))}.</p>
        <p class="body">{match &current {
            Some(c) => format!("It will replace edition {}, {}, on the public dashboard at once. Nothing is deleted: you can publish edition {} again later.", c.id, c.label, c.id),
            None => "It will be shown on the public dashboard at once.".to_owned(),
        }}</p>
        <form method="post" action=format!("/editions/{}/publish", edition.id)>
            <button class="button" type="submit">{if rollback { "Yes, roll back" } else { "Yes, publish" }}</button>
            " "
            <a class="link" href="/editions">"Cancel"</a>
        </form>
    }
    .into_any()
}

#[component]
pub fn AuditPage() -> impl IntoView {
    if let Err(v) = guard(Role::Analyst) {
        return v;
    }
    let data = use_manage_data();
    let total = data.audit.len();
    let rows = data
        .audit
        .iter()
        .take(500)
        .map(|e| {
            view! {
                <tr>
                    <td>{e.at.clone()}</td>
                    <td>{e.actor.clone()}</td>
                    <td>{e.action.clone()}</td>
                    <td>{e.detail.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text="Audit trail" />
        <h1 class="heading-xl">"Audit trail"</h1>
        <p class="body">{format!("Who signed in, uploaded, made, published or rolled back editions, and when. {total} entries; the latest 500 are shown.")}</p>
        <p class="body"><a class="link" href="/audit.csv" download="">"Download the whole audit trail (CSV)"</a></p>
        <div class="table-wrap" tabindex="0" role="region" aria-label="Audit trail">
            <table class="table" id="audit-table">
                <caption class="table__caption">"Audit trail, newest first"</caption>
                <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let admin = match guard(Role::Admin) {
        Ok(u) => u,
        Err(v) => return v,
    };
    let data = use_manage_data();
    let message = query("message");
    let rows = data
        .users
        .iter()
        .map(|u| {
            let (label, to) = if u.active { ("Disable", "false") } else { ("Re-enable", "true") };
            let own = u.id == admin.id;
            view! {
                <tr>
                    <th scope="row">{u.email.clone()}</th>
                    <td>{u.role.as_str()}</td>
                    <td>{if u.active { "Active" } else { "Disabled" }}</td>
                    <td>{day(&u.created_at).to_owned()}</td>
                    <td>
                        {(!own).then(|| view! {
                            <form method="post" action=format!("/admin/users/{}/active", u.id)>
                                <input type="hidden" name="active" value=to />
                                <button class="button button--secondary" type="submit">
                                    {label} <span class="visually-hidden">{format!(" {}", u.email)}</span>
                                </button>
                            </form>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text="Users" />
        <h1 class="heading-xl">"Users"</h1>
        {message.map(|m| view! { <div class="notice" role="status"><p>{m}</p></div> })}
        <div class="table-wrap" tabindex="0" role="region" aria-label="Users">
            <table class="table" id="users-table">
                <caption class="table__caption">"Analysts and administrators"</caption>
                <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"State"</th><th scope="col">"Added"</th><th scope="col">"Action"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2 class="heading-l">"Add a user"</h2>
        <form class="form" method="post" action="/admin/users">
            <div class="form-group">
                <label class="label" for="new-email">"Email address"</label>
                <input class="input" id="new-email" name="email" type="email" autocomplete="off" required />
            </div>
            <div class="form-group">
                <label class="label" for="new-role">"Role"</label>
                <select class="select" id="new-role" name="role">
                    <option value="analyst">"Analyst: uploads and publishes"</option>
                    <option value="admin">"Administrator: also manages users"</option>
                </select>
            </div>
            <div class="form-group">
                <label class="label" for="new-password">{format!("First password (at least {} characters)", crate::auth::MIN_PASSWORD)}</label>
                <input class="input" id="new-password" name="password" type="password" autocomplete="new-password" required />
            </div>
            <button class="button" type="submit">"Add user"</button>
        </form>
    }
    .into_any()
}
