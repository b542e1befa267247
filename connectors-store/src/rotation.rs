//! Key rotation: which key seals each stored value ([`KeyStatus`]), and re-encryption
//! of what older keys sealed under the primary key, a batch at a time
//! ([`ReencryptCursor`], [`ReencryptBatch`]).
//!
//! Nothing records how far a rotation got: a pass reads every row in primary-key
//! order and rewrites the ones holding a value on another key than the primary, so a
//! pass cut short (a crash, `kill -9`) is resumed by starting a new one, which passes
//! quickly over what is already done. Each rewrite is conditional on the row being
//! unchanged since it was read (its `version`, or its old ciphertext), so a write of
//! the application at the same moment is never lost: the rotation leaves that row
//! alone, and a later pass picks it up if it is still on an old key.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::cipher::{Cipher, DecryptError};
use crate::sealed::{
    credentials_context, revocation_context, secret_field, ACCESS_TOKEN, CREDENTIALS_TABLE,
    PKCE_VERIFIER, REFRESH_TOKEN, REVOCATIONS_TABLE, STATES_TABLE,
};

/// Where values are sealed, as [`KeyUsage::column`] names them.
const EXTRA_SECRETS: &str = "extra_json.secrets";

/// What [`verify_key`](crate::SqliteStore::verify_key) found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyCheck {
    /// The database holds no key check yet: it was never migrated.
    Missing,
    /// The primary key opens it.
    Primary,
    /// A previous key of the cipher opens it (the next migration seals it again with
    /// the primary key).
    Previous,
}

/// How many values one key seals in one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    /// The table: `user_connector_credentials`, `oauth_states`, `pending_revocations`
    /// or `store_meta`.
    pub table: &'static str,
    /// The column: `access_token`, `refresh_token`, `extra_json.secrets` (every secret
    /// field of a config connector), `pkce_verifier` or `key_check`.
    pub column: &'static str,
    /// The key id (8 hex digits, as [`Cipher::key_id`] gives), or `invalid` for bytes
    /// that are not a ciphertext of this format.
    pub key_id: String,
    /// How many values.
    pub values: u64,
}

/// Which keys seal the values of a store, from
/// [`SqliteStore::key_status`](crate::SqliteStore::key_status) or
/// [`PgStore::key_status`](crate::PgStore::key_status).
#[derive(Debug, Clone)]
pub struct KeyStatus {
    primary_key_id: String,
    known_key_ids: Vec<String>,
    usage: Vec<KeyUsage>,
    rows_on_old_keys: BTreeMap<&'static str, u64>,
}

impl KeyStatus {
    /// The primary key's id: new writes use it.
    pub fn primary_key_id(&self) -> &str {
        &self.primary_key_id
    }

    /// Values by table, column and key id, in that order.
    pub fn usage(&self) -> &[KeyUsage] {
        &self.usage
    }

    /// How many values `key_id` seals, in every table.
    pub fn values_on(&self, key_id: &str) -> u64 {
        self.usage
            .iter()
            .filter(|usage| usage.key_id == key_id)
            .map(|usage| usage.values)
            .sum()
    }

    /// How many values a key other than the primary seals: what a rotation has left.
    pub fn values_on_old_keys(&self) -> u64 {
        self.usage
            .iter()
            .filter(|usage| usage.key_id != self.primary_key_id)
            .map(|usage| usage.values)
            .sum()
    }

