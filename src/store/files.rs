//! Where the store's files live: the data folder by default, or an
//! S3-compatible bucket when `HWB_OBJECT_STORE` names one (issue 16), so
//! that several servers share one set of editions.
//!
//! Files are always made locally first (staged, hashed, synced: `staging`)
//! and only then put in place, under the same names in either place:
//! `uploads/<sha256>.bin`, `uploads/<id>.parquet`, `editions/<id>.parquet`,
//! `editions/<id>.indicators.parquet`. In the folder, putting is a rename
//! and a synced folder, as before; in a bucket it is one PUT (multipart for
//! a large file), which S3 makes visible whole or not at all. Either way a
//! file is in place before the database row that names it commits.
//!
//! The folder is not reached through `object_store`'s `LocalFileSystem`:
//! it renames without syncing, and a power cut could then lose an edition
//! the database already names.

use super::{Result, StoreError, io, sync_dir};
use bytes::Bytes;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `HWB_OBJECT_STORE`: where files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Objects {
    /// `uploads/` and `editions/` in the data folder.
    Folder,
    /// An S3 URL, `s3://bucket` or `s3://bucket/prefix`; credentials,
    /// region and endpoint from the standard `AWS_*` variables.
    S3(String),
}

impl Objects {
    /// Reads `HWB_OBJECT_STORE`'s value: empty for the data folder, or an
    /// S3 URL. The message says what is valid.
    pub fn parse(value: &str) -> std::result::Result<Objects, String> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(Objects::Folder);
        }
        let Some(rest) = value.strip_prefix("s3://") else {
            return Err("must be an S3 URL, s3://BUCKET or s3://BUCKET/PREFIX (with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and, for an S3-compatible server, AWS_ENDPOINT_URL), or unset for the data folder".into());
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(format!(
                "names the bucket {bucket:?}: a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens"
            ));
        }
        if prefix.split('/').any(|p| p == "." || p == "..")
            || Key::parse(prefix.trim_end_matches('/')).is_err()
        {
            return Err(format!(
                "has the prefix {prefix:?}, which is not a plain path of names separated by /"
            ));
        }
        Ok(Objects::S3(value.trim_end_matches('/').to_owned()))
    }

    /// What a log line says of it.
    pub fn shown(&self, dir: &Path) -> String {
        match self {
            Objects::Folder => format!("folder {}", dir.display()),
            Objects::S3(url) => url.clone(),
        }
    }
}

/// The open place: a folder, or a bucket with the prefix applied.
pub(super) enum Files {
    Folder(PathBuf),
    Bucket(Arc<dyn ObjectStore>),
}

/// A stored file's bytes, or the local path to read them from.
pub(super) enum Contents {
    Path(PathBuf),
    Bytes(Bytes),
}

/// The SHA-256 of a local file, as hex.
pub(super) fn sha256_of(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(io(path))?;
    Ok(hex::encode(hasher.finalize()))
}

fn bucket_error(key: &str, e: object_store::Error) -> StoreError {
    StoreError::Bucket(format!("{key}: {e}"))
}

