//! The built-in tools: connectors, calendar events, projects and files, and the actions
//! on connected accounts (Slack, Gmail).
//!
//! Field doc comments are the property descriptions the model reads.

use std::borrow::Cow;
use std::fmt;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::binding::{Binding, Tool};

mod actions;

pub use actions::{
    CalendlyEventTypesLimit, CalendlyEventsLimit, CreateNotionPage, GmailMessagesLimit,
    ListCalendlyEventTypes, ListCalendlyEvents, ListGmailMessages, ListMinioObjects,
    ListSlackChannels, MinioObjectsLimit, NotionPagesLimit, PostSlackMessage, PutFileInMinio,
    ReadSlackChannel, SearchNotionPages, SendEmail, SlackChannelsLimit, SlackMessagesLimit,
    NOTION_ID, ONE_LINE, SLACK_CHANNEL_ID,
};
pub use actions::{HostingerLimit, ListHostingerDomains, ListHostingerSubscriptions};
pub use actions::{ListSms, SendSms, SmsLimit, E164};

/// Arguments of `list_connectors`: none.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListConnectors {}

impl Tool for ListConnectors {
    const NAME: &'static str = "list_connectors";
    const DESCRIPTION: &'static str = "List every connector the app offers (calendars, mail, \
        chat, notes, scheduling, e-mail sending, SMS, storage, hosting). For each: its key, \
        name, kind (oauth or config), whether the server is configured for it, whether the \
        user has connected it, and its status (active, inactive, needs_reauth or error). Call \
        it before activating or revoking a connector and whenever the user asks what is \
        connected.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors")
    }
}

/// Arguments of `activate_connector`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateConnector {
    /// Key of the connector to connect, exactly as list_connectors returns it, e.g.
    /// google_calendar.
    #[schemars(extend("x-connector-key" = true))]
    pub key: String,
}

impl Tool for ActivateConnector {
    const NAME: &'static str = "activate_connector";
    const DESCRIPTION: &'static str = "Start connecting one of the user's accounts. The \
        answer says what happens next. {\"kind\":\"oauth\",\"url\":…}: the app opens the \
        provider's consent page; tell the user to approve access in the window that opened \
        and that the connector turns active when they are done. {\"kind\":\"config\",\
        \"fields\":[…]}: the connector needs settings (such as a host, an account id or an \
        API key); tell the user which fields the form on screen asks for and let them type \
        them there. Never ask the user to say a password, token or key out loud.";

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/{key}/activate")
    }
}

/// Arguments of `revoke_connector`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeConnector {
    /// Key of the connector to disconnect, exactly as list_connectors returns it, e.g.
    /// google_calendar.
    #[schemars(extend("x-connector-key" = true))]
    pub key: String,
}

impl Tool for RevokeConnector {
    const NAME: &'static str = "revoke_connector";
    const DESCRIPTION: &'static str = "Disconnect one of the user's connected accounts: \
        revokes the app's access at the provider where possible and deletes the stored \
        credentials. Only connecting again undoes it, so confirm with the user first.";
    const NEEDS_APPROVAL: bool = true;

    fn binding() -> Binding {
        Binding::post("/api/v1/connectors/{key}/revoke")
    }
}

/// Arguments of `list_events`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListEvents {
    /// Start of the time window: an RFC 3339 date-time with a UTC offset, e.g.
    /// 2026-03-02T09:00:00+01:00 or 2026-03-02T08:00:00Z. Omit to start now.
    #[schemars(extend("format" = "date-time"))]
    pub from: Option<String>,
    /// End of the time window, in the same format as from. Omit for no end.
    #[schemars(extend("format" = "date-time"))]
    pub to: Option<String>,
    /// Maximum number of events to return (the bounds are [`EventsLimit`]'s).
    #[schemars(description = EventsLimit::description())]
    pub limit: Option<EventsLimit>,
}

/// How many calendar events to list at most: 1 to 250, 10 when not given (Google
/// Calendar's own `maxResults` bounds). The one definition of these bounds: the
/// `list_events` tool's schema and the REST route it calls both read them from here.
pub type EventsLimit = Limit<250, 10>;

/// How many results a tool asks for at most: [`Limit::MIN`] (1) to `HI`, `DEFAULT`
/// when not given. A tool's argument and the REST route it calls share one such type,
/// so their bounds cannot drift apart.
///
/// Deserializes from a number (tool arguments) or a decimal string (a query string),
/// refusing anything out of bounds with a message that says the bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit<const HI: u32, const DEFAULT: u32>(u32);

impl<const HI: u32, const DEFAULT: u32> Limit<HI, DEFAULT> {
    /// The smallest limit.
    pub const MIN: u32 = 1;
    /// The largest limit.
    pub const MAX: u32 = HI;
    /// The limit when none is given.
    pub const DEFAULT: u32 = DEFAULT;

