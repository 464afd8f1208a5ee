//! Per-workspace storage counters and their ledger entries. A change is counted once: the
//! usage event's idempotency key decides, and the counters move only when the event is new.

use sqlx::PgConnection;
use uuid::Uuid;

/// Bytes and objects added (positive) or removed (negative) in the transaction's workspace.
pub struct StorageChange<'a> {
    pub workspace: Uuid,
    pub bytes: i64,
    pub objects: i64,
    /// `storage.added`, `storage.removed`, `storage.reconciled`.
    pub kind: &'a str,
    /// Unique per workspace: the same change recorded twice counts once.
    pub idempotency_key: String,
    pub metadata: serde_json::Value,
}

/// Records the change; returns whether it was new (and so counted).
pub async fn record(conn: &mut PgConnection, change: StorageChange<'_>) -> Result<bool, sqlx::Error> {
    let inserted = crate::usage::record(
        conn,
        crate::usage::UsageEvent {
            workspace: change.workspace,
            kind: change.kind,
            quantity: change.bytes,
            unit: "bytes",
            idempotency_key: change.idempotency_key,
            metadata: change.metadata,
        },
    )
    .await?;
    if inserted {
        sqlx::query!(
            "insert into workspace_storage (workspace_id, bytes, objects) values ($1, greatest($2::bigint, 0), greatest($3::bigint, 0))
             on conflict (workspace_id) do update
             set bytes = greatest(workspace_storage.bytes + $2, 0),
                 objects = greatest(workspace_storage.objects + $3, 0),
                 updated_at = now()",
            change.workspace,
            change.bytes,
            change.objects
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(inserted)
}
