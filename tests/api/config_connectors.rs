//! Config connectors through the HTTP API: validation naming every bad field, provider
//! verification (wiremock plays Hostinger and Twilio), write-only secrets, revoke.

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;

const HOSTINGER_TOKEN: &str = "hst_SECRET-API-TOKEN-0123456789abcdef";

async fn app_with_hostinger() -> (TestApp, MockServer) {
    let hostinger = MockServer::start().await;
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("HOSTINGER_API_URL", hostinger.uri().as_str())],
    )
    .await;
    app.sign_up("ada@example.com").await;
    (app, hostinger)
}

#[tokio::test]
async fn hostinger_is_verified_saved_encrypted_and_never_returned() {
    let (app, hostinger) = app_with_hostinger().await;
    Mock::given(method("GET"))
        .and(path("/api/billing/v1/subscriptions"))
        .and(header(
            "authorization",
            format!("Bearer {HOSTINGER_TOKEN}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&hostinger)
        .await;

    let response = app
        .post_json(
            "/connectors/hostinger/config",
            &json!({"api_token": HOSTINGER_TOKEN}),
        )
        .await;

    assert_eq!(response.status(), 200);
    let card: Value = response.json().await.unwrap();
    assert_eq!(card["connected"], true);
    assert_eq!(card["status"], "active");
    assert_eq!(card["kind"], "config");
    assert_eq!(card["secret_fields"], json!(["api_token"]));
    let listing = app.get("/connectors").await.text().await.unwrap();
    assert!(!listing.contains(HOSTINGER_TOKEN));
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(app.data_dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("connectors.db")
        {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    assert!(!bytes
        .windows(HOSTINGER_TOKEN.len())
        .any(|window| window == HOSTINGER_TOKEN.as_bytes()));
}

#[tokio::test]
async fn credentials_hostinger_rejects_are_a_422_and_store_nothing() {
    let (app, hostinger) = app_with_hostinger().await;
    Mock::given(method("GET"))
        .and(path("/api/billing/v1/subscriptions"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"error": "Unauthenticated", "correlation_id": "c0ffee"})),
        )
        .mount(&hostinger)
        .await;
    let response = app
        .post_json(
            "/connectors/hostinger/config",
            &json!({"api_token": "wrong"}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "provider_rejected");
    // The provider's own words, apart, so a page can quote them after its own sentence.
    let detail = body["error"]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Hostinger refused the API token"),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains(detail));
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
    assert_eq!(app.connector("hostinger").await["connected"], false);
}

#[tokio::test]
async fn a_provider_that_is_down_is_a_502_and_stores_nothing() {
    let (app, hostinger) = app_with_hostinger().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&hostinger)
        .await;
    let response = app
        .post_json(
            "/connectors/hostinger/config",
            &json!({"api_token": HOSTINGER_TOKEN}),
        )
        .await;
    assert_eq!(response.status(), 502);
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
}

#[tokio::test]
async fn verification_can_be_skipped_and_revoke_purges() {
    let (app, hostinger) = app_with_hostinger().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&hostinger)
        .await;
    let response = app
        .post_json(
            "/connectors/hostinger/config?verify=false",
            &json!({"api_token": HOSTINGER_TOKEN}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.count_rows("user_connector_credentials").await, 1);

    let revoked: Value = app
        .client
        .post(app.url("/connectors/hostinger/revoke"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["status"], "inactive");
    assert_eq!(revoked["connected"], false);
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
}

#[tokio::test]
async fn every_bad_smtp_field_is_named_at_once_and_nothing_is_stored() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let response = app
        .post_json(
            "/connectors/smtp/config?verify=false",
            &json!({"host": "", "port": 70000, "security": "ssl", "username": "donna", "password": "pw", "from": "not an address"}),
        )
        .await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "validation_failed");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in ["host", "port", "security", "from"] {
        assert!(fields.contains(&field), "{field} named in {fields:?}");
    }
    assert!(!fields.contains(&"username"));
    // Each with a stable code and what its sentence needs, beside the English words.
    let problem = |name: &str| {
        body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|problem| problem["field"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(problem("host")["code"], "empty");
    assert_eq!(problem("port")["code"], "out_of_range");
    assert_eq!(problem("port")["params"], json!({"min": 1, "max": 65535}));
    assert_eq!(problem("security")["code"], "not_one_of");
    assert_eq!(
        problem("security")["params"]["allowed"],
        json!(["tls", "starttls", "none"])
    );
    assert_eq!(problem("from")["code"], "invalid_format");
    assert_eq!(problem("from")["params"]["format"], "mailbox");
    assert!(problem("from")["message"].is_string());
    assert!(
        !body.to_string().contains("\"pw\""),
        "the password is never echoed"
    );
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
}

#[tokio::test]
async fn saved_smtp_settings_show_their_public_fields_only() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let response = app
        .post_json(
            "/connectors/smtp/config?verify=false",
            &json!({"host": "smtp.example.com", "port": 587, "security": "starttls", "username": "donna", "password": "SMTP-PASSWORD-MARKER", "from": "Donna <donna@example.com>"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let card: Value = response.json().await.unwrap();
    assert_eq!(card["config"]["host"], "smtp.example.com");
    assert_eq!(card["config"]["username"], "donna");
    assert!(card["config"].get("password").is_none());
    assert_eq!(card["secret_fields"], json!(["password"]));
    assert!(!app
        .get("/connectors")
        .await
        .text()
        .await
        .unwrap()
        .contains("SMTP-PASSWORD-MARKER"));
}

#[tokio::test]
async fn private_smtp_hosts_are_refused_when_the_deployment_forbids_them() {
    let app = spawn_app_with(Backend::Sqlite, &[("BLOCK_PRIVATE_TARGETS", "true")]).await;
    app.sign_up("ada@example.com").await;
    for host in ["127.0.0.1", "localhost", "169.254.169.254", "10.0.0.8"] {
        let response = app
            .post_json(
                "/connectors/smtp/config?verify=false",
                &json!({"host": host, "port": 587, "security": "starttls", "username": "u", "password": "p", "from": "a@example.com"}),
            )
            .await;
        assert_eq!(response.status(), 422, "{host}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], "host", "{host}");
        assert_eq!(
            body["error"]["fields"][0]["code"], "private_address",
            "{host}"
        );
        assert!(
            body["error"]["fields"][0]["params"]["address"].is_string(),
            "{body}"
        );
    }
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);
}

#[tokio::test]
async fn twilio_is_verified_against_the_account_resource() {
    let twilio = MockServer::start().await;
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("TWILIO_API_URL", twilio.uri().as_str())],
    )
    .await;
    app.sign_up("ada@example.com").await;
    let sid = "AC0123456789abcdef0123456789abcdef";
    Mock::given(method("GET"))
        .and(path(format!("/2010-04-01/Accounts/{sid}.json")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"sid": sid, "friendly_name": "Donna", "status": "active"})),
        )
        .expect(1)
        .mount(&twilio)
        .await;
    let response = app
        .post_json(
            "/connectors/twilio/config",
            &json!({"account_sid": sid, "auth_token": "TWILIO-AUTH-TOKEN-MARKER"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let card: Value = response.json().await.unwrap();
    assert_eq!(card["config"]["account_sid"], sid);
    assert!(!card.to_string().contains("TWILIO-AUTH-TOKEN-MARKER"));
}

#[tokio::test]
async fn every_connector_is_listed_with_its_kind_and_configuration_state() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let cards = app.connectors().await;
    let keys: Vec<&str> = cards
        .iter()
        .map(|card| card["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "google_calendar",
            "gmail",
            "slack",
            "notion",
            "calendly",
            "smtp",
            "twilio",
            "minio",
            "hostinger"
        ]
    );
    for card in &cards {
        let oauth = card["kind"] == "oauth";
        assert_eq!(card["schema"].is_object(), !oauth, "{}", card["key"]);
    }
    let slack = cards.iter().find(|card| card["key"] == "slack").unwrap();
    assert_eq!(slack["configured"], false);
    let redirect = app.get("/connectors/slack/redirect").await;
    assert_eq!(redirect.status(), 503);
    let smtp = app.get("/connectors/smtp/redirect").await;
    assert_eq!(smtp.status(), 400);
}

#[tokio::test]
async fn activating_a_config_connector_lists_the_fields_to_ask_for() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let twilio: Value = app
        .client
        .post(app.url("/connectors/twilio/activate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(twilio["kind"], "config");
    let fields: Vec<&str> = twilio["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for field in ["account_sid", "auth_token", "api_key_sid", "api_key_secret"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let smtp: Value = app
        .client
        .post(app.url("/connectors/smtp/activate"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(smtp["secret_fields"], json!(["password"]));
    assert_eq!(smtp["fields"].as_array().unwrap().len(), 6);
}
