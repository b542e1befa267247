//! The GitHub data entry against a fake GitHub speaking its OAuth wire format: the
//! authorization URL, the code exchange (JSON answer, no refresh token), the account
//! probe naming the login.

use std::sync::Arc;

use connectors_core::secrecy::SecretString;
use connectors_core::{CallbackParams, ConnectorAuthService, ProviderConfig};
use connectors_store::MemoryStore;
use serde_json::json;
use wiremock::matchers::{bearer_token, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn github_connects_as_one_data_entry_and_names_the_account_by_its_login() {
    // Arrange
    let github = MockServer::start().await;
    let at = |path: &str| format!("{}{path}", github.uri()).parse().unwrap();
    let service = ConnectorAuthService::new(
        Arc::new(MemoryStore::new()),
        "https://app.example.com/api".parse().unwrap(),
    )
    .with_connector(Arc::new(example_custom_connector::github()))
    .with_provider(
        "github",
        ProviderConfig::new("Iv1.client", SecretString::from("github-secret"))
            .with_auth_url(at("/login/oauth/authorize"))
            .with_token_url(at("/login/oauth/access_token"))
            .with_api_url(at("/api")),
    );
    Mock::given(method("POST"))
        .and(path("/login/oauth/access_token"))
        .and(header("accept", "application/json"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("client_secret=github-secret"))
        .and(body_string_contains("code_verifier="))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a",
            "scope": "read:user",
            "token_type": "bearer"
        })))
        .expect(1)
        .mount(&github)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/user"))
        .and(bearer_token("gho_16C7e42F292c6912E7710c838347Ae178B4a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "login": "octocat", "id": 1, "name": "The Octocat", "type": "User"
        })))
        .expect(1)
        .mount(&github)
        .await;
    let user = uuid::Uuid::new_v4();

    // Act
    let url = service.authorization_url(user, "github").await.unwrap();
    let state = url
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned());
    let params = CallbackParams {
        code: Some("the-code".into()),
        state,
        ..CallbackParams::default()
    };
    service
        .handle_callback(Some(user), "github", params)
        .await
        .unwrap();

    // Assert
    assert!(url
        .as_str()
        .starts_with(&format!("{}/login/oauth/authorize?", github.uri())));
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(query.contains(&("scope".into(), "read:user".into())));
    assert!(query.contains(&("code_challenge_method".into(), "S256".into())));
    let view = service.connector_view(user, "github").await.unwrap();
    assert!(view.connected);
    assert_eq!(view.provider, "github", "declared once, in the spec");
    let stored = service
        .store()
        .load_credentials(user, "github")
        .await
        .unwrap()
        .unwrap()
        .credentials;
    assert_eq!(stored.public["login"], "octocat");
    assert_eq!(stored.public["name"], "The Octocat");
    assert_eq!(stored.provider, "github");
}
