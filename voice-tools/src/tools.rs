//! The built-in tools: connectors, calendar events, projects and files.
//!
//! Field doc comments are the property descriptions the model reads.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::binding::{Binding, Tool};

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
    /// Maximum number of events to return, from 1 to 250.
    #[schemars(range(min = 1, max = 250))]
    pub limit: Option<u32>,
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
