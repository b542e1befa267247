//! The background refresh worker and the failure policy (SPEC §11) in real server
//! processes: a grant about to expire is refreshed with no user request, once across
//! four replicas; a failing token endpoint is retried with a growing backoff, the
//! connector turning `error` after three failures and `active` again on recovery;
//! `invalid_grant` turns it `needs_reauth` with one event and one webhook.
//!
//! Google's token endpoint is the one fake: a wiremock server reached through
//! `GOOGLE_TOKEN_URL`, answering in Google's wire format.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{eventually, fresh_postgres_database, sign_up, Receiver, Server, KEY};
use connectors_core::{
    AccessToken, CredentialStore, Credentials, EventQuery, EventType, RefreshToken, UserId,
};
use connectors_store::{Cipher, PgStore, SqliteStore};
use serde_json::{json, Value};
use time::OffsetDateTime;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CONNECTOR: &str = "google_calendar";
const REFRESH_TOKEN: &str = "1//background-refresh-token";
const REFRESHED: &str = "ya29.refreshed-in-the-background";

/// What every server of these tests is given: a Google client, the fake token
/// endpoint, and a worker that runs every second.
fn settings(token_url: &str) -> Vec<(&str, &str)> {
    vec![
        ("GOOGLE_CLIENT_ID", "background-client-id"),
        ("GOOGLE_CLIENT_SECRET", "background-client-secret"),
        ("GOOGLE_TOKEN_URL", token_url),
        ("BACKGROUND_REFRESH_INTERVAL_SECONDS", "1"),
        ("REFRESH_RETRY_SECONDS", "1"),
        // Every run of the worker is logged at debug level.
        ("RUST_LOG", "info,connectors_core=debug"),
    ]
}

/// How many runs the server's background worker has logged.
fn runs(server: &Server) -> usize {
    server
        .logs
        .lock()
        .unwrap()
        .iter()
        .filter(|line| line.contains("background refresh run"))
        .count()
}

/// Waits until the server's worker has run `more` more times.
async fn more_runs(server: &Server, more: usize) {
    let target = runs(server) + more;
    eventually(Duration::from_secs(20), "more worker runs", async || {
        (runs(server) >= target).then_some(())
    })
    .await;
}

/// Credentials whose access token expires in `seconds`.
fn expiring_in(seconds: i64) -> Credentials {
    Credentials {
        provider: "google".to_owned(),
        access_token: Some(AccessToken::new("ya29.about-to-expire".to_owned())),
        refresh_token: Some(RefreshToken::new(REFRESH_TOKEN.to_owned())),
        expires_at: Some(OffsetDateTime::now_utc() + time::Duration::seconds(seconds)),
        scopes: vec!["https://www.googleapis.com/auth/calendar.readonly".to_owned()],
        ..Credentials::default()
    }
}

async fn store_of(database_url: &str) -> Arc<dyn CredentialStore> {
    let cipher = Cipher::from_base64(KEY).unwrap();
    if database_url.starts_with("sqlite:") {
        Arc::new(SqliteStore::connect(database_url, cipher).await.unwrap())
    } else {
        Arc::new(PgStore::connect(database_url, cipher).await.unwrap())
    }
}

async fn event_types(store: &dyn CredentialStore, user: UserId) -> Vec<EventType> {
    let mut types: Vec<EventType> = store
        .events(user, &EventQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.event_type)
        .collect();
    types.reverse();
    types
}

async fn access_token(store: &dyn CredentialStore, user: UserId) -> String {
    let stored = store.load_credentials(user, CONNECTOR).await.unwrap();
    stored
        .and_then(|stored| stored.credentials.access_token)
        .map(|token| token.secret().clone())
        .unwrap_or_default()
}

/// Google's answer to a refresh.
fn refreshed() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": REFRESHED,
        "expires_in": 3599,
        "scope": "https://www.googleapis.com/auth/calendar.readonly",
        "token_type": "Bearer"
    }))
}

/// A token endpoint answering from a plan (then the last answer for ever), noting
/// when each call came.
struct Planned {
    plan: Vec<ResponseTemplate>,
    calls: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Planned {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut calls = self.calls.lock().unwrap();
        calls.push(Instant::now());
        let index = (calls.len() - 1).min(self.plan.len() - 1);
        self.plan[index].clone()
    }
}

