//! Typed runtime configuration: `Leptos.toml` (or `AUDIOTRICKS_CONFIG`) overlaid by the
//! environment, validated once at start. Errors name the setting and the variable.

mod backup;
mod file;
mod parse;
mod providers;
mod storage;
mod transcription;

pub use backup::BackupConfig;
pub use providers::ProvidersConfig;
pub use storage::{CdnConfig, CdnPurgeConfig, S3Config, StorageBackend, StorageConfig};
pub use transcription::TranscriptionConfig;

use std::{fmt, net::SocketAddr, path::Path, str::FromStr, time::Duration};

use file::FileConfig;
use parse::{check_smtp_url, parse, parse_email_backend, parse_ip_blocks, parse_log_format, parse_queue_concurrency};

#[derive(Clone, Debug)]
pub struct Config {
    pub addr: SocketAddr,
    pub public_url: PublicUrl,
    pub body_limit_bytes: usize,
    pub shutdown_grace: Duration,
    pub run_workers: bool,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR blocks).
    pub trusted_proxies: Vec<super::client_ip::IpBlock>,
    /// State-changing requests one client address may make per minute.
    pub rate_limit_per_minute: u32,
    /// Shared rate-limit counters for several instances; in-process without it.
    pub redis_url: Option<Secret>,
    /// Keys that encrypt secrets at rest (see `server::secrets`); features that store secrets
    /// are unavailable without it.
    pub master_key: Option<Secret>,
    /// Directory holding the DB-IP city databases; missing files mean unknown locations.
    pub geoip_dir: std::path::PathBuf,
    /// When set, `/metrics` requires `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret>,
    pub site: SiteConfig,
    pub database: DatabaseConfig,
    pub jobs: JobsConfig,
    pub email: EmailConfig,
    pub auth: AuthConfig,
    pub storage: StorageConfig,
    pub backup: BackupConfig,
    pub providers: ProvidersConfig,
    pub transcription: TranscriptionConfig,
    pub log: LogConfig,
}

#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// A session unused for this long is signed out.
    pub session_idle: Duration,
    /// A session ends this long after sign-in however active it is.
    pub session_lifetime: Duration,
    /// Sign-in, sign-up, reset and resend requests one client address may make per 10 minutes.
    pub attempts_per_ip: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailBackend {
    Outbox,
    Smtp,
    SendGrid,
}

#[derive(Clone, Debug)]
pub struct EmailConfig {
    pub backend: EmailBackend,
    /// `Name <address>` that emails come from.
    pub from: String,
    pub smtp_url: Option<Secret>,
    pub sendgrid_api_key: Option<Secret>,
    pub sendgrid_base_url: String,
}

#[derive(Clone, Debug)]
pub struct SiteConfig {
    pub root: String,
    pub pkg_dir: String,
    pub output_name: String,
    pub reload_port: u32,
}

#[derive(Clone)]
pub struct DatabaseConfig {
    pub owner_url: Secret,
    pub app_url: Secret,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
pub struct JobsConfig {
    pub concurrency: usize,
    /// Overrides `concurrency` for named queues.
    pub queue_concurrency: std::collections::BTreeMap<String, usize>,
    pub heartbeat: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug)]
pub struct LogConfig {
    pub format: LogFormat,
    pub filter: String,
}

/// A value that must never reach logs or error messages.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The externally visible base URL, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// 127.0.0.1, [::1] or localhost, with any port.
    pub fn is_loopback(&self) -> bool {
        let authority = self.0.split_once("://").map_or("", |(_, rest)| rest);
        let host = if authority.starts_with('[') {
            authority.split(']').next().map(|h| &h[1..]).unwrap_or("")
        } else {
            authority.split(':').next().unwrap_or("")
        };
        host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl FromStr for PublicUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or("must start with http:// or https://")?;
        if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
            return Err("must be a scheme and host (with an optional port), without a path".into());
        }
        Ok(Self(trimmed.to_owned()))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("config file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("setting `{setting}` (env {env}) is invalid: {message}")]
    Invalid {
        setting: &'static str,
        env: &'static str,
        message: String,
    },
    #[error("setting `{setting}` is required: set the environment variable {env}")]
    Missing { setting: &'static str, env: &'static str },
}

