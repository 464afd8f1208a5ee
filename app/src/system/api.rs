use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What `GET /readyz` answers: only what a load balancer needs, nothing about the machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Readiness {
    pub ready: bool,
    pub database: DatabaseCheck,
    pub migrations: MigrationsCheck,
    pub storage: StorageCheck,
}

/// Whether the object store answers (and, for a directory, can be written).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorageCheck {
    pub ok: bool,
    /// "local directory" or "S3".
    pub backend: String,
    pub latency_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatabaseCheck {
    pub ok: bool,
    pub latency_ms: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationsCheck {
    pub current: bool,
    pub applied: usize,
    pub expected: usize,
}

/// The /status page: readiness plus what the job system is doing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    pub readiness: Readiness,
    pub version: String,
    pub uptime_secs: u64,
    /// Waiting, running and dead jobs per queue.
    pub jobs: Vec<QueueCount>,
    pub workers_alive: usize,
    /// Whether /dev/mailbox is mounted (outbox email on this machine).
    pub dev_mailbox: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueCount {
    pub queue: String,
    pub state: String,
    pub count: i64,
}

#[server(endpoint = "system/status")]
pub async fn get_system_status() -> Result<SystemStatus, AppError> {
    let state = crate::server::app_state().map_err(AppError::respond)?;
    Ok(super::service::system_status(&state).await)
}
