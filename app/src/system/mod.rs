//! System status: readiness checks shown at /readyz and on the /status page.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod service;
