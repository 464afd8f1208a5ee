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
    InProcess(Mutex<Windows>),
    Redis(redis::aio::ConnectionManager),
}

/// Counts per bucket for the current window, bounded: past `MAX_BUCKETS` (an attack spread over
/// many addresses) old windows are dropped once per window, and if the map is still full, new
/// buckets are refused rather than letting memory grow.
#[derive(Default)]
pub struct Windows {
    /// bucket → (window length in seconds, window number, count)
    counts: HashMap<String, (u64, u64, u32)>,
    /// The second of the last sweep.
    swept_at: u64,
}

const MAX_BUCKETS: usize = 100_000;

/// How long a Redis round trip may take before the limiter gives up and lets the request through.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

impl RateLimiter {
    pub fn in_process() -> Self {
        Self::InProcess(Mutex::new(Windows::default()))
    }

    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        let client =
            redis::Client::open(url).map_err(|e| anyhow::anyhow!("REDIS_URL is not a valid redis:// URL: {e}"))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(REDIS_TIMEOUT)
            .set_response_timeout(REDIS_TIMEOUT)
            .set_number_of_retries(1);
        let manager = redis::aio::ConnectionManager::new_with_config(client, config)
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
                // Buckets have their own window lengths: each is kept while its own window lasts.
                if windows.counts.len() >= MAX_BUCKETS && windows.swept_at != now {
                    windows.swept_at = now;
                    windows.counts.retain(|_, (len, i, _)| *i == now / *len);
                }
                if windows.counts.len() >= MAX_BUCKETS && !windows.counts.contains_key(bucket) {
                    return Err(retry_after);
                }
                let entry = windows
                    .counts
                    .entry(bucket.to_owned())
                    .or_insert((window_secs, index, 0));
                if entry.1 != index {
                    *entry = (window_secs, index, 0);
                }
                entry.2 += 1;
                entry.2
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
    // Upload parts are authorised by their signed URLs, each issued by a rate-limited call.
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || request.uri().path() == crate::storage::local::PART_PATH
    {
        return next.run(request).await;
    }
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = client_ip(peer, request.headers(), &state.config.trusted_proxies).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let limit = state.config.rate_limit_per_minute;
    match state
        .rate_limiter
        .hit(&format!("writes:{}", client_key(ip)), limit, Duration::from_secs(60))
        .await
    {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many(request.uri().path().starts_with("/api/"), wait),
    }
}

/// One IPv6 subscriber holds a whole /64, so that is one client; IPv4 addresses count singly.
pub fn client_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
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

    #[test]
    fn an_ipv6_network_is_one_client() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_key(a), client_key(b));
        assert_ne!(client_key(a), client_key(other));
        assert_eq!(client_key("203.0.113.5".parse().unwrap()), "203.0.113.5");
    }

    #[tokio::test]
    async fn the_limit_applies_per_bucket_and_says_how_long_to_wait() {
        let limiter = RateLimiter::in_process();
        // An hour-long window, so the test never straddles a window boundary.
        let minute = Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(limiter.hit("a", 3, minute).await.is_ok());
        }
        let wait = limiter.hit("a", 3, minute).await.unwrap_err();
        assert!(wait <= minute && wait > Duration::ZERO);
        assert!(limiter.hit("a", 3, minute).await.is_err(), "still limited");
        assert!(
            limiter.hit("b", 3, minute).await.is_ok(),
            "other clients are not affected"
        );
    }

    #[tokio::test]
    async fn a_full_map_sweeps_only_buckets_whose_own_window_has_passed() {
        let limiter = RateLimiter::in_process();
        let hour = Duration::from_secs(3600);
        assert!(limiter.hit("long", 1, hour).await.is_ok());
        if let RateLimiter::InProcess(windows) = &limiter {
            let mut w = windows.lock().unwrap();
            for i in 0..MAX_BUCKETS {
                // Stale one-second buckets from long ago fill the map.
                w.counts.insert(format!("stale{i}"), (1, 0, 1));
            }
        }
        assert!(
            limiter.hit("new", 5, Duration::from_secs(60)).await.is_ok(),
            "the sweep made room"
        );
        assert!(
            limiter.hit("long", 1, hour).await.is_err(),
            "the hour-long bucket survived the sweep"
        );
    }
}
