//! The actions on connected accounts (SPEC §7, issue 20) against faithful fakes of the
//! providers' Web APIs: Slack (`conversations.list`, `conversations.history`,
//! `users.info`, `chat.postMessage`, with HTTP 200 `ok:false` errors and `ratelimited`
//! 429s) and Gmail (`users.messages.list` + `get` with `format=metadata`), each read by
//! REST and by voice, the write only after approval.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::grant_fake::{Dialect, GrantFake};
use crate::helpers::{bearer, outcome, spawn_app_with, Backend, ConsentScreen, TestApp};

const SLACK_CLIENT_ID: &str = "1234567890.0987654321";
const SLACK_CLIENT_SECRET: &str = "slack-test-client-secret";

/// Rate limits to come: (method, how many answers, `Retry-After`).
type RateLimits = Arc<Mutex<Vec<(String, u32, &'static str)>>>;

/// Slack's Web API over the grant fake's tokens: `token_expired` (HTTP 200) for a token
/// the fake no longer takes, then the method's answer; `rate_limits` first answers of a
/// method are `ratelimited` 429s with `Retry-After`.
#[derive(Clone)]
struct SlackApi {
    grants: GrantFake,
    calls: Arc<Mutex<Vec<(String, Value)>>>,
    rate_limits: RateLimits,
}

impl SlackApi {
    async fn mount(server: &MockServer, grants: GrantFake) -> Self {
        let api = Self {
            grants,
            calls: Arc::default(),
            rate_limits: Arc::default(),
        };
        Mock::given(wiremock::matchers::path_regex("^/api/[a-zA-Z.]+$"))
            .respond_with(api.clone())
            .mount(server)
            .await;
        api
    }

    /// The next `count` calls of `method` are answered 429 with `Retry-After: seconds`.
    fn rate_limit(&self, method: &str, count: u32, seconds: &'static str) {
        self.rate_limits
            .lock()
            .unwrap()
            .push((method.to_owned(), count, seconds));
    }

    /// The calls that reached a method with a live token: (method, arguments).
    fn calls(&self, method: &str) -> Vec<Value> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| name == method)
            .map(|(_, arguments)| arguments.clone())
            .collect()
    }
}

impl Respond for SlackApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let method = request.url.path().trim_start_matches("/api/").to_owned();
        if let Some(limit) = self
            .rate_limits
            .lock()
            .unwrap()
            .iter_mut()
            .find(|(name, count, _)| *name == method && *count > 0)
        {
            limit.1 -= 1;
            return ResponseTemplate::new(429)
                .insert_header("retry-after", limit.2)
                .set_body_json(json!({"ok": false, "error": "ratelimited"}));
        }
        let token = bearer(request);
        if !self.grants.accepts(token) {
            return ok_false("token_expired");
        }
        let arguments: Value = if request.method.as_str() == "POST" {
            serde_json::from_slice(&request.body).unwrap_or(Value::Null)
        } else {
            Value::Object(
                request
                    .url
                    .query_pairs()
                    .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
                    .collect(),
            )
        };
        self.calls
            .lock()
            .unwrap()
            .push((method.clone(), arguments.clone()));
        match method.as_str() {
            "conversations.list" => ResponseTemplate::new(200).set_body_json(json!({
                "ok": true,
                "channels": [
                    {"id": "C01GENERAL", "name": "general", "is_channel": true, "is_archived": false,
                     "is_private": false, "num_members": 12, "created": 1_700_000_000,
                     "topic": {"value": "Company-wide news", "creator": "U1", "last_set": 0},
                     "purpose": {"value": "", "creator": "", "last_set": 0}},
                    {"id": "C02RANDOM", "name": "random", "is_channel": true, "is_archived": false,
                     "is_private": false, "num_members": 9, "created": 1_700_000_000,
                     "topic": {"value": "", "creator": "", "last_set": 0},
                     "purpose": {"value": "", "creator": "", "last_set": 0}}
                ],
                "response_metadata": {"next_cursor": ""}
            })),
            "conversations.history" if arguments["channel"] == "C01GENERAL" => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "ok": true,
                    "messages": [
                        {"type": "message", "user": "U2MARIE", "text": "Launch moved to Thursday", "ts": "1764590400.000200"},
                        {"type": "message", "subtype": "bot_message", "username": "Deploy bot", "bot_id": "B1", "text": "Build 42 is green", "ts": "1764586800.000100"},
                        {"type": "message", "user": "U2MARIE", "text": "Morning all", "ts": "1764583200.000300"}
                    ],
                    "has_more": false,
                    "pin_count": 0,
                    "response_metadata": {"next_cursor": ""}
                }))
            }
            "conversations.history" => ok_false("channel_not_found"),
            "users.info" if arguments["user"] == "U2MARIE" => ResponseTemplate::new(200).set_body_json(json!({
                "ok": true,
                "user": {"id": "U2MARIE", "name": "marie", "real_name": "Marie Curie",
                         "profile": {"display_name": "Marie", "real_name": "Marie Curie"}}
            })),
            "users.info" => ok_false("user_not_found"),
            "chat.postMessage" if arguments["channel"] == "C01GENERAL" => {
                ResponseTemplate::new(200).set_body_json(json!({
                    "ok": true, "channel": "C01GENERAL", "ts": "1764594000.000400",
                    "message": {"type": "message", "user": "U1234", "text": arguments["text"], "ts": "1764594000.000400"}
                }))
            }
            "chat.postMessage" => ok_false("not_in_channel"),
            _ => ok_false("unknown_method"),
        }
    }
}

