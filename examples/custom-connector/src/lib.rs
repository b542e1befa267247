//! A connector defined outside the workspace crates: GitHub, a standard OAuth provider,
//! is one [`StandardOAuth`] value — key, name, [`OAuthSpec`], account probe. A provider
//! with quirks implements [`connectors_core::Connector`] and overrides the hooks it needs
//! (`exchange_code`, `refresh`, `revoke`, `describe`), as Slack and Notion do in
//! `connectors-providers`.

use connectors_core::{AccountProbe, ClientAuth, OAuthSpec, StandardOAuth};

/// GitHub's authorization endpoint.
pub const AUTH_URL: &str = "https://github.com/login/oauth/authorize";
/// GitHub's token endpoint.
pub const TOKEN_URL: &str = "https://github.com/login/oauth/access_token";
/// GitHub's REST API.
pub const API_URL: &str = "https://api.github.com";

/// GitHub, read-only access to the user's profile; the account is named by its login
/// (`GET {api}/user`).
pub fn github() -> StandardOAuth {
    let spec = OAuthSpec::new("github", AUTH_URL, TOKEN_URL, API_URL)
        .with_scopes(["read:user"])
        .with_pkce(true)
        .with_client_auth(ClientAuth::RequestBody);
    StandardOAuth::new("github", "GitHub", spec).with_account_probe(
        AccountProbe::get("user")
            .field("login", "/login")
            .field("name", "/name"),
    )
}
