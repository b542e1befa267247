//! [`ConnectorAuthService`]: authorization URL, callback, token storage, refresh, revoke.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use oauth2::{
    AccessToken, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeVerifier,
    RedirectUrl,
};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use url::Url;
use uuid::Uuid;

use crate::connector::{
    ConfigContext, Connector, ConnectorSpec, OAuthConnector, OAuthContext, OAuthSpec,
    ProviderEndpoints,
};
use crate::error::{CallbackError, Error, Result};
use crate::events::{Event, EventType};
use crate::oauth_flow;
use crate::redact::redacted_excerpt;
use crate::store::{
    ConnectorStatus, CredentialStore, Credentials, CredentialsWatch, PendingAuthorization,
    RefreshFailure, RefreshedToken, StoredCredentials, UserId,
};
use crate::tokens::{random_token, sha256_hex};
use crate::view::ConnectorView;

mod api_call;
mod background;
mod revocation;

pub use api_call::{ApiRequest, ConfigCall};
pub use background::{BackgroundRefresh, WorkerRun};
pub use revocation::Revocation;

/// How long an authorization may take between the redirect and the callback.
const STATE_LIFETIME: time::Duration = time::Duration::minutes(10);
/// A token this close to expiry is refreshed before use.
const REFRESH_MARGIN: time::Duration = time::Duration::seconds(60);
/// How many events a slow subscriber may fall behind before it misses some.
const SUBSCRIBER_BUFFER: usize = 1024;
/// Transient refresh failures in a row after which the connector's status is `error`.
const FAILURES_UNTIL_ERROR: u32 = 3;

/// A deployment's OAuth client for one provider, with optional endpoint overrides.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    client_id: ClientId,
    client_secret: ClientSecret,
    auth_url: Option<Url>,
    token_url: Option<Url>,
    revoke_url: Option<Url>,
    api_url: Option<Url>,
}

impl ProviderConfig {
    /// An OAuth client registered at the provider.
    pub fn new(client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            client_id: ClientId::new(client_id.into()),
            client_secret: ClientSecret::new(client_secret.expose_secret().to_owned()),
            auth_url: None,
            token_url: None,
            revoke_url: None,
            api_url: None,
        }
    }

    /// Overrides the authorization endpoint.
    pub fn with_auth_url(mut self, url: Url) -> Self {
        self.auth_url = Some(url);
        self
    }

    /// Overrides the token endpoint.
    pub fn with_token_url(mut self, url: Url) -> Self {
        self.token_url = Some(url);
        self
    }

    /// Overrides the revocation endpoint.
    pub fn with_revoke_url(mut self, url: Url) -> Self {
        self.revoke_url = Some(url);
        self
    }

    /// Overrides the API base URL.
    pub fn with_api_url(mut self, url: Url) -> Self {
        self.api_url = Some(url);
        self
    }
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CallbackParams {
    /// The authorization code.
    pub code: Option<String>,
    /// The state we sent.
    pub state: Option<String>,
    /// An error code (`access_denied`, …).
    pub error: Option<String>,
    /// The provider's issuer identifier (RFC 9207), when it sends one.
    pub iss: Option<String>,
}

/// A valid access token with the version of the row it came from.
#[derive(Debug, Clone)]
struct Grant {
    token: AccessToken,
    version: i64,
    expires_at: Option<OffsetDateTime>,
}

impl Grant {
    /// Whether the token is still good for more than [`REFRESH_MARGIN`].
    fn is_fresh(&self) -> bool {
        fresh_until(self.expires_at)
    }
}

/// The refreshes of one grant under way in this process: one caller at a time refreshes
/// or waits for another replica's refresh, and the callers queued behind it take the
/// grant it ended with rather than reading the row again.
type Flight = Arc<Mutex<Option<Grant>>>;

/// The route of the OAuth callback under the callback base, in axum's syntax: mount
/// your callback handler here, since [`ConnectorAuthService::redirect_uri`] sends
/// providers to `{callback base}/connectors/{key}/callback`.
pub const CALLBACK_ROUTE: &str = "/connectors/{key}/callback";

