//! What every `CredentialStore` must do, whatever it keeps its rows in.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use connectors_core::secrecy::{ExposeSecret, SecretString};
use connectors_core::{
    AccessToken, ConnectorState, ConnectorStatus, CredentialStore, Credentials, Event, EventQuery,
    EventType, PendingAuthorization, PendingDelivery, PendingRevocation, Purge, RefreshToken,
    StoreError, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// Runs every check against `store`, for two users it may write rows for (existing
/// users, for stores with a `users` table).
pub(crate) async fn store_contract(store: Arc<dyn CredentialStore>, users: [UserId; 2]) {
    let store = store.as_ref();
    a_new_user_has_no_connector_state(store, users).await;
    a_pending_authorization_is_taken_once(store, users).await;
    an_expired_state_is_returned_to_be_refused_then_purged_by_later_inserts(store, users).await;
    saved_oauth_credentials_load_back_and_activate_the_connector(store, users).await;
    saving_again_replaces_everything_and_bumps_the_version(store, users).await;
    a_swap_wins_on_the_current_version_and_loses_on_a_stale_one(store, users).await;
    a_swap_reactivates_a_connector_that_needed_reauth(store, users).await;
    a_lease_is_exclusive_until_released_or_expired(store, users).await;
    a_lease_taken_with_the_row_reads_it_under_the_lease(store, users).await;
    writes_release_the_lease(store, users).await;
    set_status_keeps_the_credentials(store, users).await;
    set_status_on_an_untouched_connector_records_it_disconnected(store, users).await;
    delete_purges_marks_inactive_and_is_harmless_twice(store, users).await;
    a_version_never_repeats_after_delete_and_save(store, users).await;
    config_credentials_keep_secrets_out_of_connector_states(store, users).await;
    one_user_never_sees_or_changes_another_users_rows(store, users).await;
    a_purge_records_its_event_only_when_credentials_existed(store, users).await;
    a_queued_revocation_is_claimed_once_postponed_and_finished_with_its_event(store, users).await;
    events_come_newest_first_page_backwards_and_filter_by_connector(store, users).await;
    a_delivery_is_claimed_by_one_holder_retried_when_due_and_ends_delivered_or_failed(store, users)
        .await;
    concurrent_claimers_never_take_the_same_event(store, users).await;
    writes_record_their_event_only_when_the_change_commits(store, users).await;
    super::refresh_contract::refresh_contract(store, users).await;
}

/// Deletes credentials with a `connection.revoked` event and no retry.
pub(crate) async fn purge_plainly(
    store: &dyn CredentialStore,
    user: UserId,
    connector: &str,
) -> Result<bool, connectors_core::StoreError> {
    let event = revoked(user, connector, true);
    let purge = Purge {
        event: &event,
        retry: None,
    };
    store.delete_credentials(user, connector, &purge).await
}

fn revoked(user: UserId, connector: &str, provider_revoked: bool) -> Event {
    let mut data = serde_json::Map::new();
    data.insert("provider_revoked".into(), provider_revoked.into());
    Event::new(EventType::Revoked, user, Some(connector), data)
}

async fn events_of(store: &dyn CredentialStore, user: UserId, connector: &str) -> Vec<Event> {
    let query = EventQuery {
        connector: Some(connector.to_owned()),
        ..EventQuery::default()
    };
    store.events(user, &query).await.unwrap()
}

async fn a_purge_records_its_event_only_when_credentials_existed(
    store: &dyn CredentialStore,
    [user, other]: [UserId; 2],
) {
    store
        .save_credentials(user, "notion", &oauth_credentials("purged"), None)
        .await
        .unwrap();
    let event = revoked(user, "notion", true);

    let purge = Purge {
        event: &event,
        retry: None,
    };
    assert!(store
        .delete_credentials(user, "notion", &purge)
        .await
        .unwrap());
    let again = revoked(user, "notion", false);
    let purge = Purge {
        event: &again,
        retry: None,
    };
    assert!(!store
        .delete_credentials(user, "notion", &purge)
        .await
        .unwrap());

    let events = events_of(store, user, "notion").await;
    assert_eq!(events, vec![event], "one event, read back as written");
    assert!(events_of(store, other, "notion").await.is_empty());
}

async fn a_queued_revocation_is_claimed_once_postponed_and_finished_with_its_event(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    // Arrange: a purge that queues its revocation, due now.
    let credentials = oauth_credentials("queued");
    store
        .save_credentials(user, "calendly", &credentials, None)
        .await
        .unwrap();
    let pending = PendingRevocation {
        id: Uuid::new_v4(),
        user_id: user,
        connector_code: "calendly".into(),
        credentials: credentials.clone(),
        attempts: 1,
        next_attempt_at: seconds_from_now(-1),
    };
    let event = revoked(user, "calendly", false);
    let purge = Purge {
        event: &event,
        retry: Some(&pending),
    };
    assert!(store
        .delete_credentials(user, "calendly", &purge)
        .await
        .unwrap());

    // Act: two claimers; then a postpone with rotated tokens, due later.
    let first = Uuid::new_v4();
    let claimed = store.claim_revocations(first, LEASE, 10).await.unwrap();
    let second = store
        .claim_revocations(Uuid::new_v4(), LEASE, 10)
        .await
        .unwrap();

    // Assert
    let mine: Vec<_> = claimed.iter().filter(|p| p.id == pending.id).collect();
    assert_eq!(mine.len(), 1, "claimed once");
    assert_eq!(mine[0].attempts, 1);
    assert_eq!(mine[0].user_id, user);
    assert_eq!(mine[0].connector_code, "calendly");
    assert_eq!(
        mine[0]
            .credentials
            .refresh_token
            .as_ref()
            .map(|t| t.secret().clone()),
        credentials
            .refresh_token
            .as_ref()
            .map(|t| t.secret().clone())
    );
    assert!(
        second.iter().all(|p| p.id != pending.id),
        "a leased revocation is not claimed twice"
    );

    let mut later = PendingRevocation {
        credentials: oauth_credentials("rotated"),
        attempts: 2,
        next_attempt_at: seconds_from_now(3600),
        ..pending
    };
    store.postpone_revocation(&later).await.unwrap();
    let not_due = store
        .claim_revocations(Uuid::new_v4(), LEASE, 10)
        .await
        .unwrap();
    assert!(
        not_due.iter().all(|p| p.id != later.id),
        "not due before its time"
    );

    later.next_attempt_at = seconds_from_now(-1);
    store.postpone_revocation(&later).await.unwrap();
    let due = store
        .claim_revocations(Uuid::new_v4(), LEASE, 10)
        .await
        .unwrap();
    let again: Vec<_> = due.iter().filter(|p| p.id == later.id).collect();
    assert_eq!(
        again.len(),
        1,
        "due again, claimable after the postpone released it"
    );
    assert_eq!(again[0].attempts, 2);
    assert_eq!(
        again[0]
            .credentials
            .access_token
            .as_ref()
            .map(|t| t.secret().clone()),
        Some("ya29.access-rotated".to_owned()),
        "the postponed tokens are the ones kept"
    );

    let done = revoked(user, "calendly", true);
    store.finish_revocation(later.id, &done).await.unwrap();
    store.postpone_revocation(&later).await.unwrap();
    let after = store
        .claim_revocations(Uuid::new_v4(), LEASE, 10)
        .await
        .unwrap();
    assert!(after.iter().all(|p| p.id != later.id), "finished for good");
    assert_eq!(events_of(store, user, "calendly").await, vec![done, event]);
}

async fn events_come_newest_first_page_backwards_and_filter_by_connector(
    store: &dyn CredentialStore,
    [user, other]: [UserId; 2],
) {
    let mut written = Vec::new();
    for n in 0..5 {
        let connector = if n % 2 == 0 { "paging_a" } else { "paging_b" };
        let event = revoked(user, connector, n % 2 == 0);
        store.record_event(&event).await.unwrap();
        written.push(event);
    }
    store
        .record_event(&revoked(other, "paging_a", true))
        .await
        .unwrap();

    let newest = store
        .events(
            user,
            &EventQuery {
                limit: 2,
                ..EventQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(newest, vec![written[4].clone(), written[3].clone()]);
    let page = store
        .events(
            user,
            &EventQuery {
                before: Some(written[3].id.clone()),
                limit: 10,
                ..EventQuery::default()
            },
        )
        .await
        .unwrap();
    let page_a: Vec<_> = page
        .iter()
        .filter(|event| {
            event
                .connector
                .as_deref()
                .is_some_and(|c| c.starts_with("paging"))
        })
        .cloned()
        .collect();
    assert_eq!(
        page_a,
        vec![written[2].clone(), written[1].clone(), written[0].clone()]
    );
    let only_a = events_of(store, user, "paging_a").await;
    assert_eq!(
        only_a,
        vec![written[4].clone(), written[2].clone(), written[0].clone()]
    );
    let unknown = store
        .events(
            user,
            &EventQuery {
                before: Some("evt_unknown".into()),
                ..EventQuery::default()
            },
        )
        .await;
    assert!(
        matches!(unknown, Err(StoreError::UnknownEvent)),
        "{unknown:?}"
    );
    let others_from_mine = store
        .events(
            other,
            &EventQuery {
                before: Some(written[4].id.clone()),
                ..EventQuery::default()
            },
        )
        .await;
    assert!(
        matches!(others_from_mine, Err(StoreError::UnknownEvent)),
        "another user's event id is unknown to them: {others_from_mine:?}"
    );
}

fn event(
    kind: EventType,
    user: UserId,
    connector: &str,
    field: &str,
    value: serde_json::Value,
) -> Event {
    let mut data = serde_json::Map::new();
    data.insert(field.into(), value);
    Event::new(kind, user, Some(connector), data)
}

async fn writes_record_their_event_only_when_the_change_commits(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    // Arrange
    let connected = event(
        EventType::Connected,
        user,
        "outbox",
        "reconnected",
        false.into(),
    );
    let refreshed = event(EventType::Refreshed, user, "outbox", "note", "first".into());
    let lost = event(EventType::Refreshed, user, "outbox", "note", "lost".into());
    let needs_reauth = event(
        EventType::NeedsReauth,
        user,
        "outbox",
        "reason",
        "refused".into(),
    );

    // Act
    let saved = store
        .save_credentials(
            user,
            "outbox",
            &oauth_credentials("outbox"),
            Some(&connected),
        )
        .await
        .unwrap();
    let swapped = store
        .swap_credentials(
            user,
            "outbox",
            saved,
            &oauth_credentials("outbox-2"),
            std::slice::from_ref(&refreshed),
        )
        .await
        .unwrap();
    let stale = store
        .swap_credentials(
            user,
            "outbox",
            saved,
            &oauth_credentials("outbox-3"),
            std::slice::from_ref(&lost),
        )
        .await
        .unwrap();
    store
        .set_status(
            user,
            "outbox",
            ConnectorStatus::NeedsReauth,
            Some("refused"),
            None,
            Some(&needs_reauth),
        )
        .await
        .unwrap();

    // Assert
    assert!(swapped.is_some());
    assert!(stale.is_none(), "a stale swap writes nothing");
    assert_eq!(
        events_of(store, user, "outbox").await,
        vec![needs_reauth, refreshed, connected],
        "each committed write's event, and none for the swap that lost"
    );
    assert_eq!(
        state_of(store, user, "outbox").await.status,
        ConnectorStatus::NeedsReauth
    );
}

/// The lease lifetime the checks take (long enough never to run out during a test).
pub(crate) const LEASE: std::time::Duration = std::time::Duration::from_secs(30);

/// Whole seconds from now: SQL stores keep unix seconds.
pub(crate) fn seconds_from_now(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp() + seconds)
        .unwrap()
}

fn random_state_hash() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// OAuth credentials whose every value carries `tag`.
pub(crate) fn oauth_credentials(tag: &str) -> Credentials {
    let mut public = serde_json::Map::new();
    public.insert("email".into(), format!("{tag}@example.com").into());
    Credentials {
        provider: "google".into(),
        access_token: Some(AccessToken::new(format!("ya29.access-{tag}"))),
        refresh_token: Some(RefreshToken::new(format!("1//refresh-{tag}"))),
        expires_at: Some(seconds_from_now(3600)),
        scopes: vec![
            "https://www.googleapis.com/auth/calendar.readonly".into(),
            "openid".into(),
        ],
        public,
        secrets: BTreeMap::new(),
        refresh_token_expires_at: Some(seconds_from_now(7 * 24 * 3600)),
    }
}

/// SMTP settings: public fields and one secret.
pub(crate) fn smtp_credentials(password: &str) -> Credentials {
    let serde_json::Value::Object(public) = serde_json::json!({
        "host": "smtp.example.com",
        "port": 587,
        "security": "starttls",
        "username": "ada",
        "from": "Ada <ada@example.com>",
    }) else {
        unreachable!()
    };
    Credentials {
        provider: "smtp".into(),
        public,
        secrets: BTreeMap::from([("password".to_owned(), SecretString::from(password))]),
        ..Credentials::default()
    }
}

pub(crate) fn assert_same_credentials(actual: &Credentials, expected: &Credentials) {
    assert_eq!(actual.provider, expected.provider);
    assert_eq!(
        actual.access_token.as_ref().map(|token| token.secret()),
        expected.access_token.as_ref().map(|token| token.secret())
    );
    assert_eq!(
        actual.refresh_token.as_ref().map(|token| token.secret()),
        expected.refresh_token.as_ref().map(|token| token.secret())
    );
    assert_eq!(actual.expires_at, expected.expires_at);
    assert_eq!(
        actual.refresh_token_expires_at,
        expected.refresh_token_expires_at
    );
    assert_eq!(actual.scopes, expected.scopes);
    assert_eq!(actual.public, expected.public);
    let secrets = |credentials: &Credentials| {
        credentials
            .secrets
            .iter()
            .map(|(name, value)| (name.clone(), value.expose_secret().to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(secrets(actual), secrets(expected));
}

async fn state_of(store: &dyn CredentialStore, user: UserId, connector: &str) -> ConnectorState {
    store
        .connector_states(user)
        .await
        .unwrap()
        .into_iter()
        .find(|state| state.connector_code == connector)
        .unwrap_or_else(|| panic!("no state for {connector}"))
}

async fn access_token_of(store: &dyn CredentialStore, user: UserId, connector: &str) -> String {
    let stored = store.load_credentials(user, connector).await.unwrap();
    stored
        .and_then(|stored| stored.credentials.access_token)
        .map(|token| token.secret().clone())
        .unwrap_or_default()
}

async fn a_new_user_has_no_connector_state(store: &dyn CredentialStore, [_, other]: [UserId; 2]) {
    assert!(store.connector_states(other).await.unwrap().is_empty());
    assert!(store
        .load_credentials(other, "google_calendar")
        .await
        .unwrap()
        .is_none());
}

async fn a_pending_authorization_is_taken_once(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    // Arrange
    let with_pkce = PendingAuthorization {
        state_hash: random_state_hash(),
        user_id: user,
        connector_code: "google_calendar".into(),
        pkce_verifier: Some(SecretString::from(
            "verifier-0123456789-abcdefghijklmnopqrstuvwxyz",
        )),
        expires_at: seconds_from_now(600),
    };
    let without_pkce = PendingAuthorization {
        state_hash: random_state_hash(),
        connector_code: "notion".into(),
        pkce_verifier: None,
        ..with_pkce.clone()
    };
    store
        .insert_pending_authorization(&with_pkce)
        .await
        .unwrap();
    store
        .insert_pending_authorization(&without_pkce)
        .await
        .unwrap();

    // Act
    let taken = store
        .take_pending_authorization(&with_pkce.state_hash)
        .await
        .unwrap()
        .expect("the state was just stored");
    let taken_again = store
        .take_pending_authorization(&with_pkce.state_hash)
        .await
        .unwrap();

    // Assert
    assert_eq!(taken.state_hash, with_pkce.state_hash);
    assert_eq!(taken.user_id, user);
    assert_eq!(taken.connector_code, "google_calendar");
    assert_eq!(
        taken.pkce_verifier.as_ref().map(|v| v.expose_secret()),
        Some("verifier-0123456789-abcdefghijklmnopqrstuvwxyz")
    );
    assert_eq!(taken.expires_at, with_pkce.expires_at);
    assert!(taken_again.is_none(), "a state is single use");
    assert!(store
        .take_pending_authorization(&random_state_hash())
        .await
        .unwrap()
        .is_none());
    let other = store
        .take_pending_authorization(&without_pkce.state_hash)
        .await
        .unwrap()
        .expect("the other state is untouched");
    assert_eq!(other.connector_code, "notion");
    assert!(other.pkce_verifier.is_none());
}

async fn an_expired_state_is_returned_to_be_refused_then_purged_by_later_inserts(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let expired = |connector: &str| PendingAuthorization {
        state_hash: random_state_hash(),
        user_id: user,
        connector_code: connector.into(),
        pkce_verifier: Some(SecretString::from("old-verifier")),
        expires_at: seconds_from_now(-60),
    };

    // Taken before any other insert: returned with its expiry, for the caller to refuse.
    let first = expired("google_calendar");
    store.insert_pending_authorization(&first).await.unwrap();
    let taken = store
        .take_pending_authorization(&first.state_hash)
        .await
        .unwrap()
        .expect("expired but not yet purged");
    assert_eq!(taken.expires_at, first.expires_at);
    assert!(taken.expires_at < OffsetDateTime::now_utc());

    // A later insert purges it.
    let second = expired("google_calendar");
    store.insert_pending_authorization(&second).await.unwrap();
    let fresh = PendingAuthorization {
        state_hash: random_state_hash(),
        expires_at: seconds_from_now(600),
        ..expired("gmail")
    };
    store.insert_pending_authorization(&fresh).await.unwrap();
    assert!(store
        .take_pending_authorization(&second.state_hash)
        .await
        .unwrap()
        .is_none());
    assert!(store
        .take_pending_authorization(&fresh.state_hash)
        .await
        .unwrap()
        .is_some());
}

async fn saved_oauth_credentials_load_back_and_activate_the_connector(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    // Arrange
    let credentials = oauth_credentials("saved");
    assert!(store
        .load_credentials(user, "google_calendar")
        .await
        .unwrap()
        .is_none());

    // Act
    let version = store
        .save_credentials(user, "google_calendar", &credentials, None)
        .await
        .unwrap();

    // Assert
    let stored = store
        .load_credentials(user, "google_calendar")
        .await
        .unwrap()
        .expect("just saved");
    assert_eq!(stored.version, version);
    assert_same_credentials(&stored.credentials, &credentials);
    let state = state_of(store, user, "google_calendar").await;
    assert!(state.connected);
    assert_eq!(state.status, ConnectorStatus::Active);
    assert_eq!(state.last_error, None);
    let connected_at = state.connected_at.expect("connected_at is set");
    assert!(
        (OffsetDateTime::now_utc() - connected_at)
            .whole_seconds()
            .abs()
            < 60
    );
    assert_eq!(state.expires_at, credentials.expires_at);
    assert_eq!(state.scopes, credentials.scopes);
    assert_eq!(state.public, credentials.public);
}

async fn saving_again_replaces_everything_and_bumps_the_version(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let first = store
        .save_credentials(user, "calendly", &oauth_credentials("first"), None)
        .await
        .unwrap();
    let replacement = Credentials {
        provider: "calendly".into(),
        access_token: Some(AccessToken::new("second-access".into())),
        ..Credentials::default()
    };

    let second = store
        .save_credentials(user, "calendly", &replacement, None)
        .await
        .unwrap();

    assert!(second > first, "{second} > {first}");
    let stored = store
        .load_credentials(user, "calendly")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, second);
    assert_same_credentials(&stored.credentials, &replacement);
    let state = state_of(store, user, "calendly").await;
    assert_eq!(state.expires_at, None);
    assert!(state.scopes.is_empty());
    assert!(state.public.is_empty());
}

async fn a_swap_wins_on_the_current_version_and_loses_on_a_stale_one(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    // Arrange
    let saved = store
        .save_credentials(user, "slack", &oauth_credentials("before-swap"), None)
        .await
        .unwrap();
    let refreshed = oauth_credentials("after-swap");

    // Act
    let swapped = store
        .swap_credentials(user, "slack", saved, &refreshed, &[])
        .await
        .unwrap();
    let stale = store
        .swap_credentials(user, "slack", saved, &oauth_credentials("too-late"), &[])
        .await
        .unwrap();

    // Assert
    let swapped = swapped.expect("the version was current");
    assert!(swapped > saved);
    assert_eq!(stale, None, "a stale version loses");
    let stored = store
        .load_credentials(user, "slack")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, swapped);
    assert_same_credentials(&stored.credentials, &refreshed);
    assert_eq!(
        store
            .swap_credentials(user, "never_saved", 1, &refreshed, &[])
            .await
            .unwrap(),
        None
    );
    assert!(store
        .load_credentials(user, "never_saved")
        .await
        .unwrap()
        .is_none());
}

async fn a_swap_reactivates_a_connector_that_needed_reauth(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let version = store
        .save_credentials(user, "gmail", &oauth_credentials("reauth"), None)
        .await
        .unwrap();
    store
        .set_status(
            user,
            "gmail",
            ConnectorStatus::NeedsReauth,
            Some("invalid_grant"),
            None,
            None,
        )
        .await
        .unwrap();

    store
        .swap_credentials(user, "gmail", version, &oauth_credentials("reauth-2"), &[])
        .await
        .unwrap()
        .expect("current version");

    let state = state_of(store, user, "gmail").await;
    assert_eq!(state.status, ConnectorStatus::Active);
    assert_eq!(state.last_error, None);
    assert!(state.connected);
}

async fn a_lease_is_exclusive_until_released_or_expired(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let until = LEASE;
    store
        .save_credentials(user, "notion", &oauth_credentials("lease"), None)
        .await
        .unwrap();

    assert!(store.try_lease(user, "notion", first, until).await.unwrap());
    assert!(!store
        .try_lease(user, "notion", second, until)
        .await
        .unwrap());
    assert!(
        store
            .try_lease(user, "notion", first, 2 * LEASE)
            .await
            .unwrap(),
        "the holder may extend its lease"
    );

    store.release_lease(user, "notion", second).await.unwrap();
    assert!(
        !store
            .try_lease(user, "notion", second, until)
            .await
            .unwrap(),
        "only the holder releases"
    );
    store.release_lease(user, "notion", first).await.unwrap();
    assert!(store
        .try_lease(user, "notion", second, until)
        .await
        .unwrap());

    // A lease past its time is free for anyone.
    assert!(store
        .try_lease(user, "notion", second, std::time::Duration::ZERO)
        .await
        .unwrap());
    assert!(store.try_lease(user, "notion", first, until).await.unwrap());
    store.release_lease(user, "notion", first).await.unwrap();

    assert!(
        !store
            .try_lease(user, "not_connected", first, until)
            .await
            .unwrap(),
        "no row, no lease"
    );
}

async fn a_lease_taken_with_the_row_reads_it_under_the_lease(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let version = store
        .save_credentials(user, "slack", &oauth_credentials("leased-row"), None)
        .await
        .unwrap();

    let leased = store
        .lease_credentials(user, "slack", first, LEASE)
        .await
        .unwrap()
        .expect("a free lease is taken, with the row");
    assert_eq!(leased.version, version);
    assert_eq!(
        leased
            .credentials
            .access_token
            .as_ref()
            .map(|token| token.secret().as_str()),
        Some("ya29.access-leased-row")
    );
    assert!(
        store
            .lease_credentials(user, "slack", second, LEASE)
            .await
            .unwrap()
            .is_none(),
        "another holder's lease is not taken, and the row not read"
    );
    assert!(
        !store.try_lease(user, "slack", second, LEASE).await.unwrap(),
        "the lease is the same as try_lease's"
    );
    store.release_lease(user, "slack", first).await.unwrap();
    assert!(store
        .lease_credentials(user, "not_connected", first, LEASE)
        .await
        .unwrap()
        .is_none());
}

async fn writes_release_the_lease(store: &dyn CredentialStore, [user, _]: [UserId; 2]) {
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let until = LEASE;
    let version = store
        .save_credentials(user, "hubspot", &oauth_credentials("lease-swap"), None)
        .await
        .unwrap();

    assert!(store
        .try_lease(user, "hubspot", first, until)
        .await
        .unwrap());
    store
        .swap_credentials(user, "hubspot", version, &oauth_credentials("swapped"), &[])
        .await
        .unwrap()
        .expect("current version");
    assert!(
        store
            .try_lease(user, "hubspot", second, until)
            .await
            .unwrap(),
        "a swap releases the lease"
    );

    store
        .save_credentials(user, "hubspot", &oauth_credentials("saved"), None)
        .await
        .unwrap();
    assert!(
        store
            .try_lease(user, "hubspot", first, until)
            .await
            .unwrap(),
        "a save releases the lease"
    );
    store.release_lease(user, "hubspot", first).await.unwrap();
}

async fn set_status_keeps_the_credentials(store: &dyn CredentialStore, [user, _]: [UserId; 2]) {
    let credentials = oauth_credentials("status");
    store
        .save_credentials(user, "dropbox", &credentials, None)
        .await
        .unwrap();

    store
        .set_status(
            user,
            "dropbox",
            ConnectorStatus::NeedsReauth,
            Some("Token has been expired or revoked."),
            Some("Token has been expired or revoked."),
            None,
        )
        .await
        .unwrap();

    let state = state_of(store, user, "dropbox").await;
    assert_eq!(state.status, ConnectorStatus::NeedsReauth);
    assert_eq!(
        state.last_error.as_deref(),
        Some("Token has been expired or revoked.")
    );
    assert_eq!(
        state.last_error_detail.as_deref(),
        Some("Token has been expired or revoked."),
        "the provider's words are kept beside the error"
    );
    assert!(state.connected, "the credentials are kept");
    let stored = store.load_credentials(user, "dropbox").await.unwrap();
    assert_same_credentials(&stored.expect("kept").credentials, &credentials);

    store
        .set_status(
            user,
            "dropbox",
            ConnectorStatus::Error,
            Some("timeout"),
            None,
            None,
        )
        .await
        .unwrap();
    let state = state_of(store, user, "dropbox").await;
    assert_eq!(state.status, ConnectorStatus::Error);
    assert_eq!(
        state.last_error_detail, None,
        "an error without the provider's words drops the previous ones"
    );
    store
        .set_status(user, "dropbox", ConnectorStatus::Active, None, None, None)
        .await
        .unwrap();
    let state = state_of(store, user, "dropbox").await;
    assert_eq!(state.status, ConnectorStatus::Active);
    assert_eq!(state.last_error, None);

    store
        .set_status(
            user,
            "dropbox",
            ConnectorStatus::NeedsReauth,
            Some("revoked"),
            Some("revoked"),
            None,
        )
        .await
        .unwrap();
    store
        .save_credentials(user, "dropbox", &credentials, None)
        .await
        .unwrap();
    let state = state_of(store, user, "dropbox").await;
    assert_eq!(
        (state.last_error, state.last_error_detail),
        (None, None),
        "connecting again clears the error and the provider's words"
    );
}

async fn set_status_on_an_untouched_connector_records_it_disconnected(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    store
        .set_status(
            user,
            "twilio",
            ConnectorStatus::Error,
            Some("unreachable"),
            None,
            None,
        )
        .await
        .unwrap();

    let state = state_of(store, user, "twilio").await;
    assert!(!state.connected);
    assert_eq!(state.status, ConnectorStatus::Error);
    assert_eq!(state.last_error.as_deref(), Some("unreachable"));
    assert!(store
        .load_credentials(user, "twilio")
        .await
        .unwrap()
        .is_none());
}

async fn delete_purges_marks_inactive_and_is_harmless_twice(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    store
        .save_credentials(user, "minio", &smtp_credentials("delete-me"), None)
        .await
        .unwrap();
    store
        .set_status(
            user,
            "minio",
            ConnectorStatus::Error,
            Some("boom"),
            None,
            None,
        )
        .await
        .unwrap();

    assert!(purge_plainly(store, user, "minio").await.unwrap());

    assert!(store
        .load_credentials(user, "minio")
        .await
        .unwrap()
        .is_none());
    let state = state_of(store, user, "minio").await;
    assert!(!state.connected);
    assert_eq!(state.status, ConnectorStatus::Inactive);
    assert_eq!(state.last_error, None);
    assert_eq!(state.expires_at, None);
    assert!(state.public.is_empty());
    assert!(!purge_plainly(store, user, "minio").await.unwrap());
    assert_eq!(
        state_of(store, user, "minio").await.status,
        ConnectorStatus::Inactive
    );

    assert!(!purge_plainly(store, user, "hostinger").await.unwrap());
    let state = state_of(store, user, "hostinger").await;
    assert!(!state.connected);
    assert_eq!(state.status, ConnectorStatus::Inactive);
}

async fn a_version_never_repeats_after_delete_and_save(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let before = store
        .save_credentials(user, "zoom", &oauth_credentials("before-delete"), None)
        .await
        .unwrap();
    purge_plainly(store, user, "zoom").await.unwrap();

    let after = store
        .save_credentials(user, "zoom", &oauth_credentials("after-delete"), None)
        .await
        .unwrap();

    assert!(after > before, "{after} > {before}");
    assert_eq!(
        store
            .swap_credentials(
                user,
                "zoom",
                before,
                &oauth_credentials("stale-refresh"),
                &[]
            )
            .await
            .unwrap(),
        None,
        "a refresh started before the delete cannot overwrite the new grant"
    );
    assert_eq!(
        access_token_of(store, user, "zoom").await,
        "ya29.access-after-delete"
    );
}

async fn config_credentials_keep_secrets_out_of_connector_states(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let credentials = smtp_credentials("hunter2-smtp-password");

    store
        .save_credentials(user, "smtp", &credentials, None)
        .await
        .unwrap();

    let stored = store.load_credentials(user, "smtp").await.unwrap().unwrap();
    assert_same_credentials(&stored.credentials, &credentials);
    let state = state_of(store, user, "smtp").await;
    assert!(state.connected);
    assert_eq!(state.public, credentials.public);
    let shown = format!("{state:?}");
    assert!(!shown.contains("hunter2"));
    assert!(!shown.contains("password"));
}

async fn one_user_never_sees_or_changes_another_users_rows(
    store: &dyn CredentialStore,
    [owner, other]: [UserId; 2],
) {
    // Arrange: `owner` has credentials for google_calendar (saved above).
    let owners = store
        .load_credentials(owner, "google_calendar")
        .await
        .unwrap()
        .expect("saved by an earlier check");
    let lease_holder = Uuid::new_v4();

    // Act: `other` tries everything on the same connector code.
    let loaded = store
        .load_credentials(other, "google_calendar")
        .await
        .unwrap();
    let swapped = store
        .swap_credentials(
            other,
            "google_calendar",
            owners.version,
            &oauth_credentials("intruder"),
            &[],
        )
        .await
        .unwrap();
    let leased = store
        .try_lease(other, "google_calendar", lease_holder, LEASE)
        .await
        .unwrap();
    let deleted = purge_plainly(store, other, "google_calendar")
        .await
        .unwrap();
    store
        .set_status(
            other,
            "gmail",
            ConnectorStatus::NeedsReauth,
            Some("other"),
            None,
            None,
        )
        .await
        .unwrap();

    // Assert
    assert!(loaded.is_none());
    assert_eq!(swapped, None);
    assert!(!leased);
    assert!(!deleted);
    let after = store
        .load_credentials(owner, "google_calendar")
        .await
        .unwrap()
        .expect("untouched");
    assert_eq!(after.version, owners.version);
    assert_same_credentials(&after.credentials, &owners.credentials);
    assert!(
        store
            .try_lease(owner, "google_calendar", Uuid::new_v4(), LEASE)
            .await
            .unwrap(),
        "the other user's attempt took no lease on the owner's row"
    );
    assert_eq!(
        state_of(store, owner, "gmail").await.status,
        ConnectorStatus::Active
    );
    let others: Vec<_> = store
        .connector_states(other)
        .await
        .unwrap()
        .into_iter()
        .map(|state| state.connector_code)
        .collect();
    assert_eq!(others, ["gmail", "google_calendar"]);
    let owner_states = store.connector_states(owner).await.unwrap();
    let codes: Vec<_> = owner_states
        .iter()
        .map(|s| s.connector_code.as_str())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    assert_eq!(codes, sorted, "states come sorted by connector code");
    assert!(state_of(store, owner, "google_calendar").await.connected);
}

/// Marks every event the earlier checks recorded delivered, so a check starts from an
/// empty delivery queue.
async fn drain_deliveries(store: &dyn CredentialStore) {
    let holder = Uuid::new_v4();
    loop {
        let claimed = store
            .claim_deliveries(holder, LEASE, &EventType::ALL, 100)
            .await
            .unwrap();
        if claimed.is_empty() {
            return;
        }
        for delivery in claimed {
            assert!(store
                .finish_delivery(&delivery.event.id, holder)
                .await
                .unwrap());
        }
    }
}

async fn recorded(
    store: &dyn CredentialStore,
    kind: EventType,
    user: UserId,
    connector: &str,
) -> Event {
    let mut data = serde_json::Map::new();
    data.insert("reason".into(), "because".into());
    data.insert("attempt".into(), 2.into());
    let event = Event::new(kind, user, Some(connector), data);
    store.record_event(&event).await.unwrap();
    event
}

fn ids(claimed: &[PendingDelivery]) -> Vec<&str> {
    claimed
        .iter()
        .map(|delivery| delivery.event.id.as_str())
        .collect()
}

async fn a_delivery_is_claimed_by_one_holder_retried_when_due_and_ends_delivered_or_failed(
    store: &dyn CredentialStore,
    [user, other]: [UserId; 2],
) {
    // Arrange: three events, one of a type the claimers do not select.
    drain_deliveries(store).await;
    let first = recorded(store, EventType::NeedsReauth, user, "slack").await;
    let unselected = recorded(store, EventType::Refreshed, user, "slack").await;
    let second = recorded(store, EventType::Revoked, other, "notion").await;
    let selected = [EventType::NeedsReauth, EventType::Revoked];
    let (holder, rival) = (Uuid::new_v4(), Uuid::new_v4());

    // Act + Assert: the selected events, oldest first, exactly as recorded.
    let claimed = store
        .claim_deliveries(holder, LEASE, &selected, 10)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), [first.id.as_str(), second.id.as_str()]);
    assert_eq!(claimed[0].event, first);
    assert_eq!(claimed[1].event, second);
    assert!(claimed.iter().all(|delivery| delivery.attempts == 0));

    // Leased: nobody else gets them, nor ends their attempts.
    let by_rival = store
        .claim_deliveries(rival, LEASE, &selected, 10)
        .await
        .unwrap();
    assert!(by_rival.is_empty(), "{:?}", ids(&by_rival));
    assert!(!store.finish_delivery(&first.id, rival).await.unwrap());
    assert!(!store.fail_delivery(&first.id, rival).await.unwrap());

    // Delivered: never claimed again, and ended once.
    assert!(store.finish_delivery(&first.id, holder).await.unwrap());
    assert!(!store.finish_delivery(&first.id, holder).await.unwrap());

    // Postponed by nothing: due again at once, one attempt counted, for anyone.
    assert!(store
        .postpone_delivery(&second.id, holder, Duration::ZERO)
        .await
        .unwrap());
    let again = store
        .claim_deliveries(rival, LEASE, &selected, 10)
        .await
        .unwrap();
    assert_eq!(ids(&again), [second.id.as_str()]);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(again[0].event, second);

    // Postponed for an hour: not due.
    assert!(store
        .postpone_delivery(&second.id, rival, Duration::from_secs(3600))
        .await
        .unwrap());
    assert!(store
        .claim_deliveries(holder, LEASE, &selected, 10)
        .await
        .unwrap()
        .is_empty());

    // An expired lease frees the event for another holder, and the first holder
    // can no longer end it.
    let everything = [EventType::Refreshed];
    let short = store
        .claim_deliveries(holder, Duration::ZERO, &everything, 10)
        .await
        .unwrap();
    assert_eq!(ids(&short), [unselected.id.as_str()]);
    let taken_over = store
        .claim_deliveries(rival, LEASE, &everything, 10)
        .await
        .unwrap();
    assert_eq!(ids(&taken_over), [unselected.id.as_str()]);
    assert!(!store.finish_delivery(&unselected.id, holder).await.unwrap());

    // Failed: never claimed again.
    assert!(store.fail_delivery(&unselected.id, rival).await.unwrap());
    assert!(store
        .claim_deliveries(holder, LEASE, &EventType::ALL, 10)
        .await
        .unwrap()
        .is_empty());
}

async fn concurrent_claimers_never_take_the_same_event(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    // Arrange
    drain_deliveries(store).await;
    let mut expected = Vec::new();
    for _ in 0..40 {
        expected.push(recorded(store, EventType::Revoked, user, "slack").await.id);
    }

    // Act: four claimers, small batches, until the queue is empty.
    let claimer = || async {
        let holder = Uuid::new_v4();
        let mut taken = Vec::new();
        loop {
            let claimed = store
                .claim_deliveries(holder, LEASE, &[EventType::Revoked], 3)
                .await
                .unwrap();
            if claimed.is_empty() {
                return taken;
            }
            for delivery in claimed {
                assert!(store
                    .finish_delivery(&delivery.event.id, holder)
                    .await
                    .unwrap());
                taken.push(delivery.event.id);
            }
        }
    };
    let (a, b, c, d) = tokio::join!(claimer(), claimer(), claimer(), claimer());

    // Assert: each event exactly once.
    let mut taken: Vec<String> = [a, b, c, d].concat();
    taken.sort();
    expected.sort();
    assert_eq!(taken, expected);
}
