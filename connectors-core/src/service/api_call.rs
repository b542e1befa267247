//! Authenticated calls to a connector's API ([`OAuthClient::send`]): a valid token on
//! every request, one refresh and one retry on 401, a bounded wait on `429` +
//! `Retry-After`, provider failures mapped to this crate's errors. Neither tokens nor
//! bodies are logged.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use url::Url;

use super::{ConnectorAuthService, OAuthClient};
use crate::config::ConfigConnector;
use crate::connector::ConfigContext;
use crate::error::{Error, Result};
use crate::http::{self, Answer};
use crate::store::UserId;

/// How a rate-limited call waits (see [`ConnectorAuthService::with_rate_limit_retry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimitRetry {
    /// Retries after the first `429`.
    pub(crate) retries: u32,
    /// The longest wait honoured; a provider asking for longer gets
    /// [`Error::RateLimited`] at once.
    pub(crate) max_wait: Duration,
}

impl Default for RateLimitRetry {
    fn default() -> Self {
        Self {
            retries: 2,
            max_wait: Duration::from_secs(5),
        }
    }
}

/// How long to wait on a `429` without `Retry-After`.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(1);

/// One request to a connector's API, relative to its base URL (see
/// [`OAuthClient::send`]).
///
/// ```
/// use connectors_core::ApiRequest;
/// let request = ApiRequest::get("conversations.list")
///     .query("limit", "20")
///     .query("exclude_archived", "true");
/// assert_eq!(request.path(), "conversations.list");
/// ```
#[derive(Debug, Clone)]
pub struct ApiRequest {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: Vec<(HeaderName, HeaderValue)>,
    json: Option<serde_json::Value>,
}

impl ApiRequest {
    /// A request with `method` to `path` (relative to the API base URL).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            json: None,
        }
    }

    /// A `GET` of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// A `POST` to `path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// Adds a query parameter (encoded when sent).
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header, e.g. Notion's `Notion-Version`.
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sends `body` as JSON.
    #[must_use]
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.json = Some(body);
        self
    }

    /// The path, relative to the API base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn url(&self, api_url: &Url) -> Result<Url> {
        let mut url = http::api_endpoint(api_url, &self.path)?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }

    fn builder(&self, client: &reqwest::Client, url: Url, token: &str) -> reqwest::RequestBuilder {
        let mut builder = client.request(self.method.clone(), url).bearer_auth(token);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        match &self.json {
            Some(body) => builder.json(body),
            None => builder,
        }
    }
}

