//! Shared with the end-to-end tests of `tests/api` (included there by path).
//!
//! A stateful fake of an OAuth provider's token and revocation endpoints, speaking each
//! provider's own wire format (PROVIDERS.md): grants are issued by the code exchange,
//! rotated by refreshes as the provider rotates them, and killed by revocation, so a
//! test can ask the fake whether a grant is still alive after the SDK disconnected it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Whose wire format the fake speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// Form bodies; refresh answers omit `refresh_token`; revoke by either token.
    Google,
    /// HTTP 200 `ok:false` errors; the user token under `authed_user`; rotation;
    /// `auth.revoke` with Bearer, `token_expired` for an expired token.
    Slack,
    /// JSON token bodies; rotation; revoke by access token, 401 when it expired.
    Notion,
    /// Form bodies; single-use refresh tokens; revoke with client credentials in the form.
    Calendly,
}

#[derive(Debug)]
struct Grant {
    access: String,
    refresh: String,
    access_expired: bool,
    alive: bool,
}

#[derive(Debug, Default)]
struct State {
    issued: u32,
    grants: Vec<Grant>,
    revoke_outages: u32,
    refresh_outages: u32,
    revoke_calls: Vec<String>,
    refresh_calls: u32,
}

/// The fake, mounted on a wiremock server at `/token` and `/revoke`.
#[derive(Clone)]
pub(crate) struct GrantFake {
    dialect: Dialect,
    client: (String, String),
    state: Arc<Mutex<State>>,
}

impl GrantFake {
    /// Mounts the fake's endpoints on `server`, for the OAuth client with this id and
    /// secret.
    pub(crate) async fn mount(
        server: &MockServer,
        dialect: Dialect,
        client_id: &str,
        client_secret: &str,
    ) -> Self {
        let fake = Self {
            dialect,
            client: (client_id.to_owned(), client_secret.to_owned()),
            state: Arc::default(),
        };
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(TokenEndpoint(fake.clone()))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/revoke"))
            .respond_with(RevokeEndpoint(fake.clone()))
            .mount(server)
            .await;
        fake
    }

    /// Every access token issued so far has expired, at the provider.
    pub(crate) fn expire_access_tokens(&self) {
        for grant in &mut self.state.lock().unwrap().grants {
            grant.access_expired = true;
        }
    }

    /// The next `count` revocation calls answer as an outage would.
    pub(crate) fn fail_revocations(&self, count: u32) {
        self.state.lock().unwrap().revoke_outages = count;
    }

    /// The next `count` refresh calls answer as an outage would.
    pub(crate) fn fail_refreshes(&self, count: u32) {
        self.state.lock().unwrap().refresh_outages = count;
    }

    /// Grants still alive (a refresh with their refresh token would work).
    pub(crate) fn live_grants(&self) -> usize {
        self.state
            .lock()
            .unwrap()
            .grants
            .iter()
            .filter(|grant| grant.alive)
            .count()
    }

    /// Whether a refresh with `refresh_token` would get tokens now.
    pub(crate) fn refresh_works(&self, refresh_token: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .grants
            .iter()
            .any(|grant| grant.alive && grant.refresh == refresh_token)
    }

    /// Whether the provider's API takes `access` now: issued, still alive, not expired.
    /// (The Web API fakes of `tests/api/actions.rs` answer with it.)
    #[allow(dead_code)]
    pub(crate) fn accepts(&self, access: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .grants
            .iter()
            .any(|grant| grant.alive && !grant.access_expired && grant.access == access)
    }

    /// Every refresh token the fake ever issued.
    pub(crate) fn issued_refresh_tokens(&self) -> Vec<String> {
        let state = self.state.lock().unwrap();
        (1..=state.issued).map(|n| self.refresh_token(n)).collect()
    }

    /// The tokens each revocation call carried, in order.
    pub(crate) fn revoke_calls(&self) -> Vec<String> {
        self.state.lock().unwrap().revoke_calls.clone()
    }

