//! `ClientSecretMinter` against a fake OpenAI (wiremock).

use std::time::Duration;

use realtime_secret::{ClientSecretMinter, Error, FunctionTool, OpenAiApiKey, SessionConfig};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_KEY: &str = "sk-test-0123456789abcdef";
const ENDPOINT: &str = "/v1/realtime/client_secrets";

fn minter_for(server: &MockServer) -> ClientSecretMinter {
    ClientSecretMinter::new(OpenAiApiKey::new(API_KEY))
        .with_base_url(format!("{}/v1", server.uri()).parse().unwrap())
}

fn donna_config() -> SessionConfig {
    SessionConfig::new()
        .with_instructions("You are Donna.")
        .with_tool(FunctionTool::new(
            "list_projects",
            "List the user's projects.",
            json!({"type": "object", "properties": {}, "additionalProperties": false}),
        ))
        .with_ttl(Duration::from_secs(120))
}

fn openai_error(message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> Value {
    json!({"error": {"message": message, "type": kind, "param": param, "code": code}})
}

fn minted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "value": "ek_68af296e8e408191a1120ab6383263c2",
        "expires_at": 1_756_310_470,
        "session": {"type": "realtime", "model": "gpt-realtime"}
    }))
}

async fn mint_error(answer: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(answer)
        .expect(1)
        .mount(&server)
        .await;
    minter_for(&server)
        .mint(&donna_config())
        .await
        .expect_err("the mock answers an error")
}

#[tokio::test]
async fn mint_posts_exactly_the_documented_body_with_the_bearer_key() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(header("authorization", format!("Bearer {API_KEY}").as_str()))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "expires_after": {"anchor": "created_at", "seconds": 120},
            "session": {
                "type": "realtime",
                "model": "gpt-realtime-mini",
                "instructions": "You are Donna.",
                "audio": {"output": {"voice": "cedar"}},
                "tools": [{
                    "type": "function",
                    "name": "list_projects",
                    "description": "List the user's projects.",
                    "parameters": {"type": "object", "properties": {}, "additionalProperties": false}
                }]
            }
        })))
        .respond_with(minted())
        .expect(1)
        .mount(&server)
        .await;
    let config = donna_config()
        .with_model("gpt-realtime-mini")
        .with_voice("cedar");

    // Act
    let secret = minter_for(&server).mint(&config).await.unwrap();

    // Assert
    assert_eq!(
        secret.value.expose_secret(),
        "ek_68af296e8e408191a1120ab6383263c2"
    );
    assert_eq!(secret.expires_at, 1_756_310_470);
    assert_eq!(secret.session["model"], "gpt-realtime");
}

#[tokio::test]
async fn defaults_are_gpt_realtime_and_marin() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .and(body_json(json!({
            "expires_after": {"anchor": "created_at", "seconds": 60},
            "session": {
                "type": "realtime",
                "model": "gpt-realtime",
                "audio": {"output": {"voice": "marin"}}
            }
        })))
        .respond_with(minted())
        .expect(1)
        .mount(&server)
        .await;

    minter_for(&server)
        .mint(&SessionConfig::new())
        .await
        .unwrap();
}

#[tokio::test]
async fn ttl_outside_openai_bounds_is_clamped_on_the_wire() {
    for (asked, sent) in [(0, 10), (3, 10), (7200, 7200), (86_400, 7200)] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(ENDPOINT))
            .and(body_json(json!({
                "expires_after": {"anchor": "created_at", "seconds": sent},
                "session": {
                    "type": "realtime",
                    "model": "gpt-realtime",
                    "audio": {"output": {"voice": "marin"}}
                }
            })))
            .respond_with(minted())
            .expect(1)
            .mount(&server)
            .await;

        minter_for(&server)
            .mint(&SessionConfig::new().with_ttl(Duration::from_secs(asked)))
            .await
            .unwrap_or_else(|error| panic!("ttl {asked}: {error}"));
    }
}

#[tokio::test]
async fn unauthorized_maps_to_a_bad_gateway_without_the_key() {
    let body = openai_error(
        &format!("Incorrect API key provided: {API_KEY}."),
        "invalid_request_error",
        None,
        Some("invalid_api_key"),
    );

    let error = mint_error(ResponseTemplate::new(401).set_body_json(body)).await;

    let Error::Unauthorized {
        status,
        error: Some(detail),
    } = &error
    else {
        panic!("expected Unauthorized, got {error:?}");
    };
    assert_eq!(status.as_u16(), 401);
    assert_eq!(detail.code.as_deref(), Some("invalid_api_key"));
    assert_eq!(error.status_hint().as_u16(), 502);
    let rendered = format!("{error} {error:?}");
    assert!(!rendered.contains(API_KEY), "{rendered}");
}

#[tokio::test]
async fn forbidden_is_unauthorized_too() {
    let error = mint_error(ResponseTemplate::new(403).set_body_string("forbidden")).await;

    assert!(
        matches!(error, Error::Unauthorized { status, error: None } if status.as_u16() == 403),
        "{error:?}"
    );
}

#[tokio::test]
async fn rate_limit_keeps_retry_after() {
    let answer = ResponseTemplate::new(429)
        .insert_header("retry-after", "12")
        .set_body_json(openai_error(
            "Rate limit reached",
            "requests",
            None,
            Some("rate_limit_exceeded"),
        ));

    let error = mint_error(answer).await;

    assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
    assert_eq!(error.retry_after(), Some(Duration::from_secs(12)));
    assert_eq!(error.status_hint().as_u16(), 429);
    assert!(error.is_transient());
}

