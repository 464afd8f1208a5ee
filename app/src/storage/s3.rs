//! The S3 API backend: DigitalOcean Spaces, AWS S3, MinIO. The browser PUTs parts to presigned
//! UploadPart URLs on the bucket itself; the server only creates, completes, lists and deletes.

use std::time::Duration;

use aws_sdk_s3::{
    config::{BehaviorVersion, Builder, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation},
    presigning::PresigningConfig,
    types::{
        AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, CompletedMultipartUpload, CompletedPart,
        CorsConfiguration, CorsRule, ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    },
    Client,
};
use tokio::io::AsyncWriteExt;

use super::{keys::ObjectKey, Part, StorageError};
use crate::server::config::S3Config;

#[derive(Debug)]
pub struct S3Store {
    client: Client,
    bucket: String,
}

fn backend<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> StorageError + '_ {
    move |e| StorageError::Io(std::io::Error::other(format!("{what}: {e}")))
}

/// The full message of an SDK error (its Display is only "service error").
fn explain<E: std::error::Error>(e: E) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The most one PUT may carry (Spaces and S3: 5 GB); larger files go up in parts.
pub const SINGLE_PUT_MAX: u64 = 5_000_000_000;
/// Parts of a file uploaded from disk (backups): large, since each is one request.
const FILE_PART_SIZE: u64 = 64 * 1024 * 1024;

