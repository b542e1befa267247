//! What every connector test needs: a service over a memory store, OAuth flows driven
//! from the authorization URL to the callback, and peers started on random ports.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use connectors_core::{
    default_http_client, CallbackError, CallbackParams, ConnectorAuthService, ConnectorStatus,
    Credentials, ProviderConfig, UserId,
};
use connectors_store::MemoryStore;
use secrecy::SecretString;
use url::Url;
use wiremock::MockServer;

pub(crate) const CLIENT_ID: &str = "client-id";
pub(crate) const CLIENT_SECRET: &str = "client-secret";
pub(crate) const CALLBACK_BASE: &str = "https://app.example.com/api/v1";

/// A service with every built-in connector over a fresh memory store, and a client that
/// gives up after two seconds.
pub(crate) fn service() -> ConnectorAuthService {
    ConnectorAuthService::new(Arc::new(MemoryStore::new()), CALLBACK_BASE.parse().unwrap())
        .with_connectors(connectors_providers::builtin())
        .with_http_client(default_http_client(Duration::from_secs(2)))
}

/// The OAuth client of `provider`, every endpoint on `server`: `/authorize`, `/token`,
/// `/revoke` and the API under `/api`.
pub(crate) fn provider_on(server: &MockServer) -> ProviderConfig {
    let at = |path: &str| Url::parse(&format!("{}{path}", server.uri())).unwrap();
    ProviderConfig::new(CLIENT_ID, SecretString::from(CLIENT_SECRET))
        .with_auth_url(at("/authorize"))
        .with_token_url(at("/token"))
        .with_revoke_url(at("/revoke"))
        .with_api_url(at("/api"))
}

/// The query of a URL as a map (each parameter once).
pub(crate) fn query(url: &Url) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (name, value) in url.query_pairs() {
        assert!(
            params.insert(name.to_string(), value.to_string()).is_none(),
            "`{name}` appears twice in {url}"
        );
    }
    params
}

/// Starts an authorization and comes back to the callback with `code`, as the browser
/// would after consent.
pub(crate) async fn connect(
    service: &ConnectorAuthService,
    user: UserId,
    key: &str,
    code: &str,
) -> Result<(), CallbackError> {
    let url = service.authorization_url(user, key).await.unwrap();
    let state = query(&url).remove("state").expect("a state in the URL");
    let params = CallbackParams {
        code: Some(code.to_owned()),
        state: Some(state),
        ..CallbackParams::default()
    };
    service.handle_callback(Some(user), key, params).await
}

/// The credentials stored for a user's connector.
pub(crate) async fn stored(
    service: &ConnectorAuthService,
    user: UserId,
    key: &str,
) -> Option<Credentials> {
    service
        .store()
        .load_credentials(user, key)
        .await
        .unwrap()
        .map(|stored| stored.credentials)
}

/// The status of a user's connector.
pub(crate) async fn status(
    service: &ConnectorAuthService,
    user: UserId,
    key: &str,
) -> ConnectorStatus {
    service.connector_view(user, key).await.unwrap().status
}

/// Makes the stored access token expire now, so the next use refreshes it.
pub(crate) async fn expire(service: &ConnectorAuthService, user: UserId, key: &str) {
    let mut credentials = stored(service, user, key).await.unwrap();
    credentials.expires_at = Some(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    service.save_tokens(user, key, &credentials).await.unwrap();
}

/// The names of the fields an error refuses, when it is `InvalidConfig`.
pub(crate) fn refused_fields(error: &connectors_core::Error) -> Vec<String> {
    match error {
        connectors_core::Error::InvalidConfig(fields) => {
            fields.iter().map(|field| field.field.clone()).collect()
        }
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

/// A port nothing listens on (bound, then released).
pub(crate) fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A peer process, killed when dropped.
#[derive(Debug)]
pub(crate) struct Peer {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    /// Runs `command`, which prints the port it listens on as its first line.
    pub(crate) fn announcing_port(mut command: Command, install_hint: &str) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?} ({error}): {install_hint}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("{command:?} did not announce its port (got {line:?}): {install_hint}")
        });
        Self { child, port }
    }

    /// Runs `command`, told to listen on `port`, and waits until it accepts connections.
    pub(crate) async fn listening(mut command: Command, port: u16, install_hint: &str) -> Self {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {command:?} ({error}): {install_hint}"));
        let mut peer = Self { child, port };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return peer;
            }
            if let Some(exit) = peer.child.try_wait().unwrap() {
                panic!("{command:?} exited with {exit}: {install_hint}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{command:?} did not listen on port {port} within 10 s");
    }
}
