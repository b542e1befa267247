//! What a user does with a connected Calendly account (read-only): list their upcoming
//! scheduled events ([`upcoming_events`]) and their event types ([`event_types`]).
//!
//! Calendly's list endpoints take the user's URI (`user=`), kept from the token answer
//! as the `owner` account fact at connection (asked of `GET /users/me` when a
//! connection lacks it). Its errors are `{title, message, details}`: a 401 refreshes
//! the token once ([`OAuthClient::send`]); 400, 403 and 404 are the request's own and
//! come back as [`Error::Refused`] in words.

use connectors_core::{ApiRequest, ConnectorAuthService, Error, OAuthClient, Result, UserId};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The connector's key.
const KEY: &str = "calendly";

/// A scheduled event, as a person needs to hear it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledEvent {
    /// Its name (the event type's), e.g. `30 Minute Meeting`.
    pub name: String,
    /// When it starts, RFC 3339 UTC.
    pub start: String,
    /// When it ends, RFC 3339 UTC.
    pub end: String,
    /// Where: the address, the call's link, else the kind of location.
    pub location: Option<String>,
    /// How many invitees are still coming, when Calendly says.
    pub invitees: Option<u64>,
    /// Calendly's URI of the event.
    pub uri: String,
}

/// An event type the user can be booked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventType {
    /// Its name, e.g. `30 Minute Meeting`.
    pub name: String,
    /// How long it lasts, in minutes.
    pub duration_minutes: Option<u64>,
    /// The booking page to share.
    pub scheduling_url: Option<String>,
    /// Calendly's URI of the event type.
    pub uri: String,
}

#[derive(Deserialize)]
struct Collection<T> {
    #[serde(default = "Vec::new")]
    collection: Vec<T>,
}

#[derive(Deserialize)]
struct RawEvent {
    uri: String,
    #[serde(default)]
    name: Option<String>,
    start_time: String,
    end_time: String,
    location: Option<RawLocation>,
    invitees_counter: Option<Counter>,
}

#[derive(Deserialize)]
struct RawLocation {
    #[serde(rename = "type")]
    kind: Option<String>,
    location: Option<String>,
    join_url: Option<String>,
}

#[derive(Deserialize)]
struct Counter {
    active: Option<u64>,
}

#[derive(Deserialize)]
struct RawEventType {
    uri: String,
    #[serde(default)]
    name: Option<String>,
    duration: Option<u64>,
    scheduling_url: Option<String>,
}

#[derive(Deserialize)]
struct Me {
    resource: MeResource,
}

#[derive(Deserialize)]
struct MeResource {
    uri: String,
}

/// The user's active scheduled events from now on, soonest first, at most `limit`
/// (`GET /scheduled_events?user=…&status=active&min_start_time=now&sort=start_time:asc`).
///
/// # Errors
///
/// [`Error::NotConnected`], [`Error::NeedsReauth`], [`Error::RateLimited`],
/// [`Error::Refused`] for Calendly's 400, 403 (a permission the connection lacks) and
/// 404, and the provider errors of [`OAuthClient::send`].
pub async fn upcoming_events(
    service: &ConnectorAuthService,
    user: UserId,
    limit: u32,
) -> Result<Vec<ScheduledEvent>> {
    let client = service.get_oauth_client(user, KEY).await?;
    let owner = owner(service, &client, user).await?;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .map_err(|error| Error::InvalidResponse(error.to_string()))?;
    let request = ApiRequest::get("scheduled_events")
        .query("user", owner)
        .query("status", "active")
        .query("min_start_time", now)
        .query("count", limit.to_string())
        .query("sort", "start_time:asc");
    let page: Collection<RawEvent> = call(&client, &request, "calendly scheduled_events").await?;
    Ok(page
        .collection
        .into_iter()
        .take(limit as usize)
        .map(|raw| ScheduledEvent {
            name: raw.name.unwrap_or_default(),
            start: utc(&raw.start_time),
            end: utc(&raw.end_time),
            location: raw
                .location
                .and_then(|location| location.location.or(location.join_url).or(location.kind)),
            invitees: raw.invitees_counter.and_then(|counter| counter.active),
            uri: raw.uri,
        })
        .collect())
}

