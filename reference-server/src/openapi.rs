//! The OpenAPI document, generated from the handlers' annotations, then completed in one
//! place (`Completion`) so that every operation, present and future, is described the
//! same way: its security schemes unless it is one of the few public ones, and the
//! error envelope as the body of every error answer.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use connectors_core::ConnectorKind;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

use crate::error::{ErrorBody, ErrorDetail, FieldProblem, FieldProblemParams};
use crate::routes;

/// The API's OpenAPI description (`GET /api/v1/openapi.json`).
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Connectors reference server",
        description = "Connect third-party accounts and drive them by voice."
    ),
    paths(
        routes::health::healthz,
        routes::health::openapi,
        routes::health::metrics,
        routes::auth::signup,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::me,
        routes::connectors::list,
        routes::connectors::redirect,
        routes::connectors::callback,
        routes::connectors::save_config,
        routes::connectors::revoke,
        routes::connectors::activate,
        routes::connectors::calendar_events,
        routes::actions::slack_channels,
        routes::actions::slack_messages,
        routes::actions::post_slack_message,
        routes::actions::gmail_messages,
        routes::actions::send_email,
        routes::actions::minio_objects,
        routes::actions::put_in_minio,
        routes::actions::notion_pages,
        routes::actions::create_notion_page,
        routes::actions::twilio::sms_messages,
        routes::actions::twilio::send_sms,
        routes::actions::calendly::calendly_events,
        routes::actions::calendly::calendly_event_types,
        routes::actions::hostinger::hostinger_domains,
        routes::actions::hostinger::hostinger_subscriptions,
        routes::events::list,
        routes::realtime::client_secret,
        routes::realtime::tools,
        routes::realtime::tool_call,
        routes::projects::list,
        routes::projects::create,
        routes::files::list,
        routes::files::upload,
        routes::files::download,
    ),
    components(schemas(
        routes::auth::Signup,
        routes::auth::Login,
        routes::auth::UserView,
        routes::auth::SessionView,
        routes::projects::NewProject,
        routes::realtime::ClientSecretView,
        crate::tool_calls::ToolCallRequest,
        crate::tool_calls::ToolCallAnswer,
        Upload,
        FileBytes,
        routes::connectors::AuthorizationUrl,
        routes::health::Health,
        routes::auth::MeView,
        crate::connections::Activation,
        crate::lifecycle::LifecycleEvent,
        crate::db::Project,
        crate::db::FileRecord,
        Connector,
        Kind,
        Status,
        CalendarEventSchema,
        crate::actions::NewSlackMessage,
        crate::actions::SlackChannelSchema,
        crate::actions::SlackMessageSchema,
        crate::actions::SlackPostedSchema,
        crate::actions::MailSummarySchema,
        crate::actions::NewEmail,
        crate::actions::SentEmailSchema,
        crate::actions::NewObject,
        crate::actions::StoredObjectSchema,
        crate::actions::PutObjectSchema,
        crate::actions::NewNotionPage,
        crate::actions::NotionPageSchema,
        crate::actions::twilio::NewSms,
        crate::actions::twilio::SmsSentSchema,
        crate::actions::twilio::SmsMessageSchema,
        crate::actions::calendly::CalendlyEventSchema,
        crate::actions::calendly::CalendlyEventTypeSchema,
        crate::actions::hostinger::HostingerDomainSchema,
        crate::actions::hostinger::HostingerSubscriptionSchema,
        Tool,
        ToolMethod,
        ToolBody,
        ErrorBody,
        ErrorDetail,
        FieldProblem,
        FieldProblemCode,
        FieldProblemParams,
        FieldProblemFormat,
        LastErrorCode,
        LastErrorParams,
    )),
    modifiers(&Completion)
)]
pub struct ApiDoc;

