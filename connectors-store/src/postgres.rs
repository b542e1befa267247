use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use connectors_core::{CredentialsWatch, StoreError, UserId};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions, Postgres};

use crate::cipher::Cipher;
use crate::notices::Notices;
use crate::sealed::db_error;

/// How long a caller waiting on another replica's lease waits for a notification before
/// it reads the row anyway (see [`PgStore::with_change_poll`]).
const CHANGE_POLL: Duration = Duration::from_secs(1);
/// The connections of [`PgStore::connect`]'s pool for everything but refreshes.
const POOL_CONNECTIONS: u32 = 8;
/// The connections [`PgStore::connect`] reserves for refreshes (see
/// [`PgStore::with_refresh_pool`]).
const REFRESH_CONNECTIONS: u32 = 2;
/// How long a statement waits for a free connection before it fails.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a connection may sit idle in the pool and still be handed out unchecked
/// (see [`PgStore::pool_options`]).
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// How many connections [`PgStore::connect_with`] opens, at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSizes {
    /// For everything but refreshes (default 8).
    pub general: u32,
    /// Reserved for refreshes (default 2; see [`PgStore::with_refresh_pool`]), opened
    /// at connect and kept open: count them in the replica's connections.
    pub refreshes: u32,
}

impl Default for PoolSizes {
    fn default() -> Self {
        Self {
            general: POOL_CONNECTIONS,
            refreshes: REFRESH_CONNECTIONS,
        }
    }
}

