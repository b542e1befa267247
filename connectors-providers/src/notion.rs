//! Notion: the `notion` connector (a public integration installed by a user), and what
//! a user does with it ([`search_pages`], [`create_page`]).
//!
//! Notion's token endpoint takes a JSON body with HTTP Basic client authentication (the
//! `oauth2` crate sends a form), rotates the refresh token on every refresh and gives no
//! `expires_in`: a 401 from the API is the signal to refresh, which
//! [`ConnectorAuthService::with_access_token`](connectors_core::ConnectorAuthService::with_access_token)
//! does. Scopes are not asked for: the user picks pages on Notion's consent screen.

use std::collections::BTreeMap;

use async_trait::async_trait;
use connectors_core::oauth2::{AccessToken, RefreshToken};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;
use url::Url;

use connectors_core::http::{self as wire, Answer};
use connectors_core::http::{api_endpoint, revoke_url_following_api};
use connectors_core::Credentials;
use connectors_core::{
    ClientAuth, OAuthContext, OAuthQuirks, OAuthSpec, RevokeToken, Revoked, StandardOAuth,
    TokenGrant, TokenRequest,
};
use connectors_core::{Error, Result};

mod actions;

pub use actions::{create_page, search_pages, NewPage, Page};

/// Notion's default authorization endpoint.
pub const AUTH_URL: &str = "https://api.notion.com/v1/oauth/authorize";
/// Notion's default token endpoint.
pub const TOKEN_URL: &str = "https://api.notion.com/v1/oauth/token";
/// Notion's default revocation endpoint (with a moved API base URL and no revoke URL of
/// its own, revocation follows the API: `{api}/v1/oauth/revoke`).
pub const REVOKE_URL: &str = "https://api.notion.com/v1/oauth/revoke";
/// Notion's default API base URL.
pub const API_URL: &str = "https://api.notion.com";
/// The API version every request names (`Notion-Version`).
pub const NOTION_VERSION: &str = "2026-03-11";

/// The `notion` connector: Notion, as the user who installs the integration (`owner=user`).
pub fn notion() -> StandardOAuth {
    StandardOAuth::new(
        "notion",
        "Notion",
        OAuthSpec::new("notion", AUTH_URL, TOKEN_URL, API_URL)
            .with_revoke_url(REVOKE_URL)
            // `response_type=code` is sent by every authorization request already.
            .with_auth_param("owner", "user")
            .with_client_auth(ClientAuth::BasicAuth)
            .with_revoke_token(RevokeToken::Access),
    )
    .with_quirks(Quirks)
}

/// Where Notion's token and revocation endpoints depart from the standard.
#[derive(Debug, Clone, Copy)]
struct Quirks;

#[async_trait]
impl OAuthQuirks for Quirks {
    async fn token(&self, ctx: &OAuthContext<'_>, request: TokenRequest<'_>) -> Result<TokenGrant> {
        let body: Map<String, Value> = request
            .params(ctx)
            .into_iter()
            .map(|(name, value)| (name.to_owned(), Value::String(value)))
            .collect();
        token_request(ctx, &Value::Object(body)).await
    }

    /// `POST {api}/v1/oauth/revoke` with Basic client authentication and `{"token"}`
    /// (the access token). 401 `unauthorized` means the token sent is no longer valid
    /// ([`Error::Unauthorized`]: refresh and try again); 400 `invalid_grant` /
    /// `invalid_token` means the grant is already dead.
    async fn revoke(&self, ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked> {
        let Some(token) = &credentials.access_token else {
            return Err(Error::Unsupported("revocation without a token".to_owned()));
        };
        let url = revoke_url_following_api(ctx, "v1/oauth/revoke")?;
        let request = versioned(ctx.http.post(url))
            .basic_auth(ctx.client_id.as_str(), Some(ctx.client_secret.secret()))
            .json(&json!({ "token": token.secret() }));
        let answer = wire::send(request).await?;
        let body = serde_json::from_slice::<ErrorAnswer>(&answer.body).ok();
        // Notion's API error for a token it no longer accepts (client failures are
        // RFC 6749 `invalid_client` and stay refusals).
        if answer.status == reqwest::StatusCode::UNAUTHORIZED
            && body.is_some_and(|body| body.code.as_deref() == Some("unauthorized"))
        {
            return Err(Error::Unauthorized);
        }
        match wire::revocation_answer(&answer) {
            Err(Error::Provider { .. }) => match refusal(&answer) {
                Error::InvalidGrant { .. } => Ok(Revoked::Already),
                other => Err(other),
            },
            other => other,
        }
    }
}

/// A request to Notion's API at `path` (`v1/users/me`, …) with the user's token and the
/// `Notion-Version` header.
///
/// # Errors
///
/// [`Error::InvalidUrl`] when `path` does not join onto the API base URL.
pub fn api_request(
    http: &reqwest::Client,
    api_url: &Url,
    token: &AccessToken,
    method: reqwest::Method,
    path: &str,
) -> Result<reqwest::RequestBuilder> {
    let url = api_endpoint(api_url, path)?;
    Ok(versioned(http.request(method, url)).bearer_auth(token.secret()))
}

fn versioned(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header("Notion-Version", NOTION_VERSION)
}

/// Notion's token answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: AccessToken,
    refresh_token: Option<RefreshToken>,
    expires_in: Option<i64>,
    bot_id: Option<String>,
    workspace_id: Option<String>,
    workspace_name: Option<String>,
    owner: Option<Owner>,
}

