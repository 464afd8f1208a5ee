//! The durable job queue against a real PostgreSQL, including a worker process killed mid-job.

mod fixtures;

use std::time::Duration;

use app::server::jobs::{self, queries::get_job, run_workers, JobState, NewJob, Schedule, WorkerOptions};
use fixtures::{registry, setup, Effect, Failing, Failure, RecordEffect, Waiting};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::support::{eventually, fast_options, TestDb, Workers, WAIT};

async fn enqueue(pool: &PgPool, job: NewJob) -> jobs::JobId {
    let mut conn = pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, job).await.unwrap()
}

async fn state_of(pool: &PgPool, id: jobs::JobId) -> jobs::queries::JobRecord {
    get_job(pool, id).await.unwrap().expect("job exists")
}

async fn wait_for_state(pool: &PgPool, id: jobs::JobId, state: JobState) -> jobs::queries::JobRecord {
    eventually(WAIT, &format!("job {id} to be {state:?}"), || async {
        let job = state_of(pool, id).await;
        (job.state == state).then_some(job)
    })
    .await
}

async fn effects(pool: &PgPool, key: &str) -> i64 {
    sqlx::query_scalar("select count(*) from test_effects where key = $1")
        .bind(key)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn effect(key: &str) -> NewJob {
    NewJob::of::<RecordEffect>(&Effect {
        key: key.into(),
        hang_after_effect: false,
    })
}

#[tokio::test]
async fn a_rolled_back_enqueue_never_runs_and_a_committed_one_does() {
    let db = setup().await;
    let mut tx = db.app.begin().await.unwrap();
    jobs::enqueue(&mut tx, effect("rolled-back")).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = db.app.begin().await.unwrap();
    let committed = jobs::enqueue(&mut tx, effect("committed")).await.unwrap();
    tx.commit().await.unwrap();

    let workers = Workers::start(&db.app, registry(), fast_options());
    let done = wait_for_state(&db.app, committed, JobState::Succeeded).await;
    workers.stop().await;

    assert_eq!(done.progress, 100);
    assert_eq!(effects(&db.app, "committed").await, 1);
    assert_eq!(effects(&db.app, "rolled-back").await, 0);
    let total: i64 = sqlx::query_scalar("select count(*) from jobs")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(total, 1, "the rolled-back job left no row");
}

#[tokio::test]
async fn retryable_failures_back_off_then_end_dead_with_the_last_error() {
    let db = setup().await;
    let id = enqueue(&db.app, NewJob::of::<Failing>(&Failure { permanent: false })).await;
    let workers = Workers::start(&db.app, registry(), fast_options());
    let dead = wait_for_state(&db.app, id, JobState::Dead).await;
    workers.stop().await;

    assert_eq!(dead.attempts, 3);
    assert_eq!(dead.last_error.as_deref(), Some("upstream returned 503 on attempt 3"));
    assert!(dead.finished_at.is_some());
    // Gaps between attempts grow: base 100 ms then 200 ms, each with at most 20% jitter.
    let gaps: Vec<f64> = sqlx::query_scalar(
        "select extract(epoch from at - lag(at) over (order by attempt))::float8 from test_attempts where job_id = $1 order by attempt offset 1",
    )
    .bind(id)
    .fetch_all(&db.app)
    .await
    .unwrap();
    assert_eq!(gaps.len(), 2);
    assert!(gaps[0] >= 0.08, "first retry waited {}s", gaps[0]);
    assert!(gaps[1] >= 0.16, "second retry waited {}s", gaps[1]);
}

#[tokio::test]
async fn a_permanent_failure_is_dead_after_one_attempt() {
    let db = setup().await;
    let id = enqueue(&db.app, NewJob::of::<Failing>(&Failure { permanent: true })).await;
    let workers = Workers::start(&db.app, registry(), fast_options());
    let dead = wait_for_state(&db.app, id, JobState::Dead).await;
    workers.stop().await;
    assert_eq!(dead.attempts, 1);
    assert_eq!(dead.last_error.as_deref(), Some("the file is not audio"));
}

#[tokio::test]
async fn a_payload_of_the_wrong_shape_is_dead_with_a_clear_error() {
    let db = setup().await;
    let mut job = effect("x");
    job.payload = serde_json::json!({ "unexpected": true });
    let id = enqueue(&db.app, job).await;
    let workers = Workers::start(&db.app, registry(), fast_options());
    let dead = wait_for_state(&db.app, id, JobState::Dead).await;
    workers.stop().await;
    assert!(dead
        .last_error
        .unwrap()
        .contains("payload does not match test.record_effect"));
}

#[tokio::test]
async fn a_delayed_job_waits_for_its_time() {
    let db = setup().await;
    let id = enqueue(&db.app, effect("later").delay(Duration::from_millis(1500))).await;
    let workers = Workers::start(&db.app, registry(), fast_options());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(state_of(&db.app, id).await.state, JobState::Queued);
    wait_for_state(&db.app, id, JobState::Succeeded).await;
    workers.stop().await;
    let waited: f64 =
        sqlx::query_scalar("select extract(epoch from started_at - created_at)::float8 from jobs where id = $1")
            .bind(id)
            .fetch_one(&db.app)
            .await
            .unwrap();
    assert!(waited >= 1.5, "started {waited}s after enqueue");
}

#[tokio::test]
async fn the_same_idempotency_key_yields_the_same_job() {
    let db = setup().await;
    let first = enqueue(&db.app, effect("a").idempotency_key("upload-42")).await;
    let second = enqueue(&db.app, effect("b").idempotency_key("upload-42")).await;
    let other = enqueue(&db.app, effect("c").idempotency_key("upload-43")).await;
    assert_eq!(first, second);
    assert_ne!(first, other);
}

#[tokio::test]
async fn a_cron_schedule_enqueues_a_job_every_tick() {
    let db = setup().await;
    let every_second = Schedule::new::<RecordEffect>(
        "test.every_second",
        "* * * * * *",
        &Effect {
            key: "tick".into(),
            hang_after_effect: false,
        },
    )
    .unwrap();
    let started = std::time::Instant::now();
    let workers = Workers::start(&db.app, registry().schedule(every_second), fast_options());
    eventually(WAIT, "two scheduled runs", || async {
        let n: i64 =
            sqlx::query_scalar("select count(*) from jobs where kind = 'test.record_effect' and state = 'succeeded'")
                .fetch_one(&db.app)
                .await
                .unwrap();
        (n >= 2).then_some(())
    })
    .await;
    workers.stop().await;
    let elapsed = started.elapsed().as_secs_f64();
    let keys: Vec<String> = sqlx::query_scalar("select idempotency_key from jobs where kind = 'test.record_effect'")
        .fetch_all(&db.app)
        .await
        .unwrap();
    assert!(keys.iter().all(|k| k.starts_with("test.every_second@")));
    // One job per elapsed second at most (plus the tick in progress): a tick never fires twice.
    assert!(
        keys.len() as f64 <= elapsed.ceil() + 1.0,
        "{} jobs in {elapsed:.1}s",
        keys.len()
    );
}

#[tokio::test]
async fn bad_cron_expressions_are_rejected_with_the_schedule_name() {
    let err = Schedule::new::<RecordEffect>(
        "nightly",
        "every night",
        &Effect {
            key: "k".into(),
            hang_after_effect: false,
        },
    )
    .unwrap_err();
    assert!(err.contains("nightly") && err.contains("every night"), "{err}");
}

#[tokio::test]
async fn cancelling_stops_queued_and_running_jobs_and_progress_is_visible() {
    let db = setup().await;
    let queued = enqueue(&db.app, effect("never").delay(Duration::from_secs(3600))).await;
    let running = enqueue(&db.app, NewJob::of::<Waiting>(&60_000)).await;
    let workers = Workers::start(&db.app, registry(), fast_options());

    let mut conn = db.app.acquire().await.unwrap();
    assert!(jobs::cancel(&mut conn, queued).await.unwrap());
    assert_eq!(state_of(&db.app, queued).await.state, JobState::Cancelled);

    let in_progress = eventually(WAIT, "progress to be reported", || async {
        let job = state_of(&db.app, running).await;
        (job.state == JobState::Running && job.progress == 10).then_some(job)
    })
    .await;
    assert_eq!(in_progress.progress_message, "waiting for the signal");
    assert!(jobs::cancel(&mut conn, running).await.unwrap());
    let cancelled = wait_for_state(&db.app, running, JobState::Cancelled).await;
    assert_eq!(cancelled.last_error.as_deref(), Some("cancelled on request"));
    assert!(
        !jobs::cancel(&mut conn, running).await.unwrap(),
        "a finished job cannot be cancelled"
    );
    drop(conn);
    workers.stop().await;
    assert_eq!(effects(&db.app, "never").await, 0);
}

#[tokio::test]
async fn shutdown_lets_a_running_job_finish() {
    let db = setup().await;
    let id = enqueue(&db.app, NewJob::of::<Waiting>(&400)).await;
    let workers = Workers::start(&db.app, registry(), fast_options());
    wait_for_state(&db.app, id, JobState::Running).await;
    workers.stop().await;
    assert_eq!(state_of(&db.app, id).await.state, JobState::Succeeded);
}

#[tokio::test]
async fn shutdown_returns_a_job_that_outlives_the_grace_period_to_the_queue() {
    let db = setup().await;
    let id = enqueue(&db.app, NewJob::of::<Waiting>(&60_000)).await;
    let options = WorkerOptions {
        shutdown_grace: Duration::from_millis(300),
        ..fast_options()
    };
    let workers = Workers::start(&db.app, registry(), options);
    wait_for_state(&db.app, id, JobState::Running).await;
    workers.stop().await;
    let job = state_of(&db.app, id).await;
    assert_eq!(job.state, JobState::Queued);
    assert_eq!(job.attempts, 0, "an interrupted run does not spend an attempt");
    assert!(job.last_error.unwrap().contains("shutdown"));
    let workers: i64 = sqlx::query_scalar("select count(*) from worker_heartbeats")
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(workers, 0, "a stopped worker removes itself");
}

/// Runs as a separate process (spawned by the test below): a worker that hangs after the effect.
#[tokio::test]
#[ignore = "helper process for a_job_of_a_killed_worker_runs_again_and_its_effect_happens_once"]
async fn child_worker_process() {
    let url = std::env::var("AT_CHILD_APP_URL").expect("spawned by the parent test");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(5)
        .connect(&url)
        .await
        .unwrap();
    run_workers(pool, registry(), fast_options(), CancellationToken::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_job_of_a_killed_worker_runs_again_and_its_effect_happens_once() {
    let db = setup().await;
    let id = enqueue(
        &db.app,
        NewJob::of::<RecordEffect>(&Effect {
            key: "once".into(),
            hang_after_effect: true,
        }),
    )
    .await;

    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "jobs::child_worker_process", "--ignored", "--nocapture"])
        .env("AT_CHILD_APP_URL", &db.app_url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let child_runs = || async {
        let n: i64 = sqlx::query_scalar("select count(*) from test_attempts where job_id = $1")
            .bind(id)
            .fetch_one(&db.app)
            .await
            .unwrap();
        (n == 1).then_some(())
    };
    eventually(WAIT, "the child to perform the effect and start hanging", child_runs).await;
    assert_eq!(effects(&db.app, "once").await, 1);
    assert_eq!(state_of(&db.app, id).await.state, JobState::Running);
    child.kill().unwrap(); // SIGKILL: no cleanup, no goodbye
    child.wait().unwrap();

    let workers = Workers::start(&db.app, registry(), fast_options());
    let done = wait_for_state(&db.app, id, JobState::Succeeded).await;
    workers.stop().await;

    assert_eq!(done.attempts, 2, "the job ran again after the lease expired");
    assert_eq!(effects(&db.app, "once").await, 1, "the effect happened exactly once");
    let runs: i64 = sqlx::query_scalar("select count(*) from test_attempts where job_id = $1")
        .bind(id)
        .fetch_one(&db.app)
        .await
        .unwrap();
    assert_eq!(runs, 2);
}

/// Highest number of `test.waiting` jobs seen running at once until all are done.
async fn peak_running(db: &TestDb, options: WorkerOptions) -> i64 {
    for _ in 0..3 {
        enqueue(&db.app, NewJob::of::<Waiting>(&300)).await;
    }
    let workers = Workers::start(&db.app, registry(), options);
    let mut peak = 0;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (running, done): (i64, i64) = sqlx::query_as(
            "select count(*) filter (where state = 'running'), count(*) filter (where state = 'succeeded') from jobs",
        )
        .fetch_one(&db.app)
        .await
        .unwrap();
        peak = peak.max(running);
        if done == 3 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "waiting jobs did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers.stop().await;
    peak
}

#[tokio::test]
async fn concurrency_is_limited_per_queue() {
    let db = setup().await;
    let one_at_a_time = WorkerOptions {
        queue_concurrency: [("default".to_owned(), 1)].into(),
        ..fast_options()
    };
    assert_eq!(peak_running(&db, one_at_a_time).await, 1);

    let db = setup().await;
    let two_at_a_time = WorkerOptions {
        concurrency: 2,
        ..fast_options()
    };
    assert_eq!(peak_running(&db, two_at_a_time).await, 2);
}

#[tokio::test]
async fn a_run_that_lost_its_lease_stops_and_cannot_overwrite_the_run_that_replaced_it() {
    let db = setup().await;
    let id = enqueue(&db.app, NewJob::of::<Waiting>(&1500)).await;
    let workers = Workers::start(&db.app, registry(), fast_options());
    wait_for_state(&db.app, id, JobState::Running).await;
    // What another worker's lease sweep does to a run it believes dead: back to the queue.
    sqlx::query("update jobs set state = 'queued', locked_by = null, lease = null where id = $1")
        .bind(id)
        .execute(&db.owner)
        .await
        .unwrap();
    let done = wait_for_state(&db.app, id, JobState::Succeeded).await;
    workers.stop().await;
    assert_eq!(done.attempts, 2, "the job was claimed again");
    assert_eq!(
        done.last_error, None,
        "the first run's 'cancelled' outcome was discarded"
    );
}

#[tokio::test]
async fn a_cancelled_job_whose_worker_died_is_not_run_again() {
    let db = setup().await;
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "insert into jobs (id, queue, kind, state, attempts, locked_by, lease, heartbeat_at, cancel_requested)
         values ($1, 'default', 'test.record_effect', 'running', 1, gen_random_uuid(), gen_random_uuid(),
                 now() - interval '1 hour', true)",
    )
    .bind(id)
    .execute(&db.owner)
    .await
    .unwrap();
    let workers = Workers::start(&db.app, registry(), fast_options());
    let job = wait_for_state(&db.app, id, JobState::Cancelled).await;
    workers.stop().await;
    assert_eq!(job.attempts, 1);
}
