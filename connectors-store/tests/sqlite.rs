//! `SqliteStore`: the store contract, the SQL store tests, and what is particular to
//! SQLite (file creation, pragmas, the bytes of the file).

mod common;

use std::sync::Arc;

use connectors_core::secrecy::SecretString;
use connectors_core::{CredentialStore, PendingAuthorization};
use connectors_store::{Cipher, SqliteStore};
use tempfile::TempDir;

/// A fresh database file in its own temporary directory.
struct TestDb {
    dir: TempDir,
}

impl TestDb {
    async fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!(
            "sqlite://{}",
            self.dir.path().join("connectors.db").display()
        )
    }

    async fn finish(self) {}
}

common::sql_store_tests!(SqliteStore);

#[tokio::test]
async fn connect_creates_the_database_and_its_parent_directories() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("nested").join("connectors.db");

    let store = SqliteStore::connect(&format!("sqlite://{}", path.display()), Cipher::generate())
        .await
        .unwrap();

    assert!(path.is_file());
    store.pool().close().await;
}

#[tokio::test]
async fn the_database_runs_in_wal_mode_with_synchronous_full_and_foreign_keys() {
    let db = TestDb::new().await;
    let store = SqliteStore::connect(&db.url(), Cipher::generate())
        .await
        .unwrap();
    let mut connection = store.pool().acquire().await.unwrap();

    let (journal_mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    let (synchronous,): (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(&mut *connection)
        .await
        .unwrap();
    let (foreign_keys,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(&mut *connection)
        .await
        .unwrap();

    assert_eq!(journal_mode, "wal");
    assert_eq!(synchronous, 2, "2 is FULL");
    assert_eq!(foreign_keys, 1);
    drop(connection);
    store.pool().close().await;
}

#[tokio::test]
async fn plaintext_secrets_never_reach_the_database_files() {
    // Arrange
    let db = TestDb::new().await;
    let store = SqliteStore::connect(&db.url(), Cipher::generate())
        .await
        .unwrap();
    let user = uuid::Uuid::new_v4();
    store.register_user(user, "ada@example.com").await.unwrap();
    let oauth = common::oauth_credentials("plaintext-canary-7f3a");
    let smtp = common::smtp_credentials("smtp-password-canary-7f3a");
    let verifier = "pkce-verifier-canary-7f3a";

    // Act
    store
        .save_credentials(user, "google_calendar", &oauth, None)
        .await
        .unwrap();
    store
        .save_credentials(user, "smtp", &smtp, None)
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
    let wal_bytes = read_database_files(&db);
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .unwrap();
    store.pool().close().await;
    let checkpointed = read_database_files(&db);

    // Assert
    for bytes in [wal_bytes, checkpointed] {
        assert!(contains(&bytes, b"smtp.example.com"), "the files were read");
        for secret in [
            "ya29.access-plaintext-canary-7f3a",
            "1//refresh-plaintext-canary-7f3a",
            "smtp-password-canary-7f3a",
            verifier,
        ] {
            assert!(
                !contains(&bytes, secret.as_bytes()),
                "{secret} is in the file"
            );
        }
    }
}

#[tokio::test]
async fn an_in_memory_database_honours_the_contract() {
    let store = SqliteStore::connect("sqlite::memory:", Cipher::generate())
        .await
        .unwrap();
    let users = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    store
        .register_user(users[0], "a@example.com")
        .await
        .unwrap();
    store
        .register_user(users[1], "b@example.com")
        .await
        .unwrap();

    common::store_contract(Arc::new(store), users).await;
}

#[tokio::test]
async fn debug_shows_no_key_material() {
    let cipher = Cipher::new(&[7; 32]);
    let store = SqliteStore::connect("sqlite::memory:", cipher.clone())
        .await
        .unwrap();

    let debug = format!("{store:?}");

    assert!(debug.starts_with("SqliteStore {"), "{debug}");
    assert!(debug.contains(&cipher.key_id()), "{debug}");
    assert!(!debug.contains("7, 7"), "{debug}");
}

/// The database file, its WAL and its shared-memory index, concatenated.
fn read_database_files(db: &TestDb) -> Vec<u8> {
    ["connectors.db", "connectors.db-wal", "connectors.db-shm"]
        .iter()
        .filter_map(|name| std::fs::read(db.dir.path().join(name)).ok())
        .flatten()
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Opening a new database races nothing: the switch to WAL (an exclusive lock SQLite
/// cannot wait for), the migrations and the key check happen on one connection before
/// the pool opens any other. 200 fresh starts, 0 `database is locked`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_fresh_databases_open_without_a_busy_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();

    for attempt in 0..200 {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("{attempt}.db")).display()
        );
        match SqliteStore::connect(&url, Cipher::generate()).await {
            Ok(store) => store.pool().close().await,
            Err(error) => failures.push(format!("start {attempt}: {error:?}")),
        }
    }

    assert!(
        failures.is_empty(),
        "{} of 200 starts failed: {failures:#?}",
        failures.len()
    );
}

/// Sixteen writers on one file, each mixing what the server does at once: signups,
/// config saves, leases with compare-and-swap writes, status changes and purges, on
/// shared and own rows. SQLite serialises writers; none may see `SQLITE_BUSY`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_writers_never_see_a_busy_error() {
    use connectors_core::ConnectorStatus;

    let db = TestDb::new().await;
    let store = Arc::new(
        SqliteStore::connect(&db.url(), Cipher::generate())
            .await
            .unwrap(),
    );
    let shared = uuid::Uuid::new_v4();
    store
        .register_user(shared, "shared@example.com")
        .await
        .unwrap();

    let writers = (0..16).map(|writer| {
        let store = store.clone();
        tokio::spawn(async move {
            let mut errors = Vec::new();
            let mut record = |step: &str, result: Result<(), String>| {
                if let Err(error) = result {
                    errors.push(format!("writer {writer} {step}: {error}"));
                }
            };
            for round in 0..20 {
                let own = uuid::Uuid::new_v4();
                let registered = store
                    .register_user(own, &format!("w{writer}-r{round}@example.com"))
                    .await;
                if let Err(error) = registered {
                    record("register", Err(format!("{error:?}")));
                    continue;
                }
                for user in [own, shared] {
                    let connector = format!("smtp{}", writer % 4);
                    let saved = store
                        .save_credentials(user, &connector, &common::smtp_credentials("pw"), None)
                        .await;
                    record(
                        "save",
                        saved.as_ref().map(|_| ()).map_err(|e| format!("{e:?}")),
                    );
                    let holder = uuid::Uuid::new_v4();
                    let until = common::LEASE;
                    match store.try_lease(user, &connector, holder, until).await {
                        Ok(true) => {
                            let current = store.load_credentials(user, &connector).await;
                            if let Ok(Some(current)) = current {
                                let swapped = store
                                    .swap_credentials(
                                        user,
                                        &connector,
                                        current.version,
                                        &common::smtp_credentials("rotated"),
                                        &[],
                                    )
                                    .await;
                                record("swap", swapped.map(|_| ()).map_err(|e| format!("{e:?}")));
                            }
                            let released = store.release_lease(user, &connector, holder).await;
                            record("release", released.map_err(|e| format!("{e:?}")));
                        }
                        Ok(false) => {}
                        Err(error) => record("lease", Err(format!("{error:?}"))),
                    }
                    let status = store
                        .set_status(
                            user,
                            &connector,
                            ConnectorStatus::Error,
                            Some("boom"),
                            None,
                            None,
                        )
                        .await;
                    record("status", status.map_err(|e| format!("{e:?}")));
                    if round % 3 == 0 {
                        let deleted = common::purge_plainly(store.as_ref(), user, &connector).await;
                        record("delete", deleted.map(|_| ()).map_err(|e| format!("{e:?}")));
                    }
                }
            }
            errors
        })
    });

    let mut errors = Vec::new();
    for writer in writers.collect::<Vec<_>>() {
        errors.extend(writer.await.unwrap());
    }

    assert!(
        errors.is_empty(),
        "{} writes failed: {errors:#?}",
        errors.len()
    );
    let users: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(users.0, 1 + 16 * 20, "every signup is stored");
}

/// SQLite's clock in unix seconds, for the shared SQL store tests.
const DATABASE_NOW: &str = "CAST(strftime('%s', 'now') AS INTEGER)";
