//! `slack`: OAuth v2 with user scopes, errors as HTTP 200 `ok: false`, the user token
//! under `authed_user`, token rotation, `auth.revoke` with Bearer.

use connectors_core::{ConnectorStatus, Error, ProviderConfig};
use secrecy::SecretString;
use serde_json::{json, Value};
use url::Url;
use uuid::Uuid;
use wiremock::matchers::{basic_auth, bearer_token, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, connect, expire, query, status, stored};

async fn slack() -> (MockServer, connectors_core::ConnectorAuthService) {
    let server = MockServer::start().await;
    let service = support::service().with_provider("slack", support::provider_on(&server));
    (server, service)
}

/// What `oauth.v2.access` answers for a user-only install with token rotation on.
fn user_install() -> Value {
    json!({
        "ok": true,
        "app_id": "A0KRD7HC3",
        "authed_user": {
            "id": "U1234",
            "scope": "channels:read,channels:history,users:read",
            "access_token": "xoxe.xoxp-1-first",
            "token_type": "user",
            "refresh_token": "xoxe-1-first",
            "expires_in": 43200
        },
        "team": {"id": "T9TK3CUKW", "name": "Slack Softworks"},
        "enterprise": null,
        "is_enterprise_install": false
    })
}

async fn answer_the_code(server: &MockServer, answer: Value) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains(
            "redirect_uri=https%3A%2F%2Fapp.example.com%2Fapi%2Fv1%2Fconnectors%2Fslack%2Fcallback",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(server)
        .await;
}

async fn connected() -> (MockServer, connectors_core::ConnectorAuthService, Uuid) {
    let (server, service) = slack().await;
    answer_the_code(&server, user_install()).await;
    let user = Uuid::new_v4();
    connect(&service, user, "slack", "the-code").await.unwrap();
    (server, service, user)
}

#[tokio::test]
async fn slack_asks_for_comma_separated_user_scopes_without_pkce() {
    let (server, service) = slack().await;

    let url = service
        .authorization_url(Uuid::new_v4(), "slack")
        .await
        .unwrap();

    assert!(url
        .as_str()
        .starts_with(&format!("{}/authorize?", server.uri())));
    let params = query(&url);
    assert_eq!(
        params["user_scope"],
        "channels:read,channels:history,chat:write,users:read"
    );
    assert!(!params.contains_key("scope"), "no bot scopes");
    assert_eq!(params["client_id"], support::CLIENT_ID);
    assert_eq!(
        params["redirect_uri"],
        format!("{}/connectors/slack/callback", support::CALLBACK_BASE)
    );
    assert!(params.contains_key("state"));
    assert!(
        !params.contains_key("code_challenge"),
        "PKCE would make the app a public client"
    );
}

#[tokio::test]
async fn slack_keeps_the_user_token_and_names_the_team() {
    let (_server, service, user) = connected().await;

    let credentials = stored(&service, user, "slack").await.unwrap();
    assert_eq!(credentials.provider, "slack");
    assert_eq!(
        credentials.access_token.unwrap().secret(),
        "xoxe.xoxp-1-first"
    );
    assert_eq!(credentials.refresh_token.unwrap().secret(), "xoxe-1-first");
    assert!(credentials.expires_at.is_some());
    assert_eq!(
        credentials.scopes,
        ["channels:read", "channels:history", "users:read"]
    );
    assert_eq!(credentials.public["team_name"], "Slack Softworks");
    assert_eq!(credentials.public["team_id"], "T9TK3CUKW");
    assert_eq!(credentials.public["user_id"], "U1234");
    let view = service.connector_view(user, "slack").await.unwrap();
    assert_eq!(view.connected_as.as_deref(), Some("Slack Softworks"));
}

#[tokio::test]
async fn slack_ok_false_with_http_200_fails_the_callback_and_stores_nothing() {
    for (code, reason) in [
        ("invalid_code", "invalid_grant"),
        ("bad_client_secret", "exchange_failed"),
    ] {
        let (server, service) = slack().await;
        answer_the_code(&server, json!({"ok": false, "error": code})).await;
        let user = Uuid::new_v4();

        let refused = connect(&service, user, "slack", "the-code")
            .await
            .unwrap_err();

        assert_eq!(refused.reason(), reason, "{code}");
        assert!(stored(&service, user, "slack").await.is_none(), "{code}");
    }
}

