//! Cross-site request forgery defence for every state-changing request: the browser's `Origin`
//! (or, lacking it, `Referer`) must be our own `PUBLIC_URL`. Session cookies are also
//! SameSite=Lax; this check does not rely on it. Requests with neither header come from
//! non-browser clients, which a forged page cannot be.
//! See the OWASP CSRF Prevention Cheat Sheet, "Verifying Origin with standard headers".

use axum::{
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{config::PublicUrl, AppState};

pub async fn reject_cross_site(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    // Origin decides when present, even as "null" (a sandboxed or redirected request): only its
    // absence lets the Referer speak.
    let claimed = match headers.get(header::ORIGIN) {
        Some(origin) => Some(origin.to_str().unwrap_or("null").to_owned()),
        None => headers
            .get(header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(origin_of),
    };
    let cross_site = headers.get("sec-fetch-site").is_some_and(|v| v == "cross-site");
    match claimed {
        Some(origin) if !same_origin(&state.config.public_url, &origin) => forbidden(&origin, &state.config.public_url),
        None if cross_site => forbidden("another site", &state.config.public_url),
        _ => next.run(request).await,
    }
}

fn forbidden(origin: &str, public_url: &PublicUrl) -> Response {
    tracing::warn!(origin, "refused a cross-site request");
    let message = format!(
        "This request came from {origin}, not from AudioTricks at {}. If you opened AudioTricks at another address, use {} instead (or set PUBLIC_URL).",
        public_url.as_str(),
        public_url.as_str()
    );
    (StatusCode::FORBIDDEN, message).into_response()
}

/// `https://host:port/path?x` → `https://host:port`
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split(['/', '?', '#']).next().unwrap_or("")),
        None => String::new(),
    }
}

/// Exact match; on a loopback PUBLIC_URL, any loopback name with the same scheme and port, so
/// `localhost:3000` and `127.0.0.1:3000` both work in development.
fn same_origin(public_url: &PublicUrl, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    if origin.eq_ignore_ascii_case(public_url.as_str()) {
        return true;
    }
    let Ok(candidate) = origin.parse::<PublicUrl>() else {
        return false;
    };
    public_url.is_loopback() && candidate.is_loopback() && scheme_and_port(public_url) == scheme_and_port(&candidate)
}

fn scheme_and_port(url: &PublicUrl) -> (String, String) {
    let (scheme, rest) = url.as_str().split_once("://").unwrap_or(("", ""));
    let port = rest
        .rsplit_once(':')
        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        .map(|(_, p)| p);
    let default = if scheme == "https" { "443" } else { "80" };
    (scheme.to_owned(), port.unwrap_or(default).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> PublicUrl {
        s.parse().unwrap()
    }

    #[test]
    fn only_our_own_origin_is_same_origin() {
        let public = url("https://audio.example.com");
        assert!(same_origin(&public, "https://audio.example.com"));
        assert!(!same_origin(&public, "https://evil.example.com"));
        assert!(!same_origin(&public, "http://audio.example.com"));
        assert!(!same_origin(&public, "https://audio.example.com.evil.net"));
        assert!(!same_origin(&public, "https://localhost"));
    }

    #[test]
    fn loopback_names_are_interchangeable_in_development_but_ports_are_not() {
        let public = url("http://127.0.0.1:3000");
        assert!(same_origin(&public, "http://localhost:3000"));
        assert!(same_origin(&public, "http://[::1]:3000"));
        assert!(!same_origin(&public, "http://localhost:4000"));
        assert!(!same_origin(&public, "http://evil.test:3000"));
    }

    #[test]
    fn referers_are_reduced_to_their_origin() {
        assert_eq!(
            origin_of("https://a.example.com:8443/x/y?z=1"),
            "https://a.example.com:8443"
        );
        assert_eq!(origin_of("garbage"), "");
    }
}