    /// `limit` when it is within bounds.
    pub fn new(limit: u32) -> Option<Self> {
        (Self::MIN..=Self::MAX)
            .contains(&limit)
            .then_some(Self(limit))
    }

    /// The limit.
    pub fn get(self) -> u32 {
        self.0
    }

    /// What a refused limit is told: `expected a whole number from 1 to 250`.
    pub fn expectation() -> String {
        format!(
            "expected a whole number from {} to {}",
            Self::MIN,
            Self::MAX
        )
    }

    /// The description of a `limit` argument the model reads: `Maximum number of
    /// {what} to return, from 1 to 250.`
    pub fn describe(what: &str) -> String {
        format!(
            "Maximum number of {what} to return, from {} to {}.",
            Self::MIN,
            Self::MAX
        )
    }

    /// [`Self::describe`] for events, as `list_events` says it.
    pub fn description() -> String {
        Self::describe("events")
    }
}

impl<const HI: u32, const DEFAULT: u32> Default for Limit<HI, DEFAULT> {
    fn default() -> Self {
        Self(DEFAULT)
    }
}

impl<'de, const HI: u32, const DEFAULT: u32> Deserialize<'de> for Limit<HI, DEFAULT> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bounded<const HI: u32, const DEFAULT: u32>;

        impl<const HI: u32, const DEFAULT: u32> Visitor<'_> for Bounded<HI, DEFAULT> {
            type Value = Limit<HI, DEFAULT>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&Limit::<HI, DEFAULT>::expectation())
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                u32::try_from(value)
                    .ok()
                    .and_then(Limit::new)
                    .ok_or_else(|| E::custom(Limit::<HI, DEFAULT>::expectation()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                u64::try_from(value)
                    .map_err(|_| E::custom(Limit::<HI, DEFAULT>::expectation()))
                    .and_then(|value| self.visit_u64(value))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                value
                    .parse::<u64>()
                    .map_err(|_| E::custom(Limit::<HI, DEFAULT>::expectation()))
                    .and_then(|value| self.visit_u64(value))
            }
        }

        deserializer.deserialize_any(Bounded::<HI, DEFAULT>)
    }
}

impl<const HI: u32, const DEFAULT: u32> JsonSchema for Limit<HI, DEFAULT> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Limit{HI}").into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "format": "uint32",
            "minimum": Self::MIN,
            "maximum": Self::MAX,
        })
    }
}

impl Tool for ListEvents {
    const NAME: &'static str = "list_events";
    const DESCRIPTION: &'static str = "List the user's upcoming Google Calendar events, \
        earliest first, with their title, start and end (all-day events have a date \
        instead of a time). Needs the google_calendar connector to be active: if the answer \
        is an error saying it is not connected or needs re-authorisation, offer to connect \
        it with activate_connector.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/google_calendar/events")
            .with_query(["from", "to", "limit"])
    }
}

/// Arguments of `create_project`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProject {
    /// Name of the new project, as the user said it.
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    /// What the project is about, in a sentence or two. Omit when the user gave none.
    #[schemars(length(max = 2000))]
    pub description: Option<String>,
}

impl Tool for CreateProject {
    const NAME: &'static str = "create_project";
    const DESCRIPTION: &'static str = "Create a project for the user. Ask for the name when \
        the user has not given one; the answer is the new project.";

    fn binding() -> Binding {
        Binding::post("/api/v1/projects").with_json_body()
    }
}

/// Arguments of `list_projects`: none.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjects {}

impl Tool for ListProjects {
    const NAME: &'static str = "list_projects";
    const DESCRIPTION: &'static str = "List the user's projects.";

    fn binding() -> Binding {
        Binding::get("/api/v1/projects")
    }
}

/// Arguments of `upload_file`: none, the user picks the file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadFile {}

impl Tool for UploadFile {
    const NAME: &'static str = "upload_file";
    const DESCRIPTION: &'static str = "Upload a file for the user. Takes no arguments: the \
        app opens a file picker on the user's device; tell the user to choose the file \
        there. The answer describes the stored file, or says the user cancelled.";

    fn binding() -> Binding {
        Binding::post("/api/v1/files").with_multipart_file("file")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::EventsLimit;

    #[test]
    fn an_events_limit_reads_numbers_and_decimal_strings_within_its_bounds() {
        let read = |value| serde_json::from_value::<EventsLimit>(value).map(EventsLimit::get);
        assert_eq!(read(json!(250)).unwrap(), 250);
        assert_eq!(read(json!("1")).unwrap(), 1);
        for bad in [
            json!(0),
            json!(251),
            json!(-1),
            json!("abc"),
            json!(""),
            json!(2.5),
        ] {
            assert!(read(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(
            read(json!("0")).unwrap_err().to_string(),
            "expected a whole number from 1 to 250"
        );
        assert_eq!(EventsLimit::default().get(), 10);
    }
}
