//! Hostinger's actions (read-only): domains, subscriptions.

use axum::extract::State;
use axum::Json;
use connectors_providers::hostinger;

use crate::actions::hostinger::{self as actions, HostingerQuery};
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::query::ValidQuery;
use crate::state::AppState;

/// The domains of the user's Hostinger account.
#[utoipa::path(get, path = "/api/v1/connectors/hostinger/domains", tag = "actions", params(HostingerQuery),
    responses((status = 200, body = [crate::actions::hostinger::HostingerDomainSchema]), (status = 409, description = "not_connected"),
        (status = 422, description = "a bad limit, or provider_rejected"), (status = 429, description = "provider_rate_limited")))]
pub async fn hostinger_domains(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<HostingerQuery>,
) -> Result<Json<Vec<hostinger::Domain>>, ApiError> {
    Ok(Json(actions::hostinger_domains(&state, user, query).await?))
}

/// The subscriptions of the user's Hostinger account (hosting, domains, email, …).
#[utoipa::path(get, path = "/api/v1/connectors/hostinger/subscriptions", tag = "actions", params(HostingerQuery),
    responses((status = 200, body = [crate::actions::hostinger::HostingerSubscriptionSchema]), (status = 409, description = "not_connected"),
        (status = 422, description = "a bad limit, or provider_rejected"), (status = 429, description = "provider_rate_limited")))]
pub async fn hostinger_subscriptions(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    ValidQuery(query): ValidQuery<HostingerQuery>,
) -> Result<Json<Vec<hostinger::Subscription>>, ApiError> {
    Ok(Json(
        actions::hostinger_subscriptions(&state, user, query).await?,
    ))
}
