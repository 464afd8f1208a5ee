//! The worker: one claim loop per queue, plus heartbeats, lease expiry, cancellation and cron.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use sqlx::{postgres::PgListener, PgPool};
use tokio::{sync::Notify, task::JoinSet, time::sleep};
use tokio_util::{sync::CancellationToken, task::AbortOnDropHandle};
use uuid::Uuid;

use super::{queries, schedule, JobContext, JobError, JobState, Registry};

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
        exp.min(self.retry_max).mul_f64(rand::random_range(0.8..1.2))
    }
}

/// Cancellation tokens of the runs in flight, by lease (one per claim, never reused).
type Running = Arc<Mutex<HashMap<Uuid, CancellationToken>>>;

struct Worker {
    id: Uuid,
    pool: PgPool,
    registry: Registry,
    options: WorkerOptions,
    queues: Vec<String>,
    kinds: Vec<String>,
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
        kinds: registry.kinds().into_iter().map(str::to_owned).collect(),
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
    let listener = tokio::spawn(listen(worker.pool.clone(), wakers.clone(), stop_background.clone()));
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
            Ok(n) => tracing::warn!(jobs = n, "grace period over: returned unfinished jobs to the queue"),
            Err(e) => tracing::error!(error = %e, "could not return unfinished jobs; their leases will expire"),
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
    async fn claim_loop(self: Arc<Self>, queue: String, wake: Arc<Notify>, shutdown: CancellationToken) -> bool {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(self.options.concurrency_for(&queue)));
        let queues = [queue];
        let mut tasks = JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            // Biased: once shutdown is requested, no new claim is made even if a permit is free.
            let permit = tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                permit = Arc::clone(&semaphore).acquire_owned() => permit.expect("semaphore is never closed"),
            };
            match queries::claim_next(&self.pool, &queues, &self.kinds, self.id).await {
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
                biased;
                _ = shutdown.cancelled() => break,
                _ = wake.notified() => {}
                _ = sleep(self.options.tick) => {}
            }
        }
        if !tasks.is_empty() {
            tracing::info!(running = tasks.len(), "stopping; letting running jobs finish");
        }
        let drained = tokio::time::timeout(self.options.shutdown_grace, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            // Aborts each handler at its next await. A handler stuck in blocking code may still
            // finish later; its lease is gone by then, so its result is discarded.
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
            .insert(job.lease, token.clone());
        let ctx = JobContext {
            id: job.id,
            kind: job.kind.clone(),
            attempt: job.attempts,
            pool: self.pool.clone(),
            lease: job.lease,
            cancel: token.clone(),
        };
        let outcome = match self.registry.get(&job.kind) {
            None => Err(JobError::Retryable(format!(
                "this worker has no handler for {}",
                job.kind
            ))),
            // Its own task, so a panic is caught as a JoinError, and aborted with us at shutdown.
            Some(handler) => {
                match AbortOnDropHandle::new(tokio::spawn(handler.start(ctx, job.payload.clone()))).await {
                    Ok(result) => result,
                    Err(e) if e.is_panic() => Err(JobError::Retryable("the job panicked".into())),
                    Err(_) => Err(JobError::Retryable("the job was aborted".into())),
                }
            }
        };
        self.running.lock().expect("running map").remove(&job.lease);
        // A handler that failed because it was told to stop was cancelled, not broken. One that
        // finished anyway keeps its real outcome: its effects happened.
        let outcome = match outcome {
            Err(JobError::Retryable(_)) if token.is_cancelled() => Err(JobError::Cancelled),
            other => other,
        };
        if let Err(e) = self.record(&job, outcome).await {
            tracing::error!(error = %e, "could not record the job's outcome; its lease will expire and it will run again");
        }
    }

    async fn record(&self, job: &queries::ClaimedJob, outcome: Result<(), JobError>) -> Result<(), sqlx::Error> {
        let (pool, id, lease) = (&self.pool, job.id, job.lease);
        let still_ours = match outcome {
            Ok(()) => {
                tracing::info!("job succeeded");
                queries::finish(pool, id, lease, JobState::Succeeded, None).await?
            }
            Err(JobError::Cancelled) => {
                tracing::info!("job cancelled");
                queries::finish(pool, id, lease, JobState::Cancelled, Some("cancelled on request")).await?
            }
            Err(JobError::Permanent(msg)) => {
                tracing::warn!(error = %msg, "job failed permanently");
                queries::finish(pool, id, lease, JobState::Dead, Some(&msg)).await?
            }
            Err(JobError::Retryable(msg)) if job.attempts >= job.max_attempts => {
                tracing::warn!(error = %msg, "job failed on its last attempt");
                queries::finish(pool, id, lease, JobState::Dead, Some(&msg)).await?
            }
            Err(JobError::Retryable(msg)) => {
                let delay = self.options.backoff(job.attempts);
                tracing::info!(error = %msg, retry_in = ?delay, "job failed; will retry");
                queries::retry_later(pool, id, lease, &msg, delay).await?
            }
        };
        if !still_ours {
            tracing::warn!("the job's lease expired while it ran and another run took over; this result was discarded");
        }
        Ok(())
    }

    fn cancel_runs(&self, leases: impl IntoIterator<Item = Uuid>) {
        let running = self.running.lock().expect("running map");
        for lease in leases {
            if let Some(token) = running.get(&lease) {
                token.cancel();
            }
        }
    }

    fn has_running(&self) -> bool {
        !self.running.lock().expect("running map").is_empty()
    }

    /// Renews leases; a run whose lease was lost (reclaimed after a stall) is told to stop, since
    /// another worker now runs the same job.
    async fn renew_leases(&self) -> Result<(), sqlx::Error> {
        let beats = queries::heartbeat_jobs(&self.pool, self.id).await?;
        let held: std::collections::HashSet<Uuid> = beats.iter().map(|b| b.lease).collect();
        let lost: Vec<Uuid> = self
            .running
            .lock()
            .expect("running map")
            .keys()
            .filter(|l| !held.contains(l))
            .copied()
            .collect();
        if !lost.is_empty() {
            tracing::warn!(runs = lost.len(), "lost the lease of running jobs; stopping them");
        }
        self.cancel_runs(lost);
        self.cancel_runs(beats.into_iter().filter(|b| b.cancel_requested).map(|b| b.lease));
        Ok(())
    }
}

