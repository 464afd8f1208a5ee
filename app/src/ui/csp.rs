//! The Content-Security-Policy of HTML pages: scripts only from us or carrying this response's
//! nonce (the hydration bootstrap and the theme script), wasm compilation allowed, no framing.

use leptos::{
    nonce::{provide_nonce, use_nonce},
    prelude::*,
};

/// Generates this response's nonce, sets the policy header, and returns the nonce.
pub fn apply_page_policy(options: &LeptosOptions) -> Option<leptos::nonce::Nonce> {
    provide_nonce();
    let nonce = use_nonce()?;
    let policy = page_policy(&nonce.to_string(), reload_origin(options).as_deref());
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            axum::http::header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_str(&policy).expect("policy is ASCII"),
        );
    }
    Some(nonce)
}

/// `cargo leptos watch` reloads the page over a websocket on the reload port.
fn reload_origin(options: &LeptosOptions) -> Option<String> {
    std::env::var("LEPTOS_WATCH")
        .ok()
        .map(|_| format!("ws://{}:{}", options.site_addr.ip(), options.reload_port))
}

pub fn page_policy(nonce: &str, reload_origin: Option<&str>) -> String {
    let connect = match reload_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; \
         style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src {connect}; \
         media-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[cfg(test)]
mod tests {
    use super::page_policy;

    #[test]
    fn policy_allows_nonce_scripts_and_wasm_and_forbids_framing() {
        let p = page_policy("abc123", None);
        assert!(p.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(p.contains("frame-ancestors 'none'"));
        assert!(!p.contains("unsafe-eval'") || p.contains("wasm-unsafe-eval"));
        assert!(!p.contains("script-src 'self' 'unsafe-inline'"));
    }

    #[test]
    fn reload_origin_is_added_to_connect_src() {
        let p = page_policy("n", Some("ws://127.0.0.1:3001"));
        assert!(p.contains("connect-src 'self' ws://127.0.0.1:3001;"));
    }
}
