//! Google: the `google_calendar` connector and the slice of the Calendar API it reads.

use connectors_core::oauth2::AccessToken;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use url::Url;

use connectors_core::{AccountProbe, ClientAuth, Error, OAuthSpec, Result, StandardOAuth};

/// Google's default authorization endpoint.
pub const AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's default token endpoint.
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Google's default revocation endpoint.
pub const REVOKE_URL: &str = "https://oauth2.googleapis.com/revoke";
/// Google's default API base URL.
pub const API_URL: &str = "https://www.googleapis.com";
/// The read-only Calendar scope.
pub const CALENDAR_READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";

/// The OAuth spec shared by Google connectors: offline access, forced consent (Google
/// sends a refresh token only on consent), PKCE S256, client credentials in the body.
pub(crate) fn google_spec(scope: &str) -> OAuthSpec {
    OAuthSpec::new("google", AUTH_URL, TOKEN_URL, API_URL)
        .with_revoke_url(REVOKE_URL)
        .with_scopes([scope])
        .with_auth_param("access_type", "offline")
        .with_auth_param("prompt", "consent")
        .with_auth_param("include_granted_scopes", "true")
        .with_pkce(true)
        .with_client_auth(ClientAuth::RequestBody)
        .with_issuer("https://accounts.google.com")
}

/// Google Calendar, read-only (`google_calendar`): refuses a grant without the Calendar
/// scope (users can untick it on Google's consent screen) and names the account by the
/// primary calendar's id, which is the user's email.
pub fn calendar() -> StandardOAuth {
    StandardOAuth::new(
        "google_calendar",
        "Google Calendar",
        google_spec(CALENDAR_READONLY),
    )
    .with_required_scope(CALENDAR_READONLY)
    .with_account_probe(AccountProbe::get("calendar/v3/calendars/primary").field("email", "/id"))
}

fn calendar_url(api_url: &Url, path: &str) -> Result<Url> {
    let base = api_url.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}/calendar/v3/{path}")).map_err(|source| Error::InvalidUrl {
        what: "GOOGLE_API_URL",
        source,
    })
}

/// Which events to list.
#[derive(Debug, Clone)]
pub struct EventQuery {
    /// Events ending after this instant (default: now).
    pub from: Option<OffsetDateTime>,
    /// Events starting before this instant.
    pub to: Option<OffsetDateTime>,
    /// At most this many events (1..=250, default 10).
    pub limit: u32,
}

impl Default for EventQuery {
    fn default() -> Self {
        Self {
            from: None,
            to: None,
            limit: 10,
        }
    }
}

/// A calendar event, as the API of this SDK shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Google's event id.
    pub id: String,
    /// Title.
    pub summary: Option<String>,
    /// Start: an RFC 3339 date-time, or a `YYYY-MM-DD` date for all-day events.
    pub start: Option<String>,
    /// End, in the same form as `start`.
    pub end: Option<String>,
    /// Whether the event lasts whole days.
    pub all_day: bool,
    /// Where.
    pub location: Option<String>,
    /// Link to the event in Google Calendar.
    pub html_link: Option<String>,
    /// `confirmed`, `tentative` or `cancelled`.
    pub status: Option<String>,
}

#[derive(Deserialize)]
struct EventsPage {
    #[serde(default)]
    items: Vec<RawEvent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    id: String,
    summary: Option<String>,
    start: Option<EventTime>,
    end: Option<EventTime>,
    location: Option<String>,
    html_link: Option<String>,
    status: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventTime {
    date_time: Option<String>,
    date: Option<String>,
}

impl From<RawEvent> for CalendarEvent {
    fn from(raw: RawEvent) -> Self {
        let all_day = raw
            .start
            .as_ref()
            .is_some_and(|start| start.date_time.is_none() && start.date.is_some());
        let when = |time: Option<EventTime>| time.and_then(|time| time.date_time.or(time.date));
        Self {
            id: raw.id,
            summary: raw.summary,
            start: when(raw.start),
            end: when(raw.end),
            all_day,
            location: raw.location,
            html_link: raw.html_link,
            status: raw.status,
        }
    }
}

/// The user's upcoming Google Calendar events, with a valid token: refreshed before use
/// when it expires, and once more (with one retry) when Google answers 401.
///
/// # Errors
///
/// [`Error::NotConnected`], [`Error::NeedsReauth`] when the refresh token is dead, and
/// the provider errors of [`list_events`].
pub async fn list_calendar_events(
    service: &connectors_core::ConnectorAuthService,
    user: connectors_core::UserId,
    query: &EventQuery,
) -> Result<Vec<CalendarEvent>> {
    let client = service.get_oauth_client(user, "google_calendar").await?;
    let api_url = client.api_url().clone();
    let http = service.http_client();
    service
        .with_access_token(user, "google_calendar", |token| {
            let api_url = api_url.clone();
            async move { list_events(http, &api_url, &token, query).await }
        })
        .await
}

/// Lists the upcoming events of the user's primary calendar
/// (`GET {api}/calendar/v3/calendars/primary/events`, single events ordered by start).
/// A 401 comes back as [`Error::Unauthorized`] so the caller can refresh and retry.
///
/// # Errors
///
/// [`Error::Unauthorized`] on 401, [`Error::Provider`] for another refusal,
/// [`Error::InvalidResponse`] for an answer that does not decode, transport errors.
pub async fn list_events(
    http: &reqwest::Client,
    api_url: &Url,
    token: &AccessToken,
    query: &EventQuery,
) -> Result<Vec<CalendarEvent>> {
    let mut url = calendar_url(api_url, "calendars/primary/events")?;
    let from = query.from.unwrap_or_else(OffsetDateTime::now_utc);
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("timeMin", &rfc3339(from));
        if let Some(to) = query.to {
            pairs.append_pair("timeMax", &rfc3339(to));
        }
        pairs
            .append_pair("singleEvents", "true")
            .append_pair("orderBy", "startTime")
            .append_pair("maxResults", &query.limit.clamp(1, 250).to_string());
    }
    let request = http.get(url).bearer_auth(token.secret());
    let page: EventsPage = connectors_core::http::api_json(request, "calendar events").await?;
    Ok(page.items.into_iter().map(CalendarEvent::from).collect())
}

fn rfc3339(instant: OffsetDateTime) -> String {
    instant.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_day_events_keep_their_date_and_say_so() {
        let raw: RawEvent = serde_json::from_value(serde_json::json!({
            "id": "e1", "summary": "Holiday",
            "start": {"date": "2026-12-24"}, "end": {"date": "2026-12-25"}
        }))
        .unwrap();
        let event = CalendarEvent::from(raw);
        assert!(event.all_day);
        assert_eq!(event.start.as_deref(), Some("2026-12-24"));
    }

    #[test]
    fn timed_events_keep_their_offset() {
        let raw: RawEvent = serde_json::from_value(serde_json::json!({
            "id": "e2", "start": {"dateTime": "2026-12-01T10:00:00+01:00"},
            "end": {"dateTime": "2026-12-01T11:00:00+01:00"}
        }))
        .unwrap();
        let event = CalendarEvent::from(raw);
        assert!(!event.all_day);
        assert_eq!(event.start.as_deref(), Some("2026-12-01T10:00:00+01:00"));
    }
}
