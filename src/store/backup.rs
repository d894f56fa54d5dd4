//! Backup and restore of a whole store, safe while servers use it, on
//! either engine and either place for files; a backup of one restores into
//! the other (how a Board moves from one server to several, or back).
//!
//! A backup is a folder: `store.sqlite` (one consistent snapshot: SQLite's
//! `VACUUM INTO`, or every PostgreSQL table copied from one REPEATABLE READ
//! transaction, `tables`), the files that snapshot's rows name (an upload's
//! original bytes and frame, each edition's frames), from the data folder
//! or the bucket, and `MANIFEST`, written last, listing every file with its
//! size and SHA-256. The snapshot comes first: every file is in place
//! before a row names it and is never changed after, so the files it names
//! are there, whole, whatever the servers do meanwhile.
//!
//! Restore checks every file against the manifest first, then that the
//! target holds nothing (an empty folder, a database without rows, no
//! different file in the bucket under a backup's name), and puts files in
//! place before the rows that name them. A backup, or a restore into a
//! folder, is assembled beside its target (`NAME.partial`, removed if it
//! fails) and renamed into place when complete, so an interrupted run
//! leaves neither a half backup nor a half store.

use super::database::{self, Database, Engine};
use super::files::{Files, Objects, sha256_of};
use super::{INDICATORS_SUFFIX, Result, Store, StoreError, io, sync_dir, sync_folder, tables};
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
        let partial = assembly_folder(dir, "backup")?;
        assemble_then_rename(&partial, dir, self.backup_into(&partial)).await
    }

    async fn backup_into(&self, dir: &Path) -> Result<Summary> {
        let snapshot = dir.join(DATABASE);
        match self.engine {
            Engine::Sqlite => self.vacuum_into(&snapshot).await?,
            Engine::Postgres => self.copy_into(&snapshot).await?,
        }

        // The files the snapshot names, read from the snapshot itself.
        let (uploads, editions) = named_files(&snapshot).await?;
        let mut keys: Vec<String> = Vec::new();
        for (id, sha256) in &uploads {
            keys.push(format!("uploads/{sha256}.bin"));
            keys.push(format!("uploads/{id}.parquet"));
        }
        for id in &editions {
            keys.push(format!("editions/{id}.parquet"));
            // Editions made before metadata was kept have none.
            let indicators = format!("editions/{id}.{INDICATORS_SUFFIX}");
            if self.files.exists(&indicators).await? {
                keys.push(indicators);
            }
        }
        keys.sort();
        keys.dedup(); // two uploads of the same bytes share one .bin

        let mut manifest = String::new();
        let mut bytes = 0;
        for key in std::iter::once(DATABASE.to_owned()).chain(keys.iter().cloned()) {
            let to = dir.join(&key);
            if key != DATABASE {
                self.files.copy_out(&key, &to).await?;
            }
            let size = std::fs::metadata(&to).map_err(io(&to))?.len();
            bytes += size;
            manifest += &format!("{}\t{size}\t{key}\n", sha256_of(&to)?);
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
            files: keys.len() + 1,
            bytes,
            uploads: uploads.len(),
            editions: editions.len(),
        })
    }

    /// SQLite's own consistent copy, taken while others write.
    async fn vacuum_into(&self, snapshot: &Path) -> Result<()> {
        let Some(name) = snapshot.to_str() else {
            return Err(refuse(format!(
                "{} is not a UTF-8 path: choose a plainer folder name",
                snapshot.display()
            )));
        };
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every table of a PostgreSQL store copied into a new SQLite snapshot
    /// from one REPEATABLE READ transaction: one moment, as `VACUUM INTO`
    /// gives, while servers go on writing.
    async fn copy_into(&self, snapshot: &Path) -> Result<()> {
        let target = database::open_snapshot(snapshot).await?;
        let mut to = target.begin().await?;
        let tables = tables::schema(&mut to).await?;
        let mut from = self.pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *from)
            .await?;
        tables::copy(&tables, &mut from, &mut to).await?;
        from.rollback().await?;
        to.commit().await?;
        target.close().await;
        Ok(())
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

/// One file a backup's MANIFEST lists, checked against it.
struct Entry {
    key: String,
    sha256: String,
}

/// Reads the MANIFEST and checks every file it lists: size and SHA-256.
fn checked_manifest(backup: &Path) -> Result<Vec<Entry>> {
    let manifest_path = backup.join(MANIFEST);
    let manifest = std::fs::read_to_string(&manifest_path).map_err(|_| {
        refuse(format!(
            "{} has no readable MANIFEST: it is not a complete backup (`hwb-outcomes backup` writes the MANIFEST last)",
            backup.display()
        ))
    })?;
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
        if Path::new(file).is_absolute() || file.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(refuse(format!(
                "MANIFEST line {} names {file:?}, outside the backup",
                n + 1
            )));
        }
        let path = backup.join(file);
        let actual = std::fs::metadata(&path).map_err(io(&path))?.len();
        if actual != size || sha256_of(&path)? != sha256 {
            return Err(refuse(format!(
                "{} does not match the MANIFEST (size or SHA-256): the backup is damaged, nothing was restored",
                path.display()
            )));
        }
        entries.push(Entry {
            key: file.to_owned(),
            sha256: sha256.to_owned(),
        });
    }
    if !entries.iter().any(|e| e.key == DATABASE) {
        return Err(refuse("the MANIFEST lists no store.sqlite".into()));
    }
    Ok(entries)
}

