//! The Board's indicators straight from the public Fingertips API
//! (`../shared/research/fingertips-api.md`), as files for the ordinary
//! ingest path: the response bytes are what is kept, validated and
//! previewed, exactly as if an analyst had downloaded and uploaded them.
//!
//! - Data: `all_data/csv/by_indicator_id` for the home area's upper-tier
//!   area type with regions as parents (so England, every region and every
//!   upper-tier area come back), at most 100 IDs a request; indicators with
//!   no data there are asked for again under the previous upper-tier type
//!   (discontinued indicators live only there). `--profile` adds
//!   `all_data/csv/by_profile_id`.
//! - Metadata: `indicator_metadata/csv/by_indicator_id` (polarity, unit,
//!   value type), which judges indicators the catalogue does not list.
//! - Every request has a timeout and is retried with backoff on connection
//!   errors, timeouts, 5xx answers and truncated bodies; a 4xx is final.
//!   Requests run a few at a time.
//!
//! Any failure is one `FetchError` naming the URL and the cause; the caller
//! then stores nothing.

use crate::ingest::{self, Format};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

/// Upper-tier local authorities from April 2023, and the type before it.
pub const AREA_TYPE: u32 = 502;
pub const FALLBACK_AREA_TYPE: u32 = 402;
/// Regions as parents.
pub const PARENT_AREA_TYPE: u32 = 6;
/// The API's limit of IDs per request.
pub const MAX_IDS: usize = 100;

/// What to fetch, and how patiently.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The API's base URL, without a trailing slash.
    pub base: String,
    pub indicators: Vec<String>,
    pub profiles: Vec<u32>,
    pub area_type: u32,
    pub fallback_area_type: u32,
    pub parent_area_type: u32,
    /// IDs per request (at most `MAX_IDS`).
    pub batch: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    pub timeout: Duration,
    /// Tries per request, the first included.
    pub attempts: u32,
    /// The wait before the second try; doubled for each later one.
    pub backoff: Duration,
}

/// A Fingertips indicator ID: a whole number (local IDs are not).
pub fn is_fingertips_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
}

impl Plan {
    /// Every indicator of the catalogue that has a Fingertips ID.
    pub fn for_catalogue(base: &str, catalogue: &crate::catalogue::Catalogue) -> Plan {
        let ids = catalogue
            .iter()
            .filter(|i| is_fingertips_id(&i.id))
            .map(|i| i.id.clone())
            .collect();
        Plan::new(base, ids)
    }

    pub fn new(base: &str, indicators: Vec<String>) -> Plan {
        Plan {
            base: base.trim_end_matches('/').to_owned(),
            indicators,
            profiles: Vec::new(),
            area_type: AREA_TYPE,
            fallback_area_type: FALLBACK_AREA_TYPE,
            parent_area_type: PARENT_AREA_TYPE,
            batch: MAX_IDS,
            concurrency: 2,
            timeout: Duration::from_secs(300),
            attempts: 5,
            backoff: Duration::from_secs(1),
        }
    }
}

/// One response worth keeping: a CSV with at least one row.
#[derive(Debug, Clone)]
pub struct Response {
    /// The name the upload is kept under.
    pub file_name: String,
    pub url: String,
    pub bytes: Vec<u8>,
}

/// What came back.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: Vec<Response>,
    /// Indicators with data, and the area type it came under.
    pub found: BTreeMap<String, u32>,
    /// Indicators asked for that no area type had data for.
    pub missing: Vec<String>,
    /// Indicators Fingertips gave metadata for.
    pub described: usize,
    /// Requests made, retries included.
    pub requests: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("{url}: {cause}")]
pub struct FetchError {
    pub url: String,
    pub cause: String,
}

/// Progress: requests finished and requests planned so far.
pub type Progress = dyn Fn(usize, usize) + Send + Sync;

