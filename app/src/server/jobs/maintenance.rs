//! Housekeeping that keeps the queue's own tables small.

use serde::{Deserialize, Serialize};

use super::{Job, JobContext, JobError, Registry, Schedule};

/// Deletes finished jobs older than the retention and workers gone for a day.
pub struct PruneJobs;

#[derive(Serialize, Deserialize)]
pub struct PruneJobsPayload {
    pub keep_days: i32,
}

impl Job for PruneJobs {
    const KIND: &'static str = "maintenance.prune_jobs";
    const QUEUE: &'static str = "maintenance";
    type Payload = PruneJobsPayload;

    async fn run(&self, ctx: JobContext, payload: PruneJobsPayload) -> Result<(), JobError> {
        let jobs = sqlx::query!(
            "delete from jobs where finished_at < now() - make_interval(days => $1)",
            payload.keep_days,
        )
        .execute(&ctx.pool)
        .await?
        .rows_affected();
        let workers = sqlx::query!("delete from worker_heartbeats where seen_at < now() - interval '1 day'")
            .execute(&ctx.pool)
            .await?
            .rows_affected();
        tracing::info!(jobs, workers, "pruned finished jobs and departed workers");
        Ok(())
    }
}

pub fn register(registry: Registry) -> Registry {
    let hourly = Schedule::new::<PruneJobs>(
        "maintenance.prune_jobs.hourly",
        "0 17 * * * *",
        &PruneJobsPayload { keep_days: 14 },
    )
    .expect("a valid built-in cron expression");
    registry.register(PruneJobs).schedule(hourly)
}
