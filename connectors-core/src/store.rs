//! The storage side of the SDK: what [`ConnectorAuthService`](crate::ConnectorAuthService)
//! needs from a credential store, as an object-safe trait.
//!
//! Implementations live in the `connectors-store` crate (SQLite, PostgreSQL, in memory).
//! Values cross this trait in plaintext; encrypting them at rest is the store's job.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use oauth2::{AccessToken, RefreshToken};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::{Event, EventQuery, EventType, PendingDelivery};

/// The id of a user of the embedding application.
pub type UserId = Uuid;

/// What [`CredentialStore::watch_credentials`] returns: a future that ends when the
/// store hears that a credentials row may have changed, or after its fallback poll.
/// It gives the row's new access token when the store's notice of a refresh carried it
/// (see [`RefreshedToken`]), else `None`: the caller then reads the row.
pub type CredentialsWatch =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<RefreshedToken>> + Send>>;

/// A refresh another handle on the same data wrote, as a store's notice told it: the
/// row's version after the refresh and its new access token. A store gives one only
/// when the notice cannot be forged or replayed by whoever else can send notices
/// (connectors-store's `PgStore` seals it with the store's key, the version bound in),
/// so that a waiter may use it without reading the row.
#[derive(Debug, Clone)]
pub struct RefreshedToken {
    /// The row's version once refreshed.
    pub version: i64,
    /// The new access token.
    pub access_token: AccessToken,
    /// When it expires (`None`: the provider did not say).
    pub expires_at: Option<OffsetDateTime>,
}

/// How long [`CredentialStore::watch_credentials`] waits when a store hears of no
/// change: such a store is read again this often by a caller waiting on a lease.
pub const CREDENTIALS_POLL: std::time::Duration = std::time::Duration::from_millis(25);

/// The watch of a store that hears of no change, or not yet: it ends after
/// [`CREDENTIALS_POLL`], telling nothing.
pub fn credentials_poll() -> CredentialsWatch {
    Box::pin(async {
        tokio::time::sleep(CREDENTIALS_POLL).await;
        None
    })
}

/// Where a user's connector stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorStatus {
    /// Credentials are stored and usable.
    Active,
    /// Never connected, or disconnected.
    Inactive,
    /// The provider refused the stored grant; the user must authorize again.
    NeedsReauth,
    /// The last attempt to use the connector failed for another reason.
    Error,
}

impl ConnectorStatus {
    /// The status as stored in `user_connectors.status`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::NeedsReauth => "needs_reauth",
            Self::Error => "error",
        }
    }

    /// Parses a stored status.
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "active" => Self::Active,
            "inactive" => Self::Inactive,
            "needs_reauth" => Self::NeedsReauth,
            "error" => Self::Error,
            _ => return None,
        })
    }
}

impl fmt::Display for ConnectorStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user's credentials for one connector, in plaintext (in memory only).
///
/// OAuth connectors fill the token fields; config connectors keep their non-secret
/// fields in `public` and their secret fields in `secrets`. `Debug` never prints a
/// secret.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// The provider the credentials belong to (`google`, `slack`, `smtp`, ...).
    pub provider: String,
    /// The OAuth access token.
    pub access_token: Option<AccessToken>,
    /// The OAuth refresh token.
    pub refresh_token: Option<RefreshToken>,
    /// When the access token expires, if the provider said.
    pub expires_at: Option<OffsetDateTime>,
    /// The scopes the provider granted.
    pub scopes: Vec<String>,
    /// Non-secret facts worth showing ("Connected as …"), or non-secret config fields.
    pub public: serde_json::Map<String, serde_json::Value>,
    /// Secret config fields (passwords, API tokens), encrypted one by one at rest.
    pub secrets: BTreeMap<String, SecretString>,
    /// When the refresh token itself stops working, when the provider said
    /// (`refresh_token_expires_in`, e.g. Google for apps in "Testing" status).
    pub refresh_token_expires_at: Option<OffsetDateTime>,
}

