//! Hostinger: the `hostinger` connector (an API token of the Hostinger API), and what a
//! user reads with it ([`list_domains`], [`list_subscriptions`]).

use async_trait::async_trait;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::no_spaces;
use connectors_core::http as wire;
use connectors_core::http::api_endpoint;
use connectors_core::{ConfigConnector, ConfigContext, Fields};
use connectors_core::{Error, Result};

mod actions;

pub use actions::{list_domains, list_subscriptions, Domain, Subscription};

/// Hostinger's default API base URL (`HOSTINGER_API_URL` overrides it).
pub const API_URL: &str = "https://developers.hostinger.com";

/// The fields of the `hostinger` connector: an API token of the Hostinger account.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Hostinger API")]
pub struct HostingerConfig {
    /// API token from hPanel (Account, API). Write-only: it is never shown again.
    #[schemars(with = "String", extend("writeOnly" = true))]
    pub api_token: SecretString,
}

/// Hostinger, through its public API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hostinger;

#[async_trait]
impl ConfigConnector for Hostinger {
    const KEY: &'static str = "hostinger";
    const NAME: &'static str = "Hostinger";
    type Config = HostingerConfig;

    fn check_fields(&self, fields: &mut Fields<'_>) {
        fields.check("api_token", no_spaces);
    }

    /// `GET {api}/api/billing/v1/subscriptions` with the token as Bearer: 401 means the
    /// token is refused, 429 that Hostinger limits the rate.
    async fn verify(&self, ctx: &ConfigContext<'_>, config: &HostingerConfig) -> Result<()> {
        let default_api = Url::parse(API_URL).expect("the default Hostinger URL parses");
        let url = api_endpoint(
            ctx.api_url.unwrap_or(&default_api),
            "api/billing/v1/subscriptions",
        )?;
        let request = ctx
            .http
            .get(url)
            .bearer_auth(config.api_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json");
        let answer = wire::send(request).await?;
        if answer.status.is_success() {
            return Ok(());
        }
        if matches!(answer.status.as_u16(), 401 | 403) {
            #[derive(Deserialize)]
            struct HostingerError {
                error: Option<String>,
                message: Option<String>,
            }
            let reason = serde_json::from_slice::<HostingerError>(&answer.body)
                .ok()
                .and_then(|body| body.error.or(body.message))
                .map(|reason| format!(" ({reason})"))
                .unwrap_or_default();
            return Err(Error::Rejected {
                message: format!("Hostinger refused the API token{reason}"),
            });
        }
        Err(answer.unexpected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connectors_core::AnyConfigConnector;

    #[test]
    fn the_token_is_the_one_write_only_field() {
        let schema = Hostinger.config_schema();
        assert_eq!(schema["properties"]["api_token"]["writeOnly"], true);
        assert_eq!(schema["required"], serde_json::json!(["api_token"]));
        assert_eq!(schema["additionalProperties"], false);
    }
}
