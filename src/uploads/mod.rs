//! Uploads and fetches: the results an upload or a fetch from Fingertips
//! produced, kept in memory for their pages under a random token (a leaf
//! the pages and `AppState` read), and the handlers in `routes`.

pub mod routes;

use crate::ingest::report::Report;
use crate::preview::Preview;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Results kept for the result pages, in all and per analyst (so one
/// analyst cannot push out everyone else's), and for how long.
const KEPT: usize = 50;
const KEPT_PER_USER: usize = 10;
const KEPT_FOR: Duration = Duration::from_secs(12 * 3600);
/// Uploads one user may make in `RATE_WINDOW`.
pub const RATE_LIMIT: usize = 20;
pub const RATE_WINDOW: Duration = Duration::from_secs(600);
/// Errors listed on the page; all of them are in the CSV.
pub const LISTED: usize = 200;

pub struct FileResult {
    pub name: String,
    pub size: usize,
    pub report: Report,
}

/// What one upload found.
pub struct UploadResult {
    pub token: String,
    pub by: String,
    pub files: Vec<FileResult>,
    /// The stored uploads, when every file was valid.
    pub upload_ids: Vec<i64>,
    pub preview: Option<Preview>,
    /// The published edition it was compared with.
    pub base: Option<(i64, String)>,
    /// The draft edition saved from it, if any. An async lock, held while
    /// the draft is built, so a double submit makes one edition.
    pub draft: tokio::sync::Mutex<Option<i64>>,
    /// Why saving the draft failed, shown on the result page.
    pub draft_error: Mutex<Option<String>>,
    pub made: Instant,
}

impl UploadResult {
    pub fn is_valid(&self) -> bool {
        !self.upload_ids.is_empty()
    }
}

#[derive(Default)]
pub struct Uploads {
    results: Mutex<Vec<Arc<UploadResult>>>,
    recent: Mutex<Vec<(String, Instant)>>,
    pub fetches: Mutex<Vec<Arc<FetchJob>>>,
}

/// A fetch from Fingertips running in the background for an analyst.
pub struct FetchJob {
    pub id: String,
    pub by: String,
    /// Requests finished and planned.
    pub progress: Mutex<(usize, usize)>,
    pub state: Mutex<JobState>,
}

#[derive(Clone)]
pub enum JobState {
    Running,
    /// One line saying what failed; nothing was stored.
    Failed(String),
    /// The upload result's token.
    Done(String),
}

impl Uploads {
    /// The result under `token`, for its owner only (a token seen by
    /// someone else, in a log say, opens nothing).
    pub fn get(&self, token: &str, owner: &str) -> Option<Arc<UploadResult>> {
        let results = self.results.lock().ok()?;
        results
            .iter()
            .find(|r| r.token == token && r.by == owner && r.made.elapsed() < KEPT_FOR)
            .cloned()
    }

    pub fn keep(&self, result: UploadResult) -> Arc<UploadResult> {
        let result = Arc::new(result);
        if let Ok(mut results) = self.results.lock() {
            results.retain(|r| r.made.elapsed() < KEPT_FOR);
            let mine: Vec<usize> = results
                .iter()
                .enumerate()
                .filter(|(_, r)| r.by == result.by)
                .map(|(i, _)| i)
                .collect();
            if mine.len() >= KEPT_PER_USER {
                results.remove(mine[mine.len() - 1]);
            }
            results.insert(0, result.clone());
            results.truncate(KEPT);
        }
        result
    }

    /// Counts an upload; false when the user is over the limit.
    pub fn allow(&self, who: &str) -> bool {
        let Ok(mut recent) = self.recent.lock() else {
            return false;
        };
        recent.retain(|(_, at)| at.elapsed() < RATE_WINDOW);
        if recent.iter().filter(|(w, _)| w == who).count() >= RATE_LIMIT {
            return false;
        }
        recent.push((who.to_owned(), Instant::now()));
        true
    }
}
