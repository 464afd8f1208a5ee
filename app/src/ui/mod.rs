//! The app shell: layout, theme, toasts, error pages and the page security policy.

#[cfg(feature = "ssr")]
pub mod csp;
pub mod errors;
pub mod forms;
pub mod layout;
pub mod theme;
pub mod toast;
