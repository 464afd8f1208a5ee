use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    keys::ObjectKey,
    local::{self, LocalStore, PartError},
    s3::S3Store,
    signing::UrlSigner,
};
use crate::server::config::{StorageBackend, StorageConfig};

/// One part of a multipart upload as the store has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub number: u32,
    pub etag: String,
    pub size: u64,
}

/// Where objects are kept.
#[derive(Debug)]
pub enum Store {
    /// Files under a directory; URLs are signed by this server and served by its routes.
    Local { store: LocalStore, signer: UrlSigner },
    /// A bucket through the S3 API; URLs are presigned (SigV4) for the bucket itself.
    S3(S3Store),
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the upload is finished, was cancelled or does not exist")]
    NoSuchUpload,
    #[error("{0}")]
    Rejected(String),
    #[error("storage is unavailable: {0}")]
    Io(#[from] std::io::Error),
}

/// What a person is told when storage fails under an action of theirs.
impl From<StorageError> for crate::error::AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NoSuchUpload => Self::Conflict("This upload is finished or was cancelled.".into()),
            StorageError::Rejected(reason) => Self::invalid(format!("The upload could not be completed: {reason}.")),
            StorageError::Io(e) => {
                tracing::error!(error = %e, "storage failed");
                Self::Unavailable("Storage is not answering right now. Try again in a moment.".into())
            }
        }
    }
}

impl From<PartError> for StorageError {
    fn from(e: PartError) -> Self {
        match e {
            PartError::NoSuchUpload => Self::NoSuchUpload,
            PartError::Io(e) => Self::Io(e),
            other => Self::Rejected(other.to_string()),
        }
    }
}

/// A file on this machine holding an object's bytes, for reading it with ordinary file APIs.
/// A temporary copy is removed when this is dropped.
pub struct LocalCopy {
    pub path: PathBuf,
    temporary: bool,
}

impl Drop for LocalCopy {
    fn drop(&mut self) {
        if self.temporary {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn expiry(ttl: Duration) -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() + ttl.as_secs() as i64
}

impl Store {
    /// The configured store. Local URLs are signed with a key derived from `MASTER_KEY`, or,
    /// without one, a random key of this process (its links then end with the process).
    pub fn from_config(config: &StorageConfig, secrets: Option<&crate::server::secrets::SecretBox>) -> Self {
        match &config.backend {
            StorageBackend::Local { dir } => {
                let key = secrets.map(|s| s.derive("storage-url-signing")).unwrap_or_else(|| {
                    let mut key = [0_u8; 32];
                    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
                    key
                });
                Store::Local {
                    store: LocalStore::new(dir),
                    signer: UrlSigner::new(key),
                }
            }
            StorageBackend::S3(s3) => Store::S3(S3Store::new(s3)),
        }
    }

    /// The local backend's parts, for its routes.
    pub fn local(&self) -> Option<(&LocalStore, &UrlSigner)> {
        match self {
            Store::Local { store, signer } => Some((store, signer)),
            Store::S3(_) => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Store::Local { .. } => "local directory",
            Store::S3(_) => "S3",
        }
    }

    /// Readiness: the store answers and can be written.
    pub async fn check(&self) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => {
                tokio::fs::create_dir_all(store.root()).await?;
                let probe = store.root().join(".ready");
                tokio::fs::write(&probe, b"ok").await?;
                tokio::fs::remove_file(probe).await?;
                Ok(())
            }
            Store::S3(s3) => s3.check().await,
        }
    }

    /// Applies the bucket's lifecycle and CORS rules (S3 only; a local directory needs none).
    /// Returns the rules the store does not support.
    pub async fn setup(&self, origin: &str, trash_days: u32) -> Result<Vec<String>, StorageError> {
        match self {
            Store::Local { .. } => Ok(Vec::new()),
            // A day past the trash's grace period, so the app's own purge (which also keeps
            // the counters) goes first; abandoned uploads after a week, as locally.
            Store::S3(s3) => s3.setup(origin, 7, trash_days as i32 + 1).await,
        }
    }

