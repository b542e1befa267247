//! The voice agent's routes: client secrets and the tool catalog ([`crate::voice`]).

use axum::extract::State;
use axum::Json;
use voice_tools::ToolDefinition;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;
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
