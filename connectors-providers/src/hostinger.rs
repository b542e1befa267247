//! Hostinger: the `hostinger` connector (an API token of the Hostinger API).

use std::collections::BTreeMap;

use async_trait::async_trait;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;

use super::fields::{self, no_spaces, Fields};
use connectors_core::http as wire;
use connectors_core::http::api_endpoint;
use connectors_core::Credentials;
use connectors_core::{ConfigContext, Connector};
use connectors_core::{Error, FieldError, Result};

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

impl HostingerConfig {
    /// Reads the config back from stored credentials.
    pub fn from_credentials(credentials: &Credentials) -> Result<Self> {
        let api_token = credentials
            .secrets
            .get("api_token")
            .cloned()
            .ok_or_else(|| {
                Error::InvalidResponse("stored hostinger config lacks `api_token`".to_owned())
            })?;
        Ok(Self { api_token })
    }
}

/// Hostinger, through its public API.
#[derive(Debug, Clone, Default)]
pub struct Hostinger;

impl Hostinger {
    /// The connector.
    pub fn new() -> Self {
        Self
    }
}

#[async_trait]
impl Connector for Hostinger {
    fn key(&self) -> &str {
        "hostinger"
    }

    fn name(&self) -> &str {
        "Hostinger"
    }

    fn config_schema(&self) -> Option<Value> {
        serde_json::to_value(schemars::schema_for!(HostingerConfig)).ok()
    }

    fn parse_config(&self, value: &Value) -> std::result::Result<Credentials, Vec<FieldError>> {
        let mut fields = Fields::new(value, &["api_token"]);
        let token = fields.required_str("api_token");
        fields.check("api_token", token, no_spaces);
        fields.finish()?;
        let config: HostingerConfig = fields::deserialize(value)?;
        Ok(Credentials {
            provider: "hostinger".to_owned(),
            public: Map::new(),
            secrets: BTreeMap::from([("api_token".to_owned(), config.api_token)]),
            ..Credentials::default()
        })
    }

    /// `GET {api}/api/billing/v1/subscriptions` with the token as Bearer: 401 means the
    /// token is refused, 429 that Hostinger limits the rate.
    async fn verify_config(
        &self,
        ctx: &ConfigContext<'_>,
        credentials: &Credentials,
    ) -> Result<()> {
        let config = HostingerConfig::from_credentials(credentials)?;
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

    #[test]
    fn the_token_is_the_one_write_only_field() {
        let schema = Hostinger.config_schema().unwrap();
        assert_eq!(schema["properties"]["api_token"]["writeOnly"], true);
        assert_eq!(schema["required"], serde_json::json!(["api_token"]));
        assert_eq!(schema["additionalProperties"], false);
    }
}