/// Fetches the plan. Nothing here touches the store.
pub async fn run(plan: &Plan, progress: Arc<Progress>) -> Result<Outcome, FetchError> {
    let client = client(plan)?;
    let ids = unique(&plan.indicators);
    let batch = plan.batch.clamp(1, MAX_IDS);
    let mut requests: Vec<Request> = Vec::new();
    for chunk in ids.chunks(batch) {
        requests.push(Request::data(plan, plan.area_type, chunk));
        requests.push(Request::metadata(plan, chunk));
    }
    for &profile in &plan.profiles {
        requests.push(Request::profile_data(plan, profile));
        requests.push(Request::profile_metadata(plan, profile));
    }
    let tracker = Arc::new(Tracker::new(progress, requests.len()));
    let mut answers = get_all(&client, plan, requests, &tracker).await?;

    // Indicators without data under the current type, once more under the
    // previous one.
    let found_now = found_in(&answers);
    let retry: Vec<String> = ids
        .iter()
        .filter(|id| !found_now.contains_key(*id))
        .cloned()
        .collect();
    if !retry.is_empty() && plan.fallback_area_type != plan.area_type {
        let again: Vec<Request> = retry
            .chunks(batch)
            .map(|chunk| Request::data(plan, plan.fallback_area_type, chunk))
            .collect();
        tracker.plan_more(again.len());
        answers.extend(get_all(&client, plan, again, &tracker).await?);
    }

    let mut outcome = Outcome {
        found: found_in(&answers),
        requests: tracker.requests(),
        ..Outcome::default()
    };
    outcome.missing = ids
        .iter()
        .filter(|id| !outcome.found.contains_key(*id))
        .cloned()
        .collect();
    for a in answers {
        if a.kind == Kind::Metadata {
            outcome.described += a.ids.len();
        }
        if !a.ids.is_empty() {
            outcome.files.push(Response {
                file_name: a.file_name,
                url: a.url,
                bytes: a.bytes,
            });
        }
    }
    if outcome.found.is_empty() {
        return Err(FetchError {
            url: plan.base.clone(),
            cause: format!(
                "Fingertips returned no data for any of the {} indicators asked for (area types {} and {})",
                ids.len() + plan.profiles.len(),
                plan.area_type,
                plan.fallback_area_type
            ),
        });
    }
    Ok(outcome)
}

fn unique(ids: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    ids.iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && seen.insert(s.clone()))
        .collect()
}

