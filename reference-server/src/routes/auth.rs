//! Sign up, log in, log out, who am I.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connectors_store::User;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{self, AuthUser};
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::state::AppState;
use crate::validate::{Email, NewPassword, Password};

/// Email and password of a new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Signup {
    /// Email address.
    pub email: Email,
    /// Password: 8 to 256 characters, anything printable.
    pub password: NewPassword,
}

/// Email and password of an existing account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// Email address.
    pub email: Email,
    /// Password.
    pub password: Password,
}

/// A user as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Sign-up time.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.clone(),
            created_at: user.created_at,
        }
    }
}

/// The answer of sign-up and login.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// The user.
    pub user: UserView,
    /// A bearer token for the same session as the cookie.
    pub token: String,
}

/// Creates a user and opens a session.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = Signup,
    responses((status = 201, body = SessionView), (status = 409, description = "email taken"), (status = 422, description = "invalid field"), (status = 429, description = "rate limited")))]
pub async fn signup(
    State(state): State<AppState>,
    peer: PeerAddr,
    ValidJson(body): ValidJson<Signup>,
) -> Result<Response, ApiError> {
    state.signup_limiter.check(&peer.0)?;
    let hash = state
        .hashing
        .hash(body.password.expose())
        .await
        .map_err(|error| ApiError::internal(&error))?;
    let token = connectors_core::random_token();
    let user = state
        .db
        .create_user_with_session(
            body.email.as_str(),
            &hash,
            &connectors_core::sha256_hex(&token),
            session_expiry(&state)?,
        )
        .await
        .map_err(|error| ApiError::internal(&error))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "email_taken",
                "an account with this email exists",
            )
        })?;
    Ok(session_answer(&state, &user, token, StatusCode::CREATED))
}

/// Checks a password and opens a new session (a new id each time).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = Login,
    responses((status = 200, body = SessionView), (status = 401, description = "bad credentials"), (status = 429, description = "rate limited")))]
pub async fn login(
    State(state): State<AppState>,
    peer: PeerAddr,
    headers: HeaderMap,
    ValidJson(body): ValidJson<Login>,
) -> Result<Response, ApiError> {
    state.login_limiter.check(&peer.0)?;
    let bad_credentials = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "wrong email or password",
        )
    };
    let user = state
        .db
        .user_by_email(body.email.as_str())
        .await
        .map_err(|error| ApiError::internal(&error))?;
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => state
            .hashing
            .dummy_hash()
            .await
            .map_err(|error| ApiError::internal(&error))?
            .to_owned(),
    };
    let matches = state
        .hashing
        .verify(body.password.expose(), hash)
        .await
        .map_err(|error| ApiError::internal(&error))?;
    match user {
        Some(user) if matches => {
            // A new session id on every login: the one the browser had is ended.
            auth::end_session(&state, &headers).await?;
            open_session(&state, &user, StatusCode::OK).await
        }
        _ => Err(bad_credentials()),
    }
}

async fn open_session(
    state: &AppState,
    user: &User,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let token = connectors_core::random_token();
    state
        .db
        .create_session(
            &connectors_core::sha256_hex(&token),
            user.id,
            session_expiry(state)?,
        )
        .await
        .map_err(|error| ApiError::internal(&error))?;
    Ok(session_answer(state, user, token, status))
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

fn session_answer(state: &AppState, user: &User, token: String, status: StatusCode) -> Response {
    let cookie = auth::session_cookie_header(state, &token);
    let body = SessionView {
        user: user.into(),
        token,
    };
    (status, [(SET_COOKIE, cookie)], Json(body)).into_response()
}

/// Ends the session server-side and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204, description = "logged out")))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::end_session(&state, &headers).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(SET_COOKIE, auth::clear_cookie_header(&state))],
    )
        .into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, description = "{user}"), (status = 401, description = "not signed in")))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let user = state
        .db
        .user_by_id(user)
        .await
        .map_err(|error| ApiError::internal(&error))?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(Json(serde_json::json!({ "user": UserView::from(&user) })))
}

/// The client's address: the socket peer (never a spoofable forwarding header).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub IpAddr);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PeerAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| {
                addr.ip()
            });
        Ok(Self(peer))
    }
}
