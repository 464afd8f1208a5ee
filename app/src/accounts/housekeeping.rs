//! Hourly clean-up of what accounts leave behind: expired session records, ended sessions after
//! three months, spent or expired tokens after a week, and quiet sign-in throttles.

use serde::{Deserialize, Serialize};

use crate::server::jobs::{Job, JobContext, JobError, Registry, Schedule};

pub struct PruneAccounts;

#[derive(Serialize, Deserialize)]
pub struct PruneAccountsPayload {}

impl Job for PruneAccounts {
    const KIND: &'static str = "accounts.prune";
    const QUEUE: &'static str = "maintenance";
    type Payload = PruneAccountsPayload;

    async fn run(&self, ctx: JobContext, _payload: PruneAccountsPayload) -> Result<(), JobError> {
        let records = sqlx::query!("delete from tower_sessions.session where expiry_date < now()")
            .execute(&ctx.pool)
            .await?
            .rows_affected();
        let sessions = sqlx::query!(
            "delete from user_sessions where coalesce(revoked_at, expires_at) < now() - interval '90 days'"
        )
        .execute(&ctx.pool)
        .await?
        .rows_affected();
        let tokens =
            sqlx::query!("delete from account_tokens where coalesce(used_at, expires_at) < now() - interval '7 days'")
                .execute(&ctx.pool)
                .await?
                .rows_affected();
        let throttles = sqlx::query!(
            "delete from sign_in_throttles where last_failure_at < now() - interval '1 day'
             and (locked_until is null or locked_until < now())"
        )
        .execute(&ctx.pool)
        .await?
        .rows_affected();
        tracing::info!(records, sessions, tokens, throttles, "pruned account leftovers");
        Ok(())
    }
}

pub fn register(registry: Registry) -> Registry {
    let hourly = Schedule::new::<PruneAccounts>("accounts.prune.hourly", "0 41 * * * *", &PruneAccountsPayload {})
        .expect("a valid built-in cron expression");
    registry.register(PruneAccounts).schedule(hourly)
}
