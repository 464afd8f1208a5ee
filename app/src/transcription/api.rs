//! Transcription server functions: each names its workspace by slug and the recording by id, and
//! checks one permission on that recording in `service`.

use leptos::prelude::*;

use super::{EditOutcome, TranscriptView, VersionItem};
use crate::error::AppError;

#[cfg(feature = "ssr")]
use crate::accounts::session::RequestAuth;

#[server(endpoint = "transcripts/view")]
pub async fn get_transcript(workspace: String, id: String) -> Result<TranscriptView, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::view(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "transcripts/cancel")]
pub async fn cancel_transcription(workspace: String, id: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::cancel(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "transcripts/transcribe")]
pub async fn transcribe_again(workspace: String, id: String, engine: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::transcribe_again(&auth, &workspace, &id, &engine)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "transcripts/summarise")]
pub async fn summarise_again(workspace: String, id: String, style: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::service::resummarise(&auth, &workspace, &id, &style)
        .await
        .map_err(AppError::respond)
}

/// Saves a line's new text (`line` counts from 0); `original` is its text when editing began and
/// `base_version` the transcript version the page loaded.
#[server(endpoint = "transcripts/edit")]
pub async fn edit_line(
    workspace: String,
    id: String,
    base_version: i32,
    line: i32,
    original: String,
    text: String,
) -> Result<EditOutcome, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    let edit = super::editing::LineEdit {
        base_version,
        line,
        original,
        text,
    };
    super::editing::edit_line(&auth, &workspace, &id, edit)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "transcripts/versions")]
pub async fn transcript_versions(workspace: String, id: String) -> Result<Vec<VersionItem>, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::editing::versions(&auth, &workspace, &id)
        .await
        .map_err(AppError::respond)
}

#[server(endpoint = "transcripts/restore")]
pub async fn restore_version(workspace: String, id: String, version: i32) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::editing::restore(&auth, &workspace, &id, version)
        .await
        .map_err(AppError::respond)
}

/// Says who speaks a line (`speaker` empty: nobody in particular).
#[server(endpoint = "transcripts/speaker")]
pub async fn set_line_speaker(
    workspace: String,
    id: String,
    base_version: i32,
    line: i32,
    speaker: String,
) -> Result<EditOutcome, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::speakers::set_line_speaker(&auth, &workspace, &id, base_version, line, &speaker)
        .await
        .map_err(AppError::respond)
}

/// Renames a speaker on every line (to another speaker's name: merges them).
#[server(endpoint = "transcripts/rename-speaker")]
pub async fn rename_speaker(workspace: String, id: String, from: String, to: String) -> Result<String, AppError> {
    let auth = RequestAuth::load().await.map_err(AppError::respond)?;
    super::speakers::rename_speaker(&auth, &workspace, &id, &from, &to)
        .await
        .map_err(AppError::respond)
}
