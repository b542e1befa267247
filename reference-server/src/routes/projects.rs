//! Projects: the small "existing API" the voice agent drives.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db::Project;
use crate::error::ApiError;
use crate::json::ValidJson;
use crate::state::AppState;
use crate::validate::{Name, Text};

/// A new project.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    /// Name, 1 to 200 characters.
    pub name: Name<200>,
    /// Description, up to 2000 characters.
    pub description: Option<Text<2000>>,
}

impl NewProject {
    /// The description, `None` when it is empty.
    pub fn description(&self) -> Option<&str> {
        let text = self.description.as_ref().map(Text::as_str);
        text.filter(|text| !text.is_empty())
    }
}

/// The user's projects, newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", operation_id = "list_projects", responses((status = 200, body = [Project])))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<Project>>, ApiError> {
    Ok(Json(state.db.list_projects(user).await?))
}

/// Creates a project.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = NewProject,
    responses((status = 201, body = Project), (status = 422, description = "invalid field")))]
pub async fn create(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidJson(body): ValidJson<NewProject>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let project = state
        .db
        .create_project(user, body.name.as_str(), body.description())
        .await?;
    Ok((StatusCode::CREATED, Json(project)))
}
