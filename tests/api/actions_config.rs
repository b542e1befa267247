//! The actions of connectors configured with credentials (SPEC §7, issue 20) against
//! faithful fakes of their providers' APIs: Twilio's Messages resource
//! (`/2010-04-01/Accounts/{sid}/Messages.json`, HTTP Basic auth, form-encoded writes,
//! `{code, message, more_info, status}` errors, 429 with `Retry-After`) and Calendly's
//! `scheduled_events` / `event_types` (OAuth, `{title, message, details}` errors), and
//! Hostinger's domain portfolio and subscriptions (Bearer, `{error, correlation_id}`).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{json, Value};
use wiremock::matchers::path_regex;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::grant_fake::{Dialect, GrantFake};
use crate::helpers::{bearer, spawn_app_with, Backend, TestApp};

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

/// Calendly's API over the grant fake's tokens: `users/me`, `scheduled_events` and
/// `event_types` for the owner the token answer names, a 401 `Unauthenticated` for a
/// token it no longer takes, 400 `Invalid Argument` for another user's URI.
#[derive(Clone)]
struct CalendlyApi {
    grants: GrantFake,
    seen: Arc<Mutex<Vec<Value>>>,
    /// `event_types` answers 403, as for a grant without the scope it needs.
    forbid_event_types: Arc<Mutex<bool>>,
}

const CALENDLY_OWNER: &str = "https://api.calendly.com/users/U1";

impl Respond for CalendlyApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = bearer(request);
        if !self.grants.accepts(token) {
            return ResponseTemplate::new(401).set_body_json(
                json!({"title": "Unauthenticated", "message": "The access token is expired"}),
            );
        }
        let query: serde_json::Map<String, Value> = request
            .url
            .query_pairs()
            .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
            .collect();
        let path = request.url.path().to_owned();
        self.seen
            .lock()
            .unwrap()
            .push(json!({"path": path, "query": query}));
        if path == "/users/me" {
            return ResponseTemplate::new(200).set_body_json(json!({"resource": {
                "uri": CALENDLY_OWNER, "name": "Ada Lovelace", "email": "ada@example.com",
                "slug": "ada", "timezone": "Europe/Paris",
                "current_organization": "https://api.calendly.com/organizations/O1"
            }}));
        }
        if path == "/event_types" && *self.forbid_event_types.lock().unwrap() {
            return ResponseTemplate::new(403).set_body_json(json!({
                "title": "Permission Denied",
                "message": "You do not have permission to access this resource."
            }));
        }
        if query.get("user").and_then(Value::as_str) != Some(CALENDLY_OWNER) {
            return ResponseTemplate::new(400).set_body_json(json!({
                "title": "Invalid Argument", "message": "The supplied parameters are invalid.",
                "details": [{"parameter": "user", "message": "must be a valid URI"}]
            }));
        }
        let pagination = json!({"count": 2, "next_page": null, "previous_page": null,
                                "next_page_token": null, "previous_page_token": null});
        match path.as_str() {
            "/scheduled_events" => ResponseTemplate::new(200).set_body_json(json!({
                "collection": [
                    {"uri": "https://api.calendly.com/scheduled_events/E1", "name": "30 Minute Meeting",
                     "status": "active", "start_time": "2030-12-02T09:00:00.000000Z", "end_time": "2030-12-02T09:30:00.000000Z",
                     "event_type": "https://api.calendly.com/event_types/T1",
                     "location": {"type": "physical", "location": "Paris office"},
                     "invitees_counter": {"total": 1, "active": 1, "limit": 1},
                     "created_at": "2030-11-20T10:00:00.000000Z", "updated_at": "2030-11-20T10:00:00.000000Z",
                     "event_memberships": [{"user": CALENDLY_OWNER, "user_email": "ada@example.com", "user_name": "Ada Lovelace"}],
                     "event_guests": []},
                    {"uri": "https://api.calendly.com/scheduled_events/E2", "name": "Intro call",
                     "status": "active", "start_time": "2030-12-03T14:00:00.000000Z", "end_time": "2030-12-03T14:15:00.000000Z",
                     "event_type": "https://api.calendly.com/event_types/T2",
                     "location": {"type": "google_conference", "status": "pushed", "join_url": "https://meet.google.com/abc-defg-hij"},
                     "invitees_counter": {"total": 2, "active": 1, "limit": 1},
                     "created_at": "2030-11-21T10:00:00.000000Z", "updated_at": "2030-11-21T10:00:00.000000Z",
                     "event_memberships": [], "event_guests": []}
                ],
                "pagination": pagination
            })),
            "/event_types" => ResponseTemplate::new(200).set_body_json(json!({
                "collection": [
                    {"uri": "https://api.calendly.com/event_types/T1", "name": "30 Minute Meeting", "active": true,
                     "slug": "30min", "scheduling_url": "https://calendly.com/ada/30min", "duration": 30,
                     "kind": "solo", "pooling_type": null, "type": "StandardEventType", "color": "#fff200",
                     "created_at": "2030-01-01T00:00:00.000000Z", "updated_at": "2030-01-01T00:00:00.000000Z",
                     "description_plain": "A chat", "profile": {"type": "User", "name": "Ada Lovelace", "owner": CALENDLY_OWNER}}
                ],
                "pagination": pagination
            })),
            _ => ResponseTemplate::new(404).set_body_json(
                json!({"title": "Resource Not Found", "message": "The server could not find the requested resource."}),
            ),
        }
    }
}

