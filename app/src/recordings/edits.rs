//! Edited versions of a recording: a member cuts passages (chosen as words of the transcript or
//! as a time range) and the audio is rendered as a new version, a recording of its own made by the
//! `RenderEdit` job. The source is never changed, so every version stays playable, shareable
//! and deletable on its own; `recording_edits` ties the versions of one original together.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{cuts, derived, uploads::audit_on, RecordingVersion};
use crate::{
    accounts::session::RequestAuth,
    audit::{self, AuditAction},
    error::AppError,
    server::jobs::NewJob,
    transcription::pipeline::{RenderEdit, TranscriptionPayload},
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
    let wanted = cuts::parse(cut_list).map_err(|why| AppError::invalid_field("cuts", why))?;
    let (access, source, mut tx) = derived::authorize_source(auth, slug, source).await?;
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
    let duration = row
        .duration_ms
        .ok_or_else(|| AppError::Conflict("Its length is not known, so it cannot be cut.".into()))?;
    let plan = cuts::plan(&wanted, duration).map_err(|why| AppError::invalid_field("cuts", why))?;
    // One number per version of a family, even when two members cut two of its versions at once.
    sqlx::query!(
        "select pg_advisory_xact_lock(hashtextextended($1::text, 0))",
        row.original.to_string()
    )
    .execute(&mut *tx)
    .await?;
    let version = sqlx::query_scalar!(
        r#"select coalesce(max(version), 1) + 1 as "v!" from recording_edits where original_id = $1"#,
        row.original
    )
    .fetch_one(&mut *tx)
    .await?;
    let id = Uuid::new_v4();
    let title = format!("{} (edit {version})", base_title(&row.title));
    let file_name = format!("{}-edit-{version}.mp3", derived::stem(&row.file_name));
    let payload = TranscriptionPayload {
        workspace_id: access.workspace.id,
        recording_id: id,
    };
    derived::start(
        &mut tx,
        &access,
        derived::Made {
            id,
            title: &title,
            file_name: &file_name,
            duration_ms: Some(plan.edited_ms()),
            summary_style: row.style.as_deref().unwrap_or("brief"),
        },
        NewJob::of::<RenderEdit>(&payload),
    )
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
