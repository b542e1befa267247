//! The SQL of both stores, written once: SQLite and PostgreSQL accept the same
//! statements (`$n` placeholders, `ON CONFLICT … DO UPDATE`, `RETURNING`, `TRUE`), and
//! sqlx gives both the same Rust types, so [`impl_sql_store!`] writes one
//! implementation per pool type from the same text.

/// The `password_hash` column predates the users' move to the application: it stays
/// (applied migrations never change) and gets an empty string.
pub(crate) const REGISTER_USER: &str = "\
    INSERT INTO users (id, email, password_hash, created_at, updated_at) \
    VALUES ($1, $2, '', $3, $3) ON CONFLICT (id) DO NOTHING";

pub(crate) const INSERT_KEY_CHECK: &str = "\
    INSERT INTO store_meta (key, value, updated_at) VALUES ($1, $2, $3) \
    ON CONFLICT (key) DO NOTHING";

pub(crate) const SELECT_KEY_CHECK: &str = "SELECT value FROM store_meta WHERE key = $1";

pub(crate) const UPDATE_KEY_CHECK: &str = "\
    UPDATE store_meta SET value = $2, updated_at = $3 WHERE key = $1";

pub(crate) const DELETE_EXPIRED_STATES: &str = "DELETE FROM oauth_states WHERE expires_at < $1";

pub(crate) const INSERT_STATE: &str = "\
    INSERT INTO oauth_states \
        (state_hash, user_id, connector_code, pkce_verifier, expires_at, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const TAKE_STATE: &str = "\
    DELETE FROM oauth_states WHERE state_hash = $1 \
    RETURNING user_id, connector_code, pkce_verifier, expires_at";

/// The row, with the holder of its lease when the lease is live.
const LOAD_CREDENTIALS: &str = "\
    SELECT provider, access_token, refresh_token, expires_at, scopes, extra_json, version, \
           refresh_token_expires_at, refresh_failures, retry_at, refreshable, \
           CASE WHEN lease_until > {now} THEN lease_holder END AS lease_holder \
    FROM user_connector_credentials WHERE user_id = $1 AND connector_code = $2";

pub(crate) const UPSERT_CREDENTIALS: &str = "\
    INSERT INTO user_connector_credentials \
        (id, user_id, connector_code, provider, access_token, refresh_token, expires_at, \
         scopes, extra_json, version, created_at, updated_at, refresh_token_expires_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) \
    ON CONFLICT (user_id, connector_code) DO UPDATE SET \
        provider = excluded.provider, \
        access_token = excluded.access_token, \
        refresh_token = excluded.refresh_token, \
        expires_at = excluded.expires_at, \
        scopes = excluded.scopes, \
        extra_json = excluded.extra_json, \
        version = user_connector_credentials.version + 1, \
        lease_holder = NULL, \
        lease_until = NULL, \
        updated_at = excluded.updated_at, \
        refresh_token_expires_at = excluded.refresh_token_expires_at, \
        expiry_warned_at = NULL, \
        refresh_failures = 0, \
        retry_at = NULL, \
        refreshable = TRUE \
    RETURNING version";

pub(crate) const SWAP_CREDENTIALS: &str = "\
    UPDATE user_connector_credentials SET \
        provider = $4, access_token = $5, refresh_token = $6, expires_at = $7, \
        scopes = $8, extra_json = $9, version = version + 1, \
        lease_holder = NULL, lease_until = NULL, updated_at = $10, \
        refresh_token_expires_at = $11, \
        expiry_warned_at = CASE WHEN refresh_token_expires_at IS NOT DISTINCT FROM $11 \
                                THEN expiry_warned_at ELSE NULL END, \
        refresh_failures = 0, retry_at = NULL, refreshable = TRUE \
    WHERE user_id = $1 AND connector_code = $2 AND version = $3 \
    RETURNING version";

/// After a new authorization: connected, active, connected now.
pub(crate) const CONNECT: &str = "\
    INSERT INTO user_connectors \
        (id, user_id, connector_code, connected, status, last_error, connected_at, \
         created_at, updated_at) \
    VALUES ($1, $2, $3, TRUE, 'active', NULL, $4, $4, $4) \
    ON CONFLICT (user_id, connector_code) DO UPDATE SET \
        connected = TRUE, status = 'active', last_error = NULL, last_error_detail = NULL, \
        connected_at = excluded.connected_at, updated_at = excluded.updated_at";

/// After a refresh: active again, `connected_at` kept.
pub(crate) const MARK_REFRESHED: &str = "\
    INSERT INTO user_connectors \
        (id, user_id, connector_code, connected, status, last_error, connected_at, \
         created_at, updated_at) \
    VALUES ($1, $2, $3, TRUE, 'active', NULL, $4, $4, $4) \
    ON CONFLICT (user_id, connector_code) DO UPDATE SET \
        connected = TRUE, status = 'active', last_error = NULL, last_error_detail = NULL, \
        updated_at = excluded.updated_at";

/// `{now}` is the database's clock in unix seconds (see [`ClockStatements`]); `$4` the
/// lease's lifetime in seconds. A lease ending this very second is over. `{lazy_commit}`
/// commits the lease without waiting for it to be on disk (see [`Dialect::lazy_commit`]).
const TRY_LEASE: &str = "\
    UPDATE user_connector_credentials SET lease_holder = $3, lease_until = {now} + $4 \
    WHERE user_id = $1 AND connector_code = $2 \
      AND (lease_until IS NULL OR lease_until <= {now} OR lease_holder = $3) {lazy_commit}";

