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

            fn key_ring(key: &SecretString) -> Cipher {
                use connectors_core::secrecy::ExposeSecret;
                Cipher::from_base64(key.expose_secret()).unwrap()
            }

            fn tokens(credentials: &connectors_core::Credentials) -> (Option<String>, Option<String>) {
                (
                    credentials.access_token.as_ref().map(|token| token.secret().to_owned()),
                    credentials.refresh_token.as_ref().map(|token| token.secret().to_owned()),
                )
            }

            /// Runs one whole re-encryption pass in batches of `limit`.
            async fn rotate(store: &$Store, limit: u32) -> connectors_store::ReencryptBatch {
                let mut cursor = connectors_store::ReencryptCursor::default();
                let mut total = connectors_store::ReencryptBatch::default();
                while !cursor.is_done() {
                    total.add(&store.reencrypt_batch(&mut cursor, limit).await.unwrap());
                }
                total
            }

            #[tokio::test]
            async fn rotation_seals_every_value_again_under_the_primary_key() {
                // Arrange: tokens, config secrets, a PKCE verifier and a queued
                // revocation, all under the old key.
                let db = TestDb::new().await;
                let old = Cipher::generate_key();
                let new = Cipher::generate_key();
                let store = $Store::connect(&db.url(), key_ring(&old)).await.unwrap();
                let users = [new_user(&store).await, new_user(&store).await, new_user(&store).await];
                let mut written = Vec::new();
                for (index, user) in users.iter().enumerate() {
                    let oauth = oauth_credentials(&format!("rotation-{index}"));
                    let smtp = smtp_credentials(&format!("password-{index}"));
                    store.save_credentials(*user, "google_calendar", &oauth, None).await.unwrap();
                    store.save_credentials(*user, "smtp", &smtp, None).await.unwrap();
                    written.push((*user, "google_calendar", oauth));
                    written.push((*user, "smtp", smtp));
                }
                let pending = PendingAuthorization {
                    state_hash: "ab".repeat(32),
                    user_id: users[0],
                    connector_code: "google_calendar".into(),
                    pkce_verifier: Some(SecretString::from("verifier-under-the-old-key")),
                    expires_at: seconds_from_now(600),
                };
                store.insert_pending_authorization(&pending).await.unwrap();
                let revocation = connectors_core::PendingRevocation {
                    id: Uuid::new_v4(),
                    user_id: users[1],
                    connector_code: "calendly".into(),
                    credentials: oauth_credentials("queued"),
                    attempts: 1,
                    next_attempt_at: seconds_from_now(-1),
                };
                store.save_credentials(users[1], "calendly", &revocation.credentials, None).await.unwrap();
                let event = connectors_core::Event::new(
                    connectors_core::EventType::Revoked,
                    users[1],
                    Some("calendly"),
                    serde_json::Map::new(),
                );
                let purge = connectors_core::Purge { event: &event, retry: Some(&revocation) };
                store.delete_credentials(users[1], "calendly", &purge).await.unwrap();
                store.pool().close().await;
                let rotated = $Store::connect(&db.url(), key_ring(&new).with_previous_key(key_ring(&old)))
                    .await
                    .unwrap();
                let old_id = key_ring(&old).key_id();
                let before = rotated.key_status().await.unwrap();
                // 3 users × (2 tokens + 1 SMTP password), 1 verifier, 2 queued tokens.
                assert_eq!(before.values_on(&old_id), 12, "{before:?}");
                assert_eq!(before.rows_on_old_keys()["user_connector_credentials"], 6);

                // Act: batches of 2 rows, and a second pass.
                let first = rotate(&rotated, 2).await;
                let second = rotate(&rotated, 2).await;

                // Assert
                assert_eq!(first.rows_reencrypted, 8, "{first:?}");
                assert_eq!(first.values_reencrypted, 12, "{first:?}");
                assert_eq!(second.rows_reencrypted, 0, "a second pass has nothing left: {second:?}");
                let after = rotated.key_status().await.unwrap();
                assert_eq!(after.values_on_old_keys(), 0, "{after:?}");
                assert_eq!(after.values_on(&key_ring(&new).key_id()), 13, "{after:?}");
                rotated.pool().close().await;
                let new_only = $Store::connect(&db.url(), key_ring(&new)).await.unwrap();
                for (user, connector, credentials) in &written {
                    let stored = new_only.load_credentials(*user, connector).await.unwrap().unwrap();
                    assert_same_credentials(&stored.credentials, credentials);
                }
                let taken = new_only.take_pending_authorization(&pending.state_hash).await.unwrap().unwrap();
                use connectors_core::secrecy::ExposeSecret;
                assert_eq!(taken.pkce_verifier.unwrap().expose_secret(), "verifier-under-the-old-key");
                let claimed = new_only.claim_revocations(Uuid::new_v4(), crate::common::LEASE, 10).await.unwrap();
                assert_eq!(claimed.len(), 1);
                assert_eq!(tokens(&claimed[0].credentials), tokens(&revocation.credentials));
                new_only.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn a_value_no_key_opens_is_counted_left_alone_and_reported_missing() {
                let db = TestDb::new().await;
                let lost = Cipher::generate_key();
                let kept = Cipher::generate_key();
                let store = $Store::connect(&db.url(), key_ring(&lost)).await.unwrap();
                let user = new_user(&store).await;
                store.save_credentials(user, "gmail", &oauth_credentials("lost"), None).await.unwrap();
                store.pool().close().await;
                // Opened once with both keys, the key check is sealed under `kept`;
                // then `lost` is gone, with a row still on it.
                let both = $Store::connect(&db.url(), key_ring(&kept).with_previous_key(key_ring(&lost))).await.unwrap();
                both.pool().close().await;
                let kept_only = $Store::connect(&db.url(), key_ring(&kept)).await.unwrap();

                let pass = rotate(&kept_only, 10).await;
                let status = kept_only.key_status().await.unwrap();

                assert_eq!(pass.rows_unreadable, 1, "{pass:?}");
                assert_eq!(pass.rows_reencrypted, 0, "{pass:?}");
                let lost_id = key_ring(&lost).key_id();
                assert_eq!(status.missing_key_ids(), [lost_id.as_str()]);
                assert_eq!(status.values_on(&lost_id), 2);
                kept_only.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn writes_made_while_a_rotation_runs_are_never_lost() {
                // Arrange: 200 rows under the old key.
                let db = TestDb::new().await;
                let old = Cipher::generate_key();
                let new = Cipher::generate_key();
                let store = $Store::connect(&db.url(), key_ring(&old)).await.unwrap();
                let user = new_user(&store).await;
                let connectors: Vec<String> = (0..200).map(|n| format!("connector_{n:03}")).collect();
                for connector in &connectors {
                    store.save_credentials(user, connector, &oauth_credentials("before"), None).await.unwrap();
                }
                store.pool().close().await;
                let rotated = $Store::connect(&db.url(), key_ring(&new).with_previous_key(key_ring(&old)))
                    .await
                    .unwrap();

                // Act: a writer rewrites every other row (some under the old key, as a
                // replica not yet given the new one would) while the rotation runs.
                let old_writer = $Store::connect(&db.url(), key_ring(&old).with_previous_key(key_ring(&new)))
                    .await
                    .unwrap();
                let writer = {
                    let connectors = connectors.clone();
                    let rotated = rotated.clone();
                    let old_writer = old_writer.clone();
                    tokio::spawn(async move {
                        for (index, connector) in connectors.iter().enumerate().step_by(2) {
                            let credentials = oauth_credentials(&format!("during-{index}"));
                            let store = if index % 4 == 0 { &old_writer } else { &rotated };
                            store.save_credentials(user, connector, &credentials, None).await.unwrap();
                        }
                    })
                };
                rotate(&rotated, 7).await;
                writer.await.unwrap();
                rotate(&rotated, 7).await;

                // Assert: every row holds its last write, and nothing is left on the
                // old key after the second pass.
                assert_eq!(rotated.key_status().await.unwrap().values_on_old_keys(), 0);
                for (index, connector) in connectors.iter().enumerate() {
                    let tag = if index % 2 == 0 { format!("during-{index}") } else { "before".to_owned() };
                    let stored = rotated.load_credentials(user, connector).await.unwrap().unwrap();
                    assert_eq!(tokens(&stored.credentials), tokens(&oauth_credentials(&tag)), "{connector}");
                }
                old_writer.pool().close().await;
                rotated.pool().close().await;
                db.finish().await;
            }

            #[tokio::test]
            async fn verify_key_changes_nothing_and_names_what_opens_the_key_check() {
                let db = TestDb::new().await;
                let old = Cipher::generate_key();
                let new = Cipher::generate_key();
                let store = $Store::connect(&db.url(), key_ring(&old)).await.unwrap();
                store.pool().close().await;

                let with_previous = $Store::connect(&db.url(), key_ring(&old)).await.unwrap();
                let as_previous = $Store::from_pool(
                    with_previous.pool().clone(),
                    key_ring(&new).with_previous_key(key_ring(&old)),
                );
                let stranger = $Store::from_pool(with_previous.pool().clone(), key_ring(&new));

                assert_eq!(with_previous.verify_key().await.unwrap(), connectors_store::KeyCheck::Primary);
                assert_eq!(as_previous.verify_key().await.unwrap(), connectors_store::KeyCheck::Previous);
                assert_eq!(
                    as_previous.verify_key().await.unwrap(),
                    connectors_store::KeyCheck::Previous,
                    "verifying does not seal the key check again"
                );
                assert!(matches!(stranger.verify_key().await, Err(StoreError::WrongKey)));
                with_previous.pool().close().await;
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
                // Built once: its expiries are "now" plus a while, to the second.
                let credentials = oauth_credentials("1//ada");
                let saved = store
                    .save_credentials(user, "google_calendar", &credentials, None)
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
                assert_same_credentials(&loaded.credentials, &credentials);
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
