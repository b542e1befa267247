//! What every `CredentialStore` must do for the failure policy and the background
//! refresh worker (SPEC §11): refresh health, due grants, expiry warnings.

use std::time::Duration;

use connectors_core::{
    ConnectorState, ConnectorStatus, CredentialStore, Credentials, DueGrant, DueQuery, Event,
    EventType, RefreshFailure, RefreshHealth, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::contract::{oauth_credentials, purge_plainly, seconds_from_now};

/// Runs every check of this part of the contract.
pub(crate) async fn refresh_contract(store: &dyn CredentialStore, users: [UserId; 2]) {
    a_transient_failure_is_recorded_with_its_event_and_reset_by_a_swap(store, users).await;
    needs_reauth_makes_a_grant_unrefreshable_until_saved_again(store, users).await;
    due_refreshes_finds_expiring_and_idle_grants_only(store, users).await;
    an_expiry_is_warned_about_once_per_refresh_token(store, users).await;
    a_read_shows_the_holder_of_a_live_lease_only(store, users).await;
}

fn event(kind: EventType, user: UserId, connector: &str) -> Event {
    Event::new(kind, user, Some(connector), serde_json::Map::new())
}

async fn health(store: &dyn CredentialStore, user: UserId, connector: &str) -> RefreshHealth {
    store
        .load_credentials(user, connector)
        .await
        .unwrap()
        .expect("credentials")
        .health
}

async fn status(store: &dyn CredentialStore, user: UserId, connector: &str) -> ConnectorStatus {
    state(store, user, connector).await.status
}

async fn state(store: &dyn CredentialStore, user: UserId, connector: &str) -> ConnectorState {
    store
        .connector_states(user)
        .await
        .unwrap()
        .into_iter()
        .find(|state| state.connector_code == connector)
        .expect("state")
}

async fn types(store: &dyn CredentialStore, user: UserId, connector: &str) -> Vec<EventType> {
    let query = connectors_core::EventQuery {
        connector: Some(connector.to_owned()),
        ..Default::default()
    };
    let mut events: Vec<EventType> = store
        .events(user, &query)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.event_type)
        .collect();
    events.reverse();
    events
}

/// The due grants of `user` among what the store returns (other tests' rows may be
/// due too), those of this file's `due_…` connectors only.
async fn due_of(store: &dyn CredentialStore, query: &DueQuery, user: UserId) -> Vec<String> {
    let mut due: Vec<String> = store
        .due_refreshes(query)
        .await
        .unwrap()
        .into_iter()
        .filter(|grant| grant.user_id == user)
        .map(|grant| grant.connector_code)
        .filter(|code| code.starts_with("due_"))
        .collect();
    due.sort();
    due
}

fn expiring_in(seconds: i64, tag: &str) -> Credentials {
    Credentials {
        expires_at: Some(seconds_from_now(seconds)),
        ..oauth_credentials(tag)
    }
}

async fn a_transient_failure_is_recorded_with_its_event_and_reset_by_a_swap(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let connector = "refresh_health";
    let version = store
        .save_credentials(user, connector, &oauth_credentials("health"), None)
        .await
        .unwrap();
    assert_eq!(
        health(store, user, connector).await,
        RefreshHealth::default()
    );

    let holder = Uuid::new_v4();
    assert!(store
        .try_lease(user, connector, holder, Duration::from_secs(60))
        .await
        .unwrap());
    let failed = event(EventType::RefreshFailed, user, connector);
    let retry_at = seconds_from_now(30);
    store
        .record_refresh_failure(
            user,
            connector,
            &RefreshFailure {
                failures: 3,
                retry_at,
                status: ConnectorStatus::Error,
                last_error: "the provider failed (server_error)",
                last_error_detail: Some("server_error"),
                event: &failed,
            },
        )
        .await
        .unwrap();

    let stored = store
        .load_credentials(user, connector)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, version, "a failure keeps the credentials");
    assert_eq!(
        stored.credentials.access_token.unwrap().secret(),
        "ya29.access-health"
    );
    assert_eq!(
        stored.health,
        RefreshHealth {
            failures: 3,
            retry_at: Some(retry_at),
            refreshable: true,
        }
    );
    let failing = state(store, user, connector).await;
    assert_eq!(failing.status, ConnectorStatus::Error);
    assert_eq!(
        failing.last_error.as_deref(),
        Some("the provider failed (server_error)")
    );
    assert_eq!(
        failing.last_error_detail.as_deref(),
        Some("server_error"),
        "the provider's words are kept apart"
    );
    assert_eq!(
        (failing.health.failures, failing.health.retry_at),
        (3, Some(retry_at)),
        "the connector's state says how its refreshes are going"
    );
    assert!(
        store
            .try_lease(user, connector, Uuid::new_v4(), Duration::from_secs(60))
            .await
            .unwrap(),
        "a failure releases the lease"
    );
    store.release_lease(user, connector, holder).await.unwrap();

    let refreshed = event(EventType::Refreshed, user, connector);
    let mut failures = serde_json::Map::new();
    failures.insert("failures".into(), 3.into());
    let recovered = Event::new(EventType::Recovered, user, Some(connector), failures);
    store
        .swap_credentials(
            user,
            connector,
            version,
            &oauth_credentials("health-2"),
            &[refreshed, recovered.clone()],
        )
        .await
        .unwrap()
        .expect("current version");
    let newest = store
        .events(user, &connectors_core::EventQuery::default())
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (newest.id, newest.data, newest.created_at, newest.connector),
        (
            recovered.id,
            recovered.data,
            recovered.created_at.replace_nanosecond(0).unwrap(),
            recovered.connector
        ),
        "the swap's events are recorded as they are"
    );
    assert_eq!(
        health(store, user, connector).await,
        RefreshHealth::default()
    );
    let recovered = state(store, user, connector).await;
    assert_eq!(recovered.status, ConnectorStatus::Active);
    assert_eq!(
        (recovered.last_error, recovered.last_error_detail),
        (None, None),
        "a refresh clears the error and the provider's words"
    );
    assert_eq!(recovered.health, RefreshHealth::default());
    assert_eq!(
        types(store, user, connector).await,
        [
            EventType::RefreshFailed,
            EventType::Refreshed,
            EventType::Recovered
        ]
    );
}

