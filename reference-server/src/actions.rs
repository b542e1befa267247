//! What the user does with a connected account through its provider's API (SPEC §7:
//! a read and a write per connector), as the routes under `/connectors/{key}/…` and the
//! voice tools bound to them run it. Inputs are checked against the catalog's own tool
//! schemas, so a route and its tool cannot disagree on a bound; answers are trimmed to
//! what a person needs to hear. A write made by voice is recorded as `tool.called` by
//! the tool-call relay ([`crate::tool_calls`]), approval first.

use connectors_core::UserId;
use connectors_providers::{gmail, minio, notion, slack, smtp};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use voice_tools::tools::{
    GmailMessagesLimit, MinioObjectsLimit, NotionPagesLimit, SlackChannelsLimit, SlackMessagesLimit,
};
use voice_tools::Error as ToolError;

use crate::error::ApiError;
use crate::state::AppState;

pub mod calendly;
pub mod hostinger;
pub mod twilio;

/// The query of `GET /connectors/slack/channels`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChannelsQuery {
    /// How many channels at most: 1..=100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<SlackChannelsLimit>,
}

/// The query of `GET /connectors/slack/channels/{channel}/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// How many messages at most: 1..=50, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<SlackMessagesLimit>,
}

/// The query of `GET /connectors/gmail/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MailQuery {
    /// A Gmail search (`from:marie is:unread`), at most 500 characters.
    #[param(max_length = 500)]
    pub q: Option<String>,
    /// How many messages at most: 1..=25, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 25)]
    pub limit: Option<GmailMessagesLimit>,
}

/// The query of `GET /connectors/minio/objects`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ObjectsQuery {
    /// Only keys starting with this, at most 1024 characters.
    #[param(max_length = 1024)]
    pub prefix: Option<String>,
    /// How many objects at most: 1..=100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<MinioObjectsLimit>,
}

/// The body of `POST /connectors/minio/objects`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObject {
    /// The id of one of the user's files (`POST /files`).
    #[schema(format = Uuid)]
    pub file_id: String,
    /// The key to write; the file's own name when left out.
    #[schema(min_length = 1, max_length = 1024)]
    pub key: Option<String>,
}

/// An object of the user's bucket.
#[derive(Debug, ToSchema)]
#[schema(as = StoredObject)]
pub struct StoredObjectSchema {
    /// Its key.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written (ISO 8601).
    #[schema(required = true)]
    pub last_modified: Option<String>,
}

/// An object just written to the user's bucket.
#[derive(Debug, ToSchema)]
#[schema(as = PutObject)]
pub struct PutObjectSchema {
    /// The bucket.
    pub bucket: String,
    /// The key written.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// The server's entity tag.
    #[schema(required = true)]
    pub etag: Option<String>,
}

/// The query of `GET /connectors/notion/pages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PagesQuery {
    /// Words of the title, at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// How many pages at most: 1..=50, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<NotionPagesLimit>,
}

/// The body of `POST /connectors/notion/pages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNotionPage {
    /// The id of the page to create it under.
    pub parent_id: String,
    /// The title, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The text, one paragraph per line, at most 10000 characters.
    #[schema(max_length = 10000)]
    pub text: Option<String>,
}

/// A Notion page.
#[derive(Debug, ToSchema)]
#[schema(as = NotionPage)]
pub struct NotionPageSchema {
    /// Notion's id of the page.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its link.
    #[schema(required = true)]
    pub url: Option<String>,
    /// When it was last edited.
    #[schema(required = true)]
    pub last_edited: Option<String>,
}

/// The body of `POST /connectors/slack/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSlackMessage {
    /// The channel's id (`C…`), as `GET /connectors/slack/channels` lists it.
    #[schema(pattern = "^[CGD][A-Z0-9]{2,20}$")]
    pub channel: String,
    /// The message, 1 to 4000 characters.
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
}

/// The body of `POST /connectors/smtp/messages`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEmail {
    /// The recipient: `marie@example.com` or `Marie <marie@example.com>`.
    #[schema(min_length = 3, max_length = 320)]
    pub to: String,
    /// The subject, 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
    /// The body, plain text, 1 to 20000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
}

/// An email the SMTP server accepted.
#[derive(Debug, ToSchema)]
#[schema(as = SentEmail)]
pub struct SentEmailSchema {
    /// The sender, the connector's `from`.
    pub from: String,
    /// The recipient.
    pub to: String,
    /// The subject.
    pub subject: String,
}

