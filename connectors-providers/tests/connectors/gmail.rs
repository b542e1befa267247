//! `gmail`: Google's OAuth (form token requests, PKCE, refresh answers without a refresh
//! token) and the Gmail profile naming the mailbox.

use connectors_core::{CallbackError, ConnectorStatus, Error};
use serde_json::json;
use uuid::Uuid;
use wiremock::matchers::{bearer_token, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, connect, expire, query, status, stored};

const SCOPE: &str = "https://www.googleapis.com/auth/gmail.readonly";

async fn google() -> (MockServer, connectors_core::ConnectorAuthService) {
    let server = MockServer::start().await;
    let service = support::service().with_provider("google", support::provider_on(&server));
    (server, service)
}

async fn answer_the_code(server: &MockServer, scope: &str) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("code_verifier="))
        .and(body_string_contains("client_secret=client-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.first", "expires_in": 3599, "refresh_token": "1//refresh",
            "scope": scope, "token_type": "Bearer", "id_token": "eyJ.header.sig"
        })))
        .expect(1)
        .mount(server)
        .await;
}

async fn answer_the_profile(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/gmail/v1/users/me/profile"))
        .and(bearer_token("ya29.first"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "emailAddress": "ada@example.com", "messagesTotal": 12, "threadsTotal": 9,
            "historyId": "1234"
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn gmail_asks_for_the_read_only_scope_with_offline_access_and_pkce() {
    let (server, service) = google().await;

    let url = service
        .authorization_url(Uuid::new_v4(), "gmail")
        .await
        .unwrap();

    assert!(url
        .as_str()
        .starts_with(&format!("{}/authorize?", server.uri())));
    let params = query(&url);
    assert_eq!(params["scope"], SCOPE);
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], support::CLIENT_ID);
    assert_eq!(
        params["redirect_uri"],
        format!("{}/connectors/gmail/callback", support::CALLBACK_BASE)
    );
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params["code_challenge"].len() >= 43);
    assert!(params["state"].len() >= 22);
}

#[tokio::test]
async fn gmail_exchanges_the_code_and_names_the_mailbox() {
    let (server, service) = google().await;
    answer_the_code(&server, SCOPE).await;
    answer_the_profile(&server).await;
    let user = Uuid::new_v4();

    connect(&service, user, "gmail", "the-code").await.unwrap();

    let credentials = stored(&service, user, "gmail").await.unwrap();
    assert_eq!(credentials.provider, "google");
    assert_eq!(credentials.access_token.unwrap().secret(), "ya29.first");
    assert_eq!(credentials.refresh_token.unwrap().secret(), "1//refresh");
    assert_eq!(credentials.scopes, [SCOPE]);
    assert_eq!(credentials.public["email"], "ada@example.com");
    assert!(!credentials.public.contains_key("id_token"));
    let view = service.connector_view(user, "gmail").await.unwrap();
    assert_eq!(view.connected_as.as_deref(), Some("ada@example.com"));
    assert_eq!(view.status, ConnectorStatus::Active);
}

#[tokio::test]
async fn gmail_refuses_a_grant_without_the_gmail_scope_and_stores_nothing() {
    let (server, service) = google().await;
    answer_the_code(&server, "openid").await;
    let user = Uuid::new_v4();

    let refused = connect(&service, user, "gmail", "the-code")
        .await
        .unwrap_err();

    assert!(matches!(refused, CallbackError::ScopeDenied));
    assert!(stored(&service, user, "gmail").await.is_none());
}

#[tokio::test]
async fn gmail_refresh_keeps_the_refresh_token_google_leaves_out() {
    let (server, service) = google().await;
    answer_the_code(&server, SCOPE).await;
    answer_the_profile(&server).await;
    let user = Uuid::new_v4();
    connect(&service, user, "gmail", "the-code").await.unwrap();
    expire(&service, user, "gmail").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=1%2F%2Frefresh"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.second", "expires_in": 3599, "scope": SCOPE,
            "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let token = service.access_token(user, "gmail").await.unwrap();

    assert_eq!(token.secret(), "ya29.second");
    let credentials = stored(&service, user, "gmail").await.unwrap();
    assert_eq!(credentials.refresh_token.unwrap().secret(), "1//refresh");
    assert_eq!(credentials.public["email"], "ada@example.com");
}

#[tokio::test]
async fn gmail_needs_reauth_when_google_answers_invalid_grant() {
    let (server, service) = google().await;
    answer_the_code(&server, SCOPE).await;
    answer_the_profile(&server).await;
    let user = Uuid::new_v4();
    connect(&service, user, "gmail", "the-code").await.unwrap();
    expire(&service, user, "gmail").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Token has been expired or revoked."
        })))
        .expect(1)
        .mount(&server)
        .await;

    let refused = service.access_token(user, "gmail").await.unwrap_err();

    assert!(matches!(refused, Error::NeedsReauth(key) if key == "gmail"));
    assert_eq!(
        status(&service, user, "gmail").await,
        ConnectorStatus::NeedsReauth
    );
    assert!(
        stored(&service, user, "gmail").await.is_some(),
        "nothing else is lost"
    );
}

#[tokio::test]
async fn gmail_revoke_revokes_the_refresh_token_and_forgets_the_credentials() {
    let (server, service) = google().await;
    answer_the_code(&server, SCOPE).await;
    answer_the_profile(&server).await;
    let user = Uuid::new_v4();
    connect(&service, user, "gmail", "the-code").await.unwrap();
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=1%2F%2Frefresh"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    service.revoke(user, "gmail").await.unwrap();

    assert!(stored(&service, user, "gmail").await.is_none());
    assert_eq!(
        status(&service, user, "gmail").await,
        ConnectorStatus::Inactive
    );
}