async fn app_with_calendly() -> (TestApp, GrantFake, CalendlyApi, MockServer) {
    let calendly = MockServer::start().await;
    let grants = GrantFake::mount(
        &calendly,
        Dialect::Calendly,
        "calendly-id",
        "calendly-secret",
    )
    .await;
    let api = CalendlyApi {
        grants: grants.clone(),
        seen: Arc::default(),
        forbid_event_types: Arc::default(),
    };
    Mock::given(path_regex("^/(users/me|scheduled_events|event_types)$"))
        .respond_with(api.clone())
        .mount(&calendly)
        .await;
    let at = |path: &str| format!("{}{path}", calendly.uri());
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("CALENDLY_CLIENT_ID", "calendly-id"),
            ("CALENDLY_CLIENT_SECRET", "calendly-secret"),
            ("CALENDLY_AUTH_URL", &at("/oauth/authorize")),
            ("CALENDLY_TOKEN_URL", &at("/token")),
            ("CALENDLY_REVOKE_URL", &at("/revoke")),
            ("CALENDLY_API_URL", &calendly.uri()),
        ],
    )
    .await;
    app.sign_up("ada@example.com").await;
    app.connect_oauth("calendly").await;
    api.seen.lock().unwrap().clear();
    (app, grants, api, calendly)
}

#[tokio::test]
async fn calendly_lists_upcoming_events_and_event_types_for_the_owner_kept_at_connection() {
    let (app, _grants, api, _calendly) = app_with_calendly().await;

    let events = app.get("/connectors/calendly/events?limit=5").await;
    let types = app.get("/connectors/calendly/event-types").await;

    assert_eq!(events.status(), 200);
    assert_eq!(
        events.json::<Value>().await.unwrap(),
        json!([
            {"name": "30 Minute Meeting", "start": "2030-12-02T09:00:00Z", "end": "2030-12-02T09:30:00Z",
             "location": "Paris office", "invitees": 1, "uri": "https://api.calendly.com/scheduled_events/E1"},
            {"name": "Intro call", "start": "2030-12-03T14:00:00Z", "end": "2030-12-03T14:15:00Z",
             "location": "https://meet.google.com/abc-defg-hij", "invitees": 1, "uri": "https://api.calendly.com/scheduled_events/E2"}
        ])
    );
    assert_eq!(types.status(), 200);
    assert_eq!(
        types.json::<Value>().await.unwrap(),
        json!([{"name": "30 Minute Meeting", "duration_minutes": 30,
                "scheduling_url": "https://calendly.com/ada/30min", "uri": "https://api.calendly.com/event_types/T1"}])
    );
    let seen = api.seen.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        2,
        "the owner's URI came from the connection, not users/me: {seen:?}"
    );
    let events_query = &seen[0]["query"];
    assert_eq!(seen[0]["path"], "/scheduled_events");
    assert_eq!(events_query["user"], CALENDLY_OWNER);
    assert_eq!(events_query["status"], "active");
    assert_eq!(events_query["count"], "5");
    assert_eq!(events_query["sort"], "start_time:asc");
    let since = time::OffsetDateTime::parse(
        events_query["min_start_time"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        (time::OffsetDateTime::now_utc() - since)
            .whole_minutes()
            .abs()
            < 5
    );
    assert_eq!(seen[1]["path"], "/event_types");
    assert_eq!(seen[1]["query"]["active"], "true");
}

