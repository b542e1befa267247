//! Voice tool calls run by the server (SPEC §5 `POST /realtime/tool-calls`, §7): the
//! call checked against the catalog's schema, refused without the user's approval when
//! the tool needs it, then run with [`voice_tools::Executor`] in process through the
//! server's own router (the very route the tool is bound to, under the caller's own
//! session: no HTTP loop back), and
//! recorded as a `tool.called` event (SPEC §11).
//!
//! What the model reads (`output`) and what only the page needs (`client`) are kept
//! apart: an authorization URL, with its `state` and PKCE challenge, goes to the page
//! (`client.open_url`), never to the model.

use std::sync::{Arc, OnceLock, Weak};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::header::USER_AGENT;
use axum::http::{HeaderMap, HeaderValue};
use axum::Router;
use connectors_core::{
    Event, EventType, FieldError, FieldErrorCode, FieldIssue, FieldParams, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;
use voice_tools::{Dispatch, DispatchFuture, Error as ToolError, Executor, ValidatedCall};

use crate::error::ApiError;
use crate::state::AppState;

/// The longest `call_id` accepted (OpenAI's are about 30 characters).
const CALL_ID_LIMIT: usize = 128;
/// The largest answer of a tool's route read back.
const ANSWER_LIMIT: usize = 4 * 1024 * 1024;

/// The body of `POST /realtime/tool-calls`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolCallRequest {
    /// The model's own call id (`call_…`).
    pub call_id: String,
    /// The tool's name, as in `GET /realtime/tools`.
    pub name: String,
    /// The arguments: a JSON object, or the JSON text of one as the model sends it.
    pub arguments: Value,
    /// The page's word that the user confirmed this call (tools marked
    /// `needs_approval` are refused without it).
    #[serde(default)]
    pub approved: bool,
}

/// The answer of `POST /realtime/tool-calls`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ToolCallAnswer {
    /// What the model may read: the route's answer (an object or an array), or
    /// `{"error":{"code","message"}}` when the route refused the call.
    pub output: Value,
    /// What only the page needs: `open_url` (a consent page to open), `pick_file`
    /// (the page asks the user for a file and uploads it itself).
    #[schema(value_type = Object)]
    pub client: Map<String, Value>,
}

/// How a tool call ended, as `tool.called` records it (`data.outcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Invalid,
    Rejected,
    ApprovalRequired,
    Error,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Invalid => "invalid",
            Self::Rejected => "rejected",
            Self::ApprovalRequired => "approval_required",
            Self::Error => "error",
        }
    }
}

/// The server's router, for running tool calls through it; set once at start-up.
///
/// Held weakly: the router holds the state that holds this, and a strong reference
/// would keep both, and the state's database connections, alive after the server is
/// gone. The [`Application`](crate::startup::Application) owns the router.
#[derive(Debug, Clone, Default)]
pub struct ToolRouter(Arc<OnceLock<Weak<Router>>>);

impl ToolRouter {
    /// Sets the router (the first call wins).
    pub fn set(&self, router: &Arc<Router>) {
        let _ = self.0.set(Arc::downgrade(router));
    }

    fn get(&self) -> Option<Router> {
        self.0
            .get()
            .and_then(Weak::upgrade)
            .map(|router| (*router).clone())
    }
}

/// What a tool call's request carried that its route must see too.
#[derive(Debug)]
pub struct Caller {
    /// The user, authenticated by the tool call's own request.
    pub user: UserId,
    /// The request's headers (its session token and user agent go to the tool's route).
    pub headers: HeaderMap,
    /// The client's address, when known.
    pub peer: Option<ConnectInfo<std::net::SocketAddr>>,
}

/// Runs one tool call for `caller` (see the module documentation).
///
/// # Errors
///
/// 422 naming `call_id`, `name`, `arguments` or `arguments.<field>`; 409
/// `approval_required` with a `summary`; 500 when the call cannot be sent.
pub async fn run(
    state: &AppState,
    caller: Caller,
    request: ToolCallRequest,
) -> Result<ToolCallAnswer, ApiError> {
    if let Some(issue) = call_id_issue(&request.call_id) {
        return Err(ApiError::invalid_field("call_id", issue));
    }
    let call = match arguments(&request.arguments)
        .and_then(|arguments| validate(state, &request.name, &arguments))
    {
        Ok(call) => call,
        Err(error) => {
            record(state, caller.user, &request, Outcome::Invalid, None).await;
            return Err(error);
        }
    };
    let connector = call
        .arguments()
        .get("key")
        .and_then(Value::as_str)
        .or_else(|| connector_of_route(call.path()));
    let needs_approval = state
        .voice
        .catalog
        .get(call.tool())
        .is_some_and(voice_tools::ToolDefinition::needs_approval);
    if needs_approval && !request.approved {
        record(
            state,
            caller.user,
            &request,
            Outcome::ApprovalRequired,
            connector,
        )
        .await;
        return Err(ApiError::approval_required(summary(state, &call)));
    }
    let (outcome, answer) = execute(state, &caller, &call).await?;
    record(state, caller.user, &request, outcome, connector).await;
    Ok(answer)
}