#[tokio::test]
async fn rate_limit_without_retry_after_has_none() {
    let error = mint_error(ResponseTemplate::new(429)).await;

    assert!(
        matches!(
            error,
            Error::RateLimited {
                retry_after: None,
                error: None
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn exhausted_quota_is_not_a_rate_limit() {
    let answer = ResponseTemplate::new(429).set_body_json(openai_error(
        "You exceeded your current quota.",
        "insufficient_quota",
        None,
        Some("insufficient_quota"),
    ));

    let error = mint_error(answer).await;

    assert!(matches!(error, Error::QuotaExceeded { .. }), "{error:?}");
    assert_eq!(error.status_hint().as_u16(), 503);
    assert!(!error.is_transient());
}

#[tokio::test]
async fn bad_request_keeps_openai_message_param_and_code() {
    let answer = ResponseTemplate::new(400).set_body_json(openai_error(
        "Unknown parameter: 'model'.",
        "invalid_request_error",
        Some("model"),
        Some("unknown_parameter"),
    ));

    let error = mint_error(answer).await;

    let Error::InvalidRequest {
        status,
        error: detail,
    } = &error
    else {
        panic!("expected InvalidRequest, got {error:?}");
    };
    assert_eq!(status.as_u16(), 400);
    assert_eq!(detail.message, "Unknown parameter: 'model'.");
    assert_eq!(detail.kind.as_deref(), Some("invalid_request_error"));
    assert_eq!(detail.param.as_deref(), Some("model"));
    assert_eq!(detail.code.as_deref(), Some("unknown_parameter"));
    assert_eq!(error.status_hint().as_u16(), 502);
    assert_eq!(
        error.to_string(),
        "openai rejected the request (400 Bad Request): Unknown parameter: 'model'. \
         (param `model`, code `unknown_parameter`)"
    );
}

#[tokio::test]
async fn unprocessable_entity_is_an_invalid_request() {
    let answer = ResponseTemplate::new(422).set_body_json(openai_error(
        "Invalid value: 'robot'.",
        "invalid_request_error",
        Some("session.audio.output.voice"),
        Some("invalid_value"),
    ));

    let error = mint_error(answer).await;

    assert!(
        matches!(&error, Error::InvalidRequest { status, error } if status.as_u16() == 422
            && error.param.as_deref() == Some("session.audio.output.voice")),
        "{error:?}"
    );
}

#[tokio::test]
async fn upstream_failure_keeps_status_and_plain_text_body() {
    let answer = ResponseTemplate::new(502).set_body_string("upstream connect error");

    let error = mint_error(answer).await;

    assert!(
        matches!(&error, Error::Unavailable { status, body } if status.as_u16() == 502
            && body == "upstream connect error"),
        "{error:?}"
    );
    assert_eq!(error.status_hint().as_u16(), 503);
}

#[tokio::test]
async fn a_huge_error_body_is_truncated() {
    let answer = ResponseTemplate::new(500).set_body_string("x".repeat(100_000));

    let error = mint_error(answer).await;

    let Error::Unavailable { body, .. } = error else {
        panic!("expected Unavailable");
    };
    assert!(body.len() < 2_000, "kept {} bytes", body.len());
}

#[tokio::test]
async fn a_slow_openai_is_a_timeout() {
    // Arrange
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(minted().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let minter = minter_for(&server).with_http_client(client);

    // Act
    let error = minter.mint(&SessionConfig::new()).await.unwrap_err();

    // Assert
    assert!(matches!(error, Error::Timeout(_)), "{error:?}");
    assert_eq!(error.status_hint().as_u16(), 503);
}

#[tokio::test]
async fn an_unreachable_openai_is_a_transport_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let minter = ClientSecretMinter::new(OpenAiApiKey::new(API_KEY))
        .with_base_url(format!("http://127.0.0.1:{port}/v1").parse().unwrap());

    let error = minter.mint(&SessionConfig::new()).await.unwrap_err();

    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert_eq!(error.status_hint().as_u16(), 503);
    assert!(!format!("{error:?}").contains(API_KEY));
}

#[tokio::test]
async fn a_success_without_a_value_is_an_invalid_response() {
    let answer = ResponseTemplate::new(200).set_body_json(json!({"expires_at": 1}));

    let error = mint_error(answer).await;

    assert!(
        matches!(&error, Error::InvalidResponse { status, body, source: Some(_) }
            if status.as_u16() == 200 && body.is_empty()),
        "{error:?}"
    );
    assert_eq!(error.status_hint().as_u16(), 502);
}

#[tokio::test]
async fn a_success_that_is_not_json_is_an_invalid_response() {
    let error = mint_error(ResponseTemplate::new(200).set_body_string("<html>")).await;

    assert!(matches!(error, Error::InvalidResponse { .. }), "{error:?}");
}

#[tokio::test]
async fn debug_output_never_shows_the_key_or_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(ENDPOINT))
        .respond_with(minted())
        .mount(&server)
        .await;
    let minter = minter_for(&server);

    let secret = minter.mint(&SessionConfig::new()).await.unwrap();

    let rendered = format!("{minter:?} {secret:?} {minter:#?} {secret:#?}");
    assert!(!rendered.contains(API_KEY), "{rendered}");
    assert!(!rendered.contains("ek_68af"), "{rendered}");
    assert!(rendered.contains("[REDACTED]"));
}
