//! Request rate limits: fixed windows counted in this process, or in Redis when `REDIS_URL` is
//! set so that every server instance shares them.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{client_ip::client_ip, AppState};
use crate::error::AppError;

pub enum RateLimiter {
    InProcess(Mutex<HashMap<String, (u64, u32)>>),
    Redis(redis::aio::ConnectionManager),
}

impl RateLimiter {
    pub fn in_process() -> Self {
        Self::InProcess(Mutex::new(HashMap::new()))
    }

    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("REDIS_URL is not a valid redis:// URL: {e}"))?;
        let manager = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to Redis (REDIS_URL): {e}"))?;
        Ok(Self::Redis(manager))
    }

    /// Counts one hit on `bucket`; past `limit` in the current window, says how long to wait.
    /// When Redis is unreachable the request is let through (and logged): a limiter outage must
    /// not take the product down with it.
    pub async fn hit(&self, bucket: &str, limit: u32, window: Duration) -> Result<(), Duration> {
        let window_secs = window.as_secs().max(1);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let index = now / window_secs;
        let retry_after = Duration::from_secs((index + 1) * window_secs - now);
        let count = match self {
            Self::InProcess(windows) => {
                let mut windows = windows.lock().expect("rate limit map");
                if windows.len() > 100_000 {
                    windows.retain(|_, (i, _)| *i == index);
                }
                let entry = windows.entry(bucket.to_owned()).or_insert((index, 0));
                if entry.0 != index {
                    *entry = (index, 0);
                }
                entry.1 += 1;
                entry.1
            }
            Self::Redis(manager) => {
                let key = format!("audiotricks:rl:{bucket}:{index}");
                let mut conn = manager.clone();
                let counted: redis::RedisResult<(u32, i64)> = redis::pipe()
                    .atomic()
                    .incr(&key, 1)
                    .expire(&key, window_secs as i64 + 1)
                    .query_async(&mut conn)
                    .await;
                match counted {
                    Ok((count, _)) => count,
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limit store unreachable; letting the request through");
                        return Ok(());
                    }
                }
            }
        };
        if count > limit {
            Err(retry_after)
        } else {
            Ok(())
        }
    }
}

/// Limits state-changing requests per client address.
pub async fn limit_state_changes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = client_ip(peer, request.headers(), &state.config.trusted_proxies).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let limit = state.config.rate_limit_per_minute;
    match state
        .rate_limiter
        .hit(&format!("writes:{ip}"), limit, Duration::from_secs(60))
        .await
    {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many(request.uri().path().starts_with("/api/"), wait),
    }
}

/// 429 with `Retry-After`; server functions get the error their client decodes.
fn too_many(server_fn: bool, wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let error = AppError::RateLimited { retry_after_secs: secs };
    let mut response = if server_fn {
        let body = serde_json::to_string(&error).unwrap_or_default();
        (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    } else {
        (StatusCode::TOO_MANY_REQUESTS, error.to_string()).into_response()
    };
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_limit_applies_per_bucket_and_says_how_long_to_wait() {
        let limiter = RateLimiter::in_process();
        let minute = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(limiter.hit("a", 3, minute).await.is_ok());
        }
        let wait = limiter.hit("a", 3, minute).await.unwrap_err();
        assert!(wait <= minute && wait > Duration::ZERO);
        assert!(
            limiter.hit("b", 3, minute).await.is_ok(),
            "other clients are not affected"
        );
    }
}
