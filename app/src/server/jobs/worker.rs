//! The worker loop: claim, run, record; plus heartbeats, lease expiry, cancellation and cron.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use sqlx::{postgres::PgListener, PgPool};
use tokio::{sync::Notify, task::JoinSet, time::sleep};
use tokio_util::{sync::CancellationToken, task::AbortOnDropHandle};
use uuid::Uuid;

use super::{queries, schedule, JobContext, JobError, JobId, JobState, Registry};

#[derive(Clone, Debug)]
pub struct WorkerOptions {
    /// Jobs of one queue run at once by this process, unless `queue_concurrency` names the queue.
    pub concurrency: usize,
    pub queue_concurrency: HashMap<String, usize>,
    /// How often running jobs' leases are renewed and this worker reports itself alive.
    pub heartbeat: Duration,
    /// A running job whose lease has not been renewed for this long is given to another worker.
    pub lease: Duration,
    /// Fallback poll when no NOTIFY arrives; also the cron and cancellation tick.
    pub tick: Duration,
    /// First retry delay; doubles per attempt up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// How long running jobs may take to finish at shutdown before they go back to the queue.
    pub shutdown_grace: Duration,
}

impl WorkerOptions {
    pub fn new(concurrency: usize, heartbeat: Duration, shutdown_grace: Duration) -> Self {
        Self {
            concurrency,
            queue_concurrency: HashMap::new(),
            heartbeat,
            lease: heartbeat * 3,
            tick: Duration::from_secs(1).min(heartbeat),
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(15 * 60),
            shutdown_grace,
        }
    }

    pub fn concurrency_for(&self, queue: &str) -> usize {
        self.queue_concurrency
            .get(queue)
            .copied()
            .unwrap_or(self.concurrency)
            .max(1)
    }

    /// Exponential backoff with ±20% jitter so failed jobs don't retry in lockstep.
    pub fn backoff(&self, attempt: i32) -> Duration {
        let exp = self
            .retry_base
            .saturating_mul(1u32 << attempt.clamp(1, 20).saturating_sub(1) as u32);
        let capped = exp.min(self.retry_max);
        capped.mul_f64(rand::random_range(0.8..1.2))
    }
}

type Running = Arc<Mutex<HashMap<JobId, CancellationToken>>>;

struct Worker {
    id: Uuid,
    pool: PgPool,
    registry: Registry,
    options: WorkerOptions,
    queues: Vec<String>,
    running: Running,
}

/// Runs until `shutdown` is cancelled, then lets running jobs finish for up to the grace period
/// and returns the rest to the queue.
pub async fn run_workers(
    pool: PgPool,
    registry: Registry,
    options: WorkerOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let worker = Arc::new(Worker {
        id: Uuid::new_v4(),
        queues: registry.queues(),
        pool,
        registry,
        options,
        running: Running::default(),
    });
    for schedule in &worker.registry.schedules {
        schedule.register(&worker.pool).await?;
    }
    queries::upsert_worker(&worker.pool, worker.id, &hostname(), &worker.queues).await?;
    tracing::info!(worker = %worker.id, queues = ?worker.queues, "worker started");

    let wakers: HashMap<String, Arc<Notify>> = worker
        .queues
        .iter()
        .map(|q| (q.clone(), Arc::new(Notify::new())))
        .collect();
    let stop_background = CancellationToken::new();
    let listener = tokio::spawn(listen(
        worker.pool.clone(),
        wakers.clone(),
        stop_background.clone(),
    ));
    let housekeeping = tokio::spawn(housekeep(Arc::clone(&worker), stop_background.clone()));

    let mut loops = JoinSet::new();
    for (queue, wake) in wakers {
        loops.spawn(Arc::clone(&worker).claim_loop(queue, wake, shutdown.clone()));
    }
    let mut abandoned = false;
    while let Some(result) = loops.join_next().await {
        abandoned |= result.unwrap_or(true);
    }
    stop_background.cancel();
    if abandoned {
        match queries::release_all(&worker.pool, worker.id).await {
            Ok(n) => tracing::warn!(
                jobs = n,
                "grace period over: returned unfinished jobs to the queue"
            ),
            Err(e) => {
                tracing::error!(error = %e, "could not return unfinished jobs; their leases will expire")
            }
        }
    }
    let _ = tokio::join!(listener, housekeeping);
    queries::remove_worker(&worker.pool, worker.id).await?;
    tracing::info!(worker = %worker.id, "worker stopped");
    Ok(())
}

