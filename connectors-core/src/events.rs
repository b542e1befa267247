//! Lifecycle events: every change of a connection, recorded by the store in the same
//! transaction as the change (a transactional outbox), so an application hears about
//! it whatever happens to the process afterwards.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::store::UserId;

/// The kind of a lifecycle [`Event`] (SPEC §11 names them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventType {
    /// A connection was made (OAuth callback or config saved); `data.reconnected`.
    #[serde(rename = "connection.connected")]
    Connected,
    /// An access token was refreshed.
    #[serde(rename = "connection.refreshed")]
    Refreshed,
    /// A refresh failed for a transient reason; `data.attempt`, `data.retry_at`.
    #[serde(rename = "connection.refresh_failed")]
    RefreshFailed,
    /// A refresh succeeded after failures.
    #[serde(rename = "connection.recovered")]
    Recovered,
    /// The provider refused the grant for good; `data.reason`.
    #[serde(rename = "connection.needs_reauth")]
    NeedsReauth,
    /// A refresh token's known expiry is near; `data.expires_at`.
    #[serde(rename = "connection.expiring")]
    Expiring,
    /// The user disconnected; `data.provider_revoked` says whether the provider
    /// confirmed the grant is dead.
    #[serde(rename = "connection.revoked")]
    Revoked,
    /// The voice agent called a tool; `data.tool`, `data.call_id`, `data.outcome`.
    #[serde(rename = "tool.called")]
    ToolCalled,
}

impl EventType {
    /// Every type, in the order of SPEC §11.
    pub const ALL: [Self; 8] = [
        Self::Connected,
        Self::Refreshed,
        Self::RefreshFailed,
        Self::Recovered,
        Self::NeedsReauth,
        Self::Expiring,
        Self::Revoked,
        Self::ToolCalled,
    ];

    /// The wire name (`connection.revoked`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connection.connected",
            Self::Refreshed => "connection.refreshed",
            Self::RefreshFailed => "connection.refresh_failed",
            Self::Recovered => "connection.recovered",
            Self::NeedsReauth => "connection.needs_reauth",
            Self::Expiring => "connection.expiring",
            Self::Revoked => "connection.revoked",
            Self::ToolCalled => "tool.called",
        }
    }

    /// The type with this wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lifecycle event: `{id, type, user_id, connector, created_at, data}`.
///
/// `data` holds the type's own fields and never a secret. Ids are unique, stable strings
/// (`evt_` and a time-ordered UUID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique and stable: the same on every delivery of the event.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// Whose connection.
    pub user_id: UserId,
    /// Which connector, when the event is about one.
    pub connector: Option<String>,
    /// When, to the second (RFC 3339 UTC on the wire).
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The type's own fields.
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    /// A new event, now, with a fresh id.
    pub fn new(
        event_type: EventType,
        user_id: UserId,
        connector: Option<&str>,
        data: serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            id: format!("evt_{}", uuid::Uuid::now_v7().simple()),
            event_type,
            user_id,
            connector: connector.map(str::to_owned),
            // Stores keep seconds: an event reads back as it was written.
            created_at: now.replace_nanosecond(0).unwrap_or(now),
            data,
        }
    }
}

/// Which events [`CredentialStore::events`](crate::CredentialStore::events) returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Only this connector's events.
    pub connector: Option<String>,
    /// Only events older than the event with this id (pages backwards).
    pub before: Option<String>,
    /// At most this many, newest first.
    pub limit: u32,
}

impl Default for EventQuery {
    fn default() -> Self {
        Self {
            connector: None,
            before: None,
            limit: 50,
        }
    }
}

/// An event claimed for webhook delivery by
/// [`CredentialStore::claim_deliveries`](crate::CredentialStore::claim_deliveries).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingDelivery {
    /// The event, exactly as recorded: every attempt builds the same body from it.
    pub event: Event,
    /// Delivery attempts already made (0 for an event never tried).
    pub attempts: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_round_trips_through_its_wire_name() {
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::Value::String(kind.as_str().to_owned())
            );
        }
    }

    #[test]
    fn event_ids_are_unique_and_ordered_by_creation() {
        let user = uuid::Uuid::new_v4();
        let first = Event::new(EventType::Revoked, user, Some("slack"), Default::default());
        let second = Event::new(EventType::Revoked, user, Some("slack"), Default::default());
        assert_ne!(first.id, second.id);
        assert!(first.id < second.id, "{} < {}", first.id, second.id);
        assert!(first.id.starts_with("evt_"));
    }
}
