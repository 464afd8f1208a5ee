//! The upload protocol, the same for every backend: start (the server makes the recording and a
//! multipart upload) → part URLs in batches (the browser PUTs each part straight to storage and
//! reports the ETags it got) → complete (the store joins the parts; a job checks the content).
//! Uploads survive a reload: the plan and the reported parts are kept here.

use std::time::Duration;

use sqlx::PgConnection;
use uuid::Uuid;

use super::{inspect, PartDone, PartUrl, UploadPlan, URL_BATCH};
use crate::{
    accounts::session::RequestAuth,
    audit::{self, Actor, AuditAction, AuditEvent},
    error::AppError,
    server::jobs::{self, NewJob},
    storage::{keys::ObjectKey, plan_parts, Part},
    workspaces::{
        service::{authorize, Access},
        Permission,
    },
};

/// How long a part URL stays valid; a paused upload asks for fresh ones.
const PART_URL_TTL: Duration = Duration::from_secs(3600);

pub(super) fn audit_on(access: &Access, action: AuditAction, auth: &RequestAuth, recording: Uuid) -> AuditEvent {
    AuditEvent::new(Actor::User(access.user.id), action)
        .target("recording", recording.to_string())
        .workspace(access.workspace.id)
        .origin(auth.meta.ip, Some(&auth.meta.user_agent))
}

/// The name as shown: no folders, no control characters, at most 255 characters.
pub fn clean_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_owned();
    let cleaned: String = cleaned.chars().take(255).collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// "Team call.mp3" → "Team call".
pub fn title_from(file_name: &str) -> String {
    let stem = match file_name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.len() <= 5 => stem,
        _ => file_name,
    };
    stem.chars().take(200).collect()
}

pub struct StartInput<'a> {
    pub file_name: &'a str,
    pub size_bytes: i64,
    pub file_modified_ms: Option<i64>,
}

pub async fn start(auth: &RequestAuth, slug: &str, input: StartInput<'_>) -> Result<UploadPlan, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsCreate).await?;
    let file_name = clean_file_name(input.file_name).ok_or_else(|| AppError::invalid("The file has no name."))?;
    let max = auth.state.config.storage.max_upload_bytes;
    if input.size_bytes <= 0 {
        return Err(AppError::invalid(format!("{file_name} is empty.")));
    }
    if input.size_bytes as u64 > max {
        return Err(AppError::invalid(format!(
            "{file_name} is {}; the largest file this workspace can upload is {}.",
            super::size_in_words(input.size_bytes),
            super::size_in_words(max as i64)
        )));
    }
    let id = Uuid::new_v4();
    let key = ObjectKey::recording(access.workspace.id, id);
    let (part_size, part_count) = plan_parts(input.size_bytes as u64);
    let upload_id = auth
        .state
        .storage
        .create_multipart(&key)
        .await
        .map_err(AppError::from)?;
    sqlx::query!(
        "insert into recordings (id, workspace_id, title, file_name, status, size_bytes, object_key, created_by)
         values ($1, $2, $3, $4, 'uploading', $5, $6, $7)",
        id,
        access.workspace.id,
        title_from(&file_name),
        file_name,
        input.size_bytes,
        key.as_str(),
        access.user.id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "insert into uploads (recording_id, workspace_id, backend_upload_id, part_size, part_count, file_modified_ms)
         values ($1, $2, $3, $4, $5, $6)",
        id,
        access.workspace.id,
        upload_id,
        part_size as i64,
        part_count as i32,
        input.file_modified_ms
    )
    .execute(&mut *tx)
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingUploadStarted, auth, id)
            .metadata(serde_json::json!({ "file_name": file_name, "size_bytes": input.size_bytes })),
    )
    .await?;
    tx.commit().await?;
    Ok(UploadPlan {
        recording_id: id.to_string(),
        part_size,
        part_count: part_count as u32,
        done: Vec::new(),
    })
}

struct OpenUpload {
    id: Uuid,
    title: String,
    key: ObjectKey,
    backend_upload_id: String,
    part_size: u64,
    part_count: u32,
    size_bytes: u64,
}

