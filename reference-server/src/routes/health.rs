//! Liveness and the OpenAPI document.

use axum::Json;

/// Liveness: the process answers.
#[utoipa::path(get, path = "/api/v1/healthz", tag = "health", responses((status = 200, description = "alive")))]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The OpenAPI document of this API.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "health", responses((status = 200, description = "this document (OpenAPI 3.1)")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi as _;
    Json(crate::openapi::ApiDoc::openapi())
}
