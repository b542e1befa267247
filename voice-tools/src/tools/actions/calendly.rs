//! Calendly's tools (read-only): upcoming events, event types.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::binding::{Binding, Tool};
use crate::tools::Limit;

/// How many events `list_calendly_events` lists at most: 1 to 50, 10 by default.
pub type CalendlyEventsLimit = Limit<50, 10>;
/// How many event types `list_calendly_event_types` lists at most: 1 to 50, 20 by default.
pub type CalendlyEventTypesLimit = Limit<50, 20>;

/// Arguments of `list_calendly_events`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCalendlyEvents {
    /// Maximum number of events to list.
    #[schemars(description = CalendlyEventsLimit::describe("events"))]
    pub limit: Option<CalendlyEventsLimit>,
}

impl Tool for ListCalendlyEvents {
    const NAME: &'static str = "list_calendly_events";
    const DESCRIPTION: &'static str = "List the user's upcoming meetings booked through \
        Calendly, soonest first: name, start and end (UTC), where, and how many invitees. \
        Needs the calendly connector to be active: if the answer says it is not connected, \
        offer to connect it with activate_connector.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/calendly/events").with_query(["limit"])
    }
}

/// Arguments of `list_calendly_event_types`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCalendlyEventTypes {
    /// Maximum number of event types to list.
    #[schemars(description = CalendlyEventTypesLimit::describe("event types"))]
    pub limit: Option<CalendlyEventTypesLimit>,
}

impl Tool for ListCalendlyEventTypes {
    const NAME: &'static str = "list_calendly_event_types";
    const DESCRIPTION: &'static str = "List the kinds of meeting people can book with the \
        user on Calendly: name, duration and the booking link to share. Needs the calendly \
        connector to be active.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/calendly/event-types").with_query(["limit"])
    }
}
