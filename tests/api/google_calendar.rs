//! The Google Calendar slice: redirect → consent → callback → stored → active → events,
//! every refused callback, revocation.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

#[tokio::test]
async fn a_user_connects_google_calendar_and_lists_events() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.first-access", "1//first-refresh").await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary/events"))
        .and(header("authorization", "Bearer ya29.first-access"))
        .and(query_param("singleEvents", "true"))
        .and(query_param("orderBy", "startTime"))
        .and(query_param("maxResults", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#events",
            "timeZone": "Europe/Paris",
            "items": [
                {"id": "ev1", "status": "confirmed", "summary": "Standup", "htmlLink": "https://calendar.google.com/e/ev1",
                 "start": {"dateTime": "2026-12-01T09:00:00+01:00"}, "end": {"dateTime": "2026-12-01T09:15:00+01:00"}},
                {"id": "ev2", "status": "confirmed", "summary": "Offsite",
                 "start": {"date": "2026-12-03"}, "end": {"date": "2026-12-04"}}
            ]
        })))
        .expect(1)
        .mount(&app.google)
        .await;

    // Act
    let landing = app.connect_google().await;

    // Assert
    assert_eq!(
        landing.as_str(),
        format!(
            "{}/connectors/callback/google_calendar?status=success",
            app.frontend_url
        )
    );
    let card = app.connector("google_calendar").await;
    assert_eq!(card["connected"], true);
    assert_eq!(card["status"], "active");
    assert_eq!(card["kind"], "oauth");
    assert_eq!(card["provider"], "google");
    assert_eq!(card["configured"], true);
    assert_eq!(card["connected_as"], "ada@example.com");
    assert_eq!(
        card["scopes"],
        json!(["https://www.googleapis.com/auth/calendar.readonly"])
    );
    assert!(card["expires_at"].is_string());
    assert!(
        !card.to_string().contains("ya29."),
        "no token in the listing"
    );

    let events = app.get("/connectors/google_calendar/events?limit=5").await;
    assert_eq!(events.status(), 200);
    let events: Vec<Value> = events.json().await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["summary"], "Standup");
    assert_eq!(events[0]["start"], "2026-12-01T09:00:00+01:00");
    assert_eq!(events[1]["all_day"], true);
}

#[tokio::test]
async fn the_token_request_repeats_the_redirect_uri_and_proves_pkce() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;

    let authorization = app.start_google_flow().await;
    let params: HashMap<String, String> = authorization.query_pairs().into_owned().collect();
    app.follow_callback(&app.consent(&authorization).await)
        .await;

    let token_requests: Vec<_> = app
        .google
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|request| request.url.path() == "/token")
        .collect();
    assert_eq!(token_requests.len(), 1);
    let sent = form(&token_requests[0].body);
    assert_eq!(sent["grant_type"], "authorization_code");
    assert_eq!(sent["code"], "4/0AX4XfWh-code");
    assert_eq!(
        sent["redirect_uri"], params["redirect_uri"],
        "byte-identical redirect URI"
    );
    assert_eq!(sent["client_id"], GOOGLE_CLIENT_ID);
    assert_eq!(sent["client_secret"], GOOGLE_CLIENT_SECRET);
    assert_eq!(
        sha2_check::challenge_of(&sent["code_verifier"]),
        params["code_challenge"]
    );
}

/// S256 as RFC 7636 defines it, computed independently of the product.
mod sha2_check {
    pub fn challenge_of(verifier: &str) -> String {
        use base64::Engine as _;
        let digest = <sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    }
}

#[tokio::test]
async fn the_authorization_url_asks_for_the_minimal_scope_offline_access_and_pkce() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    let url = app.start_google_flow().await;

    assert!(url
        .as_str()
        .starts_with(&format!("{}/o/oauth2/v2/auth?", app.google.uri())));
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["client_id"], GOOGLE_CLIENT_ID);
    assert_eq!(
        params["redirect_uri"],
        format!("{}/api/v1/connectors/google_calendar/callback", app.address)
    );
    assert_eq!(
        params["scope"],
        "https://www.googleapis.com/auth/calendar.readonly"
    );
    assert_eq!(params["access_type"], "offline");
    assert_eq!(params["prompt"], "consent");
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["code_challenge"].len(), 43);
    assert!(params["state"].len() >= 22, "at least 128 bits of state");
    assert!(!params.contains_key("client_secret"));
    assert!(!params.contains_key("code_verifier"));
    assert_eq!(app.count_rows("oauth_states").await, 1);
}

