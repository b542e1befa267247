//! The standard RFC 6749 / 7009 protocol, through the `oauth2` crate: what the default
//! calls of [`StandardOAuth`](crate::StandardOAuth) and the defaults of
//! [`OAuthQuirks`](crate::OAuthQuirks) are.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, AuthType, AuthUrl, AuthorizationCode, CsrfToken, ExtraTokenFields,
    HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RefreshToken,
    RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::Url;

use crate::connector::{ClientAuth, OAuthContext, Revoked, TokenGrant};
use crate::error::{Error, Result};
use crate::store::Credentials;

/// The fields of a token answer beyond the standard ones, kept whole so connectors can
/// pick account facts from them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AnyFields {
    /// Every field of the answer beyond the standard ones.
    #[serde(flatten)]
    pub(crate) fields: serde_json::Map<String, serde_json::Value>,
}

impl ExtraTokenFields for AnyFields {}

type TokenAnswer = StandardTokenResponse<AnyFields, BasicTokenType>;

type ProtocolClient<HasAuthUrl, HasTokenUrl> = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuthUrl,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    HasTokenUrl,
>;

fn client(
    ctx: &OAuthContext<'_>,
) -> Result<ProtocolClient<oauth2::EndpointSet, oauth2::EndpointSet>> {
    let auth_type = match ctx.spec.client_auth {
        ClientAuth::BasicAuth => AuthType::BasicAuth,
        ClientAuth::RequestBody => AuthType::RequestBody,
    };
    Ok(oauth2::Client::new(ctx.client_id.clone())
        .set_client_secret(ctx.client_secret.clone())
        .set_auth_uri(AuthUrl::from_url(ctx.endpoints.auth_url.clone()))
        .set_token_uri(TokenUrl::from_url(ctx.endpoints.token_url.clone()))
        .set_redirect_uri(ctx.redirect_uri.clone())
        .set_auth_type(auth_type))
}

/// An authorization URL with its secrets, before they are stored.
#[derive(Debug)]
pub(crate) struct AuthorizationStart {
    /// Where to send the browser.
    pub(crate) url: Url,
    /// The `state` in the URL.
    pub(crate) state: CsrfToken,
    /// The PKCE verifier, when PKCE is on.
    pub(crate) pkce_verifier: Option<PkceCodeVerifier>,
}

/// Builds the authorization URL: minimal scopes, `state`, PKCE S256 when supported and the
/// connector's extra parameters.
///
/// # Errors
///
/// [`Error::InvalidUrl`] when an endpoint or the redirect URI does not parse.
pub(crate) fn authorization_url(
    ctx: &OAuthContext<'_>,
    state: CsrfToken,
) -> Result<AuthorizationStart> {
    let client = client(ctx)?;
    let mut request = client.authorize_url(|| state);
    if !ctx.spec.scopes.is_empty() {
        request = request.add_extra_param(
            ctx.spec.scope_param.clone(),
            ctx.spec.scopes.join(&ctx.spec.scope_separator),
        );
    }
    for (name, value) in &ctx.spec.extra_auth_params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    let mut pkce_verifier = None;
    if ctx.spec.pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        pkce_verifier = Some(verifier);
    }
    let (url, state) = request.url();
    Ok(AuthorizationStart {
        url,
        state,
        pkce_verifier,
    })
}

/// Exchanges a code at the token endpoint.
///
/// # Errors
///
/// [`Error::Provider`] with the token endpoint's status and body when it refuses,
/// [`Error::InvalidResponse`] for an unreadable answer, [`Error::Timeout`] /
/// [`Error::Http`] when the endpoint cannot be reached.
pub(crate) async fn exchange_code(
    ctx: &OAuthContext<'_>,
    code: AuthorizationCode,
    pkce_verifier: Option<PkceCodeVerifier>,
) -> Result<TokenGrant> {
    let client = client(ctx)?;
    let mut request = client.exchange_code(code);
    if let Some(verifier) = pkce_verifier {
        request = request.set_pkce_verifier(verifier);
    }
    let http = Transport(ctx.http.clone());
    let answer = request
        .request_async(&http)
        .await
        .map_err(map_token_error)?;
    Ok(grant_from(&ctx.spec.provider, &answer))
}

/// Trades a refresh token at the token endpoint.
///
/// # Errors
///
/// [`Error::InvalidGrant`] when the provider no longer honours the refresh token; the
/// other failures of [`exchange_code`].
pub(crate) async fn refresh(
    ctx: &OAuthContext<'_>,
    refresh_token: &RefreshToken,
) -> Result<TokenGrant> {
    let client = client(ctx)?;
    let http = Transport(ctx.http.clone());
    let answer = client
        .exchange_refresh_token(refresh_token)
        .request_async(&http)
        .await
        .map_err(map_token_error)?;
    Ok(grant_from(&ctx.spec.provider, &answer))
}

