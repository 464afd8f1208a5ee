//! Recording server functions. Each names its workspace by slug and checks one permission
//! through `workspaces::service::authorize` (inside the services).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{LibraryView, PartDone, PartUrl, RecordingDetail, UploadPlan};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

/// One page of the library or the trash, filtered (see `filter::LibraryFilter`; a value left
/// out is not filtered on).
#[allow(clippy::too_many_arguments)]
#[server(endpoint = "recordings/library")]
pub async fn recording_library(
    workspace: String,
    trash: bool,
    page: u32,
    q: Option<String>,
    status: Option<String>,
    tag: Option<String>,
    speaker: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
) -> Result<LibraryView, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let filter = super::filter::LibraryFilter {
        q: q.unwrap_or_default().trim().to_owned(),
        status: status.unwrap_or_default(),
        tag: tag.unwrap_or_default().trim().to_owned(),
        speaker: speaker.unwrap_or_default().trim().to_owned(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        sort: sort.unwrap_or_default(),
    };
    super::library::library(&auth, &workspace, trash, page, &filter)
        .await
        .map_err(AppError::respond)
}

/// Imports the first AudioTricks' history (its JSON, pasted or from a file).
#[server(endpoint = "recordings/import")]
pub async fn import_history(workspace: String, history: String) -> Result<super::ImportReport, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::import::import(&auth, &workspace, &history)
        .await
        .map_err(AppError::respond)
}

/// Sets the recording's tags from a comma-separated list (empty removes them).
#[server(endpoint = "recordings/tags")]
pub async fn tag_recording(workspace: String, id: String, tags: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::tags::set_tags(&auth, &workspace, &id, &tags)
        .await
        .map_err(AppError::respond)
}

/// Renders a new version of the recording without the passages in `cuts` ("start-end,…" in
/// milliseconds); answers the new version's id.
#[server(endpoint = "recordings/cut")]
pub async fn cut_recording(workspace: String, id: String, cuts: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::edits::cut(&auth, &workspace, &id, &cuts)
        .await
        .map_err(AppError::respond)
}

/// The voices an engine ("local" or "elevenlabs") offers the workspace.
#[server(endpoint = "recordings/voices")]
pub async fn list_voices(workspace: String, engine: String) -> Result<Vec<super::speech::Voice>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::speech::voices(&auth, &workspace, &engine)
        .await
        .map_err(AppError::respond)
}

/// Speaks the recording's transcript or summary (`what`) with `voice` into a new recording;
/// answers its id.
#[server(endpoint = "recordings/speak")]
pub async fn speak_recording(
    workspace: String,
    id: String,
    what: String,
    engine: String,
    voice: String,
    voice_name: String,
) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::speech::speak(&auth, &workspace, &id, &what, &engine, &voice, &voice_name)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "recordings/detail")]
pub async fn get_recording(workspace: String, id: String) -> Result<RecordingDetail, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::library::detail(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "recordings/rename")]
pub async fn rename_recording(workspace: String, id: String, title: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::library::rename(&auth, &workspace, &id, &title)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "recordings/trash")]
pub async fn trash_recording(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::library::trash(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "recordings/restore")]
pub async fn restore_recording(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::library::restore(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "recordings/delete")]
pub async fn delete_recording(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::library::delete_forever(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

/// Begins uploading a file: the recording and its multipart upload, and how to cut the file.
#[server(endpoint = "uploads/start", input = Json)]
pub async fn start_upload(
    workspace: String,
    file_name: String,
    size_bytes: i64,
    file_modified_ms: Option<i64>,
) -> Result<UploadPlan, AppError> {
    use super::uploads::{start, StartInput};
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let input = StartInput {
        file_name: &file_name,
        size_bytes,
        file_modified_ms,
    };
    start(&auth, &workspace, input).await.map_err(AppError::respond)
}

/// The plan and finished parts of one of your unfinished uploads, to resume it.
#[server(endpoint = "uploads/plan", input = Json)]
pub async fn resume_upload(workspace: String, id: String) -> Result<UploadPlan, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::uploads::plan(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

/// Reports finished parts and asks for the URLs of the next ones.
#[server(endpoint = "uploads/parts", input = Json)]
pub async fn upload_part_urls(
    workspace: String,
    id: String,
    done: Vec<PartDone>,
    want: Vec<u32>,
) -> Result<Vec<PartUrl>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::uploads::part_urls(&auth, &workspace, &id, &done, &want)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "uploads/complete", input = Json)]
pub async fn complete_upload(workspace: String, id: String, done: Vec<PartDone>) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::uploads::complete(&auth, &workspace, &id, &done)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "uploads/cancel", input = Json)]
pub async fn cancel_upload(workspace: String, id: String) -> Result<(), AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::uploads::cancel(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}
