//! The [`Connector`] trait and the declarative pieces a connector is made of.

use std::fmt;

use async_trait::async_trait;
use oauth2::{
    AuthorizationCode, ClientId, ClientSecret, PkceCodeVerifier, RedirectUrl, RefreshToken,
};
use serde::Serialize;
use url::Url;

use crate::config::AnyConfigConnector;
use crate::error::Result;
use crate::store::Credentials;

/// Whether a connector is connected through an OAuth consent or by filling a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// Authorization code flow with the provider.
    #[serde(rename = "oauth")]
    OAuth,
    /// Configuration fields / API key given by the user.
    Config,
}

/// How the client authenticates to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the client id and secret.
    BasicAuth,
    /// `client_id` and `client_secret` in the request body.
    RequestBody,
}

/// Which token a provider's revocation endpoint takes to kill the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevokeToken {
    /// The refresh token when there is one, else the access token (RFC 7009; revoking
    /// the refresh token kills the whole grant at Google and Calendly).
    #[default]
    Refresh,
    /// A valid access token (Slack's `auth.revoke`, Notion): the service refreshes an
    /// expired one before revoking, and once more when the provider answers that it
    /// expired.
    Access,
}

/// What a provider said to a revocation that went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// The grant was alive and is now revoked.
    Now,
    /// The provider no longer knew the token: the grant was already dead.
    Already,
}

/// The OAuth facts a connector declares: provider endpoints (defaults, which a
/// deployment can override), minimal scopes, extra authorization parameters, PKCE
/// support and client authentication style.
#[derive(Debug, Clone)]
pub struct OAuthSpec {
    /// The provider whose client id/secret this connector uses (`google`, `slack`, …).
    pub provider: String,
    /// Default authorization endpoint.
    pub auth_url: String,
    /// Default token endpoint.
    pub token_url: String,
    /// Default revocation endpoint, when the provider has one.
    pub revoke_url: Option<String>,
    /// Default base URL of the provider's API.
    pub api_url: String,
    /// The minimal scopes the connector asks for.
    pub scopes: Vec<String>,
    /// The authorization parameter carrying the scopes (`scope`, or Slack's `user_scope`).
    pub scope_param: String,
    /// How scopes are joined (`" "`, or Slack's `","`).
    pub scope_separator: String,
    /// Extra authorization parameters (`access_type=offline`, `prompt=consent`, …).
    pub extra_auth_params: Vec<(String, String)>,
    /// Whether to send a PKCE S256 challenge.
    pub pkce: bool,
    /// How to authenticate to the token endpoint.
    pub client_auth: ClientAuth,
    /// The provider's issuer identifier, checked against a callback's `iss` when sent.
    pub issuer: Option<String>,
    /// Which token the revocation endpoint takes.
    pub revoke_token: RevokeToken,
    /// Whether the revocation form carries `client_id` and `client_secret` (Calendly);
    /// RFC 7009 servers such as Google's take the token alone.
    pub revoke_with_client_credentials: bool,
}

impl OAuthSpec {
    /// A spec with the given provider and endpoints, no scopes, no PKCE, client
    /// credentials in the request body.
    pub fn new(
        provider: impl Into<String>,
        auth_url: impl Into<String>,
        token_url: impl Into<String>,
        api_url: impl Into<String>,
    ) -> Self {
        Self {
            provider: provider.into(),
            auth_url: auth_url.into(),
            token_url: token_url.into(),
            revoke_url: None,
            api_url: api_url.into(),
            scopes: Vec::new(),
            scope_param: "scope".to_owned(),
            scope_separator: " ".to_owned(),
            extra_auth_params: Vec::new(),
            pkce: false,
            client_auth: ClientAuth::RequestBody,
            issuer: None,
            revoke_token: RevokeToken::Refresh,
            revoke_with_client_credentials: false,
        }
    }

    /// Sets the revocation endpoint.
    pub fn with_revoke_url(mut self, url: impl Into<String>) -> Self {
        self.revoke_url = Some(url.into());
        self
    }

    /// Sets the scopes asked for.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the parameter name and separator of the scopes.
    pub fn with_scope_param(
        mut self,
        param: impl Into<String>,
        separator: impl Into<String>,
    ) -> Self {
        self.scope_param = param.into();
        self.scope_separator = separator.into();
        self
    }

