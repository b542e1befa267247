//! The server's users: the `users` table (created by `connectors-store`'s first
//! migration, because its credential rows refer to it) with the email and the argon2
//! password hash, which belong to this server and not to the SDK.

use std::fmt;

use connectors_core::UserId;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{on_pool, Database, DbError};

/// A user of the server.
///
/// `Debug` leaves the password hash out.
#[derive(Clone)]
pub struct User {
    /// The user's id, the [`UserId`] every credential row refers to.
    pub id: UserId,
    /// The email address, trimmed and lowercased.
    pub email: String,
    /// The password hash (PHC string, argon2).
    pub password_hash: String,
    /// When the user signed up.
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// How emails are compared: one account per mailbox, whatever the case typed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: UserId,
    email: String,
    password_hash: String,
    created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = DbError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id,
            email: row.email,
            password_hash: row.password_hash,
            created_at: OffsetDateTime::from_unix_timestamp(row.created_at)
                .map_err(|error| DbError::Database(sqlx::Error::Decode(Box::new(error))))?,
        })
    }
}

const INSERT_USER: &str = "\
    INSERT INTO users (id, email, password_hash, created_at, updated_at) \
    VALUES ($1, $2, $3, $4, $4)";

const INSERT_SESSION: &str = "\
    INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";

const USER_BY_EMAIL: &str = "\
    SELECT id, email, password_hash, created_at FROM users WHERE email = $1";

const USER_BY_ID: &str = "\
    SELECT id, email, password_hash, created_at FROM users WHERE id = $1";

impl Database {
    /// Creates a user (its email trimmed and lowercased) and its first session in one
    /// transaction, so that a failure leaves neither; `None` when the email is taken.
    ///
    /// # Errors
    ///
    /// The database's failures.
    pub async fn create_user_with_session(
        &self,
        email: &str,
        password_hash: &str,
        token_hash: &str,
        expires_at: OffsetDateTime,
    ) -> Result<Option<User>, DbError> {
        let id = Uuid::new_v4();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        on_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let inserted = sqlx::query(INSERT_USER)
                .bind(id)
                .bind(normalize_email(email))
                .bind(password_hash)
                .bind(now)
                .execute(&mut *transaction)
                .await;
            match inserted {
                Ok(_) => {}
                Err(sqlx::Error::Database(error)) if error.is_unique_violation() => return Ok(None),
                Err(error) => return Err(error.into()),
            }
            sqlx::query(INSERT_SESSION)
                .bind(token_hash)
                .bind(id)
                .bind(now)
                .bind(expires_at.unix_timestamp())
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
        });
        self.user_by_id(id).await
    }

    /// The user with this email (compared trimmed and lowercased), if any.
    ///
    /// # Errors
    ///
    /// The database's failures.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, DbError> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, UserRow>(USER_BY_EMAIL)
            .bind(normalize_email(email))
            .fetch_optional(pool)
            .await?);
        row.map(User::try_from).transpose()
    }

    /// The user with this id, if any.
    ///
    /// # Errors
    ///
    /// The database's failures.
    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>, DbError> {
        let row = on_pool!(self, pool => sqlx::query_as::<_, UserRow>(USER_BY_ID)
            .bind(id)
            .fetch_optional(pool)
            .await?);
        row.map(User::try_from).transpose()
    }
}