/// Slack's error shape: HTTP 200.
fn ok_false(error: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": false, "error": error}))
}

async fn app_with_slack() -> (TestApp, GrantFake, SlackApi, MockServer) {
    let slack = MockServer::start().await;
    let grants =
        GrantFake::mount(&slack, Dialect::Slack, SLACK_CLIENT_ID, SLACK_CLIENT_SECRET).await;
    let api = SlackApi::mount(&slack, grants.clone()).await;
    let at = |path: &str| format!("{}{path}", slack.uri());
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("SLACK_CLIENT_ID", SLACK_CLIENT_ID),
            ("SLACK_CLIENT_SECRET", SLACK_CLIENT_SECRET),
            ("SLACK_AUTH_URL", &at("/authorize")),
            ("SLACK_TOKEN_URL", &at("/token")),
            ("SLACK_REVOKE_URL", &at("/revoke")),
            ("SLACK_API_URL", &at("/api")),
        ],
    )
    .await;
    app.sign_up("ada@example.com").await;
    app.connect_oauth("slack").await;
    (app, grants, api, slack)
}

async fn tool_call(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/realtime/tool-calls", &body).await
}

#[tokio::test]
async fn slack_channels_and_a_channels_messages_are_read_trimmed_with_authors_named() {
    let (app, _grants, api, _slack) = app_with_slack().await;

    let channels = app.get("/connectors/slack/channels?limit=5").await;
    let messages = app
        .get("/connectors/slack/channels/C01GENERAL/messages?limit=3")
        .await;

    assert_eq!(channels.status(), 200);
    assert_eq!(
        channels.json::<Value>().await.unwrap(),
        json!([
            {"id": "C01GENERAL", "name": "general", "topic": "Company-wide news", "members": 12},
            {"id": "C02RANDOM", "name": "random", "topic": null, "members": 9}
        ])
    );
    assert_eq!(
        api.calls("conversations.list"),
        [json!({"types": "public_channel", "exclude_archived": "true", "limit": "5"})]
    );
    assert_eq!(messages.status(), 200);
    assert_eq!(
        messages.json::<Value>().await.unwrap(),
        json!([
            {"author": "Marie", "text": "Launch moved to Thursday", "at": "2025-12-01T12:00:00Z", "ts": "1764590400.000200"},
            {"author": "Deploy bot", "text": "Build 42 is green", "at": "2025-12-01T11:00:00Z", "ts": "1764586800.000100"},
            {"author": "Marie", "text": "Morning all", "at": "2025-12-01T10:00:00Z", "ts": "1764583200.000300"}
        ])
    );
    assert_eq!(
        api.calls("users.info").len(),
        1,
        "each author is named once"
    );
}

