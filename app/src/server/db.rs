//! Connection pools and migrations. The owner role migrates; the app role serves requests.

use std::{collections::HashSet, time::Duration};

use anyhow::Context;
use sqlx::{migrate::Migrator, postgres::PgPoolOptions, PgPool};

use super::config::DatabaseConfig;
use crate::audit::{self, Actor, AuditAction, AuditEvent};

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// The request-serving pool, connected as the app role (subject to Row-Level Security).
pub async fn connect_app_pool(config: &DatabaseConfig) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .acquire_timeout(config.acquire_timeout)
        .connect(config.app_url.expose())
        .await
        .context("connecting to the database as the app role (APP_DATABASE_URL)")
}

/// Applies pending migrations as the owner role.
#[tracing::instrument(skip_all)]
pub async fn migrate(config: &DatabaseConfig) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect(config.owner_url.expose())
        .await
        .context("connecting to the database as the owner role (DATABASE_URL)")?;
    let before = applied_versions(&pool).await.unwrap_or_default();
    MIGRATOR.run(&pool).await.context("applying migrations")?;
    let applied: Vec<i64> = applied_versions(&pool).await?.difference(&before).copied().collect();
    if !applied.is_empty() {
        let mut conn = pool.acquire().await?;
        let event = AuditEvent::new(Actor::System, AuditAction::MigrationsApplied)
            .metadata(serde_json::json!({ "versions": applied }));
        audit::service::record(&mut conn, event)
            .await
            .context("auditing the migration")?;
        tracing::info!(?applied, "applied migrations");
    }
    pool.close().await;
    Ok(())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: usize,
    pub expected: usize,
}

impl MigrationStatus {
    pub fn is_current(&self) -> bool {
        self.applied == self.expected
    }
}

/// Versions recorded as applied; before the first migration the table does not exist yet.
async fn applied_versions(pool: &PgPool) -> Result<HashSet<i64>, sqlx::Error> {
    let versions = sqlx::query_scalar::<_, i64>("select version from _sqlx_migrations where success")
        .fetch_all(pool)
        .await?;
    Ok(versions.into_iter().collect())
}

pub async fn migration_status(pool: &PgPool) -> Result<MigrationStatus, sqlx::Error> {
    let applied = applied_versions(pool).await?;
    let known: Vec<_> = MIGRATOR.iter().filter(|m| m.migration_type.is_up_migration()).collect();
    Ok(MigrationStatus {
        applied: known.iter().filter(|m| applied.contains(&m.version)).count(),
        expected: known.len(),
    })
}