async fn needs_reauth_makes_a_grant_unrefreshable_until_saved_again(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let connector = "due_dead";
    store
        .save_credentials(user, connector, &expiring_in(-10, "dead"), None)
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let query = DueQuery {
        expiring_before: now,
        idle_since: now - Duration::from_secs(3600),
        now,
        limit: 10_000,
    };
    assert!(due_of(store, &query, user)
        .await
        .contains(&connector.to_owned()));

    store
        .set_status(
            user,
            connector,
            ConnectorStatus::NeedsReauth,
            Some("invalid_grant"),
            None,
            None,
        )
        .await
        .unwrap();
    assert!(!health(store, user, connector).await.refreshable);
    assert!(
        !due_of(store, &query, user)
            .await
            .contains(&connector.to_owned()),
        "a refused grant is never due"
    );

    store
        .save_credentials(user, connector, &expiring_in(-10, "dead-2"), None)
        .await
        .unwrap();
    assert!(health(store, user, connector).await.refreshable);
    assert!(due_of(store, &query, user)
        .await
        .contains(&connector.to_owned()));
    purge_plainly(store, user, connector).await.unwrap();
}

async fn due_refreshes_finds_expiring_and_idle_grants_only(
    store: &dyn CredentialStore,
    [user, other]: [UserId; 2],
) {
    let save = |user: UserId, connector: &'static str, credentials: Credentials| async move {
        store
            .save_credentials(user, connector, &credentials, None)
            .await
            .unwrap()
    };
    save(user, "due_soon", expiring_in(120, "soon")).await;
    save(user, "due_later", expiring_in(7200, "later")).await;
    let backing_off = save(user, "due_backing_off", expiring_in(60, "backoff")).await;
    save(user, "due_leased", expiring_in(60, "leased")).await;
    save(
        user,
        "due_no_refresh_token",
        Credentials {
            refresh_token: None,
            ..expiring_in(60, "no-refresh")
        },
    )
    .await;
    save(other, "due_soon", expiring_in(120, "other-soon")).await;
    let failed = event(EventType::RefreshFailed, user, "due_backing_off");
    store
        .record_refresh_failure(
            user,
            "due_backing_off",
            &RefreshFailure {
                failures: 1,
                retry_at: seconds_from_now(600),
                status: ConnectorStatus::Active,
                last_error: "timeout",
                last_error_detail: None,
                event: &failed,
            },
        )
        .await
        .unwrap();
    assert!(store
        .try_lease(user, "due_leased", Uuid::new_v4(), Duration::from_secs(600))
        .await
        .unwrap());

    let now = OffsetDateTime::now_utc();
    let within_ten_minutes = DueQuery {
        expiring_before: now + Duration::from_secs(600),
        idle_since: now - Duration::from_secs(7 * 86_400),
        now,
        limit: 10_000,
    };
    assert_eq!(due_of(store, &within_ten_minutes, user).await, ["due_soon"]);
    let grant = store
        .due_refreshes(&within_ten_minutes)
        .await
        .unwrap()
        .into_iter()
        .find(|grant| grant.user_id == other)
        .expect("the other user's grant is due too");
    let current = store
        .load_credentials(other, "due_soon")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        grant,
        DueGrant {
            user_id: other,
            connector_code: "due_soon".to_owned(),
            version: current.version,
        }
    );

    // Idle: written before `idle_since` (here: a second from now, so everything is).
    let idle = DueQuery {
        expiring_before: now - Duration::from_secs(86_400),
        idle_since: now + Duration::from_secs(1),
        now,
        limit: 10_000,
    };
    assert_eq!(
        due_of(store, &idle, user).await,
        ["due_later", "due_soon"],
        "idle grants are due whatever their expiry; backing off, leased and \
         refresh-token-less ones are not"
    );

    // Once the backoff is over, the grant is due again.
    let later = DueQuery {
        now: now + Duration::from_secs(601),
        ..within_ten_minutes
    };
    assert!(due_of(store, &later, user)
        .await
        .contains(&"due_backing_off".to_owned()));
    let _ = backing_off;

    let one = DueQuery {
        limit: 1,
        ..within_ten_minutes
    };
    assert_eq!(store.due_refreshes(&one).await.unwrap().len(), 1);
}

