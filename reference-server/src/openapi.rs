//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;

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
        crate::db::Project,
        crate::db::FileRecord,
    ))
)]
pub struct ApiDoc;