/// The OAuth and credential service of the SDK.
///
/// Build it once with its store, the public base URL its callback routes live under
/// (the redirect URI of a connector is `{callback_base}/connectors/{key}/callback`),
/// the connectors and the providers' client credentials; share it behind an `Arc`.
///
/// # Example
///
/// A service with one connector of the app's own, in memory: the authorization URL a
/// user is sent to, then tokens saved for that user (as the callback does after the
/// code exchange) and handed out again. The token is still valid, so no refresh, and
/// no network, is needed.
///
/// ```
/// use std::sync::Arc;
/// use connectors_core::{
///     AccessToken, ConnectorAuthService, ConnectorStatus, Credentials, MemoryStore, OAuthSpec,
///     ProviderConfig, StandardOAuth,
/// };
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let github = StandardOAuth::new(
///     "github",
///     "GitHub",
///     OAuthSpec::new(
///         "github",
///         "https://github.com/login/oauth/authorize",
///         "https://github.com/login/oauth/access_token",
///         "https://api.github.com",
///     )
///     .with_scopes(["read:user"]),
/// );
/// let service = ConnectorAuthService::new(
///     Arc::new(MemoryStore::new()),
///     "https://app.example.com/api/v1".parse()?,
/// )
/// .with_connector(Arc::new(github))
/// .with_provider("github", ProviderConfig::new("client-id", "client-secret".into()));
///
/// let user = uuid::Uuid::new_v4();
/// let url = service.authorization_url(user, "github").await?;
/// assert_eq!(url.host_str(), Some("github.com"));
/// assert!(url.query_pairs().any(|(name, _)| name == "state"));
/// assert_eq!(
///     service.redirect_uri("github")?.as_str(),
///     "https://app.example.com/api/v1/connectors/github/callback",
/// );
///
/// let credentials = Credentials {
///     provider: "github".into(),
///     access_token: Some(AccessToken::new("gho_example".into())),
///     expires_at: Some(time::OffsetDateTime::now_utc() + time::Duration::hours(8)),
///     scopes: vec!["read:user".into()],
///     ..Credentials::default()
/// };
/// service.save_tokens(user, "github", &credentials).await?;
///
/// let token = service.access_token(user, "github").await?;
/// assert_eq!(token.secret(), "gho_example");
/// let view = service.connector_view(user, "github").await?;
/// assert!(view.connected);
/// assert_eq!(view.status, ConnectorStatus::Active);
/// # Ok(()) }
/// ```
pub struct ConnectorAuthService {
    store: Arc<dyn CredentialStore>,
    callback_base: Url,
    connectors: Vec<Arc<dyn Connector>>,
    providers: HashMap<String, ProviderConfig>,
    api_urls: HashMap<String, Url>,
    http: reqwest::Client,
    lease_holder: Uuid,
    lease_lifetime: Duration,
    block_private_targets: bool,
    in_flight: DashMap<(UserId, String), Flight>,
    views: DashMap<UserId, (Instant, Arc<[ConnectorView]>)>,
    view_cache_ttl: Duration,
    retry_backoff: (Duration, Duration),
    rate_limit_retry: api_call::RateLimitRetry,
    events: tokio::sync::broadcast::Sender<Event>,
}

impl fmt::Debug for ConnectorAuthService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectorAuthService")
            .field("store", &self.store)
            .field("callback_base", &self.callback_base.as_str())
            .field(
                "connectors",
                &self.connectors.iter().map(|c| c.key()).collect::<Vec<_>>(),
            )
            .field("providers", &self.providers)
            .finish_non_exhaustive()
    }
}

impl ConnectorAuthService {
    /// A service over `store`, whose callbacks live under `callback_base`
    /// (e.g. `https://app.example.com/api/v1`), with no connectors yet.
    pub fn new(store: Arc<dyn CredentialStore>, callback_base: Url) -> Self {
        Self {
            store,
            callback_base,
            connectors: Vec::new(),
            providers: HashMap::new(),
            api_urls: HashMap::new(),
            http: default_http_client(Duration::from_secs(10)),
            lease_holder: Uuid::new_v4(),
            lease_lifetime: Duration::from_secs(30),
            block_private_targets: false,
            in_flight: DashMap::new(),
            views: DashMap::new(),
            view_cache_ttl: Duration::from_secs(2),
            retry_backoff: (Duration::from_secs(30), Duration::from_secs(3600)),
            rate_limit_retry: api_call::RateLimitRetry::default(),
            events: tokio::sync::broadcast::channel(SUBSCRIBER_BUFFER).0,
        }
    }

