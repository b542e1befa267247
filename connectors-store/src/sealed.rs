//! Credentials as the SQL stores write them: tokens and secret fields sealed, the rest
//! in clear, timestamps as unix seconds.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use connectors_core::{
    AccessToken, Credentials, RefreshHealth, RefreshToken, RefreshedToken, StoreError,
    StoredCredentials, UserId,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::cipher::{Cipher, Context};

pub(crate) const CREDENTIALS_TABLE: &str = "user_connector_credentials";
pub(crate) const STATES_TABLE: &str = "oauth_states";
pub(crate) const PKCE_VERIFIER: &str = "pkce_verifier";
pub(crate) const ACCESS_TOKEN: &str = "access_token";
pub(crate) const REFRESH_TOKEN: &str = "refresh_token";

/// The columns of a `user_connector_credentials` row that hold the credentials.
pub(crate) struct SealedCredentials {
    pub(crate) provider: String,
    pub(crate) access_token: Option<Vec<u8>>,
    pub(crate) refresh_token: Option<Vec<u8>>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) scopes: String,
    pub(crate) extra_json: String,
    pub(crate) refresh_token_expires_at: Option<i64>,
}

/// A `user_connector_credentials` row as read back.
#[derive(sqlx::FromRow)]
pub(crate) struct CredentialsRow {
    pub(crate) provider: String,
    pub(crate) access_token: Option<Vec<u8>>,
    pub(crate) refresh_token: Option<Vec<u8>>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) scopes: String,
    pub(crate) extra_json: String,
    pub(crate) version: i64,
    pub(crate) refresh_token_expires_at: Option<i64>,
    pub(crate) refresh_failures: i64,
    pub(crate) retry_at: Option<i64>,
    pub(crate) refreshable: bool,
    /// The holder of a live lease (by the database's clock), else `NULL`.
    pub(crate) lease_holder: Option<uuid::Uuid>,
}

pub(crate) fn credentials_context<'a>(
    user: UserId,
    connector: &'a str,
    field: &'a str,
) -> Context<'a> {
    Context {
        table: CREDENTIALS_TABLE,
        user,
        connector,
        field,
        row: "",
    }
}

pub(crate) fn secret_field(name: &str) -> String {
    format!("extra_json.secrets.{name}")
}

/// Seals the tokens and secret fields of `credentials` for the row of `(user, connector)`.
pub(crate) fn seal(
    cipher: &Cipher,
    user: UserId,
    connector: &str,
    credentials: &Credentials,
) -> SealedCredentials {
    let seal_field = |field: &str, plaintext: &str| {
        cipher.encrypt(
            &credentials_context(user, connector, field),
            plaintext.as_bytes(),
        )
    };
    let secrets: Map<String, Value> = credentials
        .secrets
        .iter()
        .map(|(name, value)| {
            let sealed = seal_field(&secret_field(name), value.expose_secret());
            (name.clone(), Value::String(BASE64.encode(sealed)))
        })
        .collect();
    let extra = serde_json::json!({
        "public": credentials.public,
        "secrets": secrets,
    });
    SealedCredentials {
        provider: credentials.provider.clone(),
        access_token: credentials
            .access_token
            .as_ref()
            .map(|token| seal_field(ACCESS_TOKEN, token.secret())),
        refresh_token: credentials
            .refresh_token
            .as_ref()
            .map(|token| seal_field(REFRESH_TOKEN, token.secret())),
        expires_at: credentials.expires_at.map(OffsetDateTime::unix_timestamp),
        scopes: credentials.scopes.join(" "),
        extra_json: extra.to_string(),
        refresh_token_expires_at: credentials
            .refresh_token_expires_at
            .map(OffsetDateTime::unix_timestamp),
    }
}

/// Opens a row sealed by [`seal`] for the same `(user, connector)`.
pub(crate) fn open(
    cipher: &Cipher,
    user: UserId,
    connector: &str,
    row: CredentialsRow,
) -> Result<StoredCredentials, StoreError> {
    let open_field = |field: &str, sealed: &[u8]| {
        open_string(cipher, &credentials_context(user, connector, field), sealed)
    };
    let extra = parse_extra(&row.extra_json)?;
    let mut secrets = BTreeMap::new();
    if let Some(Value::Object(sealed)) = extra.get("secrets") {
        for (name, value) in sealed {
            let field = secret_field(name);
            let bytes = value
                .as_str()
                .and_then(|encoded| BASE64.decode(encoded).ok())
                .ok_or_else(|| StoreError::Decrypt {
                    field: field.clone(),
                })?;
            secrets.insert(name.clone(), open_field(&field, &bytes)?);
        }
    }
    let credentials = Credentials {
        provider: row.provider,
        access_token: row
            .access_token
            .map(|sealed| open_field(ACCESS_TOKEN, &sealed))
            .transpose()?
            .map(|token| AccessToken::new(token.expose_secret().to_owned())),
        refresh_token: row
            .refresh_token
            .map(|sealed| open_field(REFRESH_TOKEN, &sealed))
            .transpose()?
            .map(|token| RefreshToken::new(token.expose_secret().to_owned())),
        expires_at: row.expires_at.map(from_unix).transpose()?,
        scopes: split_scopes(&row.scopes),
        public: public_of(extra),
        secrets,
        refresh_token_expires_at: row.refresh_token_expires_at.map(from_unix).transpose()?,
    };
    Ok(StoredCredentials {
        credentials,
        version: row.version,
        health: RefreshHealth {
            failures: u32::try_from(row.refresh_failures).unwrap_or(u32::MAX),
            retry_at: row.retry_at.map(from_unix).transpose()?,
            refreshable: row.refreshable,
        },
        lease_holder: row.lease_holder,
    })
}

