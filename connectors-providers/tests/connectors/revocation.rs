//! Disconnecting kills the grant at the provider even when the access token has expired
//! (issue 19), for every OAuth connector, against stateful fakes that say afterwards
//! whether the grant still lives; and revocations the provider could not confirm are
//! retried until it does.

use std::time::Duration;

use connectors_core::{
    ConnectorAuthService, ConnectorStatus, Event, EventQuery, EventType, ProviderConfig, Revocation,
};
use secrecy::SecretString;
use uuid::Uuid;
use wiremock::MockServer;

use crate::grant_fake::{Dialect, GrantFake};
use crate::support::{self, connect, expire, status, stored};

struct Connected {
    fake: GrantFake,
    service: ConnectorAuthService,
    user: Uuid,
    _server: MockServer,
}

async fn connected(key: &str, provider: &str, dialect: Dialect) -> Connected {
    let server = MockServer::start().await;
    let fake = GrantFake::mount(&server, dialect, support::CLIENT_ID, support::CLIENT_SECRET).await;
    let service = support::service()
        .with_provider(provider, support::provider_on(&server))
        .with_retry_backoff(Duration::ZERO, Duration::ZERO);
    let user = Uuid::new_v4();
    connect(&service, user, key, "the-code").await.unwrap();
    assert_eq!(fake.live_grants(), 1);
    Connected {
        fake,
        service,
        user,
        _server: server,
    }
}

async fn revoked_events(service: &ConnectorAuthService, user: Uuid, key: &str) -> Vec<Event> {
    let query = EventQuery {
        connector: Some(key.to_owned()),
        ..EventQuery::default()
    };
    service
        .store()
        .events(user, &query)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.event_type == EventType::Revoked)
        .collect()
}

/// Connect, let the access token expire (at the provider and in the store), revoke:
/// the provider confirms, every refresh token it issued is dead, nothing is stored.
async fn revoking_after_expiry_kills_the_grant(key: &str, provider: &str, dialect: Dialect) {
    // Arrange
    let app = connected(key, provider, dialect).await;
    app.fake.expire_access_tokens();
    expire(&app.service, app.user, key).await;

    // Act
    let outcome = app.service.revoke(app.user, key).await.unwrap();

    // Assert
    assert_eq!(outcome, Revocation::Revoked, "{key}");
    assert_eq!(
        app.fake.live_grants(),
        0,
        "{key}: the grant is dead at the provider"
    );
    for refresh_token in app.fake.issued_refresh_tokens() {
        assert!(
            !app.fake.refresh_works(&refresh_token),
            "{key}: {refresh_token} still refreshes"
        );
    }
    assert!(stored(&app.service, app.user, key).await.is_none());
    assert_eq!(
        status(&app.service, app.user, key).await,
        ConnectorStatus::Inactive
    );
    let events = revoked_events(&app.service, app.user, key).await;
    assert_eq!(events.len(), 1, "{key}: {events:?}");
    assert_eq!(events[0].data["provider_revoked"], true);
}

#[tokio::test]
async fn google_calendar_revoke_after_expiry_kills_the_grant() {
    revoking_after_expiry_kills_the_grant("google_calendar", "google", Dialect::Google).await;
}

#[tokio::test]
async fn gmail_revoke_after_expiry_kills_the_grant() {
    revoking_after_expiry_kills_the_grant("gmail", "google", Dialect::Google).await;
}

#[tokio::test]
async fn slack_revoke_after_expiry_kills_the_grant() {
    revoking_after_expiry_kills_the_grant("slack", "slack", Dialect::Slack).await;
}

#[tokio::test]
async fn notion_revoke_after_expiry_kills_the_grant() {
    revoking_after_expiry_kills_the_grant("notion", "notion", Dialect::Notion).await;
}

#[tokio::test]
async fn calendly_revoke_after_expiry_kills_the_grant() {
    revoking_after_expiry_kills_the_grant("calendly", "calendly", Dialect::Calendly).await;
}

