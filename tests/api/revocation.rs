//! Disconnecting Slack through the HTTP API after its access token expired kills the
//! grant at Slack (issue 19), on SQLite and PostgreSQL, and records the
//! `connection.revoked` event with the purge.

use connectors_core::{EventQuery, EventType};
use serde_json::Value;
use url::Url;
use wiremock::MockServer;

use crate::grant_fake::{Dialect, GrantFake};
use crate::helpers::{outcome, spawn_app_with, Backend, TestApp};

const SLACK_CLIENT_ID: &str = "1234567890.0987654321";
const SLACK_CLIENT_SECRET: &str = "slack-test-client-secret";

async fn app_with_slack(backend: Backend) -> (TestApp, GrantFake, MockServer) {
    let slack = MockServer::start().await;
    let fake = GrantFake::mount(&slack, Dialect::Slack, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET).await;
    let at = |path: &str| format!("{}{path}", slack.uri());
    let app = spawn_app_with(
        backend,
        &[
            ("SLACK_CLIENT_ID", SLACK_CLIENT_ID),
            ("SLACK_CLIENT_SECRET", SLACK_CLIENT_SECRET),
            ("SLACK_AUTH_URL", &at("/authorize")),
            ("SLACK_TOKEN_URL", &at("/token")),
            ("SLACK_REVOKE_URL", &at("/revoke")),
            ("SLACK_API_URL", &at("/api")),
        ],
    )
    .await;
    (app, fake, slack)
}

/// Redirect, consent (Slack sends the browser back with a code), callback.
async fn connect_slack(app: &TestApp) {
    let response = app.get("/connectors/slack/redirect").await;
    assert_eq!(response.status(), 302);
    let authorization = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let state = authorization
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .expect("a state");
    let mut callback = Url::parse(&app.url("/connectors/slack/callback")).unwrap();
    callback
        .query_pairs_mut()
        .append_pair("code", "the-code")
        .append_pair("state", &state);
    let landed = app.follow_callback(&callback).await;
    assert_eq!(outcome(&landed).0, "success", "{landed}");
}

async fn slack_revoke_after_expiry_kills_the_grant_at_slack(backend: Backend) {
    // Arrange: connected, then the access token expires (at Slack and in the row).
    let (app, fake, _slack) = app_with_slack(backend).await;
    app.sign_up("revoke@example.com").await;
    connect_slack(&app).await;
    assert_eq!(fake.live_grants(), 1);
    fake.expire_access_tokens();
    app.execute_with_i64(
        "UPDATE user_connector_credentials SET expires_at = $1 WHERE connector_code = 'slack'",
        time::OffsetDateTime::now_utc().unix_timestamp() - 60,
    )
    .await;

    // Act
    let response = app
        .client
        .post(app.url("/connectors/slack/revoke"))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), 200);
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["connected"], false);
    assert_eq!(view["status"], "inactive");
    assert_eq!(fake.live_grants(), 0, "the grant is dead at Slack");
    for token in fake.issued_refresh_tokens() {
        assert!(!fake.refresh_works(&token), "{token} still refreshes");
    }
    assert_eq!(
        fake.revoke_calls(),
        ["xoxe.xoxp-access-2"],
        "a valid token, once"
    );
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
    assert_eq!(app.count_rows("pending_revocations").await, 0);

    let user = app.me().await;
    let events = app
        .state
        .service
        .store()
        .events(user, &EventQuery::default())
        .await
        .unwrap();
    let revoked: Vec<_> = events
        .iter()
        .filter(|event| event.event_type == EventType::Revoked)
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].connector.as_deref(), Some("slack"));
    assert_eq!(revoked[0].data["provider_revoked"], true);
    let body = serde_json::to_string(&events).unwrap();
    for token in fake.issued_refresh_tokens() {
        assert!(!body.contains(&token), "no token in any event");
    }
    assert!(!body.contains("xoxe.xoxp"), "no access token in any event");
}

#[tokio::test]
async fn slack_revoke_after_expiry_kills_the_grant_at_slack_on_sqlite() {
    slack_revoke_after_expiry_kills_the_grant_at_slack(Backend::Sqlite).await;
}

#[tokio::test]
async fn slack_revoke_after_expiry_kills_the_grant_at_slack_on_postgres() {
    slack_revoke_after_expiry_kills_the_grant_at_slack(Backend::Postgres).await;
}

#[tokio::test]
async fn a_revocation_slack_could_not_confirm_is_queued_encrypted_and_the_user_disconnected() {
    // Arrange
    let (app, fake, _slack) = app_with_slack(Backend::Sqlite).await;
    app.sign_up("outage@example.com").await;
    connect_slack(&app).await;
    fake.fail_revocations(1);

    // Act
    let response = app
        .client
        .post(app.url("/connectors/slack/revoke"))
        .send()
        .await
        .unwrap();

    // Assert: disconnected for the user, queued for the background retry, sealed.
    assert_eq!(response.status(), 200);
    let view: Value = response.json().await.unwrap();
    assert_eq!(view["connected"], false);
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
    assert_eq!(app.count_rows("pending_revocations").await, 1);
    let database = std::fs::read(app.data_dir.path().join("connectors.db")).unwrap();
    let wal = std::fs::read(app.data_dir.path().join("connectors.db-wal")).unwrap_or_default();
    for bytes in [&database, &wal] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("xoxe.xoxp-access-1"), "queued token sealed");
        assert!(!text.contains("xoxe.xoxp-refresh-1"), "queued token sealed");
    }
    let user = app.me().await;
    let events = app
        .state
        .service
        .store()
        .events(user, &EventQuery::default())
        .await
        .unwrap();
    assert_eq!(events[0].event_type, EventType::Revoked);
    assert_eq!(events[0].data["provider_revoked"], false);
    assert_eq!(fake.live_grants(), 1, "not yet revoked at Slack");
}
