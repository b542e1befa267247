//! Connectors: listing, OAuth redirect and callback, config, revoke, activation, and the
//! Google Calendar events read through the user's connection ([`crate::connections`]).

use axum::extract::{Path, RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION, REFERRER_POLICY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connectors_core::ConnectorView;
use connectors_providers::google::CalendarEvent;
use serde::Serialize;
use url::Url;
use utoipa::ToSchema;

use crate::auth::{AuthUser, MaybeUser};
use crate::connections::{self, Activation, CallbackQuery, ConfigQuery, EventsQuery};
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::query::ValidQuery;
use crate::state::AppState;

/// Every connector with the user's state; `304` when `If-None-Match` names the list
/// the user would get.
#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors", operation_id = "list_connectors",
    params(("If-None-Match" = Option<String>, Header, description = "the ETag of a list already held")),
    responses(
        (status = 200, body = [crate::openapi::Connector], headers(("ETag" = String, description = "strong entity tag of the list"))),
        (status = 304, description = "the list has not changed since the ETag given"),
        (status = 401, description = "not signed in")))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let list = connections::connector_list(&state, user).await?;
    Ok(list.answer(&headers))
}

/// The answer of the redirect route to `Accept: application/json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationUrl {
    /// The provider's authorization URL.
    pub url: String,
}

/// Starts the OAuth flow: 302 to the provider, or `{"url"}` for `Accept: application/json`.
#[utoipa::path(get, path = "/api/v1/connectors/{key}/redirect", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 302, description = "to the provider"), (status = 200, body = AuthorizationUrl), (status = 503, description = "not configured")))]
pub async fn redirect(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let url = connections::authorization_url(&state, user, &key).await?;
    let no_store = [(CACHE_CONTROL, "no-store")];
    if connections::accepts_json(&headers) {
        Ok((no_store, Json(AuthorizationUrl { url: url.into() })).into_response())
    } else {
        Ok((StatusCode::FOUND, no_store, [(LOCATION, url.as_str())]).into_response())
    }
}

/// The provider sends the browser back here. Always answers with a redirect to the
/// dashboard's callback page, `status=success` or `status=error&reason=…`.
#[utoipa::path(get, path = "/api/v1/connectors/{key}/callback", tag = "connectors",
    params(("key" = String, Path, description = "connector key"), CallbackQuery),
    responses((status = 302, description = "to {FRONTEND_URL}/connectors/callback/{key}")))]
pub async fn callback(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let target = connections::finish_authorization(&state, user, &key, query.as_deref()).await?;
    Ok(to_dashboard(&target))
}

/// A redirect to a dashboard page that leaks nothing of the callback's URL onwards.
fn to_dashboard(target: &Url) -> Response {
    let headers = [
        (LOCATION, target.as_str()),
        (CACHE_CONTROL, "no-store"),
        (REFERRER_POLICY, "no-referrer"),
    ];
    (StatusCode::FOUND, headers).into_response()
}

/// Saves a config connector's fields (verified with the provider unless `?verify=false`).
#[utoipa::path(post, path = "/api/v1/connectors/{key}/config", tag = "connectors",
    params(("key" = String, Path, description = "connector key"), ConfigQuery),
    request_body(content = Object, description = "the connector's fields: the JSON Schema in the connector's `schema`"),
    responses((status = 200, body = crate::openapi::Connector), (status = 422, description = "invalid fields or rejected credentials"), (status = 502, description = "provider unreachable")))]
pub async fn save_config(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
    query: Result<ValidQuery<ConfigQuery>, ApiError>,
    ValidJson(fields): ValidJson<serde_json::Value>,
) -> Result<Json<ConnectorView>, ApiError> {
    // A bad body is answered before a bad query, as it always was.
    let ValidQuery(query) = query?;
    let view = connections::save_config(&state, user, &key, &fields, query).await?;
    Ok(Json(view))
}

/// Revokes at the provider (best effort), purges the credentials, marks it inactive.
#[utoipa::path(post, path = "/api/v1/connectors/{key}/revoke", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 200, body = crate::openapi::Connector, description = "the connector, disconnected")))]
pub async fn revoke(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
) -> Result<Json<ConnectorView>, ApiError> {
    Ok(Json(connections::disconnect(&state, user, &key).await?))
}

/// What the user must do to activate a connector: open an authorization URL (OAuth) or
/// give the listed fields (config). Used by the voice agent.
#[utoipa::path(post, path = "/api/v1/connectors/{key}/activate", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 200, body = Activation)))]
pub async fn activate(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
) -> Result<Json<Activation>, ApiError> {
    Ok(Json(connections::activation(&state, user, &key).await?))
}

/// The user's upcoming Google Calendar events.
#[utoipa::path(get, path = "/api/v1/connectors/google_calendar/events", tag = "connectors",
    params(EventsQuery),
    responses((status = 200, body = [crate::openapi::CalendarEventSchema]), (status = 409, description = "not_connected or needs_reauth"),
        (status = 503, description = "provider_unavailable: refreshing the token failed transiently; Retry-After says when to try again")))]
pub async fn calendar_events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<EventsQuery>,
) -> Result<Json<Vec<CalendarEvent>>, ApiError> {
    Ok(Json(
        connections::calendar_events(&state, user, query).await?,
    ))
}
