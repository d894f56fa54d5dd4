//! The store: uploads, editions, publications and the audit trail in SQLite
//! or PostgreSQL (sqlx, `database`), frames as Parquet files in the data
//! folder or an S3-compatible bucket (`files`).
//!
//! Invariants:
//! - Nothing is updated or deleted: uploads and editions are immutable, and
//!   publishing or rolling back appends a publication.
//! - A file is complete in its place (written and synced locally, then
//!   renamed into the data folder or put in a bucket: `files`) before any
//!   database row names it, and publishing is one INSERT, so a crash at any
//!   moment leaves the previously published edition intact.
//! - Writes are serialised by one lock per process, and publishing also by
//!   the database (`database::lock_writes`), so two publishes cannot
//!   interleave even from two servers.
//!
//! Every query is written once, in what SQLite and PostgreSQL both read
//! (`database`).

use crate::frame;
use chrono::Utc;
use polars::prelude::*;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};
use std::io::Write;
use std::path::{Path, PathBuf};
use tokio::sync::Mutex;

mod accounts;
mod backup;
mod database;
mod files;
mod plan;
mod results;
mod staging;
mod tables;

use crate::metadata::FORMAT as METADATA_FORMAT;

/// The file name ending of an edition's other-indicator metadata.
const INDICATORS_SUFFIX: &str = "indicators.parquet";
pub use accounts::{AttemptLimits, AuditEntry, Role, User};
pub use backup::{Summary as BackupSummary, restore};
pub use database::{Database, Engine, Publishes};
pub use files::Objects;
use files::{Contents, Files};
pub use results::{DraftClaim, FetchRow, KeptResult};
pub use staging::{Mapped, Staged, StagedFrame};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("store file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("store bucket: {0}")]
    Bucket(String),
    #[error("store frame: {0}")]
    Frame(#[from] PolarsError),
    #[error("{0}")]
    NotFound(String),
    /// A draft built on an edition that is no longer the published one:
    /// publishing it would drop what was published since.
    #[error(
        "edition {edition} was built on {}, but edition {current} is published now: publishing it would drop the rows edition {current} added. Rebuild it on edition {current} first (the Rebuild button on the Editions page, or `hwb-outcomes rebuild {edition}`); the rebuilt draft keeps both sets of rows",
        .base.map_or("no edition".to_owned(), |b| format!("edition {b}"))
    )]
    Stale {
        edition: i64,
        base: Option<i64>,
        current: i64,
    },
}

/// What a new edition is built on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// Whatever is published when it is built (the CLI's ingest).
    Published,
    /// The edition an analyst previewed against (`None`: none was published).
    Edition(Option<i64>),
}

type Result<T> = std::result::Result<T, StoreError>;

