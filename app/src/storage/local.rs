//! The local-directory backend (the embedded default): objects are files under `.data/objects`,
//! and a multipart upload is a folder holding one data file (each part written at its offset)
//! and a record per finished part; completing renames the data file into place. The browser speaks the
//! same protocol as with S3 — PUT each part to a signed URL, keep the ETag — against the routes
//! at the bottom, which stream each part to disk.

use std::path::{Path, PathBuf};

use axum::{
    body::Body,
    extract::{Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::{keys::ObjectKey, signing::Refusal, Part};
use crate::server::AppState;

pub const PART_PATH: &str = "/storage/local/part";
pub const OBJECT_PATH: &str = "/storage/local/object";

#[derive(Debug)]
pub struct LocalStore {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum PartError {
    #[error("the part is larger than the upload allows")]
    TooLarge,
    #[error("the upload is finished or was cancelled")]
    NoSuchUpload,
    #[error("the part did not arrive whole: {0}")]
    Body(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Upload ids are ours (a v4 UUID in simple form), so they are safe as a folder name.
fn valid_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn etag_of(digest: &[u8]) -> String {
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

impl LocalStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path_of(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    fn upload_dir(&self, upload_id: &str) -> Option<PathBuf> {
        valid_upload_id(upload_id).then(|| self.root.join(".uploads").join(upload_id))
    }

    pub async fn create_multipart(&self) -> std::io::Result<String> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let dir = self.upload_dir(&id).expect("a fresh id is valid");
        tokio::fs::create_dir_all(&dir).await?;
        Ok(id)
    }

    /// Streams one part (never more than `max` bytes) into the upload's data file at `offset`,
    /// so completing is a rename rather than a second copy of every byte. Returns its ETag; a
    /// part sent again overwrites its own place.
    pub async fn write_part(
        &self,
        upload_id: &str,
        number: u32,
        offset: u64,
        body: Body,
        max: u64,
    ) -> Result<String, PartError> {
        use tokio::io::AsyncSeekExt;
        let dir = self.upload_dir(upload_id).ok_or(PartError::NoSuchUpload)?;
        if !tokio::fs::try_exists(&dir).await? {
            return Err(PartError::NoSuchUpload);
        }
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("data"))
            .await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        let mut hasher = Sha256::new();
        let mut written: u64 = 0;
        let mut stream = body.into_data_stream();
        while let Some(chunk) = stream.try_next().await.map_err(|e| PartError::Body(e.to_string()))? {
            written += chunk.len() as u64;
            if written > max {
                return Err(PartError::TooLarge);
            }
            hasher.update(&chunk);
            file.write_all(&chunk).await?;
        }
        if written == 0 {
            return Err(PartError::Body("it was empty".into()));
        }
        file.flush().await?;
        file.sync_data().await?;
        let etag = etag_of(&hasher.finalize());
        // The ETag and length, written after the bytes are safe: a part without one never counts.
        tokio::fs::write(dir.join(format!("part-{number}")), format!("{etag}\n{written}")).await?;
        Ok(etag)
    }

    /// Completes the upload: every part must have arrived with the ETag the browser saw and its
    /// full length; the data file then becomes the object. Returns its size.
    pub async fn complete(&self, upload_id: &str, key: &ObjectKey, parts: &[Part]) -> Result<u64, PartError> {
        let dir = self.upload_dir(upload_id).ok_or(PartError::NoSuchUpload)?;
        let mut total = 0;
        for part in parts {
            let record = tokio::fs::read_to_string(dir.join(format!("part-{}", part.number)))
                .await
                .map_err(|_| PartError::NoSuchUpload)?;
            let (etag, length) = record.split_once('\n').unwrap_or((record.as_str(), "0"));
            if etag != part.etag || length.parse::<u64>().ok() != Some(part.size) {
                return Err(PartError::Body(format!("part {} is not the one sent", part.number)));
            }
            total += part.size;
        }
        let data = dir.join("data");
        let file = tokio::fs::OpenOptions::new().write(true).open(&data).await?;
        file.set_len(total).await?;
        file.sync_all().await?;
        let target = self.path_of(key);
        tokio::fs::create_dir_all(target.parent().expect("keys have folders")).await?;
        tokio::fs::rename(&data, &target).await?;
        tokio::fs::remove_dir_all(&dir).await?;
        Ok(total)
    }

    pub async fn abort(&self, upload_id: &str) -> std::io::Result<()> {
        match self.upload_dir(upload_id) {
            Some(dir) => ignore_missing(tokio::fs::remove_dir_all(dir).await),
            None => Ok(()),
        }
    }

    /// Copies a file in as `key` (through a temporary name, so a reader never sees half).
    pub async fn put_file(&self, key: &ObjectKey, from: &Path) -> std::io::Result<()> {
        let target = self.path_of(key);
        let parent = target.parent().expect("keys have folders");
        tokio::fs::create_dir_all(parent).await?;
        let temp = parent.join(format!(".incoming-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::copy(from, &temp).await?;
        tokio::fs::rename(&temp, &target).await
    }

    /// Writes a small object whole (through a temporary name, so a reader never sees half).
    pub async fn put_bytes(&self, key: &ObjectKey, bytes: &[u8]) -> std::io::Result<()> {
        let target = self.path_of(key);
        let parent = target.parent().expect("keys have folders");
        tokio::fs::create_dir_all(parent).await?;
        let temp = parent.join(format!(".incoming-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&temp, bytes).await?;
        tokio::fs::rename(&temp, &target).await
    }

    /// A small object whole, if it exists and is at most `limit` bytes.
    pub async fn get_bytes(&self, key: &ObjectKey, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
        match self.size(key).await? {
            None => Ok(None),
            Some(size) if size > limit => Err(std::io::Error::other("larger than a public object may be")),
            Some(_) => match tokio::fs::read(self.path_of(key)).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
        }
    }

    pub async fn size(&self, key: &ObjectKey) -> std::io::Result<Option<u64>> {
        match tokio::fs::metadata(self.path_of(key)).await {
            Ok(m) => Ok(Some(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn rename(&self, from: &ObjectKey, to: &ObjectKey) -> std::io::Result<()> {
        let target = self.path_of(to);
        tokio::fs::create_dir_all(target.parent().expect("keys have folders")).await?;
        tokio::fs::rename(self.path_of(from), target).await
    }

    pub async fn delete(&self, key: &ObjectKey) -> std::io::Result<()> {
        ignore_missing(tokio::fs::remove_file(self.path_of(key)).await)
    }

    /// Every object under `prefix`, with its size.
    pub async fn list(&self, prefix: &str) -> std::io::Result<Vec<(ObjectKey, u64)>> {
        let mut found = Vec::new();
        let mut folders = vec![self.root.join(prefix.trim_end_matches('/'))];
        while let Some(folder) = folders.pop() {
            let mut entries = match tokio::fs::read_dir(&folder).await {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            while let Some(entry) = entries.next_entry().await? {
                let kind = entry.file_type().await?;
                if kind.is_dir() {
                    folders.push(entry.path());
                } else if let Some(key) = entry
                    .path()
                    .strip_prefix(&self.root)
                    .ok()
                    .and_then(|p| p.to_str())
                    .and_then(ObjectKey::parse)
                {
                    found.push((key, entry.metadata().await?.len()));
                }
            }
        }
        found.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Ok(found)
    }

    /// Upload folders older than `age` (abandoned uploads), like S3's abort-incomplete rule.
    pub async fn stale_uploads(&self, age: std::time::Duration) -> std::io::Result<Vec<String>> {
        let mut stale = Vec::new();
        let mut entries = match tokio::fs::read_dir(self.root.join(".uploads")).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(stale),
            Err(e) => return Err(e),
        };
        while let Some(entry) = entries.next_entry().await? {
            let old = entry.metadata().await?.modified()?.elapsed().is_ok_and(|e| e > age);
            if let (true, Some(name)) = (old, entry.file_name().to_str()) {
                if valid_upload_id(name) {
                    stale.push(name.to_owned());
                }
            }
        }
        Ok(stale)
    }
}

fn ignore_missing(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

fn refused(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

fn refusal(r: Refusal) -> Response {
    match r {
        Refusal::Expired => refused(
            StatusCode::FORBIDDEN,
            "This link has expired. Reload the page to get a new one.",
        ),
        Refusal::BadSignature => refused(StatusCode::FORBIDDEN, "This link is not valid."),
    }
}

#[derive(serde::Deserialize)]
pub struct PartQuery {
    upload: String,
    part: u32,
    offset: u64,
    max: u64,
    expires: i64,
    sig: String,
}

/// `PUT /storage/local/part`: one part of a multipart upload, authorised by its signed URL alone.
pub async fn put_part(State(state): State<AppState>, Query(q): Query<PartQuery>, request: Request) -> Response {
    let Some((store, signer)) = state.storage.local() else {
        return refused(StatusCode::NOT_FOUND, "Not found.");
    };
    let (part, offset, max) = (q.part.to_string(), q.offset.to_string(), q.max.to_string());
    let params = [
        ("upload", q.upload.as_str()),
        ("part", part.as_str()),
        ("offset", offset.as_str()),
        ("max", max.as_str()),
    ];
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(r) = signer.verify("PUT", PART_PATH, &params, q.expires, &q.sig, now) {
        return refusal(r);
    }
    match store
        .write_part(&q.upload, q.part, q.offset, request.into_body(), q.max)
        .await
    {
        Ok(etag) => {
            let mut response = StatusCode::OK.into_response();
            if let Ok(value) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, value);
            }
            response
        }
        Err(PartError::TooLarge) => refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "This part is larger than the upload allows.",
        ),
        Err(PartError::NoSuchUpload) => refused(StatusCode::NOT_FOUND, "This upload is finished or was cancelled."),
        Err(PartError::Body(reason)) => refused(
            StatusCode::BAD_REQUEST,
            &format!("The part did not arrive whole: {reason}."),
        ),
        Err(PartError::Io(e)) => {
            tracing::error!(error = %e, "writing an upload part failed");
            refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The part could not be stored. Try again.",
            )
        }
    }
}

#[derive(serde::Deserialize)]
pub struct ObjectQuery {
    key: String,
    name: String,
    #[serde(rename = "type")]
    content_type: String,
    disposition: String,
    expires: i64,
    sig: String,
}

/// `GET /storage/local/object`: a download through a signed URL, with Range support for players.
pub async fn get_object(State(state): State<AppState>, Query(q): Query<ObjectQuery>, request: Request) -> Response {
    let Some((store, signer)) = state.storage.local() else {
        return refused(StatusCode::NOT_FOUND, "Not found.");
    };
    let params = [
        ("key", q.key.as_str()),
        ("name", q.name.as_str()),
        ("type", q.content_type.as_str()),
        ("disposition", q.disposition.as_str()),
    ];
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(r) = signer.verify("GET", OBJECT_PATH, &params, q.expires, &q.sig, now) {
        return refusal(r);
    }
    let Some(key) = ObjectKey::parse(&q.key) else {
        return refused(StatusCode::NOT_FOUND, "Not found.");
    };
    let path = store.path_of(&key);
    let served = tower::ServiceExt::oneshot(tower_http::services::ServeFile::new(&path), request).await;
    let mut response = match served {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    if response.status() == StatusCode::NOT_FOUND {
        return refused(StatusCode::NOT_FOUND, "This file is no longer stored.");
    }
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&q.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    let kind = if q.disposition == "attachment" {
        "attachment"
    } else {
        "inline"
    };
    if let Ok(value) = HeaderValue::from_str(&format!("{kind}; filename*=UTF-8''{}", crate::ui::url_encode(&q.name))) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    response
}