async fn mount_token_endpoint(
    google: &MockServer,
    plan: Vec<ResponseTemplate>,
) -> Arc<Mutex<Vec<Instant>>> {
    let calls = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(Planned {
            plan,
            calls: Arc::clone(&calls),
        })
        .mount(google)
        .await;
    calls
}

async fn card(client: &reqwest::Client, server: &Server) -> Value {
    let cards: Vec<Value> = client
        .get(format!("{}/api/v1/connectors", server.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    cards
        .into_iter()
        .find(|card| card["key"] == CONNECTOR)
        .expect("the Google Calendar card")
}

async fn a_grant_expiring_in_five_minutes_is_refreshed_once_with_no_request(
    database_url: &str,
    replicas: usize,
) {
    // Arrange: the replicas, one user, a grant whose token expires in five minutes.
    let google = MockServer::start().await;
    let token_url = format!("{}/token", google.uri());
    let calls = mount_token_endpoint(
        &google,
        vec![refreshed().set_delay(Duration::from_millis(500))],
    )
    .await;
    let mut servers = Vec::new();
    for _ in 0..replicas {
        let data = tempfile::tempdir().unwrap();
        let server = Server::start_on(database_url, data.path(), &settings(&token_url)).await;
        servers.push((server, data));
    }
    let (_, user) = sign_up(&servers[0].0, "ada@example.com").await;
    let store = store_of(database_url).await;

    // Act: nobody asks for the token.
    store
        .save_credentials(user, CONNECTOR, &expiring_in(300), None)
        .await
        .unwrap();

    // Assert: refreshed by a worker, by one call to the token endpoint.
    eventually(
        Duration::from_secs(30),
        "the background refresh",
        async || (access_token(store.as_ref(), user).await == REFRESHED).then_some(()),
    )
    .await;
    // Every replica's worker runs twice more: the grant is no longer due, so no second
    // call may come.
    for (server, _) in &servers {
        more_runs(server, 2).await;
    }
    assert_eq!(
        calls.lock().unwrap().len(),
        1,
        "one refresh across {replicas} replicas"
    );
    assert_eq!(
        event_types(store.as_ref(), user).await,
        [EventType::Refreshed]
    );
    let form = &google.received_requests().await.unwrap()[0];
    let body = String::from_utf8_lossy(&form.body);
    assert!(
        body.contains("refresh_token=1%2F%2Fbackground-refresh-token"),
        "{body}"
    );
}

#[tokio::test]
async fn a_grant_expiring_in_five_minutes_is_refreshed_with_no_request_on_sqlite() {
    let data = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/connectors.db", data.path().display());
    a_grant_expiring_in_five_minutes_is_refreshed_once_with_no_request(&database_url, 1).await;
}

#[tokio::test]
async fn four_servers_on_one_postgresql_refresh_an_expiring_grant_once() {
    let database_url = fresh_postgres_database().await;
    a_grant_expiring_in_five_minutes_is_refreshed_once_with_no_request(&database_url, 4).await;
}

async fn a_failing_token_endpoint_is_retried_with_a_growing_backoff_then_recovers(
    database_url: &str,
) {
    // Arrange: Google answers 500 three times, then refreshes.
    let google = MockServer::start().await;
    let token_url = format!("{}/token", google.uri());
    let failure = ResponseTemplate::new(500).set_body_string("backend error");
    let calls = mount_token_endpoint(
        &google,
        vec![failure.clone(), failure.clone(), failure, refreshed()],
    )
    .await;
    let data = tempfile::tempdir().unwrap();
    let server = Server::start_on(database_url, data.path(), &settings(&token_url)).await;
    let (client, user) = sign_up(&server, "ada@example.com").await;
    let store = store_of(database_url).await;

    // Act
    store
        .save_credentials(user, CONNECTOR, &expiring_in(300), None)
        .await
        .unwrap();

    // Assert: after the third failure in a row the card says `error`, with the reason…
    let failing = eventually(Duration::from_secs(30), "the third failure", async || {
        let card = card(&client, &server).await;
        (card["status"] == "error").then_some(card)
    })
    .await;
    let reason = failing["last_error"].as_str().unwrap_or_default();
    assert!(reason.contains("refresh"), "{failing}");
    // …and, for a page to say it in its own words, its code, count and next try; the
    // body `backend error` is no error code, so there are no provider's words to quote.
    assert_eq!(failing["last_error_code"], "refresh_failing", "{failing}");
    assert_eq!(failing["last_error_params"]["attempts"], 3, "{failing}");
    let retry_at = failing["last_error_params"]["retry_at"].as_str().unwrap();
    time::OffsetDateTime::parse(retry_at, &time::format_description::well_known::Rfc3339)
        .expect("an RFC 3339 time");
    assert_eq!(failing["last_error_detail"], Value::Null, "{failing}");
    assert_eq!(
        access_token(store.as_ref(), user).await,
        "ya29.about-to-expire",
        "a transient failure keeps the credentials"
    );
    // …then the fourth call succeeds and the connector is active again.
    eventually(Duration::from_secs(30), "the recovery", async || {
        (access_token(store.as_ref(), user).await == REFRESHED).then_some(())
    })
    .await;
    assert_eq!(card(&client, &server).await["status"], "active");
    assert_eq!(
        event_types(store.as_ref(), user).await,
        [
            EventType::RefreshFailed,
            EventType::RefreshFailed,
            EventType::RefreshFailed,
            EventType::Refreshed,
            EventType::Recovered,
        ]
    );
    let events = store.events(user, &EventQuery::default()).await.unwrap();
    let attempts: Vec<i64> = events
        .iter()
        .rev()
        .filter(|event| event.event_type == EventType::RefreshFailed)
        .map(|event| event.data["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 2, 3]);
    // The backoff in the times of the calls: 1 s, then 2 s, then 4 s at least (jitter
    // only lengthens a wait; a tick of the worker may add up to a second more).
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 4, "no call while backing off");
    let gaps: Vec<Duration> = calls.windows(2).map(|pair| pair[1] - pair[0]).collect();
    for (gap, backoff) in gaps.iter().zip([1, 2, 4]) {
        assert!(
            *gap >= Duration::from_secs(backoff),
            "calls {gaps:?} closer than the backoff {backoff} s"
        );
    }
}

#[tokio::test]
async fn invalid_grant_from_the_worker_means_needs_reauth_one_event_and_one_webhook() {
    // Arrange: Google refuses the refresh token; webhooks go to the Python receiver.
    let receiver = Receiver::start(&[]).await;
    let google = MockServer::start().await;
    let token_url = format!("{}/token", google.uri());
    let calls = mount_token_endpoint(
        &google,
        vec![ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "Token has been expired or revoked."
        }))],
    )
    .await;
    let database_url = fresh_postgres_database().await;
    let data = tempfile::tempdir().unwrap();
    let mut variables = settings(&token_url);
    variables.push(("WEBHOOK_URL", receiver.url.as_str()));
    let server = Server::start_on(&database_url, data.path(), &variables).await;
    let (client, user) = sign_up(&server, "ada@example.com").await;
    let store = store_of(&database_url).await;

    // Act
    store
        .save_credentials(user, CONNECTOR, &expiring_in(300), None)
        .await
        .unwrap();

    // Assert
    let requests = receiver.wait_for_requests(1).await;
    let body: Value = serde_json::from_str(requests[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["type"], "connection.needs_reauth");
    assert_eq!(body["data"]["connector"], CONNECTOR);
    assert_eq!(body["data"]["reason"], "Token has been expired or revoked.");
    assert_eq!(requests[0]["valid"], true);
    let card = card(&client, &server).await;
    assert_eq!(card["status"], "needs_reauth");
    assert_eq!(card["last_error"], "Token has been expired or revoked.");
    assert_eq!(card["last_error_code"], "needs_reauth");
    assert_eq!(
        card["last_error_detail"], "Token has been expired or revoked.",
        "Google's own words, apart for a page to quote"
    );
    assert_eq!(
        card["last_error_params"],
        json!({"attempts": null, "retry_at": null})
    );
    // The worker goes on running; a refused grant is never tried again.
    more_runs(&server, 2).await;
    assert_eq!(calls.lock().unwrap().len(), 1);
    assert_eq!(
        event_types(store.as_ref(), user).await,
        [EventType::NeedsReauth]
    );
    assert_eq!(receiver.requests().len(), 1, "one webhook");
}

#[tokio::test]
async fn a_failing_token_endpoint_is_retried_with_a_growing_backoff_then_recovers_on_sqlite() {
    let data = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/connectors.db", data.path().display());
    a_failing_token_endpoint_is_retried_with_a_growing_backoff_then_recovers(&database_url).await;
}

#[tokio::test]
async fn a_failing_token_endpoint_is_retried_with_a_growing_backoff_then_recovers_on_postgres() {
    a_failing_token_endpoint_is_retried_with_a_growing_backoff_then_recovers(
        &fresh_postgres_database().await,
    )
    .await;
}