impl Worker {
    /// Claims and runs jobs of one queue, up to its concurrency, until shutdown. Returns true when
    /// jobs were still running after the grace period and were aborted.
    #[tracing::instrument(skip_all, fields(queue = %queue))]
    async fn claim_loop(
        self: Arc<Self>,
        queue: String,
        wake: Arc<Notify>,
        shutdown: CancellationToken,
    ) -> bool {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(
            self.options.concurrency_for(&queue),
        ));
        let queues = [queue];
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            let permit = tokio::select! {
                permit = Arc::clone(&semaphore).acquire_owned() => permit.expect("semaphore is never closed"),
                _ = shutdown.cancelled() => break,
            };
            match queries::claim_next(&self.pool, &queues, self.id).await {
                Ok(Some(job)) => {
                    let worker = Arc::clone(&self);
                    tasks.spawn(async move {
                        worker.execute(job).await;
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "claiming a job failed; retrying"),
            }
            drop(permit);
            tokio::select! {
                _ = wake.notified() => {}
                _ = sleep(self.options.tick) => {}
                _ = shutdown.cancelled() => break,
            }
        }
        if !tasks.is_empty() {
            tracing::info!(
                running = tasks.len(),
                "stopping; letting running jobs finish"
            );
        }
        let drained = tokio::time::timeout(self.options.shutdown_grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tasks.shutdown().await;
            return true;
        }
        false
    }

    #[tracing::instrument(skip_all, fields(job = %job.id, kind = %job.kind, attempt = job.attempts))]
    async fn execute(&self, job: queries::ClaimedJob) {
        let token = CancellationToken::new();
        self.running
            .lock()
            .expect("running map")
            .insert(job.id, token.clone());
        let ctx = JobContext {
            id: job.id,
            kind: job.kind.clone(),
            attempt: job.attempts,
            pool: self.pool.clone(),
            cancel: token.clone(),
        };
        let outcome = match self.registry.get(&job.kind) {
            None => Err(JobError::Retryable(format!(
                "this worker has no handler for {}",
                job.kind
            ))),
            // Its own task, so a panic is caught as a JoinError, and aborted with us at shutdown.
            Some(handler) => {
                match AbortOnDropHandle::new(tokio::spawn(handler.start(ctx, job.payload.clone())))
                    .await
                {
                    Ok(result) => result,
                    Err(e) if e.is_panic() => Err(JobError::Retryable("the job panicked".into())),
                    Err(_) => Err(JobError::Retryable("the job was aborted".into())),
                }
            }
        };
        self.running.lock().expect("running map").remove(&job.id);
        let outcome = if token.is_cancelled() {
            Err(JobError::Cancelled)
        } else {
            outcome
        };
        if let Err(e) = self.record(&job, outcome).await {
            tracing::error!(error = %e, "could not record the job's outcome; its lease will expire and it will run again");
        }
    }