impl OpenUpload {
    /// The exact size part `number` must have.
    fn part_len(&self, number: u32) -> u64 {
        if number < self.part_count {
            self.part_size
        } else {
            self.size_bytes - self.part_size * u64::from(self.part_count - 1)
        }
    }
}

fn recording_id(id: &str) -> Result<Uuid, AppError> {
    id.parse().map_err(|_| AppError::NotFound("That upload".into()))
}

/// The caller's own unfinished upload, locked until the transaction ends.
async fn own_upload(tx: &mut PgConnection, access: &Access, id: Uuid) -> Result<OpenUpload, AppError> {
    let row = sqlx::query!(
        "select r.title, r.object_key, r.size_bytes, r.created_by, u.backend_upload_id, u.part_size, u.part_count
         from uploads u join recordings r on r.id = u.recording_id
         where u.recording_id = $1 and r.status = 'uploading' for update of u",
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::NotFound("That upload".into()))?;
    if row.created_by != Some(access.user.id) {
        return Err(AppError::Forbidden);
    }
    Ok(OpenUpload {
        id,
        title: row.title,
        key: ObjectKey::parse(&row.object_key).ok_or_else(|| AppError::internal("a stored object key is malformed"))?,
        backend_upload_id: row.backend_upload_id,
        part_size: row.part_size as u64,
        part_count: row.part_count as u32,
        size_bytes: row.size_bytes as u64,
    })
}

async fn record_done(
    tx: &mut PgConnection,
    access: &Access,
    upload: &OpenUpload,
    done: &[PartDone],
) -> Result<(), AppError> {
    for part in done {
        if part.number == 0 || part.number > upload.part_count {
            return Err(AppError::invalid(format!(
                "There is no part {} in this upload.",
                part.number
            )));
        }
        if part.etag.is_empty() || part.etag.len() > 200 || part.etag.chars().any(char::is_control) {
            return Err(AppError::invalid("A part's ETag is malformed."));
        }
    }
    if done.is_empty() {
        return Ok(());
    }
    // One statement for the lot (completing a large upload reports thousands); a part reported
    // twice keeps its latest ETag.
    let mut latest = std::collections::BTreeMap::new();
    for part in done {
        latest.insert(part.number, part.etag.as_str());
    }
    let numbers: Vec<i32> = latest.keys().map(|n| *n as i32).collect();
    let etags: Vec<String> = latest.values().map(|e| (*e).to_owned()).collect();
    let sizes: Vec<i64> = latest.keys().map(|n| upload.part_len(*n) as i64).collect();
    sqlx::query!(
        "insert into upload_parts (recording_id, workspace_id, part_number, etag, size_bytes)
         select $1, $2, p.number, p.etag, p.size
         from unnest($3::int[], $4::text[], $5::bigint[]) as p(number, etag, size)
         on conflict (recording_id, part_number) do update set etag = excluded.etag, created_at = now()",
        upload.id,
        access.workspace.id,
        &numbers,
        &etags,
        &sizes
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn parts_done(tx: &mut PgConnection, id: Uuid) -> Result<Vec<PartDone>, AppError> {
    Ok(sqlx::query!(
        "select part_number, etag from upload_parts where recording_id = $1 order by part_number",
        id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|r| PartDone {
        number: r.part_number as u32,
        etag: r.etag,
    })
    .collect())
}

/// The plan of an unfinished upload of the caller's, to resume it.
pub async fn plan(auth: &RequestAuth, slug: &str, id: &str) -> Result<UploadPlan, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsCreate).await?;
    let upload = own_upload(&mut tx, &access, recording_id(id)?).await?;
    let done = parts_done(&mut tx, upload.id).await?;
    tx.commit().await?;
    Ok(UploadPlan {
        recording_id: upload.id.to_string(),
        part_size: upload.part_size,
        part_count: upload.part_count,
        done,
    })
}