/// [`TRY_LEASE`], returning the row as [`LOAD_CREDENTIALS`] reads it.
const LEASE_CREDENTIALS: &str = "\
    UPDATE user_connector_credentials SET lease_holder = $3, lease_until = {now} + $4 \
    WHERE user_id = $1 AND connector_code = $2 \
      AND (lease_until IS NULL OR lease_until <= {now} OR lease_holder = $3) {lazy_commit} \
    RETURNING provider, access_token, refresh_token, expires_at, scopes, extra_json, version, \
           refresh_token_expires_at, refresh_failures, retry_at, refreshable, lease_holder";

pub(crate) const RELEASE_LEASE: &str = "\
    UPDATE user_connector_credentials SET lease_holder = NULL, lease_until = NULL \
    WHERE user_id = $1 AND connector_code = $2 AND lease_holder = $3";

/// Status and last error only: a connector that needs re-authorization keeps its
/// credentials, and stays `connected` while it has them.
pub(crate) const SET_STATUS: &str = "\
    INSERT INTO user_connectors \
        (id, user_id, connector_code, connected, status, last_error, last_error_detail, \
         connected_at, created_at, updated_at) \
    VALUES ($1, $2, $3, \
        EXISTS (SELECT 1 FROM user_connector_credentials \
                WHERE user_id = $2 AND connector_code = $3), \
        $4, $5, $6, NULL, $7, $7) \
    ON CONFLICT (user_id, connector_code) DO UPDATE SET \
        status = excluded.status, last_error = excluded.last_error, \
        last_error_detail = excluded.last_error_detail, updated_at = excluded.updated_at";

/// A grant the provider refused for good is not refreshable until new credentials.
pub(crate) const SET_REFRESHABLE: &str = "\
    UPDATE user_connector_credentials SET refreshable = $3 \
    WHERE user_id = $1 AND connector_code = $2";

/// A transient refresh failure: counted, backing off, lease released.
pub(crate) const RECORD_REFRESH_FAILURE: &str = "\
    UPDATE user_connector_credentials SET refresh_failures = $3, retry_at = $4, \
        lease_holder = NULL, lease_until = NULL \
    WHERE user_id = $1 AND connector_code = $2";

/// The background worker's due grants. Each side of the `OR` is a range of one of
/// the partial indexes `credentials_refresh_due` and `credentials_keepalive_due`,
/// whose condition the first line repeats word for word (SQLite uses a partial index
/// only for a query that states its condition).
pub(crate) const DUE_REFRESHES: &str = "\
    SELECT user_id, connector_code, version FROM user_connector_credentials \
    WHERE refreshable = TRUE AND refresh_token IS NOT NULL \
      AND (expires_at <= $1 OR updated_at <= $2) \
      AND (retry_at IS NULL OR retry_at <= $3) \
      AND (lease_until IS NULL OR lease_until <= $3) \
    LIMIT $4";

/// Refresh tokens expiring by `$1` not warned about, from `credentials_expiry_unwarned`.
pub(crate) const EXPIRING_GRANTS: &str = "\
    SELECT user_id, connector_code, refresh_token_expires_at FROM user_connector_credentials \
    WHERE expiry_warned_at IS NULL AND refresh_token_expires_at IS NOT NULL \
      AND refresh_token_expires_at <= $1 \
    ORDER BY refresh_token_expires_at \
    LIMIT $2";

pub(crate) const MARK_EXPIRY_WARNED: &str = "\
    UPDATE user_connector_credentials SET expiry_warned_at = $3 \
    WHERE user_id = $1 AND connector_code = $2 AND expiry_warned_at IS NULL";

pub(crate) const DELETE_CREDENTIALS: &str = "\
    DELETE FROM user_connector_credentials WHERE user_id = $1 AND connector_code = $2";

pub(crate) const DISCONNECT: &str = "\
    INSERT INTO user_connectors \
        (id, user_id, connector_code, connected, status, last_error, connected_at, \
         created_at, updated_at) \
    VALUES ($1, $2, $3, FALSE, 'inactive', NULL, NULL, $4, $4) \
    ON CONFLICT (user_id, connector_code) DO UPDATE SET \
        connected = FALSE, status = 'inactive', last_error = NULL, last_error_detail = NULL, \
        updated_at = excluded.updated_at";

/// Never selects a token or `extra_json`'s secrets' plaintext (there is none to select:
/// only the public part of `extra_json` is read from it).
pub(crate) const CONNECTOR_STATES: &str = "\
    SELECT uc.connector_code, uc.connected, uc.status, uc.last_error, uc.last_error_detail, \
           uc.connected_at, c.expires_at, c.scopes, c.extra_json, \
           c.refresh_failures, c.retry_at, c.refreshable \
    FROM user_connectors uc \
    LEFT JOIN user_connector_credentials c \
        ON c.user_id = uc.user_id AND c.connector_code = uc.connector_code \
    WHERE uc.user_id = $1 \
    ORDER BY uc.connector_code";

pub(crate) const INSERT_EVENT: &str = "\
    INSERT INTO connector_events (id, type, user_id, connector_code, created_at, data_json) \
    VALUES ($1, $2, $3, $4, $5, $6)";

pub(crate) const EVENT_EXISTS: &str = "\
    SELECT 1 FROM connector_events WHERE id = $1 AND user_id = $2";

/// Newest first; `$2` filters by connector, `$3` pages before an event id.
pub(crate) const SELECT_EVENTS: &str = "\
    SELECT id, type, user_id, connector_code, created_at, data_json \
    FROM connector_events \
    WHERE user_id = $1 \
      AND ($2 IS NULL OR connector_code = $2) \
      AND ($3 IS NULL OR seq < (SELECT seq FROM connector_events WHERE id = $3 AND user_id = $1)) \
    ORDER BY seq DESC \
    LIMIT $4";

