//! The background refresh worker at scale (SPEC §10): 100,000 users × 9 connectors in
//! PostgreSQL, of which 1,000 grants are due.
//! - the plan of the worker's query (`EXPLAIN ANALYZE`: an index, no scan of every row);
//! - the time of one tick's query, with 1,000 grants due and with none;
//! - one replica refreshing the 1,000 due grants against a fake token endpoint that
//!   answers in 100 ms, at the worker's default concurrency: the time it takes, the
//!   calls, the failures.
//!
//! Run with: `cargo bench -p e2e-tests --bench background_refresh`
//! (`BENCH_USERS` changes the number of users; default 100000.)

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use connectors_core::{
    AccessToken, BackgroundRefresh, ConnectorAuthService, CredentialStore, Credentials, DueQuery,
    ProviderConfig, RefreshToken,
};
use connectors_store::{Cipher, PgStore};
use serde_json::json;
use time::OffsetDateTime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use common::{fresh_postgres, KEY};

const CONNECTORS: [&str; 9] = [
    "google_calendar",
    "gmail",
    "slack",
    "notion",
    "calendly",
    "smtp",
    "twilio",
    "minio",
    "hostinger",
];
const DUE: usize = 1_000;

/// The worker's query, as `connectors-store` sends it (`DUE_REFRESHES`), for EXPLAIN.
const DUE_QUERY: &str = "\
    SELECT user_id, connector_code, version FROM user_connector_credentials \
    WHERE refreshable = TRUE AND refresh_token IS NOT NULL \
      AND (expires_at <= $1 OR updated_at <= $2) \
      AND (retry_at IS NULL OR retry_at <= $3) \
      AND (lease_until IS NULL OR lease_until <= $3) \
    LIMIT $4";

/// Google's token endpoint, answering every refresh in 100 ms.
struct SlowGoogle {
    calls: Arc<AtomicUsize>,
}

impl Respond for SlowGoogle {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        self.calls.fetch_add(1, Ordering::SeqCst);
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "access_token": "ya29.refreshed-by-the-worker", "expires_in": 3599,
                "token_type": "Bearer"
            }))
            .set_delay(Duration::from_millis(100))
    }
}

/// `users` users with a grant for each connector, valid for one to two more hours and
/// written now (not due), in bulk.
async fn fill(pool: &sqlx::PgPool, users: usize) {
    let now = OffsetDateTime::now_utc().unix_timestamp();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at, updated_at) \
         SELECT gen_random_uuid(), 'user' || n || '@bench.example', '', $1, $1 \
         FROM generate_series(1, $2) AS n",
    )
    .bind(now)
    .bind(users as i64)
    .execute(pool)
    .await
    .unwrap();
    let connectors = serde_json::to_string(&CONNECTORS).unwrap();
    sqlx::query(
        "INSERT INTO user_connector_credentials \
             (id, user_id, connector_code, provider, access_token, refresh_token, expires_at, \
              scopes, extra_json, version, created_at, updated_at) \
         SELECT gen_random_uuid(), u.id, c.code, 'google', '\\x00'::bytea, '\\x00'::bytea, \
                $1 + 3600 + (random() * 3600)::bigint, '', '{}', 1, $2, $2 \
         FROM users u CROSS JOIN json_array_elements_text($3::json) AS c(code)",
    )
    .bind(now)
    .bind(now)
    .bind(connectors)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
}

fn due_query(limit: u32) -> DueQuery {
    let now = OffsetDateTime::now_utc();
    let settings = BackgroundRefresh::default();
    DueQuery {
        expiring_before: now + settings.refresh_ahead,
        idle_since: now - settings.keepalive,
        now,
        limit,
    }
}