/// The user's active event types, at most `limit`
/// (`GET /event_types?user=…&active=true`).
///
/// # Errors
///
/// As [`upcoming_events`].
pub async fn event_types(
    service: &ConnectorAuthService,
    user: UserId,
    limit: u32,
) -> Result<Vec<EventType>> {
    let client = service.get_oauth_client(user, KEY).await?;
    let owner = owner(service, &client, user).await?;
    let request = ApiRequest::get("event_types")
        .query("user", owner)
        .query("active", "true")
        .query("count", limit.to_string());
    let page: Collection<RawEventType> = call(&client, &request, "calendly event_types").await?;
    Ok(page
        .collection
        .into_iter()
        .take(limit as usize)
        .map(|raw| EventType {
            name: raw.name.unwrap_or_default(),
            duration_minutes: raw.duration,
            scheduling_url: raw.scheduling_url,
            uri: raw.uri,
        })
        .collect())
}

/// The user's URI: the `owner` kept at connection, else `GET /users/me`.
async fn owner(
    service: &ConnectorAuthService,
    client: &OAuthClient<'_>,
    user: UserId,
) -> Result<String> {
    let kept = service
        .store()
        .load_credentials(user, KEY)
        .await?
        .and_then(|stored| {
            stored
                .credentials
                .public
                .get("owner")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        });
    if let Some(owner) = kept {
        return Ok(owner);
    }
    let me: Me = call(client, &ApiRequest::get("users/me"), "calendly users/me").await?;
    Ok(me.resource.uri)
}

/// A list call, Calendly's refusals read as [`Error::Refused`].
async fn call<T: serde::de::DeserializeOwned>(
    client: &OAuthClient<'_>,
    request: &ApiRequest,
    what: &str,
) -> Result<T> {
    match client.json(request, what).await {
        Err(Error::Provider { status, body }) if matches!(status, 400 | 403 | 404) => {
            Err(refused(status, &body))
        }
        other => other,
    }
}

/// Calendly's `{title, message, details}` in words.
fn refused(status: u16, body: &str) -> Error {
    #[derive(Deserialize)]
    struct CalendlyError {
        title: Option<String>,
        message: Option<String>,
        #[serde(default)]
        details: Vec<Detail>,
    }
    #[derive(Deserialize)]
    struct Detail {
        parameter: Option<String>,
        message: Option<String>,
    }
    let error = serde_json::from_str::<CalendlyError>(body).ok();
    let code = error
        .as_ref()
        .and_then(|error| error.title.clone())
        .unwrap_or_else(|| status.to_string());
    let message = match status {
        403 => "the Calendly connection lacks the permission for this; connect Calendly again"
            .to_owned(),
        _ => {
            let mut words = error
                .as_ref()
                .and_then(|error| error.message.clone())
                .unwrap_or_else(|| format!("Calendly answered {status}"));
            let details: Vec<String> = error
                .iter()
                .flat_map(|error| &error.details)
                .filter_map(|detail| match (&detail.parameter, &detail.message) {
                    (Some(parameter), Some(message)) => Some(format!("{parameter}: {message}")),
                    (None, Some(message)) => Some(message.clone()),
                    _ => None,
                })
                .collect();
            if !details.is_empty() {
                words = format!("{words} ({})", details.join("; "));
            }
            words
        }
    };
    Error::Refused { code, message }
}

/// Calendly's instant (`2025-12-02T09:00:00.000000Z`) as RFC 3339 UTC to the second.
fn utc(instant: &str) -> String {
    OffsetDateTime::parse(instant, &Rfc3339)
        .ok()
        .and_then(|at| {
            at.to_offset(time::UtcOffset::UTC)
                .replace_nanosecond(0)
                .ok()?
                .format(&Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| instant.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_utc_to_the_second() {
        assert_eq!(utc("2025-12-02T09:00:00.000000Z"), "2025-12-02T09:00:00Z");
        assert_eq!(utc("2025-12-02T10:30:00+01:00"), "2025-12-02T09:30:00Z");
    }

    #[test]
    fn refusals_are_said_in_calendly_words_with_their_details() {
        let Error::Refused { code, message } = refused(
            400,
            r#"{"title":"Invalid Argument","message":"The supplied parameters are invalid.","details":[{"parameter":"count","message":"must be between 1 and 100"}]}"#,
        ) else {
            panic!()
        };
        assert_eq!(code, "Invalid Argument");
        assert_eq!(
            message,
            "The supplied parameters are invalid. (count: must be between 1 and 100)"
        );
        let Error::Refused { message, .. } = refused(403, "{}") else {
            panic!()
        };
        assert!(message.contains("connect Calendly again"));
    }
}
