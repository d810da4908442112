//! The API's one error shape, for every `/api/v1` response that is not a success:
//!
//! ```json
//! {"error": {"status": 409, "code": "conflict", "message": "…", "details": {"current": …}}}
//! ```
//!
//! Handlers return [`ApiError`]; the extractors [`ApiJson`], [`ApiQuery`] and [`ApiPath`] turn
//! axum's rejections into it; and the [`json_errors`] middleware rewrites whatever else answers
//! an `/api/v1` path with an error (the router's 404 and 405, the body limit's 413, the shared
//! HTML error pages) into the same shape. A 5xx never shows its cause: it is logged once.

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::ToSchema;

/// The message of an error page, kept with its response so that an `/api/v1` path can answer
/// with it as JSON (see [`json_errors`]).
#[derive(Debug, Clone)]
pub struct ErrorMessage(pub String);

/// The body of every API error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// A stable, machine-readable code: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `conflict`, `payload_too_large`,
    /// `unsupported_media_type`, `unprocessable`, `internal` or `unavailable`.
    pub code: String,
    /// A sentence for people. Input errors name the field, as `field: problem`.
    pub message: String,
    /// More, when the error has it: `fields` (each bad field and its problem) for 400,
    /// `current` (the stored row) or `conflicts` for 409, `findings` for 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object, required = false)]
    pub details: Option<Value>,
}

/// An API failure.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    details: Option<Value>,
    /// The cause of a 5xx, for the log only.
    cause: Option<String>,
    /// A 503 because every slot for heavy work stayed taken: its message is shown, with a
    /// `Retry-After`.
    busy: bool,
}

/// The stable code of a status.
pub fn code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        406 => "not_acceptable",
        409 => "conflict",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        422 => "unprocessable",
        429 => "too_many_requests",
        503 => "unavailable",
        507 => "insufficient_storage",
        504 => "timeout",
        s if s >= 500 => "internal",
        _ => "error",
    }
}

impl ApiError {
    /// An error with a status and a message, which quotes at most an excerpt of any input
    /// ([`questionnaires::excerpt::message`]).
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: questionnaires::excerpt::message(&message.into()).into_owned(),
            details: None,
            cause: None,
            busy: false,
        }
    }

    /// 400, naming the field.
    pub fn bad_input(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 500; the cause is logged, never shown.
    pub fn internal(cause: impl Into<String>) -> ApiError {
        ApiError {
            cause: Some(cause.into()),
            ..ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "")
        }
    }

    /// The same error with details.
    pub fn with_details(mut self, details: Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// 400 with every bad field: the message lists them, `details.fields` holds them.
    pub fn fields(errors: Vec<(String, String)>) -> ApiError {
        use questionnaires::excerpt::{excerpt, message};
        let errors: Vec<(String, String)> = errors
            .into_iter()
            .map(|(f, m)| (excerpt(&f).into_owned(), message(&m).into_owned()))
            .collect();
        let message = errors
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("\n");
        let fields: Vec<Value> = errors
            .into_iter()
            .map(|(field, message)| serde_json::json!({"field": field, "message": message}))
            .collect();
        ApiError::bad_input(message).with_details(serde_json::json!({ "fields": fields }))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = e.status();
        match e {
            AppError::Internal(cause)
            | AppError::StorageFull(cause)
            | AppError::Unavailable(cause) => ApiError {
                cause: Some(cause),
                ..ApiError::new(status, "")
            },
            AppError::Busy(message) => ApiError {
                busy: true,
                ..ApiError::new(status, message)
            },
            other => ApiError::new(status, other.to_string()),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(e: store::StoreError) -> Self {
        AppError::from(e).into()
    }
}

/// Whether a path is the API's.
pub fn is_api(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = if self.status.is_server_error() {
            if let Some(cause) = &self.cause {
                tracing::error!(%cause, status = self.status.as_u16(), "API request failed");
            }
            if self.busy {
                self.message
            } else {
                AppError::server_message(self.status).to_owned()
            }
        } else {
            self.message
        };
        let body = ErrorBody {
            error: ErrorDetail {
                status: self.status.as_u16(),
                code: code(self.status).to_owned(),
                message,
                details: if self.status.is_server_error() {
                    None
                } else {
                    self.details
                },
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.busy {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(crate::service::heavy::RETRY_AFTER_SECONDS),
            );
        }
        res
    }
}

/// A JSON body; a rejection becomes an [`ApiError`] (400 for bad JSON or a bad field, 415
/// without `Content-Type: application/json`, 413 past the body limit).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => {
                let status = match rejection.status() {
                    // A body that is JSON but not the expected shape is bad input, like any other.
                    StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
                    s => s,
                };
                Err(rejection_error(status, &rejection.body_text()))
            }
        }
    }
}

