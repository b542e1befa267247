//! [`ApiError`]: every failure of the API as a status and `{"error":{"code","message"}}`.

use axum::extract::multipart::MultipartError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connectors_core::{Error as CoreError, FieldError, FieldIssue, StoreError};
use realtime_secret::Error as MintError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::hashing::PoolStopped;

/// An error answer of the API.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    fields: Vec<FieldError>,
    // The two rare words are boxed slices: they keep `ApiError` small enough to be
    // returned by value everywhere (clippy's `result_large_err`).
    detail: Option<Box<str>>,
    retry_after: Option<u64>,
    summary: Option<Box<str>>,
}

impl ApiError {
    /// An error with a status, a stable code and a message for humans.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            fields: Vec::new(),
            detail: None,
            retry_after: None,
            summary: None,
        }
    }

    /// 409 `approval_required`: the call needs the user's approval; `summary` says in
    /// words what it would do ("Disconnect Slack").
    pub fn approval_required(summary: String) -> Self {
        Self {
            summary: Some(summary.into()),
            ..Self::new(
                StatusCode::CONFLICT,
                "approval_required",
                "this tool needs the user's approval: ask them, then call again with \"approved\": true",
            )
        }
    }

    /// An error the framework produced (an extractor's rejection, the router's 404 or
    /// 405), with the code its status stands for.
    pub fn from_status(status: StatusCode, message: impl Into<String>) -> Self {
        let code = match status {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNAUTHORIZED => "unauthenticated",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::REQUEST_TIMEOUT => "request_timeout",
            StatusCode::LENGTH_REQUIRED => "length_required",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
            StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            status if status.is_server_error() => "internal",
            _ => "error",
        };
        Self::new(status, code, message)
    }

    /// 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401.
    pub fn unauthenticated() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first")
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 422 naming each bad field.
    pub fn invalid_fields(fields: Vec<FieldError>) -> Self {
        let names: Vec<&str> = fields.iter().map(|field| field.field.as_str()).collect();
        let message = format!("invalid field(s): {}", names.join(", "));
        Self {
            fields,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                message,
            )
        }
    }

    /// 422 for one field: an issue with its code, or bare words (code `invalid`).
    pub fn invalid_field(field: &str, issue: impl Into<FieldIssue>) -> Self {
        Self::invalid_fields(vec![FieldError::new(field, issue.into())])
    }

    /// 429 with `Retry-After`.
    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self {
            retry_after: Some(retry_after_seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests, retry later",
            )
        }
    }

    /// 500, with the cause logged and a generic answer.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %error_chain(cause), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }

    /// The status of this error.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

/// `{"error":{"code","message"}}`: the body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The `error` of an [`ErrorBody`].
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable code (`validation_failed`, `not_found`, `rate_limited`, …).
    pub code: &'static str,
    /// For humans.
    pub message: String,
    /// 422 only: each field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<FieldProblem>>)]
    pub fields: Option<Vec<FieldError>>,
    /// 409 `approval_required` only: what the call would do, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `provider_rejected` only: the provider's own reason, in its words (redacted),
    /// when it gave one; `message` quotes it after an English sentence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A field at fault in a 422 (`connectors_core::FieldError` as it is sent).
#[derive(Debug, ToSchema)]
pub struct FieldProblem {
    /// The field's name or path (`email`, `items[2].name`); empty for the whole body.
    pub field: String,
    /// Why, as a stable code to translate; a client that does not know the code shows
    /// `message`.
    pub code: crate::openapi::FieldProblemCode,
    /// Why, in English words.
    pub message: String,
    /// What the sentence of `code` needs; absent when it needs nothing.
    pub params: Option<FieldProblemParams>,
}

/// `connectors_core::FieldParams` as it is sent.
#[derive(Debug, ToSchema)]
#[schema(as = FieldErrorParams)]
pub struct FieldProblemParams {
    /// The least number (or number of characters) accepted.
    pub min: Option<i64>,
    /// The greatest number (or number of characters) accepted.
    pub max: Option<i64>,
    /// The accepted values or field names.
    pub allowed: Option<Vec<String>>,
    /// The form expected (`invalid_format`).
    pub format: Option<crate::openapi::FieldProblemFormat>,
    /// The fields this one cannot be given with (`conflict`).
    pub conflicts_with: Option<Vec<String>>,
    /// The refused address (`private_address`).
    pub address: Option<String>,
    /// The other field this one is compared with (`must_be_after`).
    pub other: Option<String>,
    /// A detail in someone else's words (a provider's, a parser's), not translated.
    pub detail: Option<String>,
}

/// `error: cause: cause` on one line.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                fields: Some(self.fields).filter(|fields| !fields.is_empty()),
                summary: self.summary.map(String::from),
                detail: self.detail.map(String::from),
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

pub use connectors_core::redacted_excerpt;

/// Middleware: an error answer that is not JSON (an extractor's rejection, the router's
/// 405, anything a future route lets through) becomes `{"error":{"code","message"}}`
/// with the same status and headers (`Allow`, `Retry-After`), its text as the message.
pub async fn json_errors(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    /// Framework rejections are one line; anything longer is cut.
    const MESSAGE_LIMIT: usize = 1024;
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MESSAGE_LIMIT)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    parts.headers.remove(header::CONTENT_TYPE);
    parts.headers.remove(header::CONTENT_LENGTH);
    let mut answer = ApiError::from_status(status, message).into_response();
    answer.headers_mut().extend(parts.headers);
    answer
}

