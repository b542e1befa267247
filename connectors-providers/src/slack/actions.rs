//! What a user does with a connected Slack account, as the user (their `xoxp-` token):
//! list the workspace's public channels, read a channel's latest messages, post one.
//!
//! Slack's Web API answers errors with HTTP 200 and `{"ok": false, "error": …}`: a dead
//! grant's codes count as a 401 (one refresh, one retry), `ratelimited` as a 429, and
//! the request's own faults (`channel_not_found`, `not_in_channel`, …) come back as
//! [`Error::Refused`] in words.

use std::collections::HashMap;

use connectors_core::http::Answer;
use connectors_core::{ApiRequest, ConnectorAuthService, Error, OAuthClient, Result, UserId};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::DEAD_GRANT;

/// The connector's key.
const KEY: &str = "slack";
/// How many `users.info` calls run at once to name a channel's authors.
const NAMING_CONCURRENCY: usize = 4;

/// A public channel of the user's workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Channel {
    /// The channel's id (`C…`), what reading and posting take.
    pub id: String,
    /// Its name, without `#`.
    pub name: String,
    /// Its topic, when it has one.
    pub topic: Option<String>,
    /// How many members it has, when Slack says.
    pub members: Option<u64>,
}

/// A message of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    /// Who wrote it: the author's display name, else their user id, else the bot's name.
    pub author: Option<String>,
    /// What it says (Slack's markup as it is).
    pub text: String,
    /// When it was posted, RFC 3339 UTC.
    pub at: Option<String>,
    /// Slack's id of the message (`ts`).
    pub ts: String,
}

/// A message just posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posted {
    /// The channel it went to.
    pub channel: String,
    /// Slack's id of the message (`ts`).
    pub ts: String,
}

#[derive(Deserialize)]
struct ChannelsPage {
    #[serde(default)]
    channels: Vec<RawChannel>,
}

#[derive(Deserialize)]
struct RawChannel {
    id: String,
    name: String,
    topic: Option<Topic>,
    num_members: Option<u64>,
}

#[derive(Deserialize)]
struct Topic {
    value: String,
}

#[derive(Deserialize)]
struct HistoryPage {
    #[serde(default)]
    messages: Vec<RawMessage>,
}

#[derive(Deserialize)]
struct RawMessage {
    user: Option<String>,
    username: Option<String>,
    #[serde(default)]
    text: String,
    ts: String,
}

#[derive(Deserialize)]
struct UserInfo {
    user: RawUser,
}

#[derive(Deserialize)]
struct RawUser {
    name: Option<String>,
    real_name: Option<String>,
    profile: Option<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    display_name: Option<String>,
    real_name: Option<String>,
}

#[derive(Deserialize)]
struct PostAnswer {
    channel: String,
    ts: String,
}

/// The workspace's public channels that are not archived, at most `limit` (one page of
/// `conversations.list`).
///
/// # Errors
///
/// [`Error::NotConnected`], [`Error::NeedsReauth`], [`Error::RateLimited`],
/// [`Error::Refused`] for Slack's `ok: false` about the request (e.g. `missing_scope`),
/// and the provider errors of [`OAuthClient::send`].
pub async fn list_channels(
    service: &ConnectorAuthService,
    user: UserId,
    limit: u32,
) -> Result<Vec<Channel>> {
    let client = service.get_oauth_client(user, KEY).await?;
    let request = ApiRequest::get("conversations.list")
        .query("types", "public_channel")
        .query("exclude_archived", "true")
        .query("limit", limit.to_string());
    let page: ChannelsPage = call(&client, &request, "slack conversations.list").await?;
    Ok(page
        .channels
        .into_iter()
        .take(limit as usize)
        .map(|raw| Channel {
            id: raw.id,
            name: raw.name,
            topic: raw
                .topic
                .map(|topic| topic.value)
                .filter(|topic| !topic.is_empty()),
            members: raw.num_members,
        })
        .collect())
}

/// The latest `limit` messages of `channel`, newest first, each author named
/// (`users.info`, once per author).
///
/// # Errors
///
/// As [`list_channels`]; `channel_not_found` and `not_in_channel` are [`Error::Refused`].
pub async fn channel_messages(
    service: &ConnectorAuthService,
    user: UserId,
    channel: &str,
    limit: u32,
) -> Result<Vec<Message>> {
    let client = service.get_oauth_client(user, KEY).await?;
    let request = ApiRequest::get("conversations.history")
        .query("channel", channel)
        .query("limit", limit.to_string());
    let page: HistoryPage = call(&client, &request, "slack conversations.history").await?;
    let mut authors: Vec<String> = page
        .messages
        .iter()
        .filter_map(|message| message.user.clone())
        .collect();
    authors.sort_unstable();
    authors.dedup();
    let names: HashMap<String, String> = stream::iter(authors)
        .map(|id| {
            let client = &client;
            async move { name_of(client, id).await }
        })
        .buffer_unordered(NAMING_CONCURRENCY)
        .try_filter_map(|named| async move { Ok(named) })
        .try_collect()
        .await?;
    Ok(page
        .messages
        .into_iter()
        .take(limit as usize)
        .map(|raw| Message {
            author: raw
                .user
                .as_ref()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
                .or(raw.username),
            at: posted_at(&raw.ts),
            text: raw.text,
            ts: raw.ts,
        })
        .collect())
}

