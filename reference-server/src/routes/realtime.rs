//! The voice agent's server half: client secrets and the tool catalog.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use realtime_secret::{ClientSecretMinter, Error as MintError, SessionConfig};
use serde::Serialize;
use utoipa::ToSchema;
use voice_tools::{Catalog, ToolDefinition};

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::state::AppState;

/// Donna's instructions, sent with every client secret.
pub const DONNA_INSTRUCTIONS: &str = "\
Tu es Donna, une assistante vocale francophone, chaleureuse et efficace. \
Réponds toujours dans la langue de l'utilisateur (en français s'il parle français, en anglais s'il parle anglais, etc.), \
avec des phrases courtes faites pour être dites à voix haute.\n\
Tu aides l'utilisateur à connecter ses comptes (Google Calendar, Gmail, Slack, Notion, Calendly, SMTP, Twilio, MinIO, Hostinger) \
et à s'en servir, grâce à tes outils:\n\
- list_connectors: l'état de chaque connecteur;\n\
- activate_connector: pour un connecteur OAuth, ouvre la page de consentement du fournisseur; pour un connecteur à formulaire, \
dis quels champs l'utilisateur doit remplir;\n\
- revoke_connector: déconnecte un compte. Demande TOUJOURS une confirmation explicite avant de révoquer, \
et ne révoque qu'après un oui clair;\n\
- list_events: les prochains événements de Google Calendar;\n\
- create_project et list_projects: les projets de l'utilisateur;\n\
- upload_file: l'utilisateur choisit un fichier dans la page.\n\
Quand un outil renvoie une erreur, explique-la simplement et propose la suite (par exemple reconnecter un compte \
qui demande une nouvelle autorisation). N'invente jamais un résultat: appelle l'outil.";

/// The voice pieces of the state.
#[derive(Debug)]
pub struct Voice {
    /// `None` without `OPENAI_API_KEY`.
    pub minter: Option<ClientSecretMinter>,
    /// The tools, built from the connector registry.
    pub catalog: Catalog,
    /// Model, voice, instructions, tools, TTL.
    pub session: SessionConfig,
}

impl Voice {
    /// The voice pieces for a server whose connectors have these keys.
    pub fn new(
        minter: Option<ClientSecretMinter>,
        connector_keys: Vec<String>,
        session: SessionConfig,
    ) -> Arc<Self> {
        let catalog = Catalog::new(connector_keys);
        let tools = catalog
            .to_openai_tools()
            .into_iter()
            .filter_map(|tool| serde_json::from_value(tool).ok());
        let session = session
            .with_instructions(DONNA_INSTRUCTIONS)
            .with_tools(tools);
        Arc::new(Self {
            minter,
            catalog,
            session,
        })
    }
}

/// A minted client secret, for the browser.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientSecretView {
    /// The ephemeral key (`ek_…`) the browser connects with.
    pub value: String,
    /// When it expires (unix seconds).
    pub expires_at: i64,
    /// The Realtime model of the session.
    pub model: String,
    /// Where the browser sends its WebRTC offer.
    pub calls_url: String,
}

/// Mints a short-lived client secret for the signed-in user's voice session.
#[utoipa::path(post, path = "/api/v1/realtime/client-secret", tag = "realtime",
    responses((status = 200, body = ClientSecretView), (status = 401, description = "not signed in"),
              (status = 429, description = "rate limited"), (status = 503, description = "voice not configured or OpenAI unavailable"),
              (status = 502, description = "OpenAI refused")))]
pub async fn client_secret(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<ClientSecretView>, ApiError> {
    state.mint_limiter.check(&user)?;
    let Some(minter) = &state.voice.minter else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "voice_not_configured",
            "voice is not configured on this server (OPENAI_API_KEY is not set)",
        ));
    };
    let secret = minter
        .mint(&state.voice.session)
        .await
        .map_err(mint_error)?;
    Ok(Json(ClientSecretView {
        value: secret.value.expose_secret().to_owned(),
        expires_at: secret.expires_at,
        model: state.voice.session.model().to_owned(),
        calls_url: state.settings.realtime_calls_url.to_string(),
    }))
}

fn mint_error(error: MintError) -> ApiError {
    tracing::warn!(error = %crate::error::error_chain(&error), "client secret minting failed");
    let status = error.status_hint();
    match &error {
        MintError::RateLimited { .. } => {
            ApiError::rate_limited(error.retry_after().map_or(5, |wait| wait.as_secs().max(1)))
        }
        MintError::QuotaExceeded { .. } => ApiError::new(
            status,
            "voice_quota_exceeded",
            "the voice provider's quota is exhausted",
        ),
        MintError::Unauthorized { .. } => ApiError::new(
            status,
            "voice_upstream_refused",
            "the voice provider refused this server's API key",
        ),
        MintError::InvalidRequest { .. } => ApiError::new(
            status,
            "voice_upstream_refused",
            "the voice provider refused the session settings",
        ),
        _ if status == StatusCode::SERVICE_UNAVAILABLE => ApiError::new(
            status,
            "voice_unavailable",
            "the voice provider is unavailable, try again shortly",
        ),
        _ => ApiError::new(
            StatusCode::BAD_GATEWAY,
            "voice_upstream_error",
            "unexpected answer from the voice provider",
        ),
    }
}

/// The tool catalog: name, description, JSON Schema parameters and REST binding.
#[utoipa::path(get, path = "/api/v1/realtime/tools", tag = "realtime", responses((status = 200, description = "array of tools")))]
pub async fn tools(State(state): State<AppState>, _user: AuthUser) -> Json<Vec<ToolDefinition>> {
    Json(state.voice.catalog.listing().to_vec())
}
