//! What the jobs that make a recording (an edit's audio, a read-aloud) share: how a run that gives
//! up leaves its recording, scratch files, and child processes stopped when the run stops.

use std::{
    path::PathBuf,
    process::{Child, ExitStatus},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use super::TranscriptionPayload;
use crate::{
    server::jobs::{JobContext, JobError},
    storage::{keys::ObjectKey, Store},
    workspaces::tenant,
};

/// Settles a run's outcome: a permanent failure (or a transient one on the last attempt) leaves
/// the recording refused with the reason and its file (if any was written) removed, and the run
/// failed, in one transaction, so a page that reloads on "failed" finds the reason.
pub(super) async fn settle(
    ctx: &JobContext,
    p: &TranscriptionPayload,
    store: &Store,
    max_attempts: i32,
    what: &str,
    outcome: Result<(), JobError>,
) -> Result<(), JobError> {
    let Some(reason) = super::given_up(ctx, max_attempts, what, &outcome) else {
        return outcome;
    };
    store
        .delete(&ObjectKey::recording(p.workspace_id, p.recording_id))
        .await
        .map_err(JobError::retryable)?;
    let mut tx = ctx.pool.begin().await?;
    tenant::as_system(&mut tx, p.workspace_id).await?;
    sqlx::query!(
        "update recordings set status = 'rejected', rejection = $2 where id = $1 and status = 'rendering'",
        p.recording_id,
        format!("This recording could not be made: {reason}")
    )
    .execute(&mut *tx)
    .await?;
    super::mark_failed(&mut tx, p, ctx.id, &reason).await?;
    tx.commit().await?;
    outcome
}

/// A file removed when dropped.
pub(super) struct Scratch(pub(super) PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A stop flag for work running off the async runtime, raised when the job is cancelled and
/// when the run ends any other way (an error returned early), so no child process outlives it.
pub(super) struct StopFlag {
    pub(super) flag: Arc<AtomicBool>,
    _watch: tokio_util::task::AbortOnDropHandle<()>,
}

impl StopFlag {
    pub(super) fn new(ctx: &JobContext) -> Self {
        let flag = Arc::new(AtomicBool::new(false));
        let (raise, ctx) = (flag.clone(), ctx.clone());
        Self {
            flag,
            _watch: tokio_util::task::AbortOnDropHandle::new(tokio::spawn(async move {
                ctx.cancelled().await;
                raise.store(true, Ordering::Relaxed);
            })),
        }
    }

    pub(super) fn raised(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl Drop for StopFlag {
    fn drop(&mut self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

/// Waits for `child`, killing it when `stop` is raised or `limit` passes.
pub(super) fn wait_or_kill(child: &mut Child, stop: &AtomicBool, limit: Duration) -> Result<ExitStatus, String> {
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if stop.load(Ordering::Relaxed) || started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(if stop.load(Ordering::Relaxed) {
                "cancelled".to_owned()
            } else {
                format!("it took over {} minutes", limit.as_secs() / 60)
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