#[tokio::test]
async fn an_expired_slack_token_is_refreshed_once_and_the_call_retried() {
    let (app, grants, api, _slack) = app_with_slack().await;
    grants.expire_access_tokens();

    let channels = app.get("/connectors/slack/channels").await;

    assert_eq!(channels.status(), 200);
    assert_eq!(
        channels
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(grants.refresh_calls(), 1);
    assert_eq!(
        api.calls("conversations.list").len(),
        1,
        "only the retry carried a live token"
    );
    assert_eq!(app.connector("slack").await["status"], "active");
}

#[tokio::test]
async fn a_slack_rate_limit_is_waited_out_when_short_and_passed_on_when_long() {
    let (app, _grants, api, _slack) = app_with_slack().await;

    api.rate_limit("conversations.list", 1, "1");
    let waited = app.get("/connectors/slack/channels").await;
    api.rate_limit("conversations.list", 1, "120");
    let passed_on = app.get("/connectors/slack/channels").await;

    assert_eq!(
        waited.status(),
        200,
        "one 429 with Retry-After: 1, then the answer"
    );
    assert_eq!(api.calls("conversations.list").len(), 1);
    assert_eq!(passed_on.status(), 429);
    assert_eq!(passed_on.headers()["retry-after"], "120");
    let body: Value = passed_on.json().await.unwrap();
    assert_eq!(body["error"]["code"], "provider_rate_limited");
    assert_eq!(
        api.calls("conversations.list").len(),
        1,
        "a long wait is not waited"
    );
}

#[tokio::test]
async fn slack_refusals_and_bad_input_are_clear_errors_that_reach_nothing() {
    let (app, _grants, api, _slack) = app_with_slack().await;

    let unknown = app
        .get("/connectors/slack/channels/C09NOWHERE/messages")
        .await;
    let not_member = app
        .post_json(
            "/connectors/slack/messages",
            &json!({"channel": "C02RANDOM", "text": "hi"}),
        )
        .await;
    let bad = [
        (
            app.get("/connectors/slack/channels/%23general/messages")
                .await,
            "channel",
        ),
        (app.get("/connectors/slack/channels?limit=0").await, "limit"),
        (
            app.get("/connectors/slack/channels/C01GENERAL/messages?limit=51")
                .await,
            "limit",
        ),
        (
            app.post_json(
                "/connectors/slack/messages",
                &json!({"channel": "C01GENERAL", "text": ""}),
            )
            .await,
            "text",
        ),
        (
            app.post_json(
                "/connectors/slack/messages",
                &json!({"channel": "general", "text": "hi"}),
            )
            .await,
            "channel",
        ),
    ];

    assert_eq!(unknown.status(), 422);
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(unknown["error"]["code"], "provider_refused");
    assert_eq!(
        unknown["error"]["message"],
        "the provider refused the request: no such channel, or the user cannot see it"
    );
    assert_eq!(not_member.status(), 422);
    let not_member: Value = not_member.json().await.unwrap();
    assert!(not_member["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a member"));
    for (response, field) in bad {
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["field"], field, "{body}");
    }
    assert_eq!(
        api.calls("chat.postMessage").len(),
        1,
        "only the well-formed post was sent"
    );
    assert_eq!(api.calls("conversations.history").len(), 1);
}

