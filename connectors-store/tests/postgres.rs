//! `PgStore`: the store contract, the SQL store tests, and the table contents.
//!
//! Needs PostgreSQL at `TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) with the right to create databases:
//! each test creates its own `store_test_<uuid>` database and drops it at the end.

mod common;

use connectors_core::secrecy::SecretString;
use connectors_core::{CredentialStore, PendingAuthorization};
use connectors_store::{Cipher, PgStore};
use sqlx::{Connection, Executor, PgConnection};

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database with a random name.
struct TestDb {
    admin_url: String,
    name: String,
}

impl TestDb {
    async fn new() -> Self {
        let admin_url = std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let name = format!("store_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|error| {
                panic!("PostgreSQL at TEST_DATABASE_URL ({admin_url}) is needed: {error}")
            });
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        Self { admin_url, name }
    }

    /// The admin URL with the database name replaced.
    fn url(&self) -> String {
        let (base, query) = match self.admin_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (self.admin_url.as_str(), String::new()),
        };
        let authority_end = base.find("://").map_or(0, |scheme| scheme + 3);
        let host_part = match base[authority_end..].find('/') {
            Some(slash) => &base[..authority_end + slash],
            None => base,
        };
        format!("{host_part}/{}{query}", self.name)
    }

    async fn finish(self) {
        let mut admin = PgConnection::connect(&self.admin_url).await.unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .unwrap();
    }
}

common::sql_store_tests!(PgStore);

#[tokio::test]
async fn plaintext_secrets_never_reach_the_tables() {
    // Arrange
    let db = TestDb::new().await;
    let store = PgStore::connect(&db.url(), Cipher::generate())
        .await
        .unwrap();
    let user = uuid::Uuid::new_v4();
    store.register_user(user, "ada@example.com").await.unwrap();
    let verifier = "pkce-verifier-canary-9c1d";

    // Act
    store
        .save_credentials(
            user,
            "google_calendar",
            &common::oauth_credentials("plaintext-canary-9c1d"),
            None,
        )
        .await
        .unwrap();
    store
        .save_credentials(
            user,
            "smtp",
            &common::smtp_credentials("smtp-password-canary-9c1d"),
            None,
        )
        .await
        .unwrap();
    store
        .insert_pending_authorization(&PendingAuthorization {
            state_hash: "state-hash".into(),
            user_id: user,
            connector_code: "google_calendar".into(),
            pkce_verifier: Some(SecretString::from(verifier)),
            expires_at: common::seconds_from_now(600),
        })
        .await
        .unwrap();

    // Assert: every row of every table, as text (bytea shows as hex).
    let mut dump = String::new();
    for table in [
        "users",
        "user_connectors",
        "user_connector_credentials",
        "oauth_states",
        "store_meta",
    ] {
        let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM {table} t"))
            .fetch_all(store.pool())
            .await
            .unwrap();
        dump.extend(rows.into_iter().map(|(row,)| row + "\n"));
    }
    assert!(dump.contains("smtp.example.com"), "the tables were read");
    for secret in [
        "ya29.access-plaintext-canary-9c1d",
        "1//refresh-plaintext-canary-9c1d",
        "smtp-password-canary-9c1d",
        verifier,
    ] {
        assert!(!dump.contains(secret), "{secret} is in the database");
        assert!(
            !dump.contains(&hex(secret)),
            "{secret} is in the database (bytea)"
        );
    }
    store.pool().close().await;
    db.finish().await;
}

