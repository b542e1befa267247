//! Calendly (read-only): the upcoming scheduled events and the event types.

use connectors_core::UserId;
use connectors_providers::calendly;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use voice_tools::tools::{CalendlyEventTypesLimit, CalendlyEventsLimit};

use crate::error::ApiError;
use crate::state::AppState;

/// The query of `GET /connectors/calendly/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendlyEventsQuery {
    /// How many events at most: 1..=50, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<CalendlyEventsLimit>,
}

/// The query of `GET /connectors/calendly/event-types`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CalendlyEventTypesQuery {
    /// How many event types at most: 1..=50, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<CalendlyEventTypesLimit>,
}

/// A scheduled event as `GET /connectors/calendly/events` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = CalendlyEvent)]
pub struct CalendlyEventSchema {
    /// Its name, e.g. `30 Minute Meeting`.
    pub name: String,
    /// When it starts, RFC 3339 UTC.
    pub start: String,
    /// When it ends, RFC 3339 UTC.
    pub end: String,
    /// Where: the address, the call's link, else the kind of location.
    #[schema(required = true)]
    pub location: Option<String>,
    /// How many invitees are still coming.
    #[schema(required = true)]
    pub invitees: Option<u64>,
    /// Calendly's URI of the event.
    pub uri: String,
}

/// An event type as `GET /connectors/calendly/event-types` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = CalendlyEventType)]
pub struct CalendlyEventTypeSchema {
    /// Its name.
    pub name: String,
    /// How long it lasts, in minutes.
    #[schema(required = true)]
    pub duration_minutes: Option<u64>,
    /// The booking page to share.
    #[schema(required = true)]
    pub scheduling_url: Option<String>,
    /// Calendly's URI of the event type.
    pub uri: String,
}

/// The user's upcoming Calendly events, soonest first.
///
/// # Errors
///
/// 409 `not_connected` / `needs_reauth`, 422 `provider_refused`, 429
/// `provider_rate_limited`, the provider's failures.
pub async fn calendly_events(
    state: &AppState,
    user: UserId,
    query: CalendlyEventsQuery,
) -> Result<Vec<calendly::ScheduledEvent>, ApiError> {
    let limit = query.limit.unwrap_or_default().get();
    Ok(calendly::upcoming_events(&state.service, user, limit).await?)
}

/// The user's active Calendly event types.
///
/// # Errors
///
/// As [`calendly_events`].
pub async fn calendly_event_types(
    state: &AppState,
    user: UserId,
    query: CalendlyEventTypesQuery,
) -> Result<Vec<calendly::EventType>, ApiError> {
    let limit = query.limit.unwrap_or_default().get();
    Ok(calendly::event_types(&state.service, user, limit).await?)
}
