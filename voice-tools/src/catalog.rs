//! [`Catalog`]: the tools, their schemas in OpenAI's form, and argument validation.

use std::fmt;
use std::sync::{Arc, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::binding::{Binding, BodyKind, HttpMethod, Tool};
use crate::error::{ArgumentProblem, Error, ProblemKind, Result};
use crate::schema;
use crate::tools::{
    ActivateConnector, CreateNotionPage, CreateProject, ListConnectors, ListEvents,
    ListGmailMessages, ListMinioObjects, ListProjects, ListSlackChannels, PostSlackMessage,
    PutFileInMinio, ReadSlackChannel, RevokeConnector, SearchNotionPages, SendEmail, UploadFile,
};
use crate::tools::{
    ListCalendlyEventTypes, ListCalendlyEvents, ListHostingerDomains, ListHostingerSubscriptions,
    ListSms, SendSms,
};

/// How long a quoted argument may get inside an error message the model reads.
const MESSAGE_LIMIT: usize = 300;

/// The agent's tools: built once at start-up from the connector keys the server
/// offers, then shared (it is cheap to clone).
///
/// [`Catalog::new`] holds the built-in tools: `list_connectors`, `activate_connector`,
/// `revoke_connector`, `list_events`, `create_project`, `list_projects` and
/// `upload_file`. [`Catalog::with_tool`] adds your own, [`Catalog::without_tool`]
/// drops one.
///
/// # Example
///
/// What the model may send is decided here: connector keys are limited to the
/// server's, a good call resolves to its REST request, and a bad one becomes an
/// error the model can read and correct.
///
/// ```
/// use serde_json::json;
/// use voice_tools::{Catalog, Error, HttpMethod};
///
/// let catalog = Catalog::new(["google_calendar", "slack"]).without_tool("upload_file");
///
/// let revoke = catalog.get("revoke_connector").expect("a built-in tool");
/// assert_eq!(
///     revoke.parameters()["properties"]["key"]["enum"],
///     json!(["google_calendar", "slack"]),
/// );
///
/// let call = catalog.validate("revoke_connector", &json!({"key": "slack"}))?;
/// assert_eq!(call.method(), HttpMethod::Post);
/// assert_eq!(call.path(), "/api/v1/connectors/slack/revoke");
///
/// let refused = catalog.validate("revoke_connector", &json!({"key": "github"}));
/// let Err(error @ Error::InvalidArguments { .. }) = refused else { panic!("{refused:?}") };
/// // The function-call output to send back: {"error":{"code","message","fields"}}.
/// let output = error.to_tool_output();
/// assert_eq!(output["error"]["code"], "invalid_arguments");
/// assert_eq!(output["error"]["fields"][0]["field"], "key");
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Catalog {
    connector_keys: Arc<[String]>,
    tools: Vec<ToolDefinition>,
}

impl Catalog {
    /// The built-in tools, with `key` arguments limited to `connector_keys` (the keys
    /// of the server's connector registry, in its order; duplicates are dropped). An
    /// empty list leaves `key` unconstrained.
    pub fn new(connector_keys: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::empty(connector_keys)
            .with_tool::<ListConnectors>()
            .with_tool::<ActivateConnector>()
            .with_tool::<RevokeConnector>()
            .with_tool::<ListEvents>()
            .with_tool::<CreateProject>()
            .with_tool::<ListProjects>()
            .with_tool::<UploadFile>()
            .with_tool::<ListSlackChannels>()
            .with_tool::<ReadSlackChannel>()
            .with_tool::<PostSlackMessage>()
            .with_tool::<ListGmailMessages>()
            .with_tool::<SendEmail>()
            .with_tool::<ListMinioObjects>()
            .with_tool::<PutFileInMinio>()
            .with_tool::<SearchNotionPages>()
            .with_tool::<CreateNotionPage>()
            .with_tool::<SendSms>()
            .with_tool::<ListSms>()
            .with_tool::<ListCalendlyEvents>()
            .with_tool::<ListCalendlyEventTypes>()
            .with_tool::<ListHostingerDomains>()
            .with_tool::<ListHostingerSubscriptions>()
    }

    /// A catalog with no tools yet, for a tool set of your own.
    pub fn empty(connector_keys: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut keys: Vec<String> = Vec::new();
        for key in connector_keys {
            let key = key.into();
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Self {
            connector_keys: keys.into(),
            tools: Vec::new(),
        }
    }

    /// Adds the tool `T`.
    ///
    /// # Panics
    ///
    /// When `T` cannot work, which is a programming error found by the first test that
    /// builds the catalog: a name OpenAI refuses or already taken, arguments that are
    /// not an object with `additionalProperties: false` (add
    /// `#[serde(deny_unknown_fields)]`), a path parameter that is not a required
    /// argument, a query parameter that is not an argument, an argument with no place
    /// (neither path, query nor body), or a schema that cannot be inlined. A schema
    /// jsonschema refuses panics at the tool's first [`Catalog::validate`] instead: its
    /// validator is compiled then.
    #[must_use]
    pub fn with_tool<T: Tool>(mut self) -> Self {
        assert!(
            self.get(T::NAME).is_none(),
            "voice-tools: two tools are named `{}`",
            T::NAME
        );
        let tool = ToolDefinition::new::<T>(&self.connector_keys);
        self.tools.push(tool);
        self
    }

    /// Drops the tool named `name`, if there is one.
    #[must_use]
    pub fn without_tool(mut self, name: &str) -> Self {
        self.tools.retain(|tool| tool.name != name);
        self
    }

    /// The connector keys `key` arguments may take.
    pub fn connector_keys(&self) -> &[String] {
        &self.connector_keys
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&ToolDefinition> {
        self.tools.iter().find(|tool| tool.name == name)
    }

    /// Every tool, in the order they were added; serializes as the listing of
    /// `GET /api/v1/realtime/tools` (see [`ToolDefinition`]).
    pub fn listing(&self) -> &[ToolDefinition] {
        &self.tools
    }

    /// Every tool in OpenAI's function-tool form,
    /// `{"type":"function","name","description","parameters"}`, ready for the
    /// `session.tools` of a client secret.
    pub fn to_openai_tools(&self) -> Vec<Value> {
        self.tools
            .iter()
            .map(ToolDefinition::to_openai_tool)
            .collect()
    }

    /// Checks `arguments` against the tool's schema and resolves the HTTP request the
    /// tool makes.
    ///
    /// `null` arguments count as `{}` (models send either for a tool without
    /// arguments). Optional arguments given as `null` count as absent.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownTool`], or [`Error::InvalidArguments`] naming each field at
    /// fault and why, in words the model can act on.
    ///
    /// # Panics
    ///
    /// On the tool's first call, when jsonschema refuses its schema (the tool's
    /// validator is compiled then, not when the tool is added): a programming error,
    /// found by the first test that calls the tool.
    pub fn validate(&self, name: &str, arguments: &Value) -> Result<ValidatedCall> {
        let tool = self.get(name).ok_or_else(|| Error::UnknownTool {
            name: name.to_owned(),
            known: self.tools.iter().map(|tool| tool.name.clone()).collect(),
        })?;
        tool.validate(arguments)
    }
}

/// One tool of a [`Catalog`].
///
/// It serializes as an entry of the tool listing (`GET /api/v1/realtime/tools`):
///
/// ```json
/// {
///   "name": "list_events",
///   "description": "List the user's upcoming Google Calendar events, …",
///   "parameters": {"type": "object", "properties": {…}, "additionalProperties": false},
///   "method": "GET",
///   "path": "/api/v1/connectors/google_calendar/events",
///   "path_params": [],
///   "query_params": ["from", "to", "limit"],
///   "body_params": [],
///   "body": "none",
///   "needs_user_file": false,
///   "needs_approval": false
/// }
/// ```
///
/// `parameters` is the OpenAI form; `body` is `none`, `json` or `multipart`, and a
/// multipart tool adds `"file_field"` (the form field of the file).
#[derive(Clone)]
pub struct ToolDefinition {
    name: String,
    description: String,
    binding: Binding,
    path_params: Vec<String>,
    body_params: Vec<String>,
    schema: Value,
    openai_parameters: Value,
    /// Compiled on the tool's first call, not at start-up: building a validator also
    /// checks the schema against the 2020-12 meta-schema, whose validator (a static of
    /// jsonschema) grows with each schema it checks, by about 10 MB for the built-in
    /// tools, most of which a server never calls. Shared by the clones of the catalog.
    validator: Arc<OnceLock<Validator>>,
    deserializes: fn(Value) -> std::result::Result<(), serde_json::Error>,
    needs_approval: bool,
}

impl ToolDefinition {
    fn new<T: Tool>(connector_keys: &[String]) -> Self {
        let name = T::NAME;
        assert!(
            !name.is_empty()
                && name.len() <= 64
                && name
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-'),
            "voice-tools: `{name}` is not a valid tool name (^[a-zA-Z0-9_-]{{1,64}}$)"
        );

        let mut schema = schemars::schema_for!(T).to_value();
        schema::inject_connector_keys(&mut schema, connector_keys);
        if let Some(root) = schema.as_object_mut() {
            // Without `properties`, jsonschema reports an unknown argument as "False
            // schema does not allow …", without naming it.
            root.entry("properties")
                .or_insert_with(|| Value::Object(Map::new()));
        }
        assert!(
            schema.get("type").is_some_and(|kind| kind == "object")
                && schema.get("additionalProperties") == Some(&Value::Bool(false)),
            "voice-tools: the arguments of `{name}` must be a struct with \
             #[serde(deny_unknown_fields)]"
        );
        let properties: Vec<String> = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();

        let binding = T::binding();
        assert!(
            binding.path().starts_with('/'),
            "voice-tools: the path of `{name}` must start with `/`"
        );
        let path_params: Vec<String> = binding
            .path_params()
            .into_iter()
            .map(str::to_owned)
            .collect();
        for param in &path_params {
            assert!(
                required.contains(&param.as_str()),
                "voice-tools: path parameter `{{{param}}}` of `{name}` must be a required argument"
            );
        }
        for param in binding.query_params() {
            assert!(
                properties.contains(param),
                "voice-tools: query parameter `{param}` of `{name}` is not an argument"
            );
        }
        let body_params: Vec<String> = properties
            .iter()
            .filter(|property| {
                !path_params.contains(property) && !binding.query_params().contains(property)
            })
            .cloned()
            .collect();
        if let (BodyKind::Empty, Some(property)) = (binding.body(), body_params.first()) {
            panic!(
                "voice-tools: argument `{property}` of `{name}` has no place: put it in the \
                 path or the query, or give the binding a body"
            );
        }

        let openai_parameters = schema::for_openai(&schema);

        Self {
            name: name.to_owned(),
            description: T::DESCRIPTION.to_owned(),
            binding,
            path_params,
            body_params,
            schema,
            openai_parameters,
            validator: Arc::default(),
            deserializes: |arguments| serde_json::from_value::<T>(arguments).map(drop),
            needs_approval: T::NEEDS_APPROVAL,
        }
    }

    /// The name the model calls the tool by.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether each call needs the user's approval before it runs ([`Tool::NEEDS_APPROVAL`]).
    pub fn needs_approval(&self) -> bool {
        self.needs_approval
    }

    /// The description written for the model.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The REST route the tool calls.
    pub fn binding(&self) -> &Binding {
        &self.binding
    }

    /// The arguments schema in OpenAI's form (what the model and the browser see).
    pub fn parameters(&self) -> &Value {
        &self.openai_parameters
    }

    /// The full arguments schema arguments are validated against (JSON Schema
    /// 2020-12, as schemars writes it, with `format`s and `null` for optional
    /// arguments).
    pub fn validation_schema(&self) -> &Value {
        &self.schema
    }

    /// `{"type":"function","name","description","parameters"}`.
    pub fn to_openai_tool(&self) -> Value {
        serde_json::json!({
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.openai_parameters,
        })
    }

    fn validate(&self, arguments: &Value) -> Result<ValidatedCall> {
        let arguments = match arguments {
            Value::Null => Value::Object(Map::new()),
            other => other.clone(),
        };
        let problems: Vec<ArgumentProblem> = self
            .validator()
            .iter_errors(&arguments)
            .map(|error| problem(&error))
            .collect();
        if !problems.is_empty() {
            return Err(self.invalid(problems));
        }
        // The schema comes from the type, so this only fails if a hand-written
        // `JsonSchema` impl is looser than its `Deserialize`.
        if let Err(error) = (self.deserializes)(arguments.clone()) {
            return Err(self.invalid(vec![ArgumentProblem {
                field: String::new(),
                message: error.to_string(),
                kind: ProblemKind::Other,
            }]));
        }
        self.resolve(arguments)
    }

    /// The validator of the arguments, compiled on first use.
    ///
    /// # Panics
    ///
    /// When jsonschema refuses the schema: a programming error (the schema comes from
    /// the type), found by the first test that calls the tool.
    fn validator(&self) -> &Validator {
        self.validator.get_or_init(|| {
            jsonschema::options()
                .should_validate_formats(true)
                .build(&self.schema)
                .unwrap_or_else(|error| {
                    panic!(
                        "voice-tools: the schema of `{}` is invalid: {error}",
                        self.name
                    )
                })
        })
    }

    fn invalid(&self, problems: Vec<ArgumentProblem>) -> Error {
        Error::InvalidArguments {
            tool: self.name.clone(),
            problems,
        }
    }

    fn resolve(&self, arguments: Value) -> Result<ValidatedCall> {
        let given = |name: &str| arguments.get(name).filter(|value| !value.is_null());

        let mut path = String::with_capacity(self.binding.path().len());
        for (index, segment) in self.binding.path().split('/').enumerate() {
            if index > 0 {
                path.push('/');
            }
            let Some(param) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
                path.push_str(segment);
                continue;
            };
            let value = given(param).map(text).unwrap_or_default();
            // URL parsers resolve `.` and `..` segments (even percent-encoded), which
            // would send the call to another route.
            if matches!(value.as_str(), "" | "." | "..") {
                return Err(self.invalid(vec![ArgumentProblem {
                    field: param.to_owned(),
                    message: format!("{} is not a valid value here", Value::String(value)),
                    kind: ProblemKind::Other,
                }]));
            }
            path.push_str(&encode_path_segment(&value));
        }

        let mut query = Vec::new();
        for name in self.binding.query_params() {
            match given(name) {
                Some(Value::Array(items)) => query.extend(
                    items
                        .iter()
                        .filter(|item| !item.is_null())
                        .map(|item| (name.clone(), text(item))),
                ),
                Some(value) => query.push((name.clone(), text(value))),
                None => {}
            }
        }

        let body_fields = || {
            self.body_params
                .iter()
                .filter_map(|name| Some((name.clone(), given(name)?.clone())))
        };
        let body = match self.binding.body() {
            BodyKind::Empty => CallBody::Empty,
            BodyKind::Json => CallBody::Json(Value::Object(body_fields().collect())),
            BodyKind::Multipart { file_field } => CallBody::Multipart {
                file_field: file_field.clone(),
                fields: body_fields()
                    .map(|(name, value)| (name, text(&value)))
                    .collect(),
            },
        };

        Ok(ValidatedCall {
            tool: self.name.clone(),
            method: self.binding.method(),
            path,
            query,
            body,
            arguments,
        })
    }
}

impl fmt::Debug for ToolDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolDefinition")
            .field("name", &self.name)
            .field("binding", &self.binding)
            .finish_non_exhaustive()
    }
}

