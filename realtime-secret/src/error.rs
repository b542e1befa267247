//! The one error type of this crate, and how an HTTP answer from OpenAI maps to it.

use std::fmt;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::Deserialize;

/// How many bytes of an unexpected answer body an error keeps.
const BODY_LIMIT: usize = 1024;

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why minting a client secret failed.
///
/// No variant ever holds the API key: OpenAI masks it in its own messages, and any
/// text kept from an answer is scrubbed of it as well.
///
/// A server turns an error into its own answer with [`Error::status_hint`] (and
/// [`Error::retry_after`] for a `Retry-After` header), logging the error itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// OpenAI refused the API key (HTTP 401) or its permissions (HTTP 403).
    #[error("openai rejected the api key ({status})")]
    Unauthorized {
        /// 401 or 403.
        status: StatusCode,
        /// OpenAI's explanation, when it sent one.
        error: Option<OpenAiError>,
    },
    /// OpenAI is rate limiting this key (HTTP 429); try again later.
    #[error("openai rate limit reached")]
    RateLimited {
        /// How long OpenAI asked to wait (`Retry-After` or `retry-after-ms`).
        retry_after: Option<Duration>,
        /// OpenAI's explanation, when it sent one.
        error: Option<OpenAiError>,
    },
    /// The OpenAI account ran out of quota (HTTP 429 with code `insufficient_quota`):
    /// waiting does not help, someone has to look at billing.
    #[error("openai quota exhausted")]
    QuotaExceeded {
        /// OpenAI's explanation.
        error: OpenAiError,
    },
    /// OpenAI rejected the session configuration (HTTP 400, 422 or another 4xx), e.g.
    /// an unknown model or voice, or a tool schema it does not accept.
    #[error("openai rejected the request ({status}): {error}")]
    InvalidRequest {
        /// The HTTP status.
        status: StatusCode,
        /// OpenAI's explanation, with the offending `param` and `code` when given.
        error: OpenAiError,
    },
    /// OpenAI failed (HTTP 5xx).
    #[error("openai is unavailable ({status})")]
    Unavailable {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the answer body (often plain text).
        body: String,
    },
    /// OpenAI did not answer within the HTTP client's timeout.
    #[error("openai did not answer in time")]
    Timeout(#[source] reqwest::Error),
    /// The request did not get through (DNS, connection, TLS, …).
    #[error("could not reach openai")]
    Transport(#[source] reqwest::Error),
    /// OpenAI answered something this crate does not understand.
    #[error("unexpected answer from openai ({status})")]
    InvalidResponse {
        /// The HTTP status.
        status: StatusCode,
        /// The start of the answer body; left empty for a 2xx answer, which may hold
        /// a client secret.
        body: String,
        /// Why the body did not parse, when it was meant to.
        #[source]
        source: Option<serde_json::Error>,
    },
}

impl Error {
    /// The HTTP status a server should answer its own client with:
    ///
    /// | error | status | why |
    /// | --- | --- | --- |
    /// | [`RateLimited`](Error::RateLimited) | 429 | the caller may retry after [`Error::retry_after`] |
    /// | [`QuotaExceeded`](Error::QuotaExceeded), [`Unavailable`](Error::Unavailable), [`Timeout`](Error::Timeout), [`Transport`](Error::Transport) | 503 | the service is down for now |
    /// | [`Unauthorized`](Error::Unauthorized), [`InvalidRequest`](Error::InvalidRequest), [`InvalidResponse`](Error::InvalidResponse) | 502 | the upstream refused this server's key or configuration: an operator has to act |
    ///
    /// None of them is the browser's fault, so none is a 4xx other than 429.
    pub fn status_hint(&self) -> StatusCode {
        match self {
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::QuotaExceeded { .. }
            | Self::Unavailable { .. }
            | Self::Timeout(_)
            | Self::Transport(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthorized { .. }
            | Self::InvalidRequest { .. }
            | Self::InvalidResponse { .. } => StatusCode::BAD_GATEWAY,
        }
    }

    /// How long OpenAI asked to wait before retrying, for a 429.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether the same request may succeed later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. }
                | Self::Unavailable { .. }
                | Self::Timeout(_)
                | Self::Transport(_)
        )
    }

    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout(error)
        } else {
            Self::Transport(error)
        }
    }

    /// Maps a non-2xx answer; `api_key` is scrubbed from whatever text is kept.
    pub(crate) fn from_answer(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        api_key: &str,
    ) -> Self {
        let parsed = serde_json::from_slice::<ErrorEnvelope>(body)
            .ok()
            .map(|envelope| envelope.error.scrubbed(api_key));
        let text = || scrub(truncate(&String::from_utf8_lossy(body)), api_key);

        match status.as_u16() {
            401 | 403 => Self::Unauthorized {
                status,
                error: parsed,
            },
            429 => match parsed {
                Some(error) if error.code.as_deref() == Some("insufficient_quota") => {
                    Self::QuotaExceeded { error }
                }
                error => Self::RateLimited {
                    retry_after: retry_after(headers),
                    error,
                },
            },
            400..=499 => Self::InvalidRequest {
                status,
                error: parsed.unwrap_or_else(|| OpenAiError::from_message(text())),
            },
            500..=599 => Self::Unavailable {
                status,
                body: text(),
            },
            _ => Self::InvalidResponse {
                status,
                body: text(),
                source: None,
            },
        }
    }
}

