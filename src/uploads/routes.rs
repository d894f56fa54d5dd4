//! The analysts' upload: an ordinary multipart form post (works without
//! JavaScript). Files are validated like the CLI's; if all are valid they
//! are kept (immutable) and compared with the published edition; the
//! analyst then saves a named draft edition and publishes it, or leaves it.
//! Nothing published changes until that publish. Results are kept in the
//! database under a random token and shown by `GET /upload/{token}`
//! (post-redirect-get, so a refresh never uploads twice), on any server.

use super::{
    DRAFT_POLL, DRAFT_WAIT, FETCH_BEAT, FileResult, JobState, RATE_LIMIT, RATE_WINDOW, UploadResult,
};
use crate::accounts::RequireAnalyst;
use crate::accounts::session::random_token;
use crate::ingest::{self, Context};
use crate::preview::{Preview, preview};
use crate::store::{Base, DraftClaim};
use crate::web::respond::{csv_download, plain_text};
use crate::web::state::{AppState, WithStore};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The upload and fetch routes; only `POST /upload` takes large bodies.
pub fn routes(max_body_bytes: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/upload",
            post(receive).layer(DefaultBodyLimit::max(max_body_bytes)),
        )
        .route("/fetch", post(start_fetch))
        .route("/fetch/{job}", get(fetch_status))
        .route("/upload/{token}/errors.csv", get(errors_csv))
        .route(
            "/upload/{token}/draft",
            post(save_draft).layer(DefaultBodyLimit::max(crate::web::guards::FORM_BODY_BYTES)),
        )
}

/// The page for a request body over the limit.
pub fn too_large(max_bytes: usize) -> Response {
    let mb = max_bytes as f64 / 1_048_576.0;
    let body = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>File too large</title>\
         <link rel=\"stylesheet\" href=\"/pkg/hwb-outcomes.css\"></head><body><main class=\"container main\">\
         <h1 class=\"heading-xl\">The file is too large</h1>\
         <p class=\"body\">The largest upload accepted is {mb:.0} MB. Nothing was uploaded and the dashboard is unchanged.</p>\
         <p class=\"body\">Split the data into smaller files, or save a spreadsheet as CSV, and <a class=\"link\" href=\"/upload\">upload again</a>.</p>\
         </main></body></html>"
    );
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Whether a multipart error is the body limit (which may reach us wrapped).
fn over_limit(e: &axum::extract::multipart::MultipartError) -> bool {
    e.status() == StatusCode::PAYLOAD_TOO_LARGE || e.body_text().contains("length limit")
}

/// `POST /upload`: one or several files in the `file` field.
async fn receive(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    WithStore(store): WithStore,
    mut multipart: Multipart,
) -> Response {
    if !state.uploads.allow(&user.email).await {
        return plain_text(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "You have uploaded {RATE_LIMIT} times in the last {} minutes. Wait a few minutes and try again.",
                RATE_WINDOW.as_secs() / 60
            ),
        );
    }
    let mut files = Vec::new();
    let mut sheet = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if over_limit(&e) => return too_large(state.max_body_bytes),
            Err(e) => {
                return plain_text(
                    StatusCode::BAD_REQUEST,
                    format!("The upload could not be read: {e}"),
                );
            }
        };
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload").to_owned();
                match field.bytes().await {
                    Ok(bytes) if bytes.is_empty() && name.is_empty() => {}
                    Ok(bytes) => files.push((name, bytes)),
                    Err(e) if over_limit(&e) => return too_large(state.max_body_bytes),
                    Err(e) => {
                        return plain_text(
                            StatusCode::BAD_REQUEST,
                            format!("The upload could not be read: {e}"),
                        );
                    }
                }
            }
            Some("sheet") => {
                sheet = field.text().await.ok().filter(|s| !s.trim().is_empty());
            }
            _ => {}
        }
    }
    if files.is_empty() {
        return Redirect::to("/upload?error=nofile").into_response();
    }
    match accept(&state, &store, &user, files, sheet).await {
        Ok(result) => Redirect::to(&format!("/upload/{}", result.token)).into_response(),
        Err(r) => r,
    }
}