    /// Rows holding at least one value on another key than the primary, by table.
    pub fn rows_on_old_keys(&self) -> &BTreeMap<&'static str, u64> {
        &self.rows_on_old_keys
    }

    /// Key ids sealing values that the cipher has no key for: those values cannot be
    /// read until the key is given back.
    pub fn missing_key_ids(&self) -> Vec<&str> {
        let mut missing: Vec<&str> = self
            .usage
            .iter()
            .map(|usage| usage.key_id.as_str())
            .filter(|id| !self.known_key_ids.iter().any(|known| known == id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        missing
    }
}

/// Counts values into a [`KeyStatus`].
pub(crate) struct StatusTally {
    primary: String,
    known: Vec<String>,
    values: BTreeMap<(&'static str, &'static str, String), u64>,
    rows: BTreeMap<&'static str, u64>,
}

impl StatusTally {
    pub(crate) fn new(cipher: &Cipher) -> Self {
        Self {
            primary: cipher.key_id(),
            known: cipher.key_ids(),
            values: BTreeMap::new(),
            rows: BTreeMap::new(),
        }
    }

    /// Counts the values of one row of `table`, each with its column.
    pub(crate) fn row<'a>(
        &mut self,
        table: &'static str,
        values: impl IntoIterator<Item = (&'static str, &'a [u8])>,
    ) {
        let mut on_old_key = false;
        for (column, value) in values {
            let key_id = Cipher::key_id_of(value).unwrap_or_else(|| "invalid".to_owned());
            on_old_key |= key_id != self.primary;
            *self.values.entry((table, column, key_id)).or_default() += 1;
        }
        if on_old_key {
            *self.rows.entry(table).or_default() += 1;
        }
    }

    pub(crate) fn finish(self) -> KeyStatus {
        KeyStatus {
            primary_key_id: self.primary,
            known_key_ids: self.known,
            usage: self
                .values
                .into_iter()
                .map(|((table, column, key_id), values)| KeyUsage {
                    table,
                    column,
                    key_id,
                    values,
                })
                .collect(),
            rows_on_old_keys: self.rows,
        }
    }
}

/// Where a re-encryption pass has got to: the table it is in and the last row it
/// read (the key check of `store_meta` comes last). [`ReencryptCursor::default`]
/// starts a pass at the beginning; hand the same
/// cursor to every [`reencrypt_batch`](crate::SqliteStore::reencrypt_batch) of the
/// pass until [`ReencryptCursor::is_done`].
#[derive(Debug, Clone, Default)]
pub struct ReencryptCursor(pub(crate) Position);

impl ReencryptCursor {
    /// Whether the pass has read every row of every table.
    pub fn is_done(&self) -> bool {
        matches!(self.0, Position::Done)
    }

    /// The table the next batch reads, `None` once done.
    pub fn table(&self) -> Option<&'static str> {
        match self.0 {
            Position::Credentials(_) => Some(CREDENTIALS_TABLE),
            Position::States(_) => Some(STATES_TABLE),
            Position::Revocations(_) => Some(REVOCATIONS_TABLE),
            Position::KeyCheck => Some("store_meta"),
            Position::Done => None,
        }
    }
}

/// The tables holding ciphertexts, in the order a pass reads them, each with the key
/// of the last row read (rows are read in key order; a nil UUID and an empty string
/// sort before every key).
#[derive(Debug, Clone)]
pub(crate) enum Position {
    Credentials(Uuid),
    States(String),
    Revocations(Uuid),
    /// The key check, which a server started with an older primary key seals anew.
    KeyCheck,
    Done,
}

impl Default for Position {
    fn default() -> Self {
        Self::Credentials(Uuid::nil())
    }
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReencryptBatch {
    /// Rows read.
    pub rows_read: u64,
    /// Rows rewritten with every value under the primary key.
    pub rows_reencrypted: u64,
    /// Values (tokens, secret fields, verifiers) sealed again.
    pub values_reencrypted: u64,
    /// Rows written by someone else between the read and the rewrite, left as that
    /// write made them (a later pass rewrites them if they are still on an old key).
    pub rows_changed_meanwhile: u64,
    /// Rows holding a value that no key of the cipher opens (a key that is missing,
    /// or a damaged value): left as they are.
    pub rows_unreadable: u64,
}

impl ReencryptBatch {
    /// Adds the counts of `other`.
    pub fn add(&mut self, other: &ReencryptBatch) {
        self.rows_read += other.rows_read;
        self.rows_reencrypted += other.rows_reencrypted;
        self.values_reencrypted += other.values_reencrypted;
        self.rows_changed_meanwhile += other.rows_changed_meanwhile;
        self.rows_unreadable += other.rows_unreadable;
    }

    /// Counts a row read and what resealing it gave; the rewrite to make, if any.
    pub(crate) fn read<T>(&mut self, resealed: Resealed<T>) -> Option<Rewrite<T>> {
        self.rows_read += 1;
        match resealed {
            Ok(rewrite) => rewrite,
            Err(DecryptError) => {
                self.rows_unreadable += 1;
                None
            }
        }
    }