#[tokio::test]
async fn calendly_refreshes_an_expired_token_once_and_refuses_bad_limits_before_calling() {
    let (app, grants, api, _calendly) = app_with_calendly().await;
    grants.expire_access_tokens();

    let events = app.get("/connectors/calendly/events").await;
    let before = api.seen.lock().unwrap().len();
    let bad = [
        (
            app.get("/connectors/calendly/events?limit=0").await,
            "limit",
        ),
        (
            app.get("/connectors/calendly/event-types?limit=51").await,
            "limit",
        ),
    ];

    assert_eq!(events.status(), 200);
    assert_eq!(
        events
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(grants.refresh_calls(), 1);
    assert_eq!(app.connector("calendly").await["status"], "active");
    for (response, field) in bad {
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], field, "{body}");
    }
    assert_eq!(api.seen.lock().unwrap().len(), before);
}

#[tokio::test]
async fn donna_reads_calendly_events_through_the_relay() {
    let (app, _grants, _api, _calendly) = app_with_calendly().await;

    let answer = tool_call(
        &app,
        json!({"call_id": "call_cal_1", "name": "list_calendly_events", "arguments": "{\"limit\":1}"}),
    )
    .await;

    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["output"][0]["name"], "30 Minute Meeting");
    assert_eq!(
        answer["output"].as_array().unwrap().len(),
        1,
        "the limit holds even if Calendly sends more"
    );
}

const HOSTINGER_TOKEN: &str = "hostinger-api-token-0123456789";

/// Hostinger's API for one token: the domain portfolio and the subscriptions as its
/// API answers them, `{error, correlation_id}` 401s for another token, 429 with
/// `Retry-After` for the next `rate_limits` calls.
#[derive(Clone, Default)]
struct HostingerApi {
    token: Arc<Mutex<String>>,
    rate_limits: Arc<Mutex<Vec<&'static str>>>,
    served: Arc<Mutex<Vec<String>>>,
}

impl Respond for HostingerApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if let Some(seconds) = self.rate_limits.lock().unwrap().pop() {
            return ResponseTemplate::new(429)
                .insert_header("retry-after", seconds)
                .set_body_json(
                    json!({"error": "Too Many Attempts.", "correlation_id": "c0ffee01"}),
                );
        }
        let expected = format!("Bearer {}", self.token.lock().unwrap());
        if request
            .headers
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            != Some(expected.as_str())
        {
            return ResponseTemplate::new(401)
                .set_body_json(json!({"error": "Unauthenticated", "correlation_id": "c0ffee02"}));
        }
        let path = request.url.path().to_owned();
        self.served.lock().unwrap().push(path.clone());
        match path.as_str() {
            "/api/domains/v1/portfolio" => ResponseTemplate::new(200).set_body_json(json!([
                {"id": 1001, "domain": "ada.dev", "type": "domain", "status": "active",
                 "created_at": "2024-02-27T11:54:22Z", "expires_at": "2026-02-27T11:54:22Z"},
                {"id": 1002, "domain": null, "type": "free_domain", "status": "pending_setup",
                 "created_at": "2025-11-01T08:00:00Z", "expires_at": null}
            ])),
            "/api/billing/v1/subscriptions" => ResponseTemplate::new(200).set_body_json(json!([
                {"id": "Azz353Uhl1xC54pR0", "name": "Premium Web Hosting", "status": "active",
                 "billing_period": 12, "billing_period_unit": "month", "currency_code": "USD",
                 "total_price": 3588, "renewal_price": 11988, "is_auto_renewed": true,
                 "created_at": "2025-01-01T00:00:00Z", "expires_at": "2026-01-01T00:00:00Z",
                 "next_billing_at": "2025-12-31T00:00:00Z"},
                {"id": "Bzz353Uhl1xC54pR1", "name": ".dev Domain", "status": "expired",
                 "billing_period": 1, "billing_period_unit": "year", "currency_code": "EUR",
                 "total_price": 1299, "renewal_price": 1499, "is_auto_renewed": false,
                 "created_at": "2023-01-01T00:00:00Z", "expires_at": "2024-01-01T00:00:00Z",
                 "next_billing_at": null}
            ])),
            _ => ResponseTemplate::new(404)
                .set_body_json(json!({"error": "Not found", "correlation_id": "c0ffee03"})),
        }
    }
}

async fn app_with_hostinger() -> (TestApp, HostingerApi, MockServer) {
    let hostinger = MockServer::start().await;
    let api = HostingerApi::default();
    *api.token.lock().unwrap() = HOSTINGER_TOKEN.to_owned();
    Mock::given(path_regex("^/api/"))
        .respond_with(api.clone())
        .mount(&hostinger)
        .await;
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("HOSTINGER_API_URL", hostinger.uri().as_str())],
    )
    .await;
    app.sign_up("ada@example.com").await;
    let saved = app
        .post_json(
            "/connectors/hostinger/config",
            &json!({"api_token": HOSTINGER_TOKEN}),
        )
        .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    api.served.lock().unwrap().clear();
    (app, api, hostinger)
}

