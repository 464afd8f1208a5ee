//! One function per SQL statement of the job queue.

use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{JobId, JobState, NewJob};

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

pub async fn insert_job(conn: &mut PgConnection, job: &NewJob) -> Result<JobId, sqlx::Error> {
    let id = Uuid::new_v4();
    // On a repeated idempotency key the update is a no-op that lets `returning` yield the
    // existing row's id.
    sqlx::query_scalar!(
        r#"
        insert into jobs (id, queue, kind, payload, run_at, max_attempts, priority, idempotency_key)
        values ($1, $2, $3, $4, now() + make_interval(secs => $5), $6, $7, $8)
        on conflict (kind, idempotency_key) where idempotency_key is not null
        do update set idempotency_key = excluded.idempotency_key
        returning id
        "#,
        id,
        job.queue,
        job.kind,
        job.payload,
        secs(job.delay),
        job.max_attempts,
        job.priority,
        job.idempotency_key,
    )
    .fetch_one(conn)
    .await
}

pub struct ClaimedJob {
    pub id: JobId,
    pub lease: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub attempts: i32,
    pub max_attempts: i32,
}

/// Claims the most urgent due job of these queues and kinds. Kinds this worker cannot run are
/// left for a worker that can (a rolling deploy has both).
pub async fn claim_next(
    pool: &PgPool,
    queues: &[String],
    kinds: &[String],
    worker_id: Uuid,
) -> Result<Option<ClaimedJob>, sqlx::Error> {
    // SKIP LOCKED lets many workers claim concurrently without blocking on, or double-claiming,
    // a row another worker is taking in the same instant.
    sqlx::query_as!(
        ClaimedJob,
        r#"
        update jobs set state = 'running', attempts = attempts + 1, locked_by = $3, lease = gen_random_uuid(),
               heartbeat_at = now(), started_at = now(), last_error = null
        where id = (
            select id from jobs
            where state = 'queued' and queue = any($1) and kind = any($2) and run_at <= now()
              and not cancel_requested
            order by priority desc, run_at, id
            for update skip locked
            limit 1
        )
        returning id, lease as "lease!", kind, payload, attempts, max_attempts
        "#,
        queues,
        kinds,
        worker_id,
    )
    .fetch_optional(pool)
    .await
}

/// Records a final state, only while this claim still holds the job: after a lease expiry another
/// run may own it, and the stale result must not overwrite that run.
pub async fn finish(
    pool: &PgPool,
    id: JobId,
    lease: Uuid,
    state: JobState,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        update jobs set state = $3, finished_at = now(), locked_by = null, lease = null, heartbeat_at = null,
               last_error = $4, progress = case when $3 = 'succeeded'::job_state then 100 else progress end
        where id = $1 and lease = $2 and state = 'running'
        "#,
        id,
        lease,
        state as JobState,
        error,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Back to the queue after `after`, unless cancellation was requested meanwhile.
pub async fn retry_later(
    pool: &PgPool,
    id: JobId,
    lease: Uuid,
    error: &str,
    after: Duration,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        update jobs set
            state = case when cancel_requested then 'cancelled'::job_state else 'queued'::job_state end,
            finished_at = case when cancel_requested then now() end,
            locked_by = null, lease = null, heartbeat_at = null, last_error = $3,
            run_at = now() + make_interval(secs => $4)
        where id = $1 and lease = $2 and state = 'running'
        "#,
        id,
        lease,
        error,
        secs(after),
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts jobs this worker is abandoning at shutdown back in the queue without spending an attempt
/// (or ends them, if cancellation was requested).
pub async fn release_all(pool: &PgPool, worker_id: Uuid) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        update jobs set
            state = case when cancel_requested then 'cancelled'::job_state else 'queued'::job_state end,
            finished_at = case when cancel_requested then now() end,
            locked_by = null, lease = null, heartbeat_at = null,
            attempts = greatest(attempts - 1, 0), run_at = now(),
            last_error = 'interrupted by a worker shutdown; returned to the queue'
        where locked_by = $1 and state = 'running'
        "#,
        worker_id,
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub struct Heartbeat {
    pub lease: Uuid,
    pub cancel_requested: bool,
}

/// Extends the leases this worker holds; returns the leases still held and whether each job
/// should stop. A lease missing from the answer was lost (reclaimed after a stall).
pub async fn heartbeat_jobs(pool: &PgPool, worker_id: Uuid) -> Result<Vec<Heartbeat>, sqlx::Error> {
    sqlx::query_as!(
        Heartbeat,
        r#"
        update jobs set heartbeat_at = now()
        where locked_by = $1 and state = 'running'
        returning lease as "lease!", cancel_requested
        "#,
        worker_id,
    )
    .fetch_all(pool)
    .await
}

/// Leases of this worker's running jobs whose cancellation was requested (polled every tick,
/// between heartbeats, so a cancel takes effect within a second).
pub async fn cancel_requested(pool: &PgPool, worker_id: Uuid) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select lease as "lease!" from jobs where locked_by = $1 and state = 'running' and cancel_requested"#,
        worker_id,
    )
    .fetch_all(pool)
    .await
}

/// Jobs whose worker stopped heartbeating (killed, partitioned) go back to the queue, or end
/// `dead` once out of attempts, or `cancelled` when that was requested.
pub async fn reclaim_expired(pool: &PgPool, lease: Duration) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        update jobs set
            state = case when cancel_requested then 'cancelled'::job_state
                         when attempts >= max_attempts then 'dead'::job_state
                         else 'queued'::job_state end,
            finished_at = case when cancel_requested or attempts >= max_attempts then now() end,
            locked_by = null, lease = null, heartbeat_at = null, run_at = now(),
            last_error = 'the worker running this job stopped responding'
        where state = 'running' and heartbeat_at < now() - make_interval(secs => $1)
        "#,
        secs(lease),
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

