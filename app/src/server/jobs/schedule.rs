//! Recurring jobs from cron expressions (seconds first: `sec min hour day month weekday`).

use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{queries, Job, NewJob};

#[derive(Clone, Debug)]
pub struct Schedule {
    pub name: &'static str,
    cron_text: String,
    cron: cron::Schedule,
    queue: &'static str,
    kind: &'static str,
    payload: serde_json::Value,
}

impl Schedule {
    pub fn new<J: Job>(
        name: &'static str,
        cron_text: &str,
        payload: &J::Payload,
    ) -> Result<Self, String> {
        let cron = cron::Schedule::from_str(cron_text)
            .map_err(|e| format!("schedule {name}: bad cron {cron_text:?}: {e}"))?;
        Ok(Self {
            name,
            cron_text: cron_text.to_owned(),
            cron,
            queue: J::QUEUE,
            kind: J::KIND,
            payload: NewJob::of::<J>(payload).payload,
        })
    }

    pub fn next_after(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.after(&at).next()
    }

    pub(super) async fn register(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let next = self
            .next_after(Utc::now())
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        queries::upsert_schedule(
            pool,
            self.name,
            &self.cron_text,
            self.queue,
            self.kind,
            &self.payload,
            next,
        )
        .await
    }
}

/// Enqueues one job for each due schedule. The idempotency key is the schedule and its tick, so
/// a tick fires once even if two instances race past the row lock's transaction.
pub(super) async fn fire_due(pool: &PgPool) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let due = queries::lock_due_schedules(&mut tx).await?;
    for schedule in &due {
        let job = NewJob {
            queue: schedule.queue.clone(),
            kind: schedule.kind.clone(),
            payload: schedule.payload.clone(),
            delay: std::time::Duration::ZERO,
            max_attempts: 3,
            priority: 0,
            idempotency_key: Some(format!(
                "{}@{}",
                schedule.name,
                schedule.next_run_at.to_rfc3339()
            )),
        };
        queries::insert_job(&mut tx, &job).await?;
        let next = cron::Schedule::from_str(&schedule.cron)
            .ok()
            .and_then(|c| c.after(&Utc::now()).next())
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        queries::advance_schedule(&mut tx, &schedule.name, next).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}
