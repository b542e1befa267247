//! `hostinger`: an API token, verified against a fake of Hostinger's API answering in
//! its formats (`{error, correlation_id}`, 401, 429).

use std::time::Duration;

use connectors_core::{default_http_client, ConnectorAuthService, ConnectorStatus, Error};
use secrecy::ExposeSecret;
use serde_json::json;
use url::Url;
use uuid::Uuid;
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, refused_fields, status, stored};

const TOKEN: &str = "hst_0123456789abcdefghijklmnopqrstuv";
const SUBSCRIPTIONS: &str = "/api/billing/v1/subscriptions";

fn service_on(server: &MockServer) -> ConnectorAuthService {
    support::service().with_api_url("hostinger", Url::parse(&server.uri()).unwrap())
}

fn hostinger_error(status: u16, error: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(
        json!({"error": error, "correlation_id": "c0ffee00-0000-4000-8000-000000000000"}),
    )
}

#[tokio::test]
async fn hostinger_saves_a_token_hostinger_accepts_as_a_secret() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SUBSCRIPTIONS))
        .and(bearer_token(TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "id": "Azz0gNsFGkF5l1KGb", "name": "Premium Web Hosting", "status": "active",
            "billing_period": 12, "billing_period_unit": "month", "currency_code": "USD",
            "total_price": 3588, "renewal_price": 4788, "auto_renew": true,
            "created_at": "2025-01-01T00:00:00Z", "expires_at": "2027-01-01T00:00:00Z"
        }])))
        .expect(1)
        .mount(&server)
        .await;
    let service = service_on(&server);
    let user = Uuid::new_v4();

    service
        .save_config(user, "hostinger", &json!({"api_token": TOKEN}), true)
        .await
        .unwrap();

    let credentials = stored(&service, user, "hostinger").await.unwrap();
    assert!(credentials.public.is_empty());
    assert_eq!(credentials.secrets["api_token"].expose_secret(), TOKEN);
    let view = service.connector_view(user, "hostinger").await.unwrap();
    assert_eq!(view.status, ConnectorStatus::Active);
    assert_eq!(view.secret_fields, ["api_token"]);
}

#[tokio::test]
async fn hostinger_names_each_bad_field() {
    let service = support::service();
    let cases = [
        (json!({}), "api_token"),
        (json!({"api_token": null}), "api_token"),
        (json!({"api_token": ""}), "api_token"),
        (json!({"api_token": ["a"]}), "api_token"),
        (json!({"api_token": "two words"}), "api_token"),
        (json!({"api_token": TOKEN, "team": "x"}), "team"),
    ];
    for (fields, field) in cases {
        let error = service
            .save_config(Uuid::new_v4(), "hostinger", &fields, false)
            .await
            .unwrap_err();
        assert_eq!(refused_fields(&error), [field], "{fields}");
    }
}

#[tokio::test]
async fn hostinger_rejects_a_token_it_refuses_with_its_reason() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(SUBSCRIPTIONS))
        .respond_with(hostinger_error(401, "Unauthenticated."))
        .expect(1)
        .mount(&server)
        .await;
    let service = service_on(&server);
    let user = Uuid::new_v4();

    let error = service
        .save_config(user, "hostinger", &json!({"api_token": TOKEN}), true)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("Unauthenticated.")),
        "{error:?}"
    );
    assert!(stored(&service, user, "hostinger").await.is_none());
}

#[tokio::test]
async fn hostinger_rate_limits_outages_and_timeouts_are_not_rejections() {
    let server = MockServer::start().await;
    let service =
        service_on(&server).with_http_client(default_http_client(Duration::from_millis(500)));
    let fields = json!({"api_token": TOKEN});
    let answers = [
        hostinger_error(429, "Too Many Attempts.").insert_header("retry-after", "60"),
        hostinger_error(500, "Server Error"),
        ResponseTemplate::new(200)
            .set_body_json(json!([]))
            .set_delay(Duration::from_secs(2)),
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
                .save_config(Uuid::new_v4(), "hostinger", &fields, true)
                .await
                .unwrap_err(),
        );
    }

    assert!(
        matches!(outcomes[0], Error::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(60)),
        "{:?}",
        outcomes[0]
    );
    assert!(
        matches!(outcomes[1], Error::Provider { status: 500, .. }),
        "{:?}",
        outcomes[1]
    );
    assert!(matches!(outcomes[2], Error::Timeout), "{:?}", outcomes[2]);
}

#[tokio::test]
async fn hostinger_revoke_forgets_the_token() {
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "hostinger", &json!({"api_token": TOKEN}), false)
        .await
        .unwrap();

    service.revoke(user, "hostinger").await.unwrap();

    assert!(stored(&service, user, "hostinger").await.is_none());
    assert_eq!(
        status(&service, user, "hostinger").await,
        ConnectorStatus::Inactive
    );
}
