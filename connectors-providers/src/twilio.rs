//! Twilio: the `twilio` connector, with the account's auth token or with an API key, and
//! what a user does with it ([`send_sms`], [`recent_messages`]).

use async_trait::async_trait;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::no_spaces;
use connectors_core::http::api_endpoint;
use connectors_core::http::{self as wire, Answer};
use connectors_core::{ConfigConnector, ConfigContext, Fields};
use connectors_core::{Error, FieldErrorCode, FieldFormat, FieldIssue, FieldParams, Result};

mod actions;

pub use actions::{recent_messages, send_sms, Sms, SmsMessage, SmsSent};

/// Twilio's default REST API base URL (`TWILIO_API_URL` overrides it).
pub const API_URL: &str = "https://api.twilio.com";

/// The fields of the `twilio` connector: the account SID with either the account's auth token or an API key.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
#[schemars(title = "Twilio credentials")]
pub enum TwilioConfig {
    /// The account SID and its auth token (full access to the account).
    #[schemars(title = "Auth token")]
    AuthToken {
        /// Account SID: `AC` followed by 32 hexadecimal characters (Twilio Console, Account Info).
        #[schemars(regex(pattern = r"^AC[0-9a-fA-F]{32}$"))]
        account_sid: String,
        /// Auth token of the account (Twilio Console, Account Info). Write-only: it is never shown again.
        #[schemars(with = "String", extend("writeOnly" = true))]
        auth_token: SecretString,
    },
    /// The account SID and an API key of that account (revocable on its own).
    #[schemars(title = "API key")]
    ApiKey {
        /// Account SID: `AC` followed by 32 hexadecimal characters (Twilio Console, Account Info).
        #[schemars(regex(pattern = r"^AC[0-9a-fA-F]{32}$"))]
        account_sid: String,
        /// SID of the API key: `SK` followed by 32 hexadecimal characters.
        #[schemars(regex(pattern = r"^SK[0-9a-fA-F]{32}$"))]
        api_key_sid: String,
        /// Secret of the API key, shown once when the key was created. Write-only: it is never shown again.
        #[schemars(with = "String", extend("writeOnly" = true))]
        api_key_secret: SecretString,
    },
}

impl TwilioConfig {
    /// The account SID.
    pub fn account_sid(&self) -> &str {
        match self {
            Self::AuthToken { account_sid, .. } | Self::ApiKey { account_sid, .. } => account_sid,
        }
    }
}

/// Twilio, through its REST API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Twilio;

#[async_trait]
impl ConfigConnector for Twilio {
    const KEY: &'static str = "twilio";
    const NAME: &'static str = "Twilio";
    type Config = TwilioConfig;

    /// The account SID, then either the auth token or the API key's SID and secret.
    fn check_fields(&self, fields: &mut Fields<'_>) {
        fields.require("account_sid");
        fields.check("account_sid", |sid| {
            sid_format(sid, "AC", "an Account SID", FieldFormat::TwilioAccountSid)
        });
        if fields.has("api_key_sid") || fields.has("api_key_secret") {
            if fields.has("auth_token") {
                let conflict = FieldIssue::new(
                    FieldErrorCode::Conflict,
                    "give either auth_token, or api_key_sid and api_key_secret, not both",
                )
                .with_params(FieldParams {
                    conflicts_with: Some(vec![
                        "api_key_sid".to_owned(),
                        "api_key_secret".to_owned(),
                    ]),
                    ..FieldParams::default()
                });
                fields.reject("auth_token", conflict);
            }
            fields.require("api_key_sid");
            fields.check("api_key_sid", |sid| {
                sid_format(sid, "SK", "an API key SID", FieldFormat::TwilioApiKeySid)
            });
            fields.require("api_key_secret");
            fields.check("api_key_secret", no_spaces);
        } else {
            fields.require("auth_token");
            fields.check("auth_token", no_spaces);
        }
    }