/// A copy of a backup's snapshot brought up to this version's schema, in
/// the system's temporary folder and removed when dropped: what a restore
/// into PostgreSQL reads from (the backup itself is never changed).
struct Upgraded {
    file: PathBuf,
    pool: sqlx::AnyPool,
}

impl Upgraded {
    async fn of(snapshot: &Path) -> Result<Upgraded> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let file =
            std::env::temp_dir().join(format!("hwb-restore-{}-{nanos}.sqlite", std::process::id()));
        std::fs::copy(snapshot, &file).map_err(io(&file))?;
        match database::open_snapshot(&file).await {
            Ok(pool) => Ok(Upgraded { file, pool }),
            Err(e) => {
                let _ = std::fs::remove_file(&file);
                Err(e)
            }
        }
    }
}

impl Drop for Upgraded {
    fn drop(&mut self) {
        for ending in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.file.clone().into_os_string();
            name.push(ending);
            let _ = std::fs::remove_file(name);
        }
    }
}

/// Brings a backup back as the store that `data_dir`, `database` and
/// `objects` name, which must hold nothing: a new or empty data folder
/// (for SQLite's file or the files), a PostgreSQL database without rows,
/// a bucket (or prefix) without a different file under any of the
/// backup's names. Everything is checked before anything is written; files
/// are in place before the rows that name them.
pub async fn restore(
    backup: &Path,
    data_dir: &Path,
    database: &Database,
    objects: &Objects,
) -> Result<Summary> {
    let entries = checked_manifest(backup)?;
    let in_folder = |e: &Entry| {
        if e.key == DATABASE {
            *database == Database::Sqlite
        } else {
            *objects == Objects::Folder
        }
    };
    if entries.iter().any(in_folder) {
        ensure_empty(data_dir, "restore")?;
    }

    // The snapshot must be a store this version can open (a copy of it is
    // brought up to date) before anything is written. PostgreSQL takes its
    // rows from that copy, into a database that holds none.
    let upgraded = Upgraded::of(&backup.join(DATABASE)).await.map_err(|e| {
        refuse(format!(
            "{} is not a store this version can read ({e}): nothing was restored",
            backup.join(DATABASE).display()
        ))
    })?;
    let tables = tables::schema(&mut *upgraded.pool.acquire().await?).await?;
    let rows = match database {
        Database::Postgres(_) => {
            let pool = database::connect(database, data_dir).await?;
            refuse_rows(&tables, &mut *pool.acquire().await?, database, data_dir).await?;
            Some(pool)
        }
        Database::Sqlite => None,
    };
    // A bucket: a file already under a backup's name must be the same
    // file (left by an interrupted restore), never another store's.
    let bucket = match objects {
        Objects::S3(url) => {
            let bucket = Files::open(objects, data_dir).await?;
            let mut absent = Vec::new();
            for entry in entries.iter().filter(|e| e.key != DATABASE) {
                match bucket.sha256(&entry.key).await? {
                    None => absent.push(entry),
                    Some(sha256) if sha256 == entry.sha256 => {}
                    Some(_) => {
                        return Err(refuse(format!(
                            "{url} already holds a different {}: restore writes only into an empty bucket or prefix, so no store's files are overwritten; nothing was restored",
                            entry.key
                        )));
                    }
                }
            }
            Some((bucket, absent))
        }
        Objects::Folder => None,
    };

    let mut bytes = 0;
    if let Some((bucket, absent)) = &bucket {
        for entry in absent {
            bucket.keep(&entry.key, &backup.join(&entry.key)).await?;
        }
    }
    if entries.iter().any(in_folder) {
        let partial = assembly_folder(data_dir, "restore")?;
        let copy = async {
            let mut bytes = 0;
            for entry in entries.iter().filter(|e| in_folder(e)) {
                bytes += copy_synced(&backup.join(&entry.key), &partial.join(&entry.key))?;
            }
            Ok(bytes)
        };
        bytes += assemble_then_rename(&partial, data_dir, copy).await?;
    }
    if let Some(pool) = rows {
        let copied = copy_rows(&upgraded, &tables, &pool, database, data_dir).await;
        pool.close().await;
        if let Err(e) = copied {
            // The folder held nothing before: leave it so, ready to retry.
            if *objects == Objects::Folder {
                let _ = std::fs::remove_dir_all(data_dir);
                let _ = std::fs::create_dir_all(data_dir);
            }
            return Err(e);
        }
    }
    for entry in entries.iter().filter(|e| !in_folder(e)) {
        bytes += std::fs::metadata(backup.join(&entry.key))
            .map_err(io(&backup.join(&entry.key)))?
            .len();
    }
    verify(data_dir, database, objects, entries.len(), bytes).await
}