/// Credentials as read from the store, with the version used for compare-and-swap.
#[derive(Debug, Clone)]
pub struct StoredCredentials {
    /// The credentials.
    pub credentials: Credentials,
    /// Bumped by every write of the tokens; a write that expects an older version fails.
    pub version: i64,
    /// How the grant's refreshes have been going.
    pub health: RefreshHealth,
    /// The holder of the grant's refresh lease when the store read a live one (by the
    /// store's clock), else `None`: a caller that sees another holder's lease waits for
    /// its refresh instead of asking for the lease.
    pub lease_holder: Option<Uuid>,
}

/// How a grant's refreshes have been going: the failure policy's memory (SPEC §11).
///
/// A new connection or a successful refresh resets it to the default (no failures,
/// refreshable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshHealth {
    /// Transient refresh failures in a row.
    pub failures: u32,
    /// No refresh is tried before this time (the backoff after a transient failure).
    pub retry_at: Option<OffsetDateTime>,
    /// `false` once the provider refused the grant for good (`needs_reauth`): no worker
    /// tries it again until the user reconnects.
    pub refreshable: bool,
}

impl Default for RefreshHealth {
    fn default() -> Self {
        Self {
            failures: 0,
            retry_at: None,
            refreshable: true,
        }
    }
}

/// What a transient refresh failure records, in one transaction: the grant's new
/// [`RefreshHealth`], the connector's status and last error, and the
/// `connection.refresh_failed` event. The credentials stay as they are.
#[derive(Debug)]
pub struct RefreshFailure<'a> {
    /// Transient failures in a row, this one included.
    pub failures: u32,
    /// When the next refresh may be tried.
    pub retry_at: OffsetDateTime,
    /// `active` for the first failures, `error` from the third in a row.
    pub status: ConnectorStatus,
    /// The failure, in English words (no secret).
    pub last_error: &'a str,
    /// The provider's own words about the failure (its error code), when it gave some:
    /// shown as they are, never translated.
    pub last_error_detail: Option<&'a str>,
    /// The `connection.refresh_failed` event.
    pub event: &'a Event,
}

/// A grant the background worker should refresh now (see
/// [`CredentialStore::due_refreshes`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueGrant {
    /// Whose grant.
    pub user_id: UserId,
    /// Which connector.
    pub connector_code: String,
    /// The version read: the refresh replaces exactly this one.
    pub version: i64,
}

/// Which grants [`CredentialStore::due_refreshes`] returns: refreshable ones with a
/// refresh token, not backing off, not leased, and either expiring or idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueQuery {
    /// Access tokens expiring at or before this time are due.
    pub expiring_before: OffsetDateTime,
    /// Grants not written (connected or refreshed) since this time are due (keepalive).
    pub idle_since: OffsetDateTime,
    /// Now: backoffs and leases ending at or before it are over.
    pub now: OffsetDateTime,
    /// At most this many.
    pub limit: u32,
}

/// A grant whose refresh token expires soon and that has not been warned about (see
/// [`CredentialStore::expiring_grants`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringGrant {
    /// Whose grant.
    pub user_id: UserId,
    /// Which connector.
    pub connector_code: String,
    /// When its refresh token expires.
    pub refresh_token_expires_at: OffsetDateTime,
}

/// The server-side half of an authorization in progress (`oauth_states`).
#[derive(Debug, Clone)]
pub struct PendingAuthorization {
    /// SHA-256 (hex) of the `state` sent to the provider; the state itself is never stored.
    pub state_hash: String,
    /// The user who started the flow.
    pub user_id: UserId,
    /// The connector the flow is for.
    pub connector_code: String,
    /// The PKCE verifier, when the provider supports PKCE.
    pub pkce_verifier: Option<SecretString>,
    /// When the state stops being accepted.
    pub expires_at: OffsetDateTime,
}

