//! [`ClientSecretMinter`]: one `POST {base}/realtime/client_secrets` per secret.

use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT};
use serde::Deserialize;
use url::Url;

use crate::error::{Error, Result};
use crate::secret::{EphemeralKey, OpenAiApiKey};
use crate::session::{MintRequest, SessionConfig};

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Mints OpenAI Realtime client secrets with the server's API key.
///
/// Cheap to clone (the HTTP client is shared, connections are reused): build one at
/// start-up and keep it in the application state.
///
/// Its `Debug` output shows the base URL, never the key.
///
/// # Example
///
/// Minting against a fake OpenAI, as an application's tests do (in production the base
/// URL stays the default, or comes from the deployment's `OPENAI_BASE_URL`): the key
/// goes in the `Authorization` header, the lifetime in `expires_after`, and the
/// ephemeral key comes back for the browser.
///
/// ```
/// use std::time::Duration;
/// use realtime_secret::{ClientSecretMinter, OpenAiApiKey, SessionConfig};
/// use serde_json::json;
/// use wiremock::matchers::{body_partial_json, header, method, path};
/// use wiremock::{Mock, MockServer, ResponseTemplate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let openai = MockServer::start().await;
/// Mock::given(method("POST"))
///     .and(path("/v1/realtime/client_secrets"))
///     .and(header("authorization", "Bearer sk-test"))
///     .and(body_partial_json(json!({
///         "expires_after": {"anchor": "created_at", "seconds": 60},
///         "session": {"type": "realtime", "model": "gpt-realtime"},
///     })))
///     .respond_with(ResponseTemplate::new(200).set_body_json(json!({
///         "value": "ek_example",
///         "expires_at": 1_767_225_660,
///         "session": {"type": "realtime", "model": "gpt-realtime"},
///     })))
///     .expect(1)
///     .mount(&openai)
///     .await;
///
/// let minter = ClientSecretMinter::new(OpenAiApiKey::new("sk-test"))
///     .with_base_url(format!("{}/v1", openai.uri()).parse()?);
/// assert!(!format!("{minter:?}").contains("sk-test"));
///
/// let config = SessionConfig::new()
///     .with_model("gpt-realtime")
///     .with_ttl(Duration::from_secs(60));
/// let secret = minter.mint(&config).await?;
/// assert_eq!(secret.value.expose_secret(), "ek_example");
/// assert_eq!(secret.expires_at, 1_767_225_660);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ClientSecretMinter {
    api_key: OpenAiApiKey,
    base_url: Url,
    client: reqwest::Client,
}

impl ClientSecretMinter {
    /// A minter talking to `https://api.openai.com/v1` through an HTTP client with a
    /// 5 second connect timeout, a 10 second request timeout and no redirects.
    ///
    /// # Panics
    ///
    /// Never: the default base URL and client settings are constants that always build.
    pub fn new(api_key: OpenAiApiKey) -> Self {
        Self {
            api_key,
            base_url: Url::parse(DEFAULT_BASE_URL).expect("the default base URL is valid"),
            client: default_client(),
        }
    }

    /// Talks to another OpenAI-compatible base URL (the `OPENAI_BASE_URL` of a
    /// deployment, or a fake server in tests); `/realtime/client_secrets` is appended
    /// to its path.
    #[must_use]
    pub fn with_base_url(mut self, base_url: Url) -> Self {
        self.base_url = base_url;
        self
    }

    /// Uses this HTTP client as it is, timeouts included.
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Asks OpenAI for a client secret opening the session `config` describes.
    ///
    /// # Errors
    ///
    /// Every failure is an [`Error`]; [`Error::status_hint`] says what a server should
    /// answer its own caller.
    pub async fn mint(&self, config: &SessionConfig) -> Result<ClientSecret> {
        let response = self
            .client
            .post(self.endpoint())
            .bearer_auth(self.api_key.expose_secret())
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .json(&MintRequest::new(config))
            .send()
            .await
            .map_err(Error::from_reqwest)?;

        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        if !status.is_success() {
            return Err(Error::from_answer(
                status,
                &headers,
                &body,
                self.api_key.expose_secret(),
            ));
        }

        let answer: MintAnswer =
            serde_json::from_slice(&body).map_err(|source| Error::InvalidResponse {
                status,
                body: String::new(),
                source: Some(source),
            })?;
        Ok(ClientSecret {
            value: answer.value,
            expires_at: answer.expires_at,
            session: answer.session,
        })
    }

    fn endpoint(&self) -> Url {
        let mut url = self.base_url.clone();
        // A base that cannot take path segments (`mailto:`…) is left alone: reqwest
        // refuses it, which surfaces as `Error::Transport`.
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["realtime", "client_secrets"]);
        }
        url
    }
}

fn default_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // Drop idle connections before the far end's load balancer does (60 s is the
        // common idle timeout): reusing one it is closing fails the request.
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .expect("a reqwest client with rustls and timeouts always builds")
}

/// A minted client secret: hand [`value`](Self::value) to the browser, which passes it
/// to `session.connect({ apiKey })`.
#[derive(Debug, Clone)]
pub struct ClientSecret {
    /// The ephemeral key (`ek_…`); `Debug` redacts it.
    pub value: EphemeralKey,
    /// When the secret stops opening new sessions, in seconds since the Unix epoch.
    /// Sessions already open outlive it.
    pub expires_at: i64,
    /// The session OpenAI created, as it echoed it (`Null` when it did not).
    pub session: serde_json::Value,
}

#[derive(Deserialize)]
struct MintAnswer {
    value: EphemeralKey,
    expires_at: i64,
    #[serde(default)]
    session: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_appends_to_the_base_path() {
        let minter = |base: &str| {
            ClientSecretMinter::new(OpenAiApiKey::new("k"))
                .with_base_url(Url::parse(base).unwrap())
                .endpoint()
                .to_string()
        };

        assert_eq!(
            minter("https://api.openai.com/v1"),
            "https://api.openai.com/v1/realtime/client_secrets"
        );
        assert_eq!(
            minter("http://127.0.0.1:9000/v1/"),
            "http://127.0.0.1:9000/v1/realtime/client_secrets"
        );
        assert_eq!(
            minter("http://127.0.0.1:9000"),
            "http://127.0.0.1:9000/realtime/client_secrets"
        );
    }
}
