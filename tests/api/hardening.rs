//! The hardening pass (issue 10): bounded settings, one-transaction sign-up, and the
//! other defects found by attacking the server, each with the request that showed it.

use serde_json::json;

use crate::helpers::*;

async fn a_signup_whose_session_cannot_be_stored_leaves_no_user(backend: Backend) {
    // Arrange: the session insert fails after the user insert succeeded.
    let app = spawn_app_with(backend, &[]).await;
    app.execute("ALTER TABLE sessions RENAME TO sessions_away")
        .await;
    let credentials = json!({"email": "ada@example.com", "password": "correct horse battery"});

    // Act
    let failed = app.post_json("/auth/signup", &credentials).await;

    // Assert: nothing was kept, so the same sign-up succeeds once sessions work again.
    assert_eq!(failed.status(), 500);
    assert_eq!(app.count_rows("users").await, 0);
    app.execute("ALTER TABLE sessions_away RENAME TO sessions")
        .await;
    let retried = app.post_json("/auth/signup", &credentials).await;
    assert_eq!(retried.status(), 201);
}

#[tokio::test]
async fn a_signup_whose_session_cannot_be_stored_leaves_no_user_on_sqlite() {
    a_signup_whose_session_cannot_be_stored_leaves_no_user(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_signup_whose_session_cannot_be_stored_leaves_no_user_on_postgres() {
    a_signup_whose_session_cannot_be_stored_leaves_no_user(Backend::Postgres).await;
}
