//! Tests every SQL store must pass beyond the contract: encryption bound to rows and
//! columns, key checks and rotation, registered users, migrations, concurrency.
//!
//! `sql_store_tests!(Store)` expands to `#[tokio::test]`s in a test binary that defines
//! `TestDb` with `async fn new() -> TestDb`, `fn url(&self) -> String` (a fresh empty
//! database) and `async fn finish(self)`.

macro_rules! sql_store_tests {
    ($Store:ident) => {
        mod sql_store {
            use std::sync::Arc;

            use connectors_core::secrecy::SecretString;
            use connectors_core::{CredentialStore, PendingAuthorization, StoreError, UserId};
            use connectors_store::{Cipher, $Store};
            use uuid::Uuid;

            use super::TestDb;
            use crate::common::{
                assert_same_credentials, oauth_credentials, seconds_from_now, smtp_credentials,
                store_contract,
            };

            async fn new_user(store: &$Store) -> UserId {
                let user = Uuid::new_v4();
                let email = format!("{}@example.com", user.simple());
                store.register_user(user, &email).await.unwrap();
                user
            }

            fn assert_decrypt_error<T: std::fmt::Debug>(
                result: Result<T, StoreError>,
                expected_field: &str,
            ) {
                match result {
                    Err(StoreError::Decrypt { field }) => assert_eq!(field, expected_field),
                    other => panic!("expected a decrypt error on {expected_field}, got {other:?}"),
                }
            }

            #[tokio::test]
            async fn the_store_honours_the_contract() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let users = [new_user(&store).await, new_user(&store).await];

                store_contract(Arc::new(store.clone()), users).await;

                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn opening_with_another_key_is_refused() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                store.pool().close().await;

                let reopened = $Store::connect(&db.url(), Cipher::generate()).await;

                assert!(matches!(reopened, Err(StoreError::WrongKey)), "{reopened:?}");
                db.finish().await;
            }

            #[tokio::test]
            async fn a_previous_key_still_decrypts_after_rotation() {
                // Arrange: credentials written under the old key.
                let db = TestDb::new().await;
                let old = Cipher::generate_key();
                let new = Cipher::generate_key();
                let cipher = |key: &SecretString| {
                    use connectors_core::secrecy::ExposeSecret;
                    Cipher::from_base64(key.expose_secret()).unwrap()
                };
                let store = $Store::connect(&db.url(), cipher(&old)).await.unwrap();
                let user = new_user(&store).await;
                let written = oauth_credentials("rotation");
                let smtp = smtp_credentials("rotation-password");
                store.save_credentials(user, "google_calendar", &written, None).await.unwrap();
                store.save_credentials(user, "smtp", &smtp, None).await.unwrap();
                store.pool().close().await;

                // Act: the new key is primary, the old one kept for reading.
                let rotated = $Store::connect(&db.url(), cipher(&new).with_previous_key(cipher(&old)))
                    .await
                    .unwrap();

                // Assert: old values open; new writes use the new key.
                let stored = rotated.load_credentials(user, "google_calendar").await.unwrap();
                assert_same_credentials(&stored.unwrap().credentials, &written);
                let rewritten = oauth_credentials("rotated");
                rotated.save_credentials(user, "google_calendar", &rewritten, None).await.unwrap();
                rotated.pool().close().await;

                let new_only = $Store::connect(&db.url(), cipher(&new)).await.unwrap();
                let stored = new_only.load_credentials(user, "google_calendar").await.unwrap();
                assert_same_credentials(&stored.unwrap().credentials, &rewritten);
                assert_decrypt_error(
                    new_only.load_credentials(user, "smtp").await,
                    "extra_json.secrets.password",
                );
                new_only.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn a_ciphertext_copied_onto_another_users_row_does_not_decrypt() {
                // Arrange
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let (victim, attacker) = (new_user(&store).await, new_user(&store).await);
                store
                    .save_credentials(victim, "google_calendar", &oauth_credentials("victim"), None)
                    .await
                    .unwrap();
                store
                    .save_credentials(attacker, "google_calendar", &oauth_credentials("attacker"), None)
                    .await
                    .unwrap();

                // Act
                sqlx::query(
                    "UPDATE user_connector_credentials SET access_token = \
                        (SELECT access_token FROM user_connector_credentials \
                         WHERE user_id = $1 AND connector_code = $3) \
                     WHERE user_id = $2 AND connector_code = $3",
                )
                .bind(victim)
                .bind(attacker)
                .bind("google_calendar")
                .execute(store.pool())
                .await
                .unwrap();

                // Assert
                assert_decrypt_error(
                    store.load_credentials(attacker, "google_calendar").await,
                    "access_token",
                );
                assert!(store.load_credentials(victim, "google_calendar").await.is_ok());
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn a_ciphertext_moved_to_another_column_connector_or_field_does_not_decrypt() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = new_user(&store).await;
                store
                    .save_credentials(user, "google_calendar", &oauth_credentials("columns"), None)
                    .await
                    .unwrap();
                store
                    .save_credentials(user, "gmail", &oauth_credentials("connector"), None)
                    .await
                    .unwrap();
                store
                    .save_credentials(user, "smtp", &smtp_credentials("field-password"), None)
                    .await
                    .unwrap();

                // Access token into the refresh token column.
                sqlx::query(
                    "UPDATE user_connector_credentials SET refresh_token = access_token \
                     WHERE user_id = $1 AND connector_code = $2",
                )
                .bind(user)
                .bind("google_calendar")
                .execute(store.pool())
                .await
                .unwrap();
                assert_decrypt_error(
                    store.load_credentials(user, "google_calendar").await,
                    "refresh_token",
                );

                // One connector's tokens onto another connector's row.
                sqlx::query(
                    "UPDATE user_connector_credentials SET refresh_token = \
                        (SELECT refresh_token FROM user_connector_credentials \
                         WHERE user_id = $1 AND connector_code = 'google_calendar') \
                     WHERE user_id = $1 AND connector_code = 'gmail'",
                )
                .bind(user)
                .execute(store.pool())
                .await
                .unwrap();
                assert_decrypt_error(store.load_credentials(user, "gmail").await, "refresh_token");

                // A secret config field renamed inside extra_json.
                let (extra,): (String,) = sqlx::query_as(
                    "SELECT extra_json FROM user_connector_credentials \
                     WHERE user_id = $1 AND connector_code = 'smtp'",
                )
                .bind(user)
                .fetch_one(store.pool())
                .await
                .unwrap();
                let mut extra: serde_json::Value = serde_json::from_str(&extra).unwrap();
                let secrets = extra["secrets"].as_object_mut().unwrap();
                let sealed = secrets.remove("password").unwrap();
                secrets.insert("api_token".into(), sealed);
                sqlx::query(
                    "UPDATE user_connector_credentials SET extra_json = $2 \
                     WHERE user_id = $1 AND connector_code = 'smtp'",
                )
                .bind(user)
                .bind(extra.to_string())
                .execute(store.pool())
                .await
                .unwrap();
                assert_decrypt_error(
                    store.load_credentials(user, "smtp").await,
                    "extra_json.secrets.api_token",
                );
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn a_pkce_verifier_moved_to_another_state_does_not_decrypt() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = new_user(&store).await;
                let pending = |state_hash: &str| PendingAuthorization {
                    state_hash: state_hash.into(),
                    user_id: user,
                    connector_code: "google_calendar".into(),
                    pkce_verifier: Some(SecretString::from(format!("verifier-{state_hash}"))),
                    expires_at: seconds_from_now(600),
                };
                store.insert_pending_authorization(&pending("first")).await.unwrap();
                store.insert_pending_authorization(&pending("second")).await.unwrap();

                sqlx::query(
                    "UPDATE oauth_states SET pkce_verifier = \
                        (SELECT pkce_verifier FROM oauth_states WHERE state_hash = 'first') \
                     WHERE state_hash = 'second'",
                )
                .execute(store.pool())
                .await
                .unwrap();

                assert_decrypt_error(store.take_pending_authorization("second").await, "pkce_verifier");
                assert!(store.take_pending_authorization("first").await.unwrap().is_some());
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn rows_for_an_unknown_user_are_refused() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let stranger = Uuid::new_v4();

                let saved = store
                    .save_credentials(stranger, "google_calendar", &oauth_credentials("stranger"), None)
                    .await;
                let pending = store
                    .insert_pending_authorization(&PendingAuthorization {
                        state_hash: "stranger".into(),
                        user_id: stranger,
                        connector_code: "google_calendar".into(),
                        pkce_verifier: None,
                        expires_at: seconds_from_now(600),
                    })
                    .await;

                assert!(matches!(saved, Err(StoreError::UnknownUser)), "{saved:?}");
                assert!(matches!(pending, Err(StoreError::UnknownUser)), "{pending:?}");
                assert!(store.connector_states(stranger).await.unwrap().is_empty());
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn registering_a_user_twice_changes_nothing_and_stores_no_password() {
                // Arrange
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = Uuid::new_v4();

                // Act
                store.register_user(user, "ada@example.com").await.unwrap();
                let again = store.register_user(user, "ada.lovelace@example.com").await;

                // Assert
                assert!(again.is_ok(), "{again:?}");
                let rows: Vec<(Uuid, String, String)> =
                    sqlx::query_as("SELECT id, email, password_hash FROM users")
                        .fetch_all(store.pool())
                        .await
                        .unwrap();
                assert_eq!(rows, [(user, "ada@example.com".to_owned(), String::new())]);
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn a_registered_user_gets_credential_rows_and_pending_authorizations() {
                // Arrange
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = Uuid::new_v4();
                let before = store
                    .save_credentials(user, "google_calendar", &oauth_credentials("early"), None)
                    .await;
                assert!(matches!(before, Err(StoreError::UnknownUser)), "{before:?}");

                // Act
                store.register_user(user, "ada@example.com").await.unwrap();
                let saved = store
                    .save_credentials(user, "google_calendar", &oauth_credentials("1//ada"), None)
                    .await;
                let pending = store
                    .insert_pending_authorization(&PendingAuthorization {
                        state_hash: "ada-state".into(),
                        user_id: user,
                        connector_code: "google_calendar".into(),
                        pkce_verifier: None,
                        expires_at: seconds_from_now(600),
                    })
                    .await;

                // Assert
                assert!(saved.is_ok(), "{saved:?}");
                assert!(pending.is_ok(), "{pending:?}");
                let loaded = store
                    .load_credentials(user, "google_calendar")
                    .await
                    .unwrap()
                    .expect("the credentials of a registered user");
                assert_same_credentials(&loaded.credentials, &oauth_credentials("1//ada"));
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn an_email_registered_under_another_id_is_refused() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                store.register_user(Uuid::new_v4(), "ada@example.com").await.unwrap();

                let other = store.register_user(Uuid::new_v4(), "ada@example.com").await;

                assert!(matches!(other, Err(StoreError::Database(_))), "{other:?}");
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn migrate_leaves_the_applications_own_migrations_alone() {
                // Arrange: the application recorded its own migration 1001.
                let db = TestDb::new().await;
                let cipher = Cipher::generate();
                let store = $Store::connect(&db.url(), cipher.clone()).await.unwrap();
                sqlx::query(
                    "INSERT INTO _sqlx_migrations \
                        (version, description, success, checksum, execution_time) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(1001_i64)
                .bind("application sessions")
                .bind(true)
                .bind(vec![0_u8; 48])
                .bind(0_i64)
                .execute(store.pool())
                .await
                .unwrap();

                // Act
                let migrated = store.migrate().await;
                store.pool().close().await;
                let reopened = $Store::connect(&db.url(), cipher).await;

                // Assert
                assert!(migrated.is_ok(), "{migrated:?}");
                assert!(reopened.is_ok(), "{reopened:?}");
                reopened.unwrap().pool().close().await;
                db.finish().await;
            }

            /// Leases are timed by the database's clock (SPEC §8.17): the caller gives a
            /// lifetime, never a time, so a replica whose clock is off cannot end
            /// another's lease.
            #[tokio::test]
            async fn a_lease_ends_by_the_database_clock() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = new_user(&store).await;
                store
                    .save_credentials(user, "google_calendar", &oauth_credentials("clock"), None)
                    .await
                    .unwrap();

                let taken = store
                    .try_lease(
                        user,
                        "google_calendar",
                        Uuid::new_v4(),
                        std::time::Duration::from_secs(60),
                    )
                    .await
                    .unwrap();

                assert!(taken);
                let left_sql = format!(
                    "SELECT lease_until - {} FROM user_connector_credentials WHERE user_id = $1",
                    super::DATABASE_NOW
                );
                let (left,): (i64,) = sqlx::query_as(&left_sql)
                    .bind(user)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
                assert!((58..=60).contains(&left), "{left} s left by the database's clock");
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn only_one_of_many_concurrent_lease_attempts_wins() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = new_user(&store).await;
                store
                    .save_credentials(user, "google_calendar", &oauth_credentials("race"), None)
                    .await
                    .unwrap();

                let attempts = (0..16).map(|_| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .try_lease(user, "google_calendar", Uuid::new_v4(), crate::common::LEASE)
                            .await
                            .unwrap()
                    })
                });
                let mut winners = 0;
                for attempt in attempts.collect::<Vec<_>>() {
                    winners += usize::from(attempt.await.unwrap());
                }

                assert_eq!(winners, 1);
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn only_one_of_many_concurrent_swaps_of_a_version_wins() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = new_user(&store).await;
                let version = store
                    .save_credentials(user, "google_calendar", &oauth_credentials("race"), None)
                    .await
                    .unwrap();

                let swaps = (0..16).map(|i| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        let credentials = oauth_credentials(&format!("swap-{i}"));
                        store
                            .swap_credentials(user, "google_calendar", version, &credentials, &[])
                            .await
                            .unwrap()
                    })
                });
                let mut winners = Vec::new();
                for swap in swaps.collect::<Vec<_>>() {
                    winners.extend(swap.await.unwrap());
                }

                assert_eq!(winners.len(), 1);
                let stored = store.load_credentials(user, "google_calendar").await.unwrap();
                assert_eq!(stored.unwrap().version, winners[0]);
                store.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn deleting_a_user_deletes_their_rows() {
                let db = TestDb::new().await;
                let store = $Store::connect(&db.url(), Cipher::generate()).await.unwrap();
                let user = new_user(&store).await;
                store
                    .save_credentials(user, "google_calendar", &oauth_credentials("cascade"), None)
                    .await
                    .unwrap();

                sqlx::query("DELETE FROM users WHERE id = $1")
                    .bind(user)
                    .execute(store.pool())
                    .await
                    .unwrap();

                assert!(store.load_credentials(user, "google_calendar").await.unwrap().is_none());
                assert!(store.connector_states(user).await.unwrap().is_empty());
                store.pool().close().await;
                db.finish().await;
            }
        }
    };
}

pub(crate) use sql_store_tests;
