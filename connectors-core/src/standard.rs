//! [`StandardOAuth`]: a connector for a provider that speaks plain OAuth 2.0, described
//! as data. Adding such a provider is one value, no trait implementation.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use oauth2::{AuthorizationCode, PkceCodeVerifier, RefreshToken};
use serde_json::Value;

use crate::connector::Revoked;
use crate::connector::{
    Connector, ConnectorSpec, OAuthConnector, OAuthContext, OAuthSpec, TokenGrant,
};
use crate::error::{CallbackError, Error, Result};
use crate::http::api_endpoint;
use crate::oauth_flow;
use crate::store::Credentials;

/// A standard OAuth connector: its key, name and [`OAuthSpec`], the scope a grant must
/// include, the token answer's fields worth keeping, and an account probe that names
/// the account after connecting. Everything else (exchange, refresh, RFC 7009
/// revocation) is the [`Connector`] trait's default.
///
/// ```
/// use connectors_core::{AccountProbe, ClientAuth, OAuthSpec, StandardOAuth};
///
/// let github = StandardOAuth::new(
///     "github",
///     "GitHub",
///     OAuthSpec::new(
///         "github",
///         "https://github.com/login/oauth/authorize",
///         "https://github.com/login/oauth/access_token",
///         "https://api.github.com",
///     )
///     .with_scopes(["read:user"])
///     .with_pkce(true)
///     .with_client_auth(ClientAuth::RequestBody),
/// )
/// .with_account_probe(AccountProbe::get("user").field("login", "/login"));
/// # let _ = github;
/// ```
#[derive(Debug, Clone)]
pub struct StandardOAuth {
    key: String,
    name: String,
    spec: OAuthSpec,
    required_scope: Option<String>,
    kept_fields: Vec<String>,
    probe: Option<AccountProbe>,
    quirks: Option<Arc<dyn OAuthQuirks>>,
}

/// The wire of a provider whose token or revocation endpoint departs from RFC 6749 /
/// 7009 (Slack's `ok: false` answers and `authed_user` token, Notion's JSON token
/// body): the calls it does its own way. Every method defaults to the standard call;
/// a grant a quirk returns is kept as it is (it names its own public account facts).
#[async_trait]
pub trait OAuthQuirks: Send + Sync + fmt::Debug + 'static {
    /// Calls the token endpoint: an authorization code's exchange or a refresh.
    ///
    /// # Errors
    ///
    /// As [`OAuthConnector::exchange_code`] and [`OAuthConnector::refresh`].
    async fn token(&self, ctx: &OAuthContext<'_>, request: TokenRequest<'_>) -> Result<TokenGrant> {
        request.send_standard(ctx).await
    }

    /// Revokes the grant.
    ///
    /// # Errors
    ///
    /// As [`OAuthConnector::revoke`].
    async fn revoke(&self, ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked> {
        oauth_flow::revoke(ctx, credentials).await
    }
}

/// A call to the token endpoint (RFC 6749 §4.1.3 and §6).
#[derive(Debug)]
pub enum TokenRequest<'a> {
    /// Exchanges an authorization code, with its PKCE verifier when one was sent.
    Code {
        /// The code the callback brought.
        code: AuthorizationCode,
        /// The PKCE verifier of the authorization.
        pkce_verifier: Option<PkceCodeVerifier>,
    },
    /// Trades a refresh token for new tokens.
    Refresh(&'a RefreshToken),
}

impl TokenRequest<'_> {
    /// The request's RFC 6749 parameters (`grant_type`, then `code`, `redirect_uri` and
    /// `code_verifier`, or `refresh_token`), for a provider that wants them in another
    /// encoding than the standard form. They hold secrets: send them, never log them.
    pub fn params(&self, ctx: &OAuthContext<'_>) -> Vec<(&'static str, String)> {
        match self {
            Self::Code {
                code,
                pkce_verifier,
            } => {
                let mut params = vec![
                    ("grant_type", "authorization_code".to_owned()),
                    ("code", code.secret().clone()),
                    ("redirect_uri", ctx.redirect_uri.as_str().to_owned()),
                ];
                if let Some(verifier) = pkce_verifier {
                    params.push(("code_verifier", verifier.secret().clone()));
                }
                params
            }
            Self::Refresh(refresh_token) => vec![
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", refresh_token.secret().clone()),
            ],
        }
    }

    async fn send_standard(self, ctx: &OAuthContext<'_>) -> Result<TokenGrant> {
        match self {
            Self::Code {
                code,
                pkce_verifier,
            } => oauth_flow::exchange_code(ctx, code, pkce_verifier).await,
            Self::Refresh(refresh_token) => oauth_flow::refresh(ctx, refresh_token).await,
        }
    }
}

/// How to name the account once connected: `GET {api}/{path}` with the new token, and
/// the string values at these JSON pointers kept as public account facts (`email`,
/// `name`, …). Best effort: a failing probe leaves the account unnamed, it does not fail
/// the connection.
#[derive(Debug, Clone)]
pub struct AccountProbe {
    path: String,
    fields: Vec<(String, String)>,
}

