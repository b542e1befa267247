//! `POST /realtime/tool-calls` (SPEC §5, §7): every voice tool call checked against the
//! catalog and run by the server, in process, as the signed-in user; approval enforced
//! for the tools that need it; nothing secret in what the model reads; each call a
//! `tool.called` event (SPEC §11).

use serde_json::{json, Value};

use crate::helpers::*;

async fn tool_call(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/realtime/tool-calls", &body).await
}

async fn tool_events(app: &TestApp) -> Vec<Value> {
    let events: Vec<Value> = app.get("/events").await.json().await.unwrap();
    let mut calls: Vec<Value> = events
        .into_iter()
        .filter(|event| event["type"] == "tool.called")
        .collect();
    calls.reverse();
    calls
}

#[tokio::test]
async fn a_tool_call_runs_its_route_as_the_user_and_is_recorded() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    // Act: the arguments as the model sends them, JSON text.
    let response = tool_call(
        &app,
        json!({
            "call_id": "call_create_1",
            "name": "create_project",
            "arguments": "{\"name\":\"Launch\",\"description\":\"Spring launch\"}"
        }),
    )
    .await;

    // Assert
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["output"]["name"], "Launch");
    assert_eq!(answer["client"], json!({}));
    let projects: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["id"], answer["output"]["id"]);
    let calls = tool_events(&app).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0]["data"],
        json!({"tool": "create_project", "call_id": "call_create_1", "outcome": "ok"})
    );
    assert_eq!(calls[0]["connector"], Value::Null);
}

#[tokio::test]
async fn arguments_off_the_schema_are_a_422_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    // Each with a code for a page to say it in its own language (the words are the
    // model's).
    let cases = [
        (
            json!({"call_id": "c1", "name": "revoke_connector", "arguments": {"key": "nope"}, "approved": true}),
            "arguments.key",
            "not_one_of",
        ),
        (
            json!({"call_id": "c2", "name": "create_project", "arguments": {"name": 5}}),
            "arguments.name",
            "not_a_string",
        ),
        (
            json!({"call_id": "c3", "name": "create_project", "arguments": {"name": "x", "owner": "bob"}}),
            "arguments",
            "unknown_field",
        ),
        (
            json!({"call_id": "c4", "name": "drop_database", "arguments": {}}),
            "name",
            "not_one_of",
        ),
        (
            json!({"call_id": "c5", "name": "create_project", "arguments": "{not json"}),
            "arguments",
            "not_an_object",
        ),
        (
            json!({"call_id": "", "name": "list_projects", "arguments": {}}),
            "call_id",
            "empty",
        ),
        (
            json!({"call_id": "c".repeat(300), "name": "list_projects", "arguments": {}}),
            "call_id",
            "too_long",
        ),
    ];
    for (body, field, code) in cases {
        let response = tool_call(&app, body.clone()).await;
        assert_eq!(response.status(), 422, "{body}");
        let error: Value = response.json().await.unwrap();
        let problem = error["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|problem| problem["field"] == field)
            .unwrap_or_else(|| panic!("{body}: {error}"));
        assert_eq!(problem["code"], code, "{body}: {error}");
        if field == "name" {
            let allowed = problem["params"]["allowed"].as_array().unwrap();
            assert!(allowed.contains(&json!("list_projects")), "{error}");
        }
    }
    let projects: Vec<Value> = app.get("/projects").await.json().await.unwrap();
    assert!(projects.is_empty());
    let outcomes: Vec<Value> = tool_events(&app)
        .await
        .iter()
        .map(|event| event["data"]["outcome"].clone())
        .collect();
    assert_eq!(
        outcomes,
        vec![json!("invalid"); 5],
        "an empty call_id is refused before any record"
    );
}