/// Revokes at the provider's revocation endpoint (RFC 7009 form `token=…`), the refresh
/// token when there is one (it kills the whole grant at Google), else the access token.
///
/// # Errors
///
/// [`Error::Unsupported`] without a revocation endpoint or a token; 429 and 5xx answers
/// as [`Error::RateLimited`] / [`Error::Provider`] (transient); any other refusal as
/// [`Error::Provider`]. A 400 `invalid_token` is [`Revoked::Already`].
pub(crate) async fn revoke(ctx: &OAuthContext<'_>, credentials: &Credentials) -> Result<Revoked> {
    let Some(revoke_url) = &ctx.endpoints.revoke_url else {
        return Err(Error::Unsupported("revocation".to_owned()));
    };
    let token = match (&credentials.refresh_token, &credentials.access_token) {
        (Some(refresh), _) => refresh.secret(),
        (None, Some(access)) => access.secret(),
        (None, None) => return Err(Error::Unsupported("revocation without a token".to_owned())),
    };
    let mut form = vec![("token", token.as_str())];
    if ctx.spec.revoke_with_client_credentials {
        form.push(("client_id", ctx.client_id.as_str()));
        form.push(("client_secret", ctx.client_secret.secret().as_str()));
    }
    let answer = crate::http::send(ctx.http.post(revoke_url.clone()).form(&form)).await?;
    crate::http::revocation_answer(&answer)
}

fn grant_from(provider: &str, answer: &TokenAnswer) -> TokenGrant {
    let refresh_token = answer.refresh_token().cloned();
    let expires_at = answer
        .expires_in()
        .and_then(|life| time::Duration::try_from(life).ok())
        .map(|life| OffsetDateTime::now_utc() + life);
    let scopes = answer
        .scopes()
        .map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect())
        .unwrap_or_default();
    // Google sends it for apps in "Testing" status and time-limited grants.
    let refresh_token_expires_at = answer
        .extra_fields()
        .fields
        .get("refresh_token_expires_in")
        .and_then(serde_json::Value::as_i64)
        .filter(|seconds| *seconds > 0)
        .map(|seconds| OffsetDateTime::now_utc() + time::Duration::seconds(seconds));
    let mut public = answer.extra_fields().fields.clone();
    // Never keep an identity token or any other token-looking field as public data.
    public.retain(|name, _| !name.contains("token"));
    TokenGrant {
        refresh_token_rotated: refresh_token.is_some(),
        credentials: Credentials {
            provider: provider.to_owned(),
            access_token: Some(answer.access_token().clone()),
            refresh_token,
            expires_at,
            scopes,
            public,
            secrets: BTreeMap::new(),
            refresh_token_expires_at,
        },
    }
}

/// A transport failure or a non-OAuth answer of the token endpoint (5xx, HTML, …).
#[derive(Debug, thiserror::Error)]
enum TransportError {
    #[error("token endpoint answered {status}")]
    Status { status: u16, body: String },
    #[error("token request failed")]
    Reqwest(#[source] reqwest::Error),
}

/// The `oauth2` HTTP client: reqwest, keeping the status of answers that are not OAuth.
struct Transport(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Transport {
    type Error = TransportError;
    type Future =
        Pin<Box<dyn Future<Output = Result<HttpResponse, TransportError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(TransportError::Reqwest)?;
            let response = self
                .0
                .execute(request)
                .await
                .map_err(TransportError::Reqwest)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.bytes().await.map_err(TransportError::Reqwest)?;
            // OAuth errors are 400/401 with a JSON body; anything else is the provider
            // failing, not refusing, and keeps its status.
            if status.is_server_error() || status.as_u16() == 429 {
                return Err(TransportError::Status {
                    status: status.as_u16(),
                    body: crate::http::truncate(String::from_utf8_lossy(&body).into_owned()),
                });
            }
            let mut answer = HttpResponse::new(body.to_vec());
            *answer.status_mut() = status;
            *answer.headers_mut() = headers;
            Ok(answer)
        })
    }
}

fn map_token_error(error: RequestTokenError<TransportError, BasicErrorResponse>) -> Error {
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidGrant => Error::InvalidGrant {
                description: response.error_description().cloned(),
            },
            other => Error::Provider {
                status: 400,
                body: format!(
                    "{}{}",
                    other.as_ref(),
                    response
                        .error_description()
                        .map(|text| format!(": {text}"))
                        .unwrap_or_default()
                ),
            },
        },
        RequestTokenError::Request(TransportError::Status { status, body }) => {
            Error::Provider { status, body }
        }
        RequestTokenError::Request(TransportError::Reqwest(source)) => Error::from_reqwest(source),
        // The body of an answer that did not parse may hold tokens: keep only where it broke.
        RequestTokenError::Parse(error, _) => {
            Error::InvalidResponse(format!("token answer did not parse at `{}`", error.path()))
        }
        RequestTokenError::Other(text) => Error::InvalidResponse(text),
    }
}
