//! The user's connections, as the connector routes drive them: starting and finishing
//! an OAuth flow, saving a config connector's fields, disconnecting, what activating a
//! connector takes, and the Google Calendar events read through a connection.

use axum::http::header::ACCEPT;
use axum::http::HeaderMap;
use connectors_core::{
    CallbackParams, ConnectorSpec, ConnectorView, FieldErrorCode, FieldIssue, FieldParams, UserId,
};
use connectors_providers::google::{self, CalendarEvent, EventQuery};
use serde::{Deserialize, Serialize};
use url::Url;
use utoipa::{IntoParams, ToSchema};
use voice_tools::tools::EventsLimit;

use crate::error::ApiError;
use crate::query::{BoolParam, DateTimeParam};
use crate::state::AppState;

/// The provider's authorization URL that starts `user`'s OAuth flow for `key`.
///
/// # Errors
///
/// 404 for an unknown key, 400 `not_oauth` for a config connector, 503 when the server
/// The user's connector list as `GET /connectors` sends it: serialized once per build of
/// the engine's views (see [`crate::connector_list`]).
///
/// # Errors
///
/// The store's failures.
pub async fn connector_list(
    state: &AppState,
    user: UserId,
) -> Result<std::sync::Arc<crate::connector_list::ConnectorList>, ApiError> {
    let views = state.service.connector_views(user).await?;
    state
        .connector_lists
        .list(user, views)
        .map_err(|error| ApiError::internal(&error))
}

/// has no client id/secret for its provider.
pub async fn authorization_url(state: &AppState, user: UserId, key: &str) -> Result<Url, ApiError> {
    let connector = state.service.connector(key)?;
    if let ConnectorSpec::Config(_) = connector.spec() {
        return Err(ApiError::bad_request(
            "not_oauth",
            format!("connector `{key}` is configured with a form, not OAuth"),
        ));
    }
    Ok(state.service.authorization_url(user, key).await?)
}

/// Whether a request asks for JSON (`Accept: application/json`) rather than a redirect.
pub fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// Finishes an OAuth flow from the provider's redirect (its raw query) and returns the
/// dashboard page to send the browser to: `status=success`, or `status=error&reason=…`
/// with nothing stored.
///
/// # Errors
///
/// 404 for an unknown key (only a registered key goes into the redirect); every other
/// failure is a `reason` of the page.
pub async fn finish_authorization(
    state: &AppState,
    user: Option<UserId>,
    key: &str,
    query: Option<&str>,
) -> Result<Url, ApiError> {
    state.service.connector(key)?;
    let outcome = match CallbackQuery::parse(query.unwrap_or_default()) {
        Ok(params) => state
            .service
            .handle_callback(user, key, params.into())
            .await
            .map_err(|error| error.reason()),
        Err(reason) => Err(reason),
    };
    let mut target = state
        .settings
        .frontend_page(&["connectors", "callback", key]);
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
    Ok(target)
}

/// The query the provider sends the browser back with (RFC 6749 §4.1.2, RFC 9207).
///
/// Read from the raw query by [`CallbackQuery::parse`] rather than by a deserializer:
/// a parameter given twice is refused rather than one of them picked.
#[derive(Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The `state` the flow started with.
    pub state: Option<String>,
    /// The provider's error code (`access_denied`, …).
    pub error: Option<String>,
    /// The provider's issuer identifier, when it sends one.
    pub iss: Option<String>,
}

impl CallbackQuery {
    /// Reads a raw query: a second `state` is `invalid_state` (someone is splicing
    /// flows), any other repeat `invalid_request`; unknown parameters are ignored.
    ///
    /// # Errors
    ///
    /// The `reason` of the dashboard's error page.
    pub fn parse(query: &str) -> Result<Self, &'static str> {
        let mut params = Self::default();
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
}

impl From<CallbackQuery> for CallbackParams {
    fn from(query: CallbackQuery) -> Self {
        Self {
            code: query.code,
            state: query.state,
            error: query.error,
            iss: query.iss,
        }
    }
}

/// The query of `POST /connectors/{key}/config`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConfigQuery {
    /// Check the credentials with the provider (default true): `true`, `false`, `1`
    /// or `0`.
    #[param(value_type = Option<bool>)]
    pub verify: Option<BoolParam>,
}