async fn explain(pool: &sqlx::PgPool) -> String {
    let query = due_query(DUE as u32);
    let rows: Vec<(String,)> = sqlx::query_as(&format!("EXPLAIN ANALYZE {DUE_QUERY}"))
        .bind(query.expiring_before.unix_timestamp())
        .bind(query.idle_since.unix_timestamp())
        .bind(query.now.unix_timestamp())
        .bind(i64::from(query.limit))
        .fetch_all(pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(line,)| line)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The median time of `runs` tick queries.
async fn tick_time(store: &PgStore, runs: usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut found = 0;
    for _ in 0..runs {
        let started = Instant::now();
        found = store
            .due_refreshes(&due_query(DUE as u32))
            .await
            .unwrap()
            .len();
        times.push(started.elapsed());
    }
    times.sort();
    (times[runs / 2], found)
}

#[tokio::main]
async fn main() {
    let users: usize = std::env::var("BENCH_USERS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let url = fresh_postgres().await;
    let store = PgStore::connect(&url, Cipher::from_base64(KEY).unwrap())
        .await
        .unwrap();
    let started = Instant::now();
    fill(store.pool(), users).await;
    println!(
        "{users} users × {} connectors inserted in {:.1} s",
        CONNECTORS.len(),
        started.elapsed().as_secs_f64()
    );

    // 1,000 of the Google Calendar grants expire in five minutes: due.
    let due_users: Vec<(uuid::Uuid,)> =
        sqlx::query_as(&format!("SELECT id FROM users ORDER BY email LIMIT {DUE}"))
            .fetch_all(store.pool())
            .await
            .unwrap();
    for (user,) in &due_users {
        let credentials = Credentials {
            provider: "google".to_owned(),
            access_token: Some(AccessToken::new("ya29.expiring".to_owned())),
            refresh_token: Some(RefreshToken::new(format!("1//refresh-{user}"))),
            expires_at: Some(OffsetDateTime::now_utc() + time::Duration::minutes(5)),
            ..Credentials::default()
        };
        store
            .save_credentials(*user, "google_calendar", &credentials, None)
            .await
            .unwrap();
    }
    sqlx::query("ANALYZE").execute(store.pool()).await.unwrap();

    println!(
        "\nplan of the worker's query (1,000 due):\n{}",
        explain(store.pool()).await
    );
    let (with_due, found) = tick_time(&store, 21).await;
    println!(
        "\ntick query with {found} due: median {:.2} ms (21 runs)",
        with_due.as_secs_f64() * 1000.0
    );

    let google = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(SlowGoogle {
            calls: Arc::clone(&calls),
        })
        .mount(&google)
        .await;
    let provider = ProviderConfig::new("bench-client", "bench-secret".to_owned().into())
        .with_token_url(format!("{}/token", google.uri()).parse().unwrap());
    let store: Arc<dyn CredentialStore> = Arc::new(store);
    let service = ConnectorAuthService::new(
        Arc::clone(&store),
        "http://localhost:8080/api/v1".parse().unwrap(),
    )
    .with_connectors(connectors_providers::builtin())
    .with_provider("google", provider);
    let settings = BackgroundRefresh {
        batch: DUE as u32,
        ..BackgroundRefresh::default()
    };
    let started = Instant::now();
    let run = service.refresh_due(&settings).await.unwrap();
    let took = started.elapsed();
    println!(
        "\none run at concurrency {}: {} due, {} refreshed, {} failed, {} needs_reauth, {} token calls, in {:.1} s ({:.0} grants/minute)",
        settings.concurrency,
        run.due,
        run.refreshed,
        run.failed,
        run.needs_reauth,
        calls.load(Ordering::SeqCst),
        took.as_secs_f64(),
        run.refreshed as f64 / took.as_secs_f64() * 60.0
    );

    let pg = PgStore::connect(&url, Cipher::from_base64(KEY).unwrap())
        .await
        .unwrap();
    let (empty, found) = tick_time(&pg, 21).await;
    println!(
        "tick query with {found} due (after the run): median {:.2} ms (21 runs)",
        empty.as_secs_f64() * 1000.0
    );
}
