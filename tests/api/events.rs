//! Lifecycle events (SPEC §11) end to end: every change made through the HTTP API shows
//! up in `GET /events`, newest first, the user's own only, with no secret in any of
//! them, and reaches in-process subscribers after its commit.

use serde_json::{json, Value};
use time::OffsetDateTime;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

const FIRST_ACCESS: &str = "ya29.FIRST-ACCESS-MARKER";
const FIRST_REFRESH: &str = "1//FIRST-REFRESH-MARKER";
const REFRESHED_ACCESS: &str = "ya29.REFRESHED-ACCESS-MARKER";
const SMTP_PASSWORD: &str = "SMTP-PASSWORD-MARKER";

/// Makes the stored Google access token expired.
async fn expire_google_token(app: &TestApp) {
    let past = OffsetDateTime::now_utc().unix_timestamp() - 600;
    app.execute_with_i64(
        "UPDATE user_connector_credentials SET expires_at = $1 WHERE connector_code = 'google_calendar'",
        past,
    )
    .await;
}

async fn mount_calendar_events(app: &TestApp) {
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary/events"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&app.google)
        .await;
}

async fn events(app: &TestApp, query: &str) -> Vec<Value> {
    let response = app.get(&format!("/events{query}")).await;
    assert_eq!(response.status(), 200, "GET /events{query}");
    response.json().await.unwrap()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect()
}

async fn every_change_is_an_event_in_order(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, &[]).await;
    app.sign_up("ada@example.com").await;
    let mut subscriber = app.state.service.subscribe();
    mount_google_happy_path(&app.google, FIRST_ACCESS, FIRST_REFRESH).await;
    mount_calendar_events(&app).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(google_refresh_answer(REFRESHED_ACCESS)),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&app.google)
        .await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&app.google)
        .await;

    // Act: connect, connect again, refresh after expiry, invalid_grant after expiry,
    // save a config connector, revoke.
    let (status, _) = outcome(&app.connect_google().await);
    assert_eq!(status, "success");
    let (status, _) = outcome(&app.connect_google().await);
    assert_eq!(status, "success");
    expire_google_token(&app).await;
    assert_eq!(
        app.get("/connectors/google_calendar/events").await.status(),
        200
    );
    expire_google_token(&app).await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .respond_with(google_invalid_grant())
        .expect(1)
        .mount(&app.google)
        .await;
    assert_eq!(
        app.get("/connectors/google_calendar/events").await.status(),
        409
    );
    let saved = app
        .post_json(
            "/connectors/smtp/config?verify=false",
            &json!({"host": "smtp.example.com", "port": 587, "security": "starttls",
                    "username": "donna", "password": SMTP_PASSWORD, "from": "donna@example.com"}),
        )
        .await;
    assert_eq!(saved.status(), 200);
    let revoked = app
        .post_json("/connectors/google_calendar/revoke", &json!({}))
        .await;
    assert_eq!(revoked.status(), 200);

    // Assert
    let listed = events(&app, "").await;
    assert_eq!(
        types(&listed),
        [
            "connection.revoked",
            "connection.connected",
            "connection.needs_reauth",
            "connection.refreshed",
            "connection.connected",
            "connection.connected",
        ],
        "{listed:#?}"
    );
    let [revoked, smtp, needs_reauth, refreshed, reconnected, connected] = &listed[..] else {
        unreachable!()
    };
    assert_eq!(connected["connector"], "google_calendar");
    assert_eq!(connected["data"], json!({"reconnected": false}));
    assert_eq!(reconnected["data"], json!({"reconnected": true}));
    assert_eq!(refreshed["connector"], "google_calendar");
    assert_eq!(
        needs_reauth["data"]["reason"],
        "Token has been expired or revoked."
    );
    assert_eq!(smtp["connector"], "smtp");
    assert_eq!(smtp["data"], json!({"reconnected": false}));
    assert_eq!(revoked["data"]["provider_revoked"], true);
    for event in &listed {
        let id = event["id"].as_str().unwrap();
        assert!(id.starts_with("evt_"), "{id}");
        let created_at = event["created_at"].as_str().unwrap();
        assert!(
            OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339)
                .is_ok(),
            "{created_at}"
        );
        assert!(created_at.ends_with('Z'), "UTC: {created_at}");
        assert!(event.get("user_id").is_none(), "the list is the user's own");
    }
    let bodies = serde_json::to_string(&listed).unwrap();
    for secret in [
        FIRST_ACCESS,
        FIRST_REFRESH,
        REFRESHED_ACCESS,
        SMTP_PASSWORD,
        GOOGLE_CLIENT_SECRET,
        "4/0AX4XfWh-code",
    ] {
        assert!(!bodies.contains(secret), "{secret} in {bodies}");
    }
    // Subscribers heard the same events, oldest first, after each commit.
    let mut heard = Vec::new();
    while let Ok(event) = subscriber.try_recv() {
        heard.push(event.id);
    }
    let mut expected: Vec<String> = listed
        .iter()
        .map(|event| event["id"].as_str().unwrap().to_owned())
        .collect();
    expected.reverse();
    assert_eq!(heard, expected);
}