#[tokio::test]
async fn donna_posts_in_slack_only_after_the_user_confirms_and_the_call_is_recorded() {
    let (app, _grants, api, _slack) = app_with_slack().await;
    let call = |approved: bool| {
        json!({
            "call_id": "call_post_1",
            "name": "post_slack_message",
            "arguments": "{\"channel\":\"C01GENERAL\",\"text\":\"Launch is on Thursday\"}",
            "approved": approved
        })
    };

    let unapproved = tool_call(&app, call(false)).await;
    let nothing_sent = api.calls("chat.postMessage").len();
    let approved = tool_call(&app, call(true)).await;

    assert_eq!(unapproved.status(), 409);
    let refusal: Value = unapproved.json().await.unwrap();
    assert_eq!(refusal["error"]["code"], "approval_required");
    assert_eq!(
        refusal["error"]["summary"],
        "Post in Slack (C01GENERAL): “Launch is on Thursday”"
    );
    assert_eq!(nothing_sent, 0);
    assert_eq!(approved.status(), 200);
    let answer: Value = approved.json().await.unwrap();
    assert_eq!(
        answer["output"],
        json!({"channel": "C01GENERAL", "ts": "1764594000.000400"})
    );
    assert_eq!(
        api.calls("chat.postMessage"),
        [json!({"channel": "C01GENERAL", "text": "Launch is on Thursday"})]
    );
    let events: Vec<Value> = app
        .get("/events?connector=slack")
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
async fn donna_reads_slack_channels_through_the_relay() {
    let (app, _grants, _api, _slack) = app_with_slack().await;

    let answer = tool_call(
        &app,
        json!({"call_id": "call_list_1", "name": "list_slack_channels", "arguments": "{\"limit\":1}"}),
    )
    .await;

    assert_eq!(answer.status(), 200);
    let answer: Value = answer.json().await.unwrap();
    assert_eq!(answer["output"][0]["name"], "general");
    assert_eq!(
        answer["output"].as_array().unwrap().len(),
        1,
        "the limit holds even if Slack sends more"
    );
}

/// Gmail: the list of ids, then each message's metadata, as Gmail's API answers them;
/// a 401 for a token it no longer takes; `rate_limits` first answers a 429.
#[derive(Clone)]
struct GmailApi {
    grants: GrantFake,
    seen: Arc<Mutex<Vec<String>>>,
    rate_limits: Arc<Mutex<u32>>,
}

impl Respond for GmailApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        {
            let mut limits = self.rate_limits.lock().unwrap();
            if *limits > 0 {
                *limits -= 1;
                return ResponseTemplate::new(429).insert_header("retry-after", "1").set_body_json(json!({
                    "error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                              "status": "RESOURCE_EXHAUSTED"}
                }));
            }
        }
        let token = bearer(request);
        if !self.grants.accepts(token) {
            return ResponseTemplate::new(401).set_body_json(json!({
                "error": {"code": 401, "message": "Request had invalid authentication credentials.",
                          "status": "UNAUTHENTICATED"}
            }));
        }
        self.seen.lock().unwrap().push(request.url.to_string());
        let path = request.url.path();
        if path == "/gmail/v1/users/me/profile" {
            return ResponseTemplate::new(200).set_body_json(json!({
                "emailAddress": "ada@example.com", "messagesTotal": 2, "threadsTotal": 2, "historyId": "1"
            }));
        }
        if path == "/gmail/v1/users/me/messages" {
            return ResponseTemplate::new(200).set_body_json(json!({
                "messages": [{"id": "18c1a2b3c4d5e6f7", "threadId": "18c1a2b3c4d5e6f7"},
                             {"id": "18c0ffee00000001", "threadId": "18c0ffee00000001"}],
                "resultSizeEstimate": 2
            }));
        }
        let id = path.trim_start_matches("/gmail/v1/users/me/messages/");
        let (from, subject, snippet, millis, labels) = match id {
            "18c1a2b3c4d5e6f7" => (
                "Marie Curie <marie@example.com>",
                "Lunch on Thursday?",
                "Shall we meet at noon? I&#39;ll book",
                "1764590400000",
                json!(["UNREAD", "INBOX"]),
            ),
            _ => (
                "Billing <billing@example.com>",
                "Your invoice",
                "Invoice &amp; receipt attached",
                "1764504000000",
                json!(["INBOX"]),
            ),
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "id": id, "threadId": id, "labelIds": labels, "snippet": snippet,
            "sizeEstimate": 2048, "historyId": "12", "internalDate": millis,
            "payload": {"mimeType": "multipart/alternative", "headers": [
                {"name": "From", "value": from},
                {"name": "Subject", "value": subject},
                {"name": "Date", "value": "Mon, 1 Dec 2025 12:00:00 +0000"}
            ]}
        }))
    }
}

