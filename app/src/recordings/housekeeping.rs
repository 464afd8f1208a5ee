//! Scheduled recording work across workspaces: each workspace's retention setting, emptying the
//! trash after its grace period, abandoned uploads, and reconciling the storage counters with a
//! listing of the store. Each finds its work through `tenant::for_housekeeping` and changes one
//! workspace at a time in that workspace's context.

use std::{sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    audit::{self, Actor, AuditAction, AuditEvent},
    error::AppError,
    server::jobs::{Job, JobContext, JobError, Registry, Schedule},
    storage::{keys::ObjectKey, Store},
    workspaces::tenant,
};

/// Uploads nobody finished are dropped after this long.
const ABANDONED_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

fn retryable(e: AppError) -> JobError {
    JobError::Retryable(e.to_string())
}

fn system_event(action: AuditAction, workspace: Uuid, recording: Uuid, metadata: serde_json::Value) -> AuditEvent {
    AuditEvent::new(Actor::System, action)
        .target("recording", recording.to_string())
        .workspace(workspace)
        .metadata(metadata)
}

/// Moves recordings older than their workspace's retention to the trash. Returns how many.
pub async fn apply_retention(pool: &sqlx::PgPool, store: &Store, trash_days: u32) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    tenant::for_housekeeping(&mut tx).await?;
    let due = sqlx::query!(
        r#"select r.id, r.workspace_id, r.title, r.object_key, w.retention_days as "retention_days!"
           from recordings r join workspaces w on w.id = r.workspace_id
           where w.retention_days is not null and w.deleted_at is null and r.deleted_at is null
             and r.status = 'ready' and r.created_at < now() - make_interval(days => w.retention_days)
           limit 500"#
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut moved = 0;
    for r in due {
        let Some(key) = ObjectKey::parse(&r.object_key) else {
            continue;
        };
        let mut tx = pool.begin().await?;
        tenant::as_system(&mut tx, r.workspace_id).await?;
        super::library::move_to_trash(&mut tx, store, r.id, &key, trash_days).await?;
        audit::service::record(
            &mut tx,
            system_event(
                AuditAction::RecordingExpired,
                r.workspace_id,
                r.id,
                serde_json::json!({ "title": r.title, "retention_days": r.retention_days.to_string() }),
            ),
        )
        .await?;
        tx.commit().await?;
        moved += 1;
    }
    Ok(moved)
}

/// Deletes trashed recordings whose grace period has passed. Returns how many.
pub async fn empty_trash(pool: &sqlx::PgPool, store: &Store) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    tenant::for_housekeeping(&mut tx).await?;
    let due = sqlx::query!(
        "select id, workspace_id, title, object_key, size_bytes from recordings
         where deleted_at is not null and purge_after < now() limit 500"
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut purged = 0;
    for r in due {
        let Some(key) = ObjectKey::parse(&r.object_key) else {
            continue;
        };
        let mut tx = pool.begin().await?;
        tenant::as_system(&mut tx, r.workspace_id).await?;
        super::library::remove_for_good(&mut tx, store, r.workspace_id, r.id, &key, r.size_bytes).await?;
        audit::service::record(
            &mut tx,
            system_event(
                AuditAction::RecordingPurged,
                r.workspace_id,
                r.id,
                serde_json::json!({ "title": r.title }),
            ),
        )
        .await?;
        tx.commit().await?;
        purged += 1;
    }
    Ok(purged)
}

