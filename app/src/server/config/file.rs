//! The settings file's shape, with the built-in defaults that `Leptos.toml` documents.

use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileConfig {
    pub(super) server: FileServer,
    pub(super) site: FileSite,
    pub(super) database: FileDatabase,
    pub(super) jobs: FileJobs,
    pub(super) email: FileEmail,
    pub(super) auth: FileAuth,
    pub(super) storage: FileStorage,
    pub(super) backup: FileBackup,
    pub(super) providers: FileProviders,
    pub(super) transcription: FileTranscription,
    pub(super) log: FileLog,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileTranscription {
    pub(super) model_dir: String,
    pub(super) model: String,
    /// 0: one per core.
    pub(super) threads: usize,
}

impl Default for FileTranscription {
    fn default() -> Self {
        Self {
            model_dir: ".data/models".into(),
            model: "tiny.en".into(),
            threads: 0,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileProviders {
    pub(super) openai_base_url: String,
    pub(super) openai_transcription_model: String,
    /// Empty: summaries are extractive, made locally.
    pub(super) openai_chat_model: String,
    pub(super) elevenlabs_base_url: String,
}

impl Default for FileProviders {
    fn default() -> Self {
        Self {
            openai_base_url: "https://api.openai.com".into(),
            openai_transcription_model: "whisper-1".into(),
            openai_chat_model: String::new(),
            elevenlabs_base_url: "https://api.elevenlabs.io".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileBackup {
    pub(super) dir: String,
    pub(super) s3_bucket: String,
    pub(super) keep: u32,
}

impl Default for FileBackup {
    fn default() -> Self {
        Self {
            dir: ".data/backups".into(),
            s3_bucket: String::new(),
            keep: 14,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileStorage {
    pub(super) backend: String,
    pub(super) dir: String,
    pub(super) max_upload_mb: u64,
    pub(super) trash_days: u32,
    pub(super) s3_endpoint: String,
    pub(super) s3_region: String,
    pub(super) s3_bucket: String,
    pub(super) s3_path_style: bool,
    pub(super) cdn_base_url: String,
    pub(super) cdn_endpoint_id: String,
    pub(super) digitalocean_api_url: String,
}

impl Default for FileStorage {
    fn default() -> Self {
        Self {
            backend: "local".into(),
            dir: ".data/objects".into(),
            max_upload_mb: 2048,
            trash_days: 14,
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_bucket: String::new(),
            s3_path_style: true,
            cdn_base_url: String::new(),
            cdn_endpoint_id: String::new(),
            digitalocean_api_url: "https://api.digitalocean.com".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileServer {
    pub(super) addr: String,
    pub(super) public_url: String,
    pub(super) body_limit_bytes: usize,
    pub(super) shutdown_grace_seconds: u64,
    pub(super) run_workers: bool,
    pub(super) trusted_proxies: Vec<String>,
    pub(super) rate_limit_per_minute: u32,
    pub(super) geoip_dir: String,
}

impl Default for FileServer {
    fn default() -> Self {
        Self {
            addr: "127.0.0.1:3000".into(),
            public_url: "http://127.0.0.1:3000".into(),
            body_limit_bytes: 2 * 1024 * 1024,
            shutdown_grace_seconds: 30,
            run_workers: true,
            trusted_proxies: Vec::new(),
            rate_limit_per_minute: 600,
            geoip_dir: ".data/geoip".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileSite {
    pub(super) root: String,
    pub(super) pkg_dir: String,
    pub(super) output_name: String,
    pub(super) reload_port: u32,
}

impl Default for FileSite {
    fn default() -> Self {
        Self {
            root: "target/site".into(),
            pkg_dir: "pkg".into(),
            output_name: "audiotricks".into(),
            reload_port: 3001,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileDatabase {
    pub(super) max_connections: u32,
    pub(super) acquire_timeout_seconds: u64,
}

impl Default for FileDatabase {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout_seconds: 5,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileJobs {
    pub(super) concurrency: usize,
    pub(super) queue_concurrency: std::collections::BTreeMap<String, usize>,
    pub(super) heartbeat_seconds: u64,
}

impl Default for FileJobs {
    fn default() -> Self {
        Self {
            concurrency: 2,
            // Maintenance is never urgent; one at a time keeps it out of the way.
            queue_concurrency: [("maintenance".to_owned(), 1)].into(),
            heartbeat_seconds: 30,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileLog {
    pub(super) format: String,
    pub(super) filter: String,
}

impl Default for FileLog {
    fn default() -> Self {
        Self {
            format: "pretty".into(),
            filter: "info,audiotricks=debug,app=debug,sqlx=warn,tower_http=info,whisper_rs=warn".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileEmail {
    pub(super) backend: String,
    pub(super) from: String,
    pub(super) sendgrid_base_url: String,
}

impl Default for FileEmail {
    fn default() -> Self {
        Self {
            backend: "outbox".into(),
            from: "AudioTricks <no-reply@localhost>".into(),
            sendgrid_base_url: "https://api.sendgrid.com".into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct FileAuth {
    pub(super) session_idle_minutes: u64,
    pub(super) session_lifetime_hours: u64,
    pub(super) attempts_per_ip: u32,
}

impl Default for FileAuth {
    fn default() -> Self {
        Self {
            session_idle_minutes: 24 * 60,
            session_lifetime_hours: 30 * 24,
            attempts_per_ip: 30,
        }
    }
}
