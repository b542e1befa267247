//! Accounts: sign-up and login, each opening a session (stored by the hash of its
//! token, see [`crate::auth`]).

use std::fmt;
use std::net::IpAddr;

use axum::http::{HeaderMap, StatusCode};
use connectors_core::{random_token, sha256_hex};
use time::OffsetDateTime;

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;
use crate::users::User;
use crate::validate::{Email, NewPassword, Password};

/// A session just opened: its user and its token (for the cookie and as a bearer).
pub struct OpenedSession {
    /// The signed-in user.
    pub user: User,
    /// The session token; stored only as its hash.
    pub token: String,
}

impl fmt::Debug for OpenedSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenedSession")
            .field("user", &self.user.id)
            .finish_non_exhaustive()
    }
}

/// Creates a user and its first session in one transaction, for a client address under
/// its sign-up rate limit.
///
/// # Errors
///
/// 429 past the limit, 409 `email_taken`, 500 when the database or the hashing pool
/// fails.
pub async fn sign_up(
    state: &AppState,
    peer: IpAddr,
    email: &Email,
    password: NewPassword,
) -> Result<OpenedSession, ApiError> {
    state.signup_limiter.check(&peer)?;
    let hash = state.hashing.hash(password.expose()).await?;
    let token = random_token();
    let expires_at = session_expiry(state)?;
    let user = state
        .db
        .create_user_with_session(email.as_str(), &hash, &sha256_hex(&token), expires_at)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "email_taken",
                "an account with this email exists",
            )
        })?;
    Ok(OpenedSession { user, token })
}

/// Checks a password and opens a new session, ending the one the request carried (a
/// new id on every login). An unknown email costs the same hashing time as a wrong
/// password.
///
/// # Errors
///
/// 429 past the client address's login limit, 401 `invalid_credentials`, 500 when the
/// database or the hashing pool fails.
pub async fn log_in(
    state: &AppState,
    peer: IpAddr,
    headers: &HeaderMap,
    email: &Email,
    password: Password,
) -> Result<OpenedSession, ApiError> {
    state.login_limiter.check(&peer)?;
    let user = state.db.user_by_email(email.as_str()).await?;
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => state.hashing.dummy_hash().await?.to_owned(),
    };
    let matches = state.hashing.verify(password.expose(), hash).await?;
    match user {
        Some(user) if matches => {
            auth::end_session(state, headers).await?;
            open_session(state, user).await
        }
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong email or password",
        )),
    }
}

async fn open_session(state: &AppState, user: User) -> Result<OpenedSession, ApiError> {
    let token = random_token();
    state
        .db
        .create_session(&sha256_hex(&token), user.id, session_expiry(state)?)
        .await?;
    Ok(OpenedSession { user, token })
}

/// When a session opened now expires (`SESSION_TTL_HOURS` is bounded at start-up, so
/// this only fails on a clock near the end of time).
fn session_expiry(state: &AppState) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::now_utc()
        .checked_add(
            state
                .settings
                .session_ttl
                .try_into()
                .unwrap_or(time::Duration::MAX),
        )
        .ok_or_else(|| ApiError::internal(&std::io::Error::other("session expiry out of range")))
}