fn hex(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

/// The PostgreSQL server's clock in unix seconds, for the shared SQL store tests.
const DATABASE_NOW: &str = "CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp())) AS BIGINT)";

/// Whether `watch` has ended, without waiting for it.
async fn ended(watch: &mut connectors_core::CredentialsWatch) -> bool {
    tokio::time::timeout(std::time::Duration::ZERO, watch)
        .await
        .is_ok()
}

/// Waits for `watch` to end, failing the test after a generous deadline; what it told.
async fn ends(
    watch: connectors_core::CredentialsWatch,
    what: &str,
) -> Option<connectors_core::RefreshedToken> {
    tokio::time::timeout(std::time::Duration::from_secs(30), watch)
        .await
        .unwrap_or_else(|_| panic!("{what}: the watch never ended"))
}

/// A writer and a watcher sharing a key on `db` (the watcher's fallback poll an hour,
/// so that its watches end by notification only), and a user with Google Calendar and
/// Gmail connected.
async fn writer_and_watcher(db: &TestDb) -> (PgStore, PgStore, uuid::Uuid) {
    let cipher = Cipher::generate();
    let writer = PgStore::connect(&db.url(), cipher.clone()).await.unwrap();
    let watcher = PgStore::connect(&db.url(), cipher)
        .await
        .unwrap()
        .with_change_poll(std::time::Duration::from_secs(3600));
    let user = user_with_two_grants(&writer).await;
    (writer, watcher, user)
}

/// A new user of `store` with Google Calendar and Gmail connected.
async fn user_with_two_grants(store: &PgStore) -> uuid::Uuid {
    let user = uuid::Uuid::new_v4();
    store.register_user(user, "ada@example.com").await.unwrap();
    for connector in ["google_calendar", "gmail"] {
        store
            .save_credentials(user, connector, &common::oauth_credentials(connector), None)
            .await
            .unwrap();
    }
    user
}

/// Writes a refresh of the user's Google Calendar tokens (`"refreshed"`) as a replica
/// does; the version it replaced, the new one being the next.
async fn write_refresh(writer: &PgStore, user: uuid::Uuid) -> i64 {
    let version = writer
        .load_credentials(user, "google_calendar")
        .await
        .unwrap()
        .unwrap()
        .version;
    let swapped = writer
        .swap_credentials(
            user,
            "google_calendar",
            version,
            &common::oauth_credentials("refreshed"),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(swapped, Some(version + 1));
    version
}

/// A caller waiting on another replica's lease is woken by PostgreSQL's notification:
/// the watching store's fallback poll is an hour, so each watch below can only end by
/// a notification, and notifications come in commit order on one connection.
#[tokio::test]
async fn a_watch_on_another_store_ends_when_its_row_changes_and_only_then() {
    // Arrange: a writer and a watcher on one database.
    let db = TestDb::new().await;
    let (writer, watcher, user) = writer_and_watcher(&db).await;
    let holder = uuid::Uuid::new_v4();
    let lease = std::time::Duration::from_secs(30);

    // Act + Assert: a lease taken tells nobody; a change of another row wakes only its
    // own watchers.
    let mut calendar = watcher.watch_credentials(user, "google_calendar");
    let gmail = watcher.watch_credentials(user, "gmail");
    assert!(writer
        .try_lease(user, "google_calendar", holder, lease)
        .await
        .unwrap());
    writer
        .save_credentials(user, "gmail", &common::oauth_credentials("gmail-2"), None)
        .await
        .unwrap();
    assert!(
        ends(gmail, "gmail saved again").await.is_none(),
        "a save tells no token"
    );
    assert!(
        !ended(&mut calendar).await,
        "neither taking a lease nor another row's change wakes a watcher"
    );

    // A lease given back wakes the row's watchers.
    writer
        .release_lease(user, "google_calendar", holder)
        .await
        .unwrap();
    assert!(ends(calendar, "lease released").await.is_none());

    // So do a refresh written (a new version) and a deletion.
    let refreshed = watcher.watch_credentials(user, "google_calendar");
    let version = write_refresh(&writer, user).await;
    // A refresh's notice carries the new token, for the waiter to go on without a read.
    let told = ends(refreshed, "refresh written")
        .await
        .expect("the refresh notice carries the new token");
    assert_eq!(told.version, version + 1);
    assert_eq!(told.access_token.secret(), "ya29.access-refreshed");
    let left = told.expires_at.expect("the expiry is told") - time::OffsetDateTime::now_utc();
    assert!(
        (3500..=3600).contains(&left.whole_seconds()),
        "expires in an hour, as written: {left}"
    );
    let deleted = watcher.watch_credentials(user, "google_calendar");
    let revoked = connectors_core::Event::new(
        connectors_core::EventType::Revoked,
        user,
        Some("google_calendar"),
        serde_json::Map::new(),
    );
    let purge = connectors_core::Purge {
        event: &revoked,
        retry: None,
    };
    assert!(writer
        .delete_credentials(user, "google_calendar", &purge)
        .await
        .unwrap());
    assert!(ends(deleted, "row deleted").await.is_none());
    db.finish().await;
}

/// A refresh notice opens only with the store's key, for its own row and version:
/// whoever else can `NOTIFY` on the database (any role that connects) can wake a
/// waiter, never hand it a token, neither a forged one nor a real one replayed as a
/// later version's or another row's. Nor does the notice show the token to a listener.
#[tokio::test]
async fn a_refresh_notice_cannot_be_forged_or_replayed() {
    // Arrange: a writer and a watcher sharing a key, a stranger listening on the channel.
    let db = TestDb::new().await;
    let (writer, watcher, user) = writer_and_watcher(&db).await;
    let mut stranger = sqlx::postgres::PgListener::connect(&db.url())
        .await
        .unwrap();
    stranger.listen("connectors_credentials").await.unwrap();
    let version = write_refresh(&writer, user).await;
    let prefix = format!("{user}:google_calendar:{}:", version + 1);
    let mut heard = Vec::new();
    let sealed = loop {
        let notification =
            tokio::time::timeout(std::time::Duration::from_secs(30), stranger.recv())
                .await
                .unwrap_or_else(|_| panic!("no refresh notice among {heard:?}"))
                .unwrap();
        heard.push(notification.payload().to_owned());
        if let Some(sealed) = notification.payload().strip_prefix(&prefix) {
            break sealed.to_owned();
        }
    };
    assert!(
        heard
            .iter()
            .all(|payload| !payload.contains("ya29.access-refreshed")),
        "the token travels sealed: {heard:?}"
    );
    let notify = |payload: String| {
        let pool = writer.pool().clone();
        async move {
            sqlx::query("SELECT pg_notify('connectors_credentials', $1)")
                .bind(payload)
                .execute(&pool)
                .await
                .unwrap();
        }
    };

    // The watcher has heard the refresh's notices once it hears a later one (the
    // listener gets them in commit order), so none of them ends a watch below.
    let sentinel = watcher.watch_credentials(user, "gmail");
    notify(format!("{user}:gmail")).await;
    assert!(ends(sentinel, "sentinel").await.is_none());

    // Act + Assert: replayed as the next version, as another row's, and forged.
    let attempts = [
        format!("{user}:google_calendar:{}:{sealed}", version + 2),
        format!("{user}:gmail:{}:{sealed}", version + 1),
        format!("{user}:google_calendar:{}:AXh5eg==", version + 2),
        format!("{user}:google_calendar:{}:not base64!", version + 2),
    ];
    for attempt in attempts {
        let row = if attempt.contains(":gmail:") {
            "gmail"
        } else {
            "google_calendar"
        };
        let watch = watcher.watch_credentials(user, row);
        notify(attempt.clone()).await;
        assert!(
            ends(watch, "notified").await.is_none(),
            "{attempt} wakes the watcher and tells it nothing"
        );
    }
    // The genuine notice, sent again for its own version, still opens.
    let watch = watcher.watch_credentials(user, "google_calendar");
    notify(format!("{prefix}{sealed}")).await;
    assert_eq!(
        ends(watch, "notified").await.map(|told| told.version),
        Some(version + 1)
    );
    db.finish().await;
}

/// A refresh is told once, by its own notice after its commit (the trigger stays quiet
/// for the swap, which would otherwise hold the database-wide notification lock while
/// its commit waits for the disk), and what the lease and the swap set for their own
/// transactions stays there: on the one connection they used, the next change notifies
/// as ever and commits durably.
#[tokio::test]
async fn a_refresh_is_told_once_and_leaves_its_connection_as_it_found_it() {
    // Arrange: a writer over a single connection, a stranger listening on the channel.
    let db = TestDb::new().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&db.url())
        .await
        .unwrap();
    let writer = PgStore::from_pool(pool.clone(), Cipher::generate());
    writer.migrate().await.unwrap();
    let user = user_with_two_grants(&writer).await;
    let mut stranger = sqlx::postgres::PgListener::connect(&db.url())
        .await
        .unwrap();
    stranger.listen("connectors_credentials").await.unwrap();
    let holder = uuid::Uuid::new_v4();

    // Act: a lease, the refresh's swap under it, then a save of another row and a
    // sentinel, all on the writer's one connection.
    assert!(writer
        .try_lease(
            user,
            "google_calendar",
            holder,
            std::time::Duration::from_secs(30)
        )
        .await
        .unwrap());
    let (synchronous_commit,): (String,) = sqlx::query_as("SHOW synchronous_commit")
        .fetch_one(&pool)
        .await
        .unwrap();
    let version = write_refresh(&writer, user).await;
    writer
        .save_credentials(user, "gmail", &common::oauth_credentials("gmail-2"), None)
        .await
        .unwrap();
    sqlx::query("SELECT pg_notify('connectors_credentials', 'sentinel')")
        .execute(&pool)
        .await
        .unwrap();
    let mut heard = Vec::new();
    while heard.last().map(String::as_str) != Some("sentinel") {
        let notification =
            tokio::time::timeout(std::time::Duration::from_secs(30), stranger.recv())
                .await
                .unwrap_or_else(|_| panic!("no sentinel among {heard:?}"))
                .unwrap();
        heard.push(notification.payload().to_owned());
    }

    // Assert: one notice for the refresh, the sealed one; the save notified plainly.
    let calendar: Vec<_> = heard
        .iter()
        .filter(|payload| payload.starts_with(&format!("{user}:google_calendar")))
        .collect();
    assert_eq!(calendar.len(), 1, "one notice per refresh: {heard:?}");
    assert!(
        calendar[0].starts_with(&format!("{user}:google_calendar:{}:", version + 1)),
        "the refresh's own notice, with its sealed token: {heard:?}"
    );
    assert!(heard.contains(&format!("{user}:gmail")), "{heard:?}");
    assert_eq!(
        synchronous_commit, "on",
        "the lease's lazy commit was its own"
    );
    db.finish().await;
}

/// A store that is not listening (over a pool, before `listen_for_changes`) still ends
/// its watches: by the plain poll.
#[tokio::test]
async fn a_store_not_listening_polls() {
    let db = TestDb::new().await;
    let store = PgStore::connect(&db.url(), Cipher::generate())
        .await
        .unwrap();
    let unlistened = PgStore::from_pool(store.pool().clone(), Cipher::generate())
        .with_change_poll(std::time::Duration::from_secs(3600));

    ends(
        unlistened.watch_credentials(uuid::Uuid::new_v4(), "google_calendar"),
        "polling",
    )
    .await;
    db.finish().await;
}

/// A refresh does not queue behind the other requests: with every connection of the
/// general pool taken, the lease, the swap of the refreshed tokens and the read of a
/// caller that waited still go through, on the connections `PgStore::connect` keeps
/// for refreshes.
#[tokio::test]
async fn a_refresh_goes_through_while_the_general_pool_is_taken() {
    // Arrange: a stored grant, then every general connection held.
    let db = TestDb::new().await;
    let store = PgStore::connect(&db.url(), Cipher::generate())
        .await
        .unwrap();
    let user = uuid::Uuid::new_v4();
    store.register_user(user, "ada@example.com").await.unwrap();
    store
        .save_credentials(
            user,
            "google_calendar",
            &common::oauth_credentials("old"),
            None,
        )
        .await
        .unwrap();
    let mut held = Vec::new();
    while held.len() < store.pool().options().get_max_connections() as usize {
        held.push(store.pool().acquire().await.unwrap());
    }
    assert!(
        store.pool().try_acquire().is_none(),
        "the general pool is exhausted"
    );

    // Act: a refresh, start to end.
    let holder = uuid::Uuid::new_v4();
    let lease = std::time::Duration::from_secs(30);
    let leased = promptly(
        "the lease",
        store.lease_credentials(user, "google_calendar", holder, lease),
    )
    .await
    .expect("the lease is free");
    let new = common::oauth_credentials("new");
    let swapped = store.swap_credentials(user, "google_calendar", leased.version, &new, &[]);
    let version = promptly("the swap", swapped)
        .await
        .expect("the version matched");
    let reread = promptly(
        "the read after the wait",
        store.reload_credentials(user, "google_calendar"),
    )
    .await
    .unwrap();

    // Assert
    assert_eq!(reread.version, version);
    assert_eq!(
        reread
            .credentials
            .access_token
            .as_ref()
            .map(|token| token.secret().as_str()),
        Some("ya29.access-new")
    );
    drop(held);
    db.finish().await;
}

/// The outcome of a store call that must not wait for a general connection.
async fn promptly<T>(
    what: &str,
    call: impl std::future::Future<Output = Result<T, connectors_core::StoreError>>,
) -> T {
    tokio::time::timeout(std::time::Duration::from_secs(3), call)
        .await
        .unwrap_or_else(|_| panic!("{what} waited for a general connection"))
        .unwrap()
}

/// The client backends connected to `db`'s database, other than `admin`'s own.
async fn connections_to(db: &TestDb, admin: &mut PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
    )
    .bind(&db.name)
    .fetch_one(admin)
    .await
    .unwrap()
}

