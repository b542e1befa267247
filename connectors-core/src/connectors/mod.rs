//! The built-in connectors.

pub mod google;

use std::sync::Arc;

use crate::Connector;

/// Every built-in connector, in the order the dashboard shows them.
pub fn builtin() -> Vec<Arc<dyn Connector>> {
    vec![Arc::new(google::GoogleCalendar::new())]
}
