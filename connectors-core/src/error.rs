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
    /// The provider refused an API request for a reason of the request's own (a channel
    /// that does not exist, a page the integration cannot see), not of the grant:
    /// `code` is the provider's own error code, `message` its reason in words, both
    /// safe to show the user.
    #[error("the provider refused the request: {message}")]
    Refused {
        /// The provider's error code, e.g. Slack's `channel_not_found`.
        code: String,
        /// The reason in words.
        message: String,
    },
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

/// A field that was refused: its name, a stable [`FieldErrorCode`] with the
/// [`FieldParams`] its sentence needs (what a page translates), and the same in English
/// words (`message`, for everyone else).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field's name or path (`host`, `items[2].name`); empty for the whole body.
    pub field: String,
    /// Why it was refused, as a stable code.
    pub code: FieldErrorCode,
    /// Why it was refused, in words.
    pub message: String,
    /// What the sentence of `code` needs (a bound, the accepted values); absent when
    /// it needs nothing.
    #[serde(skip_serializing_if = "FieldParams::is_empty")]
    pub params: FieldParams,
}

impl FieldError {
    /// `issue` as the refusal of `field`.
    pub fn new(field: impl Into<String>, issue: FieldIssue) -> Self {
        Self {
            field: field.into(),
            code: issue.code,
            message: issue.message,
            params: *issue.params,
        }
    }
}

/// Why a field was refused, stable across versions: clients translate it, and fall back
/// to the English `message` for a code they do not know (new codes may be added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldErrorCode {
    /// The body is not a JSON object of fields.
    NotAnObject,
    /// A field the connector does not take; `params.allowed` lists those it does.
    UnknownField,
    /// A field that must be given is missing.
    Required,
    /// A text that is empty or only blank (or invisible) characters.
    Empty,
    /// Not a string.
    NotAString,
    /// Not a whole number (`params.min`/`params.max` when bounded).
    NotANumber,
    /// Not `true` or `false`.
    NotABoolean,
    /// A number outside `params.min`..=`params.max`.
    OutOfRange,
    /// Fewer characters than `params.min`.
    TooShort,
    /// More characters than `params.max`.
    TooLong,
    /// Not one of `params.allowed`.
    NotOneOf,
    /// Not of the form `params.format` names (a host, a URL, a bucket name…).
    InvalidFormat,
    /// Contains spaces where none may be.
    HasSpaces,
    /// Contains control characters (NUL, tab, line breaks…).
    ControlCharacters,
    /// Given together with `params.conflicts_with`, which excludes it.
    Conflict,
    /// A host name that does not resolve.
    Unresolvable,
    /// A host that resolves to `params.address`, a private, loopback or link-local
    /// address, which the server does not connect to.
    PrivateAddress,
    /// The provider refused this field's value (a region it does not serve, a
    /// redirect); `params.detail` holds its words when it gave some.
    ProviderRefused,
    /// The provider has nothing by this name (a bucket).
    NotFound,
    /// TLS with the server failed (`params.detail` says how): the security setting
    /// does not match the port, or the certificate is not valid for the host.
    TlsFailed,
    /// The server does not offer STARTTLS on this port.
    StarttlsUnsupported,
    /// The fields do not fit the connector's schema as a whole.
    SchemaMismatch,
    /// A value (a time) that must come after the one of `params.other` and does not.
    MustBeAfter,
    /// More than one file where one is taken.
    OneFile,
    /// Anything else: `message` says what.
    Invalid,
}

impl FieldErrorCode {
    /// Every code, for clients and tests that must cover them all.
    pub const ALL: &'static [Self] = &[
        Self::NotAnObject,
        Self::UnknownField,
        Self::Required,
        Self::Empty,
        Self::NotAString,
        Self::NotANumber,
        Self::NotABoolean,
        Self::OutOfRange,
        Self::TooShort,
        Self::TooLong,
        Self::NotOneOf,
        Self::InvalidFormat,
        Self::HasSpaces,
        Self::ControlCharacters,
        Self::Conflict,
        Self::Unresolvable,
        Self::PrivateAddress,
        Self::ProviderRefused,
        Self::NotFound,
        Self::TlsFailed,
        Self::StarttlsUnsupported,
        Self::SchemaMismatch,
        Self::MustBeAfter,
        Self::OneFile,
        Self::Invalid,
    ];
}

/// The form an [`FieldErrorCode::InvalidFormat`] field should have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldFormat {
    /// A host name or IP address.
    Host,
    /// A host alone, without a scheme such as `smtp://`.
    HostWithoutScheme,
    /// A host alone, without a path, a user name or spaces.
    HostWithoutPath,
    /// A host alone: the port has its own field.
    HostWithoutPort,
    /// An `http://` or `https://` URL such as `https://minio.example.com:9000`.
    Url,
    /// A server URL without user or password in it.
    UrlWithoutCredentials,
    /// A server URL without path or query.
    UrlWithoutPath,
    /// An email address.
    Email,
    /// A mailbox: an address, maybe with a name (`Donna <donna@example.com>`).
    Mailbox,
    /// An S3 bucket name.
    BucketName,
    /// A region name such as `us-east-1`.
    RegionName,
    /// A Twilio Account SID (`AC` and 32 hexadecimal characters).
    TwilioAccountSid,
    /// A Twilio API key SID (`SK` and 32 hexadecimal characters).
    TwilioApiKeySid,
    /// An RFC 3339 date-time with an offset, such as `2026-12-01T09:00:00Z`.
    DateTime,
}