    /// Counts a rewrite, made or found stale.
    pub(crate) fn written(&mut self, values: u64, made: bool) {
        if made {
            self.rows_reencrypted += 1;
            self.values_reencrypted += values;
        } else {
            self.rows_changed_meanwhile += 1;
        }
    }
}

/// A row resealed: the rewrite to make (`None` when the primary key already seals it
/// all), or the error of a value no key opens.
pub(crate) type Resealed<T> = Result<Option<Rewrite<T>>, DecryptError>;

/// A row's new ciphertexts and how many values changed.
pub(crate) struct Rewrite<T> {
    pub(crate) row: T,
    pub(crate) values: u64,
}

/// A `user_connector_credentials` row's ciphertexts.
#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsCiphertexts {
    pub(crate) id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) connector_code: String,
    pub(crate) access_token: Option<Vec<u8>>,
    pub(crate) refresh_token: Option<Vec<u8>>,
    pub(crate) extra_json: String,
    pub(crate) version: i64,
}

impl CredentialsCiphertexts {
    /// Every sealed value of the row with its column; secret fields whose stored form
    /// is not base64 count as `invalid`.
    pub(crate) fn values(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut values: Vec<(&'static str, Vec<u8>)> = [
            (ACCESS_TOKEN, &self.access_token),
            (REFRESH_TOKEN, &self.refresh_token),
        ]
        .into_iter()
        .filter_map(|(column, value)| Some((column, value.clone()?)))
        .collect();
        if let Some(secrets) = secrets_of(&self.extra_json) {
            for value in secrets.values() {
                let bytes = value
                    .as_str()
                    .and_then(|encoded| BASE64.decode(encoded).ok())
                    .unwrap_or_default();
                values.push((EXTRA_SECRETS, bytes));
            }
        }
        values
    }

    /// The row with every value sealed by the primary key, or `None` when it already
    /// is.
    pub(crate) fn reseal(self, cipher: &Cipher) -> Resealed<Self> {
        let user = self.user_id;
        let connector = self.connector_code.clone();
        let mut values = 0;
        let mut reseal_column = |column: &str, value: Option<Vec<u8>>| match value {
            Some(sealed) => {
                match cipher.reseal(&credentials_context(user, &connector, column), &sealed)? {
                    Some(resealed) => {
                        values += 1;
                        Ok::<_, DecryptError>(Some(resealed))
                    }
                    None => Ok(Some(sealed)),
                }
            }
            None => Ok(None),
        };
        let access_token = reseal_column(ACCESS_TOKEN, self.access_token)?;
        let refresh_token = reseal_column(REFRESH_TOKEN, self.refresh_token)?;
        let mut extra: Map<String, Value> =
            serde_json::from_str(&self.extra_json).map_err(|_| DecryptError)?;
        if let Some(Value::Object(secrets)) = extra.get_mut("secrets") {
            for (name, value) in secrets.iter_mut() {
                let sealed = value
                    .as_str()
                    .and_then(|encoded| BASE64.decode(encoded).ok())
                    .ok_or(DecryptError)?;
                let field = secret_field(name);
                if let Some(resealed) = reseal_column(&field, Some(sealed))? {
                    *value = Value::String(BASE64.encode(resealed));
                }
            }
        }
        if values == 0 {
            return Ok(None);
        }
        Ok(Some(Rewrite {
            values,
            row: Self {
                access_token,
                refresh_token,
                extra_json: Value::Object(extra).to_string(),
                ..self
            },
        }))
    }
}

fn secrets_of(extra_json: &str) -> Option<Map<String, Value>> {
    match serde_json::from_str::<Map<String, Value>>(extra_json)
        .ok()?
        .remove("secrets")
    {
        Some(Value::Object(secrets)) => Some(secrets),
        _ => None,
    }
}

/// An `oauth_states` row's sealed PKCE verifier.
#[derive(sqlx::FromRow)]
pub(crate) struct StateCiphertext {
    pub(crate) state_hash: String,
    pub(crate) user_id: Uuid,
    pub(crate) connector_code: String,
    pub(crate) pkce_verifier: Vec<u8>,
}