#[tokio::test]
async fn slack_revoke_refreshes_first_and_never_sends_an_expired_token() {
    let app = connected("slack", "slack", Dialect::Slack).await;
    app.fake.expire_access_tokens();
    expire(&app.service, app.user, "slack").await;

    app.service.revoke(app.user, "slack").await.unwrap();

    assert_eq!(app.fake.refresh_calls(), 1);
    assert_eq!(
        app.fake.revoke_calls(),
        ["xoxe.xoxp-access-2"],
        "one call, with the refreshed token"
    );
}

/// The store still thinks the token valid (clocks differ, or the provider cut its life
/// short): the provider's `token_expired` / 401 leads to one refresh and one retry.
async fn an_expired_token_the_store_thought_valid_is_refreshed_and_revocation_retried(
    key: &str,
    dialect: Dialect,
) {
    let app = connected(key, key, dialect).await;
    app.fake.expire_access_tokens();

    let outcome = app.service.revoke(app.user, key).await.unwrap();

    assert_eq!(outcome, Revocation::Revoked, "{key}");
    assert_eq!(app.fake.refresh_calls(), 1, "{key}");
    assert_eq!(
        app.fake.revoke_calls().len(),
        2,
        "{key}: refused once, then revoked"
    );
    assert_eq!(app.fake.live_grants(), 0, "{key}");
}

#[tokio::test]
async fn slack_token_expired_at_revocation_refreshes_and_retries_once() {
    an_expired_token_the_store_thought_valid_is_refreshed_and_revocation_retried(
        "slack",
        Dialect::Slack,
    )
    .await;
}

#[tokio::test]
async fn notion_401_at_revocation_refreshes_and_retries_once() {
    an_expired_token_the_store_thought_valid_is_refreshed_and_revocation_retried(
        "notion",
        Dialect::Notion,
    )
    .await;
}

#[tokio::test]
async fn a_refresh_refused_at_revocation_means_the_grant_was_already_dead() {
    // Arrange: the grant died at Slack (revoked elsewhere) and the token expired.
    let app = connected("slack", "slack", Dialect::Slack).await;
    let credentials = stored(&app.service, app.user, "slack").await.unwrap();
    let elsewhere = reqwest::Client::new();
    let revoked_elsewhere = elsewhere
        .post(format!("{}/revoke", app._server.uri()))
        .bearer_auth(credentials.access_token.unwrap().secret())
        .send()
        .await
        .unwrap();
    assert!(revoked_elsewhere.status().is_success());
    assert_eq!(app.fake.live_grants(), 0);
    app.fake.expire_access_tokens();
    expire(&app.service, app.user, "slack").await;

    // Act
    let outcome = app.service.revoke(app.user, "slack").await.unwrap();

    // Assert
    assert_eq!(outcome, Revocation::AlreadyDead);
    assert!(stored(&app.service, app.user, "slack").await.is_none());
    let events = revoked_events(&app.service, app.user, "slack").await;
    assert_eq!(events[0].data["provider_revoked"], true);
    assert_eq!(events[0].data["revocation"], "already_dead");
    assert_eq!(
        app.service.retry_revocations(10).await.unwrap(),
        0,
        "nothing queued"
    );
}