/// Operations anyone may call (`path`, method); every other one requires a session.
const PUBLIC: &[(&str, &str)] = &[
    ("/api/v1/healthz", "get"),
    ("/api/v1/openapi.json", "get"),
    // For scrapers: aggregate counts, nothing about any user.
    ("/metrics", "get"),
    ("/api/v1/auth/signup", "post"),
    ("/api/v1/auth/login", "post"),
    // Ends the session it carries, if any.
    ("/api/v1/auth/logout", "post"),
    // The provider sends the browser here; a missing session is one of its outcomes.
    ("/api/v1/connectors/{key}/callback", "get"),
];

/// The security scheme of `Authorization: Bearer <token>`.
pub const BEARER: &str = "bearer";
/// The security scheme of the session cookie.
pub const SESSION_COOKIE: &str = "session_cookie";

/// A string enum whose values are what `values` serialize to: the document follows the
/// crates' own lists (`ALL`), never a copy of them.
fn sent_enum<T: serde::Serialize>(
    values: &[T],
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let values = values
        .iter()
        .map(|value| serde_json::to_value(value).expect("a unit variant serializes"));
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .description(Some(description))
        .into()
}

/// Declares the schema of a string enum of `connectors-core`, named `$name` in the
/// document, with the values of its `ALL`.
macro_rules! sent_as_listed {
    ($(#[$doc:meta])* $wrapper:ident, $name:literal, $all:expr, $description:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $wrapper;

        impl utoipa::PartialSchema for $wrapper {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                sent_enum($all, $description)
            }
        }

        impl utoipa::ToSchema for $wrapper {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}

sent_as_listed!(
    /// `connectors_core::FieldErrorCode` as it is sent.
    FieldProblemCode,
    "FieldErrorCode",
    connectors_core::FieldErrorCode::ALL,
    "Why a field was refused (`connectors_core::FieldErrorCode`). New codes may be added: show `message` for one you do not know."
);
sent_as_listed!(
    /// `connectors_core::FieldFormat` as it is sent.
    FieldProblemFormat,
    "FieldFormat",
    connectors_core::FieldFormat::ALL,
    "The form an `invalid_format` field should have (`connectors_core::FieldFormat`)."
);
sent_as_listed!(
    /// `connectors_core::LastErrorCode` as it is sent.
    LastErrorCode,
    "LastErrorCode",
    connectors_core::LastErrorCode::ALL,
    "Why the connector's last use failed (`connectors_core::LastErrorCode`): `needs_reauth` (connect again), `refresh_failing` (three refresh failures in a row; the server keeps trying), `refresh_failed` (one or two), `other` (`last_error` says what). New codes may be added."
);

/// The multipart body of an upload: one part named `file` (its file name and content
/// type come from the part's headers). Any other part is refused.
#[derive(Debug)]
pub struct Upload;

impl utoipa::PartialSchema for Upload {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, KnownFormat, ObjectBuilder, SchemaFormat, Type,
        };
        ObjectBuilder::new()
            .property(
                "file",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
                    .description(Some("the file's bytes")),
            )
            .required("file")
            .additional_properties(Some(
                AdditionalProperties::<utoipa::openapi::schema::Schema>::FreeForm(false),
            ))
            .into()
    }
}

impl utoipa::ToSchema for Upload {}

/// The bytes of a downloaded file, sent with the content type it was uploaded with.
#[derive(Debug)]
pub struct FileBytes;

