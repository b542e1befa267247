//! Hearing about connection changes in process: [`ConnectorAuthService::subscribe`]
//! hands every lifecycle event to the application right after the transaction that
//! recorded it commits.
//!
//! The subscription is at most once and in process only (a receiver that falls behind
//! misses events, another replica's events are not seen): what must not be lost reads
//! the store's outbox, [`CredentialStore::events`](connectors_core::CredentialStore::events),
//! which is the durable truth. [`watch`] shows both: it reacts to each event as it
//! comes and, when it lagged, catches up from the outbox.

use std::sync::Arc;
use std::time::Duration;

use connectors_core::{ConnectorAuthService, Event, EventQuery, UserId};
use connectors_store::MemoryStore;
use tokio::sync::broadcast::error::RecvError;

/// A service over an in-memory store with the built-in connectors.
///
/// # Errors
///
/// Never in practice: the callback base is a constant URL.
pub fn service() -> anyhow::Result<Arc<ConnectorAuthService>> {
    let service = ConnectorAuthService::new(
        Arc::new(MemoryStore::new()),
        "http://localhost:3000/api".parse()?,
    )
    .with_connectors(connectors_providers::builtin());
    Ok(Arc::new(service))
}

/// Receives events until `count` have arrived or `patience` passes without one,
/// catching up from the outbox of `user` when the receiver lagged.
///
/// # Errors
///
/// The store's failure while catching up.
pub async fn watch(
    service: &ConnectorAuthService,
    mut receiver: tokio::sync::broadcast::Receiver<Event>,
    user: UserId,
    count: usize,
    patience: Duration,
) -> anyhow::Result<Vec<Event>> {
    let mut seen = Vec::new();
    while seen.len() < count {
        match tokio::time::timeout(patience, receiver.recv()).await {
            Ok(Ok(event)) => seen.push(event),
            Ok(Err(RecvError::Lagged(missed))) => {
                eprintln!("missed {missed} events; reading the outbox");
                let query = EventQuery::default();
                let mut outbox = service.store().events(user, &query).await?;
                outbox.reverse();
                seen = outbox;
            }
            Ok(Err(RecvError::Closed)) | Err(_) => break,
        }
    }
    Ok(seen)
}

/// Connects a user's SMTP server, then disconnects it, and returns the two events a
/// subscriber heard: `connection.connected`, then `connection.revoked`.
///
/// # Errors
///
/// The service's failures.
pub async fn connect_and_disconnect() -> anyhow::Result<Vec<Event>> {
    let service = service()?;
    let user = uuid::Uuid::new_v4();
    let receiver = service.subscribe();
    let watcher = {
        let service = service.clone();
        tokio::spawn(
            async move { watch(&service, receiver, user, 2, Duration::from_secs(5)).await },
        )
    };
    let fields = serde_json::json!({
        "host": "localhost", "port": 587, "security": "starttls",
        "username": "donna", "password": "app-password", "from": "donna@example.com"
    });
    service.save_config(user, "smtp", &fields, false).await?;
    service.revoke(user, "smtp").await?;
    watcher.await?
}
