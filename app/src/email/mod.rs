//! Email: templates, delivery backends (outbox, SMTP, SendGrid) and the job that sends.
//! Requests never send mail themselves: they queue it in their transaction and a job delivers.

pub mod delivery;
pub mod queries;
pub mod service;
pub mod templates;

pub use delivery::{Delivered, DeliveryError, Mailer};
pub use templates::Rendered;