#[tokio::test]
async fn hostinger_lists_domains_and_subscriptions_as_a_person_reads_them() {
    let (app, api, _hostinger) = app_with_hostinger().await;

    let domains = app.get("/connectors/hostinger/domains").await;
    let subscriptions = app.get("/connectors/hostinger/subscriptions?limit=2").await;
    let one = app.get("/connectors/hostinger/subscriptions?limit=1").await;

    assert_eq!(domains.status(), 200);
    assert_eq!(
        domains.json::<Value>().await.unwrap(),
        json!([
            {"domain": "ada.dev", "status": "active", "expires_at": "2026-02-27T11:54:22Z"},
            {"domain": null, "status": "pending_setup", "expires_at": null}
        ])
    );
    assert_eq!(subscriptions.status(), 200);
    assert_eq!(
        subscriptions.json::<Value>().await.unwrap(),
        json!([
            {"name": "Premium Web Hosting", "status": "active", "auto_renews": true, "renewal_price": "119.88 USD",
             "next_billing_at": "2025-12-31T00:00:00Z", "expires_at": "2026-01-01T00:00:00Z"},
            {"name": ".dev Domain", "status": "expired", "auto_renews": false, "renewal_price": "14.99 EUR",
             "next_billing_at": null, "expires_at": "2024-01-01T00:00:00Z"}
        ])
    );
    assert_eq!(
        one.json::<Value>().await.unwrap().as_array().unwrap().len(),
        1
    );
    assert_eq!(
        *api.served.lock().unwrap(),
        [
            "/api/domains/v1/portfolio",
            "/api/billing/v1/subscriptions",
            "/api/billing/v1/subscriptions"
        ]
    );
}

#[tokio::test]
async fn hostinger_rate_limits_are_waited_out_when_short_and_a_revoked_token_is_a_rejection() {
    let (app, api, _hostinger) = app_with_hostinger().await;

    api.rate_limits.lock().unwrap().push("1");
    let waited = app.get("/connectors/hostinger/domains").await;
    api.rate_limits.lock().unwrap().push("90");
    let passed_on = app.get("/connectors/hostinger/domains").await;
    *api.token.lock().unwrap() = "another-token".to_owned();
    let rejected = app.get("/connectors/hostinger/subscriptions").await;
    let bad = app.get("/connectors/hostinger/domains?limit=101").await;

    assert_eq!(waited.status(), 200);
    assert_eq!(passed_on.status(), 429);
    assert_eq!(passed_on.headers()["retry-after"], "90");
    assert_eq!(rejected.status(), 422);
    let rejected: Value = rejected.json().await.unwrap();
    assert_eq!(rejected["error"]["code"], "provider_rejected");
    assert!(
        rejected["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Hostinger refused the API token"),
        "{rejected}"
    );
    assert!(!rejected.to_string().contains(HOSTINGER_TOKEN));
    assert_eq!(bad.status(), 422);
    assert_eq!(
        bad.json::<Value>().await.unwrap()["error"]["fields"][0]["field"],
        "limit"
    );
    assert_eq!(
        api.served.lock().unwrap().len(),
        1,
        "only the waited call was served"
    );
}

#[tokio::test]
async fn donna_reads_hostinger_domains_through_the_relay() {
    let (app, _api, _hostinger) = app_with_hostinger().await;

    let answer = tool_call(
        &app,
        json!({"call_id": "call_host_1", "name": "list_hostinger_domains", "arguments": "{}"}),
    )
    .await;

    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["output"][0]["domain"], "ada.dev");
}

#[tokio::test]
async fn a_calendly_permission_the_grant_lacks_is_a_refusal_in_words() {
    let (app, _grants, api, _calendly) = app_with_calendly().await;
    *api.forbid_event_types.lock().unwrap() = true;

    let types = app.get("/connectors/calendly/event-types").await;

    assert_eq!(types.status(), 422);
    let body: Value = types.json().await.unwrap();
    assert_eq!(body["error"]["code"], "provider_refused");
    assert_eq!(
        body["error"]["message"],
        "the provider refused the request: the Calendly connection lacks the permission for this; connect Calendly again"
    );
    assert_eq!(
        app.connector("calendly").await["status"],
        "active",
        "a 403 is no dead grant"
    );
}