async fn an_expiry_is_warned_about_once_per_refresh_token(
    store: &dyn CredentialStore,
    [user, _]: [UserId; 2],
) {
    let connector = "refresh_expiring";
    let expires_at = seconds_from_now(3600);
    let version = store
        .save_credentials(
            user,
            connector,
            &Credentials {
                refresh_token_expires_at: Some(expires_at),
                ..oauth_credentials("expiring")
            },
            None,
        )
        .await
        .unwrap();
    let mine = |grants: Vec<connectors_core::ExpiringGrant>| {
        grants
            .into_iter()
            .filter(|grant| grant.user_id == user && grant.connector_code == connector)
            .collect::<Vec<_>>()
    };
    let in_a_day = seconds_from_now(86_400);
    assert!(
        mine(
            store
                .expiring_grants(seconds_from_now(60), 10_000)
                .await
                .unwrap()
        )
        .is_empty(),
        "not within the window yet"
    );
    let expiring = mine(store.expiring_grants(in_a_day, 10_000).await.unwrap());
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0].refresh_token_expires_at, expires_at);

    let warning = event(EventType::Expiring, user, connector);
    assert!(store
        .record_expiry_warning(user, connector, &warning)
        .await
        .unwrap());
    assert!(
        !store
            .record_expiry_warning(
                user,
                connector,
                &event(EventType::Expiring, user, connector)
            )
            .await
            .unwrap(),
        "a second warning about the same refresh token is refused"
    );
    assert!(mine(store.expiring_grants(in_a_day, 10_000).await.unwrap()).is_empty());
    assert_eq!(types(store, user, connector).await, [EventType::Expiring]);

    // A refresh that keeps the refresh token keeps the warning…
    let same = store
        .swap_credentials(
            user,
            connector,
            version,
            &Credentials {
                refresh_token_expires_at: Some(expires_at),
                ..oauth_credentials("expiring-2")
            },
            &[],
        )
        .await
        .unwrap()
        .unwrap();
    assert!(mine(store.expiring_grants(in_a_day, 10_000).await.unwrap()).is_empty());
    // …a rotated refresh token with its own expiry is warned about again.
    let rotated_expiry = seconds_from_now(7200);
    store
        .swap_credentials(
            user,
            connector,
            same,
            &Credentials {
                refresh_token_expires_at: Some(rotated_expiry),
                ..oauth_credentials("expiring-3")
            },
            &[],
        )
        .await
        .unwrap()
        .unwrap();
    let expiring = mine(store.expiring_grants(in_a_day, 10_000).await.unwrap());
    assert_eq!(expiring.len(), 1);
    assert_eq!(expiring[0].refresh_token_expires_at, rotated_expiry);
}

/// A read names the holder of the grant's live refresh lease (callers then wait for that
/// refresh instead of asking for the lease), and nobody once the lease is given back,
/// taken over by a swap, or over.
async fn a_read_shows_the_holder_of_a_live_lease_only(
    store: &dyn CredentialStore,
    users: [UserId; 2],
) {
    let [user, _] = users;
    let connector = "lease_reads";
    let lease_holder = |user| async move {
        store
            .load_credentials(user, connector)
            .await
            .unwrap()
            .expect("credentials")
            .lease_holder
    };
    store
        .save_credentials(user, connector, &oauth_credentials("lease"), None)
        .await
        .unwrap();
    assert_eq!(lease_holder(user).await, None, "no lease yet");

    let holder = Uuid::new_v4();
    let leased = store
        .lease_credentials(user, connector, holder, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the lease is free");
    assert_eq!(leased.lease_holder, Some(holder), "the lease's own read");
    assert_eq!(lease_holder(user).await, Some(holder), "a live lease");
    assert_eq!(
        store
            .reload_credentials(user, connector)
            .await
            .unwrap()
            .expect("credentials")
            .lease_holder,
        Some(holder),
        "the read of a caller under way"
    );

    store.release_lease(user, connector, holder).await.unwrap();
    assert_eq!(lease_holder(user).await, None, "a lease given back");

    let leased = store
        .lease_credentials(user, connector, holder, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the lease is free again");
    store
        .swap_credentials(
            user,
            connector,
            leased.version,
            &oauth_credentials("lease-2"),
            &[],
        )
        .await
        .unwrap()
        .expect("the version matched");
    assert_eq!(lease_holder(user).await, None, "a swap ends the lease");

    assert!(store
        .try_lease(user, connector, holder, Duration::ZERO)
        .await
        .unwrap());
    assert_eq!(lease_holder(user).await, None, "a lease that is over");
}