async fn app_with_gmail() -> (TestApp, GrantFake, GmailApi, MockServer) {
    let google = MockServer::start().await;
    let grants = GrantFake::mount(&google, Dialect::Google, "google-id", "google-secret").await;
    let api = GmailApi {
        grants: grants.clone(),
        seen: Arc::default(),
        rate_limits: Arc::default(),
    };
    Mock::given(method("GET"))
        .and(path("/o/oauth2/v2/auth"))
        .respond_with(ConsentScreen::approving("4/0AX4XfWh-code"))
        .mount(&google)
        .await;
    Mock::given(wiremock::matchers::path_regex("^/gmail/v1/"))
        .respond_with(api.clone())
        .mount(&google)
        .await;
    let at = |path: &str| format!("{}{path}", google.uri());
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("GOOGLE_CLIENT_ID", "google-id"),
            ("GOOGLE_CLIENT_SECRET", "google-secret"),
            ("GOOGLE_AUTH_URL", &at("/o/oauth2/v2/auth")),
            ("GOOGLE_TOKEN_URL", &at("/token")),
            ("GOOGLE_REVOKE_URL", &at("/revoke")),
            ("GOOGLE_API_URL", &google.uri()),
        ],
    )
    .await;
    app.sign_up("ada@example.com").await;
    let authorization = {
        let response = app.get("/connectors/gmail/redirect").await;
        assert_eq!(response.status(), 302);
        Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
    };
    let callback = app.consent(&authorization).await;
    let landed = app.follow_callback(&callback).await;
    assert_eq!(outcome(&landed).0, "success", "{landed}");
    (app, grants, api, google)
}

#[tokio::test]
async fn gmail_lists_the_latest_messages_as_a_person_reads_them() {
    let (app, _grants, api, _google) = app_with_gmail().await;

    let messages = app
        .get("/connectors/gmail/messages?q=from%3Amarie%20is%3Aunread&limit=2")
        .await;

    assert_eq!(messages.status(), 200);
    assert_eq!(
        messages.json::<Value>().await.unwrap(),
        json!([
            {"id": "18c1a2b3c4d5e6f7", "from": "Marie Curie <marie@example.com>", "subject": "Lunch on Thursday?",
             "date": "2025-12-01T12:00:00Z", "snippet": "Shall we meet at noon? I'll book", "unread": true},
            {"id": "18c0ffee00000001", "from": "Billing <billing@example.com>", "subject": "Your invoice",
             "date": "2025-11-30T12:00:00Z", "snippet": "Invoice & receipt attached", "unread": false}
        ])
    );
    let seen = api.seen.lock().unwrap().clone();
    let list = seen
        .iter()
        .find(|url| url.contains("/users/me/messages?"))
        .unwrap();
    assert!(
        list.contains("maxResults=2") && list.contains("q=from%3Amarie+is%3Aunread"),
        "{list}"
    );
    let gets: Vec<&String> = seen
        .iter()
        .filter(|url| url.contains("/users/me/messages/"))
        .collect();
    assert_eq!(gets.len(), 2);
    assert!(gets
        .iter()
        .all(|url| url.contains("format=metadata") && url.contains("metadataHeaders=Subject")));
}

#[tokio::test]
async fn gmail_refreshes_on_401_and_waits_out_a_short_429() {
    let (app, grants, api, _google) = app_with_gmail().await;
    grants.expire_access_tokens();
    *api.rate_limits.lock().unwrap() = 1;

    let messages = app.get("/connectors/gmail/messages").await;

    assert_eq!(messages.status(), 200);
    assert_eq!(
        messages
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(grants.refresh_calls(), 1);
}

#[tokio::test]
async fn gmail_refuses_a_search_too_long_before_calling_google() {
    let (app, _grants, api, _google) = app_with_gmail().await;
    let before = api.seen.lock().unwrap().len();

    let response = app
        .get(&format!("/connectors/gmail/messages?q={}", "a".repeat(501)))
        .await;

    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["fields"][0]["field"], "q");
    assert_eq!(api.seen.lock().unwrap().len(), before);
}