/// OpenAI's error object: `{"error":{"message","type","param","code"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OpenAiError {
    /// What went wrong, for humans.
    pub message: String,
    /// The error family, e.g. `invalid_request_error`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The request field at fault, e.g. `session.audio.output.voice`.
    #[serde(default)]
    pub param: Option<String>,
    /// A machine-readable code, e.g. `unknown_parameter` or `invalid_api_key`.
    #[serde(default)]
    pub code: Option<String>,
}

impl OpenAiError {
    fn from_message(message: String) -> Self {
        Self {
            message,
            kind: None,
            param: None,
            code: None,
        }
    }

    fn scrubbed(self, api_key: &str) -> Self {
        Self {
            message: scrub(self.message, api_key),
            ..self
        }
    }
}

impl fmt::Display for OpenAiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match (&self.param, &self.code) {
            (Some(param), Some(code)) => write!(f, " (param `{param}`, code `{code}`)"),
            (Some(param), None) => write!(f, " (param `{param}`)"),
            (None, Some(code)) => write!(f, " (code `{code}`)"),
            (None, None) => Ok(()),
        }
    }
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: OpenAiError,
}

/// `retry-after-ms` (which OpenAI sends) first, then `Retry-After` in seconds. The
/// HTTP-date form of `Retry-After` is not used by OpenAI and is ignored.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    let valid = |value: &f64| value.is_finite() && *value >= 0.0;
    header("retry-after-ms")
        .filter(valid)
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| {
            header("retry-after")
                .filter(valid)
                .map(Duration::from_secs_f64)
        })
}

pub(crate) fn truncate(text: &str) -> String {
    if text.len() <= BODY_LIMIT {
        return text.to_owned();
    }
    let mut end = BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn scrub(text: String, api_key: &str) -> String {
    if api_key.is_empty() || !text.contains(api_key) {
        text
    } else {
        text.replace(api_key, "[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.parse().unwrap(), HeaderValue::from_static(value)))
            .collect()
    }

    #[test]
    fn retry_after_prefers_milliseconds_and_reads_seconds() {
        assert_eq!(
            retry_after(&headers(&[
                ("retry-after-ms", "1500"),
                ("retry-after", "9")
            ])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            None
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn truncation_keeps_char_boundaries() {
        let long = "é".repeat(BODY_LIMIT);

        let cut = truncate(&long);

        assert!(cut.len() <= BODY_LIMIT + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_key_is_scrubbed_from_kept_text() {
        let body = br#"{"error":{"message":"bad key sk-secret-123","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;

        let error = Error::from_answer(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            body,
            "sk-secret-123",
        );

        let rendered = format!("{error} {error:?}");
        assert!(!rendered.contains("sk-secret-123"), "{rendered}");
        assert!(rendered.contains("[REDACTED]"), "{rendered}");
    }

    #[test]
    fn status_hints_follow_the_documented_table() {
        let hint = |status: u16, body: &[u8]| {
            Error::from_answer(
                StatusCode::from_u16(status).unwrap(),
                &HeaderMap::new(),
                body,
                "k",
            )
            .status_hint()
            .as_u16()
        };
        let quota = br#"{"error":{"message":"quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;

        assert_eq!(hint(401, b""), 502);
        assert_eq!(hint(403, b""), 502);
        assert_eq!(hint(400, b"{}"), 502);
        assert_eq!(hint(404, b"not found"), 502);
        assert_eq!(hint(429, b""), 429);
        assert_eq!(hint(429, quota), 503);
        assert_eq!(hint(500, b"oops"), 503);
        assert_eq!(hint(302, b""), 502);
    }
}
