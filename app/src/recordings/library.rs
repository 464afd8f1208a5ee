//! The workspace's recordings: listing (with the trash), renaming, the trash and its restore,
//! deleting for good, and signed links to play or download a file.

use std::time::Duration;

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{uploads::audit_on, LibraryView, RecordingItem, RecordingStatus, UnfinishedUpload};
use crate::{
    accounts::{format_time, session::RequestAuth},
    audit::{self, AuditAction},
    error::AppError,
    sharing::{
        service::{authorize_resource, overview, Resource},
        ShareAccess,
    },
    storage::{
        keys::ObjectKey,
        usage::{self, StorageChange},
        Store,
    },
    workspaces::{service::authorize, Need, Permission},
};

pub const PAGE_SIZE: i64 = 25;
/// Links to play or download a file stay valid this long.
const MEDIA_URL_TTL: Duration = Duration::from_secs(15 * 60);

struct Row {
    id: Uuid,
    title: String,
    file_name: String,
    status: String,
    rejection: Option<String>,
    size_bytes: i64,
    duration_ms: Option<i64>,
    format: Option<String>,
    codec: Option<String>,
    sample_rate: Option<i32>,
    channels: Option<i32>,
    uploaded_by: Option<String>,
    created_at: OffsetDateTime,
    purge_after: Option<OffsetDateTime>,
    object_key: String,
    content_type: Option<String>,
    transcription_stage: Option<String>,
    transcription_percent: Option<i16>,
    snippet: Option<String>,
    tags: Vec<String>,
}

impl From<Row> for RecordingItem {
    fn from(r: Row) -> Self {
        RecordingItem {
            id: r.id.to_string(),
            title: r.title,
            file_name: r.file_name,
            status: RecordingStatus::from_key(&r.status).unwrap_or(RecordingStatus::Rejected),
            rejection: r.rejection,
            size_bytes: r.size_bytes,
            duration_ms: r.duration_ms,
            format: r.format,
            codec: r.codec,
            sample_rate: r.sample_rate,
            channels: r.channels,
            uploaded_by: r.uploaded_by.unwrap_or_else(|| "A former member".into()),
            created_at: format_time(r.created_at),
            purge_after: r.purge_after.map(format_time),
            transcription: r
                .transcription_stage
                .as_deref()
                .and_then(crate::transcription::Stage::from_key)
                .map(|stage| (stage, r.transcription_percent.unwrap_or(0))),
            snippet: r.snippet,
            tags: r.tags,
        }
    }
}

