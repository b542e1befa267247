//! Credential stores for [`connectors_core`]: where a user's tokens and config secrets
//! live, encrypted at rest.
//!
//! - [`SqliteStore`] (feature `sqlite`): the embedded default, one file in WAL mode with
//!   `synchronous=FULL`.
//! - [`PgStore`] (feature `postgres`): for several replicas sharing one database.
//! - [`MemoryStore`]: in memory, for tests and examples.
//! - [`Cipher`]: AES-256-GCM with key ids for rotation; the SQL stores seal every token
//!   and every secret config field with it, bound to its table, user, connector and
//!   column.
//! - `register_user` on the SQL stores: your application keeps its own users; it
//!   mirrors each user's id (and email) into the `users` table that every credential
//!   row refers to, with no password.
//!
//! All three implement [`CredentialStore`](connectors_core::CredentialStore): hand one to
//! [`ConnectorAuthService`](connectors_core::ConnectorAuthService) as an
//! `Arc<dyn CredentialStore>`.
//!
//! # Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use connectors_core::{CredentialStore, UserId};
//! use connectors_store::{Cipher, SqliteStore};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Base64 of 32 bytes, from a key file or the environment (a library never reads
//! // it itself); `Cipher::generate_key()` makes one.
//! let key = std::env::var("CONNECTORS_ENCRYPTION_KEY")?;
//! let cipher = Cipher::from_base64(&key)?;
//! // Creates `data/` and the database when missing, migrates, and refuses a key that
//! // does not open this database's key check (`StoreError::WrongKey`).
//! let store = SqliteStore::connect("sqlite://data/connectors.db", cipher).await?;
//! // Your application keeps its users; mirror each one into the table the
//! // credential rows refer to (no password is stored).
//! let user: UserId = uuid::Uuid::new_v4();
//! store.register_user(user, "ada@example.com").await?;
//!
//! let store: Arc<dyn CredentialStore> = Arc::new(store);
//! let states = store.connector_states(user).await?;
//! # Ok(()) }
//! ```
//!
//! # What is stored
//!
//! The migrations (`migrations/sqlite`, `migrations/postgres`, versions `0001`–`0005`)
//! create `users`, `user_connectors`, `user_connector_credentials`, `oauth_states`,
//! `store_meta`, `connector_events` (the outbox, with each event's webhook delivery
//! state, indexed for the delivery queue) and `pending_revocations` (`0005`: each
//! connector's `last_error_detail`); PostgreSQL's `0006` adds the trigger that notifies `connectors_credentials` of a credentials row's
//! new version, released lease or deletion (waiters on another replica's refresh listen
//! for it), and `0007` keeps it quiet for a refresh's swap, which tells its waiters
//! itself after its commit. `migrate()` ignores migrations it does not know, so an
//! application can add its own to the same `_sqlx_migrations` table, numbered from 1001.
//!
//! - Ids are UUIDs; timestamps are unix seconds (`BIGINT`), so sub-second precision of
//!   `expires_at` and lease times is dropped.
//! - `access_token`, `refresh_token` and `oauth_states.pkce_verifier` hold ciphertexts
//!   ([`Cipher`] describes their layout).
//! - `scopes` is space-separated.
//! - `extra_json` is `{"public": {…}, "secrets": {"<field>": "<base64 ciphertext>"}}`:
//!   [`Credentials::public`](connectors_core::Credentials::public) in clear, each of
//!   [`Credentials::secrets`](connectors_core::Credentials::secrets) sealed on its own
//!   with the associated data naming the field `extra_json.secrets.<field>`.
//! - `version` changes with every write of the credentials: a newly inserted row starts
//!   at the current time in microseconds and each write adds one, so versions are
//!   opaque, only ever grow, and never repeat after a delete.
//! - `store_meta` holds the key check: a known value sealed with the primary key.
//!
//! # Key rotation
//!
//! Make the new key the primary and keep the old one for reading
//! ([`Cipher::with_previous_key`]); new writes then use the new key. To retire the old
//! one, seal everything again under the primary: `reencrypt_batch` rewrites a batch of
//! rows at a time, each rewrite conditional on its row being unchanged since it was
//! read, so it runs while the store is in use; `key_status` counts the values each
//! key id still seals. Nothing records progress: a pass stopped half-way is resumed by
//! running a new one. A key may go once `key_status` counts nothing on it.
//!
//! ```no_run
//! use connectors_store::{Cipher, ReencryptCursor, SqliteStore};
//! # async fn run(new_key: &str, old_key: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let old = Cipher::from_base64(old_key)?;
//! let cipher = Cipher::from_base64(new_key)?.with_previous_key(old.clone());
//! let store = SqliteStore::connect("sqlite://data/connectors.db", cipher).await?;
//! let mut cursor = ReencryptCursor::default();
//! while !cursor.is_done() {
//!     let batch = store.reencrypt_batch(&mut cursor, 500).await?;
//!     println!("{} rows sealed again", batch.rows_reencrypted);
//! }
//! assert_eq!(store.key_status().await?.values_on(&old.key_id()), 0);
//! # Ok(()) }
//! ```

#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod cipher;
mod error;
#[cfg(feature = "postgres")]
mod notices;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod rotation;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sealed;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use cipher::Cipher;
#[cfg(feature = "memory")]
pub use connectors_core::MemoryStore;
pub use error::{Error, Result};
#[cfg(feature = "postgres")]
pub use postgres::{PgStore, PoolSizes};
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use rotation::{KeyCheck, KeyStatus, KeyUsage, ReencryptBatch, ReencryptCursor};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

pub use connectors_core;
pub use secrecy;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sqlx;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