    /// Adds an extra authorization parameter.
    pub fn with_auth_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_auth_params.push((name.into(), value.into()));
        self
    }

    /// Turns PKCE S256 on or off.
    pub fn with_pkce(mut self, pkce: bool) -> Self {
        self.pkce = pkce;
        self
    }

    /// Sets the client authentication style.
    pub fn with_client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// Sends `client_id` and `client_secret` in the revocation form.
    pub fn with_revoke_client_credentials(mut self) -> Self {
        self.revoke_with_client_credentials = true;
        self
    }

    /// Sets which token the revocation endpoint takes.
    pub fn with_revoke_token(mut self, token: RevokeToken) -> Self {
        self.revoke_token = token;
        self
    }

    /// Sets the issuer checked against a callback's `iss`.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }
}

/// Endpoints of a provider as deployed: the spec's defaults with the deployment's
/// overrides applied.
#[derive(Debug, Clone)]
pub struct ProviderEndpoints {
    /// Authorization endpoint.
    pub auth_url: Url,
    /// Token endpoint.
    pub token_url: Url,
    /// Revocation endpoint.
    pub revoke_url: Option<Url>,
    /// API base URL.
    pub api_url: Url,
}

/// What a connector's OAuth hooks get to talk to the provider.
pub struct OAuthContext<'a> {
    /// The shared HTTP client (timeouts set, redirects off).
    pub http: &'a reqwest::Client,
    /// The connector's spec.
    pub spec: &'a OAuthSpec,
    /// The provider's endpoints as deployed.
    pub endpoints: &'a ProviderEndpoints,
    /// The OAuth client id.
    pub client_id: &'a ClientId,
    /// The OAuth client secret.
    pub client_secret: &'a ClientSecret,
    /// The redirect URI, byte-identical in the authorization and token requests.
    pub redirect_uri: &'a RedirectUrl,
}

impl fmt::Debug for OAuthContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthContext")
            .field("provider", &self.spec.provider)
            .field("endpoints", &self.endpoints)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// A provider's token answer, normalised.
#[derive(Debug, Clone, Default)]
pub struct TokenGrant {
    /// The new credentials (tokens, expiry, scopes, public account facts).
    pub credentials: Credentials,
    /// Whether the answer carried a new refresh token (when it did not, the old one is kept).
    pub refresh_token_rotated: bool,
}

/// What a config connector's hooks get to talk to the provider.
#[derive(Debug)]
pub struct ConfigContext<'a> {
    /// The shared HTTP client.
    pub http: &'a reqwest::Client,
    /// The provider's API base URL as deployed, when it has one.
    pub api_url: Option<&'a Url>,
    /// Whether hosts the user supplies (an SMTP server, a MinIO endpoint) must resolve to
    /// public addresses only: when set, connectors refuse private, loopback and
    /// link-local targets with a field error (SSRF defence, see
    /// `connectors_providers::net`).
    pub block_private_targets: bool,
}

