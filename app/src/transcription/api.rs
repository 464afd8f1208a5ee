//! Transcription server functions: each names its workspace by slug and the recording by id, and
//! checks one permission on that recording in `service`.

use leptos::prelude::*;

use super::TranscriptView;
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