/// Validates files (named, with their bytes), keeps them if all are valid,
/// previews them against the published edition, and keeps the result for
/// its page: the one path of uploads and of fetches from Fingertips.
async fn accept(
    state: &AppState,
    store: &Arc<crate::store::Store>,
    user: &crate::store::User,
    files: Vec<(String, axum::body::Bytes)>,
    sheet: Option<String>,
) -> Result<Arc<UploadResult>, Response> {
    let published = state.editions.published();
    // Validation is CPU work, and staging the bytes is disk work: both off
    // the async threads, side by side.
    let checked = {
        let (published, store) = (published.clone(), store.clone());
        let catalogue = state.editions.catalogue();
        tokio::task::spawn_blocking(move || {
            let gazetteer = crate::areas::Gazetteer::shared();
            let mut ctx = Context::new(&catalogue, gazetteer);
            if let Some(d) = &published {
                ctx.held_from = d.held_from();
            }
            files
                .into_iter()
                .map(|(name, bytes)| {
                    let ((extract, frame), staged) = store.stage_during(&bytes, || {
                        let mut extract = ingest::read(&name, &bytes, sheet.as_deref(), &ctx);
                        let frame = extract.frame.as_mut().map(|f| store.stage_frame(f));
                        (extract, frame)
                    });
                    (name, bytes.len(), staged, frame, extract)
                })
                .collect::<Vec<_>>()
        })
        .await
    };
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            return Err(plain_text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("Validation failed: {e}"),
            ));
        }
    };
    let all_valid = checked.iter().all(|(_, _, _, _, x)| x.frame.is_some());
    let mut upload_ids = Vec::new();
    let mut summary: Option<Preview> = None;
    let mut results = Vec::new();
    for (name, size, staged, stored, extract) in checked {
        if all_valid && let (Some(frame), Some(stored)) = (extract.frame, stored) {
            let format = extract.report.format.map_or("unknown", |f| f.label());
            let kept = match (staged, stored) {
                (Ok(staged), Ok(stored)) => {
                    store
                        .keep_upload(&name, staged, format, stored, &user.email)
                        .await
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            match kept {
                Ok(u) => upload_ids.push(u.id),
                Err(e) => {
                    return Err(plain_text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("{name} could not be stored: {e}"),
                    ));
                }
            }
            // Metadata has no rows to preview.
            let rows = extract.report.format != Some(ingest::Format::FingertipsMetadata);
            match rows.then(|| preview(&frame, published.as_deref())) {
                Some(Ok(p)) => summary.get_or_insert_with(Preview::default).absorb(p),
                Some(Err(e)) => tracing::error!(error = %e, "cannot preview an upload"),
                None => {}
            }
        }
        results.push(FileResult {
            name,
            size,
            report: extract.report,
        });
    }
    if !all_valid {
        let _ = store
            .record(
                &user.email,
                "upload refused",
                &results
                    .iter()
                    .map(|f| format!("{} ({} errors)", f.name, f.report.error_count()))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
            .await;
    }
    state
        .uploads
        .keep(UploadResult {
            token: random_token(16),
            by: user.email.clone(),
            files: results,
            upload_ids,
            preview: summary,
            base: published.map(|d| (d.edition.id, d.edition.label.clone())),
            draft: None,
            draft_error: None,
        })
        .await
        .map_err(|e| {
            plain_text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("The files were kept, but their result could not be: {e}. Upload them again to see it."),
            )
        })
}

/// `GET /upload/{token}/errors.csv`: every error of every file.
async fn errors_csv(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    Path(token): Path<String>,
) -> Response {
    let Some(result) = state.uploads.get(&token, &user.email).await else {
        return plain_text(
            StatusCode::NOT_FOUND,
            "That upload's report has expired: upload the files again.",
        );
    };
    let rows = result.files.iter().flat_map(|f| &f.report.errors).map(|e| {
        [
            e.file.clone(),
            e.row.map(|r| r.to_string()).unwrap_or_default(),
            e.column.clone().unwrap_or_default(),
            e.value.clone().unwrap_or_default(),
            e.message.clone(),
        ]
    });
    csv_download(
        "upload-errors.csv",
        &["file", "row", "column", "value", "message"],
        rows,
    )
}