/// What `build_edition` makes.
struct NewEdition<'a> {
    on: Base,
    label: &'a str,
    uploads: &'a [i64],
    illustrative: bool,
    /// The stale draft a rebuild replaces.
    replaces: Option<i64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Upload {
    pub id: i64,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub format: String,
    pub rows: i64,
    pub uploaded_at: String,
    pub uploaded_by: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Edition {
    pub id: i64,
    pub label: String,
    pub base_id: Option<i64>,
    pub rows: i64,
    pub illustrative: bool,
    pub created_at: String,
    pub created_by: String,
    /// When it was last published, if ever.
    pub published_at: Option<String>,
    pub is_published: bool,
}

pub struct Store {
    pool: AnyPool,
    engine: Engine,
    /// Where publishes are announced (PostgreSQL's URL), for `publishes`.
    announced: Option<String>,
    /// The local folder: staging, and SQLite's file.
    dir: PathBuf,
    files: Files,
    writes: Mutex<()>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A frame as Parquet. Uncompressed: a frame is mostly dictionary codes
/// and floats, which LZ4 shrank by a sixth for a quarter of the write
/// time. No statistics: frames are always read whole.
///
/// Row groups are converted and encoded on one thread each, a core's worth
/// at a time, and written in order: Polars' own writer turns every
/// categorical column into its Arrow dictionary on one thread, which was
/// most of an upload's wait after validation (docs/PERFORMANCE.md). Each
/// string column is written as an enum of its own strings, which the writer
/// need not prune (`frame::with_own_strings`).
fn write_parquet(file: &mut std::fs::File, path: &Path, frame: &mut DataFrame) -> Result<()> {
    frame.align_chunks_par();
    let frame = &frame::with_own_strings(frame)?;
    // What is written goes out to disk while the next wave is encoded, so
    // that the caller's sync finds little left (only sooner: that sync is
    // what makes the file durable).
    let early = file.try_clone().ok();
    let batched = ParquetWriter::new(&mut *file)
        .with_compression(ParquetCompression::Uncompressed)
        .with_statistics(StatisticsOptions::empty())
        .batched(frame.schema())?;
    let groups = row_groups(frame);
    std::thread::scope(|scope| -> Result<()> {
        for wave in groups.chunks(rayon::current_num_threads()) {
            use rayon::prelude::*;
            let encoded = wave
                .par_iter()
                .map(|group| {
                    batched
                        .encode_and_compress(group)
                        .collect::<PolarsResult<Vec<_>>>()
                })
                .collect::<PolarsResult<Vec<_>>>()?;
            batched.write_row_groups(encoded.into_iter().flatten().collect())?;
            if let Some(file) = &early {
                scope.spawn(move || file.sync_data());
            }
        }
        Ok(())
    })?;
    batched.finish()?;
    drop(batched);
    file.flush().map_err(io(path))
}

/// Rows per Parquet row group at most, as Polars' writer chooses by default.
const ROW_GROUP_ROWS: usize = 512 * 512;

/// The frame's rows as row groups that never straddle two of its chunks
/// (one per piece of a file validated in pieces, aligned across columns):
/// a group made of two chunks is encoded a chunk at a time, more slowly.
fn row_groups(frame: &DataFrame) -> Vec<DataFrame> {
    let lengths: Vec<usize> = match frame.columns().first() {
        Some(column) => column.as_materialized_series().chunk_lengths().collect(),
        None => Vec::new(),
    };
    let mut groups = Vec::new();
    let mut offset = 0;
    for length in lengths {
        for start in (0..length).step_by(ROW_GROUP_ROWS) {
            let rows = (length - start).min(ROW_GROUP_ROWS);
            groups.push(frame.slice((offset + start) as i64, rows));
        }
        offset += length;
    }
    groups
}

/// Makes a rename into `path`'s folder durable.
fn sync_dir(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) => sync_folder(dir),
        None => Ok(()),
    }
}

/// Makes the entries of a folder durable.
fn sync_folder(dir: &Path) -> Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(dir))
}

fn now() -> String {
    rfc3339(Utc::now())
}

