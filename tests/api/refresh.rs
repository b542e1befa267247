//! Token life: refresh before expiry, one refresh for a burst of callers (in one process
//! and across two servers on one PostgreSQL), rotation, `invalid_grant`, 401 → refresh.

use std::sync::Arc;
use std::time::Duration;

use connectors_core::{AccessToken, ConnectorAuthService, Credentials, RefreshToken};
use futures::future::join_all;
use serde_json::{json, Value};
use time::OffsetDateTime;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

fn expired_credentials(access: &str, refresh: &str) -> Credentials {
    Credentials {
        provider: "google".to_owned(),
        access_token: Some(AccessToken::new(access.to_owned())),
        refresh_token: Some(RefreshToken::new(refresh.to_owned())),
        expires_at: Some(OffsetDateTime::now_utc() - time::Duration::minutes(5)),
        scopes: vec!["https://www.googleapis.com/auth/calendar.readonly".to_owned()],
        ..Credentials::default()
    }
}

async fn mount_slow_refresh(google: &MockServer, new_access: &str, calls: u64) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(google_refresh_answer(new_access))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(calls)
        .mount(google)
        .await;
}

async fn burst(
    service: &Arc<ConnectorAuthService>,
    user: uuid::Uuid,
    callers: usize,
) -> Vec<String> {
    let calls = (0..callers).map(|_| {
        let service = service.clone();
        tokio::spawn(async move { service.access_token(user, "google_calendar").await })
    });
    join_all(calls)
        .await
        .into_iter()
        .map(|joined| {
            joined
                .unwrap()
                .expect("every caller gets a token")
                .secret()
                .clone()
        })
        .collect()
}

async fn one_refresh_for_a_hundred_callers(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, &[]).await;
    app.sign_up("ada@example.com").await;
    let user = app.me().await;
    let service = app.state.service.clone();
    service
        .save_tokens(
            user,
            "google_calendar",
            &expired_credentials("ya29.expired", "1//r"),
        )
        .await
        .unwrap();
    mount_slow_refresh(&app.google, "ya29.refreshed", 1).await;

    // Act
    let tokens = burst(&service, user, 100).await;

    // Assert (the mock's expect(1) is checked when it drops)
    assert!(tokens.iter().all(|token| token == "ya29.refreshed"));
    let card = app.connector("google_calendar").await;
    assert_eq!(card["status"], "active");
    app.google.verify().await;
}

