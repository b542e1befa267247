//! Graceful shutdown of a real server process: at SIGTERM it stops accepting, lets the
//! request in flight finish (here one waiting on a slow fake provider: saving a
//! Hostinger token verifies it upstream) within `SHUTDOWN_GRACE_SECONDS`, logs what it
//! drained and exits 0.

mod common;

use std::time::Duration;

use common::{eventually, Server};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A Hostinger that answers after `delay`.
async fn slow_hostinger(delay: Duration) -> MockServer {
    let hostinger = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/billing/v1/subscriptions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([]))
                .set_delay(delay),
        )
        .expect(1)
        .mount(&hostinger)
        .await;
    hostinger
}

/// Signs up, then starts saving a Hostinger token (a request that waits on the
/// provider) in the background, and returns once the provider has the call.
async fn request_in_flight(
    server: &Server,
    hostinger: &MockServer,
) -> tokio::task::JoinHandle<reqwest::Result<reqwest::StatusCode>> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_up = client
        .post(format!("{}/api/v1/auth/signup", server.address))
        .json(&json!({"email": "ada@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_up.status(), 201);
    let save = client
        .post(format!(
            "{}/api/v1/connectors/hostinger/config",
            server.address
        ))
        .json(&json!({"api_token": "hostinger-api-token-0123456789"}));
    let in_flight = tokio::spawn(async move { save.send().await.map(|answer| answer.status()) });
    eventually(
        Duration::from_secs(20),
        "the provider to get the call",
        async || {
            let received = hostinger.received_requests().await.unwrap_or_default();
            (!received.is_empty()).then_some(())
        },
    )
    .await;
    in_flight
}

async fn exit_code(server: &mut Server) -> Option<i32> {
    tokio::time::timeout(Duration::from_secs(60), server.process.wait())
        .await
        .expect("the server exits")
        .unwrap()
        .code()
}

#[tokio::test]
async fn sigterm_stops_accepting_finishes_the_request_in_flight_and_exits_0() {
    // Arrange
    let cwd = tempfile::tempdir().unwrap();
    let hostinger = slow_hostinger(Duration::from_secs(5)).await;
    let mut server = Server::start(
        cwd.path(),
        &[
            ("CONNECTORS_ENCRYPTION_KEY", common::KEY),
            ("HOSTINGER_API_URL", &hostinger.uri()),
        ],
    )
    .await;
    let in_flight = request_in_flight(&server, &hostinger).await;

    // Act
    server.terminate().await;

    // Assert: new connections are refused while the request is still in flight...
    let address = server.address.trim_start_matches("http://").to_owned();
    eventually(
        Duration::from_secs(20),
        "connections to be refused",
        async || {
            tokio::net::TcpStream::connect(&address)
                .await
                .is_err()
                .then_some(())
        },
    )
    .await;
    assert!(!in_flight.is_finished(), "refused before the request ended");
    // ...which still finishes, and the process exits 0 saying so.
    assert_eq!(in_flight.await.unwrap().unwrap(), 200);
    assert_eq!(exit_code(&mut server).await, Some(0));
    let drained = server.logged("shutdown: ");
    assert_eq!(drained.len(), 1, "{drained:?}");
    // The workers: the two housekeeping chores and the background refresh worker
    // (no webhook worker without WEBHOOK_URL).
    assert!(
        drained[0].contains("1 of 1 requests in flight finished, 0 abandoned; 3 background workers stopped, 0 aborted"),
        "{drained:?}"
    );
}

#[tokio::test]
async fn a_request_outlasting_the_grace_period_is_abandoned_and_the_process_still_exits_0() {
    // Arrange: a provider slower than the grace period.
    let cwd = tempfile::tempdir().unwrap();
    let hostinger = slow_hostinger(Duration::from_secs(30)).await;
    let mut server = Server::start(
        cwd.path(),
        &[
            ("CONNECTORS_ENCRYPTION_KEY", common::KEY),
            ("HOSTINGER_API_URL", &hostinger.uri()),
            ("HTTP_TIMEOUT_SECONDS", "60"),
            ("SHUTDOWN_GRACE_SECONDS", "1"),
        ],
    )
    .await;
    let in_flight = request_in_flight(&server, &hostinger).await;

    // Act
    server.terminate().await;

    // Assert
    assert_eq!(exit_code(&mut server).await, Some(0));
    assert!(
        in_flight.await.unwrap().is_err(),
        "the abandoned request gets no answer"
    );
    let drained = server.logged("shutdown: ");
    assert!(
        drained
            .first()
            .is_some_and(|line| line.contains("0 of 1 requests in flight finished, 1 abandoned")),
        "{drained:?}"
    );
}