pub(crate) const INSERT_REVOCATION: &str = "\
    INSERT INTO pending_revocations \
        (id, user_id, connector_code, provider, access_token, refresh_token, expires_at, \
         attempts, next_attempt_at, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Leases due, unleased revocations. The lease condition is repeated outside the
/// sub-select so that a concurrent claimer (PostgreSQL re-checks the outer condition
/// on the row it waited for) skips a row another replica just took.
const CLAIM_REVOCATIONS: &str = "\
    UPDATE pending_revocations SET lease_holder = $1, lease_until = {now} + $2 \
    WHERE id IN ( \
        SELECT id FROM pending_revocations \
        WHERE next_attempt_at <= {now} AND (lease_until IS NULL OR lease_until <= {now}) \
        ORDER BY next_attempt_at LIMIT $3) \
      AND (lease_until IS NULL OR lease_until <= {now}) \
    RETURNING id, user_id, connector_code, provider, access_token, refresh_token, \
        expires_at, attempts, next_attempt_at";

/// Leases due, undelivered events of the selected types, oldest first. `{types}` is
/// the backend's test of `type` against `$3`, a JSON array of type names, and
/// `{skip_locked}` lets PostgreSQL claimers pass over the rows another one is taking.
/// The lease condition is repeated outside the sub-select, as in
/// [`CLAIM_REVOCATIONS`].
const CLAIM_DELIVERIES: &str = "\
    UPDATE connector_events SET lease_holder = $1, lease_until = {now} + $2 \
    WHERE seq IN ( \
        SELECT seq FROM connector_events \
        WHERE delivered_at IS NULL AND failed_at IS NULL AND {types} \
          AND (next_attempt_at IS NULL OR next_attempt_at <= {now}) \
          AND (lease_until IS NULL OR lease_until <= {now}) \
        ORDER BY seq LIMIT $4 {skip_locked}) \
      AND (lease_until IS NULL OR lease_until <= {now}) \
    RETURNING seq, id, type, user_id, connector_code, created_at, data_json, attempts";

/// The three ends of a delivery attempt: each counts the attempt and releases the
/// lease, only for the holder of the lease.
const FINISH_DELIVERY: &str = "\
    UPDATE connector_events SET attempts = attempts + 1, delivered_at = {now}, \
        lease_holder = NULL, lease_until = NULL \
    WHERE id = $1 AND lease_holder = $2";

const POSTPONE_DELIVERY: &str = "\
    UPDATE connector_events SET attempts = attempts + 1, next_attempt_at = {now} + $3, \
        lease_holder = NULL, lease_until = NULL \
    WHERE id = $1 AND lease_holder = $2";

const FAIL_DELIVERY: &str = "\
    UPDATE connector_events SET attempts = attempts + 1, failed_at = {now}, \
        lease_holder = NULL, lease_until = NULL \
    WHERE id = $1 AND lease_holder = $2";

/// The statements that read the clock, written with the backend's own expression for
/// "now" so that every replica's leases are timed by the one clock they share: the
/// database's (SPEC §8.17), never each replica's.
pub(crate) struct ClockStatements {
    pub(crate) load_credentials: String,
    pub(crate) try_lease: String,
    pub(crate) lease_credentials: String,
    pub(crate) claim_revocations: String,
    pub(crate) claim_deliveries: String,
    pub(crate) finish_delivery: String,
    pub(crate) postpone_delivery: String,
    pub(crate) fail_delivery: String,
}

/// What differs between the backends in the statements of [`ClockStatements`].
pub(crate) struct Dialect<'a> {
    /// An SQL expression giving the current unix second.
    pub(crate) now: &'a str,
    /// A condition true when `type` is one of the names in `$3`, a JSON array.
    pub(crate) type_in_json_array: &'a str,
    /// The locking clause of a claim's sub-select (empty where there is none).
    pub(crate) skip_locked: &'a str,
    /// A condition, true, that lets the statement's transaction commit without waiting
    /// for its write to reach the disk (empty where there is no such thing). For a
    /// lease only: one lost in a database crash is a lease given back early, so another
    /// replica may refresh meanwhile, and the swap's version check keeps one of the two
    /// results. The swap of the refreshed tokens stays durable.
    pub(crate) lazy_commit: &'a str,
}

impl ClockStatements {
    /// The statements written in `dialect`.
    pub(crate) fn new(dialect: &Dialect<'_>) -> Self {
        let write = |statement: &str| {
            statement
                .replace("{now}", dialect.now)
                .replace("{types}", dialect.type_in_json_array)
                .replace("{skip_locked}", dialect.skip_locked)
                .replace("{lazy_commit}", dialect.lazy_commit)
        };
        Self {
            load_credentials: write(LOAD_CREDENTIALS),
            try_lease: write(TRY_LEASE),
            lease_credentials: write(LEASE_CREDENTIALS),
            claim_revocations: write(CLAIM_REVOCATIONS),
            claim_deliveries: write(CLAIM_DELIVERIES),
            finish_delivery: write(FINISH_DELIVERY),
            postpone_delivery: write(POSTPONE_DELIVERY),
            fail_delivery: write(FAIL_DELIVERY),
        }
    }
}

pub(crate) const DELETE_REVOCATION: &str = "DELETE FROM pending_revocations WHERE id = $1";

pub(crate) const POSTPONE_REVOCATION: &str = "\
    UPDATE pending_revocations SET access_token = $2, refresh_token = $3, expires_at = $4, \
        attempts = $5, next_attempt_at = $6, lease_holder = NULL, lease_until = NULL \
    WHERE id = $1";

/// The `store_meta` key of the key check value.
pub(crate) const KEY_CHECK: &str = "key_check";
/// What the key check value is bound to.
pub(crate) fn key_check_context() -> crate::cipher::Context<'static> {
    crate::cipher::Context {
        table: "store_meta",
        user: uuid::Uuid::nil(),
        connector: "",
        field: KEY_CHECK,
        row: "",
    }
}