#[derive(serde::Deserialize)]
struct Draft {
    label: String,
}

/// `POST /upload/{token}/draft`: saves the draft edition, then asks to
/// publish it.
async fn save_draft(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    Path(token): Path<String>,
    Form(form): Form<Draft>,
) -> Response {
    let (Some(store), Some(result)) = (
        state.editions.store(),
        state.uploads.get(&token, &user.email).await,
    ) else {
        return plain_text(
            StatusCode::NOT_FOUND,
            "That upload has expired: upload the files again.",
        );
    };
    if !result.is_valid() {
        return plain_text(
            StatusCode::BAD_REQUEST,
            "Files with errors cannot make an edition.",
        );
    }
    // Claimed while the draft is built: a second submit, to any server,
    // waits a while for the draft and is sent to it, and makes no edition.
    let waiting_until = tokio::time::Instant::now() + DRAFT_WAIT;
    loop {
        match state.uploads.claim_draft(&token, &user.email).await {
            DraftClaim::Claimed => break,
            DraftClaim::Made(id) => {
                return Redirect::to(&format!("/editions/{id}/publish")).into_response();
            }
            DraftClaim::Busy if tokio::time::Instant::now() < waiting_until => {
                tokio::time::sleep(DRAFT_POLL).await;
            }
            DraftClaim::Busy => {
                return plain_text(
                    StatusCode::CONFLICT,
                    "That draft is still being saved. Look for it on the Editions page in a moment.",
                );
            }
            DraftClaim::Missing => {
                return plain_text(
                    StatusCode::NOT_FOUND,
                    "That upload has expired: upload the files again.",
                );
            }
        }
    }
    // Merging and analysing a large edition is seconds of CPU: run it on
    // the blocking pool, not on an async worker that serves pages. The
    // draft is built on the edition the preview compared with, so that a
    // publish in between is caught when it is published.
    let nation = state.site.nation.code.clone();
    let catalogue = state.editions.catalogue();
    let base = Base::Edition(result.base.as_ref().map(|(id, _)| *id));
    let (label, uploads, by) = (
        form.label.clone(),
        result.upload_ids.clone(),
        user.email.clone(),
    );
    let made = tokio::task::spawn_blocking(move || {
        let gazetteer = crate::areas::Gazetteer::shared();
        let derived =
            |df, meta| crate::analysis::analyse_edition(df, meta, &catalogue, gazetteer, &nation);
        tokio::runtime::Handle::current()
            .block_on(store.create_edition_on(base, &label, &uploads, false, &by, derived))
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match made {
        Ok(e) => {
            state.uploads.finish_draft(&token, Ok(e.id)).await;
            Redirect::to(&format!("/editions/{}/publish", e.id)).into_response()
        }
        Err(e) => {
            state.uploads.finish_draft(&token, Err(&e)).await;
            Redirect::to(&format!("/upload/{token}?error=draft")).into_response()
        }
    }
}

/// `POST /fetch`: "Get the latest from Fingertips". Runs the fetch in the
/// background, then the answers take the upload path (kept, validated,
/// previewed); `GET /fetch/{job}` shows progress, then the result.
async fn start_fetch(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    WithStore(store): WithStore,
) -> Response {
    if !state.uploads.allow(&user.email).await {
        return plain_text(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "You have uploaded or fetched {RATE_LIMIT} times in the last {} minutes. Wait a few minutes and try again.",
                RATE_WINDOW.as_secs() / 60
            ),
        );
    }
    let id = random_token(16);
    if !state.uploads.start_fetch(&id, &user.email).await {
        return plain_text(
            StatusCode::CONFLICT,
            "A fetch from Fingertips is already running. Wait for it to finish, then try again.",
        );
    }
    let job = id.clone();
    tokio::spawn(async move {
        let plan =
            crate::fetch::Plan::for_catalogue(&state.fingertips_url, &state.editions.catalogue());
        // Progress is counted here and written to the database every beat,
        // where the status page, on any server, reads it.
        let counts = Arc::new((AtomicI64::new(0), AtomicI64::new(0)));
        let counted = counts.clone();
        let progress: Arc<crate::fetch::Progress> = Arc::new(move |done, planned| {
            counted.0.store(done as i64, Ordering::Relaxed);
            counted.1.store(planned as i64, Ordering::Relaxed);
        });
        // In a JoinSet, so the beat stops even if this task panics (the
        // set is dropped): a fetch that is not running must not say it is.
        let mut beat = tokio::task::JoinSet::new();
        {
            let (state, job, counts) = (state.clone(), job.clone(), counts.clone());
            beat.spawn(async move {
                loop {
                    let now = (
                        counts.0.load(Ordering::Relaxed),
                        counts.1.load(Ordering::Relaxed),
                    );
                    state
                        .uploads
                        .update_fetch(&job, &JobState::Running(now.0, now.1))
                        .await;
                    tokio::time::sleep(FETCH_BEAT).await;
                }
            });
        }
        let ended = match crate::fetch::run(&plan, progress).await {
            Err(e) => JobState::Failed(format!(
                "Cannot fetch from Fingertips: {e}. Nothing was stored."
            )),
            Ok(outcome) => {
                let files = outcome
                    .files
                    .into_iter()
                    .map(|f| (f.file_name, axum::body::Bytes::from(f.bytes)))
                    .collect();
                match accept(&state, &store, &user, files, None).await {
                    Ok(result) => JobState::Done(result.token.clone()),
                    Err(_) => JobState::Failed(
                        "The answers from Fingertips could not be stored. Nothing was published."
                            .into(),
                    ),
                }
            }
        };
        beat.shutdown().await;
        state.uploads.update_fetch(&job, &ended).await;
    });
    Redirect::to(&format!("/fetch/{id}")).into_response()
}

/// `GET /fetch/{job}`: progress (the page refreshes itself, no script
/// needed), then the upload result it became, or why it failed.
async fn fetch_status(
    State(state): State<AppState>,
    RequireAnalyst(user): RequireAnalyst,
    Path(id): Path<String>,
) -> Response {
    let Some(current) = state.uploads.fetch(&id, &user.email).await else {
        return plain_text(
            StatusCode::NOT_FOUND,
            "That fetch has expired: start it again from the upload page.",
        );
    };
    let (status, refresh, body) = match current {
        JobState::Done(token) => return Redirect::to(&format!("/upload/{token}")).into_response(),
        JobState::Running(done, planned) => (
            StatusCode::OK,
            "<meta http-equiv=\"refresh\" content=\"2\">",
            format!(
                "<h1 class=\"heading-xl\">Getting the latest from Fingertips</h1>\
                 <p class=\"body\" role=\"status\">{done} of {planned} requests done. This page refreshes itself; the checked files and their preview follow.</p>\
                 <progress max=\"{}\" value=\"{done}\">{done} of {planned}</progress>",
                planned.max(1)
            ),
        ),
        JobState::Failed(message) => (
            StatusCode::BAD_GATEWAY,
            "",
            format!(
                "<h1 class=\"heading-xl\">The fetch from Fingertips failed</h1>\
                 <div class=\"error-summary\" role=\"alert\"><p>{}</p></div>\
                 <p class=\"body\">The published edition is unchanged. <a class=\"link\" href=\"/upload\">Back to the upload page</a></p>",
                html_escape::encode_text(&message)
            ),
        ),
    };
    let page = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">{refresh}<title>Fetch from Fingertips</title>\
         <link rel=\"stylesheet\" href=\"/pkg/hwb-outcomes.css\"></head><body><main class=\"container main\">{body}</main></body></html>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}
