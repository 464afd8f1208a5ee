//! Job kinds the queue tests run, and a database with the tables they write to.

use std::time::Duration;

use app::server::jobs::{Job, JobContext, JobError, Registry};
use serde::{Deserialize, Serialize};

use crate::support::TestDb;

/// Records one row per key (idempotent), optionally hanging afterwards to be killed.
pub struct RecordEffect;

#[derive(Serialize, Deserialize)]
pub struct Effect {
    pub key: String,
    pub hang_after_effect: bool,
}

impl Job for RecordEffect {
    const KIND: &'static str = "test.record_effect";
    type Payload = Effect;

    async fn run(&self, ctx: JobContext, payload: Effect) -> Result<(), JobError> {
        sqlx::query("insert into test_effects (key, attempt) values ($1, $2) on conflict (key) do nothing")
            .bind(&payload.key)
            .bind(ctx.attempt)
            .execute(&ctx.pool)
            .await?;
        sqlx::query("insert into test_attempts (job_id, attempt) values ($1, $2)")
            .bind(ctx.id)
            .bind(ctx.attempt)
            .execute(&ctx.pool)
            .await?;
        if payload.hang_after_effect && std::env::var("AT_CHILD_APP_URL").is_ok() {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

/// Always fails, the way the payload says.
pub struct Failing;

#[derive(Serialize, Deserialize)]
pub struct Failure {
    pub permanent: bool,
}

impl Job for Failing {
    const KIND: &'static str = "test.failing";
    const MAX_ATTEMPTS: i32 = 3;
    type Payload = Failure;

    async fn run(&self, ctx: JobContext, payload: Failure) -> Result<(), JobError> {
        sqlx::query("insert into test_attempts (job_id, attempt) values ($1, $2)")
            .bind(ctx.id)
            .bind(ctx.attempt)
            .execute(&ctx.pool)
            .await?;
        if payload.permanent {
            Err(JobError::permanent("the file is not audio"))
        } else {
            Err(JobError::retryable(format!(
                "upstream returned 503 on attempt {}",
                ctx.attempt
            )))
        }
    }
}

/// Reports progress, then waits for cancellation (or a long time).
pub struct Waiting;

impl Job for Waiting {
    const KIND: &'static str = "test.waiting";
    type Payload = u64;

    async fn run(&self, ctx: JobContext, millis: u64) -> Result<(), JobError> {
        ctx.progress(10, "waiting for the signal").await?;
        tokio::select! {
            _ = ctx.cancelled() => Err(JobError::Cancelled),
            _ = tokio::time::sleep(Duration::from_millis(millis)) => {
                ctx.progress(90, "almost done").await?;
                Ok(())
            }
        }
    }
}

pub fn registry() -> Registry {
    Registry::new()
        .register(RecordEffect)
        .register(Failing)
        .register(Waiting)
}

pub async fn setup() -> TestDb {
    let db = TestDb::new().await;
    sqlx::query("create table test_effects (key text primary key, attempt int not null)")
        .execute(&db.owner)
        .await
        .unwrap();
    sqlx::query("create table test_attempts (job_id uuid not null, attempt int not null, at timestamptz not null default clock_timestamp())")
        .execute(&db.owner)
        .await
        .unwrap();
    db
}
