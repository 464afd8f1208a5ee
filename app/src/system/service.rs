use std::time::{Duration, Instant};

use super::api::{DatabaseCheck, MigrationsCheck, QueueCount, Readiness, StorageCheck, SystemStatus};
use crate::server::{db, jobs, AppState};

/// Database reachable and fully migrated. Never fails: a broken dependency is a `false` in the
/// report, which is what /readyz must say.
#[tracing::instrument(skip_all)]
pub async fn readiness(state: &AppState) -> Readiness {
    let started = Instant::now();
    let ping = sqlx::query("select 1").execute(&state.db).await;
    let database = DatabaseCheck {
        ok: ping.is_ok(),
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    if let Err(e) = ping {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    let migrations = match db::migration_status(&state.db).await {
        Ok(m) => MigrationsCheck {
            current: m.is_current(),
            applied: m.applied,
            expected: m.expected,
        },
        Err(_) => MigrationsCheck {
            current: false,
            applied: 0,
            expected: db::MIGRATOR.iter().count(),
        },
    };
    let started = Instant::now();
    let probe = state.storage.check().await;
    if let Err(e) = &probe {
        tracing::warn!(error = %e, "readiness: storage unavailable");
    }
    let storage = StorageCheck {
        ok: probe.is_ok(),
        backend: state.storage.name().to_owned(),
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
    };
    Readiness {
        ready: database.ok && migrations.current && storage.ok,
        database,
        migrations,
        storage,
    }
}

#[tracing::instrument(skip_all)]
pub async fn system_status(state: &AppState) -> SystemStatus {
    let readiness = readiness(state).await;
    let jobs = jobs::queries::queue_depths(&state.db)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|d| QueueCount {
                    queue: d.queue,
                    state: d.state.as_str().into(),
                    count: d.count,
                })
                .collect()
        })
        .unwrap_or_default();
    // Alive: seen within three heartbeats (plus slack for a slow tick).
    let window = state.config.jobs.heartbeat * 3 + Duration::from_secs(5);
    let workers_alive = jobs::queries::live_workers(&state.db, window)
        .await
        .map(|w| w.len())
        .unwrap_or(0);
    SystemStatus {
        readiness,
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_secs: state.started_at.elapsed().as_secs(),
        jobs,
        workers_alive,
        dev_mailbox: state.config.dev_mailbox_enabled(),
    }
}
