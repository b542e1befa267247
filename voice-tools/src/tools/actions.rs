//! The tools that act on a connected account through its provider's API: a read and a
//! write per connector (SPEC §7). Writes need the user's approval.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Limit;

mod calendly;
mod hostinger;
mod twilio;

pub use calendly::{
    CalendlyEventTypesLimit, CalendlyEventsLimit, ListCalendlyEventTypes, ListCalendlyEvents,
};

use crate::binding::{Binding, Tool};
pub use hostinger::{HostingerLimit, ListHostingerDomains, ListHostingerSubscriptions};
pub use twilio::{ListSms, SendSms, SmsLimit, E164};

/// How many Slack channels `list_slack_channels` lists at most: 1 to 100, 20 by default.
pub type SlackChannelsLimit = Limit<100, 20>;
/// How many messages `read_slack_channel` reads at most: 1 to 50, 10 by default.
pub type SlackMessagesLimit = Limit<50, 10>;
/// How many messages `list_gmail_messages` lists at most: 1 to 25, 10 by default.
pub type GmailMessagesLimit = Limit<25, 10>;

/// The pattern of a Slack conversation id (`C…` public, `G…` private, `D…` direct).
pub const SLACK_CHANNEL_ID: &str = "^[CGD][A-Z0-9]{2,20}$";

/// Arguments of `list_slack_channels`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListSlackChannels {
    /// Maximum number of channels to list.
    #[schemars(description = SlackChannelsLimit::describe("channels"))]
    pub limit: Option<SlackChannelsLimit>,
}

impl Tool for ListSlackChannels {
    const NAME: &'static str = "list_slack_channels";
    const DESCRIPTION: &'static str = "List the public Slack channels of the user's \
        workspace: id, name, topic and member count. Use it to find a channel's id before \
        reading or posting. Needs the slack connector to be active: if the answer says it \
        is not connected, offer to connect it with activate_connector.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/slack/channels").with_query(["limit"])
    }
}

/// Arguments of `read_slack_channel`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadSlackChannel {
    /// The channel's id as list_slack_channels gives it, e.g. C01ABCDEF (not its name).
    #[schemars(regex(pattern = SLACK_CHANNEL_ID))]
    pub channel: String,
    /// Maximum number of messages to read.
    #[schemars(description = SlackMessagesLimit::describe("messages"))]
    pub limit: Option<SlackMessagesLimit>,
}

impl Tool for ReadSlackChannel {
    const NAME: &'static str = "read_slack_channel";
    const DESCRIPTION: &'static str = "Read the latest messages of a Slack channel, newest \
        first: who wrote, what, and when. Summarise them for the user rather than reading \
        every word.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/slack/channels/{channel}/messages").with_query(["limit"])
    }
}

/// Arguments of `post_slack_message`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PostSlackMessage {
    /// The channel's id as list_slack_channels gives it, e.g. C01ABCDEF.
    #[schemars(regex(pattern = SLACK_CHANNEL_ID))]
    pub channel: String,
    /// The message, as the user wants it posted.
    #[schemars(length(min = 1, max = 4000))]
    pub text: String,
}

impl Tool for PostSlackMessage {
    const NAME: &'static str = "post_slack_message";
    const DESCRIPTION: &'static str = "Post a message in a Slack channel as the user. Read \
        the message back to the user first; the app asks them to confirm before it is \
        sent.";
    const NEEDS_APPROVAL: bool = true;

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/slack/messages").with_json_body()
    }
}

/// Arguments of `list_gmail_messages`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListGmailMessages {
    /// A Gmail search, as in Gmail's search box, e.g. "from:marie is:unread" or
    /// "subject:invoice newer_than:7d". Omit for the latest messages.
    #[schemars(length(max = 500))]
    pub q: Option<String>,
    /// Maximum number of messages to list.
    #[schemars(description = GmailMessagesLimit::describe("messages"))]
    pub limit: Option<GmailMessagesLimit>,
}

impl Tool for ListGmailMessages {
    const NAME: &'static str = "list_gmail_messages";
    const DESCRIPTION: &'static str = "List the user's latest Gmail messages, newest first: \
        sender, subject, date and a short snippet. Needs the gmail connector to be active: \
        if the answer says it is not connected, offer to connect it with \
        activate_connector.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/gmail/messages").with_query(["q", "limit"])
    }
}

/// Arguments of `send_email`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendEmail {
    /// The recipient's address, e.g. marie@example.com or "Marie Curie <marie@example.com>".
    #[schemars(length(min = 3, max = 320))]
    pub to: String,
    /// The subject, short.
    #[schemars(length(min = 1, max = 200))]
    pub subject: String,
    /// The body, plain text, as the user wants it sent.
    #[schemars(length(min = 1, max = 20000))]
    pub text: String,
}

impl Tool for SendEmail {
    const NAME: &'static str = "send_email";
    const DESCRIPTION: &'static str = "Send an email from the user's own mail server (the \
        smtp connector). Read the recipient, subject and message back to the user first; \
        the app asks them to confirm before it is sent. Needs the smtp connector to be \
        active: if the answer says it is not connected, offer to set it up with \
        activate_connector.";
    const NEEDS_APPROVAL: bool = true;

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/smtp/messages").with_json_body()
    }
}