/// Every tick: cancellation requests and due cron schedules. Every heartbeat: lease renewal,
/// this worker's liveness, and expiry of other workers' leases. Each step fails on its own.
async fn housekeep(worker: Arc<Worker>, stop: CancellationToken) {
    let mut last_beat = tokio::time::Instant::now();
    loop {
        tokio::select! {
            biased;
            _ = stop.cancelled() => return,
            _ = sleep(worker.options.tick) => {}
        }
        if worker.has_running() {
            match queries::cancel_requested(&worker.pool, worker.id).await {
                Ok(leases) => worker.cancel_runs(leases),
                Err(e) => tracing::warn!(error = %e, "could not read cancellation requests"),
            }
        }
        if let Err(e) = schedule::fire_due(&worker.pool).await {
            tracing::warn!(error = %e, "could not read due schedules");
        }
        if last_beat.elapsed() < worker.options.heartbeat {
            continue;
        }
        last_beat = tokio::time::Instant::now();
        if worker.has_running() {
            if let Err(e) = worker.renew_leases().await {
                tracing::warn!(error = %e, "could not renew job leases");
            }
        }
        if let Err(e) = queries::upsert_worker(&worker.pool, worker.id, &hostname(), &worker.queues).await {
            tracing::warn!(error = %e, "could not record this worker's heartbeat");
        }
        match queries::reclaim_expired(&worker.pool, worker.options.lease).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(jobs = n, "reclaimed jobs from workers that stopped responding"),
            Err(e) => tracing::warn!(error = %e, "could not reclaim expired leases"),
        }
    }
}

/// Wakes a queue's claim loop when a job is committed to it; polling covers a lost connection.
async fn listen(pool: PgPool, wakers: HashMap<String, Arc<Notify>>, stop: CancellationToken) {
    loop {
        let result = async {
            let mut listener = PgListener::connect_with(&pool).await?;
            listener.listen("jobs_queued").await?;
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return Ok::<_, sqlx::Error>(()),
                    n = listener.recv() => {
                        if let Some(wake) = wakers.get(n?.payload()) {
                            wake.notify_one();
                        }
                    }
                }
            }
        }
        .await;
        match result {
            Ok(()) => return,
            Err(e) => tracing::debug!(error = %e, "job notifications lost; polling until reconnected"),
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = sleep(Duration::from_secs(5)) => {}
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

    #[test]
    fn queue_concurrency_overrides_the_default() {
        let mut o = WorkerOptions::new(4, Duration::from_secs(30), Duration::from_secs(1));
        o.queue_concurrency.insert("maintenance".into(), 1);
        assert_eq!(o.concurrency_for("maintenance"), 1);
        assert_eq!(o.concurrency_for("default"), 4);
    }
}
