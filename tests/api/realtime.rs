//! The voice agent's server half: client secrets minted through a fake OpenAI, the tool
//! catalog, and the catalog's executor driving the live API.

use std::time::Duration;

use serde_json::{json, Value};
use voice_tools::{Catalog, Executor};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::*;

fn minted(value: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "value": value,
        "expires_at": 1_900_000_000,
        "session": {"type": "realtime", "object": "realtime.session", "model": "gpt-realtime"}
    }))
}

fn openai_error(status: u16, kind: &str, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error": {"message": message, "type": kind, "param": null, "code": code}
    }))
}

#[tokio::test]
async fn a_client_secret_is_minted_with_the_exact_openai_request() {
    // Arrange
    let app = spawn_app_with(Backend::Sqlite, &[("REALTIME_SECRET_TTL_SECONDS", "120")]).await;
    app.sign_up("ada@example.com").await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .and(header(
            "authorization",
            format!("Bearer {OPENAI_API_KEY}").as_str(),
        ))
        .and(header("content-type", "application/json"))
        .respond_with(minted("ek_68af296e8e408191a1120ab6383263c2"))
        .expect(1)
        .mount(&app.openai)
        .await;

    // Act
    let response = app
        .client
        .post(app.url("/realtime/client-secret"))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({
            "value": "ek_68af296e8e408191a1120ab6383263c2",
            "expires_at": 1_900_000_000,
            "model": "gpt-realtime",
            "calls_url": "http://127.0.0.1:9/v1/realtime/calls"
        })
    );
    let sent: Value =
        serde_json::from_slice(&app.openai.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(
        sent["expires_after"],
        json!({"anchor": "created_at", "seconds": 120})
    );
    assert_eq!(sent["session"]["type"], "realtime");
    assert_eq!(sent["session"]["model"], "gpt-realtime");
    assert_eq!(
        sent["session"]["audio"],
        json!({"output": {"voice": "marin"}})
    );
    assert!(
        sent.get("model").is_none() && sent.get("type").is_none(),
        "no top-level model/type"
    );
    let instructions = sent["session"]["instructions"].as_str().unwrap();
    assert!(instructions.contains("Donna"));
    let tools = sent["session"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    for expected in [
        "list_connectors",
        "activate_connector",
        "revoke_connector",
        "list_events",
        "create_project",
        "list_projects",
        "upload_file",
    ] {
        assert!(names.contains(&expected), "{expected} sent");
    }
    for tool in tools {
        assert_eq!(tool["type"], "function");
        let text = tool["parameters"].to_string();
        assert!(
            !text.contains("$schema") && !text.contains("$defs"),
            "{text}"
        );
        assert!(!has_title_keyword(&tool["parameters"]), "{text}");
    }
    let activate = tools
        .iter()
        .find(|tool| tool["name"] == "activate_connector")
        .unwrap();
    assert!(activate["parameters"]["properties"]["key"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("google_calendar")));
}

#[tokio::test]
async fn minting_requires_a_user_and_is_rate_limited_per_user() {
    let app = spawn_app().await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(minted("ek_a"))
        .mount(&app.openai)
        .await;
    let anonymous = browser()
        .post(app.url("/realtime/client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    app.sign_up("ada@example.com").await;
    for _ in 0..10 {
        assert_eq!(
            app.client
                .post(app.url("/realtime/client-secret"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    let eleventh = app
        .client
        .post(app.url("/realtime/client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(eleventh.status(), 429);
    assert!(
        eleventh.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );

    // Another user has a budget of their own.
    let (bob, _) = app.other_user("bob@example.com").await;
    assert_eq!(
        bob.post(app.url("/realtime/client-secret"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn without_an_openai_key_minting_answers_503_in_words() {
    let app = spawn_app_with(Backend::Sqlite, &[("OPENAI_API_KEY", "")]).await;
    app.sign_up("ada@example.com").await;
    let response = app
        .client
        .post(app.url("/realtime/client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "voice_not_configured");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("OPENAI_API_KEY"));
}

async fn upstream_failure(answer: ResponseTemplate, status: u16, code: &str) {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(answer)
        .mount(&app.openai)
        .await;
    let response = app
        .client
        .post(app.url("/realtime/client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), status, "{code}");
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], code);
    assert!(!text.contains(OPENAI_API_KEY));
}

#[tokio::test]
async fn openai_refusing_the_key_is_a_502() {
    upstream_failure(
        openai_error(
            401,
            "invalid_request_error",
            "invalid_api_key",
            &format!("Incorrect API key provided: {OPENAI_API_KEY}"),
        ),
        502,
        "voice_upstream_refused",
    )
    .await;
}

#[tokio::test]
async fn openai_rate_limiting_is_a_429_with_retry_after() {
    let answer = openai_error(429, "requests", "rate_limit_exceeded", "Rate limit reached")
        .insert_header("retry-after", "7");
    upstream_failure(answer, 429, "rate_limited").await;
}

#[tokio::test]
async fn openai_failing_is_a_503() {
    upstream_failure(
        ResponseTemplate::new(500).set_body_string("upstream connect error"),
        503,
        "voice_unavailable",
    )
    .await;
}

#[tokio::test]
async fn openai_timing_out_is_a_503() {
    upstream_failure(
        minted("ek_late").set_delay(Duration::from_secs(4)),
        503,
        "voice_unavailable",
    )
    .await;
}

#[tokio::test]
async fn the_tool_catalog_lists_every_tool_with_its_binding() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let tools: Vec<Value> = app.get("/realtime/tools").await.json().await.unwrap();
    let find = |name: &str| {
        tools
            .iter()
            .find(|tool| tool["name"] == name)
            .unwrap_or_else(|| panic!("{name} listed"))
    };
    assert_eq!(find("list_connectors")["method"], "GET");
    assert_eq!(find("list_connectors")["path"], "/api/v1/connectors");
    assert_eq!(find("activate_connector")["method"], "POST");
    assert_eq!(
        find("activate_connector")["path"],
        "/api/v1/connectors/{key}/activate"
    );
    assert_eq!(
        find("revoke_connector")["path"],
        "/api/v1/connectors/{key}/revoke"
    );
    assert_eq!(
        find("list_events")["path"],
        "/api/v1/connectors/google_calendar/events"
    );
    assert_eq!(find("create_project")["method"], "POST");
    assert_eq!(find("upload_file")["needs_user_file"], true);
    for tool in &tools {
        assert_eq!(
            tool["parameters"]["additionalProperties"], false,
            "{}",
            tool["name"]
        );
        assert!(tool["description"].as_str().unwrap().len() > 20);
    }
    assert_eq!(
        browser()
            .get(app.url("/realtime/tools"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn the_executor_drives_the_live_api_as_the_user() {
    let app = spawn_app().await;
    let token = app.sign_up("ada@example.com").await;
    let keys: Vec<String> = app
        .connectors()
        .await
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    let catalog = Catalog::new(keys);
    let executor = Executor::new(app.address.parse().unwrap());

    let created = executor
        .execute(
            &catalog,
            "create_project",
            &json!({"name": "Voice launch", "description": "Said out loud"}),
            &token,
        )
        .await
        .unwrap();
    assert_eq!(created["name"], "Voice launch");
    let listed = executor
        .execute(&catalog, "list_projects", &json!({}), &token)
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let projects: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert_eq!(projects[0]["description"], "Said out loud");

    let activation = executor
        .execute(
            &catalog,
            "activate_connector",
            &json!({"key": "google_calendar"}),
            &token,
        )
        .await
        .unwrap();
    assert_eq!(activation["kind"], "oauth");
    assert!(activation["url"]
        .as_str()
        .unwrap()
        .contains("code_challenge="));

    let not_connected = executor
        .execute(&catalog, "list_events", &json!({"limit": 3}), &token)
        .await
        .unwrap_err();
    assert_eq!(not_connected.code(), "not_connected");

    let refused = executor
        .execute(
            &catalog,
            "activate_connector",
            &json!({"key": "nope"}),
            &token,
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("key"), "{refused}");
    let refused = executor
        .execute(&catalog, "create_project", &json!({"name": 3}), &token)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("name"), "{refused}");
}

#[tokio::test]
async fn no_response_ever_contains_the_openai_key() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    Mock::given(method("POST"))
        .and(path("/v1/realtime/client_secrets"))
        .respond_with(minted("ek_x"))
        .mount(&app.openai)
        .await;
    let mut bodies = Vec::new();
    for route in [
        "/connectors",
        "/realtime/tools",
        "/openapi.json",
        "/auth/me",
        "/projects",
        "/healthz",
    ] {
        bodies.push(app.get(route).await.text().await.unwrap());
    }
    bodies.push(
        app.client
            .post(app.url("/realtime/client-secret"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    bodies.push(
        app.client
            .get(format!("{}/", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    for body in bodies {
        assert!(!body.contains(OPENAI_API_KEY));
        assert!(!body.contains(GOOGLE_CLIENT_SECRET));
    }
}

/// Whether a schema, or one inside it, has schemars' `title` keyword (an argument named
/// `title`, a key of `properties`, is no keyword).
fn has_title_keyword(schema: &Value) -> bool {
    match schema {
        Value::Object(keywords) => keywords.iter().any(|(name, value)| match name.as_str() {
            "title" => true,
            "properties" => value
                .as_object()
                .is_some_and(|properties| properties.values().any(has_title_keyword)),
            _ => has_title_keyword(value),
        }),
        Value::Array(items) => items.iter().any(has_title_keyword),
        _ => false,
    }
}
