//! Gmail, read-only: the `gmail` connector, on Google's OAuth client, and the user's
//! latest messages ([`recent_messages`]).

use connectors_core::{AccountProbe, StandardOAuth};

use super::google::google_spec;

/// The read-only Gmail scope (a restricted scope: Google must verify an app that asks
/// for it before it leaves "Testing").
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

/// Gmail, read-only. Shares the `google` provider (client id, secret and endpoints) with
/// Google Calendar; the API is `{GOOGLE_API_URL}/gmail/v1/...`. Refuses a grant without
/// the Gmail scope and names the account by the mailbox's address
/// (`GET {api}/gmail/v1/users/me/profile`).
pub fn gmail() -> StandardOAuth {
    StandardOAuth::new("gmail", "Gmail", google_spec(GMAIL_READONLY))
        .with_required_scope(GMAIL_READONLY)
        .with_account_probe(
            AccountProbe::get("gmail/v1/users/me/profile").field("email", "/emailAddress"),
        )
}

/// How many message reads (`format=metadata`) run at once.
const READ_CONCURRENCY: usize = 5;

/// A message as a person needs to hear it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailSummary {
    /// Gmail's id of the message.
    pub id: String,
    /// The `From` header, e.g. `Marie Curie <marie@example.com>`.
    pub from: Option<String>,
    /// The `Subject` header.
    pub subject: Option<String>,
    /// When Gmail received it, RFC 3339 UTC (`internalDate`).
    pub date: Option<String>,
    /// Gmail's plain-text snippet of the body, HTML entities decoded.
    pub snippet: String,
    /// Whether it is still unread (label `UNREAD`).
    pub unread: bool,
}

#[derive(serde::Deserialize)]
struct MessageList {
    #[serde(default)]
    messages: Vec<MessageRef>,
}

#[derive(serde::Deserialize)]
struct MessageRef {
    id: String,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageMetadata {
    id: String,
    #[serde(default)]
    label_ids: Vec<String>,
    #[serde(default)]
    snippet: String,
    internal_date: Option<String>,
    payload: Option<Payload>,
}

#[derive(serde::Deserialize)]
struct Payload {
    #[serde(default)]
    headers: Vec<Header>,
}

#[derive(serde::Deserialize)]
struct Header {
    name: String,
    value: String,
}

/// The user's latest messages matching `q` (Gmail's search syntax; all mail but spam
/// and trash without it), newest first, at most `limit`: `users.messages.list`, then
/// `users.messages.get` with `format=metadata` for each (From, Subject, Date only:
/// bodies are never fetched).
///
/// # Errors
///
/// [`connectors_core::Error::NotConnected`], [`connectors_core::Error::NeedsReauth`],
/// [`connectors_core::Error::RateLimited`], and the provider errors of
/// [`connectors_core::OAuthClient::send`].
pub async fn recent_messages(
    service: &connectors_core::ConnectorAuthService,
    user: connectors_core::UserId,
    q: Option<&str>,
    limit: u32,
) -> connectors_core::Result<Vec<MailSummary>> {
    use futures::stream::{self, StreamExt, TryStreamExt};

    let client = service.get_oauth_client(user, "gmail").await?;
    let mut request = connectors_core::ApiRequest::get("gmail/v1/users/me/messages")
        .query("maxResults", limit.to_string());
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        request = request.query("q", q);
    }
    let list: MessageList = client.json(&request, "gmail messages.list").await?;
    let ids = list
        .messages
        .into_iter()
        .map(|message| message.id)
        // Gmail's ids are hexadecimal: anything else would change the path.
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .take(limit as usize);
    stream::iter(ids)
        .map(|id| {
            let client = &client;
            async move {
                let request =
                    connectors_core::ApiRequest::get(format!("gmail/v1/users/me/messages/{id}"))
                        .query("format", "metadata")
                        .query("metadataHeaders", "From")
                        .query("metadataHeaders", "Subject")
                        .query("metadataHeaders", "Date");
                let message: MessageMetadata = client.json(&request, "gmail messages.get").await?;
                Ok::<_, connectors_core::Error>(MailSummary::from(message))
            }
        })
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await
}

impl From<MessageMetadata> for MailSummary {
    fn from(message: MessageMetadata) -> Self {
        let header = |name: &str| {
            message.payload.as_ref().and_then(|payload| {
                payload
                    .headers
                    .iter()
                    .find(|header| header.name.eq_ignore_ascii_case(name))
                    .map(|header| header.value.clone())
            })
        };
        let date = message
            .internal_date
            .as_deref()
            .and_then(|millis| millis.parse::<i64>().ok())
            .and_then(|millis| {
                time::OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000)).ok()
            })
            .and_then(|at| {
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
        Self {
            from: header("From"),
            subject: header("Subject"),
            date,
            snippet: decode_entities(&message.snippet),
            unread: message.label_ids.iter().any(|label| label == "UNREAD"),
            id: message.id,
        }
    }
}

/// Gmail's snippets escape HTML (`&#39;`, `&amp;`, …): the text as written.
fn decode_entities(snippet: &str) -> String {
    let mut text = String::with_capacity(snippet.len());
    let mut rest = snippet;
    while let Some(start) = rest.find('&') {
        text.push_str(&rest[..start]);
        rest = &rest[start..];
        let decoded = rest.find(';').filter(|end| *end <= 8).and_then(|end| {
            let entity = &rest[1..end];
            let character = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix('#')
                    .and_then(|code| match code.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => code.parse().ok(),
                    })
                    .and_then(char::from_u32),
            }?;
            Some((character, end + 1))
        });
        match decoded {
            Some((character, length)) => {
                text.push(character);
                rest = &rest[length..];
            }
            None => {
                text.push('&');
                rest = &rest[1..];
            }
        }
    }
    text.push_str(rest);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_read_as_written() {
        assert_eq!(
            decode_entities("Marie&#39;s &amp; Pierre&#x27;s &lt;notes&gt;"),
            "Marie's & Pierre's <notes>"
        );
        assert_eq!(
            decode_entities("AT&T & co &unknown; &#99999999;"),
            "AT&T & co &unknown; &#99999999;"
        );
    }
}
