//! The hardening pass (issue 10): bounded settings, one-transaction sign-up, and the
//! other defects found by attacking the server, each with the request that showed it.

use serde_json::{json, Value};

use crate::helpers::*;

async fn a_signup_whose_session_cannot_be_stored_leaves_no_user(backend: Backend) {
    // Arrange: the session insert fails after the user insert succeeded.
    let app = spawn_app_with(backend, &[]).await;
    app.execute("ALTER TABLE sessions RENAME TO sessions_away")
        .await;
    let credentials = json!({"email": "ada@example.com", "password": "correct horse battery"});

    // Act
    let failed = app.post_json("/auth/signup", &credentials).await;

    // Assert: nothing was kept, so the same sign-up succeeds once sessions work again.
    assert_eq!(failed.status(), 500);
    assert_eq!(app.count_rows("users").await, 0);
    app.execute("ALTER TABLE sessions_away RENAME TO sessions")
        .await;
    let retried = app.post_json("/auth/signup", &credentials).await;
    assert_eq!(retried.status(), 201);
}

#[tokio::test]
async fn a_signup_whose_session_cannot_be_stored_leaves_no_user_on_sqlite() {
    a_signup_whose_session_cannot_be_stored_leaves_no_user(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_signup_whose_session_cannot_be_stored_leaves_no_user_on_postgres() {
    a_signup_whose_session_cannot_be_stored_leaves_no_user(Backend::Postgres).await;
}

#[tokio::test]
async fn a_backend_url_with_a_path_keeps_it_in_the_redirect_uri() {
    for backend in [
        "http://proxy.example.com/app",
        "http://proxy.example.com/app/",
    ] {
        // Arrange: the API is published under /app behind a proxy.
        let app = spawn_app_with(Backend::Sqlite, &[("BACKEND_URL", backend)]).await;
        app.sign_up("ada@example.com").await;

        // Act
        let authorization = app.start_google_flow().await;

        // Assert
        let redirect_uri = authorization
            .query_pairs()
            .find(|(name, _)| name == "redirect_uri")
            .map(|(_, value)| value.into_owned());
        assert_eq!(
            redirect_uri.as_deref(),
            Some("http://proxy.example.com/app/api/v1/connectors/google_calendar/callback"),
            "BACKEND_URL={backend}"
        );
    }
}

#[tokio::test]
async fn over_https_a_plain_session_cookie_is_not_read() {
    // Arrange: a deployment over https, and a valid session token planted under the
    // cookie name a sibling subdomain can set.
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("BACKEND_URL", "https://app.example.com")],
    )
    .await;
    let token = app.sign_up("ada@example.com").await;

    // Act
    let planted = browser()
        .get(app.url("/auth/me"))
        .header("cookie", format!("session={token}"))
        .send()
        .await
        .unwrap();
    let host_cookie = browser()
        .get(app.url("/auth/me"))
        .header("cookie", format!("__Host-session={token}"))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(planted.status(), 401);
    assert_eq!(host_cookie.status(), 200);
}

async fn a_start_refused_for_a_missing_key_writes_no_key_file(backend: Backend) {
    // Arrange: a database created with an explicit key.
    let app = spawn_app_with(backend, &[]).await;
    let data = tempfile::tempdir().unwrap();
    let vars = [
        ("DATA_DIR", data.path().display().to_string()),
        ("DATABASE_URL", app.database_url.clone()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
    ];
    let settings = reference_server::Settings::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();

    // Act: start again without CONNECTORS_ENCRYPTION_KEY and without a key file.
    let error = reference_server::Application::build(settings)
        .await
        .unwrap_err()
        .to_string();

    // Assert
    assert!(error.starts_with("CONNECTORS_ENCRYPTION_KEY:"), "{error}");
    let left: Vec<_> = std::fs::read_dir(data.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_start_refused_for_a_missing_key_writes_no_key_file_on_sqlite() {
    a_start_refused_for_a_missing_key_writes_no_key_file(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_start_refused_for_a_missing_key_writes_no_key_file_on_postgres() {
    a_start_refused_for_a_missing_key_writes_no_key_file(Backend::Postgres).await;
}

#[tokio::test]
async fn a_client_id_without_its_secret_is_one_warning_at_start_up() {
    // Arrange
    let logs = capture_logs();

    // Act
    let _app = spawn_app_with(Backend::Sqlite, &[("SLACK_CLIENT_ID", "slack-id")]).await;

    // Assert
    let text = logs.text();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("SLACK_CLIENT_ID is set but SLACK_CLIENT_SECRET is not"))
        .collect();
    assert_eq!(warnings.len(), 1, "{text}");
    assert!(warnings[0].contains("WARN"));
}

#[tokio::test]
async fn user_files_are_served_sandboxed_as_attachments() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let page =
        reqwest::multipart::Part::bytes(b"<script>fetch('/api/v1/auth/me')</script>".to_vec())
            .file_name("page.html")
            .mime_str("text/html")
            .unwrap();
    let uploaded: Value = app
        .client
        .post(app.url("/files"))
        .multipart(reqwest::multipart::Form::new().part("file", page))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Act
    let download = app
        .get(&format!("/files/{}", uploaded["id"].as_str().unwrap()))
        .await;

    // Assert
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-security-policy"], "sandbox");
    assert!(download.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
}
