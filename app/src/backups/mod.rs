//! Backups: a compressed `pg_dump` of the database plus a manifest (row counts per table, and
//! every stored object's key, size and SHA-256), kept under `backups/{id}/` in the backup store
//! with a retention count; a daily job makes one; `restore` loads a dump into an empty database
//! and checks it, and the objects, against the manifest.
//!
//! Tables are under forced Row-Level Security, so dumping and counting need a role that bypasses
//! it (`BACKUP_DATABASE_URL`; `scripts/postgres.sh` makes `audiotricks_backup`, which may read
//! everything and write nothing).

use std::{collections::BTreeMap, path::Path, sync::Arc};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::AsyncReadExt;

use crate::{
    server::{
        config::Config,
        jobs::{Job, JobContext, JobError, Registry, Schedule},
    },
    storage::{keys::ObjectKey, Store},
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub key: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub id: String,
    pub created_at: String,
    pub app_version: String,
    pub database: FileEntry,
    /// Rows per table (`schema.table`), counted in the same snapshot the dump read.
    pub tables: BTreeMap<String, i64>,
    /// Every stored object (recordings, live and trashed) when the backup was made.
    pub objects: Vec<FileEntry>,
}

fn dump_key(id: &str) -> ObjectKey {
    ObjectKey::parse(&format!("backups/{id}/database")).expect("backup ids are key-safe")
}

fn manifest_key(id: &str) -> ObjectKey {
    ObjectKey::parse(&format!("backups/{id}/manifest")).expect("backup ids are key-safe")
}

/// `20261126-013500`: sorts by time and fits an object key.
fn new_id() -> String {
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn valid_id(id: &str) -> bool {
    id.len() == 15
        && id
            .bytes()
            .enumerate()
            .all(|(i, b)| if i == 8 { b == b'-' } else { b.is_ascii_digit() })
}

async fn sha256_of(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 1 << 20];
    let mut total = 0;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        total += n as u64;
    }
    Ok((total, hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()))
}

/// Where backups are kept: their own directory, or their own bucket on the storage endpoint.
pub fn backup_store(config: &Config) -> Store {
    let mut storage = config.storage.clone();
    storage.backend = match (&config.backup.s3_bucket, &storage.backend) {
        (Some(bucket), crate::server::config::StorageBackend::S3(s3)) => {
            let mut s3 = s3.clone();
            s3.bucket = bucket.clone();
            crate::server::config::StorageBackend::S3(s3)
        }
        _ => crate::server::config::StorageBackend::Local {
            dir: config.backup.dir.clone(),
        },
    };
    Store::from_config(&storage, None)
}

fn recordings_store(config: &Config) -> Store {
    Store::from_config(&config.storage, None)
}

fn backup_url(config: &Config) -> anyhow::Result<&str> {
    config.backup.database_url.as_ref().map(|u| u.expose()).context(
        "BACKUP_DATABASE_URL is not set: backups need a role that bypasses Row-Level Security \
         (scripts/postgres.sh makes audiotricks_backup; `make run` and `make test` set it)",
    )
}