async fn a_tool_needing_approval_is_refused_without_it_and_runs_with_it(backend: Backend) {
    // Arrange: Hostinger connected.
    let app = spawn_app_with(backend, &[]).await;
    app.sign_up("ada@example.com").await;
    let saved = app
        .post_json(
            "/connectors/hostinger/config?verify=false",
            &json!({"api_token": "hostinger-token-0123456789"}),
        )
        .await;
    assert_eq!(saved.status(), 200);
    let listing: Vec<Value> = app.get("/realtime/tools").await.json().await.unwrap();
    let revoke = listing
        .iter()
        .find(|tool| tool["name"] == "revoke_connector")
        .unwrap();
    assert_eq!(revoke["needs_approval"], true);
    let call = json!({"call_id": "call_revoke", "name": "revoke_connector", "arguments": {"key": "hostinger"}});

    // Act + Assert: without approval, refused in words, nothing revoked…
    let refused = tool_call(&app, call.clone()).await;
    assert_eq!(refused.status(), 409);
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "approval_required");
    assert_eq!(error["error"]["summary"], "Disconnect Hostinger");
    assert_eq!(app.connector("hostinger").await["status"], "active");
    // …a malformed approval fails closed…
    let mut malformed = call.clone();
    malformed["approved"] = json!("yes");
    assert_eq!(tool_call(&app, malformed).await.status(), 422);
    assert_eq!(app.connector("hostinger").await["status"], "active");

    // …and with the user's approval it runs.
    let mut approved = call.clone();
    approved["approved"] = json!(true);
    let done = tool_call(&app, approved).await;
    assert_eq!(done.status(), 200);
    assert_eq!(app.connector("hostinger").await["status"], "inactive");
    let calls = tool_events(&app).await;
    let outcomes: Vec<&str> = calls
        .iter()
        .map(|event| event["data"]["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["approval_required", "ok"]);
    assert!(calls.iter().all(|event| event["connector"] == "hostinger"));
}

#[tokio::test]
async fn the_model_never_reads_the_authorization_url_the_page_opens() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    let response = tool_call(
        &app,
        json!({"call_id": "call_activate", "name": "activate_connector", "arguments": {"key": "google_calendar"}}),
    )
    .await;

    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let output = answer["output"].to_string();
    for secret in ["state=", "code_challenge", "http"] {
        assert!(
            !output.contains(secret),
            "the model would read {secret}: {output}"
        );
    }
    assert_eq!(answer["output"]["kind"], "oauth");
    assert_eq!(answer["output"]["consent_page"], "opened");
    let url = answer["client"]["open_url"].as_str().unwrap();
    assert!(
        url.contains("state=") && url.contains("code_challenge"),
        "{url}"
    );
    assert!(url.starts_with(&format!("{}/o/oauth2/v2/auth", app.google.uri())));
}

#[tokio::test]
async fn a_tool_call_acts_on_the_callers_own_data_only() {
    // Arrange: Ada has Hostinger connected; Bob has nothing.
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    app.post_json(
        "/connectors/hostinger/config?verify=false",
        &json!({"api_token": "hostinger-token-0123456789"}),
    )
    .await;
    let (bob, _) = app.other_user("bob@example.com").await;

    // Act: Bob's approved revoke of "hostinger".
    let response = bob
        .post(app.url("/realtime/tool-calls"))
        .json(&json!({"call_id": "call_bob", "name": "revoke_connector", "arguments": {"key": "hostinger"}, "approved": true}))
        .send()
        .await
        .unwrap();

    // Assert: it ran for Bob; Ada's connection is untouched, and so are her events.
    assert_eq!(response.status(), 200);
    assert_eq!(app.connector("hostinger").await["status"], "active");
    assert!(tool_events(&app).await.is_empty());
    let anonymous = browser()
        .post(app.url("/realtime/tool-calls"))
        .json(&json!({"call_id": "c", "name": "list_projects", "arguments": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_tool_needing_approval_is_refused_without_it_and_runs_with_it_on_sqlite() {
    a_tool_needing_approval_is_refused_without_it_and_runs_with_it(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_tool_needing_approval_is_refused_without_it_and_runs_with_it_on_postgres() {
    a_tool_needing_approval_is_refused_without_it_and_runs_with_it(Backend::Postgres).await;
}