impl StateCiphertext {
    /// The verifier sealed by the primary key (with the old one, to rewrite only an
    /// unchanged row), or `None` when it already is.
    pub(crate) fn reseal(self, cipher: &Cipher) -> Resealed<(Self, Vec<u8>)> {
        let context = crate::cipher::Context {
            table: STATES_TABLE,
            user: self.user_id,
            connector: &self.connector_code,
            field: PKCE_VERIFIER,
            row: &self.state_hash,
        };
        Ok(cipher
            .reseal(&context, &self.pkce_verifier)?
            .map(|resealed| Rewrite {
                row: (self, resealed),
                values: 1,
            }))
    }
}

/// A `pending_revocations` row's sealed tokens.
#[derive(sqlx::FromRow, Clone)]
pub(crate) struct RevocationCiphertexts {
    pub(crate) id: Uuid,
    pub(crate) user_id: Uuid,
    pub(crate) connector_code: String,
    pub(crate) access_token: Option<Vec<u8>>,
    pub(crate) refresh_token: Option<Vec<u8>>,
}

impl RevocationCiphertexts {
    /// The tokens sealed by the primary key (with the old row, to rewrite only an
    /// unchanged one), or `None` when they already are.
    pub(crate) fn reseal(self, cipher: &Cipher) -> Resealed<(Self, Self)> {
        let row = self.id.to_string();
        let mut values = 0;
        let mut reseal_column = |column: &str, value: &Option<Vec<u8>>| match value {
            Some(sealed) => {
                let context = revocation_context(&row, self.user_id, &self.connector_code, column);
                match cipher.reseal(&context, sealed)? {
                    Some(resealed) => {
                        values += 1;
                        Ok::<_, DecryptError>(Some(resealed))
                    }
                    None => Ok(Some(sealed.clone())),
                }
            }
            None => Ok(None),
        };
        let access_token = reseal_column(ACCESS_TOKEN, &self.access_token)?;
        let refresh_token = reseal_column(REFRESH_TOKEN, &self.refresh_token)?;
        if values == 0 {
            return Ok(None);
        }
        let new = Self {
            access_token,
            refresh_token,
            ..self.clone()
        };
        Ok(Some(Rewrite {
            row: (self, new),
            values,
        }))
    }
}

/// Rows of `user_connector_credentials` after `$1`, in id order, at most `$2`.
pub(crate) const PAGE_CREDENTIALS: &str = "\
    SELECT id, user_id, connector_code, access_token, refresh_token, extra_json, version \
    FROM user_connector_credentials WHERE id > $1 ORDER BY id LIMIT $2";

/// Same ciphertexts, same version: the tokens are the same, only sealed anew, so the
/// version (the compare-and-swap of refreshes) stays as it is.
pub(crate) const REWRITE_CREDENTIALS: &str = "\
    UPDATE user_connector_credentials \
    SET access_token = $3, refresh_token = $4, extra_json = $5 \
    WHERE id = $1 AND version = $2";

pub(crate) const PAGE_STATES: &str = "\
    SELECT state_hash, user_id, connector_code, pkce_verifier FROM oauth_states \
    WHERE state_hash > $1 AND pkce_verifier IS NOT NULL ORDER BY state_hash LIMIT $2";

pub(crate) const REWRITE_STATE: &str = "\
    UPDATE oauth_states SET pkce_verifier = $2 WHERE state_hash = $1 AND pkce_verifier = $3";

pub(crate) const PAGE_REVOCATIONS: &str = "\
    SELECT id, user_id, connector_code, access_token, refresh_token FROM pending_revocations \
    WHERE id > $1 ORDER BY id LIMIT $2";

/// Only when both tokens are still the ones read (`$6`, an empty value, stands for a
/// missing one: no ciphertext is empty).
pub(crate) const REWRITE_REVOCATION: &str = "\
    UPDATE pending_revocations SET access_token = $2, refresh_token = $3 \
    WHERE id = $1 AND COALESCE(access_token, $6) = COALESCE($4, $6) \
      AND COALESCE(refresh_token, $6) = COALESCE($5, $6)";

