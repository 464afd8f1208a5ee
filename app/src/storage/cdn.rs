//! Purging changed public objects from the CDN's cache through the DigitalOcean API:
//! `DELETE /v2/cdn/endpoints/{id}/cache` with `{"files": [...]}`, which allows 50 files per 20
//! seconds. Changes queue their paths in `cdn_purges` on their own transaction; the `cdn.purge`
//! job sends them in batches, one batch per interval however many workers run (they take turns
//! on `cdn_purge_state`), and honours `Retry-After` on a 429.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;

use crate::server::{
    config::{CdnPurgeConfig, StorageConfig},
    jobs::{self, Job, JobContext, JobError, NewJob},
};

/// The API's limit: 50 files per 20 seconds.
pub const FILES_PER_PURGE: i64 = 50;
pub const PURGE_INTERVAL: Duration = Duration::from_secs(20);

/// Queues `paths` (object keys, as the CDN serves them) for purging, with the job that sends them.
/// Does nothing without a CDN purge configured.
pub async fn request_purge(
    conn: &mut PgConnection,
    config: &StorageConfig,
    paths: &[String],
) -> Result<(), sqlx::Error> {
    if config.cdn.as_ref().and_then(|c| c.purge.as_ref()).is_none() || paths.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "insert into cdn_purges (path) select unnest($1::text[])
         on conflict (path) do update set requested_at = now()",
        paths
    )
    .execute(&mut *conn)
    .await?;
    jobs::enqueue(conn, NewJob::of::<PurgeCdn>(&PurgePayload {})).await?;
    Ok(())
}

#[derive(Debug, Serialize, Deserialize)]
pub struct PurgePayload {}

pub struct PurgeCdn {
    pub config: CdnPurgeConfig,
    pub client: reqwest::Client,
    /// Time between two purge requests (the API's window; tests shorten it).
    pub interval: Duration,
}

impl PurgeCdn {
    pub fn new(config: CdnPurgeConfig) -> anyhow::Result<Self> {
        Ok(Self {
            config,
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?,
            interval: PURGE_INTERVAL,
        })
    }
}

/// Runs the purge job again after `delay` (on the caller's transaction).
async fn again(conn: &mut PgConnection, delay: Duration) -> Result<(), JobError> {
    jobs::enqueue(conn, NewJob::of::<PurgeCdn>(&PurgePayload {}).delay(delay)).await?;
    Ok(())
}

impl Job for PurgeCdn {
    const KIND: &'static str = "cdn.purge";
    const QUEUE: &'static str = "maintenance";
    const MAX_ATTEMPTS: i32 = 8;
    type Payload = PurgePayload;

    async fn run(&self, ctx: JobContext, _payload: PurgePayload) -> Result<(), JobError> {
        let mut tx = ctx.pool.begin().await?;
        // One purge at a time, and none sooner than the interval after the last.
        let since_last = sqlx::query_scalar!(
            r#"select extract(epoch from now() - last_purge_at)::float8 as "secs"
               from cdn_purge_state for update"#
        )
        .fetch_one(&mut *tx)
        .await?;
        let interval = self.interval.as_secs_f64();
        if let Some(secs) = since_last.filter(|s| *s < interval) {
            again(&mut tx, Duration::from_secs_f64(interval - secs)).await?;
            tx.commit().await?;
            return Ok(());
        }
        let paths: Vec<String> = sqlx::query_scalar!(
            "select path from cdn_purges order by requested_at, path limit $1",
            FILES_PER_PURGE
        )
        .fetch_all(&mut *tx)
        .await?;
        if paths.is_empty() {
            return Ok(());
        }
        let url = format!(
            "{}/v2/cdn/endpoints/{}/cache",
            self.config.api_url, self.config.endpoint_id
        );
        let sent = self
            .client
            .delete(&url)
            .bearer_auth(self.config.token.expose())
            .json(&serde_json::json!({ "files": paths }))
            .send()
            .await
            .map_err(|e| JobError::retryable(format!("the DigitalOcean API did not answer: {e}")))?;
        let status = sent.status();
        sqlx::query!("update cdn_purge_state set last_purge_at = now()")
            .execute(&mut *tx)
            .await?;
        if status.is_success() {
            sqlx::query!("delete from cdn_purges where path = any($1)", &paths)
                .execute(&mut *tx)
                .await?;
            let left = sqlx::query_scalar!(r#"select exists (select 1 from cdn_purges) as "left!""#)
                .fetch_one(&mut *tx)
                .await?;
            if left {
                again(&mut tx, self.interval).await?;
            }
            tx.commit().await?;
            tracing::info!(files = paths.len(), "purged from the CDN cache");
            return Ok(());
        }
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let wait = sent
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs)
                .unwrap_or(self.interval)
                .clamp(Duration::from_millis(1), Duration::from_secs(3600));
            again(&mut tx, wait).await?;
            tx.commit().await?;
            tracing::warn!(
                wait_secs = wait.as_secs(),
                "the CDN purge was rate limited; trying again later"
            );
            return Ok(());
        }
        tx.commit().await?;
        let body = sent.text().await.unwrap_or_default();
        let message = format!(
            "the DigitalOcean API refused the purge ({status}): {}",
            body.chars().take(300).collect::<String>()
        );
        if status.is_server_error() {
            Err(JobError::Retryable(message))
        } else {
            // A wrong token or endpoint id fails the same way every time; the paths stay queued
            // for the next run after the configuration is fixed.
            Err(JobError::Permanent(message))
        }
    }
}

/// Adds the purge job when a CDN purge is configured.
pub fn register(registry: jobs::Registry, config: &StorageConfig) -> anyhow::Result<jobs::Registry> {
    match config.cdn.as_ref().and_then(|c| c.purge.clone()) {
        Some(purge) => Ok(registry.register(PurgeCdn::new(purge)?)),
        None => Ok(registry),
    }
}
