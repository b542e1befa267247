//! [`Executor`]: runs a tool call against the REST API as the user.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::multipart::{Form, Part};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::catalog::{CallBody, Catalog, ValidatedCall};
use crate::error::{ArgumentProblem, Error, Result};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How many bytes of a non-JSON error body become the error's message.
const BODY_LIMIT: usize = 512;

/// Runs tool calls against the REST API the tools are bound to, with the caller's
/// bearer token, and returns the API's JSON answer.
///
/// The base URL is where the API's `/api/v1/…` paths live: a call to
/// `/api/v1/projects` with base `http://127.0.0.1:8080` goes to
/// `http://127.0.0.1:8080/api/v1/projects`, and with base `https://example.com/app`
/// to `https://example.com/app/api/v1/projects`.
///
/// `upload_file` needs a file the user picks: [`Executor::execute`] refuses it with
/// [`Error::NeedsUserFile`] (the browser runs that tool itself), and
/// [`Executor::send_with_file`] sends it when the server does have the bytes.
///
/// # Example
///
/// A tool call run against the API (a fake one here) as the user whose bearer token
/// it carries; the API's `{"error":{"code","message"}}` answers come back as
/// [`Error::Api`]:
///
/// ```
/// use serde_json::json;
/// use voice_tools::{Catalog, Error, Executor};
/// use wiremock::matchers::{body_json, header, method, path};
/// use wiremock::{Mock, MockServer, ResponseTemplate};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let api = MockServer::start().await;
/// Mock::given(method("POST"))
///     .and(path("/api/v1/projects"))
///     .and(header("authorization", "Bearer user-token"))
///     .and(body_json(json!({"name": "Garden"})))
///     .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "p1", "name": "Garden"})))
///     .mount(&api)
///     .await;
/// Mock::given(method("POST"))
///     .and(path("/api/v1/connectors/slack/revoke"))
///     .respond_with(ResponseTemplate::new(404).set_body_json(
///         json!({"error": {"code": "not_connected", "message": "slack is not connected"}}),
///     ))
///     .mount(&api)
///     .await;
///
/// let catalog = Catalog::new(["slack"]);
/// let executor = Executor::new(api.uri().parse()?);
///
/// let created = executor
///     .execute(&catalog, "create_project", &json!({"name": "Garden"}), "user-token")
///     .await?;
/// assert_eq!(created["id"], "p1");
///
/// let failed = executor
///     .execute(&catalog, "revoke_connector", &json!({"key": "slack"}), "user-token")
///     .await;
/// let Err(error @ Error::Api { .. }) = failed else { panic!("{failed:?}") };
/// assert_eq!(error.code(), "not_connected");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Executor {
    base_url: Url,
    transport: Transport,
}

/// Where an [`Executor`]'s requests go.
#[derive(Clone)]
enum Transport {
    Http(reqwest::Client),
    InProcess(Arc<dyn Dispatch>),
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Http(client) => f.debug_tuple("Http").field(client).finish(),
            Self::InProcess(_) => f.write_str("InProcess"),
        }
    }
}

/// The future a [`Dispatch`] answers with.
pub type DispatchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<http::Response<Vec<u8>>>> + Send + 'a>>;

/// Answers a tool call's request in process, for an [`Executor::in_process`]: typically
/// the API's own router, so a server runs its tools through the very routes they are
/// bound to, without an HTTP loop back to itself.
///
/// The request has a path-and-query URI (`/api/v1/projects`), `Accept:
/// application/json`, `Authorization: Bearer …`, and for a body its `Content-Type`
/// (`application/json`, or `multipart/form-data` from [`Executor::send_with_file`]).
///
/// # Example
///
/// ```
/// use serde_json::json;
/// use voice_tools::{Catalog, Dispatch, DispatchFuture, Executor};
///
/// /// Answers every call with the path it was sent to.
/// struct Echo;
///
/// impl Dispatch for Echo {
///     fn dispatch(&self, request: http::Request<Vec<u8>>) -> DispatchFuture<'_> {
///         Box::pin(async move {
///             let body = json!({"path": request.uri().path()}).to_string();
///             Ok(http::Response::new(body.into_bytes()))
///         })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let catalog = Catalog::new(["slack"]);
/// let executor = Executor::in_process(Echo);
/// let answer = executor.execute(&catalog, "list_projects", &json!({}), "user-token").await?;
/// assert_eq!(answer["path"], "/api/v1/projects");
/// # Ok(()) }
/// ```
pub trait Dispatch: Send + Sync {
    /// Answers `request` with the API's response.
    ///
    /// # Errors
    ///
    /// [`Error::Dispatch`] when the request could not be answered at all (an API's
    /// error answers are responses, not errors).
    fn dispatch(&self, request: http::Request<Vec<u8>>) -> DispatchFuture<'_>;
}

