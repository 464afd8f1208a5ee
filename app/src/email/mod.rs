//! Email: templates, delivery backends (outbox, SMTP, SendGrid) and the job that sends.
//! Requests never send mail themselves: they queue it in their transaction and a job delivers.
//! In development, /dev/mailbox shows what the outbox holds.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod queries;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod templates;

#[cfg(feature = "ssr")]
pub use delivery::{Delivered, DeliveryError, Mailer};
#[cfg(feature = "ssr")]
pub use templates::Rendered;
