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

/// The `{"error":{"code","message"}}` of an answer, checking it is JSON.
async fn envelope(response: reqwest::Response) -> Value {
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let body: Value = response.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    body
}

/// Asserts a 422 naming `field`.
async fn assert_refused_field(response: reqwest::Response, field: &str, what: &str) {
    assert_eq!(response.status(), 422, "{what}");
    let body = envelope(response).await;
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: {body}"))
        .iter()
        .filter_map(|field| field["field"].as_str())
        .collect();
    assert_eq!(fields, [field], "{what}: {body}");
}

async fn control_and_invisible_characters_are_refused_naming_the_field(backend: Backend) {
    let app = spawn_app_with(backend, &[]).await;
    let password = "correct horse battery";

    // Sign-up and login.
    for (email, field) in [
        ("nul\u{0}x@example.com", "email"),
        ("a@b@example.com", "email"),
        ("\u{200B}@example.com", "email"),
    ] {
        let body = json!({"email": email, "password": password});
        assert_refused_field(app.post_json("/auth/signup", &body).await, field, email).await;
        assert_refused_field(app.post_json("/auth/login", &body).await, field, email).await;
    }
    let body = json!({"email": "ada@example.com", "password": "correct\u{0}horse"});
    assert_refused_field(
        app.post_json("/auth/signup", &body).await,
        "password",
        "NUL password",
    )
    .await;
    assert_eq!(app.count_rows("users").await, 0);

    // Projects.
    app.sign_up("ada@example.com").await;
    for (body, field) in [
        (json!({"name": "nul\u{0}"}), "name"),
        (json!({"name": "\u{200B}\u{FEFF}"}), "name"),
        (
            json!({"name": "Apollo", "description": "moon\u{0}"}),
            "description",
        ),
        (
            json!({"name": "Apollo", "description": "bell\u{7}"}),
            "description",
        ),
    ] {
        assert_refused_field(
            app.post_json("/projects", &body).await,
            field,
            &body.to_string(),
        )
        .await;
    }
    assert_eq!(app.count_rows("projects").await, 0);

    // Config connector fields.
    let config = app
        .post_json(
            "/connectors/hostinger/config?verify=false",
            &json!({"api_token": "tok\u{0}en"}),
        )
        .await;
    assert_refused_field(config, "api_token", "hostinger api_token").await;
    assert_eq!(app.count_rows("user_connector_credentials").await, 0);

    // File names of uploads: a NUL does not even parse as a part header (400); other
    // control characters and invisible names are the field's fault (422).
    for (filename, status) in [("nul\u{0}.txt", 400), ("tab\t.txt", 422), ("\u{200B}", 422)] {
        let boundary = "XBOUNDARYX";
        let multipart = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\
             Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
        );
        let upload = app
            .client
            .post(app.url("/files"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart)
            .send()
            .await
            .unwrap();
        if status == 422 {
            assert_refused_field(upload, "filename", filename).await;
        } else {
            assert_eq!(upload.status(), status, "{filename:?}");
            envelope(upload).await;
        }
    }
    assert_eq!(app.count_rows("files").await, 0);
}

#[tokio::test]
async fn control_and_invisible_characters_are_refused_naming_the_field_on_sqlite() {
    control_and_invisible_characters_are_refused_naming_the_field(Backend::Sqlite).await;
}

#[tokio::test]
async fn control_and_invisible_characters_are_refused_naming_the_field_on_postgres() {
    control_and_invisible_characters_are_refused_naming_the_field(Backend::Postgres).await;
}

#[tokio::test]
async fn voice_tool_arguments_go_through_the_same_validation() {
    // Arrange
    let app = spawn_app().await;
    let token = app.sign_up("ada@example.com").await;
    let catalog = voice_tools::Catalog::new(["google_calendar"]);
    let executor = voice_tools::Executor::new(app.address.parse().unwrap());

    for name in ["nul\u{0}", "\u{200B}"] {
        // Act
        let error = executor
            .execute(&catalog, "create_project", &json!({"name": name}), &token)
            .await
            .unwrap_err();

        // Assert
        match error {
            voice_tools::Error::Api {
                status, message, ..
            } => {
                assert_eq!(status, 422, "{name:?}");
                assert!(message.contains("name"), "{message}");
            }
            other => panic!("{name:?}: {other:?}"),
        }
    }
    assert_eq!(app.count_rows("projects").await, 0);
}

