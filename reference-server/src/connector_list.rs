//! `GET /connectors` as bytes: the serialized list kept beside the engine's per-user
//! view cache, with a strong `ETag`, so a cache hit serializes nothing and a client that
//! already has the list gets `304 Not Modified` and no body.
//!
//! The bytes are tied to the very `Arc` of views they were made from: when the engine
//! rebuilds a user's views (a write through this replica, or its cache lifetime over),
//! the `Arc` is a new one and the bytes are made again. So the list is never staler than
//! the engine's views.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use connectors_core::{ConnectorView, UserId};
use dashmap::DashMap;
use sha2::{Digest, Sha256};

/// A user's serialized connector list.
#[derive(Debug)]
pub struct ConnectorList {
    views: Arc<[ConnectorView]>,
    body: Bytes,
    etag: HeaderValue,
}

impl ConnectorList {
    fn new(views: Arc<[ConnectorView]>) -> Result<Self, serde_json::Error> {
        let body = Bytes::from(serde_json::to_vec(&*views)?);
        let digest = Sha256::digest(&body);
        let tag: String = digest[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let etag = HeaderValue::from_str(&format!("\"{tag}\""))
            .expect("quoted hex is a valid header value");
        Ok(Self { views, body, etag })
    }

    /// The strong entity tag of the list.
    pub fn etag(&self) -> &HeaderValue {
        &self.etag
    }

    /// `304` when `request_headers` carry an `If-None-Match` naming this list's tag (or
    /// `*`), else `200` with the JSON body. Either way with the tag and
    /// `Cache-Control: private, no-cache`: a browser keeps the list and asks again each
    /// time, moving no body while it has not changed.
    pub fn answer(&self, request_headers: &HeaderMap) -> Response {
        let headers = [
            (ETAG, self.etag.clone()),
            (CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
            (VARY, HeaderValue::from_static("authorization, cookie")),
        ];
        if self.matches(request_headers) {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        let json = [(CONTENT_TYPE, HeaderValue::from_static("application/json"))];
        (headers, json, Body::from(self.body.clone())).into_response()
    }

    /// Whether an `If-None-Match` names this list (weak comparison, RFC 9110 §13.1.2).
    fn matches(&self, request_headers: &HeaderMap) -> bool {
        let ours = self.etag.as_bytes();
        request_headers
            .get_all(IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/").as_bytes() == ours)
    }
}

/// Every user's serialized list, as long as the engine caches the views it came from.
#[derive(Debug, Default)]
pub struct ConnectorListCache {
    lists: DashMap<UserId, Arc<ConnectorList>>,
}

impl ConnectorListCache {
    /// The serialized list of `views` (the engine's current views of `user`): the kept
    /// one when it was made from these very views, else a new one, kept.
    ///
    /// # Errors
    ///
    /// A view that does not serialize (never, for the engine's views).
    pub fn list(
        &self,
        user: UserId,
        views: Arc<[ConnectorView]>,
    ) -> Result<Arc<ConnectorList>, serde_json::Error> {
        if let Some(kept) = self.lists.get(&user) {
            if Arc::ptr_eq(&kept.views, &views) {
                return Ok(Arc::clone(&kept));
            }
        }
        let list = Arc::new(ConnectorList::new(views)?);
        self.lists.insert(user, Arc::clone(&list));
        Ok(list)
    }

    /// Forgets the lists whose views the engine no longer caches (call it after
    /// [`connectors_core::ConnectorAuthService::forget_stale_views`]).
    pub fn forget_stale(&self) {
        self.lists
            .retain(|_, list| Arc::strong_count(&list.views) > 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> ConnectorList {
        ConnectorList::new(Arc::from(Vec::new())).unwrap()
    }

    fn asking(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_in_lists() {
        let list = list();
        let tag = list.etag().to_str().unwrap().to_owned();
        assert!(list.matches(&asking(&tag)));
        assert!(list.matches(&asking(&format!("W/{tag}"))));
        assert!(list.matches(&asking(&format!("\"other\", {tag}"))));
        assert!(list.matches(&asking("*")));
        assert!(!list.matches(&asking("\"other\"")));
        assert!(!list.matches(&HeaderMap::new()));
        assert_eq!(
            list.answer(&asking(&tag)).status(),
            StatusCode::NOT_MODIFIED
        );
        assert_eq!(list.answer(&HeaderMap::new()).status(), StatusCode::OK);
    }

    #[test]
    fn the_same_views_give_the_same_bytes_and_new_views_new_ones() {
        let cache = ConnectorListCache::default();
        let user = uuid::Uuid::new_v4();
        let views: Arc<[ConnectorView]> = Arc::from(Vec::new());
        let first = cache.list(user, Arc::clone(&views)).unwrap();
        let again = cache.list(user, Arc::clone(&views)).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        let engine_holds: Arc<[ConnectorView]> = Arc::from(Vec::new());
        let rebuilt = cache.list(user, Arc::clone(&engine_holds)).unwrap();
        assert!(!Arc::ptr_eq(&first, &rebuilt));
        assert_eq!(first.etag(), rebuilt.etag(), "same content, same tag");
        cache.forget_stale();
        assert!(
            cache.lists.contains_key(&user),
            "kept while the engine caches its views"
        );
        drop(engine_holds);
        cache.forget_stale();
        assert!(!cache.lists.contains_key(&user), "forgotten with them");
    }
}