    /// Registers a connector (replacing one with the same key).
    pub fn with_connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connectors
            .retain(|known| known.key() != connector.key());
        self.connectors.push(connector);
        self
    }

    /// Registers several connectors, e.g. `connectors_providers::builtin()`.
    pub fn with_connectors(self, connectors: impl IntoIterator<Item = Arc<dyn Connector>>) -> Self {
        connectors.into_iter().fold(self, Self::with_connector)
    }

    /// Configures the OAuth client of a provider (`google`, `slack`, …). Connectors of a
    /// provider without one show as not configured.
    pub fn with_provider(mut self, provider: impl Into<String>, config: ProviderConfig) -> Self {
        self.providers.insert(provider.into(), config);
        self
    }

    /// Overrides the API base URL of a provider that has no OAuth client (config
    /// connectors such as `twilio`), or of any provider.
    pub fn with_api_url(mut self, provider: impl Into<String>, url: Url) -> Self {
        self.api_urls.insert(provider.into(), url);
        self
    }

    /// Uses this HTTP client for provider calls. It should have timeouts and no redirects.
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = http;
        self
    }

    /// How long a replica may hold a refresh lease before others take over (default 30 s;
    /// keep it above the HTTP client's timeout).
    pub fn with_lease_lifetime(mut self, lifetime: Duration) -> Self {
        self.lease_lifetime = lifetime;
        self
    }

    /// Refuses config connectors whose user-supplied hosts (SMTP server, MinIO endpoint)
    /// resolve to private, loopback or link-local addresses (default: allowed, so a
    /// development server on `localhost` works). Turn it on where users are not trusted
    /// to reach the server's own network (SSRF).
    pub fn with_block_private_targets(mut self, block: bool) -> Self {
        self.block_private_targets = block;
        self
    }

    /// How long [`ConnectorAuthService::connector_views`] may serve a user's views from
    /// memory (default 2 s; zero turns the cache off). Writes through this service drop
    /// the user's entry at once; the lifetime bounds how stale another replica's writes
    /// can look.
    pub fn with_view_cache(mut self, ttl: Duration) -> Self {
        self.view_cache_ttl = ttl;
        self
    }

    /// How long to wait before trying a failed provider call again (a refresh or a
    /// revocation that failed transiently): `first` after the first failure, doubling,
    /// at most `max` (default 30 s and 1 h), each wait lengthened by up to a tenth at
    /// random so that grants which failed together are not retried together. While a
    /// grant's refresh backs off, callers needing a new access token get
    /// [`Error::ProviderUnavailable`] without a call to the provider.
    pub fn with_retry_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.retry_backoff = (first, max.max(first));
        self
    }

    /// Subscribes to the lifecycle events of this service, in process: every event this
    /// service records (`connection.connected`, `connection.refreshed`,
    /// `connection.refresh_failed`, `connection.recovered`, `connection.needs_reauth`,
    /// `connection.expiring`, `connection.revoked`) is sent to every receiver right
    /// after the transaction that recorded it commits.
    ///
    /// Delivery is at most once and in process only: a receiver that falls more than
    /// 1,024 events behind gets [`RecvError::Lagged`](tokio::sync::broadcast::error::RecvError::Lagged)
    /// and misses them, events of other replicas are not seen, and nothing survives a
    /// restart. The durable truth is the store's outbox
    /// ([`CredentialStore::events`]); read it to catch up.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Records an event that is not a store write of this service (the reference
    /// server's `tool.called`, say) in the outbox, then hands it to the subscribers.
    ///
    /// # Errors
    ///
    /// [`Error::Store`].
    pub async fn record_event(&self, event: Event) -> Result<()> {
        self.store.record_event(&event).await?;
        self.publish(event);
        Ok(())
    }

    /// Hands a committed event to the in-process subscribers.
    fn publish(&self, event: Event) {
        // Fails only when nobody listens, which is fine.
        let _ = self.events.send(event);
    }

    /// Records the `connection.connected` event of new credentials with them, in one
    /// transaction, and tells the subscribers.
    async fn connect(&self, user: UserId, key: &str, credentials: &Credentials) -> Result<()> {
        // Whether earlier credentials are replaced is read just before the write: two
        // connections of the same user and connector at the same instant may both say
        // `false`; nothing else depends on the flag.
        let reconnected = self.store.load_credentials(user, key).await?.is_some();
        let event = connection_event(
            EventType::Connected,
            user,
            key,
            [("reconnected", serde_json::Value::Bool(reconnected))],
        );
        self.store
            .save_credentials(user, key, credentials, Some(&event))
            .await?;
        self.forget_views(user);
        self.publish(event);
        Ok(())
    }

    /// The credential store.
    pub fn store(&self) -> &Arc<dyn CredentialStore> {
        &self.store
    }

    /// The HTTP client used for provider calls.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// The registered connectors, in registration order.
    pub fn connectors(&self) -> impl Iterator<Item = &Arc<dyn Connector>> {
        self.connectors.iter()
    }

    /// The connector registered under `key`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`] when no connector has this key.
    pub fn connector(&self, key: &str) -> Result<&Arc<dyn Connector>> {
        self.connectors
            .iter()
            .find(|connector| connector.key() == key)
            .ok_or_else(|| Error::UnknownConnector(key.to_owned()))
    }

    /// Whether the server can run this connector: config connectors always, OAuth
    /// connectors when their provider has a client id and secret.
    pub fn is_configured(&self, connector: &dyn Connector) -> bool {
        match connector.spec() {
            ConnectorSpec::OAuth(oauth) => self.providers.contains_key(&oauth.oauth().provider),
            ConnectorSpec::Config(_) => true,
        }
    }

    /// The redirect URI of a connector: fixed from the callback base, never from a request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the callback base and key do not make a URL.
    pub fn redirect_uri(&self, key: &str) -> Result<RedirectUrl> {
        let base = self.callback_base.as_str().trim_end_matches('/');
        let path = CALLBACK_ROUTE.replace("{key}", key);
        RedirectUrl::new(format!("{base}{path}")).map_err(|source| Error::InvalidUrl {
            what: "redirect uri",
            source,
        })
    }

    /// The API base URL of a connector's provider, as deployed.
    pub fn api_url(&self, connector: &dyn Connector) -> Option<Url> {
        let provider = connector.provider();
        if let Some(url) = self.api_urls.get(provider) {
            return Some(url.clone());
        }
        if let Some(url) = self
            .providers
            .get(provider)
            .and_then(|config| config.api_url.clone())
        {
            return Some(url);
        }
        match connector.spec() {
            ConnectorSpec::OAuth(oauth) => Url::parse(&oauth.oauth().api_url).ok(),
            ConnectorSpec::Config(_) => None,
        }
    }

    fn endpoints(
        &self,
        connector: &dyn Connector,
        spec: &OAuthSpec,
    ) -> Result<(ProviderEndpoints, &ProviderConfig)> {
        let config = self
            .providers
            .get(&spec.provider)
            .ok_or_else(|| Error::NotConfigured(connector.key().to_owned()))?;
        let parse = |what: &'static str, value: &str| {
            Url::parse(value).map_err(|source| Error::InvalidUrl { what, source })
        };
        let endpoints = ProviderEndpoints {
            auth_url: config
                .auth_url
                .clone()
                .map_or_else(|| parse("auth url", &spec.auth_url), Ok)?,
            token_url: config
                .token_url
                .clone()
                .map_or_else(|| parse("token url", &spec.token_url), Ok)?,
            revoke_url: match (&config.revoke_url, &spec.revoke_url) {
                (Some(url), _) => Some(url.clone()),
                (None, Some(url)) => Some(parse("revoke url", url)?),
                (None, None) => None,
            },
            api_url: self
                .api_url(connector)
                .map_or_else(|| parse("api url", &spec.api_url), Ok)?,
        };
        Ok((endpoints, config))
    }

    fn oauth_setup<'s>(&'s self, connector: &'s dyn Connector) -> Result<OAuthSetup<'s>> {
        let ConnectorSpec::OAuth(oauth) = connector.spec() else {
            return Err(Error::Unsupported(connector.key().to_owned()));
        };
        let spec = oauth.oauth();
        let (endpoints, config) = self.endpoints(connector, spec)?;
        let redirect_uri = self.redirect_uri(connector.key())?;
        Ok(OAuthSetup {
            http: &self.http,
            connector: oauth,
            spec,
            endpoints,
            config,
            redirect_uri,
        })
    }

    /// Starts an authorization: stores the hashed `state` and the PKCE verifier for ten
    /// minutes and returns the provider's authorization URL.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`], [`Error::Unsupported`] for a config connector,
    /// [`Error::NotConfigured`] when the provider has no client here, [`Error::Store`].
    #[tracing::instrument(skip(self), fields(connector = %key))]
    pub async fn authorization_url(&self, user: UserId, key: &str) -> Result<Url> {
        let connector = self.connector(key)?;
        let state = CsrfToken::new(random_token());
        let setup = self.oauth_setup(connector.as_ref())?;
        let start = oauth_flow::authorization_url(&setup.context(), state)?;
        let pending = PendingAuthorization {
            state_hash: sha256_hex(start.state.secret()),
            user_id: user,
            connector_code: key.to_owned(),
            pkce_verifier: start
                .pkce_verifier
                .map(|verifier| SecretString::from(verifier.secret().to_owned())),
            expires_at: OffsetDateTime::now_utc() + STATE_LIFETIME,
        };
        self.store.insert_pending_authorization(&pending).await?;
        Ok(start.url)
    }

    /// Finishes an authorization: checks the state (single use, unexpired, same user,
    /// same connector), the issuer when sent, exchanges the code and stores the tokens.
    /// On any failure nothing is stored.
    ///
    /// # Errors
    ///
    /// A [`CallbackError`] whose [`CallbackError::reason`] names what failed (state,
    /// consent, issuer, scopes, exchange).
    #[tracing::instrument(skip(self, params), fields(connector = %key))]
    pub async fn handle_callback(
        &self,
        user: Option<UserId>,
        key: &str,
        params: CallbackParams,
    ) -> Result<(), CallbackError> {
        let state = params
            .state
            .filter(|state| !state.is_empty())
            .ok_or(CallbackError::MissingState)?;
        let user = user.ok_or(CallbackError::NotAuthenticated)?;
        let connector = self
            .connector(key)
            .map_err(|error| CallbackError::ExchangeFailed(Box::new(error)))?;
        let pending = self
            .store
            .take_pending_authorization(&sha256_hex(&state))
            .await
            .map_err(|error| CallbackError::ExchangeFailed(Box::new(error.into())))?
            .ok_or(CallbackError::InvalidState)?;
        if pending.expires_at < OffsetDateTime::now_utc() {
            return Err(CallbackError::ExpiredState);
        }
        if pending.user_id != user || pending.connector_code != key {
            return Err(CallbackError::StateMismatch);
        }
        if let Some(error) = params.error {
            return Err(if error == "access_denied" {
                CallbackError::AccessDenied
            } else {
                CallbackError::ProviderError(error)
            });
        }
        let setup = self
            .oauth_setup(connector.as_ref())
            .map_err(|error| CallbackError::ExchangeFailed(Box::new(error)))?;
        if let (Some(iss), Some(expected)) = (&params.iss, setup.spec.issuer.as_ref()) {
            if iss != expected {
                return Err(CallbackError::IssuerMismatch);
            }
        }
        let code = params
            .code
            .filter(|code| !code.is_empty())
            .ok_or(CallbackError::MissingCode)?;
        let verifier = pending
            .pkce_verifier
            .map(|verifier| PkceCodeVerifier::new(verifier.expose_secret().to_owned()));
        let exchange = setup
            .connector
            .exchange_code(&setup.context(), AuthorizationCode::new(code), verifier)
            .await;
        let grant = match exchange {
            Ok(grant) => grant,
            Err(Error::Callback(refused)) => return Err(refused),
            Err(error) => {
                tracing::warn!(error = %error, "code exchange failed");
                return Err(CallbackError::ExchangeFailed(Box::new(error)));
            }
        };
        self.save_tokens(user, key, &grant.credentials)
            .await
            .map_err(|error| CallbackError::ExchangeFailed(Box::new(error)))?;
        tracing::info!("connector connected");
        Ok(())
    }

    /// Stores credentials for a user's connector and marks it active.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`], [`Error::Store`].
    #[tracing::instrument(skip(self, credentials), fields(connector = %key))]
    pub async fn save_tokens(
        &self,
        user: UserId,
        key: &str,
        credentials: &Credentials,
    ) -> Result<()> {
        self.connector(key)?;
        self.connect(user, key, credentials).await
    }

    /// A valid access token for the user's connector, refreshed first when it expires
    /// within a minute. Concurrent callers share one refresh, in this process and across
    /// replicas sharing the store.
    ///
    /// # Errors
    ///
    /// [`Error::NotConnected`], [`Error::Unsupported`] for a config connector,
    /// [`Error::NeedsReauth`] when the refresh token is dead, the refresh's own failures,
    /// [`Error::Store`].
    pub async fn access_token(&self, user: UserId, key: &str) -> Result<AccessToken> {
        Ok(self.valid_grant(user, key).await?.token)
    }

    /// An HTTP client bound to the user's connector: every request carries a valid token,
    /// and a 401 answer triggers one refresh and one retry.
    ///
    /// # Errors
    ///
    /// As [`ConnectorAuthService::access_token`], and [`Error::InvalidUrl`] for an API base
    /// URL that does not parse.
    pub async fn get_oauth_client(&self, user: UserId, key: &str) -> Result<OAuthClient<'_>> {
        let connector = self.connector(key)?;
        let api_url = self
            .api_url(connector.as_ref())
            .ok_or_else(|| Error::Unsupported(key.to_owned()))?;
        Ok(OAuthClient {
            service: self,
            user,
            key: key.to_owned(),
            api_url,
        })
    }

    /// Calls the provider with a valid token; when the provider answers
    /// [`Error::Unauthorized`], refreshes once (or picks up the token another caller
    /// already refreshed) and calls again.
    ///
    /// # Errors
    ///
    /// As [`ConnectorAuthService::access_token`], and whatever `call` returns.
    pub async fn with_access_token<T, F, Fut>(&self, user: UserId, key: &str, call: F) -> Result<T>
    where
        F: Fn(AccessToken) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let grant = self.valid_grant(user, key).await?;
        match call(grant.token).await {
            Err(Error::Unauthorized) => {
                let fresh = self.refresh_after(user, key, grant.version).await?;
                match call(fresh.token).await {
                    Err(Error::Unauthorized) => {
                        self.mark_needs_reauth(
                            user,
                            key,
                            "the provider rejects fresh tokens",
                            None,
                        )
                        .await?;
                        Err(Error::NeedsReauth(key.to_owned()))
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    /// Validates config fields against the connector's schema, checks user-supplied
    /// hosts (see [`Self::with_block_private_targets`]), verifies the credentials with
    /// the provider when `verify` is set, and stores them (secrets encrypted) as active.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming every bad field, [`Error::Rejected`] when
    /// the provider refuses the credentials, [`Error::RateLimited`], and
    /// [`Error::Timeout`] / [`Error::Provider`] / [`Error::Http`] /
    /// [`Error::Connection`] when the provider is down.
    #[tracing::instrument(skip(self, fields), fields(connector = %key))]
    pub async fn save_config(
        &self,
        user: UserId,
        key: &str,
        fields: &serde_json::Value,
        verify: bool,
    ) -> Result<()> {
        let connector = self.connector(key)?;
        let ConnectorSpec::Config(config) = connector.spec() else {
            return Err(Error::Unsupported(key.to_owned()));
        };
        let credentials = config.parse_config(fields).map_err(Error::InvalidConfig)?;
        let api_url = self.api_url(connector.as_ref());
        let ctx = ConfigContext {
            http: &self.http,
            api_url: api_url.as_ref(),
            block_private_targets: self.block_private_targets,
        };
        config.check_config(&ctx, &credentials).await?;
        if verify {
            config.verify_config(&ctx, &credentials).await?;
        }
        self.connect(user, key, &credentials).await
    }

    /// Every registered connector as the user sees it, secrets left out.
    ///
    /// Served from a per-user cache for [`ConnectorAuthService::with_view_cache`]
    /// (default 2 s); every write through this service drops the user's entry, so a
    /// replica always sees its own writes and another replica's within that time.
    ///
    /// # Errors
    ///
    /// [`Error::Store`].
    pub async fn connector_views(&self, user: UserId) -> Result<Arc<[ConnectorView]>> {
        if let Some(entry) = self.views.get(&user) {
            let (cached_at, views) = entry.value();
            if cached_at.elapsed() < self.view_cache_ttl {
                return Ok(views.clone());
            }
        }
        let states = self.store.connector_states(user).await?;
        let views: Arc<[ConnectorView]> = self
            .connectors
            .iter()
            .map(|connector| {
                let state = states
                    .iter()
                    .find(|state| state.connector_code == connector.key());
                ConnectorView::new(
                    connector.as_ref(),
                    self.is_configured(connector.as_ref()),
                    state,
                )
            })
            .collect();
        if !self.view_cache_ttl.is_zero() {
            self.views.insert(user, (Instant::now(), views.clone()));
        }
        Ok(views)
    }

    /// One connector as the user sees it.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownConnector`], [`Error::Store`].
    pub async fn connector_view(&self, user: UserId, key: &str) -> Result<ConnectorView> {
        self.connector(key)?;
        let views = self.connector_views(user).await?;
        views
            .iter()
            .find(|view| view.key == key)
            .cloned()
            .ok_or_else(|| Error::UnknownConnector(key.to_owned()))
    }

    /// Forgets cached views older than their lifetime (call periodically in a server
    /// with many users).
    pub fn forget_stale_views(&self) {
        let ttl = self.view_cache_ttl;
        self.views
            .retain(|_, (cached_at, _)| cached_at.elapsed() < ttl);
    }

    async fn load(&self, user: UserId, key: &str) -> Result<StoredCredentials> {
        self.store
            .load_credentials(user, key)
            .await?
            .ok_or_else(|| Error::NotConnected(key.to_owned()))
    }

    /// [`Self::load`] for a caller already under way (see
    /// [`CredentialStore::reload_credentials`]).
    async fn reload(&self, user: UserId, key: &str) -> Result<StoredCredentials> {
        self.store
            .reload_credentials(user, key)
            .await?
            .ok_or_else(|| Error::NotConnected(key.to_owned()))
    }

    async fn valid_grant(&self, user: UserId, key: &str) -> Result<Grant> {
        let connector = self.connector(key)?;
        if !matches!(connector.spec(), ConnectorSpec::OAuth(_)) {
            return Err(Error::Unsupported(key.to_owned()));
        }
        // Watched before the read, for a wait on another holder's refresh to hear of
        // any change after it (see `refresh_or_wait`).
        let change = self.store.watch_credentials(user, key);
        let stored = self.load(user, key).await?;
        if let Some(grant) = usable(&stored) {
            return Ok(grant);
        }
        refusal(key, &stored)?;
        self.refresh_in_flight(user, key, stored.version, Some((stored, change)))
            .await
    }

    /// Makes sure the tokens are newer than `stale_version`: waits for a refresh already
    /// under way (in this process, or a lease held by another replica) or runs one.
    async fn refresh_after(&self, user: UserId, key: &str, stale_version: i64) -> Result<Grant> {
        self.refresh_in_flight(user, key, stale_version, None).await
    }

    /// [`Self::refresh_after`], starting from the row as the caller just read it when
    /// given (`read`, with the watch started before that read): a caller that finds no
    /// refresh of this process under way goes on from it without reading the row again.
    async fn refresh_in_flight(
        &self,
        user: UserId,
        key: &str,
        stale_version: i64,
        read: Option<(StoredCredentials, CredentialsWatch)>,
    ) -> Result<Grant> {
        let id = (user, key.to_owned());
        let flight = self.in_flight.entry(id.clone()).or_default().clone();
        let (mut last, read) = match flight.try_lock() {
            Ok(last) => (last, read),
            // Queued behind another caller: the row may have changed meanwhile.
            Err(_) => (flight.lock().await, None),
        };
        let outcome = match last.as_ref() {
            Some(grant) if grant.version > stale_version && grant.is_fresh() => Ok(grant.clone()),
            _ => self.refresh_or_wait(user, key, stale_version, read).await,
        };
        *last = outcome.as_ref().ok().cloned();
        drop(last);
        // The last caller out forgets the flight (and the token it kept).
        self.in_flight.remove_if(&id, |_, kept| {
            Arc::ptr_eq(kept, &flight) && Arc::strong_count(kept) == 2
        });
        outcome
    }

    /// Refreshes under the grant's lease, or waits for the replica holding it: after each
    /// look at the row, until the store tells of a change to it (or its fallback poll),
    /// for at most twice the lease's lifetime. A row that shows another holder's live
    /// lease is waited on without asking for the lease.
    async fn refresh_or_wait(
        &self,
        user: UserId,
        key: &str,
        stale_version: i64,
        mut read: Option<(StoredCredentials, CredentialsWatch)>,
    ) -> Result<Grant> {
        let deadline = tokio::time::Instant::now() + self.lease_lifetime * 2;
        loop {
            // Watched before the row is read, so that no change after the read is missed.
            let (stored, change) = match read.take() {
                Some(read) => read,
                None => {
                    let change = self.store.watch_credentials(user, key);
                    (self.reload(user, key).await?, change)
                }
            };
            if stored.version != stale_version {
                if let Some(grant) = usable(&stored) {
                    return Ok(grant);
                }
            }
            let refreshing_elsewhere = stored
                .lease_holder
                .is_some_and(|holder| holder != self.lease_holder);
            if refreshing_elsewhere {
                if tokio::time::Instant::now() > deadline {
                    return Err(Error::Timeout);
                }
                if let Some(grant) = heard(change.await, stale_version) {
                    return Ok(grant);
                }
                continue;
            }
            if let Some(stored) = self
                .store
                .lease_credentials(user, key, self.lease_holder, self.lease_lifetime)
                .await?
            {
                // The row may have changed between our read and the lease.
                if stored.version != stale_version {
                    if let Some(grant) = usable(&stored) {
                        self.store
                            .release_lease(user, key, self.lease_holder)
                            .await?;
                        return Ok(grant);
                    }
                }
                return self.refresh_holding_lease(user, key, stored).await;
            }
            if tokio::time::Instant::now() > deadline {
                return Err(Error::Timeout);
            }
            if let Some(grant) = heard(change.await, stale_version) {
                return Ok(grant);
            }
        }
    }

    async fn refresh_holding_lease(
        &self,
        user: UserId,
        key: &str,
        stored: StoredCredentials,
    ) -> Result<Grant> {
        let connector = self.connector(key)?;
        // A grant the provider already refused stays refused until the user reconnects,
        // and one backing off is not tried before its time: asking again would only
        // hammer the token endpoint.
        if let Err(refused) = refusal(key, &stored) {
            self.store
                .release_lease(user, key, self.lease_holder)
                .await?;
            return Err(refused);
        }
        let Some(refresh_token) = stored.credentials.refresh_token.clone() else {
            self.store
                .release_lease(user, key, self.lease_holder)
                .await?;
            self.mark_needs_reauth(user, key, "no refresh token is stored", None)
                .await?;
            return Err(Error::NeedsReauth(key.to_owned()));
        };
        let outcome = match self.oauth_setup(connector.as_ref()) {
            Ok(setup) => {
                setup
                    .connector
                    .refresh(&setup.context(), &refresh_token)
                    .await
            }
            Err(error) => Err(error),
        };
        match outcome {
            Ok(grant) => {
                let credentials = merge_refreshed(&stored.credentials, grant.credentials);
                let token = credentials.access_token.clone().ok_or_else(|| {
                    Error::InvalidResponse("refresh answer without access token".to_owned())
                })?;
                let mut events = vec![connection_event(EventType::Refreshed, user, key, [])];
                let failures = stored.health.failures;
                if failures > 0 {
                    events.push(connection_event(
                        EventType::Recovered,
                        user,
                        key,
                        [("failures", serde_json::Value::from(failures))],
                    ));
                }
                let swapped = self
                    .store
                    .swap_credentials(user, key, stored.version, &credentials, &events)
                    .await?;
                self.forget_views(user);
                match swapped {
                    Some(version) => {
                        tracing::debug!(connector = %key, "access token refreshed");
                        if failures > 0 {
                            tracing::info!(connector = %key, failures, "refreshes work again");
                        }
                        events.into_iter().for_each(|event| self.publish(event));
                        Ok(Grant {
                            token,
                            version,
                            expires_at: credentials.expires_at,
                        })
                    }
                    // Another writer replaced the row while we refreshed: theirs wins.
                    None => usable(&self.reload(user, key).await?)
                        .ok_or_else(|| Error::NeedsReauth(key.to_owned())),
                }
            }
            Err(Error::InvalidGrant { description }) => {
                // Another replica may have rotated the refresh token meanwhile.
                let current = self.reload(user, key).await?;
                if current.version != stored.version {
                    if let Some(grant) = usable(&current) {
                        return Ok(grant);
                    }
                }
                self.store
                    .release_lease(user, key, self.lease_holder)
                    .await?;
                // The reason lands in the status and in an event: the provider's own
                // words, unless they quote the token back.
                let description =
                    description.filter(|words| !words.contains(refresh_token.secret().as_str()));
                let detail = description
                    .as_deref()
                    .map(redacted_excerpt)
                    .filter(|words| !words.trim().is_empty());
                let reason = description
                    .unwrap_or_else(|| "the provider refused the refresh token".to_owned());
                self.mark_needs_reauth(user, key, &reason, detail.as_deref())
                    .await?;
                Err(Error::NeedsReauth(key.to_owned()))
            }
            Err(error) if error.is_transient() => Err(self
                .record_refresh_failure(user, key, &stored, &error)
                .await?),
            Err(error) => {
                self.store
                    .release_lease(user, key, self.lease_holder)
                    .await?;
                Err(error)
            }
        }
    }

    /// The failure policy of a transient refresh failure (SPEC §11): keep the
    /// credentials, count the failure, back off, `error` from the third in a row, one
    /// `connection.refresh_failed` event. Returns the error the caller gets.
    async fn record_refresh_failure(
        &self,
        user: UserId,
        key: &str,
        stored: &StoredCredentials,
        error: &Error,
    ) -> Result<Error> {
        let failures = stored.health.failures.saturating_add(1);
        let now = OffsetDateTime::now_utc();
        // Stores keep whole seconds: rounded up, so that storing never shortens the wait.
        let retry_at = ceil_to_second(now + self.backoff(failures));
        let wait = retry_at - now;
        let status = if failures >= FAILURES_UNTIL_ERROR {
            ConnectorStatus::Error
        } else {
            ConnectorStatus::Active
        };
        let provider_code = error.provider_code();
        let last_error = match &provider_code {
            Some(code) => format!("the provider failed to refresh the token ({code})"),
            None => format!("the provider failed to refresh the token: {error}"),
        };
        let event = connection_event(
            EventType::RefreshFailed,
            user,
            key,
            [
                ("attempt", serde_json::Value::from(failures)),
                ("retry_at", serde_json::Value::from(rfc3339(retry_at))),
            ],
        );
        tracing::warn!(
            connector = %key,
            failures,
            retry_in_seconds = wait.whole_seconds(),
            provider_code = provider_code.as_deref().unwrap_or("-"),
            "token refresh failed transiently; backing off"
        );
        let failure = RefreshFailure {
            failures,
            retry_at,
            status,
            last_error: &last_error,
            last_error_detail: provider_code.as_deref(),
            event: &event,
        };
        self.store
            .record_refresh_failure(user, key, &failure)
            .await?;
        self.forget_views(user);
        self.publish(event);
        Ok(Error::ProviderUnavailable {
            retry_after: wait.unsigned_abs(),
        })
    }

    /// The wait before the next try after `attempts` transient failures in a row (see
    /// [`Self::with_retry_backoff`]).
    fn backoff(&self, attempts: u32) -> time::Duration {
        use rand::Rng;
        let (first, max) = self.retry_backoff;
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
        let wait = first.saturating_mul(factor).min(max);
        // Jitter only lengthens a wait, never shortens it.
        let jitter = wait.mul_f64(rand::thread_rng().gen_range(0.0..0.1));
        time::Duration::try_from(wait + jitter).unwrap_or(time::Duration::HOUR)
    }

    /// Turns the connector to `needs_reauth` for `reason` (English words), `detail`
    /// being the provider's own words in it when it gave some.
    async fn mark_needs_reauth(
        &self,
        user: UserId,
        key: &str,
        reason: &str,
        detail: Option<&str>,
    ) -> Result<()> {
        tracing::warn!(connector = %key, "grant refused by the provider; connector needs re-authorization");
        let event = connection_event(
            EventType::NeedsReauth,
            user,
            key,
            [("reason", serde_json::Value::from(reason))],
        );
        self.store
            .set_status(
                user,
                key,
                ConnectorStatus::NeedsReauth,
                Some(reason),
                detail,
                Some(&event),
            )
            .await?;
        self.forget_views(user);
        self.publish(event);
        Ok(())
    }

    /// Drops the cached views of a user after a write through this service.
    fn forget_views(&self, user: UserId) {
        self.views.remove(&user);
    }
}

/// Everything a connector's OAuth hooks need, resolved for one call.
struct OAuthSetup<'s> {
    http: &'s reqwest::Client,
    connector: &'s dyn OAuthConnector,
    spec: &'s OAuthSpec,
    endpoints: ProviderEndpoints,
    config: &'s ProviderConfig,
    redirect_uri: RedirectUrl,
}

impl OAuthSetup<'_> {
    fn context(&self) -> OAuthContext<'_> {
        OAuthContext {
            http: self.http,
            spec: self.spec,
            endpoints: &self.endpoints,
            client_id: &self.config.client_id,
            client_secret: &self.config.client_secret,
            redirect_uri: &self.redirect_uri,
        }
    }
}

