//! `twilio`: auth token or API key, verified against a fake of Twilio's REST API that
//! answers in Twilio's formats (Account resource, error bodies with `code`).

use std::time::Duration;

use connectors_core::{default_http_client, ConnectorAuthService, ConnectorStatus, Error};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use url::Url;
use uuid::Uuid;
use wiremock::matchers::{basic_auth, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, refused_fields, status, stored};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
const KEY_SECRET: &str = "key-secret-from-the-console";

fn service_on(server: &MockServer) -> ConnectorAuthService {
    support::service().with_api_url("twilio", Url::parse(&server.uri()).unwrap())
}

fn account_path() -> String {
    format!("/2010-04-01/Accounts/{SID}.json")
}

fn account(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "sid": SID, "friendly_name": "Acme", "status": status, "type": "Full",
        "owner_account_sid": SID, "date_created": "Tue, 01 Dec 2026 10:00:00 +0000",
        "uri": format!("/2010-04-01/Accounts/{SID}.json")
    }))
}

fn twilio_error(status: u16, code: u64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

fn with_token() -> Value {
    json!({"account_sid": SID, "auth_token": TOKEN})
}

#[tokio::test]
async fn twilio_saves_an_active_account_with_its_auth_token_secret() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(account_path()))
        .and(basic_auth(SID, TOKEN))
        .respond_with(account("active"))
        .expect(1)
        .mount(&server)
        .await;
    let service = service_on(&server);
    let user = Uuid::new_v4();

    service
        .save_config(user, "twilio", &with_token(), true)
        .await
        .unwrap();

    let credentials = stored(&service, user, "twilio").await.unwrap();
    assert_eq!(credentials.public["account_sid"], SID);
    assert!(!credentials.public.contains_key("auth_token"));
    assert_eq!(credentials.secrets["auth_token"].expose_secret(), TOKEN);
    let view = service.connector_view(user, "twilio").await.unwrap();
    assert_eq!(view.status, ConnectorStatus::Active);
    assert_eq!(
        view.config.unwrap(),
        *json!({"account_sid": SID}).as_object().unwrap()
    );
    assert_eq!(view.secret_fields, ["api_key_secret", "auth_token"]);
}

#[tokio::test]
async fn twilio_verifies_an_api_key_by_listing_one_phone_number() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers.json"
        )))
        .and(query_param("PageSize", "1"))
        .and(basic_auth(KEY_SID, KEY_SECRET))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "incoming_phone_numbers": [], "page": 0, "page_size": 1, "start": 0, "end": 0,
            "first_page_uri": "", "next_page_uri": null, "previous_page_uri": null, "uri": ""
        })))
        .expect(1)
        .mount(&server)
        .await;
    let service = service_on(&server);
    let user = Uuid::new_v4();
    let fields = json!({"account_sid": SID, "api_key_sid": KEY_SID, "api_key_secret": KEY_SECRET});

    service
        .save_config(user, "twilio", &fields, true)
        .await
        .unwrap();

    let credentials = stored(&service, user, "twilio").await.unwrap();
    assert_eq!(credentials.public["api_key_sid"], KEY_SID);
    assert_eq!(
        credentials.secrets["api_key_secret"].expose_secret(),
        KEY_SECRET
    );
    assert!(!credentials.secrets.contains_key("auth_token"));
}

#[tokio::test]
async fn twilio_names_each_bad_field() {
    let service = support::service();
    let cases = [
        (
            json!({"account_sid": "AC123", "auth_token": TOKEN}),
            "account_sid",
        ),
        (
            json!({"account_sid": KEY_SID, "auth_token": TOKEN}),
            "account_sid",
        ),
        (json!({"auth_token": TOKEN}), "account_sid"),
        (json!({"account_sid": SID}), "auth_token"),
        (json!({"account_sid": SID, "auth_token": 42}), "auth_token"),
        (json!({"account_sid": SID, "auth_token": ""}), "auth_token"),
        (
            json!({"account_sid": SID, "api_key_sid": "SK-nope", "api_key_secret": KEY_SECRET}),
            "api_key_sid",
        ),
        (
            json!({"account_sid": SID, "api_key_sid": KEY_SID}),
            "api_key_secret",
        ),
        (
            json!({"account_sid": SID, "api_key_secret": KEY_SECRET}),
            "api_key_sid",
        ),
        (
            json!({"account_sid": SID, "auth_token": TOKEN, "api_key_sid": KEY_SID, "api_key_secret": KEY_SECRET}),
            "auth_token",
        ),
        (
            json!({"account_sid": SID, "auth_token": TOKEN, "region": "ie1"}),
            "region",
        ),
    ];
    for (fields, field) in cases {
        let error = service
            .save_config(Uuid::new_v4(), "twilio", &fields, false)
            .await
            .unwrap_err();
        assert_eq!(refused_fields(&error), [field], "{fields}");
    }
}

