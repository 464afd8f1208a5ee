//! The public landing page.

pub mod pages;