/// The real SMTP server of the smtp connector's tests (aiosmtpd, AUTH on a plaintext
/// connection), keeping what it receives in `mailbox`.
struct SmtpPeer {
    child: std::process::Child,
    port: u16,
}

impl SmtpPeer {
    fn start(mailbox: &std::path::Path) -> Self {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../connectors-providers/tests/connectors/smtp_server.py"
            ))
            .args(["ada@example.com", "mail-password", "plain"])
            .env("SMTP_MAILBOX", mailbox)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup-test-deps.sh installs it)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .expect("the SMTP server announces its port");
        Self { child, port }
    }
}

impl Drop for SmtpPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn donna_sends_an_email_after_the_user_confirms_and_it_arrives() {
    let mailbox = tempfile::tempdir().unwrap();
    let smtp = SmtpPeer::start(mailbox.path());
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    app.sign_up("ada@example.com").await;
    let saved = app
        .post_json(
            "/connectors/smtp/config",
            &json!({"host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "ada@example.com",
                    "password": "mail-password", "from": "Ada <ada@example.com>"}),
        )
        .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let call = |approved: bool| {
        json!({
            "call_id": "call_mail_1", "name": "send_email", "approved": approved,
            "arguments": {"to": "marie@example.com", "subject": "Lunch on Thursday", "text": "Noon at the usual place?"}
        })
    };

    let unapproved = tool_call(&app, call(false)).await;
    let kept_before = std::fs::read_dir(mailbox.path()).unwrap().count();
    let approved = tool_call(&app, call(true)).await;
    let bad = app
        .post_json(
            "/connectors/smtp/messages",
            &json!({"to": "marie", "subject": "x", "text": "y"}),
        )
        .await;

    assert_eq!(unapproved.status(), 409);
    let refusal: Value = unapproved.json().await.unwrap();
    assert_eq!(
        refusal["error"]["summary"],
        "Send an email to marie@example.com: “Lunch on Thursday”"
    );
    assert_eq!(kept_before, 0, "nothing is sent before the user confirms");
    assert_eq!(approved.status(), 200);
    let answer: Value = approved.json().await.unwrap();
    assert_eq!(
        answer["output"],
        json!({"from": "Ada <ada@example.com>", "to": "marie@example.com", "subject": "Lunch on Thursday"})
    );
    let envelope: Value =
        serde_json::from_str(&std::fs::read_to_string(mailbox.path().join("1.json")).unwrap())
            .unwrap();
    assert_eq!(envelope["rcpt_tos"], json!(["marie@example.com"]));
    let message = std::fs::read_to_string(mailbox.path().join("1.eml")).unwrap();
    assert!(
        message.contains("Subject: Lunch on Thursday\r\n")
            && message.contains("Noon at the usual place?"),
        "{message}"
    );
    assert_eq!(bad.status(), 422);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["error"]["fields"][0]["field"], "to", "{bad}");
    assert_eq!(
        std::fs::read_dir(mailbox.path()).unwrap().count(),
        2,
        "one message (.eml and .json), not two"
    );
}

/// s3s-fs (the signature-checking S3 server of the minio tests) over a temporary
/// directory holding the bucket `donna-files`.
struct S3Peer {
    child: std::process::Child,
    port: u16,
    root: tempfile::TempDir,
}

impl S3Peer {
    async fn start() -> Self {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("donna-files")).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--access-key",
                "donna-access",
                "--secret-key",
                "donna-secret-key-0123456789",
            ])
            .arg(root.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("s3s-fs on PATH (scripts/setup-test-deps.sh builds it into .tools/bin)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "s3s-fs did not listen on {port}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        Self { child, port, root }
    }
}