impl From<CoreError> for ApiError {
    fn from(error: CoreError) -> Self {
        match &error {
            CoreError::UnknownConnector(key) => Self::new(
                StatusCode::NOT_FOUND,
                "unknown_connector",
                format!("no connector named `{key}`"),
            ),
            CoreError::NotConfigured(key) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not_configured",
                format!(
                    "connector `{key}` is not configured on this server (missing client id/secret)"
                ),
            ),
            CoreError::Unsupported(key) => Self::bad_request(
                "unsupported",
                format!("connector `{key}` does not support this operation"),
            ),
            CoreError::NotConnected(key) => Self::new(
                StatusCode::CONFLICT,
                "not_connected",
                format!("connector `{key}` is not connected"),
            ),
            CoreError::NeedsReauth(key) => Self::new(
                StatusCode::CONFLICT,
                "needs_reauth",
                format!("connector `{key}` needs to be authorized again"),
            ),
            CoreError::InvalidConfig(fields) => Self::invalid_fields(fields.clone()),
            CoreError::Rejected { message } => {
                let reason = redacted_excerpt(message);
                Self {
                    detail: (!reason.is_empty()).then(|| reason.as_str().into()),
                    ..Self::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "provider_rejected",
                        format!("the provider rejected these credentials: {reason}"),
                    )
                }
            }
            CoreError::Refused { message, .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "provider_refused",
                format!("the provider refused the request: {message}"),
            ),
            CoreError::RateLimited { retry_after } => {
                let mut limited =
                    Self::rate_limited(retry_after.map_or(30, |wait| wait.as_secs().max(1)));
                limited.code = "provider_rate_limited";
                limited.message =
                    "the provider is rate limiting this server, retry later".to_owned();
                limited
            }
            CoreError::ProviderUnavailable { retry_after } => Self {
                // Rounded up: a caller that waits this long finds the backoff over.
                retry_after: Some(retry_after.as_secs_f64().ceil().max(1.0) as u64),
                ..Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "provider_unavailable",
                    "the provider failed to refresh this connection's token; retry later",
                )
            },
            CoreError::Connection(_) => {
                tracing::warn!(error = %error_chain(&error), "provider connection failed");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "provider_unreachable",
                    "the provider could not be reached",
                )
            }
            CoreError::Timeout => Self::new(
                StatusCode::GATEWAY_TIMEOUT,
                "provider_timeout",
                "the provider did not answer in time",
            ),
            CoreError::Provider { status, .. } if *status == 401 || *status == 403 => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "provider_rejected",
                "the provider rejected the credentials",
            ),
            CoreError::Provider { status, body } => {
                tracing::warn!(status, body = %redacted_excerpt(body), "provider error");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "provider_error",
                    format!("the provider answered {status}"),
                )
            }
            CoreError::Http(_) | CoreError::InvalidResponse(_) | CoreError::Unauthorized => {
                tracing::warn!(error = %error_chain(&error), "provider call failed");
                Self::new(
                    StatusCode::BAD_GATEWAY,
                    "provider_error",
                    "the provider could not be reached",
                )
            }
            _ => Self::internal(&error),
        }
    }
}

/// A database failure: 500, logged with its cause.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::internal(&error)
    }
}

/// A failure of the server's database: 500, logged with its cause.
impl From<crate::db::DbError> for ApiError {
    fn from(error: crate::db::DbError) -> Self {
        Self::internal(&error)
    }
}

/// A file-system failure (an upload's file, a download's): 500, logged with its cause.
impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        Self::internal(&error)
    }
}

/// The password hashing pool stopped: 500, logged.
impl From<PoolStopped> for ApiError {
    fn from(error: PoolStopped) -> Self {
        Self::internal(&error)
    }
}

/// A multipart body that cannot be read: 413 past the body limit, else 400.
impl From<MultipartError> for ApiError {
    fn from(error: MultipartError) -> Self {
        if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return Self::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "file_too_large",
                "the upload is too large",
            );
        }
        Self::bad_request("bad_multipart", error.body_text())
    }
}

/// A client secret OpenAI would not mint: logged (the error holds no key), answered
/// with what the user can act on.
impl From<MintError> for ApiError {
    fn from(error: MintError) -> Self {
        tracing::warn!(error = %error_chain(&error), "client secret minting failed");
        let status = error.status_hint();
        match &error {
            MintError::RateLimited { .. } => {
                Self::rate_limited(error.retry_after().map_or(5, |wait| wait.as_secs().max(1)))
            }
            MintError::QuotaExceeded { .. } => Self::new(
                status,
                "voice_quota_exceeded",
                "the voice provider's quota is exhausted",
            ),
            MintError::Unauthorized { .. } => Self::new(
                status,
                "voice_upstream_refused",
                "the voice provider refused this server's API key",
            ),
            MintError::InvalidRequest { .. } => Self::new(
                status,
                "voice_upstream_refused",
                "the voice provider refused the session settings",
            ),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Self::new(
                status,
                "voice_unavailable",
                "the voice provider is unavailable, try again shortly",
            ),
            _ => Self::new(
                StatusCode::BAD_GATEWAY,
                "voice_upstream_error",
                "unexpected answer from the voice provider",
            ),
        }
    }
}