#[tokio::test]
async fn twilio_names_every_bad_field_at_once() {
    let service = support::service();
    let fields = json!({"account_sid": 7, "api_key_sid": "nope", "colour": "blue"});

    let error = service
        .save_config(Uuid::new_v4(), "twilio", &fields, false)
        .await
        .unwrap_err();

    let mut refused = refused_fields(&error);
    refused.sort();
    assert_eq!(
        refused,
        ["account_sid", "api_key_secret", "api_key_sid", "colour"]
    );
}

#[tokio::test]
async fn twilio_rejects_credentials_twilio_refuses_with_its_reason() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(account_path()))
        .respond_with(twilio_error(401, 20003, "Authenticate"))
        .expect(1)
        .mount(&server)
        .await;
    let service = service_on(&server);
    let user = Uuid::new_v4();

    let error = service
        .save_config(user, "twilio", &with_token(), true)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("20003")),
        "{error:?}"
    );
    assert!(stored(&service, user, "twilio").await.is_none());
}

#[tokio::test]
async fn twilio_rejects_a_suspended_account() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(account_path()))
        .respond_with(account("suspended"))
        .mount(&server)
        .await;
    let service = service_on(&server);

    let error = service
        .save_config(Uuid::new_v4(), "twilio", &with_token(), true)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("suspended")),
        "{error:?}"
    );
}

#[tokio::test]
async fn twilio_down_timing_out_or_limiting_is_not_a_rejection() {
    let server = MockServer::start().await;
    let service =
        service_on(&server).with_http_client(default_http_client(Duration::from_millis(500)));
    let user = Uuid::new_v4();

    let answers = [
        ResponseTemplate::new(503).set_body_string("upstream unavailable"),
        ResponseTemplate::new(429)
            .insert_header("retry-after", "7")
            .set_body_json(json!({"code": 20429, "message": "Too Many Requests", "status": 429})),
        account("active").set_delay(Duration::from_secs(2)),
    ];
    let mut outcomes = Vec::new();
    for answer in answers {
        server.reset().await;
        Mock::given(method("GET"))
            .respond_with(answer)
            .mount(&server)
            .await;
        outcomes.push(
            service
                .save_config(user, "twilio", &with_token(), true)
                .await
                .unwrap_err(),
        );
    }

    assert!(
        matches!(outcomes[0], Error::Provider { status: 503, .. }),
        "{:?}",
        outcomes[0]
    );
    assert!(
        matches!(outcomes[1], Error::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(7)),
        "{:?}",
        outcomes[1]
    );
    assert!(matches!(outcomes[2], Error::Timeout), "{:?}", outcomes[2]);
    let unreachable = support::service()
        .with_api_url(
            "twilio",
            Url::parse(&format!("http://127.0.0.1:{}", support::closed_port())).unwrap(),
        )
        .save_config(user, "twilio", &with_token(), true)
        .await
        .unwrap_err();
    assert!(matches!(unreachable, Error::Http(_)), "{unreachable:?}");
    assert!(stored(&service, user, "twilio").await.is_none());
}

#[tokio::test]
async fn twilio_saves_without_a_call_when_verification_is_skipped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(account("active"))
        .expect(0)
        .mount(&server)
        .await;
    let service = service_on(&server);
    let user = Uuid::new_v4();

    service
        .save_config(user, "twilio", &with_token(), false)
        .await
        .unwrap();

    assert!(stored(&service, user, "twilio").await.is_some());
}

#[tokio::test]
async fn twilio_revoke_forgets_the_credentials() {
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "twilio", &with_token(), false)
        .await
        .unwrap();

    service.revoke(user, "twilio").await.unwrap();

    assert!(stored(&service, user, "twilio").await.is_none());
    assert_eq!(
        status(&service, user, "twilio").await,
        ConnectorStatus::Inactive
    );
}
