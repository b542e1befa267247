use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::{
    ConnectorState, ConnectorStatus, CredentialStore, Credentials, DueGrant, DueQuery, Event,
    EventQuery, EventType, ExpiringGrant, PendingAuthorization, PendingDelivery, PendingRevocation,
    Purge, RefreshFailure, RefreshHealth, StoreError, StoredCredentials, UserId,
};
use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

/// A [`CredentialStore`] in memory: for tests, examples and single-process demos.
///
/// Same semantics as the SQL stores (versions, leases, single-use states), minus
/// persistence and encryption: nothing outlives the process. It has no `users` table,
/// so any [`UserId`] is accepted. Shows what each trait method has to do in a few
/// lines each.
#[derive(Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

#[derive(Default)]
struct Tables {
    states: HashMap<String, PendingAuthorization>,
    credentials: HashMap<(UserId, String), Row>,
    connectors: HashMap<(UserId, String), Connector>,
    /// The last version handed out, store-wide: a row deleted and saved again never
    /// repeats a version.
    last_version: i64,
    /// Every event, oldest first.
    events: Vec<Event>,
    revocations: HashMap<Uuid, Queued>,
    /// Webhook delivery state by event id; an event without one was never tried.
    deliveries: HashMap<String, Delivery>,
}

#[derive(Default)]
struct Delivery {
    attempts: u32,
    next_attempt_at: Option<OffsetDateTime>,
    lease: Option<(Uuid, OffsetDateTime)>,
    done: bool,
}

impl Delivery {
    fn leased_by(&self, holder: Uuid) -> bool {
        self.lease.is_some_and(|(leased_to, _)| leased_to == holder)
    }
}

struct Queued {
    pending: PendingRevocation,
    lease: Option<(Uuid, OffsetDateTime)>,
}

fn copy(pending: &PendingRevocation) -> PendingRevocation {
    PendingRevocation {
        id: pending.id,
        user_id: pending.user_id,
        connector_code: pending.connector_code.clone(),
        credentials: pending.credentials.clone(),
        attempts: pending.attempts,
        next_attempt_at: pending.next_attempt_at,
    }
}

struct Row {
    credentials: Credentials,
    version: i64,
    lease: Option<(Uuid, OffsetDateTime)>,
    health: RefreshHealth,
    /// When the row was last written (connected or refreshed).
    written_at: OffsetDateTime,
    /// Whether `connection.expiring` was recorded for the refresh token's expiry.
    expiry_warned: bool,
}

impl Row {
    fn new(credentials: &Credentials, version: i64) -> Self {
        Self {
            credentials: credentials.clone(),
            version,
            lease: None,
            health: RefreshHealth::default(),
            written_at: OffsetDateTime::now_utc(),
            expiry_warned: false,
        }
    }

    fn leased_at(&self, now: OffsetDateTime) -> bool {
        self.lease.is_some_and(|(_, until)| until > now)
    }
}

struct Connector {
    connected: bool,
    status: ConnectorStatus,
    last_error: Option<String>,
    last_error_detail: Option<String>,
    connected_at: Option<OffsetDateTime>,
}

impl Connector {
    const INACTIVE: Self = Self {
        connected: false,
        status: ConnectorStatus::Inactive,
        last_error: None,
        last_error_detail: None,
        connected_at: None,
    };
}

impl Tables {
    fn next_version(&mut self) -> i64 {
        self.last_version += 1;
        self.last_version
    }

    fn connector(&mut self, key: &(UserId, String)) -> &mut Connector {
        self.connectors
            .entry(key.clone())
            .or_insert(Connector::INACTIVE)
    }

