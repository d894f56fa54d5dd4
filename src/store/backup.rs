//! Backup and restore of a whole store, safe while a server uses it.
//!
//! A backup is a folder: `store.sqlite` (one consistent snapshot, taken by
//! SQLite's `VACUUM INTO`), the files that snapshot's rows name (an upload's
//! original bytes and frame, each edition's frame), and `MANIFEST`, written
//! last, listing every file with its size and SHA-256. The snapshot comes
//! first: every file is complete on disk before a row names it and is never
//! changed after, so the files it names are there, whole, whatever the
//! server does meanwhile. Files written after the snapshot are not needed.
//!
//! Restore checks every file against the manifest first. Both assemble their
//! result in a folder beside the target (`NAME.partial`, removed if they
//! fail) and rename it into place when complete, so an interrupted run
//! leaves neither a half backup nor a half store. Neither overwrites
//! anything: the target must be new or empty.

use super::{INDICATORS_SUFFIX, Result, Store, StoreError, io, sync_dir, sync_folder};
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::io::Write;
use std::path::{Path, PathBuf};

const MANIFEST: &str = "MANIFEST";
const DATABASE: &str = "store.sqlite";

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    pub uploads: usize,
    pub editions: usize,
}

fn refuse(message: String) -> StoreError {
    StoreError::NotFound(message)
}

fn sha256_of(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io(path))?;
    Ok(hex::encode(hasher.finalize()))
}

/// Copies `from` to `to` and syncs it.
fn copy_synced(from: &Path, to: &Path) -> Result<u64> {
    let bytes = std::fs::copy(from, to).map_err(io(from))?;
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io(to))?;
    Ok(bytes)
}

/// A folder that does not exist or is empty: the only kind written into.
fn ensure_empty(dir: &Path, what: &str) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(refuse(format!(
                    "{} is not empty: {what} writes only into a new or empty folder, so nothing there is overwritten",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Io {
            path: dir.to_owned(),
            source: e,
        }),
    }
}

/// A folder beside `target` to assemble it in, with empty `uploads/` and
/// `editions/`; refused if one is there already (another run's).
fn assembly_folder(target: &Path, what: &str) -> Result<PathBuf> {
    ensure_empty(target, what)?;
    let name = target
        .file_name()
        .map_or_else(|| "hwb-data".into(), |n| n.to_string_lossy().into_owned());
    let partial = target.with_file_name(format!("{name}.partial"));
    if partial.exists() {
        return Err(refuse(format!(
            "{} exists (another {what} under way, or one interrupted): remove it and try again",
            partial.display()
        )));
    }
    for sub in ["uploads", "editions"] {
        let path = partial.join(sub);
        std::fs::create_dir_all(&path).map_err(io(&path))?;
    }
    Ok(partial)
}

/// Syncs the assembled folder and renames it to `target`, which is then
/// whole or absent. On failure of `assemble`, removes the folder.
async fn assemble_then_rename<T>(
    partial: &Path,
    target: &Path,
    assemble: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let out = match assemble.await {
        Ok(out) => out,
        Err(e) => {
            let _ = std::fs::remove_dir_all(partial);
            return Err(e);
        }
    };
    for sub in ["uploads", "editions"] {
        sync_folder(&partial.join(sub))?;
    }
    sync_folder(partial)?;
    if target.exists() {
        std::fs::remove_dir(target).map_err(io(target))?; // empty, checked before
    }
    std::fs::rename(partial, target).map_err(io(target))?;
    sync_dir(target)?;
    Ok(out)
}

impl Store {
    /// Writes a consistent copy of the store into `dir` (new or empty),
    /// assembled beside it and renamed into place when complete.
    pub async fn backup(&self, dir: &Path) -> Result<Summary> {
        if self.engine != super::Engine::Sqlite {
            return Err(refuse(
                "`hwb-outcomes backup` copies a SQLite store only, so far: back up a PostgreSQL store with pg_dump and the data folder's uploads/ and editions/ (README, \"Deploying at scale\")".into(),
            ));
        }
        if self.files.folder().is_none() {
            return Err(refuse(
                "`hwb-outcomes backup` copies files from the data folder only, so far: with HWB_OBJECT_STORE set, back up the bucket with its own tools (versioning, or a copy of uploads/ and editions/) and the database (README, \"Deploying at scale\")".into(),
            ));
        }
        let partial = assembly_folder(dir, "backup")?;
        assemble_then_rename(&partial, dir, self.backup_into(&partial)).await
    }

