//! Structured logs: pretty for people, JSON for shippers. Each request gets a span carrying its id.

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use super::config::{LogConfig, LogFormat};

/// Installs the global subscriber (the filter was validated with the config). Safe to call more than once (later calls are ignored), which
/// lets tests and subcommands share it.
pub fn init(log: &LogConfig) {
    let filter = EnvFilter::new(&log.filter);
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match log.format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_current_span(true).flatten_event(true))
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}