    fn mark_active(&mut self, key: &(UserId, String)) {
        let connector = self.connector(key);
        connector.connected = true;
        connector.status = ConnectorStatus::Active;
        connector.last_error = None;
        connector.last_error_detail = None;
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts an attempt of a delivery leased by `holder`, releases the lease and
    /// applies `outcome`; `false` when the lease is no longer `holder`'s.
    fn end_attempt(&self, id: &str, holder: Uuid, outcome: impl FnOnce(&mut Delivery)) -> bool {
        let mut tables = self.tables();
        let Some(delivery) = tables.deliveries.get_mut(id) else {
            return false;
        };
        if !delivery.leased_by(holder) {
            return false;
        }
        delivery.attempts += 1;
        delivery.lease = None;
        outcome(delivery);
        true
    }

    /// Every method is one short critical section, never held across an `.await`; a
    /// panic while holding the lock cannot leave a half-made change, so a poisoned
    /// lock is still good.
    fn tables(&self) -> MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn key(user: UserId, connector: &str) -> (UserId, String) {
    (user, connector.to_owned())
}

#[async_trait]
impl CredentialStore for MemoryStore {
    async fn insert_pending_authorization(
        &self,
        pending: &PendingAuthorization,
    ) -> Result<(), StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut tables = self.tables();
        tables.states.retain(|_, state| state.expires_at >= now);
        tables
            .states
            .insert(pending.state_hash.clone(), pending.clone());
        Ok(())
    }

    async fn take_pending_authorization(
        &self,
        state_hash: &str,
    ) -> Result<Option<PendingAuthorization>, StoreError> {
        Ok(self.tables().states.remove(state_hash))
    }

    async fn load_credentials(
        &self,
        user: UserId,
        connector: &str,
    ) -> Result<Option<StoredCredentials>, StoreError> {
        Ok(self
            .tables()
            .credentials
            .get(&key(user, connector))
            .map(|row| StoredCredentials {
                credentials: row.credentials.clone(),
                version: row.version,
                health: row.health,
                lease_holder: row
                    .lease
                    .filter(|(_, until)| *until > OffsetDateTime::now_utc())
                    .map(|(holder, _)| holder),
            }))
    }

    async fn save_credentials(
        &self,
        user: UserId,
        connector: &str,
        credentials: &Credentials,
        event: Option<&Event>,
    ) -> Result<i64, StoreError> {
        let key = key(user, connector);
        let mut tables = self.tables();
        let version = tables.next_version();
        tables
            .credentials
            .insert(key.clone(), Row::new(credentials, version));
        tables.mark_active(&key);
        tables.connector(&key).connected_at = Some(OffsetDateTime::now_utc());
        tables.events.extend(event.cloned());
        Ok(version)
    }

    async fn swap_credentials(
        &self,
        user: UserId,
        connector: &str,
        expected_version: i64,
        credentials: &Credentials,
        events: &[Event],
    ) -> Result<Option<i64>, StoreError> {
        let key = key(user, connector);
        let mut tables = self.tables();
        let Some(current) = tables.credentials.get(&key) else {
            return Ok(None);
        };
        if current.version != expected_version {
            return Ok(None);
        }
        let expiry_warned = current.expiry_warned
            && current.credentials.refresh_token_expires_at == credentials.refresh_token_expires_at;
        let version = tables.next_version();
        let mut row = Row::new(credentials, version);
        row.expiry_warned = expiry_warned;
        tables.credentials.insert(key.clone(), row);
        tables.mark_active(&key);
        tables.events.extend(events.iter().cloned());
        Ok(Some(version))
    }

    async fn record_refresh_failure(
        &self,
        user: UserId,
        connector: &str,
        failure: &RefreshFailure<'_>,
    ) -> Result<(), StoreError> {
        let key = key(user, connector);
        let mut tables = self.tables();
        let Some(row) = tables.credentials.get_mut(&key) else {
            return Ok(());
        };
        row.health.failures = failure.failures;
        row.health.retry_at = Some(failure.retry_at);
        row.lease = None;
        let connector = tables.connector(&key);
        connector.status = failure.status;
        connector.last_error = Some(failure.last_error.to_owned());
        connector.last_error_detail = failure.last_error_detail.map(str::to_owned);
        tables.events.push(failure.event.clone());
        Ok(())
    }

    async fn due_refreshes(&self, query: &DueQuery) -> Result<Vec<DueGrant>, StoreError> {
        let tables = self.tables();
        Ok(tables
            .credentials
            .iter()
            .filter(|(_, row)| {
                let expiring = row
                    .credentials
                    .expires_at
                    .is_some_and(|expires_at| expires_at <= query.expiring_before);
                row.health.refreshable
                    && row.credentials.refresh_token.is_some()
                    && (expiring || row.written_at <= query.idle_since)
                    && row
                        .health
                        .retry_at
                        .is_none_or(|retry_at| retry_at <= query.now)
                    && !row.leased_at(query.now)
            })
            .take(query.limit as usize)
            .map(|((user_id, connector_code), row)| DueGrant {
                user_id: *user_id,
                connector_code: connector_code.clone(),
                version: row.version,
            })
            .collect())
    }

    async fn expiring_grants(
        &self,
        before: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<ExpiringGrant>, StoreError> {
        let tables = self.tables();
        Ok(tables
            .credentials
            .iter()
            .filter(|(_, row)| !row.expiry_warned)
            .filter_map(|((user_id, connector_code), row)| {
                let expires_at = row.credentials.refresh_token_expires_at?;
                (expires_at <= before).then(|| ExpiringGrant {
                    user_id: *user_id,
                    connector_code: connector_code.clone(),
                    refresh_token_expires_at: expires_at,
                })
            })
            .take(limit as usize)
            .collect())
    }

    async fn record_expiry_warning(
        &self,
        user: UserId,
        connector: &str,
        event: &Event,
    ) -> Result<bool, StoreError> {
        let mut tables = self.tables();
        let Some(row) = tables.credentials.get_mut(&key(user, connector)) else {
            return Ok(false);
        };
        if row.expiry_warned {
            return Ok(false);
        }
        row.expiry_warned = true;
        tables.events.push(event.clone());
        Ok(true)
    }

    async fn try_lease(
        &self,
        user: UserId,
        connector: &str,
        holder: Uuid,
        lifetime: Duration,
    ) -> Result<bool, StoreError> {
        let now = OffsetDateTime::now_utc();
        let until = now + lifetime;
        let mut tables = self.tables();
        let Some(row) = tables.credentials.get_mut(&key(user, connector)) else {
            return Ok(false);
        };
        let free = match row.lease {
            None => true,
            Some((current, expires)) => current == holder || expires <= now,
        };
        if free {
            row.lease = Some((holder, until));
        }
        Ok(free)
    }

    async fn release_lease(
        &self,
        user: UserId,
        connector: &str,
        holder: Uuid,
    ) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if let Some(row) = tables.credentials.get_mut(&key(user, connector)) {
            if matches!(row.lease, Some((current, _)) if current == holder) {
                row.lease = None;
            }
        }
        Ok(())
    }

    async fn set_status(
        &self,
        user: UserId,
        connector: &str,
        status: ConnectorStatus,
        last_error: Option<&str>,
        last_error_detail: Option<&str>,
        event: Option<&Event>,
    ) -> Result<(), StoreError> {
        let key = key(user, connector);
        let mut tables = self.tables();
        let has_credentials = tables.credentials.contains_key(&key);
        if let Some(row) = tables.credentials.get_mut(&key) {
            row.health.refreshable = status != ConnectorStatus::NeedsReauth;
        }
        let connector = tables.connectors.entry(key).or_insert(Connector {
            connected: has_credentials,
            ..Connector::INACTIVE
        });
        connector.status = status;
        connector.last_error = last_error.map(str::to_owned);
        connector.last_error_detail = last_error_detail.map(str::to_owned);
        tables.events.extend(event.cloned());
        Ok(())
    }

    async fn delete_credentials(
        &self,
        user: UserId,
        connector: &str,
        purge: &Purge<'_>,
    ) -> Result<bool, StoreError> {
        let key = key(user, connector);
        let mut tables = self.tables();
        let existed = tables.credentials.remove(&key).is_some();
        let connector = tables.connector(&key);
        connector.connected = false;
        connector.status = ConnectorStatus::Inactive;
        connector.last_error = None;
        connector.last_error_detail = None;
        if existed {
            tables.events.push(purge.event.clone());
            if let Some(pending) = purge.retry {
                let queued = Queued {
                    pending: copy(pending),
                    lease: None,
                };
                tables.revocations.insert(pending.id, queued);
            }
        }
        Ok(existed)
    }

    async fn claim_revocations(
        &self,
        holder: Uuid,
        lifetime: Duration,
        limit: u32,
    ) -> Result<Vec<PendingRevocation>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let until = now + lifetime;
        let mut tables = self.tables();
        let mut due: Vec<&mut Queued> = tables
            .revocations
            .values_mut()
            .filter(|queued| queued.pending.next_attempt_at <= now)
            .filter(|queued| {
                queued
                    .lease
                    .is_none_or(|(_, leased_until)| leased_until <= now)
            })
            .collect();
        due.sort_by_key(|queued| queued.pending.next_attempt_at);
        Ok(due
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|queued| {
                queued.lease = Some((holder, until));
                copy(&queued.pending)
            })
            .collect())
    }

    async fn finish_revocation(&self, id: Uuid, event: &Event) -> Result<(), StoreError> {
        let mut tables = self.tables();
        tables.revocations.remove(&id);
        tables.events.push(event.clone());
        Ok(())
    }

    async fn postpone_revocation(&self, pending: &PendingRevocation) -> Result<(), StoreError> {
        let mut tables = self.tables();
        if let Some(queued) = tables.revocations.get_mut(&pending.id) {
            queued.pending = copy(pending);
            queued.lease = None;
        }
        Ok(())
    }

    async fn record_event(&self, event: &Event) -> Result<(), StoreError> {
        self.tables().events.push(event.clone());
        Ok(())
    }

    async fn events(&self, user: UserId, query: &EventQuery) -> Result<Vec<Event>, StoreError> {
        let tables = self.tables();
        let end = match &query.before {
            Some(before) => {
                let found = tables
                    .events
                    .iter()
                    .position(|event| &event.id == before && event.user_id == user);
                let Some(position) = found else {
                    return Err(StoreError::UnknownEvent);
                };
                position
            }
            None => tables.events.len(),
        };
        Ok(tables.events[..end]
            .iter()
            .rev()
            .filter(|event| event.user_id == user)
            .filter(|event| {
                query
                    .connector
                    .as_deref()
                    .is_none_or(|connector| event.connector.as_deref() == Some(connector))
            })
            .take(usize::try_from(query.limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn claim_deliveries(
        &self,
        holder: Uuid,
        lifetime: Duration,
        types: &[EventType],
        limit: u32,
    ) -> Result<Vec<PendingDelivery>, StoreError> {
        let now = OffsetDateTime::now_utc();
        let mut guard = self.tables();
        let tables = &mut *guard;
        let mut claimed = Vec::new();
        for event in &tables.events {
            if claimed.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
                break;
            }
            if !types.contains(&event.event_type) {
                continue;
            }
            let delivery = tables.deliveries.entry(event.id.clone()).or_default();
            let due = delivery.next_attempt_at.is_none_or(|at| at <= now);
            let free = delivery.lease.is_none_or(|(_, until)| until <= now);
            if !delivery.done && due && free {
                delivery.lease = Some((holder, now + lifetime));
                claimed.push(PendingDelivery {
                    event: event.clone(),
                    attempts: delivery.attempts,
                });
            }
        }
        Ok(claimed)
    }

    async fn finish_delivery(&self, id: &str, holder: Uuid) -> Result<bool, StoreError> {
        Ok(self.end_attempt(id, holder, |delivery| delivery.done = true))
    }

    async fn postpone_delivery(
        &self,
        id: &str,
        holder: Uuid,
        retry_after: Duration,
    ) -> Result<bool, StoreError> {
        let at = OffsetDateTime::now_utc() + retry_after;
        Ok(self.end_attempt(id, holder, |delivery| {
            delivery.next_attempt_at = Some(at);
        }))
    }

    async fn fail_delivery(&self, id: &str, holder: Uuid) -> Result<bool, StoreError> {
        Ok(self.end_attempt(id, holder, |delivery| delivery.done = true))
    }

    async fn connector_states(&self, user: UserId) -> Result<Vec<ConnectorState>, StoreError> {
        let tables = self.tables();
        let mut states: Vec<ConnectorState> = tables
            .connectors
            .iter()
            .filter(|((owner, _), _)| *owner == user)
            .map(|(key, connector)| {
                let row = tables.credentials.get(key);
                let credentials = row.map(|row| &row.credentials);
                ConnectorState {
                    connector_code: key.1.clone(),
                    connected: connector.connected,
                    status: connector.status,
                    last_error: connector.last_error.clone(),
                    last_error_detail: connector.last_error_detail.clone(),
                    health: row.map(|row| row.health).unwrap_or_default(),
                    connected_at: connector.connected_at,
                    expires_at: credentials.and_then(|c| c.expires_at),
                    scopes: credentials.map(|c| c.scopes.clone()).unwrap_or_default(),
                    public: credentials.map(|c| c.public.clone()).unwrap_or_default(),
                }
            })
            .collect();
        states.sort_by(|a, b| a.connector_code.cmp(&b.connector_code));
        Ok(states)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tables = self.tables();
        f.debug_struct("MemoryStore")
            .field("pending_authorizations", &tables.states.len())
            .field("credentials", &tables.credentials.len())
            .finish()
    }
}