/// An HTTP client bound to one user's connector (see
/// [`ConnectorAuthService::get_oauth_client`]).
#[derive(Debug)]
pub struct OAuthClient<'a> {
    service: &'a ConnectorAuthService,
    user: UserId,
    key: String,
    api_url: Url,
}

impl OAuthClient<'_> {
    /// The provider's API base URL as deployed.
    pub fn api_url(&self) -> &Url {
        &self.api_url
    }

    /// GETs `path` (relative to the API base URL) and decodes the JSON answer, as
    /// [`Self::send`] sends it: a valid token, one refresh-and-retry on 401, a bounded
    /// wait on 429.
    ///
    /// # Errors
    ///
    /// As [`Self::send`]; [`Error::InvalidResponse`] for a body that does not decode.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.json(&ApiRequest::get(path), "provider API").await
    }
}

/// A lifecycle event about one of the user's connectors, with the type's own fields.
fn connection_event<const N: usize>(
    event_type: EventType,
    user: UserId,
    key: &str,
    data: [(&str, serde_json::Value); N],
) -> Event {
    let data = data
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    Event::new(event_type, user, Some(key), data)
}

/// Why a grant that needs a refresh must not be refreshed now: refused for good, or
/// backing off after transient failures.
fn refusal(key: &str, stored: &StoredCredentials) -> Result<()> {
    if !stored.health.refreshable {
        return Err(Error::NeedsReauth(key.to_owned()));
    }
    let now = OffsetDateTime::now_utc();
    match stored.health.retry_at {
        Some(retry_at) if retry_at > now => Err(Error::ProviderUnavailable {
            retry_after: (retry_at - now).unsigned_abs(),
        }),
        _ => Ok(()),
    }
}

