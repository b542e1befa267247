//! What a user reads of a connected Hostinger account: their domains
//! ([`list_domains`], `GET /api/domains/v1/portfolio`) and their subscriptions
//! ([`list_subscriptions`], `GET /api/billing/v1/subscriptions`), with the stored API
//! token as Bearer.
//!
//! Hostinger answers errors with `{error, correlation_id}` (or `{message, errors,
//! correlation_id}` for a validation failure): 401 is a token it no longer takes
//! ([`Error::Rejected`]); a 429 is waited out when short
//! ([`ConfigCall::send`](connectors_core::ConfigCall::send)).

use connectors_core::http::{api_endpoint, Answer};
use connectors_core::{ConfigConnector, ConnectorAuthService, Error, Result, UserId};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::{Hostinger, API_URL};

/// A domain of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    /// The domain name, e.g. `example.com` (absent for a domain not yet claimed).
    pub domain: Option<String>,
    /// Where it stands: `active`, `pending_setup`, `expired`, …
    pub status: String,
    /// When it expires, as Hostinger says (RFC 3339).
    pub expires_at: Option<String>,
}

/// A subscription of the account (hosting, domain, email, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    /// What it is, e.g. `Premium Web Hosting`.
    pub name: String,
    /// Where it stands: `active`, `expired`, `cancelled`, …
    pub status: String,
    /// Whether it renews on its own.
    pub auto_renews: bool,
    /// What the next renewal costs, e.g. `14.99 USD`.
    pub renewal_price: Option<String>,
    /// When it is next billed (RFC 3339), when it is.
    pub next_billing_at: Option<String>,
    /// When it expires (RFC 3339).
    pub expires_at: Option<String>,
}

#[derive(Deserialize)]
struct RawDomain {
    domain: Option<String>,
    #[serde(default)]
    status: String,
    expires_at: Option<String>,
}

#[derive(Deserialize)]
struct RawSubscription {
    #[serde(default)]
    name: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    is_auto_renewed: bool,
    renewal_price: Option<u64>,
    currency_code: Option<String>,
    next_billing_at: Option<String>,
    expires_at: Option<String>,
}

/// The account's domains, at most `limit`.
///
/// # Errors
///
/// [`Error::NotConnected`]; [`Error::Rejected`] when Hostinger no longer takes the
/// token; [`Error::RateLimited`]; [`Error::Provider`] for its failures.
pub async fn list_domains(
    service: &ConnectorAuthService,
    user: UserId,
    limit: u32,
) -> Result<Vec<Domain>> {
    let domains: Vec<RawDomain> = get(
        service,
        user,
        "api/domains/v1/portfolio",
        "hostinger domains",
    )
    .await?;
    Ok(domains
        .into_iter()
        .take(limit as usize)
        .map(|raw| Domain {
            domain: raw.domain,
            status: raw.status,
            expires_at: raw.expires_at,
        })
        .collect())
}

/// The account's subscriptions, at most `limit`.
///
/// # Errors
///
/// As [`list_domains`].
pub async fn list_subscriptions(
    service: &ConnectorAuthService,
    user: UserId,
    limit: u32,
) -> Result<Vec<Subscription>> {
    let subscriptions: Vec<RawSubscription> = get(
        service,
        user,
        "api/billing/v1/subscriptions",
        "hostinger subscriptions",
    )
    .await?;
    Ok(subscriptions
        .into_iter()
        .take(limit as usize)
        .map(|raw| Subscription {
            renewal_price: raw.renewal_price.map(|cents| {
                let currency = raw.currency_code.as_deref().unwrap_or_default();
                format!("{}.{:02} {currency}", cents / 100, cents % 100)
                    .trim_end()
                    .to_owned()
            }),
            name: raw.name,
            status: raw.status,
            auto_renews: raw.is_auto_renewed,
            next_billing_at: raw.next_billing_at,
            expires_at: raw.expires_at,
        })
        .collect())
}

/// `GET {api}/{path}` with the stored token, the answer decoded.
async fn get<T: serde::de::DeserializeOwned>(
    service: &ConnectorAuthService,
    user: UserId,
    path: &str,
    what: &str,
) -> Result<T> {
    let config = service.stored_config(user, &Hostinger).await?;
    let call = service.config_call(Hostinger::KEY)?;
    let url = api_endpoint(&call.api_url_or(API_URL)?, path)?;
    let answer = call
        .send(|http| {
            http.get(url.clone())
                .bearer_auth(config.api_token.expose_secret())
                .header(reqwest::header::ACCEPT, "application/json")
        })
        .await?;
    checked(answer)?.json(what)
}

/// A 2xx answer, or the error Hostinger's answer means.
fn checked(answer: Answer) -> Result<Answer> {
    if answer.status.is_success() {
        return Ok(answer);
    }
    if !matches!(answer.status.as_u16(), 401 | 403) {
        return Err(answer.unexpected());
    }
    #[derive(Deserialize)]
    struct HostingerError {
        error: Option<String>,
        message: Option<String>,
    }
    let reason = serde_json::from_slice::<HostingerError>(&answer.body)
        .ok()
        .and_then(|body| body.error.or(body.message))
        .map(|reason| format!(" ({reason})"))
        .unwrap_or_default();
    Err(Error::Rejected {
        message: format!("Hostinger refused the API token{reason}"),
    })
}