/// What the key check value decrypts to.
pub(crate) const KEY_CHECK_PLAINTEXT: &[u8] = b"connectors-store key check v1";

#[derive(sqlx::FromRow)]
pub(crate) struct StateRow {
    pub(crate) user_id: uuid::Uuid,
    pub(crate) connector_code: String,
    pub(crate) pkce_verifier: Option<Vec<u8>>,
    pub(crate) expires_at: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ConnectorStateRow {
    pub(crate) connector_code: String,
    pub(crate) connected: bool,
    pub(crate) status: String,
    pub(crate) last_error: Option<String>,
    pub(crate) last_error_detail: Option<String>,
    pub(crate) connected_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) scopes: Option<String>,
    pub(crate) extra_json: Option<String>,
    pub(crate) refresh_failures: Option<i64>,
    pub(crate) retry_at: Option<i64>,
    pub(crate) refreshable: Option<bool>,
}

impl TryFrom<ConnectorStateRow> for connectors_core::ConnectorState {
    type Error = connectors_core::StoreError;

    fn try_from(row: ConnectorStateRow) -> Result<Self, Self::Error> {
        use crate::sealed::{from_unix, public_part, split_scopes};
        let status = connectors_core::ConnectorStatus::parse(&row.status).ok_or_else(|| {
            connectors_core::StoreError::Database(
                format!("unknown connector status {:?}", row.status).into(),
            )
        })?;
        Ok(Self {
            connector_code: row.connector_code,
            connected: row.connected,
            status,
            last_error: row.last_error,
            last_error_detail: row.last_error_detail,
            health: connectors_core::RefreshHealth {
                failures: row
                    .refresh_failures
                    .map_or(0, |failures| u32::try_from(failures).unwrap_or(u32::MAX)),
                retry_at: row.retry_at.map(from_unix).transpose()?,
                refreshable: row.refreshable.unwrap_or(true),
            },
            connected_at: row.connected_at.map(from_unix).transpose()?,
            expires_at: row.expires_at.map(from_unix).transpose()?,
            scopes: row.scopes.as_deref().map(split_scopes).unwrap_or_default(),
            public: row
                .extra_json
                .as_deref()
                .map(public_part)
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// Events as the rows of `connector_events` they become, a JSON array for a statement
/// that inserts them all (`SWAP_WITH_EVENTS`).
pub(crate) fn event_rows(events: &[connectors_core::Event]) -> String {
    serde_json::Value::Array(
        events
            .iter()
            .map(|event| {
                serde_json::json!({
                    "id": event.id,
                    "type": event.event_type.as_str(),
                    "user_id": event.user_id,
                    "connector_code": event.connector,
                    "created_at": event.created_at.unix_timestamp(),
                    "data_json": serde_json::Value::Object(event.data.clone()).to_string(),
                })
            })
            .collect(),
    )
    .to_string()
}

/// Implements [`CredentialStore`](connectors_core::CredentialStore), the key check and
/// `register_user` for a store struct with `pool` and `cipher` fields, whose pools
/// hand out `$connection`s, and which has a `migrator()`, a `CLOCK`
/// ([`ClockStatements`]) and a `SWAP_WITH_EVENTS` (a statement doing all of
/// `swap_credentials` at once, where the backend has one) in scope and a `begin_write`
/// method (a transaction that holds the write lock from its first statement).
macro_rules! impl_sql_store {
    ($store:ident, $connection:ty) => {
        impl $store {
            /// A credentials row, decrypted, read through `pool` (the general one, or the
            /// one of refreshes).
            async fn read_credentials(
                &self,
                pool: &sqlx::Pool<<$connection as sqlx::Connection>::Database>,
                user: connectors_core::UserId,
                connector: &str,
            ) -> Result<Option<connectors_core::StoredCredentials>, connectors_core::StoreError>
            {
                sqlx::query_as::<_, crate::sealed::CredentialsRow>(CLOCK.load_credentials.as_str())
                    .bind(user)
                    .bind(connector)
                    .fetch_optional(pool)
                    .await
                    .map_err(crate::sealed::db_error)?
                    .map(|row| crate::sealed::open(&self.cipher, user, connector, row))
                    .transpose()
            }

            /// Checks that the cipher opens this database's key check value, writing one
            /// into a new database, all on `connection`. A value opened by a previous key
            /// is sealed again with the primary key, so the previous key can be retired
            /// once the data it sealed has been rewritten.
            async fn check_key_on(
                cipher: &crate::cipher::Cipher,
                connection: &mut $connection,
            ) -> Result<(), connectors_core::StoreError> {
                use crate::sealed::{db_error, unix_now};
                use crate::sql::{
                    INSERT_KEY_CHECK, KEY_CHECK, KEY_CHECK_PLAINTEXT, SELECT_KEY_CHECK,
                    UPDATE_KEY_CHECK,
                };
                let context = crate::sql::key_check_context();
                sqlx::query(INSERT_KEY_CHECK)
                    .bind(KEY_CHECK)
                    .bind(cipher.encrypt(&context, KEY_CHECK_PLAINTEXT))
                    .bind(unix_now())
                    .execute(&mut *connection)
                    .await
                    .map_err(db_error)?;
                let (stored,): (Vec<u8>,) = sqlx::query_as(SELECT_KEY_CHECK)
                    .bind(KEY_CHECK)
                    .fetch_one(&mut *connection)
                    .await
                    .map_err(db_error)?;
                match cipher.decrypt(&context, &stored) {
                    Ok(opened) if opened.plaintext == KEY_CHECK_PLAINTEXT => {
                        if !opened.with_primary {
                            tracing::info!(
                                key_id = %cipher.key_id(),
                                "key check opened by a previous key; sealing it with the primary key"
                            );
                            sqlx::query(UPDATE_KEY_CHECK)
                                .bind(KEY_CHECK)
                                .bind(cipher.encrypt(&context, KEY_CHECK_PLAINTEXT))
                                .bind(unix_now())
                                .execute(&mut *connection)
                                .await
                                .map_err(db_error)?;
                        }
                        Ok(())
                    }
                    _ => Err(connectors_core::StoreError::WrongKey),
                }
            }

            /// Tells the row's watchers of a swap that made it `version`, with `tell`
            /// (`TELL_REFRESHED`): the new access token sealed for them when there is
            /// one that fits a notification, a plain wake-up otherwise. A hint: one
            /// not sent is logged, and the swap stands.
            async fn tell_refreshed(
                &self,
                tell: &str,
                user: connectors_core::UserId,
                connector: &str,
                version: i64,
                credentials: &connectors_core::Credentials,
            ) {
                let payload = match crate::sealed::seal_refresh_notice(
                    &self.cipher,
                    user,
                    connector,
                    version,
                    credentials,
                ) {
                    Some(sealed) => format!("{user}:{connector}:{version}:{sealed}"),
                    None => format!("{user}:{connector}"),
                };
                if let Err(error) = sqlx::query(tell).bind(payload).execute(self.lane()).await {
                    tracing::debug!(
                        %connector,
                        error = %crate::sealed::db_error(error),
                        "refresh notice not sent; its waiters read the row at their fallback poll"
                    );
                }
            }

            /// Records an event on `connection` (inside the caller's transaction).
            async fn insert_event(
                connection: &mut $connection,
                event: &connectors_core::Event,
            ) -> Result<(), connectors_core::StoreError> {
                sqlx::query(crate::sql::INSERT_EVENT)
                    .bind(&event.id)
                    .bind(event.event_type.as_str())
                    .bind(event.user_id)
                    .bind(event.connector.as_deref())
                    .bind(event.created_at.unix_timestamp())
                    .bind(serde_json::Value::Object(event.data.clone()).to_string())
                    .execute(&mut *connection)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(())
            }

            /// Sets a connector's status and last error on `connection` (inside the
            /// caller's transaction).
            async fn write_status(
                connection: &mut $connection,
                user: connectors_core::UserId,
                connector: &str,
                status: connectors_core::ConnectorStatus,
                last_error: Option<&str>,
                last_error_detail: Option<&str>,
            ) -> Result<(), connectors_core::StoreError> {
                sqlx::query(crate::sql::SET_STATUS)
                    .bind(uuid::Uuid::new_v4())
                    .bind(user)
                    .bind(connector)
                    .bind(status.as_str())
                    .bind(last_error)
                    .bind(last_error_detail)
                    .bind(crate::sealed::unix_now())
                    .execute(&mut *connection)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(())
            }

            /// Applies the migrations, then checks the key, on `connection`.
            async fn migrate_on(
                cipher: &crate::cipher::Cipher,
                connection: &mut $connection,
            ) -> Result<(), connectors_core::StoreError> {
                migrator()
                    .run(&mut *connection)
                    .await
                    .map_err(|error| connectors_core::StoreError::Database(Box::new(error)))?;
                Self::check_key_on(cipher, connection).await
            }

            /// Mirrors your own user into the table the credential rows refer to.
            ///
            /// Every credential, connector state and pending authorization belongs to
            /// a row of `users`; an application keeps its users (and their passwords)
            /// wherever it likes and registers each id here before saving its first
            /// credentials. No password is stored: the store keeps no credentials of
            /// the application's own. Idempotent: an id already registered is left as
            /// it is.
            ///
            /// # Errors
            ///
            /// The database's failures, among them an `email` already registered under
            /// another id (the column is unique).
            pub async fn register_user(
                &self,
                id: connectors_core::UserId,
                email: &str,
            ) -> Result<(), connectors_core::StoreError> {
                sqlx::query(crate::sql::REGISTER_USER)
                    .bind(id)
                    .bind(email)
                    .bind(crate::sealed::unix_now())
                    .execute(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(())
            }

            /// Ends the delivery of event `id` leased by `holder` with `statement`
            /// (delivered or failed); whether the lease was still `holder`'s.
            async fn end_delivery(
                &self,
                statement: &str,
                id: &str,
                holder: uuid::Uuid,
            ) -> Result<bool, connectors_core::StoreError> {
                let done = sqlx::query(statement)
                    .bind(id)
                    .bind(holder)
                    .execute(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait::async_trait]
        impl connectors_core::CredentialStore for $store {
            async fn insert_pending_authorization(
                &self,
                pending: &connectors_core::PendingAuthorization,
            ) -> Result<(), connectors_core::StoreError> {
                use crate::sealed::{db_error, unix_now, PKCE_VERIFIER, STATES_TABLE};
                use secrecy::ExposeSecret;
                let now = unix_now();
                sqlx::query(crate::sql::DELETE_EXPIRED_STATES)
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                let context = crate::cipher::Context {
                    table: STATES_TABLE,
                    user: pending.user_id,
                    connector: &pending.connector_code,
                    field: PKCE_VERIFIER,
                    row: &pending.state_hash,
                };
                let verifier = pending.pkce_verifier.as_ref().map(|verifier| {
                    self.cipher
                        .encrypt(&context, verifier.expose_secret().as_bytes())
                });
                sqlx::query(crate::sql::INSERT_STATE)
                    .bind(&pending.state_hash)
                    .bind(pending.user_id)
                    .bind(&pending.connector_code)
                    .bind(verifier)
                    .bind(pending.expires_at.unix_timestamp())
                    .bind(now)
                    .execute(&self.pool)
                    .await
                    .map_err(db_error)?;
                Ok(())
            }

            async fn take_pending_authorization(
                &self,
                state_hash: &str,
            ) -> Result<Option<connectors_core::PendingAuthorization>, connectors_core::StoreError>
            {
                use crate::sealed::{db_error, from_unix, open_string, PKCE_VERIFIER, STATES_TABLE};
                let Some(row) = sqlx::query_as::<_, crate::sql::StateRow>(crate::sql::TAKE_STATE)
                    .bind(state_hash)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(db_error)?
                else {
                    return Ok(None);
                };
                let context = crate::cipher::Context {
                    table: STATES_TABLE,
                    user: row.user_id,
                    connector: &row.connector_code,
                    field: PKCE_VERIFIER,
                    row: state_hash,
                };
                let pkce_verifier = row
                    .pkce_verifier
                    .as_deref()
                    .map(|sealed| open_string(&self.cipher, &context, sealed))
                    .transpose()?;
                Ok(Some(connectors_core::PendingAuthorization {
                    state_hash: state_hash.to_owned(),
                    user_id: row.user_id,
                    connector_code: row.connector_code,
                    pkce_verifier,
                    expires_at: from_unix(row.expires_at)?,
                }))
            }

            async fn load_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
            ) -> Result<Option<connectors_core::StoredCredentials>, connectors_core::StoreError>
            {
                self.read_credentials(&self.pool, user, connector).await
            }

            async fn reload_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
            ) -> Result<Option<connectors_core::StoredCredentials>, connectors_core::StoreError>
            {
                self.read_credentials(self.lane(), user, connector).await
            }

            async fn save_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                credentials: &connectors_core::Credentials,
                event: Option<&connectors_core::Event>,
            ) -> Result<i64, connectors_core::StoreError> {
                use crate::sealed::{db_error, initial_version, unix_now};
                let sealed = crate::sealed::seal(&self.cipher, user, connector, credentials);
                let now = unix_now();
                let mut tx = self.begin_write().await?;
                let (version,): (i64,) = sqlx::query_as(crate::sql::UPSERT_CREDENTIALS)
                    .bind(uuid::Uuid::new_v4())
                    .bind(user)
                    .bind(connector)
                    .bind(&sealed.provider)
                    .bind(&sealed.access_token)
                    .bind(&sealed.refresh_token)
                    .bind(sealed.expires_at)
                    .bind(&sealed.scopes)
                    .bind(&sealed.extra_json)
                    .bind(initial_version())
                    .bind(now)
                    .bind(sealed.refresh_token_expires_at)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(db_error)?;
                sqlx::query(crate::sql::CONNECT)
                    .bind(uuid::Uuid::new_v4())
                    .bind(user)
                    .bind(connector)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                if let Some(event) = event {
                    Self::insert_event(&mut tx, event).await?;
                }
                tx.commit().await.map_err(db_error)?;
                Ok(version)
            }

            async fn swap_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                expected_version: i64,
                credentials: &connectors_core::Credentials,
                events: &[connectors_core::Event],
            ) -> Result<Option<i64>, connectors_core::StoreError> {
                use crate::sealed::{db_error, unix_now};
                let sealed = crate::sealed::seal(&self.cipher, user, connector, credentials);
                let now = unix_now();
                if let Some(statement) = SWAP_WITH_EVENTS {
                    let swapped: Option<(i64,)> = sqlx::query_as(statement)
                        .bind(user)
                        .bind(connector)
                        .bind(expected_version)
                        .bind(&sealed.provider)
                        .bind(&sealed.access_token)
                        .bind(&sealed.refresh_token)
                        .bind(sealed.expires_at)
                        .bind(&sealed.scopes)
                        .bind(&sealed.extra_json)
                        .bind(now)
                        .bind(sealed.refresh_token_expires_at)
                        .bind(uuid::Uuid::new_v4())
                        .bind(crate::sql::event_rows(events))
                        .fetch_optional(self.lane())
                        .await
                        .map_err(db_error)?;
                    if let (Some((version,)), Some(tell)) = (swapped, TELL_REFRESHED) {
                        self.tell_refreshed(tell, user, connector, version, credentials)
                            .await;
                    }
                    return Ok(swapped.map(|(version,)| version));
                }
                let mut tx = self.begin_write().await?;
                let swapped: Option<(i64,)> = sqlx::query_as(crate::sql::SWAP_CREDENTIALS)
                    .bind(user)
                    .bind(connector)
                    .bind(expected_version)
                    .bind(&sealed.provider)
                    .bind(&sealed.access_token)
                    .bind(&sealed.refresh_token)
                    .bind(sealed.expires_at)
                    .bind(&sealed.scopes)
                    .bind(&sealed.extra_json)
                    .bind(now)
                    .bind(sealed.refresh_token_expires_at)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db_error)?;
                let Some((version,)) = swapped else {
                    // Nothing written: dropping the transaction rolls it back.
                    return Ok(None);
                };
                sqlx::query(crate::sql::MARK_REFRESHED)
                    .bind(uuid::Uuid::new_v4())
                    .bind(user)
                    .bind(connector)
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                for event in events {
                    Self::insert_event(&mut tx, event).await?;
                }
                tx.commit().await.map_err(db_error)?;
                Ok(Some(version))
            }

            async fn record_refresh_failure(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                failure: &connectors_core::RefreshFailure<'_>,
            ) -> Result<(), connectors_core::StoreError> {
                use crate::sealed::db_error;
                let mut tx = self.begin_write().await?;
                sqlx::query(crate::sql::RECORD_REFRESH_FAILURE)
                    .bind(user)
                    .bind(connector)
                    .bind(i64::from(failure.failures))
                    .bind(failure.retry_at.unix_timestamp())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Self::write_status(
                    &mut tx,
                    user,
                    connector,
                    failure.status,
                    Some(failure.last_error),
                    failure.last_error_detail,
                )
                .await?;
                Self::insert_event(&mut tx, failure.event).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(())
            }

            async fn due_refreshes(
                &self,
                query: &connectors_core::DueQuery,
            ) -> Result<Vec<connectors_core::DueGrant>, connectors_core::StoreError> {
                let rows: Vec<(uuid::Uuid, String, i64)> =
                    sqlx::query_as(crate::sql::DUE_REFRESHES)
                        .bind(query.expiring_before.unix_timestamp())
                        .bind(query.idle_since.unix_timestamp())
                        .bind(query.now.unix_timestamp())
                        .bind(i64::from(query.limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(crate::sealed::db_error)?;
                Ok(rows
                    .into_iter()
                    .map(|(user_id, connector_code, version)| connectors_core::DueGrant {
                        user_id,
                        connector_code,
                        version,
                    })
                    .collect())
            }

            async fn expiring_grants(
                &self,
                before: time::OffsetDateTime,
                limit: u32,
            ) -> Result<Vec<connectors_core::ExpiringGrant>, connectors_core::StoreError> {
                let rows: Vec<(uuid::Uuid, String, i64)> =
                    sqlx::query_as(crate::sql::EXPIRING_GRANTS)
                        .bind(before.unix_timestamp())
                        .bind(i64::from(limit))
                        .fetch_all(&self.pool)
                        .await
                        .map_err(crate::sealed::db_error)?;
                rows.into_iter()
                    .map(|(user_id, connector_code, expires_at)| {
                        Ok(connectors_core::ExpiringGrant {
                            user_id,
                            connector_code,
                            refresh_token_expires_at: crate::sealed::from_unix(expires_at)?,
                        })
                    })
                    .collect()
            }

            async fn record_expiry_warning(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                event: &connectors_core::Event,
            ) -> Result<bool, connectors_core::StoreError> {
                use crate::sealed::{db_error, unix_now};
                let mut tx = self.begin_write().await?;
                let marked = sqlx::query(crate::sql::MARK_EXPIRY_WARNED)
                    .bind(user)
                    .bind(connector)
                    .bind(unix_now())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                if marked.rows_affected() != 1 {
                    return Ok(false);
                }
                Self::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(true)
            }

            async fn try_lease(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                holder: uuid::Uuid,
                lifetime: std::time::Duration,
            ) -> Result<bool, connectors_core::StoreError> {
                let taken = sqlx::query(CLOCK.try_lease.as_str())
                    .bind(user)
                    .bind(connector)
                    .bind(holder)
                    .bind(crate::sealed::whole_seconds(lifetime))
                    .execute(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(taken.rows_affected() == 1)
            }

            async fn lease_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                holder: uuid::Uuid,
                lifetime: std::time::Duration,
            ) -> Result<Option<connectors_core::StoredCredentials>, connectors_core::StoreError>
            {
                sqlx::query_as::<_, crate::sealed::CredentialsRow>(CLOCK.lease_credentials.as_str())
                    .bind(user)
                    .bind(connector)
                    .bind(holder)
                    .bind(crate::sealed::whole_seconds(lifetime))
                    .fetch_optional(self.lane())
                    .await
                    .map_err(crate::sealed::db_error)?
                    .map(|row| crate::sealed::open(&self.cipher, user, connector, row))
                    .transpose()
            }

            fn watch_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
            ) -> connectors_core::CredentialsWatch {
                self.watch_row(user, connector)
            }

            async fn release_lease(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                holder: uuid::Uuid,
            ) -> Result<(), connectors_core::StoreError> {
                sqlx::query(crate::sql::RELEASE_LEASE)
                    .bind(user)
                    .bind(connector)
                    .bind(holder)
                    .execute(self.lane())
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(())
            }

            async fn set_status(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                status: connectors_core::ConnectorStatus,
                last_error: Option<&str>,
                last_error_detail: Option<&str>,
                event: Option<&connectors_core::Event>,
            ) -> Result<(), connectors_core::StoreError> {
                use crate::sealed::db_error;
                let mut tx = self.begin_write().await?;
                Self::write_status(
                    &mut tx,
                    user,
                    connector,
                    status,
                    last_error,
                    last_error_detail,
                )
                .await?;
                sqlx::query(crate::sql::SET_REFRESHABLE)
                    .bind(user)
                    .bind(connector)
                    .bind(status != connectors_core::ConnectorStatus::NeedsReauth)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                if let Some(event) = event {
                    Self::insert_event(&mut tx, event).await?;
                }
                tx.commit().await.map_err(db_error)?;
                Ok(())
            }

            async fn delete_credentials(
                &self,
                user: connectors_core::UserId,
                connector: &str,
                purge: &connectors_core::Purge<'_>,
            ) -> Result<bool, connectors_core::StoreError> {
                use crate::sealed::{db_error, unix_now};
                let mut tx = self.begin_write().await?;
                let deleted = sqlx::query(crate::sql::DELETE_CREDENTIALS)
                    .bind(user)
                    .bind(connector)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?
                    .rows_affected()
                    > 0;
                sqlx::query(crate::sql::DISCONNECT)
                    .bind(uuid::Uuid::new_v4())
                    .bind(user)
                    .bind(connector)
                    .bind(unix_now())
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                if deleted {
                    Self::insert_event(&mut tx, purge.event).await?;
                    if let Some(pending) = purge.retry {
                        let sealed = crate::sealed::seal_revocation(&self.cipher, pending);
                        sqlx::query(crate::sql::INSERT_REVOCATION)
                            .bind(pending.id)
                            .bind(pending.user_id)
                            .bind(&pending.connector_code)
                            .bind(&pending.credentials.provider)
                            .bind(&sealed.access_token)
                            .bind(&sealed.refresh_token)
                            .bind(pending.credentials.expires_at.map(time::OffsetDateTime::unix_timestamp))
                            .bind(i32::try_from(pending.attempts).unwrap_or(i32::MAX))
                            .bind(pending.next_attempt_at.unix_timestamp())
                            .bind(unix_now())
                            .execute(&mut *tx)
                            .await
                            .map_err(db_error)?;
                    }
                }
                tx.commit().await.map_err(db_error)?;
                Ok(deleted)
            }

            async fn claim_revocations(
                &self,
                holder: uuid::Uuid,
                lifetime: std::time::Duration,
                limit: u32,
            ) -> Result<Vec<connectors_core::PendingRevocation>, connectors_core::StoreError> {
                use crate::sealed::{db_error, whole_seconds};
                sqlx::query_as::<_, crate::sealed::RevocationRow>(CLOCK.claim_revocations.as_str())
                    .bind(holder)
                    .bind(whole_seconds(lifetime))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(db_error)?
                    .into_iter()
                    .map(|row| crate::sealed::open_revocation(&self.cipher, row))
                    .collect()
            }

            async fn finish_revocation(
                &self,
                id: uuid::Uuid,
                event: &connectors_core::Event,
            ) -> Result<(), connectors_core::StoreError> {
                use crate::sealed::db_error;
                let mut tx = self.begin_write().await?;
                sqlx::query(crate::sql::DELETE_REVOCATION)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Self::insert_event(&mut tx, event).await?;
                tx.commit().await.map_err(db_error)?;
                Ok(())
            }

            async fn postpone_revocation(
                &self,
                pending: &connectors_core::PendingRevocation,
            ) -> Result<(), connectors_core::StoreError> {
                let sealed = crate::sealed::seal_revocation(&self.cipher, pending);
                sqlx::query(crate::sql::POSTPONE_REVOCATION)
                    .bind(pending.id)
                    .bind(&sealed.access_token)
                    .bind(&sealed.refresh_token)
                    .bind(pending.credentials.expires_at.map(time::OffsetDateTime::unix_timestamp))
                    .bind(i32::try_from(pending.attempts).unwrap_or(i32::MAX))
                    .bind(pending.next_attempt_at.unix_timestamp())
                    .execute(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(())
            }

            async fn record_event(
                &self,
                event: &connectors_core::Event,
            ) -> Result<(), connectors_core::StoreError> {
                let mut connection = self.pool.acquire().await.map_err(crate::sealed::db_error)?;
                Self::insert_event(&mut connection, event).await
            }

            async fn events(
                &self,
                user: connectors_core::UserId,
                query: &connectors_core::EventQuery,
            ) -> Result<Vec<connectors_core::Event>, connectors_core::StoreError> {
                if let Some(before) = query.before.as_deref() {
                    let known = sqlx::query(crate::sql::EVENT_EXISTS)
                        .bind(before)
                        .bind(user)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(crate::sealed::db_error)?;
                    if known.is_none() {
                        return Err(connectors_core::StoreError::UnknownEvent);
                    }
                }
                sqlx::query_as::<_, crate::sealed::EventRow>(crate::sql::SELECT_EVENTS)
                    .bind(user)
                    .bind(query.connector.as_deref())
                    .bind(query.before.as_deref())
                    .bind(i64::from(query.limit))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?
                    .into_iter()
                    .map(connectors_core::Event::try_from)
                    .collect()
            }

            async fn claim_deliveries(
                &self,
                holder: uuid::Uuid,
                lifetime: std::time::Duration,
                types: &[connectors_core::EventType],
                limit: u32,
            ) -> Result<Vec<connectors_core::PendingDelivery>, connectors_core::StoreError> {
                use crate::sealed::{db_error, whole_seconds};
                let names: Vec<&str> = types.iter().map(|kind| kind.as_str()).collect();
                let names = serde_json::Value::from(names).to_string();
                let mut rows = sqlx::query_as::<_, crate::sealed::DeliveryRow>(
                    CLOCK.claim_deliveries.as_str(),
                )
                .bind(holder)
                .bind(whole_seconds(lifetime))
                .bind(names)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await
                .map_err(db_error)?;
                rows.sort_by_key(|row| row.seq);
                rows.into_iter()
                    .map(connectors_core::PendingDelivery::try_from)
                    .collect()
            }

            async fn finish_delivery(
                &self,
                id: &str,
                holder: uuid::Uuid,
            ) -> Result<bool, connectors_core::StoreError> {
                self.end_delivery(CLOCK.finish_delivery.as_str(), id, holder).await
            }

            async fn postpone_delivery(
                &self,
                id: &str,
                holder: uuid::Uuid,
                retry_after: std::time::Duration,
            ) -> Result<bool, connectors_core::StoreError> {
                let done = sqlx::query(CLOCK.postpone_delivery.as_str())
                    .bind(id)
                    .bind(holder)
                    .bind(crate::sealed::whole_seconds(retry_after))
                    .execute(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn fail_delivery(
                &self,
                id: &str,
                holder: uuid::Uuid,
            ) -> Result<bool, connectors_core::StoreError> {
                self.end_delivery(CLOCK.fail_delivery.as_str(), id, holder).await
            }

            async fn connector_states(
                &self,
                user: connectors_core::UserId,
            ) -> Result<Vec<connectors_core::ConnectorState>, connectors_core::StoreError> {
                sqlx::query_as::<_, crate::sql::ConnectorStateRow>(crate::sql::CONNECTOR_STATES)
                    .bind(user)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?
                    .into_iter()
                    .map(connectors_core::ConnectorState::try_from)
                    .collect()
            }
        }
    };
}

pub(crate) use impl_sql_store;
