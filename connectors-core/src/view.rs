//! [`ConnectorView`]: a connector as a user sees it, ready to serialize.

use serde::Serialize;
use time::OffsetDateTime;

use crate::connector::{Connector, ConnectorKind, ConnectorSpec};
use crate::store::{ConnectorState, ConnectorStatus};

/// A connector as a user sees it: definition, server configuration and the user's
/// state. Never holds a secret.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectorView {
    /// Stable key.
    pub key: String,
    /// Human name.
    pub name: String,
    /// `oauth` or `config`.
    pub kind: ConnectorKind,
    /// Provider name.
    pub provider: String,
    /// Whether the server can run it (OAuth client id/secret present).
    pub configured: bool,
    /// Whether the user has usable credentials stored.
    pub connected: bool,
    /// `active`, `inactive`, `needs_reauth` or `error`.
    pub status: ConnectorStatus,
    /// Granted scopes (or, before connecting, the scopes it asks for).
    pub scopes: Vec<String>,
    /// When the access token expires.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When the user connected it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub connected_at: Option<OffsetDateTime>,
    /// The last error, in English words.
    pub last_error: Option<String>,
    /// What `last_error` is about, for a page to say it in its own language.
    pub last_error_code: Option<LastErrorCode>,
    /// The provider's own words in `last_error`, when it gave some (Google's
    /// `error_description`, an OAuth error code), redacted: the only part of it a page
    /// shows as it is, as the provider's words.
    pub last_error_detail: Option<String>,
    /// What a page's sentence for `last_error_code` may say beside it.
    pub last_error_params: LastErrorParams,
    /// Who the account is ("Connected as …").
    pub connected_as: Option<String>,
    /// For config connectors: the JSON Schema of the fields.
    pub schema: Option<serde_json::Value>,
    /// For config connectors: the fields that are secret (write-only).
    pub secret_fields: Vec<String>,
    /// For config connectors: the saved non-secret field values.
    pub config: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ConnectorView {
    /// Builds the view of `connector` for a user whose state is `state`.
    pub fn new(
        connector: &dyn Connector,
        configured: bool,
        state: Option<&ConnectorState>,
    ) -> Self {
        let spec = connector.spec();
        let (schema, requested_scopes) = match spec {
            ConnectorSpec::OAuth(oauth) => (None, oauth.oauth().scopes.clone()),
            ConnectorSpec::Config(config) => (Some(config.config_schema()), Vec::new()),
        };
        let secret_fields = schema.as_ref().map(secret_fields_of).unwrap_or_default();
        let connected = state.is_some_and(|state| state.connected);
        Self {
            key: connector.key().to_owned(),
            name: connector.name().to_owned(),
            kind: spec.kind(),
            provider: connector.provider().to_owned(),
            configured,
            connected,
            status: state.map_or(ConnectorStatus::Inactive, |state| state.status),
            scopes: state
                .map(|state| state.scopes.clone())
                .filter(|scopes| !scopes.is_empty())
                .unwrap_or(requested_scopes),
            expires_at: state.and_then(|state| state.expires_at),
            connected_at: state.and_then(|state| state.connected_at),
            last_error: state.and_then(|state| state.last_error.clone()),
            last_error_code: state.and_then(LastErrorCode::of),
            last_error_detail: state.and_then(|state| state.last_error_detail.clone()),
            last_error_params: state.map(LastErrorParams::of).unwrap_or_default(),
            connected_as: state
                .filter(|_| connected)
                .and_then(|state| account_label(&state.public)),
            config: match spec {
                ConnectorSpec::Config(_) => state
                    .filter(|_| connected)
                    .map(|state| state.public.clone()),
                ConnectorSpec::OAuth(_) => None,
            },
            schema,
            secret_fields,
        }
    }
}

/// What a connector's `last_error` is about, stable across versions: pages translate it
/// and show `last_error`'s English words for a code they do not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LastErrorCode {
    /// The provider refused the stored grant (`needs_reauth`): the user must connect
    /// again. `last_error` holds the reason, the provider's words when it gave some.
    NeedsReauth,
    /// Refreshing the token failed transiently three times in a row (`error`); the
    /// engine keeps trying with backoff.
    RefreshFailing,
    /// Refreshing the token failed transiently, fewer than three times in a row; the
    /// connection is still `active` and the engine tries again shortly.
    RefreshFailed,
    /// Another failure: `last_error` says what.
    Other,
}

impl LastErrorCode {
    /// Every code.
    pub const ALL: &'static [Self] = &[
        Self::NeedsReauth,
        Self::RefreshFailing,
        Self::RefreshFailed,
        Self::Other,
    ];

    /// The code of a connector's state, derived from its status (the engine sets
    /// `last_error` only when refusing a grant or failing to refresh one); `None`
    /// without a `last_error`.
    pub fn of(state: &ConnectorState) -> Option<Self> {
        state.last_error.as_ref()?;
        Some(match state.status {
            ConnectorStatus::NeedsReauth => Self::NeedsReauth,
            ConnectorStatus::Error => Self::RefreshFailing,
            ConnectorStatus::Active => Self::RefreshFailed,
            ConnectorStatus::Inactive => Self::Other,
        })
    }
}