/// A Slack channel as `GET /connectors/slack/channels` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = SlackChannel)]
pub struct SlackChannelSchema {
    /// The channel's id (`C…`).
    pub id: String,
    /// Its name, without `#`.
    pub name: String,
    /// Its topic.
    #[schema(required = true)]
    pub topic: Option<String>,
    /// How many members it has.
    #[schema(required = true)]
    pub members: Option<u64>,
}

/// A Slack message as `GET /connectors/slack/channels/{channel}/messages` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = SlackMessage)]
pub struct SlackMessageSchema {
    /// Who wrote it: display name, else user id, else the bot's name.
    #[schema(required = true)]
    pub author: Option<String>,
    /// What it says, in Slack's markup.
    pub text: String,
    /// When it was posted, RFC 3339 UTC.
    #[schema(required = true)]
    pub at: Option<String>,
    /// Slack's id of the message.
    pub ts: String,
}

/// A message just posted in Slack.
#[derive(Debug, ToSchema)]
#[schema(as = SlackPosted)]
pub struct SlackPostedSchema {
    /// The channel it went to.
    pub channel: String,
    /// Slack's id of the message.
    pub ts: String,
}

/// A Gmail message as `GET /connectors/gmail/messages` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = MailSummary)]
pub struct MailSummarySchema {
    /// Gmail's id of the message.
    pub id: String,
    /// The `From` header.
    #[schema(required = true)]
    pub from: Option<String>,
    /// The `Subject` header.
    #[schema(required = true)]
    pub subject: Option<String>,
    /// When Gmail received it, RFC 3339 UTC.
    #[schema(required = true)]
    pub date: Option<String>,
    /// Gmail's plain-text snippet.
    pub snippet: String,
    /// Whether it is unread.
    pub unread: bool,
}

/// The workspace's public channels.
///
/// # Errors
///
/// 409 `not_connected` / `needs_reauth`, 422 `provider_refused`, the provider's failures.
pub async fn slack_channels(
    state: &AppState,
    user: UserId,
    query: ChannelsQuery,
) -> Result<Vec<slack::Channel>, ApiError> {
    let limit = query.limit.unwrap_or_default().get();
    Ok(slack::list_channels(&state.service, user, limit).await?)
}

/// A channel's latest messages.
///
/// # Errors
///
/// 422 naming `channel` when it is no channel id; as [`slack_channels`].
pub async fn slack_messages(
    state: &AppState,
    user: UserId,
    channel: &str,
    query: MessagesQuery,
) -> Result<Vec<slack::Message>, ApiError> {
    checked(
        state,
        "read_slack_channel",
        &serde_json::json!({ "channel": channel }),
    )?;
    let limit = query.limit.unwrap_or_default().get();
    Ok(slack::channel_messages(&state.service, user, channel, limit).await?)
}

/// Posts a message as the user.
///
/// # Errors
///
/// 422 naming `channel` or `text`; as [`slack_channels`].
pub async fn post_slack_message(
    state: &AppState,
    user: UserId,
    body: Value,
) -> Result<slack::Posted, ApiError> {
    checked(state, "post_slack_message", &body)?;
    let message: NewSlackMessage = serde_json::from_value(body)
        .map_err(|error| ApiError::invalid_field("body", error.to_string()))?;
    Ok(slack::post_message(&state.service, user, &message.channel, &message.text).await?)
}

/// The user's latest Gmail messages.
///
/// # Errors
///
/// 422 naming `q` when it is too long; as [`slack_channels`].
pub async fn gmail_messages(
    state: &AppState,
    user: UserId,
    query: MailQuery,
) -> Result<Vec<gmail::MailSummary>, ApiError> {
    if let Some(q) = &query.q {
        checked(state, "list_gmail_messages", &serde_json::json!({ "q": q }))?;
    }
    let limit = query.limit.unwrap_or_default().get();
    Ok(gmail::recent_messages(&state.service, user, query.q.as_deref(), limit).await?)
}

