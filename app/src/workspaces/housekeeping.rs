//! The hourly purge of workspaces whose grace period after deletion has passed.

use serde::{Deserialize, Serialize};

use crate::server::jobs::{Job, JobContext, JobError, Registry, Schedule};

pub struct PurgeWorkspaces {
    pub store: std::sync::Arc<crate::storage::Store>,
}

#[derive(Serialize, Deserialize)]
pub struct PurgeWorkspacesPayload {}

impl Job for PurgeWorkspaces {
    const KIND: &'static str = "workspaces.purge";
    const QUEUE: &'static str = "maintenance";
    type Payload = PurgeWorkspacesPayload;

    async fn run(&self, ctx: JobContext, _payload: PurgeWorkspacesPayload) -> Result<(), JobError> {
        let purged = super::service::purge_due(&ctx.pool, &self.store)
            .await
            .map_err(|e| JobError::Retryable(e.to_string()))?;
        tracing::info!(purged, "purged deleted workspaces past their grace period");
        Ok(())
    }
}

pub fn register(registry: Registry, store: std::sync::Arc<crate::storage::Store>) -> Registry {
    let hourly =
        Schedule::new::<PurgeWorkspaces>("workspaces.purge.hourly", "0 23 * * * *", &PurgeWorkspacesPayload {})
            .expect("a valid built-in cron expression");
    registry.register(PurgeWorkspaces { store }).schedule(hourly)
}
