//! Calendly: the `calendly` connector (PKCE S256, HTTP Basic client authentication,
//! single-use refresh tokens).
//!
//! Calendly revokes a refresh token the moment it is used: the service stores the new
//! one atomically and refreshes once however many callers ask (see
//! [`ConnectorAuthService`](connectors_core::ConnectorAuthService)). A reused refresh token gets
//! 400 `invalid_grant`, which turns the connector to `needs_reauth`.

use async_trait::async_trait;
use connectors_core::oauth2::{AccessToken, AuthorizationCode, PkceCodeVerifier};
use serde::Deserialize;
use url::Url;

use connectors_core::http as wire;
use connectors_core::http::api_endpoint;
use connectors_core::oauth_flow;
use connectors_core::Credentials;
use connectors_core::{ClientAuth, Connector, OAuthContext, OAuthSpec, Revoked, TokenGrant};
use connectors_core::{Error, Result};

/// Calendly's default authorization endpoint.
pub const AUTH_URL: &str = "https://auth.calendly.com/oauth/authorize";
/// Calendly's default token endpoint.
pub const TOKEN_URL: &str = "https://auth.calendly.com/oauth/token";
/// Calendly's default revocation endpoint.
pub const REVOKE_URL: &str = "https://auth.calendly.com/oauth/revoke";
/// Calendly's default API base URL.
pub const API_URL: &str = "https://api.calendly.com";
/// The scopes asked for: who the user is, and their scheduled events (read-only).
pub const SCOPES: [&str; 2] = ["users:read", "scheduled_events:read"];

/// The token answer's fields worth keeping: list endpoints need these URIs.
const KEPT_FIELDS: [&str; 2] = ["owner", "organization"];

/// Calendly, read-only.
#[derive(Debug, Clone)]
pub struct Calendly {
    spec: OAuthSpec,
}

impl Calendly {
    /// The connector with its default spec.
    pub fn new() -> Self {
        Self {
            spec: OAuthSpec::new("calendly", AUTH_URL, TOKEN_URL, API_URL)
                .with_revoke_url(REVOKE_URL)
                .with_scopes(SCOPES)
                .with_pkce(true)
                .with_client_auth(ClientAuth::BasicAuth),
        }
    }
}

impl Default for Calendly {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Connector for Calendly {
    fn key(&self) -> &str {
        "calendly"
    }

    fn name(&self) -> &str {
        "Calendly"
    }

    fn provider(&self) -> &str {
        "calendly"
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
        let mut grant = self.describe(grant);
        if let Some(token) = &grant.credentials.access_token {
            if let Some(me) = current_user(ctx.http, &ctx.endpoints.api_url, token).await {
                let public = &mut grant.credentials.public;
                for (name, value) in [("name", me.name), ("email", me.email)] {
                    if let Some(value) = value {
                        public.insert(name.to_owned(), value.into());
                    }
                }
            }
        }
        Ok(grant)
    }

    fn describe(&self, mut grant: TokenGrant) -> TokenGrant {
        grant
            .credentials
            .public
            .retain(|name, value| KEPT_FIELDS.contains(&name.as_str()) && value.is_string());
        grant
    }

    /// `POST /oauth/revoke` with `client_id`, `client_secret` and `token` in a form: the
    /// refresh token when there is one (it and its access token form one grant), else the
    /// access token. Answers read as RFC 7009's (see [`oauth_flow::revoke`]).
    async fn revoke(&self, ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked> {
        let Some(url) = &ctx.endpoints.revoke_url else {
            return Err(Error::Unsupported("revocation".to_owned()));
        };
        let token = match (&credentials.refresh_token, &credentials.access_token) {
            (Some(refresh), _) => refresh.secret(),
            (None, Some(access)) => access.secret(),
            (None, None) => {
                return Err(Error::Unsupported("revocation without a token".to_owned()))
            }
        };
        let form = [
            ("client_id", ctx.client_id.as_str()),
            ("client_secret", ctx.client_secret.secret().as_str()),
            ("token", token.as_str()),
        ];
        let answer = wire::send(ctx.http.post(url.clone()).form(&form)).await?;
        oauth_flow::revocation_answer(&answer)
    }
}

/// The user as `GET {api}/users/me` names them.
#[derive(Debug, Deserialize)]
struct CurrentUser {
    name: Option<String>,
    email: Option<String>,
}

/// Asks Calendly who the user is. Best effort: a failure leaves the account unnamed, it
/// does not fail the connection.
async fn current_user(
    http: &reqwest::Client,
    api_url: &Url,
    token: &AccessToken,
) -> Option<CurrentUser> {
    #[derive(Deserialize)]
    struct Envelope {
        resource: CurrentUser,
    }
    let url = api_endpoint(api_url, "users/me").ok()?;
    let response = http
        .get(url)
        .bearer_auth(token.secret())
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response
        .json::<Envelope>()
        .await
        .ok()
        .map(|envelope| envelope.resource)
}
