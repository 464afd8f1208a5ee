use std::{collections::HashMap, future::Future, pin::Pin, sync::Arc};

use serde::{de::DeserializeOwned, Serialize};

use super::{schedule::Schedule, JobContext};

/// A kind of background work. Handlers must be idempotent: a job can run again after a crash.
pub trait Job: Send + Sync + 'static {
    /// Stable name stored with each job; renaming it orphans queued jobs.
    const KIND: &'static str;
    const QUEUE: &'static str = "default";
    const MAX_ATTEMPTS: i32 = 5;
    type Payload: Serialize + DeserializeOwned + Send + 'static;

    fn run(&self, ctx: JobContext, payload: Self::Payload) -> impl Future<Output = Result<(), JobError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Worth another attempt later (network, timeouts, a busy database).
    #[error("{0}")]
    Retryable(String),
    /// Will fail the same way every time: the job goes straight to `dead`.
    #[error("{0}")]
    Permanent(String),
    /// The handler stopped because cancellation was requested.
    #[error("cancelled")]
    Cancelled,
}

impl JobError {
    pub fn retryable(e: impl std::fmt::Display) -> Self {
        Self::Retryable(e.to_string())
    }
    pub fn permanent(e: impl std::fmt::Display) -> Self {
        Self::Permanent(e.to_string())
    }
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> Self {
        Self::Retryable(format!("database: {e}"))
    }
}

impl From<anyhow::Error> for JobError {
    fn from(e: anyhow::Error) -> Self {
        Self::Retryable(format!("{e:#}"))
    }
}

pub(super) type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

pub(super) trait ErasedJob: Send + Sync {
    fn start(&self, ctx: JobContext, payload: serde_json::Value) -> JobFuture;
}

struct Erased<J>(Arc<J>);

impl<J: Job> ErasedJob for Erased<J> {
    fn start(&self, ctx: JobContext, payload: serde_json::Value) -> JobFuture {
        let job = Arc::clone(&self.0);
        Box::pin(async move {
            let payload = serde_json::from_value(payload)
                .map_err(|e| JobError::Permanent(format!("payload does not match {}: {e}", J::KIND)))?;
            job.run(ctx, payload).await
        })
    }
}

/// The job kinds and schedules a worker process knows.
#[derive(Clone, Default)]
pub struct Registry {
    pub(super) jobs: HashMap<&'static str, (&'static str, Arc<dyn ErasedJob>)>,
    pub(super) schedules: Vec<Schedule>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register<J: Job>(mut self, job: J) -> Self {
        self.jobs.insert(J::KIND, (J::QUEUE, Arc::new(Erased(Arc::new(job)))));
        self
    }

    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedules.push(schedule);
        self
    }

    pub fn kinds(&self) -> Vec<&'static str> {
        self.jobs.keys().copied().collect()
    }

    /// Every queue that has at least one registered kind, sorted.
    pub fn queues(&self) -> Vec<String> {
        let mut queues: Vec<String> = self.jobs.values().map(|(q, _)| (*q).to_owned()).collect();
        queues.sort();
        queues.dedup();
        queues
    }

    pub(super) fn get(&self, kind: &str) -> Option<Arc<dyn ErasedJob>> {
        self.jobs.get(kind).map(|(_, j)| Arc::clone(j))
    }
}
