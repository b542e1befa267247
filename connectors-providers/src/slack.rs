//! Slack: the `slack` connector (OAuth v2, a user token with user scopes), and what a
//! user does with it ([`list_channels`], [`channel_messages`], [`post_message`]).
//!
//! Slack's token endpoint answers errors with HTTP 200 and `{"ok": false, "error": …}`,
//! nests the user token under `authed_user`, and joins scopes with commas: the `oauth2`
//! crate cannot read that, so the exchange and the refresh are plain reqwest calls here.
//! PKCE stays off: turning it on makes a Slack app a public client for good, whose
//! refresh tokens then die after 30 days.

use std::collections::BTreeMap;

use async_trait::async_trait;
use connectors_core::oauth2::{AccessToken, RefreshToken};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use connectors_core::http::revoke_url_following_api;
use connectors_core::http::{self as wire, Answer};
use connectors_core::Credentials;
use connectors_core::{
    ClientAuth, OAuthContext, OAuthQuirks, OAuthSpec, RevokeToken, Revoked, StandardOAuth,
    TokenGrant, TokenRequest,
};
use connectors_core::{Error, Result};

mod actions;

pub use actions::{channel_messages, list_channels, post_message, Channel, Message, Posted};

/// Slack's default authorization endpoint.
pub const AUTH_URL: &str = "https://slack.com/oauth/v2/authorize";
/// Slack's default token endpoint (`oauth.v2.access`).
pub const TOKEN_URL: &str = "https://slack.com/api/oauth.v2.access";
/// Slack's default revocation endpoint (`auth.revoke`, a Web API method: with a moved
/// API base URL and no revoke URL of its own, revocation follows the API).
pub const REVOKE_URL: &str = "https://slack.com/api/auth.revoke";
/// Slack's default Web API base URL.
pub const API_URL: &str = "https://slack.com/api";
/// The user scopes asked for: read channels, their history and users, post as the user.
pub const USER_SCOPES: [&str; 4] = [
    "channels:read",
    "channels:history",
    "chat:write",
    "users:read",
];

/// The error codes that mean the stored grant is dead and the user must authorize again.
const DEAD_GRANT: [&str; 7] = [
    "invalid_refresh_token",
    "invalid_grant",
    "token_revoked",
    "invalid_auth",
    "account_inactive",
    "token_expired",
    "not_authed",
];

/// The error codes that mean an authorization code is no good.
const BAD_CODE: [&str; 3] = ["invalid_code", "code_already_used", "code_expired"];

/// The `slack` connector: Slack, as the user who installs it (`user_scope`, comma-separated).
pub fn slack() -> StandardOAuth {
    StandardOAuth::new(
        "slack",
        "Slack",
        OAuthSpec::new("slack", AUTH_URL, TOKEN_URL, API_URL)
            .with_revoke_url(REVOKE_URL)
            .with_scopes(USER_SCOPES)
            .with_scope_param("user_scope", ",")
            .with_client_auth(ClientAuth::BasicAuth)
            .with_revoke_token(RevokeToken::Access),
    )
    .with_quirks(Quirks)
}

/// Where Slack's token and revocation endpoints depart from the standard.
#[derive(Debug, Clone, Copy)]
struct Quirks;

#[async_trait]
impl OAuthQuirks for Quirks {
    async fn token(&self, ctx: &OAuthContext<'_>, request: TokenRequest<'_>) -> Result<TokenGrant> {
        let invalid_grant_codes: &[&str] = match request {
            TokenRequest::Code { .. } => &BAD_CODE,
            TokenRequest::Refresh(_) => &DEAD_GRANT,
        };
        let params = request.params(ctx);
        let form: Vec<(&str, &str)> = params
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        grant_from(token_request(ctx, &form, invalid_grant_codes).await?)
    }