pub async fn request_cancel(conn: &mut PgConnection, id: JobId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        r#"
        update jobs set
            cancel_requested = true,
            state = case when state = 'queued' then 'cancelled'::job_state else state end,
            finished_at = case when state = 'queued' then now() else finished_at end
        where id = $1 and state in ('queued', 'running')
        "#,
        id,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_progress(
    pool: &PgPool,
    id: JobId,
    lease: Uuid,
    percent: i16,
    message: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update jobs set progress = $3, progress_message = $4 where id = $1 and lease = $2 and state = 'running'",
        id,
        lease,
        percent,
        message,
    )
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Clone, Debug)]
pub struct JobRecord {
    pub id: JobId,
    pub queue: String,
    pub kind: String,
    pub state: JobState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub progress: i16,
    pub progress_message: String,
    pub last_error: Option<String>,
    pub run_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
}

pub async fn get_job(pool: &PgPool, id: JobId) -> Result<Option<JobRecord>, sqlx::Error> {
    sqlx::query_as!(
        JobRecord,
        r#"
        select id, queue, kind, state as "state: JobState", attempts, max_attempts, progress,
               progress_message, last_error, run_at, finished_at
        from jobs where id = $1
        "#,
        id,
    )
    .fetch_optional(pool)
    .await
}

pub struct QueueDepth {
    pub queue: String,
    pub state: JobState,
    pub count: i64,
}

/// Jobs waiting, running and dead per queue: the states operators act on. Finished jobs are left
/// out so the count stays an index scan however long the history grows.
pub async fn queue_depths(pool: &PgPool) -> Result<Vec<QueueDepth>, sqlx::Error> {
    sqlx::query_as!(
        QueueDepth,
        r#"
        select queue, state as "state: JobState", count(*) as "count!"
        from jobs where state in ('queued', 'running', 'dead')
        group by queue, state order by queue, state
        "#
    )
    .fetch_all(pool)
    .await
}

pub async fn upsert_worker(
    pool: &PgPool,
    worker_id: Uuid,
    hostname: &str,
    queues: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        insert into worker_heartbeats (worker_id, hostname, pid, queues)
        values ($1, $2, $3, $4)
        on conflict (worker_id) do update set seen_at = now()
        "#,
        worker_id,
        hostname,
        std::process::id() as i32,
        queues,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn remove_worker(pool: &PgPool, worker_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from worker_heartbeats where worker_id = $1", worker_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub struct LiveWorker {
    pub hostname: String,
    pub pid: i32,
    pub queues: Vec<String>,
    pub started_at: OffsetDateTime,
    pub seen_at: OffsetDateTime,
}

pub async fn live_workers(pool: &PgPool, within: Duration) -> Result<Vec<LiveWorker>, sqlx::Error> {
    sqlx::query_as!(
        LiveWorker,
        r#"
        select hostname, pid, queues, started_at, seen_at from worker_heartbeats
        where seen_at > now() - make_interval(secs => $1)
        order by started_at
        "#,
        secs(within),
    )
    .fetch_all(pool)
    .await
}

/// Registers a schedule; an unchanged cron keeps its pending next run, a changed one restarts.
pub async fn upsert_schedule(pool: &PgPool, schedule: &ScheduleRow<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        insert into job_schedules (name, cron, queue, kind, payload, max_attempts, next_run_at)
        values ($1, $2, $3, $4, $5, $6, $7)
        on conflict (name) do update set
            queue = excluded.queue, kind = excluded.kind, payload = excluded.payload,
            max_attempts = excluded.max_attempts,
            next_run_at = case when job_schedules.cron = excluded.cron then job_schedules.next_run_at
                               else excluded.next_run_at end,
            cron = excluded.cron
        "#,
        schedule.name,
        schedule.cron,
        schedule.queue,
        schedule.kind,
        schedule.payload,
        schedule.max_attempts,
        schedule.next_run_at,
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub struct ScheduleRow<'a> {
    pub name: &'a str,
    pub cron: &'a str,
    pub queue: &'a str,
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub max_attempts: i32,
    pub next_run_at: OffsetDateTime,
}

pub struct DueSchedule {
    pub name: String,
    pub cron: String,
    pub queue: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub max_attempts: i32,
    pub next_run_at: OffsetDateTime,
    /// The database's clock, which decides due-ness; the next run is computed from it too.
    pub db_now: OffsetDateTime,
}

pub async fn due_schedule_names(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!("select name from job_schedules where next_run_at <= now() order by next_run_at")
        .fetch_all(pool)
        .await
}

/// Locks one due schedule for this transaction; SKIP LOCKED so several instances never fire the
/// same tick twice and never wait on each other.
pub async fn lock_due_schedule(conn: &mut PgConnection, name: &str) -> Result<Option<DueSchedule>, sqlx::Error> {
    sqlx::query_as!(
        DueSchedule,
        r#"
        select name, cron, queue, kind, payload, max_attempts, next_run_at, now() as "db_now!"
        from job_schedules
        where name = $1 and next_run_at <= now()
        for update skip locked
        "#,
        name,
    )
    .fetch_optional(conn)
    .await
}

pub async fn advance_schedule(
    conn: &mut PgConnection,
    name: &str,
    next_run_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update job_schedules set last_run_at = now(), next_run_at = $2 where name = $1",
        name,
        next_run_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}
