//! What a user does with a connected Twilio account: send an SMS ([`send_sms`]) and
//! list the account's latest messages ([`recent_messages`]), through the Messages
//! resource (`/2010-04-01/Accounts/{sid}/Messages.json`) with the stored credentials as
//! HTTP Basic auth.
//!
//! Twilio answers a request's own faults with 400 and `{code, message, more_info,
//! status}` (21211: the `To` number is invalid): they come back as [`Error::Refused`]
//! with Twilio's code and words. A 429 is waited out when short
//! ([`ConfigCall::send`](connectors_core::ConfigCall::send)).

use connectors_core::http::{api_endpoint, Answer};
use connectors_core::{ConfigConnector, ConnectorAuthService, Error, Result, UserId};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;
use url::Url;

use super::{refusal, Twilio, TwilioConfig, API_URL};

/// An SMS to send (see [`send_sms`]).
#[derive(Debug, Clone)]
pub struct Sms {
    /// The recipient, E.164 (`+33612345678`).
    pub to: String,
    /// The sender: a phone number of the Twilio account, E.164.
    pub from: String,
    /// The text.
    pub body: String,
}

/// An SMS Twilio accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsSent {
    /// Twilio's id of the message (`SM…`).
    pub sid: String,
    /// The recipient.
    pub to: String,
    /// The sender.
    pub from: String,
    /// Where it stands: `queued`, `accepted`, `sent`, …
    pub status: String,
}

/// An SMS of the account, as a person needs to hear it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsMessage {
    /// Twilio's id of the message (`SM…`).
    pub sid: String,
    /// The sender.
    pub from: String,
    /// The recipient.
    pub to: String,
    /// The text.
    pub body: String,
    /// `received` for an incoming message, `sent` for one the account sent.
    pub direction: String,
    /// Where it stands: `delivered`, `failed`, `received`, …
    pub status: String,
    /// When it was sent, RFC 3339 UTC (Twilio's `date_sent`).
    pub at: Option<String>,
}

#[derive(Deserialize)]
struct RawMessage {
    sid: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    direction: Option<String>,
    #[serde(default)]
    date_sent: Option<String>,
}

#[derive(Deserialize)]
struct MessagesPage {
    #[serde(default)]
    messages: Vec<RawMessage>,
}

/// Sends `sms` from the account (`POST …/Messages.json`, form-encoded `To`, `From`,
/// `Body`).
///
/// # Errors
///
/// [`Error::NotConnected`]; [`Error::Refused`] with Twilio's code for a request it
/// refuses (21211 an invalid `To`, 21606 a `From` that is not the account's, …);
/// [`Error::Rejected`] when Twilio no longer takes the credentials;
/// [`Error::RateLimited`]; [`Error::Provider`] for its failures.
pub async fn send_sms(service: &ConnectorAuthService, user: UserId, sms: &Sms) -> Result<SmsSent> {
    let config = service.stored_config(user, &Twilio).await?;
    let call = service.config_call(Twilio::KEY)?;
    let url = messages_url(&call.api_url_or(API_URL)?, &config)?;
    let form = [
        ("To", sms.to.as_str()),
        ("From", sms.from.as_str()),
        ("Body", sms.body.as_str()),
    ];
    let answer = call
        .send(|http| authorized(http.post(url.clone()), &config).form(&form))
        .await?;
    let raw: RawMessage = checked(answer)?.json("twilio message")?;
    Ok(SmsSent {
        to: raw.to.unwrap_or_else(|| sms.to.clone()),
        from: raw.from.unwrap_or_else(|| sms.from.clone()),
        status: raw.status.unwrap_or_else(|| "queued".to_owned()),
        sid: raw.sid,
    })
}

/// The account's latest `limit` messages, sent and received, newest first
/// (`GET …/Messages.json?PageSize=limit`).
///
/// # Errors
///
/// As [`send_sms`].
pub async fn recent_messages(
    service: &ConnectorAuthService,
    user: UserId,
    limit: u32,
) -> Result<Vec<SmsMessage>> {
    let config = service.stored_config(user, &Twilio).await?;
    let call = service.config_call(Twilio::KEY)?;
    let mut url = messages_url(&call.api_url_or(API_URL)?, &config)?;
    url.query_pairs_mut()
        .append_pair("PageSize", &limit.to_string());
    let answer = call
        .send(|http| authorized(http.get(url.clone()), &config))
        .await?;
    let page: MessagesPage = checked(answer)?.json("twilio messages")?;
    Ok(page
        .messages
        .into_iter()
        .take(limit as usize)
        .map(|raw| SmsMessage {
            sid: raw.sid,
            from: raw.from.unwrap_or_default(),
            to: raw.to.unwrap_or_default(),
            body: raw.body.unwrap_or_default(),
            direction: direction(raw.direction.as_deref()),
            status: raw.status.unwrap_or_default(),
            at: raw.date_sent.as_deref().and_then(rfc3339),
        })
        .collect())
}

