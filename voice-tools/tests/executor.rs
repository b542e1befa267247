//! `Executor` against a fake REST API (wiremock).

use std::time::Duration;

use serde_json::{json, Value};
use voice_tools::{Catalog, Error, Executor, UserFile};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "user-session-token";

fn catalog() -> Catalog {
    Catalog::new(["google_calendar", "gmail", "smtp"])
}

fn executor_for(server: &MockServer) -> Executor {
    Executor::new(server.uri().parse().unwrap())
}

fn authorized() -> wiremock::matchers::HeaderExactMatcher {
    header("authorization", format!("Bearer {TOKEN}").as_str())
}

#[tokio::test]
async fn list_connectors_gets_the_connectors_as_the_user() {
    // Arrange
    let server = MockServer::start().await;
    let connectors = json!([{"key": "google_calendar", "connected": false}]);
    Mock::given(method("GET"))
        .and(path("/api/v1/connectors"))
        .and(authorized())
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&connectors))
        .expect(1)
        .mount(&server)
        .await;

    // Act
    let answer = executor_for(&server)
        .execute(&catalog(), "list_connectors", &json!({}), TOKEN)
        .await
        .unwrap();

    // Assert
    assert_eq!(answer, connectors);
}

#[tokio::test]
async fn activate_connector_posts_to_the_key_and_returns_the_oauth_url() {
    let server = MockServer::start().await;
    let oauth =
        json!({"kind": "oauth", "url": "https://accounts.google.com/o/oauth2/v2/auth?state=x"});
    Mock::given(method("POST"))
        .and(path("/api/v1/connectors/google_calendar/activate"))
        .and(authorized())
        .respond_with(ResponseTemplate::new(200).set_body_json(&oauth))
        .expect(1)
        .mount(&server)
        .await;

    let answer = executor_for(&server)
        .execute(
            &catalog(),
            "activate_connector",
            &json!({"key": "google_calendar"}),
            TOKEN,
        )
        .await
        .unwrap();

    assert_eq!(answer, oauth);
}

#[tokio::test]
async fn revoke_connector_posts_without_a_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/connectors/smtp/revoke"))
        .and(authorized())
        .and(|request: &Request| request.body.is_empty())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let answer = executor_for(&server)
        .execute(
            &catalog(),
            "revoke_connector",
            &json!({"key": "smtp"}),
            TOKEN,
        )
        .await
        .unwrap();

    assert_eq!(answer, Value::Null);
}

#[tokio::test]
async fn list_events_sends_its_arguments_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/connectors/google_calendar/events"))
        .and(authorized())
        .and(query_param("from", "2026-03-02T09:00:00+01:00"))
        .and(query_param("limit", "5"))
        .and(query_param_is_missing("to"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .mount(&server)
        .await;

    let answer = executor_for(&server)
        .execute(
            &catalog(),
            "list_events",
            &json!({"from": "2026-03-02T09:00:00+01:00", "limit": 5, "to": null}),
            TOKEN,
        )
        .await
        .unwrap();

    assert_eq!(answer, json!({"items": []}));
}

#[tokio::test]
async fn create_project_posts_a_json_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/projects"))
        .and(authorized())
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"name": "Apollo", "description": "Moon"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": 1, "name": "Apollo"})))
        .expect(1)
        .mount(&server)
        .await;

    let answer = executor_for(&server)
        .execute(
            &catalog(),
            "create_project",
            &json!({"name": "Apollo", "description": "Moon"}),
            TOKEN,
        )
        .await
        .unwrap();

    assert_eq!(answer["id"], 1);
}

#[tokio::test]
async fn list_projects_respects_a_base_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/app/api/v1/projects"))
        .and(authorized())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let executor = Executor::new(format!("{}/app/", server.uri()).parse().unwrap());

    let answer = executor
        .execute(&catalog(), "list_projects", &Value::Null, TOKEN)
        .await
        .unwrap();

    assert_eq!(answer, json!([]));
}