/// The connector a tool acts on through its route (`/api/v1/connectors/slack/…`).
fn connector_of_route(path: &str) -> Option<&str> {
    path.strip_prefix("/api/v1/connectors/")?.split('/').next()
}

/// What is wrong with a call id, if anything: the model's id, 1 to
/// [`CALL_ID_LIMIT`] bytes.
fn call_id_issue(call_id: &str) -> Option<FieldIssue> {
    let message = format!("expected the model's call id, 1 to {CALL_ID_LIMIT} characters");
    if call_id.trim().is_empty() {
        Some(FieldIssue::new(FieldErrorCode::Empty, message))
    } else if call_id.len() > CALL_ID_LIMIT {
        Some(
            FieldIssue::new(FieldErrorCode::TooLong, message).with_params(FieldParams {
                max: i64::try_from(CALL_ID_LIMIT).ok(),
                ..FieldParams::default()
            }),
        )
    } else {
        None
    }
}

/// The arguments as an object: the model sends them as JSON text.
fn arguments(arguments: &Value) -> Result<Value, ApiError> {
    let not_an_object = |message: String, detail: Option<String>| {
        let issue =
            FieldIssue::new(FieldErrorCode::NotAnObject, message).with_params(FieldParams {
                detail,
                ..FieldParams::default()
            });
        ApiError::invalid_field("arguments", issue)
    };
    let parsed = match arguments {
        Value::String(text) => serde_json::from_str(text).map_err(|error| {
            not_an_object(
                format!("not a JSON object: {error}"),
                Some(error.to_string()),
            )
        })?,
        other => other.clone(),
    };
    match parsed {
        Value::Object(_) | Value::Null => Ok(parsed),
        _ => Err(not_an_object(
            "expected a JSON object (or its JSON text)".to_owned(),
            None,
        )),
    }
}

/// The call checked against the catalog: an unknown tool names `name`, a bad argument
/// names `arguments.<field>`.
fn validate(state: &AppState, name: &str, arguments: &Value) -> Result<ValidatedCall, ApiError> {
    state
        .voice
        .catalog
        .validate(name, arguments)
        .map_err(|error| match error {
            ToolError::UnknownTool { .. } => {
                let issue = FieldIssue::new(FieldErrorCode::NotOneOf, error.to_string())
                    .with_params(FieldParams {
                        allowed: Some(
                            state
                                .voice
                                .catalog
                                .listing()
                                .iter()
                                .map(|tool| tool.name().to_owned())
                                .collect(),
                        ),
                        ..FieldParams::default()
                    });
                ApiError::invalid_field("name", issue)
            }
            ToolError::InvalidArguments { problems, .. } => ApiError::invalid_fields(
                problems
                    .into_iter()
                    .map(|problem| {
                        let field = if problem.field.is_empty() {
                            "arguments".to_owned()
                        } else {
                            format!("arguments.{}", problem.field)
                        };
                        // The catalog's words are for the model; the page says the code.
                        FieldError::new(field, argument_issue(problem))
                    })
                    .collect(),
            ),
            other => ApiError::invalid_field("arguments", other.to_string()),
        })
}

/// A catalog's argument problem as a field issue: its words, and the code of its kind
/// (`invalid` for the kinds without one).
pub(crate) fn argument_issue(problem: voice_tools::ArgumentProblem) -> FieldIssue {
    use voice_tools::ProblemKind as Kind;
    let (code, params) = match problem.kind {
        Kind::Required => (FieldErrorCode::Required, FieldParams::default()),
        Kind::Unknown => (FieldErrorCode::UnknownField, FieldParams::default()),
        Kind::NotADateTime => (
            FieldErrorCode::InvalidFormat,
            FieldParams {
                format: Some(connectors_core::FieldFormat::DateTime),
                ..FieldParams::default()
            },
        ),
        Kind::NotAString => (FieldErrorCode::NotAString, FieldParams::default()),
        Kind::NotANumber => (FieldErrorCode::NotANumber, FieldParams::default()),
        Kind::NotABoolean => (FieldErrorCode::NotABoolean, FieldParams::default()),
        Kind::OutOfRange { min, max } => (
            FieldErrorCode::OutOfRange,
            FieldParams {
                min,
                max,
                ..FieldParams::default()
            },
        ),
        Kind::TooShort(min) => (
            FieldErrorCode::TooShort,
            FieldParams {
                min: i64::try_from(min).ok(),
                ..FieldParams::default()
            },
        ),
        Kind::TooLong(max) => (
            FieldErrorCode::TooLong,
            FieldParams {
                max: i64::try_from(max).ok(),
                ..FieldParams::default()
            },
        ),
        Kind::NotOneOf(allowed) => (
            FieldErrorCode::NotOneOf,
            FieldParams {
                allowed: Some(allowed),
                ..FieldParams::default()
            },
        ),
        _ => (FieldErrorCode::Invalid, FieldParams::default()),
    };
    FieldIssue::new(code, problem.message).with_params(params)
}