    async fn backup_into(&self, dir: &Path) -> Result<Summary> {
        let snapshot = dir.join(DATABASE);
        let Some(snapshot_name) = snapshot.to_str() else {
            return Err(refuse(format!(
                "{} is not a UTF-8 path: choose a plainer folder name",
                dir.display()
            )));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(snapshot_name)
            .execute(&self.pool)
            .await?;

        // The files the snapshot names, read from the snapshot itself.
        let (uploads, editions) = named_files(&snapshot).await?;
        let mut files: Vec<PathBuf> = Vec::new();
        for (id, sha256) in &uploads {
            files.push(Path::new("uploads").join(format!("{sha256}.bin")));
            files.push(Path::new("uploads").join(format!("{id}.parquet")));
        }
        for id in &editions {
            files.push(Path::new("editions").join(format!("{id}.parquet")));
            // Editions made before metadata was kept have none.
            let indicators = Path::new("editions").join(format!("{id}.{INDICATORS_SUFFIX}"));
            if self.dir.join(&indicators).exists() {
                files.push(indicators);
            }
        }
        files.sort();
        files.dedup(); // two uploads of the same bytes share one .bin

        let mut manifest = String::new();
        let mut bytes = 0;
        for file in std::iter::once(PathBuf::from(DATABASE)).chain(files.iter().cloned()) {
            let to = dir.join(&file);
            if file != Path::new(DATABASE) {
                copy_synced(&self.dir.join(&file), &to)?;
            }
            let size = std::fs::metadata(&to).map_err(io(&to))?.len();
            bytes += size;
            manifest += &format!("{}\t{size}\t{}\n", sha256_of(&to)?, file.display());
        }
        std::fs::File::open(&snapshot)
            .and_then(|f| f.sync_all())
            .map_err(io(&snapshot))?;
        let manifest_path = dir.join(MANIFEST);
        let mut out = std::fs::File::create(&manifest_path).map_err(io(&manifest_path))?;
        out.write_all(manifest.as_bytes())
            .and_then(|()| out.sync_all())
            .map_err(io(&manifest_path))?;
        Ok(Summary {
            files: files.len() + 1,
            bytes,
            uploads: uploads.len(),
            editions: editions.len(),
        })
    }
}

/// (upload id, SHA-256) of every upload and the id of every edition.
async fn named_files(database: &Path) -> Result<(Vec<(i64, String)>, Vec<i64>)> {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let options = SqliteConnectOptions::new()
        .filename(database)
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let uploads = sqlx::query("SELECT id, sha256 FROM uploads ORDER BY id")
        .fetch_all(&pool)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let editions = sqlx::query("SELECT id FROM editions ORDER BY id")
        .fetch_all(&pool)
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    pool.close().await;
    Ok((uploads, editions))
}

/// Brings a backup back as the store in `data_dir`, which must not hold a
/// store (new or empty). Every file is checked against the manifest first.
pub async fn restore(backup: &Path, data_dir: &Path) -> Result<Summary> {
    let manifest_path = backup.join(MANIFEST);
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|_| {
        refuse(format!(
            "{} has no readable MANIFEST: it is not a complete backup (`hwb-outcomes backup` writes the MANIFEST last)",
            backup.display()
        ))
    })?;
    ensure_empty(data_dir, "restore")?;
    let mut entries = Vec::new();
    for (n, line) in manifest.lines().enumerate() {
        let mut parts = line.splitn(3, '\t');
        let (Some(sha256), Some(Ok(size)), Some(file)) = (
            parts.next(),
            parts.next().map(str::parse::<u64>),
            parts.next(),
        ) else {
            return Err(refuse(format!(
                "MANIFEST line {} is not \"sha256<TAB>size<TAB>path\": {line:?}",
                n + 1
            )));
        };
        let relative = Path::new(file);
        if relative.is_absolute() || file.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(refuse(format!(
                "MANIFEST line {} names {file:?}, outside the backup",
                n + 1
            )));
        }
        let path = backup.join(relative);
        let actual = std::fs::metadata(&path).map_err(io(&path))?.len();
        if actual != size || sha256_of(&path)? != sha256 {
            return Err(refuse(format!(
                "{} does not match the MANIFEST (size or SHA-256): the backup is damaged, nothing was restored",
                path.display()
            )));
        }
        entries.push((relative.to_owned(), size));
    }
    if !entries.iter().any(|(p, _)| p == Path::new(DATABASE)) {
        return Err(refuse("the MANIFEST lists no store.sqlite".into()));
    }

    // Assemble beside the target, then rename into place.
    let partial = assembly_folder(data_dir, "restore")?;
    let copy = async {
        let mut bytes = 0;
        for (file, _) in &entries {
            bytes += copy_synced(&backup.join(file), &partial.join(file))?;
        }
        Ok(bytes)
    };
    let bytes = assemble_then_rename(&partial, data_dir, copy).await?;

    let store = Store::open(data_dir).await?;
    let summary = Summary {
        files: entries.len(),
        bytes,
        uploads: store.uploads().await?.len(),
        editions: store.editions().await?.len(),
    };
    // The published edition reads back whole, or the restore says so.
    if let Some(edition) = store.published().await? {
        let frame = store.edition_frame(&edition).await?;
        if frame.height() as i64 != edition.rows {
            return Err(refuse(format!(
                "the restored published edition {} has {} rows, not {}",
                edition.id,
                frame.height(),
                edition.rows
            )));
        }
    }
    store.pool.close().await;
    Ok(summary)
}