impl utoipa::PartialSchema for FileBytes {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl utoipa::ToSchema for FileBytes {}

/// An item of `GET /connectors` (`connectors_core::ConnectorView` as it is sent):
/// never a secret.
#[derive(Debug, ToSchema)]
pub struct Connector {
    /// Stable key (`google_calendar`, `smtp`, …).
    pub key: String,
    /// Human name.
    pub name: String,
    /// Connected through an OAuth consent, or by filling a form.
    pub kind: Kind,
    /// Provider name.
    pub provider: String,
    /// Whether the server can run it (OAuth client id/secret present).
    pub configured: bool,
    /// Whether the user has usable credentials stored.
    pub connected: bool,
    /// Where the user's connection stands.
    pub status: Status,
    /// Granted scopes (or, before connecting, the scopes it asks for).
    pub scopes: Vec<String>,
    /// When the access token expires (RFC 3339).
    #[schema(required = true, format = DateTime)]
    pub expires_at: Option<String>,
    /// When the user connected it (RFC 3339).
    #[schema(required = true, format = DateTime)]
    pub connected_at: Option<String>,
    /// The last error, in English words.
    #[schema(required = true)]
    pub last_error: Option<String>,
    /// What `last_error` is about, as a stable code to translate (`null` without one);
    /// a client that does not know the code shows `last_error`.
    #[schema(required = true)]
    pub last_error_code: Option<LastErrorCode>,
    /// The provider's own words in `last_error` (Google's `error_description`, an OAuth
    /// error code), redacted; `null` when it gave none. A page that says
    /// `last_error_code` in its own language shows these, and only these, as they are,
    /// as the provider's words.
    #[schema(required = true)]
    pub last_error_detail: Option<String>,
    /// What a sentence for `last_error_code` may say beside it.
    pub last_error_params: LastErrorParams,
    /// Who the account is ("Connected as …").
    #[schema(required = true)]
    pub connected_as: Option<String>,
    /// Config connectors: the JSON Schema (2020-12) of the fields `POST
    /// /connectors/{key}/config` takes.
    #[schema(required = true, value_type = Option<Object>)]
    pub schema: Option<serde_json::Value>,
    /// Config connectors: the fields of `schema` that are secrets (write-only).
    pub secret_fields: Vec<String>,
    /// Config connectors: the saved non-secret field values.
    #[schema(required = true, value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
}

/// `connectors_core::LastErrorParams` as it is sent: for `refresh_failing` and
/// `refresh_failed`, the failures in a row and the next try; `null` otherwise.
#[derive(Debug, ToSchema)]
pub struct LastErrorParams {
    /// Transient refresh failures in a row.
    #[schema(required = true, minimum = 1)]
    pub attempts: Option<u32>,
    /// When the server tries to refresh again (RFC 3339).
    #[schema(required = true, format = DateTime)]
    pub retry_at: Option<String>,
}

/// `connectors_core::ConnectorKind` as it is sent.
#[derive(Debug, ToSchema)]
#[schema(as = ConnectorKind)]
pub enum Kind {
    /// Authorization code flow with the provider.
    #[schema(rename = "oauth")]
    OAuth,
    /// Configuration fields / API key given by the user.
    #[schema(rename = "config")]
    Config,
}

/// `connectors_core::ConnectorStatus` as it is sent.
#[derive(Debug, ToSchema)]
#[schema(as = ConnectorStatus)]
pub enum Status {
    /// Credentials are stored and usable.
    #[schema(rename = "active")]
    Active,
    /// Never connected, or disconnected.
    #[schema(rename = "inactive")]
    Inactive,
    /// The provider refused the stored grant; the user must authorize again.
    #[schema(rename = "needs_reauth")]
    NeedsReauth,
    /// The last attempt to use the connector failed for another reason.
    #[schema(rename = "error")]
    Error,
}

/// A Google Calendar event (`connectors_providers::google::CalendarEvent` as it is sent).
#[derive(Debug, ToSchema)]
#[schema(as = CalendarEvent)]
pub struct CalendarEventSchema {
    /// Google's event id.
    pub id: String,
    /// Title.
    #[schema(required = true)]
    pub summary: Option<String>,
    /// Start: an RFC 3339 date-time, or a `YYYY-MM-DD` date for all-day events.
    #[schema(required = true)]
    pub start: Option<String>,
    /// End, in the same form as `start`.
    #[schema(required = true)]
    pub end: Option<String>,
    /// Whether the event lasts whole days.
    pub all_day: bool,
    /// Where.
    #[schema(required = true)]
    pub location: Option<String>,
    /// Link to the event in Google Calendar.
    #[schema(required = true)]
    pub html_link: Option<String>,
    /// `confirmed`, `tentative` or `cancelled`.
    #[schema(required = true)]
    pub status: Option<String>,
}

/// An entry of the tool catalog (`voice_tools::ToolDefinition` as it is listed): a tool
/// and the REST route it calls.
#[derive(Debug, ToSchema)]
pub struct Tool {
    /// The name the model calls it by.
    pub name: String,
    /// The description written for the model.
    pub description: String,
    /// JSON Schema of its arguments, in OpenAI's form.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// The HTTP method of its route.
    pub method: ToolMethod,
    /// Its route, a template such as `/api/v1/connectors/{key}/activate`.
    pub path: String,
    /// Arguments substituted into `path`.
    pub path_params: Vec<String>,
    /// Arguments sent in the query string.
    pub query_params: Vec<String>,
    /// Arguments sent in the body.
    pub body_params: Vec<String>,
    /// How the body is sent.
    pub body: ToolBody,
    /// Multipart tools only: the form field of the file the user picks.
    #[schema(nullable = false)]
    pub file_field: Option<String>,
    /// Whether the user picks a file for it.
    pub needs_user_file: bool,
    /// Whether each call needs the user's approval (`POST /realtime/tool-calls` refuses
    /// it without `"approved": true`).
    pub needs_approval: bool,
}

/// `voice_tools::HttpMethod` as it is sent.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "UPPERCASE")]
pub enum ToolMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

/// How a tool's body is sent.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ToolBody {
    /// No body.
    None,
    /// A JSON object of the body arguments.
    Json,
    /// `multipart/form-data` with the user's file.
    Multipart,
}

