use std::fmt;

use connectors_core::UserId;
use time::OffsetDateTime;

/// A user of the embedding application (`users` table).
///
/// `Debug` leaves the password hash out.
#[derive(Clone)]
#[non_exhaustive]
pub struct User {
    /// The user's id, the [`UserId`] every credential row refers to.
    pub id: UserId,
    /// The email address, trimmed and lowercased.
    pub email: String,
    /// The password hash (PHC string, e.g. argon2) given to `create_user`.
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
pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: UserId,
    pub(crate) email: String,
    pub(crate) password_hash: String,
    pub(crate) created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = connectors_core::StoreError;

    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: row.id,
            email: row.email,
            password_hash: row.password_hash,
            created_at: crate::sealed::from_unix(row.created_at)?,
        })
    }
}
