//! The editions the server shows: the published one, swapped atomically
//! when the store publishes another (also by the CLI: `refresh` polls), and
//! earlier published editions, loaded on demand for links in old board
//! papers and kept in a small cache.
//!
//! Draft editions (never published) are not public: asking for one is the
//! same as asking for an edition that does not exist.

use crate::catalogue::Catalogue;
use crate::dataset::Dataset;
use crate::store::{Edition, Store};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// How many earlier editions stay loaded besides the published one.
const CACHED: usize = 4;

pub struct Editions {
    store: Option<Arc<Store>>,
    catalogue: Arc<Catalogue>,
    published: RwLock<Option<Arc<Dataset>>>,
    /// Editions ever published, newest first (the edition selector's list).
    public: RwLock<Arc<Vec<Edition>>>,
    cache: Mutex<Vec<Arc<Dataset>>>,
    /// One load at a time: concurrent requests for an uncached edition wait
    /// for the first to finish and then share its result, and cycling
    /// through editions cannot hold several in memory at once.
    loading: tokio::sync::Mutex<()>,
    /// Counts changes to what is published or public; never repeats, so a
    /// rendered page keyed by it is never served after such a change.
    generation: AtomicU64,
}

/// What a request shows, resolved once before it is rendered so that the
/// whole response comes from one edition.
#[derive(Clone)]
pub struct View {
    pub dataset: Option<Arc<Dataset>>,
    /// The edition published before this one, for "what changed".
    pub previous: Option<Arc<Dataset>>,
    /// Editions a reader may choose from, newest first.
    pub choices: Arc<Vec<Edition>>,
    /// The request named an edition (links then keep naming it).
    pub pinned: bool,
    /// The request named an edition that is not public.
    pub missing: Option<String>,
    /// `Editions::generation` when this view was resolved.
    pub generation: u64,
}

impl Editions {
    /// Loads the published edition from the store.
    pub async fn open(store: Arc<Store>, catalogue: Arc<Catalogue>) -> Result<Editions, String> {
        let editions = Editions {
            store: Some(store),
            catalogue,
            published: RwLock::new(None),
            public: RwLock::new(Arc::default()),
            cache: Mutex::new(Vec::new()),
            loading: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        };
        editions.refresh().await?;
        Ok(editions)
    }

    /// Fixed datasets, the first one published (for tests and tools).
    pub fn fixed(datasets: Vec<Dataset>, catalogue: Arc<Catalogue>) -> Editions {
        let datasets: Vec<Arc<Dataset>> = datasets.into_iter().map(Arc::new).collect();
        Editions {
            store: None,
            catalogue,
            published: RwLock::new(datasets.first().cloned()),
            public: RwLock::new(Arc::new(
                datasets.iter().map(|d| d.edition.clone()).collect(),
            )),
            cache: Mutex::new(datasets),
            loading: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(0),
        }
    }

    /// The store behind these editions (`None` for fixed test editions).
    pub fn store(&self) -> Option<Arc<Store>> {
        self.store.clone()
    }