    /// With an auth token, reads the Account resource (`status` must be `active`); an API
    /// key cannot read it, so with a key, lists one incoming phone number instead.
    async fn verify(&self, ctx: &ConfigContext<'_>, config: &TwilioConfig) -> Result<()> {
        let default_api = Url::parse(API_URL).expect("the default Twilio URL parses");
        let api = ctx.api_url.unwrap_or(&default_api);
        let account = config.account_sid();
        match config {
            TwilioConfig::AuthToken { auth_token, .. } => {
                let url = api_endpoint(api, &format!("2010-04-01/Accounts/{account}.json"))?;
                let request = ctx
                    .http
                    .get(url)
                    .basic_auth(account, Some(auth_token.expose_secret()));
                let answer = wire::send(request).await?;
                if !answer.status.is_success() {
                    return Err(refusal(&answer));
                }
                #[derive(Deserialize)]
                struct Account {
                    status: String,
                }
                let status = answer.json::<Account>("Twilio account")?.status;
                if status == "active" {
                    Ok(())
                } else {
                    Err(Error::Rejected {
                        message: format!("the Twilio account is {status}, not active"),
                    })
                }
            }
            TwilioConfig::ApiKey {
                api_key_sid,
                api_key_secret,
                ..
            } => {
                let mut url = api_endpoint(
                    api,
                    &format!("2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json"),
                )?;
                url.query_pairs_mut().append_pair("PageSize", "1");
                let request = ctx
                    .http
                    .get(url)
                    .basic_auth(api_key_sid, Some(api_key_secret.expose_secret()));
                let answer = wire::send(request).await?;
                if answer.status.is_success() {
                    Ok(())
                } else {
                    Err(refusal(&answer))
                }
            }
        }
    }
}

/// A refusal: 401, 403 and 404 name credentials (or an account) Twilio does not accept;
/// the rest is Twilio failing.
fn refusal(answer: &Answer) -> Error {
    #[derive(Deserialize)]
    struct TwilioError {
        code: Option<u64>,
        message: Option<String>,
    }
    if !matches!(answer.status.as_u16(), 401 | 403 | 404) {
        return answer.unexpected();
    }
    let detail = serde_json::from_slice::<TwilioError>(&answer.body)
        .ok()
        .and_then(|error| {
            let message = error.message?;
            Some(match error.code {
                Some(code) => format!(" (error {code}: {message})"),
                None => format!(" ({message})"),
            })
        })
        .unwrap_or_default();
    let what = match answer.status.as_u16() {
        401 => "Twilio refused the credentials",
        403 => "the credentials may not read this account",
        _ => "Twilio knows no such account for these credentials",
    };
    Error::Rejected {
        message: format!("{what}{detail}"),
    }
}

/// A Twilio SID: a two-letter prefix and 32 hexadecimal characters.
fn sid_format(
    value: &str,
    prefix: &str,
    what: &str,
    format: FieldFormat,
) -> Result<(), FieldIssue> {
    let well_formed = value.len() == 34
        && value.starts_with(prefix)
        && value[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if well_formed {
        Ok(())
    } else {
        Err(FieldIssue::format(
            format,
            format!("expected {what}: {prefix} followed by 32 hexadecimal characters"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use connectors_core::AnyConfigConnector;

    #[test]
    fn the_schema_offers_the_two_credential_sets_with_their_secrets_write_only() {
        let schema = Twilio.config_schema();
        let variants = schema["anyOf"].as_array().unwrap();
        assert_eq!(variants.len(), 2);
        assert_eq!(variants[0]["title"], "Auth token");
        assert_eq!(variants[0]["properties"]["auth_token"]["writeOnly"], true);
        assert_eq!(
            variants[1]["properties"]["api_key_secret"]["writeOnly"],
            true
        );
        assert!(variants
            .iter()
            .all(|variant| variant["additionalProperties"] == false));
    }

    #[test]
    fn refusals_name_the_expected_sid_and_the_conflicting_fields() {
        let errors = Twilio
            .parse_config(&serde_json::json!({
                "account_sid": "AB12", "auth_token": "t", "api_key_sid": "SK0123456789abcdef0123456789abcdef",
                "api_key_secret": "s"
            }))
            .unwrap_err();
        let find = |field: &str| errors.iter().find(|error| error.field == field).unwrap();
        assert_eq!(find("account_sid").code, FieldErrorCode::InvalidFormat);
        assert_eq!(
            find("account_sid").params.format,
            Some(FieldFormat::TwilioAccountSid)
        );
        assert_eq!(find("auth_token").code, FieldErrorCode::Conflict);
        assert_eq!(
            find("auth_token").params.conflicts_with.as_deref(),
            Some(&["api_key_sid".to_owned(), "api_key_secret".to_owned()][..])
        );
    }
}
