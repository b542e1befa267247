//! Hostinger (read-only): the account's domains and subscriptions.

use connectors_core::UserId;
use connectors_providers::hostinger;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use voice_tools::tools::HostingerLimit;

use crate::error::ApiError;
use crate::state::AppState;

/// The query of `GET /connectors/hostinger/domains` and `…/subscriptions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HostingerQuery {
    /// How many at most: 1..=100, default 25.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<HostingerLimit>,
}

/// A domain as `GET /connectors/hostinger/domains` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = HostingerDomain)]
pub struct HostingerDomainSchema {
    /// The domain name (absent for a domain not yet claimed).
    #[schema(required = true)]
    pub domain: Option<String>,
    /// Where it stands: `active`, `pending_setup`, `expired`, …
    pub status: String,
    /// When it expires (RFC 3339).
    #[schema(required = true)]
    pub expires_at: Option<String>,
}

/// A subscription as `GET /connectors/hostinger/subscriptions` sends it.
#[derive(Debug, ToSchema)]
#[schema(as = HostingerSubscription)]
pub struct HostingerSubscriptionSchema {
    /// What it is, e.g. `Premium Web Hosting`.
    pub name: String,
    /// Where it stands: `active`, `expired`, `cancelled`, …
    pub status: String,
    /// Whether it renews on its own.
    pub auto_renews: bool,
    /// What the next renewal costs, e.g. `14.99 USD`.
    #[schema(required = true)]
    pub renewal_price: Option<String>,
    /// When it is next billed (RFC 3339).
    #[schema(required = true)]
    pub next_billing_at: Option<String>,
    /// When it expires (RFC 3339).
    #[schema(required = true)]
    pub expires_at: Option<String>,
}

/// The account's domains.
///
/// # Errors
///
/// 409 `not_connected`, 422 `provider_rejected` when Hostinger no longer takes the
/// token, 429 `provider_rate_limited`, the provider's failures.
pub async fn hostinger_domains(
    state: &AppState,
    user: UserId,
    query: HostingerQuery,
) -> Result<Vec<hostinger::Domain>, ApiError> {
    let limit = query.limit.unwrap_or_default().get();
    Ok(hostinger::list_domains(&state.service, user, limit).await?)
}

/// The account's subscriptions.
///
/// # Errors
///
/// As [`hostinger_domains`].
pub async fn hostinger_subscriptions(
    state: &AppState,
    user: UserId,
    query: HostingerQuery,
) -> Result<Vec<hostinger::Subscription>, ApiError> {
    let limit = query.limit.unwrap_or_default().get();
    Ok(hostinger::list_subscriptions(&state.service, user, limit).await?)
}
