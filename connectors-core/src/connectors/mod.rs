//! The built-in connectors, one module per provider, and the helpers they share.
//!
//! OAuth: [`google`] (`google_calendar`), [`gmail`], [`slack`], [`notion`], [`calendly`].
//! Config: [`smtp`], [`twilio`], [`minio`], [`hostinger`]. [`net`] holds the checks on
//! user-supplied hosts (syntax and the SSRF guard) that custom connectors can reuse.

pub mod calendly;
mod fields;
pub mod gmail;
pub mod google;
pub mod hostinger;
pub mod minio;
pub mod net;
pub mod notion;
pub mod slack;
pub mod smtp;
pub mod twilio;
pub(crate) mod wire;

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::connector::OAuthContext;
use crate::error::{Error, Result};
use crate::Connector;

/// How long a config connector's verification may take when it opens its own connection
/// (SMTP, S3): connect, TLS, authentication and one command.
pub const VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Every built-in connector, in the order the dashboard shows them.
pub fn builtin() -> Vec<Arc<dyn Connector>> {
    vec![
        Arc::new(google::GoogleCalendar::new()),
        Arc::new(gmail::Gmail::new()),
        Arc::new(slack::Slack::new()),
        Arc::new(notion::Notion::new()),
        Arc::new(calendly::Calendly::new()),
        Arc::new(smtp::Smtp::new()),
        Arc::new(twilio::Twilio::new()),
        Arc::new(minio::Minio::new()),
        Arc::new(hostinger::Hostinger::new()),
    ]
}

/// The revocation endpoint of a provider whose revocation is a method of its API (Slack's
/// `auth.revoke`, Notion's `/v1/oauth/revoke`): the deployment's own revoke URL when it
/// set one; else, when the deployment moved the API base URL, `{api}/{path}`; else the
/// spec's default.
pub(crate) fn revoke_url_following_api(ctx: &OAuthContext<'_>, path: &str) -> Result<Url> {
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
pub(crate) fn api_endpoint(base: &Url, path: &str) -> Result<Url> {
    let base = base.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/{}", path.trim_start_matches('/'))).map_err(|source| {
        Error::InvalidUrl {
            what: "api url",
            source,
        }
    })
}
