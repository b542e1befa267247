//! [`ValidJson`]: the JSON body extractor of every route, whose rejections are API
//! errors naming the problem.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::validate;

/// Like `axum::Json`, but checked as [`validate`] describes, and a bad body answers
/// `{"error":{"code","message"}}`: 415 without a JSON content type, 400 for malformed
/// JSON, 413 over the body limit, 422 naming each field that does not fit (a control
/// character in any string, a wrong type, a value its type refuses).
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match axum::Json::<Value>::from_request(request, state).await {
            Ok(axum::Json(value)) => value,
            Err(JsonRejection::MissingJsonContentType(_)) => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "expected Content-Type: application/json",
                ))
            }
            Err(JsonRejection::JsonSyntaxError(_) | JsonRejection::JsonDataError(_)) => {
                return Err(ApiError::bad_request(
                    "malformed_json",
                    "the body is not valid JSON",
                ))
            }
            Err(other) => return Err(ApiError::from_status(other.status(), other.body_text())),
        };
        let problems = validate::check_json(&value);
        if !problems.is_empty() {
            return Err(ApiError::invalid_fields(problems));
        }
        serde_path_to_error::deserialize(value)
            .map(Self)
            .map_err(|error| data_error(&error))
    }
}

/// A value that does not fit `T`, as a 422 naming the field: its path, or for a missing
/// or unknown field (reported at the object's level) the name serde quotes.
fn data_error(error: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let message = error.inner().to_string();
    let path = error.path().to_string();
    let quoted = || {
        message
            .split_once('`')
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(field, _)| field.to_owned())
    };
    let at_object = path == "." || path.is_empty();
    let field = match (at_object, quoted()) {
        (true, Some(name)) => name,
        (true, None) => "body".to_owned(),
        (false, Some(name))
            if message.starts_with("missing field") || message.starts_with("unknown field") =>
        {
            format!("{path}.{name}")
        }
        (false, _) => path,
    };
    ApiError::invalid_field(&field, validate::issue_of(&message))
}