impl Executor {
    /// An executor calling the API at `base_url` through an HTTP client with a
    /// 5 second connect timeout, a 30 second request timeout and no redirects.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            transport: Transport::Http(default_client()),
        }
    }

    /// An executor whose calls `dispatch` answers in process instead of an HTTP
    /// server (see [`Dispatch`]). Its [`Executor::base_url`] is `http://in-process.invalid/`
    /// and is not used.
    pub fn in_process(dispatch: impl Dispatch + 'static) -> Self {
        Self {
            base_url: Url::parse("http://in-process.invalid/").expect("a fixed URL parses"),
            transport: Transport::InProcess(Arc::new(dispatch)),
        }
    }

    /// Uses this HTTP client as it is, timeouts included (for an in-process executor,
    /// sends over HTTP to [`Executor::base_url`] from then on).
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.transport = Transport::Http(client);
        self
    }

    /// The base URL calls go to over HTTP.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Validates the call with `catalog` and sends it with
    /// `Authorization: Bearer <bearer_token>`.
    ///
    /// # Errors
    ///
    /// The validation errors of [`Catalog::validate`], [`Error::NeedsUserFile`] for a
    /// tool that uploads a file, and the errors of [`Executor::send`].
    pub async fn execute(
        &self,
        catalog: &Catalog,
        name: &str,
        arguments: &Value,
        bearer_token: &str,
    ) -> Result<Value> {
        let call = catalog.validate(name, arguments)?;
        self.send(&call, bearer_token).await
    }

    /// Sends a validated call.
    ///
    /// Answers: a 2xx JSON body as it is (`Null` for an empty body). For OAuth
    /// connectors, `activate_connector` answers `{"kind":"oauth","url"}`: the URL is
    /// for the user's browser, not for this client to follow.
    ///
    /// # Errors
    ///
    /// [`Error::NeedsUserFile`] for a call that uploads a file; [`Error::Api`] with
    /// the status and the API's `{"error":{"code","message"}}` on a non-2xx answer;
    /// [`Error::Timeout`], [`Error::Transport`] or [`Error::InvalidResponse`].
    pub async fn send(&self, call: &ValidatedCall, bearer_token: &str) -> Result<Value> {
        let client = match &self.transport {
            Transport::Http(client) => client,
            Transport::InProcess(dispatch) => {
                let request = call.to_http_request()?;
                return dispatched(dispatch.as_ref(), request, bearer_token).await;
            }
        };
        let request = self.request(client, call, bearer_token);
        let request = match call.body() {
            CallBody::Empty => request,
            CallBody::Json(body) => request.json(body),
            CallBody::Multipart { .. } => {
                return Err(Error::NeedsUserFile {
                    tool: call.tool().to_owned(),
                })
            }
        };
        answer(request.send().await.map_err(Error::from_reqwest)?).await
    }

    /// Sends a validated call with the file the user picked, for tools whose route
    /// takes a multipart upload (`upload_file`). On a call without a multipart body
    /// the file is ignored.
    ///
    /// # Errors
    ///
    /// As [`Executor::send`], and [`Error::InvalidArguments`] when the file's media
    /// type is malformed.
    pub async fn send_with_file(
        &self,
        call: &ValidatedCall,
        file: UserFile,
        bearer_token: &str,
    ) -> Result<Value> {
        let CallBody::Multipart { file_field, fields } = call.body() else {
            return self.send(call, bearer_token).await;
        };
        let client = match &self.transport {
            Transport::Http(client) => client,
            Transport::InProcess(dispatch) => {
                check_media_type(call, file_field, file.content_type.as_deref())?;
                let (content_type, body) = crate::multipart::encode(fields, file_field, &file);
                let request = http::Request::builder()
                    .method(reqwest::Method::from(call.method()))
                    .uri(call.path_and_query())
                    .header(ACCEPT, "application/json")
                    .header(CONTENT_TYPE, content_type)
                    .body(body)
                    .expect("a validated path and fixed headers always make a request");
                return dispatched(dispatch.as_ref(), request, bearer_token).await;
            }
        };
        let mut part = Part::bytes(file.bytes).file_name(file.file_name);
        if let Some(content_type) = &file.content_type {
            part = part
                .mime_str(content_type)
                .map_err(|_| Error::InvalidArguments {
                    tool: call.tool().to_owned(),
                    problems: vec![ArgumentProblem {
                        field: file_field.clone(),
                        message: format!("`{content_type}` is not a media type"),
                        kind: crate::error::ProblemKind::Other,
                    }],
                })?;
        }
        let form = fields
            .iter()
            .fold(Form::new(), |form, (name, value)| {
                form.text(name.clone(), value.clone())
            })
            .part(file_field.clone(), part);
        let request = self.request(client, call, bearer_token).multipart(form);
        answer(request.send().await.map_err(Error::from_reqwest)?).await
    }

    fn request(
        &self,
        client: &reqwest::Client,
        call: &ValidatedCall,
        bearer_token: &str,
    ) -> RequestBuilder {
        let mut url = self.base_url.clone();
        let path = format!("{}{}", url.path().trim_end_matches('/'), call.path());
        url.set_path(&path);
        url.set_query(None);
        if !call.query().is_empty() {
            url.query_pairs_mut().extend_pairs(call.query());
        }
        client
            .request(call.method().into(), url)
            .bearer_auth(bearer_token)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
    }
}