/// Drops uploads started more than a week ago and never finished, with their parts.
pub async fn drop_abandoned_uploads(pool: &sqlx::PgPool, store: &Store) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    tenant::for_housekeeping(&mut tx).await?;
    let stale = sqlx::query!(
        "select id, workspace_id from recordings where status = 'uploading' and created_at < now() - make_interval(secs => $1)",
        ABANDONED_AFTER.as_secs_f64()
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    for r in &stale {
        let mut tx = pool.begin().await?;
        tenant::as_system(&mut tx, r.workspace_id).await?;
        sqlx::query!("delete from recordings where id = $1", r.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    store
        .abort_stale_uploads(ABANDONED_AFTER)
        .await
        .map_err(crate::error::AppError::from)?;
    Ok(stale.len() as u64)
}

/// Sets each workspace's byte and object counts to what the store holds, recording any
/// difference in the ledger. Returns how many workspaces were off.
pub async fn reconcile_storage(pool: &sqlx::PgPool, store: &Store) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    tenant::for_housekeeping(&mut tx).await?;
    let workspaces = sqlx::query_scalar!("select id from workspaces")
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut off = 0;
    for workspace in workspaces {
        let mut listed = store
            .list(&ObjectKey::workspace_prefix(workspace))
            .await
            .map_err(crate::error::AppError::from)?;
        listed.extend(
            store
                .list(&ObjectKey::trash_prefix(workspace))
                .await
                .map_err(crate::error::AppError::from)?,
        );
        let bytes: i64 = listed.iter().map(|(_, size)| *size as i64).sum();
        let objects = listed.len() as i64;
        let mut tx = pool.begin().await?;
        tenant::as_system(&mut tx, workspace).await?;
        let counted = sqlx::query!(
            "select bytes, objects from workspace_storage where workspace_id = $1 for update",
            workspace
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| (r.bytes, r.objects))
        .unwrap_or((0, 0));
        if counted != (bytes, objects) {
            off += 1;
            tracing::warn!(%workspace, ?counted, bytes, objects, "storage counters differed from the store");
            crate::usage::record(
                &mut tx,
                crate::usage::UsageEvent {
                    workspace,
                    kind: "storage.reconciled",
                    quantity: bytes - counted.0,
                    unit: "bytes",
                    idempotency_key: format!("reconcile:{today}"),
                    metadata: serde_json::json!({ "objects": objects - counted.1 }),
                },
            )
            .await?;
        }
        sqlx::query!(
            "insert into workspace_storage (workspace_id, bytes, objects, reconciled_at) values ($1, $2, $3, now())
             on conflict (workspace_id) do update set bytes = $2, objects = $3, reconciled_at = now(), updated_at = now()",
            workspace,
            bytes,
            objects
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(off)
}

pub struct RecordingHousekeeping {
    pub store: Arc<Store>,
    pub trash_days: u32,
}

#[derive(Serialize, Deserialize)]
pub struct HousekeepingPayload {
    /// "hourly" (retention, trash) or "nightly" (abandoned uploads, reconciliation).
    pub round: String,
}

impl Job for RecordingHousekeeping {
    const KIND: &'static str = "recordings.housekeeping";
    const QUEUE: &'static str = "maintenance";
    type Payload = HousekeepingPayload;

    async fn run(&self, ctx: JobContext, payload: HousekeepingPayload) -> Result<(), JobError> {
        if payload.round == "nightly" {
            let dropped = drop_abandoned_uploads(&ctx.pool, &self.store)
                .await
                .map_err(retryable)?;
            let off = reconcile_storage(&ctx.pool, &self.store).await.map_err(retryable)?;
            tracing::info!(dropped, off, "nightly storage housekeeping");
        } else {
            let expired = apply_retention(&ctx.pool, &self.store, self.trash_days)
                .await
                .map_err(retryable)?;
            let purged = empty_trash(&ctx.pool, &self.store).await.map_err(retryable)?;
            tracing::info!(expired, purged, "hourly recordings housekeeping");
        }
        Ok(())
    }
}

pub fn register(registry: Registry, store: Arc<Store>, trash_days: u32) -> Registry {
    let hourly = Schedule::new::<RecordingHousekeeping>(
        "recordings.housekeeping.hourly",
        "0 41 * * * *",
        &HousekeepingPayload { round: "hourly".into() },
    )
    .expect("a valid built-in cron expression");
    let nightly = Schedule::new::<RecordingHousekeeping>(
        "recordings.housekeeping.nightly",
        "0 17 3 * * *",
        &HousekeepingPayload {
            round: "nightly".into(),
        },
    )
    .expect("a valid built-in cron expression");
    registry
        .register(RecordingHousekeeping {
            store: store.clone(),
            trash_days,
        })
        .register(super::inspect::InspectRecording { store })
        .schedule(hourly)
        .schedule(nightly)
}
