//! Run with: `GOOGLE_CLIENT_ID=… GOOGLE_CLIENT_SECRET=… cargo run -p example-embed-axum`
//!
//! An existing axum app embedding `ConnectorAuthService` in its own router, with its own
//! notion of who the user is (here a signed `X-Demo-User` header stands in for your
//! session layer), its own routes and its own SQLite file.
//! Register `http://localhost:3000/integrations/connectors/google_calendar/callback`
//! as a redirect URI of your Google OAuth client.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use connectors_core::secrecy::SecretString;
use connectors_core::{CallbackParams, ConnectorAuthService, ProviderConfig, UserId};
use connectors_providers::google::EventQuery;
use connectors_store::{Cipher, SqliteStore};

/// The one user of this demo: id and email. Yours come from your own users table.
const DEMO_USER: (UserId, &str) = (
    UserId::from_u128(0x0192_d1a5_7c3e_7b21_9f04_5a6b_8c9d_0e1f),
    "demo@example.com",
);

/// Your app's user, from your own session mechanism.
struct CurrentUser(UserId);

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get("x-demo-user")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .map(CurrentUser)
            .ok_or((StatusCode::UNAUTHORIZED, "sign in first"))
    }
}

type Service = Arc<ConnectorAuthService>;

async fn connect(
    State(service): State<Service>,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
) -> Response {
    match service.authorization_url(user, &key).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(error) => (StatusCode::BAD_REQUEST, error.to_string()).into_response(),
    }
}

async fn callback(
    State(service): State<Service>,
    CurrentUser(user): CurrentUser,
    Path(key): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Response {
    match service.handle_callback(Some(user), &key, params).await {
        Ok(()) => Redirect::to("/settings/integrations?connected=1").into_response(),
        Err(refused) => Redirect::to(&format!(
            "/settings/integrations?error={}",
            refused.reason()
        ))
        .into_response(),
    }
}

async fn events(State(service): State<Service>, CurrentUser(user): CurrentUser) -> Response {
    match connectors_providers::google::list_calendar_events(&service, user, &EventQuery::default())
        .await
    {
        Ok(events) => Json(events).into_response(),
        Err(error) => (StatusCode::CONFLICT, error.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cipher = Cipher::from_base64(&std::env::var("CONNECTORS_ENCRYPTION_KEY")?)?;
    let store = SqliteStore::connect("sqlite://embedded-example.db", cipher).await?;
    // Credentials belong to rows of the store's `users` table: mirror each of your
    // users there (an id and an email, no password) before connecting an account.
    store.register_user(DEMO_USER.0, DEMO_USER.1).await?;
    println!("try: curl -H 'x-demo-user: {}' http://127.0.0.1:3000/integrations/connectors/google_calendar/connect", DEMO_USER.0);
    let google = ProviderConfig::new(
        std::env::var("GOOGLE_CLIENT_ID")?,
        SecretString::from(std::env::var("GOOGLE_CLIENT_SECRET")?),
    );
    let service = ConnectorAuthService::new(
        Arc::new(store),
        "http://localhost:3000/integrations".parse()?,
    )
    .with_connectors(connectors_providers::builtin())
    .with_provider("google", google);

    // The callback is mounted where the service's redirect URIs point: the callback
    // base (`/integrations`) followed by `CALLBACK_ROUTE`.
    let integrations = Router::new()
        .route("/connectors/{key}/connect", get(connect))
        .route(connectors_core::CALLBACK_ROUTE, get(callback));
    let app = Router::new()
        .nest("/integrations", integrations)
        .route("/calendar/events", get(events))
        .with_state(Arc::new(service));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, app).await?;
    Ok(())
}
