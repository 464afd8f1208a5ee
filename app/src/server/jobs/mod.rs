//! A durable job queue on PostgreSQL.
//!
//! Why our own: see README, "Why the job queue is ours". In short, underway 0.2 ignores retry
//! backoff, does not record a fatal error, returns no id from an enqueue and breaks multi-step
//! jobs; apalis-sql 0.7 cannot enqueue inside the caller's transaction.
//!
//! Guarantees: a job enqueued in a transaction exists only if that transaction commits; each job
//! runs at least once until it succeeds, is cancelled, or ends `dead` with its last error. Handlers
//! make their effects idempotent (the job id is a natural key) so "at least once" has the effect of
//! "exactly once".

mod context;
pub mod maintenance;
pub mod queries;
mod registry;
mod schedule;
mod worker;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

pub use context::JobContext;
pub use registry::{Job, JobError, Registry};
pub use schedule::Schedule;
pub use worker::{run_workers, WorkerOptions};

pub type JobId = Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "job_state", rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Succeeded,
    Cancelled,
    Dead,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Cancelled => "cancelled",
            Self::Dead => "dead",
        }
    }
}

/// A job to enqueue: built from a [`Job`] type and its payload.
#[derive(Clone, Debug)]
pub struct NewJob {
    pub queue: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub delay: Duration,
    pub max_attempts: i32,
    pub priority: i16,
    pub idempotency_key: Option<String>,
}

impl NewJob {
    pub fn of<J: Job>(payload: &J::Payload) -> Self {
        Self {
            queue: J::QUEUE.to_owned(),
            kind: J::KIND.to_owned(),
            payload: serde_json::to_value(payload).expect("job payloads serialize to JSON"),
            delay: Duration::ZERO,
            max_attempts: J::MAX_ATTEMPTS,
            priority: 0,
            idempotency_key: None,
        }
    }

    /// Runs no earlier than `delay` from now.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// A second enqueue with the same kind and key returns the first job instead.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    pub fn max_attempts(mut self, attempts: i32) -> Self {
        self.max_attempts = attempts.clamp(1, 100);
        self
    }
}

/// Enqueues on the caller's connection, so inside the caller's transaction when it has one:
/// a rolled-back transaction leaves no job behind.
#[tracing::instrument(skip(conn, job), fields(kind = %job.kind))]
pub async fn enqueue(conn: &mut PgConnection, job: NewJob) -> Result<JobId, sqlx::Error> {
    queries::insert_job(conn, &job).await
}

/// Cancels a job: a queued one at once, a running one at its next heartbeat (its handler sees
/// [`JobContext::cancelled`]). Returns false when the job had already finished.
#[tracing::instrument(skip(conn))]
pub async fn cancel(conn: &mut PgConnection, id: JobId) -> Result<bool, sqlx::Error> {
    queries::request_cancel(conn, id).await
}
