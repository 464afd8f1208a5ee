//! Object storage settings.

use super::{file::FileStorage, ConfigError, Env, Overlay, Secret};

#[derive(Clone, Debug)]
pub enum StorageBackend {
    /// Files under this directory (the embedded default).
    Local { dir: std::path::PathBuf },
    /// A bucket through the S3 API (DigitalOcean Spaces, AWS S3, MinIO).
    S3(S3Config),
}

#[derive(Clone, Debug)]
pub struct S3Config {
    /// `https://{region}.digitaloceanspaces.com`, say. Browsers PUT parts here too.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    /// `bucket` in the path rather than the host name (works everywhere; MinIO needs it).
    pub path_style: bool,
}

impl S3Config {
    /// The origin browsers talk to (for the Content-Security-Policy).
    pub fn origin(&self) -> String {
        let rest = self.endpoint.split_once("://").map_or("", |(_, r)| r);
        let scheme = self.endpoint.split_once("://").map_or("https", |(s, _)| s);
        let host = rest.split('/').next().unwrap_or("");
        if self.path_style {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{}.{host}", self.bucket)
        }
    }
}

fn invalid(setting: &'static str, env: &'static str, message: &str) -> ConfigError {
    ConfigError::Invalid {
        setting,
        env,
        message: message.into(),
    }
}

fn s3(file: &FileStorage, over: &Overlay<'_, impl Env>) -> Result<S3Config, ConfigError> {
    let required = |setting: &'static str, env: &'static str, value: String| {
        if value.trim().is_empty() {
            Err(ConfigError::Missing { setting, env })
        } else {
            Ok(value.trim().to_owned())
        }
    };
    let endpoint = required(
        "storage.s3_endpoint (storage.backend = \"s3\")",
        "S3_ENDPOINT",
        over.string("S3_ENDPOINT", file.s3_endpoint.clone()),
    )?;
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) || endpoint.contains('?') {
        return Err(invalid(
            "storage.s3_endpoint",
            "S3_ENDPOINT",
            "must be an http:// or https:// URL",
        ));
    }
    let bucket = required(
        "storage.s3_bucket (storage.backend = \"s3\")",
        "S3_BUCKET",
        over.string("S3_BUCKET", file.s3_bucket.clone()),
    )?;
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !bucket_ok {
        return Err(invalid(
            "storage.s3_bucket",
            "S3_BUCKET",
            "must be 3 to 63 lower-case letters, digits and hyphens (no dots)",
        ));
    }
    let secret = |env: &'static str| {
        over.env.get(env).map(Secret::new).ok_or(ConfigError::Missing {
            setting: "S3 credentials (storage.backend = \"s3\")",
            env,
        })
    };
    Ok(S3Config {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        region: over.string("S3_REGION", file.s3_region.clone()),
        bucket,
        access_key_id: secret("S3_ACCESS_KEY_ID")?,
        secret_access_key: secret("S3_SECRET_ACCESS_KEY")?,
        path_style: over.parsed("storage.s3_path_style", "S3_PATH_STYLE", file.s3_path_style)?,
    })
}

/// Public assets (workspace logos) served through a CDN.
#[derive(Clone, Debug)]
pub struct CdnConfig {
    /// Public keys are appended to this: the Spaces CDN endpoint
    /// (`https://{bucket}.{region}.cdn.digitaloceanspaces.com`), or any CDN pulling from this
    /// server's `/storage` (then this ends in `/storage`).
    pub base_url: String,
    /// Purging changed objects from the CDN's cache through the DigitalOcean API.
    pub purge: Option<CdnPurgeConfig>,
}

impl CdnConfig {
    /// The CDN's origin, for the Content-Security-Policy.
    pub fn origin(&self) -> String {
        let (scheme, rest) = self.base_url.split_once("://").unwrap_or(("https", &self.base_url));
        format!("{scheme}://{}", rest.split('/').next().unwrap_or(""))
    }
}

#[derive(Clone, Debug)]
pub struct CdnPurgeConfig {
    /// `https://api.digitalocean.com` (a test points it at a double).
    pub api_url: String,
    pub endpoint_id: String,
    pub token: Secret,
}

