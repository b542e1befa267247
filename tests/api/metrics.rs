//! `GET /metrics`: a scripted workload over real HTTP, then the exposition read back
//! by the official Prometheus client's text-format parser (Python `prometheus-client`,
//! `tests/prometheus/parse.py`; `python3` on `PATH` must be the one of `.venv-test`, as
//! `scripts/test.sh` arranges) and the counters checked.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt as _;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use connectors_core::{AccessToken, Credentials, RefreshToken};

use crate::helpers::*;

/// An exposition as the parser read it.
#[derive(Debug, Deserialize)]
struct Scrape {
    /// Family name (without `_total`) → type.
    families: HashMap<String, String>,
    samples: Vec<Sample>,
}

#[derive(Debug, Deserialize)]
struct Sample {
    name: String,
    labels: HashMap<String, String>,
    value: f64,
}

impl Scrape {
    /// The value of the one sample `name` whose labels include `labels`; 0 when none.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let matching: Vec<f64> = self
            .samples
            .iter()
            .filter(|sample| sample.name == name)
            .filter(|sample| {
                labels.iter().all(|(label, value)| {
                    sample.labels.get(*label).map(String::as_str) == Some(*value)
                })
            })
            .map(|sample| sample.value)
            .collect();
        assert!(matching.len() <= 1, "{name} {labels:?}: {matching:?}");
        matching.first().copied().unwrap_or(0.0)
    }

    /// Whether a sample `name` has these labels (at whatever value).
    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.samples.iter().any(|sample| {
            sample.name == name
                && labels.iter().all(|(label, value)| {
                    sample.labels.get(*label).map(String::as_str) == Some(*value)
                })
        })
    }
}

/// Parses an exposition with `tests/prometheus/parse.py`, which fails on any line that
/// is not the text format.
async fn parse(text: &str) -> Scrape {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/prometheus/parse.py");
    let mut parser = tokio::process::Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (the .venv-test one, with prometheus-client) on PATH");
    let mut stdin = parser.stdin.take().unwrap();
    stdin.write_all(text.as_bytes()).await.unwrap();
    drop(stdin);
    let output = parser.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Fetches and parses `/metrics`.
async fn scrape(app: &TestApp) -> Scrape {
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    parse(&response.text().await.unwrap()).await
}

/// Scrapes until `done` holds for the scrape, failing after ten seconds: counts that
/// come from events or background work land shortly after the request that caused them.
async fn scrape_until(app: &TestApp, what: &str, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let scrape = scrape(app).await;
        if done(&scrape) {
            return scrape;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn expired(refresh: &str) -> Credentials {
    Credentials {
        provider: "google".to_owned(),
        access_token: Some(AccessToken::new("ya29.expired".to_owned())),
        refresh_token: Some(RefreshToken::new(refresh.to_owned())),
        expires_at: Some(OffsetDateTime::now_utc() - time::Duration::minutes(5)),
        scopes: vec!["https://www.googleapis.com/auth/calendar.readonly".to_owned()],
        ..Credentials::default()
    }
}

#[tokio::test]
async fn requests_are_counted_by_route_template_and_status() {
    // Arrange
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();

    // Act
    for _ in 0..5 {
        let health = anonymous
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
    }
    for key in ["google_calendar", "slack"] {
        let refused = anonymous
            .get(app.url(&format!("/connectors/{key}/redirect")))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
    }
    let missing = anonymous
        .get(app.url("/no-such-route-7f3a"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // Assert
    let scrape = scrape(&app).await;
    let requests = |route: &str, status: &str| {
        scrape.value(
            "http_requests_total",
            &[("method", "GET"), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("/healthz", "200"), 5.0);
    assert_eq!(requests("/api/v1/connectors/{key}/redirect", "401"), 2.0);
    assert_eq!(requests("unmatched", "404"), 1.0);
    let healthz = [("method", "GET"), ("route", "/healthz"), ("status", "200")];
    assert_eq!(
        scrape.families["http_request_duration_seconds"],
        "histogram"
    );
    assert_eq!(
        scrape.value("http_request_duration_seconds_count", &healthz),
        5.0
    );
    let mut infinite = healthz.to_vec();
    infinite.push(("le", "+Inf"));
    assert_eq!(
        scrape.value("http_request_duration_seconds_bucket", &infinite),
        5.0
    );
    assert_eq!(scrape.families["http_requests"], "counter");
    // A route label is a template, never the path a client sent.
    for sample in &scrape.samples {
        let route = sample
            .labels
            .get("route")
            .map(String::as_str)
            .unwrap_or_default();
        assert!(
            !route.contains("google_calendar") && !route.contains("7f3a"),
            "{route}"
        );
    }
}

#[tokio::test]
async fn refreshes_and_reauthorizations_are_counted_by_connector() {
    // Arrange: two users with expired tokens, one whose refresh token Google accepts.
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let ada = app.me().await;
    let (bob_client, _) = app.other_user("bob@example.com").await;
    let bob: Value = bob_client
        .get(app.url("/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bob = bob["user"]["id"].as_str().unwrap().parse().unwrap();
    for (user, refresh) in [(ada, "1//alive"), (bob, "1//dead")] {
        app.state
            .service
            .save_tokens(user, "google_calendar", &expired(refresh))
            .await
            .unwrap();
    }
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=1%2F%2Falive"))
        .respond_with(ResponseTemplate::new(200).set_body_json(google_refresh_answer("ya29.new")))
        .expect(1)
        .mount(&app.google)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=1%2F%2Fdead"))
        .respond_with(google_invalid_grant())
        .expect(1)
        .mount(&app.google)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&app.google)
        .await;

    // Act
    let refreshed = app.get("/connectors/google_calendar/events").await;
    let refused = bob_client
        .get(app.url("/connectors/google_calendar/events"))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(refreshed.status(), 200);
    assert_eq!(refused.status(), 409);
    let refreshes = |scrape: &Scrape, outcome: &str| {
        scrape.value(
            "token_refreshes_total",
            &[("connector", "google_calendar"), ("outcome", outcome)],
        )
    };
    let scrape = scrape_until(&app, "both refreshes counted", |scrape| {
        refreshes(scrape, "ok") >= 1.0 && refreshes(scrape, "needs_reauth") >= 1.0
    })
    .await;
    assert_eq!(refreshes(&scrape, "ok"), 1.0);
    assert_eq!(refreshes(&scrape, "needs_reauth"), 1.0);
    assert_eq!(refreshes(&scrape, "transient_failure"), 0.0);
}

#[tokio::test]
async fn client_secrets_are_counted_by_outcome() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": "ek_minted", "expires_at": 1_900_000_000,
            "session": {"type": "realtime", "object": "realtime.session", "model": "gpt-realtime"}
        })))
        .up_to_n_times(2)
        .mount(&app.openai)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "error": {"message": "boom", "type": "server_error", "param": null, "code": null}
        })))
        .mount(&app.openai)
        .await;
    let before = scrape(&app).await;
    assert_eq!(
        before.value("client_secrets_minted_total", &[("outcome", "ok")]),
        0.0
    );
    assert!(before.has("client_secrets_minted_total", &[("outcome", "error")]));

    // Act
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            app.post_json("/realtime/client-secret", &json!({}))
                .await
                .status(),
        );
    }

    // Assert
    assert_eq!(statuses[..2], [200, 200]);
    assert!(statuses[2].is_server_error(), "{statuses:?}");
    let after = scrape(&app).await;
    assert_eq!(
        after.value("client_secrets_minted_total", &[("outcome", "ok")]),
        2.0
    );
    assert_eq!(
        after.value("client_secrets_minted_total", &[("outcome", "error")]),
        1.0
    );
}