#[derive(Deserialize)]
struct Owner {
    user: Option<OwnerUser>,
}

#[derive(Deserialize)]
struct OwnerUser {
    id: Option<String>,
    name: Option<String>,
    person: Option<Person>,
}

#[derive(Deserialize)]
struct Person {
    email: Option<String>,
}

/// Notion's error bodies: RFC 6749 at the OAuth endpoints (`error`,
/// `error_description`), its API shape elsewhere (`code`, `message`).
#[derive(Deserialize)]
struct ErrorAnswer {
    error: Option<String>,
    error_description: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// POSTs a JSON body to the token endpoint with HTTP Basic client authentication.
async fn token_request(ctx: &OAuthContext<'_>, body: &Value) -> Result<TokenGrant> {
    let mut request = versioned(ctx.http.post(ctx.endpoints.token_url.clone()));
    request = match ctx.spec.client_auth {
        ClientAuth::BasicAuth => {
            request.basic_auth(ctx.client_id.as_str(), Some(ctx.client_secret.secret()))
        }
        ClientAuth::RequestBody => request,
    };
    let body = match ctx.spec.client_auth {
        ClientAuth::BasicAuth => body.clone(),
        ClientAuth::RequestBody => {
            let mut body = body.clone();
            body["client_id"] = ctx.client_id.as_str().into();
            body["client_secret"] = ctx.client_secret.secret().as_str().into();
            body
        }
    };
    let answer = wire::send(request.json(&body)).await?;
    if !answer.status.is_success() {
        return Err(refusal(&answer));
    }
    grant_from(answer.json("Notion token")?)
}

/// A non-2xx answer: `invalid_grant` means the grant is dead, the rest keeps its status.
fn refusal(answer: &Answer) -> Error {
    if let Some(outage) = answer.outage() {
        return outage;
    }
    if let Ok(body) = serde_json::from_slice::<ErrorAnswer>(&answer.body) {
        let code = body.error.as_deref().or(body.code.as_deref());
        if code == Some("invalid_grant") {
            return Error::InvalidGrant {
                description: body.error_description.or(body.message),
            };
        }
    }
    answer.unexpected()
}

fn grant_from(answer: TokenAnswer) -> Result<TokenGrant> {
    let mut public = Map::new();
    let mut keep = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            public.insert(name.to_owned(), Value::String(value));
        }
    };
    keep("bot_id", answer.bot_id);
    keep("workspace_id", answer.workspace_id);
    keep("workspace_name", answer.workspace_name);
    if let Some(user) = answer.owner.and_then(|owner| owner.user) {
        keep("user_id", user.id);
        keep("name", user.name);
        keep("email", user.person.and_then(|person| person.email));
    }
    Ok(TokenGrant {
        refresh_token_rotated: answer.refresh_token.is_some(),
        credentials: Credentials {
            provider: "notion".to_owned(),
            access_token: Some(answer.access_token),
            refresh_token: answer.refresh_token,
            expires_at: answer
                .expires_in
                .filter(|seconds| *seconds > 0)
                .map(|seconds| OffsetDateTime::now_utc() + time::Duration::seconds(seconds)),
            scopes: Vec::new(),
            public,
            secrets: BTreeMap::new(),
            refresh_token_expires_at: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_answer_names_the_workspace_and_its_owner() {
        let answer: TokenAnswer = serde_json::from_value(json!({
            "access_token": "ntn_1", "token_type": "bearer", "refresh_token": "nrt_1",
            "bot_id": "b1", "workspace_id": "w1", "workspace_name": "Acme HQ",
            "workspace_icon": null,
            "owner": {"type": "user", "user": {"object": "user", "id": "u1", "name": "Ada",
                "type": "person", "person": {"email": "ada@example.com"}}},
            "duplicated_template_id": null, "request_id": "r1"
        }))
        .unwrap();
        let grant = grant_from(answer).unwrap();
        let public = &grant.credentials.public;
        assert_eq!(public["bot_id"], "b1");
        assert_eq!(public["workspace_name"], "Acme HQ");
        assert_eq!(public["email"], "ada@example.com");
        assert!(grant.refresh_token_rotated);
        assert!(grant.credentials.expires_at.is_none());
    }
}
