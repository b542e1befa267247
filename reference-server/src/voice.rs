//! The voice agent's server half: Donna's session settings, the tool catalog, and the
//! minting of client secrets for the signed-in user.

use std::sync::Arc;

use axum::http::StatusCode;
use connectors_core::UserId;
use realtime_secret::{ClientSecretMinter, FunctionTool, SessionConfig};
use serde::Serialize;
use utoipa::ToSchema;
use voice_tools::Catalog;

use crate::error::ApiError;
use crate::metrics::MintOutcome;
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
- upload_file: l'utilisateur choisit un fichier dans la page;\n\
- Slack: list_slack_channels (les canaux et leur id), read_slack_channel (les derniers messages d'un canal: \
résume-les plutôt que de tout lire), post_slack_message (publie au nom de l'utilisateur: relis le message d'abord);\n\
- Gmail: list_gmail_messages (les derniers e-mails, avec une recherche Gmail comme from:marie is:unread);\n\
- SMTP: send_email (envoie un e-mail depuis le serveur de l'utilisateur: relis destinataire, objet et message d'abord);\n\
- MinIO: list_minio_objects (les fichiers du bucket), put_file_in_minio (copie un fichier déposé avec upload_file);\n\
- Notion: search_notion_pages (les pages partagées avec l'application), create_notion_page (sous une page choisie par l'utilisateur);\n\
- Twilio: list_sms (les derniers SMS du compte, reçus et envoyés), send_sms (envoie un SMS depuis un numéro du compte, \
au format international +33…: relis destinataire et texte d'abord);\n\
- Calendly: list_calendly_events (les prochains rendez-vous pris via Calendly), list_calendly_event_types \
(les types de rendez-vous, leur durée et le lien de réservation à partager);\n\
- Hostinger: list_hostinger_domains (les domaines et leur expiration), list_hostinger_subscriptions \
(les abonnements, leur renouvellement et leur prix).\n\
Les outils qui écrivent ou suppriment (revoke_connector, post_slack_message, send_email, send_sms, put_file_in_minio, create_notion_page) attendent la confirmation de l'utilisateur \
dans la page: annonce ce que tu vas faire, puis appelle l'outil; si l'utilisateur refuse, dis-le simplement.\n\
Si un outil répond qu'un compte n'est pas connecté (not_connected) ou demande une nouvelle autorisation (needs_reauth), \
dis-le clairement et propose de le connecter avec activate_connector.\n\
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
        // Every catalog entry becomes one SDK tool: nothing is dropped on the way.
        let tools = catalog.listing().iter().map(|tool| {
            FunctionTool::new(tool.name(), tool.description(), tool.parameters().clone())
        });
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

/// Mints a client secret for `user`'s voice session, under the per-user rate limit.
///
/// # Errors
///
/// 429 past the limit, 503 without `OPENAI_API_KEY`, and OpenAI's refusals as
/// [`ApiError`]'s `From<realtime_secret::Error>` maps them.
pub async fn mint_client_secret(
    state: &AppState,
    user: UserId,
) -> Result<ClientSecretView, ApiError> {
    state.mint_limiter.check(&user)?;
    let Some(minter) = &state.voice.minter else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "voice_not_configured",
            "voice is not configured on this server (OPENAI_API_KEY is not set)",
        ));
    };
    let minted = minter.mint(&state.voice.session).await;
    state.metrics.client_secret(if minted.is_ok() {
        MintOutcome::Ok
    } else {
        MintOutcome::Error
    });
    let secret = minted?;
    Ok(ClientSecretView {
        value: secret.value.expose_secret().to_owned(),
        expires_at: secret.expires_at,
        model: state.voice.session.model().to_owned(),
        calls_url: state.settings.realtime_calls_url.to_string(),
    })
}
