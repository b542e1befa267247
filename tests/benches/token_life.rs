//! Token life benchmarks (SPEC §10):
//! - `access_token` on a valid token against a bare `SELECT` of the same row, on SQLite
//!   and PostgreSQL (criterion), with the store's own read of the row between them on
//!   SQLite (`sqlite/load_credentials`: the statement, the row's decoding and decryption);
//! - the refresh storm: N services with their own pools on one PostgreSQL database ×
//!   M concurrent callers on an expired token with a single-use refresh token, counting
//!   the calls that reach the token endpoint and the callers that fail.
//!
//! Run with: `cargo bench -p e2e-tests --bench token_life`
//! (`STORM_SERVICES` and `STORM_CALLERS` change the storm's shape; default 4 × 250.)

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use connectors_core::{
    AccessToken, ConnectorAuthService, CredentialStore, Credentials, ProviderConfig, RefreshToken,
};
use connectors_store::{Cipher, PgStore, SqliteStore};
use criterion::Criterion;
use futures::future::join_all;
use serde_json::json;
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use common::{fresh_postgres, KEY};

fn cipher() -> Cipher {
    Cipher::from_base64(KEY).unwrap()
}

fn credentials(valid: bool, refresh: &str) -> Credentials {
    let life = if valid {
        time::Duration::hours(1)
    } else {
        -time::Duration::minutes(5)
    };
    Credentials {
        provider: "google".to_owned(),
        access_token: Some(AccessToken::new("ya29.bench-access".to_owned())),
        refresh_token: Some(RefreshToken::new(refresh.to_owned())),
        expires_at: Some(OffsetDateTime::now_utc() + life),
        scopes: vec!["https://www.googleapis.com/auth/calendar.readonly".to_owned()],
        ..Credentials::default()
    }
}

fn service(store: Arc<dyn CredentialStore>, token_url: &str) -> ConnectorAuthService {
    let google = ProviderConfig::new("bench-client", "bench-secret".to_owned().into())
        .with_token_url(token_url.parse().unwrap());
    ConnectorAuthService::new(store, "http://localhost:8080/api/v1".parse().unwrap())
        .with_connectors(connectors_providers::builtin())
        .with_provider("google", google)
}

/// A token endpoint with single-use refresh tokens: the first use of a refresh token
/// rotates it, any reuse is `invalid_grant` — as Calendly and Slack (rotation) behave.
struct SingleUseRefresh {
    calls: Arc<AtomicUsize>,
}

impl Respond for SingleUseRefresh {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let body = String::from_utf8_lossy(&request.body);
        if call > 0 || !body.contains("refresh_token=1%2F%2Fsingle-use") {
            return ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"}));
        }
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "access_token": "ya29.after-storm", "expires_in": 3599,
                "refresh_token": "1//rotated", "token_type": "Bearer"
            }))
            .set_delay(Duration::from_millis(200))
    }
}