impl OAuthClient<'_> {
    /// Sends `request` with a valid token and returns the provider's 2xx answer.
    ///
    /// - A 401 refreshes the token once (or picks up the one another caller refreshed)
    ///   and sends again; a second 401 marks the connector `needs_reauth`.
    /// - A 429 waits as `Retry-After` says (1 s without it) and sends again, at most
    ///   [`ConnectorAuthService::with_rate_limit_retry`]'s retries and wait; past them,
    ///   [`Error::RateLimited`] with the provider's `Retry-After`.
    /// - `check` reads every 2xx answer first, for providers that answer errors with 200
    ///   (Slack's `{"ok": false}`): its [`Error::Unauthorized`] counts as a 401, its
    ///   [`Error::RateLimited`] as a 429, any other error is returned.
    ///
    /// # Errors
    ///
    /// As [`ConnectorAuthService::access_token`]; [`Error::RateLimited`];
    /// [`Error::Provider`] for another non-2xx answer (5xx included, its body
    /// truncated); what `check` returns; the transport errors of [`http::send`].
    pub async fn send_checked<C>(&self, request: &ApiRequest, check: C) -> Result<Answer>
    where
        C: Fn(&Answer) -> Result<()> + Sync,
    {
        let url = request.url(&self.api_url)?;
        let policy = self.service.rate_limit_retry;
        let mut retries = 0;
        loop {
            let sent = self
                .service
                .with_access_token(self.user, &self.key, |token| {
                    let builder = request.builder(&self.service.http, url.clone(), token.secret());
                    let check = &check;
                    async move { read(http::send(builder).await?, check) }
                })
                .await;
            match sent {
                Err(Error::RateLimited { retry_after }) => {
                    let wait = retry_after.unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
                    if retries >= policy.retries || wait > policy.max_wait {
                        return Err(Error::RateLimited { retry_after });
                    }
                    retries += 1;
                    tracing::debug!(connector = %self.key, wait_ms = wait.as_millis() as u64, "rate limited; waiting");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    /// [`Self::send_checked`] with no check of 2xx answers.
    ///
    /// # Errors
    ///
    /// As [`Self::send_checked`].
    pub async fn send(&self, request: &ApiRequest) -> Result<Answer> {
        self.send_checked(request, |_| Ok(())).await
    }

    /// [`Self::send`], the answer decoded as JSON (`what` names it in a decoding error).
    ///
    /// # Errors
    ///
    /// As [`Self::send`]; [`Error::InvalidResponse`] for a body that does not decode.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        request: &ApiRequest,
        what: &str,
    ) -> Result<T> {
        self.send(request).await?.json(what)
    }
}

/// An answer as [`OAuthClient::send_checked`] reads it.
fn read(answer: Answer, check: &(dyn Fn(&Answer) -> Result<()> + Sync)) -> Result<Answer> {
    match answer.status {
        StatusCode::UNAUTHORIZED => Err(Error::Unauthorized),
        StatusCode::TOO_MANY_REQUESTS => Err(Error::RateLimited {
            retry_after: retry_after(&answer),
        }),
        status if status.is_success() => {
            check(&answer)?;
            Ok(answer)
        }
        _ => Err(answer.unexpected()),
    }
}

fn retry_after(answer: &Answer) -> Option<Duration> {
    let seconds: u64 = answer
        .headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

impl ConnectorAuthService {
    /// How provider calls made with [`OAuthClient::send`] wait when rate limited: at
    /// most `retries` more attempts, each after the provider's `Retry-After` when it is
    /// at most `max_wait` (default: 2 retries, 5 s). A longer `Retry-After` is answered
    /// with [`Error::RateLimited`] at once, for the caller to pass on.
    #[must_use]
    pub fn with_rate_limit_retry(mut self, retries: u32, max_wait: Duration) -> Self {
        self.rate_limit_retry = RateLimitRetry { retries, max_wait };
        self
    }
}

impl ConnectorAuthService {
    /// The user's stored fields of the config connector `connector`, secrets decrypted,
    /// for calling its provider (an SMTP session, Twilio's basic auth, S3 signatures, a
    /// bearer token); with [`Self::config_call`] for the HTTP client, the API URL and
    /// the SSRF setting. Never log what it returns.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`] when `connector` is not registered here,
    /// [`Error::NotConnected`], [`Error::InvalidResponse`] when the stored fields no
    /// longer fit the connector's type, [`Error::Store`].
    pub async fn stored_config<C: ConfigConnector>(
        &self,
        user: UserId,
        connector: &C,
    ) -> Result<C::Config> {
        self.connector(C::KEY)?;
        let stored = self
            .store
            .load_credentials(user, C::KEY)
            .await?
            .ok_or_else(|| Error::NotConnected(C::KEY.to_owned()))?;
        connector.stored_config(&stored.credentials)
    }

    /// What a config connector's calls take besides its fields: the shared HTTP client,
    /// the provider's API URL as deployed, whether user-supplied hosts must be public
    /// ([`ConfigCall::context`]).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`].
    pub fn config_call(&self, key: &str) -> Result<ConfigCall> {
        let connector = self.connector(key)?;
        Ok(ConfigCall {
            http: self.http.clone(),
            api_url: self.api_url(connector.as_ref()),
            block_private_targets: self.block_private_targets,
            rate_limit_retry: self.rate_limit_retry,
        })
    }
}

/// The deployment's side of a config connector's call (see
/// [`ConnectorAuthService::config_call`]).
#[derive(Debug, Clone)]
pub struct ConfigCall {
    http: reqwest::Client,
    api_url: Option<Url>,
    block_private_targets: bool,
    rate_limit_retry: RateLimitRetry,
}

impl ConfigCall {
    /// The provider's API URL as deployed, else `default`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when `default` does not parse.
    pub fn api_url_or(&self, default: &str) -> Result<Url> {
        match &self.api_url {
            Some(url) => Ok(url.clone()),
            None => Url::parse(default).map_err(|source| Error::InvalidUrl {
                what: "default API URL",
                source,
            }),
        }
    }

    /// Sends the request `build` makes with the shared client (built anew for each
    /// attempt, with the connector's own credentials) and returns the answer, whatever
    /// its status but 429: a 429 waits as `Retry-After` says (1 s without it) and sends
    /// again, at most [`ConnectorAuthService::with_rate_limit_retry`]'s retries and
    /// wait, as [`OAuthClient::send`] does; past them, [`Error::RateLimited`].
    ///
    /// # Errors
    ///
    /// [`Error::RateLimited`]; the transport errors of [`http::send`].
    pub async fn send<B>(&self, build: B) -> Result<Answer>
    where
        B: Fn(&reqwest::Client) -> reqwest::RequestBuilder + Sync,
    {
        let policy = self.rate_limit_retry;
        let mut retries = 0;
        loop {
            let answer = http::send(build(&self.http)).await?;
            if answer.status != StatusCode::TOO_MANY_REQUESTS {
                return Ok(answer);
            }
            let asked = retry_after(&answer);
            let wait = asked.unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
            if retries >= policy.retries || wait > policy.max_wait {
                return Err(Error::RateLimited { retry_after: asked });
            }
            retries += 1;
            tracing::debug!(wait_ms = wait.as_millis() as u64, "rate limited; waiting");
            tokio::time::sleep(wait).await;
        }
    }

    /// The context the connector's hooks and actions take.
    pub fn context(&self) -> ConfigContext<'_> {
        ConfigContext {
            http: &self.http,
            api_url: self.api_url.as_ref(),
            block_private_targets: self.block_private_targets,
        }
    }
}
