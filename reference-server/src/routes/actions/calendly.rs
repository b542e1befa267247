//! Calendly's actions (read-only): upcoming events, event types.

use axum::extract::State;
use axum::Json;
use connectors_providers::calendly;

use crate::actions::calendly::{self as actions, CalendlyEventTypesQuery, CalendlyEventsQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::query::ValidQuery;
use crate::state::AppState;

/// The user's upcoming Calendly events (active, from now on), soonest first.
#[utoipa::path(get, path = "/api/v1/connectors/calendly/events", tag = "actions", params(CalendlyEventsQuery),
    responses((status = 200, body = [crate::actions::calendly::CalendlyEventSchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad limit, or provider_refused"), (status = 429, description = "provider_rate_limited")))]
pub async fn calendly_events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<CalendlyEventsQuery>,
) -> Result<Json<Vec<calendly::ScheduledEvent>>, ApiError> {
    Ok(Json(actions::calendly_events(&state, user, query).await?))
}

/// The user's active Calendly event types, with their booking links.
#[utoipa::path(get, path = "/api/v1/connectors/calendly/event-types", tag = "actions", params(CalendlyEventTypesQuery),
    responses((status = 200, body = [crate::actions::calendly::CalendlyEventTypeSchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 422, description = "a bad limit, or provider_refused"), (status = 429, description = "provider_rate_limited")))]
pub async fn calendly_event_types(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<CalendlyEventTypesQuery>,
) -> Result<Json<Vec<calendly::EventType>>, ApiError> {
    Ok(Json(
        actions::calendly_event_types(&state, user, query).await?,
    ))
}