/// A time as the store writes it (RFC 3339, seconds, UTC), so that text
/// order is time order.
pub fn rfc3339(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Opens (creating if needed) the store in `dir`, its database SQLite
    /// in the same folder.
    pub async fn open(dir: &Path) -> Result<Store> {
        Self::open_with(dir, &Database::Sqlite, &Objects::Folder).await
    }

    /// Opens (creating if needed) the store with its rows in `database`
    /// and its files in `objects`; `dir` is the local folder (staging, and
    /// the files themselves by default).
    pub async fn open_with(dir: &Path, database: &Database, objects: &Objects) -> Result<Store> {
        let staging = dir.join("uploads");
        std::fs::create_dir_all(&staging).map_err(io(&staging))?;
        let files = Files::open(objects, dir).await?;
        let pool = database::connect(database, dir).await?;
        staging::remove_stale_staging(&staging);
        Ok(Store {
            pool,
            engine: database.engine(),
            announced: match database {
                Database::Postgres(url) => Some(url.clone()),
                Database::Sqlite => None,
            },
            dir: dir.to_owned(),
            files,
            writes: Mutex::new(()),
        })
    }

    /// The engine the store's rows are in.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Listens for publishes by any process on the database: PostgreSQL's
    /// LISTEN/NOTIFY; `None` on SQLite, where servers poll.
    pub async fn publishes(&self) -> Result<Option<Publishes>> {
        match &self.announced {
            Some(url) => Ok(Some(Publishes::listen(url).await?)),
            None => Ok(None),
        }
    }

    /// The metadata of an edition's other indicators; empty for an edition
    /// made before editions kept it.
    pub async fn edition_indicators(&self, edition: &Edition) -> Result<DataFrame> {
        let key = edition_indicators_key(edition.id);
        if !self.files.exists(&key).await? {
            return Ok(crate::metadata::to_frame(&[])?);
        }
        self.read_frame(&key).await
    }

    /// An upload's original bytes (content-addressed).
    pub async fn upload_bytes(&self, sha256: &str) -> Result<Vec<u8>> {
        let key = upload_bytes_key(sha256);
        match self.files.read(&key).await? {
            Contents::Path(path) => std::fs::read(&path).map_err(io(&path)),
            Contents::Bytes(bytes) => Ok(bytes.to_vec()),
        }
    }

    /// Puts a staged file in place under `key`.
    async fn keep_file(&self, key: &str, file: &mut staging::Temporary) -> Result<()> {
        file.kept = self.files.keep(key, &file.path).await?;
        Ok(())
    }

    /// A stored frame, its string columns as plain text (`frame::as_text`),
    /// decoded on the blocking pool.
    async fn read_frame(&self, key: &str) -> Result<DataFrame> {
        let contents = self.files.read(key).await?;
        let decode = move || -> Result<DataFrame> {
            let frame = match contents {
                Contents::Path(path) => {
                    let file = std::fs::File::open(&path).map_err(io(&path))?;
                    ParquetReader::new(file).finish()?
                }
                Contents::Bytes(bytes) => {
                    ParquetReader::new(std::io::Cursor::new(bytes)).finish()?
                }
            };
            Ok(frame::as_text(&frame)?)
        };
        match tokio::task::spawn_blocking(decode).await {
            Ok(frame) => frame,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    /// Keeps an accepted upload: its original bytes and its validated frame.
    pub async fn add_upload(
        &self,
        file_name: &str,
        bytes: &[u8],
        format: &str,
        frame: &mut DataFrame,
        by: &str,
    ) -> Result<Upload> {
        let staged = self.stage(bytes)?;
        let frame = self.stage_frame(frame)?;
        self.keep_upload(file_name, staged, format, frame, by).await
    }

    /// Keeps an accepted upload from its staged bytes and frame (`stage`,
    /// `stage_frame`).
    pub async fn keep_upload(
        &self,
        file_name: &str,
        mut staged: Staged,
        format: &str,
        mut frame: StagedFrame,
        by: &str,
    ) -> Result<Upload> {
        let _guard = self.writes.lock().await;
        let sha256 = staged.sha256.clone();
        let size = staged.size as i64;
        let original = upload_bytes_key(&sha256);
        // Content-addressed: the same bytes uploaded twice are kept once.
        if !self.files.exists(&original).await? {
            self.keep_file(&original, &mut staged.file).await?;
        }
        drop(staged);
        let mut tx = self.pool.begin().await?;
        let uploaded_at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO uploads (file_name, size, sha256, format, rows, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(file_name)
        .bind(size)
        .bind(&sha256)
        .bind(format)
        .bind(frame.rows as i64)
        .bind(&uploaded_at)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        // The frame is in place before the row that names it commits.
        self.keep_file(&upload_frame_key(id), &mut frame.file)
            .await?;
        audit(
            &mut tx,
            by,
            "upload",
            &format!(
                "{file_name} ({size} bytes, sha256 {sha256}, {} rows)",
                frame.rows
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(Upload {
            id,
            file_name: file_name.to_owned(),
            size,
            sha256,
            format: format.to_owned(),
            rows: frame.rows as i64,
            uploaded_at,
            uploaded_by: by.to_owned(),
        })
    }

    /// Assembles a new edition: the published edition (if any) with these
    /// uploads applied in order, a later row revising an earlier one with
    /// the same key. Nothing is removed. Indicator metadata uploads
    /// (`fingertips-metadata`) revise the edition's metadata the same way.
    /// `add_derived` takes (data, metadata) and adds what is computed from
    /// them (`crate::analysis::analyse_edition`); both are stored.
    pub async fn create_edition(
        &self,
        label: &str,
        uploads: &[i64],
        illustrative: bool,
        by: &str,
        add_derived: impl FnOnce(DataFrame, DataFrame) -> PolarsResult<(DataFrame, DataFrame)>,
    ) -> Result<Edition> {
        self.create_edition_on(
            Base::Published,
            label,
            uploads,
            illustrative,
            by,
            add_derived,
        )
        .await
    }

    /// `create_edition` on a chosen base: a draft saved from a preview is
    /// built on the edition the preview compared with, so that publishing
    /// it later can tell whether that is still the published one.
    pub async fn create_edition_on(
        &self,
        on: Base,
        label: &str,
        uploads: &[i64],
        illustrative: bool,
        by: &str,
        add_derived: impl FnOnce(DataFrame, DataFrame) -> PolarsResult<(DataFrame, DataFrame)>,
    ) -> Result<Edition> {
        let what = NewEdition {
            on,
            label,
            uploads,
            illustrative,
            replaces: None,
        };
        self.build_edition(what, by, add_derived).await
    }

    /// Builds an edition; its action progress starts as its base's, and a
    /// rebuilt draft also keeps what was recorded on the draft it replaces.
    async fn build_edition(
        &self,
        what: NewEdition<'_>,
        by: &str,
        add_derived: impl FnOnce(DataFrame, DataFrame) -> PolarsResult<(DataFrame, DataFrame)>,
    ) -> Result<Edition> {
        let NewEdition {
            on,
            label,
            uploads,
            illustrative,
            replaces,
        } = what;
        let label = label.trim();
        if label.is_empty() {
            return Err(StoreError::NotFound(
                "an edition needs a label, such as \"Board, 10 December 2026\"".into(),
            ));
        }
        let _guard = self.writes.lock().await;
        let base = match on {
            Base::Published => self.published().await?,
            Base::Edition(None) => None,
            Base::Edition(Some(id)) => Some(self.edition(id).await?),
        };
        let mut frames = Vec::new();
        let mut metadata = Vec::new();
        if let Some(base) = &base {
            frames.push(self.edition_frame(base).await?);
            metadata.push(self.edition_indicators(base).await?);
        }
        for &id in uploads {
            let key = upload_frame_key(id);
            let format: Option<String> =
                sqlx::query_scalar("SELECT format FROM uploads WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
            let (Some(format), true) = (format, self.files.exists(&key).await?) else {
                return Err(StoreError::NotFound(format!("upload {id} does not exist")));
            };
            let frame = self.read_frame(&key).await?;
            if format == METADATA_FORMAT {
                metadata.push(frame);
            } else {
                frames.push(frame);
            }
        }
        if frames.is_empty() {
            return Err(StoreError::NotFound(
                "an edition needs data: upload an indicator data file with the metadata".into(),
            ));
        }
        let (mut merged, mut indicators) =
            add_derived(merge(frames)?, crate::metadata::merge(metadata)?)?;
        // Written and synced before the transaction, put in place inside it.
        let mut indicators_file = self.stage_frame(&mut indicators)?;
        let mut merged_file = self.stage_frame(&mut merged)?;

        let mut tx = self.pool.begin().await?;
        let created_at = now();
        let id: i64 = sqlx::query(
            "INSERT INTO editions (label, base_id, rows, illustrative, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(label)
        .bind(base.as_ref().map(|b| b.id))
        .bind(merged.height() as i64)
        .bind(i64::from(illustrative))
        .bind(&created_at)
        .bind(by)
        .fetch_one(&mut *tx)
        .await?
        .get(0);
        for (position, upload) in uploads.iter().enumerate() {
            sqlx::query(
                "INSERT INTO edition_uploads (edition_id, upload_id, position) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(upload)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(base) = &base {
            plan::carry_progress(&mut tx, base.id, id, false).await?;
        }
        if let Some(old) = replaces {
            plan::carry_progress(&mut tx, old, id, true).await?;
            plan::carry_messages(&mut tx, old, id).await?;
        }
        self.keep_file(&edition_indicators_key(id), &mut indicators_file.file)
            .await?;
        self.keep_file(&edition_frame_key(id), &mut merged_file.file)
            .await?;
        audit(
            &mut tx,
            by,
            "create edition",
            &format!("{id} {label:?} ({} rows)", merged.height()),
        )
        .await?;
        tx.commit().await?;
        Ok(Edition {
            id,
            label: label.to_owned(),
            base_id: base.map(|b| b.id),
            rows: merged.height() as i64,
            illustrative,
            created_at,
            created_by: by.to_owned(),
            published_at: None,
            is_published: false,
        })
    }

    /// Publishes an edition (or an earlier one again: a rollback). Atomic.
    pub async fn publish(&self, edition_id: i64, by: &str) -> Result<Edition> {
        let _guard = self.writes.lock().await;
        let mut tx = self.pool.begin().await?;
        // Read under the lock: another server may have published meanwhile.
        database::lock_writes(self.engine, &mut tx).await?;
        let edition = Self::edition_on(&mut *tx, edition_id).await?;
        let current: Option<i64> = sqlx::query_scalar(PUBLISHED_ID)
            .fetch_optional(&mut *tx)
            .await?;
        // A draft must be built on what is published now; an edition
        // published before may be published again (a rollback).
        if edition.published_at.is_none()
            && let Some(current) = current
            && edition.base_id != Some(current)
        {
            return Err(StoreError::Stale {
                edition: edition_id,
                base: edition.base_id,
                current,
            });
        }
        if !self.files.exists(&edition_frame_key(edition_id)).await? {
            return Err(StoreError::NotFound(format!(
                "edition {edition_id} has no data file"
            )));
        }
        sqlx::query(
            "INSERT INTO publications (edition_id, published_at, published_by) VALUES ($1, $2, $3)",
        )
        .bind(edition_id)
        .bind(now())
        .bind(by)
        .execute(&mut *tx)
        .await?;
        database::announce_publish(self.engine, &mut tx).await?;
        // Publishing an edition that was published before is a rollback.
        let action = if edition.published_at.is_some() {
            "roll back"
        } else {
            "publish"
        };
        audit(
            &mut tx,
            by,
            action,
            &format!("{edition_id} {:?}", edition.label),
        )
        .await?;
        tx.commit().await?;
        self.edition(edition_id).await
    }

    /// The uploads an edition added, in order.
    pub async fn edition_upload_ids(&self, edition_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT upload_id FROM edition_uploads WHERE edition_id = $1 ORDER BY position",
        )
        .bind(edition_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// A stale draft built again on the published edition: the same
    /// uploads, so both the newer published rows and the draft's are kept.
    pub async fn rebuild_edition(
        &self,
        edition_id: i64,
        by: &str,
        add_derived: impl FnOnce(DataFrame, DataFrame) -> PolarsResult<(DataFrame, DataFrame)>,
    ) -> Result<Edition> {
        let draft = self.edition(edition_id).await?;
        let current = self.published().await?;
        if draft.published_at.is_some() || draft.base_id == current.as_ref().map(|c| c.id) {
            return Err(StoreError::NotFound(format!(
                "edition {edition_id} needs no rebuilding: it is built on the published edition, or was published itself"
            )));
        }
        let uploads = self.edition_upload_ids(edition_id).await?;
        let what = NewEdition {
            on: Base::Published,
            label: &draft.label,
            uploads: &uploads,
            illustrative: draft.illustrative,
            replaces: Some(edition_id),
        };
        self.build_edition(what, by, add_derived).await
    }

    const EDITION_SELECT: &'static str = "SELECT e.id, e.label, e.base_id, e.rows, e.illustrative, e.created_at, e.created_by,
            (SELECT MAX(p.published_at) FROM publications p WHERE p.edition_id = e.id) AS published_at,
            CASE WHEN e.id = (SELECT edition_id FROM publications ORDER BY id DESC LIMIT 1) THEN 1 ELSE 0 END AS is_published
         FROM editions e";

    fn edition_from_row(row: &AnyRow) -> Edition {
        Edition {
            id: row.get("id"),
            label: row.get("label"),
            base_id: row.get("base_id"),
            rows: row.get("rows"),
            illustrative: database::flag(row, "illustrative"),
            created_at: row.get("created_at"),
            created_by: row.get("created_by"),
            published_at: row.get("published_at"),
            is_published: database::flag(row, "is_published"),
        }
    }

    pub async fn edition(&self, id: i64) -> Result<Edition> {
        Self::edition_on(&self.pool, id).await
    }

    async fn edition_on<'e>(
        on: impl sqlx::Executor<'e, Database = sqlx::Any>,
        id: i64,
    ) -> Result<Edition> {
        let row = sqlx::query(&format!("{} WHERE e.id = $1", Self::EDITION_SELECT))
            .bind(id)
            .fetch_optional(on)
            .await?
            .ok_or_else(|| {
                StoreError::NotFound(format!(
                    "there is no edition {id}: `hwb-outcomes editions` lists them"
                ))
            })?;
        Ok(Self::edition_from_row(&row))
    }

    /// Every edition, newest first.
    pub async fn editions(&self) -> Result<Vec<Edition>> {
        let rows = sqlx::query(&format!("{} ORDER BY e.id DESC", Self::EDITION_SELECT))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(Self::edition_from_row).collect())
    }

    pub async fn published(&self) -> Result<Option<Edition>> {
        let id: Option<i64> = sqlx::query_scalar(PUBLISHED_ID)
            .fetch_optional(&self.pool)
            .await?;
        match id {
            Some(id) => Ok(Some(self.edition(id).await?)),
            None => Ok(None),
        }
    }

    pub async fn edition_frame(&self, edition: &Edition) -> Result<DataFrame> {
        self.read_frame(&edition_frame_key(edition.id)).await
    }

    /// An upload's validated frame, as kept.
    pub async fn upload_frame(&self, id: i64) -> Result<DataFrame> {
        self.read_frame(&upload_frame_key(id)).await
    }

    pub async fn uploads(&self) -> Result<Vec<Upload>> {
        let rows = sqlx::query("SELECT id, file_name, size, sha256, format, rows, uploaded_at, uploaded_by FROM uploads ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| Upload {
                id: r.get("id"),
                file_name: r.get("file_name"),
                size: r.get("size"),
                sha256: r.get("sha256"),
                format: r.get("format"),
                rows: r.get("rows"),
                uploaded_at: r.get("uploaded_at"),
                uploaded_by: r.get("uploaded_by"),
            })
            .collect())
    }
}

/// Where an upload's original bytes are kept (content-addressed).
fn upload_bytes_key(sha256: &str) -> String {
    format!("uploads/{sha256}.bin")
}

/// Where an upload's validated frame is kept.
fn upload_frame_key(id: i64) -> String {
    format!("uploads/{id}.parquet")
}

fn edition_frame_key(id: i64) -> String {
    format!("editions/{id}.parquet")
}

/// An edition's other indicators (`crate::metadata`), beside its data.
fn edition_indicators_key(id: i64) -> String {
    format!("editions/{id}.{INDICATORS_SUFFIX}")
}

/// The published edition's id: the newest publication's.
const PUBLISHED_ID: &str = "SELECT edition_id FROM publications ORDER BY id DESC LIMIT 1";

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO audit (at, actor, action, detail) VALUES ($1, $2, $3, $4)")
        .bind(now())
        .bind(actor)
        .bind(action)
        .bind(detail)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stacks frames in order and keeps, for each key, the last row: later
/// uploads revise earlier data, and nothing without a newer row is lost.
pub fn merge(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    // Canonical columns only: an edition's derived columns are recomputed.
    let mut iter = frames.into_iter().map(|f| f.select(frame::COLUMNS));
    let Some(mut all) = iter.next().transpose()? else {
        return Ok(DataFrame::empty());
    };
    for f in iter {
        all.vstack_mut(&f?)?;
    }
    let key: Vec<String> = frame::KEY.iter().map(|s| s.to_string()).collect();
    all.unique_stable(Some(&key), UniqueKeepStrategy::Last, None)
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    #[test]
    fn row_groups_keep_within_chunks_and_their_size() {
        let chunk = |n: usize| df!("x" => vec![1u32; n]).expect("a frame");
        let mut frame = chunk(super::ROW_GROUP_ROWS + 5);
        frame.vstack_mut_owned(chunk(10)).expect("same schema");
        frame.vstack_mut_owned(chunk(0)).expect("same schema");
        frame.vstack_mut_owned(chunk(3)).expect("same schema");
        let groups = super::row_groups(&frame);
        let rows: Vec<usize> = groups.iter().map(DataFrame::height).collect();
        assert_eq!(rows, [super::ROW_GROUP_ROWS, 5, 10, 3]);
        for group in &groups {
            assert_eq!(group.columns()[0].as_materialized_series().n_chunks(), 1);
        }
        assert!(super::row_groups(&chunk(0).clear()).is_empty());
    }
}
