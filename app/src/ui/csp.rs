//! The Content-Security-Policy of HTML pages: scripts only from us or carrying this response's
//! nonce (the hydration bootstrap and the theme script), wasm compilation allowed, no framing.

use leptos::{
    nonce::{use_nonce, Nonce},
    prelude::*,
};

/// The parts of the page policy that come from the configuration, worked out once.
///
/// The security-headers middleware makes a nonce per request, keeps it in the request's
/// extensions and sets this policy on every HTML response; the shell renders the same nonce into
/// its scripts. (When the page set the header itself through leptos' `ResponseOptions`, some
/// responses went out without it and then never hydrated.)
#[derive(Clone, Debug, Default)]
pub struct PagePolicy {
    reload_origin: Option<String>,
    storage_origin: Option<String>,
    cdn_origin: Option<String>,
}

impl PagePolicy {
    pub fn new(state: &crate::server::AppState) -> Self {
        use crate::server::config::StorageBackend;
        // `cargo leptos watch` reloads the page over a websocket on the reload port.
        let options = &state.leptos_options;
        let reload_origin = std::env::var("LEPTOS_WATCH")
            .ok()
            .map(|_| format!("ws://{}:{}", options.site_addr.ip(), options.reload_port));
        // With S3 storage the browser PUTs parts to the bucket and plays recordings from it.
        let storage_origin = match &state.config.storage.backend {
            StorageBackend::S3(s3) => Some(s3.origin()),
            StorageBackend::Local { .. } => None,
        };
        // Public images (workspace logos) may come from the CDN.
        let cdn_origin = state.config.storage.cdn.as_ref().map(|cdn| cdn.origin());
        Self {
            reload_origin,
            storage_origin,
            cdn_origin,
        }
    }

    pub fn header(&self, nonce: &str) -> axum::http::HeaderValue {
        let policy = page_policy(
            nonce,
            self.reload_origin.as_deref(),
            self.storage_origin.as_deref(),
            self.cdn_origin.as_deref(),
        );
        axum::http::HeaderValue::from_str(&policy).expect("policy is ASCII")
    }
}

/// The shell's nonce: the one the middleware made for this request, so header and scripts agree,
/// also provided to leptos for the scripts it writes itself.
pub fn request_nonce() -> Option<Nonce> {
    let ours = use_context::<axum::http::request::Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned());
    match ours {
        Some(nonce) => {
            provide_context(nonce.clone());
            Some(nonce)
        }
        None => use_nonce(),
    }
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