/// What an approval asks the user, in words.
fn summary(state: &AppState, call: &ValidatedCall) -> String {
    let connector = call
        .arguments()
        .get("key")
        .and_then(Value::as_str)
        .map(|key| {
            state
                .service
                .connector(key)
                .map_or_else(|_| key.to_owned(), |connector| connector.name().to_owned())
        });
    let argument = |name: &str| {
        call.arguments()
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    match (call.tool(), connector) {
        ("revoke_connector", Some(name)) => format!("Disconnect {name}"),
        ("put_file_in_minio", _) => match call.arguments().get("key").and_then(Value::as_str) {
            Some(key) => format!("Copy the file into MinIO as “{key}”"),
            None => "Copy the file into MinIO".to_owned(),
        },
        ("create_notion_page", _) => format!("Create the Notion page “{}”", argument("title")),
        ("send_email", _) => format!(
            "Send an email to {}: “{}”",
            argument("to"),
            argument("subject")
        ),
        ("send_sms", _) => format!("Text {}: “{}”", argument("to"), argument("body")),
        ("post_slack_message", _) => format!(
            "Post in Slack ({}): “{}”",
            argument("channel"),
            argument("text")
        ),
        (tool, Some(name)) => format!("Run {tool} on {name}"),
        (tool, None) => format!("Run {tool}"),
    }
}

/// Runs the call with [`voice_tools::Executor`] through the server's own router as the
/// caller (their session token, their address); splits the answer into what the model
/// reads and what the page needs.
async fn execute(
    state: &AppState,
    caller: &Caller,
    call: &ValidatedCall,
) -> Result<(Outcome, ToolCallAnswer), ApiError> {
    if call.needs_user_file() {
        let answer = ToolCallAnswer {
            output: json!({"status": "waiting_for_file", "message": "the page asks the user to choose the file"}),
            client: Map::from_iter([("pick_file".to_owned(), json!({"path": call.path()}))]),
        };
        return Ok((Outcome::Ok, answer));
    }
    let router = state.tool_router.get().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "starting",
            "the server is still starting",
        )
    })?;
    let token = crate::auth::request_token(&caller.headers, state.settings.secure_cookies())
        .ok_or_else(ApiError::unauthenticated)?;
    let executor = Executor::in_process(RouterDispatch {
        router,
        user_agent: caller.headers.get(USER_AGENT).cloned(),
        peer: caller.peer,
    });
    Ok(match executor.send(call, &token).await {
        Ok(output) => (Outcome::Ok, split(call.tool(), output)),
        Err(error) => {
            let outcome = match &error {
                ToolError::Api { status, .. } if status.is_client_error() => Outcome::Rejected,
                _ => Outcome::Error,
            };
            let answer = ToolCallAnswer {
                output: error.to_tool_output(),
                client: Map::new(),
            };
            (outcome, answer)
        }
    })
}

/// Answers a tool call's request with the server's router, as from the caller's
/// address and user agent.
struct RouterDispatch {
    router: Router,
    user_agent: Option<HeaderValue>,
    peer: Option<ConnectInfo<std::net::SocketAddr>>,
}

impl Dispatch for RouterDispatch {
    fn dispatch(&self, request: axum::http::Request<Vec<u8>>) -> DispatchFuture<'_> {
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            if let Some(user_agent) = &self.user_agent {
                parts.headers.insert(USER_AGENT, user_agent.clone());
            }
            if let Some(peer) = self.peer {
                parts.extensions.insert(peer);
            }
            let request = axum::http::Request::from_parts(parts, Body::from(body));
            let response = tower::ServiceExt::oneshot(self.router.clone(), request)
                .await
                .unwrap_or_else(|never| match never {});
            let (parts, body) = response.into_parts();
            let body = axum::body::to_bytes(body, ANSWER_LIMIT)
                .await
                .map_err(|error| ToolError::Dispatch(error.into()))?;
            Ok(axum::http::Response::from_parts(parts, body.to_vec()))
        })
    }
}

/// An OAuth activation's URL (with its `state` and PKCE challenge) goes to the page;
/// the model is told the consent page opened.
fn split(tool: &str, mut output: Value) -> ToolCallAnswer {
    let mut client = Map::new();
    if tool == "activate_connector" {
        if let Some(url) = output
            .as_object_mut()
            .and_then(|answer| answer.remove("url"))
        {
            client.insert("open_url".to_owned(), url);
            output["consent_page"] = json!("opened");
        }
    }
    ToolCallAnswer { output, client }
}

/// Records `tool.called` (never the arguments: they may hold what the user typed);
/// a failure to record is logged, the call's answer stands.
async fn record(
    state: &AppState,
    user: UserId,
    request: &ToolCallRequest,
    outcome: Outcome,
    connector: Option<&str>,
) {
    let data = Map::from_iter([
        ("tool".to_owned(), json!(request.name)),
        ("call_id".to_owned(), json!(request.call_id)),
        ("outcome".to_owned(), json!(outcome.as_str())),
    ]);
    let known = connector.filter(|key| state.service.connector(key).is_ok());
    let event = Event::new(EventType::ToolCalled, user, known, data);
    if let Err(error) = state.service.record_event(event).await {
        tracing::warn!(%error, tool = %request.name, "could not record tool.called");
    }
}
