//! [`StandardOAuth`]: a connector for a provider that speaks plain OAuth 2.0, described
//! as data. Adding such a provider is one value, no trait implementation.

use async_trait::async_trait;
use oauth2::{AuthorizationCode, PkceCodeVerifier};
use serde_json::Value;

use crate::connector::{Connector, OAuthContext, OAuthSpec, TokenGrant};
use crate::error::{CallbackError, Error, Result};
use crate::http::api_endpoint;
use crate::oauth_flow;

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
        }
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

#[async_trait]
impl Connector for StandardOAuth {
    fn key(&self) -> &str {
        &self.key
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn oauth(&self) -> Option<&OAuthSpec> {
        Some(&self.spec)
    }

    async fn exchange_code(
        &self,
        ctx: &OAuthContext<'_>,
        code: AuthorizationCode,
        pkce_verifier: Option<PkceCodeVerifier>,
    ) -> Result<TokenGrant> {
        let grant = oauth_flow::exchange_code(ctx, code, pkce_verifier).await?;
        self.check_scope(&grant)?;
        let mut grant = self.describe(grant);
        self.probe_account(ctx, &mut grant).await;
        Ok(grant)
    }

    fn describe(&self, mut grant: TokenGrant) -> TokenGrant {
        grant.credentials.public.retain(|name, value| {
            self.kept_fields.iter().any(|kept| kept == name) && value.is_string()
        });
        grant
    }
}
