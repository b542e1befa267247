//! HTTP plumbing for connector implementations that talk to their provider without the
//! `oauth2` crate: sending, reading the answer, mapping what every provider does alike
//! (rate limits, outages) to this crate's errors, and joining endpoint URLs. The
//! built-in providers (`connectors-providers`) and custom connectors use the same
//! pieces.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::error::{Error, Result};
use url::Url;

use crate::connector::{OAuthContext, Revoked};

/// An answer read whole.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Answer {
    /// The body as text, cut to a loggable length. Only for answers that carry no secret
    /// (error answers).
    pub fn text(&self) -> String {
        truncate(String::from_utf8_lossy(&self.body).into_owned())
    }

    /// The answer decoded as JSON; a body that does not decode names only where it broke,
    /// since a token answer may hold secrets.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] naming `what` and the position where decoding failed.
    pub fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|error| {
            Error::InvalidResponse(format!(
                "{what} answer did not parse (line {}, column {})",
                error.line(),
                error.column()
            ))
        })
    }

    /// The error every provider means alike: 429 is a rate limit, 5xx an outage.
    pub fn outage(&self) -> Option<Error> {
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            return Some(Error::RateLimited {
                retry_after: retry_after(&self.headers),
            });
        }
        self.status.is_server_error().then(|| Error::Provider {
            status: self.status.as_u16(),
            body: self.text(),
        })
    }

    /// Any non-2xx answer as [`Error::Provider`] (after [`Self::outage`] had its say).
    pub fn unexpected(&self) -> Error {
        self.outage().unwrap_or_else(|| Error::Provider {
            status: self.status.as_u16(),
            body: self.text(),
        })
    }
}

/// Sends an API request made with a user's access token and decodes its JSON answer.
/// A 401 is [`Error::Unauthorized`], so that
/// [`ConnectorAuthService::with_access_token`](crate::ConnectorAuthService::with_access_token)
/// refreshes the token and calls again; any other non-2xx answer is [`Error::Provider`]
/// with the status and the truncated body.
///
/// # Errors
///
/// As above; the transport errors of [`send`]; [`Error::InvalidResponse`] naming `what`
/// for a body that does not decode.
pub async fn api_json<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<T> {
    let answer = send(request).await?;
    if answer.status == StatusCode::UNAUTHORIZED {
        return Err(Error::Unauthorized);
    }
    if !answer.status.is_success() {
        return Err(Error::Provider {
            status: answer.status.as_u16(),
            body: answer.text(),
        });
    }
    answer.json(what)
}

/// Sends a request and reads the whole answer.
///
/// # Errors
///
/// [`Error::Timeout`] when the client's timeout passed, [`Error::Http`] when the request
/// failed before an answer.
pub async fn send(request: reqwest::RequestBuilder) -> Result<Answer> {
    let response = request.send().await.map_err(Error::from_reqwest)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::from_reqwest)?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// `Retry-After` in seconds (the HTTP-date form is rare from APIs and ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

/// The revocation endpoint of a provider whose revocation is a method of its API (Slack's
/// `auth.revoke`, Notion's `/v1/oauth/revoke`): the deployment's own revoke URL when it
/// set one; else, when the deployment moved the API base URL, `{api}/{path}`; else the
/// spec's default.
/// # Errors
///
/// [`Error::InvalidUrl`] when a URL does not parse.
pub fn revoke_url_following_api(ctx: &OAuthContext<'_>, path: &str) -> Result<Url> {
    let parse = |value: &str| {
        Url::parse(value).map_err(|source| Error::InvalidUrl {
            what: "revoke url",
            source,
        })
    };
    let default_revoke = ctx.spec.revoke_url.as_deref().map(parse).transpose()?;
    if let Some(url) = &ctx.endpoints.revoke_url {
        if Some(url) != default_revoke.as_ref() {
            return Ok(url.clone());
        }
    }
    if ctx.endpoints.api_url != parse(&ctx.spec.api_url)? {
        return api_endpoint(&ctx.endpoints.api_url, path);
    }
    match default_revoke {
        Some(url) => Ok(url),
        None => api_endpoint(&ctx.endpoints.api_url, path),
    }
}

/// `{base}/{path}`, whatever slashes either side carries.
/// # Errors
///
/// [`Error::InvalidUrl`] when the result is not a URL.
pub fn api_endpoint(base: &Url, path: &str) -> Result<Url> {
    let base = base.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{}", path.trim_start_matches('/'))).map_err(|source| {
        Error::InvalidUrl {
            what: "api url",
            source,
        }
    })
}

/// A provider's body cut to a loggable length (512 bytes, on a character boundary).
pub fn truncate(mut body: String) -> String {
    const LIMIT: usize = 512;
    if body.len() > LIMIT {
        let mut cut = LIMIT;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        body.push('…');
    }
    body
}

/// Reads an RFC 7009 revocation answer: 2xx revoked; 400 `invalid_token` (a token the
/// server no longer knows) already dead; 429 and 5xx outages; anything else refused.
///
/// # Errors
///
/// The outage errors of [`Answer::outage`], else [`Error::Provider`].
pub fn revocation_answer(answer: &Answer) -> Result<Revoked> {
    if answer.status.is_success() {
        return Ok(Revoked::Now);
    }
    if let Some(outage) = answer.outage() {
        return Err(outage);
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: Option<String>,
    }
    let code = serde_json::from_slice::<ErrorBody>(&answer.body)
        .ok()
        .and_then(|body| body.error);
    if answer.status.as_u16() == 400
        && matches!(code.as_deref(), Some("invalid_token" | "invalid_grant"))
    {
        return Ok(Revoked::Already);
    }
    Err(answer.unexpected())
}