    /// How many refreshes were asked for.
    pub(crate) fn refresh_calls(&self) -> u32 {
        self.state.lock().unwrap().refresh_calls
    }

    fn prefix(&self) -> &'static str {
        match self.dialect {
            Dialect::Google => "ya29",
            Dialect::Slack => "xoxe.xoxp",
            Dialect::Notion => "secret_notion",
            Dialect::Calendly => "calendly",
        }
    }

    fn access_token(&self, n: u32) -> String {
        format!("{}-access-{n}", self.prefix())
    }

    fn refresh_token(&self, n: u32) -> String {
        format!("{}-refresh-{n}", self.prefix())
    }

    fn outage(&self) -> ResponseTemplate {
        match self.dialect {
            Dialect::Slack => ResponseTemplate::new(503).set_body_string("Service Unavailable"),
            _ => ResponseTemplate::new(503)
                .set_body_string("<html><body>503 Service Unavailable</body></html>"),
        }
    }

    fn invalid_grant(&self) -> ResponseTemplate {
        match self.dialect {
            Dialect::Slack => ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "invalid_refresh_token"})),
            Dialect::Google => ResponseTemplate::new(400).set_body_json(json!({
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked."
            })),
            Dialect::Notion | Dialect::Calendly => ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_grant", "error_description": "refresh token is invalid"}),
            ),
        }
    }

    fn token_answer(&self, access: &str, refresh: Option<&str>, first: bool) -> Value {
        match self.dialect {
            Dialect::Google => {
                let mut answer = json!({
                    "access_token": access, "expires_in": 3599, "token_type": "Bearer",
                    "scope": "https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/gmail.readonly"
                });
                if let Some(refresh) = refresh {
                    answer["refresh_token"] = refresh.into();
                }
                answer
            }
            Dialect::Slack if first => json!({
                "ok": true, "app_id": "A0KRD7HC3",
                "authed_user": {
                    "id": "U1234", "scope": "channels:read,channels:history,users:read",
                    "access_token": access, "token_type": "user",
                    "refresh_token": refresh, "expires_in": 43200
                },
                "team": {"id": "T9TK3CUKW", "name": "Slack Softworks"},
                "enterprise": null, "is_enterprise_install": false
            }),
            Dialect::Slack => json!({
                "ok": true, "token_type": "user", "access_token": access,
                "refresh_token": refresh, "expires_in": 43200,
                "scope": "channels:read,channels:history,users:read"
            }),
            Dialect::Notion => json!({
                "access_token": access, "refresh_token": refresh, "token_type": "bearer",
                "bot_id": "b1", "workspace_id": "w1", "workspace_name": "Acme",
                "owner": {"type": "user", "user": {"id": "u1", "name": "Ada",
                          "person": {"email": "ada@example.com"}}}
            }),
            Dialect::Calendly => json!({
                "access_token": access, "refresh_token": refresh, "token_type": "Bearer",
                "expires_in": 7200, "created_at": 1_700_000_000,
                "scope": "users:read scheduled_events:read",
                "owner": "https://api.calendly.com/users/U1",
                "organization": "https://api.calendly.com/organizations/O1"
            }),
        }
    }

    fn answer_token_request(&self, request: &Request) -> ResponseTemplate {
        let params = match self.dialect {
            Dialect::Notion => json_params(&request.body),
            _ => form_params(&request.body),
        };
        let mut state = self.state.lock().unwrap();
        match params.get("grant_type").map(String::as_str) {
            Some("authorization_code") => {
                state.issued += 1;
                let n = state.issued;
                let (access, refresh) = (self.access_token(n), self.refresh_token(n));
                state.grants.push(Grant {
                    access: access.clone(),
                    refresh: refresh.clone(),
                    access_expired: false,
                    alive: true,
                });
                ResponseTemplate::new(200).set_body_json(self.token_answer(
                    &access,
                    Some(&refresh),
                    true,
                ))
            }
            Some("refresh_token") => {
                state.refresh_calls += 1;
                if state.refresh_outages > 0 {
                    state.refresh_outages -= 1;
                    return self.outage();
                }
                let asked = params.get("refresh_token").cloned().unwrap_or_default();
                let Some(index) = state
                    .grants
                    .iter()
                    .position(|grant| grant.alive && grant.refresh == asked)
                else {
                    return self.invalid_grant();
                };
                state.issued += 1;
                let n = state.issued;
                let access = self.access_token(n);
                let rotated = (self.dialect != Dialect::Google).then(|| self.refresh_token(n));
                let grant = &mut state.grants[index];
                grant.access = access.clone();
                grant.access_expired = false;
                if let Some(rotated) = &rotated {
                    grant.refresh = rotated.clone();
                }
                ResponseTemplate::new(200).set_body_json(self.token_answer(
                    &access,
                    rotated.as_deref(),
                    false,
                ))
            }
            _ => {
                ResponseTemplate::new(400).set_body_json(json!({"error": "unsupported_grant_type"}))
            }
        }
    }

    fn answer_revocation(&self, request: &Request) -> ResponseTemplate {
        let token = match self.dialect {
            Dialect::Slack => request
                .headers
                .get("authorization")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .unwrap_or_default()
                .to_owned(),
            Dialect::Notion => json_params(&request.body)
                .remove("token")
                .unwrap_or_default(),
            Dialect::Google | Dialect::Calendly => form_params(&request.body)
                .remove("token")
                .unwrap_or_default(),
        };
        let mut state = self.state.lock().unwrap();
        state.revoke_calls.push(token.clone());
        if state.revoke_outages > 0 {
            state.revoke_outages -= 1;
            return self.outage();
        }
        if self.dialect == Dialect::Notion
            && basic_credentials(request).as_ref() != Some(&self.client)
        {
            return ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"}));
        }
        if self.dialect == Dialect::Calendly {
            let form = form_params(&request.body);
            if form.get("client_secret") != Some(&self.client.1) {
                return ResponseTemplate::new(401)
                    .set_body_json(json!({"error": "invalid_client"}));
            }
        }
        let by_access = matches!(self.dialect, Dialect::Slack | Dialect::Notion);
        let found = state
            .grants
            .iter_mut()
            .find(|grant| grant.access == token || (!by_access && grant.refresh == token));
        match (self.dialect, found) {
            (Dialect::Slack, Some(grant)) if grant.alive && grant.access_expired => {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"ok": false, "error": "token_expired"}))
            }
            (Dialect::Notion, Some(grant)) if grant.alive && grant.access_expired => {
                ResponseTemplate::new(401).set_body_json(json!({
                    "object": "error", "status": 401, "code": "unauthorized",
                    "message": "API token is invalid."
                }))
            }
            (_, Some(grant)) if grant.alive => {
                grant.alive = false;
                match self.dialect {
                    Dialect::Slack => ResponseTemplate::new(200)
                        .set_body_json(json!({"ok": true, "revoked": true})),
                    _ => ResponseTemplate::new(200).set_body_json(json!({})),
                }
            }
            (Dialect::Slack, _) => ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "token_revoked"})),
            (Dialect::Notion, _) => {
                ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant"}))
            }
            (Dialect::Google | Dialect::Calendly, _) => {
                ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_token"}))
            }
        }
    }
}

struct TokenEndpoint(GrantFake);

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.answer_token_request(request)
    }
}

struct RevokeEndpoint(GrantFake);

impl Respond for RevokeEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.answer_revocation(request)
    }
}

fn form_params(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn json_params(body: &[u8]) -> HashMap<String, String> {
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return HashMap::new();
    };
    fields
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_str()?.to_owned())))
        .collect()
}

/// The HTTP Basic client credentials of a request.
fn basic_credentials(request: &Request) -> Option<(String, String)> {
    let value = request.headers.get("authorization")?.to_str().ok()?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value.strip_prefix("Basic ")?)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}