/// One page of the library (or the trash). With `search`, only recordings whose title or
/// transcript has it, best first, each with a snippet of the transcript around the match.
pub async fn library(
    auth: &RequestAuth,
    slug: &str,
    trash: bool,
    page: u32,
    filter: &super::filter::LibraryFilter,
) -> Result<LibraryView, AppError> {
    let checked = filter.check()?;
    // Members whose role cannot read the library see what is shared with them.
    let (access, mut tx) = authorize(auth, slug, Need::Resource(Permission::TranscriptsRead)).await?;
    let everything = access.can(Permission::TranscriptsRead);
    let page = page.clamp(1, 100_000);
    let mut rows = sqlx::query_as!(
        Row,
        r#"with wanted as (select case when $7 <> '' then websearch_to_tsquery('simple', $7) end as q)
           select r.id, r.title, r.file_name, r.status, r.rejection, r.size_bytes, r.duration_ms, r.format, r.codec,
                  r.sample_rate, r.channels, u.name as "uploaded_by?", r.created_at, r.purge_after,
                  r.object_key, r.content_type,
                  t.stage as "transcription_stage?", t.percent as "transcription_percent?",
                  case when tr.search @@ wanted.q
                       then ts_headline('simple', tr.text, wanted.q,
                                        'MaxWords=24, MinWords=8, MaxFragments=2, StartSel=' || chr(2) || ', StopSel=' || chr(3))
                  end as "snippet?",
                  array(select g.tag from recording_tags g where g.recording_id = r.id order by g.tag) as "tags!"
           from recordings r cross join wanted
                left join users u on u.id = r.created_by
                left join transcriptions t on t.recording_id = r.id
                left join transcripts tr on tr.recording_id = r.id
           where r.workspace_id = $1 and (r.deleted_at is not null) = $2
             and (r.status <> 'uploading')
             and ($5 or exists (select 1 from resource_shares s
                                where s.resource_type = 'recording' and s.resource_id = r.id and s.user_id = $6))
             and ($7 = '' or strpos(lower(r.title), lower($7)) > 0 or tr.search @@ wanted.q)
             and ($8 = ''
                  or ($8 = 'transcribed' and t.stage = 'done')
                  or ($8 = 'in_progress' and (r.status = 'checking'
                                              or t.stage in ('queued', 'preparing', 'transcribing', 'summarising')))
                  or ($8 = 'failed' and (r.status = 'rejected' or t.stage = 'failed'))
                  or ($8 = 'untranscribed' and r.status = 'ready' and (t.stage is null or t.stage = 'cancelled')))
             and ($9 = '' or exists (select 1 from recording_tags g where g.recording_id = r.id and g.tag = lower($9)))
             and ($14 = '' or exists (
                    select 1 from transcript_speakers sp join transcripts t2 on t2.id = sp.transcript_id
                    where t2.recording_id = r.id and lower(coalesce(sp.display_name, sp.label)) = lower($14)
                      and exists (select 1 from transcript_segments s where s.speaker_id = sp.id)))
             and ($10::date is null or (r.created_at at time zone $12)::date >= $10)
             and ($11::date is null or (r.created_at at time zone $12)::date <= $11)
           order by case when $13 = 'title' then lower(r.title) end,
                    case when $13 = 'longest' then r.duration_ms end desc nulls last,
                    case when $13 = 'oldest' then coalesce(r.deleted_at, r.created_at) end,
                    case when $13 = 'best' then ($7 <> '' and strpos(lower(r.title), lower($7)) > 0) end desc,
                    case when $13 = 'best' then coalesce(ts_rank(tr.search, wanted.q), 0) end desc,
                    coalesce(r.deleted_at, r.created_at) desc, r.id desc
           limit $3 offset $4"#,
        access.workspace.id,
        trash,
        PAGE_SIZE + 1,
        (i64::from(page) - 1) * PAGE_SIZE,
        everything,
        access.user.id,
        filter.q,
        filter.status,
        filter.tag,
        checked.from,
        checked.to,
        access.workspace.timezone,
        checked.sort,
        filter.speaker
    )
    .fetch_all(&mut *tx)
    .await?;
    let tags = sqlx::query_scalar!(
        "select distinct g.tag from recording_tags g join recordings r on r.id = g.recording_id
         where g.workspace_id = $1
           and ($2 or exists (select 1 from resource_shares s
                              where s.resource_type = 'recording' and s.resource_id = r.id and s.user_id = $3))
         order by g.tag limit 200",
        access.workspace.id,
        everything,
        access.user.id
    )
    .fetch_all(&mut *tx)
    .await?;
    let speakers = sqlx::query_scalar!(
        r#"select distinct coalesce(sp.display_name, sp.label) as "name!"
           from transcript_speakers sp join transcripts t on t.id = sp.transcript_id
                join recordings r on r.id = t.recording_id
           where sp.workspace_id = $1 and exists (select 1 from transcript_segments s where s.speaker_id = sp.id)
             and ($2 or exists (select 1 from resource_shares s
                                where s.resource_type = 'recording' and s.resource_id = r.id and s.user_id = $3))
           order by 1 limit 200"#,
        access.workspace.id,
        everything,
        access.user.id
    )
    .fetch_all(&mut *tx)
    .await?;
    let unfinished = sqlx::query!(
        r#"select r.id, r.file_name, r.size_bytes, u.file_modified_ms, u.part_count,
                  (select count(*) from upload_parts p where p.recording_id = r.id) as "parts_done!"
           from recordings r join uploads u on u.recording_id = r.id
           where r.workspace_id = $1 and r.status = 'uploading' and r.created_by = $2
           order by r.created_at desc"#,
        access.workspace.id,
        access.user.id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|u| UnfinishedUpload {
        recording_id: u.id.to_string(),
        file_name: u.file_name,
        size_bytes: u.size_bytes,
        file_modified_ms: u.file_modified_ms,
        parts_done: u.parts_done,
        part_count: u.part_count,
    })
    .collect();
    tx.commit().await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let config = &auth.state.config.storage;
    Ok(LibraryView {
        workspace_name: access.workspace.name.clone(),
        recordings: rows.into_iter().map(RecordingItem::from).collect(),
        next_page: more.then_some(page + 1),
        unfinished,
        can_upload: access.can(Permission::TranscriptsCreate),
        can_edit: access.can(Permission::TranscriptsEdit),
        can_delete: access.can(Permission::TranscriptsDelete),
        shared_only: !everything,
        max_upload_bytes: config.max_upload_bytes,
        trash_days: config.trash_days,
        tags,
        speakers,
    })
}

