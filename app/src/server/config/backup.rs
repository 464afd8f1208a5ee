//! Backup settings.

use super::{file::FileBackup, ConfigError, Env, Overlay, Secret};

#[derive(Clone, Debug)]
pub struct BackupConfig {
    /// A role that reads every row (it bypasses Row-Level Security) for `pg_dump`; without it
    /// there are no backups, and the daily job is not scheduled.
    pub database_url: Option<Secret>,
    /// Where backups go with the local backend (or when no backup bucket is set).
    pub dir: std::path::PathBuf,
    /// With the S3 backend: a second bucket on the same endpoint for backups.
    pub s3_bucket: Option<String>,
    /// How many backups to keep.
    pub keep: u32,
}

pub(super) fn backup(file: FileBackup, over: &Overlay<'_, impl Env>) -> Result<BackupConfig, ConfigError> {
    let keep: u32 = over.parsed("backup.keep", "BACKUP_KEEP", file.keep)?;
    if !(1..=1000).contains(&keep) {
        return Err(ConfigError::Invalid {
            setting: "backup.keep",
            env: "BACKUP_KEEP",
            message: "must be between 1 and 1000".into(),
        });
    }
    let database_url = over.env.get("BACKUP_DATABASE_URL").map(Secret::new);
    if database_url
        .as_ref()
        .is_some_and(|u| !(u.expose().starts_with("postgres://") || u.expose().starts_with("postgresql://")))
    {
        return Err(ConfigError::Invalid {
            setting: "backup.database_url",
            env: "BACKUP_DATABASE_URL",
            message: "must be a postgres:// URL".into(),
        });
    }
    let s3_bucket = Some(over.string("BACKUP_S3_BUCKET", file.s3_bucket)).filter(|b| !b.trim().is_empty());
    Ok(BackupConfig {
        database_url,
        dir: over.string("BACKUP_DIR", file.dir).into(),
        s3_bucket,
        keep,
    })
}
