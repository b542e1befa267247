//! `PgStore`: the store contract, the SQL store tests, and the table contents.
//!
//! Needs PostgreSQL at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) with the right to create databases:
//! each test creates its own `store_test_<uuid>` database and drops it at the end.

mod common;

use connectors_core::secrecy::SecretString;
use connectors_core::{CredentialStore, PendingAuthorization};
use connectors_store::{Cipher, PgStore};
use sqlx::{Connection, Executor, PgConnection};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database with a random name.
struct TestDb {
    admin_url: String,
    name: String,
}

impl TestDb {
    async fn new() -> Self {
        let admin_url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let name = format!("store_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!("PostgreSQL at TEST_DATABASE_URL ({admin_url}) is needed: {error}")
            });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        Self { admin_url, name }
    }

    /// The admin URL with the database name replaced.
    fn url(&self) -> String {
        let (base, query) = match self.admin_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.admin_url.as_str(), String::new()),
        };
        let authority_end = base.find("://").map_or(0, |scheme| scheme + 3);
        let host_part = match base[authority_end..].find('/') {
            Some(slash) => &base[..authority_end + slash],
            None => base,
        };
        format!("{host_part}/{}{query}", self.name)
    }

    async fn finish(self) {
        let mut admin = PgConnection::connect(&self.admin_url).await.unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .unwrap();
    }
}

common::sql_store_tests!(PgStore);

#[tokio::test]
async fn plaintext_secrets_never_reach_the_tables() {
    // Arrange
    let db = TestDb::new().await;
    let store = PgStore::connect(&db.url(), Cipher::generate())
        .await
        .unwrap();
    let user = uuid::Uuid::new_v4();
    store.register_user(user, "ada@example.com").await.unwrap();
    let verifier = "pkce-verifier-canary-9c1d";

    // Act
    store
        .save_credentials(
            user,
            "google_calendar",
            &common::oauth_credentials("plaintext-canary-9c1d"),
            None,
        )
        .await
        .unwrap();
    store
        .save_credentials(
            user,
            "smtp",
            &common::smtp_credentials("smtp-password-canary-9c1d"),
            None,
        )
        .await
        .unwrap();
    store
        .insert_pending_authorization(&PendingAuthorization {
            state_hash: "state-hash".into(),
            user_id: user,
            connector_code: "google_calendar".into(),
            pkce_verifier: Some(SecretString::from(verifier)),
            expires_at: common::seconds_from_now(600),
        })
        .await
        .unwrap();

    // Assert: every row of every table, as text (bytea shows as hex).
    let mut dump = String::new();
    for table in [
        "users",
        "user_connectors",
        "user_connector_credentials",
        "oauth_states",
        "store_meta",
    ] {
        let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM {table} t"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        dump.extend(rows.into_iter().map(|(row,)| row + "\n"));
    }
    assert!(dump.contains("smtp.example.com"), "the tables were read");
    for secret in [
        "ya29.access-plaintext-canary-9c1d",
        "1//refresh-plaintext-canary-9c1d",
        "smtp-password-canary-9c1d",
        verifier,
    ] {
        assert!(!dump.contains(secret), "{secret} is in the database");
        assert!(
            !dump.contains(&hex(secret)),
            "{secret} is in the database (bytea)"
        );
    }
    store.pool().close().await;
    db.finish().await;
}

fn hex(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

/// The PostgreSQL server's clock in unix seconds, for the shared SQL store tests.
const DATABASE_NOW: &str = "CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp())) AS BIGINT)";
