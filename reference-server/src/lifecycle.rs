//! The user's lifecycle events (SPEC §11) as `GET /api/v1/events` serves them: newest
//! first, filtered by connector, paged backwards from an event id.

use connectors_core::{
    Event, EventQuery, EventType, FieldErrorCode, FieldIssue, StoreError, UserId,
};
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::state::AppState;

/// The query of `GET /events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LifecycleQuery {
    /// Only this connector's events (a connector key such as `google_calendar`).
    pub connector: Option<String>,
    /// How many events at most: 1 to 200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<LifecycleLimit>,
    /// Only events older than the event with this id (the last id of the previous
    /// page); an id that is not one of the user's events answers 422 naming `before`.
    pub before: Option<String>,
}

/// How many lifecycle events a page holds: [`LifecycleLimit::MIN`] to
/// [`LifecycleLimit::MAX`], [`LifecycleLimit::DEFAULT`] when not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LifecycleLimit(u32);

impl LifecycleLimit {
    /// The smallest page.
    pub const MIN: u32 = 1;
    /// The largest page.
    pub const MAX: u32 = 200;
    /// The page when no limit is given.
    pub const DEFAULT: u32 = 50;

    /// The limit.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for LifecycleLimit {
    fn default() -> Self {
        Self(Self::DEFAULT)
    }
}

impl<'de> Deserialize<'de> for LifecycleLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse::<u32>()
            .ok()
            .filter(|limit| (Self::MIN..=Self::MAX).contains(limit))
            .map(Self)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "expected a whole number from {} to {}",
                    Self::MIN,
                    Self::MAX
                ))
            })
    }
}

/// A lifecycle event as the API lists it: `{id, type, connector, created_at, data}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LifecycleEvent {
    /// Unique and stable (`evt_…`): the webhook id of the same event.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "connection.connected")]
    pub event_type: EventType,
    /// The connector it is about, if any.
    #[schema(required = true)]
    pub connector: Option<String>,
    /// When, RFC 3339 UTC.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The type's own fields (`reconnected`, `reason`, `provider_revoked`, …); never a
    /// secret.
    #[schema(value_type = Object)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl From<Event> for LifecycleEvent {
    fn from(event: Event) -> Self {
        Self {
            id: event.id,
            event_type: event.event_type,
            connector: event.connector,
            created_at: event.created_at,
            data: event.data,
        }
    }
}

/// The user's own events, newest first.
///
/// # Errors
///
/// 422 naming `before` when it is not one of the user's event ids; 500 when the store
/// fails.
pub async fn events(
    state: &AppState,
    user: UserId,
    query: LifecycleQuery,
) -> Result<Vec<LifecycleEvent>, ApiError> {
    let query = EventQuery {
        connector: query.connector,
        before: query.before,
        limit: query.limit.unwrap_or_default().get(),
    };
    match state.service.store().events(user, &query).await {
        Ok(events) => Ok(events.into_iter().map(LifecycleEvent::from).collect()),
        Err(StoreError::UnknownEvent) => Err(ApiError::invalid_field(
            "before",
            FieldIssue::new(FieldErrorCode::NotFound, "no event of yours has this id"),
        )),
        Err(error) => Err(error.into()),
    }
}
