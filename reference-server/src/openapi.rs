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
        routes::realtime::client_secret,
        routes::realtime::tools,
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
        routes::files::Upload,
        crate::db::Project,
        crate::db::FileRecord,
        ErrorBody,
        ErrorDetail,
        FieldProblem,
    )),
    modifiers(&Completion)
)]
pub struct ApiDoc;

/// Operations anyone may call (`path`, method); every other one requires a session.
const PUBLIC: &[(&str, &str)] = &[
    ("/api/v1/healthz", "get"),
    ("/api/v1/openapi.json", "get"),
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

/// `{"error":{"code","message"}}`: the body of every error answer.
#[derive(Debug, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// The `error` of an [`ErrorBody`].
#[derive(Debug, ToSchema)]
pub struct ErrorDetail {
    /// A stable code (`validation_failed`, `not_found`, `rate_limited`, …).
    pub code: String,
    /// For humans.
    pub message: String,
    /// 422 only: each field at fault.
    pub fields: Option<Vec<FieldProblem>>,
}

/// A field at fault in a 422.
#[derive(Debug, ToSchema)]
pub struct FieldProblem {
    /// The field's name or path (`email`, `items[2].name`).
    pub field: String,
    /// Why, in words.
    pub message: String,
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
}
