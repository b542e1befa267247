//! What recording a lifecycle event inside the change's own transaction costs
//! (SPEC §10: at most 10 % on the callback and refresh paths), on SQLite and PostgreSQL:
//! the store write of a callback (`save_credentials`) and of a refresh
//! (`swap_credentials`), each with its event and without. The whole callback and
//! refresh paths also wait for the provider, so these ratios bound the added share from
//! above.
//!
//! Run with: `cargo bench -p e2e-tests --bench lifecycle`

mod common;

use std::sync::Arc;

use connectors_core::{
    AccessToken, CredentialStore, Credentials, Event, EventType, RefreshToken, UserId,
};
use connectors_store::{Cipher, PgStore, SqliteStore};
use criterion::Criterion;
use time::OffsetDateTime;

use common::{fresh_postgres, KEY};

fn credentials() -> Credentials {
    Credentials {
        provider: "google".to_owned(),
        access_token: Some(AccessToken::new("ya29.bench-access".to_owned())),
        refresh_token: Some(RefreshToken::new("1//bench-refresh".to_owned())),
        expires_at: Some(OffsetDateTime::now_utc() + time::Duration::hours(1)),
        scopes: vec!["https://www.googleapis.com/auth/calendar.readonly".to_owned()],
        ..Credentials::default()
    }
}

fn event(kind: EventType, user: UserId) -> Event {
    let mut data = serde_json::Map::new();
    if kind == EventType::Connected {
        data.insert("reconnected".into(), true.into());
    }
    Event::new(kind, user, Some("google_calendar"), data)
}

const INSERT_USER: &str = "INSERT INTO users (id, email, password_hash, created_at, updated_at) \
     VALUES ($1, 'bench@example.com', '', 0, 0)";

/// The four measurements on one store.
fn bench_store(
    criterion: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    backend: &str,
    store: Arc<dyn CredentialStore>,
    user: UserId,
) {
    let credentials = credentials();
    let mut group = criterion.benchmark_group(format!("event_recording/{backend}"));
    group.bench_function("callback_write/without_event", |b| {
        b.to_async(runtime).iter(|| async {
            store
                .save_credentials(user, "google_calendar", &credentials, None)
                .await
                .unwrap()
        });
    });
    group.bench_function("callback_write/with_event", |b| {
        b.to_async(runtime).iter(|| async {
            let event = event(EventType::Connected, user);
            store
                .save_credentials(user, "google_calendar", &credentials, Some(&event))
                .await
                .unwrap()
        });
    });
    group.bench_function("refresh_write/without_event", |b| {
        b.to_async(runtime).iter(|| async {
            let version = store
                .load_credentials(user, "google_calendar")
                .await
                .unwrap()
                .unwrap()
                .version;
            store
                .swap_credentials(user, "google_calendar", version, &credentials, &[])
                .await
                .unwrap()
        });
    });
    group.bench_function("refresh_write/with_event", |b| {
        b.to_async(runtime).iter(|| async {
            let version = store
                .load_credentials(user, "google_calendar")
                .await
                .unwrap()
                .unwrap()
                .version;
            let event = event(EventType::Refreshed, user);
            store
                .swap_credentials(
                    user,
                    "google_calendar",
                    version,
                    &credentials,
                    std::slice::from_ref(&event),
                )
                .await
                .unwrap()
        });
    });
    group.finish();
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut criterion = Criterion::default().configure_from_args();
    let dir = tempfile::tempdir().unwrap();
    let user = uuid::Uuid::new_v4();
    let (sqlite, postgres) = runtime.block_on(async {
        let cipher = || Cipher::from_base64(KEY).unwrap();
        let sqlite = SqliteStore::connect(
            &format!("sqlite://{}/bench.db", dir.path().display()),
            cipher(),
        )
        .await
        .unwrap();
        sqlx::query(INSERT_USER)
            .bind(user)
            .execute(sqlite.pool())
            .await
            .unwrap();
        let postgres = PgStore::connect(&fresh_postgres().await, cipher())
            .await
            .unwrap();
        sqlx::query(INSERT_USER)
            .bind(user)
            .execute(postgres.pool())
            .await
            .unwrap();
        (Arc::new(sqlite), Arc::new(postgres))
    });
    bench_store(&mut criterion, &runtime, "sqlite", sqlite, user);
    bench_store(&mut criterion, &runtime, "postgres", postgres, user);
    criterion.final_summary();
}
