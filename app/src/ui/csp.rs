//! The Content-Security-Policy of HTML pages: scripts only from us or carrying this response's
//! nonce (the hydration bootstrap and the theme script), wasm compilation allowed, no framing.

use leptos::{
    nonce::{provide_nonce, use_nonce},
    prelude::*,
};

/// Sets the policy header with this response's nonce (leptos_axum provides one per request; we
/// make one where it did not) and returns the nonce.
pub fn apply_page_policy(options: &LeptosOptions) -> Option<leptos::nonce::Nonce> {
    let nonce = use_nonce().or_else(|| {
        provide_nonce();
        use_nonce()
    })?;
    let policy = page_policy(
        &nonce.to_string(),
        reload_origin(options).as_deref(),
        storage_origin().as_deref(),
        cdn_origin().as_deref(),
    );
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_str(&policy).expect("policy is ASCII"),
        );
        // A cached page would hand every visitor the same nonce, which would void the policy.
        response.insert_header(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    Some(nonce)
}

/// With S3 storage the browser PUTs parts to the bucket and plays recordings from it.
fn storage_origin() -> Option<String> {
    let state = use_context::<crate::server::AppState>()?;
    match &state.config.storage.backend {
        crate::server::config::StorageBackend::S3(s3) => Some(s3.origin()),
        crate::server::config::StorageBackend::Local { .. } => None,
    }
}

/// Public images (workspace logos) may come from the CDN.
fn cdn_origin() -> Option<String> {
    let state = use_context::<crate::server::AppState>()?;
    state.config.storage.cdn.as_ref().map(|cdn| cdn.origin())
}

/// `cargo leptos watch` reloads the page over a websocket on the reload port.
fn reload_origin(options: &LeptosOptions) -> Option<String> {
    std::env::var("LEPTOS_WATCH")
        .ok()
        .map(|_| format!("ws://{}:{}", options.site_addr.ip(), options.reload_port))
}

pub fn page_policy(
    nonce: &str,
    reload_origin: Option<&str>,
    storage_origin: Option<&str>,
    cdn_origin: Option<&str>,
) -> String {
    let connect: Vec<&str> = ["'self'"]
        .into_iter()
        .chain(reload_origin)
        .chain(storage_origin)
        .collect();
    let connect = connect.join(" ");
    let media: Vec<&str> = ["'self'", "blob:"].into_iter().chain(storage_origin).collect();
    let media = media.join(" ");
    let img: Vec<&str> = ["'self'", "data:"].into_iter().chain(cdn_origin).collect();
    let img = img.join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src {img}; font-src 'self'; connect-src {connect}; \
         media-src {media}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::page_policy;

    fn directive<'a>(policy: &'a str, name: &str) -> Vec<&'a str> {
        policy
            .split(';')
            .map(str::trim)
            .find_map(|d| d.strip_prefix(name).filter(|rest| rest.starts_with(' ')))
            .map(|rest| rest.split_whitespace().collect())
            .unwrap_or_default()
    }

    #[test]
    fn scripts_need_our_origin_or_the_nonce_and_framing_is_forbidden() {
        let p = page_policy("abc123", None, None, None);
        assert_eq!(
            directive(&p, "script-src"),
            ["'self'", "'nonce-abc123'", "'wasm-unsafe-eval'"]
        );
        assert_eq!(directive(&p, "frame-ancestors"), ["'none'"]);
        assert_eq!(directive(&p, "object-src"), ["'none'"]);
        assert_eq!(directive(&p, "style-src"), ["'self'"]);
    }

    #[test]
    fn reload_origin_is_added_to_connect_src() {
        let p = page_policy("n", Some("ws://127.0.0.1:3001"), None, None);
        assert_eq!(directive(&p, "connect-src"), ["'self'", "ws://127.0.0.1:3001"]);
        assert_eq!(
            directive(&page_policy("n", None, None, None), "connect-src"),
            ["'self'"]
        );
    }

    #[test]
    fn an_s3_bucket_may_take_uploads_and_play_recordings() {
        let p = page_policy("n", None, Some("https://ams3.digitaloceanspaces.com"), None);
        assert_eq!(
            directive(&p, "connect-src"),
            ["'self'", "https://ams3.digitaloceanspaces.com"]
        );
        assert_eq!(
            directive(&p, "media-src"),
            ["'self'", "blob:", "https://ams3.digitaloceanspaces.com"]
        );
    }

    #[test]
    fn images_may_come_from_the_cdn() {
        let p = page_policy("n", None, None, Some("https://logos.ams3.cdn.digitaloceanspaces.com"));
        assert_eq!(
            directive(&p, "img-src"),
            ["'self'", "data:", "https://logos.ams3.cdn.digitaloceanspaces.com"]
        );
        assert_eq!(
            directive(&page_policy("n", None, None, None), "img-src"),
            ["'self'", "data:"]
        );
    }
}
