use crate::store::StoreError;

/// Error codes providers send, whatever the HTTP status, for a failure on their side
/// that trying again later may fix: Google's `internal_failure`, OAuth's
/// `temporarily_unavailable` and `server_error`, Slack's `fatal_error`,
/// `service_unavailable`, `internal_error` and `ratelimited` (an `ok: false` on HTTP 200).
const TRANSIENT_CODES: [&str; 7] = [
    "internal_failure",
    "temporarily_unavailable",
    "server_error",
    "fatal_error",
    "service_unavailable",
    "internal_error",
    "ratelimited",
];

/// Everything that can go wrong in `connectors-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connector is registered under this key.
    #[error("unknown connector `{0}`")]
    UnknownConnector(String),
    /// The connector exists, but the server has no client id/secret for its provider.
    #[error("connector `{0}` is not configured on this server")]
    NotConfigured(String),
    /// An OAuth operation was asked of a config connector (or the reverse).
    #[error("connector `{0}` does not support this operation")]
    Unsupported(String),
    /// The user has no credentials for this connector.
    #[error("connector `{0}` is not connected")]
    NotConnected(String),
    /// The provider refused the stored grant; the user must authorize again.
    #[error("connector `{0}` needs to be authorized again")]
    NeedsReauth(String),
    /// The OAuth callback was refused; nothing was stored.
    #[error("authorization callback refused: {0}")]
    Callback(#[from] CallbackError),
    /// The provider answered a token request with `invalid_grant`.
    #[error("the provider refused the grant")]
    InvalidGrant {
        /// The provider's `error_description`, if any.
        description: Option<String>,
    },
    /// The provider answered with an error.
    #[error("provider answered with status {status}")]
    Provider {
        /// HTTP status of the answer.
        status: u16,
        /// Raw body of the answer (never contains our secrets; may be truncated).
        body: String,
    },
    /// The provider rejected the access token (HTTP 401).
    #[error("provider rejected the access token")]
    Unauthorized,
    /// The provider did not answer in time.
    #[error("provider request timed out")]
    Timeout,
    /// The provider refused the credentials a user gave (a wrong password, token or key,
    /// a suspended account). `message` is the provider's reason, safe to show the user.
    #[error("the provider rejected the credentials: {message}")]
    Rejected {
        /// The provider's reason, in words.
        message: String,
    },
    /// The provider limits the rate of calls; try again later.
    #[error("the provider is rate limiting calls")]
    RateLimited {
        /// How long the provider asked to wait, when it said (`Retry-After`).
        retry_after: Option<std::time::Duration>,
    },
    /// Refreshing the grant failed transiently (provider 5xx, 429, timeout) and the grant
    /// backs off: no refresh is tried before `retry_after` has passed (SPEC §11).
    #[error("the provider is unavailable; try again later")]
    ProviderUnavailable {
        /// How long until the next refresh may be tried.
        retry_after: std::time::Duration,
    },
    /// A connection to the provider other than HTTP (SMTP, TLS) failed before an answer.
    #[error("could not reach the provider")]
    Connection(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The request to the provider failed before an answer.
    #[error("provider request failed")]
    Http(#[source] reqwest::Error),
    /// The provider answered something we could not understand.
    #[error("unexpected answer from provider: {0}")]
    InvalidResponse(String),
    /// A configured URL is not valid.
    #[error("invalid url for {what}")]
    InvalidUrl {
        /// Which URL.
        what: &'static str,
        /// Why.
        #[source]
        source: url::ParseError,
    },
    /// Config fields were refused; each entry names a field and says why.
    #[error("invalid configuration")]
    InvalidConfig(Vec<FieldError>),
    /// The credential store failed.
    #[error("credential store failed")]
    Store(#[from] StoreError),
}

impl Error {
    /// Whether trying again later may succeed: timeouts, connection failures, rate
    /// limits, provider 5xx (and 429) answers, and answers that are not what the provider
    /// documents (an HTML page from a proxy). A refusal of the grant or of the
    /// credentials is not transient.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout
            | Self::Http(_)
            | Self::Connection(_)
            | Self::RateLimited { .. }
            | Self::ProviderUnavailable { .. }
            | Self::InvalidResponse(_) => true,
            Self::Provider { status, body } => {
                *status >= 500 || *status == 429 || {
                    // `internal_failure: …` as the OAuth flow words a token endpoint's
                    // error, or the bare code a provider's own answer carried.
                    let leading = body.split(':').next().unwrap_or_default().trim();
                    TRANSIENT_CODES.contains(&leading)
                        || self
                            .provider_code()
                            .is_some_and(|code| TRANSIENT_CODES.contains(&code.as_str()))
                }
            }
            _ => false,
        }
    }

    /// The provider's own error code, when its answer named one (`token_expired`,
    /// `invalid_grant`, …): safe to log, unlike a whole body.
    pub fn provider_code(&self) -> Option<String> {
        match self {
            Self::InvalidGrant { .. } => Some("invalid_grant".to_owned()),
            Self::Unauthorized => Some("unauthorized".to_owned()),
            Self::Provider { body, .. } => {
                #[derive(serde::Deserialize)]
                struct Coded {
                    error: Option<serde_json::Value>,
                    code: Option<String>,
                }
                let is_code = |text: &str| {
                    !text.is_empty()
                        && text.len() <= 64
                        && text
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                };
                if is_code(body) {
                    return Some(body.clone());
                }
                let coded: Coded = serde_json::from_str(body).ok()?;
                let code = match coded.error {
                    Some(serde_json::Value::String(code)) => Some(code),
                    Some(serde_json::Value::Object(inner)) => inner
                        .get("code")
                        .or_else(|| inner.get("type"))
                        .and_then(|code| code.as_str().map(str::to_owned)),
                    _ => None,
                }
                .or(coded.code)?;
                is_code(&code).then_some(code)
            }
            _ => None,
        }
    }

    /// A reqwest failure: [`Error::Timeout`] when it timed out, else [`Error::Http`].
    pub fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout
        } else {
            Self::Http(error)
        }
    }
}

