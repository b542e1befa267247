//! End-to-end tests of the reference server against fake providers.

// Test helpers are shared between the modules of this one binary.
#![allow(unreachable_pub)]

mod auth;
mod config_connectors;
mod google_calendar;
mod hardening;
mod helpers;
mod projects_files;
mod realtime;
mod refresh;
mod startup;
