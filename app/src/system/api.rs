use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemStatus {
    pub ready: bool,
    pub version: String,
    pub uptime_secs: u64,
    pub database: DatabaseCheck,
    pub migrations: MigrationsCheck,
    pub jobs: Vec<QueueCount>,
    pub workers: Vec<WorkerInfo>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatabaseCheck {
    pub ok: bool,
    pub latency_ms: f64,
    pub server_version: Option<String>,
    pub pgvector_version: Option<String>,
    pub error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationsCheck {
    pub current: bool,
    pub applied: usize,
    pub expected: usize,
    pub latest: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueCount {
    pub queue: String,
    pub state: String,
    pub count: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerInfo {
    pub hostname: String,
    pub pid: i32,
    pub queues: Vec<String>,
    pub up_secs: i64,
    pub seen_secs_ago: i64,
}

/// The same report as `GET /readyz`.
#[server(endpoint = "system/status")]
pub async fn get_system_status() -> Result<SystemStatus, AppError> {
    let state = crate::server::app_state()?;
    Ok(super::service::readiness(&state).await)
}
