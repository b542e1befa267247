//! Run with: `cargo run -p example-custom-connector`
//!
//! Registers GitHub ([`example_custom_connector::github`], one data entry) with
//! `ConnectorAuthService` next to the built-in connectors, and prints where to send the
//! user to connect it.

use std::sync::Arc;

use connectors_core::secrecy::SecretString;
use connectors_core::{ConnectorAuthService, ProviderConfig};
use connectors_store::MemoryStore;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let service = ConnectorAuthService::new(
        Arc::new(MemoryStore::new()),
        "http://localhost:3000/api".parse()?,
    )
    .with_connectors(connectors_providers::builtin())
    .with_connector(Arc::new(example_custom_connector::github()))
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