/// Sends an email through the user's SMTP server.
///
/// # Errors
///
/// 422 naming `to`, `subject` or `text`; 409 `not_connected`; 422 `provider_rejected`
/// when the server refuses the login or the message; 502/504 when it cannot be reached.
pub async fn send_email(
    state: &AppState,
    user: UserId,
    body: Value,
) -> Result<smtp::Sent, ApiError> {
    checked(state, "send_email", &body)?;
    let email: NewEmail = serde_json::from_value(body)
        .map_err(|error| ApiError::invalid_field("body", error.to_string()))?;
    let email = smtp::Email {
        to: email.to,
        subject: email.subject,
        text: email.text,
    };
    Ok(smtp::send_email(&state.service, user, &email).await?)
}

/// The objects of the user's bucket.
///
/// # Errors
///
/// 422 naming `prefix`; 409 `not_connected`; 422 `provider_rejected` when the keys no
/// longer work; the provider's failures.
pub async fn minio_objects(
    state: &AppState,
    user: UserId,
    query: ObjectsQuery,
) -> Result<Vec<minio::StoredObject>, ApiError> {
    if let Some(prefix) = &query.prefix {
        checked(
            state,
            "list_minio_objects",
            &serde_json::json!({ "prefix": prefix }),
        )?;
    }
    let limit = query.limit.unwrap_or_default().get();
    Ok(minio::list_objects(&state.service, user, query.prefix.as_deref(), limit).await?)
}

/// Copies one of the user's files into their bucket.
///
/// # Errors
///
/// 422 naming `file_id` or `key`; 404 when the user has no such file; as
/// [`minio_objects`].
pub async fn put_in_minio(
    state: &AppState,
    user: UserId,
    body: Value,
) -> Result<minio::PutObject, ApiError> {
    checked(state, "put_file_in_minio", &body)?;
    let request: NewObject = serde_json::from_value(body)
        .map_err(|error| ApiError::invalid_field("body", error.to_string()))?;
    let id = request
        .file_id
        .parse()
        .map_err(|_| ApiError::invalid_field("file_id", "expected a file id (a UUID)"))?;
    let (record, bytes) = crate::files::read(state, user, id).await?;
    let object = minio::NewObject {
        key: request.key.unwrap_or(record.filename),
        content_type: Some(record.content_type),
        bytes,
    };
    Ok(minio::put_object(&state.service, user, &object).await?)
}

/// The Notion pages shared with the app whose title matches.
///
/// # Errors
///
/// 422 naming `q`; 409 `not_connected` / `needs_reauth`; the provider's failures.
pub async fn notion_pages(
    state: &AppState,
    user: UserId,
    query: PagesQuery,
) -> Result<Vec<notion::Page>, ApiError> {
    if let Some(q) = &query.q {
        checked(state, "search_notion_pages", &serde_json::json!({ "q": q }))?;
    }
    let limit = query.limit.unwrap_or_default().get();
    Ok(notion::search_pages(&state.service, user, query.q.as_deref(), limit).await?)
}

/// Creates a Notion page under one the user picked.
///
/// # Errors
///
/// 422 naming `parent_id`, `title` or `text`; 422 `provider_refused` when Notion
/// cannot see the parent; as [`notion_pages`].
pub async fn create_notion_page(
    state: &AppState,
    user: UserId,
    body: Value,
) -> Result<notion::Page, ApiError> {
    checked(state, "create_notion_page", &body)?;
    let page: NewNotionPage = serde_json::from_value(body)
        .map_err(|error| ApiError::invalid_field("body", error.to_string()))?;
    let page = notion::NewPage {
        parent: page.parent_id,
        title: page.title,
        text: page.text,
    };
    Ok(notion::create_page(&state.service, user, &page).await?)
}

/// `arguments` checked against the schema of the catalog's `tool`: the route's own
/// 422s name the same fields, with the same bounds, as the tool's.
fn checked(state: &AppState, tool: &str, arguments: &Value) -> Result<(), ApiError> {
    match state.voice.catalog.validate(tool, arguments) {
        Ok(_) => Ok(()),
        Err(ToolError::InvalidArguments { problems, .. }) => Err(ApiError::invalid_fields(
            problems
                .into_iter()
                .map(|problem| {
                    let field = if problem.field.is_empty() {
                        "body".to_owned()
                    } else {
                        problem.field.clone()
                    };
                    connectors_core::FieldError::new(
                        field,
                        crate::tool_calls::argument_issue(problem),
                    )
                })
                .collect(),
        )),
        Err(other) => Err(ApiError::internal(&other)),
    }
}
