//! The user's connection lifecycle events ([`crate::lifecycle`]).

use axum::extract::State;
use axum::Json;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::lifecycle::{self, LifecycleEvent, LifecycleQuery};
use crate::query::ValidQuery;
use crate::state::AppState;

/// The user's own lifecycle events, newest first; `before` pages backwards.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", operation_id = "list_lifecycle_events",
    params(LifecycleQuery),
    responses((status = 200, body = [LifecycleEvent]), (status = 401, description = "not signed in"),
        (status = 422, description = "`limit` out of 1..=200, or `before` not one of the user's event ids")))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<LifecycleQuery>,
) -> Result<Json<Vec<LifecycleEvent>>, ApiError> {
    Ok(Json(lifecycle::events(&state, user, query).await?))
}
