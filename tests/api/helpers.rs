//! `spawn_app()`: the reference server on a random port, a fresh database, and one
//! wiremock server per provider, wired through the same variables a deployer sets.

use std::collections::HashMap;

use reference_server::{AppState, Application, Settings};
use serde_json::{json, Value};
use tempfile::TempDir;
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Which database a test app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub google: MockServer,
    pub openai: MockServer,
    pub state: AppState,
    pub data_dir: TempDir,
    pub database_url: String,
    pub frontend_url: String,
}

pub const GOOGLE_CLIENT_ID: &str = "test-client-id.apps.googleusercontent.com";
pub const GOOGLE_CLIENT_SECRET: &str = "GOCSPX-test-client-secret";
pub const OPENAI_API_KEY: &str = "sk-proj-test-SERVER-SIDE-KEY-0123456789";
pub const ENCRYPTION_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// The PostgreSQL server of the machine (`TEST_DATABASE_URL` overrides).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new, empty PostgreSQL database; returns its URL.
pub async fn fresh_postgres_database() -> String {
    use sqlx::Connection as _;
    let admin = postgres_admin_url();
    let name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
    let mut connection = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL on 127.0.0.1:5432");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap();
    let mut url = Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Backend::Sqlite, &[]).await
}

pub async fn spawn_app_with(backend: Backend, extra: &[(&str, &str)]) -> TestApp {
    init_logging();
    let google = MockServer::start().await;
    let openai = MockServer::start().await;
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}/connectors.db", data_dir.path().display()),
        Backend::Postgres => fresh_postgres_database().await,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let address = format!("http://127.0.0.1:{port}");
    let frontend_url = format!("http://127.0.0.1:{port}");
    let mut vars: HashMap<String, String> = [
        ("DATABASE_URL", database_url.clone()),
        ("BIND_ADDR", format!("127.0.0.1:{port}")),
        ("BACKEND_URL", address.clone()),
        ("FRONTEND_URL", frontend_url.clone()),
        ("DATA_DIR", data_dir.path().display().to_string()),
        ("CONNECTORS_ENCRYPTION_KEY", ENCRYPTION_KEY.to_owned()),
        ("GOOGLE_CLIENT_ID", GOOGLE_CLIENT_ID.to_owned()),
        ("GOOGLE_CLIENT_SECRET", GOOGLE_CLIENT_SECRET.to_owned()),
        (
            "GOOGLE_AUTH_URL",
            format!("{}/o/oauth2/v2/auth", google.uri()),
        ),
        ("GOOGLE_TOKEN_URL", format!("{}/token", google.uri())),
        ("GOOGLE_REVOKE_URL", format!("{}/revoke", google.uri())),
        ("GOOGLE_API_URL", google.uri()),
        ("HTTP_TIMEOUT_SECONDS", "2".to_owned()),
        // Tests sign up several users from one address; the limit has its own test.
        ("SIGNUPS_PER_MINUTE", "1000".to_owned()),
        ("OPENAI_API_KEY", OPENAI_API_KEY.to_owned()),
        ("OPENAI_BASE_URL", format!("{}/v1", openai.uri())),
        (
            "REALTIME_CALLS_URL",
            "http://127.0.0.1:9/v1/realtime/calls".to_owned(),
        ),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    for (name, value) in extra {
        vars.insert((*name).to_owned(), (*value).to_owned());
    }
    let settings =
        Settings::from_lookup(|name| vars.get(name).cloned()).expect("valid test settings");
    let application = Application::build_on(settings, listener)
        .await
        .expect("the app starts");
    let state = application.state().clone();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        client: browser(),
        google,
        openai,
        state,
        data_dir,
        database_url,
        frontend_url,
    }
}

/// A client like a browser: a cookie jar, redirects not followed (tests follow them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The logs of everything this test's thread runs (the server's handlers too: a
/// `#[tokio::test]` runtime runs its tasks on the test's thread), at debug level.
pub struct CapturedLogs {
    buffer: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _guard: tracing::dispatcher::DefaultGuard,
}

