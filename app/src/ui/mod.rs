//! The app shell: layout, theme, toasts, error pages and the page security policy.

#[cfg(feature = "ssr")]
pub mod csp;
#[cfg(feature = "hydrate")]
pub mod dom;
pub mod errors;
pub mod forms;
pub mod layout;
pub mod theme;
pub mod toast;

/// Percent-encodes `s` for a URL query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