impl Files {
    /// Opens the place; a bucket is listed once, so a wrong name, endpoint
    /// or key stops the start with the reason rather than a later upload.
    pub(super) async fn open(objects: &Objects, dir: &Path) -> Result<Files> {
        let url = match objects {
            Objects::Folder => {
                for sub in ["uploads", "editions"] {
                    let path = dir.join(sub);
                    std::fs::create_dir_all(&path).map_err(io(&path))?;
                }
                return Ok(Files::Folder(dir.to_owned()));
            }
            Objects::S3(url) => url,
        };
        // object_store's HTTPS client takes the process's rustls provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // A few quick retries: a server should not wait minutes to say
        // that its bucket cannot be reached.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: std::time::Duration::from_secs(15),
            ..Default::default()
        };
        let bucket = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url.as_str())
            .with_retry(retry)
            .build()
            .map_err(|e| StoreError::Bucket(format!("{url}: {e}")))?;
        // The builder takes the bucket from the URL; the rest is a prefix.
        let prefix = url
            .trim_start_matches("s3://")
            .split_once('/')
            .map_or("", |(_, p)| p);
        let bucket: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix))
        };
        bucket
            .list_with_delimiter(None)
            .await
            .map_err(|e| StoreError::Bucket(format!("{url} cannot be listed: {e}")))?;
        Ok(Files::Bucket(bucket))
    }

    /// Whether a file is in place.
    pub(super) async fn exists(&self, key: &str) -> Result<bool> {
        match self {
            Files::Folder(dir) => Ok(dir.join(key).exists()),
            Files::Bucket(bucket) => match bucket.head(&Key::from(key)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(bucket_error(key, e)),
            },
        }
    }

    /// Puts a complete, synced local file in place under `key`. Returns
    /// whether the local file became the stored one (renamed); if not, it
    /// was copied and the caller removes it.
    pub(super) async fn keep(&self, key: &str, local: &Path) -> Result<bool> {
        match self {
            Files::Folder(dir) => {
                let to = dir.join(key);
                std::fs::rename(local, &to).map_err(io(&to))?;
                sync_dir(&to)?;
                Ok(true)
            }
            Files::Bucket(bucket) => {
                let mut from = tokio::fs::File::open(local).await.map_err(io(local))?;
                // Multipart above the buffer's capacity, one PUT below it.
                let mut to = object_store::buffered::BufWriter::new(bucket.clone(), Key::from(key));
                let copied = tokio::io::copy(&mut from, &mut to).await;
                let done = match copied {
                    Ok(_) => tokio::io::AsyncWriteExt::shutdown(&mut to).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = done {
                    let _ = to.abort().await;
                    return Err(StoreError::Bucket(format!("{key}: {e}")));
                }
                Ok(false)
            }
        }
    }

    /// A stored file's contents (read whole from a bucket).
    pub(super) async fn read(&self, key: &str) -> Result<Contents> {
        match self {
            Files::Folder(dir) => Ok(Contents::Path(dir.join(key))),
            Files::Bucket(bucket) => {
                let got = bucket
                    .get(&Key::from(key))
                    .await
                    .map_err(|e| bucket_error(key, e))?;
                Ok(Contents::Bytes(
                    got.bytes().await.map_err(|e| bucket_error(key, e))?,
                ))
            }
        }
    }

    /// Writes a stored file to `to`, a new local file, and syncs it.
    /// Returns its size.
    pub(super) async fn copy_out(&self, key: &str, to: &Path) -> Result<u64> {
        let bytes = match self.read(key).await? {
            Contents::Path(from) => std::fs::copy(&from, to).map_err(io(&from))?,
            Contents::Bytes(bytes) => {
                std::fs::write(to, &bytes).map_err(io(to))?;
                bytes.len() as u64
            }
        };
        std::fs::File::open(to)
            .and_then(|f| f.sync_all())
            .map_err(io(to))?;
        Ok(bytes)
    }

    /// The SHA-256 of the file stored under `key`, or `None` if there is
    /// none (a restore checks that it overwrites nothing different).
    pub(super) async fn sha256(&self, key: &str) -> Result<Option<String>> {
        if !self.exists(key).await? {
            return Ok(None);
        }
        match self.read(key).await? {
            Contents::Path(path) => sha256_of(&path).map(Some),
            Contents::Bytes(bytes) => Ok(Some(hex::encode(Sha256::digest(&bytes)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_and_the_default_is_the_folder() {
        assert_eq!(Objects::parse("").unwrap(), Objects::Folder);
        assert_eq!(Objects::parse("  ").unwrap(), Objects::Folder);
        assert_eq!(
            Objects::parse("s3://hwb-editions").unwrap(),
            Objects::S3("s3://hwb-editions".into())
        );
        assert_eq!(
            Objects::parse("s3://hwb-editions/halton/live/").unwrap(),
            Objects::S3("s3://hwb-editions/halton/live".into())
        );
        for bad in [
            "/var/lib/hwb",
            "gs://bucket",
            "s3://",
            "s3://Upper",
            "s3://a",
            "s3://bucket/../other",
            "s3://bucket/a//b",
        ] {
            let err = Objects::parse(bad).unwrap_err();
            assert!(
                err.contains("s3://") || err.contains("bucket") || err.contains("prefix"),
                "{bad}: {err}"
            );
        }
    }
}