#[derive(Clone)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing logs until the returned value is dropped.
pub fn capture_logs() -> CapturedLogs {
    use tracing_subscriber::util::SubscriberInitExt as _;
    let buffer = std::sync::Arc::default();
    let writer = LogBuffer(std::sync::Arc::clone(&buffer));
    let guard = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
        .set_default();
    CapturedLogs {
        buffer,
        _guard: guard,
    }
}

impl CapturedLogs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap()).into_owned()
    }
}

fn init_logging() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info")
                .with_test_writer()
                .try_init();
        }
    });
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.address)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Signs up a new user with this app's browser; returns the bearer token.
    pub async fn sign_up(&self, email: &str) -> String {
        let response = self
            .post_json(
                "/auth/signup",
                &json!({"email": email, "password": "correct horse battery"}),
            )
            .await;
        assert_eq!(response.status(), 201, "signup of {email}");
        response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Another browser (own cookie jar) signed up as a new user.
    pub async fn other_user(&self, email: &str) -> (reqwest::Client, String) {
        let client = browser();
        let response = client
            .post(self.url("/auth/signup"))
            .json(&json!({"email": email, "password": "correct horse battery"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let token = response.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        (client, token)
    }

    pub async fn connectors(&self) -> Vec<Value> {
        let response = self.get("/connectors").await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub async fn connector(&self, key: &str) -> Value {
        self.connectors()
            .await
            .into_iter()
            .find(|c| c["key"] == key)
            .expect("connector listed")
    }

    /// `GET /connectors/google_calendar/redirect` → the authorization URL.
    pub async fn start_google_flow(&self) -> Url {
        let response = self.get("/connectors/google_calendar/redirect").await;
        assert_eq!(response.status(), 302);
        Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Plays the user on Google's consent page: the fake answers with a redirect to the
    /// redirect URI carrying a code and the state; returns that callback URL.
    pub async fn consent(&self, authorization_url: &Url) -> Url {
        let response = self
            .client
            .get(authorization_url.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            302,
            "the fake consent page redirects back"
        );
        Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// Follows the callback URL; returns where the server sends the browser.
    pub async fn follow_callback(&self, callback: &Url) -> Url {
        let response = self.client.get(callback.clone()).send().await.unwrap();
        assert_eq!(response.status(), 302);
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        assert_eq!(response.headers()["cache-control"], "no-store");
        Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
    }

    /// The whole consent round trip with the fake Google (token endpoint mocked by caller).
    pub async fn connect_google(&self) -> Url {
        let authorization = self.start_google_flow().await;
        let callback = self.consent(&authorization).await;
        self.follow_callback(&callback).await
    }

    /// Connects the OAuth connector `key` as a user would: the redirect, the provider
    /// sending the browser back with a code and the state, the callback; asserts it
    /// landed on `status=success`.
    pub async fn connect_oauth(&self, key: &str) {
        let response = self.get(&format!("/connectors/{key}/redirect")).await;
        assert_eq!(response.status(), 302);
        let authorization = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        let state = authorization
            .query_pairs()
            .find(|(name, _)| name == "state")
            .map(|(_, value)| value.into_owned())
            .expect("a state");
        let mut callback = Url::parse(&self.url(&format!("/connectors/{key}/callback"))).unwrap();
        callback
            .query_pairs_mut()
            .append_pair("code", "the-code")
            .append_pair("state", &state);
        let landed = self.follow_callback(&callback).await;
        assert_eq!(outcome(&landed).0, "success", "{landed}");
    }

    /// The user id of the signed-in user of this app's browser.
    pub async fn me(&self) -> uuid::Uuid {
        let me: Value = self.get("/auth/me").await.json().await.unwrap();
        me["user"]["id"].as_str().unwrap().parse().unwrap()
    }

    /// Runs one statement with one integer parameter on whichever database the app has.
    pub async fn execute_with_i64(&self, sql: &str, value: i64) {
        match &self.state.db {
            reference_server::db::Database::Sqlite(store) => sqlx::query(sql)
                .bind(value)
                .execute(store.pool())
                .await
                .map(|_| ()),
            reference_server::db::Database::Postgres { store, .. } => sqlx::query(sql)
                .bind(value)
                .execute(store.pool())
                .await
                .map(|_| ()),
        }
        .unwrap();
    }

    /// Runs one statement without parameters on whichever database the app has.
    pub async fn execute(&self, sql: &str) {
        match &self.state.db {
            reference_server::db::Database::Sqlite(store) => {
                sqlx::query(sql).execute(store.pool()).await.map(|_| ())
            }
            reference_server::db::Database::Postgres { store, .. } => {
                sqlx::query(sql).execute(store.pool()).await.map(|_| ())
            }
        }
        .unwrap();
    }

    pub async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match &self.state.db {
            reference_server::db::Database::Sqlite(store) => sqlx::query_scalar(&sql)
                .fetch_one(store.pool())
                .await
                .unwrap(),
            reference_server::db::Database::Postgres { store, .. } => sqlx::query_scalar(&sql)
                .fetch_one(store.pool())
                .await
                .unwrap(),
        }
    }
}

/// Where a redirect sends the browser, as `status` and `reason`.
pub fn outcome(target: &Url) -> (String, Option<String>) {
    let pairs: HashMap<String, String> = target.query_pairs().into_owned().collect();
    (
        pairs.get("status").cloned().unwrap_or_default(),
        pairs.get("reason").cloned(),
    )
}

/// Google's consent screen: approves, sending `code` and the `state` it got back to the
/// `redirect_uri` it got (or `error=…` when built with `denying`).
pub struct ConsentScreen {
    pub code: String,
    pub error: Option<String>,
}

impl ConsentScreen {
    pub fn approving(code: &str) -> Self {
        Self {
            code: code.to_owned(),
            error: None,
        }
    }

    pub fn denying(error: &str) -> Self {
        Self {
            code: String::new(),
            error: Some(error.to_owned()),
        }
    }
}

impl Respond for ConsentScreen {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: HashMap<String, String> = request.url.query_pairs().into_owned().collect();
        let Some(redirect_uri) = query.get("redirect_uri") else {
            return ResponseTemplate::new(400).set_body_string(
                "Error 400: invalid_request Missing required parameter: redirect_uri",
            );
        };
        let mut target = Url::parse(redirect_uri).unwrap();
        {
            let mut pairs = target.query_pairs_mut();
            match &self.error {
                Some(error) => pairs.append_pair("error", error),
                None => pairs
                    .append_pair("code", &self.code)
                    .append_pair("scope", query.get("scope").map_or("", String::as_str)),
            };
            if let Some(state) = query.get("state") {
                pairs.append_pair("state", state);
            }
        }
        ResponseTemplate::new(302).insert_header("location", target.as_str())
    }
}

/// The bearer token a request to a fake provider carries (empty when none).
pub fn bearer(request: &wiremock::Request) -> &str {
    request
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default()
}

/// Google's token answer to a code.
pub fn google_token_answer(access: &str, refresh: &str) -> Value {
    json!({
        "access_token": access,
        "expires_in": 3599,
        "refresh_token": refresh,
        "scope": "https://www.googleapis.com/auth/calendar.readonly",
        "token_type": "Bearer",
        "id_token": "eyJhbGciOiJSUzI1NiJ9.fake.sig"
    })
}

/// Google's token answer to a refresh: no refresh token.
pub fn google_refresh_answer(access: &str) -> Value {
    json!({
        "access_token": access,
        "expires_in": 3599,
        "scope": "https://www.googleapis.com/auth/calendar.readonly",
        "token_type": "Bearer"
    })
}

/// Google's `invalid_grant`.
pub fn google_invalid_grant() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked."
    }))
}

/// Mounts the consent screen and a token endpoint answering codes; returns nothing.
pub async fn mount_google_happy_path(google: &MockServer, access: &str, refresh: &str) {
    Mock::given(method("GET"))
        .and(path("/o/oauth2/v2/auth"))
        .respond_with(ConsentScreen::approving("4/0AX4XfWh-code"))
        .mount(google)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(google_token_answer(access, refresh)),
        )
        .mount(google)
        .await;
    Mock::given(method("GET"))
        .and(path("/calendar/v3/calendars/primary"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "calendar#calendar", "id": "ada@example.com", "summary": "ada@example.com", "timeZone": "Europe/Paris"
        })))
        .mount(google)
        .await;
}
