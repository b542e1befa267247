//! The request id: every request span carries one, and every answer echoes it in
//! `x-request-id`. An id the client (or a proxy in front) sent is kept when it is
//! usable in a log line; otherwise the server makes a UUID (tower-http's
//! `SetRequestIdLayer`, which only fills a missing header).

use axum::extract::Request;
use axum::http::HeaderName;

/// `x-request-id`.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest incoming request id kept.
pub const MAX_REQUEST_ID_LEN: usize = 128;

/// Whether an incoming id is kept: 1 to [`MAX_REQUEST_ID_LEN`] characters among ASCII
/// letters, digits and `-_.:/+=` (UUIDs, ULIDs, hex, base64 and the ids of common
/// proxies), so that it cannot break a log line or bloat every one of them.
pub fn is_usable(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|byte| byte.is_ascii_alphanumeric() || b"-_.:/+=".contains(byte))
}

/// Removes an unusable (or repeated) incoming `x-request-id`, so that a new one is made.
pub async fn drop_unusable_request_id(mut request: Request) -> Request {
    let headers = request.headers_mut();
    let mut ids = headers.get_all(&X_REQUEST_ID).iter();
    let usable = match (ids.next(), ids.next()) {
        (Some(id), None) => is_usable(id.as_bytes()),
        (None, _) => true,
        (Some(_), Some(_)) => false,
    };
    if !usable {
        headers.remove(&X_REQUEST_ID);
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fit_for_a_log_line_are_kept_and_others_are_not() {
        assert!(is_usable(b"0192d1a5-7c3e-7b21-9f04-5a6b8c9d0e1f"));
        assert!(is_usable(b"Root=1-67891233-abcdef012345678912345678"));
        assert!(is_usable(&[b'a'; MAX_REQUEST_ID_LEN]));
        assert!(!is_usable(&[b'a'; MAX_REQUEST_ID_LEN + 1]));
        assert!(!is_usable(b""));
        assert!(!is_usable(b"two words"));
        assert!(!is_usable(b"quote\"d"));
        assert!(!is_usable("caf\u{e9}".as_bytes()));
    }
}