async fn refresh_storm(services: usize, callers_each: usize) {
    let google = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(SingleUseRefresh {
            calls: calls.clone(),
        })
        .mount(&google)
        .await;
    let url = fresh_postgres().await;
    let first = PgStore::connect(&url, cipher()).await.unwrap();
    let user = uuid::Uuid::new_v4();
    first
        .register_user(user, "storm@example.com")
        .await
        .unwrap();
    let token_url = format!("{}/token", google.uri());
    let mut replicas = vec![Arc::new(service(Arc::new(first), &token_url))];
    for _ in 1..services {
        let store = PgStore::connect(&url, cipher()).await.unwrap();
        replicas.push(Arc::new(service(Arc::new(store), &token_url)));
    }
    replicas[0]
        .save_tokens(
            user,
            "google_calendar",
            &credentials(false, "1//single-use"),
        )
        .await
        .unwrap();

    let started = Instant::now();
    let callers = replicas.iter().flat_map(|replica| {
        (0..callers_each).map(move |_| {
            let replica = replica.clone();
            tokio::spawn(async move { replica.access_token(user, "google_calendar").await })
        })
    });
    let results = join_all(callers).await;
    let elapsed = started.elapsed();
    let failed = results
        .iter()
        .filter(|result| !matches!(result, Ok(Ok(_))))
        .count();
    let right_token = results
        .iter()
        .filter(|result| matches!(result, Ok(Ok(token)) if token.secret() == "ya29.after-storm"))
        .count();
    println!(
        "refresh storm: {services} services on one PostgreSQL x {callers_each} callers = {} calls; \
         token endpoint calls: {}; failed calls: {failed}; callers with the new token: {right_token}; {elapsed:.2?}",
        services * callers_each,
        calls.load(Ordering::SeqCst),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let env = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    runtime.block_on(refresh_storm(
        env("STORM_SERVICES", 4),
        env("STORM_CALLERS", 250),
    ));
    runtime.block_on(refresh_storm(1, 1000));

    let mut criterion = Criterion::default().configure_from_args();
    let dir = tempfile::tempdir().unwrap();
    let (sqlite, sqlite_user) = runtime.block_on(async {
        let store = SqliteStore::connect(
            &format!("sqlite://{}/bench.db", dir.path().display()),
            cipher(),
        )
        .await
        .unwrap();
        let user = uuid::Uuid::new_v4();
        store
            .register_user(user, "bench@example.com")
            .await
            .unwrap();
        let store = Arc::new(store);
        (store, user)
    });
    let (postgres, postgres_user) = runtime.block_on(async {
        let store = PgStore::connect(&fresh_postgres().await, cipher())
            .await
            .unwrap();
        let user = uuid::Uuid::new_v4();
        store
            .register_user(user, "bench@example.com")
            .await
            .unwrap();
        (Arc::new(store), user)
    });
    let sqlite_service = service(sqlite.clone(), "http://127.0.0.1:9/token");
    let postgres_service = service(postgres.clone(), "http://127.0.0.1:9/token");
    runtime.block_on(async {
        sqlite_service
            .save_tokens(sqlite_user, "google_calendar", &credentials(true, "1//r"))
            .await
            .unwrap();
        postgres_service
            .save_tokens(postgres_user, "google_calendar", &credentials(true, "1//r"))
            .await
            .unwrap();
    });
    // The same row, read into owned values as any caller of a bare SELECT would.
    type Row = (
        String,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
        Option<i64>,
        String,
        String,
        i64,
    );
    const BARE_SELECT: &str =
        "SELECT provider, access_token, refresh_token, expires_at, scopes, extra_json, version \
        FROM user_connector_credentials WHERE user_id = $1 AND connector_code = $2";

    let mut group = criterion.benchmark_group("access_token_valid");
    group.bench_function("sqlite/access_token", |b| {
        b.to_async(&runtime).iter(|| async {
            sqlite_service
                .access_token(sqlite_user, "google_calendar")
                .await
                .unwrap()
        });
    });
    group.bench_function("sqlite/load_credentials", |b| {
        b.to_async(&runtime).iter(|| async {
            sqlite
                .load_credentials(sqlite_user, "google_calendar")
                .await
                .unwrap()
        });
    });
    group.bench_function("sqlite/bare_select", |b| {
        b.to_async(&runtime).iter(|| async {
            sqlx::query_as::<_, Row>(BARE_SELECT)
                .bind(sqlite_user)
                .bind("google_calendar")
                .fetch_one(sqlite.pool())
                .await
                .unwrap()
        });
    });
    group.bench_function("postgres/access_token", |b| {
        b.to_async(&runtime).iter(|| async {
            postgres_service
                .access_token(postgres_user, "google_calendar")
                .await
                .unwrap()
        });
    });
    group.bench_function("postgres/bare_select", |b| {
        b.to_async(&runtime).iter(|| async {
            sqlx::query_as::<_, Row>(BARE_SELECT)
                .bind(postgres_user)
                .bind("google_calendar")
                .fetch_one(postgres.pool())
                .await
                .unwrap()
        });
    });
    group.finish();
    criterion.final_summary();
}