impl Drop for S3Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn donna_copies_an_uploaded_file_into_minio_after_approval_and_lists_it() {
    let s3 = S3Peer::start().await;
    let app = spawn_app_with(Backend::Sqlite, &[]).await;
    app.sign_up("ada@example.com").await;
    let saved = app
        .post_json(
            "/connectors/minio/config",
            &json!({"endpoint": format!("http://127.0.0.1:{}", s3.port), "access_key": "donna-access",
                    "secret_key": "donna-secret-key-0123456789", "bucket": "donna-files"}),
        )
        .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"quarter one".to_vec())
            .file_name("summary.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let uploaded: Value = app
        .client
        .post(app.url("/files"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call = |approved: bool| {
        json!({"call_id": "call_put_1", "name": "put_file_in_minio", "approved": approved,
               "arguments": {"file_id": uploaded["id"], "key": "reports/summary.txt"}})
    };

    let unapproved = tool_call(&app, call(false)).await;
    let absent = !s3
        .root
        .path()
        .join("donna-files/reports/summary.txt")
        .exists();
    let approved = tool_call(&app, call(true)).await;
    let listed = app.get("/connectors/minio/objects?prefix=reports%2F").await;
    let someone_elses = app
        .post_json(
            "/connectors/minio/objects",
            &json!({"file_id": "00000000-0000-4000-8000-000000000000"}),
        )
        .await;

    assert_eq!(unapproved.status(), 409);
    assert!(absent, "nothing is written before the user confirms");
    assert_eq!(approved.status(), 200);
    let answer: Value = approved.json().await.unwrap();
    assert_eq!(answer["output"]["key"], "reports/summary.txt");
    assert_eq!(answer["output"]["size"], 11);
    assert_eq!(
        std::fs::read(s3.root.path().join("donna-files/reports/summary.txt")).unwrap(),
        b"quarter one"
    );
    assert_eq!(listed.status(), 200);
    let listed: Value = listed.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["key"], "reports/summary.txt");
    assert_eq!(someone_elses.status(), 404);
}

/// Notion's API over the grant fake's tokens: `Notion-Version` required, a 401 error
/// object for a token it no longer takes, `POST /v1/search` and `POST /v1/pages`.
#[derive(Clone)]
struct NotionApi {
    grants: GrantFake,
    bodies: Arc<Mutex<Vec<(String, Value)>>>,
}

impl Respond for NotionApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let error = |status: u16, code: &str, message: &str| {
            ResponseTemplate::new(status).set_body_json(
                json!({"object": "error", "status": status, "code": code, "message": message}),
            )
        };
        if request
            .headers
            .get("notion-version")
            .and_then(|v| v.to_str().ok())
            != Some("2026-03-11")
        {
            return error(
                400,
                "missing_version",
                "Notion-Version header failed validation",
            );
        }
        let token = bearer(request);
        if !self.grants.accepts(token) {
            return error(401, "unauthorized", "API token is invalid.");
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        self.bodies
            .lock()
            .unwrap()
            .push((request.url.path().to_owned(), body.clone()));
        let page = |id: &str, title: &str| {
            json!({"object": "page", "id": id, "url": format!("https://www.notion.so/{}", id.replace('-', "")),
                   "created_time": "2026-11-30T09:00:00.000Z", "last_edited_time": "2026-12-01T10:00:00.000Z",
                   "archived": false, "in_trash": false,
                   "parent": {"type": "workspace", "workspace": true},
                   "properties": {"title": {"id": "title", "type": "title", "title": [
                       {"type": "text", "text": {"content": title, "link": null}, "plain_text": title,
                        "annotations": {"bold": false}, "href": null}]}}})
        };
        match request.url.path() {
            "/v1/search" => ResponseTemplate::new(200).set_body_json(json!({
                "object": "list", "type": "page_or_database", "has_more": false, "next_cursor": null,
                "results": [page("59833787-2cf9-4fdf-8782-e53db20768a5", "Launch plan")]
            })),
            "/v1/pages" if body["parent"]["page_id"] == "59833787-2cf9-4fdf-8782-e53db20768a5" => {
                let title = body["properties"]["title"]["title"][0]["text"]["content"].as_str().unwrap_or_default();
                ResponseTemplate::new(200).set_body_json(page("0f3c2a1b-0000-4000-8000-00000000cafe", title))
            }
            "/v1/pages" => error(404, "object_not_found", "Could not find page with ID: 1234. Make sure the relevant pages and databases are shared with your integration."),
            _ => error(400, "invalid_request_url", "Invalid request URL."),
        }
    }
}