impl Serialize for ToolDefinition {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Listing<'a> {
            name: &'a str,
            description: &'a str,
            parameters: &'a Value,
            method: HttpMethod,
            path: &'a str,
            path_params: &'a [String],
            query_params: &'a [String],
            body_params: &'a [String],
            body: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            file_field: Option<&'a str>,
            needs_user_file: bool,
            needs_approval: bool,
        }

        let (body, file_field) = match self.binding.body() {
            BodyKind::Empty => ("none", None),
            BodyKind::Json => ("json", None),
            BodyKind::Multipart { file_field } => ("multipart", Some(file_field.as_str())),
        };
        Listing {
            name: &self.name,
            description: &self.description,
            parameters: &self.openai_parameters,
            method: self.binding.method(),
            path: self.binding.path(),
            path_params: &self.path_params,
            query_params: self.binding.query_params(),
            body_params: &self.body_params,
            body,
            file_field,
            needs_user_file: self.binding.needs_user_file(),
            needs_approval: self.needs_approval,
        }
        .serialize(serializer)
    }
}

/// A tool call whose arguments passed validation, resolved to its HTTP request.
///
/// Send it with an [`Executor`](crate::Executor), or dispatch it to your own router
/// with [`path_and_query`](Self::path_and_query).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidatedCall {
    tool: String,
    method: HttpMethod,
    path: String,
    query: Vec<(String, String)>,
    body: CallBody,
    arguments: Value,
}

