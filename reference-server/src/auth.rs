//! Users' sessions: session tokens stored hashed, the cookie and bearer extractor, and
//! the foreign-`Origin` guard. Passwords are hashed by [`crate::hashing`].

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use connectors_core::{sha256_hex, UserId};

use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name over plain http.
pub const SESSION_COOKIE: &str = "session";
/// The session cookie's name over https (`__Host-` pins it to this origin).
pub const SECURE_SESSION_COOKIE: &str = "__Host-session";

/// The session token a request carries: `Authorization: Bearer …`, else the cookie.
///
/// Over https (`secure`) only the `__Host-session` cookie counts: a plain `session`
/// cookie could have been planted by a sibling subdomain, which is what the
/// `__Host-` prefix rules out.
pub fn request_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    if let Some(value) = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
    {
        if let Some(token) = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
        {
            return Some(token.trim().to_owned());
        }
    }
    session_cookie(
        headers,
        if secure {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        },
    )
}

fn session_cookie(headers: &HeaderMap, cookie_name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == cookie_name)
        .map(|(_, value)| value.to_owned())
}

/// The authenticated user of a request; rejects with 401 otherwise.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser(pub UserId);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        MaybeUser::from_request_parts(parts, state)
            .await?
            .0
            .map(AuthUser)
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The authenticated user of a request, if any.
#[derive(Debug, Clone, Copy)]
pub struct MaybeUser(pub Option<UserId>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = request_token(&parts.headers, state.settings.secure_cookies()) else {
            return Ok(Self(None));
        };
        let hash = sha256_hex(&token);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let ttl = state.settings.session_cache;
        if let Some(entry) = state.sessions.get(&hash) {
            let (user, expires_at, cached_at) = *entry.value();
            if cached_at.elapsed() < ttl && expires_at > now {
                return Ok(Self(Some(user)));
            }
        }
        let session = state.db.session(&hash).await?;
        match session {
            Some((user, expires_at)) => {
                if !ttl.is_zero() {
                    state
                        .sessions
                        .insert(hash, (user, expires_at, std::time::Instant::now()));
                }
                Ok(Self(Some(user)))
            }
            None => {
                state.sessions.remove(&hash);
                Ok(Self(None))
            }
        }
    }
}

/// Ends the session a request carries, if any: in the database and in this replica's
/// cache.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    if let Some(token) = request_token(headers, state.settings.secure_cookies()) {
        let hash = sha256_hex(&token);
        state.sessions.remove(&hash);
        state.db.delete_session(&hash).await?;
    }
    Ok(())
}

/// The cookie carrying a new session.
pub fn session_cookie_header(state: &AppState, token: &str) -> String {
    let max_age = state.settings.session_ttl.as_secs();
    if state.settings.secure_cookies() {
        format!("{SECURE_SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age={max_age}")
    } else {
        format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}")
    }
}

/// The cookie that ends a session in the browser.
pub fn clear_cookie_header(state: &AppState) -> String {
    if state.settings.secure_cookies() {
        format!("{SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0")
    } else {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// Refuses state-changing requests whose `Origin` is neither the API's nor the
/// dashboard's (cross-site request forgery defence on top of SameSite=Lax).
pub async fn refuse_foreign_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        if let Some(origin) = request.headers().get(ORIGIN) {
            let allowed = origin.to_str().ok().is_some_and(|origin| {
                state
                    .allowed_origins
                    .iter()
                    .any(|allowed| allowed == origin)
            });
            if !allowed {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "foreign_origin",
                    "cross-origin request refused",
                ));
            }
        }
    }
    Ok(next.run(request).await)
}

#[cfg(test)]
mod tests {
    use axum::http::header::COOKIE;
    use axum::http::HeaderMap;

    use super::request_token;

    fn cookies(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, value.parse().unwrap());
        headers
    }

    #[test]
    fn over_https_only_the_host_prefixed_cookie_is_read() {
        let planted = cookies("session=planted-by-a-sibling");
        assert_eq!(request_token(&planted, true), None);
        let both = cookies("session=planted; __Host-session=mine");
        assert_eq!(request_token(&both, true).as_deref(), Some("mine"));
    }

    #[test]
    fn over_http_only_the_plain_cookie_is_read() {
        let both = cookies("__Host-session=other; session=mine");
        assert_eq!(request_token(&both, false).as_deref(), Some("mine"));
        assert_eq!(request_token(&cookies("__Host-session=x"), false), None);
    }
}
