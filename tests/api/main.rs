//! End-to-end tests of the reference server against fake providers.

// Test helpers are shared between the modules of this one binary.
#![allow(unreachable_pub)]

mod actions;
mod actions_config;
mod auth;
mod config_connectors;
mod connector_list;
mod events;
mod google_calendar;
// The stateful OAuth provider fake of connectors-providers' tests; not every helper is
// used here.
#[allow(dead_code)]
#[path = "../../connectors-providers/tests/connectors/grant_fake.rs"]
mod grant_fake;
mod hardening;
mod helpers;
mod metrics;
mod projects_files;
mod realtime;
mod refresh;
mod revocation;
mod startup;
mod tool_calls;
mod users;
