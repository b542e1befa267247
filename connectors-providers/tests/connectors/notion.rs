//! `notion`: `owner=user`, JSON token requests with HTTP Basic client authentication,
//! rotating refresh tokens, no expiry (a 401 triggers the refresh), `Notion-Version`.

use connectors_core::{ConnectorAuthService, ConnectorStatus, Error, ProviderConfig, UserId};
use connectors_providers::notion::{self, NOTION_VERSION};
use secrecy::SecretString;
use serde_json::{json, Value};
use url::Url;
use uuid::Uuid;
use wiremock::matchers::{basic_auth, bearer_token, body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, connect, query, status, stored};

async fn notion_on(server: &MockServer) -> ConnectorAuthService {
    support::service().with_provider("notion", support::provider_on(server))
}

fn token_answer(access: &str, refresh: Option<&str>) -> Value {
    let mut answer = json!({
        "access_token": access,
        "token_type": "bearer",
        "bot_id": "b7a1c1e0-bot",
        "workspace_name": "Acme HQ",
        "workspace_icon": "https://example.com/icon.png",
        "workspace_id": "3f1d2c00-ws",
        "owner": {"type": "user", "user": {
            "object": "user", "id": "u-1", "name": "Ada Lovelace", "avatar_url": null,
            "type": "person", "person": {"email": "ada@example.com"}
        }},
        "duplicated_template_id": null,
        "request_id": "req-1"
    });
    if let Some(refresh) = refresh {
        answer["refresh_token"] = refresh.into();
    }
    answer
}

async fn answer_the_code(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(header("notion-version", NOTION_VERSION))
        .and(body_json(json!({
            "grant_type": "authorization_code",
            "code": "the-code",
            "redirect_uri": format!("{}/connectors/notion/callback", support::CALLBACK_BASE),
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(token_answer("ntn_first", Some("nrt_first"))),
        )
        .expect(1)
        .mount(server)
        .await;
}

async fn connected() -> (MockServer, ConnectorAuthService, UserId) {
    let server = MockServer::start().await;
    let service = notion_on(&server).await;
    answer_the_code(&server).await;
    let user = Uuid::new_v4();
    connect(&service, user, "notion", "the-code").await.unwrap();
    (server, service, user)
}

/// `GET /v1/users/me` through the service: a 401 refreshes once and retries.
async fn who_am_i(service: &ConnectorAuthService, user: UserId) -> Result<Value, Error> {
    let api: Url = service
        .api_url(service.connector("notion")?.as_ref())
        .unwrap();
    service
        .with_access_token(user, "notion", |token| {
            let api = api.clone();
            async move {
                let request = notion::api_request(
                    service.http_client(),
                    &api,
                    &token,
                    reqwest::Method::GET,
                    "v1/users/me",
                )?;
                let response = request
                    .send()
                    .await
                    .map_err(|error| Error::InvalidResponse(error.to_string()))?;
                if response.status() == 401 {
                    return Err(Error::Unauthorized);
                }
                response
                    .json()
                    .await
                    .map_err(|error| Error::InvalidResponse(error.to_string()))
            }
        })
        .await
}

async fn api_refuses_the_first_token(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .and(bearer_token("ntn_first"))
        .and(header("notion-version", NOTION_VERSION))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "object": "error", "status": 401, "code": "unauthorized",
            "message": "API token is invalid.", "request_id": "req-2"
        })))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .and(bearer_token("ntn_second"))
        .and(header("notion-version", NOTION_VERSION))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "object": "user", "id": "b7a1c1e0-bot", "type": "bot", "name": "Donna"
        })))
        .mount(server)
        .await;
}

#[tokio::test]
async fn notion_asks_the_owner_to_be_the_user_without_scopes_or_pkce() {
    let server = MockServer::start().await;
    let service = notion_on(&server).await;

    let url = service
        .authorization_url(Uuid::new_v4(), "notion")
        .await
        .unwrap();

    let params = query(&url);
    assert_eq!(params["owner"], "user");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], support::CLIENT_ID);
    assert_eq!(
        params["redirect_uri"],
        format!("{}/connectors/notion/callback", support::CALLBACK_BASE)
    );
    assert!(params.contains_key("state"));
    assert!(!params.contains_key("scope"));
    assert!(!params.contains_key("code_challenge"));
}

