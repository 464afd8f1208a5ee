//! Prometheus metrics, in a registry owned by the app state (no global recorder).

use std::time::Instant;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder};

use super::{jobs, state::AppState};

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    db_connections: IntGaugeVec,
    jobs: IntGaugeVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("audiotricks".into()), None).expect("valid prefix");
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let http_duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route and status",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let db_connections = IntGaugeVec::new(
            Opts::new("db_pool_connections", "App database pool connections by state"),
            &["state"],
        )
        .expect("valid metric");
        let jobs =
            IntGaugeVec::new(Opts::new("jobs", "Jobs by queue and state"), &["queue", "state"]).expect("valid metric");
        for metric in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(http_duration.clone()),
            Box::new(db_connections.clone()),
            Box::new(jobs.clone()),
        ] {
            registry.register(metric).expect("metric registered once");
        }
        Self {
            registry,
            http_requests,
            http_duration,
            db_connections,
            jobs,
        }
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration.with_label_values(&labels).observe(seconds);
    }

    /// Refreshes the gauges that are read from elsewhere, then encodes everything.
    pub async fn render(&self, state: &AppState) -> String {
        let idle = state.db.num_idle() as i64;
        self.db_connections.with_label_values(&["idle"]).set(idle);
        self.db_connections
            .with_label_values(&["in_use"])
            .set(i64::from(state.db.size()) - idle);
        match jobs::queries::queue_depths(&state.db).await {
            Ok(depths) => {
                self.jobs.reset();
                for d in depths {
                    self.jobs
                        .with_label_values(&[d.queue.as_str(), d.state.as_str()])
                        .set(d.count);
                }
            }
            Err(e) => tracing::warn!(error = %e, "job queue depth unavailable for /metrics"),
        }
        let mut buffer = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buffer)
            .expect("text encoding to a Vec");
        String::from_utf8(buffer).expect("Prometheus text is UTF-8")
    }
}

/// Counts and times every request, labelled by its route pattern (never the raw path, which
/// would let clients create unbounded series).
pub async fn track_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| {
            if request.uri().path().starts_with("/pkg/") {
                "/pkg/{file}".into()
            } else {
                "unmatched".into()
            }
        });
    let response = next.run(request).await;
    state.metrics.observe_request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

pub async fn metrics_endpoint(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !constant_time_eq(presented.as_bytes(), token.expose().as_bytes()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                "metrics need a bearer token\n",
            )
                .into_response();
        }
    }
    let body = state.metrics.render(&state).await;
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Compares without an early exit, so response time does not reveal how much of a guess matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
