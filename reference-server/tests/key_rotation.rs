//! `reference-server keys rotate` as an operator runs it, on SQLite and PostgreSQL:
//! 10,000 credential rows sealed with the old key, a rotation killed with SIGKILL
//! half-way, then resumed; `keys status` and `keys retire` along the way.
//!
//! `rotation_throughput` (ignored: a measurement, printed, not a check) times a whole
//! pass instead; `ROTATION_BINARY=target/release/reference-server` measures a release
//! build.
//!
//! The rows are written through the store's own API (so they are sealed as a server
//! seals them), over a pool that skips fsync so that seeding takes seconds; the
//! rotation itself runs on the binary's own, durable, connections.

mod common;

use std::str::FromStr as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{collect_lines, eventually, printed, run, KEY, OTHER_KEY};
use connectors_core::secrecy::{ExposeSecret as _, SecretString};
use connectors_core::{AccessToken, CredentialStore, Credentials, RefreshToken, UserId};
use connectors_store::{Cipher, PgStore, SqliteStore};
use futures::StreamExt as _;
use reference_server::db::Database;

const USERS: usize = 1_000;
/// Nine OAuth connectors with two tokens each, and SMTP with its password.
const CONNECTORS: [&str; 10] = [
    "google_calendar",
    "gmail",
    "slack",
    "notion",
    "calendly",
    "oauth_six",
    "oauth_seven",
    "oauth_eight",
    "oauth_nine",
    "smtp",
];
const VALUES: u64 = (USERS * (9 * 2 + 1)) as u64;

/// The old key, primary before the rotation.
const OLD_KEY: &str = OTHER_KEY;
/// The new key.
const NEW_KEY: &str = KEY;

fn credentials(user: usize, connector: &str) -> Credentials {
    let mut credentials = Credentials {
        provider: connector.to_owned(),
        ..Credentials::default()
    };
    if connector == "smtp" {
        credentials.secrets.insert(
            "password".into(),
            SecretString::from(format!("password-{user}")),
        );
    } else {
        credentials.access_token = Some(AccessToken::new(format!("access-{user}-{connector}")));
        credentials.refresh_token = Some(RefreshToken::new(format!("refresh-{user}-{connector}")));
    }
    credentials
}

fn secrets_of(credentials: &Credentials) -> Vec<String> {
    let mut secrets: Vec<String> = credentials
        .secrets
        .values()
        .map(|secret| secret.expose_secret().to_owned())
        .collect();
    secrets.extend(
        credentials
            .access_token
            .as_ref()
            .map(|token| token.secret().to_owned()),
    );
    secrets.extend(
        credentials
            .refresh_token
            .as_ref()
            .map(|token| token.secret().to_owned()),
    );
    secrets
}

/// Writes every row under the old key; the users' ids, in order.
async fn seed(store: Arc<dyn CredentialStore>, users: Vec<UserId>) -> Vec<UserId> {
    let rows = users.iter().enumerate().flat_map(|(index, user)| {
        CONNECTORS
            .iter()
            .map(move |connector| (index, *user, *connector))
    });
    futures::stream::iter(rows)
        .for_each_concurrent(8, |(index, user, connector)| {
            let store = Arc::clone(&store);
            async move {
                store
                    .save_credentials(user, connector, &credentials(index, connector), None)
                    .await
                    .unwrap();
            }
        })
        .await;
    users
}

async fn seed_sqlite(url: &str) -> Vec<UserId> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .unwrap()
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .synchronous(sqlx::sqlite::SqliteSynchronous::Off);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let store = SqliteStore::from_pool(pool.clone(), Cipher::from_base64(OLD_KEY).unwrap());
    store.migrate().await.unwrap();
    let mut users = Vec::new();
    for index in 0..USERS {
        let user = uuid::Uuid::new_v4();
        store
            .register_user(user, &format!("user{index}@example.com"))
            .await
            .unwrap();
        users.push(user);
    }
    let users = seed(Arc::new(store), users).await;
    pool.close().await;
    users
}

