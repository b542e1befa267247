//! Gmail, read-only: the `gmail` connector, on Google's OAuth client.

use connectors_core::{AccountProbe, StandardOAuth};

use super::google::google_spec;

/// The read-only Gmail scope (a restricted scope: Google must verify an app that asks
/// for it before it leaves "Testing").
pub const GMAIL_READONLY: &str = "https://www.googleapis.com/auth/gmail.readonly";

/// Gmail, read-only. Shares the `google` provider (client id, secret and endpoints) with
/// Google Calendar; the API is `{GOOGLE_API_URL}/gmail/v1/...`. Refuses a grant without
/// the Gmail scope and names the account by the mailbox's address
/// (`GET {api}/gmail/v1/users/me/profile`).
pub fn gmail() -> StandardOAuth {
    StandardOAuth::new("gmail", "Gmail", google_spec(GMAIL_READONLY))
        .with_required_scope(GMAIL_READONLY)
        .with_account_probe(
            AccountProbe::get("gmail/v1/users/me/profile").field("email", "/emailAddress"),
        )
}
