//! The plan's handlers: the analysts' forms (an edition's progress and key
//! messages while it is a draft; a new partnership self-assessment), the
//! data the plan pages read before rendering, and the API (JSON and CSV).
//! Every change takes `RequireAnalyst`; `web::guards::reject_cross_site`
//! has already refused other sites.

use super::{Assessments, DraftPlan, action_rows, all_assessments, shown, target_rows};
use crate::accounts::{RequireAnalyst, SignedIn};
use crate::board::{Assessment, MAX_MESSAGE_CHARS, MAX_NOTE_CHARS, Status};
use crate::editions::View;
use crate::web::respond::{bad_request, csv_download};
use crate::web::state::{AppState, WithStore};
use axum::Router;
use axum::extract::{Extension, Form, Path, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/editions/{id}/plan/{slug}", post(save_priority))
        .route("/partnership", post(add_assessment))
        .route("/api/v1/board", get(board_json))
        .route("/api/v1/board/actions.csv", get(actions_csv))
        .route("/api/v1/board/targets.csv", get(targets_csv))
        .route("/api/v1/partnership", get(partnership_json))
        .route("/api/v1/partnership.csv", get(partnership_csv))
}

async fn recorded(state: &AppState) -> Arc<Vec<Assessment>> {
    let store = state.editions.store();
    state.assessments.get(store.as_deref()).await
}

/// Reads what the plan pages show before they render: the assessments for
/// `/partnership`, and a draft's plan for `/editions/{id}/plan`.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::GET {
        return next.run(req).await;
    }
    let path = req.uri().path().to_owned();
    if path == "/partnership" || path == "/partnership/new" {
        let all = all_assessments(&state.site.board, &recorded(&state).await);
        req.extensions_mut().insert(Assessments(Arc::new(all)));
    }
    let signed_in = req
        .extensions()
        .get::<SignedIn>()
        .is_some_and(|s| s.0.is_some());
    if signed_in
        && let Some(id) = path
            .strip_prefix("/editions/")
            .and_then(|rest| rest.strip_suffix("/plan"))
            .and_then(|id| id.parse::<i64>().ok())
        && let Some(store) = state.editions.store()
        && let Ok(edition) = store.edition(id).await
        && let Ok(plan) = store.edition_plan(id).await
    {
        req.extensions_mut().insert(DraftPlan {
            edition,
            plan: Arc::new(plan),
        });
    }
    next.run(req).await
}

/// 404 when the request named an edition that is not public: a board
/// paper's link must not quietly show another edition's reports.
fn not_public(view: &View) -> Option<Response> {
    view.missing
        .as_ref()
        .map(|m| crate::web::respond::plain_text(axum::http::StatusCode::NOT_FOUND, m.clone()))
}

fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// `POST /editions/{id}/plan/{slug}`: one priority's key message and its
/// actions' progress on a draft. Only what changed is recorded.
async fn save_priority(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    WithStore(store): WithStore,
    Path((id, slug)): Path<(i64, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let board = state.site.board.clone();
    let Some(priority) = board.priority(&slug) else {
        return bad_request(format!("There is no priority {slug:?} in the board file."));
    };
    let form: HashMap<&str, &str> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let current = match store.edition_plan(id).await {
        Ok(p) => p,
        Err(e) => return bad_request(e.to_string()),
    };
    // Check everything before recording anything.
    let mut reports = Vec::new();
    for action in &priority.actions {
        let field = |name: &str| {
            form.get(format!("{name}-{}", action.id).as_str())
                .map(|v| v.trim())
        };
        let status = field("status").unwrap_or("");
        if status.is_empty() {
            continue;
        }
        let Some(status) = Status::from_slug(status) else {
            let valid: Vec<&str> = Status::ALL.iter().map(|s| s.slug()).collect();
            return bad_request(format!(
                "Action {}: status {status:?} is not one of {valid:?}.",
                action.id
            ));
        };
        let note = field("note").unwrap_or("");
        if note.chars().count() > MAX_NOTE_CHARS {
            return bad_request(format!(
                "Action {}: the note has {} characters; at most {MAX_NOTE_CHARS}.",
                action.id,
                note.chars().count()
            ));
        }
        let as_of = match field("as_of").unwrap_or("") {
            "" => today(),
            d if is_date(d) => d.to_owned(),
            d => {
                return bad_request(format!(
                    "Action {}: the date {d:?} is not a date written YYYY-MM-DD.",
                    action.id
                ));
            }
        };
        let unchanged = current
            .progress
            .get(&action.id)
            .is_some_and(|p| p.status == status && p.note == note && p.as_of == as_of);
        if !unchanged {
            reports.push((action.id.clone(), status, note.to_owned(), as_of));
        }
    }
    let message = form.get("message").map(|m| m.trim()).unwrap_or("");
    let message = message.replace("\r\n", "\n");
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return bad_request(format!(
            "The key message has {} characters; at most {MAX_MESSAGE_CHARS}.",
            message.chars().count()
        ));
    }
    let message_changed = current
        .messages
        .get(&slug)
        .map(String::as_str)
        .unwrap_or("")
        != message;
    if message_changed && let Err(e) = store.record_message(id, &slug, &message, &user.email).await
    {
        return bad_request(format!("Nothing was saved: {e}"));
    }
    for (action, status, note, as_of) in &reports {
        if let Err(e) = store
            .record_progress(id, action, (*status, note, as_of), &user.email)
            .await
        {
            return bad_request(format!("Not saved: {e}"));
        }
    }
    Redirect::to(&format!("/editions/{id}/plan?saved={slug}#{slug}")).into_response()
}

