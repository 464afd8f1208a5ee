//! Object storage settings.

use super::{file::FileStorage, ConfigError, Env, Overlay};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageBackend {
    /// Files under this directory (the embedded default).
    Local { dir: std::path::PathBuf },
}

#[derive(Clone, Debug)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    /// The largest file one upload may be (per workspace until plans set it).
    pub max_upload_bytes: u64,
    /// How long deleted recordings stay restorable in the trash.
    pub trash_days: u32,
}

pub(super) fn storage(file: FileStorage, over: &Overlay<'_, impl Env>) -> Result<StorageConfig, ConfigError> {
    let backend = match over.string("STORAGE_BACKEND", file.backend).as_str() {
        "local" => StorageBackend::Local {
            dir: over.string("STORAGE_DIR", file.dir).into(),
        },
        other => {
            return Err(ConfigError::Invalid {
                setting: "storage.backend",
                env: "STORAGE_BACKEND",
                message: format!("must be \"local\" (got {other:?})"),
            })
        }
    };
    let max_upload_mb: u64 = over.parsed("storage.max_upload_mb", "UPLOAD_MAX_MB", file.max_upload_mb)?;
    if !(1..=5 * 1024 * 1024).contains(&max_upload_mb) {
        return Err(ConfigError::Invalid {
            setting: "storage.max_upload_mb",
            env: "UPLOAD_MAX_MB",
            message: "must be between 1 and 5242880 (5 TiB, S3's largest object)".into(),
        });
    }
    let trash_days: u32 = over.parsed("storage.trash_days", "TRASH_DAYS", file.trash_days)?;
    if !(1..=365).contains(&trash_days) {
        return Err(ConfigError::Invalid {
            setting: "storage.trash_days",
            env: "TRASH_DAYS",
            message: "must be between 1 and 365".into(),
        });
    }
    Ok(StorageConfig {
        backend,
        max_upload_bytes: max_upload_mb * 1024 * 1024,
        trash_days,
    })
}
