//! The voice agent's tools, described once: each tool is a Rust type whose JSON
//! Schema (schemars) is what the model sees, bound to the REST route it calls.
//!
//! A [`Catalog`] built from the server's connector keys gives
//! - the tools in OpenAI's function-tool form for a Realtime session
//!   ([`Catalog::to_openai_tools`]), cleaned of what OpenAI does not take (see below);
//! - the listing the browser builds its tools from, `GET /api/v1/realtime/tools`
//!   ([`Catalog::listing`]): name, description, parameters, method, path and where
//!   each argument goes;
//! - validation of the arguments a model sends ([`Catalog::validate`]), with errors
//!   the model can read, resolved to a concrete HTTP request ([`ValidatedCall`]).
//!
//! An [`Executor`] runs a validated call against the REST API as the user, over HTTP
//! or, in the API's own process, through its router ([`Executor::in_process`]).
//!
//! # Quick start
//!
//! ```no_run
//! use voice_tools::{Catalog, Executor};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at start-up, from the keys of the connector registry.
//! let catalog = Catalog::new(["google_calendar", "gmail", "slack", "smtp"]);
//!
//! // For a Realtime session (`realtime_secret::FunctionTool` deserializes these).
//! let tools: Vec<serde_json::Value> = catalog.to_openai_tools();
//!
//! // For `GET /api/v1/realtime/tools`.
//! let listing = serde_json::to_value(catalog.listing())?;
//!
//! // A tool call from the model: validate, then run it as the user.
//! let arguments = serde_json::json!({"limit": 5});
//! let call = catalog.validate("list_events", &arguments)?;
//! assert_eq!(call.path_and_query(), "/api/v1/connectors/google_calendar/events?limit=5");
//!
//! let executor = Executor::new("http://127.0.0.1:8080".parse()?);
//! match executor.send(&call, "the user's bearer token").await {
//!     Ok(answer) => println!("{answer}"),
//!     // Give the model something it can act on.
//!     Err(error) => println!("{}", error.to_tool_output()),
//! }
//! # let _ = (tools, listing);
//! # Ok(())
//! # }
//! ```
//!
//! # What is where
//!
//! - [`Tool`], [`Binding`], [`HttpMethod`], [`BodyKind`]: how a tool is declared;
//!   [`CONNECTOR_KEY_MARKER`] marks an argument whose values are connector keys.
//! - [`tools`]: the built-in tools (`list_connectors`, `activate_connector`,
//!   `revoke_connector`, `list_events`, `create_project`, `list_projects`,
//!   `upload_file`), and [`tools::EventsLimit`], the bounds of `list_events`' `limit`
//!   that the REST route it calls shares.
//! - [`Catalog`], [`ToolDefinition`], [`ValidatedCall`], [`CallBody`]: the tool set,
//!   its schemas, validation.
//! - [`Executor`], [`UserFile`]: calls to the REST API, over HTTP or in process
//!   through a [`Dispatch`] (an API's own router).
//! - [`Error`], [`ArgumentProblem`]: everything that can go wrong.
//!
//! # Schemas sent to OpenAI
//!
//! The browser SDK sends non-strict JSON-schema tools and never validates arguments,
//! so the server validates every call against the full schema (JSON Schema 2020-12 as
//! schemars writes it, with `format: date-time` checked). The form given to OpenAI and
//! to the browser ([`ToolDefinition::parameters`]) is the same schema with
//! - `$ref`s inlined and `$defs`/`definitions` dropped;
//! - no `$schema`, `$id`, `$comment`, `title`, `format` or `x-…` keys (descriptions
//!   say "RFC 3339 date-time" in words instead);
//! - optional arguments as their plain type (`"type": "string"`, not
//!   `["string", "null"]`): leaving an argument out already means "none". Validation
//!   still accepts an explicit `null`, which counts as absent;
//! - `additionalProperties: false` on every tool, and `properties` even when empty.
//!
//! Connector-key arguments carry an `enum` of the keys the catalog was built with,
//! never typed by hand.

mod binding;
mod catalog;
mod error;
mod executor;
mod multipart;
mod schema;
pub mod tools;

pub use binding::{Binding, BodyKind, HttpMethod, Tool, CONNECTOR_KEY_MARKER};
pub use catalog::{CallBody, Catalog, ToolDefinition, ValidatedCall};
pub use error::{ArgumentProblem, Error, ProblemKind, Result};
pub use executor::{read_answer, Dispatch, DispatchFuture, Executor, UserFile};

pub use reqwest;
pub use schemars;
pub use url;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
