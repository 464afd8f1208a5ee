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
    #[error("{message}")]
    Validation { field: Option<String>, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("Too many requests. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The request never got a proper answer (network down, server restarting).
    #[error("Could not reach AudioTricks: {0}")]
    Transport(String),
}

impl AppError {
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound(_) => 404,
            Self::Validation { .. } => 422,
            Self::Conflict(_) => 409,
            Self::QuotaExceeded(_) => 402,
            Self::RateLimited { .. } => 429,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// Logs the real cause with the request's span and returns the generic error.
    #[cfg(feature = "ssr")]
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::Internal
    }

    /// Gives the server function's HTTP response this error's status; server_fn would answer 500
    /// for every error. Server functions end with `.map_err(AppError::respond)`.
    #[cfg(feature = "ssr")]
    pub fn respond(self) -> Self {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            let status = axum::http::StatusCode::from_u16(self.status_code());
            response.set_status(status.unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR));
        }
        self
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
                Self::Validation {
                    field: None,
                    message: "The request could not be read. Reload the page and try again.".into(),
                }
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
}