pub(crate) const REWRITE_KEY_CHECK: &str =
    "UPDATE store_meta SET value = $1 WHERE key = 'key_check' AND value = $2";

pub(crate) const SELECT_KEY_CHECK_VALUE: &str =
    "SELECT value FROM store_meta WHERE key = 'key_check'";

/// Implements `key_status` and `reencrypt_batch` for a store struct with `pool` and
/// `cipher` fields and a `begin_write` method, over the sqlx database `$db`.
macro_rules! impl_key_rotation {
    ($store:ident, $db:ty, $has_store_meta:literal) => {
        impl $store {
            /// Whether this cipher opens the database's key check, changing nothing (no
            /// migration, no resealing): [`KeyCheck::Missing`](crate::KeyCheck::Missing)
            /// when the database has none yet (it was never migrated), else which key
            /// of the cipher opened it.
            ///
            /// # Errors
            ///
            /// [`StoreError::WrongKey`](connectors_core::StoreError::WrongKey) when no
            /// key of the cipher opens it; the database's failures.
            pub async fn verify_key(&self) -> Result<crate::KeyCheck, connectors_core::StoreError> {
                use crate::sealed::db_error;
                let (tables,): (i64,) = sqlx::query_as($has_store_meta)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(db_error)?;
                if tables == 0 {
                    return Ok(crate::KeyCheck::Missing);
                }
                let stored: Option<(Vec<u8>,)> =
                    sqlx::query_as(crate::rotation::SELECT_KEY_CHECK_VALUE)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(db_error)?;
                let Some((stored,)) = stored else {
                    return Ok(crate::KeyCheck::Missing);
                };
                match self
                    .cipher
                    .decrypt(&crate::sql::key_check_context(), &stored)
                {
                    Ok(opened) if opened.plaintext == crate::sql::KEY_CHECK_PLAINTEXT => {
                        Ok(if opened.with_primary {
                            crate::KeyCheck::Primary
                        } else {
                            crate::KeyCheck::Previous
                        })
                    }
                    _ => Err(connectors_core::StoreError::WrongKey),
                }
            }

            /// Which key seals each stored value: every token, secret config field,
            /// PKCE verifier, queued revocation and the key check, counted by table,
            /// column and key id. Reads every row, a page at a time.
            ///
            /// # Errors
            ///
            /// The database's failures.
            pub async fn key_status(
                &self,
            ) -> Result<crate::KeyStatus, connectors_core::StoreError> {
                use crate::rotation::*;
                use crate::sealed::{
                    ACCESS_TOKEN, CREDENTIALS_TABLE, REFRESH_TOKEN, REVOCATIONS_TABLE, STATES_TABLE,
                };
                const PAGE: i64 = 1000;
                let mut tally = StatusTally::new(&self.cipher);
                let mut after = uuid::Uuid::nil();
                loop {
                    let rows = self
                        .page::<CredentialsCiphertexts, _>(PAGE_CREDENTIALS, after, PAGE)
                        .await?;
                    for row in &rows {
                        let values = row.values();
                        tally.row(
                            CREDENTIALS_TABLE,
                            values
                                .iter()
                                .map(|(column, value)| (*column, value.as_slice())),
                        );
                    }
                    match rows.last() {
                        Some(last) if rows.len() as i64 == PAGE => after = last.id,
                        _ => break,
                    }
                }
                let mut after = String::new();
                loop {
                    let rows = self
                        .page::<StateCiphertext, _>(PAGE_STATES, after.clone(), PAGE)
                        .await?;
                    for row in &rows {
                        tally.row(
                            STATES_TABLE,
                            [(crate::sealed::PKCE_VERIFIER, row.pkce_verifier.as_slice())],
                        );
                    }
                    match rows.last() {
                        Some(last) if rows.len() as i64 == PAGE => after = last.state_hash.clone(),
                        _ => break,
                    }
                }
                let mut after = uuid::Uuid::nil();
                loop {
                    let rows = self
                        .page::<RevocationCiphertexts, _>(PAGE_REVOCATIONS, after, PAGE)
                        .await?;
                    for row in &rows {
                        let values = [
                            (ACCESS_TOKEN, &row.access_token),
                            (REFRESH_TOKEN, &row.refresh_token),
                        ];
                        tally.row(
                            REVOCATIONS_TABLE,
                            values
                                .into_iter()
                                .filter_map(|(column, value)| Some((column, value.as_deref()?))),
                        );
                    }
                    match rows.last() {
                        Some(last) if rows.len() as i64 == PAGE => after = last.id,
                        _ => break,
                    }
                }
                let key_check: Option<(Vec<u8>,)> = sqlx::query_as(SELECT_KEY_CHECK_VALUE)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)?;
                if let Some((value,)) = key_check {
                    tally.row("store_meta", [(crate::sql::KEY_CHECK, value.as_slice())]);
                }
                Ok(tally.finish())
            }

            /// Re-encrypts under the primary key the values that older keys sealed, in
            /// the next `limit` rows of the pass `cursor` follows (one table at a time:
            /// credentials, OAuth states, queued revocations, the key check), and moves the
            /// cursor on.
            /// The rewrites of a batch commit together; each is conditional on its row
            /// being unchanged since it was read, so a concurrent write is never lost.
            /// Safe to run while servers use the store, and to stop at any point: a
            /// new pass resumes from what the data says (see
            /// [`ReencryptCursor`](crate::ReencryptCursor)).
            ///
            /// The crate's documentation (*Key rotation*) shows a whole pass.
            ///
            /// # Errors
            ///
            /// The database's failures; the cursor then stays where it was.
            pub async fn reencrypt_batch(
                &self,
                cursor: &mut crate::ReencryptCursor,
                limit: u32,
            ) -> Result<crate::ReencryptBatch, connectors_core::StoreError> {
                use crate::rotation::*;
                use crate::sealed::db_error;
                let limit = i64::from(limit.max(1));
                let mut batch = ReencryptBatch::default();
                let next = match &cursor.0 {
                    Position::Credentials(after) => {
                        let rows = self
                            .page::<CredentialsCiphertexts, _>(PAGE_CREDENTIALS, *after, limit)
                            .await?;
                        let next = match rows.last() {
                            Some(last) if rows.len() as i64 == limit => {
                                Position::Credentials(last.id)
                            }
                            _ => Position::States(String::new()),
                        };
                        let rewrites: Vec<_> = rows
                            .into_iter()
                            .filter_map(|row| batch.read(row.reseal(&self.cipher)))
                            .collect();
                        if !rewrites.is_empty() {
                            let mut tx = self.begin_write().await?;
                            for Rewrite { row, values } in rewrites {
                                let done = sqlx::query(REWRITE_CREDENTIALS)
                                    .bind(row.id)
                                    .bind(row.version)
                                    .bind(&row.access_token)
                                    .bind(&row.refresh_token)
                                    .bind(&row.extra_json)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(db_error)?;
                                batch.written(values, done.rows_affected() == 1);
                            }
                            tx.commit().await.map_err(db_error)?;
                        }
                        next
                    }
                    Position::States(after) => {
                        let rows = self
                            .page::<StateCiphertext, _>(PAGE_STATES, after.clone(), limit)
                            .await?;
                        let next = match rows.last() {
                            Some(last) if rows.len() as i64 == limit => {
                                Position::States(last.state_hash.clone())
                            }
                            _ => Position::Revocations(uuid::Uuid::nil()),
                        };
                        let rewrites: Vec<_> = rows
                            .into_iter()
                            .filter_map(|row| batch.read(row.reseal(&self.cipher)))
                            .collect();
                        if !rewrites.is_empty() {
                            let mut tx = self.begin_write().await?;
                            for Rewrite {
                                row: (old, resealed),
                                values,
                            } in rewrites
                            {
                                let done = sqlx::query(REWRITE_STATE)
                                    .bind(&old.state_hash)
                                    .bind(&resealed)
                                    .bind(&old.pkce_verifier)
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(db_error)?;
                                batch.written(values, done.rows_affected() == 1);
                            }
                            tx.commit().await.map_err(db_error)?;
                        }
                        next
                    }
                    Position::Revocations(after) => {
                        let rows = self
                            .page::<RevocationCiphertexts, _>(PAGE_REVOCATIONS, *after, limit)
                            .await?;
                        let next = match rows.last() {
                            Some(last) if rows.len() as i64 == limit => {
                                Position::Revocations(last.id)
                            }
                            _ => Position::KeyCheck,
                        };
                        let rewrites: Vec<_> = rows
                            .into_iter()
                            .filter_map(|row| batch.read(row.reseal(&self.cipher)))
                            .collect();
                        if !rewrites.is_empty() {
                            let mut tx = self.begin_write().await?;
                            for Rewrite {
                                row: (old, new),
                                values,
                            } in rewrites
                            {
                                let done = sqlx::query(REWRITE_REVOCATION)
                                    .bind(old.id)
                                    .bind(&new.access_token)
                                    .bind(&new.refresh_token)
                                    .bind(&old.access_token)
                                    .bind(&old.refresh_token)
                                    .bind(Vec::<u8>::new())
                                    .execute(&mut *tx)
                                    .await
                                    .map_err(db_error)?;
                                batch.written(values, done.rows_affected() == 1);
                            }
                            tx.commit().await.map_err(db_error)?;
                        }
                        next
                    }
                    Position::KeyCheck => {
                        let stored: Option<(Vec<u8>,)> = sqlx::query_as(SELECT_KEY_CHECK_VALUE)
                            .fetch_optional(&self.pool)
                            .await
                            .map_err(db_error)?;
                        if let Some((stored,)) = stored {
                            let resealed = self
                                .cipher
                                .reseal(&crate::sql::key_check_context(), &stored);
                            if let Some(Rewrite {
                                row: resealed,
                                values,
                            }) = batch
                                .read(resealed.map(|new| new.map(|row| Rewrite { row, values: 1 })))
                            {
                                let done = sqlx::query(REWRITE_KEY_CHECK)
                                    .bind(&resealed)
                                    .bind(&stored)
                                    .execute(&self.pool)
                                    .await
                                    .map_err(db_error)?;
                                batch.written(values, done.rows_affected() == 1);
                            }
                        }
                        Position::Done
                    }
                    Position::Done => Position::Done,
                };
                cursor.0 = next;
                Ok(batch)
            }

            /// One page of `statement` (`$1` the key to read after, `$2` the limit).
            async fn page<Row, After>(
                &self,
                statement: &'static str,
                after: After,
                limit: i64,
            ) -> Result<Vec<Row>, connectors_core::StoreError>
            where
                Row: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
                After: for<'q> sqlx::Encode<'q, $db> + sqlx::Type<$db> + Send + 'static,
            {
                sqlx::query_as::<_, Row>(statement)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(crate::sealed::db_error)
            }
        }
    };
}