#[tokio::test]
async fn notion_exchanges_the_code_with_a_json_body_and_keeps_the_workspace() {
    let (_server, service, user) = connected().await;

    let credentials = stored(&service, user, "notion").await.unwrap();
    assert_eq!(credentials.provider, "notion");
    assert_eq!(credentials.access_token.unwrap().secret(), "ntn_first");
    assert_eq!(credentials.refresh_token.unwrap().secret(), "nrt_first");
    assert!(
        credentials.expires_at.is_none(),
        "Notion gives no expires_in"
    );
    assert_eq!(credentials.public["bot_id"], "b7a1c1e0-bot");
    assert_eq!(credentials.public["workspace_id"], "3f1d2c00-ws");
    assert_eq!(credentials.public["workspace_name"], "Acme HQ");
    assert_eq!(credentials.public["email"], "ada@example.com");
    let view = service.connector_view(user, "notion").await.unwrap();
    assert_eq!(view.connected_as.as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn notion_refuses_a_bad_code_with_its_json_error_and_stores_nothing() {
    let server = MockServer::start().await;
    let service = notion_on(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Invalid code.", "request_id": "r"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let user = Uuid::new_v4();

    let refused = connect(&service, user, "notion", "the-code")
        .await
        .unwrap_err();

    assert_eq!(refused.reason(), "invalid_grant");
    assert!(stored(&service, user, "notion").await.is_none());
}

#[tokio::test]
async fn notion_a_401_refreshes_once_stores_the_rotated_pair_and_retries() {
    let (server, service, user) = connected().await;
    api_refuses_the_first_token(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(body_json(
            json!({"grant_type": "refresh_token", "refresh_token": "nrt_first"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(token_answer("ntn_second", Some("nrt_second"))),
        )
        .expect(1)
        .mount(&server)
        .await;

    let me = who_am_i(&service, user).await.unwrap();

    assert_eq!(me["name"], "Donna");
    let credentials = stored(&service, user, "notion").await.unwrap();
    assert_eq!(credentials.access_token.unwrap().secret(), "ntn_second");
    assert_eq!(credentials.refresh_token.unwrap().secret(), "nrt_second");
}

#[tokio::test]
async fn notion_a_refresh_answer_without_refresh_token_keeps_the_old_one() {
    let (server, service, user) = connected().await;
    api_refuses_the_first_token(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_json(
            json!({"grant_type": "refresh_token", "refresh_token": "nrt_first"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer("ntn_second", None)))
        .expect(1)
        .mount(&server)
        .await;

    who_am_i(&service, user).await.unwrap();

    let credentials = stored(&service, user, "notion").await.unwrap();
    assert_eq!(credentials.refresh_token.unwrap().secret(), "nrt_first");
}

#[tokio::test]
async fn notion_invalid_grant_on_refresh_turns_the_connector_to_needs_reauth() {
    let (server, service, user) = connected().await;
    api_refuses_the_first_token(&server).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "Invalid refresh token.", "request_id": "r"
        })))
        .expect(1)
        .mount(&server)
        .await;

    let refused = who_am_i(&service, user).await.unwrap_err();

    assert!(matches!(refused, Error::NeedsReauth(_)), "{refused:?}");
    assert_eq!(
        status(&service, user, "notion").await,
        ConnectorStatus::NeedsReauth
    );
}

#[tokio::test]
async fn notion_revoke_posts_the_token_as_json_with_basic_auth_under_a_moved_api() {
    let server = MockServer::start().await;
    let at = |path: &str| Url::parse(&format!("{}{path}", server.uri())).unwrap();
    // NOTION_API_URL set, NOTION_REVOKE_URL not: revocation follows the API.
    let provider = ProviderConfig::new(
        support::CLIENT_ID,
        SecretString::from(support::CLIENT_SECRET),
    )
    .with_auth_url(at("/authorize"))
    .with_token_url(at("/token"))
    .with_api_url(at("/api"));
    let service = support::service().with_provider("notion", provider);
    answer_the_code(&server).await;
    let user = Uuid::new_v4();
    connect(&service, user, "notion", "the-code").await.unwrap();
    Mock::given(method("POST"))
        .and(path("/api/v1/oauth/revoke"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(header("notion-version", NOTION_VERSION))
        .and(body_json(json!({"token": "ntn_first"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;

    service.revoke(user, "notion").await.unwrap();

    assert!(stored(&service, user, "notion").await.is_none());
    assert_eq!(
        status(&service, user, "notion").await,
        ConnectorStatus::Inactive
    );
}
