//! End-to-end tests of the reference server against fake providers.

mod auth;
mod google_calendar;
mod helpers;
mod projects_files;
mod realtime;
mod refresh;