    pub async fn create_multipart(&self, key: &ObjectKey) -> Result<String, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.create_multipart().await?),
            Store::S3(s3) => s3.create_multipart(key).await,
        }
    }

    /// Where the browser PUTs part `number` (which starts at `offset` in the file): exactly
    /// `max` bytes (the local backend takes at most that and checks the length on completion),
    /// valid for `ttl`.
    pub async fn part_url(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        number: u32,
        offset: u64,
        max: u64,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        match self {
            Store::Local { signer, .. } => {
                let (part, offset, max) = (number.to_string(), offset.to_string(), max.to_string());
                Ok(signer.sign(
                    "PUT",
                    local::PART_PATH,
                    &[
                        ("upload", upload_id),
                        ("part", &part),
                        ("offset", &offset),
                        ("max", &max),
                    ],
                    expiry(ttl),
                ))
            }
            Store::S3(s3) => s3.part_url(key, upload_id, number, max, ttl).await,
        }
    }

    /// Joins the parts into the object; returns its size.
    pub async fn complete(&self, key: &ObjectKey, upload_id: &str, parts: &[Part]) -> Result<u64, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.complete(upload_id, key, parts).await?),
            Store::S3(s3) => s3.complete(key, upload_id, parts).await,
        }
    }

    pub async fn abort(&self, key: &ObjectKey, upload_id: &str) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.abort(upload_id).await?),
            Store::S3(s3) => s3.abort(key, upload_id).await,
        }
    }

    /// A short-lived URL that downloads the object as `name` (shown inline, or saved when
    /// `attachment`).
    pub async fn download_url(
        &self,
        key: &ObjectKey,
        name: &str,
        content_type: &str,
        attachment: bool,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        match self {
            Store::Local { signer, .. } => Ok(signer.sign(
                "GET",
                local::OBJECT_PATH,
                &[
                    ("key", key.as_str()),
                    ("name", name),
                    ("type", content_type),
                    ("disposition", if attachment { "attachment" } else { "inline" }),
                ],
                expiry(ttl),
            )),
            Store::S3(s3) => s3.download_url(key, name, content_type, attachment, ttl).await,
        }
    }

    pub async fn size(&self, key: &ObjectKey) -> Result<Option<u64>, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.size(key).await?),
            Store::S3(s3) => s3.size(key).await,
        }
    }

    pub async fn move_object(&self, from: &ObjectKey, to: &ObjectKey) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.rename(from, to).await?),
            Store::S3(s3) => s3.move_object(from, to).await,
        }
    }

    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.delete(key).await?),
            Store::S3(s3) => s3.delete(key).await,
        }
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<(ObjectKey, u64)>, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.list(prefix).await?),
            Store::S3(s3) => s3.list(prefix).await,
        }
    }

    /// The object as a file on this machine: the file itself for the local backend, a
    /// temporary download (streamed, removed when dropped) for S3.
    pub async fn local_copy(&self, key: &ObjectKey) -> Result<LocalCopy, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(LocalCopy {
                path: store.path_of(key),
                temporary: false,
            }),
            Store::S3(s3) => {
                let path = std::env::temp_dir().join(format!("audiotricks-{}", uuid::Uuid::new_v4().simple()));
                let copy = LocalCopy { path, temporary: true };
                s3.download_to(key, &copy.path).await?;
                Ok(copy)
            }
        }
    }

    /// Stores a local file under `key` (backups), streamed.
    pub async fn put_file(&self, key: &ObjectKey, path: &std::path::Path) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.put_file(key, path).await?),
            Store::S3(s3) => s3.put_file(key, path).await,
        }
    }

    /// Stores a small public object (under `public/`), whole.
    pub async fn put_public(&self, key: &ObjectKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        debug_assert!(key.is_public());
        match self {
            Store::Local { store, .. } => Ok(store.put_bytes(key, &bytes).await?),
            Store::S3(s3) => s3.put_public(key, bytes, content_type).await,
        }
    }

    /// A small public object's bytes, if it exists (the route names the type from the content).
    pub async fn get_public(&self, key: &ObjectKey) -> Result<Option<Vec<u8>>, StorageError> {
        if !key.is_public() {
            return Ok(None);
        }
        match self {
            Store::Local { store, .. } => Ok(store.get_bytes(key, super::MAX_PUBLIC_OBJECT_BYTES as u64).await?),
            Store::S3(s3) => s3.get_public(key, super::MAX_PUBLIC_OBJECT_BYTES).await,
        }
    }

    /// The S3 backend, for what only it has (multipart uploads of local files, in tests).
    pub fn s3(&self) -> Option<&S3Store> {
        match self {
            Store::S3(s3) => Some(s3),
            Store::Local { .. } => None,
        }
    }

    /// Deletes every object of a workspace, live, trashed and public (when the workspace itself
    /// goes).
    pub async fn delete_workspace_objects(&self, workspace: uuid::Uuid) -> Result<usize, StorageError> {
        let mut count = 0;
        for prefix in [
            ObjectKey::workspace_prefix(workspace),
            ObjectKey::trash_prefix(workspace),
            ObjectKey::public_prefix(workspace),
        ] {
            for (key, _) in self.list(&prefix).await? {
                self.delete(&key).await?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Removes uploads nobody finished within `age`; for S3 the bucket's lifecycle rule does.
    pub async fn abort_stale_uploads(&self, age: Duration) -> Result<usize, StorageError> {
        match self {
            Store::Local { store, .. } => {
                let stale = store.stale_uploads(age).await?;
                for id in &stale {
                    store.abort(id).await?;
                }
                Ok(stale.len())
            }
            Store::S3(_) => Ok(0),
        }
    }
}
