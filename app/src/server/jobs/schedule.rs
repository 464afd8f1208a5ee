//! Recurring jobs from cron expressions (seconds first: `sec min hour day month weekday`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use time::OffsetDateTime;

use super::{queries, Job, NewJob};

#[derive(Clone, Debug)]
pub struct Schedule {
    pub name: &'static str,
    cron_text: String,
    cron: cron::Schedule,
    queue: &'static str,
    kind: &'static str,
    max_attempts: i32,
    payload: serde_json::Value,
}

impl Schedule {
    pub fn new<J: Job>(name: &'static str, cron_text: &str, payload: &J::Payload) -> Result<Self, String> {
        let cron =
            cron::Schedule::from_str(cron_text).map_err(|e| format!("schedule {name}: bad cron {cron_text:?}: {e}"))?;
        Ok(Self {
            name,
            cron_text: cron_text.to_owned(),
            cron,
            queue: J::QUEUE,
            kind: J::KIND,
            max_attempts: J::MAX_ATTEMPTS,
            payload: NewJob::of::<J>(payload).payload,
        })
    }

    pub fn next_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.after(&at).next()
    }

    pub(super) async fn register(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let row = queries::ScheduleRow {
            name: self.name,
            cron: &self.cron_text,
            queue: self.queue,
            kind: self.kind,
            payload: &self.payload,
            max_attempts: self.max_attempts,
            next_run_at: to_db_time(self.next_after(Utc::now())),
        };
        queries::upsert_schedule(pool, &row).await
    }
}

/// Enqueues one job for each due schedule, each in its own transaction so one broken schedule
/// cannot hold up the others. Returns how many fired.
pub(super) async fn fire_due(pool: &PgPool) -> Result<usize, sqlx::Error> {
    let mut fired = 0;
    for name in queries::due_schedule_names(pool).await? {
        match fire_one(pool, &name).await {
            Ok(true) => fired += 1,
            Ok(false) => {}
            Err(e) => tracing::error!(schedule = %name, error = %e, "could not fire a schedule"),
        }
    }
    Ok(fired)
}

/// The tick's time is the idempotency key, so a tick fires once however many instances race.
async fn fire_one(pool: &PgPool, name: &str) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(due) = queries::lock_due_schedule(&mut tx, name).await? else {
        return Ok(false);
    };
    let job = NewJob {
        queue: due.queue.clone(),
        kind: due.kind.clone(),
        payload: due.payload.clone(),
        delay: std::time::Duration::ZERO,
        max_attempts: due.max_attempts,
        priority: 0,
        idempotency_key: Some(format!("{}@{}", due.name, due.next_run_at.unix_timestamp())),
    };
    queries::insert_job(&mut tx, &job).await?;
    // From the database's clock (which decides due-ness), never before the tick just fired.
    let next = cron::Schedule::from_str(&due.cron)
        .ok()
        .and_then(|c| c.after(&from_db_time(due.db_now.max(due.next_run_at))).next());
    let next = to_db_time(next);
    queries::advance_schedule(&mut tx, &due.name, next).await?;
    tx.commit().await?;
    Ok(true)
}

/// Year 9999: "never" for a schedule whose cron has no next run.
const NEVER_UNIX: i64 = 253_402_214_400;

/// The cron crate works in chrono; the database layer in `time` (sqlx's choice when both exist).
fn to_db_time(at: Option<DateTime<Utc>>) -> OffsetDateTime {
    at.and_then(|at| OffsetDateTime::from_unix_timestamp(at.timestamp()).ok())
        .filter(|at| at.unix_timestamp() < NEVER_UNIX)
        .unwrap_or_else(|| OffsetDateTime::from_unix_timestamp(NEVER_UNIX).expect("year 9999 is representable"))
}

fn from_db_time(at: OffsetDateTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(at.unix_timestamp(), at.nanosecond()).unwrap_or(DateTime::<Utc>::MAX_UTC)
}