async fn seed_postgres(url: &str) -> Vec<UserId> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .unwrap()
        .options([("synchronous_commit", "off")]);
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .unwrap();
    let store = PgStore::from_pool(pool.clone(), Cipher::from_base64(OLD_KEY).unwrap());
    store.migrate().await.unwrap();
    let mut users = Vec::new();
    for index in 0..USERS {
        let user = uuid::Uuid::new_v4();
        store
            .register_user(user, &format!("user{index}@example.com"))
            .await
            .unwrap();
        users.push(user);
    }
    let users = seed(Arc::new(store), users).await;
    pool.close().await;
    users
}

/// The counts of `keys status` for `key_id` in `table.column`.
fn status_count(status: &str, column: &str, key_id: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["user_connector_credentials", c, k, values, ..] if *c == column && *k == key_id => {
                values.parse().ok()
            }
            _ => None,
        }
    })
}

/// Every value `keys status` counts on `key_id`.
fn half_values(status: &str, key_id: &str) -> u64 {
    ["access_token", "refresh_token", "extra_json.secrets"]
        .iter()
        .filter_map(|column| status_count(status, column, key_id))
        .sum()
}

async fn rotation_killed_half_way_resumes_and_loses_nothing(
    backend: &str,
    url: &str,
    users: Vec<UserId>,
) {
    let cwd = tempfile::tempdir().unwrap();
    let data_dir = cwd.path().join("data").display().to_string();
    let vars = [
        ("DATABASE_URL", url),
        ("DATA_DIR", data_dir.as_str()),
        ("CONNECTORS_ENCRYPTION_KEY", NEW_KEY),
        ("CONNECTORS_PREVIOUS_ENCRYPTION_KEYS", OLD_KEY),
    ];
    let old_id = Cipher::from_base64(OLD_KEY).unwrap().key_id();
    let new_id = Cipher::from_base64(NEW_KEY).unwrap().key_id();
    let before = run(cwd.path(), &["keys", "status"], &vars).await;
    assert!(before.status.success(), "{}", printed(&before));
    let before = String::from_utf8_lossy(&before.stdout).into_owned();
    assert_eq!(
        status_count(&before, "access_token", &old_id),
        Some(9 * USERS as u64),
        "{before}"
    );
    assert_eq!(
        status_count(&before, "extra_json.secrets", &old_id),
        Some(USERS as u64),
        "{before}"
    );
    assert!(
        before.contains(&format!("values left on old keys: {VALUES}")),
        "{before}"
    );

    // Act 1: a rotation in small, paced batches, killed once 2,000 rows are done.
    let mut rotation = common::command(
        cwd.path(),
        &["keys", "rotate", "--batch-size", "200", "--pause-ms", "20"],
        &vars,
    )
    .spawn()
    .unwrap();
    let lines = collect_lines(&mut rotation);
    eventually(
        Duration::from_secs(120),
        "2,000 rows re-encrypted",
        async || {
            let lines = lines.lock().unwrap();
            let done = lines.iter().rev().find_map(|line| {
                line.strip_prefix("re-encrypted ")?
                    .split(' ')
                    .next()?
                    .parse::<u64>()
                    .ok()
            })?;
            (done >= 2_000).then_some(())
        },
    )
    .await;
    rotation.kill().await.unwrap();
    let killed = rotation.wait().await.unwrap();

    // Assert 1: cut off half-way, and the old key cannot be retired yet.
    assert_eq!(killed.code(), None, "killed by a signal, not finished");
    let half = run(cwd.path(), &["keys", "status"], &vars).await;
    let half = String::from_utf8_lossy(&half.stdout).into_owned();
    let left = status_count(&half, "access_token", &old_id).unwrap_or(0);
    assert!(left > 0 && left < 9 * USERS as u64, "half-way: {half}");
    let refused = run(cwd.path(), &["keys", "retire", &old_id], &vars).await;
    assert_eq!(refused.status.code(), Some(1), "{}", printed(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(&format!("key {old_id} still seals")),
        "{}",
        printed(&refused)
    );
    let primary = run(cwd.path(), &["keys", "retire", &new_id], &vars).await;
    assert_eq!(primary.status.code(), Some(1), "{}", printed(&primary));
    let without_old_key = run(cwd.path(), &["check"], &vars[..3]).await;
    assert_eq!(
        without_old_key.status.code(),
        Some(1),
        "{}",
        printed(&without_old_key)
    );
    assert!(
        String::from_utf8_lossy(&without_old_key.stderr).starts_with(&format!(
            "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS: {} stored values are sealed with key {old_id}",
            half_values(&half, &old_id)
        )),
        "{}",
        printed(&without_old_key)
    );

    // Act 2: resumed, at full speed.
    let started = Instant::now();
    let resumed = run(cwd.path(), &["keys", "rotate"], &vars).await;
    let elapsed = started.elapsed();

    // Assert 2: nothing left on the old key, which may now go.
    assert!(resumed.status.success(), "{}", printed(&resumed));
    let report = String::from_utf8_lossy(&resumed.stdout).into_owned();
    assert!(report.contains("values left on old keys: 0"), "{report}");
    let rewritten: u64 = report
        .lines()
        .find_map(|line| {
            line.strip_prefix("pass done: ")?
                .split(", ")
                .nth(1)?
                .strip_suffix(" re-encrypted")?
                .parse()
                .ok()
        })
        .expect("the pass report");
    assert!(
        rewritten > 0 && rewritten < (USERS * CONNECTORS.len()) as u64,
        "{report}"
    );
    eprintln!(
        "{backend}: the resumed rotation re-encrypted {rewritten} rows in {:.2} s: {:.0} rows/s",
        elapsed.as_secs_f64(),
        rewritten as f64 / elapsed.as_secs_f64()
    );
    let status = run(cwd.path(), &["keys", "status"], &vars).await;
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert_eq!(
        status_count(&status, "access_token", &new_id),
        Some(9 * USERS as u64),
        "{status}"
    );
    assert_eq!(
        status_count(&status, "access_token", &old_id),
        None,
        "{status}"
    );
    let retired = run(cwd.path(), &["keys", "retire", &old_id], &vars).await;
    assert!(retired.status.success(), "{}", printed(&retired));

    // Assert 3: with the new key alone, every value reads back as it was written.
    let new_only = Database::connect(url, Cipher::from_base64(NEW_KEY).unwrap())
        .await
        .unwrap();
    let store = new_only.credential_store();
    for (index, user) in users.iter().enumerate() {
        for connector in CONNECTORS {
            let stored = store
                .load_credentials(*user, connector)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                secrets_of(&stored.credentials),
                secrets_of(&credentials(index, connector)),
                "{connector} of user {index}"
            );
        }
    }
}