/// `POST /partnership`: a new self-assessment, checked against the board
/// file's framework.
async fn add_assessment(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    WithStore(store): WithStore,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let board = state.site.board.clone();
    let Some(framework) = &board.partnership else {
        return bad_request("The board file has no partnership framework to assess against.");
    };
    let form: HashMap<&str, &str> = fields.iter().map(|(k, v)| (k.as_str(), v.trim())).collect();
    let text = |k: &str| form.get(k).copied().unwrap_or("").to_owned();
    let (mut levels, mut notes) = (BTreeMap::new(), BTreeMap::new());
    for id in board.descriptor_ids() {
        let level = text(&format!("level-{id}"));
        if !level.is_empty() {
            levels.insert(id.clone(), level);
        }
        let note = text(&format!("note-{id}"));
        if note.chars().count() > MAX_NOTE_CHARS {
            return bad_request(format!(
                "The note for {id} has more than {MAX_NOTE_CHARS} characters."
            ));
        }
        if !note.is_empty() {
            notes.insert(id, note);
        }
    }
    let a = Assessment {
        date: text("date"),
        label: text("label"),
        levels,
        notes,
        overall: text("overall"),
        trajectory: text("trajectory"),
        source: String::new(),
    };
    let long = [&a.label, &a.overall, &a.trajectory]
        .iter()
        .any(|t| t.chars().count() > MAX_NOTE_CHARS);
    if long {
        return bad_request(format!(
            "The label, overall view and trajectory are each at most {MAX_NOTE_CHARS} characters."
        ));
    }
    if let Err(problem) =
        crate::board::check_assessment(&a, &framework.levels, &board.descriptor_ids())
    {
        return bad_request(format!("The assessment was not recorded: {problem}."));
    }
    if let Err(e) = store.add_assessment(&a, &user.email).await {
        return bad_request(format!("The assessment was not recorded: {e}"));
    }
    state.assessments.clear();
    Redirect::to("/partnership?added=1").into_response()
}

#[derive(Serialize)]
struct ProgressJson<'a> {
    status: Status,
    note: &'a str,
    as_of: &'a str,
}