#[tokio::test]
async fn slack_refresh_stores_the_rotated_pair() {
    let (server, service, user) = connected().await;
    expire(&service, user, "slack").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=xoxe-1-first"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "app_id": "A0KRD7HC3", "authed_user": {"id": "U1234"},
            "scope": "channels:read,channels:history,users:read", "token_type": "user",
            "access_token": "xoxe.xoxp-1-second", "refresh_token": "xoxe-1-second",
            "expires_in": 43200, "team": {"id": "T9TK3CUKW", "name": "Slack Softworks"},
            "enterprise": null, "is_enterprise_install": false
        })))
        .expect(1)
        .mount(&server)
        .await;

    let token = service.access_token(user, "slack").await.unwrap();

    assert_eq!(token.secret(), "xoxe.xoxp-1-second");
    let credentials = stored(&service, user, "slack").await.unwrap();
    assert_eq!(credentials.refresh_token.unwrap().secret(), "xoxe-1-second");
    assert_eq!(credentials.public["team_name"], "Slack Softworks");
}

#[tokio::test]
async fn slack_refresh_refusals_turn_the_connector_to_needs_reauth() {
    for code in [
        "invalid_refresh_token",
        "invalid_grant",
        "token_revoked",
        "invalid_auth",
    ] {
        let (server, service, user) = connected().await;
        expire(&service, user, "slack").await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .and(body_string_contains("grant_type=refresh_token"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": code})),
            )
            .expect(1)
            .mount(&server)
            .await;

        let refused = service.access_token(user, "slack").await.unwrap_err();

        assert!(
            matches!(refused, Error::NeedsReauth(_)),
            "{code}: {refused:?}"
        );
        assert_eq!(
            status(&service, user, "slack").await,
            ConnectorStatus::NeedsReauth,
            "{code}"
        );
    }
}

#[tokio::test]
async fn slack_refresh_failing_for_another_reason_keeps_the_connector_active() {
    let (server, service, user) = connected().await;
    expire(&service, user, "slack").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "bad_client_secret"})),
        )
        .mount(&server)
        .await;

    let refused = service.access_token(user, "slack").await.unwrap_err();

    assert!(
        matches!(&refused, Error::Provider { body, .. } if body == "bad_client_secret"),
        "{refused:?}"
    );
    assert_eq!(
        status(&service, user, "slack").await,
        ConnectorStatus::Active
    );
}

#[tokio::test]
async fn slack_revoke_calls_auth_revoke_under_a_moved_api_with_the_bearer_token() {
    let server = MockServer::start().await;
    let at = |path: &str| Url::parse(&format!("{}{path}", server.uri())).unwrap();
    // SLACK_API_URL set, SLACK_REVOKE_URL not: revocation follows the API.
    let provider = ProviderConfig::new(
        support::CLIENT_ID,
        SecretString::from(support::CLIENT_SECRET),
    )
    .with_auth_url(at("/authorize"))
    .with_token_url(at("/token"))
    .with_api_url(at("/api"));
    let service = support::service().with_provider("slack", provider);
    answer_the_code(&server, user_install()).await;
    let user = Uuid::new_v4();
    connect(&service, user, "slack", "the-code").await.unwrap();
    Mock::given(method("POST"))
        .and(path("/api/auth.revoke"))
        .and(bearer_token("xoxe.xoxp-1-first"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "revoked": true})),
        )
        .expect(1)
        .mount(&server)
        .await;

    service.revoke(user, "slack").await.unwrap();

    assert!(stored(&service, user, "slack").await.is_none());
    assert_eq!(
        status(&service, user, "slack").await,
        ConnectorStatus::Inactive
    );
}

#[tokio::test]
async fn slack_revoke_uses_the_deployments_revoke_url_when_set() {
    let (server, service, user) = connected().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(bearer_token("xoxe.xoxp-1-first"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "token_revoked"})),
        )
        .expect(1)
        .mount(&server)
        .await;

    service.revoke(user, "slack").await.unwrap();

    assert!(stored(&service, user, "slack").await.is_none());
}

#[tokio::test]
async fn slack_a_refresh_answer_without_refresh_token_keeps_the_old_one() {
    let (server, service, user) = connected().await;
    expire(&service, user, "slack").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=xoxe-1-first"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "ok": true, "token_type": "user", "access_token": "xoxe.xoxp-1-second",
            "expires_in": 43200, "scope": "channels:read,channels:history,users:read"
        })))
        .expect(1)
        .mount(&server)
        .await;

    service.access_token(user, "slack").await.unwrap();

    let credentials = stored(&service, user, "slack").await.unwrap();
    assert_eq!(
        credentials.access_token.unwrap().secret(),
        "xoxe.xoxp-1-second"
    );
    assert_eq!(credentials.refresh_token.unwrap().secret(), "xoxe-1-first");
}
