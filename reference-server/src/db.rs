//! The server's database: the credential store of `connectors-store` (SQLite or
//! PostgreSQL) plus the server's own tables (users in [`crate::users`], sessions,
//! projects, files): through the store's pool on SQLite (one writer), through a pool
//! of their own on PostgreSQL ([`APP_CONNECTIONS`]).

use std::sync::Arc;

use connectors_core::{CredentialStore, StoreError, UserId};
use connectors_store::{
    Cipher, KeyCheck, KeyStatus, PgStore, PoolSizes, ReencryptBatch, ReencryptCursor, SqliteStore,
};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// The database behind the server.
#[derive(Debug, Clone)]
pub enum Database {
    /// The embedded default.
    Sqlite(Arc<SqliteStore>),
    /// For deployments with several replicas.
    Postgres {
        /// The credential store.
        store: Arc<PgStore>,
        /// The server's own tables.
        app: sqlx::PgPool,
    },
}

/// The connections of the credential store's pools on PostgreSQL. With
/// [`APP_CONNECTIONS`] and the store's listener, each replica opens 11 at most, as the
/// store alone does by default: eight replicas stay under PostgreSQL's default
/// `max_connections` of 100.
const STORE_CONNECTIONS: PoolSizes = PoolSizes {
    general: 5,
    refreshes: 2,
};

/// The connections of the server's own tables on PostgreSQL: sessions are looked up
/// there, so that a burst of new requests does not queue ahead of the credentials
/// reads of the requests already authenticated (the store's pools are first in,
/// first out).
pub const APP_CONNECTIONS: u32 = 3;

/// Runs the same SQL on whichever pool the database has.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Database::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
            Database::Postgres { app, .. } => {
                let $pool = app;
                $body
            }
        }
    };
}
pub(crate) use on_pool;

/// A project of a user.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Project {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Creation time, unix seconds.
    #[serde(skip)]
    pub created_at: i64,
}

/// Metadata of an uploaded file.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FileRecord {
    /// Id.
    pub id: Uuid,
    /// The name it was uploaded with.
    pub filename: String,
    /// Its content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// Upload time, unix seconds.
    #[serde(skip)]
    pub created_at: i64,
}