/// The in-process form of reqwest's media-type check: a `type/subtype` that fits in a
/// header.
fn check_media_type(
    call: &ValidatedCall,
    file_field: &str,
    content_type: Option<&str>,
) -> Result<()> {
    let Some(content_type) = content_type else {
        return Ok(());
    };
    let well_formed = content_type
        .split_once('/')
        .is_some_and(|(kind, subtype)| !kind.trim().is_empty() && !subtype.trim().is_empty())
        && HeaderValue::from_str(content_type).is_ok()
        && !content_type.contains(['\r', '\n']);
    if well_formed {
        return Ok(());
    }
    Err(Error::InvalidArguments {
        tool: call.tool().to_owned(),
        problems: vec![ArgumentProblem {
            field: file_field.to_owned(),
            message: format!("`{content_type}` is not a media type"),
            kind: crate::error::ProblemKind::Other,
        }],
    })
}

/// Sends `request` through `dispatch` as the bearer of `bearer_token`.
async fn dispatched(
    dispatch: &dyn Dispatch,
    mut request: http::Request<Vec<u8>>,
    bearer_token: &str,
) -> Result<Value> {
    let mut authorization = HeaderValue::from_str(&format!("Bearer {bearer_token}"))
        .map_err(|_| Error::Dispatch("the bearer token is not a valid header value".into()))?;
    authorization.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, authorization);
    let response = dispatch.dispatch(request).await?;
    read_answer(response.status(), response.body())
}

async fn answer(response: Response) -> Result<Value> {
    let status = response.status();
    let body = response.bytes().await.map_err(Error::from_reqwest)?;
    read_answer(status, &body)
}

/// Reads the REST API's answer to a tool call as [`Executor::send`] does: a 2xx JSON
/// body as it is (`Null` for an empty body), else [`Error::Api`] with the status and
/// the API's `{"error":{"code","message"}}`. For answers got in process (see
/// [`ValidatedCall::to_http_request`]).
///
/// # Errors
///
/// [`Error::Api`] for a non-2xx answer, [`Error::InvalidResponse`] for a 2xx body that
/// is not JSON.
pub fn read_answer(status: StatusCode, body: &[u8]) -> Result<Value> {
    if status.is_success() {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        return serde_json::from_slice(body)
            .map_err(|source| Error::InvalidResponse { status, source });
    }

    #[derive(Deserialize)]
    struct Envelope {
        error: ApiError,
    }
    #[derive(Deserialize)]
    struct ApiError {
        code: Option<String>,
        message: Option<String>,
        #[serde(default)]
        fields: Vec<Value>,
    }

    let (code, message, fields) = match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope { error }) => (error.code, error.message, error.fields),
        Err(_) => (None, None, Vec::new()),
    };
    let message = message.unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("no message").to_owned()
        } else {
            truncate(text)
        }
    });
    Err(Error::Api {
        status,
        code,
        message,
        fields,
    })
}

fn truncate(text: &str) -> String {
    if text.len() <= BODY_LIMIT {
        return text.to_owned();
    }
    let mut end = BODY_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn default_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            env!("CARGO_PKG_NAME"),
            "/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .expect("a reqwest client with rustls and timeouts always builds")
}

/// A file the user picked, for [`Executor::send_with_file`].
#[derive(Clone)]
pub struct UserFile {
    file_name: String,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

impl UserFile {
    /// A file named `file_name` holding `bytes`.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }

    /// Sets the media type, e.g. `application/pdf`; without one the part has no
    /// `Content-Type`, which servers read as `application/octet-stream`.
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl UserFile {
    pub(crate) fn file_name(&self) -> &str {
        &self.file_name
    }

    pub(crate) fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for UserFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserFile")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}