impl ValidatedCall {
    /// The tool called.
    pub fn tool(&self) -> &str {
        &self.tool
    }

    /// The HTTP method.
    pub fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path, with path parameters filled in and percent-encoded, e.g.
    /// `/api/v1/connectors/google_calendar/revoke`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query pairs, not yet encoded; absent and `null` arguments are left out.
    pub fn query(&self) -> &[(String, String)] {
        &self.query
    }

    /// The path and the encoded query string, e.g.
    /// `/api/v1/connectors/google_calendar/events?limit=5`.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.query)
            .finish();
        format!("{}?{query}", self.path)
    }

    /// The body.
    pub fn body(&self) -> &CallBody {
        &self.body
    }

    /// Whether the call needs a file the user picks in the browser.
    pub fn needs_user_file(&self) -> bool {
        matches!(self.body, CallBody::Multipart { .. })
    }

    /// The validated arguments (`{}` for `null`).
    pub fn arguments(&self) -> &Value {
        &self.arguments
    }

    /// The call as an HTTP request for the API's own router, to run it in process
    /// rather than over the network: method, path and query, `Accept:
    /// application/json`, and the JSON body. The caller adds the credentials (the
    /// user's `Authorization` or `Cookie`) and sends it through its router; read the
    /// answer with [`crate::read_answer`].
    ///
    /// # Errors
    ///
    /// [`Error::NeedsUserFile`] for a call that uploads a file the user picks.
    pub fn to_http_request(&self) -> Result<http::Request<Vec<u8>>> {
        let builder = http::Request::builder()
            .method(reqwest::Method::from(self.method))
            .uri(self.path_and_query())
            .header(http::header::ACCEPT, "application/json");
        let request = match &self.body {
            CallBody::Empty => builder.body(Vec::new()),
            CallBody::Json(body) => builder
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.to_string().into_bytes()),
            CallBody::Multipart { .. } => {
                return Err(Error::NeedsUserFile {
                    tool: self.tool.clone(),
                })
            }
        };
        Ok(request.expect("a validated path and fixed headers always make a request"))
    }
}

