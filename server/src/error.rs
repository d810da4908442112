//! The one web error: [`AppError`], with the HTTP status it deserves, and the only place a
//! failure becomes a response.
//!
//! - A page request gets an HTML error page in the shared layout ([`AppError`]'s
//!   `IntoResponse`); an `/api/v1` request gets the same message as JSON (the
//!   `api::json_errors` middleware reads it from the page's [`crate::api::ErrorMessage`], and REST
//!   handlers answer with [`crate::api::ApiError`], built from an `AppError`).
//! - A server function gets [`app::error::Failure`] ([`crate::pages::failure`]).
//! - The cause of every 5xx is logged once, in [`AppError::log`], and never shown: each 5xx
//!   status has one wording, [`AppError::server_message`].
//! - "Not found" names what is missing ([`store::Missing`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use store::StoreError;

/// A failure, with the HTTP status it deserves. A 5xx never shows its cause to the user, and a
/// message quotes at most an excerpt of any input ([`questionnaires::excerpt::message`]).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 404, naming what is missing.
    #[error("{}", ::questionnaires::excerpt::message(.0))]
    NotFound(String),
    /// 400, naming what is wrong.
    #[error("{}", ::questionnaires::excerpt::message(.0))]
    BadInput(String),
    /// 409.
    #[error("{}", ::questionnaires::excerpt::message(.0))]
    Conflict(String),
    /// 422: the request is well formed, but what it asks cannot be done as sent (an approval
    /// with a blocker lacking its reason); the message names each field.
    #[error("{}", ::questionnaires::excerpt::message(.0))]
    Unprocessable(String),
    /// 401.
    #[error("Sign in to see this.")]
    Unauthorized,
    /// 403, saying which role it needs, or why the request was refused.
    #[error("{}", ::questionnaires::excerpt::message(.0))]
    Forbidden(String),
    /// 413, saying what was too large.
    #[error("{}", ::questionnaires::excerpt::message(.0))]
    TooLarge(String),
    /// 500; the cause is logged, not shown.
    #[error("{}", AppError::server_message(StatusCode::INTERNAL_SERVER_ERROR))]
    Internal(String),
    /// 503: the database is not answering (down, restarting or out of connections). The
    /// cause is logged; the request changed nothing, and the same request can be tried again.
    #[error("{}", AppError::server_message(StatusCode::SERVICE_UNAVAILABLE))]
    Unavailable(String),
    /// 507: the database could not store the change (a full or failing disk). The cause is
    /// logged; nothing of the change was stored, and it can be tried again once there is room.
    #[error("{}", AppError::server_message(StatusCode::INSUFFICIENT_STORAGE))]
    StorageFull(String),
    /// 503: every slot for CPU-heavy work stayed taken (see [`crate::service::heavy`]); the
    /// message says so, and the response says when to try again.
    #[error("{0}")]
    Busy(String),
    /// 504: the request ran past its time limit and was stopped.
    #[error("{}", AppError::server_message(StatusCode::GATEWAY_TIMEOUT))]
    Timeout,
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadInput(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable(_) | AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::StorageFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The one wording of a server-side failure, per status.
    pub fn server_message(status: StatusCode) -> &'static str {
        match status {
            StatusCode::SERVICE_UNAVAILABLE => {
                "The database is not answering, so nothing was read or saved. Try again in a moment."
            }
            StatusCode::INSUFFICIENT_STORAGE => {
                "The server could not store your change: its disk is full or failing. Nothing was \
                 saved; try again later."
            }
            StatusCode::GATEWAY_TIMEOUT => {
                "Trellis took too long to answer and stopped this request. If you were saving, \
                 reload to see what was stored."
            }
            _ => {
                "Something went wrong on our side, and nothing was changed. Try again in a moment."
            }
        }
    }

    /// Logs the cause of a 5xx (the user sees only the message): called once, where the error
    /// becomes a response.
    pub fn log(&self) {
        match self {
            AppError::Internal(cause) => tracing::error!(%cause, "internal error"),
            AppError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            AppError::StorageFull(cause) => tracing::error!(%cause, "a write could not be stored"),
            AppError::Busy(_) => tracing::warn!("every slot for heavy work is taken"),
            AppError::Timeout => tracing::warn!("a request ran past its time limit"),
            _ => {}
        }
    }

    /// The `Retry-After` header value a response of this error carries.
    pub fn retry_after(&self) -> Option<HeaderValue> {
        matches!(self, AppError::Busy(_))
            .then(|| HeaderValue::from_static(crate::service::heavy::RETRY_AFTER_SECONDS))
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => AppError::NotFound(e.to_string()),
            StoreError::Conflict(_) => AppError::Conflict(
                "Someone changed this since you loaded it. Reload to see their change.".into(),
            ),
            StoreError::Taken => AppError::Conflict(e.to_string()),
            StoreError::Refused(why) => AppError::Forbidden(why.to_owned()),
            StoreError::LastOwner => AppError::BadInput(format!("role: {e}")),
            other if other.is_unavailable() => AppError::Unavailable(other.to_string()),
            other if other.is_storage_fault() => AppError::StorageFull(other.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The error page ([`crate::chrome::error_page`]), written here for nobody in particular and
/// again by [`crate::chrome::error_pages`] for whoever asked. An `/api/v1` path answers with the
/// same message as JSON (see `api::json_errors`).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        // A message quotes at most an excerpt of what the request sent.
        let message = self.to_string();
        let body = crate::chrome::error_page(status, &message, crate::chrome::Chrome::default());
        let mut res = (status, Html(body)).into_response();
        if let Some(retry) = self.retry_after() {
            res.headers_mut().insert(header::RETRY_AFTER, retry);
        }
        res.extensions_mut().insert(crate::chrome::ErrorPage {
            message: message.clone(),
        });
        res.extensions_mut()
            .insert(crate::api::ErrorMessage(message));
        res
    }
}
