//! The error every personal server function returns: what the person should read, and for a
//! form, which field it concerns. Internal details never reach it; they go to the log once.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one form field, shown next to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Why a personal call failed, as the person sees it. Each variant has its HTTP status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Some fields are invalid; nothing was saved.
    #[error("Please correct the fields marked below.")]
    Invalid(Vec<FieldError>),
    /// The call needs a logged-in person.
    #[error("Please log in first.")]
    Unauthenticated,
    /// The email and password do not match an account; which one is wrong is not said.
    #[error("The email address or the password is not right.")]
    WrongCredentials,
    /// The person may not do this (another person's data, a staff page).
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// The thing asked for does not exist (or is not this person's).
    #[error("{0}")]
    NotFound(String),
    /// The request is valid but cannot be granted now: a full day, a dose already booked.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    TooManyAttempts(String),
    /// A failure on our side, already logged.
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal,
    /// The call did not reach the server or its answer could not be read.
    #[error("The server could not be reached: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status a server function answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Invalid(_) => 422,
            Self::Unauthenticated | Self::WrongCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound(_) => 404,
            Self::Conflict(_) => 409,
            Self::TooManyAttempts(_) => 429,
            Self::Internal | Self::Transport(_) => 500,
        }
    }

    /// The message for `field`, if the error names it.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            Self::Invalid(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }

    /// Logs a database failure once and hides it from the person.
    #[cfg(feature = "ssr")]
    pub fn database(error: sqlx::Error) -> Self {
        if crate::store::is_unavailable(&error) {
            tracing::warn!(error = %error, "the database is unavailable");
        } else {
            tracing::error!(error = %error, "a database query failed");
        }
        Self::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    // TODO: Arguments that do not parse arrive here too and are answered 500; they should be a
    // 400 naming the field.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}