pub(crate) use impl_key_rotation;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::Context;

    #[test]
    fn a_missing_key_is_named_once_however_many_tables_hold_its_values() {
        let lost = Cipher::generate();
        let kept = Cipher::generate();
        let context = Context {
            table: CREDENTIALS_TABLE,
            user: Uuid::nil(),
            connector: "gmail",
            field: ACCESS_TOKEN,
            row: "",
        };
        let old = lost.encrypt(&context, b"old");
        let new = kept.encrypt(&context, b"new");
        let mut tally = StatusTally::new(&kept);
        tally.row(CREDENTIALS_TABLE, [(ACCESS_TOKEN, old.as_slice())]);
        tally.row(STATES_TABLE, [(PKCE_VERIFIER, new.as_slice())]);
        tally.row(
            REVOCATIONS_TABLE,
            [
                (ACCESS_TOKEN, b"not a ciphertext".as_slice()),
                (REFRESH_TOKEN, &old),
            ],
        );

        let status = tally.finish();

        let mut expected = vec!["invalid".to_owned(), lost.key_id()];
        expected.sort();
        assert_eq!(status.missing_key_ids(), expected);
        assert_eq!(status.values_on(&lost.key_id()), 2);
        assert_eq!(status.values_on(&kept.key_id()), 1);
        assert_eq!(status.values_on_old_keys(), 3);
        let rows: Vec<_> = status.rows_on_old_keys().iter().collect();
        assert_eq!(rows, [(&REVOCATIONS_TABLE, &1), (&CREDENTIALS_TABLE, &1)]);
    }
}
