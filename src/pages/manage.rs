//! Pages for analysts and administrators: sign in, editions (publish and
//! roll back, with a confirmation step), the audit trail and users. The
//! forms post to `crate::accounts::routes` and `crate::publishing::routes`,
//! which check roles on the server; these pages only decide what to show,
//! by the same policy (`accounts::permits`).

use super::common::{day, table_region};
use crate::accounts::{Refusal, SignedIn, permits};
use crate::publishing::ManageData;
use crate::store::{Role, User};
use crate::web::respond::urlencode;
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

fn redirect(to: &str) {
    if let (Some(res), Ok(location)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(to),
    ) {
        res.set_status(http::StatusCode::FOUND);
        res.insert_header(http::header::LOCATION, location);
    }
}

/// The user if they hold `role`; otherwise sends them to sign in (or to
/// change a reset password, or answers 403) and returns the page to show.
pub(super) fn guard(role: Role) -> Result<User, AnyView> {
    let path = use_context::<http::request::Parts>()
        .map(|p| p.uri.to_string())
        .unwrap_or_else(|| "/".to_owned());
    let user = use_user();
    match permits(user.as_ref(), role) {
        Ok(u) => Ok(u.clone()),
        Err(Refusal::SignIn) => {
            redirect(&format!("/login?next={}", urlencode(&path)));
            Err(view! { <p>"Sign in to continue."</p> }.into_any())
        }
        Err(Refusal::MustChangePassword) => {
            redirect("/account/password?reason=reset");
            Err(view! { <p>"Choose a new password to continue."</p> }.into_any())
        }
        Err(Refusal::AdminsOnly) => {
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
                "Too many failed attempts to sign in. For your security, signing in to this account from this address is paused: try again in {} minutes, or from your usual computer.",
                crate::accounts::throttle::WINDOW_MINUTES
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
    // Only a number that names the published edition makes a notice.
    let published = query("published")
        .and_then(|q| q.parse::<i64>().ok())
        .filter(|id| data.editions.iter().any(|e| e.id == *id && e.is_published));
    let current = data.editions.iter().find(|e| e.is_published).map(|e| e.id);
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
            let stale = e.published_at.is_none() && current.is_some() && e.base_id != current;
            let action = if e.is_published {
                None
            } else {
                let verb = if e.published_at.is_some() {
                    "Roll back to this edition"
                } else if stale {
                    "Rebuild or publish"
                } else {
                    "Publish"
                };
                let draft = e.published_at.is_none();
                Some(view! {
                    <a class="link" href=format!("/editions/{}/publish", e.id)>
                        {verb} <span class="visually-hidden">{format!(" {}", e.label)}</span>
                    </a>
                    {draft.then(|| view! {
                        <br />
                        <a class="link" href=format!("/editions/{}/plan", e.id)>
                            "Progress and key messages" <span class="visually-hidden">{format!(" for {}", e.label)}</span>
                        </a>
                    })}
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
        {table_region("Editions", view! {
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
        })}
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
    if !rollback
        && let Some(c) = &current
        && edition.base_id != Some(c.id)
    {
        return stale_draft(&edition, c).into_any();
    }
    let removed = if rollback {
        data.rolled_back(&edition)
            .into_iter()
            .map(|e| {
                format!(
                    "edition {} ({}): {}",
                    e.id,
                    e.label,
                    changed(e, data.files.get(&e.id))
                )
            })
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
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
        {(!removed.is_empty()).then(|| view! {
            <p class="body">"The dashboard will stop showing what these editions added (they stay stored, and can be published again):"</p>
            <ul class="list" id="rollback-removes">{removed.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
        })}
        <form method="post" action=format!("/editions/{}/publish", edition.id)>
            <button class="button" type="submit">{if rollback { "Yes, roll back" } else { "Yes, publish" }}</button>
            " "
            <a class="link" href="/editions">"Cancel"</a>
        </form>
    }
    .into_any()
}

/// A draft built on an edition that is no longer published: publishing it
/// would drop what was published since, so the page offers to rebuild it.
fn stale_draft(edition: &crate::store::Edition, current: &crate::store::Edition) -> impl IntoView {
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::CONFLICT);
    }
    let base = edition
        .base_id
        .map_or("no edition".to_owned(), |b| format!("edition {b}"));
    view! {
        <Title text="Draft out of date" />
        <span class="caption">"Editions"</span>
        <h1 class="heading-xl">"This draft is out of date"</h1>
        <div class="error-summary" role="alert" id="stale-draft">
            <p>{format!(
                "Edition {}, {}, was built on {base}, but edition {}, {}, has been published since. Publishing this draft would remove what edition {} added from the dashboard, so it cannot be published as it is.",
                edition.id, edition.label, current.id, current.label, current.id
            )}</p>
        </div>
        <p class="body">{format!(
            "Rebuild it on edition {}: a new draft with the same files on top of edition {}, which keeps both sets of rows. You then review and publish that draft.",
            current.id, current.id
        )}</p>
        <form method="post" action=format!("/editions/{}/rebuild", edition.id)>
            <button class="button" type="submit">{format!("Rebuild on edition {}", current.id)}</button>
            " "
            <a class="link" href="/editions">"Cancel"</a>
        </form>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    if let Err(v) = guard(Role::Analyst) {
        return v;
    }
    let data = use_manage_data();
    let (total, page) = (data.audit_total, data.audit_page);
    let per_page = crate::publishing::AUDIT_PAGE;
    let pages = ((total + per_page - 1) / per_page).max(1);
    let rows = data
        .audit
        .iter()
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
        <p class="body">{format!("Who signed in, uploaded, made, published or rolled back editions, and when. {total} entries, {per_page} a page; this is page {page} of {pages}.")}</p>
        <nav class="pagination" aria-label="Audit trail pages">
            {(page > 1).then(|| view! { <a class="link" href=format!("/audit?page={}", page - 1)>"Newer entries"</a> })}
            " "
            {(page < pages).then(|| view! { <a class="link" href=format!("/audit?page={}", page + 1)>"Older entries"</a> })}
        </nav>
        <p class="body"><a class="link" href="/audit.csv" download="">"Download the audit trail (CSV, the latest 100,000 entries)"</a></p>
        {table_region("Audit trail", view! {
            <table class="table" id="audit-table">
                <caption class="table__caption">"Audit trail, newest first"</caption>
                <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        })}
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
    let message = users_message(&data);
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
                            <form class="inline-form" method="post" action=format!("/admin/users/{}/password", u.id)>
                                <label class="label" for=format!("reset-{}", u.id)>{format!("Temporary password for {}", u.email)}</label>
                                <input class="input" id=format!("reset-{}", u.id) name="password" type="password" autocomplete="new-password" minlength="12" required />
                                <button class="button button--secondary" type="submit">
                                    "Reset password" <span class="visually-hidden">{format!(" of {}", u.email)}</span>
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
        {message.map(|(class, m)| view! { <div class=class role="status"><p>{m}</p></div> })}
        {table_region("Users", view! {
            <table class="table" id="users-table">
                <caption class="table__caption">"Analysts and administrators"</caption>
                <thead><tr><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"State"</th><th scope="col">"Added"</th><th scope="col">"Action"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        })}
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
                <label class="label" for="new-password">{format!("First password (at least {} characters)", crate::accounts::password::MIN_PASSWORD)}</label>
                <input class="input" id="new-password" name="password" type="password" autocomplete="new-password" required />
            </div>
            <button class="button" type="submit">"Add user"</button>
        </form>
    }
    .into_any()
}

/// The users page's notice, from the fixed codes the handlers send; a
/// user named in it is looked up, never taken from the query.
fn users_message(data: &ManageData) -> Option<(&'static str, String)> {
    let named = || {
        query("user")
            .and_then(|id| id.parse::<i64>().ok())
            .and_then(|id| data.users.iter().find(|u| u.id == id))
    };
    if let Some(done) = query("done") {
        let u = named()?;
        let text = match done.as_str() {
            "added" => format!("Added {} as {}.", u.email, u.role.as_str()),
            "enabled" => format!("{} re-enabled.", u.email),
            "disabled" => format!("{} disabled: their sessions have ended.", u.email),
            "reset" => format!(
                "The password of {} was reset: their sessions have ended, and they choose a new password when they next sign in with the temporary one.",
                u.email
            ),
            _ => return None,
        };
        return Some(("notice", text));
    }
    let min = crate::accounts::password::MIN_PASSWORD;
    let max = crate::accounts::password::MAX_PASSWORD_BYTES;
    let text = match query("error")?.as_str() {
        "role" => "Not added: choose a role, analyst or admin.".to_owned(),
        "email" => "Not added: enter an email address, such as name@example.org.".to_owned(),
        "exists" => "Not added: there is already a user with that email address.".to_owned(),
        "password" => format!("Not saved: a password must be {min} to {max} characters long."),
        "self" => "You cannot disable your own account.".to_owned(),
        "own-reset" => "Change your own password on the Your password page.".to_owned(),
        _ => return None,
    };
    Some(("error-summary", text))
}

/// `/account/password`: a signed-in user changes their password; after an
/// administrator's reset, the only page they can use.
#[component]
pub fn PasswordPage() -> impl IntoView {
    let Some(user) = use_user() else {
        redirect("/login?next=%2Faccount%2Fpassword");
        return view! { <p>"Sign in to continue."</p> }.into_any();
    };
    let min = crate::accounts::password::MIN_PASSWORD;
    let max = crate::accounts::password::MAX_PASSWORD_BYTES;
    let notice = match (query("done").as_deref(), query("error").as_deref()) {
        (Some("changed"), _) => Some((
            "notice",
            "Your password has been changed. Your other sessions have ended.".to_owned(),
        )),
        (_, Some("current")) => Some((
            "error-summary",
            "Your current password is not right.".to_owned(),
        )),
        (_, Some("mismatch")) => Some((
            "error-summary",
            "The new passwords do not match.".to_owned(),
        )),
        (_, Some("length")) => Some((
            "error-summary",
            format!("A password must be {min} to {max} characters long."),
        )),
        _ if user.must_change_password => Some((
            "notice",
            "An administrator reset your password. Choose a new one to continue.".to_owned(),
        )),
        _ => None,
    };
    view! {
        <Title text="Your password" />
        <h1 class="heading-xl">"Your password"</h1>
        {notice.map(|(class, text)| view! { <div class=class role="status"><p>{text}</p></div> })}
        <p class="body">{format!("Signed in as {}.", user.email)}</p>
        <form class="form" method="post" action="/account/password">
            <div class="form-group">
                <label class="label" for="current">{if user.must_change_password { "Temporary password" } else { "Current password" }}</label>
                <input class="input" id="current" name="current" type="password" autocomplete="current-password" required />
            </div>
            <div class="form-group">
                <label class="label" for="new">{format!("New password (at least {min} characters)")}</label>
                <input class="input" id="new" name="new" type="password" autocomplete="new-password" minlength="12" required />
            </div>
            <div class="form-group">
                <label class="label" for="confirm">"New password again"</label>
                <input class="input" id="confirm" name="confirm" type="password" autocomplete="new-password" minlength="12" required />
            </div>
            <button class="button" type="submit">"Change password"</button>
        </form>
    }
    .into_any()
}
