use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use connectors_core::StoreError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    Sqlite, SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool,
    SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Connection as _;

use crate::cipher::Cipher;
use crate::sealed::db_error;

/// A [`CredentialStore`](connectors_core::CredentialStore) in a SQLite database: the
/// embedded default.
///
/// [`SqliteStore::connect`] opens the database in WAL mode with `synchronous=FULL`
/// (an acknowledged refresh-token rotation survives a crash), foreign keys on and a
/// five-second busy timeout. Cloning is cheap: clones share the pool.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    cipher: Cipher,
}

impl SqliteStore {
    /// Opens (creating it, and its parent directory, when missing) the database at
    /// `url` (`sqlite://data/connectors.db`, `sqlite:///abs/path.db`, `sqlite::memory:`),
    /// runs the migrations and checks the key (see [`SqliteStore::migrate`]).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the file cannot be created or opened, a migration fails, or
    /// the key does not decrypt what the database holds.
    pub async fn connect(url: &str, cipher: Cipher) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(db_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        create_parent_dir(options.get_filename())?;
        // The switch to WAL takes an exclusive lock that SQLite cannot wait for (no busy
        // timeout applies), so a second connection opening at the same moment fails with
        // "database is locked". Create, switch, migrate and check the key on one
        // connection first; the pool's connections then find the database in WAL mode.
        let mut first = SqliteConnection::connect_with(&options)
            .await
            .map_err(db_error)?;
        Self::migrate_on(&cipher, &mut first).await?;
        // SQLite connections are cheap to keep and an in-memory database lives only as
        // long as one of them: keep them, with their statement caches, for good. A
        // local file never drops a connection, so no ping before each use.
        let pool = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(db_error)?;
        // Closed only now: an in-memory database (shared by the pool's connections)
        // lives as long as one connection to it is open.
        first.close().await.map_err(db_error)?;
        Ok(Self::from_pool(pool, cipher))
    }

    /// A store over an existing pool, as it is: call [`SqliteStore::migrate`] before
    /// use. The pool should have been opened with foreign keys on (sqlx's default),
    /// and WAL with `synchronous=FULL` for durability. A new database file is best
    /// switched to WAL before the pool opens more than one connection (see
    /// [`SqliteStore::connect`]).
    pub fn from_pool(pool: SqlitePool, cipher: Cipher) -> Self {
        Self { pool, cipher }
    }

    /// Applies this crate's migrations (`migrations/sqlite`), leaving alone the ones an
    /// application adds to the same `_sqlx_migrations` table (numbered from 1001), then
    /// checks the key, on one connection of the pool: a new database stores a key
    /// check value, an existing one must open with this cipher.
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

    /// A transaction that takes the write lock at `BEGIN` (`BEGIN IMMEDIATE`), so it
    /// waits on the busy timeout for other writers. A deferred transaction that reads
    /// first and writes later would instead fail at once with `SQLITE_BUSY` when
    /// another connection wrote in between.
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Sqlite>, StoreError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(db_error)
    }

    /// Where the statements of refreshes go: SQLite has one pool for all.
    fn lane(&self) -> &SqlitePool {
        &self.pool
    }

    /// The pool, for an application's own tables and for benchmarks.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// [`CredentialStore::watch_credentials`](connectors_core::CredentialStore::watch_credentials):
    /// SQLite tells of no change, so a waiter reads the row again after
    /// [`CREDENTIALS_POLL`](connectors_core::CREDENTIALS_POLL).
    fn watch_row(
        &self,
        _user: connectors_core::UserId,
        _connector: &str,
    ) -> connectors_core::CredentialsWatch {
        connectors_core::credentials_poll()
    }
}

fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.set_ignore_missing(true);
    migrator
}

fn create_parent_dir(database: &Path) -> Result<(), StoreError> {
    match database.parent() {
        Some(parent) if !parent.as_os_str().is_empty() && !parent.exists() => {
            std::fs::create_dir_all(parent).map_err(|error| StoreError::Database(Box::new(error)))
        }
        _ => Ok(()),
    }
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("connections", &self.pool.size())
            .field("cipher", &self.cipher)
            .finish()
    }
}

/// SQLite's clock: `'now'` is fixed for the length of one statement.
static CLOCK: std::sync::LazyLock<crate::sql::ClockStatements> = std::sync::LazyLock::new(|| {
    crate::sql::ClockStatements::new(&crate::sql::Dialect {
        now: "CAST(strftime('%s', 'now') AS INTEGER)",
        type_in_json_array: "type IN (SELECT value FROM json_each($3))",
        // One writer at a time: SQLite has no row locks to skip.
        skip_locked: "",
        lazy_commit: "",
    })
});

/// SQLite has no data-modifying `WITH`: `swap_credentials` is a transaction.
const SWAP_WITH_EVENTS: Option<&str> = None;
const TELL_REFRESHED: Option<&str> = None;

crate::sql::impl_sql_store!(SqliteStore, SqliteConnection);
crate::rotation::impl_key_rotation!(
    SqliteStore,
    sqlx::Sqlite,
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'store_meta'"
);