#[tokio::test]
async fn a_hundred_callers_on_an_expired_token_cause_one_refresh_on_sqlite() {
    one_refresh_for_a_hundred_callers(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_hundred_callers_on_an_expired_token_cause_one_refresh_on_postgres() {
    one_refresh_for_a_hundred_callers(Backend::Postgres).await;
}

#[tokio::test]
async fn two_servers_sharing_postgres_refresh_once() {
    // Arrange: two servers, one database, one Google token endpoint.
    let first = spawn_app_with(Backend::Postgres, &[]).await;
    let token_url = format!("{}/token", first.google.uri());
    let second = spawn_app_with(
        Backend::Postgres,
        &[
            ("DATABASE_URL", first.database_url.as_str()),
            ("GOOGLE_TOKEN_URL", token_url.as_str()),
        ],
    )
    .await;
    first.sign_up("ada@example.com").await;
    let user = first.me().await;
    first
        .state
        .service
        .save_tokens(
            user,
            "google_calendar",
            &expired_credentials("ya29.expired", "1//single-use"),
        )
        .await
        .unwrap();
    mount_slow_refresh(&first.google, "ya29.refreshed", 1).await;

    // Act
    let (a, b) = tokio::join!(
        burst(&first.state.service, user, 50),
        burst(&second.state.service, user, 50)
    );

    // Assert
    assert!(a
        .iter()
        .chain(b.iter())
        .all(|token| token == "ya29.refreshed"));
    first.google.verify().await;
}

/// A service on its own `PgStore` of `url`, as a replica builds it, with Google's token
/// endpoint at `google`.
async fn replica(url: &str, google: &MockServer, change_poll: Duration) -> ConnectorAuthService {
    let cipher = connectors_store::Cipher::from_base64(ENCRYPTION_KEY).unwrap();
    let store = connectors_store::PgStore::connect(url, cipher)
        .await
        .unwrap()
        .with_change_poll(change_poll);
    let google = connectors_core::ProviderConfig::new(
        GOOGLE_CLIENT_ID,
        GOOGLE_CLIENT_SECRET.to_owned().into(),
    )
    .with_token_url(format!("{}/token", google.uri()).parse().unwrap());
    ConnectorAuthService::new(Arc::new(store), "http://localhost/api/v1".parse().unwrap())
        .with_connectors(connectors_providers::builtin())
        .with_provider("google", google)
}

/// A caller behind another replica's lease is woken by PostgreSQL's notification of the
/// refresh: its store's fallback poll is an hour (and the wait's deadline a minute), so
/// it can only have heard of the new token that way.
#[tokio::test]
async fn a_caller_waiting_on_another_replicas_refresh_is_woken_by_its_notification() {
    // Arrange: two replicas on one database; the first holds the lease, refreshing.
    let app = spawn_app_with(Backend::Postgres, &[]).await;
    app.sign_up("ada@example.com").await;
    let user = app.me().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=1%2F%2Fsingle-use"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(google_refresh_answer("ya29.refreshed"))
                .set_delay(Duration::from_secs(2)),
        )
        .expect(1)
        .mount(&app.google)
        .await;
    let holder = Arc::new(replica(&app.database_url, &app.google, Duration::from_secs(1)).await);
    let waiter = replica(&app.database_url, &app.google, Duration::from_secs(3600)).await;
    holder
        .save_tokens(
            user,
            "google_calendar",
            &expired_credentials("ya29.expired", "1//single-use"),
        )
        .await
        .unwrap();
    let refreshing = tokio::spawn({
        let holder = holder.clone();
        async move { holder.access_token(user, "google_calendar").await }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while app
        .google
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the holder never asked Google"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Act: the second replica's caller finds the lease taken and waits.
    let waited = tokio::time::timeout(
        Duration::from_secs(30),
        waiter.access_token(user, "google_calendar"),
    )
    .await
    .expect("the waiter was woken")
    .expect("the waiter gets a token");

    // Assert
    assert_eq!(waited.secret(), "ya29.refreshed");
    let refreshed = refreshing.await.unwrap().unwrap();
    assert_eq!(refreshed.secret(), "ya29.refreshed");
    app.google.verify().await;
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_and_used_next_time() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let user = app.me().await;
    let service = app.state.service.clone();
    service
        .save_tokens(
            user,
            "google_calendar",
            &expired_credentials("ya29.old", "1//first"),
        )
        .await
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=1%2F%2Ffirst"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "ya29.second", "expires_in": 1, "refresh_token": "1//second", "token_type": "Bearer"
        })))
        .expect(1)
        .mount(&app.google)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=1%2F%2Fsecond"))
        .respond_with(ResponseTemplate::new(200).set_body_json(google_refresh_answer("ya29.third")))
        .expect(1)
        .mount(&app.google)
        .await;

    // expires_in=1 makes the second token stale at once (inside the refresh margin).
    assert_eq!(
        service
            .access_token(user, "google_calendar")
            .await
            .unwrap()
            .secret(),
        "ya29.second"
    );
    assert_eq!(
        service
            .access_token(user, "google_calendar")
            .await
            .unwrap()
            .secret(),
        "ya29.third"
    );
    // The refresh answer without refresh_token kept "1//second".
    let stored = service
        .store()
        .load_credentials(user, "google_calendar")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.credentials.refresh_token.unwrap().secret(),
        "1//second"
    );
}

#[tokio::test]
async fn invalid_grant_marks_the_connector_needs_reauth_and_keeps_the_rest() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let user = app.me().await;
    app.state
        .service
        .save_tokens(
            user,
            "google_calendar",
            &expired_credentials("ya29.expired", "1//dead"),
        )
        .await
        .unwrap();
    app.post_json("/projects", &json!({"name": "Keep me"}))
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(google_invalid_grant())
        .expect(1)
        .mount(&app.google)
        .await;

    let response = app.get("/connectors/google_calendar/events").await;

    assert_eq!(response.status(), 409);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "needs_reauth");
    let card = app.connector("google_calendar").await;
    assert_eq!(card["status"], "needs_reauth");
    assert!(card["last_error"]
        .as_str()
        .unwrap()
        .contains("expired or revoked"));
    assert_eq!(
        app.count_rows("user_connector_credentials").await,
        1,
        "credentials kept"
    );
    let projects: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert_eq!(projects.len(), 1);
    // Asking again does not hammer Google: the connector waits for the user.
    assert_eq!(
        app.get("/connectors/google_calendar/events").await.status(),
        409
    );
}

#[tokio::test]
async fn a_burst_of_401s_from_the_calendar_api_costs_one_refresh() {
    // Arrange: Google has revoked the stored (unexpired) token early.
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let user = app.me().await;
    let mut credentials = expired_credentials("ya29.revoked-early", "1//r");
    credentials.expires_at = Some(OffsetDateTime::now_utc() + time::Duration::minutes(30));
    app.state
        .service
        .save_tokens(user, "google_calendar", &credentials)
        .await
        .unwrap();
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary/events"))
        .and(header("authorization", "Bearer ya29.revoked-early"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": {"code": 401, "message": "Request had invalid authentication credentials.", "status": "UNAUTHENTICATED"}
        })))
        .mount(&app.google)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary/events"))
        .and(header("authorization", "Bearer ya29.fresh"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"items": [{"id": "e", "summary": "ok"}]})),
        )
        .expect(20)
        .mount(&app.google)
        .await;
    mount_slow_refresh(&app.google, "ya29.fresh", 1).await;

    // Act
    let responses = join_all((0..20).map(|_| app.get("/connectors/google_calendar/events"))).await;

    // Assert
    for response in responses {
        assert_eq!(response.status(), 200);
    }
    app.google.verify().await;
}