/// The field of a refresh notice's context (see [`seal_refresh_notice`]).
const REFRESH_NOTICE: &str = "refresh_notice";
/// The longest sealed notice sent, in base64: PostgreSQL refuses notification payloads
/// of 8,000 bytes and more. Waiters on a longer token read the row instead.
const REFRESH_NOTICE_MAX: usize = 7_000;

/// What a refresh notice is sealed under: the row, and the version it tells of, so
/// that a notice cannot be replayed as a later version's or another row's.
fn notice_context<'a>(user: UserId, connector: &'a str, version: &'a str) -> Context<'a> {
    Context {
        row: version,
        ..credentials_context(user, connector, REFRESH_NOTICE)
    }
}

/// The notice of a refresh of `(user, connector)` to `version`, for the waiters of other
/// replicas to use without reading the row: the new access token and its expiry,
/// sealed, in base64. `None` without an access token, or when too long to notify.
pub(crate) fn seal_refresh_notice(
    cipher: &Cipher,
    user: UserId,
    connector: &str,
    version: i64,
    credentials: &Credentials,
) -> Option<String> {
    let token = credentials.access_token.as_ref()?;
    let expires_at = credentials
        .expires_at
        .map(|at| at.unix_timestamp().to_string())
        .unwrap_or_default();
    let mut plaintext = format!("{expires_at}\n{}", token.secret()).into_bytes();
    let version = version.to_string();
    let sealed = cipher.encrypt(&notice_context(user, connector, &version), &plaintext);
    plaintext.fill(0);
    let encoded = BASE64.encode(sealed);
    (encoded.len() <= REFRESH_NOTICE_MAX).then_some(encoded)
}

/// Opens a notice sealed by [`seal_refresh_notice`] for the same row and version; `None`
/// when it does not open (forged, replayed, or sealed with a key this store lacks).
pub(crate) fn open_refresh_notice(
    cipher: &Cipher,
    user: UserId,
    connector: &str,
    version: i64,
    sealed: &str,
) -> Option<RefreshedToken> {
    let bytes = BASE64.decode(sealed).ok()?;
    let version_text = version.to_string();
    let context = notice_context(user, connector, &version_text);
    let opened = open_string(cipher, &context, &bytes).ok()?;
    let (expires_at, token) = opened.expose_secret().split_once('\n')?;
    let expires_at = match expires_at {
        "" => None,
        seconds => Some(from_unix(seconds.parse().ok()?).ok()?),
    };
    Some(RefreshedToken {
        version,
        access_token: AccessToken::new(token.to_owned()),
        expires_at,
    })
}

/// Decrypts a value sealed under `context` into a secret string.
pub(crate) fn open_string(
    cipher: &Cipher,
    context: &Context<'_>,
    sealed: &[u8],
) -> Result<SecretString, StoreError> {
    let decrypt_error = || StoreError::Decrypt {
        field: context.field.to_owned(),
    };
    let plaintext = cipher
        .decrypt(context, sealed)
        .map_err(|_| decrypt_error())?
        .plaintext;
    String::from_utf8(plaintext)
        .map(SecretString::from)
        .map_err(|_| decrypt_error())
}

/// The public part of a stored `extra_json`, without touching its secrets.
pub(crate) fn public_part(extra_json: &str) -> Result<Map<String, Value>, StoreError> {
    parse_extra(extra_json).map(public_of)
}

fn parse_extra(extra_json: &str) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(extra_json).map_err(|error| StoreError::Database(Box::new(error)))
}

fn public_of(mut extra: Map<String, Value>) -> Map<String, Value> {
    match extra.remove("public") {
        Some(Value::Object(public)) => public,
        _ => Map::new(),
    }
}

pub(crate) fn split_scopes(scopes: &str) -> Vec<String> {
    scopes.split_whitespace().map(str::to_owned).collect()
}

pub(crate) fn from_unix(seconds: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|error| StoreError::Database(Box::new(error)))
}

/// A duration in whole seconds, rounded up (a lease is never shorter than asked).
pub(crate) fn whole_seconds(duration: std::time::Duration) -> i64 {
    let seconds = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

pub(crate) fn unix_now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The version of a newly inserted credentials row: the current time in microseconds,
/// so that a row deleted and created again never repeats a version a refresh started
/// before the deletion could still expect.
pub(crate) fn initial_version() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX / 2)
}

