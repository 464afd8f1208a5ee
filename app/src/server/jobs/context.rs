use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use super::{queries, JobError, JobId};

/// What a running job can see and do besides its payload.
#[derive(Clone)]
pub struct JobContext {
    pub id: JobId,
    pub kind: String,
    /// 1 on the first run.
    pub attempt: i32,
    pub pool: PgPool,
    pub(super) lease: uuid::Uuid,
    pub(super) cancel: CancellationToken,
}

impl JobContext {
    /// Records progress (clamped to 0–100) and a short message the UI can show.
    pub async fn progress(&self, percent: u8, message: &str) -> Result<(), JobError> {
        let message: String = message.chars().take(500).collect();
        queries::set_progress(&self.pool, self.id, self.lease, i16::from(percent.min(100)), &message).await?;
        Ok(())
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Resolves when cancellation has been requested, or this run lost its lease; `select!` on it
    /// around long steps.
    pub async fn cancelled(&self) {
        self.cancel.cancelled().await
    }
}
