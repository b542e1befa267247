//! Twilio: send an SMS, list the account's latest messages.

use connectors_core::UserId;
use connectors_providers::twilio;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use voice_tools::tools::SmsLimit;

use super::checked;
use crate::error::ApiError;
use crate::state::AppState;

/// The query of `GET /connectors/twilio/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SmsQuery {
    /// How many messages at most: 1..=50, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<SmsLimit>,
}

/// The body of `POST /connectors/twilio/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSms {
    /// The recipient, E.164: `+` and the country code, e.g. `+33612345678`.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$")]
    pub to: String,
    /// The sender: a phone number of the Twilio account, E.164.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$")]
    pub from: String,
    /// The text, 1 to 1600 characters.
    #[schema(min_length = 1, max_length = 1600)]
    pub body: String,
}

/// An SMS Twilio accepted.
#[derive(Debug, ToSchema)]
#[schema(as = SmsSent)]
pub struct SmsSentSchema {
    /// Twilio's id of the message (`SM…`).
    pub sid: String,
    /// The recipient.
    pub to: String,
    /// The sender.
    pub from: String,
    /// Where it stands: `queued`, `accepted`, `sent`, …
    pub status: String,
}

/// An SMS as `GET /connectors/twilio/messages` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = SmsMessage)]
pub struct SmsMessageSchema {
    /// Twilio's id of the message (`SM…`).
    pub sid: String,
    /// The sender.
    pub from: String,
    /// The recipient.
    pub to: String,
    /// The text.
    pub body: String,
    /// `received` or `sent`.
    pub direction: String,
    /// Where it stands: `delivered`, `failed`, `received`, …
    pub status: String,
    /// When it was sent, RFC 3339 UTC.
    #[schema(required = true)]
    pub at: Option<String>,
}

/// The account's latest messages, newest first.
///
/// # Errors
///
/// 409 `not_connected`, 422 `provider_rejected` when Twilio no longer takes the
/// credentials, 429 `provider_rate_limited`, the provider's failures.
pub async fn sms_messages(
    state: &AppState,
    user: UserId,
    query: SmsQuery,
) -> Result<Vec<twilio::SmsMessage>, ApiError> {
    let limit = query.limit.unwrap_or_default().get();
    Ok(twilio::recent_messages(&state.service, user, limit).await?)
}

/// Sends an SMS from the user's Twilio account.
///
/// # Errors
///
/// 422 naming `to`, `from` or `body`; 422 `provider_refused` with Twilio's reason (an
/// invalid number, a sender not of the account); as [`sms_messages`].
pub async fn send_sms(
    state: &AppState,
    user: UserId,
    body: Value,
) -> Result<twilio::SmsSent, ApiError> {
    checked(state, "send_sms", &body)?;
    let sms: NewSms = serde_json::from_value(body)
        .map_err(|error| ApiError::invalid_field("body", error.to_string()))?;
    let sms = twilio::Sms {
        to: sms.to,
        from: sms.from,
        body: sms.body,
    };
    Ok(twilio::send_sms(&state.service, user, &sms).await?)
}
