//! The actions of connectors configured with credentials (SPEC §7, issue 20) against
//! faithful fakes of their providers' APIs: Twilio's Messages resource
//! (`/2010-04-01/Accounts/{sid}/Messages.json`, HTTP Basic auth, form-encoded writes,
//! `{code, message, more_info, status}` errors, 429 with `Retry-After`).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{json, Value};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{spawn_app_with, Backend, TestApp};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const AUTH_TOKEN: &str = "twilio-auth-token-0123456789abcdef";

/// Twilio's REST API for one account: Basic auth with the account SID and auth token
/// (what it takes can change), the Account resource, and its Messages list and create;
/// the next `rate_limits` answers are 429 with `Retry-After`.
#[derive(Clone, Default)]
struct TwilioApi {
    token: Arc<Mutex<String>>,
    rate_limits: Arc<Mutex<Vec<&'static str>>>,
    /// (method, query or form fields) of the calls that passed authentication.
    calls: Arc<Mutex<Vec<(String, Value)>>>,
}

impl TwilioApi {
    async fn mount(server: &MockServer) -> Self {
        let api = Self::default();
        *api.token.lock().unwrap() = AUTH_TOKEN.to_owned();
        Mock::given(path_regex("^/2010-04-01/Accounts/"))
            .respond_with(api.clone())
            .mount(server)
            .await;
        api
    }

    fn calls(&self, method: &str) -> Vec<Value> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name == method)
            .map(|(_, fields)| fields.clone())
            .collect()
    }
}

/// Twilio's error body.
fn twilio_error(status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

/// A Message resource as Twilio answers it (every field, most of them unused).
fn message(
    sid: &str,
    from: &str,
    to: &str,
    body: &str,
    direction: &str,
    status: &str,
    date_sent: Value,
) -> Value {
    json!({
        "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": body,
        "date_created": "Mon, 01 Dec 2025 11:59:58 +0000", "date_sent": date_sent,
        "date_updated": "Mon, 01 Dec 2025 12:00:01 +0000", "direction": direction,
        "error_code": null, "error_message": null, "from": from, "messaging_service_sid": null,
        "num_media": "0", "num_segments": "1", "price": "-0.00790", "price_unit": "USD",
        "sid": sid, "status": status, "to": to,
        "subresource_uris": {"media": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json")},
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json")
    })
}

impl Respond for TwilioApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(seconds) = self.rate_limits.lock().unwrap().pop() {
            return twilio_error(429, 20429, "Too Many Requests")
                .insert_header("retry-after", seconds);
        }
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{ACCOUNT_SID}:{}", self.token.lock().unwrap()))
        );
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|value| value.to_str().ok());
        if authorization != Some(expected.as_str()) {
            return twilio_error(401, 20003, "Authenticate");
        }
        let account = format!("/2010-04-01/Accounts/{ACCOUNT_SID}");
        let path = request.url.path();
        if path == format!("{account}.json") {
            return ResponseTemplate::new(200).set_body_json(
                json!({"sid": ACCOUNT_SID, "friendly_name": "Ada", "status": "active"}),
            );
        }
        if path != format!("{account}/Messages.json") {
            return twilio_error(404, 20404, "The requested resource was not found");
        }
        let fields: Vec<(String, String)> = if request.method.as_str() == "POST" {
            url::form_urlencoded::parse(&request.body)
                .into_owned()
                .collect()
        } else {
            request.url.query_pairs().into_owned().collect()
        };
        let fields = Value::Object(
            fields
                .into_iter()
                .map(|(name, value)| (name, Value::String(value)))
                .collect(),
        );
        self.calls
            .lock()
            .unwrap()
            .push((request.method.to_string(), fields.clone()));
        if request.method.as_str() == "POST" {
            if fields["To"] == "+15005550001" {
                return twilio_error(
                    400,
                    21211,
                    "The 'To' number +15005550001 is not a valid phone number.",
                );
            }
            return ResponseTemplate::new(201).set_body_json(message(
                "SM1f0e8ae6ade43cb3c0ce4525424e404f",
                fields["From"].as_str().unwrap_or_default(),
                fields["To"].as_str().unwrap_or_default(),
                fields["Body"].as_str().unwrap_or_default(),
                "outbound-api",
                "queued",
                Value::Null,
            ));
        }
        let size: usize = fields["PageSize"]
            .as_str()
            .and_then(|size| size.parse().ok())
            .unwrap_or(50);
        let messages: Vec<Value> = [
            message(
                "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "+33612345678",
                "+15005550006",
                "On my way",
                "inbound",
                "received",
                json!("Mon, 01 Dec 2025 12:00:00 +0000"),
            ),
            message(
                "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
                "+15005550006",
                "+33612345678",
                "See you at noon",
                "outbound-api",
                "delivered",
                json!("Mon, 01 Dec 2025 11:00:00 +0000"),
            ),
            message(
                "SMcccccccccccccccccccccccccccccccc",
                "+15005550006",
                "+33700000000",
                "Hello",
                "outbound-api",
                "failed",
                Value::Null,
            ),
        ]
        .into_iter()
        .take(size)
        .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "end": messages.len().saturating_sub(1), "first_page_uri": format!("{account}/Messages.json?PageSize={size}&Page=0"),
            "messages": messages, "next_page_uri": null, "page": 0, "page_size": size,
            "previous_page_uri": null, "start": 0, "uri": format!("{account}/Messages.json?PageSize={size}&Page=0")
        }))
    }
}