/// Records the parts the browser finished and hands out URLs for the ones it asks for next.
pub async fn part_urls(
    auth: &RequestAuth,
    slug: &str,
    id: &str,
    done: &[PartDone],
    want: &[u32],
) -> Result<Vec<PartUrl>, AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsCreate).await?;
    let upload = own_upload(&mut tx, &access, recording_id(id)?).await?;
    if want.len() > URL_BATCH || done.len() > upload.part_count as usize {
        return Err(AppError::invalid(format!(
            "Ask for at most {URL_BATCH} parts at a time."
        )));
    }
    record_done(&mut tx, &access, &upload, done).await?;
    tx.commit().await?;
    let mut urls = Vec::with_capacity(want.len());
    for &number in want {
        if number == 0 || number > upload.part_count {
            return Err(AppError::invalid(format!("There is no part {number} in this upload.")));
        }
        let url = auth
            .state
            .storage
            .part_url(
                &upload.key,
                &upload.backend_upload_id,
                number,
                upload.part_size * u64::from(number - 1),
                upload.part_len(number),
                PART_URL_TTL,
            )
            .await
            .map_err(AppError::from)?;
        urls.push(PartUrl { number, url });
    }
    Ok(urls)
}

/// Joins the parts into the recording's file and queues the check of its content.
pub async fn complete(auth: &RequestAuth, slug: &str, id: &str, done: &[PartDone]) -> Result<(), AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsCreate).await?;
    let upload = own_upload(&mut tx, &access, recording_id(id)?).await?;
    record_done(&mut tx, &access, &upload, done).await?;
    let done = parts_done(&mut tx, upload.id).await?;
    let missing = upload.part_count as usize - done.len();
    if missing > 0 {
        return Err(AppError::invalid(if missing == 1 {
            "1 part of the file has not arrived yet.".to_owned()
        } else {
            format!("{missing} parts of the file have not arrived yet.")
        }));
    }
    let parts: Vec<Part> = done
        .into_iter()
        .map(|p| Part {
            size: upload.part_len(p.number),
            number: p.number,
            etag: p.etag,
        })
        .collect();
    let store = &auth.state.storage;
    let size = store
        .complete(&upload.key, &upload.backend_upload_id, &parts)
        .await
        .map_err(AppError::from)?;
    if size != upload.size_bytes {
        store.delete(&upload.key).await.map_err(AppError::from)?;
        return Err(AppError::invalid(format!(
            "The file arrived with {} instead of {}; upload it again.",
            super::size_in_words(size as i64),
            super::size_in_words(upload.size_bytes as i64)
        )));
    }
    sqlx::query!("update recordings set status = 'checking' where id = $1", upload.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("delete from uploads where recording_id = $1", upload.id)
        .execute(&mut *tx)
        .await?;
    let payload = inspect::InspectPayload {
        workspace_id: access.workspace.id,
        recording_id: upload.id,
    };
    jobs::enqueue(
        &mut tx,
        NewJob::of::<inspect::InspectRecording>(&payload).idempotency_key(format!("inspect:{}", upload.id)),
    )
    .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingUploaded, auth, upload.id)
            .metadata(serde_json::json!({ "title": upload.title, "size_bytes": size })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stops an unfinished upload: the store drops its parts and the recording is gone.
pub async fn cancel(auth: &RequestAuth, slug: &str, id: &str) -> Result<(), AppError> {
    let (access, mut tx) = authorize(auth, slug, Permission::TranscriptsCreate).await?;
    let upload = own_upload(&mut tx, &access, recording_id(id)?).await?;
    auth.state
        .storage
        .abort(&upload.key, &upload.backend_upload_id)
        .await
        .map_err(AppError::from)?;
    sqlx::query!("delete from recordings where id = $1", upload.id)
        .execute(&mut *tx)
        .await?;
    audit::service::record(
        &mut tx,
        audit_on(&access, AuditAction::RecordingUploadCancelled, auth, upload.id)
            .metadata(serde_json::json!({ "title": upload.title })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_folders_and_control_characters() {
        assert_eq!(
            clean_file_name("C:\\calls\\Team call.mp3").as_deref(),
            Some("Team call.mp3")
        );
        assert_eq!(clean_file_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(clean_file_name("a\u{0}b\n.wav").as_deref(), Some("ab.wav"));
        assert_eq!(clean_file_name("  "), None);
        assert_eq!(title_from("Team call.mp3"), "Team call");
        assert_eq!(title_from(".hidden"), ".hidden");
        assert_eq!(title_from("notes.final-version"), "notes.final-version");
    }
}
