//! The axum router: health, readiness, metrics and the Leptos app, behind the common layers.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{header, HeaderName, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, put},
    Json, Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        predicate::{DefaultPredicate, NotForContentType, Predicate},
        CompressionLayer,
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use super::{csrf, metrics, rate_limit, state::AppState};
use crate::{shell, storage, system, App};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    let context_state = state.clone();
    let body_limit = state.config.body_limit_bytes;
    let hsts = state.config.public_url.is_https();
    let page_policy = std::sync::Arc::new(crate::ui::csp::PagePolicy::new(&state));

    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::metrics_endpoint))
        .route("/dev/mailbox/{id}/html", get(dev_mailbox_html))
        .route("/account/export.json", get(crate::accounts::routes::export))
        .route(storage::local::PART_PATH, put(storage::local::put_part))
        .route(storage::local::OBJECT_PATH, get(storage::local::get_object))
        .route("/s/{token}/media", get(crate::sharing::public::media))
        .route("/storage/public/{*rest}", get(storage::public::serve))
        .route("/w/{slug}/logo", axum::routing::post(crate::workspaces::logo::form))
        .route(
            "/w/{slug}/recordings/{id}/export",
            get(crate::transcription::download::export),
        )
        .route(
            "/w/{slug}/live/transcriptions",
            get(crate::transcription::live::stream_progress),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(leptos_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            {
                let state = state.clone();
                move || provide_context(state.clone())
            },
            shell,
        ))
        .layer(crate::accounts::session::layer(&state))
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn_with_state(state.clone(), guard_dev_routes))
        // CSRF first, so refused forgeries do not spend the victim's rate limit.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::limit_state_changes,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::reject_cross_site))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track_requests))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                    let id = req
                        .headers()
                        .get(REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    // A public link's token is a capability: it stays out of the logs.
                    let path = req.uri().path();
                    let path = if path.starts_with("/s/") { "/s/…" } else { path };
                    tracing::info_span!("request", id, method = %req.method(), path = %path)
                }))
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(middleware::from_fn(move |req, next| {
                    security_headers(hsts, page_policy.clone(), req, next)
                }))
                .layer(CatchPanicLayer::new())
                // Audio is compressed already, and players fetch it in byte ranges.
                .layer(
                    CompressionLayer::new().compress_when(
                        DefaultPredicate::new()
                            .and(NotForContentType::const_new("audio/"))
                            .and(NotForContentType::const_new("video/")),
                    ),
                )
                .layer(middleware::from_fn(move |req, next| limit_body(body_limit, req, next))),
        )
        .with_state(state)
}

/// What a route's request body may be: the default cap, or a route's own.
enum BodyCap {
    /// Upload parts: their signed URL carries their cap, enforced while they stream to disk.
    Own,
    /// Refused above this, by the declared length and while reading.
    Bytes(usize),
    /// A logo form answers an oversized file itself (with a redirect that says so): only the
    /// read is capped.
    ReadOnly(usize),
}

fn body_cap(path: &str, limit: usize) -> BodyCap {
    if path == storage::local::PART_PATH {
        BodyCap::Own
    } else if path == "/api/recordings/import" {
        // An old app's history arrives whole, and form-encoded.
        BodyCap::Bytes(limit.max(crate::recordings::import::IMPORT_BODY_LIMIT))
    } else if path.starts_with("/w/") && path.ends_with("/logo") {
        BodyCap::ReadOnly(limit)
    } else {
        BodyCap::Bytes(limit)
    }
}

/// Caps request bodies at `BODY_LIMIT_BYTES`, or at the route's own cap (see `body_cap`).
async fn limit_body(limit: usize, request: Request, next: Next) -> Response {
    let (cap, refuse_declared) = match body_cap(request.uri().path(), limit) {
        BodyCap::Own => return next.run(request).await,
        BodyCap::Bytes(cap) => (cap, true),
        BodyCap::ReadOnly(cap) => (cap, false),
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if refuse_declared && declared.is_some_and(|n| n > cap) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.").into_response();
    }
    next.run(request.map(|body| Body::new(http_body_util::Limited::new(body, cap))))
        .await
}

/// Liveness: the process is up and serving. Deliberately touches nothing else.
async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Readiness: database reachable and migrated. 503 until both hold, so a load balancer waits.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    let report = system::service::readiness(&state).await;
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}

/// Development-only pages and server functions answer 404 unless the mailbox is enabled and the
/// request names this machine: a DNS-rebinding page under another host name gets nothing.
async fn guard_dev_routes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !(path.starts_with("/dev/") || path.starts_with("/api/dev/")) {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let local_host = format!("http://{host}")
        .parse::<super::config::PublicUrl>()
        .is_ok_and(|u| u.is_loopback());
    if state.config.dev_mailbox_enabled() && (host.is_empty() || local_host) {
        next.run(request).await
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// An outbox email's HTML part, for the development mailbox's preview frame. Its own policy: no
/// scripts at all, inline styles (emails need them), framed only by our own pages.
async fn dev_mailbox_html(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    if !state.config.dev_mailbox_enabled() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match crate::email::queries::get(&state.db, id).await {
        Ok(Some(email)) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; \
                     base-uri 'none'; frame-ancestors 'self'",
                ),
                (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            email.html_body,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dev mailbox: loading an email failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Server functions that fail before their body runs (unreadable or missing arguments) are
/// answered 500 by the framework; the error inside says what it really was, so use its status.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<crate::error::AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers every response carries. HTML pages bring their own Content-Security-Policy with a
/// per-request nonce (see `shell`); everything else gets a policy that allows nothing.
async fn security_headers(
    hsts: bool,
    page_policy: std::sync::Arc<crate::ui::csp::PagePolicy>,
    mut request: Request,
    next: Next,
) -> Response {
    let nonce = leptos::nonce::Nonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    if html {
        // A route with a stricter policy of its own (the mailbox's email view) keeps it.
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert_with(|| page_policy.header(&nonce));
        // A cached page would hand every visitor the same nonce, which would void the policy.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let mut set = |name: HeaderName, value: &'static str| {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), geolocation=(), microphone=(self)",
    );
    set(
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    if hsts {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}
