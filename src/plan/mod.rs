//! The Board's plan beside its data: what the plan pages, their CSV files
//! and the API show, computed once here so that a page and its download
//! always agree (targets judged on the latest value, action progress and
//! what changed since the previous edition), and what the plan's pages are
//! given before they render (`Assessments`, `DraftPlan`). The forms and the
//! API are in `routes`.

pub mod routes;

use crate::board::{Action, Assessment, Board, EditionPlan, Priority, Target, TargetStatus};
use crate::dataset::Dataset;
use crate::editions::View;
use crate::store::Edition;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every partnership self-assessment: the board file's, then those
/// analysts recorded, by date.
#[derive(Clone, Default)]
pub struct Assessments(pub Arc<Vec<Assessment>>);

/// The recorded self-assessments, read from the store at most every few
/// seconds (and at once after this server adds one), so `/partnership`
/// does not queue for a database connection on every request.
#[derive(Default)]
pub struct AssessmentCache(Mutex<Option<(Instant, Arc<Vec<Assessment>>)>>);

/// How long another server's new assessment may take to appear here.
const FRESH_FOR: Duration = Duration::from_secs(5);

impl AssessmentCache {
    pub async fn get(&self, store: Option<&crate::store::Store>) -> Arc<Vec<Assessment>> {
        if let Ok(held) = self.0.lock()
            && let Some((at, list)) = held.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return list.clone();
        }
        let Some(store) = store else {
            return Arc::default();
        };
        match store.assessments().await {
            Ok(list) => {
                let list = Arc::new(list);
                if let Ok(mut held) = self.0.lock() {
                    *held = Some((Instant::now(), list.clone()));
                }
                list
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the recorded assessments");
                Arc::default()
            }
        }
    }

    /// Forgets what was read, after this server records an assessment.
    pub fn clear(&self) {
        if let Ok(mut held) = self.0.lock() {
            *held = None;
        }
    }
}

/// The draft whose progress and key messages an analyst is editing.
#[derive(Clone)]
pub struct DraftPlan {
    pub edition: Edition,
    pub plan: Arc<EditionPlan>,
}

/// What an edition without reports (or no edition) reports.
static NO_REPORTS: EditionPlan = EditionPlan {
    progress: BTreeMap::new(),
    messages: BTreeMap::new(),
};

/// The request's edition, when it may be shown, with its reports and the
/// previous edition's (for what changed).
pub fn shown(view: &View) -> (Option<&Dataset>, &EditionPlan, Option<&EditionPlan>) {
    let d = view.dataset.as_deref().filter(|_| view.missing.is_none());
    let plan = d.map_or(&NO_REPORTS, |d| &d.plan);
    (d, plan, view.previous.as_ref().map(|p| &p.plan))
}

/// One local target, judged for the home area in an edition.
pub struct TargetRow<'a> {
    pub priority: &'a Priority,
    pub measure: &'a str,
    pub target: &'a Target,
    pub indicator_title: String,
    pub latest: Option<f64>,
    pub period: Option<String>,
    pub status: TargetStatus,
}

/// Every target of the plan, in the file's order, judged on the area's
/// latest value in `d` (no data when the edition lacks it).
pub fn target_rows<'a>(board: &'a Board, d: Option<&Dataset>, area: &str) -> Vec<TargetRow<'a>> {
    let mut rows = Vec::new();
    for p in &board.priorities {
        for m in &p.measures {
            for t in &m.targets {
                let ind = d.and_then(|d| d.indicator(&t.indicator));
                let point = ind.and_then(|i| i.series(0, area)).and_then(|s| s.latest());
                let latest = point.and_then(|pt| pt.value);
                rows.push(TargetRow {
                    priority: p,
                    measure: &m.text,
                    target: t,
                    indicator_title: ind
                        .map(|i| i.title().to_owned())
                        .unwrap_or_else(|| format!("Indicator {}", t.indicator)),
                    latest,
                    period: ind
                        .zip(point)
                        .map(|(i, pt)| i.period_label(pt.period).to_owned()),
                    status: t.judge(latest),
                });
            }
        }
    }
    rows
}

/// One action with the progress an edition reports.
pub struct ActionRow<'a> {
    pub priority: &'a Priority,
    pub action: &'a Action,
    pub progress: Option<&'a crate::board::Progress>,
    pub changed: bool,
}

pub fn action_rows<'a>(
    board: &'a Board,
    plan: &'a EditionPlan,
    previous: Option<&'a EditionPlan>,
) -> Vec<ActionRow<'a>> {
    board
        .priorities
        .iter()
        .flat_map(|p| p.actions.iter().map(move |a| (p, a)))
        .map(|(priority, action)| ActionRow {
            priority,
            action,
            progress: plan.progress.get(&action.id),
            changed: plan.changed_since(previous, &action.id),
        })
        .collect()
}

/// Everything assessed, oldest first: the board file's, then the store's.
pub fn all_assessments(board: &Board, recorded: &[Assessment]) -> Vec<Assessment> {
    let mut all: Vec<Assessment> = board
        .partnership
        .iter()
        .flat_map(|p| p.assessments.iter().cloned())
        .chain(recorded.iter().cloned())
        .collect();
    all.sort_by(|a, b| a.date.cmp(&b.date));
    all
}