#[tokio::test]
async fn webhook_attempts_are_counted_by_outcome_and_worker_runs_are_listed() {
    // Arrange: a receiver that fails once, then accepts.
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&receiver)
        .await;
    let url = format!("{}/hooks", receiver.uri());
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("WEBHOOK_URL", &url),
            ("WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            ("WEBHOOK_EVENTS", "connection.needs_reauth"),
            ("WEBHOOK_RETRY_SCHEDULE", "1"),
        ],
    )
    .await;
    app.sign_up("ada@example.com").await;
    let ada = app.me().await;
    app.state
        .service
        .save_tokens(ada, "google_calendar", &expired("1//dead"))
        .await
        .unwrap();
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(google_invalid_grant())
        .mount(&app.google)
        .await;

    // Act: one needs_reauth event, posted twice.
    let refused = app.get("/connectors/google_calendar/events").await;

    // Assert
    assert_eq!(refused.status(), 409);
    let deliveries = |scrape: &Scrape, outcome: &str| {
        scrape.value("webhook_deliveries_total", &[("outcome", outcome)])
    };
    let scrape = scrape_until(&app, "the webhook delivered", |scrape| {
        deliveries(scrape, "delivered") >= 1.0
    })
    .await;
    assert_eq!(deliveries(&scrape, "retried"), 1.0);
    assert_eq!(deliveries(&scrape, "delivered"), 1.0);
    assert_eq!(deliveries(&scrape, "failed"), 0.0);
    for outcome in ["ok", "error"] {
        assert!(
            scrape.has("background_worker_runs_total", &[("outcome", outcome)]),
            "background_worker_runs_total{{outcome={outcome}}} listed"
        );
    }
}

#[tokio::test]
async fn metrics_is_never_the_dashboard_and_its_neighbours_are_json_404s() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();

    let metrics = anonymous
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    let content_type = metrics.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = metrics.text().await.unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(
        !body.contains("<html") && !body.contains("<!doctype"),
        "{body}"
    );
    let parsed = parse(&body).await;
    assert_eq!(parsed.families["client_secrets_minted"], "counter");
    assert_eq!(parsed.families["background_worker_runs"], "counter");

    for unknown in ["/metrics/extra", "/metrics/", "/healthz/x"] {
        let response = anonymous
            .get(format!("{}{unknown}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{unknown}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "not_found", "{unknown}");
    }
    let wrong_method = anonymous
        .post(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    let error: Value = wrong_method.json().await.unwrap();
    assert!(error["error"]["code"].is_string(), "{error}");
}

#[tokio::test]
async fn every_answer_echoes_a_request_id_and_keeps_a_usable_incoming_one() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    let get = |id: Option<&'static str>, route: &'static str| {
        let mut request = anonymous.get(format!("{}{route}", app.address));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };

    let made = get(None, "/healthz").await.unwrap();
    let kept = get(Some("trace-0192d1a5"), "/api/v1/connectors")
        .await
        .unwrap();
    let replaced = get(Some("no spaces allowed"), "/healthz").await.unwrap();
    let other = get(None, "/no-such-page.js").await.unwrap();

    let made = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&made).is_ok(), "{made}");
    assert_eq!(kept.status(), 401);
    assert_eq!(kept.headers()["x-request-id"], "trace-0192d1a5");
    let replaced = replaced.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&replaced).is_ok(), "{replaced}");
    let other = other.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(other, made, "a new id per request");
}
