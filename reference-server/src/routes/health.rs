//! Liveness, metrics and the OpenAPI document.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::metrics::CONTENT_TYPE_TEXT;
use crate::state::AppState;

/// The answer of the liveness check.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/api/v1/healthz", tag = "health", responses((status = 200, body = Health, description = "alive")))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, body = Object, description = "this document (OpenAPI 3.1)")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi as _;
    Json(crate::openapi::ApiDoc::openapi())
}

/// The server's metrics in the Prometheus text format ([`crate::metrics`] lists them).
/// Public like liveness, for scrapers that hold no session: counts by route, connector
/// and outcome, nothing about any user.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, content_type = "text/plain", body = String, description = "the Prometheus text exposition format (version 0.0.4)")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], state.metrics.render())
}