#[tokio::test]
async fn notion_pages_are_searched_and_a_page_created_under_one_after_approval() {
    let notion = MockServer::start().await;
    let grants = GrantFake::mount(&notion, Dialect::Notion, "notion-id", "notion-secret").await;
    let api = NotionApi {
        grants: grants.clone(),
        bodies: Arc::default(),
    };
    Mock::given(wiremock::matchers::path_regex("^/v1/"))
        .respond_with(api.clone())
        .mount(&notion)
        .await;
    let at = |path: &str| format!("{}{path}", notion.uri());
    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            ("NOTION_CLIENT_ID", "notion-id"),
            ("NOTION_CLIENT_SECRET", "notion-secret"),
            ("NOTION_AUTH_URL", &at("/authorize")),
            ("NOTION_TOKEN_URL", &at("/token")),
            ("NOTION_REVOKE_URL", &at("/revoke")),
            ("NOTION_API_URL", &notion.uri()),
        ],
    )
    .await;
    app.sign_up("ada@example.com").await;
    app.connect_oauth("notion").await;
    grants.expire_access_tokens();
    let create = |approved: bool, parent: &str| {
        json!({"call_id": "call_page_1", "name": "create_notion_page", "approved": approved,
               "arguments": {"parent_id": parent, "title": "Thursday notes", "text": "Agenda\n\nLaunch review"}})
    };

    let found = app.get("/connectors/notion/pages?q=launch&limit=5").await;
    let unapproved = tool_call(&app, create(false, "59833787-2cf9-4fdf-8782-e53db20768a5")).await;
    let created = tool_call(&app, create(true, "59833787-2cf9-4fdf-8782-e53db20768a5")).await;
    let unshared = tool_call(&app, create(true, "12345678-1234-4234-8234-123456789abc")).await;

    assert_eq!(found.status(), 200);
    assert_eq!(
        found.json::<Value>().await.unwrap(),
        json!([{"id": "59833787-2cf9-4fdf-8782-e53db20768a5", "title": "Launch plan",
                "url": "https://www.notion.so/598337872cf94fdf8782e53db20768a5",
                "last_edited": "2026-12-01T10:00:00.000Z"}])
    );
    assert_eq!(
        grants.refresh_calls(),
        1,
        "Notion's 401 was the signal to refresh"
    );
    assert_eq!(
        unapproved.status(),
        409,
        "{}",
        unapproved.text().await.unwrap()
    );
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["output"]["title"], "Thursday notes");
    let bodies = api.bodies.lock().unwrap().clone();
    assert_eq!(bodies[0].1["query"], "launch");
    assert_eq!(bodies[0].1["page_size"], 5);
    assert_eq!(
        bodies[0].1["filter"],
        json!({"property": "object", "value": "page"})
    );
    let page_bodies: Vec<&Value> = bodies
        .iter()
        .filter(|(path, _)| path == "/v1/pages")
        .map(|(_, body)| body)
        .collect();
    assert_eq!(page_bodies.len(), 2, "the unapproved call reached nothing");
    assert_eq!(
        page_bodies[0]["children"].as_array().unwrap().len(),
        2,
        "one paragraph per non-empty line"
    );
    assert_eq!(
        page_bodies[0]["children"][1]["paragraph"]["rich_text"][0]["text"]["content"],
        "Launch review"
    );
    let unshared: Value = unshared.json().await.unwrap();
    assert_eq!(unshared["output"]["error"]["code"], "provider_refused");
    assert!(unshared["output"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not shared"));
}
