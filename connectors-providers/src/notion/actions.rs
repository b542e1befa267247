//! What a user does with a connected Notion workspace, through the pages they shared
//! with the integration: search pages by text (`POST /v1/search`) and create a page
//! under one of them (`POST /v1/pages`), every request naming `Notion-Version`.
//!
//! Notion gives no token expiry: a 401 is the signal to refresh, which
//! [`connectors_core::OAuthClient::send`] does. Its refusals
//! (`{"object":"error","status","code","message"}`: `object_not_found`,
//! `validation_error`, `restricted_resource`) come back as [`Error::Refused`].

use connectors_core::{ApiRequest, ConnectorAuthService, Error, OAuthClient, Result, UserId};
use reqwest::header::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::NOTION_VERSION;

/// The connector's key.
const KEY: &str = "notion";
/// The longest text of one rich-text object Notion takes.
const TEXT_LIMIT: usize = 2000;

/// A page the integration can see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    /// Notion's id of the page.
    pub id: String,
    /// Its title (empty for an untitled page).
    pub title: String,
    /// Its link in Notion.
    pub url: Option<String>,
    /// When it was last edited (ISO 8601).
    pub last_edited: Option<String>,
}

/// A page to create (see [`create_page`]).
#[derive(Debug, Clone)]
pub struct NewPage {
    /// The id of the page to create it under.
    pub parent: String,
    /// Its title.
    pub title: String,
    /// Its text, one paragraph per line (optional).
    pub text: Option<String>,
}

#[derive(Deserialize)]
struct SearchPage {
    #[serde(default)]
    results: Vec<RawPage>,
}

#[derive(Deserialize)]
struct RawPage {
    id: String,
    url: Option<String>,
    last_edited_time: Option<String>,
    #[serde(default)]
    properties: serde_json::Map<String, Value>,
}

impl From<RawPage> for Page {
    fn from(raw: RawPage) -> Self {
        // The title is the one property of type `title`, whatever its name.
        let title = raw
            .properties
            .values()
            .find(|property| property["type"] == "title")
            .and_then(|property| property["title"].as_array())
            .map(|parts| {
                parts
                    .iter()
                    .filter_map(|part| part["plain_text"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: raw.id,
            title,
            url: raw.url,
            last_edited: raw.last_edited_time,
        }
    }
}

/// The pages whose title matches `query` (every shared page without one), most
/// recently edited first, at most `limit`.
///
/// # Errors
///
/// [`Error::NotConnected`], [`Error::NeedsReauth`], [`Error::RateLimited`],
/// [`Error::Refused`] for Notion's refusals, the provider errors of
/// [`OAuthClient::send`].
pub async fn search_pages(
    service: &ConnectorAuthService,
    user: UserId,
    query: Option<&str>,
    limit: u32,
) -> Result<Vec<Page>> {
    let client = service.get_oauth_client(user, KEY).await?;
    let mut body = json!({
        "filter": {"property": "object", "value": "page"},
        "sort": {"direction": "descending", "timestamp": "last_edited_time"},
        "page_size": limit,
    });
    if let Some(query) = query.filter(|query| !query.trim().is_empty()) {
        body["query"] = json!(query);
    }
    let found: SearchPage = call(
        &client,
        ApiRequest::post("v1/search").json(body),
        "notion search",
    )
    .await?;
    Ok(found
        .results
        .into_iter()
        .take(limit as usize)
        .map(Page::from)
        .collect())
}

/// Creates a page titled `page.title` under the page `page.parent`, its text as
/// paragraphs.
///
/// # Errors
///
/// As [`search_pages`]; a parent the integration cannot see is `object_not_found`.
pub async fn create_page(
    service: &ConnectorAuthService,
    user: UserId,
    page: &NewPage,
) -> Result<Page> {
    let client = service.get_oauth_client(user, KEY).await?;
    let paragraphs: Vec<Value> = page
        .text
        .as_deref()
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            json!({"object": "block", "type": "paragraph",
                   "paragraph": {"rich_text": rich_text(line)}})
        })
        .collect();
    let body = json!({
        "parent": {"type": "page_id", "page_id": page.parent},
        "properties": {"title": {"title": rich_text(&page.title)}},
        "children": paragraphs,
    });
    let created: RawPage = call(
        &client,
        ApiRequest::post("v1/pages").json(body),
        "notion pages.create",
    )
    .await?;
    Ok(created.into())
}

/// Text as Notion's rich text: pieces of at most 2000 characters.
fn rich_text(text: &str) -> Vec<Value> {
    let characters: Vec<char> = text.chars().collect();
    characters
        .chunks(TEXT_LIMIT)
        .map(|piece| json!({"type": "text", "text": {"content": piece.iter().collect::<String>()}}))
        .collect()
}

/// A request with `Notion-Version`, Notion's refusals read as [`Error::Refused`].
async fn call<T: serde::de::DeserializeOwned>(
    client: &OAuthClient<'_>,
    request: ApiRequest,
    what: &str,
) -> Result<T> {
    let request = request.header(
        HeaderName::from_static("notion-version"),
        HeaderValue::from_static(NOTION_VERSION),
    );
    match client.send(&request).await {
        Ok(answer) => answer.json(what),
        Err(Error::Provider { status, body }) if (400..500).contains(&status) => {
            Err(refusal(status, &body))
        }
        Err(error) => Err(error),
    }
}

/// Notion's error object as a refusal in words.
fn refusal(status: u16, body: &str) -> Error {
    #[derive(Deserialize)]
    struct NotionError {
        code: Option<String>,
        message: Option<String>,
    }
    let parsed = serde_json::from_str::<NotionError>(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|error| error.code.clone())
        .unwrap_or_else(|| format!("http_{status}"));
    let message = match code.as_str() {
        "object_not_found" => {
            "Notion cannot find that page, or it was not shared with this app".to_owned()
        }
        "restricted_resource" => "this app may not do that in Notion".to_owned(),
        _ => parsed.and_then(|error| error.message).map_or_else(
            || format!("Notion refused the request ({status})"),
            |message| connectors_core::http::truncate(message),
        ),
    };
    Error::Refused { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_titled_by_its_title_property_whatever_its_name() {
        let raw: RawPage = serde_json::from_value(json!({
            "object": "page", "id": "p1", "url": "https://www.notion.so/p1",
            "last_edited_time": "2026-12-01T10:00:00.000Z",
            "properties": {"Name": {"id": "title", "type": "title", "title": [
                {"type": "text", "plain_text": "Launch ", "text": {"content": "Launch "}},
                {"type": "text", "plain_text": "plan", "text": {"content": "plan"}}]}}
        }))
        .unwrap();
        assert_eq!(Page::from(raw).title, "Launch plan");
    }

    #[test]
    fn long_text_is_cut_in_pieces_notion_takes() {
        let pieces = rich_text(&"é".repeat(4500));
        let lengths: Vec<usize> = pieces
            .iter()
            .map(|piece| piece["text"]["content"].as_str().unwrap().chars().count())
            .collect();
        assert_eq!(lengths, [2000, 2000, 500]);
    }

    #[test]
    fn refusals_are_in_words() {
        let Error::Refused { code, message } = refusal(
            404,
            r#"{"object":"error","status":404,"code":"object_not_found","message":"Could not find page"}"#,
        ) else {
            panic!()
        };
        assert_eq!(code, "object_not_found");
        assert!(message.contains("not shared"));
    }
}
