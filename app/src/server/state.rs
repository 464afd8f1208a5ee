use std::{sync::Arc, time::Instant};

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

use super::{config::Config, metrics::Metrics, rate_limit::RateLimiter};

/// Everything a request handler or server function needs; cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: PgPool,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Present when `MASTER_KEY` is configured.
    pub secrets: Option<Arc<super::secrets::SecretBox>>,
    pub geoip: Arc<super::geoip::GeoIp>,
    pub storage: Arc<crate::storage::Store>,
    /// Fans transcription progress out to open pages.
    pub live: Arc<crate::transcription::live::LiveHub>,
    pub started_at: Instant,
}

impl AppState {
    pub fn new(config: Config, db: PgPool) -> Self {
        let leptos_options = LeptosOptions::builder()
            .output_name(config.site.output_name.as_str())
            .site_root(config.site.root.as_str())
            .site_pkg_dir(config.site.pkg_dir.as_str())
            .site_addr(config.addr)
            .reload_port(config.site.reload_port)
            .build();
        let secrets = config
            .master_key
            .as_ref()
            .and_then(|k| super::secrets::SecretBox::parse(k.expose()).ok())
            .map(Arc::new);
        let storage = Arc::new(crate::storage::Store::from_config(&config.storage, secrets.as_deref()));
        Self {
            storage,
            live: Arc::default(),
            secrets,
            geoip: Arc::new(super::geoip::GeoIp::load(&config.geoip_dir)),
            leptos_options,
            db,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            rate_limiter: Arc::new(RateLimiter::in_process()),
            started_at: Instant::now(),
        }
    }
}

/// The state inside a server function or component rendered on the server.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>()
        .ok_or_else(|| crate::error::AppError::internal("AppState missing from the Leptos context"))
}