/// Posts `text` in `channel` as the user (`chat.postMessage`).
///
/// # Errors
///
/// As [`list_channels`]; a connection made before posting was asked for answers
/// `missing_scope`, an [`Error::Refused`] saying to connect Slack again.
pub async fn post_message(
    service: &ConnectorAuthService,
    user: UserId,
    channel: &str,
    text: &str,
) -> Result<Posted> {
    let client = service.get_oauth_client(user, KEY).await?;
    let request = ApiRequest::post("chat.postMessage")
        .json(serde_json::json!({"channel": channel, "text": text}));
    let posted: PostAnswer = call(&client, &request, "slack chat.postMessage").await?;
    Ok(Posted {
        channel: posted.channel,
        ts: posted.ts,
    })
}

/// The author's name, or `None` when Slack does not know the user (a deleted account).
async fn name_of(client: &OAuthClient<'_>, id: String) -> Result<Option<(String, String)>> {
    let request = ApiRequest::get("users.info").query("user", id.as_str());
    let info: UserInfo = match call(client, &request, "slack users.info").await {
        Ok(info) => info,
        Err(Error::Refused { code, .. }) if code == "user_not_found" => return Ok(None),
        Err(error) => return Err(error),
    };
    let RawUser {
        name,
        real_name,
        profile,
    } = info.user;
    let (display, profile_real) = profile.map_or((None, None), |profile| {
        (profile.display_name, profile.real_name)
    });
    let name = [display, profile_real, real_name, name]
        .into_iter()
        .flatten()
        .find(|name| !name.trim().is_empty());
    Ok(name.map(|name| (id, name)))
}

/// A Web API method's answer, `ok: false` read as an error.
async fn call<T: serde::de::DeserializeOwned>(
    client: &OAuthClient<'_>,
    request: &ApiRequest,
    what: &str,
) -> Result<T> {
    client.send_checked(request, check).await?.json(what)
}

/// Slack's `{"ok": false, "error"}` as this crate's errors.
fn check(answer: &Answer) -> Result<()> {
    #[derive(Deserialize)]
    struct Envelope {
        ok: bool,
        error: Option<String>,
    }
    let envelope: Envelope = answer.json("slack")?;
    if envelope.ok {
        return Ok(());
    }
    let code = envelope.error.unwrap_or_else(|| "unknown_error".to_owned());
    Err(web_api_error(code))
}

/// The meaning of a Web API error code.
fn web_api_error(code: String) -> Error {
    if DEAD_GRANT.contains(&code.as_str()) {
        return Error::Unauthorized;
    }
    match code.as_str() {
        "ratelimited" => Error::RateLimited { retry_after: None },
        "fatal_error" | "internal_error" | "service_unavailable" | "request_timeout" => {
            Error::Provider {
                status: 503,
                body: code,
            }
        }
        _ => Error::Refused {
            message: words(&code),
            code,
        },
    }
}

/// What a refusal means, for the user (and the model) to hear.
fn words(code: &str) -> String {
    match code {
        "channel_not_found" => "no such channel, or the user cannot see it".to_owned(),
        "not_in_channel" => "the user is not a member of this channel".to_owned(),
        "is_archived" => "the channel is archived".to_owned(),
        "msg_too_long" => "the message is too long for Slack".to_owned(),
        "no_text" => "the message is empty".to_owned(),
        "missing_scope" => {
            "the Slack connection lacks the permission for this; connect Slack again".to_owned()
        }
        "restricted_action" => "the workspace's settings do not allow this".to_owned(),
        other => format!("Slack refused the request ({})", other.replace('_', " ")),
    }
}

/// A message's `ts` (`1700000000.000200`, seconds) as RFC 3339 UTC.
fn posted_at(ts: &str) -> Option<String> {
    let seconds: i64 = ts.split('.').next()?.parse().ok()?;
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()?
        .format(&Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_grant_counts_as_a_401_and_a_bad_channel_is_refused_in_words() {
        assert!(matches!(
            web_api_error("token_revoked".into()),
            Error::Unauthorized
        ));
        assert!(matches!(
            web_api_error("ratelimited".into()),
            Error::RateLimited { .. }
        ));
        assert!(matches!(
            web_api_error("fatal_error".into()),
            Error::Provider { status: 503, .. }
        ));
        let Error::Refused { code, message } = web_api_error("channel_not_found".into()) else {
            panic!()
        };
        assert_eq!(code, "channel_not_found");
        assert_eq!(message, "no such channel, or the user cannot see it");
    }

    #[test]
    fn a_ts_is_a_utc_instant() {
        assert_eq!(
            posted_at("1700000000.000200").as_deref(),
            Some("2023-11-14T22:13:20Z")
        );
        assert_eq!(posted_at("nonsense"), None);
    }
}
