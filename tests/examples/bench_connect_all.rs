//! Connects the OAuth connectors of a signed-up user of a running reference server by
//! writing their credentials through the store, as the OAuth callback does after the
//! code exchange (the config connectors go through `POST /connectors/{key}/config`):
//! the "every connector connected" user of `scripts/bench-connectors-list.sh`.
//!
//! Run: `CONNECTORS_ENCRYPTION_KEY=… cargo run --release -p e2e-tests --example
//! bench_connect_all -- <DATABASE_URL> <user id>`

use std::sync::Arc;

use connectors_core::{AccessToken, CredentialStore, Credentials, RefreshToken};
use connectors_store::{Cipher, PgStore, SqliteStore};
use time::OffsetDateTime;

/// Each OAuth connector: its key, provider, scopes and whether its tokens expire.
const OAUTH: [(&str, &str, &[&str], bool); 5] = [
    (
        "google_calendar",
        "google",
        &["https://www.googleapis.com/auth/calendar.readonly"],
        true,
    ),
    (
        "gmail",
        "google",
        &["https://www.googleapis.com/auth/gmail.readonly"],
        true,
    ),
    (
        "slack",
        "slack",
        &["channels:read", "channels:history", "users:read"],
        true,
    ),
    ("notion", "notion", &[], false),
    (
        "calendly",
        "calendly",
        &["users:read", "scheduled_events:read"],
        true,
    ),
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(user)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_connect_all <DATABASE_URL> <user id>");
        std::process::exit(2);
    };
    let user: uuid::Uuid = user.parse().expect("a user id (UUID)");
    let key = std::env::var("CONNECTORS_ENCRYPTION_KEY").expect("CONNECTORS_ENCRYPTION_KEY");
    let cipher = Cipher::from_base64(&key).expect("a base64 key of 32 bytes");
    let store: Arc<dyn CredentialStore> = if url.starts_with("postgres") {
        Arc::new(PgStore::connect(&url, cipher).await.expect("the database"))
    } else {
        Arc::new(
            SqliteStore::connect(&url, cipher)
                .await
                .expect("the database"),
        )
    };
    for (connector, provider, scopes, expires) in OAUTH {
        let mut public = serde_json::Map::new();
        public.insert("email".into(), "connected@example.com".into());
        let credentials = Credentials {
            provider: provider.to_owned(),
            access_token: Some(AccessToken::new(format!("bench-access-{connector}"))),
            refresh_token: expires.then(|| RefreshToken::new(format!("bench-refresh-{connector}"))),
            expires_at: expires.then(|| OffsetDateTime::now_utc() + time::Duration::hours(1)),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            public,
            ..Credentials::default()
        };
        store
            .save_credentials(user, connector, &credentials, None)
            .await
            .expect("credentials saved");
    }
}
