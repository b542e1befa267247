//! Calendly: the `calendly` connector (PKCE S256, HTTP Basic client authentication,
//! single-use refresh tokens), and what a user reads with it ([`upcoming_events`],
//! [`event_types`]).
//!
//! Calendly revokes a refresh token the moment it is used: the service stores the new
//! one atomically and refreshes once however many callers ask (see
//! [`ConnectorAuthService`](connectors_core::ConnectorAuthService)). A reused refresh token gets
//! 400 `invalid_grant`, which turns the connector to `needs_reauth`.

use connectors_core::{AccountProbe, ClientAuth, OAuthSpec, StandardOAuth};

mod actions;

pub use actions::{event_types, upcoming_events, EventType, ScheduledEvent};

/// Calendly's default authorization endpoint.
pub const AUTH_URL: &str = "https://auth.calendly.com/oauth/authorize";
/// Calendly's default token endpoint.
pub const TOKEN_URL: &str = "https://auth.calendly.com/oauth/token";
/// Calendly's default revocation endpoint.
pub const REVOKE_URL: &str = "https://auth.calendly.com/oauth/revoke";
/// Calendly's default API base URL.
pub const API_URL: &str = "https://api.calendly.com";
/// The scopes asked for: who the user is, and their scheduled events (read-only).
pub const SCOPES: [&str; 2] = ["users:read", "scheduled_events:read"];

/// The token answer's fields worth keeping: list endpoints need these URIs.
const KEPT_FIELDS: [&str; 2] = ["owner", "organization"];

/// Calendly, read-only (`calendly`): keeps the `owner` and `organization` URIs the list
/// endpoints need, names the account with `GET {api}/users/me`, and revokes with the
/// client's credentials in the form.
pub fn calendly() -> StandardOAuth {
    let spec = OAuthSpec::new("calendly", AUTH_URL, TOKEN_URL, API_URL)
        .with_revoke_url(REVOKE_URL)
        .with_revoke_client_credentials()
        .with_scopes(SCOPES)
        .with_pkce(true)
        .with_client_auth(ClientAuth::BasicAuth);
    StandardOAuth::new("calendly", "Calendly", spec)
        .keeping(KEPT_FIELDS)
        .with_account_probe(
            AccountProbe::get("users/me")
                .field("name", "/resource/name")
                .field("email", "/resource/email"),
        )
}