/// Completes the generated document: security schemes and requirements, error bodies.
#[derive(Debug)]
struct Completion;

impl Modify for Completion {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("the `token` of a signup or login answer"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION_COOKIE,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "set by signup and login; named `__Host-session` when the API is served over https",
            ))),
        );
        let error = || {
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    "ErrorBody",
                ))))
                .build()
        };
        for (path, item) in &mut openapi.paths.paths {
            let operations = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                if !PUBLIC.contains(&(path.as_str(), method)) {
                    require_a_session(operation);
                }
                document_errors(operation, &error);
                list_connector_keys(path, operation);
            }
        }
    }
}

/// The `{key}` of a connector route is one of the built-in connectors' keys: the OAuth
/// ones for the flow's routes, the config ones for `/config`.
fn list_connector_keys(path: &str, operation: &mut Operation) {
    let kind = if path.ends_with("/redirect") || path.ends_with("/callback") {
        Some(ConnectorKind::OAuth)
    } else if path.ends_with("/config") {
        Some(ConnectorKind::Config)
    } else {
        None
    };
    let keys: Vec<String> = connectors_providers::builtin()
        .iter()
        .filter(|connector| kind.is_none_or(|kind| connector.spec().kind() == kind))
        .map(|connector| connector.key().to_owned())
        .collect();
    for parameter in operation.parameters.iter_mut().flatten() {
        if parameter.name == "key" && parameter.parameter_in == ParameterIn::Path {
            parameter.schema = Some(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(keys.clone()))
                    .build(),
            )));
        }
    }
}

/// Either the bearer token or the cookie.
fn require_a_session(operation: &mut Operation) {
    operation.security = Some(vec![
        SecurityRequirement::new(BEARER, Vec::<String>::new()),
        SecurityRequirement::new(SESSION_COOKIE, Vec::<String>::new()),
    ]);
}