/// Turns a database failure into a [`StoreError`], naming a missing user as such.
pub(crate) fn db_error(error: sqlx::Error) -> StoreError {
    match &error {
        sqlx::Error::Database(database) if database.is_foreign_key_violation() => {
            StoreError::UnknownUser
        }
        _ => StoreError::Database(Box::new(error)),
    }
}

pub(crate) const REVOCATIONS_TABLE: &str = "pending_revocations";

/// The sealed tokens of a `pending_revocations` row, bound to its table, user,
/// connector, column and row id.
pub(crate) struct SealedRevocation {
    pub(crate) access_token: Option<Vec<u8>>,
    pub(crate) refresh_token: Option<Vec<u8>>,
}

pub(crate) fn revocation_context<'a>(
    pending_id: &'a str,
    user: UserId,
    connector: &'a str,
    field: &'a str,
) -> Context<'a> {
    Context {
        table: REVOCATIONS_TABLE,
        user,
        connector,
        field,
        row: pending_id,
    }
}

/// Seals the tokens of a queued revocation.
pub(crate) fn seal_revocation(
    cipher: &Cipher,
    pending: &connectors_core::PendingRevocation,
) -> SealedRevocation {
    let row = pending.id.to_string();
    let seal_field = |field: &str, plaintext: &str| {
        cipher.encrypt(
            &revocation_context(&row, pending.user_id, &pending.connector_code, field),
            plaintext.as_bytes(),
        )
    };
    SealedRevocation {
        access_token: pending
            .credentials
            .access_token
            .as_ref()
            .map(|token| seal_field(ACCESS_TOKEN, token.secret())),
        refresh_token: pending
            .credentials
            .refresh_token
            .as_ref()
            .map(|token| seal_field(REFRESH_TOKEN, token.secret())),
    }
}

/// A `pending_revocations` row as read back.
#[derive(sqlx::FromRow)]
pub(crate) struct RevocationRow {
    pub(crate) id: uuid::Uuid,
    pub(crate) user_id: uuid::Uuid,
    pub(crate) connector_code: String,
    pub(crate) provider: String,
    pub(crate) access_token: Option<Vec<u8>>,
    pub(crate) refresh_token: Option<Vec<u8>>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) attempts: i32,
    pub(crate) next_attempt_at: i64,
}

/// Opens a row sealed by [`seal_revocation`].
pub(crate) fn open_revocation(
    cipher: &Cipher,
    row: RevocationRow,
) -> Result<connectors_core::PendingRevocation, StoreError> {
    let id = row.id.to_string();
    let open_field = |field: &str, sealed: &[u8]| {
        open_string(
            cipher,
            &revocation_context(&id, row.user_id, &row.connector_code, field),
            sealed,
        )
    };
    let access_token = row
        .access_token
        .as_deref()
        .map(|sealed| open_field(ACCESS_TOKEN, sealed))
        .transpose()?
        .map(|token| AccessToken::new(token.expose_secret().to_owned()));
    let refresh_token = row
        .refresh_token
        .as_deref()
        .map(|sealed| open_field(REFRESH_TOKEN, sealed))
        .transpose()?
        .map(|token| RefreshToken::new(token.expose_secret().to_owned()));
    Ok(connectors_core::PendingRevocation {
        id: row.id,
        user_id: row.user_id,
        connector_code: row.connector_code,
        credentials: Credentials {
            provider: row.provider,
            access_token,
            refresh_token,
            expires_at: row.expires_at.map(from_unix).transpose()?,
            ..Credentials::default()
        },
        attempts: u32::try_from(row.attempts).unwrap_or_default(),
        next_attempt_at: from_unix(row.next_attempt_at)?,
    })
}

/// A `connector_events` row as read back.
#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    pub(crate) id: String,
    #[sqlx(rename = "type")]
    pub(crate) event_type: String,
    pub(crate) user_id: uuid::Uuid,
    pub(crate) connector_code: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) data_json: String,
}

impl TryFrom<EventRow> for connectors_core::Event {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        let event_type = connectors_core::EventType::parse(&row.event_type).ok_or_else(|| {
            StoreError::Database(format!("unknown event type {:?}", row.event_type).into())
        })?;
        Ok(Self {
            id: row.id,
            event_type,
            user_id: row.user_id,
            connector: row.connector_code,
            created_at: from_unix(row.created_at)?,
            data: parse_extra(&row.data_json)?,
        })
    }
}

/// A row of a delivery claim: the event, its place in the queue and its attempts.
#[derive(sqlx::FromRow)]
pub(crate) struct DeliveryRow {
    pub(crate) seq: i64,
    #[sqlx(flatten)]
    pub(crate) event: EventRow,
    pub(crate) attempts: i32,
}

impl TryFrom<DeliveryRow> for connectors_core::PendingDelivery {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Self {
            event: row.event.try_into()?,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
        })
    }
}