/// `GET /api/v1/board`: the plan with the edition's key messages, progress
/// and target judgements (for the home area).
async fn board_json(State(state): State<AppState>, Extension(view): Extension<View>) -> Response {
    if let Some(refused) = not_public(&view) {
        return refused;
    }
    let board = &state.site.board;
    let (d, plan, previous) = shown(&view);
    let actions = action_rows(board, plan, previous);
    let targets = target_rows(board, d, &state.site.home.code);
    let priorities: Vec<serde_json::Value> = board
        .priorities
        .iter()
        .map(|p| {
            let measures: Vec<serde_json::Value> = p
                .measures
                .iter()
                .map(|m| {
                    let judged: Vec<serde_json::Value> = targets
                        .iter()
                        .filter(|t| std::ptr::eq(t.priority, p) && t.measure == m.text)
                        .map(|t| {
                            serde_json::json!({
                                "indicator": t.target.indicator,
                                "value": t.target.value,
                                "direction": t.target.direction,
                                "by": t.target.by,
                                "source": t.target.source,
                                "latest": t.latest,
                                "period": t.period,
                                "status": t.status,
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "text": m.text,
                        "indicators": m.indicators,
                        "targets": judged,
                        "source": m.source,
                    })
                })
                .collect();
            let acts: Vec<serde_json::Value> = actions
                .iter()
                .filter(|a| std::ptr::eq(a.priority, p))
                .map(|a| {
                    serde_json::json!({
                        "id": a.action.id,
                        "what": a.action.what,
                        "how": a.action.how,
                        "who": a.action.who,
                        "when": a.action.when,
                        "note": a.action.note,
                        "progress": a.progress.map(|pr| ProgressJson { status: pr.status, note: &pr.note, as_of: &pr.as_of }),
                        "changed_since_previous": a.changed,
                    })
                })
                .collect();
            serde_json::json!({
                "slug": p.slug,
                "title": p.title,
                "aim": p.aim,
                "stage": p.stage,
                "key_message": plan.messages.get(&p.slug),
                "measures": measures,
                "actions": acts,
            })
        })
        .collect();
    axum::Json(serde_json::json!({
        "board": board.name,
        "area": board.area,
        "plan": board.plan,
        "illustrative": board.illustrative,
        "edition": d.map(|d| serde_json::json!({"id": d.edition.id, "label": d.edition.label})),
        "headline": board.headline,
        "priorities": priorities,
    }))
    .into_response()
}

/// `GET /api/v1/board/actions.csv`: every action with the edition's progress.
async fn actions_csv(State(state): State<AppState>, Extension(view): Extension<View>) -> Response {
    if let Some(refused) = not_public(&view) {
        return refused;
    }
    let (_, plan, previous) = shown(&view);
    let rows = action_rows(&state.site.board, plan, previous);
    csv_download(
        "actions.csv",
        &[
            "priority",
            "action",
            "what",
            "how",
            "who",
            "when",
            "status",
            "progress_note",
            "as_of",
            "changed_since_previous",
        ],
        rows.into_iter().map(|r| {
            [
                r.priority.slug.clone(),
                r.action.id.clone(),
                r.action.what.clone(),
                r.action.how.clone(),
                r.action.who.clone(),
                r.action.when.clone(),
                r.progress
                    .map(|p| p.status.slug().to_owned())
                    .unwrap_or_default(),
                r.progress.map(|p| p.note.clone()).unwrap_or_default(),
                r.progress.map(|p| p.as_of.clone()).unwrap_or_default(),
                r.changed.to_string(),
            ]
        }),
    )
}

/// `GET /api/v1/board/targets.csv`: every local target, judged.
async fn targets_csv(State(state): State<AppState>, Extension(view): Extension<View>) -> Response {
    if let Some(refused) = not_public(&view) {
        return refused;
    }
    let (d, _, _) = shown(&view);
    let rows = target_rows(&state.site.board, d, &state.site.home.code);
    csv_download(
        "targets.csv",
        &[
            "priority",
            "measure",
            "indicator",
            "target",
            "direction",
            "by",
            "latest",
            "period",
            "status",
            "source",
        ],
        rows.into_iter().map(|r| {
            [
                r.priority.slug.clone(),
                r.measure.to_owned(),
                r.target.indicator.clone(),
                r.target.value.to_string(),
                serde_json::to_value(r.target.direction)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                r.target.by.clone(),
                r.latest.map(|v| v.to_string()).unwrap_or_default(),
                r.period.unwrap_or_default(),
                r.status.label().to_owned(),
                r.target.source.clone(),
            ]
        }),
    )
}

/// `GET /api/v1/partnership`: the framework and every assessment.
async fn partnership_json(State(state): State<AppState>) -> Response {
    let board = &state.site.board;
    let all = all_assessments(board, &recorded(&state).await);
    axum::Json(serde_json::json!({
        "framework": board.partnership.as_ref().map(|p| serde_json::json!({
            "title": p.title,
            "levels": p.levels,
            "domains": p.domains,
        })),
        "assessments": all,
    }))
    .into_response()
}

/// `GET /api/v1/partnership.csv`: one row per assessment and descriptor.
async fn partnership_csv(State(state): State<AppState>) -> Response {
    let board = &state.site.board;
    let all = all_assessments(board, &recorded(&state).await);
    let mut rows = Vec::new();
    if let Some(p) = &board.partnership {
        for a in &all {
            for d in &p.domains {
                for desc in &d.descriptors {
                    rows.push([
                        a.date.clone(),
                        a.label.clone(),
                        d.title.clone(),
                        desc.id.clone(),
                        desc.title.clone(),
                        a.levels.get(&desc.id).cloned().unwrap_or_default(),
                        a.notes.get(&desc.id).cloned().unwrap_or_default(),
                    ]);
                }
            }
        }
    }
    csv_download(
        "partnership.csv",
        &[
            "date",
            "assessment",
            "domain",
            "descriptor_id",
            "descriptor",
            "level",
            "note",
        ],
        rows,
    )
}