/// A [`CredentialStore`](connectors_core::CredentialStore) in PostgreSQL, for several
/// replicas sharing one database: refresh leases and compare-and-swap writes happen in
/// SQL, so replicas coordinate through the rows themselves. A caller waiting on another
/// replica's refresh is woken by a notification (`LISTEN`, see
/// [`PgStore::listen_for_changes`]) rather than reading the row every few milliseconds.
/// A refresh's notification carries the new access token, sealed under the store's key
/// for that row and version: the waiters go on without reading the row again, and
/// whoever else can `NOTIFY` on the database can wake them but never hand them a token.
///
/// Cloning is cheap: clones share the pool and the listener.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The refresh lease, the swap of refreshed tokens and the reads of callers under
    /// way (see [`PgStore::with_refresh_pool`]).
    refreshes: PgPool,
    cipher: Cipher,
    notices: Arc<Notices>,
    change_poll: Duration,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host/database`) with up to ten
    /// connections, eight for everything and two reserved for refreshes (see
    /// [`PgStore::with_refresh_pool`]; those two are opened at once and kept open, their
    /// statements prepared), runs the migrations and checks the key (see
    /// [`PgStore::migrate`]), then listens for changes of credentials rows
    /// ([`PgStore::listen_for_changes`]; when that fails, the store polls instead).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the database cannot be reached, a migration fails, or the key
    /// does not decrypt what the database holds.
    pub async fn connect(url: &str, cipher: Cipher) -> Result<Self, StoreError> {
        Self::connect_with(url, cipher, PoolSizes::default()).await
    }

    /// [`PgStore::connect`] with pools of other sizes: for an application that opens a
    /// pool of its own beside the store's and keeps each replica's total under the
    /// server's `max_connections` divided by the replicas.
    ///
    /// # Errors
    ///
    /// As [`PgStore::connect`].
    pub async fn connect_with(
        url: &str,
        cipher: Cipher,
        sizes: PoolSizes,
    ) -> Result<Self, StoreError> {
        let pool = Self::pool_options()
            .max_connections(sizes.general)
            .connect(url)
            .await
            .map_err(db_error)?;
        let options = (*pool.connect_options()).clone();
        let mut store = Self::from_pool(pool, cipher);
        store.migrate().await?;
        // Opened now and kept open, with their statements prepared: a burst of expired
        // grants should not begin by opening connections and preparing statements.
        let refreshes = Self::pool_options()
            .max_connections(sizes.refreshes)
            .min_connections(sizes.refreshes)
            .after_connect(|connection, _| Box::pin(prepare_refresh_statements(connection)))
            .connect_with(options)
            .await
            .map_err(db_error)?;
        store = store.with_refresh_pool(refreshes);
        if let Err(error) = store.listen_for_changes().await {
            tracing::warn!(error = %error, "cannot listen for credentials changes; polling instead");
        }
        Ok(store)
    }

    /// The options of the store's pools, for an application's own pool beside them: a
    /// statement waits at most 5 s for a free connection, and a connection is checked
    /// with a round trip before it is handed out only when it has sat idle for over a
    /// second.
    ///
    /// sqlx checks every connection as it comes back to the pool; by default it checks
    /// it again before each use, which doubles the round trips on the path of a
    /// one-statement request (measured with `scripts/bench-storm-processes.sh`). A
    /// connection that sat idle longer and that the database dropped meanwhile is closed,
    /// and another one is handed out. One dropped within a second of its last use (a
    /// database restart under load) fails its next statement once, and is then closed.
    pub fn pool_options() -> PgPoolOptions {
        PgPoolOptions::new()
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
            .before_acquire(|connection, metadata| {
                Box::pin(async move {
                    if metadata.idle_for > CHECK_IDLE_AFTER {
                        // An error closes the connection; the pool hands out another.
                        sqlx::Connection::ping(connection).await?;
                    }
                    Ok(true)
                })
            })
    }

    /// A store over an existing pool, as it is: call [`PgStore::migrate`] before use, and
    /// [`PgStore::listen_for_changes`] for waits on other replicas' refreshes to end by
    /// notification rather than by polling. Refreshes use the same pool unless given
    /// one of their own ([`PgStore::with_refresh_pool`]).
    pub fn from_pool(pool: PgPool, cipher: Cipher) -> Self {
        Self {
            refreshes: pool.clone(),
            pool,
            notices: Arc::new(Notices::new(cipher.clone())),
            cipher,
            change_poll: CHANGE_POLL,
        }
    }

    /// Listens for changes of credentials rows (`LISTEN connectors_credentials`, on a
    /// connection of its own beside the pool's) until the last clone of the store is
    /// dropped, connecting again when the connection is lost; returns once listening.
    /// Idempotent. Until then, and while the connection is lost, a caller waiting on
    /// another replica's lease reads the row every
    /// [`CREDENTIALS_POLL`](connectors_core::CREDENTIALS_POLL).
    ///
    /// # Errors
    ///
    /// [`StoreError::Database`](connectors_core::StoreError::Database) when the
    /// connection or the `LISTEN` fails.
    pub async fn listen_for_changes(&self) -> Result<(), StoreError> {
        self.notices.listen(&self.pool).await
    }

    /// How long a caller waiting on another replica's lease waits for a notification
    /// before it reads the row anyway (default 1 s): notifications are hints, the row is
    /// the truth.
    pub fn with_change_poll(mut self, poll: Duration) -> Self {
        self.change_poll = poll;
        self
    }

    /// [`CredentialStore::watch_credentials`](connectors_core::CredentialStore::watch_credentials).
    fn watch_row(&self, user: UserId, connector: &str) -> CredentialsWatch {
        self.notices
            .watch((user, connector.to_owned()), self.change_poll)
    }

    /// Applies this crate's migrations (`migrations/postgres`), leaving alone the ones
    /// an application adds to the same `_sqlx_migrations` table (numbered from 1001),
    /// then checks the key: a new database stores a key check value, an existing one
    /// must open with this cipher or this fails with
    /// [`StoreError::WrongKey`](connectors_core::StoreError::WrongKey).
    ///
    /// # Errors
    ///
    /// [`StoreError::WrongKey`](connectors_core::StoreError::WrongKey) when the cipher
    /// does not open the stored key check, [`StoreError::Database`] when a migration
    /// or a statement fails.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let mut connection = self.pool.acquire().await.map_err(db_error)?;
        Self::migrate_on(&self.cipher, &mut connection).await
    }

    /// A transaction for writes (PostgreSQL's row locks need nothing more than `BEGIN`).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Postgres>, StoreError> {
        self.pool.begin().await.map_err(db_error)
    }

    /// The pool, for an application's own tables and for benchmarks.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Gives refreshes connections of their own: the lease, the swap of the refreshed
    /// tokens and the reads of callers already under way (those that waited for a
    /// refresh, see [`CredentialStore::reload_credentials`]) go through `pool`.
    ///
    /// In a burst of expired grants, one refresh unblocks every caller of its grant on
    /// every replica; in a single pool its three statements would each queue behind the
    /// first reads of every request that arrived meanwhile (measured with
    /// `scripts/bench-storm-processes.sh`: 8 replicas × 1,000 callers over 100 grants).
    ///
    /// [`CredentialStore::reload_credentials`]: connectors_core::CredentialStore::reload_credentials
    pub fn with_refresh_pool(mut self, pool: PgPool) -> Self {
        self.refreshes = pool;
        self
    }

    /// Where the statements of refreshes go (see [`PgStore::with_refresh_pool`]).
    fn lane(&self) -> &PgPool {
        &self.refreshes
    }
}

/// Prepares, on a connection of the refresh pool, the statements refreshes run there
/// (see [`PgStore::with_refresh_pool`]), with the types the store binds: the first
/// refreshes of a burst then skip the round trip of a `Parse`, and the connection's
/// backend has the tables' catalog entries loaded.
async fn prepare_refresh_statements(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    use sqlx::{Executor as _, Type};
    let uuid = <uuid::Uuid as Type<Postgres>>::type_info();
    let text = <String as Type<Postgres>>::type_info();
    let int8 = <i64 as Type<Postgres>>::type_info();
    let bytea = <Vec<u8> as Type<Postgres>>::type_info();
    let mut statements = vec![
        (
            CLOCK.load_credentials.as_str(),
            vec![uuid.clone(), text.clone()],
        ),
        (
            CLOCK.lease_credentials.as_str(),
            vec![uuid.clone(), text.clone(), uuid.clone(), int8.clone()],
        ),
        (
            crate::sql::RELEASE_LEASE,
            vec![uuid.clone(), text.clone(), uuid.clone()],
        ),
    ];
    if let Some(swap) = SWAP_WITH_EVENTS {
        #[rustfmt::skip]
        let types = vec![
            uuid.clone(), text.clone(), int8.clone(), text.clone(), bytea.clone(), bytea,
            int8.clone(), text.clone(), text.clone(), int8.clone(), int8, uuid, text.clone(),
        ];
        statements.push((swap, types));
    }
    if let Some(tell) = TELL_REFRESHED {
        statements.push((tell, vec![text]));
    }
    for (statement, types) in &statements {
        connection.prepare_with(statement, types).await?;
    }
    Ok(())
}

fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    migrator.set_ignore_missing(true);
    migrator
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore")
            .field("connections", &self.pool.size())
            .field("refresh_connections", &self.refreshes.size())
            .field("cipher", &self.cipher)
            .finish()
    }
}

/// The PostgreSQL server's clock, in whole unix seconds.
static CLOCK: std::sync::LazyLock<crate::sql::ClockStatements> = std::sync::LazyLock::new(|| {
    crate::sql::ClockStatements::new(&crate::sql::Dialect {
        now: "CAST(FLOOR(EXTRACT(EPOCH FROM statement_timestamp())) AS BIGINT)",
        type_in_json_array: "type IN (SELECT jsonb_array_elements_text(CAST($3 AS jsonb)))",
        skip_locked: "FOR UPDATE SKIP LOCKED",
        // `synchronous_commit` set for this statement's transaction only.
        lazy_commit: "AND set_config('synchronous_commit', 'off', true) = 'off'",
    })
});

/// `swap_credentials` in one statement: the swap, the connector marked active and the
/// events (`$13`, a JSON array of rows, see `event_rows`), written by data-modifying
/// `WITH` queries, which PostgreSQL runs atomically and all or nothing on the swap's
/// `RETURNING`: no transaction to open and commit, one round trip. The `UPDATE` and the
/// upsert are `SWAP_CREDENTIALS` and `MARK_REFRESHED` of `sql.rs`, word for word.
/// `quiet` keeps the trigger of migration `0006` from notifying in this transaction
/// (migration `0007`): the swap's notice follows its commit ([`TELL_REFRESHED`]).
/// The types of its parameters are listed again in `prepare_refresh_statements`: a
/// change of what `swap_credentials` binds changes both.
const SWAP_WITH_EVENTS: Option<&str> = Some(
    "\
    WITH swapped AS ( \
        UPDATE user_connector_credentials SET \
            provider = $4, access_token = $5, refresh_token = $6, expires_at = $7, \
            scopes = $8, extra_json = $9, version = version + 1, \
            lease_holder = NULL, lease_until = NULL, updated_at = $10, \
            refresh_token_expires_at = $11, \
            expiry_warned_at = CASE WHEN refresh_token_expires_at IS NOT DISTINCT FROM $11 \
                                    THEN expiry_warned_at ELSE NULL END, \
            refresh_failures = 0, retry_at = NULL, refreshable = TRUE \
        WHERE user_id = $1 AND connector_code = $2 AND version = $3 \
        RETURNING version), \
    marked AS ( \
        INSERT INTO user_connectors \
            (id, user_id, connector_code, connected, status, last_error, connected_at, \
             created_at, updated_at) \
        SELECT $12, $1, $2, TRUE, 'active', NULL, $10, $10, $10 FROM swapped \
        ON CONFLICT (user_id, connector_code) DO UPDATE SET \
            connected = TRUE, status = 'active', last_error = NULL, last_error_detail = NULL, \
            updated_at = excluded.updated_at), \
    recorded AS ( \
        INSERT INTO connector_events \
            (id, type, user_id, connector_code, created_at, data_json) \
        SELECT event.id, event.type, event.user_id, event.connector_code, \
               event.created_at, event.data_json \
        FROM swapped, jsonb_to_recordset(CAST($13 AS jsonb)) AS event \
            (id TEXT, type TEXT, user_id UUID, connector_code TEXT, created_at BIGINT, \
             data_json TEXT)), \
    quiet AS (SELECT set_config('connectors.notified', 'on', true) AS notified) \
    SELECT version FROM swapped, quiet",
);

/// The notice of a swap (`$1`, see `notices.rs`), sent on its own after the swap's
/// commit: its transaction holds the database-wide notification lock only for a moment,
/// as it does not wait for the disk (a notice lost in a crash is a hint lost; waiters
/// read the row at their fallback poll).
const TELL_REFRESHED: Option<&str> = Some(
    "SELECT pg_notify('connectors_credentials', $1) \
     WHERE set_config('synchronous_commit', 'off', true) = 'off'",
);

crate::sql::impl_sql_store!(PgStore, PgConnection);
crate::rotation::impl_key_rotation!(
    PgStore,
    sqlx::Postgres,
    "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'store_meta'"
);