/// `at`, or the next whole second when it falls between two.
fn ceil_to_second(at: OffsetDateTime) -> OffsetDateTime {
    if at.nanosecond() == 0 {
        return at;
    }
    at.replace_nanosecond(0).unwrap_or(at) + time::Duration::SECOND
}

/// RFC 3339 UTC, to the second, as events carry times.
fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The grant of a stored row whose access token is valid for at least another minute.
fn usable(stored: &StoredCredentials) -> Option<Grant> {
    let token = stored.credentials.access_token.as_ref()?;
    let expires_at = stored.credentials.expires_at;
    fresh_until(expires_at).then(|| Grant {
        token: token.clone(),
        version: stored.version,
        expires_at,
    })
}

/// The grant of a refresh a watch heard of, when it is newer than `stale_version` and
/// valid for at least another minute; otherwise the caller reads the row.
fn heard(refreshed: Option<RefreshedToken>, stale_version: i64) -> Option<Grant> {
    let refreshed = refreshed?;
    (refreshed.version > stale_version && fresh_until(refreshed.expires_at)).then_some(Grant {
        token: refreshed.access_token,
        version: refreshed.version,
        expires_at: refreshed.expires_at,
    })
}

/// Whether a token expiring at `expires_at` (never, for `None`) is good for more than
/// [`REFRESH_MARGIN`].
fn fresh_until(expires_at: Option<OffsetDateTime>) -> bool {
    expires_at.is_none_or(|expires_at| expires_at - REFRESH_MARGIN > OffsetDateTime::now_utc())
}

