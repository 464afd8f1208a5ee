use std::time::{Duration, Instant};

use chrono::Utc;

use super::api::{DatabaseCheck, MigrationsCheck, QueueCount, SystemStatus, WorkerInfo};
use crate::server::{db, jobs, AppState};

/// Checks the database and migrations; also reports the queue and live workers. Never fails:
/// a broken dependency is a `false` in the report, which is what /readyz must say.
#[tracing::instrument(skip_all)]
pub async fn readiness(state: &AppState) -> SystemStatus {
    let started = Instant::now();
    let versions = sqlx::query_as::<_, (String, Option<String>)>(
        "select current_setting('server_version'), (select extversion from pg_extension where extname = 'vector')",
    )
    .fetch_one(&state.db)
    .await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let database = match &versions {
        Ok((server, vector)) => DatabaseCheck {
            ok: true,
            latency_ms,
            server_version: Some(server.clone()),
            pgvector_version: vector.clone(),
            error: None,
        },
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            DatabaseCheck {
                ok: false,
                latency_ms,
                server_version: None,
                pgvector_version: None,
                error: Some("database unreachable".into()),
            }
        }
    };
    let migrations = match db::migration_status(&state.db).await {
        Ok(m) => MigrationsCheck {
            current: m.is_current(),
            applied: m.applied,
            expected: m.expected,
            latest: m.latest,
        },
        Err(_) => MigrationsCheck {
            current: false,
            applied: 0,
            expected: db::MIGRATOR.iter().count(),
            latest: String::new(),
        },
    };
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
    let now = Utc::now();
    let workers = jobs::queries::live_workers(
        &state.db,
        state.config.jobs.heartbeat * 3 + Duration::from_secs(5),
    )
    .await
    .map(|rows| {
        rows.into_iter()
            .map(|w| WorkerInfo {
                hostname: w.hostname,
                pid: w.pid,
                queues: w.queues,
                up_secs: (now - w.started_at).num_seconds().max(0),
                seen_secs_ago: (now - w.seen_at).num_seconds().max(0),
            })
            .collect()
    })
    .unwrap_or_default();
    SystemStatus {
        ready: database.ok && migrations.current,
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_secs: state.started_at.elapsed().as_secs(),
        database,
        migrations,
        jobs,
        workers,
    }
}
