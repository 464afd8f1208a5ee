//! The usage ledger (`usage_events`): what each workspace used, for quotas and billing. An entry
//! is counted once: a second one with the same idempotency key in the workspace is ignored.

use sqlx::PgConnection;
use uuid::Uuid;

pub struct UsageEvent<'a> {
    pub workspace: Uuid,
    /// `storage.added`, `transcription.audio`, `export.file`, …
    pub kind: &'a str,
    pub quantity: i64,
    /// `bytes`, `seconds`, `tokens`, `count`, …
    pub unit: &'a str,
    pub idempotency_key: String,
    pub metadata: serde_json::Value,
}

/// Records the entry on the caller's transaction; returns whether it was new.
pub async fn record(conn: &mut PgConnection, event: UsageEvent<'_>) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query!(
        "insert into usage_events (workspace_id, kind, quantity, unit, idempotency_key, metadata)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (workspace_id, idempotency_key) do nothing",
        event.workspace,
        event.kind,
        event.quantity,
        event.unit,
        event.idempotency_key,
        event.metadata
    )
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1)
}
