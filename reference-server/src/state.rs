//! [`AppState`]: what every handler can reach.

use std::net::IpAddr;
use std::sync::Arc;

use connectors_core::{ConnectorAuthService, UserId};

use crate::config::Settings;
use crate::db::Database;
use crate::hashing::PasswordHashing;
use crate::metrics::Metrics;
use crate::ratelimit::KeyedLimiter;
use crate::voice::Voice;

/// Shared state of the server; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Settings read at start-up.
    pub settings: Arc<Settings>,
    /// The database.
    pub db: Database,
    /// The connectors SDK.
    pub service: Arc<ConnectorAuthService>,
    /// Origins allowed to send state-changing requests.
    pub allowed_origins: Arc<Vec<String>>,
    /// Signups per client address.
    pub signup_limiter: Arc<KeyedLimiter<IpAddr>>,
    /// Password hashing, bounded to one hash per core.
    pub hashing: Arc<PasswordHashing>,
    /// Login attempts per client address.
    pub login_limiter: Arc<KeyedLimiter<IpAddr>>,
    /// Client-secret mints per user.
    pub mint_limiter: Arc<KeyedLimiter<UserId>>,
    /// Recently seen sessions: token hash → (user, expiry as unix seconds, when cached).
    pub sessions: Arc<dashmap::DashMap<String, (UserId, i64, std::time::Instant)>>,
    /// Client-secret minting and the tool catalog.
    pub voice: Arc<Voice>,
    /// The counters and histograms of `GET /metrics`.
    pub metrics: Metrics,
    /// Each user's serialized `GET /connectors` answer, beside the engine's view cache.
    pub connector_lists: Arc<crate::connector_list::ConnectorListCache>,
    /// The server's own router, through which voice tool calls run.
    pub tool_router: crate::tool_calls::ToolRouter,
    /// Cancelled at SIGTERM or SIGINT (or by [`crate::Application::shutdown_token`]):
    /// background workers await it to stop.
    pub shutdown: tokio_util::sync::CancellationToken,
}
