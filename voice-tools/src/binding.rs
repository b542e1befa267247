//! The [`Tool`] trait and the REST [`Binding`] each tool declares.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Marks a string property whose allowed values are the connector keys the
/// [`Catalog`](crate::Catalog) was built with: put
/// `#[schemars(extend("x-connector-key" = true))]` on the field and the catalog
/// replaces the marker with an `enum` of those keys.
pub const CONNECTOR_KEY_MARKER: &str = "x-connector-key";

/// A tool the voice agent can call: its arguments are `Self` (a struct deriving
/// [`JsonSchema`] and `Deserialize`, with `#[serde(deny_unknown_fields)]` and a doc
/// comment on every field, which becomes the property's description), plus a name, a
/// description and the REST route it calls.
///
/// ```
/// use schemars::JsonSchema;
/// use serde::Deserialize;
/// use voice_tools::{Binding, Catalog, Tool};
///
/// /// Arguments of `archive_project`.
/// #[derive(Deserialize, JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// struct ArchiveProject {
///     /// Id of the project, as `list_projects` returns it.
///     id: String,
/// }
///
/// impl Tool for ArchiveProject {
///     const NAME: &'static str = "archive_project";
///     const DESCRIPTION: &'static str = "Archive one of the user's projects.";
///
///     fn binding() -> Binding {
///         Binding::post("/api/v1/projects/{id}/archive")
///     }
/// }
///
/// let catalog = Catalog::new(["google_calendar"]).with_tool::<ArchiveProject>();
/// assert!(catalog.get("archive_project").is_some());
/// ```
pub trait Tool: JsonSchema + DeserializeOwned {
    /// The name the model calls the tool by (`^[a-zA-Z0-9_-]{1,64}$`).
    const NAME: &'static str;
    /// What the tool does, when to use it and what its answer means, written for the
    /// model.
    const DESCRIPTION: &'static str;

    /// Whether the user must approve each call before it runs (an act that only the
    /// user can undo, such as disconnecting an account). A server running the call
    /// refuses it without the user's approval.
    const NEEDS_APPROVAL: bool = false;

    /// The REST route the tool calls.
    fn binding() -> Binding;
}

/// An HTTP method a tool's route uses; serializes in upper case (`"POST"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method's name, upper case.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

impl From<HttpMethod> for reqwest::Method {
    fn from(method: HttpMethod) -> Self {
        match method {
            HttpMethod::Get => Self::GET,
            HttpMethod::Post => Self::POST,
            HttpMethod::Put => Self::PUT,
            HttpMethod::Patch => Self::PATCH,
            HttpMethod::Delete => Self::DELETE,
        }
    }
}

/// What the request body of a tool's route holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// No body: every argument is in the path or the query.
    Empty,
    /// A JSON object of the arguments that are neither in the path nor the query.
    Json,
    /// `multipart/form-data` with a file the user picks in the browser, under
    /// `file_field`; the other arguments become text fields.
    Multipart {
        /// The form field holding the file.
        file_field: String,
    },
}

/// Where a tool's route is and where each argument goes: path parameters are the
/// `{name}`s of the path template, query parameters are listed with
/// [`with_query`](Self::with_query), and every other argument goes into the body.
///
/// ```
/// use voice_tools::Binding;
///
/// let binding = Binding::get("/api/v1/connectors/google_calendar/events")
///     .with_query(["from", "to", "limit"]);
/// let revoke = Binding::post("/api/v1/connectors/{key}/revoke");
/// assert_eq!(revoke.path_params(), ["key"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    method: HttpMethod,
    path: String,
    query: Vec<String>,
    body: BodyKind,
}

impl Binding {
    /// A route with no body; `path` is a template such as `/api/v1/connectors/{key}`.
    pub fn new(method: HttpMethod, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: BodyKind::Empty,
        }
    }

    /// A `GET` route.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Get, path)
    }

    /// A `POST` route.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Post, path)
    }

    /// A `PUT` route.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Put, path)
    }

    /// A `PATCH` route.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Patch, path)
    }

    /// A `DELETE` route.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(HttpMethod::Delete, path)
    }

    /// Sends these arguments in the query string.
    #[must_use]
    pub fn with_query(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.query.extend(names.into_iter().map(Into::into));
        self
    }

    /// Sends the remaining arguments as a JSON object body.
    #[must_use]
    pub fn with_json_body(mut self) -> Self {
        self.body = BodyKind::Json;
        self
    }

    /// Sends a `multipart/form-data` body with a file the user picks, under
    /// `file_field`, and the remaining arguments as text fields.
    #[must_use]
    pub fn with_multipart_file(mut self, file_field: impl Into<String>) -> Self {
        self.body = BodyKind::Multipart {
            file_field: file_field.into(),
        };
        self
    }

    /// The HTTP method.
    pub fn method(&self) -> HttpMethod {
        self.method
    }

    /// The path template, e.g. `/api/v1/connectors/{key}/revoke`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The arguments sent in the query string.
    pub fn query_params(&self) -> &[String] {
        &self.query
    }

    /// The names in the path template, in order.
    pub fn path_params(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect()
    }

    /// What the body holds.
    pub fn body(&self) -> &BodyKind {
        &self.body
    }

    /// Whether the call needs a file the user picks in the browser.
    pub fn needs_user_file(&self) -> bool {
        matches!(self.body, BodyKind::Multipart { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_come_from_whole_segments_of_the_template() {
        let binding = Binding::get("/api/v1/{org}/connectors/{key}/events");

        assert_eq!(binding.path_params(), ["org", "key"]);
        assert!(Binding::get("/api/v1/projects").path_params().is_empty());
    }

    #[test]
    fn methods_serialize_in_upper_case() {
        assert_eq!(serde_json::to_value(HttpMethod::Post).unwrap(), "POST");
        assert_eq!(
            reqwest::Method::from(HttpMethod::Delete),
            reqwest::Method::DELETE
        );
    }
}