#[tokio::test]
async fn redirect_answers_json_when_asked_and_503_when_google_is_not_configured() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let response = app
        .client
        .get(app.url("/connectors/google_calendar/redirect"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body["url"].as_str().unwrap().contains("code_challenge="));

    let unconfigured = spawn_app_with(
        Backend::Sqlite,
        &[("GOOGLE_CLIENT_ID", ""), ("GOOGLE_CLIENT_SECRET", "")],
    )
    .await;
    unconfigured.sign_up("bob@example.com").await;
    assert_eq!(
        unconfigured.connector("google_calendar").await["configured"],
        false
    );
    let response = unconfigured
        .get("/connectors/google_calendar/redirect")
        .await;
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_configured");
}

#[tokio::test]
async fn tokens_never_reach_the_database_file_in_plaintext() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(
        &app.google,
        "ya29.PLAINTEXT-ACCESS-MARKER",
        "1//PLAINTEXT-REFRESH-MARKER",
    )
    .await;
    let landing = app.connect_google().await;
    assert_eq!(outcome(&landing).0, "success");

    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(app.data_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("connectors.db")
        {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    assert!(!bytes.is_empty());
    for marker in [
        "PLAINTEXT-ACCESS-MARKER",
        "PLAINTEXT-REFRESH-MARKER",
        "ya29.",
        "1//",
    ] {
        assert!(
            !bytes
                .windows(marker.len())
                .any(|window| window == marker.as_bytes()),
            "{marker} found in the database files"
        );
    }
    assert_eq!(app.count_rows("user_connector_credentials").await, 1);
}

async fn assert_refused(app: &TestApp, target: &Url, reason: &str) {
    assert!(
        target.as_str().starts_with(&format!(
            "{}/connectors/callback/google_calendar?",
            app.frontend_url
        )),
        "sent to {target}"
    );
    assert_eq!(
        outcome(target),
        ("error".to_owned(), Some(reason.to_owned()))
    );
    assert_eq!(
        app.count_rows("user_connector_credentials").await,
        0,
        "nothing stored"
    );
    let card = app.connector("google_calendar").await;
    assert_eq!(card["connected"], false);
}

fn callback_url(app: &TestApp, query: &str) -> Url {
    Url::parse(&format!(
        "{}/connectors/google_calendar/callback?{query}",
        app.url("")
    ))
    .unwrap()
}

#[tokio::test]
async fn a_callback_without_state_is_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let target = app.follow_callback(&callback_url(&app, "code=abc")).await;
    assert_refused(&app, &target, "missing_state").await;
}

#[tokio::test]
async fn a_callback_with_an_unknown_state_is_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    let target = app
        .follow_callback(&callback_url(&app, "code=abc&state=forged-state-value"))
        .await;
    assert_refused(&app, &target, "invalid_state").await;
}

#[tokio::test]
async fn an_expired_state_is_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    let callback = app.consent(&app.start_google_flow().await).await;
    let ten_minutes_ago = time::OffsetDateTime::now_utc().unix_timestamp() - 601;
    app.execute_with_i64("UPDATE oauth_states SET expires_at = $1", ten_minutes_ago)
        .await;
    let target = app.follow_callback(&callback).await;
    assert_refused(&app, &target, "expired_state").await;
}

#[tokio::test]
async fn a_state_works_once() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    let callback = app.consent(&app.start_google_flow().await).await;
    assert_eq!(outcome(&app.follow_callback(&callback).await).0, "success");
    app.client
        .post(app.url("/connectors/google_calendar/revoke"))
        .send()
        .await
        .unwrap();

    let replay = app.follow_callback(&callback).await;
    assert_refused(&app, &replay, "invalid_state").await;
}

#[tokio::test]
async fn a_state_started_by_another_user_is_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    let callback = app.consent(&app.start_google_flow().await).await;

    let (mallory, _) = app.other_user("mallory@example.com").await;
    let response = mallory.get(callback.clone()).send().await.unwrap();
    let target = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();

    assert_refused(&app, &target, "state_mismatch").await;
    let mallory_cards: Vec<Value> = mallory
        .get(app.url("/connectors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(mallory_cards.iter().all(|card| card["connected"] == false));
}

#[tokio::test]
async fn a_callback_without_the_session_cookie_is_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    let callback = app.consent(&app.start_google_flow().await).await;

    let response = browser().get(callback).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let target = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_refused(&app, &target, "not_authenticated").await;
}

#[tokio::test]
async fn denied_consent_is_refused() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    Mock::given(method("GET"))
        .and(path("/o/oauth2/v2/auth"))
        .respond_with(ConsentScreen::denying("access_denied"))
        .mount(&app.google)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&app.google)
        .await;
    let target = app.connect_google().await;
    assert_refused(&app, &target, "access_denied").await;
}

async fn refused_exchange(answer: ResponseTemplate, reason: &str) {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    Mock::given(method("GET"))
        .and(path("/o/oauth2/v2/auth"))
        .respond_with(ConsentScreen::approving("4/code"))
        .mount(&app.google)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(answer)
        .expect(1)
        .mount(&app.google)
        .await;
    let target = app.connect_google().await;
    assert_refused(&app, &target, reason).await;
}