    /// `auth.revoke` with the (valid: the service refreshes it first) access token as
    /// Bearer. Slack answers HTTP 200 with `ok:false` for every refusal: `token_expired`
    /// means the token sent has expired ([`Error::Unauthorized`]: refresh and try again);
    /// `invalid_auth`, `token_revoked`, `account_inactive` mean the grant is already
    /// dead; `ratelimited` (429), `fatal_error`, `service_unavailable` and
    /// `internal_error` are transient.
    async fn revoke(&self, ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked> {
        let Some(token) = &credentials.access_token else {
            return Err(Error::Unsupported("revocation without a token".to_owned()));
        };
        let url = revoke_url_following_api(ctx, "auth.revoke")?;
        let answer = wire::send(ctx.http.post(url).bearer_auth(token.secret())).await?;
        if !answer.status.is_success() {
            return Err(answer.unexpected());
        }
        let status: Status = answer.json("auth.revoke")?;
        match status.error.as_deref() {
            None if status.ok => Ok(Revoked::Now),
            Some("token_expired") => Err(Error::Unauthorized),
            Some(code) if ALREADY_REVOKED.contains(&code) => Ok(Revoked::Already),
            Some(code) if TRANSIENT.contains(&code) => Err(Error::Provider {
                status: 503,
                body: code.to_owned(),
            }),
            code => Err(Error::Provider {
                status: answer.status.as_u16(),
                body: code.unwrap_or("ok: false").to_owned(),
            }),
        }
    }
}

/// `auth.revoke` codes meaning the token (and its grant) is already dead.
const ALREADY_REVOKED: [&str; 3] = ["invalid_auth", "token_revoked", "account_inactive"];

/// Codes of Slack's own outages (its answers are HTTP 200 even then).
const TRANSIENT: [&str; 4] = [
    "fatal_error",
    "service_unavailable",
    "internal_error",
    "request_timeout",
];

#[derive(Deserialize)]
struct Status {
    ok: bool,
    error: Option<String>,
}

/// An `oauth.v2.access` answer: the bot token (if any) at the top level, the user token
/// under `authed_user`. A refresh answer carries the refreshed token at the top level.
#[derive(Deserialize)]
struct TokenAnswer {
    ok: bool,
    error: Option<String>,
    access_token: Option<AccessToken>,
    token_type: Option<String>,
    scope: Option<String>,
    refresh_token: Option<RefreshToken>,
    expires_in: Option<i64>,
    bot_user_id: Option<String>,
    app_id: Option<String>,
    team: Option<Named>,
    enterprise: Option<Named>,
    authed_user: Option<AuthedUser>,
}

#[derive(Deserialize)]
struct Named {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct AuthedUser {
    id: Option<String>,
    scope: Option<String>,
    access_token: Option<AccessToken>,
    token_type: Option<String>,
    refresh_token: Option<RefreshToken>,
    expires_in: Option<i64>,
}

/// POSTs a form to the token endpoint with the client's credentials and reads Slack's
/// answer; an `ok: false` whose code is in `invalid_grant_codes` is
/// [`Error::InvalidGrant`].
async fn token_request(
    ctx: &OAuthContext<'_>,
    form: &[(&str, &str)],
    invalid_grant_codes: &[&str],
) -> Result<TokenAnswer> {
    let mut request = ctx.http.post(ctx.endpoints.token_url.clone());
    let mut form: Vec<(&str, &str)> = form.to_vec();
    match ctx.spec.client_auth {
        ClientAuth::BasicAuth => {
            request = request.basic_auth(ctx.client_id.as_str(), Some(ctx.client_secret.secret()));
        }
        ClientAuth::RequestBody => {
            form.push(("client_id", ctx.client_id.as_str()));
            form.push(("client_secret", ctx.client_secret.secret()));
        }
    }
    let answer = wire::send(request.form(&form)).await?;
    read_token_answer(&answer, invalid_grant_codes)
}

fn read_token_answer(answer: &Answer, invalid_grant_codes: &[&str]) -> Result<TokenAnswer> {
    if !answer.status.is_success() {
        return Err(answer.unexpected());
    }
    let token: TokenAnswer = answer.json("oauth.v2.access")?;
    if token.ok {
        return Ok(token);
    }
    let code = token.error.unwrap_or_default();
    if invalid_grant_codes.contains(&code.as_str()) {
        return Err(Error::InvalidGrant {
            description: Some(code),
        });
    }
    Err(Error::Provider {
        status: answer.status.as_u16(),
        body: if code.is_empty() {
            "ok: false".to_owned()
        } else {
            code
        },
    })
}

/// The user token when the answer holds one, else the top-level (bot or refreshed)
/// token; the team and user in `public`.
fn grant_from(answer: TokenAnswer) -> Result<TokenGrant> {
    let TokenAnswer {
        access_token,
        token_type,
        scope,
        refresh_token,
        expires_in,
        bot_user_id,
        app_id,
        team,
        enterprise,
        authed_user,
        ..
    } = answer;
    let (user_id, user_token) = match authed_user {
        Some(user) => {
            let id = user.id.clone();
            let token = user.access_token.is_some().then_some(user);
            (id, token)
        }
        None => (None, None),
    };
    let (access_token, refresh_token, expires_in, scope, token_type) = match user_token {
        Some(user) => (
            user.access_token,
            user.refresh_token,
            user.expires_in,
            user.scope,
            user.token_type.or_else(|| Some("user".to_owned())),
        ),
        None => (access_token, refresh_token, expires_in, scope, token_type),
    };
    let access_token = access_token.ok_or_else(|| {
        Error::InvalidResponse("Slack token answer without access token".to_owned())
    })?;

    let mut public = Map::new();
    let mut keep = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|value| !value.is_empty()) {
            public.insert(name.to_owned(), Value::String(value));
        }
    };
    let (team_id, team_name) = team.map_or((None, None), |team| (team.id, team.name));
    keep("team_id", team_id);
    keep("team_name", team_name);
    keep("user_id", user_id);
    keep("app_id", app_id);
    keep(
        "enterprise_id",
        enterprise.and_then(|enterprise| enterprise.id),
    );
    if token_type.as_deref() == Some("bot") {
        keep("bot_user_id", bot_user_id);
    }
    keep("token_type", token_type);