/// Every documented error answer gets the envelope as its body, and a `default`
/// answer says that any other error has it too (a 400 of a path parameter, a 405, a
/// 413).
fn document_errors(operation: &mut Operation, error: &dyn Fn() -> utoipa::openapi::Content) {
    let responses = &mut operation.responses.responses;
    for (status, response) in responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let (true, RefOr::T(response)) = (is_error, response) {
            if response.content.is_empty() {
                response
                    .content
                    .insert("application/json".to_owned(), error());
            }
        }
    }
    responses.entry("default".to_owned()).or_insert_with(|| {
        RefOr::T(
            ResponseBuilder::new()
                .description("an error: `{\"error\":{\"code\",\"message\"}}`")
                .content("application/json", error())
                .build(),
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> serde_json::Value {
        serde_json::to_value(ApiDoc::openapi()).unwrap()
    }

    #[test]
    fn every_operation_but_the_public_ones_requires_a_session() {
        let document = document();
        let paths = document["paths"].as_object().unwrap();
        let mut checked = 0;
        for (path, item) in paths {
            for (method, operation) in item.as_object().unwrap() {
                let public = PUBLIC.contains(&(path.as_str(), method.as_str()));
                let security = &operation["security"];
                if public {
                    assert!(security.is_null(), "{method} {path}");
                } else {
                    assert_eq!(
                        security,
                        &serde_json::json!([{"bearer": []}, {"session_cookie": []}]),
                        "{method} {path}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked >= 14, "{checked}");
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session_cookie"]["in"], "cookie");
        assert_eq!(schemes["session_cookie"]["name"], "session");
    }

    #[test]
    fn the_upload_has_its_multipart_schema_and_the_document_lists_itself() {
        let document = document();
        let upload = &document["paths"]["/api/v1/files"]["post"]["requestBody"]["content"]
            ["multipart/form-data"]["schema"];
        assert_eq!(upload["$ref"], "#/components/schemas/Upload");
        let file = &document["components"]["schemas"]["Upload"]["properties"]["file"];
        assert_eq!(file["type"], "string");
        assert_eq!(file["format"], "binary");
        assert!(document["paths"]["/api/v1/openapi.json"]["get"].is_object());
    }

    #[test]
    fn every_error_answer_is_documented_as_the_envelope() {
        let document = document();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                for (status, response) in responses {
                    if status == "default" || status.starts_with('4') || status.starts_with('5') {
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{method} {path} {status}"
                        );
                    }
                }
                assert!(responses.contains_key("default"), "{method} {path}");
            }
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let document = document();
        let mut ids: Vec<&str> = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap().values())
            .map(|operation| operation["operationId"].as_str().unwrap())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "{ids:?}");
    }

    /// Whether `value` fits the document's component schema `name`, and names no
    /// field the schema leaves out (a field added to the type but not to its mirror).
    fn conforms(name: &str, value: &serde_json::Value) -> Result<(), String> {
        let mut root = document();
        let properties = &root["components"]["schemas"][name]["properties"];
        if let (Some(sent), Some(documented)) = (value.as_object(), properties.as_object()) {
            let undocumented: Vec<&String> = sent
                .keys()
                .filter(|key| !documented.contains_key(*key))
                .collect();
            if !undocumented.is_empty() {
                return Err(format!("{name}: undocumented {undocumented:?}"));
            }
        }
        root["$ref"] = format!("#/components/schemas/{name}").into();
        let validator = jsonschema::validator_for(&root).map_err(|error| error.to_string())?;
        let problems: Vec<String> = validator
            .iter_errors(value)
            .map(|error| format!("{}: {error}", error.instance_path))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{name}: {problems:?} in {value}"))
        }
    }

    #[test]
    fn what_the_server_sends_fits_the_schemas_written_for_other_crates_types() {
        for connector in connectors_providers::builtin() {
            let view = connectors_core::ConnectorView::new(connector.as_ref(), true, None);
            conforms("Connector", &serde_json::to_value(view).unwrap()).unwrap();
        }
        let failing = connectors_core::ConnectorState {
            connector_code: "google_calendar".to_owned(),
            connected: true,
            status: connectors_core::ConnectorStatus::Error,
            last_error: Some("the provider failed to refresh the token (server_error)".to_owned()),
            last_error_detail: Some("server_error".to_owned()),
            health: connectors_core::RefreshHealth {
                failures: 3,
                retry_at: Some(time::OffsetDateTime::UNIX_EPOCH),
                refreshable: true,
            },
            connected_at: None,
            expires_at: None,
            scopes: Vec::new(),
            public: serde_json::Map::new(),
        };
        let google = connectors_providers::builtin()
            .into_iter()
            .find(|connector| connector.key() == "google_calendar")
            .unwrap();
        let view = connectors_core::ConnectorView::new(google.as_ref(), true, Some(&failing));
        let sent = serde_json::to_value(view).unwrap();
        assert_eq!(sent["last_error_params"]["attempts"], 3);
        conforms("Connector", &sent).unwrap();
        conforms("LastErrorParams", &sent["last_error_params"]).unwrap();
        let catalog = voice_tools::Catalog::new(["google_calendar", "smtp"]);
        for tool in catalog.listing() {
            conforms("Tool", &serde_json::to_value(tool).unwrap()).unwrap();
        }
        let event = connectors_providers::google::CalendarEvent {
            id: "e1".to_owned(),
            summary: Some("Stand-up".to_owned()),
            start: Some("2026-12-01".to_owned()),
            end: None,
            all_day: true,
            location: None,
            html_link: None,
            status: Some("confirmed".to_owned()),
        };
        conforms("CalendarEvent", &serde_json::to_value(event).unwrap()).unwrap();
        assert!(conforms("Connector", &serde_json::json!({"key": "x"})).is_err());
        let extra =
            serde_json::json!({"field": "a", "code": "required", "message": "b", "new_field": 1});
        assert!(conforms("FieldProblem", &extra).is_err());
    }

    /// The names of a documented string enum, in order.
    fn documented_enum(name: &str) -> Vec<String> {
        let document = document();
        let schema = &document["components"]["schemas"][name];
        schema["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} is not a string enum: {schema}"))
            .iter()
            .map(|value| value.as_str().unwrap().to_owned())
            .collect()
    }

    fn sent_names<T: serde::Serialize>(values: &[T]) -> Vec<String> {
        values
            .iter()
            .map(|value| {
                serde_json::to_value(value)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn every_field_error_code_format_and_last_error_code_is_documented() {
        use connectors_core::{FieldErrorCode, FieldFormat, LastErrorCode};
        assert_eq!(
            documented_enum("FieldErrorCode"),
            sent_names(FieldErrorCode::ALL)
        );
        assert_eq!(documented_enum("FieldFormat"), sent_names(FieldFormat::ALL));
        assert_eq!(
            documented_enum("LastErrorCode"),
            sent_names(LastErrorCode::ALL)
        );
    }

    #[test]
    fn field_errors_with_their_params_fit_the_document() {
        use connectors_core::{FieldError, FieldErrorCode, FieldFormat, FieldIssue, FieldParams};
        let every_param = FieldIssue::new(FieldErrorCode::Invalid, "x").with_params(FieldParams {
            min: Some(1),
            max: Some(2),
            allowed: Some(vec!["a".to_owned()]),
            format: Some(FieldFormat::Host),
            conflicts_with: Some(vec!["b".to_owned()]),
            address: Some("127.0.0.1".to_owned()),
            other: Some("from".to_owned()),
            detail: Some("words".to_owned()),
        });
        for issue in [
            FieldIssue::required(),
            FieldIssue::too_long(64),
            FieldIssue::format(FieldFormat::BucketName, "a bucket"),
            every_param,
        ] {
            let sent = serde_json::to_value(FieldError::new("host", issue)).unwrap();
            conforms("FieldProblem", &sent).unwrap();
            if let Some(params) = sent.get("params") {
                conforms("FieldErrorParams", params).unwrap();
            }
        }
        let unknown_param = serde_json::json!({"min": 1, "limit": 2});
        assert!(conforms("FieldErrorParams", &unknown_param).is_err());
    }
}