/// A refresh answer on top of the stored credentials: the old refresh token, scopes and
/// account facts are kept when the answer omits them.
fn merge_refreshed(old: &Credentials, mut new: Credentials) -> Credentials {
    if new.refresh_token.is_none() {
        // The same refresh token: the same expiry.
        new.refresh_token = old.refresh_token.clone();
        new.refresh_token_expires_at = old.refresh_token_expires_at;
    }
    if new.scopes.is_empty() {
        new.scopes = old.scopes.clone();
    }
    let mut public = old.public.clone();
    public.extend(std::mem::take(&mut new.public));
    new.public = public;
    new.secrets = old.secrets.clone();
    new
}

/// An HTTP client fit for OAuth calls: request timeout, connect timeout, no redirects.
///
/// # Panics
///
/// Never: a client with only timeouts and a redirect policy always builds.
pub fn default_http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        // Drop idle connections before the provider's load balancer does (60 s is the
        // common idle timeout): reusing one it is closing fails the request.
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client with only timeouts and a redirect policy always builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refresh_answer_without_refresh_token_keeps_the_old_one() {
        let old = Credentials {
            refresh_token: Some(oauth2::RefreshToken::new("old-refresh".into())),
            scopes: vec!["a".into()],
            ..Credentials::default()
        };
        let new = Credentials {
            access_token: Some(AccessToken::new("new".into())),
            ..Credentials::default()
        };
        let merged = merge_refreshed(&old, new);
        assert_eq!(merged.refresh_token.unwrap().secret(), "old-refresh");
        assert_eq!(merged.scopes, vec!["a".to_owned()]);
    }

    #[test]
    fn a_token_expiring_within_the_margin_is_not_usable() {
        let stored = |expires_in: time::Duration| StoredCredentials {
            credentials: Credentials {
                access_token: Some(AccessToken::new("t".into())),
                expires_at: Some(OffsetDateTime::now_utc() + expires_in),
                ..Credentials::default()
            },
            lease_holder: None,
            version: 1,
            health: crate::store::RefreshHealth::default(),
        };
        assert!(usable(&stored(time::Duration::seconds(30))).is_none());
        assert!(usable(&stored(time::Duration::minutes(5))).is_some());
    }
}