    Ok(TokenGrant {
        refresh_token_rotated: refresh_token.is_some(),
        credentials: Credentials {
            provider: "slack".to_owned(),
            access_token: Some(access_token),
            refresh_token,
            expires_at: expires_in
                .filter(|seconds| *seconds > 0)
                .map(|seconds| OffsetDateTime::now_utc() + time::Duration::seconds(seconds)),
            scopes: scope
                .map(|scope| {
                    scope
                        .split(',')
                        .map(str::trim)
                        .filter(|scope| !scope.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            public,
            secrets: BTreeMap::new(),
            refresh_token_expires_at: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: Value) -> TokenAnswer {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn a_user_install_keeps_the_user_token_and_names_the_team() {
        let grant = grant_from(parse(serde_json::json!({
            "ok": true, "app_id": "A1", "team": {"id": "T1", "name": "Acme"},
            "authed_user": {"id": "U1", "scope": "channels:read,users:read",
                "access_token": "xoxp-1", "token_type": "user"}
        })))
        .unwrap();
        let credentials = grant.credentials;
        assert_eq!(credentials.access_token.unwrap().secret(), "xoxp-1");
        assert_eq!(credentials.scopes, ["channels:read", "users:read"]);
        assert_eq!(credentials.public["team_name"], "Acme");
        assert_eq!(credentials.public["user_id"], "U1");
        assert!(credentials.expires_at.is_none());
    }

    #[test]
    fn a_bot_only_answer_keeps_the_bot_token() {
        let grant = grant_from(parse(serde_json::json!({
            "ok": true, "access_token": "xoxb-1", "token_type": "bot", "bot_user_id": "B1",
            "scope": "chat:write", "team": {"id": "T1", "name": "Acme"},
            "authed_user": {"id": "U1"}
        })))
        .unwrap();
        assert_eq!(grant.credentials.access_token.unwrap().secret(), "xoxb-1");
        assert_eq!(grant.credentials.public["bot_user_id"], "B1");
    }

    #[test]
    fn ok_false_is_an_error_and_dead_grants_need_reauthorization() {
        let answer = Answer {
            status: reqwest::StatusCode::OK,
            headers: Default::default(),
            body: r#"{"ok":false,"error":"invalid_refresh_token"}"#.into(),
        };
        assert!(matches!(
            read_token_answer(&answer, &DEAD_GRANT),
            Err(Error::InvalidGrant { .. })
        ));
        let answer = Answer {
            body: r#"{"ok":false,"error":"bad_client_secret"}"#.into(),
            ..answer
        };
        assert!(matches!(
            read_token_answer(&answer, &DEAD_GRANT),
            Err(Error::Provider { body, .. }) if body == "bad_client_secret"
        ));
    }
}