async fn run_tool(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let output = tokio::process::Command::new(program)
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running {program} (is PostgreSQL's client on PATH?)"))?;
    if !output.status.success() {
        bail!("{program} failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}

/// Row counts of every table, read by a role that sees all rows.
async fn count_rows(url: &str) -> anyhow::Result<BTreeMap<String, i64>> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .context("connecting as the backup role")?;
    let tables: Vec<(String, String)> = sqlx::query_as(
        "select schemaname::text, tablename::text from pg_tables
         where schemaname not in ('pg_catalog', 'information_schema') order by 1, 2",
    )
    .fetch_all(&mut conn)
    .await?;
    let mut counts = BTreeMap::new();
    for (schema, table) in tables {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from \"{schema}\".\"{table}\""))
            .fetch_one(&mut conn)
            .await
            .with_context(|| format!("counting {schema}.{table}"))?;
        counts.insert(format!("{schema}.{table}"), n);
    }
    Ok(counts)
}

/// Every stored object with its checksum (read back through the store).
async fn inventory(store: &Store) -> anyhow::Result<Vec<FileEntry>> {
    let mut objects = Vec::new();
    for prefix in ["w/", "trash/"] {
        for (key, _) in store.list(prefix).await? {
            let copy = store.local_copy(&key).await?;
            let (bytes, sha256) = sha256_of(&copy.path).await?;
            objects.push(FileEntry {
                key: key.as_str().to_owned(),
                bytes,
                sha256,
            });
        }
    }
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(objects)
}

/// `audiotricks backup create`: dumps, inventories, stores both, then keeps only the newest
/// `BACKUP_KEEP`.
pub async fn create(config: &Config) -> anyhow::Result<Manifest> {
    let url = backup_url(config)?;
    let id = new_id();
    let dir = tempfile_dir()?;
    let dump = dir.join("database.dump");
    // Counted first, in a separate snapshot: rows added meanwhile show up as a difference the
    // restore check names, never as a silent loss.
    let tables = count_rows(url).await?;
    run_tool(
        "pg_dump",
        &[
            "--format=custom",
            "--compress=6",
            "--no-comments",
            "--file",
            dump.to_str().context("temporary path is not UTF-8")?,
            url,
        ],
    )
    .await?;
    let (bytes, sha256) = sha256_of(&dump).await?;
    let objects = inventory(&recordings_store(config)).await?;
    let manifest = Manifest {
        id: id.clone(),
        created_at: crate::accounts::format_time(time::OffsetDateTime::now_utc()),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: FileEntry {
            key: dump_key(&id).as_str().to_owned(),
            bytes,
            sha256,
        },
        tables,
        objects,
    };
    let store = backup_store(config);
    store.put_file(&dump_key(&id), &dump).await?;
    let manifest_file = dir.join("manifest.json");
    tokio::fs::write(&manifest_file, serde_json::to_vec_pretty(&manifest)?).await?;
    store.put_file(&manifest_key(&id), &manifest_file).await?;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    prune(&store, config.backup.keep).await?;
    Ok(manifest)
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("audiotricks-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn read_manifest(store: &Store, id: &str) -> anyhow::Result<Manifest> {
    let copy = store
        .local_copy(&manifest_key(id))
        .await
        .with_context(|| format!("backup {id} has no manifest"))?;
    let text = tokio::fs::read(&copy.path)
        .await
        .with_context(|| format!("backup {id} was not found"))?;
    serde_json::from_slice(&text).with_context(|| format!("backup {id}'s manifest is damaged"))
}

/// Backups, newest first.
pub async fn list(config: &Config) -> anyhow::Result<Vec<Manifest>> {
    let store = backup_store(config);
    let mut ids: Vec<String> = store
        .list("backups/")
        .await?
        .into_iter()
        .filter_map(|(key, _)| {
            let rest = key.as_str().strip_prefix("backups/")?;
            let (id, file) = rest.split_once('/')?;
            (file == "manifest" && valid_id(id)).then(|| id.to_owned())
        })
        .collect();
    ids.sort();
    ids.reverse();
    let mut manifests = Vec::new();
    for id in ids {
        manifests.push(read_manifest(&store, &id).await?);
    }
    Ok(manifests)
}

async fn prune(store: &Store, keep: u32) -> anyhow::Result<()> {
    let mut ids: Vec<String> = store
        .list("backups/")
        .await?
        .into_iter()
        .filter_map(|(key, _)| {
            key.as_str()
                .strip_prefix("backups/")?
                .split_once('/')
                .map(|(id, _)| id.to_owned())
        })
        .filter(|id| valid_id(id))
        .collect();
    ids.sort();
    ids.dedup();
    let excess = ids.len().saturating_sub(keep as usize);
    for id in &ids[..excess] {
        store.delete(&dump_key(id)).await?;
        store.delete(&manifest_key(id)).await?;
    }
    Ok(())
}

/// What a restore found.
#[derive(Debug, Default)]
pub struct RestoreReport {
    /// Tables whose row count differs from the manifest: (table, expected, found).
    pub row_differences: Vec<(String, i64, i64)>,
    pub missing_objects: Vec<String>,
    pub changed_objects: Vec<String>,
    pub tables: usize,
    pub rows: i64,
    pub objects: usize,
}

impl RestoreReport {
    pub fn intact(&self) -> bool {
        self.row_differences.is_empty() && self.missing_objects.is_empty() && self.changed_objects.is_empty()
    }
}

/// `audiotricks backup restore <id>`: loads the dump into the empty database `DATABASE_URL`
/// names (its owner role), then compares row counts (read through `BACKUP_DATABASE_URL`, which
/// must name the same database) and the stored objects with the manifest.
pub async fn restore(config: &Config, id: &str) -> anyhow::Result<RestoreReport> {
    if !valid_id(id) {
        bail!("{id:?} is not a backup id (they look like 20261126-013500; see `audiotricks backup list`)");
    }
    let store = backup_store(config);
    let manifest = read_manifest(&store, id).await?;
    let target = config.database.owner_url.expose();
    {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(target)
            .await
            .context("connecting to the database to restore into (DATABASE_URL)")?;
        let tables: i64 = sqlx::query_scalar(
            "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
        )
        .fetch_one(&mut conn)
        .await?;
        if tables > 0 {
            bail!("the database DATABASE_URL names is not empty ({tables} tables): restore into a new, empty database");
        }
    }
    let dump = store.local_copy(&dump_key(id)).await?;
    let (bytes, sha256) = sha256_of(&dump.path).await?;
    if bytes != manifest.database.bytes || sha256 != manifest.database.sha256 {
        bail!("backup {id}'s dump does not match its manifest's checksum: it is damaged");
    }
    run_tool(
        "pg_restore",
        &[
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            target,
            dump.path.to_str().context("temporary path is not UTF-8")?,
        ],
    )
    .await?;
    let counts = count_rows(backup_url(config)?).await?;
    let mut report = RestoreReport {
        tables: counts.len(),
        rows: counts.values().sum(),
        objects: manifest.objects.len(),
        ..Default::default()
    };
    for (table, expected) in &manifest.tables {
        let found = counts.get(table).copied().unwrap_or(-1);
        if found != *expected {
            report.row_differences.push((table.clone(), *expected, found));
        }
    }
    let present: BTreeMap<String, FileEntry> = inventory(&recordings_store(config))
        .await?
        .into_iter()
        .map(|e| (e.key.clone(), e))
        .collect();
    for expected in &manifest.objects {
        match present.get(&expected.key) {
            None => report.missing_objects.push(expected.key.clone()),
            Some(found) if found.sha256 != expected.sha256 || found.bytes != expected.bytes => {
                report.changed_objects.push(expected.key.clone())
            }
            Some(_) => {}
        }
    }
    Ok(report)
}

pub struct DailyBackup {
    pub config: Arc<Config>,
}

#[derive(Serialize, Deserialize)]
pub struct DailyBackupPayload {}

impl Job for DailyBackup {
    const KIND: &'static str = "backups.create";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = DailyBackupPayload;

    async fn run(&self, _ctx: JobContext, _payload: DailyBackupPayload) -> Result<(), JobError> {
        let manifest = create(&self.config)
            .await
            .map_err(|e| JobError::Retryable(format!("{e:#}")))?;
        tracing::info!(
            id = manifest.id,
            database_bytes = manifest.database.bytes,
            objects = manifest.objects.len(),
            "daily backup made"
        );
        Ok(())
    }
}

/// The daily backup, when a backup role is configured.
pub fn register(registry: Registry, config: &Config) -> Registry {
    if config.backup.database_url.is_none() {
        return registry;
    }
    let daily = Schedule::new::<DailyBackup>("backups.daily", "0 30 2 * * *", &DailyBackupPayload {})
        .expect("a valid built-in cron expression");
    registry
        .register(DailyBackup {
            config: Arc::new(config.clone()),
        })
        .schedule(daily)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_ids_sort_by_time_and_are_key_safe() {
        let id = new_id();
        assert!(valid_id(&id), "{id}");
        assert!(ObjectKey::parse(&format!("backups/{id}/database")).is_some());
        for bad in [
            "",
            "2026112-0135000",
            "20261126_013500",
            "../../etc/pas",
            "20261126-01350a",
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
