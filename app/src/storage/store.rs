use std::{path::PathBuf, time::Duration};

use serde::{Deserialize, Serialize};

use super::{
    keys::ObjectKey,
    local::{self, LocalStore, PartError},
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
        let key = secrets.map(|s| s.derive("storage-url-signing")).unwrap_or_else(|| {
            let mut key = [0_u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
            key
        });
        match &config.backend {
            StorageBackend::Local { dir } => Store::Local {
                store: LocalStore::new(dir),
                signer: UrlSigner::new(key),
            },
        }
    }

    /// The local backend's parts, for its routes.
    pub fn local(&self) -> Option<(&LocalStore, &UrlSigner)> {
        match self {
            Store::Local { store, signer } => Some((store, signer)),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Store::Local { .. } => "local directory",
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
        }
    }

    pub async fn create_multipart(&self, _key: &ObjectKey) -> Result<String, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.create_multipart().await?),
        }
    }

    /// Where the browser PUTs part `number` (at most `max` bytes), valid for `ttl`.
    pub fn part_url(&self, _key: &ObjectKey, upload_id: &str, number: u32, max: u64, ttl: Duration) -> String {
        match self {
            Store::Local { signer, .. } => {
                let (part, max) = (number.to_string(), max.to_string());
                signer.sign(
                    "PUT",
                    local::PART_PATH,
                    &[("upload", upload_id), ("part", &part), ("max", &max)],
                    expiry(ttl),
                )
            }
        }
    }

    pub async fn list_parts(&self, _key: &ObjectKey, upload_id: &str) -> Result<Vec<Part>, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.list_parts(upload_id).await?),
        }
    }

    /// Joins the parts into the object; returns its size.
    pub async fn complete(&self, key: &ObjectKey, upload_id: &str, parts: &[Part]) -> Result<u64, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.complete(upload_id, key, parts).await?),
        }
    }

    pub async fn abort(&self, _key: &ObjectKey, upload_id: &str) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.abort(upload_id).await?),
        }
    }

    /// A short-lived URL that downloads the object as `name` (shown inline, or saved when
    /// `attachment`).
    pub fn download_url(
        &self,
        key: &ObjectKey,
        name: &str,
        content_type: &str,
        attachment: bool,
        ttl: Duration,
    ) -> String {
        match self {
            Store::Local { signer, .. } => signer.sign(
                "GET",
                local::OBJECT_PATH,
                &[
                    ("key", key.as_str()),
                    ("name", name),
                    ("type", content_type),
                    ("disposition", if attachment { "attachment" } else { "inline" }),
                ],
                expiry(ttl),
            ),
        }
    }

    pub async fn size(&self, key: &ObjectKey) -> Result<Option<u64>, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.size(key).await?),
        }
    }

    pub async fn move_object(&self, from: &ObjectKey, to: &ObjectKey) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.rename(from, to).await?),
        }
    }

    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.delete(key).await?),
        }
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<(ObjectKey, u64)>, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(store.list(prefix).await?),
        }
    }

    /// The object as a file on this machine (the file itself for the local backend).
    pub async fn local_copy(&self, key: &ObjectKey) -> Result<LocalCopy, StorageError> {
        match self {
            Store::Local { store, .. } => Ok(LocalCopy {
                path: store.path_of(key),
                temporary: false,
            }),
        }
    }

    /// Deletes every object of a workspace, live and trashed (when the workspace itself goes).
    pub async fn delete_workspace_objects(&self, workspace: uuid::Uuid) -> Result<usize, StorageError> {
        let mut count = 0;
        for prefix in [
            ObjectKey::workspace_prefix(workspace),
            ObjectKey::trash_prefix(workspace),
        ] {
            for (key, _) in self.list(&prefix).await? {
                self.delete(&key).await?;
                count += 1;
            }
        }
        Ok(count)
    }

    /// Removes uploads nobody finished within `age` (S3 does this with a lifecycle rule).
    pub async fn abort_stale_uploads(&self, age: Duration) -> Result<usize, StorageError> {
        match self {
            Store::Local { store, .. } => {
                let stale = store.stale_uploads(age).await?;
                for id in &stale {
                    store.abort(id).await?;
                }
                Ok(stale.len())
            }
        }
    }
}
