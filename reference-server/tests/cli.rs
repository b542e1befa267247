//! The command line, run as a real process in an empty temporary folder: help and
//! version, arguments it does not know, `migrate` and `check`.

mod common;

use common::{printed, run, KEY, OTHER_KEY};

fn is_empty(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

#[tokio::test]
async fn help_and_version_answer_and_exit_zero() {
    let cwd = tempfile::tempdir().unwrap();

    let help = run(cwd.path(), &["--help"], &[]).await;
    let version = run(cwd.path(), &["--version"], &[]).await;
    let keys_help = run(cwd.path(), &["keys", "--help"], &[]).await;

    assert!(help.status.success(), "{}", printed(&help));
    let help_text = String::from_utf8_lossy(&help.stdout);
    for command in ["serve", "migrate", "check", "keys"] {
        assert!(help_text.contains(command), "{command} in {help_text}");
    }
    assert!(version.status.success(), "{}", printed(&version));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("reference-server {}", env!("CARGO_PKG_VERSION"))
    );
    let keys_text = String::from_utf8_lossy(&keys_help.stdout);
    for command in ["status", "rotate", "retire", "generate"] {
        assert!(keys_text.contains(command), "{command} in {keys_text}");
    }
    assert!(is_empty(cwd.path()), "help wrote nothing");
}

#[tokio::test]
async fn an_unknown_argument_exits_2_with_clap_s_error_and_starts_nothing() {
    let cwd = tempfile::tempdir().unwrap();

    for args in [
        &["--port", "9000"][..],
        &["serve", "--verbose"],
        &["start"],
        &["keys", "rotate", "--batch-size", "0"],
    ] {
        let output = run(cwd.path(), args, &[]).await;

        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            printed(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains("try '--help'"), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}: {}", printed(&output));
    }
    assert!(is_empty(cwd.path()), "no data/ folder, key or database");
}

#[tokio::test]
async fn check_on_a_key_that_does_not_match_the_database_exits_1_naming_the_variable() {
    // Arrange: a database created with KEY.
    let cwd = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/connectors.db", cwd.path().display());
    let vars = |key| {
        [
            ("DATABASE_URL", database.clone()),
            ("CONNECTORS_ENCRYPTION_KEY", key),
        ]
    };
    let migrated = run(cwd.path(), &["migrate"], &as_refs(&vars(KEY.to_owned()))).await;
    assert!(migrated.status.success(), "{}", printed(&migrated));

    // Act
    let wrong = run(
        cwd.path(),
        &["check"],
        &as_refs(&vars(OTHER_KEY.to_owned())),
    )
    .await;
    let right = run(cwd.path(), &["check"], &as_refs(&vars(KEY.to_owned()))).await;

    // Assert
    assert_eq!(wrong.status.code(), Some(1), "{}", printed(&wrong));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(
        lines[0].starts_with("CONNECTORS_ENCRYPTION_KEY: does not match"),
        "{stderr}"
    );
    assert!(!stderr.contains(OTHER_KEY) && !stderr.contains(KEY));
    assert!(right.status.success(), "{}", printed(&right));
    assert!(String::from_utf8_lossy(&right.stdout).starts_with("ok: "));
}

#[tokio::test]
async fn check_names_a_bad_setting_and_creates_no_database() {
    let cwd = tempfile::tempdir().unwrap();

    let bad = run(
        cwd.path(),
        &["check"],
        &[("CONNECTORS_ENCRYPTION_KEY", "c2hvcnQ=")],
    )
    .await;
    let fresh = run(cwd.path(), &["check"], &[]).await;

    assert_eq!(bad.status.code(), Some(2), "{}", printed(&bad));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("CONNECTORS_ENCRYPTION_KEY: expected"),
        "{}",
        printed(&bad)
    );
    assert!(fresh.status.success(), "{}", printed(&fresh));
    assert!(is_empty(cwd.path()), "check created nothing");
}

#[tokio::test]
async fn a_bad_shutdown_grace_stops_start_up_naming_the_variable() {
    let cwd = tempfile::tempdir().unwrap();

    let output = run(
        cwd.path(),
        &["serve"],
        &[("SHUTDOWN_GRACE_SECONDS", "soon")],
    )
    .await;

    assert_eq!(output.status.code(), Some(2), "{}", printed(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "configuration error: SHUTDOWN_GRACE_SECONDS: expected a whole number"
    );
    assert!(is_empty(cwd.path()));
}

#[tokio::test]
async fn migrate_on_a_new_postgres_database_creates_the_tables_and_exits_0() {
    // Arrange
    let database = common::PgDatabase::create("cli_migrate").await;
    let cwd = tempfile::tempdir().unwrap();

    // Act
    let output = run(
        cwd.path(),
        &["migrate"],
        &[
            ("DATABASE_URL", &database.url),
            ("CONNECTORS_ENCRYPTION_KEY", KEY),
        ],
    )
    .await;

    // Assert
    assert!(output.status.success(), "{}", printed(&output));
    let pool = sqlx::PgPool::connect(&database.url).await.unwrap();
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' ORDER BY table_name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let tables: Vec<&str> = tables.iter().map(|(name,)| name.as_str()).collect();
    for table in [
        "users",
        "user_connectors",
        "user_connector_credentials",
        "oauth_states",
        "connector_events",
        "store_meta",
        "sessions",
        "projects",
        "files",
    ] {
        assert!(tables.contains(&table), "{table} in {tables:?}");
    }
    pool.close().await;
    let check = run(
        cwd.path(),
        &["check"],
        &[
            ("DATABASE_URL", &database.url),
            ("CONNECTORS_ENCRYPTION_KEY", KEY),
        ],
    )
    .await;
    assert!(check.status.success(), "{}", printed(&check));
    database.drop_it().await;
}

fn as_refs<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect()
}