fn cdn(file: &FileStorage, over: &Overlay<'_, impl Env>) -> Result<Option<CdnConfig>, ConfigError> {
    let base_url = over
        .string("CDN_BASE_URL", file.cdn_base_url.clone())
        .trim()
        .trim_end_matches('/')
        .to_owned();
    let endpoint_id = over
        .string("CDN_ENDPOINT_ID", file.cdn_endpoint_id.clone())
        .trim()
        .to_owned();
    let token = over.env.get("DIGITALOCEAN_TOKEN").filter(|t| !t.trim().is_empty());
    if base_url.is_empty() {
        if !endpoint_id.is_empty() {
            return Err(invalid(
                "storage.cdn_endpoint_id",
                "CDN_ENDPOINT_ID",
                "needs storage.cdn_base_url (CDN_BASE_URL) too",
            ));
        }
        return Ok(None);
    }
    let url_ok = |u: &str| {
        (u.starts_with("https://") || u.starts_with("http://"))
            && u.split_once("://").is_some_and(|(_, rest)| !rest.is_empty())
            && !u.contains(['?', '#', ' '])
    };
    if !url_ok(&base_url) {
        return Err(invalid(
            "storage.cdn_base_url",
            "CDN_BASE_URL",
            "must be an http:// or https:// URL without a query",
        ));
    }
    let purge = match (endpoint_id.is_empty(), token) {
        (true, _) => None,
        (false, None) => {
            return Err(ConfigError::Missing {
                setting: "a DigitalOcean API token (storage.cdn_endpoint_id is set)",
                env: "DIGITALOCEAN_TOKEN",
            })
        }
        (false, Some(token)) => {
            if uuid::Uuid::parse_str(&endpoint_id).is_err() {
                return Err(invalid(
                    "storage.cdn_endpoint_id",
                    "CDN_ENDPOINT_ID",
                    "must be the CDN endpoint's id (a UUID, from `doctl compute cdn list`)",
                ));
            }
            let api_url = over
                .string("DIGITALOCEAN_API_URL", file.digitalocean_api_url.clone())
                .trim()
                .trim_end_matches('/')
                .to_owned();
            if !url_ok(&api_url) {
                return Err(invalid(
                    "storage.digitalocean_api_url",
                    "DIGITALOCEAN_API_URL",
                    "must be an http:// or https:// URL",
                ));
            }
            Some(CdnPurgeConfig {
                api_url,
                endpoint_id,
                token: Secret::new(token),
            })
        }
    };
    Ok(Some(CdnConfig { base_url, purge }))
}

#[derive(Clone, Debug)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    /// Public assets through a CDN; without one they are served from `/storage/public/…`.
    pub cdn: Option<CdnConfig>,
    /// The largest file one upload may be (per workspace until plans set it).
    pub max_upload_bytes: u64,
    /// How long deleted recordings stay restorable in the trash.
    pub trash_days: u32,
}

impl StorageConfig {
    /// Where browsers fetch a public object (`public/…` keys).
    pub fn public_url(&self, key: &str) -> String {
        match &self.cdn {
            Some(cdn) => format!("{}/{key}", cdn.base_url),
            None => format!("/storage/{key}"),
        }
    }
}

pub(super) fn storage(file: FileStorage, over: &Overlay<'_, impl Env>) -> Result<StorageConfig, ConfigError> {
    let backend = match over.string("STORAGE_BACKEND", file.backend.clone()).as_str() {
        "local" => StorageBackend::Local {
            dir: over.string("STORAGE_DIR", file.dir.clone()).into(),
        },
        "s3" => StorageBackend::S3(s3(&file, over)?),
        other => {
            return Err(ConfigError::Invalid {
                setting: "storage.backend",
                env: "STORAGE_BACKEND",
                message: format!("must be \"local\" or \"s3\" (got {other:?})"),
            })
        }
    };
    let max_upload_mb: u64 = over.parsed("storage.max_upload_mb", "UPLOAD_MAX_MB", file.max_upload_mb)?;
    if !(1..=5 * 1024 * 1024).contains(&max_upload_mb) {
        return Err(ConfigError::Invalid {
            setting: "storage.max_upload_mb",
            env: "UPLOAD_MAX_MB",
            message: "must be between 1 and 5242880 (5 TiB, S3's largest object)".into(),
        });
    }
    let trash_days: u32 = over.parsed("storage.trash_days", "TRASH_DAYS", file.trash_days)?;
    if !(1..=365).contains(&trash_days) {
        return Err(ConfigError::Invalid {
            setting: "storage.trash_days",
            env: "TRASH_DAYS",
            message: "must be between 1 and 365".into(),
        });
    }
    Ok(StorageConfig {
        cdn: cdn(&file, over)?,
        backend,
        max_upload_bytes: max_upload_mb * 1024 * 1024,
        trash_days,
    })
}