impl AccountProbe {
    /// A probe of `GET {api}/{path}`.
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            fields: Vec::new(),
        }
    }

    /// Keeps the string at `pointer` (RFC 6901, `/resource/email`) as `name`.
    pub fn field(mut self, name: impl Into<String>, pointer: impl Into<String>) -> Self {
        self.fields.push((name.into(), pointer.into()));
        self
    }
}

impl StandardOAuth {
    /// A connector with this key (`google_calendar`), name (`Google Calendar`) and spec.
    pub fn new(key: impl Into<String>, name: impl Into<String>, spec: OAuthSpec) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
            spec,
            required_scope: None,
            kept_fields: Vec::new(),
            probe: None,
            quirks: None,
        }
    }

    /// Talks to the provider through `quirks` where it departs from the standard.
    pub fn with_quirks(mut self, quirks: impl OAuthQuirks) -> Self {
        self.quirks = Some(Arc::new(quirks));
        self
    }

    /// Refuses a grant whose answer lists scopes without `scope` (users can untick
    /// scopes on some consent screens): [`CallbackError::ScopeDenied`].
    pub fn with_required_scope(mut self, scope: impl Into<String>) -> Self {
        self.required_scope = Some(scope.into());
        self
    }

    /// Keeps these string fields of the token answer as public account facts (e.g.
    /// Calendly's `owner` and `organization` URIs); the rest is dropped.
    pub fn keeping<I, S>(mut self, fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.kept_fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Names the account after connecting with `probe`.
    pub fn with_account_probe(mut self, probe: AccountProbe) -> Self {
        self.probe = Some(probe);
        self
    }

    fn check_scope(&self, grant: &TokenGrant) -> Result<()> {
        let Some(required) = &self.required_scope else {
            return Ok(());
        };
        let scopes = &grant.credentials.scopes;
        if scopes.is_empty() || scopes.iter().any(|granted| granted == required) {
            Ok(())
        } else {
            Err(Error::Callback(CallbackError::ScopeDenied))
        }
    }

    async fn probe_account(&self, ctx: &OAuthContext<'_>, grant: &mut TokenGrant) {
        let (Some(probe), Some(token)) = (&self.probe, &grant.credentials.access_token) else {
            return;
        };
        let Ok(url) = api_endpoint(&ctx.endpoints.api_url, &probe.path) else {
            return;
        };
        let Ok(response) = ctx.http.get(url).bearer_auth(token.secret()).send().await else {
            return;
        };
        if !response.status().is_success() {
            return;
        }
        let Ok(body) = response.json::<Value>().await else {
            return;
        };
        for (name, pointer) in &probe.fields {
            if let Some(Value::String(value)) = body.pointer(pointer) {
                grant
                    .credentials
                    .public
                    .insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
}

impl Connector for StandardOAuth {
    fn key(&self) -> &str {
        &self.key
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn spec(&self) -> ConnectorSpec<'_> {
        ConnectorSpec::OAuth(self)
    }
}

#[async_trait]
impl OAuthConnector for StandardOAuth {
    fn oauth(&self) -> &OAuthSpec {
        &self.spec
    }

    async fn exchange_code(
        &self,
        ctx: &OAuthContext<'_>,
        code: AuthorizationCode,
        pkce_verifier: Option<PkceCodeVerifier>,
    ) -> Result<TokenGrant> {
        let request = TokenRequest::Code {
            code,
            pkce_verifier,
        };
        let mut grant = self.token(ctx, request).await?;
        self.check_scope(&grant)?;
        self.probe_account(ctx, &mut grant).await;
        Ok(grant)
    }

    async fn refresh(
        &self,
        ctx: &OAuthContext<'_>,
        refresh_token: &RefreshToken,
    ) -> Result<TokenGrant> {
        self.token(ctx, TokenRequest::Refresh(refresh_token)).await
    }

    async fn revoke(&self, ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked> {
        match &self.quirks {
            Some(quirks) => quirks.revoke(ctx, credentials).await,
            None => oauth_flow::revoke(ctx, credentials).await,
        }
    }
}

impl StandardOAuth {
    /// The token call, through the quirks when there are some; a standard answer keeps
    /// only the fields named by [`StandardOAuth::keeping`].
    async fn token(&self, ctx: &OAuthContext<'_>, request: TokenRequest<'_>) -> Result<TokenGrant> {
        match &self.quirks {
            Some(quirks) => quirks.token(ctx, request).await,
            None => Ok(self.describe(request.send_standard(ctx).await?)),
        }
    }

    fn describe(&self, mut grant: TokenGrant) -> TokenGrant {
        grant.credentials.public.retain(|name, value| {
            self.kept_fields.iter().any(|kept| kept == name) && value.is_string()
        });
        grant
    }
}