/// What a user's connector looks like, without its secrets (`user_connectors` joined
/// with the non-secret columns of `user_connector_credentials`).
#[derive(Debug, Clone)]
pub struct ConnectorState {
    /// The connector's key.
    pub connector_code: String,
    /// Whether usable credentials are stored.
    pub connected: bool,
    /// Where the connector stands.
    pub status: ConnectorStatus,
    /// The last error, in English words, when `status` is `error` or `needs_reauth`.
    pub last_error: Option<String>,
    /// The provider's own words in `last_error`, when it gave some (its
    /// `error_description`, its error code): the part a page cannot translate.
    pub last_error_detail: Option<String>,
    /// How the grant's refreshes have been going (the default without credentials).
    pub health: RefreshHealth,
    /// When the user last connected it.
    pub connected_at: Option<OffsetDateTime>,
    /// When the access token expires.
    pub expires_at: Option<OffsetDateTime>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Non-secret facts and config fields.
    pub public: serde_json::Map<String, serde_json::Value>,
}

/// A grant whose revocation at the provider failed for a transient reason after its
/// credentials were purged: the store keeps its tokens (encrypted, like credentials)
/// until [`ConnectorAuthService::retry_revocations`](crate::ConnectorAuthService::retry_revocations)
/// gets the provider to confirm.
#[derive(Debug)]
pub struct PendingRevocation {
    /// Id of the queued revocation.
    pub id: Uuid,
    /// Whose grant.
    pub user_id: UserId,
    /// Which connector.
    pub connector_code: String,
    /// The grant's tokens as they were when purged (or as a later attempt refreshed
    /// them).
    pub credentials: Credentials,
    /// Attempts made so far (the first, at purge time, counts).
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: OffsetDateTime,
}

/// What a purge of credentials records with it, in the same transaction.
#[derive(Debug)]
pub struct Purge<'a> {
    /// The `connection.revoked` event, recorded only when credentials existed.
    pub event: &'a Event,
    /// A revocation to retry later, queued only when credentials existed.
    pub retry: Option<&'a PendingRevocation>,
}

/// A failure of the credential store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed.
    #[error("database error")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored ciphertext did not decrypt: wrong key, or a value moved between rows.
    #[error("stored secret could not be decrypted ({field})")]
    Decrypt {
        /// The column or field that failed.
        field: String,
    },
    /// The store is configured with a key that does not match the stored key check.
    #[error("the encryption key does not match the one this database was created with")]
    WrongKey,
    /// The referenced user does not exist.
    #[error("unknown user")]
    UnknownUser,
    /// The event an events query pages from (`before`) is not one of the user's.
    #[error("unknown event")]
    UnknownEvent,
}

