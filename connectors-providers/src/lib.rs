//! The built-in connectors of the connectors SDK, one module per provider, each speaking
//! its provider's own wire format (token answers, error shapes, quirks).
//!
//! - OAuth: [`google`] (`google_calendar`), [`gmail`], [`slack`], [`notion`],
//!   [`calendly`].
//! - Config: [`smtp`] (feature `smtp`), [`twilio`], [`minio`] (feature `minio`),
//!   [`hostinger`].
//! - [`net`]: the checks on user-supplied hosts (syntax and the SSRF guard) that custom
//!   connectors can reuse.
//!
//! The heavy dependencies sit behind the features of the connectors that need them:
//! `smtp` (lettre) and `minio` (aws-sigv4), both on by default.
//!
//! # Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use connectors_core::{ConnectorAuthService, CredentialStore, ProviderConfig};
//! # async fn run(store: Arc<dyn CredentialStore>) -> Result<(), Box<dyn std::error::Error>> {
//! let service = ConnectorAuthService::new(store, "https://app.example.com/api/v1".parse()?)
//!     .with_connectors(connectors_providers::builtin())
//!     .with_provider("google", ProviderConfig::new("client-id", "client-secret".into()));
//! let user = uuid::Uuid::new_v4();
//! let events = connectors_providers::google::list_calendar_events(
//!     &service,
//!     user,
//!     &connectors_providers::google::EventQuery::default(),
//! )
//! .await?;
//! # Ok(()) }
//! ```

pub mod calendly;
pub mod gmail;
pub mod google;
pub mod hostinger;
#[cfg(feature = "minio")]
pub mod minio;
pub mod net;
pub mod notion;
pub mod slack;
#[cfg(feature = "smtp")]
pub mod smtp;
pub mod twilio;

use std::sync::Arc;
use std::time::Duration;

use connectors_core::Connector;

/// How long a config connector's verification may take when it opens its own connection
/// (SMTP, S3): connect, TLS, authentication and one command.
pub(crate) const VERIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Every built-in connector this build has, in the order the dashboard shows them.
pub fn builtin() -> Vec<Arc<dyn Connector>> {
    let mut connectors: Vec<Arc<dyn Connector>> = vec![
        Arc::new(google::calendar()),
        Arc::new(gmail::gmail()),
        Arc::new(slack::slack()),
        Arc::new(notion::notion()),
        Arc::new(calendly::calendly()),
    ];
    #[cfg(feature = "smtp")]
    connectors.push(Arc::new(smtp::Smtp));
    connectors.push(Arc::new(twilio::Twilio));
    #[cfg(feature = "minio")]
    connectors.push(Arc::new(minio::Minio));
    connectors.push(Arc::new(hostinger::Hostinger));
    connectors
}

/// Refuses values with whitespace inside (keys, SIDs and tokens never have any).
pub(crate) fn no_spaces(value: &str) -> Result<(), connectors_core::FieldIssue> {
    if value.chars().any(char::is_whitespace) {
        Err(connectors_core::FieldIssue::has_spaces())
    } else {
        Ok(())
    }
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