#[tokio::test]
async fn invalid_arguments_never_reach_the_api() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let error = executor_for(&server)
        .execute(
            &catalog(),
            "revoke_connector",
            &json!({"key": "../auth/logout"}),
            TOKEN,
        )
        .await
        .unwrap_err();

    assert!(matches!(error, Error::InvalidArguments { .. }), "{error:?}");
}

#[tokio::test]
async fn an_api_error_keeps_status_code_and_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/connectors/google_calendar/events"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "error": {"code": "needs_reauth", "message": "Reconnect Google Calendar."}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let error = executor_for(&server)
        .execute(&catalog(), "list_events", &json!({}), TOKEN)
        .await
        .unwrap_err();

    let Error::Api {
        status,
        code,
        message,
        ..
    } = &error
    else {
        panic!("expected an API error, got {error:?}");
    };
    assert_eq!(status.as_u16(), 409);
    assert_eq!(code.as_deref(), Some("needs_reauth"));
    assert_eq!(message, "Reconnect Google Calendar.");
    assert_eq!(error.code(), "needs_reauth");
    assert_eq!(
        error.to_tool_output(),
        json!({"error": {
            "code": "needs_reauth",
            "message": "the api answered 409 Conflict: Reconnect Google Calendar."
        }})
    );
}

#[tokio::test]
async fn a_plain_text_error_becomes_the_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .mount(&server)
        .await;

    let error = executor_for(&server)
        .execute(&catalog(), "list_projects", &json!({}), TOKEN)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Api { status, code: None, message, .. }
            if status.as_u16() == 502 && message == "bad gateway"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_success_that_is_not_json_is_an_invalid_response() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;

    let error = executor_for(&server)
        .execute(&catalog(), "list_projects", &json!({}), TOKEN)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
}

#[tokio::test]
async fn a_slow_api_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let executor = executor_for(&server).with_http_client(client);

    let error = executor
        .execute(&catalog(), "list_projects", &json!({}), TOKEN)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn upload_file_needs_a_file_from_the_user() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let error = executor_for(&server)
        .execute(&catalog(), "upload_file", &json!({}), TOKEN)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::NeedsUserFile { tool } if tool == "upload_file"),
        "{error:?}"
    );
    assert_eq!(error.code(), "needs_user_file");
}

#[tokio::test]
async fn upload_file_with_the_bytes_posts_a_multipart_form() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/files"))
        .and(authorized())
        .and(|request: &Request| {
            let content_type = request
                .headers
                .get("content-type")
                .and_then(|value| value.to_str().ok())
                .unwrap_or_default();
            let body = String::from_utf8_lossy(&request.body);
            content_type.starts_with("multipart/form-data; boundary=")
                && body.contains(r#"name="file"; filename="notes.txt""#)
                && body.contains("Content-Type: text/plain")
                && body.contains("hello donna")
        })
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"id": 9, "name": "notes.txt"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let call = catalog().validate("upload_file", &json!({})).unwrap();
    let file = UserFile::new("notes.txt", b"hello donna".to_vec()).with_content_type("text/plain");

    // Act
    let answer = executor_for(&server)
        .send_with_file(&call, file, TOKEN)
        .await
        .unwrap();

    // Assert
    assert_eq!(answer["id"], 9);
}

#[test]
fn a_422s_field_errors_reach_the_tool_output_as_the_api_sent_them() {
    let body = json!({"error": {
        "code": "validation_failed",
        "message": "invalid fields",
        "fields": [{"field": "to", "code": "must_be_after", "message": "must be after `from`", "params": {"other": "from"}}],
    }});
    let error = voice_tools::read_answer(
        http::StatusCode::UNPROCESSABLE_ENTITY,
        body.to_string().as_bytes(),
    )
    .unwrap_err();
    let output = error.to_tool_output();
    assert_eq!(output["error"]["code"], "validation_failed");
    assert_eq!(output["error"]["fields"], body["error"]["fields"]);

    let plain =
        voice_tools::read_answer(http::StatusCode::BAD_GATEWAY, b"bad gateway").unwrap_err();
    assert!(plain.to_tool_output()["error"].get("fields").is_none());
}