    /// The indicator catalogue editions are built with.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue.clone()
    }

    pub fn published(&self) -> Option<Arc<Dataset>> {
        self.published.read().ok().and_then(|p| p.clone())
    }

    /// Changes whenever the published edition or the list of public
    /// editions changes (pages show both).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The editions held in memory: the published one and those cached.
    pub fn resident(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.published().map(|d| d.edition.id).into_iter().collect();
        if let Ok(cache) = self.cache.lock() {
            ids.extend(cache.iter().map(|d| d.edition.id));
        }
        ids
    }

    pub fn choices(&self) -> Arc<Vec<Edition>> {
        self.public.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// Re-reads which edition is published and loads it if it changed. The
    /// swap happens only once the new edition is fully loaded, so readers
    /// see the old one or the new one, never a mixture.
    pub async fn refresh(&self) -> Result<(), String> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let all = store.editions().await.map_err(|e| e.to_string())?;
        let public: Vec<Edition> = all
            .into_iter()
            .filter(|e| e.published_at.is_some())
            .collect();
        let current = public.iter().find(|e| e.is_published).cloned();
        let mut changed = false;
        if let Ok(mut list) = self.public.write()
            && **list != public
        {
            *list = Arc::new(public);
            changed = true;
        }
        let held = self.published().map(|d| d.edition.id);
        if let Some(edition) = current.filter(|e| Some(e.id) != held) {
            let dataset = match self.cached(edition.id) {
                Some(hit) => hit,
                None => self.load(edition).await?,
            };
            if let Ok(mut p) = self.published.write() {
                *p = Some(dataset);
            }
            changed = true;
        }
        if changed {
            // After both writes: a view read meanwhile has the old number.
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// A public edition by id, loading it if need be.
    pub async fn get(&self, id: i64) -> Result<Option<Arc<Dataset>>, String> {
        if let Some(p) = self.published().filter(|d| d.edition.id == id) {
            return Ok(Some(p));
        }
        if let Some(hit) = self.cached(id) {
            return Ok(Some(hit));
        }
        let Some(edition) = self.choices().iter().find(|e| e.id == id).cloned() else {
            return Ok(None);
        };
        Ok(Some(self.load(edition).await?))
    }

    /// The edition published before `edition`, if any.
    pub async fn previous(&self, edition: &Edition) -> Option<Arc<Dataset>> {
        let before = self
            .choices()
            .iter()
            .filter(|e| e.id < edition.id)
            .max_by_key(|e| e.id)
            .map(|e| e.id)?;
        self.get(before).await.ok().flatten()
    }

    /// Resolves a request's `edition` query value.
    pub async fn view(&self, requested: Option<&str>) -> View {
        let generation = self.generation();
        let choices = self.choices();
        let (dataset, missing) = match requested {
            None | Some("") => (self.published(), None),
            Some(text) => match text.parse::<i64>() {
                Ok(id) => match self.get(id).await {
                    Ok(Some(d)) => (Some(d), None),
                    Ok(None) => (None, Some(format!("There is no published edition {id}."))),
                    Err(e) => {
                        tracing::error!(edition = id, error = %e, "cannot load edition");
                        (None, Some(format!("Edition {id} cannot be loaded.")))
                    }
                },
                // The request's own text is not repeated on the page.
                Err(_) => (None, Some("That is not an edition number.".to_owned())),
            },
        };
        let previous = match &dataset {
            Some(d) => self.previous(&d.edition).await,
            None => None,
        };
        View {
            dataset,
            previous,
            choices,
            pinned: requested.is_some_and(|r| !r.is_empty()),
            missing,
            generation,
        }
    }

    fn cached(&self, id: i64) -> Option<Arc<Dataset>> {
        let cache = self.cache.lock().ok()?;
        cache.iter().find(|d| d.edition.id == id).cloned()
    }

    async fn load(&self, edition: Edition) -> Result<Arc<Dataset>, String> {
        let Some(store) = self.store.clone() else {
            return Err("no store".to_owned());
        };
        let _one_at_a_time = self.loading.lock().await;
        if let Some(hit) = self.cached(edition.id) {
            return Ok(hit);
        }
        let catalogue = self.catalogue.clone();
        let id = edition.id;
        let started = std::time::Instant::now();
        let plan = store.edition_plan(id).await.map_err(|e| e.to_string())?;
        let frame = store
            .edition_frame(&edition)
            .await
            .map_err(|e| e.to_string())?;
        // The catalogue and the edition's own other indicators.
        let others = store
            .edition_indicators(&edition)
            .await
            .and_then(|m| Ok(crate::metadata::from_frame(&m)?))
            .map_err(|e| e.to_string())?;
        let dataset = tokio::task::spawn_blocking(move || {
            let mut dataset = Dataset::build(edition, &frame, &catalogue.with(others))
                .map_err(|e| e.to_string())?;
            dataset.plan = plan;
            Ok::<_, String>(dataset)
        })
        .await
        .map_err(|e| e.to_string())??;
        tracing::info!(
            edition = id,
            ms = started.elapsed().as_millis() as u64,
            "edition loaded"
        );
        let dataset = Arc::new(dataset);
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|d| d.edition.id != id);
            cache.insert(0, dataset.clone());
            cache.truncate(CACHED);
        }
        Ok(dataset)
    }
}
