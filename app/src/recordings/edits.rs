//! Edited versions of a recording: a member cuts passages (chosen as words of the transcript or
//! as a time range) and the audio is rendered as a new version, a recording of its own made by the
//! `RenderEdit` job. The source is never changed, so every version stays playable, shareable
//! and deletable on its own; `recording_edits` ties the versions of one original together.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{cuts, uploads::audit_on, RecordingVersion};
use crate::{
    accounts::session::RequestAuth,
    audit::{self, AuditAction},
    error::AppError,
    server::jobs::{self, NewJob},
    storage::keys::ObjectKey,
    transcription::pipeline::{RenderEdit, TranscriptionPayload},
    workspaces::{service::authorize, Need, Permission},
};

/// "Standup (edit 3)" → "Standup".
fn base_title(title: &str) -> &str {
    match title.rsplit_once(" (edit ") {
        Some((base, rest)) if rest.ends_with(')') && rest[..rest.len() - 1].parse::<u32>().is_ok() => base,
        _ => title,
    }
}

/// Queues the rendering of `source` without the passages in `cut_list` ("start-end,…" in ms) and
/// answers the new version's id.
pub async fn cut(auth: &RequestAuth, slug: &str, source: &str, cut_list: &str) -> Result<String, AppError> {
    let source: Uuid = source
        .parse()
        .map_err(|_| AppError::NotFound("That recording".into()))?;
    let wanted = cuts::parse(cut_list).map_err(|why| AppError::invalid_field("cuts", why))?;
    let (access, mut tx) = authorize(auth, slug, Need::Permission(Permission::TranscriptsCreate)).await?;
    let row = sqlx::query!(
        r#"select r.title, r.status, r.file_name, r.duration_ms, r.deleted_at is not null as "in_trash!",
                  t.stage as "stage?", t.summary_style as "style?",
                  exists (select 1 from transcripts tr where tr.recording_id = r.id) as "transcribed!",
                  coalesce(e.original_id, r.id) as "original!"
           from recordings r
           left join transcriptions t on t.recording_id = r.id
           left join recording_edits e on e.recording_id = r.id
           where r.id = $1 for update of r"#,
        source
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That recording".into()))?;
    if row.status != "ready" || row.in_trash {
        return Err(AppError::Conflict(
            "Only a checked recording outside the trash can be cut.".into(),
        ));
    }
    if row.stage.as_deref() != Some("done") || !row.transcribed {
        return Err(AppError::Conflict(
            "Cut it once its transcription has finished: the edit carries the transcript over.".into(),
        ));
    }
    let plan = cuts::plan(&wanted, row.duration_ms.unwrap_or(0)).map_err(|why| AppError::invalid_field("cuts", why))?;
    let version = sqlx::query_scalar!(
        r#"select coalesce(max(version), 1) + 1 as "v!" from recording_edits where original_id = $1"#,
        row.original
    )
    .fetch_one(&mut *tx)
    .await?;
    let id = Uuid::new_v4();
    let title: String = format!("{} (edit {version})", base_title(&row.title))
        .chars()
        .take(200)
        .collect();
    let stem = row
        .file_name
        .rsplit_once('.')
        .map_or(row.file_name.as_str(), |(s, _)| s);
    let file_name: String = format!("{}-edit-{version}.mp3", stem.chars().take(230).collect::<String>());
    let key = ObjectKey::recording(access.workspace.id, id);
    sqlx::query!(
        "insert into recordings (id, workspace_id, title, file_name, status, size_bytes, object_key, duration_ms, created_by)
         values ($1, $2, $3, $4, 'rendering', 0, $5, $6, $7)",
        id,
        access.workspace.id,
        title,
        file_name,
        key.as_str(),
        plan.edited_ms(),
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into recording_edits (recording_id, workspace_id, source_id, original_id, version, cuts, removed_ms, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        access.workspace.id,
        source,
        row.original,
        version,
        serde_json::to_value(&plan.cuts).expect("cuts serialize"),
        plan.removed_ms(),
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    let payload = TranscriptionPayload {
        workspace_id: access.workspace.id,
        recording_id: id,
    };
    let job = jobs::enqueue(&mut tx, NewJob::of::<RenderEdit>(&payload)).await?;
    sqlx::query!(
        "insert into transcriptions (recording_id, workspace_id, stage, percent, job_id, summary_style)
         values ($1, $2, 'queued', 0, $3, $4)",
        id,
        access.workspace.id,
        job,
        row.style.unwrap_or_else(|| "brief".into())
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingCut, auth, id).metadata(serde_json::json!({
            "title": title,
            "source": source,
            "passages": plan.cuts.len(),
            "removed_ms": plan.removed_ms(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(id.to_string())
}

/// Every version of the recording's original still in the library, oldest first (empty when it
/// has only the one).
pub async fn versions(conn: &mut PgConnection, recording: Uuid) -> Result<Vec<RecordingVersion>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"with family as (
               select coalesce((select original_id from recording_edits where recording_id = $1), $1) as id
           )
           select r.id, r.title, r.status, r.duration_ms, coalesce(e.version, 1) as "version!",
                  e.removed_ms as "removed_ms?", jsonb_array_length(e.cuts) as "passages?"
           from recordings r
           left join recording_edits e on e.recording_id = r.id
           where r.deleted_at is null
             and (r.id = (select id from family) or e.original_id = (select id from family))
           order by coalesce(e.version, 1)"#,
        recording
    )
    .fetch_all(&mut *conn)
    .await?;
    if rows.len() < 2 {
        return Ok(Vec::new());
    }
    Ok(rows
        .into_iter()
        .map(|r| RecordingVersion {
            current: r.id == recording,
            id: r.id.to_string(),
            title: r.title,
            version: r.version,
            rendering: r.status == "rendering",
            duration_ms: r.duration_ms,
            removed_ms: r.removed_ms,
            passages: r.passages,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_edit_is_named_after_the_original() {
        assert_eq!(super::base_title("Standup (edit 3)"), "Standup");
        assert_eq!(super::base_title("Standup (edit two)"), "Standup (edit two)");
        assert_eq!(super::base_title("Standup"), "Standup");
    }
}