/// The account's Messages resource.
fn messages_url(api: &Url, config: &TwilioConfig) -> Result<Url> {
    let account = config.account_sid();
    api_endpoint(api, &format!("2010-04-01/Accounts/{account}/Messages.json"))
}

/// The request with the stored credentials as Basic auth: the account SID and its auth
/// token, or the API key's SID and secret.
fn authorized(request: reqwest::RequestBuilder, config: &TwilioConfig) -> reqwest::RequestBuilder {
    match config {
        TwilioConfig::AuthToken {
            account_sid,
            auth_token,
        } => request.basic_auth(account_sid, Some(auth_token.expose_secret())),
        TwilioConfig::ApiKey {
            api_key_sid,
            api_key_secret,
            ..
        } => request.basic_auth(api_key_sid, Some(api_key_secret.expose_secret())),
    }
}

/// A 2xx answer, or the error Twilio's answer means.
fn checked(answer: Answer) -> Result<Answer> {
    if answer.status.is_success() {
        return Ok(answer);
    }
    if answer.status.as_u16() != 400 {
        return Err(refusal(&answer));
    }
    #[derive(Deserialize)]
    struct TwilioError {
        code: Option<u64>,
        message: Option<String>,
    }
    let error: TwilioError =
        serde_json::from_slice(&answer.body).map_err(|_| answer.unexpected())?;
    let code = error
        .code
        .map_or_else(|| "400".to_owned(), |code| code.to_string());
    Err(Error::Refused {
        message: words(&code, error.message.as_deref()),
        code,
    })
}

/// What a refusal means, for the user (and the model) to hear.
fn words(code: &str, message: Option<&str>) -> String {
    match code {
        "21211" => "the recipient's number is not a valid phone number".to_owned(),
        "21606" | "21659" => {
            "the sender number is not an SMS number of this Twilio account".to_owned()
        }
        "21608" => "a trial Twilio account can only text verified numbers".to_owned(),
        "21610" => "the recipient has unsubscribed from this sender (replied STOP)".to_owned(),
        "21614" => "the recipient's number cannot receive SMS".to_owned(),
        "21617" => "the message is too long".to_owned(),
        _ => match message {
            Some(message) => format!("Twilio refused the message (error {code}: {message})"),
            None => format!("Twilio refused the message (error {code})"),
        },
    }
}

/// Twilio's `inbound` / `outbound-api` / `outbound-reply` … as `received` or `sent`.
fn direction(raw: Option<&str>) -> String {
    match raw {
        Some("inbound") => "received".to_owned(),
        Some(other) if other.starts_with("outbound") => "sent".to_owned(),
        other => other.unwrap_or_default().to_owned(),
    }
}

/// An RFC 2822 date (`Mon, 01 Dec 2025 12:00:00 +0000`) as RFC 3339 UTC.
fn rfc3339(date: &str) -> Option<String> {
    OffsetDateTime::parse(date, &Rfc2822)
        .ok()?
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_directions_read_as_a_person_says_them() {
        assert_eq!(
            rfc3339("Mon, 01 Dec 2025 13:00:00 +0100").as_deref(),
            Some("2025-12-01T12:00:00Z")
        );
        assert_eq!(rfc3339("yesterday"), None);
        assert_eq!(direction(Some("outbound-api")), "sent");
        assert_eq!(direction(Some("inbound")), "received");
    }

    #[test]
    fn twilio_codes_are_said_in_words() {
        assert_eq!(
            words(
                "21211",
                Some("The 'To' number +1555 is not a valid phone number.")
            ),
            "the recipient's number is not a valid phone number"
        );
        assert_eq!(
            words("30001", Some("Queue overflow")),
            "Twilio refused the message (error 30001: Queue overflow)"
        );
    }
}