#[tokio::test]
async fn a_code_refused_with_invalid_grant_stores_nothing() {
    refused_exchange(google_invalid_grant(), "invalid_grant").await;
}

#[tokio::test]
async fn a_token_endpoint_failing_with_500_stores_nothing() {
    refused_exchange(
        ResponseTemplate::new(500).set_body_string("<html>Internal Error</html>"),
        "provider_unavailable",
    )
    .await;
}

#[tokio::test]
async fn a_token_endpoint_that_times_out_stores_nothing() {
    let slow = ResponseTemplate::new(200)
        .set_body_json(google_token_answer("ya29.late", "1//late"))
        .set_delay(Duration::from_secs(4));
    refused_exchange(slow, "provider_timeout").await;
}

#[tokio::test]
async fn the_browser_is_only_ever_sent_to_the_frontend() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    for query in [
        "code=x&state=y&redirect_uri=https://evil.example/steal",
        "code=x&state=y&next=https://evil.example",
        "error=access_denied&state=y&return_to=//evil.example",
    ] {
        let response = app
            .client
            .get(callback_url(&app, query))
            .header("host", "evil.example")
            .header("x-forwarded-host", "evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 302);
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with(&format!(
                "{}/connectors/callback/google_calendar?",
                app.frontend_url
            )),
            "{location}"
        );
    }
    let url = app.start_google_flow().await;
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert!(params["redirect_uri"].starts_with(&app.address));
}

#[tokio::test]
async fn revoking_calls_google_purges_the_credentials_and_is_harmless_twice() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//the-refresh").await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=1%2F%2Fthe-refresh"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&app.google)
        .await;
    app.connect_google().await;
    assert_eq!(app.count_rows("user_connector_credentials").await, 1);

    let response = app
        .client
        .post(app.url("/connectors/google_calendar/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let card: Value = response.json().await.unwrap();
    assert_eq!(card["connected"], false);
    assert_eq!(card["status"], "inactive");
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);

    let again = app
        .client
        .post(app.url("/connectors/google_calendar/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(app.connector("google_calendar").await["status"], "inactive");
}

#[tokio::test]
async fn a_failing_revocation_at_google_still_purges() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&app.google)
        .await;
    app.connect_google().await;
    let response = app
        .client
        .post(app.url("/connectors/google_calendar/revoke"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
}

#[tokio::test]
async fn connector_routes_require_a_user() {
    let app = spawn_app().await;
    let anonymous = browser();
    for (verb, route) in [
        ("GET", "/connectors"),
        ("GET", "/connectors/google_calendar/redirect"),
        ("GET", "/connectors/google_calendar/events"),
        ("POST", "/connectors/google_calendar/revoke"),
        ("GET", "/projects"),
        ("GET", "/files"),
        ("GET", "/auth/me"),
    ] {
        let request = match verb {
            "GET" => anonymous.get(app.url(route)),
            _ => anonymous.post(app.url(route)),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{verb} {route}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
}

#[tokio::test]
async fn one_user_never_sees_or_touches_another_users_connection() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    mount_google_happy_path(&app.google, "ya29.a", "1//r").await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&app.google)
        .await;
    app.connect_google().await;

    let (bob, _) = app.other_user("bob@example.com").await;
    let cards: Vec<Value> = bob
        .get(app.url("/connectors"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let card = cards
        .iter()
        .find(|card| card["key"] == "google_calendar")
        .unwrap();
    assert_eq!(card["connected"], false);
    let events = bob
        .get(app.url("/connectors/google_calendar/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 409);
    bob.post(app.url("/connectors/google_calendar/revoke"))
        .send()
        .await
        .unwrap();

    assert_eq!(app.connector("google_calendar").await["connected"], true);
    assert_eq!(app.count_rows("user_connector_credentials").await, 1);
}

#[tokio::test]
async fn bad_event_queries_name_the_field() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    // Each with a code (and its params) for a page to say it in its own language.
    for (query, field, code, params) in [
        (
            "limit=0",
            "limit",
            "not_a_number",
            json!({"min": 1, "max": 250}),
        ),
        (
            "limit=abc",
            "limit",
            "not_a_number",
            json!({"min": 1, "max": 250}),
        ),
        (
            "from=yesterday",
            "from",
            "invalid_format",
            json!({"format": "date_time"}),
        ),
        (
            "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
            "to",
            "must_be_after",
            json!({"other": "from"}),
        ),
    ] {
        let response = app
            .get(&format!("/connectors/google_calendar/events?{query}"))
            .await;
        assert_eq!(response.status(), 422, "{query}");
        let body: Value = response.json().await.unwrap();
        let problem = &body["error"]["fields"][0];
        assert_eq!(problem["field"], field, "{query}");
        assert_eq!(problem["code"], code, "{query}: {body}");
        assert_eq!(problem["params"], params, "{query}: {body}");
    }
}
