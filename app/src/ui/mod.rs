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

/// Whether some content inside a Suspense is on the page (hydrated, in the browser). Live pushes
/// that change that content must wait for it: a push that lands while it is still hydrating makes
/// the browser build other HTML than the server sent, and hydration stops.
#[derive(Clone, Copy)]
pub struct Mounted(leptos::prelude::RwSignal<bool>);

impl Mounted {
    pub fn new() -> Self {
        Self(leptos::prelude::RwSignal::new(false))
    }

    /// Called while rendering the content; effects run only once it has hydrated.
    pub fn mark(self) {
        use leptos::prelude::*;
        Effect::new(move |_| {
            if !self.0.get_untracked() {
                self.0.set(true);
            }
        });
    }

    pub fn get(self) -> bool {
        use leptos::prelude::Get;
        self.0.get()
    }
}

impl Default for Mounted {
    fn default() -> Self {
        Self::new()
    }
}