/// The body of a [`ValidatedCall`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CallBody {
    /// No body.
    Empty,
    /// A JSON object; absent and `null` arguments are left out.
    Json(Value),
    /// A `multipart/form-data` form still missing its file.
    Multipart {
        /// The form field the file goes in.
        file_field: String,
        /// The other arguments, as text fields.
        fields: Vec<(String, String)>,
    },
}

/// A string as itself, anything else as its JSON text (`5`, `true`).
fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, so a value can
/// never add a segment (`/`), a query (`?`) or a fragment (`#`) to the path.
fn encode_path_segment(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn problem(error: &ValidationError<'_>) -> ArgumentProblem {
    let mut field = error
        .instance_path
        .as_str()
        .trim_start_matches('/')
        .replace('/', ".");
    let message = match &error.kind {
        ValidationErrorKind::Required { property } => {
            field = join_field(&field, &text(property));
            "this argument is required".to_owned()
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            format!(
                "unknown argument(s) {}; only the arguments of the schema are allowed",
                unexpected
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        ValidationErrorKind::Format { format } if format == "date-time" => format!(
            "{} is not an RFC 3339 date-time with an offset, such as 2026-03-02T09:00:00Z",
            error.instance
        ),
        _ => error.to_string(),
    };
    ArgumentProblem {
        field,
        message: shorten(message),
        kind: problem_kind(&error.kind),
    }
}

/// The kind of a schema violation, for a client that words it itself.
fn problem_kind(kind: &ValidationErrorKind) -> ProblemKind {
    use jsonschema::JsonType;
    let whole = |limit: &Value| limit.as_i64();
    match kind {
        ValidationErrorKind::Required { .. } => ProblemKind::Required,
        ValidationErrorKind::AdditionalProperties { .. } => ProblemKind::Unknown,
        ValidationErrorKind::Format { format } if format == "date-time" => {
            ProblemKind::NotADateTime
        }
        ValidationErrorKind::Type {
            kind: jsonschema::error::TypeKind::Single(expected),
        } => match expected {
            JsonType::String => ProblemKind::NotAString,
            JsonType::Integer | JsonType::Number => ProblemKind::NotANumber,
            JsonType::Boolean => ProblemKind::NotABoolean,
            _ => ProblemKind::Other,
        },
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => ProblemKind::OutOfRange {
            min: whole(limit),
            max: None,
        },
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => ProblemKind::OutOfRange {
            min: None,
            max: whole(limit),
        },
        ValidationErrorKind::MinLength { limit } => ProblemKind::TooShort(*limit),
        ValidationErrorKind::MaxLength { limit } => ProblemKind::TooLong(*limit),
        ValidationErrorKind::Enum { options } => ProblemKind::NotOneOf(
            options
                .as_array()
                .map(|values| values.iter().map(text).collect())
                .unwrap_or_default(),
        ),
        _ => ProblemKind::Other,
    }
}

fn join_field(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

fn shorten(message: String) -> String {
    if message.len() <= MESSAGE_LIMIT {
        return message;
    }
    let mut end = MESSAGE_LIMIT;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_path_segment("google_calendar"), "google_calendar");
        assert_eq!(encode_path_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
    }

    #[test]
    fn text_keeps_strings_and_prints_the_rest() {
        assert_eq!(text(&Value::from("a b")), "a b");
        assert_eq!(text(&Value::from(5)), "5");
        assert_eq!(text(&Value::from(true)), "true");
    }
}
