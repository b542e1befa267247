//! Twilio's tools: send an SMS (needs approval), list the latest messages.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::binding::{Binding, Tool};
use crate::tools::Limit;

/// How many messages `list_sms` lists at most: 1 to 50, 10 by default.
pub type SmsLimit = Limit<50, 10>;

/// The pattern of an E.164 phone number: `+`, the country code and the number.
pub const E164: &str = r"^\+[1-9][0-9]{6,14}$";

/// Arguments of `list_sms`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSms {
    /// Maximum number of messages to list.
    #[schemars(description = SmsLimit::describe("messages"))]
    pub limit: Option<SmsLimit>,
}

impl Tool for ListSms {
    const NAME: &'static str = "list_sms";
    const DESCRIPTION: &'static str = "List the latest SMS of the user's Twilio account, \
        newest first: sender, recipient, text, whether it was received or sent, and when. \
        Needs the twilio connector to be active: if the answer says it is not connected, \
        offer to set it up with activate_connector.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/twilio/messages").with_query(["limit"])
    }
}

/// Arguments of `send_sms`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendSms {
    /// The recipient's phone number in international format, e.g. +33612345678.
    #[schemars(regex(pattern = E164))]
    pub to: String,
    /// The sender: one of the Twilio account's phone numbers, international format
    /// (list_sms shows the numbers the account has sent from). Ask the user if unsure.
    #[schemars(regex(pattern = E164))]
    pub from: String,
    /// The text, as the user wants it sent.
    #[schemars(length(min = 1, max = 1600))]
    pub body: String,
}

impl Tool for SendSms {
    const NAME: &'static str = "send_sms";
    const DESCRIPTION: &'static str = "Send an SMS from the user's Twilio account. Read the \
        recipient and the text back to the user first; the app asks them to confirm before \
        it is sent. Needs the twilio connector to be active: if the answer says it is not \
        connected, offer to set it up with activate_connector.";
    const NEEDS_APPROVAL: bool = true;

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/twilio/messages").with_json_body()
    }
}
