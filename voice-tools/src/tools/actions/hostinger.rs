//! Hostinger's tools (read-only): domains, subscriptions.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::binding::{Binding, Tool};
use crate::tools::Limit;

/// How many domains or subscriptions the Hostinger tools list at most: 1 to 100, 25 by
/// default.
pub type HostingerLimit = Limit<100, 25>;

/// Arguments of `list_hostinger_domains`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListHostingerDomains {
    /// Maximum number of domains to list.
    #[schemars(description = HostingerLimit::describe("domains"))]
    pub limit: Option<HostingerLimit>,
}

impl Tool for ListHostingerDomains {
    const NAME: &'static str = "list_hostinger_domains";
    const DESCRIPTION: &'static str = "List the domains of the user's Hostinger account: \
        name, status and when each expires. Needs the hostinger connector to be active: if \
        the answer says it is not connected, offer to set it up with activate_connector.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/hostinger/domains").with_query(["limit"])
    }
}

/// Arguments of `list_hostinger_subscriptions`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListHostingerSubscriptions {
    /// Maximum number of subscriptions to list.
    #[schemars(description = HostingerLimit::describe("subscriptions"))]
    pub limit: Option<HostingerLimit>,
}

impl Tool for ListHostingerSubscriptions {
    const NAME: &'static str = "list_hostinger_subscriptions";
    const DESCRIPTION: &'static str = "List the subscriptions of the user's Hostinger \
        account (hosting plans, domains, email): name, status, whether it renews on its \
        own, the renewal price and the next billing date. Needs the hostinger connector to \
        be active.";

    fn binding() -> Binding {
        Binding::get("/api/v1/connectors/hostinger/subscriptions").with_query(["limit"])
    }
}