/// The store opens its refresh connections at connect, with their statements prepared,
/// and keeps them; dropping the last clone of the store closes every connection it
/// opened, the listener's included.
#[tokio::test]
async fn the_refresh_connections_are_open_from_the_start_and_go_with_the_store() {
    // Arrange
    let db = TestDb::new().await;
    let mut admin = PgConnection::connect(&db.url()).await.unwrap();
    let sizes = connectors_store::PoolSizes {
        general: 3,
        refreshes: 2,
    };

    // Act: connect, and look before anything else runs (the last statement a refresh
    // connection prepares is the notice of a refresh).
    let store = PgStore::connect_with(&db.url(), Cipher::generate(), sizes)
        .await
        .unwrap();
    let open = connections_to(&db, &mut admin).await;
    let prepared: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity \
         WHERE datname = $1 AND query LIKE 'SELECT pg_notify(%' AND pid <> pg_backend_pid()",
    )
    .bind(&db.name)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    let clone = store.clone();
    drop(store);
    let open_with_a_clone = connections_to(&db, &mut admin).await;
    drop(clone);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut left = connections_to(&db, &mut admin).await;
    while left > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        left = connections_to(&db, &mut admin).await;
    }

    // Assert: the migration's connection, both refresh connections and the listener.
    assert_eq!(open, 1 + 2 + 1, "connections open after connect");
    assert_eq!(
        prepared, 2,
        "both refresh connections prepared their statements"
    );
    assert_eq!(open_with_a_clone, open, "a clone keeps them all");
    assert_eq!(left, 0, "connections left after the store was dropped");
    drop(admin);
    db.finish().await;
}

