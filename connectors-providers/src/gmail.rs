//! Gmail, read-only: the `gmail` connector, on Google's OAuth client.

use async_trait::async_trait;
use connectors_core::oauth2::{AccessToken, AuthorizationCode, PkceCodeVerifier};
use serde::Deserialize;
use url::Url;

use super::google::{google_spec, require_scope};
use connectors_core::oauth_flow;
use connectors_core::Result;
use connectors_core::{Connector, OAuthContext, OAuthSpec, TokenGrant};

/// The read-only Gmail scope (a restricted scope: Google must verify an app that asks
/// for it before it leaves "Testing").
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

/// Gmail, read-only. Shares the `google` provider (client id, secret and endpoints) with
/// Google Calendar; the API is `{GOOGLE_API_URL}/gmail/v1/...`.
#[derive(Debug, Clone)]
pub struct Gmail {
    spec: OAuthSpec,
}

impl Gmail {
    /// The connector with its default spec.
    pub fn new() -> Self {
        Self {
            spec: google_spec(GMAIL_READONLY),
        }
    }
}

impl Default for Gmail {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Connector for Gmail {
    fn key(&self) -> &str {
        "gmail"
    }

    fn name(&self) -> &str {
        "Gmail"
    }

    fn provider(&self) -> &str {
        "google"
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
        require_scope(&grant, GMAIL_READONLY)?;
        let mut grant = self.describe(grant);
        if let Some(token) = &grant.credentials.access_token {
            if let Some(email) = profile_email(ctx.http, &ctx.endpoints.api_url, token).await {
                grant
                    .credentials
                    .public
                    .insert("email".to_owned(), email.into());
            }
        }
        Ok(grant)
    }
}

/// The mailbox's address, from `GET {api}/gmail/v1/users/me/profile`. Best effort: a
/// failure leaves the account unnamed, it does not fail the connection.
async fn profile_email(
    http: &reqwest::Client,
    api_url: &Url,
    token: &AccessToken,
) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Profile {
        email_address: String,
    }
    let base = api_url.as_str().trim_end_matches('/');
    let response = http
        .get(format!("{base}/gmail/v1/users/me/profile"))
        .bearer_auth(token.secret())
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    response
        .json::<Profile>()
        .await
        .ok()
        .map(|profile| profile.email_address)
}
