//! Connect a user's third-party accounts, store their credentials safely, refresh and
//! revoke them.
//!
//! - [`Connector`]: a connector's key, name and shape ([`ConnectorSpec`]): an OAuth
//!   connector, a [`StandardOAuth`] value (an [`OAuthSpec`], an [`AccountProbe`],
//!   [`OAuthQuirks`] for the odd provider), or a [`ConfigConnector`], whose fields are
//!   one `JsonSchema + Deserialize` type.
//! - [`ConnectorAuthService`]: authorization URL, callback, token storage, single-flight
//!   refresh, revocation.
//! - [`CredentialStore`]: where credentials live; implementations (SQLite, PostgreSQL,
//!   the SQL ones encrypting at rest) are in the `connectors-store` crate; `MemoryStore`
//!   (feature `test-util`) is here, for tests and examples.
//! - [`Event`]: the lifecycle events the store records with each change.
//! - [`http`]: the HTTP plumbing connector implementations share.
//!
//! This crate names no provider: the built-in connectors (Google Calendar, Gmail, Slack,
//! Notion, Calendly, SMTP, Twilio, MinIO, Hostinger) are in `connectors-providers`, and a
//! connector of your own is one [`Connector`] implementation. Config connectors publish
//! the JSON Schema of their fields (secrets marked `writeOnly`), name every bad field at
//! once ([`Error::InvalidConfig`]) and verify credentials with one cheap call
//! ([`Error::Rejected`] when the provider refuses them). User-supplied hosts can be kept
//! off private networks with [`ConnectorAuthService::with_block_private_targets`].
//!
//! # Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use connectors_core::{Connector, ConnectorAuthService, CredentialStore, ProviderConfig};
//! # async fn run(
//! #     store: Arc<dyn CredentialStore>,
//! #     connectors: Vec<Arc<dyn Connector>>,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! // `connectors`: e.g. `connectors_providers::builtin()`, or your own.
//! let service = ConnectorAuthService::new(store, "https://app.example.com/api/v1".parse()?)
//!     .with_connectors(connectors)
//!     .with_provider("google", ProviderConfig::new("client-id", "client-secret".into()));
//!
//! let user = uuid::Uuid::new_v4();
//! // 1. Send the browser to the provider.
//! let url = service.authorization_url(user, "google_calendar").await?;
//! # let (code, state) = (String::new(), String::new());
//! // 2. On `/api/v1/connectors/google_calendar/callback?code&state`:
//! let params = connectors_core::CallbackParams { code: Some(code), state: Some(state), ..Default::default() };
//! service.handle_callback(Some(user), "google_calendar", params).await?;
//! // 3. Use the connection; the token is refreshed when needed.
//! let token = service.access_token(user, "google_calendar").await?;
//! # Ok(()) }
//! ```

mod config;
mod connector;
mod error;
mod events;
pub mod http;
#[cfg(any(test, feature = "test-util"))]
mod memory;
mod oauth_flow;
mod redact;
mod service;
mod standard;
mod store;
mod tokens;
mod view;

pub use config::{AnyConfigConnector, ConfigConnector, Fields};
pub use connector::{
    ClientAuth, ConfigContext, Connector, ConnectorKind, ConnectorSpec, OAuthConnector,
    OAuthContext, OAuthSpec, ProviderEndpoints, RevokeToken, Revoked, TokenGrant,
};
pub use error::{
    CallbackError, Error, FieldError, FieldErrorCode, FieldFormat, FieldIssue, FieldParams, Result,
};
pub use events::{Event, EventQuery, EventType, PendingDelivery};
#[cfg(any(test, feature = "test-util"))]
pub use memory::MemoryStore;
pub use redact::redacted_excerpt;
pub use service::{
    default_http_client, ApiRequest, BackgroundRefresh, CallbackParams, ConfigCall,
    ConnectorAuthService, OAuthClient, ProviderConfig, Revocation, WorkerRun, CALLBACK_ROUTE,
};
pub use standard::{AccountProbe, OAuthQuirks, StandardOAuth, TokenRequest};
pub use store::{
    credentials_poll, ConnectorState, ConnectorStatus, CredentialStore, Credentials,
    CredentialsWatch, DueGrant, DueQuery, ExpiringGrant, PendingAuthorization, PendingRevocation,
    Purge, RefreshFailure, RefreshHealth, RefreshedToken, StoreError, StoredCredentials, UserId,
    CREDENTIALS_POLL,
};
pub use tokens::{random_token, sha256_hex};
pub use view::{ConnectorView, LastErrorCode, LastErrorParams};

pub use async_trait::async_trait;
pub use oauth2;
pub use oauth2::{AccessToken, RefreshToken};
pub use secrecy;
pub use url;
pub use uuid;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