#[tokio::test]
async fn every_change_is_an_event_listed_newest_first_on_sqlite() {
    every_change_is_an_event_in_order(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_change_is_an_event_listed_newest_first_on_postgres() {
    every_change_is_an_event_in_order(Backend::Postgres).await;
}

async fn events_page_filter_and_stay_private(backend: Backend) {
    // Arrange: three config saves by one user, one by another.
    let app = spawn_app_with(backend, &[]).await;
    app.sign_up("ada@example.com").await;
    let smtp = json!({"host": "smtp.example.com", "port": 587, "security": "starttls",
                      "username": "donna", "password": SMTP_PASSWORD, "from": "donna@example.com"});
    for _ in 0..2 {
        let saved = app
            .post_json("/connectors/smtp/config?verify=false", &smtp)
            .await;
        assert_eq!(saved.status(), 200);
    }
    let hostinger = app
        .post_json(
            "/connectors/hostinger/config?verify=false",
            &json!({"api_token": "HOSTINGER-TOKEN-MARKER"}),
        )
        .await;
    assert_eq!(hostinger.status(), 200);
    let (other, _) = app.other_user("grace@example.com").await;
    let saved = other
        .post(app.url("/connectors/smtp/config?verify=false"))
        .json(&smtp)
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);

    // Act
    let all = events(&app, "").await;
    let first_page = events(&app, "?limit=2").await;
    let last_id = first_page[1]["id"].as_str().unwrap();
    let second_page = events(&app, &format!("?limit=2&before={last_id}")).await;
    let only_smtp = events(&app, "?connector=smtp").await;
    let others: Vec<Value> = other
        .get(app.url("/events"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Assert
    assert_eq!(all.len(), 3, "only the user's own: {all:#?}");
    assert_eq!(all[0]["connector"], "hostinger");
    assert_eq!(first_page, all[..2]);
    assert_eq!(second_page, all[2..]);
    assert_eq!(only_smtp, all[1..]);
    assert_eq!(only_smtp[0]["data"]["reconnected"], true);
    assert_eq!(only_smtp[1]["data"]["reconnected"], false);
    assert_eq!(others.len(), 1);
    assert_eq!(others[0]["data"]["reconnected"], false);
    let theirs = others[0]["id"].as_str().unwrap();
    let foreign = app.get(&format!("/events?before={theirs}")).await;
    assert_eq!(
        foreign.status(),
        422,
        "another user's event is unknown here"
    );
    let body: Value = foreign.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "before");
    let bodies = serde_json::to_string(&all).unwrap();
    assert!(!bodies.contains("HOSTINGER-TOKEN-MARKER"));
    assert!(!bodies.contains(SMTP_PASSWORD));
}

#[tokio::test]
async fn events_page_backwards_filter_by_connector_and_stay_private_on_sqlite() {
    events_page_filter_and_stay_private(Backend::Sqlite).await;
}

#[tokio::test]
async fn events_page_backwards_filter_by_connector_and_stay_private_on_postgres() {
    events_page_filter_and_stay_private(Backend::Postgres).await;
}

#[tokio::test]
async fn a_bad_limit_or_before_is_a_422_naming_it() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    for (query, field, code) in [
        ("?limit=0", "limit", "not_a_number"),
        ("?limit=201", "limit", "not_a_number"),
        ("?limit=ten", "limit", "not_a_number"),
        ("?before=evt_unknown", "before", "not_found"),
    ] {
        let response = app.get(&format!("/events{query}")).await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "validation_failed", "{query}");
        assert_eq!(body["error"]["fields"][0]["field"], field, "{query}");
        assert_eq!(body["error"]["fields"][0]["code"], code, "{query}: {body}");
    }
    assert_eq!(events(&app, "?limit=200").await, Vec::<Value>::new());
    let anonymous = browser().get(app.url("/events")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}
