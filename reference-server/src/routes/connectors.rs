//! Connectors: listing, OAuth redirect and callback, config, revoke, activation, and the
//! Google Calendar events read through the user's connection.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, LOCATION, REFERRER_POLICY};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use connectors_core::{CallbackParams, ConnectorKind, ConnectorView};
use connectors_providers::google::{CalendarEvent, EventQuery};
use serde_json::json;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use url::Url;

use crate::auth::{AuthUser, MaybeUser};
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::state::AppState;

/// Every connector with the user's state.
#[utoipa::path(get, path = "/api/v1/connectors", tag = "connectors",
    responses((status = 200, description = "array of connectors: key, name, kind, provider, configured, connected, status, scopes, expires_at, connected_as, schema, secret_fields, config"), (status = 401, description = "not signed in")))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Arc<[ConnectorView]>>, ApiError> {
    Ok(Json(state.service.connector_views(user).await?))
}

/// Starts the OAuth flow: 302 to the provider, or `{"url"}` for `Accept: application/json`.
#[utoipa::path(get, path = "/api/v1/connectors/{key}/redirect", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 302, description = "to the provider"), (status = 200, description = "{url}"), (status = 503, description = "not configured")))]
pub async fn redirect(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let url = authorization_url(&state, user, &key).await?;
    let wants_json = headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    let no_store = [(CACHE_CONTROL, "no-store")];
    if wants_json {
        Ok((no_store, Json(json!({ "url": url.as_str() }))).into_response())
    } else {
        Ok((StatusCode::FOUND, no_store, [(LOCATION, url.as_str())]).into_response())
    }
}

async fn authorization_url(state: &AppState, user: uuid::Uuid, key: &str) -> Result<Url, ApiError> {
    let connector = state.service.connector(key)?;
    if connector.spec().kind() != ConnectorKind::OAuth {
        return Err(ApiError::bad_request(
            "not_oauth",
            format!("connector `{key}` is configured with a form, not OAuth"),
        ));
    }
    Ok(state.service.authorization_url(user, key).await?)
}

/// The provider sends the browser back here. Always answers with a redirect to the
/// dashboard's callback page, `status=success` or `status=error&reason=…`.
#[utoipa::path(get, path = "/api/v1/connectors/{key}/callback", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 302, description = "to {FRONTEND_URL}/connectors/callback/{key}")))]
pub async fn callback(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    // Only a registered key goes into the redirect.
    state.service.connector(&key)?;
    let outcome = match callback_params(query.as_deref().unwrap_or_default()) {
        Ok(params) => state
            .service
            .handle_callback(user, &key, params)
            .await
            .map_err(|error| error.reason()),
        Err(reason) => Err(reason),
    };
    let mut target = state
        .settings
        .frontend_page(&["connectors", "callback", &key]);
    match outcome {
        Ok(()) => {
            target.query_pairs_mut().append_pair("status", "success");
        }
        Err(reason) => {
            tracing::info!(connector = %key, reason, "authorization callback refused");
            target
                .query_pairs_mut()
                .append_pair("status", "error")
                .append_pair("reason", reason);
        }
    }
    Ok((
        StatusCode::FOUND,
        [
            (LOCATION, target.as_str()),
            (CACHE_CONTROL, "no-store"),
            (REFERRER_POLICY, "no-referrer"),
        ],
    )
        .into_response())
}

/// The callback's query. A parameter given twice is refused rather than one of them
/// picked: a second `state` is `invalid_state` (someone is splicing flows), any other
/// repeat `invalid_request`.
fn callback_params(query: &str) -> Result<CallbackParams, &'static str> {
    let mut params = CallbackParams::default();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let (slot, repeated) = match name.as_ref() {
            "code" => (&mut params.code, "invalid_request"),
            "state" => (&mut params.state, "invalid_state"),
            "error" => (&mut params.error, "invalid_request"),
            "iss" => (&mut params.iss, "invalid_request"),
            _ => continue,
        };
        if slot.replace(value.into_owned()).is_some() {
            return Err(repeated);
        }
    }
    Ok(params)
}

/// Saves a config connector's fields (verified with the provider unless `?verify=false`).
#[utoipa::path(post, path = "/api/v1/connectors/{key}/config", tag = "connectors",
    params(("key" = String, Path, description = "connector key"), ("verify" = Option<bool>, Query, description = "check the credentials with the provider (default true)")),
    request_body(content = Object, description = "the connector's fields"),
    responses((status = 200, description = "the connector"), (status = 422, description = "invalid fields or rejected credentials"), (status = 502, description = "provider unreachable")))]