#[tokio::test]
async fn every_error_the_framework_produces_is_the_json_envelope() {
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    // A path parameter that does not parse.
    let bad_id = app.get("/files/abc").await;
    assert_eq!(bad_id.status(), 400);
    envelope(bad_id).await;

    // Uploads without a multipart content type, or without its boundary.
    let no_type = app
        .client
        .post(app.url("/files"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert!(no_type.status().is_client_error());
    envelope(no_type).await;
    let no_boundary = app
        .client
        .post(app.url("/files"))
        .header("content-type", "multipart/form-data")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(no_boundary.status(), 400);
    envelope(no_boundary).await;

    // A wrong method keeps its Allow header.
    let wrong_method = app
        .client
        .delete(app.url("/projects"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert!(wrong_method.headers().contains_key("allow"));
    let body = envelope(wrong_method).await;
    assert_eq!(body["error"]["code"], "method_not_allowed");

    // An unknown route under the API (the dashboard keeps the other paths).
    let unknown = app.get("/no/such/route").await;
    assert_eq!(unknown.status(), 404);
    envelope(unknown).await;

    // A JSON body over the limit.
    let huge = json!({"name": "x", "description": "d".repeat(3 * 1024 * 1024)});
    let too_large = app.post_json("/projects", &huge).await;
    assert_eq!(too_large.status(), 413);
    envelope(too_large).await;
}

#[tokio::test]
async fn a_callback_with_state_given_twice_redirects_with_invalid_state() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;

    // Act
    let response = app
        .client
        .get(app.url("/connectors/google_calendar/callback?code=c&state=one&state=two"))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(response.status(), 302);
    let target = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(target.path(), "/connectors/callback/google_calendar");
    assert_eq!(
        outcome(&target),
        ("error".to_owned(), Some("invalid_state".to_owned()))
    );
}

#[tokio::test]
async fn signups_are_rate_limited_per_client_address_with_retry_after() {
    // Arrange
    let app = spawn_app_with(Backend::Sqlite, &[("SIGNUPS_PER_MINUTE", "3")]).await;
    for n in 0..3 {
        app.other_user(&format!("user{n}@example.com")).await;
    }

    // Act: a fourth signup from the same address, with a fresh email.
    let limited = browser()
        .post(app.url("/auth/signup"))
        .json(&json!({"email": "user4@example.com", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(envelope(limited).await["error"]["code"], "rate_limited");
    assert_eq!(app.count_rows("users").await, 3);
}

/// The names in the app's files directory.
fn stored_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir.path().join("files"))
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Polls until `done` holds, failing after a deadline.
async fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Starts an upload over a raw connection announcing 1 MiB and sending 128 KiB of it,
/// and waits until the server has started writing it to disk.
async fn start_an_upload_and_stall(app: &TestApp, token: &str) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt as _;
    let boundary = "XBOUNDARYX";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!(
        "POST /api/v1/files HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n\r\n{head}",
        1024 * 1024
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(&vec![b'x'; 128 * 1024]).await.unwrap();
    stream.flush().await.unwrap();
    eventually("the upload reaches the disk", || {
        !stored_files(app).is_empty()
    })
    .await;
    stream
}

async fn an_upload_cut_short_leaves_no_file(backend: Backend) {
    // Arrange
    let app = spawn_app_with(backend, &[]).await;
    let token = app.sign_up("ada@example.com").await;

    // Act: the body ends early (the client closes its side), and another client goes
    // away mid-upload.
    let mut truncated = start_an_upload_and_stall(&app, &token).await;
    tokio::io::AsyncWriteExt::shutdown(&mut truncated)
        .await
        .unwrap();
    eventually("the truncated upload is removed", || {
        stored_files(&app).is_empty()
    })
    .await;
    let dropped = start_an_upload_and_stall(&app, &token).await;
    drop(dropped);

    // Assert
    eventually("the dropped upload is removed", || {
        stored_files(&app).is_empty()
    })
    .await;
    assert_eq!(app.count_rows("files").await, 0);
}

#[tokio::test]
async fn an_upload_cut_short_leaves_no_file_on_sqlite() {
    an_upload_cut_short_leaves_no_file(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_upload_cut_short_leaves_no_file_on_postgres() {
    an_upload_cut_short_leaves_no_file(Backend::Postgres).await;
}

async fn files_no_row_points_at_are_removed_at_start_up(backend: Backend) {
    // Arrange: one real upload, and what a crash could leave behind.
    let app = spawn_app_with(backend, &[]).await;
    app.sign_up("ada@example.com").await;
    let part = reqwest::multipart::Part::bytes(b"keep me".to_vec()).file_name("notes.txt");
    let uploaded: Value = app
        .client
        .post(app.url("/files"))
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kept = uploaded["id"].as_str().unwrap().to_owned();
    let files = app.data_dir.path().join("files");
    let orphan = uuid::Uuid::new_v4().to_string();
    std::fs::write(files.join(&orphan), b"no row").unwrap();
    std::fs::write(
        files.join(format!(".partial-{}", uuid::Uuid::new_v4())),
        b"cut",
    )
    .unwrap();
    std::fs::write(files.join("README"), b"not ours").unwrap();

    // Act: the server starts again on the same database and DATA_DIR.
    let vars = [
        ("DATA_DIR", app.data_dir.path().display().to_string()),
        ("DATABASE_URL", app.database_url.clone()),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
        ("CONNECTORS_ENCRYPTION_KEY", ENCRYPTION_KEY.to_owned()),
    ];
    let settings = reference_server::Settings::from_lookup(|name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    reference_server::Application::build(settings)
        .await
        .unwrap();

    // Assert
    let mut left = stored_files(&app);
    left.sort();
    let mut expected = vec!["README".to_owned(), kept];
    expected.sort();
    assert_eq!(left, expected);
}

#[tokio::test]
async fn files_no_row_points_at_are_removed_at_start_up_on_sqlite() {
    files_no_row_points_at_are_removed_at_start_up(Backend::Sqlite).await;
}

#[tokio::test]
async fn files_no_row_points_at_are_removed_at_start_up_on_postgres() {
    files_no_row_points_at_are_removed_at_start_up(Backend::Postgres).await;
}

#[tokio::test]
async fn a_provider_error_echoing_the_token_does_not_put_it_in_the_logs() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    const TOKEN: &str = "hst_SECRET-API-TOKEN-0123456789abcdef";

    // Arrange: Hostinger answers 500 with the request's headers in its body.
    let logs = capture_logs();
    let hostinger = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/billing/v1/subscriptions"))
        .respond_with(ResponseTemplate::new(500).set_body_string(format!(
            "{{\"message\":\"upstream failed\",\"echo\":{{\"Authorization\":\"Bearer {TOKEN}\"}}}}"
        )))
        .expect(1)
        .mount(&hostinger)
        .await;
    let app = spawn_app_with(
        Backend::Sqlite,
        &[("HOSTINGER_API_URL", hostinger.uri().as_str())],
    )
    .await;
    app.sign_up("ada@example.com").await;

    // Act
    let response = app
        .post_json("/connectors/hostinger/config", &json!({"api_token": TOKEN}))
        .await;

    // Assert
    assert_eq!(response.status(), 502);
    assert!(!response.text().await.unwrap().contains(TOKEN));
    let text = logs.text();
    assert!(
        text.contains("provider error") && text.contains("500"),
        "{text}"
    );
    assert!(!text.contains("0123456789abcdef"), "{text}");
}

/// Reads until the server closes the connection; fails if it is still open after
/// `within`. Returns what was read.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    within: std::time::Duration,
) -> Vec<u8> {
    use tokio::io::AsyncReadExt as _;
    let mut received = Vec::new();
    let closed = tokio::time::timeout(within, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the connection is still open after {within:?}"
    );
    received
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_the_header_read_timeout() {
    use tokio::io::AsyncWriteExt as _;
    // Arrange
    let app = spawn_app_with(Backend::Sqlite, &[("HEADER_READ_TIMEOUT_SECONDS", "1")]).await;
    let address = app.address.trim_start_matches("http://").to_owned();

    // Act + Assert: half a header, then nothing.
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    read_until_closed(&mut slow, std::time::Duration::from_secs(5)).await;

    // Act + Assert: a whole request, then an idle kept-alive connection.
    let mut idle = tokio::net::TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut idle, std::time::Duration::from_secs(5)).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // Arrange: two kept-alive connections, each served once, hold the two places.
    let app = spawn_app_with(Backend::Sqlite, &[("MAX_CONNECTIONS", "2")]).await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buffer = [0u8; 1024];
        let n = stream.read(&mut buffer).await.unwrap();
        assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(500))
        .build()
        .unwrap();

    // Act + Assert: a third is not served while both are held, and is once one closes.
    assert!(client.get(app.url("/healthz")).send().await.is_err());
    held.pop();
    let served = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(served.status(), 200);
}

#[tokio::test]
async fn an_upload_with_a_part_other_than_file_is_refused_and_stores_nothing() {
    // Arrange
    let app = spawn_app().await;
    app.sign_up("ada@example.com").await;
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"hello".to_vec()).file_name("a.txt"),
        )
        .text("colour", "red");

    // Act
    let response = app
        .client
        .post(app.url("/files"))
        .multipart(form)
        .send()
        .await
        .unwrap();

    // Assert
    assert_refused_field(response, "colour", "an extra part").await;
    assert_eq!(app.count_rows("files").await, 0);
    eventually("nothing stays on disk", || stored_files(&app).is_empty()).await;
}