async fn app_with_twilio() -> (TestApp, TwilioApi, MockServer) {
    let twilio = MockServer::start().await;
    let api = TwilioApi::mount(&twilio).await;
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("TWILIO_API_URL", twilio.uri().as_str())],
    )
    .await;
    app.sign_up("ada@example.com").await;
    let saved = app
        .post_json(
            "/connectors/twilio/config",
            &json!({"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN}),
        )
        .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    (app, api, twilio)
}

async fn tool_call(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/realtime/tool-calls", &body).await
}

#[tokio::test]
async fn twilio_lists_the_latest_sms_as_a_person_reads_them() {
    let (app, api, _twilio) = app_with_twilio().await;

    let listed = app.get("/connectors/twilio/messages?limit=2").await;

    assert_eq!(listed.status(), 200);
    assert_eq!(
        listed.json::<Value>().await.unwrap(),
        json!([
            {"sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "from": "+33612345678", "to": "+15005550006",
             "body": "On my way", "direction": "received", "status": "received", "at": "2025-12-01T12:00:00Z"},
            {"sid": "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "from": "+15005550006", "to": "+33612345678",
             "body": "See you at noon", "direction": "sent", "status": "delivered", "at": "2025-12-01T11:00:00Z"}
        ])
    );
    assert_eq!(api.calls("GET"), [json!({"PageSize": "2"})]);
}

#[tokio::test]
async fn donna_sends_an_sms_only_after_the_user_confirms_and_the_call_is_recorded() {
    let (app, api, _twilio) = app_with_twilio().await;
    let call = |approved: bool| {
        json!({
            "call_id": "call_sms_1", "name": "send_sms", "approved": approved,
            "arguments": {"to": "+33612345678", "from": "+15005550006", "body": "Running 10 minutes late"}
        })
    };

    let unapproved = tool_call(&app, call(false)).await;
    let nothing_sent = api.calls("POST").len();
    let approved = tool_call(&app, call(true)).await;

    assert_eq!(unapproved.status(), 409);
    let refusal: Value = unapproved.json().await.unwrap();
    assert_eq!(refusal["error"]["code"], "approval_required");
    assert_eq!(
        refusal["error"]["summary"],
        "Text +33612345678: “Running 10 minutes late”"
    );
    assert_eq!(nothing_sent, 0);
    assert_eq!(approved.status(), 200);
    let answer: Value = approved.json().await.unwrap();
    assert_eq!(
        answer["output"],
        json!({"sid": "SM1f0e8ae6ade43cb3c0ce4525424e404f", "to": "+33612345678", "from": "+15005550006", "status": "queued"})
    );
    assert_eq!(
        api.calls("POST"),
        [json!({"To": "+33612345678", "From": "+15005550006", "Body": "Running 10 minutes late"})]
    );
    let events: Vec<Value> = app
        .get("/events?connector=twilio")
        .await
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&Value> = events
        .iter()
        .filter(|event| event["type"] == "tool.called")
        .map(|event| &event["data"]["outcome"])
        .collect();
    assert_eq!(
        outcomes,
        [&json!("ok"), &json!("approval_required")],
        "newest first"
    );
}

#[tokio::test]
async fn twilio_refusals_and_bad_input_are_clear_errors_that_reach_nothing() {
    let (app, api, _twilio) = app_with_twilio().await;
    let send = |to: &str, from: &str, body: &str| json!({"to": to, "from": from, "body": body});

    let invalid_to = app
        .post_json(
            "/connectors/twilio/messages",
            &send("+15005550001", "+15005550006", "hi"),
        )
        .await;
    let bad = [
        (
            app.post_json(
                "/connectors/twilio/messages",
                &send("0612345678", "+15005550006", "hi"),
            )
            .await,
            "to",
        ),
        (
            app.post_json(
                "/connectors/twilio/messages",
                &send("+33612345678", "Ada", "hi"),
            )
            .await,
            "from",
        ),
        (
            app.post_json(
                "/connectors/twilio/messages",
                &send("+33612345678", "+15005550006", ""),
            )
            .await,
            "body",
        ),
        (
            app.get("/connectors/twilio/messages?limit=0").await,
            "limit",
        ),
        (
            app.get("/connectors/twilio/messages?limit=51").await,
            "limit",
        ),
    ];
    let (stranger, token) = app.other_user("eve@example.com").await;
    let not_connected = stranger
        .get(app.url("/connectors/twilio/messages"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();

    assert_eq!(invalid_to.status(), 422);
    let invalid_to: Value = invalid_to.json().await.unwrap();
    assert_eq!(invalid_to["error"]["code"], "provider_refused");
    assert_eq!(
        invalid_to["error"]["message"],
        "the provider refused the request: the recipient's number is not a valid phone number"
    );
    for (response, field) in bad {
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], field, "{body}");
    }
    assert_eq!(not_connected.status(), 409);
    assert_eq!(
        not_connected.json::<Value>().await.unwrap()["error"]["code"],
        "not_connected"
    );
    assert_eq!(
        api.calls("POST").len(),
        1,
        "only the well-formed SMS reached Twilio"
    );
    assert!(api.calls("GET").is_empty());
}

#[tokio::test]
async fn twilio_rate_limits_are_waited_out_when_short_and_a_changed_token_is_a_rejection() {
    let (app, api, _twilio) = app_with_twilio().await;

    api.rate_limits.lock().unwrap().push("1");
    let waited = app.get("/connectors/twilio/messages").await;
    api.rate_limits.lock().unwrap().push("120");
    let passed_on = app.get("/connectors/twilio/messages").await;
    *api.token.lock().unwrap() = "a-rotated-auth-token".to_owned();
    let rejected = app.get("/connectors/twilio/messages").await;

    assert_eq!(
        waited.status(),
        200,
        "one 429 with Retry-After: 1, then the answer"
    );
    assert_eq!(passed_on.status(), 429);
    assert_eq!(passed_on.headers()["retry-after"], "120");
    assert_eq!(
        passed_on.json::<Value>().await.unwrap()["error"]["code"],
        "provider_rate_limited"
    );
    assert_eq!(api.calls("GET").len(), 1, "a long wait is not waited");
    assert_eq!(rejected.status(), 422);
    let rejected: Value = rejected.json().await.unwrap();
    assert_eq!(rejected["error"]["code"], "provider_rejected");
    assert!(!rejected.to_string().contains(AUTH_TOKEN));
}