#[tokio::test]
async fn sqlite_rotation_killed_half_way_resumes_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/connectors.db", dir.path().display());
    let users = seed_sqlite(&url).await;

    rotation_killed_half_way_resumes_and_loses_nothing("SQLite", &url, users).await;
}

#[tokio::test]
async fn postgres_rotation_killed_half_way_resumes_and_loses_nothing() {
    let database = common::PgDatabase::create("key_rotation").await;
    let users = seed_postgres(&database.url).await;

    rotation_killed_half_way_resumes_and_loses_nothing("PostgreSQL", &database.url, users).await;

    database.drop_it().await;
}

/// One whole `keys rotate` over freshly seeded rows: rows/s, printed.
async fn measure(backend: &str, url: &str) {
    let program = std::env::var("ROTATION_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_reference-server").to_owned());
    let cwd = tempfile::tempdir().unwrap();
    let vars = [
        ("DATABASE_URL", url),
        ("CONNECTORS_ENCRYPTION_KEY", NEW_KEY),
        ("CONNECTORS_PREVIOUS_ENCRYPTION_KEYS", OLD_KEY),
    ];
    let started = Instant::now();
    let output = common::command_of(&program, cwd.path(), &["keys", "rotate"], &vars)
        .output()
        .await
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "{}", printed(&output));
    let rows = USERS * CONNECTORS.len();
    eprintln!(
        "{backend} ({program}): keys rotate re-encrypted {rows} rows ({VALUES} values) in \
         {elapsed:.2} s: {:.0} rows/s, process start and the status before and after included",
        rows as f64 / elapsed
    );
}

#[tokio::test]
#[ignore = "a measurement, printed, not a check"]
async fn rotation_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/connectors.db", dir.path().display());
    seed_sqlite(&url).await;
    measure("SQLite", &url).await;
    let database = common::PgDatabase::create("rotation_throughput").await;
    seed_postgres(&database.url).await;
    measure("PostgreSQL", &database.url).await;
    database.drop_it().await;
}