fn recording_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That recording".into()))
}

struct Stored {
    title: String,
    status: RecordingStatus,
    key: ObjectKey,
    size_bytes: i64,
    in_trash: bool,
}

/// One recording of the transaction's workspace, locked for the change the caller makes.
async fn stored(tx: &mut PgConnection, id: Uuid) -> Result<Stored, AppError> {
    let row = sqlx::query!(
        "select title, status, object_key, size_bytes, deleted_at is not null as in_trash
         from recordings where id = $1 and status <> 'uploading' for update",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That recording".into()))?;
    Ok(Stored {
        title: row.title,
        status: RecordingStatus::from_key(&row.status).unwrap_or(RecordingStatus::Rejected),
        key: ObjectKey::parse(&row.object_key).ok_or_else(|| AppError::internal("a stored object key is malformed"))?,
        size_bytes: row.size_bytes,
        in_trash: row.in_trash.unwrap_or(false),
    })
}

pub async fn rename(auth: &RequestAuth, slug: &str, id: &str, title: &str) -> Result<String, AppError> {
    let id = recording_id(id)?;
    let (access, _, mut tx) =
        authorize_resource(auth, slug, Resource::Recording(id), Permission::TranscriptsEdit).await?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 || title.chars().any(char::is_control) {
        return Err(AppError::invalid_field(
            "title",
            "Give it a title of 1 to 200 characters.",
        ));
    }
    let current = stored(&mut tx, id).await?;
    sqlx::query!("update recordings set title = $2 where id = $1", id, title)
        .execute(&mut *tx)
        .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingRenamed, auth, id)
            .metadata(serde_json::json!({ "from": current.title, "to": title })),
    )
    .await?;
    tx.commit().await?;
    Ok("Title saved.".into())
}

/// Moves a recording to the trash, where it stays restorable for the configured days. A
/// rejected upload has no file left, so it is simply removed.
pub async fn trash(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsDelete).await?;
    let id = recording_id(id)?;
    let current = stored(&mut tx, id).await?;
    if current.in_trash {
        return Err(AppError::Conflict("It is in the trash already.".into()));
    }
    let days = auth.state.config.storage.trash_days;
    match current.status {
        RecordingStatus::Checking => {
            return Err(AppError::Conflict(
                "It is still being checked; try again in a moment.".into(),
            ))
        }
        RecordingStatus::Rendering => {
            return Err(AppError::Conflict(
                "Its audio is still being made; cancel that first, or wait for it.".into(),
            ))
        }
        RecordingStatus::Rejected => {
            sqlx::query!("delete from recordings where id = $1", id)
                .execute(&mut *tx)
                .await?;
        }
        _ => {
            move_to_trash(&mut tx, &auth.state.storage, id, &current.key, days).await?;
        }
    }
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingTrashed, auth, id)
            .metadata(serde_json::json!({ "title": current.title })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("\u{201c}{}\u{201d} moved to the trash.", current.title))
}

/// Marks the recording trashed and moves its file under `trash/` (the caller commits).
pub(super) async fn move_to_trash(
    tx: &mut PgConnection,
    store: &Store,
    id: Uuid,
    key: &ObjectKey,
    days: u32,
) -> Result<(), AppError> {
    let trashed = key.trashed();
    sqlx::query!(
        "update recordings set deleted_at = now(), purge_after = now() + make_interval(days => $2), object_key = $3
         where id = $1",
        id,
        days as i32,
        trashed.as_str()
    )
    .execute(&mut *tx)
    .await?;
    store.move_object(key, &trashed).await.map_err(AppError::from)
}

pub async fn restore(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsDelete).await?;
    let id = recording_id(id)?;
    let current = stored(&mut tx, id).await?;
    if !current.in_trash {
        return Err(AppError::Conflict("It is not in the trash.".into()));
    }
    let restored = current.key.restored();
    sqlx::query!(
        "update recordings set deleted_at = null, purge_after = null, object_key = $2 where id = $1",
        id,
        restored.as_str()
    )
    .execute(&mut *tx)
    .await?;
    auth.state
        .storage
        .move_object(&current.key, &restored)
        .await
        .map_err(AppError::from)?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingRestored, auth, id)
            .metadata(serde_json::json!({ "title": current.title })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("\u{201c}{}\u{201d} is back in the library.", current.title))
}