fn client(plan: &Plan) -> Result<reqwest::Client, FetchError> {
    // reqwest is built without a TLS crypto provider; ring is ours.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(plan.timeout)
        .connect_timeout(plan.timeout.min(Duration::from_secs(30)))
        .user_agent(concat!("hwb-outcomes/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError {
            url: plan.base.clone(),
            cause: format!("cannot start an HTTP client: {e}"),
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data,
    Metadata,
}

struct Request {
    kind: Kind,
    url: String,
    file_name: String,
}

impl Request {
    fn data(plan: &Plan, area_type: u32, ids: &[String]) -> Request {
        let list = ids.join(",");
        Request {
            kind: Kind::Data,
            url: format!(
                "{}/all_data/csv/by_indicator_id?indicator_ids={list}&child_area_type_id={area_type}&parent_area_type_id={}",
                plan.base, plan.parent_area_type
            ),
            file_name: format!("fingertips-{area_type}-{}.data.csv", short(ids)),
        }
    }

    fn metadata(plan: &Plan, ids: &[String]) -> Request {
        Request {
            kind: Kind::Metadata,
            url: format!(
                "{}/indicator_metadata/csv/by_indicator_id?indicator_ids={}",
                plan.base,
                ids.join(",")
            ),
            file_name: format!("fingertips-{}.metadata.csv", short(ids)),
        }
    }

    fn profile_data(plan: &Plan, profile: u32) -> Request {
        Request {
            kind: Kind::Data,
            url: format!(
                "{}/all_data/csv/by_profile_id?profile_id={profile}&child_area_type_id={}&parent_area_type_id={}",
                plan.base, plan.area_type, plan.parent_area_type
            ),
            file_name: format!("fingertips-profile-{profile}-{}.data.csv", plan.area_type),
        }
    }

    fn profile_metadata(plan: &Plan, profile: u32) -> Request {
        Request {
            kind: Kind::Metadata,
            url: format!(
                "{}/indicator_metadata/csv/by_profile_id?profile_id={profile}",
                plan.base
            ),
            file_name: format!("fingertips-profile-{profile}.metadata.csv"),
        }
    }
}

/// A file name part for a list of IDs: the first and the count.
fn short(ids: &[String]) -> String {
    match ids {
        [one] => one.clone(),
        [first, ..] => format!("{first}-and-{}-more", ids.len() - 1),
        [] => "none".into(),
    }
}

/// A response read and checked.
struct Answer {
    kind: Kind,
    url: String,
    file_name: String,
    bytes: Vec<u8>,
    /// The indicator IDs its rows hold.
    ids: BTreeSet<String>,
}

struct Tracker {
    progress: Arc<Progress>,
    done: std::sync::atomic::AtomicUsize,
    planned: std::sync::atomic::AtomicUsize,
    requests: std::sync::atomic::AtomicUsize,
}

impl Tracker {
    fn new(progress: Arc<Progress>, planned: usize) -> Tracker {
        progress(0, planned);
        Tracker {
            progress,
            done: 0.into(),
            planned: planned.into(),
            requests: 0.into(),
        }
    }

    fn plan_more(&self, n: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        let planned = self.planned.fetch_add(n, Relaxed) + n;
        (self.progress)(self.done.load(Relaxed), planned);
    }

    fn finished(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        let done = self.done.fetch_add(1, Relaxed) + 1;
        (self.progress)(done, self.planned.load(Relaxed));
    }

    fn requested(&self) {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Runs requests `plan.concurrency` at a time; the first failure ends all.
async fn get_all(
    client: &reqwest::Client,
    plan: &Plan,
    requests: Vec<Request>,
    tracker: &Arc<Tracker>,
) -> Result<Vec<Answer>, FetchError> {
    let permits = Arc::new(tokio::sync::Semaphore::new(plan.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, request) in requests.into_iter().enumerate() {
        let (client, plan, permits, tracker) = (
            client.clone(),
            plan.clone(),
            permits.clone(),
            tracker.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let answer = get(&client, &plan, request, &tracker).await;
            tracker.finished();
            (i, answer)
        });
    }
    let mut answers = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, answer) = joined.map_err(|e| FetchError {
            url: plan.base.clone(),
            cause: format!("a request task failed: {e}"),
        })?;
        answers.push((i, answer?));
    }
    // Request order, so uploads are kept in the order they were planned.
    answers.sort_by_key(|(i, _)| *i);
    Ok(answers.into_iter().map(|(_, a)| a).collect())
}

/// One request, retried while the failure may pass.
async fn get(
    client: &reqwest::Client,
    plan: &Plan,
    request: Request,
    tracker: &Tracker,
) -> Result<Answer, FetchError> {
    let mut wait = plan.backoff;
    let mut attempt = 1;
    loop {
        tracker.requested();
        match try_get(client, &request).await {
            Ok(bytes) => return check(request, bytes),
            Err((cause, transient)) if !transient || attempt >= plan.attempts.max(1) => {
                let tries = if attempt > 1 {
                    format!(" (after {attempt} tries)")
                } else {
                    String::new()
                };
                return Err(FetchError {
                    url: request.url,
                    cause: format!("{cause}{tries}"),
                });
            }
            Err((cause, _)) => {
                tracing::warn!(url = %request.url, %cause, attempt, "retrying a Fingertips request");
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
                attempt += 1;
            }
        }
    }
}

/// The body of a 200, or the cause and whether trying again may help.
async fn try_get(client: &reqwest::Client, request: &Request) -> Result<Vec<u8>, (String, bool)> {
    let response = client.get(&request.url).send().await.map_err(|e| {
        let what = if e.is_timeout() {
            "no answer within the time limit"
        } else if e.is_connect() {
            "cannot connect (offline, or the server is down)"
        } else {
            "the request failed"
        };
        (format!("{what}: {}", root_cause(&e)), true)
    })?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| {
        let what = if e.is_timeout() {
            "the answer stopped arriving within the time limit"
        } else {
            "the answer was cut off"
        };
        (format!("{what}: {}", root_cause(&e)), true)
    })?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let said: String = text.trim().chars().take(200).collect();
        let said = if said.is_empty() {
            String::new()
        } else {
            format!(": {said}")
        };
        return Err((
            format!("the server answered {status}{said}"),
            status.is_server_error(),
        ));
    }
    // The API ends every line, the last included, with CRLF: a body that
    // stops mid-line was cut short.
    if !body.is_empty() && !body.ends_with(b"\n") {
        return Err((
            format!(
                "the answer ends mid-line after {} bytes: it was cut short",
                body.len()
            ),
            true,
        ));
    }
    Ok(body.to_vec())
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// A 200 must be the CSV asked for (a proxy's HTML block page is not); its
/// rows' indicator IDs are collected.
fn check(request: Request, bytes: Vec<u8>) -> Result<Answer, FetchError> {
    let fail = |cause: String| FetchError {
        url: request.url.clone(),
        cause,
    };
    let (text, _) = ingest::text::decode(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| fail(format!("not a CSV file: {e}")))?
        .iter()
        .map(str::to_owned)
        .collect();
    let refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let expected = match request.kind {
        Kind::Data => Format::Fingertips,
        Kind::Metadata => Format::FingertipsMetadata,
    };
    if ingest::format_of_header(&refs) != Some(expected) {
        let start: String = text.trim_start().chars().take(80).collect();
        return Err(fail(format!(
            "the answer is not a Fingertips {} CSV (it starts {start:?})",
            match expected {
                Format::FingertipsMetadata => "metadata",
                _ => "data",
            }
        )));
    }
    let at = header
        .iter()
        .position(|h| ingest::columns::normalise(h) == "indicatorid")
        .unwrap_or(0);
    let mut ids = BTreeSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| fail(format!("the CSV cannot be read: {e}")))?;
        if let Some(id) = record.get(at).map(str::trim).filter(|s| !s.is_empty()) {
            ids.insert(id.to_owned());
        }
    }
    Ok(Answer {
        kind: request.kind,
        url: request.url,
        file_name: request.file_name,
        bytes,
        ids,
    })
}

/// Per indicator with data, the area type of the first data answer that
/// held it.
fn found_in(answers: &[Answer]) -> BTreeMap<String, u32> {
    let mut found = BTreeMap::new();
    for a in answers.iter().filter(|a| a.kind == Kind::Data) {
        let area_type = area_type_of(&a.url);
        for id in &a.ids {
            found.entry(id.clone()).or_insert(area_type);
        }
    }
    found
}

fn area_type_of(url: &str) -> u32 {
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix("child_area_type_id="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
