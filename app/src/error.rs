//! The one error type server functions return. Variants are HTTP outcomes; internal causes are
//! logged on the server and never sent to the browser.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{0} was not found.")]
    NotFound(String),
    #[error("{}", .0.message)]
    Validation(Invalid),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("Too many attempts. Try again in {}.", wait_in_words(*retry_after_secs))]
    RateLimited { retry_after_secs: u64 },
    /// A service we depend on (storage, say) is not answering; worth retrying.
    #[error("{0}")]
    Unavailable(String),
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request never got a proper answer (network down, server restarting).
    #[error("Could not reach AudioTricks: {0}")]
    Transport(String),
}

/// What was wrong with a submitted form: a summary, the fields at fault, and the harmless values
/// the user typed (never passwords) so a form re-rendered without JavaScript keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invalid {
    pub message: String,
    pub fields: Vec<(String, String)>,
    pub values: Vec<(String, String)>,
}

impl Invalid {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(f, _)| f == name).map(|(_, m)| m.as_str())
    }
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values.iter().find(|(f, _)| f == name).map(|(_, v)| v.as_str())
    }
}

/// Collects field errors while a server function validates its input.
#[derive(Default)]
pub struct FieldErrors(Invalid);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        if self.0.field(field).is_none() {
            self.0.fields.push((field.to_owned(), message.into()));
        }
    }
    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }
    /// Ok when nothing was added; otherwise the error, echoing `values` back to the form.
    pub fn finish(self, values: &[(&str, &str)]) -> Result<(), AppError> {
        if self.0.fields.is_empty() {
            return Ok(());
        }
        let mut invalid = self.0;
        invalid.message = match invalid.fields.len() {
            1 => invalid.fields[0].1.clone(),
            n => format!("Please correct the {n} fields marked below."),
        };
        invalid.values = values.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Err(AppError::Validation(invalid))
    }
}

impl AppError {
    /// A request-level validation error not tied to one field.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Validation(Invalid {
            message: message.into(),
            ..Invalid::default()
        })
    }

    /// One field's error.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation(Invalid {
            message: message.clone(),
            fields: vec![(field.to_owned(), message)],
            values: Vec::new(),
        })
    }

    /// The field's message, when this error is about that field.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            Self::Validation(invalid) => invalid.field(name).map(str::to_owned),
            _ => None,
        }
    }

    /// The value the user had typed in `name`, echoed back with a validation error.
    pub fn echoed(&self, name: &str) -> Option<String> {
        match self {
            Self::Validation(invalid) => invalid.value(name).map(str::to_owned),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound(_) => 404,
            Self::Validation(_) => 422,
            Self::Conflict(_) => 409,
            Self::QuotaExceeded(_) => 402,
            Self::RateLimited { .. } => 429,
            Self::Unavailable(_) => 503,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// Logs the real cause with the request's span and returns the generic error.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }

    /// The HTTP status this error answers with.
    #[cfg(feature = "ssr")]
    pub fn http_status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(self.status_code()).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// Gives the server function's HTTP response this error's status; server_fn would answer 500
    /// for every error. Server functions end with `.map_err(AppError::respond)`.
    #[cfg(feature = "ssr")]
    pub fn respond(self) -> Self {
        // A plain form post (no JavaScript yet) is answered with a redirect back to the form,
        // which shows this error; an error status would stop the browser from following it.
        let plain_form_post = leptos::prelude::use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
        });
        if plain_form_post {
            return self;
        }
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(self.http_status());
            if let Self::RateLimited { retry_after_secs } = &self {
                response.insert_header(axum::http::header::RETRY_AFTER, (*retry_after_secs).into());
            }
        }
        self
    }
}

/// "45 seconds", "2 minutes", "1 hour": rounded up, so the wait is never shorter than said.
pub fn wait_in_words(secs: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match secs {
        0..=59 => plural(secs.max(1), "second"),
        60..=3599 => plural(secs.div_ceil(60), "minute"),
        _ => plural(secs.div_ceil(3600), "hour"),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The request or its answer never made it: the network, or a server restarting.
            ServerFnErrorErr::Request(e) | ServerFnErrorErr::Response(e) => Self::Transport(e),
            // The request arrived but its arguments could not be read.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) | ServerFnErrorErr::Deserialization(_) => {
                Self::invalid("The request could not be read. Reload the page and try again.")
            }
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_errors_map_to_what_the_user_can_do_about_them() {
        let network = AppError::from_server_fn_error(ServerFnErrorErr::Request("connection refused".into()));
        assert_eq!(network, AppError::Transport("connection refused".into()));
        let bad_args = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(bad_args.status_code(), 422);
        let other = AppError::from_server_fn_error(ServerFnErrorErr::Registration("x".into()));
        assert_eq!(other, AppError::Internal);
        assert_eq!(
            other.to_string(),
            "Something went wrong on our side. Please try again in a moment."
        );
    }

    #[test]
    fn waits_are_said_in_words_and_never_understated() {
        assert_eq!(
            AppError::RateLimited { retry_after_secs: 1 }.to_string(),
            "Too many attempts. Try again in 1 second."
        );
        assert_eq!(wait_in_words(45), "45 seconds");
        assert_eq!(wait_in_words(61), "2 minutes");
        assert_eq!(wait_in_words(3600), "1 hour");
        assert_eq!(wait_in_words(3601), "2 hours");
    }
}

/// Plain routes (not server functions) answer an error with its status and its words.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.http_status(), self.to_string()).into_response()
    }
}