/// The facts a sentence about a connector's last error may give: for the refresh
/// failures (`refresh_failing`, `refresh_failed`), how many in a row and when the
/// engine tries again; `null` otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LastErrorParams {
    /// Transient refresh failures in a row.
    pub attempts: Option<u32>,
    /// When the engine tries to refresh again.
    #[serde(with = "time::serde::rfc3339::option")]
    pub retry_at: Option<OffsetDateTime>,
}

impl LastErrorParams {
    /// The facts of a connector's state that its [`LastErrorCode`] may use.
    pub fn of(state: &ConnectorState) -> Self {
        match LastErrorCode::of(state) {
            Some(LastErrorCode::RefreshFailing | LastErrorCode::RefreshFailed)
                if state.health.failures > 0 =>
            {
                Self {
                    attempts: Some(state.health.failures),
                    retry_at: state.health.retry_at,
                }
            }
            _ => Self::default(),
        }
    }
}

/// The fields a schema marks secret with `"writeOnly": true`.
fn secret_fields_of(schema: &serde_json::Value) -> Vec<String> {
    let mut fields = Vec::new();
    collect_write_only(schema, &mut fields);
    fields.sort();
    fields.dedup();
    fields
}

fn collect_write_only(schema: &serde_json::Value, fields: &mut Vec<String>) {
    if let Some(properties) = schema.get("properties").and_then(|value| value.as_object()) {
        for (name, property) in properties {
            if property
                .get("writeOnly")
                .and_then(serde_json::Value::as_bool)
                == Some(true)
            {
                fields.push(name.clone());
            }
        }
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(variants) = schema.get(combinator).and_then(|value| value.as_array()) {
            for variant in variants {
                collect_write_only(variant, fields);
            }
        }
    }
}

/// The first account fact that names the account.
fn account_label(public: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    [
        "account",
        "email",
        "workspace_name",
        "team_name",
        "name",
        "username",
    ]
    .iter()
    .find_map(|field| public.get(*field).and_then(|value| value.as_str()))
    .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RefreshHealth;

    fn state(status: ConnectorStatus, last_error: Option<&str>) -> ConnectorState {
        ConnectorState {
            connector_code: "google_calendar".to_owned(),
            connected: true,
            status,
            last_error: last_error.map(str::to_owned),
            last_error_detail: None,
            health: RefreshHealth::default(),
            connected_at: None,
            expires_at: None,
            scopes: Vec::new(),
            public: serde_json::Map::new(),
        }
    }

    #[test]
    fn the_last_error_code_follows_the_status_that_came_with_the_error() {
        let reason = Some("Token has been expired or revoked.");
        assert_eq!(
            LastErrorCode::of(&state(ConnectorStatus::NeedsReauth, reason)),
            Some(LastErrorCode::NeedsReauth)
        );
        assert_eq!(
            LastErrorCode::of(&state(ConnectorStatus::Error, reason)),
            Some(LastErrorCode::RefreshFailing)
        );
        assert_eq!(
            LastErrorCode::of(&state(ConnectorStatus::Active, reason)),
            Some(LastErrorCode::RefreshFailed)
        );
        assert_eq!(
            LastErrorCode::of(&state(ConnectorStatus::Inactive, reason)),
            Some(LastErrorCode::Other)
        );
        assert_eq!(
            LastErrorCode::of(&state(ConnectorStatus::NeedsReauth, None)),
            None
        );
        assert_eq!(
            serde_json::to_value(LastErrorCode::RefreshFailing).unwrap(),
            "refresh_failing"
        );
    }

    #[test]
    fn only_refresh_failures_give_their_count_and_next_try() {
        let retry_at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let health = RefreshHealth {
            failures: 3,
            retry_at: Some(retry_at),
            refreshable: true,
        };
        let failing = ConnectorState {
            health,
            ..state(ConnectorStatus::Error, Some("the provider failed"))
        };
        assert_eq!(
            LastErrorParams::of(&failing),
            LastErrorParams {
                attempts: Some(3),
                retry_at: Some(retry_at)
            }
        );
        let refused = ConnectorState {
            health,
            ..state(ConnectorStatus::NeedsReauth, Some("revoked"))
        };
        assert_eq!(LastErrorParams::of(&refused), LastErrorParams::default());
        assert_eq!(
            serde_json::to_value(LastErrorParams::of(&failing)).unwrap(),
            serde_json::json!({"attempts": 3, "retry_at": "2027-01-15T08:00:00Z"})
        );
    }
}