/// Saves a config connector's fields, verified with the provider unless the query says
/// `verify=false`, and returns the connector as the user now sees it.
///
/// # Errors
///
/// 422 naming each bad field or for credentials the provider refuses, 502/504 when the
/// provider cannot be reached, 404 for an unknown key.
pub async fn save_config(
    state: &AppState,
    user: UserId,
    key: &str,
    fields: &serde_json::Value,
    query: ConfigQuery,
) -> Result<ConnectorView, ApiError> {
    let verify = query.verify.is_none_or(|BoolParam(verify)| verify);
    state.service.save_config(user, key, fields, verify).await?;
    Ok(state.service.connector_view(user, key).await?)
}

/// Revokes at the provider (best effort), purges the credentials, and returns the
/// connector as the user now sees it.
///
/// # Errors
///
/// 404 for an unknown key, 500 when the store fails.
pub async fn disconnect(
    state: &AppState,
    user: UserId,
    key: &str,
) -> Result<ConnectorView, ApiError> {
    state.service.revoke(user, key).await?;
    Ok(state.service.connector_view(user, key).await?)
}

/// What the user must do to activate a connector (the answer of
/// `POST /connectors/{key}/activate`, read by the voice agent).
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "kind")]
pub enum Activation {
    /// Open the provider's consent page.
    #[serde(rename = "oauth")]
    OAuth {
        /// The connector.
        key: String,
        /// The authorization URL.
        url: String,
        /// What to tell the user.
        message: String,
    },
    /// Fill in the connector's form.
    #[serde(rename = "config")]
    Config {
        /// The connector.
        key: String,
        /// The names of the fields, those of every variant of the schema included.
        fields: Vec<String>,
        /// The fields that are secrets.
        secret_fields: Vec<String>,
        /// JSON Schema of the fields.
        #[schema(required = true, value_type = Option<Object>)]
        schema: Option<serde_json::Value>,
        /// What to tell the user.
        message: String,
    },
}

/// What activating `key` takes: an authorization URL for an OAuth connector (its flow
/// started), the fields to ask for a config connector.
///
/// # Errors
///
/// As [`authorization_url`] for OAuth connectors; 404 for an unknown key.
pub async fn activation(state: &AppState, user: UserId, key: &str) -> Result<Activation, ApiError> {
    let connector = state.service.connector(key)?;
    let name = connector.name();
    match connector.spec() {
        ConnectorSpec::OAuth(_) => Ok(Activation::OAuth {
            key: key.to_owned(),
            url: authorization_url(state, user, key).await?.into(),
            message: format!("Open this address to connect {name}."),
        }),
        ConnectorSpec::Config(config) => {
            let view = state.service.connector_view(user, key).await?;
            Ok(Activation::Config {
                key: key.to_owned(),
                fields: config.field_names(),
                secret_fields: view.secret_fields,
                schema: view.schema,
                message: format!("{name} is connected with a form: ask the user for these fields."),
            })
        }
    }
}

/// The query of `GET /connectors/google_calendar/events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// RFC 3339 start (default now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<DateTimeParam>,
    /// RFC 3339 end, after `from`.
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<DateTimeParam>,
    /// How many events at most ([`EventsLimit`]: its bounds and default).
    #[param(schema_with = events_limit_schema)]
    pub limit: Option<EventsLimit>,
}

/// The OpenAPI schema of [`EventsLimit`], from its constants.
fn events_limit_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(EventsLimit::MIN))
        .maximum(Some(EventsLimit::MAX))
        .default(Some(EventsLimit::DEFAULT.into()))
        .description(Some(format!(
            "{}..={}, default {}",
            EventsLimit::MIN,
            EventsLimit::MAX,
            EventsLimit::DEFAULT
        )))
        .build()
}

/// The user's upcoming Google Calendar events in the query's window, the token
/// refreshed when needed.
///
/// # Errors
///
/// 422 `to` when the window ends before it starts, 409 `not_connected` or
/// `needs_reauth`, and the provider's failures.
pub async fn calendar_events(
    state: &AppState,
    user: UserId,
    query: EventsQuery,
) -> Result<Vec<CalendarEvent>, ApiError> {
    let from = query.from.map(|DateTimeParam(instant)| instant);
    let to = query.to.map(|DateTimeParam(instant)| instant);
    if let (Some(from), Some(to)) = (from, to) {
        if to <= from {
            let issue = FieldIssue::new(FieldErrorCode::MustBeAfter, "must be after `from`")
                .with_params(FieldParams {
                    other: Some("from".to_owned()),
                    ..FieldParams::default()
                });
            return Err(ApiError::invalid_field("to", issue));
        }
    }
    let limit = query.limit.unwrap_or_default().get();
    let query = EventQuery { from, to, limit };
    Ok(google::list_calendar_events(&state.service, user, &query).await?)
}