/// A connection the database dropped while it sat idle in the pool is checked, found
/// dead and replaced before the next statement: the store's pools skip sqlx's check
/// before each use only for connections used in the last second.
#[tokio::test]
async fn a_connection_dropped_while_idle_is_replaced_before_use() {
    // Arrange: a store with one general connection, used once, then killed by the
    // database while idle.
    let db = TestDb::new().await;
    let mut admin = PgConnection::connect(&db.url()).await.unwrap();
    let sizes = connectors_store::PoolSizes {
        general: 1,
        refreshes: 1,
    };
    let store = PgStore::connect_with(&db.url(), Cipher::generate(), sizes)
        .await
        .unwrap();
    let pid = |store: &PgStore| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
                .fetch_one(&pool)
                .await
        }
    };
    let first = pid(&store).await.unwrap();
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(first)
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert!(killed, "the pooled backend was terminated");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let alive: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1")
            .bind(first)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        if alive == 0 || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The condition under test is the time the connection has sat idle.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;

    // Act: the store's own read, then the pool's connection again.
    let loaded = store
        .load_credentials(uuid::Uuid::new_v4(), "google_calendar")
        .await;
    let second = pid(&store).await;

    // Assert
    assert!(loaded.is_ok(), "the read after the drop: {loaded:?}");
    let second = second.unwrap();
    assert_ne!(second, first, "a new backend serves the pool");
    drop(store);
    drop(admin);
    db.finish().await;
}
