//! The HTTP API, grouped by resource.

pub mod actions;
pub mod auth;
pub mod connectors;
pub mod events;
pub mod files;
pub mod health;
pub mod projects;
pub mod realtime;
