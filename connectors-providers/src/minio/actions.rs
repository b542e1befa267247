//! What a user does with a connected bucket: list the objects under a prefix
//! (ListObjectsV2) and put a file in it (PutObject), SigV4-signed with the stored keys,
//! sent to the endpoint's addresses that pass the SSRF guard at the time of the call.

use connectors_core::http as wire;
use connectors_core::{ConnectorAuthService, Error, FieldError, FieldIssue, Result, UserId};
use serde::Serialize;

use super::{pinned_client, refusal, signed_request_headers, xml_element, Minio, MinioConfig};
use connectors_core::ConfigConnector as _;

/// The longest object key S3 takes, in bytes.
const KEY_LIMIT: usize = 1024;

/// An object of the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredObject {
    /// Its key (path in the bucket).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last written, as S3 says it (ISO 8601).
    pub last_modified: Option<String>,
}

/// A file to put in the bucket (see [`put_object`]).
#[derive(Clone)]
pub struct NewObject {
    /// The key to write.
    pub key: String,
    /// Its media type.
    pub content_type: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for NewObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewObject")
            .field("key", &self.key)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// An object just written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PutObject {
    /// The bucket.
    pub bucket: String,
    /// The key written.
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
    /// The server's entity tag of the object, quotes removed.
    pub etag: Option<String>,
}

/// The objects whose key starts with `prefix` (all without one), at most `limit`, in
/// key order.
///
/// # Errors
///
/// [`Error::NotConnected`]; [`Error::Rejected`] when the keys no longer work;
/// [`Error::InvalidConfig`] naming `bucket` when it is gone; [`Error::RateLimited`]
/// (`SlowDown`); the transport errors.
pub async fn list_objects(
    service: &ConnectorAuthService,
    user: UserId,
    prefix: Option<&str>,
    limit: u32,
) -> Result<Vec<StoredObject>> {
    let config = service.stored_config(user, &Minio).await?;
    let call = service.config_call(Minio::KEY)?;
    let mut url = config.endpoint_url()?;
    url.set_path(&format!("/{}", config.bucket));
    let query = {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("list-type", "2")
            .append_pair("max-keys", &limit.to_string());
        if let Some(prefix) = prefix.filter(|prefix| !prefix.is_empty()) {
            query.append_pair("prefix", prefix);
        }
        // S3 signs `%20`, not `+`.
        query.finish().replace('+', "%20")
    };
    url.set_query(Some(&query));
    let answer = send(&config, &call, "GET", &url, Vec::new(), None).await?;
    let body = String::from_utf8_lossy(&answer.body);
    Ok(elements(&body, "Contents")
        .filter_map(|contents| {
            Some(StoredObject {
                key: unescape(&xml_element(contents, "Key")?),
                size: xml_element(contents, "Size")?.parse().ok()?,
                last_modified: xml_element(contents, "LastModified"),
            })
        })
        .take(limit as usize)
        .collect())
}

/// Writes `object` at its key in the bucket (replacing what was there).
///
/// # Errors
///
/// [`Error::InvalidConfig`] naming `key` when it is empty, too long or has control
/// characters; as [`list_objects`].
pub async fn put_object(
    service: &ConnectorAuthService,
    user: UserId,
    object: &NewObject,
) -> Result<PutObject> {
    check_key(&object.key)?;
    let config = service.stored_config(user, &Minio).await?;
    let call = service.config_call(Minio::KEY)?;
    let mut url = config.endpoint_url()?;
    url.set_path(&format!("/{}/{}", config.bucket, encode_key(&object.key)));
    let answer = send(
        &config,
        &call,
        "PUT",
        &url,
        object.bytes.clone(),
        object.content_type.as_deref(),
    )
    .await?;
    let etag = answer
        .headers
        .get("etag")
        .and_then(|value| value.to_str().ok())
        .map(|etag| etag.trim_matches('"').to_owned());
    Ok(PutObject {
        bucket: config.bucket,
        key: object.key.clone(),
        size: object.bytes.len() as u64,
        etag,
    })
}

/// A signed request to the endpoint; a non-2xx answer read as S3 means it.
async fn send(
    config: &MinioConfig,
    call: &connectors_core::ConfigCall,
    method: &str,
    url: &url::Url,
    body: Vec<u8>,
    content_type: Option<&str>,
) -> Result<wire::Answer> {
    let ctx = call.context();
    let http = pinned_client(&config.endpoint_url()?, ctx.block_private_targets).await?;
    let signed = signed_request_headers(config, method, url, &body)?;
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| Error::InvalidResponse(format!("bad method {method}")))?;
    let mut request = http.request(method, url.clone());
    for (name, value) in &signed {
        request = request.header(name.as_str(), value.as_str());
    }
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let answer = wire::send(request.body(body)).await?;
    if answer.status.is_success() {
        Ok(answer)
    } else {
        Err(refusal(&answer))
    }
}

/// An object key S3 takes, or a field error naming `key`.
fn check_key(key: &str) -> Result<()> {
    let problem = if key.is_empty() || key.starts_with('/') {
        Some("expected a key such as reports/summary.pdf, not starting with /")
    } else if key.len() > KEY_LIMIT {
        Some("at most 1024 bytes")
    } else if key.chars().any(char::is_control) {
        Some("control characters are not allowed")
    } else {
        None
    };
    match problem {
        Some(problem) => Err(Error::InvalidConfig(vec![FieldError::new(
            "key",
            FieldIssue::from(problem.to_owned()),
        )])),
        None => Ok(()),
    }
}

/// A key as one path: every byte but unreserved characters and `/` percent-encoded (the
/// form SigV4's single encoding signs).
fn encode_key(key: &str) -> String {
    let mut encoded = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The contents of every `<name>…</name>` of an XML document, in order.
fn elements<'a>(body: &'a str, name: &str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut rest = body;
    std::iter::from_fn(move || {
        let start = rest.find(&open)? + open.len();
        let end = rest[start..].find(&close)? + start;
        let element = &rest[start..end];
        rest = &rest[end + close.len()..];
        Some(element)
    })
}

/// XML's five escapes, undone.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_as_one_path_and_checked() {
        assert_eq!(
            encode_key("reports/Q1 summary+final.pdf"),
            "reports/Q1%20summary%2Bfinal.pdf"
        );
        assert_eq!(encode_key("été.txt"), "%C3%A9t%C3%A9.txt");
        assert!(check_key("reports/a.pdf").is_ok());
        for bad in ["", "/abs", "line\nbreak"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_listing_gives_every_contents_element() {
        let body = "<ListBucketResult><Contents><Key>a&amp;b.txt</Key><Size>5</Size>\
                    <LastModified>2026-12-01T10:00:00.000Z</LastModified></Contents>\
                    <Contents><Key>c.txt</Key><Size>7</Size></Contents></ListBucketResult>";
        let keys: Vec<String> = elements(body, "Contents")
            .map(|contents| unescape(&xml_element(contents, "Key").unwrap()))
            .collect();
        assert_eq!(keys, ["a&b.txt", "c.txt"]);
    }
}
