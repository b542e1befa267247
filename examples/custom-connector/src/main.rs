//! Run with: `cargo run -p example-custom-connector`
//!
//! A connector defined outside the workspace crates — GitHub, a standard OAuth provider —
//! registered with `ConnectorAuthService` next to the built-in ones. A standard provider
//! needs only its `OAuthSpec`; a provider with quirks overrides the hooks it needs
//! (`exchange_code`, `refresh`, `revoke`, `describe`).

use std::sync::Arc;

use connectors_core::secrecy::SecretString;
use connectors_core::{
    async_trait, ClientAuth, Connector, ConnectorAuthService, OAuthSpec, ProviderConfig, TokenGrant,
};
use connectors_store::MemoryStore;

/// GitHub, read-only access to the user's profile.
#[derive(Debug)]
struct GitHub {
    spec: OAuthSpec,
}

impl GitHub {
    fn new() -> Self {
        let spec = OAuthSpec::new(
            "github",
            "https://github.com/login/oauth/authorize",
            "https://github.com/login/oauth/access_token",
            "https://api.github.com",
        )
        .with_scopes(["read:user"])
        .with_pkce(true)
        .with_client_auth(ClientAuth::RequestBody);
        Self { spec }
    }
}

#[async_trait]
impl Connector for GitHub {
    fn key(&self) -> &str {
        "github"
    }

    fn name(&self) -> &str {
        "GitHub"
    }

    fn provider(&self) -> &str {
        "github"
    }

    fn oauth(&self) -> Option<&OAuthSpec> {
        Some(&self.spec)
    }

    /// GitHub's token answer carries nothing about the account; keep nothing.
    fn describe(&self, mut grant: TokenGrant) -> TokenGrant {
        grant.credentials.public.clear();
        grant
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let service = ConnectorAuthService::new(
        Arc::new(MemoryStore::new()),
        "http://localhost:3000/api".parse()?,
    )
    .with_connectors(connectors_providers::builtin())
    .with_connector(Arc::new(GitHub::new()))
    .with_provider(
        "github",
        ProviderConfig::new(
            "github-client-id",
            SecretString::from("github-client-secret"),
        ),
    );

    let user = uuid::Uuid::new_v4();
    let url = service.authorization_url(user, "github").await?;
    println!(
        "registered: {:?}",
        service.connectors().map(|c| c.key()).collect::<Vec<_>>()
    );
    println!("send the user to: {url}");
    Ok(())
}
