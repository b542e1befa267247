//! The voice agent's routes: client secrets and the tool catalog ([`crate::voice`]).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use voice_tools::ToolDefinition;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::state::AppState;
use crate::tool_calls::{self, Caller, ToolCallAnswer, ToolCallRequest};
pub use crate::voice::{ClientSecretView, Voice, DONNA_INSTRUCTIONS};

/// Mints a short-lived client secret for the signed-in user's voice session.
#[utoipa::path(post, path = "/api/v1/realtime/client-secret", tag = "realtime",
    responses((status = 200, body = ClientSecretView), (status = 401, description = "not signed in"),
              (status = 429, description = "rate limited"), (status = 503, description = "voice not configured or OpenAI unavailable"),
              (status = 502, description = "OpenAI refused")))]
pub async fn client_secret(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<ClientSecretView>, ApiError> {
    Ok(Json(crate::voice::mint_client_secret(&state, user).await?))
}

/// The tool catalog: name, description, JSON Schema parameters and REST binding.
#[utoipa::path(get, path = "/api/v1/realtime/tools", tag = "realtime", responses((status = 200, body = [crate::openapi::Tool], description = "the catalog")))]
pub async fn tools(State(state): State<AppState>, _user: AuthUser) -> Json<Vec<ToolDefinition>> {
    Json(state.voice.catalog.listing().to_vec())
}

/// Runs one voice tool call for the signed-in user: arguments checked against the
/// catalog, approval required where the tool needs it, the tool's route run in process.
#[utoipa::path(post, path = "/api/v1/realtime/tool-calls", tag = "realtime", request_body = ToolCallRequest,
    responses((status = 200, body = ToolCallAnswer), (status = 401, description = "not signed in"),
              (status = 409, body = crate::error::ErrorBody, description = "approval_required, with `summary`"),
              (status = 422, body = crate::error::ErrorBody, description = "call_id, name, arguments or arguments.<field> at fault")))]
pub async fn tool_call(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ValidJson(request): ValidJson<ToolCallRequest>,
) -> Result<Json<ToolCallAnswer>, ApiError> {
    let peer = peer.map(|Extension(peer)| peer);
    let caller = Caller {
        user,
        headers,
        peer,
    };
    Ok(Json(tool_calls::run(&state, caller, request).await?))
}
