//! Uploads and fetches: the results an upload or a fetch from Fingertips
//! produced, kept for their pages under a random token, the upload rate
//! limit and the fetches' progress, all in the store's database
//! (`store::results`) so that any server can carry on what another began
//! (a leaf the pages and `AppState` read); the handlers are in `routes`.

pub mod routes;

use crate::ingest::report::Report;
use crate::preview::Preview;
use crate::store::{DraftClaim, FetchRow, Store};
use std::sync::Arc;
use std::time::Duration;

/// Results kept for the result pages per analyst, and for how long.
const KEPT_PER_USER: i64 = 10;
const KEPT_FOR: Duration = Duration::from_secs(12 * 3600);
/// Uploads one user may make in `RATE_WINDOW`.
pub const RATE_LIMIT: usize = 20;
pub const RATE_WINDOW: Duration = Duration::from_secs(600);
/// Errors listed on the page; all of them are in the CSV.
pub const LISTED: usize = 200;
/// How long a server may take to build a draft before another may try.
const DRAFTING_FOR: Duration = Duration::from_secs(15 * 60);
/// A second submit of a draft being built waits this long for it (a
/// national draft takes seconds), checking every `DRAFT_POLL`.
pub const DRAFT_WAIT: Duration = Duration::from_secs(30);
pub const DRAFT_POLL: Duration = Duration::from_millis(250);
/// A running fetch writes its progress at least this often; one silent for
/// `FETCH_SILENT` lost its server.
pub const FETCH_BEAT: Duration = Duration::from_secs(2);
const FETCH_SILENT: Duration = Duration::from_secs(60);

#[derive(serde::Serialize, serde::Deserialize)]
pub struct FileResult {
    pub name: String,
    pub size: usize,
    pub report: Report,
}

/// What one upload found.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct UploadResult {
    pub token: String,
    pub by: String,
    pub files: Vec<FileResult>,
    /// The stored uploads, when every file was valid.
    pub upload_ids: Vec<i64>,
    pub preview: Option<Preview>,
    /// The published edition it was compared with.
    pub base: Option<(i64, String)>,
    /// The draft edition saved from it, if any (a column of its own).
    #[serde(skip)]
    pub draft: Option<i64>,
    /// Why saving the draft failed, shown on the result page.
    #[serde(skip)]
    pub draft_error: Option<String>,
}

impl UploadResult {
    pub fn is_valid(&self) -> bool {
        !self.upload_ids.is_empty()
    }
}

/// The registry: a view of the store's working state of uploads. Without
/// a store (a server showing a fixed dataset) nothing is kept.
pub struct Uploads {
    store: Option<Arc<Store>>,
}

/// A fetch from Fingertips as its page shows it.
pub enum JobState {
    /// Requests finished and planned.
    Running(i64, i64),
    /// One line saying what failed; nothing was stored.
    Failed(String),
    /// The upload result's token.
    Done(String),
}

fn ago(d: Duration) -> String {
    let d = chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
    crate::store::rfc3339(chrono::Utc::now() - d)
}

fn ahead(d: Duration) -> String {
    let d = chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero());
    crate::store::rfc3339(chrono::Utc::now() + d)
}

impl Uploads {
    pub fn new(store: Option<Arc<Store>>) -> Uploads {
        Uploads { store }
    }

    /// The result under `token`, for its owner only (a token seen by
    /// someone else, in a log say, opens nothing).
    pub async fn get(&self, token: &str, owner: &str) -> Option<Arc<UploadResult>> {
        let store = self.store.as_ref()?;
        let kept = match store.kept_result(token, owner, &ago(KEPT_FOR)).await {
            Ok(kept) => kept?,
            Err(e) => {
                tracing::error!(error = %e, "cannot read an upload result");
                return None;
            }
        };
        let mut result: UploadResult = match serde_json::from_str(&kept.json) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "an upload result does not read back");
                return None;
            }
        };
        result.draft = kept.draft_id;
        result.draft_error = kept.draft_error;
        Some(Arc::new(result))
    }

    /// Keeps a result for its owner's pages.
    pub async fn keep(&self, result: UploadResult) -> Result<Arc<UploadResult>, String> {
        let store = self.store.as_ref().ok_or("no store")?;
        let json = serde_json::to_string(&result).map_err(|e| e.to_string())?;
        store
            .keep_result(
                &result.token,
                &result.by,
                &json,
                KEPT_PER_USER,
                &ago(KEPT_FOR),
            )
            .await
            .map_err(|e| e.to_string())?;
        Ok(Arc::new(result))
    }

    /// Counts an upload; false when the user is over the limit, or when
    /// the count cannot be kept.
    pub async fn allow(&self, who: &str) -> bool {
        let Some(store) = &self.store else {
            return false;
        };
        store
            .allow_attempt(who, &ago(RATE_WINDOW), RATE_LIMIT as i64)
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot count an upload");
                false
            })
    }

    /// Claims the building of a result's draft for this request.
    pub async fn claim_draft(&self, token: &str, owner: &str) -> DraftClaim {
        let Some(store) = &self.store else {
            return DraftClaim::Missing;
        };
        store
            .claim_draft(token, owner, &ahead(DRAFTING_FOR))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot claim a draft");
                DraftClaim::Busy
            })
    }

    /// Records the draft made from a claimed result, or why it failed.
    pub async fn finish_draft(&self, token: &str, outcome: Result<i64, &str>) {
        if let Some(store) = &self.store
            && let Err(e) = store.finish_draft(token, outcome).await
        {
            tracing::error!(error = %e, "cannot record a draft");
        }
    }

    /// Records a new fetch for `owner`; false if one is running anywhere.
    pub async fn start_fetch(&self, id: &str, owner: &str) -> bool {
        let Some(store) = &self.store else {
            return false;
        };
        store
            .start_fetch_job(id, owner, &ago(FETCH_SILENT), &ago(KEPT_FOR))
            .await
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "cannot record a fetch");
                false
            })
    }

    /// Writes a fetch's progress or its end.
    pub async fn update_fetch(&self, id: &str, state: &JobState) {
        let Some(store) = &self.store else {
            return;
        };
        let (name, detail, progress) = match state {
            JobState::Running(done, planned) => ("running", "", (*done, *planned)),
            JobState::Failed(why) => ("failed", why.as_str(), (0, 0)),
            JobState::Done(token) => ("done", token.as_str(), (0, 0)),
        };
        if let Err(e) = store.update_fetch_job(id, name, detail, progress).await {
            tracing::error!(error = %e, "cannot record a fetch's progress");
        }
    }

    /// A fetch, for its owner only.
    pub async fn fetch(&self, id: &str, owner: &str) -> Option<JobState> {
        let row: FetchRow = self.store.as_ref()?.fetch_job(id, owner).await.ok()??;
        Some(match row.state.as_str() {
            "done" => JobState::Done(row.detail),
            "failed" => JobState::Failed(row.detail),
            _ if row.updated_at < ago(FETCH_SILENT) => JobState::Failed(
                "The server running the fetch stopped before it finished. Nothing was stored; start it again."
                    .into(),
            ),
            _ => JobState::Running(row.done, row.planned),
        })
    }
}