/// A failure of the server's database: of its own tables (users, sessions, projects,
/// files, their migrations), or of the credential store they share the pool with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// A query on the server's own tables failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A migration of the server's own tables failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The credential store failed (its connection, migrations or key check).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Database {
    /// Connects (creating a SQLite file when needed), runs every migration and checks
    /// the encryption key.
    pub async fn connect(url: &str, cipher: Cipher) -> Result<Self, DbError> {
        let database = if url.starts_with("sqlite:") {
            Self::Sqlite(Arc::new(SqliteStore::connect(url, cipher).await?))
        } else {
            let store = PgStore::connect_with(url, cipher, STORE_CONNECTIONS).await?;
            let app = PgStore::pool_options()
                .max_connections(APP_CONNECTIONS)
                .connect_lazy_with((*store.pool().connect_options()).clone());
            Self::Postgres {
                store: Arc::new(store),
                app,
            }
        };
        database.migrate_app_tables().await?;
        Ok(database)
    }

    /// Whether `url` names a SQLite file that does not exist yet (connecting would
    /// create it). A PostgreSQL database is never missing here: connecting to one that
    /// does not exist fails on its own.
    pub fn is_missing(url: &str) -> bool {
        use std::str::FromStr as _;
        if !url.starts_with("sqlite:") {
            return false;
        }
        sqlx::sqlite::SqliteConnectOptions::from_str(url).is_ok_and(|options| {
            let path = options.get_filename();
            path != std::path::Path::new(":memory:") && !path.exists()
        })
    }

    /// Opens the database at `url` as it is, without creating, migrating or checking
    /// anything (a SQLite file is opened read-only); `None` when it
    /// [is missing](Database::is_missing).
    pub async fn open_existing(url: &str, cipher: Cipher) -> Result<Option<Self>, DbError> {
        if Self::is_missing(url) {
            return Ok(None);
        }
        if url.starts_with("sqlite:") {
            use std::str::FromStr as _;
            let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?.read_only(true);
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options)
                .await?;
            return Ok(Some(Self::Sqlite(Arc::new(SqliteStore::from_pool(
                pool, cipher,
            )))));
        }
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .connect(url)
            .await?;
        Ok(Some(Self::Postgres {
            store: Arc::new(PgStore::from_pool(pool.clone(), cipher)),
            app: pool,
        }))
    }

    /// `SQLite` or `PostgreSQL`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "SQLite",
            Self::Postgres { .. } => "PostgreSQL",
        }
    }

    /// Whether the key opens the database's key check, changing nothing.
    pub async fn verify_key(&self) -> Result<KeyCheck, DbError> {
        Ok(match self {
            Self::Sqlite(store) => store.verify_key().await,
            Self::Postgres { store, .. } => store.verify_key().await,
        }?)
    }

    /// Which key seals each stored value.
    pub async fn key_status(&self) -> Result<KeyStatus, DbError> {
        Ok(match self {
            Self::Sqlite(store) => store.key_status().await,
            Self::Postgres { store, .. } => store.key_status().await,
        }?)
    }

    /// Re-encrypts the next batch of a rotation pass (see
    /// [`SqliteStore::reencrypt_batch`]).
    pub async fn reencrypt_batch(
        &self,
        cursor: &mut ReencryptCursor,
        limit: u32,
    ) -> Result<ReencryptBatch, DbError> {
        Ok(match self {
            Self::Sqlite(store) => store.reencrypt_batch(cursor, limit).await,
            Self::Postgres { store, .. } => store.reencrypt_batch(cursor, limit).await,
        }?)
    }

    async fn migrate_app_tables(&self) -> Result<(), DbError> {
        let migrated = match self {
            Self::Sqlite(store) => {
                let mut migrator = sqlx::migrate!("./migrations/sqlite");
                migrator.set_ignore_missing(true);
                migrator.run(store.pool()).await
            }
            Self::Postgres { app, .. } => {
                let mut migrator = sqlx::migrate!("./migrations/postgres");
                migrator.set_ignore_missing(true);
                migrator.run(app).await
            }
        };
        Ok(migrated?)
    }

    /// The credential store, for `ConnectorAuthService`.
    pub fn credential_store(&self) -> Arc<dyn CredentialStore> {
        match self {
            Self::Sqlite(store) => store.clone(),
            Self::Postgres { store, .. } => store.clone(),
        }
    }

    /// Stores a session by the hash of its token.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        expires_at: OffsetDateTime,
    ) -> Result<(), DbError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user)
        .bind(now)
        .bind(expires_at.unix_timestamp())
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(DbError::from))?;
        Ok(())
    }

    /// The user and expiry (unix seconds) of an unexpired session: one indexed read.
    pub async fn session(&self, token_hash: &str) -> Result<Option<(UserId, i64)>, DbError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        on_pool!(self, pool => sqlx::query_as::<_, (Uuid, i64)>(
            "SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await
        .map_err(DbError::from))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), DbError> {
        on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await
            .map(|_| ())
            .map_err(DbError::from))?;
        Ok(())
    }

    /// Deletes expired sessions.
    pub async fn purge_expired_sessions(&self) -> Result<u64, DbError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let done = on_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await
            .map_err(DbError::from)
            .map(|done| done.rows_affected()))?;
        Ok(done)
    }

    /// Creates a project.
    pub async fn create_project(
        &self,
        user: UserId,
        name: &str,
        description: Option<&str>,
    ) -> Result<Project, DbError> {
        let project = Project {
            id: Uuid::new_v4(),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            created_at: OffsetDateTime::now_utc().unix_timestamp(),
        };
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO projects (id, user_id, name, description, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(project.id)
        .bind(user)
        .bind(&project.name)
        .bind(&project.description)
        .bind(project.created_at)
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(DbError::from))?;
        Ok(project)
    }

    /// The user's projects, newest first.
    pub async fn list_projects(&self, user: UserId) -> Result<Vec<Project>, DbError> {
        on_pool!(self, pool => sqlx::query_as::<_, Project>(
            "SELECT id, name, description, created_at FROM projects WHERE user_id = $1 ORDER BY created_at DESC, name",
        )
        .bind(user)
        .fetch_all(pool)
        .await
        .map_err(DbError::from))
    }

    /// Records an uploaded file.
    pub async fn create_file(&self, user: UserId, file: &FileRecord) -> Result<(), DbError> {
        on_pool!(self, pool => sqlx::query(
            "INSERT INTO files (id, user_id, filename, content_type, size, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(file.id)
        .bind(user)
        .bind(&file.filename)
        .bind(&file.content_type)
        .bind(file.size)
        .bind(file.created_at)
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(DbError::from))?;
        Ok(())
    }

    /// The user's files, newest first.
    pub async fn list_files(&self, user: UserId) -> Result<Vec<FileRecord>, DbError> {
        on_pool!(self, pool => sqlx::query_as::<_, FileRecord>(
            "SELECT id, filename, content_type, size, created_at FROM files WHERE user_id = $1 ORDER BY created_at DESC, filename",
        )
        .bind(user)
        .fetch_all(pool)
        .await
        .map_err(DbError::from))
    }

    /// One of the user's files.
    pub async fn file(&self, user: UserId, id: Uuid) -> Result<Option<FileRecord>, DbError> {
        on_pool!(self, pool => sqlx::query_as::<_, FileRecord>(
            "SELECT id, filename, content_type, size, created_at FROM files WHERE user_id = $1 AND id = $2",
        )
        .bind(user)
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(DbError::from))
    }

    /// Whether any user has a file with this id.
    pub async fn file_exists(&self, id: Uuid) -> Result<bool, DbError> {
        on_pool!(self, pool => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM files WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .map(|count| count > 0)
            .map_err(DbError::from))
    }

    /// `SELECT 1`, for readiness.
    pub async fn ping(&self) -> Result<(), DbError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()).map_err(DbError::from))?;
        Ok(())
    }
}