pub async fn save_config(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    ValidJson(fields): ValidJson<serde_json::Value>,
) -> Result<Json<ConnectorView>, ApiError> {
    let verify = match query.get("verify").map(String::as_str) {
        None | Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(_) => return Err(ApiError::invalid_field("verify", "expected true or false")),
    };
    state
        .service
        .save_config(user, &key, &fields, verify)
        .await?;
    Ok(Json(state.service.connector_view(user, &key).await?))
}

/// Revokes at the provider (best effort), purges the credentials, marks it inactive.
#[utoipa::path(post, path = "/api/v1/connectors/{key}/revoke", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 200, description = "the connector, disconnected")))]
pub async fn revoke(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
) -> Result<Json<ConnectorView>, ApiError> {
    state.service.revoke(user, &key).await?;
    Ok(Json(state.service.connector_view(user, &key).await?))
}

/// What the user must do to activate a connector: open an authorization URL (OAuth) or
/// give the listed fields (config). Used by the voice agent.
#[utoipa::path(post, path = "/api/v1/connectors/{key}/activate", tag = "connectors",
    params(("key" = String, Path, description = "connector key")),
    responses((status = 200, description = "{kind:\"oauth\", url} or {kind:\"config\", fields, schema}")))]
pub async fn activate(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(key): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let connector = state.service.connector(&key)?;
    match connector.spec().kind() {
        ConnectorKind::OAuth => {
            let url = authorization_url(&state, user, &key).await?;
            Ok(Json(json!({
                "kind": "oauth",
                "key": key,
                "url": url.as_str(),
                "message": format!("Open this address to connect {}.", connector.name()),
            })))
        }
        ConnectorKind::Config => {
            let view = state.service.connector_view(user, &key).await?;
            let fields = view.schema.as_ref().map(field_names).unwrap_or_default();
            Ok(Json(json!({
                "kind": "config",
                "key": key,
                "fields": fields,
                "secret_fields": view.secret_fields,
                "schema": view.schema,
                "message": format!("{} is connected with a form: ask the user for these fields.", connector.name()),
            })))
        }
    }
}

/// The property names of a config schema, including those of its `anyOf`/`oneOf`
/// variants (Twilio takes an auth token or an API key), in order, once each.
fn field_names(schema: &serde_json::Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut visit = vec![schema];
    while let Some(node) = visit.pop() {
        if let Some(properties) = node.get("properties").and_then(|value| value.as_object()) {
            for name in properties.keys() {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        for combinator in ["oneOf", "anyOf", "allOf"] {
            if let Some(variants) = node.get(combinator).and_then(|value| value.as_array()) {
                visit.extend(variants.iter().rev());
            }
        }
    }
    names
}

/// The user's upcoming Google Calendar events.
#[utoipa::path(get, path = "/api/v1/connectors/google_calendar/events", tag = "connectors",
    params(("from" = Option<String>, Query, format = DateTime, description = "RFC 3339 start (default now)"),
           ("to" = Option<String>, Query, format = DateTime, description = "RFC 3339 end, after `from`"),
           ("limit" = Option<u32>, Query, minimum = 1, maximum = 250, description = "1..=250, default 10")),
    responses((status = 200, description = "array of events"), (status = 409, description = "not_connected or needs_reauth")))]
pub async fn calendar_events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Vec<CalendarEvent>>, ApiError> {
    let instant = |field: &str| -> Result<Option<OffsetDateTime>, ApiError> {
        query
            .get(field)
            .map(|value| {
                OffsetDateTime::parse(value, &Rfc3339).map_err(|_| {
                    ApiError::invalid_field(
                        field,
                        "expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z",
                    )
                })
            })
            .transpose()
    };
    let from = instant("from")?;
    let to = instant("to")?;
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            return Err(ApiError::invalid_field("to", "must be after `from`"));
        }
    }
    let limit = match query.get("limit") {
        None => 10,
        Some(value) => value
            .parse::<u32>()
            .ok()
            .filter(|limit| (1..=250).contains(limit))
            .ok_or_else(|| {
                ApiError::invalid_field("limit", "expected a whole number from 1 to 250")
            })?,
    };
    let query = EventQuery { from, to, limit };
    Ok(Json(
        connectors_providers::google::list_calendar_events(&state.service, user, &query).await?,
    ))
}