/// Persistence of credentials, authorization states and connector statuses.
///
/// Object safe; held as `Arc<dyn CredentialStore>`. Every method is one short
/// database round trip: no transaction or connection is held across calls, so a
/// provider call between two store calls never pins a pooled connection.
///
/// # Errors
///
/// Every method fails with [`StoreError::Database`] when the database does; a read of
/// a stored secret that does not open fails with [`StoreError::Decrypt`]; writes for a
/// user the store does not know fail with [`StoreError::UnknownUser`] (the SQL stores;
/// see `register_user` in `connectors-store`). A write that loses a race is not an
/// error: it answers `None` or `false`, as each method says.
///
/// # Example
///
/// The contract every implementation keeps, shown on the in-memory store
/// (`MemoryStore`, feature `test-util`): each write of the credentials bumps their
/// version, and [`swap_credentials`](Self::swap_credentials) writes only over the
/// version it expects, which is how a refresh that lost a race learns it.
///
/// ```
/// use std::sync::Arc;
/// use connectors_core::{AccessToken, CredentialStore, Credentials, MemoryStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let store: Arc<dyn CredentialStore> = Arc::new(MemoryStore::new());
/// let user = uuid::Uuid::new_v4();
/// let tokens = |token: &str| Credentials {
///     provider: "google".into(),
///     access_token: Some(AccessToken::new(token.into())),
///     ..Credentials::default()
/// };
///
/// let first = store.save_credentials(user, "google_calendar", &tokens("ya29.first"), None).await?;
/// let stored = store.load_credentials(user, "google_calendar").await?.expect("just saved");
/// assert_eq!(stored.version, first);
///
/// // A refresh writes over the version it read...
/// let second = store
///     .swap_credentials(user, "google_calendar", first, &tokens("ya29.second"), &[])
///     .await?
///     .expect("nobody wrote in between");
/// // ...and a second writer still holding the old version is refused.
/// let stale = store
///     .swap_credentials(user, "google_calendar", first, &tokens("ya29.stale"), &[])
///     .await?;
/// assert_eq!(stale, None);
///
/// let now = store.load_credentials(user, "google_calendar").await?.expect("still there");
/// assert_eq!(now.version, second);
/// let token = now.credentials.access_token.expect("an OAuth grant");
/// assert_eq!(token.secret(), "ya29.second");
///
/// let states = store.connector_states(user).await?;
/// assert!(states[0].connected);
/// # Ok(()) }
/// ```
///
/// An implementation of your own can start from `MemoryStore`'s source, which does
/// each method in a few lines; the behaviour suite every store of the repository
/// passes is `connectors-store/tests/common/contract.rs`.
#[async_trait]
pub trait CredentialStore: Send + Sync + fmt::Debug + 'static {
    /// Saves an authorization in progress.
    async fn insert_pending_authorization(
        &self,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError>;

    /// Removes and returns the authorization in progress with this state hash: a state
    /// can be taken once.
    async fn take_pending_authorization(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingAuthorization>, StoreError>;

    /// Reads a user's credentials for a connector.
    async fn load_credentials(
        &self,
        user: UserId,
        connector: &str,
    ) -> Result<Option<StoredCredentials>, StoreError>;

    /// Reads a user's credentials for a connector again, for a caller already under
    /// way: one that waited for a refresh (its own replica's or another's) or holds the
    /// refresh lease. A store with connections reserved for refreshes reads there, so
    /// that such a caller does not queue behind the first reads of callers that came
    /// later. By default, [`CredentialStore::load_credentials`].
    async fn reload_credentials(
        &self,
        user: UserId,
        connector: &str,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        self.load_credentials(user, connector).await
    }

    /// Stores (replaces) a user's credentials for a connector, with a fresh
    /// [`RefreshHealth`] and no expiry warning, marks the connector `active` and
    /// connected, and records `event` (the `connection.connected` event), all in one
    /// transaction. Returns the new version.
    async fn save_credentials(
        &self,
        user: UserId,
        connector: &str,
        credentials: &Credentials,
        event: Option<&Event>,
    ) -> Result<i64, StoreError>;

    /// Replaces the credentials only if their version is still `expected_version`,
    /// releases the refresh lease, resets the grant's [`RefreshHealth`], marks the
    /// connector `active` (no last error) and records `events` (`connection.refreshed`,
    /// and `connection.recovered` after failures), in one transaction. The warning about
    /// the refresh token's expiry is forgotten when that expiry changes (a rotated
    /// refresh token is warned about on its own). Returns the new version, or `None`
    /// when another writer got there first (then nothing is written and no event
    /// recorded).
    async fn swap_credentials(
        &self,
        user: UserId,
        connector: &str,
        expected_version: i64,
        credentials: &Credentials,
        events: &[Event],
    ) -> Result<Option<i64>, StoreError>;

    /// Records a transient refresh failure ([`RefreshFailure`]) and releases the refresh
    /// lease, in one transaction; the credentials are kept.
    async fn record_refresh_failure(
        &self,
        user: UserId,
        connector: &str,
        failure: &RefreshFailure<'_>,
    ) -> Result<(), StoreError>;

    /// Up to `query.limit` grants due for a background refresh: refreshable, with a
    /// refresh token, whose access token expires by `query.expiring_before` or that were
    /// last written before `query.idle_since`, neither backing off nor leased at
    /// `query.now`. SQL stores answer from an index, without reading every row.
    async fn due_refreshes(&self, query: &DueQuery) -> Result<Vec<DueGrant>, StoreError>;

    /// Up to `limit` grants whose refresh token expires by `before` and whose expiry has
    /// not been warned about.
    async fn expiring_grants(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ExpiringGrant>, StoreError>;

    /// Marks the grant's refresh-token expiry as warned about and records `event` (the
    /// `connection.expiring` event), in one transaction, unless it was already warned
    /// about (by another replica): returns whether this call did it.
    async fn record_expiry_warning(
        &self,
        user: UserId,
        connector: &str,
        event: &Event,
    ) -> Result<bool, StoreError>;

    /// Takes the refresh lease of a credentials row for `lifetime`, unless another holder
    /// has an unexpired one (the holder itself may extend its own). Returns whether the
    /// lease was taken.
    ///
    /// The lease's start and end, and whether another one has ended, are read from the
    /// store's own clock (the database's, for SQL stores), never the caller's: replicas
    /// with skewed clocks cannot steal a live lease.
    async fn try_lease(
        &self,
        user: UserId,
        connector: &str,
        holder: Uuid,
        lifetime: std::time::Duration,
    ) -> Result<bool, StoreError>;

    /// Takes the refresh lease as [`CredentialStore::try_lease`] does and, when it was
    /// taken, reads the row under it: `None` when another holder has the lease (or there
    /// is no row). SQL stores do both in one statement.
    async fn lease_credentials(
        &self,
        user: UserId,
        connector: &str,
        holder: Uuid,
        lifetime: std::time::Duration,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        if !self.try_lease(user, connector, holder, lifetime).await? {
            return Ok(None);
        }
        self.load_credentials(user, connector).await
    }

    /// Starts watching a credentials row for a change made through another handle on
    /// the same data (another replica's refresh written, its lease given back, the row
    /// saved again or deleted). The future ends when the store hears of one, or after
    /// a fallback poll interval; by default it only waits [`CREDENTIALS_POLL`], which
    /// is right for a store that cannot tell of changes.
    ///
    /// Only a hint: it may end with nothing changed, and a caller reads the row again.
    /// Call it before the read it follows up, so that no change after that read goes
    /// unheard.
    fn watch_credentials(&self, user: UserId, connector: &str) -> CredentialsWatch {
        let _ = (user, connector);
        credentials_poll()
    }

    /// Gives a lease back early (after a failed refresh).
    async fn release_lease(
        &self,
        user: UserId,
        connector: &str,
        holder: Uuid,
    ) -> Result<(), StoreError>;

    /// Sets a connector's status and last error (English words, and the provider's own
    /// words in them when it gave some), keeping its credentials, and records `event`
    /// (e.g. `connection.needs_reauth`), in one transaction. `needs_reauth` also makes
    /// the grant not refreshable ([`RefreshHealth::refreshable`]) until new credentials
    /// are saved.
    async fn set_status(
        &self,
        user: UserId,
        connector: &str,
        status: ConnectorStatus,
        last_error: Option<&str>,
        last_error_detail: Option<&str>,
        event: Option<&Event>,
    ) -> Result<(), StoreError>;

    /// Deletes a user's credentials for a connector and marks it `inactive`,
    /// disconnected; when credentials existed, records `purge.event` and queues
    /// `purge.retry`, all in one transaction. Returns whether credentials existed.
    async fn delete_credentials(
        &self,
        user: UserId,
        connector: &str,
        purge: &Purge<'_>,
    ) -> Result<bool, StoreError>;

    /// Takes up to `limit` queued revocations whose next attempt is due and that no other
    /// holder has leased, leasing them to `holder` for `lifetime` (times from the store's
    /// clock, as for [`CredentialStore::try_lease`]).
    async fn claim_revocations(
        &self,
        holder: Uuid,
        lifetime: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<PendingRevocation>, StoreError>;

    /// Ends a queued revocation (the provider confirmed, or the grant is known dead, or
    /// the provider refused for good) and records `event`, in one transaction.
    async fn finish_revocation(&self, id: Uuid, event: &Event) -> Result<(), StoreError>;

    /// Puts a queued revocation back for a later attempt, with its tokens as they are
    /// now (a refresh may have rotated them), releasing its lease.
    async fn postpone_revocation(&self, pending: &PendingRevocation) -> Result<(), StoreError>;

    /// Records an event on its own (for changes that are not a store write).
    async fn record_event(&self, event: &Event) -> Result<(), StoreError>;

    /// The user's events, newest first.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnknownEvent`] when `query.before` names no event of this user.
    async fn events(&self, user: UserId, query: &EventQuery) -> Result<Vec<Event>, StoreError>;

    /// Takes up to `limit` events (oldest first) of the given `types` that are neither
    /// delivered nor failed, whose next attempt is due (an event never tried is due at
    /// once) and that no other holder has leased, leasing them to `holder` for
    /// `lifetime` (times from the store's clock, as for [`CredentialStore::try_lease`]).
    /// Concurrent claimers never take the same event while its lease lasts.
    async fn claim_deliveries(
        &self,
        holder: Uuid,
        lifetime: std::time::Duration,
        types: &[EventType],
        limit: u32,
    ) -> Result<Vec<PendingDelivery>, StoreError>;

    /// Marks a claimed event delivered (one more attempt, `delivered_at` now), if
    /// `holder` still holds its lease. Returns whether it did.
    async fn finish_delivery(&self, id: &str, holder: Uuid) -> Result<bool, StoreError>;

    /// Counts one more failed attempt of a claimed event and makes it due again after
    /// `retry_after` (from the store's clock), releasing the lease, if `holder` still
    /// holds it. Returns whether it did.
    async fn postpone_delivery(
        &self,
        id: &str,
        holder: Uuid,
        retry_after: std::time::Duration,
    ) -> Result<bool, StoreError>;

    /// Counts the last failed attempt of a claimed event and marks it failed for good
    /// (`failed_at` now), if `holder` still holds its lease. Returns whether it did.
    async fn fail_delivery(&self, id: &str, holder: Uuid) -> Result<bool, StoreError>;

    /// The state of every connector the user has ever touched.
    async fn connector_states(&self, user: UserId) -> Result<Vec<ConnectorState>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ProviderConfig;

    #[test]
    fn debug_output_never_shows_a_secret() {
        let credentials = Credentials {
            provider: "google".to_owned(),
            access_token: Some(AccessToken::new("ya29.access-value".to_owned())),
            refresh_token: Some(RefreshToken::new("1//refresh-value".to_owned())),
            secrets: BTreeMap::from([(
                "password".to_owned(),
                SecretString::from("smtp-password-value"),
            )]),
            ..Credentials::default()
        };
        let pending = PendingAuthorization {
            state_hash: "hash".to_owned(),
            user_id: Uuid::nil(),
            connector_code: "google_calendar".to_owned(),
            pkce_verifier: Some(SecretString::from("pkce-verifier-value")),
            expires_at: OffsetDateTime::UNIX_EPOCH,
        };
        let revocation = PendingRevocation {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            connector_code: "google_calendar".to_owned(),
            credentials: credentials.clone(),
            attempts: 1,
            next_attempt_at: OffsetDateTime::UNIX_EPOCH,
        };
        let provider = ProviderConfig::new("client-id", SecretString::from("client-secret-value"));

        let printed = format!("{credentials:?} {pending:?} {revocation:?} {provider:?}");

        for secret in [
            "access-value",
            "refresh-value",
            "smtp-password-value",
            "pkce-verifier-value",
            "client-secret-value",
        ] {
            assert!(!printed.contains(secret), "{secret} printed in {printed}");
        }
        assert!(
            printed.contains("password"),
            "secret field names stay visible"
        );
        assert!(printed.contains("client-id"));
    }
}