/// A config field that was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name.
    pub field: String,
    /// Why it was refused, in words.
    pub message: String,
}

/// Why an OAuth callback was refused. [`CallbackError::reason`] is the stable code the
/// reference server puts in `?status=error&reason=…`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The callback carried no `state`.
    #[error("missing state")]
    MissingState,
    /// The state is unknown or was already used.
    #[error("unknown or already used state")]
    InvalidState,
    /// The state is older than its ten-minute life.
    #[error("expired state")]
    ExpiredState,
    /// The state was started by another user or for another connector.
    #[error("state does not belong to this user and connector")]
    StateMismatch,
    /// The request carried no authenticated user.
    #[error("no authenticated user")]
    NotAuthenticated,
    /// The provider's `iss` does not match the connector's issuer.
    #[error("issuer mismatch")]
    IssuerMismatch,
    /// The user refused consent.
    #[error("the user denied access")]
    AccessDenied,
    /// The provider redirected back with another error code.
    #[error("provider error `{0}`")]
    ProviderError(String),
    /// The callback carried no `code`.
    #[error("missing authorization code")]
    MissingCode,
    /// The user did not grant the scopes the connector needs.
    #[error("required scope not granted")]
    ScopeDenied,
    /// The code exchange failed.
    #[error("code exchange failed")]
    ExchangeFailed(#[source] Box<Error>),
}

impl CallbackError {
    /// The stable, URL-safe reason code of this failure.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingState => "missing_state",
            Self::InvalidState => "invalid_state",
            Self::ExpiredState => "expired_state",
            Self::StateMismatch => "state_mismatch",
            Self::NotAuthenticated => "not_authenticated",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::AccessDenied => "access_denied",
            Self::ProviderError(_) => "provider_error",
            Self::MissingCode => "missing_code",
            Self::ScopeDenied => "scope_denied",
            Self::ExchangeFailed(source) => match source.as_ref() {
                Error::InvalidGrant { .. } => "invalid_grant",
                Error::Timeout => "provider_timeout",
                Error::RateLimited { .. } => "provider_rate_limited",
                Error::Provider { status, .. } if *status >= 500 => "provider_unavailable",
                _ => "exchange_failed",
            },
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(status: u16, body: &str) -> Error {
        Error::Provider {
            status,
            body: body.to_owned(),
        }
    }

    #[test]
    fn provider_outages_are_transient_and_refusals_are_not() {
        // Google: 5xx, 429 and `internal_failure` are outages (PROVIDERS.md).
        assert!(provider(500, "backend error").is_transient());
        assert!(provider(429, "").is_transient());
        assert!(provider(400, "internal_failure: try again").is_transient());
        // Slack answers its outages `ok: false` on HTTP 200.
        assert!(provider(200, "fatal_error").is_transient());
        assert!(provider(200, "service_unavailable").is_transient());
        assert!(provider(200, r#"{"ok":false,"error":"internal_error"}"#).is_transient());
        // The deployment's client refused, or any other refusal: not transient.
        assert!(!provider(401, "invalid_client: The OAuth client was not found.").is_transient());
        assert!(!provider(400, "unauthorized_client").is_transient());
        assert!(!provider(200, "invalid_code").is_transient());
        assert!(!Error::InvalidGrant { description: None }.is_transient());
        assert!(Error::Timeout.is_transient());
        assert!(Error::ProviderUnavailable {
            retry_after: std::time::Duration::from_secs(30)
        }
        .is_transient());
    }
}
