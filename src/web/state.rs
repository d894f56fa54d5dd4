//! What every handler shares. A leaf of the web layer: it names the parts
//! (the site, the editions, the upload registry, the account settings) and
//! imports no handler, so handlers can import it without a cycle.

use crate::accounts::Accounts;
use crate::editions::Editions;
use crate::site::Site;
use crate::uploads::Uploads;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;
use std::time::Instant;

/// Every middleware and handler takes its own copy of the state, so it is
/// one pointer: cloning the parts (the Leptos options are a dozen
/// strings) for each layer was a quarter of the time of a cached page.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub site: Arc<Site>,
    pub editions: Arc<Editions>,
    pub uploads: Arc<Uploads>,
    pub accounts: Arc<Accounts>,
    pub max_body_bytes: usize,
    pub started: Instant,
    /// The Fingertips API the analysts' "Get the latest" reads.
    pub fingertips_url: String,
    /// Recorded partnership self-assessments, read now and then.
    pub assessments: Arc<crate::plan::AssessmentCache>,
    /// Rendered public responses (`web::cache`).
    pub pages: Arc<super::cache::PageCache>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// A handler argument: the store, or 503 when this server has none (fixed
/// editions in tests and tools). After the role extractor, so a visitor is
/// sent to sign in first.
pub struct WithStore(pub Arc<crate::store::Store>);

impl axum::extract::FromRequestParts<AppState> for WithStore {
    type Rejection = axum::response::Response;
    async fn from_request_parts(
        _: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        state
            .editions
            .store()
            .map(WithStore)
            .ok_or_else(super::respond::no_store)
    }
}