/// Where the environment comes from; tests pass a map instead of mutating the process env.
pub trait Env {
    fn get(&self, key: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        std::collections::HashMap::get(self, key).cloned()
    }
}

impl<const N: usize> Env for [(&str, &str); N] {
    fn get(&self, key: &str) -> Option<String> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())
    }
}

impl Config {
    /// The development mailbox shows every stored email, reset links included, so it exists only
    /// where mail goes nowhere (the outbox backend) and the app is reached, and listens, on this
    /// machine only.
    pub fn dev_mailbox_enabled(&self) -> bool {
        self.email.backend == EmailBackend::Outbox && self.public_url.is_loopback() && self.addr.ip().is_loopback()
    }

    /// Loads from `AUDIOTRICKS_CONFIG` (default `Leptos.toml`; a missing default file means
    /// built-in defaults) and the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let explicit = ProcessEnv.get("AUDIOTRICKS_CONFIG");
        let path = explicit.clone().unwrap_or_else(|| "Leptos.toml".into());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => String::new(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::from_sources(Path::new(&path), &text, &ProcessEnv)
    }

    pub fn from_sources(path: &Path, toml_text: &str, env: &impl Env) -> Result<Self, ConfigError> {
        let file: FileConfig = toml::from_str(toml_text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.message().to_owned(),
        })?;
        let over = Overlay { env };
        let addr_text = over.string("LEPTOS_SITE_ADDR", file.server.addr);
        let public_url_text = over.string("PUBLIC_URL", file.server.public_url);
        let format_text = over.string("LOG_FORMAT", file.log.format);
        let config = Config {
            addr: parse("server.addr", "LEPTOS_SITE_ADDR", &addr_text)?,
            public_url: parse("server.public_url", "PUBLIC_URL", &public_url_text)?,
            body_limit_bytes: over.parsed(
                "server.body_limit_bytes",
                "BODY_LIMIT_BYTES",
                file.server.body_limit_bytes,
            )?,
            shutdown_grace: Duration::from_secs(over.parsed(
                "server.shutdown_grace_seconds",
                "SHUTDOWN_GRACE_SECONDS",
                file.server.shutdown_grace_seconds,
            )?),
            run_workers: over.parsed("server.run_workers", "RUN_WORKERS", file.server.run_workers)?,
            trusted_proxies: match env.get("TRUSTED_PROXIES") {
                Some(text) => parse_ip_blocks(&text)?,
                None => parse_ip_blocks(&file.server.trusted_proxies.join(","))?,
            },
            rate_limit_per_minute: over.parsed(
                "server.rate_limit_per_minute",
                "RATE_LIMIT_PER_MINUTE",
                file.server.rate_limit_per_minute,
            )?,
            redis_url: env.get("REDIS_URL").map(Secret::new),
            metrics_token: env.get("METRICS_TOKEN").map(Secret::new),
            master_key: env.get("MASTER_KEY").map(Secret::new),
            geoip_dir: over.string("GEOIP_DIR", file.server.geoip_dir).into(),
            site: SiteConfig {
                root: over.string("LEPTOS_SITE_ROOT", file.site.root),
                pkg_dir: over.string("LEPTOS_SITE_PKG_DIR", file.site.pkg_dir),
                output_name: over.string("LEPTOS_OUTPUT_NAME", file.site.output_name),
                reload_port: over.parsed("site.reload_port", "LEPTOS_RELOAD_PORT", file.site.reload_port)?,
            },
            database: DatabaseConfig {
                owner_url: over.secret("database.url", "DATABASE_URL")?,
                app_url: over.secret("database.app_url", "APP_DATABASE_URL")?,
                max_connections: over.parsed(
                    "database.max_connections",
                    "DATABASE_MAX_CONNECTIONS",
                    file.database.max_connections,
                )?,
                acquire_timeout: Duration::from_secs(over.parsed(
                    "database.acquire_timeout_seconds",
                    "DATABASE_ACQUIRE_TIMEOUT_SECONDS",
                    file.database.acquire_timeout_seconds,
                )?),
            },
            jobs: JobsConfig {
                concurrency: over.parsed("jobs.concurrency", "JOBS_CONCURRENCY", file.jobs.concurrency)?,
                // The variable adds to (or changes) the file's queues rather than replacing them all.
                queue_concurrency: {
                    let mut queues = file.jobs.queue_concurrency;
                    if let Some(text) = env.get("JOBS_QUEUE_CONCURRENCY") {
                        queues.extend(parse_queue_concurrency(&text)?);
                    }
                    queues
                },
                heartbeat: Duration::from_secs(over.parsed(
                    "jobs.heartbeat_seconds",
                    "JOBS_HEARTBEAT_SECONDS",
                    file.jobs.heartbeat_seconds,
                )?),
            },
            email: EmailConfig {
                backend: parse_email_backend(&over.string("EMAIL_BACKEND", file.email.backend))?,
                from: over.string("EMAIL_FROM", file.email.from),
                smtp_url: env.get("SMTP_URL").map(Secret::new),
                sendgrid_api_key: env.get("SENDGRID_API_KEY").map(Secret::new),
                sendgrid_base_url: over.string("SENDGRID_BASE_URL", file.email.sendgrid_base_url),
            },
            auth: AuthConfig {
                session_idle: Duration::from_secs(
                    60 * over.parsed(
                        "auth.session_idle_minutes",
                        "SESSION_IDLE_MINUTES",
                        file.auth.session_idle_minutes,
                    )?,
                ),
                session_lifetime: Duration::from_secs(
                    3600 * over.parsed(
                        "auth.session_lifetime_hours",
                        "SESSION_LIFETIME_HOURS",
                        file.auth.session_lifetime_hours,
                    )?,
                ),
                attempts_per_ip: over.parsed(
                    "auth.attempts_per_ip",
                    "AUTH_ATTEMPTS_PER_IP",
                    file.auth.attempts_per_ip,
                )?,
            },
            storage: storage::storage(file.storage, &over)?,
            backup: backup::backup(file.backup, &over)?,
            providers: providers::providers(file.providers, &over)?,
            transcription: transcription::transcription(file.transcription, &over)?,
            log: LogConfig {
                format: parse_log_format(&format_text)?,
                filter: over.string("RUST_LOG", file.log.filter),
            },
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |setting, env, message: &str| ConfigError::Invalid {
            setting,
            env,
            message: message.into(),
        };
        if self.body_limit_bytes < 1024 {
            return Err(invalid(
                "server.body_limit_bytes",
                "BODY_LIMIT_BYTES",
                "must be at least 1024",
            ));
        }
        if !(1..=1000).contains(&self.database.max_connections) {
            return Err(invalid(
                "database.max_connections",
                "DATABASE_MAX_CONNECTIONS",
                "must be between 1 and 1000",
            ));
        }
        if self.database.acquire_timeout.is_zero() {
            return Err(invalid(
                "database.acquire_timeout_seconds",
                "DATABASE_ACQUIRE_TIMEOUT_SECONDS",
                "must be at least 1",
            ));
        }
        if !(1..=64).contains(&self.jobs.concurrency) {
            return Err(invalid(
                "jobs.concurrency",
                "JOBS_CONCURRENCY",
                "must be between 1 and 64",
            ));
        }
        if self.jobs.queue_concurrency.values().any(|n| !(1..=64).contains(n)) {
            return Err(invalid(
                "jobs.queue_concurrency",
                "JOBS_QUEUE_CONCURRENCY",
                "each queue's concurrency must be between 1 and 64",
            ));
        }
        if self.jobs.heartbeat.is_zero() {
            return Err(invalid(
                "jobs.heartbeat_seconds",
                "JOBS_HEARTBEAT_SECONDS",
                "must be at least 1",
            ));
        }
        if !(5 * 60..=90 * 24 * 3600).contains(&self.auth.session_idle.as_secs()) {
            return Err(invalid(
                "auth.session_idle_minutes",
                "SESSION_IDLE_MINUTES",
                "must be between 5 minutes and 90 days",
            ));
        }
        if !(3600..=365 * 24 * 3600).contains(&self.auth.session_lifetime.as_secs())
            || self.auth.session_lifetime < self.auth.session_idle
        {
            return Err(invalid(
                "auth.session_lifetime_hours",
                "SESSION_LIFETIME_HOURS",
                "must be between 1 hour and 365 days, and not shorter than the idle timeout",
            ));
        }
        if !(1..=1_000_000).contains(&self.auth.attempts_per_ip) {
            return Err(invalid(
                "auth.attempts_per_ip",
                "AUTH_ATTEMPTS_PER_IP",
                "must be between 1 and 1000000",
            ));
        }
        if !(1..=1_000_000).contains(&self.rate_limit_per_minute) {
            return Err(invalid(
                "server.rate_limit_per_minute",
                "RATE_LIMIT_PER_MINUTE",
                "must be between 1 and 1000000",
            ));
        }
        if self
            .redis_url
            .as_ref()
            .is_some_and(|u| !u.expose().starts_with("redis://") && !u.expose().starts_with("rediss://"))
        {
            return Err(invalid("redis_url", "REDIS_URL", "must be a redis:// or rediss:// URL"));
        }
        if let Some(key) = &self.master_key {
            if let Err(message) = crate::server::secrets::SecretBox::parse(key.expose()) {
                return Err(invalid("master_key", "MASTER_KEY", &message));
            }
        }
        if self.metrics_token.as_ref().is_some_and(|t| t.expose().len() < 16) {
            return Err(invalid(
                "server.metrics_token",
                "METRICS_TOKEN",
                "must be at least 16 characters",
            ));
        }
        if let Err(e) = self.email.from.parse::<lettre::message::Mailbox>() {
            return Err(invalid(
                "email.from",
                "EMAIL_FROM",
                &format!("must look like `Name <address@example.com>`: {e}"),
            ));
        }
        if let Some(url) = &self.email.smtp_url {
            if let Err(message) = check_smtp_url(url.expose()) {
                return Err(invalid("email.smtp_url", "SMTP_URL", &message));
            }
        }
        if self.email.backend == EmailBackend::Smtp && self.email.smtp_url.is_none() {
            return Err(ConfigError::Missing {
                setting: "email.smtp_url (email.backend = \"smtp\")",
                env: "SMTP_URL",
            });
        }
        if self.email.backend == EmailBackend::SendGrid && self.email.sendgrid_api_key.is_none() {
            return Err(ConfigError::Missing {
                setting: "email.sendgrid_api_key (email.backend = \"sendgrid\")",
                env: "SENDGRID_API_KEY",
            });
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.filter) {
            return Err(invalid("log.filter", "RUST_LOG", &e.to_string()));
        }
        for (setting, env, url) in [
            ("database.url", "DATABASE_URL", &self.database.owner_url),
            ("database.app_url", "APP_DATABASE_URL", &self.database.app_url),
        ] {
            let u = url.expose();
            if !(u.starts_with("postgres://") || u.starts_with("postgresql://")) {
                return Err(invalid(setting, env, "must be a postgres:// URL"));
            }
        }
        Ok(())
    }
}

struct Overlay<'a, E: Env> {
    env: &'a E,
}

impl<E: Env> Overlay<'_, E> {
    fn string(&self, env: &'static str, file_value: String) -> String {
        self.env.get(env).unwrap_or(file_value)
    }

    fn parsed<T: FromStr>(&self, setting: &'static str, env: &'static str, file_value: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.env.get(env) {
            Some(text) => parse(setting, env, &text),
            None => Ok(file_value),
        }
    }

    fn secret(&self, setting: &'static str, env: &'static str) -> Result<Secret, ConfigError> {
        self.env
            .get(env)
            .map(Secret)
            .ok_or(ConfigError::Missing { setting, env })
    }
}

#[cfg(test)]
mod tests;