async fn a_transient_refresh_failure_answers_503_with_retry_after_and_backs_off(backend: Backend) {
    // Arrange: no background worker, so only the user's requests reach Google.
    let app = spawn_app_with(backend, &[("BACKGROUND_REFRESH", "false")]).await;
    app.sign_up("ada@example.com").await;
    let user = app.me().await;
    app.state
        .service
        .save_tokens(
            user,
            "google_calendar",
            &expired_credentials("ya29.expired", "1//kept"),
        )
        .await
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .expect(1)
        .mount(&app.google)
        .await;

    // Act
    let first = app.get("/connectors/google_calendar/events").await;
    let second = app.get("/connectors/google_calendar/events").await;

    // Assert: both callers are told when to come back; only the first reached Google.
    for response in [first, second] {
        assert_eq!(response.status(), 503);
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=34).contains(&retry_after), "Retry-After {retry_after}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "provider_unavailable");
    }
    let card = app.connector("google_calendar").await;
    assert_eq!(card["status"], "active", "one failure is not an error yet");
    assert!(card["last_error"].as_str().unwrap().contains("refresh"));
    let events: Vec<Value> = app.get("/events").await.json().await.unwrap();
    assert_eq!(events[0]["type"], "connection.refresh_failed");
    assert_eq!(events[0]["data"]["attempt"], 1);
    let retry_at = OffsetDateTime::parse(
        events[0]["data"]["retry_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let wait = retry_at - OffsetDateTime::now_utc();
    assert!(
        wait > time::Duration::seconds(25) && wait <= time::Duration::seconds(34),
        "first backoff is 30 s (+ up to 10 %): {wait}"
    );
    let stored = app
        .state
        .service
        .store()
        .load_credentials(user, "google_calendar")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.credentials.refresh_token.unwrap().secret(),
        "1//kept"
    );
    app.google.verify().await;
}

async fn a_refresh_token_expiring_within_the_warning_window_is_announced_with_its_expiry(
    backend: Backend,
) {
    // Arrange: Google grants a refresh token that lives one more hour (an app in
    // "Testing" status, a time-limited grant).
    let app = spawn_app_with(backend, &[("BACKGROUND_REFRESH_INTERVAL_SECONDS", "1")]).await;
    app.sign_up("ada@example.com").await;
    let mut answer = google_token_answer("ya29.short-lived", "1//short-lived");
    answer["refresh_token_expires_in"] = json!(3600);
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&app.google)
        .await;
    mount_google_happy_path(&app.google, "unused", "unused").await;

    // Act
    let connected = app.connect_google().await;
    assert_eq!(outcome(&connected).0, "success");

    // Assert: the worker announces the expiry, once, with its time.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let expiring = loop {
        let events: Vec<Value> = app.get("/events").await.json().await.unwrap();
        let expiring: Vec<Value> = events
            .into_iter()
            .filter(|event| event["type"] == "connection.expiring")
            .collect();
        if !expiring.is_empty() {
            break expiring;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no connection.expiring"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0]["connector"], "google_calendar");
    let expires_at = OffsetDateTime::parse(
        expiring[0]["data"]["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = expires_at - OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(55) && left <= time::Duration::minutes(60),
        "{left}"
    );
}

#[tokio::test]
async fn a_transient_refresh_failure_answers_503_with_retry_after_and_backs_off_on_sqlite() {
    a_transient_refresh_failure_answers_503_with_retry_after_and_backs_off(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_transient_refresh_failure_answers_503_with_retry_after_and_backs_off_on_postgres() {
    a_transient_refresh_failure_answers_503_with_retry_after_and_backs_off(Backend::Postgres).await;
}

#[tokio::test]
async fn a_refresh_token_expiring_within_the_warning_window_is_announced_with_its_expiry_on_sqlite()
{
    a_refresh_token_expiring_within_the_warning_window_is_announced_with_its_expiry(
        Backend::Sqlite,
    )
    .await;
}

#[tokio::test]
async fn a_refresh_token_expiring_within_the_warning_window_is_announced_with_its_expiry_on_postgres(
) {
    a_refresh_token_expiring_within_the_warning_window_is_announced_with_its_expiry(
        Backend::Postgres,
    )
    .await;
}