/// A connector: its identity and its shape, an OAuth connector or a config connector
/// ([`ConnectorSpec`]); one connector is never both.
///
/// A standard OAuth provider is a [`StandardOAuth`](crate::StandardOAuth) value and
/// needs no implementation; a provider with quirks implements [`OAuthConnector`] and
/// overrides the hooks it needs; a config connector implements [`ConfigConnector`](crate::ConfigConnector)
/// with its fields as one type.
///
/// # Example
///
/// Code that serves every connector alike holds them as `Arc<dyn Connector>` and
/// looks at [`Connector::spec`] for what differs, here to describe each on an admin
/// page:
///
/// ```
/// use std::sync::Arc;
/// use connectors_core::{Connector, ConnectorSpec, OAuthSpec, StandardOAuth};
///
/// fn describe(connector: &dyn Connector) -> String {
///     match connector.spec() {
///         ConnectorSpec::OAuth(oauth) => format!(
///             "{} (OAuth at {}, scopes: {})",
///             connector.name(),
///             connector.provider(),
///             oauth.oauth().scopes.join(" "),
///         ),
///         ConnectorSpec::Config(config) => {
///             format!("{} (a form: {})", connector.name(), config.field_names().join(", "))
///         }
///     }
/// }
///
/// let registry: Vec<Arc<dyn Connector>> = vec![Arc::new(StandardOAuth::new(
///     "github",
///     "GitHub",
///     OAuthSpec::new(
///         "github",
///         "https://github.com/login/oauth/authorize",
///         "https://github.com/login/oauth/access_token",
///         "https://api.github.com",
///     )
///     .with_scopes(["read:user"]),
/// ))];
/// let lines: Vec<String> = registry.iter().map(|c| describe(c.as_ref())).collect();
/// assert_eq!(lines, ["GitHub (OAuth at github, scopes: read:user)"]);
/// ```
pub trait Connector: Send + Sync + fmt::Debug + 'static {
    /// Stable key, used in URLs and tables (`google_calendar`).
    fn key(&self) -> &str;

    /// Human name (`Google Calendar`).
    fn name(&self) -> &str;

    /// What kind of connector this is, with its hooks: `ConnectorSpec::OAuth(self)` or
    /// `ConnectorSpec::Config(self)`.
    fn spec(&self) -> ConnectorSpec<'_>;

    /// Provider name (`google`): whose client id/secret and endpoints it uses. Declared
    /// once: an OAuth connector's is its [`OAuthSpec::provider`], a config connector's
    /// its key.
    fn provider(&self) -> &str {
        match self.spec() {
            ConnectorSpec::OAuth(oauth) => &oauth.oauth().provider,
            ConnectorSpec::Config(_) => self.key(),
        }
    }
}

/// The two shapes of connector, each with its hooks.
#[derive(Clone, Copy)]
pub enum ConnectorSpec<'a> {
    /// Connected through the provider's OAuth consent.
    OAuth(&'a dyn OAuthConnector),
    /// Connected by filling in the fields of a form.
    Config(&'a dyn AnyConfigConnector),
}

impl ConnectorSpec<'_> {
    /// OAuth or config, as the HTTP API names it.
    pub fn kind(&self) -> ConnectorKind {
        match self {
            Self::OAuth(_) => ConnectorKind::OAuth,
            Self::Config(_) => ConnectorKind::Config,
        }
    }
}

impl fmt::Debug for ConnectorSpec<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OAuth(oauth) => f.debug_tuple("OAuth").field(oauth.oauth()).finish(),
            Self::Config(_) => f.write_str("Config"),
        }
    }
}

/// The hooks of an OAuth connector. A provider that speaks plain OAuth 2.0 is a
/// [`StandardOAuth`](crate::StandardOAuth) value, and one with quirks a `StandardOAuth`
/// with [`OAuthQuirks`](crate::OAuthQuirks); implement this trait only for a flow that
/// is neither.
#[async_trait]
pub trait OAuthConnector: Send + Sync {
    /// The connector's OAuth facts.
    fn oauth(&self) -> &OAuthSpec;

    /// Exchanges an authorization code for tokens.
    ///
    /// # Errors
    ///
    /// The provider's refusal or an unreadable answer, as [`Error`](crate::Error);
    /// [`Error::Callback`](crate::Error::Callback) for a grant the connector refuses
    /// (too few scopes).
    async fn exchange_code(
        &self,
        ctx: &OAuthContext<'_>,
        code: AuthorizationCode,
        pkce_verifier: Option<PkceCodeVerifier>,
    ) -> Result<TokenGrant>;

    /// Trades a refresh token for a new access token (and maybe a new refresh token).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidGrant`](crate::Error::InvalidGrant) when the provider no longer
    /// honours the refresh token; other refusals and transport failures as
    /// [`Error`](crate::Error).
    async fn refresh(
        &self,
        ctx: &OAuthContext<'_>,
        refresh_token: &RefreshToken,
    ) -> Result<TokenGrant>;

    /// Revokes the grant at the provider, with the token [`OAuthSpec::revoke_token`]
    /// names.
    ///
    /// # Errors
    ///
    /// The service classifies failures: [`Error::Unauthorized`](crate::Error::Unauthorized)
    /// means the access token sent has expired (refresh, then try again);
    /// [`Error::is_transient`](crate::Error::is_transient) errors are retried later; any
    /// other error is a refusal.
    async fn revoke(&self, ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked>;
}
