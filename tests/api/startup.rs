//! Start-up: the generated key file, a wrong key refused, bad settings named.

use std::collections::HashMap;

use reference_server::{Application, Settings};

use crate::helpers::*;

fn settings(vars: &[(&str, String)]) -> Settings {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    Settings::from_lookup(|name| vars.get(name).cloned()).unwrap()
}

#[tokio::test]
async fn zero_configuration_generates_a_private_key_file_and_reuses_it() {
    let data = tempfile::tempdir().unwrap();
    let vars = [
        ("DATA_DIR", data.path().display().to_string()),
        (
            "DATABASE_URL",
            format!("sqlite://{}/connectors.db", data.path().display()),
        ),
        ("BIND_ADDR", "127.0.0.1:0".to_owned()),
    ];
    Application::build(settings(&vars))
        .await
        .expect("starts with zero configuration");
    let key_file = data.path().join("encryption.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
        0o600
    );

    Application::build(settings(&vars))
        .await
        .expect("restarts with the same key");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
}

#[tokio::test]
async fn a_wrong_key_is_refused_at_start_up_naming_the_variable() {
    let data = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/connectors.db", data.path().display());
    let with_key = |key: &str| {
        settings(&[
            ("DATA_DIR", data.path().display().to_string()),
            ("DATABASE_URL", database.clone()),
            ("BIND_ADDR", "127.0.0.1:0".to_owned()),
            ("CONNECTORS_ENCRYPTION_KEY", key.to_owned()),
        ])
    };
    Application::build(with_key(ENCRYPTION_KEY)).await.unwrap();
    let other_key = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    let error = Application::build(with_key(other_key))
        .await
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("CONNECTORS_ENCRYPTION_KEY:"), "{error}");
    assert!(!error.contains(other_key) && !error.contains(ENCRYPTION_KEY));
}

/// A server on PostgreSQL that has stopped leaves no connection open: an application
/// that embeds it, or a test suite running many, does not run the database out of
/// connections.
#[tokio::test]
async fn a_stopped_server_closes_every_database_connection() {
    use sqlx::Connection as _;
    // Arrange: a server on PostgreSQL that has served a signup and the connectors list.
    let app = spawn_app_with(Backend::Postgres, &[]).await;
    let user = app.sign_up("ada@example.com").await;
    let listed = app
        .client
        .get(format!("{}/api/v1/connectors", app.address))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    let name = url::Url::parse(&app.database_url).unwrap().path()[1..].to_owned();
    let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .unwrap();
    let while_serving = connections_to(&name, &mut admin).await;

    // Act: stop it, and let go of everything the test held.
    app.state.shutdown.cancel();
    drop(app);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut left = connections_to(&name, &mut admin).await;
    while left > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        left = connections_to(&name, &mut admin).await;
    }

    // Assert
    assert!(while_serving > 0, "the server was connected");
    assert_eq!(left, 0, "connections left open by a stopped server");
}

/// The connections to the database `name`, the caller's own excepted.
async fn connections_to(name: &str, admin: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .fetch_one(admin)
    .await
    .unwrap()
}
