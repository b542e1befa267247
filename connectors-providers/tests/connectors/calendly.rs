//! `calendly`: PKCE S256, HTTP Basic client authentication, single-use refresh tokens
//! (a reused one gets 400 `invalid_grant`), revocation with the client's credentials.

use connectors_core::{ConnectorAuthService, ConnectorStatus, Error, UserId};
use serde_json::{json, Value};
use uuid::Uuid;
use wiremock::matchers::{basic_auth, bearer_token, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, connect, expire, query, status, stored};

const OWNER: &str = "https://api.calendly.com/users/AAAAAAAAAAAAAAAA";
const ORGANIZATION: &str = "https://api.calendly.com/organizations/BBBBBBBBBBBBBBBB";

fn token_answer(access: &str, refresh: Option<&str>) -> Value {
    let mut answer = json!({
        "token_type": "Bearer",
        "access_token": access,
        "expires_in": 7200,
        "created_at": 1_764_000_000,
        "scope": "users:read scheduled_events:read",
        "owner": OWNER,
        "organization": ORGANIZATION
    });
    if let Some(refresh) = refresh {
        answer["refresh_token"] = refresh.into();
    }
    answer
}

fn invalid_grant() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(json!({
        "error": "invalid_grant",
        "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
    }))
}

async fn connected() -> (MockServer, ConnectorAuthService, UserId) {
    let server = MockServer::start().await;
    let service = support::service().with_provider("calendly", support::provider_on(&server));
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("code_verifier="))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer("at-1", Some("rt-1"))))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/users/me"))
        .and(bearer_token("at-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"resource": {
                "uri": OWNER, "name": "Ada Lovelace", "slug": "ada", "email": "ada@example.com",
                "scheduling_url": "https://calendly.com/ada", "timezone": "Europe/London",
                "current_organization": ORGANIZATION
            }})),
        )
        .mount(&server)
        .await;
    let user = Uuid::new_v4();
    connect(&service, user, "calendly", "the-code")
        .await
        .unwrap();
    (server, service, user)
}

async fn refresh_answers(server: &MockServer, used: &str, answer: Value) {
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(basic_auth(support::CLIENT_ID, support::CLIENT_SECRET))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains(format!("refresh_token={used}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        // Single use: the same refresh token is refused from then on.
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains(format!("refresh_token={used}")))
        .respond_with(invalid_grant())
        .mount(server)
        .await;
}

#[tokio::test]
async fn calendly_asks_for_minimal_scopes_with_pkce() {
    let server = MockServer::start().await;
    let service = support::service().with_provider("calendly", support::provider_on(&server));

    let url = service
        .authorization_url(Uuid::new_v4(), "calendly")
        .await
        .unwrap();

    let params = query(&url);
    assert_eq!(params["scope"], "users:read scheduled_events:read");
    assert_eq!(params["response_type"], "code");
    assert_eq!(params["code_challenge_method"], "S256");
    assert!(params.contains_key("code_challenge"));
    assert_eq!(
        params["redirect_uri"],
        format!("{}/connectors/calendly/callback", support::CALLBACK_BASE)
    );
}

#[tokio::test]
async fn calendly_keeps_the_owner_and_organization_uris_and_names_the_user() {
    let (_server, service, user) = connected().await;

    let credentials = stored(&service, user, "calendly").await.unwrap();
    assert_eq!(credentials.access_token.unwrap().secret(), "at-1");
    assert_eq!(credentials.refresh_token.unwrap().secret(), "rt-1");
    assert!(credentials.expires_at.is_some());
    assert_eq!(credentials.scopes, ["users:read", "scheduled_events:read"]);
    assert_eq!(credentials.public["owner"], OWNER);
    assert_eq!(credentials.public["organization"], ORGANIZATION);
    assert_eq!(credentials.public["name"], "Ada Lovelace");
    assert_eq!(credentials.public["email"], "ada@example.com");
    assert!(!credentials.public.contains_key("created_at"));
    let view = service.connector_view(user, "calendly").await.unwrap();
    assert_eq!(view.connected_as.as_deref(), Some("ada@example.com"));
}

#[tokio::test]
async fn calendly_callers_racing_on_an_expired_token_spend_the_refresh_token_once() {
    let (server, service, user) = connected().await;
    expire(&service, user, "calendly").await;
    refresh_answers(&server, "rt-1", token_answer("at-2", Some("rt-2"))).await;

    let callers = (0..8).map(|_| service.access_token(user, "calendly"));
    let tokens: Vec<String> = futures::future::join_all(callers)
        .await
        .into_iter()
        .map(|token| token.unwrap().secret().clone())
        .collect();

    assert!(tokens.iter().all(|token| token == "at-2"), "{tokens:?}");
    let credentials = stored(&service, user, "calendly").await.unwrap();
    assert_eq!(credentials.refresh_token.unwrap().secret(), "rt-2");
    assert_eq!(credentials.public["owner"], OWNER);
}

#[tokio::test]
async fn calendly_a_reused_refresh_token_turns_the_connector_to_needs_reauth() {
    let (server, service, user) = connected().await;
    let spent = stored(&service, user, "calendly").await.unwrap();
    expire(&service, user, "calendly").await;
    refresh_answers(&server, "rt-1", token_answer("at-2", Some("rt-2"))).await;
    service.access_token(user, "calendly").await.unwrap();
    // A restored backup (or a buggy client) brings the spent refresh token back.
    let mut restored = spent;
    restored.expires_at = Some(time::OffsetDateTime::now_utc() - time::Duration::minutes(1));
    service
        .save_tokens(user, "calendly", &restored)
        .await
        .unwrap();

    let refused = service.access_token(user, "calendly").await.unwrap_err();

    assert!(matches!(refused, Error::NeedsReauth(_)), "{refused:?}");
    assert_eq!(
        status(&service, user, "calendly").await,
        ConnectorStatus::NeedsReauth
    );
}

#[tokio::test]
async fn calendly_a_refresh_answer_without_refresh_token_keeps_the_old_one() {
    let (server, service, user) = connected().await;
    expire(&service, user, "calendly").await;
    refresh_answers(&server, "rt-1", token_answer("at-2", None)).await;

    let token = service.access_token(user, "calendly").await.unwrap();

    assert_eq!(token.secret(), "at-2");
    let credentials = stored(&service, user, "calendly").await.unwrap();
    assert_eq!(credentials.refresh_token.unwrap().secret(), "rt-1");
}

#[tokio::test]
async fn calendly_revoke_sends_the_client_credentials_and_the_token_in_a_form() {
    let (server, service, user) = connected().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("client_id=client-id"))
        .and(body_string_contains("client_secret=client-secret"))
        .and(body_string_contains("token=rt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;

    service.revoke(user, "calendly").await.unwrap();

    assert!(stored(&service, user, "calendly").await.is_none());
    assert_eq!(
        status(&service, user, "calendly").await,
        ConnectorStatus::Inactive
    );
}