impl S3Store {
    pub fn new(config: &S3Config) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let conf = Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url(config.endpoint.as_str())
            .region(Region::new(config.region.clone()))
            .credentials_provider(Credentials::new(
                config.access_key_id.expose(),
                config.secret_access_key.expose(),
                None,
                None,
                "audiotricks-config",
            ))
            .force_path_style(config.path_style)
            // Spaces rejects the checksums newer SDKs add by default.
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .http_client(http)
            .build();
        Self {
            client: Client::from_conf(conf),
            bucket: config.bucket.clone(),
        }
    }

    pub async fn check(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| StorageError::Io(std::io::Error::other(format!("bucket {}: {}", self.bucket, explain(e)))))?;
        Ok(())
    }

    pub async fn create_multipart(&self, key: &ObjectKey) -> Result<String, StorageError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| backend("starting an upload")(explain(e)))?;
        out.upload_id
            .ok_or_else(|| StorageError::Rejected("the store gave no upload id".into()))
    }

    pub async fn part_url(
        &self,
        key: &ObjectKey,
        upload_id: &str,
        number: u32,
        max: u64,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        let presigning = PresigningConfig::expires_in(ttl).map_err(backend("presigning"))?;
        let request = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .part_number(number as i32)
            .content_length(max as i64)
            .presigned(presigning)
            .await
            .map_err(|e| backend("presigning a part")(explain(e)))?;
        Ok(request.uri().to_owned())
    }

    pub async fn complete(&self, key: &ObjectKey, upload_id: &str, parts: &[Part]) -> Result<u64, StorageError> {
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|p| {
                        CompletedPart::builder()
                            .part_number(p.number as i32)
                            .e_tag(&p.etag)
                            .build()
                    })
                    .collect(),
            ))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map_err(|e| {
                let text = explain(e);
                if text.contains("NoSuchUpload") {
                    StorageError::NoSuchUpload
                } else {
                    StorageError::Rejected(text)
                }
            })?;
        Ok(self.size(key).await?.unwrap_or(0))
    }

    pub async fn abort(&self, key: &ObjectKey, upload_id: &str) -> Result<(), StorageError> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key.as_str())
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let text = explain(e);
                if text.contains("NoSuchUpload") {
                    Ok(())
                } else {
                    Err(backend("cancelling an upload")(text))
                }
            }
        }
    }

    pub async fn download_url(
        &self,
        key: &ObjectKey,
        name: &str,
        content_type: &str,
        attachment: bool,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        let presigning = PresigningConfig::expires_in(ttl).map_err(backend("presigning"))?;
        let disposition = format!(
            "{}; filename*=UTF-8''{}",
            if attachment { "attachment" } else { "inline" },
            crate::ui::url_encode(name)
        );
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .response_content_type(content_type)
            .response_content_disposition(disposition)
            .presigned(presigning)
            .await
            .map_err(|e| backend("presigning a download")(explain(e)))?;
        Ok(request.uri().to_owned())
    }

    pub async fn size(&self, key: &ObjectKey) -> Result<Option<u64>, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => Ok(Some(out.content_length.unwrap_or(0).max(0) as u64)),
            Err(e) => {
                if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                    Ok(None)
                } else {
                    Err(backend("reading an object's size")(explain(e)))
                }
            }
        }
    }

    /// Copy, then delete: S3 has no rename.
    pub async fn move_object(&self, from: &ObjectKey, to: &ObjectKey) -> Result<(), StorageError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(to.as_str())
            .copy_source(format!("{}/{}", self.bucket, from.as_str()))
            .send()
            .await
            .map_err(|e| backend("copying an object")(explain(e)))?;
        self.delete(from).await
    }

    pub async fn delete(&self, key: &ObjectKey) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| backend("deleting an object")(explain(e)))?;
        Ok(())
    }

    pub async fn list(&self, prefix: &str) -> Result<Vec<(ObjectKey, u64)>, StorageError> {
        let mut found = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| backend("listing objects")(explain(e)))?;
            for object in page.contents.unwrap_or_default() {
                if let Some(key) = object.key.as_deref().and_then(ObjectKey::parse) {
                    found.push((key, object.size.unwrap_or(0).max(0) as u64));
                }
            }
        }
        found.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Ok(found)
    }

    /// Uploads a local file as `key`, streamed from disk: one PUT up to 5 GB (the most Spaces and
    /// S3 take at once), in parts beyond that.
    pub async fn put_file(&self, key: &ObjectKey, path: &std::path::Path) -> Result<(), StorageError> {
        let size = tokio::fs::metadata(path).await?.len();
        if size > SINGLE_PUT_MAX {
            let part_size = FILE_PART_SIZE.max(size.div_ceil(super::MAX_PARTS));
            return self.put_file_in_parts(key, path, part_size).await;
        }
        self.put_file_whole(key, path).await
    }

    /// A multipart upload of a local file, each part streamed from its place in the file; an
    /// upload that fails part-way is aborted.
    pub async fn put_file_in_parts(
        &self,
        key: &ObjectKey,
        path: &std::path::Path,
        part_size: u64,
    ) -> Result<(), StorageError> {
        let size = tokio::fs::metadata(path).await?.len();
        let upload_id = self.create_multipart(key).await?;
        let sent = async {
            let mut parts = Vec::new();
            for index in 0..size.div_ceil(part_size).max(1) {
                let offset = index * part_size;
                let length = part_size.min(size - offset);
                let body = aws_sdk_s3::primitives::ByteStream::read_from()
                    .path(path)
                    .offset(offset)
                    .length(aws_sdk_s3::primitives::Length::Exact(length))
                    .build()
                    .await
                    .map_err(|e| backend("reading a file to upload")(explain(e)))?;
                let number = index as i32 + 1;
                let out = self
                    .client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key.as_str())
                    .upload_id(&upload_id)
                    .part_number(number)
                    .content_length(length as i64)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| backend("uploading a part of a file")(explain(e)))?;
                parts.push(Part {
                    number: number as u32,
                    etag: out.e_tag.unwrap_or_default(),
                    size: length,
                });
            }
            self.complete(key, &upload_id, &parts).await.map(|_| ())
        }
        .await;
        if sent.is_err() {
            let _ = self.abort(key, &upload_id).await;
        }
        sent
    }

    async fn put_file_whole(&self, key: &ObjectKey, path: &std::path::Path) -> Result<(), StorageError> {
        let body = aws_sdk_s3::primitives::ByteStream::from_path(path)
            .await
            .map_err(|e| backend("reading a file to upload")(explain(e)))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .body(body)
            .send()
            .await
            .map_err(|e| backend("uploading a file")(explain(e)))?;
        Ok(())
    }

    /// Stores a small public object (a logo): world-readable, so the Spaces CDN may serve it.
    pub async fn put_public(&self, key: &ObjectKey, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .content_type(content_type)
            .cache_control(super::PUBLIC_CACHE_CONTROL)
            .acl(aws_sdk_s3::types::ObjectCannedAcl::PublicRead)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| backend("storing a public object")(explain(e)))?;
        Ok(())
    }

    /// A small public object's bytes, if it exists (at most `limit` bytes are read).
    pub async fn get_public(&self, key: &ObjectKey, limit: usize) -> Result<Option<Vec<u8>>, StorageError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(backend("reading a public object")(explain(e))),
        };
        let mut body = out.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| backend("reading a public object")(explain(e)))?;
            if bytes.len() + chunk.len() > limit {
                return Err(backend::<&str>("reading a public object")(
                    "it is larger than a public object may be",
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(bytes))
    }

    /// Streams the object into `path` (never whole in memory).
    pub async fn download_to(&self, key: &ObjectKey, path: &std::path::Path) -> Result<(), StorageError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key.as_str())
            .send()
            .await
            .map_err(|e| backend("downloading an object")(explain(e)))?;
        let mut body = out.body;
        let mut file = tokio::fs::File::create(path).await?;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| backend("downloading an object")(explain(e)))?;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        Ok(())
    }

    /// Applies the bucket's lifecycle rules (abandoned uploads, the trash) and CORS (browsers at
    /// `origin` PUT parts and read their ETag). Returns what the store did not support.
    pub async fn setup(&self, origin: &str, abandon_days: i32, trash_days: i32) -> Result<Vec<String>, StorageError> {
        let mut unsupported = Vec::new();
        if self.check().await.is_err() {
            // A missing bucket is made (handy for MinIO or a new Spaces project); anything
            // else fails here with the store's own words.
            self.client
                .create_bucket()
                .bucket(&self.bucket)
                .send()
                .await
                .map_err(|e| backend("creating the bucket")(explain(e)))?;
        }
        let rules = vec![
            LifecycleRule::builder()
                .id("abort-abandoned-uploads")
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build())
                .abort_incomplete_multipart_upload(
                    AbortIncompleteMultipartUpload::builder()
                        .days_after_initiation(abandon_days)
                        .build(),
                )
                .build()
                .map_err(backend("lifecycle rule"))?,
            LifecycleRule::builder()
                .id("expire-trash")
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("trash/").build())
                .expiration(LifecycleExpiration::builder().days(trash_days).build())
                .build()
                .map_err(backend("lifecycle rule"))?,
        ];
        let lifecycle = BucketLifecycleConfiguration::builder()
            .set_rules(Some(rules))
            .build()
            .map_err(backend("lifecycle configuration"))?;
        if let Err(e) = self
            .client
            .put_bucket_lifecycle_configuration()
            .bucket(&self.bucket)
            .lifecycle_configuration(lifecycle)
            .send()
            .await
        {
            let text = explain(e);
            if text.contains("NotImplemented") {
                unsupported.push("lifecycle rules".to_owned());
            } else {
                return Err(backend("setting lifecycle rules")(text));
            }
        }
        let cors = CorsConfiguration::builder()
            .cors_rules(
                CorsRule::builder()
                    .allowed_origins(origin)
                    .allowed_methods("PUT")
                    .allowed_methods("GET")
                    .allowed_methods("HEAD")
                    .allowed_headers("*")
                    .expose_headers("ETag")
                    .max_age_seconds(600)
                    .build()
                    .map_err(backend("CORS rule"))?,
            )
            .build()
            .map_err(backend("CORS configuration"))?;
        if let Err(e) = self
            .client
            .put_bucket_cors()
            .bucket(&self.bucket)
            .cors_configuration(cors)
            .send()
            .await
        {
            let text = explain(e);
            if text.contains("NotImplemented") {
                unsupported.push("CORS rules".to_owned());
            } else {
                return Err(backend("setting CORS rules")(text));
            }
        }
        Ok(unsupported)
    }
}
