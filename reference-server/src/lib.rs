//! The reference server: the connectors SDK assembled into the HTTP API of SPEC §5, with
//! the dashboard served from the same origin.
//!
//! `main.rs` reads [`Settings`] from the environment, builds the [`Application`] and runs
//! it; tests build it on port 0, or call [`router`] directly.

pub mod accounts;
pub mod actions;
pub mod auth;
pub mod cli;
pub mod config;
pub mod connections;
pub mod connector_list;
pub mod db;
pub mod error;
pub mod files;
mod frontend;
pub mod hashing;
pub mod json;
pub mod lifecycle;
pub mod metrics;
pub mod openapi;
pub mod query;
pub mod ratelimit;
pub mod request_id;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod tool_calls;
pub mod users;
pub mod validate;
pub mod voice;
pub mod webhooks;

pub use config::Settings;
pub use startup::{build_state, router, Application};
pub use state::AppState;
