//! The server's own users table, through `reference_server::db::Database` on both
//! backends: emails compared trimmed and lowercased, one account per address, the
//! password hash kept out of `Debug`.

use connectors_store::Cipher;
use reference_server::db::Database;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{fresh_postgres_database, Backend};

async fn database(backend: Backend, dir: &tempfile::TempDir) -> Database {
    let url = match backend {
        Backend::Sqlite => format!("sqlite://{}/users.db", dir.path().display()),
        Backend::Postgres => fresh_postgres_database().await,
    };
    Database::connect(&url, Cipher::generate()).await.unwrap()
}

async fn users_are_found_by_email_whatever_its_case_and_by_id(backend: Backend) {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let db = database(backend, &dir).await;
    let expires_at = OffsetDateTime::now_utc() + Duration::hours(1);

    // Act
    let created = db
        .create_user_with_session(
            " Ada@Example.com ",
            "$argon2id$secret-hash",
            "first",
            expires_at,
        )
        .await
        .unwrap()
        .expect("a new email");
    let duplicate = db
        .create_user_with_session("ada@example.COM", "$argon2id$other", "second", expires_at)
        .await
        .unwrap();

    // Assert
    assert_eq!(created.email, "ada@example.com");
    assert!(duplicate.is_none(), "{duplicate:?}");
    let (session_user, _) = db
        .session("first")
        .await
        .unwrap()
        .expect("the first session");
    assert_eq!(session_user, created.id);
    assert!(db.session("second").await.unwrap().is_none());
    let by_email = db.user_by_email("ADA@example.com").await.unwrap().unwrap();
    assert_eq!(by_email.id, created.id);
    assert_eq!(by_email.password_hash, "$argon2id$secret-hash");
    assert_eq!(by_email.created_at, created.created_at);
    let by_id = db.user_by_id(created.id).await.unwrap().unwrap();
    assert_eq!(by_id.email, "ada@example.com");
    assert!(db.user_by_email("bob@example.com").await.unwrap().is_none());
    assert!(db.user_by_id(Uuid::new_v4()).await.unwrap().is_none());
    assert!(!format!("{by_id:?}").contains("secret-hash"));
}

#[tokio::test]
async fn users_are_found_by_email_whatever_its_case_and_by_id_on_sqlite() {
    users_are_found_by_email_whatever_its_case_and_by_id(Backend::Sqlite).await;
}

#[tokio::test]
async fn users_are_found_by_email_whatever_its_case_and_by_id_on_postgres() {
    users_are_found_by_email_whatever_its_case_and_by_id(Backend::Postgres).await;
}