#[tokio::test]
async fn a_revocation_the_provider_could_not_confirm_is_purged_then_retried_until_it_is() {
    // Arrange: Google's revocation endpoint is down for two calls.
    let app = connected("google_calendar", "google", Dialect::Google).await;
    app.fake.fail_revocations(2);

    // Act: the user disconnects.
    let outcome = app
        .service
        .revoke(app.user, "google_calendar")
        .await
        .unwrap();

    // Assert: purged at once, recorded as not (yet) confirmed, grant still alive.
    assert_eq!(outcome, Revocation::Retrying);
    assert!(stored(&app.service, app.user, "google_calendar")
        .await
        .is_none());
    assert_eq!(
        status(&app.service, app.user, "google_calendar").await,
        ConnectorStatus::Inactive
    );
    let events = revoked_events(&app.service, app.user, "google_calendar").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data["provider_revoked"], false);
    assert_eq!(events[0].data["revocation"], "retrying");
    assert_eq!(app.fake.live_grants(), 1);

    // Act: the background retries (backoff zero in this test); the second succeeds.
    assert_eq!(app.service.retry_revocations(10).await.unwrap(), 1);
    assert_eq!(app.fake.live_grants(), 1, "still down");
    assert_eq!(app.service.retry_revocations(10).await.unwrap(), 1);

    // Assert
    assert_eq!(app.fake.live_grants(), 0, "the grant is dead at Google");
    assert_eq!(app.service.retry_revocations(10).await.unwrap(), 0, "done");
    let events = revoked_events(&app.service, app.user, "google_calendar").await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].data["provider_revoked"], true, "newest first");
    assert_eq!(events[0].data["attempts"], 3);
    let calls = app.fake.revoke_calls();
    assert_eq!(
        calls, ["ya29-refresh-1"; 3],
        "the refresh token, every time"
    );
}

#[tokio::test]
async fn a_queued_revocation_refreshes_an_expired_token_itself_then_revokes() {
    // Arrange: Slack's token endpoint is down when the user disconnects with an
    // expired token, so revocation cannot get a valid token.
    let app = connected("slack", "slack", Dialect::Slack).await;
    app.fake.expire_access_tokens();
    expire(&app.service, app.user, "slack").await;
    app.fake.fail_refreshes(1);

    let outcome = app.service.revoke(app.user, "slack").await.unwrap();
    assert_eq!(outcome, Revocation::Retrying);
    assert!(stored(&app.service, app.user, "slack").await.is_none());
    assert!(
        app.fake.revoke_calls().is_empty(),
        "no expired token was sent"
    );

    // Act: the retry refreshes from the queued tokens (rotating them), then revokes.
    assert_eq!(app.service.retry_revocations(10).await.unwrap(), 1);

    // Assert
    assert_eq!(app.fake.revoke_calls(), ["xoxe.xoxp-access-2"]);
    assert_eq!(app.fake.live_grants(), 0);
    let events = revoked_events(&app.service, app.user, "slack").await;
    assert_eq!(events[0].data["provider_revoked"], true);
}

#[tokio::test]
async fn a_revocation_the_provider_refuses_for_good_is_purged_and_not_retried() {
    // Arrange: Calendly refuses this deployment's client secret at revocation.
    let server = MockServer::start().await;
    let fake = GrantFake::mount(
        &server,
        Dialect::Calendly,
        support::CLIENT_ID,
        support::CLIENT_SECRET,
    )
    .await;
    let at = |path: &str| format!("{}{path}", server.uri()).parse().unwrap();
    let provider = ProviderConfig::new(support::CLIENT_ID, SecretString::from("not-the-secret"))
        .with_auth_url(at("/authorize"))
        .with_token_url(at("/token"))
        .with_revoke_url(at("/revoke"))
        .with_api_url(at("/api"));
    let service = support::service()
        .with_provider("calendly", provider)
        .with_retry_backoff(Duration::ZERO, Duration::ZERO);
    let user = Uuid::new_v4();
    connect(&service, user, "calendly", "the-code")
        .await
        .unwrap();

    // Act
    let outcome = service.revoke(user, "calendly").await.unwrap();

    // Assert
    assert_eq!(outcome, Revocation::Refused);
    assert!(stored(&service, user, "calendly").await.is_none());
    assert_eq!(
        service.retry_revocations(10).await.unwrap(),
        0,
        "not queued"
    );
    let events = revoked_events(&service, user, "calendly").await;
    assert_eq!(events[0].data["provider_revoked"], false);
    assert_eq!(events[0].data["revocation"], "refused");
    assert_eq!(fake.live_grants(), 1, "refused: the grant lives on");
}
