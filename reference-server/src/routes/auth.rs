//! Sign up, log in, log out, who am I.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{self, OpenedSession};
use crate::auth::{self, AuthUser};
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::state::AppState;
use crate::users::User;
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

/// The answer of `GET /auth/me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    /// The signed-in user.
    pub user: UserView,
}

/// Creates a user and opens a session.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = Signup,
    responses((status = 201, body = SessionView), (status = 409, description = "email taken"), (status = 422, description = "invalid field"), (status = 429, description = "rate limited")))]
pub async fn signup(
    State(state): State<AppState>,
    peer: PeerAddr,
    ValidJson(body): ValidJson<Signup>,
) -> Result<Response, ApiError> {
    let session = accounts::sign_up(&state, peer.0, &body.email, body.password).await?;
    Ok(session_answer(&state, session, StatusCode::CREATED))
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
    let session = accounts::log_in(&state, peer.0, &headers, &body.email, body.password).await?;
    Ok(session_answer(&state, session, StatusCode::OK))
}

/// The session's cookie and `{user, token}`.
fn session_answer(state: &AppState, session: OpenedSession, status: StatusCode) -> Response {
    let cookie = auth::session_cookie_header(state, &session.token);
    let body = SessionView {
        user: (&session.user).into(),
        token: session.token,
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
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = MeView), (status = 401, description = "not signed in")))]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<MeView>, ApiError> {
    let user = state.db.user_by_id(user).await?;
    let user = user.ok_or_else(ApiError::unauthenticated)?;
    Ok(Json(MeView {
        user: (&user).into(),
    }))
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
