//! HTTP plumbing shared by the connectors that talk to their provider without the
//! `oauth2` crate: sending, reading the answer, mapping what every provider does alike
//! (rate limits, outages) to this crate's errors.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use crate::error::{Error, Result};
use crate::oauth_flow::truncate;

/// An answer read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The body as text, cut to a loggable length. Only for answers that carry no secret
    /// (error answers).
    pub(crate) fn text(&self) -> String {
        truncate(String::from_utf8_lossy(&self.body).into_owned())
    }

    /// The answer decoded as JSON; a body that does not decode names only where it broke,
    /// since a token answer may hold secrets.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self, what: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|error| {
            Error::InvalidResponse(format!(
                "{what} answer did not parse (line {}, column {})",
                error.line(),
                error.column()
            ))
        })
    }

    /// The error every provider means alike: 429 is a rate limit, 5xx an outage.
    pub(crate) fn outage(&self) -> Option<Error> {
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
    pub(crate) fn unexpected(&self) -> Error {
        self.outage().unwrap_or_else(|| Error::Provider {
            status: self.status.as_u16(),
            body: self.text(),
        })
    }
}

/// Sends a request and reads the whole answer.
pub(crate) async fn send(request: reqwest::RequestBuilder) -> Result<Answer> {
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