    async fn record(
        &self,
        job: &queries::ClaimedJob,
        outcome: Result<(), JobError>,
    ) -> Result<(), sqlx::Error> {
        let still_ours = match outcome {
            Ok(()) => {
                tracing::info!("job succeeded");
                queries::finish(&self.pool, job.id, self.id, JobState::Succeeded, None).await?
            }
            Err(JobError::Cancelled) => {
                tracing::info!("job cancelled");
                queries::finish(
                    &self.pool,
                    job.id,
                    self.id,
                    JobState::Cancelled,
                    Some("cancelled on request"),
                )
                .await?
            }
            Err(JobError::Permanent(msg)) => {
                tracing::warn!(error = %msg, "job failed permanently");
                queries::finish(&self.pool, job.id, self.id, JobState::Dead, Some(&msg)).await?
            }
            Err(JobError::Retryable(msg)) if job.attempts >= job.max_attempts => {
                tracing::warn!(error = %msg, "job failed on its last attempt");
                queries::finish(&self.pool, job.id, self.id, JobState::Dead, Some(&msg)).await?
            }
            Err(JobError::Retryable(msg)) => {
                let delay = self.options.backoff(job.attempts);
                tracing::info!(error = %msg, retry_in = ?delay, "job failed; will retry");
                queries::retry_later(&self.pool, job.id, self.id, &msg, delay).await?
            }
        };
        if !still_ours {
            tracing::warn!(
                "job was reclaimed by another worker while it ran; this result was discarded"
            );
        }
        Ok(())
    }
}

/// Renews leases, forwards cancellation requests, expires dead workers' leases and fires cron.
async fn housekeep(worker: Arc<Worker>, stop: CancellationToken) {
    let mut last_beat = tokio::time::Instant::now();
    loop {
        tokio::select! {
            _ = sleep(worker.options.tick) => {}
            _ = stop.cancelled() => return,
        }
        if let Err(e) = housekeep_once(&worker, &mut last_beat).await {
            tracing::warn!(error = %e, "worker housekeeping failed; will try again");
        }
    }
}

async fn housekeep_once(
    worker: &Worker,
    last_beat: &mut tokio::time::Instant,
) -> Result<(), sqlx::Error> {
    let has_running = !worker.running.lock().expect("running map").is_empty();
    if has_running {
        for beat in queries::heartbeat_jobs(&worker.pool, worker.id).await? {
            if beat.cancel_requested {
                if let Some(token) = worker.running.lock().expect("running map").get(&beat.id) {
                    token.cancel();
                }
            }
        }
    }
    schedule::fire_due(&worker.pool).await?;
    if last_beat.elapsed() >= worker.options.heartbeat {
        *last_beat = tokio::time::Instant::now();
        queries::upsert_worker(&worker.pool, worker.id, &hostname(), &worker.queues).await?;
        let reclaimed = queries::reclaim_expired(&worker.pool, worker.options.lease).await?;
        if reclaimed > 0 {
            tracing::warn!(
                jobs = reclaimed,
                "reclaimed jobs from workers that stopped responding"
            );
        }
    }
    Ok(())
}

/// Wakes a queue's claim loop when a job is committed to it; polling covers a lost connection.
async fn listen(pool: PgPool, wakers: HashMap<String, Arc<Notify>>, stop: CancellationToken) {
    loop {
        let result = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen("jobs_queued").await?;
            loop {
                tokio::select! {
                    n = listener.recv() => {
                        if let Some(wake) = wakers.get(n?.payload()) {
                            wake.notify_one();
                        }
                    }
                    _ = stop.cancelled() => return Ok::<_, sqlx::Error>(()),
                }
            }
        }
        .await;
        match result {
            Ok(()) => return,
            Err(e) => {
                tracing::debug!(error = %e, "job notifications lost; polling until reconnected")
            }
        }
        tokio::select! {
            _ = sleep(Duration::from_secs(5)) => {}
            _ = stop.cancelled() => return,
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_and_is_capped() {
        let o = WorkerOptions::new(1, Duration::from_secs(30), Duration::from_secs(1));
        let first = o.backoff(1);
        assert!(
            first >= Duration::from_secs(4) && first <= Duration::from_secs(6),
            "{first:?}"
        );
        let fourth = o.backoff(4);
        assert!(
            fourth >= Duration::from_secs(32) && fourth <= Duration::from_secs(48),
            "{fourth:?}"
        );
        assert!(o.backoff(30) <= Duration::from_secs(15 * 60).mul_f64(1.2));
    }
}