/// Removes a trashed recording and its file (the caller audits and commits).
pub(super) async fn remove_for_good(
    tx: &mut PgConnection,
    store: &Store,
    workspace: Uuid,
    id: Uuid,
    key: &ObjectKey,
    size_bytes: i64,
) -> Result<(), AppError> {
    sqlx::query!("delete from recordings where id = $1", id)
        .execute(&mut *tx)
        .await?;
    usage::record(
        tx,
        StorageChange {
            workspace,
            bytes: -size_bytes,
            objects: -1,
            kind: "storage.removed",
            idempotency_key: format!("recording:{id}:removed"),
            metadata: serde_json::json!({ "recording": id }),
        },
    )
    .await?;
    store.delete(key).await.map_err(AppError::from)
}

pub async fn delete_forever(auth: &RequestAuth, slug: &str, id: &str) -> Result<String, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsDelete).await?;
    let id = recording_id(id)?;
    let current = stored(&mut tx, id).await?;
    if !current.in_trash {
        return Err(AppError::Conflict(
            "Move it to the trash first; recordings are deleted for good from there.".into(),
        ));
    }
    remove_for_good(
        &mut tx,
        &auth.state.storage,
        access.workspace.id,
        id,
        &current.key,
        current.size_bytes,
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingDeleted, auth, id)
            .metadata(serde_json::json!({ "title": current.title })),
    )
    .await?;
    tx.commit().await?;
    Ok(format!("\u{201c}{}\u{201d} is deleted for good.", current.title))
}

/// One recording with a short-lived link to play it (ready ones only).
pub async fn detail(auth: &RequestAuth, slug: &str, id: &str) -> Result<super::RecordingDetail, AppError> {
    let id = recording_id(id)?;
    let resource = Resource::Recording(id);
    let (access, share, mut tx) = authorize_resource(auth, slug, resource, Permission::TranscriptsRead).await?;
    let row = sqlx::query_as!(
        Row,
        r#"select r.id, r.title, r.file_name, r.status, r.rejection, r.size_bytes, r.duration_ms, r.format, r.codec,
                  r.sample_rate, r.channels, u.name as "uploaded_by?", r.created_at, r.purge_after,
                  r.object_key, r.content_type,
                  t.stage as "transcription_stage?", t.percent as "transcription_percent?",
                  null::text as "snippet?",
                  array(select g.tag from recording_tags g where g.recording_id = r.id order by g.tag) as "tags!"
           from recordings r left join users u on u.id = r.created_by
                left join transcriptions t on t.recording_id = r.id
           where r.id = $1 and r.status <> 'uploading'"#,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That recording".into()))?;
    let in_trash = row.purge_after.is_some();
    let sharing = if access.can(Permission::TranscriptsShare) && !in_trash {
        Some(overview(&mut tx, auth, &access, resource).await?)
    } else {
        None
    };
    // Related recordings only for those who may read the workspace's: a share is of this one.
    let (versions, spoken) = if access.can(Permission::TranscriptsRead) {
        (
            super::edits::versions(&mut tx, id).await?,
            super::speech::spoken_links(&mut tx, id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    tx.commit().await?;
    // Links only for a ready recording outside the trash.
    let key =
        ObjectKey::parse(&row.object_key).ok_or_else(|| AppError::internal("a stored object key is malformed"))?;
    let playable = row.status == RecordingStatus::Ready.key() && row.purge_after.is_none();
    let content_type = row
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let store = &auth.state.storage;
    let link = |attachment: bool| store.download_url(&key, &row.file_name, &content_type, attachment, MEDIA_URL_TTL);
    let (play_url, download_url) = if playable {
        (
            Some(link(false).await.map_err(AppError::from)?),
            Some(link(true).await.map_err(AppError::from)?),
        )
    } else {
        (None, None)
    };
    Ok(super::RecordingDetail {
        play_url,
        download_url,
        recording: row.into(),
        workspace_name: access.workspace.name.clone(),
        can_edit: access.can(Permission::TranscriptsEdit) || share == Some(ShareAccess::Edit),
        can_delete: access.can(Permission::TranscriptsDelete),
        // Shown only when the share gives more than the role does.
        shared_with_me: share.filter(|s| match s {
            ShareAccess::View => !access.can(Permission::TranscriptsRead),
            ShareAccess::Edit => !access.can(Permission::TranscriptsEdit),
        }),
        sharing,
        versions,
        spoken,
    })
}