/// Refuses a PostgreSQL database that holds rows already.
async fn refuse_rows(
    tables: &[tables::Table],
    db: &mut sqlx::AnyConnection,
    database: &Database,
    data_dir: &Path,
) -> Result<()> {
    match tables::first_with_rows(tables, db).await? {
        Some(table) => Err(refuse(format!(
            "{} already holds rows (in {table}): restore writes only into an empty database, so nothing is overwritten; nothing was restored",
            database.shown(data_dir)
        ))),
        None => Ok(()),
    }
}

/// Copies the snapshot's rows in one transaction, under the write lock,
/// checking again that the database is empty (another restore may have
/// run meanwhile), then moves the identity sequences past them.
async fn copy_rows(
    upgraded: &Upgraded,
    tables: &[tables::Table],
    pool: &sqlx::AnyPool,
    database: &Database,
    data_dir: &Path,
) -> Result<()> {
    let mut from = upgraded.pool.acquire().await?;
    let mut tx = pool.begin().await?;
    database::lock_writes(Engine::Postgres, &mut tx).await?;
    refuse_rows(tables, &mut tx, database, data_dir).await?;
    tables::copy(tables, &mut from, &mut tx).await?;
    tables::advance_identities(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens the restored store and reads its published edition back whole.
async fn verify(
    data_dir: &Path,
    database: &Database,
    objects: &Objects,
    files: usize,
    bytes: u64,
) -> Result<Summary> {
    let store = Store::open_with(data_dir, database, objects).await?;
    let summary = Summary {
        files,
        bytes,
        uploads: store.uploads().await?.len(),
        editions: store.editions().await?.len(),
    };
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