/// A query string; a rejection becomes a 400 [`ApiError`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r| rejection_error(StatusCode::BAD_REQUEST, &r.body_text()))
    }
}

/// Path parameters; a rejection becomes an [`ApiError`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|r| rejection_error(r.status(), &r.body_text()))
    }
}

fn rejection_error(status: StatusCode, text: &str) -> ApiError {
    if status.is_server_error() {
        ApiError::internal(text.to_owned())
    } else {
        ApiError::new(status, text.trim().to_owned())
    }
}

/// A body that must be JSON text: 415 without `Content-Type: application/json`, 400 when it
/// is not UTF-8. For bodies read whole (a lens, an answers file) rather than deserialized.
pub fn json_text(headers: &HeaderMap, body: &Bytes) -> Result<String, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            let v = v.trim();
            v.eq_ignore_ascii_case("application/json") || v.ends_with("+json")
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Expected a request with `Content-Type: application/json`.",
        ));
    }
    String::from_utf8(body.to_vec()).map_err(|e| {
        ApiError::bad_input(format!(
            "body: not UTF-8 text (byte {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Whether a response is JSON already.
fn is_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Middleware: every error that answers an `/api/v1` path is JSON in the one shape, whoever
/// produced it. The message comes from the error page's [`ErrorMessage`], or from a short plain
/// text body (axum's rejections), or is the status's own sentence.
pub async fn json_errors(req: Request, next: Next) -> Response {
    if !is_api(req.uri().path()) {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    // Routed requests carry their route; the router's fallback (no such path) does not.
    let routed = req.extensions().get::<MatchedPath>().is_some();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&res) {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    // A page's 503 with `Retry-After` is a busy server (see `crate::error::AppError::retry_after`).
    let busy = status == StatusCode::SERVICE_UNAVAILABLE
        && res.headers().contains_key(header::RETRY_AFTER);
    let page_message = res.extensions().get::<ErrorMessage>().map(|m| m.0.clone());
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    let text = if plain {
        axum::body::to_bytes(res.into_body(), 4096)
            .await
            .ok()
            .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
            .filter(|t| !t.is_empty())
    } else {
        None
    };
    let message = match status {
        StatusCode::NOT_FOUND if !routed => {
            "There is no API operation at this address; the operations are listed at /api/v1/openapi.json.".to_owned()
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = allow
                .as_ref()
                .and_then(|a| a.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            format!("{path} does not take {method}; it takes {allowed}.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            "The request body is too large: at most 1 MB is accepted.".to_owned()
        }
        s => page_message.or(text).unwrap_or_else(|| {
            s.canonical_reason()
                .map_or_else(|| "The request failed.".to_owned(), |r| format!("{r}."))
        }),
    };
    let mut out = ApiError {
        busy,
        ..ApiError::new(status, message)
    }
    .into_response();
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_stable_code() {
        assert_eq!(code(StatusCode::CONFLICT), "conflict");
        assert_eq!(code(StatusCode::BAD_GATEWAY), "internal");
        assert_eq!(code(StatusCode::IM_A_TEAPOT), "error");
    }

    #[test]
    fn only_api_paths_are_the_apis() {
        assert!(is_api("/api/v1") && is_api("/api/v1/assessments"));
        assert!(!is_api("/api/v10") && !is_api("/api/whoami") && !is_api("/api"));
    }
}
