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

/// How many objects `list_minio_objects` lists at most: 1 to 100, 20 by default.
pub type MinioObjectsLimit = Limit<100, 20>;

/// How many pages `search_notion_pages` lists at most: 1 to 50, 10 by default.
pub type NotionPagesLimit = Limit<50, 10>;

/// The pattern of a Notion id: a UUID, with or without its dashes.
pub const NOTION_ID: &str =
    "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$";

/// The pattern of a one-line text: no control character (no line break).
pub const ONE_LINE: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

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
    /// The subject, short, on one line.
    #[schemars(length(min = 1, max = 200), regex(pattern = ONE_LINE))]
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

/// Arguments of `list_minio_objects`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListMinioObjects {
    /// Only keys starting with this, e.g. "reports/". Omit for every object.
    #[schemars(length(max = 1024))]
    pub prefix: Option<String>,
    /// Maximum number of objects to list.
    #[schemars(description = MinioObjectsLimit::describe("objects"))]
    pub limit: Option<MinioObjectsLimit>,
}

impl Tool for ListMinioObjects {
    const NAME: &'static str = "list_minio_objects";
    const DESCRIPTION: &'static str = "List the objects (files) in the user's MinIO bucket, \
        in key order: key, size in bytes, last modified. Needs the minio connector to be \
        active.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/minio/objects").with_query(["prefix", "limit"])
    }
}

/// Arguments of `put_file_in_minio`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PutFileInMinio {
    /// The id of a file the user uploaded, as upload_file answered it.
    #[schemars(extend("format" = "uuid"))]
    pub file_id: String,
    /// Where to put it in the bucket, e.g. "reports/summary.pdf". Omit to use the file's
    /// own name.
    #[schemars(length(min = 1, max = 1024))]
    pub key: Option<String>,
}

impl Tool for PutFileInMinio {
    const NAME: &'static str = "put_file_in_minio";
    const DESCRIPTION: &'static str = "Copy a file the user uploaded into their MinIO \
        bucket (replacing an object with the same key). The app asks the user to confirm \
        first.";
    const NEEDS_APPROVAL: bool = true;

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/minio/objects").with_json_body()
    }
}

/// Arguments of `search_notion_pages`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchNotionPages {
    /// Words of the page's title. Omit to list the pages shared with the app.
    #[schemars(length(max = 200))]
    pub q: Option<String>,
    /// Maximum number of pages to list.
    #[schemars(description = NotionPagesLimit::describe("pages"))]
    pub limit: Option<NotionPagesLimit>,
}

impl Tool for SearchNotionPages {
    const NAME: &'static str = "search_notion_pages";
    const DESCRIPTION: &'static str = "Search the Notion pages the user shared with the app \
        by title, most recently edited first: id, title, link, last edit. Use it to find \
        the page to create a new page under. Needs the notion connector to be active.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/notion/pages").with_query(["q", "limit"])
    }
}

/// Arguments of `create_notion_page`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNotionPage {
    /// The id of the page to create it under, as search_notion_pages gives it.
    #[schemars(regex(pattern = NOTION_ID))]
    pub parent_id: String,
    /// The new page's title, on one line.
    #[schemars(length(min = 1, max = 200), regex(pattern = ONE_LINE))]
    pub title: String,
    /// Its text, one paragraph per line. Omit for an empty page.
    #[schemars(length(max = 10000))]
    pub text: Option<String>,
}

impl Tool for CreateNotionPage {
    const NAME: &'static str = "create_notion_page";
    const DESCRIPTION: &'static str = "Create a page in the user's Notion, under a page \
        they pick (find it with search_notion_pages first). The app asks the user to \
        confirm first.";
    const NEEDS_APPROVAL: bool = true;

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/notion/pages").with_json_body()
    }
}