impl FieldFormat {
    /// Every format, for clients and tests that must cover them all.
    pub const ALL: &'static [Self] = &[
        Self::Host,
        Self::HostWithoutScheme,
        Self::HostWithoutPath,
        Self::HostWithoutPort,
        Self::Url,
        Self::UrlWithoutCredentials,
        Self::UrlWithoutPath,
        Self::Email,
        Self::Mailbox,
        Self::BucketName,
        Self::RegionName,
        Self::TwilioAccountSid,
        Self::TwilioApiKeySid,
        Self::DateTime,
    ];
}

/// The parameters of a [`FieldErrorCode`]'s sentence; each is absent when unused.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FieldParams {
    /// The least number (or number of characters) accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// The greatest number (or number of characters) accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// The accepted values or field names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// The form expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FieldFormat>,
    /// The fields this one cannot be given with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts_with: Option<Vec<String>>,
    /// The refused address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The other field this one is compared with (`must_be_after`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    /// A detail in someone else's words (a provider's, a parser's), not translated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl FieldParams {
    /// Whether no parameter is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Why a value was refused, before it is tied to a field: what
/// [`Fields::check`](crate::Fields::check) closures return. The constructors word the
/// common cases; [`FieldIssue::new`] takes any code and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// The stable code.
    pub code: FieldErrorCode,
    /// The English words.
    pub message: String,
    /// The code's parameters (boxed: an issue travels in `Err`s, which stay small).
    pub params: Box<FieldParams>,
}

impl FieldIssue {
    /// An issue with a code and words, no parameters.
    pub fn new(code: FieldErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            params: Box::default(),
        }
    }

    /// Adds parameters.
    #[must_use]
    pub fn with_params(mut self, params: FieldParams) -> Self {
        self.params = Box::new(params);
        self
    }

    /// A missing field.
    pub fn required() -> Self {
        Self::new(FieldErrorCode::Required, "is required")
    }

    /// A value not of `format`, `message` saying what was expected.
    pub fn format(format: FieldFormat, message: impl Into<String>) -> Self {
        Self::new(FieldErrorCode::InvalidFormat, message).with_params(FieldParams {
            format: Some(format),
            ..FieldParams::default()
        })
    }

    /// A value with spaces in it.
    pub fn has_spaces() -> Self {
        Self::new(FieldErrorCode::HasSpaces, "must not contain spaces")
    }

    /// A value with control characters in it.
    pub fn control_characters() -> Self {
        Self::new(
            FieldErrorCode::ControlCharacters,
            "must not contain control characters",
        )
    }

    /// A text longer than `max` characters.
    pub fn too_long(max: usize) -> Self {
        Self::new(
            FieldErrorCode::TooLong,
            format!("must be at most {max} characters"),
        )
        .with_params(FieldParams {
            max: Some(i64::try_from(max).unwrap_or(i64::MAX)),
            ..FieldParams::default()
        })
    }
}

/// Closures written before codes existed return words: they become
/// [`FieldErrorCode::Invalid`].
impl From<String> for FieldIssue {
    fn from(message: String) -> Self {
        Self::new(FieldErrorCode::Invalid, message)
    }
}

impl From<&str> for FieldIssue {
    fn from(message: &str) -> Self {
        Self::new(FieldErrorCode::Invalid, message)
    }
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
    fn the_lists_of_codes_and_formats_name_every_variant_once() {
        // An exhaustive match: a new variant does not compile until it has a place
        // here, and the test fails until it is in `ALL` at that place.
        fn code_position(code: FieldErrorCode) -> usize {
            use FieldErrorCode as C;
            match code {
                C::NotAnObject => 0,
                C::UnknownField => 1,
                C::Required => 2,
                C::Empty => 3,
                C::NotAString => 4,
                C::NotANumber => 5,
                C::NotABoolean => 6,
                C::OutOfRange => 7,
                C::TooShort => 8,
                C::TooLong => 9,
                C::NotOneOf => 10,
                C::InvalidFormat => 11,
                C::HasSpaces => 12,
                C::ControlCharacters => 13,
                C::Conflict => 14,
                C::Unresolvable => 15,
                C::PrivateAddress => 16,
                C::ProviderRefused => 17,
                C::NotFound => 18,
                C::TlsFailed => 19,
                C::StarttlsUnsupported => 20,
                C::SchemaMismatch => 21,
                C::MustBeAfter => 22,
                C::OneFile => 23,
                C::Invalid => 24,
            }
        }
        fn format_position(format: FieldFormat) -> usize {
            use FieldFormat as F;
            match format {
                F::Host => 0,
                F::HostWithoutScheme => 1,
                F::HostWithoutPath => 2,
                F::HostWithoutPort => 3,
                F::Url => 4,
                F::UrlWithoutCredentials => 5,
                F::UrlWithoutPath => 6,
                F::Email => 7,
                F::Mailbox => 8,
                F::BucketName => 9,
                F::RegionName => 10,
                F::TwilioAccountSid => 11,
                F::TwilioApiKeySid => 12,
                F::DateTime => 13,
            }
        }
        assert_eq!(FieldErrorCode::ALL.len(), 25);
        for (index, code) in FieldErrorCode::ALL.iter().enumerate() {
            assert_eq!(code_position(*code), index, "{code:?}");
        }
        assert_eq!(FieldFormat::ALL.len(), 14);
        for (index, format) in FieldFormat::ALL.iter().enumerate() {
            assert_eq!(format_position(*format), index, "{format:?}");
        }
        assert_eq!(
            serde_json::to_value(FieldErrorCode::PrivateAddress).unwrap(),
            "private_address"
        );
        assert_eq!(
            serde_json::to_value(FieldFormat::HostWithoutScheme).unwrap(),
            "host_without_scheme"
        );
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
