//! [`ValidJson`]: a JSON body extractor whose rejections are API errors naming the problem.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, but a bad body answers `{"error":{"code","message"}}`: 415 without
/// a JSON content type, 400 for malformed JSON, 422 naming the field that does not fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidJson<T>(pub T);

impl<S, T> FromRequest<S> for ValidJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "expected Content-Type: application/json",
            )),
            Err(JsonRejection::JsonSyntaxError(_)) => Err(ApiError::bad_request(
                "malformed_json",
                "the body is not valid JSON",
            )),
            Err(JsonRejection::JsonDataError(error)) => Err(data_error(&error.body_text())),
            Err(other) => Err(ApiError::bad_request("bad_request", other.body_text())),
        }
    }
}

/// serde's "missing field `email`" or "`email`: invalid type…" turned into a field error.
fn data_error(text: &str) -> ApiError {
    let detail = text.split_once(": ").map_or(text, |(_, detail)| detail);
    let field = detail
        .split_once("missing field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field.to_owned())
        .or_else(|| detail.split_once(": ").map(|(path, _)| path.to_owned()))
        .unwrap_or_else(|| "body".to_owned());
    ApiError::invalid_field(&field, detail)
}
